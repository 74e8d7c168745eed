"""Cell formats for manuscript tables, built on :mod:`smalltrial._format`.

Only string formatting lives here; the numbers come from smalltrial results.

>>> fmt_prop_ci(5, 5, 0.4781762498950186, 1.0)
'5/5 (100%) [47.8–100]'
>>> fmt_estimate_ci(-5.2, -7.87, -2.53)
'-5.2 (-7.9 to -2.5)'
>>> fmt_median_range(16, 12, 20, 0)
'16 (12–20)'
"""

from __future__ import annotations

from typing import Any

from smalltrial._errors import SmallTrialError
from smalltrial._format import DASH, NE, NR, _isnan, fmt_ci, fmt_num, fmt_pct, round_half_up
from smalltrial._validate import check_count, check_number

_MAX_DIGITS = 10

__all__ = [
    "fmt_median_range",
    "fmt_median_iqr",
    "fmt_mean_sd",
    "fmt_estimate_ci",
    "fmt_prop_ci",
    "fmt_pct_ci",
    "fmt_count_pct",
]


def _digits(digits: Any) -> int:
    """Number of decimals: a whole number in 0..10."""
    digits = check_count(digits, "digits")
    if digits > _MAX_DIGITS:
        raise SmallTrialError(f"digits must be <= {_MAX_DIGITS}, got {digits!r}")
    return digits


def _value(value: Any, name: str) -> float:
    """A cell's number: finite, or missing (None/NaN/NA -> NaN); text, bools and inf raise."""
    import math

    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return math.nan
    except ImportError:  # pragma: no cover
        pass
    if value is None:
        return math.nan
    if isinstance(value, float) and math.isnan(value):
        return math.nan
    if hasattr(value, "dtype") and getattr(value, "ndim", 0) == 0 and _isnan(value):
        return math.nan  # numpy NaN scalars
    return check_number(value, name)


def _ordered(lower: float, upper: float, lower_name: str, upper_name: str) -> None:
    """Interval limits in order (NaN limits are not compared)."""
    import math

    if math.isnan(lower) or math.isnan(upper):
        return
    if lower > upper and not math.isclose(lower, upper, rel_tol=1e-9, abs_tol=1e-12):
        raise SmallTrialError(
            f"{lower_name} must be <= {upper_name}; got {lower_name}={lower!r}, "
            f"{upper_name}={upper!r}"
        )


def _within(value: float, lower: float, upper: float, name: str, bounds: str) -> None:
    """``value`` inside [lower, upper] where all three are present."""
    import math

    if any(math.isnan(v) for v in (value, lower, upper)):
        return
    tol = 1e-9 * max(1.0, abs(value))
    if value < lower - tol or value > upper + tol:
        raise SmallTrialError(f"{name} must lie within {bounds}; got {name}={value!r}, "
                              f"range {lower!r} to {upper!r}")


def _proportion(value: Any, name: str) -> float:
    """A proportion in [0, 1] or missing."""
    import math

    p = _value(value, name)
    if not math.isnan(p) and not (0.0 <= p <= 1.0):
        raise SmallTrialError(f"{name} must be a proportion in [0, 1], got {value!r}")
    return p


def _counts(part: Any, part_name: str, whole: Any, whole_name: str) -> tuple[int, int]:
    """Whole counts with part <= whole (a part/whole mismatch is a caller's bug, never text)."""
    part = check_count(part, part_name)
    whole = check_count(whole, whole_name)
    if part > whole:
        raise SmallTrialError(f"{part_name} must be <= {whole_name}; got {part_name}={part}, "
                              f"{whole_name}={whole}")
    return part, whole


def fmt_median_range(median: Any, minimum: Any, maximum: Any, digits: int = 1) -> str:
    """'median (min–max)'; NaN median (no data) prints as NE."""
    digits = _digits(digits)
    median, minimum, maximum = (_value(v, k) for v, k in ((median, "median"), (minimum, "minimum"),
                                                           (maximum, "maximum")))
    _ordered(minimum, maximum, "minimum", "maximum")
    _within(median, minimum, maximum, "median", "[minimum, maximum]")
    if _isnan(median):
        return NE
    return f"{fmt_num(median, digits)} ({fmt_ci(minimum, maximum, digits, na=NE)})"


def fmt_median_iqr(median: Any, q1: Any, q3: Any, digits: int = 1) -> str:
    """'median [Q1–Q3]'.

    >>> fmt_median_iqr(16, 13, 18, 0)
    '16 [13–18]'
    """
    digits = _digits(digits)
    median, q1, q3 = (_value(v, k) for v, k in ((median, "median"), (q1, "q1"), (q3, "q3")))
    _ordered(q1, q3, "q1", "q3")
    _within(median, q1, q3, "median", "[q1, q3]")
    if _isnan(median):
        return NE
    return f"{fmt_num(median, digits)} [{fmt_ci(q1, q3, digits, na=NE)}]"


def fmt_mean_sd(mean: Any, sd: Any, digits: int = 1) -> str:
    """'mean (SD)'; the SD of a single value is NE.

    >>> fmt_mean_sd(15.2, 3.11), fmt_mean_sd(15.2, float("nan"))
    ('15.2 (3.1)', '15.2 (NE)')
    """
    digits = _digits(digits)
    mean, sd = _value(mean, "mean"), _value(sd, "sd")
    if sd < 0:
        raise SmallTrialError(f"sd must be >= 0, got {sd!r}")
    if _isnan(mean):
        return NE
    return f"{fmt_num(mean, digits)} ({fmt_num(sd, digits, na=NE)})"


def _ci(lower: Any, upper: Any, digits: int, na: str) -> str:
    # a negative limit makes "-7.9–-2.5" unreadable: journals write "-7.9 to -2.5"
    negative = any(not _isnan(v) and round_half_up(float(v), digits) < 0 for v in (lower, upper))
    return fmt_ci(lower, upper, digits, na=na, sep=" to " if negative else DASH)


def fmt_estimate_ci(estimate: Any, lower: Any, upper: Any, digits: int = 1, *, na: str = NR) -> str:
    """'estimate (lower–upper)' ('lower to upper' when a limit is negative); a NaN estimate
    prints as ``na`` alone, NaN limits as ``na``; lower > upper raises."""
    digits = _digits(digits)
    estimate = _value(estimate, "estimate")
    lower, upper = _value(lower, "lower"), _value(upper, "upper")
    _ordered(lower, upper, "lower", "upper")
    if _isnan(estimate):
        if _isnan(lower) and _isnan(upper):
            return na
        return f"{na} ({_ci(lower, upper, digits, na)})"
    return f"{fmt_num(estimate, digits)} ({_ci(lower, upper, digits, na)})"


def fmt_pct_ci(estimate: Any, lower: Any, upper: Any, digits: int = 1, *, na: str = NE) -> str:
    """A proportion as 'pct (lower–upper)' in percent (bare 0 and 100).

    >>> fmt_pct_ci(0.8, 0.2836, 0.9949)
    '80.0 (28.4–99.5)'
    """
    digits = _digits(digits)
    estimate = _proportion(estimate, "estimate")
    lower, upper = _proportion(lower, "lower"), _proportion(upper, "upper")
    _ordered(lower, upper, "lower", "upper")
    if _isnan(estimate):
        return na
    if _isnan(lower) and _isnan(upper):
        return f"{fmt_pct(estimate, digits, na=na)} ({na})"
    return f"{fmt_pct(estimate, digits, na=na)} ({fmt_pct(lower, digits, na=na)}{DASH}{fmt_pct(upper, digits, na=na)})"


def fmt_prop_ci(x: int, n: int, lower: Any, upper: Any, digits: int = 1) -> str:
    """Response as in efficacy tables: 'x/n (pct%) [lower–upper]'; n = 0 prints '0/0 (NE)'.

    ``x`` and ``n`` must be whole numbers with x <= n, the limits proportions in [0, 1] with
    lower <= x/n <= upper; anything else raises (an impossible cell is a caller's bug, never text).

    >>> fmt_prop_ci(0, 0, float("nan"), float("nan"))
    '0/0 (NE)'
    """
    digits = _digits(digits)
    x, n = _counts(x, "x", n, "n")
    lower, upper = _proportion(lower, "lower"), _proportion(upper, "upper")
    _ordered(lower, upper, "lower", "upper")
    if n > 0:
        _within(x / n, lower, upper, "x/n", "[lower, upper]")
    if n == 0:
        return f"0/0 ({NE})"
    pct = fmt_pct(x / n, digits)
    return f"{x}/{n} ({pct}%) [{fmt_pct(lower, digits)}{DASH}{fmt_pct(upper, digits)}]"


def fmt_count_pct(n: int, total: int, digits: int = 0) -> str:
    """'n (pct%)' with the percent sign; total 0 gives 'n (NE)'.

    >>> fmt_count_pct(3, 5), fmt_count_pct(0, 0)
    ('3 (60%)', '0 (NE)')
    """
    digits = _digits(digits)
    n, total = _counts(n, "n", total, "total")
    if total == 0:
        return f"{n} ({NE})"
    return f"{n} ({fmt_pct(n / total, digits)}%)"
