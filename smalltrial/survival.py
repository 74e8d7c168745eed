"""Time-to-event summaries for small trials, equal to R ``survival`` and ``cmprsk``.

Public functions
----------------
``kaplan_meier``          Kaplan-Meier estimate (Greenwood variance, survfit confidence intervals),
                          optionally by group (one :class:`KaplanMeier` per group)
``logrank_test``          log-rank test as ``survival::survdiff`` (+ exact permutation p-value)
``median_follow_up``      median follow-up by the reverse Kaplan-Meier method
``follow_up_summary``     median, range and total person-time of follow-up
``event_rate``            events per unit exposure with the exact Poisson (Garwood) interval
``cumulative_incidence``  Aalen-Johansen cumulative incidence with competing risks (``cmprsk::cuminc``)
``time_to_event``         time to first event of a kind, censored at last contact (from a Trial)
``b_cell_reconstitution`` time to the first post-infusion B-cell count >= threshold (from a Trial)

Conventions: times must be finite and >= 0; the event indicator is 0 (censored) / 1 (event).
"Not reached" / "not estimable" is NaN. The default confidence interval for survival is
``log-log`` (SAS LIFETEST, lifelines, Kalbfleisch-Prentice); R ``survfit``'s default is ``log``:
pass ``conf_type="log"`` to reproduce R's default output. Which one was used is recorded on
every result (``conf_type`` and ``method_description``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError
from smalltrial._results import Result

__all__ = [
    "CONF_TYPES",
    "KaplanMeier",
    "KaplanMeierGroups",
    "Quantile",
    "LogRankTest",
    "FollowUpSummary",
    "EventRate",
    "CumulativeIncidence",
    "kaplan_meier",
    "logrank_test",
    "median_follow_up",
    "follow_up_summary",
    "event_rate",
    "cumulative_incidence",
    "time_to_event",
    "b_cell_reconstitution",
    "relapse_free_time",
    "RMST",
    "RMSTGroups",
    "rmst",
    "turnbull",
    "turnbull_kkt",
    "interval_from_measurements",
    "impute_interval_times",
    "DISTRIBUTIONS",
    "ParametricFit",
    "parametric_fit",
    "CureFit",
    "cure_fit",
    "cure_loglik",
]

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


@dataclass(frozen=True, repr=False, eq=False)
class Quantile(Result):
    """A quantile of a survival curve (time by which a fraction ``p`` had the event).

    ``estimate``, ``lower``, ``upper`` are NaN where the curve (or its confidence limit) does
    not reach 1 - p ("not reached").
    """

    p: float
    estimate: float
    lower: float
    upper: float
    level: float = 0.95
    conf_type: str = "log-log"
    _nan_label = "NR"


@dataclass(frozen=True, repr=False, eq=False)
class KaplanMeier(Result):
    """Kaplan-Meier estimate of one sample, as R ``survfit(Surv(time, event) ~ 1)``.

    Attributes
    ----------
    n, events : number of subjects and of events.
    level, conf_type : confidence level and interval transform (``log-log``, ``log``, ``plain``).
    method_description : one sentence for a table footnote (method, variance, CI transform).
    table : DataFrame, one row per distinct time (events and censorings, like
        ``summary(fit, censored=TRUE)``): ``time, n_risk, n_event, n_censored, survival,
        std_error, lower, upper``. ``std_error`` is the standard error of S(t) (Greenwood),
        as ``summary.survfit`` prints it; ``std_error_cumhaz`` is survfit's internal
        ``std.err`` (SE of the cumulative hazard, the scale the CI is built on).

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [3, 5, 5, 8, 12, 15], "e": [1, 1, 0, 1, 0, 1]})
    >>> km = kaplan_meier(df, time="t", event="e")
    >>> km.at([6, 12]).round(4)  # R: summary(survfit(..., conf.type = "log-log"), times = c(6, 12))
       time  n_risk  survival  std_error   lower   upper
    0   6.0       3    0.6667     0.1925  0.1946  0.9044
    1  12.0       2    0.4444     0.2222  0.0662  0.7849
    >>> km.median  # R quantile(fit, 0.5): 8, lower 3, upper NA
    Quantile(p=0.5, estimate=8, lower=3, upper=NR, level=0.95, conf_type='log-log')
    """

    n: int
    events: int
    level: float
    conf_type: str
    method_description: str
    table: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()
    _hidden = ("table", "method_description", "warnings")
    _nan_label = "NR"

    # -- main accessors -----------------------------------------------------------------
    def quantile(self, p: float | Iterable[float]) -> Quantile | list[Quantile]:
        """Time by which a fraction ``p`` had the event, with R ``quantile.survfit`` rules.

        The estimate is the first time S(t) <= 1 - p; where S(t) equals 1 - p exactly (within
        ``sqrt(machine eps)``) over a flat stretch, the midpoint of that stretch (up to the last
        follow-up time if S stays there). The confidence limits are the same quantile of the
        lower and upper confidence curves (Brookmeyer-Crowley construction). NaN where not
        reached. A sequence of ``p`` gives a list.

        Parameters
        ----------
        p : the fraction with the event, in (0, 1), or a sequence of them.
        """
        if not _v._is_real(p):
            return [self.quantile(float(q)) for q in _v.check_numbers(p, "p", allow_empty=False)]
        q = _v.check_probability(p, "p")
        tab = self.table
        x = np.concatenate([[0.0], tab["time"].to_numpy(float)])

        def curve(col: str) -> np.ndarray:
            return np.concatenate([[0.0], 1.0 - tab[col].to_numpy(float)])

        return Quantile(
            p=q,
            estimate=_findq(x, curve("survival"), q),
            lower=_findq(x, curve("lower"), q),
            upper=_findq(x, curve("upper"), q),
            level=self.level,
            conf_type=self.conf_type,
        )

    @property
    def median(self) -> Quantile:
        """The median (``quantile(0.5)``); NaN estimate = not reached."""
        return self.quantile(0.5)  # type: ignore[return-value]

    def at(self, times: float | Iterable[float]) -> pd.DataFrame:
        """Survival at given times, as R ``summary(fit, times=...)``.

        Columns ``time, n_risk, survival, std_error, lower, upper``. ``n_risk`` is the number
        still under observation at t (time >= t). Before the first observed time: S = 1,
        std_error 0, lower = upper = 1 (as R). Between observed times the values of the last
        time <= t are carried forward. Past the last follow-up time (t > max time) R drops the
        row (``extend=FALSE``) or carries S forward (``extend=TRUE``); here the row is kept with
        ``n_risk = 0`` and NaN (not estimable), except when the curve has reached 0 (the last
        time was an event): then S = 0 and std_error 0 are carried forward, CI limits NaN.

        Parameters
        ----------
        times : a time or a sequence of times (finite).
        """
        t = _check_times(times)
        tab = self.table
        ft = tab["time"].to_numpy(float)
        raw = self._raw_times()
        pos = np.searchsorted(ft, t, side="right") - 1
        out = {
            "time": t,
            "n_risk": np.array([(raw >= ti).sum() for ti in t], dtype=np.int64),
        }
        for col in ("survival", "std_error", "lower", "upper"):
            vals = tab[col].to_numpy(float)
            res = np.where(pos >= 0, vals[np.clip(pos, 0, None)], 0.0 if col == "std_error" else 1.0)
            past = t > ft[-1]
            if col in ("survival", "std_error") and vals[-1] == 0.0:
                # the curve reached 0 with an event at the last time: it is known to stay 0
                # (R summary(extend=TRUE) gives the same); its CI is not estimable
                res = np.where(past, 0.0, res)
            else:
                res = np.where(past, np.nan, res)
            out[col] = res
        return pd.DataFrame(out)

    def _raw_times(self) -> np.ndarray:
        tab = self.table
        counts = (tab["n_event"] + tab["n_censored"]).to_numpy(np.int64)
        return np.repeat(tab["time"].to_numpy(float), counts)

    # -- presentation -------------------------------------------------------------------
    @property
    def summary(self) -> pd.DataFrame:
        """One row: n, events, median and its CI, level, conf_type."""
        return self.to_frame()

    def to_frame(self) -> pd.DataFrame:
        med = self.median
        return pd.DataFrame(
            {
                "n": [self.n],
                "events": [self.events],
                "median": [med.estimate],
                "lower": [med.lower],
                "upper": [med.upper],
                "level": [self.level],
                "conf_type": [self.conf_type],
            }
        )

    def to_ard(self, times: Iterable[float] | None = None) -> pd.DataFrame:
        """Analysis results data (:mod:`smalltrial.ard`): ``n``, ``events``, the median
        (``variable="median"``), every row of ``table`` (``variable="curve"``, level the time)
        and, with ``times``, the estimates at those times (``variable="landmark"``)."""
        from smalltrial.ard import ard_frame, table_rows

        med = self.median
        rows = [{"statistic": "n", "value": self.n}, {"statistic": "events", "value": self.events}]
        rows += [{"variable": "median", "statistic": s, "value": getattr(med, s)}
                 for s in ("estimate", "lower", "upper")]
        rows += table_rows(self.table, "curve", "time", ("n_risk", "n_event", "n_censored",
                                                          "survival", "std_error", "lower", "upper"))
        if times is not None:
            rows += table_rows(self.at(times), "landmark", "time",
                               ("n_risk", "survival", "std_error", "lower", "upper"))
        return ard_frame(rows, method=self.conf_type, level=self.level)

    def _html_rows(self) -> list[tuple[str, str]]:
        med = self.median

        def f(x: float) -> str:
            return "NR" if math.isnan(x) else f"{x:.4g}"

        return [("n", str(self.n)), ("events", str(self.events)),
                ("median", f"{f(med.estimate)} ({self.level:.0%} CI {f(med.lower)} to "
                           f"{f(med.upper)})"),
                ("conf_type", self.conf_type)]

    def __repr__(self) -> str:
        med = self.median

        def f(x: float) -> str:
            return "NR" if math.isnan(x) else f"{x:.4g}"

        return (
            f"KaplanMeier(n={self.n}, events={self.events}, median={f(med.estimate)} "
            f"({self.level:.0%} CI {f(med.lower)} to {f(med.upper)}), conf_type={self.conf_type!r})"
        )


def _km_from_arrays(t: np.ndarray, e: np.ndarray, level: float, conf_type: str) -> KaplanMeier:
    ut, inv = np.unique(t, return_inverse=True)
    n_event = np.bincount(inv, weights=e, minlength=ut.size).astype(np.int64)
    n_total = np.bincount(inv, minlength=ut.size).astype(np.int64)
    n_cens = n_total - n_event
    n_risk = (n_total[::-1].cumsum()[::-1]).astype(np.int64)
    d = n_event.astype(float)
    r = n_risk.astype(float)
    surv = np.cumprod(1.0 - d / r)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(d > 0, d / (r * (r - d)), 0.0)
        se_log = np.sqrt(np.cumsum(term))
        se_surv = se_log * surv  # 0 * inf -> NaN where S = 0, as summary.survfit
    lower, upper = _survfit_ci(surv, se_log, conf_type, level)
    table = pd.DataFrame(
        {
            "time": ut,
            "n_risk": n_risk,
            "n_event": n_event,
            "n_censored": n_cens,
            "survival": surv,
            "std_error": se_surv,
            "lower": lower,
            "upper": upper,
            "std_error_cumhaz": se_log,
        }
    )
    desc = (
        f"Kaplan-Meier estimate; Greenwood variance; {level:.0%} CI with the "
        f"{_CONF_DESCRIPTION[conf_type]}"
    )
    return KaplanMeier(
        n=int(t.size),
        events=int(e.sum()),
        level=level,
        conf_type=conf_type,
        method_description=desc,
        table=table,
    )


@dataclass(frozen=True, repr=False, eq=False)
class KaplanMeierGroups(Result):
    """Kaplan-Meier estimates by group: ``estimates[label]`` is a :class:`KaplanMeier`.

    ``table`` and ``at(times)`` stack the per-group frames with the group column first;
    ``to_frame()``/``summary`` give one row per group (n, events, median and CI). Each group
    is estimated separately, as R ``survfit(Surv(time, event) ~ group)``.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [3, 5, 5, 8, 12, 15, 4, 6, 9, 10],
    ...                    "e": [1, 1, 0, 1, 0, 1, 1, 0, 1, 1], "g": ["A"] * 6 + ["B"] * 4})
    >>> fits = kaplan_meier(df, time="t", event="e", group="g")
    >>> fits.quantile(0.5)  # R quantile(survfit(Surv(t, e) ~ g, conf.type = "log-log"), 0.5)
       g    p  estimate  lower  upper
    0  A  0.5       8.0    3.0    NaN
    1  B  0.5       9.0    4.0    NaN
    >>> fits.at(6)["survival"].round(4).tolist()
    [0.6667, 0.75]
    """

    group: str
    estimates: Mapping[Any, KaplanMeier]
    level: float
    conf_type: str
    method_description: str
    _hidden = ("estimates", "method_description")

    def __getitem__(self, label: Any) -> KaplanMeier:
        return self.estimates[label]

    def __iter__(self):
        return iter(self.estimates.items())

    def __len__(self) -> int:
        return len(self.estimates)

    def _stack(self, frames: dict) -> pd.DataFrame:
        parts = [f.assign(**{self.group: label}) for label, f in frames.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[[self.group, *[c for c in out.columns if c != self.group]]]

    @property
    def table(self) -> pd.DataFrame:
        """The groups' :attr:`KaplanMeier.table` stacked, the group column first."""
        return self._stack({k: km.table for k, km in self.estimates.items()})

    def at(self, times: float | Iterable[float]) -> pd.DataFrame:
        """Survival of every group at ``times`` (see :meth:`KaplanMeier.at`), stacked.

        Parameters
        ----------
        times : a time or a sequence of times (finite).
        """
        return self._stack({k: km.at(times) for k, km in self.estimates.items()})

    def quantile(self, p: float) -> pd.DataFrame:
        """One row per group: ``p, estimate, lower, upper`` (see :meth:`KaplanMeier.quantile`).

        Parameters
        ----------
        p : the fraction with the event, in (0, 1) (0.5: the median).
        """
        p = _v.check_probability(p, "p")
        rows = []
        for k, km in self.estimates.items():
            q = km.quantile(p)
            rows.append({self.group: k, "p": q.p, "estimate": q.estimate, "lower": q.lower,
                         "upper": q.upper})
        return pd.DataFrame(rows)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per group: n, events, median and its CI (as :meth:`to_frame`)."""
        return self.to_frame()

    def to_frame(self) -> pd.DataFrame:
        """One row per group: n, events, median and its CI, level, conf_type."""
        return self._stack({k: km.to_frame() for k, km in self.estimates.items()})

    def __repr__(self) -> str:
        inner = "; ".join(f"{k!s}: {km!r}" for k, km in self.estimates.items())
        return f"KaplanMeierGroups(group={self.group!r}, {inner})"


def kaplan_meier(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    level: float = 0.95,
    conf_type: str = "log-log",
    group: str | None = None,
) -> KaplanMeier | KaplanMeierGroups:
    """Kaplan-Meier survival estimate with Greenwood variance, as R ``survival::survfit``.

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    time : column of follow-up times (finite, >= 0; any unit, e.g. days since infusion).
    event : column of 0 (censored) / 1 (event) (bool accepted).
    level : confidence level in (0, 1).
    conf_type : ``"log-log"`` (default), ``"log"`` or ``"plain"``, with the exact formulas of
        ``survfit(conf.type=)``. NOTE: R's default is ``"log"``; ours is ``"log-log"`` (as SAS
        LIFETEST and lifelines). Log-log limits are NaN where S = 1 or S = 0 (R: NA); log limits
        are NaN where S = 0; plain limits are clipped to [0, 1].
    group : optional column; then one estimate per group is returned as
        :class:`KaplanMeierGroups` (groups in sorted order).

    Method: product-limit estimator; at tied times all events are counted before censorings
    (censored subjects are in the risk set at their censoring time). Times that differ by
    less than sqrt(machine eps) are treated as tied, as survfit's ``timefix=TRUE``. Variance of log S by
    Greenwood's formula sum d/(n(n-d)) (survfit's ``std.err``); ``table.std_error`` is the SE
    of S (``summary.survfit``). Quantiles follow ``quantile.survfit`` (Brookmeyer & Crowley
    1982 interval). Kaplan & Meier, JASA 1958;53:457.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial.survival import kaplan_meier
    >>> df = pd.DataFrame({"day": [84, 98, 112, 112, 140], "event": [1, 1, 1, 0, 1]})
    >>> km = kaplan_meier(df, time="day", event="event")
    >>> km.median.estimate
    112.0
    """
    level = _v.check_level(level)
    conf_type = _check_conf_type(conf_type)
    _v.check_column_name(group, "group", optional=True)
    if group is not None:
        data = _v.check_frame(data)
        _v.check_columns(data, [group])
        _v.check_no_missing(data, group)
        _v.check_label_column(data, group)
        t_all, e_all = _time_event(data, time, event)  # timefix over all data, as survfit
        glab = data[group].to_numpy()
        labels = sorted(pd.unique(glab), key=lambda x: (str(type(x)), x))
        estimates = {
            lab: _km_from_arrays(t_all[glab == lab], e_all[glab == lab], level, conf_type)
            for lab in labels
        }
        first = next(iter(estimates.values()))
        return KaplanMeierGroups(
            group=group,
            estimates=estimates,
            level=level,
            conf_type=conf_type,
            method_description=first.method_description,  # type: ignore[union-attr]
        )
    t, e = _time_event(data, time, event)
    return _km_from_arrays(t, e, level, conf_type)


# --------------------------------------------------------------------------------------------
# log-rank test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class LogRankTest(Result):
    """Log-rank test between groups (R ``survdiff``, rho = 0).

    ``groups``: DataFrame ``group, n, observed, expected``. ``exact_pvalue`` is the permutation
    p-value (NaN unless requested); ``permutation`` says how it was computed
    (``"enumeration"`` of all relabellings, or ``"monte-carlo"`` with ``n_permutations`` and
    ``seed``).
    """

    statistic: float
    df: int
    pvalue: float
    exact_pvalue: float = math.nan
    permutation: str = "none"
    n_permutations: int = 0
    seed: int | None = None
    groups: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    _hidden = ("groups",)


def _logrank_parts(t: np.ndarray, e: np.ndarray, g: np.ndarray, k: int):
    """Observed, expected and hypergeometric variance (k x k), summed over distinct times."""
    ut, inv = np.unique(t, return_inverse=True)
    T = ut.size
    onehot = np.zeros((t.size, k))
    onehot[np.arange(t.size), g] = 1.0
    return _logrank_batch(onehot[None, :, :], inv, e, T)


def _logrank_batch(onehot: np.ndarray, inv: np.ndarray, e: np.ndarray, T: int):
    """Vectorised survdiff pieces for P labellings: onehot (P, n, k) -> O (P,k), E, V (P,k,k)."""
    n = inv.size
    D = np.zeros((n, T))
    D[np.arange(n), inv] = e
    A = np.zeros((n, T))  # subject at time slot
    A[np.arange(n), inv] = 1.0
    R = np.cumsum(A[:, ::-1], axis=1)[:, ::-1]  # at risk: time_i >= u_j
    d_gt = np.einsum("pnk,nt->pkt", onehot, D)
    r_gt = np.einsum("pnk,nt->pkt", onehot, R)
    d_t = D.sum(axis=0)
    r_t = R.sum(axis=0)
    frac = r_gt / r_t  # (P,k,T)
    obs = d_gt.sum(axis=2)
    E = (frac * d_t).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(r_t > 1, d_t * (r_t - d_t) / (r_t - 1), 0.0)
    # V_gh = sum_t w_t (delta_gh frac_g - frac_g frac_h)
    V = -np.einsum("pgt,pht,t->pgh", frac, frac, w)
    diag = np.einsum("pgt,t->pg", frac, w)
    idx = np.arange(frac.shape[1])
    V[:, idx, idx] += diag
    return obs, E, V


def _chisq(obs: np.ndarray, E: np.ndarray, V: np.ndarray) -> np.ndarray:
    """survdiff's statistic for each labelling (groups with E = 0 dropped, first kept dropped)."""
    P, k = obs.shape
    out = np.zeros(P)
    keep_all = (E > 0).all(axis=1)
    if k >= 2 and keep_all.any():
        rows = np.flatnonzero(keep_all)
        diff = (obs - E)[rows, 1:]
        vv = V[rows][:, 1:, 1:]
        sol = _solve_batch(vv, diff)
        out[rows] = (sol * diff).sum(axis=1)
    for p in np.flatnonzero(~keep_all):
        sel = E[p] > 0
        if sel.sum() < 2:
            out[p] = 0.0
            continue
        diff = (obs[p] - E[p])[sel][1:]
        vv = V[p][np.ix_(sel, sel)][1:, 1:]
        out[p] = float(np.linalg.solve(vv, diff) @ diff)
    return out


def _solve_batch(vv: np.ndarray, diff: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(vv, diff[..., None])[..., 0]
    except np.linalg.LinAlgError:
        res = np.full(diff.shape, np.nan)
        for i in range(vv.shape[0]):
            try:
                res[i] = np.linalg.solve(vv[i], diff[i])
            except np.linalg.LinAlgError:
                res[i] = np.linalg.lstsq(vv[i], diff[i], rcond=None)[0]
        return res


def _labellings(g: np.ndarray, k: int):
    """All distinct assignments of the observed group sizes to n subjects (as label arrays)."""
    n = g.size
    sizes = np.bincount(g, minlength=k)

    def rec(avail: tuple[int, ...], level: int):
        if level == k - 1:
            yield {level: avail}
            return
        for comb in itertools.combinations(avail, int(sizes[level])):
            rest = tuple(i for i in avail if i not in set(comb))
            for tail in rec(rest, level + 1):
                tail = dict(tail)
                tail[level] = comb
                yield tail

    for assign in rec(tuple(range(n)), 0):
        lab = np.empty(n, dtype=np.int64)
        for lev, members in assign.items():
            lab[list(members)] = lev
        yield lab


def _n_labellings(g: np.ndarray, k: int) -> int:
    sizes = np.bincount(g, minlength=k)
    total = math.factorial(int(g.size))
    for s in sizes:
        total //= math.factorial(int(s))
    return total


def logrank_test(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    exact: bool = False,
    max_enumerate: int = 200_000,
    n_permutations: int = 9_999,
    seed: int = 0,
) -> LogRankTest:
    """Log-rank test of equal survival between groups, as R ``survival::survdiff``.

    Parameters
    ----------
    data, time, event : as :func:`kaplan_meier`.
    group : column with the group labels (>= 2 distinct values).
    exact : also compute a permutation p-value: the proportion of relabellings (group sizes
        kept) whose log-rank statistic is >= the observed one (relative tolerance 1e-9).
        All relabellings are enumerated when there are at most ``max_enumerate`` of them
        (exact); otherwise ``n_permutations`` random relabellings from
        ``numpy.random.default_rng(seed)`` give the Monte-Carlo estimate (b + 1)/(B + 1).

    Method: survdiff's chi-square (O - E)' V^- (O - E) with the hypergeometric variance,
    df = number of groups with expected > 0 minus 1 (Mantel 1966; Peto & Peto 1972). R
    ``coin::logrank_test`` uses a different (score) statistic; the enumeration here is of
    survdiff's chi-square.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial.survival import logrank_test
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 1, 0, 1],
    ...                    "arm": ["a", "a", "a", "b", "b", "b"]})
    >>> round(logrank_test(df, time="t", event="e", group="arm").pvalue, 4)
    0.0246
    """
    exact = _v.check_flag(exact, "exact")
    max_enumerate = _v.check_count(max_enumerate, "max_enumerate")
    n_permutations = _v.check_count(n_permutations, "n_permutations", minimum=1)
    seed = _v.check_seed(seed)
    _v.check_column_name(group, "group")
    t, e = _time_event(data, time, event)
    _v.check_columns(data, [group])
    _v.check_no_missing(data, group)
    _v.check_label_column(data, group)
    labels_raw = data[group].to_numpy()
    levels = sorted(pd.unique(labels_raw), key=lambda x: (str(type(x)), x))
    if len(levels) < 2:
        raise SmallTrialError(
            f"column {group!r} must have at least 2 groups for a log-rank test; got {levels!r}"
        )
    k = len(levels)
    code = {lab: i for i, lab in enumerate(levels)}
    g = np.array([code[x] for x in labels_raw], dtype=np.int64)
    obs, E, V = _logrank_parts(t, e, g, k)
    chi = float(_chisq(obs, E, V)[0])
    df = int((E[0] > 0).sum()) - 1
    pvalue = float(special.chdtrc(df, chi)) if df > 0 else math.nan
    groups = pd.DataFrame(
        {
            "group": levels,
            "n": np.bincount(g, minlength=k),
            "observed": obs[0],
            "expected": E[0],
        }
    )
    exact_p, how, nperm, used_seed = math.nan, "none", 0, None
    if exact:
        ut, inv = np.unique(t, return_inverse=True)
        total = _n_labellings(g, k)
        threshold = chi * (1.0 - 1e-9) - 1e-12
        if total <= max_enumerate:
            how, nperm = "enumeration", total
            count = 0
            for chunk in _batched(_labellings(g, k), 20_000):
                labs = np.array(chunk)
                count += int((_perm_chisq(labs, inv, e, ut.size, k) >= threshold).sum())
            exact_p = count / total
        else:
            nperm = n_permutations
            how, used_seed = "monte-carlo", seed
            rng = np.random.default_rng(seed)
            count = 0
            done = 0
            while done < nperm:
                m = min(20_000, nperm - done)
                labs = np.array([rng.permutation(g) for _ in range(m)])
                count += int((_perm_chisq(labs, inv, e, ut.size, k) >= threshold).sum())
                done += m
            exact_p = (count + 1) / (nperm + 1)
    return LogRankTest(
        statistic=chi,
        df=df,
        pvalue=pvalue,
        exact_pvalue=exact_p,
        permutation=how,
        n_permutations=nperm,
        seed=used_seed,
        groups=groups,
    )


def _batched(it, size: int):
    buf = []
    for x in it:
        buf.append(x)
        if len(buf) == size:
            yield buf
            buf = []
    if buf:
        yield buf


def _perm_chisq(labs: np.ndarray, inv: np.ndarray, e: np.ndarray, T: int, k: int) -> np.ndarray:
    P, n = labs.shape
    onehot = np.zeros((P, n, k))
    onehot[np.arange(P)[:, None], np.arange(n)[None, :], labs] = 1.0
    obs, E, V = _logrank_batch(onehot, inv, e, T)
    return _chisq(obs, E, V)


# --------------------------------------------------------------------------------------------
# follow-up
# --------------------------------------------------------------------------------------------


def median_follow_up(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    level: float = 0.95,
    conf_type: str = "log-log",
) -> Quantile:
    """Median follow-up by the reverse Kaplan-Meier method (Schemper & Smith 1996).

    Events and censorings are swapped (a censoring is the "event" of being lost to
    follow-up; an event ends observation), then the median of that curve is taken with the
    ``quantile.survfit`` rules: R ``quantile(survfit(Surv(time, 1 - event) ~ 1,
    conf.type=...), 0.5)``. Defaults to the log-log interval (R's default is log).

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    time : column of follow-up times (finite, >= 0).
    event : column of 0 (censored) / 1 (event) of the endpoint (bool accepted).
    level, conf_type : as in :func:`kaplan_meier`.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"months": [5, 8, 8, 12, 17], "relapse": [0, 0, 0, 0, 0]})
    >>> median_follow_up(df, time="months", event="relapse").estimate
    8.0
    """
    level = _v.check_level(level)
    conf_type = _check_conf_type(conf_type)
    t, e = _time_event(data, time, event)
    km = _km_from_arrays(t, 1 - e, level, conf_type)
    return km.median


@dataclass(frozen=True, repr=False, eq=False)
class FollowUpSummary(Result):
    """Observed follow-up: ``median``/``minimum``/``maximum`` of the follow-up times (all
    subjects, in the unit of ``time``), ``total_time`` and ``person_years``; and the reverse
    Kaplan-Meier median (``median_reverse_km``) when the event column was given."""

    n: int
    median: float
    minimum: float
    maximum: float
    total_time: float
    person_years: float
    time_unit: str
    median_reverse_km: float = math.nan


_PER_YEAR = {"day": 365.25, "week": 365.25 / 7.0, "month": 12.0, "year": 1.0}


def follow_up_summary(
    data: pd.DataFrame,
    *,
    time: str,
    event: str | None = None,
    time_unit: str = "day",
) -> FollowUpSummary:
    """Median, range and total of the observed follow-up times, as plain numbers.

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    time : column of follow-up times (finite, >= 0).
    event : optional column of 0/1 event codes; with it the reverse Kaplan-Meier median
        (Schemper & Smith 1996, see :func:`median_follow_up`) is added.
    time_unit : ``day``, ``week``, ``month`` or ``year``: converts the total to person-years,
        one year = 365.25 days = 12 months (a month is 30.4375 days).

    The median, minimum and maximum are of the observed times (``numpy.median``, as R
    ``median``), whatever the events.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"day": [152, 243, 243, 365, 517]})
    >>> follow_up_summary(df, time="day").person_years  # 1520 / 365.25
    4.161533196440794
    """
    unit = _v.check_choice(time_unit, "time_unit", tuple(_PER_YEAR))
    _v.check_column_name(time, "time")
    _v.check_column_name(event, "event", optional=True)
    if event is None:
        data = _v.check_frame(data)
        _v.check_columns(data, [time])
        tt = _v.check_numeric_column(data, time)
        _v.check_no_missing(data, time)
        _v.check_nonnegative_column(data.assign(**{time: tt}), time)
        t = tt.to_numpy(float)
        rkm = math.nan
    else:
        t, _ = _time_event(data, time, event, timefix=False)
        rkm = median_follow_up(data, time=time, event=event).estimate
    total = float(t.sum())
    return FollowUpSummary(
        n=int(t.size),
        median=float(np.median(t)),
        minimum=float(t.min()),
        maximum=float(t.max()),
        total_time=total,
        person_years=total / _PER_YEAR[unit],
        time_unit=unit,
        median_reverse_km=rkm,
    )


# --------------------------------------------------------------------------------------------
# Poisson event rate
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class EventRate(Result):
    """Events per ``per`` units of exposure with an exact Poisson confidence interval."""

    events: int
    exposure: float
    rate: float
    lower: float
    upper: float
    level: float = 0.95
    per: float = 1.0
    alternative: str = "two-sided"
    method: str = "exact Poisson (Garwood)"


def event_rate(
    events: int,
    exposure: float,
    *,
    level: float = 0.95,
    per: float = 1.0,
    alternative: str = "two-sided",
) -> EventRate:
    """Event rate with the exact Poisson (Garwood 1936) interval, equal to R ``poisson.test``.

    Parameters
    ----------
    events : number of events (whole number >= 0).
    exposure : total exposure, e.g. patient-years (> 0).
    level : confidence level.
    per : report per this much exposure (``per=100`` gives per 100 patient-years).
    alternative : ``"two-sided"`` (equal tails, lower = chi2(a/2; 2x)/2, upper =
        chi2(1 - a/2; 2x + 2)/2), ``"less"`` (one-sided upper bound at ``level``, lower = 0) or
        ``"greater"`` (one-sided lower bound, upper = inf).

    With 0 events the lower limit is 0. Note: DOMAIN.md's "0 relapses in 10.3 patient-years:
    rate <= 0.36" is the two-sided 95 % upper limit (qgamma(0.975, 1)/10.3 = 0.358); the
    one-sided 95 % bound (``alternative="less"``) is -log(0.05)/10.3 = 0.291.

    Example
    -------
    >>> round(event_rate(0, 10.3).upper, 4)
    0.3581
    """
    x = _v.check_count(events, "events")
    expo = _v.check_positive(exposure, "exposure")
    level = _v.check_level(level)
    per = _v.check_positive(per, "per")
    alternative = _v.check_choice(alternative, "alternative", ("two-sided", "less", "greater"))
    a = 1.0 - level
    if alternative == "two-sided":
        lo = 0.0 if x == 0 else special.gammaincinv(x, a / 2)
        hi = special.gammaincinv(x + 1, 1 - a / 2)
    elif alternative == "less":
        lo, hi = 0.0, special.gammaincinv(x + 1, level)
    else:
        lo = 0.0 if x == 0 else special.gammaincinv(x, a)
        hi = math.inf
    scale = per / expo
    return EventRate(
        events=x,
        exposure=expo,
        rate=x * scale,
        lower=float(lo) * scale,
        upper=float(hi) * scale,
        level=level,
        per=per,
        alternative=alternative,
    )


# --------------------------------------------------------------------------------------------
# cumulative incidence (competing risks)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class CumulativeIncidence(Result):
    """Aalen-Johansen cumulative incidence of ``cause`` with competing events.

    ``table``: one row per distinct observed time with ``time, n_risk, n_event (cause),
    n_competing, n_censored, estimate, std_error, lower, upper``. ``std_error`` is the square
    root of ``cmprsk::cuminc``'s variance, which (like cuminc) changes only at event times
    of the cause of interest.
    """

    cause: Any
    n: int
    events: int
    competing: int
    level: float
    conf_type: str
    method_description: str
    table: pd.DataFrame = field(repr=False)
    _hidden = ("table", "method_description")

    def at(self, times: float | Iterable[float]) -> pd.DataFrame:
        """Estimates at given times, as ``cmprsk::timepoints``: the value at the last time <= t;
        0 between time 0 and the first event; NaN for t < 0 and past the last follow-up time.

        Parameters
        ----------
        times : a time or a sequence of times (finite).

        Returns columns ``time, estimate, std_error, lower, upper``.
        """
        t = _check_times(times)
        tab = self.table
        ft = tab["time"].to_numpy(float)
        pos = np.searchsorted(ft, t, side="right") - 1
        out = {"time": t}
        for col in ("estimate", "std_error", "lower", "upper"):
            vals = tab[col].to_numpy(float)
            res = np.where(pos >= 0, vals[np.clip(pos, 0, None)], 0.0)
            res = np.where((t < 0) | (t > ft[-1]), np.nan, res)
            out[col] = res
        return pd.DataFrame(out)

    def to_frame(self) -> pd.DataFrame:
        return self.table[["time", "estimate", "std_error", "lower", "upper"]].copy()


def _cif_ci(est: np.ndarray, var: np.ndarray, level: float, conf_type: str = "log-log"):
    """log(-log) interval est^exp(+-z*sd/(est*log(est))) (Choudhury 2002; Pintilie 2006),
    or the plain est +- z*sd clipped to [0, 1]."""
    z = special.ndtri(1.0 - (1.0 - level) / 2.0)
    sd = np.sqrt(var)
    if conf_type == "plain":
        return np.maximum(est - z * sd, 0.0), np.minimum(est + z * sd, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = z * sd / (est * np.log(est))
        lower = est ** np.exp(-a)
        upper = est ** np.exp(a)
    zero = est == 0
    lower = np.where(zero, 0.0, lower)
    upper = np.where(zero, 0.0, upper)
    one = est >= 1
    lower = np.where(one, np.nan, lower)
    upper = np.where(one, np.nan, upper)
    return lower, upper


def _event_codes(data: pd.DataFrame, event: str) -> tuple[pd.Series, bool]:
    """Competing-risk event codes: whole numbers >= 0, or labels with "0"/0 = censored.

    Returns the codes (int64 for numbers, str for labels; "0" becomes 0) and whether they are
    numeric. Booleans, fractions, infinities and a mix of numbers and text are rejected.
    """
    col = _v.column_values(data, event)
    if pd.api.types.is_bool_dtype(col) or col.map(lambda v: isinstance(v, (bool, np.bool_))).any():
        raise SmallTrialError(f"column {event!r} must hold event codes (0 = censored), got booleans")
    is_num = col.map(_v._is_real)
    if is_num.all():
        num = col.astype(float)
        bad = ~np.isfinite(num) | (num != np.floor(num)) | (num < 0)
        if bad.any():
            raise SmallTrialError(
                f"column {event!r} must hold whole-number codes >= 0 (0 = censored); got "
                f"{list(dict.fromkeys(num[bad].tolist()))[:5]} ({_v.describe_rows(data, bad)})"
            )
        return num.astype(np.int64), True
    is_text = col.map(lambda v: isinstance(v, str))
    if is_text.all():
        empty = col.str.strip() == ""
        if empty.any():
            raise SmallTrialError(f"column {event!r} has empty event codes "
                                  f"({_v.describe_rows(data, empty)})")
        return col.map(lambda v: 0 if v == "0" else v), False
    bad = ~(is_num | is_text)
    if not bad.any():
        raise SmallTrialError(
            f"column {event!r} mixes numbers and labels; event codes must be all whole numbers "
            f"(0 = censored) or all labels ('0' = censored)"
        )
    shown = list(dict.fromkeys(map(repr, col[bad].tolist())))[:5]
    raise SmallTrialError(
        f"column {event!r} must hold event codes (whole numbers or labels); got "
        f"{', '.join(shown)} ({_v.describe_rows(data, bad)})"
    )


def _cause_code(value: Any, name: str, numeric: bool) -> Any:
    """A cause code of the same kind as the event column's codes."""
    if numeric:
        if isinstance(value, str):
            raise SmallTrialError(f"{name} must be a whole-number code like the event column's, "
                                  f"got {value!r}")
        return _v.check_count(value, name)
    if isinstance(value, str) and value:
        return 0 if value == "0" else value
    if _v._is_real(value) and float(value) == 0:
        return 0
    raise SmallTrialError(f"{name} must be an event code (a label, as in the event column), "
                          f"got {value!r}")


def cumulative_incidence(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    cause: Any = 1,
    level: float = 0.95,
    causes: Iterable[Any] | None = None,
    conf_type: str = "log-log",
) -> CumulativeIncidence:
    """Cumulative incidence of one cause with competing events (Aalen-Johansen), as cmprsk.

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    time : follow-up time column (finite, >= 0).
    event : event code column: 0 = censored, any other code = a cause; all whole numbers, or
        all labels (strings, ``"0"`` = censored). Booleans, fractions and mixtures are an error.
    cause : the code of the event of interest, of the same kind as the codes. It must occur in
        ``event`` unless declared in ``causes`` (then a cause without events has estimate 0
        throughout), so a misspelt cause is an error, not a curve of zeros.
    level : confidence level.
    causes : optional declared list of cause codes; codes outside ``{0} | causes`` are an error.
    conf_type : ``"log-log"`` (default, see below) or ``"plain"`` (est +- z*SE, clipped to [0, 1]).

    Method: F(t) = sum over event times s <= t of S(s-) d_cause(s)/n(s), with S the all-cause
    Kaplan-Meier; all events at a tied time are processed together (deterministic; lifelines'
    AalenJohansenFitter instead jitters ties). Variance: the one computed by
    ``cmprsk::cuminc`` (Gray's Fortran ``cinc``: an Aalen-type variance with a tie correction
    (1 - (d - 1)/(n - 1)), reported as a step function that changes only at times of the cause
    of interest). Confidence interval: cmprsk gives none; we use the log(-log) transform
    est^exp(+-z*SE/(est*log(est))) (Choudhury 2002, as in Pintilie 2006 and tidycmprsk),
    with lower = upper = 0 where est = 0 and NaN where est = 1.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [2, 3, 3, 3, 5], "ev": [1, 2, 1, 0, 1]})
    >>> ci = cumulative_incidence(df, time="t", event="ev", cause=1)
    >>> float(ci.at([3]).estimate.iloc[0])
    0.4
    """
    level = _v.check_level(level)
    conf_type = _v.check_choice(conf_type, "conf_type", ("log-log", "plain"))
    _v.check_column_name(time, "time")
    _v.check_column_name(event, "event")
    data = _v.check_frame(data)
    _v.check_columns(data, [time, event])
    tt = _v.check_numeric_column(data, time)
    _v.check_no_missing(data, time)
    _v.check_nonnegative_column(data.assign(**{time: tt}), time)
    _v.check_no_missing(data, event)
    codes, numeric = _event_codes(data, event)
    cause = _cause_code(cause, "cause", numeric)
    if cause == 0:
        raise SmallTrialError("cause must not be 0: 0 is the censoring code")
    censored = (codes == 0).to_numpy()
    present = list(dict.fromkeys(codes[~censored].tolist()))
    if causes is not None:
        declared = [_cause_code(c, "causes", numeric) for c in _v.check_sequence(causes, "causes")]
        if len(set(declared)) != len(declared) or 0 in declared:
            raise SmallTrialError(f"causes must be distinct codes other than 0, got {causes!r}")
        if cause not in declared:
            raise SmallTrialError(f"cause {cause!r} is not among the declared causes {declared!r}")
        bad = ~(codes.isin(declared) | censored)
        if bad.any():
            raise SmallTrialError(
                f"column {event!r} has codes outside 0 (censored) and the declared causes "
                f"{declared!r}: {list(dict.fromkeys(codes[bad].tolist()))[:5]} "
                f"({_v.describe_rows(data, bad)})"
            )
    elif cause not in present:
        raise SmallTrialError(
            f"cause {cause!r} does not occur in column {event!r} (codes present: "
            f"{', '.join(map(repr, present[:8])) or 'none'}); declare the causes "
            f"(causes=[...]) to estimate a cause without events"
        )
    t = tt.to_numpy(float)
    is_cause = (codes == cause).to_numpy() & ~censored
    is_other = ~censored & ~is_cause

    ut, inv = np.unique(t, return_inverse=True)
    n_total = np.bincount(inv, minlength=ut.size)
    d1 = np.bincount(inv, weights=is_cause.astype(float), minlength=ut.size)
    d2 = np.bincount(inv, weights=is_other.astype(float), minlength=ut.size)
    n_risk = n_total[::-1].cumsum()[::-1]
    est = np.zeros(ut.size)
    var = np.zeros(ut.size)
    fk, f, v1, v2, v3, vcur = 1.0, 0.0, 0.0, 0.0, 0.0, 0.0
    for j in range(ut.size):
        rs, nd1, nd2 = float(n_risk[j]), float(d1[j]), float(d2[j])
        nd = nd1 + nd2
        if nd > 0:
            fkn = fk * (rs - nd) / rs
            if nd1 > 0:
                f = f + fk * nd1 / rs
            if nd2 > 0 and fkn > 0:
                tie = 1.0 - (nd2 - 1.0) / (rs - 1.0) if nd2 > 1 else 1.0
                w = fk * fk * tie * nd2 / (rs * rs)
                a, b = 1.0 / fkn, f / fkn
                v1 += b * b * w
                v2 += a * b * w
                v3 += a * a * w
            if nd1 > 0:
                tie = 1.0 - (nd1 - 1.0) / (rs - 1.0) if nd1 > 1 else 1.0
                w = fk * fk * tie * nd1 / (rs * rs)
                a = 1.0 / fkn if fkn > 0 else 0.0
                b = 1.0 + a * f
                v1 += b * b * w
                v2 += a * b * w
                v3 += a * a * w
                vcur = v1 + f * f * v3 - 2.0 * f * v2
            fk = fkn
        est[j] = f
        var[j] = vcur
    lower, upper = _cif_ci(est, var, level, conf_type)
    table = pd.DataFrame(
        {
            "time": ut,
            "n_risk": n_risk.astype(np.int64),
            "n_event": d1.astype(np.int64),
            "n_competing": d2.astype(np.int64),
            "n_censored": (n_total - d1 - d2).astype(np.int64),
            "estimate": est,
            "std_error": np.sqrt(var),
            "lower": lower,
            "upper": upper,
        }
    )
    desc = (
        f"Aalen-Johansen cumulative incidence of cause {cause!r} with competing events; "
        f"variance as cmprsk::cuminc (Gray); {level:.0%} CI "
        + ("on the log(-log) scale" if conf_type == "log-log" else "est +/- z*SE, clipped to [0, 1]")
    )
    return CumulativeIncidence(
        cause=cause,
        n=int(t.size),
        events=int(is_cause.sum()),
        competing=int(is_other.sum()),
        level=level,
        conf_type=conf_type,
        method_description=desc,
        table=table,
    )


# --------------------------------------------------------------------------------------------
# derivations from a Trial (or plain DataFrames)
# --------------------------------------------------------------------------------------------


# the derivations live in smalltrial/_tte.py (owned by the data model); re-exported here
from smalltrial._tte import _frames, _last_contact, b_cell_reconstitution, relapse_free_time, time_to_event  # noqa: E402,F401,I001
from smalltrial._rmst import RMST, RMSTGroups, rmst  # noqa: E402,F401,I001
from smalltrial._turnbull import impute_interval_times, interval_from_measurements, turnbull, turnbull_kkt  # noqa: E402,F401,I001
from smalltrial._parametric import DISTRIBUTIONS, CureFit, ParametricFit, cure_fit, cure_loglik, parametric_fit  # noqa: E402,F401,I001
