"""A first-time user's made-up, non-lupus trial (from an independent review): what a run of it
must give. Each test was a reproducer of a finding (written as xfail while the package did
otherwise) and now holds as a plain test.

The trial (written below, 12 patients, two dose cohorts, a biomarker at baseline/week 4/12/24,
adverse events) is invented for these tests; no number here is a published number.
"""

from __future__ import annotations

import json

import pytest

SUBJECTS = """subject,cohort,sex,age
P01,low,F,24
P02,low,M,31
P03,low,F,19
P04,low,M,42
P05,low,F,27
P06,low,M,35
P07,high,F,22
P08,high,M,29
P09,high,F,38
P10,high,M,26
P11,high,F,33
P12,high,M,45
"""
PHE = {"P01": [1200, 900, 700, 750], "P02": [1000, 600, 450, 480], "P03": [1500, 1400, 1300, 1350],
       "P04": [800, 500, 380, 390], "P05": [1100, 1000, None, 900], "P06": [950, 700, 500, 600],
       "P07": [1300, 400, 250, 260], "P08": [1000, 300, 200, 220], "P09": [1600, 900, 700, 1000],
       "P10": [900, 200, 150, 160], "P11": [1200, 500, 420, 450], "P12": [1100, 1000, 950, None]}
VISITS = [("baseline", -7), ("week 4", 28), ("week 12", 84), ("week 24", 168)]
AES = """subject,term,soc,grade,day
P01,Headache,Nervous system disorders,1,2
P02,Alanine aminotransferase increased,Investigations,3,42
P07,Alanine aminotransferase increased,Investigations,3,56
P11,Nausea,Gastrointestinal disorders,2,2
"""


def _write_trial(folder):
    folder.mkdir()
    (folder / "subjects.csv").write_text(SUBJECTS)
    rows = ["subject,day,visit,parameter,value,unit"]
    for subject, values in PHE.items():
        rows += [f"{subject},{day},{visit},phe,{v},umol/L"
                 for (visit, day), v in zip(VISITS, values, strict=True) if v is not None]
    (folder / "measurements.csv").write_text("\n".join(rows) + "\n")
    (folder / "events.csv").write_text("subject,day,event,grade\n" + "".join(
        f"{s},365,last_contact,\n" for s in PHE))
    (folder / "adverse_events.csv").write_text(AES)


def _spec(data, **longitudinal):
    return {
        "title": "Made-up gene therapy trial",
        "data": {"path": str(data)},
        "endpoints": {"by": "cohort", "time_unit": "weeks",
                      "responses": [{"name": "phe_response", "label": "Phe reduction >= 50%",
                                     "parameter": "phe", "change": "percent", "op": "<=",
                                     "value": -50}]},
        "labels": {"origin": "dosing"},
        "tables": [
            {"name": "baseline", "variables": ["age", "sex"]},
            {"name": "efficacy", "response": "phe_response"},
            {"name": "longitudinal", "parameter": "phe", **longitudinal},
            {"name": "adverse_events_by_soc", "include_events": []},
        ],
        "figures": [{"name": "trajectories", "parameter": "phe", "formats": ["png"]}],
    }


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from smalltrial.pipeline import run

    base = tmp_path_factory.mktemp("review")
    _write_trial(base / "data")
    run(_spec(base / "data", test_at="week 24"), out=base / "out", progress=False)
    return base / "out"


def test_methods_paragraph_names_the_response_rule_not_doris(run_dir):
    report = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "DORIS" not in report
    assert "Phe reduction" in report.split("## Tables and figures")[0]


def test_every_groups_signed_rank_test_is_in_the_ard(run_dir):
    import pandas as pd

    ard = pd.read_csv(run_dir / "ard.csv", keep_default_na=False)
    pvalues = ard[(ard["variable"] == "paired_change") & (ard["statistic"] == "p_value")]
    # low: 6 of 6 decrease -> 2/64; high: 5 of 5 decrease -> 2/32 (exact two-sided, by hand)
    assert sorted(pvalues["value"].astype(float)) == [0.03125, 0.0625]
    assert all("low" in g or "high" in g for g in pvalues["group_level"])


def test_rebuild_tables_gives_back_every_table(run_dir):
    from smalltrial.tables.display import rebuild_tables

    written = {f"tables/{p.stem}" for p in (run_dir / "tables").glob("*.md")}
    assert set(rebuild_tables(run_dir)) == written
    assert set(json.loads((run_dir / "displays.json").read_text())) == written


def test_test_at_unknown_visit_is_an_error(tmp_path):
    from smalltrial import SmallTrialError
    from smalltrial.pipeline import run

    _write_trial(tmp_path / "data")
    with pytest.raises(SmallTrialError, match="week 42"):
        run(_spec(tmp_path / "data", test_at="week 42"), out=tmp_path / "out", progress=False)


def test_ae_footnote_has_no_car_t_grading_without_crs(run_dir):
    text = (run_dir / "tables" / "adverse_events_by_soc.md").read_text(encoding="utf-8")
    assert "ASTCT" not in text and "CRS" not in text


def test_trajectories_caption_does_not_claim_means_not_drawn(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "with the model-based means" not in html


def test_a_misspelt_visit_is_warned_and_listed_in_the_report(tmp_path):
    """P05's week-24 row written as "wek 24": the run goes on (a visit of one patient may be
    real) but warns, names both labels, and the report lists the caveat; labels that differ
    only in numbers ("week 4", "week 24") are not flagged."""
    from smalltrial.pipeline import run

    _write_trial(tmp_path / "data")
    path = tmp_path / "data" / "measurements.csv"
    text = path.read_text().replace("P05,168,week 24", "P05,168,wek 24")
    path.write_text(text)
    result = run(_spec(tmp_path / "data"), out=tmp_path / "out", progress=False)
    notes = [w for w in result.statistical_warnings if "misspelling" in w]
    assert notes == ["measurements: visit 'wek 24' (1 patient) looks like a misspelling of "
                     "'week 24' (10 patients); it is analysed as a visit of its own"]
    assert result.warned_in[notes[0]] == ("data",)
    assert "wek 24" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    # the untouched trial ("baseline", "week 4", "week 12", "week 24") has nothing flagged
    _write_trial(tmp_path / "data2")
    clean = run(_spec(tmp_path / "data2"), out=tmp_path / "out2", progress=False)
    assert not [w for w in clean.statistical_warnings if "misspelling" in w]
