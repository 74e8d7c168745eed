"""Endpoints: disease scores, three-valued response rules and their derivation over a Trial.

The package has one module per concern:

* :mod:`~smalltrial.endpoints.engine`: input coercion and three-valued (Kleene) logic;
* :mod:`~smalltrial.endpoints.rules`: user-defined response rules from plain data
  (:func:`response_rule`: thresholds, change from baseline, categories, all/any, confirmation);
* :mod:`~smalltrial.endpoints.derive`: endpoints applied to a Trial
  (:func:`derive_visit_endpoints`, :func:`add_endpoints`, :func:`remission_summary`);
* the disease definitions live in :mod:`smalltrial.domains` (:mod:`~smalltrial.domains.lupus`:
  SLEDAI-2K, DORIS, LLDAS, SRI-4; :mod:`~smalltrial.domains.cart`: ASTCT CRS/ICANS grades) and
  are importable from here as well (``smalltrial.endpoints.doris_remission``).

Missing data are never counted as a response or remission: three-valued results use pandas'
nullable ``"boolean"`` dtype with ``<NA>`` for "not evaluable".

Names load on first access (PEP 562), so the disease modules can register their named rules
without import cycles.

Examples
--------
>>> import pandas as pd
>>> from smalltrial import endpoints as ep
>>> ep.doris_remission(clinical_sledai=0, pga=0.4, prednisone_mg=5)
True
>>> ep.crs_grade(fever=True, hypotension="one_vasopressor", hypoxia="low_flow")
3.0
>>> m = pd.DataFrame({"subject": ["01"] * 3 + ["02"] * 3, "day": [-7, 28, 56] * 2,
...                   "visit": ["baseline", "week 4", "week 8"] * 2, "parameter": "mgadl",
...                   "value": [8.0, 5.0, 6.0, 9.0, 8.0, 8.0]})
>>> rule = ep.response_rule({"parameter": "mgadl", "change": "absolute", "op": "<=",
...                          "value": -2, "name": "mgadl_2pt"})
>>> rule.evaluate(m)
  subject   visit   day    met
0      01  week 4  28.0   True
1      01  week 8  56.0   True
2      02  week 4  28.0  False
3      02  week 8  56.0  False
>>> rule.best(m)["met"].tolist()
[True, False]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_MODULES = {
    "smalltrial.domains.lupus": (
        "SLEDAI2K_WEIGHTS",
        "SEROLOGICAL_ITEMS",
        "MAJOR_ORGAN_ITEMS",
        "sledai2k",
        "derive_sledai_items",
        "doris_remission",
        "drug_free_remission",
        "lldas",
        "sri4",
    ),
    "smalltrial.domains.cart": (
        "CRS_HYPOTENSION",
        "CRS_HYPOXIA",
        "ICANS_CONSCIOUSNESS",
        "ICANS_SEIZURE",
        "ICANS_MOTOR",
        "ICANS_OEDEMA",
        "crs_grade",
        "hypoxia_from_oxygen",
        "icans_grade",
        "worst_toxicity_grade",
    ),
    "smalltrial.endpoints.derive": (
        "derive_visit_endpoints",
        "add_endpoints",
        "remission_summary",
    ),
    "smalltrial.endpoints.rules": (
        "ResponseRule",
        "response_rule",
        "register_rule",
        "named_rules",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "SLEDAI2K_WEIGHTS",
    "SEROLOGICAL_ITEMS",
    "MAJOR_ORGAN_ITEMS",
    "sledai2k",
    "derive_sledai_items",
    "doris_remission",
    "drug_free_remission",
    "lldas",
    "sri4",
    "crs_grade",
    "hypoxia_from_oxygen",
    "icans_grade",
    "derive_visit_endpoints",
    "add_endpoints",
    "remission_summary",
    "worst_toxicity_grade",
    "ResponseRule",
    "response_rule",
]

if TYPE_CHECKING:  # pragma: no cover
    from smalltrial.domains.cart import (  # noqa: F401
        crs_grade,
        hypoxia_from_oxygen,
        icans_grade,
        worst_toxicity_grade,
    )
    from smalltrial.domains.lupus import (  # noqa: F401
        MAJOR_ORGAN_ITEMS,
        SEROLOGICAL_ITEMS,
        SLEDAI2K_WEIGHTS,
        derive_sledai_items,
        doris_remission,
        drug_free_remission,
        lldas,
        sledai2k,
        sri4,
    )
    from smalltrial.endpoints.derive import (  # noqa: F401
        add_endpoints,
        derive_visit_endpoints,
        remission_summary,
    )
    from smalltrial.endpoints.rules import ResponseRule, response_rule  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'smalltrial.endpoints' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
