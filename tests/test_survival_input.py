"""smalltrial.survival: bad input, Trial derivations, follow-up summaries, properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smalltrial import SmallTrialError
from smalltrial import survival as sv

DF = pd.DataFrame({"time": [7, 14, 14, 28], "event": [1, 0, 1, 1], "arm": list("aabb")})


# ---- bad input: SmallTrialError naming the column/argument and the value --------------------


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (DF.assign(time=[7, -1, 14, 28]), r"'time'.*>= 0.*-1"),
        (DF.assign(time=[7, np.nan, 14, 28]), r"'time'.*missing"),
        (DF.assign(time=[7, np.inf, 14, 28]), r"'time'.*inf"),
        (DF.assign(time=["7", "x", "14", "28"]), r"'time'.*numeric.*'x'"),
        (DF.assign(event=[1, 2, 0, 1]), r"'event'.*0 \(censored\) or 1.*2"),
        (DF.assign(event=[1, np.nan, 0, 1]), r"'event'.*missing"),
        (DF.iloc[:0], r"data is empty"),
        (DF.drop(columns="event"), r"no column 'event'"),
    ],
)
def test_bad_data_raises(data, match):
    with pytest.raises(SmallTrialError, match=match):
        sv.kaplan_meier(data, time="time", event="event")
    with pytest.raises(SmallTrialError, match=match):
        sv.median_follow_up(data, time="time", event="event")


def test_bad_options_raise():
    with pytest.raises(SmallTrialError, match="conf_type.*'log-log'.*'logit'"):
        sv.kaplan_meier(DF, time="time", event="event", conf_type="logit")
    for level in (0, 1, 1.5, -0.1, float("nan")):
        with pytest.raises(SmallTrialError, match="level"):
            sv.kaplan_meier(DF, time="time", event="event", level=level)
    with pytest.raises(SmallTrialError, match="data must be a pandas DataFrame"):
        sv.kaplan_meier({"time": [1]}, time="time", event="event")
    km = sv.kaplan_meier(DF, time="time", event="event")
    for p in (0, 1, 1.2, float("nan")):
        with pytest.raises(SmallTrialError, match="p must"):
            km.quantile(p)
    with pytest.raises(SmallTrialError, match="times must be finite"):
        km.at([1, float("nan")])


def test_logrank_bad_input():
    with pytest.raises(SmallTrialError, match="at least 2 groups"):
        sv.logrank_test(DF.assign(arm="a"), time="time", event="event", group="arm")
    with pytest.raises(SmallTrialError, match="no column 'cohort'"):
        sv.logrank_test(DF, time="time", event="event", group="cohort")
    with pytest.raises(SmallTrialError, match="'arm'.*missing"):
        sv.logrank_test(DF.assign(arm=["a", None, "b", "b"]), time="time", event="event",
                        group="arm")


def test_event_rate_bad_input():
    for events in (-1, 1.5, float("nan"), True):
        with pytest.raises(SmallTrialError, match="events"):
            sv.event_rate(events, 10.0)
    for exposure in (0, -2.0, float("inf")):
        with pytest.raises(SmallTrialError, match="exposure"):
            sv.event_rate(1, exposure)
    with pytest.raises(SmallTrialError, match="alternative"):
        sv.event_rate(1, 1.0, alternative="two.sided")


def test_cumulative_incidence_bad_input():
    df = pd.DataFrame({"t": [1, 2, 3], "ev": [1, 2, 0]})
    with pytest.raises(SmallTrialError, match=r"'ev'.*whole-number codes.*-1"):
        sv.cumulative_incidence(df.assign(ev=[1, -1, 0]), time="t", event="ev")
    with pytest.raises(SmallTrialError, match=r"'ev'.*declared causes \[1, 2\]: \[3\]"):
        sv.cumulative_incidence(df.assign(ev=[1, 3, 0]), time="t", event="ev", causes=[1, 2])
    with pytest.raises(SmallTrialError, match="cause 4 is not among"):
        sv.cumulative_incidence(df, time="t", event="ev", cause=4, causes=[1, 2])
    with pytest.raises(SmallTrialError, match="cause must not be 0"):
        sv.cumulative_incidence(df, time="t", event="ev", cause=0)
    with pytest.raises(SmallTrialError, match="'t'.*>= 0"):
        sv.cumulative_incidence(df.assign(t=[1, -2, 3]), time="t", event="ev")
    with pytest.raises(SmallTrialError, match="'ev'.*missing"):
        sv.cumulative_incidence(df.assign(ev=[1, None, 0]), time="t", event="ev")


def test_cause_without_events_is_zero():
    df = pd.DataFrame({"t": [2, 4, 6], "ev": [2, 0, 2]})
    with pytest.raises(SmallTrialError, match=r"cause 1 does not occur in column 'ev'.*codes present: 2"):
        sv.cumulative_incidence(df, time="t", event="ev", cause=1)  # a typo is not a zero curve
    ci = sv.cumulative_incidence(df, time="t", event="ev", cause=1, causes=[1, 2])
    assert ci.events == 0 and ci.competing == 2
    assert ci.table["estimate"].tolist() == [0.0, 0.0, 0.0]
    assert ci.at([7])["estimate"].isna().all()  # past the last follow-up, as cmprsk


# ---- derivations ----------------------------------------------------------------------------

EVENTS = pd.DataFrame(
    {
        "subject": ["s1", "s1", "s1", "s2", "s2", "s3", "s3"],
        "day": [60, 150, 400, 95, 300, 210, 210],
        "event": ["remission", "relapse", "last_contact", "relapse", "last_contact",
                  "relapse", "last_contact"],
        "grade": np.nan,
    }
)
BCELLS = pd.DataFrame(
    {
        "subject": ["s1"] * 5 + ["s2"] * 3 + ["s3"] * 2,
        "day": [-7, 28, 84, 112, 140, -3, 90, 180, -5, 0],
        "parameter": "cd19_bcells",
        "value": [150.0, 1.0, 12.0, 40.0, 80.0, 90.0, 1.0, 9.9, 200.0, 300.0],
        "unit": "cells/uL",
        "blq": [False, True, True, False, False, False, True, False, False, False],
    }
)


class FakeTrial:
    measurements = BCELLS
    events = EVENTS


def test_time_to_event_first_event_else_last_contact():
    out = sv.time_to_event(EVENTS, "relapse")
    assert out.to_dict("list") == {"subject": ["s1", "s2", "s3"], "time": [150.0, 95.0, 210.0],
                                   "event": [1, 1, 1]}
    none = sv.time_to_event(EVENTS, "icans")  # no such event: everyone censored at last contact
    assert none["time"].tolist() == [400.0, 300.0, 210.0] and none["event"].sum() == 0
    assert sv.time_to_event(FakeTrial(), "remission")["event"].tolist() == [1, 0, 0]
    assert sv.relapse_free_time(FakeTrial()).equals(out)


def test_b_cell_reconstitution_threshold_blq_and_censoring():
    out = sv.b_cell_reconstitution(FakeTrial())
    # s1: day 84 has value 12 but is flagged BLQ -> does not count; day 112 (40) does.
    # s2: 9.9 < 10 -> censored at the last post-infusion measurement (day 180).
    # s3: only day <= 0 values (pre-infusion) -> censored at day 0.
    assert out.to_dict("list") == {"subject": ["s1", "s2", "s3"], "time": [112.0, 180.0, 0.0],
                                   "event": [1, 0, 0]}
    lc = sv.b_cell_reconstitution(FakeTrial(), censor_at="last_contact")
    assert lc["time"].tolist() == [112.0, 300.0, 210.0]
    low = sv.b_cell_reconstitution(measurements=BCELLS, events=EVENTS, threshold=9.9)
    assert low["time"].tolist() == [112.0, 180.0, 0.0] and low["event"].tolist() == [1, 1, 0]
    with pytest.raises(SmallTrialError, match="parameter 'cd20'"):
        sv.b_cell_reconstitution(FakeTrial(), parameter="cd20")


def test_b_cell_reconstitution_dtypes_and_bad_days():
    """Issue #13: categorical/nullable columns give the plain result; a NaN day is an error."""
    want = sv.b_cell_reconstitution(FakeTrial())
    cat = BCELLS.astype({"subject": "category", "day": "Int64", "blq": "boolean"})
    ev = EVENTS.astype({"subject": "string", "event": "category"})
    got = sv.b_cell_reconstitution(measurements=cat, events=ev)
    pd.testing.assert_frame_equal(got, want)
    bad = BCELLS.astype({"day": float})
    bad.loc[3, "day"] = np.nan
    with pytest.raises(SmallTrialError, match=r"column 'day' of measurements must be a finite "
                                              r"number; got nan on row 3 .*subject 's1'"):
        sv.b_cell_reconstitution(measurements=bad, events=EVENTS)


def test_derivations_missing_last_contact():
    ev = EVENTS[~((EVENTS.subject == "s2") & (EVENTS.event == "last_contact"))]
    with pytest.raises(SmallTrialError, match="last_contact.*'s2'"):
        sv.time_to_event(ev, "relapse", subjects=["s1", "s2"])
    with pytest.raises(SmallTrialError, match="more than one 'last_contact'.*'s1'"):
        sv.time_to_event(pd.concat([EVENTS, EVENTS.iloc[[2]]]), "relapse")


def test_bundled_trial_b_cells_agree_with_event_table():
    from smalltrial import datasets

    trial = datasets.load("mackensen2022")
    derived = sv.b_cell_reconstitution(trial)
    recorded = sv.time_to_event(trial, "b_cell_reconstitution")
    pd.testing.assert_frame_equal(derived, recorded)
    rft = sv.relapse_free_time(trial)
    assert rft["event"].sum() == 0  # no relapse published (DOMAIN.md)
    km = sv.kaplan_meier(rft, time="time", event="event")
    assert math.isnan(km.median.estimate)


# ---- follow-up summary ----------------------------------------------------------------------


def test_follow_up_summary_by_hand():
    df = pd.DataFrame({"day": [152, 243, 243, 365, 517], "relapse": [0, 0, 0, 0, 0]})
    s = sv.follow_up_summary(df, time="day", event="relapse")
    assert (s.n, s.median, s.minimum, s.maximum, s.total_time) == (5, 243.0, 152.0, 517.0, 1520.0)
    assert s.person_years == pytest.approx(1520 / 365.25, rel=1e-12)
    # reverse KM with no events: every follow-up time is a "censoring event": S = 4/5, 2/5 at
    # 152, 243 -> median 243
    assert s.median_reverse_km == 243.0
    m = sv.follow_up_summary(df.assign(month=df.day / 30.4375), time="month", time_unit="month")
    assert m.person_years == pytest.approx(1520 / 365.25, rel=1e-12)
    assert math.isnan(m.median_reverse_km)


# ---- properties -----------------------------------------------------------------------------

samples = st.lists(
    st.tuples(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=1)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(samples)
def test_km_equals_lifelines_point_estimate_and_log_log_ci(rows):
    from lifelines import KaplanMeierFitter

    t = np.array([r[0] for r in rows], dtype=float)
    e = np.array([r[1] for r in rows])
    km = sv.kaplan_meier(pd.DataFrame({"t": t, "e": e}), time="t", event="e")
    fit = KaplanMeierFitter().fit(t, e)
    sf = fit.survival_function_.iloc[:, 0]
    ci = fit.confidence_interval_survival_function_
    tab = km.table
    np.testing.assert_allclose(tab["survival"], sf.loc[tab["time"]].to_numpy(), atol=1e-12)
    inside = ((tab["survival"] > 0) & (tab["survival"] < 1)).to_numpy()
    np.testing.assert_allclose(tab["lower"][inside], ci.iloc[:, 0].loc[tab["time"]][inside],
                               atol=1e-10)
    # at() reproduces the table at the observed times, and n_risk is the risk set
    at = km.at(tab["time"])
    np.testing.assert_array_equal(at["survival"], tab["survival"])
    np.testing.assert_array_equal(at["n_risk"], tab["n_risk"])


@settings(max_examples=25, deadline=None)
@given(samples)
def test_single_cause_incidence_is_one_minus_km(rows):
    t = np.array([r[0] for r in rows], dtype=float)
    e = np.array([r[1] for r in rows])
    df = pd.DataFrame({"t": t, "e": e})
    ci = sv.cumulative_incidence(df, time="t", event="e", cause=1, causes=[1])
    km = sv.kaplan_meier(df, time="t", event="e")
    np.testing.assert_allclose(ci.table["estimate"], 1 - km.table["survival"], atol=1e-12)


# ---- bad input names the argument / column and the value (quality pass) ----


def test_bad_times_and_frames_name_argument_and_value():
    df = pd.DataFrame({"t": [3, 5, 5, 8], "e": [1, 1, 0, 1]})
    km = sv.kaplan_meier(df, time="t", event="e")
    with pytest.raises(SmallTrialError, match=r"times must be numbers, got \['a'\]"):
        km.at(["a"])
    with pytest.raises(SmallTrialError, match=r"times must be a scalar or a 1-d sequence, got shape \(2, 2\)"):
        km.at([[1, 2], [3, 4]])
    with pytest.raises(SmallTrialError, match=r"column 'e' must hold event codes \(0 = censored\), got booleans"):
        sv.cumulative_incidence(df.assign(e=df["e"].astype(bool)), time="t", event="e", cause=1)
    with pytest.raises(SmallTrialError, match=r"trial_or_events must be a Trial \(with .events\) or a DataFrame of events, got list"):
        sv.time_to_event([1, 2])
    with pytest.raises(SmallTrialError, match=r"trial must be a Trial \(with .measurements\)"):
        sv.b_cell_reconstitution(None)
    with pytest.raises(SmallTrialError, match="events has no 'last_contact' rows"):
        sv.relapse_free_time(pd.DataFrame({"subject": ["a"], "day": [3], "event": ["relapse"]}))


def test_km_docstring_examples_match_survfit():
    # R (tests/reference/docexamples/make_docexamples.R): survfit(Surv(t, e) ~ 1 / ~ g,
    # conf.type = "log-log"), summary(times = ...), quantile(0.5); NA = not reached
    from conftest import load_reference

    ref = load_reference("docexamples")
    df = pd.DataFrame({"t": [3, 5, 5, 8, 12, 15, 4, 6, 9, 10],
                       "e": [1, 1, 0, 1, 0, 1, 1, 0, 1, 1], "g": ["A"] * 6 + ["B"] * 4})
    one = sv.kaplan_meier(df[df["g"] == "A"], time="t", event="e").at([6, 12])
    for col in ("time", "n_risk", "survival", "std_error", "lower", "upper"):
        np.testing.assert_allclose(one[col].astype(float), ref["km_one"][col], rtol=1e-8)
    fits = sv.kaplan_meier(df, time="t", event="e", group="g")
    at6 = fits.at(6)
    assert at6["g"].tolist() == ["A", "B"]
    grp = ref["km_groups"]
    np.testing.assert_allclose(at6["survival"], grp["survival_at_6"], rtol=1e-8)
    np.testing.assert_allclose(at6["lower"].astype(float), grp["lower_at_6"], rtol=1e-8)
    np.testing.assert_allclose(at6["upper"].astype(float), grp["upper_at_6"], rtol=1e-8)
    q = fits.quantile(0.5)
    assert q["estimate"].tolist() == grp["median"] and q["lower"].tolist() == grp["median_lower"]
    assert grp["median_upper"] == ["NA", "NA"] and q["upper"].isna().all()
    assert fits.summary["events"].tolist() == [4, 3]
    assert fits.table.columns[0] == "g" and len(fits.table) == 5 + 4  # distinct times: A 5, B 4
