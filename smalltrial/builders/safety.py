"""Safety: adverse events of special interest (CRS, ICANS) and all adverse events by system
organ class and preferred term."""

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
    counts = ctx.once(("describe", "worst_grade", events), lambda: summaries.describe(
        worst, list(events), by=ctx.by, overall=len(groups) > 1, group_order=groups,
        kinds=dict.fromkeys(events, "categorical"), levels=dict.fromkeys(events, [0, 1, 2, 3, 4, 5])))
    names = {"crs": "Cytokine release syndrome", "icans": "ICANS"}
    return tables.adverse_event_table(
        counts, events={e: names[e] for e in events}, grades=(1, 2, 3, 4),
        group_labels=ctx.labels.groups(groups),
        title=item.title or "Adverse events of special interest", name=item.file,
    )


def _check_bands(key: str, opts: dict, endpoints: dict) -> dict:
    from smalltrial.spec import _fail

    bands = opts["bands"]
    if not bands:
        raise _fail(f"{key}.bands", "give at least one grade band (1 = any grade)")
    for i, b in enumerate(bands):
        if b not in (1, 2, 3, 4, 5):
            raise _fail(f"{key}.bands[{i}]", f"must be a grade 1..5, got {b!r}")
    if len(set(bands)) < len(bands):
        raise _fail(f"{key}.bands", f"lists a grade twice: {bands!r}")
    return opts


@register_table("adverse_events_by_soc", options={
    "bands": ("list[int]", [1, 3], None),
    "include_events": ("list[str]", ["crs", "icans"], ("crs", "icans")),
}, title="Adverse events by system organ class and preferred term", check=_check_bands)
def _table_adverse_events_by_soc(ctx: Analysis, item: ItemSpec):
    """Patients with any adverse event, by class and term, n (%) per grade band and group (with
    N per column), from ``smalltrial.summaries.adverse_events``; CRS/ICANS events count too
    unless the adverse events already record them."""
    import pandas as pd

    from smalltrial import tables
    from smalltrial.builders.context import attr

    adverse_events = attr("summaries", "adverse_events")
    include = tuple(item.options["include_events"])
    groups = ctx.groups()
    if len(groups) > 1:
        by = ctx.by
        parts = ctx.once(("ae_summary", by, include),
                         lambda: adverse_events(ctx.trial, by=by, include_events=include)).copy()
        parts[by] = parts[by].astype(str)
        overall = ctx.once(("ae_summary", None, include),
                           lambda: adverse_events(ctx.trial, include_events=include))
        overall = overall.assign(**{by: "All"})
        summary = pd.concat([parts, overall[parts.columns]], ignore_index=True)
        order = groups + ["All"]
    else:
        summary = ctx.once(("ae_summary", None, include),
                           lambda: adverse_events(ctx.trial, include_events=include))
        by, order = None, None
    return tables.adverse_event_soc_table(
        summary, by=by, bands=item.options["bands"], group_order=order,
        group_labels=ctx.labels.groups(groups),
        title=item.title or "Adverse events by system organ class and preferred term",
        name=item.file,
    )
