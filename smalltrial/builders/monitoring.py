"""The planned safety monitoring: a Bayesian toxicity stopping rule (Thall, Simon & Estey 1995)
with its exact operating characteristics, and where the trial's own toxicities stand against
its boundary (crossed at patient k, or not crossed).

The table ``safety_monitoring`` and the figure ``monitoring_boundaries`` take the same options:
the counted event (``event`` = ``"adverse_event"`` with an optional ``term``, ``"crs"`` or
``"icans"``; ``min_grade``; ``related_only``), the rule (``n_max``, ``limit``, ``cutoff``,
``prior``) and, for the table, the true toxicity rates of the operating characteristics
(``rates``). Patients are taken in the order of the subjects table: the look after patient k
counts the patients among the first k with a qualifying event (over their whole recorded
follow-up). The table ends with the rule's own statistic, P(p > limit | x of k), at the
crossing (or at the last look).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from smalltrial.builders.registry import register_figure, register_table
from smalltrial.spec import REQUIRED

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec

OPTIONS = {
    "event": ("str", "adverse_event", ("adverse_event", "crs", "icans")),
    "term": ("str", None, None),
    "min_grade": ("int", 3, None),
    "related_only": ("bool", False, None),
    "n_max": ("int", REQUIRED, None),
    "limit": ("number", REQUIRED, None),
    "cutoff": ("number", 0.9, None),
    "prior": ("list[number]", [1, 1], None),
}


def _check(key: str, opts: dict, endpoints: dict) -> dict:
    from smalltrial.spec import _fail

    if opts["n_max"] < 1:
        raise _fail(f"{key}.n_max", f"must be at least 1, got {opts['n_max']!r}")
    for name in ("limit", "cutoff"):
        if not 0 < opts[name] < 1:
            raise _fail(f"{key}.{name}", f"must be in (0, 1), got {opts[name]!r}")
    prior = opts["prior"]
    if len(prior) != 2 or not all(v > 0 for v in prior):
        raise _fail(f"{key}.prior", f"must be two positive numbers [a, b], got {prior!r}")
    if opts["min_grade"] not in (1, 2, 3, 4, 5):
        raise _fail(f"{key}.min_grade", f"must be a grade 1..5, got {opts['min_grade']!r}")
    if opts["event"] != "adverse_event":
        for name in ("term", "related_only"):
            if opts[name] not in (None, False):
                raise _fail(f"{key}.{name}", f"applies to event = 'adverse_event' only, not "
                                             f"{opts['event']!r}")
    rates = opts.get("rates")
    if rates is not None:
        if not rates:
            raise _fail(f"{key}.rates", "give at least one true toxicity rate")
        for i, r in enumerate(rates):
            if not 0 <= r <= 1:
                raise _fail(f"{key}.rates[{i}]", f"must be in [0, 1], got {r!r}")
    return opts


def event_label(opts: dict) -> str:
    """What the rule counts, e.g. ``"grade ≥ 3 adverse events"``."""
    what = {"crs": "CRS", "icans": "ICANS"}.get(opts["event"]) or (
        opts["term"] or "adverse events")
    related = "treatment-related " if opts.get("related_only") else ""
    return f"grade \u2265 {opts['min_grade']} {related}{what}"


def _rule(ctx: Analysis, opts: dict):
    from smalltrial.builders.context import attr

    prior = tuple(float(v) for v in opts["prior"])
    return ctx.once(("safety_monitoring", opts["n_max"], opts["limit"], opts["cutoff"], prior),
                    lambda: attr("design", "safety_monitoring")(
                        opts["n_max"], limit=opts["limit"], cutoff=opts["cutoff"],
                        prior=prior))


def toxic_patients(ctx: Analysis, opts: dict) -> list[bool]:
    """Per patient, in the order of the subjects table: had a qualifying event."""
    order = [str(s) for s in ctx.trial.subjects["subject"]]
    if opts["event"] in ("crs", "icans"):
        worst = ctx.worst_grades((opts["event"],))
        grade = dict(zip(worst["subject"].astype(str), worst[opts["event"]], strict=True))
        return [bool(grade.get(s, 0) >= opts["min_grade"]) for s in order]
    ae = getattr(ctx.trial, "adverse_events", None)
    hit: set[str] = set()
    if ae is not None and len(ae):
        import pandas as pd

        keep = pd.to_numeric(ae["grade"], errors="coerce") >= opts["min_grade"]
        if opts["term"] is not None:
            keep &= ae["term"].astype(str).str.casefold() == opts["term"].casefold()
        if opts["related_only"]:
            keep &= ae["related"].fillna(False).astype(bool)
        hit = set(ae.loc[keep, "subject"].astype(str))
    return [s in hit for s in order]


def observed_path(rule: Any, toxic: list[bool]) -> tuple[list[int], int | None]:
    """Cumulative toxicities after each of the first min(n, n_max) patients, and the first
    patient k at which the count reaches the rule's boundary (None: not crossed)."""
    stops = dict(zip(rule.boundary["n"], rule.boundary["stop_at"], strict=True))
    counts: list[int] = []
    crossed = None
    for k, tox in enumerate(toxic[:rule.n_max], start=1):
        counts.append((counts[-1] if counts else 0) + int(tox))
        s = stops.get(k, math.nan)
        if crossed is None and not math.isnan(s) and counts[-1] >= s:
            crossed = k
    return counts, crossed


def observed_text(counts: list[int], crossed: int | None, n_max: int) -> str:
    """``"crossed at patient k (x among k)"``, ``"not crossed (x among n)"``, or while the
    trial enrols ``"not crossed so far (x among n; n_max planned)"``."""
    if crossed is not None:
        return f"crossed at patient {crossed} ({counts[crossed - 1]} among {crossed})"
    n, x = len(counts), counts[-1] if counts else 0
    if n < n_max:
        return f"not crossed so far ({x} among {n}; {n_max} planned)"
    return f"not crossed ({x} among {n})"


def posterior_exceeds(rule: Any, x: int, n: int) -> float:
    """P(p > limit | x of n) under the rule's Beta prior: the rule's statistic at that look."""
    from scipy.special import betaincc

    a, b = rule.prior
    return float(betaincc(a + x, b + n - x, rule.limit))


@register_table("safety_monitoring", options={
    **OPTIONS,
    "rates": ("list[number]", [0.1, 0.2, 0.3, 0.4, 0.5], None),
}, title="Safety monitoring: toxicity stopping boundary and observed toxicities", check=_check)
def _table_safety_monitoring(ctx: Analysis, item: ItemSpec):
    """The planned Bayesian stopping rule (``smalltrial.design.safety_monitoring``): its
    boundary, exact operating characteristics at ``rates``, and the observed toxicities in the
    order of the subjects table against it (crossed at patient k, or not crossed)."""
    from smalltrial import tables
    from smalltrial._format import fmt_num
    from smalltrial.monitoring import boundary_table

    o = item.options
    rule = _rule(ctx, o)
    what = event_label(o)
    bt = boundary_table(rule, event=what)
    rows = [tables.Row((f"Stopping boundary: stop when at least s of the first n patients had "
                        f"{what}", ""), section=True)]
    for r in bt.rows:
        n, stop = r.cells[0], r.cells[1]
        rows.append(tables.Row((f"n = {n}", "no stop possible" if stop == "\u2013"
                                else f"s = {stop.removeprefix('>= ')}"), indent=1))
    rows.append(tables.Row(("Operating characteristics (exact): P(stop) / expected N", ""),
                           section=True))
    for r in rule.operating_characteristics(list(o["rates"])).itertuples():
        rows.append(tables.Row((f"True rate {r.p:g}",
                                f"{fmt_num(r.prob_stop, 3)} / {fmt_num(r.expected_n, 1)}"),
                               indent=1))
    toxic = toxic_patients(ctx, o)
    counts, crossed = observed_path(rule, toxic)
    rows += [
        tables.Row(("Observed", ""), section=True),
        tables.Row((f"Patients with {what}", f"{sum(toxic)}/{len(toxic)}"), indent=1),
        tables.Row(("Boundary", observed_text(counts, crossed, rule.n_max)), indent=1),
    ]
    if counts:
        k = crossed or len(counts)
        post = posterior_exceeds(rule, counts[k - 1], k)
        rows.append(tables.Row((f"Posterior P(rate > {rule.limit:g} | {counts[k - 1]} of {k})",
                                fmt_num(post, 3)), indent=1))
    notes = list(bt.footnotes) + [
        f"Looks after every patient up to n = {rule.n_max}; patient k = the k-th row of the "
        "subjects table; a patient counts once however many qualifying events, over the whole "
        "recorded follow-up (not only what was known when the next patient started).",
    ]
    if len(toxic) > rule.n_max:
        notes.append(f"{len(toxic)} patients treated: only the first {rule.n_max} are "
                     "monitored.")
    return tables.Table(title=item.title or
                        "Safety monitoring: toxicity stopping boundary and observed toxicities",
                        columns=("", "Value"), rows=tuple(rows), footnotes=tuple(notes),
                        name=item.file)


@register_figure("monitoring_boundaries", options=dict(OPTIONS),
                 title="Toxicity stopping boundary and observed toxicities", check=_check)
def _fig_monitoring_boundaries(ctx: Analysis, item: ItemSpec):
    """The boundary of the planned rule (``smalltrial.figures.monitoring_boundaries``) with the
    observed cumulative toxicities by patient drawn over it (crossing marked)."""
    from smalltrial.builders.context import attr

    o = item.options
    rule = _rule(ctx, o)
    counts, crossed = observed_path(rule, toxic_patients(ctx, o))
    ax = attr("figures", "monitoring_boundaries")(
        rule, ylabel=f"Patients with {event_label(o)}",
        style=ctx.spec.style)
    if counts:
        ks = list(range(1, len(counts) + 1))
        ax.step(ks, counts, where="mid", color="black", linewidth=1.0,
                label="observed", gid="observed")
        ax.plot(ks, counts, "o", color="black", markersize=2)
        if crossed is not None:
            ax.plot([crossed], [counts[crossed - 1]], "x", color="black", markersize=6,
                    gid="crossed")
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, max(hi, counts[-1] + 1.5))
        # the legend is drawn here, outside the figure's style context: give it the journal
        # font of the axis labels (the global default font would mix a second font into the
        # PDF, whose embedding order then depends on the process's history)
        ax.legend(loc="upper left", frameon=False, prop=ax.yaxis.label.get_fontproperties())
    return ax.figure
