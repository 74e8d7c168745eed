"""smalltrial.endpoints: SLEDAI-2K, DORIS, LLDAS, SRI-4, ASTCT grades.

Every expected value is a hand calculation from the published rule cited beside it (there is no R
reference implementation of these scoring rules): Gladman 2002 (SLEDAI-2K), van Vollenhoven 2021
(DORIS), Franklyn 2016 (LLDAS), Furie 2009 (SRI-4), Lee 2019 (ASTCT CRS/ICANS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smalltrial import SmallTrialError
from smalltrial import endpoints as ep

KEYS = [
    "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance",
    "cranial_nerve_disorder", "lupus_headache", "cva", "vasculitis", "arthritis", "myositis",
    "urinary_casts", "hematuria", "proteinuria", "pyuria", "rash", "alopecia", "mucosal_ulcers",
    "pleurisy", "pericarditis", "low_complement", "increased_dna_binding", "fever",
    "thrombocytopenia", "leukopenia",
]  # fmt: skip


def items_frame(*present, n=1, value=1):
    frame = pd.DataFrame({k: [0] * n for k in KEYS})
    for k in present:
        frame[k] = value
    return frame


# ----------------------------------------------------------------------------- SLEDAI-2K
def test_weights_contract_order_and_sum():
    assert list(ep.SLEDAI2K_WEIGHTS) == KEYS
    assert sum(ep.SLEDAI2K_WEIGHTS.values()) == 105  # Gladman 2002: maximum 105
    # 8 x 8 (CNS + vasculitis) + 6 x 4 + 7 x 2 + 3 x 1 = 64 + 24 + 14 + 3 = 105
    assert [ep.SLEDAI2K_WEIGHTS[k] for k in KEYS].count(8) == 8
    assert [ep.SLEDAI2K_WEIGHTS[k] for k in KEYS].count(4) == 6
    assert [ep.SLEDAI2K_WEIGHTS[k] for k in KEYS].count(2) == 7
    assert [ep.SLEDAI2K_WEIGHTS[k] for k in KEYS].count(1) == 3


def test_sledai_hand_example():
    # arthritis 4 + proteinuria 4 + low complement 2 = 10; clinical leaves out the 2 -> 8
    items = items_frame("arthritis", "proteinuria", "low_complement")
    assert ep.sledai2k(items).iloc[0] == 10
    assert ep.sledai2k(items, clinical=True).iloc[0] == 8
    assert ep.sledai2k(items).name == "sledai2k"
    assert ep.sledai2k(items, clinical=True).name == "clinical_sledai2k"


def test_sledai_all_and_none_and_bool_columns():
    assert ep.sledai2k(items_frame(*KEYS)).iloc[0] == 105
    assert ep.sledai2k(items_frame(*KEYS), clinical=True).iloc[0] == 101
    assert ep.sledai2k(items_frame()).iloc[0] == 0
    booleans = items_frame("seizure", "fever").astype(bool)
    assert ep.sledai2k(booleans).iloc[0] == 9
    nullable = items_frame("rash").astype("boolean")
    assert ep.sledai2k(nullable).iloc[0] == 2


def test_sledai_each_item_alone_scores_its_weight():
    for key in KEYS:
        assert ep.sledai2k(items_frame(key)).iloc[0] == ep.SLEDAI2K_WEIGHTS[key]


def test_sledai_keeps_index_and_vectorises():
    items = items_frame(n=3)
    items.index = ["v1", "v2", "v3"]
    items.loc["v2", "cva"] = 1
    items.loc["v3", "leukopenia"] = 1
    out = ep.sledai2k(items)
    assert out.index.tolist() == ["v1", "v2", "v3"]
    assert out.tolist() == [0, 8, 1]


def test_sledai_missing_item_is_nan_not_zero():
    items = items_frame("arthritis", n=2).astype(float)
    items.loc[1, "pyuria"] = np.nan
    out = ep.sledai2k(items)
    assert out.iloc[0] == 4 and np.isnan(out.iloc[1])
    # a missing serological item does not matter for the clinical score
    items.loc[1, "pyuria"] = 0
    items.loc[1, "low_complement"] = np.nan
    assert np.isnan(ep.sledai2k(items).iloc[1])
    assert ep.sledai2k(items, clinical=True).iloc[1] == 4
    obj = items_frame().astype(object)
    obj.loc[0, "rash"] = None
    assert np.isnan(ep.sledai2k(obj).iloc[0])


def test_sledai_missing_column_named():
    items = items_frame().drop(columns=["pericarditis"])
    with pytest.raises(SmallTrialError, match="no column 'pericarditis'"):
        ep.sledai2k(items)
    # clinical does not need the serological columns
    clin = items_frame("rash").drop(columns=["low_complement", "increased_dna_binding"])
    assert ep.sledai2k(clin, clinical=True).iloc[0] == 2
    with pytest.raises(SmallTrialError, match="low_complement"):
        ep.sledai2k(clin)


def test_sledai_bad_values_named():
    items = items_frame(n=3)
    items["arthritis"] = [0, 2, 1]
    with pytest.raises(SmallTrialError, match=r"'arthritis'.*0/1.*2.*row 1"):
        ep.sledai2k(items)
    items = items_frame(n=2).astype(object)
    items.loc[0, "rash"] = "yes"
    with pytest.raises(SmallTrialError, match=r"'rash'.*'yes'.*row 0"):
        ep.sledai2k(items)
    items = items_frame().astype(float)
    items["fever"] = 0.5
    with pytest.raises(SmallTrialError, match=r"'fever'.*0.5"):
        ep.sledai2k(items)
    with pytest.raises(SmallTrialError, match="DataFrame"):
        ep.sledai2k([[0] * 24])


# ----------------------------------------------------------------------------- raw data
def test_derive_items_boundaries():
    d = ep.derive_sledai_items(
        upcr=[0.5, 0.5000001, np.nan],
        platelets=[100, 99.9, 150],
        wbc=[3.0, 2.99, np.nan],
        rbc_hpf=[5, 6, 0],
        wbc_hpf=[5, 6, np.nan],
        temperature=[38.0, 38.1, 37.0],
    )
    assert list(d.columns) == [
        "hematuria", "proteinuria", "pyuria", "fever", "thrombocytopenia", "leukopenia",
    ]  # fmt: skip
    assert d["proteinuria"].tolist()[:2] == [0.0, 1.0]  # 0.5 is not > 0.5
    assert np.isnan(d["proteinuria"].iloc[2])  # missing input -> missing item
    assert d["thrombocytopenia"].tolist() == [0.0, 1.0, 0.0]  # 100 is not < 100
    assert d["leukopenia"].tolist()[:2] == [0.0, 1.0]
    assert np.isnan(d["leukopenia"].iloc[2])
    assert d["hematuria"].tolist() == [0.0, 1.0, 0.0]  # 5/hpf is not > 5
    assert d["pyuria"].tolist()[:2] == [0.0, 1.0]
    assert d["fever"].tolist() == [0.0, 1.0, 0.0]  # 38.0 is not > 38


def test_derive_proteinuria_units_and_24h():
    d = ep.derive_sledai_items(upcr=[500, 501], upcr_unit="mg/g")
    assert d["proteinuria"].tolist() == [0.0, 1.0]
    # 57 mg/mmol x 8.84 = 503.9 mg/g > 500; 56 mg/mmol = 495.0 mg/g
    d = ep.derive_sledai_items(upcr=[56, 57], upcr_unit="mg/mmol")
    assert d["proteinuria"].tolist() == [0.0, 1.0]
    d = ep.derive_sledai_items(upcr=[0.2, np.nan, np.nan, 0.2], protein_24h=[0.6, 0.6, 0.4, 0.5])
    # either one above 0.5 scores; a missing one with the other below stays missing
    assert d["proteinuria"].iloc[:2].tolist() == [1.0, 1.0]
    assert np.isnan(d["proteinuria"].iloc[2])
    assert d["proteinuria"].iloc[3] == 0.0
    with pytest.raises(SmallTrialError, match="upcr_unit"):
        ep.derive_sledai_items(upcr=1, upcr_unit="g/L")


def test_derive_serology_limits():
    d = ep.derive_sledai_items(
        c3=[0.9, 0.89, 1.2, np.nan], c3_lower=0.9,
        c4=[0.1, 0.1, 0.09, 0.05], c4_lower=0.1,
        anti_dsdna=[100, 100.5, np.nan, 10], anti_dsdna_upper=[100, 100, 100, 20],
    )  # fmt: skip
    # at the lower limit is not below it; either C3 or C4 below scores
    assert d["low_complement"].tolist() == [0.0, 1.0, 1.0, 1.0]
    assert d["increased_dna_binding"].iloc[[0, 1, 3]].tolist() == [0.0, 1.0, 0.0]
    assert np.isnan(d["increased_dna_binding"].iloc[2])
    d = ep.derive_sledai_items(c3=[np.nan], c3_lower=0.9, c4=[0.2], c4_lower=0.1)
    assert np.isnan(d["low_complement"].iloc[0])  # C4 normal, C3 unknown: unknown
    with pytest.raises(SmallTrialError, match="c3_lower"):
        ep.derive_sledai_items(c3=0.5)


def test_derive_arthritis_min_joints():
    d = ep.derive_sledai_items(joint_count=[0, 1, 2, 3, np.nan])
    assert d["arthritis"].iloc[:4].tolist() == [0.0, 0.0, 1.0, 1.0]  # >= 2 joints (SLEDAI-2K)
    assert np.isnan(d["arthritis"].iloc[4])
    d = ep.derive_sledai_items(joint_count=[2, 3], arthritis_min_joints=3)  # "> 2 joints"
    assert d["arthritis"].tolist() == [0.0, 1.0]
    with pytest.raises(SmallTrialError, match="arthritis_min_joints"):
        ep.derive_sledai_items(joint_count=2, arthritis_min_joints=0)
    with pytest.raises(SmallTrialError, match="joint_count must be whole"):
        ep.derive_sledai_items(joint_count=2.5)


def test_derive_items_feed_sledai_and_keep_index():
    idx = pd.Index(["a", "b"])
    d = ep.derive_sledai_items(
        upcr=pd.Series([1.0, 0.1], index=idx), platelets=pd.Series([50, 200], index=idx)
    )
    assert d.index.tolist() == ["a", "b"]
    items = items_frame(n=2)
    items.index = idx
    items[d.columns] = d
    assert ep.sledai2k(items).tolist() == [5.0, 0.0]  # proteinuria 4 + thrombocytopenia 1


def test_derive_items_bad_input():
    with pytest.raises(SmallTrialError, match="at least one input"):
        ep.derive_sledai_items()
    with pytest.raises(SmallTrialError, match=r"platelets must be numeric; got 'low'"):
        ep.derive_sledai_items(platelets=["low"])
    with pytest.raises(SmallTrialError, match=r"upcr must be in \[0, inf\]; got -1"):
        ep.derive_sledai_items(upcr=[-1.0])
    with pytest.raises(SmallTrialError, match="platelets has length 3 but upcr has length 2"):
        ep.derive_sledai_items(platelets=[1, 2, 3], upcr=[1, 2])


# ----------------------------------------------------------------------------- DORIS
def test_doris_boundaries_scalar():
    ok = {"clinical_sledai": 0, "pga": 0.49, "prednisone_mg": 5}
    assert ep.doris_remission(**ok) is True  # prednisone 5 is <= 5
    assert ep.doris_remission(**{**ok, "pga": 0.5}) is False  # 0.5 is not < 0.5
    assert ep.doris_remission(**{**ok, "pga": 0.0}) is True
    assert ep.doris_remission(**{**ok, "prednisone_mg": 5.01}) is False
    assert ep.doris_remission(**{**ok, "clinical_sledai": 1}) is False
    assert ep.doris_remission(**{**ok, "clinical_sledai": 4}) is False


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"clinical_sledai": 2}, "clinical SLEDAI-2K > 0"),
        ({"pga": 1.0}, "PGA >= 0.5"),
        ({"prednisone_mg": 7.5}, "prednisone > 5 mg/day"),
    ],
)
def test_doris_each_criterion_failing_alone(change, reason):
    ok = {"clinical_sledai": 0, "pga": 0.0, "prednisone_mg": 0}
    result, why = ep.doris_remission(**{**ok, **change}, return_reasons=True)
    assert result is False
    assert why == reason


def test_doris_missing_is_never_remission():
    ok = {"clinical_sledai": 0, "pga": 0.0, "prednisone_mg": 0}
    for name in ok:
        for missing in (np.nan, None, pd.NA):
            result, why = ep.doris_remission(**{**ok, name: missing}, return_reasons=True)
            assert result is pd.NA
            assert why == f"not evaluable: {name} missing"
    # a known failure decides even with another input missing (Kleene logic)
    result, why = ep.doris_remission(
        clinical_sledai=6, pga=np.nan, prednisone_mg=0, return_reasons=True
    )
    assert result is False and why == "clinical SLEDAI-2K > 0"


def test_doris_vectorised_kinds():
    s = pd.Series([0, 0, 2, np.nan], index=list("wxyz"))
    out = ep.doris_remission(clinical_sledai=s, pga=[0.0, 0.5, 0.0, 0.0], prednisone_mg=5)
    assert isinstance(out, pd.Series) and out.dtype == "boolean"
    assert out.index.tolist() == list("wxyz")
    assert out.tolist() == [True, False, False, pd.NA]
    assert int(out.sum()) == 1  # NA never counted
    arr = ep.doris_remission(clinical_sledai=np.array([0, 0]), pga=[0.1, 0.2], prednisone_mg=[1, 6])
    assert isinstance(arr, pd.arrays.BooleanArray)
    assert arr.tolist() == [True, False]
    res, why = ep.doris_remission(
        clinical_sledai=[0, 3], pga=[0.7, 0.7], prednisone_mg=[10, 0], return_reasons=True
    )
    assert list(why) == ["PGA >= 0.5; prednisone > 5 mg/day", "clinical SLEDAI-2K > 0; PGA >= 0.5"]


def test_doris_prednisone_max_option():
    # the task force's final statement prints "< 5 mg/day"
    assert ep.doris_remission(clinical_sledai=0, pga=0, prednisone_mg=5, prednisone_max=4.99) is False


def test_doris_bad_input():
    with pytest.raises(SmallTrialError, match=r"pga must be in \[0, 3\]; got 3.5"):
        ep.doris_remission(clinical_sledai=0, pga=3.5, prednisone_mg=0)
    with pytest.raises(SmallTrialError, match=r"prednisone_mg must be in \[0, inf\]; got -1"):
        ep.doris_remission(clinical_sledai=0, pga=0, prednisone_mg=-1)
    with pytest.raises(SmallTrialError, match=r"clinical_sledai must be numeric; got 'zero'"):
        ep.doris_remission(clinical_sledai="zero", pga=0, prednisone_mg=0)
    with pytest.raises(SmallTrialError, match=r"clinical_sledai must be numeric; got True"):
        ep.doris_remission(clinical_sledai=True, pga=0, prednisone_mg=0)
    with pytest.raises(SmallTrialError, match="pga has length 3 but clinical_sledai has length 2"):
        ep.doris_remission(clinical_sledai=[0, 0], pga=[0, 0, 0], prednisone_mg=0)
    a = pd.Series([0, 0], index=[1, 2])
    b = pd.Series([0, 0], index=[2, 3])
    with pytest.raises(SmallTrialError, match="different indexes"):
        ep.doris_remission(clinical_sledai=a, pga=b, prednisone_mg=0)
    with pytest.raises(SmallTrialError, match=r"pga must be in \[0, 3\]; got 4.0 \(at index 'b'\)"):
        ep.doris_remission(
            clinical_sledai=0, pga=pd.Series([0, 4.0], index=["a", "b"]), prednisone_mg=0
        )


def test_drug_free_remission():
    ok = {"clinical_sledai": 0, "pga": 0.0, "prednisone_mg": 0, "immunosuppressants": False}
    assert ep.drug_free_remission(**ok) is True
    assert ep.drug_free_remission(**{**ok, "immunosuppressants": 0}) is True
    cases = [
        ({"prednisone_mg": 2.5}, "on glucocorticoids"),  # DORIS yes, drug-free no
        ({"immunosuppressants": True}, "on immunosuppressants"),
        ({"pga": 0.5}, "PGA >= 0.5"),
        ({"clinical_sledai": 1}, "clinical SLEDAI-2K > 0"),
    ]
    for change, reason in cases:
        result, why = ep.drug_free_remission(**{**ok, **change}, return_reasons=True)
        assert result is False and why == reason
    result, why = ep.drug_free_remission(**{**ok, "immunosuppressants": None}, return_reasons=True)
    assert result is pd.NA and why == "not evaluable: immunosuppressants missing"
    with pytest.raises(SmallTrialError, match="immunosuppressants must be True/False"):
        ep.drug_free_remission(**{**ok, "immunosuppressants": 2})


# ----------------------------------------------------------------------------- LLDAS
LLDAS_OK = {
    "sledai": 4, "major_organ_activity": False, "new_activity": False, "pga": 1.0,
    "prednisone_mg": 7.5,
}  # fmt: skip


def test_lldas_boundaries():
    assert ep.lldas(**LLDAS_OK) is True  # SLEDAI 4, PGA 1, prednisone 7.5 are all in
    assert ep.lldas(**{**LLDAS_OK, "sledai": 5}) is False
    assert ep.lldas(**{**LLDAS_OK, "pga": 1.01}) is False
    assert ep.lldas(**{**LLDAS_OK, "prednisone_mg": 7.6}) is False
    assert ep.lldas(**{**LLDAS_OK, "sledai": 0, "pga": 0, "prednisone_mg": 0}) is True


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sledai": 6}, "SLEDAI-2K > 4"),
        ({"major_organ_activity": True}, "major organ activity"),
        ({"haemolytic_anaemia": True}, "haemolytic anaemia"),
        ({"gi_activity": True}, "gastrointestinal activity"),
        ({"new_activity": True}, "new lupus activity"),
        ({"pga": 1.5}, "PGA > 1"),
        ({"prednisone_mg": 10}, "prednisone > 7.5 mg/day"),
        ({"immunosuppressants_tolerated": False}, "immunosuppressants not tolerated"),
    ],
)
def test_lldas_each_criterion_failing_alone(change, reason):
    result, why = ep.lldas(**{**LLDAS_OK, **change}, return_reasons=True)
    assert result is False and why == reason


def test_lldas_missing_and_vectorised():
    result, why = ep.lldas(**{**LLDAS_OK, "new_activity": np.nan}, return_reasons=True)
    assert result is pd.NA and why == "not evaluable: new_activity missing"
    out = ep.lldas(
        sledai=pd.Series([2, 2, 8]), major_organ_activity=[0, 1, 0], new_activity=False,
        pga=[0.5, 0.5, np.nan], prednisone_mg=[5, 5, 5],
    )  # fmt: skip
    assert out.tolist() == [True, False, False]


# ----------------------------------------------------------------------------- SRI-4
def test_sri4_modified_boundaries():
    base = {"sledai_baseline": 10, "pga_baseline": 1.0}
    assert ep.sri4(**base, sledai=6, pga=1.0) is True  # reduction exactly 4
    assert ep.sri4(**base, sledai=7, pga=1.0) is False  # reduction 3
    assert ep.sri4(**base, sledai=6, pga=1.29) is True  # PGA increase 0.29 < 0.3
    assert ep.sri4(**base, sledai=6, pga=1.3) is False  # increase exactly 0.3 is worsening
    assert ep.sri4(sledai_baseline=10, sledai=6, pga_baseline=0.1, pga=0.4) is False  # 0.3 in fp
    assert ep.sri4(**base, sledai=0, pga=0.0) is True


def test_sri4_with_bilag():
    args = {"sledai_baseline": 12, "sledai": 4, "pga_baseline": 2.0, "pga": 1.0}
    assert ep.sri4(**args, bilag_new_a=0, bilag_new_b=1) is True  # at most one new B
    result, why = ep.sri4(**args, bilag_new_a=0, bilag_new_b=2, return_reasons=True)
    assert result is False and why == "more than one new BILAG B"
    result, why = ep.sri4(**args, bilag_new_a=1, bilag_new_b=0, return_reasons=True)
    assert result is False and why == "new BILAG A"
    assert ep.sri4(**args, bilag_new_a=False, bilag_new_b=True) is True
    result, why = ep.sri4(**args, bilag_new_a=np.nan, bilag_new_b=0, return_reasons=True)
    assert result is pd.NA and why == "not evaluable: bilag_new_a missing"
    with pytest.raises(SmallTrialError, match="both bilag_new_a and bilag_new_b"):
        ep.sri4(**args, bilag_new_a=0)
    with pytest.raises(SmallTrialError, match="bilag_new_b must be whole"):
        ep.sri4(**args, bilag_new_a=0, bilag_new_b=0.5)


def test_sri4_missing_and_vectorised():
    out = ep.sri4(
        sledai_baseline=[10, 10, np.nan], sledai=[2, 8, 0], pga_baseline=1.0, pga=[1.0, 0.0, 0.0]
    )
    assert out.tolist() == [True, False, pd.NA]


# ----------------------------------------------------------------------------- CRS
def test_crs_table():
    # Lee 2019 Table 3: grade = worse of the hypotension and hypoxia columns, given fever
    hyp = ["none", "no_vasopressor", "one_vasopressor", "multiple_vasopressors"]
    oxy = ["none", "low_flow", "high_flow", "positive_pressure"]
    for i, h in enumerate(hyp):
        for j, o in enumerate(oxy):
            assert ep.crs_grade(fever=True, hypotension=h, hypoxia=o) == max(i, j) + 1
    assert ep.crs_grade(fever=True, hypotension="one_vasopressor", hypoxia="low_flow") == 3.0


def test_crs_fever_threshold_and_absence():
    assert ep.crs_grade(fever=38.0, hypotension="none", hypoxia="none") == 1.0  # >= 38.0
    assert ep.crs_grade(fever=37.9, hypotension="none", hypoxia="none") == 0.0
    # no fever: no CRS, whatever else
    assert ep.crs_grade(fever=False, hypotension="one_vasopressor", hypoxia="none") == 0.0
    # fever masked by tocilizumab/steroids: graded by hypotension and hypoxia alone
    assert (
        ep.crs_grade(fever=37.0, hypotension="one_vasopressor", hypoxia="none", fever_masked=True)
        == 3.0
    )
    assert ep.crs_grade(fever=False, hypotension="none", hypoxia="none", fever_masked=True) == 1.0
    assert ep.crs_grade(fever=True, hypotension="none", hypoxia="none", death=True) == 5.0
    assert np.isnan(ep.crs_grade(fever=np.nan, hypotension="none", hypoxia="none"))


def test_crs_missing_columns():
    assert np.isnan(ep.crs_grade(fever=True, hypotension=None, hypoxia="low_flow"))
    # the other column already at grade 4 decides
    assert ep.crs_grade(fever=True, hypotension=None, hypoxia="positive_pressure") == 4.0


def test_crs_vectorised_and_errors():
    out = ep.crs_grade(
        fever=np.array([True, True, False]),
        hypotension=["none", "no_vasopressor", "none"],
        hypoxia=pd.Series(["high_flow", "none", "none"], index=[7, 8, 9]),
    )
    assert isinstance(out, pd.Series) and out.index.tolist() == [7, 8, 9]
    assert out.tolist() == [3.0, 2.0, 0.0]
    arr = ep.crs_grade(fever=[38.5, 36.6], hypotension="none", hypoxia="none")
    assert isinstance(arr, np.ndarray) and arr.tolist() == [1.0, 0.0]
    with pytest.raises(SmallTrialError, match=r"hypotension must be one of 'none', 'no_vasopressor', 'one_vasopressor', 'multiple_vasopressors'; got 'pressors'"):
        ep.crs_grade(fever=True, hypotension="pressors", hypoxia="none")
    with pytest.raises(SmallTrialError, match=r"hypoxia must be one of .*'positive_pressure'; got 'mask' \(at position 1\)"):
        ep.crs_grade(fever=True, hypotension="none", hypoxia=["none", "mask"])
    with pytest.raises(SmallTrialError, match="fever must be True/False or a temperature"):
        ep.crs_grade(fever=1, hypotension="none", hypoxia="none")


def test_hypoxia_from_oxygen_six_litres():
    out = ep.hypoxia_from_oxygen(
        ["nasal_cannula", "nasal_cannula", "blow_by", "face_mask", "bipap", "none", None],
        [6.0, 6.1, None, 5, None, None, None],
    )
    assert list(out) == [
        "low_flow", "high_flow", "low_flow", "high_flow", "positive_pressure", "none", None,
    ]  # fmt: skip
    assert ep.crs_grade(fever=True, hypotension="none", hypoxia=out[:6]).tolist() == [
        2.0, 3.0, 2.0, 3.0, 4.0, 1.0,
    ]  # fmt: skip
    with pytest.raises(SmallTrialError, match="flow_l_min is needed"):
        ep.hypoxia_from_oxygen("nasal_cannula")
    with pytest.raises(SmallTrialError, match="device must be one of"):
        ep.hypoxia_from_oxygen("tent", 2)


# ----------------------------------------------------------------------------- ICANS
def test_icans_ice_boundaries():
    expected = {10: 0, 9: 1, 7: 1, 6: 2, 3: 2, 2: 3, 0: 3}
    for score, grade in expected.items():
        assert ep.icans_grade(ice_score=score) == grade
    # ICE 0 because unarousable -> 4 (awake with global aphasia stays 3)
    assert ep.icans_grade(ice_score=0, unarousable=True) == 4.0
    out = ep.icans_grade(ice_score=[10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    assert out.tolist() == [0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]


def test_icans_domains_and_worst():
    assert ep.icans_grade(consciousness="awakens_spontaneously") == 1.0
    assert ep.icans_grade(consciousness="awakens_to_voice") == 2.0
    assert ep.icans_grade(consciousness="awakens_to_touch") == 3.0
    assert ep.icans_grade(consciousness="unarousable") == 4.0
    assert ep.icans_grade(seizure="rapidly_resolving") == 3.0
    assert ep.icans_grade(seizure="prolonged_or_repetitive") == 4.0
    assert ep.icans_grade(motor="deep_focal_weakness") == 4.0
    assert ep.icans_grade(motor=False) == 0.0
    assert ep.icans_grade(cerebral_oedema="focal") == 3.0
    assert ep.icans_grade(cerebral_oedema="diffuse") == 4.0
    # Lee 2019 example: ICE score 3 with a generalised seizure -> grade 3
    assert ep.icans_grade(ice_score=3, seizure="rapidly_resolving") == 3.0
    assert (
        ep.icans_grade(ice_score=8, consciousness="normal", seizure="none", motor="none",
                       cerebral_oedema="none")
        == 1.0
    )  # fmt: skip
    assert np.isnan(ep.icans_grade(ice_score=np.nan, seizure="none"))
    assert ep.icans_grade(ice_score=np.nan, cerebral_oedema="diffuse") == 4.0


def test_icans_errors():
    with pytest.raises(SmallTrialError, match="at least one domain"):
        ep.icans_grade()
    with pytest.raises(SmallTrialError, match=r"ice_score must be in \[0, 10\]; got 11"):
        ep.icans_grade(ice_score=11)
    with pytest.raises(SmallTrialError, match="ice_score must be whole"):
        ep.icans_grade(ice_score=7.5)
    with pytest.raises(SmallTrialError, match=r"consciousness must be one of 'normal'.*; got 'drowsy'"):
        ep.icans_grade(consciousness="drowsy")
    with pytest.raises(SmallTrialError, match=r"seizure must be one of .*; got 'yes'"):
        ep.icans_grade(seizure="yes")


# ---- bad input names the argument / column and the value (quality pass) ----


def _visit(visit_labels, values):
    return pd.DataFrame(
        {
            "subject": "a",
            "day": [90] * 4,
            "visit": visit_labels,
            "parameter": ["sledai2k", "pga", "prednisone_mg", "immunosuppressants"],
            "value": values,
        }
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ep.doris_remission(clinical_sledai=np.zeros((2, 2)), pga=0, prednisone_mg=0),
         r"clinical_sledai must be one-dimensional, got shape \(2, 2\)"),
        (lambda: ep.drug_free_remission(clinical_sledai=0, pga=0, prednisone_mg=0,
                                        immunosuppressants=[0, 2]),
         r"immunosuppressants must be True/False \(or 0/1\); got 2 \(at position 1\)"),
        (lambda: ep.derive_visit_endpoints(_visit([None, "m3", "m3", "m3"], [0, 0, 0, 0]),
                                           by="visit"),
         r"column 'visit' of measurements has missing labels \(subject 'a'\); use by='day'"),
        (lambda: ep.derive_visit_endpoints(_visit("m3", [0, "low", 0, 0])),
         r"column 'value' of measurements must be numeric; got 'low' \(subject 'a'\)"),
        (lambda: ep.derive_visit_endpoints(_visit("m3", [0, 0, 0, 0]), by="week"),
         r"by must be one of 'day', 'visit'; got 'week'"),
        (lambda: ep.worst_toxicity_grade([1, 2]),
         r"events must be an events DataFrame or a Trial, got list"),
    ],
)
def test_bad_input_names_argument_and_value(call, match):
    with pytest.raises(SmallTrialError, match=match):
        call()
