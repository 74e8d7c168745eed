"""``smalltrial run``: from a trial's data to the tables and figures of a manuscript.

:func:`run` reads an analysis spec (:mod:`smalltrial.spec`), loads the data, derives the
endpoints, computes every statistic once (cached and shared by tables and figures), and writes::

    DIR/tables/<name>.{md,tex,html,docx,csv}
    DIR/figures/<name>.{png,pdf}
    DIR/report.md          all tables and figures on one page
    DIR/manifest.json      versions, input hashes, the spec, the seed, every output with its sha256

Everything is written to a temporary sibling folder first; ``DIR`` is replaced only when the
whole run succeeded, so a failed run leaves the previous ``DIR`` untouched. The same inputs give
byte-identical files (no timestamps, no absolute paths).

Regenerate the repository's ``figures/`` folder with::

    python -m smalltrial.pipeline --update-repo-figures
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._results import Result
from smalltrial._validate import check_choice
from smalltrial.spec import BUNDLED_ANALYSES, ItemSpec, Spec, load_spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run", "RunResult", "update_repo_figures", "repo_figure_files", "renderer_fingerprint",
           "REPO_FIGURE_FORMATS"]

DAYS_PER_MONTH = 30.4375
DAYS_PER_YEAR = 365.25
#: formats of the repository's figures/ (PNG for the README, PDF for print)
REPO_FIGURE_FORMATS = ("png", "pdf")
_PNG_DPI = 300
_DEPENDENCIES = ("numpy", "scipy", "pandas", "statsmodels", "lifelines", "matplotlib", "seaborn",
                 "python-docx")


class _Skip(Exception):
    """A step that cannot run in this installation (a module it needs is missing)."""


@dataclass(frozen=True)
class RunResult(Result):
    """What :func:`run` wrote.

    Fields: ``out`` (the output folder), ``spec`` (the validated :class:`~smalltrial.spec.Spec`),
    ``tables`` (file stem -> :class:`~smalltrial.tables.Table`), ``figures`` (relative paths of
    the figure files), ``outputs`` (relative path -> sha256 of every file written, manifest
    excluded), ``manifest`` (the manifest as a dict), ``skipped`` (steps that could not run, with
    the reason), ``warnings`` (statistical caveats raised during the run).
    """

    out: Path
    spec: Spec = field(repr=False)
    tables: Mapping[str, Any] = field(repr=False)
    figures: tuple[str, ...]
    outputs: Mapping[str, str] = field(repr=False)
    manifest: Mapping[str, Any] = field(repr=False)
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"RunResult(out={str(self.out)!r}, tables={list(self.tables)}, "
                f"figures={len(self.figures)} files, skipped={list(self.skipped)}, "
                f"warnings={len(self.warnings)})")

    def to_frame(self) -> pd.DataFrame:
        """One row per output file: ``path, sha256``."""
        import pandas as pd

        return pd.DataFrame({"path": list(self.outputs), "sha256": list(self.outputs.values())})

    def _repr_html_(self) -> str:
        import html

        parts = [f"<h4>{html.escape(self.spec.title)}</h4>",
                 f"<p>Output: <code>{html.escape(str(self.out))}</code></p>"]
        parts.extend(t.to_html() for t in self.tables.values())
        if self.figures:
            parts.append("<p>Figures: " + ", ".join(html.escape(f) for f in self.figures) + "</p>")
        return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# the analysis context: data, derivations and statistics, each computed once
# --------------------------------------------------------------------------------------------
class _Analysis:
    def __init__(self, trial: Any, spec: Spec) -> None:
        self.trial = trial
        self.spec = spec
        self.ep = spec.endpoints
        self._cache: dict[Any, Any] = {}

    def once(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # ---- data shaping ----------------------------------------------------------------------
    @property
    def by(self) -> str:
        return self.ep["by"]

    def groups(self) -> list[str]:
        subj = self.trial.subjects
        if self.by not in subj.columns:
            raise SmallTrialError(
                f"spec: endpoints.by: subjects has no column {self.by!r}; "
                f"columns present: {', '.join(map(repr, map(str, subj.columns)))}"
            )
        return [str(g) for g in dict.fromkeys(subj[self.by].tolist())]

    def visit_order(self) -> list[str]:
        return list(self.trial.visits())

    def long(self, parameter: str, key: str):
        """Long rows of one parameter with the grouping column merged in."""
        meas = self.trial.measurements
        if parameter not in set(meas["parameter"]):
            present = list(dict.fromkeys(meas["parameter"].astype(str)))
            raise SmallTrialError(
                f"spec: {key}: no parameter {parameter!r} in measurements; "
                f"present: {', '.join(map(repr, present[:40]))}"
            )
        rows = meas[meas["parameter"] == parameter]
        cols = [c for c in ("subject", "day", "visit", "value", "blq") if c in rows.columns]
        rows = rows[cols].merge(self.trial.subjects[["subject", self.by]], on="subject", how="left")
        return rows.sort_values(["subject", "day"], kind="stable").reset_index(drop=True)

    def baseline_frame(self, variables: list[str], key: str):
        """One row per subject: subject columns and baseline values (last value on day <= 0)."""
        import pandas as pd

        subj = self.trial.subjects.copy()
        params = set(self.trial.measurements["parameter"])
        out = subj[["subject", self.by]].copy()
        for i, var in enumerate(variables):
            if var in subj.columns:
                out[var] = subj[var].to_numpy()
            elif var in params:
                rows = self.long(var, f"{key}[{i}]")
                base = rows[rows["day"] <= 0].groupby("subject")["value"].last()
                out[var] = out["subject"].map(base).astype(float)
            else:
                raise SmallTrialError(
                    f"spec: {key}[{i}]: {var!r} is neither a subjects column nor a parameter; "
                    f"subjects columns: {', '.join(map(repr, map(str, subj.columns)))}"
                )
        return pd.DataFrame(out)

    # ---- derived endpoints -----------------------------------------------------------------
    def remission_by_visit(self):
        """DORIS 2021 remission per subject-visit (only where all components were assessed)."""
        return self.once("remission_by_visit", self._remission_by_visit)

    def _remission_by_visit(self):
        derive = _attr("endpoints", "derive_visit_endpoints")
        column = self.ep["remission"]
        visits = derive(self.trial)
        frame = visits[["subject", "day", "visit", column]].copy()
        frame = frame[frame[column].notna()]  # not-evaluable visits are left out, never counted
        frame["remission"] = frame[column].astype(bool)
        frame = frame.drop(columns=[column])
        return frame.merge(self.trial.subjects[["subject", self.by]], on="subject", how="left")

    def time_to_event(self, endpoint: str):
        """Per subject: ``subject, time`` (months), ``event`` (0/1), ``<by>`` for one endpoint."""
        return self.once(("tte", endpoint), lambda: self._time_to_event(endpoint))

    def _time_to_event(self, endpoint: str):
        trial = self.trial
        if endpoint == "b_cell_reconstitution":
            derive = _attr("survival", "b_cell_reconstitution")
            frame = derive(trial, threshold=self.ep["bcell_threshold"])
        else:
            derive = _attr("survival", "time_to_event")
            frame = derive(trial, endpoint)
        out = frame[["subject", "time", "event"]].copy()
        out["time"] = out["time"].astype(float) / DAYS_PER_MONTH  # days -> months
        out["event"] = out["event"].astype(int)
        return out.merge(trial.subjects[["subject", self.by]], on="subject", how="left")

    def kaplan_meier(self, endpoint: str):
        def compute():
            kaplan_meier = _attr("survival", "kaplan_meier")
            data = self.time_to_event(endpoint)
            return kaplan_meier(data, time="time", event="event", level=self.ep["level"],
                                         conf_type=self.ep["conf_type"])
        return self.once(("km", endpoint), compute)

    def follow_up(self):
        def compute():
            import pandas as pd

            median_follow_up = _attr("survival", "median_follow_up")
            months = self.trial.follow_up_months()
            deaths = self.trial.event_days("death")
            data = pd.DataFrame({"time": months.to_numpy(float),
                                 "event": deaths.notna().to_numpy().astype(int)})
            return median_follow_up(data, time="time", event="event", level=self.ep["level"])
        return self.once("follow_up", compute)

    def follow_up_years(self) -> float:
        return float(self.trial.follow_up_days().sum()) / DAYS_PER_YEAR

    def event_rate(self, endpoint: str):
        def compute():
            event_rate = _attr("survival", "event_rate")
            n_events = int((self.trial.events["event"] == endpoint).sum())
            return event_rate(n_events, self.follow_up_years(), level=self.ep["level"])
        return self.once(("rate", endpoint), compute)

    def worst_grades(self, events: tuple[str, ...]):
        """Per subject: worst grade of each event (0 = did not occur)."""
        def compute():
            worst_grade = _attr("endpoints", "worst_toxicity_grade")
            frame = self.trial.subjects[["subject", self.by]].copy()
            for name in events:
                worst = worst_grade(self.trial, name).set_index("subject")["worst_grade"]
                frame[name] = frame["subject"].map(worst)
            return frame
        return self.once(("worst", events), compute)

    def proportion_ci(self, x: int, n: int):
        proportion_ci = _attr("rates", "proportion_ci")
        return self.once(("ci", x, n), lambda: proportion_ci(
            x, n, level=self.ep["level"], method=self.ep["ci_method"]))

    def efficacy_results(self, visits: list[str] | None, key: str):
        """Remission n/N with CI per (visit, group) (and all patients when there are groups)."""
        import pandas as pd

        rem = self.remission_by_visit()
        order = [v for v in self.visit_order() if v in set(rem["visit"])]
        if visits is None:
            visits = [v for v in order if v != "baseline" and
                      (rem.loc[rem["visit"] == v, "day"] > 0).all()]
        else:
            for i, v in enumerate(visits):
                if v not in set(rem["visit"]):
                    raise SmallTrialError(f"spec: {key}.visits[{i}]: no remission assessment at visit "
                                          f"{v!r}; visits: {', '.join(map(repr, order))}")
        at_visits = rem[rem["visit"].isin(visits)]
        groups = [g for g in self.groups() if (at_visits[self.by] == g).any()]
        columns = groups + (["All"] if len(groups) > 1 else [])
        records = []
        for v in visits:
            at = rem[rem["visit"] == v]
            for g in columns:
                sub = at if g == "All" else at[at[self.by] == g]
                if len(sub) == 0:
                    continue
                x, n = int(sub["remission"].sum()), int(len(sub))
                ci = self.proportion_ci(x, n)
                records.append({"visit": v, "group": g, "x": x, "n": n, "estimate": float(ci.estimate),
                                "lower": float(ci.lower), "upper": float(ci.upper),
                                "method": str(ci.method), "level": float(ci.level)})
        return pd.DataFrame(records)

    def mixed_fit(self, parameter: str, transform: str, df_method: str, visits: tuple | None,
                  key: str):
        def compute():
            import pandas as pd

            mixed_model = _attr("longitudinal", "mixed_model")
            data = self.model_frame(parameter, visits, key)
            data = data.assign(visit=pd.Categorical(data["visit"], categories=self.model_visits(parameter, visits, key),
                                                    ordered=True))
            return mixed_model(
                "value ~ C(visit)", data, subject="subject",
                transform=None if transform == "none" else transform, df_method=df_method,
                level=self.ep["level"],
            )
        return self.once(("mixed", parameter, transform, df_method, visits), compute)

    def model_visits(self, parameter: str, visits: tuple | None, key: str) -> list[str]:
        """The visits of the model (``key``: the spec entry, e.g. ``tables[2]``)."""
        rows = self.long(parameter, f"{key}.parameter")
        present = [v for v in self.visit_order() if v in set(rows["visit"])]
        if visits is None:
            n_subj = rows["subject"].nunique()
            return [v for v in present if (rows["visit"] == v).sum() == n_subj]
        for i, v in enumerate(visits):
            if v not in present:
                raise SmallTrialError(f"spec: {key}.visits[{i}]: no {parameter!r} values at visit {v!r}; "
                                      f"visits: {', '.join(map(repr, present))}")
        return list(visits)

    def model_frame(self, parameter: str, visits: tuple | None, key: str):
        rows = self.long(parameter, f"{key}.parameter")
        keep = self.model_visits(parameter, visits, key)
        return rows[rows["visit"].isin(keep)].reset_index(drop=True)


def _attr(module: str, name: str):
    """``smalltrial.<module>.<name>``, or :class:`_Skip` when this installation lacks it."""
    try:
        mod = _module(module)
        return getattr(mod, name)
    except (AttributeError, _Skip):
        raise _Skip(f"smalltrial.{module}.{name} is not available") from None
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("smalltrial."):
            raise _Skip(f"smalltrial.{module}.{name} is not available") from None
        raise


def _module(name: str):
    import importlib

    try:
        return importlib.import_module(f"smalltrial.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"smalltrial.{name}":
            raise _Skip(f"smalltrial.{name} is not available") from None
        raise


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def _table_baseline(ctx: _Analysis, item: ItemSpec):
    from smalltrial import summaries, tables

    variables = list(item.options["variables"])
    frame = ctx.once(("baseline_frame", tuple(variables)),
                     lambda: ctx.baseline_frame(variables, f"{item.key}.variables"))
    groups = ctx.groups()
    summary = summaries.describe(frame, variables, by=ctx.by, overall=len(groups) > 1,
                                 group_order=groups)
    labels = _parameter_labels(ctx.trial)
    labels.update({"age": "Age, years", "sex": "Sex"})
    digits = {v: _auto_digits(frame[v], summary[summary["variable"] == v], item.options["continuous"])
              for v in variables}
    return tables.baseline_table(
        summary, continuous=item.options["continuous"], labels=labels, digits=digits,
        level_labels={"sex": {"F": "Female", "M": "Male"}},
        title=item.title or "Table 1. Baseline characteristics", name=item.file,
    )


def _auto_digits(values, summary, continuous: str) -> int:
    """Decimals for a continuous variable: 0 for whole numbers (1 if a median or quartile is
    not whole, or for mean (SD)), else by magnitude (2 below 10, 1 below 1000, 0 above)."""
    import numpy as np
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return 1
    x = values.dropna().to_numpy(float)
    if x.size == 0:
        return 1
    if np.all(x == np.round(x)):
        if continuous == "mean-sd":
            return 1
        cols = ["median"] + (["q1", "q3"] if continuous == "median-iqr" else [])
        medians = summary[cols].to_numpy(float).ravel()
        medians = medians[np.isfinite(medians)]
        return 0 if np.all(medians == np.round(medians)) else 1
    top = float(np.max(np.abs(x)))
    return 2 if top < 10 else (1 if top < 1000 else 0)


def _parameter_labels(trial: Any) -> dict[str, str]:
    params = getattr(trial, "parameters", None)
    if params is None or "label" not in params.columns:
        return {}
    out = {}
    for _, r in params.iterrows():
        label = str(r["label"]).replace(" (SYNTHETIC)", "")
        unit = r.get("unit")
        out[str(r["parameter"])] = f"{label}, {unit}" if isinstance(unit, str) and unit else label
    return out


def _table_efficacy(ctx: _Analysis, item: ItemSpec):
    from smalltrial import tables

    visits = item.options["visits"]
    results = ctx.once(("efficacy", tuple(visits) if visits else None),
                       lambda: ctx.efficacy_results(visits, item.key))
    if results.empty:
        raise SmallTrialError(f"spec: {item.key}: no visit with a remission assessment")
    label, definition = _REMISSION_DEFINITIONS[ctx.ep["remission"]]
    return tables.efficacy_table(
        results, title=item.title or f"Table 2. {label} by visit", outcome=label,
        row_labels=_visit_labels(results["visit"].unique()),
        definition=definition, name=item.file,
    )


_REMISSION_DEFINITIONS = {
    "doris": ("DORIS remission", "DORIS 2021 remission (van Vollenhoven et al. 2021): clinical "
              "SLEDAI-2K = 0, physician global assessment < 0.5 and prednisone \u2264 5 mg/day; "
              "visits where a component was not recorded are not counted."),
    "drug_free_remission": ("Drug-free remission", "Drug-free remission: DORIS 2021 remission "
                            "without glucocorticoids or immunosuppressants."),
    "lldas": ("LLDAS", "Lupus low disease activity state (Franklyn et al. 2016)."),
}


def _table_longitudinal(ctx: _Analysis, item: ItemSpec):
    from smalltrial import summaries, tables

    opts = item.options
    parameter, transform, df_method = opts["parameter"], opts["transform"], opts["df_method"]
    visits = tuple(opts["visits"]) if opts["visits"] else None
    order = ctx.model_visits(parameter, visits, item.key)
    data = ctx.model_frame(parameter, visits, item.key)
    observed = summaries.describe(data, "value", by="visit", overall=False, group_order=order)
    fit = ctx.mixed_fit(parameter, transform, df_method, visits, item.key)
    scale = "response" if transform == "log" else "link"
    means = fit.marginal_means("visit", scale=scale)
    change = fit.change_from_baseline("visit", scale=scale)
    change = change[change["visit"] != order[0]]
    change_test = None
    if opts["test_at"]:
        paired_change = _attr("longitudinal", "paired_change")
        at = opts["test_at"]
        if at not in order:
            raise SmallTrialError(f"spec: {item.key}.test_at: visit {at!r} not among {order}")
        pc = ctx.once(("paired", parameter, order[0], at), lambda: paired_change(
            data, "value", subject="subject", time="visit", baseline=order[0], at=at))
        change_test = {"at": at, "n": pc.n, "median_change": pc.median_change, "pvalue": pc.pvalue}
    label = _parameter_short(ctx.trial, parameter)
    digits = _auto_digits(data["value"], observed, "median-range")
    model = (f"Model: {'log ' if transform == 'log' else ''}{parameter} ~ visit (categorical, "
             f"reference {order[0]}) + random intercept per patient; REML.")
    return tables.longitudinal_table(
        observed, means=means, change=change, by="visit", order=order,
        labels=_visit_labels(order), unit=_parameter_unit(ctx.trial, parameter),
        digits=digits, model_digits=max(digits, 1),
        title=item.title or f"{label} by visit", outcome=label,
        scale="log" if transform == "log" else "identity", df_method=df_method, model=model,
        change_test=change_test, name=item.file,
    )


_TTE_LABELS = {
    "b_cell_reconstitution": "B-cell reconstitution",
    "relapse": "Relapse",
    "remission": "Remission",
    "death": "Death",
}


def _table_time_to_event(ctx: _Analysis, item: ItemSpec):
    from smalltrial import tables

    landmarks = list(ctx.ep["landmarks"])
    entries = []
    for endpoint in item.options["endpoints"]:
        data = ctx.time_to_event(endpoint)
        km = ctx.kaplan_meier(endpoint)
        entry = {
            "label": _TTE_LABELS[endpoint],
            "n": len(data),
            "events": int(data["event"].sum()),
            "median": km.median,
            "landmarks": km.at(landmarks),
            "cumulative": True,
        }
        if endpoint in ("relapse", "death"):
            entry["rate"] = ctx.event_rate(endpoint)
        if endpoint == "b_cell_reconstitution":
            entry["note"] = (f"first post-infusion CD19+ B-cell count \u2265 "
                             f"{ctx.ep['bcell_threshold']:g} cells/\u00b5L.")
        entries.append(entry)
    return tables.time_to_event_table(
        entries, landmarks=landmarks, conf_type=ctx.ep["conf_type"], level=ctx.ep["level"],
        follow_up=ctx.follow_up(), title=item.title or "Time-to-event outcomes", name=item.file,
    )


def _table_adverse_events(ctx: _Analysis, item: ItemSpec):
    from smalltrial import summaries, tables

    events = tuple(item.options["events"])
    worst = ctx.worst_grades(events)
    groups = ctx.groups()
    counts = summaries.describe(worst, list(events), by=ctx.by, overall=len(groups) > 1,
                                group_order=groups, kinds=dict.fromkeys(events, "categorical"),
                                levels=dict.fromkeys(events, [0, 1, 2, 3, 4, 5]))
    names = {"crs": "Cytokine release syndrome", "icans": "ICANS"}
    return tables.adverse_event_table(
        counts, events={e: names[e] for e in events}, grades=(1, 2, 3, 4),
        title=item.title or "Adverse events of special interest", name=item.file,
    )


_TABLE_BUILDERS: dict[str, Callable[[_Analysis, ItemSpec], Any]] = {
    "baseline": _table_baseline,
    "efficacy": _table_efficacy,
    "longitudinal": _table_longitudinal,
    "time_to_event": _table_time_to_event,
    "adverse_events": _table_adverse_events,
}


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------
_KM_YLABELS = {
    "b_cell_reconstitution": "Probability of ongoing B-cell aplasia",
    "relapse": "Relapse-free probability",
    "remission": "Probability of not yet in remission",
    "death": "Overall survival",
}


def _fig_km(ctx: _Analysis, item: ItemSpec):
    km_plot = _needs("km_plot")
    endpoint = item.options["endpoint"]
    km = ctx.kaplan_meier(endpoint)
    ax = km_plot(km, style=ctx.spec.style, ylabel=_KM_YLABELS[endpoint])
    return ax.figure


def _needs(name: str):
    return _attr("figures", name)


def _hue(ctx: _Analysis) -> str | None:
    return ctx.by if len(ctx.groups()) > 1 else None


def _fig_swimmer(ctx: _Analysis, item: ItemSpec):
    fn = _needs("swimmer")
    ax = fn(ctx.trial, unit="months", style=ctx.spec.style)
    return ax.figure


def _fig_trajectories(ctx: _Analysis, item: ItemSpec):
    fn = _needs("trajectories")
    parameter = item.options["parameter"]
    rows = ctx.long(parameter, f"{item.key}.parameter")
    means = None
    # the model means of a longitudinal table of the same parameter: the same fit, reused
    for table in ctx.spec.tables:
        if table.name == "longitudinal" and table.options["parameter"] == parameter:
            o = table.options
            visits = tuple(o["visits"]) if o["visits"] else None
            fit = ctx.mixed_fit(parameter, o["transform"], o["df_method"], visits, table.key)
            means = fit.marginal_means("visit", scale="response" if o["transform"] == "log" else "link")
            break
    ax = fn(rows, parameter=None, means=means, log=item.options["log"], hue=_hue(ctx),
            unit="months", ylabel=_parameter_labels(ctx.trial).get(parameter, parameter),
            style=ctx.spec.style)
    return ax.figure


def _fig_bcell(ctx: _Analysis, item: ItemSpec):
    fn = _needs("bcell_kinetics")
    rows = ctx.long("cd19_bcells", f"{item.key}: B-cell counts")
    lloq = None
    params = getattr(ctx.trial, "parameters", None)
    if params is not None and "lloq" in params.columns:
        hit = params.loc[params["parameter"] == "cd19_bcells", "lloq"]
        lloq = float(hit.iloc[0]) if len(hit) and hit.notna().iloc[0] else None
    ax = fn(rows, parameter=None, lloq=lloq, threshold=ctx.ep["bcell_threshold"], hue=_hue(ctx),
            unit="months", style=ctx.spec.style)
    return ax.figure


def _fig_waterfall(ctx: _Analysis, item: ItemSpec):
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
        ylabel = f"{_parameter_short(ctx.trial, parameter)}: change to {visit}, %"
    else:
        frame["change"] = frame["at"] - frame["baseline"]
        ylabel = f"{_parameter_short(ctx.trial, parameter)}: change to {visit}"
    if frame.empty:
        raise SmallTrialError(f"spec: {item.key}: no patient with {parameter!r} at baseline and {visit!r}")
    groups = frame[ctx.by].nunique()
    ax = fn(frame.reset_index(drop=True), subject="subject", change="change",
            threshold=opts["threshold"], hue=ctx.by if groups > 1 else None, ylabel=ylabel,
            style=ctx.spec.style)
    return ax.figure


def _visit_labels(visits) -> dict[str, str]:
    return {v: v[:1].upper() + v[1:] for v in visits if isinstance(v, str)}


def _parameter_unit(trial: Any, parameter: str) -> str | None:
    params = getattr(trial, "parameters", None)
    if params is None or "unit" not in params.columns:
        return None
    hit = params.loc[params["parameter"] == parameter, "unit"]
    return str(hit.iloc[0]) if len(hit) and isinstance(hit.iloc[0], str) else None


def _parameter_short(trial: Any, parameter: str) -> str:
    labels = _parameter_labels(trial)
    return labels.get(parameter, parameter).split(",")[0]


def _fig_forest(ctx: _Analysis, item: ItemSpec):
    import pandas as pd

    fn = _needs("forest")
    visit = item.options["visit"]
    results = ctx.once(("efficacy", (visit,)), lambda: ctx.efficacy_results([visit], f"{item.key}"))
    records = []
    for _, r in results.iterrows():
        own = item.options["label"]
        records.append({"label": f"{own}: {r['group']}" if len(results) > 1 else own,
                        "responders": int(r["x"]), "n": int(r["n"]), "estimate": r["estimate"],
                        "lower": r["lower"], "upper": r["upper"]})
    for ext in item.options["external"]:
        ci = ctx.proportion_ci(ext["x"], ext["n"])
        records.append({"label": ext["label"], "responders": ext["x"], "n": ext["n"],
                        "estimate": float(ci.estimate), "lower": float(ci.lower),
                        "upper": float(ci.upper)})
    label, _ = _REMISSION_DEFINITIONS[ctx.ep["remission"]]
    level = f"{100 * ctx.ep['level']:g}%"
    ax = fn(pd.DataFrame(records), label="label", xlabel=f"{label} at {visit}, % ({level} CI)",
            style=ctx.spec.style, columns=2)
    return ax.figure


_FIGURE_BUILDERS: dict[str, Callable[[_Analysis, ItemSpec], Any]] = {
    "swimmer": _fig_swimmer,
    "trajectories": _fig_trajectories,
    "bcell_kinetics": _fig_bcell,
    "km_plot": _fig_km,
    "waterfall": _fig_waterfall,
    "forest": _fig_forest,
}


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib import metadata

    from smalltrial import __version__

    out = {"python": ".".join(map(str, sys.version_info[:3])), "smalltrial": __version__}
    for dist in _DEPENDENCIES:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[dist] = "not installed"
    return out


def _load_data(spec: Spec):
    """The Trial and the list of input files (name relative to the data folder, path)."""
    if spec.dataset is not None:
        from smalltrial import datasets

        trial = datasets.load(spec.dataset)
        folder = _dataset_folder(spec.dataset)
        label = spec.dataset
    else:
        from smalltrial.trial import read_trial

        folder = spec.data_path
        if folder is None or not folder.is_dir():
            raise SmallTrialError(f"spec: data.path: {str(spec.raw['data']['path'])!r} is not a folder")
        trial = read_trial(folder)
        problems = trial.validate(raise_on_error=False)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise SmallTrialError(f"data: {problems[0]}{more}")
        label = folder.name
    files = []
    if folder is not None and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.suffix != ".py":
                files.append((f"{label}/{path.name}", path))
    return trial, files


def _dataset_folder(name: str) -> Path | None:
    from importlib import resources

    try:
        root = resources.files("smalltrial.data")
    except ModuleNotFoundError:  # pragma: no cover
        return None
    folder = Path(str(root.joinpath(name)))
    return folder if folder.is_dir() else None


def _progress_printer(progress: Any) -> Callable[[int, int, str], None]:
    if callable(progress):
        return progress
    if progress is None:
        progress = sys.stderr.isatty()
    if not isinstance(progress, (bool, int)):
        raise SmallTrialError(f"progress must be True, False, None or a callable, got {progress!r}")
    if not progress:
        return lambda i, n, label: None

    def show(i: int, n: int, label: str) -> None:
        print(f"smalltrial: [{i}/{n}] {label}", file=sys.stderr, flush=True)

    return show


@contextlib.contextmanager
def _in_step(item: ItemSpec):
    """Errors raised by the statistics of a table or figure name the spec entry they came from."""
    try:
        yield
    except SmallTrialError as exc:
        message = str(exc)
        if message.startswith(("spec:", "data:")):
            raise
        raise SmallTrialError(f"{item.key} ({item.kind[:-1]} {item.file!r}): {message}") from exc


@contextlib.contextmanager
def _seeded(seed: int):
    import numpy as np

    state = np.random.get_state()
    np.random.seed(seed % (2**32))
    try:
        yield
    finally:
        np.random.set_state(state)


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise SmallTrialError(f"out: {str(out)!r} exists and is not a folder")
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise SmallTrialError(
                f"out: folder {str(out)!r} exists and is not a smalltrial output (no manifest.json); "
                "choose another folder or empty it"
            )


def _replace(tmp: Path, out: Path) -> None:
    """Move ``tmp`` to ``out``; an existing ``out`` is replaced only once ``tmp`` is complete."""
    if not out.exists():
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _report(spec: Spec, tables: Mapping[str, Any], figure_files: list[str], skipped: list[str]) -> str:
    lines = [f"# {spec.title}", ""]
    for table in tables.values():
        lines.append(table.to_markdown().rstrip("\n"))
        lines.append("")
    for rel in figure_files:
        if rel.endswith(".png"):
            lines.append(f"![{Path(rel).stem}]({rel})")
            lines.append("")
    if skipped:
        lines.append("Not produced in this installation:")
        lines.extend(f"- {s}" for s in skipped)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def run(spec_or_path: Any = None, out: str | os.PathLike[str] | None = None,
        progress: Any = None) -> RunResult:
    """Run an analysis spec: data -> statistics -> tables and figures in ``out``.

    Parameters
    ----------
    spec_or_path : path, dict, Spec or None
        A TOML spec file, a spec dict, a :class:`smalltrial.spec.Spec`, a bundled analysis name
        (``"mackensen2022"``, ``"muller2024"``) or None for the bundled mackensen2022 analysis.
    out : path, optional
        The output folder; default the spec's ``output`` (``"smalltrial-output"``), relative
        to the current directory. An existing folder is replaced only when the run succeeds, and
        only if it is empty or an earlier smalltrial output (it has a manifest.json).
    progress : bool or callable, optional
        Print one line per step on stderr; default: only when stderr is a terminal. A callable
        gets ``(step, n_steps, label)``.

    Returns
    -------
    RunResult
        The tables, the files written with their sha256, skipped steps and warnings.

    Each statistic is computed once and shared by the tables and figures that show it. Figures
    are written with fixed metadata (``smalltrial.figures.save``), Word files with fixed
    document dates and zip timestamps, and the manifest has no timestamps or absolute paths,
    so the same inputs give byte-identical outputs.

    Examples
    --------
    A one-table spec (``run()`` without a spec runs the whole bundled analysis, with figures):

    >>> import tempfile
    >>> spec = {"data": {"dataset": "mackensen2022"},
    ...         "tables": [{"name": "efficacy", "visits": ["month 3"]}]}
    >>> result = run(spec, out=tempfile.mkdtemp() + "/out", progress=False)
    >>> result.tables["efficacy"].rows[0].cells
    ('Month 3', '5/5 (100%) [47.8–100]')
    >>> sorted(result.outputs)[:3]
    ['report.md', 'tables/efficacy.csv', 'tables/efficacy.docx']
    """
    spec = load_spec(spec_or_path)
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise SmallTrialError(f"out must be a folder path, got {type(out).__name__} {out!r}")
    out_path = Path(out if out is not None else spec.output)
    out_path = Path(os.path.abspath(out_path))
    show = _progress_printer(progress)
    _prepare_out(out_path)

    steps: list[tuple[str, Callable[[], None]]] = []
    state: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    figure_files: list[str] = []
    skipped: list[str] = []

    def load() -> None:
        trial, files = _load_data(spec)
        state["ctx"] = _Analysis(trial, spec)
        state["ctx"].groups()  # the grouping column must exist
        state["inputs"] = [{"path": name, "sha256": _sha256(p), "bytes": p.stat().st_size}
                           for name, p in files]

    steps.append(("load data", load))

    for item in spec.tables:
        def make_table(item=item) -> None:
            try:
                with _in_step(item):
                    table = _TABLE_BUILDERS[item.name](state["ctx"], item)
            except _Skip as why:
                skipped.append(f"tables/{item.file} ({why})")
                return
            tables[item.file] = table
            table.save(state["tmp"] / "tables" / item.file)

        steps.append((f"table {item.file}", make_table))

    for item in spec.figures:
        def make_figure(item=item) -> None:
            try:
                with _in_step(item):
                    fig = _FIGURE_BUILDERS[item.name](state["ctx"], item)
            except _Skip as why:
                skipped.append(f"figures/{item.file} ({why})")
                return
            figures = _module("figures")
            import matplotlib.pyplot as plt

            try:
                if item.title and fig.axes:
                    ax = fig.axes[0]
                    ax.set_title(item.title, loc="left", fontsize=ax.yaxis.label.get_size())
                stem = state["tmp"] / "figures" / item.file
                for fmt in item.options["formats"]:
                    figures.save(fig, stem, formats=[fmt], dpi=_PNG_DPI if fmt == "png" else None)
                    figure_files.append(f"figures/{item.file}.{fmt}")
            finally:
                plt.close(fig)

        steps.append((f"figure {item.file}", make_figure))

    parent = out_path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.tmp-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    state["tmp"] = tmp
    caught: list[str] = []
    try:
        (tmp / "tables").mkdir()
        (tmp / "figures").mkdir()
        with warnings.catch_warnings(record=True) as records, _seeded(spec.seed):
            warnings.simplefilter("always")
            n = len(steps) + 1
            for i, (label, step) in enumerate(steps, start=1):
                show(i, n, label)
                step()
            show(n, n, "manifest")
        for rec in records:
            msg = f"{rec.category.__name__}: {rec.message}"
            if msg not in caught:
                caught.append(msg)
        (tmp / "report.md").write_bytes(_report(spec, tables, figure_files, skipped).encode("utf-8"))
        outputs = {}
        for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
            outputs[path.relative_to(tmp).as_posix()] = _sha256(path)
        manifest = {
            "smalltrial_manifest": 1,
            "versions": _versions(),
            "spec_file": spec.source,
            "spec": spec.to_dict(),
            "seed": spec.seed,
            "inputs": state["inputs"],
            "outputs": [{"path": k, "sha256": v} for k, v in outputs.items()],
            "skipped": skipped,
            "warnings": caught,
        }
        (tmp / "manifest.json").write_bytes(
            (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
        _replace(tmp, out_path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunResult(out=out_path, spec=spec, tables=tables, figures=tuple(figure_files),
                     outputs=outputs, manifest=manifest, skipped=tuple(skipped),
                     warnings=tuple(caught))


# --------------------------------------------------------------------------------------------
# the repository's figures/ folder
# --------------------------------------------------------------------------------------------
def repo_figure_files(result: RunResult) -> dict[str, bytes]:
    """What ``figures/<analysis>/`` holds for a run: its PNG and PDF figures and ``tables.md``
    (every table in Markdown, for the README), file name -> bytes.

    Parameters
    ----------
    result : RunResult
        The result of :func:`run`.

    >>> import tempfile
    >>> spec = {"data": {"dataset": "mackensen2022"}, "tables": [{"name": "efficacy"}]}
    >>> files = repo_figure_files(run(spec, out=tempfile.mkdtemp() + "/out", progress=False))
    >>> sorted(files), files["tables.md"].decode().splitlines()[0]
    (['tables.md'], '**Table 2. DORIS remission by visit**')
    """
    if not isinstance(result, RunResult):
        raise SmallTrialError(f"result must be a RunResult from run(), got {type(result).__name__}")
    files: dict[str, bytes] = {}
    for rel in result.figures:
        if Path(rel).suffix.lstrip(".") in REPO_FIGURE_FORMATS:
            files[Path(rel).name] = (result.out / rel).read_bytes()
    md = "\n".join(t.to_markdown() for t in result.tables.values())
    files["tables.md"] = md.encode("utf-8")
    return files


def renderer_fingerprint() -> dict[str, str]:
    """The software that decides the bytes of a figure: matplotlib, FreeType and the font.

    >>> sorted(renderer_fingerprint())
    ['font', 'freetype', 'matplotlib']
    """
    import matplotlib
    from matplotlib import ft2font

    from smalltrial import figures

    return {"matplotlib": matplotlib.__version__, "freetype": ft2font.__freetype_version__,
            "font": figures.resolve_font()}


def update_repo_figures(dest: str | os.PathLike[str], *, analyses: tuple[str, ...] = BUNDLED_ANALYSES
                        ) -> list[Path]:
    """Run the bundled analyses and write their figures to ``dest/<analysis>/`` (PNG and PDF).

    Also writes ``dest/<analysis>/tables.md`` and ``dest/renderer.json`` (the matplotlib,
    FreeType and font that rendered the figures: byte-identical figures need the same ones).
    Files no longer produced are removed, so ``dest`` mirrors the current analyses exactly.

    Parameters
    ----------
    dest : path
        The figures folder (the repository's ``figures/``).
    analyses : tuple of str
        Bundled analyses to run (default all of ``smalltrial.spec.BUNDLED_ANALYSES``).

    Returns the paths written. Command line: ``python -m smalltrial.pipeline
    --update-repo-figures``.

    >>> import tempfile  # the run renders every figure (seconds), so it is not run here
    >>> paths = update_repo_figures(tempfile.mkdtemp(), analyses=("mackensen2022",))  # doctest: +SKIP
    """
    if isinstance(analyses, str) or not isinstance(analyses, (tuple, list)) or not analyses:
        raise SmallTrialError(f"analyses must be a tuple of bundled analysis names "
                              f"({', '.join(map(repr, BUNDLED_ANALYSES))}), got {analyses!r}")
    for name in analyses:
        check_choice(name, "analyses", BUNDLED_ANALYSES)
    dest = Path(dest)
    written = []
    with tempfile.TemporaryDirectory() as work:
        for name in analyses:
            result = run(name, out=Path(work) / name, progress=False)
            target = dest / name
            target.mkdir(parents=True, exist_ok=True)
            files = repo_figure_files(result)
            for fname, data in files.items():
                (target / fname).write_bytes(data)
                written.append(target / fname)
            for old in target.iterdir():
                if old.is_file() and old.name not in files:
                    old.unlink()
    fingerprint = json.dumps(renderer_fingerprint(), indent=2, sort_keys=True) + "\n"
    (dest / "renderer.json").write_bytes(fingerprint.encode("utf-8"))
    written.append(dest / "renderer.json")
    return written


def _main(argv: list[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    import argparse

    repo = Path(__file__).resolve().parents[1]
    default = repo / "figures" if (repo / "analyses").is_dir() else Path("figures")
    parser = argparse.ArgumentParser(prog="python -m smalltrial.pipeline")
    parser.add_argument("--update-repo-figures", metavar="DIR", nargs="?", const=str(default),
                        help=f"regenerate the repository's figures folder (default: {default})")
    args = parser.parse_args(argv)
    if args.update_repo_figures:
        for path in update_repo_figures(args.update_repo_figures):
            print(path)
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
