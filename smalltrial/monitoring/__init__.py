"""Interim monitoring (being split into modules; see :mod:`smalltrial.monitoring._engine`)."""

from smalltrial.monitoring._engine import *  # noqa: F403
from smalltrial.monitoring._engine import __all__  # noqa: F401
