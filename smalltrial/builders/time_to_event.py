"""Time to event: the time-to-event table and the Kaplan-Meier figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial.builders.course import _needs
from smalltrial.builders.registry import register_figure, register_table

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


TIME_TO_EVENT_ENDPOINTS = ("b_cell_reconstitution", "relapse", "remission", "death")


_TTE_LABELS = {
    "b_cell_reconstitution": "B-cell reconstitution",
    "relapse": "Relapse",
    "remission": "Remission",
    "death": "Death",
}


@register_table("time_to_event", options={
    "endpoints": ("list[str]", ["b_cell_reconstitution", "relapse"], TIME_TO_EVENT_ENDPOINTS),
}, title="Time-to-event outcomes")
def _table_time_to_event(ctx: Analysis, item: ItemSpec):
    from smalltrial import tables

    landmarks = list(ctx.ep["landmarks"])
    entries = []
    for endpoint in item.options["endpoints"]:
        data = ctx.time_to_event(endpoint)
        km = ctx.kaplan_meier(endpoint)
        entry = {
            "label": _TTE_LABELS[endpoint],
            "n": len(data),
            "events": int(data["event"].sum()),
            "median": km.median,
            "landmarks": km.at(landmarks),
            "cumulative": True,
        }
        if endpoint in ("relapse", "death"):
            entry["rate"] = ctx.event_rate(endpoint)
        if endpoint == "b_cell_reconstitution":
            entry["note"] = (f"first post-infusion CD19+ B-cell count \u2265 "
                             f"{ctx.ep['bcell_threshold']:g} cells/\u00b5L.")
        entries.append(entry)
    return tables.time_to_event_table(
        entries, landmarks=landmarks, conf_type=ctx.ep["conf_type"], level=ctx.ep["level"],
        follow_up=ctx.follow_up(), title=item.title or "Time-to-event outcomes", name=item.file,
    )


_KM_YLABELS = {
    "b_cell_reconstitution": "Probability of ongoing B-cell aplasia",
    "relapse": "Relapse-free probability",
    "remission": "Probability of not yet in remission",
    "death": "Overall survival",
}


@register_figure("km_plot", options={
    "endpoint": ("str", "b_cell_reconstitution", TIME_TO_EVENT_ENDPOINTS),
}, stem=("endpoint",))
def _fig_km(ctx: Analysis, item: ItemSpec):
    km_plot = _needs("km_plot")
    endpoint = item.options["endpoint"]
    km = ctx.kaplan_meier(endpoint)
    ax = km_plot(km, style=ctx.spec.style, ylabel=_KM_YLABELS[endpoint])
    return ax.figure
