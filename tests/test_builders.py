"""smalltrial.builders: the registry of table and figure builders behind ``smalltrial run``."""

from __future__ import annotations

import pytest

from smalltrial import SmallTrialError, builders
from smalltrial.builders import register_figure, register_table
from smalltrial.pipeline import run
from smalltrial.spec import FIGURE_OPTIONS, REQUIRED, TABLE_OPTIONS, parse_spec

MINIMAL = {"data": {"dataset": "mackensen2022"}}


@pytest.fixture
def scratch_registry():
    """Builders registered inside a test are removed afterwards."""
    tables, figures = dict(builders.TABLES), dict(builders.FIGURES)
    yield
    for registry, before in ((builders.TABLES, tables), (builders.FIGURES, figures)):
        registry.clear()
        registry.update(before)


def test_every_documented_item_is_registered_with_its_schema():
    assert sorted(builders.TABLES) == ["adverse_events", "baseline", "efficacy", "longitudinal",
                                       "time_to_event"]
    assert sorted(builders.FIGURES) == ["bcell_kinetics", "forest", "km_plot", "swimmer",
                                        "trajectories", "waterfall"]
    # the spec's option tables are read from the registry, not kept twice
    assert TABLE_OPTIONS == {n: dict(b.options) for n, b in builders.TABLES.items()}
    assert FIGURE_OPTIONS == {n: dict(b.options) for n, b in builders.FIGURES.items()}
    assert builders.TABLES["longitudinal"].options["parameter"][1] is REQUIRED
    for b in (*builders.TABLES.values(), *builders.FIGURES.values()):
        assert callable(b.build) and b.kind in ("table", "figure")


def test_default_file_stems_come_from_the_registered_stem_options():
    spec = parse_spec({**MINIMAL,
                       "tables": [{"name": "longitudinal", "parameter": "c3"}],
                       "figures": [{"name": "km_plot", "endpoint": "relapse"},
                                   {"name": "swimmer"}]})
    assert [t.file for t in spec.tables] == ["longitudinal_c3"]
    assert [f.file for f in spec.figures] == ["km_plot_relapse", "swimmer"]


def test_a_new_table_joins_the_run_without_touching_the_pipeline(tmp_path, scratch_registry):
    from smalltrial.tables import Row, Table

    @register_table("patient_count", options={"label": ("str", "Patients", None),
                                              "cohorts": ("list[str]", REQUIRED, None)})
    def patient_count(ctx, item):
        subj = ctx.trial.subjects
        rows = [Row((c, str(int((subj[ctx.by] == c).sum())))) for c in item.options["cohorts"]]
        return Table(title=item.title or "Patients", columns=(item.options["label"], "n"),
                     rows=tuple(rows), name=item.file)

    spec = {**MINIMAL, "tables": [{"name": "patient_count", "cohorts": ["SLE"], "label": "Cohort"}]}
    result = run(spec, out=tmp_path / "out", progress=False)
    table = result.tables["patient_count"]
    assert table.columns == ("Cohort", "n")
    assert table.rows[0].cells == ("SLE", "5")  # Mackensen 2022: five patients with SLE
    assert (tmp_path / "out" / "tables" / "patient_count.md").is_file()
    # its options are validated like the built-in ones: unknown and missing keys are named
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.labels: unknown key; valid: "
                       r"'cohorts', 'file', 'label', 'name', 'optional', 'title'"):
        parse_spec({**MINIMAL, "tables": [{"name": "patient_count", "cohorts": [], "labels": "x"}]})
    with pytest.raises(SmallTrialError, match=r"tables\[0\]\.cohorts: missing \(required\)"):
        parse_spec({**MINIMAL, "tables": [{"name": "patient_count"}]})


def test_a_check_hook_validates_what_a_type_cannot(scratch_registry):
    def positive(key, opts):
        if opts["n"] < 1:
            raise SmallTrialError(f"spec: {key}.n: must be >= 1, got {opts['n']}")
        return opts

    @register_figure("dots", options={"n": ("int", 1, None)}, check=positive, stem=("n",))
    def dots(ctx, item):  # pragma: no cover - never drawn here
        raise AssertionError

    assert parse_spec({**MINIMAL, "figures": [{"name": "dots", "n": 3}]}).figures[0].file == "dots_3"
    with pytest.raises(SmallTrialError, match=r"spec: figures\[0\]\.n: must be >= 1, got 0"):
        parse_spec({**MINIMAL, "figures": [{"name": "dots", "n": 0}]})


def test_forest_external_entries_are_checked_by_the_forest_builder():
    bad = {**MINIMAL, "figures": [{"name": "forest", "external": [{"label": "A", "x": 5, "n": 4}]}]}
    with pytest.raises(SmallTrialError, match=r"figures\[0\]\.external\[0\]: need 0 <= x <= n"):
        parse_spec(bad)
    bad["figures"][0]["external"] = [{"label": "A", "x": 1}]
    with pytest.raises(SmallTrialError, match=r"figures\[0\]\.external\[0\]\.n: missing"):
        parse_spec(bad)


def test_registration_errors(scratch_registry):
    with pytest.raises(SmallTrialError, match="name: a table name must be an identifier"):
        register_table("two words")
    with pytest.raises(SmallTrialError, match="stem: 'parameter' is not an option"):
        register_figure("nothing", stem=("parameter",))

    @register_table("once")
    def first(ctx, item):  # pragma: no cover
        return None

    with pytest.raises(SmallTrialError, match="table 'once' is already registered"):
        @register_table("once")
        def second(ctx, item):  # pragma: no cover
            return None
