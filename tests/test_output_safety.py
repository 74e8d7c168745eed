"""The output folder is safe: smalltrial never replaces or deletes what it did not write, the
swap is atomic (SIGKILL at random moments leaves the complete old or the complete new folder),
temporary folders never survive, and user text cannot inject HTML or spreadsheet formulas."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import smalltrial as st
from smalltrial import SmallTrialError, _output, pipeline
from smalltrial.cli import main as cli_main

REPO = Path(__file__).resolve().parents[1]
FAST = {"data": {"dataset": "mackensen2022"}, "tables": [{"name": "efficacy", "visits": ["month 3"]}]}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p), "MPLBACKEND": "Agg"}


def _cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smalltrial.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=_env())


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def _write_spec(path: Path, title: str) -> Path:
    path.write_text(f'title = "{title}"\n[data]\ndataset = "mackensen2022"\n\n'
                    '[[tables]]\nname = "efficacy"\nvisits = ["month 3"]\n')
    return path


# ----------------------------------------------------------------------------- foreign folders
def test_the_issue_example_a_foreign_folder_survives(tmp_path):
    # mkdir -p p/src; echo '{"name":"ext"}' > p/manifest.json; touch p/src/important.js
    (tmp_path / "p" / "src").mkdir(parents=True)
    (tmp_path / "p" / "manifest.json").write_text('{"name":"ext"}\n')
    (tmp_path / "p" / "src" / "important.js").write_text("")
    before = _files(tmp_path / "p")
    proc = _cli("run", "--out", "p", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"smalltrial: error: out: folder '{tmp_path / 'p'}' is not a "
                                  "smalltrial output (its manifest.json has no smalltrial format marker")
    assert _files(tmp_path / "p") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """A real smalltrial output (copied per test)."""
    out = tmp_path_factory.mktemp("earlier") / "out"
    pipeline.run(FAST, out=out, progress=False)
    return out


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("change, reason", [
    (lambda o: (o / "notes.txt").write_text("mine"), r"'notes\.txt' was not written by smalltrial"),
    (lambda o: (o / "tables" / "efficacy.md").write_text("edited"),
     r"'tables/efficacy\.md' was changed after smalltrial wrote it"),
    (lambda o: (o / "src").mkdir(), r"folder 'src/' was not written by smalltrial"),
    (lambda o: (o / "tables" / "link.md").symlink_to("/etc/hostname"),
     r"'tables/link\.md' is a link, which smalltrial does not write"),
    (lambda o: (o / "manifest.json").write_text("{not json"), r"its manifest\.json is not a smalltrial manifest"),
])
def test_an_output_with_anything_foreign_is_not_replaced(earlier, tmp_path, change, reason):
    out = _copy(earlier, tmp_path / "out")
    change(out)
    before = _files(out)
    with pytest.raises(SmallTrialError, match=r"^out: folder .* is not a smalltrial output \(" + reason):
        pipeline.run(FAST, out=out, progress=False)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_own_output_and_empty_folder_are_replaced(earlier, tmp_path):
    out = _copy(earlier, tmp_path / "out")
    assert _output.foreign_content(out) is None
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "smalltrial-output" and manifest["format_version"] == 2
    spec = {**FAST, "title": "Second"}
    pipeline.run(spec, out=out, progress=False)
    assert json.loads((out / "manifest.json").read_text())["spec"]["title"] == "Second"
    (tmp_path / "empty").mkdir()
    pipeline.run(FAST, out=tmp_path / "empty", progress=False)
    assert (tmp_path / "empty" / "manifest.json").is_file()
    assert _leftovers(tmp_path) == []


def test_a_symlinked_out_is_followed_not_replaced(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    result = pipeline.run(FAST, out=link, progress=False)
    assert result.out == link and link.is_symlink()
    assert (real / "manifest.json").is_file()
    pipeline.run({**FAST, "title": "Again"}, out=link, progress=False)  # replace through the link
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads((real / "manifest.json").read_text())["spec"]["title"] == "Again"
    assert _leftovers(tmp_path) == []


def test_spec_output_is_relative_to_the_spec_and_cannot_leave_its_folder(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    spec = project / "analysis.toml"
    spec.write_text('output = "results/run1"\n[data]\ndataset = "mackensen2022"\n'
                    '[[tables]]\nname = "efficacy"\nvisits = ["month 3"]\n')
    proc = _cli("run", spec, cwd=tmp_path)  # run from elsewhere
    assert proc.returncode == 0, proc.stderr
    assert (project / "results" / "run1" / "manifest.json").is_file()
    assert not (tmp_path / "results").exists()
    for bad in ("../../x", "/tmp/x", "..", ".", "a/../../b"):
        spec.write_text(f'output = "{bad}"\n[data]\ndataset = "mackensen2022"\n')
        proc = _cli("run", spec, cwd=tmp_path)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1
        assert proc.stderr.startswith("smalltrial: error: spec: output: must be a folder inside the "
                                      f"spec's folder (relative, without '..'), got '{bad}'")
    (project / "away").symlink_to(tmp_path, target_is_directory=True)
    spec.write_text('output = "away/x"\n[data]\ndataset = "mackensen2022"\n')
    proc = _cli("run", spec, cwd=tmp_path)
    assert proc.returncode == 2 and "leads out of the spec's folder" in proc.stderr
    # --out on the command line may be anywhere
    proc = _cli("run", _write_spec(project / "b.toml", "B"), "--out", tmp_path / "elsewhere", cwd=project)
    assert proc.returncode == 0 and (tmp_path / "elsewhere" / "manifest.json").is_file()


# ----------------------------------------------------------------------------- recovery
def test_recovery_restores_an_old_output_and_removes_only_our_leftovers(earlier, tmp_path):
    out = tmp_path / "out"
    old = _copy(earlier, tmp_path / ".out.old-0123abcd")  # killed between the two renames
    expected = _files(old)
    marked = tmp_path / ".out.tmp-aaaaaaaa"  # killed while writing
    (marked / "tables").mkdir(parents=True)
    (marked / _output.PARTIAL_MARK).write_text("")
    (marked / "tables" / "half.md").write_text("half")
    finished = _copy(earlier, tmp_path / ".out.tmp-bbbbbbbb")  # killed just before the swap
    empty = tmp_path / ".out.tmp-cccccccc"
    empty.mkdir()
    users = tmp_path / ".out.tmp-dddddddd"  # the same pattern, but not ours: kept
    users.mkdir()
    (users / "thesis.tex").write_text("precious")
    notes = _output.recover(out)
    assert notes[0] == "restored 'out' from '.out.old-0123abcd' (left by an interrupted run)"
    assert _files(out) == expected
    assert not marked.exists() and not finished.exists() and not empty.exists()
    assert (users / "thesis.tex").read_text() == "precious"
    assert _leftovers(tmp_path) == [".out.tmp-dddddddd"]


def test_a_temporary_folder_in_use_is_not_removed(tmp_path):
    out = tmp_path / "out"
    with _output.TempOutput(out) as work:
        assert _output.recover(out) == []  # another run starting meanwhile
        assert work.path.is_dir() and (work.path / _output.PARTIAL_MARK).is_file()
    assert _leftovers(tmp_path) == []


def test_the_rename_fallback_also_keeps_the_old_output_on_failure(earlier, tmp_path, monkeypatch):
    # systems without renameat2(RENAME_EXCHANGE): X is renamed to .X.old-*, the new one moved in
    monkeypatch.setattr(_output, "_rename2", lambda src, dst, flags: False)
    out = _copy(earlier, tmp_path / "out")
    pipeline.run({**FAST, "title": "Fallback"}, out=out, progress=False)
    assert json.loads((out / "manifest.json").read_text())["spec"]["title"] == "Fallback"
    assert _leftovers(tmp_path) == []
    before = _files(out)
    real_rename = os.rename

    def second_rename_fails(src, dst):
        if ".tmp-" in str(src):
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(_output.os, "rename", second_rename_fails)
    with pytest.raises(OSError, match="No space left"):
        pipeline.run(FAST, out=out, progress=False)
    assert _files(out) == before and _leftovers(tmp_path) == []


def test_atomic_exchange_is_available_on_linux(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2(RENAME_EXCHANGE) is Linux only; elsewhere the recovery scheme is used")
    assert _output.exchange_supported(tmp_path)


# ----------------------------------------------------------------------------- signals
_SLOW_RUN = """
import sys, time
from smalltrial import tables
real_save = tables.Table.save
def slow_save(self, *a, **k):
    print("writing", flush=True)
    time.sleep(60)
    return real_save(self, *a, **k)
tables.Table.save = slow_save
from smalltrial.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig, status, word", [(signal.SIGTERM, 143, "terminated"),
                                               (signal.SIGINT, 130, "interrupted")])
def test_sigterm_and_sigint_remove_the_temporary_folder(earlier, tmp_path, sig, status, word):
    out = _copy(earlier, tmp_path / "out")
    before = _files(out)
    spec = _write_spec(tmp_path / "s.toml", "New")
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, "run", str(spec), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
                            cwd=tmp_path)
    try:
        assert proc.stdout.readline() == "writing\n"  # inside a step, temporary folder made
        assert len(_leftovers(tmp_path)) == 1
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == status
    assert stderr == f"smalltrial: {word}; the previous output is unchanged\n"
    assert _files(out) == before and _leftovers(tmp_path) == []


# A harness that imports smalltrial once and then, per request, forks a child that runs
# `smalltrial run` (the CLI's main) and SIGKILLs it `delay` seconds after the child made its
# temporary folder (before that, nothing in the output folder's parent is touched), so each
# kill costs a fraction of a second instead of a fresh interpreter's start-up.
_KILL_HARNESS = r"""
import os, signal, sys, tempfile, time
from smalltrial.cli import main
from smalltrial.pipeline import run

with tempfile.TemporaryDirectory() as warm:  # import everything a run needs, once
    run({"data": {"dataset": "mackensen2022"}, "tables": [{"name": "efficacy"}]},
        out=warm + "/out", progress=False)

def child(spec, out):
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os._exit(main(["run", spec, "--out", out]))

for line in sys.stdin:
    spec, out, delay = line.rstrip("\n").split("\t")
    parent, prefix = os.path.dirname(out), "." + os.path.basename(out) + ".tmp-"
    sys.stdout.flush()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        child(spec, out)
    status, writing = None, None
    while status is None:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status = code
        elif writing is None and any(n.startswith(prefix) for n in os.listdir(parent)):
            writing = time.monotonic()
        elif writing is not None and time.monotonic() >= writing + float(delay):
            os.kill(pid, signal.SIGKILL)
            status = os.waitpid(pid, 0)[1]
        else:
            time.sleep(0.001)
    killed = os.WIFSIGNALED(status)
    rest = time.monotonic() - writing if writing is not None else 0.0
    print("killed" if killed else "finished", round(rest, 4), flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill harness forks (Unix)")
def test_sigkill_at_random_moments_leaves_the_old_or_the_new_output(tmp_path):
    """SIGKILL `smalltrial run` at seeded random moments while it writes and swaps: after every
    kill X is the complete old or the complete new output (never missing, never mixed), and
    what the kill left behind is gone after the next run's start-up step; a last complete run
    leaves only X."""
    specs = {"A": _write_spec(tmp_path / "a.toml", "A"), "B": _write_spec(tmp_path / "b.toml", "B")}
    out = tmp_path / "X"
    started = time.monotonic()
    harness = subprocess.Popen([sys.executable, "-c", _KILL_HARNESS], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=tmp_path,
                               env={**_env(), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})

    def run(name: str, delay: float) -> tuple[str, float]:
        harness.stdin.write(f"{specs[name]}\t{out}\t{delay}\n")
        harness.stdin.flush()
        outcome, rest = harness.stdout.readline().split()
        return outcome, float(rest)

    try:
        complete = {}
        for name in ("A", "B"):  # each output once, complete; this also times the writing phase
            outcome, rest = run(name, 1e9)
            assert outcome == "finished"
            complete[name] = _files(out)
        assert complete["A"] != complete["B"]
        exchange = _output.exchange_supported(tmp_path)
        rng = random.Random(20261130)
        current, outcomes = "B", []
        while sum(o == "killed" for o, _ in outcomes) < 15 and time.monotonic() - started < 40:
            other = "A" if current == "B" else "B"
            # from the first write to a little past the swap; every other kill near the swap
            delay = rng.uniform(0, 1.2) * rest if len(outcomes) % 2 else rng.uniform(0.85, 1.15) * rest
            outcome, took = run(other, delay)
            if outcome == "finished":  # the machine got faster: aim at the shorter writing phase
                rest = min(rest, took)
            where = f"kill {len(outcomes) + 1} ({outcome}), {delay:.4f} s after the first write"
            if not out.exists():
                assert not exchange, f"{where}: X is missing"
                _output.recover(out)  # the fallback: the next run puts .X.old-* back first
            state = _files(out)
            assert state in (complete["A"], complete["B"]), f"{where}: X is incomplete or mixed"
            current = "A" if state == complete["A"] else "B"
            outcomes.append((outcome, current == other))
            _output.recover(out)  # what the next run does first
            assert _leftovers(tmp_path) == [], where
            assert _files(out) == complete[current], where
    finally:
        harness.stdin.close()
        harness.wait(timeout=30)
    assert sum(outcome == "killed" for outcome, _ in outcomes) >= 8, outcomes
    assert {new for _, new in outcomes} == {True, False}, outcomes  # both sides of the swap
    proc = _cli("run", specs["A"], "--out", out, cwd=tmp_path)
    assert proc.returncode == 0 and _files(out) == complete["A"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X", "a.toml", "b.toml"]


# ----------------------------------------------------------------------------- the command line
def test_bad_input_in_the_cli_exits_2_with_one_line(tmp_path):
    cases = {
        "latin1.toml": b'title = "Caf\xe9"\n[data]\ndataset = "mackensen2022"\n',
        "nul.toml": b'title = "a\\u0000b"\n[data]\ndataset = "mackensen2022"\n',
        "rawnul.toml": b'title = "a\x00b"\n[data]\ndataset = "mackensen2022"\n',
        "nulout.toml": b'output = "o\\u0000"\n[data]\ndataset = "mackensen2022"\n',
        "longfile.toml": b'[data]\ndataset = "mackensen2022"\n[[tables]]\nname = "efficacy"\nfile = "'
                         + b"e" * 300 + b'"\n',
        "longout.toml": b'output = "' + b"o" * 300 + b'"\n[data]\ndataset = "mackensen2022"\n',
    }
    expected = {
        "latin1.toml": "smalltrial: error: spec: latin1.toml: not UTF-8 text (byte 0xe9 at position 12)",
        "nul.toml": "smalltrial: error: spec: title: must not contain control character '\\x00'",
        "rawnul.toml": "smalltrial: error: spec: rawnul.toml: invalid TOML",
        "nulout.toml": "smalltrial: error: spec: output: must not contain control character '\\x00'",
        "longfile.toml": "smalltrial: error: spec: tables[0].file: must be a file name of at most 200 bytes",
        "longout.toml": "smalltrial: error: spec: output: folder name too long (300 bytes; at most 200)",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        proc = _cli("run", name, "--out", "o", cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (2, ""), (name, proc.stderr)
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(expected[name]), (name, proc.stderr)
    long = "a" * 300
    for args, message in [
        (("run", f"{long}.toml"), "smalltrial: error: spec: file name too long (305 bytes; at most 255)"),
        (("run", "--out", long), "smalltrial: error: out: folder name too long (300 bytes; at most 255)"),
        (("run", "--out", "b" * 250), "smalltrial: error: out: folder name too long (250 bytes; at most 241)"),
        (("run", "latin1.toml/x.toml"), "smalltrial: error: spec: no such file 'latin1.toml/x.toml'"),
        (("run", str(tmp_path)), f"smalltrial: error: spec: '{tmp_path}' is a folder, not a TOML file"),
        (("run", "--out", "."), f"smalltrial: error: out: '{tmp_path}' is the current folder or contains it"),
        (("run", "--out", "latin1.toml/sub"),
         f"smalltrial: error: out: '{tmp_path / 'latin1.toml' / 'sub'}': '{tmp_path / 'latin1.toml'}' is a "
         "file, not a folder"),
    ]:
        proc = _cli(*args, cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (2, ""), (args, proc.stderr)
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(message), (args, proc.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(cases)


# ----------------------------------------------------------------------------- warnings
def test_statistical_warnings_reach_stderr_the_table_and_the_report(tmp_path):
    # n = 5 non-zero changes: the exact signed-rank test cannot go below 2/2^5 = 0.0625 > 0.05
    spec = tmp_path / "w.toml"
    spec.write_text('[data]\ndataset = "mackensen2022"\n[[tables]]\nname = "longitudinal"\n'
                    'parameter = "sledai2k"\ntest_at = "month 3"\n')
    proc = _cli("run", spec, "--out", "o", cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.stderr.splitlines()
    minimum_p = [line for line in lines if "smallest attainable exact two-sided p-value is 0.0625" in line]
    assert len(minimum_p) == 1 and minimum_p[0].startswith("smalltrial: warning: ")
    assert len(lines) == len(set(lines))  # each once
    table_md = (tmp_path / "o" / "tables" / "longitudinal_sledai2k.md").read_text()
    report = (tmp_path / "o" / "report.md").read_text()
    text = "smallest attainable exact two-sided p-value is 0.0625 (&gt; 0.05)"
    assert f"Warning: with 5 non-zero change(s) the {text}" in table_md
    assert f"- tables/longitudinal_sledai2k: with 5 non-zero change(s) the {text}" in report
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert any("0.0625" in w for w in manifest["warnings"])


def test_a_table_that_cannot_be_made_is_an_error_unless_optional(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "smalltrial.longitudinal", None)  # as if it failed to import
    table = {"name": "longitudinal", "parameter": "sledai2k"}
    spec = {"data": {"dataset": "mackensen2022"}, "tables": [{"name": "efficacy"}, table]}
    with pytest.raises(SmallTrialError, match=r"^tables\[1\] \(table 'longitudinal_sledai2k'\) cannot be "
                       r"made in this installation: smalltrial\.longitudinal.* is not available; install "
                       r"what it needs, or mark it 'optional = true' in the spec"):
        pipeline.run(spec, out=tmp_path / "o", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    spec["tables"][1] = {**table, "optional": True}
    result = pipeline.run(spec, out=tmp_path / "o", progress=False)
    assert result.skipped[0].startswith("tables/longitudinal_sledai2k (smalltrial.longitudinal")
    assert list(result.tables) == ["efficacy"]
    assert result.manifest["spec"]["tables"][1]["optional"] is True
    assert "optional" not in result.manifest["spec"]["tables"][0]


# ----------------------------------------------------------------------------- escaping
def test_user_text_is_escaped_in_markdown_html_csv_and_latex(tmp_path):
    folder = st.datasets.load("mackensen2022").to_folder(tmp_path / "trial")
    meas = (folder / "measurements.csv").read_text()
    assert ",month 3," in meas
    (folder / "measurements.csv").write_text(meas.replace(",month 3,", ",=1+2,"))
    spec = tmp_path / "x.toml"
    spec.write_text('title = "<script>alert(1)</script>"\n[data]\npath = "trial"\n'
                    '[[tables]]\nname = "efficacy"\ntitle = "<b>T</b> | [x](javascript:y)"\n')
    result = pipeline.run(spec, out=tmp_path / "o", progress=False)
    tables = tmp_path / "o" / "tables"
    md = (tables / "efficacy.md").read_text()
    report = (tmp_path / "o" / "report.md").read_text()
    assert report.startswith("# &lt;script&gt;alert(1)&lt;/script&gt;\n")
    assert "**Table 1. &lt;b&gt;T&lt;/b&gt; \\| [x\\](javascript:y)**" in md  # numbered by the run
    for text in (md, report, (tables / "efficacy.html").read_text()):
        assert "<script" not in text and "<b>" not in text
    rows = (tables / "efficacy.csv").read_text().splitlines()
    assert any(r.startswith("'=1+2,") for r in rows), rows
    assert "=1+2" in {r.label for r in result.tables["efficacy"].rows}  # the table itself keeps it
    tex = (tables / "efficacy.tex").read_text()
    # LaTeX: < > | would print as other glyphs in the default (OT1) encoding
    assert "\\caption{\\textless{}b\\textgreater{}T\\textless{}/b\\textgreater{} \\textbar{} [x](javascript:y)}" in tex


def test_the_manifest_records_no_file_outside_the_data_folder(tmp_path):
    folder = st.datasets.load("mackensen2022").to_folder(tmp_path / "trial")
    secret = tmp_path / "secret.txt"
    secret.write_text("not data")
    (folder / "secret.txt").symlink_to(secret)
    (folder / "notes.txt").write_text("inside")
    spec = tmp_path / "s.toml"
    spec.write_text('[data]\npath = "trial"\n[[tables]]\nname = "efficacy"\n')
    result = pipeline.run(spec, out=tmp_path / "o", progress=False)
    paths = [i["path"] for i in result.manifest["inputs"]]
    assert "trial/notes.txt" in paths and "trial/secret.txt" not in paths


def test_cli_run_prints_nothing_on_stderr_without_warnings(tmp_path, capsys):
    assert cli_main(["run", str(_write_spec(tmp_path / "s.toml", "S")), "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    from smalltrial.ard import has_parquet  # ard.parquet where pyarrow is installed

    assert captured.out == f"{tmp_path / 'o'}: {11 + has_parquet()} files (1 tables, 0 figure files)\n"
