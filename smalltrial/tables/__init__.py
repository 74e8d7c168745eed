"""Manuscript tables: a small table model, layouts from analysis results, and exports.

A :class:`Table` is a title, column headers, rows (data rows and section headings) and
footnotes. Layout functions turn smalltrial *results* into tables and never compute statistics:
every number comes from a result object or a result DataFrame, and every method used is named
in a footnote. In a run, every table is laid out from the analysis results dataset (ARD):
:func:`from_ard` rebuilds a table from its ARD rows and its :class:`Display` (the layout
options, which hold no statistic). Exports: Markdown, LaTeX (booktabs), HTML, DOCX (a real Word
table), CSV; tables render as HTML in Jupyter.

One module per concern: ``_model`` (the table model and its exports), ``_baseline``,
``_efficacy``, ``_longitudinal``, ``_tte``, ``_interval``, ``_ae`` (one layout family each) and ``display``
(tables from the ARD).

>>> t = Table("Response", ("Visit", "SLE"), (Row(("Month 3", "5/5 (100%) [47.8–100]")),),
...           footnotes=("95% CI: exact Clopper–Pearson.",))
>>> print(t.to_markdown().splitlines()[2])
| Visit | SLE |
"""

from smalltrial.tables._ae import adverse_event_soc_table, adverse_event_table
from smalltrial.tables._baseline import baseline_table
from smalltrial.tables._efficacy import efficacy_table
from smalltrial.tables._interval import interval_censored_table
from smalltrial.tables._longitudinal import longitudinal_table, stack_tables
from smalltrial.tables._model import (
    EXPORT_FORMATS,
    Row,
    Table,
    _normalize_zip,
    ci_method_label,
    csv_safe,
    km_conf_type_label,
    markdown_escape,
)
from smalltrial.tables._tte import time_to_event_table

__all__ = [
    "Row",
    "Table",
    "EXPORT_FORMATS",
    "baseline_table",
    "efficacy_table",
    "longitudinal_table",
    "time_to_event_table",
    "interval_censored_table",
    "adverse_event_table",
    "adverse_event_soc_table",
    "stack_tables",
    "ci_method_label",
    "km_conf_type_label",
    "markdown_escape",
    "csv_safe",
    "_normalize_zip",
]
