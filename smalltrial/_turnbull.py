"""Interval-censored event times (re-exported by :mod:`smalltrial.survival`).

``turnbull`` is the nonparametric maximum-likelihood estimate (NPMLE) of the distribution of an
event known only to lie between two assessments (Turnbull 1976), computed exactly and certified by
its optimality conditions; ``interval_from_measurements`` derives the intervals from repeated
measurements (last negative, first positive assessment); ``impute_interval_times`` gives the
midpoint and right-point imputations used as sensitivity analyses (then Kaplan-Meier).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError

__all__ = ["turnbull", "turnbull_kkt", "interval_from_measurements", "impute_interval_times",
           "IMPUTATIONS"]

#: conventions of ``impute_interval_times``
IMPUTATIONS = ("midpoint", "right")

# optimality tolerance of the NPMLE (KKT conditions, relative to n)
_KKT_TOL = 1e-10


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


def _intervals(data: Any, left: str, right: str) -> tuple[np.ndarray, np.ndarray]:
    """Validated (left, right) arrays: left finite >= 0, right >= left or inf."""
    _v.check_column_name(left, "left")
    _v.check_column_name(right, "right")
    data = _v.check_frame(data)
    _v.check_columns(data, [left, right])
    lo = _v.check_numeric_column(data, left)
    _v.check_no_missing(data, left)
    hi = _v.check_numeric_column(data, right)
    if hi.isna().any():
        bad = hi.isna()
        raise SmallTrialError(
            f"column {right!r} of data has missing values ({_v.describe_rows(data, bad)}); "
            "a right-censored time has right = inf"
        )
    lo_a = lo.to_numpy(float)
    hi_a = hi.to_numpy(float)
    bad = ~np.isfinite(lo_a) | (lo_a < 0)
    if bad.any():
        raise SmallTrialError(
            f"column {left!r} of data must be finite and >= 0; got "
            f"{_v._show(lo_a[bad].tolist())} ({_v.describe_rows(data, bad)})"
        )
    bad = (hi_a < lo_a) | (hi_a == -np.inf)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SmallTrialError(
            f"column {right!r} must be >= column {left!r} (the event lies in (left, right]); got "
            f"left={lo_a[i]:g} > right={hi_a[i]:g} ({_v.describe_rows(data, bad)})"
        )
    if lo_a.size == 0:
        raise SmallTrialError("data is empty (0 rows)")
    return lo_a, hi_a


def _innermost(lo: np.ndarray, hi: np.ndarray):
    """Turnbull's innermost intervals for (left, right] data with exact times [t, t].

    Returns (lower, upper, is_point, A) with A[i, j] = 1 when observation i's interval contains
    innermost interval j. Sorting the endpoints with, at equal values, an exact time's left end
    first, then right ends, then the (open) left ends of intervals, an innermost interval is a
    left end immediately followed by a right end.
    """
    exact = lo == hi
    vals = np.concatenate([lo, hi])
    kind = np.concatenate([np.where(exact, 0, 2), np.ones(hi.size, dtype=int)])
    order = np.lexsort((kind, vals))
    v, k = vals[order], kind[order]
    is_left = k != 1
    start = np.flatnonzero(is_left[:-1] & ~is_left[1:])
    lower, upper, point = v[start], v[start + 1], k[start] == 0
    # containment: an exact observation contains only its own point; an interval (L, R]
    # contains (l, u] when L <= l and u <= R, and the point t when L < t <= R
    lo_c, hi_c, ex_c = lo[:, None], hi[:, None], exact[:, None]
    inside = np.where(point[None, :], lo_c < lower[None, :], lo_c <= lower[None, :]) & (
        upper[None, :] <= hi_c
    )
    own = point[None, :] & (lower[None, :] == lo_c)
    A = np.where(ex_c, own, inside & ~ex_c).astype(float)
    return lower, upper, point, A


# --------------------------------------------------------------------------------------------
# the NPMLE
# --------------------------------------------------------------------------------------------


def _loglik(A: np.ndarray, p: np.ndarray) -> float:
    return float(np.sum(np.log(A @ p)))


def _npmle(A: np.ndarray) -> np.ndarray:
    """Maximise sum_i log((A p)_i) over the simplex: EM start, then an active-set Newton method
    (support reduction, Groeneboom, Jongbloed & Wellner 2008) to machine precision."""
    n, m = A.shape
    p = np.full(m, 1.0 / m)
    for _ in range(500):  # EM (Turnbull's self-consistency) to find the support roughly
        q = A @ p
        new = p * (A.T @ (1.0 / q)) / n
        if np.max(np.abs(new - p)) < 1e-9:
            p = new
            break
        p = new
    support = p > 1e-6 * p.max()
    p = np.where(support, p, 0.0)
    p /= p.sum()
    for _outer in range(10 * m + 50):
        for _inner in range(200):
            idx = np.flatnonzero(support)
            q = A @ p
            g = A[:, idx].T @ (1.0 / q)
            B = A[:, idx] / q[:, None]
            H = -(B.T @ B)
            k = idx.size
            kkt = np.zeros((k + 1, k + 1))
            kkt[:k, :k] = H
            kkt[:k, k] = 1.0
            kkt[k, :k] = 1.0
            rhs = np.concatenate([-g, [0.0]])
            sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
            dp = sol[:k]
            if np.max(np.abs(dp)) < 1e-15:
                break
            neg = dp < 0
            tmax = 1.0
            if neg.any():
                tmax = min(1.0, float(np.min(-p[idx][neg] / dp[neg])))
            f0 = _loglik(A, p)
            t = tmax
            while t > 1e-12:
                cand = p.copy()
                cand[idx] = np.maximum(p[idx] + t * dp, 0.0)
                if np.all(A @ cand > 0) and _loglik(A, cand) >= f0 - 1e-14 * abs(f0):
                    break
                t /= 2
            else:
                break
            p = cand
            if t == tmax and tmax < 1.0:  # hit the boundary: drop those points
                hit = idx[p[idx] <= 1e-15]
                p[hit] = 0.0
                support[hit] = False
            if np.max(np.abs(t * dp)) < 1e-15:
                break
        p = np.where(support, np.maximum(p, 0.0), 0.0)
        p /= p.sum()
        d = A.T @ (1.0 / (A @ p)) / n
        out = np.flatnonzero(~support)
        if out.size == 0 or d[out].max() <= 1.0 + _KKT_TOL:
            # drop numerically zero masses (non-identified directions) and stop
            break
        j = out[int(np.argmax(d[out]))]
        support[j] = True
    return p


def turnbull_kkt(data: pd.DataFrame, *, left: str, right: str, probability: Any) -> np.ndarray:
    """The NPMLE's optimality certificate: d_j = (1/n) sum_i a_ij / sum_k a_ik p_k per interval.

    ``p`` (masses on the Turnbull intervals of ``data``) is the NPMLE if and only if d_j <= 1
    for every interval and d_j = 1 where p_j > 0 (the Kuhn-Tucker conditions of a concave
    maximisation over the simplex; Gentleman & Geyer, Biometrika 1994;81:618). EM's fixed points
    (self-consistency, p_j d_j = p_j) satisfy the equalities but not necessarily d_j <= 1.

    Parameters
    ----------
    data, left, right : as :func:`turnbull`.
    probability : the masses, one per Turnbull interval (``turnbull(...)["probability"]``).

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"l": [0, 2, 1], "r": [3, 5, float("inf")]})
    >>> fit = turnbull(df, left="l", right="r")
    >>> turnbull_kkt(df, left="l", right="r", probability=fit["probability"]).round(12).tolist()
    [1.0]
    """
    lo, hi = _intervals(data, left, right)
    _, _, _, A = _innermost(lo, hi)
    p = _v.check_numbers(probability, "probability")
    if p.size != A.shape[1]:
        raise SmallTrialError(
            f"probability has {p.size} values; data has {A.shape[1]} Turnbull intervals"
        )
    return A.T @ (1.0 / (A @ p)) / A.shape[0]


def turnbull(data: pd.DataFrame, *, left: str, right: str) -> pd.DataFrame:
    """Turnbull NPMLE of an interval-censored event-time distribution (R ``interval2`` survfit).

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    left : column of the last time the event was known not to have happened (finite, >= 0;
        0 = left-censored at the origin).
    right : column of the first time it was known to have happened; ``inf`` = right-censored
        (never seen); ``right == left`` = an exact time. The event lies in (left, right].

    Returns
    -------
    DataFrame ``lower, upper, probability, survival``: the Turnbull (innermost) intervals, where
    all the probability mass of the NPMLE lies; ``lower == upper`` is an exact time, otherwise the
    interval is (lower, upper]; ``probability`` the mass in it (how it spreads inside is not
    identified); ``survival`` the probability of no event by the end of it (1 - cumulative mass).

    Method: Turnbull (JRSS B 1976;38:290) intervals; the likelihood sum_i log sum_j a_ij p_j is
    maximised exactly (EM start, then an active-set Newton method, Groeneboom, Jongbloed &
    Wellner, Scand J Stat 2008;35:385) until the Kuhn-Tucker conditions hold to 1e-10
    (:func:`turnbull_kkt`). R ``survfit(Surv(left, right, type = "interval2") ~ 1)`` stops its
    accelerated EM when the curve changes by < 5e-5, so its values can differ from the exact
    NPMLE by ~1e-3 on small tied data; R places each interval's mass at its midpoint. Where the
    NPMLE masses are not unique (the likelihood is flat in some direction) the survival at the
    interval ends still is; this returns one maximiser, deterministically.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial.survival import turnbull
    >>> df = pd.DataFrame({"left": [28, 28, 56, 0, 90], "right": [56, 56, 90, 28, float("inf")]})
    >>> turnbull(df, left="left", right="right")
       lower  upper  probability  survival
    0    0.0   28.0          0.2       0.8
    1   28.0   56.0          0.4       0.4
    2   56.0   90.0          0.2       0.2
    3   90.0    inf          0.2       0.0
    """
    lo, hi = _intervals(data, left, right)
    lower, upper, _, A = _innermost(lo, hi)
    p = _npmle(A)
    p = np.where(p < 1e-13, 0.0, p)
    p = p / p.sum()
    surv = 1.0 - np.cumsum(p)
    surv = np.where(np.abs(surv) < 1e-13, 0.0, surv)
    return pd.DataFrame({"lower": lower, "upper": upper, "probability": p, "survival": surv})


# --------------------------------------------------------------------------------------------
# intervals from measurements, and imputations
# --------------------------------------------------------------------------------------------


def interval_from_measurements(
    measurements: Any,
    parameter: str,
    *,
    threshold: float,
    direction: str = "above",
    after: float = 0.0,
) -> pd.DataFrame:
    """Interval (last negative, first positive assessment] of an event seen only at visits.

    Parameters
    ----------
    measurements : a Trial or its long ``measurements`` DataFrame (``subject, day, parameter,
        value``, optional bool ``blq``: below the limit of quantification).
    parameter : the parameter, e.g. ``"cd19_bcells"``.
    threshold : an assessment is positive when ``value >= threshold`` (``direction="above"``,
        e.g. B-cell reconstitution at >= 10 cells/uL) or ``value <= threshold`` (``"below"``).
        A ``blq`` value is below any threshold above the LLOQ: it counts as negative for
        ``"above"`` and positive for ``"below"``.
    direction : ``"above"`` or ``"below"``.
    after : only assessments on days > ``after`` count (default: post-infusion, day > 0).

    Returns
    -------
    DataFrame ``subject, left, right``, one row per subject with the parameter measured:
    ``left`` the last negative assessment day before the first positive one (``after`` if
    none), ``right`` the first positive day, or ``inf`` (right-censored at ``left``, the last
    assessment) if never positive. Ready for :func:`turnbull`, or :func:`impute_interval_times`.
    Subjects in a Trial without any assessment of the parameter after ``after`` are left out.

    Example
    -------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"subject": ["a"] * 4 + ["b"] * 3, "parameter": "cd19_bcells",
    ...                   "day": [0, 28, 56, 90, 0, 28, 56], "value": [80, 0, 4, 25, 60, 0, 1]})
    >>> interval_from_measurements(m, "cd19_bcells", threshold=10)
      subject  left  right
    0       a  56.0   90.0
    1       b  56.0    inf
    """
    from smalltrial._tte import _frames

    frame = _frames(measurements, "measurements", "measurements")
    _v.check_columns(frame, ["subject", "day", "parameter", "value"], "measurements")
    _v.check_column_name(parameter, "parameter")
    threshold = _v.check_number(threshold, "threshold")
    direction = _v.check_choice(direction, "direction", ("above", "below"))
    after = _v.check_number(after, "after")
    rows = frame.loc[frame["parameter"] == parameter]
    if rows.empty:
        present = sorted(map(str, pd.unique(frame["parameter"])))
        raise SmallTrialError(
            f"parameter={parameter!r} has no rows in measurements; parameters: {_v._show(present)}"
        )
    _v.check_numeric_column(rows, "day", name="measurements")
    _v.check_no_missing(rows, "day", name="measurements")
    day = pd.to_numeric(rows["day"]).astype(float)
    value = pd.to_numeric(rows["value"], errors="coerce").astype(float)
    text = value.isna() & rows["value"].notna()
    if text.any():
        raise SmallTrialError(
            f"column 'value' of measurements ({parameter}) must be numeric; got "
            f"{_v._show(rows.loc[text, 'value'].tolist())} ({_v.describe_rows(rows, text)})"
        )
    blq = rows["blq"].fillna(False).astype(bool) if "blq" in rows.columns else pd.Series(False, index=rows.index)
    missing = value.isna() & ~blq
    rows = rows.assign(_day=day, _value=value, _blq=blq).loc[(day > after) & ~missing]
    if direction == "above":
        pos = (rows["_value"] >= threshold) & ~rows["_blq"]
    else:
        pos = (rows["_value"] <= threshold) | rows["_blq"]
    rows = rows.assign(_pos=pos.to_numpy()).sort_values(["subject", "_day"], kind="mergesort")
    out = []
    for subject, g in rows.groupby("subject", sort=True):
        d = g["_day"].to_numpy()
        p = g["_pos"].to_numpy()
        if p.any():
            first = int(np.argmax(p))
            right_ = float(d[first])
            left_ = float(d[first - 1]) if first > 0 else float(after)
        else:
            left_, right_ = float(d[-1]), math.inf
        out.append({"subject": subject, "left": left_, "right": right_})
    return pd.DataFrame(out, columns=["subject", "left", "right"])


def impute_interval_times(data: pd.DataFrame, *, left: str, right: str,
                          method: str = "midpoint") -> pd.DataFrame:
    """Single imputation of interval-censored times, for Kaplan-Meier sensitivity analyses.

    Parameters
    ----------
    data : DataFrame with one row per subject (other columns are kept).
    left, right : columns as in :func:`turnbull` (right = inf: right-censored).
    method : ``"midpoint"`` ((left + right) / 2) or ``"right"`` (the first positive
        assessment, the usual convention of visit-based event dates).

    Returns ``data`` with columns ``time`` and ``event`` added: right-censored rows get
    ``time = left``, ``event = 0``; exact rows ``time = left``, ``event = 1``; intervals the
    imputed time and ``event = 1``. Imputation treats the times as known, so its confidence
    intervals are too narrow and right-point imputation is biased late (Law & Brookmeyer, Stat
    Med 1992;11:1569); compare with :func:`turnbull`.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"left": [28, 56, 90], "right": [56, 90, float("inf")]})
    >>> impute_interval_times(df, left="left", right="right")[["time", "event"]]
       time  event
    0  42.0      1
    1  73.0      1
    2  90.0      0
    """
    method = _v.check_choice(method, "method", IMPUTATIONS)
    lo, hi = _intervals(data, left, right)
    censored = ~np.isfinite(hi)
    imputed = (lo + hi) / 2 if method == "midpoint" else hi.copy()
    time = np.where(censored | (lo == hi), lo, imputed)
    out = _v.check_frame(data).copy()
    out["time"] = time
    out["event"] = (~censored).astype(np.int64)
    return out
