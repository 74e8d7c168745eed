"""The log-rank test, as R ``survival::survdiff``, with an exact permutation p-value."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._survbase import _time_event

# log-rank test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class LogRankTest(Result):
    """Log-rank test between groups (R ``survdiff``, rho = 0).

    ``groups``: DataFrame ``group, n, observed, expected``. ``exact_pvalue`` is the permutation
    p-value (NaN unless requested); ``permutation`` says how it was computed
    (``"enumeration"`` of all relabellings, or ``"monte-carlo"`` with ``n_permutations`` and
    ``seed``).
    """

    statistic: float
    df: int
    pvalue: float
    exact_pvalue: float = math.nan
    permutation: str = "none"
    n_permutations: int = 0
    seed: int | None = None
    groups: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    _hidden = ("groups",)


def _logrank_parts(t: np.ndarray, e: np.ndarray, g: np.ndarray, k: int):
    """Observed, expected and hypergeometric variance (k x k), summed over distinct times."""
    ut, inv = np.unique(t, return_inverse=True)
    T = ut.size
    onehot = np.zeros((t.size, k))
    onehot[np.arange(t.size), g] = 1.0
    return _logrank_batch(onehot[None, :, :], inv, e, T)


def _logrank_batch(onehot: np.ndarray, inv: np.ndarray, e: np.ndarray, T: int):
    """Vectorised survdiff pieces for P labellings: onehot (P, n, k) -> O (P,k), E, V (P,k,k)."""
    n = inv.size
    D = np.zeros((n, T))
    D[np.arange(n), inv] = e
    A = np.zeros((n, T))  # subject at time slot
    A[np.arange(n), inv] = 1.0
    R = np.cumsum(A[:, ::-1], axis=1)[:, ::-1]  # at risk: time_i >= u_j
    d_gt = np.einsum("pnk,nt->pkt", onehot, D)
    r_gt = np.einsum("pnk,nt->pkt", onehot, R)
    d_t = D.sum(axis=0)
    r_t = R.sum(axis=0)
    frac = r_gt / r_t  # (P,k,T)
    obs = d_gt.sum(axis=2)
    E = (frac * d_t).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(r_t > 1, d_t * (r_t - d_t) / (r_t - 1), 0.0)
    # V_gh = sum_t w_t (delta_gh frac_g - frac_g frac_h)
    V = -np.einsum("pgt,pht,t->pgh", frac, frac, w)
    diag = np.einsum("pgt,t->pg", frac, w)
    idx = np.arange(frac.shape[1])
    V[:, idx, idx] += diag
    return obs, E, V


def _chisq(obs: np.ndarray, E: np.ndarray, V: np.ndarray) -> np.ndarray:
    """survdiff's statistic for each labelling (groups with E = 0 dropped, first kept dropped)."""
    P, k = obs.shape
    out = np.zeros(P)
    keep_all = (E > 0).all(axis=1)
    if k >= 2 and keep_all.any():
        rows = np.flatnonzero(keep_all)
        diff = (obs - E)[rows, 1:]
        vv = V[rows][:, 1:, 1:]
        sol = _solve_batch(vv, diff)
        out[rows] = (sol * diff).sum(axis=1)
    for p in np.flatnonzero(~keep_all):
        sel = E[p] > 0
        if sel.sum() < 2:
            out[p] = 0.0
            continue
        diff = (obs[p] - E[p])[sel][1:]
        vv = V[p][np.ix_(sel, sel)][1:, 1:]
        out[p] = float(np.linalg.solve(vv, diff) @ diff)
    return out


def _solve_batch(vv: np.ndarray, diff: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(vv, diff[..., None])[..., 0]
    except np.linalg.LinAlgError:
        res = np.full(diff.shape, np.nan)
        for i in range(vv.shape[0]):
            try:
                res[i] = np.linalg.solve(vv[i], diff[i])
            except np.linalg.LinAlgError:
                res[i] = np.linalg.lstsq(vv[i], diff[i], rcond=None)[0]
        return res


def _labellings(g: np.ndarray, k: int):
    """All distinct assignments of the observed group sizes to n subjects (as label arrays)."""
    n = g.size
    sizes = np.bincount(g, minlength=k)

    def rec(avail: tuple[int, ...], level: int):
        if level == k - 1:
            yield {level: avail}
            return
        for comb in itertools.combinations(avail, int(sizes[level])):
            rest = tuple(i for i in avail if i not in set(comb))
            for tail in rec(rest, level + 1):
                tail = dict(tail)
                tail[level] = comb
                yield tail

    for assign in rec(tuple(range(n)), 0):
        lab = np.empty(n, dtype=np.int64)
        for lev, members in assign.items():
            lab[list(members)] = lev
        yield lab


def _n_labellings(g: np.ndarray, k: int) -> int:
    sizes = np.bincount(g, minlength=k)
    total = math.factorial(int(g.size))
    for s in sizes:
        total //= math.factorial(int(s))
    return total


def logrank_test(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    exact: bool = False,
    max_enumerate: int = 200_000,
    n_permutations: int = 9_999,
    seed: int = 0,
) -> LogRankTest:
    """Log-rank test of equal survival between groups, as R ``survival::survdiff``.

    Parameters
    ----------
    data, time, event : as :func:`kaplan_meier`.
    group : column with the group labels (>= 2 distinct values).
    exact : also compute a permutation p-value: the proportion of relabellings (group sizes
        kept) whose log-rank statistic is >= the observed one (relative tolerance 1e-9).
        All relabellings are enumerated when there are at most ``max_enumerate`` of them
        (exact); otherwise ``n_permutations`` random relabellings from
        ``numpy.random.default_rng(seed)`` give the Monte-Carlo estimate (b + 1)/(B + 1).

    Method: survdiff's chi-square (O - E)' V^- (O - E) with the hypergeometric variance,
    df = number of groups with expected > 0 minus 1 (Mantel 1966; Peto & Peto 1972). R
    ``coin::logrank_test`` uses a different (score) statistic; the enumeration here is of
    survdiff's chi-square.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial.survival import logrank_test
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 1, 0, 1],
    ...                    "arm": ["a", "a", "a", "b", "b", "b"]})
    >>> round(logrank_test(df, time="t", event="e", group="arm").pvalue, 4)
    0.0246
    """
    exact = _v.check_flag(exact, "exact")
    max_enumerate = _v.check_count(max_enumerate, "max_enumerate")
    n_permutations = _v.check_count(n_permutations, "n_permutations", minimum=1)
    seed = _v.check_seed(seed)
    _v.check_column_name(group, "group")
    t, e = _time_event(data, time, event)
    _v.check_columns(data, [group])
    _v.check_no_missing(data, group)
    _v.check_label_column(data, group)
    labels_raw = data[group].to_numpy()
    levels = sorted(pd.unique(labels_raw), key=lambda x: (str(type(x)), x))
    if len(levels) < 2:
        raise SmallTrialError(
            f"column {group!r} must have at least 2 groups for a log-rank test; got {levels!r}"
        )
    k = len(levels)
    code = {lab: i for i, lab in enumerate(levels)}
    g = np.array([code[x] for x in labels_raw], dtype=np.int64)
    obs, E, V = _logrank_parts(t, e, g, k)
    chi = float(_chisq(obs, E, V)[0])
    df = int((E[0] > 0).sum()) - 1
    pvalue = float(special.chdtrc(df, chi)) if df > 0 else math.nan
    groups = pd.DataFrame(
        {
            "group": levels,
            "n": np.bincount(g, minlength=k),
            "observed": obs[0],
            "expected": E[0],
        }
    )
    exact_p, how, nperm, used_seed = math.nan, "none", 0, None
    if exact:
        ut, inv = np.unique(t, return_inverse=True)
        total = _n_labellings(g, k)
        threshold = chi * (1.0 - 1e-9) - 1e-12
        if total <= max_enumerate:
            how, nperm = "enumeration", total
            count = 0
            for chunk in _batched(_labellings(g, k), 20_000):
                labs = np.array(chunk)
                count += int((_perm_chisq(labs, inv, e, ut.size, k) >= threshold).sum())
            exact_p = count / total
        else:
            nperm = n_permutations
            how, used_seed = "monte-carlo", seed
            rng = np.random.default_rng(seed)
            count = 0
            done = 0
            while done < nperm:
                m = min(20_000, nperm - done)
                labs = np.array([rng.permutation(g) for _ in range(m)])
                count += int((_perm_chisq(labs, inv, e, ut.size, k) >= threshold).sum())
                done += m
            exact_p = (count + 1) / (nperm + 1)
    return LogRankTest(
        statistic=chi,
        df=df,
        pvalue=pvalue,
        exact_pvalue=exact_p,
        permutation=how,
        n_permutations=nperm,
        seed=used_seed,
        groups=groups,
    )


def _batched(it, size: int):
    buf = []
    for x in it:
        buf.append(x)
        if len(buf) == size:
            yield buf
            buf = []
    if buf:
        yield buf


def _perm_chisq(labs: np.ndarray, inv: np.ndarray, e: np.ndarray, T: int, k: int) -> np.ndarray:
    P, n = labs.shape
    onehot = np.zeros((P, n, k))
    onehot[np.arange(P)[:, None], np.arange(n)[None, :], labs] = 1.0
    obs, E, V = _logrank_batch(onehot, inv, e, T)
    return _chisq(obs, E, V)


# --------------------------------------------------------------------------------------------
# follow-up
# --------------------------------------------------------------------------------------------
