"""The spec's ``efficacy_monitoring`` table and figure (BOP2 and the predictive-probability
design against the observed responders).

Every printed design number (tuning parameters, boundaries, type I error, power, exact operating
characteristics, posterior) is checked against an independent base-R search and recursion
(``tests/reference/monitoring_efficacy/make_monitoring_efficacy.R``), not against the design
functions; the observed status is checked on the bundled SYNTHETIC example (its per-patient
best response from the R derivation of ``tests/reference/examples``) and on hand-made trials
whose responders are counted by hand in the comments.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from conftest import table_section as _section

import smalltrial as st
from smalltrial import SmallTrialError, ard, pipeline
from smalltrial._format import fmt_num
from smalltrial.builders import FIGURES, TABLES, Analysis
from smalltrial.spec import load_spec
from smalltrial.tables.display import from_ard

REPO = Path(__file__).resolve().parents[1]
REF = load_reference("monitoring_efficacy")
EXAMPLES = load_reference("examples")["phase2_onc"]


def _example_items(kind: str) -> list[dict]:
    """The example's efficacy_monitoring items (its [[design]] entries, as the spec expands them)."""
    from smalltrial.spec import _expand_designs

    with open(REPO / "analyses" / "phase2_onc.toml", "rb") as f:
        spec = tomllib.load(f)
    tables, _, figures, _ = _expand_designs(spec.get("design", []))
    items = spec.get(kind, []) + (tables if kind == "tables" else figures)
    return [t for t in items if t["name"] == "efficacy_monitoring"]


def _expand(rows) -> dict[int, str]:
    """{n: value} from the printed boundary rows ("n = 11–14" runs expanded; final left out)."""
    out = {}
    for label, value in rows:
        if label.endswith("(final)"):
            continue
        first, _, last = label.removeprefix("n = ").partition("\u2013")
        for n in range(int(first), int(last or first) + 1):
            out[n] = value
    return out


def _expected_bounds(ref) -> dict[int, str]:
    looks = list(np.atleast_1d(ref["looks"])) if "looks" in ref else None
    fut = list(np.atleast_1d(ref["futility"]))
    eff = list(np.atleast_1d(ref.get("efficacy", [])))
    n_int = looks[:-1]
    out = {}
    for k, n in enumerate(n_int):
        parts = [] if fut[k] < 0 else [f"\u2264 {fut[k]}"]
        if eff and eff[k] <= n:
            parts.append(f"\u2265 {eff[k]}")
        out[int(n)] = "stop if " + " or ".join(parts) if parts else "no stop possible"
    return out


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    with open(REPO / "analyses" / "phase2_onc.toml", "rb") as f:
        full = tomllib.load(f)
    spec = {"data": full["data"], "endpoints": full["endpoints"],
            "tables": _example_items("tables")}
    res = pipeline.run(spec, out=tmp_path_factory.mktemp("eff") / "out", progress=False)
    return res.tables


def test_bop2_table_of_the_example_equals_r(example):
    r = REF["bop2"]
    t = example["efficacy_monitoring_bop2"]
    design = dict(_section(t, "Design"))
    assert design["Posterior cut-off C(n) = 1 \u2212 \u03bb (n/N)^\u03b3"] == (
        f"\u03bb = {r['lambda']:g}, \u03b3 = {r['gamma']:g}")
    assert design["Maximum sample size N; interim looks"] == "23; n = 10, 15, 20"
    assert design["Prior of the response rate"] == "Beta(0.15, 0.85)"
    assert design["Type I error / power (exact)"] == (
        f"{fmt_num(r['type1_error'], 3)} / {fmt_num(r['power'], 3)}")
    assert design["Expected sample size / early stopping under p0"] == (
        f"{fmt_num(r['expected_n0'], 1)} / {fmt_num(r['pet0'], 3)}")
    bounds = _section(t, "Boundaries")
    assert _expand(bounds) == {10: f"stop if \u2264 {r['futility'][0]}",
                               15: f"stop if \u2264 {r['futility'][1]}",
                               20: f"stop if \u2264 {r['futility'][2]}"}
    assert bounds[-1] == ("n = 23 (final)", f"promising if \u2265 {r['success_at']}")
    assert _section(t, "Operating characteristics") == [
        (f"True rate {o['p']:g}", f"{fmt_num(o['prob_success'], 3)} / "
         f"{fmt_num(o['prob_stop_futility'], 3)} / {fmt_num(o['expected_n'], 1)}")
        for o in r["oc"]]


def test_predictive_probability_table_of_the_example_equals_r(example):
    r = REF["pp"]
    t = example["efficacy_monitoring_predictive_probability"]
    design = dict(_section(t, "Design"))
    assert design["Final success: P(rate > p0 | data) > \u03b8_T"] == f"\u03b8_T = {r['theta_t']:g}"
    assert design["Futility: predictive probability of success < \u03b8_L"] == (
        f"\u03b8_L = {r['theta_l']:g}")
    assert design["Maximum sample size N (smallest meeting alpha and power)"] == (
        f"{r['N']} (searched up to 30); looks from n = 10")
    assert design["Type I error / power (exact)"] == (
        f"{fmt_num(r['type1_error'], 3)} / {fmt_num(r['power'], 3)}")
    bounds = _section(t, "Boundaries")
    assert _expand(bounds) == _expected_bounds(r)
    assert bounds[-1] == (f"n = {r['N']} (final)", f"promising if \u2265 {r['success_at']}")
    assert _section(t, "Operating characteristics") == [
        (f"True rate {o['p']:g}", f"{fmt_num(o['prob_success'], 3)} / "
         f"{fmt_num(o['prob_stop_futility'], 3)} / {fmt_num(o['expected_n'], 1)}")
        for o in r["oc"]]


def test_observed_status_of_the_example(example):
    # responders in subjects order from the R derivation of the example (confirmed CR/PR):
    # patients 1, 4, 6, 10, 12, 15, 19, 22 -> 4 among the first 10, 6 among 15, 7 among 20,
    # 8 among 22 and 23: above every futility boundary (R: <= 1, 2, 4 at 10, 15, 20), and at
    # N = 23 (BOP2) / 22 (predictive probability) 8 >= 6: promising
    seq = [b["bor"] in ("CR", "PR") for b in EXAMPLES["bor"]]
    assert [k for k, v in enumerate(seq, 1) if v] == [1, 4, 6, 10, 12, 15, 19, 22]
    bop2 = dict(_section(example["efficacy_monitoring_bop2"], "Observed"))
    assert bop2["Responders (Objective response (confirmed CR or PR))"] == "8/23"
    assert bop2["Boundaries"] == ("not crossed; final analysis at n = 23: 8/23 responders "
                                  "\u2265 6: promising")
    assert bop2["Posterior P(rate > 0.15 | 8 of 23)"] == fmt_num(
        REF["bop2"]["posterior_8_of_23"], 3)
    pp = dict(_section(example["efficacy_monitoring_predictive_probability"], "Observed"))
    assert pp["Boundaries"] == ("not crossed; final analysis at n = 22: 8/22 responders "
                                "\u2265 6: promising")
    assert pp["Posterior P(rate > 0.15 | 8 of 22)"] == fmt_num(REF["pp"]["posterior_8_of_22"], 3)
    notes = example["efficacy_monitoring_predictive_probability"].footnotes
    assert any("23 patients treated: only the first 22 are monitored" in n for n in notes)


# --------------------------------------------------------------------- hand-made trials
def _trial(responding: list[bool]) -> st.Trial:
    ids = [f"P{i:02d}" for i in range(1, len(responding) + 1)]
    subjects = pd.DataFrame({"subject": ids, "cohort": "A", "sex": "F", "age": 50.0})
    m = pd.DataFrame({"subject": ids, "day": 56, "visit": "week 8", "parameter": "bor",
                      "value": np.nan, "unit": "",
                      "value_text": ["PR" if r else "SD" for r in responding]})
    events = pd.DataFrame({"subject": ids, "day": 100, "event": "last_contact",
                           "grade": np.nan})
    return st.Trial(subjects=subjects, measurements=m, events=events)


BOP2 = {"design": "bop2", "p0": 0.15, "p1": 0.35, "n_max": 23, "looks": [10, 15, 20],
        "alpha": 0.10}
PP = {"design": "predictive_probability", "p0": 0.15, "p1": 0.35, "n_max": 30,
      "first_look": 10, "alpha": 0.10, "power": 0.80}


def _observed(responders_at: list[int], n: int, kind: str = "tables", **design) -> tuple:
    spec = load_spec({"data": {"dataset": "phase2_onc"},
                      "endpoints": {"responses": [{"name": "resp", "label": "Response", "parameter": "bor",
                                                   "in": ["CR", "PR"]}]},
                      kind: [{"name": "efficacy_monitoring", "response": "resp", **design}]})
    trial = _trial([k in responders_at for k in range(1, n + 1)])
    ctx = Analysis(trial, spec)
    if kind == "figures":
        return FIGURES["efficacy_monitoring"](ctx, spec.figures[0])
    # a table builder returns a Display: lay it out from the ARD rows it recorded, as a run does
    with ctx.recording("tables/t"):
        disp = TABLES["efficacy_monitoring"](ctx, spec.tables[0])
    return from_ard(ard.collect(ctx, {"tables/t": ctx.used["tables/t"]}), disp)


@pytest.mark.parametrize(("responders_at", "n", "expected"), [
    # responders 3 and 12: 1 among the first 10 <= 1 (R boundary at 10): stop at look 1
    ([3, 12], 23, "futility boundary crossed at n = 10 (look 1): 1/10 responders \u2264 1"),
    # 1, 4, 12, 18: 2 of 10 > 1, 3 of 15 > 2, 4 of 20 <= 4: stop at look 3
    ([1, 4, 12, 18], 23, "futility boundary crossed at n = 20 (look 3): 4/20 responders \u2264 4"),
    # 1, 2, 3, 11, 16: 3 of 10, 4 of 15, 5 of 20 all above; 5 of 23 < 6: not promising
    ([1, 2, 3, 11, 16], 23,
     "not crossed; final analysis at n = 23: 5/23 responders < 6: not promising"),
    # 12 patients enrolled, responders 2 and 7: 2 of 10 > 1; next look at 15
    ([2, 7], 12, "not crossed so far (2/12 responders; next look at n = 15, N = 23)"),
    # 5 patients, none responding: before the first look
    ([], 5, "not crossed so far (0/5 responders; next look at n = 10, N = 23)"),
])
def test_bop2_status_on_hand_made_trials(responders_at, n, expected):
    r = REF["bop2"]
    assert (r["futility"], r["success_at"]) == ([1, 2, 4], 6)  # the boundaries counted against
    table = _observed(responders_at, n, **BOP2)
    observed = dict(_section(table, "Observed"))
    assert observed["Boundaries"] == expected
    assert observed["Responders (Response)"] == f"{len(responders_at)}/{n}"


def test_predictive_probability_status_on_hand_made_trials():
    r, e = REF["pp"], REF["pp_efficacy"]
    # R: futility <= 0 at n = 10, <= 1 at n = 11 (no efficacy stop)
    assert r["futility"][:2] == [0, 1]
    # responder 1 only: 1 of 10 > 0, 1 of 11 <= 1: stop at patient 11, the second look
    table = _observed([1], 23, **PP)
    assert dict(_section(table, "Observed"))["Boundaries"] == (
        "futility boundary crossed at n = 11 (look 2): 1/11 responders \u2264 1")
    # with theta_u = 0.95 (R: N = 21, efficacy stop at >= 5 of 10, futility <= 0 at 10):
    # responders 1, 2, 3, 5, 9 -> 5 of 10: stop for efficacy at the first look
    assert (e["N"], e["futility"][0], e["efficacy"][0]) == (21, 0, 5)
    table = _observed([1, 2, 3, 5, 9], 21, **PP, theta_u=0.95)
    assert dict(_section(table, "Observed"))["Boundaries"] == (
        "efficacy boundary crossed at n = 10 (look 1): 5/10 responders \u2265 5")
    # the table then has the efficacy column, and its numbers are R's
    assert _section(table, "Operating characteristics") == [
        (f"True rate {o['p']:g}", f"{fmt_num(o['prob_success'], 3)} / "
         f"{fmt_num(o['prob_stop_futility'], 3)} / {fmt_num(o['prob_stop_efficacy'], 3)} / "
         f"{fmt_num(o['expected_n'], 1)}") for o in e["oc"][1:4:2]]  # default rates p0, p1
    assert _expand(_section(table, "Boundaries")) == _expected_bounds(e)


def test_figure_draws_the_observed_path_and_the_crossing():
    fig = _observed([1, 4, 12, 18], 23, kind="figures", **BOP2)
    ax = fig.axes[0]
    path = next(ln for ln in ax.get_lines() if ln.get_gid() == "observed")
    # cumulative responders after each of the 23 patients (responders 1, 4, 12, 18)
    assert list(path.get_ydata()) == [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4,
                                      4, 4, 4, 4, 4]
    cross = next(ln for ln in ax.get_lines() if ln.get_gid() == "crossed")
    assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([20], [4])
    success = next(ln for ln in ax.get_lines() if ln.get_gid() == "success")
    assert (list(success.get_xdata()), list(success.get_ydata())) == ([23], [6])
    oc_lines = [ln for ln in fig.axes[1].get_lines() if (ln.get_gid() or "").startswith("oc-")]
    assert [ln.get_gid() for ln in oc_lines] == ["oc-P(success)", "oc-P(stop early)"]
    # the OC curve at p0 = 0.15 (a grid point) is R's P(success) at p0
    xs, ys = oc_lines[0].get_xdata(), oc_lines[0].get_ydata()
    assert ys[list(np.round(xs, 2)).index(0.15)] == pytest.approx(REF["bop2"]["type1_error"],
                                                                  abs=1e-12)


@pytest.mark.parametrize(("change", "match"), [
    ({"p0": 1.2}, r"tables\[0\]\.p0: must be in \(0, 1\), got 1.2"),
    ({"p1": 0.1}, r"tables\[0\]\.p1: must be above p0 = 0.15, got 0.1"),
    ({"looks": None}, r"tables\[0\]\.looks: give the interim looks"),
    ({"looks": [10, 10]}, r"tables\[0\]\.looks\[1\]: must be a whole number above 10"),
    ({"looks": [10, 23]}, r"tables\[0\]\.looks\[1\]: .*below n_max = 23, got 23"),
    ({"power": 0.8}, r"tables\[0\]\.power: applies to design = 'predictive_probability'"),
    ({"prior": [1, 0]}, r"tables\[0\]\.prior: must be two positive numbers"),
    ({"rates": [0.2, 1.5]}, r"tables\[0\]\.rates\[1\]: must be in \[0, 1\], got 1.5"),
    ({"response": "nope"}, r"tables\[0\]\.response: unknown response 'nope'"),
    ({"design": "pp"}, r"tables\[0\]\.design"),
])
def test_bad_bop2_options_name_the_key(change, match):
    item = {"name": "efficacy_monitoring", "response": "orr", **BOP2, **change}
    item = {k: v for k, v in item.items() if v is not None}
    with pytest.raises(SmallTrialError, match=match):
        load_spec({"data": {"dataset": "phase2_onc"},
                   "endpoints": {"responses": [{"name": "orr", "parameter": "ovr",
                                                "in": ["CR", "PR"]}]},
                   "tables": [item]})


@pytest.mark.parametrize(("change", "match"), [
    ({"looks": [10]}, r"tables\[0\]\.looks: applies to design = 'bop2' only"),
    ({"theta_u": 0}, r"tables\[0\]\.theta_u: must be in \(0, 1\]"),
    ({"first_look": 30}, r"tables\[0\]\.first_look: must be in \[1, n_max = 30\), got 30"),
])
def test_bad_predictive_probability_options_name_the_key(change, match):
    with pytest.raises(SmallTrialError, match=match):
        load_spec({"data": {"dataset": "phase2_onc"},
                   "endpoints": {"responses": [{"name": "orr", "parameter": "ovr",
                                                "in": ["CR", "PR"]}]},
                   "tables": [{"name": "efficacy_monitoring", "response": "orr", **PP,
                               **change}]})


def test_a_design_that_cannot_meet_power_says_the_best_attainable(tmp_path):
    spec = {"data": {"dataset": "phase2_onc"},
            "endpoints": {"responses": [{"name": "orr", "parameter": "ovr", "in": ["CR", "PR"]}]},
            "tables": [{"name": "efficacy_monitoring", "response": "orr",
                        **{**PP, "n_max": 12, "power": 0.95}}]}
    with pytest.raises(SmallTrialError, match=r"best attainable power is"):
        pipeline.run(spec, out=tmp_path / "out", progress=False)
    assert not math.isnan(REF["pp"]["power"])


@pytest.mark.parametrize("which", ["bop2", "pp"])
def test_example_designs_operating_characteristics_by_monte_carlo(which):
    # 10^6 simulated trials per rate (smalltrial.simulate's seeded chunks) against R's exact
    # operating characteristics at p0 and p1: within 3 Monte-Carlo standard errors
    from smalltrial import design

    r = REF["bop2" if which == "bop2" else "pp"]
    d = (design.bop2_design(0.15, 0.35, n_max=23, looks=[10, 15, 20], alpha=0.10)
         if which == "bop2" else
         design.predictive_probability_design(0.15, 0.35, n_max=30, alpha=0.10, power=0.80))
    exact = {round(o["p"], 10): o for o in r["oc"]}
    sim = d.simulate([0.15, 0.35], n_sim=1_000_000, seed=14, chunk_size=250_000)
    for row in sim.itertuples():
        o = exact[round(row.p, 10)]
        for col in ("prob_success", "prob_stop_futility", "expected_n"):
            se = getattr(row, f"{col}_se")
            assert abs(getattr(row, col) - o[col]) <= 3 * se + 1e-12, (row.p, col)


def test_a_number_changed_in_the_ard_changes_that_cell_only(tmp_path):
    # layout "monitoring" (safety_monitoring, simon_design, efficacy_monitoring): the cells are
    # filled from the ARD; change the BOP2 type I error and the observed responders in the ARD
    # of the example run and only those cells of the rebuilt table change
    from smalltrial.ard import read_ard
    from smalltrial.tables.display import read_displays

    with open(REPO / "analyses" / "phase2_onc.toml", "rb") as f:
        full = tomllib.load(f)
    spec = {"data": full["data"], "endpoints": full["endpoints"],
            "tables": _example_items("tables")}
    folder = pipeline.run(spec, out=tmp_path / "out", progress=False).out
    tid = "tables/efficacy_monitoring_bop2"
    table_ard, disp = read_ard(folder), read_displays(folder)[tid]
    before = from_ard(table_ard, disp, id=tid)
    mine = table_ard["id"] == tid
    cell = mine & (table_ard["variable"] == "design") & (table_ard["statistic"] == "type1_error")
    assert cell.sum() == 1
    table_ard.loc[cell, "value"] = 0.0123
    after = from_ard(table_ard, disp, id=tid)
    changed = [(i, a.cells, b.cells) for i, (a, b) in enumerate(zip(before.rows, after.rows,
                                                                     strict=True))
               if a.cells != b.cells]
    assert [c[2] for c in changed] == [("Type I error / power (exact)",
                                        f"0.012 / {fmt_num(REF['bop2']['power'], 3)}")]
    assert before.footnotes == after.footnotes and before.title == after.title
    cell = mine & (table_ard["variable"] == "observed") & (table_ard["statistic"] == "responders")
    table_ard.loc[cell, "value"] = 3
    again = from_ard(table_ard, disp, id=tid)
    assert dict((r.cells[0], r.cells[1]) for r in again.rows)[
        "Responders (Objective response (confirmed CR or PR))"] == "3/23"
    assert sum(a.cells != b.cells for a, b in zip(after.rows, again.rows, strict=True)) == 1


def test_footnote_marks_sit_on_the_rows_they_explain(example):
    t = example["efficacy_monitoring_predictive_probability"]
    labels = [r.cells[0] for r in t.rows]
    marked = {(labels[r], n) for r, c, n in t.marks}
    assert all(c == 0 for _, c, _ in t.marks)  # on row labels
    assert marked == {
        ("Design", 0),  # the method note
        ("Responders (Objective response (confirmed CR or PR))", 1),  # who counts as responder
        ("Boundaries: stop for futility if responders \u2264 r among the first n", 2),  # looks
        ("Boundaries", 3)}  # 23 treated, the first 22 monitored
    assert t.footnotes[3].startswith("23 patients treated: only the first 22")
