"""The SYNTHETIC example trials outside lupus (smalltrial/data/phase2_onc, mg_cart and the ADaM
version phase2_onc_adam): internal consistency, the RECIST 1.1 confirmation rule re-applied,
the ADaM day mapping, R reference values (tests/reference/examples/make_examples.R, which reads
the CSV files) and byte-identical regeneration by scripts/make_examples.py."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smalltrial.design import simon_two_stage
from smalltrial.rates import proportion_ci
from smalltrial.survival import kaplan_meier, median_follow_up
from tests.conftest import REFERENCE, load_reference

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "smalltrial" / "data"
TRIALS = ("phase2_onc", "mg_cart")
FOLDERS = ("phase2_onc", "mg_cart", "phase2_onc_adam")
REF = load_reference("examples")
SAS_EPOCH = dt.date(1960, 1, 1)


def read(trial: str, table: str) -> pd.DataFrame:
    return pd.read_csv(DATA / trial / f"{table}.csv", dtype={"subject": str})


def xpt(name: str) -> pd.DataFrame:
    frame = pd.read_sas(DATA / "phase2_onc_adam" / f"{name}.xpt", format="xport", encoding="utf-8")
    for col in frame.columns:  # IBM zero comes back as 16**-65 from pandas
        if pd.api.types.is_float_dtype(frame[col]):
            frame.loc[frame[col].abs() < 1e-70, col] = 0.0
    return frame


def nan_to_none(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


def close(a, b, tol=1e-8) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(b))


# ------------------------------------------------------------------------ internal consistency
@pytest.mark.parametrize("trial", TRIALS)
def test_one_last_contact_per_subject_on_or_after_every_other_day(trial):
    subjects = read(trial, "subjects")["subject"]
    ev = read(trial, "events")
    meas = read(trial, "measurements")
    ae = read(trial, "adverse_events")
    last = ev[ev["event"] == "last_contact"]
    assert sorted(last["subject"]) == sorted(subjects)
    assert last["subject"].is_unique
    last = last.set_index("subject")["day"]
    for frame in (ev, meas, ae.rename(columns={"end_day": "x"}), ae.assign(day=ae["end_day"])):
        day = frame["day"].astype(float)
        ok = day.isna() | (day <= frame["subject"].map(last))
        assert ok.all(), frame[~ok]
    for frame in (ev, meas, ae):
        assert set(frame["subject"]) <= set(subjects)


@pytest.mark.parametrize("trial", TRIALS)
def test_adverse_event_columns(trial):
    ae = read(trial, "adverse_events")
    assert list(ae.columns) == ["subject", "term", "soc", "grade", "day", "end_day", "serious",
                                "related"]
    assert ae["grade"].between(1, 5).all() and ae["grade"].dtype.kind == "i"
    assert ae["day"].ge(0).all()
    assert (ae["end_day"].isna() | (ae["end_day"] >= ae["day"])).all()
    assert ae["serious"].dtype == bool and ae["related"].dtype == bool
    assert ae["term"].notna().all() and ae["soc"].notna().all()
    # one SOC per preferred term (MedDRA primary SOC)
    assert ae.groupby("term")["soc"].nunique().eq(1).all()


@pytest.mark.parametrize("trial", TRIALS)
def test_descriptions_say_synthetic_and_not_published(trial):
    first = (DATA / trial / "description.md").read_text().splitlines()[0]
    assert "SYNTHETIC" in first and "not based on any publication" in first


# ------------------------------------------------------------------------ RECIST (phase2_onc)
def recist_visit(sld: float, base: float, nadir: float, new: bool) -> str:
    """RECIST 1.1 per-visit response from the sum of diameters (target lesions only)."""
    if math.isnan(sld):
        return "NE"
    if new or (sld >= 1.2 * nadir and sld - nadir >= 5):
        return "PD"
    if sld == 0:
        return "CR"
    return "PR" if sld <= 0.7 * base else "SD"


def confirmed_bor(visits: pd.DataFrame) -> tuple[str, float]:
    """Best overall response with >= 28-day confirmation (the rule of description.md), and the
    first day of the confirmed response (NaN if none)."""
    v = visits[visits["day"] > 0].sort_values("day")
    days, resp = list(v["day"]), list(v["value_text"])
    if "PD" in resp:
        k = resp.index("PD") + 1
        days, resp = days[:k], resp[:k]

    def first_confirmed(ok):
        for i in range(len(resp)):
            if resp[i] in ok and any(resp[j] in ok and days[j] - days[i] >= 28
                                     for j in range(i + 1, len(resp))):
                return days[i]
        return math.nan

    if not math.isnan(first_confirmed({"CR"})):
        return "CR", first_confirmed({"CR", "PR"})
    if not math.isnan(start := first_confirmed({"CR", "PR"})):
        return "PR", start
    if any(r in ("CR", "PR", "SD") and d >= 42 for d, r in zip(days, resp, strict=True)):
        return "SD", math.nan
    return ("PD" if "PD" in resp else "NE"), math.nan


def test_per_visit_response_is_recist_from_the_sum_of_diameters():
    meas = read("phase2_onc", "measurements")
    checked = 0
    for _, m in meas.groupby("subject"):
        sld = m[m["parameter"] == "sld"].set_index("day")["value"]
        new = m[m["parameter"] == "new_lesions"].set_index("day")["value"]
        base = sld[sld.index <= 0]
        assert len(base) == 1
        base = nadir = float(base.iloc[0])
        for _, row in m[m["parameter"] == "ovr"].sort_values("day").iterrows():
            s = float(sld.get(row["day"], math.nan))
            assert recist_visit(s, base, nadir, bool(new.get(row["day"], 0))) == row["value_text"]
            if not math.isnan(s):
                nadir = min(nadir, s)
            checked += 1
    assert checked == (meas["parameter"] == "ovr").sum() == 80


def test_bor_in_the_csv_is_the_confirmation_rule_reapplied():
    meas = read("phase2_onc", "measurements")
    ev = read("phase2_onc", "events")
    bor = meas[meas["parameter"] == "bor"].set_index("subject")["value_text"]
    resp = ev[ev["event"] == "response"].set_index("subject")["day"]
    assert bor.index.is_unique and len(bor) == 23
    for sid, m in meas[meas["parameter"] == "ovr"].groupby("subject"):
        b, start = confirmed_bor(m)
        assert bor[sid] == b, sid
        assert (sid in resp.index) == (b in ("CR", "PR"))
        if b in ("CR", "PR"):
            assert resp[sid] == start
    # ON08 died before any tumour assessment: BOR NE
    assert "ON08" not in set(meas.loc[meas["parameter"] == "ovr", "subject"])
    assert bor["ON08"] == "NE"


def test_confirmation_boundary_at_28_days():
    meas = read("phase2_onc", "measurements")
    ovr = meas[meas["parameter"] == "ovr"]
    bor = meas[meas["parameter"] == "bor"].set_index("subject")["value_text"]

    def responses(sid):
        v = ovr[ovr["subject"] == sid].sort_values("day")
        return list(zip(v["day"], v["value_text"], strict=True))

    on22 = responses("ON22")  # PR confirmed only by a scan exactly 28 days later
    assert [r for _, r in on22] == ["PR", "PR"] and on22[1][0] - on22[0][0] == 28
    assert bor["ON22"] == "PR"
    on18 = responses("ON18")  # PR, PR 27 days later (too early), then SD only: SD
    assert [r for _, r in on18[:3]] == ["PR", "PR", "SD"] and on18[1][0] - on18[0][0] == 27
    assert bor["ON18"] == "SD"
    on13 = responses("ON13")  # PR at the last assessment, not yet confirmed: SD
    assert on13[-1][1] == "PR" and bor["ON13"] == "SD"
    on07 = responses("ON07")  # PR then PD: SD (the PR visit is after day 42)
    assert [r for _, r in on07] == ["PR", "PD"] and bor["ON07"] == "SD"


# ------------------------------------------------------------------------ derived endpoints
def onc_endpoints() -> pd.DataFrame:
    """PFS, OS and DOR per subject from the CSV files (rules of description.md), with pandas."""
    meas = read("phase2_onc", "measurements")
    ev = read("phase2_onc", "events")
    rows = []
    for sid in read("phase2_onc", "subjects")["subject"]:
        e = ev[ev["subject"] == sid]
        day = {k: e.loc[e["event"] == k, "day"].min() for k in
               ("progression", "death", "last_contact", "response")}
        scans = meas[(meas["subject"] == sid) & (meas["parameter"] == "ovr")]["day"]
        last_scan = scans.max() if len(scans) else 0
        ends = [d for d in (day["progression"], day["death"]) if not pd.isna(d)]
        pfs = (min(ends), 1) if ends else (last_scan, 0)
        os_ = (day["death"], 1) if not pd.isna(day["death"]) else (day["last_contact"], 0)
        rows.append(dict(subject=sid, paramcd="PFS", start=0, time=pfs[0], event=pfs[1]))
        rows.append(dict(subject=sid, paramcd="OS", start=0, time=os_[0], event=os_[1]))
        if not pd.isna(day["response"]):
            rows.append(dict(subject=sid, paramcd="DOR", start=day["response"],
                             time=pfs[0] - day["response"], event=pfs[1]))
    return pd.DataFrame(rows)


def test_onc_endpoint_times_equal_r():
    ep = onc_endpoints()
    r = pd.DataFrame(REF["phase2_onc"]["endpoints"]).set_index("subject")
    rd = pd.DataFrame(REF["phase2_onc"]["dor_endpoints"]).set_index("subject")
    for p, col in (("PFS", "pfs"), ("OS", "os")):
        mine = ep[ep["paramcd"] == p].set_index("subject")
        assert (mine["time"] == r[f"{col}_time"]).all() and (mine["event"] == r[f"{col}_event"]).all()
    mine = ep[ep["paramcd"] == "DOR"].set_index("subject")
    assert list(mine.index) == list(rd.index)
    assert (mine["time"] == rd["dor_time"]).all() and (mine["event"] == rd["dor_event"]).all()
    assert (mine["start"] == rd["response_day"]).all()


def assert_km_equals_r(frame: pd.DataFrame, ref: dict) -> None:
    km = kaplan_meier(frame, time="time", event="event", conf_type="log-log")
    assert km.n == ref["n"] and km.events == ref["events"]
    tab = km.table
    assert np.allclose(tab["time"], ref["time"]) and list(tab["n_risk"]) == ref["n_risk"]
    assert np.allclose(tab["survival"], ref["surv"], rtol=0, atol=1e-8)
    for col in ("lower", "upper"):
        got = [nan_to_none(float(x)) for x in tab[col]]
        assert all(close(a, b) for a, b in zip(got, ref[col], strict=True)), col
    for q in ref["quantiles"]:
        got = km.quantile(q["p"])
        for a, b in ((got.estimate, q["quantile"]), (got.lower, q["lower"]),
                     (got.upper, q["upper"])):
            assert close(nan_to_none(float(a)), b), (q, got)


@pytest.mark.parametrize("paramcd", ["PFS", "OS", "DOR"])
def test_onc_kaplan_meier_equals_r(paramcd):
    ep = onc_endpoints()
    assert_km_equals_r(ep[ep["paramcd"] == paramcd], REF["phase2_onc"][paramcd.lower()])


def test_onc_median_follow_up_equals_r():
    ep = onc_endpoints()
    got = median_follow_up(ep[ep["paramcd"] == "OS"], time="time", event="event")
    ref = REF["phase2_onc"]["follow_up"]
    assert (got.estimate, got.lower, got.upper) == (ref["quantile"], ref["lower"], ref["upper"])


def test_onc_orr_and_simon_design():
    meas = read("phase2_onc", "measurements")
    bor = meas[meas["parameter"] == "bor"].set_index("subject")["value_text"]
    x = int(bor.isin(["CR", "PR"]).sum())
    ref = REF["phase2_onc"]["orr"]
    assert (x, len(bor)) == (ref["x"], ref["n"]) == (8, 23)
    ci = proportion_ci(x, len(bor))
    assert close(ci.lower, ref["lower"]) and close(ci.upper, ref["upper"])
    assert REF["phase2_onc"]["bor_counts"] == {r: int((bor == r).sum())
                                               for r in ("CR", "PR", "SD", "PD", "NE")}
    # the design stated in description.md is the one simon_two_stage computes, and the trial
    # size and stage-1 result agree with it
    d = simon_two_stage(0.15, 0.35, alpha=0.10, power=0.80, criterion="optimal")
    text = (DATA / "phase2_onc" / "description.md").read_text()
    assert f"r1/n1 = {d.r1}/{d.n1}, r/n = {d.r}/{d.n}" in text
    assert d.n == len(bor)
    stage1 = int(bor.iloc[: d.n1].isin(["CR", "PR"]).sum())
    assert stage1 == REF["phase2_onc"]["orr_stage1"]["x"] and stage1 > d.r1
    assert x > d.r  # "promising" by the design


# ------------------------------------------------------------------------ mg_cart
def mg_responders() -> pd.DataFrame:
    m = read("mg_cart", "measurements")
    adl = m[m["parameter"] == "mgadl"]
    base = adl[adl["day"] <= 0].sort_values("day").groupby("subject")["value"].last()
    post = adl[adl["day"] > 0].copy()
    post["change"] = post["value"] - post["subject"].map(base)
    post["responder"] = post["change"] <= -2
    return post


def test_mg_responders_per_visit_equal_r():
    post = mg_responders()
    ref = pd.DataFrame(REF["mg_cart"]["responders"])
    got = post.groupby("visit").agg(n=("responder", "size"), responders=("responder", "sum"))
    got = got.loc[ref["visit"]]
    assert list(got["n"]) == list(ref["n"]) and list(got["responders"]) == list(ref["responders"])
    ci = proportion_ci(np.asarray(ref["responders"]), np.asarray(ref["n"]))
    assert np.allclose(ci.lower, ref["lower"], rtol=0, atol=1e-8)
    assert np.allclose(ci.upper, ref["upper"], rtol=0, atol=1e-8)
    # one dropout, missed visits, shorter follow-up: fewer patients at later visits
    assert list(ref["n"]) == [10, 9, 9, 10, 7, 7]


def test_mg_relapse_free_time_from_response_equals_r():
    post = mg_responders()
    ev = read("mg_cart", "events")
    origin = post[post["responder"]].groupby("subject")["day"].min()
    rows = []
    for sid, o in origin.items():
        e = ev[ev["subject"] == sid]
        rel = e.loc[(e["event"] == "relapse") & (e["day"] > o), "day"]
        last = e.loc[e["event"] == "last_contact", "day"].iloc[0]
        rows.append(dict(subject=sid, time=(rel.min() if len(rel) else last) - o,
                         event=int(len(rel) > 0)))
    frame = pd.DataFrame(rows)
    ref = pd.DataFrame(REF["mg_cart"]["relapse_free_endpoints"])
    assert frame.reset_index(drop=True).equals(ref[["subject", "time", "event"]])
    assert REF["mg_cart"]["excluded"] == "MG07"
    assert_km_equals_r(frame, REF["mg_cart"]["relapse_free"])
    # every relapse lies after the response and is followed by visits without response
    for sid, day in ev.loc[ev["event"] == "relapse", ["subject", "day"]].itertuples(index=False):
        later = post[(post["subject"] == sid) & (post["day"] > day)]
        assert len(later) and not later["responder"].any()


def test_mg_b_cell_reconstitution_event_is_first_visit_at_or_above_10():
    m = read("mg_cart", "measurements")
    ev = read("mg_cart", "events")
    b = m[(m["parameter"] == "cd19_bcells") & (m["day"] > 0)]
    first = b[b["value"] >= 10].groupby("subject")["day"].min()
    got = ev[ev["event"] == "b_cell_reconstitution"].set_index("subject")["day"]
    assert got.sort_index().equals(first.sort_index())
    assert (b.loc[b["blq"], "value"] == 1).all()


def test_mg_hypogammaglobulinaemia_on_first_igg_below_5():
    m = read("mg_cart", "measurements")
    ae = read("mg_cart", "adverse_events")
    igg = m[(m["parameter"] == "igg") & (m["value"] < 5.0)]
    first = igg.groupby("subject")["day"].min()
    hypo = ae[ae["term"] == "Hypogammaglobulinaemia"].set_index("subject")["day"]
    assert hypo.sort_index().equals(first.sort_index()) and len(hypo) >= 1


# ------------------------------------------------------------------------ adverse events vs R
def ae_counts(trial: str) -> dict:
    ae = read(trial, "adverse_events")
    subjects = read(trial, "subjects")["subject"]
    worst = ae.groupby("subject")["grade"].max().reindex(subjects, fill_value=0)
    by_soc = ae.groupby("soc").agg(
        any=("subject", "nunique"),
        grade3=("subject", lambda s: s[ae.loc[s.index, "grade"] >= 3].nunique()),
        events=("subject", "size")).reset_index()
    by_term = ae.groupby(["soc", "term"]).agg(
        any=("subject", "nunique"),
        grade3=("subject", lambda s: s[ae.loc[s.index, "grade"] >= 3].nunique()),
        worst=("grade", "max"), events=("subject", "size")).reset_index()
    return dict(N=len(subjects), any=ae["subject"].nunique(),
                grade3=ae.loc[ae["grade"] >= 3, "subject"].nunique(),
                serious=ae.loc[ae["serious"], "subject"].nunique(),
                related=ae.loc[ae["related"], "subject"].nunique(), events=len(ae),
                worst=list(worst), worst_distribution=[int((worst == g).sum()) for g in range(6)],
                by_soc=by_soc.to_dict("records"), by_term=by_term.to_dict("records"))


@pytest.mark.parametrize("trial", TRIALS)
def test_adverse_event_counts_equal_r(trial):
    got = ae_counts(trial)
    ref = REF[trial]["ae"]
    for key in ("N", "any", "grade3", "serious", "related", "events"):
        assert got[key] == ref[key], key
    assert got["worst"] == [r["worst"] for r in ref["worst_grade"]]
    assert got["worst_distribution"] == ref["worst_grade_distribution"]
    key = lambda r: (r["soc"], r.get("term", ""))  # noqa: E731  # R orders in the C locale
    assert sorted(got["by_soc"], key=key) == sorted(ref["by_soc"], key=key)
    assert sorted(got["by_term"], key=key) == sorted(ref["by_term"], key=key)


def test_adverse_event_mix():
    onc = read("phase2_onc", "adverse_events")
    mg = read("mg_cart", "adverse_events")
    # oncology: some patients without AEs, a grade 5 event, grade 3-4 events
    assert REF["phase2_onc"]["ae"]["any"] < REF["phase2_onc"]["n"]
    assert (onc["grade"] == 5).sum() == 1 and onc["grade"].isin([3, 4]).any()
    # CAR-T: infections and cytopenias under their SOCs, hypogammaglobulinaemia
    inf = set(mg.loc[mg["soc"] == "Infections and infestations", "term"])
    assert {"Upper respiratory tract infection", "COVID-19", "Urinary tract infection",
            "Herpes zoster"} <= inf
    blood = set(mg.loc[mg["soc"] == "Blood and lymphatic system disorders", "term"])
    assert {"Neutropenia", "Thrombocytopenia", "Anaemia"} <= blood
    assert "Hypogammaglobulinaemia" in set(mg["term"])


# ------------------------------------------------------------------------ ADaM version
def first_dose() -> pd.Series:
    s = read("phase2_onc", "subjects").set_index("subject")["infusion_date"]
    return s.map(lambda x: (dt.date.fromisoformat(x) - SAS_EPOCH).days)


def test_adtte_aval_and_cnsr_equal_the_csv_times():
    adtte = xpt("adtte")
    ep = onc_endpoints()
    got = adtte.rename(columns={"USUBJID": "subject", "PARAMCD": "paramcd"})
    merged = ep.merge(got, on=["subject", "paramcd"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    # documented mapping: AVAL = ADT - STARTDT = the elapsed days derived from the CSV files
    assert (merged["AVAL"] == merged["time"]).all()
    assert (merged["CNSR"] == 1 - merged["event"]).all()
    assert (merged["AVAL"] == merged["ADT"] - merged["STARTDT"]).all()
    trtsdt = merged["subject"].map(first_dose())
    assert (merged["STARTDT"] == trtsdt + merged["start"]).all()
    assert (merged["AVALU"] == "DAYS").all()


def test_adsl_equals_subjects_and_last_contact():
    adsl = xpt("adsl").set_index("USUBJID")
    subj = read("phase2_onc", "subjects").set_index("subject")
    ev = read("phase2_onc", "events")
    assert list(adsl.index) == list(subj.index)
    assert (adsl["SEX"] == subj["sex"]).all() and (adsl["AGE"] == subj["age"]).all()
    assert (adsl["ECOGBL"] == subj["ecog"]).all() and (adsl["ARM"] == subj["cohort"]).all()
    assert (adsl["TRTSDT"] == first_dose()).all()
    last = ev[ev["event"] == "last_contact"].set_index("subject")["day"]
    assert (adsl["LSTALVDT"] - adsl["TRTSDT"] == last).all()
    death = ev[ev["event"] == "death"].set_index("subject")["day"]
    dead = adsl["DTHFL"] == "Y"
    assert sorted(adsl.index[dead]) == sorted(death.index)
    assert (adsl.loc[dead, "DTHDT"] - adsl.loc[dead, "TRTSDT"] == death).all()


def test_adrs_equals_the_csv_responses_with_cdisc_study_days():
    adrs = xpt("adrs")
    meas = read("phase2_onc", "measurements")
    rs = meas[meas["parameter"].isin(["ovr", "bor"])]
    key = ["USUBJID", "PARAMCD", "ADY"]
    csv = pd.DataFrame({"USUBJID": rs["subject"], "PARAMCD": rs["parameter"].str.upper(),
                        "ADY": np.where(rs["day"] >= 0, rs["day"] + 1, rs["day"]).astype(float),
                        "AVALC": rs["value_text"], "AVISIT": rs["visit"]})
    a = adrs[key + ["AVALC", "AVISIT"]].sort_values(key).reset_index(drop=True)
    b = csv.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert (adrs["ADY"] != 0).all()
    assert (adrs["ADT"] - adrs["USUBJID"].map(first_dose()) == adrs["ADY"] - 1).all()
    code = dict(CR=1, PR=2, SD=3, PD=4, NE=5)
    assert (adrs["AVAL"] == adrs["AVALC"].map(code)).all()


def test_adae_equals_the_csv_adverse_events():
    adae = xpt("adae")
    ae = read("phase2_onc", "adverse_events")
    assert len(adae) == len(ae)
    assert (adae["USUBJID"] == ae["subject"]).all() and (adae["AEDECOD"] == ae["term"]).all()
    assert (adae["AEBODSYS"] == ae["soc"]).all() and (adae["ATOXGRN"] == ae["grade"]).all()
    assert (adae["ATOXGR"] == ae["grade"].astype(str)).all()
    assert (adae["ASTDY"] == ae["day"] + 1).all()  # AEs start on or after day 0
    end = ae["end_day"] + 1
    assert ((adae["AENDY"] == end) | (adae["AENDY"].isna() & end.isna())).all()
    assert (adae["AESER"] == ae["serious"].map({True: "Y", False: "N"})).all()
    assert (adae["AREL"] == ae["related"].map({True: "Y", False: "N"})).all()
    assert (adae["TRTEMFL"] == "Y").all()


# ------------------------------------------------------------------------ generator
def test_generator_reproduces_the_committed_files_byte_identically(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_examples.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True)
    for folder in FOLDERS:
        made = sorted(p.name for p in (tmp_path / folder).iterdir())
        committed = sorted(p.name for p in (DATA / folder).iterdir())
        assert made == committed, folder
        for name in made:
            assert (tmp_path / folder / name).read_bytes() == (DATA / folder / name).read_bytes(), \
                f"{folder}/{name}"


def test_xpt_writer_matches_haven_byte_for_byte(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_examples import write_xpt
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    ref = (REFERENCE / "examples" / "haven_probe.xpt").read_bytes()
    stamp = dt.datetime.strptime(ref[0x90:0xA0].decode("ascii"), "%d%b%y:%H:%M:%S")
    frame = pd.DataFrame({
        "USUBJID": pd.Series(["P01", "P0002", ""], dtype=object),
        "AVAL": [0.0, -2.5, math.nan],
        "X": [1 / 3, 1e10, 123456.789],
        "D": [float((dt.date(2024, 3, 4) - SAS_EPOCH).days), math.nan, -1.0],
    })
    write_xpt(tmp_path / "probe.xpt", frame, "PROBE", "Probe", {"AVAL": "Analysis Value"},
              {"D": ("DATE", 0)}, timestamp=stamp)
    assert (tmp_path / "probe.xpt").read_bytes() == ref


# ------------------------------------------------------------------------ through smalltrial
def _interfaces_available() -> bool:
    """True once the Trial/endpoint interfaces of this round (INTERFACES.md) are merged."""
    import smalltrial.survival as survival
    from smalltrial import endpoints

    return hasattr(survival, "time_to_event") and hasattr(endpoints, "response_rule")


needs_interfaces = pytest.mark.skipif(
    not _interfaces_available(),
    reason="survival.time_to_event / endpoints.response_rule (INTERFACES.md) not merged yet")


@needs_interfaces
def test_csv_and_adam_versions_give_the_same_endpoints_through_smalltrial():
    from smalltrial.endpoints import response_rule
    from smalltrial.survival import time_to_event
    from smalltrial.trial import read_adam, read_trial

    csv = read_trial(DATA / "phase2_onc")
    adam = read_adam(DATA / "phase2_onc_adam")
    confirmed = response_rule({"parameter": "ovr", "in": ["CR", "PR"], "confirm_days": 28})
    bor = response_rule({"parameter": "bor", "in": ["CR", "PR"]})
    for trial in (csv, adam):
        for rule in (confirmed, bor):
            best = rule.best(trial).set_index("subject")["met"]
            assert int(best.sum()) == REF["phase2_onc"]["orr"]["x"] and len(best) == 23
        first = confirmed.first_day(trial).set_index("subject")["day"]
        ref = pd.DataFrame(REF["phase2_onc"]["dor_endpoints"]).set_index("subject")
        assert (first == ref["response_day"]).all() and len(first) == len(ref)
    r = pd.DataFrame(REF["phase2_onc"]["endpoints"]).set_index("subject")
    rd = pd.DataFrame(REF["phase2_onc"]["dor_endpoints"]).set_index("subject")
    derived = {
        "pfs": time_to_event(csv, "pfs", events=("progression", "death"),
                             censor="last_assessment:ovr"),
        "os": time_to_event(csv, "os", events=("death",)),
        "dor": time_to_event(csv, "dor", events=("progression", "death"),
                             origin=confirmed.first_day(csv), censor="last_assessment:ovr"),
    }
    for name, frame in derived.items():
        ref_time, ref_event = ((rd["dor_time"], rd["dor_event"]) if name == "dor"
                               else (r[f"{name}_time"], r[f"{name}_event"]))
        for got in (frame, time_to_event(adam, name)):  # ADaM: the ADTTE records
            got = got.set_index("subject")
            assert list(got.index) == list(ref_time.index), name
            assert (got["time"] == ref_time).all() and (got["event"] == ref_event).all(), name
    ae_csv, ae_adam = csv.adverse_events, adam.adverse_events
    cols = ["subject", "term", "soc", "grade", "day"]
    pd.testing.assert_frame_equal(ae_csv[cols].reset_index(drop=True),
                                  ae_adam[cols].reset_index(drop=True), check_dtype=False)


@needs_interfaces
def test_mg_cart_endpoints_through_smalltrial():
    from smalltrial.endpoints import response_rule
    from smalltrial.survival import time_to_event
    from smalltrial.trial import read_trial

    trial = read_trial(DATA / "mg_cart")
    rule = response_rule({"parameter": "mgadl", "change": "absolute", "op": "<=", "value": -2})
    ev = rule.evaluate(trial)
    per_visit = ev.groupby("visit")["met"].agg(["sum", "count"])
    ref = pd.DataFrame(REF["mg_cart"]["responders"]).set_index("visit")
    assert (per_visit.loc[ref.index, "sum"] == ref["responders"]).all()
    assert (per_visit.loc[ref.index, "count"] == ref["n"]).all()
    rf = time_to_event(trial, "relapse", origin=rule.first_day(trial))
    assert rf.attrs["excluded"] == [REF["mg_cart"]["excluded"]]
    ref = pd.DataFrame(REF["mg_cart"]["relapse_free_endpoints"])
    assert (rf["subject"].tolist() == ref["subject"].tolist())
    assert (rf["time"].to_numpy() == ref["time"].to_numpy()).all()
    assert (rf["event"].to_numpy() == ref["event"].to_numpy()).all()


def _ae_summary_available() -> bool:
    import smalltrial.summaries as summaries

    return hasattr(summaries, "adverse_events")


@pytest.mark.skipif(not _ae_summary_available(),
                    reason="summaries.adverse_events (INTERFACES.md) not merged yet")
@pytest.mark.parametrize("trial,folder", [("phase2_onc", "phase2_onc"), ("mg_cart", "mg_cart"),
                                          ("phase2_onc", "phase2_onc_adam")])
def test_adverse_event_summary_equals_r(trial, folder):
    from smalltrial.summaries import adverse_events
    from smalltrial.trial import read_adam, read_trial

    t = (read_adam if folder.endswith("_adam") else read_trial)(DATA / folder)
    ref = REF[trial]["ae"]
    for min_grade, col in ((None, "any"), (3, "grade3")):
        s = adverse_events(t, min_grade=min_grade, include_events=())
        overall = s[s["level"] == "overall"].iloc[0]
        assert overall["N"] == ref["N"]
        assert overall["n"] == (ref["any"] if min_grade is None else ref["grade3"])
        soc = s[(s["level"] == "soc") & (s["n"] > 0)].set_index("soc")["n"].to_dict()
        assert soc == {r["soc"]: r[col] for r in ref["by_soc"] if r[col] > 0}
        term = s[(s["level"] == "term") & (s["n"] > 0)].set_index(["soc", "term"])["n"].to_dict()
        assert term == {(r["soc"], r["term"]): r[col] for r in ref["by_term"] if r[col] > 0}
    s = adverse_events(t, include_events=())
    overall = s[s["level"] == "overall"].iloc[0]
    assert [overall[f"grade_{g}"] for g in range(1, 6)] == ref["worst_grade_distribution"][1:]
