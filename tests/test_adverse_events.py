"""summaries.adverse_events: patients (not events) with AEs, by SOC and term, worst grade per
patient, by group with N = all patients of the group; the adverse_events table of a Trial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import smalltrial as st
from smalltrial.summaries import adverse_events
from smalltrial.trial import Trial, read_trial


def ae_trial() -> Trial:
    subjects = pd.DataFrame({"subject": ["A", "B", "C", "D", "E"],
                             "cohort": ["SLE", "SLE", "SLE", "SSc", "SSc"],
                             "sex": ["F"] * 5, "age": [30, 40, 50, 60, 45]})
    measurements = pd.DataFrame({"subject": ["A"], "day": [0], "visit": ["baseline"],
                                 "parameter": ["c3"], "value": [0.8], "unit": ["g/L"]})
    events = pd.DataFrame({
        "subject": ["A", "B", "A", "B", "C", "D", "E"],
        "day": [1, 2, 300, 300, 300, 300, 300],
        "event": ["crs", "crs", "last_contact", "last_contact", "last_contact", "last_contact",
                  "last_contact"],
        "grade": [1.0, 2.0, np.nan, np.nan, np.nan, np.nan, np.nan],
    })
    ae = pd.DataFrame({
        "subject": ["A", "A", "A", "B", "D", "D"],
        "term": ["Neutropenia", "Neutropenia", "Pyrexia", "Neutropenia", "Pyrexia", "Headache"],
        "soc": ["Blood", "Blood", "General", "Blood", "General", "Nervous"],
        "grade": [2, 4, 1, 3, 1, 2],
        "day": [5, 20, 3, 8, 2, 40],
    })
    return Trial(subjects, measurements, events, adverse_events=ae, name="ae")


def test_counts_patients_worst_grade_all_patients_in_n():
    trial = ae_trial()
    assert trial.validate() == []
    out = adverse_events(trial)
    rows = out[["level", "soc", "term", "n", "N"]].values.tolist()
    # by hand: any AE (incl. CRS events): A, B, D -> 3 of 5 (C and E have none)
    # SOC order by patients: Blood (A, B) 2, General (A, D) 2, Immune (CRS: A, B) 2, Nervous 1;
    # ties alphabetically
    assert rows == [
        ["overall", "", "", 3, 5],
        ["soc", "Blood", "", 2, 5], ["term", "Blood", "Neutropenia", 2, 5],
        ["soc", "General", "", 2, 5], ["term", "General", "Pyrexia", 2, 5],
        ["soc", "Immune system disorders", "", 2, 5],
        ["term", "Immune system disorders", "Cytokine release syndrome", 2, 5],
        ["soc", "Nervous", "", 1, 5], ["term", "Nervous", "Headache", 1, 5],
    ]
    assert out["percent"].tolist()[0] == pytest.approx(60.0)
    # worst grade per patient: overall A 4, B 3, D 2; Neutropenia A 4 (not 2), B 3
    grades = out[[f"grade_{g}" for g in range(1, 6)]].values.tolist()
    assert grades[0] == [0, 1, 1, 1, 0]
    assert grades[2] == [0, 0, 1, 1, 0]
    assert grades[6] == [1, 1, 0, 0, 0]  # CRS grade 1 (A) and 2 (B)


def test_by_group_min_grade_and_no_events():
    out = adverse_events(ae_trial(), by="cohort", min_grade=3)
    assert out.columns.tolist()[:7] == ["cohort", "level", "soc", "term", "n", "N", "percent"]
    # grade >= 3: Neutropenia of A (4) and B (3) only; SSc has N = 2 and nobody
    assert out[["cohort", "level", "term", "n", "N"]].values.tolist() == [
        ["SLE", "overall", "", 2, 3], ["SLE", "soc", "", 2, 3], ["SLE", "term", "Neutropenia", 2, 3],
        ["SSc", "overall", "", 0, 2], ["SSc", "soc", "", 0, 2], ["SSc", "term", "Neutropenia", 0, 2],
    ]
    none = adverse_events(ae_trial(), min_grade=5)
    assert none[["level", "n", "N"]].values.tolist() == [["overall", 0, 5]]


def test_include_events_rule():
    trial = ae_trial()
    without = adverse_events(trial, include_events=())
    assert "Cytokine release syndrome" not in set(without["term"])
    assert without["n"].iloc[0] == 3
    # CRS already recorded as an adverse event: the events are not added a second time
    ae = pd.concat([trial.adverse_events, pd.DataFrame({
        "subject": ["C"], "term": ["Cytokine release syndrome"], "soc": ["Immune system disorders"],
        "grade": [3], "day": [1]})], ignore_index=True)
    both = Trial(trial.subjects, trial.measurements, trial.events, adverse_events=ae)
    crs = adverse_events(both)
    crs = crs[crs["term"] == "Cytokine release syndrome"]
    assert crs[["n", "grade_3"]].values.tolist() == [[1, 1]]


def test_frame_input_n_is_patients_in_frame():
    ae = ae_trial().adverse_events
    out = adverse_events(ae)
    assert out[["level", "n", "N"]].values.tolist()[0] == ["overall", 3, 3]


@pytest.mark.parametrize(("change", "match"), [
    ({"grade": 7}, r"column 'grade' of adverse events must be a whole number 1-5 \(CTCAE grade\); "
                   r"got 7 on row 1 \(subject 'A'\)"),
    ({"grade": 2.5}, r"got 2.5 on row 1"),
    ({"term": np.nan}, r"column 'term' of adverse events is missing on row 1 \(subject 'A', value nan\)"),
    ({"soc": " "}, r"column 'soc' of adverse events is missing on row 1"),
])
def test_bad_rows_name_column_row_value(change, match):
    ae = ae_trial().adverse_events.astype({"grade": object, "term": object})
    for col, value in change.items():
        ae.loc[1, col] = value
    with pytest.raises(st.SmallTrialError, match=match):
        adverse_events(ae)


def test_bad_arguments():
    trial = ae_trial()
    with pytest.raises(st.SmallTrialError, match="min_grade must be a whole number 1-5; got 0"):
        adverse_events(trial, min_grade=0)
    with pytest.raises(st.SmallTrialError, match="include_events: 'fever' not among"):
        adverse_events(trial, include_events=("fever",))
    with pytest.raises(st.SmallTrialError, match="arm"):
        adverse_events(trial, by="arm")
    with pytest.raises(st.SmallTrialError):
        adverse_events([1, 2, 3])


def test_validate_adverse_events_table():
    trial = ae_trial()
    ae = trial.adverse_events.astype({"grade": object})
    ae.loc[2, "grade"] = 6
    ae.loc[3, "term"] = None
    ae.loc[4, "day"] = 900
    broken = Trial(trial.subjects, trial.measurements, trial.events, adverse_events=ae)
    problems = broken.validate(raise_on_error=False)
    assert "adverse_events: column 'grade' (row 2, subject 'A': 6) must be a whole number 1-5 (CTCAE grade)" in problems
    assert any(p.startswith("adverse_events: column 'term' (row 3, subject 'B': None) is missing")
               for p in problems)
    assert any("1 adverse event(s) after the subject's last_contact" in p for p in problems)


def test_adverse_events_folder_round_trip(tmp_path):
    trial = ae_trial()
    folder = trial.to_folder(tmp_path / "t")
    assert (folder / "adverse_events.csv").is_file()
    back = read_trial(folder)
    pd.testing.assert_frame_equal(back.adverse_events, trial.adverse_events)
    pd.testing.assert_frame_equal(adverse_events(back), adverse_events(trial))
    adam = read_trial(trial.to_adam(tmp_path / "adam"))
    pd.testing.assert_frame_equal(adam.adverse_events[["subject", "term", "soc", "grade", "day"]],
                                  trial.adverse_events)


def test_trial_without_adverse_events_table_rows():
    """A Trial whose adverse_events table is empty (the lupus examples) is a trial without
    adverse events: zero patients of N, and CRS events still count when included (3 of the 5
    SYNTHETIC mackensen2022 patients have grade 1 CRS events)."""
    import smalltrial as st

    trial = st.datasets.load("mackensen2022")
    assert len(trial.adverse_events) == 0
    none = st.summaries.adverse_events(trial, include_events=())
    assert none[["level", "n", "N", "percent"]].values.tolist() == [["overall", 0, 5, 0.0]]
    crs = st.summaries.adverse_events(trial)
    assert crs[["level", "term", "n", "N", "grade_1"]].values.tolist() == [
        ["overall", "", 3, 5, 3], ["soc", "", 3, 5, 3], ["term", "Cytokine release syndrome", 3, 5, 3]]
