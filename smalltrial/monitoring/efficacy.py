"""Efficacy/futility designs, :class:`EfficacyDesign`: the predictive-probability design of
Lee & Liu (:func:`predictive_probability_design`) and BOP2 for a binary endpoint
(:func:`bop2_design`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import check_count, check_probability
from smalltrial.monitoring._engine import (
    _NEVER,
    _check_looks,
    _check_prior,
    _check_ps,
    _grid,
    _recursion,
    _recursion_lower_batch,
    _se,
    _simulate,
    _stop_col,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


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


def _oc_batch(looks, up_b, lo_rows, success_at, p0, p1):
    """:func:`_oc_two` for several lower boundaries (rows of ``lo_rows``) sharing ``up_b``, in one
    pass of :func:`_recursion_lower_batch`; the same numbers, bit for bit (every reduction is
    done per design on arrays of the shapes :func:`_oc_two` uses)."""
    up, down, alive = _recursion_lower_batch(looks, up_b, lo_rows, np.array([p0, p1]))
    lk = np.asarray(looks[:-1], dtype=float)
    out = []
    for d in range(len(lo_rows)):
        s = slice(2 * d, 2 * d + 2)
        final = alive[s, success_at:].sum(axis=1)
        eff = up[s, :-1].sum(axis=1)
        stop = eff + down[s, :-1].sum(axis=1)
        en = (up[s, :-1] + down[s, :-1]) @ lk + (1 - stop) * looks[-1]
        out.append((eff + final, stop, en))
    return out


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


def _pp_tables(n: int, looks: Sequence[int], prior: tuple[float, float]) -> list:
    """Per interim look m: the beta-binomial predictive probabilities ``P(Y = y | x of m)`` of
    y further responders among the n - m remaining patients (rows x = 0..m, columns y) and
    ``x + y``; they do not depend on the success threshold, so the search computes them once
    per N."""
    from scipy.special import betaln, gammaln

    a, b = prior
    out = []
    for m in looks:
        x = np.arange(m + 1, dtype=float)[:, None]
        rem = n - m
        y = np.arange(rem + 1, dtype=float)[None, :]
        logp = (gammaln(rem + 1) - gammaln(y + 1) - gammaln(rem - y + 1)
                + betaln(a + x + y, b + m - x + rem - y) - betaln(a + x, b + m - x))
        out.append((np.exp(logp), x + y))
    return out


def _pp_bounds(n: int, looks: Sequence[int], r_final: int, theta_l: np.ndarray,
               theta_u: float, prior: tuple[float, float],
               tables: list | None = None) -> tuple[np.ndarray, list[int]]:
    """Futility boundaries (one row per value of ``theta_l``) and efficacy boundaries on the
    predictive probability of final success (responders >= r_final at n) at each interim look
    (``tables``: :func:`_pp_tables` of n and looks, computed here when not given)."""
    if tables is None:
        tables = _pp_tables(n, looks, prior)
    pp = np.full((len(looks), n + 1), np.inf)  # PP by look and count (inf: count > look)
    for k, m in enumerate(looks):
        pred, xy = tables[k]
        pp[k, : m + 1] = np.where(xy >= r_final, pred, 0.0).sum(axis=1)
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
    found = _pp_search(p0, p1, n_min, n_max, first_look, alpha, power, prior_t, tt, tl, theta_u)
    if isinstance(found, EfficacyDesign):
        return found
    raise SmallTrialError(
        f"power = {power!r} cannot be met with alpha = {alpha!r} and N <= n_max = {n_max}; the "
        f"best attainable power is {max(found[0], 0.0):.4g}"
        + (f" (N = {found[1]})" if found[1] is not None else "")
    )


def _pp_search(p0, p1, n_min, n_max, first_look, alpha, power, prior_t, tt, tl, theta_u, *,
               batched: bool = True):
    """The search of :func:`predictive_probability_design`: the design, or (best power at
    alpha, its N) when none meets the constraints. ``batched=False`` evaluates every candidate
    boundary on its own (:func:`_oc_two`, the straightforward search); the default evaluates
    the new boundaries of each (N, theta_t) in one :func:`_oc_batch` pass and computes the
    predictive probabilities once per N. Both give the same design, bit for bit
    (tests/test_monitoring.py); benchmarks/monitoring.py times them."""
    best_power = (-1.0, None)
    for n in range(n_min, n_max + 1):
        looks = (*range(first_look, n), n)
        post_final = _posterior_above(np.arange(n + 1.0), np.full(n + 1, float(n)), p0, prior_t)
        tables = _pp_tables(n, looks[:-1], prior_t) if batched else None
        best = None
        seen: dict = {}
        r_seen: set[int] = set()
        for t in tt:  # increasing: the first theta_t giving a final boundary is the smallest
            above = np.flatnonzero(post_final > t)
            r_final = int(above[0]) if above.size else n + 1
            if r_final in r_seen:
                continue
            r_seen.add(r_final)
            lo_all, up_i = _pp_bounds(n, looks[:-1], r_final, tl, theta_u, prior_t, tables)
            lo_all = lo_all.tolist()  # Python ints
            if batched:
                new_rows: dict[tuple, int] = {}
                for lo_row in lo_all:
                    key = (r_final, tuple(up_i), tuple(lo_row))
                    if key not in seen and key not in new_rows:
                        new_rows[key] = len(new_rows)
                if new_rows:
                    lo_mat = np.array([[*k[2], _NEVER] for k in new_rows], dtype=np.int64)
                    res = _oc_batch(looks, [*up_i, n + 1], lo_mat, r_final, p0, p1)
                    for key, (succ, stop, en) in zip(new_rows, res, strict=True):
                        seen[key] = (float(succ[0]), float(succ[1]), float(en[0]),
                                     float(stop[0]))
            for lval, lo_i in zip(tl, lo_all, strict=True):
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
    return best_power
