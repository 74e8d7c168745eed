"""marginal_model (MMRM-style GLS) against R nlme::gls, lmerTest/pbkrtest and emmeans."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, load_reference

from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial.longitudinal import MarginalModelFit, marginal_model

REF = load_reference("marginal")
VISITS = ["week 0", "week 4", "week 8", "week 12"]
FORMULA = "y ~ C(visit) + cohort"
REL = 1e-4  # fitted models: 1e-4 relative (DEVELOPING.md)


@pytest.fixture(scope="module")
def data():
    d = pd.read_csv(REFERENCE / "marginal" / "marginal.csv")
    d["visit"] = pd.Categorical(d["visit"], VISITS)
    return d


_CACHE: dict = {}


def fit(data, covariance, df_method="kenward-roger", formula=FORMULA, **kw):
    key = (covariance, df_method, formula, tuple(sorted(kw.items())))
    if key not in _CACHE:
        _CACHE[key] = marginal_model(formula, data, subject="id", time="visit",
                                     covariance=covariance, df_method=df_method, **kw)
    return _CACHE[key]


@pytest.mark.parametrize("covariance,key", [("cs", "cs"), ("ar1", "ar1"), ("unstructured", "un")])
def test_gls_reml_equals_nlme(data, covariance, key):
    """Estimates, model-based SEs, REML logLik and the covariance matrix of nlme::gls."""
    ref = REF[key]
    f = fit(data, covariance, "residual")
    assert isinstance(f, MarginalModelFit) and f.converged and f.warnings == []
    fe = f.fixed_effects
    assert list(fe.index) == ["Intercept", "C(visit)[T.week 4]", "C(visit)[T.week 8]",
                              "C(visit)[T.week 12]", "cohort[T.B]"]
    np.testing.assert_allclose(fe["estimate"], ref["coef"], rtol=REL)
    np.testing.assert_allclose(fe["std_error"], ref["se"], rtol=REL)
    assert f.loglik == pytest.approx(ref["logLik"], rel=1e-6)
    np.testing.assert_allclose(f.covariance.to_numpy(), np.array(ref["cov"]), rtol=REL)
    assert list(f.covariance.index) == VISITS
    assert f.n_obs == ref["n"] == 48 and f.n_subjects == 14
    # residual df = N - p = 48 - 5 (SAS DDFM=RESIDUAL)
    assert (fe["df"] == 43).all()
    if key in ("cs", "ar1"):
        rho = f.correlation.iloc[0, 1]
        assert rho == pytest.approx(ref["rho"], rel=REL)


def test_cs_parameters(data):
    f = fit(data, "cs", "residual")
    cov = np.array(REF["cs"]["cov"])
    par = f.covariance_parameters
    assert par["cs"] == pytest.approx(cov[0, 1], rel=REL)
    assert par["residual"] == pytest.approx(cov[0, 0] - cov[0, 1], rel=REL)
    # CS with positive covariance = random-intercept LMM (lmer variance components)
    assert par["cs"] == pytest.approx(REF["lmm_kr"]["var_intercept"], rel=REL)
    assert par["residual"] == pytest.approx(REF["lmm_kr"]["sigma2"], rel=REL)


@pytest.mark.parametrize("df_method,key", [("kenward-roger", "lmm_kr"),
                                           ("satterthwaite", "lmm_sat")])
def test_cs_small_sample_df_equal_lmertest(data, df_method, key):
    """CS GLS = random-intercept LMM: KR (pbkrtest) and Satterthwaite (lmerTest) results."""
    ref = REF[key]
    fe = fit(data, "cs", df_method).fixed_effects
    np.testing.assert_allclose(fe["estimate"], ref["estimate"], rtol=REL)
    np.testing.assert_allclose(fe["std_error"], ref["se"], rtol=REL)  # KR-adjusted under KR
    np.testing.assert_allclose(fe["df"], ref["df"], rtol=REL)
    np.testing.assert_allclose(fe["statistic"], ref["t"], rtol=REL)
    np.testing.assert_allclose(fe["p_value"], ref["p"], rtol=REL)


@pytest.mark.parametrize("df_method,key", [("kenward-roger", "lmm_kr"),
                                           ("satterthwaite", "lmm_sat")])
def test_cs_marginal_means_and_change_equal_emmeans(data, df_method, key):
    ref = REF[key]
    f = fit(data, "cs", df_method)
    mm = f.marginal_means("visit")
    em = ref["emmeans"]
    assert list(mm.columns) == ["visit", "estimate", "std_error", "df", "lower", "upper"]
    assert list(mm["visit"]) == em["visit"]
    for ours, theirs in [("estimate", "emmean"), ("std_error", "SE"), ("df", "df"),
                         ("lower", "lower.CL"), ("upper", "upper.CL")]:
        np.testing.assert_allclose(mm[ours], em[theirs], rtol=REL)
    ch = f.change_from_baseline("visit")
    ec = ref["change"]
    assert list(ch.columns) == ["visit", "estimate", "std_error", "df", "lower", "upper",
                                "p_value"]
    assert list(ch["visit"]) == ["week 4", "week 8", "week 12"]
    for ours, theirs in [("estimate", "estimate"), ("std_error", "SE"), ("df", "df"),
                         ("lower", "lower.CL"), ("upper", "upper.CL"), ("p_value", "p.value")]:
        np.testing.assert_allclose(ch[ours], ec[theirs], rtol=REL)


def test_log_transform_gls_and_response_scale(data):
    ref = REF["log_cs"]
    f = fit(data, "cs", "kenward-roger", formula="upcr ~ C(visit)", transform="log")
    np.testing.assert_allclose(f.fixed_effects["estimate"], ref["coef"], rtol=REL)
    assert f.loglik == pytest.approx(ref["logLik"], rel=1e-6)
    np.testing.assert_allclose(f.covariance.to_numpy(), np.array(ref["cov"]), rtol=REL)
    kr = REF["lmm_log_kr"]
    np.testing.assert_allclose(f.fixed_effects["std_error"], kr["se"], rtol=REL)
    np.testing.assert_allclose(f.fixed_effects["df"], kr["df"], rtol=REL)
    # geometric means (emmeans type = "response": delta-method SE, back-transformed CI)
    mm = f.marginal_means("visit", scale="response")
    em = kr["emmeans_response"]
    for ours, theirs in [("estimate", "response"), ("std_error", "SE"), ("df", "df"),
                         ("lower", "lower.CL"), ("upper", "upper.CL")]:
        np.testing.assert_allclose(mm[ours], em[theirs], rtol=REL)
    link = f.marginal_means("visit")
    np.testing.assert_allclose(link["estimate"], kr["emmeans"]["emmean"], rtol=REL)
    # ratios to baseline
    ch = f.change_from_baseline("visit", scale="response")
    ec = kr["change_response"]
    for ours, theirs in [("estimate", "ratio"), ("std_error", "SE"), ("df", "df"),
                         ("lower", "lower.CL"), ("upper", "upper.CL"), ("p_value", "p.value")]:
        np.testing.assert_allclose(ch[ours], ec[theirs], rtol=REL)


def test_unstructured_emmeans_of_gls(data):
    """emmeans on the corSymm + varIdent gls: marginal means and SEs (model-based)."""
    em = REF["un"]["emmeans_resid"]
    mm = fit(data, "unstructured", "residual").marginal_means("visit")
    np.testing.assert_allclose(mm["estimate"], em["emmean"], rtol=REL)
    np.testing.assert_allclose(mm["std_error"], em["SE"], rtol=REL)
    # (emmeans' df.error for gls is N - p - #covariance parameters = 34; ours is SAS's N - p)
    assert (mm["df"] == 43).all() and em["df"][0] == 43 - 9


@pytest.mark.parametrize("covariance,key", [("ar1", "ar1"), ("unstructured", "un")])
def test_satterthwaite_nonlinear_and_unstructured(data, covariance, key):
    """Satterthwaite df: (a) exact check by finite differences of our REML deviance (observed
    information, as lmerTest); (b) close to emmeans' appx-satterthwaite for gls, which uses
    numerical derivatives of nlme's apVar (agrees to ~1.5%, so a loose tolerance)."""
    f = fit(data, covariance, "satterthwaite")
    m = f._model
    theta = m["theta"]
    reml_at = m["reml_at"]
    k = len(theta)
    h = 1e-4 * np.maximum(np.abs(theta), 1e-2)
    H = np.zeros((k, k))
    for a in range(k):
        for b in range(k):
            ea, eb = np.eye(k)[a] * h[a], np.eye(k)[b] * h[b]
            H[a, b] = (reml_at(theta + ea + eb)[0] - reml_at(theta + ea - eb)[0]
                       - reml_at(theta - ea + eb)[0] + reml_at(theta - ea - eb)[0]) / (4 * h[a] * h[b])
    A = 2 * np.linalg.inv(H)
    levels, L = m["emm"]("visit")
    Phi = m["Phi"]
    for row, df in zip(L, f.marginal_means("visit")["df"], strict=True):
        g = np.array([(row @ reml_at(theta + np.eye(k)[a] * h[a])[1] @ row
                       - row @ reml_at(theta - np.eye(k)[a] * h[a])[1] @ row) / (2 * h[a])
                      for a in range(k)])
        df_num = 2 * (row @ Phi @ row) ** 2 / (g @ A @ g)
        assert df == pytest.approx(df_num, rel=1e-4)
    np.testing.assert_allclose(f.marginal_means("visit")["df"], REF[key]["emmeans_sat"]["df"],
                               rtol=2.5e-2)
    np.testing.assert_allclose(f.change_from_baseline("visit")["df"],
                               REF[key]["change_sat"]["df"], rtol=2.5e-2)


def test_between_within_df_equal_nlme_lme(data):
    """nlme::lme's between-within rule (as mixed_model), R fixture, and by hand: 48 rows,
    14 subjects; 3 within-subject columns: 48 - 14 - 3 = 31; cohort (between): 14 - 1 - 1 = 12;
    the intercept gets the larger, 31. Contrasts: smallest df of the coefficients involved."""
    f = fit(data, "cs", "between-within")
    assert list(f.fixed_effects["df"]) == REF["lme_bw"] == [31, 31, 31, 31, 12]
    assert list(f.change_from_baseline("visit")["df"]) == [31, 31, 31]
    assert list(f.marginal_means("visit")["df"]) == [12, 12, 12, 12]  # involve cohort (1/2)
    five = pd.read_csv(REFERENCE / "marginal" / "five.csv")
    f5 = marginal_model("sledai ~ C(visit)", five, subject="id", time="visit",
                        covariance="ar1", df_method="between-within")
    assert list(f5.fixed_effects["df"]) == REF["five"]["lme_bw"] == [7, 7, 7]


def test_text_visit_order_like_mixed_model(data):
    """Text visits are ordered by the median `day` (not alphabetically: 'week 12' < 'week 4')."""
    txt = data.assign(visit=data["visit"].astype(str))
    txt["day"] = txt["visit"].str.slice(5).astype(int) * 7
    f = marginal_model(FORMULA, txt, subject="id", time="visit", covariance="ar1",
                       df_method="residual")
    assert list(f.covariance.index) == VISITS
    np.testing.assert_allclose(f.fixed_effects["estimate"], REF["ar1"]["coef"], rtol=REL)
    assert list(f.change_from_baseline("visit")["visit"]) == VISITS[1:]
    # without a day column: first appearance (the CSV is sorted by subject, then visit)
    f2 = marginal_model(FORMULA, txt.drop(columns="day"), subject="id", time="visit",
                        covariance="ar1", df_method="residual")
    assert list(f2.covariance.index) == VISITS


def test_missing_outcome_rows_and_string_time(data):
    extra = data.iloc[:3].copy()
    extra["y"] = np.nan
    extra["id"] = "p99"  # a subject whose outcome is missing at every visit
    f0 = fit(data, "unstructured", "residual")
    f1 = marginal_model(FORMULA, pd.concat([data, extra]), subject="id", time="visit",
                        covariance="unstructured", df_method="residual")
    assert f1.n_missing_rows == 3 and f1.n_obs == 48
    np.testing.assert_allclose(f1.fixed_effects["estimate"], f0.fixed_effects["estimate"],
                               rtol=1e-10)
    # a missing covariate drops its row, like a missing outcome
    holes = data.copy()
    holes["cohort"] = holes["cohort"].astype(object)
    holes.loc[holes.index[1], "cohort"] = np.nan
    dropped = data.drop(index=data.index[1])
    f3 = marginal_model(FORMULA, holes, subject="id", time="visit", covariance="cs",
                        df_method="residual")
    f4 = marginal_model(FORMULA, dropped, subject="id", time="visit", covariance="cs",
                        df_method="residual")
    assert f3.n_missing_rows == 1 and f3.n_obs == 47
    np.testing.assert_allclose(f3.fixed_effects["estimate"], f4.fixed_effects["estimate"],
                               rtol=1e-10)
    # numeric time: levels sorted numerically (0, 4, 8, 12), same fit as the Categorical
    num = data.assign(week=data["visit"].astype(str).str.slice(5).astype(int))
    f2 = marginal_model("y ~ C(week) + cohort", num, subject="id", time="week", covariance="ar1",
                        df_method="residual")
    np.testing.assert_allclose(f2.fixed_effects["estimate"], REF["ar1"]["coef"], rtol=REL)
    assert list(f2.covariance.index) == [0, 4, 8, 12]


def test_repr_and_frame(data):
    f = fit(data, "cs", "kenward-roger")
    text = repr(f)
    assert "MarginalModelFit('y ~ C(visit) + cohort', covariance='cs'" in text
    assert "48 observations, 14 subjects" in text and "week 12" in text
    assert f.to_frame().shape == (5, 7)


def test_bad_input(data):
    kw = dict(subject="id", time="visit")
    with pytest.raises(SmallTrialError, match="no column 'patient'"):
        marginal_model(FORMULA, data, subject="patient", time="visit")
    with pytest.raises(SmallTrialError, match="outcome 'sledai'"):
        marginal_model("sledai ~ C(visit)", data, **kw)
    with pytest.raises(SmallTrialError, match="'arm' is not a column of data"):
        marginal_model("y ~ C(visit) + arm", data, **kw)
    bad = data.assign(y=data["y"].astype(object))
    bad.loc[5, "y"] = "n/a"
    with pytest.raises(SmallTrialError, match="column 'y' of data must be numeric; got 'n/a'"):
        marginal_model(FORMULA, bad, **kw)
    with pytest.raises(SmallTrialError, match=r"duplicated \(id, visit\)"):
        marginal_model(FORMULA, pd.concat([data, data.iloc[[0]]]), **kw)
    with pytest.raises(SmallTrialError, match="covariance must be one of .*got 'toeplitz'"):
        marginal_model(FORMULA, data, covariance="toeplitz", **kw)
    with pytest.raises(SmallTrialError, match="df_method must be one of .*got 'containment'"):
        marginal_model(FORMULA, data, df_method="containment", **kw)
    with pytest.raises(SmallTrialError, match=r"transform='log' needs column 'y' > 0"):
        marginal_model(FORMULA, data.assign(y=data["y"] - 20), transform="log", **kw)
    with pytest.raises(SmallTrialError, match="transform must be None or 'log'"):
        marginal_model(FORMULA, data, transform="sqrt", **kw)
    few = data[data["id"].isin(["p01", "p02", "p03", "p04"])]
    with pytest.raises(SmallTrialError, match="not identifiable with 4 subjects and 4 visits"):
        marginal_model("y ~ C(visit)", few, covariance="unstructured", **kw)
    one = data[data["visit"] == "week 0"]
    with pytest.raises(SmallTrialError, match="single level"):
        marginal_model("y ~ 1", one, covariance="cs", **kw)
    with pytest.raises(SmallTrialError, match="single subject \\('p01'\\)"):
        marginal_model("y ~ C(visit)", data[data["id"] == "p01"], covariance="cs", **kw)
    aliased = data.assign(base=(data["visit"] == "week 0").astype(float))
    with pytest.raises(SmallTrialError, match="not identifiable .*rank 4 < 5"):
        marginal_model("y ~ C(visit) + base", aliased, covariance="cs", **kw)
    f = fit(data, "cs", "kenward-roger")
    with pytest.raises(SmallTrialError, match="by='arm' is not a variable of the model"):
        f.marginal_means("arm")
    with pytest.raises(SmallTrialError, match="baseline='week 2' is not a level of 'visit'"):
        f.change_from_baseline("visit", baseline="week 2")
    with pytest.raises(SmallTrialError, match="scale must be one of"):
        f.marginal_means("visit", scale="log")


@pytest.mark.parametrize("covariance,key", [("cs", "cs"), ("ar1", "ar1"), ("unstructured", "un")])
def test_five_patients_equal_nlme(covariance, key):
    """Five patients (Mackensen 2022 size), 3 visits, one missing: nlme::gls REML fits.
    Unstructured is identifiable (5 subjects > 3 visits); its REML covariance has an
    element ~1e-8, hence the absolute tolerance."""
    five = pd.read_csv(REFERENCE / "marginal" / "five.csv")
    ref = REF["five"][key]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = marginal_model("sledai ~ C(visit)", five, subject="id", time="visit",
                           covariance=covariance, df_method="satterthwaite")
    assert f.converged and f.n_subjects == 5 and f.n_obs == 14
    np.testing.assert_allclose(f.fixed_effects["estimate"], ref["coef"], rtol=REL)
    np.testing.assert_allclose(f.fixed_effects["std_error"], ref["se"], rtol=REL)
    assert f.loglik == pytest.approx(ref["logLik"], rel=1e-6)
    np.testing.assert_allclose(f.covariance.to_numpy(), np.array(ref["cov"]), rtol=REL, atol=1e-5)
    if key == "cs":  # the estimated within-subject covariance is negative (-0.5985)
        assert f.covariance_parameters["cs"] == pytest.approx(-0.5985037, rel=1e-5)
        assert [str(w.message) for w in caught] == f.warnings
        assert "non-positive within-subject covariance" in f.warnings[0]


def test_negative_cs_correlation_equals_nlme():
    neg = pd.read_csv(REFERENCE / "marginal" / "negative.csv")
    ref = REF["negative"]
    with pytest.warns(SmallTrialWarning, match="not the random-intercept model"):
        f = marginal_model("y ~ C(visit)", neg, subject="id", time="visit", covariance="cs",
                           df_method="residual")
    assert f.correlation.iloc[0, 1] == pytest.approx(ref["rho"], rel=REL)
    assert f.loglik == pytest.approx(ref["logLik"], rel=1e-6)
    np.testing.assert_allclose(f.fixed_effects["std_error"], ref["se"], rtol=REL)
    assert list(f.covariance.index) == [1, 2, 3]


@pytest.mark.parametrize("df_method", ["kenward-roger", "satterthwaite"])
def test_unstructured_complete_data_is_the_paired_t_test(data, df_method):
    """Complete data, unstructured covariance, visit means: the REML covariance is the sample
    covariance, and KR / Satterthwaite are exact (Kenward & Roger 1997): each change from
    baseline is the paired t-test (df = n - 1, SE = sd(d)/sqrt(n)) and each visit mean the
    one-sample t interval."""
    from scipy import stats

    sizes = data.groupby("id").size()
    full = data[data["id"].isin(sizes[sizes == 4].index)]
    wide = full.pivot(index="id", columns="visit", values="y")
    n = len(wide)
    assert n == 7
    f = marginal_model("y ~ C(visit)", full, subject="id", time="visit",
                       covariance="unstructured", df_method=df_method)
    np.testing.assert_allclose(f.covariance.to_numpy(), wide.cov().to_numpy(), rtol=1e-6)
    ch = f.change_from_baseline("visit")
    for _, row in ch.iterrows():
        d = wide[row["visit"]] - wide["week 0"]
        t = stats.ttest_rel(wide[row["visit"]], wide["week 0"])
        assert row["estimate"] == pytest.approx(d.mean(), rel=1e-8)
        assert row["std_error"] == pytest.approx(d.std() / np.sqrt(n), rel=1e-6)
        assert row["df"] == pytest.approx(n - 1, rel=1e-6)
        assert row["p_value"] == pytest.approx(t.pvalue, rel=1e-5)
    mm = f.marginal_means("visit")
    np.testing.assert_allclose(mm["std_error"], wide.std().to_numpy() / np.sqrt(n), rtol=1e-6)
    np.testing.assert_allclose(mm["df"], n - 1, rtol=1e-6)


def test_numeric_time_trend(data):
    """y ~ week (numeric) with AR(1): means at the distinct weeks are the fitted line; the
    change from week 0 is slope x week (hand: L = (0, week))."""
    num = data.assign(week=data["visit"].astype(str).str.slice(5).astype(float))
    f = marginal_model("y ~ week", num, subject="id", time="visit", covariance="ar1",
                       df_method="kenward-roger")
    b0, b1 = f.fixed_effects["estimate"]
    mm = f.marginal_means("week")
    assert list(mm["week"]) == [0.0, 4.0, 8.0, 12.0]
    np.testing.assert_allclose(mm["estimate"], b0 + b1 * mm["week"], rtol=1e-12)
    ch = f.change_from_baseline("week")
    se1 = f.fixed_effects["std_error"].iloc[1]
    np.testing.assert_allclose(ch["estimate"], b1 * np.array([4, 8, 12]), rtol=1e-12)
    np.testing.assert_allclose(ch["std_error"], se1 * np.array([4, 8, 12]), rtol=1e-10)
    np.testing.assert_allclose(ch["df"], f.fixed_effects["df"].iloc[1], rtol=1e-8)


@pytest.mark.parametrize("covariance", ["cs", "ar1", "unstructured"])
def test_affine_equivariance(data, covariance):
    """y -> 3 - 2.5 y: slopes scale by -2.5, the covariance by 6.25; SE scale by 2.5, df,
    |t| and p-values are unchanged (a property of REML, KR and Satterthwaite)."""
    for df_method in ("kenward-roger", "satterthwaite"):
        f = fit(data, covariance, df_method)
        g = marginal_model(FORMULA, data.assign(y=3 - 2.5 * data["y"]), subject="id",
                           time="visit", covariance=covariance, df_method=df_method)
        a, b = f.fixed_effects, g.fixed_effects
        np.testing.assert_allclose(b["estimate"].iloc[1:], -2.5 * a["estimate"].iloc[1:],
                                   rtol=1e-5)
        np.testing.assert_allclose(b["std_error"], 2.5 * a["std_error"], rtol=1e-5)
        np.testing.assert_allclose(b["df"], a["df"], rtol=1e-5)
        np.testing.assert_allclose(b["p_value"].iloc[1:], a["p_value"].iloc[1:], rtol=1e-4)
        np.testing.assert_allclose(g.covariance.to_numpy(), 6.25 * f.covariance.to_numpy(),
                                   rtol=1e-5)


# ---- bad input names the argument / column and the value (quality pass) ----

_CS_DATA = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5] * 3,
        "visit": [0] * 5 + [1] * 5 + [2] * 5,
        "y": [12, 16, 8, 10, 14, 6, 9, 5, 4, 8, 2, 5, 0, 1, 4.0],
    }
)


def test_docstring_data_matches_nlme_gls_cs():
    # R (tests/reference/docexamples/make_docexamples.R): nlme::gls(y ~ visit,
    # correlation = corCompSymm(form = ~1 | id), method = "REML"); balanced CS: the
    # Kenward-Roger df of a within-subject contrast is (5 - 1) * (3 - 1) = 8
    ref = load_reference("docexamples")["gls_cs"]
    fit = marginal_model("y ~ C(visit)", _CS_DATA, subject="id", time="visit", covariance="cs")
    cfb = fit.change_from_baseline("visit")
    np.testing.assert_allclose(cfb["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(cfb["std_error"], ref["std_error"], rtol=1e-4)
    np.testing.assert_allclose(cfb["df"], [8.0, 8.0], rtol=1e-6)
    assert fit.loglik == pytest.approx(ref["loglik"], rel=1e-6)


@pytest.mark.parametrize(
    ("formula", "data", "kwargs", "match"),
    [
        ("y ~ a ~ b", _CS_DATA, {}, r"formula must be 'outcome ~ terms'; got 'y ~ a ~ b'"),
        (3, _CS_DATA, {}, r"formula must be 'outcome ~ terms'; got 3"),
        ("y ~ C(visit)", _CS_DATA.assign(y=np.nan), {},
         r"no row of data has 'y', 'visit' all non-missing"),
        ("y ~ C(visit)", _CS_DATA.assign(y=_CS_DATA["y"].where(_CS_DATA.index != 3, np.inf)),
         {}, r"column 'y' of data must be finite; got inf \(subject 4\)"),
        ("y ~ C(visit)",
         pd.DataFrame({"id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "visit": [0, 1, 0, 1, 1, 2, 1, 2, 0, 1],
                       "y": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 1]}),
         {"covariance": "unstructured"},
         r"visits \(2, 0\) are never observed in the same subject"),
        ("y ~ C(visit)", pd.DataFrame({"id": [1, 2, 3, 4], "visit": [0, 1, 0, 1],
                                       "y": [1.0, 2, 3, 5]}),
         {}, r"every subject has a single non-missing 'y'"),
        ("y ~ C(visit) * C(id)", pd.DataFrame({"id": [1, 1, 2, 2], "visit": [0, 1, 0, 1],
                                               "y": [1.0, 2, 3, 5]}),
         {}, r"4 observations of 'y' for 4 fixed effects of 'y ~ C\(visit\) \* C\(id\)': no residual df"),
    ],
)
def test_marginal_model_bad_input(formula, data, kwargs, match):
    args = {"subject": "id", "time": "visit", "covariance": "cs", **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallTrialWarning)
        with pytest.raises(SmallTrialError, match=match):
            marginal_model(formula, data, **args)


def test_level_order_rule_shared_by_the_longitudinal_models():
    from smalltrial.longitudinal._levels import formula_columns, order_levels

    df = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2],
                       "visit": ["month 3", "baseline", "day 28", "day 28", "baseline", "month 3"],
                       "cohort": ["SSc"] * 3 + ["IIM"] * 3, "day": [90, 0, 28, 27, -2, 92]})
    # varying within subjects: by median day; constant within subjects: sorted
    assert order_levels(df, "visit", "id") == ["baseline", "day 28", "month 3"]
    assert order_levels(df, "cohort", "id") == ["IIM", "SSc"]
    # no day column: first appearance; a Categorical: its categories
    assert order_levels(df.drop(columns="day"), "visit", "id") == ["month 3", "baseline", "day 28"]
    cat = df.assign(visit=pd.Categorical(df["visit"], categories=["day 28", "month 3", "baseline"]))
    assert order_levels(cat, "visit", "id") == ["day 28", "month 3", "baseline"]
    assert formula_columns("C(visit) * cohort + Q('age at infusion')",
                           ["visit", "cohort", "age at infusion", "day"]) == [
        "visit", "cohort", "age at infusion"]
