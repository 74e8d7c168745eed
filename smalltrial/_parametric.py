"""Parametric survival fits for durability (re-exported by :mod:`smalltrial.survival`).

``parametric_fit`` fits an exponential, Weibull, log-normal or log-logistic distribution (maximum
likelihood with lifelines' fitters) and reports it as R ``survreg`` does: log T = mu + sigma * W.
Extrapolated quantiles (the median) and landmark survival come with delta-method intervals.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError, warn
from smalltrial._results import Result

__all__ = ["DISTRIBUTIONS", "CureFit", "ParametricFit", "cure_fit", "cure_loglik", "parametric_fit"]

#: distributions of ``parametric_fit`` (R ``survreg(dist=)`` names)
DISTRIBUTIONS = ("exponential", "weibull", "lognormal", "loglogistic")

# fewer events than this: the fit is mostly its assumed shape (warning)
_MIN_EVENTS = 5


def _std_quantile(dist: str, p: float) -> float:
    """Quantile of the standard error distribution W (as survreg: extreme value, normal, logistic)."""
    from scipy import stats

    if dist in ("exponential", "weibull"):
        return math.log(-math.log1p(-p))
    if dist == "lognormal":
        return float(stats.norm.ppf(p))
    return math.log(p / (1 - p))


def _std_survival(dist: str, z: np.ndarray) -> np.ndarray:
    """P(W > z) of the standard error distribution."""
    from scipy import stats

    if dist in ("exponential", "weibull"):
        return np.exp(-np.exp(z))
    if dist == "lognormal":
        return stats.norm.sf(z)
    return 1.0 / (1.0 + np.exp(z))


@dataclass(frozen=True, repr=False, eq=False)
class ParametricFit(Result):
    """A parametric survival model fitted by maximum likelihood (R ``survreg(Surv(t, e) ~ 1)``).

    Attributes
    ----------
    distribution : ``exponential``, ``weibull``, ``lognormal`` or ``loglogistic``.
    mu, sigma : survreg's intercept and scale (log T = mu + sigma * W; sigma = 1 for the
        exponential). lifelines' parameters: Weibull lambda = exp(mu), rho = 1/sigma; log-normal
        mu, sigma; log-logistic alpha = exp(mu), beta = 1/sigma; exponential lambda = exp(mu).
    vcov : 2x2 (1x1 for the exponential) covariance of (mu, log sigma), as R ``vcov(fit)``.
    loglik, aic : log-likelihood (as survreg's ``loglik``, on the time scale) and AIC.
    n, events, last_time : subjects, events, last follow-up time.
    """

    distribution: str
    mu: float
    sigma: float
    loglik: float
    aic: float
    n: int
    events: int
    last_time: float
    level: float = 0.95
    vcov: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    method_description: str = ""
    warnings: tuple[str, ...] = ()
    _hidden = ("vcov", "method_description", "warnings")

    def _z(self) -> float:
        from scipy import stats

        return float(stats.norm.ppf(0.5 + self.level / 2))

    def quantile(self, p: float) -> pd.DataFrame:
        """Time by which a fraction ``p`` had the event, with a CI exp(log t_p -/+ z*SE).

        The SE of log t_p = mu + sigma * w_p is by the delta method (as R ``predict(fit,
        type = "uquantile", se.fit = TRUE)``). Columns ``p, estimate, lower, upper,
        extrapolated`` (True when beyond the last follow-up time).

        Parameters
        ----------
        p : fraction with the event, in (0, 1).
        """
        p = _v.check_probability(p, "p")
        w = _std_quantile(self.distribution, p)
        log_t = self.mu + self.sigma * w
        grad = np.array([1.0, self.sigma * w])[: self.vcov.shape[0]]
        se = math.sqrt(float(grad @ self.vcov @ grad))
        z = self._z()
        est = math.exp(log_t)
        return pd.DataFrame({"p": [p], "estimate": [est], "lower": [math.exp(log_t - z * se)],
                             "upper": [math.exp(log_t + z * se)], "std_error_log": [se],
                             "extrapolated": [est > self.last_time]})

    @property
    def median(self) -> pd.DataFrame:
        """The median (``quantile(0.5)``)."""
        return self.quantile(0.5)

    def at(self, times: float | Iterable[float]) -> pd.DataFrame:
        """Landmark survival S(t) with a delta-method CI on the standardised log-time scale.

        z = (log t - mu) / sigma has SE from the delta method (gradient (-1/sigma, -z) in
        (mu, log sigma)); the limits are S_W(z +/- zcrit*SE), so they stay in (0, 1). Columns
        ``time, survival, lower, upper, extrapolated`` (t beyond the last follow-up).

        Parameters
        ----------
        times : times > 0.
        """
        t = _v.check_numbers(times, "times")
        if np.any(t <= 0):
            raise SmallTrialError(f"times must be > 0 (log scale); got {_v._show(t[t <= 0].tolist())}")
        zt = (np.log(t) - self.mu) / self.sigma
        grads = np.stack([-np.ones_like(zt) / self.sigma, -zt], axis=1)[:, : self.vcov.shape[0]]
        se = np.sqrt(np.einsum("ij,jk,ik->i", grads, self.vcov, grads))
        zc = self._z()
        d = self.distribution
        return pd.DataFrame({"time": t, "survival": _std_survival(d, zt),
                             "lower": _std_survival(d, zt + zc * se),
                             "upper": _std_survival(d, zt - zc * se),
                             "extrapolated": t > self.last_time})

    def survival_function(self, times: Any) -> np.ndarray:
        """S(t) of the fitted distribution at ``times`` (no CI; for plotting)."""
        t = np.asarray(times, dtype=float)
        with np.errstate(divide="ignore"):
            return _std_survival(self.distribution, (np.log(t) - self.mu) / self.sigma)


def parametric_fit(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    distribution: str = "weibull",
    level: float = 0.95,
) -> ParametricFit:
    """Fit a parametric survival distribution by maximum likelihood, as R ``survreg``.

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    time : column of follow-up times (finite, > 0: the models are on log time).
    event : column of 0 (censored) / 1 (event) (bool accepted).
    distribution : ``"exponential"``, ``"weibull"`` (default), ``"lognormal"`` or
        ``"loglogistic"`` (R ``survreg(dist=)``).
    level : confidence level for :meth:`ParametricFit.quantile` and :meth:`ParametricFit.at`.

    Method: maximum likelihood with lifelines' univariate fitters (``ExponentialFitter``,
    ``WeibullFitter``, ``LogNormalFitter``, ``LogLogisticFitter``), reported in survreg's
    accelerated-failure-time form log T = mu + sigma W, with the covariance of (mu, log sigma)
    transformed from lifelines' (observed-information) covariance by the delta method. Quantiles
    and landmark survival have delta-method intervals (Klein & Moeschberger 2003, ch. 12).
    A warning is raised with fewer than 5 events (the extrapolation is then mostly the assumed
    shape) and when the median lies beyond the last follow-up.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial.survival import parametric_fit
    >>> df = pd.DataFrame({"t": [84, 98, 112, 112, 140, 182, 200, 365, 365, 400, 410],
    ...                    "e": [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0]})
    >>> fit = parametric_fit(df, time="t", event="e", distribution="weibull")
    >>> round(fit.mu, 3), round(fit.sigma, 3)  # R survreg: 5.898, scale 0.689
    (5.898, 0.689)
    """
    from smalltrial.survival import _time_event

    level = _v.check_level(level)
    distribution = _v.check_choice(distribution, "distribution", DISTRIBUTIONS)
    t, e = _time_event(data, time, event, timefix=False)
    if np.any(t <= 0):
        raise SmallTrialError(
            f"column {time!r} must be > 0 for a parametric (log-time) model; got "
            f"{_v._show(t[t <= 0].tolist())}"
        )
    events = int(e.sum())
    if events == 0:
        raise SmallTrialError(
            f"column {event!r} has no events (all {t.size} censored): a parametric "
            f"{distribution} fit needs at least one event"
        )
    record: list[str] = []
    if events < _MIN_EVENTS:
        warn(f"only {events} event(s): the {distribution} fit mostly reflects its assumed shape; "
             "treat extrapolations as illustrative", record)
    mu, sigma, vcov, loglik = _fit(t, e, distribution)
    k = vcov.shape[0]
    fit = ParametricFit(
        distribution=distribution, mu=mu, sigma=sigma, loglik=loglik, aic=2 * k - 2 * loglik,
        n=int(t.size), events=events, last_time=float(t.max()), level=level, vcov=vcov,
        method_description=(f"{distribution} model by maximum likelihood (lifelines; survreg "
                            "parametrisation); delta-method CIs"),
        warnings=(),
    )
    if fit.quantile(0.5)["extrapolated"].iloc[0]:
        warn(f"the {distribution} median lies beyond the last follow-up ({fit.last_time:g}): it is "
             "an extrapolation", record)
    return dataclasses.replace(fit, warnings=tuple(record))


def _fit(t: np.ndarray, e: np.ndarray, distribution: str):
    import warnings as _w

    from lifelines import ExponentialFitter, LogLogisticFitter, LogNormalFitter, WeibullFitter

    fitter = {"exponential": ExponentialFitter, "weibull": WeibullFitter,
              "lognormal": LogNormalFitter, "loglogistic": LogLogisticFitter}[distribution]()
    try:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            fitter.fit(t, e)
    except Exception as exc:  # lifelines: ConvergenceError, LinAlgError, TypeError (n = 1), ...
        raise SmallTrialError(
            f"distribution={distribution!r}: the maximum-likelihood fit did not converge with "
            f"{int(e.sum())} event(s) among {t.size} subjects ({type(exc).__name__})"
        ) from None
    par = fitter.params_
    V = np.asarray(fitter.variance_matrix_, dtype=float)
    if distribution == "exponential":
        lam = float(par["lambda_"])
        J = np.array([[1.0 / lam]])
        mu, sigma = math.log(lam), 1.0
    elif distribution == "weibull":
        lam, rho = float(par["lambda_"]), float(par["rho_"])
        J = np.diag([1.0 / lam, -1.0 / rho])
        mu, sigma = math.log(lam), 1.0 / rho
    elif distribution == "lognormal":
        m, s = float(par["mu_"]), float(par["sigma_"])
        J = np.diag([1.0, 1.0 / s])
        mu, sigma = m, s
    else:
        a, b = float(par["alpha_"]), float(par["beta_"])
        J = np.diag([1.0 / a, -1.0 / b])
        mu, sigma = math.log(a), 1.0 / b
    vcov = J @ V @ J.T
    if not (1e-6 < sigma < 1e6) or not np.all(np.isfinite(vcov)) or np.any(np.diag(vcov) <= 0):
        raise SmallTrialError(
            f"distribution={distribution!r}: the fit is degenerate (scale {sigma:.3g}) or its "
            f"information matrix singular with "
            f"{int(e.sum())} event(s) among {t.size} subjects; the fit cannot be estimated"
        )
    return mu, sigma, vcov, float(fitter.log_likelihood_)


# --------------------------------------------------------------------------------------------
# mixture cure model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class CureFit(Result):
    """Weibull mixture cure model S(t) = pi + (1 - pi) exp(-(t/lambda)^rho) (lifelines).

    Attributes
    ----------
    cured_fraction, lower, upper : pi (the plateau of durable remission) and its CI
        (delta method on the logit scale, so it stays in (0, 1)).
    lambda_, rho : Weibull scale and shape of the non-cured subjects' times.
    median : time S(t) = 0.5 (NaN, "not reached", when pi >= 0.5).
    loglik, n, events, last_time, warnings : as :class:`ParametricFit`.
    """

    cured_fraction: float
    lower: float
    upper: float
    lambda_: float
    rho: float
    median: float
    loglik: float
    n: int
    events: int
    last_time: float
    level: float = 0.95
    distribution: str = "weibull cure"
    warnings: tuple[str, ...] = ()
    _hidden = ("warnings", "distribution")
    _nan_label = "NR"

    def survival_function(self, times: Any) -> np.ndarray:
        """S(t) = pi + (1 - pi) exp(-(t/lambda)^rho) at ``times``."""
        t = np.asarray(times, dtype=float)
        return self.cured_fraction + (1 - self.cured_fraction) * np.exp(-((t / self.lambda_) ** self.rho))


def cure_loglik(t: Any, e: Any, cured_fraction: float, lambda_: float, rho: float) -> float:
    """Closed-form log-likelihood of the Weibull mixture cure model (no fitting).

    sum over events of log((1 - pi) f(t)) + sum over censorings of log(pi + (1 - pi) S(t)),
    with S(t) = exp(-(t/lambda)^rho) and f(t) = (rho/lambda) (t/lambda)^(rho-1) S(t)
    (Farewell, Biometrics 1982;38:1041).

    Parameters
    ----------
    t, e : times (> 0) and 0/1 event indicators.
    cured_fraction, lambda_, rho : the parameters pi, lambda, rho.

    Example
    -------
    >>> round(cure_loglik([1.0, 2.0], [1, 0], 0.5, 1.0, 1.0), 6)  # log(0.5 e^-1) + log(0.5 + 0.5 e^-2)
    -2.259366
    """
    t = np.asarray(t, dtype=float)
    e = np.asarray(e, dtype=float)
    s = np.exp(-((t / lambda_) ** rho))
    f = rho / lambda_ * (t / lambda_) ** (rho - 1) * s
    with np.errstate(divide="ignore"):
        ll = e * np.log((1 - cured_fraction) * f) + (1 - e) * np.log(cured_fraction + (1 - cured_fraction) * s)
    return float(np.sum(ll))


def cure_fit(data: pd.DataFrame, *, time: str, event: str, level: float = 0.95) -> CureFit:
    """Weibull mixture cure model for a plateau of durable remission (lifelines MixtureCureFitter).

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    time : column of follow-up times (finite, > 0).
    event : column of 0 (censored) / 1 (event) (bool accepted).
    level : confidence level of the cured fraction's interval.

    Method: maximum likelihood of S(t) = pi + (1 - pi) S_W(t), S_W Weibull (Farewell 1982;
    Boag 1949), with lifelines ``MixtureCureFitter(base_fitter=WeibullFitter())``; CI of pi by
    the delta method on the logit scale from lifelines' observed-information covariance.
    No R reference on Debian (flexsurvcure/smcure are not packaged): checked by recovering the
    parameters of simulated data and against the closed-form likelihood :func:`cure_loglik`.
    Warnings: fewer than 5 events; the last follow-up is an event (no plateau is observed, so
    pi is not identified by the data); pi at the boundary (< 0.001 or > 0.999).

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial.survival import cure_fit
    >>> df = pd.DataFrame({"t": [1, 2, 2, 3, 4, 5, 6, 7, 12, 14, 15, 16, 18, 20, 22],
    ...                    "e": [1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]})
    >>> fit = cure_fit(df, time="t", event="e")
    >>> 0.3 < fit.cured_fraction < 0.6
    True
    """
    import warnings as _w

    from lifelines import MixtureCureFitter, WeibullFitter
    from scipy import stats

    from smalltrial.survival import _time_event

    level = _v.check_level(level)
    t, e = _time_event(data, time, event, timefix=False)
    if np.any(t <= 0):
        raise SmallTrialError(
            f"column {time!r} must be > 0 for a cure model; got {_v._show(t[t <= 0].tolist())}"
        )
    events = int(e.sum())
    if events == 0:
        raise SmallTrialError(
            f"column {event!r} has no events (all {t.size} censored): a cure model needs events"
        )
    record: list[str] = []
    if events < _MIN_EVENTS:
        warn(f"only {events} event(s): the cure fraction is barely identified", record)
    last = float(t.max())
    if e[t == last].any():
        warn(f"the last follow-up ({last:g}) is an event: no plateau is observed, so the cured "
             "fraction rests on the model's shape", record)
    fitter = MixtureCureFitter(base_fitter=WeibullFitter())
    try:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            fitter.fit(t, e)
    except Exception as exc:  # lifelines raises several types (ConvergenceError, LinAlgError)
        raise SmallTrialError(
            f"the cure model did not converge with {events} event(s) among {t.size} subjects "
            f"({type(exc).__name__})"
        ) from None
    par = fitter.params_
    pi, lam, rho = float(par["cured_fraction_"]), float(par["lambda_"]), float(par["rho_"])
    if not (1e-6 < rho < 1e3 and 0 < lam < np.inf):
        raise SmallTrialError(
            f"the cure model is degenerate with {events} event(s) among {t.size} subjects "
            f"(Weibull shape {rho:.3g}): the data cannot support it"
        )
    var = float(np.asarray(fitter.variance_matrix_)[0, 0])
    z = float(stats.norm.ppf(0.5 + level / 2))
    if 1e-3 < pi < 1 - 1e-3 and np.isfinite(var) and var > 0:
        logit = math.log(pi / (1 - pi))
        se = math.sqrt(var) / (pi * (1 - pi))
        lower = 1 / (1 + math.exp(-(logit - z * se)))
        upper = 1 / (1 + math.exp(-(logit + z * se)))
    else:
        warn(f"the cured fraction is at the boundary ({pi:.3g}): no confidence interval", record)
        lower = upper = math.nan
    median = lam * (-math.log((0.5 - pi) / (1 - pi))) ** (1 / rho) if pi < 0.5 else math.nan
    return CureFit(cured_fraction=pi, lower=lower, upper=upper, lambda_=lam, rho=rho,
                   median=median, loglik=float(fitter.log_likelihood_), n=int(t.size),
                   events=events, last_time=last, level=level, warnings=tuple(record))
