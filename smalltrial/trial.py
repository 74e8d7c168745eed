"""The trial data model: :class:`Trial`, its validation, and loaders (CSV/Parquet folders, ADaM).

A :class:`Trial` holds four tidy pandas DataFrames (vocabulary fixed in DEVELOPING.md):

* ``subjects``: one row per patient: ``subject`` (str), ``cohort``, ``sex`` (``F``/``M``),
  ``age`` (years), optional ``infusion_date`` and further baseline columns;
* ``measurements`` (long): ``subject, day, visit, parameter, value, unit`` and an optional bool
  ``blq`` (below the lower limit of quantification; ``value`` then holds the LLOQ). ``day`` counts
  from the CAR-T infusion (day 0); screening/baseline values have ``day <= 0``;
* ``events``: ``subject, day, event, grade`` with ``event`` one of :data:`EVENTS`; ``grade`` is NaN
  where it does not apply; every subject has exactly one ``last_contact``;
* ``parameters`` (optional): ``parameter, label, unit, lower_limit, upper_limit, lloq``;

plus a free-text ``description`` saying how the data were made (the bundled example trials are
SYNTHETIC, see :mod:`smalltrial.datasets`).

This module is loaded lazily (``smalltrial.trial`` or ``smalltrial.Trial``), so it imports pandas.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show, describe_rows

__all__ = [
    "Trial",
    "read_trial",
    "read_adam",
    "EVENTS",
    "SUBJECT_COLUMNS",
    "MEASUREMENT_COLUMNS",
    "EVENT_COLUMNS",
    "PARAMETER_COLUMNS",
    "DAYS_PER_MONTH",
]

#: the event vocabulary of ``Trial.events["event"]``
EVENTS: tuple[str, ...] = (
    "b_cell_reconstitution",
    "remission",
    "relapse",
    "crs",
    "icans",
    "death",
    "last_contact",
)
#: events whose ``grade`` must be given (1-5, ASTCT 2019)
GRADED_EVENTS: tuple[str, ...] = ("crs", "icans")
SUBJECT_COLUMNS: tuple[str, ...] = ("subject", "cohort", "sex", "age")
MEASUREMENT_COLUMNS: tuple[str, ...] = ("subject", "day", "visit", "parameter", "value", "unit")
EVENT_COLUMNS: tuple[str, ...] = ("subject", "day", "event", "grade")
PARAMETER_COLUMNS: tuple[str, ...] = (
    "parameter",
    "label",
    "unit",
    "lower_limit",
    "upper_limit",
    "lloq",
)
#: one month in days when follow-up is converted to months (365.25 / 12)
DAYS_PER_MONTH = 30.4375

_TABLES = ("subjects", "measurements", "events", "parameters")
_FORMATS = (".csv", ".parquet", ".pq", ".xpt")


# ----------------------------------------------------------------------------- the data model
@dataclasses.dataclass(frozen=True, repr=False, eq=False)
class Trial:
    """A small clinical trial: subjects, long-format measurements, events and lab parameters.

    The dataclass is frozen (the attributes cannot be rebound); the DataFrames themselves are
    ordinary pandas objects, so use :meth:`copy` before modifying them. Construction never
    raises on bad content: call :meth:`validate` (the loaders and ``datasets.load`` do).

    Parameters
    ----------
    subjects, measurements, events : pandas.DataFrame
        The three tables described in the module docstring.
    parameters : pandas.DataFrame, optional
        Reference limits and LLOQ of the lab parameters.
    description : str
        How the data were made (the bundled example trials are SYNTHETIC).
    name : str
        A short name (the folder or dataset name).

    Examples
    --------
    >>> import smalltrial as st
    >>> trial = st.datasets.load("mackensen2022")   # SYNTHETIC example data
    >>> trial.subjects["cohort"].value_counts().to_dict()
    {'SLE': 5}
    >>> trial.validate()
    []
    """

    subjects: pd.DataFrame
    measurements: pd.DataFrame
    events: pd.DataFrame
    parameters: pd.DataFrame | None = None
    description: str = ""
    name: str = ""

    # -- basic helpers -------------------------------------------------------------------------
    def copy(self) -> Trial:
        """A deep copy (the DataFrames are copied too).

        Examples
        --------
        >>> import smalltrial as st
        >>> trial = st.datasets.load("mackensen2022")
        >>> clone = trial.copy()
        >>> clone.subjects is trial.subjects, clone.subjects.equals(trial.subjects)
        (False, True)
        """
        return Trial(
            subjects=self.subjects.copy(),
            measurements=self.measurements.copy(),
            events=self.events.copy(),
            parameters=None if self.parameters is None else self.parameters.copy(),
            description=self.description,
            name=self.name,
        )

    @property
    def n_subjects(self) -> int:
        """Number of subjects (rows of ``subjects``).

        Examples
        --------
        >>> import smalltrial as st
        >>> st.datasets.load("muller2024").n_subjects
        15
        """
        return len(self.subjects)

    def __repr__(self) -> str:
        lines = [f"Trial {self.name!r}" if self.name else "Trial"]
        if "synthetic" in self.description.lower():
            lines[0] += " (SYNTHETIC data)"
        subj = self.subjects
        if "cohort" in subj.columns:
            counts = subj["cohort"].value_counts(sort=False)
            by = ", ".join(f"{k} {v}" for k, v in counts.items())
            lines.append(f"  subjects:     {len(subj)} ({by})")
        else:
            lines.append(f"  subjects:     {len(subj)}")
        meas = self.measurements
        if {"visit", "parameter"}.issubset(meas.columns):
            visits = self.visits()
            shown = ", ".join(visits[:12]) + (f", ... ({len(visits)} in all)" if len(visits) > 12 else "")
            params = list(dict.fromkeys(meas["parameter"].astype(str)))
            items = [q for q in params if q.startswith("sledai_")]
            if items:  # the SLEDAI-2K item rows, collapsed
                params = [q for q in params if q not in items] + [f"sledai_<{len(items)} items>"]
            pshown = ", ".join(params[:14]) + (f", ... ({len(params)} in all)" if len(params) > 14 else "")
            lines.append(f"  measurements: {len(meas)} rows")
            lines.append(f"  visits:       {shown}")
            lines.append(f"  parameters:   {pshown}")
        if "event" in self.events.columns:
            counts = self.events["event"].value_counts().sort_index()
            lines.append("  events:       " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return "\n".join(lines)

    # -- accessors -----------------------------------------------------------------------------
    def visits(self) -> list[str]:
        """Visit labels ordered by their median day (ties by first appearance).

        Examples
        --------
        >>> import smalltrial as st
        >>> st.datasets.load("mackensen2022").visits()[:5]
        ['baseline', 'day 3', 'day 7', 'day 10', 'day 14']
        """
        meas = self.measurements
        if len(meas) == 0:
            return []
        med = meas.groupby("visit", sort=False)["day"].median()
        return [str(v) for v in med.sort_values(kind="stable").index]

    def parameter(self, name: str, *, wide: bool = True, by: str = "visit") -> pd.DataFrame:
        """The values of one parameter.

        Parameters
        ----------
        name : str
            A value of ``measurements["parameter"]``, e.g. ``"sledai2k"``.
        wide : bool
            ``True`` (default): one row per subject, one column per visit (ordered by day),
            NaN where not measured. ``False``: the long rows ``subject, day, visit, value[, blq]``.
        by : {"visit", "day"}
            Column labels of the wide table.

        Examples
        --------
        >>> import smalltrial as st
        >>> float(st.datasets.load("mackensen2022").parameter("sledai2k")["baseline"].median())
        16.0
        """
        meas = self.measurements
        rows = meas[meas["parameter"] == name]
        if len(rows) == 0:
            known = list(dict.fromkeys(meas["parameter"].astype(str)))
            raise SmallTrialError(
                f"parameter {name!r} is not in measurements; parameters present: {_show(known, 30)}"
            )
        cols = [c for c in ("subject", "day", "visit", "value", "blq") if c in rows.columns]
        long = rows[cols].sort_values(["subject", "day"], kind="stable").reset_index(drop=True)
        if not wide:
            return long
        if by not in ("visit", "day"):
            raise SmallTrialError(f"by must be 'visit' or 'day'; got {by!r}")
        dup = long.duplicated(["subject", by], keep=False)
        if dup.any():
            first = long.loc[dup, ["subject", by]].head(5).to_dict("records")
            raise SmallTrialError(
                f"parameter {name!r} has more than one value per (subject, {by}): {_show(first)}; "
                f"use wide=False, or by='day'"
            )
        table = long.pivot(index="subject", columns=by, values="value")
        if by == "visit":
            order = [v for v in self.visits() if v in table.columns]
            table = table[order]
        table.columns.name = by
        return table

    def event_days(self, event: str) -> pd.Series:
        """First day of ``event`` per subject (NaN where it did not occur), indexed by subject.

        Parameters
        ----------
        event : str
            One of :data:`EVENTS` (``"remission"``, ``"relapse"``, ``"crs"``, ...).

        Examples
        --------
        >>> import smalltrial as st
        >>> st.datasets.load("mackensen2022").event_days("remission").to_dict()
        {'MK01': 60.0, 'MK02': 90.0, 'MK03': 60.0, 'MK04': 90.0, 'MK05': 90.0}
        """
        if event not in EVENTS:
            raise SmallTrialError(f"event must be one of {', '.join(map(repr, EVENTS))}; got {event!r}")
        ev = self.events[self.events["event"] == event]
        first = ev.groupby("subject")["day"].min()
        out = pd.Series(np.nan, index=pd.Index(self.subjects["subject"], name="subject"), name=event)
        out.loc[first.index.intersection(out.index)] = first.astype(float)
        return out

    def follow_up_days(self) -> pd.Series:
        """Day of ``last_contact`` per subject (the follow-up from infusion), indexed by subject.

        Examples
        --------
        >>> import smalltrial as st
        >>> st.datasets.load("mackensen2022").follow_up_days().tolist()
        [244.0, 518.0, 335.0, 153.0, 214.0]
        """
        return self.event_days("last_contact").rename("follow_up_days")

    def follow_up_months(self) -> pd.Series:
        """Follow-up in months: ``last_contact`` day / 30.4375 (unrounded).

        A month is 365.25 / 12 = 30.4375 days (:data:`DAYS_PER_MONTH`).

        Examples
        --------
        >>> import smalltrial as st
        >>> months = st.datasets.load("mackensen2022").follow_up_months()
        >>> float(months.median()), float(months.min()), float(months.max())  # 8 (5-17) rounded
        (8.016427104722792, 5.026694045174538, 17.018480492813143)
        """
        return (self.follow_up_days() / DAYS_PER_MONTH).rename("follow_up_months")

    def subset(self, *, cohort: str | Sequence[str] | None = None,
               subjects: Iterable[str] | None = None) -> Trial:
        """A new Trial restricted to a cohort (or cohorts) and/or a list of subject ids.

        Parameters
        ----------
        cohort : str or sequence of str, optional
            Keep the subjects of this cohort (or these cohorts), e.g. ``"SLE"``.
        subjects : iterable of str, optional
            Keep these subject ids (both filters apply when both are given).

        The measurements and events of the other subjects are dropped; ``parameters``,
        ``description`` and ``name`` are kept. Unknown cohorts or subject ids are an error.

        Examples
        --------
        >>> import smalltrial as st
        >>> trial = st.datasets.load("muller2024")
        >>> trial.subset(cohort="SLE").n_subjects, trial.subset(cohort=["IIM", "SSc"]).n_subjects
        (8, 7)
        """
        keep = pd.Series(True, index=self.subjects.index)
        if cohort is not None:
            wanted = [cohort] if isinstance(cohort, str) else list(cohort)
            unknown = sorted(set(wanted) - set(self.subjects["cohort"]))
            if unknown:
                raise SmallTrialError(
                    f"cohort {_show(unknown)} not in subjects; cohorts present: "
                    f"{_show(sorted(set(self.subjects['cohort'])))}"
                )
            keep &= self.subjects["cohort"].isin(wanted)
        if subjects is not None:
            wanted_ids = [str(s) for s in subjects]
            unknown = [s for s in wanted_ids if s not in set(self.subjects["subject"])]
            if unknown:
                raise SmallTrialError(
                    f"subjects: {_show(unknown)} not in the trial's subjects (e.g. "
                    f"{_show(self.subjects['subject'].tolist(), 3)})"
                )
            keep &= self.subjects["subject"].isin(wanted_ids)
        ids = set(self.subjects.loc[keep, "subject"])
        return Trial(
            subjects=self.subjects[keep].reset_index(drop=True),
            measurements=self.measurements[self.measurements["subject"].isin(ids)].reset_index(drop=True),
            events=self.events[self.events["subject"].isin(ids)].reset_index(drop=True),
            parameters=None if self.parameters is None else self.parameters.copy(),
            description=self.description,
            name=self.name,
        )

    # -- validation ----------------------------------------------------------------------------
    def validate(self, raise_on_error: bool = True) -> list[str]:
        """Check the whole trial and report every problem at once.

        Checks: required columns; numeric ``day``/``value``/``age``/``grade`` and bool ``blq``;
        no missing values where not allowed; unique subject ids; ``sex`` in F/M; unique
        ``(subject, day, parameter)`` rows; subjects in measurements/events that are not in
        subjects; event names outside :data:`EVENTS`; negative event days; ``grade`` outside 1-5
        (and missing grades of crs/icans); exactly one ``last_contact`` per subject; events and
        measurements after ``last_contact``; one unit per parameter (matching ``parameters``).

        Parameters
        ----------
        raise_on_error : bool
            If True (default) and problems were found, raise one :class:`SmallTrialError` whose
            message lists them all (one per line). If False, just return them.

        Returns
        -------
        list of str
            The problems, each naming the table, the column, the offending value(s) and the first
            few subject ids; empty when the trial is valid.

        Examples
        --------
        >>> import smalltrial as st
        >>> st.datasets.load("muller2024").validate()
        []
        """
        problems = _validate_trial(self)
        if problems and raise_on_error:
            raise SmallTrialError(
                f"trial {self.name or ''} has {len(problems)} problem(s):\n"
                + "\n".join(f"  - {p}" for p in problems)
            )
        return problems

    # -- writing -------------------------------------------------------------------------------
    def to_folder(self, path: str | Path, *, format: str = "csv") -> Path:
        """Write the tables to ``path/<table>.csv`` (or ``.parquet``) and ``description.md``.

        Parameters
        ----------
        path : str or Path
            The folder (created if needed).
        format : {"csv", "parquet"}
            ``"parquet"`` needs pyarrow (not a dependency).

        Returns the folder path. ``read_trial(path)`` reads it back.

        Examples
        --------
        >>> import tempfile
        >>> import smalltrial as st
        >>> trial = st.datasets.load("mackensen2022")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = trial.to_folder(tmp)
        ...     print(sorted(p.name for p in folder.iterdir()))
        ...     print(read_trial(folder).measurements.equals(trial.measurements))
        ['description.md', 'events.csv', 'measurements.csv', 'parameters.csv', 'subjects.csv']
        True
        """
        if format not in ("csv", "parquet"):
            raise SmallTrialError(f"format must be 'csv' or 'parquet'; got {format!r}")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for table in _TABLES:
            frame = getattr(self, table)
            if frame is None:
                continue
            if format == "csv":
                frame.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")
            else:
                _need_parquet()
                frame.to_parquet(folder / f"{table}.parquet", index=False)
        if self.description:
            (folder / "description.md").write_text(self.description, encoding="utf-8")
        return folder

    def to_adam(self, path: str | Path) -> Path:
        """Write ADaM-style ``adsl.csv``, ``adlb.csv`` and ``adtte.csv`` (see :func:`read_adam`).

        ADLB gets ``ADY`` with the CDISC convention (no day 0: infusion day = ADY 1); ADTTE gets
        one row per subject and event type (time to first event, ``CNSR = 1`` censored at last
        contact), with ``AVAL`` in days from infusion and the grade in ``ATOXGR``.

        Parameters
        ----------
        path : str or Path
            The folder (created if needed). Returns it.

        Examples
        --------
        >>> import tempfile
        >>> import smalltrial as st
        >>> trial = st.datasets.load("mackensen2022")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = trial.to_adam(tmp)
        ...     print(sorted(p.name for p in folder.iterdir()))
        ...     print(read_adam(folder).follow_up_days().equals(trial.follow_up_days()))
        ['adlb.csv', 'adsl.csv', 'adtte.csv']
        True
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        subj = self.subjects
        adsl = pd.DataFrame({"USUBJID": subj["subject"], "SEX": subj["sex"], "AGE": subj["age"],
                             "COHORT": subj["cohort"]})
        if "infusion_date" in subj.columns:
            adsl["TRTSDT"] = subj["infusion_date"]
        adsl.to_csv(folder / "adsl.csv", index=False, lineterminator="\n")
        meas = self.measurements
        day = meas["day"]
        adlb = pd.DataFrame({
            "USUBJID": meas["subject"],
            "PARAMCD": meas["parameter"].str.upper(),
            "AVAL": meas["value"],
            "AVALU": meas["unit"],
            "ADY": np.where(day >= 0, day + 1, day).astype(day.dtype),
            "AVISIT": meas["visit"],
        })
        if "blq" in meas.columns:
            adlb["BLQFL"] = np.where(meas["blq"].astype(bool), "Y", "")
        if self.parameters is not None:
            labels = dict(zip(self.parameters["parameter"], self.parameters["label"], strict=False))
            adlb.insert(2, "PARAM", meas["parameter"].map(labels))
        adlb.to_csv(folder / "adlb.csv", index=False, lineterminator="\n")
        last = self.follow_up_days()
        rows = []
        kinds = [e for e in EVENTS if e != "last_contact"]
        for sid in subj["subject"]:
            ev = self.events[self.events["subject"] == sid]
            for kind in kinds:
                hit = ev[ev["event"] == kind].sort_values("day", kind="stable")
                if len(hit):
                    rows.append((sid, kind.upper(), hit["day"].iloc[0], 0, hit["grade"].iloc[0]))
                else:
                    rows.append((sid, kind.upper(), last.loc[sid], 1, np.nan))
        adtte = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVAL", "CNSR", "ATOXGR"])
        adtte["AVALU"] = "DAYS"
        adtte.to_csv(folder / "adtte.csv", index=False, lineterminator="\n")
        return folder


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
            bad = ev["event"].notna() & ~ev["event"].isin(EVENTS)
            if bad.any():
                out.append(_problem(
                    "events", f"column 'event' has unknown event name(s) "
                              f"{_show(ev.loc[bad, 'event'].unique().tolist())} ({_ids(ev, bad)}); "
                              f"valid: {', '.join(EVENTS)}"
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
                out.append(_problem("events", f"no 'last_contact' event for subject {_show(none)}"))
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
        _check_missing("measurements", meas, ("subject", "day", "visit", "parameter", "value"), out)
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


# ----------------------------------------------------------------------------- reading
def _need_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        try:
            import fastparquet  # noqa: F401
        except ImportError:
            raise SmallTrialError(
                "reading or writing Parquet needs pyarrow (pip install pyarrow); "
                "or use CSV files"
            ) from None


def _find(folder: Path, stem: str) -> Path | None:
    """The file ``stem.<csv|parquet|pq|xpt>`` in ``folder`` (case-insensitive), or None."""
    hits = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.stem.lower() == stem and p.suffix.lower() in _FORMATS
    )
    if len(hits) > 1:
        raise SmallTrialError(
            f"{folder}: more than one file for table {stem!r}: {', '.join(p.name for p in hits)}"
        )
    return hits[0] if hits else None


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype={"subject": str, "USUBJID": str})
        if suffix in (".parquet", ".pq"):
            _need_parquet()
            return pd.read_parquet(path)
        frame = pd.read_sas(path, format="xport", encoding="utf-8")
        # IBM-float zero can come back as 16**-65 (~5.4e-79), the smallest IBM magnitude
        for col in frame.columns:
            if pd.api.types.is_float_dtype(frame[col]):
                tiny = frame[col].abs() < 1e-70
                if tiny.any():
                    frame.loc[tiny, col] = 0.0
        return frame
    except SmallTrialError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SmallTrialError(f"cannot read {path}: {exc}") from None


def _normalise(subjects: pd.DataFrame, measurements: pd.DataFrame, events: pd.DataFrame,
               parameters: pd.DataFrame | None) -> tuple:
    """Types the loaders agree on: ids as str, integer days as int64, bool blq, float grade."""
    for frame in (subjects, measurements, events):
        if "subject" in frame.columns:
            ids = frame["subject"]
            frame["subject"] = ids.where(ids.isna(), ids.astype(str))
    for frame in (measurements, events):
        if "day" in frame.columns and pd.api.types.is_float_dtype(frame["day"]):
            d = frame["day"]
            if d.notna().all() and np.isfinite(d).all() and (d == np.floor(d)).all():
                frame["day"] = d.astype(np.int64)
    if "blq" in measurements.columns and not pd.api.types.is_bool_dtype(measurements["blq"]):
        blq = measurements["blq"]
        mapping = {"True": True, "False": False, "true": True, "false": False, "TRUE": True,
                   "FALSE": False, 1: True, 0: False}
        mapped = blq.map(lambda v: mapping.get(v, v))
        if mapped.isin([True, False]).all():
            measurements["blq"] = mapped.astype(bool)
    if "grade" in events.columns and pd.api.types.is_numeric_dtype(events["grade"]):
        events["grade"] = events["grade"].astype(float)
    return subjects, measurements, events, parameters


def _check_folder(path: str | Path) -> Path:
    folder = Path(path)
    if not folder.exists():
        raise SmallTrialError(f"trial folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise SmallTrialError(f"{str(folder)!r} is not a folder (a trial is a folder of tables)")
    return folder


def read_trial(path: str | Path) -> Trial:
    """Read a trial from a folder of tables (CSV or Parquet), or of ADaM-style tables.

    The folder holds ``subjects``, ``measurements``, ``events`` and optionally ``parameters``
    (``.csv``, ``.parquet``; file names case-insensitive) and ``description.md``. A folder with
    ``adsl`` (and ``adlb`` / ``adtte``) instead is read by :func:`read_adam`.
    Reading does not validate: call :meth:`Trial.validate` (which reports every problem at once).

    Parameters
    ----------
    path : str or Path
        The folder.

    Raises
    ------
    SmallTrialError
        If the folder or a required table is missing (the message names the path).

    Examples
    --------
    >>> import tempfile, smalltrial as st
    >>> folder = st.datasets.load("mackensen2022").to_folder(tempfile.mkdtemp())
    >>> st.trial.read_trial(folder).n_subjects
    5
    """
    folder = _check_folder(path)
    found = {t: _find(folder, t) for t in _TABLES}
    if found["subjects"] is None and _find(folder, "adsl") is not None:
        return read_adam(folder)
    missing = [t for t in ("subjects", "measurements", "events") if found[t] is None]
    if missing:
        raise SmallTrialError(
            f"{folder}: no {', '.join(missing)} table (expected {', '.join(m + '.csv' for m in missing)} "
            f"or .parquet, or ADaM adsl/adlb/adtte files)"
        )
    subjects = _read_table(found["subjects"])
    measurements = _read_table(found["measurements"])
    events = _read_table(found["events"])
    parameters = _read_table(found["parameters"]) if found["parameters"] is not None else None
    desc_path = folder / "description.md"
    description = desc_path.read_text(encoding="utf-8") if desc_path.is_file() else ""
    subjects, measurements, events, parameters = _normalise(subjects, measurements, events, parameters)
    return Trial(subjects, measurements, events, parameters, description, name=folder.name)


# ----------------------------------------------------------------------------- ADaM
#: ADTTE PARAMCD (upper case) -> event name; any other PARAMCD is lower-cased and kept, so
#: ``validate`` reports it if it is not in the vocabulary.
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


def _adam_date(values: pd.Series) -> pd.Series:
    """ADaM dates: numeric values are SAS dates (days since 1960-01-01), text is ISO 8601."""
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_datetime(values, unit="D", origin="1960-01-01", errors="coerce")
    return pd.to_datetime(values, errors="coerce")


def _ady_to_day(ady: pd.Series, table: str) -> pd.Series:
    """CDISC study day (no day 0; ADY 1 = infusion day) -> days from infusion (day 0)."""
    values = pd.to_numeric(ady, errors="coerce")
    if (values == 0).any():
        raise SmallTrialError(
            f"{table}: column 'ADY' contains 0, which CDISC study days never use "
            "(ADY 1 is the infusion day, ADY -1 the day before)"
        )
    out = values.where(values < 0, values - 1)
    if out.notna().all() and (out == np.floor(out)).all():
        return out.astype(np.int64)
    return out


def _require(table: str, frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SmallTrialError(
            f"{path}: ADaM table {table} has no column {', '.join(map(repr, missing))}; "
            f"columns present: {', '.join(map(str, frame.columns))}"
        )


def read_adam(path: str | Path) -> Trial:
    """Read ADaM-style tables (ADSL, ADLB, ADTTE; CSV, Parquet or SAS XPORT) into a Trial.

    Mapping onto the data model:

    * ADSL: ``USUBJID`` -> subject, ``SEX`` -> sex, ``AGE`` -> age, ``COHORT`` (else ``DISEASE``,
      else ``ARM``) -> cohort, ``TRTSDT`` -> infusion_date. Required: USUBJID, SEX, AGE.
    * ADLB (optional): ``USUBJID, PARAMCD`` (lower-cased -> parameter), ``AVAL`` -> value,
      ``ADY`` -> day, ``AVISIT`` -> visit (``"day <d>"`` where missing), ``AVALU`` -> unit,
      ``BLQFL == "Y"`` -> blq. CDISC study days have no day 0 (ADY 1 = infusion day), so
      ``day = ADY - 1`` for ADY >= 1 and ``day = ADY`` for ADY <= -1.
    * ADTTE (optional): one row per subject and PARAMCD with ``AVAL`` (time from infusion, in
      ``AVALU`` units: days by default, months = 30.4375 days) and ``CNSR`` (0 = event,
      1 = censored). Rows with CNSR 0 become events named by :data:`ADTTE_EVENTS` (other
      PARAMCDs lower-cased); the grade comes from ``ATOXGR`` (or ``AGRADE``) where present.
    * ``last_contact`` per subject: ``LSTALVDT - TRTSDT`` in ADSL when both are dates; else the
      largest ADTTE time (event or censoring) or ADLB day of the subject.
    * A ``parameters`` table is built from ADLB ``PARAMCD``/``PARAM``/``AVALU`` (limits from
      ``ANRLO``/``ANRHI`` where present).

    Raises SmallTrialError naming the path when the folder, ADSL or a required column is missing.

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
        raise SmallTrialError(f"{folder}: no ADSL table (expected adsl.csv, .parquet or .xpt)")
    adsl = _read_table(adsl_path)
    _require("ADSL", adsl, ["USUBJID", "SEX", "AGE"], folder)
    cohort_col = next((c for c in ("COHORT", "DISEASE", "ARM") if c in adsl.columns), None)
    subjects = pd.DataFrame({
        "subject": adsl["USUBJID"].astype(str),
        "cohort": adsl[cohort_col] if cohort_col else np.nan,
        "sex": adsl["SEX"],
        "age": adsl["AGE"],
    })
    if "TRTSDT" in adsl.columns:
        subjects["infusion_date"] = _adam_date(adsl["TRTSDT"]).dt.strftime("%Y-%m-%d")

    adlb_path = _find(folder, "adlb")
    if adlb_path is not None:
        adlb = _read_table(adlb_path)
        _require("ADLB", adlb, ["USUBJID", "PARAMCD", "AVAL", "ADY"], folder)
        day = _ady_to_day(adlb["ADY"], "ADLB")
        visit = adlb["AVISIT"] if "AVISIT" in adlb.columns else pd.Series(np.nan, index=adlb.index)
        fallback = "day " + day.astype(str)
        measurements = pd.DataFrame({
            "subject": adlb["USUBJID"].astype(str),
            "day": day,
            "visit": visit.where(visit.notna(), fallback),
            "parameter": adlb["PARAMCD"].astype(str).str.lower(),
            "value": adlb["AVAL"],
            "unit": adlb["AVALU"] if "AVALU" in adlb.columns else np.nan,
        })
        if "BLQFL" in adlb.columns:
            measurements["blq"] = adlb["BLQFL"].astype(str).str.upper().eq("Y")
        prm = pd.DataFrame({"parameter": measurements["parameter"],
                            "label": adlb["PARAM"] if "PARAM" in adlb.columns else measurements["parameter"],
                            "unit": measurements["unit"],
                            "lower_limit": adlb["ANRLO"] if "ANRLO" in adlb.columns else np.nan,
                            "upper_limit": adlb["ANRHI"] if "ANRHI" in adlb.columns else np.nan,
                            "lloq": np.nan})
        parameters = prm.drop_duplicates("parameter").reset_index(drop=True)
    else:
        measurements = pd.DataFrame({c: pd.Series(dtype=object) for c in MEASUREMENT_COLUMNS})
        parameters = None

    events_rows: list[dict] = []
    tte_last: dict[str, float] = {}
    adtte_path = _find(folder, "adtte")
    if adtte_path is not None:
        adtte = _read_table(adtte_path)
        _require("ADTTE", adtte, ["USUBJID", "PARAMCD", "AVAL", "CNSR"], folder)
        units = adtte["AVALU"].astype(str).str.upper() if "AVALU" in adtte.columns else pd.Series("DAYS", index=adtte.index)
        unknown = sorted(set(units[~units.isin(list(_TIME_UNITS))]))
        if unknown:
            raise SmallTrialError(f"{folder}: ADTTE column 'AVALU' has unknown time unit(s) {_show(unknown)}")
        aval = pd.to_numeric(adtte["AVAL"], errors="coerce") * units.map(_TIME_UNITS)
        grade_col = next((c for c in ("ATOXGR", "AGRADE", "GRADE") if c in adtte.columns), None)
        for i, row in adtte.iterrows():
            sid = str(row["USUBJID"])
            t = aval.loc[i]
            if not math.isnan(t):
                tte_last[sid] = max(tte_last.get(sid, -math.inf), t)
            if row["CNSR"] == 0:
                code = str(row["PARAMCD"]).upper()
                events_rows.append({
                    "subject": sid,
                    "day": t,
                    "event": ADTTE_EVENTS.get(code, code.lower()),
                    "grade": float(row[grade_col]) if grade_col and pd.notna(row[grade_col]) else np.nan,
                })

    # last contact
    last: dict[str, float] = {}
    if {"LSTALVDT", "TRTSDT"}.issubset(adsl.columns):
        lst = _adam_date(adsl["LSTALVDT"])
        trt = _adam_date(adsl["TRTSDT"])
        for sid, a, b in zip(adsl["USUBJID"].astype(str), lst, trt, strict=True):
            if pd.notna(a) and pd.notna(b):
                last[sid] = float((a - b).days)
    for sid in subjects["subject"]:
        if sid in last:
            continue
        candidates = [tte_last.get(sid, -math.inf)]
        if len(measurements):
            mday = pd.to_numeric(measurements.loc[measurements["subject"] == sid, "day"])
            if len(mday):
                candidates.append(float(mday.max()))
        best = max(candidates)
        if math.isfinite(best):
            last[sid] = best
    for sid, day in last.items():
        events_rows.append({"subject": sid, "day": day, "event": "last_contact", "grade": np.nan})
    events = pd.DataFrame(events_rows, columns=list(EVENT_COLUMNS))
    if len(events):
        order = {e: i for i, e in enumerate(EVENTS)}
        events = events.assign(_o=events["event"].map(order).fillna(len(EVENTS)))
        events = events.sort_values(["subject", "day", "_o"], kind="stable").drop(columns="_o")
        events = events.reset_index(drop=True)
    events["grade"] = events["grade"].astype(float)
    events["day"] = events["day"].astype(float)
    desc_path = folder / "description.md"
    description = desc_path.read_text(encoding="utf-8") if desc_path.is_file() else ""
    subjects, measurements, events, parameters = _normalise(subjects, measurements, events, parameters)
    return Trial(subjects, measurements, events, parameters, description, name=folder.name)
