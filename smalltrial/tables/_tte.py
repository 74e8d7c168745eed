"""Time-to-event outcomes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._format import DASH, NE, NR, fmt_num
from smalltrial._tableformat import (
    fmt_estimate_ci,
    fmt_pct_ci,
)
from smalltrial._validate import check_choice, check_level

if TYPE_CHECKING:
    import pandas as pd

from smalltrial.tables._model import (
    _KM_CONF,
    Row,
    Table,
    _check_digits,
    _check_notes,
    _get,
    _isnan,
    _level_pct,
    km_conf_type_label,
)
from smalltrial.tables.display import register_layout, wide


def time_to_event_table(
    entries: Sequence[Mapping[str, Any]],
    *,
    landmarks: Sequence[float] = (),
    time_unit: str = "months",
    title: str = "Time-to-event outcomes",
    conf_type: str = "log-log",
    level: float = 0.95,
    follow_up: Any = None,
    digits: int = 1,
    notes: Sequence[str] = (),
    name: str = "time_to_event",
    rmst_tau: float | None = None,
) -> Table:
    """Median time to event (95% CI, NR when not reached), landmark rates and event rates.

    ``entries``: one mapping per endpoint with ``label``, ``n`` (patients), ``events``,
    ``median`` (a ``Quantile``: ``estimate, lower, upper``; NaN = not reached), optional
    ``landmarks`` (``KaplanMeier.at(times)`` DataFrame: ``time, survival, lower, upper``; shown
    as 1 - survival, the cumulative event probability, when ``cumulative=True``), optional
    ``rate`` (``EventRate``: ``rate, lower, upper``, per patient-year), optional ``note``,
    optional ``section`` (a heading row above the entry whenever it changes: e.g. the endpoint,
    with one entry per group below it), optional ``indent`` (e.g. 1 for a group's row under
    the row of all patients), optional ``median_ci`` (False: the median has no CI and prints
    alone, as a cumulative incidence's first time at 50%), optional ``row_notes`` (footnote
    texts, among ``notes``, about that entry: marked on its row's label).
    ``follow_up``: a ``Quantile`` from ``median_follow_up`` (reverse Kaplan-Meier), a footnote.
    ``rmst_tau``: when given, a column "RMST to tau" from each entry's optional ``rmst`` (an
    ``RMST`` from ``survival.rmst``: ``estimate, lower, upper``; a dash when absent), the
    summary to report when the median is not reached.

    Parameters
    ----------
    entries : sequence of mappings
        The endpoints, as above (non-empty).
    landmarks : sequence of float
        Landmark times (>= 0, in ``time_unit``) shown as columns.
    conf_type : str
        The Kaplan-Meier CI transformation used (``"log-log"``, as SAS LIFETEST; R survfit's
        default is ``"log"``), named in a footnote.
    level : float
        Confidence level of the intervals, in (0, 1).
    digits : int
        Decimals (0..10).
    notes : sequence of str
        More footnotes, printed last.
    time_unit, title, name : str
        Unit in the headers, table title and file stem.

    The median CI follows R ``quantile.survfit`` (Brookmeyer & Crowley 1982).

    Footnote marks: the Kaplan-Meier CI method on the median and landmark headers, the median
    CI definition on the median header and on each NR cell, the cumulative-probability note on
    the landmark headers, "NE: not estimable" on the cells without a CI, the RMST definition
    and the event-rate method on their headers, an entry's notes on its row label; the median
    follow-up is a note about the whole table (unmarked).

    >>> nan = float("nan")
    >>> t = time_to_event_table([{"label": "Relapse", "n": 5, "events": 0,
    ...                           "median": {"estimate": nan, "lower": nan, "upper": nan}}])
    >>> t.columns, t.rows[0].cells
    (('Endpoint', 'Patients', 'Events', 'Median, months (95% CI)'), ('Relapse', '5', '0', 'NR'))
    """
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Sequence):
        raise SmallTrialError(
            f"entries must be a sequence of endpoint mappings, got {type(entries).__name__}")
    if not entries:
        raise SmallTrialError("entries is empty: give at least one endpoint")
    for i, e in enumerate(entries):
        absent = [k for k in ("label", "n", "events", "median") if _get(e, k) is None]
        if absent:
            raise SmallTrialError(f"entries[{i}] has no {', '.join(map(repr, absent))}")
    conf_type = check_choice(conf_type, "conf_type", tuple(_KM_CONF))
    level = check_level(level)
    digits = _check_digits(digits)
    more_notes = _check_notes(notes)
    if isinstance(landmarks, (str, bytes)) or not isinstance(landmarks, Iterable):
        raise SmallTrialError(f"landmarks must be a sequence of times, got {landmarks!r}")
    landmarks = list(landmarks)
    for t in landmarks:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not (0 <= t < math.inf):
            raise SmallTrialError(f"landmarks must be finite times >= 0, got {t!r}")
    columns = ["Endpoint", "Patients", "Events", f"Median, {time_unit} ({_level_pct(level)} CI)"]
    columns += [f"At {fmt_num(t, 0)} {time_unit}, % ({_level_pct(level)} CI)" for t in landmarks]
    if rmst_tau is not None:
        if isinstance(rmst_tau, bool) or not isinstance(rmst_tau, (int, float)) or not (
                0 < rmst_tau < math.inf):
            raise SmallTrialError(f"rmst_tau must be a finite time > 0, got {rmst_tau!r}")
        columns.append(f"RMST to {rmst_tau:g} {time_unit}, {time_unit} "
                       f"({_level_pct(level)} CI)")
    has_rate = any(_get(e, "rate") is not None for e in entries)
    if has_rate:
        columns.append(f"Events per patient-year ({_level_pct(level)} CI)")
    rows = []
    extra_notes = []
    cumulative_any = False
    zero_width_any = False
    no_event_cells = []  # (row, column) of landmark cells without a CI before any event
    all_event_cells = []  # (row, column) of landmark cells after every patient had the event
    beyond_cells = []  # (row, column) of landmark cells after the last follow-up time
    row_marks = []  # (row, footnote text) marked on row labels
    nr_rows = []  # rows whose median cell prints NR
    section = None
    for e in entries:
        med = _get(e, "median")
        if _get(e, "section") is not None and _get(e, "section") != section:
            section = _get(e, "section")
            rows.append(Row((str(section),), section=True))
        cells = [str(_get(e, "label")), str(int(_get(e, "n"))), str(int(_get(e, "events")))]
        shown = ("estimate", "lower", "upper") if _get(e, "median_ci", True) else ("estimate",)
        if any(_isnan(_get(med, k)) for k in shown):
            nr_rows.append(len(rows))  # NR (not reached) printed: the median note's cell
        if len(shown) == 3:
            cells.append(fmt_estimate_ci(_get(med, "estimate"), _get(med, "lower"),
                                         _get(med, "upper"), digits, na=NR))
        else:  # a median without a CI (e.g. where a cumulative incidence first reaches 50%)
            cells.append(fmt_num(_get(med, "estimate"), digits, na=NR))
        at = _get(e, "landmarks")
        cumulative = bool(_get(e, "cumulative", False))
        cumulative_any |= cumulative
        for t in landmarks:
            if at is None:
                cells.append(DASH)
                continue
            hit = at[at["time"] == t]
            if hit.empty:
                cells.append(NE)
                continue
            h = hit.iloc[0]
            if cumulative:
                est, lo, hi = 1 - h["survival"], 1 - h["upper"], 1 - h["lower"]
            else:
                est, lo, hi = h["survival"], h["lower"], h["upper"]
            zero = lo == hi
            if zero:
                # no event yet: Greenwood's SE is 0 and the interval has no width; R prints
                # 1 (1, 1) before the first time but NA after a censoring -- show NE for both
                lo = hi = float("nan")
                zero_width_any = True
            if math.isnan(lo) and math.isnan(hi) and (h["survival"] == 1 or zero):
                no_event_cells.append((len(rows), len(cells)))  # the NE footnote's cells
            elif math.isnan(lo) and math.isnan(hi) and h["survival"] == 0:
                all_event_cells.append((len(rows), len(cells)))  # every patient had the event
            elif math.isnan(h["survival"]):
                beyond_cells.append((len(rows), len(cells)))  # after the last follow-up time
            cells.append(fmt_pct_ci(est, lo, hi, digits))
        if rmst_tau is not None:
            r = _get(e, "rmst")
            cells.append(DASH if r is None else fmt_estimate_ci(
                _get(r, "estimate"), _get(r, "lower"), _get(r, "upper"), digits, na=NE))
        if has_rate:
            rate = _get(e, "rate")
            cells.append(DASH if rate is None else fmt_estimate_ci(
                _get(rate, "rate"), _get(rate, "lower"), _get(rate, "upper"), 2, na=NE))
        indent = _get(e, "indent", 1 if _get(e, "section") is not None else 0)
        for text in _check_notes(_get(e, "row_notes", ())):
            row_marks.append((len(rows), text))
        if _get(e, "note"):
            extra_notes.append(f"{_get(e, 'label')}: {_get(e, 'note')}")
            row_marks.append((len(rows), extra_notes[-1]))
        rows.append(Row(tuple(cells), indent=indent))
    ci_note = (f"Kaplan\u2013Meier estimates with Greenwood variance; {_level_pct(level)} CI: "
               f"{km_conf_type_label(conf_type)}.")
    median_note = ("Median CI: the times where the pointwise confidence limits of the curve "
                   "cross 0.5 (R quantile.survfit). NR: not reached.")
    notes = [ci_note, median_note]
    marks: list[tuple[str, int | None, int]] = []  # (footnote, row or None = header, column)
    median_col, landmark_cols = 3, range(4, 4 + len(landmarks))
    marks += [(ci_note, None, median_col), (median_note, None, median_col)]
    marks += [(ci_note, None, c) for c in landmark_cols]
    marks += [(median_note, i, median_col) for i in nr_rows]
    if cumulative_any:
        notes.append("Landmark columns for event endpoints show the cumulative event probability "
                     "(1 \u2212 Kaplan\u2013Meier survival).")
        marks += [(notes[-1], None, c) for c in landmark_cols]
    if zero_width_any or all_event_cells or beyond_cells:
        why = []
        if zero_width_any:
            why.append("before the first event the Kaplan\u2013Meier standard error is 0 and no "
                       "confidence interval can be given.")
        if all_event_cells:
            why.append(("once every patient at risk has had the event" if not why else
                        "Once every patient at risk has had the event,") +
                       " the estimate (0% event-free) has no variance and no confidence interval.")
        if beyond_cells:
            why.append(("after" if not why else "After") + " the last follow-up time no patient "
                       "is at risk and the curve is not estimated (R's summary(extend = TRUE) "
                       "would carry the last value forward).")
        notes.append("NE: not estimable; " + " ".join(why))
        marks += [(notes[-1], r, c) for r, c in no_event_cells + all_event_cells + beyond_cells]
    if rmst_tau is not None:
        notes.append(
            f"RMST: restricted mean survival time up to {rmst_tau:g} {time_unit} (area "
            "under the Kaplan\u2013Meier curve; the mean event-free time within that horizon); "
            "SE as R survival's print.survfit rmean; Wald CI clipped to [0, tau]. "
            "Not given for endpoints with competing events.")
        marks.append((notes[-1], None, 4 + len(landmarks)))
    if has_rate:
        notes.append("Event rates: events per patient-year of follow-up with exact Poisson CI "
                     "(Garwood); with no events the upper limit bounds the rate.")
        marks.append((notes[-1], None, len(columns) - 1))
    if follow_up is not None:
        notes.append(
            f"Median follow-up (reverse Kaplan\u2013Meier): "
            f"{fmt_estimate_ci(_get(follow_up, 'estimate'), _get(follow_up, 'lower'), _get(follow_up, 'upper'), digits, na=NR)}"
            f" {time_unit}."
        )
    notes.extend(extra_notes)
    notes.extend(more_notes)
    table = Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)
    for text, r, c in marks + [(text, r, 0) for r, text in row_marks]:
        table = table.mark(text, row=r, column=c)
    return table


_ENTRY_OPTIONS = ("label", "section", "indent", "note", "row_notes", "cumulative", "median_ci")


def _statistics(rows: pd.DataFrame, variable: str, names: Sequence[str]) -> dict[str, float]:
    """The ``names`` statistics of ``variable`` (``variable_level`` empty) among ``rows``."""
    sub = rows[(rows["variable"] == variable) & (rows["statistic"].isin(names))]
    return {str(k): float(v) for k, v in zip(sub["statistic"], sub["value"], strict=True)}


@register_layout("time_to_event")
def time_to_event_from_ard(ard: pd.DataFrame, *, entries: Sequence[Mapping[str, Any]],
                           landmarks: Sequence[float] = (), follow_up: bool = False,
                           **options: Any) -> Table:
    """:func:`time_to_event_table` from ARD rows.

    ``entries``: one mapping per table row, with the ARD ``group`` and ``group_level`` of its
    statistics (``endpoint`` / ``relapse``, or ``endpoint, cohort`` / ``relapse, SLE``), the
    row's ``label`` (and optional ``section``, ``indent``, ``note``, ``row_notes``,
    ``cumulative``) and what it shows besides the median: ``rmst``, ``rate`` (true / false), and
    ``competing`` (a cumulative incidence instead of a Kaplan-Meier fit). The statistics:

    * Kaplan-Meier: ``n``, ``events``; ``variable`` ``median``: ``estimate, lower, upper``;
      ``landmark`` (level the time): ``survival, lower, upper`` (method = CI transformation,
      level = confidence level);
    * cumulative incidence: ``n``, ``events``; ``median`` as above; ``landmark``:
      ``estimate, lower, upper`` of the incidence;
    * ``rmst``: ``estimate, lower, upper``; ``event_rate``: ``rate, lower, upper``;
    * with ``follow_up``, ``median_follow_up`` (reverse Kaplan-Meier): ``estimate, lower, upper``.

    Other ``options`` are :func:`time_to_event_table`'s keywords (without ``conf_type`` and
    ``level``, which come from the ARD).
    """
    nan = math.nan
    built = []
    conf_type = level = None
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping) or "group_level" not in e:
            raise SmallTrialError(f"entries[{i}] must give the ARD group_level of its statistics")
        rows = ard[(ard["group"] == e.get("group", "endpoint")) &
                   (ard["group_level"] == e["group_level"])]
        if rows.empty:
            raise SmallTrialError(f"ard: no statistics of {e['group_level']!r} (entries[{i}])")
        counts = _statistics(rows, "", ("n", "events"))
        median = _statistics(rows, "median", ("estimate", "lower", "upper"))
        entry: dict[str, Any] = {k: e[k] for k in _ENTRY_OPTIONS if k in e}
        entry.update(n=int(counts["n"]), events=int(counts["events"]),
                     median={s: median.get(s, nan) for s in ("estimate", "lower", "upper")})
        competing = bool(e.get("competing", False))
        stats = ("estimate", "lower", "upper") if competing else ("survival", "lower", "upper",
                                                                   "n_risk")
        at = wide(rows, index={"time": "variable_level"}, statistics=stats,
                  where={"variable": "landmark"})
        at["time"] = [float(t) for t in at["time"]]
        if competing:  # the table takes 1 - F as "survival" and shows 1 - that
            at = at.assign(survival=[1 - v for v in at["estimate"]],
                           lower=[1 - v for v in at["upper"]],
                           upper=[1 - v for v in at["lower"]])
        entry["landmarks"] = at[["time", "survival", "lower", "upper"] +
                                (["n_risk"] if "n_risk" in at.columns else [])]
        meth = rows[rows["variable"].isin(("median", "landmark")) & (rows["method"] != "")]
        if len(meth) and (conf_type is None or (not competing and conf_type[1])):
            conf_type = (str(meth["method"].iloc[0]), competing)
            level = float(meth["level"].iloc[0])
        if e.get("rmst"):
            r = _statistics(rows, "rmst", ("estimate", "lower", "upper"))
            entry["rmst"] = {s: r.get(s, nan) for s in ("estimate", "lower", "upper")}
        if e.get("rate"):
            r = _statistics(rows, "event_rate", ("rate", "lower", "upper"))
            entry["rate"] = {s: r.get(s, nan) for s in ("rate", "lower", "upper")}
        built.append(entry)
    fu = None
    if follow_up:
        sub = ard[ard["variable"] == "median_follow_up"]
        fu = {s: float(sub.loc[sub["statistic"] == s, "value"].iloc[0])
              for s in ("estimate", "lower", "upper")}
    if conf_type is not None:
        options = {"conf_type": conf_type[0], "level": level, **options}
    return time_to_event_table(built, landmarks=landmarks, follow_up=fu, **options)
