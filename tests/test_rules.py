"""smalltrial.endpoints.response_rule: user-defined response rules from plain data.

Every expected value is a hand calculation written next to the assertion: thresholds at and next
to their boundary, change from baseline (absolute and percent) from the numbers in the frame,
Kleene truth tables for all/any, RECIST-style confirmation visit by visit. The named lupus rules
are checked against the per-visit columns of derive_visit_endpoints (tested on their own in
test_endpoints_visits.py) and SRI-4 against a hand calculation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import smalltrial as st
from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial import endpoints as ep
from smalltrial.endpoints import rules as rules_module

NA = pd.NA


def frame(rows, text=False):
    """Measurements from (subject, day, parameter, value[, value_text]) tuples."""
    cols = ["subject", "day", "parameter", "value"] + (["value_text"] if text else [])
    m = pd.DataFrame(rows, columns=cols)
    m.insert(2, "visit", [f"day {d}" for d in m["day"]])
    m["unit"] = ""
    return m


def met(rule_spec, m):
    return ep.response_rule(rule_spec).evaluate(m)["met"].tolist()


# ------------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        # values 2.9, 3.0, 3.1 against 3
        ("<", [True, False, False]),
        ("<=", [True, True, False]),
        (">", [False, False, True]),
        (">=", [False, True, True]),
        ("==", [False, True, False]),
        ("!=", [True, False, True]),
    ],
)
def test_threshold_at_the_boundary(op, expected):
    m = frame([("a", 28, "x", 2.9), ("a", 56, "x", 3.0), ("a", 84, "x", 3.1)])
    assert met({"parameter": "x", "op": op, "value": 3}, m) == expected


def test_threshold_missing_value_is_na_and_baseline_rows_are_left_out():
    m = frame([("a", -3, "x", 1.0), ("a", 0, "x", 1.0), ("a", 28, "x", None), ("a", 56, "x", 1.0)])
    out = ep.response_rule({"parameter": "x", "op": "<", "value": 2}).evaluate(m)
    assert list(out.columns) == ["subject", "visit", "day", "met"]
    assert out["day"].tolist() == [28.0, 56.0]  # day <= 0 is baseline, not a response visit
    assert out["visit"].tolist() == ["day 28", "day 56"]
    assert str(out["met"].dtype) == "boolean"
    assert out["met"].tolist() == [NA, True]


# ------------------------------------------------------------------------------- change


def baseline_frame():
    # rows in scrambled order: the baseline is the value at the LAST day <= 0 (day 0: 8.0),
    # not the last row, not the first value
    return frame(
        [
            ("a", 0, "x", 8.0),
            ("a", -14, "x", 10.0),
            ("a", -7, "x", 20.0),
            ("a", 28, "x", 6.0),  # 6 - 8 = -2     ; 100 * -2 / 8 = -25 %
            ("a", 56, "x", 6.5),  # 6.5 - 8 = -1.5 ; -18.75 %
            ("a", 84, "x", 4.0),  # 4 - 8 = -4     ; -50 %
            ("a", 112, "x", 4.08),  # -3.92        ; -49 %
            # b: day 0 missing -> baseline is the day -7 value 5.0
            ("b", -7, "x", 5.0),
            ("b", 0, "x", None),
            ("b", 28, "x", 2.5),  # -2.5 ; -50 %
        ]
    )


def test_absolute_change_from_last_value_on_or_before_day_0():
    out = ep.response_rule(
        {"parameter": "x", "change": "absolute", "op": "<=", "value": -2}
    ).evaluate(baseline_frame())
    assert out["subject"].tolist() == ["a"] * 4 + ["b"]
    assert out["met"].tolist() == [True, False, True, True, True]
    # strict: -2 is not < -2
    assert met({"parameter": "x", "change": "absolute", "op": "<", "value": -2}, baseline_frame()) == [
        False, False, True, True, True]  # fmt: skip


def test_percent_change_from_baseline():
    m = baseline_frame()
    assert met({"parameter": "x", "change": "percent", "op": "<=", "value": -50}, m) == [
        False, False, True, False, True]  # fmt: skip
    # -25 % and -18.75 % against -20: only the first
    assert met({"parameter": "x", "change": "percent", "op": "<=", "value": -20}, m)[:2] == [
        True, False]  # fmt: skip


def test_subject_without_baseline_is_not_assessable_and_listed():
    m = pd.concat(
        [baseline_frame(), frame([("c", 28, "x", 1.0), ("c", 56, "x", 1.0)])], ignore_index=True
    )
    rule = ep.response_rule({"parameter": "x", "change": "absolute", "op": "<=", "value": -2})
    with pytest.warns(SmallTrialWarning, match=r"response rule 'absolute change in x.*: no baseline value of 'x'.*'c'"):
        out = rule.evaluate(m)
    assert out.loc[out["subject"] == "c", "met"].tolist() == [NA, NA]
    assert out.attrs["not_assessable"] == ["c"]
    assert len(out.attrs["warnings"]) == 1
    # c is never assessable: NA in best(); a and b respond
    with pytest.warns(SmallTrialWarning):
        assert rule.best(m)["met"].tolist() == [True, True, NA]


def test_percent_change_with_zero_baseline_is_not_assessable():
    m = frame([("a", 0, "x", 0.0), ("a", 28, "x", 1.0)])
    with pytest.warns(SmallTrialWarning, match="percent change undefined"):
        out = ep.response_rule(
            {"parameter": "x", "change": "percent", "op": ">=", "value": 0}
        ).evaluate(m)
    assert out["met"].tolist() == [NA]
    assert out.attrs["not_assessable"] == ["a"]
    # the absolute change is defined: 1 - 0 = 1
    assert met({"parameter": "x", "change": "absolute", "op": "==", "value": 1}, m) == [True]


# ------------------------------------------------------------------------------- categories


def bor_frame():
    return frame(
        [
            ("a", 56, "bor", np.nan, "CR"),
            ("b", 56, "bor", np.nan, "PR"),
            ("c", 56, "bor", np.nan, "SD"),
            ("d", 56, "bor", np.nan, None),  # not assessed
            ("e", 56, "bor", np.nan, "cr"),  # exact comparison: "cr" is not "CR"
        ],
        text=True,
    )


def test_categorical_rule_reads_value_text():
    assert met({"parameter": "bor", "in": ["CR", "PR"]}, bor_frame()) == [True, True, False, NA, False]


def test_numeric_categories_read_value_where_no_text():
    m = frame([("a", 28, "grade", 3.0), ("b", 28, "grade", 2.0), ("c", 28, "grade", None)])
    assert met({"parameter": "grade", "in": [3, 4]}, m) == [True, False, NA]


def test_numeric_categories_match_numeric_text_too():
    # ADLB-like: AVALC "3" with or without AVAL 3
    m = frame([("a", 28, "grade", 3.0, "3"), ("b", 28, "grade", None, "3"),
               ("c", 28, "grade", None, "high"), ("d", 28, "grade", 2.0, None)], text=True)  # fmt: skip
    assert met({"parameter": "grade", "in": [3, 4]}, m) == [True, True, False, False]
    # text categories never match a bare number: d is not assessable for them
    assert met({"parameter": "grade", "in": ["high"]}, m) == [False, False, True, NA]


def test_rule_round_trips_through_plain_data():
    specs = [
        {"parameter": "x", "change": "percent", "op": "<=", "value": -50.0, "confirm_days": 28.0},
        {"any": [{"rule": "doris"}, {"parameter": "bor", "in": ["CR", 1.0]}], "name": "resp"},
        {"all": [{"parameter": "x", "op": "!=", "value": 0.0}], "label": "X not zero"},
    ]
    for spec in specs:
        rule = ep.response_rule(spec)
        assert rule.to_spec() == spec
        assert ep.response_rule(rule.to_spec()) == rule


def test_text_categories_need_value_text():
    m = frame([("a", 28, "bor", 1.0)])
    with pytest.raises(SmallTrialError, match=r"'bor'.*no column 'value_text'"):
        ep.response_rule({"parameter": "bor", "in": ["CR"]}).evaluate(m)


def test_threshold_on_a_text_only_parameter_is_an_error():
    with pytest.raises(SmallTrialError, match=r"'bor' has no numeric values.*'in'"):
        ep.response_rule({"parameter": "bor", "op": ">", "value": 0}).evaluate(bor_frame())


def test_categories_from_a_trial_with_value_text():
    m = bor_frame()
    subjects = pd.DataFrame(
        {"subject": list("abcdef"), "cohort": "X", "sex": "F", "age": 40.0}
    )
    events = pd.DataFrame({"subject": list("abcdef"), "day": 100, "event": "last_contact",
                           "grade": np.nan})  # fmt: skip
    trial = st.Trial(subjects=subjects, measurements=m, events=events)
    best = ep.response_rule({"parameter": "bor", "in": ["CR", "PR"]}).best(trial)
    # f has no assessment at all: NA (every subject of the trial gets a row, in its order)
    assert best["subject"].tolist() == list("abcdef")
    assert best["met"].tolist() == [True, True, False, NA, False, NA]


# ------------------------------------------------------------------------------- all / any

TRUTH = [True, False, None]


def kleene_frame():
    rows = []
    for i, a in enumerate(TRUTH):
        for j, b in enumerate(TRUTH):
            s = f"s{i}{j}"
            # parameter p met iff value 1 (rule p == 1); None -> missing value
            rows.append((s, 28, "p", None if a is None else float(a)))
            rows.append((s, 28, "q", None if b is None else float(b)))
    return frame(rows)


def test_all_is_kleene_and():
    spec = {"all": [{"parameter": "p", "op": "==", "value": 1},
                    {"parameter": "q", "op": "==", "value": 1}]}  # fmt: skip
    # rows s00..s22 = (T,T),(T,F),(T,NA),(F,T),(F,F),(F,NA),(NA,T),(NA,F),(NA,NA)
    assert met(spec, kleene_frame()) == [True, False, NA, False, False, False, NA, False, NA]


def test_any_is_kleene_or():
    spec = {"any": [{"parameter": "p", "op": "==", "value": 1},
                    {"parameter": "q", "op": "==", "value": 1}]}  # fmt: skip
    assert met(spec, kleene_frame()) == [True, True, True, True, False, NA, True, NA, NA]


def test_a_part_without_a_row_at_a_visit_is_unknown():
    # p measured at days 28 and 56, q only at 28: at 56 "all" is unknown if p holds, False if not
    m = frame([("a", 28, "p", 1.0), ("a", 28, "q", 1.0), ("a", 56, "p", 1.0),
               ("b", 56, "p", 0.0), ("b", 84, "q", 1.0)])  # fmt: skip
    spec = {"all": [{"parameter": "p", "op": "==", "value": 1},
                    {"parameter": "q", "op": "==", "value": 1}]}  # fmt: skip
    out = ep.response_rule(spec).evaluate(m)
    assert list(zip(out["subject"], out["day"], out["met"], strict=True)) == [
        ("a", 28.0, True), ("a", 56.0, NA), ("b", 56.0, False), ("b", 84.0, NA)]  # fmt: skip


# ------------------------------------------------------------------------------- confirmation


def confirm_frame():
    # r == 1 is met; days and met: 28 T, 42 T, 56 F, 84 T, 112 T
    return frame([("a", d, "r", v) for d, v in
                  ((28, 1.0), (42, 1.0), (56, 0.0), (84, 1.0), (112, 1.0))])  # fmt: skip


def test_confirmation_at_a_later_assessment_at_least_n_days_later():
    spec = {"parameter": "r", "op": "==", "value": 1, "confirm_days": 28}
    # 28: met at 84 (>= 56; 56 itself is not met) -> T ; 42: met at 84 (>= 70) -> T ;
    # 56: not met -> F ; 84: met at 112 (>= 112) -> T ; 112: last assessment, cannot be
    # confirmed -> F (RECIST: an unconfirmed response is no response)
    assert met(spec, confirm_frame()) == [True, True, False, True, False]
    # 29 days: 84 needs >= 113 -> F
    assert met({**spec, "confirm_days": 29}, confirm_frame()) == [True, True, False, False, False]


def test_confirmation_too_soon_or_unknown():
    m = frame([("a", 28, "r", 1.0), ("a", 42, "r", 1.0),  # confirmation only 14 days later
               ("b", 28, "r", 1.0), ("b", 56, "r", None)])  # the confirming visit is missing
    spec = {"parameter": "r", "op": "==", "value": 1, "confirm_days": 28}
    # a: 28 -> no assessment >= 56 -> F; 42 -> F. b: 28 -> later unknown -> NA; 56: unknown now
    # and nothing later -> F (unknown AND False)
    assert met(spec, m) == [False, False, NA, False]


def test_first_day_and_best_with_confirmation():
    m = pd.concat(
        [confirm_frame(), frame([("b", 28, "r", 1.0), ("b", 42, "r", 0.0)]),
         frame([("c", 28, "r", 0.0)])], ignore_index=True)  # fmt: skip
    rule = ep.response_rule({"parameter": "r", "op": "==", "value": 1, "confirm_days": 28})
    first = rule.first_day(m)
    # a: first confirmed response is the visit of day 28; b (unconfirmed) and c: absent
    assert first.to_dict("list") == {"subject": ["a"], "day": [28.0]}
    unconfirmed = ep.response_rule({"parameter": "r", "op": "==", "value": 1})
    assert unconfirmed.first_day(m).to_dict("list") == {"subject": ["a", "b"], "day": [28.0, 28.0]}
    assert rule.best(m)["met"].tolist() == [True, False, False]


def test_confirmation_inside_a_combination_and_on_it():
    m = confirm_frame()
    inner = {"all": [{"parameter": "r", "op": "==", "value": 1, "confirm_days": 28},
                     {"parameter": "r", "op": ">=", "value": 0}]}  # fmt: skip
    assert met(inner, m) == [True, True, False, True, False]
    outer = {"any": [{"parameter": "r", "op": "==", "value": 1}], "confirm_days": 28}
    assert met(outer, m) == [True, True, False, True, False]


# ------------------------------------------------------------------------------- best


def test_best_is_na_only_when_never_assessable():
    m = frame([("a", 28, "x", None), ("a", 56, "x", 9.0),  # unknown then not met -> False
               ("b", 28, "x", None), ("b", 56, "x", 1.0),  # met once -> True
               ("c", 28, "x", None)])  # never assessable -> NA  # fmt: skip
    best = ep.response_rule({"parameter": "x", "op": "<", "value": 5}).best(m)
    assert best["subject"].tolist() == ["a", "b", "c"]
    assert str(best["met"].dtype) == "boolean"
    assert best["met"].tolist() == [False, True, NA]


# ------------------------------------------------------------------------------- named rules


@pytest.fixture(scope="module")
def trials():
    return {name: st.datasets.load(name) for name in ("mackensen2022", "muller2024")}


@pytest.mark.parametrize("name", ["mackensen2022", "muller2024"])
@pytest.mark.parametrize("rule", ["doris", "drug_free_remission", "lldas"])
def test_named_lupus_rules_equal_derive_visit_endpoints(trials, name, rule):
    trial = trials[name]
    visits = ep.derive_visit_endpoints(trial)
    post = visits[visits["day"] > 0].reset_index(drop=True)
    out = ep.response_rule({"rule": rule}).evaluate(trial)
    assert out["subject"].tolist() == post["subject"].tolist()
    assert out["day"].tolist() == post["day"].astype(float).tolist()
    assert out["met"].tolist() == post[rule].tolist()
    best = ep.response_rule({"rule": rule}).best(trial)
    # the rule applies to the SLE cohort only
    sle = trial.subjects.loc[trial.subjects["cohort"] == "SLE", "subject"].tolist()
    assert best["subject"].tolist() == sle


def test_named_sri4_by_hand():
    rows = []
    for s, day, sledai, pga in (
        ("a", -5, 10, 2.0), ("a", 30, 6, 2.2), ("a", 90, 6, 2.3),  # -4 and +0.2 -> T; +0.3 -> F
        ("b", -5, 4, 1.0), ("b", 30, 1, 0.0),  # reduction 3 < 4 -> F
        ("c", 30, 0, 0.0),  # no baseline -> NA, listed
    ):  # fmt: skip
        rows += [(s, day, "sledai2k", float(sledai)), (s, day, "pga", pga),
                 (s, day, "prednisone_mg", 0.0), (s, day, "immunosuppressants", 0.0)]  # fmt: skip
    m = frame(rows)
    with pytest.warns(SmallTrialWarning, match=r"sri4.*'c'"):
        out = ep.response_rule({"rule": "sri4"}).evaluate(m)
    assert out["met"].tolist() == [True, False, False, NA]
    assert out.attrs["not_assessable"] == ["c"]
    # equal to the scalar rule
    assert ep.sri4(sledai_baseline=10, sledai=6, pga_baseline=2.0, pga=2.2) is True


def test_named_rules_combine_with_generic_ones(trials):
    trial = trials["mackensen2022"]
    spec = {"all": [{"rule": "doris"}, {"parameter": "sledai2k", "op": "==", "value": 0}]}
    out = ep.response_rule(spec).evaluate(trial)
    doris = ep.response_rule({"rule": "doris"}).evaluate(trial)
    assert len(out) == len(doris)
    # DORIS needs clinical SLEDAI-2K 0; with SLEDAI-2K 0 too it can only be stricter
    assert not (out["met"].fillna(False) & ~doris["met"].fillna(False)).any()


def test_register_rule_adds_a_named_rule(monkeypatch):
    def evaluate(data):
        m = rules_module._measurements(data)
        post = m[m["day"] > 0]
        out = pd.DataFrame({"subject": post["subject"], "day": post["day"],
                            "visit": post["visit"], "met": 1.0})  # fmt: skip
        out.attrs = {"subjects": None}
        return out

    monkeypatch.setitem(rules_module._REGISTRY, "always", rules_module.NamedRule(
        "always", "always met", evaluate))  # fmt: skip
    rule = ep.response_rule({"rule": "always", "label": "everyone"})
    assert rule.name == "always" and rule.label == "everyone"
    assert rule.evaluate(frame([("a", 28, "x", 1.0)]))["met"].tolist() == [True]
    for bad, message in (((None, evaluate), "name must"), (("x", 3), "evaluate must"),
                         (("x", evaluate, ""), "label must")):  # fmt: skip
        with pytest.raises(SmallTrialError, match=message):
            ep.register_rule(*bad[:2], label=bad[2] if len(bad) > 2 else "x")


# ------------------------------------------------------------------------------- dtypes


def test_nullable_and_categorical_dtypes_give_the_same_result():
    m = pd.concat([baseline_frame(), bor_frame()], ignore_index=True)
    specs = [
        {"parameter": "x", "change": "percent", "op": "<=", "value": -50},
        {"parameter": "x", "op": ">", "value": 5},
        {"any": [{"parameter": "bor", "in": ["CR"]}, {"parameter": "x", "op": "<", "value": 3}]},
    ]
    variant = m.astype(
        {"subject": "category", "parameter": "string", "value": "Float64", "day": "Int64",
         "visit": "string", "value_text": "string"}  # fmt: skip
    )
    for spec in specs:
        rule = ep.response_rule(spec)
        a, b = rule.evaluate(m), rule.evaluate(variant)
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(rule.best(m), rule.best(variant))


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"parameter": "x", "op": "=<", "value": 3}, r"rule: op must be one of .*got '=<'"),
        ({"parameter": "x", "op": "<", "value": float("nan")}, r"value must be a finite number, got nan"),
        ({"parameter": "x", "op": "<", "value": float("inf")}, r"value must be a finite number, got inf"),
        ({"parameter": "x", "op": "<", "value": True}, r"value must be a number, got True"),
        ({"parameter": "x", "op": "<", "value": "3"}, r"value must be a number, got '3'"),
        ({"parameter": "x", "op": "<", "value": [3]}, r"value must be a number, got \[3\]"),
        ({"parameter": "x", "op": "<", "value": None}, r"value must be a number, got None"),
        ({"parameter": "x", "op": "<"}, r"value is missing"),
        ({"parameter": "x", "change": "relative", "op": "<", "value": 1}, r"change must be one of 'absolute', 'percent'; got 'relative'"),
        ({"parameter": "bor", "in": "CR"}, r"in must be a non-empty list of categories, got 'CR'"),
        ({"parameter": "bor", "in": []}, r"in must be a non-empty list"),
        ({"parameter": "bor", "in": ["CR", None]}, r"in must hold strings or finite numbers; got None"),
        ({"parameter": "x", "op": "<", "value": 1, "confirm_days": -1}, r"confirm_days must be finite and >= 0, got -1"),
        ({"parameter": "x", "op": "<", "value": 1, "confirm_days": True}, r"confirm_days must be a number of days, got True"),
        ({"parameter": "x", "op": "<", "value": 1, "confirm_days": float("nan")}, r"confirm_days must be finite"),
        ({"parameter": "x", "op": "<", "value": 1, "threshold": 2}, r"rule: threshold is not a key of a threshold rule"),
        ({"parameter": 3, "op": "<", "value": 1}, r"parameter must be a parameter name, got 3"),
        ({"rule": "dorris"}, r"rule must be one of 'doris', .*got 'dorris'"),
        ({"rule": "doris", "parameter": "x"}, r"parameter is not a key of a named rule"),
        ({"all": []}, r"all must be a non-empty list of rules"),
        ({"all": [{"parameter": "x", "op": "<", "value": 1}, {"parameter": "x", "op": "=", "value": 1}]},
         r"rule: all\[1\]\.op must be one of"),
        ({"any": [{"all": [{"parameter": "x", "op": "<", "value": "a"}]}]}, r"any\[0\]\.all\[0\]\.value must be a number"),
        ({"all": [], "any": []}, r"both 'all' and 'any'"),
        ({"name": "x"}, r"needs 'rule', 'parameter'"),
        ({"parameter": "x", "op": "<", "value": 1, "name": 5}, r"name must be a non-empty string, got 5"),
    ],
)  # fmt: skip
def test_bad_specs_name_the_key_and_value(spec, message):
    with pytest.raises(SmallTrialError, match=message):
        ep.response_rule(spec)


@pytest.mark.parametrize("spec", [None, "doris", ["doris"], 3])
def test_spec_must_be_a_mapping(spec):
    with pytest.raises(SmallTrialError, match="must be a mapping"):
        ep.response_rule(spec)


def test_unknown_parameter_names_key_and_parameter():
    m = frame([("a", 28, "mgadl", 1.0)])
    spec = {"any": [{"parameter": "mgadl", "op": "<", "value": 2},
                    {"parameter": "mg_adl", "op": "<", "value": 2}]}  # fmt: skip
    with pytest.raises(SmallTrialError, match=r"response rule 'mg_adl < 2' \(any\[1\]\): parameter 'mg_adl' is not in the measurements; parameters present: 'mgadl'"):  # fmt: skip
        ep.response_rule(spec).evaluate(m)


@pytest.mark.parametrize(
    ("m", "message"),
    [
        (frame([("a", 28, "x", "low")]), r"column 'value' .*'x'; got 'low' \(subject 'a'\)"),
        (frame([("a", 28, "x", 1.0), ("a", 28, "x", 2.0)]), r"2 rows of parameter 'x' with the same subject and day"),
        (frame([("a", None, "x", 1.0)]), r"column 'day' of measurements must hold finite numbers; got None \(subject 'a'\)"),
        (frame([]), r"measurements is empty"),
        (frame([("a", 28, "x", 1.0)]).drop(columns="value"), r"no column 'value'"),
        ([1, 2], r"trial must be a Trial or a measurements DataFrame, got list"),
        (None, r"got NoneType"),
    ],
)  # fmt: skip
def test_bad_measurements(m, message):
    with pytest.raises(SmallTrialError, match=message):
        ep.response_rule({"parameter": "x", "op": "<", "value": 2}).evaluate(m)


def test_numeric_subject_ids_sort_like_derive_visit_endpoints():
    m = frame([(10, 28, "x", 1.0), (2, 56, "x", 1.0), (2, 28, "x", 9.0)])
    out = ep.response_rule({"parameter": "x", "op": "<", "value": 5}).evaluate(m)
    assert out["subject"].tolist() == [2, 2, 10]
    assert out["met"].tolist() == [False, True, True]


def test_rule_repr_and_default_name():
    rule = ep.response_rule({"parameter": "x", "change": "percent", "op": "<=", "value": -50})
    assert rule.name == rule.label == "percent change in x from baseline <= -50 %"
    assert repr(ep.response_rule({"rule": "doris"})) == "ResponseRule('doris': DORIS 2021 remission)"
    assert rule.parameters == ("x",)
    both = ep.response_rule({"all": [{"parameter": "x", "op": "<", "value": 1},
                                     {"parameter": "y", "in": ["a"]}]})  # fmt: skip
    assert both.parameters == ("x", "y")


def test_evaluate_is_deterministic_and_does_not_touch_input():
    m = baseline_frame()
    before = m.copy()
    rule = ep.response_rule({"parameter": "x", "change": "absolute", "op": "<=", "value": -2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = rule.evaluate(m)
    pd.testing.assert_frame_equal(first, rule.evaluate(m))
    pd.testing.assert_frame_equal(m, before)


def test_named_rule_passes_on_derivation_warnings_once():
    # recorded SLEDAI-2K 6 but the descriptors sum to 4 (arthritis): derive_visit_endpoints warns
    rows = [("a", 30, f"sledai_{k}", float(k == "arthritis")) for k in ep.SLEDAI2K_WEIGHTS]
    rows += [("a", 30, "sledai2k", 6.0), ("a", 30, "pga", 0.0), ("a", 30, "prednisone_mg", 0.0),
             ("a", 30, "immunosuppressants", 0.0)]  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ep.response_rule({"rule": "doris"}).evaluate(frame(rows))
    messages = [str(w.message) for w in caught if issubclass(w.category, SmallTrialWarning)]
    assert len(messages) == 1 and "differs from the sum of its descriptors" in messages[0]
    assert out.attrs["warnings"] == messages
    assert out["met"].tolist() == [False]  # clinical SLEDAI-2K 4 > 0
