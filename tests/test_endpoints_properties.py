"""Property tests for smalltrial.endpoints: logical relations that follow from the definitions.

* drug-free remission implies DORIS remission (it adds two criteria);
* DORIS implies LLDAS when the non-SLEDAI LLDAS inputs are favourable: clinical SLEDAI-2K = 0
  leaves at most the 4 serological points, PGA < 0.5 <= 1 and prednisone <= 5 <= 7.5;
* missing input is never "in remission";
* array results equal the element-by-element scalar results;
* bad arguments raise SmallTrialError naming the argument and value, and nullable/categorical
  pandas dtypes give the same results as plain ones (issue #13);
* response rules: a confirmed response is a response; all/any are Kleene and/or of their parts.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smalltrial
from smalltrial import SmallTrialError
from smalltrial import endpoints as ep

# grids that include every threshold and its neighbours
SLEDAI = st.sampled_from([0, 1, 2, 4, 5, 8, np.nan])
PGA = st.sampled_from([0.0, 0.3, 0.49, 0.5, 0.51, 1.0, 1.01, 3.0, np.nan])
PRED = st.sampled_from([0.0, 2.5, 5.0, 5.01, 7.5, 7.51, 20.0, np.nan])
FLAG = st.sampled_from([True, False, None])
SEROLOGY = st.sampled_from([0, 2, 4])


@settings(max_examples=150, deadline=None)
@given(SLEDAI, PGA, PRED, FLAG, SEROLOGY)
def test_drug_free_implies_doris_implies_lldas(clinical, pga, pred, imm, serology):
    doris = ep.doris_remission(clinical_sledai=clinical, pga=pga, prednisone_mg=pred)
    free = ep.drug_free_remission(
        clinical_sledai=clinical, pga=pga, prednisone_mg=pred, immunosuppressants=imm
    )
    if free is True:
        assert doris is True
    if doris is True:
        low = ep.lldas(
            sledai=clinical + serology, major_organ_activity=False, new_activity=False,
            pga=pga, prednisone_mg=pred,
        )  # fmt: skip
        assert low is True
    if any(x is None or (isinstance(x, float) and np.isnan(x)) for x in (clinical, pga, pred)):
        assert doris is not True and free is not True


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(SLEDAI, PGA, PRED, FLAG), min_size=1, max_size=12))
def test_arrays_equal_scalars(rows):
    clinical, pga, pred, imm = (list(col) for col in zip(*rows, strict=True))
    arr = ep.drug_free_remission(
        clinical_sledai=clinical, pga=pga, prednisone_mg=pred, immunosuppressants=imm
    )
    series = ep.doris_remission(
        clinical_sledai=pd.Series(clinical), pga=np.array(pga), prednisone_mg=pred
    )
    for i in range(len(rows)):
        one = ep.drug_free_remission(
            clinical_sledai=clinical[i], pga=pga[i], prednisone_mg=pred[i],
            immunosuppressants=imm[i],
        )  # fmt: skip
        assert (arr[i] is pd.NA and one is pd.NA) or arr[i] == one
        one = ep.doris_remission(clinical_sledai=clinical[i], pga=pga[i], prednisone_mg=pred[i])
        assert (series.iloc[i] is pd.NA and one is pd.NA) or series.iloc[i] == one


HYPOTENSION = st.sampled_from([*ep.CRS_HYPOTENSION, None])
HYPOXIA = st.sampled_from([*ep.CRS_HYPOXIA, None])
FEVER = st.sampled_from([36.5, 37.9, 38.0, 39.5, True, False])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(FEVER, HYPOTENSION, HYPOXIA, st.booleans()), min_size=1, max_size=10))
def test_crs_arrays_equal_scalars(rows):
    fever, hyp, oxy, masked = (list(col) for col in zip(*rows, strict=True))
    if len({type(f) for f in fever}) > 1:  # one array is either flags or temperatures
        fever = [f if isinstance(f, bool) else f >= 38.0 for f in fever]
    grades = ep.crs_grade(fever=fever, hypotension=hyp, hypoxia=oxy, fever_masked=masked)
    for i in range(len(rows)):
        one = ep.crs_grade(fever=fever[i], hypotension=hyp[i], hypoxia=oxy[i], fever_masked=masked[i])
        assert (np.isnan(one) and np.isnan(grades[i])) or one == grades[i]
        if not np.isnan(one):
            assert one in (0, 1, 2, 3, 4)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*range(11), np.nan]),
            st.sampled_from([*ep.ICANS_CONSCIOUSNESS, None]),
            st.sampled_from([*ep.ICANS_SEIZURE, None]),
            st.sampled_from(["none", "focal", "diffuse", None]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_icans_is_worst_domain(rows):
    ice, con, sei, oed = (list(col) for col in zip(*rows, strict=True))
    grades = ep.icans_grade(ice_score=ice, consciousness=con, seizure=sei, cerebral_oedema=oed)
    ice_grade = {10: 0, 9: 1, 8: 1, 7: 1, 6: 2, 5: 2, 4: 2, 3: 2, 2: 3, 1: 3, 0: 3}
    for i in range(len(rows)):
        parts = [
            np.nan if np.isnan(ice[i]) else ice_grade[int(ice[i])],
            np.nan if con[i] is None else ep.ICANS_CONSCIOUSNESS[con[i]],
            np.nan if sei[i] is None else ep.ICANS_SEIZURE[sei[i]],
            np.nan if oed[i] is None else ep.ICANS_OEDEMA[oed[i]],
        ]
        known = [p for p in parts if not np.isnan(p)]
        if len(known) == 4 or (known and max(known) == 4):
            assert grades[i] == max(known)
        else:
            assert np.isnan(grades[i])


# --------------------------------------------------------------------------------------------
# bad arguments (issue #13): every public function raises SmallTrialError naming the argument
# and the value; only real bools are flags; thresholds are finite numbers
# --------------------------------------------------------------------------------------------

ITEMS = pd.DataFrame({k: [0, 1] for k in ep.SLEDAI2K_WEIGHTS})
NOT_FLAGS = ["no", "False", 0, 1, None, [True], math.nan]
NOT_NUMBERS = ["5", [5], None, math.nan, math.inf, True]


@pytest.fixture(scope="module")
def mackensen():
    return smalltrial.datasets.load("mackensen2022")


CALLS = {
    "sledai2k": lambda t, **k: ep.sledai2k(ITEMS, **k),
    "doris_remission": lambda t, **k: ep.doris_remission(
        clinical_sledai=0, pga=0, prednisone_mg=5, **k),
    "drug_free_remission": lambda t, **k: ep.drug_free_remission(
        clinical_sledai=0, pga=0, prednisone_mg=0, immunosuppressants=False, **k),
    "lldas": lambda t, **k: ep.lldas(
        sledai=0, major_organ_activity=False, new_activity=False, pga=0, prednisone_mg=0, **k),
    "sri4": lambda t, **k: ep.sri4(sledai_baseline=10, sledai=0, pga_baseline=1, pga=0, **k),
    "derive_sledai_items": lambda t, **k: ep.derive_sledai_items(upcr=1.0, joint_count=3, **k),
    "derive_visit_endpoints": lambda t, **k: ep.derive_visit_endpoints(t, **k),
    "add_endpoints": lambda t, **k: ep.add_endpoints(t, **k),
    "remission_summary": lambda t, **k: ep.remission_summary(t, **k),
    "worst_toxicity_grade": lambda t, **k: ep.worst_toxicity_grade(t, **k),
}  # fmt: skip
BAD = [
    ("sledai2k", "clinical", NOT_FLAGS),
    ("doris_remission", "prednisone_max", [*NOT_NUMBERS, -1]),
    ("doris_remission", "return_reasons", NOT_FLAGS),
    ("drug_free_remission", "return_reasons", NOT_FLAGS),
    ("lldas", "return_reasons", NOT_FLAGS),
    ("sri4", "return_reasons", NOT_FLAGS),
    ("derive_sledai_items", "upcr_unit", [["g/g"], None, 3, "G/G"]),
    ("derive_sledai_items", "arthritis_min_joints", [*NOT_NUMBERS, 2.0, 0]),
    ("derive_visit_endpoints", "haemolytic_anaemia", NOT_FLAGS),
    ("derive_visit_endpoints", "gi_activity", NOT_FLAGS),
    ("derive_visit_endpoints", "immunosuppressants_tolerated", NOT_FLAGS),
    ("derive_visit_endpoints", "serology_counts_as_new_activity", NOT_FLAGS),
    ("derive_visit_endpoints", "by", [["day"], None, "week"]),
    ("derive_visit_endpoints", "cohort", [["SLE"], 1, "sle"]),
    ("add_endpoints", "by", [["day"]]),
    ("add_endpoints", "nonsense", [1]),
    ("remission_summary", "endpoint", [["doris"], None, "DORIS"]),
    ("remission_summary", "post_infusion_only", NOT_FLAGS),
    ("remission_summary", "cohort", [["SLE"], 1]),
    ("worst_toxicity_grade", "event", [["crs"], None, "CRS", 1]),
]


@pytest.mark.parametrize(
    ("function", "argument", "value"),
    [(f, a, v) for f, a, values in BAD for v in values],
    ids=lambda x: repr(x)[:20],
)
def test_bad_arguments_raise_naming_argument_and_value(mackensen, function, argument, value):
    with pytest.raises(SmallTrialError) as info:
        CALLS[function](mackensen, **{argument: value})
    message = str(info.value)
    assert argument in message
    shown = repr(value)
    if function != "add_endpoints" and "(" not in shown:
        assert shown in message or (value is True and "True" in message), message


def test_issue_13_examples():
    # a NaN ceiling used to compare False everywhere: a patient meeting every criterion was
    # "not in remission"; a truthy string used to give the clinical score
    with pytest.raises(SmallTrialError, match=r"prednisone_max must be a finite number, got nan"):
        ep.doris_remission(clinical_sledai=0, pga=0, prednisone_mg=0, prednisone_max=math.nan)
    with pytest.raises(SmallTrialError, match=r"clinical must be True or False, got 'no'"):
        ep.sledai2k(ITEMS, clinical="no")
    # row 2 has every descriptor: clinical = 8 x 8 + 6 x 4 + 5 x 2 + 3 x 1 = 101 (105 - 2 x 2)
    assert ep.sledai2k(ITEMS, clinical=np.bool_(True)).tolist() == [0.0, 101.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda t: ep.sledai2k(ITEMS.iloc[:0]),
        lambda t: ep.sledai2k([1, 2]),
        lambda t: ep.derive_visit_endpoints(t.measurements.iloc[:0]),
        lambda t: ep.add_endpoints(t.measurements.iloc[:0]),
        lambda t: ep.remission_summary(t.measurements.iloc[:0]),
        lambda t: ep.worst_toxicity_grade(t.events.iloc[:0]),
        lambda t: ep.worst_toxicity_grade(None),
        lambda t: ep.doris_remission(clinical_sledai=[], pga=[], prednisone_mg=[]),
        lambda t: ep.doris_remission(clinical_sledai="0", pga=0, prednisone_mg=0),
        lambda t: ep.doris_remission(clinical_sledai=[[0]], pga=0, prednisone_mg=0),
        lambda t: ep.doris_remission(clinical_sledai=0, pga=math.inf, prednisone_mg=0),
        lambda t: ep.lldas(sledai=0, major_organ_activity="no", new_activity=False, pga=0,
                           prednisone_mg=0),
        lambda t: ep.lldas(sledai=0, major_organ_activity=2, new_activity=False, pga=0,
                           prednisone_mg=0),
        lambda t: ep.crs_grade(fever=[], hypotension=[], hypoxia=[]),
        lambda t: ep.icans_grade(ice_score=[]),
        lambda t: ep.hypoxia_from_oxygen([]),
        lambda t: ep.response_rule({"rule": "doris"}).evaluate(t.measurements.iloc[:0]),
    ],
)  # fmt: skip
def test_empty_and_mistyped_data_raise(mackensen, call):
    with pytest.raises(SmallTrialError):
        call(mackensen)


# --------------------------------------------------------------------------------------------
# pandas categorical and nullable dtypes give the same results as plain ones (issue #13)
# --------------------------------------------------------------------------------------------


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_categorical=False)
    else:
        pd.testing.assert_series_equal(pd.Series(a), pd.Series(b), check_dtype=False)


def _s(values, dtype):
    return pd.Series(values, dtype=dtype)


def test_scores_with_nullable_and_categorical_dtypes():
    plain = dict(clinical_sledai=_s([0, 2, None], float), pga=_s([0.1, 0.0, 0], float),
                 prednisone_mg=_s([5, 0, 0], float))  # fmt: skip
    for dtypes in (("Int64", "Float64", "Int64"), ("category",) * 3):
        other = {k: v.astype(d) for (k, v), d in zip(plain.items(), dtypes, strict=True)}
        _same(ep.doris_remission(**plain), ep.doris_remission(**other))
    imm = _s([False, True, None], object)
    for flags in (imm.astype("boolean"), _s([False, True, None], "category")):
        _same(ep.drug_free_remission(**plain, immunosuppressants=imm),
              ep.drug_free_remission(**plain, immunosuppressants=flags))  # fmt: skip
    for items in (ITEMS.astype("Int64"), ITEMS.astype(bool).astype("boolean"),
                  ITEMS.astype("category")):  # fmt: skip
        _same(ep.sledai2k(ITEMS), ep.sledai2k(items))
    _same(
        ep.crs_grade(fever=_s([38.5, 37.0], float), hypotension=_s(["none", "one_vasopressor"],
                     object), hypoxia=_s(["low_flow", None], object)),
        ep.crs_grade(fever=_s([38.5, 37.0], "Float64"), hypotension=_s(
                     ["none", "one_vasopressor"], "category"), hypoxia=_s(["low_flow", None], "string")),
    )  # fmt: skip
    _same(
        ep.icans_grade(ice_score=_s([10, 5, None], float), seizure=_s(["none"] * 3, object)),
        ep.icans_grade(ice_score=_s([10, 5, None], "Int64"), seizure=_s(["none"] * 3, "string")),
    )
    _same(
        ep.hypoxia_from_oxygen(_s(["nasal_cannula", "cpap", None], object), _s([7, None, None], float)),
        ep.hypoxia_from_oxygen(_s(["nasal_cannula", "cpap", None], "string"), _s([7, None, None], "Int64")),
    )  # fmt: skip
    _same(
        ep.derive_sledai_items(upcr=_s([0.4, 0.6, None], float), joint_count=_s([1, 3, None], float)),
        ep.derive_sledai_items(upcr=_s([0.4, 0.6, None], "Float64"), joint_count=_s([1, 3, None], "Int64")),
    )  # fmt: skip


def test_trial_frames_with_nullable_and_categorical_dtypes(mackensen):
    m, ev = mackensen.measurements, mackensen.events
    variants = [
        m.astype({"subject": "category", "parameter": "category", "visit": "category",
                  "value": "Float64", "day": "Int64", "unit": "string"}),
        m.astype({"subject": "string", "parameter": "string", "visit": "string"}),
    ]  # fmt: skip
    for other in variants:
        _same(ep.derive_visit_endpoints(m), ep.derive_visit_endpoints(other))
        _same(ep.derive_visit_endpoints(m, by="visit"), ep.derive_visit_endpoints(other, by="visit"))
        _same(ep.add_endpoints(m), ep.add_endpoints(other))
        _same(ep.remission_summary(m), ep.remission_summary(other))
        for rule in ("doris", "sri4"):
            _same(ep.response_rule({"rule": rule}).evaluate(m),
                  ep.response_rule({"rule": rule}).evaluate(other))  # fmt: skip
    for other in (ev.astype({"subject": "category", "event": "category", "grade": "Float64"}),
                  ev.astype({"subject": "string", "event": "string", "grade": "Int64"})):  # fmt: skip
        _same(ep.worst_toxicity_grade(ev), ep.worst_toxicity_grade(other))


# --------------------------------------------------------------------------------------------
# response rules: confirmation only removes responses; all/any bracket their parts
# --------------------------------------------------------------------------------------------

VALUES = st.sampled_from([0.0, 1.0, 2.0, 3.0, np.nan])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(1, 200), VALUES, VALUES),
                min_size=1, max_size=12, unique_by=lambda r: (r[0], r[1])),
       st.sampled_from([0, 14, 28, 60]))  # fmt: skip
def test_rule_properties(rows, days):
    m = pd.DataFrame(
        [(s, d, "p", p) for s, d, p, _ in rows] + [(s, d, "q", q) for s, d, _, q in rows],
        columns=["subject", "day", "parameter", "value"],
    )
    p = {"parameter": "p", "op": ">=", "value": 2}
    q = {"parameter": "q", "op": "<", "value": 1}
    plain = ep.response_rule(p).evaluate(m)["met"]
    confirmed = ep.response_rule({**p, "confirm_days": days}).evaluate(m)["met"]
    assert not (confirmed.fillna(False) & ~plain.fillna(True)).any()  # confirmed => met
    assert not (confirmed.fillna(False) & plain.isna()).any()
    both = ep.response_rule({"all": [p, q]}).evaluate(m)["met"]
    either = ep.response_rule({"any": [p, q]}).evaluate(m)["met"]
    other = ep.response_rule(q).evaluate(m)["met"]
    # same rows (p and q are recorded at the same visits), Kleene: all <= each part <= any
    assert (both == (plain & other)).fillna(both.isna() & (plain & other).isna()).all()
    assert (either == (plain | other)).fillna(either.isna() & (plain | other).isna()).all()
