"""The :class:`Trial` data model: its tables' vocabulary, plain dtypes and accessors.

The tables are described in :mod:`smalltrial.trial`; :meth:`Trial.validate` is implemented in
:mod:`smalltrial.trial.checks`, :meth:`Trial.to_folder` in :mod:`smalltrial.trial.io` and
:meth:`Trial.to_adam` in :mod:`smalltrial.trial.adam`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show

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
        The three tables described in the :mod:`smalltrial.trial` docstring.
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

    def _repr_html_(self) -> str:
        """Jupyter display: the name, the first line of the description and the table sizes."""
        from smalltrial._results import html_fields

        def rows(frame: Any) -> int:
            return len(frame) if isinstance(frame, pd.DataFrame) else 0

        title = f"Trial {self.name}" if self.name else "Trial"
        first = next((ln.strip() for ln in str(self.description or "").splitlines() if ln.strip()), "")
        fields = [("description", first)] if first else []
        subj = self.subjects
        n_subj = f"{len(subj)}"
        if "cohort" in subj.columns and len(subj):
            counts = subj["cohort"].value_counts(sort=False)
            n_subj += " (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")"
        fields += [("subjects", n_subj), ("measurements", str(rows(self.measurements))),
                   ("events", str(rows(self.events))),
                   ("adverse events", str(rows(self.adverse_events)))]
        tte = self.time_to_event_data
        if rows(tte) and "endpoint" in tte.columns:
            fields.append(("endpoints", ", ".join(dict.fromkeys(tte["endpoint"].astype(str)))))
        return html_fields(title, fields)

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
        from smalltrial.trial.checks import _validate_trial

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
        ...     print(st.trial.read_trial(folder).measurements.equals(trial.measurements))
        ['description.md', 'events.csv', 'measurements.csv', 'parameters.csv', 'subjects.csv']
        True
        """
        from smalltrial.trial.io import _to_folder

        return _to_folder(self, path, format=format)

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
        ...     print(st.trial.read_adam(folder).follow_up_days().equals(trial.follow_up_days()))
        ['adlb.csv', 'adsl.csv', 'adtte.csv']
        True
        """
        from smalltrial.trial.adam import _to_adam

        return _to_adam(self, path)
