"""Random-effects pooling of single-arm cohorts (re-exported by :mod:`smalltrial.rates`).

Two models, each equal to R metafor (reference values in ``tests/reference/pooled/``):

* ``glmm``: the binomial-normal model logit(p_i) = mu + b_i, b_i ~ N(0, tau^2), fitted by
  maximum likelihood with the marginal likelihood from adaptive Gauss-Hermite quadrature with 7
  nodes per cohort, as ``metafor::rma.glmm(measure = "PLO")`` (which calls ``lme4::glmer`` with
  its default ``nAGQ = 7``);
* ``freeman-tukey``: the normal-normal model on the Freeman-Tukey double arcsine scale with REML,
  as ``metafor::rma(measure = "PFT", method = "REML")``, back-transformed by the harmonic mean of
  the cohort sizes (Miller 1978), as metafor's ``transf.ipft.hm``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result
from smalltrial._validate import check_choice, check_counts, check_level

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["POOLING_METHODS", "PooledProportion", "pooled_proportion"]

#: accepted ``method`` names of :func:`pooled_proportion`
POOLING_METHODS = ("glmm", "freeman-tukey")

#: Gauss-Hermite nodes per cohort (lme4 ``nAGQ``; metafor's ``rma.glmm`` default is 7)
N_AGQ = 7


@dataclass(frozen=True, repr=False)
class PooledProportion(Result):
    """A random-effects pooled proportion with its confidence and prediction intervals."""

    estimate: float
    lower: float
    upper: float
    tau2: float
    i2: float
    prediction_lower: float
    prediction_upper: float
    k: int
    level: float
    method: str
    #: pooled value, standard error and tau^2 on the model scale (logit or double arcsine)
    model_estimate: float
    model_std_error: float
    x: tuple[int, ...] = field(default=(), repr=False)
    n: tuple[int, ...] = field(default=(), repr=False)
    warnings: tuple[str, ...] = ()

    _hidden = ("x", "n", "warnings")

    def to_frame(self) -> pd.DataFrame:
        """One row: the pooled estimate, intervals, tau2, I2, k, level and method."""
        import pandas as pd

        return pd.DataFrame({name: [getattr(self, name)] for name in self._public_fields()})

    def studies(self) -> pd.DataFrame:
        """Per-cohort ``x, n, estimate, lower, upper``: exact Clopper-Pearson intervals at ``level``."""
        import pandas as pd

        from smalltrial.rates import proportion_ci

        ci = proportion_ci(np.asarray(self.x), np.asarray(self.n), level=self.level)
        return pd.DataFrame({"x": ci.x, "n": ci.n, "estimate": ci.estimate,
                             "lower": ci.lower, "upper": ci.upper})


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


def _cohorts(x: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    if np.ndim(x) != 1 or np.ndim(n) != 1:
        raise SmallTrialError(
            f"x and n must be one-dimensional sequences of cohort counts, got x={x!r}, n={n!r}"
        )
    xa = check_counts(x, "x")
    na = check_counts(n, "n", minimum=1)
    if xa.size != na.size:
        raise SmallTrialError(f"x and n must have the same length, got {xa.size} and {na.size}")
    if xa.size < 2:
        raise SmallTrialError(f"pooling needs at least 2 cohorts, got {xa.size} (x={xa.tolist()})")
    bad = xa > na
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SmallTrialError(f"x must be <= n; got x={int(xa[i])}, n={int(na[i])} (cohort {i + 1})")
    return xa, na


def _i2(tau2: float, vi: np.ndarray) -> float:
    """I^2 (%) with metafor's typical within-cohort variance (Higgins & Thompson 2002)."""
    w = 1.0 / vi
    k = vi.size
    vt = (k - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum())
    return 100.0 * tau2 / (vt + tau2)


# --------------------------------------------------------------------------------------------
# binomial-normal GLMM by adaptive Gauss-Hermite quadrature
# --------------------------------------------------------------------------------------------


def _loglik(beta: float, tau: float, x: np.ndarray, n: np.ndarray, nodes, weights) -> float:
    """Marginal log-likelihood (up to a constant) by AGQ around each cohort's conditional mode."""
    from scipy.special import expit, log_expit

    if tau == 0.0:
        eta = np.full(x.shape, beta)
        return float(np.sum(x * log_expit(eta) + (n - x) * log_expit(-eta)))
    u = np.zeros(x.shape)
    for _ in range(100):  # Newton for the mode of log p(x | u) + log phi(u) (concave)
        p = expit(beta + tau * u)
        grad = tau * (x - n * p) - u
        hess = -(tau**2) * n * p * (1 - p) - 1.0
        step = grad / hess
        u = u - step
        if np.max(np.abs(step)) < 1e-13:
            break
    p = expit(beta + tau * u)
    sd = 1.0 / np.sqrt(tau**2 * n * p * (1 - p) + 1.0)
    z = u[:, None] + sd[:, None] * nodes[None, :]
    eta = beta + tau * z
    logf = (x[:, None] * log_expit(eta) + (n - x)[:, None] * log_expit(-eta)
            - 0.5 * z**2 + 0.5 * nodes[None, :] ** 2)
    top = logf.max(axis=1, keepdims=True)
    integral = np.log(np.sum(weights[None, :] * np.exp(logf - top), axis=1)) + top[:, 0]
    return float(np.sum(integral + np.log(sd)))


def _fit_glmm(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float]:
    """ML fit: returns (mu, se(mu), tau^2)."""
    from scipy.optimize import minimize_scalar

    if np.all(x == n) or np.all(x == 0):
        which = "x = n" if np.all(x == n) else "x = 0"
        raise SmallTrialError(
            f"every cohort has {which} (x={x.tolist()}, n={n.tolist()}): the binomial-normal "
            "model has no finite estimate (R metafor rma.glmm cannot fit it either); "
            "use method='freeman-tukey'"
        )
    nodes, weights = np.polynomial.hermite_e.hermegauss(N_AGQ)
    weights = weights / math.sqrt(2 * math.pi)
    pooled = math.log((x.sum() + 0.5) / (n.sum() - x.sum() + 0.5))

    def beta_hat(tau: float) -> tuple[float, float]:
        res = minimize_scalar(lambda b: -_loglik(b, tau, x, n, nodes, weights),
                              bracket=(pooled - 1.0, pooled + 1.0),
                              method="brent", options={"xtol": 1e-12, "maxiter": 500})
        return float(res.x), float(res.fun)

    # profile over tau: grid, then Brent refinement around the best grid point
    grid = np.concatenate([[0.0], np.geomspace(1e-2, 20.0, 16)])
    prof = np.array([beta_hat(t)[1] for t in grid])
    best = int(np.argmin(prof))
    if best == grid.size - 1:  # the likelihood keeps rising with tau: no finite optimum
        return math.nan, math.nan, math.nan
    tau = 0.0
    if best > 0:
        lo = grid[best - 1]
        hi = grid[min(best + 1, grid.size - 1)]
        res = minimize_scalar(lambda t: beta_hat(t)[1], bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-11, "maxiter": 500})
        tau = float(res.x) if res.fun <= prof[best] else float(grid[best])
    elif beta_hat(1e-6)[1] < prof[0]:  # the profile may still fall just above 0
        res = minimize_scalar(lambda t: beta_hat(t)[1], bounds=(0.0, grid[1]), method="bounded",
                              options={"xatol": 1e-11, "maxiter": 500})
        if res.fun < prof[0]:
            tau = float(res.x)
    mu = beta_hat(tau)[0]

    # standard error: inverse of the observed information in (tau, mu) (as lme4 vcov with its
    # finite-difference Hessian); at tau = 0 the cross term vanishes (even in tau)
    def nll(b: float, t: float) -> float:
        return -_loglik(b, t, x, n, nodes, weights)

    hb = 1e-4 * max(1.0, abs(mu))
    h_bb = (nll(mu + hb, tau) - 2 * nll(mu, tau) + nll(mu - hb, tau)) / hb**2
    if tau < 1e-6:
        return mu, math.sqrt(1.0 / h_bb), tau**2
    ht = 1e-4 * max(1.0, tau)
    h_tt = (nll(mu, tau + ht) - 2 * nll(mu, tau) + nll(mu, tau - ht)) / ht**2
    h_bt = (nll(mu + hb, tau + ht) - nll(mu + hb, tau - ht)
            - nll(mu - hb, tau + ht) + nll(mu - hb, tau - ht)) / (4 * hb * ht)
    det = h_bb * h_tt - h_bt**2
    var = h_tt / det if det > 0 and h_tt > 0 else 1.0 / h_bb
    return mu, math.sqrt(var), tau**2


# --------------------------------------------------------------------------------------------
# Freeman-Tukey double arcsine, REML
# --------------------------------------------------------------------------------------------


def _reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """REML estimate of tau^2 (root of the restricted score, 0 when the score at 0 is <= 0)."""
    from scipy.optimize import brentq

    def score(t2: float) -> float:
        w = 1.0 / (v + t2)
        mu = np.sum(w * y) / w.sum()
        trace_p = w.sum() - (w**2).sum() / w.sum()
        r = w * (y - mu)
        return float(np.sum(r**2) - trace_p)  # y'PPy - tr(P) (times 2)

    if score(0.0) <= 0:
        return 0.0
    hi = max(1.0, 10 * float(np.var(y)))
    while score(hi) > 0:
        hi *= 10
    return float(brentq(score, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))


def _ipft(t: float, n_hm: float) -> float:
    """Inverse Freeman-Tukey (Miller 1978) at sample size ``n_hm``, as metafor transf.ipft.hm."""
    def pft(p: float) -> float:
        xx = p * n_hm
        return 0.5 * (math.asin(math.sqrt(xx / (n_hm + 1))) + math.asin(math.sqrt((xx + 1) / (n_hm + 1))))

    if t > pft(1.0):
        return 1.0
    if t < pft(0.0):
        return 0.0
    s = math.sin(2 * t)
    inner = 1 - (s + (s - 1 / s) / n_hm) ** 2
    if inner < 0:
        return math.nan
    return 0.5 * (1 - math.copysign(1.0, math.cos(2 * t)) * math.sqrt(inner))


# --------------------------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------------------------


def pooled_proportion(
    x: Any, n: Any, *, method: str = "glmm", level: float = 0.95
) -> PooledProportion:
    """Random-effects pooled proportion of single-arm cohorts (x responders of n).

    Parameters
    ----------
    x, n : sequence of int
        Responders and patients of each cohort (at least 2 cohorts; n >= 1; x = 0 and x = n
        allowed).
    method : str
        ``glmm`` (default): binomial-normal random-effects model on the logit scale (Stijnen,
        Hamza & Ozdemir 2010), maximum likelihood with adaptive Gauss-Hermite quadrature (7 nodes,
        as ``lme4::glmer(nAGQ = 7)`` called by R ``metafor::rma.glmm(measure = "PLO")``); Wald
        interval for the logit, back-transformed. When every cohort has x = n (or every cohort
        x = 0) the model has no finite estimate: R's ``rma.glmm`` stops with an error, here a
        :class:`~smalltrial.SmallTrialError` suggests ``freeman-tukey``. When the likelihood keeps
        rising with tau (separated cohorts, e.g. 0/5 and 5/5; R then reports an arbitrary
        tau^2 in the tens of thousands) the result is NaN with a ``SmallTrialWarning`` (also in
        ``.warnings``); the search covers tau up to 20 on the logit scale.
        ``freeman-tukey``: Freeman & Tukey (1950) double arcsine with REML tau^2, as R
        ``metafor::rma(measure = "PFT", method = "REML")``, back-transformed by Miller's (1978)
        inversion at the harmonic mean of n (``transf.ipft.hm``). R's iterative REML may stop
        ~3e-4 short of the optimum with default control; here the REML score is solved exactly.
    level : float
        Confidence level for the pooled interval and the prediction interval.

    Returns
    -------
    PooledProportion
        ``estimate, lower, upper`` on the proportion scale; ``tau2`` (between-cohort variance on
        the model scale); ``i2`` (%; Higgins & Thompson 2002 with metafor's typical within-cohort
        variance, for ``glmm`` from the logit variances with 1/2 added to cohorts with x = 0 or
        x = n, as metafor); ``prediction_lower/upper``: mu +- z sqrt(se^2 + tau^2)
        back-transformed (metafor ``predict``, normal quantile). ``.studies()`` gives the exact
        (Clopper-Pearson) interval of each cohort.

    Examples
    --------
    >>> fit = pooled_proportion([10, 8, 12, 5], [10, 9, 15, 5])
    >>> round(fit.estimate, 4), fit.tau2
    (0.8974, 0.0)
    >>> round(pooled_proportion([0, 3, 5, 2], [10, 12, 15, 8], method="freeman-tukey").tau2, 5)
    0.02321
    """
    method = check_choice(method, "method", POOLING_METHODS)
    level = check_level(level)
    xa, na = _cohorts(x, n)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    notes: list[str] = []
    if method == "glmm":
        mu, se, tau2 = _fit_glmm(xa, na)
        if math.isnan(tau2):
            warn(f"the binomial-normal likelihood has no finite maximum for x={xa.tolist()}, "
                 f"n={na.tolist()} (tau2 -> infinity: the cohorts are separated); the pooled "
                 "proportion is not estimable (NaN); consider method='freeman-tukey'", notes)
        only0 = (xa == 0) | (xa == na)
        add = np.where(only0, 0.5, 0.0)
        vi = 1.0 / (xa + add) + 1.0 / (na - xa + add)

        def back(t: float) -> float:
            return math.nan if math.isnan(t) else float(1.0 / (1.0 + math.exp(-t)))
    else:
        y = 0.5 * (np.arcsin(np.sqrt(xa / (na + 1))) + np.arcsin(np.sqrt((xa + 1) / (na + 1))))
        vi = 1.0 / (4 * na + 2)
        tau2 = _reml_tau2(y, vi)
        w = 1.0 / (vi + tau2)
        mu = float(np.sum(w * y) / w.sum())
        se = float(math.sqrt(1.0 / w.sum()))
        n_hm = float(1.0 / np.mean(1.0 / na))

        def back(t: float) -> float:
            return _ipft(t, n_hm)

    half = z * se
    pred = z * math.sqrt(se**2 + tau2)
    return PooledProportion(
        estimate=back(mu), lower=back(mu - half), upper=back(mu + half), tau2=float(tau2),
        i2=float(_i2(tau2, vi)), prediction_lower=back(mu - pred),
        prediction_upper=back(mu + pred), k=int(xa.size), level=level, method=method,
        model_estimate=float(mu), model_std_error=float(se),
        x=tuple(int(v) for v in xa), n=tuple(int(v) for v in na), warnings=tuple(notes),
    )
