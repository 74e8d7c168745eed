"""Descriptive summaries for manuscript tables (Table 1, observed values per visit, AE counts).

The numbers behind the baseline table and the observed columns of the longitudinal table:
n, mean, SD (n - 1 denominator), median, quartiles (R ``quantile`` type 7), range; and counts
per level of categorical variables. Tables only format what :func:`describe` returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._validate import (
    _is_real,
    check_column_name,
    check_columns,
    check_flag,
    check_frame,
    check_label_column,
    check_mapping,
    check_no_missing,
    check_sequence,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["describe", "CONTINUOUS_COLUMNS", "adverse_events", "AE_EVENT_TERMS"]

#: columns of :func:`describe` output
CONTINUOUS_COLUMNS = ("n", "n_missing", "mean", "sd", "median", "q1", "q3", "minimum", "maximum")
_OVERALL = "All"


def _continuous(values) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    present = arr[~np.isnan(arr)]
    n = int(present.size)
    out: dict[str, Any] = {"n": n, "n_missing": int(arr.size - n)}
    if n == 0:
        out.update(dict.fromkeys(("mean", "sd", "median", "q1", "q3", "minimum", "maximum"), np.nan))
        return out
    out["mean"] = float(np.mean(present))
    out["sd"] = float(np.std(present, ddof=1)) if n > 1 else np.nan
    q1, median, q3 = np.quantile(present, [0.25, 0.5, 0.75])  # R type 7 ("linear")
    out.update(median=float(median), q1=float(q1), q3=float(q3))
    out.update(minimum=float(present.min()), maximum=float(present.max()))
    return out


def _numbers_or_none(col):
    """The column as float (nullable and object columns of numbers included), or None when it
    is not numeric (text, bools, categorical)."""
    import pandas as pd

    if isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(col):
        return None
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    if col.dtype == object:
        present = col.dropna()
        if len(present) and present.map(_is_real).all():
            return col.astype("float64")
    return None


def describe(
    data: pd.DataFrame,
    variables: str | Sequence[str],
    *,
    by: str | None = None,
    overall: bool = True,
    kinds: dict[str, str] | None = None,
    levels: dict[str, Sequence[Any]] | None = None,
    group_order: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Describe variables of a tidy DataFrame, optionally by group.

    Parameters
    ----------
    data : DataFrame
        One row per unit (subject, or subject-visit).
    variables : str or list of str
        Columns to describe.
    by : str, optional
        Grouping column (e.g. ``"cohort"`` or ``"visit"``); groups in ``group_order`` or order of
        first appearance (categorical order when the column is categorical).
    overall : bool
        Also describe all rows together as group ``"All"`` (when ``by`` is given).
    kinds : dict, optional
        ``"continuous"`` or ``"categorical"`` per variable; default: numeric (non-bool) columns
        are continuous (nullable ``Int64``/``Float64`` and object columns holding only numbers
        included), everything else categorical (text, bool, and pandas categorical columns,
        whose categories give the levels).
    levels : dict, optional
        Levels to report for categorical variables (zero counts included), in this order.
    group_order : list, optional
        Order (and selection) of the groups.

    Returns
    -------
    DataFrame
        One row per (variable, group) for continuous variables with columns
        ``variable, kind, group, level, n, n_missing, mean, sd, median, q1, q3, minimum, maximum,
        count, total``; one row per (variable, group, level) for categorical ones, where
        ``count`` is the number of units at the level and ``total`` the number with a value.

    Method: sample mean, SD with denominator n - 1 (NaN for n = 1), quartiles as R
    ``quantile(type = 7)`` (R is followed; SAS PROC MEANS' default QNTLDEF=5 can give other
    quartiles for small n); missing values are left out and counted in ``n_missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [18, 20, 24], "sex": ["F", "F", "M"]})
    >>> out = describe(df, ["age", "sex"])
    >>> float(out.loc[0, "median"]), out.loc[1, "level"], int(out.loc[1, "count"])
    (20.0, 'F', 2)
    """
    import pandas as pd

    check_frame(data, "data")
    if isinstance(variables, str):
        variables = [variables]
    elif isinstance(variables, Iterable):
        variables = list(variables)
    else:
        raise SmallTrialError(f"variables must be a column name or a list of them, got {variables!r}")
    if not variables:
        raise SmallTrialError("variables must name at least one column, got []")
    for var in variables:
        check_column_name(var, "variables")
    if len(set(variables)) != len(variables):
        raise SmallTrialError(f"variables has duplicates: {variables!r}")
    check_column_name(by, "by", optional=True)
    overall = check_flag(overall, "overall")
    check_columns(data, variables + ([by] if by else []), "data")
    if by is not None:
        check_no_missing(data, by, name="data")
        check_label_column(data, by)
    kinds = check_mapping(kinds, "kinds")
    levels = check_mapping(levels, "levels")
    for arg, mapping in (("kinds", kinds), ("levels", levels)):
        unknown = [k for k in mapping if k not in variables]
        if unknown:
            raise SmallTrialError(f"{arg} names {', '.join(map(repr, unknown))}, not among "
                                  f"variables {variables!r}")
    for var, kind in kinds.items():
        if kind not in ("continuous", "categorical"):
            raise SmallTrialError(
                f"kinds[{var!r}] must be 'continuous' or 'categorical', got {kind!r}"
            )
    levels = {var: check_sequence(lv, f"levels[{var!r}]") for var, lv in levels.items()}
    group_order = check_sequence(group_order, "group_order", optional=True)
    if group_order is not None:
        if by is None:
            raise SmallTrialError("group_order needs by (the grouping column)")
        present_groups = set(data[by].tolist())
        unknown = [g for g in group_order if g not in present_groups]
        if unknown:
            raise SmallTrialError(
                f"group_order names {', '.join(map(repr, unknown[:5]))}, not in column {by!r}"
            )

    groups: list[tuple[Any, Any]] = []
    if by is None:
        groups.append((_OVERALL, np.ones(len(data), dtype=bool)))
    else:
        col = data[by]
        if group_order is not None:
            order = group_order
        elif isinstance(col.dtype, pd.CategoricalDtype):
            order = [c for c in col.cat.categories if (col == c).any()]
        else:
            order = list(dict.fromkeys(col.dropna().tolist()))
        for g in order:
            groups.append((g, (col == g).to_numpy()))
        if overall:
            groups.append((_OVERALL, np.ones(len(data), dtype=bool)))

    rows = []
    for var in variables:
        col = data[var]
        values = _numbers_or_none(col)
        kind = kinds.get(var)
        if kind is None:
            kind = "continuous" if values is not None else "categorical"
        if kind == "continuous":
            if values is None:
                raise SmallTrialError(f"column {var!r} of data must be numeric to be continuous")
            infinite = np.isinf(values.to_numpy(dtype=float))
            if infinite.any():
                raise SmallTrialError(f"column {var!r} of data has infinite values "
                                      f"(row {', '.join(map(repr, data.index[infinite][:5]))})")
            for g, mask in groups:
                rows.append({"variable": var, "kind": kind, "group": g, "level": None,
                             **_continuous(values[mask]), "count": np.nan, "total": np.nan})
        else:
            var_levels = list(levels.get(var) or [])
            if var_levels:
                present_all = col.dropna()
                outside = present_all[~present_all.isin(var_levels)]
                if not outside.empty:
                    shown = ", ".join(map(repr, list(dict.fromkeys(outside.tolist()))[:5]))
                    raise SmallTrialError(f"column {var!r} of data has values not in "
                                          f"levels[{var!r}]: {shown}")
            if not var_levels:
                if isinstance(col.dtype, pd.CategoricalDtype):
                    var_levels = list(col.cat.categories)
                else:
                    var_levels = sorted(col.dropna().unique().tolist(), key=str)
            for g, mask in groups:
                sub = col[mask]
                present = sub.dropna()
                total = int(present.size)
                for level in var_levels:
                    rows.append({"variable": var, "kind": kind, "group": g, "level": level,
                                 "n": total, "n_missing": int(sub.isna().sum()),
                                 **dict.fromkeys(CONTINUOUS_COLUMNS[2:], np.nan),
                                 "count": int((present == level).sum()), "total": total})
    columns = ["variable", "kind", "group", "level", *CONTINUOUS_COLUMNS, "count", "total"]
    return pd.DataFrame(rows, columns=columns)


# ----------------------------------------------------------------------------- adverse events
#: how :func:`adverse_events` names the CRS/ICANS events of ``Trial.events`` (term, SOC)
AE_EVENT_TERMS: dict[str, tuple[str, str]] = {
    "crs": ("Cytokine release syndrome", "Immune system disorders"),
    "icans": ("Immune effector cell-associated neurotoxicity syndrome", "Nervous system disorders"),
}
_GRADES = (1, 2, 3, 4, 5)


def _ae_rows(frame: pd.DataFrame, name: str, *, allow_empty: bool = False) -> pd.DataFrame:
    """Check an adverse-event table; one line naming column, row and value on bad input.
    ``allow_empty``: a Trial's table may have no rows (a trial without adverse events)."""
    import pandas as pd

    from smalltrial.trial import plain_frame

    if allow_empty and isinstance(frame, pd.DataFrame) and len(frame) == 0:
        return pd.DataFrame({"subject": pd.Series(dtype=object), "term": pd.Series(dtype=object),
                             "soc": pd.Series(dtype=object), "grade": pd.Series(dtype=float)})
    check_frame(frame, name)
    frame = plain_frame(frame)
    check_columns(frame, ["subject", "term", "soc", "grade"], name)
    for col in ("subject", "term", "soc"):
        bad = frame[col].isna() | frame[col].astype(str).str.strip().eq("")
        if bad.any():
            i = bad[bad].index[0]
            raise SmallTrialError(
                f"column {col!r} of {name} is missing on row {i} (subject "
                f"{frame.at[i, 'subject']!r}, value {frame.at[i, col]!r}): every adverse event "
                "needs a subject, term and soc"
            )
    grade = pd.to_numeric(frame["grade"], errors="coerce")
    bad = ~grade.isin([1.0, 2.0, 3.0, 4.0, 5.0]) | pd.api.types.is_bool_dtype(frame["grade"])
    if bad.any():
        i = bad[bad].index[0]
        raise SmallTrialError(
            f"column 'grade' of {name} must be a whole number 1-5 (CTCAE grade); got "
            f"{frame.at[i, 'grade']!r} on row {i} (subject {frame.at[i, 'subject']!r})"
        )
    return pd.DataFrame({"subject": frame["subject"].to_numpy(),
                         "term": frame["term"].astype(str).to_numpy(),
                         "soc": frame["soc"].astype(str).to_numpy(),
                         "grade": grade.astype(int).to_numpy()})


def adverse_events(
    trial_or_frame: Any,
    *,
    by: str | None = None,
    min_grade: int | None = None,
    include_events: Sequence[str] = ("crs", "icans"),
) -> pd.DataFrame:
    """Patients with adverse events: any, by system organ class and by preferred term.

    Parameters
    ----------
    trial_or_frame : a ``Trial`` (its ``adverse_events``; N = every patient in ``subjects``) or
        an adverse-event DataFrame ``subject, term, soc, grade`` (N = the patients in it).
    by : a column of the trial's ``subjects`` (of the frame when a frame is given), e.g.
        ``"cohort"``: one block of rows per group, N = all patients of the group.
    min_grade : keep adverse events of this grade or worse (1-5), e.g. 3 for grade >= 3.
    include_events : events of ``Trial.events`` (with a grade) that count as adverse events:
        by default CRS and ICANS, named as in :data:`AE_EVENT_TERMS` ("Cytokine release
        syndrome" in "Immune system disorders"; "Immune effector cell-associated neurotoxicity
        syndrome" in "Nervous system disorders"). They are added only when ``adverse_events``
        does not already hold that term (for any patient), so a trial that records CRS as an
        adverse event is not counted twice. ``()`` turns this off.

    Returns
    -------
    DataFrame ``[<by>,] level, soc, term, n, N, percent, grade_1, ..., grade_5``: ``level``
    ``"overall"`` (one row: any adverse event; ``soc`` and ``term`` empty), ``"soc"`` (per
    system organ class; ``term`` empty) or ``"term"`` (per preferred term, after its class).
    ``n`` counts patients (not events) with at least one such event, ``N`` the patients of the
    group (also those without events), ``percent = 100 n / N``; ``grade_g`` counts the patients
    whose worst grade in that row is g (they add up to n). Classes and terms are ordered by the
    number of patients in the whole trial (descending), then alphabetically; every group lists
    the same rows (zero counts included).

    Method: patient-level incidence counts as in the usual safety tables (ICH E3 12.2; FDA
    standard safety tables): a patient with several events of one term counts once, at the
    worst grade.

    Examples
    --------
    >>> import pandas as pd
    >>> ae = pd.DataFrame({"subject": ["a", "a", "b"], "term": ["Fever", "Fever", "Rash"],
    ...                    "soc": ["General", "General", "Skin"], "grade": [1, 3, 2], "day": [1, 5, 9]})
    >>> out = adverse_events(ae)
    >>> out[["level", "term", "n", "N", "grade_3"]].values.tolist()
    [['overall', '', 2, 2, 1], ['soc', '', 1, 2, 1], ['term', 'Fever', 1, 2, 1], ['soc', '', 1, 2, 0], ['term', 'Rash', 1, 2, 0]]
    """
    import pandas as pd

    from smalltrial.trial import plain_frame

    if min_grade is not None:
        if isinstance(min_grade, bool) or min_grade not in _GRADES:
            raise SmallTrialError(f"min_grade must be a whole number 1-5; got {min_grade!r}")
    if by is not None and not isinstance(by, str):
        raise SmallTrialError(f"by must be a column name, got {by!r}")
    if isinstance(include_events, str):
        include_events = (include_events,)
    unknown = [e for e in include_events if e not in AE_EVENT_TERMS]
    if unknown:
        raise SmallTrialError(f"include_events: {', '.join(map(repr, unknown))} not among "
                              f"{', '.join(map(repr, AE_EVENT_TERMS))}")

    ae_table = getattr(trial_or_frame, "adverse_events", None)
    subjects = getattr(trial_or_frame, "subjects", None)
    if isinstance(ae_table, pd.DataFrame) and isinstance(subjects, pd.DataFrame):
        rows = _ae_rows(ae_table, "adverse_events", allow_empty=True)
        events = plain_frame(getattr(trial_or_frame, "events", None))
        if include_events and isinstance(events, pd.DataFrame) and len(events):
            check_columns(events, ["subject", "event", "grade"], "events")
            have = set(rows["term"].str.casefold())
            extra = []
            for ev in include_events:
                term, soc = AE_EVENT_TERMS[ev]
                if term.casefold() in have:
                    continue
                hit = events[events["event"] == ev]
                if len(hit):
                    extra.append(pd.DataFrame({"subject": hit["subject"], "term": term,
                                               "soc": soc, "grade": hit["grade"]}))
            if extra:
                rows = pd.concat([rows, _ae_rows(pd.concat(extra, ignore_index=True), "events")],
                                 ignore_index=True)
        people = plain_frame(subjects)
        check_columns(people, ["subject"] + ([by] if by else []), "subjects")
    else:
        check_frame(trial_or_frame, "trial_or_frame")
        frame = plain_frame(trial_or_frame)
        rows = _ae_rows(frame, "adverse events")
        if by is not None:
            check_columns(frame, [by], "adverse events")
            rows[by] = frame[by].to_numpy()
        people = rows.drop_duplicates("subject")[["subject"] + ([by] if by else [])]
    if by is not None:
        check_no_missing(people, by, subject="subject", name="subjects")
        rows = rows.drop(columns=[by], errors="ignore").merge(people[["subject", by]], on="subject")
    if min_grade is not None:
        rows = rows[rows["grade"] >= min_grade]

    # row order: by patients in the whole trial, then alphabetically
    soc_n = rows.groupby("soc")["subject"].nunique()
    term_n = rows.groupby(["soc", "term"])["subject"].nunique()
    socs = sorted(soc_n.index, key=lambda s: (-soc_n[s], s))
    layout: list[tuple[str, str, str]] = [("overall", "", "")]
    for soc in socs:
        layout.append(("soc", soc, ""))
        terms = term_n.loc[soc]
        layout += [("term", soc, t) for t in sorted(terms.index, key=lambda t: (-terms[t], t))]

    groups = [(None, people)] if by is None else [
        (g, people[people[by] == g]) for g in dict.fromkeys(people[by].tolist())]
    out = []
    for g, members in groups:
        ids = set(members["subject"])
        sub = rows[rows["subject"].isin(ids)]
        big_n = len(ids)
        worst_any = sub.groupby("subject")["grade"].max()
        worst_soc = sub.groupby(["soc", "subject"])["grade"].max()
        worst_term = sub.groupby(["soc", "term", "subject"])["grade"].max()
        for level, soc, term in layout:
            if level == "overall":
                worst = worst_any
            elif level == "soc":
                worst = worst_soc.loc[soc] if soc in worst_soc.index.get_level_values(0) else worst_soc.iloc[:0]
            else:
                key = (soc, term)
                idx = worst_term.index.droplevel(2)
                worst = worst_term[idx.isin([key])]
            n = int(len(worst))
            rec = {} if by is None else {by: g}
            rec.update(level=level, soc=soc, term=term, n=n, N=big_n,
                       percent=100.0 * n / big_n if big_n else float("nan"))
            for grade in _GRADES:
                rec[f"grade_{grade}"] = int((worst == grade).sum())
            out.append(rec)
    columns = ([by] if by else []) + ["level", "soc", "term", "n", "N", "percent"] + [
        f"grade_{g}" for g in _GRADES]
    return pd.DataFrame(out, columns=columns)
