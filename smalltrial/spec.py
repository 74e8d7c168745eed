"""The TOML analysis spec: which data, which endpoints, which tables and figures.

A spec is a TOML file (read with the standard library's ``tomllib``)::

    title = "Anti-CD19 CAR-T in SLE"
    seed = 2022                     # recorded in the manifest; seeds any randomness
    style = "nature"                # journal style of the figures
    output = "smalltrial-output"    # default output folder (``smalltrial run --out`` wins)

    [data]
    dataset = "mackensen2022"       # a bundled dataset ...
    # path = "data/mytrial"         # ... or a folder (CSV/Parquet or ADaM), relative to the spec

    [endpoints]
    remission = "doris"             # per-visit remission: doris, drug_free_remission or lldas
    bcell_threshold = 10            # cells/uL: B-cell reconstitution
    landmarks = [3, 6, 12]          # months, landmark rates in the time-to-event table
    level = 0.95
    ci_method = "clopper-pearson"
    conf_type = "log-log"

    [[tables]]
    name = "efficacy"
    visits = ["month 3", "month 6"]

    [[figures]]
    name = "swimmer"

Validation is strict: an unknown key, a wrong type, an unknown table or figure name, an unknown
bundled dataset or a missing data folder raise :class:`smalltrial.SmallTrialError` whose message
starts with ``spec:`` and names the key, e.g.
``spec: tables[1].name: unknown table 'efficacyy'; valid: 'adverse_events', 'baseline', ...``
(list indices count from 0). The documented template is ``analyses/template.toml``.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from smalltrial._errors import SmallTrialError

__all__ = [
    "Spec",
    "ItemSpec",
    "load_spec",
    "parse_spec",
    "bundled_spec_path",
    "BUNDLED_ANALYSES",
    "TABLE_OPTIONS",  # noqa: F822 (module __getattr__: read from the builder registry)
    "FIGURE_OPTIONS",  # noqa: F822
    "ENDPOINT_OPTIONS",
    "CI_METHODS",
    "DF_METHODS",
    "DESIGN_TYPES",
]

#: the bundled analyses (package data ``smalltrial/analyses/<name>.toml``)
BUNDLED_ANALYSES = ("mackensen2022", "muller2024", "phase2_onc", "mg_cart")
DEFAULT_ANALYSIS = "mackensen2022"

CI_METHODS = ("clopper-pearson", "exact", "mid-p", "blaker", "wilson", "wilson-cc", "jeffreys",
              "agresti-coull", "wald")
DF_METHODS = ("kenward-roger", "satterthwaite", "residual", "between-within")
CONF_TYPES = ("log-log", "log", "plain")
FIGURE_FORMATS = ("png", "pdf", "svg")
#: time units of tables and figures (days per unit: 1, 7, 30.4375, 365.25)
TIME_UNITS = ("days", "weeks", "months", "years")
SUMMARY_KINDS = ("continuous", "categorical")

# An option is (type, default, choices). Types: str, int, number, bool, list[str],
# list[number], list[table]. default None = optional without default; REQUIRED = must be given.
# The options of each table and figure are registered with its builder
# (smalltrial.builders.registry); TABLE_OPTIONS and FIGURE_OPTIONS are read from there.


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
_Opt = tuple[str, Any, tuple | None]

ENDPOINT_OPTIONS: dict[str, _Opt] = {
    "remission": ("str", "doris", ("doris", "drug_free_remission", "lldas")),
    "bcell_threshold": ("number", 10.0, None),
    "landmarks": ("list[number]", [3.0, 6.0, 12.0], None),
    "level": ("number", 0.95, None),
    "ci_method": ("str", "clopper-pearson", CI_METHODS),
    "conf_type": ("str", "log-log", CONF_TYPES),
    "by": ("str", "cohort", None),
    "time_unit": ("str", "months", TIME_UNITS),
    "responses": ("list[table]", [], None),
    "time_to_event": ("list[table]", [], None),
}

#: named response rules every spec knows (smalltrial.endpoints.response_rule({"rule": name}))
NAMED_RESPONSES = ("doris", "drug_free_remission", "lldas", "sri4")
#: [[endpoints.time_to_event]]: an endpoint from the events (smalltrial.survival.time_to_event)
_TTE_DEFINITION: dict[str, _Opt] = {
    "name": ("str", REQUIRED, None),
    "label": ("str", None, None),
    "events": ("list[str]", None, None),     # default [name]
    "origin": ("str", "infusion", None),     # infusion, an event name, or response:<name>
    "competing": ("list[str]", [], None),
    "censor": ("str", "last_contact", None),  # last_contact or last_assessment:<parameter>
}

_COMMON_ITEM: dict[str, _Opt] = {
    "name": ("str", REQUIRED, None),
    "file": ("str", None, None),
    "title": ("str", None, None),
    "optional": ("bool", False, None),  # true: a missing dependency skips it instead of failing
}

_FIGURE_COMMON: dict[str, _Opt] = {
    "formats": ("list[str]", ["png", "pdf"], FIGURE_FORMATS),
    "xlabel": ("str", None, None),
    "ylabel": ("str", None, None),
}
_TOP: dict[str, _Opt] = {
    "title": ("str", "Analysis", None),
    "seed": ("int", 0, None),
    "style": ("str", "nature", None),
    "output": ("str", "smalltrial-output", None),
    "data": ("table", REQUIRED, None),
    "endpoints": ("table", {}, None),
    "tables": ("list[table]", [], None),
    "figures": ("list[table]", [], None),
    "labels": ("table", {}, None),
    "design": ("list[table]", [], None),
}

#: ``[[design]]`` type -> (table, figure or None, fixed options): the planned designs a run
#: reports. Each entry becomes that table (and figure) with the entry's other keys as options.
DESIGN_TYPES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "simon": ("simon_design", None, {}),
    "toxicity": ("safety_monitoring", "monitoring_boundaries", {}),
    "bop2": ("efficacy_monitoring", "efficacy_monitoring", {"design": "bop2"}),
    "predictive_probability": ("efficacy_monitoring", "efficacy_monitoring",
                               {"design": "predictive_probability"}),
}
_TABLE_ONLY = ("rates",)  # options of a design's table that its figure does not take


def _expand_designs(designs: list) -> tuple[list, list, list, list]:
    """``[[design]]`` entries as table and figure entries, with the keys errors name."""
    tables, table_keys, figures, figure_keys = [], [], [], []
    for i, entry in enumerate(designs):
        key = f"design[{i}]"
        if not isinstance(entry, Mapping):
            raise _fail(key, f"must be a table, got {_typename(entry)}")
        kind = entry.get("type")
        if kind not in DESIGN_TYPES:
            raise _fail(f"{key}.type", f"{'missing (required)' if kind is None else repr(kind)}; "
                        f"valid: {', '.join(map(repr, DESIGN_TYPES))}")
        table, figure, fixed = DESIGN_TYPES[kind]
        for name in fixed:
            if name in entry:
                raise _fail(f"{key}.{name}", f"is set by type = {kind!r}")
        options = {k: v for k, v in entry.items() if k != "type"}
        tables.append({"name": table, **fixed, **options})
        table_keys.append(key)
        if figure is not None:
            figures.append({"name": figure, **fixed,
                            **{k: v for k, v in options.items() if k not in _TABLE_ONLY}})
            figure_keys.append(key)
    return tables, table_keys, figures, figure_keys

# [labels]: display names, category order and summary type; each section maps a name to ...
_LABEL_SECTIONS: dict[str, str] = {
    "variables": "str",      # subjects column or parameter -> display name ("Mgfa class")
    "units": "str",          # parameter -> unit (default: the parameters table)
    "levels": "table",       # variable -> {level -> display name}
    "order": "list",         # variable -> levels in display order (also the `by` groups)
    "summary": "kind",       # variable -> "continuous" or "categorical" (Table 1)
    "events": "str",         # event / time-to-event endpoint -> display name
    "groups": "str",         # value of the `by` column -> display name
    "visits": "str",         # visit -> display name
}
_LABEL_SCALARS: dict[str, _Opt] = {
    "origin": ("str", "start of treatment", None),  # time axes: "<Unit> since <origin>"
}
_DATA_KEYS = ("dataset", "path")
_STEM_MAX = 200  # bytes of a table/figure file stem (file systems allow 255 per name)


@dataclass(frozen=True)
class ItemSpec:
    """One ``[[tables]]`` or ``[[figures]]`` entry: its name, file stem, title and options."""

    kind: str
    name: str
    file: str
    title: str | None
    options: Mapping[str, Any]
    key: str  # e.g. "tables[2]", used in error messages
    optional: bool = False  # skipped (not an error) when this installation cannot make it

    def to_dict(self) -> dict[str, Any]:
        """The item as a TOML table (options left at None are not written)."""
        out = {"name": self.name, "file": self.file}
        if self.title is not None:
            out["title"] = self.title
        if self.optional:
            out["optional"] = True
        # TOML has no null: an option left at None is an option not given
        out.update({k: v for k, v in self.options.items() if v is not None})
        return out


@dataclass(frozen=True)
class Spec:
    """A validated analysis spec (see the module docstring for the TOML layout)."""

    title: str
    seed: int
    style: str
    output: str
    dataset: str | None
    data_path: Path | None
    endpoints: Mapping[str, Any]
    tables: tuple[ItemSpec, ...]
    figures: tuple[ItemSpec, ...]
    source: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    #: ``output`` resolved against the spec file's folder (None: relative to the current folder)
    output_path: Path | None = None
    labels: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The spec with every default filled in (as recorded in the manifest)."""
        data: dict[str, Any] = {}
        if self.dataset is not None:
            data["dataset"] = self.dataset
        else:
            data["path"] = str(self.raw.get("data", {}).get("path"))
        return {
            "title": self.title,
            "seed": self.seed,
            "style": self.style,
            "output": self.output,
            "data": data,
            "endpoints": dict(self.endpoints),
            **({"labels": copy.deepcopy(dict(self.labels))} if self.raw.get("labels") else {}),
            "tables": [t.to_dict() for t in self.tables],
            "figures": [f.to_dict() for f in self.figures],
        }


def _fail(key: str, message: str) -> SmallTrialError:
    return SmallTrialError(f"spec: {key}: {message}")


def _typename(value: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)


def _check_value(key: str, value: Any, typ: str, choices: tuple | None) -> Any:
    def is_number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if typ == "str":
        if not isinstance(value, str):
            raise _fail(key, f"must be a string, got {_typename(value)} {value!r}")
        bad = next((ch for ch in value if ch < " " and ch not in "\t\n\r" or ch == "\x7f"), None)
        if bad is not None:
            raise _fail(key, f"must not contain control character {bad!r}, got {value!r}")
    elif typ == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(key, f"must be an integer, got {_typename(value)} {value!r}")
    elif typ == "number":
        if not is_number(value):
            raise _fail(key, f"must be a number, got {_typename(value)} {value!r}")
        value = float(value)
    elif typ == "bool":
        if not isinstance(value, bool):
            raise _fail(key, f"must be true or false, got {_typename(value)} {value!r}")
    elif typ == "table":
        if not isinstance(value, dict):
            raise _fail(key, f"must be a table, got {_typename(value)} {value!r}")
    elif typ.startswith("list["):
        if not isinstance(value, list):
            raise _fail(key, f"must be an array, got {_typename(value)} {value!r}")
        inner = typ[5:-1]
        out = []
        for i, item in enumerate(value):
            out.append(_check_value(f"{key}[{i}]", item, {"table": "table"}.get(inner, inner), choices))
        return out
    if choices is not None and not typ.startswith("list[") and value not in choices:
        raise _fail(key, f"unknown value {value!r}; valid: {', '.join(map(repr, choices))}")
    return value


def _check_options(prefix: str, given: Mapping[str, Any], schema: Mapping[str, _Opt]) -> dict:
    unknown = [k for k in given if k not in schema]
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise _fail(key, f"unknown key; valid: {', '.join(map(repr, sorted(schema)))}")
    out = {}
    for name, (typ, default, choices) in schema.items():
        key = f"{prefix}.{name}" if prefix else name
        if name in given:
            out[name] = _check_value(key, given[name], typ, choices)
        elif default is REQUIRED:
            raise _fail(key, "missing (required)")
        else:
            out[name] = copy.deepcopy(default)
    return out


def _check_labels(given: Mapping[str, Any]) -> dict[str, Any]:
    """The [labels] section: every section present (empty when not given), shapes checked."""
    valid = sorted([*_LABEL_SECTIONS, *_LABEL_SCALARS])
    unknown = [k for k in given if k not in valid]
    if unknown:
        raise _fail(f"labels.{unknown[0]}", f"unknown key; valid: {', '.join(map(repr, valid))}")
    out: dict[str, Any] = _check_options("labels", {k: v for k, v in given.items() if k in _LABEL_SCALARS},
                                         _LABEL_SCALARS)
    for section, kind in _LABEL_SECTIONS.items():
        key = f"labels.{section}"
        table = _check_value(key, given.get(section, {}), "table", None)
        entries: dict[str, Any] = {}
        for name, value in table.items():
            k = f"{key}.{name}"
            if kind == "str":
                entries[name] = _check_value(k, value, "str", None)
            elif kind == "kind":
                entries[name] = _check_value(k, value, "str", SUMMARY_KINDS)
            elif kind == "table":
                levels = _check_value(k, value, "table", None)
                entries[name] = {lv: _check_value(f"{k}.{lv}", text, "str", None)
                                 for lv, text in levels.items()}
            else:
                if not isinstance(value, list) or not value:
                    raise _fail(k, f"must be a non-empty array of levels, got {_typename(value)} {value!r}")
                for i, lv in enumerate(value):
                    if not isinstance(lv, (str, int, float)) or isinstance(lv, bool):
                        raise _fail(f"{k}[{i}]", f"must be a string or a number, got {_typename(lv)} {lv!r}")
                if len({str(lv) for lv in value}) < len(value):
                    raise _fail(k, f"lists a level twice: {value!r}")
                entries[name] = list(value)
        out[section] = entries
    return out


def _check_name(key: str, name: Any, seen: dict[str, str]) -> str:
    name = _check_value(key, name, "str", None)
    if not name.isidentifier() or name != name.lower():
        raise _fail(key, f"must be a lower-case name of letters, digits and _, got {name!r}")
    if name in seen:
        raise _fail(key, f"{name!r} is already defined by {seen[name]}")
    seen[name] = key.rsplit(".", 1)[0]
    return name


def _check_responses(entries: list) -> list[dict]:
    """[[endpoints.responses]]: response rules as plain data (INTERFACES shapes), each named.

    The rule itself is checked by ``smalltrial.endpoints.response_rule`` where available."""
    out = []
    seen: dict[str, str] = dict.fromkeys(NAMED_RESPONSES, "a named rule")
    for i, entry in enumerate(entries):
        key = f"endpoints.responses[{i}]"
        if not isinstance(entry, dict):
            raise _fail(key, f"must be a table, got {_typename(entry)} {entry!r}")
        if "name" not in entry:
            raise _fail(f"{key}.name", "missing (required)")
        name = _check_name(f"{key}.name", entry["name"], seen)
        if "label" in entry:
            _check_value(f"{key}.label", entry["label"], "str", None)
        try:
            from smalltrial.endpoints import response_rule
        except ImportError:  # pragma: no cover - an installation without response rules
            response_rule = None
        if response_rule is not None:
            try:
                response_rule(entry)
            except SmallTrialError as exc:
                raise _fail(key, str(exc)) from None
        out.append({**copy.deepcopy(dict(entry)), "name": name})
    return out


def _check_tte_definitions(entries: list, responses: list[dict]) -> list[dict]:
    out = []
    seen: dict[str, str] = {}
    known = {r["name"] for r in responses} | set(NAMED_RESPONSES)
    for i, entry in enumerate(entries):
        key = f"endpoints.time_to_event[{i}]"
        opts = _check_options(key, entry, _TTE_DEFINITION)
        _check_name(f"{key}.name", opts["name"], seen)
        origin = opts["origin"]
        if origin.startswith("response:") and origin.split(":", 1)[1] not in known:
            raise _fail(f"{key}.origin", f"no response named {origin.split(':', 1)[1]!r}; "
                        f"responses: {', '.join(map(repr, sorted(known)))}")
        censor = opts["censor"]
        if censor != "last_contact" and not (censor.startswith("last_assessment:") and censor[16:]):
            raise _fail(f"{key}.censor", "must be 'last_contact' or 'last_assessment:<parameter>', "
                        f"got {censor!r}")
        out.append({k: v for k, v in opts.items() if v is not None})
    return out


def _registry():
    from smalltrial.builders import registry

    return registry


def __getattr__(name: str) -> Any:
    # the per-item option schemas live with the builders (loaded on first use)
    if name in ("TABLE_OPTIONS", "FIGURE_OPTIONS"):
        builders = _registry().TABLES if name == "TABLE_OPTIONS" else _registry().FIGURES
        return {n: dict(b.options) for n, b in sorted(builders.items())}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _parse_items(kind: str, entries: list, builders: Mapping[str, Any],
                 endpoints: Mapping[str, Any], keys: list[str] | None = None) -> tuple[ItemSpec, ...]:
    items = []
    stems: dict[str, str] = {}
    label = "table" if kind == "tables" else "figure"
    for i, entry in enumerate(entries):
        key = keys[i] if keys is not None else f"{kind}[{i}]"
        name = entry.get("name")
        if name is None:
            raise _fail(f"{key}.name", "missing (required)")
        if not isinstance(name, str):
            raise _fail(f"{key}.name", f"must be a string, got {_typename(name)} {name!r}")
        if name not in builders:
            raise _fail(f"{key}.name", f"unknown {label} {name!r}; valid: {', '.join(map(repr, sorted(builders)))}")
        builder = builders[name]
        schema = {**_COMMON_ITEM, **(_FIGURE_COMMON if kind == "figures" else {}), **builder.options}
        opts = _check_options(key, entry, schema)
        if builder.check is not None:
            opts = builder.check(key, opts, endpoints)
        opts.pop("name")
        stem = opts.pop("file") or builder.default_stem(opts)
        if not stem or any(ch in stem for ch in "/\\") or stem.startswith("."):
            raise _fail(f"{key}.file", f"must be a plain file name without folders, got {stem!r}")
        if stem in stems:
            raise _fail(f"{key}.file", f"output name {stem!r} is already used by {stems[stem]}; "
                        "set a different 'file'")
        stems[stem] = key
        if len(stem.encode("utf-8")) > _STEM_MAX or any(ch in stem for ch in "\t\n\r"):
            raise _fail(f"{key}.file", f"must be a file name of at most {_STEM_MAX} bytes on one "
                        f"line, got {stem[:40]!r}{'...' if len(stem) > 40 else ''}")
        title = opts.pop("title")
        optional = opts.pop("optional")
        items.append(ItemSpec(kind=kind, name=name, file=stem, title=title, options=opts, key=key,
                              optional=optional))
    return tuple(items)


def parse_spec(raw: Mapping[str, Any], *, base_dir: str | Path | None = None,
               source: str | None = None) -> Spec:
    """Validate a spec given as a dict (parsed TOML) and fill in the defaults.

    Parameters
    ----------
    raw : mapping
        The spec: top-level keys ``data`` (required), ``title``, ``output``, ``seed``,
        ``style``, ``endpoints``, ``tables``, ``figures``, ``labels`` and ``design`` (see
        ``analyses/template.toml``). Each ``[[design]]`` entry records a planned design by its
        ``type`` (:data:`DESIGN_TYPES`: ``simon``, ``toxicity``, ``bop2``,
        ``predictive_probability``) and options, and adds its table (and figure) to the run,
        where the observed data are set against it.
    base_dir : path, optional
        Folder against which a relative ``data.path`` resolves (default the current one).
    source : str, optional
        File name the spec came from, recorded on the :class:`Spec`.

    Unknown keys, wrong types and unknown choices raise :class:`smalltrial.SmallTrialError`
    starting with ``spec:`` and naming the key.

    >>> spec = parse_spec({"data": {"dataset": "muller2024"}})
    >>> spec.dataset, spec.title, spec.tables
    ('muller2024', 'Analysis', ())
    >>> parse_spec({"data": {"dataset": "muller2024"}, "seed": "x"})
    Traceback (most recent call last):
    ...
    smalltrial._errors.SmallTrialError: spec: seed: ...
    """
    if not isinstance(raw, Mapping):
        raise SmallTrialError(f"spec must be a table (dict), got {type(raw).__name__}")
    top = _check_options("", raw, _TOP)
    data = top["data"]
    unknown = [k for k in data if k not in _DATA_KEYS]
    if unknown:
        raise _fail(f"data.{unknown[0]}", f"unknown key; valid: {', '.join(map(repr, _DATA_KEYS))}")
    if ("dataset" in data) == ("path" in data):
        raise _fail("data", "give exactly one of 'dataset' (a bundled dataset) or 'path' (a folder)")
    dataset = data_path = None
    if "dataset" in data:
        dataset = _check_value("data.dataset", data["dataset"], "str", None)
        try:
            from smalltrial import datasets
        except ImportError:  # pragma: no cover - datasets module missing
            raise _fail("data.dataset", "bundled datasets are not available in this installation") from None
        valid = list(datasets.names())
        if dataset not in valid:
            raise _fail("data.dataset", f"unknown dataset {dataset!r}; valid: {', '.join(map(repr, valid))}")
    else:
        path = _check_value("data.path", data["path"], "str", None)
        data_path = Path(path)
        if not data_path.is_absolute() and base_dir is not None:
            data_path = Path(base_dir) / data_path
        try:
            exists = data_path.exists()
        except OSError as exc:  # e.g. a name longer than the file system allows
            raise _fail("data.path", f"cannot use {path[:80]!r}: {exc.strerror}") from None
        if not exists:
            raise _fail("data.path", f"no such file or folder {path!r}")
    endpoints = _check_options("endpoints", top["endpoints"], ENDPOINT_OPTIONS)
    if not 0 < endpoints["level"] < 1:
        raise _fail("endpoints.level", f"must be in (0, 1), got {endpoints['level']!r}")
    if endpoints["bcell_threshold"] <= 0:
        raise _fail("endpoints.bcell_threshold", f"must be > 0, got {endpoints['bcell_threshold']!r}")
    for i, t in enumerate(endpoints["landmarks"]):
        if t <= 0:
            raise _fail(f"endpoints.landmarks[{i}]", f"must be > 0, got {t!r}")
    endpoints["responses"] = _check_responses(endpoints["responses"])
    endpoints["time_to_event"] = _check_tte_definitions(endpoints["time_to_event"],
                                                        endpoints["responses"])
    labels = _check_labels(top["labels"])
    d_tables, d_table_keys, d_figures, d_figure_keys = _expand_designs(top["design"])
    tables = _parse_items("tables", top["tables"] + d_tables, _registry().TABLES, endpoints,
                          [f"tables[{i}]" for i in range(len(top["tables"]))] + d_table_keys)
    figures = _parse_items("figures", top["figures"] + d_figures, _registry().FIGURES, endpoints,
                           [f"figures[{i}]" for i in range(len(top["figures"]))] + d_figure_keys)
    style = top["style"]
    _check_style(style)
    output_path = _output_path(top["output"], base_dir)
    return Spec(
        title=top["title"], seed=top["seed"], style=style, output=top["output"],
        dataset=dataset, data_path=data_path, endpoints=endpoints, tables=tables,
        figures=figures, source=source, raw=copy.deepcopy(dict(raw)), output_path=output_path,
        labels=labels,
    )


def _output_path(output: str, base_dir: str | Path | None) -> Path | None:
    """``output`` inside the spec's folder: relative, without ``..`` or links out of it."""
    parts = Path(output).parts
    if not output.strip() or Path(output).is_absolute() or os.path.isabs(output) or ".." in parts \
            or os.path.normpath(output) in (".", ""):
        raise _fail("output", "must be a folder inside the spec's folder (relative, without '..'), "
                    f"got {output!r}; use 'smalltrial run --out DIR' to write elsewhere")
    for part in parts:
        if len(part.encode("utf-8")) > 200:
            raise _fail("output", f"folder name too long ({len(part.encode('utf-8'))} bytes; at most "
                        f"200): {part[:40]!r}...")
    if base_dir is None:
        return None
    base = os.path.realpath(base_dir)
    target = os.path.realpath(os.path.join(base, output))
    if os.path.commonpath([base, target]) != base or target == base:
        raise _fail("output", f"{output!r} leads out of the spec's folder (a link); use "
                    "'smalltrial run --out DIR' to write elsewhere")
    return Path(os.path.abspath(os.path.join(base_dir, output)))


def _check_style(style: str) -> None:
    try:
        from smalltrial import figures
    except ImportError:
        return
    styles = getattr(figures, "STYLES", None)
    if styles is not None and style not in styles:
        raise _fail("style", f"unknown style {style!r}; valid: {', '.join(map(repr, sorted(styles)))}")


def bundled_spec_path(name: str = DEFAULT_ANALYSIS) -> Path:
    """Path of a bundled analysis spec.

    Parameters
    ----------
    name : str
        ``"mackensen2022"`` (default) or ``"muller2024"``.

    >>> bundled_spec_path("muller2024").name
    'muller2024.toml'
    """
    if name not in BUNDLED_ANALYSES:
        raise SmallTrialError(
            f"name must be one of {', '.join(map(repr, BUNDLED_ANALYSES))}; got {name!r}"
        )
    return Path(str(resources.files("smalltrial.analyses").joinpath(f"{name}.toml")))


def load_spec(spec: str | Path | Mapping[str, Any] | Spec | None = None) -> Spec:
    """Read and validate a spec: a path to a TOML file, a dict, a :class:`Spec`, or None.

    Parameters
    ----------
    spec : path, str, dict, Spec or None
        A TOML file, a bundled analysis name, a spec dict (see :func:`parse_spec`), a parsed
        :class:`Spec` (returned as is) or None.

    ``None`` gives the bundled ``mackensen2022`` analysis; a bundled analysis name
    (``"muller2024"``) gives that bundled spec.

    >>> spec = load_spec()
    >>> spec.dataset, [t.file for t in spec.tables][:3]
    ('mackensen2022', ['baseline', 'efficacy', 'longitudinal_sledai2k'])
    >>> load_spec({"data": {"dataset": "mackensen2022"}, "tables": [{"name": "efficacyy"}]})
    Traceback (most recent call last):
    ...
    smalltrial._errors.SmallTrialError: spec: tables[0].name: unknown table 'efficacyy'; valid: 'adverse_events', 'adverse_events_by_soc', 'baseline', 'efficacy', 'efficacy_monitoring', 'interval_censored', 'longitudinal', 'safety_monitoring', 'simon_design', 'time_to_event'
    """
    if isinstance(spec, Spec):
        return spec
    bundled = spec is None
    if spec is None:
        spec = bundled_spec_path(DEFAULT_ANALYSIS)
    if isinstance(spec, Mapping):
        return parse_spec(spec, base_dir=Path.cwd(), source=None)
    if isinstance(spec, str) and spec in BUNDLED_ANALYSES and not Path(spec).exists():
        spec, bundled = bundled_spec_path(spec), True
    if not isinstance(spec, (str, os.PathLike)):
        raise SmallTrialError(
            "spec: expected a path to a TOML file, a bundled analysis name, a dict or a Spec; "
            f"got {type(spec).__name__} {spec!r}")
    path = Path(spec)
    raw = _read_spec(path, str(spec))
    if bundled:  # a bundled analysis writes to the current folder, not into the installation
        return parse_spec(raw, base_dir=Path.cwd(), source=path.name)
    return parse_spec(raw, base_dir=path.parent, source=path.name)


def _read_spec(path: Path, given: str) -> dict[str, Any]:
    """The parsed spec file; unreadable, non-UTF-8 or non-TOML files raise ``spec:`` errors."""
    if "\x00" in given:
        raise SmallTrialError(f"spec: a file name cannot contain a NUL byte, got {given!r}")
    too_long = [p for p in path.parts if len(os.fsencode(p)) > 255]
    if too_long:
        raise SmallTrialError(f"spec: file name too long ({len(os.fsencode(too_long[0]))} bytes; "
                              f"at most 255): {too_long[0][:40]!r}...")
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise SmallTrialError(f"spec: no such file {given!r}") from None
    except IsADirectoryError:
        raise SmallTrialError(f"spec: {given!r} is a folder, not a TOML file") from None
    except OSError as exc:
        raise SmallTrialError(f"spec: cannot read {given!r}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SmallTrialError(f"spec: {path.name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                              f"position {exc.start}); save the file as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark some editors write
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SmallTrialError(f"spec: {path.name}: invalid TOML: {exc}") from None
