"""The trial data model (being split into modules; see :mod:`smalltrial.trial.model`)."""

from smalltrial.trial.model import *  # noqa: F403
from smalltrial.trial.model import (  # noqa: F401
    ADTTE_EVENTS,
    GRADED_EVENTS,
    SEVERITY_GRADES,
    __all__,
    _normalise,
    _normalise_adverse_events,
    _read_table,
    plain_frame,
)

__test__ = {name: globals()[name] for name in ("Trial", "read_trial", "read_adam")}
