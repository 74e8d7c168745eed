"""The per-cohort rows of the bundled muller2024 time-to-event table against R.

tests/reference/bundled_groups/make_bundled_groups.R derives B-cell reconstitution and relapse
from the CSV files itself and fits survfit (log-log) and poisson.test within each cohort. Here
the same numbers are read from the run's ARD (the rows the table is laid out from), so the
per-group rows of the table are checked end to end: 1e-8 (closed forms).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import load_reference

from smalltrial import pipeline

REF = load_reference("bundled_groups")
MONTH = 30.4375


@pytest.fixture(scope="module")
def ard(tmp_path_factory):
    spec = {"data": {"dataset": "muller2024"},
            "endpoints": {"landmarks": [3, 6, 12]},
            "tables": [{"name": "time_to_event",
                        "endpoints": ["b_cell_reconstitution", "relapse"]}]}
    run = pipeline.run(spec, out=tmp_path_factory.mktemp("groups") / "out", progress=False)
    frame = run.ard
    return frame[frame["id"] == "tables/time_to_event"]


def _value(ard, level: str, variable: str, statistic: str, variable_level: str = "") -> float:
    hit = ard[(ard["group"] == "endpoint, cohort") & (ard["group_level"] == level) &
              (ard["variable"] == variable) & (ard["variable_level"] == variable_level) &
              (ard["statistic"] == statistic)]
    assert len(hit) == 1, (level, variable, variable_level, statistic, len(hit))
    return float(hit["value"].iloc[0])


def _close(actual: float, expected) -> None:
    if expected is None:
        assert math.isnan(actual)
    else:
        np.testing.assert_allclose(actual, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("cohort", sorted(REF))
@pytest.mark.parametrize("endpoint", ["b_cell_reconstitution", "relapse"])
def test_per_cohort_kaplan_meier_rows_equal_r(ard, cohort, endpoint):
    ref = REF[cohort][endpoint]
    level = f"{endpoint}, {cohort}"
    assert _value(ard, level, "", "n") == ref["n"]
    assert _value(ard, level, "", "events") == ref["events"]
    for stat, key in (("estimate", "median"), ("lower", "median_lower"), ("upper", "median_upper")):
        _close(_value(ard, level, "median", stat), ref[key])
    for k, t in enumerate(ref["at"]["time"]):
        where = repr(float(t))
        assert _value(ard, level, "landmark", "n_risk", where) == ref["at"]["n_risk"][k]
        for stat in ("survival", "std_error", "lower", "upper"):
            _close(_value(ard, level, "landmark", stat, where), ref["at"][stat][k])


@pytest.mark.parametrize("cohort", sorted(REF))
def test_per_cohort_relapse_rates_equal_r(ard, cohort):
    ref = REF[cohort]["relapse"]["rate"]
    level = f"relapse, {cohort}"
    for stat in ("events", "exposure", "rate", "lower", "upper"):
        _close(_value(ard, level, "event_rate", stat), ref[stat])
