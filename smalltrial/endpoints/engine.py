"""The engine under every endpoint rule: input shapes, coercion and three-valued logic.

Scoring rules take scalars, arrays or Series and give back the same kind (:class:`_Shape`).
Inputs are coerced once here (:func:`_numeric`, :func:`_flag`, :func:`_category`) so that every
rule rejects the same bad input with the same message (naming the argument, the value and the
position), and pandas nullable/categorical dtypes give the same results as plain ones.

Three-valued (Kleene) logic: criteria are float arrays 1.0 (met), 0.0 (not met) and NaN
(unknown). :func:`_kleene_and` is 0 as soon as one known criterion fails, 1 only when all are
known and met, unknown otherwise; :func:`_kleene_or` is the dual. Results leave as pandas'
nullable ``"boolean"`` (``<NA>`` = not evaluable), never as a silent ``False``.

The arguments that are not data (thresholds, flags such as ``clinical=``, choices) are checked
by :func:`check_flag`, :func:`check_number` and :func:`check_option`: only real bools are flags
(``"no"``, ``0`` and ``None`` are not), thresholds are finite real numbers (not bools, strings,
lists or NaN).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show

# What the scoring rules return: the kind of their input (a Series for Series input, an array
# for list/array input, a scalar for scalars). The three-valued rules give pandas' nullable
# boolean (``pd.NA`` = not evaluable) and, with ``return_reasons=True``, a (result, reasons) pair.
_NAType = type(pd.NA)
_Flags: TypeAlias = pd.Series | pd.arrays.BooleanArray | bool | _NAType
_FlagsAndReasons: TypeAlias = _Flags | tuple[_Flags, pd.Series | np.ndarray | str]
_Grades: TypeAlias = pd.Series | np.ndarray | float
_Categories: TypeAlias = pd.Series | np.ndarray | str | None


# --------------------------------------------------------------------------------------------
# arguments that are not data: flags, thresholds, choices
# --------------------------------------------------------------------------------------------


def check_flag(value: Any, name: str) -> bool:
    """Return ``value`` if it is a real bool (``True``/``False``, numpy bools too)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise SmallTrialError(f"{name} must be True or False, got {value!r}")


def check_number(value: Any, name: str, *, low: float = -math.inf, high: float = math.inf) -> float:
    """Return ``value`` as a finite float in [low, high]; bools, strings, None, NaN are rejected."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise SmallTrialError(f"{name} must be a number, got {value!r}")
    fvalue = float(value)
    if not math.isfinite(fvalue):
        raise SmallTrialError(f"{name} must be a finite number, got {value!r}")
    if not low <= fvalue <= high:
        raise SmallTrialError(f"{name} must be in [{low:g}, {high:g}], got {value!r}")
    return fvalue


def check_option(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices`` (compared without hashing); else list them."""
    for choice in choices:
        if isinstance(value, type(choice)) and value == choice:
            return choice
    raise SmallTrialError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def check_optional_text(value: Any, name: str) -> str | None:
    """``None`` or a non-empty string."""
    if value is None or (isinstance(value, str) and value):
        return value
    raise SmallTrialError(f"{name} must be a non-empty string or None, got {value!r}")


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
        if np.ndim(value) > 0 and n == 0:
            raise SmallTrialError(f"{name} is empty (0 elements)")
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
            "!=": values != threshold,
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
