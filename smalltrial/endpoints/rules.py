"""Response rules defined by the user as plain data (a TOML spec or a dict), without code.

A rule says, per subject and post-baseline visit, whether the subject responds:

* ``{"parameter": "mgadl", "op": "<=", "value": 3}``: a threshold on the value
  (ops ``<  <=  >  >=  ==  !=``);
* ``{"parameter": "mgadl", "change": "absolute", "op": "<=", "value": -2}``: change from the
  subject's baseline, ``"absolute"`` (value - baseline) or ``"percent"``
  (100 * (value - baseline) / baseline); the baseline is the last non-missing value on or before
  day 0;
* ``{"parameter": "bor", "in": ["CR", "PR"]}``: categorical, read from the measurements column
  ``value_text`` where it is present (else from ``value``, for numeric categories);
* ``{"all": [rule, ...]}`` / ``{"any": [rule, ...]}``: three-valued (Kleene) combinations;
* ``{"rule": "doris"}`` (or ``"drug_free_remission"``, ``"lldas"``, ``"sri4"``): a named rule of
  a disease module (:mod:`smalltrial.domains`), found through :func:`register_rule`;

each with optional ``"confirm_days"`` (RECIST-style confirmation), ``"name"`` and ``"label"``.

Missing data are never a response: a visit where a needed value is missing is ``<NA>`` (not
assessable), and a subject without a baseline value for a change rule is not assessable at any
visit (listed in ``result.attrs["not_assessable"]``, with a SmallTrialWarning).

There is no R or SAS function to follow: these are scoring rules; the tests check every
threshold at its boundary and every change against a hand calculation (tests/test_rules.py).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import numbers
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError, warn
from smalltrial._validate import _show, check_columns, check_frame, describe_rows
from smalltrial.endpoints.engine import _compare, _kleene_or

__all__ = ["ResponseRule", "response_rule", "register_rule", "named_rules"]

OPS: tuple[str, ...] = ("<", "<=", ">", ">=", "==", "!=")
CHANGES: tuple[str, ...] = ("absolute", "percent")
_COMMON_KEYS = ("name", "label", "confirm_days")
_SHAPES: dict[str, tuple[str, ...]] = {
    "named": ("rule",),
    "threshold": ("parameter", "op", "value"),
    "change": ("parameter", "change", "op", "value"),
    "category": ("parameter", "in"),
    "all": ("all",),
    "any": ("any",),
}


# --------------------------------------------------------------------------------------------
# registry of named rules (disease modules register into it)
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NamedRule:
    """A rule implemented in code by a disease module.

    ``evaluate(data)`` takes a Trial or a measurements DataFrame and returns a DataFrame
    ``subject, day, visit, met`` (float 1/0/NaN) over post-baseline visits, with
    ``attrs["subjects"]`` (the subjects the rule applies to, or None for all) and optionally
    ``attrs["not_assessable"]``, ``attrs["warnings"]`` (caveats for :meth:`ResponseRule.evaluate`
    to warn about) and ``attrs["emitted"]`` (caveats already warned about, only recorded).
    """

    name: str
    label: str
    evaluate: Callable[[Any], pd.DataFrame]
    citation: str = ""


_REGISTRY: dict[str, NamedRule] = {}
_DOMAINS_LOADED = False


def register_rule(
    name: str, evaluate: Callable[[Any], pd.DataFrame], *, label: str, citation: str = ""
) -> None:
    """Register a named rule (``{"rule": name}``); disease modules call this at import.

    Examples
    --------
    >>> "doris" in named_rules()
    True
    """
    if not isinstance(name, str) or not name:
        raise SmallTrialError(f"name must be a non-empty string, got {name!r}")
    if not callable(evaluate):
        raise SmallTrialError(f"evaluate must be a function of the trial, got {evaluate!r}")
    if not isinstance(label, str) or not label:
        raise SmallTrialError(f"label must be a non-empty string, got {label!r}")
    _REGISTRY[name] = NamedRule(name, label, evaluate, citation)


def named_rules() -> dict[str, NamedRule]:
    """The named rules of every disease module in :mod:`smalltrial.domains` (loaded on first use).

    Examples
    --------
    >>> sorted(named_rules())
    ['doris', 'drug_free_remission', 'lldas', 'sri4']
    """
    global _DOMAINS_LOADED
    if not _DOMAINS_LOADED:
        import smalltrial.domains as domains

        for info in sorted(pkgutil.iter_modules(domains.__path__), key=lambda i: i.name):
            importlib.import_module(f"smalltrial.domains.{info.name}")
        _DOMAINS_LOADED = True
    return dict(_REGISTRY)


# --------------------------------------------------------------------------------------------
# the rule object
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=True)
class ResponseRule:
    """A response rule built by :func:`response_rule` (see there for the shapes).

    Fields: ``kind`` (``"threshold"``, ``"change"``, ``"category"``, ``"all"``, ``"any"``,
    ``"named"``), ``parameter``, ``op``, ``value``, ``change``, ``categories``, ``rules``
    (the parts of all/any), ``rule`` (a named rule), ``confirm_days``, ``name``, ``label``.
    Methods: :meth:`evaluate`, :meth:`first_day`, :meth:`best`.
    """

    kind: str
    name: str
    label: str
    parameter: str | None = None
    op: str | None = None
    value: float | None = None
    change: str | None = None
    categories: tuple[Any, ...] = ()
    rules: tuple[ResponseRule, ...] = ()
    rule: str | None = None
    confirm_days: float | None = None

    def __repr__(self) -> str:
        return f"ResponseRule({self.name!r}: {self.describe()})"

    # -- description ----------------------------------------------------------------------------
    def describe(self, labels: Callable[[str], str] | None = None) -> str:
        """The rule in words, e.g. ``"change in mgadl from baseline <= -2"``.

        Parameters
        ----------
        labels : callable, optional
            Display name of a parameter (e.g. ``"MG-ADL score"`` for ``mgadl``); with it the
            comparison signs print as ``≤``/``≥`` (for a table footnote). Without it, the rule
            reads as it is written in a spec.

        >>> rule = response_rule({"parameter": "mgadl", "change": "absolute", "op": "<=",
        ...                       "value": -2})
        >>> rule.describe(), rule.describe({"mgadl": "MG-ADL score"}.get)
        ('absolute change in mgadl from baseline <= -2', 'absolute change in MG-ADL score from baseline ≤ -2')
        """
        name = (lambda p: labels(p) or p) if labels is not None else (lambda p: p)
        sign = {"<=": "\u2264", ">=": "\u2265"} if labels is not None else {}
        op = sign.get(self.op, self.op) if self.op is not None else None
        if self.kind == "named":
            text = named_rules()[self.rule].label  # type: ignore[index]
        elif self.kind == "threshold":
            text = f"{name(self.parameter)} {op} {self.value:g}"
        elif self.kind == "change":
            unit = " %" if self.change == "percent" else ""
            text = f"{self.change} change in {name(self.parameter)} from baseline {op} {self.value:g}{unit}"
        elif self.kind == "category":
            text = f"{name(self.parameter)} in {{{', '.join(map(str, self.categories))}}}"
        else:
            text = f"{self.kind} of ({'; '.join(r.describe(labels) for r in self.rules)})"
        if self.confirm_days is not None:
            text += f", confirmed {sign.get('>=', '>=')} {self.confirm_days:g} days later"
        return text

    def to_spec(self) -> dict[str, Any]:
        """The rule as plain data again (``response_rule(rule.to_spec()) == rule``).

        Examples
        --------
        >>> response_rule({"parameter": "bor", "in": ["CR", "PR"]}).to_spec()
        {'parameter': 'bor', 'in': ['CR', 'PR']}
        """
        if self.kind == "named":
            spec: dict[str, Any] = {"rule": self.rule}
        elif self.kind in ("all", "any"):
            spec = {self.kind: [r.to_spec() for r in self.rules]}
        elif self.kind == "category":
            spec = {"parameter": self.parameter, "in": list(self.categories)}
        else:
            spec = {"parameter": self.parameter}
            if self.kind == "change":
                spec["change"] = self.change
            spec.update(op=self.op, value=self.value)
        if self.confirm_days is not None:
            spec["confirm_days"] = self.confirm_days
        text = self.describe()
        if self.name not in (text, self.rule):
            spec["name"] = self.name
        if self.label != text:
            spec["label"] = self.label
        return spec

    @property
    def parameters(self) -> tuple[str, ...]:
        """The measurement parameters the rule reads (named rules: none listed)."""
        if self.kind in ("all", "any"):
            return tuple(dict.fromkeys(p for r in self.rules for p in r.parameters))
        return (self.parameter,) if self.parameter is not None else ()

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, trial: Any) -> pd.DataFrame:
        """Per subject and post-baseline visit (day > 0) with data: is the rule met?

        Parameters
        ----------
        trial
            a :class:`smalltrial.Trial` or its long ``measurements`` DataFrame (``subject, day,
            visit, parameter, value`` and optional ``value_text``).

        Returns
        -------
        DataFrame ``subject, visit, day, met`` sorted by subject and day; ``met`` is pandas'
        nullable ``"boolean"``, ``<NA>`` where not assessable (a needed value missing, or no
        baseline for a change rule). A visit is a subject x day; a combination has a row
        wherever one of its parts has data (a part without data there is unknown).
        ``attrs``: ``"rule"`` (the name), ``"not_assessable"`` (subjects without a baseline,
        also warned about), ``"warnings"``, ``"subjects"`` (the subjects the rule applies to).

        Confirmation (``confirm_days``): a visit counts only if the rule is met there and met
        again at a later assessment at least ``confirm_days`` days later (RECIST 1.1,
        Eisenhauer et al., Eur J Cancer 2009;45:228-247: a response is confirmed by a repeat
        assessment no less than 4 weeks after the criteria are first met). Intervening
        assessments are not required to meet the rule. The last assessment of a subject (and
        any visit without a later assessment that far ahead) cannot be confirmed and is
        therefore *not met* (``False``), as RECIST counts an unconfirmed response as no
        response; it is ``<NA>`` only where a later assessment exists but is not assessable.

        Examples
        --------
        >>> import pandas as pd
        >>> m = pd.DataFrame({"subject": "01", "day": [0, 28, 56, 84], "visit": None,
        ...                   "parameter": "mgadl", "value": [9.0, 6.0, 7.0, 4.0]})
        >>> rule = response_rule({"parameter": "mgadl", "change": "absolute",
        ...                       "op": "<=", "value": -2})
        >>> rule.evaluate(m)["met"].tolist()
        [True, True, True]
        >>> response_rule({"parameter": "mgadl", "op": "<=", "value": 6,
        ...                "confirm_days": 28}).evaluate(m)["met"].tolist()
        [True, False, False]
        """
        m = _measurements(trial)
        frame, subjects, not_assessable, messages = _evaluate(self, m, trial, "")
        frame = _sorted(frame)
        out = pd.DataFrame(
            {
                "subject": frame["subject"].to_numpy(dtype=object),
                "visit": frame["visit"].to_numpy(dtype=object),
                "day": frame["day"].to_numpy(dtype=float),
                "met": pd.arrays.BooleanArray(
                    frame["met"].to_numpy() == 1.0, np.isnan(frame["met"].to_numpy(dtype=float))
                ),
            }
        )
        record: list[str] = []
        for message in messages:
            if message.startswith(_EMITTED):  # already warned by the named rule's derivation
                record.append(message[len(_EMITTED) :])
            else:
                warn(message, record, stacklevel=3)
        out.attrs = {
            "rule": self.name,
            "not_assessable": sorted(set(not_assessable), key=str),
            "warnings": record,
            "subjects": subjects,
        }
        return out

    def first_day(self, trial: Any) -> pd.DataFrame:
        """First post-baseline day on which the rule is met, per subject (never met: absent).

        Usable as ``origin=`` of :func:`smalltrial.survival.time_to_event` (duration of
        response). With ``confirm_days`` the day is that of the first *confirmed* response
        (the visit where it was first met, not the confirming one; RECIST 1.1).

        Returns DataFrame ``subject, day``; ``attrs`` as :meth:`evaluate`.

        Examples
        --------
        >>> import pandas as pd
        >>> m = pd.DataFrame({"subject": ["a", "a", "b"], "day": [30, 60, 30], "visit": None,
        ...                   "parameter": "crp", "value": [8.0, 2.0, 9.0]})
        >>> response_rule({"parameter": "crp", "op": "<", "value": 5}).first_day(m)
          subject   day
        0       a  60.0
        """
        visits = self.evaluate(trial)
        met = visits[visits["met"].fillna(False).to_numpy(dtype=bool)]
        first = met.groupby("subject", sort=False)["day"].min()
        out = pd.DataFrame({"subject": first.index.to_numpy(dtype=object), "day": first.to_numpy()})
        out.attrs = dict(visits.attrs)
        return out

    def best(self, trial: Any) -> pd.DataFrame:
        """Per subject: met at any post-baseline visit (for an overall response rate).

        ``True`` if met at some visit, ``False`` if assessable at some visit and never met,
        ``<NA>`` only if never assessable (no assessable post-baseline visit). Every subject
        the rule applies to gets a row (for a Trial: every subject of ``subjects``; a named
        disease rule: that disease's cohort), in the order of the Trial's subjects table
        (else sorted).

        Returns DataFrame ``subject, met`` (``met`` nullable boolean); ``attrs`` as
        :meth:`evaluate`.

        Examples
        --------
        >>> import pandas as pd
        >>> m = pd.DataFrame({"subject": ["a", "a", "b", "c"], "day": [30, 60, 30, 30],
        ...                   "visit": None, "parameter": "crp", "value": [8.0, 2.0, 9.0, None]})
        >>> response_rule({"parameter": "crp", "op": "<", "value": 5}).best(m)["met"].tolist()
        [True, False, <NA>]
        """
        visits = self.evaluate(trial)
        subjects = visits.attrs.get("subjects")
        if subjects is None:
            subjects = sorted(dict.fromkeys(visits["subject"]), key=str)
        met = visits["met"]
        status = []
        for subject in subjects:
            rows = met[(visits["subject"] == subject).to_numpy()]
            if bool((rows == True).any()):  # noqa: E712 (nullable comparison)
                status.append(True)
            elif bool((rows == False).any()):  # noqa: E712
                status.append(False)
            else:
                status.append(pd.NA)
        out = pd.DataFrame(
            {
                "subject": pd.Series(list(subjects), dtype=object),
                "met": pd.array(status, dtype="boolean"),
            }
        )
        out.attrs = dict(visits.attrs)
        return out


# --------------------------------------------------------------------------------------------
# building a rule from plain data
# --------------------------------------------------------------------------------------------


def response_rule(spec: Mapping[str, Any]) -> ResponseRule:
    """Build a :class:`ResponseRule` from plain data (what a TOML spec holds; no code).

    Parameters
    ----------
    spec
        a mapping of one of these shapes (plus optional ``"name"``, ``"label"`` and
        ``"confirm_days"`` on any rule, also inside ``all``/``any``):

        * ``{"rule": "doris"}``, ``"drug_free_remission"``, ``"lldas"`` or ``"sri4"``: the
          named lupus rules (:mod:`smalltrial.domains.lupus`; per visit they equal the columns
          of :func:`smalltrial.endpoints.derive_visit_endpoints`; ``sri4`` is the modified SRI
          against the last SLEDAI-2K and PGA on or before day 0);
        * ``{"parameter": p, "op": op, "value": x}``: ``value op x`` with ``op`` one of
          ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``;
        * ``{"parameter": p, "change": "absolute" | "percent", "op": op, "value": x}``: change
          from the subject's baseline (the last non-missing value on or before day 0):
          ``value - baseline`` or ``100 * (value - baseline) / baseline`` (a baseline of 0 makes
          the percent change undefined: not assessable);
        * ``{"parameter": p, "in": [c1, c2, ...]}``: the visit's category is one of these,
          read from ``value_text`` where present (strings compared exactly) and else from
          ``value`` (numbers);
        * ``{"all": [rule, ...]}``, ``{"any": [rule, ...]}``: Kleene and/or (``all`` is False
          as soon as one part is known False, True only if every part is known True; ``any``
          the dual).

    Returns
    -------
    ResponseRule with :meth:`~ResponseRule.evaluate`, :meth:`~ResponseRule.first_day` and
    :meth:`~ResponseRule.best`.

    Bad specs raise SmallTrialError naming the key (``all[1].op``) and the value; a parameter
    that is not in the measurements is reported when the rule is evaluated.

    Examples
    --------
    >>> response_rule({"parameter": "bor", "in": ["CR", "PR"], "name": "orr"})
    ResponseRule('orr': bor in {CR, PR})
    >>> response_rule({"all": [{"parameter": "mgadl", "change": "percent", "op": "<=",
    ...                          "value": -50}, {"parameter": "pred", "op": "<=", "value": 5}],
    ...                "confirm_days": 28}).describe()
    'all of (percent change in mgadl from baseline <= -50 %; pred <= 5), confirmed >= 28 days later'
    """
    return _build(spec, "rule")


def _fail(path: str, message: str) -> SmallTrialError:
    return SmallTrialError(f"response rule: {path}{message}")


def _build(spec: Any, path: str) -> ResponseRule:
    where = "" if path == "rule" else f"{path}."
    if not isinstance(spec, Mapping):
        raise _fail(path, f" must be a mapping (dict/TOML table), got {spec!r}")
    keys = [k for k in spec if k not in _COMMON_KEYS]
    bad_keys = [k for k in keys if not isinstance(k, str)]
    if bad_keys:
        raise _fail(path, f" has a key that is not a string: {bad_keys[0]!r}")
    if "rule" in keys:
        kind = "named"
    elif "all" in keys or "any" in keys:
        kind = "all" if "all" in keys else "any"
        if "all" in keys and "any" in keys:
            raise _fail(path, " has both 'all' and 'any'; nest one inside the other")
    elif "in" in keys:
        kind = "category"
    elif "change" in keys:
        kind = "change"
    elif "parameter" in keys or "op" in keys or "value" in keys:
        kind = "threshold"
    else:
        raise _fail(
            path,
            " needs 'rule', 'parameter' (with 'op'/'value', 'change' or 'in'), 'all' or 'any'; "
            f"got keys {', '.join(map(repr, spec)) or 'none'}",
        )
    allowed = _SHAPES[kind]
    extra = [k for k in keys if k not in allowed]
    if extra:
        raise _fail(
            f"{where}{extra[0]}",
            f" is not a key of a {kind} rule (keys: {', '.join(allowed + _COMMON_KEYS)}); "
            f"got {spec[extra[0]]!r}",
        )
    missing = [k for k in allowed if k not in spec]
    if missing:
        raise _fail(
            f"{where}{missing[0]}", f" is missing (a {kind} rule needs {', '.join(allowed)})"
        )

    name = spec.get("name")
    label = spec.get("label")
    for key, value in (("name", name), ("label", label)):
        if value is not None and (not isinstance(value, str) or not value):
            raise _fail(f"{where}{key}", f" must be a non-empty string, got {value!r}")
    confirm = spec.get("confirm_days")
    if confirm is not None:
        if isinstance(confirm, bool) or not isinstance(confirm, numbers.Real):
            raise _fail(f"{where}confirm_days", f" must be a number of days, got {confirm!r}")
        if not math.isfinite(float(confirm)) or float(confirm) < 0:
            raise _fail(f"{where}confirm_days", f" must be finite and >= 0, got {confirm!r}")
        confirm = float(confirm)

    fields: dict[str, Any] = {"kind": kind, "confirm_days": confirm}
    if kind == "named":
        rule = spec["rule"]
        known = named_rules()
        if not isinstance(rule, str) or rule not in known:
            raise _fail(
                f"{where}rule",
                f" must be one of {', '.join(map(repr, sorted(known)))}; got {rule!r}",
            )
        fields["rule"] = rule
    elif kind in ("all", "any"):
        parts = spec[kind]
        if isinstance(parts, (str, bytes, Mapping)) or not isinstance(parts, Sequence) or not parts:
            raise _fail(f"{where}{kind}", f" must be a non-empty list of rules, got {parts!r}")
        fields["rules"] = tuple(_build(part, f"{where}{kind}[{i}]") for i, part in enumerate(parts))
    else:
        parameter = spec["parameter"]
        if not isinstance(parameter, str) or not parameter:
            raise _fail(f"{where}parameter", f" must be a parameter name, got {parameter!r}")
        fields["parameter"] = parameter
        if kind == "category":
            cats = spec["in"]
            if (
                isinstance(cats, (str, bytes, Mapping))
                or not isinstance(cats, Sequence)
                or not cats
            ):
                raise _fail(f"{where}in", f" must be a non-empty list of categories, got {cats!r}")
            for c in cats:
                ok_number = isinstance(c, numbers.Real) and not isinstance(c, bool)
                if not (isinstance(c, str) and c) and not (ok_number and math.isfinite(float(c))):
                    raise _fail(f"{where}in", f" must hold strings or finite numbers; got {c!r}")
            fields["categories"] = tuple(dict.fromkeys(cats))
        else:
            op = spec["op"]
            if not isinstance(op, str) or op not in OPS:
                raise _fail(
                    f"{where}op", f" must be one of {', '.join(map(repr, OPS))}; got {op!r}"
                )
            value = spec["value"]
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                hint = " (for categories use 'in': [...])" if isinstance(value, str) else ""
                raise _fail(f"{where}value", f" must be a number, got {value!r}{hint}")
            if not math.isfinite(float(value)):
                raise _fail(f"{where}value", f" must be a finite number, got {value!r}")
            fields["op"], fields["value"] = op, float(value)
            if kind == "change":
                change = spec["change"]
                if not isinstance(change, str) or change not in CHANGES:
                    raise _fail(
                        f"{where}change",
                        f" must be one of {', '.join(map(repr, CHANGES))}; got {change!r}",
                    )
                fields["change"] = change
    draft = ResponseRule(name="", label="", **fields)
    text = draft.describe()
    return dataclasses.replace(
        draft, name=name or (fields.get("rule") or text), label=label or text
    )


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------

_KEY = ["subject", "day"]
_EMITTED = "\x00emitted\x00"


def _measurements(data: Any) -> pd.DataFrame:
    frame = getattr(data, "measurements", data)
    if not isinstance(frame, pd.DataFrame):
        raise SmallTrialError(
            f"trial must be a Trial or a measurements DataFrame, got {type(data).__name__}"
        )
    check_frame(frame, "measurements")
    check_columns(frame, ("subject", "day", "parameter", "value"), "measurements")
    day = pd.to_numeric(frame["day"].astype(object), errors="coerce")
    bad = day.isna() | ~np.isfinite(day.astype(float))
    if bad.any():
        raise SmallTrialError(
            f"column 'day' of measurements must hold finite numbers; got "
            f"{_show(frame.loc[bad, 'day'])} ({describe_rows(frame, bad, 'subject')})"
        )
    columns = {
        "subject": frame["subject"].astype(object),
        "day": day.astype(float),
        "visit": frame["visit"].astype(object) if "visit" in frame.columns else None,
        "parameter": frame["parameter"].astype(object),
        "value": frame["value"],
    }
    if "value_text" in frame.columns:
        text = frame["value_text"].astype(object)
        columns["value_text"] = text.where(text.notna(), None)
    out = pd.DataFrame(columns, index=frame.index)
    if out["subject"].isna().any():
        raise SmallTrialError(
            "column 'subject' of measurements has missing values "
            f"({describe_rows(out, out['subject'].isna())})"
        )
    return out


def _population(trial: Any, m: pd.DataFrame) -> list[Any] | None:
    table = getattr(trial, "subjects", None)
    if isinstance(table, pd.DataFrame) and "subject" in table.columns:
        return list(dict.fromkeys([*table["subject"].astype(object), *m["subject"]]))
    return None


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by subject (as derive_visit_endpoints sorts them; as text if ids mix types), day."""
    keys = pd.DataFrame({"subject": frame["subject"], "day": frame["day"]})
    try:
        order = keys.sort_values(["subject", "day"], kind="mergesort").index
    except TypeError:
        keys["subject"] = keys["subject"].map(str)
        order = keys.sort_values(["subject", "day"], kind="mergesort").index
    return frame.loc[order].reset_index(drop=True)


def _evaluate(rule: ResponseRule, m: pd.DataFrame, trial: Any, path: str):
    """-> (frame subject, day, visit, met float; subjects; not assessable; warning messages)."""
    if rule.kind == "named":
        frame = named_rules()[rule.rule].evaluate(trial)  # type: ignore[index]
        subjects = frame.attrs.get("subjects")
        not_assessable = list(frame.attrs.get("not_assessable", []))
        messages = [_EMITTED + msg for msg in frame.attrs.get("emitted", [])]
        messages += list(frame.attrs.get("warnings", []))
        frame = frame[["subject", "day", "visit", "met"]].copy()
        frame["day"] = frame["day"].astype(float)
        frame["met"] = frame["met"].astype(float)
    elif rule.kind in ("all", "any"):
        parts = [
            _evaluate(r, m, trial, f"{path}{'.' if path else ''}{rule.kind}[{i}]")
            for i, r in enumerate(rule.rules)
        ]
        frame = _combine([p[0] for p in parts], rule.kind)
        populations = [p[1] for p in parts if p[1] is not None]
        subjects = populations[0] if populations else None
        not_assessable = [s for p in parts for s in p[2]]
        messages = [msg for p in parts for msg in p[3]]
    else:
        where = f"response rule {rule.name!r}" + (f" ({path})" if path else "")
        frame, not_assessable, messages = _leaf(rule, m, where)
        subjects = _population(trial, m)
    if rule.confirm_days is not None:
        frame = _confirm(_sorted(frame), rule.confirm_days)
    return frame, subjects, not_assessable, messages


def _leaf(rule: ResponseRule, m: pd.DataFrame, path: str):
    rows = m[(m["parameter"] == rule.parameter).to_numpy()]
    if rows.empty:
        present = sorted(dict.fromkeys(m["parameter"].dropna().map(str)))
        raise SmallTrialError(
            f"{path}: parameter {rule.parameter!r} is not in the measurements; "
            f"parameters present: {_show(present, limit=12)}"
        )
    dup = rows.duplicated(_KEY, keep=False)
    if dup.any():
        first = rows.loc[dup, _KEY].head(3).to_dict("records")
        raise SmallTrialError(
            f"{path}: measurements have {int(dup.sum())} rows of parameter {rule.parameter!r} with the "
            f"same subject and day: {_show(first)}"
        )
    messages: list[str] = []
    not_assessable: list[Any] = []
    post = rows[(rows["day"] > 0).to_numpy()]
    if rule.kind == "category":
        met = _in_categories(post, rule, path)
    else:
        values = _numbers(rows, rule.parameter)
        if np.isnan(values).all() and "value_text" in rows.columns:
            raise SmallTrialError(
                f"{path}: parameter {rule.parameter!r} has no numeric values "
                f"(only value_text, e.g. {_show(rows['value_text'].dropna().unique()[:3])}); "
                "use 'in': [...] for categories"
            )
        post_values = values[(rows["day"] > 0).to_numpy()]
        if rule.kind == "change":
            known = rows[~np.isnan(values) & (rows["day"] <= 0).to_numpy()]
            known = known.assign(_v=values[~np.isnan(values) & (rows["day"] <= 0).to_numpy()])
            base = (
                known.sort_values("day", kind="mergesort")
                .groupby("subject", sort=False)["_v"]
                .last()
            )
            baseline = post["subject"].map(base).to_numpy(dtype=float)
            no_base = sorted(set(post["subject"][np.isnan(baseline)]), key=str)
            if no_base:
                not_assessable += no_base
                messages.append(
                    f"{path}: no baseline value of {rule.parameter!r} (on or before "
                    f"day 0) for subject {_show(no_base)}: not assessable at any visit"
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                if rule.change == "percent":
                    zero = sorted(set(post["subject"][baseline == 0]), key=str)
                    if zero:
                        not_assessable += zero
                        messages.append(
                            f"{path}: baseline of {rule.parameter!r} is 0 for "
                            f"subject {_show(zero)}: percent change undefined, not assessable"
                        )
                    baseline = np.where(baseline == 0, np.nan, baseline)
                    post_values = 100.0 * (post_values - baseline) / baseline
                else:
                    post_values = post_values - baseline
        met = _compare(post_values, rule.op, rule.value)  # type: ignore[arg-type]
    frame = pd.DataFrame(
        {
            "subject": post["subject"].to_numpy(dtype=object),
            "day": post["day"].to_numpy(dtype=float),
            "visit": post["visit"].to_numpy(dtype=object),
            "met": met,
        }
    )
    return frame, not_assessable, messages


def _numbers(rows: pd.DataFrame, parameter: str) -> np.ndarray:
    col = rows["value"]
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object)
    values = pd.to_numeric(col, errors="coerce")
    bad = values.isna() & col.notna()
    if bad.any():
        raise SmallTrialError(
            f"column 'value' of measurements must be numeric for parameter {parameter!r}; got "
            f"{_show(col[bad])} ({describe_rows(rows, bad, 'subject')})"
        )
    return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _as_number(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _in_categories(post: pd.DataFrame, rule: ResponseRule, path: str) -> np.ndarray:
    """1 where the visit's text or number is a listed category, 0 where known and not, else NaN."""
    texts = {c for c in rule.categories if isinstance(c, str)}
    numbers_ = [float(c) for c in rule.categories if not isinstance(c, str)]
    if texts and "value_text" not in post.columns:
        raise SmallTrialError(
            f"{path}: parameter {rule.parameter!r} has categories {_show(sorted(texts))} "
            "but the measurements have no column 'value_text'"
        )
    known = np.zeros(len(post), dtype=bool)
    hit = np.zeros(len(post), dtype=bool)
    if "value_text" in post.columns:
        text = post["value_text"].to_numpy(dtype=object)
        has_text = np.array([t is not None and not pd.isna(t) for t in text], dtype=bool)
        known |= has_text
        hit[has_text] = [str(t) in texts or _as_number(t) in numbers_ for t in text[has_text]]
    if numbers_:
        value = _numbers(post, rule.parameter)
        has_value = ~np.isnan(value)
        known |= has_value
        hit |= has_value & np.isin(value, numbers_)
    return np.where(hit, 1.0, np.where(known, 0.0, np.nan))


def _combine(frames: list[pd.DataFrame], kind: str) -> pd.DataFrame:
    keys = pd.concat([f[_KEY] for f in frames]).drop_duplicates()
    keys = keys.reset_index(drop=True)
    columns = []
    visit = pd.Series([None] * len(keys), dtype=object)
    for f in frames:
        joined = keys.merge(f, on=_KEY, how="left", validate="one_to_one")
        columns.append(joined["met"].to_numpy(dtype=float))
        visit = visit.where(visit.notna(), joined["visit"].astype(object))
    if kind == "all":
        from smalltrial.endpoints.engine import _kleene_and

        met, _ = _kleene_and([(c, "", "") for c in columns], len(keys), explain=False)
    else:
        met = _kleene_or(*columns)
    return pd.DataFrame(
        {
            "subject": keys["subject"].to_numpy(dtype=object),
            "day": keys["day"].to_numpy(dtype=float),
            "visit": visit.to_numpy(dtype=object),
            "met": met,
        }
    )


def _confirm(frame: pd.DataFrame, days: float) -> pd.DataFrame:
    """Met at a visit and again at a later assessment >= ``days`` later (Kleene AND/OR)."""
    met = frame["met"].to_numpy(dtype=float)
    day = frame["day"].to_numpy(dtype=float)
    subject = frame["subject"].to_numpy(dtype=object)
    out = np.zeros(len(frame))
    for i in range(len(frame)):
        later = met[(subject == subject[i]) & (day >= day[i] + days) & (day > day[i])]
        if (later == 1.0).any():
            again = 1.0
        elif np.isnan(later).any():
            again = np.nan
        else:  # no later assessment that far ahead, or none met: not confirmed
            again = 0.0
        now = met[i]
        if now == 0.0 or again == 0.0:
            out[i] = 0.0
        elif np.isnan(now) or np.isnan(again):
            out[i] = np.nan
        else:
            out[i] = 1.0
    return frame.assign(met=out)
