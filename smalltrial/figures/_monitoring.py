"""Figures of interim monitoring designs: stopping boundaries by number of patients and operating
characteristics against the true rate (numbers from :mod:`smalltrial.monitoring`; nothing is
computed here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._validate import check_columns, check_frame
from smalltrial.figures._common import color_map, numeric
from smalltrial.figures._style import OKABE_ITO, _drawing, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _boundary_frames(data: Any) -> dict[str, tuple[Any, str]]:
    """label -> (boundary frame, column drawn) for a design, a boundary frame or a dict."""
    import pandas as pd

    from smalltrial.monitoring import EfficacyDesign, SafetyRule

    def one(obj: Any, label: str) -> tuple[Any, str]:
        if isinstance(obj, SafetyRule):
            return obj.boundary, "stop_at"
        if isinstance(obj, EfficacyDesign):
            return obj.boundary.iloc[:-1], "futility_at_most"
        if isinstance(obj, pd.DataFrame):
            check_frame(obj, f"data[{label!r}]" if label else "data")
            col = "stop_at" if "stop_at" in obj.columns else "futility_at_most"
            check_columns(obj, ["n", col], "data")
            return obj, col
        raise SmallTrialError(
            "data must be a SafetyRule, an EfficacyDesign, a boundary DataFrame (n, stop_at) or "
            f"a dict of them; got {type(obj).__name__}")

    if isinstance(data, dict):
        if not data:
            raise SmallTrialError("data is an empty dict")
        return {str(k): one(v, str(k)) for k, v in data.items()}
    return {"": one(data, "")}


def monitoring_boundaries(
    data: Any,
    *,
    ylabel: str | None = None,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """Stopping boundaries by number of patients: stop/continue regions of a monitoring rule.

    Parameters
    ----------
    data : a :class:`smalltrial.monitoring.SafetyRule` (toxicity: stop at or above the
        boundary), an :class:`~smalltrial.monitoring.EfficacyDesign` (futility: stop at or below
        the boundary), a boundary DataFrame, or a dict ``label -> design`` to draw several
        designs side by side (boundaries only, one colour each).
    ylabel : y-axis label (default "Patients with toxicity" / "Responders").

    With one design the stop region is shaded; looks where no stop is possible are left out.
    Returns the Axes.

    Example
    -------
    >>> from smalltrial import figures
    >>> from smalltrial.monitoring import safety_monitoring, toxicity_boundary
    >>> rules = {"Bayesian": safety_monitoring(20, limit=0.2, cutoff=0.9),
    ...          "Pocock": toxicity_boundary(20, p0=0.2)}
    >>> ax = figures.monitoring_boundaries(rules)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Bayesian', 'Pocock']
    """
    frames = _boundary_frames(data)
    colors = color_map(list(frames)) if len(frames) > 1 else {"": OKABE_ITO["vermillion"]}
    toxic = next(iter(frames.values()))[1] == "stop_at"
    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        for label, (frame, col) in frames.items():
            n = numeric(frame, "n", name="data")
            s = numeric(frame, col, name="data", missing=True)
            ok = np.isfinite(s) & (s >= 0)
            if not ok.any():
                continue
            ax.step(n[ok], s[ok], where="mid", color=colors[label], linewidth=1.2,
                    label=label or None, gid=f"boundary-{label or 'design'}")
            ax.plot(n[ok], s[ok], "o", color=colors[label], markersize=2.5)
            if len(frames) == 1:
                nmax = float(np.nanmax(n))
                if col == "stop_at":
                    ax.fill_between(n[ok], s[ok], nmax + 1, step="mid", color=colors[label],
                                    alpha=0.15, linewidth=0, label="stop")
                else:
                    ax.fill_between(n[ok], -0.5, s[ok], step="mid", color=colors[label],
                                    alpha=0.15, linewidth=0, label="stop (futility)")
        nmax = max(float(np.nanmax(numeric(f, "n", name="data"))) for f, _ in frames.values())
        ax.set_xlim(0.5, nmax + 0.5)
        from matplotlib.ticker import MaxNLocator

        ymax = max(float(np.nanmax(numeric(f, c, name="data", missing=True)[
            np.isfinite(numeric(f, c, name="data", missing=True))], initial=1.0))
            for f, c in frames.values())
        ax.set_ylim(-0.5, ymax + 1.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Patients treated")
        ax.set_ylabel(ylabel or ("Patients with toxicity" if toxic else "Responders"))
        if len(frames) > 1:
            ax.legend(loc="upper left", frameon=False)
    return ax


def operating_characteristics_plot(
    data: Any,
    *,
    x: str = "p",
    y: str = "prob_stop",
    hue: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """Operating-characteristic curves: a probability (or expected N) against the true rate.

    Parameters
    ----------
    data : tidy DataFrame such as ``design.operating_characteristics(p)``, several designs
        stacked with a column naming the design (``hue``).
    x, y : columns for the true rate and the characteristic (``prob_stop``, ``prob_success``,
        ``expected_n``, ...).
    hue : column whose levels get one curve each (e.g. ``"design"``).

    Returns the Axes.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from smalltrial import figures
    >>> from smalltrial.monitoring import safety_monitoring, toxicity_boundary
    >>> p = np.linspace(0, 0.6, 13)
    >>> oc = pd.concat([safety_monitoring(20, limit=0.2, cutoff=0.9)
    ...                 .operating_characteristics(p).assign(design="Bayesian"),
    ...                 toxicity_boundary(20, p0=0.2).operating_characteristics(p)
    ...                 .assign(design="Pocock")])
    >>> ax = figures.operating_characteristics_plot(oc, hue="design")
    >>> len(ax.get_lines())
    2
    """
    check_frame(data, "data")
    check_columns(data, [x, y] + ([hue] if hue else []), "data")
    groups = [("", data)] if hue is None else [
        (str(k), g) for k, g in data.groupby(hue, sort=False, observed=True)]
    colors = color_map([k for k, _ in groups]) if hue else {"": OKABE_ITO["blue"]}
    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        for label, g in groups:
            xv = numeric(g, x, name="data")
            yv = numeric(g, y, name="data")
            order = np.argsort(xv, kind="mergesort")
            ax.plot(xv[order], yv[order], marker="o", markersize=2.5, linewidth=1.2,
                    color=colors[label], label=label or None, gid=f"oc-{label or 'design'}")
        if y.startswith("prob"):
            ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(xlabel or "True rate")
        ax.set_ylabel(ylabel or y.replace("_", " "))
        if hue:
            ax.legend(loc="best", frameon=False)
    return ax
