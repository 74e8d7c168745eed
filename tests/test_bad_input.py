"""Bad input raises SmallTrialError naming the argument/column and the value (issue #13 items 3-4).

The examples of the issue, one test each, plus the dtype rule: pandas nullable (Int64, Float64,
boolean, string), categorical and object columns give the same results as plain numpy columns.
The random counterpart of these tests is tests/test_property_api.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from smalltrial import SmallTrialError, SmallTrialWarning, rates, summaries, survival
from smalltrial import _tableformat as tf
from smalltrial.longitudinal import marginal_model, mixed_model, paired_change
from smalltrial.longitudinal._formula import check_formula

SURV = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6, 7, 8], "e": [1, 0, 1, 1, 0, 1, 0, 1],
                     "g": ["a", "b"] * 4})
CIF = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6, 7, 8], "ev": [1, 0, 2, 1, 0, 2, 0, 1]})


def _long():
    rng = np.random.default_rng(7)
    subj = np.repeat([f"s{i}" for i in range(8)], 3)
    month = np.tile([0.0, 3.0, 6.0], 8)
    y = np.round(10 - 0.8 * month + rng.normal(0, 1, 24) + np.repeat(rng.normal(0, 2, 8), 3), 3)
    return pd.DataFrame({"subject": subj, "visit": np.tile(["baseline", "m3", "m6"], 8),
                         "month": month, "y": y})


LONG = _long()


# ---------------------------------------------------------------- the examples of the issue
def test_kaplan_meier_list_column_name_names_the_argument():
    with pytest.raises(SmallTrialError, match=r"time must be a column name \(a string\), got \['t'\]"):
        survival.kaplan_meier(SURV, time=["t"], event="e")
    with pytest.raises(SmallTrialError, match=r"group must be a column name \(a string\), got \{"):
        survival.kaplan_meier(SURV, time="t", event="e", group={"g": 1})


def test_cumulative_incidence_non_numeric_code_and_absent_cause():
    # a stray label among numeric codes was counted as a competing cause
    bad = CIF.assign(ev=CIF["ev"].astype(object).where(CIF.index != 2, "relapse"))
    with pytest.raises(SmallTrialError, match="column 'ev' mixes numbers and labels"):
        survival.cumulative_incidence(bad, time="t", event="ev", cause=1)
    # an absent cause gave a curve of zeros
    with pytest.raises(SmallTrialError, match=r"cause 3 does not occur in column 'ev' \(codes present: 1, 2\)"):
        survival.cumulative_incidence(CIF, time="t", event="ev", cause=3)
    with pytest.raises(SmallTrialError, match="cause must be a whole-number code.*'1'"):
        survival.cumulative_incidence(CIF, time="t", event="ev", cause="1")
    with pytest.raises(SmallTrialError, match=r"column 'ev' must hold whole-number codes.*\[inf\]"):
        survival.cumulative_incidence(CIF.assign(ev=CIF["ev"].astype(float).replace(2.0, np.inf)),
                                      time="t", event="ev", cause=1)
    # declared causes still allow a cause without events: the hand value is 0 throughout
    ci = survival.cumulative_incidence(CIF, time="t", event="ev", cause=3, causes=[1, 2, 3])
    assert ci.table["estimate"].tolist() == [0.0] * 8


def test_efficacy_cells_reject_impossible_intervals_and_counts():
    with pytest.raises(SmallTrialError, match="lower must be <= upper; got lower=0.9, upper=0.5"):
        tf.fmt_prop_ci(5, 5, 0.9, 0.5)
    with pytest.raises(SmallTrialError, match="x must be a whole number, got 2.5"):
        tf.fmt_prop_ci(2.5, 5, 0.1, 0.9)
    with pytest.raises(SmallTrialError, match=r"upper must be a proportion in \[0, 1\], got 2"):
        tf.fmt_prop_ci(2, 5, 0.1, 2)
    with pytest.raises(SmallTrialError, match=r"x/n must lie within \[lower, upper\]"):
        tf.fmt_prop_ci(5, 5, 0.1, 0.5)  # 100% outside its own CI
    with pytest.raises(SmallTrialError, match="lower must be a finite number, got 'a'"):
        tf.fmt_prop_ci(2, 5, "a", 0.9)
    with pytest.raises(SmallTrialError, match="digits must be a whole number, got True"):
        tf.fmt_mean_sd(1.0, 0.5, digits=True)
    with pytest.raises(SmallTrialError, match=r"median must lie within \[minimum, maximum\]"):
        tf.fmt_median_range(9, 1, 5)
    with pytest.raises(SmallTrialError, match="sd must be >= 0"):
        tf.fmt_mean_sd(3, -1)
    with pytest.raises(SmallTrialError, match="lower must be <= upper"):
        tf.fmt_estimate_ci(3, 5, 1)
    with pytest.raises(SmallTrialError, match="estimate must be a finite number, got '3'"):
        tf.fmt_estimate_ci("3", 1, 5)
    # DOMAIN.md: exact Clopper-Pearson 5/5 is 47.8-100 %; a valid cell still prints
    assert tf.fmt_prop_ci(5, 5, 0.4781762498950186, 1.0) == "5/5 (100%) [47.8\u2013100]"


def test_efficacy_table_lower_above_upper():
    from smalltrial import tables

    res = pd.DataFrame({"visit": ["Month 3"], "group": ["SLE"], "x": [5], "n": [5],
                        "lower": [0.9], "upper": [0.5], "method": ["clopper-pearson"],
                        "level": [0.95]})
    with pytest.raises(SmallTrialError, match="lower must be <= upper"):
        tables.efficacy_table(res)


def test_efficacy_table_fractional_x():
    from smalltrial import tables

    res = pd.DataFrame({"visit": ["Month 3"], "group": ["SLE"], "x": [2.5], "n": [5],
                        "lower": [0.1], "upper": [0.9], "method": ["clopper-pearson"],
                        "level": [0.95]})
    with pytest.raises(SmallTrialError, match="x must be a whole number, got 2.5"):
        tables.efficacy_table(res)


@pytest.mark.parametrize("fit", ["mixed", "marginal"])
def test_formula_code_is_never_run(fit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    formula = "y ~ month + __import__('os').system('touch PWNED')"
    with pytest.raises(SmallTrialError, match=r"'__import__' is not a column of data"):
        if fit == "mixed":
            mixed_model(formula, LONG, subject="subject")
        else:
            marginal_model(formula, LONG, subject="subject", time="visit", covariance="cs")
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(("formula", "match"), [
    ("y ~ month.__class__", "'month.__class__' is not a column"),
    ("y ~ eval('month')", "'eval' is not a column"),
    ("y ~ np.exp(month).real", "'.' is not allowed here"),
    ("y ~ [month]", "'\\[' is not allowed here"),
    ("y ~ month if 1 else 2", "'if' is not allowed here"),
    ("y ~ lambda: 1", "keyword 'lambda'"),
    ("y ~ month; import os", "';' is not allowed here"),
    ("y ~ C(visit, Poly)", "C\\(column, ...\\) allows Treatment"),
    ("y ~ C(visit, Treatment(os.getcwd()))", "expected a number or a quoted level"),
    ("y ~ Q('nope')", "Q\\('nope'\\): not a column"),
    ("y ~ 1j", "'1j' is not a real number"),
    ("np.log(y) ~ month", "the outcome 'np.log\\(y\\)' \\(left of '~'\\) must be a column.*transform='log'"),
    ("y ~ month # comment", "'#' is not allowed"),
    ("y ~ f'{month}'", "is not allowed here"),
])
def test_formula_whitelist_rejects(formula, match):
    with pytest.raises(SmallTrialError, match=match):
        check_formula(formula, LONG)


@pytest.mark.parametrize("formula", [
    "y ~ 1", "y ~ month", "y ~ C(visit)", "y ~ C(visit) * month", "y ~ C(visit):month - 1",
    "y ~ C(visit, Treatment('m3'))", "y ~ C(visit, Treatment(reference='m6'))",
    "y ~ C(visit, Sum)", "y ~ C(visit, levels=['baseline', 'm3', 'm6'])", "y ~ I(month ** 2)",
    "y ~ np.log(month + 1) + center(month) + standardize(month)", "Q('y') ~ Q('month')",
    "y ~ (month + C(visit)) ** 2", "y ~ month / C(subject)", "y ~ -1 + month",
])
def test_formula_whitelist_accepts(formula):
    assert check_formula(formula, LONG) is LONG


def test_formula_whitelist_keeps_fits_unchanged():
    # the whitelisted C(visit, Treatment('m3')) fits as patsy reads it: m3 is the intercept
    fit = marginal_model("y ~ C(visit, Treatment('m3'))", LONG, subject="subject", time="visit",
                         covariance="cs")
    m3 = LONG.loc[LONG["visit"] == "m3", "y"].mean()  # balanced, complete: OLS = cell mean
    assert fit.fixed_effects.loc["Intercept", "estimate"] == pytest.approx(m3, rel=1e-8)


# ---------------------------------------------------------------- wrong types, flags, numbers
@pytest.mark.parametrize(("call", "match"), [
    (lambda: survival.logrank_test(SURV, time="t", event="e", group="g", exact=1),
     "exact must be True or False, got 1"),
    (lambda: survival.logrank_test(SURV, time="t", event="e", group="g", exact="no"),
     "exact must be True or False, got 'no'"),
    (lambda: survival.logrank_test(SURV, time="t", event="e", group="g", seed="3"),
     "seed must be a whole number, got '3'"),
    (lambda: survival.logrank_test(SURV, time="t", event="e", group="g", n_permutations=2.5),
     "n_permutations must be a whole number, got 2.5"),
    (lambda: survival.kaplan_meier(SURV, time="t", event="e").quantile("0.5"),
     "p must be numbers, got '0.5'"),
    (lambda: survival.kaplan_meier(SURV, time="t", event="e").at(True),
     "times must be numbers, got True"),
    (lambda: survival.kaplan_meier(SURV, time="t", event="e", group="g").quantile([0.5]),
     "p must be a probability"),
    (lambda: survival.follow_up_summary(SURV, time=["t"]), "time must be a column name"),
    (lambda: rates.binomial_test([3], 10, 0.2), r"x must be a single whole number, got \[3\]"),
    (lambda: rates.beta_posterior(3, (10,)), r"n must be a single whole number"),
    (lambda: rates.coverage(10, method="wilson", p=True), "p must be numbers, got True"),
    (lambda: rates.summarize(SURV.assign(r=1), response="r", cohort=["g"]),
     "cohort must be a column name"),
    (lambda: rates.summarize(SURV.assign(r=[[1]] * 8), response="r"),
     r"column 'r' of data must be binary.*\[1\]"),
    (lambda: summaries.describe(SURV, ["t"], by="g", group_order=["a", "c"]),
     "group_order names 'c', not in column 'g'"),
    (lambda: summaries.describe(SURV, ["t"], by="g", group_order="ab"),
     "group_order must be a list, got 'ab'"),
    (lambda: summaries.describe(SURV, ["t"], kinds=[("t", "continuous")]),
     "kinds must be a dict"),
    (lambda: summaries.describe(SURV, ["t"], levels={"t": 3}), r"levels\['t'\] must be a list"),
    (lambda: summaries.describe(SURV, ["t", "t"]), "variables has duplicates"),
    (lambda: summaries.describe(SURV.assign(t=np.inf), ["t"]), "column 't' of data has infinite"),
    (lambda: summaries.describe(SURV, ["t"], by="g", overall=1), "overall must be True or False"),
    (lambda: paired_change(LONG, "y", subject="subject", time="visit", baseline="baseline",
                           at=["m6"]), r"at must be a single level.*\['m6'\]"),
    (lambda: paired_change(LONG, ["y"], subject="subject", time="visit", baseline="baseline",
                           at="m6"), "outcome must be a column name"),
    (lambda: marginal_model("y ~ C(visit)", LONG, subject=["subject"], time="visit"),
     "subject must be a column name"),
])
def test_wrong_types_name_the_argument(call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallTrialWarning)
        with pytest.raises(SmallTrialError, match=match):
            call()


def test_figures_reject_wrong_types():
    from smalltrial import figures as F

    df = pd.DataFrame({"subject": ["P1", "P2"], "change": [-60.0, 10.0]})
    with pytest.raises(SmallTrialError, match="columns must be a finite number, got True"):
        F.waterfall(df, columns=True)
    with pytest.raises(SmallTrialError, match="height_mm must be a finite number, got '3'"):
        F.waterfall(df, height_mm="3")
    with pytest.raises(SmallTrialError, match=r"subject must be a column name \(a string\), got \['subject'\]"):
        F.waterfall(df, subject=["subject"])
    with pytest.raises(SmallTrialError, match="column 'change' of data must be finite; got \\[inf\\]"):
        F.waterfall(df.assign(change=[np.inf, 1.0]))
    with pytest.raises(SmallTrialError, match=r"lower must be <= upper; got lower=0.8, upper=0.2"):
        F.rate_text(5, 10, 0.5, 0.8, 0.2)
    with pytest.raises(SmallTrialError, match="lower must be a finite number, got '3'"):
        F.rate_text(5, 10, 0.5, "3", 0.8)
    kin = pd.DataFrame({"subject": ["P1"] * 3, "day": [0, 7, 28], "value": [100.0, 1.0, 1.0],
                        "blq": ["no", "yes", "yes"]})
    with pytest.raises(SmallTrialError, match=r"column 'blq' of data must be True/False; got 'no', 'yes' \(row 0, 1, 2\)"):
        F.bcell_kinetics(kin, parameter=None)
    with pytest.raises(SmallTrialError, match=r"xlim must be a pair \(low, high\) with low < high"):
        F.bcell_kinetics(kin.assign(blq=False), parameter=None, xlim=(5, 1))
    with pytest.raises(SmallTrialError, match="threshold must be a finite number, got '10'"):
        F.bcell_kinetics(kin.assign(blq=False), parameter=None, threshold="10")
    # an optional column named explicitly must exist (a typo is not "no BLQ flags")
    with pytest.raises(SmallTrialError, match="data has no column 'below_lloq'"):
        F.bcell_kinetics(kin.assign(blq=False), parameter=None, blq="below_lloq")
    events = pd.DataFrame({"subject": ["P1", "P1"], "day": [0.0, 90.0],
                           "event": ["crs", "last_contact"], "grade": [1, np.nan]})
    with pytest.raises(SmallTrialError, match="events has no column 'crs_grade'"):
        F.swimmer_lanes(events, grade="crs_grade")


# ---------------------------------------------------------------- dtypes give the same results
def _same(a, b):
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize(("column", "dtype"), [
    ("t", "Float64"), ("t", "Int64"), ("t", object), ("e", "Int64"), ("e", "boolean"),
    ("e", "category"), ("e", object), ("e", "Float64"), ("g", "string"), ("g", "category"),
])
def test_survival_dtypes_give_the_same_results(column, dtype):
    ref_km = survival.kaplan_meier(SURV, time="t", event="e", group="g")
    ref_lr = survival.logrank_test(SURV, time="t", event="e", group="g")
    data = SURV.assign(**{column: SURV[column].astype(dtype)})
    _same(survival.kaplan_meier(data, time="t", event="e", group="g").table, ref_km.table)
    lr = survival.logrank_test(data, time="t", event="e", group="g")
    assert lr.statistic == pytest.approx(ref_lr.statistic, rel=1e-12)
    if column != "g":
        ref = survival.median_follow_up(SURV, time="t", event="e")
        got = survival.median_follow_up(data, time="t", event="e")
        assert (got.estimate, got.lower) == (ref.estimate, ref.lower)


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "category", object, "string"])
def test_cumulative_incidence_dtypes(dtype):
    ref = survival.cumulative_incidence(CIF, time="t", event="ev", cause=1)
    codes = CIF["ev"].astype(str) if dtype == "string" else CIF["ev"]
    got = survival.cumulative_incidence(CIF.assign(ev=codes.astype(dtype)), time="t", event="ev",
                                        cause="1" if dtype == "string" else 1)
    _same(got.table, ref.table)


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean", object, "category"])
def test_summarize_and_describe_dtypes(dtype):
    df = pd.DataFrame({"cohort": ["SLE"] * 5 + ["SSc"] * 3, "r": [1, 1, 0, 1, 1, 0, 1, 0],
                       "age": [30.0, 41, 35, 28, 50, 45, 33, 41]})
    ref = rates.summarize(df, response="r", cohort="cohort")
    _same(rates.summarize(df.assign(r=df["r"].astype(dtype)), response="r", cohort="cohort"), ref)
    if dtype not in ("boolean", "category"):  # bool and categorical columns are categorical
        ref = summaries.describe(df, ["age"], by="cohort")
        got = summaries.describe(df.assign(age=df["age"].astype(dtype)), ["age"], by="cohort")
        _same(got, ref)


@pytest.mark.parametrize(("column", "dtype"), [
    ("y", "Float64"), ("y", object), ("month", "Int64"), ("month", object), ("visit", "string"),
    ("subject", "string"), ("subject", "category"),
])
def test_longitudinal_dtypes(column, dtype):
    data = LONG.assign(**{column: LONG[column].astype(dtype)})
    formula = "y ~ C(visit)" if column != "month" else "y ~ month"
    ref = mixed_model(formula, LONG, subject="subject").fixed_effects
    got = mixed_model(formula, data, subject="subject").fixed_effects
    np.testing.assert_allclose(got.to_numpy(float), ref.to_numpy(float), rtol=1e-10)
    if column != "month":
        ref = marginal_model("y ~ C(visit)", LONG, subject="subject", time="visit",
                             covariance="cs").fixed_effects
        got = marginal_model("y ~ C(visit)", data, subject="subject", time="visit",
                             covariance="cs").fixed_effects
        np.testing.assert_allclose(got.to_numpy(float), ref.to_numpy(float), rtol=1e-10)
        ref = paired_change(LONG, "y", subject="subject", time="visit", baseline="baseline",
                            at="m6")
        got = paired_change(data, "y", subject="subject", time="visit", baseline="baseline",
                            at="m6")
        assert (got.n, got.median_change, got.pvalue) == (ref.n, ref.median_change, ref.pvalue)


def test_mixed_model_categorical_subject():
    data = LONG.assign(subject=LONG["subject"].astype("category"))
    ref = mixed_model("y ~ C(visit)", LONG, subject="subject").fixed_effects
    got = mixed_model("y ~ C(visit)", data, subject="subject").fixed_effects
    np.testing.assert_allclose(got.to_numpy(float), ref.to_numpy(float), rtol=1e-10)
