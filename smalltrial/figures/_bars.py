"""Waterfall plot of change from baseline and forest plot of rates with exact CIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._format import DASH, fmt_pct
from smalltrial._validate import check_columns, check_flag, check_frame, check_unique_rows
from smalltrial.figures._common import (
    GREY,
    check_figure_args,
    color_map,
    levels_of,
    numeric,
    optional_number,
)
from smalltrial.figures._style import OKABE_ITO, _drawing, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def waterfall(
    data: Any,
    *,
    subject: str = "subject",
    change: str = "change",
    threshold: float | None = None,
    hue: str | None = None,
    ylabel: str | None = None,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """Waterfall plot: one bar per patient, change from baseline sorted from largest to smallest.

    Parameters
    ----------
    data : tidy DataFrame, one row per subject.
    subject, change : column names (subject ids; change from baseline, e.g. percent).
    threshold : draw a dashed line at this change (e.g. -50 for a 50 % reduction); bars at or
        below it are coloured as meeting it (unless ``hue`` is given).
    hue : column whose levels colour the bars (e.g. cohort).

    Ties are broken by subject id so the order is deterministic. Returns the Axes.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures
    >>> df = pd.DataFrame({"subject": ["P1", "P2", "P3"], "change": [-100.0, -60.0, 10.0]})
    >>> ax = figures.waterfall(df, threshold=-50)
    """
    import pandas as pd

    check_figure_args(columns, height_mm, subject=subject, change=change, hue=hue)
    check_frame(data, "data")
    check_columns(data, [subject, change] + ([hue] if hue else []), "data")
    check_unique_rows(data, [subject], name="data")
    threshold = optional_number(threshold, "threshold")
    values = numeric(data, change, subject=subject, name="data")
    if not np.all(np.isfinite(values)):
        raise SmallTrialError(f"column {change!r} of data must be finite; got {values.tolist()}")
    frame = pd.DataFrame({"subject": data[subject].astype(str).to_numpy(), "change": values})
    if hue:
        frame["hue"] = data[hue].array  # a Categorical keeps its order (and colours)
    frame = frame.sort_values(["change", "subject"], ascending=[False, True], kind="mergesort")
    frame = frame.reset_index(drop=True)
    handles = None
    if hue:
        cmap = color_map(levels_of(frame["hue"]))
        colors = [cmap[v] for v in frame["hue"]]
        handles = cmap
    elif threshold is not None:
        meets = frame["change"].to_numpy() <= float(threshold)
        colors = [OKABE_ITO["blue"] if m else GREY for m in meets]
    else:
        colors = [OKABE_ITO["blue"]] * len(frame)

    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        x = np.arange(len(frame), dtype=float)
        ax.bar(x, frame["change"].to_numpy(), width=0.8, color=colors, linewidth=0)
        ax.axhline(0.0, color="#000000", linewidth=0.5, gid="waterfall-zero")
        if threshold is not None:
            ax.axhline(
                float(threshold), color="#000000", linestyle=(0, (3, 2)), linewidth=0.6,
                gid="waterfall-threshold",
            )
        ax.set_xticks(x, frame["subject"].tolist(), rotation=90)
        ax.tick_params(axis="x", length=0)
        ax.spines["bottom"].set_visible(False)
        ax.set_xlim(-0.6, len(frame) - 0.4)
        ax.set_ylabel(ylabel if ylabel is not None else change)
        if handles:
            from matplotlib.patches import Patch

            ax.legend(
                handles=[Patch(color=c, label=str(k)) for k, c in handles.items()],
                loc="lower left",
            )
        elif threshold is not None:
            from matplotlib.patches import Patch

            ax.legend(
                handles=[
                    Patch(color=OKABE_ITO["blue"], label=f"\u2264 {float(threshold):g}"),
                    Patch(color=GREY, label=f"> {float(threshold):g}"),
                ],
                loc="upper right",
            )
    return ax


def rate_text(responders: Any, n: Any, estimate: float, lower: float, upper: float) -> str:
    """'5/5, 100% (47.8–100)': counts, percentage and the CI in percent (NaN: 'NE').

    Parameters
    ----------
    responders, n : int or None
        Responders and patients (None: the counts are left out).
    estimate, lower, upper : float
        Proportion and confidence limits in [0, 1]; a NaN estimate prints as NE.

    >>> rate_text(5, 5, 1.0, 0.4781762498950186, 1.0)
    '5/5, 100% (47.8–100)'
    >>> rate_text(0, 0, float("nan"), float("nan"), float("nan"))
    '0/0, NE'
    """
    import math

    from smalltrial._tableformat import _ordered, _proportion, _within
    from smalltrial._validate import check_count

    estimate = _proportion(estimate, "estimate")
    lower, upper = _proportion(lower, "lower"), _proportion(upper, "upper")
    _ordered(lower, upper, "lower", "upper")
    _within(estimate, lower, upper, "estimate", "[lower, upper]")
    if responders is not None:
        responders = check_count(responders, "responders")
    if n is not None:
        n = check_count(n, "n")
    if responders is not None and n is not None and responders > n:
        raise SmallTrialError(f"responders must be <= n; got responders={responders}, n={n}")

    if math.isnan(estimate):
        return "NE" if responders is None or n is None else f"{int(responders)}/{int(n)}, NE"
    ci = f"{fmt_pct(lower)}{DASH}{fmt_pct(upper)}"
    if responders is None or n is None:
        return f"{fmt_pct(estimate)}% ({ci})"
    return f"{int(responders)}/{int(n)}, {fmt_pct(estimate)}% ({ci})"


def forest(
    data: Any,
    *,
    label: str = "cohort",
    estimate: str = "estimate",
    lower: str = "lower",
    upper: str = "upper",
    n: str | None = None,
    responders: str | None = None,
    reference: float | None = None,
    percent: bool = True,
    xlabel: str | None = None,
    text: bool = True,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
    pooled: Any = None,
    pooled_label: str = "Pooled (random effects)",
) -> Axes:
    """Forest plot of proportions (e.g. remission per cohort or per published trial).

    Parameters
    ----------
    data : tidy DataFrame, one row per cohort, e.g. ``smalltrial.rates.summarize`` output
        (columns cohort, responders, n, estimate, lower, upper).
    label, estimate, lower, upper : column names (estimate and limits are proportions in
        [0, 1]; plotted in percent when ``percent``).
    n, responders : columns with the counts; default: ``"n"`` and ``"responders"`` when
        present. They feed the text column "x/n, % (95% CI)".
    reference : a vertical dashed line (e.g. the null rate p0, as a proportion).
    xlabel : default "Remission, % (95% CI)" ("Remission (95% CI)" when not ``percent``).
    text : print the text column right of the axes.
    pooled : a :class:`smalltrial.rates.PooledProportion` (or any object with ``estimate``,
        ``lower``, ``upper``, proportions): drawn as a diamond (its CI) in a last row labelled
        ``pooled_label``, with its prediction interval as a dotted line when it has
        ``prediction_lower``/``prediction_upper``. Nothing is recomputed.

    Rows are drawn top to bottom in the order of ``data``. The CI is whatever ``data``
    holds (exact Clopper-Pearson from ``rates.summarize``); nothing is recomputed. A row with
    NaN estimate (no evaluable patients) gets no marker and the text "NE".

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures
    >>> df = pd.DataFrame({"cohort": ["Nat Med 2022", "NEJM 2024 SLE"], "responders": [5, 8],
    ...                    "n": [5, 8], "estimate": [1.0, 1.0],
    ...                    "lower": [0.4782, 0.6306], "upper": [1.0, 1.0]})
    >>> ax = figures.forest(df)
    """
    check_figure_args(columns, height_mm, label=label, estimate=estimate, lower=lower,
                      upper=upper, n=n, responders=responders)
    check_frame(data, "data")
    reference = optional_number(reference, "reference")
    check_flag(percent, "percent")
    check_flag(text, "text")
    if n is None and "n" in data.columns:
        n = "n"
    if responders is None and "responders" in data.columns:
        responders = "responders"
    cols = [label, estimate, lower, upper] + [c for c in (n, responders) if c]
    check_columns(data, cols, "data")
    est = numeric(data, estimate, name="data", missing=True)
    lo = numeric(data, lower, name="data", missing=True)
    hi = numeric(data, upper, name="data", missing=True)
    missing = np.isnan(est) | np.isnan(lo) | np.isnan(hi)  # not estimable (e.g. n = 0)
    bad = ~missing & ~((lo <= est) & (est <= hi) & (lo >= 0) & (hi <= 1))
    if bad.any():
        rows = data.loc[bad, label].tolist()
        raise SmallTrialError(
            f"columns {lower!r} <= {estimate!r} <= {upper!r} must hold within [0, 1]; "
            f"violated for {label} {rows[:5]!r}"
        )
    counts_x = numeric(data, responders, name="data") if responders else None
    counts_n = numeric(data, n, name="data") if n else None
    labels = data[label].astype(str).tolist()
    factor = 100.0 if percent else 1.0
    if xlabel is None:
        xlabel = "Remission, % (95% CI)" if percent else "Remission (95% CI)"
    k = len(labels)
    diamond = _pooled_row(pooled)
    extra = 0 if diamond is None else 1
    if height_mm is None:
        height_mm = 14.0 + 6.0 * (k + extra)

    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        y = np.arange(k, dtype=float)[::-1] + extra
        ax.hlines(
            y, lo * factor, hi * factor, color="#000000", linewidth=0.8, gid="forest-ci",
            clip_on=False,
        )
        ax.plot(
            est * factor, y, linestyle="none", marker="s", markersize=3.5,
            color=OKABE_ITO["blue"], gid="forest-estimate", clip_on=False, zorder=3,
        )
        if reference is not None:
            ax.axvline(
                float(reference) * factor, color=GREY, linestyle=(0, (3, 2)), linewidth=0.6,
                gid="forest-reference",
            )
        if diamond is not None:
            p_est, p_lo, p_hi, p_pred = diamond
            ax.fill(
                np.array([p_lo, p_est, p_hi, p_est]) * factor, [0.0, 0.3, 0.0, -0.3],
                color=OKABE_ITO["blue"], linewidth=0, gid="forest-pooled", clip_on=False,
            )
            if p_pred is not None:
                ax.hlines(0.0, p_pred[0] * factor, p_pred[1] * factor, color="#000000",
                          linewidth=0.8, linestyle=(0, (1, 1)), gid="forest-prediction",
                          clip_on=False)
            y_ticks, tick_labels = np.append(y, 0.0), labels + [str(pooled_label)]
        else:
            y_ticks, tick_labels = y, labels
        ax.set_yticks(y_ticks, tick_labels)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_ylim(-0.7, k + extra - 0.3)
        ax.set_xlim(0.0, 1.0 * factor)
        ax.set_xlabel(xlabel)
        if text:
            from matplotlib.transforms import blended_transform_factory

            trans = blended_transform_factory(ax.transAxes, ax.transData)
            header = "n/N, % (95% CI)" if counts_n is not None else "% (95% CI)"
            ax.text(
                1.04, k + extra - 0.3, header, transform=trans, ha="left", va="bottom",
                fontweight="bold", clip_on=False, gid="forest-text-header",
            )
            for i in range(k):
                x_i = counts_x[i] if counts_x is not None else None
                n_i = counts_n[i] if counts_n is not None else None
                ax.text(
                    1.04, y[i], rate_text(x_i, n_i, float(est[i]), lo[i], hi[i]), transform=trans,
                    ha="left", va="center", clip_on=False, gid=f"forest-text-{i}",
                )
            if diamond is not None:
                ax.text(
                    1.04, 0.0, rate_text(None, None, diamond[0], diamond[1], diamond[2]),
                    transform=trans, ha="left", va="center", clip_on=False,
                    gid="forest-text-pooled",
                )
    return ax


def _pooled_row(pooled: Any):
    """(estimate, lower, upper, (prediction_lower, prediction_upper) or None), or None."""
    if pooled is None:
        return None
    try:
        est, lo, hi = (float(getattr(pooled, f)) for f in ("estimate", "lower", "upper"))
    except (AttributeError, TypeError, ValueError):
        raise SmallTrialError(
            f"pooled must have numeric estimate, lower and upper (e.g. rates.pooled_proportion), "
            f"got {pooled!r}"
        ) from None
    if not (0.0 <= lo <= est <= hi <= 1.0):
        raise SmallTrialError(
            f"pooled must satisfy 0 <= lower <= estimate <= upper <= 1, got estimate={est}, "
            f"lower={lo}, upper={hi}"
        )
    pred = None
    if hasattr(pooled, "prediction_lower") and hasattr(pooled, "prediction_upper"):
        pl, pu = float(pooled.prediction_lower), float(pooled.prediction_upper)
        if np.isfinite(pl) and np.isfinite(pu):
            pred = (pl, pu)
    return est, lo, hi, pred


__all__ = ["waterfall", "forest", "rate_text"]
