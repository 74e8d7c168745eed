"""What the builders print: display names, units, category order, summary type and time units.

One :class:`Labels` per run joins three sources, the spec's ``[labels]`` section first, then the
trial's ``parameters`` table (label and unit of each measurement parameter), then defaults
(``age`` -> "Age, years", ``sex`` levels F/M -> Female/Male, ``month 3`` -> "Month 3",
``relapse`` -> "Relapse", a column name ``mgfa_class`` -> "Mgfa class").

>>> lab = Labels({"variables": {"mgfa_class": "MGFA class"}, "order": {"ecog": [0, 1, 2]},
...               "summary": {"ecog": "categorical"}})
>>> lab.variable("mgfa_class"), lab.variable("ecog"), lab.order("ecog"), lab.summary("ecog")
('MGFA class', 'Ecog', [0, 1, 2], 'categorical')
>>> lab.visit("month 3"), lab.event("b_cell_reconstitution"), lab.time_axis("weeks")
('Month 3', 'B-cell reconstitution', 'Weeks since start of treatment')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Labels", "DAYS_PER_UNIT", "to_unit"]

#: days per time unit (a month is 365.25 / 12 days)
DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}

_EVENTS = {
    "b_cell_reconstitution": "B-cell reconstitution",
    "relapse": "Relapse",
    "remission": "Remission",
    "death": "Death",
    "crs": "Cytokine release syndrome",
    "icans": "ICANS",
}
_VARIABLES = {"age": "Age, years", "sex": "Sex"}
_LEVELS = {"sex": {"F": "Female", "M": "Male"}}


def to_unit(days: Any, unit: str) -> Any:
    """Days (a number or an array) in ``unit`` (days, weeks, months, years)."""
    return days / DAYS_PER_UNIT[unit] if unit != "days" else days * 1.0


def _humanise(name: str) -> str:
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


class Labels:
    """Display names of variables, parameters, levels, events, groups and visits of one run.

    Parameters
    ----------
    spec_labels : mapping
        The spec's ``[labels]`` section (``variables, units, levels, order, summary, events,
        groups, visits`` and ``origin``).
    trial : Trial, optional
        Its ``parameters`` table gives the label and unit of each measurement parameter.
    """

    def __init__(self, spec_labels: Mapping[str, Any] | None = None, trial: Any = None,
                 defined: Mapping[str, str] | None = None) -> None:
        lab = dict(spec_labels or {})
        #: labels of the responses and time-to-event endpoints declared in the spec
        self._defined = dict(defined or {})
        self._spec = {k: dict(lab.get(k) or {}) for k in
                      ("variables", "units", "levels", "order", "summary", "events", "groups", "visits")}
        self.origin = str(lab.get("origin") or "start of treatment")
        self._param_label: dict[str, str] = {}
        self._param_unit: dict[str, str] = {}
        params = getattr(trial, "parameters", None)
        if params is not None and "parameter" in params.columns:
            for _, r in params.iterrows():
                name = str(r["parameter"])
                label = r.get("label")
                if isinstance(label, str) and label:
                    self._param_label[name] = label.replace(" (SYNTHETIC)", "")
                unit = r.get("unit")
                if isinstance(unit, str) and unit:
                    self._param_unit[name] = unit

    # ---- variables and parameters --------------------------------------------------------
    def unit(self, name: str) -> str | None:
        """The unit of a parameter: the spec's ``labels.units``, else the parameters table."""
        return self._spec["units"].get(name, self._param_unit.get(name))

    def short(self, name: str) -> str:
        """The name of a variable or parameter without its unit ("Anti-dsDNA")."""
        if name in self._spec["variables"]:
            return self._spec["variables"][name]
        if name in self._param_label:
            return self._param_label[name]
        if name in _VARIABLES:
            return _VARIABLES[name].split(",")[0]
        return _humanise(name)

    def variable(self, name: str) -> str:
        """The display name with its unit where there is one ("Anti-dsDNA, IU/mL")."""
        if name in _VARIABLES and name not in self._spec["variables"] and name not in self._param_label:
            return _VARIABLES[name]
        unit = self.unit(name)
        short = self.short(name)
        return f"{short}, {unit}" if unit and unit not in short else short

    def variables(self, names) -> dict[str, str]:
        return {n: self.variable(n) for n in names}

    # ---- levels, order, summary ----------------------------------------------------------
    def levels(self, var: str, values=()) -> dict[Any, str]:
        """Level -> display name for ``values`` of ``var`` (spec keys match by their text)."""
        given = {str(k): v for k, v in self._spec["levels"].get(var, {}).items()}
        default = _LEVELS.get(var, {})
        out = {}
        for v in values:
            if str(v) in given:
                out[v] = given[str(v)]
            elif v in default:
                out[v] = default[v]
        return out

    def order(self, var: str) -> list | None:
        """The spec's level order of ``var`` (None when not given)."""
        return list(self._spec["order"][var]) if var in self._spec["order"] else None

    def ordered(self, var: str, values) -> list:
        """``values`` in the spec's order of ``var`` (matched by text); others after, as given."""
        values = list(dict.fromkeys(values))
        order = self.order(var)
        if not order:
            return values
        rank = {str(v): i for i, v in enumerate(order)}
        return sorted(values, key=lambda v: rank.get(str(v), len(rank)))

    def summary(self, var: str) -> str | None:
        """``"continuous"`` or ``"categorical"`` when the spec fixes it, else None (by type)."""
        return self._spec["summary"].get(var)

    # ---- events, groups, visits, time ----------------------------------------------------
    def renamed_event(self, name: str) -> bool:
        """Whether the spec names this event (built-in wordings then give way to it)."""
        return name in self._spec["events"] or name in self._defined

    def event(self, name: str) -> str:
        """An event, response or endpoint: [labels.events], else its declared label."""
        if name in self._spec["events"]:
            return self._spec["events"][name]
        return self._defined.get(name, _EVENTS.get(name, _humanise(name)))

    def group(self, value: Any) -> str:
        return self._spec["groups"].get(str(value), str(value))

    def groups(self, values) -> dict[Any, str]:
        return {v: self.group(v) for v in values}

    def visit(self, value: Any) -> str:
        if str(value) in self._spec["visits"]:
            return self._spec["visits"][str(value)]
        return _humanise(value) if isinstance(value, str) else str(value)

    def visits(self, values) -> dict[Any, str]:
        return {v: self.visit(v) for v in values}

    def time_axis(self, unit: str) -> str:
        """The label of a time axis: "Months since start of treatment" (``[labels] origin``)."""
        return f"{unit[:1].upper()}{unit[1:]} since {self.origin}"


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
