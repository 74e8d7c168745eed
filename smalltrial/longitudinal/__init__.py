"""Longitudinal outcomes: mixed-effects models with small-sample inference, paired change,
and marginal (MMRM-style) models.

The public names load their implementation module on first access:

* :func:`mixed_model` / :class:`MixedModelFit` (``_mixed``): linear mixed models fitted by
  REML, with Kenward-Roger, Satterthwaite, residual or between-within degrees of freedom;
* :func:`paired_change` / :class:`PairedChange` (``_paired``): exact Wilcoxon signed-rank;
* :func:`marginal_model` / :class:`MarginalModelFit` (``_marginal``): structured residual
  covariance (compound symmetry, AR(1), unstructured), as SAS PROC MIXED REPEATED / R mmrm.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "mixed_model": "_mixed",
    "MixedModelFit": "_mixed",
    "paired_change": "_paired",
    "PairedChange": "_paired",
    "marginal_model": "_marginal",
    "MarginalModelFit": "_marginal",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'smalltrial.longitudinal' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"smalltrial.longitudinal.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
