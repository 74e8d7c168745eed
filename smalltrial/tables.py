"""Manuscript tables: a small table model, builders from smalltrial results, and exports.

A :class:`Table` is a title, column headers, rows (data rows and section headings) and
footnotes. Builders turn smalltrial *results* into tables and never compute statistics:
every number comes from a result object or a result DataFrame, and every method used is named
in a footnote. Exports: Markdown, LaTeX (booktabs), HTML, DOCX (a real Word table), CSV; tables
render as HTML in Jupyter.

>>> t = Table("Response", ("Visit", "SLE"), (Row(("Month 3", "5/5 (100%) [47.8–100]")),),
...           footnotes=("95% CI: exact Clopper–Pearson.",))
>>> print(t.to_markdown().splitlines()[2])
| Visit | SLE |
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._format import DASH, NE, NR, fmt_num, fmt_pvalue
from smalltrial._tableformat import (
    fmt_count_pct,
    fmt_estimate_ci,
    fmt_mean_sd,
    fmt_median_iqr,
    fmt_median_range,
    fmt_pct_ci,
    fmt_prop_ci,
)
from smalltrial._validate import check_choice, check_count, check_level

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Row",
    "Table",
    "EXPORT_FORMATS",
    "baseline_table",
    "efficacy_table",
    "longitudinal_table",
    "time_to_event_table",
    "adverse_event_table",
    "adverse_event_soc_table",
    "stack_tables",
    "ci_method_label",
    "km_conf_type_label",
]

#: file formats written by :meth:`Table.save`
EXPORT_FORMATS = ("md", "tex", "html", "docx", "csv")

#: how each confidence-interval method of ``rates.proportion_ci`` is named in a footnote
_CI_METHODS = {
    "clopper-pearson": "exact Clopper\u2013Pearson",
    "exact": "exact Clopper\u2013Pearson",
    "mid-p": "mid-p exact",
    "blaker": "Blaker exact",
    "wilson": "Wilson score",
    "wilson-cc": "Wilson score with continuity correction",
    "jeffreys": "Jeffreys (equal-tailed)",
    "agresti-coull": "Agresti\u2013Coull",
    "wald": "Wald",
}

_KM_CONF = {
    "log-log": "log-log (complementary log-log) transformed CI, as SAS LIFETEST and lifelines; "
    "R survfit's default is conf.type = \"log\"",
    "log": "log-transformed CI, as R survfit's default; SAS LIFETEST and lifelines use log-log",
    "plain": "untransformed (plain) CI, clipped to [0, 1]",
}

_DF_METHODS = {
    "kenward-roger": "Kenward\u2013Roger adjusted covariance and degrees of freedom "
    "(R pbkrtest / lmerTest, SAS DDFM=KR)",
    "satterthwaite": "Satterthwaite degrees of freedom (R lmerTest, SAS DDFM=SATTERTH)",
    "residual": "residual degrees of freedom",
    "between-within": "between-within degrees of freedom (SAS DDFM=BW)",
}


def ci_method_label(method: str) -> str:
    """Footnote name of a proportion CI method (e.g. 'exact Clopper–Pearson').

    Parameters
    ----------
    method : str
        One of ``smalltrial.rates.METHODS``.

    >>> ci_method_label("clopper-pearson")
    'exact Clopper–Pearson'
    """
    return _CI_METHODS[check_choice(method, "method", tuple(_CI_METHODS))]


def km_conf_type_label(conf_type: str) -> str:
    """Footnote description of a Kaplan-Meier CI transformation.

    Parameters
    ----------
    conf_type : str
        One of ``smalltrial.survival.CONF_TYPES`` (``"log-log"``, ``"log"``, ``"plain"``); the
        description says which of R (survfit default ``"log"``) and SAS (LIFETEST default
        ``"log-log"``) uses it.

    >>> km_conf_type_label("plain")
    'untransformed (plain) CI, clipped to [0, 1]'
    """
    return _KM_CONF[check_choice(conf_type, "conf_type", tuple(_KM_CONF))]


def _check_digits(value: Any, name: str = "digits") -> int:
    """Decimals: a whole number in 0..10."""
    digits = check_count(value, name)
    if digits > 10:
        raise SmallTrialError(f"{name} must be a whole number in 0..10, got {value!r}")
    return digits


def _check_result_frame(data: Any, name: str, columns: Sequence[str], *,
                        allow_empty: bool = False) -> None:
    """``data`` must be a DataFrame (non-empty unless ``allow_empty``) with ``columns``."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise SmallTrialError(f"{name} must be a DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SmallTrialError(f"{name} has no column {', '.join(map(repr, missing))}")
    if not allow_empty and data.empty:
        raise SmallTrialError(f"{name} is empty (no rows)")


def _level_pct(level: float) -> str:
    pct = 100.0 * float(level)
    return f"{pct:g}%"


# --------------------------------------------------------------------------------------------
# the table model
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One table row: ``cells[0]`` is the row label. A ``section`` row is a heading (label only)."""

    cells: tuple[str, ...]
    indent: int = 0
    section: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.cells, (str, bytes)) or not isinstance(self.cells, Iterable):
            raise SmallTrialError(f"cells must be a sequence of strings, got {self.cells!r}")
        object.__setattr__(self, "cells", tuple(str(c) for c in self.cells))
        object.__setattr__(self, "indent", check_count(self.indent, "indent"))
        if not isinstance(self.section, bool):
            raise SmallTrialError(f"section must be True or False, got {self.section!r}")

    @property
    def label(self) -> str:
        """The first cell (the row label), '' for an empty row."""
        return self.cells[0] if self.cells else ""


#: a leading "Table 2." / "Table 2:" of a title
_TABLE_NUMBER = re.compile(r"^Table\s+\d+\s*[.:]\s*")


@dataclass(frozen=True)
class Table:
    """A manuscript table: title, column headers, rows, footnotes.

    Parameters
    ----------
    title : str
        Caption, e.g. "Table 2. Remission by visit".
    columns : sequence of str
        Column headers; the first is the row-label column.
    rows : sequence of Row
        Data rows (as many cells as columns) and section headings (``section=True``).
    footnotes : sequence of str
        One footnote per method or abbreviation; printed below the table.
    name : str
        Short machine name (file stem when saved).
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    footnotes: tuple[str, ...] = ()
    name: str = "table"
    _meta: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for arg in ("title", "name"):
            if not isinstance(getattr(self, arg), str):
                raise SmallTrialError(f"{arg} must be a string, got {getattr(self, arg)!r}")
        for arg in ("columns", "rows", "footnotes"):
            value = getattr(self, arg)
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                raise SmallTrialError(f"{arg} must be a sequence, got {value!r}")
        object.__setattr__(self, "columns", tuple(str(c) for c in self.columns))
        rows = tuple(r if isinstance(r, Row) else Row(r) for r in self.rows)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "footnotes", tuple(self.footnotes))
        ncol = len(self.columns)
        if ncol == 0:
            raise SmallTrialError("columns must hold at least the row-label column")
        for i, row in enumerate(rows):
            if row.section:
                cells = (row.label,) + ("",) * (ncol - 1)
                object.__setattr__(row, "cells", cells)
            elif len(row.cells) != ncol:
                raise SmallTrialError(
                    f"rows[{i}] has {len(row.cells)} cells, table has {ncol} columns"
                )

    # ---------------------------------------------------------------- numbering
    @property
    def caption(self) -> str:
        """The title without a leading "Table n." (for formats that number tables themselves).

        >>> Table("Table 2. Remission by visit", ["Visit"], []).caption
        'Remission by visit'
        """
        return _TABLE_NUMBER.sub("", self.title, count=1)

    def numbered(self, number: int) -> Table:
        """A copy titled "Table <number>. <caption>" (any earlier "Table n." replaced).

        >>> Table("Table 2. Remission by visit", ["Visit"], []).numbered(3).title
        'Table 3. Remission by visit'
        """
        number = check_count(number, "number")
        return dataclasses.replace(self, title=f"Table {number}. {self.caption}")

    # ---------------------------------------------------------------- plain forms
    def __str__(self) -> str:
        return self.to_markdown()

    def to_frame(self) -> pd.DataFrame:
        """The formatted cells as a DataFrame (labels indented with two spaces per level)."""
        import pandas as pd

        records = [
            ["  " * row.indent + row.cells[0], *row.cells[1:]] for row in self.rows
        ]
        return pd.DataFrame(records, columns=list(self.columns))

    def to_csv(self) -> str:
        """The formatted cells as CSV text (header row first; footnotes are not included).

        A cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
        ``@``, a tab or a carriage return, after leading spaces) gets a leading ``'``, as OWASP
        recommends against CSV injection; plain numbers such as ``-1.5`` are left as they are.
        """
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([csv_safe(c) for c in self.columns])
        for row in self.rows:
            writer.writerow([csv_safe("  " * row.indent + row.cells[0]),
                             *(csv_safe(c) for c in row.cells[1:])])
        return buf.getvalue()

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown: bold title, pipe table, footnotes as a list.

        Text is escaped (:func:`markdown_escape`): ``<``, ``>`` and ``&`` as HTML entities,
        table pipes and link-closing brackets with a backslash, so no cell can inject HTML or
        links.
        """
        esc = markdown_escape

        lines = [f"**{esc(self.title)}**", ""]
        lines.append("| " + " | ".join(esc(c) for c in self.columns) + " |")
        lines.append("|" + "|".join([":---"] + ["---:"] * (len(self.columns) - 1)) + "|")
        for row in self.rows:
            label = "\u00a0\u00a0" * row.indent + esc(row.cells[0])
            if row.section:
                label = f"**{label}**"
            lines.append("| " + " | ".join([label, *(esc(c) for c in row.cells[1:])]) + " |")
        if self.footnotes:
            lines.append("")
            lines.extend(f"{_note_mark(i)} {esc(note)}  " for i, note in enumerate(self.footnotes))
        return "\n".join(lines).rstrip() + "\n"

    def to_latex(self) -> str:
        """A LaTeX ``table`` with booktabs rules (needs ``\\usepackage{booktabs}``)."""
        ncol = len(self.columns)
        out = [
            "\\begin{table}[htbp]",
            "\\centering",
            f"\\caption{{{_latex_escape(self.caption)}}}",  # LaTeX numbers the table
            f"\\label{{tab:{_latex_label(self.name)}}}",
            "\\begin{tabular}{l" + "r" * (ncol - 1) + "}",
            "\\toprule",
            " & ".join(_latex_escape(c) for c in self.columns) + " \\\\",
            "\\midrule",
        ]
        for row in self.rows:
            label = "\\quad " * row.indent + _latex_escape(row.cells[0])
            if row.section:
                out.append(f"\\multicolumn{{{ncol}}}{{l}}{{\\textbf{{{label}}}}} \\\\")
            else:
                out.append(" & ".join([label, *(_latex_escape(c) for c in row.cells[1:])]) + " \\\\")
        out.append("\\bottomrule")
        out.append("\\end{tabular}")
        if self.footnotes:
            out.append("\\par\\smallskip")
            out.append("\\begin{minipage}{\\linewidth}\\footnotesize")
            out.extend(
                f"{_latex_escape(_note_mark(i))} {_latex_escape(n)}\\\\" for i, n in enumerate(self.footnotes)
            )
            out.append("\\end{minipage}")
        out.append("\\end{table}")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """An HTML ``<table>`` with caption, header, body and footnotes (used by Jupyter)."""
        e = html.escape
        out = [
            f'<table class="smalltrial-table" id="{e(self.name)}" '
            'style="border-collapse:collapse;border-top:2px solid;border-bottom:2px solid">',
            f'<caption style="caption-side:top;text-align:left;font-weight:bold">{e(self.title)}</caption>',
            '<thead><tr style="border-bottom:1px solid">',
        ]
        out.extend(
            f'<th style="text-align:{"left" if j == 0 else "right"};padding:2px 8px">{e(c)}</th>'
            for j, c in enumerate(self.columns)
        )
        out.append("</tr></thead>")
        out.append("<tbody>")
        for row in self.rows:
            pad = 8 + 16 * row.indent
            if row.section:
                out.append(
                    f'<tr><td colspan="{len(self.columns)}" style="text-align:left;'
                    f'padding:2px {8}px 2px {pad}px;font-weight:bold">{e(row.label)}</td></tr>'
                )
                continue
            cells = [f'<td style="text-align:left;padding:2px 8px 2px {pad}px">{e(row.cells[0])}</td>']
            cells.extend(f'<td style="text-align:right;padding:2px 8px">{e(c)}</td>' for c in row.cells[1:])
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody>")
        if self.footnotes:
            out.append(f'<tfoot><tr><td colspan="{len(self.columns)}" '
                       'style="text-align:left;font-size:85%;border-top:1px solid;padding:2px 8px">')
            out.append("<br>".join(e(f"{_note_mark(i)} {n}") for i, n in enumerate(self.footnotes)))
            out.append("</td></tr></tfoot>")
        out.append("</table>")
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_docx(self, path: str | Path | None = None, *, font: str = "Arial", size: float = 9.0) -> bytes:
        """A Word document holding the table: title, header row, three-line (journal) rules, footnotes.

        The bytes are deterministic: document properties carry a fixed date and the zip entries
        a fixed timestamp, so the same table always gives the same file. Returns the bytes and
        writes them to ``path`` when given.
        """
        if not isinstance(font, str) or not font.strip():
            raise SmallTrialError(f"font must be a font name, got {font!r}")
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not (0 < size < 100):
            raise SmallTrialError(f"size must be a font size in points in (0, 100), got {size!r}")
        data = _docx_bytes(self, font=font, size=size)
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def save(self, stem: str | Path, formats: Iterable[str] = EXPORT_FORMATS) -> list[Path]:
        """Write ``stem.<fmt>`` for every format (a name or a list of them); returns the paths.

        Every format is checked before anything is written.
        """
        if not isinstance(stem, (str, os.PathLike)):
            raise SmallTrialError(f"stem must be a path, got {type(stem).__name__} {stem!r}")
        stem = Path(stem)
        formats = [formats] if isinstance(formats, str) else list(formats)
        for fmt in formats:
            if fmt not in EXPORT_FORMATS:
                raise SmallTrialError(
                    f"format must be one of {', '.join(map(repr, EXPORT_FORMATS))}; got {fmt!r}"
                )
        written = []
        for fmt in formats:
            path = stem.with_name(f"{stem.name}.{fmt}")
            if fmt == "docx":
                self.to_docx(path)
            else:
                text = {"md": self.to_markdown, "tex": self.to_latex, "html": self.to_html,
                        "csv": self.to_csv}[fmt]()
                path.write_bytes(text.encode("utf-8"))
            written.append(path)
        return written


_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown_escape(text: str) -> str:
    """``text`` as literal Markdown: ``& < >`` as HTML entities (no HTML gets through), a
    backslash before ``\\`` and ``|`` (no extra table cells) and before a ``]`` that would close
    a link (``](``, ``][``, ``]:``); line breaks become spaces.

    >>> print(markdown_escape("<script>alert(1)</script> | [x](y) [95% CI]"))
    &lt;script&gt;alert(1)&lt;/script&gt; \\| [x\\](y) [95% CI]
    """
    text = str(text)
    out = []
    for i, ch in enumerate(text):
        if ch in _MD_ENTITIES:
            out.append(_MD_ENTITIES[ch])
        elif ch in "\\|" or (ch == "]" and text[i + 1:i + 2] in ("(", "[", ":")):
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def csv_safe(cell: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula (OWASP, CSV injection): a cell that
    starts with ``= + - @``, a tab or a carriage return (after spaces) gets a leading ``'``;
    numbers are unchanged.

    >>> csv_safe("=1+2"), csv_safe("-1.5"), csv_safe("-1.5 (-2.0 to -1.0)")
    ("'=1+2", '-1.5', "'-1.5 (-2.0 to -1.0)")
    """
    cell = str(cell)
    stripped = cell.lstrip(" ")
    if stripped[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(stripped):
        return "'" + cell
    return cell


def _note_mark(i: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[i] if i < 26 else str(i + 1)


_LATEX_REPLACE = {
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "\n": " ", "\r": " ",
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "\u2013": "--", "\u2014": "---", "\u2264": r"$\leq$", "\u2265": r"$\geq$", "\u00b1": r"$\pm$",
    "\u00d7": r"$\times$", "\u03bc": r"$\mu$", "\u00b5": r"$\mu$", "\u00a0": "~", "\u2212": "$-$",
    "\u00fc": r"\"u", "\u00e4": r"\"a", "\u00f6": r"\"o",
}


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_REPLACE.get(ch, ch) for ch in str(text))


def _latex_label(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_:" else "-" for ch in text)


_FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _docx_bytes(table: Table, *, font: str, size: float) -> bytes:
    import datetime as _dt

    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(size)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), font)

    title = doc.add_paragraph()
    run = title.add_run(table.title)
    run.bold = True
    run.font.size = Pt(size + 1)

    ncol = len(table.columns)
    word = doc.add_table(rows=1 + len(table.rows), cols=ncol)
    word.alignment = WD_TABLE_ALIGNMENT.CENTER

    def set_cell(cell, text, *, bold=False, align=None, indent=0):
        para = cell.paragraphs[0]
        para.paragraph_format.space_after = Pt(0)
        para.paragraph_format.space_before = Pt(0)
        if indent:
            para.paragraph_format.left_indent = Pt(9 * indent)
        if align is not None:
            para.alignment = align
        r = para.add_run(text)
        r.bold = bold
        r.font.size = Pt(size)

    def border(cell, side, sz):
        tc_pr = cell._tc.get_or_add_tcPr()
        borders = tc_pr.find(qn("w:tcBorders"))
        if borders is None:
            borders = OxmlElement("w:tcBorders")
            tc_pr.append(borders)
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(sz))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)

    header = word.rows[0]
    header_tr_pr = header._tr.get_or_add_trPr()
    tbl_header = OxmlElement("w:tblHeader")  # repeat header row on each page
    header_tr_pr.append(tbl_header)
    for j, text in enumerate(table.columns):
        cell = header.cells[j]
        set_cell(cell, text, bold=True,
                 align=WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
        border(cell, "top", 12)
        border(cell, "bottom", 6)
    for i, row in enumerate(table.rows, start=1):
        cells = word.rows[i].cells
        if row.section:
            merged = cells[0].merge(cells[-1]) if ncol > 1 else cells[0]
            set_cell(merged, row.label, bold=True, indent=row.indent)
            if i == len(table.rows):
                border(merged, "bottom", 12)
            continue
        for j, text in enumerate(row.cells):
            set_cell(cells[j], text, indent=row.indent if j == 0 else 0,
                     align=WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
            if i == len(table.rows):
                border(cells[j], "bottom", 12)
    for i, note in enumerate(table.footnotes):
        para = doc.add_paragraph()
        para.paragraph_format.space_after = Pt(0)
        r = para.add_run(f"{_note_mark(i)} {note}")
        r.font.size = Pt(size - 1)

    props = doc.core_properties
    fixed = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
    props.created = fixed
    props.modified = fixed
    props.last_printed = fixed
    props.revision = 1
    props.author = "smalltrial"
    props.last_modified_by = "smalltrial"
    props.title = table.title

    raw = io.BytesIO()
    doc.save(raw)
    return _normalize_zip(raw.getvalue())


def _normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed entry timestamps and attributes (deterministic bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            new.create_system = 0
            dst.writestr(new, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# builders: results in, tables out (no statistics here)
# --------------------------------------------------------------------------------------------
def _check_notes(notes: Any) -> list[str]:
    if isinstance(notes, (str, bytes)) or not isinstance(notes, Iterable):
        raise SmallTrialError(f"notes must be a sequence of footnote strings, got {notes!r}")
    notes = list(notes)
    for n in notes:
        if not isinstance(n, str):
            raise SmallTrialError(f"notes must be strings, got {n!r}")
    return notes


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _isnan(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _label(value: Any, labels: Mapping[Any, str] | None) -> str:
    if labels and value in labels:
        return str(labels[value])
    return str(value)


def baseline_table(
    summary: pd.DataFrame,
    *,
    title: str = "Table 1. Baseline characteristics",
    continuous: str = "median-range",
    digits: int | Mapping[str, int] = 1,
    labels: Mapping[str, str] | None = None,
    level_labels: Mapping[str, Mapping[Any, str]] | None = None,
    group_labels: Mapping[Any, str] | None = None,
    name: str = "baseline",
) -> Table:
    """Table 1 from :func:`smalltrial.summaries.describe` output.

    Continuous variables print as median (range), median [IQR] or mean (SD) (``continuous`` =
    ``"median-range"``, ``"median-iqr"``, ``"mean-sd"``); categorical ones as n (%) per level.
    One column per group in ``summary`` (``All`` last), headed ``"<group> (n = N)"`` where N is
    the largest ``n + n_missing`` in the group.

    Parameters
    ----------
    summary : DataFrame
        :func:`smalltrial.summaries.describe` output.
    continuous : str
        ``"median-range"`` (default), ``"median-iqr"`` (quartiles as R ``quantile(type = 7)``,
        SAS PROC MEANS default QNTLDEF=5 differs) or ``"mean-sd"``.
    digits : int or mapping
        Decimals (0..10), for all variables or per variable (default 1).
    labels, level_labels, group_labels : mapping, optional
        Display names of variables, of levels per variable, and of groups.
    title, name : str
        Table title and file stem.

    >>> import pandas as pd
    >>> from smalltrial.summaries import describe
    >>> df = pd.DataFrame({"age": [18, 20, 24], "sex": ["F", "F", "M"]})
    >>> baseline_table(describe(df, ["age", "sex"])).rows[0].cells
    ('Age', '20.0 (18.0–24.0)')
    """
    formats = {"median-range": "median (range)", "median-iqr": "median [IQR]", "mean-sd": "mean (SD)"}
    if continuous not in formats:
        raise SmallTrialError(
            f"continuous must be one of {', '.join(map(repr, formats))}; got {continuous!r}"
        )
    _check_result_frame(summary, "summary", ("variable", "kind", "group", "level", "n",
                                             "n_missing", "count", "total"))
    if isinstance(digits, Mapping):
        digits = {k: _check_digits(v, f"digits[{k!r}]") for k, v in digits.items()}
    else:
        digits = _check_digits(digits)
    groups = list(dict.fromkeys(summary["group"].tolist()))
    sizes = {g: int((summary.loc[summary["group"] == g, "n"] + summary.loc[summary["group"] == g, "n_missing"]).max())
             for g in groups}
    columns = ["Characteristic"] + [
        f"{_label(g, group_labels)} (n = {sizes[g]})" for g in groups
    ]
    rows: list[Row] = []
    any_missing = False
    has_cont = has_cat = False
    for var in dict.fromkeys(summary["variable"].tolist()):
        sub = summary[summary["variable"] == var]
        kind = sub["kind"].iloc[0]
        var_label = _label(var, labels) if labels and var in labels else str(var).replace("_", " ").capitalize()
        dig = digits.get(var, 1) if isinstance(digits, Mapping) else digits
        if kind == "continuous":
            has_cont = True
            cells = [var_label]
            for g in groups:
                r = sub[sub["group"] == g].iloc[0]
                if continuous == "median-range":
                    text = fmt_median_range(r["median"], r["minimum"], r["maximum"], dig)
                elif continuous == "median-iqr":
                    text = fmt_median_iqr(r["median"], r["q1"], r["q3"], dig)
                else:
                    text = fmt_mean_sd(r["mean"], r["sd"], dig)
                if r["n_missing"] > 0:
                    any_missing = True
                    text += f" [{int(r['n_missing'])} missing]"
                cells.append(text)
            rows.append(Row(tuple(cells)))
        else:
            has_cat = True
            rows.append(Row((f"{var_label}, n (%)",), section=True))
            lv_labels = (level_labels or {}).get(var)
            for level in dict.fromkeys(sub["level"].tolist()):
                cells = [_label(level, lv_labels)]
                for g in groups:
                    r = sub[(sub["group"] == g) & (sub["level"] == level)].iloc[0]
                    cells.append(fmt_count_pct(int(r["count"]), int(r["total"])))
                rows.append(Row(tuple(cells), indent=1))
    notes = []
    if has_cont:
        how = {
            "median-range": "Continuous variables: median (minimum\u2013maximum).",
            "median-iqr": "Continuous variables: median [first\u2013third quartile, R quantile type 7].",
            "mean-sd": "Continuous variables: mean (standard deviation, n \u2212 1 denominator).",
        }[continuous]
        notes.append(how)
    if has_cat:
        notes.append("Categorical variables: n (%) of patients with a recorded value.")
    if any_missing:
        notes.append("[k missing]: number of patients without a value, left out of the summary.")
    return Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)


def efficacy_table(
    results: pd.DataFrame,
    *,
    row: str = "visit",
    column: str = "group",
    title: str = "Table 2. Response by visit",
    outcome: str = "Remission",
    definition: str | None = None,
    row_order: Sequence[Any] | None = None,
    column_order: Sequence[Any] | None = None,
    row_labels: Mapping[Any, str] | None = None,
    column_labels: Mapping[Any, str] | None = None,
    digits: int = 1,
    notes: Sequence[str] = (),
    name: str = "efficacy",
) -> Table:
    """Response n/N (%) [CI] by visit (rows) and cohort (columns) from proportion CIs.

    ``results`` is a DataFrame with one row per cell and columns ``row``, ``column``, ``x``,
    ``n``, ``lower``, ``upper``, ``method`` and ``level`` (e.g. the fields of
    ``smalltrial.rates.proportion_ci`` results collected per visit and cohort). The CI method and
    level go in a footnote (one per distinct method).

    Parameters
    ----------
    results : DataFrame
        One row per cell, with the columns above.
    row, column : str
        Columns giving the table's rows (default ``"visit"``) and columns (``"group"``).
    outcome, definition : str
        Outcome name in the header footnote, and an optional footnote defining it.
    row_order, column_order, row_labels, column_labels : optional
        Order (and selection) and display names of rows and columns; a missing cell is '–'.
    digits : int
        Decimals of the percentages and limits (0..10).
    notes : sequence of str
        More footnotes, printed last (e.g. the groups without an assessment).
    title, name : str
        Table title and file stem.

    >>> import pandas as pd
    >>> res = pd.DataFrame({"visit": ["Month 3"], "group": ["SLE"], "x": [5], "n": [5],
    ...                     "lower": [0.4782], "upper": [1.0], "method": ["clopper-pearson"],
    ...                     "level": [0.95]})
    >>> t = efficacy_table(res)
    >>> t.rows[0].cells, t.footnotes[-1]
    (('Month 3', '5/5 (100%) [47.8–100]'), '95% CI: exact Clopper–Pearson.')
    """
    for arg, value in (("row", row), ("column", column)):
        if not isinstance(value, str):
            raise SmallTrialError(f"{arg} must be a column name, got {value!r}")
    _check_result_frame(results, "results", (row, column, "x", "n", "lower", "upper", "method",
                                             "level"))
    digits = _check_digits(digits)
    rows_v = list(row_order) if row_order is not None else list(dict.fromkeys(results[row]))
    cols_v = list(column_order) if column_order is not None else list(dict.fromkeys(results[column]))
    columns = [row.replace("_", " ").capitalize()] + [_label(c, column_labels) for c in cols_v]
    out_rows = []
    for rv in rows_v:
        cells = [_label(rv, row_labels)]
        for cv in cols_v:
            hit = results[(results[row] == rv) & (results[column] == cv)]
            if hit.empty:
                cells.append(DASH)
                continue
            r = hit.iloc[0]
            cells.append(fmt_prop_ci(r["x"], r["n"], r["lower"], r["upper"], digits))
        out_rows.append(Row(tuple(cells)))
    extra = _check_notes(notes)
    notes = [f"{outcome}: n/N (%) [{_level_pct(results['level'].iloc[0])} CI]; N = patients assessed at the visit."]
    if definition:
        notes.append(definition)
    for method, level in dict.fromkeys(zip(results["method"], results["level"], strict=True)):
        notes.append(f"{_level_pct(level)} CI: {ci_method_label(method)}.")
    notes.extend(extra)
    return Table(title, tuple(columns), tuple(out_rows), tuple(notes), name=name)


def longitudinal_table(
    observed: pd.DataFrame,
    *,
    means: pd.DataFrame | None = None,
    change: pd.DataFrame | None = None,
    by: str = "visit",
    title: str = "Longitudinal summary",
    outcome: str = "Outcome",
    unit: str | None = None,
    scale: str = "identity",
    df_method: str | None = None,
    model: str | None = None,
    change_test: Mapping[str, Any] | None = None,
    digits: int = 1,
    model_digits: int | None = None,
    change_digits: int | None = None,
    order: Sequence[Any] | None = None,
    labels: Mapping[Any, str] | None = None,
    notes: Sequence[str] = (),
    name: str = "longitudinal",
) -> Table:
    """Per visit: n, observed median (range), model-based mean with CI and change from baseline.

    Parameters
    ----------
    observed : DataFrame
        :func:`smalltrial.summaries.describe` output with ``group`` = visit (``by`` column), or any
        frame with columns ``group, n, median, minimum, maximum``.
    means, change : DataFrame, optional
        ``MixedModelFit.marginal_means(by, scale=...)`` and
        ``MixedModelFit.change_from_baseline(by, scale=...)`` (columns ``<by>, estimate, lower,
        upper`` and ``p_value`` for change).
    scale : {"identity", "log"}
        ``"log"``: the means are geometric means and the changes ratios to baseline (response
        scale of a log model).
    df_method : str, optional
        Degrees-of-freedom method of the fit, named in a footnote.
    model : str, optional
        A footnote describing the model (formula, random effects).
    change_test : mapping, optional
        ``{"at": visit, "n": n, "median_change": m, "pvalue": p}`` from
        ``longitudinal.paired_change`` (exact Wilcoxon signed-rank), shown as a footnote.
    digits, model_digits, change_digits : int
        Decimals of the observed values, the model means (default ``digits``) and the changes
        (default ``model_digits``; 2 for ratios on the log scale).
    notes : sequence of str
        More footnotes, printed last.

    Builds text only: every number comes from the inputs (Kenward-Roger or Satterthwaite
    inference as in R lmerTest / SAS PROC MIXED DDFM=KR, named in a footnote via
    ``df_method``).

    >>> import pandas as pd
    >>> obs = pd.DataFrame({"group": ["baseline", "month 3"], "n": [5, 5],
    ...                     "median": [16.0, 0.0], "minimum": [12.0, 0.0], "maximum": [20.0, 2.0]})
    >>> t = longitudinal_table(obs, outcome="SLEDAI-2K")
    >>> t.columns, t.rows[1].cells
    (('Visit', 'n', 'Median (range)'), ('month 3', '5', '0.0 (0.0–2.0)'))
    """
    if scale not in ("identity", "log"):
        raise SmallTrialError(f"scale must be 'identity' or 'log'; got {scale!r}")
    if not isinstance(by, str):
        raise SmallTrialError(f"by must be a column name, got {by!r}")
    _check_result_frame(observed, "observed", ("group", "n", "median", "minimum", "maximum"))
    if means is not None:
        _check_result_frame(means, "means", (by, "estimate", "lower", "upper"), allow_empty=True)
    if change is not None:
        _check_result_frame(change, "change", (by, "estimate", "lower", "upper", "p_value"),
                            allow_empty=True)
    digits = _check_digits(digits)
    more_notes = _check_notes(notes)
    model_digits = digits if model_digits is None else _check_digits(model_digits, "model_digits")
    if change_digits is None:
        change_digits = 2 if scale == "log" else model_digits
    else:
        change_digits = _check_digits(change_digits, "change_digits")
    groups = list(order) if order is not None else list(
        g for g in dict.fromkeys(observed["group"].tolist()) if g != "All"
    )
    unit_txt = f", {unit}" if unit else ""
    mean_head = "Geometric mean (95% CI)" if scale == "log" else "Model mean (95% CI)"
    change_head = "Ratio to baseline (95% CI)" if scale == "log" else "Change from baseline (95% CI)"
    columns = [by.replace("_", " ").capitalize(), "n", f"Median (range){unit_txt}"]
    if means is not None:
        columns.append(mean_head)
    if change is not None:
        columns += [change_head, "P"]
    rows = []
    for g in groups:
        obs = observed[observed["group"] == g]
        cells = [_label(g, labels)]
        if obs.empty:
            cells += ["0", NE]
        else:
            o = obs.iloc[0]
            cells += [str(int(o["n"])), fmt_median_range(o["median"], o["minimum"], o["maximum"], digits)]
        if means is not None:
            m = means[means[by] == g]
            cells.append(NE if m.empty else fmt_estimate_ci(m.iloc[0]["estimate"], m.iloc[0]["lower"],
                                                            m.iloc[0]["upper"], model_digits, na=NE))
        if change is not None:
            c = change[change[by] == g]
            if c.empty:
                cells += [DASH, DASH]  # the baseline itself
            else:
                c0 = c.iloc[0]
                cells.append(fmt_estimate_ci(c0["estimate"], c0["lower"], c0["upper"], change_digits,
                                             na=NE))
                cells.append(fmt_pvalue(c0["p_value"]))
        rows.append(Row(tuple(cells)))
    notes = ["Observed values: n patients with a value, median (minimum\u2013maximum)."]
    if model:
        notes.append(model)
    if means is not None:
        if scale == "log":
            notes.append("Geometric means and ratios to baseline: linear mixed model of log values, "
                         "back-transformed (exp of estimates and CI limits).")
        else:
            notes.append("Model-based means and changes from baseline: linear mixed model, "
                         "restricted maximum likelihood (REML).")
    if df_method:
        notes.append(f"CIs and P values: t distribution with {_DF_METHODS.get(df_method, df_method)}.")
    if change_test is not None:
        notes.append(
            f"Exact Wilcoxon signed-rank test, baseline vs {_label(change_test['at'], labels)} "
            f"(n = {int(change_test['n'])}, median change {fmt_num(change_test['median_change'], digits, na=NE)}): "
            f"P = {fmt_pvalue(change_test['pvalue'])}."
        )
    notes.extend(more_notes)
    return Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)


def stack_tables(
    parts: Sequence[tuple[str, Table]],
    *,
    title: str,
    notes: Sequence[str] = (),
    name: str = "table",
) -> Table:
    """One table from several with the same columns, each under a section heading (a group).

    Footnotes shared by every part are printed once; a footnote of some parts only is printed
    once per part, prefixed with that part's heading. ``notes`` follow.

    Parameters
    ----------
    parts : sequence of (heading, Table)
        The tables, in order; the first one's columns head the result (a part whose columns
        differ only in the unit-free text of the first header is accepted).
    title, name : str
        Table title and file stem.
    notes : sequence of str
        More footnotes, printed last.

    >>> a = Table("A", ("Visit", "n"), (Row(("Baseline", "5")),), ("n: patients.",))
    >>> b = Table("B", ("Visit", "n"), (Row(("Baseline", "3")),), ("n: patients.",))
    >>> t = stack_tables([("SLE", a), ("IIM", b)], title="Both")
    >>> [r.cells for r in t.rows], t.footnotes
    ([('SLE', ''), ('Baseline', '5'), ('IIM', ''), ('Baseline', '3')], ('n: patients.',))
    """
    if isinstance(parts, (str, bytes)) or not isinstance(parts, Sequence) or not parts:
        raise SmallTrialError(f"parts must be a non-empty sequence of (heading, Table), got {parts!r}")
    for i, part in enumerate(parts):
        if not (isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], Table)):
            raise SmallTrialError(f"parts[{i}] must be a (heading, Table) pair, got {part!r}")
    more_notes = _check_notes(notes)
    columns = parts[0][1].columns
    for i, (_, t) in enumerate(parts):
        if len(t.columns) != len(columns):
            raise SmallTrialError(f"parts[{i}] has {len(t.columns)} columns, parts[0] has {len(columns)}")
    rows: list[Row] = []
    for heading, t in parts:
        rows.append(Row((str(heading),), section=True))
        rows.extend(Row(r.cells, indent=r.indent + 1, section=r.section) for r in t.rows)
    shared = [n for n in parts[0][1].footnotes if all(n in t.footnotes for _, t in parts)]
    out = list(shared)
    for heading, t in parts:
        out.extend(f"{heading}: {n}" for n in t.footnotes if n not in shared)
    out.extend(more_notes)
    return Table(title, tuple(columns), tuple(rows), tuple(dict.fromkeys(out)), name=name)


def time_to_event_table(
    entries: Sequence[Mapping[str, Any]],
    *,
    landmarks: Sequence[float] = (),
    time_unit: str = "months",
    title: str = "Time-to-event outcomes",
    conf_type: str = "log-log",
    level: float = 0.95,
    follow_up: Any = None,
    digits: int = 1,
    notes: Sequence[str] = (),
    name: str = "time_to_event",
    rmst_tau: float | None = None,
) -> Table:
    """Median time to event (95% CI, NR when not reached), landmark rates and event rates.

    ``entries``: one mapping per endpoint with ``label``, ``n`` (patients), ``events``,
    ``median`` (a ``Quantile``: ``estimate, lower, upper``; NaN = not reached), optional
    ``landmarks`` (``KaplanMeier.at(times)`` DataFrame: ``time, survival, lower, upper``; shown
    as 1 - survival, the cumulative event probability, when ``cumulative=True``), optional
    ``rate`` (``EventRate``: ``rate, lower, upper``, per patient-year), optional ``note``,
    optional ``section`` (a heading row above the entry whenever it changes: e.g. the endpoint,
    with one entry per group below it), optional ``indent`` (e.g. 1 for a group's row under
    the row of all patients).
    ``follow_up``: a ``Quantile`` from ``median_follow_up`` (reverse Kaplan-Meier), a footnote.
    ``rmst_tau``: when given, a column "RMST to tau" from each entry's optional ``rmst`` (an
    ``RMST`` from ``survival.rmst``: ``estimate, lower, upper``; a dash when absent), the
    summary to report when the median is not reached.

    Parameters
    ----------
    entries : sequence of mappings
        The endpoints, as above (non-empty).
    landmarks : sequence of float
        Landmark times (>= 0, in ``time_unit``) shown as columns.
    conf_type : str
        The Kaplan-Meier CI transformation used (``"log-log"``, as SAS LIFETEST; R survfit's
        default is ``"log"``), named in a footnote.
    level : float
        Confidence level of the intervals, in (0, 1).
    digits : int
        Decimals (0..10).
    notes : sequence of str
        More footnotes, printed last.
    time_unit, title, name : str
        Unit in the headers, table title and file stem.

    The median CI follows R ``quantile.survfit`` (Brookmeyer & Crowley 1982).

    >>> nan = float("nan")
    >>> t = time_to_event_table([{"label": "Relapse", "n": 5, "events": 0,
    ...                           "median": {"estimate": nan, "lower": nan, "upper": nan}}])
    >>> t.columns, t.rows[0].cells
    (('Endpoint', 'Patients', 'Events', 'Median, months (95% CI)'), ('Relapse', '5', '0', 'NR'))
    """
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Sequence):
        raise SmallTrialError(
            f"entries must be a sequence of endpoint mappings, got {type(entries).__name__}")
    if not entries:
        raise SmallTrialError("entries is empty: give at least one endpoint")
    for i, e in enumerate(entries):
        absent = [k for k in ("label", "n", "events", "median") if _get(e, k) is None]
        if absent:
            raise SmallTrialError(f"entries[{i}] has no {', '.join(map(repr, absent))}")
    conf_type = check_choice(conf_type, "conf_type", tuple(_KM_CONF))
    level = check_level(level)
    digits = _check_digits(digits)
    more_notes = _check_notes(notes)
    if isinstance(landmarks, (str, bytes)) or not isinstance(landmarks, Iterable):
        raise SmallTrialError(f"landmarks must be a sequence of times, got {landmarks!r}")
    landmarks = list(landmarks)
    for t in landmarks:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not (0 <= t < math.inf):
            raise SmallTrialError(f"landmarks must be finite times >= 0, got {t!r}")
    columns = ["Endpoint", "Patients", "Events", f"Median, {time_unit} ({_level_pct(level)} CI)"]
    columns += [f"At {fmt_num(t, 0)} {time_unit}, % ({_level_pct(level)} CI)" for t in landmarks]
    if rmst_tau is not None:
        if isinstance(rmst_tau, bool) or not isinstance(rmst_tau, (int, float)) or not (
                0 < rmst_tau < math.inf):
            raise SmallTrialError(f"rmst_tau must be a finite time > 0, got {rmst_tau!r}")
        columns.append(f"RMST to {rmst_tau:g} {time_unit}, {time_unit} "
                       f"({_level_pct(level)} CI)")
    has_rate = any(_get(e, "rate") is not None for e in entries)
    if has_rate:
        columns.append(f"Events per patient-year ({_level_pct(level)} CI)")
    rows = []
    extra_notes = []
    cumulative_any = False
    zero_width_any = False
    section = None
    for e in entries:
        med = _get(e, "median")
        if _get(e, "section") is not None and _get(e, "section") != section:
            section = _get(e, "section")
            rows.append(Row((str(section),), section=True))
        cells = [str(_get(e, "label")), str(int(_get(e, "n"))), str(int(_get(e, "events")))]
        cells.append(fmt_estimate_ci(_get(med, "estimate"), _get(med, "lower"), _get(med, "upper"),
                                     digits, na=NR))
        at = _get(e, "landmarks")
        cumulative = bool(_get(e, "cumulative", False))
        cumulative_any |= cumulative
        for t in landmarks:
            if at is None:
                cells.append(DASH)
                continue
            hit = at[at["time"] == t]
            if hit.empty:
                cells.append(NE)
                continue
            h = hit.iloc[0]
            if cumulative:
                est, lo, hi = 1 - h["survival"], 1 - h["upper"], 1 - h["lower"]
            else:
                est, lo, hi = h["survival"], h["lower"], h["upper"]
            if lo == hi:
                # no event yet: Greenwood's SE is 0 and the interval has no width; R prints
                # 1 (1, 1) before the first time but NA after a censoring -- show NE for both
                lo = hi = float("nan")
                zero_width_any = True
            cells.append(fmt_pct_ci(est, lo, hi, digits))
        if rmst_tau is not None:
            r = _get(e, "rmst")
            cells.append(DASH if r is None else fmt_estimate_ci(
                _get(r, "estimate"), _get(r, "lower"), _get(r, "upper"), digits, na=NE))
        if has_rate:
            rate = _get(e, "rate")
            cells.append(DASH if rate is None else fmt_estimate_ci(
                _get(rate, "rate"), _get(rate, "lower"), _get(rate, "upper"), 2, na=NE))
        indent = _get(e, "indent", 1 if _get(e, "section") is not None else 0)
        rows.append(Row(tuple(cells), indent=indent))
        if _get(e, "note"):
            extra_notes.append(f"{_get(e, 'label')}: {_get(e, 'note')}")
    notes = [
        f"Kaplan\u2013Meier estimates with Greenwood variance; {_level_pct(level)} CI: "
        f"{km_conf_type_label(conf_type)}.",
        "Median CI: the times where the pointwise confidence limits of the curve cross 0.5 "
        "(R quantile.survfit). NR: not reached.",
    ]
    if cumulative_any:
        notes.append("Landmark columns for event endpoints show the cumulative event probability "
                     "(1 \u2212 Kaplan\u2013Meier survival).")
    if zero_width_any:
        notes.append("NE: not estimable; before the first event the Kaplan\u2013Meier standard "
                     "error is 0 and no confidence interval can be given.")
    if rmst_tau is not None:
        notes.append(
            f"RMST: restricted mean survival time up to {rmst_tau:g} {time_unit} (area "
            "under the Kaplan\u2013Meier curve; the mean event-free time within that horizon); "
            "SE as R survival's print.survfit rmean; Wald CI clipped to [0, tau]. "
            "Not given for endpoints with competing events.")
    if has_rate:
        notes.append("Event rates: events per patient-year of follow-up with exact Poisson CI "
                     "(Garwood); with no events the upper limit bounds the rate.")
    if follow_up is not None:
        notes.append(
            f"Median follow-up (reverse Kaplan\u2013Meier): "
            f"{fmt_estimate_ci(_get(follow_up, 'estimate'), _get(follow_up, 'lower'), _get(follow_up, 'upper'), digits, na=NR)}"
            f" {time_unit}."
        )
    notes.extend(extra_notes)
    notes.extend(more_notes)
    return Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)


def adverse_event_table(
    counts: pd.DataFrame,
    *,
    events: Mapping[str, str] | None = None,
    grades: Sequence[int] = (1, 2, 3, 4, 5),
    title: str = "Adverse events of special interest by worst grade",
    grading: str = "ASTCT consensus grading (Lee et al. 2019)",
    group_labels: Mapping[Any, str] | None = None,
    name: str = "adverse_events",
) -> Table:
    """CRS and ICANS by worst grade, n (%), from :func:`smalltrial.summaries.describe` counts.

    ``counts``: ``describe(worst, list(events), by=..., kind categorical)`` output where each
    variable holds one patient's worst grade (0 = none). Rows: "Any grade" (grade >= 1) and one
    row per grade in ``grades``; columns: the groups of ``counts``.

    Parameters
    ----------
    counts : DataFrame
        As above (columns ``variable, group, level, count, total, n_missing``).
    events : mapping, optional
        Variable -> row heading (default CRS and ICANS).
    grades : sequence of int
        Grades shown (each in 1..5).
    grading, title, name : str
        Grading system footnote, table title and file stem.

    >>> import pandas as pd
    >>> from smalltrial.summaries import describe
    >>> worst = pd.DataFrame({"crs": [1, 1, 0, 1, 0], "icans": [0, 0, 0, 0, 0]})
    >>> grades = {v: [0, 1, 2, 3, 4, 5] for v in worst}
    >>> counts = describe(worst, ["crs", "icans"], kinds=dict.fromkeys(worst, "categorical"),
    ...                   levels=grades)
    >>> t = adverse_event_table(counts)
    >>> t.columns, t.rows[1].cells
    (('Event', 'All (n = 5)'), ('Any grade', '3 (60%)'))
    """
    _check_result_frame(counts, "counts", ("variable", "group", "level", "count", "total",
                                           "n_missing"))
    if isinstance(grades, (str, bytes)) or not isinstance(grades, Iterable):
        raise SmallTrialError(f"grades must be a sequence of grades 1..5, got {grades!r}")
    grades = list(grades)
    for grade in grades:
        if check_count(grade, "grades") not in (1, 2, 3, 4, 5):
            raise SmallTrialError(f"grades must be grades 1..5, got {grade!r}")
    events = dict(events or {"crs": "Cytokine release syndrome", "icans": "ICANS"})
    groups = list(dict.fromkeys(counts["group"].tolist()))
    sizes = {g: int((counts.loc[counts["group"] == g, "total"]
                     + counts.loc[counts["group"] == g, "n_missing"]).max()) for g in groups}
    columns = ["Event"] + [f"{_label(g, group_labels)} (n = {sizes[g]})" for g in groups]
    rows = []
    for var, label in events.items():
        sub = counts[counts["variable"] == var]
        if sub.empty:
            continue
        rows.append(Row((label,), section=True))
        any_cells = ["Any grade"]
        for g in groups:
            s = sub[sub["group"] == g]
            n_any = int(s.loc[s["level"].astype(float) >= 1, "count"].sum())
            any_cells.append(fmt_count_pct(n_any, int(s["total"].max())))
        rows.append(Row(tuple(any_cells), indent=1))
        for grade in grades:
            cells = [f"Grade {grade}"]
            for g in groups:
                s = sub[sub["group"] == g]
                hit = s[s["level"].astype(float) == grade]
                cells.append(fmt_count_pct(int(hit["count"].sum()) if not hit.empty else 0, int(s["total"].max())))
            rows.append(Row(tuple(cells), indent=1))
    notes = [
        "Each patient counted once, at the worst grade; n (%).",
    ]
    for var, label in events.items():
        sub = counts[counts["variable"] == var]
        if sub.empty:
            continue
        unknown = int(sub.loc[sub["group"] == groups[-1], "n_missing"].max())
        if unknown:
            notes.append(f"{label}: {unknown} patient(s) with an event of unknown grade, "
                         "not counted (percentages of patients with a known worst grade).")
    notes += [
        f"Grading: {grading}.",
        "ICANS: immune effector cell-associated neurotoxicity syndrome.",
    ]
    return Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)


def adverse_event_soc_table(
    summary: pd.DataFrame,
    *,
    by: str | None = None,
    bands: Sequence[int] = (1, 3),
    group_order: Sequence[Any] | None = None,
    group_labels: Mapping[Any, str] | None = None,
    title: str = "Adverse events by system organ class and preferred term",
    grading: str | None = "CTCAE; CRS and ICANS: ASTCT consensus grading (Lee et al. 2019)",
    notes: Sequence[str] = (),
    name: str = "adverse_events_by_soc",
) -> Table:
    """Patients with adverse events by system organ class and preferred term, n (%) per grade band.

    Lays out :func:`smalltrial.summaries.adverse_events` (one row per overall / class / term
    with ``n``, ``N`` and the patients at each worst grade ``grade_1`` .. ``grade_5``): a first
    row "Any adverse event", then each system organ class (a bold row with its counts) with its
    preferred terms indented below, in the order of the summary (most frequent first). Columns:
    for each group (``by``) and each grade band, n (%) of the group's N patients.

    Parameters
    ----------
    summary : DataFrame
        ``summaries.adverse_events(...)`` output (columns ``level, soc, term, n, N,
        grade_1..grade_5`` and ``by`` when given).
    by : str, optional
        The group column of ``summary`` (one set of band columns per group).
    bands : sequence of int
        Lowest grade of each band column (1..5): ``1`` = any grade, ``3`` = grade >= 3. A band
        counts the patients whose worst grade in that row is at least its lowest grade.
    group_order, group_labels : optional
        Order (and selection) and display names of the groups.
    grading : str or None
        The grading system, in a footnote.
    notes : sequence of str
        More footnotes, printed last.
    title, name : str
        Table title and file stem.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"level": ["overall", "soc", "term"], "soc": ["", "Infections", "Infections"],
    ...                   "term": ["", "", "Pneumonia"], "n": [2, 2, 2], "N": [5, 5, 5],
    ...                   "grade_1": [0, 0, 0], "grade_2": [1, 1, 1], "grade_3": [1, 1, 1],
    ...                   "grade_4": [0, 0, 0], "grade_5": [0, 0, 0]})
    >>> t = adverse_event_soc_table(s)
    >>> t.columns
    ('Adverse event', 'Any grade (N = 5)', 'Grade ≥3 (N = 5)')
    >>> [r.cells for r in t.rows]
    [('Any adverse event', '2 (40%)', '1 (20%)'), ('Infections', '2 (40%)', '1 (20%)'), ('Pneumonia', '2 (40%)', '1 (20%)')]
    """
    grade_cols = [f"grade_{g}" for g in range(1, 6)]
    need = ["level", "soc", "term", "n", "N", *grade_cols] + ([by] if by is not None else [])
    if by is not None and not isinstance(by, str):
        raise SmallTrialError(f"by must be a column name, got {by!r}")
    _check_result_frame(summary, "summary", need)
    if isinstance(bands, (str, bytes)) or not isinstance(bands, Iterable):
        raise SmallTrialError(f"bands must be a sequence of grades 1..5, got {bands!r}")
    bands = list(bands)
    if not bands:
        raise SmallTrialError("bands is empty: give at least one grade band (1 = any grade)")
    for b in bands:
        if check_count(b, "bands") not in (1, 2, 3, 4, 5):
            raise SmallTrialError(f"bands must be grades 1..5, got {b!r}")
    if len(set(bands)) < len(bands):
        raise SmallTrialError(f"bands lists a grade twice: {bands!r}")
    more_notes = _check_notes(notes)
    levels = set(summary["level"])
    if not levels <= {"overall", "soc", "term"}:
        raise SmallTrialError(f"column 'level' of summary must hold overall, soc or term; got "
                              f"{sorted(map(str, levels - {'overall', 'soc', 'term'}))}")
    if by is None:
        groups: list[Any] = [None]
    else:
        present = list(dict.fromkeys(summary[by].tolist()))
        groups = list(group_order) if group_order is not None else present
        missing = [g for g in groups if g not in present]
        if missing:
            raise SmallTrialError(f"group_order: {missing!r} not in column {by!r} of summary")

    def band_label(b: int) -> str:
        return "Any grade" if b == 1 else f"Grade \u2265{b}" if b < 5 else "Grade 5"

    def block(g):
        return summary if g is None else summary[summary[by] == g]

    columns = ["Adverse event"]
    for g in groups:
        sub = block(g)
        n_total = int(sub["N"].max()) if len(sub) else 0
        prefix = "" if g is None else f"{_label(g, group_labels)}: "
        columns += [f"{prefix}{band_label(b)} (N = {n_total})" for b in bands]
    # rows in the order of the first group's block (every group lists the same rows)
    first = block(groups[0]).reset_index(drop=True)
    rows = []
    for i, r in first.iterrows():
        if r["level"] == "overall":
            label, indent, section = "Any adverse event", 0, False
        elif r["level"] == "soc":
            label, indent, section = str(r["soc"]), 0, False
        else:
            label, indent, section = str(r["term"]), 1, False
        cells = [label]
        for g in groups:
            sub = block(g).reset_index(drop=True)
            row = sub.iloc[i]
            if (row["level"], row["soc"], row["term"]) != (r["level"], r["soc"], r["term"]):
                raise SmallTrialError(f"summary: group {g!r} lists other rows than {groups[0]!r} "
                                      f"(row {i}: {row['soc']!r}/{row['term']!r})")
            total = int(row["N"])
            for b in bands:
                count = int(sum(int(row[f"grade_{k}"]) for k in range(b, 6)))
                cells.append(fmt_count_pct(count, total))
        rows.append(Row(tuple(cells), indent=indent, section=section))
    notes_out = [
        "Patients with at least one adverse event, n (%) of N patients of the column; a patient "
        "counts once per row, at the worst grade. Classes and terms by decreasing frequency.",
    ]
    if any(b > 1 for b in bands):
        notes_out.append("Grade \u2265k: patients whose worst grade in the row is k or higher.")
    if grading:
        notes_out.append(f"Grading: {grading}.")
    notes_out.extend(more_notes)
    return Table(title, tuple(columns), tuple(rows), tuple(notes_out), name=name)
