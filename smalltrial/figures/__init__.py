"""Journal-ready, reproducible figures of a small single-arm trial.

Loaded lazily (``smalltrial.figures`` on first access); imports matplotlib only here.
Builders take tidy DataFrames (seaborn style: ``data=`` plus column names) or smalltrial
result objects, draw on ``ax=`` when given (else a new figure in the active or requested
journal style) and return the Axes (figure-level helpers return the Figure).

- styles: :func:`style` (context manager), :func:`use_style`, :data:`STYLES`,
  :func:`figure_size`, :func:`new_figure`, :data:`OKABE_ITO`, :data:`PALETTE`;
- output: :func:`save` (byte-identical PDF/PNG/SVG), :func:`render`;
- builders: :func:`swimmer`, :func:`trajectories`, :func:`lab_panel`, :func:`bcell_kinetics`,
  :func:`cart_expansion`, :func:`km_plot`, :func:`waterfall`, :func:`forest`.

Figures are plain ``matplotlib.figure.Figure`` objects on an Agg canvas: no pyplot, no global
backend switch, no random state.
"""

from smalltrial.figures._bars import forest, rate_text, waterfall
from smalltrial.figures._km import km_plot
from smalltrial.figures._lines import (
    bcell_kinetics,
    cart_expansion,
    lab_panel,
    reference_lines_for,
    trajectories,
)
from smalltrial.figures._monitoring import monitoring_boundaries, operating_characteristics_plot
from smalltrial.figures._parametric import parametric_plot
from smalltrial.figures._style import (
    FONT_CANDIDATES,
    OKABE_ITO,
    PALETTE,
    STYLES,
    JournalStyle,
    active_style,
    figure_size,
    new_figure,
    render,
    resolve_font,
    save,
    style,
    style_params,
    use_style,
)
from smalltrial.figures._swimmer import swimmer, swimmer_lanes

__all__ = [
    "FONT_CANDIDATES",
    "OKABE_ITO",
    "PALETTE",
    "STYLES",
    "JournalStyle",
    "active_style",
    "bcell_kinetics",
    "cart_expansion",
    "figure_size",
    "forest",
    "km_plot",
    "lab_panel",
    "monitoring_boundaries",
    "new_figure",
    "operating_characteristics_plot",
    "parametric_plot",
    "rate_text",
    "reference_lines_for",
    "render",
    "resolve_font",
    "save",
    "style",
    "style_params",
    "swimmer",
    "swimmer_lanes",
    "trajectories",
    "use_style",
    "waterfall",
]
