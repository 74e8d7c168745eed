"""Input validation shared by every module.

Every check raises :class:`smalltrial.SmallTrialError` with a message that names the argument
or column, the offending value(s) and, for tidy data, the first few affected subjects/rows.
Statistics code calls these before computing anything, so bad input never produces a number.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from smalltrial._errors import SmallTrialError

__all__ = [
    "check_level",
    "check_choice",
    "check_probability",
    "check_count",
    "check_counts",
    "check_positive",
    "check_frame",
    "check_columns",
    "check_numeric_column",
    "check_no_missing",
    "check_nonnegative_column",
    "check_unique_rows",
    "check_column_name",
    "check_flag",
    "check_number",
    "check_numbers",
    "check_mapping",
    "check_sequence",
    "check_seed",
    "column_values",
    "check_label_column",
    "check_label",
    "describe_rows",
]

_MAX_SHOWN = 5


def _show(values: Iterable[Any], limit: int = _MAX_SHOWN) -> str:
    values = list(values)
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:limit])
    if len(values) > limit:
        shown += f", ... ({len(values)} in all)"
    return shown


def check_level(level: Any, name: str = "level") -> float:
    """Return ``level`` as a float in the open interval (0, 1)."""
    if isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise SmallTrialError(f"{name} must be a number in (0, 1), got {level!r}")
    value = float(level)
    if not (0.0 < value < 1.0) or math.isnan(value):
        raise SmallTrialError(f"{name} must be in (0, 1), got {level!r}")
    return value


def check_probability(p: Any, name: str, *, open_interval: bool = True) -> float:
    """Return ``p`` as a float in (0, 1) (or [0, 1] when ``open_interval`` is False)."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(float(p)):
        raise SmallTrialError(f"{name} must be a probability, got {p!r}")
    value = float(p)
    ok = (0.0 < value < 1.0) if open_interval else (0.0 <= value <= 1.0)
    if not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise SmallTrialError(f"{name} must be in {interval}, got {p!r}")
    return value


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise name the valid ones."""
    if not isinstance(value, str) or value not in choices:
        raise SmallTrialError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}"
        )
    return value


def check_count(value: Any, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an int; reject bools, fractions, NaN and values below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SmallTrialError(f"{name} must be a whole number, got {value!r}")
    fvalue = float(value)
    if not math.isfinite(fvalue) or fvalue != math.floor(fvalue):
        raise SmallTrialError(f"{name} must be a whole number, got {_show([value])}")
    if fvalue < minimum:
        raise SmallTrialError(f"{name} must be >= {minimum}, got {value!r}")
    return int(fvalue)


def check_counts(values: Any, name: str, *, minimum: int = 0):
    """Vectorised :func:`check_count`: returns an int64 numpy array (0-d for scalars)."""
    import numpy as np

    if isinstance(values, bool):
        raise SmallTrialError(f"{name} must be a whole number, got {values!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise SmallTrialError(f"{name} must be whole numbers, got {values!r}") from None
    if np.asarray(values).dtype == bool:
        raise SmallTrialError(f"{name} must be whole numbers, got booleans {values!r}")
    bad = ~np.isfinite(arr) | (arr != np.floor(arr))
    if bad.any():
        raise SmallTrialError(f"{name} must be whole numbers, got {_show(arr[bad])}")
    low = arr < minimum
    if low.any():
        raise SmallTrialError(f"{name} must be >= {minimum}, got {_show(arr[low])}")
    return arr.astype(np.int64)


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SmallTrialError(f"{name} must be a number, got {value!r}")
    fvalue = float(value)
    if not math.isfinite(fvalue) or fvalue < 0 or (fvalue == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise SmallTrialError(f"{name} must be finite and {bound}, got {value!r}")
    return fvalue


def _is_real(value: Any) -> bool:
    """A real number that is not a bool (numpy scalars included; pandas NA is not)."""
    import numpy as np

    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def check_number(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    optional: bool = False,
) -> float | None:
    """Return ``value`` as a finite float within [minimum, maximum]; None passes when ``optional``.

    Strings, bools, NaN and infinities are rejected (a flag is not a number, "3" is text).
    """
    if value is None and optional:
        return None
    if not _is_real(value) or not math.isfinite(float(value)):
        raise SmallTrialError(f"{name} must be a finite number, got {value!r}")
    fvalue = float(value)
    if minimum is not None and fvalue < minimum:
        raise SmallTrialError(f"{name} must be >= {minimum:g}, got {value!r}")
    if maximum is not None and fvalue > maximum:
        raise SmallTrialError(f"{name} must be <= {maximum:g}, got {value!r}")
    return fvalue


def check_numbers(values: Any, name: str, *, allow_empty: bool = True):
    """Return a number or a 1-d sequence of numbers as a float numpy array of finite values.

    Strings, bools, nested sequences, NaN and infinities are rejected.
    """
    from collections.abc import Mapping

    import numpy as np

    if isinstance(values, (str, bytes, Mapping)) or isinstance(values, (bool, np.bool_)):
        raise SmallTrialError(f"{name} must be numbers, got {values!r}")
    if _is_real(values):
        items = [values]
    else:
        try:
            items = list(values)
        except TypeError:
            raise SmallTrialError(f"{name} must be a number or a sequence of numbers, "
                                  f"got {values!r}") from None
    if any(isinstance(v, Iterable) and not isinstance(v, (str, bytes)) for v in items):
        try:
            shape = np.shape(values)
        except ValueError:
            shape = "ragged"
        raise SmallTrialError(f"{name} must be a scalar or a 1-d sequence, got shape {shape}")
    bad = [v for v in items if not _is_real(v)]
    if bad:
        raise SmallTrialError(f"{name} must be numbers, got {bad[:_MAX_SHOWN]!r}")
    arr = np.asarray(items, dtype=float)
    if not np.isfinite(arr).all():
        raise SmallTrialError(f"{name} must be finite numbers, got {_show(arr[~np.isfinite(arr)])}")
    if arr.size == 0 and not allow_empty:
        raise SmallTrialError(f"{name} is empty")
    return arr


def check_seed(seed: Any, name: str = "seed") -> int:
    """A random seed: a whole number >= 0."""
    return check_count(seed, name)


def check_flag(value: Any, name: str) -> bool:
    """``value`` as a bool; only True/False (numpy bools included) are accepted, never 1/0 or "no"."""
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise SmallTrialError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_column_name(value: Any, name: str, *, optional: bool = False) -> str | None:
    """A column-name argument: a non-empty string (None passes when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise SmallTrialError(f"{name} must be a column name (a string), got {value!r}")
    return value


def check_mapping(value: Any, name: str) -> dict:
    """A dict-like argument (None gives an empty dict)."""
    from collections.abc import Mapping

    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SmallTrialError(f"{name} must be a dict, got {value!r}")
    return dict(value)


def check_sequence(value: Any, name: str, *, optional: bool = False) -> list | None:
    """A list-like argument (not a string, mapping or scalar); None passes when ``optional``."""
    from collections.abc import Mapping

    if value is None and optional:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise SmallTrialError(f"{name} must be a list, got {value!r}")
    items = list(value)
    try:
        hash(tuple(items))
    except TypeError:
        raise SmallTrialError(f"{name} must be a list of labels, got {value!r}") from None
    return items


def column_values(data, column: str):
    """``data[column]`` with pandas extension dtypes mapped to plain numpy ones.

    Nullable ``Int64``/``Float64`` become float64 (NA -> NaN), ``boolean`` becomes bool (object
    with NaN where missing), ``string`` and categorical columns become object columns of their
    values (NA -> NaN). Plain numpy columns are returned unchanged, so every statistic gives the
    same result whatever the dtype the data arrived in.
    """
    import numpy as np
    import pandas as pd

    col = data[column]
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        values = np.asarray(col.astype(object))
        if pd.api.types.is_numeric_dtype(cats.dtype) and not pd.api.types.is_bool_dtype(cats.dtype):
            return pd.Series(values, index=col.index, name=col.name).astype(float)
        return pd.Series(values, index=col.index, name=col.name, dtype=object).where(
            col.notna(), np.nan
        )
    if not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return col
    if pd.api.types.is_bool_dtype(dtype):
        if col.isna().any():
            return col.astype(object).where(col.notna(), np.nan)
        return col.astype(bool)
    if pd.api.types.is_numeric_dtype(dtype):
        return col.astype("float64")
    return col.astype(object).where(col.notna(), np.nan)


def check_label(value: Any, name: str) -> Any:
    """A single level/label (a string or a finite number; not a list, dict, bool or NaN)."""
    if isinstance(value, str) or (_is_real(value) and math.isfinite(float(value))):
        return value
    raise SmallTrialError(f"{name} must be a single level (a string or a number), got {value!r}")


def check_label_column(data, column: str, *, name: str = "data") -> None:
    """Require a grouping column to hold labels (hashable scalars, not lists or dicts)."""
    bad = []
    for i, v in enumerate(data[column].tolist()):
        try:
            hash(v)
        except TypeError:
            bad.append(i)
    if bad:
        raise SmallTrialError(
            f"column {column!r} of {name} must hold labels; got "
            f"{_show([repr(data[column].iloc[i]) for i in bad])} (row {_show(data.index[bad])})"
        )


def check_frame(data: Any, name: str = "data"):
    """Require a non-empty pandas DataFrame."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise SmallTrialError(f"{name} must be a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise SmallTrialError(f"{name} is empty (0 rows)")
    return data


def check_columns(data, columns: Iterable[str], name: str = "data") -> None:
    """Require every column in ``columns`` to be present in ``data``."""
    columns = list(columns)
    for c in columns:
        try:
            hash(c)
        except TypeError:
            raise SmallTrialError(f"a column name must be a string, got {c!r}") from None
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SmallTrialError(
            f"{name} has no column {', '.join(map(repr, missing))}; "
            f"columns present: {', '.join(map(repr, map(str, data.columns)))}"
        )


def describe_rows(data, mask, subject: str | None = None) -> str:
    """Describe the rows selected by ``mask``: first few subject ids (or row labels)."""
    rows = data.loc[mask]
    if subject is not None and subject in data.columns:
        ids = list(dict.fromkeys(rows[subject].tolist()))
        return f"subject {_show(ids)}"
    return f"row {_show(rows.index.tolist())}"


def check_numeric_column(data, column: str, *, subject: str | None = None, name: str = "data"):
    """Require ``column`` to hold numbers; return them as a numeric Series.

    Bools and text are rejected, also text that looks like a number ("3"): a column of mixed
    numbers and strings is a data error, not something to guess about. Nullable and
    categorical numeric columns are accepted (see :func:`column_values`).
    """
    import pandas as pd

    col = column_values(data, column)
    if pd.api.types.is_bool_dtype(col):
        raise SmallTrialError(
            f"column {column!r} of {name} must be numeric; got {_show(col.unique().tolist())} "
            f"({describe_rows(data, col.notna().to_numpy(), subject)})"
        )
    if pd.api.types.is_numeric_dtype(col):
        return col
    bad = (col.notna() & ~col.map(_is_real)).to_numpy()
    if bad.any():
        raise SmallTrialError(
            f"column {column!r} of {name} must be numeric; got {_show(col[bad].tolist())} "
            f"({describe_rows(data, bad, subject)})"
        )
    return pd.to_numeric(col)


def check_no_missing(data, column: str, *, subject: str | None = None, name: str = "data") -> None:
    """Require ``column`` to have no missing values."""
    bad = data[column].isna()
    if bad.any():
        raise SmallTrialError(
            f"column {column!r} of {name} has {int(bad.sum())} missing value(s) "
            f"({describe_rows(data, bad, subject)})"
        )


def check_nonnegative_column(
    data, column: str, *, subject: str | None = None, name: str = "data"
) -> None:
    """Require ``column`` to be >= 0 and finite where present."""
    import numpy as np

    values = data[column].astype(float)
    bad = values.notna() & ((values < 0) | ~np.isfinite(values))
    if bad.any():
        raise SmallTrialError(
            f"column {column!r} of {name} must be finite and >= 0; got {_show(values[bad])} "
            f"({describe_rows(data, bad, subject)})"
        )


def check_unique_rows(
    data, keys: Sequence[str], *, subject: str | None = None, name: str = "data"
) -> None:
    """Require the combination of ``keys`` to identify rows uniquely (and to hold labels)."""
    for key in keys:
        check_label_column(data, key, name=name)
    dup = data.duplicated(list(keys), keep=False)
    if dup.any():
        first = data.loc[dup, list(keys)].head(_MAX_SHOWN).to_dict("records")
        raise SmallTrialError(
            f"{name} has {int(dup.sum())} rows with duplicated ({', '.join(keys)}): "
            f"{_show(first)}"
        )
