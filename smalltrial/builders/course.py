"""Each patient's course: the swimmer plot and B-cell kinetics.

The swimmer draws only what the data show, from the same definitions as the tables: B-cell
aplasia and reconstitution come from the B-cell counts with the spec's threshold (the
definition of the time-to-event table), or from ``b_cell_reconstitution`` events when there
are no counts, and not at all when the trial has neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smalltrial.builders.context import attr
from smalltrial.builders.labels import to_unit
from smalltrial.builders.registry import register_figure
from smalltrial.spec import TIME_UNITS

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec

BCELL_PARAMETER = "cd19_bcells"


def _needs(name: str):
    return attr("figures", name)


def _hue(ctx: Analysis) -> str | None:
    return ctx.by if len(ctx.groups()) > 1 else None


def _unit(ctx: Analysis, item: ItemSpec) -> str:
    return item.options.get("time_unit") or ctx.ep["time_unit"]


def _time_axis(ctx: Analysis, item: ItemSpec, rows: Any) -> tuple[str, str, str]:
    """(x column, unit argument, x label) of a figure over time in the item's time unit.

    Days and months are drawn by the figure functions themselves; weeks and years from a
    ``time`` column added to ``rows`` (in place) with the figure's unit left at days.
    """
    unit = _unit(ctx, item)
    xlabel = item.options["xlabel"] or ctx.labels.time_axis(unit)
    if unit in ("days", "months"):
        return "day", unit, xlabel
    rows["time"] = to_unit(rows["day"].astype(float), unit)
    return "time", "days", xlabel


def bcell_status(ctx: Analysis):
    """Per subject ``subject, time, event`` (days) of B-cell reconstitution, or None without
    B-cell data: from the counts when the trial has them (the time-to-event table's
    definition), else from ``b_cell_reconstitution`` events."""
    def compute():
        meas = ctx.trial.measurements
        events = ctx.trial.events
        if (meas["parameter"] == BCELL_PARAMETER).any() or (events["event"] == "b_cell_reconstitution").any():
            return ctx.time_to_event_days("b_cell_reconstitution")
        return None
    return ctx.once("bcell_status", compute)


def _check_swimmer(key: str, opts: dict, endpoints: dict) -> dict:
    from smalltrial.builders.efficacy import _check_response

    return _check_response(key, opts, endpoints)


def response_spans(ctx: Analysis, name: str):
    """``subject, start, end`` (days): each run of post-baseline visits at which the response
    rule ``name`` is met, from its first such visit to the first later assessed visit at which
    it is not, or to the last assessment when it is still met there (what happens after the
    last assessment is not known: the bar does not run on to the end of follow-up)."""
    import pandas as pd

    frame = ctx.response_by_visit(name)
    frame = frame[frame["day"] > 0].sort_values(["subject", "day"], kind="stable")
    rows = []
    for sid, visits in frame.groupby("subject", sort=False):
        start = None
        for day, met in zip(visits["day"], visits["remission"], strict=True):
            if met and start is None:
                start = float(day)
            elif not met and start is not None:
                rows.append((sid, start, float(day)))
                start = None
        if start is not None:
            rows.append((sid, start, float(visits["day"].max())))
    return pd.DataFrame(rows, columns=["subject", "start", "end"])


@register_figure("swimmer", options={"time_unit": ("str", None, TIME_UNITS),
                                     "response": ("str", None, None)}, check=_check_swimmer)
def _fig_swimmer(ctx: Analysis, item: ItemSpec):
    """Follow-up lanes with events; with ``response`` (a rule of [[endpoints.responses]] or a
    named rule) the response periods come from the rule's per-visit assessments (see
    :func:`response_spans`) instead of ``remission``/``relapse`` events."""
    import pandas as pd

    fn = _needs("swimmer")
    events = ctx.trial.events
    status = bcell_status(ctx)
    aplasia = None
    if status is not None:
        # reconstitution markers and aplasia bars from the endpoint definition of the tables
        events = events[events["event"] != "b_cell_reconstitution"]
        events = events.assign(day=events["day"].astype(float))
        recon = status[status["event"] == 1]
        extra = pd.DataFrame({"subject": recon["subject"].to_numpy(), "day": recon["time"].to_numpy(),
                              "event": "b_cell_reconstitution", "grade": float("nan")})
        events = pd.concat([events, extra], ignore_index=True)
        aplasia = pd.DataFrame({"subject": status["subject"], "start": 0.0,
                                "end": status["time"].astype(float)})
    name = item.options["response"]
    spans, span_label = None, "Remission"
    if name is not None:
        spans = response_spans(ctx, name)
        span_label = ctx.labels.event(name) if ctx.labels.renamed_event(name) else \
            ctx.response_rule(name).label
    unit = _unit(ctx, item)
    if unit not in ("days", "months"):
        events = events.assign(day=to_unit(events["day"].astype(float), unit))
        aplasia = None if aplasia is None else aplasia.assign(
            end=to_unit(aplasia["end"], unit))
        spans = None if spans is None else spans.assign(
            start=to_unit(spans["start"], unit), end=to_unit(spans["end"], unit))
    group = ctx.by if len(ctx.groups()) > 1 else None
    subjects = ctx.labelled_groups(ctx.trial.subjects) if group is not None else ctx.trial.subjects
    trial_like = _TrialView(events, subjects)
    ax = fn(trial_like, unit=unit if unit in ("days", "months") else "days", group=group,
            aplasia=aplasia, style=ctx.spec.style, response=spans, response_label=span_label)
    ax.set_xlabel(item.options["xlabel"] or ctx.labels.time_axis(unit))
    ax.figure._smalltrial_caption = (
        "Swimmer plot: each patient's follow-up and events" +
        (f"; bars: periods with {span_label[0].lower() + span_label[1:] if span_label[1:2].islower() else span_label}"
         " (from the first visit meeting the rule to the first visit not meeting it, or to the "
         "last assessment)" if name is not None else "") + ".")
    return ax.figure


class _TrialView:
    """Events and subjects, as much of a Trial as the swimmer reads."""

    def __init__(self, events: Any, subjects: Any) -> None:
        self.events = events
        self.subjects = subjects


@register_figure("bcell_kinetics", options={"time_unit": ("str", None, TIME_UNITS)})
def _fig_bcell(ctx: Analysis, item: ItemSpec):
    fn = _needs("bcell_kinetics")
    rows = ctx.long(BCELL_PARAMETER, f"{item.key}: B-cell counts")
    lloq = None
    params = getattr(ctx.trial, "parameters", None)
    if params is not None and "lloq" in params.columns:
        hit = params.loc[params["parameter"] == BCELL_PARAMETER, "lloq"]
        lloq = float(hit.iloc[0]) if len(hit) and hit.notna().iloc[0] else None
    x, unit, xlabel = _time_axis(ctx, item, rows)
    if _hue(ctx) is not None:
        rows = ctx.labelled_groups(rows)
    ax = fn(rows, parameter=None, x=x, lloq=lloq, threshold=ctx.ep["bcell_threshold"],
            hue=_hue(ctx), unit=unit, xlabel=xlabel,
            ylabel=item.options["ylabel"], style=ctx.spec.style)
    return ax.figure
