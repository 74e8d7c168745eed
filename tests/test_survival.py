"""smalltrial.survival against R survival / cmprsk / poisson.test (tests/reference/survival)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from smalltrial import SmallTrialError
from smalltrial import survival as sv
from tests.conftest import load_reference

REF = load_reference("survival")
KM = REF["km"]
TOL = 1e-8


def arr(x) -> np.ndarray:
    """JSON (auto_unbox, NA as null) -> float array with NaN."""
    if isinstance(x, np.ndarray):
        return x.astype(float)
    x = x if isinstance(x, list) else [x]
    return np.array([np.nan if v is None else v for v in x], dtype=float)


def close(actual, expected, tol=TOL):
    np.testing.assert_allclose(np.asarray(actual, float), arr(expected), rtol=tol, atol=tol,
                               equal_nan=True)


def frame(d) -> pd.DataFrame:
    return pd.DataFrame({"time": arr(d["time"]), "event": arr(d["event"]).astype(int)})


KM_CASES = [(name, key) for name in KM for key in KM[name]["conf"]]


@pytest.mark.parametrize(("name", "key"), KM_CASES)
def test_kaplan_meier_table_equals_survfit(name, key):
    ref = KM[name]["conf"][key]
    km = sv.kaplan_meier(frame(KM[name]["data"]), time="time", event="event",
                         level=ref["level"], conf_type=ref["conf_type"])
    tab, rt = km.table, ref["table"]
    close(tab["time"], rt["time"])
    close(tab["n_risk"], rt["n_risk"])
    close(tab["n_event"], rt["n_event"])
    close(tab["n_censored"], rt["n_censored"])
    close(tab["survival"], rt["survival"])
    # survfit's std.err (cumulative-hazard scale); R's Inf is stored as null in JSON
    se = tab["std_error_cumhaz"].to_numpy()
    close(np.where(np.isinf(se), np.nan, se), rt["std_err_cumhaz"])
    close(tab["lower"], rt["lower"])
    close(tab["upper"], rt["upper"])
    # summary.survfit's std.err = SE of S
    close(tab["std_error"], ref["summary_se"])


@pytest.mark.parametrize(("name", "key"), KM_CASES)
def test_kaplan_meier_at_equals_summary_times(name, key):
    ref = KM[name]["conf"][key]
    km = sv.kaplan_meier(frame(KM[name]["data"]), time="time", event="event",
                         level=ref["level"], conf_type=ref["conf_type"])
    at = km.at(arr(KM[name]["at_times"]))
    ra = ref["at"]
    for col in ("time", "n_risk", "survival", "std_error", "lower", "upper"):
        close(at[col], ra[col])


@pytest.mark.parametrize(("name", "key"), KM_CASES)
def test_quantiles_equal_quantile_survfit(name, key):
    ref = KM[name]["conf"][key]
    km = sv.kaplan_meier(frame(KM[name]["data"]), time="time", event="event",
                         level=ref["level"], conf_type=ref["conf_type"])
    qs = km.quantile([0.25, 0.5, 0.75])
    close([q.estimate for q in qs], ref["quantile"]["estimate"])
    close([q.lower for q in qs], ref["quantile"]["lower"])
    close([q.upper for q in qs], ref["quantile"]["upper"])
    assert km.median.estimate == qs[1].estimate or (
        math.isnan(km.median.estimate) and math.isnan(qs[1].estimate))


@pytest.mark.parametrize("name", list(KM))
@pytest.mark.parametrize("conf_type", ["log-log", "log"])
def test_median_follow_up_equals_reverse_km(name, conf_type):
    ref = KM[name][f"followup_{conf_type}"]
    q = sv.median_follow_up(frame(KM[name]["data"]), time="time", event="event",
                            conf_type=conf_type)
    close([q.estimate, q.lower, q.upper], [ref["estimate"], ref["lower"], ref["upper"]])


def test_midpoint_rule_by_hand():
    # S = 0.75, 0.5 at t = 1, 2 and flat at 0.5 to the last follow-up (4): median = (2 + 4)/2
    df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 0, 0]})
    assert sv.kaplan_meier(df, time="time", event="event").median.estimate == 3.0
    # S = 0.5 on [3, 5), drops at 5: median = (3 + 5) / 2
    df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6], "event": [1, 1, 1, 0, 1, 1]})
    assert sv.kaplan_meier(df, time="time", event="event").median.estimate == 4.0


def test_default_conf_type_is_log_log_and_recorded():
    df = frame(KM["ties"]["data"])
    km = sv.kaplan_meier(df, time="time", event="event")
    assert km.conf_type == "log-log"
    assert "log(-log(S))" in km.method_description
    ref = KM["ties"]["conf"]["log-log_0.95"]["table"]
    close(km.table["lower"], ref["lower"])
    assert "NR" in repr(km)  # upper limit of the median not reached
    assert "median=60" in repr(km)


def test_all_censored_median_not_reached():
    km = sv.kaplan_meier(frame(KM["all_censored"]["data"]), time="time", event="event")
    assert km.events == 0
    assert np.all(km.table["survival"] == 1.0)
    assert math.isnan(km.median.estimate)
    assert km.to_frame().loc[0, "events"] == 0


def test_at_past_last_follow_up_is_nan():
    km = sv.kaplan_meier(frame(KM["ties"]["data"]), time="time", event="event")
    at = km.at([120, 121, 500])
    assert at["n_risk"].tolist() == [1, 0, 0]
    assert at["survival"].iloc[0] == pytest.approx(0.3272727272727, rel=1e-9)
    assert at[["survival", "std_error", "lower", "upper"]].iloc[1:].isna().all().all()


def test_bool_event_column_accepted():
    df = frame(KM["ties"]["data"])
    km1 = sv.kaplan_meier(df, time="time", event="event")
    km2 = sv.kaplan_meier(df.assign(event=df["event"].astype(bool)), time="time", event="event")
    pd.testing.assert_frame_equal(km1.table, km2.table)


# ---- groups and log-rank --------------------------------------------------------------------

LR = REF["logrank"]


def lr_frame(d) -> pd.DataFrame:
    return pd.DataFrame({"time": arr(d["time"]), "event": arr(d["event"]).astype(int),
                         "group": d["group"]})


@pytest.mark.parametrize("name", list(LR))
def test_logrank_equals_survdiff(name):
    ref = LR[name]
    res = sv.logrank_test(lr_frame(ref["data"]), time="time", event="event", group="group",
                          exact=True)
    close(res.statistic, ref["chisq"])
    assert res.df == ref["df"]
    close(res.pvalue, ref["pvalue"])
    close(res.groups["observed"], ref["observed"])
    close(res.groups["expected"], ref["expected"])
    # exact permutation p-value: R brute force over all relabellings
    assert res.permutation == "enumeration"
    assert res.n_permutations == ref["n_labellings"]
    close(res.exact_pvalue, ref["exact_pvalue"])


def test_logrank_monte_carlo_is_seeded_and_close_to_exact():
    ref = LR["cohorts"]
    df = lr_frame(ref["data"])
    a = sv.logrank_test(df, time="time", event="event", group="group", exact=True,
                        max_enumerate=10, n_permutations=4000, seed=3)
    b = sv.logrank_test(df, time="time", event="event", group="group", exact=True,
                        max_enumerate=10, n_permutations=4000, seed=3)
    assert a.permutation == "monte-carlo" and a.n_permutations == 4000 and a.seed == 3
    assert a.exact_pvalue == b.exact_pvalue
    # binomial SE at p = 0.238, B = 4000 is 0.0067: 4 SE
    assert abs(a.exact_pvalue - ref["exact_pvalue"]) < 0.027


def test_groups_one_estimate_per_group():
    ref = LR["cohorts"]
    df = lr_frame(ref["data"])
    res = sv.kaplan_meier(df, time="time", event="event", group="group")
    assert isinstance(res, sv.KaplanMeierGroups)
    assert list(res.estimates) == ["SLE", "SSc"]
    sle = sv.kaplan_meier(df[df.group == "SLE"], time="time", event="event")
    pd.testing.assert_frame_equal(res["SLE"].table, sle.table)
    tab = res.table
    assert tab.columns[0] == "group" and len(tab) == len(sle.table) + len(res["SSc"].table)
    summ = res.to_frame()
    assert summ["group"].tolist() == ["SLE", "SSc"] and summ["n"].tolist() == [6, 6]
    assert res.at([100])["survival"].tolist() == [
        sle.at([100])["survival"].iloc[0], res["SSc"].at([100])["survival"].iloc[0]]


# ---- Poisson rates --------------------------------------------------------------------------

ALT = {"two.sided": "two-sided", "less": "less", "greater": "greater"}


@pytest.mark.parametrize("case", REF["poisson"], ids=lambda c: f"{c['events']}/{c['exposure']}-{c['alternative']}-{c['level']}")
def test_event_rate_equals_poisson_test(case):
    r = sv.event_rate(int(case["events"]), case["exposure"], level=case["level"],
                      alternative=ALT[case["alternative"]])
    close(r.rate, case["rate"])
    close(r.lower, case["lower"])
    upper = math.inf if case["upper"] == -1 else case["upper"]
    assert r.upper == pytest.approx(upper, rel=1e-9)


def test_event_rate_domain_example():
    # DOMAIN.md: 0 relapses in 10.3 patient-years -> rate <= 0.36: the two-sided 95 % limit
    r = sv.event_rate(0, 10.3)
    assert r.lower == 0.0 and r.rate == 0.0
    assert r.upper == pytest.approx(-math.log(0.025) / 10.3, rel=1e-12)  # 0.3581
    one = sv.event_rate(0, 10.3, alternative="less")
    assert one.upper == pytest.approx(-math.log(0.05) / 10.3, rel=1e-12)  # 0.2909
    per100 = sv.event_rate(0, 10.3, per=100)
    assert per100.upper == pytest.approx(100 * r.upper, rel=1e-12)


# ---- cumulative incidence -------------------------------------------------------------------

CR = REF["cuminc"]
CR_CASES = [(name, c) for name in CR for c in CR[name]["causes"]]


@pytest.mark.parametrize(("name", "cause"), CR_CASES)
def test_cumulative_incidence_equals_cuminc(name, cause):
    ref = CR[name]
    d = ref["data"]
    df = pd.DataFrame({"time": arr(d["time"]), "event": arr(d["event"]).astype(int)})
    ci = sv.cumulative_incidence(df, time="time", event="event", cause=int(cause))
    rc = ref["causes"][cause]
    at = ci.at(arr(ref["at_times"]))
    close(at["estimate"], rc["at_est"])
    close(at["std_error"] ** 2, rc["at_var"])
    # the jump points of cuminc's step function
    jt, est, var = arr(rc["time"]), arr(rc["est"]), arr(rc["var"])
    got = ci.at(jt)
    # at a jump time cuminc lists the value before and after; ours is the value after
    after = np.r_[jt[1:] != jt[:-1], True]
    close(got["estimate"][after], est[after])
    close(got["std_error"][after] ** 2, var[after])


def test_cumulative_incidence_ci_log_log_by_hand():
    d = CR["ties"]["data"]
    df = pd.DataFrame({"time": arr(d["time"]), "event": arr(d["event"]).astype(int)})
    ci = sv.cumulative_incidence(df, time="time", event="event", cause=1)
    row = ci.at([5]).iloc[0]
    est, se = 0.31666666666666665, math.sqrt(0.0265980795610425)
    z = 1.959963984540054
    a = z * se / (est * math.log(est))
    assert row["estimate"] == pytest.approx(est, rel=1e-12)
    assert row["lower"] == pytest.approx(est ** math.exp(-a), rel=1e-9)
    assert row["upper"] == pytest.approx(est ** math.exp(a), rel=1e-9)
    before = ci.at([1]).iloc[0]
    assert (before["estimate"], before["lower"], before["upper"]) == (0.0, 0.0, 0.0)


def test_cumulative_incidence_string_codes_and_declared_causes():
    df = pd.DataFrame({"t": [2, 3, 3, 3, 5], "ev": ["relapse", "death", "relapse", "0", "relapse"]})
    ci = sv.cumulative_incidence(df, time="t", event="ev", cause="relapse",
                                 causes=["relapse", "death"])
    # F(2) = 1/5; F(3) = 1/5 + (4/5)(1/4) = 2/5; S(3) = 4/5 * 2/4 = 2/5; F(5) = 2/5 + 2/5 = 4/5
    assert ci.at([2, 3, 5])["estimate"].tolist() == pytest.approx([0.2, 0.4, 0.8], rel=1e-12)
    with pytest.raises(SmallTrialError, match="'ev'.*'death'"):
        sv.cumulative_incidence(df, time="t", event="ev", cause="relapse", causes=["relapse"])


def test_cumulative_incidence_plain_ci_by_hand():
    d = CR["ties"]["data"]
    df = pd.DataFrame({"time": arr(d["time"]), "event": arr(d["event"]).astype(int)})
    ci = sv.cumulative_incidence(df, time="time", event="event", cause=1, conf_type="plain",
                                 level=0.9)
    row = ci.at([5]).iloc[0]
    est, se, z = 0.31666666666666665, math.sqrt(0.0265980795610425), 1.6448536269514722
    assert (row["lower"], row["upper"]) == pytest.approx((est - z * se, est + z * se), rel=1e-9)
    assert ci.conf_type == "plain" and "clipped" in ci.method_description


def test_at_past_the_end_after_the_curve_reached_zero():
    # all five patients have the event: S = 0 from the last time on, R summary(extend=TRUE)
    # gives surv 0 there; without the drop to 0 (last time censored) the value is unknown.
    import pandas as pd

    from smalltrial.survival import kaplan_meier

    events = pd.DataFrame({"t": [67, 95, 109, 130, 151], "e": [1, 1, 1, 1, 1]})
    at = kaplan_meier(events, time="t", event="e").at([140, 151, 200])
    assert at["survival"].tolist() == [pytest.approx(0.2), 0.0, 0.0]
    assert at["n_risk"].tolist() == [1, 1, 0]
    assert np.isnan(at["lower"].iloc[2]) and np.isnan(at["upper"].iloc[2])
    censored_last = events.assign(e=[1, 1, 1, 1, 0])
    at2 = kaplan_meier(censored_last, time="t", event="e").at([200])
    assert np.isnan(at2["survival"].iloc[0])
