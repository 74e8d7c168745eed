"""Property tests for smalltrial.endpoints: logical relations that follow from the definitions.

* drug-free remission implies DORIS remission (it adds two criteria);
* DORIS implies LLDAS when the non-SLEDAI LLDAS inputs are favourable: clinical SLEDAI-2K = 0
  leaves at most the 4 serological points, PGA < 0.5 <= 1 and prednisone <= 5 <= 7.5;
* missing input is never "in remission";
* array results equal the element-by-element scalar results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

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
