"""CAR-T toxicity grades: ASTCT 2019 consensus grading of CRS and ICANS.

* CRS and ICANS: Lee DW, et al. ASTCT consensus grading for cytokine release syndrome and
  neurologic toxicity associated with immune effector cells. Biol Blood Marrow Transplant
  2019;25:625-638.

Grades are floats 0-5 with NaN for "not evaluable"; inputs are scalars, arrays or Series and the
output has the same kind (:mod:`smalltrial.endpoints.engine`). All names are importable from
:mod:`smalltrial.endpoints` too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show, check_columns, check_frame, describe_rows
from smalltrial.endpoints.engine import (
    _as_float,
    _as_text,
    _broadcast,
    _Categories,
    _category,
    _common_shape,
    _compare,
    _flag,
    _Grades,
    _is_listlike,
    _is_missing,
    _kleene_or,
    _numeric,
    _Shape,
    _where,
    check_option,
)

__all__ = [
    "CRS_HYPOTENSION",
    "CRS_HYPOXIA",
    "ICANS_CONSCIOUSNESS",
    "ICANS_SEIZURE",
    "ICANS_MOTOR",
    "ICANS_OEDEMA",
    "crs_grade",
    "hypoxia_from_oxygen",
    "icans_grade",
    "worst_toxicity_grade",
]


#: ASTCT 2019 CRS hypotension column -> the grade it implies (given fever).
CRS_HYPOTENSION: dict[str, int] = {
    "none": 1,
    "no_vasopressor": 2,
    "one_vasopressor": 3,
    "multiple_vasopressors": 4,
}
#: ASTCT 2019 CRS hypoxia column -> the grade it implies (given fever).
CRS_HYPOXIA: dict[str, int] = {
    "none": 1,
    "low_flow": 2,
    "high_flow": 3,
    "positive_pressure": 4,
}
_OXYGEN_DEVICES: dict[str, str | None] = {
    "none": "none",
    "nasal_cannula": None,  # decided by the flow: <= 6 L/min low flow, > 6 L/min high flow
    "blow_by": "low_flow",
    "high_flow_nasal_cannula": "high_flow",
    "face_mask": "high_flow",
    "non_rebreather": "high_flow",
    "venturi_mask": "high_flow",
    "cpap": "positive_pressure",
    "bipap": "positive_pressure",
    "mechanical_ventilation": "positive_pressure",
}


def _fever(value: Any, shape: _Shape) -> np.ndarray:
    """bool fever flags, or temperatures in degC (>= 38.0 is fever)."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and pd.api.types.is_bool_dtype(dtype):
        return _flag(value, "fever", shape)
    if dtype is None or pd.api.types.is_object_dtype(dtype):
        arr = _broadcast(value, shape) if _is_listlike(value) else np.array([value], dtype=object)
        present = [v for v in arr if not _is_missing(v)]
        if all(isinstance(v, (bool, np.bool_)) for v in present):
            return _flag(value, "fever", shape)
    temps = _numeric(value, "fever", shape, low=-np.inf, high=np.inf)
    implausible = ~np.isnan(temps) & ((temps < 25.0) | (temps > 45.0))
    if implausible.any():
        raise SmallTrialError(
            "fever must be True/False or a temperature in degC (25-45); got "
            f"{_show(temps[implausible])}{_where(implausible, shape)}"
        )
    return _compare(temps, ">=", 38.0)


def hypoxia_from_oxygen(device: Any, flow_l_min: Any = None) -> _Categories:
    """ASTCT 2019 hypoxia category from the oxygen device and, for a nasal cannula, the flow.

    Parameters
    ----------
    device
        one of ``"none"``, ``"nasal_cannula"``, ``"blow_by"``, ``"high_flow_nasal_cannula"``,
        ``"face_mask"``, ``"non_rebreather"``, ``"venturi_mask"``, ``"cpap"``, ``"bipap"``,
        ``"mechanical_ventilation"`` (missing -> missing).
    flow_l_min
        oxygen flow in L/min, needed for ``"nasal_cannula"``: <= 6 L/min is low flow, > 6 L/min
        high flow (Lee et al. 2019, Table 3 footnote).

    Returns the category for :func:`crs_grade` (``"none"``, ``"low_flow"``, ``"high_flow"``,
    ``"positive_pressure"``; ``None`` where missing), same kind as the input.

    Examples
    --------
    >>> list(hypoxia_from_oxygen(["nasal_cannula", "nasal_cannula", "cpap"], [6, 6.5, None]))
    ['low_flow', 'high_flow', 'positive_pressure']
    """
    shape, n = _common_shape({"device": device, "flow_l_min": flow_l_min})
    codes = {k: i for i, k in enumerate(_OXYGEN_DEVICES)}
    dev = _category(device, "device", shape, codes)
    flow = _numeric(flow_l_min, "flow_l_min", shape, low=0.0)
    names = list(_OXYGEN_DEVICES)
    out = np.empty(n, dtype=object)
    for i in range(n):
        if np.isnan(dev[i]):
            out[i] = None
            continue
        category = _OXYGEN_DEVICES[names[int(dev[i])]]
        if category is None:
            if np.isnan(flow[i]):
                raise SmallTrialError(
                    f"flow_l_min is needed for device 'nasal_cannula'{_where(np.arange(n) == i, shape)}"
                )
            category = "low_flow" if flow[i] <= 6.0 else "high_flow"
        out[i] = category
    return _as_text(out, shape, "hypoxia")


def crs_grade(
    *,
    fever: Any,
    hypotension: Any,
    hypoxia: Any,
    fever_masked: Any = False,
    death: Any = False,
) -> _Grades:
    """ASTCT 2019 consensus grade of cytokine release syndrome (0-5).

    Parameters
    ----------
    fever
        True/False, or the temperature in degC (fever is >= 38.0 degC).
    hypotension
        ``"none"``, ``"no_vasopressor"`` (hypotension not requiring vasopressors),
        ``"one_vasopressor"`` (a vasopressor with or without vasopressin),
        ``"multiple_vasopressors"`` (several vasopressors, excluding vasopressin).
    hypoxia
        ``"none"``, ``"low_flow"`` (nasal cannula <= 6 L/min or blow-by), ``"high_flow"``
        (high-flow cannula > 6 L/min, face mask, non-rebreather or Venturi mask),
        ``"positive_pressure"`` (CPAP, BiPAP, intubation and ventilation); see
        :func:`hypoxia_from_oxygen`.
    fever_masked
        True where antipyretic or anticytokine therapy (tocilizumab, steroids) was given for CRS:
        fever is then no longer required and the grade follows hypotension and hypoxia (at
        least grade 1, since the patient has CRS).
    death
        True where the patient died of CRS: grade 5.

    Returns
    -------
    float grade 0-5 (0 = no CRS: no fever and fever not masked), NaN where not evaluable,
    same kind as the inputs (float Series / numpy array / float). With fever, the grade is the
    worse of the hypotension and hypoxia columns; a missing column gives NaN unless the other
    already reaches grade 4.

    Method
    ------
    Lee DW, et al. ASTCT consensus grading for cytokine release syndrome and neurologic
    toxicity associated with immune effector cells. Biol Blood Marrow Transplant
    2019;25:625-638, Table 3 and footnotes.

    Examples
    --------
    >>> crs_grade(fever=38.2, hypotension="none", hypoxia="low_flow")
    2.0
    """
    args = {
        "fever": fever,
        "hypotension": hypotension,
        "hypoxia": hypoxia,
        "fever_masked": fever_masked,
        "death": death,
    }
    shape, n = _common_shape(args)
    fev = _fever(fever, shape)
    hyp = _category(hypotension, "hypotension", shape, CRS_HYPOTENSION)
    oxy = _category(hypoxia, "hypoxia", shape, CRS_HYPOXIA)
    masked = _flag(fever_masked, "fever_masked", shape)
    died = _flag(death, "death", shape)
    worst = _worst(hyp, oxy)
    has_crs = _kleene_or(fev, masked)
    grade = np.where(has_crs == 1.0, worst, np.where(has_crs == 0.0, 0.0, np.nan))
    grade = np.where(died == 1.0, 5.0, np.where(np.isnan(died), np.nan, grade))
    return _as_float(grade, shape, "crs_grade")


def _worst(*grades: np.ndarray) -> np.ndarray:
    """Worst of several graded domains; a missing domain gives NaN unless another is 4."""
    stack = np.vstack(grades)
    known_max = np.where(np.isnan(stack), -np.inf, stack).max(axis=0)
    any_nan = np.isnan(stack).any(axis=0)
    out = np.where(any_nan & (known_max < 4), np.nan, known_max)
    return out.astype(float)


#: ICANS level of consciousness -> grade.
ICANS_CONSCIOUSNESS: dict[str, int] = {
    "normal": 0,
    "awakens_spontaneously": 1,
    "awakens_to_voice": 2,
    "awakens_to_touch": 3,
    "unarousable": 4,
}
#: ICANS seizure -> grade.
ICANS_SEIZURE: dict[str, int] = {"none": 0, "rapidly_resolving": 3, "prolonged_or_repetitive": 4}
#: ICANS motor findings -> grade.
ICANS_MOTOR: dict[Any, int] = {"none": 0, "deep_focal_weakness": 4, False: 0, True: 4}
#: ICANS raised intracranial pressure / cerebral oedema -> grade.
ICANS_OEDEMA: dict[str, int] = {"none": 0, "focal": 3, "diffuse": 4}


def icans_grade(
    *,
    ice_score: Any = None,
    consciousness: Any = None,
    seizure: Any = None,
    motor: Any = None,
    cerebral_oedema: Any = None,
    unarousable: Any = False,
) -> _Grades:
    """ASTCT 2019 consensus grade of ICANS in adults (0-4): the worst of the domains given.

    Parameters
    ----------
    ice_score
        Immune effector Cell-associated Encephalopathy score 0-10 (orientation 4, naming 3,
        commands 1, writing 1, attention 1): 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3.
    unarousable
        True where the patient is unarousable and cannot do the ICE test: grade 4 (an ICE score
        of 0 in an awake patient with global aphasia is grade 3).
    consciousness
        depressed level of consciousness not attributable to another cause: ``"normal"`` (0),
        ``"awakens_spontaneously"`` (1), ``"awakens_to_voice"`` (2), ``"awakens_to_touch"`` (3),
        ``"unarousable"`` (4: unarousable, vigorous or repetitive stimuli needed, stupor or coma).
    seizure
        ``"none"``, ``"rapidly_resolving"`` (any clinical seizure resolving rapidly, or
        non-convulsive EEG seizures resolving with intervention: 3),
        ``"prolonged_or_repetitive"`` (life-threatening > 5 min, or repetitive without return to
        baseline: 4).
    motor
        ``"none"`` or ``"deep_focal_weakness"`` (hemiparesis, paraparesis: 4); True/False too.
    cerebral_oedema
        ``"none"``, ``"focal"`` (focal/local oedema on neuroimaging: 3), ``"diffuse"`` (diffuse
        oedema, decerebrate/decorticate posturing, cranial nerve VI palsy, papilloedema or
        Cushing's triad: 4).

    A domain left as ``None`` was not assessed and does not contribute; at least one is needed.
    A missing element within a given domain gives NaN unless another domain is already 4.

    Returns float grades (NaN = not evaluable), same kind as the inputs.

    Method
    ------
    Lee DW, et al. Biol Blood Marrow Transplant 2019;25:625-638, Table 5 (adults): the ICANS
    grade is the most severe event not attributable to another cause.

    Examples
    --------
    >>> icans_grade(ice_score=3, seizure="rapidly_resolving")
    3.0
    """
    domains = {
        "ice_score": ice_score,
        "consciousness": consciousness,
        "seizure": seizure,
        "motor": motor,
        "cerebral_oedema": cerebral_oedema,
    }
    if all(v is None for v in domains.values()):
        raise SmallTrialError(
            "icans_grade needs at least one domain: ice_score, consciousness, seizure, motor or "
            "cerebral_oedema"
        )
    shape, n = _common_shape({**domains, "unarousable": unarousable})
    grades = []
    unar = _flag(unarousable, "unarousable", shape)
    if ice_score is not None:
        ice = _numeric(ice_score, "ice_score", shape, low=0, high=10)
        frac = ~np.isnan(ice) & (ice != np.floor(ice))
        if frac.any():
            raise SmallTrialError(f"ice_score must be whole numbers 0-10; got {_show(ice[frac])}")
        g = np.select([ice == 10, ice >= 7, ice >= 3, ice >= 0], [0.0, 1.0, 2.0, 3.0], np.nan)
        g = np.where(unar == 1.0, 4.0, g)
        grades.append(g)
    elif unarousable is not False:
        grades.append(np.where(unar == 1.0, 4.0, np.where(np.isnan(unar), np.nan, 0.0)))
    if consciousness is not None:
        grades.append(_category(consciousness, "consciousness", shape, ICANS_CONSCIOUSNESS))
    if seizure is not None:
        grades.append(_category(seizure, "seizure", shape, ICANS_SEIZURE))
    if motor is not None:
        grades.append(_category(motor, "motor", shape, ICANS_MOTOR))
    if cerebral_oedema is not None:
        grades.append(_category(cerebral_oedema, "cerebral_oedema", shape, ICANS_OEDEMA))
    return _as_float(_worst(*grades), shape, "icans_grade")


def worst_toxicity_grade(events: Any, event: str = "crs") -> pd.DataFrame:
    """Per subject, the worst grade of a toxicity event (0 where the subject had none).

    Parameters
    ----------
    events
        the ``events`` DataFrame of a Trial, or the Trial itself (``subject, day, event, grade``). Every subject in
        the events (or, for a Trial, in ``subjects``) gets a row.
    event
        ``"crs"`` or ``"icans"`` (ASTCT 2019 grades 1-5).

    Returns DataFrame ``subject, worst_grade`` (float; NaN where an event of that kind has a
    missing grade and no grade 5 is recorded).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"subject": ["a", "a", "b"], "day": [1, 2, 100],
    ...                    "event": ["crs", "crs", "last_contact"], "grade": [1, 2, None]})
    >>> worst_toxicity_grade(ev).to_dict("list")
    {'subject': ['a', 'b'], 'worst_grade': [2.0, 0.0]}
    """
    check_option(event, "event", ("crs", "icans"))
    data = events
    events = getattr(data, "events", data)
    if not isinstance(events, pd.DataFrame):
        raise SmallTrialError(
            f"events must be an events DataFrame or a Trial, got {type(data).__name__}"
        )
    check_frame(events, "events")
    check_columns(events, ("subject", "event", "grade"), "events")
    subjects = list(dict.fromkeys(events["subject"]))
    table = getattr(data, "subjects", None)
    if isinstance(table, pd.DataFrame) and "subject" in table.columns:
        subjects = list(dict.fromkeys([*table["subject"], *subjects]))
    rows = events[events["event"] == event]
    grades = pd.to_numeric(rows["grade"], errors="coerce")
    bad = (grades.isna() & rows["grade"].notna()) | (
        grades.notna() & (~grades.isin([1, 2, 3, 4, 5]))
    )
    if bad.any():
        raise SmallTrialError(
            f"column 'grade' of events must be 1-5 for event {event!r}; got "
            f"{_show(rows.loc[bad, 'grade'])} ({describe_rows(rows, bad, 'subject')})"
        )
    worst = []
    for subj in subjects:
        g = grades[rows["subject"] == subj].to_numpy(dtype=float)
        if len(g) == 0:
            worst.append(0.0)
        elif np.isnan(g).any() and not (g == 5).any():
            worst.append(np.nan)
        else:
            worst.append(float(np.nanmax(g)))
    return pd.DataFrame({"subject": subjects, "worst_grade": worst})
