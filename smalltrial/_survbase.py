"""Shared pieces of the time-to-event modules: input checks, R survfit's time fix, CI transforms and quantile rules."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError

#: confidence-interval transforms of ``kaplan_meier`` (R ``survfit`` ``conf.type``)
CONF_TYPES = ("log-log", "log", "plain")

_CONF_DESCRIPTION = {
    "log-log": "log(-log(S)) transform (Kalbfleisch-Prentice; SAS/lifelines default, not R's)",
    "log": "log(S) transform (R survfit default)",
    "plain": "linear S +/- z*SE(S), clipped to [0, 1]",
}

# quantile.survfit's default tolerance
_QTOL = math.sqrt(np.finfo(float).eps)


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _timefix(t: np.ndarray) -> np.ndarray:
    """R ``survival::aeqSurv`` (survfit/survdiff ``timefix=TRUE``): times closer than
    sqrt(machine eps) (absolutely, or relative to the mean |time|) are made equal."""
    y = np.unique(t)
    if y.size < 2:
        return t
    dy = np.diff(y)
    tol = _QTOL
    tied = (dy <= tol) | (dy / np.mean(np.abs(y)) <= tol)
    if not tied.any():
        return t
    cuts = y[np.concatenate([[True], ~tied])]
    return cuts[np.searchsorted(cuts, t, side="right") - 1]


def _time_event(data: Any, time: str, event: str, *, name: str = "data", timefix: bool = True):
    """Validated float times (finite, >= 0) and 0/1 integer events from a tidy frame
    (times aggregated as R's ``aeqSurv`` when ``timefix``)."""
    _v.check_column_name(time, "time")
    _v.check_column_name(event, "event")
    data = _v.check_frame(data, name)
    _v.check_columns(data, [time, event], name)
    t = _v.check_numeric_column(data, time, name=name)
    _v.check_no_missing(data, time, name=name)
    _v.check_nonnegative_column(data.assign(**{time: t}), time, name=name)
    ecol = data[event]
    if pd.api.types.is_bool_dtype(ecol):
        ecol = ecol.astype(int)
        data = data.assign(**{event: ecol})
    e = _v.check_numeric_column(data, event, name=name)
    _v.check_no_missing(data, event, name=name)
    bad = ~e.isin([0, 1])
    if bad.any():
        values = list(dict.fromkeys(e[bad].tolist()))
        raise SmallTrialError(
            f"column {event!r} of {name} must be 0 (censored) or 1 (event); got "
            f"{', '.join(map(repr, values[:5]))} ({_v.describe_rows(data, bad)})"
        )
    tt = t.to_numpy(dtype=float)
    if timefix:
        tt = _timefix(tt)
    return tt, e.to_numpy(dtype=float).astype(np.int64)


def _check_times(times: Any, name: str = "times") -> np.ndarray:
    return _v.check_numbers(times, name)


def _check_conf_type(conf_type: Any) -> str:
    return _v.check_choice(conf_type, "conf_type", CONF_TYPES)


# --------------------------------------------------------------------------------------------
# survfit confidence limits and quantile.survfit
# --------------------------------------------------------------------------------------------


def _survfit_ci(surv: np.ndarray, se_log: np.ndarray, conf_type: str, level: float):
    """Confidence limits exactly as R ``survival:::survfit_confint`` (logse=TRUE, ulimit=TRUE).

    ``se_log`` is survfit's ``std.err``: the standard error of the cumulative hazard
    (sqrt of Greenwood's sum). NaN where R gives NA/NaN (log-log at S = 0 or 1, log at S = 0,
    every type where S = 0 after all subjects failed).
    """
    z = special.ndtri(1.0 - (1.0 - level) / 2.0)
    surv = np.asarray(surv, dtype=float)
    se = np.asarray(se_log, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            se2 = se * surv * z
            lower = np.maximum(surv - se2, 0.0)
            upper = np.minimum(surv + se2, 1.0)
        elif conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            se2 = z * se
            lower = np.exp(np.log(xx) - se2)
            upper = np.minimum(np.exp(np.log(xx) + se2), 1.0)
        else:  # log-log
            xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
            se2 = z * se / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
    # numpy's maximum/minimum propagate NaN like R's pmax/pmin
    return lower, upper


def _approx_constant_f1(x: np.ndarray, y: np.ndarray, xout: float) -> float:
    """R ``approx(x, y, xout, method="constant", f=1, rule=1)`` (NA pairs removed, x sorted)."""
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if x.size == 0:
        return math.nan
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n = x.size
    if xout < x[0] or xout > x[n - 1]:
        return math.nan
    i, j = 0, n - 1
    while i < j - 1:
        ij = (i + j) // 2
        if xout < x[ij]:
            j = ij
        else:
            i = ij
    if xout == x[j]:
        return float(y[j])
    if xout == x[i]:
        return float(y[i])
    return float(y[j])


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = _QTOL) -> float:
    """R ``survival:::findq``: the time where the curve 1 - S first reaches ``p``."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return math.nan
    xmax = x[-1]
    # duplicated(y) treats NA as a value: keep the first NaN, drop later ones
    seen: set = set()
    keep = np.zeros(y.size, dtype=bool)
    for k, val in enumerate(y):
        key = "nan" if math.isnan(val) else val
        if key not in seen:
            seen.add(key)
            keep[k] = True
    x, y = x[keep], y[keep]
    n = y.size
    idx = np.arange(1, n + 1, dtype=float)
    i1 = _approx_constant_f1(y + tol, idx, p)
    i2 = _approx_constant_f1(y - tol, idx, p)

    def at(i: float) -> float:
        return math.nan if math.isnan(i) else float(x[int(i) - 1])

    quant = (at(i1) + at(i2)) / 2.0
    if p == 0:
        quant = float(x[0])
    if not math.isnan(y[n - 1]) and abs(p - y[n - 1]) < tol:
        quant = (at(i1) + xmax) / 2.0
    return quant


# --------------------------------------------------------------------------------------------
# Kaplan-Meier
# --------------------------------------------------------------------------------------------
