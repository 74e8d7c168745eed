"""The bundled SYNTHETIC trials honour every published summary (computed from the shipped CSVs).

Published numbers: Mackensen et al., Nat Med 2022;28:2124 and Müller et al., NEJM 2024;390:687
(see ../shared/DOMAIN.md). Expectations here are the publications' numbers, computed from the
shipped files with our own code (not copied from the generator).
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import smalltrial as st

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "smalltrial" / "data"
LUPUS = ("mackensen2022", "muller2024")  # made by scripts/make_datasets.py
MONTH = 30.4375  # days; follow-up months are rounded to the nearest whole month

# SLEDAI-2K weights, Gladman et al., J Rheumatol 2002;29:288 (typed from DOMAIN.md)
WEIGHTS = {
    "seizure": 8, "psychosis": 8, "organic_brain_syndrome": 8, "visual_disturbance": 8,
    "cranial_nerve_disorder": 8, "lupus_headache": 8, "cva": 8, "vasculitis": 8,
    "arthritis": 4, "myositis": 4, "urinary_casts": 4, "hematuria": 4, "proteinuria": 4,
    "pyuria": 4, "rash": 2, "alopecia": 2, "mucosal_ulcers": 2, "pleurisy": 2, "pericarditis": 2,
    "low_complement": 2, "increased_dna_binding": 2, "fever": 1, "thrombocytopenia": 1,
    "leukopenia": 1,
}
SEROLOGY = ("low_complement", "increased_dna_binding")


@pytest.fixture(scope="module")
def mk():
    return st.datasets.load("mackensen2022")


@pytest.fixture(scope="module")
def mu():
    return st.datasets.load("muller2024")


def sle_visits(trial) -> pd.DataFrame:
    """One row per SLE visit: total, items, clinical SLEDAI, PGA, prednisone, DORIS."""
    m = trial.measurements
    wide = m.pivot_table(index=["subject", "day", "visit"], columns="parameter", values="value")
    wide = wide.dropna(subset=["sledai2k"]).reset_index()
    items = wide[[f"sledai_{k}" for k in WEIGHTS]].to_numpy()
    wide["item_sum"] = items @ np.array(list(WEIGHTS.values()))
    wide["clinical"] = wide["item_sum"] - sum(2 * wide[f"sledai_{k}"] for k in SEROLOGY)
    wide["doris"] = (wide["clinical"] == 0) & (wide["pga"] < 0.5) & (wide["prednisone_mg"] <= 5)
    return wide


def at_visit(trial, parameter: str, visit: str) -> pd.Series:
    m = trial.measurements
    rows = m[(m["parameter"] == parameter) & (m["visit"] == visit)]
    assert rows["subject"].is_unique
    return rows.set_index("subject")["value"]


def rounded_months(trial) -> pd.Series:
    """Whole months of follow-up. Rule: nearest whole month (1 month = 30.4375 days); the
    shipped data are built so that rounding down gives the same months."""
    months = trial.follow_up_days() / MONTH
    assert (np.floor(months) == np.round(months)).all()
    return np.round(months)


# ----------------------------------------------------------------------------- the API
def test_names_and_unknown():
    assert st.datasets.names() == ["mackensen2022", "muller2024", "phase2_onc", "phase2_onc_adam", "mg_cart"]
    with pytest.raises(st.SmallTrialError, match="unknown dataset 'nope'; bundled datasets: "
                                                 "'mackensen2022', 'muller2024'"):
        st.datasets.load("nope")


def test_load_returns_independent_copies():
    a = st.datasets.load("mackensen2022")
    a.measurements.loc[:, "value"] = -1.0
    a.subjects.drop(index=0, inplace=True)
    b = st.datasets.load("mackensen2022")
    assert len(b.subjects) == 5
    assert (b.measurements["value"] >= 0).all()


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_validates_and_is_labelled_synthetic(name):
    trial = st.datasets.load(name)
    assert trial.validate() == []
    assert trial.description.startswith("SYNTHETIC")
    assert "SYNTHETIC" in st.datasets.describe(name)
    assert "SYNTHETIC" in trial.parameters.set_index("parameter").loc["sledai2k", "label"]
    assert trial.measurements["day"].dtype == np.int64
    # small files: tens of KB (the SLEDAI-2K items make up most of them)
    for path in (DATA / name).iterdir():
        assert path.stat().st_size < 200_000, path


def test_generator_reproduces_the_shipped_files(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_datasets.py"),
                          "--out", str(tmp_path)], capture_output=True, text=True, check=True)
    assert "wrote" in out.stdout
    for name in LUPUS:  # the other bundled trials come from scripts/make_examples.py
        csvs = sorted(p.name for p in (DATA / name).glob("*.csv"))
        assert csvs == ["events.csv", "measurements.csv", "parameters.csv", "subjects.csv"]
        match, mismatch, errors = filecmp.cmpfiles(DATA / name, tmp_path / name, csvs, shallow=False)
        assert mismatch == [] and errors == [], (name, mismatch, errors)


# ----------------------------------------------------------------------------- structure
@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_sledai_total_is_weighted_item_sum_at_every_visit(name):
    trial = st.datasets.load(name)
    v = sle_visits(trial)
    assert len(v) > 0
    assert (v["sledai2k"] == v["item_sum"]).all()
    items = trial.measurements[trial.measurements["parameter"].str.startswith("sledai_")]
    assert set(items["value"]) <= {0.0, 1.0}
    assert items.groupby(["subject", "day"]).size().eq(24).all()
    # SLEDAI only for SLE patients
    sle = set(trial.subjects.loc[trial.subjects["cohort"] == "SLE", "subject"])
    assert set(v["subject"]) == sle


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_lab_items_agree_with_the_labs(name):
    trial = st.datasets.load(name)
    lim = trial.parameters.set_index("parameter")
    wide = trial.measurements.pivot_table(index=["subject", "day"], columns="parameter",
                                          values="value").dropna(subset=["sledai2k"])
    assert ((wide["upcr"] > 0.5) == (wide["sledai_proteinuria"] == 1)).all()
    low = (wide["c3"] < lim.loc["c3", "lower_limit"]) | (wide["c4"] < lim.loc["c4", "lower_limit"])
    assert (low == (wide["sledai_low_complement"] == 1)).all()
    dna = wide["anti_dsdna"] > lim.loc["anti_dsdna", "upper_limit"]
    assert (dna == (wide["sledai_increased_dna_binding"] == 1)).all()


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_blq_convention(name):
    trial = st.datasets.load(name)
    m = trial.measurements
    lloq = trial.parameters.set_index("parameter")["lloq"]
    blq = m[m["blq"]]
    assert set(blq["parameter"]) == {"cd19_bcells", "car_t"}
    assert (blq["value"] == blq["parameter"].map(lloq)).all()      # value holds the LLOQ
    quant = m[~m["blq"] & m["parameter"].isin(["cd19_bcells", "car_t"])]
    assert (quant["value"] >= quant["parameter"].map(lloq)).all()
    assert lloq["cd19_bcells"] == 1.0
    # B cells: quantifiable before infusion, BLQ on day 7 (depleted) in every patient
    b = m[m["parameter"] == "cd19_bcells"]
    assert (b.loc[b["day"] <= 0, "blq"] == False).all()  # noqa: E712
    assert b.loc[b["day"] == 7, "blq"].all() and b.loc[b["day"] == 7, "subject"].nunique() == trial.n_subjects


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_b_cell_reconstitution_event_is_first_day_at_10(name):
    trial = st.datasets.load(name)
    m = trial.measurements
    b = m[(m["parameter"] == "cd19_bcells") & (m["day"] > 0)]
    first = b[b["value"] >= 10].groupby("subject")["day"].min()
    event = trial.events[trial.events["event"] == "b_cell_reconstitution"].set_index("subject")["day"]
    assert event.sort_index().to_dict() == first.sort_index().to_dict()
    # once back, B cells stay >= 10 and sampling is at most weekly between day 60 and 180
    for sid, rows in b.groupby("subject"):
        if sid in first.index:
            assert (rows.loc[rows["day"] >= first[sid], "value"] >= 10).all()
        days = rows.loc[(rows["day"] >= 60) & (rows["day"] <= 180), "day"].to_numpy()
        assert np.diff(days).max() <= 7


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_visits_and_days(name):
    trial = st.datasets.load(name)
    m = trial.measurements
    day_of = m.groupby("visit")["day"].agg(["min", "max"])
    assert day_of.loc["baseline", "max"] <= 0
    for visit, day in {"day 7": 7, "day 14": 14, "day 28": 28, "month 2": 60, "month 3": 90,
                       "month 6": 180, "month 9": 270, "month 12": 360}.items():
        assert (day_of.loc[visit] == day).all(), visit
    fu = trial.follow_up_days()
    v = sle_visits(trial)
    for sid, rows in v.groupby("subject"):
        expected = [d for d in (7, 14, 28, 60, 90, 180, 270, 360) if d <= fu[sid]]
        assert set(expected) <= set(rows["day"]), sid
        assert rows["day"].max() == fu[sid]  # a last visit on the day of last contact
    assert (m.groupby("subject")["day"].max() <= fu).all()


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_remission_event_is_first_doris_visit_and_sustained(name):
    trial = st.datasets.load(name)
    v = sle_visits(trial)
    post = v[v["day"] > 0]
    first = post[post["doris"]].groupby("subject")["day"].min()
    ev = trial.events
    remission = ev[ev["event"] == "remission"].set_index("subject")["day"]
    assert remission.sort_index().to_dict() == first.sort_index().to_dict()
    for sid, rows in post.groupby("subject"):   # no relapse: DORIS at every later visit
        assert rows.loc[rows["day"] >= first[sid], "doris"].all(), sid
    assert (ev["event"] != "relapse").all()
    assert (ev["event"] != "death").all()


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_drug_free_after_car_t(name):
    trial = st.datasets.load(name)
    m = trial.measurements
    for parameter in ("prednisone_mg", "immunosuppressants"):
        rows = m[m["parameter"] == parameter]
        assert rows["subject"].nunique() == trial.n_subjects
        assert (rows.loc[rows["day"] >= 28, "value"] == 0).all(), parameter
    imm = m[m["parameter"] == "immunosuppressants"]
    assert (imm.loc[imm["day"] > 0, "value"] == 0).all()


# ----------------------------------------------------------------------------- Mackensen 2022
def test_mackensen_patients(mk):
    s = mk.subjects
    assert len(s) == 5 and (s["cohort"] == "SLE").all()
    assert s["sex"].value_counts().to_dict() == {"F": 4, "M": 1}
    assert s["age"].min() == 18 and s["age"].max() == 24
    # lupus nephritis: proteinuria in the SLEDAI-2K at baseline in all five
    assert (at_visit(mk, "sledai_proteinuria", "baseline") == 1).all()


def test_mackensen_baseline_sledai(mk):
    base = at_visit(mk, "sledai2k", "baseline")
    assert len(base) == 5
    assert base.median() == 16
    assert base.max() - base.min() == 8


def test_mackensen_month3_sledai_and_doris(mk):
    m3 = at_visit(mk, "sledai2k", "month 3")
    assert len(m3) == 5
    assert m3.median() == 0
    assert m3.max() - m3.min() == 2
    v = sle_visits(mk)
    month3 = v[v["visit"] == "month 3"].set_index("subject")
    assert (month3["day"] == 90).all()
    assert month3["doris"].sum() == 5                     # DORIS 5/5
    assert (month3["clinical"] == 0).all()                # the 2 points are serological
    assert (month3["pga"] < 0.5).all()
    assert (month3["prednisone_mg"] == 0).all() and (month3["immunosuppressants"] == 0).all()
    positive = month3[month3["sledai2k"] > 0]
    assert (positive[[f"sledai_{k}" for k in SEROLOGY]].sum(axis=1) * 2 == positive["sledai2k"]).all()


def test_mackensen_b_cell_reappearance(mk):
    days = mk.event_days("b_cell_reconstitution")
    assert days.notna().all()
    assert round(days.mean()) == 110
    assert round(days.std(ddof=1)) == 32


def test_mackensen_follow_up(mk):
    months = rounded_months(mk)
    assert months.median() == 8
    assert months.min() == 5 and months.max() == 17
    assert round((mk.follow_up_days() / MONTH).median()) == 8


def test_mackensen_toxicity(mk):
    ev = mk.events
    crs = ev[ev["event"] == "crs"]
    assert crs["subject"].nunique() == 3 and len(crs) == 3
    assert (crs["grade"] == 1).all()
    assert not (ev["event"] == "icans").any()


def test_mackensen_car_t_peak(mk):
    m = mk.measurements
    cart = m[m["parameter"] == "car_t"]
    peaks = cart.groupby("subject")["value"].max()
    assert peaks.min() == pytest.approx(11.5) and peaks.max() == pytest.approx(59.1)
    peak_day = cart.loc[cart.groupby("subject")["value"].idxmax(), "day"]
    assert peak_day.between(7, 14).all()


def test_mackensen_labs_improve(mk):
    def median(parameter, visit):
        return at_visit(mk, parameter, visit).median()
    assert median("upcr", "month 3") < 0.5 < median("upcr", "baseline")
    assert median("anti_dsdna", "month 3") < median("anti_dsdna", "baseline")
    assert median("c3", "month 3") > median("c3", "baseline")
    assert median("c4", "month 3") > median("c4", "baseline")


# ----------------------------------------------------------------------------- Müller 2024
def test_muller_patients(mu):
    assert mu.subjects["cohort"].value_counts().to_dict() == {"SLE": 8, "SSc": 4, "IIM": 3}


def test_muller_follow_up(mu):
    months = rounded_months(mu)
    assert len(months) == 15
    assert months.median() == 15
    assert months.min() == 4 and months.max() == 29
    assert round((mu.follow_up_days() / MONTH).median()) == 15


def test_muller_doris_in_sle(mu):
    sle = mu.subjects.loc[mu.subjects["cohort"] == "SLE", "subject"]
    v = sle_visits(mu)
    ever = v[v["day"] > 0].groupby("subject")["doris"].any()
    assert ever.loc[sle].sum() == 8
    rem = mu.events[mu.events["event"] == "remission"]
    assert sorted(rem["subject"]) == sorted(sle)


def test_muller_toxicity(mu):
    ev = mu.events
    crs = ev[ev["event"] == "crs"]
    assert crs["subject"].is_unique
    assert crs["grade"].value_counts().to_dict() == {1.0: 10, 2.0: 1}
    icans = ev[ev["event"] == "icans"]
    assert icans["subject"].is_unique and icans["grade"].value_counts().to_dict() == {1.0: 1}
    assert not (ev["event"] == "relapse").any()


def test_muller_cohort_specific_measurements(mu):
    m = mu.measurements
    by = m.merge(mu.subjects[["subject", "cohort"]], on="subject")
    params = by.groupby("cohort")["parameter"].agg(set)
    common = {"prednisone_mg", "immunosuppressants", "cd19_bcells", "car_t"}
    assert params["IIM"] == common | {"ck"}
    assert params["SSc"] == common | {"mrss"}
    assert {"sledai2k", "pga", "upcr", "c3", "c4", "anti_dsdna"} <= params["SLE"]
    ck = m[m["parameter"] == "ck"]
    first_last = ck.sort_values("day").groupby("subject")["value"].agg(["first", "last"])
    assert (first_last["first"] > 190).all() and (first_last["last"] < 190).all()
