"""``smalltrial run``: from a trial's data to the tables and figures of a manuscript.

:func:`run` reads an analysis spec (:mod:`smalltrial.spec`), loads the data, derives the
endpoints, computes every statistic once (cached and shared by tables and figures), and writes::

    DIR/tables/<name>.{md,tex,html,docx,csv}
    DIR/figures/<name>.{png,pdf}
    DIR/report.md          all tables and figures on one page
    DIR/manifest.json      versions, input hashes, the spec, the seed, every output with its sha256

Everything is written to a temporary sibling folder first; ``DIR`` is replaced only when the
whole run succeeded, so a failed run leaves the previous ``DIR`` untouched. The same inputs give
byte-identical files (no timestamps, no absolute paths).

Regenerate the repository's ``figures/`` folder with::

    python -m smalltrial.pipeline --update-repo-figures
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
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
    excluded), ``manifest`` (the manifest as a dict), ``skipped`` (steps that could not run, with
    the reason), ``warnings`` (statistical caveats raised during the run).
    """

    out: Path
    spec: Spec = field(repr=False)
    tables: Mapping[str, Any] = field(repr=False)
    figures: tuple[str, ...]
    outputs: Mapping[str, str] = field(repr=False)
    manifest: Mapping[str, Any] = field(repr=False)
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

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


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise SmallTrialError(f"out: {str(out)!r} exists and is not a folder")
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise SmallTrialError(
                f"out: folder {str(out)!r} exists and is not a smalltrial output (no manifest.json); "
                "choose another folder or empty it"
            )


def _replace(tmp: Path, out: Path) -> None:
    """Move ``tmp`` to ``out``; an existing ``out`` is replaced only once ``tmp`` is complete."""
    if not out.exists():
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _report(spec: Spec, tables: Mapping[str, Any], figure_files: list[str], skipped: list[str]) -> str:
    lines = [f"# {spec.title}", ""]
    for table in tables.values():
        lines.append(table.to_markdown().rstrip("\n"))
        lines.append("")
    for rel in figure_files:
        if rel.endswith(".png"):
            lines.append(f"![{Path(rel).stem}]({rel})")
            lines.append("")
    if skipped:
        lines.append("Not produced in this installation:")
        lines.extend(f"- {s}" for s in skipped)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def run(spec_or_path: Any = None, out: str | os.PathLike[str] | None = None,
        progress: Any = None) -> RunResult:
    """Run an analysis spec: data -> statistics -> tables and figures in ``out``.

    Parameters
    ----------
    spec_or_path : path, dict, Spec or None
        A TOML spec file, a spec dict, a :class:`smalltrial.spec.Spec`, a bundled analysis name
        (``"mackensen2022"``, ``"muller2024"``) or None for the bundled mackensen2022 analysis.
    out : path, optional
        The output folder; default the spec's ``output`` (``"smalltrial-output"``), relative
        to the current directory. An existing folder is replaced only when the run succeeds, and
        only if it is empty or an earlier smalltrial output (it has a manifest.json).
    progress : bool or callable, optional
        Print one line per step on stderr; default: only when stderr is a terminal. A callable
        gets ``(step, n_steps, label)``.

    Returns
    -------
    RunResult
        The tables, the files written with their sha256, skipped steps and warnings.

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
    >>> sorted(result.outputs)[:3]
    ['report.md', 'tables/efficacy.csv', 'tables/efficacy.docx']
    """
    spec = load_spec(spec_or_path)
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise SmallTrialError(f"out must be a folder path, got {type(out).__name__} {out!r}")
    out_path = Path(out if out is not None else spec.output)
    out_path = Path(os.path.abspath(out_path))
    show = _progress_printer(progress)
    _prepare_out(out_path)

    steps: list[tuple[str, Callable[[], None]]] = []
    state: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    figure_files: list[str] = []
    skipped: list[str] = []

    def load() -> None:
        trial, files = _load_data(spec)
        state["ctx"] = _Analysis(trial, spec)
        state["ctx"].groups()  # the grouping column must exist
        state["inputs"] = [{"path": name, "sha256": _sha256(p), "bytes": p.stat().st_size}
                           for name, p in files]

    steps.append(("load data", load))

    for item in spec.tables:
        def make_table(item=item) -> None:
            try:
                with _in_step(item):
                    table = _TABLE_BUILDERS[item.name](state["ctx"], item)
            except _Skip as why:
                skipped.append(f"tables/{item.file} ({why})")
                return
            tables[item.file] = table
            table.save(state["tmp"] / "tables" / item.file)

        steps.append((f"table {item.file}", make_table))

    for item in spec.figures:
        def make_figure(item=item) -> None:
            try:
                with _in_step(item):
                    fig = _FIGURE_BUILDERS[item.name](state["ctx"], item)
            except _Skip as why:
                skipped.append(f"figures/{item.file} ({why})")
                return
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

    parent = out_path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.tmp-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    state["tmp"] = tmp
    caught: list[str] = []
    try:
        (tmp / "tables").mkdir()
        (tmp / "figures").mkdir()
        with warnings.catch_warnings(record=True) as records, _seeded(spec.seed):
            warnings.simplefilter("always")
            n = len(steps) + 1
            for i, (label, step) in enumerate(steps, start=1):
                show(i, n, label)
                step()
            show(n, n, "manifest")
        for rec in records:
            msg = f"{rec.category.__name__}: {rec.message}"
            if msg not in caught:
                caught.append(msg)
        (tmp / "report.md").write_bytes(_report(spec, tables, figure_files, skipped).encode("utf-8"))
        outputs = {}
        for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
            outputs[path.relative_to(tmp).as_posix()] = _sha256(path)
        manifest = {
            "smalltrial_manifest": 1,
            "versions": _versions(),
            "spec_file": spec.source,
            "spec": spec.to_dict(),
            "seed": spec.seed,
            "inputs": state["inputs"],
            "outputs": [{"path": k, "sha256": v} for k, v in outputs.items()],
            "skipped": skipped,
            "warnings": caught,
        }
        (tmp / "manifest.json").write_bytes(
            (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
        _replace(tmp, out_path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunResult(out=out_path, spec=spec, tables=tables, figures=tuple(figure_files),
                     outputs=outputs, manifest=manifest, skipped=tuple(skipped),
                     warnings=tuple(caught))


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
    (['tables.md'], '**Table 2. DORIS remission by visit**')
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
