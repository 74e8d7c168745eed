"""Journal styles, the colour-blind-safe palette, figure sizes and deterministic saving.

Nothing here changes matplotlib's global state except :func:`use_style` (which is asked to):
styles are applied with ``matplotlib.rc_context`` and figures are plain
``matplotlib.figure.Figure`` objects on an Agg canvas (no pyplot, no backend switch).
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import dataclasses
import functools
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._validate import check_choice, check_count

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FONT_CANDIDATES",
    "OKABE_ITO",
    "PALETTE",
    "MM_PER_INCH",
    "JournalStyle",
    "STYLES",
    "style",
    "use_style",
    "style_params",
    "resolve_font",
    "figure_size",
    "new_figure",
    "save",
    "render",
    "active_style",
]

MM_PER_INCH = 25.4

#: Okabe & Ito (2008) colour-universal-design palette, by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: The order in which series are coloured (yellow last: it is faint on white).
PALETTE: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

#: Preferred sans-serif fonts, first installed TrueType one wins. Liberation Sans is
#: metric-compatible with Arial; DejaVu Sans ships with matplotlib, so the chain always ends.
FONT_CANDIDATES: tuple[str, ...] = ("Arial", "Helvetica", "Liberation Sans", "DejaVu Sans")


@dataclasses.dataclass(frozen=True)
class JournalStyle:
    """Layout rules of one journal (sizes in mm and pt).

    Widths are the journals' column widths as published in their author guides (Nature:
    89/183 mm; NEJM and Lancet: approximate, production redraws figures to house style).
    """

    name: str
    widths_mm: dict[float, float]  # columns -> width in mm
    max_height_mm: float
    font_size: float  # axis labels, titles
    small_font_size: float  # tick labels, legends, annotations
    line_width: float  # data lines
    axes_line_width: float
    dpi: int  # default raster resolution of save()
    aspect: float = 0.75  # default height / width

    def width_mm(self, columns: float = 1) -> float:
        """Figure width in mm for ``columns`` (1, 1.5 or 2 journal columns, as the style has)."""
        if columns not in self.widths_mm:
            raise SmallTrialError(
                f"columns must be one of {sorted(self.widths_mm)} for style {self.name!r}; "
                f"got {columns!r}"
            )
        return self.widths_mm[columns]


STYLES: dict[str, JournalStyle] = {
    "nature": JournalStyle(
        "nature", {1: 89.0, 1.5: 136.0, 2: 183.0}, 247.0, 7.0, 6.0, 0.75, 0.5, 600
    ),
    "nejm": JournalStyle("nejm", {1: 86.0, 2: 178.0}, 229.0, 8.0, 7.0, 0.9, 0.6, 600),
    "lancet": JournalStyle("lancet", {1: 75.0, 2: 154.0}, 230.0, 7.0, 6.5, 0.8, 0.5, 600),
    "default": JournalStyle(
        "default", {1: 89.0, 1.5: 136.0, 2: 183.0}, 247.0, 8.0, 7.0, 1.0, 0.7, 300
    ),
}

_ACTIVE: contextvars.ContextVar[tuple[str, str | None] | None] = contextvars.ContextVar(
    "smalltrial_figure_style", default=None
)


def _get_style(name: str) -> JournalStyle:
    check_choice(name, "style", list(STYLES))
    return STYLES[name]


@functools.cache
def resolve_font(candidates: tuple[str, ...] = FONT_CANDIDATES) -> str:
    """Return the first of ``candidates`` installed as a TrueType (.ttf) font.

    Only TrueType files qualify, so PDFs can embed the font as Type 42 (``pdf.fonttype 42``).
    The result depends on the machine's fonts, never on chance; it ends at matplotlib's
    bundled DejaVu Sans. Record it next to the figures (``smalltrial run`` does).

    Example
    -------
    >>> resolve_font(("No Such Font", "DejaVu Sans"))
    'DejaVu Sans'
    """
    from matplotlib import font_manager

    installed = {
        entry.name
        for entry in font_manager.fontManager.ttflist
        if entry.fname.lower().endswith(".ttf")
    }
    for name in candidates:
        if name in installed:
            return name
    return "DejaVu Sans"


def style_params(name: str = "default", *, font: str | None = None) -> dict[str, Any]:
    """matplotlib rcParams of a journal style (fonts resolved explicitly, no grid, Agg-safe).

    Example
    -------
    >>> style_params("nature")["font.size"], style_params("nature")["axes.grid"]
    (7.0, False)
    """
    from cycler import cycler

    st = _get_style(name)
    if font is not None and (not isinstance(font, str) or not font.strip()):
        raise SmallTrialError(f"font must be a font family name, got {font!r}")
    family = font if font is not None else resolve_font()
    width = st.width_mm(1) / MM_PER_INCH
    small = st.small_font_size
    return {
        "font.family": [family, "DejaVu Sans"],
        "font.size": st.font_size,
        "axes.titlesize": st.font_size,
        "axes.labelsize": st.font_size,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "legend.fontsize": small,
        "legend.title_fontsize": small,
        "figure.titlesize": st.font_size,
        "mathtext.default": "regular",
        "axes.unicode_minus": True,
        "axes.grid": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": st.axes_line_width,
        "axes.edgecolor": "#000000",
        "axes.labelpad": 2.0,
        "axes.titlepad": 3.0,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "xtick.major.width": st.axes_line_width,
        "ytick.major.width": st.axes_line_width,
        "xtick.minor.width": st.axes_line_width * 0.8,
        "ytick.minor.width": st.axes_line_width * 0.8,
        "xtick.major.size": 2.5,
        "ytick.major.size": 2.5,
        "xtick.minor.size": 1.5,
        "ytick.minor.size": 1.5,
        "xtick.major.pad": 2.0,
        "ytick.major.pad": 2.0,
        "lines.linewidth": st.line_width,
        "lines.markersize": 3.0,
        "patch.linewidth": st.axes_line_width,
        "hatch.linewidth": st.axes_line_width,
        "errorbar.capsize": 0.0,
        "legend.frameon": False,
        "legend.handlelength": 1.5,
        "legend.borderaxespad": 0.3,
        "legend.columnspacing": 1.0,
        "figure.figsize": (width, width * st.aspect),
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "savefig.dpi": st.dpi,
        "savefig.facecolor": "white",
        "savefig.bbox": None,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "none",
        "svg.hashsalt": "smalltrial",
        "path.simplify": True,
        "image.cmap": "viridis",
    }


@contextlib.contextmanager
def style(name: str = "default", *, font: str | None = None) -> Iterator[JournalStyle]:
    """Context manager: draw in a journal style without touching global state.

    Parameters
    ----------
    name : {"nature", "nejm", "lancet", "default"}
    font : a font family to use instead of the resolved Arial -> Helvetica -> Liberation Sans
        -> DejaVu Sans chain (e.g. ``"DejaVu Sans"`` for machine-independent baselines).

    Example
    -------
    >>> from smalltrial import figures
    >>> with figures.style("nature"):
    ...     fig = figures.new_figure()
    """
    import matplotlib

    params = style_params(name, font=font)
    token = _ACTIVE.set((name, font))
    try:
        with matplotlib.rc_context(params):
            yield STYLES[name]
    finally:
        _ACTIVE.reset(token)


_style_context = style


def use_style(name: str | None = "default", *, font: str | None = None) -> JournalStyle | None:
    """Apply a journal style to matplotlib's global rcParams (permanent, for notebooks).

    Prefer the :func:`style` context manager in scripts and libraries: this one changes global
    state. ``use_style(None)`` forgets the smalltrial style and restores matplotlib's defaults
    (``matplotlib.rcdefaults()``).

    Example
    -------
    >>> use_style("lancet").name
    'lancet'
    >>> use_style(None)  # back to matplotlib's defaults
    """
    import matplotlib

    if name is None:
        _ACTIVE.set(None)
        matplotlib.rcdefaults()
        return None
    matplotlib.rcParams.update(style_params(name, font=font))
    _ACTIVE.set((name, font))
    return STYLES[name]


def active_style() -> tuple[str, str | None] | None:
    """The (style, font) set by the innermost :func:`style` / :func:`use_style`, or None.

    >>> with style("nature"):
    ...     active_style()[0]
    'nature'
    """
    return _ACTIVE.get()


def figure_size(
    style: str = "default",
    columns: float = 1,
    *,
    height_mm: float | None = None,
    aspect: float | None = None,
) -> tuple[float, float]:
    """Figure size in inches for a journal column width.

    Parameters
    ----------
    style : journal style name.
    columns : 1 (single column), 2 (double), or 1.5 where the journal has it.
    height_mm : height in mm; default ``width * aspect``; must not exceed the journal's maximum.
    aspect : height / width when ``height_mm`` is not given (default: the style's, 0.75).

    Example
    -------
    >>> [round(v, 3) for v in figure_size("nature", 1, height_mm=60)]
    [3.504, 2.362]
    """
    st = _get_style(style)
    width = st.width_mm(columns)
    if height_mm is None:
        ratio = st.aspect if aspect is None else float(aspect)
        if not ratio > 0:
            raise SmallTrialError(f"aspect must be > 0, got {aspect!r}")
        height_mm = width * ratio
    height_mm = float(height_mm)
    if not 0 < height_mm <= st.max_height_mm:
        raise SmallTrialError(
            f"height_mm must be in (0, {st.max_height_mm:g}] for style {style!r}; got {height_mm!r}"
        )
    return (width / MM_PER_INCH, height_mm / MM_PER_INCH)


def _resolve(style_name: str | None) -> tuple[str, str | None]:
    if style_name is not None:
        _get_style(style_name)
        active = _ACTIVE.get()
        font = active[1] if active is not None and active[0] == style_name else None
        return style_name, font
    active = _ACTIVE.get()
    return active if active is not None else ("default", None)


@contextlib.contextmanager
def _drawing(style_name: str | None, ax: Any = None) -> Iterator[tuple[str, str | None] | None]:
    """Apply the requested (or active) style while a builder draws.

    With ``ax`` given and no style requested or active, the caller's rcParams are left alone.
    """
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise SmallTrialError(f"ax must be a matplotlib Axes, got {type(ax).__name__} {ax!r}")
    if ax is not None and style_name is None and _ACTIVE.get() is None:
        yield None
        return
    name, font = _resolve(style_name)
    with style(name, font=font):
        yield (name, font)


def new_figure(
    style: str | None = None,
    columns: float = 1,
    *,
    height_mm: float | None = None,
    aspect: float | None = None,
    nrows: int = 1,
    ncols: int = 1,
    **subplot_kw: Any,
) -> tuple[Figure, Any]:
    """A new Figure (Agg canvas, constrained layout) in a journal style, and its Axes.

    Parameters
    ----------
    style : str, optional
        A name in :data:`STYLES`; default the active style (else ``"default"``).
    columns, height_mm, aspect : as :func:`figure_size`.
    nrows, ncols : int
        Grid of Axes (>= 1 each); ``subplot_kw`` goes to ``Figure.subplots``.

    The figure is not registered with pyplot (no global state, nothing to close). Returns ``(fig, ax)`` with ``ax`` an Axes (or an array of Axes when nrows*ncols > 1).
    The style is remembered on the figure so :func:`save` renders it the same way later.

    Example
    -------
    >>> fig, axes = new_figure("nature", 2, height_mm=60, ncols=2)
    >>> [round(v * 25.4) for v in fig.get_size_inches()]
    [183, 60]
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    nrows = check_count(nrows, "nrows", minimum=1)
    ncols = check_count(ncols, "ncols", minimum=1)
    name, font = _resolve(style)
    with _style_context(name, font=font):
        fig = Figure(
            figsize=figure_size(name, columns, height_mm=height_mm, aspect=aspect),
            layout="constrained",
        )
        FigureCanvasAgg(fig)
        fig.get_layout_engine().set(w_pad=1 / 72, h_pad=1 / 72, wspace=0.02, hspace=0.02)
        axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    fig._smalltrial_style = (name, font)  # type: ignore[attr-defined]
    return fig, axes


_FORMATS = ("pdf", "png", "svg")
_METADATA = {
    "pdf": {"Creator": "smalltrial", "Producer": "smalltrial", "CreationDate": None},
    "svg": {"Creator": "smalltrial", "Date": None},
    "png": {"Software": None},
}


def _atomic_write(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def render(fig: Any, fmt: str, *, dpi: int | None = None) -> bytes:
    """Render ``fig`` to bytes in ``fmt`` with fixed metadata (see :func:`save`).

    The figure is drawn under the style it was made in (remembered by :func:`new_figure`),
    so the bytes do not depend on global rcParams at save time.

    Example
    -------
    >>> from smalltrial import figures
    >>> fig, ax = figures.new_figure("nature")
    >>> figures.render(fig, "pdf")[:5]
    b'%PDF-'
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise SmallTrialError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    check_choice(fmt, "formats", _FORMATS)
    remembered = getattr(fig, "_smalltrial_style", None)
    name, font = remembered if remembered is not None else _resolve(None)
    if dpi is None:
        dpi = STYLES[name].dpi
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 300:
        raise SmallTrialError(f"dpi must be a whole number >= 300, got {dpi!r}")
    buf = io.BytesIO()
    if fmt == "pdf":
        _install_fast_subset()
    token = _FAST_SUBSET.set(fmt == "pdf")
    try:
        with style(name, font=font):
            fig.savefig(buf, format=fmt, dpi=dpi, metadata=dict(_METADATA[fmt]))
    finally:
        _FAST_SUBSET.reset(token)
    return buf.getvalue()


def save(
    fig: Any,
    stem: str | os.PathLike[str],
    formats: Sequence[str] = ("pdf", "png", "svg"),
    *,
    dpi: int | None = None,
) -> list[Path]:
    """Save a figure reproducibly: the same figure gives byte-identical files.

    Parameters
    ----------
    fig : a matplotlib Figure (from a smalltrial builder or any other).
    stem : output path without extension; ``"out/fig1"`` writes ``out/fig1.pdf`` etc.
    formats : any of ``"pdf"`` (TrueType fonts embedded, pdf.fonttype 42), ``"png"``,
        ``"svg"`` (text kept as text, svg.fonttype "none", fixed hash salt for ids).
    dpi : raster resolution (>= 300); default the style's (600 for the journal styles).

    Metadata carry no date and no software version (PDF ``CreationDate`` and SVG ``Date``
    dropped, PNG ``Software`` dropped); each file is written to a temporary file beside the
    target and renamed, so a reader never sees a half-written figure.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from smalltrial import figures
    >>> fig, ax = figures.new_figure("nature")
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> paths = figures.save(fig, pathlib.Path(tempfile.mkdtemp()) / "fig", formats=["pdf"])
    """
    if isinstance(formats, str):
        formats = (formats,)
    formats = list(dict.fromkeys(formats))
    if not formats:
        raise SmallTrialError("formats must name at least one of 'pdf', 'png', 'svg'; got none")
    for fmt in formats:
        check_choice(fmt, "formats", _FORMATS)
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.parent / f"{stem.name}.{fmt}"
        _atomic_write(path, render(fig, fmt, dpi=dpi))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# TrueType subsetting for PDF, once per font and process
# --------------------------------------------------------------------------------------------

#: Unicode ranges of the once-per-process reduced fonts: Basic Latin, Latin-1, Greek, general
#: punctuation, super/subscripts, arrows, mathematical operators.
_REDUCED_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x391, 0x3C9), (0x2010, 0x2044),
                   (0x2070, 0x209F), (0x2190, 0x2199), (0x2200, 0x22FF))
_FAST_SUBSET: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "smalltrial_fast_subset", default=False
)
#: (path, face) -> (FontPath of the reduced font, gid map, gids with a code point), or None
_REDUCED: dict[tuple[str, int], Any] = {}
_REDUCED_LOCK = threading.Lock()
_REDUCED_DIR: list[str] = []


def _remove_folder(folder: str, pid: int) -> None:
    if os.getpid() == pid:  # not from a forked child
        shutil.rmtree(folder, ignore_errors=True)


def _reduced_font(fontfile: Any, original: Any) -> Any:
    """The font subset once to :data:`_REDUCED_RANGES` (a file in a private temporary folder),
    the map from the font's glyph ids to the reduced font's, and the glyph ids of those code
    points; None if it cannot be made."""
    key = (str(fontfile), int(getattr(fontfile, "face_index", 0)))
    with _REDUCED_LOCK:
        if key in _REDUCED:
            return _REDUCED[key]
        try:
            from matplotlib.backends import _backend_pdf_ps
            from matplotlib.font_manager import FontPath
            from matplotlib.ft2font import FT2Font

            if key[1] != 0:
                raise ValueError("font collections are subset in full")
            ft = FT2Font(key[0])
            gids = {ft.get_char_index(c) for lo, hi in _REDUCED_RANGES for c in range(lo, hi + 1)}
            with original(fontfile, gids - {0}) as sub:
                data = _backend_pdf_ps.font_as_file(sub.font).getvalue()
                gid_map = dict(sub.glyph_index_map)
            if not _REDUCED_DIR:
                folder = tempfile.mkdtemp(prefix="smalltrial-fonts-")
                atexit.register(_remove_folder, folder, os.getpid())
                _REDUCED_DIR.append(folder)
            path = Path(_REDUCED_DIR[0]) / f"{len(_REDUCED)}.ttf"
            path.write_bytes(data)
            value = (FontPath(str(path), 0), gid_map, frozenset(gids - {0}))
        except Exception:  # any failure: matplotlib subsets the full font as usual
            value = None
        _REDUCED[key] = value
        return value


def _subset_from_reduced(original: Any, fontfile: Any, glyphs: Any) -> Any:
    """matplotlib's ``get_glyphs_subset``, from the reduced font when every glyph is in it.

    Subsetting the reduced font gives the same bytes as subsetting the full one (fontTools
    subsetting composes; checked for the installed fonts in tests/test_figures_fonts.py) but
    skips decoding the full GPOS/GSUB tables for every figure: that was ~15 % of a
    ``smalltrial run``. Only used while :func:`render` writes a PDF.
    """
    glyphs = set(glyphs)
    reduced = _reduced_font(fontfile, original) if _FAST_SUBSET.get() else None
    # a subset without any code point of the ranges keeps header fields (OS/2 first and last
    # character index) of its source font, which differ between the two: subset in full
    if (reduced is None or not glyphs <= reduced[1].keys() or not glyphs & reduced[2]
            or not os.path.exists(reduced[0])):
        return original(fontfile, glyphs)
    from matplotlib.backends._backend_pdf_ps import SubsetResults

    path, gid_map, _ = reduced
    cm = original(path, {gid_map[g] for g in glyphs})

    @contextlib.contextmanager
    def composed():
        with cm as sub:
            inner = sub.glyph_index_map
            yield SubsetResults(sub.font, {g: inner[m] for g, m in gid_map.items()
                                           if m in inner})

    return composed()


def _install_fast_subset() -> None:
    """Route matplotlib's PDF font subsetting through :func:`_subset_from_reduced` (once)."""
    try:
        from matplotlib.backends import _backend_pdf_ps
    except ImportError:  # pragma: no cover
        return
    current = getattr(_backend_pdf_ps, "get_glyphs_subset", None)
    if current is None or getattr(current, "_smalltrial", False) or not hasattr(
        _backend_pdf_ps, "SubsetResults"
    ):
        return
    wrapper = functools.partial(_subset_from_reduced, current)
    wrapper._smalltrial = True  # type: ignore[attr-defined]
    _backend_pdf_ps.get_glyphs_subset = wrapper
