"""smalltrial.pipeline.run and `smalltrial run`: full runs, determinism, the failed-run guarantee,
the manifest, the CLI exit codes, and the repository's figures/ folder."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import smalltrial as st
from smalltrial import SmallTrialError, pipeline
from smalltrial.cli import main as cli_main

REPO = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each bundled analysis once through run() (counting the model fits), and mackensen2022
    a second time through the CLI without a spec (the default analysis)."""
    base = tmp_path_factory.mktemp("runs")
    calls = {"mixed_model": 0, "kaplan_meier": 0}
    real_mm = st.longitudinal.mixed_model
    real_km = st.survival.kaplan_meier

    def counting_mm(*a, **k):
        calls["mixed_model"] += 1
        return real_mm(*a, **k)

    def counting_km(*a, **k):
        calls["kaplan_meier"] += 1
        return real_km(*a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(st.longitudinal, "mixed_model", counting_mm)
        mp.setattr(st.survival, "kaplan_meier", counting_km)
        mack = pipeline.run(None, out=base / "mackensen2022", progress=False)
    counts = dict(calls)
    muller = pipeline.run("muller2024", out=base / "muller2024", progress=False)
    assert cli_main(["run", "--out", str(base / "again")]) == 0
    return {"mackensen2022": mack, "muller2024": muller, "again": base / "again", "calls": counts}


# ----------------------------------------------------------------------------- full runs
def test_full_run_writes_tables_figures_and_manifest(runs):
    for name in ("mackensen2022", "muller2024"):
        result = runs[name]
        out = result.out
        assert result.skipped == ()
        spec = st.spec.load_spec(name)
        for item in spec.tables:
            for ext in ("md", "tex", "html", "docx", "csv"):
                assert (out / "tables" / f"{item.file}.{ext}").is_file()
        for item in spec.figures:
            for ext in item.options["formats"]:
                assert (out / "figures" / f"{item.file}.{ext}").stat().st_size > 1000
        assert (out / "manifest.json").is_file() and (out / "report.md").is_file()
        assert sorted(result.tables) == sorted(i.file for i in spec.tables)


def test_run_tables_show_the_published_numbers(runs):
    mack = runs["mackensen2022"].tables
    # DOMAIN.md (verified): DORIS remission 5/5 at month 3, exact CI 47.8-100 %
    month3 = next(r for r in mack["efficacy"].rows if r.label == "Month 3")
    assert month3.cells[1] == "5/5 (100%) [47.8\u2013100]"
    # baseline SLEDAI-2K median 16; 4 female, 1 male
    cells = {r.label: r.cells[1:] for r in mack["baseline"].rows}
    assert cells["SLEDAI-2K total, points"][0].startswith("16 (")
    assert cells["Female"] == ("4 (80%)",) and cells["Male"] == ("1 (20%)",)
    # median follow-up 8 months; no relapse (median not reached); CRS grade 1 in 3/5
    tte = mack["time_to_event"]
    assert any("Median follow-up (reverse Kaplan\u2013Meier): 8.0" in n for n in tte.footnotes)
    relapse = next(r for r in tte.rows if r.label == "Relapse")
    assert relapse.cells[1:4] == ("5", "0", "NR")
    ae = {(r.label, i): r.cells[1] for i, r in enumerate(mack["adverse_events"].rows)}
    assert ae[("Grade 1", 2)] == "3 (60%)"
    # n = 5: the exact signed-rank test cannot go below 2/2^5 = 0.0625
    assert any("P = 0.063" in n for n in mack["longitudinal_sledai2k"].footnotes)
    assert any("0.0625" in w for w in runs["mackensen2022"].warnings)

    mul = runs["muller2024"].tables
    # DOMAIN.md: 8/8 SLE in DORIS remission (exact CI 63.1-100 %); CRS grade 1 10/15, grade 2 1/15
    assert "8/8 (100%) [63.1\u2013100]" in {c for r in mul["efficacy"].rows for c in r.cells}
    assert mul["adverse_events"].columns[-1] == "All (n = 15)"
    rows = mul["adverse_events"].rows
    assert rows[2].cells[-1] == "10 (67%)" and rows[3].cells[-1] == "1 (7%)"
    assert rows[8].cells[-1] == "1 (7%)"  # ICANS grade 1


def test_statistics_are_computed_once_and_shared(runs):
    # mackensen2022: two longitudinal tables (sledai2k, anti_dsdna); the trajectories figure
    # reuses the sledai2k fit. Kaplan-Meier: B-cell reconstitution and relapse, each once,
    # although the km_plot figure shows the first again.
    assert runs["calls"] == {"mixed_model": 2, "kaplan_meier": 2}


def test_same_inputs_give_byte_identical_outputs(runs):
    first = _files(runs["mackensen2022"].out)
    second = _files(runs["again"])
    assert first.keys() == second.keys()
    different = [k for k in first if first[k] != second[k]]
    assert different == []


def test_manifest_records_versions_inputs_spec_and_output_hashes(runs):
    result = runs["mackensen2022"]
    text = (result.out / "manifest.json").read_text()
    manifest = json.loads(text)
    assert manifest == result.manifest
    assert manifest["seed"] == 20220915 and manifest["spec_file"] == "mackensen2022.toml"
    assert manifest["spec"]["data"] == {"dataset": "mackensen2022"}
    assert {"smalltrial", "python", "numpy", "pandas", "matplotlib", "python-docx"} <= set(manifest["versions"])
    data_dir = Path(st.datasets.__file__).parent / "data" / "mackensen2022"
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    assert inputs["mackensen2022/measurements.csv"] == hashlib.sha256(
        (data_dir / "measurements.csv").read_bytes()).hexdigest()
    files = _files(result.out)
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for path, digest in listed.items():
        assert hashlib.sha256(files[path]).hexdigest() == digest
    # reproducible: no absolute paths, no timestamps
    assert str(result.out) not in text and "/tmp" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text)


def test_run_result_renders_in_jupyter(runs):
    html = runs["mackensen2022"]._repr_html_()
    assert html.count('<table class="smalltrial-table"') == len(runs["mackensen2022"].tables)
    frame = runs["mackensen2022"].to_frame()
    assert list(frame.columns) == ["path", "sha256"] and "tables/efficacy.docx" in set(frame["path"])


# ----------------------------------------------------------------------------- failures
FAST = {"data": {"dataset": "mackensen2022"}, "tables": [{"name": "baseline"}]}


def _previous_output(folder: Path) -> dict[str, bytes]:
    """A real earlier output (smalltrial replaces only folders it wrote)."""
    previous = {"title": "Previous", "data": {"dataset": "mackensen2022"},
                "tables": [{"name": "efficacy", "visits": ["month 3"]}]}
    pipeline.run(previous, out=folder, progress=False)
    return _files(folder)


def test_failed_run_leaves_the_previous_output_untouched(tmp_path):
    out = tmp_path / "out"
    before = _previous_output(out)
    late = {"data": {"dataset": "mackensen2022"},
            "tables": [{"name": "baseline"}, {"name": "efficacy"},
                       {"name": "longitudinal", "parameter": "no_such_lab"}]}
    with pytest.raises(SmallTrialError, match=r"^spec: tables\[2\]\.parameter: no parameter 'no_such_lab'"):
        pipeline.run(late, out=out, progress=False)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


LATE = [
    # errors that need the data: they name the spec key, and the statistic's own message
    ({"endpoints": {"by": "arm"}, "tables": [{"name": "baseline"}]},
     r"^spec: endpoints\.by: subjects has no column 'arm'; columns present: 'subject', 'cohort'"),
    ({"tables": [{"name": "baseline", "variables": ["age", "weight"]}]},
     r"^spec: tables\[0\]\.variables\[1\]: 'weight' is neither a subjects column nor a parameter"),
    ({"tables": [{"name": "efficacy", "visits": ["month 4"]}]},
     r"^spec: tables\[0\]\.visits\[0\]: no remission assessment at visit 'month 4'; visits: 'baseline'"),
    ({"tables": [{"name": "longitudinal", "parameter": "sledai2k", "visits": ["baseline", "month 4"]}]},
     r"^spec: tables\[0\]\.visits\[1\]: no 'sledai2k' values at visit 'month 4'"),
    ({"tables": [{"name": "longitudinal", "parameter": "sledai2k", "visits": ["baseline"]}]},
     r"^tables\[0\] \(table 'longitudinal_sledai2k'\): number of observations \(5\) <= number of random"),
    ({"figures": [{"name": "waterfall", "parameter": "c3", "visit": "month 4"}]},
     r"^spec: figures\[0\]\.visit: no 'c3' values at visit 'month 4'"),
]


@pytest.mark.parametrize("extra, message", LATE)
def test_bad_spec_found_with_the_data_names_the_key(tmp_path, extra, message):
    spec = {"data": {"dataset": "mackensen2022"}, **extra}
    with pytest.raises(SmallTrialError, match=message):
        pipeline.run(spec, out=tmp_path / "out", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unexpected_failure_mid_run_leaves_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "out"
    before = _previous_output(out)

    def boom(ctx, item):
        raise RuntimeError("disk full")

    monkeypatch.setitem(pipeline._TABLE_BUILDERS, "adverse_events", boom)
    spec = {"data": {"dataset": "mackensen2022"},
            "tables": [{"name": "baseline"}, {"name": "adverse_events"}]}
    with pytest.raises(RuntimeError, match="disk full"):
        pipeline.run(spec, out=out, progress=False)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_successful_run_replaces_previous_output(tmp_path):
    out = tmp_path / "out"
    _previous_output(out)
    result = pipeline.run(FAST, out=out, progress=False)
    assert not (out / "tables" / "efficacy.md").exists()
    assert sorted(_files(out)) == sorted([*result.outputs, "manifest.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_replace_a_folder_that_is_not_a_smalltrial_output(tmp_path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(SmallTrialError, match=r"^out: folder .* is not a smalltrial output \(it has no "
                       r"manifest\.json\)"):
        pipeline.run(FAST, out=out, progress=False)
    assert (out / "thesis.tex").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_progress_lines_when_asked(tmp_path, capsys):
    seen = []
    pipeline.run(FAST, out=tmp_path / "a", progress=lambda i, n, label: seen.append((i, n, label)))
    assert seen == [(1, 3, "load data"), (2, 3, "table baseline"), (3, 3, "manifest")]
    pipeline.run(FAST, out=tmp_path / "b", progress=True)
    assert capsys.readouterr().err.splitlines() == [
        "smalltrial: [1/3] load data", "smalltrial: [2/3] table baseline", "smalltrial: [3/3] manifest"]
    pipeline.run(FAST, out=tmp_path / "c")  # stderr is not a terminal here: quiet
    assert capsys.readouterr().err == ""


def test_data_folder_spec_and_bad_data(tmp_path):
    folder = st.datasets.load("mackensen2022").to_folder(tmp_path / "trial")
    spec = tmp_path / "folder.toml"
    spec.write_text('[data]\npath = "trial"\n\n[[tables]]\nname = "adverse_events"\n')
    result = pipeline.run(spec, out=tmp_path / "ok", progress=False)
    assert [i["path"] for i in result.manifest["inputs"]] == [
        "trial/description.md", "trial/events.csv", "trial/measurements.csv",
        "trial/parameters.csv", "trial/subjects.csv"]
    assert result.manifest["spec"]["data"] == {"path": "trial"}
    subjects = (folder / "subjects.csv").read_text().replace(",F,", ",X,", 1)
    (folder / "subjects.csv").write_text(subjects)
    with pytest.raises(SmallTrialError, match=r"^data: subjects: column 'sex' must be 'F' or 'M'; got 'X'"):
        pipeline.run(spec, out=tmp_path / "bad", progress=False)
    assert not (tmp_path / "bad").exists()
    (folder / "events.csv").unlink()  # a missing data file
    with pytest.raises(SmallTrialError, match=r"trial: no events table \(expected events\.csv"):
        pipeline.run(spec, out=tmp_path / "bad", progress=False)
    assert not (tmp_path / "bad").exists()


# ----------------------------------------------------------------------------- the command line
def _cli(*args, cwd):
    # PYTHONPATH makes an uninstalled checkout importable from outside the repository too
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    return subprocess.run([sys.executable, "-m", "smalltrial.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env)


def test_cli_exit_codes_and_one_line_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[data]\ndataset = "mackensen2022"\n\n[[tables]]\nname = "efficacyy"\n')
    proc = _cli("run", str(bad), "--out", "o", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("smalltrial: error: spec: tables[0].name: unknown table 'efficacyy'; valid:")
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()

    typo = tmp_path / "typo.toml"
    typo.write_text('[data]\ndataset = "mackensen2022"\n[endpoints]\nlevel = "high"\n')
    proc = _cli("run", str(typo), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "smalltrial: error: spec: endpoints.level: must be a number, got string 'high'\n"

    proc = _cli("run", "missing.toml", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (2, "smalltrial: error: spec: no such file 'missing.toml'\n")

    folder = st.datasets.load("mackensen2022").to_folder(tmp_path / "trial")
    (folder / "events.csv").write_text((folder / "events.csv").read_text().replace("last_contact", "lastcontact", 1))
    data = tmp_path / "data.toml"
    data.write_text('[data]\npath = "trial"\n[[tables]]\nname = "baseline"\n')
    proc = _cli("run", str(data), "--out", "d", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("smalltrial: error: data: ") and "'lastcontact'" in proc.stderr

    good = tmp_path / "good.toml"
    good.write_text('[data]\ndataset = "mackensen2022"\n[[tables]]\nname = "baseline"\n')
    proc = _cli("run", str(good), "--out", "g", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert (tmp_path / "g" / "tables" / "baseline.docx").is_file()
    # baseline.{md,tex,html,docx,csv}, report.md, report.html, ard.csv, displays.json, methods.docx,
    # manifest.json
    from smalltrial.ard import has_parquet  # ard.parquet where pyarrow is installed

    assert proc.stdout.splitlines()[0] == f"{tmp_path / 'g'}: {11 + has_parquet()} files (1 tables, 0 figure files)"


# ----------------------------------------------------------------------------- repository figures
def test_repository_figures_are_up_to_date(runs):
    """figures/ must equal what the bundled analyses produce now.

    Regenerate with ``python -m smalltrial.pipeline --update-repo-figures``. File names and
    tables.md are compared always; figure bytes only under the renderer that made them
    (figures/renderer.json: matplotlib, FreeType, font), since other versions draw other pixels.
    """
    committed_root = REPO / "figures"
    same_renderer = json.loads((committed_root / "renderer.json").read_text()) == pipeline.renderer_fingerprint()
    for name in ("mackensen2022", "muller2024"):
        fresh = pipeline.repo_figure_files(runs[name])
        committed = _files(committed_root / name)
        assert sorted(committed) == sorted(fresh), f"figures/{name}: stale file list"
        assert committed["tables.md"] == fresh["tables.md"], f"figures/{name}/tables.md is stale"
        if same_renderer:
            stale = [f for f in fresh if committed[f] != fresh[f]]
            assert stale == [], f"figures/{name}: stale {stale}; run python -m smalltrial.pipeline --update-repo-figures"


# ----------------------------------------------------------------------------- end to end vs R
def test_mackensen2022_tables_equal_r(runs, reference):
    """Every number in the mackensen2022 tables, recomputed in R from the CSV files
    (tests/reference/run/make_run.R: binom.test, survfit log-log, poisson.test, lmerTest +
    emmeans with Kenward-Roger), formatted as the tables format them."""
    import math

    from smalltrial._format import fmt_num, fmt_pvalue
    from smalltrial._tableformat import fmt_estimate_ci, fmt_pct_ci, fmt_prop_ci

    ref = reference("run")
    nan = float("nan")

    def num(v):
        return nan if v is None else v

    tables = runs["mackensen2022"].tables
    base = {r.label: r.cells[1] for r in tables["baseline"].rows}
    for label, key, digits in [("Age, years", "age", 0), ("SLEDAI-2K total, points", "sledai2k", 0),
                               ("Anti-dsDNA antibodies, IU/mL", "anti_dsdna", 0),
                               ("Complement C3, g/L", "c3", 2),
                               ("Urine protein:creatinine ratio, g/g", "upcr", 2),
                               ("Prednisone(-equivalent) dose, mg/day", "prednisone_mg", 1)]:
        r = ref["baseline"][key]
        expected = f"{fmt_num(r['median'], digits)} ({fmt_num(r['min'], digits)}\u2013{fmt_num(r['max'], digits)})"
        assert base[label] == expected, label

    eff = {r.label: r.cells[1] for r in tables["efficacy"].rows}
    for label, key in [("Month 2", "month2"), ("Month 3", "month3"), ("Month 6", "month6")]:
        r = ref["efficacy"][key]
        assert eff[label] == fmt_prop_ci(r["x"], r["n"], r["lower"], r["upper"]), label

    tte = {r.label: r.cells for r in tables["time_to_event"].rows}
    b = ref["bcell"]
    assert tte["B-cell reconstitution"][3] == fmt_estimate_ci(b["median"], b["lower"], num(b["upper"]))
    assert tte["B-cell reconstitution"][4] == fmt_pct_ci(1 - b["surv3"], 1 - b["upper3"], 1 - b["lower3"])
    f = ref["follow_up"]
    fu_note = fmt_estimate_ci(f["median"], f["lower"], num(f["upper"]))
    assert any(f"Median follow-up (reverse Kaplan\u2013Meier): {fu_note} months" in n
               for n in tables["time_to_event"].footnotes)
    assert tte["Relapse"][-1] == f"0.00 (0.00\u2013{fmt_num(f['rate_upper'], 2)})"

    for name, key, log in [("longitudinal_sledai2k", "sledai", False),
                           ("longitudinal_anti_dsdna", "anti_dsdna_log", True)]:
        r = ref[key]
        rows = tables[name].rows
        tr = math.exp if log else (lambda v: v)
        for i, row in enumerate(rows):
            assert row.cells[3] == fmt_estimate_ci(tr(r["mean"][i]), tr(r["mean_lower"][i]),
                                                   tr(r["mean_upper"][i]), 1), (name, i)
            if i:
                assert row.cells[4] == fmt_estimate_ci(tr(r["change"][i - 1]), tr(r["change_lower"][i - 1]),
                                                       tr(r["change_upper"][i - 1]), 2 if log else 1), (name, i)
                assert row.cells[5] == fmt_pvalue(r["p"][i - 1])

    crs = {r.label: r.cells[1] for r in tables["adverse_events"].rows[:6]}
    assert crs["Grade 1"] == f"{ref['crs']['grade1']} (60%)" and crs["Any grade"] == "3 (60%)"


def test_figure_title_option_is_drawn(tmp_path, monkeypatch):
    from smalltrial import figures

    seen = []
    real_save = figures.save

    def spy(fig, stem, formats, **kw):
        seen.append((fig.axes[0].get_title(loc="left"), fig.axes[0].get_ylabel(), tuple(formats)))
        return real_save(fig, stem, formats, **kw)

    monkeypatch.setattr(figures, "save", spy)
    spec = {"data": {"dataset": "mackensen2022"},
            "figures": [{"name": "waterfall", "parameter": "sledai2k", "title": "Figure 3",
                         "formats": ["svg"]}]}
    result = pipeline.run(spec, out=tmp_path / "out", progress=False)
    assert seen == [("Figure 3", "SLEDAI-2K total: change to month 3, %", ("svg",))]
    assert result.figures == ("figures/waterfall.svg",)


def test_adam_folder_gives_the_same_tables(runs, tmp_path):
    st.datasets.load("muller2024").to_adam(tmp_path / "adam")
    spec = tmp_path / "adam.toml"
    spec.write_text('[data]\npath = "adam"\n\n[[tables]]\nname = "adverse_events"\n\n'
                    '[[tables]]\nname = "time_to_event"\n')
    result = pipeline.run(spec, out=tmp_path / "out", progress=False)
    assert sorted(i["path"] for i in result.manifest["inputs"]) == [
        "adam/adlb.csv", "adam/adsl.csv", "adam/adtte.csv"]
    bundled = runs["muller2024"].tables
    # the same tables; their numbers differ (Table 1, 2 here; 5, 4 in the full run)
    for stem in ("adverse_events", "time_to_event"):
        assert result.tables[stem].numbered(1) == bundled[stem].numbered(1)


def test_bad_arguments_name_the_argument(tmp_path):
    with pytest.raises(SmallTrialError, match=r"spec: expected a path .* got int 3"):
        pipeline.run(3, out=tmp_path / "o")
    with pytest.raises(SmallTrialError, match=r"out must be a folder path, got int 3"):
        pipeline.run("mackensen2022", out=3)
    with pytest.raises(SmallTrialError, match=r"progress must be True, False, None or a callable, got 'x'"):
        pipeline.run("mackensen2022", out=tmp_path / "o", progress="x")
    assert not (tmp_path / "o").exists()
    with pytest.raises(SmallTrialError, match=r"result must be a RunResult from run\(\), got int"):
        pipeline.repo_figure_files(3)
    with pytest.raises(SmallTrialError, match=r"analyses must be a tuple .* got 'muller2024'"):
        pipeline.update_repo_figures(tmp_path / "f", analyses="muller2024")
    with pytest.raises(SmallTrialError, match=r"analyses must be one of .*; got 'foo'"):
        pipeline.update_repo_figures(tmp_path / "f", analyses=("foo",))
    assert not (tmp_path / "f").exists()


def test_caveats_of_an_interval_no_table_prints_stay_on_the_result_not_in_the_run(tmp_path):
    """The longitudinal table prints the signed-rank P value, not the Hodges-Lehmann interval:
    the run keeps the P value's caveat (smallest attainable P with 5 changes, 2/32) and leaves
    out the interval's ("ties or zero changes: no exact confidence interval"), which the
    PairedChange result itself still records."""
    from smalltrial.longitudinal import paired_change

    spec = {"data": {"dataset": "mackensen2022"},
            "tables": [{"name": "longitudinal", "parameter": "sledai2k", "test_at": "month 3"}]}
    result = pipeline.run(spec, out=tmp_path / "o", progress=False)
    assert any("smallest attainable exact two-sided p-value is 0.0625" in w
               for w in result.statistical_warnings)
    assert not any("pseudo-median" in w for w in result.statistical_warnings)
    m = st.datasets.load("mackensen2022").measurements
    rows = m[(m["parameter"] == "sledai2k") & m["visit"].isin(["baseline", "month 3"])]
    with pytest.warns(st.SmallTrialWarning):
        res = paired_change(rows, "value", subject="subject", time="visit", baseline="baseline",
                            at="month 3")
    assert any("pseudo-median" in w for w in res.warnings) and res.pvalue == 0.0625
