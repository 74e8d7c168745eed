"""Restricted mean survival time (re-exported by :mod:`smalltrial.survival`).

``rmst`` is the area under the Kaplan-Meier curve from 0 to a horizon ``tau``, with the standard
error R ``survival`` prints (``print(survfit(...), rmean = tau)``), a Wald interval, and, by
group, the difference between groups. It is the summary to report when the median is not reached.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result

__all__ = ["RMST", "RMSTGroups", "rmst"]

_METHOD = (
    "restricted mean survival time: area under the Kaplan-Meier curve from 0 to tau; SE as R "
    "survival's print.survfit(rmean = tau) (Greenwood-type, Klein & Moeschberger 2003 sec. 4.5); "
    "{level:.0%} CI estimate +/- z*SE, clipped to [0, tau]"
)


@dataclass(frozen=True, repr=False, eq=False)
class RMST(Result):
    """Restricted mean survival time up to ``tau`` of one sample.

    Attributes
    ----------
    tau : the horizon.
    estimate : area under the Kaplan-Meier curve on [0, tau] (mean event-free time up to tau).
    std_error : its standard error, as R ``print(survfit(...), rmean = tau)``'s ``se(rmean)``.
    lower, upper : ``estimate -/+ z * std_error`` clipped to [0, tau] (R prints the SE only).
    level, n, events : confidence level, number of subjects, events up to ``tau``.
    """

    tau: float
    estimate: float
    std_error: float
    lower: float
    upper: float
    level: float = 0.95
    n: int = 0
    events: int = 0
    method_description: str = ""
    warnings: tuple[str, ...] = ()
    _hidden = ("method_description", "warnings")


@dataclass(frozen=True, repr=False, eq=False)
class RMSTGroups(Result):
    """Restricted mean survival time by group, and each group's difference from the reference.

    ``estimates[label]`` is an :class:`RMST`; ``to_frame()`` has one row per group;
    ``differences`` is a DataFrame ``group, reference, estimate, std_error, lower, upper,
    p_value`` (group minus reference; SE ``sqrt(se_group^2 + se_reference^2)``, the groups being
    independent; Wald CI and two-sided z-test p-value).
    """

    group: str
    tau: float
    reference: Any
    estimates: Mapping[Any, RMST]
    differences: pd.DataFrame = field(repr=False)
    level: float = 0.95
    method_description: str = ""
    warnings: tuple[str, ...] = ()
    _hidden = ("estimates", "differences", "method_description", "warnings")

    def __getitem__(self, label: Any) -> RMST:
        return self.estimates[label]

    def to_frame(self) -> pd.DataFrame:
        """One row per group: ``<group>, tau, estimate, std_error, lower, upper, level, n, events``."""
        rows = [{self.group: k, **r.to_frame().iloc[0].to_dict()} for k, r in self.estimates.items()]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        inner = "; ".join(f"{k!s}: {r!r}" for k, r in self.estimates.items())
        return f"RMSTGroups(group={self.group!r}, reference={self.reference!r}, {inner})"


def _rmst_arrays(t: np.ndarray, e: np.ndarray, tau: float) -> tuple[float, float, int]:
    """Area under the KM curve on [0, tau] and R ``survival:::survmean``'s variance.

    var = sum over distinct times t_i <= tau of A_i^2 * d_i / (r_i (r_i - d_i)), A_i the area
    under the curve from t_i to tau; the term is 0 where r_i = d_i (R's convention: the curve
    is 0 after t_i, so A_i = 0).
    """
    ut, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=e, minlength=ut.size)
    n_total = np.bincount(inv, minlength=ut.size).astype(float)
    r = n_total[::-1].cumsum()[::-1]
    surv = np.cumprod(1.0 - d / r)
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(r - d == 0, 0.0, d / (r * (r - d)))
    keep = ut <= tau
    times = np.concatenate([ut[keep], [tau]])
    s_left = np.concatenate([[1.0], surv[keep]])  # S on [previous time, this time)
    rect = np.diff(np.concatenate([[0.0], times])) * s_left
    # area from each kept time to tau
    after = np.cumsum(rect[::-1])[::-1][1:]
    var = float(np.sum(after**2 * hh[keep]))
    events = int(d[keep].sum())
    return float(rect.sum()), math.sqrt(var), events


def _one(t: np.ndarray, e: np.ndarray, tau: float, level: float, where: str) -> RMST:
    from scipy import stats

    last = float(t.max())
    if tau > last:
        raise SmallTrialError(
            f"tau={tau:g} is beyond the last follow-up time {last:g}{where}: the Kaplan-Meier "
            "curve is not estimated there; choose tau <= the last follow-up"
        )
    est, se, events = _rmst_arrays(t, e, tau)
    z = float(stats.norm.ppf(0.5 + level / 2))
    record: list[str] = []
    if events == 0:
        warn(f"no events up to tau={tau:g}{where}: RMST = tau with standard error 0", record)
    return RMST(
        tau=tau,
        estimate=est,
        std_error=se,
        lower=max(0.0, est - z * se),
        upper=min(tau, est + z * se),
        level=level,
        n=int(t.size),
        events=events,
        method_description=_METHOD.format(level=level),
        warnings=tuple(record),
    )


def rmst(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    tau: float,
    level: float = 0.95,
    group: str | None = None,
    reference: Any = None,
) -> RMST | RMSTGroups:
    """Restricted mean survival time up to ``tau``, as R ``print(survfit(...), rmean = tau)``.

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    time : column of follow-up times (finite, >= 0).
    event : column of 0 (censored) / 1 (event) (bool accepted).
    tau : the horizon, > 0 and not beyond the last follow-up time (of every group).
    level : confidence level in (0, 1).
    group : optional column; then one RMST per group (sorted) and the differences from
        ``reference`` are returned as :class:`RMSTGroups`.
    reference : the reference group (default: the first in sorted order).

    Method: the area under the Kaplan-Meier curve on [0, tau] (Irwin 1949; Royston & Parmar,
    BMC Med Res Methodol 2013;13:152). Standard error exactly as R ``survival:::survmean``:
    var = sum_i A_i^2 d_i / (r_i (r_i - d_i)) over event times t_i <= tau, A_i the area from
    t_i to tau (Klein & Moeschberger 2003, sec. 4.5). Times closer than sqrt(machine eps) are
    tied, as ``survfit``. The CI is ``estimate +/- z * SE`` clipped to [0, tau] (R prints no
    CI); a difference between groups has SE ``sqrt(se_1^2 + se_2^2)``, a Wald CI and a
    two-sided z-test p-value (as ``survRM2::rmst2``'s unadjusted contrast).
    Where R differs: for ``tau`` beyond the last follow-up time R extends the last value of
    the curve; here that is an error, since the curve is not observed there. For ``tau``
    before the first time R stops; here RMST = tau with SE 0 (and a warning: no events).

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial.survival import rmst
    >>> df = pd.DataFrame({"t": [3, 5, 5, 5, 8, 8, 12, 15, 15, 20],
    ...                    "e": [1, 1, 1, 0, 1, 0, 1, 1, 0, 0]})
    >>> r = rmst(df, time="t", event="e", tau=14)
    >>> round(r.estimate, 4), round(r.std_error, 4)  # R: rmean 10.1083, se(rmean) 1.3649
    (10.1083, 1.3649)
    """
    from smalltrial.survival import _time_event

    level = _v.check_level(level)
    tau = _v.check_number(tau, "tau")
    if not math.isfinite(tau) or tau <= 0:
        raise SmallTrialError(f"tau must be a finite number > 0; got {tau!r}")
    _v.check_column_name(group, "group", optional=True)
    if group is None:
        t, e = _time_event(data, time, event)
        return _one(t, e, tau, level, "")
    data = _v.check_frame(data)
    _v.check_columns(data, [group])
    _v.check_no_missing(data, group)
    _v.check_label_column(data, group)
    t_all, e_all = _time_event(data, time, event)
    glab = data[group].to_numpy()
    labels = sorted(pd.unique(glab), key=lambda x: (str(type(x)), x))
    if reference is None:
        reference = labels[0] if labels else None
    elif reference not in labels:
        raise SmallTrialError(
            f"reference={reference!r} is not a value of column {group!r}; values: {_v._show(labels)}"
        )
    if len(labels) < 2:
        raise SmallTrialError(
            f"column {group!r} has {len(labels)} group(s) ({_v._show(labels)}): a comparison "
            "needs at least two; leave group=None for one sample"
        )
    estimates = {
        lab: _one(t_all[glab == lab], e_all[glab == lab], tau, level, f" in {group}={lab!r}")
        for lab in labels
    }
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    ref = estimates[reference]
    rows = []
    for lab, r in estimates.items():
        if lab == reference:
            continue
        diff = r.estimate - ref.estimate
        se = math.hypot(r.std_error, ref.std_error)
        p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else math.nan
        rows.append({"group": lab, "reference": reference, "estimate": diff, "std_error": se,
                     "lower": diff - z * se, "upper": diff + z * se, "p_value": p})
    record = [w for r in estimates.values() for w in r.warnings]
    return RMSTGroups(
        group=group,
        tau=tau,
        reference=reference,
        estimates=estimates,
        differences=pd.DataFrame(rows),
        level=level,
        method_description=_METHOD.format(level=level)
        + "; difference between groups: SE sqrt(se1^2 + se2^2), Wald CI, two-sided z-test",
        warnings=tuple(record),
    )
