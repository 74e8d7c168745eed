"""Turnbull NPMLE for interval-censored times, intervals from visits, imputations.

Two checks of the NPMLE, stated plainly:
* EXACT: the Kuhn-Tucker conditions of the NPMLE (d_j <= 1 everywhere, = 1 where p_j > 0;
  Gentleman & Geyer 1994) hold to 1e-9, and hand-solvable cases give their closed forms.
* R (tests/reference/turnbull/make_turnbull.R): survfit(Surv(left, right, type = "interval2"))
  stops its EM at a curve change < 5e-5, so it is compared at a LOOSE absolute tolerance of 2e-3
  on the survival at each Turnbull interval's right end; the likelihood of R's solution must not
  exceed ours (ours is the maximum).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference

import smalltrial as st
from smalltrial import survival as sv

REF = load_reference("turnbull")["cases"]
R_TOL = 2e-3  # R's EM stopping rule (curve change < 5e-5) leaves it up to ~1e-3 from the NPMLE


def frame(case: dict) -> pd.DataFrame:
    left = np.atleast_1d(case["left"]).astype(float)
    right = np.array([math.inf if x is None else x for x in np.atleast_1d(case["right"])], float)
    return pd.DataFrame({"left": left, "right": right})


def r_curve(case: dict, t: float) -> float:
    times = np.atleast_1d(case["time"]).astype(float)
    surv = np.atleast_1d(case["surv"]).astype(float)
    i = np.searchsorted(times, t, side="right") - 1
    return 1.0 if i < 0 else float(surv[i])


@pytest.mark.parametrize("name", sorted(REF))
def test_npmle_satisfies_kkt(name):
    df = frame(REF[name])
    fit = sv.turnbull(df, left="left", right="right")
    p = fit["probability"].to_numpy()
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(p >= 0)
    d = sv.turnbull_kkt(df, left="left", right="right", probability=p)
    assert np.all(d <= 1 + 1e-9)
    assert np.allclose(d[p > 0], 1.0, atol=1e-9)
    assert fit["survival"].to_numpy() == pytest.approx(1 - np.cumsum(p), abs=1e-12)


@pytest.mark.parametrize("name", sorted(REF))
def test_close_to_r_and_at_least_r_likelihood(name):
    case = REF[name]
    df = frame(case)
    fit = sv.turnbull(df, left="left", right="right")
    for u, s in zip(fit["upper"], fit["survival"], strict=True):
        if math.isfinite(u):
            assert s == pytest.approx(r_curve(case, u), abs=R_TOL)
    # R puts each interval's mass at its midpoint: R's masses on our intervals
    rt = np.atleast_1d(case["time"]).astype(float)
    rs = np.concatenate([[1.0], np.atleast_1d(case["surv"]).astype(float)])
    jumps = -np.diff(rs)
    p_r = np.array([jumps[(rt >= lo) & (rt <= hi)].sum() for lo, hi in zip(fit["lower"], fit["upper"], strict=True)])
    p_r = p_r / p_r.sum()
    from smalltrial._turnbull import _innermost

    _, _, _, A = _innermost(df["left"].to_numpy(), df["right"].to_numpy())
    with np.errstate(divide="ignore"):
        ll_r = np.sum(np.log(A @ p_r))
    ll = np.sum(np.log(A @ fit["probability"].to_numpy()))
    assert ll >= ll_r - 1e-12


def test_tied_data_where_r_is_approximate():
    # 'overlapping': R's values differ from the exact NPMLE by > 5e-4 here (documented in
    # DOMAIN.md); ours satisfies KKT (above) and R's do not: R's masses give d_j > 1 somewhere
    case = REF["overlapping"]
    fit = sv.turnbull(frame(case), left="left", right="right")
    r2 = r_curve(case, 2.0)
    assert abs(fit["survival"].iloc[0] - r2) > 5e-4
    # the exact NPMLE is symmetric here: S after (1,2] = 1 - S after (5,6]
    assert fit["survival"].iloc[0] == pytest.approx(1 - fit["survival"].iloc[3], abs=1e-12)


def test_exact_time_inside_an_interval_hand_solution():
    # (3,7], exact 5, (1,4], (6,inf): innermost (3,4], [5,5], (6,7]; likelihood
    # (p1+p2+p3) p2 p1 p3 with p1+p2+p3 = 1 -> p1 = p2 = p3 = 1/3
    fit = sv.turnbull(frame(REF["exact_inside"]), left="left", right="right")
    assert fit["lower"].tolist() == [3, 5, 6]
    assert fit["upper"].tolist() == [4, 5, 7]
    assert fit["probability"].to_numpy() == pytest.approx([1 / 3] * 3, abs=1e-12)


def test_disjoint_intervals_are_empirical_proportions():
    # visits: every subject's interval is one of the disjoint visit windows -> mass = count / n
    fit = sv.turnbull(frame(REF["visits"]), left="left", right="right")
    assert fit["lower"].tolist() == [0, 28, 56, 90, 180, 365]
    assert fit["upper"].tolist()[:-1] == [28, 56, 90, 180, 270] and fit["upper"].iloc[-1] == math.inf
    # (270, inf) is censored after 270: contains (365, inf) only -> mass of 2 subjects together
    assert fit["probability"].to_numpy() == pytest.approx(np.array([1, 3, 3, 2, 1, 2]) / 12, abs=1e-12)


def test_exact_and_right_censored_only_is_kaplan_meier():
    t = np.array([3, 5, 5, 8, 12, 15, 17, 20], float)
    e = np.array([1, 1, 0, 1, 0, 1, 0, 0])
    df = pd.DataFrame({"left": t, "right": np.where(e == 1, t, math.inf)})
    fit = sv.turnbull(df, left="left", right="right")
    km = sv.kaplan_meier(pd.DataFrame({"t": t, "e": e}), time="t", event="e")
    points = fit[fit["lower"] == fit["upper"]]
    assert points["lower"].tolist() == [3, 5, 8, 15]
    assert points["survival"].to_numpy() == pytest.approx(
        km.at(points["lower"])["survival"].to_numpy(), abs=1e-12)


def test_deterministic_and_order_free():
    df = frame(REF["mixed"])
    a = sv.turnbull(df, left="left", right="right")
    b = sv.turnbull(df.iloc[::-1].reset_index(drop=True), left="left", right="right")
    pd.testing.assert_frame_equal(a, b)


def test_n1_and_all_right_censored():
    fit = sv.turnbull(frame(REF["n1"]), left="left", right="right")
    assert fit.to_dict("list") == {"lower": [14.0], "upper": [28.0], "probability": [1.0],
                                   "survival": [0.0]}
    cens = sv.turnbull(pd.DataFrame({"l": [5.0, 9.0], "r": [math.inf, math.inf]}), left="l", right="r")
    assert cens.to_dict("list") == {"lower": [9.0], "upper": [math.inf], "probability": [1.0],
                                    "survival": [0.0]}


# -- bad input ---------------------------------------------------------------------------


def test_left_greater_than_right_raises():
    df = pd.DataFrame({"left": [28.0, 56.0], "right": [56.0, 28.0]})
    with pytest.raises(st.SmallTrialError, match=r"left=56 > right=28"):
        sv.turnbull(df, left="left", right="right")


@pytest.mark.parametrize(
    ("left", "right", "match"),
    [
        ([-1.0], [3.0], "'left'.*>= 0"),
        ([math.nan], [3.0], "'left'"),
        ([math.inf], [math.inf], "'left'"),
        ([1.0], [math.nan], "right = inf"),
        (["a"], [3.0], "'left'"),
    ],
)
def test_bad_intervals(left, right, match):
    with pytest.raises(st.SmallTrialError, match=match):
        sv.turnbull(pd.DataFrame({"left": left, "right": right}), left="left", right="right")


def test_bad_columns_and_empty():
    df = pd.DataFrame({"left": [1.0], "right": [2.0]})
    with pytest.raises(st.SmallTrialError, match="'lo'"):
        sv.turnbull(df, left="lo", right="right")
    with pytest.raises(st.SmallTrialError, match="empty"):
        sv.turnbull(df.iloc[:0], left="left", right="right")
    with pytest.raises(st.SmallTrialError, match="probability has 2 values"):
        sv.turnbull_kkt(df, left="left", right="right", probability=[0.5, 0.5])


# -- intervals from measurements, imputations ---------------------------------------------


def measurements() -> pd.DataFrame:
    rows = [
        # a: negative at 28 (BLQ), 56; positive at 90 -> (56, 90]
        ("a", 0, 80.0, False), ("a", 28, 1.0, True), ("a", 56, 4.0, False), ("a", 90, 25.0, False),
        ("a", 180, 40.0, False),
        # b: never positive -> (180, inf)
        ("b", 0, 60.0, False), ("b", 28, 1.0, True), ("b", 180, 9.9, False),
        # c: positive at the first post-infusion visit -> (0, 28]
        ("c", 0, 50.0, False), ("c", 28, 10.0, False), ("c", 56, 3.0, False),
        # d: value exactly at the threshold counts as positive; missing value skipped
        ("d", 0, 70.0, False), ("d", 14, None, False), ("d", 28, 2.0, False), ("d", 56, 10.0, False),
    ]
    df = pd.DataFrame(rows, columns=["subject", "day", "value", "blq"])
    other = df.assign(parameter="car_t", value=99.0)
    return pd.concat([df.assign(parameter="cd19_bcells"), other], ignore_index=True)


def test_interval_from_measurements_last_negative_first_positive():
    out = sv.interval_from_measurements(measurements(), "cd19_bcells", threshold=10)
    assert out.to_dict("list") == {
        "subject": ["a", "b", "c", "d"],
        "left": [56.0, 180.0, 0.0, 28.0],
        "right": [90.0, math.inf, 28.0, 56.0],
    }


def test_interval_from_measurements_below_and_blq():
    # direction="below": positive when value <= 2 or BLQ (e.g. B-cell aplasia)
    out = sv.interval_from_measurements(measurements(), "cd19_bcells", threshold=2, direction="below")
    # a, b: BLQ at day 28; c: 10 and 3 are both > 2 (never, censored at 56); d: 2.0 <= 2 at 28
    assert out["subject"].tolist() == ["a", "b", "c", "d"]
    assert out["right"].tolist() == [28.0, 28.0, math.inf, 28.0]
    assert out["left"].tolist() == [0.0, 0.0, 56.0, 0.0]


def test_interval_from_trial_feeds_turnbull():
    trial = st.datasets.load(st.datasets.names()[0])
    out = sv.interval_from_measurements(trial, "cd19_bcells", threshold=10)
    assert (out["left"] < out["right"]).all()
    fit = sv.turnbull(out, left="left", right="right")
    d = sv.turnbull_kkt(out, left="left", right="right", probability=fit["probability"])
    assert np.all(d <= 1 + 1e-9)


def test_interval_from_measurements_bad_input():
    with pytest.raises(st.SmallTrialError, match="parameter='cd20'"):
        sv.interval_from_measurements(measurements(), "cd20", threshold=10)
    with pytest.raises(st.SmallTrialError, match="threshold"):
        sv.interval_from_measurements(measurements(), "cd19_bcells", threshold="10")
    with pytest.raises(st.SmallTrialError, match="direction"):
        sv.interval_from_measurements(measurements(), "cd19_bcells", threshold=10, direction="up")
    bad = measurements().astype({"value": object})
    bad.loc[2, "value"] = "<10"
    with pytest.raises(st.SmallTrialError, match="'value' of measurements .* '<10'"):
        sv.interval_from_measurements(bad, "cd19_bcells", threshold=10)
    with pytest.raises(st.SmallTrialError, match="'day'"):
        sv.interval_from_measurements(measurements().drop(columns="day"), "cd19_bcells", threshold=10)


def test_imputations():
    df = pd.DataFrame({"left": [28.0, 56.0, 90.0, 7.0], "right": [56.0, 90.0, math.inf, 7.0]})
    mid = sv.impute_interval_times(df, left="left", right="right")
    assert mid["time"].tolist() == [42.0, 73.0, 90.0, 7.0]
    assert mid["event"].tolist() == [1, 1, 0, 1]
    rp = sv.impute_interval_times(df, left="left", right="right", method="right")
    assert rp["time"].tolist() == [56.0, 90.0, 90.0, 7.0]
    km = sv.kaplan_meier(rp, time="time", event="event")
    assert km.at(60)["survival"].iloc[0] == pytest.approx(0.5)  # hand: (3/4 at 7) * (2/3 at 56)
    with pytest.raises(st.SmallTrialError, match="method"):
        sv.impute_interval_times(df, left="left", right="right", method="left")
