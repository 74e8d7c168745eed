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
        self.trial = trial
        self.spec = spec
        self.ep = spec.endpoints
        self._cache: dict[Any, Any] = {}
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
        derive = attr("endpoints", "derive_visit_endpoints")
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
            derive = attr("survival", "b_cell_reconstitution")
            frame = derive(trial, threshold=self.ep["bcell_threshold"])
        else:
            derive = attr("survival", "time_to_event")
            frame = derive(trial, endpoint)
        out = frame[["subject", "time", "event"]].copy()
        out["time"] = out["time"].astype(float) / DAYS_PER_MONTH  # days -> months
        out["event"] = out["event"].astype(int)
        return out.merge(trial.subjects[["subject", self.by]], on="subject", how="left")

    def kaplan_meier(self, endpoint: str):
        def compute():
            kaplan_meier = attr("survival", "kaplan_meier")
            data = self.time_to_event(endpoint)
            return kaplan_meier(data, time="time", event="event", level=self.ep["level"],
                                         conf_type=self.ep["conf_type"])
        return self.once(("km", endpoint), compute)

    def follow_up(self):
        def compute():
            import pandas as pd

            median_follow_up = attr("survival", "median_follow_up")
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
            event_rate = attr("survival", "event_rate")
            n_events = int((self.trial.events["event"] == endpoint).sum())
            return event_rate(n_events, self.follow_up_years(), level=self.ep["level"])
        return self.once(("rate", endpoint), compute)

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

            mixed_model = attr("longitudinal", "mixed_model")
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


