"""Marginal (MMRM-style) models: GLS by REML with a structured within-subject covariance.

``y_i ~ N(X_i beta, Sigma[o_i, o_i])`` independently over subjects, where ``o_i`` are the visits
subject i was observed at (missing visits are simply absent rows) and Sigma is the T x T
covariance over the T levels of the time column: compound symmetry, AR(1) or unstructured.
This is SAS PROC MIXED ``REPEATED / TYPE=CS|AR(1)|UN SUBJECT=id``, R ``mmrm`` and
``nlme::gls(correlation=corCompSymm|corAR1|corSymm, weights=varIdent)``.

Small-sample inference reuses the generic Kenward-Roger / Satterthwaite machinery of
:mod:`smalltrial.longitudinal._smalldf`; the covariance parameters are SAS's (CS: the common
covariance and the residual variance; AR(1): the variance and rho; UN: the elements sigma_jk),
so V is linear in them for CS and UN. Kenward-Roger is the first-order form of pbkrtest
(expected information; the second-derivative term R_ij of Kenward & Roger 1997 omitted), which
is exact for CS and UN and, for AR(1), is invariant to the parametrisation (the R_ij term is
not): R mmrm calls it "Kenward-Roger-Linear", SAS ``DDFM=KR(FIRSTORDER)``. For AR(1) the
observed Hessian used by Satterthwaite includes the second derivatives of V.
"""

from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial import _validate as v
from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result
from smalltrial.longitudinal import _smalldf as sdf
from smalltrial.longitudinal._formula import check_formula
from smalltrial.longitudinal._levels import check_finite_outcome, formula_columns, order_levels

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["marginal_model", "MarginalModelFit"]

_COVARIANCES = ("unstructured", "cs", "ar1")
_DF_METHODS = ("kenward-roger", "satterthwaite", "residual", "between-within")
_TRANSFORMS = (None, "log")
_LOG2PI = math.log(2 * math.pi)


# --------------------------------------------------------------------------------------------
# covariance structures: Sigma(phi) for optimisation (unconstrained phi) and the SAS
# parameters theta with dSigma/dtheta (G) and d2Sigma/dtheta2 (G2, None when linear)
# --------------------------------------------------------------------------------------------
def _lag(T: int) -> np.ndarray:
    """|j - k| for visit positions j, k = 0..T-1."""
    return np.abs(np.subtract.outer(np.arange(T), np.arange(T)))


def _ar1_correlation(rho, T: int):
    """AR(1): (lag, R = rho^lag, dR/drho), each T x T."""
    lag = _lag(T)
    R = rho**lag
    dR = np.where(lag > 0, lag * rho ** np.maximum(lag - 1, 0), 0.0)
    return lag, R, dR


class _Structure:
    def __init__(self, kind: str, T: int):
        self.kind, self.T = kind, T
        if kind == "cs":
            self.names = ["cs", "residual"]
        elif kind == "ar1":
            self.names = ["variance", "rho"]
        else:
            self.names = [f"un({a + 1},{b + 1})" for a, b in self._un_index()]
        self.k = len(self.names)

    def _un_index(self):
        # SAS order: UN(1,1), UN(2,1), UN(2,2), UN(3,1), ...
        return [(a, b) for a in range(self.T) for b in range(a + 1)]

    # -- optimisation parametrisation ------------------------------------------------------
    def start(self, resid_var: np.ndarray) -> np.ndarray:
        s2 = float(np.mean(resid_var))
        if self.kind == "cs":
            return np.array([math.log(0.7 * s2), math.log(0.7 * s2 + self.T * 0.3 * s2)])
        if self.kind == "ar1":
            return np.array([math.log(s2), math.atanh(0.3)])
        phi = []
        for a, b in self._un_index():
            phi.append(0.5 * math.log(resid_var[a]) if a == b else 0.0)
        return np.array(phi)

    def sigma_phi(self, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sigma and dSigma/dphi (k, T, T)."""
        T = self.T
        eye, J = np.eye(T), np.ones((T, T))
        if self.kind == "cs":
            e1, e2 = math.exp(phi[0]), math.exp(phi[1])  # eigenvalues (T-1 times e1, once e2)
            Sigma = e1 * eye + (e2 - e1) / T * J
            dS = np.stack([e1 * (eye - J / T), e2 * J / T])
            return Sigma, dS
        if self.kind == "ar1":
            s2, rho = math.exp(phi[0]), math.tanh(phi[1])
            _, R, dR = _ar1_correlation(rho, T)
            return s2 * R, np.stack([s2 * R, s2 * dR * (1 - rho**2)])
        L = np.zeros((T, T))
        idx = self._un_index()
        for q, (a, b) in enumerate(idx):
            L[a, b] = math.exp(phi[q]) if a == b else phi[q]
        Sigma = L @ L.T
        dS = np.zeros((len(idx), T, T))
        for q, (a, b) in enumerate(idx):
            dL = np.zeros((T, T))
            dL[a, b] = L[a, b] if a == b else 1.0
            M = dL @ L.T
            dS[q] = M + M.T
        return Sigma, dS

    # -- SAS parametrisation (inference) ---------------------------------------------------
    def theta(self, Sigma: np.ndarray) -> np.ndarray:
        if self.kind == "cs":
            T = self.T
            off = (Sigma.sum() - np.trace(Sigma)) / (T * (T - 1))
            return np.array([off, np.trace(Sigma) / T - off])
        if self.kind == "ar1":
            return np.array([Sigma[0, 0], Sigma[0, 1] / Sigma[0, 0]])
        return np.array([Sigma[a, b] for a, b in self._un_index()])

    def G_theta(self, theta: np.ndarray):
        """dSigma/dtheta (k, T, T) and d2Sigma/dtheta2 (k, k, T, T) or None when linear."""
        T = self.T
        if self.kind == "cs":
            return np.stack([np.ones((T, T)), np.eye(T)]), None
        if self.kind == "ar1":
            s2, rho = theta
            lag, R, dR = _ar1_correlation(rho, T)
            d2R = np.where(lag > 1, lag * (lag - 1) * rho ** np.maximum(lag - 2, 0), 0.0)
            G = np.stack([R, s2 * dR])
            G2 = np.zeros((2, 2, T, T))
            G2[0, 1] = G2[1, 0] = dR
            G2[1, 1] = s2 * d2R
            return G, G2
        G = np.zeros((self.k, T, T))
        for q, (a, b) in enumerate(self._un_index()):
            G[q, a, b] = G[q, b, a] = 1.0
        return G, None


# --------------------------------------------------------------------------------------------
# REML by missingness pattern
# --------------------------------------------------------------------------------------------
class _Data:
    """Subjects grouped by their pattern of observed visits."""

    def __init__(self, X: np.ndarray, y: np.ndarray, subj: np.ndarray, pos: np.ndarray):
        self.X, self.y, self.subj, self.pos = X, y, subj, pos
        self.N, self.p = X.shape
        order = np.lexsort((pos, subj))
        self.X, self.y, self.subj, self.pos = X[order], y[order], subj[order], pos[order]
        self.order = order
        starts = np.flatnonzero(np.r_[True, self.subj[1:] != self.subj[:-1]])
        ends = np.r_[starts[1:], self.N]
        self.rows = [np.arange(s, e) for s, e in zip(starts, ends, strict=True)]
        patterns: dict[tuple, list[int]] = {}
        for i, r in enumerate(self.rows):
            patterns.setdefault(tuple(self.pos[r]), []).append(i)
        self.patterns = []
        for pat, members in patterns.items():
            rows = np.stack([self.rows[i] for i in members])
            self.patterns.append((np.array(pat), self.X[rows], self.y[rows], members))

    def reml(self, Sigma: np.ndarray, dS: np.ndarray | None = None):
        """REML deviance -2 l_R (and its gradient for dSigma/dphi ``dS``), beta, Phi."""
        p = self.p
        XtVX = np.zeros((p, p))
        XtVy = np.zeros(p)
        logdet = 0.0
        inv = []
        for idx, X, y, _ in self.patterns:
            V = Sigma[np.ix_(idx, idx)]
            if not np.all(np.isfinite(V)):
                return math.inf, None, None, None
            try:
                c = np.linalg.cholesky(V)
            except np.linalg.LinAlgError:
                return math.inf, None, None, None
            Vinv = np.linalg.inv(V)
            inv.append(Vinv)
            logdet += X.shape[0] * 2.0 * np.log(np.diag(c)).sum()
            T = np.einsum("ab,mbp->map", Vinv, X)
            XtVX += np.einsum("man,map->np", X, T)
            XtVy += np.einsum("map,ma->p", T, y)
        try:
            cM = np.linalg.cholesky(XtVX)
        except np.linalg.LinAlgError:
            return math.inf, None, None, None
        beta = np.linalg.solve(XtVX, XtVy)
        Phi = np.linalg.inv(XtVX)
        quad = 0.0
        grad = None if dS is None else np.zeros(dS.shape[0])
        for (idx, X, y, _), Vinv in zip(self.patterns, inv, strict=True):
            r = y - X @ beta
            Vr = r @ Vinv  # (m, n)
            quad += float(np.einsum("ma,ma->", r, Vr))
            if dS is not None:
                G = dS[:, idx][:, :, idx]  # (k, n, n)
                T = np.einsum("ab,mbp->map", Vinv, X)
                grad += X.shape[0] * np.einsum("ab,kba->k", Vinv, G)
                XVGVX = np.einsum("map,kab,mbq->kpq", T, G, T)
                grad -= np.einsum("pq,kqp->k", Phi, XVGVX)
                grad -= np.einsum("ma,kab,mb->k", Vr, G, Vr)
        dev = (self.N - p) * _LOG2PI + logdet + 2.0 * np.log(np.diag(cM)).sum() + quad
        return float(dev), grad, beta, Phi

    def blocks(self, Sigma, G, beta, G2=None):
        Xs, Vs, Gs, rs, G2s = [], [], [], [], []
        for r in self.rows:
            idx = self.pos[r]
            Xs.append(self.X[r])
            Vs.append(Sigma[np.ix_(idx, idx)])
            Gs.append(G[:, idx][:, :, idx])
            rs.append(self.y[r] - self.X[r] @ beta)
            if G2 is not None:
                G2s.append(G2[:, :, idx][:, :, :, idx])
        return sdf.make_blocks(Xs, Vs, Gs, rs), (Xs, Vs, rs, G2s)


def _second_order(per, Phi, k):
    """For V nonlinear in theta, the Hessian term tr(Pi G_rs) - y' Pi G_rs Pi y of the REML
    deviance (G_rs = d2V/dtheta_r dtheta_s; tr(Pi G_rs) uses R_rs = X'V^-1 G_rs V^-1 X)."""
    Xs, Vs, rs, G2s = per
    H2 = np.zeros((k, k))
    for X, V, r, G2 in zip(Xs, Vs, rs, G2s, strict=True):
        Vinv = np.linalg.inv(V)
        T = Vinv @ X
        Rk = np.einsum("ap,klab,bq->klpq", T, G2, T)
        Vr = Vinv @ r
        H2 += np.einsum("ab,klba->kl", Vinv, G2) - np.einsum("a,klab,b->kl", Vr, G2, Vr)
        H2 -= np.einsum("pq,klqp->kl", Phi, Rk)
    return H2


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class MarginalModelFit(Result):
    """A fitted marginal model (see :func:`marginal_model`).

    fixed_effects : DataFrame indexed by term: estimate, std_error, df, statistic, p_value,
        lower, upper (Kenward-Roger-adjusted std_error under ``df_method="kenward-roger"``).
    covariance : DataFrame, the estimated T x T within-subject covariance (rows/columns: levels
        of the time column); ``correlation`` the matching correlation matrix.
    covariance_parameters : Series of the SAS covariance parameters (CS: ``cs``, ``residual``;
        AR(1): ``variance``, ``rho``; UN: ``un(j,k)``).
    loglik : REML log-likelihood (as R ``logLik`` of the ``nlme::gls`` fit).
    """

    formula: str
    covariance_structure: str
    df_method: str
    transform: str | None
    level: float
    n_obs: int
    n_subjects: int
    n_missing_rows: int
    loglik: float
    converged: bool
    fixed_effects: Any
    covariance: Any
    correlation: Any
    covariance_parameters: Any
    warnings: list = field(default_factory=list)
    _model: Any = field(default=None, compare=False)

    _hidden = ("correlation", "covariance_parameters", "warnings")

    def __repr__(self) -> str:
        fe = self.fixed_effects
        lines = [
            f"MarginalModelFit({self.formula!r}, covariance={self.covariance_structure!r}, "
            f"df_method={self.df_method!r}, transform={self.transform!r})",
            f"  {self.n_obs} observations, {self.n_subjects} subjects, REML logLik "
            f"{self.loglik:.4f}, converged={self.converged}",
            "  fixed effects:",
        ]
        with _pd().option_context("display.width", 120, "display.precision", 4):
            lines += ["    " + s for s in fe.to_string().splitlines()]
        lines.append("  within-subject covariance:")
        with _pd().option_context("display.width", 120, "display.precision", 4):
            lines += ["    " + s for s in self.covariance.to_string().splitlines()]
        if self.warnings:
            lines += ["  warnings:"] + [f"    {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The fixed-effects table (a copy of ``fixed_effects``)."""
        return self.fixed_effects.copy()

    # -- estimated marginal means ---------------------------------------------------------
    def _contrasts(self, by: str):
        m = self._model
        if not isinstance(by, str) or by not in m["grid_levels"]:
            raise SmallTrialError(
                f"by={by!r} is not a variable of the model's fixed effects; choose one of "
                f"{', '.join(map(repr, m['grid_levels'])) or '(none)'}"
            )
        return m["emm"](by)

    def _summarise(self, L, scale, *, test: bool):
        from scipy import stats

        v.check_choice(scale, "scale", ("link", "response"))
        m = self._model
        beta, vcov = m["beta"], m["vcov"]
        est = L @ beta
        se = np.sqrt(np.einsum("ip,pq,iq->i", L, vcov, L))
        df = np.array([m["df"](row) for row in L])
        q = stats.t.ppf(0.5 + self.level / 2, df)
        lower, upper = est - q * se, est + q * se
        out = {"estimate": est, "std_error": se, "df": df, "lower": lower, "upper": upper}
        if test:
            with np.errstate(divide="ignore", invalid="ignore"):
                out["p_value"] = 2 * stats.t.sf(np.abs(est / se), df)
        if scale == "response" and self.transform == "log":
            e = np.exp(est)
            out.update(estimate=e, std_error=e * se, lower=np.exp(lower), upper=np.exp(upper))
        return out

    def marginal_means(self, by: str, *, scale: str = "link") -> pd.DataFrame:
        """Estimated marginal means per level of ``by``, with t-based confidence intervals.

        Parameters
        ----------
        by : a variable of the fixed effects (usually the time column).
        scale : ``"link"`` (the fitted scale) or ``"response"``: back-transforms a log model
            (geometric means; SE by the delta method, CI back-transformed, as emmeans
            ``type="response"``).

        Method: emmeans (Searle, Speed & Milliken 1980 population marginal means): equal
        weights over the other factors, numeric covariates at their mean; a numeric ``by`` at
        its distinct values, as emmeans ``at=``; df by the fit's ``df_method``. Columns
        ``<by>, estimate, std_error, df, lower, upper``.

        Example
        -------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"id": [1, 2, 3, 4, 5] * 3, "visit": [0] * 5 + [1] * 5 + [2] * 5,
        ...                    "y": [12, 16, 8, 10, 14, 6, 9, 5, 4, 8, 2, 5, 0, 1, 4]})
        >>> fit = marginal_model("y ~ C(visit)", df, subject="id", time="visit", covariance="cs")
        >>> fit.marginal_means("visit")["estimate"].round(10).tolist()  # the visit means
        [12.0, 6.4, 2.4]
        """
        pd = _pd()
        levels, L = self._contrasts(by)
        out = self._summarise(L, scale, test=False)
        return pd.DataFrame({by: levels, **out})

    def change_from_baseline(
        self, by: str, *, baseline: Any = None, scale: str = "link"
    ) -> pd.DataFrame:
        """Differences of the marginal means of each level of ``by`` from ``baseline``.

        Parameters
        ----------
        by : a variable of the fixed effects (usually the time column).
        baseline : the reference level of ``by`` (default: the first level).
        scale : ``"link"`` or ``"response"`` (on the response scale a log model gives ratios
            to baseline).

        Method: contrasts of the marginal means as emmeans ``trt.vs.ctrl`` (no multiplicity
        adjustment), t-based CI and two-sided p with the fit's ``df_method`` df. Columns
        ``<by>, estimate, std_error, df, lower, upper, p_value``.

        Example
        -------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"id": [1, 2, 3, 4, 5] * 3, "visit": [0] * 5 + [1] * 5 + [2] * 5,
        ...                    "y": [12, 16, 8, 10, 14, 6, 9, 5, 4, 8, 2, 5, 0, 1, 4]})
        >>> fit = marginal_model("y ~ C(visit)", df, subject="id", time="visit", covariance="cs")
        >>> fit.change_from_baseline("visit", baseline=1)["estimate"].round(10).tolist()
        [5.6, -4.0]
        """
        pd = _pd()
        levels, L = self._contrasts(by)
        if baseline is None:
            b = 0
        else:
            matches = [i for i, lev in enumerate(levels) if lev == baseline]
            if not matches:
                raise SmallTrialError(f"baseline={baseline!r} is not a level of {by!r}; levels: "
                                      f"{', '.join(map(repr, levels))}")
            b = matches[0]
        keep = [i for i in range(len(levels)) if i != b]
        D = L[keep] - L[b]
        out = self._summarise(D, scale, test=True)
        return pd.DataFrame({by: [levels[i] for i in keep], **out})


def _pd():
    import pandas as pd

    return pd


def _names_in(code: str) -> set[str]:
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


# --------------------------------------------------------------------------------------------
# the fit
# --------------------------------------------------------------------------------------------
def marginal_model(
    formula: str,
    data: pd.DataFrame,
    *,
    subject: str,
    time: str,
    covariance: str = "unstructured",
    df_method: str = "kenward-roger",
    transform: str | None = None,
    level: float = 0.95,
) -> MarginalModelFit:
    """Fit a marginal (MMRM-style) linear model by REML with a structured residual covariance.

    Parameters
    ----------
    formula : str
        Fixed effects in patsy syntax with the raw outcome column on the left,
        e.g. ``"sledai ~ C(visit)"`` or ``"y ~ C(visit) + cohort"``. Formulas are data, not
        code: only column names, ``Q('column')``, ``C(column)`` (optionally with ``Treatment``,
        ``Sum``, ``Treatment(reference=<level>)`` or ``levels=[...]``), numeric literals, the
        operators ``+ - * : / ** ( )`` and the transforms ``np.log``, ``np.log2``,
        ``np.log10``, ``np.log1p``, ``np.exp``, ``np.sqrt``, ``np.abs``, ``center``,
        ``standardize``, ``scale`` and ``I`` are accepted; anything else raises SmallTrialError
        before patsy evaluates the formula (``smalltrial.longitudinal._formula``).
    data : DataFrame
        Tidy long data, one row per subject and visit; rows with a missing outcome or a missing
        formula covariate are dropped and counted in ``n_missing_rows`` (missing visits need
        no rows).
    subject, time : str
        Subject id and time/visit columns. The levels of ``time`` index the covariance matrix:
        the categories of a pandas Categorical; numbers sorted; text ordered as in
        ``mixed_model`` (by the median of a numeric ``day`` column when data has one, else by
        first appearance). The same order applies to text columns in the formula that vary
        within subjects; text constant within subjects is sorted. The first level is the
        reference and the default baseline. Levels without any observation are dropped (as
        mmrm's ``drop_visit_levels``). AR(1) uses the position of the level, i.e. treats the
        visits as equally spaced even for a numeric time (as SAS ``TYPE=AR(1)``; unequal
        spacing, SAS ``SP(POW)``, is not implemented).
    covariance : {"unstructured", "cs", "ar1"}
        Within-subject covariance. Unstructured needs more subjects than visits and every
        pair of visits observed together in some subject.
    df_method : {"kenward-roger", "satterthwaite", "residual", "between-within"}
        Kenward-Roger (adjusted covariance and df; Kenward & Roger 1997 as pbkrtest, first-order
        form: for AR(1) as SAS ``DDFM=KR(FIRSTORDER)`` / mmrm "Kenward-Roger-Linear"),
        Satterthwaite (observed information, as lmerTest), residual (N - rank X),
        or between-within (R ``nlme::lme``'s rule, as ``mixed_model``: a column of X varying
        within some subject gets ``N - M - (number of such columns)``, a column constant within
        every subject ``M - 1 - (number of such columns)``, the intercept the larger; SAS
        ``DDFM=BW`` differs in giving the intercept the between-subject df; a contrast gets the
        smallest df of the coefficients it involves).
    transform : None or "log"
        Fit log(outcome); marginal means and changes can be shown on the response scale.
    level : float
        Confidence level.

    Method
    ------
    Generalised least squares; the covariance parameters maximise the REML likelihood
    (Patterson & Thompson 1971), by BFGS on an unconstrained parametrisation (Cholesky factor
    for UN) followed by Newton-Raphson on the SAS covariance parameters with the analytic
    observed Hessian. Standard errors are model-based (no sandwich). Equals
    ``nlme::gls(..., method="REML")`` with ``corCompSymm``, ``corAR1`` and ``corSymm`` +
    ``varIdent`` (tested), SAS PROC MIXED REPEATED and R ``mmrm``. CS, like nlme and SAS
    ``TYPE=CS``, allows a negative within-subject correlation (> -1/(T-1)).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": [1, 2, 3, 4, 5] * 3, "visit": [0] * 5 + [1] * 5 + [2] * 5,
    ...                    "y": [12, 16, 8, 10, 14, 6, 9, 5, 4, 8, 2, 5, 0, 1, 4]})
    >>> fit = marginal_model("y ~ C(visit)", df, subject="id", time="visit", covariance="cs")
    >>> fit.change_from_baseline("visit")[["visit", "estimate", "std_error", "df"]].round(4)
       visit  estimate  std_error   df
    0      1      -5.6     0.5228  8.0
    1      2      -9.6     0.5228  8.0
    >>> round(fit.loglik, 6)  # nlme::gls(corCompSymm, REML): SE 0.5228131, logLik -23.61202
    -23.61202
    """
    import pandas as pd
    import patsy
    from scipy import optimize

    data = check_formula(formula, data, subject)
    v.check_column_name(subject, "subject")
    v.check_column_name(time, "time")
    v.check_choice(covariance, "covariance", _COVARIANCES)
    v.check_choice(df_method, "df_method", _DF_METHODS)
    if transform not in _TRANSFORMS:
        raise SmallTrialError(f"transform must be None or 'log'; got {transform!r}")
    level = v.check_level(level)
    lhs, rhs = (s.strip() for s in formula.split("~"))
    v.check_columns(data, [subject, time])
    if lhs not in data.columns:
        raise SmallTrialError(
            f"the outcome {lhs!r} (left of '~' in formula) is not a column of data; columns "
            f"present: {', '.join(map(repr, map(str, data.columns)))}"
        )
    yv = v.check_numeric_column(data, lhs, subject=subject).astype(float)
    v.check_no_missing(data, subject, subject=subject)
    v.check_no_missing(data, time, subject=subject)
    v.check_unique_rows(data, [subject, time], subject=subject)
    if transform == "log":
        bad = yv.notna() & (yv <= 0)
        if bad.any():
            raise SmallTrialError(
                f"transform='log' needs column {lhs!r} > 0; got {v._show(yv[bad].tolist())} "
                f"({v.describe_rows(data, bad, subject)})"
            )
    check_finite_outcome(data, lhs, yv, subject)
    record: list[str] = []
    rhs_cols = formula_columns(rhs, data.columns)
    keep = yv.notna()
    for c in rhs_cols:
        keep &= data[c].notna()
    n_missing_rows = int((~keep).sum())
    frame = data.loc[keep].copy()
    if len(frame) == 0:
        raise SmallTrialError(
            f"no row of data has {', '.join(map(repr, [lhs, *rhs_cols]))} all non-missing"
        )
    frame["__y__"] = np.log(yv[keep]) if transform == "log" else yv[keep]

    # level order of non-numeric columns (the same rule as mixed_model): a Categorical keeps its
    # categories; text varying within subjects is ordered by median `day` (when data has a
    # numeric `day` column), else by first appearance; text constant within subjects is sorted
    source = data.loc[keep]
    for c in dict.fromkeys([*rhs_cols, time]):
        if c == subject:
            continue
        col = frame[c]
        if pd.api.types.is_bool_dtype(col):
            frame[c] = pd.Categorical(col, categories=[False, True])
        elif isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col):
            levels_c = [lv for lv in order_levels(source, c, subject) if (col == lv).any()]
            frame[c] = pd.Categorical(col.astype(object) if not isinstance(
                col.dtype, pd.CategoricalDtype) else col, categories=levels_c)
    tcol = frame[time]
    if isinstance(tcol.dtype, pd.CategoricalDtype):
        levels = list(tcol.cat.categories)
    else:
        levels = sorted(set(tcol.tolist()))
    T = len(levels)
    pos = np.asarray(
        frame[time].astype(object).map({lev: i for i, lev in enumerate(levels)}), dtype=np.int64
    )
    subj_codes, subj_ids = pd.factorize(frame[subject])
    n_subj = len(subj_ids)
    if n_subj < 2:
        raise SmallTrialError(
            f"column {subject!r} has a single subject ({subj_ids[0]!r}) with a non-missing "
            f"{lhs!r}: the within-subject covariance is not identifiable"
        )

    try:
        X_df = patsy.dmatrix(rhs, frame, return_type="dataframe", NA_action="raise")
    except patsy.PatsyError as exc:
        raise SmallTrialError(f"formula {formula!r}: {exc}".splitlines()[0]) from None
    design_info = X_df.design_info
    columns = set(map(str, frame.columns))
    used_vars = sorted(
        set().union(*[_names_in(f.code) for f in design_info.factor_infos]) & columns
    )
    X = X_df.to_numpy(dtype=float)
    names = list(X_df.columns)
    N, p = X.shape
    rank = np.linalg.matrix_rank(X)
    if rank < p:
        raise SmallTrialError(
            f"the fixed effects of {formula!r} are not identifiable (design rank {rank} < "
            f"{p} columns {names}); drop a term or a level without data"
        )

    # identifiability of the covariance
    if T < 2:
        raise SmallTrialError(
            f"column {time!r} has a single level ({levels[0]!r}): no within-subject "
            "covariance to model"
        )
    counts = np.bincount(subj_codes, minlength=n_subj)
    if covariance == "unstructured":
        if n_subj <= T:
            raise SmallTrialError(
                f"covariance='unstructured' is not identifiable with {n_subj} subjects and "
                f"{T} visits ({T * (T + 1) // 2} covariance parameters): it needs more subjects "
                "than visits; use covariance='cs' or 'ar1'"
            )
        seen = np.zeros((T, T), dtype=int)
        for s in range(n_subj):
            o = pos[subj_codes == s]
            seen[np.ix_(o, o)] += 1
        never = [(levels[a], levels[b]) for a in range(T) for b in range(a) if seen[a, b] == 0]
        if never:
            raise SmallTrialError(
                f"covariance='unstructured': visits {never[0]!r} are never observed in the same "
                "subject, so their covariance is not identifiable"
            )
    if counts.max() < 2:
        raise SmallTrialError(
            f"every subject has a single non-missing {lhs!r}: the within-subject correlation is "
            "not identifiable"
        )
    if N - p < 1:
        raise SmallTrialError(
            f"{N} observations of {lhs!r} for {p} fixed effects of {formula!r}: no residual df"
        )

    dat = _Data(X, frame["__y__"].to_numpy(float), subj_codes, pos)
    st_ = _Structure(covariance, T)

    # start: OLS residual variance per visit
    beta0 = np.linalg.lstsq(X, frame["__y__"].to_numpy(float), rcond=None)[0]
    res0 = frame["__y__"].to_numpy(float) - X @ beta0
    rv = np.array([np.mean(res0[pos == t] ** 2) if np.any(pos == t) else np.nan for t in range(T)])
    rv = np.where(np.isfinite(rv) & (rv > 0), rv, max(np.nanmean(rv), 1e-8))

    def fun(phi):
        Sigma, dS = st_.sigma_phi(phi)
        dev, grad, _, _ = dat.reml(Sigma, dS)
        if not math.isfinite(dev):
            return 1e300, np.zeros_like(phi)
        return dev, grad

    phi0 = st_.start(rv)
    opt = optimize.minimize(fun, phi0, jac=True, method="BFGS",
                            options={"gtol": 1e-7, "maxiter": 2000})
    Sigma, _ = st_.sigma_phi(opt.x)

    # Newton-Raphson polish on theta (SAS parameters) with the analytic observed Hessian
    theta = st_.theta(Sigma)

    def derivatives(theta):
        Sig = _sigma_theta(st_, theta)
        dev, _, beta, Phi = dat.reml(Sig)
        G, G2 = st_.G_theta(theta)
        blocks, per = dat.blocks(Sig, G, beta, G2)
        grad, hess, jac = sdf.reml_derivatives(blocks)
        if G2 is not None:
            hess = hess + _second_order(per, Phi, st_.k)
        return dev, grad, hess, jac, beta, Phi, blocks, Sig

    dev, grad, hess, jac, beta, Phi, blocks, Sigma = derivatives(theta)
    converged = False
    for _ in range(50):
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        decrement = float(grad @ step)
        if abs(decrement) < 1e-12:
            converged = True
            break
        if decrement < 0:  # Hessian not positive definite: stay with the BFGS optimum
            break
        t = 1.0
        while t > 1e-6:
            cand = theta - t * step
            Sig = _sigma_theta(st_, cand)
            d, _, _, _ = dat.reml(Sig)
            if math.isfinite(d) and d <= dev + 1e-10:
                break
            t /= 2
        else:
            break
        theta = cand
        dev, grad, hess, jac, beta, Phi, blocks, Sigma = derivatives(theta)
    if not converged:
        gnorm = float(np.max(np.abs(grad) * np.maximum(np.abs(theta), 1e-8)))
        converged = bool(opt.success) and gnorm < 1e-5
    if not converged:
        warn("the REML optimisation did not converge; estimates may be unreliable", record)
    eig = np.linalg.eigvalsh(hess)
    hess_pd = bool(eig.min() > 0)
    if not hess_pd:
        warn("the REML Hessian is not positive definite (boundary or flat likelihood): "
             "Satterthwaite df are not available", record)
    if covariance == "cs" and theta[0] <= 0:
        warn(f"compound symmetry with a non-positive within-subject covariance "
             f"({theta[0]:.4g}): not the random-intercept model", record)

    # inference
    kr = sdf.kenward_roger(blocks)
    vcov = Phi
    if df_method == "kenward-roger":
        vcov = kr.vcov_adj
    A = 2 * np.linalg.inv(hess) if hess_pd else None
    bw_df = sdf.between_within_df(X, subj_codes, n_subj)

    def df_of(Lrow):
        Lrow = np.asarray(Lrow, float)
        if df_method == "residual":
            return float(N - rank)
        if df_method == "between-within":
            used = np.abs(Lrow) > 1e-12
            if not used.any():
                return math.nan
            dfs = bw_df[used]
            return float(np.min(dfs)) if np.all(dfs > 0) else math.nan
        if df_method == "kenward-roger":
            return sdf.kr_ddf(Lrow[None, :], kr)
        if A is None:
            return math.nan
        return sdf.satterthwaite_ddf(Lrow, Phi, jac, A)

    from scipy import stats

    se = np.sqrt(np.diag(vcov))
    dfs = np.array([df_of(np.eye(p)[j]) for j in range(p)])
    tval = beta / se
    q = stats.t.ppf(0.5 + level / 2, dfs)
    fixed = pd.DataFrame(
        {"estimate": beta, "std_error": se, "df": dfs, "statistic": tval,
         "p_value": 2 * stats.t.sf(np.abs(tval), dfs), "lower": beta - q * se,
         "upper": beta + q * se},
        index=pd.Index(names, name="term"),
    )
    cov_df = pd.DataFrame(Sigma, index=levels, columns=levels)
    sd = np.sqrt(np.diag(Sigma))
    corr_df = pd.DataFrame(Sigma / np.outer(sd, sd), index=levels, columns=levels)
    params = pd.Series(theta, index=st_.names, name="estimate")

    # reference grid for marginal means (emmeans defaults)
    grid_levels: dict[str, Any] = {}
    for factor, info in design_info.factor_infos.items():
        vars_ = _names_in(factor.code) & columns
        if info.type == "categorical" and len(vars_) == 1:
            (var,) = vars_
            grid_levels[var] = list(info.categories)
    for var in used_vars:
        if var not in grid_levels:
            grid_levels[var] = None  # numeric: at its mean

    def emm(by):
        axes = {k: val for k, val in grid_levels.items() if val is not None}
        if grid_levels[by] is None:  # numeric `by`: its distinct values
            axes[by] = [float(x) for x in sorted(pd.unique(pd.to_numeric(frame[by])))]
        fac = list(axes)
        combos = list(itertools.product(*[axes[k] for k in fac])) or [()]
        grid = pd.DataFrame(combos, columns=fac)
        for k, val in grid_levels.items():
            if val is None and k not in axes:
                grid[k] = float(pd.to_numeric(frame[k]).mean())
        (Xg,) = patsy.build_design_matrices([design_info], grid)
        Xg = np.asarray(Xg)
        levs = axes[by]
        Lm = np.stack([Xg[(grid[by] == lev).to_numpy()].mean(axis=0) for lev in levs])
        return levs, Lm

    def reml_at(theta_):
        """(-2 REML log-likelihood, Phi) at SAS covariance parameters ``theta_`` (for checks)."""
        d_, _, _, Phi_ = dat.reml(_sigma_theta(st_, np.asarray(theta_, float)))
        return d_, Phi_

    model = {"beta": beta, "vcov": vcov, "df": df_of, "grid_levels": grid_levels, "emm": emm,
             "kr": kr, "Phi": Phi, "A": A, "theta": theta, "reml_at": reml_at,
             "design_info": design_info}
    return MarginalModelFit(
        formula=formula,
        covariance_structure=covariance,
        df_method=df_method,
        transform=transform,
        level=level,
        n_obs=N,
        n_subjects=n_subj,
        n_missing_rows=n_missing_rows,
        loglik=-0.5 * dev,
        converged=converged,
        fixed_effects=fixed,
        covariance=cov_df,
        correlation=corr_df,
        covariance_parameters=params,
        warnings=record,
        _model=model,
    )


def _sigma_theta(st_: _Structure, theta: np.ndarray) -> np.ndarray:
    T = st_.T
    if st_.kind == "cs":
        return theta[0] * np.ones((T, T)) + theta[1] * np.eye(T)
    if st_.kind == "ar1":
        lag = _lag(T)
        if not (abs(theta[1]) < 1 and theta[0] > 0):
            return np.full((T, T), np.nan)
        return theta[0] * theta[1] ** lag
    S = np.zeros((T, T))
    for q, (a, b) in enumerate(st_._un_index()):
        S[a, b] = S[b, a] = theta[q]
    return S
