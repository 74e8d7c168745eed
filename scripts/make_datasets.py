#!/usr/bin/env python3
"""Regenerate the two SYNTHETIC bundled example trials (smalltrial/data/<name>/*.csv).

SYNTHETIC: no row of these files is a real patient. The trials are built deterministically from
a fixed seed and the published summary numbers (see /work/shared/DOMAIN.md and the
description.md of each trial); every unpublished detail is an assumption listed there.

Usage::

    python scripts/make_datasets.py                 # writes smalltrial/data/
    python scripts/make_datasets.py --out DIR       # writes DIR/<name>/*.csv (tests use this)

Running it twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

SEED = {"mackensen2022": 20220915, "muller2024": 20240222}
DAYS_PER_MONTH = 30.4375

# SLEDAI-2K (Gladman 2002) item weights, in the order of endpoints.SLEDAI2K_WEIGHTS
WEIGHTS: dict[str, int] = {
    "seizure": 8, "psychosis": 8, "organic_brain_syndrome": 8, "visual_disturbance": 8,
    "cranial_nerve_disorder": 8, "lupus_headache": 8, "cva": 8, "vasculitis": 8,
    "arthritis": 4, "myositis": 4, "urinary_casts": 4, "hematuria": 4, "proteinuria": 4,
    "pyuria": 4, "rash": 2, "alopecia": 2, "mucosal_ulcers": 2, "pleurisy": 2,
    "pericarditis": 2, "low_complement": 2, "increased_dna_binding": 2, "fever": 1,
    "thrombocytopenia": 1, "leukopenia": 1,
}
# items derived from lab values (not from the clinical resolution day)
LAB_ITEMS = ("proteinuria", "low_complement", "increased_dna_binding")

# parameter, label, unit, lower_limit, upper_limit, lloq  (limits are assumptions, see description)
PARAMETERS: list[tuple] = [
    ("sledai2k", "SLEDAI-2K total (SYNTHETIC)", "points", math.nan, math.nan, math.nan),
    *[(f"sledai_{k}", f"SLEDAI-2K item {k} (weight {w})", "0/1", math.nan, math.nan, math.nan)
      for k, w in WEIGHTS.items()],
    ("pga", "Physician global assessment", "0-3", math.nan, math.nan, math.nan),
    ("prednisone_mg", "Prednisone(-equivalent) dose", "mg/day", math.nan, math.nan, math.nan),
    ("immunosuppressants", "On any immunosuppressant or biologic (antimalarials excluded)", "0/1",
     math.nan, math.nan, math.nan),
    ("upcr", "Urine protein:creatinine ratio", "g/g", math.nan, 0.5, math.nan),
    ("c3", "Complement C3", "g/L", 0.9, 1.8, math.nan),
    ("c4", "Complement C4", "g/L", 0.1, 0.4, math.nan),
    ("anti_dsdna", "Anti-dsDNA antibodies", "IU/mL", math.nan, 10.0, math.nan),
    ("cd19_bcells", "CD19+ B cells", "cells/uL", 100.0, 500.0, 1.0),
    ("car_t", "CAR-T cells in blood", "% of CD3+ T cells", math.nan, math.nan, 0.1),
    ("ck", "Creatine kinase", "U/L", math.nan, 190.0, math.nan),
    ("mrss", "Modified Rodnan skin score (0-51)", "points", math.nan, math.nan, math.nan),
]
LIMIT = {p[0]: p for p in PARAMETERS}
UNIT = {p[0]: p[2] for p in PARAMETERS}
B_LLOQ = 1.0
CART_LLOQ = 0.1
EVENT_ORDER = ("b_cell_reconstitution", "remission", "relapse", "crs", "icans", "death",
               "last_contact")


def month_day(m: int) -> int:
    """Nominal day of the month-m visit (30-day months: month 3 = day 90)."""
    return 30 * m


def lab_curve(t: float, base: float, limit: float, cross: float | None, plateau: float) -> float:
    """Exponential approach from ``base`` to ``plateau`` that passes ``limit`` on day ``cross``."""
    if t <= 0:
        return base
    if cross is None:
        rate = 1 / 60
    else:
        rate = -math.log((limit - plateau) / (base - plateau)) / cross
    return plateau + (base - plateau) * math.exp(-rate * t)


# ----------------------------------------------------------------------------- patient specs
# Every number below that is not a published summary is an ASSUMPTION (see description.md).
# resolve: clinical item -> first visit day on which it is absent.
MACKENSEN = [
    dict(subject="MK01", sex="F", age=18, baseline_day=-9, last_contact=244, trec=109,
         resolve={"hematuria": 28}, pga0=1.5, pred0=10.0, crs=(1, 1),
         upcr=(2.4, 45), c3=(0.62, 40), c4=(0.06, 20), dsdna=(180, 50),
         b0=140, bplat=260, cart=(32.0, 10)),
    dict(subject="MK02", sex="F", age=24, baseline_day=-7, last_contact=518, trec=151,
         resolve={"urinary_casts": 60, "arthritis": 14}, pga0=2.0, pred0=15.0, crs=(1, 2),
         upcr=(5.8, 75), c3=(0.48, 50), c4=(0.05, 45), dsdna=(420, 80),
         b0=95, bplat=310, cart=(59.1, 14)),
    dict(subject="MK03", sex="F", age=20, baseline_day=-8, last_contact=335, trec=95,
         resolve={"hematuria": 28, "rash": 14, "alopecia": 60}, pga0=1.8, pred0=7.5, crs=None,
         upcr=(1.6, 42), c3=(0.71, 20), c4=(0.08, 20), dsdna=(95, 40),
         b0=210, bplat=240, cart=(11.5, 7)),
    dict(subject="MK04", sex="M", age=22, baseline_day=-10, last_contact=153, trec=67,
         resolve={"urinary_casts": 60, "hematuria": 60, "pleurisy": 28}, pga0=2.2, pred0=20.0,
         crs=None, upcr=(6.9, 75), c3=(0.55, 45), c4=(0.07, 40), dsdna=(760, 250),
         b0=60, bplat=380, cart=(45.7, 10)),
    dict(subject="MK05", sex="F", age=21, baseline_day=-7, last_contact=214, trec=130,
         resolve={"hematuria": 60, "arthritis": 14, "rash": 28, "mucosal_ulcers": 14},
         pga0=2.5, pred0=12.5, crs=(1, 1),
         upcr=(3.7, 78), c3=(0.40, 75), c4=(0.04, 50), dsdna=(530, 70),
         b0=120, bplat=200, cart=(23.4, 14)),
]
MACKENSEN_SCHEDULE = (2, 3, 6, 9, 12, 15)

# Müller 2024: 8 SLE, 3 IIM, 4 SSc. Follow-up months (rounded) 10, 13, 14, 15, 17, 20, 25, 29
# (SLE), 7, 14, 16 (IIM), 4, 11, 19, 22 (SSc): median 15, range 4-29.
MULLER_SLE = [
    dict(subject="MU01", sex="F", age=22, baseline_day=-8, last_contact=883,
         resolve={"hematuria": 28, "arthritis": 14}, pga0=2.0, pred0=10.0, crs=(1, 1),
         upcr=(3.1, 50), c3=(0.58, 40), c4=(0.06, 35), dsdna=(310, 80)),
    dict(subject="MU02", sex="F", age=19, baseline_day=-7, last_contact=761,
         resolve={"urinary_casts": 60, "rash": 28}, pga0=1.7, pred0=15.0, crs=(1, 2),
         upcr=(4.4, 75), c3=(0.66, 50), c4=(0.07, 40), dsdna=(240, 120)),
    dict(subject="MU03", sex="F", age=33, baseline_day=-9, last_contact=609,
         resolve={"arthritis": 28, "rash": 14, "alopecia": 60, "mucosal_ulcers": 14,
                  "leukopenia": 28}, pga0=1.9, pred0=7.5, crs=None,
         upcr=(0.21, None), c3=(0.74, 20), c4=(0.08, 25), dsdna=(88, 50)),
    dict(subject="MU04", sex="M", age=24, baseline_day=-6, last_contact=518,
         resolve={"hematuria": 60, "pyuria": 28, "pleurisy": 14}, pga0=2.3, pred0=20.0,
         crs=(1, 1), upcr=(6.2, 110), c3=(0.47, 75), c4=(0.05, 45), dsdna=(650, 150)),
    dict(subject="MU05", sex="F", age=27, baseline_day=-8, last_contact=457,
         resolve={"arthritis": 28, "vasculitis": 60}, pga0=2.6, pred0=20.0, crs=(2, 1),
         upcr=(1.9, 40), c3=(0.52, 45), c4=(0.06, 40), dsdna=(480, 100)),
    dict(subject="MU06", sex="F", age=21, baseline_day=-7, last_contact=427,
         resolve={"hematuria": 28, "urinary_casts": 60, "rash": 14, "alopecia": 60,
                  "fever": 7}, pga0=2.4, pred0=12.5, crs=(1, 1),
         upcr=(5.1, 80), c3=(0.44, 70), c4=(0.04, 50), dsdna=(890, 200)),
    dict(subject="MU07", sex="F", age=30, baseline_day=-10, last_contact=396,
         resolve={"thrombocytopenia": 14, "arthritis": 28}, pga0=1.5, pred0=10.0, crs=(1, 2),
         upcr=(1.2, 45), c3=(0.79, 40), c4=(0.09, 20), dsdna=(6, None)),
    dict(subject="MU08", sex="F", age=18, baseline_day=-7, last_contact=305,
         resolve={"urinary_casts": 60, "hematuria": 60, "pericarditis": 14,
                  "mucosal_ulcers": 14}, pga0=2.1, pred0=15.0, crs=(1, 1),
         upcr=(3.9, 110), c3=(0.50, 50), c4=(0.05, 50), dsdna=(370, 75)),
]
MULLER_IIM = [
    dict(subject="MU09", sex="M", age=41, baseline_day=-8, last_contact=214, pred0=10.0,
         crs=None, ck=(6400, 75)),
    dict(subject="MU10", sex="F", age=36, baseline_day=-7, last_contact=427, pred0=7.5,
         crs=(1, 1), icans=(1, 5), ck=(3100, 50)),
    dict(subject="MU11", sex="F", age=48, baseline_day=-9, last_contact=487, pred0=12.5,
         crs=(1, 2), ck=(8900, 110)),
]
MULLER_SSC = [
    dict(subject="MU12", sex="F", age=38, baseline_day=-7, last_contact=122, pred0=5.0,
         crs=None, mrss=24, trec=None),
    dict(subject="MU13", sex="M", age=44, baseline_day=-8, last_contact=335, pred0=5.0,
         crs=(1, 1), mrss=31),
    dict(subject="MU14", sex="F", age=52, baseline_day=-10, last_contact=579, pred0=7.5,
         crs=None, mrss=19),
    dict(subject="MU15", sex="F", age=35, baseline_day=-7, last_contact=670, pred0=2.5,
         crs=(1, 2), mrss=27),
]
MULLER_SCHEDULE = (2, 3, 6, 9, 12, 18, 24)
BCELL_GRID = tuple(60 + 7 * k for k in range(18))  # weekly, day 60 to 179


# ----------------------------------------------------------------------------- builders
def visit_days(p: dict, schedule: tuple[int, ...]) -> list[tuple[int, str]]:
    """Clinic visits: baseline, days 7, 14, 28, the monthly schedule, and the last contact."""
    lc = p["last_contact"]
    days = [(p["baseline_day"], "baseline"), (7, "day 7"), (14, "day 14"), (28, "day 28")]
    days += [(month_day(m), f"month {m}") for m in schedule]
    days = [(d, v) for d, v in days if d <= lc]
    if days[-1][0] != lc:
        label = f"month {round(lc / DAYS_PER_MONTH)}"
        assert label not in {v for _, v in days}, (p["subject"], label)
        days.append((lc, label))
    return days


def _noise(rng: np.random.Generator, sd: float = 0.05) -> float:
    return float(math.exp(rng.normal(0.0, sd)))


class Builder:
    """Collects the SYNTHETIC measurement and event rows of one trial from one seeded RNG."""

    def __init__(self, name: str):
        self.rng = np.random.default_rng(SEED[name])
        self.rows: list[tuple] = []
        self.events: list[tuple] = []

    def add(self, sid, day, visit, parameter, value, blq=False):
        self.rows.append((sid, int(day), visit, parameter, float(value), UNIT[parameter], bool(blq)))

    # -- common to every cohort ---------------------------------------------------------------
    def common(self, p: dict, visits: list[tuple[int, str]]) -> None:
        """SYNTHETIC rows every cohort gets: drugs, B cells, CAR-T, CRS/ICANS, last contact."""
        rng, sid, lc = self.rng, p["subject"], p["last_contact"]
        label = dict(visits)
        # prednisone taper and immunosuppressants stopped before lymphodepletion (assumption)
        for day, visit in visits:
            d0 = p["pred0"]
            pred = {True: d0}.get(day <= 0, None)
            if pred is None:
                pred = {7: d0 * 0.5, 14: d0 * 0.25}.get(day, 0.0)
            self.add(sid, day, visit, "prednisone_mg", round(pred * 2) / 2)
            self.add(sid, day, visit, "immunosuppressants", 1.0 if day <= 0 else 0.0)
        # CD19+ B cells: baseline, days 7-42, weekly day 60-179, then at the clinic visits
        trec = p.get("trec")
        bdays = sorted({d for d, _ in visits} | {42} | set(BCELL_GRID))
        bdays = [d for d in bdays if d <= lc]
        post = [d for d in bdays if d > 0]
        before = max((d for d in post if trec is not None and d < trec), default=None)
        b0, bplat = p.get("b0", 150), p.get("bplat", 250)
        vrec = round(10.5 + 14 * rng.random(), 0)
        for day in bdays:
            visit = label.get(day, f"day {day}")
            if day <= 0:
                self.add(sid, day, visit, "cd19_bcells", round(b0 * _noise(rng), 0))
            elif trec is None or day < trec:
                if day == before:
                    self.add(sid, day, visit, "cd19_bcells", float(rng.integers(2, 9)))
                else:
                    self.add(sid, day, visit, "cd19_bcells", B_LLOQ, blq=True)
            elif day == trec:
                self.add(sid, day, visit, "cd19_bcells", vrec)
            else:
                v = bplat - (bplat - vrec) * math.exp(-(day - trec) / 60)
                self.add(sid, day, visit, "cd19_bcells", max(round(v * _noise(rng, 0.04), 0), vrec))
        if trec is not None:
            self.events.append((sid, trec, "b_cell_reconstitution", math.nan))
        # CAR-T expansion: peak (% of CD3+) on the peak day, log-linear rise and decay
        peak, peak_day = p["cart"]
        cdays = sorted({3, 7, 10, 14, 21} | {d for d, _ in visits if d >= 7})
        for day in [d for d in cdays if d <= lc]:
            visit = label.get(day, f"day {day}")
            if day == peak_day:
                value = peak
            elif day < peak_day:
                value = peak * math.exp(-(peak_day - day) * 0.45) * _noise(rng, 0.1)
            else:
                value = peak * math.exp(-(day - peak_day) / 12.0) * _noise(rng, 0.1)
                value = min(value, peak * 0.95)
            value = round(value, 2)
            if value < CART_LLOQ:
                self.add(sid, day, visit, "car_t", CART_LLOQ, blq=True)
            else:
                self.add(sid, day, visit, "car_t", value)
        # toxicity and last contact
        if p.get("crs"):
            grade, day = p["crs"]
            self.events.append((sid, day, "crs", float(grade)))
        if p.get("icans"):
            grade, day = p["icans"]
            self.events.append((sid, day, "icans", float(grade)))
        self.events.append((sid, lc, "last_contact", math.nan))

    # -- SLE: SLEDAI-2K items, PGA and the lupus labs -------------------------------------------
    def sle(self, p: dict, visits: list[tuple[int, str]]) -> None:
        """SYNTHETIC SLE rows: SLEDAI-2K items and total, PGA, UPCR, C3, C4, anti-dsDNA."""
        rng, sid = self.rng, p["subject"]
        labs = {}
        for name, (base, cross) in (("upcr", p["upcr"]), ("c3", p["c3"]), ("c4", p["c4"]),
                                     ("anti_dsdna", p["dsdna"])):
            _, _, _, lo, hi, _ = LIMIT[name]
            limit = hi if name in ("upcr", "anti_dsdna") else lo
            plateau = {"upcr": 0.12, "anti_dsdna": 4.0}.get(name, limit * 1.3)
            if cross is None:
                plateau = base * 0.8
            digits = {"upcr": 2, "c3": 2, "c4": 3, "anti_dsdna": 0}[name]
            labs[name] = {
                day: round(lab_curve(day, base, limit, cross, plateau) * _noise(rng, 0.04), digits)
                for day, _ in visits
            }
        clinical0 = None
        for day, visit in visits:
            items = {k: 0 for k in WEIGHTS}
            for item, resolve in p["resolve"].items():
                items[item] = int(day < resolve)
            items["proteinuria"] = int(labs["upcr"][day] > LIMIT["upcr"][4])
            items["low_complement"] = int(labs["c3"][day] < LIMIT["c3"][3]
                                          or labs["c4"][day] < LIMIT["c4"][3])
            items["increased_dna_binding"] = int(labs["anti_dsdna"][day] > LIMIT["anti_dsdna"][4])
            total = sum(WEIGHTS[k] * v for k, v in items.items())
            clinical = total - 2 * items["low_complement"] - 2 * items["increased_dna_binding"]
            if clinical0 is None:
                clinical0 = clinical
                pga = p["pga0"]
            elif clinical > 0:
                pga = max(0.5, round(p["pga0"] * clinical / clinical0, 1))
            else:
                pga = float(rng.choice([0.0, 0.0, 0.1, 0.2]))
            self.add(sid, day, visit, "sledai2k", total)
            for k in WEIGHTS:
                self.add(sid, day, visit, f"sledai_{k}", items[k])
            self.add(sid, day, visit, "pga", pga)
            for name in ("upcr", "c3", "c4", "anti_dsdna"):
                self.add(sid, day, visit, name, labs[name][day])

    def iim(self, p: dict, visits: list[tuple[int, str]]) -> None:
        """SYNTHETIC myositis rows: creatine kinase falling to normal."""
        base, cross = p["ck"]
        for day, visit in visits:
            v = lab_curve(day, base, 190.0, cross, 95.0) * _noise(self.rng, 0.06)
            self.add(p["subject"], day, visit, "ck", round(v, 0))

    def ssc(self, p: dict, visits: list[tuple[int, str]]) -> None:
        """SYNTHETIC systemic sclerosis rows: modified Rodnan skin score falling to about half."""
        base = p["mrss"]
        for day, visit in visits:
            v = base if day <= 0 else base * (0.45 + 0.55 * math.exp(-day / 200))
            self.add(p["subject"], day, visit, "mrss", round(v))

    # -- tables ----------------------------------------------------------------------------------
    def measurements(self) -> pd.DataFrame:
        """The SYNTHETIC measurement rows, sorted by subject, day and parameter order."""
        m = pd.DataFrame(self.rows, columns=["subject", "day", "visit", "parameter", "value",
                                             "unit", "blq"])
        order = {p[0]: i for i, p in enumerate(PARAMETERS)}
        m["_o"] = m["parameter"].map(order)
        m = m.sort_values(["subject", "day", "_o"], kind="stable").drop(columns="_o")
        return m.reset_index(drop=True)

    def remission_events(self, m: pd.DataFrame, subjects: list[str]) -> None:
        """remission = first post-infusion visit in DORIS remission (clinical SLEDAI-2K 0,
        PGA < 0.5, prednisone <= 5 mg/day), computed from the generated rows."""
        wide = m[m["subject"].isin(subjects)].pivot_table(
            index=["subject", "day"], columns="parameter", values="value")
        wide = wide.dropna(subset=["sledai2k"])
        clinical = wide["sledai2k"] - 2 * wide["sledai_low_complement"] - 2 * wide[
            "sledai_increased_dna_binding"]
        doris = (clinical == 0) & (wide["pga"] < 0.5) & (wide["prednisone_mg"] <= 5)
        for sid in subjects:
            d = doris.loc[sid]
            d = d[d.index > 0]
            first = d[d].index.min()
            assert d[d.index >= first].all(), f"{sid}: DORIS not sustained"
            self.events.append((sid, int(first), "remission", math.nan))

    def events_frame(self) -> pd.DataFrame:
        """The SYNTHETIC event rows, sorted by subject, day and event order."""
        e = pd.DataFrame(self.events, columns=["subject", "day", "event", "grade"])
        e["_o"] = e["event"].map({k: i for i, k in enumerate(EVENT_ORDER)})
        e = e.sort_values(["subject", "day", "_o"], kind="stable").drop(columns="_o")
        return e.reset_index(drop=True)


def parameters_frame(used: set[str]) -> pd.DataFrame:
    """The parameters table (limits are assumptions; SYNTHETIC data) for the parameters used."""
    rows = [p for p in PARAMETERS if p[0] in used]
    return pd.DataFrame(rows, columns=["parameter", "label", "unit", "lower_limit",
                                       "upper_limit", "lloq"])


# ----------------------------------------------------------------------------- the trials
def make_mackensen() -> dict[str, pd.DataFrame]:
    """The SYNTHETIC mackensen2022 tables (5 SLE patients, Mackensen et al. Nat Med 2022)."""
    b = Builder("mackensen2022")
    for p in MACKENSEN:
        visits = visit_days(p, MACKENSEN_SCHEDULE)
        b.common(p, visits)
        b.sle(p, visits)
    m = b.measurements()
    b.remission_events(m, [p["subject"] for p in MACKENSEN])
    subjects = pd.DataFrame([(p["subject"], "SLE", p["sex"], p["age"]) for p in MACKENSEN],
                            columns=["subject", "cohort", "sex", "age"])
    return {"subjects": subjects, "measurements": m, "events": b.events_frame(),
            "parameters": parameters_frame(set(m["parameter"]))}


def make_muller() -> dict[str, pd.DataFrame]:
    """The SYNTHETIC muller2024 tables (8 SLE, 3 IIM, 4 SSc; Müller et al. NEJM 2024)."""
    b = Builder("muller2024")
    rng = b.rng
    grid = [d for d in BCELL_GRID if 67 <= d <= 172]
    for cohort, specs in (("SLE", MULLER_SLE), ("IIM", MULLER_IIM), ("SSc", MULLER_SSC)):
        for p in specs:
            p = dict(p)
            if "trec" not in p:
                p["trec"] = int(rng.choice(grid))
            p.setdefault("b0", int(rng.integers(60, 260)))
            p.setdefault("bplat", int(rng.integers(180, 420)))
            p["cart"] = (round(float(rng.uniform(5.0, 60.0)), 1), int(rng.choice([7, 10, 14])))
            visits = visit_days(p, MULLER_SCHEDULE)
            b.common(p, visits)
            {"SLE": b.sle, "IIM": b.iim, "SSc": b.ssc}[cohort](p, visits)
    m = b.measurements()
    b.remission_events(m, [p["subject"] for p in MULLER_SLE])
    specs = [(p, "SLE") for p in MULLER_SLE] + [(p, "IIM") for p in MULLER_IIM] + [
        (p, "SSc") for p in MULLER_SSC]
    subjects = pd.DataFrame([(p["subject"], c, p["sex"], p["age"]) for p, c in specs],
                            columns=["subject", "cohort", "sex", "age"])
    return {"subjects": subjects, "measurements": m, "events": b.events_frame(),
            "parameters": parameters_frame(set(m["parameter"]))}


MAKERS = {"mackensen2022": make_mackensen, "muller2024": make_muller}


def write(name: str, out: Path) -> None:
    """Write the SYNTHETIC trial ``name`` to ``out/name/*.csv`` (deterministic bytes)."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in MAKERS[name]().items():
        frame.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n", float_format="%.10g")


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the SYNTHETIC bundled trials."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "smalltrial" / "data")
    parser.add_argument("names", nargs="*", default=list(MAKERS))
    args = parser.parse_args(argv)
    for name in args.names:
        write(name, args.out)
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
