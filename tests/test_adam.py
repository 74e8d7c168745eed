"""ADaM input: ADSL + ADLB/ADTTE/ADAE/ADRS as SAS XPORT v5 and v8 (written by R haven, see
tests/reference/adam/make_adam.R), .sas7bdat, study days, and the ADTTE endpoints against R."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import smalltrial as st
from smalltrial import survival as sv
from smalltrial.trial import read_adam, read_trial, study_day

ADAM = Path(__file__).parent / "reference" / "adam"


@pytest.fixture(scope="module")
def trial():
    return read_adam(ADAM / "xpt_v5")


def test_xpt_v8_reads_the_same_as_v5():
    """pandas reads only XPORT v5; pyreadstat reads v8 too, with identical content."""
    with pytest.raises(ValueError):
        pd.read_sas(ADAM / "xpt_v8" / "adsl.xpt", format="xport")
    v5, v8 = read_adam(ADAM / "xpt_v5"), read_adam(ADAM / "xpt_v8")
    for table in ("subjects", "measurements", "events", "parameters", "adverse_events",
                  "time_to_event_data"):
        pd.testing.assert_frame_equal(getattr(v5, table), getattr(v8, table))


def test_real_shaped_adam_validates(trial, reference):
    ref = reference("adam")
    assert trial.subjects["subject"].tolist() == ref["subjects"]
    assert trial.subjects["cohort"].tolist() == ["LBCL"] * 3 + ["FL"] * 3
    assert trial.validate() == []   # PFS rows, analysis records and last contact all accepted
    lc = trial.follow_up_days()
    # last contact = LSTALVDT - TRTSDT (R), never before a dated record of the subject
    assert lc.tolist() == ref["last_contact"]


def test_adlb_analysis_records_and_study_days(trial, reference):
    ref = reference("adam")
    m = trial.measurements
    cd19 = m[m["parameter"] == "cd19"]
    # STUDY-01 has two WEEK 4 records; ANL01FL marks the analysis one (AVAL 0.5, not 0.7)
    s1 = cd19[cd19["subject"] == "STUDY-01"]
    assert s1["value"].tolist() == [150.0, 2.0, 0.5, 35.0]
    # days from infusion computed by R from the dates (ADT - TRTSDT), before/on/after infusion
    keep = [0, 1, 2, 4, 5, 6]  # the ANL01FL records
    assert cd19["day"].tolist() == [ref["adlb_day"][i] for i in keep]
    assert study_day([ref["adlb_ady"][i] for i in keep]) == [ref["adlb_day"][i] for i in keep]


def test_adtte_endpoints_are_aval_and_one_minus_cnsr(trial, reference):
    ref = reference("adam")
    pfs = sv.time_to_event(trial, "pfs")
    assert pfs["subject"].tolist() == ref["subjects"]
    assert pfs["time"].tolist() == ref["pfs_aval"]
    assert pfs["event"].tolist() == ref["pfs_event"]
    # the censored STUDY-02 keeps ADTTE's own censoring time (AVAL 43), not its last contact (181)
    assert pfs.loc[1, "time"] == 43.0 and trial.follow_up_days()["STUDY-02"] == 181
    os_ = sv.time_to_event(trial, "os")
    assert os_["time"].tolist() == ref["os_aval"] and os_["event"].tolist() == ref["os_event"]
    assert pfs.attrs["excluded"] == []
    with pytest.raises(st.SmallTrialError, match="ADTTE parameter"):
        sv.time_to_event(trial, "pfs", origin="remission")


@pytest.mark.parametrize("param", ["pfs", "os"])
def test_km_of_adtte_endpoint_matches_survfit(trial, reference, param):
    ref = reference("adam")["km_" + param]
    km = sv.kaplan_meier(sv.time_to_event(trial, param), time="time", event="event")
    tab = km.table
    assert tab["time"].tolist() == ref["time"]
    assert tab["n_risk"].tolist() == ref["n_risk"]
    assert tab["n_event"].tolist() == ref["n_event"]
    np.testing.assert_allclose(tab["survival"], ref["survival"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(tab["std_error"], ref["std_error"], rtol=0, atol=1e-10)
    for col in ("lower", "upper"):
        want = np.array([np.nan if v in (None, "NA") else v for v in ref[col]], dtype=float)
        np.testing.assert_allclose(tab[col].to_numpy(float), want, rtol=0, atol=1e-8)
    want_median = np.nan if ref["median"] in (None, "NA") else ref["median"]
    assert km.median.estimate == pytest.approx(want_median, nan_ok=True)


def test_adae_mapping(trial):
    ae = trial.adverse_events
    # the pre-treatment Pyrexia of STUDY-01 (TRTEMFL blank) is dropped
    assert ae["subject"].tolist() == ["STUDY-01", "STUDY-01", "STUDY-02", "STUDY-03", "STUDY-04",
                                      "STUDY-06"]
    assert ae["term"].tolist()[:2] == ["Cytokine release syndrome", "Neutropenia"]
    # ATOXGR text "4" -> 4; STUDY-03 has no ATOXGR, AESEV MODERATE -> grade 2 (CTCAE wording)
    assert ae["grade"].tolist() == [2, 4, 3, 2, 1, 2]
    assert ae["day"].tolist() == [1, 8, 14, 7, 29, 4]          # ASTDY 2 -> day 1, ...
    assert ae["end_day"].tolist()[:5] == [5, 29, 39, 19, 30] and np.isnan(ae["end_day"].iloc[5])
    assert ae["serious"].tolist() == [True, True, False, False, False, False]
    assert ae["related"].tolist() == [True, True, True, True, False, True]
    assert ae["severity"].tolist()[0] == "MODERATE"
    counts = st.summaries.adverse_events(trial)
    neut = counts[(counts["level"] == "term") & (counts["term"] == "Neutropenia")].iloc[0]
    assert (neut["n"], neut["N"], neut["grade_4"]) == (3, 6, 1)
    # the ADAE already holds CRS as a term: the event is not counted twice
    crs = counts[counts["term"] == "Cytokine release syndrome"]
    assert crs["n"].tolist() == [1]


def test_adrs_best_overall_response_as_text(trial):
    m = trial.measurements
    bor = m[m["parameter"] == "bor"].set_index("subject")
    assert bor["value_text"].to_dict() == {"STUDY-01": "CR", "STUDY-02": "SD", "STUDY-03": "NE"}
    # no date on a subject-level BOR: placed on the subject's last contact
    assert bor["day"].tolist() == [300, 181, 240]
    assert np.isnan(bor.loc["STUDY-03", "value"])
    resp = m[m["parameter"] == "ovrlresp"]
    assert resp[["subject", "day", "value_text"]].values.tolist() == [
        ["STUDY-01", 28, "PR"], ["STUDY-01", 84, "CR"], ["STUDY-02", 28, "SD"]]


def test_read_trial_detects_adam_and_csv_copy_agrees(trial, tmp_path):
    for name in ("adsl", "adlb", "adtte", "adae", "adrs"):
        frame = pd.read_sas(ADAM / "xpt_v5" / f"{name}.xpt", format="xport", encoding="utf-8")
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].replace("", np.nan)
        for col in ("TRTSDT", "LSTALVDT", "ADT", "STARTDT"):
            if col in frame.columns:
                frame[col] = pd.to_datetime(frame[col], unit="D", origin="1960-01-01").dt.strftime("%Y-%m-%d")
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    back = read_trial(tmp_path)
    pd.testing.assert_frame_equal(back.time_to_event_data, trial.time_to_event_data)
    pd.testing.assert_frame_equal(back.adverse_events, trial.adverse_events)
    assert back.follow_up_days().equals(trial.follow_up_days())


def test_sas7bdat_reader_path(tmp_path):
    """haven cannot write .sas7bdat portably; its bundled iris.sas7bdat tests the reader path."""
    from smalltrial.trial import _read_table

    iris = _read_table(ADAM / "iris.sas7bdat")
    assert iris.shape == (150, 5)
    assert list(iris.columns) == ["Sepal_Length", "Sepal_Width", "Petal_Length", "Petal_Width",
                                  "Species"]
    # as R haven::read_sas reads it (the file stores the species names cut to 6 characters)
    assert iris["Species"].value_counts().to_dict() == {"setosa": 50, "versic": 50, "virgin": 50}
    (tmp_path / "broken.sas7bdat").write_bytes(b"not a SAS file")
    with pytest.raises(st.SmallTrialError, match="cannot read .*broken.sas7bdat"):
        _read_table(tmp_path / "broken.sas7bdat")
    (tmp_path / "broken.xpt").write_bytes(b"not a SAS file")
    with pytest.raises(st.SmallTrialError, match="cannot read .*broken.xpt"):
        _read_table(tmp_path / "broken.xpt")


@pytest.mark.parametrize(("ady", "day"), [(-10, -10), (-1, -1), (1, 0), (2, 1), (29, 28)])
def test_study_day_both_ways(ady, day):
    """CDISC: the reference date is study day 1, the day before -1 (no day 0); smalltrial: 0."""
    assert study_day(ady) == day
    assert study_day(day, to="ady") == ady
    series = pd.Series([ady], index=["x"])
    assert study_day(series).equals(pd.Series([day], index=["x"]))
    assert study_day(np.array([ady])).tolist() == [day]


def test_study_day_rejects_day_zero_and_bad_values():
    with pytest.raises(st.SmallTrialError, match="CDISC study day 0 does not exist"):
        study_day([3, 0])
    with pytest.raises(st.SmallTrialError, match="study days must be numbers; got 'x'"):
        study_day(["x"])
    with pytest.raises(st.SmallTrialError, match="to must be 'day' or 'ady'; got 'iso'"):
        study_day(1, to="iso")
    assert np.isnan(study_day([np.nan, 2.0])[0])


def test_adam_study_day_zero_names_table_and_column(tmp_path):
    shutil.copy(ADAM / "xpt_v5" / "adsl.xpt", tmp_path / "adsl.xpt")
    pd.DataFrame({"USUBJID": ["STUDY-01"], "AEDECOD": ["Rash"], "AEBODSYS": ["Skin"],
                  "ATOXGR": [1], "ASTDY": [0]}).to_csv(tmp_path / "adae.csv", index=False)
    with pytest.raises(st.SmallTrialError, match="ADAE: column 'ASTDY' contains 0"):
        read_adam(tmp_path)


def _adsl(folder: Path, lstalvdt: str = "2024-04-10") -> None:
    pd.DataFrame({"USUBJID": ["S1"], "SEX": ["F"], "AGE": [40], "ARM": ["CAR-T"],
                  "TRTSDT": ["2024-01-10"], "LSTALVDT": [lstalvdt]}).to_csv(
        folder / "adsl.csv", index=False)


def test_adlb_dtype_and_end_of_treatment_copies(tmp_path):
    _adsl(tmp_path)
    pd.DataFrame({
        "USUBJID": "S1", "PARAMCD": "ALB", "AVAL": [40.0, 38.0, 39.0, 38.0, 38.0],
        "ADY": [-2, 29, 29, 57, 57],
        "AVISIT": ["BASELINE", "WEEK 4", "WEEK 4", "END OF TREATMENT", "WEEK 8"],
        "AVISITN": [0, 4, 4, 99, 8], "DTYPE": [None, None, "AVERAGE", None, None],
    }).to_csv(tmp_path / "adlb.csv", index=False)
    trial = read_adam(tmp_path)
    m = trial.measurements
    # the DTYPE AVERAGE record is derived (dropped); END OF TREATMENT repeats WEEK 8 (kept once,
    # at WEEK 8, the lower AVISITN)
    assert m[["day", "visit", "value"]].values.tolist() == [[-2, "BASELINE", 40.0],
                                                            [28, "WEEK 4", 38.0],
                                                            [56, "WEEK 8", 38.0]]
    assert trial.subjects["cohort"].tolist() == ["CAR-T"]   # ARM when there is no COHORT
    assert trial.validate() == []


def test_last_contact_never_before_an_adtte_event(tmp_path):
    _adsl(tmp_path, lstalvdt="2024-03-01")          # 51 days after TRTSDT
    pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["PFS", "OS"], "AVAL": [61, 90],
                  "CNSR": [0, 1], "STARTDT": "2024-01-10",
                  "ADT": ["2024-03-10", "2024-04-08"]}).to_csv(tmp_path / "adtte.csv", index=False)
    trial = read_adam(tmp_path)
    ev = trial.events
    # the PFS event (ADT - TRTSDT = 60) is after LSTALVDT (51): last contact moves to day 60
    assert ev[["event", "day"]].values.tolist() == [["pfs", 60.0], ["last_contact", 60.0]]
    assert trial.validate() == []
    assert sv.time_to_event(trial, "pfs").to_dict("list") == {"subject": ["S1"], "time": [61.0],
                                                              "event": [1]}
