"""Interim monitoring of single-arm trials: toxicity stopping boundaries and efficacy/futility
designs, with exact operating characteristics and a Monte-Carlo check.

Every rule here is a *monitoring boundary on a binomial count*: after ``n_1 < ... < n_K``
patients (a "look"), the trial stops when the cumulative count is ``>= upper[k]`` (too many
toxicities, or early efficacy) or ``<= lower[k]`` (futility). Operating characteristics are
computed exactly by a forward recursion over the looks of the distribution of the count among
trials not yet stopped (one Bernoulli step per patient, so the work is O(N^2) for N patients and
any number of looks), and checked against a Monte-Carlo simulation run through
:mod:`smalltrial.simulate`'s chunked, seeded joblib/Dask engine.

Safety (toxicity) rules -- :class:`SafetyRule`:

- :func:`safety_monitoring`: Bayesian beta-binomial rule, stop when
  P(p_tox > limit | data) > cutoff (Thall, Simon & Estey 1995).
- :func:`toxicity_boundary`: frequentist repeated-significance boundaries of Pocock or
  O'Brien-Fleming type with a target overall crossing probability at the acceptable rate
  (Ivanova, Qaqish & Schell 2005; the method of R ``clinfun::toxbdry``).

Efficacy/futility designs -- :class:`EfficacyDesign`:

- :func:`predictive_probability_design`: Lee & Liu (2008).
- :func:`bop2_design`: BOP2 for a binary endpoint (Zhou, Lee & Yuan 2017).
- :func:`bop2_efficacy_toxicity` (:class:`JointDesign`): BOP2 with co-primary efficacy and
  toxicity, a Dirichlet-multinomial outcome (Zhou, Lee & Yuan 2017).

Presentation: :func:`boundary_table` and :func:`operating_characteristics_table` give protocol
tables (:class:`smalltrial.tables.Table`); figures are ``smalltrial.figures.monitoring_boundaries``
and ``smalltrial.figures.operating_characteristics_plot``.

Modules: :mod:`~smalltrial.monitoring.safety`, :mod:`~smalltrial.monitoring.efficacy`,
:mod:`~smalltrial.monitoring.joint` and :mod:`~smalltrial.monitoring.tables`; the recursions
and the Monte-Carlo chunks they share are in ``smalltrial.monitoring._engine``.

>>> rule = safety_monitoring(10, limit=0.2, cutoff=0.9)
>>> rule.boundary.dropna().head(3).to_dict("records")
[{'n': 1, 'stop_at': 1.0}, {'n': 2, 'stop_at': 2.0}, {'n': 3, 'stop_at': 2.0}]
"""

from __future__ import annotations

from smalltrial.monitoring.efficacy import (
    EfficacyDesign,
    bop2_design,
    predictive_probability_design,
)
from smalltrial.monitoring.joint import JOINT_OUTCOMES, JointDesign, bop2_efficacy_toxicity
from smalltrial.monitoring.safety import (
    SHAPES,
    SafetyRule,
    safety_monitoring,
    toxicity_boundary,
)
from smalltrial.monitoring.tables import boundary_table, operating_characteristics_table

__all__ = [
    "SafetyRule",
    "safety_monitoring",
    "toxicity_boundary",
    "EfficacyDesign",
    "predictive_probability_design",
    "bop2_design",
    "SHAPES",
    "boundary_table",
    "operating_characteristics_table",
    "JOINT_OUTCOMES",
    "JointDesign",
    "bop2_efficacy_toxicity",
]
