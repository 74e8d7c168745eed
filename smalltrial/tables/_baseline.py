"""Table 1: baseline characteristics."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._tableformat import (
    fmt_count_pct,
    fmt_mean_sd,
    fmt_median_iqr,
    fmt_median_range,
)
from smalltrial.tables._model import Row, Table, _check_digits, _check_result_frame, _label
from smalltrial.tables.display import register_layout

if TYPE_CHECKING:
    import pandas as pd


def baseline_table(
    summary: pd.DataFrame,
    *,
    title: str = "Table 1. Baseline characteristics",
    continuous: str = "median-range",
    digits: int | Mapping[str, int] = 1,
    labels: Mapping[str, str] | None = None,
    level_labels: Mapping[str, Mapping[Any, str]] | None = None,
    group_labels: Mapping[Any, str] | None = None,
    name: str = "baseline",
) -> Table:
    """Table 1 from :func:`smalltrial.summaries.describe` output.

    Continuous variables print as median (range), median [IQR] or mean (SD) (``continuous`` =
    ``"median-range"``, ``"median-iqr"``, ``"mean-sd"``); categorical ones as n (%) per level.
    One column per group in ``summary`` (``All`` last), headed ``"<group> (n = N)"`` where N is
    the largest ``n + n_missing`` in the group.

    Parameters
    ----------
    summary : DataFrame
        :func:`smalltrial.summaries.describe` output.
    continuous : str
        ``"median-range"`` (default), ``"median-iqr"`` (quartiles as R ``quantile(type = 7)``,
        SAS PROC MEANS default QNTLDEF=5 differs) or ``"mean-sd"``.
    digits : int or mapping
        Decimals (0..10), for all variables or per variable (default 1).
    labels, level_labels, group_labels : mapping, optional
        Display names of variables, of levels per variable, and of groups.
    title, name : str
        Table title and file stem.

    Footnote marks: the continuous-variable note on each continuous variable's label, the
    categorical note on each categorical heading, the "[k missing]" note on the cells that
    carry it.

    >>> import pandas as pd
    >>> from smalltrial.summaries import describe
    >>> df = pd.DataFrame({"age": [18, 20, 24], "sex": ["F", "F", "M"]})
    >>> baseline_table(describe(df, ["age", "sex"])).rows[0].cells
    ('Age', '20.0 (18.0–24.0)')
    """
    return _baseline_table(summary, None, title=title, continuous=continuous, digits=digits,
                           labels=labels, level_labels=level_labels, group_labels=group_labels,
                           name=name)


def _baseline_table(
    summary: pd.DataFrame,
    sizes: Mapping[Any, float] | None,
    *,
    title: str,
    continuous: str,
    digits: int | Mapping[str, int],
    labels: Mapping[str, str] | None,
    level_labels: Mapping[str, Mapping[Any, str]] | None,
    group_labels: Mapping[Any, str] | None,
    name: str,
) -> Table:
    """:func:`baseline_table`; ``sizes`` maps each group to its patients (from the ARD), else
    they are the largest ``n + n_missing`` of the group."""
    formats = {"median-range": "median (range)", "median-iqr": "median [IQR]", "mean-sd": "mean (SD)"}
    if continuous not in formats:
        raise SmallTrialError(
            f"continuous must be one of {', '.join(map(repr, formats))}; got {continuous!r}"
        )
    _check_result_frame(summary, "summary", ("variable", "kind", "group", "level", "n",
                                             "n_missing", "count", "total"))
    if isinstance(digits, Mapping):
        digits = {k: _check_digits(v, f"digits[{k!r}]") for k, v in digits.items()}
    else:
        digits = _check_digits(digits)
    groups = list(dict.fromkeys(summary["group"].tolist()))
    if sizes is None:
        sizes = {g: int((summary.loc[summary["group"] == g, "n"] + summary.loc[summary["group"] == g, "n_missing"]).max())
                 for g in groups}
    else:
        sizes = {g: _size(sizes, g) for g in groups}
    columns = ["Characteristic"] + [
        f"{_label(g, group_labels)} (n = {sizes[g]})" for g in groups
    ]
    rows: list[Row] = []
    any_missing = False
    has_cont = has_cat = False
    cont_rows: list[int] = []
    cat_rows: list[int] = []
    missing_cells: list[tuple[int, int]] = []
    for var in dict.fromkeys(summary["variable"].tolist()):
        sub = summary[summary["variable"] == var]
        kind = sub["kind"].iloc[0]
        var_label = _label(var, labels) if labels and var in labels else str(var).replace("_", " ").capitalize()
        dig = digits.get(var, 1) if isinstance(digits, Mapping) else digits
        if kind == "continuous":
            has_cont = True
            cells = [var_label]
            cont_rows.append(len(rows))
            for j, g in enumerate(groups, start=1):
                r = sub[sub["group"] == g].iloc[0]
                if continuous == "median-range":
                    text = fmt_median_range(r["median"], r["minimum"], r["maximum"], dig)
                elif continuous == "median-iqr":
                    text = fmt_median_iqr(r["median"], r["q1"], r["q3"], dig)
                else:
                    text = fmt_mean_sd(r["mean"], r["sd"], dig)
                if r["n_missing"] > 0:
                    any_missing = True
                    missing_cells.append((len(rows), j))
                    text += f" [{int(r['n_missing'])} missing]"
                cells.append(text)
            rows.append(Row(tuple(cells)))
        else:
            has_cat = True
            cat_rows.append(len(rows))
            rows.append(Row((f"{var_label}, n (%)",), section=True))
            lv_labels = (level_labels or {}).get(var)
            for level in dict.fromkeys(sub["level"].tolist()):
                cells = [_label(level, lv_labels)]
                for g in groups:
                    r = sub[(sub["group"] == g) & (sub["level"] == level)].iloc[0]
                    cells.append(fmt_count_pct(int(r["count"]), int(r["total"])))
                rows.append(Row(tuple(cells), indent=1))
    notes = []
    if has_cont:
        how = {
            "median-range": "Continuous variables: median (minimum\u2013maximum).",
            "median-iqr": "Continuous variables: median [first\u2013third quartile, R quantile type 7].",
            "mean-sd": "Continuous variables: mean (standard deviation, n \u2212 1 denominator).",
        }[continuous]
        notes.append(how)
    if has_cat:
        notes.append("Categorical variables: n (%) of patients with a recorded value.")
    if any_missing:
        notes.append("[k missing]: number of patients without a value, left out of the summary.")
    table = Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)
    if has_cont:
        for i in cont_rows:
            table = table.mark(notes[0], row=i)
    if has_cat:
        for i in cat_rows:
            table = table.mark(notes[1 if has_cont else 0], row=i)
    for i, j in missing_cells:
        table = table.mark(notes[-1], row=i, column=j)
    return table


_DESCRIBE_STATS = ("n", "n_missing", "mean", "sd", "median", "q1", "q3", "minimum", "maximum",
                   "count", "total")


@register_layout("baseline")
def baseline_from_ard(ard: pd.DataFrame, **options: Any) -> Table:
    """:func:`baseline_table` from ARD rows of :func:`smalltrial.summaries.describe` output
    (:func:`smalltrial.ard._describe_rows`): ``group_level`` the group, ``variable`` the
    variable; a continuous variable has the statistics ``n, n_missing, mean, sd, median, q1,
    q3, minimum, maximum`` (``variable_level`` empty), a categorical one ``count, total`` per
    level (``variable_level``) and ``n_missing`` per group. ``options`` as
    :func:`baseline_table`'s keywords."""
    import pandas as pd

    sizes, ard = _group_sizes_from_ard(ard)
    flat = _wide_rows(ard)
    records = []
    for (group, variable), levels in flat.items():
        if any("count" in stats for stats in levels.values()):  # categorical
            missing = levels.get("", {}).get("n_missing", 0.0)
            for level, stats in levels.items():
                if level == "" and "count" not in stats:
                    continue
                records.append({"variable": variable, "kind": "categorical", "group": group,
                                "level": level, "n": stats.get("total", math.nan),
                                "n_missing": missing,
                                **{s: math.nan for s in _DESCRIBE_STATS[2:9]},
                                "count": stats.get("count", math.nan),
                                "total": stats.get("total", math.nan)})
        else:
            stats = levels.get("", {})
            records.append({"variable": variable, "kind": "continuous", "group": group,
                            "level": None, **{s: stats.get(s, math.nan) for s in _DESCRIBE_STATS[:9]},
                            "count": math.nan, "total": math.nan})
    summary = pd.DataFrame(records, columns=["variable", "kind", "group", "level", *_DESCRIBE_STATS])
    opts = {"title": "Table 1. Baseline characteristics", "continuous": "median-range",
            "digits": 1, "labels": None, "level_labels": None, "group_labels": None,
            "name": "baseline", **options}
    return _baseline_table(summary, sizes, **opts)


def _group_sizes_from_ard(ard: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame]:
    """The patients per group (ARD rows without a ``group``, statistic ``N``, ``variable_level``
    the group) and the other rows."""
    is_size = (ard["group"] == "") & (ard["statistic"] == "N")
    sizes = {rec["variable_level"]: float(rec["value"]) for rec in ard[is_size].to_dict("records")}
    return sizes, ard[~is_size]


def _size(sizes: Mapping[Any, float], group: Any) -> int:
    if str(group) not in sizes:
        raise SmallTrialError(f"ard: no patient count (statistic 'N') of group {group!r}")
    return int(sizes[str(group)])


def _wide_rows(ard: pd.DataFrame) -> dict[tuple[str, str], dict[str, dict[str, float]]]:
    """ARD rows as (group level, variable) -> variable level -> statistic -> value, in the
    ARD's order."""
    out: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    for rec in ard.to_dict("records"):
        key = (rec["group_level"], rec["variable"])
        out.setdefault(key, {}).setdefault(rec["variable_level"], {})[rec["statistic"]] = \
            float(rec["value"])
    return out
