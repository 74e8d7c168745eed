"""Tables from the analysis results dataset (ARD): a :class:`Display` says how, the ARD says what.

In a run every table is made in two separate steps, as R's cards + gtsummary/rtables and the
CDISC Analysis Results Standard separate *analysis results* from *displays*:

1. the builders compute the statistics once; they land in the ARD (:mod:`smalltrial.ard`);
2. :func:`from_ard` lays the table out from the table's ARD rows and its :class:`Display`:
   the layout kind (``efficacy``, ``time_to_event``, ...) and its options (title, labels,
   orders, footnote text, digits). A display holds no statistic: every number printed in a
   table cell comes from an ARD ``value``.

A run writes the displays of its tables to ``displays.json`` beside ``ard.csv``;
:func:`rebuild_tables` reads the two files and gives back every table, byte for byte (tested
for every bundled analysis), so a second programmer can check that the tables print the numbers
of the ARD and nothing else.

>>> from smalltrial.ard import ard_frame
>>> rows = ard_frame([{"group": "cohort", "group_level": "A", "variable": "visit",
...                    "variable_level": "month 3", "statistic": s, "value": v,
...                    "method": "clopper-pearson", "level": 0.95}
...                   for s, v in [("x", 5), ("n", 5), ("estimate", 1.0),
...                                ("lower", 0.4781762498950186), ("upper", 1.0)]])
>>> table = from_ard(rows, Display("efficacy", {"title": "Response", "outcome": "Response"}))
>>> table.rows[0].cells
('month 3', '5/5 (100%) [47.8–100]')
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError

if TYPE_CHECKING:
    import pandas as pd

    from smalltrial.tables._model import Table

__all__ = ["Display", "register_layout", "layouts", "from_ard", "wide", "displays_json",
           "read_displays", "rebuild_tables", "with_warning_notes", "DISPLAYS_FILE"]

#: the file of a run folder that holds every table's display
DISPLAYS_FILE = "displays.json"

_LAYOUTS: dict[str, Callable[..., Table]] = {}


def _plain(value: Any, where: str) -> Any:
    """``value`` as plain JSON data (str, int, float, bool, None, lists, str-keyed dicts)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SmallTrialError(f"display: {where} must be a finite number, got {value!r}")
        return value
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):  # numpy scalar
        return _plain(value.item(), where)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise SmallTrialError(f"display: {where} must be plain data (text, numbers, lists, "
                          f"mappings), got {type(value).__name__}")


@dataclass(frozen=True)
class Display:
    """How one table is laid out from its ARD rows.

    Parameters
    ----------
    kind : str
        The layout (see :func:`layouts`): ``efficacy``, ``time_to_event``, ...
    options : mapping
        The layout's keyword options as plain data (title, labels, orders, footnote text,
        digits); never a statistic.
    number : int, optional
        The table's number in its run ("Table 3."), applied after the layout.
    warnings : sequence of str
        Statistical warnings raised while the table's statistics were computed; each becomes a
        footnote "Warning: ...".
    """

    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)
    number: int | None = None
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not self.kind:
            raise SmallTrialError(f"display: kind must be a layout name, got {self.kind!r}")
        if not isinstance(self.options, Mapping):
            raise SmallTrialError(f"display: options must be a mapping, got {self.options!r}")
        object.__setattr__(self, "options", _plain(dict(self.options), "options"))
        if self.number is not None and (isinstance(self.number, bool) or
                                        not isinstance(self.number, int) or self.number < 1):
            raise SmallTrialError(f"display: number must be a whole number >= 1, got {self.number!r}")
        warns = self.warnings
        if isinstance(warns, (str, bytes)) or not isinstance(warns, Iterable):
            raise SmallTrialError(f"display: warnings must be a sequence of text, got {warns!r}")
        object.__setattr__(self, "warnings", tuple(str(w) for w in warns))

    def to_dict(self) -> dict[str, Any]:
        """The display as plain data (what ``displays.json`` holds)."""
        return {"kind": self.kind, "options": self.options, "number": self.number,
                "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "display") -> Display:
        """A display from :meth:`to_dict` output."""
        if not isinstance(data, Mapping) or "kind" not in data:
            raise SmallTrialError(f"{where}: expected a mapping with 'kind', got {data!r}")
        unknown = sorted(set(data) - {"kind", "options", "number", "warnings"})
        if unknown:
            raise SmallTrialError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
        return cls(data["kind"], data.get("options") or {}, data.get("number"),
                   tuple(data.get("warnings") or ()))


def register_layout(kind: str) -> Callable[[Callable[..., Table]], Callable[..., Table]]:
    """Register ``function(ard, **options) -> Table`` as the layout ``kind``.

    >>> "efficacy" in layouts()
    True
    """
    def deco(fn: Callable[..., Table]) -> Callable[..., Table]:
        _LAYOUTS[kind] = fn
        return fn
    return deco


def layouts() -> list[str]:
    """The registered layout kinds."""
    _load_layouts()
    return sorted(_LAYOUTS)


def _load_layouts() -> None:
    import importlib

    for mod in ("_efficacy", "_baseline", "_longitudinal", "_tte", "_ae", "_interval"):
        importlib.import_module(f"smalltrial.tables.{mod}")
    try:
        importlib.import_module("smalltrial.monitoring.tables")
    except ImportError:  # pragma: no cover - monitoring needs scipy, always installed
        pass


def with_warning_notes(table: Table, notes: Sequence[str]) -> Table:
    """The table with one footnote "Warning: <note>" per statistical warning not yet in it."""
    known = set(table.footnotes)
    extra = tuple(dict.fromkeys(f"Warning: {n}" for n in notes if f"Warning: {n}" not in known))
    return dataclasses.replace(table, footnotes=table.footnotes + extra) if extra else table


def from_ard(ard: pd.DataFrame, display: Display, *, id: str | None = None) -> Table:
    """Lay out one table from ARD rows: the display's layout formats the ARD values.

    Parameters
    ----------
    ard : DataFrame
        An ARD (:func:`smalltrial.ard.read_ard`); with ``id`` only that table's rows are used.
    display : Display
        The layout kind and options (:func:`read_displays` reads a run's).
    id : str, optional
        The table's id in the ARD (``tables/<name>``).

    Returns
    -------
    Table
        Numbered and with its warning footnotes when the display says so.
    """
    from smalltrial.ard import check_ard

    if not isinstance(display, Display):
        raise SmallTrialError(f"display must be a Display, got {type(display).__name__}")
    check_ard(ard)
    if id is not None:
        ard = ard[ard["id"] == id].reset_index(drop=True)
    _load_layouts()
    if display.kind not in _LAYOUTS:
        raise SmallTrialError(f"display: unknown layout kind {display.kind!r}; "
                              f"known: {', '.join(sorted(_LAYOUTS))}")
    table = _LAYOUTS[display.kind](ard, **display.options)
    if display.number is not None:
        table = table.numbered(display.number)
    return with_warning_notes(table, display.warnings)


def wide(ard: pd.DataFrame, *, index: Mapping[str, str], statistics: Sequence[str],
         where: Mapping[str, str] | None = None) -> pd.DataFrame:
    """ARD rows back in wide form: one row per key, one column per statistic.

    Parameters
    ----------
    ard : DataFrame
        ARD rows.
    index : mapping
        Output column -> ARD key column, e.g. ``{"group": "group_level", "visit":
        "variable_level"}``; the output keeps the ARD's row order of the keys.
    statistics : sequence of str
        The statistics to spread into columns (a missing one is NaN).
    where : mapping, optional
        Keep only rows whose ARD columns equal these values (e.g. ``{"variable": "visit"}``).

    The ``method`` and ``level`` of each key come along as columns.

    >>> from smalltrial.ard import ard_frame
    >>> rows = ard_frame([{"variable_level": "m3", "statistic": "x", "value": 2},
    ...                   {"variable_level": "m3", "statistic": "n", "value": 4}])
    >>> wide(rows, index={"visit": "variable_level"}, statistics=["x", "n"]).to_dict("records")
    [{'visit': 'm3', 'x': 2.0, 'n': 4.0, 'method': '', 'level': nan}]
    """
    import pandas as pd

    sub = ard
    for col, value in (where or {}).items():
        sub = sub[sub[col] == value]
    keys = list(index.values())
    records: dict[tuple, dict[str, Any]] = {}
    for rec in sub.to_dict("records"):
        key = tuple(rec[k] for k in keys)
        out = records.setdefault(key, {**{name: rec[col] for name, col in index.items()},
                                       **{s: math.nan for s in statistics},
                                       "method": rec["method"], "level": rec["level"]})
        if rec["statistic"] in statistics:
            out[rec["statistic"]] = float(rec["value"])
    return pd.DataFrame(list(records.values()),
                        columns=[*index, *statistics, "method", "level"])


def displays_json(displays: Mapping[str, Display]) -> bytes:
    """``displays.json`` bytes: table id -> display, in the run's order, UTF-8."""
    data = {str(k): d.to_dict() for k, d in displays.items()}
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def read_displays(path: str | Path) -> dict[str, Display]:
    """Read ``displays.json`` (or the one in a run folder): table id -> :class:`Display`."""
    path = Path(path)
    if path.is_dir():
        path = path / DISPLAYS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SmallTrialError(f"displays: cannot read {str(path)!r} ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise SmallTrialError(f"displays: {str(path)!r} must hold a mapping of table ids")
    return {k: Display.from_dict(v, f"displays: {k}") for k, v in data.items()}


def rebuild_tables(folder: str | Path) -> dict[str, Table]:
    """Every table of a ``smalltrial run`` folder, laid out again from ``ard.csv`` and
    ``displays.json`` alone (no data, no statistics recomputed): table id -> Table.

    The result equals the run's tables file for file (``Table.save`` gives the same bytes).
    """
    from smalltrial.ard import read_ard

    folder = Path(folder)
    ard = read_ard(folder)
    return {tid: from_ard(ard, d, id=tid) for tid, d in read_displays(folder).items()}
