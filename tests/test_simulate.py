"""smalltrial.simulate: exact operating characteristics and reproducible Monte Carlo."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from scipy.stats import beta, binom

from smalltrial import SmallTrialError
from smalltrial.simulate import (
    MultiStageDesign,
    as_multistage,
    bayesian_design,
    exact_operating_characteristics,
    operating_characteristics,
    single_stage,
)

SIMON_OPTIMAL_01_03 = MultiStageDesign(n=(10, 29), futility=(1,), r=5)


def test_single_stage_exact_equals_binomial_tail():
    oc = exact_operating_characteristics(single_stage(5, 2), [0.0, 0.2, 0.5, 1.0])
    expected = [binom.sf(2, 5, p) for p in (0.0, 0.2, 0.5, 1.0)]
    np.testing.assert_allclose(oc["reject"], expected, rtol=0, atol=1e-12)
    assert oc["reject"].iloc[1] == pytest.approx(0.05792, abs=1e-12)  # 10*.2^3*.8^2+5*.2^4*.8+.2^5
    assert (oc["pet"] == 0).all() and (oc["expected_n"] == 5).all()


def test_two_stage_exact_by_hand_and_simon_1989():
    # Simon (1989), Table 1, p0 = 0.10, p1 = 0.30, alpha 0.05, power 0.80, optimal: 1/10, 5/29,
    # EN(p0) = 15.0, PET(p0) = 0.74.
    oc = exact_operating_characteristics(SIMON_OPTIMAL_01_03, [0.1, 0.3]).set_index("p")
    pet0 = binom.cdf(1, 10, 0.1)
    assert oc.loc[0.1, "pet"] == pytest.approx(pet0, abs=1e-12)
    assert oc.loc[0.1, "expected_n"] == pytest.approx(10 + 19 * (1 - pet0), abs=1e-10)
    assert round(oc.loc[0.1, "expected_n"], 1) == 15.0 and round(oc.loc[0.1, "pet"], 2) == 0.74
    # reject = sum over x1 > 1 of P(X1 = x1) P(X2 > 5 - x1), written out independently
    for p in (0.1, 0.3):
        by_hand = sum(binom.pmf(x1, 10, p) * binom.sf(5 - x1, 19, p) for x1 in range(2, 11))
        assert oc.loc[p, "reject"] == pytest.approx(by_hand, abs=1e-12)
    assert oc.loc[0.1, "reject"] <= 0.05 and oc.loc[0.3, "reject"] >= 0.80


def test_simon_design_objects_are_accepted_by_duck_typing():
    simon = types.SimpleNamespace(r1=1, n1=10, r=5, n=29)
    assert as_multistage(simon) == MultiStageDesign(
        n=(10, 29), futility=(1,), r=5, label="Simon two-stage 1/10, 5/29"
    )
    with pytest.raises(SmallTrialError, match="r1, n1, r, n"):
        as_multistage(object())


def test_bayesian_boundaries_match_the_posterior():
    d = bayesian_design(20, 0.2, threshold=0.9, looks=(8,), futility=0.1, prior=(0.5, 0.5))
    post = lambda x, n: beta.sf(0.2, 0.5 + x, 0.5 + n - x)  # noqa: E731
    # final boundary r: the largest count whose posterior probability is below the threshold
    assert post(d.r, 20) < 0.9 <= post(d.r + 1, 20)
    f = d.futility[0]
    assert post(f, 8) < 0.1 <= post(f + 1, 8)
    assert d.n == (8, 20)


def test_monte_carlo_agrees_with_exact_and_is_reproducible():
    ps = [0.1, 0.3]
    exact = exact_operating_characteristics(SIMON_OPTIMAL_01_03, ps)
    mc = operating_characteristics(SIMON_OPTIMAL_01_03, ps, n_sim=60_000, seed=11,
                                   chunk_size=7_000)
    for col in ("reject", "pet", "expected_n"):
        z = (mc[col] - exact[col]).abs() / mc[f"{col}_se"]
        assert (z < 4.5).all(), (col, z.tolist())
    again = operating_characteristics(SIMON_OPTIMAL_01_03, ps, n_sim=60_000, seed=11,
                                      chunk_size=7_000)
    assert mc.equals(again)
    other = operating_characteristics(SIMON_OPTIMAL_01_03, ps, n_sim=60_000, seed=12,
                                      chunk_size=7_000)
    assert not mc["reject"].equals(other["reject"])


def test_results_do_not_depend_on_workers_or_backend():
    kwargs = dict(n_sim=9_000, seed=5, chunk_size=2_000)
    serial = operating_characteristics(SIMON_OPTIMAL_01_03, [0.2], **kwargs)
    threads = operating_characteristics(SIMON_OPTIMAL_01_03, [0.2], n_jobs=2,
                                        backend="threading", **kwargs)
    procs = operating_characteristics(SIMON_OPTIMAL_01_03, [0.2], n_jobs=2, **kwargs)
    assert serial.equals(threads) and serial.equals(procs)


def test_dask_local_cluster_gives_the_same_numbers():
    distributed = pytest.importorskip("distributed")
    kwargs = dict(n_sim=6_000, seed=2, chunk_size=1_500)
    serial = operating_characteristics(single_stage(12, 3), [0.15, 0.35], **kwargs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = operating_characteristics(single_stage(12, 3), [0.15, 0.35],
                                            backend="dask", n_jobs=-1, **kwargs)
    assert serial.equals(on_dask)


def test_edge_probabilities_are_exact_in_simulation():
    mc = operating_characteristics(single_stage(5, 2), [0.0, 1.0], n_sim=1_000, seed=0)
    assert mc["reject"].tolist() == [0.0, 1.0]
    assert mc["reject_se"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: single_stage(0, 0), "n must be >= 1"),
        (lambda: single_stage(5, 1.5), "r must be a whole number"),
        (lambda: MultiStageDesign(n=(10, 5), futility=(1,), r=2), "increasing"),
        (lambda: MultiStageDesign(n=(10, 20), futility=(), r=2), "one boundary per interim"),
        (lambda: bayesian_design(10, 1.2), "p0 must be in"),
        (lambda: bayesian_design(10, 0.2, looks=(12,)), "looks must be increasing and < n"),
        (lambda: exact_operating_characteristics(single_stage(5, 2), [1.5]), "p must be"),
        (lambda: operating_characteristics(single_stage(5, 2), [0.2], n_sim=0), "n_sim"),
        (lambda: operating_characteristics(single_stage(5, 2), [0.2], backend="spark"),
         "backend must be one of"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(SmallTrialError, match=match):
        call()


def test_monte_carlo_standard_error_formula():
    mc = operating_characteristics(single_stage(10, 4), [0.4], n_sim=5_000, seed=3)
    r = mc.loc[0, "reject"]
    assert mc.loc[0, "reject_se"] == pytest.approx(math.sqrt(r * (1 - r) / 5_000), rel=1e-12)


# ---- bad input names the argument and the value (quality pass) ----


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"means": [10]}, r"means must be >= 2 finite visit means, got \[10\]"),
        ({"means": [10, float("nan")]}, r"means must be >= 2 finite visit means"),
        ({"sd_intercept": 0}, r"sd_intercept must be a positive number, got 0"),
        ({"sd_residual": -1.0}, r"sd_residual must be a positive number, got -1.0"),
        ({"visits": ["a", "a"]}, r"visits must be 2 distinct labels, got \['a', 'a'\]"),
        ({"at": "visit 0"}, r"at must be a post-baseline visit of \('visit 1',\), got 'visit 0'"),
        ({"df_method": "bogus"}, r"df_method must be one of .*'kenward-roger'.*got 'bogus'"),
        ({"n_jobs": "x"}, r"n_jobs must be a non-zero whole number, got 'x'"),
        ({"n_jobs": 0}, r"n_jobs must be a non-zero whole number, got 0"),
        ({"backend": "spark"}, r"backend must be one of .*got 'spark'"),
    ],
)
def test_mixed_model_power_bad_input(kwargs, match):
    from smalltrial.simulate import mixed_model_power

    args = {"means": [10, 4], "n_subjects": 4, "sd_intercept": 1.0, "sd_residual": 1.0,
            "n_sim": 2}
    args.update(kwargs)
    # a bad df_method used to give power NaN (every replicate "failed"), not an error
    with pytest.raises(SmallTrialError, match=match):
        mixed_model_power(**args)


def test_design_bad_input_messages():
    with pytest.raises(SmallTrialError, match=r"n must start at >= 1 patient, got \(0, 5\)"):
        MultiStageDesign(n=(0, 5), futility=(0,), r=1)
    with pytest.raises(SmallTrialError, match=r"r must be in \[-1, 5\], got 6"):
        MultiStageDesign(n=(5,), futility=(), r=6)
    for prior in [(1.0,), (1.0, 0.0), ("a", "b"), (1.0, float("inf"))]:
        with pytest.raises(SmallTrialError, match="prior must be two positive Beta parameters"):
            bayesian_design(10, 0.2, prior=prior)
    with pytest.raises(SmallTrialError, match=r"n_jobs must be a non-zero whole number, got 'x'"):
        operating_characteristics(single_stage(5, 2), [0.2], n_sim=10, n_jobs="x")


def test_power_confidence_interval_is_clopper_pearson():
    from conftest import load_reference

    from smalltrial.simulate import PowerResult

    # R (tests/reference/docexamples/make_docexamples.R): binom.test(9, 10)$conf.int and
    # binom.test(0, 4, conf.level = 0.9)$conf.int; 1 of 11 replicates failed to fit
    ref = load_reference("docexamples")["clopper_pearson"]
    r = PowerResult(power=0.9, se=0.0, n_sim=11, n_failed=1, alpha=0.05,
                    df_method="kenward-roger", n_subjects=6, visits=("a", "b"))
    np.testing.assert_allclose(r.confidence_interval(), ref["k9_m10"], rtol=1e-8)
    zero = PowerResult(power=0.0, se=0.0, n_sim=4, n_failed=0, alpha=0.05,
                       df_method="residual", n_subjects=3, visits=("a", "b"))
    np.testing.assert_allclose(zero.confidence_interval(0.9), ref["k0_m4_level90"], rtol=1e-8)
    assert zero.confidence_interval(0.9)[1] == pytest.approx(1 - 0.05 ** (1 / 4), abs=1e-12)
    with pytest.raises(SmallTrialError, match="level must be in"):
        zero.confidence_interval(1.5)


def test_mixed_model_power_equals_paired_t_power():
    # Two visits, complete balanced data, random intercept: the Kenward-Roger test of the change
    # is the paired t-test (df = n - 1). Its power is the noncentral-t tail:
    # delta = 6 / (3 * sqrt(2)) * sqrt(6), df = 5.
    from scipy.stats import nct, t

    from smalltrial.simulate import mixed_model_power

    res = mixed_model_power(means=[10, 4], n_subjects=6, sd_intercept=2, sd_residual=3,
                            n_sim=120, seed=4)
    delta = 6 / (3 * math.sqrt(2)) * math.sqrt(6)
    crit = t.ppf(0.975, 5)
    exact_power = nct.sf(crit, 5, delta) + nct.cdf(-crit, 5, delta)
    assert res.n_failed == 0 and res.n_sim == 120
    assert abs(res.power - exact_power) < 4 * math.sqrt(exact_power * (1 - exact_power) / 120)
    lo, hi = res.confidence_interval()
    assert lo < res.power < hi
    with pytest.raises(SmallTrialError, match="at must be a post-baseline visit"):
        mixed_model_power(means=[1, 2], n_subjects=4, sd_intercept=1, sd_residual=1,
                          at="visit 0", n_sim=1)
