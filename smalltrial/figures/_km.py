"""Kaplan-Meier plot with censor ticks, CI band, median line and a number-at-risk table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._validate import check_columns
from smalltrial.figures._common import finite
from smalltrial.figures._style import PALETTE, _drawing, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_TABLE_COLUMNS = ("time", "n_risk", "n_event", "n_censored", "survival", "lower", "upper")


def _curves(km: Any) -> list[tuple[str | None, Any]]:
    estimates = getattr(km, "estimates", None)  # survival.KaplanMeierGroups
    if isinstance(estimates, Mapping):
        km = estimates
    if isinstance(km, Mapping):
        if not km:
            raise SmallTrialError("km must hold at least one Kaplan-Meier fit; got an empty dict")
        return [(str(label), fit) for label, fit in km.items()]
    return [(None, km)]


def _table(fit: Any, label: str | None):
    import pandas as pd

    table = getattr(fit, "table", None)
    name = "km" if label is None else f"km[{label!r}]"
    if not isinstance(table, pd.DataFrame):
        raise SmallTrialError(
            f"{name} must be a Kaplan-Meier result with a .table DataFrame "
            f"(smalltrial.survival.kaplan_meier); got {type(fit).__name__}"
        )
    check_columns(table, _TABLE_COLUMNS, f"{name}.table")
    return table.sort_values("time", kind="mergesort").reset_index(drop=True)


def _at_risk(fit: Any, table, times: np.ndarray) -> np.ndarray:
    """Numbers at risk at ``times`` from ``fit.at(times)`` (0 after the last time)."""
    last = float(table["time"].max()) if len(table) else 0.0
    at = fit.at(list(map(float, times))) if hasattr(fit, "at") else None
    lookup: dict[float, float] = {}
    if at is not None and "n_risk" in at:
        lookup = {float(t): float(n) for t, n in zip(at["time"], at["n_risk"], strict=True)}
    out = []
    table_times = table["time"].to_numpy(float)
    n_risk = table["n_risk"].to_numpy(float)
    for t in times:
        if float(t) in lookup and finite(lookup[float(t)]):
            out.append(lookup[float(t)])
        elif t > last:
            out.append(0.0)
        else:  # the first row at or after t holds everyone still at risk at t
            out.append(n_risk[np.searchsorted(table_times, t, side="left")])
    return np.asarray(out, dtype=float)


def _cumulative_events(table, times: np.ndarray) -> np.ndarray:
    t = table["time"].to_numpy(float)
    cum = np.cumsum(table["n_event"].to_numpy(float))
    idx = np.searchsorted(t, times, side="right") - 1
    return np.where(idx >= 0, cum[np.clip(idx, 0, None)], 0.0)


def _default_times(xmax: float) -> np.ndarray:
    from matplotlib.ticker import MaxNLocator

    locator = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 3, 5, 6, 10])
    ticks = locator.tick_values(0.0, xmax)
    ticks = ticks[ticks >= 0]
    # end on the first tick at or past the last time, so the last step of the curve is drawn
    # inside the axes rather than on its edge
    beyond = np.flatnonzero(ticks >= xmax * (1 - 1e-9))
    return ticks[: beyond[0] + 1] if beyond.size else ticks


def km_plot(
    km: Any,
    *,
    ax: Any = None,
    ci: bool = True,
    censor_ticks: bool = True,
    at_risk: bool = True,
    times: Sequence[float] | None = None,
    cumulative_events: bool = False,
    median_line: bool = True,
    fun: str = "survival",
    colors: Sequence[str] | None = None,
    xlabel: str = "Months since start of treatment",
    ylabel: str | None = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """Kaplan-Meier curves with censor ticks, CI band, median line and number at risk.

    Parameters
    ----------
    km : a Kaplan-Meier result (``smalltrial.survival.kaplan_meier``: ``.table`` with columns
        time, n_risk, n_event, n_censored, survival, lower, upper; ``.at(times)`` with
        n_risk; ``.median`` with ``.estimate``), a dict label -> result, or the grouped
        result of ``kaplan_meier(..., group=)`` (one curve per group).
    ax : Axes to draw on (default: a new figure in ``style``).
    ci : draw the pointwise confidence band (a step band, as the curve).
    censor_ticks : a tick ``|`` at each time with censoring (one tick per distinct time).
    at_risk : the number-at-risk table under the x axis, one row per cohort, numbers centred
        on the x ticks (which are set to ``times``).
    times : x positions of the ticks and the table (default: about six round numbers).
    cumulative_events : print "n_risk (cumulative events)" in the table.
    median_line : dashed guides at survival 0.5 to the median, only when the median is
        reached (``median.estimate`` not NaN).
    fun : ``"survival"`` draws S(t); ``"event"`` draws the cumulative incidence 1 - S(t)
        (R ``plot.survfit(fun = "event")``), for times to a good event such as remission or
        B-cell reconstitution; the CI band becomes 1 - upper .. 1 - lower.
    ylabel : default "Probability" (survival) or "Cumulative incidence" (event).

    The curve is drawn from the result's own table (R ``survfit`` semantics), starting at
    (0, 1); nothing is recomputed here. The at-risk table is text under the axes: figures
    from :func:`new_figure` (constrained layout) make room for it; on your own ``ax`` leave
    a bottom margin. Returns the Axes.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures, survival
    >>> df = pd.DataFrame({"months": [2.8, 3.2, 3.7, 3.7, 4.6], "event": [1, 1, 1, 0, 1]})
    >>> km = survival.kaplan_meier(df, time="months", event="event")
    >>> ax = figures.km_plot(km, times=[0, 1, 2, 3, 4, 5])
    >>> [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("km-atrisk-0-")]
    ['5', '5', '5', '4', '1', '0']
    """
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    from smalltrial._validate import check_choice, check_flag, check_numbers
    from smalltrial.figures._common import check_figure_args

    check_figure_args(columns, height_mm)
    check_choice(fun, "fun", ["survival", "event"])
    for arg, value in (("ci", ci), ("censor_ticks", censor_ticks), ("at_risk", at_risk),
                       ("cumulative_events", cumulative_events), ("median_line", median_line)):
        check_flag(value, arg)
    if colors is not None and (isinstance(colors, str) or not hasattr(colors, "__iter__")
                               or len(list(colors)) == 0):
        raise SmallTrialError(f"colors must be a non-empty list of colours, got {colors!r}")
    flip = fun == "event"
    if ylabel is None:
        ylabel = "Cumulative incidence" if flip else "Probability"
    curves = _curves(km)
    tables = [_table(fit, label) for label, fit in curves]
    palette = list(colors) if colors is not None else list(PALETTE)
    xmax = max(float(t["time"].max()) if len(t) else 0.0 for t in tables)
    if not xmax > 0:
        xmax = 1.0
    if times is None:
        tick_times = _default_times(xmax)
    else:
        tick_times = check_numbers(times, "times")
        if np.ndim(times) == 0 or np.any(tick_times < 0):
            raise SmallTrialError(f"times must be finite numbers >= 0, got {times!r}")

    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        fig = ax.figure
        for i, ((label, fit), table) in enumerate(zip(curves, tables, strict=True)):
            color = palette[i % len(palette)]
            t = table["time"].to_numpy(float)
            s = table["survival"].to_numpy(float)
            if flip:
                s = 1.0 - s
            x = np.concatenate([[0.0], t])
            y = np.concatenate([[0.0 if flip else 1.0], s])
            ax.plot(x, y, drawstyle="steps-post", color=color, label=label, gid=f"km-curve-{i}")
            if ci:
                lo = np.concatenate([[1.0], table["lower"].to_numpy(float)])
                hi = np.concatenate([[1.0], table["upper"].to_numpy(float)])
                if flip:
                    lo, hi = 1.0 - hi, 1.0 - lo
                ok = np.isfinite(lo) & np.isfinite(hi)
                lo, hi = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
                # explicit steps (each interval [t_i, t_i+1) at the limits of t_i), so a limit
                # that is undefined at the next time (S = 0 there) does not erase this step
                xs = np.column_stack([x[:-1], x[1:]]).ravel()
                band = ax.fill_between(
                    xs, np.repeat(lo[:-1], 2), np.repeat(hi[:-1], 2),
                    color=color, alpha=0.18, linewidth=0, gid=f"km-ci-{i}",
                )
                band.set_label(None)
            if censor_ticks:
                mask = table["n_censored"].to_numpy(float) > 0
                ax.plot(
                    t[mask], s[mask], linestyle="none", marker="|", markersize=4,
                    markeredgewidth=0.6, color=color, gid=f"km-censor-{i}",
                )
            if median_line:
                median = getattr(fit, "median", None)
                estimate = getattr(median, "estimate", np.nan)
                if finite(estimate):
                    ax.plot(
                        [0.0, float(estimate), float(estimate)], [0.5, 0.5, 0.0],
                        linestyle=(0, (3, 2)), linewidth=0.5, color=color,
                        gid=f"km-median-{i}",
                    )
        ax.set_ylim(0.0, 1.02)
        ax.set_xlim(0.0, max(xmax, float(tick_times.max()) if len(tick_times) else xmax))
        ax.set_xticks(tick_times)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if len(curves) > 1 or curves[0][0] is not None:
            ax.legend(loc="upper left" if flip else "lower left")
        if at_risk:
            try:
                renderer = fig.canvas.get_renderer()
            except AttributeError:  # a non-Agg canvas (e.g. from pyplot in a notebook)
                renderer = fig._get_renderer()
            below = ax.xaxis.get_tightbbox(renderer)
            offset = (ax.bbox.y0 - below.y0) * 72.0 / fig.dpi if below is not None else 20.0
            import matplotlib
            from matplotlib.font_manager import FontProperties

            size = FontProperties(size=matplotlib.rcParams["xtick.labelsize"]).get_size_in_points()
            line = 1.35 * size
            base = blended_transform_factory(ax.transData, ax.transAxes)
            left = ax.transAxes
            title = "No. at risk (cumulative events)" if cumulative_events else "No. at risk"
            header_shift = ScaledTranslation(0, -(offset + 0.6 * line) / 72.0, fig.dpi_scale_trans)
            ax.text(
                0.0, 0.0, title, transform=left + header_shift, ha="left", va="top",
                fontsize=size, fontweight="bold", clip_on=False, gid="km-atrisk-header",
            )
            rows = []
            for fit, table in zip((c[1] for c in curves), tables, strict=True):
                n = _at_risk(fit, table, tick_times)
                cum = _cumulative_events(table, tick_times) if cumulative_events else None
                texts = [
                    f"{int(nn)}" if cum is None else f"{int(nn)} ({int(cum[j])})"
                    for j, nn in enumerate(n)
                ]
                rows.append(texts)
            # row labels end left of the widest first-column entry (centred on x = 0)
            widest = max((len(r[0]) for r in rows if r), default=1)
            dx = -(0.3 * size * widest + 3.0) / 72.0
            for i, ((label, _fit), texts) in enumerate(zip(curves, rows, strict=True)):
                color = palette[i % len(palette)]
                shift = ScaledTranslation(
                    0, -(offset + (i + 1.6) * line) / 72.0, fig.dpi_scale_trans
                )
                if label is not None:
                    label_shift = ScaledTranslation(
                        dx, -(offset + (i + 1.6) * line) / 72.0, fig.dpi_scale_trans
                    )
                    ax.text(
                        0.0, 0.0, label, transform=left + label_shift, ha="right", va="top",
                        fontsize=size, color=color, clip_on=False, gid=f"km-atrisk-label-{i}",
                    )
                for j, (tt, text) in enumerate(zip(tick_times, texts, strict=True)):
                    ax.text(
                        float(tt), 0.0, text, transform=base + shift, ha="center", va="top",
                        fontsize=size, color=color, clip_on=False, gid=f"km-atrisk-{i}-{j}",
                    )
    return ax
