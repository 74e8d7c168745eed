"""Tests of smalltrial.rates against R (tests/reference/rates/make_rates.R) and by hand."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial.rates import (
    beta_posterior,
    binomial_test,
    coverage,
    proportion_ci,
    summarize,
)
from tests.conftest import load_reference

REF = load_reference("rates")
METHODS = ["clopper-pearson", "wilson", "wilson-cc", "jeffreys", "mid-p", "agresti-coull",
           "wald", "blaker"]
ALL_METHODS = METHODS + ["exact"]


# ---------------------------------------------------------------------------------------------
# proportion_ci against R
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_intervals_match_r(method):
    # closed forms and quantiles at 1e-8; mid-p and Blaker are root-solved to ~1e-15 both in
    # R and here, so the same 1e-8 holds for them (observed differences are ~1e-14).
    rows = [r for r in REF["intervals"] if method in r]
    assert len(rows) > 100
    for row in rows:
        ci = proportion_ci(row["x"], row["n"], level=row["level"], method=method,
                           alternative=row["alternative"])
        assert ci.lower == pytest.approx(row[method][0], abs=1e-8), row
        assert ci.upper == pytest.approx(row[method][1], abs=1e-8), row


@pytest.mark.parametrize("method", METHODS)
def test_vectorised_equals_scalar(method):
    rows = [r for r in REF["intervals"]
            if method in r and r["level"] == 0.95 and r["alternative"] == "two-sided"]
    x = np.array([r["x"] for r in rows])
    n = np.array([r["n"] for r in rows])
    ci = proportion_ci(x, n, method=method)
    assert isinstance(ci.lower, np.ndarray) and ci.lower.shape == x.shape
    np.testing.assert_allclose(ci.lower, [r[method][0] for r in rows], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ci.upper, [r[method][1] for r in rows], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(ci.estimate, x / n)


def test_large_arrays_use_the_same_values():
    # > 2048 elements take the de-duplicated path; compare with the small-array path
    rng = np.random.default_rng(7)
    n = rng.integers(1, 60, 5000)
    x = rng.integers(0, n + 1)
    big = proportion_ci(x, n)
    small = proportion_ci(x[:100], n[:100])
    np.testing.assert_array_equal(big.lower[:100], small.lower)
    np.testing.assert_array_equal(big.upper[:100], small.upper)
    two_d = proportion_ci(x.reshape(50, 100), n.reshape(50, 100))
    assert two_d.lower.shape == (50, 100)
    np.testing.assert_array_equal(two_d.lower.ravel(), big.lower)


def test_domain_md_numbers():
    # DOMAIN.md: 5/5 -> 47.8-100 %; 8/8 -> 63.1-100 %; 12/15 -> 51.9-95.7 %
    for x, n, lo, hi in [(5, 5, 47.8, 100.0), (8, 8, 63.1, 100.0), (12, 15, 51.9, 95.7)]:
        ci = proportion_ci(x, n)
        assert round(100 * ci.lower, 1) == lo
        assert round(100 * ci.upper, 1) == hi
    # x = n: lower = (alpha/2)^(1/n) by hand
    assert proportion_ci(5, 5).lower == pytest.approx(0.025 ** (1 / 5), abs=1e-15)


def test_scalar_types_and_fields():
    ci = proportion_ci(12, 15, method="exact")
    assert type(ci.lower) is float and type(ci.upper) is float and type(ci.estimate) is float
    assert ci.method == "clopper-pearson" and ci.alternative == "two-sided" and ci.level == 0.95
    assert (ci.x, ci.n, ci.estimate) == (12, 15, 0.8)
    assert ci.confidence_interval() == (ci.lower, ci.upper)
    frame = ci.to_frame()
    assert list(frame.columns) == ["x", "n", "estimate", "lower", "upper", "level", "method",
                                   "alternative"]
    assert frame.loc[0, "lower"] == ci.lower
    arr = proportion_ci([5, 8], 8)
    frame = arr.to_frame()
    assert frame["n"].tolist() == [8, 8] and frame["method"].tolist() == ["clopper-pearson"] * 2
    assert "ProportionCI(" in repr(ci)


def test_boundary_rules():
    for method in METHODS:
        lo0, hi0 = proportion_ci(0, 7, method=method).confidence_interval()
        lon, hin = proportion_ci(7, 7, method=method).confidence_interval()
        assert lo0 == 0.0 and hin == 1.0, method
        # one-sided conventions
        g = proportion_ci(3, 7, method=method, alternative="greater")
        sl = proportion_ci(3, 7, method=method, alternative="less")
        assert g.upper == 1.0 and sl.lower == 0.0, method
    # wald degenerates at the boundary (its definition), clipped to [0, 1]
    assert proportion_ci(0, 7, method="wald").confidence_interval() == (0.0, 0.0)
    # mid-p at x = 0 by hand: 0.5 (1 - p)^n = alpha / 2  ->  p = 1 - alpha^(1/n)
    assert proportion_ci(0, 7, method="mid-p").upper == pytest.approx(1 - 0.05 ** (1 / 7),
                                                                      abs=1e-14)
    # one-sided Blaker is the one-sided exact bound
    assert proportion_ci(3, 7, method="blaker", alternative="greater").lower == proportion_ci(
        3, 7, alternative="greater").lower


def test_blaker_is_inside_clopper_pearson():
    # Blaker (2000), Theorem 1: the acceptability interval is contained in Clopper-Pearson's
    for n in (1, 5, 12, 30):
        x = np.arange(n + 1)
        b = proportion_ci(x, n, method="blaker")
        cp = proportion_ci(x, n)
        assert np.all(b.lower >= cp.lower - 1e-15) and np.all(b.upper <= cp.upper + 1e-15)


def _acceptability(x, n, p):
    """Blaker's acceptability P(gamma(X) <= gamma(x)), gamma(k) = smaller tail (fuzz 1e-7)."""
    from scipy.stats import binom

    k = np.arange(n + 1)
    g = np.minimum(binom.cdf(k, n, p), binom.sf(k - 1, n, p))
    return binom.pmf(k, n, p)[g <= g[x] * (1 + 1e-7)].sum()


def test_blaker_non_convex_acceptance_set():
    # 116/150 at 95 %: the acceptance set {p: a(p) >= 0.05} starts with a sliver just above a
    # jump of a(p); the lower limit is its start (the smallest interval containing the set)
    lo = proportion_ci(116, 150, method="blaker").lower
    assert _acceptability(116, 150, lo + 1e-10) >= 0.05  # (at lo itself: a tie of two tails)
    assert _acceptability(116, 150, lo - 1e-9) < 0.05
    assert _acceptability(116, 150, lo + 3e-5) < 0.05  # gap after the sliver
    assert _acceptability(116, 150, 0.6989) >= 0.05  # main part
    assert lo == pytest.approx(0.6979226936786, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------

pairs = st.integers(1, 80).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=40, deadline=None)
@given(pairs, st.sampled_from(METHODS), st.floats(0.5, 0.995))
def test_property_ordering_and_symmetry(pair, method, level):
    x, n = pair
    ci = proportion_ci(x, n, method=method, level=level)
    assert 0.0 <= ci.lower <= ci.estimate <= ci.upper <= 1.0 or (
        method == "wald" and ci.lower <= ci.upper
    )
    mirror = proportion_ci(n - x, n, method=method, level=level)
    assert ci.lower == pytest.approx(1 - mirror.upper, abs=1e-12)
    assert ci.upper == pytest.approx(1 - mirror.lower, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(pairs, st.sampled_from(METHODS),
       st.floats(0.5, 0.9), st.floats(0.001, 0.09))
def test_property_nesting_across_levels(pair, method, level, extra):
    x, n = pair
    narrow = proportion_ci(x, n, method=method, level=level)
    wide = proportion_ci(x, n, method=method, level=level + extra)
    assert wide.lower <= narrow.lower + 1e-12
    assert wide.upper >= narrow.upper - 1e-12


@pytest.mark.parametrize("n", [1, 2, 5, 10, 17, 40])
def test_clopper_pearson_coverage_at_least_level(n):
    for level in (0.8, 0.95):
        cov = coverage(n, method="clopper-pearson", level=level)
        assert cov["coverage"].min() >= level - 1e-12


# ---------------------------------------------------------------------------------------------
# binomial_test
# ---------------------------------------------------------------------------------------------


def test_binomial_test_matches_r():
    rows = REF["tests"]
    assert len(rows) > 300
    for row in rows:
        res = binomial_test(row["x"], row["n"], row["p0"], alternative=row["alternative"])
        assert res.pvalue == pytest.approx(row["pvalue"], rel=1e-10, abs=1e-14), row
        assert res.mid_pvalue == pytest.approx(row["mid_pvalue"], rel=1e-10, abs=1e-14), row
        lo, hi = res.confidence_interval()
        assert lo == pytest.approx(row["conf_int"][0], abs=1e-8)
        assert hi == pytest.approx(row["conf_int"][1], abs=1e-8)


def test_binomial_test_by_hand():
    res = binomial_test(5, 5, 0.2)
    assert res.alternative == "greater"
    assert res.pvalue == pytest.approx(0.2**5, rel=1e-12)
    assert res.mid_pvalue == pytest.approx(0.5 * 0.2**5, rel=1e-12)
    assert (res.statistic, res.estimate) == (5, 1.0)
    # two-sided, x = n p exactly: p-value 1 (R)
    assert binomial_test(5, 10, 0.5, alternative="two-sided").pvalue == 1.0


# ---------------------------------------------------------------------------------------------
# beta_posterior
# ---------------------------------------------------------------------------------------------


def test_beta_posterior_matches_r():
    for case in REF["posteriors"]:
        post = beta_posterior(case["x"], case["n"], prior=tuple(case["prior"]))
        assert (post.a, post.b) == pytest.approx((case["a"], case["b"]), abs=1e-12)
        assert post.mean == pytest.approx(case["mean"], abs=1e-12)
        assert post.median == pytest.approx(case["median"], abs=1e-8)
        for iv in case["intervals"]:
            et = post.interval(iv["level"])
            assert et == pytest.approx(tuple(iv["equal_tailed"]), abs=1e-8)
            hpd = post.interval(iv["level"], kind="hpd")
            assert hpd == pytest.approx(tuple(iv["hpd"]), abs=1e-8), case
        for pa in case["prob_above"]:
            assert post.prob_above(pa["p0"]) == pytest.approx(pa["prob"], abs=1e-12)
        for pr in case["predictive"]:
            assert post.predictive_success(pr["m"], pr["k_total"]) == pytest.approx(
                pr["prob"], abs=1e-12)
        for pp in case["predictive_probability"]:
            got = post.predictive_probability(pp["m"], pp["p0"], pp["threshold"])
            assert got == pytest.approx(pp["prob"], abs=1e-12)


def test_beta_posterior_by_hand():
    post = beta_posterior(5, 5)  # Beta(6, 1): density 6 p^5, F(p) = p^6
    assert post.prob_above(0.5) == pytest.approx(1 - 0.5**6, abs=1e-15)
    assert post.interval(0.95, kind="hpd") == pytest.approx((0.05 ** (1 / 6), 1.0), abs=1e-12)
    assert post.predictive_success(1, 6) == pytest.approx(6 / 7, abs=1e-14)  # E[p]
    # HPD is never wider than equal-tailed
    post = beta_posterior(3, 10)
    lo, hi = post.interval(kind="hpd")
    elo, ehi = post.interval()
    assert hi - lo <= ehi - elo


def test_hpd_not_unimodal_is_nan_with_warning():
    post = beta_posterior(0, 0, prior=(0.5, 0.5))
    with pytest.warns(SmallTrialWarning, match="not unimodal"):
        lo, hi = post.interval(kind="hpd")
    assert math.isnan(lo) and math.isnan(hi)


# ---------------------------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------------------------


def test_coverage_matches_r():
    for case in REF["coverage"]:
        for method in ("clopper-pearson", "wilson"):
            cov = coverage(case["n"], method=method, level=case["level"], p=case["p"])
            assert list(cov.columns) == ["p", "coverage"]
            np.testing.assert_allclose(cov["coverage"], case[method], rtol=0, atol=1e-10)


def test_coverage_default_grid():
    cov = coverage(5, method="wald")
    assert len(cov) == 1000 and cov["p"].iloc[0] == 1 / 1001 and cov["p"].iloc[-1] == 1000 / 1001
    # n = 1 Wald covers nothing strictly inside (0, 1): intervals are [0, 0] and [1, 1]
    assert coverage(1, method="wald")["coverage"].max() == 0.0


# ---------------------------------------------------------------------------------------------
# summarize
# ---------------------------------------------------------------------------------------------


def test_summarize():
    df = pd.DataFrame({
        "cohort": ["SLE"] * 5 + ["SSc"] * 3 + ["IIM"],
        "remission": [1, 1, 1, 1, 1, 0, 1, np.nan, np.nan],
    })
    out = summarize(df, response="remission", cohort="cohort")
    assert list(out.columns) == ["cohort", "responders", "n", "not_evaluable", "estimate",
                                 "lower", "upper", "level", "method"]
    assert out["cohort"].tolist() == ["IIM", "SLE", "SSc", "overall"]
    assert out["responders"].tolist() == [0, 5, 1, 6]
    assert out["n"].tolist() == [0, 5, 2, 7]
    assert out["not_evaluable"].tolist() == [1, 0, 1, 2]
    assert math.isnan(out.loc[0, "estimate"]) and math.isnan(out.loc[0, "lower"])
    assert out.loc[1, "lower"] == pytest.approx(0.025 ** 0.2, abs=1e-14)
    ci = proportion_ci(6, 7)
    assert (out.loc[3, "lower"], out.loc[3, "upper"]) == (ci.lower, ci.upper)
    # booleans and categorical order
    df2 = pd.DataFrame({"c": pd.Categorical(["b", "a", "b"], categories=["b", "a"]),
                        "r": [True, False, True]})
    out2 = summarize(df2, response="r", cohort="c", method="wilson", level=0.9)
    assert out2["cohort"].tolist() == ["b", "a", "overall"]
    assert out2["method"].tolist() == ["wilson"] * 3 and out2["level"].tolist() == [0.9] * 3
    assert summarize(df2, response="r")["cohort"].tolist() == ["overall"]


def test_summarize_rejects_non_binary():
    df = pd.DataFrame({"r": [1, 2, 0, "yes"]})
    with pytest.raises(SmallTrialError, match=r"'r'.*2, 'yes'"):
        summarize(df, response="r")
    with pytest.raises(SmallTrialError, match="0.5"):
        summarize(pd.DataFrame({"r": [1.0, 0.5]}), response="r")
    with pytest.raises(SmallTrialError, match="'nope'"):
        summarize(pd.DataFrame({"r": [1]}), response="nope")


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(x=6, n=5), "x=6, n=5"),
        (dict(x=-1, n=5), "x must be >= 0, got -1"),
        (dict(x=1.5, n=5), "x must be a whole number, got 1.5"),
        (dict(x=1, n=0), "n must be >= 1, got 0"),
        (dict(x=float("nan"), n=5), "x must be a whole number"),
        (dict(x=1, n=float("inf")), "n must be a whole number"),
        (dict(x=1, n=5, level=1.0), "level must be in"),
        (dict(x=1, n=5, level=0), "level must be in"),
        (dict(x=1, n=5, method="score"), "method.*'score'"),
        (dict(x=1, n=5, alternative="two.sided"), "alternative.*'two.sided'"),
        (dict(x=True, n=5), "x must be a whole number"),
        (dict(x=[1, 7, 9], n=[5, 5, 5]), "x=7, n=5, x=9, n=5"),
        (dict(x=[1, -2], n=5), "-2"),
        (dict(x=[1, 2.5], n=5), "2.5"),
        (dict(x=[1, 2], n=[5, 0]), "n must be >= 1, got 0"),
        (dict(x=[1, np.nan], n=5), "nan"),
    ],
)
def test_proportion_ci_bad_input(kwargs, match):
    with pytest.raises(SmallTrialError, match=match):
        proportion_ci(**kwargs)


def test_other_bad_input():
    with pytest.raises(SmallTrialError, match="p0 must be in"):
        binomial_test(1, 5, 1.0)
    with pytest.raises(SmallTrialError, match="p0"):
        binomial_test(1, 5, float("nan"))
    with pytest.raises(SmallTrialError, match="alternative"):
        binomial_test(1, 5, 0.2, alternative="up")
    with pytest.raises(SmallTrialError, match="x=6, n=5"):
        binomial_test(6, 5, 0.2)
    with pytest.raises(SmallTrialError, match="prior"):
        beta_posterior(1, 5, prior=(0, 1))
    with pytest.raises(SmallTrialError, match="kind"):
        beta_posterior(1, 5).interval(kind="central")
    with pytest.raises(SmallTrialError, match="p0 must be in"):
        beta_posterior(1, 5).prob_above(1.5)
    with pytest.raises(SmallTrialError, match="m must be"):
        beta_posterior(1, 5).predictive_success(-1, 3)
    with pytest.raises(SmallTrialError, match="p must be"):
        coverage(5, method="wilson", p=[0.5, 1.2])
    with pytest.raises(SmallTrialError, match="method"):
        coverage(5, method="nope")
    with pytest.raises(SmallTrialError, match="n must be >= 1"):
        coverage(0, method="wilson")
    with pytest.raises(SmallTrialError, match="n must be a whole number, got inf"):
        coverage(float("inf"), method="wilson")


def test_no_warnings_on_ordinary_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ALL_METHODS:
            proportion_ci(np.arange(11), 10, method=method)


def test_proportion_ci_rejects_empty_counts():
    with pytest.raises(SmallTrialError, match=r"x and n are empty"):
        proportion_ci([], [])
    # a length-one n broadcasts against x
    ci = proportion_ci([0, 5], [5])
    assert ci.n.tolist() == [5, 5] and ci.upper[1] == 1.0
