"""Safety: the adverse-event table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial.builders.registry import register_table

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


@register_table("adverse_events", options={
    "events": ("list[str]", ["crs", "icans"], ("crs", "icans")),
}, title="Adverse events of special interest")
def _table_adverse_events(ctx: Analysis, item: ItemSpec):
    from smalltrial import summaries, tables

    events = tuple(item.options["events"])
    worst = ctx.worst_grades(events)
    groups = ctx.groups()
    counts = summaries.describe(worst, list(events), by=ctx.by, overall=len(groups) > 1,
                                group_order=groups, kinds=dict.fromkeys(events, "categorical"),
                                levels=dict.fromkeys(events, [0, 1, 2, 3, 4, 5]))
    names = {"crs": "Cytokine release syndrome", "icans": "ICANS"}
    return tables.adverse_event_table(
        counts, events={e: names[e] for e in events}, grades=(1, 2, 3, 4),
        group_labels=ctx.labels.groups(groups),
        title=item.title or "Adverse events of special interest", name=item.file,
    )
