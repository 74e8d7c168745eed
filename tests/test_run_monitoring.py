"""The spec's ``safety_monitoring`` table and ``monitoring_boundaries`` figure: the printed
boundary is the design's and R's, the operating characteristics and the posterior probability
are R's (``tests/reference/run_monitoring/make_run_monitoring.R``), and the observed
crossing equals a hand count from the bundled SYNTHETIC data in the order of the subjects table.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from conftest import load_reference
from conftest import table_section as _section

from smalltrial import SmallTrialError, datasets, design, pipeline
from smalltrial._format import fmt_num
from smalltrial.builders import FIGURES, Analysis
from smalltrial.spec import load_spec

DATA = Path(__file__).resolve().parents[1] / "smalltrial" / "data"
REF = load_reference("run_monitoring")  # R: pbeta boundary, dbinom recursion, posterior
RULE = {"n_max": 23, "limit": 0.3, "cutoff": 0.9, "prior": [0.6, 1.4]}  # analyses/phase2_onc.toml


def _spec(dataset: str = "phase2_onc", figures: bool = False, **options) -> dict:
    item = {"name": "safety_monitoring", **options}
    spec = {"data": {"dataset": dataset}, "tables": [item]}
    if figures:
        spec["figures"] = [{"name": "monitoring_boundaries",
                            **{k: v for k, v in options.items() if k != "rates"}}]
    return spec


def _rows(table) -> list[tuple[str, ...]]:
    return [r.cells for r in table.rows]


def _hand_count(pred) -> list[bool]:
    """Per patient in subjects.csv order: any adverse_events.csv row satisfying ``pred``."""
    with open(DATA / "phase2_onc" / "subjects.csv", newline="") as f:
        order = [r["subject"] for r in csv.DictReader(f)]
    with open(DATA / "phase2_onc" / "adverse_events.csv", newline="") as f:
        hit = {r["subject"] for r in csv.DictReader(f) if pred(r)}
    return [s in hit for s in order]


def _run(tmp_path, spec):
    return pipeline.run(spec, out=tmp_path / "out", progress=False)


def test_boundary_oc_and_observed_of_the_oncology_example(tmp_path):
    res = _run(tmp_path, _spec(**RULE))
    table = res.tables["safety_monitoring"]
    rule = design.safety_monitoring(23, limit=0.3, cutoff=0.9, prior=(0.6, 1.4))
    # the printed runs "n = a–b | s = k", expanded, are the design's boundary at every n
    printed = {}
    for label, value in _section(table, "Stopping boundary"):
        first, _, last = label.removeprefix("n = ").partition("\u2013")
        stop = math.nan if value == "no stop possible" else float(value.removeprefix("s = "))
        for n in range(int(first), int(last or first) + 1):
            printed[n] = stop
    expected = dict(zip(rule.boundary["n"], rule.boundary["stop_at"], strict=True))
    assert list(printed) == list(expected) == list(range(1, 24))
    r_stop = [math.nan if v == "NA" else float(v) for v in REF["phase2_onc"]["stop_at"]]
    for other in (list(expected.values()), r_stop):
        assert all((math.isnan(a) and math.isnan(b)) or a == b
                   for a, b in zip(printed.values(), other, strict=True))
    # exact operating characteristics at the default rates, R's dbinom recursion
    assert _section(table, "Operating characteristics") == [
        (f"True rate {r['p']:g}", f"{fmt_num(r['prob_stop'], 3)} / {fmt_num(r['expected_n'], 1)}")
        for r in REF["phase2_onc"]["oc"]]
    # hand count: grade >= 3 of any term -- ON02, ON03, ON08, ON12, ON18, ON22 (patients 2, 3,
    # 8, 12, 18, 22), so the count after patient k is 1, 2, 3, 4, 5, 6 at those k; the
    # boundary there (printed above) is 2, 3, 5, 6, 9, 10: never reached
    toxic = _hand_count(lambda r: int(r["grade"]) >= 3)
    assert [k for k, t in enumerate(toxic, 1) if t] == [2, 3, 8, 12, 18, 22]
    assert [expected[k] for k in (2, 3, 8, 12, 18, 22)] == [2, 3, 5, 6, 9, 10]
    assert _section(table, "Observed") == [
        ("Patients with grade \u2265 3 adverse events", "6/23"),
        ("Boundary", "not crossed (6 among 23)"),
        ("Posterior P(rate > 0.3 | 6 of 23)", fmt_num(REF["phase2_onc"]["posterior"], 3))]


def test_a_flat_prior_is_crossed_at_patient_3(tmp_path):
    # Beta(1, 1) prior: after 1 of 1, posterior Beta(2, 1), P(p > 0.3) = 1 - 0.3^2 = 0.91 > 0.9
    # (stop at 1 of 1); after 1 of 2 patients, posterior Beta(2, 2), P(p > 0.3) =
    # 1 - [3(0.3^2)(0.7) + 0.3^3] = 0.784 <= 0.9: go on; after 2 of 3 (ON02, ON03), posterior
    # Beta(3, 2), P(p > 0.3) = 1 - [4(0.3^3)(0.7) + 0.3^4] = 0.9163 > 0.9: stop at patient 3
    res = _run(tmp_path, _spec(**{**RULE, "prior": [1, 1]}, figures=True))
    table = res.tables["safety_monitoring"]
    observed = dict(_section(table, "Observed"))
    assert observed["Boundary"] == "crossed at patient 3 (2 among 3)"
    assert observed["Posterior P(rate > 0.3 | 2 of 3)"] == fmt_num(REF["flat"]["posterior"], 3)
    assert [float(v) for v in REF["flat"]["stop_at"][:3]] == [1, 2, 2]  # R agrees by hand
    assert _section(table, "Stopping boundary")[:2] == [("n = 1", "s = 1"), ("n = 2\u20133", "s = 2")]
    assert "figures/monitoring_boundaries.png" in res.figures


def test_term_and_related_filters_count_by_hand(tmp_path):
    related = _run(tmp_path / "a", _spec(**RULE, related_only=True)).tables["safety_monitoring"]
    toxic = _hand_count(lambda r: int(r["grade"]) >= 3 and r["related"] == "True")
    assert [k for k, t in enumerate(toxic, 1) if t] == [2, 3, 22]  # ON02, ON03, ON22
    assert dict(_section(related, "Observed"))[
        "Patients with grade \u2265 3 treatment-related adverse events"] == "3/23"
    pneumonia = _run(tmp_path / "b", _spec(**RULE, term="pneumonia", min_grade=2))
    toxic = _hand_count(lambda r: int(r["grade"]) >= 2 and r["term"] == "Pneumonia")
    observed = dict(_section(pneumonia.tables["safety_monitoring"], "Observed"))
    assert observed["Patients with grade \u2265 2 pneumonia"] == f"{sum(toxic)}/23"


def test_figure_draws_the_observed_path(tmp_path):
    spec = load_spec(_spec(**{**RULE, "prior": [1, 1]}, figures=True))
    fig = FIGURES["monitoring_boundaries"](Analysis(datasets.load("phase2_onc"), spec),
                                           spec.figures[0])
    ax = fig.axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_gid() == "observed")
    toxic = _hand_count(lambda r: int(r["grade"]) >= 3)
    cumulative = [sum(toxic[:k]) for k in range(1, 24)]
    assert list(line.get_ydata()) == cumulative  # step(where="mid") keeps the points
    cross = next(ln for ln in ax.get_lines() if ln.get_gid() == "crossed")
    assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([3], [2])
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_crs_while_enrolling_on_the_lupus_trial(tmp_path):
    # mackensen2022 events.csv: CRS grade 1 in MK01, MK02, MK05 (patients 1, 2, 5 of 5)
    res = _run(tmp_path, _spec("mackensen2022", event="crs", min_grade=1, n_max=15, limit=0.2))
    rule = design.safety_monitoring(15, limit=0.2, cutoff=0.9)
    stops = dict(zip(rule.boundary["n"], rule.boundary["stop_at"], strict=True))
    counts = [1, 2, 2, 2, 3]
    first = next((k for k, x in enumerate(counts, 1) if x >= stops[k]), None)
    observed = dict(_section(res.tables["safety_monitoring"], "Observed"))
    assert observed["Patients with grade \u2265 1 CRS"] == "3/5"
    expected = (f"crossed at patient {first} ({counts[first - 1]} among {first})" if first
                else "not crossed so far (3 among 5; 15 planned)")
    assert observed["Boundary"] == expected


@pytest.mark.parametrize(("options", "message"), [
    ({"limit": 1.5}, r"tables\[0\]\.limit: must be in \(0, 1\), got 1\.5"),
    ({"cutoff": 0}, r"tables\[0\]\.cutoff: must be in \(0, 1\), got 0"),
    ({"prior": [1]}, r"tables\[0\]\.prior: must be two positive numbers"),
    ({"min_grade": 6}, r"tables\[0\]\.min_grade: must be a grade 1\.\.5, got 6"),
    ({"event": "crs", "term": "Fatigue"}, r"tables\[0\]\.term: applies to event = "
                                          r"'adverse_event' only"),
    ({"n_max": 0}, r"tables\[0\]\.n_max: must be at least 1, got 0"),
    ({"rates": [1.2]}, r"tables\[0\]\.rates\[0\]: must be in \[0, 1\], got 1\.2"),
])
def test_bad_options_name_the_key(options, message):
    with pytest.raises(SmallTrialError, match=message):
        load_spec(_spec(**{**RULE, **options}))


def test_n_max_and_limit_are_required():
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.n_max: missing \(required\)"):
        load_spec(_spec(limit=0.3))
