"""Time to event: the time-to-event table and the Kaplan-Meier figure.

Both split by the ``by`` column when more than one group has data (per endpoint a row of all
patients, then one indented row per group; one curve per group), in the spec's time unit; patients never
assessed for an endpoint are left out and named in a footnote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial.builders.context import attr
from smalltrial.builders.course import _needs
from smalltrial.builders.registry import register_figure, register_table
from smalltrial.spec import TIME_UNITS

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


TIME_TO_EVENT_ENDPOINTS = ("b_cell_reconstitution", "relapse", "remission", "death")


def _landmarks(ctx: Analysis, unit: str) -> list[float]:
    """The spec's landmarks (in ``endpoints.time_unit``) in ``unit``."""
    from smalltrial.builders.labels import DAYS_PER_UNIT

    landmarks = list(ctx.ep["landmarks"])
    if unit == ctx.ep["time_unit"]:
        return landmarks
    factor = DAYS_PER_UNIT[ctx.ep["time_unit"]] / DAYS_PER_UNIT[unit]
    return [float(t) * factor for t in landmarks]


def _check_endpoints(key: str, opts: dict, endpoints: dict) -> dict:
    """Endpoints are the built-in ones or those declared in [[endpoints.time_to_event]]."""
    from smalltrial.spec import _fail

    known = list(TIME_TO_EVENT_ENDPOINTS) + [e["name"] for e in endpoints.get("time_to_event", ())]
    names = opts["endpoints"] if "endpoints" in opts else [opts["endpoint"]]
    for i, name in enumerate(names):
        if name not in known:
            where = f"{key}.endpoints[{i}]" if "endpoints" in opts else f"{key}.endpoint"
            raise _fail(where, f"unknown value {name!r}; valid: {', '.join(map(repr, known))} "
                        "(declare others in [[endpoints.time_to_event]])")
    return opts


def _competing(ctx: Analysis, endpoint: str) -> bool:
    definition = ctx.tte_definition(endpoint)
    return bool(definition and definition.get("competing"))


def _assessed(ctx: Analysis, endpoint: str):
    """The endpoint's data (days) without patients never assessed for it (B cells: no count
    after infusion), and a footnote naming the groups left without any patient."""
    data = ctx.time_to_event_days(endpoint)
    if endpoint == "b_cell_reconstitution":
        data = data[(data["time"] > 0) | (data["event"] == 1)]
    return data


def _lower_first(text: str) -> str:
    """Lower-case the first letter of a label for use inside a sentence, unless the first word
    is an acronym or symbol ("MG-ADL improvement", "CD19+ B cells" stay as they are)."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and any(c.isupper() or c.isdigit() for c in word[1:]):
        return text
    return text[:1].lower() + text[1:]


def _check_rmst_tau(key: str, opts: dict, endpoints: dict) -> dict:
    """Endpoints as :func:`_check_endpoints`; ``rmst_tau`` (table time unit) a time > 0."""
    import math

    from smalltrial.spec import _fail

    tau = opts.get("rmst_tau")
    if tau is not None and not (0 < tau < math.inf):
        raise _fail(f"{key}.rmst_tau", f"must be a finite time > 0, got {tau!r}")
    return _check_endpoints(key, opts, endpoints)


@register_table("time_to_event", options={
    "endpoints": ("list[str]", ["b_cell_reconstitution", "relapse"], None),
    "time_unit": ("str", None, TIME_UNITS),
    "landmark_rates": ("str", "event", ("event", "event_free")),
    "rmst_tau": ("number", None, None),
}, title="Time-to-event outcomes", check=_check_rmst_tau)
def _table_time_to_event(ctx: Analysis, item: ItemSpec):
    """Per endpoint a row of all patients, then one indented row per group when more than one
    group has data: patients, events, median (CI), the landmark columns, RMST and the event rate
    where they apply; laid out from the ARD by :func:`smalltrial.tables._tte.time_to_event_from_ard`."""
    from smalltrial.tables.display import Display

    unit = item.options["time_unit"] or ctx.ep["time_unit"]
    landmarks = _landmarks(ctx, unit)
    entries = []
    notes = []
    tau = item.options["rmst_tau"]
    for endpoint in item.options["endpoints"]:
        label = ctx.labels.event(endpoint)
        own = len(notes)  # the footnotes about this endpoint, marked on its row
        assessed = _assessed(ctx, endpoint)
        missing = set(ctx.time_to_event_days(endpoint)["subject"]) - set(assessed["subject"])
        note = ctx.not_assessed_note(assessed["subject"], label)
        if note:
            notes.append(note)
        elif missing:
            notes.append(f"{label}: {len(missing)} patient(s) without any assessment left out.")
        present = set(assessed[ctx.by].astype(str))
        groups = [g for g in ctx.groups() if g in present]
        split = len(groups) > 1
        # all patients first, under the endpoint's name; then one indented row per group
        first = _entry(ctx, endpoint, unit, landmarks, None, assessed, label, False, tau, item.key)
        entries.append(first)
        if split:
            entries.extend(_entry(ctx, endpoint, unit, landmarks, g, assessed, label, True,
                                  tau, item.key) for g in groups)
        excluded = ctx.tte_excluded(endpoint)
        definition = ctx.tte_definition(endpoint)
        if excluded and definition is not None and definition["origin"] != "infusion":
            origin = definition["origin"].split(":")[-1]
            start = ctx.labels.event(origin)
            notes.append(f"{label}: {len(excluded)} patient(s) never reaching the start of this "
                         f"endpoint ({_lower_first(start)}) not included.")
        elif excluded:
            notes.append(f"{label}: {len(excluded)} patient(s) without a record of this "
                         "endpoint (ADaM ADTTE) not included.")
        if _competing(ctx, endpoint):
            competing = ", ".join(ctx.labels.event(e).lower() for e in ctx.tte_definition(endpoint)["competing"])
            notes.append(f"{label}: cumulative incidence (Aalen\u2013Johansen) with {competing} as "
                         "competing event(s); median: the first time it reaches 50% (no CI).")
        if endpoint == "b_cell_reconstitution":
            notes.append(f"{label}: first post-infusion CD19+ B-cell count \u2265 "
                         f"{ctx.ep['bcell_threshold']:g} cells/\u00b5L.")
        if len(notes) > own:
            first["row_notes"] = notes[own:]
    if item.options["landmark_rates"] == "event_free":  # e.g. PFS and OS rates
        for entry in entries:
            entry["cumulative"] = False
    ctx.follow_up(unit)  # the median follow-up footnote's numbers, into the table's ARD rows
    return Display("time_to_event", {
        "entries": entries, "landmarks": landmarks, "time_unit": unit,
        "title": item.title or "Time-to-event outcomes", "notes": notes, "name": item.file,
        "rmst_tau": tau, "follow_up": True,
    })


def _entry(ctx: Analysis, endpoint: str, unit: str, landmarks: list[float], group: str | None,
           assessed, label: str, split: bool, tau: float | None = None,
           key: str = "") -> dict:
    """One row of the table as display options: the ARD group of its statistics (fetched here
    through ``ctx.once``, so they land in the table's ARD rows) and how it is shown."""
    from smalltrial.ard import _grouped

    competing = _competing(ctx, endpoint)
    if competing:
        _cumulative_incidence(ctx, endpoint, unit, group, landmarks)
    else:
        ctx.kaplan_meier(endpoint, unit, group, subjects=tuple(assessed["subject"]))
        if tau is not None:
            _rmst(ctx, endpoint, tau, unit, group, tuple(assessed["subject"]), key)
    ard_group, ard_level = _grouped(ctx, "endpoint", endpoint, group)
    entry = {
        "group": ard_group,
        "group_level": ard_level,
        "label": ctx.labels.group(group) if split else label,
        "cumulative": True,
        "competing": competing,
        "rmst": tau is not None and not competing,
        "rate": endpoint in ("relapse", "death"),
    }
    if competing:  # the first time the incidence reaches 50%: no CI
        entry["median_ci"] = False
    if split:
        entry["indent"] = 1
    if entry["rate"]:
        ctx.event_rate(endpoint, group)
    return entry


def _rmst(ctx: Analysis, endpoint: str, tau: float, unit: str, group: str | None,
          subjects: tuple, key: str):
    """RMST up to ``tau``; a tau beyond a row's last follow-up is a spec error naming the key."""
    from smalltrial._errors import SmallTrialError

    try:
        return ctx.rmst(endpoint, tau, unit, group, subjects=subjects)
    except SmallTrialError as exc:
        where = f"{endpoint}" + (f", {ctx.by} {group!r}" if group is not None else "")
        raise SmallTrialError(f"spec: {key}.rmst_tau: {tau:g} {unit} cannot be used for "
                              f"{where}: {exc}") from None


_KM_YLABELS = {
    "b_cell_reconstitution": "Probability of ongoing B-cell aplasia",
    "relapse": "Relapse-free probability",
    "remission": "Probability of not yet in remission",
    "death": "Overall survival",
}


def _cumulative_incidence(ctx: Analysis, endpoint: str, unit: str, group: str | None,
                          landmarks: list[float]) -> None:
    """The Aalen-Johansen cumulative incidence of cause 1 (``n``, ``events``: key ``cif``) and
    what the table shows of it (key ``cif_table``): the median, the first time it reaches
    50% (no CI; NaN = not reached), and the incidence with CI at the landmarks."""
    import math

    cumulative_incidence = attr("survival", "cumulative_incidence")
    data = ctx.time_to_event(endpoint, unit)
    if group is not None:
        data = data[data[ctx.by].astype(str) == group]
    cif = ctx.once(("cif", endpoint, unit, group), lambda: cumulative_incidence(
        data, time="time", event="event", cause=1, level=ctx.ep["level"]))

    def summary() -> dict:
        table = cif.table
        reached = table[table["estimate"] >= 0.5]
        nan = float("nan")
        first = float(reached["time"].iloc[0]) if len(reached) else nan
        median = {"estimate": first if math.isfinite(first) else nan, "lower": nan, "upper": nan}
        return {"median": median, "landmarks": cif.at(landmarks), "fit": cif}

    ctx.once(("cif_table", endpoint, unit, group, tuple(landmarks)), summary)


@register_figure("km_plot", options={
    "endpoint": ("str", "b_cell_reconstitution", None),
    "time_unit": ("str", None, TIME_UNITS),
}, stem=("endpoint",), check=_check_endpoints)
def _fig_km(ctx: Analysis, item: ItemSpec):
    """One curve, or one per group of the ``by`` column when more than one has data."""
    km_plot = _needs("km_plot")
    endpoint = item.options["endpoint"]
    if _competing(ctx, endpoint):
        from smalltrial._errors import SmallTrialError

        raise SmallTrialError(f"spec: {item.key}.endpoint: {endpoint!r} has competing events; a "
                              "Kaplan-Meier curve would overstate its incidence (use the "
                              "time-to-event table's cumulative incidence)")
    unit = item.options["time_unit"] or ctx.ep["time_unit"]
    assessed = _assessed(ctx, endpoint)
    subjects = tuple(assessed["subject"])
    present = set(assessed[ctx.by].astype(str))
    groups = [g for g in ctx.groups() if g in present]
    if len(groups) > 1:
        km = {ctx.labels.group(g): ctx.kaplan_meier(endpoint, unit, g, subjects=subjects)
              for g in groups}
    else:
        km = ctx.kaplan_meier(endpoint, unit, subjects=subjects)
    label = ctx.labels.event(endpoint)
    ylabel = item.options["ylabel"] or (
        _KM_YLABELS[endpoint] if endpoint in _KM_YLABELS and not ctx.labels.renamed_event(endpoint)
        else f"Probability free of {_lower_first(label)}")
    ax = km_plot(km, style=ctx.spec.style, ylabel=ylabel,
                 xlabel=item.options["xlabel"] or ctx.labels.time_axis(unit))
    ax.figure._smalltrial_caption = (
        f"{label}: Kaplan-Meier estimate with pointwise {100 * ctx.ep['level']:g}% confidence band "
        f"({ctx.ep['conf_type']}), numbers at risk below.")
    return ax.figure
