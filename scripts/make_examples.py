#!/usr/bin/env python3
"""Regenerate the two SYNTHETIC example trials outside lupus (smalltrial/data/<name>/).

SYNTHETIC: no row of these files is a real patient, and neither trial is based on a
publication. ``phase2_onc`` is a single-arm phase II trial of a made-up oral agent
("examplinib") in a made-up advanced solid tumour; ``mg_cart`` is a made-up CD19 CAR-T trial in
generalised myasthenia gravis. ``phase2_onc_adam`` holds the same oncology trial as CDISC ADaM
SAS XPORT v5 files (ADSL, ADRS, ADTTE, ADAE). Every assumption is listed in the description.md
of each folder (written by this script).

Usage::

    python scripts/make_examples.py               # writes smalltrial/data/
    python scripts/make_examples.py --out DIR     # writes DIR/<name>/ (tests use this)

Running it twice gives byte-identical files (the XPORT files carry a fixed creation timestamp;
they are written by :func:`write_xpt` below, which reproduces the byte layout of R
``haven::write_xpt(version = 5)``, checked in tests/test_examples_data.py against a file that
haven wrote).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import struct
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smalltrial.design import simon_two_stage  # noqa: E402

SEED = {"phase2_onc": 20260101, "mg_cart": 20260102}

# ============================================================================ RECIST rules
# The per-visit overall response (target lesions only; no non-target progression assumed):
#   CR  sum of diameters (sld) = 0 mm and no new lesion
#   PR  sld at least 30 % below baseline (and no new lesion, not PD)
#   PD  a new lesion, or sld at least 20 % above the smallest sum so far (baseline included)
#       and at least 5 mm above it
#   SD  otherwise;  NE  assessment done but not evaluable (no sld)
# Best overall response (BOR) with confirmation (RECIST 1.1, Eisenhauer 2009), applied to the
# post-baseline assessments up to and including the first PD:
#   CR  a CR confirmed by a later CR at least CONFIRM_DAYS days later
#   PR  otherwise a CR/PR confirmed by a later CR/PR at least CONFIRM_DAYS days later
#   SD  otherwise any CR/PR/SD on or after day SD_MIN_DAY (unconfirmed CR/PR count as SD)
#   PD  otherwise any PD;  NE  otherwise (no evaluable post-baseline assessment)
CONFIRM_DAYS = 28
SD_MIN_DAY = 42
PR_DROP = 0.30
PD_RISE = 0.20
PD_ABS_MM = 5.0
BOR_ORDER = ("CR", "PR", "SD", "PD", "NE")


def visit_response(sld: float, baseline: float, nadir: float, new_lesion: bool) -> str:
    """RECIST 1.1 overall response of one assessment from the sum of diameters (see above)."""
    if isinstance(sld, float) and math.isnan(sld):
        return "NE"
    if new_lesion or (sld >= (1 + PD_RISE) * nadir and sld - nadir >= PD_ABS_MM):
        return "PD"
    if sld == 0:
        return "CR"
    if sld <= (1 - PR_DROP) * baseline:
        return "PR"
    return "SD"


def best_overall_response(days: list[int], responses: list[str]) -> tuple[str, int | None]:
    """BOR with confirmation (rule above) and the first day of a confirmed response (or None)."""
    seq: list[tuple[int, str]] = []
    for d, r in sorted(zip(days, responses, strict=True)):
        if d <= 0:
            continue
        seq.append((d, r))
        if r == "PD":
            break

    def confirmed(ok: tuple[str, ...]) -> int | None:
        for i, (di, ri) in enumerate(seq):
            if ri in ok and any(rj in ok and dj - di >= CONFIRM_DAYS for dj, rj in seq[i + 1:]):
                return di
        return None

    if (d := confirmed(("CR",))) is not None:
        return "CR", confirmed(("CR", "PR"))
    if (d := confirmed(("CR", "PR"))) is not None:
        return "PR", d
    if any(r in ("CR", "PR", "SD") and d >= SD_MIN_DAY for d, r in seq):
        return "SD", None
    if any(r == "PD" for _, r in seq):
        return "PD", None
    return "NE", None


# ============================================================================ SAS XPORT v5
XPT_TIMESTAMP = dt.datetime(2026, 1, 1, 0, 0, 0)


def _ibm(x: float) -> bytes:
    """IEEE double -> 8-byte IBM hexadecimal float (exact for doubles; NaN -> SAS missing '.')."""
    if math.isnan(x):
        return b"\x2e" + b"\x00" * 7
    if x == 0:
        return b"\x00" * 8
    sign = 0x80 if x < 0 else 0
    m, k = math.frexp(abs(x))           # |x| = m * 2**k, 0.5 <= m < 1
    e = -(-k // 4)                      # ceil(k / 4): |x| = f * 16**e with 1/16 <= f < 1
    shift = 4 * e - k                   # 0..3
    mant = int(m * 2**53) << (3 - shift)  # f * 2**56, exact
    if not 0 <= e + 64 <= 127:
        raise ValueError(f"{x!r} is outside the IBM float range")
    return bytes([sign | (e + 64)]) + mant.to_bytes(7, "big")


def _pad(text: str, width: int) -> bytes:
    raw = text.encode("ascii")
    if len(raw) > width:
        raise ValueError(f"{text!r} is longer than {width} characters")
    return raw + b" " * (width - len(raw))


def _record(*parts: bytes) -> bytes:
    raw = b"".join(parts)
    return raw + b" " * (-len(raw) % 80)


def write_xpt(path: Path, frame: pd.DataFrame, name: str, label: str = "",
              labels: dict[str, str] | None = None, formats: dict[str, tuple[str, int]] | None = None,
              timestamp: dt.datetime = XPT_TIMESTAMP) -> None:
    """Write ``frame`` as a SAS transport (XPORT version 5) file, one member ``name``.

    Object columns are character (length = longest value, at least 1; ASCII), everything else
    numeric (8-byte IBM floats, NaN = missing). ``formats`` maps a column to (name, width),
    written as its format and informat (e.g. ``("DATE", 9)`` for SAS dates). The layout follows
    haven::write_xpt(version = 5) byte for byte, with a fixed ``timestamp`` so the file is
    reproducible.
    """
    labels = labels or {}
    formats = formats or {}
    stamp = timestamp.strftime("%d%b%y:%H:%M:%S").upper().encode("ascii")
    head = b"HEADER RECORD*******"
    out = [
        _record(head, b"LIBRARY HEADER RECORD!!!!!!!", b"0" * 30),
        _record(b"SAS     SAS     SASLIB  6.06    bsd4.2  ", b" " * 24, stamp),
        _record(stamp),
        _record(head, b"MEMBER  HEADER RECORD!!!!!!!", b"0" * 17, b"16", b"0" * 8, b"140"),
        _record(head, b"DSCRPTR HEADER RECORD!!!!!!!", b"0" * 30),
        _record(b"SAS     ", _pad(name, 8), b"SASDATA 6.06    bsd4.2  ", b" " * 24, stamp),
        _record(stamp, b" " * 16, _pad(label, 40), b" " * 8),
        _record(head, b"NAMESTR HEADER RECORD!!!!!!!", b"0" * 6, f"{frame.shape[1]:04d}".encode(),
                b"0" * 20),
    ]
    columns = []
    pos = 0
    namestr = b""
    for i, col in enumerate(frame.columns, start=1):
        values = frame[col]
        is_char = values.dtype == object
        if is_char:
            texts = ["" if (isinstance(v, float) and math.isnan(v)) or v is None else str(v)
                     for v in values]
            length = max([1, *(len(t.encode("ascii")) for t in texts)])
        else:
            texts = None
            length = 8
        fmt, fmt_len = formats.get(col, ("", 0))
        namestr += struct.pack(
            ">hhhh8s40s8shhh2s8shhi52s", 2 if is_char else 1, 0, length, i, _pad(col, 8),
            _pad(labels.get(col, ""), 40), _pad(fmt, 8), fmt_len, 0, 0 if is_char else 1,
            b"\x00\x00", _pad(fmt, 8), fmt_len, 0, pos, b"\x00" * 52)
        columns.append((texts, length, values))
        pos += length
    out.append(_record(namestr))
    out.append(_record(head, b"OBS     HEADER RECORD!!!!!!!", b"0" * 30))
    rows = []
    for r in range(len(frame)):
        for texts, length, values in columns:
            if texts is not None:
                rows.append(_pad(texts[r], length))
            else:
                rows.append(_ibm(float(values.iloc[r])))
    out.append(_record(b"".join(rows)))
    path.write_bytes(b"".join(out))


# ============================================================================ helpers
def ady(day: float) -> float:
    """smalltrial day (day 0 = first dose/infusion) -> CDISC study day (no day 0)."""
    if isinstance(day, float) and math.isnan(day):
        return math.nan
    return day + 1 if day >= 0 else day


def sas_date(date: dt.date) -> int:
    """SAS date: days since 1960-01-01."""
    return (date - dt.date(1960, 1, 1)).days


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def sort_events(rows: list[tuple], order: tuple[str, ...]) -> pd.DataFrame:
    e = pd.DataFrame(rows, columns=["subject", "day", "event", "grade"])
    e["_o"] = e["event"].map({k: i for i, k in enumerate(order)})
    e = e.sort_values(["subject", "day", "_o"], kind="stable").drop(columns="_o")
    return e.reset_index(drop=True)


def sort_aes(rows: list[dict]) -> pd.DataFrame:
    cols = ["subject", "term", "soc", "grade", "day", "end_day", "serious", "related"]
    ae = pd.DataFrame(rows, columns=cols)
    ae = ae.sort_values(["subject", "day", "term"], kind="stable").reset_index(drop=True)
    ae["grade"] = ae["grade"].astype(int)
    ae["day"] = ae["day"].astype(int)
    ae["end_day"] = ae["end_day"].astype("Int64")
    return ae


# ============================================================================ phase2_onc
ONC_DESIGN = dict(p0=0.15, p1=0.35, alpha=0.10, power=0.80, criterion="optimal")
ONC_AGENT = "Examplinib 200 mg"    # the cohort label (200 mg once daily)
ONC_START = dt.date(2024, 3, 4)      # first dose of the first patient (synthetic)
ONC_ENROL_EVERY = 18                 # days between first doses of consecutive patients

# Course per patient: one entry per tumour assessment, the scheduled ones every 8 weeks
# (day 56 k +- 4): a float = sum of diameters as a fraction of baseline, "NE" = not evaluable,
# ("new", f) = new lesion with fraction f, ("U", d, f) = unscheduled confirmatory scan d days
# after the previous one. After the course: ("censor",) alive and progression-free at the
# last assessment; ("death", d) death d days after progression / the last assessment;
# ("alive", d) alive, last contact d days after progression.
ONC = [
    ("ON01", "F", 61, 0, [0.62, 0.48, 0.45, 0.47, 0.60], ("alive", 150)),
    ("ON02", "M", 68, 1, [1.32], ("death", 200)),
    ("ON03", "M", 57, 1, [0.92, 0.88, 0.95, 1.12], ("death", 240)),
    ("ON04", "F", 49, 0, [0.55, 0.20, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], ("censor",)),
    ("ON05", "M", 72, 1, [("new", 1.05)], ("death", 160)),
    ("ON06", "F", 64, 0, [0.66, ("U", 28, 0.58), 0.52, 0.50, 0.55, 0.49, 0.71], ("alive", 120)),
    ("ON07", "M", 59, 0, [0.68, 1.00], ("death", 180)),
    ("ON08", "M", 75, 1, [], ("death", 38)),
    ("ON09", "F", 53, 0, [1.02, 0.95, 0.90, 0.93, 0.97, 1.15], ("alive", 90)),
    ("ON10", "F", 66, 1, [0.64, "NE", 0.55, 0.52, 0.50], ("censor",)),
    ("ON11", "M", 70, 1, [1.25], ("death", 120)),
    ("ON12", "M", 62, 0, [0.60, ("U", 24, 0.57), 0.50, 0.46, 0.44, 0.60], ("alive", 60)),
    ("ON13", "F", 58, 0, [0.85, 0.78, 0.64], ("censor",)),
    ("ON14", "M", 77, 1, [0.97, 1.01], ("death", 40)),
    ("ON15", "F", 45, 0, [0.58, 0.41, 0.37, 0.35, 0.36, 0.38], ("censor",)),
    ("ON16", "M", 69, 1, [1.40], ("alive", 100)),
    ("ON17", "F", 63, 0, [1.05, 1.08, 1.10, 1.30], ("death", 130)),
    ("ON18", "M", 55, 0, [0.67, ("U", 27, 0.64), 0.72, 0.74, 0.75], ("censor",)),
    ("ON19", "F", 60, 0, [0.52, 0.40, 0.34, 0.33], ("censor",)),
    ("ON20", "M", 71, 1, [("new", 0.85)], ("death", 210)),
    ("ON21", "F", 67, 1, [0.88, 0.86, 1.09], ("alive", 70)),
    ("ON22", "M", 52, 0, [0.61, ("U", 28, 0.55)], ("censor",)),
    ("ON23", "F", 65, 0, [0.95, 0.90], ("censor",)),
]
ONC_NO_AE = ("ON09", "ON23")
# the best overall response each course is built to give (asserted when generating)
ONC_INTENDED_BOR = "PR PD SD CR PD PR SD NE SD PR PD PR SD SD PR PD SD SD PR PD SD PR SD".split()
ONC_EVENT_ORDER = ("response", "progression", "death", "last_contact")

# term, SOC (MedDRA), probability per patient, grade probabilities (1..4), P(related)
ONC_AE_TERMS = [
    ("Fatigue", "General disorders and administration site conditions", 0.55, (0.5, 0.35, 0.15, 0), 0.8),
    ("Nausea", "Gastrointestinal disorders", 0.45, (0.65, 0.3, 0.05, 0), 0.8),
    ("Diarrhoea", "Gastrointestinal disorders", 0.40, (0.55, 0.3, 0.15, 0), 0.9),
    ("Vomiting", "Gastrointestinal disorders", 0.20, (0.7, 0.25, 0.05, 0), 0.7),
    ("Stomatitis", "Gastrointestinal disorders", 0.20, (0.6, 0.3, 0.1, 0), 0.9),
    ("Decreased appetite", "Metabolism and nutrition disorders", 0.30, (0.6, 0.35, 0.05, 0), 0.6),
    ("Hypertension", "Vascular disorders", 0.25, (0.3, 0.45, 0.25, 0), 0.9),
    ("Palmar-plantar erythrodysaesthesia syndrome", "Skin and subcutaneous tissue disorders",
     0.25, (0.5, 0.35, 0.15, 0), 1.0),
    ("Rash maculo-papular", "Skin and subcutaneous tissue disorders", 0.15, (0.7, 0.3, 0, 0), 0.9),
    ("Anaemia", "Blood and lymphatic system disorders", 0.30, (0.5, 0.35, 0.15, 0), 0.5),
    ("Neutropenia", "Blood and lymphatic system disorders", 0.15, (0.2, 0.4, 0.3, 0.1), 0.8),
    ("Thrombocytopenia", "Blood and lymphatic system disorders", 0.15, (0.5, 0.3, 0.15, 0.05), 0.8),
    ("Alanine aminotransferase increased", "Investigations", 0.20, (0.6, 0.25, 0.15, 0), 0.8),
    ("Aspartate aminotransferase increased", "Investigations", 0.20, (0.65, 0.25, 0.1, 0), 0.8),
    ("Hypothyroidism", "Endocrine disorders", 0.10, (0.3, 0.7, 0, 0), 0.9),
    ("Dyspnoea", "Respiratory, thoracic and mediastinal disorders", 0.15, (0.6, 0.3, 0.1, 0), 0.1),
    ("Back pain", "Musculoskeletal and connective tissue disorders", 0.15, (0.6, 0.4, 0, 0), 0.0),
    ("Pneumonia", "Infections and infestations", 0.08, (0, 0.4, 0.6, 0), 0.1),
]


def make_phase2_onc() -> dict:
    """The SYNTHETIC phase2_onc tables and the facts the description and ADaM need."""
    rng = np.random.default_rng(SEED["phase2_onc"])
    design = simon_two_stage(**ONC_DESIGN)
    subjects, meas, events, aes, facts = [], [], [], [], {}
    for i, (sid, sex, age, ecog, course, post) in enumerate(ONC):
        first_dose = ONC_START + dt.timedelta(days=ONC_ENROL_EVERY * i)
        subjects.append((sid, ONC_AGENT, sex, age, ecog, first_dose.isoformat()))
        base = float(rng.integers(40, 141))
        base_day = -int(rng.integers(3, 22))
        meas.append((sid, base_day, "baseline", "sld", base, "mm", math.nan))
        # assessments
        days, resp = [], []
        nadir = base
        k = 0
        prev = 0
        for item in course:
            if isinstance(item, tuple) and item[0] == "U":
                day, visit, frac, new = prev + item[1], "unscheduled", item[2], False
            else:
                k += 1
                day = 56 * k + int(rng.integers(-4, 5))
                visit = f"week {8 * k}"
                new = isinstance(item, tuple) and item[0] == "new"
                frac = item[1] if new else item
            prev = day
            if frac == "NE":
                sld = math.nan
            else:
                sld = float(round(base * frac))
                meas.append((sid, day, visit, "sld", sld, "mm", math.nan))
                meas.append((sid, day, visit, "new_lesions", float(new), "0/1", math.nan))
            r = visit_response(sld, base, nadir, new)
            meas.append((sid, day, visit, "ovr", math.nan, math.nan, r))
            if not math.isnan(sld):
                nadir = min(nadir, sld)
            days.append(day)
            resp.append(r)
        assert resp.count("PD") <= 1 and (not resp or "PD" not in resp[:-1]), sid
        bor, resp_day = best_overall_response(days, resp)
        assert bor == ONC_INTENDED_BOR[i], (sid, bor, resp)
        pd_day = days[-1] if resp and resp[-1] == "PD" else None
        last_scan = days[-1] if days else 0
        death = None
        if post[0] == "censor":
            assert pd_day is None, sid
            last_contact = last_scan + int(rng.integers(5, 31))
        elif post[0] == "death":
            death = (pd_day if pd_day is not None else last_scan) + post[1]
            last_contact = death
        else:
            assert pd_day is not None, sid
            last_contact = pd_day + post[1]
        bor_day = last_scan if days else last_contact
        meas.append((sid, bor_day, "best overall response", "bor", math.nan, math.nan, bor))
        if resp_day is not None:
            events.append((sid, resp_day, "response", math.nan))
        if pd_day is not None:
            events.append((sid, pd_day, "progression", math.nan))
        if death is not None:
            events.append((sid, death, "death", math.nan))
        events.append((sid, last_contact, "last_contact", math.nan))
        # adverse events while on treatment (to progression or last contact) + 30 days
        on_treatment_end = min(last_contact, (pd_day if pd_day is not None else last_contact) + 30)
        if sid == "ON08":  # the early death: fatal sepsis (grade 5), after a grade 3 pneumonia
            aes.append(dict(subject=sid, term="Pneumonia", soc="Infections and infestations",
                            grade=3, day=27, end_day=pd.NA, serious=True, related=False))
            aes.append(dict(subject=sid, term="Sepsis", soc="Infections and infestations",
                            grade=5, day=34, end_day=death, serious=True, related=False))
            aes.append(dict(subject=sid, term="Fatigue", soc=ONC_AE_TERMS[0][1], grade=2,
                            day=9, end_day=pd.NA, serious=False, related=True))
        elif sid not in ONC_NO_AE:
            for term, soc, p, gp, prel in ONC_AE_TERMS:
                if rng.random() >= p:
                    continue
                grade = int(rng.choice([1, 2, 3, 4], p=np.array(gp) / sum(gp)))
                day = int(rng.integers(0, max(1, min(on_treatment_end, 180)) + 1))
                end = day + int(rng.integers(3, 61))
                serious = bool(grade >= 3 and rng.random() < 0.5)
                related = bool(rng.random() < prel)
                aes.append(dict(subject=sid, term=term, soc=soc, grade=grade, day=day,
                                end_day=end if end <= last_contact else pd.NA,
                                serious=serious, related=related))
        facts[sid] = dict(first_dose=first_dose, bor=bor, resp_day=resp_day, pd_day=pd_day,
                          death=death, last_contact=last_contact, last_scan=last_scan,
                          stage=1 if i < design.n1 else 2)

    subj = pd.DataFrame(subjects, columns=["subject", "cohort", "sex", "age", "ecog",
                                           "infusion_date"])
    m = pd.DataFrame(meas, columns=["subject", "day", "visit", "parameter", "value", "unit",
                                    "value_text"])
    m = m.sort_values(["subject", "day"], kind="stable").reset_index(drop=True)
    params = pd.DataFrame([
        ("sld", "Sum of target-lesion diameters", "mm", math.nan, math.nan, math.nan),
        ("new_lesions", "New lesions", "0/1", math.nan, math.nan, math.nan),
        ("ovr", "Overall response (RECIST 1.1)", math.nan,
         math.nan, math.nan, math.nan),
        ("bor", "Best overall response (confirmed)", math.nan,
         math.nan, math.nan, math.nan),
    ], columns=["parameter", "label", "unit", "lower_limit", "upper_limit", "lloq"])
    return dict(subjects=subj, measurements=m, events=sort_events(events, ONC_EVENT_ORDER),
                adverse_events=sort_aes(aes), parameters=params, facts=facts, design=design)


def onc_endpoints(facts: dict) -> pd.DataFrame:
    """PFS, OS and DOR per subject (days; the rules of description.md)."""
    rows = []
    for sid, f in facts.items():
        ends = [d for d in (f["pd_day"], f["death"]) if d is not None]
        pfs = (min(ends), 1) if ends else (f["last_scan"], 0)
        os_ = (f["death"], 1) if f["death"] is not None else (f["last_contact"], 0)
        rows.append((sid, "PFS", 0, *pfs))
        rows.append((sid, "OS", 0, *os_))
        if f["resp_day"] is not None:
            rows.append((sid, "DOR", f["resp_day"], *pfs))
    out = pd.DataFrame(rows, columns=["subject", "paramcd", "start", "end", "event"])
    out["time"] = out["end"] - out["start"]
    return out


def make_phase2_onc_adam(tables: dict) -> dict[str, tuple]:
    """The ADaM version (ADSL, ADRS, ADTTE, ADAE) of the SYNTHETIC phase2_onc trial."""
    facts = tables["facts"]
    studyid = "EXAMPLE-ONC-P2"
    subj = tables["subjects"]
    date_of = {sid: f["first_dose"] for sid, f in facts.items()}

    def sdate(sid: str, day: float) -> float:
        if day is None or (isinstance(day, float) and math.isnan(day)):
            return math.nan
        return float(sas_date(date_of[sid] + dt.timedelta(days=int(day))))

    adsl = pd.DataFrame({
        "STUDYID": studyid,
        "USUBJID": subj["subject"].to_numpy(dtype=object),
        "SUBJID": subj["subject"].str[2:].to_numpy(dtype=object),
        "AGE": subj["age"].astype(float),
        "AGEU": "YEARS",
        "SEX": subj["sex"].to_numpy(dtype=object),
        "ECOGBL": subj["ecog"].astype(float),
        "ARM": subj["cohort"].to_numpy(dtype=object),
        "TRT01A": subj["cohort"].to_numpy(dtype=object),
        "SAFFL": "Y",
        "TRTSDT": [sdate(s, 0) for s in subj["subject"]],
        "LSTALVDT": [sdate(s, facts[s]["last_contact"]) for s in subj["subject"]],
        "DTHFL": ["Y" if facts[s]["death"] is not None else "" for s in subj["subject"]],
        "DTHDT": [sdate(s, facts[s]["death"]) for s in subj["subject"]],
    })
    code = {r: float(i + 1) for i, r in enumerate(BOR_ORDER)}
    m = tables["measurements"]
    rs = m[m["parameter"].isin(["ovr", "bor"])].copy()
    rs = rs.assign(_p=rs["parameter"].map({"ovr": 0, "bor": 1})).sort_values(
        ["subject", "_p", "day"], kind="stable")
    adrs = pd.DataFrame({
        "STUDYID": studyid,
        "USUBJID": rs["subject"].to_numpy(dtype=object),
        "PARAMCD": rs["parameter"].str.upper().to_numpy(dtype=object),
        "PARAM": np.where(rs["parameter"] == "bor",
                          "Best Overall Response (confirmed, RECIST 1.1)",
                          "Overall Response by Investigator (RECIST 1.1)").astype(object),
        "AVALC": rs["value_text"].to_numpy(dtype=object),
        "AVAL": rs["value_text"].map(code).to_numpy(dtype=float),
        "AVISIT": rs["visit"].to_numpy(dtype=object),
        "ADT": [sdate(s, d) for s, d in zip(rs["subject"], rs["day"], strict=True)],
        "ADY": [float(ady(d)) for d in rs["day"]],
    })
    tte = onc_endpoints(facts)
    label = {"PFS": "Progression-free survival (days)", "OS": "Overall survival (days)",
             "DOR": "Duration of response (days)"}
    evdesc = {("PFS", 1): "PROGRESSION OR DEATH", ("PFS", 0): "LAST TUMOUR ASSESSMENT",
              ("DOR", 1): "PROGRESSION OR DEATH", ("DOR", 0): "LAST TUMOUR ASSESSMENT",
              ("OS", 1): "DEATH", ("OS", 0): "LAST KNOWN ALIVE"}
    tte = tte.assign(_p=tte["paramcd"].map({"PFS": 0, "OS": 1, "DOR": 2})).sort_values(
        ["_p", "subject"], kind="stable")
    adtte = pd.DataFrame({
        "STUDYID": studyid,
        "USUBJID": tte["subject"].to_numpy(dtype=object),
        "PARAMCD": tte["paramcd"].to_numpy(dtype=object),
        "PARAM": tte["paramcd"].map(label).to_numpy(dtype=object),
        "AVAL": tte["time"].astype(float).to_numpy(),
        "AVALU": "DAYS",
        "CNSR": (1 - tte["event"]).astype(float).to_numpy(),
        "EVNTDESC": [evdesc[(p, e)] for p, e in zip(tte["paramcd"], tte["event"], strict=True)],
        "STARTDT": [sdate(s, d) for s, d in zip(tte["subject"], tte["start"], strict=True)],
        "ADT": [sdate(s, d) for s, d in zip(tte["subject"], tte["end"], strict=True)],
    })
    ae = tables["adverse_events"]
    yn = {True: "Y", False: "N"}
    end = ae["end_day"].astype(float)
    adae = pd.DataFrame({
        "STUDYID": studyid,
        "USUBJID": ae["subject"].to_numpy(dtype=object),
        "AETERM": ae["term"].str.upper().to_numpy(dtype=object),
        "AEDECOD": ae["term"].to_numpy(dtype=object),
        "AEBODSYS": ae["soc"].to_numpy(dtype=object),
        "ATOXGR": ae["grade"].astype(str).to_numpy(dtype=object),
        "ATOXGRN": ae["grade"].astype(float).to_numpy(),
        "ASTDT": [sdate(s, d) for s, d in zip(ae["subject"], ae["day"], strict=True)],
        "ASTDY": [float(ady(float(d))) for d in ae["day"]],
        "AENDT": [sdate(s, d) for s, d in zip(ae["subject"], end, strict=True)],
        "AENDY": [float(ady(float(d))) for d in end],
        "AESER": ae["serious"].map(yn).to_numpy(dtype=object),
        "AREL": ae["related"].map(yn).to_numpy(dtype=object),
        "TRTEMFL": "Y",
    })
    date9 = ("DATE", 9)
    return {
        "adsl": (adsl, "ADSL", "Subject-Level Analysis Dataset",
                 {"TRTSDT": date9, "LSTALVDT": date9, "DTHDT": date9}),
        "adrs": (adrs, "ADRS", "Response Analysis Dataset", {"ADT": date9}),
        "adtte": (adtte, "ADTTE", "Time-to-Event Analysis Dataset",
                  {"STARTDT": date9, "ADT": date9}),
        "adae": (adae, "ADAE", "Adverse Events Analysis Dataset",
                 {"ASTDT": date9, "AENDT": date9}),
    }


ADAM_LABELS = {
    "STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier",
    "SUBJID": "Subject Identifier for the Study", "AGE": "Age", "AGEU": "Age Units",
    "SEX": "Sex", "ECOGBL": "Baseline ECOG Performance Status", "ARM": "Description of Arm",
    "TRT01A": "Actual Treatment for Period 01", "SAFFL": "Safety Population Flag",
    "TRTSDT": "Date of First Exposure to Treatment", "LSTALVDT": "Date Last Known Alive",
    "DTHFL": "Subject Death Flag", "DTHDT": "Date of Death", "PARAMCD": "Parameter Code",
    "PARAM": "Parameter", "AVALC": "Analysis Value (C)", "AVAL": "Analysis Value",
    "AVISIT": "Analysis Visit", "ADT": "Analysis Date", "ADY": "Analysis Relative Day",
    "AVALU": "Analysis Value Unit", "CNSR": "Censor", "EVNTDESC": "Event or Censoring Description",
    "STARTDT": "Time-to-Event Origin Date for Subject", "AETERM": "Reported Term for the Adverse Event",
    "AEDECOD": "Dictionary-Derived Term", "AEBODSYS": "Body System or Organ Class",
    "ATOXGR": "Analysis Toxicity Grade", "ATOXGRN": "Analysis Toxicity Grade (N)",
    "ASTDT": "Analysis Start Date", "ASTDY": "Analysis Start Relative Day",
    "AENDT": "Analysis End Date", "AENDY": "Analysis End Relative Day",
    "AESER": "Serious Event", "AREL": "Analysis Causality",
    "TRTEMFL": "Treatment Emergent Analysis Flag",
}


def describe_phase2_onc(t: dict) -> str:
    d = t["design"]
    facts = t["facts"]
    n = len(facts)
    resp = sum(f["bor"] in ("CR", "PR") for f in facts.values())
    stage1 = sum(f["bor"] in ("CR", "PR") for f in facts.values() if f["stage"] == 1)
    bor = {r: sum(f["bor"] == r for f in facts.values()) for r in BOR_ORDER}
    start = min(f["first_dose"] for f in facts.values())
    cutoff = max(f["first_dose"] + dt.timedelta(days=f["last_contact"]) for f in facts.values())
    return f"""SYNTHETIC single-arm phase II trial of a made-up agent (examplinib) in a made-up solid tumour; not based on any publication; not patient data.

# phase2_onc (SYNTHETIC)

**These data are SYNTHETIC and NOT based on a publication.** No row is a real patient; the agent
("examplinib", an invented oral drug at an invented dose of 200 mg once daily) and the disease
("an advanced solid tumour", not a real indication) are made up; no number here is a published
number. The files were generated deterministically by `scripts/make_examples.py`
(seed {SEED['phase2_onc']}) to exercise a phase II oncology analysis: objective response from
best overall response with confirmation, PFS, OS, duration of response, an AE table by SOC/PT
and the Simon design. The same trial ships as CDISC ADaM in `phase2_onc_adam/`.

## Design (computed, not assumed)
Simon two-stage **optimal** design for H0: p <= {ONC_DESIGN['p0']} against H1: p >= {ONC_DESIGN['p1']}
with one-sided alpha {ONC_DESIGN['alpha']} and power {ONC_DESIGN['power']}, as returned by
`smalltrial.design.simon_two_stage({ONC_DESIGN['p0']}, {ONC_DESIGN['p1']}, alpha={ONC_DESIGN['alpha']}, power={ONC_DESIGN['power']}, criterion="optimal")`:
r1/n1 = {d.r1}/{d.n1}, r/n = {d.r}/{d.n} (stage 1: stop for futility with <= {d.r1} responses in
the first {d.n1} patients; the agent is promising with > {d.r} responses in {d.n}).
Expected sample size under p0 {d.expected_n0:.4f}, probability of early termination under p0
{d.pet0:.4f}, attained type I error {d.type1_error:.4f}, power {d.power:.4f}.
In these data: {stage1} confirmed responses among the first {d.n1} patients (stage 1 passed),
{resp}/{n} in total.

## Tables
- `subjects.csv`: `subject` (ON01-ON{n:02d}, in order of first dose), `cohort` (one value: the
  dose), `sex`, `age`, `ecog` (baseline ECOG 0/1), `infusion_date` (first-dose date; synthetic
  dates from {start.isoformat()}, one patient every {ONC_ENROL_EVERY} days).
- `measurements.csv` (long): `sld` sum of target-lesion diameters (mm) at baseline (day -21 to
  -3) and at every tumour assessment; `new_lesions` (0/1) at every evaluable post-baseline
  assessment; `ovr` overall response per assessment (`value_text` CR/PR/SD/PD/NE, `value`
  empty); `bor` confirmed best overall response, one row per subject (`value_text`; day = the
  last tumour assessment, or last contact if there was none; visit `best overall response`).
- `events.csv`: `response` (first day of the confirmed response = start of duration of
  response), `progression` (day of the assessment showing PD), `death`, `last_contact`.
- `adverse_events.csv`: `subject, term, soc, grade, day, end_day, serious, related`.
- `parameters.csv`: the measurement parameters.

## Rules (what the tests re-derive)
- Day 0 = first dose. Tumour assessments every 8 weeks (day 56 k, +- 4 days, visit `week 8k`)
  until progression, death or the end of follow-up. Unscheduled confirmatory scans test the
  28-day boundary: ON22's PR is confirmed only by a scan exactly 28 days later; ON18's PR is
  followed by a PR only 27 days later and then SD (unconfirmed: BOR SD); ON12's PR is followed
  by a PR 24 days later (too early) and confirmed by the next scheduled scan; ON06 has a
  confirmatory scan 28 days after its first PR.
- Per-visit response (RECIST 1.1, Eisenhauer et al. Eur J Cancer 2009;45:228, target lesions
  only; non-target lesions are assumed never to progress unequivocally): CR = sld 0 and no new
  lesion; PD = a new lesion, or sld >= 1.2 x the smallest sum so far (baseline included) and
  >= 5 mm above it; PR = sld <= 0.7 x baseline; SD otherwise; NE = scan not evaluable (no sld).
- Confirmed best overall response, over the post-baseline assessments up to the first PD:
  CR = a CR followed by a CR >= {CONFIRM_DAYS} days later; PR = otherwise a CR/PR followed by a
  CR/PR >= {CONFIRM_DAYS} days later (an NE in between is allowed); SD = otherwise any CR/PR/SD
  on or after day {SD_MIN_DAY} (minimum SD duration; unconfirmed responses count as SD);
  PD = otherwise any PD; NE = otherwise. Objective response = BOR CR or PR; every patient is
  in the denominator (NE counts as non-response).
  Here: {', '.join(f'{r} {bor[r]}' for r in BOR_ORDER)}.
- PFS: from day 0 to progression or death, whichever comes first; censored at the last
  tumour assessment (the last `ovr` day; here always an evaluable one).
- OS: from day 0 to death; censored at last contact.
- DOR (confirmed responders only): from the first day of the confirmed response (`response`
  event) to progression or death; censored at the last tumour assessment.
- Times are elapsed days (end day - start day).

## ADaM version (`phase2_onc_adam/`, SAS XPORT v5) and the day mapping
- CDISC study days have no day 0: ADY = day + 1 for day >= 0 (first-dose day = ADY 1) and
  ADY = day for day < 0 (ADRS `ADY`, ADAE `ASTDY`/`AENDY`). Dates (ADSL `TRTSDT`, `LSTALVDT`,
  `DTHDT`; ADRS/ADTTE `ADT`; ADTTE `STARTDT`; ADAE `ASTDT`/`AENDT`) are SAS dates =
  first-dose date + day.
- ADTTE `AVAL` = `ADT - STARTDT` in days (elapsed days; STARTDT = first dose for PFS and OS,
  first confirmed response for DOR), `CNSR` = 1 - event. So every ADTTE AVAL equals the time
  derived from the CSV files by the rules above (time = AVAL), as the package's own
  `Trial.to_adam`/`read_adam` do. Why not `ADT - STARTDT + 1` (the other common
  sponsor convention): it counts the start day inclusively, so it is one day longer than the
  elapsed time for every parameter; a duration between two events (DOR) cannot be made equal
  by any shift of the day origin, so the CSV and ADaM versions would give tables one day apart.
- ADRS: PARAMCD `OVR` (per assessment) and `BOR` (once per subject), AVALC as in the CSV,
  AVAL 1-5 = CR, PR, SD, PD, NE. ADAE: AEDECOD = `term`, AEBODSYS = `soc`, ATOXGR (character
  grade, CDISC type) and ATOXGRN (numeric), AESER/AREL `Y`/`N`, TRTEMFL `Y` for all.
- The tumour measurements (`sld`, `new_lesions`) are in the CSV version only (no ADTR).

## Assumptions (all invented for the example)
- {n} patients, all treated; sexes, ages, ECOG, baseline sums of diameters (40-140 mm), every
  tumour course, survival after progression, the data cut-off ({cutoff.isoformat()}, the
  latest last contact), and every adverse event.
- Adverse events: treatment-emergent, onset from day 0 to 30 days after progression (or last
  contact) and within day 180; a realistic mix of terms for an oral targeted agent (fatigue,
  GI toxicity, hypertension, hand-foot syndrome, cytopenias, liver enzymes, ...), MedDRA-style
  preferred terms and system organ classes, CTCAE grades 1-5; `end_day` empty = ongoing at
  last contact. {', '.join(ONC_NO_AE)} have no adverse event. ON08 died of sepsis on day
  {facts['ON08']['death']} (grade 5 AE) before the first tumour assessment (BOR NE).
- ON14 died {facts['ON14']['death'] - facts['ON14']['last_scan']} days after its last tumour assessment (SD) without documented
  progression (a PFS event; cause not recorded, not an adverse event). The other deaths
  follow progression and are from the disease (not adverse events).
- Patients alive at their last contact are not all followed to a common cut-off date
  (a simplification).
"""


# ============================================================================ mg_cart
MG_VISITS = [("baseline", None), ("month 1", 1), ("month 2", 2), ("month 3", 3), ("month 6", 6),
             ("month 9", 9), ("month 12", 12)]
MG_START = dt.date(2025, 2, 3)
MG_EVENT_ORDER = ("crs", "icans", "b_cell_reconstitution", "relapse", "death", "last_contact")
# subject, sex, age, MG-ADL per visit (baseline, months 1, 2, 3, 6, 9, 12; None = missed,
# list shorter = follow-up ended), CRS grade (0 = none), B-cell reconstitution visit (month) or
# None, relapse day or None, dropout (withdrew after the last visit)
MG = [
    ("MG01", "F", 34, [9, 6, 4, 3, 2, 2, 2], 1, 6, None, False),
    ("MG02", "F", 45, [11, 8, None, 5, 4, 3, 3], 1, 9, None, False),
    ("MG03", "M", 58, [8, 7, 5, 4, 4, 8, 8], 2, 6, 248, False),
    ("MG04", "F", 29, [12, 9, 7, 6, 5, 5, 4], 0, None, None, False),
    ("MG05", "M", 63, [7, 6, 5, 4, 3, None, 3], 1, 9, None, False),
    ("MG06", "F", 41, [10, 8, 6, 5, 5, 4], 1, None, None, False),
    ("MG07", "M", 52, [9, 9, 8, 8, 9, 8, 8], 0, 12, None, False),
    ("MG08", "F", 38, [13, 10, 8, 8, 12, 13, 12], 1, 3, 158, False),
    ("MG09", "M", 67, [8, 6, 5, 5, 4], 2, None, None, True),
    ("MG10", "F", 31, [11, 9, 7, None, 6], 1, None, None, False),
]
# term, soc, days window, grade probabilities (1..4), P(per patient), P(related), P(serious | >=3)
MG_AE_TERMS = [
    ("Neutropenia", "Blood and lymphatic system disorders", (2, 14), (0.1, 0.2, 0.4, 0.3), 0.7, 1.0, 0.1),
    ("Thrombocytopenia", "Blood and lymphatic system disorders", (2, 21), (0.4, 0.3, 0.3, 0), 0.4, 1.0, 0.2),
    ("Anaemia", "Blood and lymphatic system disorders", (3, 30), (0.5, 0.4, 0.1, 0), 0.5, 1.0, 0.0),
    ("Febrile neutropenia", "Blood and lymphatic system disorders", (5, 12), (0, 0, 1.0, 0), 0.1, 1.0, 1.0),
    ("Upper respiratory tract infection", "Infections and infestations", (30, 330), (0.6, 0.4, 0, 0), 0.4, 0.5, 0.0),
    ("COVID-19", "Infections and infestations", (40, 330), (0.3, 0.6, 0.1, 0), 0.2, 0.3, 1.0),
    ("Urinary tract infection", "Infections and infestations", (20, 330), (0.3, 0.7, 0, 0), 0.2, 0.3, 0.0),
    ("Herpes zoster", "Infections and infestations", (60, 330), (0, 0.8, 0.2, 0), 0.15, 0.5, 1.0),
    ("Headache", "Nervous system disorders", (0, 10), (0.8, 0.2, 0, 0), 0.3, 0.8, 0.0),
    ("Fatigue", "General disorders and administration site conditions", (0, 30), (0.7, 0.3, 0, 0), 0.4, 0.8, 0.0),
]
# infections that the random draw above may miss, fixed so every kind of the example occurs
MG_FIXED_AES = [
    dict(subject="MG04", term="COVID-19", soc="Infections and infestations", grade=2, day=151,
         end_day=163, serious=False, related=False),
    dict(subject="MG05", term="Herpes zoster", soc="Infections and infestations", grade=3,
         day=212, end_day=233, serious=True, related=True),
    dict(subject="MG08", term="Upper respiratory tract infection",
         soc="Infections and infestations", grade=2, day=240, end_day=249, serious=False,
         related=False),
]
HYPOGAMMA_IGG = 5.0   # g/L: hypogammaglobulinaemia AE (grade 2) at the first visit below this


def make_mg_cart() -> dict:
    """The SYNTHETIC mg_cart tables."""
    rng = np.random.default_rng(SEED["mg_cart"])
    subjects, meas, events, aes = [], [], [], []
    for i, (sid, sex, age, adl, crs, recon, relapse, dropout) in enumerate(MG):
        infusion = MG_START + dt.timedelta(days=40 * i)
        qmg0 = int(rng.integers(12, 23))
        achr0 = round(float(rng.uniform(3, 60)), 2)
        b0 = int(rng.integers(60, 301))
        igg0 = round(float(rng.uniform(8, 14)), 1)
        igg_floor = round(float(rng.uniform(3.8, 7.5)), 1)
        subjects.append((sid, "gMG", sex, age, infusion.isoformat(),
                         str(rng.choice(["IIa", "IIb", "IIIa", "IIIb"])),
                         int(rng.integers(2, 16))))
        last_visit_day = 0
        recon_day = None
        igg_low_day = None
        for (visit, month), score in zip(MG_VISITS, adl, strict=False):
            day = -int(rng.integers(3, 15)) if month is None else 30 * month + int(
                rng.integers(-3, 4))
            if score is None:
                continue
            last_visit_day = max(last_visit_day, day)
            t = max(day, 0)
            qmg = max(0, qmg0 + round(1.4 * (score - adl[0])) + int(rng.integers(-1, 2)))
            achr = achr0 if t == 0 else round(achr0 * (0.45 + 0.55 * math.exp(-t / 150))
                                              * float(rng.lognormal(0, 0.1)), 2)
            if t == 0:
                b, blq = float(b0), False
            elif recon is not None and month >= recon:
                b, blq = float(round(min(b0, 12 + 25 * (month - recon) + rng.integers(0, 20)))), False
            elif month >= 3 and rng.random() < 0.5:
                b, blq = float(rng.integers(2, 9)), False
            else:
                b, blq = 1.0, True
            if t > 0 and b >= 10 and recon_day is None:
                recon_day = day   # the first visit at or above 10 cells/uL
            igg = igg0 if t == 0 else round(igg_floor + (igg0 - igg_floor) * math.exp(-t / 45)
                                            + float(rng.normal(0, 0.2)), 1)
            if igg < HYPOGAMMA_IGG and igg_low_day is None:
                igg_low_day = day
            for par, val, unit, q in (("mgadl", float(score), "points", False),
                                      ("qmg", float(qmg), "points", False),
                                      ("achr_ab", achr, "nmol/L", False),
                                      ("cd19_bcells", b, "cells/uL", blq),
                                      ("igg", igg, "g/L", False)):
                meas.append((sid, day, visit, par, val, unit, q))
        last_contact = last_visit_day + (10 if dropout else int(rng.integers(0, 15)))
        if crs:
            events.append((sid, int(rng.integers(1, 6)), "crs", float(crs)))
        if recon_day is not None:
            events.append((sid, recon_day, "b_cell_reconstitution", math.nan))
        if relapse is not None:
            events.append((sid, relapse, "relapse", math.nan))
        events.append((sid, last_contact, "last_contact", math.nan))
        # adverse events
        for term, soc, (lo, hi), gp, p, prel, pser in MG_AE_TERMS:
            if rng.random() >= p:
                continue
            grade = int(rng.choice([1, 2, 3, 4], p=np.array(gp) / sum(gp)))
            day = int(rng.integers(lo, min(hi, last_contact) + 1))
            end = day + int(rng.integers(3, 22))
            aes.append(dict(subject=sid, term=term, soc=soc, grade=grade, day=day,
                            end_day=end if end <= last_contact else pd.NA,
                            serious=bool(grade >= 3 and rng.random() < pser),
                            related=bool(rng.random() < prel)))
        if igg_low_day is not None:
            aes.append(dict(subject=sid, term="Hypogammaglobulinaemia", soc="Immune system disorders",
                            grade=2, day=igg_low_day, end_day=pd.NA, serious=False, related=True))
    aes.extend(MG_FIXED_AES)
    subj = pd.DataFrame(subjects, columns=["subject", "cohort", "sex", "age", "infusion_date",
                                           "mgfa_class", "disease_years"])
    m = pd.DataFrame(meas, columns=["subject", "day", "visit", "parameter", "value", "unit", "blq"])
    m = m.sort_values(["subject", "day"], kind="stable").reset_index(drop=True)
    params = pd.DataFrame([
        ("mgadl", "MG-ADL score", "points",
         math.nan, math.nan, math.nan),
        ("qmg", "QMG score", "points",
         math.nan, math.nan, math.nan),
        ("achr_ab", "Anti-AChR antibodies", "nmol/L", math.nan, 0.5, math.nan),
        ("cd19_bcells", "CD19+ B cells", "cells/uL", 100.0, 500.0, 1.0),
        ("igg", "Immunoglobulin G", "g/L", 7.0, 16.0, math.nan),
    ], columns=["parameter", "label", "unit", "lower_limit", "upper_limit", "lloq"])
    return dict(subjects=subj, measurements=m, events=sort_events(events, MG_EVENT_ORDER),
                adverse_events=sort_aes(aes), parameters=params)


def describe_mg_cart(t: dict) -> str:
    n = len(t["subjects"])
    return f"""SYNTHETIC CD19 CAR-T trial in generalised myasthenia gravis (made up); not based on any publication; not patient data.

# mg_cart (SYNTHETIC)

**These data are SYNTHETIC and NOT based on a publication.** No row is a real patient; the
trial (a single-arm trial of an anti-CD19 CAR-T product in {n} patients with anti-AChR-antibody
positive generalised myasthenia gravis) is made up, and no number here is a published number.
The files were generated deterministically by `scripts/make_examples.py` (seed
{SEED['mg_cart']}) to exercise a CAR-T analysis outside lupus: a responder rule on a disease
score, relapse-free time from response, infections and cytopenias as adverse events.

## Tables
- `subjects.csv`: `subject` (MG01-MG{n:02d}), `cohort` (`gMG`), `sex`, `age`,
  `infusion_date` (synthetic, from {MG_START.isoformat()}, one patient every 40 days),
  `mgfa_class` (MGFA clinical class at baseline), `disease_years`.
- `measurements.csv` (long): `mgadl` (MG Activities of Daily Living, 8 items, 0-24, higher
  is worse), `qmg` (Quantitative Myasthenia Gravis score, 0-39, higher is worse),
  `achr_ab` (anti-AChR antibodies, nmol/L), `cd19_bcells` (cells/uL; LLOQ 1, `blq` True
  marks values below it, `value` then holds the LLOQ), `igg` (g/L), at baseline (day -14 to
  -3) and months 1, 2, 3, 6, 9, 12 (day 30 x month, +- 3 days).
- `events.csv`: `crs` (grade), `b_cell_reconstitution` (the first visit with CD19+ B cells
  >= 10 cells/uL), `relapse`, `last_contact`. No ICANS, no deaths.
- `adverse_events.csv`: `subject, term, soc, grade, day, end_day, serious, related`.
  CRS is an event, not an adverse-event row (smalltrial's rule; the AE summary can add it).
- `parameters.csv`: labels, units, reference limits (assumptions) and the B-cell LLOQ.

## Rules
- Day 0 = CAR-T infusion.
- Responder at a visit: MG-ADL improved by >= 2 points from baseline (change <= -2), the usual
  MG-ADL responder threshold in trials (Muppidi et al., Muscle Nerve 2022, review). A missed
  visit is not assessable.
- Relapse-free time from response: origin = the first visit at which the patient is a
  responder; event = `relapse` (a clinical relapse, the day the investigator recorded it;
  every later visit has MG-ADL improvement < 2 points); censored at last contact. Patients who
  never respond are not in this analysis.

## Assumptions (all invented for the example)
- Every MG-ADL course (see the table in `scripts/make_examples.py`): 8 patients respond by
  month 1 or 2, MG07 never reaches a 2-point improvement, MG03 and MG08 relapse (days 248 and
  158) after B-cell reconstitution; missed visits: MG02 month 2, MG05 month 9, MG10 month 3;
  MG09 withdrew after month 6 (last contact 10 days after that visit); MG06 (to month 9) and
  MG10 (to month 6) were enrolled last and have shorter follow-up.
- QMG follows MG-ADL (1.4 QMG points per MG-ADL point, +-1); anti-AChR antibodies fall by
  about half over a year (plasma cells are not CD19 targets); B cells are below the LLOQ or
  < 10 cells/uL until the reconstitution visit for those who reconstitute; IgG falls towards a
  per-patient floor (3.8-7.5 g/L) and a first value below {HYPOGAMMA_IGG} g/L is reported as a
  grade 2 hypogammaglobulinaemia adverse event on that visit day (ongoing).
- CRS grade 1-2 on day 1-5 in 8 of 10 patients; no ICANS.
- Adverse events: cytopenias after lymphodepletion (neutropenia, thrombocytopenia, anaemia,
  febrile neutropenia; days 2-30), infections (upper respiratory tract infection, COVID-19,
  urinary tract infection, herpes zoster; from day 20 on; MG04's COVID-19, MG05's herpes
  zoster and MG08's second upper respiratory tract infection are fixed, the rest drawn from
  the seed), headache and fatigue; MedDRA-style
  preferred terms and system organ classes; CTCAE grades; `end_day` empty = ongoing at last
  contact.
"""


# ============================================================================ writing
def write(out: Path) -> list[Path]:
    """Write the three SYNTHETIC folders under ``out`` (deterministic bytes)."""
    written = []
    onc = make_phase2_onc()
    mg = make_mg_cart()
    for name, tables, text in (("phase2_onc", onc, describe_phase2_onc(onc)),
                               ("mg_cart", mg, describe_mg_cart(mg))):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for table in ("subjects", "measurements", "events", "adverse_events", "parameters"):
            write_csv(tables[table], folder / f"{table}.csv")
            written.append(folder / f"{table}.csv")
        (folder / "description.md").write_text(text, encoding="utf-8")
        written.append(folder / "description.md")
    folder = out / "phase2_onc_adam"
    folder.mkdir(parents=True, exist_ok=True)
    for stem, (frame, name, label, fmts) in make_phase2_onc_adam(onc).items():
        write_xpt(folder / f"{stem}.xpt", frame, name, label, ADAM_LABELS, fmts)
        written.append(folder / f"{stem}.xpt")
    (folder / "description.md").write_text(
        "SYNTHETIC: the phase2_onc example trial (made up, not based on any publication) as "
        "CDISC ADaM SAS XPORT v5 files.\n\n# phase2_onc_adam (SYNTHETIC)\n\n"
        "The same SYNTHETIC trial as `phase2_onc/` (read its description.md: design, rules, "
        "assumptions and the day mapping), as ADSL, ADRS (PARAMCD OVR, BOR), ADTTE (PARAMCD "
        "PFS, OS, DOR; AVAL = ADT - STARTDT in days, CNSR 0 = event, 1 = censored) and ADAE, "
        "written by `scripts/make_examples.py`. Study days: ADY = day + 1 on and after the "
        "first-dose day (no day 0), ADY = day before it.\n", encoding="utf-8")
    written.append(folder / "description.md")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the SYNTHETIC example trials."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "smalltrial" / "data")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
