"""Interval-censored endpoint: Turnbull NPMLE with midpoint / right-point Kaplan-Meier."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._format import DASH, NR, fmt_num
from smalltrial._tableformat import fmt_estimate_ci, fmt_pct_ci
from smalltrial.tables._model import Row, Table, _check_notes, _get, _level_pct
from smalltrial.tables.display import register_layout, wide

if TYPE_CHECKING:
    import pandas as pd

#: row labels of the imputed Kaplan-Meier fits
KM_METHODS = {"midpoint": "Kaplan\u2013Meier, midpoint imputation",
              "right": "Kaplan\u2013Meier, right-point (first positive visit)"}
TURNBULL_LABEL = "Turnbull NPMLE (interval-censored)"
TURNBULL_NOTE = (
    "Turnbull NPMLE (Turnbull 1976): cumulative probability by each landmark; a range where "
    "the NPMLE places mass in an interval containing the landmark (how it spreads inside is "
    "not identified); median: the interval in which the cumulative probability reaches 50%.")


def interval_censored_table(
    turnbull: Mapping[str, Any],
    km: Mapping[str, Mapping[str, Any]],
    *,
    landmarks: Sequence[float] = (),
    time_unit: str = "months",
    level: float = 0.95,
    conf_type: str = "log-log",
    definition: str | None = None,
    notes: Sequence[str] = (),
    title: str = "Interval-censored endpoint",
    name: str = "interval_censored",
) -> Table:
    """The Turnbull NPMLE of an interval-censored endpoint, with imputed Kaplan-Meier fits as
    sensitivity analyses.

    Parameters
    ----------
    turnbull : mapping
        ``n``, ``events``, ``median`` (``(lower, upper)``: the Turnbull interval in which the
        cumulative probability reaches 50%; NaN = not reached) and ``bounds`` (per landmark the
        ``(low, high)`` bounds of the NPMLE cumulative probability; one number when equal).
    km : mapping
        Imputation (``midpoint``, ``right``) -> ``n``, ``events``, ``median`` (``estimate,
        lower, upper``) and ``landmarks`` (DataFrame ``time, survival, lower, upper`` of the
        Kaplan-Meier fit; shown as the cumulative probability 1 - S).
    landmarks : sequence of float
        The landmark times (columns), in ``time_unit``.
    level, conf_type : float, str
        Confidence level and Kaplan-Meier CI transformation (named in the footnote).
    definition : str, optional
        The endpoint's definition, the first footnote (marked on the Events header).
    notes : sequence of str
        More footnotes, printed last.
    title, name : str
        Table title and file stem.

    Footnote marks: the Turnbull note on its row, the sensitivity-analysis note on the two
    Kaplan-Meier rows (and on an NR Turnbull median), the definition on the Events header.

    >>> nan = float("nan")
    >>> t = interval_censored_table({"n": 4, "events": 2, "median": (nan, nan), "bounds": []}, {})
    >>> t.rows[0].cells
    ('Turnbull NPMLE (interval-censored)', '4', '2', 'NR')
    """
    if not isinstance(turnbull, Mapping) or not isinstance(km, Mapping):
        raise SmallTrialError("turnbull and km must be mappings")
    landmarks = list(landmarks)
    bounds = list(_get(turnbull, "bounds", ()))
    if len(bounds) != len(landmarks):
        raise SmallTrialError(f"turnbull bounds: one per landmark ({len(landmarks)}), "
                              f"got {len(bounds)}")
    more = _check_notes(notes)
    pct = _level_pct(level)
    columns = ["Method", "Patients", "Events", f"Median, {time_unit} ({pct} CI)"]
    columns += [f"By {fmt_num(t, 0)} {time_unit}, % ({pct} CI)" for t in landmarks]
    lo, hi = _get(turnbull, "median")
    median = NR if math.isnan(lo) else f"in ({fmt_num(lo)}, {fmt_num(hi)}]"
    cells = [TURNBULL_LABEL, str(int(_get(turnbull, "n"))), str(int(_get(turnbull, "events"))),
             median]
    for f_lo, f_hi in bounds:
        cells.append(fmt_num(100 * f_lo) if abs(f_hi - f_lo) < 1e-12
                     else f"{fmt_num(100 * f_lo)}{DASH}{fmt_num(100 * f_hi)}")
    rows = [Row(tuple(cells))]
    for method, fit in km.items():
        if method not in KM_METHODS:
            raise SmallTrialError(f"km: unknown imputation {method!r}; valid: "
                                  f"{', '.join(map(repr, KM_METHODS))}")
        m = _get(fit, "median")
        cells = [KM_METHODS[method], str(int(_get(fit, "n"))), str(int(_get(fit, "events"))),
                 fmt_estimate_ci(_get(m, "estimate"), _get(m, "lower"), _get(m, "upper"), 1,
                                 na=NR)]
        at = _get(fit, "landmarks")
        for t in landmarks:
            h = at[at["time"] == t].iloc[0]
            est, lo_, hi_ = 1 - h["survival"], 1 - h["upper"], 1 - h["lower"]
            if lo_ == hi_:
                lo_ = hi_ = float("nan")
            cells.append(fmt_pct_ci(est, lo_, hi_, 1))
        rows.append(Row(tuple(cells)))
    sensitivity = (
        "Sensitivity analyses: Kaplan\u2013Meier with the event time imputed at the midpoint of "
        "the interval or at the first positive assessment (right-point, the usual visit-date "
        f"convention; biased late); {pct} CI {conf_type}; imputed times are treated as known, so "
        "these intervals are too narrow (Law & Brookmeyer 1992). NR: not reached.")
    all_notes = ([definition] if definition else []) + [TURNBULL_NOTE, sensitivity] + more
    table = Table(title, tuple(columns), tuple(rows), tuple(all_notes), name=name)
    if definition:
        table = table.mark(definition, column=2)
    table = table.mark(TURNBULL_NOTE, row=0, column=0)
    if median == NR:
        table = table.mark(sensitivity, row=0, column=3)
    for i in range(1, len(rows)):
        table = table.mark(sensitivity, row=i, column=0)
    return table


@register_layout("interval_censored")
def interval_censored_from_ard(ard: pd.DataFrame, *, parameter: str,
                               landmarks: Sequence[float] = (), **options: Any) -> Table:
    """:func:`interval_censored_table` from ARD rows: ``group`` ``parameter, method``,
    ``group_level`` ``<parameter>, turnbull`` (``n``, ``events``; ``median``: ``lower, upper``;
    ``landmark`` (level the time): ``cumulative_low, cumulative_high``) and ``<parameter>,
    midpoint`` / ``<parameter>, right`` (Kaplan-Meier rows: ``n``, ``events``, ``median``,
    ``landmark`` ``survival, lower, upper``; method = CI transformation, level = confidence
    level). ``options`` as :func:`interval_censored_table`'s keywords."""
    from smalltrial.ard import join_levels

    def part(method: str) -> pd.DataFrame:
        rows = ard[(ard["group"] == "parameter, method") &
                   (ard["group_level"] == join_levels(parameter, method))]
        if rows.empty:
            raise SmallTrialError(f"ard: no {method} statistics of {parameter!r}")
        return rows

    def stat(rows: pd.DataFrame, variable: str, statistic: str) -> float:
        hit = rows[(rows["variable"] == variable) & (rows["statistic"] == statistic)]
        return float(hit["value"].iloc[0]) if len(hit) else math.nan

    tb = part("turnbull")
    at = wide(tb, index={"time": "variable_level"}, statistics=("cumulative_low", "cumulative_high"),
              where={"variable": "landmark"})
    found = {float(t): (lo, hi) for t, lo, hi in zip(at["time"], at["cumulative_low"],
                                                      at["cumulative_high"], strict=True)}
    turnbull = {"n": stat(tb, "", "n"), "events": stat(tb, "", "events"),
                "median": (stat(tb, "median", "lower"), stat(tb, "median", "upper")),
                "bounds": [found.get(float(t), (math.nan, math.nan)) for t in landmarks]}
    km = {}
    conf_type, level = options.pop("conf_type", None), options.pop("level", None)
    for method in KM_METHODS:
        rows = part(method)
        land = wide(rows, index={"time": "variable_level"}, statistics=("survival", "lower", "upper"),
                    where={"variable": "landmark"})
        land["time"] = [float(t) for t in land["time"]]
        km[method] = {"n": stat(rows, "", "n"), "events": stat(rows, "", "events"),
                      "median": {s: stat(rows, "median", s) for s in ("estimate", "lower", "upper")},
                      "landmarks": land}
        med = rows[rows["variable"] == "median"]
        if conf_type is None and len(med):
            conf_type, level = str(med["method"].iloc[0]), float(med["level"].iloc[0])
    return interval_censored_table(turnbull, km, landmarks=landmarks,
                                   conf_type=conf_type or "log-log",
                                   level=0.95 if level is None else level, **options)
