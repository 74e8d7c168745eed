"""Interim monitoring of single-arm trials: toxicity stopping boundaries and efficacy/futility
designs, with exact operating characteristics and a Monte-Carlo check.

Every rule here is a *monitoring boundary on a binomial count*: after ``n_1 < ... < n_K``
patients (a "look"), the trial stops when the cumulative count is ``>= upper[k]`` (too many
toxicities, or early efficacy) or ``<= lower[k]`` (futility). Operating characteristics are
computed exactly by a forward recursion over the looks of the distribution of the count among
trials not yet stopped (one Bernoulli step per patient, so the work is O(N^2) for N patients and
any number of looks), and checked against a Monte-Carlo simulation run through
:mod:`smalltrial.simulate`'s chunked, seeded joblib/Dask engine.

Safety (toxicity) rules -- :class:`SafetyRule`:

- :func:`safety_monitoring`: Bayesian beta-binomial rule, stop when
  P(p_tox > limit | data) > cutoff (Thall, Simon & Estey 1995).
- :func:`toxicity_boundary`: frequentist repeated-significance boundaries of Pocock or
  O'Brien-Fleming type with a target overall crossing probability at the acceptable rate
  (Ivanova, Qaqish & Schell 2005; the method of R ``clinfun::toxbdry``).

Efficacy/futility designs -- :class:`EfficacyDesign`:

- :func:`predictive_probability_design`: Lee & Liu (2008).
- :func:`bop2_design`: BOP2 for a binary endpoint (Zhou, Lee & Yuan 2017).
- :func:`bop2_efficacy_toxicity` (:class:`JointDesign`): BOP2 with co-primary efficacy and
  toxicity, a Dirichlet-multinomial outcome (Zhou, Lee & Yuan 2017).

Presentation: :func:`boundary_table` and :func:`operating_characteristics_table` give protocol
tables (:class:`smalltrial.tables.Table`); figures are ``smalltrial.figures.monitoring_boundaries``
and ``smalltrial.figures.operating_characteristics_plot``.

>>> rule = safety_monitoring(10, limit=0.2, cutoff=0.9)
>>> rule.boundary.dropna().head(3).to_dict("records")
[{'n': 1, 'stop_at': 1.0}, {'n': 2, 'stop_at': 2.0}, {'n': 3, 'stop_at': 2.0}]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import check_choice, check_count, check_probability

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "SafetyRule",
    "safety_monitoring",
    "toxicity_boundary",
    "EfficacyDesign",
    "predictive_probability_design",
    "bop2_design",
    "SHAPES",
    "boundary_table",
    "operating_characteristics_table",
    "JOINT_OUTCOMES",
    "JointDesign",
    "bop2_efficacy_toxicity",
]

#: boundary shapes of :func:`toxicity_boundary` -> Wang-Tsiatis power ``delta``
SHAPES = {"pocock": 0.0, "obrien-fleming": 0.5}
_NEVER = -1  # "no stop" marker for integer boundaries (lower: -1; upper: n + 1)


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _check_prior(prior: Any) -> tuple[float, float]:
    if isinstance(prior, (str, bytes)) or not isinstance(prior, Sequence) or len(prior) != 2:
        raise SmallTrialError(f"prior must be two positive Beta parameters (a, b), got {prior!r}")
    out = []
    for v in prior:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (
            math.isfinite(float(v)) and float(v) > 0
        ):
            raise SmallTrialError(
                f"prior must be two positive Beta parameters (a, b), got {prior!r}"
            )
        out.append(float(v))
    return out[0], out[1]


def _check_looks(looks: Any, n_max: int, *, first: int = 1) -> tuple[int, ...]:
    """Cumulative sample sizes of the looks: increasing whole numbers in [first, n_max]; n_max
    is added as the last look when missing. ``None`` means every patient from ``first``."""
    if looks is None:
        return tuple(range(first, n_max + 1))
    if isinstance(looks, (str, bytes)) or not isinstance(looks, Sequence | np.ndarray):
        raise SmallTrialError(f"looks must be increasing patient counts, got {looks!r}")
    vals = [check_count(k, "looks", minimum=1) for k in looks]
    if not vals or any(b <= a for a, b in zip(vals, vals[1:], strict=False)):
        raise SmallTrialError(f"looks must be increasing patient counts, got {list(looks)!r}")
    if vals[-1] > n_max:
        raise SmallTrialError(f"looks must be <= n_max = {n_max}, got {list(looks)!r}")
    if vals[-1] != n_max:
        vals.append(n_max)
    return tuple(vals)


def _check_ps(p: Any) -> np.ndarray:
    from smalltrial.simulate import _check_ps as check

    return check(p)


# --------------------------------------------------------------------------------------------
# the exact engine: forward recursion over the looks
# --------------------------------------------------------------------------------------------
def _recursion(looks: Sequence[int], upper: Sequence[int], lower: Sequence[int], ps: np.ndarray):
    """Exact stopping probabilities of a monitored binomial count.

    At look k (``looks[k]`` patients) a trial still running stops "up" when its count is
    ``>= upper[k]`` and "down" when it is ``<= lower[k]``. Returns ``(up, down, alive)``:
    ``up[i, k]`` and ``down[i, k]`` are the probabilities of stopping at look k for reason up /
    down under ``ps[i]``; ``alive[i, x]`` the probability of passing every look with final
    count x. The count distribution among running trials is carried patient by patient
    (``f <- (1 - p) f + p shift(f)``), which is the binomial convolution done exactly.
    """
    n_max = looks[-1]
    ps = np.asarray(ps, dtype=float)[:, None]
    q = 1.0 - ps
    alive = np.zeros((ps.shape[0], n_max + 1))
    alive[:, 0] = 1.0
    up = np.zeros((ps.shape[0], len(looks)))
    down = np.zeros_like(up)
    n_prev = 0
    for k, nk in enumerate(looks):
        for m in range(n_prev, nk):  # add patients n_prev+1 .. nk (counts 0..m+1)
            alive[:, 1 : m + 2] = alive[:, 1 : m + 2] * q + alive[:, : m + 1] * ps
            alive[:, 0] *= q[:, 0]
        n_prev = nk
        u, lo = int(upper[k]), int(lower[k])
        if u <= nk:
            up[:, k] = alive[:, u : nk + 1].sum(axis=1)
            alive[:, u:] = 0.0
        if lo >= 0:
            down[:, k] = alive[:, : lo + 1].sum(axis=1)
            alive[:, : lo + 1] = 0.0
    return up, down, alive


def _simulate_chunk(looks: tuple[int, ...], upper: tuple[int, ...], lower: tuple[int, ...],
                    success: int, p: float, size: int, seed: int, key: tuple[int, int]):
    """Simulate ``size`` monitored trials patient by patient; returns per-look stop counts (up,
    down), final successes (count >= ``success`` among trials passing every look), sum N and
    sum N^2."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    n_max = looks[-1]
    cum = np.cumsum(rng.random((size, n_max)) < p, axis=1, dtype=np.int64)
    at = cum[:, np.asarray(looks) - 1]  # counts at the looks, (size, K)
    hit_up = at >= np.asarray(upper)[None, :]
    hit_down = at <= np.asarray(lower)[None, :]
    hit = hit_up | hit_down
    stopped = hit.any(axis=1)
    first = np.where(stopped, hit.argmax(axis=1), len(looks))
    up = np.zeros(len(looks), dtype=np.int64)
    down = np.zeros(len(looks), dtype=np.int64)
    rows = np.flatnonzero(stopped)
    is_up = hit_up[rows, first[rows]]
    np.add.at(up, first[rows][is_up], 1)
    np.add.at(down, first[rows][~is_up], 1)
    n_used = np.where(stopped, np.asarray(looks)[np.minimum(first, len(looks) - 1)], n_max)
    succ = int(((~stopped) & (at[:, -1] >= success)).sum())
    return up, down, succ, float(n_used.sum()), float((n_used.astype(float) ** 2).sum())


def _simulate(looks, upper, lower, success, ps, *, n_sim, seed, n_jobs, backend, chunk_size,
              progress):
    """Monte-Carlo version of :func:`_recursion` through :mod:`smalltrial.simulate`'s chunked,
    seeded task runner (joblib; ``backend="dask"`` on a cluster). Returns per-p sums."""
    from smalltrial.simulate import _check_parallel, _run_tasks

    n_sim = check_count(n_sim, "n_sim", minimum=1)
    seed = check_count(seed, "seed", minimum=0)
    chunk_size = check_count(chunk_size, "chunk_size", minimum=1)
    n_jobs = _check_parallel(n_jobs, backend)
    n_chunks = math.ceil(n_sim / chunk_size)
    tasks = []
    for i, pv in enumerate(ps):
        for c in range(n_chunks):
            size = min(chunk_size, n_sim - c * chunk_size)
            tasks.append((tuple(looks), tuple(upper), tuple(lower), int(success), float(pv),
                          size, seed, (i, c)))
    res = _run_tasks(_simulate_chunk, tasks, n_jobs=n_jobs, backend=backend, progress=progress)
    out = []
    for i in range(len(ps)):
        part = res[i * n_chunks : (i + 1) * n_chunks]
        up = np.sum([r[0] for r in part], axis=0) / n_sim
        down = np.sum([r[1] for r in part], axis=0) / n_sim
        succ = sum(r[2] for r in part) / n_sim
        s1 = sum(r[3] for r in part) / n_sim
        s2 = sum(r[4] for r in part) / n_sim
        out.append((up, down, succ, s1, math.sqrt(max(s2 - s1 * s1, 0.0) / n_sim)))
    return n_sim, out


def _se(prob: float, n_sim: int) -> float:
    return math.sqrt(prob * (1.0 - prob) / n_sim)


def _stop_col(values: Sequence[int], looks: Sequence[int], *, upper: bool) -> list[float]:
    """Integer boundaries -> floats with NaN where the look cannot stop."""
    if upper:
        return [float(u) if u <= n else math.nan for u, n in zip(values, looks, strict=True)]
    return [float(v) if v >= 0 else math.nan for v in values]


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


# --------------------------------------------------------------------------------------------
# efficacy / futility designs
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class EfficacyDesign(Result):
    """A monitored single-arm efficacy design: at interim look k stop for futility when the
    number of responders is ``<= futility[k]`` and for efficacy when ``>= efficacy[k]``; at the
    final look declare success when responders ``>= success_at``.

    ``type1_error`` and ``power`` are the exact probabilities of declaring success (early or
    final) at ``p0`` and ``p1``; ``expected_n0`` and ``pet0`` the expected sample size and the
    probability of early stopping at ``p0``.
    """

    method: str
    p0: float
    p1: float
    n_max: int
    success_at: int
    type1_error: float
    power: float
    expected_n0: float
    pet0: float
    looks: tuple[int, ...]
    futility: tuple[float, ...]
    efficacy: tuple[float, ...]
    parameters: dict = field(default_factory=dict)
    _hidden = ("looks", "futility", "efficacy")

    @property
    def boundary(self) -> pd.DataFrame:
        """DataFrame ``n, futility_at_most, efficacy_at_least``: per interim look, stop for
        futility when responders <= ``futility_at_most``, for efficacy when >=
        ``efficacy_at_least`` (NaN: no such stop); the final row gives the success threshold in
        ``efficacy_at_least`` and, in ``futility_at_most``, the largest count that fails."""
        import pandas as pd

        return pd.DataFrame({
            "n": list(self.looks),
            "futility_at_most": [*self.futility, float(self.success_at - 1)],
            "efficacy_at_least": [*self.efficacy, float(self.success_at)],
        })

    def _bounds(self) -> tuple[list[int], list[int]]:
        up = [n + 1 if math.isnan(e) else int(e) for e, n in zip(self.efficacy, self.looks,
                                                                  strict=False)]
        lo = [_NEVER if math.isnan(f) else int(f) for f in self.futility]
        return [*up, self.n_max + 1], [*lo, _NEVER]

    def operating_characteristics(self, p: Any) -> pd.DataFrame:
        """Exact operating characteristics at true response rate(s) ``p``.

        Returns DataFrame ``p, prob_success, prob_stop_futility, prob_stop_efficacy,
        prob_stop_early, expected_n`` (``prob_success`` counts early efficacy stops and final
        successes). Computed by forward recursion over the looks (exact).

        Example
        -------
        >>> d = bop2_design(0.2, 0.4, n_max=20, looks=[10], alpha=0.1)
        >>> oc = d.operating_characteristics([0.2])
        >>> round(float(oc.loc[0, "prob_success"]), 4) == round(d.type1_error, 4)
        True
        """
        import pandas as pd

        ps = _check_ps(p)
        up_b, lo_b = self._bounds()
        up, down, alive = _recursion(self.looks, up_b, lo_b, ps)
        final = alive[:, self.success_at :].sum(axis=1)
        early_eff = up[:, :-1].sum(axis=1)
        fut = down[:, :-1].sum(axis=1)
        looks = np.asarray(self.looks, dtype=float)
        stop_early = early_eff + fut
        expected_n = (up[:, :-1] + down[:, :-1]) @ looks[:-1] + (1 - stop_early) * self.n_max
        return pd.DataFrame({
            "p": ps, "prob_success": early_eff + final, "prob_stop_futility": fut,
            "prob_stop_efficacy": early_eff, "prob_stop_early": stop_early,
            "expected_n": expected_n,
        })

    def sample_size_distribution(self, p: Any) -> pd.DataFrame:
        """Exact distribution of the number of patients enrolled: DataFrame ``p, n, probability``.

        Example
        -------
        >>> d = bop2_design(0.2, 0.4, n_max=20, looks=[10], alpha=0.1)
        >>> float(d.sample_size_distribution(0.2)["probability"].sum())
        1.0
        """
        import pandas as pd

        ps = _check_ps(p)
        up_b, lo_b = self._bounds()
        up, down, _ = _recursion(self.looks, up_b, lo_b, ps)
        rows = []
        for i, pv in enumerate(ps):
            stop = up[i, :-1] + down[i, :-1]
            for k, n in enumerate(self.looks):
                prob = stop[k] if k < len(self.looks) - 1 else 1.0 - stop.sum()
                rows.append({"p": float(pv), "n": n, "probability": float(prob)})
        return pd.DataFrame(rows, columns=["p", "n", "probability"])

    def simulate(self, p: Any, *, n_sim: int = 100_000, seed: int = 0, n_jobs: int = 1,
                 backend: str | None = None, chunk_size: int = 20_000,
                 progress: bool | None = None) -> pd.DataFrame:
        """Monte-Carlo check of :meth:`operating_characteristics` (arguments as
        :meth:`SafetyRule.simulate`). Returns ``p, prob_success, prob_success_se,
        prob_stop_futility, prob_stop_futility_se, prob_stop_efficacy, prob_stop_efficacy_se,
        expected_n, expected_n_se, n_sim``.

        Example
        -------
        >>> d = bop2_design(0.2, 0.4, n_max=20, looks=[10], alpha=0.1)
        >>> sim = d.simulate([0.4], n_sim=20_000, seed=2)
        >>> bool(abs(sim.loc[0, "prob_success"] - d.power) < 3 * sim.loc[0, "prob_success_se"])
        True
        """
        import pandas as pd

        ps = _check_ps(p)
        up_b, lo_b = self._bounds()
        n_sim, res = _simulate(self.looks, up_b, lo_b, self.success_at, ps, n_sim=n_sim,
                               seed=seed, n_jobs=n_jobs, backend=backend,
                               chunk_size=chunk_size, progress=progress)
        rows = []
        for pv, (up, down, succ, mean_n, se_n) in zip(ps, res, strict=True):
            eff = float(up[:-1].sum())
            fut = float(down[:-1].sum())
            success = eff + succ
            rows.append({
                "p": float(pv), "prob_success": success, "prob_success_se": _se(success, n_sim),
                "prob_stop_futility": fut, "prob_stop_futility_se": _se(fut, n_sim),
                "prob_stop_efficacy": eff, "prob_stop_efficacy_se": _se(eff, n_sim),
                "expected_n": mean_n, "expected_n_se": se_n, "n_sim": n_sim,
            })
        return pd.DataFrame(rows)


def _posterior_above(x: np.ndarray, n: np.ndarray, p0: float, prior: tuple[float, float]):
    """P(p > p0 | x responders of n) under the Beta(a, b) prior (vectorised)."""
    from scipy.special import betaincc

    a, b = prior
    return betaincc(a + x, b + n - x, p0)


def _oc_two(looks, up_b, lo_b, success_at, p0, p1):
    up, down, alive = _recursion(looks, up_b, lo_b, np.array([p0, p1]))
    final = alive[:, success_at:].sum(axis=1)
    eff = up[:, :-1].sum(axis=1)
    stop = eff + down[:, :-1].sum(axis=1)
    en = (up[:, :-1] + down[:, :-1]) @ np.asarray(looks[:-1], dtype=float) + (1 - stop) * looks[-1]
    return eff + final, stop, en


def _check_design_common(p0, p1, n_max, alpha, power):
    p0 = check_probability(p0, "p0")
    p1 = check_probability(p1, "p1")
    if p1 <= p0:
        raise SmallTrialError(f"p1 must be larger than p0 = {p0!r}, got {p1!r}")
    n_max = check_count(n_max, "n_max", minimum=2)
    alpha = check_probability(alpha, "alpha")
    if power is not None:
        power = check_probability(power, "power")
    return p0, p1, n_max, alpha, power


def _grid(values: Any, name: str, *, positive_only: bool = False) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise SmallTrialError(f"{name} must be numbers, got {values!r}") from None
    if positive_only:
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr) & (arr > 0)):
            raise SmallTrialError(f"{name} must be positive numbers, got {values!r}")
        return np.unique(arr)
    if arr.ndim != 1 or arr.size == 0 or not np.all((arr > 0) & (arr < 1)):
        raise SmallTrialError(f"{name} must be numbers in (0, 1), got {values!r}")
    return np.unique(arr)


def bop2_design(
    p0: float,
    p1: float,
    *,
    n_max: int,
    looks: Sequence[int],
    alpha: float = 0.1,
    prior: tuple[float, float] | None = None,
    lambdas: Sequence[float] | None = None,
    gammas: Sequence[float] | None = None,
) -> EfficacyDesign:
    """BOP2 design for a binary endpoint: futility stopping with a posterior cut-off that grows
    with the information, tuned to a type I error.

    Parameters
    ----------
    p0 : null (uninteresting) response rate; p1 : the alternative (> p0), used for the power.
    n_max : maximum sample size; looks : cumulative sizes of the interim looks (< n_max).
    alpha : the largest type I error (probability of declaring success at ``p0``).
    prior : Beta prior of the response rate; default Beta(p0, 1 - p0) (prior mean p0, effective
        sample size 1), a vague prior centred on the null as used by Zhou et al.
    lambdas, gammas : tuning grids (defaults 0.01..0.99 by 0.01 and 0.05..3 by 0.05).

    Method: Zhou H, Lee JJ, Yuan Y. BOP2: Bayesian optimal design for phase II clinical trials
    with simple and complex endpoints. Stat Med 2017;36:3302-3314. At look n (of N) the trial
    stops for futility when Pr(p <= p0 | data) > C(n) = 1 - lambda (n / N)^gamma; at n = N the
    treatment is declared promising when Pr(p <= p0 | data) <= C(N) = 1 - lambda. (lambda, gamma)
    maximise the power at ``p1`` among the grid values whose exact type I error is <= alpha
    (ties: the smaller expected size at p0, then the smaller lambda and gamma). Operating
    characteristics are exact (forward recursion over the looks).

    Example
    -------
    >>> d = bop2_design(0.2, 0.4, n_max=20, looks=[10], alpha=0.1)
    >>> d.boundary.to_dict("records")
    [{'n': 10, 'futility_at_most': 0.0, 'efficacy_at_least': nan}, {'n': 20, 'futility_at_most': 6.0, 'efficacy_at_least': 7.0}]
    """
    p0, p1, n_max, alpha, _ = _check_design_common(p0, p1, n_max, alpha, None)
    prior_t = (p0, 1.0 - p0) if prior is None else _check_prior(prior)
    interim = _check_looks(looks, n_max)[:-1]
    if not interim:
        raise SmallTrialError(f"looks must hold at least one interim look < n_max, got {looks!r}")
    all_looks = (*interim, n_max)
    lam = _grid(np.round(np.arange(1, 100) / 100, 2) if lambdas is None else lambdas, "lambdas")
    gam = _grid(np.round(np.arange(1, 61) * 0.05, 2) if gammas is None else gammas, "gammas",
                positive_only=True)
    # P(p > p0 | x, n) for every look and count; futility when it is < lambda (n/N)^gamma
    x = np.arange(n_max + 1, dtype=float)
    lk = np.asarray(all_looks, dtype=float)
    with np.errstate(invalid="ignore"):
        post = _posterior_above(x[None, :], np.maximum(lk[:, None], x[None, :]), p0, prior_t)
    post = np.where(x[None, :] <= lk[:, None], post, np.inf)
    seen: dict[tuple[int, ...], tuple] = {}
    best = None
    for lv in lam:
        for gv in gam:
            thr = lv * (lk / n_max) ** gv
            # largest count with posterior < threshold (posterior increases with x)
            fut = tuple(int((post[k] < thr[k]).sum()) - 1 for k in range(len(all_looks)))
            if fut not in seen:
                up_b = [n + 1 for n in all_looks]
                lo_b = [*fut[:-1], _NEVER]
                succ, stop, en = _oc_two(all_looks, up_b, lo_b, fut[-1] + 1, p0, p1)
                seen[fut] = (float(succ[0]), float(succ[1]), float(en[0]), float(stop[0]))
            t1, pw, en0, pet0 = seen[fut]
            if t1 <= alpha + 1e-12:
                key = (-pw, en0, lv, gv)
                if best is None or key < best[0]:
                    best = (key, fut, lv, gv, t1, pw, en0, pet0)
    if best is None:
        raise SmallTrialError(
            f"alpha = {alpha!r} cannot be met with n_max = {n_max} on this grid; the smallest "
            f"attainable type I error is {min(v[0] for v in seen.values()):.4g}"
        )
    _, fut, lv, gv, t1, pw, en0, pet0 = best
    return EfficacyDesign(
        method="bop2", p0=p0, p1=p1, n_max=n_max, success_at=fut[-1] + 1, type1_error=t1,
        power=pw, expected_n0=en0, pet0=pet0, looks=all_looks,
        futility=tuple(_stop_col(fut[:-1], all_looks[:-1], upper=False)),
        efficacy=(math.nan,) * len(interim),
        parameters={"lambda": float(lv), "gamma": float(gv), "prior": prior_t},
    )


def _pp_bounds(n: int, looks: Sequence[int], r_final: int, theta_l: np.ndarray,
               theta_u: float, prior: tuple[float, float]) -> tuple[np.ndarray, list[int]]:
    """Futility boundaries (one row per value of ``theta_l``) and efficacy boundaries on the
    predictive probability of final success (responders >= r_final at n) at each interim look."""
    from scipy.special import betaln, gammaln

    a, b = prior
    pp = np.full((len(looks), n + 1), np.inf)  # PP by look and count (inf: count > look)
    for k, m in enumerate(looks):
        x = np.arange(m + 1, dtype=float)[:, None]
        rem = n - m
        y = np.arange(rem + 1, dtype=float)[None, :]
        # beta-binomial predictive of y further responders among the rem patients
        logp = (gammaln(rem + 1) - gammaln(y + 1) - gammaln(rem - y + 1)
                + betaln(a + x + y, b + m - x + rem - y) - betaln(a + x, b + m - x))
        pp[k, : m + 1] = np.where(x + y >= r_final, np.exp(logp), 0.0).sum(axis=1)
    # PP increases with x: futility boundary = (number of counts with PP < theta_l) - 1
    lo = (pp[None, :, :] < theta_l[:, None, None]).sum(axis=2) - 1
    up = []
    for k, m in enumerate(looks):
        # theta_u = 1: no efficacy stop (a rounded PP of 1 + 1e-16 must not stop the trial)
        above = np.flatnonzero(pp[k, : m + 1] > theta_u) if theta_u < 1.0 else []
        up.append(int(above[0]) if len(above) else m + 1)
    return lo, up


def predictive_probability_design(
    p0: float,
    p1: float,
    *,
    n_max: int,
    alpha: float = 0.05,
    power: float = 0.8,
    n_min: int | None = None,
    first_look: int = 10,
    prior: tuple[float, float] = (1, 1),
    theta_t: Sequence[float] | None = None,
    theta_l: Sequence[float] | None = None,
    theta_u: float = 1.0,
) -> EfficacyDesign:
    """Predictive-probability design (Lee & Liu 2008): continuous futility (and optional
    efficacy) monitoring on the predictive probability of success at the final analysis; the
    smallest maximum sample size meeting the type I error and power.

    Parameters
    ----------
    p0, p1 : null and target response rates (p0 < p1).
    n_max : the largest maximum sample size searched; n_min : the smallest (default
        ``first_look + 1``).
    alpha, power : constraints on the exact probability of declaring success at p0 and p1.
    first_look : monitoring after every patient from this many patients on.
    prior : Beta(a, b) prior of the response rate (both > 0).
    theta_t : grid of posterior thresholds for success at the end (default 0.80..0.99 by 0.01):
        success when P(p > p0 | data) > theta_t.
    theta_l : grid of futility thresholds on the predictive probability (default 0.001..0.20
        by 0.001 steps to 0.01 then 0.01 steps); stop when PP < theta_l.
    theta_u : efficacy threshold (stop when PP > theta_u); 1 means no early efficacy stop.

    Method: Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials.
    Clin Trials 2008;5:93-106. With x responders among n the predictive distribution of the
    responders among the remaining N - n patients is beta-binomial, and PP = P(final posterior
    probability > theta_t). The search takes N = n_min, ..., n_max in turn and returns, for the
    first N with a design meeting both constraints, the design with the smallest expected sample
    size at p0 (ties: larger power, then smaller theta_t and theta_l). If none meets them a
    SmallTrialError gives the best power attainable at the type I error.

    Example
    -------
    >>> d = predictive_probability_design(0.2, 0.4, n_max=30, alpha=0.1, power=0.8)
    >>> d.n_max, d.success_at, round(d.type1_error, 4) <= 0.1, d.power >= 0.8
    (..., ..., True, True)
    """
    p0, p1, n_max, alpha, power = _check_design_common(p0, p1, n_max, alpha, power)
    prior_t = _check_prior(prior)
    first_look = check_count(first_look, "first_look", minimum=1)
    if first_look >= n_max:
        raise SmallTrialError(f"first_look must be < n_max = {n_max}, got {first_look!r}")
    n_min = first_look + 1 if n_min is None else check_count(n_min, "n_min", minimum=1)
    if not first_look < n_min <= n_max:
        raise SmallTrialError(f"n_min must be in ({first_look}, {n_max}], got {n_min!r}")
    tt = _grid(np.round(np.arange(80, 100) / 100, 2) if theta_t is None else theta_t, "theta_t")
    default_l = np.concatenate([np.arange(1, 10) / 1000, np.arange(1, 21) / 100])
    tl = _grid(np.round(default_l, 3) if theta_l is None else theta_l, "theta_l")
    theta_u = check_probability(theta_u, "theta_u", open_interval=False)
    if theta_u == 0.0:
        raise SmallTrialError(f"theta_u must be in (0, 1], got {theta_u!r}")
    best_power = (-1.0, None)
    for n in range(n_min, n_max + 1):
        looks = (*range(first_look, n), n)
        post_final = _posterior_above(np.arange(n + 1.0), np.full(n + 1, float(n)), p0, prior_t)
        best = None
        seen: dict = {}
        r_seen: set[int] = set()
        for t in tt:  # increasing: the first theta_t giving a final boundary is the smallest
            above = np.flatnonzero(post_final > t)
            r_final = int(above[0]) if above.size else n + 1
            if r_final in r_seen:
                continue
            r_seen.add(r_final)
            lo_all, up_i = _pp_bounds(n, looks[:-1], r_final, tl, theta_u, prior_t)
            for lval, lo_row in zip(tl, lo_all, strict=True):
                lo_i = [int(v) for v in lo_row]
                key = (r_final, tuple(up_i), tuple(lo_i))
                if key not in seen:
                    succ, stop, en = _oc_two(looks, [*up_i, n + 1], [*lo_i, _NEVER], r_final,
                                             p0, p1)
                    seen[key] = (float(succ[0]), float(succ[1]), float(en[0]), float(stop[0]))
                t1, pw, en0, pet0 = seen[key]
                if t1 <= alpha + 1e-12 and pw > best_power[0]:
                    best_power = (pw, n)
                if t1 <= alpha + 1e-12 and pw >= power - 1e-12:
                    cand = ((en0, -pw, t, lval), key, t, lval, t1, pw, en0, pet0)
                    if best is None or cand[0] < best[0]:
                        best = cand
        if best is not None:
            _, (r_final, up_i, lo_i), t, lval, t1, pw, en0, pet0 = best
            return EfficacyDesign(
                method="predictive-probability", p0=p0, p1=p1, n_max=n, success_at=r_final,
                type1_error=t1, power=pw, expected_n0=en0, pet0=pet0, looks=looks,
                futility=tuple(_stop_col(lo_i, looks[:-1], upper=False)),
                efficacy=tuple(_stop_col(up_i, looks[:-1], upper=True)),
                parameters={"theta_t": float(t), "theta_l": float(lval),
                            "theta_u": theta_u, "prior": prior_t, "first_look": first_look},
            )
    raise SmallTrialError(
        f"power = {power!r} cannot be met with alpha = {alpha!r} and N <= n_max = {n_max}; the "
        f"best attainable power is {max(best_power[0], 0.0):.4g}"
        + (f" (N = {best_power[1]})" if best_power[1] is not None else "")
    )


# --------------------------------------------------------------------------------------------
# presentation: protocol tables (formatting only; every number comes from the result objects)
# --------------------------------------------------------------------------------------------
def _method_note(design: Any) -> str:
    if isinstance(design, JointDesign):
        return (f"BOP2 with efficacy and toxicity (Zhou, Lee & Yuan 2017): stop when "
                f"Pr(p_E <= {design.phi_e:g} | data) > C(n) or Pr(p_T > {design.phi_t:g} | data) "
                f"> C(n), C(n) = 1 - {design.lam:g} (n/{design.n_max})^{design.gamma:g}.")
    if isinstance(design, EfficacyDesign):
        if design.method == "bop2":
            pr = design.parameters
            return (f"BOP2 (Zhou, Lee & Yuan 2017): futility cut-off C(n) = 1 - {pr['lambda']:g}"
                    f" (n/{design.n_max})^{pr['gamma']:g}, H0: p <= {design.p0:g}.")
        pr = design.parameters
        return (f"Predictive probability design (Lee & Liu 2008): success when "
                f"P(p > {design.p0:g} | data) > {pr['theta_t']:g}; stop for futility when the "
                f"predictive probability of success < {pr['theta_l']:g}.")
    if design.method == "bayesian":
        a, b = design.prior
        return (f"Bayesian rule (Thall, Simon & Estey 1995): stop when P(p > {design.limit:g} | "
                f"data) > {design.cutoff:g}, prior Beta({a:g}, {b:g}).")
    return (f"Repeated significance testing (Ivanova, Qaqish & Schell 2005), {design.method} "
            f"shape (delta = {design.delta:g}): P(stop | p = {design.limit:g}) <= "
            f"{design.crossing:g}.")


def boundary_table(design: SafetyRule | EfficacyDesign, *, title: str | None = None,
                   event: str = "toxicities", compact: bool = True):
    """The stopping boundaries as a protocol table (:class:`smalltrial.tables.Table`).

    Parameters
    ----------
    design : a :class:`SafetyRule`, :class:`EfficacyDesign` or :class:`JointDesign`.
    title : caption (default names the rule).
    event : what is counted, e.g. ``"grade >= 3 CRS"`` (safety rules only).
    compact : with looks after every patient, keep only the looks where the boundary changes
        (and the last), as R clinfun prints its boundaries.

    Each row reads "stop if >= s <event> among the first n"; the method and its parameters are
    a footnote. The numbers are the design's :attr:`boundary`; nothing is computed here.

    Example
    -------
    >>> t = boundary_table(safety_monitoring(10, limit=0.2, cutoff=0.9), event="grade >= 3 CRS")
    >>> t.rows[2].cells
    ('6\u20138', '>= 3', 'Stop if >= 3 grade >= 3 CRS among the first 6 to 8')
    """
    from smalltrial.tables import Row, Table

    if not isinstance(design, (SafetyRule, EfficacyDesign, JointDesign)):
        raise SmallTrialError("design must be a SafetyRule, EfficacyDesign or JointDesign, got "
                              f"{type(design).__name__}")
    b = design.boundary
    rows = []
    if isinstance(design, JointDesign):
        for k, (n, f, t) in enumerate(zip(b["n"], b["futility_at_most"], b["toxicity_at_least"],
                                          strict=True)):
            fut = "\u2013" if math.isnan(f) else f"<= {int(f)}"
            tox = "\u2013" if math.isnan(t) else f">= {int(t)}"
            if k == len(b) - 1:
                fut = f"<= {int(f)} (not promising)"
                tox = f"{tox} (not promising)" if tox != "\u2013" else tox
            rows.append(Row((str(n), fut, tox)))
        return Table(title or "Interim monitoring boundaries (efficacy and toxicity)",
                     ("Patients", "Stop if responders", "Stop if toxicities"), tuple(rows),
                     footnotes=(_method_note(design),), name="monitoring_boundaries")
    if isinstance(design, SafetyRule):
        ns, stops = b["n"].to_list(), b["stop_at"].to_list()
        runs = [[ns[0], ns[0], stops[0]]]  # (first n, last n, stop_at) of equal boundaries
        every = len(ns) > 1 and all(q - p == 1 for p, q in zip(ns, ns[1:], strict=False))
        for n, st in zip(ns[1:], stops[1:], strict=True):
            same = (st == runs[-1][2]) or (math.isnan(st) and math.isnan(runs[-1][2]))
            if compact and every and same:
                runs[-1][1] = n
            else:
                runs.append([n, n, st])
        for first, last, st in runs:
            label = str(first) if first == last else f"{first}\u2013{last}"
            if math.isnan(st):
                rows.append(Row((label, "\u2013", "No stop possible")))
            else:
                among = f"the first {first}" if first == last else f"the first {first} to {last}"
                rows.append(Row((label, f">= {int(st)}",
                                 f"Stop if >= {int(st)} {event} among {among}")))
        columns = ("Patients treated", "Stop at", "Rule")
        default = "Toxicity stopping boundaries"
    else:
        for k, (n, f, e) in enumerate(zip(b["n"], b["futility_at_most"], b["efficacy_at_least"],
                                          strict=True)):
            last = k == len(b) - 1
            fut = "\u2013" if math.isnan(f) or f < 0 else f"<= {int(f)}"
            eff = "\u2013" if math.isnan(e) else f">= {int(e)}"
            rows.append(Row((str(n), fut if not last else f"<= {int(f)} (not promising)",
                             eff if not last else f">= {int(e)} (promising)")))
        columns = ("Patients", "Stop for futility if responders", "Stop for efficacy if responders")
        default = "Interim monitoring boundaries"
    return Table(title or default, columns, tuple(rows), footnotes=(_method_note(design),),
                 name="monitoring_boundaries")


def operating_characteristics_table(design: SafetyRule | EfficacyDesign, p: Any, *,
                                    title: str | None = None, digits: int = 3):
    """Exact operating characteristics under the scenarios ``p`` as a
    :class:`smalltrial.tables.Table` (numbers from :meth:`operating_characteristics`).

    Example
    -------
    >>> t = operating_characteristics_table(safety_monitoring(10, limit=0.2, cutoff=0.9), [0.2])
    >>> t.rows[0].cells
    ('0.2', '0.388', '7.3')
    """
    from smalltrial._format import fmt_num
    from smalltrial.tables import Row, Table

    oc = design.operating_characteristics(p)
    if isinstance(design, SafetyRule):
        cols = ("True toxicity rate", "P(stop)", "Expected N")
        rows = [Row((f"{r.p:g}", fmt_num(r.prob_stop, digits), fmt_num(r.expected_n, 1)))
                for r in oc.itertuples()]
    else:
        cols = ("True response rate", "P(success)", "P(stop, futility)", "P(stop, efficacy)",
                "Expected N")
        rows = [Row((f"{r.p:g}", fmt_num(r.prob_success, digits),
                     fmt_num(r.prob_stop_futility, digits), fmt_num(r.prob_stop_efficacy, digits),
                     fmt_num(r.expected_n, 1))) for r in oc.itertuples()]
    return Table(title or "Operating characteristics (exact)", cols, tuple(rows),
                 footnotes=(_method_note(design),), name="monitoring_oc")


# --------------------------------------------------------------------------------------------
# BOP2 with co-primary efficacy and toxicity (multinomial outcome)
# --------------------------------------------------------------------------------------------
#: the four joint outcomes of a patient, in the order of scenario vectors and Dirichlet priors
JOINT_OUTCOMES = ("response & toxicity", "response, no toxicity", "toxicity, no response",
                  "neither")


def _check_scenarios(values: Any, name: str) -> np.ndarray:
    """One or several 4-cell probability vectors (rows) in :data:`JOINT_OUTCOMES` order."""
    try:
        arr = np.atleast_2d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise SmallTrialError(f"{name} must be probability vectors of 4 outcomes, got {values!r}"
                              ) from None
    if arr.ndim != 2 or arr.shape[1] != 4 or arr.shape[0] == 0 or not np.all(
        (arr >= 0) & (arr <= 1)
    ) or not np.allclose(arr.sum(axis=1), 1.0, atol=1e-9):
        raise SmallTrialError(
            f"{name} must be probability vectors of the 4 outcomes {JOINT_OUTCOMES} summing to "
            f"1, got {values!r}")
    return arr


def _recursion_joint(looks, fut, tox, success_e, scen: np.ndarray):
    """Exact joint recursion over (responders, toxicities) for 4-cell multinomial patients.

    At look k stop when responders <= fut[k] (futility) or toxicities >= tox[k]; at the final
    look success when responders >= success_e and toxicities < tox[-1]. Returns per-scenario
    arrays: stop probability by look, futility-crossing and toxicity-crossing probabilities by
    look (a trial crossing both counts in both), and the probability of success.
    """
    n_max = looks[-1]
    S = scen.shape[0]
    f = np.zeros((S, n_max + 1, n_max + 1))
    f[:, 0, 0] = 1.0
    p_rt, p_r, p_t, p_0 = (scen[:, j][:, None, None] for j in range(4))
    stop = np.zeros((S, len(looks)))
    by_fut = np.zeros_like(stop)
    by_tox = np.zeros_like(stop)
    n_prev = 0
    e = np.arange(n_max + 1)[:, None]
    t = np.arange(n_max + 1)[None, :]
    for k, nk in enumerate(looks):
        for _ in range(n_prev, nk):
            new = f * p_0
            new[:, 1:, :] += f[:, :-1, :] * p_r
            new[:, :, 1:] += f[:, :, :-1] * p_t
            new[:, 1:, 1:] += f[:, :-1, :-1] * p_rt
            f = new
        n_prev = nk
        last = k == len(looks) - 1
        fut_mask = (e <= fut[k]) if not last else np.zeros_like(e, dtype=bool)
        tox_mask = t >= tox[k]
        m_any = fut_mask | tox_mask
        by_fut[:, k] = (f * fut_mask).sum(axis=(1, 2))
        by_tox[:, k] = (f * tox_mask).sum(axis=(1, 2))
        stop[:, k] = (f * m_any).sum(axis=(1, 2))
        f = f * ~m_any
    success = f[:, success_e:, :].sum(axis=(1, 2))
    return stop, by_fut, by_tox, success


@dataclass(frozen=True, repr=False)
class JointDesign(Result):
    """BOP2 design monitoring efficacy and toxicity together: at each look stop when responders
    ``<= futility[k]`` or toxicities ``>= toxicity[k]``; at the end declare the treatment
    promising when responders ``>= success_at`` and toxicities ``< toxicity[-1]``.

    ``type1_error`` is the largest probability of declaring success over the null scenarios;
    ``power`` the probability under the alternative.
    """

    phi_e: float
    phi_t: float
    n_max: int
    success_at: int
    type1_error: float
    power: float
    lam: float
    gamma: float
    looks: tuple[int, ...]
    futility: tuple[float, ...]
    toxicity: tuple[float, ...]
    prior: tuple[float, ...] = ()
    _hidden = ("looks", "futility", "toxicity")

    @property
    def boundary(self) -> pd.DataFrame:
        """DataFrame ``n, futility_at_most, toxicity_at_least`` (NaN: no such stop); the final
        row's ``futility_at_most`` is the largest responder count that is not promising."""
        import pandas as pd

        return pd.DataFrame({"n": list(self.looks),
                             "futility_at_most": [*self.futility[:-1], float(self.success_at - 1)],
                             "toxicity_at_least": list(self.toxicity)})

    def _ints(self):
        fut = [_NEVER if math.isnan(v) else int(v) for v in self.futility]
        tox = [n + 1 if math.isnan(v) else int(v) for v, n in zip(self.toxicity, self.looks,
                                                                  strict=True)]
        return fut, tox

    def operating_characteristics(self, scenarios: Any) -> pd.DataFrame:
        """Exact operating characteristics under joint scenarios (4-cell probability vectors in
        :data:`JOINT_OUTCOMES` order). Returns DataFrame ``scenario, p_response, p_toxicity,
        prob_success, prob_stop_early, prob_stop_futility, prob_stop_toxicity, expected_n``
        (early stops; a trial crossing both boundaries at once counts in both reasons).

        Example
        -------
        >>> d = bop2_efficacy_toxicity(0.2, 0.3, null=[[0.06, 0.14, 0.24, 0.56]],
        ...     alternative=[0.08, 0.32, 0.12, 0.48], n_max=20, looks=[10], alpha=0.1,
        ...     lambdas=[0.5, 0.7, 0.9], gammas=[0.5, 1, 2])
        >>> oc = d.operating_characteristics([[0.06, 0.14, 0.24, 0.56]])
        >>> bool(abs(oc.loc[0, "prob_success"] - d.type1_error) < 1e-12)
        True
        """
        import pandas as pd

        scen = _check_scenarios(scenarios, "scenarios")
        fut, tox = self._ints()
        stop, by_fut, by_tox, success = _recursion_joint(self.looks, fut, tox, self.success_at,
                                                         scen)
        early = stop[:, :-1].sum(axis=1)
        looks = np.asarray(self.looks, dtype=float)
        return pd.DataFrame({
            "scenario": np.arange(1, scen.shape[0] + 1),
            "p_response": scen[:, 0] + scen[:, 1], "p_toxicity": scen[:, 0] + scen[:, 2],
            "prob_success": success, "prob_stop_early": early,
            "prob_stop_futility": by_fut[:, :-1].sum(axis=1),
            "prob_stop_toxicity": by_tox[:, :-1].sum(axis=1),
            "expected_n": stop[:, :-1] @ looks[:-1] + (1 - early) * self.n_max,
        })

    def simulate(self, scenarios: Any, *, n_sim: int = 100_000, seed: int = 0,
                 n_jobs: int = 1, backend: str | None = None, chunk_size: int = 20_000,
                 progress: bool | None = None) -> pd.DataFrame:
        """Monte-Carlo check of :meth:`operating_characteristics` (arguments as
        :meth:`SafetyRule.simulate`); columns ``scenario, prob_success, prob_success_se,
        prob_stop_early, prob_stop_early_se, expected_n, expected_n_se, n_sim``.

        Example
        -------
        >>> d = bop2_efficacy_toxicity(0.2, 0.3, null=[[0.06, 0.14, 0.24, 0.56]],
        ...     alternative=[0.08, 0.32, 0.12, 0.48], n_max=20, looks=[10], alpha=0.1,
        ...     lambdas=[0.5, 0.7, 0.9], gammas=[0.5, 1, 2])
        >>> sim = d.simulate([[0.08, 0.32, 0.12, 0.48]], n_sim=20_000, seed=1)
        >>> bool(abs(sim.loc[0, "prob_success"] - d.power) < 3 * sim.loc[0, "prob_success_se"])
        True
        """
        import pandas as pd

        from smalltrial.simulate import _check_parallel, _run_tasks

        scen = _check_scenarios(scenarios, "scenarios")
        n_sim = check_count(n_sim, "n_sim", minimum=1)
        seed = check_count(seed, "seed", minimum=0)
        chunk_size = check_count(chunk_size, "chunk_size", minimum=1)
        n_jobs = _check_parallel(n_jobs, backend)
        fut, tox = self._ints()
        n_chunks = math.ceil(n_sim / chunk_size)
        tasks = [(self.looks, tuple(fut), tuple(tox), self.success_at, tuple(scen[i]),
                  min(chunk_size, n_sim - c * chunk_size), seed, (i, c))
                 for i in range(scen.shape[0]) for c in range(n_chunks)]
        res = _run_tasks(_simulate_joint_chunk, tasks, n_jobs=n_jobs, backend=backend,
                         progress=progress)
        rows = []
        for i in range(scen.shape[0]):
            part = np.array(res[i * n_chunks : (i + 1) * n_chunks], dtype=float).sum(axis=0)
            succ, early, s1, s2 = part / n_sim
            rows.append({"scenario": i + 1, "prob_success": succ,
                         "prob_success_se": _se(succ, n_sim), "prob_stop_early": early,
                         "prob_stop_early_se": _se(early, n_sim), "expected_n": s1,
                         "expected_n_se": math.sqrt(max(s2 - s1 * s1, 0.0) / n_sim),
                         "n_sim": n_sim})
        return pd.DataFrame(rows)


def _simulate_joint_chunk(looks, fut, tox, success_e, probs, size, seed, key):
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    n_max = looks[-1]
    u = rng.random((size, n_max))
    c = np.cumsum(probs)  # u < c0: R&T; < c1: R only; < c2: T only; else neither
    resp = u < c[1]
    toxic = (u < c[0]) | ((u >= c[1]) & (u < c[2]))
    idx = np.asarray(looks) - 1
    e = np.cumsum(resp, axis=1, dtype=np.int32)[:, idx]
    t = np.cumsum(toxic, axis=1, dtype=np.int32)[:, idx]
    fut_a = np.asarray(fut, dtype=float).copy()
    fut_a[-1] = -1  # the final look has no futility stop (it is the go/no-go decision)
    hit = (e <= fut_a[None, :]) | (t >= np.asarray(tox)[None, :])
    early_hit = hit[:, :-1]
    stopped = early_hit.any(axis=1)
    first = np.where(stopped, early_hit.argmax(axis=1), len(looks) - 1)
    n_used = np.asarray(looks)[first]
    success = (~stopped) & (e[:, -1] >= success_e) & (t[:, -1] < tox[-1])
    return (int(success.sum()), int(stopped.sum()), float(n_used.sum()),
            float((n_used.astype(float) ** 2).sum()))


def bop2_efficacy_toxicity(
    phi_e: float,
    phi_t: float,
    *,
    null: Any,
    alternative: Any,
    n_max: int,
    looks: Sequence[int],
    alpha: float = 0.1,
    prior: Sequence[float] | None = None,
    lambdas: Sequence[float] | None = None,
    gammas: Sequence[float] | None = None,
) -> JointDesign:
    """BOP2 design with co-primary efficacy and toxicity endpoints (multinomial outcome).

    Parameters
    ----------
    phi_e : the uninteresting response rate; phi_t : the highest acceptable toxicity rate.
    null : one or several joint scenarios (4-cell probability vectors in
        :data:`JOINT_OUTCOMES` order) under which declaring the treatment promising is an
        error; the type I error is the largest success probability over them.
    alternative : the joint scenario (effective and safe) whose success probability (power)
        is maximised.
    n_max, looks : maximum sample size and interim looks (< n_max).
    alpha : the largest type I error.
    prior : Dirichlet prior of the 4 outcome probabilities (default: the null scenario's cell
        probabilities, i.e. an effective prior sample size of 1 centred on the (first) null).
    lambdas, gammas : tuning grids as in :func:`bop2_design`.

    Method: Zhou H, Lee JJ, Yuan Y. BOP2: Bayesian optimal design for phase II clinical trials
    with simple and complex endpoints. Stat Med 2017;36:3302-3314 (Dirichlet-multinomial model of
    the joint outcome). The marginal posteriors of p_E = P(response) and p_T = P(toxicity) are
    Beta distributions depending only on the numbers of responders and of toxicities, so the
    rule "stop if Pr(p_E <= phi_E | D) > C(n) or Pr(p_T > phi_T | D) > C(n)" with
    C(n) = 1 - lambda (n/N)^gamma is a pair of boundaries on the two counts. The same C(n) is
    used for both endpoints here (the paper could not be read for this implementation; its
    exact cut-off for the toxicity endpoint should be checked before relying on the design).
    At N the treatment is promising when neither condition holds. Operating characteristics
    are exact, by a recursion over the joint (responders, toxicities) distribution.

    Example
    -------
    >>> d = bop2_efficacy_toxicity(0.2, 0.3, null=[[0.06, 0.14, 0.24, 0.56]],
    ...     alternative=[0.08, 0.32, 0.12, 0.48], n_max=20, looks=[10], alpha=0.1,
    ...     lambdas=[0.5, 0.7, 0.9], gammas=[0.5, 1, 2])
    >>> d.boundary.columns.tolist()
    ['n', 'futility_at_most', 'toxicity_at_least']
    """
    from scipy.special import betaincc

    phi_e = check_probability(phi_e, "phi_e")
    phi_t = check_probability(phi_t, "phi_t")
    n_max = check_count(n_max, "n_max", minimum=2)
    alpha = check_probability(alpha, "alpha")
    nulls = _check_scenarios(null, "null")
    alt = _check_scenarios(alternative, "alternative")
    if alt.shape[0] != 1:
        raise SmallTrialError(f"alternative must be one scenario, got {alternative!r}")
    if prior is None:
        prior_t = tuple(float(v) for v in nulls[0])
        if min(prior_t) <= 0:
            raise SmallTrialError(
                f"prior must be given when the null scenario has an empty cell, got null = "
                f"{null!r}")
    else:
        try:
            prior_t = tuple(float(v) for v in prior)
        except (TypeError, ValueError):
            raise SmallTrialError(f"prior must be 4 positive numbers, got {prior!r}") from None
        if len(prior_t) != 4 or not all(math.isfinite(v) and v > 0 for v in prior_t):
            raise SmallTrialError(f"prior must be 4 positive numbers, got {prior!r}")
    interim = _check_looks(looks, n_max)[:-1]
    if not interim:
        raise SmallTrialError(f"looks must hold at least one interim look < n_max, got {looks!r}")
    all_looks = (*interim, n_max)
    lam = _grid(np.round(np.arange(1, 100) / 100, 2) if lambdas is None else lambdas, "lambdas")
    gam = _grid(np.round(np.arange(1, 61) * 0.05, 2) if gammas is None else gammas, "gammas",
                positive_only=True)
    a1, a2, a3, a4 = prior_t
    x = np.arange(n_max + 1, dtype=float)[None, :]
    lk = np.asarray(all_looks, dtype=float)[:, None]
    valid = x <= lk
    with np.errstate(invalid="ignore"):
        # Pr(p_E > phi_E) and Pr(p_T > phi_T) by look and count (marginal Beta posteriors)
        pe_above = betaincc(a1 + a2 + x, a3 + a4 + np.where(valid, lk - x, 0), phi_e)
        pt_above = betaincc(a1 + a3 + x, a2 + a4 + np.where(valid, lk - x, 0), phi_t)
    scen = np.vstack([nulls, alt])
    seen: dict = {}
    best = None
    for lv in lam:
        for gv in gam:
            c = 1.0 - lv * (lk[:, 0] / n_max) ** gv
            # futility: Pr(p_E <= phi_E) > C  <=>  Pr(p_E > phi_E) < 1 - C
            fut = tuple(int(((pe_above[k] < 1 - c[k]) & valid[k]).sum()) - 1
                        for k in range(len(all_looks)))
            tox_hit = (pt_above > c[:, None]) & valid
            tox = tuple(int(tox_hit[k].argmax()) if tox_hit[k].any() else int(lk[k, 0]) + 1
                        for k in range(len(all_looks)))
            key = (fut, tox)
            if key not in seen:
                stop, _, _, success = _recursion_joint(all_looks, fut, tox, fut[-1] + 1, scen)
                seen[key] = (float(success[:-1].max()), float(success[-1]))
            t1, pw = seen[key]
            if t1 <= alpha + 1e-12 and (best is None or (-pw, lv, gv) < best[0]):
                best = ((-pw, lv, gv), key, lv, gv, t1, pw)
    if best is None:
        raise SmallTrialError(
            f"alpha = {alpha!r} cannot be met with n_max = {n_max} on this grid; the smallest "
            f"attainable type I error is {min(v[0] for v in seen.values()):.4g}")
    _, (fut, tox), lv, gv, t1, pw = best
    return JointDesign(
        phi_e=phi_e, phi_t=phi_t, n_max=n_max, success_at=fut[-1] + 1, type1_error=t1,
        power=pw, lam=float(lv), gamma=float(gv), looks=all_looks,
        futility=tuple(_stop_col(fut, all_looks, upper=False)),
        toxicity=tuple(_stop_col(tox, all_looks, upper=True)), prior=prior_t)
