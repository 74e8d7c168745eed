"""The exact engine of :mod:`smalltrial.monitoring`: argument checks shared by the designs, the
forward recursions over the looks (a binomial count; the joint (responders, toxicities) count of
a 4-outcome multinomial) and their Monte-Carlo counterparts, run in chunks through
:mod:`smalltrial.simulate`'s seeded task runner."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._validate import check_count

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


def _recursion_lower_batch(looks: Sequence[int], upper: Sequence[int], lowers: np.ndarray,
                           ps: np.ndarray):
    """:func:`_recursion` for several designs sharing ``upper`` but with their own lower
    boundaries (``lowers[d, k]``), all at once: row ``d * len(ps) + i`` is design d at
    ``ps[i]``.

    The patient-by-patient update is elementwise and every stopping sum is a per-row sum over
    the same slice as in :func:`_recursion` (consecutive rows sharing a lower boundary are
    summed together),
    so each row's numbers are bit-identical to a separate :func:`_recursion` call; only the
    Python loop over patients is shared (tests/test_monitoring.py checks the equality).
    """
    n_max = looks[-1]
    ps = np.asarray(ps, dtype=float)
    n_p = ps.shape[0]
    lowers = np.asarray(lowers, dtype=np.int64)
    psr = np.tile(ps, lowers.shape[0])[:, None]
    q = 1.0 - psr
    rows_total = psr.shape[0]
    alive = np.zeros((rows_total, n_max + 1))
    alive[:, 0] = 1.0
    up = np.zeros((rows_total, len(looks)))
    down = np.zeros_like(up)
    n_prev = 0
    for k, nk in enumerate(looks):
        for m in range(n_prev, nk):
            alive[:, 1 : m + 2] = alive[:, 1 : m + 2] * q + alive[:, : m + 1] * psr
            alive[:, 0] *= q[:, 0]
        n_prev = nk
        u = int(upper[k])
        if u <= nk:
            up[:, k] = alive[:, u : nk + 1].sum(axis=1)
            alive[:, u:] = 0.0
        col = lowers[:, k]
        # runs of consecutive designs with the same boundary (one run each when the designs
        # come ordered by boundary, as in the predictive-probability search): one sum per run
        starts = [0, *(np.flatnonzero(col[1:] != col[:-1]) + 1).tolist(), len(col)]
        for a, b in zip(starts[:-1], starts[1:], strict=False):
            lo = int(col[a])
            if lo >= 0:
                rows = slice(a * n_p, b * n_p)
                down[rows, k] = alive[rows, : lo + 1].sum(axis=1)
                alive[rows, : lo + 1] = 0.0
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
# the joint engine: (responders, toxicities) of 4-outcome multinomial patients
# --------------------------------------------------------------------------------------------
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
