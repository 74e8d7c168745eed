"""smalltrial.ard: to_ard() on results, check/read/write, and a run's ard.csv.

The statistics themselves are tested against R elsewhere (test_rates, test_survival, test_mixed);
here the ARD must carry exactly those numbers, at full precision, and the numbers printed in the
bundled tables must be the ARD's values rounded.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import smalltrial as st
from smalltrial import SmallTrialError, ard, pipeline
from smalltrial.rates import proportion_ci
from smalltrial.survival import kaplan_meier


def _value(frame, **where):
    sel = frame
    for col, val in where.items():
        sel = sel[sel[col] == val]
    assert len(sel) == 1, (where, len(sel))
    return float(sel["value"].iloc[0])


# ----------------------------------------------------------------------------- result objects
def test_default_to_ard_carries_every_numeric_field_exactly():
    ci = proportion_ci(6, 8)
    out = ard.check_ard(ci.to_ard())
    assert out["statistic"].tolist() == ["x", "n", "estimate", "lower", "upper"]
    for stat in ("x", "n", "estimate", "lower", "upper"):
        assert _value(out, statistic=stat) == float(getattr(ci, stat))
    assert set(out["method"]) == {"clopper-pearson"} and set(out["level"]) == {0.95}
    assert out["value"].dtype == float


def test_to_ard_of_a_vectorised_result_has_one_row_per_element():
    ci = proportion_ci([0, 3], [5, 5], method="wilson")
    out = ci.to_ard()
    assert _value(out, statistic="upper", variable_level="1") == float(ci.upper[1])
    assert _value(out, statistic="lower", variable_level="0") == 0.0  # x = 0: lower bound 0


def test_kaplan_meier_to_ard_holds_curve_median_and_landmarks():
    df = pd.DataFrame({"t": [3, 5, 5, 8, 12, 15], "e": [1, 1, 0, 1, 0, 1]})
    km = kaplan_meier(df, time="t", event="e")
    out = ard.check_ard(km.to_ard(times=[6, 12, 20]))
    assert _value(out, statistic="n") == 6 and _value(out, statistic="events") == 4
    med = km.median
    assert _value(out, variable="median", statistic="estimate") == med.estimate
    assert math.isnan(_value(out, variable="median", statistic="upper"))  # not reached
    at = km.at([6, 12, 20])
    for _, row in at.iterrows():
        for stat in ("survival", "lower", "upper", "n_risk"):
            got = _value(out, variable="landmark", variable_level=repr(float(row["time"])), statistic=stat)
            assert got == pytest.approx(float(row[stat]), rel=0, abs=0, nan_ok=True)
    curve = out[out["variable"] == "curve"]
    assert len(curve) == 7 * len(km.table)
    assert set(out["method"]) == {"log-log"}


def test_check_ard_refuses_formatted_strings_duplicates_and_missing_columns():
    good = ard.ard_frame([{"id": "t", "statistic": "n", "value": 8}])
    bad = good.astype({"value": object})
    bad.loc[0, "value"] = "6/8 (75.0%)"
    with pytest.raises(SmallTrialError, match="'value' must hold numbers.*6/8"):
        ard.check_ard(bad)
    with pytest.raises(SmallTrialError, match="statistic listed twice"):
        ard.check_ard(pd.concat([good, good], ignore_index=True))
    with pytest.raises(SmallTrialError, match="missing column.*'method'"):
        ard.check_ard(good.drop(columns=["method"]))
    with pytest.raises(SmallTrialError, match="empty 'statistic'"):
        ard.check_ard(ard.ard_frame([{"id": "t", "value": 1}]))


def test_write_then_read_gives_the_same_numbers_bit_for_bit(tmp_path):
    values = [0.1, 1 / 3, 2.0 ** -1074, 1e300, float("nan"), float("inf"), -0.0, 47.81762498950235]
    frame = ard.ard_frame([{"id": "t", "statistic": f"s{i}", "value": v, "method": "m, with comma",
                            "footnote": 'a "quoted" note'} for i, v in enumerate(values)])
    path = ard.write_ard(frame, tmp_path / "ard.csv")
    back = ard.read_ard(tmp_path)  # a folder holding ard.csv
    np.testing.assert_array_equal(back["value"].to_numpy(), np.array(values))
    assert back["method"].tolist() == ["m, with comma"] * len(values)
    assert back["footnote"].iloc[0] == 'a "quoted" note'
    assert ard.ard_csv_bytes(back) == path.read_bytes()


def test_read_ard_names_a_formatted_string_where_a_number_belongs(tmp_path):
    path = tmp_path / "ard.csv"
    text = ard.ard_csv_bytes(ard.ard_frame([{"id": "t", "statistic": "n", "value": 8}])).decode()
    path.write_text(text.replace(",8.0,", ",75.0%,"))
    with pytest.raises(SmallTrialError, match=r"row 2, column 'value': '75.0%' is not a number"):
        ard.read_ard(path)


# ----------------------------------------------------------------------------- a run's ard.csv
@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    base = tmp_path_factory.mktemp("ard")
    return {name: pipeline.run(name, out=base / name, progress=False)
            for name in ("mackensen2022", "muller2024")}


def test_run_writes_ard_csv_that_reads_back_as_run_result_ard(bundled):
    for result in bundled.values():
        back = ard.read_ard(result.out / "ard.csv")
        pd.testing.assert_frame_equal(back, result.ard)
        assert "ard.csv" in result.outputs
        ids = set(back["id"])
        for stem in result.tables:
            if stem.startswith(("efficacy", "time_to_event", "longitudinal")):
                assert f"tables/{stem}" in ids, stem


_CELL = re.compile(r"^(\d+)/(\d+) \(([\d.]+)%\) \[([\d.]+)[–-]([\d.]+)\]$")


def _close_to_printed(printed: str, value: float) -> bool:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return abs(float(printed) - value) <= 0.5 * 10.0 ** -decimals + 1e-12


def test_every_number_of_the_efficacy_tables_is_the_ard_value_rounded(bundled):
    checked = 0
    for result in bundled.values():
        table = result.tables["efficacy"]
        rows = result.ard[result.ard["id"] == "tables/efficacy"]
        groups = list(table.columns[1:])
        visits = sorted(set(rows["variable_level"]), key=len)
        for row in table.rows:
            if row.section:
                continue
            for group, cell in zip(groups, row.cells[1:], strict=True):
                m = _CELL.match(cell)
                if not m:
                    continue
                x, n, pct, lo, hi = m.groups()
                visit = [v for v in visits if v.lower() == row.cells[0].lower()]
                assert len(visit) == 1, (row.cells[0], visits)
                sel = rows[(rows["variable_level"] == visit[0]) & (rows["group_level"] == group)] \
                    if len(groups) > 1 else rows[rows["variable_level"] == visit[0]]
                stat = dict(zip(sel["statistic"], sel["value"], strict=True))
                assert (int(x), int(n)) == (stat["x"], stat["n"])
                assert _close_to_printed(pct, 100 * stat["estimate"])
                assert _close_to_printed(lo, 100 * stat["lower"])
                assert _close_to_printed(hi, 100 * stat["upper"])
                checked += 1
    assert checked >= 6


_ESTIMATE = re.compile(r"^([\d.]+|NR)(?: \((?:([\d.]+|NR)[–-]([\d.]+|NR)|NE)\))?$")


def _check_printed(printed: str | None, value: float) -> None:
    if printed is None:
        return
    if printed == "NR":
        assert math.isnan(value)
    else:
        assert _close_to_printed(printed, value), (printed, value)


def test_time_to_event_table_numbers_are_the_ard_values_rounded(bundled):
    """Patients, events, median (CI), landmark cumulative incidence 100 (1 - S) with its CI,
    event rate (CI) and the median follow-up footnote: each the ARD value rounded."""
    checked = 0
    for result in bundled.values():
        table = result.tables["time_to_event"]
        item = next(i for i in result.spec.tables if i.name == "time_to_event")
        rows = result.ard[result.ard["id"] == "tables/time_to_event"]
        cols = list(table.columns)
        endpoints = iter(item.options["endpoints"])
        for row in table.rows:  # an endpoint's row (all patients), then one indented row per group
            if row.indent == 0:
                endpoint = next(endpoints)
                ep = rows[(rows["group"] == "endpoint") & (rows["group_level"] == endpoint)]
            else:
                ep = rows[(rows["group"] == f"endpoint, {result.spec.endpoints['by']}")
                          & (rows["group_level"] == f"{endpoint}, {row.cells[0].strip()}")]
            assert len(ep), (endpoint, row.cells[0])
            cells = dict(zip(cols, row.cells, strict=True))
            assert int(cells["Patients"]) == _value(ep, variable="", statistic="n")
            assert int(cells["Events"]) == _value(ep, variable="", statistic="events")
            med = _ESTIMATE.match(cells[next(c for c in cols if c.startswith("Median"))]).groups()
            for printed, stat in zip(med, ("estimate", "lower", "upper"), strict=True):
                _check_printed(printed, _value(ep, variable="median", statistic=stat))
            for col in (c for c in cols if c.startswith("At ")):
                months = float(col.split()[1])
                land = ep[(ep["variable"] == "landmark") & (ep["variable_level"] == repr(months))]
                stat = dict(zip(land["statistic"], land["value"], strict=True))
                est, lo, hi = _ESTIMATE.match(cells[col]).groups()
                _check_printed(est, 100 * (1 - stat["survival"]))
                _check_printed(lo, 100 * (1 - stat["upper"]))
                _check_printed(hi, 100 * (1 - stat["lower"]))
                checked += 1
            rate_col = next(c for c in cols if c.startswith("Events per"))
            if cells[rate_col] not in ("–", "-", ""):
                rate = _ESTIMATE.match(cells[rate_col]).groups()
                for printed, stat in zip(rate, ("rate", "lower", "upper"), strict=True):
                    _check_printed(printed, _value(ep, variable="event_rate", statistic=stat))
                checked += 1
        note = next(n for n in table.footnotes if n.startswith("Median follow-up"))
        fu = re.search(r": ([\d.]+) \(([\d.]+|NR)[–-]([\d.]+|NR)\)", note).groups()
        for printed, stat in zip(fu, ("estimate", "lower", "upper"), strict=True):
            _check_printed(printed, _value(rows, variable="median_follow_up", statistic=stat))
    assert checked >= 8


def test_collect_turns_a_cached_describe_summary_into_rows():
    """Builders that cache summaries.describe under a ("describe", ...) key get it in the ARD."""
    from smalltrial.summaries import describe

    frame = pd.DataFrame({"cohort": ["A", "A", "B"], "age": [18.0, 20.0, 24.0],
                          "sex": ["F", "M", "F"]})
    summary = describe(frame, ["age", "sex"], by="cohort", overall=False)

    class Ctx:
        by = "cohort"

    out = ard.collect(Ctx(), {"tables/baseline": [(("describe", "baseline"), summary)]})
    assert _value(out, group_level="A", variable="age", statistic="median") == 19.0  # (18 + 20) / 2
    assert _value(out, group_level="B", variable="age", statistic="n") == 1
    assert math.isnan(_value(out, group_level="B", variable="age", statistic="sd"))  # n = 1
    assert _value(out, group_level="A", variable="sex", variable_level="M", statistic="count") == 1
    assert _value(out, group_level="B", variable="sex", variable_level="F", statistic="total") == 1


# ------------------------------------------------------- baseline and adverse-event tables
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?!\d*%)")


def test_baseline_table_numbers_are_in_the_ard(bundled):
    """Every number printed in the baseline table (medians, ranges, counts; percents are
    count/total) is an ARD value of that table and group, rounded as printed."""
    checked = 0
    for result in bundled.values():
        table = result.tables["baseline"]
        rows = result.ard[result.ard["id"] == "tables/baseline"]
        assert not rows.empty
        for row in table.rows:
            if row.section:
                continue
            for column, cell in zip(table.columns[1:], row.cells[1:], strict=True):
                group = column.split(" (n = ")[0]
                values = rows[rows["group_level"].isin([group, "All", ""])]["value"]
                for printed in _NUMBER.findall(cell):
                    assert any(_close_to_printed(printed, v) for v in values), (row.label, cell)
                    checked += 1
                pct = re.search(r"\(([\d.]+)%\)", cell)
                if pct:  # n (p%): p = 100 count / total of that level
                    n = float(cell.split(" ")[0])
                    level = rows[(rows["statistic"] == "count") & (rows["value"] == n)]
                    totals = rows[rows["statistic"] == "total"]["value"]
                    assert not level.empty
                    assert any(_close_to_printed(pct.group(1), 100 * n / t) for t in totals)
    assert checked >= 20


def test_special_interest_ae_table_counts_are_the_ard_counts(bundled):
    for result in bundled.values():
        table = result.tables["adverse_events"]
        rows = result.ard[result.ard["id"] == "tables/adverse_events"]
        event = None
        for row in table.rows:
            if row.section:
                event = {"Cytokine release syndrome": "crs", "ICANS": "icans"}[row.label]
                continue
            for column, cell in zip(table.columns[1:], row.cells[1:], strict=True):
                group = column.split(" (n = ")[0]
                mine = rows[(rows["variable"] == event) & (rows["group_level"] == group)]
                n = float(cell.split(" ")[0])
                total = _value(mine, variable_level="0", statistic="total")
                assert column.endswith(f"(n = {total:.0f})")
                if row.label == "Any grade":  # patients with grade >= 1 = all - grade 0
                    assert n == total - _value(mine, variable_level="0", statistic="count")
                else:
                    grade = row.label.split(" ")[1]
                    assert n == _value(mine, variable_level=grade, statistic="count"), row.label


def test_ae_by_soc_table_counts_are_the_ard_counts(tmp_path):
    result = pipeline.run("mg_cart", out=tmp_path / "mg", progress=False)
    table = result.tables["adverse_events_by_soc"]
    rows = result.ard[result.ard["id"] == "tables/adverse_events_by_soc"]
    assert table.columns[1:] == ("Any grade (N = 10)", "Grade ≥3 (N = 10)")
    soc = None
    for i, row in enumerate(table.rows):
        if i == 0:
            where = {"variable": "overall", "variable_level": "any adverse event"}
        elif row.indent == 0:
            soc = row.cells[0]
            where = {"variable": "soc", "variable_level": soc}
        else:
            where = {"variable": "term", "variable_level": f"{soc} / {row.cells[0]}"}
        any_n, any_pct = re.match(r"(\d+) \((\d+)%\)", row.cells[1]).groups()
        ge3 = re.match(r"(\d+) \(", row.cells[2]).group(1)
        assert _value(rows, statistic="n", **where) == float(any_n)
        assert _value(rows, statistic="N", **where) == 10.0
        assert _close_to_printed(any_pct, _value(rows, statistic="percent", **where))
        assert _value(rows, statistic="n_grade_ge_3", **where) == float(ge3)


def test_collect_turns_a_cached_ae_summary_into_rows():
    from smalltrial.summaries import adverse_events

    ae = pd.DataFrame({"subject": ["a", "a", "b"], "term": ["Fever", "Fever", "Rash"],
                       "soc": ["General", "General", "Skin"], "grade": [1, 3, 2], "day": [1, 5, 9]})

    class Ctx:
        by = "cohort"

    out = ard.collect(Ctx(), {"tables/ae": [(("ae_summary", None, ()), adverse_events(ae))]})
    # a: Fever grades 1 and 3 (worst 3); b: Rash grade 2. N = 2 patients
    assert _value(out, variable="overall", statistic="n") == 2
    assert _value(out, variable="term", variable_level="General / Fever", statistic="n") == 1
    assert _value(out, variable="term", variable_level="General / Fever",
                  statistic="n_grade_ge_3") == 1
    assert _value(out, variable="soc", variable_level="Skin", statistic="n_grade_ge_3") == 0
    assert _value(out, variable="soc", variable_level="Skin", statistic="percent") == 50.0


# ----------------------------------------------------------------------------- Parquet ARD
def test_parquet_ard_holds_the_csv_numbers_and_is_deterministic(tmp_path):
    pytest.importorskip("pyarrow")
    spec = {"data": {"dataset": "mackensen2022"},
            "tables": [{"name": "efficacy"}, {"name": "time_to_event"}]}
    r1 = pipeline.run(spec, out=tmp_path / "a", progress=False)
    r2 = pipeline.run(spec, out=tmp_path / "b", progress=False)
    p1, p2 = r1.out / "ard.parquet", r2.out / "ard.parquet"
    assert p1.read_bytes() == p2.read_bytes()
    assert "ard.parquet" in r1.outputs
    from_parquet, from_csv = ard.read_ard(p1), ard.read_ard(r1.out / "ard.csv")
    pd.testing.assert_frame_equal(from_parquet, from_csv)
    assert ard.compare_ard(from_parquet, from_csv, tolerance=0).empty
    # a NaN ("not reached") stays NaN, text columns stay text
    assert from_parquet["value"].isna().any() and from_parquet["method"].map(type).eq(str).all()


def test_corrupt_or_foreign_parquet_is_a_one_line_error(tmp_path):
    pytest.importorskip("pyarrow")
    bad = tmp_path / "ard.parquet"
    bad.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(SmallTrialError, match="not a readable Parquet"):
        ard.read_ard(bad)
    other = tmp_path / "other.parquet"
    pd.DataFrame({"x": [1.0]}).to_parquet(other)
    with pytest.raises(SmallTrialError, match="lacks column"):
        ard.read_ard(other)


def test_parquet_needs_pyarrow_message(tmp_path, monkeypatch):
    monkeypatch.setattr(ard, "has_parquet", lambda: False)
    with pytest.raises(SmallTrialError, match="needs pyarrow"):
        ard.ard_parquet_bytes(ard.ard_frame([{"id": "t", "statistic": "n", "value": 1}]))


def test_group_levels_with_commas_stay_unambiguous(tmp_path):
    """A cohort named "low, 2e13" (a comma in a level): its per-group rows quote it, and
    split_levels gives back the endpoint and the cohort (review finding)."""
    assert ard.join_levels("relapse", "SLE") == "relapse, SLE"
    assert ard.split_levels(ard.join_levels("pfs", 'low, "2e13"')) == ["pfs", 'low, "2e13"']
    assert ard.split_levels("endpoint, cohort") == ["endpoint", "cohort"]
    trial = st.datasets.load("muller2024")
    subjects = trial.subjects.assign(cohort=trial.subjects["cohort"].replace({"SLE": "SLE, adult"}))
    folder = tmp_path / "data"
    trial.__class__(subjects=subjects, measurements=trial.measurements, events=trial.events,
                    description=trial.description).to_folder(folder)
    spec = {"data": {"path": str(folder)},
            "tables": [{"name": "time_to_event", "endpoints": ["b_cell_reconstitution"]}]}
    run = pipeline.run(spec, out=tmp_path / "o", progress=False)
    rows = run.ard[(run.ard["id"] == "tables/time_to_event") & (run.ard["statistic"] == "n") &
                   (run.ard["group"] == "endpoint, cohort")]
    parts = [ard.split_levels(v) for v in rows["group_level"]]
    assert ["b_cell_reconstitution", "SLE, adult"] in parts and len(parts) == 3
    assert run.tables["time_to_event"].rows[1].cells[:2] == ("SLE, adult", "8")
