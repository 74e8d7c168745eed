"""Table 1: baseline characteristics."""

from __future__ import annotations

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

    >>> import pandas as pd
    >>> from smalltrial.summaries import describe
    >>> df = pd.DataFrame({"age": [18, 20, 24], "sex": ["F", "F", "M"]})
    >>> baseline_table(describe(df, ["age", "sex"])).rows[0].cells
    ('Age', '20.0 (18.0–24.0)')
    """
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
    sizes = {g: int((summary.loc[summary["group"] == g, "n"] + summary.loc[summary["group"] == g, "n_missing"]).max())
             for g in groups}
    columns = ["Characteristic"] + [
        f"{_label(g, group_labels)} (n = {sizes[g]})" for g in groups
    ]
    rows: list[Row] = []
    any_missing = False
    has_cont = has_cat = False
    for var in dict.fromkeys(summary["variable"].tolist()):
        sub = summary[summary["variable"] == var]
        kind = sub["kind"].iloc[0]
        var_label = _label(var, labels) if labels and var in labels else str(var).replace("_", " ").capitalize()
        dig = digits.get(var, 1) if isinstance(digits, Mapping) else digits
        if kind == "continuous":
            has_cont = True
            cells = [var_label]
            for g in groups:
                r = sub[sub["group"] == g].iloc[0]
                if continuous == "median-range":
                    text = fmt_median_range(r["median"], r["minimum"], r["maximum"], dig)
                elif continuous == "median-iqr":
                    text = fmt_median_iqr(r["median"], r["q1"], r["q3"], dig)
                else:
                    text = fmt_mean_sd(r["mean"], r["sd"], dig)
                if r["n_missing"] > 0:
                    any_missing = True
                    text += f" [{int(r['n_missing'])} missing]"
                cells.append(text)
            rows.append(Row(tuple(cells)))
        else:
            has_cat = True
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
    return Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)
