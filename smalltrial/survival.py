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

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from smalltrial import _validate as _v
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

from smalltrial._survbase import (  # noqa: F401  (shared with _logrank, _cif)
    _CONF_DESCRIPTION,
    _QTOL,
    CONF_TYPES,
    _approx_constant_f1,
    _check_conf_type,
    _check_times,
    _findq,
    _survfit_ci,
    _time_event,
    _timefix,
)


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
# derivations from a Trial (or plain DataFrames)
# --------------------------------------------------------------------------------------------


# the derivations live in smalltrial/_tte.py (owned by the data model); re-exported here
from smalltrial._logrank import LogRankTest, logrank_test  # noqa: E402,F401,I001
from smalltrial._cif import CumulativeIncidence, cumulative_incidence  # noqa: E402,F401,I001
from smalltrial._tte import _frames, _last_contact, b_cell_reconstitution, relapse_free_time, time_to_event  # noqa: E402,F401,I001
from smalltrial._rmst import RMST, RMSTGroups, rmst  # noqa: E402,F401,I001
from smalltrial._turnbull import impute_interval_times, interval_from_measurements, turnbull, turnbull_kkt  # noqa: E402,F401,I001
from smalltrial._parametric import DISTRIBUTIONS, CureFit, ParametricFit, cure_fit, cure_loglik, parametric_fit  # noqa: E402,F401,I001
