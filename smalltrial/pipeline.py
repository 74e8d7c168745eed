"""``smalltrial run``: from a trial's data to the tables and figures of a manuscript.

:func:`run` reads an analysis spec (:mod:`smalltrial.spec`), loads the data, derives the
endpoints, computes every statistic once (cached and shared by tables and figures), and writes::

    DIR/tables/<name>.{md,tex,html,docx,csv}
    DIR/figures/<name>.{png,pdf}
    DIR/report.md          all tables and figures on one page
    DIR/ard.csv            every statistic behind the tables and figures (smalltrial.ard)
    DIR/ard.parquet        the same, as Parquet (only where pyarrow is installed)
    DIR/displays.json      how each table is laid out from ard.csv (smalltrial.tables.display)
    DIR/report.html        one self-contained report: provenance, methods, tables, figures
    DIR/methods.docx       the statistical-methods paragraph with numbered references
    DIR/manifest.json      versions, input hashes, the spec, the seed, every output with its sha256

Everything is written to a temporary sibling folder first; ``DIR`` is replaced only when the
whole run succeeded, only when it is a folder smalltrial wrote (its manifest says so and lists
every file in it), and atomically, so a failed or killed run leaves the previous ``DIR``
untouched (:mod:`smalltrial._output`). The same inputs give byte-identical files (no
timestamps, no absolute paths).

Regenerate the repository's ``figures/`` folder with::

    python -m smalltrial.pipeline --update-repo-figures
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import check_choice
from smalltrial.builders import FIGURES, TABLES
from smalltrial.builders import Analysis as _Analysis
from smalltrial.builders import Skip as _Skip
from smalltrial.builders import module as _module
from smalltrial.spec import BUNDLED_ANALYSES, ItemSpec, Spec, load_spec
from smalltrial.tables.display import DISPLAYS_FILE, displays_json, with_warning_notes
from smalltrial.tables.display import Display as _Display
from smalltrial.tables.display import from_ard as _from_ard

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run", "RunResult", "update_repo_figures", "repo_figure_files", "renderer_fingerprint",
           "REPO_FIGURE_FORMATS"]

#: formats of the repository's figures/ (PNG for the README, PDF for print)
REPO_FIGURE_FORMATS = ("png", "pdf")
_PNG_DPI = 300
_DEPENDENCIES = ("numpy", "scipy", "pandas", "statsmodels", "lifelines", "matplotlib", "seaborn",
                 "python-docx")


@dataclass(frozen=True)
class RunResult(Result):
    """What :func:`run` wrote.

    Fields: ``out`` (the output folder), ``spec`` (the validated :class:`~smalltrial.spec.Spec`),
    ``tables`` (file stem -> :class:`~smalltrial.tables.Table`), ``figures`` (relative paths of
    the figure files), ``outputs`` (relative path -> sha256 of every file written, manifest
    excluded), ``manifest`` (the manifest as a dict), ``skipped`` (optional steps that could not
    run, with the reason), ``warnings`` (every warning raised during the run, ``Category:
    message``), ``statistical_warnings`` (the statistical caveats among them, each once).
    """

    out: Path
    spec: Spec = field(repr=False)
    tables: Mapping[str, Any] = field(repr=False)
    figures: tuple[str, ...]
    outputs: Mapping[str, str] = field(repr=False)
    manifest: Mapping[str, Any] = field(repr=False)
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    statistical_warnings: tuple[str, ...] = ()
    ard: Any = field(default=None, repr=False)
    #: statistical warning -> the tables/figures (ids) it was raised for ("data" for the data)
    warned_in: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (f"RunResult(out={str(self.out)!r}, tables={list(self.tables)}, "
                f"figures={len(self.figures)} files, skipped={list(self.skipped)}, "
                f"warnings={len(self.warnings)})")

    def to_frame(self) -> pd.DataFrame:
        """One row per output file: ``path, sha256``."""
        import pandas as pd

        return pd.DataFrame({"path": list(self.outputs), "sha256": list(self.outputs.values())})

    def _repr_html_(self) -> str:
        import html

        parts = [f"<h4>{html.escape(self.spec.title)}</h4>",
                 f"<p>Output: <code>{html.escape(str(self.out))}</code></p>"]
        parts.extend(t.to_html() for t in self.tables.values())
        if self.figures:
            parts.append("<p>Figures: " + ", ".join(html.escape(f) for f in self.figures) + "</p>")
        return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# the builders: run() looks each table and figure up by name in the registry
# (smalltrial.builders); a new one joins by registering itself there
# --------------------------------------------------------------------------------------------
class _ByName(dict):
    """name -> builder(ctx, item): the registry's, unless one is set here (a test's stand-in)."""

    def __init__(self, registry: Mapping[str, Callable[[Any, ItemSpec], Any]]) -> None:
        super().__init__()
        self._registry = registry

    def __missing__(self, name: str) -> Callable[[Any, ItemSpec], Any]:
        return self._registry[name]


_TABLE_BUILDERS = _ByName(TABLES)
_FIGURE_BUILDERS = _ByName(FIGURES)


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib import metadata

    from smalltrial import __version__

    out = {"python": ".".join(map(str, sys.version_info[:3])), "smalltrial": __version__}
    for dist in _DEPENDENCIES:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[dist] = "not installed"
    return out


def _load_data(spec: Spec):
    """The Trial and the list of input files (name relative to the data folder, path)."""
    if spec.dataset is not None:
        from smalltrial import datasets

        trial = datasets.load(spec.dataset)
        folder = _dataset_folder(spec.dataset)
        label = spec.dataset
    else:
        from smalltrial.trial import read_trial

        folder = spec.data_path
        if folder is None or not folder.is_dir():
            raise SmallTrialError(f"spec: data.path: {str(spec.raw['data']['path'])!r} is not a folder")
        trial = read_trial(folder)
        problems = trial.validate(raise_on_error=False)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise SmallTrialError(f"data: {problems[0]}{more}")
        from smalltrial._errors import SmallTrialWarning
        from smalltrial.trial.checks import visit_lookalikes

        for note in visit_lookalikes(trial.measurements):  # a data caveat: listed in the report
            warnings.warn(note, SmallTrialWarning, stacklevel=2)
        label = folder.name
    files = []
    if folder is not None and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.suffix != ".py":
                files.append((f"{label}/{path.name}", path))
    return trial, files


def _dataset_folder(name: str) -> Path | None:
    from importlib import resources

    try:
        root = resources.files("smalltrial.data")
    except ModuleNotFoundError:  # pragma: no cover
        return None
    folder = Path(str(root.joinpath(name)))
    return folder if folder.is_dir() else None


def _progress_printer(progress: Any) -> Callable[[int, int, str], None]:
    if callable(progress):
        return progress
    if progress is None:
        progress = sys.stderr.isatty()
    if not isinstance(progress, (bool, int)):
        raise SmallTrialError(f"progress must be True, False, None or a callable, got {progress!r}")
    if not progress:
        return lambda i, n, label: None

    def show(i: int, n: int, label: str) -> None:
        print(f"smalltrial: [{i}/{n}] {label}", file=sys.stderr, flush=True)

    return show


@contextlib.contextmanager
def _in_step(item: ItemSpec):
    """Errors raised by the statistics of a table or figure name the spec entry they came from."""
    try:
        yield
    except SmallTrialError as exc:
        message = str(exc)
        if message.startswith(("spec:", "data:")):
            raise
        raise SmallTrialError(f"{item.key} ({item.kind[:-1]} {item.file!r}): {message}") from exc


@contextlib.contextmanager
def _seeded(seed: int):
    import numpy as np

    state = np.random.get_state()
    np.random.seed(seed % (2**32))
    try:
        yield
    finally:
        np.random.set_state(state)


def _step_warnings(records: list, since: int) -> list[str]:
    """The statistical caveats (SmallTrialWarning) among ``records[since:]``, each once."""
    from smalltrial._errors import SmallTrialWarning

    out: list[str] = []
    for rec in records[since:]:
        if issubclass(rec.category, SmallTrialWarning):
            msg = " ".join(str(rec.message).split())
            if msg not in out:
                out.append(msg)
    return out


def _captions(spec: Spec, made: Mapping[str, str | None]) -> dict[str, str]:
    """Figure file -> caption: the spec's title, else the builder's, else the generic one."""
    from smalltrial.report import CAPTIONS

    return {i.file: i.title or made.get(i.file) or CAPTIONS.get(i.name, i.file)
            for i in spec.figures}


def _report(spec: Spec, tables: Mapping[str, Any], figure_files: list[str], skipped: list[str],
            warned: Mapping[str, list[str]] | None = None,
            methods: tuple[str, list[str]] | None = None,
            captions: Mapping[str, str] | None = None) -> str:
    from urllib.parse import quote

    from smalltrial.tables import markdown_escape as esc

    warned = warned or {}
    lines = [f"# {esc(spec.title)}", ""]
    if methods and methods[0]:
        lines += ["## Statistical methods", "", esc(methods[0]), ""]
        lines += [f"{i}. {esc(ref)}" for i, ref in enumerate(methods[1], start=1)]
        lines += ["", "## Tables and figures", ""]
    for table in tables.values():
        lines.append(table.to_markdown().rstrip("\n"))
        lines.append("")
    for rel in figure_files:
        if rel.endswith(".png"):
            lines.append(f"![{esc(Path(rel).stem)}]({quote(rel)})")
            lines.append("")
            caption = (captions or {}).get(Path(rel).stem)
            if caption:
                lines += [f"*{esc(caption)}*", ""]
    if any(warned.values()):
        lines.append("Statistical warnings:")
        for where, notes in warned.items():
            lines.extend(f"- {esc(where)}: {esc(n)}" for n in notes)
        lines.append("")
    if skipped:
        lines.append("Not produced in this installation:")
        lines.extend(f"- {esc(s)}" for s in skipped)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _methods(spec: Spec, tables: Mapping[str, Any], figure_files: list[str],
             ctx: Any) -> tuple[str, list[str]]:
    """The methods paragraph and references of the items that were made."""
    from smalltrial.methods import methods_paragraph

    made = [i.key for i in spec.tables if i.file in tables]
    made += [i.key for i in spec.figures if any(f.startswith(f"figures/{i.file}.") for f in figure_files)]
    parameters = dict.fromkeys(ctx.trial.measurements["parameter"].astype(str))
    labels = {p: ctx.labels.short(p) for p in parameters}
    return methods_paragraph(spec, made, labels=labels)


def _report_html(spec: Spec, tables: Mapping[str, Any], figure_files: list[str],
                 skipped: list[str], warned: Mapping[str, list[str]], state: Mapping[str, Any],
                 folder: Path, methods: tuple[str, list[str]]) -> str:
    from smalltrial.report import figure_entries, report_html

    captions = _captions(spec, state.get("captions", {}))
    provenance = {"versions": _versions(), "inputs": state["inputs"], "spec_file": spec.source,
                  "seed": spec.seed}
    return report_html(title=spec.title, tables=tables,
                       figures=figure_entries(folder, figure_files, captions),
                       provenance=provenance, methods=methods[0], references=methods[1],
                       warnings=warned, skipped=skipped)


def _input_files(files: list[tuple[str, Path]]) -> list[dict[str, Any]]:
    """Manifest entries of the input files: only regular files inside the data folder (a link
    that leads outside it is neither hashed nor recorded)."""
    entries = []
    for name, path in files:
        real = Path(os.path.realpath(path))
        if not real.is_file() or not real.is_relative_to(os.path.realpath(path.parent)):
            continue
        entries.append({"path": name, "sha256": _sha256(real), "bytes": real.stat().st_size})
    return entries


def run(spec_or_path: Any = None, out: str | os.PathLike[str] | None = None,
        progress: Any = None) -> RunResult:
    """Run an analysis spec: data -> statistics -> tables and figures in ``out``.

    Parameters
    ----------
    spec_or_path : path, dict, Spec or None
        A TOML spec file, a spec dict, a :class:`smalltrial.spec.Spec`, a bundled analysis name
        (``"mackensen2022"``, ``"muller2024"``) or None for the bundled mackensen2022 analysis.
    out : path, optional
        The output folder, anywhere; default the spec's ``output`` (``"smalltrial-output"``),
        relative to the spec file's folder (to the current folder for a dict or a bundled
        analysis). A symbolic link is followed. An existing folder is replaced only when the run
        succeeds, and only if it is empty or a smalltrial output that nobody changed: its
        manifest.json carries the smalltrial format marker and lists every file in the folder.
        Anything else raises :class:`~smalltrial.SmallTrialError` and leaves the folder as it was.
        The new folder is swapped in atomically (see :mod:`smalltrial._output`).
    progress : bool or callable, optional
        Print one line per step on stderr; default: only when stderr is a terminal. A callable
        gets ``(step, n_steps, label)``.

    Returns
    -------
    RunResult
        The tables, the files written with their sha256, skipped steps and warnings.

    A table or figure that cannot be made in this installation (a module it needs is missing)
    is an error, unless its spec entry says ``optional = true`` (then it is listed in
    ``skipped``). Statistical caveats (:class:`~smalltrial.SmallTrialWarning`) raised while a
    table is made become footnotes of that table; every caveat is listed in the report and the
    manifest and on ``RunResult.warnings`` (the command line prints each once on stderr).

    Each statistic is computed once and shared by the tables and figures that show it. Figures
    are written with fixed metadata (``smalltrial.figures.save``), Word files with fixed
    document dates and zip timestamps, and the manifest has no timestamps or absolute paths,
    so the same inputs give byte-identical outputs.

    Examples
    --------
    A one-table spec (``run()`` without a spec runs the whole bundled analysis, with figures):

    >>> import tempfile
    >>> spec = {"data": {"dataset": "mackensen2022"},
    ...         "tables": [{"name": "efficacy", "visits": ["month 3"]}]}
    >>> result = run(spec, out=tempfile.mkdtemp() + "/out", progress=False)
    >>> result.tables["efficacy"].rows[0].cells
    ('Month 3', '5/5 (100%) [47.8–100]')
    >>> [p for p in sorted(result.outputs) if "/" not in p and p != "ard.parquet"]
    ['ard.csv', 'displays.json', 'methods.docx', 'report.html', 'report.md']
    """
    from smalltrial import _output

    spec = load_spec(spec_or_path)
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise SmallTrialError(f"out must be a folder path, got {type(out).__name__} {out!r}")
    if out is None:
        out = spec.output_path if spec.output_path is not None else spec.output
    out_path = Path(os.path.abspath(out))
    real_out = _output.resolve(out_path)  # a symbolic link is followed, not replaced
    show = _progress_printer(progress)
    _output.recover(real_out)  # what a killed run left behind
    _output.check_replaceable(real_out)

    steps: list[tuple[str, Callable[[], None]]] = []
    state: dict[str, Any] = {"records": []}
    tables: dict[str, Any] = {}
    displays: dict[str, Any] = {}
    table_ards: dict[str, Any] = {}  # table id -> its ARD rows (laid out from, written once)
    captions: dict[str, str | None] = {}  # figure file -> the builder's caption
    figure_files: list[str] = []
    skipped: list[str] = []
    warned: dict[str, list[str]] = {}

    def load() -> None:
        trial, files = _load_data(spec)
        state["ctx"] = _Analysis(trial, spec)
        state["ctx"].groups()  # the grouping column must exist
        state["inputs"] = _input_files(files)

    steps.append(("load data", load))

    def cannot_make(item: ItemSpec, why: _Skip) -> None:
        if not item.optional:
            raise SmallTrialError(
                f"{item.key} ({item.kind[:-1]} {item.file!r}) cannot be made in this installation: "
                f"{why}; install what it needs, or mark it 'optional = true' in the spec")
        skipped.append(f"{item.kind}/{item.file} ({why})")

    for item in spec.tables:
        def make_table(item=item) -> None:
            since = len(state["records"])
            try:
                with _in_step(item), state["ctx"].recording(f"tables/{item.file}"):
                    table = _TABLE_BUILDERS[item.name](state["ctx"], item)
            except _Skip as why:
                cannot_make(item, why)
                return
            tid = f"tables/{item.file}"
            notes = _step_warnings(state["records"], since)
            if notes:
                warned[tid] = notes
            if isinstance(table, _Display):  # laid out from the table's ARD rows
                from smalltrial import ard as _ard

                display = dataclasses.replace(table, number=len(tables) + 1, warnings=tuple(notes))
                rows = _ard.collect(state["ctx"], {tid: state["ctx"].used.get(tid, [])})
                table_ards[tid] = rows
                table = _from_ard(rows, display)
                displays[tid] = display
            else:
                table = table.numbered(len(tables) + 1)  # Table 1, 2, ... in the run's order
                table = with_warning_notes(table, notes)
            tables[item.file] = table
            table.save(state["tmp"] / "tables" / item.file)

        steps.append((f"table {item.file}", make_table))

    for item in spec.figures:
        def make_figure(item=item) -> None:
            since = len(state["records"])
            try:
                with _in_step(item), state["ctx"].recording(f"figures/{item.file}"):
                    fig = _FIGURE_BUILDERS[item.name](state["ctx"], item)
            except _Skip as why:
                cannot_make(item, why)
                return
            notes = _step_warnings(state["records"], since)
            if notes:
                warned[f"figures/{item.file}"] = notes
            captions[item.file] = getattr(fig, "_smalltrial_caption", None)
            figures = _module("figures")
            import matplotlib.pyplot as plt

            try:
                if item.title and fig.axes:
                    ax = fig.axes[0]
                    ax.set_title(item.title, loc="left", fontsize=ax.yaxis.label.get_size())
                stem = state["tmp"] / "figures" / item.file
                for fmt in item.options["formats"]:
                    figures.save(fig, stem, formats=[fmt], dpi=_PNG_DPI if fmt == "png" else None)
                    figure_files.append(f"figures/{item.file}.{fmt}")
            finally:
                plt.close(fig)

        steps.append((f"figure {item.file}", make_figure))

    with _output.TempOutput(real_out) as work:
        tmp = work.path
        state["tmp"] = tmp
        state["captions"] = captions
        (tmp / "tables").mkdir()
        (tmp / "figures").mkdir()
        with warnings.catch_warnings(record=True) as records, _seeded(spec.seed):
            warnings.simplefilter("always")
            state["records"] = records
            n = len(steps) + 1
            for i, (label, step) in enumerate(steps, start=1):
                show(i, n, label)
                since = len(records)
                step()
                if i == 1:  # caveats about the data (not tied to one table or figure)
                    notes = _step_warnings(records, since)
                    if notes:
                        warned["data"] = notes
            show(n, n, "manifest")
        caught: list[str] = []
        for rec in records:
            msg = f"{rec.category.__name__}: {rec.message}"
            if msg not in caught:
                caught.append(msg)
        statistical = list(dict.fromkeys(n for notes in warned.values() for n in notes))
        methods = _methods(spec, tables, figure_files, state["ctx"])
        (tmp / "report.md").write_bytes(
            _report(spec, tables, figure_files, skipped, warned, methods,
                    _captions(spec, captions)).encode("utf-8"))
        from smalltrial import ard as _ard

        ard = _ard.collect(state["ctx"], state["ctx"].used,
                           {f"tables/{k}": t.footnotes for k, t in tables.items()}, table_ards)
        _ard.write_ard(ard, tmp / "ard.csv")
        if _ard.has_parquet():  # the same ARD for R/arrow users; pyarrow is optional
            (tmp / "ard.parquet").write_bytes(_ard.ard_parquet_bytes(ard))
        (tmp / DISPLAYS_FILE).write_bytes(displays_json(displays))
        from smalltrial.methods import methods_docx

        (tmp / "methods.docx").write_bytes(methods_docx(*methods))
        (tmp / "report.html").write_bytes(_report_html(spec, tables, figure_files, skipped, warned,
                                                       state, tmp, methods).encode("utf-8"))
        outputs = {}
        for path in sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != _output.PARTIAL_MARK):
            outputs[path.relative_to(tmp).as_posix()] = _sha256(path)
        manifest = {
            "format": _output.FORMAT,
            "format_version": _output.FORMAT_VERSION,
            "versions": _versions(),
            "spec_file": spec.source,
            "spec": spec.to_dict(),
            "seed": spec.seed,
            "inputs": state["inputs"],
            "outputs": [{"path": k, "sha256": v} for k, v in outputs.items()],
            "skipped": skipped,
            "warnings": caught,
        }
        (tmp / _output.MANIFEST).write_bytes(
            (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
        work.commit()
    return RunResult(out=out_path, spec=spec, tables=tables, figures=tuple(figure_files),
                     outputs=outputs, manifest=manifest, skipped=tuple(skipped),
                     warnings=tuple(caught), statistical_warnings=tuple(statistical), ard=ard,
                     warned_in={n: tuple(w for w, notes in warned.items() if n in notes)
                                for n in statistical})


# --------------------------------------------------------------------------------------------
# the repository's figures/ folder
# --------------------------------------------------------------------------------------------
def repo_figure_files(result: RunResult) -> dict[str, bytes]:
    """What ``figures/<analysis>/`` holds for a run: its PNG and PDF figures and ``tables.md``
    (every table in Markdown, for the README), file name -> bytes.

    Parameters
    ----------
    result : RunResult
        The result of :func:`run`.

    >>> import tempfile
    >>> spec = {"data": {"dataset": "mackensen2022"}, "tables": [{"name": "efficacy"}]}
    >>> files = repo_figure_files(run(spec, out=tempfile.mkdtemp() + "/out", progress=False))
    >>> sorted(files), files["tables.md"].decode().splitlines()[0]
    (['tables.md'], '**Table 1. DORIS remission by visit**')
    """
    if not isinstance(result, RunResult):
        raise SmallTrialError(f"result must be a RunResult from run(), got {type(result).__name__}")
    files: dict[str, bytes] = {}
    for rel in result.figures:
        if Path(rel).suffix.lstrip(".") in REPO_FIGURE_FORMATS:
            files[Path(rel).name] = (result.out / rel).read_bytes()
    md = "\n".join(t.to_markdown() for t in result.tables.values())
    files["tables.md"] = md.encode("utf-8")
    return files


def renderer_fingerprint() -> dict[str, str]:
    """The software that decides the bytes of a figure: matplotlib, FreeType and the font.

    >>> sorted(renderer_fingerprint())
    ['font', 'freetype', 'matplotlib']
    """
    import matplotlib
    from matplotlib import ft2font

    from smalltrial import figures

    return {"matplotlib": matplotlib.__version__, "freetype": ft2font.__freetype_version__,
            "font": figures.resolve_font()}


def update_repo_figures(dest: str | os.PathLike[str], *, analyses: tuple[str, ...] = BUNDLED_ANALYSES
                        ) -> list[Path]:
    """Run the bundled analyses and write their figures to ``dest/<analysis>/`` (PNG and PDF).

    Also writes ``dest/<analysis>/tables.md`` and ``dest/renderer.json`` (the matplotlib,
    FreeType and font that rendered the figures: byte-identical figures need the same ones).
    Files no longer produced are removed, so ``dest`` mirrors the current analyses exactly.

    Parameters
    ----------
    dest : path
        The figures folder (the repository's ``figures/``).
    analyses : tuple of str
        Bundled analyses to run (default all of ``smalltrial.spec.BUNDLED_ANALYSES``).

    Returns the paths written. Command line: ``python -m smalltrial.pipeline
    --update-repo-figures``.

    >>> import tempfile  # the run renders every figure (seconds), so it is not run here
    >>> paths = update_repo_figures(tempfile.mkdtemp(), analyses=("mackensen2022",))  # doctest: +SKIP
    """
    if isinstance(analyses, str) or not isinstance(analyses, (tuple, list)) or not analyses:
        raise SmallTrialError(f"analyses must be a tuple of bundled analysis names "
                              f"({', '.join(map(repr, BUNDLED_ANALYSES))}), got {analyses!r}")
    for name in analyses:
        check_choice(name, "analyses", BUNDLED_ANALYSES)
    dest = Path(dest)
    written = []
    with tempfile.TemporaryDirectory() as work:
        for name in analyses:
            result = run(name, out=Path(work) / name, progress=False)
            target = dest / name
            target.mkdir(parents=True, exist_ok=True)
            files = repo_figure_files(result)
            for fname, data in files.items():
                (target / fname).write_bytes(data)
                written.append(target / fname)
            for old in target.iterdir():
                if old.is_file() and old.name not in files:
                    old.unlink()
    fingerprint = json.dumps(renderer_fingerprint(), indent=2, sort_keys=True) + "\n"
    (dest / "renderer.json").write_bytes(fingerprint.encode("utf-8"))
    written.append(dest / "renderer.json")
    return written


def _main(argv: list[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    import argparse

    repo = Path(__file__).resolve().parents[1]
    default = repo / "figures" if (repo / "analyses").is_dir() else Path("figures")
    parser = argparse.ArgumentParser(prog="python -m smalltrial.pipeline")
    parser.add_argument("--update-repo-figures", metavar="DIR", nargs="?", const=str(default),
                        help=f"regenerate the repository's figures folder (default: {default})")
    args = parser.parse_args(argv)
    if args.update_repo_figures:
        for path in update_repo_figures(args.update_repo_figures):
            print(path)
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
