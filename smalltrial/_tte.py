"""Time-to-event data derived from a Trial (re-exported by :mod:`smalltrial.survival`).

``time_to_event`` turns the events (and measurements) of a trial into one row per subject
``subject, time, event`` ready for :func:`smalltrial.survival.kaplan_meier` or
:func:`smalltrial.survival.cumulative_incidence`: the endpoint ends at the first of several events
(progression or death = PFS), starts at the infusion or at the first day of an event or of a
response (duration of response / remission), is censored at the last contact or at the last
assessment of a parameter, and may have competing events. ADTTE endpoints of an ADaM trial are
returned exactly as recorded (AVAL, 1 - CNSR).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from smalltrial import _validate as _v
from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show

__all__ = ["time_to_event", "relapse_free_time", "b_cell_reconstitution"]


def _frames(trial_or_events: Any, attr: str, name: str = "trial_or_events") -> pd.DataFrame:
    from smalltrial.trial import plain_frame

    frame = getattr(trial_or_events, attr, None)
    if frame is None:
        frame = trial_or_events
    if not isinstance(frame, pd.DataFrame):
        raise SmallTrialError(
            f"{name} must be a Trial (with .{attr}) or a DataFrame of {attr}, got "
            f"{type(trial_or_events).__name__}"
        )
    return plain_frame(frame)


def _days(frame: pd.DataFrame, mask: pd.Series, table: str) -> pd.Series:
    """The ``day`` of the rows in ``mask`` as finite floats, or SmallTrialError naming the row."""
    rows = frame.loc[mask]
    day = pd.to_numeric(rows["day"], errors="coerce").astype(float)
    bad = ~np.isfinite(day)
    if bad.any():
        i = bad[bad].index[0]
        raw = rows.at[i, "day"]
        raw = raw.item() if hasattr(raw, "item") else raw
        what = f"event {rows.at[i, 'event']!r} " if "event" in rows.columns else ""
        raise SmallTrialError(
            f"column 'day' of {table} must be a finite number; got {raw!r} on row {i} "
            f"({what}subject {rows.at[i, 'subject']!r})"
        )
    return day


def _last_contact(events: pd.DataFrame) -> pd.Series:
    _v.check_columns(events, ["subject", "day", "event"], "events")
    is_lc = events["event"] == "last_contact"
    lc = events.loc[is_lc]
    if lc.empty:
        raise SmallTrialError("events has no 'last_contact' rows: every subject needs one")
    _v.check_no_missing(lc, "day", subject="subject", name="events")
    day = _days(events, is_lc, "events")
    dup = lc["subject"].duplicated(keep=False)
    if dup.any():
        raise SmallTrialError(
            "events has more than one 'last_contact' for "
            f"{_v.describe_rows(lc, dup, 'subject')}"
        )
    return pd.Series(day.to_numpy(), index=pd.Index(lc["subject"].tolist(), name="subject"),
                     name="day")


def _names(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    try:
        items = tuple(value)
    except TypeError:
        raise SmallTrialError(f"{name} must be an event name or a list of them; got {value!r}") from None
    if not items or not all(isinstance(v, str) for v in items):
        raise SmallTrialError(f"{name} must be one or more event names (str); got {value!r}")
    return items


def _check_names(names: Sequence[str], present: set[str], what: str) -> None:
    from smalltrial.trial import KNOWN_EVENTS

    unknown = [n for n in names if n not in present and n not in KNOWN_EVENTS]
    if unknown:
        near = difflib.get_close_matches(unknown[0], sorted(present | set(KNOWN_EVENTS)), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise SmallTrialError(
            f"{what} {_show(unknown)} occurs nowhere in the trial and is not a known event "
            f"name{hint}; a misspelling would censor everyone; events present: "
            f"{_show(sorted(present))}; known: {', '.join(KNOWN_EVENTS)}"
        )


def _first_days(events: pd.DataFrame, names: Sequence[str], table: str) -> pd.DataFrame:
    """Rows ``subject, day, event`` of the named events (finite days enforced)."""
    mask = events["event"].isin(list(names))
    day = _days(events, mask, table)
    return pd.DataFrame({"subject": events.loc[mask, "subject"].to_numpy(),
                         "day": day.to_numpy(), "event": events.loc[mask, "event"].to_numpy()})


def _origin_days(origin: Any, events: pd.DataFrame, present: set[str]) -> pd.Series:
    if isinstance(origin, str):
        if origin == "infusion":
            return pd.Series(dtype=float)
        _check_names([origin], present, "origin")
        rows = _first_days(events, [origin], "events")
        first = rows.groupby("subject", sort=False)["day"].min()
        if first.empty:
            raise SmallTrialError(f"origin {origin!r} occurs for no subject; nothing to analyse")
        return first
    if isinstance(origin, pd.DataFrame):
        frame = _frames(origin, "origin", "origin")
        _v.check_columns(frame, ["subject", "day"], "origin")
        day = _days(frame.assign(event="origin"), pd.Series(True, index=frame.index), "origin")
        if frame["subject"].duplicated().any():
            dup = frame.loc[frame["subject"].duplicated(keep=False), "subject"].tolist()
            raise SmallTrialError(f"origin has more than one day for subject {_show(dup)}")
        if frame.empty:
            raise SmallTrialError("origin is empty: the origin occurs for no subject")
        return pd.Series(day.to_numpy(), index=frame["subject"].tolist())
    raise SmallTrialError(
        f"origin must be 'infusion', an event name or a DataFrame[subject, day]; got "
        f"{type(origin).__name__}"
    )


def _censor_days(censor: Any, trial_or_events: Any, lc: pd.Series) -> pd.Series:
    if not isinstance(censor, str):
        raise SmallTrialError(f"censor must be 'last_contact' or 'last_assessment:<parameter>'; "
                              f"got {censor!r}")
    if censor == "last_contact":
        return lc
    if not censor.startswith("last_assessment:") or not censor.split(":", 1)[1]:
        raise SmallTrialError(f"censor must be 'last_contact' or 'last_assessment:<parameter>'; "
                              f"got {censor!r}")
    parameter = censor.split(":", 1)[1]
    meas = getattr(trial_or_events, "measurements", None)
    if not isinstance(meas, pd.DataFrame):
        raise SmallTrialError(f"censor={censor!r} needs a Trial with measurements")
    meas = _frames(meas, "measurements", "measurements")
    _v.check_columns(meas, ["subject", "day", "parameter"], "measurements")
    mask = meas["parameter"] == parameter
    if not mask.any():
        known = list(dict.fromkeys(meas["parameter"].dropna().astype(str)))
        raise SmallTrialError(f"censor: parameter {parameter!r} is not in measurements; "
                              f"parameters present: {_show(known, 20)}")
    day = _days(meas.assign(event=parameter), mask, "measurements")
    last = pd.Series(day.to_numpy(), index=meas.loc[mask, "subject"].tolist()).groupby(level=0).max()
    after = [s for s in last.index if s in lc.index and last[s] > lc[s]]
    if after:
        s = after[0]
        raise SmallTrialError(f"measurements: parameter {parameter!r} of subject {s!r} on day "
                              f"{last[s]:g} is after the subject's last_contact (day {lc[s]:g})")
    return last


def _adtte(trial_or_events: Any, endpoint: str) -> pd.DataFrame | None:
    data = getattr(trial_or_events, "time_to_event_data", None)
    if not isinstance(data, pd.DataFrame) or data.empty or "endpoint" not in data.columns:
        return None
    data = _frames(data, "time_to_event_data", "time_to_event_data")
    rows = data.loc[data["endpoint"] == endpoint]
    return rows if len(rows) else None


def time_to_event(
    trial_or_events: Any,
    endpoint: str = "relapse",
    *,
    events: str | Sequence[str] | None = None,
    origin: str | pd.DataFrame = "infusion",
    competing: str | Sequence[str] | None = None,
    censor: str = "last_contact",
    subjects: Iterable[Any] | None = None,
) -> pd.DataFrame:
    """Time from an origin to the first of the events that end an endpoint, with censoring.

    Parameters
    ----------
    trial_or_events : a ``Trial`` (with ``.events``; ``.measurements`` for
        ``censor="last_assessment:..."``; ``.time_to_event_data`` for ADTTE endpoints) or the
        events DataFrame itself (``subject, day, event[, grade]``, one ``last_contact`` per
        subject).
    endpoint : an ADTTE parameter of the trial (lower-cased PARAMCD, e.g. ``"pfs"``): its records
        exactly (``time = AVAL`` in days, ``event = 1 - CNSR``); otherwise the name of the
        endpoint, whose ending events are ``events`` (default ``(endpoint,)``, e.g. ``"relapse"``).
    events : event name(s) any of which ends the endpoint, e.g. ``("progression", "death")``
        for progression-free survival.
    origin : ``"infusion"`` (day 0, the default), an event name (the subject's first day of
        that event: ``"remission"`` for duration of remission), or a DataFrame ``subject, day``
        (e.g. ``ResponseRule.first_day(trial)`` for duration of response). Subjects whose origin
        never occurs are left out and listed in ``result.attrs["excluded"]`` (for a footnote);
        an origin that occurs for nobody is an error.
    competing : event name(s) that compete with the endpoint (e.g. ``"death"`` for relapse):
        then ``event`` is 0 censored, 1 endpoint, 2 competing (for
        :func:`~smalltrial.survival.cumulative_incidence`, not 1 - Kaplan-Meier).
    censor : ``"last_contact"`` (default) or ``"last_assessment:<parameter>"``: subjects without
        an event are censored at their last measurement day of that parameter (e.g. tumour
        assessments for PFS); never after the last contact; at the origin when there is no
        assessment after it.
    subjects : optional subject ids to include (default: every subject with a last contact).

    Returns
    -------
    DataFrame ``subject, time, event`` (time in days from the origin; event 1 = the first ending
    event on or after the origin, 2 = a competing event came first, 0 = censored).

    Method: right-censored time to first event (as a CDISC ADaM ADTTE dataset, ``CNSR = 1``
    censored) ready for Kaplan & Meier (1958), which assumes non-informative censoring; with
    competing events the Aalen-Johansen cumulative incidence applies (Kalbfleisch & Prentice
    2002). Events before the origin are ignored; an event on the origin day counts (time 0),
    except the origin event itself when it also ends the endpoint (then the next one counts).
    An ending and a competing event on the same day count as the endpoint. Bad rows (a missing
    or infinite day, an ending event after the last contact) raise SmallTrialError naming the
    column, row, subject and value; an event name that is neither a known name
    (``trial.KNOWN_EVENTS``) nor present in the trial is refused (a misspelling must not censor
    everyone).

    Example
    -------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"subject": ["a", "a", "b", "b", "c"], "day": [120, 400, 200, 300, 365],
    ...                    "event": ["relapse", "last_contact", "progression", "last_contact",
    ...                              "last_contact"]})
    >>> time_to_event(ev, "relapse").to_dict("list")
    {'subject': ['a', 'b', 'c'], 'time': [120.0, 300.0, 365.0], 'event': [1, 0, 0]}
    >>> time_to_event(ev, "pfs", events=("relapse", "progression", "death")).to_dict("list")
    {'subject': ['a', 'b', 'c'], 'time': [120.0, 200.0, 365.0], 'event': [1, 1, 0]}
    """
    if not isinstance(endpoint, str):
        raise SmallTrialError(f"endpoint must be a name (str); got {endpoint!r}")
    adtte = _adtte(trial_or_events, endpoint) if events is None else None
    if adtte is not None:
        if origin != "infusion" or competing is not None or censor != "last_contact":
            raise SmallTrialError(
                f"endpoint {endpoint!r} is an ADTTE parameter: its times and censoring are taken "
                "as recorded (AVAL, 1 - CNSR), so origin/competing/censor cannot be changed; "
                "name the events (events=...) to derive a new endpoint instead"
            )
        out = adtte[["subject", "time", "event"]].reset_index(drop=True)
        if subjects is not None:
            wanted = list(subjects)
            out = out[out["subject"].isin(wanted)].reset_index(drop=True)
        out = out.assign(time=out["time"].astype(float), event=out["event"].astype(np.int64))
        out.attrs["excluded"] = []
        return out

    ev = _frames(trial_or_events, "events")
    _v.check_columns(ev, ["subject", "day", "event"], "events")
    lc = _last_contact(ev)
    present = set(ev["event"].dropna().astype(str))
    ending = _names(endpoint if events is None else events, "events")
    _check_names(ending, present, "event" if events is not None else "endpoint")
    comp = () if competing is None else _names(competing, "competing")
    _check_names(comp, present, "competing event")
    both = set(ending) & set(comp)
    if both:
        raise SmallTrialError(f"event {_show(sorted(both))} is both ending and competing")

    ids = list(lc.index) if subjects is None else list(subjects)
    missing = [s for s in ids if s not in lc.index]
    if missing:
        raise SmallTrialError(f"no 'last_contact' event for subject {_show(missing[:5])}")
    start = _origin_days(origin, ev, present)
    censor_at = _censor_days(censor, trial_or_events, lc)

    rows = _first_days(ev, list(ending) + list(comp), "events")
    late = rows["day"].to_numpy() > rows["subject"].map(lc).to_numpy()
    if late.any():
        r = rows.loc[late].iloc[0]
        raise SmallTrialError(
            f"events: {r['event']!r} of subject {r['subject']!r} on day {r['day']:g} is after the "
            f"subject's last_contact (day {lc[r['subject']]:g}); column 'day'"
        )
    by_subject = {s: g for s, g in rows.groupby("subject", sort=False)}
    out_rows, excluded = [], []
    for s in ids:
        if isinstance(origin, str) and origin == "infusion":
            t0 = 0.0
        elif s in start.index:
            t0 = float(start[s])
        else:
            excluded.append(s)
            continue
        hits = by_subject.get(s)
        code, day = 0, math.nan
        if hits is not None:
            keep = hits["day"] >= t0
            if isinstance(origin, str) and origin in ending:
                keep &= ~((hits["event"] == origin) & (hits["day"] == t0))
            hits = hits.loc[keep]
            if len(hits):
                first = hits["day"].min()
                on_first = hits.loc[hits["day"] == first, "event"]
                code = 1 if on_first.isin(list(ending)).any() else 2
                day = float(first)
        if code == 0:
            day = float(censor_at.get(s, t0)) if s in censor_at.index else t0
            day = max(day, t0)
        out_rows.append((s, day - t0, code))
    if not out_rows:
        raise SmallTrialError(f"origin {origin if isinstance(origin, str) else 'frame'!r} "
                              "occurs for none of the subjects")
    out = pd.DataFrame(out_rows, columns=["subject", "time", "event"])
    out["time"] = out["time"].astype(float)
    out["event"] = out["event"].astype(np.int64)
    out.attrs["excluded"] = excluded
    return out


def relapse_free_time(trial_or_events: Any, **kwargs: Any) -> pd.DataFrame:
    """Relapse-free time: :func:`time_to_event` with ``endpoint="relapse"``.

    Parameters
    ----------
    trial_or_events : a ``Trial`` or its events DataFrame (one ``last_contact`` per subject).
    **kwargs : passed on to :func:`time_to_event` (``subjects=``, ``origin=``, ...).

    Returns ``subject, time, event``: the first relapse on or after day 0 (event 1), else
    censored at last contact (event 0); with no relapse in the trial everyone is censored and
    the Kaplan-Meier curve of :func:`kaplan_meier` stays at 1.

    Example
    -------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"subject": ["a", "a", "b", "c"], "day": [200, 450, 300, 365],
    ...                    "event": ["relapse", "last_contact", "last_contact", "last_contact"]})
    >>> relapse_free_time(ev).to_dict("list")
    {'subject': ['a', 'b', 'c'], 'time': [200.0, 300.0, 365.0], 'event': [1, 0, 0]}
    """
    return time_to_event(trial_or_events, "relapse", **kwargs)


def b_cell_reconstitution(
    trial: Any = None,
    threshold: float = 10.0,
    parameter: str = "cd19_bcells",
    *,
    censor_at: str = "last_measurement",
    measurements: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Time to B-cell reconstitution: first post-infusion day with B cells >= ``threshold``.

    Parameters
    ----------
    trial : a ``Trial`` (anything with ``.measurements`` and ``.events``); or pass the two
        DataFrames as ``measurements=`` and ``events=``.
    threshold : cells/uL (default 10, an assumption of ours; see DEVELOPING.md).
    parameter : the measurement parameter (default ``cd19_bcells``).
    censor_at : for subjects who never reach the threshold: ``"last_measurement"`` (default:
        the last post-infusion measurement day of ``parameter``, the last day the count is
        known to be below threshold; day 0 if there is none) or ``"last_contact"``.

    Returns ``subject, time, event`` for every subject with a ``last_contact``: time = the
    first day > 0 with ``value >= threshold`` (rows flagged ``blq`` never count), event 1;
    otherwise event 0 at the censoring day above.

    Method: the first measurement at or above the threshold dates the reconstitution (an
    interval-censored event recorded at the visit that detects it, as the reported "B-cell
    reappearance" of Mackensen et al., Nat Med 2022;28:2124, mean 110 days). The 10 cells/uL
    threshold is our assumption: the publications give no number.

    Example
    -------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"subject": ["a", "a", "a", "b"], "day": [-5, 28, 112, 90],
    ...                   "parameter": "cd19_bcells", "value": [150.0, 1.0, 35.0, 2.0],
    ...                   "unit": "cells/uL"})
    >>> e = pd.DataFrame({"subject": ["a", "b"], "day": [400, 200],
    ...                   "event": "last_contact", "grade": float("nan")})
    >>> b_cell_reconstitution(measurements=m, events=e).to_dict("list")
    {'subject': ['a', 'b'], 'time': [112.0, 90.0], 'event': [1, 0]}
    """
    meas = _frames(measurements, "measurements", "measurements") if measurements is not None \
        else _frames(trial, "measurements", "trial")
    evs = _frames(events, "events", "events") if events is not None else _frames(trial, "events", "trial")
    thr = _v.check_positive(threshold, "threshold", allow_zero=True)
    censor_at = _v.check_choice(censor_at, "censor_at", ("last_measurement", "last_contact"))
    _v.check_columns(meas, ["subject", "day", "parameter", "value"], "measurements")
    lc = _last_contact(evs)
    is_p = meas["parameter"] == parameter
    if not is_p.any():
        raise SmallTrialError(f"measurements has no rows with parameter {parameter!r}")
    day = _days(meas.assign(event=parameter), is_p, "measurements")
    m = meas.loc[is_p].assign(day=day)
    m = m.loc[m["day"] > 0]
    value = pd.to_numeric(m["value"], errors="coerce")
    if "blq" in m.columns:
        blq = m["blq"].astype("boolean").fillna(False).astype(bool)
    else:
        blq = pd.Series(False, index=m.index)
    ok = (value >= thr) & ~blq
    first = m.loc[ok].groupby("subject")["day"].min().astype(float)
    last_meas = m.groupby("subject")["day"].max().astype(float)
    rows = []
    for s in lc.index:
        if s in first.index:
            rows.append((s, float(first[s]), 1))
        elif censor_at == "last_contact":
            rows.append((s, float(lc[s]), 0))
        else:
            rows.append((s, float(last_meas.get(s, 0.0)), 0))
    out = pd.DataFrame(rows, columns=["subject", "time", "event"])
    out["event"] = out["event"].astype(np.int64)
    return out
