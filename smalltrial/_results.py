"""Base class for smalltrial's small immutable result objects.

Result classes are frozen dataclasses that subclass :class:`Result`. They get:

* a readable ``repr`` (one line per field, floats to 4 significant digits, NaN as ``NR``);
* ``to_frame()`` -> one-row pandas DataFrame of the scalar fields (override for tabular results);
* ``_repr_html_`` for Jupyter: a small styled table of the fields (NaN as ``_nan_label``),
  the result's ``warnings`` listed under it and, for tabular results (``to_frame``
  overridden), that table;
* ``to_ard()`` -> the result as analysis-results-data rows (:mod:`smalltrial.ard`): one row
  per numeric field (override for tabular results).

Statistics code never formats strings for tables; ``repr`` is for the console only.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["Result"]

_HTML_STYLE = (
    "<style>table.smalltrial-result{border-collapse:collapse;font-size:90%;margin:0.3em 0}"
    "table.smalltrial-result caption{text-align:left;font-weight:bold;padding-bottom:0.2em}"
    "table.smalltrial-result th{text-align:left;padding:0.1em 1em 0.1em 0.2em;font-weight:normal;"
    "color:#555}table.smalltrial-result td{text-align:left;padding:0.1em 0.2em}"
    "ul.smalltrial-warnings{color:#8a5300;margin:0.2em 0;padding-left:1.2em}</style>"
)


def _html_escape(text: str) -> str:
    import html

    return html.escape(str(text), quote=True)


def html_warnings(warnings: Any) -> str:
    """The warnings of a result as an HTML list (empty string when there are none)."""
    if not warnings:
        return ""
    if isinstance(warnings, str):
        warnings = (warnings,)
    items = "".join(f"<li>warning: {_html_escape(w)}</li>" for w in warnings)
    return f'<ul class="smalltrial-warnings">{items}</ul>'


def html_frame(frame: Any, nan_label: str = "nan") -> str:
    """A DataFrame as HTML with floats to 4 significant digits and NaN as ``nan_label``."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        return ""
    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = [_short(float(v), nan_label) for v in shown[col]]
    return shown.to_html(na_rep=nan_label, border=0, classes="smalltrial-frame")


def html_fields(title: str, rows: list[tuple[str, str]], warnings: Any = ()) -> str:
    """A styled two-column HTML table (name, value) with a caption and the warnings listed."""
    body = "".join(f"<tr><th>{_html_escape(k)}</th><td>{_html_escape(v)}</td></tr>"
                   for k, v in rows)
    return (f'{_HTML_STYLE}<table class="smalltrial-result"><caption>{_html_escape(title)}'
            f"</caption><tbody>{body}</tbody></table>{html_warnings(warnings)}")


def _short(value: Any, nan_label: str = "nan") -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return nan_label
        return f"{value:.4g}"
    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        return f"<{type(value).__name__} shape={tuple(value.shape)}>"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"[{len(value)} items]"
    return repr(value)


class Result:
    """Mixin for frozen-dataclass results: repr, ``to_frame`` and Jupyter HTML."""

    #: fields left out of ``repr`` and ``to_frame`` (large internals)
    _hidden: tuple[str, ...] = ()
    #: how NaN prints in ``repr`` ("NR" for quantities that can be "not reached")
    _nan_label: str = "nan"

    def _public_fields(self) -> list[str]:
        return [
            f.name
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if not f.name.startswith("_") and f.name not in self._hidden
        ]

    def __repr__(self) -> str:
        parts = [f"{name}={_short(getattr(self, name), self._nan_label)}" for name in self._public_fields()]
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_frame(self):
        """Return the scalar fields as a one-row DataFrame (array fields: one row each)."""
        import numpy as np
        import pandas as pd

        data = {}
        for name in self._public_fields():
            value = getattr(self, name)
            if isinstance(value, (list, dict, pd.DataFrame)):
                continue
            data[name] = np.atleast_1d(value) if np.ndim(value) else [value]
        try:
            return pd.DataFrame(data)
        except ValueError:  # ragged arrays: fall back to one column per field
            return pd.DataFrame({k: pd.Series(v) for k, v in data.items()})

    def _html_rows(self) -> list[tuple[str, str]]:
        """(name, value text) pairs of the HTML repr: the public fields, as in ``repr``."""
        return [(name, _short(getattr(self, name), self._nan_label))
                for name in self._public_fields() if name != "warnings"]

    def _repr_html_(self) -> str:
        out = html_fields(type(self).__name__, self._html_rows(), getattr(self, "warnings", ()))
        if type(self).to_frame is not Result.to_frame:  # tabular result: show its table too
            try:
                out += html_frame(self.to_frame(), self._nan_label)
            except Exception:  # display must never fail  # noqa: BLE001
                pass
        return out

    def to_ard(self):
        """The result as analysis results data: one row per statistic (see :mod:`smalltrial.ard`).

        Every numeric public field becomes a row (``statistic`` the field name, ``value`` the
        number as a float, NaN for "not reached"; a field named ``...pvalue`` is the statistic
        ``...p_value``, the one name the ARD uses for P values); a ``method`` or ``conf_type``
        field (or class attribute) fills the ``method`` column and a ``level`` field the
        ``level`` column. Array fields give one row
        per element (``variable_level`` the position). Tabular results override this.

        >>> from smalltrial.rates import proportion_ci
        >>> proportion_ci(3, 5).to_ard()[["statistic", "value"]].to_dict("list")["statistic"]
        ['x', 'n', 'estimate', 'lower', 'upper']
        """
        import numpy as np

        from smalltrial.ard import ard_frame

        method = str(getattr(self, "method", getattr(self, "conf_type", "")) or "")
        level = getattr(self, "level", float("nan"))
        level = float(level) if isinstance(level, (int, float, np.number)) else float("nan")
        rows = []
        for name in self._public_fields():
            if name in ("level", "method", "conf_type"):
                continue
            value = getattr(self, name)
            stat = name.replace("pvalue", "p_value")
            if isinstance(value, (bool, np.bool_)):
                rows.append({"statistic": stat, "value": float(value)})
            elif isinstance(value, (int, float, np.number)):
                rows.append({"statistic": stat, "value": float(value)})
            elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
                for i, v in enumerate(np.ravel(value)):
                    rows.append({"statistic": stat, "variable_level": str(i), "value": float(v)})
        return ard_frame(rows, method=method, level=level)
