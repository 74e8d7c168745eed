"""Input handling shared by the figure builders (tidy frames or Trial-like objects)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._validate import (
    check_column_name,
    check_columns,
    check_frame,
    check_no_missing,
    check_number,
    check_numeric_column,
)
from smalltrial.figures._style import PALETTE

DAYS_PER_MONTH = 30.4375
GREY = "#8C8C8C"
LIGHT_GREY = "#DDDDDD"

#: parameters drawn on a log axis by default
LOG_PARAMETERS = frozenset({"upcr", "cd19_bcells", "car_t"})

#: default labels (used when the trial has no `parameters` table)
PARAMETER_LABELS: dict[str, str] = {
    "sledai2k": "SLEDAI-2K",
    "pga": "PGA",
    "prednisone_mg": "Prednisone (mg/day)",
    "upcr": "UPCR (g/g)",
    "c3": "C3 (g/L)",
    "c4": "C4 (g/L)",
    "anti_dsdna": "Anti-dsDNA (IU/mL)",
    "cd19_bcells": "CD19+ B cells (cells/\u00b5L)",
    "car_t": "CAR-T cells (% of CD3+ T cells)",
}


def is_trial(data: Any) -> bool:
    """Duck typing for smalltrial.Trial: has the tidy frames as attributes."""
    import pandas as pd

    return not isinstance(data, pd.DataFrame) and (
        hasattr(data, "events") or hasattr(data, "measurements")
    )


def trial_frame(data: Any, attribute: str, name: str = "data"):
    """``data.<attribute>`` for a Trial-like object, or ``data`` itself for a DataFrame."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return check_frame(data, name)
    frame = getattr(data, attribute, None)
    if frame is None:
        raise SmallTrialError(
            f"{name} must be a pandas DataFrame or a Trial with a {attribute!r} table; "
            f"got {type(data).__name__}"
        )
    return check_frame(frame, f"{name}.{attribute}")


def parameters_table(data: Any):
    """The optional `parameters` table of a Trial-like object (None for frames)."""
    import pandas as pd

    table = None if isinstance(data, pd.DataFrame) else getattr(data, "parameters", None)
    if table is None or not isinstance(table, pd.DataFrame) or "parameter" not in table:
        return None
    return table


def parameter_info(data: Any, parameter: str | None) -> dict[str, Any]:
    """Row of the parameters table for ``parameter`` as a dict ({} when unknown)."""
    table = parameters_table(data)
    if table is None or parameter is None:
        return {}
    rows = table.loc[table["parameter"] == parameter]
    if len(rows) == 0:
        return {}
    return {k: v for k, v in rows.iloc[0].to_dict().items()}


def optional_number(value: Any, name: str) -> float | None:
    """None, or ``value`` as a finite float; anything else raises naming ``name``."""
    return check_number(value, name, optional=True)


def check_figure_args(columns: Any, height_mm: Any, **column_names: Any) -> None:
    """Shared argument checks of the figure builders: the size arguments and the column-name
    arguments (keyword = argument name; None allowed for optional columns)."""
    check_number(columns, "columns")
    check_number(height_mm, "height_mm", optional=True)
    for arg, value in column_names.items():
        check_column_name(value, arg, optional=True)


def finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def select_parameter(frame, parameter: str | None, name: str = "data"):
    """Rows of one parameter (long format); the whole frame when ``parameter`` is None."""
    if parameter is None:
        return frame
    check_columns(frame, ["parameter"], name)
    rows = frame.loc[frame["parameter"] == parameter]
    if len(rows) == 0:
        present = sorted(map(str, frame["parameter"].dropna().unique()))
        raise SmallTrialError(
            f"parameter {parameter!r} not found in column 'parameter' of {name}; "
            f"present: {', '.join(map(repr, present[:12]))}"
        )
    return rows


def numeric(frame, column: str, *, subject: str | None = None, name: str = "data", missing=False):
    """Column as float numpy array after validation (no missing values unless allowed; never
    infinite)."""
    from smalltrial._validate import column_values, describe_rows

    values = check_numeric_column(frame.assign(**{column: column_values(frame, column)}), column,
                                  subject=subject, name=name)
    if not missing:
        check_no_missing(frame, column, subject=subject, name=name)
    out = values.to_numpy(dtype=float, na_value=np.nan)
    infinite = np.isinf(out)
    if infinite.any():
        raise SmallTrialError(
            f"column {column!r} of {name} must be finite; got {out[infinite][:5].tolist()} "
            f"({describe_rows(frame, infinite, subject)})"
        )
    return out


def flag_column(frame, column: str, *, name: str = "data") -> np.ndarray:
    """A True/False column (1/0 accepted, missing = False) as a bool array; other values raise."""
    from smalltrial._validate import column_values, describe_rows

    col = column_values(frame, column)
    ok = col.isna() | col.map(lambda v: isinstance(v, (bool, np.bool_)) or (
        isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1)))
    if not ok.all():
        bad = ~ok.to_numpy()
        raise SmallTrialError(
            f"column {column!r} of {name} must be True/False; got "
            f"{', '.join(list(dict.fromkeys(map(repr, col[bad].tolist())))[:5])} "
            f"({describe_rows(frame, bad)})"
        )
    return col.map(lambda v: False if v is None or v != v else bool(v)).to_numpy(bool)


def check_xlim(xlim: Any):
    """None or a pair (low, high) of finite numbers with low < high."""
    if xlim is None:
        return None
    from smalltrial._validate import check_numbers

    if isinstance(xlim, (str, bytes)):
        raise SmallTrialError(f"xlim must be a pair (low, high) of numbers, got {xlim!r}")
    pair = check_numbers(xlim, "xlim")
    if pair.size != 2 or not pair[0] < pair[1]:
        raise SmallTrialError(f"xlim must be a pair (low, high) with low < high, got {xlim!r}")
    return (float(pair[0]), float(pair[1]))


def sorted_levels(values) -> list:
    """Unique levels in a deterministic order (numeric or string sort, NaN dropped)."""
    levels = [v for v in dict.fromkeys(values) if not (isinstance(v, float) and math.isnan(v))]
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)


def levels_of(series) -> list:
    """The levels of a column in display order: a pandas Categorical's own order (the levels
    present), else :func:`sorted_levels` (so a caller fixes the order, and with it the colours,
    by passing a Categorical)."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().tolist())
        return [c for c in series.cat.categories if c in present]
    return sorted_levels(series.tolist())


def color_map(levels) -> dict:
    """Level -> Okabe-Ito colour, cycling after eight."""
    return {level: PALETTE[i % len(PALETTE)] for i, level in enumerate(levels)}


def subject_colors(frame, subject: str, hue: str | None, *, grey_if_many: bool, overlay: bool):
    """Colour of each subject's line and the legend mapping (None when no legend)."""
    subjects = sorted_levels(frame[subject].tolist())
    if hue is not None:
        check_columns(frame, [hue], "data")
        levels = levels_of(frame[hue])
        cmap = color_map(levels)
        first = frame.drop_duplicates(subject).set_index(subject)[hue]
        return {s: cmap.get(first.get(s), GREY) for s in subjects}, cmap
    if overlay or (grey_if_many and len(subjects) > len(PALETTE) - 1):
        return {s: GREY for s in subjects}, None
    cmap = color_map(subjects)
    return cmap, cmap


def to_numpy(values) -> np.ndarray:
    return np.asarray(values, dtype=float)
