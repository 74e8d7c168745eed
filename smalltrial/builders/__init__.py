"""The tables and figures of ``smalltrial run``: a registry of builders, one module per family.

Each builder registers itself by name with the spec options it accepts
(:func:`~smalltrial.builders.registry.register_table`,
:func:`~smalltrial.builders.registry.register_figure`); :mod:`smalltrial.spec` validates the
``[[tables]]``/``[[figures]]`` entries against those options and :func:`smalltrial.pipeline.run`
looks builders up by name, so a new table or figure joins by adding one module here.

Families: :mod:`~smalltrial.builders.baseline` (Table 1), :mod:`~smalltrial.builders.efficacy`
(response by visit, forest plot), :mod:`~smalltrial.builders.longitudinal` (a parameter over
time, trajectories, waterfall), :mod:`~smalltrial.builders.time_to_event` (time-to-event table,
Kaplan-Meier plot), :mod:`~smalltrial.builders.safety` (adverse events),
:mod:`~smalltrial.builders.course` (swimmer, B-cell kinetics), :mod:`~smalltrial.builders.design`
(the planned Simon design against the observed responses),
:mod:`~smalltrial.builders.monitoring` (a toxicity stopping rule against the observed toxicities). Importing this package loads
only the standard library.

>>> from smalltrial import builders
>>> sorted(builders.FIGURES)
['bcell_kinetics', 'efficacy_monitoring', 'forest', 'km_plot', 'monitoring_boundaries', 'swimmer', 'trajectories', 'waterfall']
"""

from __future__ import annotations

from smalltrial.builders import (  # noqa: F401  (importing a family registers its builders)
    baseline,
    course,
    design,
    efficacy,
    interval,
    longitudinal,
    monitoring,
    safety,
    time_to_event,
)
from smalltrial.builders.context import Analysis, Skip, attr, module
from smalltrial.builders.registry import (
    FIGURES,
    REQUIRED,
    TABLES,
    Builder,
    register_figure,
    register_table,
)

__all__ = ["TABLES", "FIGURES", "Builder", "register_table", "register_figure", "REQUIRED",
           "Analysis", "Skip", "attr", "module"]
