"""Disease-specific endpoint definitions, one module per disease or therapy.

* :mod:`smalltrial.domains.lupus`: SLEDAI-2K, DORIS remission, drug-free remission, LLDAS, SRI-4;
* :mod:`smalltrial.domains.cart`: ASTCT 2019 CRS and ICANS grades, worst toxicity grade.

A domain module registers its named response rules with
:func:`smalltrial.endpoints.rules.register_rule` when it is imported; every module of this package
is imported the first time a named rule is looked up, so a new disease adds a module here and
needs no edit elsewhere. The public names are also importable from :mod:`smalltrial.endpoints`.
"""
