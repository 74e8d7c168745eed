"""Aalen-Johansen cumulative incidence with competing risks, as R ``cmprsk::cuminc``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._survbase import _check_times

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
