"""BOP2 with co-primary efficacy and toxicity, :class:`JointDesign`
(:func:`bop2_efficacy_toxicity`): a Dirichlet-multinomial outcome with exact operating
characteristics by a recursion over the joint (responders, toxicities) count."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import check_count, check_probability
from smalltrial.monitoring._engine import (
    _NEVER,
    _check_looks,
    _grid,
    _recursion_joint,
    _se,
    _simulate_joint_chunk,
    _stop_col,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


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
    rule "stop if Pr(p_E <= phi_E | D) > C(n) or Pr(p_T > phi_T | D) > C(n)" with one
    cut-off C(n) = 1 - lambda (n/N)^gamma for both endpoints is a pair of boundaries on the two
    counts (equality continues). At N the treatment is promising when neither condition holds.
    The paper itself could not be read here; the common cut-off is that of two independent
    implementations: the R package BOP2FE 1.0.3 (github.com/belayb/BOP2FE, R/utils.R
    ``get_cf_cs_values`` and R/efftox_endpoint.R ``get_boundary_jointefftox``: futility and
    toxicity both stop when the posterior probability of the good outcome is < lambda
    (n/N)^gamma, Dirichlet prior = the null cell probabilities), whose README boundaries this
    function reproduces (tests/test_monitoring.py), and a documented Python implementation that
    describes the original 2017 design as the common-cut-off one. The later BOP2-TE design
    (Chen, Zhou, Lee & Yuan 2024, arXiv:2408.05816) uses separate scales and a stricter early
    toxicity cut-off; it is not implemented here. Operating characteristics are exact, by a
    recursion over the joint (responders, toxicities) distribution.

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
