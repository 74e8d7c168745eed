"""The analysis context every builder shares: the trial, the spec, and each statistic computed once.

:class:`Analysis` shapes the data (long rows of a parameter with the grouping column, baseline
values, per-visit remission, time-to-event frames) and caches every statistic (Kaplan-Meier fits,
mixed models, confidence intervals), so a table and a figure showing the same thing share one
computation. :class:`Skip` marks a step this installation cannot run (a module it needs is
missing); :func:`attr` fetches ``smalltrial.<module>.<name>`` or raises it.

>>> from smalltrial import datasets
>>> from smalltrial.spec import load_spec
>>> ctx = Analysis(datasets.load("muller2024"), load_spec("muller2024"))
>>> ctx.groups()
['SLE', 'IIM', 'SSc']
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from smalltrial._errors import SmallTrialError

__all__ = ["Analysis", "Skip", "attr", "module", "DAYS_PER_MONTH", "DAYS_PER_YEAR"]

DAYS_PER_MONTH = 30.4375
DAYS_PER_YEAR = 365.25


class Skip(Exception):
    """A step that cannot run in this installation (a module it needs is missing)."""


class Analysis:
    """The trial and spec of one run, with every derivation and statistic cached."""

    def __init__(self, trial: Any, spec: Any) -> None:
        from smalltrial.builders.labels import Labels

        self.trial = trial
        self.spec = spec
        self.ep = spec.endpoints
        defined = {e["name"]: e["label"] for key in ("responses", "time_to_event")
                   for e in self.ep.get(key, ()) if e.get("label")}
        self.labels = Labels(getattr(spec, "labels", None), trial, defined)
        self._cache: dict[Any, Any] = {}
        self._long: dict[str, Any] = {}  # parameter -> its long rows (see long())
        #: table/figure id -> (key, value) of each statistic its builder fetched (for the ARD)
        self.used: dict[str, list[tuple[Any, Any]]] = {}
        self._item: str | None = None
        self._depth = 0

    def once(self, key: Any, compute: Callable[[], Any]) -> Any:
        self._depth += 1
        try:
            if key not in self._cache:
                self._cache[key] = compute()
        finally:
            self._depth -= 1
        if self._item is not None and self._depth == 0:  # what the builder itself asked for
            self.used.setdefault(self._item, []).append((key, self._cache[key]))
        return self._cache[key]

    @contextmanager
    def recording(self, item_id: str):
        """Record the statistics fetched while making ``item_id`` in :attr:`used`."""
        self._item, self._depth = item_id, 0
        self.used.setdefault(item_id, [])
        try:
            yield
        finally:
            self._item = None

    # ---- data shaping ----------------------------------------------------------------------
    @property
    def by(self) -> str:
        return self.ep["by"]

    def groups(self) -> list[str]:
        """The values of the ``by`` column, in the spec's ``[labels.order]`` or as they appear."""
        subj = self.trial.subjects
        if self.by not in subj.columns:
            raise SmallTrialError(
                f"spec: endpoints.by: subjects has no column {self.by!r}; "
                f"columns present: {', '.join(map(repr, map(str, subj.columns)))}"
            )
        return self.labels.ordered(self.by, [str(g) for g in subj[self.by].tolist()])

    def group_sizes(self) -> dict[str, int]:
        """Patients per group (every patient of the trial)."""
        col = self.trial.subjects[self.by].astype(str)
        return {g: int((col == g).sum()) for g in self.groups()}

    def labelled_groups(self, frame, column: str | None = None):
        """A copy of ``frame`` whose grouping column holds the groups' display names as a
        Categorical in the run's group order, so every figure orders, names and colours the
        groups alike (the tables use the same order and names)."""
        import pandas as pd

        column = column or self.by
        order = self.groups()
        names = [self.labels.group(g) for g in order]
        mapping = dict(zip(order, names, strict=True))
        out = frame.copy()
        out[column] = pd.Categorical([mapping.get(str(v), str(v)) for v in out[column]],
                                     categories=list(dict.fromkeys(names)))
        return out

    def subjects_of(self, group: str | None) -> set:
        """The subject ids of a group (all subjects for None or ``"All"``)."""
        subj = self.trial.subjects
        if group is None or group == "All":
            return set(subj["subject"])
        return set(subj.loc[subj[self.by].astype(str) == group, "subject"])

    def not_assessed(self, subjects) -> list[tuple[str, int]]:
        """Groups none of whose patients is among ``subjects``: (group, number of patients)."""
        have = set(subjects)
        return [(g, n) for g, n in self.group_sizes().items() if not self.subjects_of(g) & have]

    def not_assessed_note(self, subjects, what: str) -> str | None:
        """A footnote naming the groups without ``what`` (None when every group has some)."""
        missing = self.not_assessed(subjects)
        if not missing:
            return None
        names = ", ".join(f"{self.labels.group(g)} (n = {n})" for g, n in missing)
        return f"{names}: no patient assessed for {what}; not shown."

    def visit_order(self) -> list[str]:
        return list(self.trial.visits())

    def long(self, parameter: str, key: str):
        """Long rows of one parameter with the grouping column merged in (a fresh copy each
        call: callers may add columns; the merge is done once per parameter)."""
        cached = self._long.get(parameter)
        if cached is not None:
            return cached.copy()
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
        self._long[parameter] = rows.sort_values(["subject", "day"], kind="stable").reset_index(drop=True)
        return self._long[parameter].copy()

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
    def remission_by_visit(self, key: str | None = None):
        """DORIS 2021 remission per subject-visit (only where all components were assessed).

        The lupus default of the efficacy table and forest plot: a trial without SLEDAI-2K,
        PGA or prednisone measurements is told (naming the spec ``key``) to declare its own
        response rule instead."""
        params = set(self.trial.measurements["parameter"].astype(str))
        if not params & {"sledai2k", "pga", "prednisone_mg"} and \
                not any(p.startswith("sledai_") for p in params):
            raise SmallTrialError(
                f"spec: {key or 'efficacy'}.response: not given, so the lupus remission "
                f"(endpoints.remission = {self.ep['remission']!r}) would be shown, but the "
                "measurements hold no SLEDAI-2K, PGA or prednisone values; declare the trial's "
                "response in [[endpoints.responses]] and set response = '<its name>'")
        return self.once("remission_by_visit", self._remission_by_visit)

    def _remission_by_visit(self):
        derive = attr("endpoints", "derive_visit_endpoints")
        column = self.ep["remission"]
        visits = derive(self.trial)
        frame = visits[["subject", "day", "visit", column]].copy()
        frame = frame[frame[column].notna()]  # not-evaluable visits are left out, never counted
        frame["remission"] = frame[column].astype(bool)
        frame = frame.drop(columns=[column])
        return frame.merge(self.trial.subjects[["subject", self.by]], on="subject", how="left")

    def time_to_event(self, endpoint: str, unit: str = "months"):
        """Per subject: ``subject, time`` (in ``unit``), ``event`` (0/1), ``<by>`` for one endpoint."""
        def compute():
            from smalltrial.builders.labels import to_unit

            out = self.time_to_event_days(endpoint).copy()
            out["time"] = to_unit(out["time"].astype(float), unit)
            return out
        return self.once(("tte", endpoint, unit), compute)

    def time_to_event_days(self, endpoint: str):
        return self.once(("tte_days", endpoint), lambda: self._time_to_event(endpoint))

    def _time_to_event(self, endpoint: str):
        trial = self.trial
        definition = self.tte_definition(endpoint)
        adtte = getattr(trial, "time_to_event_data", None)
        if adtte is not None and len(adtte) and endpoint in set(adtte["endpoint"]):
            # an ADaM ADTTE parameter of that name: its records as recorded (AVAL, 1 - CNSR,
            # its own censoring) take precedence over a derivation from the events, so one spec
            # serves the CSV and the ADaM version of a trial; patients without a record of it
            # are left out with a footnote, as patients whose origin never occurs
            recorded = set(adtte.loc[adtte["endpoint"] == endpoint, "subject"].astype(str))
            self._cache[("tte_excluded", endpoint)] = [
                s for s in trial.subjects["subject"].astype(str) if s not in recorded]
            definition = None
        if definition is not None:
            derive = attr("survival", "time_to_event")
            origin = definition["origin"]
            if origin.startswith("response:"):
                origin = self.response_rule(origin.split(":", 1)[1]).first_day(trial)
            frame = derive(trial, endpoint, events=tuple(definition.get("events") or (endpoint,)),
                           origin=origin, competing=tuple(definition["competing"]) or None,
                           censor=definition["censor"])
            self._cache[("tte_excluded", endpoint)] = list(frame.attrs.get("excluded", []))
        elif endpoint == "b_cell_reconstitution":
            derive = attr("survival", "b_cell_reconstitution")
            frame = derive(trial, threshold=self.ep["bcell_threshold"])
        else:
            derive = attr("survival", "time_to_event")
            frame = derive(trial, endpoint)
        out = frame[["subject", "time", "event"]].copy()
        out["time"] = out["time"].astype(float)
        out["event"] = out["event"].astype(int)
        return out.merge(trial.subjects[["subject", self.by]], on="subject", how="left")

    def tte_groups(self, endpoint: str) -> list[str]:
        """The groups with at least one patient in the endpoint's data."""
        data = self.time_to_event_days(endpoint)
        present = set(data[self.by].astype(str))
        return [g for g in self.groups() if g in present]

    def kaplan_meier(self, endpoint: str, unit: str = "months", group: str | None = None,
                     subjects: tuple | None = None):
        """Kaplan-Meier fit of an endpoint: all patients (``group`` None) or one group, of
        ``subjects`` only when given."""
        def compute():
            kaplan_meier = attr("survival", "kaplan_meier")
            data = self.time_to_event(endpoint, unit)
            if subjects is not None:
                data = data[data["subject"].isin(set(subjects))]
            if group is not None:
                data = data[data[self.by].astype(str) == group]
            return kaplan_meier(data, time="time", event="event", level=self.ep["level"],
                                conf_type=self.ep["conf_type"])
        return self.once(("km", endpoint, unit, group, subjects), compute)

    def rmst(self, endpoint: str, tau: float, unit: str = "months", group: str | None = None,
             subjects: tuple | None = None):
        """Restricted mean survival time up to ``tau`` (in ``unit``) of an endpoint: all patients
        (``group`` None) or one group, of ``subjects`` only when given."""
        def compute():
            rmst = attr("survival", "rmst")
            data = self.time_to_event(endpoint, unit)
            if subjects is not None:
                data = data[data["subject"].isin(set(subjects))]
            if group is not None:
                data = data[data[self.by].astype(str) == group]
            return rmst(data, time="time", event="event", tau=tau, level=self.ep["level"])
        return self.once(("rmst", endpoint, tau, unit, group, subjects), compute)

    def follow_up(self, unit: str = "months"):
        def compute():
            import pandas as pd

            from smalltrial.builders.labels import to_unit

            median_follow_up = attr("survival", "median_follow_up")
            days = self.trial.follow_up_days()
            deaths = self.trial.event_days("death")
            data = pd.DataFrame({"time": to_unit(days.to_numpy(float), unit),
                                 "event": deaths.notna().to_numpy().astype(int)})
            return median_follow_up(data, time="time", event="event", level=self.ep["level"])
        return self.once(("follow_up", unit), compute)

    def follow_up_years(self, group: str | None = None) -> float:
        days = self.trial.follow_up_days()
        if group is not None:
            keep = self.subjects_of(group)
            days = days[[s in keep for s in days.index]]
        return float(days.sum()) / DAYS_PER_YEAR

    def event_rate(self, endpoint: str, group: str | None = None):
        def compute():
            event_rate = attr("survival", "event_rate")
            ev = self.trial.events
            hit = ev["event"] == endpoint
            if group is not None:
                hit &= ev["subject"].isin(self.subjects_of(group))
            return event_rate(int(hit.sum()), self.follow_up_years(group), level=self.ep["level"])
        return self.once(("rate", endpoint, group), compute)

    def worst_grades(self, events: tuple[str, ...]):
        """Per subject: worst grade of each event (0 = did not occur)."""
        def compute():
            worst_grade = attr("endpoints", "worst_toxicity_grade")
            frame = self.trial.subjects[["subject", self.by]].copy()
            for name in events:
                worst = worst_grade(self.trial, name).set_index("subject")["worst_grade"]
                frame[name] = frame["subject"].map(worst)
            return frame
        return self.once(("worst", events), compute)

    def proportion_ci(self, x: int, n: int):
        proportion_ci = attr("rates", "proportion_ci")
        return self.once(("ci", x, n), lambda: proportion_ci(
            x, n, level=self.ep["level"], method=self.ep["ci_method"]))

    # ---- response rules and time-to-event endpoints declared in the spec ----------------------
    def response_definition(self, name: str) -> dict:
        """The spec's ``[[endpoints.responses]]`` entry ``name``, or a named rule (doris, ...)."""
        from smalltrial.spec import NAMED_RESPONSES

        for entry in self.ep.get("responses", ()):
            if entry["name"] == name:
                return dict(entry)
        if name in NAMED_RESPONSES:
            return {"rule": name, "name": name}
        known = [e["name"] for e in self.ep.get("responses", ())] + list(NAMED_RESPONSES)
        raise SmallTrialError(f"spec: no response {name!r}; responses: {', '.join(map(repr, known))}")

    def response_rule(self, name: str):
        return self.once(("rule", name), lambda: attr("endpoints", "response_rule")(
            self.response_definition(name)))

    def response_by_visit(self, name: str):
        """Per subject-visit where the response is assessable: ``subject, day, visit,
        remission`` (met, bool) and the group."""
        def compute():
            frame = self.response_rule(name).evaluate(self.trial)
            frame = frame[frame["met"].notna()].copy()
            frame["remission"] = frame["met"].astype(bool)
            frame = frame[["subject", "day", "visit", "remission"]]
            return frame.merge(self.trial.subjects[["subject", self.by]], on="subject", how="left")
        return self.once(("response_by_visit", name), compute)

    def best_response(self, name: str):
        """Per subject the rule applies to: met at any post-baseline visit (never assessable:
        not met, flagged ``never_assessable``) and group."""
        def compute():
            best = self.response_rule(name).best(self.trial).copy()
            # an overall response rate counts every patient the rule applies to (intention to
            # treat): a patient without any assessable visit is not a responder
            best["never_assessable"] = best["met"].isna().to_numpy(dtype=bool)
            best["met"] = best["met"].fillna(False).astype(bool)
            return best.merge(self.trial.subjects[["subject", self.by]], on="subject", how="left")
        return self.once(("best", name), compute)

    def tte_definition(self, endpoint: str) -> dict | None:
        for entry in self.ep.get("time_to_event", ()):
            if entry["name"] == endpoint:
                return dict(entry)
        return None

    def tte_excluded(self, endpoint: str) -> list:
        """Subjects left out of a declared endpoint because its origin never occurred."""
        self.time_to_event_days(endpoint)
        return list(self._cache.get(("tte_excluded", endpoint), []))

    def rates_by_group(self, frame, column: str):
        """n/N with CI per group of a per-subject (or subject-visit) frame with a bool column."""
        import pandas as pd

        groups = [g for g in self.groups() if (frame[self.by].astype(str) == g).any()]
        records = []
        for g in groups + (["All"] if len(groups) > 1 else []):
            sub = frame if g == "All" else frame[frame[self.by].astype(str) == g]
            x, n = int(sub[column].sum()), int(len(sub))
            ci = self.proportion_ci(x, n)
            records.append({"group": g, "x": x, "n": n, "estimate": float(ci.estimate),
                            "lower": float(ci.lower), "upper": float(ci.upper),
                            "method": str(ci.method), "level": float(ci.level)})
        return pd.DataFrame(records)

    def efficacy_results(self, visits: list[str] | None, key: str, response: str | None = None):
        """Response n/N with CI per (visit, group) (and all patients when there are groups):
        the spec's remission by default, else the response rule ``response``."""
        import pandas as pd

        rem = self.remission_by_visit(key) if response is None else self.response_by_visit(response)
        order = [v for v in self.visit_order() if v in set(rem["visit"])]
        if visits is None:
            visits = [v for v in order if v != "baseline" and
                      (rem.loc[rem["visit"] == v, "day"] > 0).all()]
        else:
            for i, v in enumerate(visits):
                if v not in set(rem["visit"]):
                    raise SmallTrialError(f"spec: {key}.visits[{i}]: no {response or 'remission'} assessment at visit "
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
                  key: str, group: str | None = None, min_n: int = 1):
        """The mixed model ``value ~ visit`` + random intercept, all patients or one group."""
        def compute():
            import pandas as pd

            mixed_model = attr("longitudinal", "mixed_model")
            data = self.model_frame(parameter, visits, key, group, min_n)
            order = self.model_visits(parameter, visits, key, group, min_n)
            data = data.assign(visit=pd.Categorical(data["visit"], categories=order, ordered=True))
            return mixed_model(
                "value ~ C(visit)", data, subject="subject",
                transform=None if transform == "none" else transform, df_method=df_method,
                level=self.ep["level"],
            )
        return self.once(("mixed", parameter, transform, df_method, visits, group, min_n), compute)

    def _rows_of(self, parameter: str, key: str, group: str | None):
        rows = self.long(parameter, f"{key}.parameter")
        if group is not None:
            rows = rows[rows[self.by].astype(str) == group]
        return rows

    def model_visits(self, parameter: str, visits: tuple | None, key: str,
                     group: str | None = None, min_n: int = 1) -> list[str]:
        """The visits of the model (``key``: the spec entry, e.g. ``tables[2]``).

        By default every visit where at least ``min_n`` patients (of ``group``) have a value:
        the mixed model uses incomplete data, so a visit is not dropped because a patient
        missed it. Listed ``visits`` must have data in some group; a group keeps those it has.
        """
        rows = self.long(parameter, f"{key}.parameter")
        present = [v for v in self.visit_order() if v in set(rows["visit"])]
        if visits is not None:
            for i, v in enumerate(visits):
                if v not in present:
                    raise SmallTrialError(f"spec: {key}.visits[{i}]: no {parameter!r} values at visit {v!r}; "
                                          f"visits: {', '.join(map(repr, present))}")
        rows = self._rows_of(parameter, key, group)
        counts = rows.groupby("visit")["subject"].nunique()
        if visits is None:
            return [v for v in present if counts.get(v, 0) >= min_n]
        return [v for v in visits if counts.get(v, 0) > 0]

    def model_frame(self, parameter: str, visits: tuple | None, key: str,
                    group: str | None = None, min_n: int = 1):
        rows = self._rows_of(parameter, key, group)
        keep = self.model_visits(parameter, visits, key, group, min_n)
        return rows[rows["visit"].isin(keep)].reset_index(drop=True)


def attr(module_name: str, name: str):
    """``smalltrial.<module_name>.<name>``, or :class:`Skip` when this installation lacks it."""
    try:
        mod = module(module_name)
        return getattr(mod, name)
    except (AttributeError, Skip):
        raise Skip(f"smalltrial.{module_name}.{name} is not available") from None
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("smalltrial."):
            raise Skip(f"smalltrial.{module_name}.{name} is not available") from None
        raise


def module(name: str):
    """The module ``smalltrial.<name>``, or :class:`Skip` when this installation lacks it."""
    import importlib

    try:
        return importlib.import_module(f"smalltrial.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"smalltrial.{name}":
            raise Skip(f"smalltrial.{name} is not available") from None
        raise


