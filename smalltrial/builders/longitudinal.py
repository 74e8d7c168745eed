"""A parameter over time: the longitudinal table (observed values and mixed model), trajectories
and the waterfall plot.

By default the table and its mixed model use every visit with data (``min_n`` patients or
more), with the number of patients shown per visit: the model exists to use incomplete data.
With more than one group of the ``by`` column holding values, each group gets its own section
and model; groups without any value are named in a footnote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial._errors import SmallTrialError
from smalltrial.builders.context import attr
from smalltrial.builders.course import _hue, _needs, _time_axis
from smalltrial.builders.labels import _auto_digits
from smalltrial.builders.registry import register_figure, register_table
from smalltrial.spec import DF_METHODS, REQUIRED, TIME_UNITS

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


def _check_min_n(key: str, opts: dict, endpoints: dict) -> dict:
    from smalltrial.spec import _fail

    if opts["min_n"] < 1:
        raise _fail(f"{key}.min_n", f"must be >= 1, got {opts['min_n']!r}")
    if opts["min_n"] > 1 and opts["visits"]:
        raise _fail(f"{key}.min_n", "give either 'visits' or 'min_n', not both")
    return opts


@register_table("longitudinal", options={
    "parameter": ("str", REQUIRED, None),
    "transform": ("str", "none", ("none", "log")),
    "df_method": ("str", "kenward-roger", DF_METHODS),
    "visits": ("list[str]", None, None),
    "min_n": ("int", 1, None),
    "test_at": ("str", None, None),
}, title="<parameter> by visit", stem=("parameter",), check=_check_min_n)
def _table_longitudinal(ctx: Analysis, item: ItemSpec):
    from smalltrial.tables.display import Display

    parameter = item.options["parameter"]
    rows = ctx.long(parameter, f"{item.key}.parameter")
    present = set(rows[ctx.by].astype(str))
    groups = [g for g in ctx.groups() if g in present]
    note = ctx.not_assessed_note(rows["subject"], ctx.labels.short(parameter))
    notes = [note] if note else []
    label = ctx.labels.short(parameter)
    title = item.title or f"{label} by visit"
    if len(groups) <= 1:
        return Display("longitudinal", _one_longitudinal(ctx, item, None, title, notes))
    parts = [{"heading": ctx.labels.group(g), "options": _one_longitudinal(ctx, item, g, title, [])}
             for g in groups]
    return Display("longitudinal_by_group", {"parts": parts, "title": title, "notes": notes,
                                             "name": item.file})


def _signed_rank(paired_change, data, baseline, at):
    """The exact signed-rank test of the table (``paired_change``), without the warnings about
    the pseudo-median's interval that the table does not print (they stay on the result's
    ``warnings``)."""
    import re
    import warnings

    from smalltrial.longitudinal._paired import INTERVAL_CAVEATS

    with warnings.catch_warnings():
        for start in INTERVAL_CAVEATS:
            warnings.filterwarnings("ignore", message=re.escape(start))
        return paired_change(data, "value", subject="subject", time="visit", baseline=baseline,
                             at=at)


def _one_longitudinal(ctx: Analysis, item: ItemSpec, group: str | None, title: str,
                      notes: list) -> dict:
    """The options of one longitudinal table (all patients, or one group): the statistics
    (observed values per visit, the mixed model, the signed-rank test) go to the ARD under
    the parameter's (and group's) ``group``/``group_level``."""
    from smalltrial import summaries
    from smalltrial.ard import _grouped

    opts = item.options
    parameter, transform, df_method = opts["parameter"], opts["transform"], opts["df_method"]
    visits = tuple(opts["visits"]) if opts["visits"] else None
    min_n = opts["min_n"]
    order = ctx.model_visits(parameter, visits, item.key, group, min_n)
    data = ctx.model_frame(parameter, visits, item.key, group, min_n)
    observed = ctx.once(("observed", parameter, group, visits, min_n), lambda: summaries.describe(
        data, "value", by="visit", overall=False, group_order=order))
    ctx.mixed_fit(parameter, transform, df_method, visits, item.key, group, min_n)
    test = None
    if opts["test_at"]:
        paired_change = attr("longitudinal", "paired_change")
        at = opts["test_at"]
        measured = set(ctx.long(parameter, f"{item.key}.parameter")["visit"].astype(str))
        if at not in measured:  # a typo, not a group without the visit
            raise SmallTrialError(
                f"spec: {item.key}.test_at: no {parameter!r} value at visit {at!r}; visits with "
                f"values: {', '.join(map(repr, [v for v in ctx.visit_order() if v in measured]))}")
        if at not in order:
            if group is not None:
                notes = [*notes, f"No {ctx.labels.visit(at)} values: no signed-rank test."]
            else:
                raise SmallTrialError(f"spec: {item.key}.test_at: visit {at!r} not among {order}")
        else:
            ctx.once(("paired", parameter, order[0], at, group, visits, min_n),
                     lambda: _signed_rank(paired_change, data, order[0], at))
            test = {"baseline": order[0], "at": at}
    label = ctx.labels.short(parameter)
    digits = _auto_digits(data["value"], observed, "median-range")
    model = (f"Model: {'log ' if transform == 'log' else ''}{parameter} ~ visit (categorical, "
             f"reference {order[0]}) + random intercept per patient; REML.")
    where = dict(zip(("group", "group_level"), _grouped(ctx, "parameter", parameter, group),
                     strict=True))
    return {
        "where": where, "test": test, "by": "visit", "order": order,
        "labels": ctx.labels.visits(order), "unit": ctx.labels.unit(parameter),
        "digits": digits, "model_digits": max(digits, 1), "title": title, "outcome": label,
        "scale": "log" if transform == "log" else "identity", "df_method": df_method,
        "model": model, "notes": notes, "name": item.file,
    }


@register_figure("trajectories", options={
    "parameter": ("str", REQUIRED, None),
    "log": ("bool", None, None),
    "time_unit": ("str", None, TIME_UNITS),
})
def _fig_trajectories(ctx: Analysis, item: ItemSpec):
    fn = _needs("trajectories")
    parameter = item.options["parameter"]
    rows = ctx.long(parameter, f"{item.key}.parameter")
    means = None
    # the model means of a longitudinal table of the same parameter: the same fit, reused
    groups = [g for g in ctx.groups() if g in set(rows[ctx.by].astype(str))]
    for table in ctx.spec.tables:
        if table.name == "longitudinal" and table.options["parameter"] == parameter and len(groups) <= 1:
            o = table.options
            visits = tuple(o["visits"]) if o["visits"] else None
            fit = ctx.mixed_fit(parameter, o["transform"], o["df_method"], visits, table.key,
                                None, o["min_n"])
            means = fit.marginal_means("visit", scale="response" if o["transform"] == "log" else "link")
            break
    x, unit, xlabel = _time_axis(ctx, item, rows)
    if x != "day":
        rows = rows.assign(**{x: rows[x]})
    hue = _hue(ctx)
    if hue is not None:  # group names and order (and colours) as in the tables and other figures
        rows = ctx.labelled_groups(rows)
    ax = fn(rows, parameter=None, x=x, means=means, log=item.options["log"], hue=hue,
            unit=unit, xlabel=xlabel, ylabel=item.options["ylabel"] or ctx.labels.variable(parameter),
            style=ctx.spec.style)
    label = ctx.labels.short(parameter)
    ax.figure._smalltrial_caption = (
        f"{label}: individual patient trajectories" + (
            ", with the model-based means (95% CI) of the longitudinal table" if means is not None
            else f", coloured by {ctx.labels.variable(ctx.by).lower()}" if hue is not None
            else "") + ".")
    return ax.figure


@register_figure("waterfall", options={
    "parameter": ("str", REQUIRED, None),
    "visit": ("str", "month 3", None),
    "change": ("str", "percent", ("percent", "absolute")),
    "threshold": ("number", None, None),
})
def _fig_waterfall(ctx: Analysis, item: ItemSpec):
    fn = _needs("waterfall")
    opts = item.options
    parameter, visit = opts["parameter"], opts["visit"]
    key = f"{item.key}.parameter"
    rows = ctx.long(parameter, key)
    if visit not in set(rows["visit"]):
        present = [v for v in ctx.visit_order() if v in set(rows["visit"])]
        raise SmallTrialError(f"spec: {item.key}.visit: no {parameter!r} values at visit {visit!r}; "
                              f"visits: {', '.join(map(repr, present))}")
    base = rows[rows["day"] <= 0].groupby("subject")["value"].last()
    at = rows[rows["visit"] == visit].groupby("subject")["value"].first()
    frame = ctx.trial.subjects[["subject", ctx.by]].copy()
    frame["baseline"] = frame["subject"].map(base)
    frame["at"] = frame["subject"].map(at)
    frame = frame.dropna(subset=["baseline", "at"])
    if opts["change"] == "percent":
        frame = frame[frame["baseline"] != 0]
        frame["change"] = 100.0 * (frame["at"] - frame["baseline"]) / frame["baseline"]
        ylabel = f"{ctx.labels.short(parameter)}: change to {visit}, %"
    else:
        frame["change"] = frame["at"] - frame["baseline"]
        ylabel = f"{ctx.labels.short(parameter)}: change to {visit}"
    if frame.empty:
        raise SmallTrialError(f"spec: {item.key}: no patient with {parameter!r} at baseline and {visit!r}")
    groups = frame[ctx.by].nunique()
    shown = ctx.once(("waterfall", parameter, visit, opts["change"]),
                     lambda: frame[["subject", "baseline", "at", "change"]].reset_index(drop=True))
    plotted = ctx.labelled_groups(frame) if groups > 1 else frame
    ax = fn(plotted.reset_index(drop=True), subject="subject", change="change",
            threshold=opts["threshold"], hue=ctx.by if groups > 1 else None,
            ylabel=opts["ylabel"] or ylabel,
            style=ctx.spec.style)
    missing = [str(s) for s in ctx.trial.subjects["subject"] if s not in set(shown["subject"])]
    what = "percent change" if opts["change"] == "percent" else "change"
    ax.figure._smalltrial_caption = (
        f"Waterfall plot: {what} in {ctx.labels.short(parameter)} from baseline to "
        f"{ctx.labels.visit(visit)}, one bar per patient ({len(shown)} of "
        f"{len(ctx.trial.subjects)})"
        + (f"; not shown: {', '.join(missing)} (no baseline or {ctx.labels.visit(visit)} value"
           + (", or a baseline of 0" if opts["change"] == "percent" else "") + ")" if missing else "")
        + (f"; dashed line at {opts['threshold']:g}" if opts["threshold"] is not None else "")
        + ".")
    return ax.figure
