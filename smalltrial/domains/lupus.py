"""Disease endpoints: SLEDAI-2K, DORIS remission, LLDAS, SRI-4 and CAR-T toxicity grades.

Every rule is cited to its publication in the docstring of the function that implements it:

* SLEDAI-2K: Gladman DD, Ibañez D, Urowitz MB. Systemic lupus erythematosus disease activity
  index 2000. J Rheumatol 2002;29:288-291.
* DORIS 2021 remission: van Vollenhoven RF, et al. 2021 DORIS definition of remission in SLE:
  final recommendations from an international task force. Lupus Sci Med 2021;8:e000538.
* LLDAS: Franklyn K, et al. Definition and initial validation of a Lupus Low Disease Activity
  State (LLDAS). Ann Rheum Dis 2016;75:1615-1621.
* SRI-4: Furie RA, et al. Novel evidence-based systemic lupus erythematosus responder index.
  Arthritis Rheum 2009;61:1143-1151.
* CRS and ICANS: Lee DW, et al. ASTCT consensus grading for cytokine release syndrome and
  neurologic toxicity associated with immune effector cells. Biol Blood Marrow Transplant
  2019;25:625-638.

Missing data are never counted as "in remission" / "responder": the three-valued results use the
pandas nullable ``"boolean"`` dtype, with ``<NA>`` for "not evaluable". Criteria combine with
Kleene logic: a visit is *not* in remission as soon as one known criterion fails (even if another
input is missing), in remission only when every criterion is known and met, and not evaluable
otherwise. Grades are floats 0-5 with NaN for "not evaluable".

These are scoring rules, not statistics: there is no R or SAS implementation to follow, so every
threshold is tested at and next to its boundary against the published wording (tests/
test_endpoints*.py), and the per-visit derivation reproduces Mackensen et al. (Nat Med 2022)
DORIS remission at month 3 in 5/5 on the bundled SYNTHETIC item-level data.

This module is loaded lazily (``smalltrial.endpoints`` on first access), so it imports pandas at
the top.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError, warn

if TYPE_CHECKING:  # pragma: no cover
    from smalltrial.trial import Trial
from smalltrial._validate import (
    _show,
    check_columns,
    check_frame,
    check_unique_rows,
    describe_rows,
)

# What the scoring rules return: the kind of their input (a Series for Series input, an array
# for list/array input, a scalar for scalars). The three-valued rules give pandas' nullable
# boolean (``pd.NA`` = not evaluable) and, with ``return_reasons=True``, a (result, reasons) pair.
_NAType = type(pd.NA)
_Flags: TypeAlias = pd.Series | pd.arrays.BooleanArray | bool | _NAType
_FlagsAndReasons: TypeAlias = _Flags | tuple[_Flags, pd.Series | np.ndarray | str]
_Grades: TypeAlias = pd.Series | np.ndarray | float
_Categories: TypeAlias = pd.Series | np.ndarray | str | None

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
    "crs_grade",
    "hypoxia_from_oxygen",
    "icans_grade",
    "derive_visit_endpoints",
    "add_endpoints",
    "remission_summary",
    "worst_toxicity_grade",
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
    keys = _CLINICAL_ITEMS if clinical else tuple(SLEDAI2K_WEIGHTS)
    check_columns(items, keys, "items")
    total = np.zeros(len(items))
    for key in keys:
        total = total + SLEDAI2K_WEIGHTS[key] * _item_values(items[key], key, "items")
    return pd.Series(total, index=items.index, name="clinical_sledai2k" if clinical else "sledai2k")


# --------------------------------------------------------------------------------------------
# vectorised inputs: scalars, arrays or Series in, the same kind out
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Shape:
    kind: str  # "scalar", "array" or "series"
    index: Any = None
    size: int = 1


def _is_listlike(x: Any) -> bool:
    return isinstance(x, (list, tuple, np.ndarray, pd.Series, pd.Index)) or (
        pd.api.types.is_list_like(x) and not isinstance(x, (str, bytes, Mapping))
    )


def _shape_of(args: Mapping[str, Any]) -> _Shape:
    """The common shape of the vectorised arguments (None arguments are skipped)."""
    index = None
    index_name = None
    size = None
    size_name = None
    for name, value in args.items():
        if value is None or not _is_listlike(value):
            continue
        if isinstance(value, pd.Series):
            if index is None:
                index, index_name = value.index, name
            elif not value.index.equals(index):
                raise SmallTrialError(
                    f"{name} and {index_name} are Series with different indexes; align them first"
                )
        n = len(value) if np.ndim(value) > 0 else 1
        if np.ndim(value) > 1:
            raise SmallTrialError(f"{name} must be one-dimensional, got shape {np.shape(value)}")
        if size is None:
            size, size_name = n, name
        elif n != size:
            raise SmallTrialError(f"{name} has length {n} but {size_name} has length {size}")
    if size is None:
        return _Shape("scalar")
    return _Shape("series" if index is not None else "array", index, size)


def _common_shape(args: Mapping[str, Any]) -> tuple[_Shape, int]:
    """:func:`_shape_of` with the size set to the number of elements (1 for scalars)."""
    shape = _shape_of(args)
    n = max(shape.size, 1)
    return dataclasses.replace(shape, size=n), n


def _broadcast(value: Any, shape: _Shape) -> np.ndarray:
    """1-d object array of length ``shape.size`` (scalars repeated)."""
    if isinstance(value, pd.Series):
        arr = value.to_numpy(dtype=object)
    elif _is_listlike(value):
        arr = np.asarray(list(value), dtype=object)
    else:
        arr = np.empty(shape.size, dtype=object)
        arr[:] = [value] * shape.size
    return arr


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and np.isnan(v)


def _fast_numbers(value: Any, shape: _Shape, *, allow_bool: bool = False) -> np.ndarray | None:
    """Float array for numeric numpy/pandas input or a scalar (no per-element loop); else None."""
    if not _is_listlike(value):
        if _is_missing(value):
            return np.full(shape.size, np.nan)
        is_bool = isinstance(value, (bool, np.bool_))
        if (is_bool and allow_bool) or (isinstance(value, numbers.Real) and not is_bool):
            return np.full(shape.size, float(value))
        return None
    if isinstance(value, (pd.Series, np.ndarray, pd.api.extensions.ExtensionArray)):
        dtype = value.dtype
        is_bool = pd.api.types.is_bool_dtype(dtype)
        if (is_bool and allow_bool) or (pd.api.types.is_numeric_dtype(dtype) and not is_bool):
            if isinstance(value, np.ndarray):
                return value.astype(float).reshape(-1)
            return pd.array(value).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return None


def _numeric(value: Any, name: str, shape: _Shape, *, low: float = -np.inf, high: float = np.inf):
    """Numbers (missing -> NaN) within [low, high]; bools and strings are rejected."""
    out = _fast_numbers(value, shape)
    if out is None:
        arr = _broadcast(value, shape)
        out = np.full(len(arr), np.nan)
        bad = np.zeros(len(arr), dtype=bool)
        for i, v in enumerate(arr):
            if _is_missing(v):
                continue
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                bad[i] = True
                continue
            out[i] = float(v)
        if bad.any():
            raise SmallTrialError(
                f"{name} must be numeric; got {_show(arr[bad])}{_where(bad, shape)}"
            )
    outside = ~np.isnan(out) & ((out < low) | (out > high) | ~np.isfinite(out))
    if outside.any():
        raise SmallTrialError(
            f"{name} must be in [{low:g}, {high:g}]; got {_show(out[outside])}{_where(outside, shape)}"
        )
    return out


def _flag(value: Any, name: str, shape: _Shape) -> np.ndarray:
    """True/False/0/1 (missing -> NaN) as float 1/0/NaN."""
    fast = _fast_numbers(value, shape, allow_bool=True)
    if fast is not None:
        bad = ~np.isnan(fast) & (fast != 0.0) & (fast != 1.0)
        if bad.any():
            raise SmallTrialError(
                f"{name} must be True/False (or 0/1); got {_show(fast[bad])}{_where(bad, shape)}"
            )
        return fast
    arr = _broadcast(value, shape)
    out = np.full(len(arr), np.nan)
    bad = np.zeros(len(arr), dtype=bool)
    for i, v in enumerate(arr):
        if _is_missing(v):
            continue
        if isinstance(v, (bool, np.bool_)) or (
            isinstance(v, numbers.Real) and float(v) in (0.0, 1.0)
        ):
            out[i] = float(v)
        else:
            bad[i] = True
    if bad.any():
        raise SmallTrialError(
            f"{name} must be True/False (or 0/1); got {_show(arr[bad])}{_where(bad, shape)}"
        )
    return out


def _where(mask: np.ndarray, shape: _Shape) -> str:
    if shape.kind == "scalar":
        return ""
    labels = shape.index[mask] if shape.kind == "series" else np.flatnonzero(mask)
    return f" (at {'index' if shape.kind == 'series' else 'position'} {_show(list(labels))})"


def _category(value: Any, name: str, shape: _Shape, vocabulary: Mapping[Any, int]) -> np.ndarray:
    """Map category strings to grades; missing -> NaN; unknown strings raise listing the valid."""
    scalar = not _is_listlike(value)
    arr = np.array([value], dtype=object) if scalar else _broadcast(value, shape)
    missing = np.array([_is_missing(v) for v in arr], dtype=bool) if len(arr) < 64 else pd.isna(arr)
    lookup: dict[Any, float] = {}
    for u in pd.unique(arr[~missing]):
        key = u.item() if isinstance(u, np.generic) else u
        try:
            lookup[u] = float(vocabulary[key])
        except (KeyError, TypeError):
            continue
    codes = np.full(len(arr), np.nan)
    codes[~missing] = pd.Series(arr[~missing], dtype=object).map(lookup).to_numpy(dtype=float)
    bad = ~missing & np.isnan(codes)
    if bad.any():
        valid = ", ".join(repr(k) for k in vocabulary)
        where = "" if scalar else _where(bad, shape)
        raise SmallTrialError(f"{name} must be one of {valid}; got {_show(arr[bad])}{where}")
    return np.full(shape.size, codes[0]) if scalar else codes


def _as_boolean(values: np.ndarray, shape: _Shape, name: str):
    """float 1/0/NaN -> pandas nullable boolean in the caller's kind."""
    arr = pd.arrays.BooleanArray(values == 1.0, np.isnan(values))
    if shape.kind == "series":
        return pd.Series(arr, index=shape.index, name=name)
    if shape.kind == "array":
        return arr
    v = arr[0]
    return pd.NA if v is pd.NA else bool(v)


def _as_float(values: np.ndarray, shape: _Shape, name: str):
    if shape.kind == "series":
        return pd.Series(values, index=shape.index, name=name)
    if shape.kind == "array":
        return values
    return float(values[0])


def _as_text(values: np.ndarray, shape: _Shape, name: str):
    if shape.kind == "series":
        return pd.Series(values, index=shape.index, name=name, dtype=object)
    if shape.kind == "array":
        return values
    return values[0]


def _kleene_and(criteria: list[tuple[np.ndarray, str, str]], n: int, explain: bool = True):
    """Combine criteria (met 1 / failed 0 / unknown NaN) and explain each result.

    ``criteria`` holds ``(met, failure_text, missing_text)``. The result is 0 if any criterion
    failed, NaN if none failed but one is unknown, 1 if all are met. The reason is "" when met,
    the failed criteria joined by "; " when not met, and "not evaluable: <missing inputs>".
    """
    met = np.ones(n)
    any_fail = np.zeros(n, dtype=bool)
    any_nan = np.zeros(n, dtype=bool)
    for value, _, _ in criteria:
        any_fail |= value == 0.0
        any_nan |= np.isnan(value)
    met[any_nan] = np.nan
    met[any_fail] = 0.0
    if not explain:
        return met, None
    reasons = np.empty(n, dtype=object)
    for i in range(n):
        if any_fail[i]:
            reasons[i] = "; ".join(f for v, f, _ in criteria if v[i] == 0.0)
        elif any_nan[i]:
            reasons[i] = "not evaluable: " + ", ".join(m for v, _, m in criteria if np.isnan(v[i]))
        else:
            reasons[i] = ""
    return met, reasons


def _compare(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """Elementwise comparison with NaN propagated (1.0 true, 0.0 false, NaN unknown)."""
    with np.errstate(invalid="ignore"):
        result = {
            "<": values < threshold,
            "<=": values <= threshold,
            ">": values > threshold,
            ">=": values >= threshold,
            "==": values == threshold,
        }[op].astype(float)
    result[np.isnan(values)] = np.nan
    return result


def _not(flag: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(flag), np.nan, 1.0 - flag)


def _kleene_or(*flags: np.ndarray) -> np.ndarray:
    """True if any known True; False if all known False; NaN otherwise."""
    stack = np.vstack(flags)
    any_true = (stack == 1.0).any(axis=0)
    any_nan = np.isnan(stack).any(axis=0)
    return np.where(any_true, 1.0, np.where(any_nan, np.nan, 0.0))


def _finish(met, reasons, shape, name, return_reasons):
    result = _as_boolean(met, shape, name)
    if return_reasons:
        return result, _as_text(reasons, shape, f"{name}_reason")
    return result


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
    if upcr_unit not in _UPCR_TO_G_PER_G:
        raise SmallTrialError(
            f"upcr_unit must be one of {', '.join(map(repr, _UPCR_TO_G_PER_G))}; got {upcr_unit!r}"
        )
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
    args = {"clinical_sledai": clinical_sledai, "pga": pga, "prednisone_mg": prednisone_mg}
    shape, n = _common_shape(args)
    s = _numeric(clinical_sledai, "clinical_sledai", shape, low=0, high=105)
    g = _numeric(pga, "pga", shape, low=0, high=3)
    p = _numeric(prednisone_mg, "prednisone_mg", shape, low=0)
    pmax = float(prednisone_max)
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
# ASTCT 2019 grades
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# per-visit derivation over a Trial
# --------------------------------------------------------------------------------------------

_ITEM_PARAMS = {f"sledai_{k}": k for k in SLEDAI2K_WEIGHTS}
_VISIT_PARAMS = (
    "sledai2k",
    *_ITEM_PARAMS,
    "pga",
    "prednisone_mg",
    "immunosuppressants",
    "haemolytic_anaemia",
    "gi_activity",
    "new_activity",
)
_DERIVED_PARAMS = ("clinical_sledai2k", "doris", "drug_free_remission", "lldas")
_SLE_ACTIVITY_PARAMS = ("sledai2k", *_ITEM_PARAMS, "pga")


def _measurements(data: Any) -> pd.DataFrame:
    frame = getattr(data, "measurements", data)
    if not isinstance(frame, pd.DataFrame):
        raise SmallTrialError(
            f"data must be a Trial or a measurements DataFrame, got {type(data).__name__}"
        )
    check_frame(frame, "measurements")
    check_columns(frame, ("subject", "day", "parameter", "value"), "measurements")
    return frame


def derive_visit_endpoints(
    data: Any,
    *,
    haemolytic_anaemia: bool = False,
    gi_activity: bool = False,
    immunosuppressants_tolerated: bool = True,
    serology_counts_as_new_activity: bool = False,
    by: str = "day",
    cohort: str | None = "SLE",
) -> pd.DataFrame:
    """Per subject and visit day: SLEDAI-2K, clinical SLEDAI-2K, DORIS, drug-free remission, LLDAS.

    Parameters
    ----------
    data
        a :class:`smalltrial.Trial` or its long ``measurements`` DataFrame (``subject, day,
        visit, parameter, value``) with the parameters of the shared vocabulary: ``sledai2k``,
        ``sledai_<item>`` (0/1, items = keys of :data:`SLEDAI2K_WEIGHTS`), ``pga``,
        ``prednisone_mg``, ``immunosuppressants`` (0/1) and optionally ``haemolytic_anaemia``,
        ``gi_activity``, ``new_activity`` (0/1, for LLDAS).
    haemolytic_anaemia, gi_activity, immunosuppressants_tolerated
        the LLDAS inputs that are not SLEDAI-2K descriptors, used where the measurements do not
        record them (defaults: absent, absent, tolerated - an assumption; record the
        parameters to override it per visit).
    serology_counts_as_new_activity
        whether a serological descriptor (low complement, increased DNA binding) that appears
        since the previous visit is "new lupus activity" for LLDAS. Default False: LLDAS allows
        serological activity within SLEDAI-2K <= 4 (Franklyn 2016), so only the clinical
        descriptors are compared.
    by
        ``"day"`` (default): a visit is a subject x day, so all inputs of a visit must share
        its day; ``"visit"``: a visit is a subject x visit label (inputs recorded on different
        days of one visit are combined; ``day`` is then the visit's earliest day).
    cohort
        for a Trial whose ``subjects`` have a ``cohort`` column: derive only for subjects of
        this cohort (default ``"SLE"``: DORIS, LLDAS and SLEDAI-2K are SLE definitions, and a
        myositis patient on prednisone is not "not in remission"); ``None`` for all subjects.
        Ignored for a measurements DataFrame. Whatever the cohort, a subject with no SLE
        disease-activity measurement at any visit (``sledai2k``, ``sledai_<item>`` or ``pga``)
        gets no rows: the endpoints are not derived for a non-SLE patient.

    Returns
    -------
    DataFrame, one row per subject x day (sorted), columns ``subject, day, visit, sledai2k,
    sledai2k_recorded, sledai2k_from_items, sledai2k_disagrees, clinical_sledai2k, pga,
    prednisone_mg, immunosuppressants, doris, doris_reason, drug_free_remission,
    drug_free_reason, lldas, lldas_reason``. Endpoints are nullable booleans (``<NA>`` = not
    evaluable, with the reason); reasons are "" where the endpoint is met. Warnings raised
    (SmallTrialWarning) are also listed in ``result.attrs["warnings"]``.

    Rules
    -----
    * ``sledai2k``: recomputed from the 24 descriptors when all are recorded
      (:func:`sledai2k`), else the recorded total. A recomputed total that differs from a
      recorded one is flagged (``sledai2k_disagrees``) with a SmallTrialWarning; the recomputed
      one is used.
    * ``clinical_sledai2k``: from the 22 clinical descriptors; else recorded total minus 2 per
      recorded serological descriptor; else 0 where the total is 0; else NaN.
    * DORIS / drug-free remission: :func:`doris_remission`, :func:`drug_free_remission`.
    * LLDAS (:func:`lldas`): major organ activity from the descriptors in
      :data:`MAJOR_ORGAN_ITEMS` (none where the total is 0); new activity from a descriptor
      (clinical, by default) present now and absent at the subject's previous visit (or the ``new_activity``
      parameter; none where the total is 0; not evaluable at a subject's first visit otherwise).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"subject": "01", "day": 90, "visit": "month 3",
    ...                   "parameter": ["sledai2k", "pga", "prednisone_mg", "immunosuppressants"],
    ...                   "value": [0, 0, 0, 0]})
    >>> derive_visit_endpoints(m)[["doris", "drug_free_remission", "lldas"]].iloc[0].tolist()
    [True, True, True]
    """
    m = _measurements(data)
    table = getattr(data, "subjects", None)
    if cohort is not None and isinstance(table, pd.DataFrame) and "cohort" in table.columns:
        members = table.loc[table["cohort"] == cohort, "subject"]
        if len(members) == 0:
            raise SmallTrialError(
                f"cohort {cohort!r} has no subjects; cohorts present: "
                f"{_show(table['cohort'].dropna().unique())} (cohort=None for all subjects)"
            )
        m = m[m["subject"].isin(set(members))]
    m = m[m["parameter"].isin(_VISIT_PARAMS)]
    if m.empty:
        raise SmallTrialError(
            "measurements hold none of the parameters needed for the endpoints "
            f"({', '.join(('sledai2k', 'sledai_<item>', 'pga', 'prednisone_mg', 'immunosuppressants'))})"
        )
    # a subject never assessed with an SLE instrument (SLEDAI-2K, its descriptors or the PGA)
    # is not an SLE patient (e.g. myositis / systemic sclerosis on prednisone): no endpoints
    assessed = m.loc[m["parameter"].isin(_SLE_ACTIVITY_PARAMS), "subject"]
    m = m[m["subject"].isin(set(assessed))]
    if m.empty:
        raise SmallTrialError(
            "no subject has an SLE disease-activity measurement (parameter 'sledai2k', "
            "'sledai_<item>' or 'pga'); DORIS, drug-free remission and LLDAS are SLE endpoints"
        )
    if by not in ("day", "visit"):
        raise SmallTrialError(f"by must be one of 'day', 'visit'; got {by!r}")
    if by == "visit":
        check_columns(m, ("visit",), "measurements")
        if m["visit"].isna().any():
            raise SmallTrialError(
                "column 'visit' of measurements has missing labels "
                f"({describe_rows(m, m['visit'].isna(), 'subject')}); use by='day'"
            )
    check_unique_rows(m, ["subject", by, "parameter"], subject="subject", name="measurements")
    values = pd.to_numeric(m["value"], errors="coerce")
    bad = values.isna() & m["value"].notna()
    if bad.any():
        raise SmallTrialError(
            f"column 'value' of measurements must be numeric; got {_show(m.loc[bad, 'value'])} "
            f"({describe_rows(m, bad, 'subject')})"
        )
    m = m.assign(value=values)
    wide = m.pivot(index=["subject", by], columns="parameter", values="value")
    wide = wide.reindex(columns=list(_VISIT_PARAMS))
    groups = m.groupby(["subject", by], sort=False)
    if by == "visit":
        day = groups["day"].min().reindex(wide.index)
        visit = pd.Series(wide.index.get_level_values("visit"), index=wide.index)
    else:
        day = pd.Series(wide.index.get_level_values("day"), index=wide.index)
        visit = (
            groups["visit"].first().reindex(wide.index)
            if "visit" in m.columns
            else pd.Series(None, index=wide.index, dtype=object)
        )
    keys = pd.DataFrame(
        {"subject": wide.index.get_level_values("subject"), "day": day.to_numpy(dtype=float)}
    )
    order = keys.sort_values(["subject", "day"], kind="mergesort").index.to_numpy()
    wide, day, visit = wide.iloc[order], day.iloc[order], visit.iloc[order]
    out = pd.DataFrame(
        {
            "subject": wide.index.get_level_values("subject").to_numpy(),
            "day": day.to_numpy(),
            "visit": visit.to_numpy(),
        }
    )
    n = len(out)

    warnings_record: list[str] = []
    items = wide[list(_ITEM_PARAMS)].rename(columns=_ITEM_PARAMS).reset_index(drop=True)
    for key in SLEDAI2K_WEIGHTS:
        items[key] = _item_values(items[key], f"sledai_{key}", "measurements")
    recorded = wide["sledai2k"].to_numpy(dtype=float)
    from_items = sledai2k(items).to_numpy()
    disagrees = ~np.isnan(recorded) & ~np.isnan(from_items) & (recorded != from_items)
    if disagrees.any():
        where = [
            f"{s} day {d:g}"
            for s, d in zip(out["subject"][disagrees], out["day"][disagrees], strict=True)
        ]
        warn(
            "recorded SLEDAI-2K differs from the sum of its descriptors at "
            f"{_show(where)}; the sum of the descriptors is used",
            warnings_record,
        )
    total = np.where(np.isnan(from_items), recorded, from_items)
    clinical = sledai2k(items, clinical=True).to_numpy()
    serology = (
        SLEDAI2K_WEIGHTS["low_complement"] * items["low_complement"].to_numpy()
        + SLEDAI2K_WEIGHTS["increased_dna_binding"] * items["increased_dna_binding"].to_numpy()
    )
    clinical = np.where(np.isnan(clinical), total - serology, clinical)
    clinical = np.where(np.isnan(clinical) & (total == 0), 0.0, clinical)

    out["sledai2k"] = total
    out["sledai2k_recorded"] = recorded
    out["sledai2k_from_items"] = from_items
    out["sledai2k_disagrees"] = disagrees
    out["clinical_sledai2k"] = clinical
    for col in ("pga", "prednisone_mg", "immunosuppressants"):
        out[col] = wide[col].to_numpy(dtype=float)
    # inputs go to the scalar rules as Series labelled by visit, so errors name the visit
    labels = pd.Index(
        [f"{s!r} day {d:g}" for s, d in zip(out["subject"], out["day"], strict=True)],
        dtype=object,
    )
    shape = _Shape("series", labels, n)
    for col in ("immunosuppressants", "haemolytic_anaemia", "gi_activity", "new_activity"):
        _flag(pd.Series(wide[col].to_numpy(), index=labels), col, shape)

    def col(name: str) -> pd.Series:
        return pd.Series(out[name].to_numpy(), index=labels)

    doris, doris_reason = doris_remission(
        clinical_sledai=col("clinical_sledai2k"),
        pga=col("pga"),
        prednisone_mg=col("prednisone_mg"),
        return_reasons=True,
    )
    free, free_reason = drug_free_remission(
        clinical_sledai=col("clinical_sledai2k"),
        pga=col("pga"),
        prednisone_mg=col("prednisone_mg"),
        immunosuppressants=col("immunosuppressants"),
        return_reasons=True,
    )

    item_arr = items[list(SLEDAI2K_WEIGHTS)].to_numpy(dtype=float)
    major_cols = [list(SLEDAI2K_WEIGHTS).index(k) for k in MAJOR_ORGAN_ITEMS]
    major = _kleene_or(*(item_arr[:, j] for j in major_cols))
    major = np.where(total == 0, 0.0, major)
    compared = [
        j
        for j, k in enumerate(SLEDAI2K_WEIGHTS)
        if serology_counts_as_new_activity or k not in SEROLOGICAL_ITEMS
    ]
    new = _new_activity(out["subject"].to_numpy(), item_arr[:, compared])
    recorded_new = wide["new_activity"].to_numpy(dtype=float)
    new = np.where(np.isnan(recorded_new), new, recorded_new)
    new = np.where(np.isnan(recorded_new) & (total == 0), 0.0, new)

    def fill(param: str, default: bool) -> np.ndarray:
        col = wide[param].to_numpy(dtype=float)
        return np.where(np.isnan(col), float(default), col)

    low, low_reason = lldas(
        sledai=col("sledai2k"),
        major_organ_activity=pd.Series(major, index=labels),
        new_activity=pd.Series(new, index=labels),
        pga=col("pga"),
        prednisone_mg=col("prednisone_mg"),
        haemolytic_anaemia=pd.Series(fill("haemolytic_anaemia", haemolytic_anaemia), index=labels),
        gi_activity=pd.Series(fill("gi_activity", gi_activity), index=labels),
        immunosuppressants_tolerated=immunosuppressants_tolerated,
        return_reasons=True,
    )
    out["doris"] = doris.to_numpy()
    out["doris_reason"] = doris_reason.to_numpy()
    out["drug_free_remission"] = free.to_numpy()
    out["drug_free_reason"] = free_reason.to_numpy()
    out["lldas"] = low.to_numpy()
    out["lldas_reason"] = low_reason.to_numpy()
    out.attrs["warnings"] = warnings_record
    return out


def _new_activity(subjects: np.ndarray, items: np.ndarray) -> np.ndarray:
    """1 if a descriptor is present now and was absent at the previous visit (rows sorted)."""
    n = len(subjects)
    out = np.full(n, np.nan)
    for i in range(1, n):
        if subjects[i] != subjects[i - 1]:
            continue
        now, before = items[i], items[i - 1]
        new = (now == 1.0) & (before == 0.0)
        unknown = np.isnan(now) | np.isnan(before)
        maybe = unknown & (now != 0.0)
        out[i] = 1.0 if new.any() else (np.nan if maybe.any() else 0.0)
    return out


_DERIVED_UNITS_LABELS = {
    "sledai2k": ("points", "SLEDAI-2K"),
    "clinical_sledai2k": ("points", "Clinical SLEDAI-2K"),
    "doris": ("0/1", "DORIS 2021 remission"),
    "drug_free_remission": ("0/1", "Drug-free DORIS remission"),
    "lldas": ("0/1", "LLDAS"),
}


def add_endpoints(trial: Trial | pd.DataFrame, **options: Any) -> Trial | pd.DataFrame:
    """Return a copy of ``trial`` with the per-visit endpoints added as measurement parameters.

    Parameters
    ----------
    trial
        a :class:`smalltrial.Trial` or its long ``measurements`` DataFrame.
    **options
        passed on to :func:`derive_visit_endpoints` (e.g. ``cohort``: only the SLE cohort of a
        Trial by default; ``by``; the LLDAS assumptions).

    Adds ``clinical_sledai2k`` (points), ``doris``, ``drug_free_remission`` and ``lldas``
    (0/1) from :func:`derive_visit_endpoints`, and ``sledai2k`` where it was not recorded but
    its descriptors were. The rules and their citations are those of :func:`doris_remission`
    (van Vollenhoven 2021), :func:`drug_free_remission` and :func:`lldas` (Franklyn 2016).
    Not-evaluable visits get no row, and neither do subjects of other cohorts or subjects
    never assessed with SLEDAI-2K/PGA (DORIS is SLE-only); earlier rows of the derived
    parameters are replaced; a Trial's ``parameters`` table gets a row (label, unit) for each
    added parameter. The input is not modified. A measurements DataFrame in gives a
    measurements DataFrame out.

    Examples
    --------
    >>> import smalltrial as st
    >>> trial = add_endpoints(st.datasets.load("mackensen2022"))  # SYNTHETIC example data
    >>> int(trial.parameter("doris")["month 3"].sum())
    5
    """
    derived = derive_visit_endpoints(trial, **options)
    m = _measurements(trial)
    rows = []
    for param, (unit, _) in _DERIVED_UNITS_LABELS.items():
        value = derived[param].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        keep = ~np.isnan(value)
        if param == "sledai2k":
            keep &= np.isnan(derived["sledai2k_recorded"].to_numpy())
        part = pd.DataFrame(
            {
                "subject": derived["subject"][keep].to_numpy(),
                "day": derived["day"][keep].to_numpy(),
                "visit": derived["visit"][keep].to_numpy(),
                "parameter": param,
                "value": value[keep],
                "unit": unit,
            }
        )
        if "blq" in m.columns:
            part["blq"] = False
        rows.append(part)
    kept = m[~m["parameter"].isin(_DERIVED_PARAMS)]
    new = pd.concat([kept, *[r for r in rows if len(r)]], ignore_index=True)
    new = new[list(dict.fromkeys([*m.columns, *rows[0].columns]))]
    if isinstance(trial, pd.DataFrame):
        return new
    changes: dict[str, Any] = {"measurements": new}
    params = getattr(trial, "parameters", None)
    if isinstance(params, pd.DataFrame) and "parameter" in params.columns:
        added = [p for p in _DERIVED_UNITS_LABELS if p in set(new["parameter"])]
        missing = [p for p in added if p not in set(params["parameter"])]
        extra = pd.DataFrame(
            {
                "parameter": missing,
                "label": [_DERIVED_UNITS_LABELS[p][1] for p in missing],
                "unit": [_DERIVED_UNITS_LABELS[p][0] for p in missing],
            }
        )
        if len(extra):
            changes["parameters"] = pd.concat([params, extra], ignore_index=True)
    if dataclasses.is_dataclass(trial):
        return dataclasses.replace(trial, **changes)
    import copy

    clone = copy.copy(trial)
    for key, value in changes.items():
        setattr(clone, key, value)
    return clone


def remission_summary(
    data: Any,
    *,
    endpoint: str = "doris",
    post_infusion_only: bool = True,
    cohort: str | None = "SLE",
) -> pd.DataFrame:
    """Per-subject remission summary over visits.

    Parameters
    ----------
    data
        a Trial (every subject of ``cohort`` gets a row), a measurements DataFrame
        (endpoints are derived first), or the output of :func:`derive_visit_endpoints`.
    endpoint
        ``"doris"``, ``"drug_free_remission"`` or ``"lldas"``.
    post_infusion_only
        only visits after the infusion (day > 0) count (default).
    cohort
        for a Trial: only subjects of this cohort (default ``"SLE"``; ``None`` for all), as in
        :func:`derive_visit_endpoints`.

    Returns
    -------
    DataFrame ``subject, first_remission_day, sustained, proportion_of_visits_in_remission,
    n_visits_evaluable``: the first day in remission (NaN if never), whether the subject is in
    remission at that and every later evaluable visit (False if never in remission, <NA> if no
    visit is evaluable), the share of evaluable visits in remission (NaN if none), and the
    number of evaluable visits. Not-evaluable visits are left out, never counted as remission.

    Method: "sustained" is the reading of the CAR-T reports (Mackensen et al., Nat Med
    2022;28:2124; Müller et al., NEJM 2024;390:687: remission from the first DORIS visit on, no
    relapse); the per-visit rules are DORIS 2021 (van Vollenhoven et al., Lupus Sci Med
    2021;8:e000538) and LLDAS (Franklyn et al., Ann Rheum Dis 2016;75:1615).

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"subject": ["a", "a", "a"], "day": [30, 90, 180],
    ...                   "doris": pd.array([False, True, True], dtype="boolean")})
    >>> remission_summary(v).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'subject': 'a', 'first_remission_day': 90.0, 'sustained': True,
      'proportion_of_visits_in_remission': 0.6666666666666666, 'n_visits_evaluable': 3}]
    """
    if endpoint not in ("doris", "drug_free_remission", "lldas"):
        raise SmallTrialError(
            f"endpoint must be one of 'doris', 'drug_free_remission', 'lldas'; got {endpoint!r}"
        )
    if isinstance(data, pd.DataFrame) and endpoint in data.columns:
        visits = data
        check_columns(visits, ("subject", "day"), "data")
    else:
        visits = derive_visit_endpoints(data, cohort=cohort)
    subjects_all = list(dict.fromkeys(visits["subject"]))
    table = getattr(data, "subjects", None)
    if isinstance(table, pd.DataFrame) and "subject" in table.columns:
        # every subject of a Trial (of the cohort) gets a row, also one without evaluable visits
        if cohort is not None and "cohort" in table.columns:
            table = table[table["cohort"] == cohort]
        subjects_all = list(dict.fromkeys([*table["subject"], *subjects_all]))
    if post_infusion_only:
        visits = visits[visits["day"] > 0]
    records = []
    for subj in subjects_all:
        v = visits[visits["subject"] == subj].sort_values("day")
        status = pd.array(v[endpoint], dtype="boolean")
        evaluable = ~status.isna()
        days = v["day"].to_numpy(dtype=float)[evaluable]
        flags = status[evaluable].to_numpy(dtype=bool)
        n_eval = int(evaluable.sum())
        if n_eval == 0:
            records.append((subj, np.nan, pd.NA, np.nan, 0))
            continue
        if flags.any():
            first = int(np.argmax(flags))
            records.append((subj, days[first], bool(flags[first:].all()), flags.mean(), n_eval))
        else:
            records.append((subj, np.nan, False, 0.0, n_eval))
    out = pd.DataFrame(
        records,
        columns=[
            "subject",
            "first_remission_day",
            "sustained",
            "proportion_of_visits_in_remission",
            "n_visits_evaluable",
        ],
    )
    out["first_remission_day"] = out["first_remission_day"].astype(float)
    out["sustained"] = out["sustained"].astype("boolean")
    out["proportion_of_visits_in_remission"] = out["proportion_of_visits_in_remission"].astype(
        float
    )
    out["n_visits_evaluable"] = out["n_visits_evaluable"].astype(int)
    return out


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
    if event not in ("crs", "icans"):
        raise SmallTrialError(f"event must be one of 'crs', 'icans'; got {event!r}")
    data = events
    events = getattr(data, "events", data)
    if not isinstance(events, pd.DataFrame):
        raise SmallTrialError(
            f"events must be an events DataFrame or a Trial, got {type(data).__name__}"
        )
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
