"""Time-to-event endpoints derived from a Trial: several ending events (PFS), an origin other
than the infusion (duration of remission/response), censoring at the last assessment, competing
events; checked against an independent derivation in R (tests/reference/tte/make_tte.R) and
survfit / cmprsk::cuminc; bad input raises naming column, row/subject and value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import smalltrial as st
from smalltrial import survival as sv
from smalltrial.trial import Trial

TTE = Path(__file__).parent / "reference" / "tte"


def tte_trial() -> Trial:
    events = pd.read_csv(TTE / "events.csv", dtype={"subject": str})
    meas = pd.read_csv(TTE / "assessments.csv", dtype={"subject": str})
    ids = list(dict.fromkeys(events["subject"]))
    subjects = pd.DataFrame({"subject": ids, "cohort": "LBCL", "sex": "F", "age": 50})
    return Trial(subjects, meas, events, name="tte")


def _frame(ref: dict) -> pd.DataFrame:
    return pd.DataFrame(ref).astype({"time": float, "event": np.int64})


def _assert_km(data: pd.DataFrame, ref: dict) -> None:
    tab = sv.kaplan_meier(data, time="time", event="event").table
    assert tab["time"].tolist() == ref["time"]
    assert tab["n_risk"].tolist() == ref["n_risk"]
    np.testing.assert_allclose(tab["survival"], ref["survival"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(tab["std_error"], ref["std_error"], rtol=0, atol=1e-10)
    for col in ("lower", "upper"):
        want = np.array([np.nan if v in (None, "NA") else v for v in ref[col]], dtype=float)
        np.testing.assert_allclose(tab[col].to_numpy(float), want, rtol=0, atol=1e-8)


def test_pfs_progression_or_death(reference):
    ref = reference("tte")
    pfs = sv.time_to_event(tte_trial(), "pfs", events=("progression", "death"))
    pd.testing.assert_frame_equal(pfs, _frame(ref["pfs"]))
    _assert_km(pfs, ref["pfs_km"])


def test_pfs_censored_at_last_tumour_assessment(reference):
    ref = reference("tte")
    pfs = sv.time_to_event(tte_trial(), "pfs", events=("progression", "death"),
                           censor="last_assessment:tumour")
    # P06 has no assessment after infusion: censored at the origin (time 0)
    pd.testing.assert_frame_equal(pfs, _frame(ref["pfs_assess"]))
    _assert_km(pfs, ref["pfs_assess_km"])


def test_duration_of_remission_from_first_remission(reference):
    ref = reference("tte")
    dor = sv.time_to_event(tte_trial(), "duration_of_remission", events="relapse",
                           origin="remission")
    pd.testing.assert_frame_equal(dor, _frame(ref["dor"]))
    assert dor.attrs["excluded"] == ref["dor_excluded"]  # never in remission: footnote, no error
    _assert_km(dor, ref["dor_km"])
    # the same with the origin given as a frame (e.g. ResponseRule.first_day(trial))
    trial = tte_trial()
    first = trial.events[trial.events["event"] == "remission"][["subject", "day"]]
    again = sv.time_to_event(trial, "dor", events="relapse", origin=first)
    pd.testing.assert_frame_equal(again, dor)
    assert again.attrs["excluded"] == ref["dor_excluded"]


def test_relapse_with_competing_death_matches_cuminc(reference):
    ref = reference("tte")
    data = sv.time_to_event(tte_trial(), "relapse", competing="death")
    pd.testing.assert_frame_equal(data, _frame(ref["relapse_competing"]))
    cif = sv.cumulative_incidence(data, time="time", event="event", cause=1)
    tab = cif.table.set_index("time")
    np.testing.assert_allclose(tab.loc[ref["cif_times"], "estimate"], ref["cif_relapse"],
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(tab.loc[ref["cif_times"], "std_error"] ** 2, ref["cif_relapse_var"],
                               rtol=0, atol=1e-10)
    death = sv.cumulative_incidence(data, time="time", event="event", cause=2).table
    np.testing.assert_allclose(death.set_index("time").loc[ref["cif_times"], "estimate"],
                               ref["cif_death"], rtol=0, atol=1e-10)


def test_hand_cases_ties_origin_day_and_event_before_origin():
    ev = pd.DataFrame({
        "subject": ["a", "a", "a", "a", "b", "b", "b", "c", "c", "c"],
        "day": [10, 10, 50, 90, 20, 5, 100, 30, 30, 80],
        "event": ["remission", "relapse", "relapse", "last_contact", "remission", "relapse",
                  "last_contact", "relapse", "death", "last_contact"],
    })
    # a: the relapse on the remission day counts (time 0); b: a relapse before the origin is
    # ignored (censored at last contact: 100 - 20 = 80)
    dor = sv.time_to_event(ev, "relapse", origin="remission")
    assert dor.to_dict("list") == {"subject": ["a", "b"], "time": [0.0, 80.0], "event": [1, 0]}
    assert dor.attrs["excluded"] == ["c"]
    # c: relapse and death on the same day: the endpoint wins over the competing event
    comp = sv.time_to_event(ev, "relapse", competing="death")
    assert comp.to_dict("list") == {"subject": ["a", "b", "c"], "time": [10.0, 5.0, 30.0],
                                    "event": [1, 1, 1]}
    # second relapse after a relapse origin: the origin event itself does not end it
    again = sv.time_to_event(ev, "relapse", origin="relapse")
    assert again.to_dict("list") == {"subject": ["a", "b", "c"], "time": [40.0, 95.0, 50.0],
                                     "event": [1, 0, 0]}


def test_known_name_absent_censors_everyone_misspelling_raises():
    trial = tte_trial()
    icans = sv.time_to_event(trial, "icans")  # a known name nobody had: everyone censored
    assert icans["event"].tolist() == [0] * 10
    with pytest.raises(st.SmallTrialError, match=r"endpoint 'relpase' occurs nowhere .*did you "
                                                 r"mean 'relapse'"):
        sv.time_to_event(trial, "relpase")
    with pytest.raises(st.SmallTrialError, match="event 'progresion' occurs nowhere"):
        sv.time_to_event(trial, "pfs", events=("progresion", "death"))
    with pytest.raises(st.SmallTrialError, match="competing event 'deat' occurs nowhere"):
        sv.time_to_event(trial, "relapse", competing="deat")
    with pytest.raises(st.SmallTrialError, match="origin 'response' occurs for no subject"):
        sv.time_to_event(trial, "relapse", origin="response")
    with pytest.raises(st.SmallTrialError, match="is both ending and competing"):
        sv.time_to_event(trial, "relapse", competing="relapse")
    with pytest.raises(st.SmallTrialError, match="censor must be 'last_contact' or"):
        sv.time_to_event(trial, "relapse", censor="last_visit")
    with pytest.raises(st.SmallTrialError, match="censor: parameter 'tumor' is not in"):
        sv.time_to_event(trial, "relapse", censor="last_assessment:tumor")
    with pytest.raises(st.SmallTrialError, match="origin must be 'infusion', an event name or"):
        sv.time_to_event(trial, "relapse", origin=3)


EV = pd.DataFrame({"subject": ["a", "a", "b", "c"], "day": [120, 400, 300, 365],
                   "event": ["relapse", "last_contact", "last_contact", "last_contact"]})


def test_bad_rows_name_column_row_subject_and_value():
    nan = EV.astype({"day": float})
    nan.loc[0, "day"] = np.nan
    with pytest.raises(st.SmallTrialError,
                       match=r"column 'day' of events must be a finite number; got nan on row 0 "
                             r"\(event 'relapse' subject 'a'\)"):
        sv.time_to_event(nan, "relapse")
    inf = EV.astype({"day": float})
    inf.loc[0, "day"] = np.inf
    with pytest.raises(st.SmallTrialError, match=r"got inf on row 0 \(event 'relapse' subject 'a'\)"):
        sv.time_to_event(inf, "relapse")
    late = EV.copy()
    late.loc[0, "day"] = 450
    with pytest.raises(st.SmallTrialError, match=r"events: 'relapse' of subject 'a' on day 450 is "
                                                 r"after the subject's last_contact \(day 400\)"):
        sv.time_to_event(late, "relapse")
    text = EV.copy().astype({"day": object})
    text.loc[2, "day"] = "soon"
    with pytest.raises(st.SmallTrialError, match=r"got 'soon' on row 2"):
        sv.time_to_event(text, "relapse")


@pytest.mark.parametrize("convert", [
    lambda f: f.astype({"subject": "category"}),
    lambda f: f.astype({"subject": "string", "event": "string"}),
    lambda f: f.astype({"day": "Int64", "event": "category"}),
    lambda f: f.astype({"subject": object, "day": "Float64"}),
])
def test_dtypes_give_the_plain_result(convert):
    """Issue #13: a categorical subject gave times [120, nan, nan] and every event = 1."""
    want = {"subject": ["a", "b", "c"], "time": [120.0, 300.0, 365.0], "event": [1, 0, 0]}
    assert sv.time_to_event(convert(EV), "relapse").to_dict("list") == want


def test_adtte_endpoint_subjects_filter():
    trial = tte_trial()
    tte = pd.DataFrame({"endpoint": "pfs", "subject": ["P01", "P02"], "time": [43.0, 90.0],
                        "event": [0, 1]})
    adam_like = Trial(trial.subjects, trial.measurements, trial.events, time_to_event_data=tte)
    got = sv.time_to_event(adam_like, "pfs", subjects=["P02"])
    assert got.to_dict("list") == {"subject": ["P02"], "time": [90.0], "event": [1]}
    # naming the events derives the endpoint from the events instead
    derived = sv.time_to_event(adam_like, "pfs", events=("progression", "death"))
    assert derived["time"].tolist()[:2] == [400.0, 60.0]
