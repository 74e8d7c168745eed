"""Response by visit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._format import DASH
from smalltrial._tableformat import (
    fmt_prop_ci,
)
from smalltrial.tables._model import (
    Row,
    Table,
    _check_digits,
    _check_notes,
    _check_result_frame,
    _label,
    _level_pct,
    ci_method_label,
)
from smalltrial.tables.display import register_layout, wide

if TYPE_CHECKING:
    import pandas as pd


def efficacy_table(
    results: pd.DataFrame,
    *,
    row: str = "visit",
    column: str = "group",
    title: str = "Table 2. Response by visit",
    outcome: str = "Remission",
    definition: str | None = None,
    row_order: Sequence[Any] | None = None,
    column_order: Sequence[Any] | None = None,
    row_labels: Mapping[Any, str] | None = None,
    column_labels: Mapping[Any, str] | None = None,
    digits: int = 1,
    notes: Sequence[str] = (),
    row_notes: Mapping[Any, str] | None = None,
    name: str = "efficacy",
) -> Table:
    """Response n/N (%) [CI] by visit (rows) and cohort (columns) from proportion CIs.

    ``results`` is a DataFrame with one row per cell and columns ``row``, ``column``, ``x``,
    ``n``, ``lower``, ``upper``, ``method`` and ``level`` (e.g. the fields of
    ``smalltrial.rates.proportion_ci`` results collected per visit and cohort). The CI method and
    level go in a footnote (one per distinct method).

    Parameters
    ----------
    results : DataFrame
        One row per cell, with the columns above.
    row, column : str
        Columns giving the table's rows (default ``"visit"``) and columns (``"group"``).
    outcome, definition : str
        Outcome name in the header footnote, and an optional footnote defining it.
    row_order, column_order, row_labels, column_labels : optional
        Order (and selection) and display names of rows and columns; a missing cell is '–'.
    digits : int
        Decimals of the percentages and limits (0..10).
    notes : sequence of str
        More footnotes, printed last (e.g. the groups without an assessment).
    row_notes : mapping, optional
        Footnotes about one row each (row value -> text), marked on that row's label.

    Footnote marks: the header of every group column carries the notes that apply to all of
    its cells (the n/N format, the definition, the CI method).
    title, name : str
        Table title and file stem.

    >>> import pandas as pd
    >>> res = pd.DataFrame({"visit": ["Month 3"], "group": ["SLE"], "x": [5], "n": [5],
    ...                     "lower": [0.4782], "upper": [1.0], "method": ["clopper-pearson"],
    ...                     "level": [0.95]})
    >>> t = efficacy_table(res)
    >>> t.rows[0].cells, t.footnotes[-1]
    (('Month 3', '5/5 (100%) [47.8–100]'), '95% CI: exact Clopper–Pearson.')
    """
    for arg, value in (("row", row), ("column", column)):
        if not isinstance(value, str):
            raise SmallTrialError(f"{arg} must be a column name, got {value!r}")
    _check_result_frame(results, "results", (row, column, "x", "n", "lower", "upper", "method",
                                             "level"))
    digits = _check_digits(digits)
    rows_v = list(row_order) if row_order is not None else list(dict.fromkeys(results[row]))
    cols_v = list(column_order) if column_order is not None else list(dict.fromkeys(results[column]))
    columns = [row.replace("_", " ").capitalize()] + [_label(c, column_labels) for c in cols_v]
    out_rows = []
    for rv in rows_v:
        cells = [_label(rv, row_labels)]
        for cv in cols_v:
            hit = results[(results[row] == rv) & (results[column] == cv)]
            if hit.empty:
                cells.append(DASH)
                continue
            r = hit.iloc[0]
            cells.append(fmt_prop_ci(r["x"], r["n"], r["lower"], r["upper"], digits))
        out_rows.append(Row(tuple(cells)))
    extra = _check_notes(notes)
    notes = [f"{outcome}: n/N (%) [{_level_pct(results['level'].iloc[0])} CI]; N = patients assessed at the visit."]
    if definition:
        notes.append(definition)
    for method, level in dict.fromkeys(zip(results["method"], results["level"], strict=True)):
        notes.append(f"{_level_pct(level)} CI: {ci_method_label(method)}.")
    column_notes = list(range(len(notes)))
    notes.extend(extra)
    row_notes = dict(row_notes or {})
    for text in row_notes.values():
        if not isinstance(text, str):
            raise SmallTrialError(f"row_notes must map rows to footnote text, got {text!r}")
        if text not in notes:
            notes.append(text)
    table = Table(title, tuple(columns), tuple(out_rows), tuple(notes), name=name)
    for j in range(1, len(columns)):
        for k in column_notes:
            table = table.mark(k, column=j)
    for rv, text in row_notes.items():
        if rv in rows_v:
            table = table.mark(text, row=rows_v.index(rv))
    return table


@register_layout("efficacy")
def efficacy_from_ard(ard: pd.DataFrame, **options: Any) -> Table:
    """:func:`efficacy_table` from ARD rows: ``variable`` = ``visit`` (level: the visit),
    ``group_level`` the column, statistics ``x, n, estimate, lower, upper`` with their
    ``method`` and ``level``; ``options`` as :func:`efficacy_table`'s keywords."""
    results = wide(ard, index={"group": "group_level", "visit": "variable_level"},
                   statistics=("x", "n", "estimate", "lower", "upper"), where={"variable": "visit"})
    for col in ("x", "n"):
        results[col] = [int(v) if v == v else v for v in results[col]]
    return efficacy_table(results, **options)
