"""smalltrial.tables (table model, builders, exports) and smalltrial.summaries.describe."""

from __future__ import annotations

import csv
import io
import math
import zipfile

import numpy as np
import pandas as pd
import pytest

from smalltrial import SmallTrialError
from smalltrial import _tableformat as tf
from smalltrial import tables as T
from smalltrial.summaries import describe

NAN = float("nan")


# ------------------------------------------------------------------------ describe vs R
@pytest.mark.parametrize("case", ["five", "even", "with_missing", "one", "ties"])
def test_describe_matches_r(reference, case):
    ref = reference("summaries")[case]
    values = [NAN if v is None else v for v in np.atleast_1d(ref["values"]).tolist()]
    got = describe(pd.DataFrame({"x": values}), "x").iloc[0]
    assert got["n"] == ref["n"] and got["n_missing"] == ref["n_missing"]
    for key in ("mean", "median", "q1", "q3", "minimum", "maximum"):
        assert got[key] == pytest.approx(ref[key], abs=1e-12), key
    if ref["sd"] is None:
        assert math.isnan(got["sd"])  # SD of one value: not estimable
    else:
        assert got["sd"] == pytest.approx(ref["sd"], rel=1e-12)


def test_describe_categorical_groups_and_levels():
    df = pd.DataFrame({"sex": ["F", "F", "M", "F", None], "cohort": ["SLE", "SLE", "SLE", "SSc", "SSc"],
                       "grade": [0, 1, 1, 0, 2]})
    out = describe(df, ["sex", "grade"], by="cohort", kinds={"grade": "categorical"},
                   levels={"grade": [0, 1, 2, 3]})
    assert list(dict.fromkeys(out["group"])) == ["SLE", "SSc", "All"]
    sle_f = out[(out.variable == "sex") & (out.group == "SLE") & (out.level == "F")].iloc[0]
    assert (sle_f["count"], sle_f["total"]) == (2, 3)
    ssc_m = out[(out.variable == "sex") & (out.group == "SSc") & (out.level == "M")].iloc[0]
    assert (ssc_m["count"], ssc_m["total"], ssc_m["n_missing"]) == (0, 1, 1)  # the None is missing
    g3 = out[(out.variable == "grade") & (out.group == "All") & (out.level == 3)].iloc[0]
    assert (g3["count"], g3["total"]) == (0, 5)  # a requested level with no patient


def test_describe_rejects_bad_input():
    df = pd.DataFrame({"age": [20, 21]})
    with pytest.raises(SmallTrialError, match=r"no column 'weight'"):
        describe(df, ["weight"])
    with pytest.raises(SmallTrialError, match=r"kinds\['age'\]"):
        describe(df, "age", kinds={"age": "ordinal"})
    with pytest.raises(SmallTrialError, match=r"'sex' of data must be numeric"):
        describe(pd.DataFrame({"sex": ["F"]}), "sex", kinds={"sex": "continuous"})


# ------------------------------------------------------------------------ cell formats
def test_cell_formats():
    assert tf.fmt_median_range(16, 12, 20, 0) == "16 (12\u201320)"
    assert tf.fmt_median_range(NAN, NAN, NAN) == "NE"
    assert tf.fmt_mean_sd(20.6, 2.40831891575846) == "20.6 (2.4)"
    assert tf.fmt_mean_sd(7.5, NAN) == "7.5 (NE)"
    # DOMAIN.md: exact Clopper-Pearson 5/5 -> 47.8-100 %
    assert tf.fmt_prop_ci(5, 5, 0.4781762498950186, 1.0) == "5/5 (100%) [47.8\u2013100]"
    assert tf.fmt_prop_ci(0, 0, NAN, NAN) == "0/0 (NE)"
    assert tf.fmt_estimate_ci(NAN, 2.2, NAN) == "NR (2.2\u2013NR)"
    assert tf.fmt_estimate_ci(NAN, NAN, NAN) == "NR"
    assert tf.fmt_estimate_ci(-5.2, -7.87, -2.53) == "-5.2 (-7.9 to -2.5)"  # not "-7.9–-2.5"
    assert tf.fmt_estimate_ci(0.4, -2.6, 3.4) == "0.4 (-2.6 to 3.4)"
    assert tf.fmt_pct_ci(0.2, 0.031, 0.796) == "20.0 (3.1\u201379.6)"
    assert tf.fmt_pct_ci(0.0, NAN, NAN) == "0 (NE)"
    assert tf.fmt_count_pct(2, 3) == "2 (67%)"
    assert tf.fmt_count_pct(0, 0) == "0 (NE)"
    with pytest.raises(SmallTrialError, match="n must be <= total; got n=1, total=0"):
        tf.fmt_count_pct(1, 0)  # more events than patients is impossible, not "NE"


# ------------------------------------------------------------------------ the table model
def _small_table():
    return T.Table(
        "Table 9. A & B",
        ("Visit", "SLE (n = 5)"),
        (T.Row(("Remission",), section=True), T.Row(("Month 3", "5/5 (100%)"), indent=1)),
        footnotes=("95% CI: exact Clopper\u2013Pearson.", "PGA: 50% rule_x"),
        name="t9",
    )


def test_table_validates_cells():
    with pytest.raises(SmallTrialError, match=r"rows\[0\] has 1 cells, table has 2 columns"):
        T.Table("t", ("a", "b"), (T.Row(("x",)),))
    t = _small_table()
    assert t.rows[0].cells == ("Remission", "")  # section rows are padded


def test_markdown_export():
    md = _small_table().to_markdown()
    assert md == (
        "**Table 9. A &amp; B**\n\n"  # & < > as entities: no HTML gets through Markdown
        "| Visit | SLE (n = 5) |\n"
        "|:---|---:|\n"
        "| **Remission** |  |\n"
        "| \u00a0\u00a0Month 3 | 5/5 (100%) |\n\n"
        "a 95% CI: exact Clopper\u2013Pearson.  \n"
        "b PGA: 50% rule_x\n"
    )


def test_latex_export_booktabs_and_escaping():
    tex = _small_table().to_latex()
    assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex
    assert "\\caption{A \\& B}" in tex  # LaTeX numbers tables itself: no "Table 9." inside
    assert "\\multicolumn{2}{l}{\\textbf{Remission}} \\\\" in tex
    assert "\\quad Month 3 & 5/5 (100\\%) \\\\" in tex
    assert "exact Clopper--Pearson." in tex and "50\\% rule\\_x" in tex
    assert "\\begin{tabular}{lr}" in tex


def test_html_export_and_jupyter():
    t = _small_table()
    html = t.to_html()
    assert t._repr_html_() == html
    assert "<caption" in html and "Table 9. A &amp; B" in html
    assert html.count("<th ") == 2 and "<thead>" in html and "<tfoot>" in html
    assert '<td colspan="2"' in html


def test_csv_export_round_trip():
    rows = list(csv.reader(io.StringIO(_small_table().to_csv())))
    assert rows == [["Visit", "SLE (n = 5)"], ["Remission", ""], ["  Month 3", "5/5 (100%)"]]


def test_docx_is_a_real_deterministic_word_table(tmp_path):
    import docx

    t = _small_table()
    data = t.to_docx(tmp_path / "t.docx")
    assert data == t.to_docx()  # deterministic bytes
    assert (tmp_path / "t.docx").read_bytes() == data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    doc = docx.Document(io.BytesIO(data))
    assert doc.core_properties.created.year == 2000
    assert len(doc.tables) == 1
    word = doc.tables[0]
    assert [c.text for c in word.rows[0].cells] == ["Visit", "SLE (n = 5)"]
    assert all(r.bold for c in word.rows[0].cells for r in c.paragraphs[0].runs)
    assert [c.text for c in word.rows[2].cells] == ["Month 3", "5/5 (100%)"]
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Table 9. A & B"
    assert "a 95% CI: exact Clopper\u2013Pearson." in texts


def test_save_writes_every_format(tmp_path):
    paths = _small_table().save(tmp_path / "t9")
    assert sorted(p.name for p in paths) == ["t9.csv", "t9.docx", "t9.html", "t9.md", "t9.tex"]
    with pytest.raises(SmallTrialError, match="format must be one of"):
        _small_table().save(tmp_path / "x", formats=["xlsx"])


# ------------------------------------------------------------------------ builders
def test_baseline_table_from_describe():
    df = pd.DataFrame({"age": [18, 24, 20, 22, 19, 30], "sex": list("FFMFFM"),
                       "cohort": ["SLE"] * 5 + ["SSc"]})
    summary = describe(df, ["age", "sex"], by="cohort")
    t = T.baseline_table(summary, digits=0, labels={"age": "Age, years"},
                         level_labels={"sex": {"F": "Female", "M": "Male"}})
    assert t.columns == ("Characteristic", "SLE (n = 5)", "SSc (n = 1)", "All (n = 6)")
    assert t.rows[0].cells == ("Age, years", "20 (18\u201324)", "30 (30\u201330)", "21 (18\u201330)")
    assert t.rows[1].section and t.rows[1].label == "Sex, n (%)"
    assert t.rows[2].cells == ("Female", "4 (80%)", "0 (0%)", "4 (67%)")
    assert "Continuous variables: median (minimum\u2013maximum)." in t.footnotes
    # footnote marks: continuous note on the continuous row's label, categorical on the heading
    assert t.marks == ((0, 0, 0), (1, 0, 1))
    df.loc[5, "age"] = float("nan")
    marked = T.baseline_table(describe(df, ["age", "sex"], by="cohort"), digits=0)
    assert marked.rows[0].cells[2:] == ("NE [1 missing]", "20 (18\u201324) [1 missing]")
    assert marked.footnotes[-1].startswith("[k missing]")
    assert (0, 2, 2) in marked.marks and (0, 3, 2) in marked.marks and (0, 1, 2) not in marked.marks
    mean_sd = T.baseline_table(summary, continuous="mean-sd")
    assert mean_sd.rows[0].cells[1] == "20.6 (2.4)"  # R: mean 20.6, sd 2.408
    assert "mean (standard deviation" in mean_sd.footnotes[0]
    with pytest.raises(SmallTrialError, match="continuous must be one of"):
        T.baseline_table(summary, continuous="median")


def test_efficacy_table_from_proportion_results():
    res = pd.DataFrame({
        "visit": ["month 3", "month 3", "month 6"], "group": ["SLE", "SSc", "SLE"],
        "x": [5, 0, 8], "n": [5, 2, 8], "estimate": [1.0, 0.0, 1.0],
        # exact Clopper-Pearson (DOMAIN.md): 5/5 47.8-100, 8/8 63.1-100; 0/2: 0-84.2
        "lower": [0.4781762498950186, 0.0, 0.6305834962708042], "upper": [1.0, 0.841886116991581, 1.0],
        "method": "clopper-pearson", "level": 0.95,
    })
    t = T.efficacy_table(res, row_labels={"month 3": "Month 3", "month 6": "Month 6"})
    assert t.columns == ("Visit", "SLE", "SSc")
    assert t.rows[0].cells == ("Month 3", "5/5 (100%) [47.8\u2013100]", "0/2 (0%) [0\u201384.2]")
    assert t.rows[1].cells == ("Month 6", "8/8 (100%) [63.1\u2013100]", "\u2013")
    assert "95% CI: exact Clopper\u2013Pearson." in t.footnotes
    with pytest.raises(SmallTrialError, match="results has no column 'method'"):
        T.efficacy_table(res.drop(columns="method"))


def test_longitudinal_table_log_scale():
    observed = pd.DataFrame({"group": ["baseline", "month 3"], "n": [5, 4], "median": [400.0, 12.0],
                             "minimum": [94.0, 3.0], "maximum": [813.0, 40.0]})
    means = pd.DataFrame({"visit": ["baseline", "month 3"], "estimate": [350.0, 10.5],
                          "lower": [150.0, 4.5], "upper": [816.0, 24.5]})
    change = pd.DataFrame({"visit": ["month 3"], "estimate": [0.03], "lower": [0.01],
                           "upper": [0.09], "p_value": [0.0004]})
    t = T.longitudinal_table(observed, means=means, change=change, scale="log", unit="IU/mL",
                             df_method="kenward-roger", digits=1,
                             change_test={"at": "month 3", "n": 5, "median_change": -300,
                                          "pvalue": 0.0625})
    assert t.columns == ("Visit", "n", "Median (range), IU/mL", "Geometric mean (95% CI)",
                         "Ratio to baseline (95% CI)", "P")
    assert t.rows[0].cells == ("baseline", "5", "400.0 (94.0\u2013813.0)", "350.0 (150.0\u2013816.0)",
                               "\u2013", "\u2013")
    assert t.rows[1].cells[4:] == ("0.03 (0.01\u20130.09)", "<0.001")  # ratios: 2 decimals
    notes = " ".join(t.footnotes)
    assert "Kenward\u2013Roger" in notes and "back-transformed" in notes
    assert "Exact Wilcoxon signed-rank test" in notes and "P = 0.063" in notes  # 0.0625 rounds half away from zero
    # marks: observed note (a) on n and median headers; the model notes on the model columns;
    # the signed-rank note (d) on the label of its visit
    assert t.footnotes[0].startswith("Observed values") and t.footnotes[3].startswith("Exact Wilcoxon")
    assert t.marks == ((-1, 1, 0), (-1, 2, 0), (-1, 3, 1), (-1, 3, 2), (-1, 4, 1), (-1, 4, 2),
                       (-1, 5, 2), (1, 0, 3))
    assert "| month 3<sup>d</sup> |" in t.to_markdown()
    with pytest.raises(SmallTrialError, match="scale must be"):
        T.longitudinal_table(observed, scale="sqrt")


def test_time_to_event_table_nr_and_landmarks():
    at = pd.DataFrame({"time": [3.0, 6.0], "survival": [0.8, NAN], "lower": [0.2038, NAN],
                       "upper": [0.9692, NAN]})
    entries = [
        {"label": "B-cell reconstitution", "n": 5, "events": 5,
         "median": {"estimate": 3.58, "lower": 2.2, "upper": NAN}, "landmarks": at,
         "cumulative": True},
        {"label": "Relapse", "n": 5, "events": 0,
         "median": {"estimate": NAN, "lower": NAN, "upper": NAN},
         "rate": {"rate": 0.0, "lower": 0.0, "upper": 0.3581}},
    ]
    t = T.time_to_event_table(entries, landmarks=[3, 6], conf_type="log-log",
                              follow_up={"estimate": 8.0, "lower": 5.0, "upper": NAN})
    assert t.rows[0].cells == ("B-cell reconstitution", "5", "5", "3.6 (2.2\u2013NR)",
                               "20.0 (3.1\u201379.6)", "NE", "\u2013")
    assert t.rows[1].cells == ("Relapse", "5", "0", "NR", "\u2013", "\u2013", "0.00 (0.00\u20130.36)")
    notes = " ".join(t.footnotes)
    assert "log-log" in notes and "R survfit's default is conf.type = \"log\"" in notes
    assert "8.0 (5.0\u2013NR) months" in notes and "exact Poisson" in notes


def test_time_to_event_zero_width_interval_prints_ne():
    # no relapse: S = 1 with SE 0; R gives limits (1, 1) before the first time and NA after a
    # censoring. Both print as "0 (NE)" with a footnote, never as a "0-0" interval.
    at = pd.DataFrame({"time": [3.0, 6.0], "survival": [1.0, 1.0], "std_error": [0.0, 0.0],
                       "lower": [1.0, NAN], "upper": [1.0, NAN]})
    entries = [{"label": "Relapse", "n": 5, "events": 0,
                "median": {"estimate": NAN, "lower": NAN, "upper": NAN}, "landmarks": at,
                "cumulative": True}]
    t = T.time_to_event_table(entries, landmarks=[3, 6], conf_type="log-log")
    assert t.rows[0].cells == ("Relapse", "5", "0", "NR", "0 (NE)", "0 (NE)")
    assert any("before the first event" in n for n in t.footnotes)


def test_adverse_event_table_worst_grade():
    worst = pd.DataFrame({"crs": [1, 1, 0, 2, 0], "icans": [0, 0, 0, 1, 0],
                          "cohort": ["SLE", "SLE", "SLE", "IIM", "IIM"]})
    counts = describe(worst, ["crs", "icans"], by="cohort",
                      kinds={"crs": "categorical", "icans": "categorical"},
                      levels={"crs": [0, 1, 2, 3, 4, 5], "icans": [0, 1, 2, 3, 4, 5]})
    t = T.adverse_event_table(counts, grades=(1, 2))
    assert t.columns == ("Event", "SLE (n = 3)", "IIM (n = 2)", "All (n = 5)")
    labels = [r.label for r in t.rows]
    assert labels == ["Cytokine release syndrome", "Any grade", "Grade 1", "Grade 2",
                      "ICANS", "Any grade", "Grade 1", "Grade 2"]
    assert t.rows[1].cells == ("Any grade", "2 (67%)", "1 (50%)", "3 (60%)")
    assert t.rows[3].cells == ("Grade 2", "0 (0%)", "1 (50%)", "1 (20%)")
    assert t.rows[5].cells == ("Any grade", "0 (0%)", "1 (50%)", "1 (20%)")
    assert any("ASTCT" in n for n in t.footnotes)
    assert not any("unknown grade" in n for n in t.footnotes)
    worst.loc[4, "crs"] = float("nan")  # an event with a missing grade
    counts = describe(worst, ["crs"], kinds={"crs": "categorical"}, levels={"crs": [0, 1, 2]})
    t = T.adverse_event_table(counts, events={"crs": "CRS"}, grades=(1, 2))
    assert t.columns == ("Event", "All (n = 5)")
    assert t.rows[1].cells == ("Any grade", "3 (75%)")
    assert "CRS: 1 patient(s) with an event of unknown grade, not counted" in t.footnotes[1]
    # marks: n (%) note on the group header, unknown-grade note on the event's heading, the
    # grading note on the grade rows' labels
    assert t.marks == ((-1, 1, 0), (0, 0, 1), (2, 0, 2), (3, 0, 2))


def test_method_labels():
    assert T.ci_method_label("clopper-pearson") == "exact Clopper\u2013Pearson"
    assert T.ci_method_label("wilson-cc") == "Wilson score with continuity correction"
    assert "SAS LIFETEST" in T.km_conf_type_label("log-log")


# ------------------------------------------------------------------------ bad input of builders
def test_builders_reject_bad_input_naming_argument():
    summary = describe(pd.DataFrame({"age": [18.0, 20.0, 24.0]}), "age")
    with pytest.raises(SmallTrialError, match=r"summary must be a DataFrame, got list"):
        T.baseline_table([1, 2])
    with pytest.raises(SmallTrialError, match=r"summary is empty"):
        T.baseline_table(summary.iloc[:0])
    with pytest.raises(SmallTrialError, match=r"summary has no column 'variable'"):
        T.baseline_table(summary.drop(columns="variable"))
    with pytest.raises(SmallTrialError, match=r"digits must be >= 0, got -1"):
        T.baseline_table(summary, digits=-1)
    with pytest.raises(SmallTrialError, match=r"digits\['age'\] must be a whole number, got 1.5"):
        T.baseline_table(summary, digits={"age": 1.5})
    with pytest.raises(SmallTrialError, match=r"results must be a DataFrame, got int"):
        T.efficacy_table(3)
    with pytest.raises(SmallTrialError, match=r"row must be a column name, got 1"):
        T.efficacy_table(pd.DataFrame(), row=1)
    with pytest.raises(SmallTrialError, match=r"observed must be a DataFrame, got int"):
        T.longitudinal_table(3)
    with pytest.raises(SmallTrialError, match=r"observed has no column 'group'"):
        T.longitudinal_table(pd.DataFrame({"n": [1]}))
    with pytest.raises(SmallTrialError, match=r"counts has no column 'variable'"):
        T.adverse_event_table(pd.DataFrame())


def test_time_to_event_table_rejects_bad_input():
    entry = {"label": "PFS", "n": 5, "events": 0,
             "median": {"estimate": NAN, "lower": NAN, "upper": NAN}}
    assert T.time_to_event_table([entry]).rows[0].cells[:4] == ("PFS", "5", "0", "NR")
    with pytest.raises(SmallTrialError, match=r"entries must be a sequence .* got int"):
        T.time_to_event_table(3)
    with pytest.raises(SmallTrialError, match=r"entries is empty"):
        T.time_to_event_table([])
    with pytest.raises(SmallTrialError, match=r"entries\[0\] has no 'label', 'n'"):
        T.time_to_event_table([{"events": 1}])
    with pytest.raises(SmallTrialError, match=r"conf_type must be one of .*; got 'foo'"):
        T.time_to_event_table([entry], conf_type="foo")
    with pytest.raises(SmallTrialError, match=r"level must be in \(0, 1\), got 2"):
        T.time_to_event_table([entry], level=2)
    with pytest.raises(SmallTrialError, match=r"landmarks must be finite times >= 0, got -1"):
        T.time_to_event_table([entry], landmarks=[-1])


def test_label_helpers_reject_unknown_choices():
    assert T.ci_method_label("wilson") == "Wilson score"
    with pytest.raises(SmallTrialError, match=r"method must be one of .*; got 'foo'"):
        T.ci_method_label("foo")
    with pytest.raises(SmallTrialError, match=r"conf_type must be one of .*; got 'logit'"):
        T.km_conf_type_label("logit")


def test_describe_rejects_bad_input_naming_argument():
    df = pd.DataFrame({"age": [30.0, 40.0, 50.0], "sex": ["F", "M", "F"], "g": ["a", "b", "a"]})
    with pytest.raises(SmallTrialError, match=r"variables must be a column name .* got 3"):
        describe(df, 3)
    with pytest.raises(SmallTrialError, match=r"variables must be a column name \(a string\), got 3"):
        describe(df, ["age", 3])
    with pytest.raises(SmallTrialError, match=r"column 'g' of data has 1 missing value\(s\) \(row 1\)"):
        describe(df.assign(g=["a", None, "b"]), "age", by="g")
    with pytest.raises(SmallTrialError, match=r"kinds names 'weight', not among variables"):
        describe(df, "age", kinds={"weight": "continuous"})
    with pytest.raises(SmallTrialError, match=r"column 'sex' of data has values not in levels\['sex'\]: 'M'"):
        describe(df, "sex", levels={"sex": ["F"]})
    with pytest.raises(SmallTrialError, match=r"overall must be True or False, got 'yes'"):
        describe(df, "age", by="g", overall="yes")
    # levels may add zero-count levels
    out = describe(df, "sex", levels={"sex": ["F", "M", "X"]})
    assert out["count"].tolist() == [2, 1, 0]


def test_count_formats_reject_impossible_counts():
    with pytest.raises(SmallTrialError, match=r"x must be <= n; got x=6, n=5"):
        tf.fmt_prop_ci(6, 5, 0.5, 1.0)
    with pytest.raises(SmallTrialError, match=r"x must be a whole number, got nan"):
        tf.fmt_prop_ci(NAN, 5, 0.5, 1.0)
    with pytest.raises(SmallTrialError, match=r"n must be <= total; got n=6, total=5"):
        tf.fmt_count_pct(6, 5)
    with pytest.raises(SmallTrialError, match=r"total must be >= 0, got -1"):
        tf.fmt_count_pct(1, -1)


def test_table_model_rejects_bad_input():
    with pytest.raises(SmallTrialError, match=r"title must be a string, got 3"):
        T.Table(3, ("a",), ())
    with pytest.raises(SmallTrialError, match=r"columns must be a sequence, got 'ab'"):
        T.Table("t", "ab", ())
    with pytest.raises(SmallTrialError, match=r"cells must be a sequence of strings, got 3"):
        T.Table("t", ("a",), (3,))
    with pytest.raises(SmallTrialError, match=r"indent must be >= 0, got -1"):
        T.Row(("a",), indent=-1)
    t = T.Table("t", ("a",), (T.Row(("x",)),))
    with pytest.raises(SmallTrialError, match=r"font must be a font name, got 3"):
        t.to_docx(font=3)
    with pytest.raises(SmallTrialError, match=r"size must be a font size in points in \(0, 100\), got nan"):
        t.to_docx(size=NAN)


def test_save_checks_every_format_before_writing(tmp_path):
    t = T.Table("t", ("a",), (T.Row(("x",)),))
    with pytest.raises(SmallTrialError, match=r"format must be one of .*; got 'pdf'"):
        t.save(tmp_path / "t", formats=["md", "pdf"])
    assert list(tmp_path.iterdir()) == []
    assert [p.name for p in t.save(tmp_path / "t", formats="md")] == ["t.md"]
    with pytest.raises(SmallTrialError, match=r"stem must be a path, got int 3"):
        t.save(3)


# ------------------------------------------------------------------ groups and extra footnotes
def test_time_to_event_sections_group_rows_under_the_endpoint():
    nr = {"estimate": NAN, "lower": NAN, "upper": NAN}
    entries = [{"label": g, "section": "Relapse", "n": n, "events": 0, "median": nr}
               for g, n in (("SLE", 8), ("IIM", 3), ("All", 11))]
    entries.append({"label": "Death", "n": 11, "events": 0, "median": nr})
    entries.append({"label": "SLE", "n": 8, "events": 0, "median": nr, "indent": 1})
    t = T.time_to_event_table(entries, notes=["IIM: one patient without assessment."])
    assert [(r.cells[0], r.section, r.indent) for r in t.rows] == [
        ("Relapse", True, 0), ("SLE", False, 1), ("IIM", False, 1), ("All", False, 1),
        ("Death", False, 0), ("SLE", False, 1)]
    assert t.rows[2].cells[1:3] == ("3", "0")
    assert t.footnotes[-1] == "IIM: one patient without assessment."


def test_extra_notes_come_last_and_are_checked():
    res = pd.DataFrame({"visit": ["Month 3"], "group": ["SLE"], "x": [5], "n": [5],
                        "lower": [0.4782], "upper": [1.0], "method": ["clopper-pearson"],
                        "level": [0.95]})
    t = T.efficacy_table(res, notes=["IIM (n = 3): no patient assessed for DORIS remission; not shown."])
    assert t.footnotes[-1].startswith("IIM (n = 3)") and t.footnotes[-2].startswith("95% CI")
    with pytest.raises(SmallTrialError, match="notes must be a sequence of footnote strings"):
        T.efficacy_table(res, notes="one string")
    with pytest.raises(SmallTrialError, match="notes must be strings, got 3"):
        T.efficacy_table(res, notes=[3])


def test_stack_tables_sections_and_footnotes():
    a = T.Table("A", ("Visit", "n"), (T.Row(("Baseline", "5")),), ("n: patients.", "Wilcoxon: P = 0.06."))
    b = T.Table("B", ("Visit", "n"), (T.Row(("Baseline", "3")),), ("n: patients.",))
    t = T.stack_tables([("SLE", a), ("IIM", b)], title="Both", notes=["SSc: none."], name="both")
    assert [(r.cells[0], r.section, r.indent) for r in t.rows] == [
        ("SLE", True, 0), ("Baseline", False, 1), ("IIM", True, 0), ("Baseline", False, 1)]
    # a footnote of one part only is attributed to it; shared ones are printed once
    assert t.footnotes == ("n: patients.", "SLE: Wilcoxon: P = 0.06.", "SSc: none.")
    assert t.title == "Both" and t.name == "both"
    # the parts' marks follow their rows and footnotes into the stacked table
    a2 = a.mark("n: patients.", column=1).mark("Wilcoxon: P = 0.06.", row=0)
    b2 = b.mark("n: patients.", row=0, column=1)
    t2 = T.stack_tables([("SLE", a2), ("IIM", b2)], title="Both", notes=["SSc: none."])
    assert t2.footnotes == t.footnotes
    assert t2.marks == ((-1, 1, 0), (1, 0, 1), (3, 1, 0))
    with pytest.raises(SmallTrialError, match="parts must be a non-empty sequence"):
        T.stack_tables([], title="x")
    with pytest.raises(SmallTrialError, match=r"parts\[0\] must be a \(heading, Table\) pair"):
        T.stack_tables([a], title="x")
    c = T.Table("C", ("Visit", "n", "Median"), (T.Row(("Baseline", "3", "1")),))
    with pytest.raises(SmallTrialError, match=r"parts\[1\] has 3 columns, parts\[0\] has 2"):
        T.stack_tables([("SLE", a), ("IIM", c)], title="x")


def test_footnote_marks_on_cells_in_every_format():
    import zipfile

    t = T.Table("T", ("Visit", "A"), [T.Row(("Month 3", "NR"))], ("NR: not reached.", "A: arm A."))
    t = t.mark("NR: not reached.", row="Month 3", column="A").mark(1, column="A")
    assert t.marks == ((-1, 1, 1), (0, 1, 0))
    assert "| Visit | A<sup>b</sup> |" in t.to_markdown()
    assert "| Month 3 | NR<sup>a</sup> |" in t.to_markdown()
    assert "A\\textsuperscript{b}" in t.to_latex() and "NR\\textsuperscript{a}" in t.to_latex()
    assert "A<sup>b</sup></th>" in t.to_html() and "NR<sup>a</sup></td>" in t.to_html()
    assert "NR" in t.to_csv() and "<sup>" not in t.to_csv() and "b" not in t.to_csv().split("\n")[1]
    with zipfile.ZipFile(io.BytesIO(t.to_docx())) as z:
        xml = z.read("word/document.xml").decode()
    assert xml.count('w:vertAlign w:val="superscript"') == 2
    # a note, row or column that is not in the table leaves it unchanged; bad marks raise
    assert t.mark("no such note", column="A") is t
    assert t.mark(0, row="Month 9") is t and t.mark(0, column="B") is t
    with pytest.raises(SmallTrialError, match="outside"):
        T.Table("T", ("Visit", "A"), [T.Row(("Month 3", "NR"))], ("x",), marks=((0, 2, 0),))
    # numbering and added footnotes keep the marks
    assert t.numbered(3).marks == t.marks
