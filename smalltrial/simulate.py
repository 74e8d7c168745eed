"""Operating characteristics of single-arm designs, exact and by simulation, and simulation-based
power for a longitudinal endpoint.

Every binary-endpoint design handled here -- a one-stage exact design, a Simon two-stage design,
a Bayesian posterior-probability rule with interim futility looks -- is a *multi-stage binomial
design*: after ``n_1 < n_2 < ... < n_K`` patients the trial stops for futility when the cumulative
number of responders is ``<= f_k``, and at the end H0 is rejected when it is ``> r``. For such
designs :func:`exact_operating_characteristics` computes type I error / power, probability of
early termination (PET) and expected sample size exactly, by convolving binomial increments;
:func:`operating_characteristics` estimates the same by Monte Carlo (useful for checking, for
designs with additional rules, and as the engine that scales out), with Monte-Carlo standard
errors.

Reproducibility: replicate ``j`` of scenario ``i`` always draws from the stream
``numpy.random.SeedSequence(seed, spawn_key=(i, chunk))``, with a fixed chunk layout, so results
do not depend on the number of workers or on the parallel backend. Parallel execution uses joblib;
``backend="dask"`` runs the same chunks on a dask.distributed cluster (the ``dask`` extra), with a
``distributed.Client`` created by the caller.

References: Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
1989;10:1-10. Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials.
Clin Trials 2008;5:93-106 (posterior-probability rules). Kenward MG, Roger JH. Biometrics
1997;53:983-997 (the df used for the longitudinal power).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import (
    check_choice,
    check_count,
    check_level,
    check_probability,
)

__all__ = [
    "MultiStageDesign",
    "single_stage",
    "bayesian_design",
    "as_multistage",
    "exact_operating_characteristics",
    "operating_characteristics",
    "mixed_model_power",
    "PowerResult",
]

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_DEFAULT_CHUNK = 20_000


@dataclass(frozen=True, repr=False)
class MultiStageDesign(Result):
    """A binomial design with futility stops: stop after ``n[k]`` patients if responders <= ``futility[k]``
    (k < K); at the end reject H0 when responders > ``r``.

    ``futility`` has one entry per interim look (``len(n) - 1`` entries); -1 means "no stop".
    """

    n: tuple[int, ...]
    futility: tuple[int, ...]
    r: int
    label: str = "multi-stage"

    def __post_init__(self) -> None:
        if len(self.n) < 1 or any(b <= a for a, b in zip(self.n, self.n[1:], strict=False)):
            raise SmallTrialError(f"n must be increasing cumulative sample sizes, got {self.n!r}")
        if self.n[0] < 1:
            raise SmallTrialError(f"n must start at >= 1 patient, got {self.n!r}")
        if len(self.futility) != len(self.n) - 1:
            raise SmallTrialError(
                f"futility needs one boundary per interim look ({len(self.n) - 1}), "
                f"got {self.futility!r}"
            )
        if not -1 <= self.r <= self.n[-1]:
            raise SmallTrialError(f"r must be in [-1, {self.n[-1]}], got {self.r!r}")


def single_stage(n: int, r: int) -> MultiStageDesign:
    """One-stage exact design: enrol ``n`` patients, reject H0 when responders > ``r``.

    Parameters
    ----------
    n : sample size (>= 1).
    r : critical count: H0 is rejected when more than ``r`` patients respond (A'Hern 2001
        tabulates such exact single-stage designs).

    Example
    -------
    >>> round(float(exact_operating_characteristics(single_stage(5, 2), [0.2]).loc[0, "reject"]), 4)
    0.0579
    """
    n = check_count(n, "n", minimum=1)
    r = check_count(r, "r", minimum=0)
    return MultiStageDesign(n=(n,), futility=(), r=r, label=f"single-stage r/n = {r}/{n}")


def _posterior_prob_above(x: np.ndarray, n: int, p0: float, prior: tuple[float, float]):
    from scipy.special import betainc

    a, b = prior
    return 1.0 - betainc(a + x, b + n - x, p0)  # P(p > p0 | x) under Beta(a + x, b + n - x)


def bayesian_design(
    n: int,
    p0: float,
    *,
    threshold: float = 0.95,
    looks: Sequence[int] = (),
    futility: float = 0.05,
    prior: tuple[float, float] = (1.0, 1.0),
) -> MultiStageDesign:
    """A posterior-probability rule turned into responder boundaries.

    Success at the end when ``P(p > p0 | data) >= threshold``; at each interim look (cumulative
    sample sizes in ``looks``) stop for futility when ``P(p > p0 | data) < futility``. Because the
    posterior probability increases with the number of responders, each rule is a boundary on
    the responder count, computed exactly here (Lee & Liu 2008 use the same reduction).

    Parameters
    ----------
    n : final sample size.
    p0 : uninteresting response rate.
    threshold : posterior probability needed for success.
    looks : cumulative sample sizes of interim futility looks (each < n).
    futility : futility stop when the posterior probability falls below it.
    prior : Beta prior (a, b).

    Example
    -------
    >>> d = bayesian_design(10, 0.2, threshold=0.95)
    >>> d.r  # success needs at least r + 1 responders
    4
    """
    n = check_count(n, "n", minimum=1)
    p0 = check_probability(p0, "p0")
    threshold = check_level(threshold, "threshold")
    futility = check_probability(futility, "futility", open_interval=False)
    if (
        len(prior) != 2
        or not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in prior)
        or not all(math.isfinite(a) and a > 0 for a in prior)
    ):
        raise SmallTrialError(f"prior must be two positive Beta parameters, got {prior!r}")
    looks_t = tuple(check_count(k, "looks", minimum=1) for k in looks)
    if any(k >= n for k in looks_t) or list(looks_t) != sorted(set(looks_t)):
        raise SmallTrialError(f"looks must be increasing and < n = {n}, got {tuple(looks)!r}")
    prior_t = (float(prior[0]), float(prior[1]))

    def boundary(m: int, cutoff: float) -> int:
        x = np.arange(m + 1)
        below = _posterior_prob_above(x, m, p0, prior_t) < cutoff
        return int(np.flatnonzero(below)[-1]) if below.any() else -1

    fut = tuple(boundary(k, futility) for k in looks_t)
    r = boundary(n, threshold)
    label = f"Bayesian P(p > {p0:g}) >= {threshold:g}, n = {n}"
    return MultiStageDesign(n=(*looks_t, n), futility=fut, r=r, label=label)


def as_multistage(design: Any) -> MultiStageDesign:
    """Convert a design (``MultiStageDesign`` or anything with ``r1, n1, r, n`` like
    :class:`smalltrial.design.SimonDesign`) to a :class:`MultiStageDesign`.

    Parameters
    ----------
    design : a :class:`MultiStageDesign` (returned as is) or a Simon two-stage design (Simon
        1989): stop after ``n1`` patients if responders <= ``r1``, reject H0 at ``n`` if > ``r``.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> d = as_multistage(SimpleNamespace(r1=1, n1=10, r=5, n=29))
    >>> d.n, d.futility, d.r
    ((10, 29), (1,), 5)
    """
    if isinstance(design, MultiStageDesign):
        return design
    if all(hasattr(design, a) for a in ("r1", "n1", "r", "n")):
        return MultiStageDesign(
            n=(int(design.n1), int(design.n)),
            futility=(int(design.r1),),
            r=int(design.r),
            label=f"Simon two-stage {design.r1}/{design.n1}, {design.r}/{design.n}",
        )
    raise SmallTrialError(
        f"design must be a MultiStageDesign or have r1, n1, r, n; got {type(design).__name__}"
    )


def _check_ps(p: Any) -> np.ndarray:
    """True response rates: a number or a flat sequence of numbers in [0, 1]."""
    if isinstance(p, (str, bytes)):
        raise SmallTrialError(f"p must be probabilities in [0, 1], got {p!r}")
    try:
        arr = np.atleast_1d(np.asarray(p, dtype=float))
    except (TypeError, ValueError):
        raise SmallTrialError(f"p must be probabilities in [0, 1], got {p!r}") from None
    if arr.size == 0:
        raise SmallTrialError("p must be probabilities in [0, 1], got an empty sequence")
    bad = ~((arr >= 0) & (arr <= 1))
    if arr.ndim != 1 or bad.any():
        raise SmallTrialError(f"p must be probabilities in [0, 1], got {p!r}")
    return arr


def exact_operating_characteristics(design: Any, p: Any) -> pd.DataFrame:
    """Exact rejection probability, PET and expected N of a multi-stage binomial design.

    Parameters
    ----------
    design : a :class:`MultiStageDesign` or a Simon design (``r1, n1, r, n``), see
        :func:`as_multistage`.
    p : true response rate(s) in [0, 1]: p0 gives the type I error, p1 the power.

    The distribution of the cumulative responder count among trials still running is carried
    from stage to stage by convolution with the binomial increment; this is the exact
    calculation of Simon (1989) for two stages, generalised to any number of futility looks.

    Returns a DataFrame with columns ``p, reject, pet, expected_n``.

    Example
    -------
    >>> from smalltrial.simulate import MultiStageDesign, exact_operating_characteristics
    >>> simon = MultiStageDesign(n=(10, 29), futility=(1,), r=5)  # Simon optimal 0.1 vs 0.3
    >>> exact_operating_characteristics(simon, [0.1]).round(3).to_dict("records")[0]
    {'p': 0.1, 'reject': 0.047, 'pet': 0.736, 'expected_n': 15.014}
    """
    import pandas as pd
    from scipy.stats import binom

    d = as_multistage(design)
    ps = _check_ps(p)
    rows = []
    for pv in ps:
        alive = np.array([1.0])  # distribution of cumulative responders among running trials
        prev_n = 0
        pet = 0.0
        expected_n = 0.0
        for k, nk in enumerate(d.n):
            inc = binom.pmf(np.arange(nk - prev_n + 1), nk - prev_n, pv)
            alive = np.convolve(alive, inc)
            if k < len(d.n) - 1:
                f = d.futility[k]
                stop = alive[: f + 1].sum() if f >= 0 else 0.0
                pet += stop
                expected_n += nk * stop
                alive = alive.copy()
                alive[: f + 1] = 0.0
            prev_n = nk
        expected_n += d.n[-1] * (1.0 - pet)
        reject = alive[d.r + 1 :].sum()
        rows.append({"p": float(pv), "reject": float(reject), "pet": float(pet),
                     "expected_n": float(expected_n)})
    return pd.DataFrame(rows, columns=["p", "reject", "pet", "expected_n"])


def _simulate_chunk(design: MultiStageDesign, p: float, size: int, seed: int,
                    key: tuple[int, int]) -> tuple[int, int, float, float]:
    """Simulate ``size`` trials: returns (n rejects, n early stops, sum N, sum N^2)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    sizes = np.diff((0, *design.n))
    increments = rng.binomial(sizes, p, size=(size, len(sizes)))
    cum = np.cumsum(increments, axis=1)
    running = np.ones(size, dtype=bool)
    n_used = np.full(size, design.n[-1], dtype=np.int64)
    for k, f in enumerate(design.futility):
        stop = running & (cum[:, k] <= f)
        n_used[stop] = design.n[k]
        running &= ~stop
    reject = running & (cum[:, -1] > design.r)
    return (int(reject.sum()), int((~running).sum()), float(n_used.sum()),
            float((n_used.astype(float) ** 2).sum()))


def _simulate_chunks(design: MultiStageDesign, chunks: list[tuple[float, int, int, tuple[int, int]]]
                     ) -> list[tuple[int, int, float, float]]:
    """:func:`_simulate_chunk` for a batch of chunks (one parallel task)."""
    return [_simulate_chunk(design, *chunk) for chunk in chunks]


#: below this many simulated trials in all, ``n_jobs``/``backend`` are ignored and the chunks
#: run in this process: starting or feeding workers costs more than the simulation (measured
#: crossover ~10^6 trials for a two-stage design on 2 cores, see BENCHMARKS.md)
_PARALLEL_MIN_TRIALS = 1_000_000
#: trials per parallel task: chunks are sent to workers in batches of about this many
_BATCH_TRIALS = 250_000


class _Progress:
    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total = total
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def update(self, k: int = 1) -> None:
        self.done += k
        if self.enabled:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                             f"{self.done}/{self.total} chunks")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


_BACKENDS = ("loky", "threading", "multiprocessing", "dask")


def _check_parallel(n_jobs: Any, backend: str | None) -> int:
    """joblib's n_jobs (a whole number other than 0; negative counts back from all cores) and
    backend (None or one of :data:`_BACKENDS`); returns n_jobs as an int."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise SmallTrialError(f"n_jobs must be a non-zero whole number, got {n_jobs!r}")
    if backend is not None:
        check_choice(backend, "backend", _BACKENDS)
    return int(n_jobs)


def _run_tasks(func: Callable, tasks: list[tuple], *, n_jobs: int, backend: str | None,
               progress: bool | None) -> list:
    """Run ``func(*task)`` for every task, in order, serially or with joblib."""
    bar = _Progress(len(tasks), progress)
    if n_jobs == 1 and backend is None:
        out = []
        for task in tasks:
            out.append(func(*task))
            bar.update()
        return out
    import joblib

    with joblib.parallel_config(backend=backend or "loky", n_jobs=n_jobs):
        gen = joblib.Parallel(return_as="generator")(joblib.delayed(func)(*t) for t in tasks)
        out = []
        for res in gen:
            out.append(res)
            bar.update()
    return out


def operating_characteristics(
    design: Any,
    p: Any,
    *,
    n_sim: int = 100_000,
    seed: int = 0,
    n_jobs: int = 1,
    backend: str | None = None,
    chunk_size: int = _DEFAULT_CHUNK,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Monte-Carlo operating characteristics of a single-arm binomial design.

    Parameters
    ----------
    design : a :class:`MultiStageDesign`, a Simon design (``r1, n1, r, n``), see
        :func:`single_stage` and :func:`bayesian_design`.
    p : true response rate(s): p0 gives the type I error, p1 the power.
    n_sim : simulated trials per value of ``p``.
    seed : seed of the reproducible streams (one per chunk of ``chunk_size`` trials).
    n_jobs, backend : joblib parallelism (``backend="dask"`` needs a running
        ``distributed.Client``); results are identical for every choice. Chunks go to the
        workers in batches of ~250,000 trials, and runs of fewer than 10^6 trials in all stay
        in this process (workers would make them slower).
    progress : show a progress bar on stderr (default: when stderr is a terminal).

    Returns a DataFrame with ``p, reject, reject_se, pet, pet_se, expected_n, expected_n_se,
    n_sim``; the standard errors are Monte-Carlo standard errors.

    Example
    -------
    >>> oc = operating_characteristics(single_stage(5, 2), [0.2], n_sim=20000, seed=1)
    >>> oc[["reject", "reject_se"]].round(4).to_dict("records")  # exact: 0.05792
    [{'reject': 0.0552, 'reject_se': 0.0016}]
    >>> bool(abs(oc.loc[0, "reject"] - 0.05792) < 4 * oc.loc[0, "reject_se"])
    True
    """
    import pandas as pd

    d = as_multistage(design)
    ps = _check_ps(p)
    n_sim = check_count(n_sim, "n_sim", minimum=1)
    seed = check_count(seed, "seed", minimum=0)
    chunk_size = check_count(chunk_size, "chunk_size", minimum=1)
    n_jobs = _check_parallel(n_jobs, backend)
    n_chunks = math.ceil(n_sim / chunk_size)
    chunks = []
    for i, pv in enumerate(ps):
        for c in range(n_chunks):
            size = min(chunk_size, n_sim - c * chunk_size)
            chunks.append((float(pv), size, seed, (i, c)))
    if n_sim * len(ps) < _PARALLEL_MIN_TRIALS:
        n_jobs, backend = 1, None
    # the chunk layout (and so every random stream) is fixed; only the batching differs
    per_batch = 1 if n_jobs == 1 and backend is None else max(1, _BATCH_TRIALS // chunk_size)
    tasks = [(d, chunks[j:j + per_batch]) for j in range(0, len(chunks), per_batch)]
    results = [res for batch in _run_tasks(_simulate_chunks, tasks, n_jobs=n_jobs,
                                           backend=backend, progress=progress)
               for res in batch]
    rows = []
    for i, pv in enumerate(ps):
        part = np.array(results[i * n_chunks:(i + 1) * n_chunks], dtype=float)
        rej, stop, s1, s2 = part.sum(axis=0)
        reject = rej / n_sim
        pet = stop / n_sim
        mean_n = s1 / n_sim
        var_n = max(s2 / n_sim - mean_n**2, 0.0)
        rows.append({
            "p": float(pv),
            "reject": reject,
            "reject_se": math.sqrt(reject * (1 - reject) / n_sim),
            "pet": pet,
            "pet_se": math.sqrt(pet * (1 - pet) / n_sim),
            "expected_n": mean_n,
            "expected_n_se": math.sqrt(var_n / n_sim),
            "n_sim": n_sim,
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True, repr=False)
class PowerResult(Result):
    """Simulation-based power of a mixed-model test (see :func:`mixed_model_power`)."""

    power: float
    se: float
    n_sim: int
    n_failed: int
    alpha: float
    df_method: str
    n_subjects: int
    visits: tuple[str, ...]
    pvalues: np.ndarray = field(default_factory=lambda: np.empty(0))
    _hidden = ("pvalues",)

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Exact Clopper-Pearson interval for the power (Monte-Carlo uncertainty).

        Parameters
        ----------
        level : confidence level in (0, 1).

        The interval is the Clopper-Pearson (1934) interval for ``k`` significant replicates
        out of the ``n_sim - n_failed`` that were fitted (as R ``binom.test``).

        Example
        -------
        >>> r = PowerResult(power=0.9, se=0.095, n_sim=10, n_failed=0, alpha=0.05,
        ...                 df_method="kenward-roger", n_subjects=6, visits=("a", "b"))
        >>> [round(x, 4) for x in r.confidence_interval()]
        [0.555, 0.9975]
        """
        from scipy.stats import beta

        level = check_level(level)
        k = int(round(self.power * (self.n_sim - self.n_failed)))
        m = self.n_sim - self.n_failed
        a = (1 - level) / 2
        lo = 0.0 if k == 0 else float(beta.ppf(a, k, m - k + 1))
        hi = 1.0 if k == m else float(beta.ppf(1 - a, k + 1, m - k))
        return lo, hi


def _power_replicate(means: np.ndarray, visits: tuple[str, ...], n_subjects: int,
                     sd_intercept: float, sd_residual: float, df_method: str, seed: int,
                     key: tuple[int, int], at: str) -> float:
    import warnings

    import pandas as pd

    from smalltrial._errors import SmallTrialWarning
    from smalltrial.longitudinal import mixed_model

    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    b = rng.normal(0.0, sd_intercept, size=n_subjects)
    e = rng.normal(0.0, sd_residual, size=(n_subjects, len(visits)))
    y = means[None, :] + b[:, None] + e
    data = pd.DataFrame({
        "subject": np.repeat([f"S{i:03d}" for i in range(n_subjects)], len(visits)),
        "visit": pd.Categorical(np.tile(visits, n_subjects), categories=list(visits)),
        "y": y.ravel(),
    })
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallTrialWarning)
            fit = mixed_model("y ~ C(visit)", data, subject="subject", df_method=df_method)
            cfb = fit.change_from_baseline("visit")
    except SmallTrialError:
        return float("nan")
    row = cfb.loc[cfb["visit"].astype(str) == at]
    return float(row["p_value"].iloc[0])


def mixed_model_power(
    *,
    means: Sequence[float],
    n_subjects: int,
    sd_intercept: float,
    sd_residual: float,
    visits: Sequence[str] | None = None,
    at: str | None = None,
    alpha: float = 0.05,
    df_method: str = "kenward-roger",
    n_sim: int = 200,
    seed: int = 0,
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool | None = None,
) -> PowerResult:
    """Simulation-based power of the change from baseline in a random-intercept mixed model.

    Data are simulated as ``y_ij = means[j] + b_i + e_ij`` with ``b_i ~ N(0, sd_intercept^2)`` and
    ``e_ij ~ N(0, sd_residual^2)``; each data set is fitted with
    :func:`smalltrial.longitudinal.mixed_model` (``y ~ C(visit)``, random intercept, REML) and the
    two-sided test of the change from the first visit to ``at`` (default: the last visit) uses
    the chosen small-sample df (Kenward-Roger 1997 by default). Replicates whose fit fails count
    in ``n_failed`` and are left out of the power.

    Parameters
    ----------
    means : the mean outcome at each visit (>= 2 visits; the first is the baseline).
    n_subjects : subjects per simulated trial (>= 2).
    sd_intercept, sd_residual : between-subject and within-subject standard deviations (> 0).
    visits : visit labels (default ``"visit 0"``, ``"visit 1"``, ...).
    at : the post-baseline visit whose change from baseline is tested (default: the last).
    alpha : two-sided significance level.
    df_method : ``"kenward-roger"``, ``"satterthwaite"``, ``"residual"`` or
        ``"between-within"`` (as :func:`smalltrial.longitudinal.mixed_model`).
    n_sim : simulated trials; ``seed``: seed of the reproducible streams (replicate ``j``
        draws from ``SeedSequence(seed, spawn_key=(0, j))``).
    n_jobs, backend, progress : as in :func:`operating_characteristics`.

    Example
    -------
    >>> res = mixed_model_power(means=[10, 4], n_subjects=6, sd_intercept=2, sd_residual=3,
    ...                         n_sim=10, seed=1)
    >>> res.power, res.n_failed
    (0.9, 0)
    """
    means_arr = np.asarray(means, dtype=float)
    if means_arr.ndim != 1 or means_arr.size < 2 or not np.isfinite(means_arr).all():
        raise SmallTrialError(f"means must be >= 2 finite visit means, got {means!r}")
    n_subjects = check_count(n_subjects, "n_subjects", minimum=2)
    for name, val in (("sd_intercept", sd_intercept), ("sd_residual", sd_residual)):
        if not (isinstance(val, (int, float)) and math.isfinite(val) and val > 0):
            raise SmallTrialError(f"{name} must be a positive number, got {val!r}")
    visit_t = tuple(str(v) for v in (visits or [f"visit {j}" for j in range(means_arr.size)]))
    if len(visit_t) != means_arr.size or len(set(visit_t)) != len(visit_t):
        raise SmallTrialError(f"visits must be {means_arr.size} distinct labels, got {visits!r}")
    at = visit_t[-1] if at is None else str(at)
    if at not in visit_t[1:]:
        raise SmallTrialError(f"at must be a post-baseline visit of {visit_t[1:]!r}, got {at!r}")
    alpha = check_level(alpha, "alpha")
    from smalltrial.longitudinal._mixed import DF_METHODS

    check_choice(df_method, "df_method", DF_METHODS)
    n_sim = check_count(n_sim, "n_sim", minimum=1)
    seed = check_count(seed, "seed", minimum=0)
    n_jobs = _check_parallel(n_jobs, backend)
    tasks = [(means_arr, visit_t, n_subjects, float(sd_intercept), float(sd_residual),
              df_method, seed, (0, j), at) for j in range(n_sim)]
    pvals = np.array(_run_tasks(_power_replicate, tasks, n_jobs=n_jobs, backend=backend,
                                progress=progress), dtype=float)
    ok = ~np.isnan(pvals)
    n_ok = int(ok.sum())
    power = float((pvals[ok] < alpha).mean()) if n_ok else float("nan")
    se = math.sqrt(power * (1 - power) / n_ok) if n_ok else float("nan")
    return PowerResult(power=power, se=se, n_sim=n_sim, n_failed=n_sim - n_ok, alpha=alpha,
                       df_method=df_method, n_subjects=n_subjects, visits=visit_t,
                       pvalues=pvals)
