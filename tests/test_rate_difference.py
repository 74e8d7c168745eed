"""Tests of smalltrial.rates.proportion_difference and fisher_exact against R
(tests/reference/rates_diff/make_rates_diff.R: our own R code for the intervals, base R fisher.test)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smalltrial import SmallTrialError
from smalltrial.rates import boschloo_test, fisher_exact, proportion_difference
from tests.conftest import load_reference

REF = load_reference("rates_diff")


def _id(case):
    return f"{case['x1']}/{case['n1']}-{case['x2']}/{case['n2']}@{case['level']}"


@pytest.mark.parametrize("case", REF, ids=_id)
def test_newcombe_matches_r(case):
    d = proportion_difference(case["x1"], case["n1"], case["x2"], case["n2"], method="newcombe",
                              level=case["level"])
    assert d.lower == pytest.approx(case["newcombe"][0], abs=1e-12)
    assert d.upper == pytest.approx(case["newcombe"][1], abs=1e-12)
    assert d.estimate == pytest.approx(case["x1"] / case["n1"] - case["x2"] / case["n2"], abs=1e-15)
    assert math.isnan(d.pvalue)


@pytest.mark.parametrize("case", REF, ids=_id)
def test_miettinen_nurminen_matches_r(case):
    d = proportion_difference(case["x1"], case["n1"], case["x2"], case["n2"],
                              method="miettinen-nurminen", level=case["level"])
    assert d.lower == pytest.approx(case["miettinen_nurminen"][0], abs=1e-8)
    assert d.upper == pytest.approx(case["miettinen_nurminen"][1], abs=1e-8)
    assert d.pvalue == pytest.approx(case["mn_pvalue"], rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("case", [c for c in REF if c["level"] == 0.95], ids=_id)
def test_chan_zhang_matches_r(case):
    d = proportion_difference(case["x1"], case["n1"], case["x2"], case["n2"], method="chan-zhang",
                              level=case["level"])
    # bounds: crossing points of maximised tails, both sides bisected to 1e-11
    assert d.lower == pytest.approx(case["chan_zhang"][0], abs=1e-7)
    assert d.upper == pytest.approx(case["chan_zhang"][1], abs=1e-7)
    assert d.pvalue == pytest.approx(case["cz_pvalue"], rel=1e-7, abs=1e-12)


def test_chan_zhang_level_90():
    case = next(c for c in REF if c["level"] == 0.90 and (c["x1"], c["x2"]) == (12, 5))
    d = proportion_difference(12, 20, 5, 18, method="chan-zhang", level=0.90)
    assert d.lower == pytest.approx(case["chan_zhang"][0], abs=1e-7)
    assert d.upper == pytest.approx(case["chan_zhang"][1], abs=1e-7)


def test_chan_zhang_pvalue_is_barnards_pooled_test():
    # scipy's barnard_exact(pooled=True) is the same test; on a table without tied statistics
    # (scipy drops some exactly tied tables, e.g. 9/10 vs 3/10, where its p-value is smaller)
    from scipy.stats import barnard_exact

    d = proportion_difference(12, 20, 5, 18, method="chan-zhang")
    assert d.pvalue == pytest.approx(barnard_exact([[12, 5], [8, 13]], pooled=True).pvalue, rel=1e-8)


@pytest.mark.parametrize("case", [c for c in REF if c["level"] == 0.95], ids=_id)
def test_fisher_matches_r(case):
    for alternative, key in (("two-sided", "two"), ("greater", "greater"), ("less", "less")):
        t = fisher_exact(case["x1"], case["n1"], case["x2"], case["n2"], alternative=alternative)
        assert t.pvalue == pytest.approx(case["fisher"][key], rel=1e-10), alternative


@pytest.mark.parametrize("case", [c for c in REF if c["level"] == 0.95], ids=_id)
def test_boschloo_matches_r_and_scipy(case):
    from scipy.stats import boschloo_exact

    x1, n1, x2, n2 = case["x1"], case["n1"], case["x2"], case["n2"]
    table = [[x1, x2], [n1 - x1, n2 - x2]]
    for alternative, key in (("two-sided", "two"), ("greater", "greater"), ("less", "less")):
        t = boschloo_test(x1, n1, x2, n2, alternative=alternative)
        assert t.pvalue == pytest.approx(case["boschloo"][key], rel=1e-7, abs=1e-12), alternative
        want = boschloo_exact(table, alternative=alternative).pvalue
        assert t.pvalue == pytest.approx(want, rel=1e-6, abs=1e-12), alternative
    # Boschloo is uniformly at least as powerful as Fisher's test (one-sided)
    assert boschloo_test(x1, n1, x2, n2, alternative="greater").pvalue <= (
        fisher_exact(x1, n1, x2, n2, alternative="greater").pvalue + 1e-12)


def test_hard_cases_by_hand():
    # 0/n vs 0/m and n/n vs n/n: estimate 0, interval contains 0, test p = 1
    for args in ((0, 5, 0, 7), (5, 5, 7, 7)):
        for method in ("newcombe", "miettinen-nurminen", "chan-zhang"):
            d = proportion_difference(*args, method=method)
            assert d.estimate == 0 and d.lower < 0 < d.upper
            if method != "newcombe":
                assert d.pvalue == pytest.approx(1.0)
    # x1 = 0 vs x2 = n: the difference is -1 and the lower bound is -1 exactly
    for method in ("newcombe", "miettinen-nurminen", "chan-zhang"):
        d = proportion_difference(0, 6, 6, 6, method=method)
        assert d.estimate == -1 and d.lower == -1 and d.upper < 0
    # swapping the groups mirrors the interval
    a = proportion_difference(3, 15, 8, 12, method="chan-zhang")
    b = proportion_difference(8, 12, 3, 15, method="chan-zhang")
    assert a.lower == pytest.approx(-b.upper, abs=1e-9) and a.upper == pytest.approx(-b.lower, abs=1e-9)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "delta"), [(3, 10, 7, 12, 0.1), (0, 5, 0, 7, -0.3), (5, 5, 2, 9, 0.6)]
)
def test_restricted_mle_maximises_the_restricted_likelihood(x1, n1, x2, n2, delta):
    from scipy.optimize import minimize_scalar
    from scipy.stats import binom

    from smalltrial._ratediff import _restricted_mle

    q1, q2 = _restricted_mle(np.array(x1 / n1), np.array(x2 / n2), n1, n2, delta)
    res = minimize_scalar(
        lambda p: -(binom.logpmf(x1, n1, p + delta) + binom.logpmf(x2, n2, p)),
        bounds=(max(0, -delta), min(1, 1 - delta)), method="bounded", options={"xatol": 1e-12})
    assert float(q2) == pytest.approx(res.x, abs=1e-6)
    assert float(q1 - q2) == pytest.approx(delta, abs=1e-15)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((1, 0, 1, 5), {}, r"n1 must be >= 1, got 0"),
        ((1, 5, 1, 0), {}, r"n2 must be >= 1, got 0"),
        ((6, 5, 1, 5), {}, r"x1 must be <= n1; got x1=6, n1=5"),
        ((1, 5, -1, 5), {}, r"x2 must be >= 0"),
        ((1.5, 5, 1, 5), {}, r"x1 must be a whole number"),
        ((1, 5, 1, 5), {"method": "wald"}, r"method"),
        ((1, 5, 1, 5), {"level": 95}, r"level"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises(SmallTrialError, match=match):
        proportion_difference(*args, **kwargs)


def test_fisher_bad_input():
    with pytest.raises(SmallTrialError, match="alternative"):
        fisher_exact(1, 5, 2, 5, alternative="two.sided")
    with pytest.raises(SmallTrialError, match="alternative"):
        boschloo_test(1, 5, 2, 5, alternative="two.sided")
    with pytest.raises(SmallTrialError, match=r"n1 must be >= 1, got 0"):
        boschloo_test(0, 0, 2, 5)
    with pytest.raises(SmallTrialError, match=r"x2 must be <= n2"):
        fisher_exact(1, 5, 6, 5)


def test_frame():
    frame = proportion_difference(9, 10, 3, 10, method="miettinen-nurminen").to_frame()
    assert list(frame.columns) == ["x1", "n1", "x2", "n2", "estimate", "lower", "upper", "level",
                                   "method", "pvalue", "test"]
