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
from smalltrial._validate import check_columns, check_frame, check_no_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["describe", "CONTINUOUS_COLUMNS"]

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
        are continuous, everything else categorical.
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
        if not isinstance(var, str):
            raise SmallTrialError(f"variables must be column names, got {var!r}")
    if by is not None and not isinstance(by, str):
        raise SmallTrialError(f"by must be a column name, got {by!r}")
    if not isinstance(overall, (bool, np.bool_)):
        raise SmallTrialError(f"overall must be True or False, got {overall!r}")
    check_columns(data, variables + ([by] if by else []), "data")
    if by is not None:
        check_no_missing(data, by, name="data")
    kinds = dict(kinds or {})
    levels = dict(levels or {})
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

    groups: list[tuple[Any, Any]] = []
    if by is None:
        groups.append((_OVERALL, data))
    else:
        col = data[by]
        if group_order is not None:
            order = list(group_order)
        elif isinstance(col.dtype, pd.CategoricalDtype):
            order = [c for c in col.cat.categories if (col == c).any()]
        else:
            order = list(dict.fromkeys(col.dropna().tolist()))
        for g in order:
            groups.append((g, data[col == g]))
        if overall:
            groups.append((_OVERALL, data))

    rows = []
    for var in variables:
        col = data[var]
        kind = kinds.get(var)
        if kind is None:
            numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            kind = "continuous" if numeric else "categorical"
        if kind == "continuous":
            if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
                raise SmallTrialError(f"column {var!r} of data must be numeric to be continuous")
            for g, sub in groups:
                rows.append({"variable": var, "kind": kind, "group": g, "level": None,
                             **_continuous(sub[var]), "count": np.nan, "total": np.nan})
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
            for g, sub in groups:
                present = sub[var].dropna()
                total = int(present.size)
                for level in var_levels:
                    rows.append({"variable": var, "kind": kind, "group": g, "level": level,
                                 "n": total, "n_missing": int(sub[var].isna().sum()),
                                 **dict.fromkeys(CONTINUOUS_COLUMNS[2:], np.nan),
                                 "count": int((present == level).sum()), "total": total})
    columns = ["variable", "kind", "group", "level", *CONTINUOUS_COLUMNS, "count", "total"]
    return pd.DataFrame(rows, columns=columns)
