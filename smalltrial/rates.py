"""Response rates of small single-arm trials: exact and approximate binomial intervals, the exact
binomial test, Beta posteriors with predictive probabilities, exact coverage and per-cohort
summaries.

Every interval equals R where R has it (``binom.test``, ``prop.test``, ``qbeta``); methods that
R's base distribution lacks (mid-p, Blaker, Agresti-Coull, Wald, HPD) are checked against R code
of ours in ``tests/reference/rates/make_rates.R``.

>>> from smalltrial.rates import proportion_ci
>>> ci = proportion_ci(5, 5)
>>> round(ci.lower, 4), ci.upper
(0.4782, 1.0)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result
from smalltrial._validate import (
    check_choice,
    check_column_name,
    check_count,
    check_counts,
    check_label_column,
    check_level,
    check_numbers,
    check_probability,
    column_values,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "METHODS",
    "ALTERNATIVES",
    "ProportionCI",
    "proportion_ci",
    "BinomialTest",
    "binomial_test",
    "BetaPosterior",
    "beta_posterior",
    "coverage",
    "summarize",
    "POOLING_METHODS",
    "PooledProportion",
    "pooled_proportion",
    "DIFFERENCE_METHODS",
    "ProportionDifference",
    "proportion_difference",
    "TwoByTwoTest",
    "fisher_exact",
    "boschloo_test",
]

#: accepted ``method`` names of :func:`proportion_ci` (``exact`` is an alias of ``clopper-pearson``)
METHODS = (
    "clopper-pearson",
    "exact",
    "mid-p",
    "blaker",
    "wilson",
    "wilson-cc",
    "jeffreys",
    "agresti-coull",
    "wald",
)
ALTERNATIVES = ("two-sided", "greater", "less")

#: relative fuzz used when tail probabilities or densities are compared (R binom.test, exactci)
REL_ERR = 1.0 + 1e-7


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _show_pairs(x: np.ndarray, n: np.ndarray, bad: np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(bad.ravel())
    pairs = ", ".join(
        f"x={int(x.ravel()[i])}, n={int(n.ravel()[i])}" for i in idx[:limit]
    )
    if idx.size > limit:
        pairs += f", ... ({idx.size} in all)"
    return pairs


def _check_finite_array(values: Any, name: str) -> None:
    if isinstance(values, numbers.Real) and not isinstance(values, bool):
        if math.isinf(float(values)):
            raise SmallTrialError(f"{name} must be a whole number, got {values!r}")
        return
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return  # check_counts reports it
    bad = np.isinf(arr)
    if bad.any():
        raise SmallTrialError(f"{name} must be whole numbers, got {arr[bad][:5].tolist()}")


def _counts(x: Any, n: Any, *, n_min: int = 1) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate counts ``x`` (>= 0) and ``n`` (>= n_min) with x <= n; broadcast them."""
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0 and not isinstance(x, np.ndarray) and not (
        isinstance(n, np.ndarray)
    )
    if scalar:
        for value, name in ((x, "x"), (n, "n")):
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                if math.isinf(float(value)):
                    raise SmallTrialError(f"{name} must be a whole number, got {value!r}")
        xi = check_count(x, "x")
        ni = check_count(n, "n", minimum=n_min)
        if xi > ni:
            raise SmallTrialError(f"x must be <= n; got x={xi}, n={ni}")
        return np.asarray(xi, dtype=np.int64), np.asarray(ni, dtype=np.int64), True
    _check_finite_array(x, "x")
    _check_finite_array(n, "n")
    xa = check_counts(x, "x")
    na = check_counts(n, "n", minimum=n_min)
    try:
        xa, na = np.broadcast_arrays(xa, na)
    except ValueError:
        raise SmallTrialError(
            f"x and n cannot be broadcast together: shapes {np.shape(xa)} and {np.shape(na)}"
        ) from None
    bad = xa > na
    if bad.any():
        raise SmallTrialError(f"x must be <= n; got {_show_pairs(xa, na, bad)}")
    return xa, na, False


def _dedupe(x: np.ndarray, n: np.ndarray):
    """Distinct (x, n) pairs of large arrays and the map back, or None when not worth it.

    Uses a presence table over the (x, n) grid (linear time, no sort) when it is small.
    """
    if x.size < 2048:
        return None
    nmax = int(n.max())
    width = nmax + 1
    if width * width > 8 * x.size + 1_000_000:
        return None
    key = (x.ravel() * width + n.ravel()).astype(np.int64)
    present = np.zeros(width * width, dtype=bool)
    present[key] = True
    keys = np.flatnonzero(present)
    if keys.size > x.size // 2:
        return None
    slot = np.cumsum(present) - 1
    return keys // width, keys % width, slot[key]


def _out(value: np.ndarray, scalar: bool):
    return float(value) if scalar else value


# --------------------------------------------------------------------------------------------
# interval methods (vectorised; x, n int64 arrays of one shape, x <= n, n >= 1)
# --------------------------------------------------------------------------------------------


def _cp_lower(x: np.ndarray, n: np.ndarray, tail: float) -> np.ndarray:
    """Clopper-Pearson lower bound with ``tail`` probability above it (0 at x = 0)."""
    from scipy.special import betaincinv

    pos = x > 0
    if pos.all():
        return betaincinv(x, n - x + 1, tail)
    out = np.zeros(x.shape)
    out[pos] = betaincinv(x[pos], (n - x + 1)[pos], tail)
    return out


def _cp_upper(x: np.ndarray, n: np.ndarray, tail: float) -> np.ndarray:
    """Clopper-Pearson upper bound with ``tail`` probability below it (1 at x = n)."""
    return 1.0 - _cp_lower(n - x, n, tail)


def _jeffreys_lower(x: np.ndarray, n: np.ndarray, tail: float) -> np.ndarray:
    from scipy.special import betaincinv

    out = betaincinv(x + 0.5, n - x + 0.5, tail)
    return np.where(x == 0, 0.0, out)


def _jeffreys_upper(x: np.ndarray, n: np.ndarray, tail: float) -> np.ndarray:
    from scipy.special import betaincinv

    out = betaincinv(x + 0.5, n - x + 0.5, 1.0 - tail)
    return np.where(x == n, 1.0, out)


def _prop_test(x, n, z, alternative, correct):
    """R ``prop.test`` one-sample interval (score/Wilson, optionally continuity-corrected).

    As R, the continuity correction is ``min(0.5, |x - n/2|)`` (R uses the default null
    p = 0.5 there), and a corrected centre outside [0, 1] gives the bound 0 or 1.
    """
    xf = x.astype(float)
    nf = n.astype(float)
    est = xf / nf
    if correct:
        yates = np.minimum(0.5, np.abs(xf - nf * 0.5))
    else:
        yates = np.zeros_like(est)
    z22n = z * z / (2.0 * nf)
    with np.errstate(invalid="ignore"):
        pc = est + yates / nf
        pu = (pc + z22n + z * np.sqrt(pc * (1 - pc) / nf + z22n / (2 * nf))) / (1 + 2 * z22n)
        pu = np.where(pc >= 1, 1.0, pu)
        pc = est - yates / nf
        pl = (pc + z22n - z * np.sqrt(pc * (1 - pc) / nf + z22n / (2 * nf))) / (1 + 2 * z22n)
        pl = np.where(pc <= 0, 0.0, pl)
    return np.maximum(pl, 0.0), np.minimum(pu, 1.0)


def _agresti_coull(x, n, z):
    nt = n + z * z
    pt = (x + z * z / 2.0) / nt
    half = z * np.sqrt(pt * (1 - pt) / nt)
    return np.clip(pt - half, 0.0, 1.0), np.clip(pt + half, 0.0, 1.0)


def _wald(x, n, z):
    p = x / n
    half = z * np.sqrt(p * (1 - p) / n)
    return np.clip(p - half, 0.0, 1.0), np.clip(p + half, 0.0, 1.0)


def _solve_bracketed(f, fprime, lo, hi, start=None, *, max_iter: int = 200):
    """Vectorised safeguarded Newton for ``f`` (< 0 below its root, >= 0 above) in [lo, hi].

    ``f(p, i)`` and ``fprime(p, i)`` evaluate at ``p`` for the elements ``i`` (an index array),
    so each element stops as soon as it has converged: its Newton step is below 1e-9 p (the
    next would be of the order of its square) or its bracket is narrower than 1e-15 p. Newton
    steps that leave the bracket (kept by the sign of f, so f need only change sign once, not
    be monotone) are replaced by bisection. ``start`` (default the midpoint) is clipped into
    the bracket.
    """
    lo = np.array(lo, dtype=float).ravel()
    hi = np.array(hi, dtype=float).ravel()
    mid = 0.5 * (lo + hi)
    if start is None:
        p = mid
    else:
        p = np.array(start, dtype=float).ravel()
        p = np.where((p > lo) & (p < hi), p, mid)
    out = p.copy()
    idx = np.arange(p.size)
    for _ in range(max_iter):
        if idx.size == 0:
            break
        v = f(p, idx)
        lo = np.where(v < 0, p, lo)
        hi = np.where(v >= 0, p, hi)
        d = fprime(p, idx)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pn = p - v / d
        bad = ~((pn >= lo) & (pn <= hi))  # also NaN
        pn = np.where(bad, 0.5 * (lo + hi), pn)
        pn = np.where(v == 0, p, pn)
        # a Newton step of relative size 1e-9 leaves an error of the order of its square:
        # the root is then known to rounding (f itself is accurate to ~1e-15 only)
        done = ((~bad & (np.abs(pn - p) <= 1e-300 + 1e-9 * pn))
                | (hi - lo <= 1e-300 + 1e-15 * pn))
        out[idx] = pn
        keep = ~done
        idx, p, lo, hi = idx[keep], pn[keep], lo[keep], hi[keep]
    return out


def _midp_lower(x: np.ndarray, n: np.ndarray, tail: float) -> np.ndarray:
    """Mid-p lower bound: solves 0.5 P(X = x) + P(X > x) = tail (0 at x = 0).

    0.5 P(X = x) + P(X > x) = 0.5 (I_p(x, n - x + 1) + I_p(x + 1, n - x)) is increasing in p;
    Newton from the Wilson bound, safeguarded in [0, 1].
    """
    from scipy.special import betainc, betaln, ndtri

    out = np.zeros(x.shape)
    pos = x > 0
    if not pos.any():
        return out
    xp, np_ = x[pos], n[pos]
    full = xp == np_
    res = np.empty(xp.shape)
    # x = n: 0.5 p^n = tail
    if full.any():
        res[full] = np.minimum((2.0 * tail) ** (1.0 / np_[full]), 1.0)
    inner = ~full
    if inner.any():
        xi, ni = xp[inner], np_[inner]
        a1, b1 = xi.astype(float), (ni - xi + 1).astype(float)
        a2, b2 = a1 + 1, b1 - 1
        lb1, lb2 = betaln(a1, b1), betaln(a2, b2)

        def f(p, i):
            return 0.5 * (betainc(a1[i], b1[i], p) + betainc(a2[i], b2[i], p)) - tail

        def fp(p, i):
            lp, lq = np.log(p), np.log1p(-p)
            return 0.5 * (
                np.exp((a1[i] - 1) * lp + (b1[i] - 1) * lq - lb1[i])
                + np.exp((a2[i] - 1) * lp + (b2[i] - 1) * lq - lb2[i])
            )

        # start: the Wilson score bound, within a few per cent of the mid-p one
        z2 = float(ndtri(tail)) ** 2
        est = a1 / ni
        start = (est + z2 / (2 * ni) - np.sqrt(z2 * est * (1 - est) / ni + z2 * z2 / (4 * ni * ni))
                 ) / (1 + z2 / ni)
        zeros = np.zeros(xi.shape)
        res[inner] = _solve_bracketed(f, fp, zeros, zeros + 1.0, start)
    out[pos] = res
    return out


def _binom_pmf_n1(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """n b(k; n - 1, p): the derivative in p of P(X >= k + 1) for X ~ Bin(n, p), 0 <= k < n."""
    from scipy.special import betaln

    m = n - 1
    with np.errstate(divide="ignore"):
        log = (-np.log(m + 1.0) - betaln(k + 1.0, m - k + 1.0) + k * np.log(p)
               + (m - k) * np.log1p(-p))
    return n * np.exp(log)


def _blaker_lower(x: np.ndarray, n: np.ndarray, alpha: float) -> np.ndarray:
    """Blaker (2000) lower limits inf{p : acceptability(p) >= alpha}, solved exactly.

    Below x/n the acceptability is a(p) = P(X >= x) + P(X <= k*(p)), with k*(p) the largest
    k < x whose lower tail is <= the upper tail of x (relative fuzz 1e-7, as R binom.test and
    exactci). k* changes at break points (roots of P(X <= k) = P(X >= x) (1 + 1e-7)) where a
    jumps up; between them a is smooth and quasi-convex (its derivative
    n [b(x - 1; n - 1, p) - b(k; n - 1, p)] changes sign once, from - to +, because the ratio of
    the two binomial terms is monotone in p), so within a segment that starts below alpha the
    first point with a >= alpha is the single crossing of its increasing part. Walking the
    segments upward from the Clopper-Pearson bound, the limit is either that crossing or a
    break point where a jumps over alpha. All pairs walk together: each round finds the next
    break point and the crossings by vectorised safeguarded Newton (to ~1e-15). The acceptance
    set need not be convex (Vos & Hudson 2008): e.g. at 116/150 it contains a sliver
    [0.697923, ~0.69794] below the main part (from ~0.698801); like Blaker's definition of the
    interval as the smallest one containing the set, the limit is the sliver's start, which
    step searches (Blaker's appendix code, step 1e-4) can miss.
    """
    from scipy.special import bdtr, bdtrc, betaincinv

    out = np.zeros(x.shape)
    act = np.flatnonzero(x > 0)
    if act.size == 0:
        return out
    xs, ns = x[act], n[act]
    top = xs / ns
    c = betaincinv(xs, ns - xs + 1, alpha / 2.0)
    # k*(c): the largest k < x with P(X <= k) <= P(X >= x) (1 + 1e-7), or -1 (binary search;
    # the lower tail grows with k)
    bound = bdtrc(xs - 1, ns, c) * REL_ERR
    k_ok, k_bad = np.full(xs.shape, -1), xs.copy()
    while True:
        open_ = k_bad - k_ok > 1
        if not open_.any():
            break
        mid = (k_ok + k_bad) // 2
        ok = open_ & (bdtr(np.maximum(mid, 0), ns, c) <= bound)
        k_ok = np.where(ok, mid, k_ok)
        k_bad = np.where(open_ & ~ok, mid, k_bad)
    k = k_ok

    def accept(p, k, xs, ns):
        lower_tail = np.where(k >= 0, bdtr(np.maximum(k, 0), ns, p), 0.0)
        return bdtrc(xs - 1, ns, p) + lower_tail

    while act.size:
        # the next break point b in [c, top]: root of the decreasing
        # h(p) = P(X <= k + 1) - (1 + 1e-7) P(X >= x); top when there is none
        b = top.copy()
        nxt = np.flatnonzero(k + 1 <= xs - 1)
        if nxt.size:
            kk, xx, nn = k[nxt] + 1, xs[nxt], ns[nxt]
            h_top = bdtr(kk, nn, top[nxt]) - REL_ERR * bdtrc(xx - 1, nn, top[nxt])
            root = h_top < 0
            kk, xx, nn, sel = kk[root], xx[root], nn[root], nxt[root]
            if sel.size:

                def neg_h(p, i, kk=kk, xx=xx, nn=nn):
                    return REL_ERR * bdtrc(xx[i] - 1, nn[i], p) - bdtr(kk[i], nn[i], p)

                def neg_h_prime(p, i, kk=kk, xx=xx, nn=nn):
                    return (REL_ERR * _binom_pmf_n1(xx[i] - 1, nn[i], p)
                            + _binom_pmf_n1(kk[i], nn[i], p))

                b[sel] = _solve_bracketed(neg_h, neg_h_prime, c[sel], top[sel])
        a_b = accept(b, k, xs, ns)
        result = np.full(xs.shape, np.nan)
        reached = a_b >= alpha
        if reached.any():
            r = np.flatnonzero(reached)
            a_c = accept(c[r], k[r], xs[r], ns[r])
            result[r[a_c >= alpha]] = c[r[a_c >= alpha]]
            r = r[a_c < alpha]
            if r.size:
                kk, xx, nn = k[r], xs[r], ns[r]

                def f(p, i, kk=kk, xx=xx, nn=nn):
                    return accept(p, kk[i], xx[i], nn[i]) - alpha

                def f_prime(p, i, kk=kk, xx=xx, nn=nn):
                    lower = np.where(kk[i] >= 0,
                                     _binom_pmf_n1(np.maximum(kk[i], 0), nn[i], p), 0.0)
                    return _binom_pmf_n1(xx[i] - 1, nn[i], p) - lower

                result[r] = _solve_bracketed(f, f_prime, c[r], b[r])
        at_top = ~reached & (b >= top)
        result[at_top] = top[at_top]
        # otherwise a jumps at b (term k + 1 joins): the limit is b if that reaches alpha
        rest = np.flatnonzero(~reached & ~at_top)
        if rest.size:
            jump = accept(b[rest], k[rest] + 1, xs[rest], ns[rest]) >= alpha
            result[rest[jump]] = b[rest[jump]]
        done = ~np.isnan(result)
        out[act[done]] = result[done]
        keep = ~done
        act, xs, ns, top, c, k = act[keep], xs[keep], ns[keep], top[keep], b[keep], k[keep] + 1
    return out


def _blaker(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Blaker limits; the upper limit of x is 1 - the lower limit of n - x."""
    both_x = np.concatenate([x.ravel(), (n - x).ravel()])
    both_n = np.concatenate([n.ravel(), n.ravel()])
    width = int(both_n.max()) + 1
    keys, inverse = np.unique(both_x * width + both_n, return_inverse=True)
    low = _blaker_lower(keys // width, keys % width, 1.0 - level)[inverse.ravel()]
    return low[: x.size].reshape(x.shape), (1.0 - low[x.size:]).reshape(x.shape)


def _interval(x, n, level, method, alternative):
    """Lower and upper bounds (numpy arrays) for validated inputs."""
    from scipy.special import ndtri

    alpha = 1.0 - level
    tail = alpha / 2.0 if alternative == "two-sided" else alpha
    if method == "blaker" and alternative == "two-sided":
        return _blaker(x, n, level)
    if method in ("clopper-pearson", "blaker"):
        lower = _cp_lower(x, n, tail) if alternative != "less" else np.zeros(x.shape)
        upper = _cp_upper(x, n, tail) if alternative != "greater" else np.ones(x.shape)
        return lower, upper
    if method == "mid-p":
        lower = _midp_lower(x, n, tail) if alternative != "less" else np.zeros(x.shape)
        upper = 1.0 - _midp_lower(n - x, n, tail) if alternative != "greater" else np.ones(x.shape)
        return lower, upper
    if method == "jeffreys":
        lower = _jeffreys_lower(x, n, tail) if alternative != "less" else np.zeros(x.shape)
        upper = _jeffreys_upper(x, n, tail) if alternative != "greater" else np.ones(x.shape)
        return lower, upper
    z = float(ndtri(1.0 - tail))
    if method in ("wilson", "wilson-cc"):
        lower, upper = _prop_test(x, n, z, alternative, correct=method == "wilson-cc")
    elif method == "agresti-coull":
        lower, upper = _agresti_coull(x, n, z)
    else:  # wald
        lower, upper = _wald(x, n, z)
    if alternative == "greater":
        upper = np.ones(x.shape)
    elif alternative == "less":
        lower = np.zeros(x.shape)
    return lower, upper


# --------------------------------------------------------------------------------------------
# proportion_ci
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class ProportionCI(Result):
    """A binomial proportion with its confidence interval (scalars, or numpy arrays)."""

    x: Any
    n: Any
    estimate: Any
    lower: Any
    upper: Any
    level: float
    method: str
    alternative: str

    def confidence_interval(self) -> tuple[Any, Any]:
        """``(lower, upper)``, as scipy's ``BinomTestResult.proportion_ci``."""
        return self.lower, self.upper

    def to_frame(self) -> pd.DataFrame:
        """One row per proportion: x, n, estimate, lower, upper, level, method, alternative."""
        import pandas as pd

        cols = {k: np.ravel(getattr(self, k)) for k in ("x", "n", "estimate", "lower", "upper")}
        size = cols["x"].size
        frame = pd.DataFrame(cols)
        frame["level"] = np.full(size, self.level)
        frame["method"] = self.method
        frame["alternative"] = self.alternative
        return frame


def proportion_ci(
    x: Any,
    n: Any,
    *,
    level: float = 0.95,
    method: str = "clopper-pearson",
    alternative: str = "two-sided",
) -> ProportionCI:
    """Confidence interval for a binomial proportion ``x / n``.

    Parameters
    ----------
    x, n : int or array-like of int
        Responders and patients; broadcast together. Scalars give Python floats, array-likes
        numpy arrays (vectorised: no per-element Python loop).
    level : float
        Confidence level in (0, 1).
    method : str
        ``clopper-pearson`` (alias ``exact``): Clopper & Pearson (1934), Beta quantiles, equal
        to R ``binom.test``. ``mid-p``: inverts the mid-p exact test (Lancaster 1961; Berry &
        Armitage 1995): the lower bound solves 0.5 P(X = x) + P(X > x) = alpha/2, 0 at x = 0
        (and symmetrically the upper bound, 1 at x = n); solved by safeguarded Newton to ~1e-15.
        ``blaker``: Blaker (2000) acceptability interval (the smallest interval containing the
        acceptability set, as Blaker's own R code), tails compared with relative fuzz 1e-7.
        ``wilson``: score interval, equal to R ``prop.test(correct = FALSE)``. ``wilson-cc``:
        equal to R ``prop.test(correct = TRUE)``, including R's rules: the correction is
        min(0.5, |x - n/2|) and a corrected centre beyond 0 or 1 gives the bound 0 or 1.
        ``jeffreys``: equal-tailed Beta(x + 1/2, n - x + 1/2) interval with lower = 0 at x = 0
        and upper = 1 at x = n (Brown, Cai & DasGupta 2001). ``agresti-coull`` (Agresti & Coull
        1998) and ``wald``: clipped to [0, 1].
    alternative : str
        ``two-sided``; ``greater`` (one-sided lower bound at ``level``, upper = 1); ``less``
        (upper bound, lower = 0). One-sided ``blaker`` is the one-sided Clopper-Pearson bound
        (the acceptability function of a one-sided test is its exact tail), as R exactci.
        One-sided score intervals use z = qnorm(level), as R ``prop.test``.

    R is followed throughout. SAS PROC FREQ ``BINOMIAL(CL=...)`` offers the same families
    (EXACT, MIDP, BLAKER, WILSON, JEFFREYS, AGRESTICOULL, WALD) but prints Wald and exact
    limits by default; here the default is exact Clopper-Pearson.

    Examples
    --------
    >>> ci = proportion_ci(12, 15)
    >>> round(ci.lower, 3), round(ci.upper, 3)
    (0.519, 0.957)
    >>> proportion_ci([5, 8], [5, 8]).lower.round(3)
    array([0.478, 0.631])
    """
    level = check_level(level)
    method = check_choice(method, "method", METHODS)
    alternative = check_choice(alternative, "alternative", ALTERNATIVES)
    if method == "exact":
        method = "clopper-pearson"
    xa, na, scalar = _counts(x, n)
    if xa.size == 0:
        raise SmallTrialError("x and n are empty: give at least one count")
    unique = None if scalar else _dedupe(xa, na)
    if unique is None:
        lower, upper = _interval(xa, na, level, method, alternative)
    else:
        ux, un, inverse = unique
        ulo, uup = _interval(ux, un, level, method, alternative)
        lower, upper = ulo[inverse].reshape(xa.shape), uup[inverse].reshape(xa.shape)
    estimate = xa / na
    if scalar:
        return ProportionCI(int(xa), int(na), float(estimate), float(lower), float(upper),
                            level, method, alternative)
    return ProportionCI(xa, na, estimate, lower, upper, level, method, alternative)


# --------------------------------------------------------------------------------------------
# binomial_test
# --------------------------------------------------------------------------------------------


def _check_p0(p0: Any, name: str = "p0") -> float:
    return check_probability(p0, name)


def _scalar_counts(x: Any, n: Any, *, n_min: int = 1) -> tuple[int, int]:
    """One count pair (functions without array broadcasting): x <= n, whole numbers."""
    for value, name in ((x, "x"), (n, "n")):
        if np.ndim(value) != 0 or isinstance(value, np.ndarray):
            raise SmallTrialError(f"{name} must be a single whole number, got {value!r}")
    xa, na, _ = _counts(x, n, n_min=n_min)
    return int(xa), int(na)


def _two_sided_pvalue(x: int, n: int, p: float) -> float:
    """Two-sided exact p-value exactly as R ``binom.test`` (relative fuzz 1 + 1e-7)."""
    from scipy.stats import binom

    d = binom.pmf(x, n, p)
    m = n * p
    if x == m:
        return 1.0
    if x < m:
        i = np.arange(math.ceil(m), n + 1)
        y = int(np.count_nonzero(binom.pmf(i, n, p) <= d * REL_ERR))
        pval = binom.cdf(x, n, p) + binom.sf(n - y, n, p)
    else:
        i = np.arange(0, math.floor(m) + 1)
        y = int(np.count_nonzero(binom.pmf(i, n, p) <= d * REL_ERR))
        pval = binom.cdf(y - 1, n, p) + binom.sf(x - 1, n, p)
    return float(min(1.0, pval))


@dataclass(frozen=True, repr=False)
class BinomialTest(Result):
    """Exact binomial test of H0: p = p0 (one-sided: p <= p0 or p >= p0)."""

    #: the ARD ``method`` of its statistics
    method: ClassVar[str] = "exact binomial"

    x: int
    n: int
    p0: float
    alternative: str
    statistic: int
    estimate: float
    pvalue: float
    mid_pvalue: float

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Clopper-Pearson interval matching the test's alternative, as R ``binom.test``."""
        ci = proportion_ci(self.x, self.n, level=level, method="clopper-pearson",
                           alternative=self.alternative)
        return ci.lower, ci.upper


def binomial_test(x: int, n: int, p0: float, *, alternative: str = "greater") -> BinomialTest:
    """Exact binomial test of a response rate against a historical rate ``p0``.

    Parameters
    ----------
    x, n : int
        Responders and patients (n >= 1).
    p0 : float
        Null response rate in (0, 1).
    alternative : str
        ``greater`` (default: H1 p > p0, the usual single-arm efficacy question), ``less`` or
        ``two-sided``.

    The p-value is exact; the two-sided one is R ``binom.test``'s (Sterne's minimum-likelihood
    rule: the outcomes with probability <= P(X = x) (1 + 1e-7)). ``mid_pvalue`` subtracts half the
    probability of the observed outcome from the one-sided p-value (Lancaster 1961); the
    two-sided mid-p value is twice the smaller one-sided one (capped at 1), consistent with the
    ``mid-p`` interval of :func:`proportion_ci`. R is followed where it differs from SAS:
    PROC FREQ ``EXACT BINOMIAL`` reports twice the one-sided p-value as its two-sided one,
    which can differ from R's (one-sided p-values agree).

    Examples
    --------
    >>> res = binomial_test(5, 5, 0.2)
    >>> round(res.pvalue, 5)
    0.00032
    """
    from scipy.stats import binom

    alternative = check_choice(alternative, "alternative", ALTERNATIVES)
    xi, ni = _scalar_counts(x, n)
    p = _check_p0(p0)
    pmf = float(binom.pmf(xi, ni, p))
    upper_tail = float(binom.sf(xi - 1, ni, p))  # P(X >= x)
    lower_tail = float(binom.cdf(xi, ni, p))  # P(X <= x)
    mid_greater = upper_tail - 0.5 * pmf
    mid_less = lower_tail - 0.5 * pmf
    if alternative == "greater":
        pvalue, mid = upper_tail, mid_greater
    elif alternative == "less":
        pvalue, mid = lower_tail, mid_less
    else:
        pvalue = _two_sided_pvalue(xi, ni, p)
        mid = min(1.0, 2.0 * min(mid_greater, mid_less))
    return BinomialTest(xi, ni, p, alternative, xi, xi / ni, pvalue, mid)


# --------------------------------------------------------------------------------------------
# beta_posterior
# --------------------------------------------------------------------------------------------


def _check_prior(prior: Any) -> tuple[float, float]:
    try:
        a0, b0 = prior
    except (TypeError, ValueError):
        raise SmallTrialError(f"prior must be a pair (a, b) of positive numbers, got {prior!r}") from None
    for v in (a0, b0):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (
            math.isfinite(float(v)) and float(v) > 0
        ):
            raise SmallTrialError(f"prior must be a pair (a, b) of positive numbers, got {prior!r}")
    return float(a0), float(b0)


@dataclass(frozen=True, repr=False)
class BetaPosterior(Result):
    """Beta(a, b) posterior of a response rate after x responders in n patients."""

    x: int
    n: int
    prior: tuple[float, float]
    a: float
    b: float
    mean: float
    median: float

    def interval(self, level: float = 0.95, kind: str = "equal-tailed") -> tuple[float, float]:
        """Credible interval: ``equal-tailed`` (Beta quantiles) or ``hpd`` (highest density).

        The HPD interval of a unimodal Beta has equal density at both ends; it is found by
        solving f(Q(t + level)) = f(Q(t)) for t (brentq, xtol 1e-15). A density that is
        monotone (a <= 1 < b, as at x = 0 with a uniform prior; or b <= 1 < a) gives
        [0, Q(level)] or [Q(1 - level), 1]. With a <= 1 and b <= 1 the density is U-shaped or
        flat, the HPD region is no interval (or not unique): NaN with a warning.
        """
        from scipy.optimize import brentq
        from scipy.stats import beta as beta_dist

        level = check_level(level)
        kind = check_choice(kind, "kind", ("equal-tailed", "hpd"))
        a, b = self.a, self.b
        if kind == "equal-tailed":
            lo, hi = beta_dist.ppf([(1 - level) / 2, (1 + level) / 2], a, b)
            return float(lo), float(hi)
        if a <= 1 and b > 1:
            return 0.0, float(beta_dist.ppf(level, a, b))
        if b <= 1 and a > 1:
            return float(beta_dist.ppf(1 - level, a, b)), 1.0
        if a <= 1 and b <= 1:
            warn(f"the Beta({a:g}, {b:g}) posterior is not unimodal: its HPD region is not a "
                 "unique interval", None)
            return math.nan, math.nan

        def f(t):
            return beta_dist.pdf(beta_dist.ppf(t + level, a, b), a, b) - beta_dist.pdf(
                beta_dist.ppf(t, a, b), a, b
            )

        t = brentq(f, 0.0, 1.0 - level, xtol=1e-16, rtol=1e-15, maxiter=1000)
        lo, hi = beta_dist.ppf([t, t + level], a, b)
        return float(lo), float(hi)

    def prob_above(self, p0: float) -> float:
        """Posterior probability P(p > p0)."""
        from scipy.stats import beta as beta_dist

        p0 = _check_probability_closed(p0, "p0")
        return float(beta_dist.sf(p0, self.a, self.b))

    def _predictive_pmf(self, m: int) -> np.ndarray:
        from scipy.special import betaln, gammaln

        y = np.arange(m + 1)
        return np.exp(
            gammaln(m + 1) - gammaln(y + 1) - gammaln(m - y + 1)
            + betaln(self.a + y, self.b + m - y) - betaln(self.a, self.b)
        )

    def predictive_success(self, m: int, k_total: int) -> float:
        """P(final responders >= k_total) when ``m`` more patients are enrolled.

        The future responders Y follow the beta-binomial(m, a, b) posterior predictive; the
        result is P(x + Y >= k_total) (1 when k_total <= x, 0 when k_total > x + m).
        """
        m = check_count(m, "m")
        k_total = check_count(k_total, "k_total")
        pmf = self._predictive_pmf(m)
        y = np.arange(m + 1)
        return float(min(1.0, pmf[self.x + y >= k_total].sum()))

    def predictive_probability(self, m: int, p0: float, threshold: float = 0.95) -> float:
        """Predictive probability of trial success (Lee & Liu, Clin Trials 2008;5:93).

        Success at the final analysis (after ``m`` more patients, x + Y responders in n + m)
        means the posterior P(p > p0) exceeds ``threshold`` (same prior); the predictive
        probability is the beta-binomial probability of the Y that achieve it.
        """
        from scipy.stats import beta as beta_dist

        m = check_count(m, "m")
        p0 = _check_p0(p0)
        threshold = check_level(threshold, "threshold")
        pmf = self._predictive_pmf(m)
        y = np.arange(m + 1)
        a0, b0 = self.prior
        post = beta_dist.sf(p0, a0 + self.x + y, b0 + self.n + m - self.x - y)
        return float(min(1.0, pmf[post > threshold].sum()))


def _check_probability_closed(p: Any, name: str) -> float:
    """A probability in [0, 1] (private helper)."""
    return check_probability(p, name, open_interval=False)


def beta_posterior(x: int, n: int, *, prior: tuple[float, float] = (1, 1)) -> BetaPosterior:
    """Beta posterior of a response rate: Beta(a0 + x, b0 + n - x) for prior Beta(a0, b0).

    Parameters
    ----------
    x, n : int
        Responders and patients (n = 0 gives the prior itself).
    prior : (float, float)
        Beta prior parameters, default uniform (1, 1); (0.5, 0.5) is Jeffreys'.

    Conjugate Beta-binomial analysis (e.g. Thall & Simon 1994; Lee & Liu 2008). Values equal R
    ``qbeta``/``pbeta``; the HPD interval and predictive probabilities are checked against R
    code in tests/reference/rates/make_rates.R.

    Examples
    --------
    >>> post = beta_posterior(5, 5)
    >>> round(post.mean, 4), round(post.prob_above(0.5), 4)
    (0.8571, 0.9844)
    """
    from scipy.stats import beta as beta_dist

    xi, ni = _scalar_counts(x, n, n_min=0)
    a0, b0 = _check_prior(prior)
    a, b = a0 + xi, b0 + ni - xi
    return BetaPosterior(xi, ni, (a0, b0), a, b, a / (a + b), float(beta_dist.median(a, b)))


# --------------------------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------------------------


def coverage(
    n: int,
    *,
    method: str,
    level: float = 0.95,
    p: Any = None,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Exact coverage probability of an interval method for n patients, as a function of p.

    Parameters
    ----------
    n : int
        Number of patients (>= 1).
    method, level, alternative : as :func:`proportion_ci`.
    p : float or array of float, optional
        True response rates in [0, 1] at which to evaluate; default the 1000 points i/1001,
        i = 1..1000.

    Method: coverage(p) = sum over x = 0..n of P(X = x | n, p) [lower(x) <= p <= upper(x)],
    exact, no simulation (Brown, Cai & DasGupta, Stat Sci 2001;16:101). Returns a DataFrame
    with columns ``p`` and ``coverage``.

    Examples
    --------
    >>> cov = coverage(10, method="clopper-pearson")
    >>> bool(cov["coverage"].min() >= 0.95)
    True
    """
    import pandas as pd
    from scipy.stats import binom

    if isinstance(n, numbers.Real) and not isinstance(n, bool) and math.isinf(float(n)):
        raise SmallTrialError(f"n must be a whole number, got {n!r}")
    nn = check_count(n, "n", minimum=1)
    level = check_level(level)
    method = check_choice(method, "method", METHODS)
    alternative = check_choice(alternative, "alternative", ALTERNATIVES)
    if p is None:
        grid = np.arange(1, 1001) / 1001.0
    else:
        grid = check_numbers(p, "p")
        bad = ~((grid >= 0) & (grid <= 1))
        if bad.any() or grid.size == 0:
            raise SmallTrialError(f"p must be probabilities in [0, 1], got {grid[bad][:5].tolist()}")
    xs = np.arange(nn + 1)
    ci = proportion_ci(xs, np.full(nn + 1, nn), level=level, method=method,
                       alternative=alternative)
    pmf = binom.pmf(xs[None, :], nn, grid[:, None])
    inside = (ci.lower[None, :] <= grid[:, None]) & (grid[:, None] <= ci.upper[None, :])
    return pd.DataFrame({"p": grid, "coverage": (pmf * inside).sum(axis=1)})


# --------------------------------------------------------------------------------------------
# summarize
# --------------------------------------------------------------------------------------------


def _binary_response(data, response: str):
    """Responses as float 1/0 with NaN = not evaluable; reject anything else, naming it."""
    import pandas as pd

    from smalltrial._validate import describe_rows

    col = column_values(data, response)
    missing = col.isna().to_numpy()
    if pd.api.types.is_bool_dtype(col):
        values = col.astype(float).to_numpy()
        values[missing] = np.nan
        return values
    if pd.api.types.is_numeric_dtype(col):
        values = col.astype(float).to_numpy()
        bad = ~missing & ~np.isin(values, (0.0, 1.0))
    else:
        values = np.full(len(col), np.nan)
        bad = np.zeros(len(col), dtype=bool)
        for i, v in enumerate(col.tolist()):
            if missing[i]:
                continue
            if isinstance(v, (bool, np.bool_)):
                values[i] = float(v)
            elif isinstance(v, numbers.Real) and float(v) in (0.0, 1.0):
                values[i] = float(v)
            else:
                bad[i] = True
    if bad.any():
        shown = list(dict.fromkeys(map(repr, col[bad].tolist())))[:5]
        raise SmallTrialError(
            f"column {response!r} of data must be binary (0/1 or True/False; NaN = not "
            f"evaluable); got {', '.join(shown)} ({describe_rows(data, bad)})"
        )
    values[missing] = np.nan
    return values


def summarize(
    data: pd.DataFrame,
    *,
    response: str,
    cohort: str | None = None,
    level: float = 0.95,
    method: str = "clopper-pearson",
) -> pd.DataFrame:
    """Response rate with confidence interval per cohort and overall, from a responder column.

    Parameters
    ----------
    data : DataFrame
        One row per patient.
    response : str
        Column with 1/True (responder), 0/False (non-responder) or NaN (not evaluable: counted
        in ``not_evaluable``, not in ``n``).
    cohort : str, optional
        Grouping column; rows follow the categories of a categorical column, else sorted
        values; a final row ``overall`` pools all patients. Without it, one ``overall`` row.
    level, method : as :func:`proportion_ci` (default exact Clopper-Pearson).

    Returns a DataFrame with columns ``cohort, responders, n, not_evaluable, estimate, lower,
    upper, level, method`` (raw numbers; formatting is for smalltrial.tables). A cohort without
    evaluable patients has NaN estimate and bounds.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"cohort": ["SLE"] * 5 + ["SSc"] * 2, "remission": [1, 1, 1, 1, 1, 0, 1]})
    >>> summarize(df, response="remission", cohort="cohort")[["cohort", "responders", "n"]].values.tolist()
    [['SLE', 5, 5], ['SSc', 1, 2], ['overall', 6, 7]]
    """
    import pandas as pd

    from smalltrial._validate import check_columns, check_frame, check_no_missing

    level = check_level(level)
    method = check_choice(method, "method", METHODS)
    if method == "exact":
        method = "clopper-pearson"
    check_frame(data)
    check_column_name(response, "response")
    check_column_name(cohort, "cohort", optional=True)
    columns = [response] + ([cohort] if cohort is not None else [])
    check_columns(data, columns)
    values = _binary_response(data, response)
    groups: list[tuple[Any, np.ndarray]] = []
    if cohort is not None:
        check_no_missing(data, cohort)
        check_label_column(data, cohort)
        col = data[cohort]
        if isinstance(col.dtype, pd.CategoricalDtype):
            labels = [c for c in col.cat.categories if (col == c).any()]
        else:
            uniq = list(dict.fromkeys(col.tolist()))
            try:
                labels = sorted(uniq)
            except TypeError:
                labels = uniq
        keys = col.to_numpy()
        for label in labels:
            groups.append((label, values[keys == label]))
    groups.append(("overall", values))
    responders = np.array([int(np.nansum(v)) for _, v in groups], dtype=np.int64)
    evaluable = np.array([int(np.count_nonzero(~np.isnan(v))) for _, v in groups], dtype=np.int64)
    not_evaluable = np.array([int(np.count_nonzero(np.isnan(v))) for _, v in groups])
    estimate = np.full(len(groups), np.nan)
    lower = np.full(len(groups), np.nan)
    upper = np.full(len(groups), np.nan)
    ok = evaluable > 0
    if ok.any():
        ci = proportion_ci(responders[ok], evaluable[ok], level=level, method=method)
        estimate[ok], lower[ok], upper[ok] = ci.estimate, ci.lower, ci.upper
    return pd.DataFrame({
        "cohort": [g for g, _ in groups],
        "responders": responders,
        "n": evaluable,
        "not_evaluable": not_evaluable,
        "estimate": estimate,
        "lower": lower,
        "upper": upper,
        "level": level,
        "method": method,
    })
from smalltrial._meta import POOLING_METHODS, PooledProportion, pooled_proportion  # noqa: E402
from smalltrial._ratediff import (  # noqa: E402
    DIFFERENCE_METHODS,
    ProportionDifference,
    TwoByTwoTest,
    boschloo_test,
    fisher_exact,
    proportion_difference,
)
