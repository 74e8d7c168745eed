"""The registry of table and figure builders that ``smalltrial run`` draws from.

A builder turns the analysis context (:class:`smalltrial.builders.context.Analysis`: the trial,
the spec and every statistic computed once) and one ``[[tables]]`` / ``[[figures]]`` entry of
the spec into a :class:`smalltrial.tables.Table` or a matplotlib figure. It joins the pipeline
by registering itself with the spec options it accepts::

    @register_table("efficacy", options={"visits": ("list[str]", None, None)},
                    title="Table 2. Remission by visit")
    def efficacy(ctx, item):
        ...

The spec (:mod:`smalltrial.spec`) validates each entry against the registered options, and the
pipeline looks builders up by name only, so a new table or figure needs no change to either.

An option is ``(type, default, choices)``. Types: ``str``, ``int``, ``number``, ``bool``,
``list[str]``, ``list[number]``, ``list[table]``. A default of None means optional without a
default; :data:`REQUIRED` means the key must be given.

>>> import smalltrial.builders as builders
>>> sorted(builders.TABLES)
['adverse_events', 'adverse_events_by_soc', 'baseline', 'efficacy', 'efficacy_monitoring', 'interval_censored', 'longitudinal', 'safety_monitoring', 'simon_design', 'time_to_event']
>>> builders.TABLES["longitudinal"].options["transform"]
('str', 'none', ('none', 'log'))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from smalltrial._errors import SmallTrialError
from smalltrial.spec import REQUIRED

__all__ = ["Builder", "register_table", "register_figure", "TABLES", "FIGURES", "REQUIRED",
           "Option"]


#: an option's (type, default, choices)
Option = tuple[str, Any, "tuple | None"]


@dataclass(frozen=True)
class Builder:
    """One registered table or figure.

    Fields: ``kind`` (``"table"`` or ``"figure"``), ``name`` (the spec's ``name``), ``build``
    (``build(ctx, item)`` returns a Table or a matplotlib figure), ``options`` (the spec
    options it accepts besides ``name``/``file``/``title``), ``title`` (default caption),
    ``stem`` (options whose values join the name in the default file stem, e.g.
    ``("parameter",)`` gives ``longitudinal_sledai2k``), ``check`` (optional
    ``check(key, options, endpoints) -> options`` for what a type cannot express; ``endpoints``
    is the spec's validated ``[endpoints]`` section) and ``footnotes``
    (fixed footnotes the builder adds).
    """

    kind: str
    name: str
    build: Callable[[Any, Any], Any] = field(repr=False)
    options: Mapping[str, Option] = field(default_factory=dict)
    title: str | None = None
    stem: tuple[str, ...] = ()
    check: Callable[[str, dict], dict] | None = field(default=None, repr=False)
    footnotes: tuple[str, ...] = ()

    def __call__(self, ctx: Any, item: Any) -> Any:
        return self.build(ctx, item)

    def default_stem(self, options: Mapping[str, Any]) -> str:
        """The output file stem when the entry gives no ``file``."""
        return "_".join([self.name] + [str(options[k]) for k in self.stem])


#: table name -> Builder (what ``[[tables]] name = ...`` accepts)
TABLES: dict[str, Builder] = {}
#: figure name -> Builder (what ``[[figures]] name = ...`` accepts)
FIGURES: dict[str, Builder] = {}


def _register(registry: dict[str, Builder], kind: str, name: str, options: Mapping[str, Option] | None,
              title: str | None, stem: tuple[str, ...], check: Callable | None,
              footnotes: tuple[str, ...]) -> Callable:
    if not isinstance(name, str) or not name.isidentifier():
        raise SmallTrialError(f"name: a {kind} name must be an identifier, got {name!r}")
    options = dict(options or {})
    for key in stem:
        if key not in options:
            raise SmallTrialError(f"stem: {key!r} is not an option of {kind} {name!r}")

    def decorate(build: Callable) -> Callable:
        if name in registry and registry[name].build is not build:
            raise SmallTrialError(f"name: {kind} {name!r} is already registered")
        registry[name] = Builder(kind=kind, name=name, build=build, options=options, title=title,
                                 stem=tuple(stem), check=check, footnotes=tuple(footnotes))
        return build

    return decorate


def register_table(name: str, *, options: Mapping[str, Option] | None = None, title: str | None = None,
                   stem: tuple[str, ...] = (), check: Callable | None = None,
                   footnotes: tuple[str, ...] = ()) -> Callable:
    """Register ``build(ctx, item) -> Table`` as the table ``name`` of the spec.

    Parameters
    ----------
    name : str
        The spec's ``[[tables]] name``.
    options : mapping, optional
        Option name -> ``(type, default, choices)`` (see the module docstring).
    title : str, optional
        Default caption.
    stem : tuple of str
        Options whose values join the name in the default file stem.
    check : callable, optional
        ``check(key, options, endpoints) -> options``: validation beyond types (raise
        SmallTrialError); ``endpoints`` is the spec's validated ``[endpoints]`` section.
    footnotes : tuple of str
        Fixed footnotes of the table (documentation).

    >>> @register_table("example_doc", options={"n": ("int", 1, None)})
    ... def example(ctx, item):
    ...     return None
    >>> TABLES["example_doc"].options
    {'n': ('int', 1, None)}
    >>> del TABLES["example_doc"]
    """
    return _register(TABLES, "table", name, options, title, stem, check, footnotes)


def register_figure(name: str, *, options: Mapping[str, Option] | None = None, title: str | None = None,
                    stem: tuple[str, ...] = (), check: Callable | None = None,
                    footnotes: tuple[str, ...] = ()) -> Callable:
    """Register ``build(ctx, item) -> matplotlib Figure`` as the figure ``name`` of the spec.

    Parameters are those of :func:`register_table`.

    >>> sorted(FIGURES)[:3]
    ['bcell_kinetics', 'efficacy_monitoring', 'forest']
    """
    return _register(FIGURES, "figure", name, options, title, stem, check, footnotes)
