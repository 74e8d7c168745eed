"""Table 1: baseline characteristics by group.

Display names, level names, category order and the summary of each variable (continuous or
categorical) come from the spec's ``[labels]`` and the trial's parameters table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial._errors import SmallTrialError
from smalltrial.builders.labels import _auto_digits
from smalltrial.builders.registry import register_table

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


def _group_sizes(ctx: Analysis) -> dict[str, int]:
    """Patients per group, and in all (``All``) when there are several groups: the ``n = N`` of
    the column headers, fetched once so that the ARD holds them."""
    from smalltrial.summaries import _OVERALL

    def compute() -> dict[str, int]:
        sizes = ctx.group_sizes()
        return {**sizes, _OVERALL: len(ctx.trial.subjects)} if len(sizes) > 1 else sizes
    return ctx.once(("group_sizes",), compute)


@register_table("baseline", options={
    "variables": ("list[str]", None, None),  # unset: every column of the subjects table
    "continuous": ("str", "median-range", ("median-range", "median-iqr", "mean-sd")),
}, title="Table 1. Baseline characteristics")
def _table_baseline(ctx: Analysis, item: ItemSpec):
    import pandas as pd

    from smalltrial import summaries
    from smalltrial.tables.display import Display

    lab = ctx.labels
    variables = item.options["variables"]
    if variables is None:  # every baseline column the subjects table has (not id, not by)
        variables = [str(c) for c in ctx.trial.subjects.columns if c not in ("subject", ctx.by)]
        if not variables:
            raise SmallTrialError(f"spec: {item.key}.variables: the subjects table has no column "
                                  "besides subject and the grouping column; name the variables")
    variables = list(variables)
    frame = ctx.once(("baseline_frame", tuple(variables)),
                     lambda: ctx.baseline_frame(variables, f"{item.key}.variables"))
    groups = ctx.groups()
    kinds = {v: lab.summary(v) for v in variables if lab.summary(v)}
    levels = {}
    level_labels = {}
    for v in variables:
        numeric = pd.api.types.is_numeric_dtype(frame[v]) and not pd.api.types.is_bool_dtype(frame[v])
        if kinds.get(v, "continuous" if numeric else "categorical") != "categorical":
            continue
        present = [x for x in dict.fromkeys(frame[v].dropna().tolist())]
        if lab.order(v):
            shown = {str(x) for x in present}
            levels[v] = lab.ordered(v, present) + [x for x in lab.order(v) if str(x) not in shown]
        level_labels[v] = lab.levels(v, levels.get(v, present))
    summary = ctx.once(("describe", "baseline", tuple(variables)), lambda: summaries.describe(
        frame, variables, by=ctx.by, overall=len(groups) > 1, group_order=groups,
        kinds=kinds or None, levels=levels or None))
    _group_sizes(ctx)
    digits = {v: _auto_digits(frame[v], summary[summary["variable"] == v], item.options["continuous"])
              for v in variables}
    return Display("baseline", {
        "continuous": item.options["continuous"], "labels": lab.variables(variables),
        "digits": digits, "level_labels": level_labels, "group_labels": lab.groups(groups),
        "title": item.title or "Table 1. Baseline characteristics", "name": item.file,
    })
