"""Tests of smalltrial.rates.pooled_proportion against R metafor (tests/reference/pooled/make_pooled.R)."""

from __future__ import annotations

import numpy as np
import pytest

from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial.rates import pooled_proportion
from tests.conftest import load_reference

REF = load_reference("pooled")
CASES = [k for k in REF if k not in ("level90", "all_full_error", "all_zero_error")]
FIELDS = ("estimate", "lower", "upper", "tau2", "i2", "prediction_lower", "prediction_upper")


def _close(got: float, want: float, rel: float = 1e-4, abs_: float = 1e-8) -> bool:
    return got == pytest.approx(want, rel=rel, abs=abs_)


@pytest.mark.parametrize("case", CASES)
def test_glmm_matches_glmer_nagq7(case):
    """rma.glmm(measure = "PLO") refitted by glmer(nAGQ = 7) with tight optimiser settings."""
    ref = REF[case]
    fit = pooled_proportion(ref["x"], ref["n"], method="glmm")
    want = ref["glmm"]["tight"]
    for name in FIELDS:
        # tau2 and I2 at the boundary 0: R's optimiser stops within ~1e-8 of it
        assert _close(getattr(fit, name), want[name], abs_=1e-6), (case, name)
    assert _close(fit.model_estimate, want["logit"], abs_=1e-6)
    assert _close(fit.model_std_error, want["se"])


@pytest.mark.parametrize("case", CASES)
def test_glmm_matches_metafor_defaults(case):
    """metafor's own rma.glmm output (its default optimiser) agrees to 1e-4 where it fits."""
    ref = REF[case]
    want = ref["glmm"]["metafor"]
    if isinstance(want, str):
        pytest.skip(want)
    fit = pooled_proportion(ref["x"], ref["n"])
    for name in FIELDS:
        assert _close(getattr(fit, name), want[name], abs_=1e-5), (case, name)


@pytest.mark.parametrize("case", CASES)
def test_freeman_tukey_matches_metafor_reml(case):
    ref = REF[case]
    fit = pooled_proportion(ref["x"], ref["n"], method="freeman-tukey")
    want = ref["freeman_tukey"]
    for name in FIELDS:
        assert _close(getattr(fit, name), want[name], abs_=1e-7), (case, name)
    assert _close(fit.model_estimate, want["ft"])
    assert _close(fit.model_std_error, want["se"])


def test_level_90():
    ref = REF["friendly"]
    for method, key in (("glmm", "glmm"), ("freeman-tukey", "freeman_tukey")):
        fit = pooled_proportion(ref["x"], ref["n"], method=method, level=0.90)
        for name, value in REF["level90"][key].items():
            assert _close(getattr(fit, name), value), (method, name)


def test_studies_are_exact_clopper_pearson():
    ref = REF["zero_cohort"]
    studies = pooled_proportion(ref["x"], ref["n"]).studies()
    np.testing.assert_allclose(studies["lower"], ref["study_lower"], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(studies["upper"], ref["study_upper"], rtol=1e-10)
    assert list(studies.columns) == ["x", "n", "estimate", "lower", "upper"]


def test_every_cohort_full_is_an_error():
    # R: rma.glmm stops ("Cannot fit ML model"); we say why and point to freeman-tukey
    assert "Cannot fit" in REF["all_full_error"] and "Cannot fit" in REF["all_zero_error"]
    with pytest.raises(SmallTrialError, match=r"x = n .*freeman-tukey"):
        pooled_proportion([5, 6], [5, 6])
    with pytest.raises(SmallTrialError, match=r"x = 0"):
        pooled_proportion([0, 0, 0], [5, 8, 6])
    # the double arcsine model fits it: estimate at the boundary 1
    fit = pooled_proportion([5, 6], [5, 6], method="freeman-tukey")
    assert fit.estimate == 1.0 and fit.tau2 == 0.0


def test_separated_cohorts_are_not_estimable():
    # 0/5 and 5/5: the marginal likelihood rises without bound in tau (R's rma.glmm stops at an
    # arbitrary tau2 ~ 2e4); here NaN with a warning recorded on the result
    with pytest.warns(SmallTrialWarning, match="no finite maximum"):
        fit = pooled_proportion([0, 5], [5, 5])
    assert np.isnan([fit.estimate, fit.lower, fit.upper, fit.tau2, fit.i2]).all()
    assert len(fit.warnings) == 1
    # the double arcsine model still gives a number
    assert pooled_proportion([0, 5], [5, 5], method="freeman-tukey").estimate == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("x", "n", "match"),
    [
        ([1, 2], [5, 0], r"n must be >= 1, got 0"),
        ([1], [5], r"at least 2 cohorts"),
        ([1, 7], [5, 6], r"x=7, n=6"),
        ([1, 2, 3], [5, 6], r"same length"),
        ([1, -1], [5, 6], r"x must be >= 0"),
        ([1, 2.5], [5, 6], r"x must be whole numbers"),
        (3, 5, r"one-dimensional"),
    ],
)
def test_bad_input(x, n, match):
    with pytest.raises(SmallTrialError, match=match):
        pooled_proportion(x, n)


def test_bad_method_and_level():
    with pytest.raises(SmallTrialError, match="method"):
        pooled_proportion([1, 2], [5, 6], method="pft")
    with pytest.raises(SmallTrialError, match="level"):
        pooled_proportion([1, 2], [5, 6], level=1.5)


def test_deterministic_and_frame():
    a = pooled_proportion([1, 9, 18, 3, 14], [20, 10, 20, 25, 15])
    b = pooled_proportion([1, 9, 18, 3, 14], [20, 10, 20, 25, 15])
    assert a == b
    frame = a.to_frame()
    assert frame.shape[0] == 1
    assert {"estimate", "lower", "upper", "tau2", "i2", "prediction_lower",
            "prediction_upper"} <= set(frame.columns)


# ---------------------------------------------------------------------------------------------
# forest plot with the pooled diamond
# ---------------------------------------------------------------------------------------------


def _gid(ax, gid):
    found = [a for a in ax.findobj() if a.get_gid() == gid]
    assert len(found) == 1, (gid, found)
    return found[0]


def test_forest_draws_the_pooled_diamond():
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")
    from smalltrial import figures

    ref = REF["heterogeneous"]
    fit = pooled_proportion(ref["x"], ref["n"])
    studies = fit.studies().assign(cohort=[f"Cohort {i + 1}" for i in range(fit.k)])
    studies = studies.rename(columns={"x": "responders"})
    ax = figures.forest(studies, pooled=fit)
    # the diamond spans the pooled CI (R: rma.glmm, tight glmer fit) at the last row (y = 0)
    want = ref["glmm"]["tight"]
    xy = _gid(ax, "forest-pooled").get_xy()[:4]
    np.testing.assert_allclose(xy[:, 0], 100 * np.array([want["lower"], want["estimate"],
                                                         want["upper"], want["estimate"]]),
                               rtol=1e-4)
    np.testing.assert_allclose(xy[:, 1], [0.0, 0.3, 0.0, -0.3])
    seg = _gid(ax, "forest-prediction").get_segments()[0]
    np.testing.assert_allclose(seg[:, 0], 100 * np.array([want["prediction_lower"],
                                                          want["prediction_upper"]]), rtol=1e-4)
    # cohorts above it, first on top; the pooled row is labelled
    np.testing.assert_allclose(_gid(ax, "forest-estimate").get_ydata(), [5, 4, 3, 2, 1])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"Cohort {i}" for i in range(1, 6)] + ["Pooled (random effects)"]
    assert _gid(ax, "forest-text-pooled").get_text().startswith("61.4% (13.6")
    # without pooled: no diamond (the plot as before)
    ax = figures.forest(studies)
    assert not [a for a in ax.findobj() if a.get_gid() == "forest-pooled"]
    np.testing.assert_allclose(_gid(ax, "forest-estimate").get_ydata(), [4, 3, 2, 1, 0])
    with pytest.raises(SmallTrialError, match="pooled"):
        figures.forest(studies, pooled=0.5)
