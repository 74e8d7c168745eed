"""Parametric survival fits against R survreg (tests/reference/parametric/make_parametric.R).

Fitted models: 1e-4 relative (lifelines' optimiser vs survreg's); the delta-method intervals
are then compared at the same tolerance, since they are functions of the fitted values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference

import smalltrial as st
from smalltrial import survival as sv

REF = load_reference("parametric")["cases"]
REL = 1e-4


def fit_case(case):
    return sv.parametric_fit(pd.DataFrame(case["data"]), time="time", event="event",
                             distribution=case["dist"])


@pytest.mark.filterwarnings("ignore::smalltrial.SmallTrialWarning")
@pytest.mark.parametrize("name", sorted(REF))
def test_matches_survreg(name):
    case = REF[name]
    fit = fit_case(case)
    assert fit.mu == pytest.approx(case["mu"], rel=REL)
    assert fit.sigma == pytest.approx(case["sigma"], rel=REL)
    assert fit.loglik == pytest.approx(case["loglik"], rel=REL)
    assert fit.vcov == pytest.approx(np.array(case["vcov"]).reshape(fit.vcov.shape), rel=1e-3, abs=1e-6)
    med = fit.median.iloc[0]
    assert med["estimate"] == pytest.approx(case["median"], rel=REL)
    assert med["std_error_log"] == pytest.approx(case["median_se_log"], rel=1e-3)
    assert med["lower"] == pytest.approx(case["median_lower"], rel=1e-3)
    assert med["upper"] == pytest.approx(case["median_upper"], rel=1e-3)
    at = fit.at(case["landmarks"])
    assert at["survival"].to_numpy() == pytest.approx(case["surv"], rel=REL, abs=1e-8)
    assert at["lower"].to_numpy() == pytest.approx(case["surv_lower"], rel=1e-3, abs=1e-6)
    assert at["upper"].to_numpy() == pytest.approx(case["surv_upper"], rel=1e-3, abs=1e-6)


def test_exponential_closed_form():
    # exponential MLE: rate = events / total time; mu = log(total/events); var(mu) = 1/events;
    # loglik = events * log(rate) - rate * total
    case = REF["days_exponential"]
    df = pd.DataFrame(case["data"])
    total, d = df["time"].sum(), df["event"].sum()
    fit = fit_case(case)
    assert fit.mu == pytest.approx(math.log(total / d), rel=1e-6)
    assert fit.vcov[0, 0] == pytest.approx(1 / d, rel=1e-4)
    assert fit.loglik == pytest.approx(d * math.log(d / total) - d, rel=1e-6)
    assert fit.median.iloc[0]["estimate"] == pytest.approx(total / d * math.log(2), rel=1e-6)


def test_plateau_extrapolation_warns():
    case = REF["plateau_weibull"]
    with pytest.warns(st.SmallTrialWarning) as rec:
        fit = fit_case(case)
    assert [str(w.message)[:12] for w in rec] == ["only 4 event", "the weibull "]
    assert any("only 4 event" in w for w in fit.warnings)
    assert fit.median.iloc[0]["extrapolated"]
    assert any("beyond the last follow-up" in w for w in fit.warnings)
    assert fit.at([730])["extrapolated"].tolist() == [True]


def test_no_events_raises():
    df = pd.DataFrame({"t": [10.0, 20.0, 30.0], "e": [0, 0, 0]})
    with pytest.raises(st.SmallTrialError, match=r"column 'e' has no events \(all 3 censored\)"):
        sv.parametric_fit(df, time="t", event="e")


def test_bad_input():
    df = pd.DataFrame({"t": [0.0, 20.0, 30.0], "e": [1, 1, 0]})
    with pytest.raises(st.SmallTrialError, match=r"column 't' must be > 0"):
        sv.parametric_fit(df, time="t", event="e")
    with pytest.raises(st.SmallTrialError, match="distribution"):
        sv.parametric_fit(df.assign(t=[1.0, 2, 3]), time="t", event="e", distribution="gamma")
    fit = sv.parametric_fit(pd.DataFrame(REF["days_weibull"]["data"]), time="time", event="event")
    with pytest.raises(st.SmallTrialError, match="times must be > 0"):
        fit.at([0])
    with pytest.raises(st.SmallTrialError, match="p must be in"):
        fit.quantile(1.5)


# -- figure ---------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::smalltrial.SmallTrialWarning")
def test_parametric_plot_draws_each_fit_and_marks_last_follow_up():
    from smalltrial import figures as F

    case = REF["days_weibull"]
    df = pd.DataFrame(case["data"])
    km = sv.kaplan_meier(df, time="time", event="event")
    fits = {d: sv.parametric_fit(df, time="time", event="event", distribution=d)
            for d in ("weibull", "lognormal")}
    ax = F.parametric_plot(km, fits, xmax=800, at_risk=False)
    lines = {line.get_gid(): line for line in ax.lines if line.get_gid()}
    x, y = lines["fit-weibull"].get_data()
    # the drawn curve is the fitted S(t) = exp(-(t/exp(mu))^(1/sigma)) with R's survreg values
    assert y[-1] == pytest.approx(math.exp(-((800 / math.exp(case["mu"])) ** (1 / case["sigma"]))), rel=1e-3)
    assert x[-1] == 800 and ax.get_xlim() == (0, 800)
    assert lines["last-follow-up"].get_xdata()[0] == 410
    with pytest.raises(st.SmallTrialError, match="fits"):
        F.parametric_plot(km, [])
    with pytest.raises(st.SmallTrialError, match="km must be a one-sample"):
        F.parametric_plot(fits, fits)
    with pytest.raises(st.SmallTrialError, match="xmax"):
        F.parametric_plot(km, fits, xmax=-1)


# -- mixture cure model (no R reference on Debian: simulated recovery + closed-form likelihood) --


def simulate_cure(n, pi, lam, rho, seed):
    rng = np.random.default_rng(seed)
    cured = rng.random(n) < pi
    t_event = np.where(cured, np.inf, lam * rng.weibull(rho, n))
    censor = rng.uniform(5, 40, n)
    return pd.DataFrame({"t": np.minimum(t_event, censor), "e": (t_event <= censor).astype(int)})


def test_cure_recovers_known_parameters():
    df = simulate_cure(3000, 0.3, 10.0, 1.5, seed=3)
    fit = sv.cure_fit(df, time="t", event="e")
    assert fit.cured_fraction == pytest.approx(0.3, abs=0.03)
    assert fit.lambda_ == pytest.approx(10.0, rel=0.06)
    assert fit.rho == pytest.approx(1.5, rel=0.06)
    assert fit.lower < 0.3 < fit.upper
    assert fit.warnings == ()
    # median: pi + (1 - pi) exp(-(m/lambda)^rho) = 0.5
    assert fit.survival_function(fit.median) == pytest.approx(0.5, abs=1e-12)


def test_cure_likelihood_is_the_closed_form_and_maximal():
    df = simulate_cure(60, 0.4, 8.0, 1.2, seed=11)
    fit = sv.cure_fit(df, time="t", event="e")
    t, e = df["t"].to_numpy(), df["e"].to_numpy()
    ll = sv.cure_loglik(t, e, fit.cured_fraction, fit.lambda_, fit.rho)
    assert fit.loglik == pytest.approx(ll, rel=1e-9)
    # a maximum: every small move of one parameter lowers the closed-form likelihood
    for dp in ([0.01, 0, 0], [-0.01, 0, 0], [0, 0.05, 0], [0, -0.05, 0], [0, 0, 0.02], [0, 0, -0.02]):
        other = sv.cure_loglik(t, e, fit.cured_fraction + dp[0], fit.lambda_ + dp[1], fit.rho + dp[2])
        assert other < ll
    # and the score is ~0 (central differences of the closed form)
    h = 1e-6
    for k in range(3):
        up = [fit.cured_fraction, fit.lambda_, fit.rho]
        dn = list(up)
        up[k] += h
        dn[k] -= h
        assert (sv.cure_loglik(t, e, *up) - sv.cure_loglik(t, e, *dn)) / (2 * h) == pytest.approx(0, abs=1e-2)


def test_cure_loglik_hand_value():
    # event at 1, censored at 2, pi = 0.5, lambda = rho = 1: log(0.5 e^-1) + log(0.5 + 0.5 e^-2)
    expected = math.log(0.5 * math.exp(-1)) + math.log(0.5 + 0.5 * math.exp(-2))
    assert sv.cure_loglik([1.0, 2.0], [1, 0], 0.5, 1.0, 1.0) == pytest.approx(expected, abs=1e-14)


def test_cure_warnings_and_errors():
    df = pd.DataFrame({"t": [1.0, 2, 3, 5, 8], "e": [1, 0, 1, 0, 1]})
    with pytest.warns(st.SmallTrialWarning) as rec:
        fit = sv.cure_fit(df, time="t", event="e")
    msgs = " | ".join(str(w.message) for w in rec)
    assert "only 3 event" in msgs and "last follow-up (8) is an event" in msgs
    assert len(fit.warnings) >= 2
    with pytest.raises(st.SmallTrialError, match="column 'e' has no events"):
        sv.cure_fit(df.assign(e=0), time="t", event="e")
    with pytest.raises(st.SmallTrialError, match="column 't' must be > 0"):
        sv.cure_fit(df.assign(t=[0.0, 2, 3, 5, 8]), time="t", event="e")


def test_parametric_plot_accepts_a_cure_fit():
    from smalltrial import figures as F

    df = simulate_cure(60, 0.4, 8.0, 1.2, seed=11)
    km = sv.kaplan_meier(df, time="t", event="e")
    fit = sv.cure_fit(df, time="t", event="e")
    ax = F.parametric_plot(km, [fit], at_risk=False, xmax=200)
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "fit-weibull cure"]
    # far beyond follow-up the curve approaches the plateau pi
    assert line.get_ydata()[-1] == pytest.approx(fit.cured_fraction, abs=1e-6)


@pytest.mark.filterwarnings("ignore::smalltrial.SmallTrialWarning")
@pytest.mark.parametrize("distribution", sv.DISTRIBUTIONS)
def test_degenerate_data_raise_smalltrialerror(distribution):
    with pytest.raises(st.SmallTrialError, match=f"distribution='{distribution}'"):  # n = 1
        sv.parametric_fit(pd.DataFrame({"t": [5.0], "e": [1]}), time="t", event="e",
                          distribution=distribution)
    if distribution != "exponential":  # all events tied: the scale goes to 0
        with pytest.raises(st.SmallTrialError, match=f"distribution='{distribution}'"):
            sv.parametric_fit(pd.DataFrame({"t": [5.0, 5, 5], "e": [1, 1, 1]}), time="t", event="e",
                              distribution=distribution)


@pytest.mark.filterwarnings("ignore::smalltrial.SmallTrialWarning")
def test_cure_degenerate_raises():
    # one event then censorings: the Weibull shape runs off to infinity (a spike at the event)
    with pytest.raises(st.SmallTrialError, match="cure model"):
        sv.cure_fit(pd.DataFrame({"t": [5.0, 9, 12], "e": [1, 0, 0]}), time="t", event="e")
    with pytest.raises(st.SmallTrialError, match="cure model"):
        sv.cure_fit(pd.DataFrame({"t": [5.0], "e": [1]}), time="t", event="e")
