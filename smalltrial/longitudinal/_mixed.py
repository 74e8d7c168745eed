"""Linear mixed models with per-subject random effects and small-sample inference.

:func:`mixed_model` fits ``outcome ~ fixed effects`` with a random intercept (``random="1"``)
or a correlated random intercept and slope (``random="1 + month"``) per subject, by REML
(default) or ML, and reports Kenward-Roger, Satterthwaite, residual or between-within degrees
of freedom. :class:`MixedModelFit` holds the fixed effects, the variance components, estimated
marginal means and changes from baseline (emmeans-style).

Fitting follows lme4: the deviance is profiled over the fixed effects and the residual variance
and minimised over the relative covariance factor ``theta`` (lower-triangular, column-wise, with
non-negative diagonal) by SLSQP with the analytic gradient, from lme4's start and, when that
run ends on (or near) the boundary or short of a zero projected gradient, from further starts,
interior restarts and a comparison with the best fit on each boundary face (see
:func:`_optimise`). statsmodels is not used. The per-subject block structure is used
throughout (Woodbury identities; no n x n matrices), so a fit costs O(number of subjects).
The small-sample machinery is in ``_smalldf``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result
from smalltrial._validate import (
    check_choice,
    check_columns,
    check_frame,
    check_level,
    check_no_missing,
    check_numeric_column,
    check_unique_rows,
    describe_rows,
)
from smalltrial.longitudinal import _smalldf
from smalltrial.longitudinal._formula import check_formula
from smalltrial.longitudinal._levels import check_finite_outcome, formula_columns, order_levels

__all__ = ["mixed_model", "MixedModelFit"]

DF_METHODS = ("kenward-roger", "satterthwaite", "residual", "between-within")
SINGULAR_TOL = 1e-4  # lme4::isSingular default


# --------------------------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------------------------


def _parse_random(random: Any, data) -> str | None:
    if not isinstance(random, str):
        raise SmallTrialError(f"random must be '1' or '1 + <column>', got {random!r}")
    parts = [p.strip() for p in random.replace("~", "").split("+")]
    if parts == ["1"]:
        return None
    if len(parts) == 2 and parts[0] == "1" and parts[1]:
        slope = parts[1]
        check_columns(data, [slope])
        return slope
    raise SmallTrialError(f"random must be '1' or '1 + <column>', got {random!r}")


@dataclass
class _Prepared:
    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    groups: np.ndarray  # integer code per row, 0..M-1 in order of first appearance
    subjects: list
    names: list
    design_info: Any
    frame: Any  # the rows used (with ordered categoricals)
    categorical: dict  # column -> levels
    numeric_means: dict  # column -> mean over rows used
    slope: str | None
    outcome: str
    n_dropped: int


def _prepare(formula, data, subject, random, transform) -> _Prepared:
    import pandas as pd
    import patsy

    data = check_frame(data)
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise SmallTrialError(f"formula must be a string 'outcome ~ terms', got {formula!r}")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not rhs:
        raise SmallTrialError(f"formula {formula!r} has no right-hand side (use '~ 1')")
    if lhs not in data.columns:
        hint = " (use transform='log' instead of log() in the formula)" if "log" in lhs else ""
        raise SmallTrialError(
            f"the outcome {lhs!r} of formula {formula!r} must be a column of data{hint}; "
            f"columns present: {', '.join(map(repr, map(str, data.columns)))}"
        )
    if not isinstance(subject, str):
        raise SmallTrialError(f"subject must be a column name, got {subject!r}")
    check_columns(data, [subject])
    slope = _parse_random(random, data)
    rhs_cols = formula_columns(rhs, data.columns)
    used = list(dict.fromkeys([lhs, subject, *rhs_cols] + ([slope] if slope else [])))
    check_no_missing(data, subject, name="data")
    y_all = check_numeric_column(data, lhs, subject=subject)
    d = data[used].copy()
    d[lhs] = y_all.astype(float)
    if slope:
        d[slope] = check_numeric_column(data, slope, subject=subject).astype(float)
    keep = d.notna().all(axis=1).to_numpy()
    n_dropped = int((~keep).sum())
    d = d.loc[keep].reset_index(drop=True)
    source = data.loc[keep].reset_index(drop=True)
    if len(d) == 0:
        raise SmallTrialError(f"no complete rows in data for columns {used!r}")
    if transform == "log":
        bad = d[lhs] <= 0
        if bad.any():
            raise SmallTrialError(
                f"transform='log' needs column {lhs!r} > 0; got "
                f"{', '.join(repr(float(v)) for v in d.loc[bad, lhs].head(5))} "
                f"({describe_rows(d, bad, subject)})"
            )
    check_finite_outcome(data, lhs, y_all.astype(float), subject)
    # one row per subject and visit: the visit is identified by the model's columns that vary
    # within subjects (and by a 'visit' column when data has one)
    keys = [c for c in dict.fromkeys([*rhs_cols, *([slope] if slope else [])]) if c != subject
            and (d.groupby(subject, sort=False, observed=True)[c].nunique() > 1).any()]
    if "visit" in data.columns and "visit" not in keys and subject != "visit":
        d["visit"] = data.loc[keep, "visit"].to_numpy() if "visit" not in d else d["visit"]
        keys.append("visit")
    if keys:
        check_unique_rows(d, [subject, *keys], subject=subject, name="data")
    # level order of non-numeric columns
    categorical: dict = {}
    for c in rhs_cols:
        col = d[c]
        if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col) \
                or pd.api.types.is_bool_dtype(col):
            if pd.api.types.is_bool_dtype(col):
                levels = [False, True]
            else:
                levels = order_levels(source, c, subject)
            d[c] = pd.Categorical(d[c].astype(object) if not isinstance(
                col.dtype, pd.CategoricalDtype) else d[c], categories=levels)
            empty = [lv for lv in levels if not (d[c] == lv).any()]
            if empty:
                raise SmallTrialError(
                    f"column {c!r} has level(s) with no (complete) observations: "
                    f"{', '.join(map(repr, empty))}; drop the unused categories"
                )
            categorical[c] = levels
    try:
        X = patsy.dmatrix(rhs, d, return_type="dataframe", NA_action="raise")
    except SmallTrialError:
        raise
    except Exception as exc:  # patsy errors: unknown names, bad syntax
        raise SmallTrialError(f"cannot build the fixed effects of {formula!r}: {exc}") from None
    design_info = X.design_info
    for factor, info in design_info.factor_infos.items():
        if info.type == "categorical":
            for c in formula_columns(factor.code, d.columns):
                if c not in categorical and c != subject:
                    categorical[c] = list(info.categories)
    numeric_means = {
        c: float(d[c].astype(float).mean()) for c in rhs_cols if c not in categorical
    }
    names = list(X.columns)
    Xv = np.asarray(X, float)
    y = d[lhs].to_numpy(float)
    if transform == "log":
        y = np.log(y)
    codes, uniques = pd.factorize(d[subject], sort=False)
    if slope:
        Z = np.column_stack([np.ones(len(d)), d[slope].to_numpy(float)])
    else:
        Z = np.ones((len(d), 1))
    return _Prepared(
        y=y, X=Xv, Z=Z, groups=codes, subjects=list(uniques), names=names,
        design_info=design_info, frame=d, categorical=categorical,
        numeric_means=numeric_means, slope=slope, outcome=lhs, n_dropped=n_dropped,
    )


def _check_identifiable(prep: _Prepared, subject: str) -> None:
    import scipy.linalg

    n, p = prep.X.shape
    M = len(prep.subjects)
    q = prep.Z.shape[1]
    if M < 2:
        raise SmallTrialError(
            f"column {subject!r} has a single subject ({prep.subjects[0]!r}): the between-subject "
            "variance cannot be estimated; a mixed model needs at least 2 subjects"
        )
    if n <= q * M:
        what = "observation per subject" if q == 1 else "observations per subject"
        raise SmallTrialError(
            f"number of observations ({n}) <= number of random effects ({q * M}: {q} per "
            f"subject x {M} subjects): with at most {q} {what} (e.g. one visit only) the random "
            "effects and the residual variance are not separately identifiable"
        )
    if prep.slope:
        s = prep.Z[:, 1]
        counts = np.bincount(prep.groups)
        lo = np.full(M, np.inf)
        hi = np.full(M, -np.inf)
        np.minimum.at(lo, prep.groups, s)
        np.maximum.at(hi, prep.groups, s)
        if not np.any(hi > lo):
            raise SmallTrialError(
                f"random slope on {prep.slope!r}: {prep.slope!r} never varies within a subject "
                f"(observations per subject: max {counts.max()}), so the slope variance is not "
                "identifiable; use random='1'"
            )
    _, R, piv = scipy.linalg.qr(prep.X, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    rank = int((d > d.max() * max(n, p) * np.finfo(float).eps * 10).sum()) if d.size else 0
    if rank < p:
        aliased = [prep.names[i] for i in piv[rank:]]
        raise SmallTrialError(
            f"the fixed effects are not identifiable (design rank {rank} < {p} columns); "
            f"aliased column(s): {', '.join(map(repr, aliased))}"
        )
    if n - p <= 0:
        raise SmallTrialError(f"no residual degrees of freedom: {n} observations, {p} fixed effects")


# --------------------------------------------------------------------------------------------
# the profiled deviance (lme4's criterion)
# --------------------------------------------------------------------------------------------


class _Deviance:
    """Profiled REML/ML deviance as a function of theta, from per-subject cross-products."""

    def __init__(self, prep: _Prepared, reml: bool):
        X, Z, y, g = prep.X, prep.Z, prep.y, prep.groups
        M = len(prep.subjects)
        self.n, self.p = X.shape
        self.q = Z.shape[1]
        self.reml = reml
        # per-subject cross-products Z_i'Z_i and Z_i'[X_i y_i] (O(n); np.add.at keeps the
        # summation order, and so the last bits, of earlier versions)
        self.ZtZ = np.zeros((M, self.q, self.q))
        self.ZtX = np.zeros((M, self.q, self.p))
        self.Zty = np.zeros((M, self.q))
        np.add.at(self.ZtZ, g, Z[:, :, None] * Z[:, None, :])
        np.add.at(self.ZtX, g, Z[:, :, None] * X[:, None, :])
        np.add.at(self.Zty, g, Z * y[:, None])
        W = np.column_stack([X, y])
        self.WtW = W.T @ W
        self.ZtW = np.concatenate([self.ZtX, self.Zty[:, :, None]], axis=2)
        # lme4 order: the lower triangle column-wise
        idx = [(i, j) for j in range(self.q) for i in range(j, self.q)]
        self.theta_index = idx
        self.rows = np.array([i for i, _ in idx])
        self.cols = np.array([j for _, j in idx])
        self.lower = np.array([0.0 if i == j else -np.inf for i, j in idx])
        self.evaluations = 0  # deviance evaluations
        self.runs = 0  # optimiser runs (_optimise): 1 when the first start suffices

    def Lambda(self, theta):
        L = np.zeros((self.q, self.q))
        L[self.rows, self.cols] = theta
        return L

    def _core(self, theta):
        """Pieces shared by the deviance and its gradient (raises LinAlgError when V is not
        positive definite or X'V^-1X is singular). The arithmetic of S and log|V| is that of
        earlier versions (bit for bit), so that fits, and the outputs built on them, do not
        move in their last digits."""
        Lam = self.Lambda(theta)
        p = self.p
        B = np.einsum("ji,mjp->mip", Lam, self.ZtW)  # Lambda' Z_i'[X_i y_i]   (M, q, p+1)
        if self.q == 1:
            a = 1.0 + Lam[0, 0] ** 2 * self.ZtZ[:, 0, 0]
            if np.any(a <= 0) or not np.all(np.isfinite(a)):
                raise np.linalg.LinAlgError("A_i not positive definite")
            logdet_V = float(np.log(a).sum())
            Ainv = (1.0 / a)[:, None, None]
            S = self.WtW - np.einsum("mi,mj->ij", B[:, 0, :] / a[:, None], B[:, 0, :])
        else:
            A = np.eye(2) + np.einsum("ji,mjk,kl->mil", Lam, self.ZtZ, Lam)
            a, b, d = A[:, 0, 0], A[:, 0, 1], A[:, 1, 1]
            det = a * d - b * b
            if np.any(det <= 0) or not np.all(np.isfinite(det)):
                raise np.linalg.LinAlgError("A_i not positive definite")
            logdet_V = float(np.log(det).sum())
            b0, b1 = B[:, 0, :], B[:, 1, :]
            S = self.WtW - (
                np.einsum("m,mi,mj->ij", d / det, b0, b0)
                + np.einsum("m,mi,mj->ij", a / det, b1, b1)
                - np.einsum("m,mi,mj->ij", b / det, b0, b1)
                - np.einsum("m,mi,mj->ij", b / det, b1, b0)
            )
            Ainv = np.empty_like(A)
            Ainv[:, 0, 0], Ainv[:, 1, 1] = d / det, a / det
            Ainv[:, 0, 1] = Ainv[:, 1, 0] = -b / det
        S = (S + S.T) / 2
        XtVX = S[:p, :p]
        XtVy = S[:p, p]
        cholx = np.linalg.cholesky(XtVX)
        beta = np.linalg.solve(XtVX, XtVy)
        pwrss = float(S[p, p] - beta @ XtVy)
        logdet_X = 2.0 * float(np.log(np.diag(cholx)).sum())
        return Lam, Ainv, B, beta, pwrss, logdet_V, logdet_X, XtVX

    def solve(self, theta):
        """Return (beta, pwrss, logdet_V, logdet_XVX, XtVX) at theta (V relative to sigma^2).

        With A_i = I + Lambda' Z_i' Z_i Lambda and B_i = Lambda' Z_i' [X_i y_i]:
        [X y]' V^-1 [X y] = [X y]'[X y] - sum_i B_i' A_i^-1 B_i and log|V| = sum_i log|A_i|
        (Woodbury / determinant lemma); q <= 2, so A_i^-1 is written out elementwise.
        """
        _, _, _, beta, pwrss, ldV, ldX, XtVX = self._core(np.asarray(theta, float))
        return beta, pwrss, ldV, ldX, XtVX

    def _value(self, pwrss, ldV, ldX):
        n, p = self.n, self.p
        if self.reml:
            return ldV + ldX + (n - p) * (1.0 + math.log(2 * math.pi * pwrss / (n - p)))
        return ldV + n * (1.0 + math.log(2 * math.pi * pwrss / n))

    def __call__(self, theta) -> float:
        self.evaluations += 1
        try:
            _, _, _, _, pwrss, ldV, ldX, _ = self._core(np.asarray(theta, float))
        except np.linalg.LinAlgError:
            return np.inf
        if not pwrss > 0:
            return np.inf
        return self._value(pwrss, ldV, ldX)

    def value_and_gradient(self, theta):
        """The deviance and its analytic gradient with respect to theta.

        With V = I + Z Lambda Lambda' Z' and D_k = dV/dtheta_k = Z (E_k Lambda' + Lambda E_k') Z'
        (E_k the unit matrix of theta_k): d log|V| = tr(V^-1 D_k),
        d log|X'V^-1X| = -tr(Phi X'V^-1 D_k V^-1 X) and d pwrss = -r'V^-1 D_k V^-1 r
        (r = y - X beta-hat; beta-hat is stationary). Each is tr((E_k Lambda' + Lambda E_k') T)
        = 2 (T Lambda)_k for a symmetric q x q matrix T built per subject from
        Z_i'V_i^-1 Z_i = Z_i'Z_i - Z_i'Z_i Lambda A_i^-1 Lambda' Z_i'Z_i and
        Z_i'V_i^-1 [X_i y_i] = Z_i'[X_i y_i] - Z_i'Z_i Lambda A_i^-1 B_i.
        """
        self.evaluations += 1
        theta = np.asarray(theta, float)
        try:
            Lam, Ainv, B, beta, pwrss, ldV, ldX, XtVX = self._core(theta)
        except np.linalg.LinAlgError:
            return np.inf, np.zeros_like(theta)
        if not pwrss > 0:
            return np.inf, np.zeros_like(theta)
        p = self.p
        ZZL = self.ZtZ @ Lam  # Z_i'Z_i Lambda
        K = self.ZtZ - (ZZL @ Ainv) @ np.swapaxes(ZZL, 1, 2)  # Z_i'V_i^-1 Z_i
        H = self.ZtW - ZZL @ (Ainv @ B)  # Z_i'V_i^-1 [X_i y_i]
        w = np.append(-beta, 1.0)
        u = H @ w  # Z_i'V_i^-1 r_i
        G = H[:, :, :p]
        Phi = np.linalg.inv(XtVX)
        c = (self.n - p) if self.reml else self.n
        T = K.sum(axis=0) - c * (u.T @ u) / pwrss
        if self.reml:
            T -= np.tensordot(G @ Phi, G, axes=([0, 2], [0, 2]))
        T = (T + T.T) / 2
        grad = 2.0 * (T @ Lam)[self.rows, self.cols]
        return self._value(pwrss, ldV, ldX), grad


REL_GRADIENT_TOL = 1e-6  # converged: |projected gradient| <= REL_GRADIENT_TOL * (1 + |deviance|)


def _projected_gradient(dev: _Deviance, x):
    """Analytic gradient of the deviance, projected on the bounds (at a diagonal element equal
    to 0 only a descent into the interior counts)."""
    _, g = dev.value_and_gradient(x)
    at_bound = (dev.lower == 0) & (x <= 0)
    return np.where(at_bound, np.minimum(g, 0.0), g)


def _re_scale(prep: _Prepared) -> np.ndarray:
    """Per random-effect column, 1 / (its root-mean-square deviation from the subject mean;
    1 for the intercept): a slope's theta is of the order of the intercept's divided by the
    spread of the slope variable within subjects."""
    out = np.ones(prep.Z.shape[1])
    for j in range(1, prep.Z.shape[1]):
        z = prep.Z[:, j]
        counts = np.bincount(prep.groups)
        means = np.bincount(prep.groups, z) / counts
        spread = math.sqrt(float(np.mean((z - means[prep.groups]) ** 2)))
        out[j] = 1.0 / spread if spread > 0 else 1.0
    return out


def _starts(dev: _Deviance, scale):
    """Starting values of theta: the identity scaled to the spread of each random-effect column
    (``scale``; for a random intercept alone this is lme4's start, the identity), then lme4's
    start, then the scaled identity times 0.1 and 3."""
    out = []
    for s in (1.0, None, 0.1, 3.0):
        x = np.array([(1.0 if s is None else s * scale[i]) if i == j else 0.0
                      for i, j in dev.theta_index])
        if not any(np.array_equal(x, y) for y in out):
            out.append(x)
    return out


def _optimise(dev: _Deviance, starts):
    """Minimise the profiled deviance over theta under the bounds diag(Lambda) >= 0.

    SLSQP (scipy's bound-constrained SQP) with the analytic gradient
    (:meth:`_Deviance.value_and_gradient`) from
    ``starts[0]`` (a random intercept alone, one parameter: bounded Brent on [0, 1000]); when
    that run converges inside the bounds it is the answer (the usual case; nothing else is
    run). Otherwise the (other) starts are run, and when the best optimum so far
    has a diagonal element of theta on (or within 1e-3 of) the boundary, the search restarts
    from interior points (that element set to 0.1, 1 and 3 times the largest diagonal
    element): a gradient method can stall on the boundary of the theta parametrisation although the
    optimum is inside (theta_22 enters the deviance only as theta_22^2, so at theta_22 = 0
    its derivative is 0; theta_11 likewise when theta_21 = 0). A final check compares this fit
    with the best fit on each boundary face (one diagonal element fixed at 0, the rest
    optimised, from the best point and the first two starts): the lowest deviance wins, so a fit
    is reported on the boundary only when the boundary is the optimum. Convergence is
    relative: every element of the projected gradient within
    ``REL_GRADIENT_TOL * (1 + |deviance|)``. Returns (theta, deviance, converged); theta is
    None when the deviance is not finite at any start.
    """
    from scipy.optimize import minimize

    bounds = [(lo if np.isfinite(lo) else None, None) for lo in dev.lower]
    diag = [k for k, lo in enumerate(dev.lower) if lo == 0]
    opts = {"ftol": 1e-15, "maxiter": 1000}

    def run(x0, fixed=()):
        """SLSQP from x0; elements in ``fixed`` held at 0. (Not L-BFGS-B: scipy's calls BLAS
        for its tiny matrices at every iteration, ~10 ms each with a multi-threaded BLAS on a
        busy machine, 10-50x the deviance itself.)"""
        dev.runs += 1
        x0 = np.maximum(np.asarray(x0, float), np.where(np.isfinite(dev.lower), dev.lower, -np.inf))
        x0[list(fixed)] = 0.0
        if not np.all(np.isfinite(x0)):
            return None
        free = [i for i in range(x0.size) if i not in fixed]

        def fg(z):
            t = x0.copy()
            t[free] = z
            f, g = dev.value_and_gradient(t)
            return f, g[free]

        if not free:
            f = dev(x0)
            return (float(f), x0) if np.isfinite(f) else None
        if not np.isfinite(fg(x0[free])[0]):
            return None
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            r = minimize(fg, x0[free], jac=True, method="SLSQP",
                         bounds=[bounds[i] for i in free], options=opts)
        x = x0.copy()
        x[free] = r.x
        f = dev(x)
        return (float(f), x) if np.isfinite(f) else None

    def better(a, b):
        if b is None:
            return a
        return b if a is None or b[0] < a[0] else a

    def near_boundary(x):
        size = max(1.0, float(np.max(np.abs(x))))
        return [k for k in diag if x[k] < 1e-3 * size]

    def converged(r):
        g = _projected_gradient(dev, r[1])
        return bool(np.all(np.abs(g) <= REL_GRADIENT_TOL * (1.0 + abs(r[0]))))

    if dev.q == 1:  # one parameter: bounded Brent on [0, 1000] first
        from scipy.optimize import minimize_scalar

        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            r1 = minimize_scalar(lambda t: dev(np.array([t])), bounds=(0.0, 1000.0),
                                 method="bounded", options={"xatol": 1e-10, "maxiter": 500})
        best = (float(r1.fun), np.array([float(r1.x)])) if np.isfinite(r1.fun) else None
        rest = starts
    else:
        best = run(starts[0])
        rest = starts[1:]
    if best is not None and converged(best) and not near_boundary(best[1]):
        return best[1], best[0], True  # the usual case: an interior optimum from the 1st start
    for x0 in rest:
        best = better(best, run(x0))
    if best is None:
        return None, np.inf, False
    if near_boundary(best[1]):
        # restarts from the interior: the boundary may be a place the optimiser stalled
        x = best[1]
        low = near_boundary(x)
        size = max(float(np.max(np.abs(x[diag]))), 1e-2)
        for s in (0.1, 1.0, 3.0):
            x0 = x.copy()
            x0[low] = s * size
            best = better(best, run(x0))
    if near_boundary(best[1]):
        # the final check: the best fit on each boundary face (one diagonal element fixed at
        # 0) against the best so far; each face from the current best and from every start
        for k in diag:
            for x0 in [best[1], *starts[:2]]:
                best = better(best, run(x0, fixed=(k,)))
    fun, x = best
    # a diagonal element within 1e-3 of 0 is set to 0 when that does not raise the deviance
    for k in near_boundary(x):
        if x[k] > 0:
            r = run(x, fixed=(k,))
            if r is not None and r[0] <= fun + 1e-10:
                fun, x = r
    return x, fun, converged((fun, x))


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class MixedModelFit(Result):
    """A fitted linear mixed model (see :func:`mixed_model`).

    Attributes
    ----------
    fixed_effects : DataFrame indexed by term (patsy column names), columns ``estimate,
        std_error, df, statistic, p_value, lower, upper`` (t-based, ``df_method`` df; under
        Kenward-Roger ``std_error`` is the Kenward-Roger adjusted one).
    variance_components : DataFrame indexed ``intercept`` [, ``<slope>``,
        ``cov(intercept,<slope>)``], ``residual`` with column ``variance``.
    n_subjects, n_obs : subjects and observations used (rows with a missing value dropped).
    reml_criterion : lme4's REML criterion (-2 restricted log-likelihood) of a REML fit, NaN
        for ML. ``loglik``: the (restricted) log-likelihood, as lme4 ``logLik``.
    converged, singular : optimiser converged; a variance parameter is on the boundary
        (lme4 ``isSingular``: a diagonal element of theta < 1e-4).
    warnings : statistical caveats raised while fitting (also emitted as SmallTrialWarning).
    """

    formula: str
    random: str
    transform: str | None
    df_method: str
    reml: bool
    level: float
    fixed_effects: Any
    variance_components: Any
    n_subjects: int
    n_obs: int
    reml_criterion: float
    loglik: float
    converged: bool
    singular: bool
    theta: tuple
    sigma: float
    warnings: list = field(default_factory=list)
    _state: Any = None

    _hidden = ("theta",)

    # -- contrasts ---------------------------------------------------------------------------
    def _contrast(self, L):
        """(estimate, std_error, df) of L beta under this fit's df_method."""
        s = self._state
        L = np.asarray(L, float).ravel()
        est = float(L @ s["beta"])
        if self.df_method == "kenward-roger":
            se = math.sqrt(float(L @ s["kr"].vcov_adj @ L))
            df = _smalldf.kr_ddf(L[None, :], s["kr"])
        elif self.df_method == "satterthwaite":
            se = math.sqrt(float(L @ s["vcov"] @ L))
            df = _smalldf.satterthwaite_ddf(L, s["vcov"], s["jac"], s["vcov_varpar"])
        elif self.df_method == "residual":
            se = math.sqrt(float(L @ s["vcov"] @ L))
            df = float(s["n"] - s["p"])
        else:
            se = math.sqrt(float(L @ s["vcov"] @ L))
            used = np.abs(L) > 1e-12
            df = float(np.min(s["bw_df"][used])) if used.any() else float("nan")
        return est, se, df

    def _grid(self, by: str):
        import pandas as pd
        import patsy

        s = self._state
        cats = s["categorical"]
        nums = s["numeric_means"]
        if not isinstance(by, str) or (by not in cats and by not in nums):
            raise SmallTrialError(
                f"by must be a column in the fixed effects of {self.formula!r} "
                f"({', '.join(map(repr, [*cats, *nums]))}), got {by!r}"
            )
        if by in cats:
            by_levels = list(cats[by])
        else:
            by_levels = sorted(pd.unique(s["frame"][by].astype(float)))
        others = [c for c in cats if c != by]
        rows = []
        for combo in itertools.product(by_levels, *[cats[c] for c in others]):
            row = dict(zip([by, *others], combo, strict=True))
            for c, m in nums.items():
                if c != by:
                    row[c] = m
            rows.append(row)
        grid = pd.DataFrame(rows)
        for c in cats:
            grid[c] = pd.Categorical(grid[c], categories=cats[c])
        Xg = np.asarray(patsy.build_design_matrices([s["design_info"]], grid)[0], float)
        Ls = []
        for lv in by_levels:
            mask = (grid[by] == lv).to_numpy()
            Ls.append(Xg[mask].mean(axis=0))
        return by_levels, np.array(Ls)

    def _interval(self, L, response: bool, *, test: bool, zero_scale: float = 0.0) -> dict:
        """Estimate, std_error, df and t-based CI of ``L beta`` (and the two-sided p-value of
        ``L beta = 0`` with ``test``); with ``response`` back-transformed from the log scale
        (delta-method std_error; the p-value stays that of the log-scale test). An estimate
        within ``1e-10 * zero_scale`` of zero is floating-point noise of a zero difference
        and is set to exactly 0."""
        from scipy.special import stdtr, stdtrit  # t distribution without loading scipy.stats

        est, se, df = self._contrast(L)
        if abs(est) <= 1e-10 * zero_scale:
            est = 0.0
        t = stdtrit(df, 0.5 + self.level / 2)
        lo, hi = est - t * se, est + t * se
        if test:
            p = float(2 * stdtr(df, -abs(est / se))) if se > 0 else float("nan")
        if response:
            est, se, lo, hi = math.exp(est), math.exp(est) * se, math.exp(lo), math.exp(hi)
        row = {"estimate": est, "std_error": se, "df": df, "lower": lo, "upper": hi}
        if test:
            row["p_value"] = p
        return row

    def _check_scale(self, scale):
        check_choice(scale, "scale", ["link", "response"])
        return scale == "response" and self.transform == "log"

    def marginal_means(self, by: str, *, scale: str = "link"):
        """Estimated marginal means per level of ``by`` (emmeans).

        Equal weights over the levels of the other factors, numeric covariates at their mean
        over the rows used (emmeans' reference grid); a numeric ``by`` is evaluated at its
        distinct values. df from the fit's ``df_method`` for each mean. ``scale="response"``
        on a log model gives geometric means: ``exp`` of the estimate and of the CI limits,
        ``std_error`` by the delta method (emmeans ``type = "response"``); on an untransformed
        model both scales are the same.

        Returns DataFrame ``<by>, estimate, std_error, df, lower, upper``.

        Example
        -------
        >>> import pandas as pd
        >>> from smalltrial.longitudinal import mixed_model
        >>> d = pd.DataFrame({"subject": list("AABBCCDD"), "visit": ["baseline", "month 3"] * 4,
        ...                   "upcr": [2.0, 1.0, 4.0, 1.0, 1.0, 0.5, 3.0, 3.0]})
        >>> fit = mixed_model("upcr ~ C(visit)", d, subject="subject", transform="log")
        >>> # balanced, complete data: the geometric means (2*4*1*3)^(1/4), (1*1*0.5*3)^(1/4)
        >>> fit.marginal_means("visit", scale="response")["estimate"].round(4).tolist()
        [2.2134, 1.1067]
        """
        import pandas as pd

        response = self._check_scale(scale)
        levels, Ls = self._grid(by)
        out = [{by: lv, **self._interval(L, response, test=False)}
               for lv, L in zip(levels, Ls, strict=True)]
        return pd.DataFrame(out, columns=[by, "estimate", "std_error", "df", "lower", "upper"])

    def change_from_baseline(self, by: str, *, baseline: Any = None, scale: str = "link"):
        """Difference of each level's marginal mean from ``baseline`` (default: first level).

        As emmeans ``contrast(emm, "trt.vs.ctrl", adjust = "none")`` (no multiplicity
        adjustment: R's default for "trt.vs.ctrl" is Dunnett's). ``scale="response"`` on a
        log model gives ratios to baseline (``exp`` of estimate and CI; delta-method
        ``std_error``; p-value of the log-scale test).

        Returns DataFrame ``<by>, estimate, std_error, df, lower, upper, p_value``.

        Example
        -------
        >>> import pandas as pd
        >>> from smalltrial.longitudinal import mixed_model
        >>> d = pd.DataFrame({"subject": list("AABBCCDD"), "visit": ["baseline", "month 3"] * 4,
        ...                   "upcr": [2.0, 1.0, 4.0, 1.0, 1.0, 0.5, 3.0, 3.0]})
        >>> fit = mixed_model("upcr ~ C(visit)", d, subject="subject", transform="log")
        >>> ratio = fit.change_from_baseline("visit", scale="response")  # month 3 / baseline
        >>> round(float(ratio["estimate"].iloc[0]), 4)  # 1.5^(1/4) / 24^(1/4) = 16^(-1/4)
        0.5
        """
        import pandas as pd

        response = self._check_scale(scale)
        levels, Ls = self._grid(by)
        if baseline is None:
            b = 0
        else:
            matches = [i for i, lv in enumerate(levels) if lv == baseline]
            if not matches:
                raise SmallTrialError(
                    f"baseline must be one of the levels of {by!r} "
                    f"({', '.join(map(repr, levels))}), got {baseline!r}"
                )
            b = matches[0]
        beta = self._state["beta"]
        means = [abs(float(np.asarray(L, float).ravel() @ beta)) for L in Ls]
        # a change is a difference of two means: noise below 1e-10 of their size is a zero change
        out = [{by: lv, **self._interval(Ls[i] - Ls[b], response, test=True,
                                         zero_scale=max(means[i], means[b]))}
               for i, lv in enumerate(levels) if i != b]
        return pd.DataFrame(
            out, columns=[by, "estimate", "std_error", "df", "lower", "upper", "p_value"]
        )

    def anova(self):
        """Type III F test of each fixed-effect term, with the fit's ``df_method`` df.

        A term not contained in a higher-order term is tested through its own coefficients
        (all zero). A term contained in an interaction (e.g. ``C(visit)`` in
        ``C(visit) * arm``) is tested, as SAS/lmerTest type III, through the equal-weight cell
        means: its levels' marginal means (averaged equally over the other factors) are equal.
        That needs all factors categorical; with a numeric covariate in such an interaction the
        row is NaN (use :meth:`marginal_means` contrasts instead).

        F and df: ``kenward-roger``: the scaled F of ``pbkrtest::KRmodcomp``;
        ``satterthwaite``: lmerTest ``contestMD``; ``residual`` / ``between-within``: Wald F
        over q with n - p / the smallest between-within df of the columns involved. Matches
        lmerTest ``anova(type = 3, ddf = ...)``.

        Returns DataFrame indexed by term with ``num_df, den_df, statistic, p_value``.
        """
        import pandas as pd
        import patsy
        from scipy.special import fdtrc

        s = self._state
        info = s["design_info"]
        cats = s["categorical"]
        cols = list(s["frame"].columns)
        term_cols = {
            t.name(): {c for f in t.factors for c in formula_columns(f.code, cols)}
            for t in info.terms
        }
        cell_X = None
        rows = []
        for term, sl in info.term_name_slices.items():
            if term == "Intercept":
                continue
            mine = term_cols[term]
            contained = any(mine < other for name, other in term_cols.items() if name != term)
            if not contained:
                idx = np.arange(s["p"])[sl]
                L = np.zeros((idx.size, s["p"]))
                L[np.arange(idx.size), idx] = 1.0
            elif s["numeric_means"] or not mine <= set(cats):
                rows.append({"term": term, "num_df": np.nan, "den_df": np.nan,
                             "statistic": np.nan, "p_value": np.nan})
                continue
            else:
                names = list(cats)
                if cell_X is None:
                    grid = pd.DataFrame(list(itertools.product(*[cats[c] for c in names])),
                                        columns=names)
                    for c in names:
                        grid[c] = pd.Categorical(grid[c], categories=cats[c])
                    cell_X = np.asarray(patsy.build_design_matrices([info], grid)[0], float)
                C = np.ones((1, 1))
                for c in names:
                    k = len(cats[c])
                    if c in mine:
                        part = np.hstack([np.ones((k - 1, 1)), -np.eye(k - 1)])
                    else:
                        part = np.full((1, k), 1.0 / k)
                    C = np.kron(C, part)
                L = C @ cell_X
            F, q, ddf = self._ftest(L)
            rows.append({"term": term, "num_df": q, "den_df": ddf, "statistic": F,
                         "p_value": float(fdtrc(q, ddf, F))})
        out = pd.DataFrame(rows, columns=["term", "num_df", "den_df", "statistic", "p_value"])
        return out.set_index("term").rename_axis(None)

    def _ftest(self, L):
        s = self._state
        beta = s["beta"]
        q = L.shape[0]
        if q == 1:
            est, se, df = self._contrast(L[0])
            return (est / se) ** 2, 1, df
        if self.df_method == "kenward-roger":
            F, q, ddf, _ = _smalldf.kr_ftest(L, beta, s["kr"])
            return F, q, ddf
        Lb = L @ beta
        VL = L @ s["vcov"] @ L.T
        if self.df_method == "satterthwaite":
            d, P = np.linalg.eigh(VL)
            order = np.argsort(d)[::-1]
            d, P = d[order], P[:, order]
            pos = d > max(np.sqrt(np.finfo(float).eps) * d[0], 0)
            PtL = (P.T @ L)[pos]
            d = d[pos]
            F = float(np.sum((PtL @ beta) ** 2 / d) / d.size)
            nu = np.array([
                _smalldf.satterthwaite_ddf(PtL[m], s["vcov"], s["jac"], s["vcov_varpar"])
                for m in range(d.size)
            ])
            if d.size == 1:
                ddf = float(nu[0])
            elif np.all(np.abs(np.diff(nu)) < 1e-8):
                ddf = float(nu.mean())
            elif np.any(nu <= 2):
                ddf = 2.0
            else:
                E = float(np.sum(nu / (nu - 2)))
                ddf = 2 * E / (E - d.size)
            return F, int(d.size), ddf
        F = float(Lb @ np.linalg.solve(VL, Lb)) / q
        if self.df_method == "residual":
            return F, q, float(s["n"] - s["p"])
        used = np.any(np.abs(L) > 1e-12, axis=0)
        return F, q, float(np.min(s["bw_df"][used]))

    # -- display -----------------------------------------------------------------------------
    def to_frame(self):
        """The fixed-effects table."""
        return self.fixed_effects

    def to_ard(self, by: str | None = None, *, scale: str = "link"):
        """Analysis results data (:mod:`smalltrial.ard`): ``n_subjects``, ``n_obs``, the fixed
        effects (``variable="fixed_effect"``, level the term), the variance components and,
        with ``by``, the marginal means and changes from baseline on ``scale``."""
        from smalltrial.ard import ard_frame, table_rows

        stats = ("estimate", "std_error", "df", "lower", "upper")
        rows = [{"statistic": s, "value": getattr(self, s)} for s in ("n_subjects", "n_obs")]
        rows += table_rows(self.fixed_effects, "fixed_effect", None, (*stats, "statistic", "p_value"))
        rows += table_rows(self.variance_components, "variance_component", None, ("variance",))
        if by is not None:
            rows += table_rows(self.marginal_means(by, scale=scale), f"marginal_mean_{scale}", by, stats)
            rows += table_rows(self.change_from_baseline(by, scale=scale), f"change_{scale}", by,
                               (*stats, "p_value"))
        return ard_frame(rows, method=self.df_method, level=self.level)

    def __repr__(self) -> str:
        crit = (f"REML criterion {self.reml_criterion:.4f}" if self.reml
                else f"logLik {self.loglik:.4f}")
        flags = []
        if self.singular:
            flags.append("SINGULAR (boundary) fit")
        if not self.converged:
            flags.append("NOT CONVERGED")
        lines = [
            f"MixedModelFit: {self.formula}  random={self.random!r} per subject"
            + (f"  transform={self.transform!r}" if self.transform else ""),
            f"  {self.n_obs} observations, {self.n_subjects} subjects; {crit}; "
            f"df: {self.df_method}; {100 * self.level:g}% CI"
            + (f"; {'; '.join(flags)}" if flags else ""),
            "Fixed effects:",
            self.fixed_effects.to_string(float_format=lambda v: f"{v:.4g}"),
            "Variance components:",
            self.variance_components.to_string(float_format=lambda v: f"{v:.4g}"),
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from smalltrial._results import _html_escape, html_frame, html_warnings

        head = repr(self).splitlines()[:2]
        return (
            "<p>" + "<br>".join(_html_escape(line) for line in head) + "</p>"
            + "<p>Fixed effects:</p>" + html_frame(self.fixed_effects)
            + "<p>Variance components:</p>" + html_frame(self.variance_components)
            + html_warnings(self.warnings)
        )


# --------------------------------------------------------------------------------------------
# the small-sample layer
# --------------------------------------------------------------------------------------------


def _psi_derivatives(theta, sigma, dev: _Deviance):
    """psi = (sigma^2 S_jk for j<=k in (0,0),(0,1),(1,1) order ..., sigma^2) and its first and
    second derivatives with respect to varpar = (theta..., sigma) (lmerTest's parametrisation)."""
    q = dev.q
    Lam = dev.Lambda(theta)
    S = Lam @ Lam.T
    pairs = [(j, k) for j in range(q) for k in range(j, q)]
    K = len(theta) + 1
    kpsi = len(pairs) + 1
    E = []
    for i, j in dev.theta_index:
        e = np.zeros((q, q))
        e[i, j] = 1.0
        E.append(e)
    dS = [e @ Lam.T + Lam @ e.T for e in E]
    J = np.zeros((kpsi, K))
    D2 = np.zeros((kpsi, K, K))
    s2 = sigma**2
    for r, (j, k) in enumerate(pairs):
        for a in range(len(theta)):
            J[r, a] = s2 * dS[a][j, k]
            D2[r, a, K - 1] = D2[r, K - 1, a] = 2 * sigma * dS[a][j, k]
            for b in range(len(theta)):
                D2[r, a, b] = s2 * (E[a] @ E[b].T + E[b] @ E[a].T)[j, k]
        J[r, K - 1] = 2 * sigma * S[j, k]
        D2[r, K - 1, K - 1] = 2 * S[j, k]
    J[-1, K - 1] = 2 * sigma
    D2[-1, K - 1, K - 1] = 2.0
    psi = np.array([s2 * S[j, k] for j, k in pairs] + [s2])
    return psi, J, D2, pairs


def _blocks(prep: _Prepared, psi, pairs, beta):
    """Per-subject X_i, V_i = sum_r psi_r G_ri, G_ri and residuals, stacked by block size
    (the layout of ``_smalldf.make_blocks``, built without a loop over subjects)."""
    order = np.argsort(prep.groups, kind="stable")
    counts = np.bincount(prep.groups)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    resid = prep.y - prep.X @ beta
    groups = []
    for n in sorted(set(counts.tolist())):
        idx = order[first[counts == n][:, None] + np.arange(n)]  # (m, n) rows of each subject
        Z = prep.Z[idx]
        G = []
        for j, k in pairs:
            zz = Z[:, :, j, None] * Z[:, None, :, k]
            G.append(zz if j == k else zz + np.swapaxes(zz, 1, 2))
        G.append(np.broadcast_to(np.eye(n), (idx.shape[0], n, n)))
        G = np.stack(G, axis=1)  # (m, k, n, n)
        V = np.einsum("r,mrab->mab", psi, G)
        groups.append({"X": prep.X[idx], "V": V, "G": G, "r": resid[idx],
                       "Vinv": np.linalg.inv(V)})
    return _smalldf.Blocks(groups=groups, p=prep.X.shape[1], k=len(psi))


def mixed_model(
    formula: str,
    data,
    *,
    subject: str,
    random: str = "1",
    transform: str | None = None,
    df_method: str = "kenward-roger",
    reml: bool = True,
    level: float = 0.95,
) -> MixedModelFit:
    """Fit a linear mixed model with per-subject random effects and small-sample inference.

    Parameters
    ----------
    formula : fixed effects in patsy/statsmodels syntax with the raw outcome column on the left,
        e.g. ``"sledai ~ C(visit)"``, ``"y ~ month + arm"``. A formula is data, not code: only
        column names (or ``Q('column')``), ``C(column)`` with an optional contrast,
        numeric literals, ``+ - * : / ** ( )`` and the transforms listed in
        :mod:`smalltrial.longitudinal._formula` (``np.log``, ``np.sqrt``, ``center``,
        ``standardize``, ``I`` ...) are accepted; anything else raises SmallTrialError before
        patsy evaluates it.
    data : long DataFrame, one row per subject and visit. Rows with a missing value in a used
        column are dropped (as lme4's ``na.omit``).
    subject : column identifying subjects (the grouping factor of the random effects).
    random : ``"1"`` (random intercept) or ``"1 + <column>"`` (correlated random intercept and
        slope on a numeric column), lme4 ``(1 | subject)`` / ``(1 + month | subject)``.
    transform : ``None`` or ``"log"`` (fit ``log(outcome)``; outcome must be > 0).
    df_method : ``"kenward-roger"`` (default), ``"satterthwaite"``, ``"residual"`` or
        ``"between-within"``.
    reml : REML (default) or ML. Kenward-Roger needs REML.
    level : confidence level of the intervals.

    Method
    ------
    Estimates are lme4's (Bates et al. 2015, J Stat Softw 67(1)): the REML (or ML) deviance,
    profiled over beta and sigma, is minimised over theta, lme4's relative Cholesky factor
    with bounds diag >= 0 (random intercept: bounded Brent first), by SLSQP with the
    analytic gradient from lme4's start (theta =
    identity; for a random slope its slope element divided by the within-subject spread of
    the slope variable). When that lands on (or within 1e-3 of) the boundary or does not converge, more
    starts (scaled to the spread of the slope variable), restarts from the interior and the
    best fit on each boundary face are compared and the lowest deviance wins, so a fit is on
    the boundary only when the boundary is the optimum. ``converged`` is a relative criterion:
    every element of the projected gradient within 1e-6 (1 + |deviance|) (False, with a
    warning, otherwise). Diagonal elements of theta within 1e-3 of 0 are set to 0 when that
    does not raise the deviance. ``singular`` is lme4's
    ``isSingular`` (a diagonal element of theta < 1e-4). Validated against lme4 1.1-31,
    lmerTest 3.1-3, pbkrtest 0.5.2, emmeans 1.8.4-1 and nlme (tests/reference/mixed).

    Degrees of freedom (p-values and CIs from t with those df):

    * ``kenward-roger``: Kenward & Roger (1997) as R ``pbkrtest::vcovAdj`` / ``Lb_ddf``
      (= lmerTest ``ddf="Kenward-Roger"``, emmeans ``lmer.df="kenward-roger"``); std_error
      from the adjusted covariance.
    * ``satterthwaite``: as lmerTest (Kuznetsova et al. 2017): the variance parameters are
      ``(theta, sigma)``, their covariance twice the inverse Hessian of the REML deviance
      (here analytic rather than numDeriv), the gradient of ``L Phi L'`` with respect to them.
    * ``residual``: n - p.
    * ``between-within``: R ``nlme::lme``'s rule (Pinheiro & Bates 2000, sec. 2.4.2): a column
      of X that varies within at least one subject gets the within-subject df
      ``n - M - (number of such columns)``; a column constant within every subject gets the
      between-subject df ``M - 1 - (number of such columns)``; the intercept gets the larger.
      SAS DDFM=BW differs in details (it does not give the intercept the within df). For a
      contrast (marginal mean, change) the smallest df of the coefficients involved is used.

    Level order
    -----------
    A pandas Categorical column keeps its category order. Otherwise, a text column that
    varies within subjects (e.g. ``visit``) is ordered by its median ``day`` when ``data`` has
    a numeric ``day`` column, else by first appearance; a text column constant within subjects
    (e.g. ``arm``, ``cohort``) is sorted (as R's ``factor()``). The first level is the
    reference (treatment coding) and the default baseline of :meth:`change_from_baseline`.

    Raises
    ------
    SmallTrialError
        missing columns, non-numeric or infinite outcome, log of values <= 0, duplicated subject/visit
        rows, unknown ``df_method``; unidentifiable models: one subject, one observation per
        subject (one visit only), a factor level with no data, a random slope that never
        varies within a subject, aliased fixed effects.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"subject": list("AABBCCDD"), "visit": ["baseline", "month 3"] * 4,
    ...                   "y": [10.0, 6.0, 15.0, 12.0, 8.0, 7.0, 20.0, 14.0]})
    >>> fit = mixed_model("y ~ C(visit)", d, subject="subject")
    >>> round(float(fit.fixed_effects.loc["C(visit)[T.month 3]", "estimate"]), 4)
    -3.5
    >>> round(float(fit.fixed_effects.loc["C(visit)[T.month 3]", "df"]), 6)  # paired t: n - 1
    3.0
    """
    data = check_formula(formula, data, subject)
    level = check_level(level)
    check_choice(df_method, "df_method", DF_METHODS)
    if transform is not None:
        check_choice(transform, "transform", ["log"])
    if not isinstance(reml, bool):
        raise SmallTrialError(f"reml must be True or False, got {reml!r}")
    if df_method == "kenward-roger" and not reml:
        raise SmallTrialError(
            "df_method='kenward-roger' is defined for REML fits; use reml=True or another "
            "df_method"
        )
    prep = _prepare(formula, data, subject, random, transform)
    _check_identifiable(prep, subject)
    record: list[str] = []
    notes: list[str] = []
    dev = _Deviance(prep, reml)
    theta, crit, converged = _optimise(dev, _starts(dev, _re_scale(prep)))
    if theta is None:
        raise SmallTrialError(
            f"the mixed model {formula!r} could not be fitted: the deviance is not finite for "
            "any starting value (check the data for constant or degenerate outcomes)"
        )
    beta, pwrss, _, _, XtVX = dev.solve(theta)
    n, p = prep.X.shape
    sigma2 = pwrss / (n - p) if reml else pwrss / n
    sigma = math.sqrt(sigma2)
    if not np.all(np.isfinite(beta)) or (
        np.all(beta == 0) and np.any(np.linalg.lstsq(prep.X, prep.y, rcond=None)[0] != 0)
    ):
        raise SmallTrialError(f"the fit of {formula!r} returned degenerate fixed effects")
    if not converged:
        warn(
            "the optimisers did not reach a minimum of the deviance (gradient not ~0): "
            "treat the estimates with caution",
            record,
        )
    if sigma2 < 1e-10 * max(float(np.var(prep.y)), np.finfo(float).tiny):
        warn(
            "the residual variance is estimated as (near) zero: the model reproduces the "
            "outcome exactly, so standard errors, df and p-values are not meaningful",
            record,
        )
    singular = bool(np.any(theta[dev.lower == 0] < SINGULAR_TOL))
    if singular:
        warn(
            "boundary (singular) fit: a random-effect variance is estimated as (near) zero or "
            "the random effects are perfectly correlated (lme4 isSingular); estimates are valid "
            "but the between-subject variation is not supported by the data",
            record,
        )
    vcov = sigma2 * np.linalg.inv(XtVX)
    vcov = (vcov + vcov.T) / 2
    psi, J, D2, pairs = _psi_derivatives(theta, sigma, dev)
    blocks = _blocks(prep, psi, pairs, beta)
    state: dict = {
        "beta": beta, "vcov": vcov, "n": n, "p": p, "design_info": prep.design_info,
        "categorical": prep.categorical, "numeric_means": prep.numeric_means,
        "frame": prep.frame, "names": prep.names, "notes": notes,
    }
    if df_method == "kenward-roger":
        state["kr"] = _smalldf.kenward_roger(blocks)
    elif df_method == "satterthwaite":
        grad, hess, jac = _smalldf.reml_derivatives(blocks, reml=reml)
        H = J.T @ hess @ J + np.einsum("r,rab->ab", grad, D2)
        H = (H + H.T) / 2
        w, v = np.linalg.eigh(H)
        if np.any(w < -1e-8):
            warn("the Hessian of the deviance has a negative eigenvalue: the fit may not "
                 "have converged", record)
        pos = w > 1e-8
        state["vcov_varpar"] = 2 * (v[:, pos] / w[pos]) @ v[:, pos].T
        state["jac"] = np.einsum("rk,rab->kab", J, jac)
    elif df_method == "between-within":
        state["bw_df"] = _smalldf.between_within_df(prep.X, prep.groups, len(prep.subjects))

    import pandas as pd

    fit = MixedModelFit(
        formula=formula, random=random, transform=transform, df_method=df_method, reml=reml,
        level=level, fixed_effects=None, variance_components=None,
        n_subjects=len(prep.subjects), n_obs=n,
        reml_criterion=float(crit) if reml else float("nan"), loglik=float(-crit / 2),
        converged=converged, singular=singular, theta=tuple(float(t) for t in theta),
        sigma=sigma, warnings=record, _state=state,
    )
    rows = []
    for j, name in enumerate(prep.names):
        L = np.zeros(p)
        L[j] = 1.0
        r = fit._interval(L, False, test=True)
        se = r["std_error"]
        tval = r["estimate"] / se if se > 0 else float("nan")
        rows.append({"term": name, **r, "statistic": tval})
    fe = pd.DataFrame(rows, columns=["term", "estimate", "std_error", "df", "statistic",
                                     "p_value", "lower", "upper"]).set_index("term")
    fe.index.name = None
    S = sigma2 * (dev.Lambda(theta) @ dev.Lambda(theta).T)
    vc_index = ["intercept"]
    vc_values = [S[0, 0]]
    if prep.slope:
        vc_index += [prep.slope, f"cov(intercept,{prep.slope})"]
        vc_values += [S[1, 1], S[0, 1]]
    vc = pd.DataFrame({"variance": [*vc_values, sigma2]}, index=[*vc_index, "residual"])
    object.__setattr__(fit, "fixed_effects", fe)
    object.__setattr__(fit, "variance_components", vc)
    return fit
