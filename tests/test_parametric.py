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
