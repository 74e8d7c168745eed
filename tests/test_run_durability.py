"""Issue #16 in ``smalltrial run``: RMST in the time-to-event table, the pooled forest plot and
the interval-censored table, on the bundled SYNTHETIC mg_cart trial.

The statistics themselves are tested against R (tests/test_rmst.py, test_turnbull.py,
test_pooled.py); here the printed cells must equal those functions applied to the same data.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from smalltrial import SmallTrialError, datasets
from smalltrial._format import NR, fmt_num
from smalltrial._tableformat import fmt_estimate_ci, fmt_pct_ci

REPO = Path(__file__).resolve().parents[1]
DAYS_PER_MONTH = 30.4375


@pytest.fixture(scope="module")
def ctx():
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import load_spec

    return Analysis(datasets.load("mg_cart"), load_spec(REPO / "analyses" / "mg_cart.toml"))


def _item(ctx, kind, name):
    items = ctx.spec.tables if kind == "table" else ctx.spec.figures
    return next(i for i in items if i.name == name)


def _table(ctx, item):
    """The table as a run makes it: the builder's display laid out from its ARD rows."""
    from smalltrial import ard
    from smalltrial.builders import TABLES
    from smalltrial.tables.display import from_ard

    tid = f"tables/{item.file}"
    ctx.used.pop(tid, None)
    with ctx.recording(tid):
        display = TABLES[item.name].build(ctx, item)
    return from_ard(ard.collect(ctx, {tid: ctx.used[tid]}), display)


def test_rmst_column_equals_survival_rmst(ctx):
    from smalltrial.survival import rmst

    item = _item(ctx, "table", "time_to_event")
    tau = item.options["rmst_tau"]
    assert tau == 9
    table = _table(ctx, item)
    col = table.columns.index("RMST to 9 months, months (95% CI)")
    rows = {r.cells[0]: r.cells for r in table.rows}
    checked = 0
    for endpoint, label in [("relapse_free", "Relapse-free time from first MG-ADL response"),
                            ("b_cell_reconstitution", "B-cell reconstitution")]:
        data = ctx.time_to_event(endpoint, "months")
        if endpoint == "b_cell_reconstitution":  # patients never assessed are left out
            data = data[(data["time"] > 0) | (data["event"] == 1)]
        r = rmst(data, time="time", event="event", tau=tau)
        assert 0 < r.estimate < tau
        assert rows[label][col] == fmt_estimate_ci(r.estimate, r.lower, r.upper, 1, na=NR)
        checked += 1
    assert checked == 2
    assert any("restricted mean survival time up to 9 months" in n for n in table.footnotes)


def test_rmst_tau_beyond_follow_up_names_the_key_and_tau(ctx):
    from smalltrial.builders import TABLES

    item = _item(ctx, "table", "time_to_event")
    item.options["rmst_tau"] = 40.0  # beyond every patient's follow-up
    try:
        with pytest.raises(SmallTrialError, match=r"tables\[\d+\]\.rmst_tau: 40 months"):
            TABLES["time_to_event"].build(ctx, item)
    finally:
        item.options["rmst_tau"] = 9


def test_pooled_forest_pools_the_external_cohorts_only(ctx):
    from smalltrial.builders import FIGURES
    from smalltrial.rates import pooled_proportion

    item = _item(ctx, "figure", "forest")
    ext = item.options["external"]
    assert all("Hypothetical" in e["label"] and "not published" in e["label"] for e in ext)
    fit = pooled_proportion([e["x"] for e in ext], [e["n"] for e in ext], method="glmm")
    fig = FIGURES["forest"].build(ctx, item)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [
        t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    expected = f"{fmt_num(100 * fit.estimate)}% ({fmt_num(100 * fit.lower)}\u2013{fmt_num(100 * fit.upper)})"
    assert any(expected in t for t in texts), texts
    assert any("External cohorts pooled (GLMM; not this trial)" in t for t in texts)


def test_pooled_forest_needs_two_external_cohorts():
    from smalltrial.spec import parse_spec

    spec = {"data": {"dataset": "mackensen2022"},
            "figures": [{"name": "forest", "pooled": True,
                         "external": [{"label": "Hypothetical", "x": 1, "n": 4}]}]}
    with pytest.raises(SmallTrialError, match=r"figures\[0\]\.pooled"):
        parse_spec(spec)


def test_interval_censored_table_equals_turnbull_and_imputed_km(ctx):
    from smalltrial.survival import (
        impute_interval_times,
        interval_from_measurements,
        kaplan_meier,
        turnbull,
    )

    table = _table(ctx, _item(ctx, "table", "interval_censored"))
    data = interval_from_measurements(ctx.trial, "cd19_bcells", threshold=10)
    data = data.assign(left=data["left"] / DAYS_PER_MONTH, right=data["right"] / DAYS_PER_MONTH)
    rows = [r.cells for r in table.rows]
    assert [r[1] for r in rows] == [str(len(data))] * 3
    # Turnbull: cumulative probability by 6 months = mass in intervals ending by 6 (here every
    # interval lies wholly before or after 6 months, so it is identified)
    fit = turnbull(data, left="left", right="right")
    assert not ((fit["lower"] < 6) & (fit["upper"] > 6) & (fit["probability"] > 0)).any()
    assert rows[0][4] == fmt_num(100 * fit.loc[fit["upper"] <= 6, "probability"].sum())
    for row, method in zip(rows[1:], ("midpoint", "right"), strict=True):
        km = kaplan_meier(impute_interval_times(data, left="left", right="right", method=method),
                          time="time", event="event", conf_type="log-log")
        m = km.median
        assert row[3] == fmt_estimate_ci(m.estimate, m.lower, m.upper, 1, na=NR)
        h = km.at([6]).iloc[0]
        assert row[4] == fmt_pct_ci(1 - h["survival"], 1 - h["upper"], 1 - h["lower"], 1)
    # every B-cell count of the synthetic trial was taken after day 0 for these patients
    assert all(math.isfinite(v) for v in data["left"])
