"""The data commands of the CLI: `smalltrial datasets` and `smalltrial validate PATH`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import smalltrial as st
from smalltrial.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def good_folder(tmp_path):
    return st.datasets.load("mackensen2022").to_folder(tmp_path / "good")


@pytest.fixture
def bad_folder(tmp_path):
    folder = st.datasets.load("mackensen2022").to_folder(tmp_path / "bad")
    events = pd.read_csv(folder / "events.csv")
    events.loc[0, "event"] = "Flare"  # any lower-case name is valid, "Flare" is not
    events.loc[1, "day"] = -3
    events = events[~((events["subject"] == "MK02") & (events["event"] == "last_contact"))]
    events.to_csv(folder / "events.csv", index=False)
    meas = pd.read_csv(folder / "measurements.csv")
    meas.loc[5, "subject"] = "XX99"
    meas.to_csv(folder / "measurements.csv", index=False)
    return folder


def test_datasets_lists_every_bundled_trial(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == ["mackensen2022", "muller2024", "phase2_onc",
                                                  "phase2_onc_adam", "mg_cart"]
    assert all("SYNTHETIC" in line for line in out)


def test_validate_good_folder(good_folder, capsys):
    assert main(["validate", str(good_folder)]) == 0
    out = capsys.readouterr().out
    assert out == f"{good_folder}: OK (5 subjects, 1558 measurements, 18 events)\n"


def test_validate_bundled_adam(tmp_path, capsys):
    folder = st.datasets.load("muller2024").to_adam(tmp_path / "adam")
    assert main(["validate", str(folder)]) == 0
    assert "OK (15 subjects" in capsys.readouterr().out


def test_validate_bad_folder(bad_folder, capsys):
    assert main(["validate", str(bad_folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.splitlines()
    assert err[0] == f"smalltrial: {bad_folder}: 4 problem(s) found"
    assert err[1:] == [
        "  - events: column 'day' must be finite and >= 0 (events happen on or after the infusion, day 0); "
        "got -3.0 (subject 'MK01')",
        "  - events: column 'event' has invalid event name(s) 'Flare' (subject 'MK01'); an event "
        "name is lower-case letters, digits and '_', starting with a letter (e.g. "
        "b_cell_reconstitution, remission, relapse, progression)",
        "  - events: no 'last_contact' event for subject 'MK02'",
        "  - measurements: column 'subject' has id(s) not in subjects: 'XX99'",
    ]
    assert "Traceback" not in captured.err


def test_validate_missing_folder(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["validate", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"smalltrial: error: trial folder '{missing}' does not exist\n"


def test_validate_folder_without_tables(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("nothing here")
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "no subjects, measurements, events table" in err


def test_subprocess_entry_point(bad_folder, good_folder, tmp_path):
    # run from outside the repository; PYTHONPATH makes an uninstalled checkout importable too
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "smalltrial.cli", *args], capture_output=True,
                              text=True, cwd=tmp_path, env=env)

    res = run("datasets")
    assert res.returncode == 0 and "mackensen2022" in res.stdout and "muller2024" in res.stdout
    res = run("validate", str(good_folder))
    assert res.returncode == 0 and res.stdout.endswith("OK (5 subjects, 1558 measurements, 18 events)\n")
    res = run("validate", str(bad_folder))
    assert res.returncode == 2 and "4 problem(s) found" in res.stderr
    assert "Traceback" not in res.stderr
    res = run("validate", str(tmp_path / "nowhere"))
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_validate_accepts_other_event_names(good_folder, capsys):
    """Issue #12: infection, neutropenia and progression were 'unknown event name(s)'."""
    events = pd.read_csv(good_folder / "events.csv")
    extra = pd.DataFrame({"subject": ["MK01", "MK02", "MK03"], "day": [20, 30, 40],
                          "event": ["infection", "neutropenia", "progression"],
                          "grade": [2.0, 4.0, None]})
    pd.concat([events, extra]).to_csv(good_folder / "events.csv", index=False)
    assert main(["validate", str(good_folder)]) == 0
    assert capsys.readouterr().out.endswith("OK (5 subjects, 1558 measurements, 21 events)\n")


@pytest.mark.parametrize("version", [5, 8])
def test_validate_adam_xpt(version, capsys):
    """The R-written ADaM slice (PFS/OS ADTTE, ADLB with ANL01FL, ADAE, ADRS) validates."""
    folder = ROOT / "tests" / "reference" / "adam" / f"xpt_v{version}"
    assert main(["validate", str(folder)]) == 0
    assert "OK (6 subjects" in capsys.readouterr().out
