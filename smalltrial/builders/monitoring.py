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

The table and figure ``efficacy_monitoring`` do the same for an efficacy/futility design:
``design = "bop2"`` (Zhou, Lee & Yuan 2017, with ``looks``) or ``"predictive_probability"``
(Lee & Liu 2008, with ``first_look``, ``power`` and optionally ``theta_u``), ``p0``, ``p1``,
``n_max``, ``alpha``, ``prior``; the table gives the boundary per look, the exact operating
characteristics at ``rates`` (default p0 and p1) and where the responders of a response rule
(patients in the order of the subjects table) stand: crossed at look k, not crossed, or the
final decision; the figure draws the boundaries with the observed path and the operating
characteristics against the true rate.
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
    _check_rates(key, opts.get("rates"), "toxicity")
    return opts


def _check_rates(key: str, rates: list | None, what: str) -> None:
    """``rates`` (the true rates of the operating characteristics): unset, or >= 1 rates in [0, 1]."""
    from smalltrial.spec import _fail

    if rates is None:
        return
    if not rates:
        raise _fail(f"{key}.rates", f"give at least one true {what} rate")
    for i, r in enumerate(rates):
        if not 0 <= r <= 1:
            raise _fail(f"{key}.rates[{i}]", f"must be in [0, 1], got {r!r}")


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


def display(ctx: Analysis, item: ItemSpec, sheet: Any, *, title: str, columns: tuple,
            rows: list, footnotes: list, marks: dict | None = None):
    """The table as a ``monitoring`` display: its numbers (``sheet``) go to the run's ARD
    through ``ctx.once``, the cells keep placeholders that the layout fills from the ARD
    (``smalltrial.monitoring.tables``). ``marks``: footnote index -> the first label of the row
    whose label cell gets that footnote's mark (rows that are not there: no mark)."""
    from smalltrial.tables.display import Display

    ctx.once(("monitoring_table", item.file), sheet.result)
    labels = [r.cells[0] for r in rows]
    pairs = [[note, labels.index(label)] for note, label in (marks or {}).items()
             if note < len(footnotes) and label in labels]
    return Display("monitoring", {
        "title": title, "columns": list(columns),
        "rows": [[list(r.cells), r.indent, r.section] for r in rows],
        "footnotes": list(footnotes), "name": item.file, "marks": pairs})


@register_table("safety_monitoring", options={
    **OPTIONS,
    "rates": ("list[number]", [0.1, 0.2, 0.3, 0.4, 0.5], None),
}, title="Safety monitoring: toxicity stopping boundary and observed toxicities", check=_check)
def _table_safety_monitoring(ctx: Analysis, item: ItemSpec):
    """The planned Bayesian stopping rule (``smalltrial.design.safety_monitoring``): its
    boundary, exact operating characteristics at ``rates``, and the observed toxicities in the
    order of the subjects table against it (crossed at patient k, or not crossed). Laid out
    from the ARD (layout ``monitoring``)."""
    from smalltrial import tables
    from smalltrial.monitoring.tables import Sheet

    o = item.options
    rule = _rule(ctx, o)
    what = event_label(o)
    sh = Sheet()
    rows = [tables.Row((f"Stopping boundary: stop when at least s of the first n patients had "
                        f"{what}", ""), section=True)]
    # runs of consecutive looks with the same boundary (as smalltrial.monitoring.boundary_table)
    runs: list[list] = []
    for n, st in zip(rule.boundary["n"], rule.boundary["stop_at"], strict=True):
        n = int(n)
        same = runs and runs[-1][1] == n - 1 and (
            st == runs[-1][2] or (math.isnan(st) and math.isnan(runs[-1][2])))
        if same:
            runs[-1][1] = n
        else:
            runs.append([n, n, st])
    for first, last, st in runs:
        label = f"n = {first}" if first == last else f"n = {first}\u2013{last}"
        value = "no stop possible" if math.isnan(st) else \
            f"s = {sh.num('boundary', 'stop_at', st, 'd', level=str(first))}"
        rows.append(tables.Row((label, value), indent=1))
    rows.append(tables.Row(("Operating characteristics (exact): P(stop) / expected N", ""),
                           section=True))
    for r in rule.operating_characteristics(list(o["rates"])).itertuples():
        lvl = repr(float(r.p))
        rows.append(tables.Row((f"True rate {sh.num('oc', 'p', r.p, 'g', level=lvl)}",
                                f"{sh.num('oc', 'prob_stop', r.prob_stop, 3, level=lvl)} / "
                                f"{sh.num('oc', 'expected_n', r.expected_n, 1, level=lvl)}"),
                               indent=1))
    toxic = toxic_patients(ctx, o)
    counts, crossed = observed_path(rule, toxic)
    patients = sh.num("observed", "patients", len(toxic), "d")
    events = sh.num("observed", "patients_with_event", sum(toxic), "d")
    n_max = sh.num("rule", "n_max", rule.n_max, "d")
    if crossed is not None:
        status = (f"crossed at patient {sh.num('observed', 'crossed_at', crossed, 'd')} "
                  f"({sh.num('observed', 'count_at_crossing', counts[crossed - 1], 'd')} among "
                  f"{sh.num('observed', 'crossed_at', crossed, 'd')})")
    else:
        n_seen = sh.num("observed", "monitored", len(counts), "d")
        x_seen = sh.num("observed", "count_monitored", counts[-1] if counts else 0, "d")
        status = (f"not crossed so far ({x_seen} among {n_seen}; {n_max} planned)"
                  if len(counts) < rule.n_max else f"not crossed ({x_seen} among {n_seen})")
    rows += [
        tables.Row(("Observed", ""), section=True),
        tables.Row((f"Patients with {what}", f"{events}/{patients}"), indent=1),
        tables.Row(("Boundary", status), indent=1),
    ]
    if counts:
        k = crossed or len(counts)
        post = posterior_exceeds(rule, counts[k - 1], k)
        rows.append(tables.Row((
            f"Posterior P(rate > {sh.num('rule', 'limit', rule.limit, 'g')} | "
            f"{sh.num('observed', 'posterior_x', counts[k - 1], 'd')} of "
            f"{sh.num('observed', 'posterior_n', k, 'd')})",
            sh.num("observed", "posterior", post, 3)), indent=1))
    a, b = rule.prior
    notes = [
        f"Bayesian rule (Thall, Simon & Estey 1995): stop when P(p > "
        f"{sh.num('rule', 'limit', rule.limit, 'g')} | data) > "
        f"{sh.num('rule', 'cutoff', rule.cutoff, 'g')}, prior Beta("
        f"{sh.num('rule', 'prior_a', a, 'g')}, {sh.num('rule', 'prior_b', b, 'g')}).",
        f"Looks after every patient up to n = {n_max}; patient k = the k-th row of the "
        "subjects table; a patient counts once however many qualifying events, over the whole "
        "recorded follow-up (not only what was known when the next patient started).",
    ]
    if len(toxic) > rule.n_max:
        notes.append(f"{patients} patients treated: only the first {n_max} are monitored.")
    return display(ctx, item, sh, title=item.title or
                   "Safety monitoring: toxicity stopping boundary and observed toxicities",
                   columns=("", "Value"), rows=rows, footnotes=notes,
                   marks={0: rows[0].cells[0], 1: f"Patients with {what}", 2: "Boundary"})


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


# --------------------------------------------------------------------------------------------
# efficacy / futility monitoring: BOP2 (binary) and the predictive-probability design
# --------------------------------------------------------------------------------------------
#: ``design`` option value -> the ``smalltrial.design`` function and a readable name
EFFICACY_DESIGNS = {"bop2": ("bop2_design", "BOP2"),
                    "predictive_probability": ("predictive_probability_design",
                                               "predictive-probability")}
EFFICACY_OPTIONS = {
    "response": ("str", REQUIRED, None),
    "design": ("str", "bop2", tuple(EFFICACY_DESIGNS)),
    "p0": ("number", REQUIRED, None),
    "p1": ("number", REQUIRED, None),
    "n_max": ("int", REQUIRED, None),
    "looks": ("list[number]", None, None),     # BOP2: the interim looks (< n_max)
    "first_look": ("int", None, None),         # predictive probability: default 10
    "alpha": ("number", 0.1, None),
    "power": ("number", None, None),           # predictive probability: default 0.8
    "prior": ("list[number]", None, None),
    "theta_u": ("number", None, None),         # predictive probability: early efficacy stop
}


def _check_efficacy(key: str, opts: dict, endpoints: dict) -> dict:
    from smalltrial.builders.efficacy import _check_response
    from smalltrial.spec import _fail

    for name in ("p0", "p1", "alpha", "power"):
        v = opts.get(name)
        if v is not None and not 0 < v < 1:
            raise _fail(f"{key}.{name}", f"must be in (0, 1), got {v!r}")
    if opts["p1"] <= opts["p0"]:
        raise _fail(f"{key}.p1", f"must be above p0 = {opts['p0']!r}, got {opts['p1']!r}")
    if opts["n_max"] < 2:
        raise _fail(f"{key}.n_max", f"must be at least 2, got {opts['n_max']!r}")
    prior = opts.get("prior")
    if prior is not None and (len(prior) != 2 or not all(v > 0 for v in prior)):
        raise _fail(f"{key}.prior", f"must be two positive numbers [a, b], got {prior!r}")
    if opts["design"] == "bop2":
        for name in ("first_look", "power", "theta_u"):
            if opts.get(name) is not None:
                raise _fail(f"{key}.{name}", "applies to design = 'predictive_probability' "
                                             "only (BOP2 maximises the power at alpha)")
        looks = opts.get("looks")
        if not looks:
            raise _fail(f"{key}.looks", "give the interim looks of the BOP2 design (numbers "
                                        "of patients < n_max), e.g. [10, 15, 20]")
        prev = 0
        for i, v in enumerate(looks):
            if v != int(v) or not prev < v < opts["n_max"]:
                raise _fail(f"{key}.looks[{i}]", f"must be a whole number above {prev} and "
                                                 f"below n_max = {opts['n_max']}, got {v!r}")
            prev = v
    else:
        if opts.get("looks") is not None:
            raise _fail(f"{key}.looks", "applies to design = 'bop2' only (the predictive-"
                                        "probability design looks after every patient from "
                                        "first_look)")
        first = opts.get("first_look")
        if first is not None and not 1 <= first < opts["n_max"]:
            raise _fail(f"{key}.first_look", f"must be in [1, n_max = {opts['n_max']}), got "
                                             f"{first!r}")
        tu = opts.get("theta_u")
        if tu is not None and not 0 < tu <= 1:
            raise _fail(f"{key}.theta_u", f"must be in (0, 1] (1: no efficacy stop), got {tu!r}")
    _check_rates(key, opts.get("rates"), "response")
    return _check_response(key, opts, endpoints)


def efficacy_design(ctx: Analysis, opts: dict):
    """The planned design (``smalltrial.design.bop2_design`` or
    ``predictive_probability_design``) of a ``efficacy_monitoring`` entry, computed once."""
    from smalltrial.builders.context import attr

    prior = None if opts.get("prior") is None else tuple(float(v) for v in opts["prior"])
    kwargs: dict[str, Any] = {"n_max": opts["n_max"], "alpha": opts["alpha"]}
    if prior is not None:
        kwargs["prior"] = prior
    if opts["design"] == "bop2":
        kwargs["looks"] = [int(v) for v in opts["looks"]]
    else:
        for name in ("power", "first_look", "theta_u"):
            if opts.get(name) is not None:
                kwargs[name] = opts[name]
    func = EFFICACY_DESIGNS[opts["design"]][0]
    key = ("efficacy_design", opts["design"], opts["p0"], opts["p1"],
           tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items())))
    return ctx.once(key, lambda: attr("design", func)(opts["p0"], opts["p1"], **kwargs))


def responders(ctx: Analysis, response: str) -> list[bool]:
    """Per patient, in the order of the subjects table: a responder under the rule (met at any
    post-baseline visit; never assessable counts as not responding)."""
    best = ctx.best_response(response)
    met = dict(zip(best["subject"].astype(str), best["met"].astype(bool), strict=True))
    return [met.get(str(s), False) for s in ctx.trial.subjects["subject"]]


def efficacy_status(design: Any, responding: list[bool]) -> dict:
    """Where the observed responders stand against an efficacy design's boundaries.

    Patients are taken in order; at each look n the responders among the first n are compared
    with the boundary. Returns a dict: ``state`` (``"futility"`` / ``"efficacy"``: crossed at
    an interim look; ``"success"`` / ``"not promising"``: reached the final analysis;
    ``"running"``: fewer patients than the next look), ``look`` (1-based, None while running),
    ``n`` and ``x`` (patients and responders at that look, or all observed so far while
    running), ``bound`` (the boundary crossed, or the success threshold), ``counts``
    (cumulative responders after each of the first min(patients, N) patients) and
    ``next_look``.
    """
    counts: list[int] = []
    for r in responding[:design.n_max]:
        counts.append((counts[-1] if counts else 0) + int(r))
    looks = list(design.looks)
    last = len(looks) - 1
    for k, n in enumerate(looks):
        if n > len(counts):
            x = counts[-1] if counts else 0
            return {"state": "running", "look": None, "n": len(counts), "x": x, "bound": None,
                    "counts": counts, "next_look": n}
        x = counts[n - 1]
        if k == last:
            ok = x >= design.success_at
            return {"state": "success" if ok else "not promising", "look": k + 1, "n": n,
                    "x": x, "bound": design.success_at, "counts": counts, "next_look": None}
        fut, eff = design.futility[k], design.efficacy[k]
        if not math.isnan(fut) and x <= fut:
            return {"state": "futility", "look": k + 1, "n": n, "x": x, "bound": int(fut),
                    "counts": counts, "next_look": None}
        if not math.isnan(eff) and x >= eff:
            return {"state": "efficacy", "look": k + 1, "n": n, "x": x, "bound": int(eff),
                    "counts": counts, "next_look": None}
    raise AssertionError("unreachable: the last look is the final analysis")  # pragma: no cover


def efficacy_status_text(status: dict, n_max: int, num: Any = None) -> str:
    """One line for the table, e.g. ``"futility boundary crossed at n = 15 (look 2): 2/15
    responders \u2264 2"`` or ``"not crossed; final analysis at n = 23: 8/23 responders \u2265 6:
    promising"``. ``num(statistic, value)`` gives the text of each number (default the whole
    number; the table passes a placeholder maker)."""
    if num is None:
        def num(_stat: str, value: Any) -> str:
            return str(int(value))
    s = status["state"]
    if s == "running":
        return (f"not crossed so far ({num('x', status['x'])}/{num('n', status['n'])} "
                f"responders; next look at n = {num('next_look', status['next_look'])}, "
                f"N = {num('n_max', n_max)})")
    n, x, b = num("n", status["n"]), num("x", status["x"]), num("bound", status["bound"])
    if s == "futility":
        return (f"futility boundary crossed at n = {n} (look {num('look', status['look'])}): "
                f"{x}/{n} responders \u2264 {b}")
    if s == "efficacy":
        return (f"efficacy boundary crossed at n = {n} (look {num('look', status['look'])}): "
                f"{x}/{n} responders \u2265 {b}")
    if s == "success":
        return f"not crossed; final analysis at n = {n}: {x}/{n} responders \u2265 {b}: promising"
    return f"not crossed; final analysis at n = {n}: {x}/{n} responders < {b}: not promising"


def _boundary_rows(design: Any, sh: Any) -> list[tuple[str, str]]:
    """(label, value) per interim look, runs of consecutive looks with the same boundaries
    merged ("n = 11\u201314"), then the final analysis (numbers as placeholders of ``sh``)."""
    looks = list(design.looks)
    runs: list[list] = []  # [first n, last n, futility, efficacy]
    for n, f, e in zip(looks[:-1], design.futility, design.efficacy, strict=True):
        same = runs and runs[-1][1] == n - 1 and all(
            a == b or (math.isnan(a) and math.isnan(b)) for a, b in ((f, runs[-1][2]),
                                                                      (e, runs[-1][3])))
        if same:
            runs[-1][1] = n
        else:
            runs.append([n, n, f, e])
    rows = []
    for a, b, f, e in runs:
        parts = [] if math.isnan(f) else [
            f"\u2264 {sh.num('look', 'futility_at_most', f, 'd', level=str(a))}"]
        parts += [] if math.isnan(e) else [
            f"\u2265 {sh.num('look', 'efficacy_at_least', e, 'd', level=str(a))}"]
        rows.append((f"n = {a}" if a == b else f"n = {a}\u2013{b}",
                     "stop if " + " or ".join(parts) if parts else "no stop possible"))
    rows.append((f"n = {sh.num('design', 'n_max', design.n_max, 'd')} (final)",
                 f"promising if \u2265 {sh.num('design', 'success_at', design.success_at, 'd')}"))
    return rows


def _posterior_above_p0(design: Any, x: int, n: int) -> float:
    """P(p > p0 | x of n) under the design's Beta prior."""
    from scipy.special import betaincc

    a, b = design.parameters["prior"]
    return float(betaincc(a + x, b + n - x, design.p0))


def _design_rows(design: Any, opts: dict, sh: Any) -> list[tuple[str, str]]:
    pr = design.parameters
    a, b = pr["prior"]

    def d(stat: str, value: Any, fmt: int | str = "g") -> str:
        return sh.num("design", stat, value, fmt)

    rows = [("Null / target response rate (p0 / p1)", f"{d('p0', design.p0)} / {d('p1', design.p1)}")]
    if design.method == "bop2":
        rows += [("Posterior cut-off C(n) = 1 \u2212 \u03bb (n/N)^\u03b3",
                  f"\u03bb = {d('lambda', pr['lambda'])}, \u03b3 = {d('gamma', pr['gamma'])}"),
                 ("Maximum sample size N; interim looks",
                  f"{d('n_max', design.n_max, 'd')}; n = "
                  f"{', '.join(str(n) for n in design.looks[:-1])}")]
    else:
        rows += [("Final success: P(rate > p0 | data) > \u03b8_T",
                  f"\u03b8_T = {d('theta_t', pr['theta_t'])}"),
                 ("Futility: predictive probability of success < \u03b8_L",
                  f"\u03b8_L = {d('theta_l', pr['theta_l'])}")]
        if pr["theta_u"] < 1:
            rows.append(("Efficacy: predictive probability of success > \u03b8_U",
                         f"\u03b8_U = {d('theta_u', pr['theta_u'])}"))
        rows.append(("Maximum sample size N (smallest meeting alpha and power)",
                     f"{d('n_max', design.n_max, 'd')} (searched up to {opts['n_max']}); looks "
                     f"from n = {pr['first_look']}"))
    rows += [("Prior of the response rate", f"Beta({d('prior_a', a)}, {d('prior_b', b)})"),
             ("Type I error / power (exact)",
              f"{d('type1_error', design.type1_error, 3)} / {d('power', design.power, 3)}"),
             ("Expected sample size / early stopping under p0",
              f"{d('expected_n0', design.expected_n0, 1)} / {d('pet0', design.pet0, 3)}")]
    return rows


def _method_note_text(design: Any, sh: Any) -> str:
    """The method footnote (as ``smalltrial.monitoring.tables``' note) with placeholders."""
    pr = design.parameters

    def d(stat: str, value: Any) -> str:
        return sh.num("design", stat, value, "g")

    if design.method == "bop2":
        return (f"BOP2 (Zhou, Lee & Yuan 2017): futility cut-off C(n) = 1 - "
                f"{d('lambda', pr['lambda'])} (n/{sh.num('design', 'n_max', design.n_max, 'd')})"
                f"^{d('gamma', pr['gamma'])}, H0: p <= {d('p0', design.p0)}.")
    return (f"Predictive probability design (Lee & Liu 2008): success when P(p > "
            f"{d('p0', design.p0)} | data) > {d('theta_t', pr['theta_t'])}; stop for futility "
            f"when the predictive probability of success < {d('theta_l', pr['theta_l'])}.")


@register_table("efficacy_monitoring", options={
    **EFFICACY_OPTIONS,
    "rates": ("list[number]", None, None),
}, title="Efficacy monitoring: stopping boundaries and observed response", stem=("design",),
    check=_check_efficacy)
def _table_efficacy_monitoring(ctx: Analysis, item: ItemSpec):
    """The planned efficacy/futility design (BOP2, Zhou, Lee & Yuan 2017, or the
    predictive-probability design, Lee & Liu 2008; ``smalltrial.design``): its boundary per
    look, the exact operating characteristics at ``rates`` (default p0 and p1), and where the
    observed responders (patients in the order of the subjects table) stand against it. Laid
    out from the ARD (layout ``monitoring``)."""
    from smalltrial import tables
    from smalltrial.monitoring.tables import Sheet

    o = item.options
    design = efficacy_design(ctx, o)
    sh = Sheet()
    has_eff = any(not math.isnan(e) for e in design.efficacy)
    rows = [tables.Row(("Design", ""), section=True)]
    rows += [tables.Row(r, indent=1) for r in _design_rows(design, o, sh)]
    rows.append(tables.Row(("Boundaries: stop for futility if responders \u2264 r among the "
                            "first n" + (", for efficacy if \u2265 s" if has_eff else ""), ""),
                           section=True))
    rows += [tables.Row(r, indent=1) for r in _boundary_rows(design, sh)]
    what = "P(success) / P(stop for futility)" + (" / P(stop for efficacy)" if has_eff else "")
    rows.append(tables.Row((f"Operating characteristics (exact): {what} / expected N", ""),
                           section=True))
    rates = o.get("rates") or [o["p0"], o["p1"]]
    for r in design.operating_characteristics(list(rates)).itertuples():
        lvl = repr(float(r.p))
        cells = [sh.num("oc", "prob_success", r.prob_success, 3, level=lvl),
                 sh.num("oc", "prob_stop_futility", r.prob_stop_futility, 3, level=lvl)]
        if has_eff:
            cells.append(sh.num("oc", "prob_stop_efficacy", r.prob_stop_efficacy, 3, level=lvl))
        cells.append(sh.num("oc", "expected_n", r.expected_n, 1, level=lvl))
        rows.append(tables.Row((f"True rate {sh.num('oc', 'p', r.p, 'g', level=lvl)}",
                                " / ".join(cells)), indent=1))
    responding = responders(ctx, o["response"])
    status = efficacy_status(design, responding)
    label = getattr(ctx.response_rule(o["response"]), "label", None) or o["response"]

    def obs(stat: str, value: Any) -> str:
        return sh.num("observed", stat, value, "d")

    patients = obs("patients", len(responding))
    rows += [
        tables.Row(("Observed", ""), section=True),
        tables.Row((f"Responders ({label})", f"{obs('responders', sum(responding))}/{patients}"),
                   indent=1),
        tables.Row(("Boundaries", efficacy_status_text(status, design.n_max, obs)), indent=1),
    ]
    if status["n"]:
        x, n = status["x"], status["n"]
        rows.append(tables.Row((
            f"Posterior P(rate > {sh.num('design', 'p0', design.p0, 'g')} | {obs('x', x)} of "
            f"{obs('n', n)})", sh.num("observed", "posterior", _posterior_above_p0(design, x, n),
                                      3)), indent=1))
    notes = [
        _method_note_text(design, sh) + " Design parameters as given in the spec.",
        "Patients in the order of the subjects table; a patient counts as a responder when the "
        "response rule is met at any post-baseline visit of the whole recorded follow-up (not "
        "only what was known at the look); without any assessable visit, as not responding.",
    ]
    if design.method != "bop2":
        notes.append(f"Looks after every patient from n = {design.parameters['first_look']}; "
                     "boundaries of consecutive looks that agree are merged.")
    if len(responding) > design.n_max:
        notes.append(f"{patients} patients treated: only the first "
                     f"{sh.num('design', 'n_max', design.n_max, 'd')} are monitored.")
    name = EFFICACY_DESIGNS[o["design"]][1]
    marks = {0: "Design", 1: f"Responders ({label})"}
    if design.method != "bop2":
        marks[2] = next(r.cells[0] for r in rows if r.cells[0].startswith("Boundaries: "))
    if len(responding) > design.n_max:
        marks[len(notes) - 1] = "Boundaries"
    return display(ctx, item, sh, title=item.title or
                   f"Efficacy monitoring: {name} design and observed response",
                   columns=("", "Value"), rows=rows, footnotes=notes, marks=marks)


@register_figure("efficacy_monitoring", options=dict(EFFICACY_OPTIONS),
                 title="Efficacy monitoring: boundaries with the observed responders, and "
                       "operating characteristics", stem=("design",), check=_check_efficacy)
def _fig_efficacy_monitoring(ctx: Analysis, item: ItemSpec):
    """Two panels: the futility (and efficacy) boundary by number of patients with the observed
    cumulative responders drawn over it, and the exact operating characteristics (probability
    of declaring success and of stopping early) against the true response rate."""
    import numpy as np
    import pandas as pd

    from smalltrial.builders.context import attr

    o = item.options
    design = efficacy_design(ctx, o)
    status = efficacy_status(design, responders(ctx, o["response"]))
    fig, (ax_b, ax_oc) = attr("figures", "new_figure")(ctx.spec.style, 2, ncols=2,
                                                       height_mm=70)
    attr("figures", "monitoring_boundaries")(design, ax=ax_b, style=ctx.spec.style,
                                             ylabel="Responders")
    looks = np.asarray(design.looks, dtype=float)
    eff = np.asarray(design.efficacy, dtype=float)
    if np.isfinite(eff).any():
        ok = np.isfinite(eff)
        ax_b.step(looks[:-1][ok], eff[ok], where="mid", color="0.35", linewidth=1.0,
                  linestyle="--", gid="efficacy")
    ax_b.plot([design.n_max], [design.success_at], "^", color="0.35", markersize=4,
              gid="success", label=f"promising at N if \u2265 {design.success_at}")
    ax_b.set_xlim(0.5, design.n_max + 0.5)
    from matplotlib.ticker import MaxNLocator

    ax_b.xaxis.set_major_locator(MaxNLocator(integer=True))
    counts = status["counts"]
    if counts:
        ks = list(range(1, len(counts) + 1))
        ax_b.step(ks, counts, where="mid", color="black", linewidth=1.0, gid="observed",
                  label="observed")
        ax_b.plot(ks, counts, "o", color="black", markersize=2)
        if status["state"] in ("futility", "efficacy"):
            ax_b.plot([status["n"]], [status["x"]], "x", color="black", markersize=6,
                      gid="crossed")
    lo, hi = ax_b.get_ylim()
    ax_b.set_ylim(lo, max(hi, (counts[-1] if counts else 0) + 1.5, design.success_at + 1.5))
    # the legend is drawn outside the figure's style context: the journal font of the axis
    # labels (see _fig_monitoring_boundaries)
    ax_b.legend(loc="upper left", frameon=False, prop=ax_b.yaxis.label.get_fontproperties())
    grid = np.round(np.arange(0, 51) / 50, 2)
    grid = np.union1d(grid[grid <= min(1.0, design.p1 + 0.3)], [design.p0, design.p1])
    oc = design.operating_characteristics(grid)
    tidy = pd.concat([
        pd.DataFrame({"p": oc["p"], "value": oc["prob_success"], "what": "P(success)"}),
        pd.DataFrame({"p": oc["p"], "value": oc["prob_stop_early"], "what": "P(stop early)"}),
    ], ignore_index=True)
    attr("figures", "operating_characteristics_plot")(
        tidy, y="value", hue="what", ax=ax_oc, style=ctx.spec.style,
        xlabel="True response rate", ylabel="Probability")
    for v in (design.p0, design.p1):
        ax_oc.axvline(v, color="0.6", linewidth=0.6, linestyle=":", gid=f"rate-{v:g}")
    return fig
