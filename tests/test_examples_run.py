"""End to end: the bundled SYNTHETIC non-lupus examples run from their committed specs.

* ``analyses/phase2_onc.toml`` (CSV) and ``analyses/phase2_onc_adam.toml`` (the same made-up
  trial as ADaM XPORT files) give byte-identical tables;
* the printed numbers equal the independent R derivation from the CSV files
  (``tests/reference/examples/make_examples.R``: binom.test, survfit log-log, AE counts);
* ``figures/phase2_onc`` and ``figures/mg_cart`` equal what the specs produce now.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import load_reference

from smalltrial import pipeline
from smalltrial._tableformat import fmt_count_pct, fmt_estimate_ci, fmt_prop_ci

REPO = Path(__file__).resolve().parents[1]
REF = load_reference("examples")
MONTH = 30.4375


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("examples")
    return {name: pipeline.run(REPO / "analyses" / f"{name}.toml", out=base / name, progress=False)
            for name in ("phase2_onc", "phase2_onc_adam", "mg_cart")}


def _rows(table):
    return {r.cells[0]: r.cells for r in table.rows}


def test_adam_and_csv_versions_give_identical_tables(runs):
    csv, adam = runs["phase2_onc"].out / "tables", runs["phase2_onc_adam"].out / "tables"
    files = sorted(p.name for p in csv.iterdir())
    assert files == sorted(p.name for p in adam.iterdir())
    assert len(files) == 8 * 5  # baseline, efficacy, time_to_event, AE, design, safety and 2 efficacy monitoring; 5 formats each
    for name in files:
        assert (csv / name).read_bytes() == (adam / name).read_bytes(), name


def test_oncology_numbers_equal_r(runs):
    ref = REF["phase2_onc"]
    tables = runs["phase2_onc"].tables
    o = ref["orr"]  # confirmed CR/PR over all 23 patients, R binom.test
    assert _rows(tables["efficacy"])["Any visit"][1] == fmt_prop_ci(o["x"], o["n"], o["lower"], o["upper"])
    tte = _rows(tables["time_to_event"])
    for label, key in (("Progression-free survival", "pfs"), ("Overall survival", "os"),
                       ("Duration of response", "dor")):
        r = ref[key]
        q = next(x for x in r["quantiles"] if x["p"] == 0.5)
        upper = float("nan") if q["upper"] is None else q["upper"] / MONTH
        median = fmt_estimate_ci(q["quantile"] / MONTH, q["lower"] / MONTH, upper, 1, na="NR")
        assert tte[label][1:4] == (str(r["n"]), str(r["events"]), median), label
    ae = _rows(tables["adverse_events_by_soc"])
    a = ref["ae"]
    assert ae["Any adverse event"][1:] == (fmt_count_pct(a["any"], 23), fmt_count_pct(a["grade3"], 23))
    for soc in a["by_soc"]:
        assert ae[soc["soc"]][1:] == (fmt_count_pct(soc["any"], 23), fmt_count_pct(soc["grade3"], 23))


def test_myasthenia_numbers_equal_r(runs):
    ref = REF["mg_cart"]
    tables = runs["mg_cart"].tables
    eff = _rows(tables["efficacy"])
    for r in ref["responders"]:
        visit = r["visit"][:1].upper() + r["visit"][1:]
        assert eff[visit][1] == fmt_prop_ci(r["responders"], r["n"], r["lower"], r["upper"]), visit
    e = ref["ever_responder"]
    assert eff["Any visit"][1] == fmt_prop_ci(e["x"], e["n"], e["lower"], e["upper"])
    # the non-responder is left out of the relapse-free time, with a footnote naming the count
    notes = tables["time_to_event"].footnotes
    assert any("1 patient(s) never reaching the start of this endpoint (MG-ADL improvement" in n
               for n in notes)


def test_every_patient_is_in_the_denominators(runs):
    onc = runs["phase2_onc"].tables
    assert "(n = 23)" in onc["baseline"].columns[1]
    assert _rows(onc["time_to_event"])["Overall survival"][1] == "23"
    mg = runs["mg_cart"].tables
    assert "(n = 10)" in mg["baseline"].columns[1]
    assert "N = 10" in mg["adverse_events_by_soc"].columns[1]


@pytest.mark.parametrize("name", ["phase2_onc", "mg_cart"])
def test_repository_figures_of_the_examples_are_up_to_date(runs, name):
    """figures/<name> equals what analyses/<name>.toml produces now (figure bytes only under
    the renderer recorded in figures/renderer.json)."""
    root = REPO / "figures"
    fresh = pipeline.repo_figure_files(runs[name])
    committed = {p.name: p.read_bytes() for p in (root / name).iterdir()}
    assert sorted(committed) == sorted(fresh)
    assert committed["tables.md"] == fresh["tables.md"]
    if json.loads((root / "renderer.json").read_text()) == pipeline.renderer_fingerprint():
        assert [f for f in fresh if committed[f] != fresh[f]] == []


def test_simon_design_table_equals_the_design_and_the_inference(runs):
    """The planned design (simon_two_stage, tested against R in test_design.py), the observed
    stage-1 and final responders (R: make_examples.R) and the inference after the design
    (two_stage_inference, tested against R in test_design.py)."""
    from smalltrial.design import simon_two_stage, two_stage_inference

    ref = REF["phase2_onc"]
    rows = _rows(runs["phase2_onc"].tables["simon_design"])
    d = simon_two_stage(0.15, 0.35, alpha=0.10, power=0.80, criterion="optimal")
    assert (d.r1, d.n1, d.r, d.n) == (1, 9, 5, 23)
    assert rows["Stage 1: stop if responders \u2264 r1 among n1"][1] == "r1 = 1, n1 = 9"
    s1, orr = ref["orr_stage1"], ref["orr"]
    assert rows["Stage 1: responders among the first 9"][1] == f"{s1['x']}/{s1['n']}: continue"
    assert rows["Final: responders among 23"][1] == f"{orr['x']}/{orr['n']}: p0 rejected"
    inf = two_stage_inference(orr["x"], d)
    assert rows["Response rate, UMVUE"][1] == f"{inf.umvue:.3f}"
    assert rows["95% CI (stagewise ordering)"][1] == f"{inf.lower:.3f}\u2013{inf.upper:.3f}"


def test_simon_design_table_while_stage_one_enrols(tmp_path):
    """Fewer patients than n1: the interim count against r1, no inference yet (5 SYNTHETIC
    mackensen2022 patients, all in DORIS remission at some visit)."""
    from smalltrial.design import simon_two_stage

    spec = {"data": {"dataset": "mackensen2022"},
            "tables": [{"name": "simon_design", "response": "doris", "p0": 0.2, "p1": 0.5}]}
    table = pipeline.run(spec, out=tmp_path / "out", progress=False).tables["simon_design"]
    d = simon_two_stage(0.2, 0.5)
    rows = _rows(table)
    assert rows["Stage 1: stop if responders \u2264 r1 among n1"][1] == f"r1 = {d.r1}, n1 = {d.n1}"
    assert rows[f"Stage 1 (in progress, 5 of {d.n1}): responders"][1] == (
        "5/5: stage-1 threshold already passed")
    assert "Response rate, UMVUE" not in rows
    assert any("no inference after the design yet" in n for n in table.footnotes)
