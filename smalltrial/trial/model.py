"""The trial data model: :class:`Trial`, its validation, and loaders (CSV/Parquet folders, ADaM).

A :class:`Trial` holds four tidy pandas DataFrames (vocabulary fixed in DEVELOPING.md):

* ``subjects``: one row per patient: ``subject`` (str), ``cohort``, ``sex`` (``F``/``M``),
  ``age`` (years), optional ``infusion_date`` and further baseline columns;
* ``measurements`` (long): ``subject, day, visit, parameter, value, unit`` and an optional bool
  ``blq`` (below the lower limit of quantification; ``value`` then holds the LLOQ). ``day`` counts
  from the CAR-T infusion (day 0); screening/baseline values have ``day <= 0``;
* ``events``: ``subject, day, event, grade``; ``event`` is any lower-case name
  (``[a-z][a-z0-9_]*``; the names of :data:`EVENTS` keep their fixed meaning, others such as
  ``progression``, ``infection`` or ``response`` are the user's); ``grade`` is NaN where it does
  not apply; every subject has exactly one ``last_contact``, on or after every other dated row;
* ``parameters`` (optional): ``parameter, label, unit, lower_limit, upper_limit, lloq``;
* ``adverse_events``: ``subject, term, soc, grade (1-5), day`` and optional ``end_day, serious,
  related, severity`` (empty when the data have none). CRS and ICANS stay events ``crs`` /
  ``icans`` (with grade) in ``events`` and are not copied here;
  :func:`smalltrial.summaries.adverse_events` adds them to the AE summary (``include_events``);
* ``time_to_event_data``: ``endpoint, subject, time, event`` (days; event 1/0): ready-made
  time-to-event records (the ADTTE parameters of an ADaM trial), empty otherwise;

``measurements`` may carry an optional string column ``value_text`` (a character result such as a
best overall response ``"CR"``); ``value`` may then be NaN.

Visit labels are compared exactly: two labels that differ only in case or surrounding/repeated
spaces (``"Baseline"`` and ``"baseline "``) are a validation error naming both spellings and the
subjects (never silently merged nor silently kept apart).

Every table is reduced to plain NumPy dtypes on construction: pandas categorical, nullable
(``Int64``, ``Float64``, ``boolean``, ``string``) and object columns give the same results as
plain ones. (A categorical column keeps its values, not its category order: groups follow first
appearance unless a function is given an explicit order.)

Study days: smalltrial counts days from the infusion (day 0); CDISC study days have no day 0 (see
:func:`study_day`, the one place that converts).

plus a free-text ``description`` saying how the data were made (the bundled example trials are
SYNTHETIC, see :mod:`smalltrial.datasets`).

This module is loaded lazily (``smalltrial.trial`` or ``smalltrial.Trial``), so it imports pandas.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
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
    "KNOWN_EVENTS",
    "study_day",
    "plain_frame",
    "SUBJECT_COLUMNS",
    "ADVERSE_EVENT_COLUMNS",
    "TIME_TO_EVENT_COLUMNS",
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
#: event names recognised even when no subject has them (:data:`EVENTS` without
#: ``last_contact``, plus common names of other trials); any other lower-case name is valid too,
#: but ``survival.time_to_event`` refuses a name that is neither here nor in the trial's events
#: (a misspelt endpoint must not censor everyone)
KNOWN_EVENTS: tuple[str, ...] = EVENTS[:-1] + ("progression", "response", "infection",
                                               "neutropenia")
_EVENT_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: events whose ``grade`` must be given (1-5, ASTCT 2019)
GRADED_EVENTS: tuple[str, ...] = ("crs", "icans")
SUBJECT_COLUMNS: tuple[str, ...] = ("subject", "cohort", "sex", "age")
MEASUREMENT_COLUMNS: tuple[str, ...] = ("subject", "day", "visit", "parameter", "value", "unit")
EVENT_COLUMNS: tuple[str, ...] = ("subject", "day", "event", "grade")
ADVERSE_EVENT_COLUMNS: tuple[str, ...] = ("subject", "term", "soc", "grade", "day")
ADVERSE_EVENT_OPTIONAL: tuple[str, ...] = ("end_day", "serious", "related", "severity")
TIME_TO_EVENT_COLUMNS: tuple[str, ...] = ("endpoint", "subject", "time", "event")
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

_TABLES = ("subjects", "measurements", "events", "parameters", "adverse_events")
_FORMATS = (".csv", ".parquet", ".pq", ".xpt", ".sas7bdat", ".xlsx")


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


# ----------------------------------------------------------------------------- plain dtypes
def _plain_series(s: pd.Series) -> pd.Series:
    """The column with plain NumPy dtypes (object/float64/int64/bool); values unchanged."""
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        obj = s.astype(object)
        return _plain_series(obj.where(obj.notna(), np.nan).infer_objects())
    if isinstance(dt, pd.StringDtype):
        obj = s.astype(object)
        return obj.where(obj.notna(), np.nan)
    if isinstance(dt, pd.BooleanDtype) or (
            pd.api.types.is_extension_array_dtype(dt) and pd.api.types.is_bool_dtype(dt)):
        if s.isna().any():
            obj = s.astype(object)
            return obj.where(obj.notna(), np.nan)
        return s.astype(bool)
    if pd.api.types.is_extension_array_dtype(dt) and pd.api.types.is_numeric_dtype(dt):
        if not s.isna().any() and pd.api.types.is_integer_dtype(dt):
            return s.astype(np.int64)
        return s.astype("float64")
    if pd.api.types.is_extension_array_dtype(dt) and not isinstance(dt, pd.DatetimeTZDtype):
        obj = s.astype(object)
        return obj.where(obj.notna(), np.nan)
    if pd.api.types.is_object_dtype(dt) and s.map(lambda v: v is pd.NA).any():
        return s.where(s.notna(), np.nan)
    return s


def plain_frame(frame: Any) -> Any:
    """``frame`` with every column in a plain NumPy dtype (anything else is returned unchanged).

    Categorical columns become their values, nullable ``Int64``/``Float64`` columns int64 (no
    missing values) or float64 (``<NA>`` -> NaN), ``boolean`` bool (or object with NaN), ``string``
    object (``<NA>`` -> NaN). The frame is returned as is when nothing needs converting, else a copy.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"subject": pd.Categorical(["a", "b"]), "day": pd.array([1, None], "Int64")})
    >>> plain_frame(f).dtypes.astype(str).tolist()
    ['object', 'float64']
    """
    if not isinstance(frame, pd.DataFrame):
        return frame
    out = None
    for i in range(frame.shape[1]):
        s = frame.iloc[:, i]
        new = _plain_series(s)
        if new is not s:
            if out is None:
                out = frame.copy()
            out.isetitem(i, new)
    return frame if out is None else out


def _empty_adverse_events() -> pd.DataFrame:
    return pd.DataFrame({
        "subject": pd.Series(dtype=object), "term": pd.Series(dtype=object),
        "soc": pd.Series(dtype=object), "grade": pd.Series(dtype=np.int64),
        "day": pd.Series(dtype=float),
    })


def _empty_time_to_event() -> pd.DataFrame:
    return pd.DataFrame({
        "endpoint": pd.Series(dtype=object), "subject": pd.Series(dtype=object),
        "time": pd.Series(dtype=float), "event": pd.Series(dtype=np.int64),
    })


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
    adverse_events: pd.DataFrame | None = None
    time_to_event_data: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.adverse_events is None:
            object.__setattr__(self, "adverse_events", _empty_adverse_events())
        if self.time_to_event_data is None:
            object.__setattr__(self, "time_to_event_data", _empty_time_to_event())
        for table in ("subjects", "measurements", "events", "parameters", "adverse_events",
                      "time_to_event_data"):
            object.__setattr__(self, table, plain_frame(getattr(self, table)))

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
        def cp(frame: Any) -> Any:
            return frame.copy() if isinstance(frame, pd.DataFrame) else frame

        return Trial(
            subjects=cp(self.subjects),
            measurements=cp(self.measurements),
            events=cp(self.events),
            parameters=cp(self.parameters),
            description=self.description,
            name=self.name,
            adverse_events=cp(self.adverse_events),
            time_to_event_data=cp(self.time_to_event_data),
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
        ae = self.adverse_events
        if isinstance(ae, pd.DataFrame) and len(ae):
            lines.append(f"  adverse events: {len(ae)} rows")
        tte = self.time_to_event_data
        if isinstance(tte, pd.DataFrame) and len(tte) and "endpoint" in tte.columns:
            lines.append("  endpoints:    " + ", ".join(dict.fromkeys(tte["endpoint"].astype(str))))
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
            An event name (``"remission"``, ``"relapse"``, ``"crs"``, ...): one of
            :data:`KNOWN_EVENTS` or a name present in ``events``.

        Examples
        --------
        >>> import smalltrial as st
        >>> st.datasets.load("mackensen2022").event_days("remission").to_dict()
        {'MK01': 60.0, 'MK02': 90.0, 'MK03': 60.0, 'MK04': 90.0, 'MK05': 90.0}
        """
        present = set(self.events["event"].dropna().astype(str))
        if not isinstance(event, str) or (event not in KNOWN_EVENTS + ("last_contact",)
                                          and event not in present):
            raise SmallTrialError(
                f"event {event!r} occurs nowhere in the trial and is not a known event name; "
                f"events present: {_show(sorted(present))}"
            )
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

        def rows(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["subject"].isin(ids)].reset_index(drop=True)

        return Trial(
            subjects=self.subjects[keep].reset_index(drop=True),
            measurements=rows(self.measurements),
            events=rows(self.events),
            parameters=None if self.parameters is None else self.parameters.copy(),
            description=self.description,
            name=self.name,
            adverse_events=rows(self.adverse_events),
            time_to_event_data=rows(self.time_to_event_data),
        )

    # -- validation ----------------------------------------------------------------------------
    def validate(self, raise_on_error: bool = True) -> list[str]:
        """Check the whole trial and report every problem at once.

        Checks: required columns; numeric ``day``/``value``/``age``/``grade`` and bool ``blq``;
        no missing values where not allowed; unique subject ids; ``sex`` in F/M; unique
        ``(subject, day, parameter)`` rows; subjects in measurements/events that are not in
        subjects; event names that are not lower-case ``[a-z][a-z0-9_]*``; negative event days;
        ``grade`` outside 1-5 (and missing grades of crs/icans); exactly one ``last_contact`` per
        subject; events, measurements and adverse events after ``last_contact``; one unit per
        parameter (matching ``parameters``); visit labels that differ only in case or spaces;
        adverse events without term/soc/grade/day or with a grade outside 1-5 (naming column,
        row and value); time-to-event records with a negative time or an event not 0/1.

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
            if frame is None or (table == "adverse_events" and len(frame) == 0):
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
            "ADY": study_day(day, to="ady"),
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
        ae = self.adverse_events
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
    """The file ``stem.<csv|parquet|pq|xpt|sas7bdat|xlsx>`` in ``folder`` (case-insensitive)."""
    hits = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.stem.lower() == stem and p.suffix.lower() in _FORMATS
    )
    if len(hits) > 1:
        raise SmallTrialError(
            f"{folder}: more than one file for table {stem!r}: {', '.join(p.name for p in hits)}"
        )
    return hits[0] if hits else None


_TEXT_IDS = {"subject": str, "USUBJID": str, "term": str, "soc": str, "visit": str}


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file: comma-separated, or semicolon-separated with decimal commas (European Excel).

    The separator is read off the header line: more ``;`` than ``,`` means the European export
    (``sep=";"``, ``decimal=","``); equally many of both is refused (the message says so).
    """
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            header = next((line for line in fh if line.strip()), "")
    except UnicodeDecodeError:
        raise SmallTrialError(
            f"cannot read {path}: the file is not UTF-8 text; save it as 'CSV UTF-8' "
            "(comma or semicolon separated)"
        ) from None
    semi, comma = header.count(";"), header.count(",")
    if semi and semi == comma:
        raise SmallTrialError(
            f"cannot read {path}: the header line has as many ';' as ',' so the separator is "
            "ambiguous; save the table as comma-separated CSV (or semicolon-separated with "
            "decimal commas, as European spreadsheets export it)"
        )
    if semi > comma:
        return pd.read_csv(path, sep=";", decimal=",", dtype=_TEXT_IDS, encoding="utf-8-sig")
    return pd.read_csv(path, dtype=_TEXT_IDS, encoding="utf-8-sig")


def _read_sas(path: Path, suffix: str) -> pd.DataFrame:
    """SAS XPORT (v5 or v8) or .sas7bdat through pyreadstat; empty strings are missing."""
    try:
        import pyreadstat
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise SmallTrialError(f"cannot read {path}: SAS files need pyreadstat "
                              "(pip install pyreadstat)") from None
    reader = pyreadstat.read_xport if suffix == ".xpt" else pyreadstat.read_sas7bdat
    try:
        frame, _meta = reader(str(path), dates_as_pandas_datetime=True)
    except Exception as exc:  # pyreadstat raises its own exception types
        raise SmallTrialError(f"cannot read {path}: {exc}") from None
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object:
            frame[col] = series.where(~series.map(lambda v: isinstance(v, str) and v.strip() == ""),
                                      np.nan)
        elif pd.api.types.is_float_dtype(series):
            # IBM-float zero can come back as 16**-65 (~5.4e-79), the smallest IBM magnitude
            tiny = series.abs() < 1e-70
            if tiny.any():
                frame.loc[tiny, col] = 0.0
    return frame


def _read_table(path: Path) -> pd.DataFrame:
    """One table file: CSV (comma, or European semicolon/decimal comma), Parquet, Excel .xlsx
    (first sheet, through openpyxl), SAS XPORT v5/v8 or .sas7bdat (through pyreadstat)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix in (".parquet", ".pq"):
            _need_parquet()
            return pd.read_parquet(path)
        if suffix == ".xlsx":
            return pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=_TEXT_IDS)
        return _read_sas(path, suffix)
    except SmallTrialError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, KeyError) as exc:
        raise SmallTrialError(f"cannot read {path}: {exc}") from None
    except Exception as exc:  # openpyxl's own errors (a corrupt .xlsx)
        raise SmallTrialError(f"cannot read {path}: {type(exc).__name__}: {exc}") from None


def _ids_as_str(frame: pd.DataFrame | None) -> None:
    if frame is not None and "subject" in frame.columns:
        ids = frame["subject"]
        frame["subject"] = ids.where(ids.isna(), ids.astype(str))


def _normalise(subjects: pd.DataFrame, measurements: pd.DataFrame, events: pd.DataFrame,
               parameters: pd.DataFrame | None) -> tuple:
    """Types the loaders agree on: ids as str, integer days as int64, bool blq, float grade."""
    for frame in (subjects, measurements, events):
        _ids_as_str(frame)
    for frame in (measurements, events):
        if "day" in frame.columns and pd.api.types.is_float_dtype(frame["day"]):
            d = frame["day"]
            if d.notna().all() and np.isfinite(d).all() and (d == np.floor(d)).all():
                frame["day"] = d.astype(np.int64)
    if "blq" in measurements.columns and not pd.api.types.is_bool_dtype(measurements["blq"]):
        measurements["blq"] = _to_bool(measurements["blq"], strict=True)
    if "grade" in events.columns and pd.api.types.is_numeric_dtype(events["grade"]):
        events["grade"] = events["grade"].astype(float)
    value = measurements.get("value")
    if value is not None and pd.api.types.is_numeric_dtype(value) and not pd.api.types.is_bool_dtype(value):
        measurements["value"] = value.astype(float)  # Excel stores 16.0 as 16
    return subjects, measurements, events, parameters


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _to_bool(values: pd.Series, *, strict: bool = False) -> pd.Series:
    """True/False/yes/no/Y/N/1/0 (any case) as bool; other values kept (strict) or NaN."""
    def one(v: Any) -> Any:
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return np.nan
        text = str(v).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return v if strict else np.nan

    mapped = values.map(one)
    if mapped.isin([True, False]).all():
        return mapped.astype(bool)
    return mapped


def _normalise_adverse_events(ae: pd.DataFrame) -> pd.DataFrame:
    """Loader types for adverse events: str ids, whole grades as int64, bool flags."""
    _ids_as_str(ae)
    for col in ("grade", "day", "end_day"):
        if col in ae.columns and pd.api.types.is_float_dtype(ae[col]):
            v = ae[col]
            if v.notna().all() and np.isfinite(v).all() and (v == np.floor(v)).all():
                ae[col] = v.astype(np.int64)
    for col in ("serious", "related"):
        if col in ae.columns and not pd.api.types.is_bool_dtype(ae[col]):
            ae[col] = _to_bool(ae[col], strict=True)
    return ae


def _check_folder(path: str | Path) -> Path:
    folder = Path(path)
    if not folder.exists():
        raise SmallTrialError(f"trial folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise SmallTrialError(f"{str(folder)!r} is not a folder (a trial is a folder of tables)")
    return folder


def read_trial(path: str | Path) -> Trial:
    """Read a trial from a folder of tables (CSV, Parquet, Excel, SAS), or of ADaM tables.

    The folder holds ``subjects``, ``measurements``, ``events`` and optionally ``parameters`` and
    ``adverse_events`` (file names case-insensitive) and ``description.md``. A folder with
    ``adsl`` (and ``adlb`` / ``adtte`` / ``adae`` / ``adrs``) instead is read by :func:`read_adam`.
    Reading does not validate: call :meth:`Trial.validate` (which reports every problem at once).

    Formats: ``.csv`` (comma-separated; or semicolon-separated with decimal commas as European
    spreadsheets export it, recognised from the header line; an ambiguous header is refused with
    a message saying so), ``.parquet`` (needs pyarrow), ``.xlsx`` (first sheet, via openpyxl),
    ``.xpt`` (SAS XPORT v5 or v8) and ``.sas7bdat`` (both via pyreadstat: pandas alone reads
    only XPORT v5). SAS character blanks are read as missing.

    Parameters
    ----------
    path : str or Path
        The folder.

    Raises
    ------
    SmallTrialError
        If the folder or a required table is missing or unreadable (the message names the path).

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
            f"or .parquet/.xlsx/.xpt, or ADaM adsl/adlb/adtte files)"
        )
    subjects = _read_table(found["subjects"])
    measurements = _read_table(found["measurements"])
    events = _read_table(found["events"])
    parameters = _read_table(found["parameters"]) if found["parameters"] is not None else None
    adverse = None
    if found["adverse_events"] is not None:
        adverse = _normalise_adverse_events(_read_table(found["adverse_events"]))
    desc_path = folder / "description.md"
    description = desc_path.read_text(encoding="utf-8") if desc_path.is_file() else ""
    subjects, measurements, events, parameters = _normalise(subjects, measurements, events, parameters)
    return Trial(subjects, measurements, events, parameters, description, name=folder.name,
                 adverse_events=adverse)


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


def read_adam(path: str | Path) -> Trial:
    """Read ADaM tables (ADSL with any of ADLB, ADTTE, ADAE, ADRS) into a Trial.

    Files may be CSV, Parquet, Excel, SAS XPORT v5/v8 or .sas7bdat (see :func:`read_trial`).
    Mapping onto the data model (days: :func:`study_day` converts CDISC study days, which have
    no day 0, to days from infusion; dates count from ADSL ``TRTSDT``):

    * ADSL: ``USUBJID`` -> subject, ``SEX`` -> sex, ``AGE`` -> age, ``COHORT`` (else
      ``DISEASE``, ``ARM``, ``TRT01A``, ``TRT01P``) -> cohort, ``TRTSDT`` -> infusion_date.
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
        "age": adsl["AGE"],
    })
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
