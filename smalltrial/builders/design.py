"""The planned design: a Simon two-stage design, where the observed responses stand against it,
and the exact inference that respects the two-stage sampling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial.builders.registry import register_table
from smalltrial.spec import REQUIRED

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


def _check_design(key: str, opts: dict, endpoints: dict) -> dict:
    from smalltrial.builders.efficacy import _check_response
    from smalltrial.spec import _fail

    for name in ("p0", "p1", "alpha", "power"):
        v = opts[name]
        if not 0 < v < 1:
            raise _fail(f"{key}.{name}", f"must be in (0, 1), got {v!r}")
    if opts["p1"] <= opts["p0"]:
        raise _fail(f"{key}.p1", f"must be above p0 = {opts['p0']!r}, got {opts['p1']!r}")
    return _check_response(key, opts, endpoints)


@register_table("simon_design", options={
    "response": ("str", REQUIRED, None),
    "p0": ("number", REQUIRED, None),
    "p1": ("number", REQUIRED, None),
    "alpha": ("number", 0.05, None),
    "power": ("number", 0.80, None),
    "criterion": ("str", "optimal", ("optimal", "minimax")),
}, title="Simon two-stage design and observed response", check=_check_design)
def _table_simon_design(ctx: Analysis, item: ItemSpec):
    """The Simon design (``smalltrial.design.simon_two_stage``), the observed responders of
    stage 1 (the first n1 patients in the order of the subjects table) and overall (the
    response rule's "any visit" value, every patient counted), the decision at each stage, and
    the UMVUE, exact p-value and CI after the design (``design.two_stage_inference``)."""
    from smalltrial import tables
    from smalltrial.builders.context import attr

    o = item.options
    design = ctx.once(("simon", o["p0"], o["p1"], o["alpha"], o["power"], o["criterion"]),
                      lambda: attr("design", "simon_two_stage")(
                          o["p0"], o["p1"], alpha=o["alpha"], power=o["power"],
                          criterion=o["criterion"]))
    best = ctx.best_response(o["response"])
    order = [str(s) for s in ctx.trial.subjects["subject"]]
    met = dict(zip(best["subject"].astype(str), best["met"].astype(bool), strict=True))
    seq = [met.get(s, False) for s in order]
    n_total = len(seq)
    level = ctx.ep["level"]
    interim = n_total < design.n1  # stage 1 still enrolling: where the data stand, no inference
    n1_obs = min(design.n1, n_total)
    x1 = int(sum(seq[:n1_obs]))
    stopped = not interim and x1 <= design.r1
    n_obs = n1_obs if stopped or interim else n_total
    x = x1 if stopped or interim else int(sum(seq))
    inference = None if interim else ctx.once(
        ("simon_inference", o["response"], x, n1_obs, n_obs, level),
        lambda: attr("design", "two_stage_inference")(
            x, design, n1_observed=n1_obs, n_observed=n_obs, level=level))
    pct = f"{round(100 * level):g}%"
    rule = ctx.response_rule(o["response"])
    label = getattr(rule, "label", None) or o["response"]

    from smalltrial.builders.monitoring import display
    from smalltrial.monitoring.tables import Sheet

    sh = Sheet()

    def d(stat: str, value: float, fmt: int | str = 3) -> str:
        return sh.num("design", stat, value, fmt)

    def obs(stat: str, value: float, fmt: int | str = "d") -> str:
        return sh.num("observed", stat, value, fmt)

    rows = [
        tables.Row(("Design", ""), section=True),
        tables.Row(("Null / alternative response rate (p0 / p1)",
                    f"{d('p0', o['p0'], 2)} / {d('p1', o['p1'], 2)}"), indent=1),
        tables.Row(("Stage 1: stop if responders \u2264 r1 among n1",
                    f"r1 = {d('r1', design.r1, 'd')}, n1 = {d('n1', design.n1, 'd')}"), indent=1),
        tables.Row(("Reject p \u2264 p0 if responders > r among n",
                    f"r = {d('r', design.r, 'd')}, n = {d('n', design.n, 'd')}"), indent=1),
        tables.Row(("Type I error / power",
                    f"{d('type1_error', design.type1_error)} / {d('power', design.power)}"),
                   indent=1),
        tables.Row(("Expected sample size / early stopping under p0",
                    f"{d('expected_n0', design.expected_n0, 1)} / {d('pet0', design.pet0)}"),
                   indent=1),
        tables.Row(("Observed", ""), section=True),
    ]
    if interim:
        if x1 > design.r1:
            status = "stage-1 threshold already passed"
        elif x1 + design.n1 - n_total <= design.r1:
            status = "stage 1 cannot pass any more"
        else:
            status = (f"{obs('responders_still_needed', design.r1 + 1 - x1)} more responder(s) "
                      f"needed among the next {obs('stage1_patients_to_come', design.n1 - n_total)}")
        rows.append(tables.Row((f"Stage 1 (in progress, {obs('patients', n_total)} of "
                                f"{d('n1', design.n1, 'd')}): responders",
                                f"{obs('stage1_responders', x1)}/{obs('patients', n_total)}: "
                                f"{status}"), indent=1))
    else:
        rows.append(tables.Row((f"Stage 1: responders among the first {obs('stage1_n', n1_obs)}",
                                f"{obs('stage1_responders', x1)}/{obs('stage1_n', n1_obs)}: "
                                + ("stop (futility)" if stopped else "continue")), indent=1))
    if not stopped and not interim:
        rows.append(tables.Row((f"Final: responders among {obs('n', n_obs)}",
                                f"{obs('responders', x)}/{obs('n', n_obs)}: "
                                + ("p0 rejected" if x > design.r else "p0 not rejected")),
                               indent=1))
    if inference is not None:
        def inf(stat: str, value: float, fmt: int | str = 3) -> str:
            return sh.num("inference", stat, value, fmt)

        rows += [
            tables.Row(("Response rate, UMVUE", inf("umvue", inference.umvue)), indent=1),
            tables.Row((f"{pct} CI (stagewise ordering)",
                        f"{inf('lower', inference.lower)}\u2013{inf('upper', inference.upper)}"),
                       indent=1),
            tables.Row(("One-sided P (H1: p > p0)", inf("p_value", inference.pvalue, "p")),
                       indent=1),
        ]
    notes = [
        f"Simon two-stage design ({o['criterion']}; Simon, Control Clin Trials 1989), "
        f"alpha = {d('alpha', o['alpha'], 'g')}, power = {d('nominal_power', o['power'], 'g')}; "
        f"response: {label}.",
        "Stage 1 = the first n1 patients in the order of the subjects table; a patient "
        "without any assessable visit counts as not responding.",
    ]
    if inference is not None:
        notes.append(
            "Inference after the two-stage design: UMVUE (Jung & Kim 2004), exact p-value and "
            "confidence interval under the stagewise ordering (Koyama & Chen 2008); the naive "
            f"estimate x/n = {sh.num('inference', 'naive', x / n_obs, 3)} ignores the sampling.")
    else:
        notes.append(f"Stage 1 is not complete ({obs('patients', n_total)} of "
                     f"{d('n1', design.n1, 'd')} patients): no inference after the design yet.")
    if n_total != design.n and not stopped:
        notes.append(f"{obs('patients', n_total)} patients treated against "
                     f"{d('n', design.n, 'd')} planned: the inference conditions on the "
                     "attained sample sizes.")
    stage1 = [r.cells[0] for r in rows if r.cells[0].startswith("Stage 1")][-1]  # observed
    marks = {0: "Design", 1: stage1, 2: "Response rate, UMVUE" if inference is not None
             else stage1}
    if len(notes) > 3:  # attained sample sizes differ from the plan
        marks[3] = "Response rate, UMVUE"
    return display(ctx, item, sh, title=item.title or "Simon two-stage design and observed "
                   "response", columns=("", "Value"), rows=rows, footnotes=notes, marks=marks)

