"""Safety (toxicity) stopping rules, :class:`SafetyRule`: the Bayesian rule of Thall, Simon &
Estey (:func:`safety_monitoring`) and repeated-significance boundaries of Pocock or
O'Brien-Fleming type (:func:`toxicity_boundary`)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import check_choice, check_count, check_probability
from smalltrial.monitoring._engine import (
    _NEVER,
    _check_looks,
    _check_prior,
    _check_ps,
    _recursion,
    _se,
    _simulate,
    _stop_col,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: boundary shapes of :func:`toxicity_boundary` -> Wang-Tsiatis power ``delta``
SHAPES = {"pocock": 0.0, "obrien-fleming": 0.5}


# --------------------------------------------------------------------------------------------
# safety rules
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class SafetyRule(Result):
    """A toxicity stopping rule: stop at a look when the number of patients with a toxicity
    among the ``n`` treated so far is ``>= stop_at`` (the boundary table, :attr:`boundary`).

    ``method`` is ``"bayesian"`` (:func:`safety_monitoring`) or ``"pocock"`` /
    ``"obrien-fleming"`` / ``"wang-tsiatis"`` (:func:`toxicity_boundary`).
    """

    method: str
    n_max: int
    limit: float
    cutoff: float
    prior: tuple[float, float]
    crossing: float
    nominal_alpha: float
    delta: float
    looks: tuple[int, ...]
    stop_at: tuple[float, ...]
    _hidden = ("looks", "stop_at")

    @property
    def boundary(self) -> pd.DataFrame:
        """DataFrame ``n, stop_at``: one row per look; ``stop_at`` is the smallest number of
        toxicities among ``n`` patients that stops the trial (NaN where none can)."""
        import pandas as pd

        return pd.DataFrame({"n": list(self.looks), "stop_at": list(self.stop_at)})

    def _upper(self) -> list[int]:
        return [n + 1 if math.isnan(s) else int(s) for s, n in zip(self.stop_at, self.looks,
                                                                   strict=True)]

    def operating_characteristics(self, p: Any) -> pd.DataFrame:
        """Exact probability that the rule stops the trial (at any look, the last included) and
        expected number of patients treated, at true toxicity rate(s) ``p``.

        Parameters
        ----------
        p : true toxicity rate(s) in [0, 1].

        Computed by forward recursion over the looks of the distribution of the toxicity count
        among trials not yet stopped (exact; no simulation). Returns DataFrame
        ``p, prob_stop, expected_n``.

        Example
        -------
        >>> rule = safety_monitoring(10, limit=0.2, cutoff=0.9)
        >>> rule.operating_characteristics([0.2, 0.5]).round(4).to_dict("records")
        [{'p': 0.2, 'prob_stop': 0.3876, 'expected_n': 7.2751}, {'p': 0.5, 'prob_stop': 0.9248, 'expected_n': 3.2422}]
        """
        import pandas as pd

        ps = _check_ps(p)
        up, _, _ = _recursion(self.looks, self._upper(), [_NEVER] * len(self.looks), ps)
        prob_stop = up.sum(axis=1)
        looks = np.asarray(self.looks, dtype=float)
        expected_n = up @ looks + (1.0 - prob_stop) * self.n_max
        return pd.DataFrame({"p": ps, "prob_stop": prob_stop, "expected_n": expected_n})

    def stopping_distribution(self, p: Any) -> pd.DataFrame:
        """Exact distribution of the number of patients treated: DataFrame ``p, n, prob_stop,
        probability`` with, per look, the probability of stopping there (``prob_stop``) and the
        probability that exactly ``n`` patients are treated (``probability``; at ``n_max`` it
        also counts trials that never stopped).

        Example
        -------
        >>> rule = safety_monitoring(4, limit=0.2, cutoff=0.9)
        >>> rule.stopping_distribution(0.5).round(4).to_dict("records")[-2:]
        [{'p': 0.5, 'n': 3, 'prob_stop': 0.125, 'probability': 0.125}, {'p': 0.5, 'n': 4, 'prob_stop': 0.125, 'probability': 0.375}]
        """
        import pandas as pd

        ps = _check_ps(p)
        up, _, _ = _recursion(self.looks, self._upper(), [_NEVER] * len(self.looks), ps)
        rows = []
        for i, pv in enumerate(ps):
            never = 1.0 - up[i].sum()
            for k, n in enumerate(self.looks):
                prob = up[i, k] + (never if k == len(self.looks) - 1 else 0.0)
                rows.append({"p": float(pv), "n": n, "prob_stop": float(up[i, k]),
                             "probability": float(prob)})
        return pd.DataFrame(rows, columns=["p", "n", "prob_stop", "probability"])

    def simulate(self, p: Any, *, n_sim: int = 100_000, seed: int = 0, n_jobs: int = 1,
                 backend: str | None = None, chunk_size: int = 20_000,
                 progress: bool | None = None) -> pd.DataFrame:
        """Monte-Carlo check of :meth:`operating_characteristics` (patients simulated one by one).

        Parameters
        ----------
        p : true toxicity rate(s).
        n_sim, seed, n_jobs, backend, chunk_size, progress : as
            :func:`smalltrial.simulate.operating_characteristics` (reproducible streams per
            chunk; results identical for every ``n_jobs``/``backend``, ``"dask"`` included).

        Returns DataFrame ``p, prob_stop, prob_stop_se, expected_n, expected_n_se, n_sim``.

        Example
        -------
        >>> rule = safety_monitoring(10, limit=0.2, cutoff=0.9)
        >>> sim = rule.simulate([0.5], n_sim=20_000, seed=1)
        >>> exact = rule.operating_characteristics([0.5]).loc[0, "prob_stop"]
        >>> bool(abs(sim.loc[0, "prob_stop"] - exact) < 3 * sim.loc[0, "prob_stop_se"])
        True
        """
        import pandas as pd

        ps = _check_ps(p)
        n_sim, res = _simulate(self.looks, self._upper(), [_NEVER] * len(self.looks),
                               self.n_max + 1, ps, n_sim=n_sim, seed=seed, n_jobs=n_jobs,
                               backend=backend, chunk_size=chunk_size, progress=progress)
        rows = []
        for pv, (up, _down, _succ, mean_n, se_n) in zip(ps, res, strict=True):
            stop = float(up.sum())
            rows.append({"p": float(pv), "prob_stop": stop, "prob_stop_se": _se(stop, n_sim),
                         "expected_n": mean_n, "expected_n_se": se_n, "n_sim": n_sim})
        return pd.DataFrame(rows)


def _bayes_stop_at(looks: Sequence[int], limit: float, cutoff: float,
                   prior: tuple[float, float]) -> tuple[float, ...]:
    """Smallest x with P(p > limit | x of n) > cutoff under Beta(a + x, b + n - x), per look."""
    from scipy.special import betaincc

    a, b = prior
    n = np.asarray(looks, dtype=float)[:, None]
    x = np.arange(looks[-1] + 1, dtype=float)[None, :]
    valid = x <= n
    with np.errstate(invalid="ignore"):
        post = betaincc(a + x, b + np.where(valid, n - x, 0.0), limit)
    stop = valid & (post > cutoff)
    # the posterior probability increases with x, so the first True is the boundary
    first = np.where(stop.any(axis=1), stop.argmax(axis=1), -1)
    return tuple(float(f) if f >= 0 else math.nan for f in first)


def safety_monitoring(
    n_max: int,
    *,
    limit: float,
    cutoff: float,
    prior: tuple[float, float] = (1, 1),
    looks: Sequence[int] | None = None,
) -> SafetyRule:
    """Bayesian toxicity stopping rule: stop when P(p_tox > limit | data) > cutoff.

    Parameters
    ----------
    n_max : maximum number of patients (>= 1).
    limit : the highest acceptable toxicity rate, in (0, 1).
    cutoff : posterior probability above which the trial stops, in (0, 1) (e.g. 0.9).
    prior : Beta(a, b) prior of the toxicity rate (both > 0); Thall, Simon & Estey recommend a
        weak prior (small a + b) centred on the rate expected from earlier data.
    looks : cumulative patient counts at which toxicity is assessed (increasing; ``n_max`` is
        added when missing); default every patient, 1, 2, ..., ``n_max``.

    Method: Thall PF, Simon RM, Estey EH. Bayesian sequential monitoring designs for single-arm
    clinical trials with multiple outcomes. Stat Med 1995;14:357-379 (beta-binomial monitoring
    of one binary toxicity). With x toxicities among n patients the posterior is
    Beta(a + x, b + n - x), and P(p > limit | x, n) increases with x, so the rule is a boundary
    ``stop_at`` on the count per look (:attr:`SafetyRule.boundary`); its operating
    characteristics are exact (forward recursion over the looks; see the module docstring).
    Agrees with R: ``pbeta(limit, a + x, b + n - x, lower.tail = FALSE) > cutoff``.

    Example
    -------
    >>> rule = safety_monitoring(10, limit=0.2, cutoff=0.9)
    >>> rule.boundary.set_index("n")["stop_at"].loc[[1, 3, 6, 10]].tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    n_max = check_count(n_max, "n_max", minimum=1)
    limit = check_probability(limit, "limit")
    cutoff = check_probability(cutoff, "cutoff")
    prior_t = _check_prior(prior)
    looks_t = _check_looks(looks, n_max)
    stop_at = _bayes_stop_at(looks_t, limit, cutoff, prior_t)
    return SafetyRule(method="bayesian", n_max=n_max, limit=limit, cutoff=cutoff,
                      prior=prior_t, crossing=math.nan, nominal_alpha=math.nan,
                      delta=math.nan, looks=looks_t, stop_at=stop_at)


_EPS_FUZZ = 1 - 64 * np.finfo(float).eps  # R's qbinom fuzz on the probability


def _rsig_upper(cdf: np.ndarray, looks: np.ndarray, z_scale: np.ndarray, alpha: float,
                ) -> list[int]:
    """Repeated-significance boundary at nominal ``alpha``: the largest acceptable count r_k is
    ``qbinom(1 - alpha_k, n_k, p0)`` with alpha_k = Phi(Phi^-1(alpha) / (n_k/N)^delta); the
    trial stops at r_k + 1 (n_k + 1 = never)."""
    from scipy.special import ndtr, ndtri

    alpha_k = ndtr(ndtri(alpha) / z_scale)
    target = (1.0 - alpha_k) * _EPS_FUZZ
    r = (cdf < target[:, None]).sum(axis=1)  # smallest r with cdf(r) >= target
    return [int(min(rk, nk) + 1) for rk, nk in zip(r, looks, strict=True)]


def toxicity_boundary(
    n_max: int,
    *,
    p0: float,
    crossing: float = 0.1,
    shape: str | float = "pocock",
    looks: Sequence[int] | None = None,
) -> SafetyRule:
    """Frequentist toxicity stopping boundary (Pocock or O'Brien-Fleming type) with a target
    probability of crossing it when the toxicity rate is acceptable.

    Parameters
    ----------
    n_max : maximum number of patients (>= 2).
    p0 : the acceptable toxicity rate, in (0, 1).
    crossing : the largest allowed probability of stopping (at any look) when the true rate is
        ``p0``, in (0, 1) (clinfun's ``cP0``).
    shape : ``"pocock"`` (delta = 0), ``"obrien-fleming"`` (delta = 0.5) or a Wang-Tsiatis power
        ``delta`` in [0, 0.5].
    looks : cumulative patient counts at the looks (at least two; ``n_max`` added when missing);
        default every patient.

    Method: Ivanova A, Qaqish BF, Schell MJ. Continuous toxicity monitoring in phase II trials
    in oncology. Biometrics 2005;61:540-545, as implemented in R ``clinfun::toxbdry``: at look k
    the trial stops when the toxicity count exceeds ``qbinom(1 - alpha_k, n_k, p0)`` with nominal
    level ``alpha_k = Phi(Phi^-1(alpha) / (n_k / N)^delta)``, and the nominal ``alpha`` is the
    largest for which the exact crossing probability at ``p0`` is <= ``crossing``. clinfun
    iterates a fixed number of times and returns a pair of boundaries bracketing the target
    ("lo" above, "hi" below it); here the search is by bisection to convergence and the result
    is the boundary just at or below the target (clinfun's "hi" boundary when its iteration
    has converged). Crossing probabilities are exact (forward recursion over the looks).

    Example
    -------
    >>> rule = toxicity_boundary(20, p0=0.2, crossing=0.1, looks=[5, 10, 15, 20])
    >>> rule.boundary["stop_at"].tolist()
    [3.0, 5.0, 7.0, 8.0]
    """
    from scipy.stats import binom

    n_max = check_count(n_max, "n_max", minimum=2)
    p0 = check_probability(p0, "p0")
    crossing = check_probability(crossing, "crossing")
    if isinstance(shape, str):
        check_choice(shape, "shape", tuple(SHAPES))
        delta, method = SHAPES[shape], shape
    else:
        if isinstance(shape, bool) or not isinstance(shape, numbers.Real) or not (
            0.0 <= float(shape) <= 0.5
        ):
            raise SmallTrialError(
                f"shape must be 'pocock', 'obrien-fleming' or a number in [0, 0.5], got {shape!r}"
            )
        delta, method = float(shape), "wang-tsiatis"
    looks_t = _check_looks(looks, n_max)
    if len(looks_t) < 2:
        raise SmallTrialError(f"looks must give at least two looks, got {list(looks or [])!r}")
    lk = np.asarray(looks_t)
    cdf = binom.cdf(np.arange(n_max + 1)[None, :], lk[:, None], p0)
    z_scale = (lk / n_max) ** delta
    never = [_NEVER] * len(looks_t)

    def cross(alpha: float) -> tuple[float, list[int]]:
        up_b = _rsig_upper(cdf, lk, z_scale, alpha)
        up, _, _ = _recursion(looks_t, up_b, never, np.array([p0]))
        return float(up.sum()), up_b

    lo, hi = 0.0, 1.0
    best = cross(1e-300)  # alpha -> 0: no stop can happen at any practical look
    if best[0] > crossing:
        raise SmallTrialError(
            f"crossing = {crossing!r} cannot be met with these looks; the smallest attainable "
            f"crossing probability is {best[0]:.4g}"
        )
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        c, b = cross(mid)
        if c <= crossing:
            lo, best = mid, (c, b)
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    stop_at = tuple(_stop_col(best[1], looks_t, upper=True))
    return SafetyRule(method=method, n_max=n_max, limit=p0, cutoff=math.nan, prior=(math.nan,
                      math.nan), crossing=crossing, nominal_alpha=lo, delta=delta,
                      looks=looks_t, stop_at=stop_at)
