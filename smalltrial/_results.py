"""Base class for smalltrial's small immutable result objects.

Result classes are frozen dataclasses that subclass :class:`Result`. They get:

* a readable ``repr`` (one line per field, floats to 4 significant digits, NaN as ``NR``);
* ``to_frame()`` -> one-row pandas DataFrame of the scalar fields (override for tabular results);
* ``_repr_html_`` for Jupyter, built from ``to_frame()``.

Statistics code never formats strings for tables; ``repr`` is for the console only.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["Result"]


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

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()
