"""End-to-end check of the two bundled SYNTHETIC trials against R.

tests/reference/bundled/make_bundled.R reads smalltrial/data/<name>/*.csv directly and computes
every headline number independently (DORIS from the SLEDAI-2K descriptors, B-cell
reconstitution from the CD19 counts, survfit/quantile, poisson.test, lmer + emmeans with
Kenward-Roger df, coin's exact signed-rank test, worst toxicity grades). Here the same numbers
come from smalltrial's public API (tolerance 1e-8 for closed forms, 1e-4 relative for fitted
models), and the tables that ``smalltrial.pipeline.run`` builds are checked to print the correct
rounding of R's values.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference

import smalltrial as st

REF = load_reference("bundled")
TRIALS = ("mackensen2022", "muller2024")
MONTH = 30.4375
YEAR = 365.25
CLOSED = {"rtol": 1e-8, "atol": 1e-10}
FITTED = {"rtol": 1e-4, "atol": 1e-8}


def _arr(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _close(actual, expected, **tol) -> None:
    np.testing.assert_allclose(_arr(np.atleast_1d(actual)), _arr(np.atleast_1d(expected)),
                               equal_nan=True, **(tol or CLOSED))


@pytest.fixture(scope="module")
def trials():
    return {name: st.datasets.load(name) for name in TRIALS}


# ---------------------------------------------------------------------------------------------
# the public API against R
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", TRIALS)
def test_cohort_counts(trials, name):
    counts = trials[name].subjects["cohort"].value_counts(sort=False).to_dict()
    assert counts == REF[name]["cohorts"]
    assert len(trials[name].subjects) == REF[name]["n"]


@pytest.mark.parametrize("name", TRIALS)
def test_doris_remission_by_visit(trials, name):
    assert REF[name]["sledai_items_match_recorded"] is True  # the bundled totals are consistent
    visits = st.endpoints.derive_visit_endpoints(trials[name])
    assert not visits["sledai2k_disagrees"].any()
    for ref in REF[name]["efficacy"]:
        at = visits[(visits["visit"] == ref["visit"]) & visits["doris"].notna()]
        in_remission = sorted(at.loc[at["doris"].astype(bool), "subject"])
        assert in_remission == ref["subjects_in_remission"], ref["visit"]
        x, n = len(in_remission), len(at)
        assert (x, n) == (ref["x"], ref["n"]), ref["visit"]
        ci = st.rates.proportion_ci(x, n, method="clopper-pearson")
        _close([ci.estimate, ci.lower, ci.upper], [ref["estimate"], ref["lower"], ref["upper"]])


@pytest.mark.parametrize("name", TRIALS)
def test_drug_free_remission_by_visit(trials, name):
    visits = st.endpoints.derive_visit_endpoints(trials[name])
    for ref in REF[name]["efficacy"]:
        at = visits[(visits["visit"] == ref["visit"]) & visits["drug_free_remission"].notna()]
        assert len(at) == ref["drug_free_evaluable"], ref["visit"]
        assert int(at["drug_free_remission"].astype(bool).sum()) == ref["drug_free"], ref["visit"]


@pytest.mark.parametrize("name", TRIALS)
def test_bundled_events_agree_with_measurements(trials, name):
    """The dataset's remission / B-cell events are the days the measurements say (R)."""
    trial = trials[name]
    ref = REF[name]["first_remission"]
    _close(trial.event_days("remission")[ref["subject"]], ref["first_doris_day"])
    _close(ref["event_day"], ref["first_doris_day"])
    bc = REF[name]["bcell"]
    derived = [d if e == 1 else None for d, e in zip(bc["day"], bc["event"], strict=True)]
    _close(trial.event_days("b_cell_reconstitution")[bc["subject"]], derived)
    _close(REF[name]["bcell_days"]["event_csv_day"], derived)


def test_mackensen_bcell_reappearance_mean_110_sd_32():
    # DOMAIN.md (verified): B-cell reappearance mean 110 +- 32 days
    ref = REF["mackensen2022"]["bcell_days"]
    tte = st.survival.b_cell_reconstitution(st.datasets.load("mackensen2022"), threshold=10)
    days = tte.loc[tte["event"] == 1, "time"].to_numpy(float)
    _close([days.mean(), days.std(ddof=1)], [ref["mean_event_day"], ref["sd_event_day"]])
    assert round(days.mean()) == 110 and round(days.std(ddof=1)) == 32


def test_muller_sle_doris_month6_is_8_of_8():
    ref = {r["visit"]: r for r in REF["muller2024"]["efficacy"]}["month 6"]
    assert (ref["x"], ref["n"]) == (8, 8)  # DOMAIN.md: all 8 SLE patients in DORIS remission


@pytest.mark.parametrize("name", TRIALS)
def test_bcell_reconstitution_times(trials, name):
    ref = REF[name]["bcell"]
    tte = st.survival.b_cell_reconstitution(trials[name], threshold=10)
    assert tte["subject"].tolist() == ref["subject"]
    _close(tte["time"], ref["day"])
    assert tte["event"].tolist() == ref["event"]


@pytest.mark.parametrize("name", TRIALS)
@pytest.mark.parametrize("conf_type", ["log-log", "log"])
def test_bcell_kaplan_meier(trials, name, conf_type):
    ref = REF[name]["bcell"][conf_type.replace("-", "_")]
    tte = st.survival.b_cell_reconstitution(trials[name], threshold=10)
    data = tte.assign(time=tte["time"] / MONTH)
    km = st.survival.kaplan_meier(data, time="time", event="event", conf_type=conf_type)
    med = km.median
    _close([med.estimate, med.lower, med.upper],
           [ref["median"], ref["median_lower"], ref["median_upper"]])
    table = km.table
    _close(table["time"], ref["table"]["time"])
    assert table["n_risk"].tolist() == ref["table"]["n_risk"]
    assert table["n_event"].tolist() == ref["table"]["n_event"]
    _close(table["survival"], ref["table"]["survival"])
    _close(table["lower"], ref["table"]["lower"])
    _close(table["upper"], ref["table"]["upper"])
    at = km.at([3, 6, 12])
    assert at["n_risk"].tolist() == ref["at"]["n_risk"]
    for col, rcol in [("survival", "survival"), ("std_error", "std_error"), ("lower", "lower"),
                      ("upper", "upper")]:
        _close(at[col], ref["at"][rcol])


@pytest.mark.parametrize("name", TRIALS)
def test_follow_up_and_relapse_rate(trials, name):
    ref = REF[name]["follow_up"]
    trial = trials[name]
    _close(trial.follow_up_days(), ref["days"])
    months = trial.follow_up_months()
    _close([months.median(), months.min(), months.max()],
           [ref["median_months"], ref["min_months"], ref["max_months"]])
    published = {"mackensen2022": (8, 5, 17), "muller2024": (15, 4, 29)}[name]  # DOMAIN.md
    assert tuple(round(float(x)) for x in (months.median(), months.min(), months.max())) == published
    data = pd.DataFrame({"time": months.to_numpy(float), "event": 0})
    for conf_type in ("log-log", "log"):
        q = st.survival.median_follow_up(data, time="time", event="event", conf_type=conf_type)
        r = ref["reverse_km_" + conf_type.replace("-", "_")]
        _close([q.estimate, q.lower, q.upper], [r["estimate"], r["lower"], r["upper"]])

    rel = REF[name]["relapse"]
    n_relapse = int((trial.events["event"] == "relapse").sum())
    years = float(trial.follow_up_days().sum()) / YEAR
    _close(years, ref["patient_years"])
    rate = st.survival.event_rate(n_relapse, years)
    assert rate.events == rel["events"] == 0
    _close([rate.exposure, rate.rate, rate.lower, rate.upper],
           [rel["exposure"], rel["rate"], rel["lower"], rel["upper"]])

    tte = st.survival.time_to_event(trial, "relapse")
    km = st.survival.kaplan_meier(tte.assign(time=tte["time"] / MONTH), time="time", event="event")
    at = km.at([3, 6, 12])
    r = rel["km_log_log"]["at"]
    assert at["n_risk"].tolist() == r["n_risk"]
    # R: the log-log limits are 1 before the first time of the curve, NA where S = 1 after it
    for col in ("survival", "std_error", "lower", "upper"):
        _close(at[col], r[col])


def _model_data(trial, parameter: str, visits: list[str]) -> pd.DataFrame:
    m = trial.measurements
    rows = m[(m["parameter"] == parameter) & m["visit"].isin(visits)]
    rows = rows[["subject", "day", "visit", "value"]].reset_index(drop=True)
    return rows.assign(visit=pd.Categorical(rows["visit"], categories=visits, ordered=True))


def _longitudinal_cases():
    return [(name, i) for name in TRIALS for i in range(len(REF[name]["longitudinal"]))]


@pytest.mark.parametrize(("name", "index"), _longitudinal_cases())
def test_mixed_model_kenward_roger(trials, name, index):
    ref = REF[name]["longitudinal"][index]
    data = _model_data(trials[name], ref["parameter"], ref["visits"])
    assert len(data) == ref["n_obs"]
    transform = None if ref["transform"] == "none" else ref["transform"]
    fit = st.longitudinal.mixed_model("value ~ C(visit)", data, subject="subject",
                                      transform=transform, df_method="kenward-roger")
    assert fit.singular is ref["singular"]
    vc = fit.variance_components["variance"]
    _close([vc.loc["intercept"], vc.loc["residual"]], [ref["var_subject"], ref["var_residual"]],
           **FITTED)

    means = fit.marginal_means("visit")
    assert [str(v) for v in means["visit"]] == ref["means"]["visit"]
    for col, rcol in [("estimate", "estimate"), ("std_error", "std_error"), ("df", "df"),
                      ("lower", "lower"), ("upper", "upper")]:
        _close(means[col], ref["means"][rcol], **FITTED)

    change = fit.change_from_baseline("visit")
    change = change[change["visit"] != ref["visits"][0]]
    assert [str(v) for v in change["visit"]] == ref["change"]["visit"]
    for col, rcol in [("estimate", "estimate"), ("std_error", "std_error"), ("df", "df"),
                      ("lower", "lower"), ("upper", "upper"), ("p_value", "p_value")]:
        _close(change[col], ref["change"][rcol], **FITTED)

    if ref["transform"] == "log":
        gm = fit.marginal_means("visit", scale="response")
        for col in ("estimate", "std_error", "df", "lower", "upper"):
            _close(gm[col], ref["geometric_means"][col], **FITTED)
        ratio = fit.change_from_baseline("visit", scale="response")
        ratio = ratio[ratio["visit"] != ref["visits"][0]]
        for col in ("estimate", "std_error", "df", "lower", "upper", "p_value"):
            _close(ratio[col], ref["ratio_to_baseline"][col], **FITTED)

    if "paired" in ref:
        p = ref["paired"]
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", st.SmallTrialWarning)
            pc = st.longitudinal.paired_change(data, "value", subject="subject", time="visit",
                                               baseline=ref["visits"][0], at=p["at"])
        assert pc.n == p["n"]
        # with n <= 5 non-zero changes no exact two-sided p can fall below 0.05: warned, recorded
        tiny = 2.0 / 2 ** pc.n_nonzero > 0.05
        assert any("smallest attainable" in str(w.message) for w in caught) == tiny
        assert any("smallest attainable" in w for w in pc.warnings) == tiny
        _close([pc.median_change, pc.pvalue], [p["median_change"], p["pvalue"]])


@pytest.mark.parametrize("name", TRIALS)
@pytest.mark.parametrize("event", ["crs", "icans"])
def test_worst_grade_counts(trials, name, event):
    trial = trials[name]
    worst = st.endpoints.worst_toxicity_grade(trial, event).merge(
        trial.subjects[["subject", "cohort"]], on="subject")
    for group, ref in REF[name]["adverse_events"][event].items():
        w = worst if group == "All" else worst[worst["cohort"] == group]
        assert len(w) == ref["n"], group
        assert int((w["worst_grade"] >= 1).sum()) == ref["any"], group
        for k in range(1, 6):
            assert int((w["worst_grade"] == k).sum()) == ref["grade"][f"g{k}"], (group, k)


# ---------------------------------------------------------------------------------------------
# what the pipeline prints: each number is the correct rounding of R's value
# ---------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?|NR|NE")


def _numbers(text: str) -> list[tuple[float, int]]:
    """(value, decimals) of each number in a cell; NR / NE give (nan, 0)."""
    out = []
    for tok in _NUMBER.findall(text):
        if tok in ("NR", "NE"):
            out.append((math.nan, 0))
        else:
            out.append((float(tok), len(tok.split(".")[1]) if "." in tok else 0))
    return out


def _shows(cell: str, expected, *, scale: float = 1.0) -> None:
    """``cell`` shows exactly the numbers ``expected`` (None / NaN = NR or NE), each rounded."""
    got = _numbers(cell)
    assert len(got) == len(expected), (cell, expected)
    for (value, decimals), want in zip(got, expected, strict=True):
        if want is None or (isinstance(want, float) and math.isnan(want)):
            assert math.isnan(value), (cell, expected)
            continue
        assert not math.isnan(value), (cell, expected)
        half = 0.5 * 10.0 ** -decimals
        assert abs(value - want * scale) <= half + 1e-9, (cell, expected)


def _row(table, label: str):
    rows = [r for r in table.rows if r.label.strip().lower() == label.lower()]
    assert len(rows) == 1, (label, [r.label for r in table.rows])
    return dict(zip(table.columns, rows[0].cells, strict=True))


def _pvalue_shown(cell: str, p: float) -> None:
    if cell.startswith("<"):
        assert p < float(cell[1:]), (cell, p)
    else:
        _shows(cell, [p])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Tables only (figures are checked elsewhere), both bundled analyses."""
    import tomllib
    from importlib.resources import files

    out = {}
    for name in TRIALS:
        spec = tomllib.loads(files("smalltrial.analyses").joinpath(f"{name}.toml").read_text("utf-8"))
        spec.pop("figures")
        out[name] = st.pipeline.run(spec, out=tmp_path_factory.mktemp(name) / "out",
                                    progress=False)
    return out


@pytest.mark.parametrize("name", TRIALS)
def test_pipeline_efficacy_table(runs, name):
    table = runs[name].tables["efficacy"]
    for ref in REF[name]["efficacy"]:
        cells = _row(table, ref["visit"])
        # "x/n (pct%) [lower–upper]"
        _shows(cells["SLE"], [ref["x"], ref["n"], 100 * ref["estimate"], 100 * ref["lower"],
                              100 * ref["upper"]])


@pytest.mark.parametrize("name", TRIALS)
def test_pipeline_baseline_table(runs, name):
    table = runs[name].tables["baseline"]
    for group, ref in REF[name]["baseline"].items():
        col = next(c for c in table.columns if c.startswith(f"{group} (n = "))
        assert col == f"{group} (n = {ref['age']['n']})"
        age = ref["age"]
        _shows(_row(table, "Age, years")[col], [age["median"], age["min"], age["max"]])
        n = age["n"]
        _shows(_row(table, "Female")[col], [ref["female"], 100 * ref["female"] / n])
        _shows(_row(table, "Male")[col], [ref["male"], 100 * ref["male"] / n])
        for var, d in ref.items():
            if var in ("age", "female", "male"):
                continue
            row = next(r for r in table.rows if r.label.endswith(_unit_suffix(var)))
            _shows(dict(zip(table.columns, row.cells, strict=True))[col], [d["median"], d["min"], d["max"]])


def _unit_suffix(var: str) -> str:
    return {"sledai2k": "points", "anti_dsdna": "IU/mL", "c3": "g/L", "upcr": "g/g",
            "prednisone_mg": "mg/day"}[var]


@pytest.mark.parametrize(("name", "index"), _longitudinal_cases())
def test_pipeline_longitudinal_table(runs, name, index):
    ref = REF[name]["longitudinal"][index]
    tables = [t for k, t in runs[name].tables.items() if k.startswith("longitudinal")]
    table = tables[index]
    log = ref["transform"] == "log"
    means = ref["geometric_means"] if log else ref["means"]
    change = ref["ratio_to_baseline"] if log else ref["change"]
    for i, visit in enumerate(ref["visits"]):
        cells = _row(table, visit)
        obs = ref["observed"][visit]
        assert cells["n"] == str(obs["n"])
        _shows(cells[table.columns[2]], [obs["median"], obs["min"], obs["max"]])
        _shows(cells[table.columns[3]], [means["estimate"][i], means["lower"][i], means["upper"][i]])
        if i == 0:
            assert cells[table.columns[4]] == cells["P"] == "–"
            continue
        j = i - 1
        _shows(cells[table.columns[4]], [change["estimate"][j], change["lower"][j], change["upper"][j]])
        _pvalue_shown(cells["P"], change["p_value"][j])
    if "paired" in ref:
        p = ref["paired"]
        note = next(f for f in table.footnotes if "signed-rank" in f)
        m = re.search(r"\(n = (\d+), median change (-?[\d.]+)\): P = ([\d.]+)", note)
        assert m, note
        assert int(m.group(1)) == p["n"]
        _shows(m.group(2), [p["median_change"]])
        _shows(m.group(3), [p["pvalue"]])


@pytest.mark.parametrize("name", TRIALS)
def test_pipeline_time_to_event_table(runs, name):
    table = runs[name].tables["time_to_event"]
    cols = table.columns
    bc = REF[name]["bcell"]
    km = bc["log_log"]  # the spec's conf_type
    cells = _row(table, "B-cell reconstitution")
    assert cells["Patients"] == str(len(bc["event"]))
    assert cells["Events"] == str(sum(bc["event"]))
    _shows(cells[cols[3]], [km["median"], km["median_lower"], km["median_upper"]])
    for k, landmark in enumerate((3, 6, 12)):
        col = cols[4 + k]
        assert col.startswith(f"At {landmark} months")
        s, lo, hi = km["at"]["survival"][k], km["at"]["lower"][k], km["at"]["upper"][k]
        # cumulative incidence 1 - S, CI (1 - upper, 1 - lower); "100 (NE)" where S = 0
        expected = [100 * (1 - s)] + ([None] if lo is None else [100 * (1 - hi), 100 * (1 - lo)])
        _shows(cells[col], expected)

    rel = REF[name]["relapse"]
    cells = _row(table, "Relapse")
    assert cells["Events"] == "0"
    assert cells[cols[3]] == "NR"
    for k in range(3):
        r = rel["km_log_log"]["at"]
        # R: S = 1 with limits (1, 1) before the first time and NA after a censoring; with no
        # event the interval has no width either way, and the table prints it as NE
        assert r["survival"][k] == 1 and r["lower"][k] in (None, 1) and r["upper"][k] in (None, 1)
        _shows(cells[cols[4 + k]], [0.0, None])
    _shows(cells[cols[7]], [rel["rate"], rel["lower"], rel["upper"]])

    fu = REF[name]["follow_up"]["reverse_km_log_log"]
    note = next(f for f in table.footnotes if f.startswith("Median follow-up"))
    _shows(note.split(":", 1)[1], [fu["estimate"], fu["lower"], fu["upper"]])  # "8.0 (5.0–NR) months."


@pytest.mark.parametrize("name", TRIALS)
def test_pipeline_adverse_event_table(runs, name):
    table = runs[name].tables["adverse_events"]
    labels = {"crs": "Cytokine release syndrome", "icans": "ICANS"}
    for event, by_group in REF[name]["adverse_events"].items():
        start = next(i for i, r in enumerate(table.rows) if r.label == labels[event])
        block = {r.label.strip(): dict(zip(table.columns, r.cells, strict=True))
                 for r in table.rows[start + 1:start + 6]}
        for group, ref in by_group.items():
            col = f"{group} (n = {ref['n']})"
            _shows(block["Any grade"][col], [ref["any"], 100 * ref["any"] / ref["n"]])
            for k in range(1, 5):
                g = ref["grade"][f"g{k}"]
                _shows(block[f"Grade {k}"][col], [g, 100 * g / ref["n"]])
