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


@register_table("efficacy", options={
    "visits": ("list[str]", None, None),
    "outcome": ("str", "remission", ("remission",)),
}, title="Table 2. <remission> by visit")
def _table_efficacy(ctx: Analysis, item: ItemSpec):
    from smalltrial import tables

    visits = item.options["visits"]
    results = ctx.once(("efficacy", tuple(visits) if visits else None),
                       lambda: ctx.efficacy_results(visits, item.key))
    if results.empty:
        raise SmallTrialError(f"spec: {item.key}: no visit with a remission assessment")
    label, definition = _REMISSION_DEFINITIONS[ctx.ep["remission"]]
    note = ctx.not_assessed_note(ctx.remission_by_visit()["subject"],
                                 label)
    return tables.efficacy_table(
        results, title=item.title or f"Table 2. {label} by visit", outcome=label,
        row_labels=ctx.labels.visits(results["visit"].unique()),
        column_labels=ctx.labels.groups(results["group"].unique()),
        definition=definition, notes=[note] if note else (), name=item.file,
    )


_EXTERNAL_OPTIONS = {
    "label": ("str", REQUIRED, None),
    "x": ("int", REQUIRED, None),
    "n": ("int", REQUIRED, None),
}


def _check_forest(key: str, opts: dict) -> dict:
    """Each ``external`` entry is a published cohort ``{label, x, n}`` with 0 <= x <= n, n >= 1."""
    opts["external"] = [_check_options(f"{key}.external[{j}]", ext, _EXTERNAL_OPTIONS)
                        for j, ext in enumerate(opts["external"])]
    for j, ext in enumerate(opts["external"]):
        if not 0 <= ext["x"] <= ext["n"] or ext["n"] < 1:
            raise _fail(f"{key}.external[{j}]", f"need 0 <= x <= n and n >= 1, got x={ext['x']}, n={ext['n']}")
    return opts


@register_figure("forest", options={
    "visit": ("str", "month 3", None),
    "label": ("str", "This trial", None),
    "external": ("list[table]", [], None),
}, check=_check_forest)
def _fig_forest(ctx: Analysis, item: ItemSpec):
    import pandas as pd

    fn = _needs("forest")
    visit = item.options["visit"]
    results = ctx.once(("efficacy", (visit,)), lambda: ctx.efficacy_results([visit], f"{item.key}"))
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
    label, _ = _REMISSION_DEFINITIONS[ctx.ep["remission"]]
    level = f"{100 * ctx.ep['level']:g}%"
    xlabel = item.options["xlabel"] or f"{label} at {visit}, % ({level} CI)"
    ax = fn(pd.DataFrame(records), label="label", xlabel=xlabel, style=ctx.spec.style, columns=2)
    return ax.figure
