"""paired_change: exact Wilcoxon signed-rank against R (coin, wilcox.test) and hand counts."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from hypothesis import given, settings
from hypothesis import strategies as st_

from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial.longitudinal import PairedChange, paired_change
from smalltrial.longitudinal._paired import signed_rank_distribution

CASES = {c["name"]: c for c in load_reference("paired")}
ALTS = {"two.sided": "two-sided", "greater": "greater", "less": "less"}


def long_frame(pre, post):
    """Long data (subject, visit, y) from R's pre/post vectors; NA (None) rows are kept as NaN."""
    rows = []
    for i, (a, b) in enumerate(zip(pre, post, strict=True)):
        rows.append({"id": f"s{i:02d}", "visit": "baseline", "y": np.nan if a is None else a})
        rows.append({"id": f"s{i:02d}", "visit": "month 3", "y": np.nan if b is None else b})
    return pd.DataFrame(rows)


def fit(case, **kw):
    """paired_change on an R case; caveat warnings are checked in dedicated tests."""
    df = long_frame(case["pre"], case["post"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallTrialWarning)
        return paired_change(df, "y", subject="id", time="visit", baseline="baseline",
                             at="month 3", **kw)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("zero_method", ["Wilcoxon", "Pratt"])
@pytest.mark.parametrize("alt", list(ALTS))
def test_exact_pvalue_equals_coin(name, zero_method, alt):
    case = CASES[name]
    r = fit(case, zero_method=zero_method.lower(), alternative=ALTS[alt])
    ref = case[f"coin_{zero_method}"]
    assert r.n == case["n"] and r.n_missing == case["n_missing"]
    if ref[alt] is None:  # all changes zero: coin refuses, we return NaN
        assert math.isnan(r.pvalue)
        return
    assert r.pvalue == pytest.approx(ref[alt], rel=1e-10, abs=1e-14)
    assert r.statistic == pytest.approx(ref[f"V_{alt}"], abs=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_summary_of_change(name):
    case = CASES[name]
    r = fit(case)
    q = case["quantiles"]
    got = [r.min_change, r.q1_change, r.median_change, r.q3_change, r.max_change]
    assert got == pytest.approx(q, rel=1e-12, abs=1e-12)
    assert r.mean_change == pytest.approx(case["mean_change"], rel=1e-12, abs=1e-12)
    assert r.n_nonzero == case["n_nonzero"]
    assert r.ties == case["ties"]
    assert r.pseudo_median == pytest.approx(case["walsh_median"], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if "wilcox" in c])
@pytest.mark.parametrize("alt", list(ALTS))
def test_wilcox_test_exact_branch(name, alt):
    """No ties, no zeros: p, V, pseudo-median and exact CI equal wilcox.test(exact=TRUE)."""
    case = CASES[name]
    ref = case["wilcox"][alt]
    r = fit(case, alternative=ALTS[alt])
    assert r.pvalue == pytest.approx(ref["p"], rel=1e-10)
    assert r.statistic == ref["V"]
    assert r.pseudo_median == pytest.approx(ref["estimate"], rel=1e-12)
    lower = -math.inf if ref["lower"] is None else ref["lower"]
    upper = math.inf if ref["upper"] is None else ref["upper"]
    assert (r.lower, r.upper) == pytest.approx((lower, upper), rel=1e-12)
    r90 = fit(case, level=0.90)
    ref90 = case["wilcox"]["level90"]
    assert (r90.lower, r90.upper) == pytest.approx((ref90["lower"], ref90["upper"]), rel=1e-12)


def test_n5_minimum_attainable_pvalue_domain_fact():
    """DOMAIN.md: with n = 5 the exact two-sided minimum is 2/2^5 = 0.0625 (> 0.05): warn."""
    case = CASES["n5_all_down"]
    with pytest.warns(SmallTrialWarning) as caught:
        r = paired_change(long_frame(case["pre"], case["post"]), "y", subject="id",
                          time="visit", baseline="baseline", at="month 3")
    messages = [str(w.message) for w in caught]
    assert "with 5 non-zero change(s) the smallest attainable exact two-sided p-value is 0.0625 (> 0.05)" in messages
    # R wilcox.test: "requested conf.level not achievable" (qsignrank(0.025, 5) = 0)
    assert "the requested level 0.95 is not achievable with n = 5; the interval is wider" in messages
    assert list(r.warnings) == messages
    assert r.min_attainable_pvalue == 0.0625
    assert r.pvalue == 0.0625  # all five changes negative: the most extreme pattern
    assert any("0.0625" in w for w in r.warnings)
    assert isinstance(r, PairedChange) and "PairedChange(" in repr(r)
    # one-sided: 1/32
    r1 = fit(case, alternative="less")
    assert r1.min_attainable_pvalue == 1 / 32 and r1.pvalue == 1 / 32


def test_ties_ci_not_given_and_missing_counted():
    r = fit(CASES["sledai_ties_zeros"])
    assert math.isnan(r.lower) and math.isnan(r.upper)
    assert r.n == 15 and r.n_missing == 2
    assert set(r.changes.index[r.changes["change"].isna()]) == {"s08", "s09"}
    assert any("excluded" in w for w in r.warnings)


def brute_force(d):
    """Two-sided exact p by listing all 2^m sign patterns of the mid-ranks (Wilcoxon zeros)."""
    d = np.asarray([x for x in d if x != 0], dtype=float)
    a = np.abs(d)
    ranks = np.array([np.sum(a < x) + (np.sum(a == x) + 1) / 2 for x in a])
    v = ranks[d > 0].sum()
    sums = np.array([np.dot(s, ranks) for s in itertools.product([0, 1], repeat=len(d))])
    return min(1.0, 2 * min(np.mean(sums >= v - 1e-9), np.mean(sums <= v + 1e-9)))


@settings(max_examples=40, deadline=None)
@given(st_.lists(st_.integers(-3, 3), min_size=1, max_size=10))
def test_dp_equals_enumeration(changes):
    if not any(changes):
        return
    df = long_frame([0] * len(changes), changes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallTrialWarning)
        r = paired_change(df, "y", subject="id", time="visit", baseline="baseline", at="month 3")
    assert r.pvalue == pytest.approx(brute_force(changes), rel=1e-12)


def test_distribution_hand_counts():
    # ranks 1, 2, 3 (doubled 2, 4, 6): sums 0,1,2,3,3,4,5,6 -> counts 1,1,1,2,1,1,1 over /8
    dist = signed_rank_distribution(np.array([2, 4, 6]))
    nonzero = dist[::2]
    assert nonzero * 8 == pytest.approx([1, 1, 1, 2, 1, 1, 1])
    assert dist.sum() == pytest.approx(1.0)
    # n = 40 distinct ranks runs fast and is symmetric
    big = signed_rank_distribution(2 * np.arange(1, 41))
    assert big == pytest.approx(big[::-1], abs=1e-300)


def test_bad_input():
    df = long_frame([1, 2, 3], [2, 3, 5])
    kw = dict(subject="id", time="visit", baseline="baseline", at="month 3")
    with pytest.raises(SmallTrialError, match="no column 'sledai'"):
        paired_change(df, "sledai", **kw)
    with pytest.raises(SmallTrialError, match="'month 6' is not a value of column 'visit'"):
        paired_change(df, "y", **{**kw, "at": "month 6"})
    with pytest.raises(SmallTrialError, match="baseline='day 0' is not a value"):
        paired_change(df, "y", **{**kw, "baseline": "day 0"})
    bad = df.assign(y=df["y"].astype(object))
    bad.loc[2, "y"] = "high"
    with pytest.raises(SmallTrialError, match=r"column 'y' of data must be numeric; got 'high'"):
        paired_change(bad, "y", **kw)
    dup = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(SmallTrialError, match=r"duplicated \(id, visit\)"):
        paired_change(dup, "y", **kw)
    with pytest.raises(SmallTrialError, match="alternative must be one of"):
        paired_change(df, "y", alternative="two.sided", **kw)
    with pytest.raises(SmallTrialError, match="zero_method must be one of"):
        paired_change(df, "y", zero_method="zsplit", **kw)
    with pytest.raises(SmallTrialError, match="no subject has 'y'"):
        paired_change(df.assign(y=[1, np.nan] * 3), "y", **kw)


# ---- bad input names the argument / column and the value (quality pass) ----


def test_baseline_equal_to_at_is_an_error():
    df = pd.DataFrame({"id": [1, 2, 1, 2], "t": ["a", "a", "b", "b"], "y": [1.0, 2, 3, 4]})
    with pytest.raises(SmallTrialError, match="baseline and at must differ, both are 'a'"):
        paired_change(df, "y", subject="id", time="t", baseline="a", at="a")


def test_infinite_outcome_names_column_value_and_subject():
    df = pd.DataFrame({"id": ["s1", "s2", "s1", "s2"], "t": ["a", "a", "b", "b"],
                       "y": [1.0, 2.0, np.inf, 4.0]})
    with pytest.raises(SmallTrialError, match=r"column 'y' of data must be finite; got inf \(subject 's1'\)"):
        paired_change(df, "y", subject="id", time="t", baseline="a", at="b")


def test_signed_rank_distribution_small_cases_and_bad_scores():
    # R: dsignrank(0:6, 3) (tests/reference/docexamples); one score s: mass 1/2 at 0 and at s
    ref = load_reference("docexamples")["dsignrank_3"]
    np.testing.assert_allclose(signed_rank_distribution([1, 2, 3]), ref, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(signed_rank_distribution(2), [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(signed_rank_distribution([]), [1.0])
    with pytest.raises(SmallTrialError, match=r"scores must be >= 0, got -2"):
        signed_rank_distribution([1, -2])
    with pytest.raises(SmallTrialError, match=r"scores must be whole numbers, got 1.5"):
        signed_rank_distribution([1.5])
