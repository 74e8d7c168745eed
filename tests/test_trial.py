"""The Trial data model: validation (every problem at once), loaders and accessors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import smalltrial as st
from smalltrial.trial import DAYS_PER_MONTH, EVENTS, Trial, read_adam, read_trial

REFERENCE_TRIAL = Path(__file__).parent / "reference" / "trial"


def small_trial() -> Trial:
    """A hand-made valid trial: 3 subjects, a few measurements, events."""
    subjects = pd.DataFrame({
        "subject": ["A", "B", "C"], "cohort": ["SLE", "SLE", "IIM"], "sex": ["F", "M", "F"],
        "age": [21, 35, 50],
    })
    measurements = pd.DataFrame({
        "subject": ["A", "A", "A", "B", "B", "C", "C"],
        "day": [-7, 0, 90, -5, 90, -3, 30],
        "visit": ["baseline", "day 0", "month 3", "baseline", "month 3", "baseline", "month 1"],
        "parameter": ["sledai2k", "cd19_bcells", "sledai2k", "sledai2k", "sledai2k", "ck", "ck"],
        "value": [16.0, 1.0, 0.0, 12.0, 2.0, 5000.0, 150.0],
        "unit": ["points", "cells/uL", "points", "points", "points", "U/L", "U/L"],
        "blq": [False, True, False, False, False, False, False],
    })
    events = pd.DataFrame({
        "subject": ["A", "A", "A", "B", "B", "C"],
        "day": [1, 90, 200, 60, 150, 100],
        "event": ["crs", "remission", "last_contact", "remission", "last_contact", "last_contact"],
        "grade": [1.0, np.nan, np.nan, np.nan, np.nan, np.nan],
    })
    return Trial(subjects, measurements, events, description="hand-made test trial", name="small")


def test_valid_trial_has_no_problems():
    trial = small_trial()
    assert trial.validate() == []
    assert trial.validate(raise_on_error=False) == []


def test_validate_reports_every_problem_at_once():
    good = small_trial()
    subjects = good.subjects.copy()
    subjects.loc[1, "sex"] = "X"
    subjects.loc[2, "age"] = -4
    measurements = pd.concat([good.measurements, pd.DataFrame({
        "subject": ["A", "Z", "B", "B"], "day": [90, 10, 14, 400],
        "visit": ["month 3", "day 10", "day 14", "month 13"],
        "parameter": ["sledai2k", "sledai2k", "sledai2k", "sledai2k"],
        "value": [4.0, 2.0, np.nan, 0.0], "unit": ["points"] * 4, "blq": [False] * 4,
    })], ignore_index=True)
    events = pd.concat([good.events, pd.DataFrame({
        "subject": ["A", "B", "C", "C", "Q", "A"],
        "day": [-2, 160, 5, 20, 30, 3],
        "event": ["relapse", "relapse", "Flare up", "last_contact", "remission", "crs"],
        "grade": [np.nan, np.nan, np.nan, np.nan, np.nan, 7.0],
    })], ignore_index=True)
    broken = Trial(subjects, measurements, events, name="broken")
    problems = broken.validate(raise_on_error=False)
    text = "\n".join(problems)
    expected = [
        "subjects: column 'sex' must be 'F' or 'M'; got 'X' (subject 'B')",
        "subjects: column 'age' must be finite and >= 0; got -4.0 (subject 'C')",
        "events: column 'day' must be finite and >= 0 (events happen on or after the infusion, day 0); got -2.0 (subject 'A')",
        "events: column 'event' has invalid event name(s) 'Flare up' (subject 'C'); an event "
        "name is lower-case letters, digits and '_', starting with a letter",
        "events: column 'grade' must be a whole number 1-5 (or empty); got 7.0 (subject 'A')",
        "events: column 'subject' has id(s) not in subjects: 'Q'",
        "events: more than one 'last_contact' event for subject 'C'",
        # Q has no last_contact of its own (reported above); C's latest last_contact (day 100) counts
        "events: 1 event(s) after the subject's last_contact: "
        "{'subject': 'B', 'event': 'relapse', 'day': 160}",
        "measurements: column 'value' has 1 missing value(s) (subject 'B')",
        "measurements: 2 rows share the same (subject, day, parameter): "
        "{'subject': 'A', 'day': 90, 'parameter': 'sledai2k'}",
        "measurements: column 'subject' has id(s) not in subjects: 'Z'",
        "measurements: 1 measurement(s) after the subject's last_contact: "
        "{'subject': 'B', 'day': 400, 'parameter': 'sledai2k'}",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in problems), (message, text)
    assert len(problems) == len(expected), text
    # raising: one SmallTrialError that lists them all
    with pytest.raises(st.SmallTrialError) as info:
        broken.validate()
    assert "12 problem(s)" in str(info.value)
    for p in problems:
        assert p in str(info.value)


def test_validate_missing_columns_and_types():
    good = small_trial()
    subjects = good.subjects.drop(columns=["sex"])
    measurements = good.measurements.drop(columns=["unit"]).assign(day=lambda d: d["day"].astype(str))
    measurements.loc[0, "day"] = "week 1"
    events = good.events.drop(columns=["grade"])
    problems = Trial(subjects, measurements, events).validate(raise_on_error=False)
    assert problems[0] == (
        "subjects: missing column 'sex'; columns present: 'subject', 'cohort', 'age'")
    assert "measurements: missing column 'unit'; columns present:" in problems[1]
    assert problems[2].startswith("events: missing column 'grade'")
    assert "measurements: column 'day' must be numeric; got 'week 1' (subject 'A')" in problems


def test_validate_last_contact_missing_and_grade_missing():
    good = small_trial()
    events = good.events[~((good.events["subject"] == "C") & (good.events["event"] == "last_contact"))]
    events = pd.concat([events, pd.DataFrame({"subject": ["B"], "day": [2], "event": ["icans"],
                                              "grade": [np.nan]})], ignore_index=True)
    problems = Trial(good.subjects, good.measurements, events).validate(raise_on_error=False)
    assert problems == [
        "events: column 'grade' is missing for 1 crs/icans event(s) (subject 'B')",
        "events: no 'last_contact' event for subject 'C'",
    ]


def test_validate_parameters_table_units():
    good = small_trial()
    params = pd.DataFrame({
        "parameter": ["sledai2k", "cd19_bcells"], "label": ["SLEDAI-2K", "B cells"],
        "unit": ["points", "cells/mL"], "lower_limit": [np.nan, 100], "upper_limit": [np.nan, 500],
        "lloq": [np.nan, 1],
    })
    trial = Trial(good.subjects, good.measurements, good.events, params)
    assert trial.validate(raise_on_error=False) == [
        "parameters: no row for parameter(s) 'ck' used in measurements",
        "measurements: column 'unit' of parameter 'cd19_bcells' is 'cells/uL' but parameters says 'cells/mL'",
    ]


def test_validate_blq_value_is_the_lloq():
    good = small_trial()
    params = pd.DataFrame({
        "parameter": ["sledai2k", "cd19_bcells", "ck"], "label": ["SLEDAI-2K", "B cells", "CK"],
        "unit": ["points", "cells/uL", "U/L"], "lower_limit": [np.nan, 100, np.nan],
        "upper_limit": [np.nan, 500, 190], "lloq": [np.nan, 1, np.nan],
    })
    assert Trial(good.subjects, good.measurements, good.events, params).validate() == []
    meas = good.measurements.copy()
    meas.loc[1, "value"] = 0.0   # BLQ B cells must carry the LLOQ (1 cell/uL), not 0
    assert Trial(good.subjects, meas, good.events, params).validate(raise_on_error=False) == [
        "measurements: 1 row(s) with blq=True whose value is not the parameter's lloq: "
        "{'subject': 'A', 'parameter': 'cd19_bcells', 'value': 0.0}"
    ]


def test_not_a_dataframe():
    problems = Trial([1, 2], small_trial().measurements, small_trial().events).validate(
        raise_on_error=False)
    assert problems == ["subjects: must be a pandas DataFrame, got list"]


# ----------------------------------------------------------------------------- loaders
def _assert_same(a: Trial, b: Trial, *, events_sorted: bool = False):
    pd.testing.assert_frame_equal(a.subjects, b.subjects)
    pd.testing.assert_frame_equal(a.measurements, b.measurements)
    ea, eb = a.events, b.events
    if events_sorted:
        key = ["subject", "day", "event"]
        ea = ea.sort_values(key).reset_index(drop=True)
        eb = eb.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(ea, eb, check_dtype=False)


def test_csv_round_trip(tmp_path):
    trial = st.datasets.load("mackensen2022")
    folder = trial.to_folder(tmp_path / "mk")
    assert sorted(p.name for p in folder.iterdir()) == [
        "description.md", "events.csv", "measurements.csv", "parameters.csv", "subjects.csv"]
    back = read_trial(folder)
    _assert_same(trial, back)
    pd.testing.assert_frame_equal(trial.parameters, back.parameters)
    assert back.description == trial.description
    assert back.name == "mk"
    assert back.validate() == []


def test_small_trial_round_trip_keeps_types(tmp_path):
    trial = small_trial()
    back = read_trial(trial.to_folder(tmp_path))
    _assert_same(trial, back)
    assert back.measurements["blq"].dtype == bool
    assert back.events["grade"].dtype == float
    assert back.parameters is None


def test_parquet_round_trip(tmp_path):
    pytest.importorskip("pyarrow")
    trial = st.datasets.load("muller2024")
    back = read_trial(trial.to_folder(tmp_path, format="parquet"))
    _assert_same(trial, back)


def test_adam_round_trip(tmp_path):
    trial = st.datasets.load("mackensen2022")
    folder = trial.to_adam(tmp_path / "adam")
    adlb = pd.read_csv(folder / "adlb.csv")
    # CDISC study days have no day 0: baseline day -9 stays -9, day 7 becomes ADY 8
    mk01 = adlb[(adlb["USUBJID"] == "MK01") & (adlb["PARAMCD"] == "SLEDAI2K")]
    assert mk01["ADY"].tolist()[:3] == [-9, 8, 15]
    assert (adlb["ADY"] != 0).all()
    adtte = pd.read_csv(folder / "adtte.csv")
    row = adtte[(adtte["USUBJID"] == "MK03") & (adtte["PARAMCD"] == "B_CELL_RECONSTITUTION")]
    assert row[["AVAL", "CNSR"]].values.tolist() == [[95, 0]]
    for reader in (read_adam, read_trial):  # read_trial detects ADaM files by ADSL
        back = reader(folder)
        pd.testing.assert_frame_equal(trial.subjects, back.subjects)
        pd.testing.assert_frame_equal(trial.measurements, back.measurements)
        _assert_same(trial, back, events_sorted=True)
        assert back.validate() == []


def test_adam_hand_written(tmp_path):
    pd.DataFrame({"USUBJID": ["S1", "S2"], "SEX": ["F", "M"], "AGE": [30, 40],
                  "DISEASE": ["SLE", "SSc"], "TRTSDT": ["2023-01-10", "2023-02-01"],
                  "LSTALVDT": ["2023-07-10", "2023-03-03"]}).to_csv(tmp_path / "ADSL.csv", index=False)
    pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "PARAMCD": ["C3", "C3", "CD19"],
                  "PARAM": ["Complement C3", "Complement C3", "CD19+ B cells"],
                  "AVAL": [0.5, 1.0, 1.0], "AVALU": ["g/L", "g/L", "cells/uL"],
                  "ADY": [-3, 1, 30], "AVISIT": ["BASELINE", None, "DAY 29"],
                  "BLQFL": ["", "", "Y"], "ANRLO": [0.9, 0.9, np.nan]}).to_csv(
        tmp_path / "ADLB.csv", index=False)
    pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "PARAMCD": ["RELAPSE", "CRS", "RELAPSE"],
                  "AVAL": [2.0, 1.0, 1.0], "AVALU": ["MONTHS", "DAYS", "MONTHS"],
                  "CNSR": [0, 0, 1], "ATOXGR": [np.nan, 2, np.nan]}).to_csv(
        tmp_path / "ADTTE.csv", index=False)
    trial = read_trial(tmp_path)
    assert trial.subjects["cohort"].tolist() == ["SLE", "SSc"]
    m = trial.measurements
    assert m["day"].tolist() == [-3, 0, 29]          # ADY 1 = infusion day = day 0
    assert m["visit"].tolist() == ["BASELINE", "day 0", "DAY 29"]
    assert m["parameter"].tolist() == ["c3", "c3", "cd19"]
    assert m["blq"].tolist() == [False, False, True]
    assert trial.parameters["lower_limit"].tolist()[0] == 0.9
    ev = trial.events
    assert ev["event"].tolist() == ["crs", "relapse", "last_contact", "last_contact"]
    # 2 months = 60.875 days; last contact from LSTALVDT - TRTSDT (181 and 30 days)
    assert ev["day"].tolist() == [1.0, 2 * DAYS_PER_MONTH, 181.0, 30.0]
    assert ev["grade"].tolist()[0] == 2.0
    assert trial.validate() == []


def test_adam_sas_transport_files(reference):
    """XPORT files written by R haven::write_xpt (tests/reference/trial/make_trial.R)."""
    ref = reference("trial")
    trial = read_adam(REFERENCE_TRIAL / "adam_xpt")
    assert trial.subjects["subject"].tolist() == ["S1", "S2"]
    assert trial.subjects["infusion_date"].tolist() == ["2023-01-10", "2023-02-01"]
    m = trial.measurements
    assert m["value"].tolist() == ref["aval"]              # AVAL 0 is read as exactly 0
    assert m["day"].tolist() == [d - 1 if d > 0 else d for d in ref["ady"]]
    assert m["parameter"].tolist() == ["sledai2k", "sledai2k", "ck"]
    ev = trial.events
    assert ev[ev["event"] == "last_contact"]["day"].tolist() == ref["last_contact"]  # 181, 120
    other = ev[ev["event"] != "last_contact"]
    assert other[["subject", "day", "event"]].values.tolist() == [["S1", 1, "crs"],
                                                                  ["S1", 90, "remission"]]
    assert other["grade"].iloc[0] == 1.0
    assert math.isnan(ev["grade"].iloc[1])
    assert trial.validate() == []


def test_adam_study_day_zero_is_rejected(tmp_path):
    pd.DataFrame({"USUBJID": ["S1"], "SEX": ["F"], "AGE": [30]}).to_csv(tmp_path / "adsl.csv", index=False)
    pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["C3"], "AVAL": [1.0], "ADY": [0]}).to_csv(
        tmp_path / "adlb.csv", index=False)
    with pytest.raises(st.SmallTrialError, match="ADLB: column 'ADY' contains 0"):
        read_adam(tmp_path)


def test_adam_missing_columns(tmp_path):
    pd.DataFrame({"USUBJID": ["S1"], "AGE": [30]}).to_csv(tmp_path / "adsl.csv", index=False)
    with pytest.raises(st.SmallTrialError, match="ADaM table ADSL has no column 'SEX'"):
        read_adam(tmp_path)


def test_missing_folder_and_tables(tmp_path):
    with pytest.raises(st.SmallTrialError, match="trial folder '.*nowhere' does not exist"):
        read_trial(tmp_path / "nowhere")
    (tmp_path / "subjects.csv").write_text("subject,cohort,sex,age\nA,SLE,F,20\n")
    with pytest.raises(st.SmallTrialError, match=r"no measurements, events table"):
        read_trial(tmp_path)
    with pytest.raises(st.SmallTrialError, match="is not a folder"):
        read_trial(tmp_path / "subjects.csv")
    with pytest.raises(st.SmallTrialError, match="no ADSL table"):
        read_adam(tmp_path)


def test_unreadable_csv(tmp_path):
    for table in ("subjects", "measurements", "events"):
        (tmp_path / f"{table}.csv").write_text("")
    with pytest.raises(st.SmallTrialError, match="cannot read .*subjects.csv"):
        read_trial(tmp_path)


def test_parquet_without_pyarrow_is_a_clear_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name in ("pyarrow", "fastparquet"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(st.SmallTrialError, match="Parquet needs pyarrow"):
        small_trial().to_folder(tmp_path, format="parquet")


# ----------------------------------------------------------------------------- accessors
def test_accessors():
    trial = small_trial()
    wide = trial.parameter("sledai2k")
    assert list(wide.columns) == ["baseline", "month 3"]
    assert wide.loc["A"].tolist() == [16.0, 0.0]
    assert wide.loc["B"].tolist() == [12.0, 2.0]
    long = trial.parameter("ck", wide=False)
    assert long["value"].tolist() == [5000.0, 150.0]
    assert trial.parameter("sledai2k", by="day").columns.tolist() == [-7, -5, 90]
    twice = Trial(trial.subjects, pd.concat([trial.measurements, trial.measurements.iloc[[0]].assign(
        day=-1)], ignore_index=True), trial.events)
    with pytest.raises(st.SmallTrialError, match=r"more than one value per \(subject, visit\)"):
        twice.parameter("sledai2k")
    assert twice.parameter("sledai2k", by="day").loc["A", -1] == 16.0
    with pytest.raises(st.SmallTrialError, match="parameter 'upcr' is not in measurements"):
        trial.parameter("upcr")
    assert trial.follow_up_days().tolist() == [200.0, 150.0, 100.0]
    assert trial.follow_up_months().tolist() == pytest.approx([200 / 30.4375, 150 / 30.4375,
                                                               100 / 30.4375])
    rem = trial.event_days("remission")
    assert rem["A"] == 90 and rem["B"] == 60 and math.isnan(rem["C"])
    with pytest.raises(st.SmallTrialError, match="event 'flare' occurs nowhere in the trial"):
        trial.event_days("flare")
    assert trial.event_days("progression").isna().all()  # a known name: no one had it
    assert trial.visits() == ["baseline", "day 0", "month 1", "month 3"]
    sub = trial.subset(cohort="SLE")
    assert sub.subjects["subject"].tolist() == ["A", "B"]
    assert set(sub.measurements["subject"]) == {"A", "B"}
    assert sub.validate() == []
    assert trial.subset(subjects=["C"]).n_subjects == 1
    with pytest.raises(st.SmallTrialError, match="cohort 'RA' not in subjects"):
        trial.subset(cohort="RA")
    assert len(EVENTS) == 7


def test_repr_and_copy():
    trial = st.datasets.load("muller2024")
    text = repr(trial)
    assert text.splitlines()[0] == "Trial 'muller2024' (SYNTHETIC data)"
    assert "subjects:     15 (SLE 8, IIM 3, SSc 4)" in text
    assert "crs 11" in text and "icans 1" in text and "last_contact 15" in text
    assert ("  parameters:   sledai2k, pga, prednisone_mg, immunosuppressants, upcr, c3, c4, "
            "anti_dsdna, cd19_bcells, car_t, ck, mrss, sledai_<24 items>") in text
    copy = trial.copy()
    copy.subjects.loc[0, "age"] = 99
    assert trial.subjects.loc[0, "age"] != 99
    with pytest.raises(AttributeError):
        trial.name = "x"


# ----------------------------------------------------------------------------- property
_MK = st.datasets.load("mackensen2022")


@settings(max_examples=30, deadline=None)
@given(drop=hst.sets(hst.sampled_from(_MK.subjects["subject"].tolist())),
       late=hst.sets(hst.sampled_from(_MK.subjects["subject"].tolist())))
def test_validate_names_exactly_the_broken_subjects(drop, late):
    ev = _MK.events.copy()
    ev = ev[~(ev["subject"].isin(drop) & (ev["event"] == "last_contact"))]
    # a relapse one day after last contact for the subjects in `late` (only an error if they
    # still have a last_contact)
    lc = _MK.follow_up_days()
    extra = pd.DataFrame({"subject": sorted(late), "day": [int(lc[s]) + 1 for s in sorted(late)],
                          "event": "relapse", "grade": np.nan})
    ev = pd.concat([ev, extra], ignore_index=True)
    problems = Trial(_MK.subjects, _MK.measurements, ev, _MK.parameters).validate(
        raise_on_error=False)
    expected = []
    if drop:
        ids = ", ".join(repr(s) for s in sorted(drop))
        expected.append(f"events: no 'last_contact' event for subject {ids}")
    flagged = sorted(set(late) - set(drop))
    if flagged:
        what = ", ".join(repr({"subject": s, "event": "relapse", "day": int(lc[s]) + 1})
                         for s in flagged)
        expected.append(f"events: {len(flagged)} event(s) after the subject's last_contact: {what}")
    assert problems == expected


# ---- bad input names the argument and the value (quality pass) ----


def test_bad_arguments_name_argument_and_value(tmp_path):
    trial = st.datasets.load("mackensen2022")
    with pytest.raises(st.SmallTrialError, match=r"by must be 'visit' or 'day'; got 'week'"):
        trial.parameter("sledai2k", by="week")
    with pytest.raises(st.SmallTrialError, match=r"subjects: 'XX9' not in the trial's subjects \(e.g. 'MK01', 'MK02', 'MK03'"):
        trial.subset(subjects=["MK01", "XX9"])
    with pytest.raises(st.SmallTrialError, match=r"format must be 'csv' or 'parquet'; got 'xlsx'"):
        trial.to_folder(tmp_path / "x", format="xlsx")
    assert not (tmp_path / "x").exists()  # nothing written for a bad format


def test_two_files_for_one_table_is_an_error(tmp_path):
    trial = st.datasets.load("mackensen2022")
    trial.to_folder(tmp_path)
    (tmp_path / "subjects.csv").rename(tmp_path / "Subjects.csv")
    trial.subjects.to_csv(tmp_path / "subjects.CSV", index=False)
    with pytest.raises(st.SmallTrialError, match=r"more than one file for table 'subjects': Subjects.csv, subjects.CSV"):
        read_trial(tmp_path)


def test_adtte_unknown_time_unit_is_an_error(tmp_path):
    trial = st.datasets.load("mackensen2022")
    trial.to_adam(tmp_path)
    adtte = pd.read_csv(tmp_path / "adtte.csv")
    adtte["AVALU"] = "FORTNIGHTS"
    adtte.to_csv(tmp_path / "adtte.csv", index=False)
    with pytest.raises(st.SmallTrialError, match=r"ADTTE column 'AVALU' has unknown time unit\(s\) 'FORTNIGHTS'"):
        read_adam(tmp_path)


def test_trial_examples_values():
    # follow-up of the bundled SYNTHETIC Mackensen trial: median 8 months (range 5-17), the
    # published summary the generator honours (DOMAIN.md); months = days / 30.4375
    trial = st.datasets.load("mackensen2022")
    days = trial.follow_up_days()
    assert days.tolist() == [244.0, 518.0, 335.0, 153.0, 214.0]
    np.testing.assert_allclose(trial.follow_up_months(), days / 30.4375, rtol=1e-15)
    assert round(float(trial.follow_up_months().median())) == 8
    muller = st.datasets.load("muller2024")
    assert (muller.subset(cohort="SLE").n_subjects, muller.subset(cohort=["IIM", "SSc"]).n_subjects) == (8, 7)


# ----------------------------------------------------------------------------- issue #12 / #13
def test_open_event_vocabulary():
    trial = small_trial()
    events = pd.concat([trial.events, pd.DataFrame({
        "subject": ["A", "B", "C"], "day": [30, 40, 50],
        "event": ["infection", "neutropenia", "progression"], "grade": [2.0, 3.0, np.nan]})],
        ignore_index=True)
    opened = Trial(trial.subjects, trial.measurements, events)
    assert opened.validate() == []
    days = opened.event_days("infection")
    assert days["A"] == 30.0 and days[["B", "C"]].isna().all()
    assert opened.event_days("neutropenia")["B"] == 40.0


def _convert_dtypes(trial: Trial, how: str) -> Trial:
    def conv(frame):
        out = frame.copy()
        for col in out.columns:
            s = out[col]
            if how == "category":
                out[col] = s.astype("category")
            elif how == "nullable":
                if pd.api.types.is_bool_dtype(s):
                    out[col] = s.astype("boolean")
                elif pd.api.types.is_integer_dtype(s):
                    out[col] = s.astype("Int64")
                elif pd.api.types.is_float_dtype(s):
                    out[col] = s.astype("Float64")
                else:
                    out[col] = s.astype("string")
            else:
                out[col] = s.astype(object)
        return out
    return Trial(conv(trial.subjects), conv(trial.measurements), conv(trial.events),
                 conv(trial.parameters), trial.description, name=trial.name)


@pytest.mark.parametrize("how", ["category", "nullable", "object"])
def test_dtypes_give_the_same_results_as_plain(how):
    """Issue #13: categorical, nullable (Int64, Float64, boolean, string) and object columns."""
    from smalltrial import survival as sv

    plain = st.datasets.load("mackensen2022")
    other = _convert_dtypes(plain, how)
    assert other.validate() == []
    for table in ("subjects", "measurements", "events", "parameters"):
        got, want = getattr(other, table), getattr(plain, table)
        assert got["subject" if "subject" in got else "parameter"].tolist() == \
            want["subject" if "subject" in want else "parameter"].tolist()
    for endpoint in ("relapse", "remission"):
        pd.testing.assert_frame_equal(sv.time_to_event(other, endpoint),
                                      sv.time_to_event(plain, endpoint))
    pd.testing.assert_frame_equal(sv.b_cell_reconstitution(other), sv.b_cell_reconstitution(plain))
    assert other.follow_up_days().equals(plain.follow_up_days())
    assert other.visits() == plain.visits()
    np.testing.assert_array_equal(other.parameter("sledai2k").to_numpy(float),
                                  plain.parameter("sledai2k").to_numpy(float))


def test_visit_spellings_that_differ_in_case_or_spaces_are_an_error():
    trial = small_trial()
    meas = trial.measurements.copy()
    meas.loc[3, "visit"] = "Baseline"     # B
    meas.loc[5, "visit"] = "baseline "    # C
    problems = Trial(trial.subjects, meas, trial.events).validate(raise_on_error=False)
    assert problems == [
        "measurements: column 'visit' spells one visit in more than one way (labels differ only "
        "in case or spaces): 'baseline' (subject 'A') and 'Baseline' (subject 'B') and "
        "'baseline ' (subject 'C'); use one spelling"
    ]


def test_value_text_allows_a_missing_value():
    trial = small_trial()
    meas = pd.concat([trial.measurements, pd.DataFrame({
        "subject": ["A"], "day": [28], "visit": ["month 1"], "parameter": ["bor"],
        "value": [np.nan], "unit": [np.nan], "blq": [False]})], ignore_index=True)
    assert any("column 'value' has 1 missing value(s) (subject 'A')" in p
               for p in Trial(trial.subjects, meas, trial.events).validate(raise_on_error=False))
    meas["value_text"] = [np.nan] * (len(meas) - 1) + ["CR"]
    assert Trial(trial.subjects, meas, trial.events).validate() == []


def test_european_csv_is_recognised(tmp_path):
    trial = st.datasets.load("mackensen2022")
    folder = trial.to_folder(tmp_path / "eu")
    for table in ("subjects", "measurements", "events", "parameters"):
        frame = pd.read_csv(folder / f"{table}.csv", dtype={"subject": str})
        frame.to_csv(folder / f"{table}.csv", sep=";", decimal=",", index=False)
    assert "0,5" in (folder / "parameters.csv").read_text()   # upcr's upper limit, decimal comma
    back = read_trial(folder)
    pd.testing.assert_frame_equal(back.measurements, trial.measurements)
    pd.testing.assert_frame_equal(back.parameters, trial.parameters)
    assert back.validate() == []


def test_ambiguous_or_non_utf8_csv_is_refused(tmp_path):
    for table in ("measurements", "events"):
        (tmp_path / f"{table}.csv").write_text("subject\nA\n")
    (tmp_path / "subjects.csv").write_text("subject;cohort,sex\nA;SLE,F\n")
    with pytest.raises(st.SmallTrialError, match="as many ';' as ',' so the separator is ambiguous"):
        read_trial(tmp_path)
    (tmp_path / "subjects.csv").write_bytes("subject;cohort\nJosé;SLE\n".encode("latin-1"))
    with pytest.raises(st.SmallTrialError, match="is not UTF-8 text; save it as 'CSV UTF-8'"):
        read_trial(tmp_path)


def test_xlsx_folder(tmp_path):
    trial = small_trial()
    folder = tmp_path / "x"
    folder.mkdir()
    for table in ("subjects", "measurements", "events"):
        getattr(trial, table).to_excel(folder / f"{table}.xlsx", index=False)
    back = read_trial(folder)
    pd.testing.assert_frame_equal(back.measurements, trial.measurements)
    assert back.events["day"].tolist() == trial.events["day"].tolist()
    assert back.validate() == []
    (folder / "subjects.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(st.SmallTrialError, match="cannot read .*subjects.xlsx"):
        read_trial(folder)
