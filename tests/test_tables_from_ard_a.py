"""The baseline, adverse-event and longitudinal tables are laid out from the ARD alone (#15).

For each layout kind one number is changed in a run's ARD; the table laid out again from the
changed ARD must differ from the run's table in exactly the cell that prints that number (so
every cell comes from an ARD value and no layout derives one number from another). The
expected cells are the run's own (unchanged) cells with the new value formatted by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smalltrial import SmallTrialError, pipeline
from smalltrial.ard import ard_frame, read_ard
from smalltrial.tables import Table
from smalltrial.tables.display import from_ard, read_displays, rebuild_tables

REPO = Path(__file__).resolve().parents[1]

#: muller2024 (3 cohorts): one section and model per cohort in the longitudinal table, one set of
#: band columns per cohort (and All) in the table by system organ class
BY_GROUP = {"data": {"dataset": "muller2024"},
            "tables": [{"name": "baseline", "variables": ["age", "sex"]},
                       {"name": "adverse_events"},
                       {"name": "adverse_events_by_soc"},
                       {"name": "longitudinal", "parameter": "prednisone_mg", "min_n": 3,
                        "test_at": "month 6"}]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("from_ard_a")
    return {"mackensen2022": pipeline.run(REPO / "analyses" / "mackensen2022.toml",
                                          out=base / "mackensen2022", progress=False),
            "mg_cart": pipeline.run(REPO / "analyses" / "mg_cart.toml", out=base / "mg_cart",
                                    progress=False),
            "by_group": pipeline.run(BY_GROUP, out=base / "by_group", progress=False)}


def _changed(before: Table, after: Table) -> list[tuple[int, int]]:
    """(row, column) of every cell that differs (row -1: a header, -2: a footnote)."""
    assert len(before.rows) == len(after.rows) and len(before.columns) == len(after.columns)
    out = [(-1, j) for j, (a, b) in enumerate(zip(before.columns, after.columns, strict=True))
           if a != b]
    out += [(i, j) for i, (ra, rb) in enumerate(zip(before.rows, after.rows, strict=True))
            for j, (a, b) in enumerate(zip(ra.cells, rb.cells, strict=True)) if a != b]
    out += [(-2, k) for k, (a, b) in enumerate(zip(before.footnotes, after.footnotes, strict=True))
            if a != b]
    assert len(before.footnotes) == len(after.footnotes)
    assert before.marks == after.marks and before.title == after.title
    return out


def _change_one(run, table: str, value: float, **where: str) -> tuple[Table, Table]:
    """The run's table laid out from its ARD, and again after setting the one ARD value
    selected by ``where`` (ARD columns) to ``value``."""
    folder = run.out
    ard = read_ard(folder)
    tid = f"tables/{table}"
    disp = read_displays(folder)[tid]
    pick = ard["id"] == tid
    for col, text in where.items():
        pick &= ard[col] == text
    assert pick.sum() == 1, f"{where}: {int(pick.sum())} ARD rows"
    before = from_ard(ard, disp, id=tid)
    assert before == run.tables[table]  # the layout gives the run's table back
    ard.loc[pick, "value"] = value
    return before, from_ard(ard, disp, id=tid)


def _cell(table: Table, label: str, column: str, after: str | None = None) -> tuple[int, int]:
    """Position of the cell of the first row labelled ``label`` (after the section ``after``)."""
    start = 0 if after is None else next(i for i, r in enumerate(table.rows) if r.label == after)
    i = next(i for i, r in enumerate(table.rows) if i >= start and r.label == label)
    return i, table.columns.index(column)


# ------------------------------------------------------------------------------------ baseline
def test_baseline_cell_follows_its_ard_value(runs):
    run = runs["by_group"]
    # the age median of the IIM cohort: 41 (36-48) -> 44 (36-48)
    before, after = _change_one(run, "baseline", 44.0, group_level="IIM", variable="age",
                                statistic="median")
    pos = _cell(before, "Age, years", "IIM (n = 3)")
    assert _changed(before, after) == [pos]
    assert (before.rows[pos[0]].cells[pos[1]], after.rows[pos[0]].cells[pos[1]]) == \
        ("41 (36\u201348)", "44 (36\u201348)")
    # a categorical count: the male SLE patients, 1 of 8 -> 2 of 8
    before, after = _change_one(run, "baseline", 2.0, group_level="SLE", variable="sex",
                                variable_level="M", statistic="count")
    pos = _cell(before, "Male", "SLE (n = 8)")
    assert _changed(before, after) == [pos]
    assert after.rows[pos[0]].cells[pos[1]] == "2 (25%)"


def test_group_headers_follow_the_patients_per_group_in_the_ard(runs):
    run = runs["by_group"]
    for table, first in (("baseline", "Characteristic"), ("adverse_events", "Event")):
        # the IIM cohort's patients (variable: the by column, statistic N): 3 -> 5
        before, after = _change_one(run, table, 5.0, group="", variable="cohort",
                                    variable_level="IIM", statistic="N")
        j = before.columns.index("IIM (n = 3)")
        assert _changed(before, after) == [(-1, j)], table
        assert after.columns[0] == first and after.columns[j] == "IIM (n = 5)"


def test_baseline_marks_continuous_and_categorical_notes(runs):
    t = runs["mackensen2022"].tables["baseline"]
    assert t.footnotes[:2] == ("Continuous variables: median (minimum\u2013maximum).",
                               "Categorical variables: n (%) of patients with a recorded value.")
    for i, row in enumerate(t.rows):
        if row.section:
            assert (i, 0, 1) in t.marks and (i, 0, 0) not in t.marks, row.label
        elif row.indent == 0:  # a continuous variable
            assert (i, 0, 0) in t.marks, row.label
        else:  # a category level: its heading carries the note
            assert not [m for m in t.marks if m[0] == i], row.label


# ------------------------------------------------------------------------------ adverse events
def test_adverse_event_cell_follows_its_ard_value(runs):
    run = runs["by_group"]
    # CRS grade 2 in SLE: 1 (13%) -> 2 (25%); "Any grade" has its own ARD row and stays
    before, after = _change_one(run, "adverse_events", 2.0, group_level="SLE", variable="crs",
                                variable_level="2", statistic="count")
    pos = _cell(before, "Grade 2", "SLE (n = 8)", after="Cytokine release syndrome")
    assert _changed(before, after) == [pos]
    assert (before.rows[pos[0]].cells[pos[1]], after.rows[pos[0]].cells[pos[1]]) == \
        ("1 (13%)", "2 (25%)")
    # ICANS any grade in IIM: 1 (33%) -> 3 (100%)
    before, after = _change_one(run, "adverse_events", 3.0, group_level="IIM", variable="icans",
                                variable_level="any grade", statistic="count")
    pos = _cell(before, "Any grade", "IIM (n = 3)", after="ICANS")
    assert _changed(before, after) == [pos]
    assert after.rows[pos[0]].cells[pos[1]] == "3 (100%)"


def test_adverse_event_table_marks_grading_on_grade_rows(runs):
    t = runs["by_group"].tables["adverse_events"]
    grading = t.footnotes.index("Grading: ASTCT consensus grading (Lee et al. 2019).")
    graded = sorted(i for i, r in enumerate(t.rows) if r.label.startswith("Grade "))
    assert sorted(r for r, c, n in t.marks if n == grading) == graded
    icans = t.footnotes.index("ICANS: immune effector cell-associated neurotoxicity syndrome.")
    assert [(r, c) for r, c, n in t.marks if n == icans] == [(_cell(t, "ICANS", "Event")[0], 0)]


def test_adverse_event_layout_refuses_an_ard_without_any_grade_rows(runs):
    folder = runs["by_group"].out
    ard = read_ard(folder)
    ard = ard[(ard["id"] == "tables/adverse_events") & (ard["variable_level"] != "any grade")]
    with pytest.raises(SmallTrialError, match="no 'any grade' count"):
        from_ard(ard.reset_index(drop=True), read_displays(folder)["tables/adverse_events"])


def test_adverse_events_by_soc_cell_follows_its_ard_value(runs):
    run = runs["mg_cart"]
    # neutropenia grade >= 3: 6 (60%) -> 5 (50%)
    before, after = _change_one(run, "adverse_events_by_soc", 5.0, variable="term",
                                variable_level="Blood and lymphatic system disorders / Neutropenia",
                                statistic="n_grade_ge_3")
    pos = _cell(before, "Neutropenia", "Grade \u22653 (N = 10)")
    assert _changed(before, after) == [pos]
    assert (before.rows[pos[0]].cells[pos[1]], after.rows[pos[0]].cells[pos[1]]) == \
        ("6 (60%)", "5 (50%)")


def test_adverse_events_by_soc_by_group_cell_follows_its_ard_value(runs):
    run = runs["by_group"]
    # the All column comes from the rows without a group, the cohorts' from their own rows
    before, after = _change_one(run, "adverse_events_by_soc", 9.0, group="",
                                variable="overall", statistic="n")
    pos = _cell(before, "Any adverse event", "All: Any grade (N = 15)")
    assert _changed(before, after) == [pos]
    assert after.rows[pos[0]].cells[pos[1]] == "9 (60%)"
    before, after = _change_one(run, "adverse_events_by_soc", 1.0, group_level="SSc",
                                variable="soc", variable_level="Immune system disorders",
                                statistic="n_grade_ge_3")
    pos = _cell(before, "Immune system disorders", "SSc: Grade \u22653 (N = 4)")
    assert _changed(before, after) == [pos]
    assert after.rows[pos[0]].cells[pos[1]] == "1 (25%)"


# -------------------------------------------------------------------------------- longitudinal
def test_longitudinal_cells_follow_their_ard_values(runs):
    run = runs["mackensen2022"]
    table = "longitudinal_sledai2k"
    # the observed median at month 3: 0 (0-2) -> 1 (0-2)
    before, after = _change_one(run, table, 1.0, variable="observed", variable_level="month 3",
                                statistic="median")
    pos = _cell(before, "Month 3", "Median (range), points")
    assert _changed(before, after) == [pos]
    assert (before.rows[pos[0]].cells[pos[1]], after.rows[pos[0]].cells[pos[1]]) == \
        ("0 (0\u20132)", "1 (0\u20132)")
    # the upper CI limit of the model change at month 2: -10.0 -> -9.0
    before, after = _change_one(run, table, -9.0, variable="change_link", variable_level="month 2",
                                statistic="upper")
    pos = _cell(before, "Month 2", "Change from baseline (95% CI)")
    assert _changed(before, after) == [pos]
    assert after.rows[pos[0]].cells[pos[1]] == "-12.4 (-14.8 to -9.0)"
    # the signed-rank P value lives in its footnote only
    before, after = _change_one(run, table, 0.5, variable="paired_change", statistic="p_value")
    k = next(k for k, n in enumerate(before.footnotes) if n.startswith("Exact Wilcoxon"))
    assert _changed(before, after) == [(-2, k)]
    assert after.footnotes[k].endswith("P = 0.500.")


def test_longitudinal_marks_observed_model_and_test_notes(runs):
    t = runs["mackensen2022"].tables["longitudinal_sledai2k"]
    note = {n.split(" ")[0]: k for k, n in enumerate(t.footnotes)}
    observed, model, reml, df, wilcoxon = (note["Observed"], note["Model:"], note["Model-based"],
                                           note["CIs"], note["Exact"])
    header = {(c, n) for r, c, n in t.marks if r == -1}
    assert header == {(1, observed), (2, observed), (3, model), (4, model), (5, model),
                      (3, reml), (4, reml), (3, df), (4, df), (5, df)}
    assert [(r, c) for r, c, n in t.marks if n == wilcoxon] == [(_cell(t, "Month 3", "Visit")[0], 0)]


def test_longitudinal_by_group_cell_follows_its_ard_value(runs):
    run = runs["by_group"]
    table = "longitudinal_prednisone_mg"
    # IIM's model mean at day 7: 5.0 (3.7-6.3) -> 5.5 (3.7-6.3); SLE's day 7 stays
    before, after = _change_one(run, table, 5.5, group_level="prednisone_mg, IIM",
                                variable="marginal_mean_link", variable_level="day 7",
                                statistic="estimate")
    pos = _cell(before, "Day 7", "Model mean (95% CI)", after="IIM")
    assert _changed(before, after) == [pos]
    assert (before.rows[pos[0]].cells[pos[1]], after.rows[pos[0]].cells[pos[1]]) == \
        ("5.0 (3.7\u20136.3)", "5.5 (3.7\u20136.3)")
    # each group's signed-rank test has rows of its own: SSc's P value changes SSc's note only
    before, after = _change_one(run, table, 0.5, group_level="prednisone_mg, SSc",
                                variable="paired_change", statistic="p_value")
    k = next(k for k, n in enumerate(before.footnotes) if n.startswith("SSc: Exact Wilcoxon"))
    assert _changed(before, after) == [(-2, k)]


def test_longitudinal_by_group_carries_each_parts_marks(runs):
    t = runs["by_group"].tables["longitudinal_prednisone_mg"]
    assert [r.label for r in t.rows if r.section] == ["SLE", "IIM", "SSc"]
    for group in ("SLE", "IIM", "SSc"):
        k = t.footnotes.index(next(n for n in t.footnotes if n.startswith(f"{group}: Exact Wilcoxon")))
        assert [(r, c) for r, c, n in t.marks if n == k] == \
            [(_cell(t, "Month 6", "Visit", after=group)[0], 0)]
    observed = t.footnotes.index("Observed values: n patients with a value, median (minimum\u2013maximum).")
    assert {c for r, c, n in t.marks if n == observed} == {1, 2}


def test_every_table_of_the_by_group_run_is_rebuilt(runs, tmp_path):
    folder = runs["by_group"].out
    rebuilt = rebuild_tables(folder)
    assert sorted(rebuilt) == sorted(f"tables/{k}" for k in runs["by_group"].tables)
    for tid, table in rebuilt.items():
        stem = tid.removeprefix("tables/")
        table.save(tmp_path / stem)
        for fmt in ("md", "tex", "html", "docx", "csv"):
            assert (tmp_path / f"{stem}.{fmt}").read_bytes() == \
                (folder / "tables" / f"{stem}.{fmt}").read_bytes(), f"{stem}.{fmt}"


def test_categorical_rows_of_the_ard_hold_the_patients_without_a_value():
    import pandas as pd

    from smalltrial.ard import _describe_rows
    from smalltrial.summaries import describe

    frame = pd.DataFrame({"sex": ["F", None, "M", "F"], "cohort": ["A", "A", "B", "B"]})
    rows = ard_frame(_describe_rows(describe(frame, ["sex"], by="cohort"), "cohort"))
    missing = rows[rows["statistic"] == "n_missing"]
    # one row per group (not per level): A has one patient without a value, B none, All one
    assert missing[["group_level", "variable_level", "value"]].values.tolist() == \
        [["A", "", 1.0], ["B", "", 0.0], ["All", "", 1.0]]
