"""Per-patient trajectories (spaghetti), the multi-panel lab figure, B-cell and CAR-T kinetics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError, warn
from smalltrial._validate import check_choice, check_columns, check_flag
from smalltrial.figures._common import (
    DAYS_PER_MONTH,
    GREY,
    LOG_PARAMETERS,
    PARAMETER_LABELS,
    check_figure_args,
    check_xlim,
    finite,
    flag_column,
    is_trial,
    numeric,
    optional_number,
    parameter_info,
    select_parameter,
    sorted_levels,
    subject_colors,
    trial_frame,
)
from smalltrial.figures._style import OKABE_ITO, _drawing, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_MEANS_STATS = ("estimate", "std_error", "df", "lower", "upper", "p_value")


def _frame(data: Any, parameter: str | None):
    frame = trial_frame(data, "measurements", "data") if is_trial(data) else trial_frame(data, "")
    return select_parameter(frame, parameter, "data")


def _axis_label(data: Any, frame, parameter: str | None, y: str) -> str:
    """Axis label "label (unit)", with an ASCII "uL" printed as "µL"."""
    return _axis_label_raw(data, frame, parameter, y).replace("/uL", "/\u00b5L")


def _axis_label_raw(data: Any, frame, parameter: str | None, y: str) -> str:
    info = parameter_info(data, parameter)
    if parameter is not None and info.get("label"):
        unit = info.get("unit")
        label = str(info["label"])
        return f"{label} ({unit})" if unit and str(unit) not in label else label
    if parameter in PARAMETER_LABELS:
        return PARAMETER_LABELS[parameter]
    name = parameter if parameter is not None else y
    if "unit" in frame.columns:
        units = sorted_levels(frame["unit"].tolist())
        if len(units) == 1:
            return f"{name} ({units[0]})"
    return str(name)


def _log_axis(ax) -> None:
    """Log y axis with plain tick labels (0.1, 1, 10, 100) as journals print them."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _legend_handles(legend_map, extra=()):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, label=str(k)) for k, c in (legend_map or {}).items()]
    return handles + list(extra)


def _legend_above(ax, handles) -> None:
    """Legend in rows above the axes, so the plotting area keeps the full column width."""
    if handles:
        ax.legend(
            handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
            ncol=min(4, len(handles)), handlelength=1.2, columnspacing=0.8,
        )


def _xlabel(x: str, unit: str) -> str:
    if x == "day":
        return f"{'Days' if unit == 'days' else 'Months'} since start of treatment"
    return x


def _x_scale(x: str, unit: str) -> float:
    check_choice(unit, "unit", ["days", "months"])
    if unit == "months" and x != "day":
        raise SmallTrialError(f"unit='months' converts the 'day' column only; x is {x!r}")
    return 1.0 if unit == "days" else 1.0 / DAYS_PER_MONTH


def reference_lines_for(data: Any, parameter: str | None,
                        spec: Any = "auto") -> list[tuple[float, str]]:
    """The reference lines drawn for a parameter: list of (value, label).

    Parameters
    ----------
    data : DataFrame or Trial
        A Trial's ``parameters`` table supplies the lab's normal limits.
    parameter : str or None
        Laboratory parameter (e.g. ``"upcr"``).
    spec : "auto", dict, list of float, None or False
        ``"auto"``: UPCR 0.5 g/g (complete renal response) for ``upcr``, and the lab's lower
        and upper limits from the trial's ``parameters`` table. A dict label -> value or a list
        of values draws those; None or False draws none.

    >>> reference_lines_for(None, "upcr")
    [(0.5, '0.5 g/g')]
    >>> reference_lines_for(None, "c3", {"LLN": 0.9})
    [(0.9, 'LLN')]
    """
    if spec is None or spec is False:
        return []
    if isinstance(spec, Mapping):
        out = []
        for k, v in spec.items():
            if isinstance(v, bool) or not finite(v):
                raise SmallTrialError(f"reference_lines[{k!r}] must be a finite number, got {v!r}")
            out.append((float(v), str(k)))
        return out
    if isinstance(spec, str):
        check_choice(spec, "reference_lines", ["auto"])
        lines = []
        if parameter == "upcr":
            lines.append((0.5, "0.5 g/g"))
        info = parameter_info(data, parameter)
        if finite(info.get("lower_limit")):
            lines.append((float(info["lower_limit"]), "LLN"))
        if finite(info.get("upper_limit")):
            lines.append((float(info["upper_limit"]), "ULN"))
        seen: dict[float, str] = {}
        for value, label in lines:
            seen.setdefault(value, label)
        return list(seen.items())
    try:
        values = np.asarray(spec, dtype=float).ravel()
    except (TypeError, ValueError):
        raise SmallTrialError(f"reference_lines must be 'auto', a dict, finite numbers or None; "
                              f"got {spec!r}") from None
    if not np.all(np.isfinite(values)):
        raise SmallTrialError(f"reference_lines must be finite numbers, got {spec!r}")
    return [(float(v), "") for v in values]


def _draw_reference_lines(ax, lines, gid_prefix: str) -> None:
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for k, (value, label) in enumerate(lines):
        ax.axhline(
            value, color=GREY, linestyle=(0, (3, 2)), linewidth=0.5, zorder=1,
            gid=f"{gid_prefix}-ref-{k}",
        )
        if label:
            ax.text(
                1.01, value, label, transform=trans, ha="left", va="center", color=GREY,
                fontsize="x-small", clip_on=False, gid=f"{gid_prefix}-ref-label-{k}",
            )


def _means_xy(means, frame, x: str, by: str | None, scale: float):
    """x positions of marginal means: numeric `by` values, or the median day of each level."""
    import pandas as pd

    if not isinstance(means, pd.DataFrame):
        raise SmallTrialError(f"means must be a DataFrame of marginal means, got "
                              f"{type(means).__name__}")
    check_columns(means, ["estimate", "lower", "upper"], "means")
    if by is None:
        by = x if x in means.columns else next(
            (c for c in means.columns if c not in _MEANS_STATS), None
        )
    if by is None or by not in means.columns:
        raise SmallTrialError(
            f"means has no column {by!r} to place the means on the x axis; "
            f"columns present: {', '.join(map(repr, map(str, means.columns)))}"
        )
    values = means[by]
    discrete = not (
        pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    )
    if not discrete:
        mx = values.to_numpy(float) * (scale if by == x else 1.0)
    else:
        if by not in frame.columns:
            raise SmallTrialError(
                f"means column {by!r} holds labels; data needs a column {by!r} to place them "
                f"at the median {x!r} of each level"
            )
        days = frame.groupby(by, sort=False, observed=True)[x].median()
        missing = [v for v in values if v not in days.index]
        if missing:
            raise SmallTrialError(
                f"levels {missing[:5]!r} of means column {by!r} do not occur in data"
            )
        mx = np.array([float(days[v]) for v in values]) * scale
    order = np.argsort(mx, kind="mergesort")
    cols = [means[c].to_numpy(float)[order] for c in ("estimate", "lower", "upper")]
    return (mx[order], *cols, discrete)


def trajectories(
    data: Any,
    *,
    x: str = "day",
    y: str = "value",
    subject: str = "subject",
    parameter: str | None = None,
    hue: str | None = None,
    means: Any = None,
    model: Any = None,
    by: str | None = None,
    scale: str = "response",
    log: bool | None = None,
    reference_lines: Any = "auto",
    unit: str = "days",
    legend: bool = True,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """Individual patient trajectories (spaghetti plot), optionally with model-based means.

    Parameters
    ----------
    data : a Trial (its ``measurements``) or a tidy long DataFrame.
    x, y, subject : column names (default: day, value, subject).
    parameter : keep rows with this value of the ``parameter`` column (e.g. ``"upcr"``).
    hue : column whose levels colour the lines (e.g. ``"cohort"`` or ``"subject"``); default:
        one colour per subject for up to seven subjects without means, grey otherwise.
    means : a marginal-means DataFrame (``MixedModelFit.marginal_means(by)``: columns
        ``<by>, estimate, lower, upper``) drawn as a black line with its CI: a band for a
        numeric ``by`` (e.g. day), vertical bars for label levels (e.g. visits), which are
        placed at the median day of that level in ``data``.
    model, by, scale : instead of ``means``: ``model.marginal_means(by, scale=scale)``.
    log : log y axis (default: True for upcr, cd19_bcells and car_t).
    reference_lines : ``"auto"`` (UPCR 0.5 g/g; lab limits from the trial's parameters
        table), a dict label -> value, a list of values, or None.
    unit : ``"days"`` or ``"months"`` for the day axis.
    legend : a legend of the line colours (subjects or ``hue`` levels) and the mean.

    Rows flagged ``blq`` (if the column exists) are drawn as open markers at the value given
    (the LLOQ). Returns the Axes.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures
    >>> df = pd.DataFrame({"subject": ["P1"] * 3 + ["P2"] * 3, "day": [0, 28, 90] * 2,
    ...                    "value": [2.1, 0.9, 0.3, 1.5, 0.6, 0.2]})
    >>> ax = figures.trajectories(df, reference_lines=[0.5], log=True)
    """
    check_figure_args(columns, height_mm, x=x, y=y, subject=subject, hue=hue, by=by)
    scale_x = _x_scale(x, unit)
    frame = _frame(data, parameter)
    check_columns(frame, [x, y, subject], "data")
    xs = numeric(frame, x, subject=subject)
    ys = numeric(frame, y, subject=subject, missing=True)
    scale = check_choice(scale, "scale", ("link", "response"))
    legend = check_flag(legend, "legend")
    if log is None:
        log = parameter in LOG_PARAMETERS
    log = check_flag(log, "log")
    if model is not None and means is None:
        if not hasattr(model, "marginal_means"):
            raise SmallTrialError(
                f"model must be a fitted mixed model with marginal_means(); got "
                f"{type(model).__name__}"
            )
        means = model.marginal_means(by if by is not None else x, scale=scale)
    blq = flag_column(frame, "blq") if "blq" in frame.columns else None
    colors, legend_map = subject_colors(
        frame, subject, hue, grey_if_many=True, overlay=means is not None
    )
    if log:
        bad = np.isfinite(ys) & (ys <= 0)
        if bad.any():
            warn(f"{int(bad.sum())} value(s) <= 0 of {y!r} cannot be shown on the log axis")
            ys = np.where(bad, np.nan, ys)
    tag = parameter if parameter is not None else y
    lines = reference_lines_for(data, parameter, reference_lines)

    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        subjects = frame[subject].to_numpy()
        for sid in sorted_levels(subjects.tolist()):
            rows = np.flatnonzero(subjects == sid)
            rows = rows[np.argsort(xs[rows], kind="mergesort")]
            keep = rows[np.isfinite(ys[rows])]
            ax.plot(
                xs[keep] * scale_x, ys[keep], color=colors[sid], marker="o", markersize=2,
                linewidth=0.6, gid=f"traj-{tag}-{sid}", zorder=2,
            )
            if blq is not None and blq[keep].any():
                b = keep[blq[keep]]
                ax.plot(
                    xs[b] * scale_x, ys[b], linestyle="none", marker="o", markersize=2.6,
                    markerfacecolor="white", markeredgecolor=colors[sid], markeredgewidth=0.5,
                    gid=f"traj-{tag}-blq-{sid}", zorder=3,
                )
        if means is not None:
            mx, est, lo, hi, discrete = _means_xy(means, frame, x, by, scale_x)
            if discrete:  # means at visits: vertical CI bars, no interpolated band
                ax.vlines(
                    mx, lo, hi, color="#000000", linewidth=0.9, gid=f"traj-{tag}-mean-ci",
                    zorder=4,
                )
            else:
                ax.fill_between(
                    mx, lo, hi, color="#000000", alpha=0.15, linewidth=0,
                    gid=f"traj-{tag}-mean-ci", zorder=3,
                )
            ax.plot(
                mx, est, color="#000000", linewidth=1.2, marker="s", markersize=2.5,
                label="Model-based mean (95% CI)", gid=f"traj-{tag}-mean", zorder=4,
            )
        _draw_reference_lines(ax, lines, f"traj-{tag}")
        if log:
            _log_axis(ax)
        ax.set_xlabel(xlabel if xlabel is not None else _xlabel(x, unit))
        ax.set_ylabel(ylabel if ylabel is not None else _axis_label(data, frame, parameter, y))
        if legend:
            extra = ax.get_legend_handles_labels()[0] if means is not None else []
            _legend_above(ax, _legend_handles(legend_map, extra))
    return ax


def lab_panel(
    trial: Any,
    parameters: Sequence[str] = ("sledai2k", "upcr", "c3", "anti_dsdna"),
    *,
    ncols: int = 2,
    means: Mapping[str, Any] | None = None,
    hue: str | None = None,
    unit: str = "days",
    panel_labels: bool = True,
    style: str | None = None,
    columns: float = 2,
    height_mm: float | None = None,
) -> Figure:
    """Multi-panel figure of lab trajectories, one :func:`trajectories` panel per parameter.

    Parameters
    ----------
    trial : a Trial (or a long measurements DataFrame with a ``parameter`` column).
    parameters : parameter names, one panel each, in reading order.
    ncols : panels per row.
    means : optional dict parameter -> marginal-means DataFrame to overlay.
    panel_labels : bold lowercase panel letters (a, b, ...) as in Nature journals.

    Returns the Figure.

    Example
    -------
    >>> from smalltrial import datasets, figures
    >>> fig = figures.lab_panel(datasets.load("mackensen2022"), ["sledai2k", "upcr"])
    >>> [ax.get_yscale() for ax in fig.axes]
    ['linear', 'log']
    """
    check_flag(panel_labels, "panel_labels")
    if isinstance(parameters, str):
        parameters = [parameters]
    params = list(parameters)
    if not params:
        raise SmallTrialError("parameters must name at least one parameter; got none")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise SmallTrialError(f"ncols must be a whole number >= 1, got {ncols!r}")
    ncols = min(ncols, len(params))
    nrows = -(-len(params) // ncols)
    if height_mm is None:
        height_mm = min(12.0 + 48.0 * nrows, 230.0)
    import matplotlib

    means = dict(means or {})
    with _drawing(style, None):
        fig, axes = new_figure(
            style, columns, height_mm=height_mm, nrows=nrows, ncols=ncols
        )
        flat = np.atleast_1d(axes).ravel()
        for i, name in enumerate(params):
            trajectories(
                trial, parameter=name, hue=hue, means=means.get(name), unit=unit, ax=flat[i],
                legend=False,
            )
            if panel_labels:
                flat[i].set_title(
                    chr(ord("a") + i), loc="left", fontweight="bold",
                    fontsize=float(matplotlib.rcParams["axes.titlesize"]) + 1.0,  # Nature: 8 pt
                )
        for extra in flat[len(params):]:
            extra.set_visible(False)
        # one legend for the figure: the colours are the same in every panel
        seen: dict[str, Any] = {}
        for axis in flat[: len(params)]:
            for line in axis.get_lines():
                gid = str(line.get_gid() or "")
                if gid.endswith("-mean") and "Model-based mean (95% CI)" not in seen:
                    seen["Model-based mean (95% CI)"] = line
        colours = {}
        first = _frame(trial, params[0])
        if hue is not None or len(sorted_levels(first["subject"].tolist())) < 8:
            colours = subject_colors(
                first, "subject", hue, grey_if_many=True, overlay=params[0] in means
            )[1] or {}
        handles = _legend_handles(colours, list(seen.values()))
        if handles:
            fig.legend(
                handles=handles, loc="outside upper center", ncol=min(8, len(handles)),
                handlelength=1.2, columnspacing=0.8,
            )
    return fig


def _kinetics(
    data: Any,
    *,
    x: str,
    y: str,
    subject: str,
    parameter: str | None,
    blq: str | None,
    lloq: float | None,
    log: bool,
    hue: str | None,
    threshold: float | None,
    threshold_label: str,
    peak: bool,
    unit: str,
    xlim: tuple[float, float] | None,
    xlabel: str | None,
    ylabel: str | None,
    ax: Any,
    style: str | None,
    columns: float,
    height_mm: float | None,
    gid: str,
    default_parameter: str,
):
    check_figure_args(columns, height_mm, x=x, y=y, subject=subject, blq=blq, hue=hue)
    lloq = optional_number(lloq, "lloq")
    xlim = check_xlim(xlim)
    scale_x = _x_scale(x, unit)
    frame = _frame(data, parameter)
    # the blq column may be absent under its default name; a name given explicitly must exist
    check_columns(frame, [x, y, subject] + ([blq] if blq not in (None, "blq") else []), "data")
    threshold = optional_number(threshold, "threshold")
    peak = check_flag(peak, "peak")
    log = check_flag(log, "log")
    xs = numeric(frame, x, subject=subject)
    values = numeric(frame, y, subject=subject)
    flagged = (
        flag_column(frame, blq)
        if blq is not None and blq in frame.columns
        else np.zeros(len(frame), bool)
    )
    if lloq is None:
        info = parameter_info(data, parameter)
        if finite(info.get("lloq")):
            lloq = float(info["lloq"])
        elif flagged.any():
            found = np.unique(values[flagged])
            if len(found) != 1:
                raise SmallTrialError(
                    f"rows flagged {blq!r} hold different values {found.tolist()[:5]}; "
                    f"pass lloq= explicitly"
                )
            lloq = float(found[0])
    if lloq is not None and not (finite(lloq) and lloq > 0):
        raise SmallTrialError(f"lloq must be a number > 0, got {lloq!r}")
    below = flagged | (values < lloq) if lloq is not None else flagged
    if below.any() and lloq is None:
        raise SmallTrialError(f"data has values flagged {blq!r} but no LLOQ; pass lloq=")
    shown = np.where(below, lloq if lloq is not None else np.nan, values)
    if log:
        bad = ~below & (shown <= 0)
        if bad.any():
            warn(
                f"{int(bad.sum())} value(s) <= 0 of {y!r} without a BLQ flag or LLOQ cannot be "
                f"shown on the log axis"
            )
            shown = np.where(bad, np.nan, shown)
    colors, legend_map = subject_colors(frame, subject, hue, grey_if_many=True, overlay=False)

    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        subjects = frame[subject].to_numpy()
        peaks = []
        for sid in sorted_levels(subjects.tolist()):
            rows = np.flatnonzero(subjects == sid)
            rows = rows[np.argsort(xs[rows], kind="mergesort")]
            rows = rows[np.isfinite(shown[rows])]
            color = colors[sid]
            ax.plot(
                xs[rows] * scale_x, shown[rows], color=color, linewidth=0.6,
                gid=f"{gid}-line-{sid}", zorder=2,
            )
            q = rows[~below[rows]]
            b = rows[below[rows]]
            ax.plot(
                xs[q] * scale_x, shown[q], linestyle="none", marker="o", markersize=2.4,
                color=color, gid=f"{gid}-quantified-{sid}", zorder=3,
            )
            if len(b):
                ax.plot(
                    xs[b] * scale_x, shown[b], linestyle="none", marker="o", markersize=2.6,
                    markerfacecolor="white", markeredgecolor=color, markeredgewidth=0.5,
                    gid=f"{gid}-blq-{sid}", zorder=3,
                )
            if peak and len(q):
                top = q[np.argmax(values[q])]
                peaks.append((xs[top] * scale_x, values[top]))
        if peaks:
            from matplotlib.transforms import ScaledTranslation

            pk = np.asarray(peaks)
            above = ScaledTranslation(0, 4.0 / 72.0, ax.figure.dpi_scale_trans)
            ax.plot(
                pk[:, 0], pk[:, 1], linestyle="none", marker="v", markersize=3.2,
                markerfacecolor="none", markeredgecolor="#000000", markeredgewidth=0.5,
                gid=f"{gid}-peak", zorder=4, transform=ax.transData + above,
            )
        from matplotlib.lines import Line2D
        from matplotlib.transforms import blended_transform_factory

        extra = []
        trans = blended_transform_factory(ax.transAxes, ax.transData)
        if lloq is not None:
            ax.axhline(
                lloq, color=GREY, linestyle=(0, (3, 2)), linewidth=0.5, zorder=1, gid=f"{gid}-lloq"
            )
            ax.text(
                1.01, lloq, "LLOQ", transform=trans, ha="left", va="center", color=GREY,
                fontsize="x-small", clip_on=False, gid=f"{gid}-lloq-label",
            )
            if below.any():
                extra.append(
                    Line2D(
                        [], [], linestyle="none", marker="o", markersize=2.6,
                        markerfacecolor="white", markeredgecolor="#000000",
                        markeredgewidth=0.5, label="<LLOQ (drawn at LLOQ)",
                    )
                )
        if threshold is not None:
            ax.axhline(
                float(threshold), color=OKABE_ITO["vermillion"], linestyle=(0, (1, 1.5)),
                linewidth=0.6, zorder=1, gid=f"{gid}-threshold",
            )
            if threshold_label:
                ax.text(
                    1.01, float(threshold), threshold_label, transform=trans, ha="left",
                    va="center", color=OKABE_ITO["vermillion"], fontsize="x-small",
                    clip_on=False, gid=f"{gid}-threshold-label",
                )
        if peaks:
            extra.append(
                Line2D(
                    [], [], linestyle="none", marker="v", markersize=3.2,
                    markerfacecolor="none", markeredgecolor="#000000", markeredgewidth=0.5,
                    label="Peak",
                )
            )
        if log:
            _log_axis(ax)
            if lloq is not None:
                top = np.nanmax(shown) if np.isfinite(shown).any() else lloq * 10
                ax.set_ylim(lloq / 2.0, max(top, lloq) * 2.0)
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.set_xlabel(xlabel if xlabel is not None else _xlabel(x, unit))
        if ylabel is None:
            ylabel = (
                _axis_label(data, frame, parameter, y)
                if parameter is not None
                else PARAMETER_LABELS[default_parameter]
            )
        ax.set_ylabel(ylabel)
        handles = [Line2D([], [], color=c, label=str(k)) for k, c in (legend_map or {}).items()]
        handles += extra
        if handles:
            _legend_above(ax, handles)
    return ax


def bcell_kinetics(
    data: Any,
    *,
    x: str = "day",
    y: str = "value",
    subject: str = "subject",
    parameter: str | None = "cd19_bcells",
    blq: str | None = "blq",
    lloq: float | None = None,
    threshold: float | None = None,
    log: bool = True,
    hue: str | None = None,
    unit: str = "days",
    xlim: tuple[float, float] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """CD19+ B cells per uL over time on a log axis, values below the LLOQ drawn as such.

    Parameters
    ----------
    data : a Trial (its measurements) or a long DataFrame; rows of ``parameter`` are used
        (pass ``parameter=None`` for a frame that holds only B-cell counts).
    blq : bool column marking values below the lower limit of quantification (the value
        then holds the LLOQ, as in the trial data model).
    lloq : the LLOQ (default: the trial's parameters table, else the value of the BLQ rows).
        Values below it, zeros included, count as BLQ.
    threshold : an extra dotted line, e.g. 10 cells/uL for B-cell reconstitution.
    xlim : x-axis limits (e.g. ``(0, 90)`` for the first three months).

    BLQ values are never drawn as zero: they sit at the LLOQ as open markers, on a dashed
    line labelled "LLOQ", with a legend entry "<LLOQ (drawn at LLOQ)"; the log axis floors at
    LLOQ / 2. Returns the Axes.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures
    >>> df = pd.DataFrame({"subject": ["P1"] * 4, "day": [-7, 7, 28, 110],
    ...                    "value": [150.0, 1.0, 1.0, 25.0],
    ...                    "blq": [False, True, True, False]})
    >>> ax = figures.bcell_kinetics(df, parameter=None)
    """
    threshold = optional_number(threshold, "threshold")
    return _kinetics(
        data, x=x, y=y, subject=subject, parameter=parameter, blq=blq, lloq=lloq, log=log,
        hue=hue, threshold=threshold,
        threshold_label=f"{threshold:g}/\u00b5L" if threshold is not None else "", peak=False,
        unit=unit, xlim=xlim, xlabel=xlabel, ylabel=ylabel, ax=ax, style=style,
        columns=columns, height_mm=height_mm, gid="bcell", default_parameter="cd19_bcells",
    )


def cart_expansion(
    data: Any,
    *,
    x: str = "day",
    y: str = "value",
    subject: str = "subject",
    parameter: str | None = "car_t",
    blq: str | None = "blq",
    lloq: float | None = None,
    log: bool = True,
    peak: bool = True,
    hue: str | None = None,
    unit: str = "days",
    xlim: tuple[float, float] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
) -> Axes:
    """CAR-T expansion curves (% of CD3+ T cells) per patient, with each patient's peak.

    Same conventions as :func:`bcell_kinetics` (BLQ values at the LLOQ as open markers);
    ``peak`` marks each patient's highest quantified value with an open triangle.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures
    >>> df = pd.DataFrame({"subject": ["P1"] * 4, "day": [3, 10, 28, 90],
    ...                    "value": [1.2, 32.0, 6.0, 0.1], "blq": [False, False, False, True]})
    >>> ax = figures.cart_expansion(df, parameter=None)
    """
    return _kinetics(
        data, x=x, y=y, subject=subject, parameter=parameter, blq=blq, lloq=lloq, log=log,
        hue=hue, threshold=None, threshold_label="", peak=peak, unit=unit, xlim=xlim,
        xlabel=xlabel, ylabel=ylabel, ax=ax, style=style, columns=columns,
        height_mm=height_mm, gid="cart", default_parameter="car_t",
    )
