"""Stress test of mixed_model's optimiser and Kenward-Roger layer against lme4 + pbkrtest.

320 synthetic data sets (tests/reference/mixed_stress/make_mixed_stress.R generates them,
seeded, and writes them to mixed_stress.csv; this test fits the same rows): ``y ~ month`` with
a random intercept or a correlated random intercept and slope, 5 to 40 subjects, months 0, 1,
3, 6, 12, balanced or with ~30% of the later visits dropped, and variance scenarios from
typical (intercept SD 2, slope SD 0.5, residual SD 2) to near-singular and singular (intercept
or slope SD 0 or tiny, perfect correlation, no between-subject variation at all).

The reference optimum is lme4's better REML criterion of nloptwrap with tight tolerances and
bobyqa (lme4 1.1-31); KR SE and df per coefficient are pbkrtest 0.5.2's ``vcovAdj`` and
``Lb_ddf`` at that optimum. Required, on every data set: no exception, ``converged``, and a
REML criterion no worse than lme4's + 1e-6. Where the two optima agree (|difference| < 1e-6),
the estimates, KR standard errors and df agree to 1e-4 (relative) and the singular flag agrees
unless ours is the lower criterion on the boundary.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, load_reference

from smalltrial.longitudinal import mixed_model

REF = load_reference("mixed_stress")
FITS = {r["id"]: r for r in REF["fits"]}
DATA = pd.read_csv(REFERENCE / "mixed_stress" / "mixed_stress.csv")
AGREE = 1e-6  # REML criteria this close: the same optimum
RTOL = 1e-4

# Data sets where our REML criterion is lower than lme4's best by more than AGREE (lme4 stops
# short of the optimum even with two optimisers and tight tolerances). Found by this test;
# kept here so that a change in either direction is noticed.
BETTER_THAN_LME4 = {196}


@pytest.fixture(scope="module")
def fits():
    out = {}
    for i, d in DATA.groupby("id", sort=True):
        r = FITS[i]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # singular-fit warnings are expected here
            out[i] = mixed_model("y ~ month", d, subject="subject", random=r["random"])
    return out


def test_the_design_covers_what_the_issue_asks():
    assert len(FITS) >= 300
    assert {r["subjects"] for r in FITS.values()} >= {5, 40}
    assert {r["random"] for r in FITS.values()} == {"1", "1 + month"}
    assert {r["dropped"] for r in FITS.values()} == {True, False}
    assert sum(r["singular"] for r in FITS.values()) >= 50  # boundary optima are well covered
    assert set(DATA["id"]) == set(FITS)


def test_reml_criterion_never_worse_than_lme4(fits):
    worse = {i: fits[i].reml_criterion - r["reml"] for i, r in FITS.items()
             if fits[i].reml_criterion > r["reml"] + AGREE}
    assert worse == {}
    assert all(fits[i].converged for i in FITS)


def test_where_lme4_stops_short_it_is_recorded(fits):
    better = {i for i, r in FITS.items() if fits[i].reml_criterion < r["reml"] - AGREE}
    assert better == BETTER_THAN_LME4


@pytest.mark.parametrize("what", ["estimate", "kr_std_error", "kr_df", "sigma"])
def test_estimates_kr_se_and_df_match_pbkrtest_where_the_optimum_agrees(fits, what):
    column = {"estimate": "estimate", "kr_std_error": "std_error", "kr_df": "df"}
    compared = 0
    for i, r in FITS.items():
        fit = fits[i]
        if abs(fit.reml_criterion - r["reml"]) >= AGREE:
            continue
        if what == "sigma":
            actual, expected = fit.sigma, r["sigma"]
        else:
            actual, expected = fit.fixed_effects[column[what]].to_numpy(), r[what]
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=1e-10,
                                   err_msg=f"data set {i} ({r['scenario']}, {r['random']})")
        compared += 1
    assert compared >= len(FITS) - len(BETTER_THAN_LME4)


def test_singular_only_on_the_boundary(fits):
    for i, r in FITS.items():
        fit = fits[i]
        if abs(fit.reml_criterion - r["reml"]) >= AGREE or fit.singular == r["singular"]:
            continue
        # the flags differ only where ours is the (slightly) lower criterion on the boundary
        assert fit.singular and fit.reml_criterion <= r["reml"], i


KR = load_reference("mixed_stress", "kr_constants")


def _kr_object(case):
    from smalltrial.longitudinal._smalldf import KenwardRoger

    V0 = np.atleast_2d(np.asarray(case["V0"], float))
    P = np.array([np.atleast_2d(np.asarray(p, float)) for p in case["P"]])
    W = np.atleast_2d(np.asarray(case["W"], float))
    return KenwardRoger(vcov=V0, vcov_adj=V0, P=P, W=W, information=W, condition=1.0)


@pytest.mark.parametrize("case", KR["cases"], ids=[c["name"] for c in KR["cases"]])
def test_kr_ddf_at_the_corners_of_the_formula_equals_pbkrtest(case):
    # hand-made P and W (make_kr_constants.R) that hit A1 = A2 = 1/2 (V2 = 0), A1 = A2 = 1
    # (1 - A2/q = V1 = 0) and general q = 1, 2 cases; pbkrtest::Lb_ddf computed in R
    from smalltrial.longitudinal._smalldf import kr_ddf

    L = np.atleast_2d(np.asarray(case["L"], float))
    assert kr_ddf(L, _kr_object(case)) == pytest.approx(case["ddf"], rel=1e-10)


def test_kr_ddf_single_contrast_is_two_over_A1_without_division_errors():
    # q = 1: ddf = 2 / A1 (hand algebra in _kr_constants' docstring); exact binary fractions
    # at pbkrtest's zero denominators; A2 = 0 is the limit Inf; no exception anywhere
    from smalltrial.longitudinal._smalldf import _kr_constants

    assert _kr_constants(1, 0.5, 0.5) == 4.0
    assert _kr_constants(1, 1.0, 1.0) == 2.0
    assert _kr_constants(1, 0.0, 0.0) == float("inf")
    assert _kr_constants(3, 0.0, 0.0) == float("inf")
    for A in np.linspace(0.01, 3, 300):
        assert _kr_constants(1, A, A) == pytest.approx(2 / A, rel=1e-12)
    # q > 1 at the zero denominators of the general formula: a number or Inf/NaN, never an error
    for q in (2, 3):
        for A1 in (0.0, 0.5, 1.0, 2.0):
            for A2 in (0.5, 1.0, q / 1.0, 2.0):
                _kr_constants(q, A1, A2)
