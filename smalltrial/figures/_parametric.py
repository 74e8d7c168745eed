"""Parametric survival fits overlaid on the Kaplan-Meier curve (durability, extrapolation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial.figures._common import optional_number
from smalltrial.figures._km import km_plot
from smalltrial.figures._style import PALETTE, _drawing, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_DASHES = ("--", "-.", ":", (0, (5, 1, 1, 1)))


def _fits(fits: Any) -> list[tuple[str, Any]]:
    if isinstance(fits, Mapping):
        items = [(str(k), f) for k, f in fits.items()]
    elif isinstance(fits, Sequence) and not isinstance(fits, str):
        items = [(getattr(f, "distribution", str(i)), f) for i, f in enumerate(fits)]
    else:
        items = [(getattr(fits, "distribution", "fit"), fits)]
    if not items:
        raise SmallTrialError("fits must hold at least one parametric fit; got none")
    for label, f in items:
        if not callable(getattr(f, "survival_function", None)):
            raise SmallTrialError(
                f"fits[{label!r}] must be a parametric fit (smalltrial.survival.parametric_fit); "
                f"got {type(f).__name__}"
            )
    return items


def parametric_plot(
    km: Any,
    fits: Any,
    *,
    ax: Any = None,
    xmax: float | None = None,
    at_risk: bool = True,
    times: Sequence[float] | None = None,
    xlabel: str = "Months since start of treatment",
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """Kaplan-Meier curve with fitted parametric survival curves overlaid (and extrapolated).

    Parameters
    ----------
    km : a one-sample Kaplan-Meier result (``smalltrial.survival.kaplan_meier``).
    fits : a :func:`smalltrial.survival.parametric_fit` or :func:`smalltrial.survival.cure_fit`
        result, a list of them (labelled by distribution) or a dict label -> fit.
    ax : Axes to draw on (default: a new figure in ``style``).
    xmax : right end of the x axis (default 1.5 x the last follow-up, to show extrapolation);
        a dotted vertical line marks the last follow-up, beyond which the curves extrapolate.
    at_risk, times, xlabel, style, columns, height_mm : as :func:`km_plot`.

    The Kaplan-Meier curve and its band are drawn by :func:`km_plot`; each fit is evaluated
    by its own ``survival_function`` (nothing is refitted here). Returns the Axes.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures, survival
    >>> df = pd.DataFrame({"m": [2.8, 3.2, 3.7, 3.7, 4.6, 6.0, 9.0], "e": [1, 1, 1, 0, 1, 0, 0]})
    >>> km = survival.kaplan_meier(df, time="m", event="e")
    >>> fits = [survival.parametric_fit(df, time="m", event="e", distribution=d)
    ...         for d in ("exponential", "weibull")]
    >>> ax = figures.parametric_plot(km, fits, times=[0, 3, 6, 9, 12])
    >>> sorted(line.get_gid() for line in ax.lines if (line.get_gid() or "").startswith("fit-"))
    ['fit-exponential', 'fit-weibull']
    """
    items = _fits(fits)
    table = getattr(km, "table", None)
    if table is None or getattr(km, "estimates", None) is not None:
        raise SmallTrialError(
            f"km must be a one-sample Kaplan-Meier result (kaplan_meier without group); got "
            f"{type(km).__name__}"
        )
    last = float(table["time"].max())
    xmax = optional_number(xmax, "xmax")
    if xmax is None:
        xmax = 1.5 * last if last > 0 else 1.0
    if xmax <= 0:
        raise SmallTrialError(f"xmax must be > 0, got {xmax!r}")
    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        km_plot(km, ax=ax, at_risk=at_risk, times=times, median_line=False, xlabel=xlabel)
        grid = np.linspace(xmax / 1000, xmax, 400)
        for i, (label, fit) in enumerate(items):
            ax.plot(grid, fit.survival_function(grid), linestyle=_DASHES[i % len(_DASHES)],
                    color=PALETTE[(i + 1) % len(PALETTE)], linewidth=1.0, label=label,
                    gid=f"fit-{label}")
        ax.axvline(last, color="0.5", linestyle=":", linewidth=0.6, gid="last-follow-up")
        ax.set_xlim(0, xmax)
        ax.legend(loc="upper right", frameon=False)
    return ax
