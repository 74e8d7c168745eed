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
    all patients assessed for ``parameter``."""
    from smalltrial._format import DASH, NR, fmt_num
    from smalltrial._tableformat import fmt_estimate_ci, fmt_pct_ci
    from smalltrial.builders.labels import DAYS_PER_UNIT
    from smalltrial.builders.time_to_event import _landmarks
    from smalltrial.tables import Row, Table

    opts = item.options
    unit = opts["time_unit"] or ctx.ep["time_unit"]
    per_day = 1.0 / DAYS_PER_UNIT[unit]
    threshold = opts["threshold"] if opts["threshold"] is not None else ctx.ep["bcell_threshold"]
    parameter = opts["parameter"]
    label = opts["label"] or (
        "B-cell reconstitution" if parameter == "cd19_bcells" else ctx.labels.variable(parameter))
    level = ctx.ep["level"]
    pct = f"{100 * level:g}%"

    def compute():
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
        fit = attr("survival", "turnbull")(data, left="left", right="right")
        impute = attr("survival", "impute_interval_times")
        km = attr("survival", "kaplan_meier")
        fits = {m: km(impute(data, left="left", right="right", method=m), time="time",
                      event="event", level=level, conf_type=ctx.ep["conf_type"])
                for m in ("midpoint", "right")}
        return data, fit, fits

    data, fit, fits = ctx.once(("interval", parameter, threshold, opts["direction"], unit), compute)
    landmarks = _landmarks(ctx, unit)
    n = len(data)
    events = int(data["right"].map(math.isfinite).sum())
    columns = ["Method", "Patients", "Events", f"Median, {unit} ({pct} CI)"]
    columns += [f"By {fmt_num(t, 0)} {unit}, % ({pct} CI)" for t in landmarks]
    lo, hi = _turnbull_median(fit)
    median = NR if math.isnan(lo) else f"in ({fmt_num(lo)}, {fmt_num(hi)}]"
    cells = ["Turnbull NPMLE (interval-censored)", str(n), str(events), median]
    for t in landmarks:
        f_lo, f_hi = _turnbull_cumulative(fit, t)
        cells.append(fmt_num(100 * f_lo) if abs(f_hi - f_lo) < 1e-12
                     else f"{fmt_num(100 * f_lo)}{DASH}{fmt_num(100 * f_hi)}")
    rows = [Row(tuple(cells))]
    names = {"midpoint": "Kaplan\u2013Meier, midpoint imputation",
             "right": "Kaplan\u2013Meier, right-point (first positive visit)"}
    for method, km in fits.items():
        m = km.median
        cells = [names[method], str(n), str(events),
                 fmt_estimate_ci(m.estimate, m.lower, m.upper, 1, na=NR)]
        at = km.at(landmarks)
        for t in landmarks:
            h = at[at["time"] == t].iloc[0]
            est, lo_, hi_ = 1 - h["survival"], 1 - h["upper"], 1 - h["lower"]
            if lo_ == hi_:
                lo_ = hi_ = float("nan")
            cells.append(fmt_pct_ci(est, lo_, hi_, 1))
        rows.append(Row(tuple(cells)))
    op = "\u2265" if opts["direction"] == "above" else "\u2264"
    notes = [
        f"{label}: first post-infusion {ctx.labels.variable(parameter)} {op} {threshold:g}, known only to lie between "
        "the last assessment before it and the first assessment meeting it (interval-censored); "
        "never meeting it: right-censored at the last assessment.",
        "Turnbull NPMLE (Turnbull 1976): cumulative probability by each landmark; a range where "
        "the NPMLE places mass in an interval containing the landmark (how it spreads inside is "
        "not identified); median: the interval in which the cumulative probability reaches 50%.",
        "Sensitivity analyses: Kaplan\u2013Meier with the event time imputed at the midpoint of "
        "the interval or at the first positive assessment (right-point, the usual visit-date "
        f"convention; biased late); {pct} CI {ctx.ep['conf_type']}; imputed times are treated as known, so "
        "these intervals are too narrow (Law & Brookmeyer 1992). NR: not reached.",
    ]
    assessed = ctx.not_assessed_note(data["subject"], label)
    if assessed:
        notes.append(assessed)
    return Table(item.title or f"Interval-censored endpoint: {label}", tuple(columns),
                 tuple(rows), tuple(notes), name=item.file)
