"""Number formatting for tables, figure annotations and reprs (never used by statistics code).

The one place that decides how a number looks in print: NaN prints as ``NR`` (not reached) or
``NE`` (not estimable) as the caller says, percentages and confidence intervals follow the
conventions of clinical journals ("100% (95% CI 47.8-100)").
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["round_half_up", "fmt_num", "fmt_pct", "fmt_ci", "fmt_pvalue", "fmt_n_pct", "NR", "NE"]

NR = "NR"  #: not reached
NE = "NE"  #: not estimable
DASH = "\u2013"  # en dash for ranges


def _isnan(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def round_half_up(x: float, digits: int) -> float:
    """Round half away from zero (SAS ``ROUND``, the usual convention in clinical reports).

    The value is first rounded to 10 significant decimal places, so float noise around an exact
    tie (0.25000000000000355 or 0.249999999999996 for 0.25) cannot decide the printed digit.
    """
    from decimal import ROUND_HALF_UP, Decimal

    clean = Decimal(repr(float(f"{float(x):.10g}")))
    return float(clean.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def fmt_num(x: Any, digits: int = 1, *, na: str = NR) -> str:
    """Fixed-point number with ``digits`` decimals (half away from zero); NaN/None as ``na``;
    never '-0.0'."""
    if _isnan(x):
        return na
    if math.isinf(float(x)):
        return "∞" if float(x) > 0 else "-∞"
    value = round_half_up(float(x), digits)
    if value == 0:
        value = 0.0
    return f"{value:.{digits}f}"


def fmt_pct(p: Any, digits: int = 1, *, na: str = NE, sign: bool = False) -> str:
    """A proportion in [0, 1] as a percentage without the % sign (100 and 0 print bare)."""
    if _isnan(p):
        return na
    value = 100.0 * float(p)
    if value in (0.0, 100.0):
        return f"{value:.0f}"
    return fmt_num(value, digits, na=na)


def fmt_ci(lower: Any, upper: Any, digits: int = 1, *, na: str = NR, sep: str = DASH) -> str:
    """A confidence interval "lower–upper" (each NaN as ``na``)."""
    return f"{fmt_num(lower, digits, na=na)}{sep}{fmt_num(upper, digits, na=na)}"


def fmt_n_pct(n: int, total: int, digits: int = 0) -> str:
    """'n (%)' as in Table 1 and adverse-event tables; total 0 gives 'n (NE)'."""
    if total == 0:
        return f"{n} ({NE})"
    return f"{n} ({fmt_pct(n / total, digits)})"


def fmt_pvalue(p: Any, *, digits: int = 3, threshold: float = 0.001) -> str:
    """P value in journal style: 3 decimals, '<0.001' below the threshold, NaN as NE."""
    if _isnan(p):
        return NE
    p = float(p)
    if p < threshold:
        return f"<{threshold:g}"
    return f"{round_half_up(p, digits):.{digits}f}"
