"""The table model (title, columns, rows, footnotes) and its exports.

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
from smalltrial._validate import check_choice, check_count

if TYPE_CHECKING:
    import pandas as pd

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
    marks: tuple[tuple[int, int, int], ...] = ()
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
        marks = []
        for m in self.marks:
            if not (isinstance(m, Sequence) and len(m) == 3 and all(
                    isinstance(v, int) and not isinstance(v, bool) for v in m)):
                raise SmallTrialError(f"marks must be (row, column, footnote) whole numbers, got {m!r}")
            r, c, n = m
            if not -1 <= r < len(rows) or not 0 <= c < ncol or not 0 <= n < len(self.footnotes):
                raise SmallTrialError(f"mark {tuple(m)!r} points outside the table "
                                      f"({len(rows)} rows, {ncol} columns, {len(self.footnotes)} footnotes)")
            marks.append((r, c, n))
        object.__setattr__(self, "marks", tuple(sorted(set(marks))))

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

    def mark(self, note: int | str, *, row: int | str | None = None, column: int | str = 0) -> Table:
        """A copy with footnote ``note``'s letter on one cell: the header of ``column`` when
        ``row`` is None, else the cell of ``row`` (index, or the first row with that label) in
        ``column`` (index or header; 0 = the row label).

        Marks print as superscript letters in Markdown, HTML, LaTeX and DOCX; CSV (data) has
        none. A footnote text that is not in the table, or a row or column that is not there,
        leaves the table as it is (a layout marks what it shows).

        >>> t = Table("T", ("Visit", "A"), [Row(("Month 3", "NR"))], ("NR: not reached.",))
        >>> t.mark("NR: not reached.", row="Month 3", column="A").to_markdown().splitlines()[4]
        '| Month 3 | NR<sup>a</sup> |'
        """
        n = self.footnotes.index(note) if isinstance(note, str) and note in self.footnotes else note
        if not isinstance(n, int) or not 0 <= n < len(self.footnotes):
            return self
        c = self.columns.index(column) if isinstance(column, str) and column in self.columns else column
        if not isinstance(c, int) or not 0 <= c < len(self.columns):
            return self
        if row is None:
            r = -1
        elif isinstance(row, str):
            found = [i for i, x in enumerate(self.rows) if x.label == row]
            if not found:
                return self
            r = found[0]
        else:
            r = row
        return dataclasses.replace(self, marks=self.marks + ((r, c, n),))

    def _marks_at(self, r: int, c: int) -> str:
        return ",".join(_note_mark(n) for rr, cc, n in self.marks if rr == r and cc == c)

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
        def sup(r: int, c: int) -> str:
            m = self._marks_at(r, c)
            return f"<sup>{m}</sup>" if m else ""

        lines.append("| " + " | ".join(esc(c) + sup(-1, j) for j, c in enumerate(self.columns)) + " |")
        lines.append("|" + "|".join([":---"] + ["---:"] * (len(self.columns) - 1)) + "|")
        for i, row in enumerate(self.rows):
            label = "\u00a0\u00a0" * row.indent + esc(row.cells[0]) + sup(i, 0)
            if row.section:
                label = f"**{label}**"
            lines.append("| " + " | ".join([label, *(esc(c) + sup(i, j) for j, c in
                                                     enumerate(row.cells[1:], start=1))]) + " |")
        if self.footnotes:
            lines.append("")
            lines.extend(f"{_note_mark(i)} {esc(note)}  " for i, note in enumerate(self.footnotes))
        return "\n".join(lines).rstrip() + "\n"

    def to_latex(self) -> str:
        """A LaTeX ``table`` with booktabs rules (needs ``\\usepackage{booktabs}``)."""
        ncol = len(self.columns)

        def sup(r: int, c: int) -> str:
            m = self._marks_at(r, c)
            return f"\\textsuperscript{{{m}}}" if m else ""

        out = [
            "\\begin{table}[htbp]",
            "\\centering",
            f"\\caption{{{_latex_escape(self.caption)}}}",  # LaTeX numbers the table
            f"\\label{{tab:{_latex_label(self.name)}}}",
            "\\begin{tabular}{l" + "r" * (ncol - 1) + "}",
            "\\toprule",
            " & ".join(_latex_escape(c) + sup(-1, j) for j, c in enumerate(self.columns)) + " \\\\",
            "\\midrule",
        ]
        for i, row in enumerate(self.rows):
            label = "\\quad " * row.indent + _latex_escape(row.cells[0]) + sup(i, 0)
            if row.section:
                out.append(f"\\multicolumn{{{ncol}}}{{l}}{{\\textbf{{{label}}}}} \\\\")
            else:
                out.append(" & ".join([label, *(_latex_escape(c) + sup(i, j) for j, c in
                                                 enumerate(row.cells[1:], start=1))]) + " \\\\")
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

        def sup(r: int, c: int) -> str:
            m = self._marks_at(r, c)
            return f"<sup>{m}</sup>" if m else ""

        out = [
            f'<table class="smalltrial-table" id="{e(self.name)}" '
            'style="border-collapse:collapse;border-top:2px solid;border-bottom:2px solid">',
            f'<caption style="caption-side:top;text-align:left;font-weight:bold">{e(self.title)}</caption>',
            '<thead><tr style="border-bottom:1px solid">',
        ]
        out.extend(
            f'<th style="text-align:{"left" if j == 0 else "right"};padding:2px 8px">{e(c)}{sup(-1, j)}</th>'
            for j, c in enumerate(self.columns)
        )
        out.append("</tr></thead>")
        out.append("<tbody>")
        for i, row in enumerate(self.rows):
            pad = 8 + 16 * row.indent
            if row.section:
                out.append(
                    f'<tr><td colspan="{len(self.columns)}" style="text-align:left;'
                    f'padding:2px {8}px 2px {pad}px;font-weight:bold">{e(row.label)}{sup(i, 0)}</td></tr>'
                )
                continue
            cells = [f'<td style="text-align:left;padding:2px 8px 2px {pad}px">'
                     f'{e(row.cells[0])}{sup(i, 0)}</td>']
            cells.extend(f'<td style="text-align:right;padding:2px 8px">{e(c)}{sup(i, j)}</td>'
                         for j, c in enumerate(row.cells[1:], start=1))
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

    def set_cell(cell, text, *, bold=False, align=None, indent=0, mark=""):
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
        if mark:
            sup = para.add_run(mark)
            sup.font.superscript = True
            sup.font.size = Pt(size)

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
        set_cell(cell, text, bold=True, mark=table._marks_at(-1, j),
                 align=WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT)
        border(cell, "top", 12)
        border(cell, "bottom", 6)
    for i, row in enumerate(table.rows, start=1):
        cells = word.rows[i].cells
        if row.section:
            merged = cells[0].merge(cells[-1]) if ncol > 1 else cells[0]
            set_cell(merged, row.label, bold=True, indent=row.indent, mark=table._marks_at(i - 1, 0))
            if i == len(table.rows):
                border(merged, "bottom", 12)
            continue
        for j, text in enumerate(row.cells):
            set_cell(cells[j], text, indent=row.indent if j == 0 else 0, mark=table._marks_at(i - 1, j),
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

