"""Paired change from baseline: summary of the change and the exact Wilcoxon signed-rank test.

The exact null distribution of the signed-rank statistic is obtained by a dynamic programme
over the (doubled, hence integer) mid-ranks, so it is exact with ties and zero differences and
scales to n in the hundreds (O(n^3) integer additions), unlike the 2^n enumeration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from smalltrial import _validate as v
from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result
from smalltrial.longitudinal._levels import check_finite_outcome

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["paired_change", "PairedChange", "signed_rank_distribution"]

_ALTERNATIVES = ("two-sided", "greater", "less")
_ZERO_METHODS = ("wilcoxon", "pratt")


#: the start of each warning about the Hodges-Lehmann interval of the pseudo-median (not about
#: the signed-rank test): a caller that does not show that interval can leave them out
INTERVAL_CAVEATS = ("ties or zero changes: no exact confidence interval for the pseudo-median",
                    "the requested level ")


@dataclass(frozen=True, repr=False)
class PairedChange(Result):
    """Change of ``outcome`` from ``baseline`` to ``at`` in the subjects observed at both.

    ``change = value at `at` - value at `baseline```; quartiles are R ``quantile`` type 7.
    ``statistic`` is the signed-rank statistic V (sum of the ranks of the positive changes, as
    R ``wilcox.test``), ``pvalue`` its exact permutation p-value, ``min_attainable_pvalue`` the
    smallest p-value the exact test can give with ``n_nonzero`` non-zero changes.
    ``pseudo_median`` is the Hodges-Lehmann estimate (median of the Walsh averages of all the
    changes); ``lower``/``upper`` its exact confidence interval (R ``wilcox.test(conf.int=TRUE)``),
    NaN when there are ties or zero changes (where R switches to a normal approximation).
    """

    #: the ARD ``method`` of its statistics
    method: ClassVar[str] = "exact Wilcoxon signed-rank"

    outcome: str
    baseline: Any
    at: Any
    n: int
    n_missing: int
    n_nonzero: int
    mean_change: float
    median_change: float
    q1_change: float
    q3_change: float
    min_change: float
    max_change: float
    statistic: float
    pvalue: float
    alternative: str
    zero_method: str
    ties: bool
    min_attainable_pvalue: float
    pseudo_median: float
    lower: float
    upper: float
    level: float
    warnings: tuple[str, ...] = ()
    changes: Any = field(default=None, compare=False)

    _hidden = ("changes", "warnings")


def _midranks(x: np.ndarray) -> np.ndarray:
    """Mid-ranks (average ranks for ties) of ``x``, 1-based, as R ``rank``."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    n = len(x)
    ranks = np.empty(n, dtype=float)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and xs[j + 1] == xs[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def signed_rank_distribution(scores: Any) -> np.ndarray:
    """Exact null distribution of ``sum(scores[i] * B_i)``, B_i iid Bernoulli(1/2).

    Parameters
    ----------
    scores : non-negative whole numbers, e.g. the ranks 1..n (R ``dsignrank``) or doubled
        mid-ranks (ties).

    Returns the probability of each total 0, 1, ..., sum(scores), by the dynamic programme
    ``P_k(t) = (P_{k-1}(t) + P_{k-1}(t - s_k)) / 2`` (the shift algorithm of Streitberg &
    Roehmel 1986, used by R ``coin``). Each step halves exactly, so probabilities are exact
    dyadic rationals as long as they fit in double precision.

    Example
    -------
    >>> (signed_rank_distribution([1, 2, 3]) * 8).tolist()  # R: dsignrank(0:6, 3) * 8
    [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]
    """
    scores = v.check_counts(v.check_numbers(scores, "scores"), "scores").ravel()
    total = int(scores.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    top = 0
    for s in scores:
        s = int(s)
        new = dist[: top + s + 1].copy()
        new[s : top + s + 1] += dist[: top + 1]
        top += s
        dist[: top + 1] = new * 0.5
    return dist


def _signed_rank_pvalues(d: np.ndarray, zero_method: str) -> tuple[float, float, float, int, bool]:
    """(V, P(V >= v), P(V <= v), number of non-zero d, ties among |d| used) for changes ``d``."""
    if zero_method == "wilcoxon":
        d = d[d != 0]
        ranks = _midranks(np.abs(d))
    else:  # Pratt: rank |d| with the zeros, then drop the zeros
        ranks = _midranks(np.abs(d))
        keep = d != 0
        d, ranks = d[keep], ranks[keep]
    m = len(d)
    ties = len(np.unique(np.abs(d))) < m
    scores = np.rint(2.0 * ranks).astype(np.int64)
    v2 = int(scores[d > 0].sum())
    dist = signed_rank_distribution(scores)
    cdf = np.cumsum(dist)
    p_less = min(1.0, float(cdf[v2]))
    # upper tail summed directly (no 1 - cdf cancellation for tiny p)
    p_greater = min(1.0, float(dist[v2:].sum()))
    return v2 / 2.0, p_greater, p_less, m, ties


def _walsh_ci(d: np.ndarray, level: float, alternative: str, record: list[str]):
    """Hodges-Lehmann estimate and exact CI as R wilcox.test(conf.int=TRUE), no ties/zeros."""
    n = len(d)
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2.0)
    estimate = float(np.median(walsh))
    alpha = 1.0 - level
    ranks = np.arange(1, n + 1, dtype=np.int64) * 2
    cdf = np.cumsum(signed_rank_distribution(ranks))[::2]  # P(V <= k), k = 0..n(n+1)/2

    nn = n * (n + 1) // 2
    eps = np.finfo(float).eps

    def qsignrank(p: float) -> int:  # R qsignrank (src/nmath/signrank.c), fuzz included
        if p <= 0.5:
            return int(np.searchsorted(cdf, p - 10 * eps, side="left"))
        q = int(np.searchsorted(cdf, 1 - p + 10 * eps, side="right"))
        return nn - q

    if alternative == "two-sided":
        qu = qsignrank(alpha / 2)
        if qu == 0:
            qu = 1
            warn(f"{INTERVAL_CAVEATS[1]}{level} is not achievable with n = {n}; "
                 "the interval is wider", record)
        ql = nn - qu
        return estimate, float(walsh[qu - 1]), float(walsh[ql])
    qu = qsignrank(alpha)
    if qu == 0:
        qu = 1
        warn(f"{INTERVAL_CAVEATS[1]}{level} is not achievable with n = {n}; "
             "the bound is wider", record)
    if alternative == "greater":
        return estimate, float(walsh[qu - 1]), math.inf
    ql = nn - qu
    return estimate, -math.inf, float(walsh[ql])


def paired_change(
    data: pd.DataFrame,
    outcome: str,
    *,
    subject: str,
    time: str,
    baseline: Any,
    at: Any,
    level: float = 0.95,
    alternative: str = "two-sided",
    zero_method: str = "wilcoxon",
) -> PairedChange:
    """Change from ``baseline`` to ``at`` with the exact Wilcoxon signed-rank test.

    Parameters
    ----------
    data : DataFrame
        Tidy long data, one row per subject and time point.
    outcome, subject, time : str
        Column names: the numeric outcome, the subject id and the time/visit column.
    baseline, at : values of the ``time`` column compared (change = ``at`` - ``baseline``).
        Subjects missing either value (no row or a missing outcome) are excluded and counted in
        ``n_missing``.
    level : float
        Confidence level of the Hodges-Lehmann interval.
    alternative : {"two-sided", "greater", "less"}
        "greater": the change tends to be positive.
    zero_method : {"wilcoxon", "pratt"}
        Zero changes are dropped before ranking ("wilcoxon", as R ``wilcox.test`` and
        ``coin::wilcoxsign_test(zero.method="Wilcoxon")``) or ranked with the others and then
        given no sign ("pratt", coin's default).

    Method
    ------
    The signed-rank statistic V (sum of the mid-ranks of |change| over the positive changes) is
    referred to its exact permutation distribution under the null of symmetric changes about 0
    (Wilcoxon 1945; ties by mid-ranks; Pratt 1959 for zeros), computed exactly by a dynamic
    programme over the doubled mid-ranks; the two-sided p-value is twice the smaller tail,
    capped at 1. This equals ``coin::wilcoxsign_test(distribution="exact")`` always, and R
    ``wilcox.test(exact=TRUE)`` when there are no ties or zeros. (R ``wilcox.test`` falls back to
    a normal approximation with ties or zeros; we do not.) All changes zero: p-value NaN.
    The Hodges-Lehmann pseudo-median and its exact interval follow ``wilcox.test(conf.int=TRUE)``
    (exact branch, also for n >= 50); with ties or zeros the interval is NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": [1, 2, 3, 4, 5] * 2, "visit": ["m0"] * 5 + ["m3"] * 5,
    ...                    "sledai": [12, 16, 8, 10, 14, 0, 2, 0, 0, 4]})
    >>> r = paired_change(df, "sledai", subject="id", time="visit", baseline="m0", at="m3")
    >>> r.median_change, r.pvalue, r.min_attainable_pvalue
    (-10.0, 0.0625, 0.0625)
    """
    import pandas as pd

    level = v.check_level(level)
    v.check_choice(alternative, "alternative", _ALTERNATIVES)
    v.check_choice(zero_method, "zero_method", _ZERO_METHODS)
    for arg, value in (("outcome", outcome), ("subject", subject), ("time", time)):
        v.check_column_name(value, arg)
    v.check_label(baseline, "baseline")
    v.check_label(at, "at")
    v.check_frame(data)
    v.check_columns(data, [outcome, subject, time])
    values = v.check_numeric_column(data, outcome, subject=subject)
    v.check_no_missing(data, subject, subject=subject)
    v.check_no_missing(data, time, subject=subject)
    v.check_unique_rows(data, [subject, time], subject=subject)
    times = data[time]
    for name, value in (("baseline", baseline), ("at", at)):
        if not (times == value).any():
            present = list(dict.fromkeys(times.tolist()))
            raise SmallTrialError(
                f"{name}={value!r} is not a value of column {time!r}; values present: "
                f"{', '.join(map(repr, present[:10]))}{' ...' if len(present) > 10 else ''}"
            )
    if baseline == at:
        raise SmallTrialError(f"baseline and at must differ, both are {at!r}")
    frame = pd.DataFrame({"subject": data[subject], "time": times, "y": values.astype(float)})
    check_finite_outcome(data, outcome, frame["y"], subject)
    subjects = list(dict.fromkeys(frame["subject"].tolist()))
    base = frame.loc[frame["time"] == baseline].set_index("subject")["y"]
    post = frame.loc[frame["time"] == at].set_index("subject")["y"]
    wide = pd.DataFrame({"baseline": base.reindex(subjects), "at": post.reindex(subjects)})
    wide.index.name = subject
    complete = wide.dropna()
    wide["change"] = wide["at"] - wide["baseline"]
    d = complete["at"].to_numpy() - complete["baseline"].to_numpy()
    n = len(d)
    n_missing = len(subjects) - n
    if n == 0:
        raise SmallTrialError(
            f"no subject has {outcome!r} at both {time}={baseline!r} and {time}={at!r}"
        )
    record: list[str] = []
    if n_missing:
        warn(f"{n_missing} of {len(subjects)} subjects lack {outcome!r} at {baseline!r} or "
             f"{at!r} and are excluded", record)
    nan = math.nan
    q1, med, q3 = (float(q) for q in np.quantile(d, [0.25, 0.5, 0.75]))
    m = int(np.count_nonzero(d))
    ties = False
    if m == 0:
        stat, pvalue = 0.0, nan
        warn("all changes are zero: the signed-rank test is not defined", record)
        min_p = nan
    else:
        stat, p_greater, p_less, m, ties = _signed_rank_pvalues(d, zero_method)
        if alternative == "two-sided":
            pvalue = min(1.0, 2.0 * min(p_greater, p_less))
            min_p = min(1.0, 2.0 / 2.0**m)
        else:
            pvalue = p_greater if alternative == "greater" else p_less
            min_p = 1.0 / 2.0**m
        if min_p > 0.05:
            warn(f"with {m} non-zero change(s) the smallest attainable exact "
                 f"{alternative} p-value is {min_p:.4g} (> 0.05)", record)
    abs_nonzero = np.abs(d[d != 0])
    any_ties = len(np.unique(abs_nonzero)) < len(abs_nonzero)
    i, j = np.triu_indices(n)
    pseudo = float(np.median((d[i] + d[j]) / 2.0))
    lower = upper = nan
    if m == n and not any_ties:
        pseudo, lower, upper = _walsh_ci(d, level, alternative, record)
    else:
        warn(INTERVAL_CAVEATS[0], record)
    return PairedChange(
        outcome=outcome,
        baseline=baseline,
        at=at,
        n=n,
        n_missing=n_missing,
        n_nonzero=m,
        mean_change=float(np.mean(d)),
        median_change=med,
        q1_change=q1,
        q3_change=q3,
        min_change=float(np.min(d)),
        max_change=float(np.max(d)),
        statistic=float(stat),
        pvalue=float(pvalue),
        alternative=alternative,
        zero_method=zero_method,
        ties=bool(ties),
        min_attainable_pvalue=float(min_p),
        pseudo_median=pseudo,
        lower=lower,
        upper=upper,
        level=level,
        warnings=tuple(record),
        changes=wide,
    )
