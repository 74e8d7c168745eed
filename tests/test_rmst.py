"""Restricted mean survival time against R survival's print.survfit(rmean = tau)
(tests/reference/rmst/make_rmst.R)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from scipy import stats

import smalltrial as st
from smalltrial import survival as sv

REF = load_reference("rmst")
CASES = REF["cases"]


def frame(d: dict) -> pd.DataFrame:
    return pd.DataFrame(d)


@pytest.mark.filterwarnings("ignore::smalltrial.SmallTrialWarning")
@pytest.mark.parametrize("name", sorted(CASES))
def test_rmst_matches_r(name):
    case = CASES[name]
    r = sv.rmst(frame(case["data"]), time="time", event="event", tau=case["tau"])
    assert r.tau == case["tau"]
    assert r.estimate == pytest.approx(case["rmean"], rel=1e-10, abs=1e-12)
    assert r.std_error == pytest.approx(case["se"], rel=1e-10, abs=1e-12)
    # the CI is estimate +/- z*SE (R prints the SE only), clipped to [0, tau]
    z = stats.norm.ppf(0.975)
    assert r.lower == pytest.approx(max(0.0, case["rmean"] - z * case["se"]), rel=1e-10, abs=1e-12)
    assert r.upper == pytest.approx(min(case["tau"], case["rmean"] + z * case["se"]), rel=1e-10, abs=1e-12)


def test_hand_calculation_small_example():
    # times 2 (event), 4 (event), 6 (censored); tau = 6.
    # S = 1 on [0,2), 2/3 on [2,4), 1/3 on [4,6): area = 2 + 4/3 + 2/3 = 4.
    # var = A(2)^2 * 1/(3*2) + A(4)^2 * 1/(2*1) with A(2) = 2, A(4) = 2/3:
    #     = 4/6 + (4/9)/2 = 2/3 + 2/9 = 8/9
    r = sv.rmst(pd.DataFrame({"t": [2, 4, 6], "e": [1, 1, 0]}), time="t", event="e", tau=6)
    assert r.estimate == pytest.approx(4.0, abs=1e-12)
    assert r.std_error == pytest.approx(math.sqrt(8 / 9), abs=1e-12)
    assert r.events == 2 and r.n == 3


def test_tau_before_first_time_is_tau_with_zero_se_and_warns():
    # R stops here ("Truncation point ... < smallest survival"); the curve is 1 on [0, tau]
    df = frame({"time": [30, 60, 90, 120], "event": [1, 0, 1, 0]})
    with pytest.warns(st.SmallTrialWarning, match="no events up to tau=10"):
        r = sv.rmst(df, time="time", event="event", tau=10)
    assert (r.estimate, r.std_error, r.lower, r.upper) == (10.0, 0.0, 10.0, 10.0)
    assert r.warnings and "no events" in r.warnings[0]


def test_all_censored_warns_and_equals_tau():
    case = CASES["all_censored"]
    with pytest.warns(st.SmallTrialWarning):
        r = sv.rmst(frame(case["data"]), time="time", event="event", tau=case["tau"])
    assert r.estimate == case["tau"] == case["rmean"]


def test_level_changes_ci_only():
    case = CASES["days"]
    r90 = sv.rmst(frame(case["data"]), time="time", event="event", tau=case["tau"], level=0.9)
    z = stats.norm.ppf(0.95)
    assert r90.std_error == pytest.approx(case["se"], rel=1e-10)
    assert r90.lower == pytest.approx(case["rmean"] - z * case["se"], rel=1e-10)
    assert r90.level == 0.9


def test_groups_and_difference_match_r():
    g = REF["groups"]
    res = sv.rmst(frame(g["data"]), time="time", event="event", tau=g["tau"], group="group")
    assert isinstance(res, sv.RMSTGroups)
    for lab, rm, se in zip(g["group"], g["rmean"], g["se"], strict=True):
        assert res[lab].estimate == pytest.approx(rm, rel=1e-10)
        assert res[lab].std_error == pytest.approx(se, rel=1e-10)
    d = res.differences.iloc[0]
    assert (d["group"], d["reference"]) == ("B", "A")
    assert d["estimate"] == pytest.approx(g["difference"], rel=1e-10)
    assert d["std_error"] == pytest.approx(g["difference_se"], rel=1e-10)
    assert d["lower"] == pytest.approx(g["difference_lower"], rel=1e-10)
    assert d["upper"] == pytest.approx(g["difference_upper"], rel=1e-10)
    assert d["p_value"] == pytest.approx(g["pvalue"], rel=1e-9)
    frame_ = res.to_frame()
    assert frame_["group"].tolist() == ["A", "B"]
    assert frame_["estimate"].tolist() == pytest.approx(g["rmean"], rel=1e-10)


def test_reference_group_flips_the_sign():
    g = REF["groups"]
    res = sv.rmst(frame(g["data"]), time="time", event="event", tau=g["tau"], group="group",
                  reference="B")
    d = res.differences.iloc[0]
    assert d["estimate"] == pytest.approx(-g["difference"], rel=1e-10)
    assert d["p_value"] == pytest.approx(g["pvalue"], rel=1e-9)


def test_timefix_ties_like_survfit():
    case = CASES["ties"]
    df = frame(case["data"]).astype({"time": float})
    df.loc[df["time"] == 8, "time"] = np.array([8.0, 8.0 + 1e-12])
    r = sv.rmst(df, time="time", event="event", tau=case["tau"])
    assert r.std_error == pytest.approx(case["se"], rel=1e-9)


def test_repr_and_frame():
    case = CASES["ties"]
    r = sv.rmst(frame(case["data"]), time="time", event="event", tau=case["tau"])
    assert "RMST(tau=14, estimate=10.11" in repr(r)
    assert list(r.to_frame().columns[:5]) == ["tau", "estimate", "std_error", "lower", "upper"]


# -- bad input ---------------------------------------------------------------------------


def test_tau_beyond_last_follow_up_raises():
    case = CASES["ties"]
    with pytest.raises(st.SmallTrialError, match=r"tau=21 is beyond the last follow-up time 20"):
        sv.rmst(frame(case["data"]), time="time", event="event", tau=21)


def test_tau_beyond_a_groups_follow_up_names_the_group():
    g = REF["groups"]
    with pytest.raises(st.SmallTrialError, match=r"tau=16 .* in group='A'"):
        sv.rmst(frame(g["data"]), time="time", event="event", tau=16, group="group")


@pytest.mark.parametrize("tau", [0, -1, math.inf, math.nan, "10", None])
def test_bad_tau(tau):
    with pytest.raises(st.SmallTrialError, match="tau"):
        sv.rmst(frame(CASES["ties"]["data"]), time="time", event="event", tau=tau)


def test_bad_columns_and_groups():
    df = frame(CASES["ties"]["data"])
    with pytest.raises(st.SmallTrialError, match="'event'"):
        sv.rmst(df.assign(event=2), time="time", event="event", tau=5)
    with pytest.raises(st.SmallTrialError, match="'nope'"):
        sv.rmst(df, time="nope", event="event", tau=5)
    with pytest.raises(st.SmallTrialError, match="at least two"):
        sv.rmst(df.assign(g="A"), time="time", event="event", tau=5, group="g")
    with pytest.raises(st.SmallTrialError, match="reference='C'"):
        sv.rmst(df.assign(g=["A", "B"] * 5), time="time", event="event", tau=5, group="g",
                reference="C")
    with pytest.raises(st.SmallTrialError, match="empty"):
        sv.rmst(df.iloc[:0], time="time", event="event", tau=5)
