"""Display helpers shared by the builders: labels and units of parameters, visit labels, decimals.

>>> _visit_labels(["month 3", "baseline"])
{'month 3': 'Month 3', 'baseline': 'Baseline'}
"""

from __future__ import annotations

from typing import Any


def _auto_digits(values, summary, continuous: str) -> int:
    """Decimals for a continuous variable: 0 for whole numbers (1 if a median or quartile is
    not whole, or for mean (SD)), else by magnitude (2 below 10, 1 below 1000, 0 above)."""
    import numpy as np
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return 1
    x = values.dropna().to_numpy(float)
    if x.size == 0:
        return 1
    if np.all(x == np.round(x)):
        if continuous == "mean-sd":
            return 1
        cols = ["median"] + (["q1", "q3"] if continuous == "median-iqr" else [])
        medians = summary[cols].to_numpy(float).ravel()
        medians = medians[np.isfinite(medians)]
        return 0 if np.all(medians == np.round(medians)) else 1
    top = float(np.max(np.abs(x)))
    return 2 if top < 10 else (1 if top < 1000 else 0)


def _parameter_labels(trial: Any) -> dict[str, str]:
    params = getattr(trial, "parameters", None)
    if params is None or "label" not in params.columns:
        return {}
    out = {}
    for _, r in params.iterrows():
        label = str(r["label"]).replace(" (SYNTHETIC)", "")
        unit = r.get("unit")
        out[str(r["parameter"])] = f"{label}, {unit}" if isinstance(unit, str) and unit else label
    return out


def _visit_labels(visits) -> dict[str, str]:
    return {v: v[:1].upper() + v[1:] for v in visits if isinstance(v, str)}


def _parameter_unit(trial: Any, parameter: str) -> str | None:
    params = getattr(trial, "parameters", None)
    if params is None or "unit" not in params.columns:
        return None
    hit = params.loc[params["parameter"] == parameter, "unit"]
    return str(hit.iloc[0]) if len(hit) and isinstance(hit.iloc[0], str) else None


def _parameter_short(trial: Any, parameter: str) -> str:
    labels = _parameter_labels(trial)
    return labels.get(parameter, parameter).split(",")[0]
