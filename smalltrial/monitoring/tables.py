"""Protocol tables of the monitoring designs (formatting only; every number comes from the
result objects): :func:`boundary_table` and :func:`operating_characteristics_table`; and the
layout ``monitoring`` of the run's tables ``safety_monitoring``, ``simon_design`` and
``efficacy_monitoring`` (issue #15): their builders record every printed number as ARD rows
(:class:`TableNumbers`, collected with a :class:`Sheet`) and return a display whose cells hold
placeholders ``{variable|variable_level|statistic:format}``; the layout fills them from the ARD
rows alone (:func:`fill`), so ``rebuild_tables`` gives the tables back from ``ard.csv`` and
``displays.json``."""

from __future__ import annotations

import math
from typing import Any

from smalltrial._errors import SmallTrialError
from smalltrial.monitoring.efficacy import EfficacyDesign
from smalltrial.monitoring.joint import JointDesign
from smalltrial.monitoring.safety import SafetyRule


# --------------------------------------------------------------------------------------------
# presentation: protocol tables (formatting only; every number comes from the result objects)
# --------------------------------------------------------------------------------------------
def _method_note(design: Any) -> str:
    if isinstance(design, JointDesign):
        return (f"BOP2 with efficacy and toxicity (Zhou, Lee & Yuan 2017): stop when "
                f"Pr(p_E <= {design.phi_e:g} | data) > C(n) or Pr(p_T > {design.phi_t:g} | data) "
                f"> C(n), C(n) = 1 - {design.lam:g} (n/{design.n_max})^{design.gamma:g}.")
    if isinstance(design, EfficacyDesign):
        if design.method == "bop2":
            pr = design.parameters
            return (f"BOP2 (Zhou, Lee & Yuan 2017): futility cut-off C(n) = 1 - {pr['lambda']:g}"
                    f" (n/{design.n_max})^{pr['gamma']:g}, H0: p <= {design.p0:g}.")
        pr = design.parameters
        return (f"Predictive probability design (Lee & Liu 2008): success when "
                f"P(p > {design.p0:g} | data) > {pr['theta_t']:g}; stop for futility when the "
                f"predictive probability of success < {pr['theta_l']:g}.")
    if design.method == "bayesian":
        a, b = design.prior
        return (f"Bayesian rule (Thall, Simon & Estey 1995): stop when P(p > {design.limit:g} | "
                f"data) > {design.cutoff:g}, prior Beta({a:g}, {b:g}).")
    return (f"Repeated significance testing (Ivanova, Qaqish & Schell 2005), {design.method} "
            f"shape (delta = {design.delta:g}): P(stop | p = {design.limit:g}) <= "
            f"{design.crossing:g}.")


def boundary_table(design: SafetyRule | EfficacyDesign, *, title: str | None = None,
                   event: str = "toxicities", compact: bool = True):
    """The stopping boundaries as a protocol table (:class:`smalltrial.tables.Table`).

    Parameters
    ----------
    design : a :class:`SafetyRule`, :class:`EfficacyDesign` or :class:`JointDesign`.
    title : caption (default names the rule).
    event : what is counted, e.g. ``"grade >= 3 CRS"`` (safety rules only).
    compact : with looks after every patient, keep only the looks where the boundary changes
        (and the last), as R clinfun prints its boundaries.

    Each row reads "stop if >= s <event> among the first n"; the method and its parameters are
    a footnote. The numbers are the design's :attr:`boundary`; nothing is computed here.

    Example
    -------
    >>> from smalltrial.monitoring import safety_monitoring
    >>> t = boundary_table(safety_monitoring(10, limit=0.2, cutoff=0.9), event="grade >= 3 CRS")
    >>> t.rows[2].cells
    ('6\u20138', '>= 3', 'Stop if >= 3 grade >= 3 CRS among the first 6 to 8')
    """
    from smalltrial.tables import Row, Table

    if not isinstance(design, (SafetyRule, EfficacyDesign, JointDesign)):
        raise SmallTrialError("design must be a SafetyRule, EfficacyDesign or JointDesign, got "
                              f"{type(design).__name__}")
    b = design.boundary
    rows = []
    if isinstance(design, JointDesign):
        for k, (n, f, t) in enumerate(zip(b["n"], b["futility_at_most"], b["toxicity_at_least"],
                                          strict=True)):
            fut = "\u2013" if math.isnan(f) else f"<= {int(f)}"
            tox = "\u2013" if math.isnan(t) else f">= {int(t)}"
            if k == len(b) - 1:
                fut = f"<= {int(f)} (not promising)"
                tox = f"{tox} (not promising)" if tox != "\u2013" else tox
            rows.append(Row((str(n), fut, tox)))
        return Table(title or "Interim monitoring boundaries (efficacy and toxicity)",
                     ("Patients", "Stop if responders", "Stop if toxicities"), tuple(rows),
                     footnotes=(_method_note(design),), name="monitoring_boundaries")
    if isinstance(design, SafetyRule):
        ns, stops = b["n"].to_list(), b["stop_at"].to_list()
        runs = [[ns[0], ns[0], stops[0]]]  # (first n, last n, stop_at) of equal boundaries
        every = len(ns) > 1 and all(q - p == 1 for p, q in zip(ns, ns[1:], strict=False))
        for n, st in zip(ns[1:], stops[1:], strict=True):
            same = (st == runs[-1][2]) or (math.isnan(st) and math.isnan(runs[-1][2]))
            if compact and every and same:
                runs[-1][1] = n
            else:
                runs.append([n, n, st])
        for first, last, st in runs:
            label = str(first) if first == last else f"{first}\u2013{last}"
            if math.isnan(st):
                rows.append(Row((label, "\u2013", "No stop possible")))
            else:
                among = f"the first {first}" if first == last else f"the first {first} to {last}"
                rows.append(Row((label, f">= {int(st)}",
                                 f"Stop if >= {int(st)} {event} among {among}")))
        columns = ("Patients treated", "Stop at", "Rule")
        default = "Toxicity stopping boundaries"
    else:
        for k, (n, f, e) in enumerate(zip(b["n"], b["futility_at_most"], b["efficacy_at_least"],
                                          strict=True)):
            last = k == len(b) - 1
            fut = "\u2013" if math.isnan(f) or f < 0 else f"<= {int(f)}"
            eff = "\u2013" if math.isnan(e) else f">= {int(e)}"
            rows.append(Row((str(n), fut if not last else f"<= {int(f)} (not promising)",
                             eff if not last else f">= {int(e)} (promising)")))
        columns = ("Patients", "Stop for futility if responders", "Stop for efficacy if responders")
        default = "Interim monitoring boundaries"
    return Table(title or default, columns, tuple(rows), footnotes=(_method_note(design),),
                 name="monitoring_boundaries")


def operating_characteristics_table(design: SafetyRule | EfficacyDesign, p: Any, *,
                                    title: str | None = None, digits: int = 3):
    """Exact operating characteristics under the scenarios ``p`` as a
    :class:`smalltrial.tables.Table` (numbers from :meth:`operating_characteristics`).

    Example
    -------
    >>> from smalltrial.monitoring import safety_monitoring
    >>> t = operating_characteristics_table(safety_monitoring(10, limit=0.2, cutoff=0.9), [0.2])
    >>> t.rows[0].cells
    ('0.2', '0.388', '7.3')
    """
    from smalltrial._format import fmt_num
    from smalltrial.tables import Row, Table

    oc = design.operating_characteristics(p)
    if isinstance(design, SafetyRule):
        cols = ("True toxicity rate", "P(stop)", "Expected N")
        rows = [Row((f"{r.p:g}", fmt_num(r.prob_stop, digits), fmt_num(r.expected_n, 1)))
                for r in oc.itertuples()]
    else:
        cols = ("True response rate", "P(success)", "P(stop, futility)", "P(stop, efficacy)",
                "Expected N")
        rows = [Row((f"{r.p:g}", fmt_num(r.prob_success, digits),
                     fmt_num(r.prob_stop_futility, digits), fmt_num(r.prob_stop_efficacy, digits),
                     fmt_num(r.expected_n, 1))) for r in oc.itertuples()]
    return Table(title or "Operating characteristics (exact)", cols, tuple(rows),
                 footnotes=(_method_note(design),), name="monitoring_oc")


# --------------------------------------------------------------------------------------------
# the run's monitoring tables laid out from the ARD (issue #15): a builder records every number
# it prints in a TableNumbers result (ARD rows) and returns a Display("monitoring", options)
# whose cells are text with placeholders {variable|variable_level|statistic:format}; the layout
# fills them from the ARD rows alone
# --------------------------------------------------------------------------------------------
import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from smalltrial._results import Result  # noqa: E402

#: a placeholder in a display cell: {variable|variable_level|statistic:format}
_PLACEHOLDER = re.compile(r"\{([^{}|]*)\|([^{}|]*)\|([^{}|:]+):(d|g|p|[0-9])\}")


@dataclass(frozen=True, repr=False)
class TableNumbers(Result):
    """The numbers one monitoring table prints, as ARD rows: ``rows`` holds
    ``(variable, variable_level, statistic, value)``; :meth:`to_ard` gives them one ARD row
    each (the table's builder fetches it through ``Analysis.once`` so the run records them).

    >>> TableNumbers(rows=(("design", "", "power", 0.8),)).to_ard()[["variable", "value"]].values.tolist()
    [['design', 0.8]]
    """

    rows: tuple = ()
    _hidden = ("rows",)

    def to_ard(self):
        from smalltrial.ard import ard_frame

        return ard_frame([{"variable": v, "variable_level": lvl, "statistic": s, "value": x}
                          for v, lvl, s, x in self.rows])


class Sheet:
    """Collects a table's numbers while a builder writes its cells: :meth:`num` stores a value
    and returns its placeholder, to be put in the cell text.

    >>> s = Sheet()
    >>> s.num("design", "power", 0.80234, 3)
    '{design||power:3}'
    >>> fill(s.num("design", "power", 0.80234, 3), s.ard())
    '0.802'
    """

    def __init__(self) -> None:
        self._values: dict[tuple[str, str, str], float] = {}

    def num(self, variable: str, statistic: str, value: Any, fmt: int | str = 3, *,
            level: str = "") -> str:
        """Store ``value`` under (variable, level, statistic) and return its placeholder;
        ``fmt``: decimals (0..9, ``fmt_num``), ``"d"`` whole number, ``"g"`` shortest, ``"p"``
        P value."""
        key = (str(variable), str(level), str(statistic))
        val = float(value)
        if key in self._values and not (self._values[key] == val or (
                math.isnan(self._values[key]) and math.isnan(val))):
            raise SmallTrialError(f"table numbers: {key} stored twice with different values")
        self._values[key] = val
        return "{" + f"{key[0]}|{key[1]}|{key[2]}:{fmt}" + "}"

    def result(self) -> TableNumbers:
        return TableNumbers(rows=tuple((*k, v) for k, v in self._values.items()))

    def ard(self):
        return self.result().to_ard()


def _format(value: float, fmt: str) -> str:
    from smalltrial._format import fmt_num, fmt_pvalue

    if fmt == "d":
        return str(int(value))
    if fmt == "g":
        return f"{value:g}"
    if fmt == "p":
        return fmt_pvalue(value)
    return fmt_num(value, int(fmt))


def fill(text: str, ard: Any) -> str:
    """``text`` with every placeholder replaced by its ARD value, formatted."""
    values = {(r["variable"], r["variable_level"], r["statistic"]): r["value"]
              for r in ard.to_dict("records")}

    def sub(m: re.Match) -> str:
        key = (m.group(1), m.group(2), m.group(3))
        if key not in values:
            raise SmallTrialError(f"monitoring table: the ARD has no statistic {key}")
        return _format(float(values[key]), m.group(4))

    return _PLACEHOLDER.sub(sub, text)


def _monitoring_from_ard(ard: Any, *, title: str, columns: list, rows: list,
                         footnotes: list = (), name: str = "table", marks: list = ()):
    """Layout ``monitoring``: the rows ``[cells, indent, section]`` and footnotes, their
    placeholders filled from the ARD rows; ``marks`` ``[note, row]`` put footnote ``note``'s
    letter on the label of row ``row``."""
    from smalltrial.tables import Row, Table

    out = tuple(Row(tuple(fill(c, ard) for c in cells), indent=int(indent), section=bool(sec))
                for cells, indent, sec in rows)
    table = Table(fill(title, ard), tuple(fill(c, ard) for c in columns), out,
                  tuple(fill(f, ard) for f in footnotes), name=name)
    for note, row in marks:
        table = table.mark(int(note), row=int(row), column=0)
    return table


def _register_layout() -> None:
    from smalltrial.tables.display import register_layout

    register_layout("monitoring")(_monitoring_from_ard)


_register_layout()
