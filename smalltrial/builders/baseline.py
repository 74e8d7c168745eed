"""Table 1: baseline characteristics by group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial.builders.labels import _auto_digits, _parameter_labels
from smalltrial.builders.registry import register_table

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


@register_table("baseline", options={
    "variables": ("list[str]", ["age", "sex", "sledai2k"], None),
    "continuous": ("str", "median-range", ("median-range", "median-iqr", "mean-sd")),
}, title="Table 1. Baseline characteristics")
def _table_baseline(ctx: Analysis, item: ItemSpec):
    from smalltrial import summaries, tables

    variables = list(item.options["variables"])
    frame = ctx.once(("baseline_frame", tuple(variables)),
                     lambda: ctx.baseline_frame(variables, f"{item.key}.variables"))
    groups = ctx.groups()
    summary = summaries.describe(frame, variables, by=ctx.by, overall=len(groups) > 1,
                                 group_order=groups)
    labels = _parameter_labels(ctx.trial)
    labels.update({"age": "Age, years", "sex": "Sex"})
    digits = {v: _auto_digits(frame[v], summary[summary["variable"] == v], item.options["continuous"])
              for v in variables}
    return tables.baseline_table(
        summary, continuous=item.options["continuous"], labels=labels, digits=digits,
        level_labels={"sex": {"F": "Female", "M": "Male"}},
        title=item.title or "Table 1. Baseline characteristics", name=item.file,
    )
