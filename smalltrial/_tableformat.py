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
from smalltrial._validate import check_count

__all__ = [
    "fmt_median_range",
    "fmt_median_iqr",
    "fmt_mean_sd",
    "fmt_estimate_ci",
    "fmt_prop_ci",
    "fmt_pct_ci",
    "fmt_count_pct",
]


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
    if _isnan(median):
        return NE
    return f"{fmt_num(median, digits)} ({fmt_ci(minimum, maximum, digits, na=NE)})"


def fmt_median_iqr(median: Any, q1: Any, q3: Any, digits: int = 1) -> str:
    """'median [Q1–Q3]'.

    >>> fmt_median_iqr(16, 13, 18, 0)
    '16 [13–18]'
    """
    if _isnan(median):
        return NE
    return f"{fmt_num(median, digits)} [{fmt_ci(q1, q3, digits, na=NE)}]"


def fmt_mean_sd(mean: Any, sd: Any, digits: int = 1) -> str:
    """'mean (SD)'; the SD of a single value is NE.

    >>> fmt_mean_sd(15.2, 3.11), fmt_mean_sd(15.2, float("nan"))
    ('15.2 (3.1)', '15.2 (NE)')
    """
    if _isnan(mean):
        return NE
    return f"{fmt_num(mean, digits)} ({fmt_num(sd, digits, na=NE)})"


def _ci(lower: Any, upper: Any, digits: int, na: str) -> str:
    # a negative limit makes "-7.9–-2.5" unreadable: journals write "-7.9 to -2.5"
    negative = any(not _isnan(v) and round_half_up(float(v), digits) < 0 for v in (lower, upper))
    return fmt_ci(lower, upper, digits, na=na, sep=" to " if negative else DASH)


def fmt_estimate_ci(estimate: Any, lower: Any, upper: Any, digits: int = 1, *, na: str = NR) -> str:
    """'estimate (lower–upper)' ('lower to upper' when a limit is negative); a NaN estimate
    prints as ``na`` alone, NaN limits as ``na``."""
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
    if _isnan(estimate):
        return na
    if _isnan(lower) and _isnan(upper):
        return f"{fmt_pct(estimate, digits, na=na)} ({na})"
    return f"{fmt_pct(estimate, digits, na=na)} ({fmt_pct(lower, digits, na=na)}{DASH}{fmt_pct(upper, digits, na=na)})"


def fmt_prop_ci(x: int, n: int, lower: Any, upper: Any, digits: int = 1) -> str:
    """Response as in efficacy tables: 'x/n (pct%) [lower–upper]'; n = 0 prints '0/0 (NE)'.

    >>> fmt_prop_ci(0, 0, float("nan"), float("nan"))
    '0/0 (NE)'
    """
    x, n = _counts(x, "x", n, "n")
    if n == 0:
        return f"0/0 ({NE})"
    pct = fmt_pct(x / n, digits)
    return f"{x}/{n} ({pct}%) [{fmt_pct(lower, digits)}{DASH}{fmt_pct(upper, digits)}]"


def fmt_count_pct(n: int, total: int, digits: int = 0) -> str:
    """'n (pct%)' with the percent sign; total 0 gives 'n (NE)'.

    >>> fmt_count_pct(3, 5), fmt_count_pct(0, 0)
    ('3 (60%)', '0 (NE)')
    """
    n, total = check_count(n, "n"), check_count(total, "total")
    if total == 0:
        return f"{n} ({NE})"
    if n > total:
        raise SmallTrialError(f"n must be <= total; got n={n}, total={total}")
    return f"{n} ({fmt_pct(n / total, digits)}%)"
