"""Difference of two independent proportions (re-exported by :mod:`smalltrial.rates`).

Intervals for p1 - p2 (Newcombe hybrid score, Miettinen-Nurminen score, Chan-Zhang exact
unconditional) with their matching tests, and Fisher's exact test. R has none of the intervals in
its base distribution: the reference values come from R code of ours,
``tests/reference/rates_diff/make_rates_diff.R``; Fisher's test equals R ``fisher.test``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import check_choice, check_count, check_level

__all__ = [
    "DIFFERENCE_METHODS",
    "ProportionDifference",
    "proportion_difference",
    "TwoByTwoTest",
    "fisher_exact",
    "boschloo_test",
]

#: accepted ``method`` names of :func:`proportion_difference`
DIFFERENCE_METHODS = ("newcombe", "miettinen-nurminen", "chan-zhang")

#: nuisance-parameter grid of the exact unconditional method (then refined by Brent's method)
NUISANCE_GRID = 200
#: relative fuzz when a statistic is compared with the observed one (ties in floating point)
FUZZ = 1e-9


@dataclass(frozen=True, repr=False)
class ProportionDifference(Result):
    """The difference p1 - p2 of two independent proportions with its interval and test."""

    x1: int
    n1: int
    x2: int
    n2: int
    estimate: float
    lower: float
    upper: float
    level: float
    method: str
    pvalue: float
    test: str


@dataclass(frozen=True, repr=False)
class TwoByTwoTest(Result):
    """A test of p1 = p2 from two independent binomial counts."""

    x1: int
    n1: int
    x2: int
    n2: int
    pvalue: float
    alternative: str
    method: str


def _two_counts(x1: Any, n1: Any, x2: Any, n2: Any) -> tuple[int, int, int, int]:
    out = []
    for (x, n), (xn, nn) in (((x1, n1), ("x1", "n1")), ((x2, n2), ("x2", "n2"))):
        xi = check_count(x, xn)
        ni = check_count(n, nn, minimum=1)
        if xi > ni:
            raise SmallTrialError(f"{xn} must be <= {nn}; got {xn}={xi}, {nn}={ni}")
        out += [xi, ni]
    return out[0], out[1], out[2], out[3]


# --------------------------------------------------------------------------------------------
# score statistic with the restricted maximum-likelihood variance
# --------------------------------------------------------------------------------------------


def _restricted_mle(p1: np.ndarray, p2: np.ndarray, n1: int, n2: int, delta: float):
    """MLE of (p1, p2) under p1 - p2 = delta (Miettinen & Nurminen 1985, closed form)."""
    theta = n2 / n1
    a = 1.0 + theta
    b = -(1.0 + theta + p1 + theta * p2 + delta * (theta + 2.0))
    c = delta**2 + delta * (2.0 * p1 + theta + 1.0) + p1 + theta * p2
    d = -p1 * delta * (1.0 + delta)
    v = b**3 / (27.0 * a**3) - b * c / (6.0 * a**2) + d / (2.0 * a)
    s = b**2 / (9.0 * a**2) - c / (3.0 * a)
    u = np.sign(v) * np.sqrt(np.maximum(s, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(u == 0.0, 0.0, v / u**3)
    w = (math.pi + np.arccos(np.clip(ratio, -1.0, 1.0))) / 3.0
    q1 = 2.0 * u * np.cos(w) - b / (3.0 * a)
    q1 = np.clip(q1, max(0.0, delta), min(1.0, 1.0 + delta))
    return q1, q1 - delta


def _score_z(a: np.ndarray, b: np.ndarray, n1: int, n2: int, delta: float, factor: float = 1.0):
    """(p1 - p2 - delta) / sqrt(V~(delta)); 0 where numerator and variance vanish, else +-inf."""
    p1 = a / n1
    p2 = b / n2
    q1, q2 = _restricted_mle(p1, p2, n1, n2, delta)
    var = (q1 * (1.0 - q1) / n1 + q2 * (1.0 - q2) / n2) * factor
    num = p1 - p2 - delta
    with np.errstate(divide="ignore", invalid="ignore"):
        z = num / np.sqrt(var)
    num_zero = np.abs(num) < 1e-14
    z = np.where(num_zero, 0.0, z)
    z = np.where((var <= 0.0) & ~num_zero, np.copysign(np.inf, num), z)
    return z


def _bisect(f, lo: float, hi: float, tol: float = 1e-15) -> float:
    """The crossing point of a function with f(lo) True and f(hi) False (to ``tol``)."""
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if f(mid):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------------------------
# methods
# --------------------------------------------------------------------------------------------


def _wilson(x: int, n: int, z: float) -> tuple[float, float]:
    centre = 2 * x + z**2
    half = z * math.sqrt(z**2 + 4 * x * (n - x) / n)
    denom = 2 * (n + z**2)
    return max(0.0, (centre - half) / denom), min(1.0, (centre + half) / denom)


def _newcombe(x1, n1, x2, n2, level):
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = _wilson(x1, n1, z)
    l2, u2 = _wilson(x2, n2, z)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _miettinen_nurminen(x1, n1, x2, n2, level):
    z = NormalDist().inv_cdf(0.5 + level / 2)
    factor = (n1 + n2) / (n1 + n2 - 1)
    a, b = np.array([float(x1)]), np.array([float(x2)])
    d = x1 / n1 - x2 / n2

    def inside(delta: float) -> bool:
        return bool(abs(_score_z(a, b, n1, n2, delta, factor)[0]) <= z)

    lower = -1.0 if inside(-1.0) else _bisect(lambda t: not inside(t), -1.0, d)
    upper = 1.0 if inside(1.0) else _bisect(inside, d, 1.0)
    return lower, upper


def _mn_pvalue(x1, n1, x2, n2):
    a, b = np.array([float(x1)]), np.array([float(x2)])
    z = float(_score_z(a, b, n1, n2, 0.0, (n1 + n2) / (n1 + n2 - 1))[0])
    return min(1.0, 2.0 * (1.0 - NormalDist().cdf(abs(z))))


class _Unconditional:
    """Exact unconditional tail probabilities of the score statistic (Chan & Zhang 1999)."""

    def __init__(self, x1: int, n1: int, x2: int, n2: int):
        from scipy.special import gammaln, xlog1py, xlogy

        self._xlogy, self._xlog1py = xlogy, xlog1py
        self.x1, self.n1, self.x2, self.n2 = x1, n1, x2, n2
        self.a = np.arange(n1 + 1, dtype=float)[:, None]
        self.b = np.arange(n2 + 1, dtype=float)[None, :]
        self._k1, self._k2 = np.arange(n1 + 1.0), np.arange(n2 + 1.0)
        self._c1 = gammaln(n1 + 1.0) - gammaln(self._k1 + 1) - gammaln(n1 - self._k1 + 1)
        self._c2 = gammaln(n2 + 1.0) - gammaln(self._k2 + 1) - gammaln(n2 - self._k2 + 1)

    def _pmf(self, k: np.ndarray, c: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
        """Binomial pmf of every k (columns) at every p (rows)."""
        p = p[:, None]
        return np.exp(c[None, :] + self._xlogy(k[None, :], p) + self._xlog1py(n - k[None, :], -p))

    def _prob(self, region: np.ndarray, delta: float, p2: np.ndarray) -> np.ndarray:
        """P(table in region) at (p2 + delta, p2) for each p2."""
        p1 = np.clip(p2 + delta, 0.0, 1.0)
        f1 = self._pmf(self._k1, self._c1, self.n1, p1)
        f2 = self._pmf(self._k2, self._c2, self.n2, p2)
        return np.einsum("gi,ij,gj->g", f1, region.astype(float), f2)

    def _maximise(self, region: np.ndarray, delta: float) -> float:
        from scipy.optimize import minimize_scalar

        lo, hi = max(0.0, -delta), min(1.0, 1.0 - delta)
        if hi <= lo:
            return float(self._prob(region, delta, np.array([lo]))[0])
        grid = np.linspace(lo, hi, NUISANCE_GRID + 1)
        values = self._prob(region, delta, grid)
        i = int(np.argmax(values))
        best = float(values[i])
        left, right = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        res = minimize_scalar(lambda p: -float(self._prob(region, delta, np.array([p]))[0]),
                              bounds=(left, right), method="bounded",
                              options={"xatol": 1e-12, "maxiter": 200})
        return max(best, -float(res.fun))

    def tail(self, delta: float, side: str) -> float:
        """max over the nuisance of P(T >= t_obs) (side 'upper'), P(T <= t_obs) ('lower'),
        or P(|T| >= |t_obs|) ('two-sided')."""
        t = _score_z(self.a, self.b, self.n1, self.n2, delta)
        t_obs = float(t[self.x1, self.x2])
        fuzz = FUZZ * max(1.0, abs(t_obs)) if math.isfinite(t_obs) else 0.0
        if side == "upper":
            region = t >= t_obs - fuzz
        elif side == "lower":
            region = t <= t_obs + fuzz
        else:
            region = np.abs(t) >= abs(t_obs) - fuzz
        return min(1.0, self._maximise(region, delta))


def _chan_zhang(x1, n1, x2, n2, level):
    alpha2 = (1.0 - level) / 2.0
    exact = _Unconditional(x1, n1, x2, n2)
    d = x1 / n1 - x2 / n2
    # lower bound: the smallest delta whose upper tail exceeds alpha/2 (the tail grows with delta)
    if d <= -1.0 or exact.tail(-1.0, "upper") > alpha2:
        lower = -1.0
    else:
        lower = _bisect(lambda t: exact.tail(t, "upper") <= alpha2, -1.0, d, 1e-11)
    if d >= 1.0 or exact.tail(1.0, "lower") > alpha2:
        upper = 1.0
    else:
        upper = _bisect(lambda t: exact.tail(t, "lower") > alpha2, d, 1.0, 1e-11)
    return lower, upper, exact.tail(0.0, "two-sided")


# --------------------------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------------------------


def proportion_difference(
    x1: int, n1: int, x2: int, n2: int, *, method: str = "newcombe", level: float = 0.95
) -> ProportionDifference:
    """Confidence interval for the difference p1 - p2 of two independent proportions.

    Parameters
    ----------
    x1, n1 : int
        Responders and patients of group 1 (e.g. a cohort of the trial).
    x2, n2 : int
        Responders and patients of group 2 (another cohort, or a published count).
    method : str
        ``newcombe`` (default): hybrid score interval, method 10 of Newcombe (1998), from the two
        Wilson intervals; no matching test (``pvalue`` NaN). ``miettinen-nurminen``: inverts the
        Miettinen & Nurminen (1985) score test (restricted-MLE variance times N/(N - 1)), with that
        test's two-sided ``pvalue`` at p1 = p2. ``chan-zhang``: exact unconditional interval of
        Chan & Zhang (1999): each bound inverts a one-sided exact test at (1 - level)/2 whose
        statistic is the score statistic (restricted-MLE variance, no N/(N-1)) and whose p-value is
        maximised over the nuisance parameter (a grid of 201 points refined by Brent's method);
        bounds by bisection, which assumes each tail grows monotonically in the difference.
        ``pvalue``: the matching exact unconditional two-sided test of p1 = p2 (Barnard's test
        with the pooled score statistic, as scipy ``barnard_exact(pooled=True)``).
    level : float
        Confidence level.

    R's base distribution has none of these intervals; the reference values come from R code of
    ours (``tests/reference/rates_diff/make_rates_diff.R``).

    Examples
    --------
    >>> d = proportion_difference(9, 10, 3, 10)
    >>> round(d.estimate, 2), round(d.lower, 4), round(d.upper, 4)
    (0.6, 0.1705, 0.809)
    >>> d = proportion_difference(9, 10, 3, 10, method="chan-zhang")
    >>> round(d.lower, 4), round(d.upper, 4), round(d.pvalue, 4)
    (0.1608, 0.8795, 0.008)
    """
    method = check_choice(method, "method", DIFFERENCE_METHODS)
    level = check_level(level)
    x1, n1, x2, n2 = _two_counts(x1, n1, x2, n2)
    pvalue, test = math.nan, "none"
    if method == "newcombe":
        lower, upper = _newcombe(x1, n1, x2, n2, level)
    elif method == "miettinen-nurminen":
        lower, upper = _miettinen_nurminen(x1, n1, x2, n2, level)
        pvalue, test = _mn_pvalue(x1, n1, x2, n2), "miettinen-nurminen score"
    else:
        lower, upper, pvalue = _chan_zhang(x1, n1, x2, n2, level)
        test = "exact unconditional score (barnard)"
    return ProportionDifference(x1, n1, x2, n2, x1 / n1 - x2 / n2, float(lower), float(upper),
                                level, method, float(pvalue), test)


def _fisher_pvalues(n1: int, n2: int, alternative: str) -> np.ndarray:
    """One-sided Fisher p-value (``greater`` or ``less``) of every table (a of n1, b of n2)."""
    from scipy.stats import hypergeom

    out = np.empty((n1 + 1, n2 + 1))
    for m in range(n1 + n2 + 1):
        support = np.arange(max(0, m - n2), min(m, n1) + 1)
        pmf = hypergeom.pmf(support, n1 + n2, n1, m)
        if alternative == "greater":
            p = np.cumsum(pmf[::-1])[::-1]
        else:
            p = np.cumsum(pmf)
        out[support, m - support] = np.minimum(p, 1.0)
    return out


def fisher_exact(
    x1: int, n1: int, x2: int, n2: int, *, alternative: str = "two-sided"
) -> TwoByTwoTest:
    """Fisher's exact test of p1 = p2 (conditional on the total number of responders).

    ``alternative``: ``two-sided`` (sum of the tables no more probable than the observed one,
    relative tolerance 1e-7, as R ``fisher.test``), ``greater`` (p1 > p2) or ``less``. Equals R
    ``fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))``.

    Examples
    --------
    >>> round(fisher_exact(9, 10, 3, 10).pvalue, 6)
    0.019767
    """
    alternative = check_choice(alternative, "alternative", ("two-sided", "greater", "less"))
    x1, n1, x2, n2 = _two_counts(x1, n1, x2, n2)
    from scipy.stats import hypergeom

    m = x1 + x2
    support = np.arange(max(0, m - n2), min(m, n1) + 1)
    pmf = hypergeom.pmf(support, n1 + n2, n1, m)
    if alternative == "greater":
        p = pmf[support >= x1].sum()
    elif alternative == "less":
        p = pmf[support <= x1].sum()
    else:
        obs = pmf[support == x1][0]
        p = pmf[pmf <= obs * (1 + 1e-7)].sum()
    return TwoByTwoTest(x1, n1, x2, n2, float(min(1.0, p)), alternative, "fisher exact")


def boschloo_test(
    x1: int, n1: int, x2: int, n2: int, *, alternative: str = "two-sided"
) -> TwoByTwoTest:
    """Boschloo's exact unconditional test of p1 = p2 (more powerful than Fisher's).

    The statistic is Fisher's exact p-value (for ``alternative``, as :func:`fisher_exact`); the
    p-value is max over the common proportion pi of P(Fisher p-value <= observed one) under two
    independent binomials (Boschloo 1970), maximised on a grid of 201 points refined by Brent's
    method. ``greater``: p1 > p2; ``less``: p1 < p2; ``two-sided``: twice the smaller one-sided
    p-value (at most 1), as scipy ``boschloo_exact``. Reference values from R code of ours
    (``make_rates_diff.R``); scipy's ``boschloo_exact`` is a second baseline.

    Examples
    --------
    >>> round(boschloo_test(9, 10, 3, 10, alternative="greater").pvalue, 5)
    0.00398
    """
    alternative = check_choice(alternative, "alternative", ("two-sided", "greater", "less"))
    x1, n1, x2, n2 = _two_counts(x1, n1, x2, n2)
    exact = _Unconditional(x1, n1, x2, n2)

    def one_sided(side: str) -> float:
        fisher = _fisher_pvalues(n1, n2, side)
        return exact._maximise(fisher <= fisher[x1, x2] * (1 + 1e-7), 0.0)

    if alternative == "two-sided":
        p = 2.0 * min(one_sided("greater"), one_sided("less"))
    else:
        p = one_sided(alternative)
    return TwoByTwoTest(x1, n1, x2, n2, float(min(1.0, p)), alternative, "boschloo exact")
