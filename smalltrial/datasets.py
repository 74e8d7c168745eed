"""The bundled example trials: SYNTHETIC data built to honour published summaries.

* ``mackensen2022``: 5 SLE patients, modelled on Mackensen et al., Nat Med 2022;28:2124.
* ``muller2024``: 15 patients (8 SLE, 3 IIM, 4 SSc), modelled on Müller et al., NEJM 2024;390:687.
* ``phase2_onc``: 23 patients of a made-up single-arm phase II oncology trial (best overall
  response with confirmation, progression, death, adverse events by SOC/PT); not based on any
  publication.
* ``phase2_onc_adam``: the same made-up oncology trial as CDISC ADaM SAS XPORT v5 files
  (ADSL, ADRS, ADTTE, ADAE), read with :func:`smalltrial.trial.read_adam`.
* ``mg_cart``: 10 patients of a made-up CD19 CAR-T trial in myasthenia gravis (MG-ADL, QMG,
  relapses, infections and cytopenias as adverse events); not based on any publication.

SYNTHETIC: no row is a real patient. ``scripts/make_datasets.py`` (the lupus trials) and
``scripts/make_examples.py`` (the others) regenerate the files deterministically from a seed
(the lupus ones from the published summaries); each trial's ``description`` lists
the published numbers it honours and every assumption made where nothing was published.

Examples
--------
>>> import smalltrial as st
>>> st.datasets.names()
['mackensen2022', 'muller2024', 'phase2_onc', 'phase2_onc_adam', 'mg_cart']
>>> trial = st.datasets.load("mackensen2022")
>>> trial.n_subjects
5
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

from smalltrial._errors import SmallTrialError

if TYPE_CHECKING:  # pragma: no cover
    from smalltrial.trial import Trial

__all__ = ["names", "load", "describe"]

_NAMES = ("mackensen2022", "muller2024", "phase2_onc", "phase2_onc_adam", "mg_cart")
#: bundled trials stored as CDISC ADaM files (read with read_adam) instead of CSV tables
_ADAM = ("phase2_onc_adam",)


def names() -> list[str]:
    """Names of the bundled SYNTHETIC example trials, for :func:`load`.

    Examples
    --------
    >>> import smalltrial as st
    >>> st.datasets.names()
    ['mackensen2022', 'muller2024', 'phase2_onc', 'phase2_onc_adam', 'mg_cart']
    """
    return list(_NAMES)


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in _NAMES:
        raise SmallTrialError(
            f"unknown dataset {name!r}; bundled datasets: {', '.join(map(repr, _NAMES))}"
        )
    return name


@functools.cache
def _load_cached(name: str) -> Trial:
    import pandas as pd

    from smalltrial.trial import Trial, _normalise, _normalise_adverse_events

    root = resources.files("smalltrial.data").joinpath(name)
    if name in _ADAM:
        from smalltrial.trial import read_adam

        with resources.as_file(root) as folder:
            return read_adam(folder)
    tables = {}
    for table in ("subjects", "measurements", "events", "parameters"):
        with root.joinpath(f"{table}.csv").open("r", encoding="utf-8") as fh:
            tables[table] = pd.read_csv(fh, dtype={"subject": str})
    description = root.joinpath("description.md").read_text(encoding="utf-8")
    subjects, measurements, events, parameters = _normalise(
        tables["subjects"], tables["measurements"], tables["events"], tables["parameters"]
    )
    adverse = None
    if root.joinpath("adverse_events.csv").is_file():  # optional table
        with root.joinpath("adverse_events.csv").open("r", encoding="utf-8") as fh:
            adverse = _normalise_adverse_events(pd.read_csv(fh, dtype={"subject": str}))
    return Trial(subjects, measurements, events, parameters, description, name=name,
                 adverse_events=adverse)


def load(name: str) -> Trial:
    """Load a bundled SYNTHETIC example trial as a :class:`smalltrial.trial.Trial`.

    The files are read once (package data via ``importlib.resources``, so this works from an
    installed wheel) and cached; every call returns a fresh deep copy, so callers may modify it.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"mackensen2022"`` or ``"phase2_onc"``.

    Raises
    ------
    SmallTrialError
        For an unknown name (the message lists the valid names).

    Examples
    --------
    >>> import smalltrial as st
    >>> st.datasets.load("muller2024").subjects["cohort"].value_counts().to_dict()
    {'SLE': 8, 'SSc': 4, 'IIM': 3}
    """
    return _load_cached(_check_name(name)).copy()


def describe(name: str) -> str:
    """The ``description.md`` of a bundled trial (how the SYNTHETIC data were made).

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Examples
    --------
    >>> import smalltrial as st
    >>> print(st.datasets.describe("mackensen2022").splitlines()[0])
    SYNTHETIC example trial modelled on Mackensen et al., Nat Med 2022 (5 SLE patients, anti-CD19 CAR-T); not real patient data.
    """
    root = resources.files("smalltrial.data").joinpath(_check_name(name))
    return root.joinpath("description.md").read_text(encoding="utf-8")
