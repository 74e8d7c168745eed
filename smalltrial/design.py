"""Simon two-stage designs for single-arm trials, and exact inference after them.

>>> from smalltrial.design import simon_two_stage
>>> d = simon_two_stage(0.1, 0.3)
>>> (d.r1, d.n1, d.r, d.n)
(1, 10, 5, 29)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result
from smalltrial._validate import check_choice, check_count, check_level, check_numbers

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CRITERIA",
    "SimonDesign",
    "simon_two_stage",
    "admissible_designs",
    "TwoStageInference",
    "two_stage_inference",
    "SafetyRule", "safety_monitoring", "toxicity_boundary", "EfficacyDesign", "bop2_design",
    "predictive_probability_design", "JointDesign", "bop2_efficacy_toxicity",
]

CRITERIA = ("optimal", "minimax", "admissible")
#: largest nmax accepted by the design search (memory grows as nmax^3)
NMAX_LIMIT = 200
_TIE = 1e-9  # expected sample sizes closer than this are treated as equal


def _prob(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(float(value)):
        raise SmallTrialError(f"{name} must be a number in (0, 1), got {value!r}")
    v = float(value)
    if not 0.0 < v < 1.0:
        raise SmallTrialError(f"{name} must be in (0, 1), got {value!r}")
    return v


@dataclass(frozen=True, repr=False)
class SimonDesign(Result):
    """A Simon two-stage design: stop after n1 patients if responses <= r1; reject H0 (p <= p0)
    if total responses > r among n."""

    r1: int
    n1: int
    r: int
    n: int
    expected_n0: float
    pet0: float
    type1_error: float
    power: float
    criterion: str
    p0: float
    p1: float
    alpha: float
    nominal_power: float
    weight_low: float
    weight_high: float

    def operating_characteristics(self, p: Any) -> pd.DataFrame:
        """Rejection probability, PET and expected N at response rates ``p`` (DataFrame), exactly,
        by :func:`smalltrial.simulate.exact_operating_characteristics`.

        >>> d = simon_two_stage(0.1, 0.3)
        >>> d.operating_characteristics([0.1]).round(4).to_dict("records")
        [{'p': 0.1, 'reject': 0.0471, 'pet': 0.7361, 'expected_n': 15.0141}]
        """
        from smalltrial.simulate import exact_operating_characteristics

        check_numbers(p, "p")  # a flag or text is not a response rate (values checked there)
        return exact_operating_characteristics(self, p)


def _tables(p: float, nmax: int):
    """pmf[m, k] = P(Bin(m, p) = k) and sf[m, t + nmax] = P(Bin(m, p) > t), t >= -nmax."""
    from scipy.stats import binom

    m = np.arange(nmax + 1)[:, None]
    pmf = binom.pmf(np.arange(nmax + 1)[None, :], m, p)
    sf = binom.sf(np.arange(-nmax, nmax + 1)[None, :], m, p)
    return pmf, sf


def _search(p0: float, p1: float, alpha: float, power: float, nmax: int, tables0, tables1):
    """All feasible (n, n1, r1), each with the smallest r whose type I error is < alpha.

    For fixed n the whole (n1, r, x1) grid is one numpy array: the rejection probability
    P(X1 > r1, X1 + X2 > r) = sum_{x1 > r1} b(x1; n1, p) P(X2 > r - x1; n - n1, p) is a reverse
    cumulative sum over x1 (Simon 1989, eq. 1), from tables of binomial probabilities computed
    once. The r axis is bounded: the two-stage rejection region is a subset of {X > r}, so the
    smallest r meeting alpha is at most the single-stage critical value, and r with single-stage
    power P(Bin(n, p1) > r) < power cannot qualify. As r1 <= r <= that bound, the x1 axis stops
    there too (above it every P(X2 > r - x1) is 1). ``tables0``/``tables1`` are
    :func:`_tables` at p0 and p1. Returns the rows (r1, n1, r, n, EN0, PET0, type I error,
    power) of the best design of each n (:func:`_best_per_n`).
    """
    from scipy.stats import binom

    (pmf0, sf0), (pmf1, sf1) = tables0, tables1
    # rev0[m, j] = P(Bin(m, p0) >= j), summed from the top down one term at a time, exactly as
    # the x1 axis below is (the pmf is 0 above m, and adding zeros changes no bit)
    rev0 = np.cumsum(pmf0[:, ::-1], axis=1)[:, ::-1]
    grid = np.arange(nmax + 1)
    cdf0 = binom.cdf(grid[None, :], grid[:, None], p0)  # cdf0[m, k] = P(Bin(m, p0) <= k)
    beta = 1.0 - power
    out: list[np.ndarray] = []
    for n in range(2, nmax + 1):
        k = np.arange(n)
        r_power = int(np.count_nonzero(1.0 - sf1[n, k + nmax] < beta)) - 1
        r_alpha = int(np.argmax(sf0[n, k + nmax] < alpha)) if (sf0[n, k + nmax] < alpha).any() else n
        rtop = min(r_power, r_alpha)
        if rtop < 0:
            continue
        n1 = np.arange(1, n)
        x1 = np.arange(0, n)
        r = np.arange(0, rtop + 1)
        n2 = (n - n1)[:, None, None]
        # a feasible design has r1 <= r <= rtop, so only tails from x1 = r1 + 1 <= rtop + 1 are
        # needed; above rtop every P(X2 > r - x1) is 1 and the tail there is rev0
        cut = rtop + 1 if rtop + 1 < n - 1 else n
        xs = x1[:cut]
        idx = (r[:, None] - xs[None, :] + nmax)[None, :, :]  # (1, r, x1)
        m = pmf0[n1, :cut][:, None, :] * sf0[n2, idx]  # (n1, r, x1)
        if cut < n:
            above = np.broadcast_to(rev0[n1, cut][:, None, None], (n1.size, r.size, 1))
            m = np.concatenate([m, above], axis=2)
        tail = np.cumsum(m[:, :, ::-1], axis=2)[:, :, ::-1]
        r1 = np.arange(0, min(n - 1, rtop + 1))
        a = tail[:, :, 1:r1.size + 1]  # a[n1, r, r1] = P(X1 > r1, X1 + X2 > r) at p0
        # stage-1 power bound: P_p1(X1 > r1) >= power; and r1 < n1, r >= r1
        stage1_ok = 1.0 - sf1[n1[:, None], r1[None, :] + nmax] < beta  # (n1, r1)
        valid = (stage1_ok & (r1[None, :] < n1[:, None]))[:, None, :] & (
            r[None, :, None] >= r1[None, None, :]
        )
        ok_a = (a < alpha) & valid
        has = ok_a.any(axis=1)  # (n1, r1)
        if not has.any():
            continue
        first = np.argmax(ok_a, axis=1)  # smallest r meeting alpha, (n1, r1)
        i1, i2 = np.nonzero(has)
        rr = first[i1, i2]
        a_sel = a[i1, rr, i2]
        nn1 = n1[i1]
        rr1 = r1[i2]
        # power only for these candidates: sum_{x1 > r1} b1(x1) P(X2 > r - x1) at p1
        # (above x1 = rtop >= r the P(X2 > r - x1) factor is exactly 1: only the first rtop + 1
        # columns are multiplied, giving the same terms and so the same sums)
        terms = pmf1[nn1, :n]
        w = min(rtop + 1, n)
        terms[:, :w] *= sf1[(n - nn1)[:, None], rr[:, None] - x1[None, :w] + nmax]
        terms[:, :w][x1[None, :w] <= rr1[:, None]] = 0.0
        p_sel = terms.sum(axis=1)
        keep = 1.0 - p_sel < beta
        if not keep.any():
            continue
        nn1, rr1, rr, a_sel, p_sel = nn1[keep], rr1[keep], rr[keep], a_sel[keep], p_sel[keep]
        pet0 = cdf0[nn1, rr1]
        en0 = nn1 + (1 - pet0) * (n - nn1)
        # only the best of this n can be chosen (_best_per_n again over all n: same rows)
        out.append(_best_per_n(np.column_stack([rr1, nn1, r[rr], np.full(rr.size, n), en0,
                                                pet0, a_sel, p_sel])))
    if not out:
        return None
    return np.vstack(out)


def _best_per_n(cands: np.ndarray) -> np.ndarray:
    """For each n, the design with the smallest EN0 (ties: smaller n1, then smaller r1)."""
    order = np.lexsort((cands[:, 0], cands[:, 1], np.round(cands[:, 4] / _TIE), cands[:, 3]))
    c = cands[order]
    first = np.ones(len(c), dtype=bool)
    first[1:] = c[1:, 3] != c[:-1, 3]
    return c[first]


def _admissible(best: np.ndarray) -> list[tuple[np.ndarray, float, float]]:
    """Designs minimising q n + (1 - q) EN0 for some q in [0, 1], with their q ranges.

    Jung, Lee, Kim & George (J Stat Plan Inference 2004;123:275): the lower-left convex hull of
    (n, EN0) among the best design of each n, from the optimal (q = 0) to the minimax (q = 1).
    """
    n = best[:, 3]
    en = best[:, 4]
    # candidates: for q in [0,1], loss(q) = q n + (1-q) en; breakpoints where two designs tie
    qs = {0.0, 1.0}
    for i in range(len(best)):
        for j in range(i + 1, len(best)):
            dn, de = n[i] - n[j], en[i] - en[j]
            denom = dn - de
            if denom != 0:
                q = -de / denom
                if 0.0 < q < 1.0:
                    qs.add(float(q))
    qs_sorted = sorted(qs)
    probes = [0.0] + [(a + b) / 2 for a, b in zip(qs_sorted[:-1], qs_sorted[1:], strict=True)] + [1.0]
    winners: dict[int, list[float]] = {}
    for q in probes:
        loss = q * n + (1 - q) * en
        # ties: smaller EN0 at q = 0 side, smaller n at q = 1 side
        m = loss.min()
        tied = np.flatnonzero(loss <= m + 1e-12)
        k = int(tied[np.argmin(en[tied])] if q < 0.5 else tied[np.argmin(n[tied])])
        winners.setdefault(k, []).append(q)
    result = []
    for k in sorted(winners, key=lambda k: n[k]):
        # the exact q range: where this design's loss is minimal
        lo, hi = 1.0, 0.0
        for q in qs_sorted:
            loss = q * n + (1 - q) * en
            if loss[k] <= loss.min() + 1e-12:
                lo, hi = min(lo, q), max(hi, q)
        result.append((best[k], lo, hi))
    return result


def _check_design_args(p0, p1, alpha, power, criterion, nmax):
    p0 = _prob(p0, "p0")
    p1 = _prob(p1, "p1")
    if p1 <= p0:
        raise SmallTrialError(f"p1 must be > p0; got p1={p1!r}, p0={p0!r}")
    alpha = _prob(alpha, "alpha")
    power = _prob(power, "power")
    criterion = check_choice(criterion, "criterion", CRITERIA)
    if not (isinstance(nmax, numbers.Real) and not isinstance(nmax, bool)) or not math.isfinite(
        float(nmax)
    ):
        raise SmallTrialError(f"nmax must be a whole number, got {nmax!r}")
    nmax = check_count(nmax, "nmax", minimum=2)
    if nmax > NMAX_LIMIT:
        raise SmallTrialError(f"nmax must be <= {NMAX_LIMIT}, got {nmax!r}")
    return p0, p1, alpha, power, criterion, nmax


def _design_from_row(row, lo, hi, criterion, p0, p1, alpha, power) -> SimonDesign:
    return SimonDesign(
        r1=int(row[0]), n1=int(row[1]), r=int(row[2]), n=int(row[3]),
        expected_n0=float(row[4]), pet0=float(row[5]), type1_error=float(row[6]),
        power=float(row[7]), criterion=criterion, p0=p0, p1=p1, alpha=alpha,
        nominal_power=power, weight_low=float(lo), weight_high=float(hi),
    )


def _largest_r(row: np.ndarray, tables0, tables1, power: float) -> np.ndarray:
    """Replace r by the largest r that still has power (clinfun ph2simon's choice).

    The rejection probabilities of all larger r at once, from the search's binomial tables
    (the same terms and summation as one row at a time, so the same bits).
    """
    r1, n1, r, n = (int(v) for v in row[:4])
    if r + 1 >= n:
        return row
    (pmf0, sf0), (pmf1, sf1) = tables0, tables1
    nmax = pmf0.shape[0] - 1
    x1 = np.arange(r1 + 1, n1 + 1)
    rs = np.arange(r + 1, n)

    def reject(pmf, sf, rs):
        terms = pmf[n1, x1][None, :] * sf[n - n1, rs[:, None] - x1[None, :] + nmax]
        return np.ascontiguousarray(terms).sum(axis=1)

    pw = reject(pmf1, sf1, rs)
    ok = 1.0 - pw < 1.0 - power
    steps = int(np.argmin(ok)) if not ok.all() else ok.size
    if steps == 0:
        return row
    out = row.copy()
    out[2] = r + steps
    out[6] = reject(pmf0, sf0, rs[steps - 1:steps])[0]
    out[7] = pw[steps - 1]
    return out


def _designs(p0, p1, alpha, power, nmax):
    tables0, tables1 = _tables(p0, nmax), _tables(p1, nmax)
    cands = _search(p0, p1, alpha, power, nmax, tables0, tables1)
    if cands is None:
        raise SmallTrialError(
            f"no two-stage design with n <= nmax={nmax} reaches alpha={alpha} and "
            f"power={power} for p0={p0}, p1={p1}; increase nmax"
        )
    best = _best_per_n(cands)
    best = np.array([_largest_r(row, tables0, tables1, power) for row in best])
    return best, _admissible(best)


def simon_two_stage(
    p0: float,
    p1: float,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
    criterion: str = "optimal",
    nmax: int = 100,
    weight: float = 0.5,
) -> SimonDesign:
    """Simon's (1989) two-stage design for H0: p <= p0 against H1: p >= p1.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, 0 < p0 < p1 < 1.
    alpha, power : float
        One-sided type I error bound at p0 and power at p1.
    criterion : str
        ``optimal``: smallest expected sample size under p0 (EN0); ``minimax``: smallest
        maximum n (ties: smallest EN0); ``admissible``: the design minimising
        ``weight * n + (1 - weight) * EN0`` (Jung, Lee, Kim & George 2004), ``weight`` in [0, 1].
    nmax : int
        Largest total sample size searched (<= 200).

    Method: exhaustive search over n <= nmax, 1 <= n1 < n, 0 <= r1 < n1, with exact binomial
    probabilities (Simon, Control Clin Trials 1989;10:1-10), vectorised over (n1, r1, r) for
    each n. As R clinfun ``ph2simon``: the constraints are strict (type I error < alpha,
    type II error < 1 - power); among designs with equal EN0 the smaller n1 wins; and where
    several r are feasible for the chosen (n, n1, r1) (same n and EN0), the largest r is
    reported (smallest type I error). ``weight_low``/``weight_high`` give the range of weights q for which the design
    minimises q n + (1 - q) EN0 among the best design of each n (NaN if it never does).

    Examples
    --------
    >>> d = simon_two_stage(0.05, 0.25, criterion="minimax")
    >>> (d.r1, d.n1, d.r, d.n)
    (0, 12, 2, 16)
    """
    p0, p1, alpha, power, criterion, nmax = _check_design_args(p0, p1, alpha, power, criterion,
                                                              nmax)
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not (
        0.0 <= float(weight) <= 1.0
    ):
        raise SmallTrialError(f"weight must be in [0, 1], got {weight!r}")
    best, adm = _designs(p0, p1, alpha, power, nmax)
    if criterion == "optimal":
        row = best[np.lexsort((best[:, 3], np.round(best[:, 4] / _TIE)))[0]]
    elif criterion == "minimax":
        row = best[np.argmin(best[:, 3])]
    else:
        q = float(weight)
        loss = q * best[:, 3] + (1 - q) * best[:, 4]
        tied = np.flatnonzero(loss <= loss.min() + 1e-12)
        row = best[tied[np.argmin(best[tied, 4])]] if q < 0.5 else best[tied[np.argmin(best[tied, 3])]]
    lo = hi = math.nan
    for design, qlo, qhi in adm:
        if np.array_equal(design, row):
            lo, hi = qlo, qhi
    return _design_from_row(row, lo, hi, criterion, p0, p1, alpha, power)


def admissible_designs(
    p0: float, p1: float, *, alpha: float = 0.05, power: float = 0.80, nmax: int = 100
) -> pd.DataFrame:
    """All admissible two-stage designs (Jung et al. 2004) with their weight ranges (DataFrame).

    Parameters as :func:`simon_two_stage`. Columns: r1, n1, r, n, expected_n0, pet0,
    type1_error, power, weight_low, weight_high; the first row is the minimax design (weight
    up to 1), the last the optimal one (weight from 0). Each row minimises
    q n + (1 - q) EN0 for q in [weight_low, weight_high] (Jung, Lee, Kim & George 2004).

    Examples
    --------
    >>> admissible_designs(0.2, 0.4)[["r1", "n1", "r", "n"]].values.tolist()
    [[4, 18, 10, 33], [3, 14, 11, 38], [3, 13, 12, 43]]
    """
    import pandas as pd

    p0, p1, alpha, power, _, nmax = _check_design_args(p0, p1, alpha, power, "optimal", nmax)
    _, adm = _designs(p0, p1, alpha, power, nmax)
    rows = []
    for row, lo, hi in adm:
        rows.append({"r1": int(row[0]), "n1": int(row[1]), "r": int(row[2]), "n": int(row[3]),
                     "expected_n0": row[4], "pet0": row[5], "type1_error": row[6],
                     "power": row[7], "weight_low": lo, "weight_high": hi})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# inference after a two-stage trial
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class TwoStageInference(Result):
    """Estimate, exact p-value and confidence interval after a completed two-stage trial."""

    x: int
    stage: int
    n1_observed: int
    n_observed: int
    p0: float
    mle: float
    umvue: float
    pvalue: float
    lower: float
    upper: float
    level: float
    warnings: tuple[str, ...] = ()

    def confidence_interval(self) -> tuple[float, float]:
        """``(lower, upper)``."""
        return self.lower, self.upper


def _stage2_tail(p: float, s: int, r1: int, n1: int, m2: int) -> float:
    """P_p(continue to stage 2 and total responses >= s), stage sizes n1 and m2."""
    from scipy.stats import binom

    x1 = np.arange(r1 + 1, n1 + 1)
    return float((binom.pmf(x1, n1, p) * binom.sf(s - x1 - 1, m2, p)).sum())


def _umvue(s: int, r1: int, n1: int, m2: int) -> float:
    """Jung & Kim (Stat Med 2004;23:561) UMVUE after continuing to stage 2 with total s."""
    from scipy.special import gammaln

    def lchoose(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    lo = max(r1 + 1, s - m2)
    hi = min(n1, s)
    x1 = np.arange(lo, hi + 1)
    if x1.size == 0:
        return math.nan
    num = np.exp(lchoose(n1 - 1, x1 - 1) + lchoose(m2, s - x1))
    den = np.exp(lchoose(n1, x1) + lchoose(m2, s - x1))
    return float(num.sum() / den.sum())


def two_stage_inference(
    x: int,
    design: Any,
    *,
    n1_observed: int | None = None,
    n_observed: int | None = None,
    level: float = 0.95,
    x1: int | None = None,
    p0: float | None = None,
) -> TwoStageInference:
    """Exact inference for the response rate after a Simon-type two-stage trial.

    Parameters
    ----------
    x : int
        Total responders (stage 1 only if the trial stopped after stage 1).
    design : SimonDesign
        (or any object with ``r1, n1, r, n`` and, unless ``p0`` is given, ``p0``).
    n1_observed, n_observed : int, optional
        Attained stage-1 and total sample sizes if they differ from the plan (over/under-
        running). Default: the planned n1; n = n1 when ``x <= r1`` (stopped for futility),
        else the planned total (shifted by any change of n1).
    level : float
        Two-sided confidence level.
    x1 : int, optional
        Stage-1 responders, only used to check the stopping rule was followed.
    p0 : float, optional
        Null response rate (default ``design.p0``).

    Method: the sample space is ordered stagewise (Koyama & Chen, Stat Med 2008;27:3145):
    every outcome stopping after stage 1 is less extreme than every outcome reaching stage 2;
    within a stage, more responders are more extreme. The one-sided p-value (H1: p > p0) is
    P_p0(outcome at least as extreme); the confidence interval inverts these tail
    probabilities (each tail alpha/2, brentq to 1e-14); after stopping at stage 1 both reduce
    to the exact binomial p-value and Clopper-Pearson interval for x1/n1. The point estimate
    is the UMVUE of Jung & Kim (Stat Med 2004;23:561) (x1/n1 after stopping). With attained
    sample sizes different from the plan, all probabilities condition on the attained sizes
    (the stopping rule "continue if x1 > r1" is kept). Koyama & Chen's alternative for a
    changed stage-2 size (mapping the stage-2 result onto the planned stage 2 through its
    conditional p-value) is not implemented; it agrees with this one at the rejection
    boundary. The p-value and UMVUE are those of R clinfun ``twostage.inference``, whose
    limits are a 0.0001-grid approximation of the same inversion (at level 1 - 2 alpha).

    Examples
    --------
    >>> from smalltrial.design import simon_two_stage
    >>> d = simon_two_stage(0.1, 0.3)  # 1/10, 5/29
    >>> res = two_stage_inference(6, d)
    >>> round(res.pvalue, 4)
    0.0471
    """
    from scipy.optimize import brentq
    from scipy.stats import binom

    level = check_level(level)
    for attr in ("r1", "n1", "r", "n"):
        if not hasattr(design, attr):
            raise SmallTrialError(f"design must have r1, n1, r and n; missing {attr!r}")
    r1, n1p, np_ = int(design.r1), int(design.n1), int(design.n)
    if p0 is None:
        if not hasattr(design, "p0"):
            raise SmallTrialError("p0 must be given when the design has no p0")
        p0 = design.p0
    p0 = _prob(p0, "p0")
    x = check_count(x, "x")
    n1o = n1p if n1_observed is None else check_count(n1_observed, "n1_observed", minimum=1)
    if n1o <= r1:
        raise SmallTrialError(f"n1_observed must be > r1={r1}, got {n1o}")
    if n_observed is None:
        no = n1o if x <= r1 else n1o + (np_ - n1p)
    else:
        no = check_count(n_observed, "n_observed", minimum=1)
        if no < n1o:
            raise SmallTrialError(f"n_observed must be >= n1_observed={n1o}, got {no}")
    if x > no:
        raise SmallTrialError(f"x must be <= n_observed; got x={x}, n_observed={no}")
    stage = 1 if no == n1o else 2
    if x1 is not None:
        x1 = check_count(x1, "x1")
        if stage == 1 and x1 != x:
            raise SmallTrialError(f"x1={x1} must equal x={x} when the trial stopped after stage 1")
    record: list[str] = []
    if stage == 1 and x > r1:
        raise SmallTrialError(
            f"x={x} > r1={r1} but the trial stopped after stage 1 (n_observed = n1_observed = "
            f"{n1o}): under the design it would have continued; give n_observed"
        )
    if stage == 2:
        if x <= r1:
            raise SmallTrialError(
                f"x={x} <= r1={r1} but the trial continued to stage 2 (n_observed={no}): "
                "the stopping rule was not followed"
            )
        if x1 is not None:
            x1 = check_count(x1, "x1")
            if x1 > n1o or x1 > x or x - x1 > no - n1o:
                raise SmallTrialError(f"x1={x1} is inconsistent with x={x}, n1_observed={n1o}, "
                                      f"n_observed={no}")
            if x1 <= r1:
                raise SmallTrialError(f"x1={x1} <= r1={r1} but the trial continued to stage 2")
        if n1o != n1p or no != np_:
            warn(f"attained sample sizes (n1={n1o}, n={no}) differ from the plan (n1={n1p}, "
                 f"n={np_}): inference conditions on the attained sizes", record)
    alpha = 1.0 - level
    if stage == 1:
        pvalue = float(binom.sf(x - 1, n1o, p0))
        from smalltrial.rates import proportion_ci

        ci = proportion_ci(x, n1o, level=level)
        lower, upper = ci.lower, ci.upper
        umvue = x / n1o
    else:
        m2 = no - n1o
        pvalue = _stage2_tail(p0, x, r1, n1o, m2)
        lower = brentq(lambda p: _stage2_tail(p, x, r1, n1o, m2) - alpha / 2, 0.0, 1.0,
                       xtol=1e-15, rtol=1e-15, maxiter=1000)
        if x == no:
            upper = 1.0
        else:
            # P_p(outcome <= observed) = 1 - P_p(stage 2 and total >= x + 1)
            upper = brentq(lambda p: 1.0 - _stage2_tail(p, x + 1, r1, n1o, m2) - alpha / 2,
                           0.0, 1.0, xtol=1e-15, rtol=1e-15, maxiter=1000)
        umvue = _umvue(x, r1, n1o, m2)
    return TwoStageInference(
        x=x, stage=stage, n1_observed=n1o, n_observed=no, p0=p0, mle=x / no, umvue=umvue,
        pvalue=min(1.0, pvalue), lower=float(lower), upper=float(upper), level=level,
        warnings=tuple(record),
    )


from smalltrial.monitoring import EfficacyDesign, JointDesign, SafetyRule, bop2_design, bop2_efficacy_toxicity, predictive_probability_design, safety_monitoring, toxicity_boundary  # noqa: E402, I001
