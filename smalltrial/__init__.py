"""smalltrial: exact, small-sample statistics for small single-arm clinical trials.

Subpackages load on first attribute access (PEP 562), so ``import smalltrial`` stays cheap:
it imports neither numpy-heavy statistics libraries nor plotting libraries.

>>> import smalltrial as st
>>> st.rates.proportion_ci(5, 5).lower  # doctest: +SKIP
0.4781762498950186
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from smalltrial._errors import SmallTrialError, SmallTrialWarning

__version__ = "0.1.0"

_SUBMODULES = (
    "rates",
    "design",
    "longitudinal",
    "survival",
    "endpoints",
    "figures",
    "tables",
    "datasets",
    "trial",
    "simulate",
    "summaries",
    "spec",
    "pipeline",
    "cli",
)

__all__ = ["SmallTrialError", "SmallTrialWarning", "Trial", "__version__", *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover
    from smalltrial import (  # noqa: F401
        datasets,
        design,
        endpoints,
        figures,
        longitudinal,
        rates,
        survival,
        tables,
        trial,
    )
    from smalltrial.trial import Trial  # noqa: F401


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"smalltrial.{name}")
        globals()[name] = module
        return module
    if name == "Trial":
        from smalltrial.trial import Trial

        globals()["Trial"] = Trial
        return Trial
    raise AttributeError(f"module 'smalltrial' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
