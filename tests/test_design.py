"""Tests of smalltrial.design: Simon (1989) tables, R (tests/reference/design/make_design.R),
and exact properties of the two-stage inference."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from scipy.stats import binom

from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial.design import (
    admissible_designs,
    simon_two_stage,
    two_stage_inference,
)
from tests.conftest import load_reference

REF = load_reference("design")
SIMON = load_reference("design", "simon1989")


@pytest.mark.parametrize("row", SIMON["rows"], ids=lambda r: f"{r['p0']}-{r['p1']}-{r['beta']}-{r['criterion']}")
def test_simon_1989_published_designs(row):
    d = simon_two_stage(row["p0"], row["p1"], alpha=row["alpha"], power=1 - row["beta"],
                        criterion=row["criterion"], nmax=70)
    assert (d.r1, d.n1, d.r, d.n) == (row["r1"], row["n1"], row["r"], row["n"])
    assert round(d.expected_n0, 1) == row["expected_n0"]
    assert round(d.pet0, 2) == row["pet0"]
    assert d.type1_error < row["alpha"] and d.power > 1 - row["beta"]


@pytest.mark.parametrize("case", REF["designs"], ids=lambda c: f"{c['p0']}-{c['p1']}-{c['alpha']}-{c['power']}")
def test_designs_match_r_search(case):
    for criterion in ("optimal", "minimax"):
        d = simon_two_stage(case["p0"], case["p1"], alpha=case["alpha"], power=case["power"],
                            criterion=criterion, nmax=case["nmax"])
        ref = case[criterion]
        assert (d.r1, d.n1, d.r, d.n) == (ref["r1"], ref["n1"], ref["r"], ref["n"])
        for field in ("expected_n0", "pet0", "type1_error", "power"):
            assert getattr(d, field) == pytest.approx(ref[field], abs=1e-10)
        assert d.criterion == criterion and (d.p0, d.p1) == (case["p0"], case["p1"])
    # admissible designs: minimisers of q n + (1 - q) EN0 over R's best design for each n
    best = case["best_per_n"]
    adm = admissible_designs(case["p0"], case["p1"], alpha=case["alpha"], power=case["power"],
                             nmax=case["nmax"])
    assert adm["weight_low"].iloc[-1] == 0.0 and adm["weight_high"].iloc[0] == 1.0
    for q in np.linspace(0.0, 1.0, 41):
        loss = [q * b["n"] + (1 - q) * b["expected_n0"] for b in best]
        winner = best[int(np.argmin(loss))]
        hit = adm[(adm["weight_low"] <= q + 1e-12) & (adm["weight_high"] >= q - 1e-12)]
        assert len(hit) >= 1
        assert min(q * hit["n"] + (1 - q) * hit["expected_n0"]) == pytest.approx(min(loss),
                                                                                abs=1e-9)
        if len(hit) == 1:
            assert (hit["n"].iloc[0], hit["n1"].iloc[0]) == (winner["n"], winner["n1"])


def test_admissible_weights_and_operating_characteristics():
    opt = simon_two_stage(0.2, 0.4)
    mm = simon_two_stage(0.2, 0.4, criterion="minimax")
    a0 = simon_two_stage(0.2, 0.4, criterion="admissible", weight=0.0)
    a1 = simon_two_stage(0.2, 0.4, criterion="admissible", weight=1.0)
    assert (a0.r1, a0.n1, a0.r, a0.n) == (opt.r1, opt.n1, opt.r, opt.n)
    assert (a1.r1, a1.n1, a1.r, a1.n) == (mm.r1, mm.n1, mm.r, mm.n)
    assert opt.weight_low == 0.0 and mm.weight_high == 1.0
    mid = simon_two_stage(0.2, 0.4, criterion="admissible", weight=0.15)
    assert mid.weight_low <= 0.15 <= mid.weight_high
    oc = opt.operating_characteristics([0.2, 0.4])
    assert oc["reject"].tolist() == pytest.approx([opt.type1_error, opt.power], abs=1e-14)
    assert oc["pet"].iloc[0] == pytest.approx(binom.cdf(3, 13, 0.2), abs=1e-15)
    assert oc["expected_n"].iloc[0] == pytest.approx(opt.expected_n0, abs=1e-12)
    # 0.1 vs 0.3 optimal by hand: PET = P(X1 <= 1 | 10, 0.1)
    d = simon_two_stage(0.1, 0.3)
    pet = 0.9**10 + 10 * 0.1 * 0.9**9
    assert d.pet0 == pytest.approx(pet, abs=1e-15)
    assert d.expected_n0 == pytest.approx(10 + 19 * (1 - pet), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# two_stage_inference
# ---------------------------------------------------------------------------------------------


def _design(row):
    r1, n1, r, n = row["design"]
    return types.SimpleNamespace(r1=r1, n1=n1, r=r, n=n, p0=row["p0"])


def test_inference_matches_r():
    rows = REF["inference"]
    assert len(rows) > 500
    for row in rows:
        d = _design(row)
        planned = (row["n1_observed"], row["n_observed"]) in ((d.n1, d.n), (d.n1, d.n1))
        kwargs = {} if planned else {"n1_observed": row["n1_observed"],
                                     "n_observed": row["n_observed"]}
        if planned:
            res = two_stage_inference(row["x"], d, level=row["level"])
        else:
            with pytest.warns(SmallTrialWarning, match="attained sample sizes"):
                res = two_stage_inference(row["x"], d, level=row["level"], **kwargs)
        assert (res.stage, res.n1_observed, res.n_observed) == (
            row["stage"], row["n1_observed"], row["n_observed"])
        assert res.pvalue == pytest.approx(row["pvalue"], rel=1e-10, abs=1e-15)
        assert res.umvue == pytest.approx(row["umvue"], abs=1e-12)
        assert res.lower == pytest.approx(row["lower"], abs=1e-8)
        assert res.upper == pytest.approx(row["upper"], abs=1e-8)
        assert res.mle == row["x"] / row["n_observed"]


def _outcomes(r1, n1, n):
    """All outcomes (x, n_observed) of a two-stage trial run as planned."""
    out = [(x, n1) for x in range(r1 + 1)]
    out += [(x, n) for x in range(r1 + 1, n + 1)]
    return out


def _prob(x, n_obs, r1, n1, n, p):
    if n_obs == n1:
        return binom.pmf(x, n1, p)
    x1 = np.arange(r1 + 1, n1 + 1)
    return float((binom.pmf(x1, n1, p) * binom.pmf(x - x1, n - n1, p)).sum())


def test_umvue_is_unbiased_and_ci_covers():
    d = simon_two_stage(0.1, 0.3)  # 1/10, 5/29
    outs = _outcomes(d.r1, d.n1, d.n)
    results = {o: two_stage_inference(o[0], d, n_observed=o[1]) for o in outs}
    for p in (0.03, 0.1, 0.25, 0.5, 0.8):
        probs = np.array([_prob(x, m, d.r1, d.n1, d.n, p) for x, m in outs])
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
        umvue = np.array([results[o].umvue for o in outs])
        assert (probs * umvue).sum() == pytest.approx(p, abs=1e-12)  # E[UMVUE] = p exactly
        covered = np.array([results[o].lower <= p <= results[o].upper for o in outs])
        assert (probs * covered).sum() >= 0.95 - 1e-12
    # the p-value of the smallest rejecting outcome is the design's type I error
    assert results[(d.r + 1, d.n)].pvalue == pytest.approx(d.type1_error, abs=1e-15)
    assert results[(d.r, d.n)].pvalue > 0.05
    # stopping after stage 1: exact binomial test and Clopper-Pearson interval for x1/n1
    res = results[(0, 10)]
    assert res.pvalue == 1.0 and res.lower == 0.0 and res.umvue == 0.0
    assert res.upper == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-14)
    assert res.stage == 1 and res.confidence_interval() == (res.lower, res.upper)


def test_inference_x1_and_bad_input():
    d = simon_two_stage(0.1, 0.3)  # 1/10, 5/29
    res = two_stage_inference(6, d, x1=3)
    assert res.stage == 2 and res.n_observed == 29
    with pytest.raises(SmallTrialError, match="x1=1 <= r1=1"):
        two_stage_inference(6, d, x1=1)
    with pytest.raises(SmallTrialError, match="x1=5 is inconsistent"):
        two_stage_inference(4, d, x1=5)
    with pytest.raises(SmallTrialError, match="x=30, n_observed=29"):
        two_stage_inference(30, d)
    with pytest.raises(SmallTrialError, match="would have continued"):
        two_stage_inference(3, d, n_observed=10)
    with pytest.raises(SmallTrialError, match="stopping rule was not followed"):
        two_stage_inference(1, d, n_observed=29)
    with pytest.raises(SmallTrialError, match="x must be >= 0"):
        two_stage_inference(-1, d)
    with pytest.raises(SmallTrialError, match="level"):
        two_stage_inference(6, d, level=1.5)
    with pytest.raises(SmallTrialError, match="p0 must be given"):
        two_stage_inference(6, types.SimpleNamespace(r1=1, n1=10, r=5, n=29))
    with pytest.raises(SmallTrialError, match="r1, n1, r and n"):
        two_stage_inference(6, object())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(p0=0.0, p1=0.3), "p0 must be in"),
        (dict(p0=0.1, p1=1.2), "p1 must be in"),
        (dict(p0=0.3, p1=0.3), "p1 must be > p0; got p1=0.3, p0=0.3"),
        (dict(p0=0.4, p1=0.2), "p1 must be > p0"),
        (dict(p0=0.1, p1=0.3, alpha=0.0), "alpha must be in"),
        (dict(p0=0.1, p1=0.3, power=1.0), "power must be in"),
        (dict(p0=0.1, p1=0.3, criterion="best"), "criterion.*'best'"),
        (dict(p0=0.1, p1=0.3, nmax=500), "nmax must be <= 200, got 500"),
        (dict(p0=0.1, p1=0.3, nmax=10.5), "nmax must be a whole number"),
        (dict(p0=0.1, p1=0.3, criterion="admissible", weight=2), "weight must be in"),
        (dict(p0=float("nan"), p1=0.3), "p0 must be"),
        (dict(p0=0.1, p1=0.3, nmax=10), "no two-stage design with n <= nmax=10"),
    ],
)
def test_simon_bad_input(kwargs, match):
    with pytest.raises(SmallTrialError, match=match):
        simon_two_stage(**kwargs)


def test_design_repr_and_frame():
    d = simon_two_stage(0.05, 0.25)
    assert "SimonDesign(r1=0, n1=9, r=2, n=17" in repr(d)
    frame = d.to_frame()
    assert frame.loc[0, "n"] == 17 and math.isclose(frame.loc[0, "expected_n0"], d.expected_n0)


def test_operating_characteristics_and_x1_bad_input():
    d = simon_two_stage(0.1, 0.3)  # 1/10, 5/29
    oc = d.operating_characteristics([0.1, 0.3])
    assert oc["expected_n"].tolist() == pytest.approx([10 + (1 - 0.9**10 - 10 * 0.1 * 0.9**9) * 19,
                                                       10 + (1 - 0.7**10 - 10 * 0.3 * 0.7**9) * 19])
    with pytest.raises(SmallTrialError, match=r"p must be numbers, got 'a'"):
        d.operating_characteristics("a")
    with pytest.raises(SmallTrialError, match=r"p must be probabilities in \[0, 1\], got an empty"):
        d.operating_characteristics([])
    with pytest.raises(SmallTrialError, match=r"x1 must be a whole number, got nan"):
        two_stage_inference(1, d, x1=float("nan"))
    with pytest.raises(SmallTrialError, match=r"x1=0 must equal x=1 when the trial stopped"):
        two_stage_inference(1, d, x1=0)
    assert two_stage_inference(1, d, x1=1).stage == 1
