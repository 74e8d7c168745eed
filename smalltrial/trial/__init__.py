"""The trial data model: :class:`Trial`, its validation, and loaders (CSV/Parquet folders, ADaM).

A :class:`Trial` holds four tidy pandas DataFrames (vocabulary fixed in DEVELOPING.md):

* ``subjects``: one row per patient: ``subject`` (str), ``cohort``, ``sex`` (``F``/``M``),
  ``age`` (years), optional ``infusion_date`` and further baseline columns;
* ``measurements`` (long): ``subject, day, visit, parameter, value, unit`` and an optional bool
  ``blq`` (below the lower limit of quantification; ``value`` then holds the LLOQ). ``day`` counts
  from the start of treatment (day 0: e.g. the CAR-T infusion or the first dose);
  screening/baseline values have ``day <= 0``;
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

Modules: :mod:`~smalltrial.trial.model` (:class:`Trial`), :mod:`~smalltrial.trial.checks`
(:meth:`Trial.validate`), :mod:`~smalltrial.trial.io` (folders of CSV/Parquet/Excel/SAS files,
:func:`read_trial`) and :mod:`~smalltrial.trial.adam` (:func:`read_adam`, :func:`study_day`).

This package is loaded lazily (``smalltrial.trial`` or ``smalltrial.Trial``), so it imports pandas.
"""

from __future__ import annotations

# ADTTE_EVENTS, SEVERITY_GRADES, ADVERSE_EVENT_OPTIONAL, GRADED_EVENTS and the loader helpers
# that smalltrial.datasets and the tests use stay importable from here, as before the split
from smalltrial.trial.adam import ADTTE_EVENTS, SEVERITY_GRADES, read_adam, study_day  # noqa: F401
from smalltrial.trial.io import (  # noqa: F401
    _normalise,
    _normalise_adverse_events,
    _read_table,
    read_trial,
)
from smalltrial.trial.model import (  # noqa: F401
    ADVERSE_EVENT_COLUMNS,
    ADVERSE_EVENT_OPTIONAL,
    DAYS_PER_MONTH,
    EVENT_COLUMNS,
    EVENTS,
    GRADED_EVENTS,
    KNOWN_EVENTS,
    MEASUREMENT_COLUMNS,
    PARAMETER_COLUMNS,
    SUBJECT_COLUMNS,
    TIME_TO_EVENT_COLUMNS,
    Trial,
    plain_frame,
)

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

# doctest finds only objects defined in the module it searches: list the examples of the entry
# points here so that they also run under this package's name (tests/test_docstrings.py)
__test__ = {"Trial": Trial, "read_trial": read_trial, "read_adam": read_adam}
