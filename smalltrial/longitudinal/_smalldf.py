"""Small-sample inference for linear models with a block-diagonal covariance V = sum_r psi_r G_r.

Generic machinery shared by the mixed models (``_mixed``) and the marginal/MMRM models
(``_marginal``). Nothing here knows about formulas or data frames: the caller supplies, per
independent block (one subject), its fixed-effects design ``X_i`` (n_i x p), its covariance
``V_i`` (n_i x n_i, evaluated at the REML estimate) and the derivatives ``G_ri = dV_i/dpsi_r``
(k x n_i x n_i) with respect to the k variance parameters ``psi``.

Public helpers (private module; stable for use inside smalltrial):

* :func:`make_blocks` -- pack per-subject ``(X_i, V_i, G_i[, r_i])`` into size-grouped stacks
  (vectorised; blocks of equal size are processed together).
* :func:`kenward_roger` -> :class:`KenwardRoger`: the unadjusted covariance
  ``Phi = (X' V^-1 X)^-1``, the Kenward-Roger adjusted covariance ``Phi_A`` and the pieces
  (``P``, ``W``) needed for the denominator df, exactly as R ``pbkrtest::vcovAdj`` (version 0.5,
  ``vcovAdj16_internal``): first-derivative form (the second derivatives of V are taken as zero,
  which is exact when V is linear in psi -- variance/covariance parameters of a mixed model).
* :func:`kr_ddf` -- the Kenward-Roger denominator df for a contrast matrix ``L`` (q x p),
  ``pbkrtest::Lb_ddf`` (what lmerTest ``ddf="Kenward-Roger"`` and emmeans
  ``lmer.df="kenward-roger"`` report); :func:`kr_ftest` -- the scaled F statistic of
  ``pbkrtest::KRmodcomp`` for ``H0: L beta = 0``.
* :func:`satterthwaite_ddf` -- Satterthwaite df for a single-df contrast
  ``2 (L Phi L')^2 / (g' A g)`` with ``g_k = L (dPhi/dvarpar_k) L'`` and ``A`` the asymptotic
  covariance of the variance parameters (lmerTest: ``A = 2 H^-1``, H the Hessian of the REML
  deviance; any parametrisation may be used at an interior optimum, lmerTest uses
  ``(theta, sigma)``).
* :func:`reml_derivatives` -- for V linear in psi: gradient and observed Hessian of the REML
  deviance ``-2 l_R(psi)`` and the Jacobian ``dPhi/dpsi_r``; with :func:`satterthwaite_ddf`
  this gives lmerTest's Satterthwaite df in the psi parametrisation.
* :func:`between_within_df` -- R ``nlme::lme``'s between-within df per column of X for one
  grouping level (used by both models' ``df_method="between-within"``).

References: Kenward MG, Roger JH (1997) Biometrics 53:983-997; Halekoh U, Hojsgaard S (2014)
J Stat Softw 59(9) (pbkrtest); Kuznetsova A, Brockhoff PB, Christensen RHB (2017) J Stat Softw
82(13) (lmerTest).

Example
-------
>>> import numpy as np
>>> X = [np.ones((3, 1))] * 4
>>> V = [np.eye(3) + 0.5] * 4                    # residual 1, random-intercept variance 0.5
>>> G = [np.stack([np.ones((3, 3)), np.eye(3)])] * 4
>>> kr = kenward_roger(make_blocks(X, V, G))
>>> round(float(kr_ddf(np.array([[1.0]]), kr)), 6)   # = number of subjects - 1
3.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Blocks",
    "make_blocks",
    "gls",
    "KenwardRoger",
    "kenward_roger",
    "kr_ddf",
    "kr_ftest",
    "satterthwaite_ddf",
    "reml_derivatives",
    "between_within_df",
]


@dataclass(frozen=True)
class Blocks:
    """Per-subject blocks grouped by size: each group holds stacked arrays.

    ``groups`` is a list of dicts with keys ``X`` (m, n, p), ``V`` (m, n, n), ``G``
    (m, k, n, n), ``Vinv`` (m, n, n) and optionally ``r`` (m, n) (residuals ``y - X beta``).
    """

    groups: list
    p: int
    k: int


def make_blocks(X, V, G, r=None) -> Blocks:
    """Group per-subject ``X_i``, ``V_i``, ``G_i`` (and residuals ``r_i``) by block size.

    Parameters
    ----------
    X, V, G : sequences over subjects of arrays (n_i, p), (n_i, n_i) and (k, n_i, n_i).
    r : optional sequence of residual vectors (n_i,), needed by :func:`reml_derivatives`.
    """
    sizes = [np.shape(v)[0] for v in V]
    groups = []
    p = np.shape(X[0])[1]
    k = np.shape(G[0])[0]
    for n in sorted(set(sizes)):
        idx = [i for i, s in enumerate(sizes) if s == n]
        g = {
            "X": np.stack([np.asarray(X[i], float).reshape(n, p) for i in idx]),
            "V": np.stack([np.asarray(V[i], float) for i in idx]),
            "G": np.stack([np.asarray(G[i], float).reshape(k, n, n) for i in idx]),
        }
        if r is not None:
            g["r"] = np.stack([np.asarray(r[i], float).reshape(n) for i in idx])
        g["Vinv"] = np.linalg.inv(g["V"])
        groups.append(g)
    return Blocks(groups=groups, p=p, k=k)


def gls(blocks: Blocks):
    """Return ``X' V^-1 X`` (p x p) summed over blocks."""
    out = np.zeros((blocks.p, blocks.p))
    for g in blocks.groups:
        T = g["Vinv"] @ g["X"]
        out += np.einsum("man,map->np", g["X"], T)
    return out


@dataclass(frozen=True)
class KenwardRoger:
    """Kenward-Roger pieces (names as in pbkrtest).

    vcov : Phi = (X' V^-1 X)^-1, the unadjusted covariance of beta-hat.
    vcov_adj : Phi_A = Phi + 2 Phi U Phi, the Kenward-Roger adjusted covariance.
    P : (k, p, p), P_r = -X' V^-1 G_r V^-1 X.
    W : (k, k), 2 * inverse of IE2 (IE2_rs = tr(Pi G_r Pi G_s), Pi the REML projection):
        the asymptotic covariance of the variance parameters psi.
    information : IE2 (twice the expected REML information).
    condition : smallest |eigenvalue| of IE2 (pbkrtest uses a generalised inverse below 1e-10).
    """

    vcov: np.ndarray
    vcov_adj: np.ndarray
    P: np.ndarray
    W: np.ndarray
    information: np.ndarray
    condition: float


def kenward_roger(blocks: Blocks) -> KenwardRoger:
    """Kenward-Roger adjusted covariance of the fixed effects (pbkrtest ``vcovAdj``).

    ``blocks`` from :func:`make_blocks` with V evaluated at the REML estimate and G_r = dV/dpsi_r.
    """
    p, k = blocks.p, blocks.k
    M = gls(blocks)
    Phi = np.linalg.inv(M)
    Phi = (Phi + Phi.T) / 2
    P = np.zeros((k, p, p))
    Q = np.zeros((k, k, p, p))
    Ktrace = np.zeros((k, k))
    for g in blocks.groups:
        Vinv, X, G = g["Vinv"], g["X"], g["G"]
        T = Vinv @ X  # (m, n, p)
        GT = np.einsum("mkab,mbp->mkap", G, T)  # G_r V^-1 X
        P -= np.einsum("map,mkaq->kpq", T, GT)
        VGT = np.einsum("mab,mlbq->mlaq", Vinv, GT)
        Q += np.einsum("mkap,mlaq->klpq", GT, VGT)
        H = np.einsum("mkab,mbc->mkac", G, Vinv)  # G_r V^-1
        Ktrace += np.einsum("mkab,mlba->kl", H, H)
    P = (P + np.transpose(P, (0, 2, 1))) / 2
    PPhi = np.einsum("kab,bc->kac", P, Phi)  # P_r Phi
    IE2 = (
        Ktrace
        - 2 * np.einsum("pq,klpq->kl", Phi, Q)
        + np.einsum("kab,lba->kl", PPhi, PPhi)
    )
    IE2 = (IE2 + IE2.T) / 2
    condition = float(np.min(np.abs(np.linalg.eigvalsh(IE2))))
    W = 2 * (np.linalg.inv(IE2) if condition > 1e-10 else np.linalg.pinv(IE2))
    W = (W + W.T) / 2
    # U = sum_rs W_rs (Q_rs - P_r Phi P_s)
    PPhiP = np.einsum("kab,lbc->klac", PPhi, P)
    U = np.einsum("kl,klpq->pq", W, Q - PPhiP)
    U = (U + U.T) / 2
    PhiA = Phi + 2 * Phi @ U @ Phi
    PhiA = (PhiA + PhiA.T) / 2
    return KenwardRoger(vcov=Phi, vcov_adj=PhiA, P=P, W=W, information=IE2, condition=condition)


def _kr_A(L, kr: KenwardRoger):
    L = np.atleast_2d(np.asarray(L, float))
    V0 = kr.vcov
    Theta = L.T @ np.linalg.solve(L @ V0 @ L.T, L)
    U = np.einsum("ab,bc,kcd,de->kae", Theta, V0, kr.P, V0)  # Theta V0 P_r V0
    tr = np.einsum("kaa->k", U)
    A1 = float(tr @ kr.W @ tr)
    A2 = float(np.einsum("kl,kab,lba->", kr.W, U, U))
    return L, A1, A2


def _kr_constants(q, A1, A2) -> float:
    """Kenward-Roger denominator df from A1, A2 (pbkrtest ``Lb_ddf`` / ``.KR_adjust``).

    Safe at every corner of the formula (no exception for any input):

    * q = 1: A1 = A2 always (U_r is of rank one), and pbkrtest's chain of constants reduces to
      ``ddf = 2 / A1`` (g = -1, c1, c2, c3 = -1/7, 2/7, 4/7, B = 7 A1 / 2, so 1 - A2 = V1,
      V0 = 1 - A1/2, V2 = 1 - 2 A1, rho = V0 / V2 and 4 + 3 / (rho - 1) = 2 / A1). That form is
      used: it equals pbkrtest where pbkrtest divides by zero (A1 = 1/2: V2 = 0, rho = Inf,
      ddf = 4; A1 = 1: 1 - A2/q = V1 = 0, ratio taken as 1, ddf = 2) and has no cancellation
      next to those points.
    * q > 1: pbkrtest's expressions in IEEE arithmetic (x/0 = Inf, as R), with its two
      guards (V0 within 1e-10 of 0 is 0; 0/0 in (1 - A2/q) / V1 is 1).
    * A2 = 0 (the variance of L beta-hat does not depend on the variance parameters): the
      limit of the formula, ``Inf`` (pbkrtest's intermediate g is 0/0 there and it returns NaN).
    """
    q = float(q)
    A1, A2 = np.float64(A1), np.float64(A2)
    if A2 == 0:
        return float("inf")
    with np.errstate(all="ignore"):
        if q == 1:
            return float(np.float64(2.0) / A1)
        B = (A1 + 6 * A2) / (2 * q)
        g = ((q + 1) * A1 - (q + 4) * A2) / ((q + 2) * A2)
        denom = np.float64(3 * q + 2 * (1 - g))
        c1, c2, c3 = g / denom, (q - g) / denom, (q + 2 - g) / denom
        V0 = 1 + c1 * B
        V1 = 1 - c2 * B
        V2 = 1 - c3 * B
        if abs(V0) < 1e-10:
            V0 = np.float64(0.0)
        x = 1 - A2 / q
        ratio = np.float64(1.0) if (abs(x) < 1e-14 and abs(V1) < 1e-14) else x / V1
        rho = ratio**2 * V0 / V2 / q
        df2 = 4 + (q + 2) / (q * rho - 1)
    return float(df2)


def kr_ddf(L, kr: KenwardRoger) -> float:
    """Kenward-Roger denominator df for ``H0: L beta = 0`` (``pbkrtest::Lb_ddf``).

    ``L`` is a contrast vector (p,) or matrix (q x p) of full row rank.
    """
    L, A1, A2 = _kr_A(L, kr)
    return _kr_constants(L.shape[0], A1, A2)


def kr_ftest(L, beta, kr: KenwardRoger, beta0=None):
    """Kenward-Roger F test of ``H0: L beta = L beta0`` (``pbkrtest::KRmodcomp``).

    Returns ``(F, ndf, ddf, scaling)``: F = scaling * Wald/q with the Wald statistic built on
    the adjusted covariance; p-value ``scipy.stats.f.sf(F, ndf, ddf)``.
    """
    L, A1, A2 = _kr_A(L, kr)
    q = L.shape[0]
    diff = np.asarray(beta, float) - (0.0 if beta0 is None else np.asarray(beta0, float))
    Lb = L @ diff
    wald = float(Lb @ np.linalg.solve(L @ kr.vcov_adj @ L.T, Lb)) / q
    df2 = _kr_constants(q, A1, A2)
    if abs(df2 - 2) < 1e-2 or not np.isfinite(df2):  # pbkrtest .KR_adjust: no scaling near 2
        scaling = 1.0 if abs(df2 - 2) < 1e-2 else 1 - A2 / q
    else:
        scaling = df2 * (1 - A2 / q) / (df2 - 2)
    return float(scaling * wald), q, float(df2), float(scaling)


def satterthwaite_ddf(L, vcov_beta, jacobian, vcov_varpar) -> float:
    """Satterthwaite df for a single-df contrast ``L beta`` (lmerTest ``contest1D``).

    Parameters
    ----------
    L : (p,) contrast vector.
    vcov_beta : (p, p) covariance of beta-hat at the estimate.
    jacobian : (K, p, p) derivatives of ``vcov_beta`` with respect to the K variance parameters.
    vcov_varpar : (K, K) asymptotic covariance of the variance parameters (2 H^-1 with H the
        Hessian of the REML deviance in the same parametrisation).
    """
    L = np.asarray(L, float).ravel()
    var = float(L @ vcov_beta @ L)
    grad = np.einsum("a,kab,b->k", L, jacobian, L)
    denom = float(grad @ vcov_varpar @ grad)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(2 * var**2 / denom) if denom > 0 else float("inf")


def reml_derivatives(blocks: Blocks, *, reml: bool = True):
    """Derivatives of the REML deviance for V linear in psi (blocks must carry residuals r).

    With ``reml=False`` the same for the ML deviance profiled over beta
    (``log|V| + r' V^-1 r``): the ``Phi`` terms of the trace parts drop out.

    Returns ``(gradient, hessian, jacobian)``:
    gradient_r = tr(Pi G_r) - r' V^-1 G_r V^-1 r (r = y - X beta-hat, so Pi y = V^-1 r);
    hessian_rs = -tr(Pi G_r Pi G_s) + 2 y' Pi G_r Pi G_s Pi y (observed, not expected);
    jacobian_r = d Phi / d psi_r = Phi X' V^-1 G_r V^-1 X Phi.
    Here Pi = V^-1 - V^-1 X Phi X' V^-1 and Phi = (X' V^-1 X)^-1.
    """
    p, k = blocks.p, blocks.k
    Phi = np.linalg.inv(gls(blocks))
    trVG = np.zeros(k)
    XVGVX = np.zeros((k, p, p))
    rVGVr = np.zeros(k)
    uVu = np.zeros((k, k))
    XVu = np.zeros((k, p))
    Ktrace = np.zeros((k, k))
    Q = np.zeros((k, k, p, p))
    for g in blocks.groups:
        Vinv, X, G, r = g["Vinv"], g["X"], g["G"], g["r"]
        T = Vinv @ X
        H = np.einsum("mkab,mbc->mkac", G, Vinv)
        trVG += np.einsum("mkaa->k", H)
        GT = np.einsum("mkab,mbp->mkap", G, T)
        XVGVX += np.einsum("map,mkaq->kpq", T, GT)
        Vr = np.einsum("mab,mb->ma", Vinv, r)
        u = np.einsum("mkab,mb->mka", G, Vr)  # G_r V^-1 r
        rVGVr += np.einsum("ma,mka->k", Vr, u)
        Vu = np.einsum("mab,mkb->mka", Vinv, u)
        uVu += np.einsum("mka,mla->kl", u, Vu)
        XVu += np.einsum("map,mka->kp", X, Vu)
        Ktrace += np.einsum("mkab,mlba->kl", H, H)
        VGT = np.einsum("mab,mlbq->mlaq", Vinv, GT)
        Q += np.einsum("mkap,mlaq->klpq", GT, VGT)
    if reml:
        gradient = trVG - np.einsum("pq,kqp->k", Phi, XVGVX) - rVGVr
        PPhi = np.einsum("kab,bc->kac", -XVGVX, Phi)
        trPiGPiG = (
            Ktrace - 2 * np.einsum("pq,klpq->kl", Phi, Q) + np.einsum("kab,lba->kl", PPhi, PPhi)
        )
    else:
        gradient = trVG - rVGVr
        trPiGPiG = Ktrace
    yPGPGPy = uVu - np.einsum("kp,pq,lq->kl", XVu, Phi, XVu)
    hessian = -trPiGPiG + 2 * yPGPGPy
    hessian = (hessian + hessian.T) / 2
    jacobian = np.einsum("ab,kbc,cd->kad", Phi, XVGVX, Phi)
    return gradient, hessian, jacobian


def between_within_df(X: np.ndarray, groups: np.ndarray, M: int) -> np.ndarray:
    """Between-within df per column of X: R ``nlme::lme``'s rule (``getFixDF``) for one
    grouping level (Pinheiro & Bates 2000, sec. 2.4.2).

    ``groups`` holds the subject code (0..M-1) of each row of ``X`` (n x p). A column varying
    within some subject gets ``n - M - (number of such columns)``, a column constant within
    every subject ``M - 1 - (number of such columns)``, the intercept (a constant column) the
    larger of the two. Without an intercept column the two are ``M - (...)`` and
    ``n - M + 1 - (...)``.
    """
    n, p = X.shape
    tol = np.sqrt(np.finfo(float).eps)

    def const(x):
        return bool(np.all(np.abs(x if x[0] == 0 else x / x[0] - 1) < tol))

    intercept = np.array([const(X[:, j]) for j in range(p)], dtype=bool)
    within = np.array([
        not intercept[j] and any(not const(X[groups == s, j]) for s in range(M))
        for j in range(p)
    ], dtype=bool)
    df_between = M - int(np.sum(~within & ~intercept))
    df_within = n - M - int(np.sum(within))
    if intercept.any():
        df_between -= 1
    else:
        df_within += 1
    out = np.where(within, df_within, df_between).astype(float)
    out[intercept] = max(df_between, df_within)
    return out
