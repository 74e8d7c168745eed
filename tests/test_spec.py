"""smalltrial.spec: the TOML analysis spec and its strict validation."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from smalltrial import SmallTrialError
from smalltrial.spec import (
    BUNDLED_ANALYSES,
    Spec,
    bundled_spec_path,
    load_spec,
    parse_spec,
)

REPO = Path(__file__).resolve().parents[1]

MINIMAL = {"data": {"dataset": "mackensen2022"}}


def spec_with(**changes):
    raw = copy.deepcopy(MINIMAL)
    raw.update(changes)
    return raw


def test_bundled_specs_are_identical_to_the_repository_copies():
    for name in BUNDLED_ANALYSES:
        repo_copy = REPO / "analyses" / f"{name}.toml"
        assert bundled_spec_path(name).read_bytes() == repo_copy.read_bytes(), name


@pytest.mark.parametrize("path", sorted((REPO / "analyses").glob("*.toml")), ids=lambda p: p.name)
def test_repository_specs_are_valid(path):
    spec = load_spec(path)
    assert isinstance(spec, Spec)
    assert spec.source == path.name
    assert spec.tables and spec.figures


def test_default_spec_is_mackensen2022():
    spec = load_spec()
    assert spec.dataset == "mackensen2022"
    assert [t.name for t in spec.tables][:2] == ["baseline", "efficacy"]
    assert load_spec("muller2024").dataset == "muller2024"


def test_defaults_are_filled_in():
    spec = parse_spec(spec_with(tables=[{"name": "longitudinal", "parameter": "c3"}]))
    assert spec.seed == 0 and spec.style == "nature" and spec.output == "smalltrial-output"
    assert spec.endpoints["ci_method"] == "clopper-pearson"
    assert spec.endpoints["conf_type"] == "log-log"
    assert spec.endpoints["landmarks"] == [3.0, 6.0, 12.0]
    item = spec.tables[0]
    assert item.file == "longitudinal_c3" and item.key == "tables[0]"
    assert item.options["df_method"] == "kenward-roger" and item.options["transform"] == "none"
    d = spec.to_dict()
    assert d["data"] == {"dataset": "mackensen2022"}
    assert d["tables"][0]["name"] == "longitudinal"


BAD = [
    # unknown keys, at every level
    (spec_with(colour="red"), r"^spec: colour: unknown key; valid: 'data', 'design', 'endpoints'"),
    ({"data": {"dataset": "mackensen2022", "format": "csv"}}, r"^spec: data\.format: unknown key"),
    (spec_with(endpoints={"remision": "doris"}), r"^spec: endpoints\.remision: unknown key"),
    (spec_with(tables=[{"name": "baseline", "variabels": ["age"]}]),
     r"^spec: tables\[0\]\.variabels: unknown key; valid: .*'variables'"),
    (spec_with(figures=[{"name": "swimmer", "dpi": 300}]), r"^spec: figures\[0\]\.dpi: unknown key"),
    # wrong types
    (spec_with(seed="1"), r"^spec: seed: must be an integer, got string '1'"),
    (spec_with(seed=True), r"^spec: seed: must be an integer, got boolean True"),
    (spec_with(endpoints={"level": "0.95"}), r"^spec: endpoints\.level: must be a number"),
    (spec_with(endpoints={"landmarks": [3, "six"]}), r"^spec: endpoints\.landmarks\[1\]: must be a number"),
    (spec_with(tables={"name": "baseline"}), r"^spec: tables: must be an array, got table"),
    (spec_with(tables=[{"name": "baseline", "variables": "age"}]),
     r"^spec: tables\[0\]\.variables: must be an array, got string"),
    (spec_with(figures=[{"name": "trajectories", "parameter": "sledai2k", "log": "yes"}]),
     r"^spec: figures\[0\]\.log: must be true or false"),
    # unknown names and values
    (spec_with(tables=[{"name": "baseline"}, {"name": "efficacyy"}]),
     r"^spec: tables\[1\]\.name: unknown table 'efficacyy'; valid: 'adverse_events', "
     r"'adverse_events_by_soc', 'baseline', "
     r"'efficacy', 'efficacy_monitoring', 'interval_censored', 'longitudinal', 'safety_monitoring', 'simon_design', "
     r"'time_to_event'$"),
    (spec_with(figures=[{"name": "kaplan"}]), r"^spec: figures\[0\]\.name: unknown figure 'kaplan'; valid: "),
    (spec_with(tables=[{"file": "x"}]), r"^spec: tables\[0\]\.name: missing \(required\)"),
    (spec_with(tables=[{"name": "longitudinal"}]), r"^spec: tables\[0\]\.parameter: missing \(required\)"),
    (spec_with(endpoints={"ci_method": "exactt"}), r"^spec: endpoints\.ci_method: unknown value 'exactt'"),
    (spec_with(tables=[{"name": "time_to_event", "endpoints": ["relapse", "dead"]}]),
     r"^spec: tables\[0\]\.endpoints\[1\]: unknown value 'dead'"),
    (spec_with(style="science"), r"^spec: style: unknown style 'science'; valid: "),
    # values out of range, duplicate outputs
    (spec_with(endpoints={"level": 95}), r"^spec: endpoints\.level: must be in \(0, 1\)"),
    (spec_with(endpoints={"landmarks": [0]}), r"^spec: endpoints\.landmarks\[0\]: must be > 0"),
    (spec_with(tables=[{"name": "baseline"}, {"name": "baseline"}]),
     r"^spec: tables\[1\]\.file: output name 'baseline' is already used by tables\[0\]"),
    (spec_with(tables=[{"name": "baseline", "file": "../x"}]), r"^spec: tables\[0\]\.file: must be a plain"),
    (spec_with(figures=[{"name": "forest", "external": [{"label": "A", "x": 9, "n": 5}]}]),
     r"^spec: figures\[0\]\.external\[0\]: need 0 <= x <= n"),
    # data
    ({"title": "x"}, r"^spec: data: missing \(required\)"),
    ({"data": {}}, r"^spec: data: give exactly one of 'dataset'"),
    ({"data": {"dataset": "mackensen2022", "path": "."}}, r"^spec: data: give exactly one"),
    ({"data": {"dataset": "mackensen2023"}},
     r"^spec: data\.dataset: unknown dataset 'mackensen2023'; valid: 'mackensen2022', 'muller2024'"),
    ({"data": {"path": "no/such/folder"}}, r"^spec: data\.path: no such file or folder 'no/such/folder'"),
    ({"data": {"path": "d" * 300}}, r"^spec: data\.path: cannot use 'd{80}': File name too long$"),
    # output: inside the spec's folder; strings without control characters; usable file names
    (spec_with(output="../x"), r"^spec: output: must be a folder inside the spec's folder \(relative, "
                               r"without '\.\.'\), got '\.\./x'; use 'smalltrial run --out DIR'"),
    (spec_with(output="/abs"), r"^spec: output: must be a folder inside the spec's folder"),
    (spec_with(output="a/../.."), r"^spec: output: must be a folder inside the spec's folder"),
    (spec_with(output="."), r"^spec: output: must be a folder inside the spec's folder"),
    (spec_with(output=""), r"^spec: output: must be a folder inside the spec's folder"),
    (spec_with(output="o" * 201), r"^spec: output: folder name too long \(201 bytes; at most 200\)"),
    (spec_with(title="a\x00b"), r"^spec: title: must not contain control character '\\x00', got 'a\\x00b'"),
    (spec_with(tables=[{"name": "baseline", "title": "T\x1b[31m"}]),
     r"^spec: tables\[0\]\.title: must not contain control character '\\x1b'"),
    (spec_with(tables=[{"name": "baseline", "file": "b" * 201}]),
     r"^spec: tables\[0\]\.file: must be a file name of at most 200 bytes on one line"),
    (spec_with(tables=[{"name": "baseline", "file": "a\nb"}]), r"^spec: tables\[0\]\.file: must be a file name"),
    (spec_with(figures=[{"name": "swimmer", "optional": "yes"}]),
     r"^spec: figures\[0\]\.optional: must be true or false, got string 'yes'"),
]


@pytest.mark.parametrize("raw, message", BAD)
def test_bad_specs_name_the_key(raw, message):
    with pytest.raises(SmallTrialError, match=message):
        parse_spec(raw)


def test_relative_data_path_resolves_against_the_spec_file(tmp_path):
    (tmp_path / "trial").mkdir()
    spec_file = tmp_path / "a.toml"
    spec_file.write_text('[data]\npath = "trial"\n')
    spec = load_spec(spec_file)
    assert spec.data_path == tmp_path / "trial"
    assert spec.to_dict()["data"] == {"path": "trial"}  # as written: no absolute path


def test_toml_errors_and_missing_spec(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[data\ndataset = 1\n")
    with pytest.raises(SmallTrialError, match=r"^spec: bad.toml: invalid TOML: .*line 1"):
        load_spec(bad)
    with pytest.raises(SmallTrialError, match=r"^spec: no such file '.*nothere.toml'"):
        load_spec(tmp_path / "nothere.toml")
    with pytest.raises(SmallTrialError, match="name must be one of 'mackensen2022', 'muller2024'"):
        bundled_spec_path("other")


def test_template_documents_every_table_and_figure():
    from smalltrial.spec import FIGURE_OPTIONS, TABLE_OPTIONS

    raw = tomllib.loads((REPO / "analyses" / "template.toml").read_text())
    assert {t["name"] for t in raw["tables"]} == set(TABLE_OPTIONS)
    assert {f["name"] for f in raw["figures"]} == set(FIGURE_OPTIONS)


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
def test_the_spec_recorded_in_the_manifest_can_be_run_again(name):
    from smalltrial.spec import load_spec, parse_spec

    recorded = load_spec(name).to_dict()
    again = parse_spec(recorded)
    assert again.to_dict() == recorded
    assert [t.name for t in again.tables] == [t.name for t in load_spec(name).tables]


def test_output_resolves_against_the_spec_file_and_bundled_analyses_against_the_current_folder(
        tmp_path, monkeypatch):
    spec_file = tmp_path / "project" / "a.toml"
    spec_file.parent.mkdir()
    spec_file.write_text('output = "out/run1"\n[data]\ndataset = "mackensen2022"\n')
    monkeypatch.chdir(tmp_path)
    assert load_spec(spec_file).output_path == tmp_path / "project" / "out" / "run1"
    assert load_spec(spec_file).to_dict()["output"] == "out/run1"  # as written
    # a bundled analysis or a dict writes to the current folder, never into the installation
    assert load_spec("muller2024").output_path == tmp_path / "smalltrial-output"
    assert load_spec(None).output_path == tmp_path / "smalltrial-output"
    assert load_spec(MINIMAL).output_path == tmp_path / "smalltrial-output"
    (tmp_path / "project" / "away").symlink_to(tmp_path, target_is_directory=True)
    spec_file.write_text('output = "away/x"\n[data]\ndataset = "mackensen2022"\n')
    with pytest.raises(SmallTrialError, match=r"^spec: output: 'away/x' leads out of the spec's folder"):
        load_spec(spec_file)


def test_spec_files_that_are_not_utf8_toml_name_the_problem(tmp_path):
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b'title = "Caf\xe9"\n[data]\ndataset = "mackensen2022"\n')
    with pytest.raises(SmallTrialError, match=r"^spec: latin1\.toml: not UTF-8 text \(byte 0xe9 at "
                       r"position 12\); save the file as UTF-8$"):
        load_spec(latin1)
    bom = tmp_path / "bom.toml"  # a byte-order mark (some Windows editors) is fine
    bom.write_bytes(b'\xef\xbb\xbftitle = "Caf\xc3\xa9"\n[data]\ndataset = "mackensen2022"\n')
    assert load_spec(bom).title == "Caf\u00e9"
    with pytest.raises(SmallTrialError, match=r"^spec: '.*' is a folder, not a TOML file$"):
        load_spec(tmp_path)
    with pytest.raises(SmallTrialError, match=r"^spec: file name too long \(305 bytes; at most 255\)"):
        load_spec(tmp_path / ("a" * 300 + ".toml"))
    with pytest.raises(SmallTrialError, match=r"^spec: a file name cannot contain a NUL byte"):
        load_spec("a\x00.toml")


def test_optional_items_are_recorded_only_when_set():
    spec = parse_spec(spec_with(tables=[{"name": "baseline", "optional": True}, {"name": "efficacy"}]))
    assert [t.optional for t in spec.tables] == [True, False]
    assert spec.to_dict()["tables"] == [{"name": "baseline", "file": "baseline", "optional": True,
                                         "continuous": "median-range"},  # variables: all columns
                                        {"name": "efficacy", "file": "efficacy", "outcome": "remission"}]


def test_design_section_adds_the_tables_and_figures_of_each_planned_design():
    from smalltrial.spec import parse_spec

    base = {"data": {"dataset": "phase2_onc"},
            "endpoints": {"responses": [{"name": "orr", "parameter": "ovr", "in": ["CR", "PR"]}]}}
    simon = {"response": "orr", "p0": 0.15, "p1": 0.35, "alpha": 0.1}
    tox = {"n_max": 23, "limit": 0.3, "prior": [0.6, 1.4], "rates": [0.1, 0.3]}
    bop2 = {"response": "orr", "p0": 0.15, "p1": 0.35, "n_max": 23, "looks": [10, 15]}
    by_design = parse_spec({**base, "design": [{"type": "simon", **simon},
                                               {"type": "toxicity", **tox},
                                               {"type": "bop2", **bop2}]})
    explicit = parse_spec({**base, "tables": [
        {"name": "simon_design", **simon}, {"name": "safety_monitoring", **tox},
        {"name": "efficacy_monitoring", "design": "bop2", **bop2}],
        "figures": [{"name": "monitoring_boundaries", **{k: v for k, v in tox.items() if k != "rates"}},
                    {"name": "efficacy_monitoring", "design": "bop2", **bop2}]})
    assert by_design.to_dict() == explicit.to_dict()
    assert [t.key for t in by_design.tables] == ["design[0]", "design[1]", "design[2]"]
    assert [f.file for f in by_design.figures] == ["monitoring_boundaries", "efficacy_monitoring_bop2"]
    with pytest.raises(SmallTrialError, match=r"^spec: design\[0\]\.type: missing"):
        parse_spec({**base, "design": [simon]})
    with pytest.raises(SmallTrialError, match=r"^spec: design\[0\]\.type: 'simons'; valid: 'simon'"):
        parse_spec({**base, "design": [{"type": "simons", **simon}]})
    with pytest.raises(SmallTrialError, match=r"^spec: design\[0\]\.design: is set by type = 'bop2'"):
        parse_spec({**base, "design": [{"type": "bop2", "design": "bop2", **bop2}]})
    with pytest.raises(SmallTrialError, match=r"^spec: design\[1\]\.p0: must be in \(0, 1\)"):
        parse_spec({**base, "design": [{"type": "simon", **simon},
                                       {"type": "simon", **{**simon, "p0": 1.5}}]})
