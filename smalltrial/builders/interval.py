"""Interval-censored endpoints: an event seen only at scheduled assessments.

B-cell reconstitution (or any threshold crossing of a measured parameter) is known only to lie
between the last assessment below the threshold and the first at or above it. The
``interval_censored`` table shows the Turnbull NPMLE (which uses exactly that information) at
the spec's landmarks and, as sensitivity analyses, Kaplan-Meier on the midpoint and on the
right-point (first positive visit) imputations.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from smalltrial.builders.context import attr
from smalltrial.builders.registry import register_table
from smalltrial.spec import TIME_UNITS

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


def _turnbull_cumulative(fit, t: float) -> tuple[float, float]:
    """Bounds of the NPMLE cumulative probability F(t): mass surely before t (intervals ending
    at or before t) and mass possibly before t (intervals starting before t)."""
    low = float(fit.loc[fit["upper"] <= t, "probability"].sum())
    high = float(fit.loc[fit["lower"] < t, "probability"].sum())
    return low, max(low, high)


def _turnbull_median(fit) -> tuple[float, float]:
    """The Turnbull interval (lower, upper] in which F first reaches 0.5; NaN when it never
    does (not reached)."""
    cumulative = 1.0 - fit["survival"].to_numpy(float)
    hit = [i for i, f in enumerate(cumulative) if f >= 0.5 - 1e-12]
    if not hit or math.isinf(float(fit["upper"].iloc[hit[0]])):
        return math.nan, math.nan
    return float(fit["lower"].iloc[hit[0]]), float(fit["upper"].iloc[hit[0]])


@register_table("interval_censored", options={
    "parameter": ("str", "cd19_bcells", None),
    "threshold": ("number", None, None),
    "direction": ("str", "above", ("above", "below")),
    "label": ("str", None, None),
    "time_unit": ("str", None, TIME_UNITS),
}, title="Interval-censored endpoint: <label>")
def _table_interval_censored(ctx: Analysis, item: ItemSpec):
    """Turnbull NPMLE cumulative incidence at the landmarks (a range where the NPMLE does not
    identify it), and midpoint / right-point Kaplan-Meier as sensitivity analyses; one block for
    all patients assessed for ``parameter``. The statistics go to the ARD (key ``interval``, see
    :func:`smalltrial.ard._tte_record`); :func:`smalltrial.tables._interval.interval_censored_from_ard`
    lays the table out."""
    from smalltrial.builders.labels import DAYS_PER_UNIT
    from smalltrial.builders.time_to_event import _landmarks
    from smalltrial.tables.display import Display

    opts = item.options
    unit = opts["time_unit"] or ctx.ep["time_unit"]
    per_day = 1.0 / DAYS_PER_UNIT[unit]
    threshold = opts["threshold"] if opts["threshold"] is not None else ctx.ep["bcell_threshold"]
    parameter = opts["parameter"]
    label = opts["label"] or (
        "B-cell reconstitution" if parameter == "cd19_bcells" else ctx.labels.variable(parameter))
    level = ctx.ep["level"]
    landmarks = _landmarks(ctx, unit)

    def intervals():
        from smalltrial._errors import SmallTrialError

        interval_from_measurements = attr("survival", "interval_from_measurements")
        try:
            data = interval_from_measurements(ctx.trial, parameter, threshold=threshold,
                                              direction=opts["direction"])
        except SmallTrialError as exc:
            raise SmallTrialError(f"spec: {item.key}.parameter: {exc}") from None
        data = data.assign(left=data["left"] * per_day, right=data["right"] * per_day)
        if data.empty:
            raise SmallTrialError(f"spec: {item.key}: no patient with {parameter!r} measured "
                                  "after infusion")
        return data

    key = (parameter, threshold, opts["direction"], unit)
    data = ctx.once(("interval_data", *key), intervals)

    def compute() -> dict:
        fit = attr("survival", "turnbull")(data, left="left", right="right")
        impute = attr("survival", "impute_interval_times")
        km = attr("survival", "kaplan_meier")
        fits = {m: km(impute(data, left="left", right="right", method=m), time="time",
                      event="event", level=level, conf_type=ctx.ep["conf_type"])
                for m in ("midpoint", "right")}
        return {"n": len(data), "events": int(data["right"].map(math.isfinite).sum()),
                "turnbull": fit, "median": _turnbull_median(fit), "landmarks": list(landmarks),
                "bounds": [_turnbull_cumulative(fit, t) for t in landmarks], "km": fits}

    ctx.once(("interval", *key, tuple(landmarks)), compute)
    op = "\u2265" if opts["direction"] == "above" else "\u2264"
    definition = (
        f"{label}: first post-infusion {ctx.labels.variable(parameter)} {op} {threshold:g}, known "
        "only to lie between the last assessment before it and the first assessment meeting it "
        "(interval-censored); never meeting it: right-censored at the last assessment.")
    assessed = ctx.not_assessed_note(data["subject"], label)
    return Display("interval_censored", {
        "parameter": str(parameter), "landmarks": landmarks, "time_unit": unit,
        "definition": definition,
        "notes": [assessed] if assessed else [],
        "title": item.title or f"Interval-censored endpoint: {label}", "name": item.file,
    })
