"""`smalltrial compare A B` and smalltrial.ard.compare_ard: a changed number is found and listed
(exit 1), agreeing runs exit 0, bad input (no shared ids, a corrupt file) exits 2 with one line."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from smalltrial import SmallTrialError, ard, pipeline
from smalltrial.cli import main as cli_main

SPEC = {"data": {"dataset": "mackensen2022"},
        "tables": [{"name": "efficacy"}, {"name": "time_to_event"}]}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("compare")
    result = pipeline.run(SPEC, out=base / "a", progress=False)
    return result.out


def _changed_copy(run_dir, tmp_path, statistic="upper", delta=1e-3):
    """A copy of the run's ard.csv with one number changed (the first row of ``statistic``)."""
    frame = ard.read_ard(run_dir)
    i = frame.index[frame["statistic"] == statistic][0]
    frame.loc[i, "value"] = frame.loc[i, "value"] - delta
    path = tmp_path / "b" / "ard.csv"
    path.parent.mkdir()
    ard.write_ard(frame, path)
    return path, frame.loc[i]


def test_identical_runs_agree(run_dir, tmp_path, capsys):
    again = pipeline.run(SPEC, out=tmp_path / "again", progress=False).out
    assert cli_main(["compare", str(run_dir), str(again)]) == 0
    assert "statistics agree" in capsys.readouterr().out


def test_a_deliberately_changed_number_is_found_and_listed(run_dir, tmp_path, capsys):
    path, row = _changed_copy(run_dir, tmp_path)
    assert cli_main(["compare", str(run_dir / "ard.csv"), str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "smalltrial: 1 statistic(s) differ (tolerance 1e-08):"
    assert len(out) == 2 and row["id"] in out[1] and f" {row['statistic']}: " in out[1]
    assert repr(float(row["value"])) in out[1]


def test_tolerance_decides_what_differs(run_dir, tmp_path):
    path, _ = _changed_copy(run_dir, tmp_path, delta=1e-6)
    assert cli_main(["compare", str(run_dir), str(path)]) == 1
    assert cli_main(["compare", str(run_dir), str(path), "--tolerance", "1e-5"]) == 0


def test_compare_ard_reports_missing_statistics_and_nan():
    a = ard.ard_frame([{"id": "t", "statistic": "n", "value": 5},
                       {"id": "t", "statistic": "median", "value": float("nan")},
                       {"id": "t", "statistic": "upper", "value": 0.5}])
    b = ard.ard_frame([{"id": "t", "statistic": "n", "value": 5},
                       {"id": "t", "statistic": "median", "value": float("nan")},
                       {"id": "t", "statistic": "lower", "value": 0.1}])
    diff = ard.compare_ard(a, b)
    assert diff[["statistic", "status"]].values.tolist() == [["upper", "only in A"], ["lower", "only in B"]]
    c = b.copy()
    c.loc[1, "value"] = 12.0  # NR in A, a number in B
    assert ard.compare_ard(b, c)["statistic"].tolist() == ["median"]
    # relative above 1, absolute below
    big = ard.ard_frame([{"id": "t", "statistic": "n", "value": 1e6}])
    assert ard.compare_ard(big, big.assign(value=1e6 + 1e-3)).empty
    assert not ard.compare_ard(big, big.assign(value=1e6 + 1e-1)).empty
    with pytest.raises(SmallTrialError, match="tolerance must be a non-negative number, got -1"):
        ard.compare_ard(a, b, tolerance=-1)


def _one_line_exit_2(capsys, argv, match):
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("smalltrial: error: ") and "Traceback" not in err
    assert match in err, err


def test_bad_input_exits_2_with_one_line(run_dir, tmp_path, capsys):
    other = ard.ard_frame([{"id": "tables/something_else", "statistic": "n", "value": 1}])
    ard.write_ard(other, tmp_path / "other.csv")
    _one_line_exit_2(capsys, ["compare", str(run_dir), str(tmp_path / "other.csv")],
                     "share no table or figure id")
    corrupt = tmp_path / "corrupt.csv"
    text = (run_dir / "ard.csv").read_text()
    lines = text.splitlines()
    fields = lines[1].split(",")
    fields[6] = "75.0%"  # a formatted string where a number belongs
    corrupt.write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n")
    _one_line_exit_2(capsys, ["compare", str(run_dir), str(corrupt)], "'75.0%' is not a number")
    (tmp_path / "garbage.csv").write_bytes(b"\x00\x01 not a csv at all")
    _one_line_exit_2(capsys, ["compare", str(run_dir), str(tmp_path / "garbage.csv")], "garbage.csv")
    _one_line_exit_2(capsys, ["compare", str(run_dir), str(tmp_path / "missing")],
                     "is not an ard.csv file or a folder holding one")
    _one_line_exit_2(capsys, ["compare", str(run_dir), str(run_dir), "--tolerance", "abc"],
                     "--tolerance: 'abc' is not a number")
    _one_line_exit_2(capsys, ["compare", str(run_dir), str(run_dir), "--tolerance", "-1"],
                     "--tolerance must be a non-negative number")
    dup = tmp_path / "dup"
    dup.mkdir()
    shutil.copy(run_dir / "ard.csv", dup / "ard.csv")
    with (dup / "ard.csv").open("a") as fh:
        fh.write(text.splitlines()[1] + "\n")
    _one_line_exit_2(capsys, ["compare", str(run_dir), str(dup)], "statistic listed twice")


def test_compare_keeps_the_order_of_a(run_dir):
    a = ard.read_ard(run_dir)
    b = a.copy()
    b["value"] = b["value"] * (1 + 1e-3) + 1e-3
    diff = ard.compare_ard(a, b)
    keyed = a[a["value"].notna()]
    assert len(diff) == len(keyed)
    pd.testing.assert_series_equal(diff["statistic"].reset_index(drop=True),
                                   keyed["statistic"].reset_index(drop=True))


def test_truncated_or_edited_ard_is_exit_2_not_a_difference(tmp_path):
    """A file cut short (mid-row, or at a row end but without the rest) is damage, not fewer
    statistics; a run folder whose ard.csv no longer matches its manifest is refused too."""
    from smalltrial import pipeline
    from smalltrial.cli import main

    run = pipeline.run({"data": {"dataset": "mackensen2022"}, "tables": [{"name": "efficacy"}]},
                       out=tmp_path / "a", progress=False)
    data = (run.out / "ard.csv").read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: len(data) // 2])  # mid-row, no final line end
    assert main(["compare", str(run.out / "ard.csv"), str(cut)]) == 2
    lines = data.decode().splitlines(keepends=True)
    short = tmp_path / "short.csv"
    short.write_text(lines[0] + lines[1].split(",", 3)[0] + "\n", encoding="utf-8")  # 1 field
    assert main(["compare", str(run.out / "ard.csv"), str(short)]) == 2
    copy = tmp_path / "b"
    import shutil

    shutil.copytree(run.out, copy)
    (copy / "ard.csv").write_bytes(data[: data.rindex(b"\n", 0, len(data) - 1) + 1])  # last row gone
    assert main(["compare", str(run.out), str(copy)]) == 2
    assert main(["compare", str(run.out / "ard.csv"), str(copy / "ard.csv")]) == 1  # as a file


def test_compare_prints_absent_for_a_statistic_in_one_ard_only(tmp_path, capsys):
    from smalltrial.ard import ard_frame, write_ard
    from smalltrial.cli import main

    a = write_ard(ard_frame([{"id": "t", "statistic": "n", "value": 3}]), tmp_path / "a.csv")
    b = write_ard(ard_frame([{"id": "t", "statistic": "n", "value": 3},
                             {"id": "t", "statistic": "median", "value": float("nan")}]),
                  tmp_path / "b.csv")
    assert main(["compare", str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert "t median: A=(absent) B=nan (only in B)" in out
