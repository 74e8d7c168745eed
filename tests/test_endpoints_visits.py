"""Per-visit derivation over a Trial, per-subject summaries and worst toxicity grades.

Expected values are hand calculations from DORIS 2021 / LLDAS 2016 / SLEDAI-2K (see
test_endpoints.py) on small frames written out here, plus one publication fact: DORIS remission
at month 3 in 5/5 patients of Mackensen et al., Nat Med 2022 (the bundled SYNTHETIC dataset
reproduces it; the derivation here recomputes it from the item-level data).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial import endpoints as ep

KEYS = list(ep.SLEDAI2K_WEIGHTS)


def visit_rows(subject, day, visit, *, items=(), total=None, pga=0.0, pred=0.0, imm=0,
               all_items=True, extra=None):  # fmt: skip
    """Long measurement rows for one visit; ``items`` are the descriptors present."""
    rows = []
    if all_items:
        rows += [(f"sledai_{k}", float(k in items)) for k in KEYS]
    if total is not None:
        rows.append(("sledai2k", total))
    for name, value in (("pga", pga), ("prednisone_mg", pred), ("immunosuppressants", imm)):
        if value is not None:
            rows.append((name, value))
    rows += list((extra or {}).items())
    return pd.DataFrame(
        {
            "subject": subject,
            "day": day,
            "visit": visit,
            "parameter": [r[0] for r in rows],
            "value": [r[1] for r in rows],
            "unit": "",
        }
    )


def toy_measurements():
    return pd.concat(
        [
            # subject A: active at baseline, DORIS (not drug-free) at day 30, drug-free at day 90
            visit_rows("A", -5, "baseline", items=("arthritis", "proteinuria", "low_complement"),
                       total=10, pga=2.0, pred=20, imm=1),
            visit_rows("A", 30, "month 1", items=("low_complement",), total=2, pga=0.4, pred=5, imm=1),
            visit_rows("A", 90, "month 3", items=(), total=0, pga=0.0, pred=0, imm=0),
            # subject B: flares at day 90 after remission at day 30 -> not sustained
            visit_rows("B", -3, "baseline", items=("rash", "alopecia"), total=4, pga=1.0, pred=7.5, imm=1),
            visit_rows("B", 30, "month 1", items=(), total=0, pga=0.2, pred=2.5, imm=1),
            visit_rows("B", 90, "month 3", items=("rash",), total=2, pga=0.5, pred=0, imm=1),
            # subject C: PGA missing at day 30 (not evaluable), in remission at day 90
            visit_rows("C", 30, "month 1", items=(), total=0, pga=None, pred=0, imm=0),
            visit_rows("C", 90, "month 3", items=(), total=0, pga=0.3, pred=0, imm=0),
        ],
        ignore_index=True,
    )  # fmt: skip


def test_derive_visit_endpoints_hand_values():
    v = ep.derive_visit_endpoints(toy_measurements())
    assert list(v[["subject", "day"]].itertuples(index=False, name=None)) == [
        ("A", -5), ("A", 30), ("A", 90), ("B", -3), ("B", 30), ("B", 90), ("C", 30), ("C", 90),
    ]  # fmt: skip
    # SLEDAI-2K 4 + 4 + 2 = 10, clinical 8; month 1: only low complement -> 2, clinical 0
    assert v["sledai2k"].tolist() == [10, 2, 0, 4, 0, 2, 0, 0]
    assert v["clinical_sledai2k"].tolist() == [8, 0, 0, 4, 0, 2, 0, 0]
    assert not v["sledai2k_disagrees"].any()
    assert v["doris"].tolist() == [False, True, True, False, True, False, pd.NA, True]
    assert v["doris_reason"].tolist()[:2] == [
        "clinical SLEDAI-2K > 0; PGA >= 0.5; prednisone > 5 mg/day",
        "",
    ]
    assert v["doris_reason"].iloc[5] == "clinical SLEDAI-2K > 0; PGA >= 0.5"
    assert v["doris_reason"].iloc[6] == "not evaluable: pga missing"
    assert v["drug_free_remission"].tolist() == [
        False, False, True, False, False, False, pd.NA, True,
    ]  # fmt: skip
    assert v["drug_free_reason"].iloc[1] == "on glucocorticoids; on immunosuppressants"
    assert v["drug_free_reason"].iloc[4] == "on glucocorticoids; on immunosuppressants"
    # LLDAS: A baseline SLEDAI 10 with renal activity -> no; A month 1: SLEDAI 2 (serology),
    # no major organ, nothing new (low complement was there before), PGA 0.4, pred 5 -> yes.
    # B baseline: SLEDAI 4, PGA 1, pred 7.5, first visit -> new activity unknown -> NA.
    # B month 3: rash present, absent at month 1 -> new activity -> no.
    assert v["lldas"].tolist() == [False, True, True, pd.NA, True, False, pd.NA, True]
    assert v["lldas_reason"].iloc[0] == "SLEDAI-2K > 4; major organ activity; PGA > 1; prednisone > 7.5 mg/day"
    assert v["lldas_reason"].iloc[3] == "not evaluable: new_activity missing"
    assert v["lldas_reason"].iloc[5] == "new lupus activity"
    assert v["lldas_reason"].iloc[6] == "not evaluable: pga missing"


def test_recorded_total_disagreeing_with_items_is_flagged():
    m = visit_rows("A", 30, "month 1", items=("arthritis",), total=6)
    with pytest.warns(SmallTrialWarning, match=r"differs from the sum of its descriptors at 'A day 30'"):
        v = ep.derive_visit_endpoints(m)
    assert v["sledai2k"].iloc[0] == 4  # the sum of the descriptors is used
    assert v["sledai2k_recorded"].iloc[0] == 6
    assert bool(v["sledai2k_disagrees"].iloc[0])
    assert v.attrs["warnings"] == [
        "recorded SLEDAI-2K differs from the sum of its descriptors at 'A day 30'; "
        "the sum of the descriptors is used"
    ]


def test_total_only_data():
    # no descriptors: clinical SLEDAI is 0 where the total is 0, unknown otherwise
    m = pd.concat(
        [
            visit_rows("A", 30, "month 1", total=0, all_items=False),
            visit_rows("A", 60, "month 2", total=2, all_items=False),
            visit_rows(
                "A", 90, "month 3", total=2, all_items=False,
                extra={"sledai_low_complement": 1, "sledai_increased_dna_binding": 0},
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = ep.derive_visit_endpoints(m)
    assert v["sledai2k"].tolist() == [0, 2, 2]
    assert v["clinical_sledai2k"].iloc[0] == 0
    assert np.isnan(v["clinical_sledai2k"].iloc[1])
    assert v["clinical_sledai2k"].iloc[2] == 0  # 2 points - 2 for low complement
    assert v["doris"].tolist() == [True, pd.NA, True]
    assert v["doris_reason"].iloc[1] == "not evaluable: clinical_sledai missing"
    # LLDAS at total 0 needs no descriptors; at total 2 major-organ activity is unknown
    assert v["lldas"].tolist() == [True, pd.NA, pd.NA]


def test_lldas_inputs_recorded_or_assumed():
    m = pd.concat(
        [
            visit_rows("A", 30, "month 1", total=0, extra={"haemolytic_anaemia": 1}),
            visit_rows("A", 60, "month 2", total=0),
        ],
        ignore_index=True,
    )
    v = ep.derive_visit_endpoints(m)
    assert v["lldas"].tolist() == [False, True]
    assert v["lldas_reason"].iloc[0] == "haemolytic anaemia"
    v = ep.derive_visit_endpoints(m, gi_activity=True)
    assert v["lldas"].tolist() == [False, False]
    v = ep.derive_visit_endpoints(m, immunosuppressants_tolerated=False)
    assert v["lldas_reason"].iloc[1] == "immunosuppressants not tolerated"


def test_derive_visit_endpoints_bad_input():
    m = toy_measurements()
    dup = pd.concat([m, m.iloc[[0]]], ignore_index=True)
    with pytest.raises(SmallTrialError, match=r"duplicated \(subject, day, parameter\)"):
        ep.derive_visit_endpoints(dup)
    bad = m.copy()
    bad.loc[bad["parameter"] == "sledai_rash", "value"] = 2.0
    with pytest.raises(SmallTrialError, match=r"'sledai_rash' of measurements must hold 0/1"):
        ep.derive_visit_endpoints(bad)
    bad = m.copy()
    bad.loc[(bad["parameter"] == "pga") & (bad["subject"] == "C"), "value"] = 5.0
    with pytest.raises(SmallTrialError, match=r"pga must be in \[0, 3\]; got 5.0 \(at index \"'C' day 90\"\)"):
        ep.derive_visit_endpoints(bad)
    with pytest.raises(SmallTrialError, match="none of the parameters"):
        ep.derive_visit_endpoints(m.assign(parameter="cd19_bcells"))
    with pytest.raises(SmallTrialError, match="no column 'parameter'"):
        ep.derive_visit_endpoints(m.drop(columns="parameter"))
    with pytest.raises(SmallTrialError, match="Trial or a measurements DataFrame"):
        ep.derive_visit_endpoints([1, 2])


def test_remission_summary_hand_values():
    s = ep.remission_summary(toy_measurements())
    assert s["subject"].tolist() == ["A", "B", "C"]
    assert s["first_remission_day"].tolist() == [30.0, 30.0, 90.0]
    assert s["sustained"].tolist() == [True, False, True]
    # A: 2/2 post-infusion visits; B: 1/2; C: 1/1 evaluable (day 30 not evaluable, not counted)
    assert s["proportion_of_visits_in_remission"].tolist() == [1.0, 0.5, 1.0]
    assert s["n_visits_evaluable"].tolist() == [2, 2, 1]
    free = ep.remission_summary(toy_measurements(), endpoint="drug_free_remission")
    assert free["first_remission_day"].iloc[0] == 90.0
    assert np.isnan(free["first_remission_day"].iloc[1])  # never drug-free
    assert free["sustained"].tolist()[:2] == [True, False]
    assert free["proportion_of_visits_in_remission"].iloc[1] == 0.0


def test_remission_summary_edge_cases():
    v = pd.DataFrame(
        {
            "subject": ["x", "x", "y"],
            "day": [30, 60, 30],
            "doris": pd.array([pd.NA, pd.NA, True], dtype="boolean"),
        }
    )
    s = ep.remission_summary(v)
    assert s["n_visits_evaluable"].tolist() == [0, 1]
    assert np.isnan(s["first_remission_day"].iloc[0])
    assert s["sustained"].tolist() == [pd.NA, True]
    assert np.isnan(s["proportion_of_visits_in_remission"].iloc[0])
    # baseline visits (day <= 0) are left out unless asked for
    v = pd.DataFrame({"subject": ["z", "z"], "day": [0, 30], "doris": [True, False]})
    assert np.isnan(ep.remission_summary(v)["first_remission_day"].iloc[0])
    assert ep.remission_summary(v, post_infusion_only=False)["first_remission_day"].iloc[0] == 0.0
    with pytest.raises(SmallTrialError, match="endpoint must be one of"):
        ep.remission_summary(v, endpoint="sri4")


def test_worst_toxicity_grade():
    events = pd.DataFrame(
        {
            "subject": ["a", "a", "a", "b", "b", "c"],
            "day": [1, 3, 5, 2, 200, 300],
            "event": ["crs", "crs", "icans", "crs", "last_contact", "last_contact"],
            "grade": [1, 2, 1, np.nan, np.nan, np.nan],
        }
    )
    out = ep.worst_toxicity_grade(events)
    assert out["subject"].tolist() == ["a", "b", "c"]
    assert out["worst_grade"].iloc[0] == 2.0
    assert np.isnan(out["worst_grade"].iloc[1])  # CRS with an unknown grade
    assert out["worst_grade"].iloc[2] == 0.0  # no CRS
    assert ep.worst_toxicity_grade(events, event="icans")["worst_grade"].tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(SmallTrialError, match="event must be one of 'crs', 'icans'; got 'relapse'"):
        ep.worst_toxicity_grade(events, event="relapse")
    bad = events.assign(grade=[1, 7, 1, 1, np.nan, np.nan])
    with pytest.raises(SmallTrialError, match=r"grade.*1-5.*7.*subject 'a'"):
        ep.worst_toxicity_grade(bad)


# ----------------------------------------------------------------------------- bundled trial
@pytest.fixture(scope="module")
def mackensen():
    datasets = pytest.importorskip("smalltrial.datasets")
    if "mackensen2022" not in datasets.names():
        pytest.skip("bundled dataset mackensen2022 not available")
    return datasets.load("mackensen2022")


def test_mackensen_doris_month3_is_5_of_5(mackensen):
    # Mackensen et al., Nat Med 2022: DORIS remission at month 3 in 5/5, drug-free
    v = ep.derive_visit_endpoints(mackensen)
    m3 = v[v["visit"] == "month 3"]
    assert len(m3) == 5
    assert int(m3["doris"].sum()) == 5 and not m3["doris"].isna().any()
    assert int(m3["drug_free_remission"].sum()) == 5
    # SLEDAI-2K at month 3: median 0, range width 2 (publication), recomputed from the items
    assert m3["sledai2k"].median() == 0 and m3["sledai2k"].max() - m3["sledai2k"].min() == 2
    # baseline SLEDAI-2K median 16, range width 8 (publication)
    base = v[v["visit"] == "baseline"]["sledai2k"]
    assert base.median() == 16 and base.max() - base.min() == 8
    # no relapse (publication): remission, once reached, is sustained in every patient
    s = ep.remission_summary(mackensen)
    assert s["sustained"].tolist() == [True] * 5
    assert (s["first_remission_day"] <= 90).all()


def test_mackensen_add_endpoints_and_crs(mackensen):
    trial = ep.add_endpoints(mackensen)
    assert trial.validate(raise_on_error=False) == []
    doris = trial.measurements[trial.measurements["parameter"] == "doris"]
    assert doris.loc[doris["visit"] == "month 3", "value"].tolist() == [1.0] * 5
    # the input is unchanged
    assert "doris" not in set(mackensen.measurements["parameter"])
    # adding twice replaces, never duplicates
    again = ep.add_endpoints(trial)
    assert len(again.measurements) == len(trial.measurements)
    # CRS grade 1 in 3/5, no ICANS (secondary source; the bundled data follow it)
    crs = ep.worst_toxicity_grade(trial, event="crs")["worst_grade"]
    assert sorted(crs.tolist()) == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert ep.worst_toxicity_grade(trial, event="icans")["worst_grade"].tolist() == [0.0] * 5


def test_add_endpoints_on_measurements_frame():
    m = toy_measurements()
    out = ep.add_endpoints(m)
    doris = out[out["parameter"] == "doris"]
    # the not-evaluable visit (C day 30) gets no row
    assert len(doris) == 7
    assert doris["value"].tolist() == [0, 1, 1, 0, 1, 0, 1]
    assert set(out.columns) == set(m.columns)


def test_new_serology_is_not_new_activity_by_default():
    m = pd.concat(
        [
            visit_rows("A", 30, "month 1", items=(), total=0),
            visit_rows("A", 90, "month 3", items=("increased_dna_binding",), total=2),
        ],
        ignore_index=True,
    )
    # LLDAS allows serological activity within SLEDAI-2K <= 4 (Franklyn 2016)
    assert ep.derive_visit_endpoints(m)["lldas"].tolist() == [True, True]
    v = ep.derive_visit_endpoints(m, serology_counts_as_new_activity=True)
    assert v["lldas"].tolist() == [True, False]
    assert v["lldas_reason"].iloc[1] == "new lupus activity"
    # DORIS ignores serology either way: clinical SLEDAI-2K is 0 at both visits
    assert v["doris"].tolist() == [True, True]


def test_by_visit_combines_days_of_one_visit():
    # PGA and prednisone recorded the day after the SLEDAI-2K assessment of "month 3"
    m = pd.concat(
        [
            visit_rows("A", 89, "month 3", items=(), total=0, pga=None, pred=None, imm=None),
            visit_rows("A", 90, "month 3", all_items=False, pga=0.2, pred=0, imm=0),
            visit_rows("A", 10, "day 10", items=("arthritis",), total=4, pga=1.0, pred=5, imm=0),
        ],
        ignore_index=True,
    )
    by_day = ep.derive_visit_endpoints(m)
    assert by_day["day"].tolist() == [10, 89, 90]
    assert by_day["doris"].tolist() == [False, pd.NA, pd.NA]
    by_visit = ep.derive_visit_endpoints(m, by="visit")
    assert by_visit["visit"].tolist() == ["day 10", "month 3"]
    assert by_visit["day"].tolist() == [10, 89]  # the visit's earliest day
    assert by_visit["doris"].tolist() == [False, True]
    with pytest.raises(SmallTrialError, match="by must be one of 'day', 'visit'; got 'week'"):
        ep.derive_visit_endpoints(m, by="week")


def test_numeric_subject_ids_sort_numerically():
    m = pd.concat(
        [visit_rows(s, 30, "month 1", total=0, all_items=False) for s in (10, 2)],
        ignore_index=True,
    )
    assert ep.derive_visit_endpoints(m)["subject"].tolist() == [2, 10]


def test_remission_summary_lists_every_trial_subject(mackensen):
    import dataclasses

    extra = pd.concat(
        [mackensen.subjects, mackensen.subjects.iloc[[0]].assign(subject="MK99")],
        ignore_index=True,
    )
    trial = dataclasses.replace(mackensen, subjects=extra)
    s = ep.remission_summary(trial)
    assert s["subject"].tolist() == ["MK01", "MK02", "MK03", "MK04", "MK05", "MK99"]
    assert s["n_visits_evaluable"].iloc[-1] == 0
    assert s["sustained"].iloc[-1] is pd.NA


@pytest.fixture(scope="module")
def muller():
    datasets = pytest.importorskip("smalltrial.datasets")
    if "muller2024" not in datasets.names():
        pytest.skip("bundled dataset muller2024 not available")
    return datasets.load("muller2024")


def test_muller_doris_8_of_8_sle_sustained(muller):
    # Müller et al., NEJM 2024: DORIS remission in 8/8 SLE patients, no relapse
    s = ep.remission_summary(muller)  # cohort="SLE" by default
    assert len(s) == 8 and s["subject"].str.startswith("MU").all()
    assert s["first_remission_day"].notna().sum() == 8
    assert s["sustained"].tolist() == [True] * 8
    # the generator's remission events are the first post-infusion DORIS visit
    ev = muller.events[muller.events["event"] == "remission"].set_index("subject")["day"]
    assert s.set_index("subject")["first_remission_day"].to_dict() == ev.astype(float).to_dict()
    # non-SLE patients are not scored for DORIS unless asked; then nothing counts as remission
    all_subjects = ep.remission_summary(muller, cohort=None)
    assert len(all_subjects) == 15
    others = all_subjects[~all_subjects["subject"].isin(s["subject"])]
    assert others["first_remission_day"].isna().all()
    with pytest.raises(SmallTrialError, match="cohort 'SJS' has no subjects"):
        ep.derive_visit_endpoints(muller, cohort="SJS")


def test_muller_add_endpoints_sle_only(muller):
    # DORIS, drug-free remission and LLDAS are SLE definitions: add_endpoints must not create
    # rows for the myositis (IIM) and systemic sclerosis (SSc) patients, whether it is given
    # the Trial (cohort "SLE" by default, or cohort=None) or the bare measurements DataFrame
    # (which has no cohort: subjects never assessed with SLEDAI-2K/PGA are left out).
    cohort = muller.subjects.set_index("subject")["cohort"]
    derived = ["clinical_sledai2k", "doris", "drug_free_remission", "lldas"]
    for out in (
        ep.add_endpoints(muller).measurements,
        ep.add_endpoints(muller, cohort=None).measurements,
        ep.add_endpoints(muller.measurements),
    ):
        rows = out[out["parameter"].isin(derived)]
        assert set(rows["subject"].map(cohort)) == {"SLE"}
        # 8 SLE patients, 84 SLEDAI-2K visits in the bundled data: one row each
        assert rows.groupby("parameter").size().to_dict() == dict.fromkeys(derived, 84)
    visits = ep.derive_visit_endpoints(muller.measurements)
    assert set(visits["subject"].map(cohort)) == {"SLE"}
    others = muller.measurements[muller.measurements["subject"].map(cohort) != "SLE"]
    with pytest.raises(SmallTrialError, match="no subject has an SLE disease-activity"):
        ep.derive_visit_endpoints(others)
    with pytest.raises(SmallTrialError, match="no subject has an SLE disease-activity"):
        ep.add_endpoints(muller, cohort="IIM")
    # the measurements-only summary lists the 8 SLE patients, all in sustained DORIS remission
    s = ep.remission_summary(muller.measurements)
    assert set(s["subject"].map(cohort)) == {"SLE"} and s["sustained"].tolist() == [True] * 8


def test_visit_endpoints_subject_without_sle_instrument_left_out():
    # subject "b" has prednisone 10 mg but never a SLEDAI-2K or PGA: not scored (before the
    # fix it got DORIS False, "not in remission"); subject "a" is scored as before
    m = pd.DataFrame(
        {
            "subject": ["a"] * 4 + ["b"] * 2,
            "day": [90] * 6,
            "visit": "month 3",
            "parameter": ["sledai2k", "pga", "prednisone_mg", "immunosuppressants",
                          "prednisone_mg", "immunosuppressants"],
            "value": [0, 0, 0, 0, 10, 1],
        }
    )
    v = ep.derive_visit_endpoints(m)
    assert v["subject"].tolist() == ["a"]
    assert v["doris"].tolist() == [True]
    s = ep.remission_summary(m)
    assert s["subject"].tolist() == ["a"]


def test_muller_toxicity_counts(muller):
    # CRS grade 1 in 10/15, grade 2 in 1/15; ICANS grade 1 in 1/15 (secondary source; the
    # bundled data follow it)
    crs = ep.worst_toxicity_grade(muller, event="crs")["worst_grade"]
    assert len(crs) == 15
    assert crs.value_counts().to_dict() == {1.0: 10, 0.0: 4, 2.0: 1}
    icans = ep.worst_toxicity_grade(muller.events, event="icans")["worst_grade"]
    assert icans.value_counts().to_dict() == {0.0: 14, 1.0: 1}


def test_items_from_labs_match_bundled_item_coding(mackensen):
    # the bundled trial codes proteinuria / low complement / DNA binding from UPCR, C3/C4 and
    # anti-dsDNA against the limits in its parameters table; derive_sledai_items must agree
    w = mackensen.measurements.pivot_table(
        index=["subject", "day"], columns="parameter", values="value"
    )
    w = w[w["sledai2k"].notna()]  # the SLEDAI-2K visits (other days: B cells only)
    lim = mackensen.parameters.set_index("parameter")
    d = ep.derive_sledai_items(
        upcr=w["upcr"],
        c3=w["c3"], c3_lower=lim.loc["c3", "lower_limit"],
        c4=w["c4"], c4_lower=lim.loc["c4", "lower_limit"],
        anti_dsdna=w["anti_dsdna"], anti_dsdna_upper=lim.loc["anti_dsdna", "upper_limit"],
    )  # fmt: skip
    assert len(d) == 43
    for key in ("proteinuria", "low_complement", "increased_dna_binding"):
        assert d[key].tolist() == w[f"sledai_{key}"].tolist(), key
    assert d["proteinuria"].sum() > 0 and (d["proteinuria"] == 0).sum() > 0
