"""Lupus (SLE) endpoints: SLEDAI-2K, DORIS remission, drug-free remission, LLDAS and SRI-4.

Every rule is cited to its publication in the docstring of the function that implements it:

* SLEDAI-2K: Gladman DD, Ibañez D, Urowitz MB. Systemic lupus erythematosus disease activity
  index 2000. J Rheumatol 2002;29:288-291.
* DORIS 2021 remission: van Vollenhoven RF, et al. 2021 DORIS definition of remission in SLE:
  final recommendations from an international task force. Lupus Sci Med 2021;8:e000538.
* LLDAS: Franklyn K, et al. Definition and initial validation of a Lupus Low Disease Activity
  State (LLDAS). Ann Rheum Dis 2016;75:1615-1621.
* SRI-4: Furie RA, et al. Novel evidence-based systemic lupus erythematosus responder index.
  Arthritis Rheum 2009;61:1143-1151.

Missing data are never counted as "in remission" / "responder": the three-valued results use the
pandas nullable ``"boolean"`` dtype, with ``<NA>`` for "not evaluable" (Kleene logic of
:mod:`smalltrial.endpoints.engine`).

These are scoring rules, not statistics: there is no R or SAS implementation to follow, so every
threshold is tested at and next to its boundary against the published wording (tests/
test_endpoints*.py), and the per-visit derivation reproduces Mackensen et al. (Nat Med 2022)
DORIS remission at month 3 in 5/5 on the bundled SYNTHETIC item-level data.

The named response rules ``doris``, ``drug_free_remission``, ``lldas`` and ``sri4`` of
:func:`smalltrial.endpoints.response_rule` are registered here (:func:`register_rule`).
All names are importable from :mod:`smalltrial.endpoints` too.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show, check_columns, check_frame, describe_rows
from smalltrial.endpoints.engine import (
    _broadcast,
    _common_shape,
    _compare,
    _finish,
    _flag,
    _FlagsAndReasons,
    _kleene_and,
    _kleene_or,
    _not,
    _numeric,
    _Shape,
    _shape_of,
    check_flag,
    check_number,
    check_option,
)
from smalltrial.endpoints.rules import register_rule

__all__ = [
    "SLEDAI2K_WEIGHTS",
    "SEROLOGICAL_ITEMS",
    "MAJOR_ORGAN_ITEMS",
    "sledai2k",
    "derive_sledai_items",
    "doris_remission",
    "drug_free_remission",
    "lldas",
    "sri4",
]

# --------------------------------------------------------------------------------------------
# SLEDAI-2K
# --------------------------------------------------------------------------------------------

#: The 24 SLEDAI-2K descriptors and their weights (Gladman et al., J Rheumatol 2002;29:288,
#: unchanged from Bombardier et al., Arthritis Rheum 1992;35:630). Maximum total 105.
SLEDAI2K_WEIGHTS: dict[str, int] = {
    "seizure": 8,
    "psychosis": 8,
    "organic_brain_syndrome": 8,
    "visual_disturbance": 8,
    "cranial_nerve_disorder": 8,
    "lupus_headache": 8,
    "cva": 8,
    "vasculitis": 8,
    "arthritis": 4,
    "myositis": 4,
    "urinary_casts": 4,
    "hematuria": 4,
    "proteinuria": 4,
    "pyuria": 4,
    "rash": 2,
    "alopecia": 2,
    "mucosal_ulcers": 2,
    "pleurisy": 2,
    "pericarditis": 2,
    "low_complement": 2,
    "increased_dna_binding": 2,
    "fever": 1,
    "thrombocytopenia": 1,
    "leukopenia": 1,
}

#: The serological descriptors left out of the clinical SLEDAI-2K.
SEROLOGICAL_ITEMS: tuple[str, ...] = ("low_complement", "increased_dna_binding")

#: SLEDAI-2K descriptors that are "activity in a major organ system" for LLDAS (Franklyn 2016:
#: renal, CNS, cardiopulmonary, vasculitis, fever).
MAJOR_ORGAN_ITEMS: tuple[str, ...] = (
    # CNS
    "seizure",
    "psychosis",
    "organic_brain_syndrome",
    "visual_disturbance",
    "cranial_nerve_disorder",
    "lupus_headache",
    "cva",
    # vasculitis
    "vasculitis",
    # renal
    "urinary_casts",
    "hematuria",
    "proteinuria",
    "pyuria",
    # cardiopulmonary
    "pleurisy",
    "pericarditis",
    # fever
    "fever",
)

_CLINICAL_ITEMS = tuple(k for k in SLEDAI2K_WEIGHTS if k not in SEROLOGICAL_ITEMS)


def _item_values(col: pd.Series, column: str, name: str) -> np.ndarray:
    """0/1/True/False/missing -> float 1/0/NaN; anything else raises naming column, value, rows."""
    if pd.api.types.is_bool_dtype(col.dtype):
        out = col.astype("float64") if col.dtype == bool else col.astype("Float64")
        return out.to_numpy(dtype=float, na_value=np.nan)
    missing = col.isna().to_numpy()
    values = col.to_numpy(dtype=object)
    ok = missing.copy()
    out = np.full(len(col), np.nan)
    for i, v in enumerate(values):
        if missing[i]:
            continue
        if isinstance(v, (bool, np.bool_)):
            out[i] = float(v)
            ok[i] = True
        elif isinstance(v, numbers.Real) and float(v) in (0.0, 1.0):
            out[i] = float(v)
            ok[i] = True
    if not ok.all():
        bad = ~ok
        raise SmallTrialError(
            f"column {column!r} of {name} must hold 0/1 or True/False; got "
            f"{_show(values[bad])} ({describe_rows(col.to_frame(), bad)})"
        )
    return out


def sledai2k(items: pd.DataFrame, *, clinical: bool = False) -> pd.Series:
    """SLEDAI-2K total (or clinical SLEDAI-2K) from the 24 descriptor columns.

    Parameters
    ----------
    items
        DataFrame with one column per descriptor, named by the keys of
        :data:`SLEDAI2K_WEIGHTS`, holding 0/1 or True/False (a descriptor counts if present at
        the visit or in the preceding 10 days). Missing values (NaN/None/<NA>) are allowed.
    clinical
        ``True`` leaves out the serological descriptors ``low_complement`` and
        ``increased_dna_binding`` (clinical SLEDAI-2K, as used by DORIS 2021); those two
        columns are then not required.

    Returns
    -------
    Series (float, same index as ``items``) named ``"sledai2k"`` or ``"clinical_sledai2k"``.
    A row with a missing value in any needed descriptor is NaN (not evaluable), never a
    silent 0.

    Method
    ------
    Weighted sum of the descriptors with the weights of Gladman et al., J Rheumatol
    2002;29:288 (SLEDAI-2K; maximum 105). No R/SAS reference implementation exists; the sum is
    checked against hand calculations.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({k: [0] for k in SLEDAI2K_WEIGHTS})
    >>> items[["arthritis", "proteinuria", "low_complement"]] = 1
    >>> float(sledai2k(items).iloc[0]), float(sledai2k(items, clinical=True).iloc[0])
    (10.0, 8.0)
    """
    check_frame(items, "items")
    clinical = check_flag(clinical, "clinical")
    keys = _CLINICAL_ITEMS if clinical else tuple(SLEDAI2K_WEIGHTS)
    check_columns(items, keys, "items")
    total = np.zeros(len(items))
    for key in keys:
        total = total + SLEDAI2K_WEIGHTS[key] * _item_values(items[key], key, "items")
    return pd.Series(total, index=items.index, name="clinical_sledai2k" if clinical else "sledai2k")


# --------------------------------------------------------------------------------------------
# SLEDAI-2K descriptors from raw data
# --------------------------------------------------------------------------------------------

_UPCR_TO_G_PER_G = {"g/g": 1.0, "mg/g": 1e-3, "mg/mmol": 8.84e-3}


def derive_sledai_items(
    *,
    upcr: Any = None,
    upcr_unit: str = "g/g",
    protein_24h: Any = None,
    platelets: Any = None,
    wbc: Any = None,
    c3: Any = None,
    c3_lower: Any = None,
    c4: Any = None,
    c4_lower: Any = None,
    anti_dsdna: Any = None,
    anti_dsdna_upper: Any = None,
    joint_count: Any = None,
    arthritis_min_joints: int = 2,
    rbc_hpf: Any = None,
    wbc_hpf: Any = None,
    temperature: Any = None,
) -> pd.DataFrame:
    """SLEDAI-2K descriptors derived from laboratory values, joint counts and temperature.

    Only the descriptors whose inputs are given are returned, as float columns 1/0/NaN in the
    order of :data:`SLEDAI2K_WEIGHTS`. A missing input gives a missing descriptor (NaN), never 0.
    Inputs are scalars, arrays or Series of equal length (a Series index is kept).

    Parameters and rules (Gladman et al., J Rheumatol 2002;29:288, SLEDAI-2K glossary)
    -------------------------------------------------------------------------------
    upcr, upcr_unit, protein_24h
        proteinuria: > 0.5 g/24 h; the urine protein:creatinine ratio > 0.5 g/g is the usual
        stand-in (``upcr_unit`` "g/g", "mg/g" or "mg/mmol", 1 mg/mmol = 8.84 mg/g). Exactly
        0.5 is not > 0.5. With both given, either one above 0.5 scores the descriptor.
    platelets
        thrombocytopenia: < 100 x 10^9/L.
    wbc
        leukopenia: < 3 x 10^9/L (the glossary excludes drug causes: not checkable here).
    c3, c3_lower, c4, c4_lower
        low_complement: C3 or C4 below the testing laboratory's lower limit (limits are
        required when the value is given; scalars or per-row arrays).
    anti_dsdna, anti_dsdna_upper
        increased_dna_binding: above the testing laboratory's upper limit.
    joint_count, arthritis_min_joints
        arthritis: at least ``arthritis_min_joints`` joints with pain and signs of
        inflammation. The SLEDAI-2K form reads ">= 2 joints" (default 2); the 1992 SLEDAI
        glossary, still reproduced on many forms, reads "more than 2 joints": pass 3 for it.
    rbc_hpf, wbc_hpf
        hematuria / pyuria: > 5 cells per high-power field (exclusions - stone, infection -
        are not checkable here).
    temperature
        fever: > 38 degC (exactly 38.0 does not score).

    Examples
    --------
    >>> derive_sledai_items(upcr=[0.5, 0.51], platelets=[99, 100]).to_dict("list")
    {'proteinuria': [0.0, 1.0], 'thrombocytopenia': [1.0, 0.0]}
    """
    args = {
        "upcr": upcr,
        "protein_24h": protein_24h,
        "platelets": platelets,
        "wbc": wbc,
        "c3": c3,
        "c3_lower": c3_lower,
        "c4": c4,
        "c4_lower": c4_lower,
        "anti_dsdna": anti_dsdna,
        "anti_dsdna_upper": anti_dsdna_upper,
        "joint_count": joint_count,
        "rbc_hpf": rbc_hpf,
        "wbc_hpf": wbc_hpf,
        "temperature": temperature,
    }
    if all(v is None for v in args.values()):
        raise SmallTrialError("derive_sledai_items needs at least one input (e.g. upcr=...)")
    check_option(upcr_unit, "upcr_unit", tuple(_UPCR_TO_G_PER_G))
    if (
        isinstance(arthritis_min_joints, bool)
        or not isinstance(arthritis_min_joints, numbers.Integral)
        or arthritis_min_joints < 1
    ):
        raise SmallTrialError(
            f"arthritis_min_joints must be a whole number >= 1, got {arthritis_min_joints!r}"
        )
    for value, limit in (
        ("c3", "c3_lower"),
        ("c4", "c4_lower"),
        ("anti_dsdna", "anti_dsdna_upper"),
    ):
        if args[value] is not None and args[limit] is None:
            raise SmallTrialError(f"{value} is given but {limit} (the laboratory's limit) is not")
    shape = _shape_of(args)
    size = max(shape.size, 1)
    shape = dataclasses.replace(shape, size=size)

    def num(name, low=0.0, high=np.inf):
        return _numeric(args[name], name, shape, low=low, high=high)

    items: dict[str, np.ndarray] = {}
    if upcr is not None or protein_24h is not None:
        parts = []
        if upcr is not None:
            parts.append(_compare(num("upcr") * _UPCR_TO_G_PER_G[upcr_unit], ">", 0.5))
        if protein_24h is not None:
            parts.append(_compare(num("protein_24h"), ">", 0.5))
        items["proteinuria"] = _kleene_or(*parts)
    if c3 is not None or c4 is not None:
        parts = []
        for value, limit in (("c3", "c3_lower"), ("c4", "c4_lower")):
            if args[value] is not None:
                v, lim = num(value), num(limit)
                with np.errstate(invalid="ignore"):
                    below = (v < lim).astype(float)
                below[np.isnan(v) | np.isnan(lim)] = np.nan
                parts.append(below)
        items["low_complement"] = _kleene_or(*parts)
    if anti_dsdna is not None:
        v, lim = num("anti_dsdna"), num("anti_dsdna_upper")
        with np.errstate(invalid="ignore"):
            above = (v > lim).astype(float)
        above[np.isnan(v) | np.isnan(lim)] = np.nan
        items["increased_dna_binding"] = above
    if joint_count is not None:
        joints = num("joint_count")
        if np.any(~np.isnan(joints) & (joints != np.floor(joints))):
            raise SmallTrialError(
                f"joint_count must be whole numbers; got {_show(joints[joints != np.floor(joints)])}"
            )
        items["arthritis"] = _compare(joints, ">=", float(arthritis_min_joints))
    if rbc_hpf is not None:
        items["hematuria"] = _compare(num("rbc_hpf"), ">", 5.0)
    if wbc_hpf is not None:
        items["pyuria"] = _compare(num("wbc_hpf"), ">", 5.0)
    if temperature is not None:
        items["fever"] = _compare(num("temperature", 25.0, 45.0), ">", 38.0)
    if platelets is not None:
        items["thrombocytopenia"] = _compare(num("platelets"), "<", 100.0)
    if wbc is not None:
        items["leukopenia"] = _compare(num("wbc"), "<", 3.0)
    ordered = {k: items[k] for k in SLEDAI2K_WEIGHTS if k in items}
    index = shape.index if shape.kind == "series" else None
    return pd.DataFrame(ordered, index=index)


# --------------------------------------------------------------------------------------------
# DORIS, drug-free remission, LLDAS, SRI-4
# --------------------------------------------------------------------------------------------


def doris_remission(
    *,
    clinical_sledai: Any,
    pga: Any,
    prednisone_mg: Any,
    prednisone_max: float = 5.0,
    return_reasons: bool = False,
) -> _FlagsAndReasons:
    """DORIS 2021 remission: clinical SLEDAI-2K = 0, PGA < 0.5 and prednisone <= 5 mg/day.

    Parameters
    ----------
    clinical_sledai
        clinical SLEDAI-2K (0-105; :func:`sledai2k` with ``clinical=True``).
    pga
        physician (evaluator's) global assessment, 0-3. 0.5 is *not* < 0.5.
    prednisone_mg
        prednisone(-equivalent) dose, mg/day. 5 is <= 5.
    prednisone_max
        the glucocorticoid ceiling (default 5 mg/day, the abstract's "5 mg/day or less"; the
        task force's final statement prints "<5 mg/day": pass e.g. 4.99 to follow it).
    return_reasons
        also return, per element, why the criterion is not met ("" when in remission) or which
        inputs are missing ("not evaluable: ...").

    Returns
    -------
    pandas nullable boolean, same kind as the inputs: a ``"boolean"`` Series for Series
    input, a ``BooleanArray`` for list/array input, ``True``/``False``/``pd.NA`` for scalars.
    ``<NA>`` = not evaluable; missing inputs are never in remission. Criteria combine with
    Kleene logic (one known failure gives ``False`` even when another input is missing).

    Method
    ------
    van Vollenhoven RF, et al. 2021 DORIS definition of remission in SLE. Lupus Sci Med
    2021;8:e000538: clinical SLEDAI = 0, evaluator's global assessment < 0.5 (0-3),
    prednisolone <= 5 mg/day, stable antimalarials, immunosuppressives and biologics allowed,
    serology irrelevant. Stability of maintenance therapy is not checked here.

    Examples
    --------
    >>> doris_remission(clinical_sledai=[0, 0, 2], pga=[0.4, 0.5, 0.0], prednisone_mg=[5, 0, 0])
    <BooleanArray>
    [True, False, False]
    Length: 3, dtype: boolean
    """
    return_reasons = check_flag(return_reasons, "return_reasons")
    args = {"clinical_sledai": clinical_sledai, "pga": pga, "prednisone_mg": prednisone_mg}
    shape, n = _common_shape(args)
    s = _numeric(clinical_sledai, "clinical_sledai", shape, low=0, high=105)
    g = _numeric(pga, "pga", shape, low=0, high=3)
    p = _numeric(prednisone_mg, "prednisone_mg", shape, low=0)
    pmax = check_number(prednisone_max, "prednisone_max", low=0.0)
    met, reasons = _kleene_and(
        [
            (_compare(s, "==", 0.0), "clinical SLEDAI-2K > 0", "clinical_sledai missing"),
            (_compare(g, "<", 0.5), "PGA >= 0.5", "pga missing"),
            (_compare(p, "<=", pmax), f"prednisone > {pmax:g} mg/day", "prednisone_mg missing"),
        ],
        n,
        return_reasons,
    )
    return _finish(met, reasons, shape, "doris", return_reasons)


def drug_free_remission(
    *,
    clinical_sledai: Any,
    pga: Any,
    prednisone_mg: Any,
    immunosuppressants: Any,
    return_reasons: bool = False,
) -> _FlagsAndReasons:
    """Drug-free DORIS remission: DORIS 2021 remission with no glucocorticoids or immunosuppressants.

    Parameters
    ----------
    clinical_sledai, pga, prednisone_mg
        as in :func:`doris_remission`; the prednisone dose must be exactly 0.
    immunosuppressants
        True/1 if on any immunosuppressant or biologic (antimalarials excluded), False/0 if not.

    Returns nullable boolean like :func:`doris_remission` (``<NA>`` = not evaluable).

    Method
    ------
    "Remission off treatment" in the CAR-T reports (Mackensen et al., Nat Med 2022;28:2124;
    Müller et al., NEJM 2024;390:687): DORIS 2021 (van Vollenhoven et al., Lupus Sci Med
    2021;8:e000538) with all glucocorticoids and immunosuppressants stopped; antimalarials do
    not count.

    Examples
    --------
    >>> drug_free_remission(clinical_sledai=0, pga=0, prednisone_mg=0, immunosuppressants=False)
    True
    """
    return_reasons = check_flag(return_reasons, "return_reasons")
    args = {
        "clinical_sledai": clinical_sledai,
        "pga": pga,
        "prednisone_mg": prednisone_mg,
        "immunosuppressants": immunosuppressants,
    }
    shape, n = _common_shape(args)
    s = _numeric(clinical_sledai, "clinical_sledai", shape, low=0, high=105)
    g = _numeric(pga, "pga", shape, low=0, high=3)
    p = _numeric(prednisone_mg, "prednisone_mg", shape, low=0)
    im = _flag(immunosuppressants, "immunosuppressants", shape)
    met, reasons = _kleene_and(
        [
            (_compare(s, "==", 0.0), "clinical SLEDAI-2K > 0", "clinical_sledai missing"),
            (_compare(g, "<", 0.5), "PGA >= 0.5", "pga missing"),
            (_compare(p, "==", 0.0), "on glucocorticoids", "prednisone_mg missing"),
            (_not(im), "on immunosuppressants", "immunosuppressants missing"),
        ],
        n,
        return_reasons,
    )
    return _finish(met, reasons, shape, "drug_free_remission", return_reasons)


def lldas(
    *,
    sledai: Any,
    major_organ_activity: Any,
    new_activity: Any,
    pga: Any,
    prednisone_mg: Any,
    haemolytic_anaemia: Any = False,
    gi_activity: Any = False,
    immunosuppressants_tolerated: Any = True,
    return_reasons: bool = False,
) -> _FlagsAndReasons:
    """Lupus Low Disease Activity State (LLDAS, Franklyn 2016): all five criteria.

    Parameters
    ----------
    sledai
        SLEDAI-2K total (0-105); criterion 1 needs <= 4 (4 is in, 5 is out).
    major_organ_activity
        True if any activity in a major organ system (renal, CNS, cardiopulmonary, vasculitis,
        fever): the SLEDAI-2K descriptors in :data:`MAJOR_ORGAN_ITEMS` (criterion 1).
    new_activity
        True if new features of lupus activity compared with the previous assessment
        (criterion 2).
    pga
        physician global assessment, 0-3; criterion 3 needs <= 1.
    prednisone_mg
        prednisolone(-equivalent) dose; criterion 4 needs <= 7.5 mg/day.
    haemolytic_anaemia, gi_activity
        not SLEDAI-2K descriptors, so explicit (default False = absent); either True fails
        criterion 1.
    immunosuppressants_tolerated
        criterion 5: standard maintenance immunosuppressants/approved biologics, well tolerated
        (default True; False if not tolerated or investigational drugs are used).
    return_reasons
        also return why each element is not in LLDAS or not evaluable.

    Returns nullable boolean like :func:`doris_remission` (Kleene logic, ``<NA>`` = not
    evaluable, never counted as in LLDAS).

    Method
    ------
    Franklyn K, et al. Definition and initial validation of a Lupus Low Disease Activity State
    (LLDAS). Ann Rheum Dis 2016;75:1615-1621, Table 1.

    Examples
    --------
    >>> lldas(sledai=4, major_organ_activity=False, new_activity=False, pga=1, prednisone_mg=7.5)
    True
    """
    return_reasons = check_flag(return_reasons, "return_reasons")
    args = {
        "sledai": sledai,
        "major_organ_activity": major_organ_activity,
        "new_activity": new_activity,
        "pga": pga,
        "prednisone_mg": prednisone_mg,
        "haemolytic_anaemia": haemolytic_anaemia,
        "gi_activity": gi_activity,
        "immunosuppressants_tolerated": immunosuppressants_tolerated,
    }
    shape, n = _common_shape(args)
    s = _numeric(sledai, "sledai", shape, low=0, high=105)
    major = _flag(major_organ_activity, "major_organ_activity", shape)
    new = _flag(new_activity, "new_activity", shape)
    g = _numeric(pga, "pga", shape, low=0, high=3)
    p = _numeric(prednisone_mg, "prednisone_mg", shape, low=0)
    ha = _flag(haemolytic_anaemia, "haemolytic_anaemia", shape)
    gi = _flag(gi_activity, "gi_activity", shape)
    tol = _flag(immunosuppressants_tolerated, "immunosuppressants_tolerated", shape)
    met, reasons = _kleene_and(
        [
            (_compare(s, "<=", 4.0), "SLEDAI-2K > 4", "sledai missing"),
            (_not(major), "major organ activity", "major_organ_activity missing"),
            (_not(ha), "haemolytic anaemia", "haemolytic_anaemia missing"),
            (_not(gi), "gastrointestinal activity", "gi_activity missing"),
            (_not(new), "new lupus activity", "new_activity missing"),
            (_compare(g, "<=", 1.0), "PGA > 1", "pga missing"),
            (_compare(p, "<=", 7.5), "prednisone > 7.5 mg/day", "prednisone_mg missing"),
            (tol, "immunosuppressants not tolerated", "immunosuppressants_tolerated missing"),
        ],
        n,
        return_reasons,
    )
    return _finish(met, reasons, shape, "lldas", return_reasons)


def sri4(
    *,
    sledai_baseline: Any,
    sledai: Any,
    pga_baseline: Any,
    pga: Any,
    bilag_new_a: Any = None,
    bilag_new_b: Any = None,
    return_reasons: bool = False,
) -> _FlagsAndReasons:
    """SLE Responder Index (SRI-4), or the modified SRI when BILAG is not given.

    Parameters
    ----------
    sledai_baseline, sledai
        SLEDAI(-2K) at baseline and at the visit; response needs a reduction >= 4.
    pga_baseline, pga
        physician global assessment (0-3) at baseline and at the visit; response needs an
        increase < 0.3 (an increase of exactly 0.3 is worsening). Differences are rounded to
        9 decimals so that e.g. 1.3 - 1.0 counts as 0.3.
    bilag_new_a, bilag_new_b
        numbers of new BILAG A and new BILAG B organ domain scores (True/False read as 1/0);
        response needs no new A and at most one new B. Give both or neither: with neither
        (``None``), the BILAG criterion is dropped and the result is the *modified SRI*
        (SLEDAI-2K reduction >= 4 and no PGA increase >= 0.3), as used when BILAG is not
        collected, e.g. in the CAR-T case series.
    return_reasons
        also return why each element is not a responder or not evaluable.

    Returns nullable boolean like :func:`doris_remission`.

    Method
    ------
    Furie RA, et al. Novel evidence-based systemic lupus erythematosus responder index.
    Arthritis Rheum 2009;61:1143-1151 (SRI with a SELENA-SLEDAI reduction >= 4, no new BILAG A
    and no more than one new BILAG B, no PGA worsening >= 0.3 points).

    Examples
    --------
    >>> sri4(sledai_baseline=10, sledai=6, pga_baseline=1.0, pga=1.2)
    True
    """
    return_reasons = check_flag(return_reasons, "return_reasons")
    if (bilag_new_a is None) != (bilag_new_b is None):
        raise SmallTrialError(
            "give both bilag_new_a and bilag_new_b (SRI-4) or neither (modified SRI); got "
            f"bilag_new_a={bilag_new_a!r}, bilag_new_b={bilag_new_b!r}"
        )
    args = {
        "sledai_baseline": sledai_baseline,
        "sledai": sledai,
        "pga_baseline": pga_baseline,
        "pga": pga,
        "bilag_new_a": bilag_new_a,
        "bilag_new_b": bilag_new_b,
    }
    shape, n = _common_shape(args)
    s0 = _numeric(sledai_baseline, "sledai_baseline", shape, low=0, high=105)
    s1 = _numeric(sledai, "sledai", shape, low=0, high=105)
    g0 = _numeric(pga_baseline, "pga_baseline", shape, low=0, high=3)
    g1 = _numeric(pga, "pga", shape, low=0, high=3)
    criteria = [
        (_compare(s0 - s1, ">=", 4.0), "SLEDAI reduction < 4", "sledai_baseline or sledai missing"),
        (
            _compare(np.round(g1 - g0, 9), "<", 0.3),
            "PGA increase >= 0.3",
            "pga_baseline or pga missing",
        ),
    ]
    if bilag_new_a is not None:
        a = _bilag_count(bilag_new_a, "bilag_new_a", shape)
        b = _bilag_count(bilag_new_b, "bilag_new_b", shape)
        criteria.append((_compare(a, "==", 0.0), "new BILAG A", "bilag_new_a missing"))
        criteria.append(
            (_compare(b, "<=", 1.0), "more than one new BILAG B", "bilag_new_b missing")
        )
    met, reasons = _kleene_and(criteria, n, return_reasons)
    return _finish(met, reasons, shape, "sri4", return_reasons)


def _bilag_count(value: Any, name: str, shape: _Shape) -> np.ndarray:
    """Counts of new BILAG domains (True/False read as 1/0), whole numbers 0-9."""
    arr = _broadcast(value, shape)
    as_numbers = np.array(
        [float(v) if isinstance(v, (bool, np.bool_)) else v for v in arr], dtype=object
    )
    out = _numeric(as_numbers, name, shape, low=0, high=9)
    frac = ~np.isnan(out) & (out != np.floor(out))
    if frac.any():
        raise SmallTrialError(
            f"{name} must be whole numbers (counts of domains); got {_show(out[frac])}"
        )
    return out


# --------------------------------------------------------------------------------------------
# named response rules ({"rule": "doris"} etc. in smalltrial.endpoints.response_rule)
# --------------------------------------------------------------------------------------------


def _visit_population(data: Any, visits: pd.DataFrame) -> list[Any] | None:
    """The SLE subjects of a Trial (cohort column) or None (all subjects with visits)."""
    table = getattr(data, "subjects", None)
    if not isinstance(table, pd.DataFrame) or "subject" not in table.columns:
        return None
    if "cohort" in table.columns:
        table = table[table["cohort"] == "SLE"]
    return list(dict.fromkeys([*table["subject"].astype(object), *visits["subject"]]))


def _post_baseline(visits: pd.DataFrame, met: Any) -> pd.DataFrame:
    post = (visits["day"] > 0).to_numpy()
    values = pd.array(met, dtype="boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(
        {
            "subject": visits["subject"].to_numpy(dtype=object)[post],
            "day": visits["day"].to_numpy(dtype=float)[post],
            "visit": visits["visit"].to_numpy(dtype=object)[post],
            "met": values[post],
        }
    )


def _visit_rule(column: str):
    def evaluate(data: Any) -> pd.DataFrame:
        from smalltrial.endpoints.derive import derive_visit_endpoints

        visits = derive_visit_endpoints(data)
        out = _post_baseline(visits, visits[column])
        out.attrs = {
            "subjects": _visit_population(data, visits),
            "emitted": list(visits.attrs.get("warnings", [])),
        }
        return out

    return evaluate


def _sri4_rule(data: Any) -> pd.DataFrame:
    """Modified SRI-4 per post-baseline visit against the last SLEDAI-2K/PGA on or before day 0."""
    from smalltrial.endpoints.derive import derive_visit_endpoints

    visits = derive_visit_endpoints(data)
    base_rows = visits[(visits["day"] <= 0).to_numpy()]
    baselines = {}
    for column in ("sledai2k", "pga"):
        known = base_rows[base_rows[column].notna()]
        baselines[column] = known.groupby("subject", sort=False)[column].last()
    post = visits[(visits["day"] > 0).to_numpy()]
    s0 = post["subject"].map(baselines["sledai2k"]).to_numpy(dtype=float)
    g0 = post["subject"].map(baselines["pga"]).to_numpy(dtype=float)
    missing = np.isnan(s0) | np.isnan(g0)
    no_base = sorted(set(post["subject"][missing]), key=str)
    met = sri4(
        sledai_baseline=s0,
        sledai=post["sledai2k"].to_numpy(dtype=float),
        pga_baseline=g0,
        pga=post["pga"].to_numpy(dtype=float),
    )
    out = _post_baseline(post, met)
    messages = []
    if no_base:
        messages.append(
            "response rule sri4: no baseline SLEDAI-2K or PGA (on or before day 0) for subject "
            f"{_show(no_base)}: not assessable at any visit"
        )
    out.attrs = {
        "subjects": _visit_population(data, visits),
        "not_assessable": no_base,
        "warnings": messages,
        "emitted": list(visits.attrs.get("warnings", [])),
    }
    return out


register_rule(
    "doris",
    _visit_rule("doris"),
    label="DORIS 2021 remission",
    citation="van Vollenhoven RF, et al. Lupus Sci Med 2021;8:e000538",
)
register_rule(
    "drug_free_remission",
    _visit_rule("drug_free_remission"),
    label="drug-free DORIS remission",
    citation="Mackensen A, et al. Nat Med 2022;28:2124 (DORIS off glucocorticoids and immunosuppressants)",
)
register_rule(
    "lldas",
    _visit_rule("lldas"),
    label="LLDAS",
    citation="Franklyn K, et al. Ann Rheum Dis 2016;75:1615",
)
register_rule(
    "sri4",
    _sri4_rule,
    label="modified SRI-4 (SLEDAI-2K reduction >= 4, PGA increase < 0.3 from baseline)",
    citation="Furie RA, et al. Arthritis Rheum 2009;61:1143",
)
