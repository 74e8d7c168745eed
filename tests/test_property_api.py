"""Property tests over the public API (issue #13 item 6): bad input never gives a number.

* every argument of the public functions below, replaced by a value that is wrong for it
  (wrong type, NaN/inf, a number for a flag, text for a number, a list for a column name),
  raises SmallTrialError;
* any value at all (valid or not) gives a result or SmallTrialError, never another exception;
* frames with bad cells (NaN, inf, negative or text times, impossible event codes), empty frames
  and duplicated rows give a result or SmallTrialError, and bad time cells always raise;
* nullable/categorical/object dtypes give the results of the plain dtypes;
* formulas accepted by the whitelist contain only columns, literals and allowed functions.

Bounded (``max_examples``) so the file runs in well under a minute.
"""

from __future__ import annotations

import io
import keyword
import math
import tokenize
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import smalltrial as st
from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial import _tableformat as tf
from smalltrial.longitudinal import _formula, marginal_model, mixed_model, paired_change

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

SURV = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6, 7, 8], "e": [1, 0, 1, 1, 0, 1, 0, 1],
                     "g": ["a", "b"] * 4})
CIF = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6, 7, 8], "ev": [1, 0, 2, 1, 0, 2, 0, 1]})
BASE = pd.DataFrame({"subject": [f"P{i}" for i in range(6)], "age": [30.0, 40, 35, 28, 50, 45],
                     "sex": list("FFMFMF"), "cohort": ["SLE", "SLE", "SSc", "SLE", "SSc", "SLE"],
                     "r": [1, 0, 1, 1, 0, 1], "change": [-50.0, -20, 10, -80, -100, 5]})
_m = np.tile([0.0, 3.0, 6.0], 6)
LONG = pd.DataFrame({"subject": np.repeat([f"s{i}" for i in range(6)], 3),
                     "visit": np.tile(["baseline", "m3", "m6"], 6), "month": _m,
                     "y": 10 - 0.7 * _m + np.tile([0.3, -0.2, 0.1, -0.4, 0.2, 0.0], 3)
                     + np.repeat([0.5, -1.0, 0.8, 0.0, -0.6, 1.2], 3)})
FOREST = pd.DataFrame({"cohort": ["SLE", "IIM"], "estimate": [0.5, 0.7], "lower": [0.2, 0.3],
                       "upper": [0.8, 0.9]})
KM = st.survival.kaplan_meier(SURV, time="t", event="e")
DESIGN = st.design.simon_two_stage(0.1, 0.3, nmax=25)

# ---------------------------------------------------------------- wrong values by kind
_NA = hs.sampled_from([None, math.nan, math.inf, -math.inf, pd.NA, np.float64("nan")])
_TEXT = hs.text(max_size=4)
_CONTAINERS = hs.one_of(hs.lists(hs.integers(0, 3), min_size=1, max_size=2),
                        hs.dictionaries(hs.text(max_size=2), hs.integers(0, 3), min_size=1,
                                        max_size=1), hs.just(object()))
NOT_A_NUMBER = hs.one_of(_NA, _TEXT, hs.booleans(), hs.just(np.bool_(True)), _CONTAINERS)
NOT_NUMBERS = hs.one_of(  # where a number or a list of numbers is valid
    _NA, _TEXT, hs.booleans(), hs.just({"a": 1}), hs.just(object()),
    hs.lists(hs.one_of(_NA, _TEXT, hs.booleans()), min_size=1, max_size=2).map(lambda v: [1.0, *v]))
NOT_A_COUNT = hs.one_of(NOT_A_NUMBER, hs.integers(-5, -1),
                        hs.floats(0.01, 50).filter(lambda v: v != int(v)))
NOT_A_PROBABILITY = hs.one_of(NOT_A_NUMBER, hs.floats(1.0001, 10), hs.floats(-10, -0.0001))
NOT_A_LEVEL = hs.one_of(NOT_A_NUMBER, hs.sampled_from([0, 1, 0.0, 1.0, 95, -0.5]))
NOT_A_FLAG = hs.one_of(hs.integers(-2, 2), hs.floats(allow_nan=True), _TEXT, hs.none(),
                       _CONTAINERS)
NOT_A_COLUMN = hs.one_of(hs.lists(hs.sampled_from(["t", "e", "y"]), min_size=1, max_size=2),
                         hs.dictionaries(hs.just("t"), hs.integers(0, 1), min_size=1),
                         hs.integers(), hs.booleans(), hs.just(math.nan),
                         hs.just("no such column"), hs.just(""))
NOT_A_CHOICE = hs.one_of(hs.just("bogus"), hs.none(), hs.integers(), hs.booleans(), _CONTAINERS)
NOT_A_FRAME = hs.one_of(hs.none(), _CONTAINERS, _TEXT, hs.just(pd.DataFrame()),
                        hs.just(np.zeros((3, 2))), hs.just(pd.Series([1.0, 2.0])))
BAD = {
    "count": NOT_A_COUNT, "number": NOT_A_NUMBER, "prob": NOT_A_PROBABILITY,
    "opt_number": NOT_A_NUMBER.filter(lambda v: v is not None), "numbers": NOT_NUMBERS,
    "level": NOT_A_LEVEL, "flag": NOT_A_FLAG, "column": NOT_A_COLUMN,
    "opt_column": NOT_A_COLUMN.filter(lambda v: v is not None), "choice": NOT_A_CHOICE,
    "frame": NOT_A_FRAME,
}
ANYTHING = hs.one_of(NOT_A_NUMBER, hs.integers(-3, 40), hs.floats(allow_nan=True),
                     hs.sampled_from(["t", "e", "g", "y", "visit", "subject", "log", "plain",
                                      "wilson", "greater", "m6", "a"]),
                     hs.lists(hs.floats(0, 1), max_size=3), hs.just(SURV), hs.just(LONG))

# name, function, valid keyword arguments, {argument: kind}
CASES = [
    ("proportion_ci", st.rates.proportion_ci, dict(x=3, n=10),
     dict(level="level", method="choice", alternative="choice")),
    ("proportion_ci x", st.rates.proportion_ci, dict(x=3, n=10), dict(x="count", n="count")),
    ("binomial_test", st.rates.binomial_test, dict(x=3, n=10, p0=0.2),
     dict(x="count", n="count", p0="prob", alternative="choice")),
    ("beta_posterior", st.rates.beta_posterior, dict(x=3, n=10), dict(x="count", n="count")),
    ("beta_posterior.interval", st.rates.beta_posterior(3, 10).interval, dict(level=0.9),
     dict(level="level", kind="choice")),
    ("beta_posterior.prob_above", st.rates.beta_posterior(3, 10).prob_above, dict(p0=0.3),
     dict(p0="prob")),
    ("coverage", st.rates.coverage, dict(n=8, method="wilson"),
     dict(n="count", method="choice", level="level", alternative="choice")),
    ("summarize", st.rates.summarize, dict(data=BASE, response="r", cohort="cohort"),
     dict(data="frame", response="column", cohort="opt_column", level="level", method="choice")),
    ("simon_two_stage", st.design.simon_two_stage, dict(p0=0.1, p1=0.3, nmax=25),
     dict(p0="prob", p1="prob", alpha="prob", power="prob", criterion="choice", nmax="count")),
    ("two_stage_inference", st.design.two_stage_inference, dict(x=5, design=DESIGN),
     dict(x="count", level="level", design="number")),
    ("operating_characteristics", DESIGN.operating_characteristics, dict(p=0.2), dict(p="numbers")),
    ("kaplan_meier", st.survival.kaplan_meier, dict(data=SURV, time="t", event="e"),
     dict(data="frame", time="column", event="column", group="opt_column", level="level",
          conf_type="choice")),
    ("km.quantile", KM.quantile, dict(p=0.5), dict(p="prob")),
    ("km.at", KM.at, dict(times=[1, 2]), dict(times="numbers")),
    ("logrank_test", st.survival.logrank_test, dict(data=SURV, time="t", event="e", group="g"),
     dict(data="frame", time="column", event="column", group="column", exact="flag",
          max_enumerate="count", n_permutations="count", seed="count")),
    ("median_follow_up", st.survival.median_follow_up, dict(data=SURV, time="t", event="e"),
     dict(data="frame", time="column", event="column", level="level", conf_type="choice")),
    ("follow_up_summary", st.survival.follow_up_summary, dict(data=SURV, time="t", event="e"),
     dict(data="frame", time="column", event="opt_column", time_unit="choice")),
    ("event_rate", st.survival.event_rate, dict(events=3, exposure=10.0),
     dict(events="count", exposure="number", level="level", per="number",
          alternative="choice")),
    ("cumulative_incidence", st.survival.cumulative_incidence,
     dict(data=CIF, time="t", event="ev", cause=1),
     dict(data="frame", time="column", event="column", cause="count", level="level",
          conf_type="choice")),
    ("describe", st.summaries.describe, dict(data=BASE, variables=["age", "sex"], by="cohort"),
     dict(data="frame", by="opt_column", overall="flag")),
    ("fmt_prop_ci", tf.fmt_prop_ci, dict(x=3, n=5, lower=0.2, upper=0.9),
     dict(x="count", n="count", digits="count")),
    ("fmt_estimate_ci", tf.fmt_estimate_ci, dict(estimate=3.0, lower=1.0, upper=5.0),
     dict(digits="count")),
    ("fmt_count_pct", tf.fmt_count_pct, dict(n=3, total=5), dict(n="count", total="count")),
    ("paired_change", paired_change,
     dict(data=LONG, outcome="y", subject="subject", time="visit", baseline="baseline", at="m6"),
     dict(data="frame", outcome="column", subject="column", time="column", level="level",
          alternative="choice", zero_method="choice")),
    ("marginal_model", marginal_model,
     dict(formula="y ~ C(visit)", data=LONG, subject="subject", time="visit", covariance="cs"),
     dict(data="frame", subject="column", time="column", covariance="choice",
          df_method="choice", level="level")),
    ("mixed_model", mixed_model, dict(formula="y ~ month", data=LONG, subject="subject"),
     dict(data="frame", subject="column", reml="flag", df_method="choice", level="level")),
    ("waterfall", st.figures.waterfall, dict(data=BASE),
     dict(data="frame", subject="column", change="column", hue="opt_column",
          threshold="opt_number", columns="number", height_mm="opt_number")),
    ("forest", st.figures.forest, dict(data=FOREST),
     dict(data="frame", label="column", estimate="column", percent="flag", text="flag",
          reference="opt_number")),
    ("km_plot", st.figures.km_plot, dict(km=KM),
     dict(ci="flag", censor_ticks="flag", at_risk="flag", median_line="flag", fun="choice",
          columns="number")),
    ("rate_text", st.figures.rate_text, dict(responders=5, n=10, estimate=0.5, lower=0.2,
                                              upper=0.8),
     dict(responders="count", n="count", estimate="number", lower="number", upper="number")),
]
ARGS = [(c, arg) for c in CASES for arg in c[3]]
_OPTIONAL_NONE = {"two_stage_inference": {"design"}, "rate_text": {"responders", "n"}}


def _call(fn, kwargs):
    import matplotlib

    matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(**kwargs)
    if hasattr(out, "figure"):  # a figure builder: free the figure
        out.figure.clear()
    return out


def _nan_is_missing(case: str, arg: str, value) -> bool:
    """Where NaN/None legitimately mean 'not estimable' (a NaN estimate prints NE)."""
    if case == "rate_text" and arg in ("estimate", "lower", "upper"):
        return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    return value is None and arg in _OPTIONAL_NONE.get(case, set())


@settings(max_examples=250, **SETTINGS)
@given(hs.sampled_from(ARGS), hs.data())
def test_a_wrong_argument_raises_smalltrialerror(case_arg, data):
    (name, fn, kwargs, kinds), arg = case_arg
    value = data.draw(BAD[kinds[arg]], label=f"{name}({arg}=...)")
    if _nan_is_missing(name, arg, value):
        return
    if name == "proportion_ci x" and isinstance(value, list):
        return  # array-likes are valid x and n (vectorised)
    with pytest.raises(SmallTrialError):
        _call(fn, {**kwargs, arg: value})


@settings(max_examples=150, **SETTINGS)
@given(hs.sampled_from(ARGS), ANYTHING)
def test_any_argument_gives_a_result_or_smalltrialerror(case_arg, value):
    (name, fn, kwargs, _), arg = case_arg
    try:
        _call(fn, {**kwargs, arg: value})
    except SmallTrialError:
        pass


# ---------------------------------------------------------------- frames with bad cells
_GOOD_TIME = hs.integers(0, 12).map(float)
_BAD_TIME = hs.sampled_from([math.nan, math.inf, -math.inf, -1.0, "3", None, True, [1]])
_EVENT = hs.sampled_from([0, 1])
_BAD_EVENT = hs.sampled_from([2, 0.5, -1, "x", math.nan, math.inf, None, [1], "1"])


@hs.composite
def survival_frames(draw):
    n = draw(hs.integers(0, 10))
    times = draw(hs.lists(_GOOD_TIME, min_size=n, max_size=n))
    events = draw(hs.lists(_EVENT, min_size=n, max_size=n))
    bad_time = n > 0 and draw(hs.booleans())
    bad_event = n > 0 and draw(hs.booleans())
    if bad_time:
        times[draw(hs.integers(0, n - 1))] = draw(_BAD_TIME)
    if bad_event:
        events[draw(hs.integers(0, n - 1))] = draw(_BAD_EVENT)
    df = pd.DataFrame({"t": pd.Series(times, dtype=object), "e": pd.Series(events, dtype=object),
                       "g": (["a", "b"] * n)[:n]})
    if not bad_time and not bad_event and n and draw(hs.booleans()):
        df = df.astype({"t": float, "e": int})
    if draw(hs.booleans()):
        df = pd.concat([df, df])  # duplicated rows
    return df, bad_time or n == 0


@settings(max_examples=120, **SETTINGS)
@given(survival_frames(), hs.sampled_from(["km", "km_group", "logrank", "follow_up", "cif",
                                           "median_follow_up"]))
def test_bad_cells_raise_and_nothing_else_escapes(frame_bad, which):
    df, must_raise = frame_bad
    sv = st.survival
    calls = {
        "km": lambda: sv.kaplan_meier(df, time="t", event="e"),
        "km_group": lambda: sv.kaplan_meier(df, time="t", event="e", group="g"),
        "logrank": lambda: sv.logrank_test(df, time="t", event="e", group="g"),
        "follow_up": lambda: sv.follow_up_summary(df, time="t", event="e"),
        "median_follow_up": lambda: sv.median_follow_up(df, time="t", event="e"),
        "cif": lambda: sv.cumulative_incidence(df, time="t", event="e", cause=1, causes=[1, 2]),
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallTrialWarning)
            calls[which]()
    except SmallTrialError:
        return
    assert not must_raise, f"{which} returned a result for bad times {df['t'].tolist()!r}"


@hs.composite
def long_frames(draw):
    df = LONG.copy()
    k = draw(hs.integers(0, 3))
    for _ in range(k):
        i = draw(hs.integers(0, len(df) - 1))
        col = draw(hs.sampled_from(["y", "visit", "subject", "month"]))
        df[col] = df[col].astype(object)
        df.iloc[i, df.columns.get_loc(col)] = draw(hs.sampled_from(
            [math.nan, math.inf, "x", None, True, [1], -5.0]))
    if draw(hs.booleans()):
        df = pd.concat([df, df.iloc[: draw(hs.integers(1, 4))]])  # duplicated visits
    return df


@settings(max_examples=40, **SETTINGS)
@given(long_frames(), hs.sampled_from(["paired", "marginal", "mixed"]))
def test_longitudinal_frames_give_result_or_smalltrialerror(df, which):
    calls = {
        "paired": lambda: paired_change(df, "y", subject="subject", time="visit",
                                        baseline="baseline", at="m6"),
        "marginal": lambda: marginal_model("y ~ C(visit)", df, subject="subject", time="visit",
                                           covariance="cs"),
        "mixed": lambda: mixed_model("y ~ C(visit)", df, subject="subject"),
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallTrialWarning)
            calls[which]()
    except SmallTrialError:
        return
    y = df["y"]
    assert not y.map(lambda v: isinstance(v, float) and math.isinf(v)).any()
    assert not df.duplicated(["subject", "visit"]).any() or which == "mixed"


# ---------------------------------------------------------------- dtypes
_DTYPES = {"t": ["float64", "Float64", "Int64", "object"],
           "e": ["int64", "Int64", "Float64", "boolean", "category", "object"],
           "g": ["object", "string", "category"]}


@settings(max_examples=40, **SETTINGS)
@given(hs.lists(hs.tuples(hs.integers(0, 12), hs.integers(0, 1), hs.sampled_from("ab")),
                min_size=2, max_size=16),
       hs.sampled_from(_DTYPES["t"]), hs.sampled_from(_DTYPES["e"]),
       hs.sampled_from(_DTYPES["g"]))
def test_dtypes_give_the_plain_results(rows, t_dtype, e_dtype, g_dtype):
    plain = pd.DataFrame(rows, columns=["t", "e", "g"]).astype({"t": float})
    other = plain.astype({"t": t_dtype, "e": e_dtype, "g": g_dtype})
    sv = st.survival
    ref = sv.kaplan_meier(plain, time="t", event="e", group="g").table
    got = sv.kaplan_meier(other, time="t", event="e", group="g").table
    pd.testing.assert_frame_equal(got.astype({"g": object}), ref.astype({"g": object}),
                                  check_dtype=False)
    if plain["g"].nunique() == 2:
        a = sv.logrank_test(plain, time="t", event="e", group="g")
        b = sv.logrank_test(other, time="t", event="e", group="g")
        assert (a.statistic, a.pvalue) == pytest.approx((b.statistic, b.pvalue), nan_ok=True)
    if plain["e"].any() and e_dtype != "boolean":  # booleans are no competing-risk codes
        ca = sv.cumulative_incidence(plain, time="t", event="e", cause=1)
        cb = sv.cumulative_incidence(other, time="t", event="e", cause=1)
        pd.testing.assert_frame_equal(ca.table, cb.table, check_dtype=False)
    r = st.rates.summarize(plain, response="e", cohort="g")
    r2 = st.rates.summarize(other, response="e", cohort="g")
    pd.testing.assert_frame_equal(r.astype({"cohort": object}), r2.astype({"cohort": object}),
                                  check_dtype=False)


# ---------------------------------------------------------------- formulas
_VOCAB = ["y", "month", "visit", "subject", "C(visit)", "Q('y')", "1", "0", "2", "+", "-", "*",
          ":", "/", "**", "(", ")", "np.log(", "center(", "I(", "C(visit, Sum)",
          "__import__('os')", ".system", "('id')", "eval(", "exec", "lambda", ":", "[", "]",
          "'x'", ",", "=", ".__class__", "os", "open(", ";", "#", "getattr", "if", "np", "1j",
          "Treatment('m3')", "levels=[", "f'{y}'", "\\", "@", "|", "~"]
_ALLOWED_NAMES = {"y", "month", "visit", "subject", "C", "Q", "Treatment", "Sum", "reference",
                  "levels", *(t.split(".")[-1] for t in _formula.TRANSFORMS), "np"}


@settings(max_examples=300, **SETTINGS)
@given(hs.lists(hs.sampled_from(_VOCAB), min_size=1, max_size=8))
def test_formula_whitelist_only_accepts_data(parts):
    formula = "y ~ " + " ".join(parts)
    try:
        out = _formula.check_formula(formula, LONG)
    except SmallTrialError:
        return
    assert out is LONG
    toks = list(tokenize.generate_tokens(io.StringIO(formula.split("~")[1]).readline))
    names = {t.string for t in toks if t.type == tokenize.NAME}
    assert names <= _ALLOWED_NAMES, formula
    assert not any(keyword.iskeyword(n) for n in names)
    assert not any(t.string in ("[", "]", ";", "=", "@", "|") for t in toks
                   if t.type == tokenize.OP and "levels" not in formula and "reference" not in
                   formula)
