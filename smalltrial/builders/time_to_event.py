"""Time to event: the time-to-event table and the Kaplan-Meier figure.

Both split by the ``by`` column when more than one group has data (per endpoint a row of all
patients, then one indented row per group; one curve per group), in the spec's time unit; patients never
assessed for an endpoint are left out and named in a footnote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial.builders.course import _needs
from smalltrial.builders.registry import register_figure, register_table
from smalltrial.spec import TIME_UNITS

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


TIME_TO_EVENT_ENDPOINTS = ("b_cell_reconstitution", "relapse", "remission", "death")


def _landmarks(ctx: Analysis, unit: str) -> list[float]:
    """The spec's landmarks (in ``endpoints.time_unit``) in ``unit``."""
    from smalltrial.builders.labels import DAYS_PER_UNIT

    landmarks = list(ctx.ep["landmarks"])
    if unit == ctx.ep["time_unit"]:
        return landmarks
    factor = DAYS_PER_UNIT[ctx.ep["time_unit"]] / DAYS_PER_UNIT[unit]
    return [float(t) * factor for t in landmarks]


def _assessed(ctx: Analysis, endpoint: str):
    """The endpoint's data (days) without patients never assessed for it (B cells: no count
    after infusion), and a footnote naming the groups left without any patient."""
    data = ctx.time_to_event_days(endpoint)
    if endpoint == "b_cell_reconstitution":
        data = data[(data["time"] > 0) | (data["event"] == 1)]
    return data


@register_table("time_to_event", options={
    "endpoints": ("list[str]", ["b_cell_reconstitution", "relapse"], TIME_TO_EVENT_ENDPOINTS),
    "time_unit": ("str", None, TIME_UNITS),
}, title="Time-to-event outcomes")
def _table_time_to_event(ctx: Analysis, item: ItemSpec):
    from smalltrial import tables

    unit = item.options["time_unit"] or ctx.ep["time_unit"]
    landmarks = _landmarks(ctx, unit)
    entries = []
    notes = []
    for endpoint in item.options["endpoints"]:
        label = ctx.labels.event(endpoint)
        assessed = _assessed(ctx, endpoint)
        missing = set(ctx.time_to_event_days(endpoint)["subject"]) - set(assessed["subject"])
        note = ctx.not_assessed_note(assessed["subject"], label)
        if note:
            notes.append(note)
        elif missing:
            notes.append(f"{label}: {len(missing)} patient(s) without any assessment left out.")
        present = set(assessed[ctx.by].astype(str))
        groups = [g for g in ctx.groups() if g in present]
        split = len(groups) > 1
        # all patients first, under the endpoint's name; then one indented row per group
        entries.append(_entry(ctx, endpoint, unit, landmarks, None, assessed, label, False))
        if split:
            entries.extend(_entry(ctx, endpoint, unit, landmarks, g, assessed, label, True)
                           for g in groups)
        if endpoint == "b_cell_reconstitution":
            notes.append(f"{label}: first post-infusion CD19+ B-cell count \u2265 "
                         f"{ctx.ep['bcell_threshold']:g} cells/\u00b5L.")
    return tables.time_to_event_table(
        entries, landmarks=landmarks, time_unit=unit, conf_type=ctx.ep["conf_type"],
        level=ctx.ep["level"], follow_up=ctx.follow_up(unit),
        title=item.title or "Time-to-event outcomes", notes=notes, name=item.file,
    )


def _entry(ctx: Analysis, endpoint: str, unit: str, landmarks: list[float], group: str | None,
           assessed, label: str, split: bool) -> dict:
    data = assessed if group is None else assessed[assessed[ctx.by].astype(str) == group]
    km = ctx.kaplan_meier(endpoint, unit, group, subjects=tuple(assessed["subject"]))
    entry = {
        "label": ctx.labels.group(group) if split else label,
        "n": len(data),
        "events": int(data["event"].sum()),
        "median": km.median,
        "landmarks": km.at(landmarks),
        "cumulative": True,
    }
    if split:
        entry["indent"] = 1
    if endpoint in ("relapse", "death"):
        entry["rate"] = ctx.event_rate(endpoint, group)
    return entry


_KM_YLABELS = {
    "b_cell_reconstitution": "Probability of ongoing B-cell aplasia",
    "relapse": "Relapse-free probability",
    "remission": "Probability of not yet in remission",
    "death": "Overall survival",
}


@register_figure("km_plot", options={
    "endpoint": ("str", "b_cell_reconstitution", TIME_TO_EVENT_ENDPOINTS),
    "time_unit": ("str", None, TIME_UNITS),
}, stem=("endpoint",))
def _fig_km(ctx: Analysis, item: ItemSpec):
    """One curve, or one per group of the ``by`` column when more than one has data."""
    km_plot = _needs("km_plot")
    endpoint = item.options["endpoint"]
    unit = item.options["time_unit"] or ctx.ep["time_unit"]
    assessed = _assessed(ctx, endpoint)
    subjects = tuple(assessed["subject"])
    present = set(assessed[ctx.by].astype(str))
    groups = [g for g in ctx.groups() if g in present]
    if len(groups) > 1:
        km = {ctx.labels.group(g): ctx.kaplan_meier(endpoint, unit, g, subjects=subjects)
              for g in groups}
    else:
        km = ctx.kaplan_meier(endpoint, unit, subjects=subjects)
    label = ctx.labels.event(endpoint)
    ylabel = item.options["ylabel"] or (
        _KM_YLABELS[endpoint] if endpoint in _KM_YLABELS and not ctx.labels.renamed_event(endpoint)
        else f"Probability free of {label[:1].lower()}{label[1:]}")
    ax = km_plot(km, style=ctx.spec.style, ylabel=ylabel,
                 xlabel=item.options["xlabel"] or ctx.labels.time_axis(unit))
    return ax.figure
