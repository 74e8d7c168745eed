"""ADaM tables (ADSL, ADLB, ADRS, ADTTE, ADAE) in and out of a :class:`~smalltrial.trial.Trial`,
and :func:`study_day`, the one place where CDISC study days (no day 0) and smalltrial days
(infusion = day 0) meet."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show
from smalltrial.trial.io import _check_folder, _find, _normalise, _read_table
from smalltrial.trial.model import (
    DAYS_PER_MONTH,
    EVENT_COLUMNS,
    EVENTS,
    MEASUREMENT_COLUMNS,
    Trial,
)


# ----------------------------------------------------------------------------- study days
def study_day(values: Any, *, to: str = "day") -> Any:
    """Convert between CDISC study days (no day 0) and smalltrial days (infusion = day 0).

    This is the one place where the two conventions meet. CDISC (SDTM/ADaM ``--DY``, ``ADY``,
    ``ASTDY``) counts the reference (infusion) date as study day 1 and the day before it as
    day -1; there is no day 0. smalltrial counts days from the infusion: the infusion day is
    day 0, the day before is day -1, the day after is day 1. So

    * ``to="day"``: ``day = ADY - 1`` for ``ADY >= 1`` and ``day = ADY`` for ``ADY <= -1``
      (``ADY = 0`` does not exist: SmallTrialError);
    * ``to="ady"``: ``ADY = day + 1`` for ``day >= 0`` and ``ADY = day`` for ``day < 0``.

    A time-to-event ``AVAL`` in ADTTE is a duration, not a study day, and is never converted.

    Parameters
    ----------
    values : number, sequence or pandas Series
        The days to convert (NaN stays NaN).
    to : {"day", "ady"}
        The convention to convert to.

    Returns the converted values, of the same kind (a Series keeps its index; whole numbers stay
    whole).

    Examples
    --------
    >>> study_day([-2, -1, 1, 2, 29])            # CDISC ADY -> smalltrial day
    [-2, -1, 0, 1, 28]
    >>> study_day([-2, -1, 0, 1, 28], to="ady")  # and back
    [-2, -1, 1, 2, 29]
    """
    if to not in ("day", "ady"):
        raise SmallTrialError(f"to must be 'day' or 'ady'; got {to!r}")
    scalar = not isinstance(values, (pd.Series, np.ndarray, list, tuple))
    series = pd.Series([values] if scalar else values)
    orig_index = series.index
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        num = pd.to_numeric(series, errors="coerce")
        bad = num.isna() & series.notna()
        if bad.any():
            raise SmallTrialError(
                f"study days must be numbers; got {_show(series[bad].tolist())}"
            )
        series = num
    series = series.astype(float)
    if to == "day":
        if (series == 0).any():
            raise SmallTrialError(
                "CDISC study day 0 does not exist (study day 1 is the reference/infusion day, "
                f"-1 the day before); got 0 at row {_show(series.index[series == 0].tolist())}"
            )
        out = series.where(series < 0, series - 1)
    else:
        out = series.where(series < 0, series + 1)
    whole = out.notna().all() and bool(np.isfinite(out).all()) and bool((out == np.floor(out)).all())
    if whole:
        out = out.astype(np.int64)
    out.index = orig_index
    if scalar:
        value = out.iloc[0]
        return value.item() if hasattr(value, "item") else value
    if isinstance(values, pd.Series):
        return out
    if isinstance(values, np.ndarray):
        return out.to_numpy()
    return out.tolist()


# ----------------------------------------------------------------------------- ADaM
#: ADTTE PARAMCD (upper case) -> the event name its events get in ``Trial.events``; any other
#: PARAMCD is lower-cased (``PFS`` -> ``pfs``). The endpoint itself keeps the lower-cased PARAMCD
#: in ``Trial.time_to_event_data`` (``OS`` -> endpoint ``os``, whose events are ``death``).
ADTTE_EVENTS: dict[str, str] = {
    "BCREC": "b_cell_reconstitution",
    "BCELLREC": "b_cell_reconstitution",
    "B_CELL_RECONSTITUTION": "b_cell_reconstitution",
    "REMISS": "remission",
    "REMISSION": "remission",
    "RELAPSE": "relapse",
    "CRS": "crs",
    "ICANS": "icans",
    "DEATH": "death",
    "OS": "death",
}
_TIME_UNITS = {"DAYS": 1.0, "DAY": 1.0, "D": 1.0, "WEEKS": 7.0, "WEEK": 7.0,
               "MONTHS": DAYS_PER_MONTH, "MONTH": DAYS_PER_MONTH, "YEARS": 365.25, "YEAR": 365.25}
#: CTCAE v5 defines grade 1 as mild, 2 moderate, 3 severe: the grade of an ADAE record that has
#: a severity (AESEV/ASEV) but no toxicity grade (ATOXGR/AETOXGR)
SEVERITY_GRADES: dict[str, int] = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
_RELATED = {"Y", "YES", "RELATED", "POSSIBLE", "PROBABLE", "DEFINITE", "POSSIBLY RELATED",
            "PROBABLY RELATED", "DEFINITELY RELATED"}
_UNRELATED = {"N", "NO", "NONE", "NOT RELATED", "UNRELATED", "UNLIKELY", "REMOTE",
              "UNLIKELY RELATED"}


def _adam_date(values: pd.Series) -> pd.Series:
    """ADaM dates: numeric values are SAS dates (days since 1960-01-01), text is ISO 8601."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_datetime(values, unit="D", origin="1960-01-01", errors="coerce")
    return pd.to_datetime(values, errors="coerce")


def _ady_days(frame: pd.DataFrame, table: str, col: str) -> pd.Series:
    """A CDISC study-day column as smalltrial days (:func:`study_day`), naming the table."""
    values = pd.to_numeric(frame[col], errors="coerce").astype(float)
    zero = values == 0
    if zero.any():
        raise SmallTrialError(
            f"{table}: column {col!r} contains 0, which CDISC study days never use (study day 1 "
            f"is the infusion day, -1 the day before); rows {_show(frame.index[zero].tolist())}"
        )
    return study_day(values)


def _record_days(frame: pd.DataFrame, table: str, dy: str, dt: str,
                 infusion: dict[str, pd.Timestamp]) -> pd.Series:
    """Days from infusion of each record: from the study day ``dy``, else date ``dt`` - TRTSDT."""
    days = _ady_days(frame, table, dy).astype(float) if dy in frame.columns else \
        pd.Series(np.nan, index=frame.index)
    if dt in frame.columns and days.isna().any():
        dates = _adam_date(frame[dt])
        ref = frame["USUBJID"].astype(str).map(infusion)
        from_dates = (dates - pd.to_datetime(ref)).dt.days
        days = days.where(days.notna(), from_dates)
    return days


def _whole(values: pd.Series) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce")
    if len(v) and v.notna().all() and np.isfinite(v).all() and (v == np.floor(v)).all():
        return v.astype(np.int64)
    return v.astype(float)


def _grade(values: pd.Series) -> pd.Series:
    """Toxicity grades that may be stored as numbers or text (``"3"``, ``"Grade 3"``)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    digits = values.astype(str).str.extract(r"(\d+)", expand=False)
    return pd.to_numeric(digits, errors="coerce").where(values.notna())


def _analysis_records(frame: pd.DataFrame) -> pd.DataFrame:
    """ADaM analysis records: ``ANL01FL == "Y"`` where the flag exists, else the records with a
    blank ``DTYPE`` (derived records such as LOCF or averages dropped), else all records."""
    if "ANL01FL" in frame.columns:
        return frame[frame["ANL01FL"].astype(str).str.strip().str.upper().eq("Y")]
    if "DTYPE" in frame.columns:
        dtype = frame["DTYPE"]
        return frame[dtype.isna() | dtype.astype(str).str.strip().eq("")]
    return frame


def _require(table: str, frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SmallTrialError(
            f"{path}: ADaM table {table} has no column {', '.join(map(repr, missing))}; "
            f"columns present: {', '.join(map(str, frame.columns))}"
        )


def _adam_measurements(frame: pd.DataFrame, table: str, infusion: dict) -> pd.DataFrame:
    """ADLB/ADRS analysis records as measurement rows (plus label/limits for ``parameters``)."""
    frame = _analysis_records(frame)
    day = _record_days(frame, table, "ADY", "ADT", infusion)
    visit = frame["AVISIT"] if "AVISIT" in frame.columns else pd.Series(np.nan, index=frame.index)
    fallback = day.map(lambda d: f"day {int(d) if float(d).is_integer() else d}"
                       if pd.notna(d) else "overall")
    value = pd.to_numeric(frame["AVAL"], errors="coerce") if "AVAL" in frame.columns else \
        pd.Series(np.nan, index=frame.index)
    out = pd.DataFrame({
        "subject": frame["USUBJID"].astype(str),
        "day": day,
        "visit": visit.where(visit.notna(), fallback),
        "parameter": frame["PARAMCD"].astype(str).str.lower(),
        "value": value.astype(float),
        "unit": frame["AVALU"] if "AVALU" in frame.columns else np.nan,
    })
    if "BLQFL" in frame.columns:
        out["blq"] = frame["BLQFL"].astype(str).str.upper().eq("Y")
    if "AVALC" in frame.columns:
        out["value_text"] = frame["AVALC"].where(frame["AVALC"].notna(), np.nan)
    out["_label"] = frame["PARAM"] if "PARAM" in frame.columns else out["parameter"]
    out["_lo"] = frame["ANRLO"] if "ANRLO" in frame.columns else np.nan
    out["_hi"] = frame["ANRHI"] if "ANRHI" in frame.columns else np.nan
    # a record copied to a second visit on the same day with the same result (e.g. "End of
    # Treatment" repeating the last scheduled visit) is one measurement: keep the first visit
    # (by AVISITN where present); differing results on one day are left for validate to report
    if "AVISITN" in frame.columns:
        out = out.assign(_n=pd.to_numeric(frame["AVISITN"], errors="coerce").to_numpy())
        out = out.sort_values("_n", kind="stable", na_position="last").drop(columns="_n")
    key = ["subject", "day", "parameter", "value"] + (["value_text"] if "value_text" in out else [])
    out = out[~out.fillna({"value": -np.inf}).duplicated(key)].sort_index(kind="stable")
    return out.reset_index(drop=True)


def _adam_adverse_events(adae: pd.DataFrame, infusion: dict, folder: Path) -> pd.DataFrame:
    term_col = next((c for c in ("AEDECOD", "AETERM") if c in adae.columns), None)
    soc_col = next((c for c in ("AEBODSYS", "AESOC") if c in adae.columns), None)
    if term_col is None or soc_col is None:
        _require("ADAE", adae, ["AEDECOD" if term_col is None else term_col,
                                "AEBODSYS" if soc_col is None else soc_col], folder)
    if "TRTEMFL" in adae.columns:
        adae = adae[adae["TRTEMFL"].astype(str).str.strip().str.upper().eq("Y")]
    grade_col = next((c for c in ("ATOXGR", "AETOXGR", "ATOXGRN") if c in adae.columns), None)
    sev_col = next((c for c in ("ASEV", "AESEV") if c in adae.columns), None)
    if grade_col is not None:
        grade = _grade(adae[grade_col])
    else:
        grade = pd.Series(np.nan, index=adae.index)
    if sev_col is not None:
        from_sev = adae[sev_col].astype(str).str.strip().str.upper().map(SEVERITY_GRADES)
        grade = grade.where(grade.notna(), from_sev)
    day = _record_days(adae, "ADAE", "ASTDY", "ASTDT", infusion)
    if day.isna().any() and "AESTDY" in adae.columns:
        day = day.where(day.notna(), _ady_days(adae, "ADAE", "AESTDY").astype(float))
    out = pd.DataFrame({
        "subject": adae["USUBJID"].astype(str),
        "term": adae[term_col],
        "soc": adae[soc_col],
        "grade": grade,
        "day": day,
    })
    if "AENDY" in adae.columns or "AENDT" in adae.columns:
        out["end_day"] = _record_days(adae, "ADAE", "AENDY", "AENDT", infusion)
    if "AESER" in adae.columns:
        out["serious"] = adae["AESER"].astype(str).str.strip().str.upper().map({"Y": True, "N": False})
    rel_col = next((c for c in ("AREL", "AEREL") if c in adae.columns), None)
    if rel_col is not None:
        rel = adae[rel_col].astype(str).str.strip().str.upper()
        out["related"] = rel.map(lambda r: True if r in _RELATED else (False if r in _UNRELATED else np.nan))
    if sev_col is not None:
        out["severity"] = adae[sev_col]
    out = out.reset_index(drop=True)
    for col in ("grade", "day", "end_day"):
        if col in out.columns:
            out[col] = _whole(out[col])
    for col in ("serious", "related"):
        if col in out.columns and out[col].isin([True, False]).all():
            out[col] = out[col].astype(bool)
    return out


def _whole_numbers(values: pd.Series) -> pd.Series:
    """SAS XPORT stores every number as a float: a numeric column of whole numbers only (NaN
    allowed only if none) comes back as integers, so 61.0 prints as 61 as in the CSV version."""
    if pd.api.types.is_float_dtype(values) and values.notna().all() and len(values) \
            and np.isfinite(values).all() and (values == np.round(values)).all():
        return values.astype(np.int64)
    return values


def read_adam(path: str | Path) -> Trial:
    """Read ADaM tables (ADSL with any of ADLB, ADTTE, ADAE, ADRS) into a Trial.

    Files may be CSV, Parquet, Excel, SAS XPORT v5/v8 or .sas7bdat (see :func:`read_trial`).
    Mapping onto the data model (days: :func:`study_day` converts CDISC study days, which have
    no day 0, to days from infusion; dates count from ADSL ``TRTSDT``):

    * ADSL: ``USUBJID`` -> subject, ``SEX`` -> sex, ``AGE`` -> age, ``COHORT`` (else
      ``DISEASE``, ``ARM``, ``TRT01A``, ``TRT01P``) -> cohort, ``TRTSDT`` -> infusion_date;
      every other variable except dates (``*DT``, ``*DTM``, ``*TM``) is kept as a subjects
      column under its lower-cased name (``ECOGBL`` -> ``ecogbl``). Numeric columns holding
      only whole numbers become integers (XPORT stores every number as a float).
      Required: USUBJID, SEX, AGE.
    * ADLB (optional): the ADaM analysis records only: ``ANL01FL == "Y"`` where that flag
      exists, else records with a blank ``DTYPE`` (so several records per visit are not
      duplicates); a record repeated on another visit of the same day with the same result
      (an "End of Treatment" copy) is kept once, at its first visit (by ``AVISITN``). ``PARAMCD`` (lower-cased) -> parameter, ``AVAL`` -> value, ``AVALC`` ->
      value_text, ``ADY`` (else ``ADT``) -> day, ``AVISIT`` -> visit (``"day <d>"`` where
      missing), ``AVALU`` -> unit, ``BLQFL == "Y"`` -> blq; ``PARAM``, ``ANRLO``, ``ANRHI`` ->
      ``parameters``.
    * ADRS (optional): the same way (analysis records, ``PARAMCD`` lower-cased, e.g. ``bor``);
      ``AVALC`` (``"CR"``, ``"PR"``, ...) -> value_text, usable by a categorical response
      rule. A record without ADY/ADT (a subject-level best overall response) is placed on the
      subject's last-contact day with visit ``AVISIT`` (else ``"overall"``).
    * ADTTE (optional): each ``PARAMCD`` is an endpoint (lower-cased) in
      ``Trial.time_to_event_data`` with ``time = AVAL`` (converted to days from ``AVALU``:
      days by default, weeks 7, months 30.4375, years 365.25) and ``event = 1 - CNSR``, its own
      censoring kept exactly; ``survival.time_to_event(trial, "pfs")`` returns these records.
      Records with ``CNSR == 0`` also become events (named by :data:`ADTTE_EVENTS`, else the
      lower-cased PARAMCD; grade from ``ATOXGR``/``AGRADE``) on day ``ADT - TRTSDT`` when both
      dates exist, else on day AVAL. (ADaM durations are usually ``ADT - STARTDT + 1``, so an
      event day is typically AVAL - 1: use the endpoint, not the event, for the ADTTE analysis.)
    * ADAE (optional) -> ``adverse_events``: treatment-emergent records only where ``TRTEMFL``
      exists; ``AEDECOD`` (else AETERM) -> term, ``AEBODSYS`` (else AESOC) -> soc, grade from
      ``ATOXGR``/``AETOXGR`` (text such as ``"Grade 3"`` accepted; without them, from severity by
      the CTCAE v5 wording :data:`SEVERITY_GRADES`: mild 1, moderate 2, severe 3), ``ASTDY``
      (else ASTDT, AESTDY) -> day, ``AENDY``/``AENDT`` -> end_day, ``AESER`` -> serious,
      ``AREL``/``AEREL`` -> related, ``ASEV``/``AESEV`` -> severity.
    * ``last_contact`` per subject: the latest of ``LSTALVDT - TRTSDT`` (when ADSL has both;
      else the latest ADTTE censoring day) and every dated record of the subject (ADTTE event
      days, measurement and adverse-event start days), so that it is on or after all of them.

    Raises SmallTrialError naming the path when the folder, ADSL or a required column is missing,
    or naming the table and column for a CDISC study day 0.

    Examples
    --------
    >>> import tempfile, smalltrial as st
    >>> folder = st.datasets.load("mackensen2022").to_adam(tempfile.mkdtemp())
    >>> st.trial.read_adam(folder).n_subjects
    5
    """
    folder = _check_folder(path)
    adsl_path = _find(folder, "adsl")
    if adsl_path is None:
        raise SmallTrialError(f"{folder}: no ADSL table (expected adsl.csv, .parquet, .xpt, "
                              ".sas7bdat or .xlsx)")
    adsl = _read_table(adsl_path)
    _require("ADSL", adsl, ["USUBJID", "SEX", "AGE"], folder)
    cohort_col = next((c for c in ("COHORT", "DISEASE", "ARM", "TRT01A", "TRT01P")
                       if c in adsl.columns), None)
    ids = adsl["USUBJID"].astype(str)
    subjects = pd.DataFrame({
        "subject": ids,
        "cohort": adsl[cohort_col] if cohort_col else np.nan,
        "sex": adsl["SEX"],
        "age": _whole_numbers(adsl["AGE"]),
    })
    # every other ADSL variable is a baseline column of its own (lower-cased name, e.g. ECOGBL
    # -> ecogbl), so Table 1 can show it; dates are left out (TRTSDT becomes infusion_date)
    mapped = {"USUBJID", "SEX", "AGE", "TRTSDT", cohort_col}
    for col in adsl.columns:
        if col in mapped or col.lower() in subjects.columns or str(col).upper().endswith(("DT", "DTM", "TM")):
            continue
        subjects[str(col).lower()] = _whole_numbers(adsl[col]).to_numpy()
    infusion: dict[str, pd.Timestamp] = {}
    if "TRTSDT" in adsl.columns:
        trt = _adam_date(adsl["TRTSDT"])
        subjects["infusion_date"] = trt.dt.strftime("%Y-%m-%d")
        infusion = {s: d for s, d in zip(ids, trt, strict=True) if pd.notna(d)}

    parts = []
    for table in ("adlb", "adrs"):
        p = _find(folder, table)
        if p is not None:
            frame = _read_table(p)
            _require(table.upper(), frame, ["USUBJID", "PARAMCD"]
                     + (["AVAL"] if table == "adlb" else []), folder)
            if table == "adlb" and "ADY" not in frame.columns and "ADT" not in frame.columns:
                _require("ADLB", frame, ["ADY"], folder)
            parts.append(_adam_measurements(frame, table.upper(), infusion))
    if parts:
        allm = pd.concat(parts, ignore_index=True)
        parameters = pd.DataFrame({
            "parameter": allm["parameter"], "label": allm["_label"], "unit": allm["unit"],
            "lower_limit": allm["_lo"], "upper_limit": allm["_hi"], "lloq": np.nan,
        }).drop_duplicates("parameter").reset_index(drop=True)
        measurements = allm.drop(columns=["_label", "_lo", "_hi"])
    else:
        measurements = pd.DataFrame({c: pd.Series(dtype=object) for c in MEASUREMENT_COLUMNS})
        parameters = None

    events_rows: list[dict] = []
    censor_last: dict[str, float] = {}
    tte = None
    adtte_path = _find(folder, "adtte")
    if adtte_path is not None:
        adtte = _read_table(adtte_path)
        _require("ADTTE", adtte, ["USUBJID", "PARAMCD", "AVAL", "CNSR"], folder)
        units = adtte["AVALU"].astype(str).str.upper() if "AVALU" in adtte.columns else pd.Series("DAYS", index=adtte.index)
        units = units.where(adtte["AVALU"].notna(), "DAYS") if "AVALU" in adtte.columns else units
        unknown = sorted(set(units[~units.isin(list(_TIME_UNITS))]))
        if unknown:
            raise SmallTrialError(f"{folder}: ADTTE column 'AVALU' has unknown time unit(s) {_show(unknown)}")
        aval = pd.to_numeric(adtte["AVAL"], errors="coerce") * units.map(_TIME_UNITS)
        cnsr = pd.to_numeric(adtte["CNSR"], errors="coerce")
        tte = pd.DataFrame({
            "endpoint": adtte["PARAMCD"].astype(str).str.strip().str.lower(),
            "subject": adtte["USUBJID"].astype(str),
            "time": aval.astype(float),
            "event": 1 - cnsr,
        }).reset_index(drop=True)
        tte["event"] = _whole(tte["event"])
        day = aval.astype(float)
        if "ADT" in adtte.columns and infusion:
            adt = _adam_date(adtte["ADT"])
            from_dates = (adt - pd.to_datetime(adtte["USUBJID"].astype(str).map(infusion))).dt.days
            day = from_dates.where(from_dates.notna(), day).astype(float)
        grade_col = next((c for c in ("ATOXGR", "AGRADE", "GRADE") if c in adtte.columns), None)
        grade = _grade(adtte[grade_col]) if grade_col else pd.Series(np.nan, index=adtte.index)
        for i in adtte.index:
            sid = str(adtte.at[i, "USUBJID"])
            t = float(day.loc[i])
            if cnsr.loc[i] == 0:
                code = str(adtte.at[i, "PARAMCD"]).strip().upper()
                events_rows.append({"subject": sid, "day": t,
                                    "event": ADTTE_EVENTS.get(code, code.lower()),
                                    "grade": float(grade.loc[i])})
            elif not math.isnan(t):
                censor_last[sid] = max(censor_last.get(sid, -math.inf), t)

    adverse = None
    adae_path = _find(folder, "adae")
    if adae_path is not None:
        adae = _read_table(adae_path)
        _require("ADAE", adae, ["USUBJID"], folder)
        adverse = _adam_adverse_events(adae, infusion, folder)

    # last contact: LSTALVDT (else censoring days) and every dated record of the subject
    last: dict[str, float] = {}
    if {"LSTALVDT", "TRTSDT"}.issubset(adsl.columns):
        lst = _adam_date(adsl["LSTALVDT"])
        for sid, a in zip(ids, lst, strict=True):
            if pd.notna(a) and sid in infusion:
                last[sid] = float((a - infusion[sid]).days)
    else:
        last.update(censor_last)

    def later(sid: str, day: Any) -> None:
        if pd.notna(day) and math.isfinite(float(day)):
            last[sid] = max(last.get(sid, -math.inf), float(day))

    for row in events_rows:
        later(row["subject"], row["day"])
    for sid, day in zip(measurements["subject"], measurements["day"], strict=True):
        later(sid, day)
    if adverse is not None:
        for sid, day in zip(adverse["subject"], adverse["day"], strict=True):
            later(sid, day)
    if len(measurements) and measurements["day"].isna().any():  # subject-level records (BOR)
        miss = measurements["day"].isna()
        measurements.loc[miss, "day"] = measurements.loc[miss, "subject"].map(last)
    measurements["day"] = _whole(measurements["day"]) if len(measurements) else measurements["day"]
    for sid in ids:
        if sid in last:
            events_rows.append({"subject": sid, "day": last[sid], "event": "last_contact",
                                "grade": np.nan})
    events = pd.DataFrame(events_rows, columns=list(EVENT_COLUMNS))
    if len(events):
        order = {e: i for i, e in enumerate(EVENTS)}
        order["last_contact"] = len(EVENTS) + 1  # other names before the last contact of a day
        events = events.assign(_o=events["event"].map(order).fillna(len(EVENTS)))
        events = events.sort_values(["subject", "day", "_o"], kind="stable").drop(columns="_o")
        events = events.reset_index(drop=True)
    events["grade"] = events["grade"].astype(float)
    events["day"] = events["day"].astype(float)
    desc_path = folder / "description.md"
    description = desc_path.read_text(encoding="utf-8") if desc_path.is_file() else ""
    subjects, measurements, events, parameters = _normalise(subjects, measurements, events, parameters)
    return Trial(subjects, measurements, events, parameters, description, name=folder.name,
                 adverse_events=adverse, time_to_event_data=tte)


# ----------------------------------------------------------------------------- writing ADaM
def _to_adam(trial: Trial, path: str | Path) -> Path:
    """:meth:`Trial.to_adam` (ADaM-style adsl/adlb/adtte/adae CSV files)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    subj = trial.subjects
    adsl = pd.DataFrame({"USUBJID": subj["subject"], "SEX": subj["sex"], "AGE": subj["age"],
                         "COHORT": subj["cohort"]})
    if "infusion_date" in subj.columns:
        adsl["TRTSDT"] = subj["infusion_date"]
    adsl.to_csv(folder / "adsl.csv", index=False, lineterminator="\n")
    meas = trial.measurements
    day = meas["day"]
    adlb = pd.DataFrame({
        "USUBJID": meas["subject"],
        "PARAMCD": meas["parameter"].str.upper(),
        "AVAL": meas["value"],
        "AVALU": meas["unit"],
        "ADY": study_day(day, to="ady"),
        "AVISIT": meas["visit"],
    })
    if "blq" in meas.columns:
        adlb["BLQFL"] = np.where(meas["blq"].astype(bool), "Y", "")
    if trial.parameters is not None:
        labels = dict(zip(trial.parameters["parameter"], trial.parameters["label"], strict=False))
        adlb.insert(2, "PARAM", meas["parameter"].map(labels))
    adlb.to_csv(folder / "adlb.csv", index=False, lineterminator="\n")
    last = trial.follow_up_days()
    rows = []
    kinds = [e for e in EVENTS if e != "last_contact"]
    for sid in subj["subject"]:
        ev = trial.events[trial.events["subject"] == sid]
        for kind in kinds:
            hit = ev[ev["event"] == kind].sort_values("day", kind="stable")
            if len(hit):
                rows.append((sid, kind.upper(), hit["day"].iloc[0], 0, hit["grade"].iloc[0]))
            else:
                rows.append((sid, kind.upper(), last.loc[sid], 1, np.nan))
    adtte = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVAL", "CNSR", "ATOXGR"])
    adtte["AVALU"] = "DAYS"
    adtte.to_csv(folder / "adtte.csv", index=False, lineterminator="\n")
    ae = trial.adverse_events
    if len(ae):
        adae = pd.DataFrame({"USUBJID": ae["subject"], "AEDECOD": ae["term"],
                             "AEBODSYS": ae["soc"], "ATOXGR": ae["grade"],
                             "ASTDY": study_day(ae["day"], to="ady")})
        if "end_day" in ae.columns:
            adae["AENDY"] = study_day(ae["end_day"], to="ady")
        if "serious" in ae.columns:
            adae["AESER"] = ae["serious"].map({True: "Y", False: "N"})
        if "related" in ae.columns:
            adae["AREL"] = ae["related"].map({True: "RELATED", False: "NOT RELATED"})
        if "severity" in ae.columns:
            adae["AESEV"] = ae["severity"]
        adae.to_csv(folder / "adae.csv", index=False, lineterminator="\n")
    return folder
