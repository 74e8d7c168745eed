"""Response by visit: the efficacy table and the forest plot.

Every group of the ``by`` column is accounted for: a group with no assessment is named in a
footnote instead of silently missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial._errors import SmallTrialError
from smalltrial.builders.course import _needs
from smalltrial.builders.registry import register_figure, register_table
from smalltrial.spec import REQUIRED, _check_options, _fail

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


_REMISSION_DEFINITIONS = {
    "doris": ("DORIS remission", "DORIS 2021 remission (van Vollenhoven et al. 2021): clinical "
              "SLEDAI-2K = 0, physician global assessment < 0.5 and prednisone \u2264 5 mg/day; "
              "visits where a component was not recorded are not counted."),
    "drug_free_remission": ("Drug-free remission", "Drug-free remission: DORIS 2021 remission "
                            "without glucocorticoids or immunosuppressants."),
    "lldas": ("LLDAS", "Lupus low disease activity state (Franklyn et al. 2016)."),
}


def _check_response(key: str, opts: dict, endpoints: dict) -> dict:
    """``response``: a rule of [[endpoints.responses]] or a named rule (doris, lldas, ...)."""
    from smalltrial.spec import NAMED_RESPONSES

    name = opts.get("response")
    known = [e["name"] for e in endpoints.get("responses", ())] + list(NAMED_RESPONSES)
    if name is not None and name not in known:
        raise _fail(f"{key}.response", f"unknown response {name!r}; valid: {', '.join(map(repr, known))} "
                    "(declare others in [[endpoints.responses]])")
    if opts.get("best") and name is None:
        raise _fail(f"{key}.best", "needs a 'response' rule")
    return opts


def _check_tabulated_response(key: str, opts: dict, endpoints: dict) -> dict:
    """As :func:`_check_response`; a spec that declares [[endpoints.responses]] names the one
    to show (the default, the lupus remission of ``endpoints.remission``, is then not meant)."""
    opts = _check_response(key, opts, endpoints)
    declared = [e["name"] for e in endpoints.get("responses", ())]
    if opts.get("response") is None and declared:
        raise _fail(f"{key}.response", "name the response to show: one of "
                    f"{', '.join(map(repr, declared))} (or a named rule such as 'doris' for the "
                    "lupus remission)")
    return opts


@register_table("efficacy", options={
    "visits": ("list[str]", None, None),
    "outcome": ("str", "remission", ("remission",)),
    "response": ("str", None, None),
    "best": ("bool", None, None),  # unset = false (not recorded in the manifest)
}, title="Table 2. <response> by visit", check=_check_tabulated_response)
def _table_efficacy(ctx: Analysis, item: ItemSpec):
    """Response n/N [CI] by visit and group: the spec's lupus remission (``endpoints.remission``)
    by default, else the response rule named by ``response`` (for any trial); with ``best``
    also a row "Any visit" (met at any post-baseline visit: an overall response rate)."""
    import pandas as pd

    from smalltrial.tables.display import Display

    visits = item.options["visits"]
    response = item.options["response"]
    if visits == [] and item.options["best"]:  # only the overall rate (e.g. best overall response)
        results = pd.DataFrame(columns=["visit", "group", "x", "n", "estimate", "lower", "upper",
                                        "method", "level"])
    else:
        results = ctx.once(("efficacy", tuple(visits) if visits else None, response),
                           lambda: ctx.efficacy_results(visits, item.key, response))
    if results.empty and not item.options["best"]:
        raise SmallTrialError(f"spec: {item.key}: no visit with a {response or 'remission'} assessment")
    if response is None:
        label, definition = _REMISSION_DEFINITIONS[ctx.ep["remission"]]
        assessed = ctx.remission_by_visit(item.key)["subject"]
    else:
        rule = ctx.response_rule(response)
        label = ctx.labels.event(response) if ctx.labels.renamed_event(response) else (
            _REMISSION_DEFINITIONS[response][0] if response in _REMISSION_DEFINITIONS else rule.label)
        definition = (_REMISSION_DEFINITIONS[response][1] if response in _REMISSION_DEFINITIONS
                      else f"{label}: {rule.describe(ctx.labels.short)}.")
        assessed = ctx.response_by_visit(response)["subject"]
    row_labels = ctx.labels.visits(results["visit"].unique())
    notes = []
    row_notes = {}
    if item.options["best"]:
        per_subject = ctx.best_response(response)
        best = ctx.once(("efficacy", "best", response),
                        lambda: ctx.rates_by_group(per_subject, "met").assign(visit="any visit"))
        results = best[list(results.columns)] if results.empty else pd.concat(
            [results, best[list(results.columns)]], ignore_index=True)
        row_labels["any visit"] = "Any visit"
        never = int(per_subject["never_assessable"].sum())
        row_notes = {"any visit": "Any visit: met at one or more post-baseline visits; N = every "
                     "patient the response applies to" + (
                         f" ({never} without any assessable visit, counted as not responding)."
                         if never else ".")}
    note = ctx.not_assessed_note(assessed, label)
    notes += [note] if note else []
    return Display("efficacy", {
        "title": item.title or f"Table 2. {label} by visit", "outcome": label,
        "row_labels": row_labels, "column_labels": ctx.labels.groups(results["group"].unique()),
        "column_order": list(dict.fromkeys(results["group"])),
        "definition": definition, "notes": notes, "row_notes": row_notes, "name": item.file,
    })


_EXTERNAL_OPTIONS = {
    "label": ("str", REQUIRED, None),
    "x": ("int", REQUIRED, None),
    "n": ("int", REQUIRED, None),
}


def _check_forest(key: str, opts: dict, endpoints: dict) -> dict:
    """Each ``external`` entry is a published cohort ``{label, x, n}`` with 0 <= x <= n, n >= 1."""
    opts["external"] = [_check_options(f"{key}.external[{j}]", ext, _EXTERNAL_OPTIONS)
                        for j, ext in enumerate(opts["external"])]
    for j, ext in enumerate(opts["external"]):
        if not 0 <= ext["x"] <= ext["n"] or ext["n"] < 1:
            raise _fail(f"{key}.external[{j}]", f"need 0 <= x <= n and n >= 1, got x={ext['x']}, n={ext['n']}")
    if opts.get("pooled") and len(opts["external"]) < 2:
        raise _fail(f"{key}.pooled", "pools the external cohorts: give at least two in "
                    f"'external' (got {len(opts['external'])})")
    return opts


def _check_forest_response(key: str, opts: dict, endpoints: dict) -> dict:
    return _check_tabulated_response(key, _check_forest(key, opts, endpoints), endpoints)


@register_figure("forest", options={
    "visit": ("str", "month 3", None),
    "label": ("str", "This trial", None),
    "external": ("list[table]", [], None),
    "response": ("str", None, None),
    "pooled": ("bool", None, None),  # unset = false (not recorded in the manifest)
    "pooling_method": ("str", "glmm", ("glmm", "freeman-tukey")),
}, check=_check_forest_response)
def _fig_forest(ctx: Analysis, item: ItemSpec):
    """Response at one visit with CI per group (the efficacy table's numbers) and published
    cohorts; ``response`` as in the efficacy table. With ``pooled`` the ``external`` cohorts
    only (not this trial, whose row stays the comparison) are pooled by
    ``rates.pooled_proportion`` (``pooling_method``: glmm or freeman-tukey) and drawn as a
    diamond labelled as such."""
    import pandas as pd

    fn = _needs("forest")
    visit = item.options["visit"]
    response = item.options["response"]
    results = ctx.once(("efficacy", (visit,), response),
                       lambda: ctx.efficacy_results([visit], f"{item.key}", response))
    records = []
    for _, r in results.iterrows():
        own = item.options["label"]
        records.append({"label": f"{own}: {ctx.labels.group(r['group'])}" if len(results) > 1 else own,
                        "responders": int(r["x"]), "n": int(r["n"]), "estimate": r["estimate"],
                        "lower": r["lower"], "upper": r["upper"]})
    for ext in item.options["external"]:
        ci = ctx.proportion_ci(ext["x"], ext["n"])
        records.append({"label": ext["label"], "responders": ext["x"], "n": ext["n"],
                        "estimate": float(ci.estimate), "lower": float(ci.lower),
                        "upper": float(ci.upper)})
    if response is None:
        label, _ = _REMISSION_DEFINITIONS[ctx.ep["remission"]]
    elif response in _REMISSION_DEFINITIONS and not ctx.labels.renamed_event(response):
        label = _REMISSION_DEFINITIONS[response][0]
    else:
        label = ctx.labels.event(response)
    level = f"{100 * ctx.ep['level']:g}%"
    xlabel = item.options["xlabel"] or f"{label} at {visit}, % ({level} CI)"
    pooled = None
    pooled_label = "Pooled (random effects)"
    if item.options["pooled"]:
        from smalltrial.builders.context import attr

        method = item.options["pooling_method"]
        external = tuple((ext["x"], ext["n"]) for ext in item.options["external"])
        pooled = ctx.once(("pooled", external, method), lambda: attr("rates", "pooled_proportion")(
            [x for x, _ in external], [n for _, n in external], method=method,
            level=ctx.ep["level"]))
        model = "GLMM" if method == "glmm" else "Freeman\u2013Tukey"
        pooled_label = f"External cohorts pooled ({model}; not this trial)"
    ax = fn(pd.DataFrame(records), label="label", xlabel=xlabel, style=ctx.spec.style, columns=2,
            pooled=pooled, pooled_label=pooled_label)
    from smalltrial.tables import ci_method_label

    ax.figure._smalltrial_caption = (
        f"{label} at {ctx.labels.visit(visit)}: proportion of patients with {level} CI "
        f"({ci_method_label(ctx.ep['ci_method'])})"
        + (", beside the external cohorts named on the figure" if item.options["external"] else "")
        + ("; diamond: the external cohorts pooled, not this trial" if pooled is not None else "")
        + ".")
    return ax.figure
