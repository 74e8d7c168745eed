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
    from smalltrial import summaries
    from smalltrial.tables.display import Display

    events = tuple(item.options["events"])
    worst = ctx.worst_grades(events)
    groups = ctx.groups()

    def describe(frame, levels):
        return summaries.describe(
            frame, list(events), by=ctx.by, overall=len(groups) > 1, group_order=groups,
            kinds=dict.fromkeys(events, "categorical"), levels=dict.fromkeys(events, levels))

    from smalltrial.builders.baseline import _group_sizes

    _group_sizes(ctx)
    ctx.once(("describe", "worst_grade", events), lambda: describe(worst, [0, 1, 2, 3, 4, 5]))
    # the patients with an event of any grade (worst grade >= 1; unknown grades stay unknown)
    ctx.once(("any_grade", events), lambda: describe(worst.assign(**{
        e: worst[e].where(worst[e].isna(), (worst[e] >= 1).astype(float)) for e in events}), [0, 1]))
    names = {"crs": "Cytokine release syndrome", "icans": "ICANS"}
    return Display("adverse_events", {
        "events": {e: names[e] for e in events}, "grades": [1, 2, 3, 4],
        "group_labels": ctx.labels.groups(groups),
        "title": item.title or "Adverse events of special interest", "name": item.file,
    })


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
    "grading": ("str", None, None),  # footnote text; default CTCAE (+ ASTCT for CRS/ICANS counted)
}, title="Adverse events by system organ class and preferred term", check=_check_bands)
def _table_adverse_events_by_soc(ctx: Analysis, item: ItemSpec):
    """Patients with any adverse event, by class and term, n (%) per grade band and group (with
    N per column), from ``smalltrial.summaries.adverse_events``; CRS/ICANS events count too
    unless the adverse events already record them."""
    from smalltrial.builders.context import attr
    from smalltrial.tables.display import Display

    adverse_events = attr("summaries", "adverse_events")
    include = tuple(item.options["include_events"])
    groups = ctx.groups()
    by = ctx.by if len(groups) > 1 else None
    if by is not None:
        ctx.once(("ae_summary", by, include),
                 lambda: adverse_events(ctx.trial, by=by, include_events=include))
    ctx.once(("ae_summary", None, include), lambda: adverse_events(ctx.trial, include_events=include))
    grading = item.options["grading"]
    if grading is None:
        events = set(ctx.trial.events["event"].astype(str))
        counted = [e for e in include if e in events]
        grading = "CTCAE" + (f"; {' and '.join(e.upper() for e in counted)}: ASTCT consensus "
                             "grading (Lee et al. 2019)" if counted else "")
    return Display("adverse_events_by_soc", {
        "by": by, "bands": item.options["bands"], "grading": grading,
        "group_order": groups + ["All"] if by is not None else None,
        "group_labels": ctx.labels.groups(groups),
        "title": item.title or "Adverse events by system organ class and preferred term",
        "name": item.file,
    })
