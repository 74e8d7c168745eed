"""The time-to-event and interval-censored tables are laid out from their ARD rows (#15).

A number changed in ``ard.csv`` must change exactly the one cell of the rebuilt table that
prints it (so every printed number comes from the ARD, none from the display or elsewhere), and
the footnote marks sit on the cells their footnotes explain. The byte-for-byte rebuild of the
bundled tables is tests/test_tables_from_ard.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smalltrial import pipeline
from smalltrial.ard import read_ard
from smalltrial.spec import parse_spec
from smalltrial.tables.display import from_ard, read_displays, rebuild_tables

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("from_ard_b")
    return {name: pipeline.run(REPO / "analyses" / f"{name}.toml", out=base / name, progress=False)
            for name in ("mackensen2022", "mg_cart")}


def _cells(table):
    return {(i, j): c for i, r in enumerate(table.rows) for j, c in enumerate(r.cells)}


def _changed(folder, tid, select, value):
    """The table before and after setting the one ARD value ``select`` picks to ``value``."""
    ard = read_ard(folder)
    disp = read_displays(folder)[tid]
    hit = ard["id"] == tid
    for col, want in select.items():
        hit &= ard[col] == want
    assert hit.sum() == 1, select
    before = from_ard(ard, disp, id=tid)
    ard.loc[hit, "value"] = value
    return before, from_ard(ard, disp, id=tid)


def _one_cell_changed(before, after):
    a, b = _cells(before), _cells(after)
    diff = [k for k in a if a[k] != b[k]]
    assert len(diff) == 1, diff
    assert before.columns == after.columns and before.footnotes == after.footnotes
    assert before.marks == after.marks
    (i, j), = diff
    return before.rows[i].cells[0].strip(), before.columns[j], a[(i, j)], b[(i, j)]


# ------------------------------------------------------------------------- time to event
@pytest.mark.parametrize("select, value, where, was, now", [
    # B-cell reconstitution, all patients: survival at 3 months (shown as 100 (1 - S))
    ({"group": "endpoint", "group_level": "b_cell_reconstitution", "variable": "landmark",
      "variable_level": "3.0", "statistic": "survival"}, 0.5,
     ("B-cell reconstitution", "At 3 months, % (95% CI)"), "20.0 (3.1\u201379.6)",
     "50.0 (3.1\u201379.6)"),
    # the median's lower limit
    ({"group": "endpoint", "group_level": "b_cell_reconstitution", "variable": "median",
      "statistic": "lower"}, 1.04, ("B-cell reconstitution", "Median, months (95% CI)"),
     "3.6 (2.2\u2013NR)", "3.6 (1.0\u2013NR)"),
    # the event count
    ({"group": "endpoint", "group_level": "relapse", "variable": "", "statistic": "events"}, 3,
     ("Relapse", "Events"), "0", "3"),
    # the event rate's upper limit
    ({"group": "endpoint", "group_level": "relapse", "variable": "event_rate",
      "statistic": "upper"}, 1.5, ("Relapse", "Events per patient-year (95% CI)"),
     "0.00 (0.00\u20130.92)", "0.00 (0.00\u20131.50)"),
])
def test_a_number_changed_in_the_ard_changes_its_time_to_event_cell(runs, select, value, where,
                                                                      was, now):
    before, after = _changed(runs["mackensen2022"].out, "tables/time_to_event", select, value)
    assert _one_cell_changed(before, after) == (*where, was, now)


def test_rmst_and_median_follow_up_come_from_the_ard(runs):
    folder = runs["mg_cart"].out
    before, after = _changed(folder, "tables/time_to_event",
                             {"group_level": "b_cell_reconstitution", "variable": "rmst",
                              "statistic": "estimate"}, 8.44)
    assert _one_cell_changed(before, after) == (
        "B-cell reconstitution", "RMST to 9 months, months (95% CI)", "7.6 (6.3\u20138.9)",
        "8.4 (6.3\u20138.9)")
    # the median follow-up is a footnote: only that footnote changes
    before, after = _changed(folder, "tables/time_to_event",
                             {"variable": "median_follow_up", "statistic": "estimate"}, 11.0)
    assert before.rows == after.rows
    diff = [(a, b) for a, b in zip(before.footnotes, after.footnotes, strict=True) if a != b]
    assert diff == [("Median follow-up (reverse Kaplan\u2013Meier): 12.1 (6.1\u201312.2) months.",
                     "Median follow-up (reverse Kaplan\u2013Meier): 11.0 (6.1\u201312.2) months.")]


def test_every_rmst_of_the_table_is_in_the_ard(runs):
    """One RMST per row (before the ARD kept only the first one: the rows had no group)."""
    ard = runs["mg_cart"].ard
    rows = ard[(ard["id"] == "tables/time_to_event") & (ard["variable"] == "rmst") &
               (ard["statistic"] == "estimate")]
    assert sorted(rows["group_level"]) == ["b_cell_reconstitution", "relapse_free"]
    assert set(rows["variable_level"]) == {"9.0"}


def test_time_to_event_footnote_marks(runs):
    table = rebuild_tables(runs["mackensen2022"].out)["tables/time_to_event"]
    notes = table.footnotes
    ci, median, cumulative, no_event = 0, 1, 2, 3
    assert notes[no_event].startswith("NE: not estimable")
    rate = notes.index(next(n for n in notes if n.startswith("Event rates")))
    bcell = notes.index(next(n for n in notes if n.startswith("B-cell reconstitution: first")))
    cols = table.columns
    header = {(c, n) for r, c, n in table.marks if r == -1}
    assert header == {(3, ci), (3, median), (4, ci), (4, cumulative), (5, ci), (5, cumulative),
                      (6, ci), (6, cumulative), (cols.index("Events per patient-year (95% CI)"), rate)}
    rows = {r.cells[0]: i for i, r in enumerate(table.rows)}
    cells = {(r, c, n) for r, c, n in table.marks if r >= 0}
    # NR cells carry the median note; cells without a CI before any event the NE note; the
    # endpoint's definition its row label
    assert (rows["Relapse"], 3, median) in cells and (rows["B-cell reconstitution"], 3, median) in cells
    assert {(rows["Relapse"], c, no_event) for c in (4, 5, 6)} <= cells
    assert (rows["B-cell reconstitution"], 0, bcell) in cells
    # "100 (NE)" after the last event: the NE note explains that case too, and marks it
    assert {(rows["B-cell reconstitution"], c, no_event) for c in (5, 6)} <= cells
    assert "Once every patient at risk has had the event" in notes[no_event]
    md = table.to_markdown()
    assert "| Relapse | 5 | 0 | NR<sup>b</sup> | 0 (NE)<sup>d</sup> |" in md
    assert "<sup>" not in table.to_csv()


def test_rmst_header_is_marked_with_its_definition(runs):
    table = rebuild_tables(runs["mg_cart"].out)["tables/time_to_event"]
    rmst = next(i for i, n in enumerate(table.footnotes) if n.startswith("RMST:"))
    col = table.columns.index("RMST to 9 months, months (95% CI)")
    assert (-1, col, rmst) in table.marks
    follow = next(i for i, n in enumerate(table.footnotes) if n.startswith("Median follow-up"))
    assert not any(n == follow for *_, n in table.marks)  # a note about the whole table


def test_competing_risks_rows_are_laid_out_from_the_ard(tmp_path):
    """Cumulative incidence (Aalen-Johansen) rows: rebuilt byte for byte, the landmark cell
    from the ARD incidence (not 1 - S), the median from the ARD."""
    spec = parse_spec({
        "data": {"dataset": "phase2_onc"},
        "endpoints": {"landmarks": [6, 12], "time_to_event": [
            {"name": "prog", "label": "Progression", "events": ["progression"],
             "competing": ["death"], "censor": "last_contact"},
            {"name": "os", "label": "Overall survival", "events": ["death"]}]},
        "tables": [{"name": "time_to_event", "endpoints": ["prog", "os"]}]})
    result = pipeline.run(spec, out=tmp_path / "run", progress=False)
    rebuilt = rebuild_tables(result.out)["tables/time_to_event"]
    rebuilt.save(tmp_path / "again")
    assert (tmp_path / "again.md").read_bytes() == \
        (result.out / "tables" / "time_to_event.md").read_bytes()
    # the median where the incidence first reaches 50% has no CI: printed alone
    cells = {r.cells[0]: r.cells for r in rebuilt.rows}
    assert "(" not in cells["Progression"][3] and "(" in cells["Overall survival"][3]
    ard = result.ard
    inc = ard[(ard["group_level"] == "prog") & (ard["variable"] == "landmark") &
              (ard["variable_level"] == "6.0")]
    stat = dict(zip(inc["statistic"], inc["value"], strict=True))
    assert set(stat) == {"estimate", "lower", "upper"} and 0 < stat["estimate"] < 1
    before, after = _changed(result.out, "tables/time_to_event",
                             {"group_level": "prog", "variable": "landmark",
                              "variable_level": "6.0", "statistic": "estimate"}, 0.25)
    where, column, _, now = _one_cell_changed(before, after)
    assert (where, column) == ("Progression", "At 6 months, % (95% CI)")
    assert now.startswith("25.0 (")
    before, after = _changed(result.out, "tables/time_to_event",
                             {"group_level": "prog", "variable": "median",
                              "statistic": "estimate"}, 7.0)
    assert _one_cell_changed(before, after)[:2] == ("Progression", "Median, months (95% CI)")


def test_landmarks_of_a_table_in_another_time_unit(tmp_path):
    """A table in weeks shows the spec's landmarks (months) converted, with their estimates
    (the ARD records the landmarks in the fit's unit)."""
    spec = parse_spec({"data": {"dataset": "mackensen2022"},
                       "endpoints": {"landmarks": [3]},
                       "tables": [{"name": "time_to_event", "endpoints": ["b_cell_reconstitution"],
                                   "time_unit": "weeks"}]})
    result = pipeline.run(spec, out=tmp_path / "run", progress=False)
    table = result.tables["time_to_event"]
    assert table.columns[4] == "At 13 weeks, % (95% CI)"
    assert table.rows[0].cells[4] == "20.0 (3.1\u201379.6)"  # as at 3 months in months
    rebuilt = rebuild_tables(result.out)["tables/time_to_event"]
    assert rebuilt.to_markdown() == table.to_markdown()


# ------------------------------------------------------------------------ interval-censored
@pytest.mark.parametrize("select, value, where, was, now", [
    # Turnbull: the bounds of the cumulative probability by 6 months (one number when equal)
    ({"group_level": "cd19_bcells, turnbull", "variable": "landmark", "variable_level": "6.0",
      "statistic": "cumulative_high"}, 0.6,
     ("Turnbull NPMLE (interval-censored)", "By 6 months, % (95% CI)"), "50.7", "50.7\u201360.0"),
    # Turnbull median interval
    ({"group_level": "cd19_bcells, turnbull", "variable": "median", "statistic": "upper"}, 6.44,
     ("Turnbull NPMLE (interval-censored)", "Median, months (95% CI)"), "in (5.9, 6.0]",
     "in (5.9, 6.4]"),
    # midpoint imputation: the KM median, and the survival at 6 months (shown as 1 - S)
    ({"group_level": "cd19_bcells, midpoint", "variable": "median", "statistic": "estimate"}, 7.0,
     ("Kaplan\u2013Meier, midpoint imputation", "Median, months (95% CI)"), "8.9 (2.5\u2013NR)",
     "7.0 (2.5\u2013NR)"),
    ({"group_level": "cd19_bcells, right", "variable": "landmark", "variable_level": "6.0",
      "statistic": "lower"}, 0.2,
     ("Kaplan\u2013Meier, right-point (first positive visit)", "By 6 months, % (95% CI)"),
     "33.3 (11.9\u201372.8)", "33.3 (11.9\u201380.0)"),
    ({"group_level": "cd19_bcells, right", "variable": "", "statistic": "n"}, 11,
     ("Kaplan\u2013Meier, right-point (first positive visit)", "Patients"), "10", "11"),
])
def test_a_number_changed_in_the_ard_changes_its_interval_censored_cell(runs, select, value,
                                                                        where, was, now):
    before, after = _changed(runs["mg_cart"].out, "tables/interval_censored", select, value)
    assert _one_cell_changed(before, after) == (*where, was, now)


def test_interval_censored_ard_holds_the_npmle_and_every_printed_number(runs):
    import math

    ard = runs["mg_cart"].ard
    rows = ard[ard["id"] == "tables/interval_censored"]
    assert set(rows["group"]) == {"parameter, method"}
    assert set(rows["group_level"]) == {f"cd19_bcells, {m}" for m in ("turnbull", "midpoint", "right")}
    npmle = rows[rows["variable"] == "turnbull_interval"]
    probability = npmle.loc[npmle["statistic"] == "probability", "value"]
    assert math.isclose(probability.sum(), 1.0, abs_tol=1e-12) and (probability >= 0).all()
    tb = rows[rows["group_level"] == "cd19_bcells, turnbull"]
    six = tb[(tb["variable"] == "landmark") & (tb["variable_level"] == "6.0")]
    low = float(six.loc[six["statistic"] == "cumulative_low", "value"].iloc[0])
    assert f"{100 * low:.1f}" == "50.7"  # the printed Turnbull cell


def test_interval_censored_footnote_marks(runs):
    table = rebuild_tables(runs["mg_cart"].out)["tables/interval_censored"]
    notes = table.footnotes
    definition, turnbull, sensitivity = 0, 1, 2
    assert notes[turnbull].startswith("Turnbull NPMLE") and notes[sensitivity].startswith("Sensitivity")
    assert set(table.marks) == {(-1, 2, definition), (0, 0, turnbull), (1, 0, sensitivity),
                                (2, 0, sensitivity)}
    md = table.to_markdown()
    assert "| Turnbull NPMLE (interval-censored)<sup>b</sup> | 10 | 6 |" in md


def test_time_to_event_table_marks_by_hand():
    """The formatting function alone: an entry's own note on its label, NR on the median cell,
    a median without CI printed alone (NR when not reached), the NE note on a zero-width CI."""
    import pandas as pd

    from smalltrial.tables import time_to_event_table

    nan = float("nan")
    at = pd.DataFrame({"time": [3.0], "survival": [1.0], "lower": [1.0], "upper": [1.0]})
    t = time_to_event_table([
        {"label": "Relapse", "n": 5, "events": 0, "landmarks": at, "cumulative": True,
         "median": {"estimate": nan, "lower": nan, "upper": nan}, "note": "none seen"},
        {"label": "Death", "n": 5, "events": 3, "median_ci": False,
         "median": {"estimate": 7.25, "lower": nan, "upper": nan},
         "landmarks": pd.DataFrame({"time": [3.0], "survival": [0.6], "lower": [0.2],
                                    "upper": [0.9]})},
    ], landmarks=[3])
    assert [r.cells[3] for r in t.rows] == ["NR", "7.3"]  # 7.25 half away from zero
    notes = t.footnotes
    relapse_note = notes.index("Relapse: none seen")
    ne = next(i for i, n in enumerate(notes) if n.startswith("NE: not estimable"))
    assert t.rows[0].cells[4] == "0 (NE)"
    assert {(0, 0, relapse_note), (0, 3, 1), (0, 4, ne)} <= set(t.marks)
    assert not any(r == 1 and c > 0 for r, c, _ in t.marks)  # nothing to explain on Death


def test_landmark_beyond_follow_up_is_ne_with_its_own_reason(tmp_path):
    """phase2_onc follow-up ends before 48 months: the 48-month cell is NE and the NE note says
    why (no patient at risk, the curve is not estimated), marked on that cell."""
    from smalltrial import pipeline

    spec = {"data": {"dataset": "phase2_onc"},
            "endpoints": {"landmarks": [6, 48], "by": "cohort", "time_to_event": [
                {"name": "os", "label": "Overall survival", "events": ["death"],
                 "censor": "last_contact"}]},
            "tables": [{"name": "time_to_event", "endpoints": ["os"]}]}
    table = pipeline.run(spec, out=tmp_path / "o", progress=False).tables["time_to_event"]
    cells = table.rows[0].cells
    assert cells[5] == "NE" and cells[4] != "NE"
    note = next(i for i, n in enumerate(table.footnotes) if n.startswith("NE: not estimable"))
    assert "after the last follow-up time no patient is at risk" in table.footnotes[note]
    assert "before the first event" not in table.footnotes[note]
    assert (0, 5, note) in table.marks
