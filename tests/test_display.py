"""Notebook display (issue #15 item 5): HTML reprs of results and of a Trial, NaN shown as NR,
warnings listed, zero changes printed as 0, tables numbered once per run, LaTeX captions."""

from __future__ import annotations

import dataclasses
import re
import warnings

import pandas as pd
import pytest

import smalltrial as st
from smalltrial import pipeline
from smalltrial.longitudinal import mixed_model
from smalltrial.rates import proportion_ci
from smalltrial.survival import kaplan_meier
from smalltrial.tables import Table


def _cells(html: str) -> dict[str, str]:
    """The <th>name</th><td>value</td> pairs of a result's field table."""
    return dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", html))


def _km():
    # the KaplanMeier docstring example; R quantile(survfit(...), 0.5): 8, lower 3, upper NA
    df = pd.DataFrame({"t": [3, 5, 5, 8, 12, 15], "e": [1, 1, 0, 1, 0, 1]})
    return kaplan_meier(df, time="t", event="e")


def test_result_html_is_a_field_table_not_a_raw_frame():
    html = proportion_ci(3, 5)._repr_html_()
    assert '<table class="smalltrial-result">' in html and "<caption>ProportionCI" in html
    cells = _cells(html)
    assert cells["x"] == "3" and cells["n"] == "5" and cells["estimate"] == "0.6"  # 3/5


def test_quantile_and_kaplan_meier_html_show_not_reached_as_nr():
    km = _km()
    cells = _cells(km.median._repr_html_())
    assert (cells["estimate"], cells["lower"], cells["upper"]) == ("8", "3", "NR")
    assert "nan" not in km.median._repr_html_().lower()
    html = km._repr_html_()
    assert _cells(html)["median"] == "8 (95% CI 3 to NR)"
    assert "NaN" not in html and ">nan<" not in html


def test_mixed_model_html_lists_its_warnings():
    d = pd.DataFrame({"subject": list("AABBCCDD"), "visit": ["baseline", "month 3"] * 4,
                      "y": [2.0, 2.5, 4.0, 3.0, 1.0, 1.5, 3.0, 3.0]})
    fit = mixed_model("y ~ C(visit)", d, subject="subject")
    flagged = dataclasses.replace(fit, warnings=("random-intercept variance estimated as 0 <a>",))
    html = flagged._repr_html_()
    assert '<ul class="smalltrial-warnings"><li>warning: random-intercept variance estimated ' \
           "as 0 &lt;a&gt;</li></ul>" in html  # escaped
    assert "smalltrial-warnings" not in fit._repr_html_()  # no warnings, no list
    assert "Fixed effects:" in html and "Variance components:" in html


def test_kaplan_meier_html_lists_warnings_from_its_hidden_field():
    km = dataclasses.replace(_km(), warnings=("all censored after day 12",))
    assert "<li>warning: all censored after day 12</li>" in km._repr_html_()


def test_change_from_baseline_of_a_zero_change_is_exactly_zero():
    # changes 2 -> 2.5, 4 -> 3, 1 -> 1.5, 3 -> 3: mean change (0.5 - 1 + 0.5 + 0) / 4 = 0
    d = pd.DataFrame({"subject": list("AABBCCDD"), "visit": ["baseline", "month 3"] * 4,
                      "y": [2.0, 2.5, 4.0, 3.0, 1.0, 1.5, 3.0, 3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mixed_model("y ~ C(visit)", d, subject="subject")
    out = fit.change_from_baseline("visit")
    assert out["estimate"].iloc[0] == 0.0
    assert out["lower"].iloc[0] == -out["upper"].iloc[0]  # symmetric about exactly 0
    assert out["p_value"].iloc[0] == 1.0
    assert "e-1" not in out.to_string()
    # a real change is not touched: 2 -> 3 for everyone is a change of exactly 1
    d2 = d.assign(y=[2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = mixed_model("y ~ C(visit)", d2, subject="subject").change_from_baseline("visit")
    assert est["estimate"].iloc[0] == pytest.approx(1.0, abs=1e-12)


def test_trial_html_counts_its_tables_and_shows_the_description_first_line():
    trial = st.datasets.load("mackensen2022")
    html = trial._repr_html_()
    cells = _cells(html)
    assert "<caption>Trial mackensen2022</caption>" in html
    assert cells["subjects"].startswith(f"{len(trial.subjects)} ")
    assert cells["measurements"] == str(len(trial.measurements))
    assert cells["events"] == str(len(trial.events))
    assert cells["adverse events"] == str(len(trial.adverse_events))
    assert cells["description"] == trial.description.strip().splitlines()[0].strip()
    assert "SYNTHETIC" in cells["description"]


def test_table_caption_and_numbering():
    t = Table("Table 2. Remission by visit", ["Visit", "n"], [["day 7", "1"]])
    assert t.caption == "Remission by visit"
    assert t.numbered(5).title == "Table 5. Remission by visit"
    assert Table("Remission", ["Visit"], []).numbered(1).title == "Table 1. Remission"
    latex = t.to_latex()
    assert "\\caption{Remission by visit}" in latex and "Table 2" not in latex
    with pytest.raises(st.SmallTrialError):
        t.numbered(-1)


def test_every_table_of_a_run_is_numbered_in_order(tmp_path):
    result = pipeline.run("mackensen2022", out=tmp_path / "run", progress=False)
    titles = [t.title for t in result.tables.values()]
    assert [re.match(r"Table (\d+)\. ", t).group(1) for t in titles] == \
        [str(i) for i in range(1, len(titles) + 1)]
    assert len(titles) >= 5
    md = (tmp_path / "run" / "tables" / "adverse_events.md").read_text(encoding="utf-8")
    assert md.startswith(f"**Table {len(titles)}. Adverse events of special interest**")
