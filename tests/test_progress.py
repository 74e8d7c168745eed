"""Terminal progress and warnings of ``smalltrial run`` (issue #15 item 6): one line per step
on a terminal, nothing with --quiet or when stderr is not a terminal, and the run's statistical
warnings summarised once at the end."""

from __future__ import annotations

import sys

from smalltrial.cli import main as cli_main


def _spec(tmp_path, tables: str) -> str:
    path = tmp_path / "spec.toml"
    path.write_text('[data]\ndataset = "mackensen2022"\n\n' + tables, encoding="utf-8")
    return str(path)


class _Tty:
    """stderr that says it is a terminal (what a user's shell gives)."""

    def __init__(self, stream):
        self._stream = stream

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name):
        return getattr(self._stream, name)


def test_progress_line_per_step_on_a_terminal_and_quiet_flag(tmp_path, capsys, monkeypatch):
    spec = _spec(tmp_path, '[[tables]]\nname = "baseline"\n')
    monkeypatch.setattr(sys, "stderr", _Tty(sys.stderr))
    assert cli_main(["run", spec, "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["smalltrial: [1/3] load data", "smalltrial: [2/3] table baseline",
                   "smalltrial: [3/3] manifest"]
    assert cli_main(["run", spec, "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_not_a_terminal_is_quiet(tmp_path, capsys):
    spec = _spec(tmp_path, '[[tables]]\nname = "baseline"\n')
    assert cli_main(["run", spec, "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "1 tables" in captured.out


def test_statistical_warnings_are_summarised_at_the_end(tmp_path, capsys):
    # the bundled mackensen2022 analysis: 5 patients, exact Wilcoxon signed-rank test; with 5
    # non-zero changes the smallest two-sided p is 2 / 2^5 = 0.0625 (a SmallTrialWarning)
    assert cli_main(["run", "--out", str(tmp_path / "m"), "--quiet"]) == 0
    err = capsys.readouterr().err.splitlines()
    head = [i for i, line in enumerate(err) if "statistical warning" in line]
    assert len(head) == 1
    n = int(err[head[0]].split()[1])
    listed = err[head[0] + 1:]
    assert len(listed) == n >= 1
    assert all(line.startswith("smalltrial: warning: ") for line in listed)
    assert any("smallest attainable exact two-sided p-value is 0.0625" in line for line in listed)
    assert len(set(listed)) == len(listed)  # each caveat once
