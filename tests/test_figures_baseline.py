"""Image baselines of the main figures (PNG, compared with a tolerance).

The figures are drawn with matplotlib's bundled DejaVu Sans at a fixed dpi, so the chosen font
does not depend on the machine. Text rasterisation still depends on the matplotlib and FreeType
versions, so the comparison runs only under the versions recorded in
tests/baseline/versions.json (elsewhere it is skipped, saying why); the data-level tests in
test_figures.py run everywhere. Regenerate with::

    SMALLTRIAL_UPDATE_BASELINES=1 python -m pytest tests/test_figures_baseline.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import ft2font
from matplotlib.testing.compare import compare_images

from smalltrial import figures as F

BASELINE = Path(__file__).parent / "baseline"
VERSIONS = BASELINE / "versions.json"
UPDATE = os.environ.get("SMALLTRIAL_UPDATE_BASELINES") == "1"
DPI = 100
TOLERANCE = 2.0  # RMS on 0-255; hiding one KM curve scores ~9, its median line ~4


def _versions():
    return {"matplotlib": matplotlib.__version__, "freetype": ft2font.__freetype_version__}


def _events():
    rows = [
        ("P1", 1, "crs", 1), ("P1", 28, "remission", None), ("P1", 110, "b_cell_reconstitution", None),
        ("P1", 500, "last_contact", None),
        ("P2", 1, "crs", 2), ("P2", 2, "icans", 1), ("P2", 60, "remission", None),
        ("P2", 300, "relapse", None), ("P2", 400, "last_contact", None),
        ("P3", 40, "remission", None), ("P3", 200, "last_contact", None),
        ("P4", 2, "crs", 1), ("P4", 90, "b_cell_reconstitution", None), ("P4", 150, "death", None),
        ("P4", 150, "last_contact", None),
    ]
    return pd.DataFrame(rows, columns=["subject", "day", "event", "grade"])


def _km(raw, events, median):
    raw = np.asarray(raw, float)
    events = np.asarray(events, int)
    rows, s = [], 1.0
    for t in np.unique(raw):
        n = int((raw >= t).sum())
        d = int(events[raw == t].sum())
        s *= 1 - d / n
        rows.append((t, n, d, int((raw == t).sum()) - d, s))
    table = pd.DataFrame(rows, columns=["time", "n_risk", "n_event", "n_censored", "survival"])
    table["std_error"] = 0.1
    table["lower"] = (table["survival"] - 0.25).clip(lower=0)
    table["upper"] = (table["survival"] + 0.15).clip(upper=1)
    return SimpleNamespace(
        table=table,
        median=SimpleNamespace(estimate=median),
        at=lambda times: pd.DataFrame(
            {"time": times, "n_risk": [(raw >= t).sum() for t in times]}
        ),
    )


def _kms():
    return {
        "SLE": _km([3, 5, 6, 9, 11, 14, 17, 20], [0, 1, 0, 1, 1, 0, 1, 0], 17.0),
        "SSc": _km([4, 8, 12, 16, 24], [0, 0, 1, 0, 0], float("nan")),
    }


def _bcells():
    days = [-7, 7, 14, 28, 60, 90, 110, 130, 180]
    p1 = [150, 1, 1, 1, 1, 4, 20, 80, 160]
    p2 = [90, 1, 1, 1, 1, 1, 1, 12, 60]
    return pd.DataFrame({
        "subject": ["P1"] * 9 + ["P2"] * 9, "day": days * 2, "value": np.array(p1 + p2, float),
        "blq": [v <= 1 for v in p1 + p2],
    })


def _forest():
    return pd.DataFrame({
        "cohort": ["Mackensen 2022", "Müller 2024 SLE", "Feng 2025"],
        "responders": [5, 8, 12], "n": [5, 8, 15], "estimate": [1.0, 1.0, 0.8],
        "lower": [0.4781762499, 0.6305834480, 0.5191089], "upper": [1.0, 1.0, 0.9566880],
    })


CASES = {
    "swimmer": lambda: F.swimmer(_events()).figure,
    "km": lambda: F.km_plot(_kms(), times=[0, 6, 12, 18, 24]).figure,
    "bcell_kinetics": lambda: F.bcell_kinetics(_bcells(), parameter=None, threshold=10).figure,
    "forest": lambda: F.forest(_forest(), reference=0.3).figure,
}


def _draw(name: str, path: Path) -> None:
    with F.style("nature", font="DejaVu Sans"):
        fig = CASES[name]()
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


@pytest.mark.parametrize("name", sorted(CASES))
def test_baseline(name, tmp_path):
    expected = BASELINE / f"{name}.png"
    if UPDATE:
        BASELINE.mkdir(exist_ok=True)
        _draw(name, expected)
        VERSIONS.write_text(json.dumps(_versions(), indent=2, sort_keys=True) + "\n")
    recorded = json.loads(VERSIONS.read_text())
    if recorded != _versions():
        pytest.skip(f"baselines made with {recorded}; here {_versions()}: pixels not comparable")
    actual = tmp_path / f"{name}.png"
    _draw(name, actual)
    result = compare_images(str(expected), str(actual), tol=TOLERANCE, in_decorator=True)
    assert result is None, result


def test_tolerance_catches_a_missing_curve(tmp_path):
    """The tolerance is tight enough that dropping one KM curve fails the comparison."""
    expected = BASELINE / "km.png"
    recorded = json.loads(VERSIONS.read_text())
    if recorded != _versions():
        pytest.skip("baselines made with other matplotlib/FreeType versions")
    actual = tmp_path / "km_missing.png"
    with F.style("nature", font="DejaVu Sans"):
        fig = CASES["km"]()
        for artist in fig.findobj(lambda a: a.get_gid() == "km-curve-1"):
            artist.set_visible(False)
        fig.savefig(actual, format="png", dpi=DPI, metadata={"Software": None})
    result = compare_images(str(expected), str(actual), tol=TOLERANCE, in_decorator=True)
    assert result is not None and result["rms"] > TOLERANCE
