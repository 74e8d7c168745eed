"""PDF font subsetting from the once-per-process reduced font gives matplotlib's bytes."""

from __future__ import annotations

import random

import pytest

pytest.importorskip("matplotlib")

from matplotlib import font_manager  # noqa: E402
from matplotlib.backends import _backend_pdf_ps  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

from smalltrial import figures  # noqa: E402
from smalltrial.figures import _style  # noqa: E402


def _fonts():
    paths = {font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))}
    for family in ("Liberation Sans", "Arial"):
        for weight in ("normal", "bold"):
            try:
                path = font_manager.findfont(
                    font_manager.FontProperties(family=family, weight=weight),
                    fallback_to_default=False)
            except ValueError:  # not installed
                continue
            if path.lower().endswith(".ttf"):
                paths.add(path)
    return sorted(paths)


def _matplotlib_subset():
    """matplotlib's own get_glyphs_subset (under smalltrial's wrapper once that is installed)."""
    current = _backend_pdf_ps.get_glyphs_subset
    return current.args[0] if getattr(current, "_smalltrial", False) else current


def _bytes(cm):
    with cm as sub:
        return _backend_pdf_ps.font_as_file(sub.font).getvalue(), dict(sub.glyph_index_map)


@pytest.mark.parametrize("path", _fonts())
def test_reduced_font_subsets_to_the_same_bytes(path, monkeypatch):
    original = _matplotlib_subset()
    monkeypatch.setattr(_style, "_FAST_SUBSET", type(_style._FAST_SUBSET)("t", default=True))
    fontfile = font_manager.FontPath(path, 0)
    ft = FT2Font(path)
    chars = [c for lo, hi in _style._REDUCED_RANGES for c in range(lo, hi + 1)]
    rng = random.Random(0)
    samples = ["Patients (%) 0123456789", "Time since infusion (months) \u2212\u2264\u00b1"]
    samples += ["".join(map(chr, rng.sample(chars, k))) for k in (1, 1, 1, 5, 20, 60)]
    samples += [" ", ""]  # only a space; nothing
    for text in samples:
        glyphs = {ft.get_char_index(ord(c)) for c in text} - {0}
        direct = _bytes(original(fontfile, glyphs))
        fast = _bytes(_style._subset_from_reduced(original, fontfile, glyphs))
        assert fast == direct, text
    assert _style._REDUCED[(str(path), 0)] is not None  # the reduced font was really used


def test_glyphs_outside_the_reduced_font_use_the_full_font(monkeypatch):
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    ft = FT2Font(path)
    calls = []

    def original(fontfile, glyphs):
        calls.append(str(fontfile))
        return _matplotlib_subset()(fontfile, glyphs)

    monkeypatch.setattr(_style, "_FAST_SUBSET", type(_style._FAST_SUBSET)("t", default=True))
    glyphs = {ft.get_char_index(ord("\u0416"))}  # Cyrillic: not in the reduced ranges
    _style._subset_from_reduced(original, font_manager.FontPath(path, 0), glyphs)
    assert calls[-1] == path


def test_pdf_is_the_same_with_and_without_the_reduced_fonts(monkeypatch):
    fig, ax = figures.new_figure("nature")
    ax.plot([0, 1, 2], [3, 1, 2], label="Responders (%)")
    ax.set_xlabel("Months since infusion \u2212 \u2264 \u00b1")
    ax.legend()
    fast = figures.render(fig, "pdf")
    monkeypatch.setattr(_style, "_install_fast_subset", lambda: None)
    monkeypatch.setattr(_backend_pdf_ps, "get_glyphs_subset", _matplotlib_subset())
    assert figures.render(fig, "pdf") == fast
