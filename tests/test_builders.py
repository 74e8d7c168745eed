"""smalltrial.builders: the registry of table and figure builders behind ``smalltrial run``."""

from __future__ import annotations

import pytest

from smalltrial import SmallTrialError, builders
from smalltrial.builders import register_figure, register_table
from smalltrial.pipeline import run
from smalltrial.spec import FIGURE_OPTIONS, REQUIRED, TABLE_OPTIONS, parse_spec

MINIMAL = {"data": {"dataset": "mackensen2022"}}


@pytest.fixture
def scratch_registry():
    """Builders registered inside a test are removed afterwards."""
    tables, figures = dict(builders.TABLES), dict(builders.FIGURES)
    yield
    for registry, before in ((builders.TABLES, tables), (builders.FIGURES, figures)):
        registry.clear()
        registry.update(before)


def test_every_documented_item_is_registered_with_its_schema():
    assert sorted(builders.TABLES) == ["adverse_events", "adverse_events_by_soc", "baseline",
                                       "efficacy", "efficacy_monitoring", "interval_censored", "longitudinal",
                                       "safety_monitoring", "simon_design", "time_to_event"]
    assert sorted(builders.FIGURES) == ["bcell_kinetics", "efficacy_monitoring", "forest", "km_plot",
                                        "monitoring_boundaries", "swimmer", "trajectories",
                                        "waterfall"]
    # the spec's option tables are read from the registry, not kept twice
    assert TABLE_OPTIONS == {n: dict(b.options) for n, b in builders.TABLES.items()}
    assert FIGURE_OPTIONS == {n: dict(b.options) for n, b in builders.FIGURES.items()}
    assert builders.TABLES["longitudinal"].options["parameter"][1] is REQUIRED
    for b in (*builders.TABLES.values(), *builders.FIGURES.values()):
        assert callable(b.build) and b.kind in ("table", "figure")


def test_default_file_stems_come_from_the_registered_stem_options():
    spec = parse_spec({**MINIMAL,
                       "tables": [{"name": "longitudinal", "parameter": "c3"}],
                       "figures": [{"name": "km_plot", "endpoint": "relapse"},
                                   {"name": "swimmer"}]})
    assert [t.file for t in spec.tables] == ["longitudinal_c3"]
    assert [f.file for f in spec.figures] == ["km_plot_relapse", "swimmer"]


def test_a_new_table_joins_the_run_without_touching_the_pipeline(tmp_path, scratch_registry):
    from smalltrial.tables import Row, Table

    @register_table("patient_count", options={"label": ("str", "Patients", None),
                                              "cohorts": ("list[str]", REQUIRED, None)})
    def patient_count(ctx, item):
        subj = ctx.trial.subjects
        rows = [Row((c, str(int((subj[ctx.by] == c).sum())))) for c in item.options["cohorts"]]
        return Table(title=item.title or "Patients", columns=(item.options["label"], "n"),
                     rows=tuple(rows), name=item.file)

    spec = {**MINIMAL, "tables": [{"name": "patient_count", "cohorts": ["SLE"], "label": "Cohort"}]}
    result = run(spec, out=tmp_path / "out", progress=False)
    table = result.tables["patient_count"]
    assert table.columns == ("Cohort", "n")
    assert table.rows[0].cells == ("SLE", "5")  # Mackensen 2022: five patients with SLE
    assert (tmp_path / "out" / "tables" / "patient_count.md").is_file()
    # its options are validated like the built-in ones: unknown and missing keys are named
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.labels: unknown key; valid: "
                       r"'cohorts', 'file', 'label', 'name', 'optional', 'title'"):
        parse_spec({**MINIMAL, "tables": [{"name": "patient_count", "cohorts": [], "labels": "x"}]})
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.cohorts: missing \(required\)"):
        parse_spec({**MINIMAL, "tables": [{"name": "patient_count"}]})


def test_a_check_hook_validates_what_a_type_cannot(scratch_registry):
    def positive(key, opts, endpoints):
        if opts["n"] < 1:
            raise SmallTrialError(f"spec: {key}.n: must be >= 1, got {opts['n']}")
        return opts

    @register_figure("dots", options={"n": ("int", 1, None)}, check=positive, stem=("n",))
    def dots(ctx, item):  # pragma: no cover - never drawn here
        raise AssertionError

    assert parse_spec({**MINIMAL, "figures": [{"name": "dots", "n": 3}]}).figures[0].file == "dots_3"
    with pytest.raises(SmallTrialError, match=r"spec: figures\[0\]\.n: must be >= 1, got 0"):
        parse_spec({**MINIMAL, "figures": [{"name": "dots", "n": 0}]})


def test_forest_external_entries_are_checked_by_the_forest_builder():
    bad = {**MINIMAL, "figures": [{"name": "forest", "external": [{"label": "A", "x": 5, "n": 4}]}]}
    with pytest.raises(SmallTrialError, match=r"figures\[0\]\.external\[0\]: need 0 <= x <= n"):
        parse_spec(bad)
    bad["figures"][0]["external"] = [{"label": "A", "x": 1}]
    with pytest.raises(SmallTrialError, match=r"figures\[0\]\.external\[0\]\.n: missing"):
        parse_spec(bad)


def test_registration_errors(scratch_registry):
    with pytest.raises(SmallTrialError, match="name: a table name must be an identifier"):
        register_table("two words")
    with pytest.raises(SmallTrialError, match="stem: 'parameter' is not an option"):
        register_figure("nothing", stem=("parameter",))

    @register_table("once")
    def first(ctx, item):  # pragma: no cover
        return None

    with pytest.raises(SmallTrialError, match="table 'once' is already registered"):
        @register_table("once")
        def second(ctx, item):  # pragma: no cover
            return None


# ---- issue #12/#13: groups, labels, time units, swimmer states, all visits ----------------------
def _run(tmp_path, spec, name="out"):
    return run(spec, out=tmp_path / name, progress=False)


def _table_text(table):
    return [r.cells for r in table.rows], list(table.footnotes)


def test_every_group_is_accounted_for_in_efficacy_and_longitudinal(tmp_path):
    # muller2024: DORIS and SLEDAI-2K exist for the 8 SLE patients only; the 3 IIM and 4 SSc
    # patients must be named, not silently dropped
    spec = {"data": {"dataset": "muller2024"},
            "tables": [{"name": "efficacy", "visits": ["month 6"]},
                       {"name": "longitudinal", "parameter": "sledai2k"}]}
    result = _run(tmp_path, spec)
    eff = result.tables["efficacy"]
    assert eff.columns == ("Visit", "SLE")
    assert eff.footnotes[-1] == ("IIM (n = 3), SSc (n = 4): no patient assessed for DORIS "
                                 "remission; not shown.")
    lon = result.tables["longitudinal_sledai2k"]
    assert lon.footnotes[-1] == ("IIM (n = 3), SSc (n = 4): no patient assessed for SLEDAI-2K "
                                 "total; not shown.")


def test_longitudinal_uses_every_visit_with_data_and_shows_n(tmp_path):
    # issue #13: month 12 has 7 of the 8 SLE values, month 29 one; all are kept by default
    import pandas as pd

    from smalltrial import datasets

    trial = datasets.load("muller2024")
    m = trial.measurements
    counts = m[m["parameter"] == "sledai2k"].groupby("visit")["subject"].nunique()
    spec = {"data": {"dataset": "muller2024"},
            "tables": [{"name": "longitudinal", "parameter": "sledai2k"},
                       {"name": "longitudinal", "parameter": "sledai2k", "min_n": 7,
                        "file": "seven"}]}
    result = _run(tmp_path, spec)
    rows = {r.cells[0]: r.cells[1] for r in result.tables["longitudinal_sledai2k"].rows}
    assert set(rows) == {v[:1].upper() + v[1:] for v in counts.index}
    assert rows["Month 12"] == "7" and rows["Month 29"] == "1"
    seven = [r.cells[0] for r in result.tables["seven"].rows]
    assert seven == ["Baseline", "Day 7", "Day 14", "Day 28", "Month 2", "Month 3", "Month 6",
                     "Month 9", "Month 12"]
    assert int(pd.Series(counts).loc["month 12"]) == 7


def test_time_to_event_table_and_km_plot_split_by_group(tmp_path):
    spec = {"data": {"dataset": "muller2024"},
            "tables": [{"name": "time_to_event", "endpoints": ["b_cell_reconstitution"]}],
            "figures": [{"name": "km_plot", "formats": ["svg"]}]}
    result = _run(tmp_path, spec)
    rows, _ = _table_text(result.tables["time_to_event"])
    # bundled muller2024 counts: 8/8 SLE, 3/3 IIM and 3/4 SSc patients reach 10 cells/uL;
    # all patients first, then one indented row per cohort
    table = result.tables["time_to_event"]
    assert [r[:3] for r in rows] == [("B-cell reconstitution", "15", "14"), ("SLE", "8", "8"),
                                     ("IIM", "3", "3"), ("SSc", "4", "3")]
    assert [r.indent for r in table.rows] == [0, 1, 1, 1]
    svg = (tmp_path / "out" / "figures" / "km_plot_b_cell_reconstitution.svg").read_text()
    assert all(f'id="km-curve-{i}"' in svg for i in range(3)) and 'id="km-curve-3"' not in svg


def test_labels_order_summary_and_time_unit_come_from_the_spec(tmp_path):
    spec = {"data": {"dataset": "mackensen2022"},
            "endpoints": {"time_unit": "weeks", "landmarks": [13]},
            "labels": {"variables": {"sex": "Sex at birth", "age": "Age (years)"},
                       "levels": {"sex": {"F": "Woman", "M": "Man"}},
                       "order": {"sex": ["M", "F"]},
                       "summary": {"age": "categorical"},
                       "groups": {"SLE": "Lupus"}},
            "tables": [{"name": "baseline", "variables": ["age", "sex"]},
                       {"name": "time_to_event", "endpoints": ["relapse"]}],
            "figures": [{"name": "swimmer", "formats": ["svg"], "xlabel": "Weeks after cells"}]}
    result = _run(tmp_path, spec)
    base = result.tables["baseline"]
    assert base.columns[1].startswith("Lupus (n = 5)")
    labels = [r.cells[0] for r in base.rows]
    assert labels[0] == "Age (years), n (%)"  # categorical by the spec, not median (range)
    assert labels.index("Man") < labels.index("Woman")  # the spec's order
    assert "Sex at birth, n (%)" in labels
    tte = result.tables["time_to_event"]
    assert tte.columns[3] == "Median, weeks (95% CI)" and tte.columns[4].startswith("At 13 weeks")
    svg = (tmp_path / "out" / "figures" / "swimmer.svg").read_text()
    assert "Weeks after cells" in svg


def test_xlabel_and_labels_keys_are_accepted_and_checked():
    spec = parse_spec({**MINIMAL, "labels": {"order": {"ecog": [0, 1, 2]}},
                       "figures": [{"name": "km_plot", "xlabel": "Time", "ylabel": "Free",
                                    "time_unit": "weeks"}]})
    assert spec.labels["order"] == {"ecog": [0, 1, 2]}
    assert spec.figures[0].options["xlabel"] == "Time"
    with pytest.raises(SmallTrialError, match=r"labels\.summary\.ecog: unknown value 'ordinal'"):
        parse_spec({**MINIMAL, "labels": {"summary": {"ecog": "ordinal"}}})
    with pytest.raises(SmallTrialError, match=r"labels\.colour: unknown key"):
        parse_spec({**MINIMAL, "labels": {"colour": {}}})
    with pytest.raises(SmallTrialError, match=r"labels\.order\.ecog: lists a level twice"):
        parse_spec({**MINIMAL, "labels": {"order": {"ecog": [1, "1"]}}})
    with pytest.raises(SmallTrialError, match=r"figures\[0\]\.time_unit: unknown value 'hours'"):
        parse_spec({**MINIMAL, "figures": [{"name": "km_plot", "time_unit": "hours"}]})


def test_swimmer_draws_no_aplasia_without_b_cell_data(tmp_path):
    # a trial without B-cell counts or reconstitution events: no lane may show aplasia
    from smalltrial import datasets

    trial = datasets.load("mackensen2022")
    folder = tmp_path / "nob"
    trial.to_folder(folder)
    import pandas as pd

    m = pd.read_csv(folder / "measurements.csv")
    m[m["parameter"] != "cd19_bcells"].to_csv(folder / "measurements.csv", index=False)
    e = pd.read_csv(folder / "events.csv")
    e[e["event"] != "b_cell_reconstitution"].to_csv(folder / "events.csv", index=False)
    spec = {"data": {"path": str(folder)}, "figures": [{"name": "swimmer", "formats": ["svg"]}]}
    _run(tmp_path, spec)
    svg = (tmp_path / "out" / "figures" / "swimmer.svg").read_text()
    assert "swimmer-phase-aplasia" not in svg and "B-cell aplasia" not in svg
    assert "swimmer-phase-follow_up" in svg


def test_swimmer_aplasia_follows_the_b_cell_counts(tmp_path):
    # the bundled events say nothing of B cells; the counts do: aplasia and reconstitution in
    # the swimmer come from the counts (the time-to-event table's definition)
    from smalltrial import datasets
    from smalltrial.builders.context import Analysis
    from smalltrial.builders.course import bcell_status
    from smalltrial.spec import load_spec

    trial = datasets.load("muller2024")
    ctx = Analysis(trial, load_spec("muller2024"))
    status = bcell_status(ctx).set_index("subject")
    # MU12 never reaches 10 cells/uL: censored at the last count (day 122), not at last contact
    assert status.loc["MU12", "event"] == 0 and status.loc["MU12", "time"] == 122.0
    assert status.loc["MU01", "event"] == 1 and status.loc["MU01", "time"] == 144.0


def test_longitudinal_table_gets_one_section_and_model_per_group(tmp_path):
    # muller2024 prednisone: 8 SLE, 3 IIM, 4 SSc patients; min_n applies within each group
    spec = {"data": {"dataset": "muller2024"},
            "tables": [{"name": "longitudinal", "parameter": "prednisone_mg", "min_n": 3,
                        "test_at": "month 6"}]}
    table = _run(tmp_path, spec).tables["longitudinal_prednisone_mg"]
    sections = [r.cells[0] for r in table.rows if r.section]
    assert sections == ["SLE", "IIM", "SSc"]
    iim = [r.cells for r in table.rows][table.rows.index(next(r for r in table.rows if r.cells[0] == "IIM")) + 1:]
    assert iim[0][:2] == ("Baseline", "3")
    # a signed-rank footnote per group, attributed to it
    assert [n.split(":")[0] for n in table.footnotes if "Wilcoxon" in n] == ["SLE", "IIM", "SSc"]


# ---- issue #12 (c): response rules, time-to-event endpoints and AEs declared in the spec -------
# Expected values: tests/reference/examples/make_examples.R (R: binom.test, survfit with
# conf.type = "log-log", the AE counts), for the SYNTHETIC example trials.
from conftest import load_reference  # noqa: E402

EXAMPLES = load_reference("examples")
DATA = __import__("pathlib").Path(__file__).resolve().parents[1] / "smalltrial" / "data"
MONTH = 30.4375


def _onc_spec():
    return {
        "data": {"path": str(DATA / "phase2_onc")},
        "endpoints": {
            "landmarks": [6, 12],
            "responses": [{"name": "orr", "label": "Objective response", "parameter": "ovr",
                           "in": ["CR", "PR"], "confirm_days": 28}],
            "time_to_event": [
                {"name": "pfs", "label": "Progression-free survival",
                 "events": ["progression", "death"], "censor": "last_assessment:ovr"},
                {"name": "os", "label": "Overall survival", "events": ["death"]},
                {"name": "dor", "label": "Duration of response", "events": ["progression", "death"],
                 "origin": "response:orr", "censor": "last_assessment:ovr"}]},
        "tables": [{"name": "efficacy", "response": "orr", "best": True, "visits": []},
                   {"name": "time_to_event", "endpoints": ["pfs", "os", "dor"],
                    "landmark_rates": "event_free"},
                   {"name": "adverse_events_by_soc", "include_events": []}],
    }


def test_oncology_trial_from_the_spec_alone(tmp_path):
    from smalltrial._tableformat import fmt_count_pct, fmt_estimate_ci, fmt_prop_ci

    ref = EXAMPLES["phase2_onc"]
    result = _run(tmp_path, _onc_spec())
    # objective response rate (confirmed CR/PR), every patient in the denominator: R binom.test
    eff = result.tables["efficacy"]
    o = ref["orr"]
    assert eff.rows[0].cells[1:] == (fmt_prop_ci(o["x"], o["n"], o["lower"], o["upper"]),)
    assert "1 without any assessable visit" in eff.footnotes[-1]
    # PFS, OS and DOR: patients, events and median (CI) as R survfit (days -> months)
    tte = {r.cells[0]: r.cells for r in result.tables["time_to_event"].rows}
    for label, key in (("Progression-free survival", "pfs"), ("Overall survival", "os"),
                       ("Duration of response", "dor")):
        r = ref[key]
        q = next(x for x in r["quantiles"] if x["p"] == 0.5)
        nan = float("nan")
        median = fmt_estimate_ci(q["quantile"] / MONTH, q["lower"] / MONTH,
                                 nan if q["upper"] is None else q["upper"] / MONTH, 1, na="NR")
        assert tte[label][1:4] == (str(r["n"]), str(r["events"]), median), label
    assert any("Duration of response: 15 patient(s) never reaching" in n
               for n in result.tables["time_to_event"].footnotes)
    # adverse events: any grade and grade >= 3, overall and per class (R counts)
    ae = result.tables["adverse_events_by_soc"]
    rows = {r.cells[0]: r.cells for r in ae.rows}
    a = ref["ae"]
    assert rows["Any adverse event"][1:] == (fmt_count_pct(a["any"], 23), fmt_count_pct(a["grade3"], 23))
    for soc in a["by_soc"]:
        assert rows[soc["soc"]][1:] == (fmt_count_pct(soc["any"], 23), fmt_count_pct(soc["grade3"], 23))
    assert ae.columns == ("Adverse event", "Any grade (N = 23)", "Grade \u22653 (N = 23)")


def test_myasthenia_trial_responder_rule_and_duration(tmp_path):
    from smalltrial._tableformat import fmt_prop_ci

    ref = EXAMPLES["mg_cart"]
    spec = {
        "data": {"path": str(DATA / "mg_cart")},
        "endpoints": {
            "responses": [{"name": "mgadl_response", "label": "MG-ADL improvement >= 2 points",
                           "parameter": "mgadl", "change": "absolute", "op": "<=", "value": -2}],
            "time_to_event": [{"name": "relapse_free", "label": "Relapse-free time from response",
                               "events": ["relapse"], "origin": "response:mgadl_response"}]},
        "tables": [{"name": "efficacy", "response": "mgadl_response", "best": True},
                   {"name": "time_to_event", "endpoints": ["relapse_free"]},
                   {"name": "adverse_events_by_soc"}],
        "figures": [{"name": "km_plot", "endpoint": "relapse_free", "formats": ["svg"]},
                    {"name": "swimmer", "formats": ["svg"]},
                    {"name": "forest", "response": "mgadl_response", "visit": "month 6",
                     "formats": ["svg"]}],
    }
    result = _run(tmp_path, spec)
    cells = {r.cells[0]: r.cells[1] for r in result.tables["efficacy"].rows}
    for r in ref["responders"]:
        visit = r["visit"][:1].upper() + r["visit"][1:]
        assert cells[visit] == fmt_prop_ci(r["responders"], r["n"], r["lower"], r["upper"]), visit
    e = ref["ever_responder"]
    assert cells["Any visit"] == fmt_prop_ci(e["x"], e["n"], e["lower"], e["upper"])
    row = result.tables["time_to_event"].rows[0].cells
    assert row[:3] == ("Relapse-free time from response", str(ref["relapse_free"]["n"]),
                       str(ref["relapse_free"]["events"]))
    assert any("1 patient(s) never reaching" in n for n in result.tables["time_to_event"].footnotes)
    ae = {r.cells[0]: r.cells for r in result.tables["adverse_events_by_soc"].rows}
    assert ae["Any adverse event"][1] == f"{ref['ae']['any']} (100%)"
    assert "Cytokine release syndrome" in ae  # CRS events counted as adverse events
    forest = (tmp_path / "out" / "figures" / "forest.svg").read_text()
    assert "MG-ADL improvement &gt;= 2 points at month 6" in forest  # x label: the rule's label


def test_response_and_endpoint_definitions_are_validated():
    base = {"data": {"dataset": "mackensen2022"}}
    with pytest.raises(SmallTrialError, match=r"endpoints\.responses\[0\]\.name: missing"):
        parse_spec({**base, "endpoints": {"responses": [{"parameter": "x", "op": "<", "value": 1}]}})
    with pytest.raises(SmallTrialError, match=r"endpoints\.responses\[0\]: response rule: .*op"):
        parse_spec({**base, "endpoints": {"responses": [
            {"name": "r", "parameter": "x", "op": "=<", "value": 1}]}})
    with pytest.raises(SmallTrialError, match=r"endpoints\.responses\[1\]\.name: 'r' is already"):
        rule = {"name": "r", "parameter": "x", "op": "<", "value": 1}
        parse_spec({**base, "endpoints": {"responses": [rule, rule]}})
    with pytest.raises(SmallTrialError, match=r"endpoints\.time_to_event\[0\]\.origin: no response named 'orr'"):
        parse_spec({**base, "endpoints": {"time_to_event": [{"name": "dor", "origin": "response:orr"}]}})
    with pytest.raises(SmallTrialError, match=r"endpoints\.time_to_event\[0\]\.censor: must be"):
        parse_spec({**base, "endpoints": {"time_to_event": [{"name": "pfs", "censor": "last"}]}})
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.endpoints\[0\]: unknown value 'pfs'.*declare"):
        parse_spec({**base, "tables": [{"name": "time_to_event", "endpoints": ["pfs"]}]})
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.response: unknown response 'orr'"):
        parse_spec({**base, "tables": [{"name": "efficacy", "response": "orr"}]})
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.bands\[1\]: must be a grade 1\.\.5"):
        parse_spec({**base, "tables": [{"name": "adverse_events_by_soc", "bands": [1, 6]}]})
    ok = parse_spec({**base, "endpoints": {"time_to_event": [{"name": "pfs", "events": ["death"]}]},
                     "tables": [{"name": "time_to_event", "endpoints": ["pfs", "relapse"]},
                                {"name": "efficacy", "response": "lldas"}]})
    assert ok.endpoints["time_to_event"] == [{"name": "pfs", "events": ["death"], "origin": "infusion",
                                              "competing": [], "censor": "last_contact"}]


def test_named_lupus_rule_through_the_rule_engine_keeps_the_lupus_numbers(tmp_path):
    # response = "doris" goes through smalltrial.endpoints.response_rule; the default path
    # (endpoints.remission) through derive_visit_endpoints: the same table cells
    spec = {"data": {"dataset": "muller2024"},
            "tables": [{"name": "efficacy", "visits": ["month 3", "month 6", "month 12"]},
                       {"name": "efficacy", "response": "doris", "file": "rule",
                        "visits": ["month 3", "month 6", "month 12"]}]}
    result = _run(tmp_path, spec)
    assert [r.cells for r in result.tables["efficacy"].rows] == \
        [r.cells for r in result.tables["rule"].rows]


def test_swimmer_response_periods_follow_the_rule_visits():
    """A made-up 3-patient trial: the response rule (score <= 2) is met at days 30 and 60 by
    A, lost at day 90 and met again at day 120 (its last assessment); B from day 60 to its last
    assessment (day 120); C never. Day 0 (baseline) counts for nothing even where the rule holds;
    no period runs past the last assessment (follow-up goes on to days 125-150)."""
    import pandas as pd

    from smalltrial.builders.context import Analysis
    from smalltrial.builders.course import response_spans
    from smalltrial.spec import load_spec
    from smalltrial.trial import Trial

    days = [0, 30, 60, 90, 120]
    score = {"A": [1, 2, 1, 5, 0], "B": [4, 4, 2, 2, 2], "C": [5, 4, 4, 3, 3]}
    meas = pd.DataFrame([(s, d, f"day {d}", "score", float(v), "points")
                         for s, vals in score.items() for d, v in zip(days, vals, strict=True)],
                        columns=["subject", "day", "visit", "parameter", "value", "unit"])
    events = pd.DataFrame({"subject": ["A", "B", "C"], "day": [150, 130, 125],
                           "event": "last_contact", "grade": float("nan")})
    trial = Trial(subjects=pd.DataFrame({"subject": ["A", "B", "C"], "cohort": "x"}),
                  measurements=meas, events=events, description="made up for a test")
    spec = load_spec({"data": {"dataset": "mackensen2022"}, "endpoints": {"responses": [
        {"name": "low", "label": "Score at most 2", "parameter": "score", "op": "<=", "value": 2}]},
        "figures": [{"name": "swimmer", "response": "low"}]})
    spans = response_spans(Analysis(trial, spec), "low")
    got = [(s, a, b) for s, a, b in zip(spans["subject"], spans["start"], spans["end"], strict=True)]
    assert got == [("A", 30.0, 90.0), ("A", 120.0, 120.0), ("B", 60.0, 120.0)]
    with pytest.raises(SmallTrialError, match="unknown response 'nope'"):
        load_spec({"data": {"dataset": "mackensen2022"},
                   "figures": [{"name": "swimmer", "response": "nope"}]})
