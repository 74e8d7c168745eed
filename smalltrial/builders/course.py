"""Each patient's course: the swimmer plot and B-cell kinetics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smalltrial.builders.context import attr
from smalltrial.builders.registry import register_figure

if TYPE_CHECKING:
    from smalltrial.builders.context import Analysis
    from smalltrial.spec import ItemSpec


def _needs(name: str):
    return attr("figures", name)


def _hue(ctx: Analysis) -> str | None:
    return ctx.by if len(ctx.groups()) > 1 else None


@register_figure("swimmer")
def _fig_swimmer(ctx: Analysis, item: ItemSpec):
    fn = _needs("swimmer")
    ax = fn(ctx.trial, unit="months", style=ctx.spec.style)
    return ax.figure


@register_figure("bcell_kinetics")
def _fig_bcell(ctx: Analysis, item: ItemSpec):
    fn = _needs("bcell_kinetics")
    rows = ctx.long("cd19_bcells", f"{item.key}: B-cell counts")
    lloq = None
    params = getattr(ctx.trial, "parameters", None)
    if params is not None and "lloq" in params.columns:
        hit = params.loc[params["parameter"] == "cd19_bcells", "lloq"]
        lloq = float(hit.iloc[0]) if len(hit) and hit.notna().iloc[0] else None
    ax = fn(rows, parameter=None, lloq=lloq, threshold=ctx.ep["bcell_threshold"], hue=_hue(ctx),
            unit="months", style=ctx.spec.style)
    return ax.figure
