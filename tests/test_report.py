"""report.html (smalltrial.report) and the methods paragraph (smalltrial.methods).

The page is checked here as text (self-contained, every table and figure, escaping); a real
browser renders it in test_report_browser.py."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from smalltrial import pipeline
from smalltrial.methods import methods_paragraph
from smalltrial.report import report_html
from smalltrial.spec import load_spec


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    return pipeline.run("muller2024", out=base / "muller2024", progress=False)


def test_report_holds_every_table_and_figure_and_nothing_external(bundled):
    page = (bundled.out / "report.html").read_text(encoding="utf-8")
    tags = _tags(page)
    tables = [a for t, a in tags if t == "table" and "smalltrial-table" in a.get("class", "")]
    assert len(tables) == len(bundled.tables)
    pngs = [f for f in bundled.figures if f.endswith(".png")]
    images = [a for t, a in tags if t == "img"]
    assert len(images) == len(pngs) >= 4
    for img, rel in zip(images, pngs, strict=True):
        data = img["src"].removeprefix("data:image/png;base64,")
        assert base64.b64decode(data) == (bundled.out / rel).read_bytes()
    for tag, attrs in tags:
        assert tag not in ("script", "link", "iframe")
        for name in ("src", "href"):
            value = attrs.get(name, "")
            assert value.startswith(("#", "data:")) or not value, (tag, attrs)
    # table of contents: one entry per section, each anchor present
    anchors = {a["id"] for _, a in tags if "id" in a}
    links = [a["href"][1:] for t, a in tags if t == "a"]
    assert set(links) <= anchors and len(links) == len(bundled.tables) + len(pngs) + 2 + \
        (1 if bundled.statistical_warnings else 0)
    for sha in (i["sha256"] for i in bundled.manifest["inputs"]):
        assert sha in page


def test_report_escapes_user_text():
    class T:
        title = "<script>alert(1)</script>"

        def to_html(self):
            return "<table class='smalltrial-table'></table>"

    page = report_html(title="A & <b>", tables={"x": T()}, figures=[("f", "caption <i>", b"\x89PNG")],
                       provenance={"inputs": [{"path": "<evil>.csv", "sha256": "0", "bytes": 1}]},
                       methods="p < 0.05", warnings={"tables/x": ["n < 3 <b>"]})
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "A &amp; &lt;b&gt;" in page and "&lt;evil&gt;.csv" in page and "p &lt; 0.05" in page


def _spec(**table):
    return load_spec({"data": {"dataset": "mackensen2022"},
                      "endpoints": {"ci_method": "wilson", "conf_type": "log"},
                      "tables": [{"name": "efficacy"}, {"name": "time_to_event"},
                                 {"name": "longitudinal", "parameter": "sledai2k", **table}]})


def test_methods_paragraph_names_what_was_computed_with_numbered_references():
    text, refs = methods_paragraph(_spec(df_method="satterthwaite"))
    assert "Wilson score 95% confidence intervals" in text
    assert "log transformed 95% confidence intervals" in text
    assert "Satterthwaite degrees of freedom" in text and "Kenward" not in text
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    assert sorted(set(cited)) == list(range(1, len(refs) + 1))
    first = list(dict.fromkeys(cited))
    assert first == sorted(first)  # numbered in order of first citation
    assert any(r.startswith("Wilson EB") for r in refs)
    kr, refs_kr = methods_paragraph(_spec(df_method="kenward-roger", transform="log",
                                          test_at="month 3"))
    assert "Kenward-Roger" in kr and "geometric means" in kr and "Wilcoxon signed-rank" in kr
    assert any("Kenward MG, Roger JH" in r for r in refs_kr)


def test_methods_paragraph_leaves_out_items_not_made():
    spec = _spec()
    text, refs = methods_paragraph(spec, made=["tables[0]"])
    assert "Kaplan-Meier" not in text and "mixed model" not in text
    assert "Wilson" in text and len(refs) == 2  # Wilson, DORIS


def test_report_contains_methods_and_references(bundled):
    page = (bundled.out / "report.html").read_text(encoding="utf-8")
    import html

    page_text = html.unescape(page)
    assert "SLEDAI-2K total was analysed by a linear mixed model" in page_text
    text, refs = methods_paragraph(bundled.spec, labels={"sledai2k": "SLEDAI-2K total"})

    assert html.escape(text) in page
    for ref in refs:
        assert f"<li>{html.escape(ref)}</li>" in page


def test_report_md_carries_the_methods_paragraph_and_numbered_references(bundled):
    md = (bundled.out / "report.md").read_text(encoding="utf-8")
    text, refs = methods_paragraph(bundled.spec, labels={"sledai2k": "SLEDAI-2K total"})
    assert "## Statistical methods" in md
    for i, ref in enumerate(refs, start=1):
        assert f"\n{i}. {ref.split(' (')[0]}" in md
    assert md.index("## Statistical methods") < md.index("## Tables and figures")


def test_methods_docx_holds_the_paragraph_and_references(bundled):
    import io

    import docx

    data = (bundled.out / "methods.docx").read_bytes()
    paras = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    text, refs = methods_paragraph(bundled.spec, labels={"sledai2k": "SLEDAI-2K total"})
    assert paras == ["Statistical methods", text, "References",
                     *[f"{i}. {r}" for i, r in enumerate(refs, start=1)]]


def test_methods_paragraph_names_the_response_rule_not_doris():
    """A non-lupus trial's response (a rule of [[endpoints.responses]]) is described by its own
    label and definition; DORIS appears only for the lupus remission (review finding)."""
    spec = load_spec({
        "data": {"dataset": "mg_cart"},
        "endpoints": {"by": "cohort", "responses": [
            {"name": "resp", "label": "MG-ADL response", "parameter": "mgadl",
             "change": "absolute", "op": "<=", "value": -2}]},
        "tables": [{"name": "efficacy", "response": "resp", "best": True},
                   {"name": "adverse_events_by_soc", "include_events": []}]})
    text, refs = methods_paragraph(spec, labels={"mgadl": "MG-ADL score"})
    assert "DORIS" not in text and not any("DORIS" in r for r in refs)
    assert ("MG-ADL response (absolute change in MG-ADL score from baseline \u2264 -2) is reported "
            "as the number and proportion of patients at each visit and over all post-baseline "
            "visits") in text
    assert "ASTCT" not in text and "CTCAE [2]" in text  # no CRS/ICANS counted
    lupus, lupus_refs = methods_paragraph(load_spec({"data": {"dataset": "mackensen2022"},
                                                     "tables": [{"name": "efficacy"}]}))
    assert lupus.startswith("DORIS remission (clinical SLEDAI-2K = 0") and "DORIS" in lupus_refs[0]


def test_methods_paragraph_covers_designs_monitoring_and_durability():
    spec = load_spec("phase2_onc")
    text, refs = methods_paragraph(spec)
    assert "Simon's optimal two-stage design" in text and "p0 = 0.15, p1 = 0.35" in text
    assert "Bayesian stopping rule" in text and any(r.startswith("Thall PF") for r in refs)
    assert "event rates per patient-year" not in text  # no rate column in its table
    mg, mg_refs = methods_paragraph(load_spec("mg_cart"))
    assert "Turnbull" in mg and "Restricted mean survival time up to 9 months" in mg
    assert "random-effects logistic model" in mg and mg.count("is reported as the number and") == 1
