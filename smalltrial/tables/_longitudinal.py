"""Longitudinal outcomes by visit, and stacking tables under group headings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._format import DASH, NE, fmt_num, fmt_pvalue
from smalltrial._tableformat import (
    fmt_estimate_ci,
    fmt_median_range,
)
from smalltrial.tables._model import (
    _DF_METHODS,
    Row,
    Table,
    _check_digits,
    _check_notes,
    _check_result_frame,
    _label,
)
from smalltrial.tables.display import register_layout, wide

if TYPE_CHECKING:
    import pandas as pd


def longitudinal_table(
    observed: pd.DataFrame,
    *,
    means: pd.DataFrame | None = None,
    change: pd.DataFrame | None = None,
    by: str = "visit",
    title: str = "Longitudinal summary",
    outcome: str = "Outcome",
    unit: str | None = None,
    scale: str = "identity",
    df_method: str | None = None,
    model: str | None = None,
    change_test: Mapping[str, Any] | None = None,
    digits: int = 1,
    model_digits: int | None = None,
    change_digits: int | None = None,
    order: Sequence[Any] | None = None,
    labels: Mapping[Any, str] | None = None,
    notes: Sequence[str] = (),
    name: str = "longitudinal",
) -> Table:
    """Per visit: n, observed median (range), model-based mean with CI and change from baseline.

    Parameters
    ----------
    observed : DataFrame
        :func:`smalltrial.summaries.describe` output with ``group`` = visit (``by`` column), or any
        frame with columns ``group, n, median, minimum, maximum``.
    means, change : DataFrame, optional
        ``MixedModelFit.marginal_means(by, scale=...)`` and
        ``MixedModelFit.change_from_baseline(by, scale=...)`` (columns ``<by>, estimate, lower,
        upper`` and ``p_value`` for change).
    scale : {"identity", "log"}
        ``"log"``: the means are geometric means and the changes ratios to baseline (response
        scale of a log model).
    df_method : str, optional
        Degrees-of-freedom method of the fit, named in a footnote.
    model : str, optional
        A footnote describing the model (formula, random effects).
    change_test : mapping, optional
        ``{"at": visit, "n": n, "median_change": m, "pvalue": p}`` from
        ``longitudinal.paired_change`` (exact Wilcoxon signed-rank), shown as a footnote.
    digits, model_digits, change_digits : int
        Decimals of the observed values, the model means (default ``digits``) and the changes
        (default ``model_digits``; 2 for ratios on the log scale).
    notes : sequence of str
        More footnotes, printed last.

    Footnote marks: the observed-values note on the n and median headers, the model notes on
    the headers of the model columns, the signed-rank test's note on the label of its visit.

    Builds text only: every number comes from the inputs (Kenward-Roger or Satterthwaite
    inference as in R lmerTest / SAS PROC MIXED DDFM=KR, named in a footnote via
    ``df_method``).

    >>> import pandas as pd
    >>> obs = pd.DataFrame({"group": ["baseline", "month 3"], "n": [5, 5],
    ...                     "median": [16.0, 0.0], "minimum": [12.0, 0.0], "maximum": [20.0, 2.0]})
    >>> t = longitudinal_table(obs, outcome="SLEDAI-2K")
    >>> t.columns, t.rows[1].cells
    (('Visit', 'n', 'Median (range)'), ('month 3', '5', '0.0 (0.0–2.0)'))
    """
    if scale not in ("identity", "log"):
        raise SmallTrialError(f"scale must be 'identity' or 'log'; got {scale!r}")
    if not isinstance(by, str):
        raise SmallTrialError(f"by must be a column name, got {by!r}")
    _check_result_frame(observed, "observed", ("group", "n", "median", "minimum", "maximum"))
    if means is not None:
        _check_result_frame(means, "means", (by, "estimate", "lower", "upper"), allow_empty=True)
    if change is not None:
        _check_result_frame(change, "change", (by, "estimate", "lower", "upper", "p_value"),
                            allow_empty=True)
    digits = _check_digits(digits)
    more_notes = _check_notes(notes)
    model_digits = digits if model_digits is None else _check_digits(model_digits, "model_digits")
    if change_digits is None:
        change_digits = 2 if scale == "log" else model_digits
    else:
        change_digits = _check_digits(change_digits, "change_digits")
    groups = list(order) if order is not None else list(
        g for g in dict.fromkeys(observed["group"].tolist()) if g != "All"
    )
    unit_txt = f", {unit}" if unit else ""
    mean_head = "Geometric mean (95% CI)" if scale == "log" else "Model mean (95% CI)"
    change_head = "Ratio to baseline (95% CI)" if scale == "log" else "Change from baseline (95% CI)"
    columns = [by.replace("_", " ").capitalize(), "n", f"Median (range){unit_txt}"]
    if means is not None:
        columns.append(mean_head)
    if change is not None:
        columns += [change_head, "P"]
    rows = []
    for g in groups:
        obs = observed[observed["group"] == g]
        cells = [_label(g, labels)]
        if obs.empty:
            cells += ["0", NE]
        else:
            o = obs.iloc[0]
            cells += [str(int(o["n"])), fmt_median_range(o["median"], o["minimum"], o["maximum"], digits)]
        if means is not None:
            m = means[means[by] == g]
            cells.append(NE if m.empty else fmt_estimate_ci(m.iloc[0]["estimate"], m.iloc[0]["lower"],
                                                            m.iloc[0]["upper"], model_digits, na=NE))
        if change is not None:
            c = change[change[by] == g]
            if c.empty:
                cells += [DASH, DASH]  # the baseline itself
            else:
                c0 = c.iloc[0]
                cells.append(fmt_estimate_ci(c0["estimate"], c0["lower"], c0["upper"], change_digits,
                                             na=NE))
                cells.append(fmt_pvalue(c0["p_value"]))
        rows.append(Row(tuple(cells)))
    notes = ["Observed values: n patients with a value, median (minimum\u2013maximum)."]
    marks: list[tuple[str, int | None, tuple[int, ...]]] = [(notes[0], None, (1, 2))]
    model_cols = tuple(range(3, len(columns)))  # model mean, change, P (those present)
    if model:
        notes.append(model)
        marks.append((model, None, model_cols))
    if means is not None:
        if scale == "log":
            notes.append("Geometric means and ratios to baseline: linear mixed model of log values, "
                         "back-transformed (exp of estimates and CI limits).")
        else:
            notes.append("Model-based means and changes from baseline: linear mixed model, "
                         "restricted maximum likelihood (REML).")
        marks.append((notes[-1], None, model_cols[:2]))
    if df_method:
        notes.append(f"CIs and P values: t distribution with {_DF_METHODS.get(df_method, df_method)}.")
        marks.append((notes[-1], None, model_cols))
    if change_test is not None:
        notes.append(
            f"Exact Wilcoxon signed-rank test, baseline vs {_label(change_test['at'], labels)} "
            f"(n = {int(change_test['n'])}, median change {fmt_num(change_test['median_change'], digits, na=NE)}): "
            f"P = {fmt_pvalue(change_test['pvalue'])}."
        )
        if change_test["at"] in groups:
            marks.append((notes[-1], groups.index(change_test["at"]), (0,)))
    notes.extend(more_notes)
    table = Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)
    for note, row, cols in marks:
        for j in cols:
            table = table.mark(note, row=row, column=j)
    return table


def stack_tables(
    parts: Sequence[tuple[str, Table]],
    *,
    title: str,
    notes: Sequence[str] = (),
    name: str = "table",
) -> Table:
    """One table from several with the same columns, each under a section heading (a group).

    Footnotes shared by every part are printed once; a footnote of some parts only is printed
    once per part, prefixed with that part's heading. ``notes`` follow. The parts' footnote
    marks are kept (on their rows, and on the shared column headers).

    Parameters
    ----------
    parts : sequence of (heading, Table)
        The tables, in order; the first one's columns head the result (a part whose columns
        differ only in the unit-free text of the first header is accepted).
    title, name : str
        Table title and file stem.
    notes : sequence of str
        More footnotes, printed last.

    >>> a = Table("A", ("Visit", "n"), (Row(("Baseline", "5")),), ("n: patients.",))
    >>> b = Table("B", ("Visit", "n"), (Row(("Baseline", "3")),), ("n: patients.",))
    >>> t = stack_tables([("SLE", a), ("IIM", b)], title="Both")
    >>> [r.cells for r in t.rows], t.footnotes
    ([('SLE', ''), ('Baseline', '5'), ('IIM', ''), ('Baseline', '3')], ('n: patients.',))
    """
    if isinstance(parts, (str, bytes)) or not isinstance(parts, Sequence) or not parts:
        raise SmallTrialError(f"parts must be a non-empty sequence of (heading, Table), got {parts!r}")
    for i, part in enumerate(parts):
        if not (isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], Table)):
            raise SmallTrialError(f"parts[{i}] must be a (heading, Table) pair, got {part!r}")
    more_notes = _check_notes(notes)
    columns = parts[0][1].columns
    for i, (_, t) in enumerate(parts):
        if len(t.columns) != len(columns):
            raise SmallTrialError(f"parts[{i}] has {len(t.columns)} columns, parts[0] has {len(columns)}")
    rows: list[Row] = []
    offsets = []
    for heading, t in parts:
        rows.append(Row((str(heading),), section=True))
        offsets.append(len(rows))
        rows.extend(Row(r.cells, indent=r.indent + 1, section=r.section) for r in t.rows)
    shared = [n for n in parts[0][1].footnotes if all(n in t.footnotes for _, t in parts)]
    out = list(shared)
    for heading, t in parts:
        out.extend(f"{heading}: {n}" for n in t.footnotes if n not in shared)
    out.extend(more_notes)
    footnotes = tuple(dict.fromkeys(out))
    marks = []
    for (heading, t), offset in zip(parts, offsets, strict=True):
        for r, c, n in t.marks:
            note = t.footnotes[n]
            note = note if note in shared else f"{heading}: {note}"
            marks.append((-1 if r < 0 else offset + r, c, footnotes.index(note)))
    return Table(title, tuple(columns), tuple(rows), footnotes, name=name, marks=tuple(marks))


def _longitudinal_inputs(ard: pd.DataFrame, where: Mapping[str, str], order: Sequence[Any] | None,
                         scale: str, test: Mapping[str, Any] | None) -> dict[str, Any]:
    """The inputs of :func:`longitudinal_table` from the ARD rows of one parameter (and group)."""
    sub = ard
    for col, value in where.items():
        sub = sub[sub[col] == value]
    observed = wide(sub, index={"group": "variable_level"},
                    statistics=("n", "median", "minimum", "maximum"), where={"variable": "observed"})
    link = "response" if scale == "log" else "link"
    means = wide(sub, index={"visit": "variable_level"}, statistics=("estimate", "lower", "upper"),
                 where={"variable": f"marginal_mean_{link}"})
    change = wide(sub, index={"visit": "variable_level"},
                  statistics=("estimate", "lower", "upper", "p_value"),
                  where={"variable": f"change_{link}"})
    if order:
        change = change[change["visit"] != order[0]].reset_index(drop=True)
    change_test = None
    if test is not None:
        pc = wide(sub, index={"test": "variable_level"}, statistics=("n", "median_change", "p_value"),
                  where={"variable": "paired_change",
                         "variable_level": f"{test['baseline']} to {test['at']}"})
        if not pc.empty:
            change_test = {"at": test["at"], "n": pc.iloc[0]["n"],
                           "median_change": pc.iloc[0]["median_change"],
                           "pvalue": pc.iloc[0]["p_value"]}
    return {"observed": observed, "means": means, "change": change, "change_test": change_test}


@register_layout("longitudinal")
def longitudinal_from_ard(ard: pd.DataFrame, *, where: Mapping[str, str] | None = None,
                          test: Mapping[str, Any] | None = None, **options: Any) -> Table:
    """:func:`longitudinal_table` from the ARD rows of one parameter (``where``: the ARD
    ``group``/``group_level`` of its rows): observed values (``variable`` ``observed``, level
    the visit: ``n, median, minimum, maximum``), the mixed model's marginal means and changes
    from baseline (``marginal_mean_<scale>``, ``change_<scale>``, scale ``response`` for
    ``scale="log"``, else ``link``) and, with ``test`` = ``{"baseline": visit, "at": visit}``,
    the paired signed-rank test (``paired_change``, level ``"<baseline> to <at>"``: ``n,
    median_change, pvalue``). ``options`` as :func:`longitudinal_table`'s keywords."""
    inputs = _longitudinal_inputs(ard, where or {}, options.get("order"),
                                  options.get("scale", "identity"), test)
    return longitudinal_table(inputs.pop("observed"), **inputs, **options)


@register_layout("longitudinal_by_group")
def longitudinal_by_group_from_ard(ard: pd.DataFrame, *, parts: Sequence[Mapping[str, Any]],
                                   title: str, notes: Sequence[str] = (),
                                   name: str = "table") -> Table:
    """:func:`stack_tables` of one :func:`longitudinal_from_ard` table per group: ``parts``
    = ``[{"heading": text, "options": {...}}]`` (the options of each group's table, with its
    ``where``)."""
    tables = [(part["heading"], longitudinal_from_ard(ard, **part["options"])) for part in parts]
    return stack_tables(tables, title=title, notes=notes, name=name)
