"""smalltrial.monitoring: toxicity stopping rules and efficacy/futility designs.

Reference values: tests/reference/monitoring/make_monitoring.R, an independent R implementation of
the same rules (pbeta/qbinom for the boundaries, a per-look dbinom convolution for the exact
operating characteristics). Monte-Carlo checks: 10^6 seeded replicates through
smalltrial.simulate's chunked runner, agreement within 3 Monte-Carlo standard errors.

Published tables: none of the method papers (Thall, Simon & Estey 1995; Ivanova, Qaqish &
Schell 2005; Lee & Liu 2008; Zhou, Lee & Yuan 2017) could be read here, so no numbers from them
are used; the checks rely on the two independent computations (R and Monte Carlo), on hand
calculations shown below, and for BOP2 on the boundaries printed in the README of the R package
BOP2FE (package-computed example output; cited at the test).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from smalltrial import SmallTrialError
from smalltrial.monitoring import (
    bop2_design,
    bop2_efficacy_toxicity,
    predictive_probability_design,
    safety_monitoring,
    toxicity_boundary,
)
from tests.conftest import load_reference

REF = load_reference("monitoring")
PS = REF["ps"]


def _nums(values) -> np.ndarray:
    vals = np.atleast_1d(np.asarray(values, dtype=object))
    return np.array([math.nan if v in ("NA", None) else float(v) for v in vals])


def _looks(case):
    return None if case["looks"] is None else list(np.atleast_1d(case["looks"]).astype(int))


# --------------------------------------------------------------------------------- Bayesian rule
@pytest.mark.parametrize("case", REF["bayes"], ids=[c["id"] for c in REF["bayes"]])
def test_bayesian_rule_matches_r(case):
    rule = safety_monitoring(case["n_max"], limit=case["limit"], cutoff=case["cutoff"],
                             prior=tuple(case["prior"]), looks=_looks(case))
    b = rule.boundary
    assert list(b.columns) == ["n", "stop_at"]
    assert b["n"].tolist() == list(np.atleast_1d(case["n"]))
    np.testing.assert_array_equal(b["stop_at"].to_numpy(), _nums(case["stop_at"]))
    oc = rule.operating_characteristics(PS)
    assert list(oc.columns) == ["p", "prob_stop", "expected_n"]
    want = case["oc"]
    np.testing.assert_allclose(oc["prob_stop"], [r["prob_stop"] for r in want], atol=1e-10)
    np.testing.assert_allclose(oc["expected_n"], [r["expected_n"] for r in want], atol=1e-9)
    dist = rule.stopping_distribution(PS)
    for i, r in enumerate(want):
        got = dist.loc[dist["p"] == PS[i], "prob_stop"].to_numpy()
        np.testing.assert_allclose(got, np.atleast_1d(r["stop_by_look"]), atol=1e-10)


def test_bayesian_boundary_by_hand():
    # limit 0.2, uniform prior: one toxicity in one patient gives Beta(2, 1),
    # P(p > 0.2) = 1 - 0.2^2 = 0.96 > 0.9 -> stop at 1 of 1; two of three gives Beta(3, 2),
    # P(p > 0.2) = 1 - P(Bin(4, 0.2) >= 3) = 1 - (4 * 0.2^3 * 0.8 + 0.2^4) = 0.9728 -> stop;
    # one of three gives Beta(2, 3), P(p > 0.2) = P(Bin(4, 0.2) <= 1) = 0.8^4 + 4*0.2*0.8^3
    # = 0.8192 < 0.9 -> continue. So stop_at(1) = 1 and stop_at(3) = 2.
    rule = safety_monitoring(3, limit=0.2, cutoff=0.9)
    assert rule.boundary["stop_at"].tolist() == [1.0, 2.0, 2.0]
    # P(stop) at p: stop at patient 1 w.p. p; else (0 of 1) stop at 2 of 2 w.p. (1-p) p^2 ...
    # at n = 2 with 0 of 1 you stop only if both toxic: impossible (patient 1 was not); at 3 of
    # the trials with 0 of 1: stop with 2 among the next two: (1-p) p^2.
    p = 0.3
    want = p + (1 - p) * p**2
    oc = rule.operating_characteristics([p])
    assert oc.loc[0, "prob_stop"] == pytest.approx(want, abs=1e-14)
    assert oc.loc[0, "expected_n"] == pytest.approx(1 * p + 3 * (1 - p), abs=1e-14)


def test_bayesian_edges():
    rule = safety_monitoring(5, limit=0.3, cutoff=0.8)
    oc = rule.operating_characteristics([0.0, 1.0])
    assert oc["prob_stop"].tolist() == [0.0, 1.0]
    assert oc.loc[0, "expected_n"] == 5.0
    # cut-off so strict that no look can stop: all NaN, never stops
    never = safety_monitoring(3, limit=0.9, cutoff=0.99)
    assert never.boundary["stop_at"].isna().all()
    assert never.operating_characteristics([1.0]).loc[0, "prob_stop"] == 0.0


# --------------------------------------------------------------------------- toxbdry boundaries
@pytest.mark.parametrize("case", REF["toxbdry"], ids=[c["id"] for c in REF["toxbdry"]])
def test_toxicity_boundary_matches_r(case):
    rule = toxicity_boundary(case["n_max"], p0=case["p0"], crossing=case["crossing"],
                             shape=case["delta"], looks=_looks(case))
    np.testing.assert_array_equal(rule.boundary["stop_at"].to_numpy(), _nums(case["stop_at"]))
    oc = rule.operating_characteristics(PS)
    np.testing.assert_allclose(oc["prob_stop"], [r["prob_stop"] for r in case["oc"]], atol=1e-10)
    np.testing.assert_allclose(oc["expected_n"], [r["expected_n"] for r in case["oc"]],
                               atol=1e-9)
    cross = rule.operating_characteristics([case["p0"]]).loc[0, "prob_stop"]
    assert cross == pytest.approx(case["crossing_p0"], abs=1e-10)
    assert cross <= case["crossing"]


def test_toxicity_boundary_shapes():
    poc = toxicity_boundary(30, p0=0.1, crossing=0.1, shape="pocock")
    obf = toxicity_boundary(30, p0=0.1, crossing=0.1, shape="obrien-fleming")
    assert (poc.method, poc.delta, obf.method, obf.delta) == ("pocock", 0.0, "obrien-fleming", 0.5)
    # O'Brien-Fleming spends less early: its early boundary is never below Pocock's
    early_p = poc.boundary["stop_at"].fillna(99).to_numpy()[:5]
    early_o = obf.boundary["stop_at"].fillna(99).to_numpy()[:5]
    assert (early_o >= early_p).all()


# ----------------------------------------------------------------------------------- BOP2 / PP
@pytest.mark.parametrize("case", REF["bop2"], ids=[c["id"] for c in REF["bop2"]])
def test_bop2_matches_r(case):
    looks = list(np.atleast_1d(case["looks"]).astype(int))
    d = bop2_design(case["p0"], case["p1"], n_max=looks[-1], looks=looks[:-1],
                    alpha=case["alpha"], prior=tuple(case["prior"]), lambdas=case["lambdas"],
                    gammas=case["gammas"])
    fut = _nums(case["futility"])
    fut[fut < 0] = math.nan
    np.testing.assert_array_equal(d.boundary["futility_at_most"].to_numpy()[:-1], fut)
    assert d.success_at == case["success_at"]
    assert d.type1_error == pytest.approx(case["type1_error"], abs=1e-10)
    assert d.power == pytest.approx(case["power"], abs=1e-10)
    oc = d.operating_characteristics(PS)
    for col in ("prob_success", "prob_stop_futility", "expected_n"):
        np.testing.assert_allclose(oc[col], [r[col] for r in case["oc"]], atol=1e-9)


@pytest.mark.parametrize("case", REF["pp"], ids=[c["id"] for c in REF["pp"]])
def test_predictive_probability_matches_r(case):
    d = predictive_probability_design(
        case["p0"], 0.99, n_max=case["N"], n_min=case["N"], first_look=case["first"],
        alpha=0.999, power=0.001, prior=tuple(case["prior"]), theta_t=[case["theta_t"]],
        theta_l=[case["theta_l"]])
    assert d.looks == tuple(case["looks"])
    fut = _nums(case["futility"])
    fut[fut < 0] = math.nan
    np.testing.assert_array_equal(d.boundary["futility_at_most"].to_numpy()[:-1], fut)
    assert d.success_at == case["success_at"]
    oc = d.operating_characteristics(PS)
    for col in ("prob_success", "prob_stop_futility", "expected_n"):
        np.testing.assert_allclose(oc[col], [r[col] for r in case["oc"]], atol=1e-9)


def test_predictive_probability_search_meets_constraints():
    d = predictive_probability_design(0.2, 0.4, n_max=40, alpha=0.1, power=0.8)
    assert d.type1_error <= 0.1 and d.power >= 0.8
    oc = d.operating_characteristics([0.2, 0.4])
    assert oc["prob_success"].tolist() == pytest.approx([d.type1_error, d.power], abs=1e-12)
    # a smaller N is infeasible: the search said so by moving on
    with pytest.raises(SmallTrialError, match="best attainable power"):
        predictive_probability_design(0.2, 0.4, n_max=d.n_max - 1, alpha=0.1, power=0.8)


def test_predictive_probability_early_efficacy():
    d = predictive_probability_design(0.2, 0.4, n_max=30, n_min=30, alpha=0.2, power=0.5,
                                      theta_u=0.99)
    assert d.boundary["efficacy_at_least"].iloc[:-1].notna().any()
    oc = d.operating_characteristics([0.4])
    assert oc.loc[0, "prob_stop_efficacy"] > 0


@pytest.mark.parametrize("case", [
    dict(p0=0.2, p1=0.4, n_max=40, alpha=0.1, power=0.8),
    dict(p0=0.15, p1=0.35, n_max=30, alpha=0.1, power=0.8, theta_u=0.95),
    dict(p0=0.2, p1=0.4, n_max=40, alpha=0.1, power=0.8, theta_u=0.99, prior=(0.6, 2.4)),
    dict(p0=0.05, p1=0.25, n_max=35, alpha=0.05, power=0.9, first_look=5),
    dict(p0=0.2, p1=0.4, n_max=14, alpha=0.1, power=0.95),  # infeasible: best power, its N
], ids=["plain", "efficacy", "prior", "first5", "infeasible"])
def test_predictive_probability_batched_search_is_bit_identical(case):
    # the batched search (one recursion pass per (N, theta_t), predictive probabilities once per
    # N) against the straightforward one (every candidate boundary on its own): the same
    # design, every float equal bit for bit (== on the frozen dataclass)
    from smalltrial.monitoring.efficacy import _pp_search

    theta_u = case.get("theta_u", 1.0)
    first = case.get("first_look", 10)
    tt = np.unique(np.round(np.arange(80, 100) / 100, 2))
    tl = np.unique(np.round(np.concatenate([np.arange(1, 10) / 1000, np.arange(1, 21) / 100]), 3))
    args = (case["p0"], case["p1"], first + 1, case["n_max"], first, case["alpha"],
            case["power"], tuple(float(v) for v in case.get("prior", (1, 1))), tt, tl, theta_u)
    fast, slow = _pp_search(*args), _pp_search(*args, batched=False)
    assert fast == slow
    if not isinstance(fast, tuple):
        assert predictive_probability_design(**case) == slow


# ------------------------------------------------------------------------------- Monte Carlo
N_SIM = 1_000_000


def _within(sim, exact, se):
    assert abs(sim - exact) <= 3 * se + 1e-12, (sim, exact, se)


def test_safety_exact_vs_monte_carlo():
    rule = safety_monitoring(20, limit=0.2, cutoff=0.9, prior=(0.5, 1.5))
    ps = [0.15, 0.35]
    sim = rule.simulate(ps, n_sim=N_SIM, seed=20261130, chunk_size=100_000)
    ex = rule.operating_characteristics(ps)
    for i in range(len(ps)):
        _within(sim.loc[i, "prob_stop"], ex.loc[i, "prob_stop"], sim.loc[i, "prob_stop_se"])
        _within(sim.loc[i, "expected_n"], ex.loc[i, "expected_n"], sim.loc[i, "expected_n_se"])


def test_toxbdry_exact_vs_monte_carlo():
    rule = toxicity_boundary(24, p0=0.1, crossing=0.1, shape="obrien-fleming",
                             looks=[6, 12, 18, 24])
    sim = rule.simulate([0.1, 0.3], n_sim=N_SIM, seed=7, chunk_size=100_000)
    ex = rule.operating_characteristics([0.1, 0.3])
    for i in range(2):
        _within(sim.loc[i, "prob_stop"], ex.loc[i, "prob_stop"], sim.loc[i, "prob_stop_se"])
        _within(sim.loc[i, "expected_n"], ex.loc[i, "expected_n"], sim.loc[i, "expected_n_se"])


def test_efficacy_exact_vs_monte_carlo():
    d = predictive_probability_design(0.2, 0.4, n_max=25, n_min=25, alpha=0.2, power=0.5,
                                      theta_u=0.99)
    ps = [0.2, 0.4]
    sim = d.simulate(ps, n_sim=N_SIM, seed=11, chunk_size=100_000)
    ex = d.operating_characteristics(ps)
    for i in range(2):
        for col in ("prob_success", "prob_stop_futility", "prob_stop_efficacy"):
            _within(sim.loc[i, col], ex.loc[i, col], sim.loc[i, f"{col}_se"])
        _within(sim.loc[i, "expected_n"], ex.loc[i, "expected_n"], sim.loc[i, "expected_n_se"])


def test_simulation_same_for_any_n_jobs():
    rule = safety_monitoring(10, limit=0.2, cutoff=0.9)
    a = rule.simulate([0.3], n_sim=5000, seed=3, chunk_size=1000)
    b = rule.simulate([0.3], n_sim=5000, seed=3, chunk_size=1000, n_jobs=2,
                      backend="threading")
    assert a.equals(b)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"limit": 0.0, "cutoff": 0.9}, "limit must be in \\(0, 1\\), got 0.0"),
        ({"limit": 0.2, "cutoff": 1.0}, "cutoff must be in \\(0, 1\\), got 1.0"),
        ({"limit": 0.2, "cutoff": 0.9, "prior": (0, 1)}, "prior must be two positive.*\\(0, 1\\)"),
        ({"limit": 0.2, "cutoff": 0.9, "prior": (1, -2)}, "prior .*-2"),
        ({"limit": 0.2, "cutoff": 0.9, "looks": [5, 3]}, "looks must be increasing.*\\[5, 3\\]"),
        ({"limit": 0.2, "cutoff": 0.9, "looks": [5, 12]}, "looks must be <= n_max = 10"),
    ],
)
def test_safety_bad_input(kwargs, match):
    with pytest.raises(SmallTrialError, match=match):
        safety_monitoring(10, **kwargs)


def test_design_bad_input():
    with pytest.raises(SmallTrialError, match="shape must be one of"):
        toxicity_boundary(10, p0=0.2, shape="haybittle")
    with pytest.raises(SmallTrialError, match="crossing must be in"):
        toxicity_boundary(10, p0=0.2, crossing=1.5)
    with pytest.raises(SmallTrialError, match="p1 must be larger than p0"):
        bop2_design(0.4, 0.2, n_max=20, looks=[10])
    with pytest.raises(SmallTrialError, match="cannot be met.*best attainable power is"):
        predictive_probability_design(0.2, 0.3, n_max=15, alpha=0.05, power=0.9)
    with pytest.raises(SmallTrialError, match="p must be probabilities"):
        safety_monitoring(5, limit=0.2, cutoff=0.9).operating_characteristics([1.2])


# --------------------------------------------------------------------------- tables and figures
def test_boundary_table_reads_the_boundary():
    from smalltrial.monitoring import boundary_table, operating_characteristics_table

    rule = safety_monitoring(10, limit=0.2, cutoff=0.9)  # stop_at 1,2,2,2,2,3,3,3,4,4 (R above)
    t = boundary_table(rule, event="grade >= 3 CRS")
    assert [r.cells[0] for r in t.rows] == ["1", "2\u20135", "6\u20138", "9\u201310"]
    assert t.rows[3].cells[2] == "Stop if >= 4 grade >= 3 CRS among the first 9 to 10"
    assert "Thall, Simon & Estey 1995" in t.footnotes[0]
    full = boundary_table(rule, compact=False)
    assert len(full.rows) == 10
    oc = operating_characteristics_table(rule, [0.2])
    assert oc.rows[0].cells == ("0.2", "0.388", "7.3")  # R: 0.3876..., 7.2751...
    d = bop2_design(0.2, 0.4, n_max=20, looks=[10])
    assert boundary_table(d).rows[-1].cells[2] == ">= 7 (promising)"
    with pytest.raises(SmallTrialError, match="design must be"):
        boundary_table("rule")


def test_figures_draw_the_boundaries():
    import pandas as pd

    from smalltrial import figures

    rule = safety_monitoring(10, limit=0.2, cutoff=0.9)
    ax = figures.monitoring_boundaries(rule)
    line = [ln for ln in ax.get_lines() if ln.get_gid() == "boundary-design"][0]
    assert list(line.get_ydata()) == [1, 2, 2, 2, 2, 3, 3, 3, 4, 4]
    ax = figures.monitoring_boundaries({"a": rule, "b": toxicity_boundary(10, p0=0.2)})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    oc = pd.concat([rule.operating_characteristics([0.1, 0.3]).assign(design="a")])
    ax = figures.operating_characteristics_plot(oc, hue="design")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), oc["prob_stop"])
    with pytest.raises(SmallTrialError, match="data must be"):
        figures.monitoring_boundaries([1, 2])
    with pytest.raises(SmallTrialError, match="has no column"):
        figures.operating_characteristics_plot(oc, y="power")


# ------------------------------------------------------------- BOP2, efficacy and toxicity
@pytest.mark.parametrize("case", REF["joint"], ids=[c["id"] for c in REF["joint"]])
def test_bop2_joint_matches_r(case):
    looks = list(case["looks"])
    d = bop2_efficacy_toxicity(case["phi_e"], case["phi_t"], null=case["null"],
                               alternative=case["alternative"], n_max=looks[-1],
                               looks=looks[:-1], alpha=case["alpha"], lambdas=case["lambdas"],
                               gammas=case["gammas"])
    b = d.boundary
    fut = _nums(case["fut"])
    fut[fut < 0] = math.nan
    np.testing.assert_array_equal(b["futility_at_most"].to_numpy(), fut)
    np.testing.assert_array_equal(b["toxicity_at_least"].to_numpy(), _nums(case["tox"]))
    assert d.type1_error == pytest.approx(case["type1_error"], abs=1e-10)
    assert d.power == pytest.approx(case["power"], abs=1e-10)
    oc = d.operating_characteristics([r["scenario"] for r in case["oc"]])
    for col in ("prob_success", "prob_stop_early", "expected_n"):
        np.testing.assert_allclose(oc[col], [r[col] for r in case["oc"]], atol=1e-10)


def test_bop2_joint_exact_vs_monte_carlo():
    case = REF["joint"][0]
    looks = list(case["looks"])
    d = bop2_efficacy_toxicity(case["phi_e"], case["phi_t"], null=case["null"],
                               alternative=case["alternative"], n_max=looks[-1],
                               looks=looks[:-1], alpha=case["alpha"], lambdas=[0.65],
                               gammas=[1.75])
    scen = [case["null"][0], case["alternative"]]
    sim = d.simulate(scen, n_sim=N_SIM, seed=5, chunk_size=100_000)
    ex = d.operating_characteristics(scen)
    for i in range(2):
        for col in ("prob_success", "prob_stop_early", "expected_n"):
            _within(sim.loc[i, col], ex.loc[i, col], sim.loc[i, f"{col}_se"])


def test_bop2_joint_bad_input():
    ok = dict(null=[[0.06, 0.14, 0.24, 0.56]], alternative=[0.08, 0.32, 0.12, 0.48], n_max=20,
              looks=[10])
    with pytest.raises(SmallTrialError, match="null must be probability vectors"):
        bop2_efficacy_toxicity(0.2, 0.3, **{**ok, "null": [[0.5, 0.5, 0.5, 0.5]]})
    with pytest.raises(SmallTrialError, match="prior must be 4 positive numbers"):
        bop2_efficacy_toxicity(0.2, 0.3, **ok, prior=(1, 1, 0, 1))
    with pytest.raises(SmallTrialError, match="phi_t must be in"):
        bop2_efficacy_toxicity(0.2, 1.3, **ok)


def test_bop2_joint_table():
    from smalltrial.monitoring import boundary_table

    case = REF["joint"][0]  # R: futility 0, 3, 7; toxicity 6, 8, 9 at 10, 20, 30
    d = bop2_efficacy_toxicity(case["phi_e"], case["phi_t"], null=case["null"],
                               alternative=case["alternative"], n_max=30, looks=[10, 20],
                               lambdas=[case["lambda"]], gammas=[case["gamma"]])
    t = boundary_table(d)
    assert [r.cells for r in t.rows] == [("10", "<= 0", ">= 6"), ("20", "<= 3", ">= 8"),
                                         ("30", "<= 7 (not promising)", ">= 9 (not promising)")]


# ----------------------------------------------- published package output: R BOP2FE 1.0.3
# The README of the R package BOP2FE (github.com/belayb/BOP2FE, README.md at commit
# a208063b0e2de4d77c3544481bc99b7d24b24b05, "generated from README.Rmd", i.e. output the package
# computed) prints the boundaries of its selected designs. BOP2FE (Xu et al. 2025) adds
# efficacy stopping to BOP2, but its futility and toxicity boundaries are BOP2's, computed
# separately from the efficacy ones (R/utils.R get_cf_cs_values: cf = lambda (n/N)^gamma;
# R/binary_endpoint.R and R/efftox_endpoint.R: futility/toxicity stop when the posterior
# probability of a good outcome is < cf, prior = the null cell probabilities).
def test_bop2_futility_boundary_equals_bop2fe_readme():
    # README "Binary endpoint": H0 = 0.2, n = c(10, 5, 5, 5, 5, 5, 5), selected lambda = 0.9,
    # gamma = 1: "Futility boundary 1 2 3 5 7 9 11" (IA1..IA6, FA)
    d = bop2_design(0.2, 0.4, n_max=40, looks=[10, 15, 20, 25, 30, 35], alpha=0.99,
                    lambdas=[0.9], gammas=[1])
    assert d.boundary["futility_at_most"].tolist() == [1, 2, 3, 5, 7, 9, 11]


def test_bop2_joint_boundaries_equal_bop2fe_readme():
    # README "Joint endpoint": H0 = c(0.15, 0.30, 0.15, 0.40) (response & toxicity, response
    # only, toxicity only, neither), so phi_E = 0.45 and phi_T = 0.30; prior = H0; n = c(10, 5,
    # 5, 5, 5, 5, 5); selected lambda = 0.7, gamma = 0.8: "Futility boundary (OR) 3 5 8 11 13
    # 16 19" and "Futility boundary (Tox) 5 6 7 8 9 10 11" (stop when responders <= the first,
    # or toxicities >= the second).
    h0 = [0.15, 0.30, 0.15, 0.40]
    d = bop2_efficacy_toxicity(0.45, 0.30, null=[h0], alternative=[0.18, 0.42, 0.02, 0.38],
                               n_max=40, looks=[10, 15, 20, 25, 30, 35], alpha=0.99, prior=h0,
                               lambdas=[0.7], gammas=[0.8])
    assert d.boundary["futility_at_most"].tolist() == [3, 5, 8, 11, 13, 16, 19]
    assert d.boundary["toxicity_at_least"].tolist() == [5, 6, 7, 8, 9, 10, 11]
    # the toxicity cut-off is the efficacy one, C(n) = 1 - lambda (n/N)^gamma: BOP2-TE's later
    # stricter early toxicity cut-off 1 - lambda (n/N)^(gamma/3) (Chen, Zhou, Lee & Yuan 2024,
    # arXiv:2408.05816) would stop at 4, 5, 6, 7 toxicities at the first four looks instead
    from scipy.special import betaincc

    def first_stop(n, exponent):
        x = np.arange(n + 1)
        above = betaincc(0.30 + x, 0.70 + n - x, 0.30)  # Pr(p_T > 0.3), prior Beta(0.3, 0.7)
        return int(np.flatnonzero(above > 1 - 0.7 * (n / 40) ** exponent)[0])

    assert [first_stop(n, 0.8) for n in (10, 15, 20, 25)] == [5, 6, 7, 8]
    assert [first_stop(n, 0.8 / 3) for n in (10, 15, 20, 25)] == [4, 5, 6, 7]


def test_monitoring_simulation_on_dask_gives_the_same_numbers():
    distributed = pytest.importorskip("distributed")

    rule = safety_monitoring(12, limit=0.2, cutoff=0.9)
    kwargs = dict(n_sim=6_000, seed=2, chunk_size=1_500)
    serial = rule.simulate([0.15, 0.35], **kwargs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = rule.simulate([0.15, 0.35], backend="dask", n_jobs=-1, **kwargs)
    assert serial.equals(on_dask)
