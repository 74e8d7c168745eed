"""Checks of a :class:`~smalltrial.trial.Trial`'s tables: the implementation of
:meth:`Trial.validate <smalltrial.trial.Trial.validate>` (every problem reported at once, each
naming the table, the column, the offending values and the first few subjects)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smalltrial._validate import _show, describe_rows
from smalltrial.trial.model import (
    _EVENT_NAME,
    ADVERSE_EVENT_COLUMNS,
    EVENT_COLUMNS,
    GRADED_EVENTS,
    KNOWN_EVENTS,
    MEASUREMENT_COLUMNS,
    PARAMETER_COLUMNS,
    SUBJECT_COLUMNS,
    TIME_TO_EVENT_COLUMNS,
)

if TYPE_CHECKING:  # pragma: no cover
    from smalltrial.trial.model import Trial


# ----------------------------------------------------------------------------- validation
def _problem(table: str, text: str) -> str:
    return f"{table}: {text}"


def _ids(frame: pd.DataFrame, mask: pd.Series) -> str:
    return describe_rows(frame, mask, "subject")


def _check_table_columns(table: str, frame: Any, required: Sequence[str], out: list[str]) -> bool:
    if not isinstance(frame, pd.DataFrame):
        out.append(_problem(table, f"must be a pandas DataFrame, got {type(frame).__name__}"))
        return False
    missing = [c for c in required if c not in frame.columns]
    if missing:
        out.append(_problem(
            table,
            f"missing column {', '.join(map(repr, missing))}; columns present: "
            f"{', '.join(map(repr, map(str, frame.columns)))}",
        ))
    return True


def _check_missing(table: str, frame: pd.DataFrame, columns: Sequence[str], out: list[str]) -> None:
    for col in columns:
        if col not in frame.columns:
            continue
        bad = frame[col].isna()
        if bad.any():
            out.append(_problem(
                table, f"column {col!r} has {int(bad.sum())} missing value(s) ({_ids(frame, bad)})"
            ))


def _numeric(table: str, frame: pd.DataFrame, col: str, out: list[str]) -> pd.Series | None:
    """The column as floats, or None (with a problem recorded) if it holds non-numbers."""
    if col not in frame.columns:
        return None
    series = frame[col]
    if pd.api.types.is_bool_dtype(series):
        out.append(_problem(table, f"column {col!r} must be numeric, got booleans ({_ids(frame, series.notna())})"))
        return None
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    conv = pd.to_numeric(series, errors="coerce")
    bad = conv.isna() & series.notna()
    if bad.any():
        out.append(_problem(
            table, f"column {col!r} must be numeric; got {_show(series[bad].unique().tolist())} "
                   f"({_ids(frame, bad)})"
        ))
        return None
    return conv.astype(float)


def _check_known_subjects(table: str, frame: pd.DataFrame, known: set[str] | None,
                          out: list[str]) -> None:
    """Report ids in ``frame['subject']`` that are not in the subjects table."""
    if known is None or "subject" not in frame.columns:
        return
    bad = frame["subject"].notna() & ~frame["subject"].astype(str).isin(known)
    if bad.any():
        out.append(_problem(
            table, f"column 'subject' has id(s) not in subjects: "
                   f"{_show(list(dict.fromkeys(frame.loc[bad, 'subject'].astype(str))))}"
        ))


def _check_after_last_contact(table: str, frame: pd.DataFrame, day: pd.Series,
                              last_contact: pd.Series, columns: list[str], noun: str,
                              out: list[str]) -> None:
    """Report rows dated after the subject's ``last_contact`` day (showing ``columns``)."""
    after = frame["subject"].astype(str).map(last_contact)
    bad = after.notna() & day.notna() & (day > after)
    if bad.any():
        what = frame.loc[bad, columns].head(5).to_dict("records")
        out.append(_problem(
            table, f"{int(bad.sum())} {noun} after the subject's last_contact: {_show(what)}"
        ))


def _row_values(frame: pd.DataFrame, mask: pd.Series, col: str) -> str:
    """``column 'col' ... row 3 (subject 'A') value 7, ...``: the rows, subjects and values."""
    shown = []
    for idx in frame.index[mask][:5]:
        who = f", subject {frame.at[idx, 'subject']!r}" if "subject" in frame.columns else ""
        value = frame.at[idx, col]
        value = value.item() if hasattr(value, "item") else value
        shown.append(f"row {idx}{who}: {value!r}")
    more = f", ... ({int(mask.sum())} in all)" if int(mask.sum()) > 5 else ""
    return f"column {col!r} ({'; '.join(shown)}{more})"


def _visit_key(label: Any) -> str:
    return " ".join(str(label).split()).casefold()


def visit_lookalikes(meas: pd.DataFrame) -> list[str]:
    """Visit labels that look like a misspelling of a much more common one ("wek 24" seen for 1
    patient beside "week 24" for 11): a note each, for a warning (such a label may also be a
    real visit, so it is not an error). Labels that differ only in their numbers ("week 4",
    "week 24") are different visits and are not reported.

    >>> import pandas as pd
    >>> m = pd.DataFrame({"subject": ["a", "b", "c", "a"], "visit": ["week 24"] * 3 + ["wek 24"]})
    >>> visit_lookalikes(m)
    ["measurements: visit 'wek 24' (1 patient) looks like a misspelling of 'week 24' (3 patients); it is analysed as a visit of its own"]
    """
    import difflib
    import re

    if "visit" not in meas.columns or "subject" not in meas.columns:
        return []
    counts = meas.dropna(subset=["visit"]).groupby(meas["visit"].dropna().astype(str))["subject"].nunique()
    notes = []
    for label, n in counts.items():
        common = [v for v, m in counts.items() if v != label and m >= max(3, 3 * n)]
        close = difflib.get_close_matches(label, common, n=1, cutoff=0.8)
        if close and re.sub(r"\d", "", label) != re.sub(r"\d", "", close[0]):
            m = int(counts[close[0]])
            notes.append(f"measurements: visit {label!r} ({int(n)} patient{'s' if n > 1 else ''}) "
                         f"looks like a misspelling of {close[0]!r} ({m} patients); it is analysed "
                         "as a visit of its own")
    return notes


def _check_visit_spellings(meas: pd.DataFrame, out: list[str]) -> None:
    """Visit labels equal up to case and spaces are one visit spelt two ways: report them."""
    labels = meas["visit"].dropna()
    spellings: dict[str, list] = {}
    for lab in dict.fromkeys(labels.tolist()):
        spellings.setdefault(_visit_key(lab), []).append(lab)
    for group in spellings.values():
        if len(group) < 2:
            continue
        parts = []
        for lab in group:
            ids = list(dict.fromkeys(meas.loc[meas["visit"] == lab, "subject"].astype(str)))
            parts.append(f"{lab!r} (subject {_show(ids, 5)})")
        out.append(_problem(
            "measurements", "column 'visit' spells one visit in more than one way (labels differ "
                            f"only in case or spaces): {' and '.join(parts)}; use one spelling"
        ))


def _validate_adverse_events(ae: pd.DataFrame, known: set | None, last_contact: pd.Series | None,
                             out: list[str]) -> None:
    t = "adverse_events"
    for col in ("subject", "term", "soc", "grade", "day"):
        if col in ae.columns:
            bad = ae[col].isna()
            if col in ("term", "soc"):
                bad |= ae[col].astype(str).str.strip().eq("")
            if bad.any():
                out.append(_problem(t, _row_values(ae, bad, col) + " is missing (every adverse "
                                    "event needs subject, term, soc, grade and day)"))
    grade = _numeric(t, ae, "grade", out)
    if grade is not None:
        bad = grade.notna() & ~grade.isin([1.0, 2.0, 3.0, 4.0, 5.0])
        if bad.any():
            out.append(_problem(t, _row_values(ae, bad, "grade") + " must be a whole number 1-5 "
                                "(CTCAE grade)"))
    day = _numeric(t, ae, "day", out)
    if day is not None:
        bad = day.notna() & ~np.isfinite(day)
        if bad.any():
            out.append(_problem(t, _row_values(ae, bad, "day") + " must be finite"))
    end = _numeric(t, ae, "end_day", out) if "end_day" in ae.columns else None
    if end is not None and day is not None:
        bad = end.notna() & day.notna() & (end < day)
        if bad.any():
            out.append(_problem(t, _row_values(ae, bad, "end_day") + " is before the AE's day"))
    for col in ("serious", "related"):
        if col in ae.columns and not pd.api.types.is_bool_dtype(ae[col]):
            bad = ae[col].notna() & ~ae[col].isin([True, False])
            if bad.any():
                out.append(_problem(t, _row_values(ae, bad, col) + " must be True/False (or empty)"))
    _check_known_subjects(t, ae, known, out)
    if last_contact is not None and day is not None and "subject" in ae.columns:
        _check_after_last_contact(t, ae, day, last_contact, ["subject", "term", "day"],
                                  "adverse event(s)", out)


def _validate_trial(trial: Trial) -> list[str]:
    out: list[str] = []
    subj, meas, ev, par = trial.subjects, trial.measurements, trial.events, trial.parameters
    ok_s = _check_table_columns("subjects", subj, SUBJECT_COLUMNS, out)
    ok_m = _check_table_columns("measurements", meas, MEASUREMENT_COLUMNS, out)
    ok_e = _check_table_columns("events", ev, EVENT_COLUMNS, out)
    ok_p = par is None or _check_table_columns("parameters", par, PARAMETER_COLUMNS, out)

    known: set | None = None
    if ok_s:
        _check_missing("subjects", subj, SUBJECT_COLUMNS, out)
        if len(subj) == 0:
            out.append(_problem("subjects", "is empty (0 rows)"))
        if "subject" in subj.columns:
            dup = subj["subject"].duplicated(keep=False) & subj["subject"].notna()
            if dup.any():
                out.append(_problem("subjects", f"column 'subject' has duplicated ids ({_ids(subj, dup)})"))
            known = set(subj["subject"].dropna().astype(str))
        if "sex" in subj.columns:
            bad = subj["sex"].notna() & ~subj["sex"].isin(["F", "M"])
            if bad.any():
                out.append(_problem(
                    "subjects", f"column 'sex' must be 'F' or 'M'; got "
                                f"{_show(subj.loc[bad, 'sex'].unique().tolist())} ({_ids(subj, bad)})"
                ))
        age = _numeric("subjects", subj, "age", out)
        if age is not None:
            bad = age.notna() & ((age < 0) | ~np.isfinite(age))
            if bad.any():
                out.append(_problem(
                    "subjects", f"column 'age' must be finite and >= 0; got {_show(age[bad].tolist())} "
                                f"({_ids(subj, bad)})"
                ))

    last_contact: pd.Series | None = None
    if ok_e:
        _check_missing("events", ev, ("subject", "day", "event"), out)
        day = _numeric("events", ev, "day", out)
        if day is not None:
            bad = day.notna() & ((day < 0) | ~np.isfinite(day))
            if bad.any():
                out.append(_problem(
                    "events", f"column 'day' must be finite and >= 0 (events happen on or after the infusion, day 0); "
                              f"got {_show(day[bad].tolist())} ({_ids(ev, bad)})"
                ))
        if "event" in ev.columns:
            bad = ev["event"].notna() & ~ev["event"].map(
                lambda e: isinstance(e, str) and _EVENT_NAME.fullmatch(e) is not None)
            if bad.any():
                out.append(_problem(
                    "events", f"column 'event' has invalid event name(s) "
                              f"{_show(ev.loc[bad, 'event'].unique().tolist())} ({_ids(ev, bad)}); "
                              f"an event name is lower-case letters, digits and '_', starting "
                              f"with a letter (e.g. {', '.join(KNOWN_EVENTS[:3])}, progression)"
                ))
        grade = _numeric("events", ev, "grade", out)
        if grade is not None:
            bad = grade.notna() & ~grade.isin([1.0, 2.0, 3.0, 4.0, 5.0])
            if bad.any():
                out.append(_problem(
                    "events", f"column 'grade' must be a whole number 1-5 (or empty); got "
                              f"{_show(grade[bad].tolist())} ({_ids(ev, bad)})"
                ))
            if "event" in ev.columns:
                miss = grade.isna() & ev["event"].isin(GRADED_EVENTS)
                if miss.any():
                    out.append(_problem(
                        "events", f"column 'grade' is missing for {int(miss.sum())} crs/icans event(s) "
                                  f"({_ids(ev, miss)})"
                    ))
        _check_known_subjects("events", ev, known, out)
        if "event" in ev.columns and "subject" in ev.columns and known is not None:
            lc = ev[ev["event"] == "last_contact"]
            counts = lc["subject"].astype(str).value_counts()
            ids = sorted(known, key=list(subj["subject"].astype(str)).index)
            none = [s for s in ids if counts.get(s, 0) == 0]
            many = [s for s in ids if counts.get(s, 0) > 1]
            if none:
                near = difflib.get_close_matches(
                    "last_contact", [e for e in set(ev["event"].dropna().astype(str))
                                     if e != "last_contact"], n=3, cutoff=0.8)
                hint = f"; events has {_show(sorted(near))}: a misspelling?" if near else ""
                out.append(_problem("events", f"no 'last_contact' event for subject {_show(none)}{hint}"))
            if many:
                out.append(_problem("events", f"more than one 'last_contact' event for subject {_show(many)}"))
            if day is not None:
                last_contact = (
                    pd.Series(day[lc.index].values, index=lc["subject"].astype(str).values)
                    .groupby(level=0).max()
                )
                _check_after_last_contact(
                    "events", ev, day, last_contact, ["subject", "event", "day"], "event(s)", out
                )

    if ok_m:
        _check_missing("measurements", meas, ("subject", "day", "visit", "parameter"), out)
        if "value" in meas.columns:
            nov = meas["value"].isna()
            if "value_text" in meas.columns:
                nov &= meas["value_text"].isna()
            if nov.any():
                out.append(_problem(
                    "measurements", f"column 'value' has {int(nov.sum())} missing value(s) "
                                    f"({_ids(meas, nov)})"
                    + (" without a value_text" if "value_text" in meas.columns else "")
                ))
        if "visit" in meas.columns:
            _check_visit_spellings(meas, out)
        day = _numeric("measurements", meas, "day", out)
        if day is not None:
            bad = day.notna() & ~np.isfinite(day)
            if bad.any():
                out.append(_problem("measurements", f"column 'day' must be finite ({_ids(meas, bad)})"))
        value = _numeric("measurements", meas, "value", out)
        if value is not None:
            bad = value.notna() & ~np.isfinite(value)
            if bad.any():
                out.append(_problem(
                    "measurements", f"column 'value' must be finite; got {_show(value[bad].tolist())} "
                                    f"({_ids(meas, bad)})"
                ))
        if "blq" in meas.columns:
            blq = meas["blq"]
            if not pd.api.types.is_bool_dtype(blq):
                bad = ~blq.isin([True, False, 0, 1]) | blq.isna()
                if bad.any():
                    out.append(_problem(
                        "measurements", f"column 'blq' must be True/False; got "
                                        f"{_show(blq[bad].unique().tolist())} ({_ids(meas, bad)})"
                    ))
        keys = ["subject", "day", "parameter"]
        if all(k in meas.columns for k in keys):
            dup = meas.duplicated(keys, keep=False)
            if dup.any():
                first = meas.loc[dup, keys].head(5).to_dict("records")
                out.append(_problem(
                    "measurements", f"{int(dup.sum())} rows share the same (subject, day, parameter): "
                                    f"{_show(first)}"
                ))
        _check_known_subjects("measurements", meas, known, out)
        if last_contact is not None and day is not None and "subject" in meas.columns:
            _check_after_last_contact(
                "measurements", meas, day, last_contact, ["subject", "day", "parameter"],
                "measurement(s)", out,
            )
        if {"parameter", "unit"}.issubset(meas.columns):
            units = meas.dropna(subset=["parameter"]).groupby("parameter")["unit"].agg(
                lambda u: sorted(set(u.dropna().astype(str)))
            )
            for pname, ulist in units.items():
                if len(ulist) > 1:
                    out.append(_problem(
                        "measurements", f"parameter {pname!r} has more than one unit: {_show(ulist)}"
                    ))
            if (par is not None and ok_p and "blq" in meas.columns and value is not None
                    and {"parameter", "lloq"}.issubset(par.columns)
                    and pd.api.types.is_bool_dtype(meas["blq"])):
                lloq = pd.to_numeric(par.set_index("parameter")["lloq"], errors="coerce")
                lloq = lloq[~lloq.index.duplicated()]
                want = meas["parameter"].map(lloq)
                bad = meas["blq"] & want.notna() & (value != want)
                if bad.any():
                    what = meas.loc[bad, ["subject", "parameter", "value"]].head(5).to_dict("records")
                    out.append(_problem(
                        "measurements", f"{int(bad.sum())} row(s) with blq=True whose value is not the "
                                        f"parameter's lloq: {_show(what)}"
                    ))
            if par is not None and ok_p and {"parameter", "unit"}.issubset(par.columns):
                pu = dict(zip(par["parameter"].astype(str), par["unit"], strict=False))
                undescribed = [p for p in units.index if p not in pu]
                if undescribed:
                    out.append(_problem(
                        "parameters", f"no row for parameter(s) {_show(undescribed)} used in measurements"
                    ))
                for pname, ulist in units.items():
                    want = pu.get(pname)
                    if want is not None and isinstance(want, str) and ulist and ulist != [want]:
                        out.append(_problem(
                            "measurements", f"column 'unit' of parameter {pname!r} is {_show(ulist)} "
                                            f"but parameters says {want!r}"
                        ))

    ae = trial.adverse_events
    if ae is not None and _check_table_columns("adverse_events", ae, ADVERSE_EVENT_COLUMNS, out):
        _validate_adverse_events(ae, known, last_contact, out)
    tte = trial.time_to_event_data
    if tte is not None and _check_table_columns("time_to_event_data", tte, TIME_TO_EVENT_COLUMNS, out):
        _check_missing("time_to_event_data", tte, TIME_TO_EVENT_COLUMNS, out)
        _check_known_subjects("time_to_event_data", tte, known, out)
        time = _numeric("time_to_event_data", tte, "time", out)
        if time is not None:
            bad = time.notna() & ((time < 0) | ~np.isfinite(time))
            if bad.any():
                out.append(_problem("time_to_event_data", _row_values(tte, bad, "time")
                                    + " must be finite and >= 0"))
        if "event" in tte.columns:
            bad = tte["event"].notna() & ~tte["event"].isin([0, 1])
            if bad.any():
                out.append(_problem("time_to_event_data", _row_values(tte, bad, "event")
                                    + " must be 0 (censored) or 1 (event)"))
        if {"endpoint", "subject"}.issubset(tte.columns):
            dup = tte.duplicated(["endpoint", "subject"], keep=False)
            if dup.any():
                out.append(_problem("time_to_event_data", "more than one record per (endpoint, "
                                    f"subject): {_show(tte.loc[dup, ['endpoint', 'subject']].head(5).to_dict('records'))}"))

    if par is not None and ok_p:
        _check_missing("parameters", par, ("parameter",), out)
        if "parameter" in par.columns:
            dup = par["parameter"].duplicated(keep=False) & par["parameter"].notna()
            if dup.any():
                out.append(_problem(
                    "parameters", f"column 'parameter' has duplicated names "
                                  f"{_show(par.loc[dup, 'parameter'].unique().tolist())}"
                ))
        for col in ("lower_limit", "upper_limit", "lloq"):
            _numeric("parameters", par, col, out)
    return out
