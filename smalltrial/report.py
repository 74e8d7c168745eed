"""``report.html``: one self-contained document of a run, to send to co-authors.

Title, a table of contents, data provenance (versions and input hashes, as in the manifest),
the statistical-methods paragraph (:mod:`smalltrial.methods`), every table with its footnotes,
every figure embedded as PNG data with a caption, the statistical warnings, and what could not
be produced. No external resources (styles inline, images as ``data:`` URIs), no timestamps:
the same run gives the same bytes. All user text (titles, labels, file names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["report_html"]

_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#111;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
nav ol{padding-left:1.2rem}table.smalltrial-table{margin:1rem 0;font-size:0.9rem}
table.provenance{border-collapse:collapse;font-size:0.85rem}
table.provenance td,table.provenance th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}
figure{margin:1rem 0}figure img{max-width:min(100%,42rem);height:auto;border:1px solid #eee}
figcaption{font-size:0.9rem}code{font-size:0.85rem}.warn{color:#8a4b00}
"""


#: default figure captions, by builder name (a spec ``title`` replaces them)
CAPTIONS = {
    "swimmer": "Swimmer plot: each patient's follow-up and events.",
    "trajectories": "Individual trajectories with the model-based means.",
    "bcell_kinetics": "CD19+ B-cell counts over time.",
    "km_plot": "Kaplan-Meier curve with pointwise confidence band.",
    "waterfall": "Waterfall plot: change from baseline per patient.",
    "forest": "Response proportions with confidence intervals.",
}


def _anchor(prefix: str, name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    return f"{prefix}-{safe}"


def report_html(*, title: str, tables: Mapping[str, Any], figures: Sequence[tuple[str, str, bytes]],
                provenance: Mapping[str, Any], methods: str = "", references: Sequence[str] = (),
                warnings: Mapping[str, Sequence[str]] | None = None,
                skipped: Sequence[str] = ()) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    title : str
        The analysis title.
    tables : mapping
        File stem -> :class:`smalltrial.tables.Table`, in the order to show.
    figures : sequence of (stem, caption, png bytes)
        Each figure, embedded as a ``data:image/png;base64`` image.
    provenance : mapping
        ``versions`` (name -> version), ``inputs`` (list of ``{path, sha256, bytes}``),
        ``spec_file``, ``seed``.
    methods : str
        The statistical-methods paragraph; ``references`` its numbered references.
    warnings : mapping, optional
        Where (``tables/x``, ``data``) -> the statistical warnings raised there.
    skipped : sequence of str
        Optional steps that could not run.

    >>> page = report_html(title="A <b> trial", tables={}, figures=[], provenance={})
    >>> "<h1>A &lt;b&gt; trial</h1>" in page and "http" not in page
    True
    """
    e = html.escape
    warnings = {k: list(v) for k, v in (warnings or {}).items() if v}
    toc: list[tuple[str, str]] = [("provenance", "Data provenance")]
    if methods:
        toc.append(("methods", "Statistical methods"))
    body: list[str] = []
    for stem, table in tables.items():
        anchor = _anchor("table", stem)
        toc.append((anchor, table.title or stem))
        body.append(f'<section id="{anchor}">\n{table.to_html()}</section>')
    for stem, caption, png in figures:
        anchor = _anchor("figure", stem)
        toc.append((anchor, caption))
        data = base64.b64encode(png).decode("ascii")
        body.append(f'<section id="{anchor}"><figure>'
                    f'<img src="data:image/png;base64,{data}" alt="{e(caption)}">'
                    f'<figcaption>{e(caption)}</figcaption></figure></section>')
    if warnings:
        toc.append(("warnings", "Statistical warnings"))
    if skipped:
        toc.append(("skipped", "Not produced"))

    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
           f"<h1>{e(title)}</h1>", '<nav id="contents"><h2>Contents</h2><ol>']
    out.extend(f'<li><a href="#{a}">{e(label)}</a></li>' for a, label in toc)
    out.append("</ol></nav>")

    out.append('<section id="provenance"><h2>Data provenance</h2>')
    if provenance.get("spec_file") or provenance.get("seed") is not None:
        out.append(f"<p>Analysis spec: <code>{e(str(provenance.get('spec_file') or '(a dict)'))}"
                   f"</code>; seed {e(str(provenance.get('seed')))}.</p>")
    inputs = provenance.get("inputs") or []
    if inputs:
        out.append('<table class="provenance"><thead><tr><th>Input file</th><th>Bytes</th>'
                   "<th>SHA-256</th></tr></thead><tbody>")
        out.extend(f"<tr><td>{e(str(i['path']))}</td><td>{e(str(i['bytes']))}</td>"
                   f"<td><code>{e(str(i['sha256']))}</code></td></tr>" for i in inputs)
        out.append("</tbody></table>")
    versions = provenance.get("versions") or {}
    if versions:
        out.append("<p>Software: " + ", ".join(f"{e(k)} {e(str(v))}" for k, v in versions.items())
                   + ".</p>")
    out.append("</section>")

    if methods:
        out.append(f'<section id="methods"><h2>Statistical methods</h2><p>{e(methods)}</p>')
        if references:
            out.append("<ol>" + "".join(f"<li>{e(r)}</li>" for r in references) + "</ol>")
        out.append("</section>")

    out.append('<h2 id="results">Tables and figures</h2>')
    out.extend(body)
    if warnings:
        out.append('<section id="warnings"><h2>Statistical warnings</h2><ul>')
        for where, notes in warnings.items():
            out.extend(f'<li class="warn">{e(where)}: {e(n)}</li>' for n in notes)
        out.append("</ul></section>")
    if skipped:
        out.append('<section id="skipped"><h2>Not produced</h2><ul>')
        out.extend(f"<li>{e(s)}</li>" for s in skipped)
        out.append("</ul></section>")
    out.extend(["</body>", "</html>"])
    return "\n".join(out) + "\n"


def figure_entries(folder: Path, figure_files: Sequence[str],
                   captions: Mapping[str, str]) -> list[tuple[str, str, bytes]]:
    """(stem, caption, png bytes) of each PNG among ``figure_files`` (paths under ``folder``)."""
    entries = []
    for rel in figure_files:
        if rel.endswith(".png"):
            stem = Path(rel).stem
            entries.append((stem, captions.get(stem, stem), (folder / rel).read_bytes()))
    return entries
