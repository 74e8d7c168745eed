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
    pass

from smalltrial.tables._model import (
    _KM_CONF,
    Row,
    Table,
    _check_digits,
    _check_notes,
    _get,
    _level_pct,
    km_conf_type_label,
)


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
    the row of all patients).
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
    section = None
    for e in entries:
        med = _get(e, "median")
        if _get(e, "section") is not None and _get(e, "section") != section:
            section = _get(e, "section")
            rows.append(Row((str(section),), section=True))
        cells = [str(_get(e, "label")), str(int(_get(e, "n"))), str(int(_get(e, "events")))]
        cells.append(fmt_estimate_ci(_get(med, "estimate"), _get(med, "lower"), _get(med, "upper"),
                                     digits, na=NR))
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
            if lo == hi:
                # no event yet: Greenwood's SE is 0 and the interval has no width; R prints
                # 1 (1, 1) before the first time but NA after a censoring -- show NE for both
                lo = hi = float("nan")
                zero_width_any = True
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
        rows.append(Row(tuple(cells), indent=indent))
        if _get(e, "note"):
            extra_notes.append(f"{_get(e, 'label')}: {_get(e, 'note')}")
    notes = [
        f"Kaplan\u2013Meier estimates with Greenwood variance; {_level_pct(level)} CI: "
        f"{km_conf_type_label(conf_type)}.",
        "Median CI: the times where the pointwise confidence limits of the curve cross 0.5 "
        "(R quantile.survfit). NR: not reached.",
    ]
    if cumulative_any:
        notes.append("Landmark columns for event endpoints show the cumulative event probability "
                     "(1 \u2212 Kaplan\u2013Meier survival).")
    if zero_width_any:
        notes.append("NE: not estimable; before the first event the Kaplan\u2013Meier standard "
                     "error is 0 and no confidence interval can be given.")
    if rmst_tau is not None:
        notes.append(
            f"RMST: restricted mean survival time up to {rmst_tau:g} {time_unit} (area "
            "under the Kaplan\u2013Meier curve; the mean event-free time within that horizon); "
            "SE as R survival's print.survfit rmean; Wald CI clipped to [0, tau]. "
            "Not given for endpoints with competing events.")
    if has_rate:
        notes.append("Event rates: events per patient-year of follow-up with exact Poisson CI "
                     "(Garwood); with no events the upper limit bounds the rate.")
    if follow_up is not None:
        notes.append(
            f"Median follow-up (reverse Kaplan\u2013Meier): "
            f"{fmt_estimate_ci(_get(follow_up, 'estimate'), _get(follow_up, 'lower'), _get(follow_up, 'upper'), digits, na=NR)}"
            f" {time_unit}."
        )
    notes.extend(extra_notes)
    notes.extend(more_notes)
    return Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)
