"""Level order, formula columns and the outcome check shared by the longitudinal models.

One rule for every model of this subpackage, so that ``marginal_model`` and ``mixed_model``
order visits (and index their covariance matrices) the same way:

* the categories of a pandas Categorical, in their order;
* text constant within every subject (e.g. cohort): sorted;
* text varying within subjects (e.g. a visit label): by the median of a numeric ``day``
  column when the data have one (ties by first appearance), else by first appearance.

>>> import pandas as pd
>>> df = pd.DataFrame({"id": [1, 1, 1, 2, 2], "visit": ["month 3", "baseline", "day 28",
...                    "baseline", "month 3"], "day": [90, 0, 28, 0, 91]})
>>> order_levels(df, "visit", "id")
['baseline', 'day 28', 'month 3']
>>> formula_columns("C(visit) + Q('age at infusion') + cohort", ["visit", "age at infusion", "sex"])
['visit', 'age at infusion']

An infinite outcome is bad input (:func:`check_finite_outcome`; missing values are allowed:
the models drop those rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._validate import _show, describe_rows

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["order_levels", "formula_columns", "check_finite_outcome"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def order_levels(data: pd.DataFrame, column: str, subject: str) -> list[Any]:
    """The level order of a non-numeric column (see the module docstring for the rule)."""
    import pandas as pd

    col = data[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    values = col.astype(object)
    varies = (data.assign(_v=values).groupby(subject, sort=False, observed=True)["_v"].nunique() > 1).any()
    if not varies:
        return sorted(pd.unique(values), key=str)
    if "day" in data.columns and pd.api.types.is_numeric_dtype(data["day"]) and (
        not pd.api.types.is_bool_dtype(data["day"])
    ):
        med = data.assign(_v=values).groupby("_v", sort=False)["day"].median()
        first = {v: i for i, v in enumerate(pd.unique(values))}
        return sorted(med.index, key=lambda v: (med[v], first[v]))
    return list(pd.unique(values))


def formula_columns(text: str, columns: Iterable[Any]) -> list[str]:
    """The column names that occur in a formula side as identifiers or ``Q('...')`` strings."""
    names = set(_IDENT.findall(text))
    names |= set(re.findall(r"Q\(\s*['\"](.+?)['\"]\s*\)", text))
    return [c for c in columns if isinstance(c, str) and c in names]


def check_finite_outcome(data: pd.DataFrame, column: str, values: pd.Series, subject: str) -> None:
    """Raise SmallTrialError naming ``column``, the infinite values and their subjects.

    ``values`` is ``data[column]`` as float (aligned with ``data``); NaN passes (missing).
    """
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        raise SmallTrialError(
            f"column {column!r} of data must be finite; got {_show(values[infinite].tolist())} "
            f"({describe_rows(data, infinite, subject)})"
        )
