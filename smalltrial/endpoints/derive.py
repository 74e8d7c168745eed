"""Endpoints applied to a Trial: per-visit lupus endpoints, added parameters, remission summaries.

:func:`derive_visit_endpoints` scores SLEDAI-2K, DORIS, drug-free remission and LLDAS per subject
and visit with the rules of :mod:`smalltrial.domains.lupus`; :func:`add_endpoints` writes them
back as measurement parameters; :func:`remission_summary` summarises them per subject. All names
are importable from :mod:`smalltrial.endpoints`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError, warn
from smalltrial._validate import (
    _show,
    check_columns,
    check_frame,
    check_unique_rows,
    describe_rows,
)
from smalltrial.domains.lupus import (
    MAJOR_ORGAN_ITEMS,
    SEROLOGICAL_ITEMS,
    SLEDAI2K_WEIGHTS,
    _item_values,
    doris_remission,
    drug_free_remission,
    lldas,
    sledai2k,
)
from smalltrial.endpoints.engine import (
    _flag,
    _kleene_or,
    _Shape,
    check_flag,
    check_option,
    check_optional_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from smalltrial.trial import Trial

__all__ = ["derive_visit_endpoints", "add_endpoints", "remission_summary"]


_ITEM_PARAMS = {f"sledai_{k}": k for k in SLEDAI2K_WEIGHTS}
_VISIT_PARAMS = (
    "sledai2k",
    *_ITEM_PARAMS,
    "pga",
    "prednisone_mg",
    "immunosuppressants",
    "haemolytic_anaemia",
    "gi_activity",
    "new_activity",
)
_DERIVED_PARAMS = ("clinical_sledai2k", "doris", "drug_free_remission", "lldas")
_SLE_ACTIVITY_PARAMS = ("sledai2k", *_ITEM_PARAMS, "pga")


def _measurements(data: Any) -> pd.DataFrame:
    frame = getattr(data, "measurements", data)
    if not isinstance(frame, pd.DataFrame):
        raise SmallTrialError(
            f"data must be a Trial or a measurements DataFrame, got {type(data).__name__}"
        )
    check_frame(frame, "measurements")
    check_columns(frame, ("subject", "day", "parameter", "value"), "measurements")
    return frame


def derive_visit_endpoints(
    data: Any,
    *,
    haemolytic_anaemia: bool = False,
    gi_activity: bool = False,
    immunosuppressants_tolerated: bool = True,
    serology_counts_as_new_activity: bool = False,
    by: str = "day",
    cohort: str | None = "SLE",
) -> pd.DataFrame:
    """Per subject and visit day: SLEDAI-2K, clinical SLEDAI-2K, DORIS, drug-free remission, LLDAS.

    Parameters
    ----------
    data
        a :class:`smalltrial.Trial` or its long ``measurements`` DataFrame (``subject, day,
        visit, parameter, value``) with the parameters of the shared vocabulary: ``sledai2k``,
        ``sledai_<item>`` (0/1, items = keys of :data:`SLEDAI2K_WEIGHTS`), ``pga``,
        ``prednisone_mg``, ``immunosuppressants`` (0/1) and optionally ``haemolytic_anaemia``,
        ``gi_activity``, ``new_activity`` (0/1, for LLDAS).
    haemolytic_anaemia, gi_activity, immunosuppressants_tolerated
        the LLDAS inputs that are not SLEDAI-2K descriptors, used where the measurements do not
        record them (defaults: absent, absent, tolerated - an assumption; record the
        parameters to override it per visit).
    serology_counts_as_new_activity
        whether a serological descriptor (low complement, increased DNA binding) that appears
        since the previous visit is "new lupus activity" for LLDAS. Default False: LLDAS allows
        serological activity within SLEDAI-2K <= 4 (Franklyn 2016), so only the clinical
        descriptors are compared.
    by
        ``"day"`` (default): a visit is a subject x day, so all inputs of a visit must share
        its day; ``"visit"``: a visit is a subject x visit label (inputs recorded on different
        days of one visit are combined; ``day`` is then the visit's earliest day).
    cohort
        for a Trial whose ``subjects`` have a ``cohort`` column: derive only for subjects of
        this cohort (default ``"SLE"``: DORIS, LLDAS and SLEDAI-2K are SLE definitions, and a
        myositis patient on prednisone is not "not in remission"); ``None`` for all subjects.
        Ignored for a measurements DataFrame. Whatever the cohort, a subject with no SLE
        disease-activity measurement at any visit (``sledai2k``, ``sledai_<item>`` or ``pga``)
        gets no rows: the endpoints are not derived for a non-SLE patient.

    Returns
    -------
    DataFrame, one row per subject x day (sorted), columns ``subject, day, visit, sledai2k,
    sledai2k_recorded, sledai2k_from_items, sledai2k_disagrees, clinical_sledai2k, pga,
    prednisone_mg, immunosuppressants, doris, doris_reason, drug_free_remission,
    drug_free_reason, lldas, lldas_reason``. Endpoints are nullable booleans (``<NA>`` = not
    evaluable, with the reason); reasons are "" where the endpoint is met. Warnings raised
    (SmallTrialWarning) are also listed in ``result.attrs["warnings"]``.

    Rules
    -----
    * ``sledai2k``: recomputed from the 24 descriptors when all are recorded
      (:func:`sledai2k`), else the recorded total. A recomputed total that differs from a
      recorded one is flagged (``sledai2k_disagrees``) with a SmallTrialWarning; the recomputed
      one is used.
    * ``clinical_sledai2k``: from the 22 clinical descriptors; else recorded total minus 2 per
      recorded serological descriptor; else 0 where the total is 0; else NaN.
    * DORIS / drug-free remission: :func:`doris_remission`, :func:`drug_free_remission`.
    * LLDAS (:func:`lldas`): major organ activity from the descriptors in
      :data:`MAJOR_ORGAN_ITEMS` (none where the total is 0); new activity from a descriptor
      (clinical, by default) present now and absent at the subject's previous visit (or the ``new_activity``
      parameter; none where the total is 0; not evaluable at a subject's first visit otherwise).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"subject": "01", "day": 90, "visit": "month 3",
    ...                   "parameter": ["sledai2k", "pga", "prednisone_mg", "immunosuppressants"],
    ...                   "value": [0, 0, 0, 0]})
    >>> derive_visit_endpoints(m)[["doris", "drug_free_remission", "lldas"]].iloc[0].tolist()
    [True, True, True]
    """
    haemolytic_anaemia = check_flag(haemolytic_anaemia, "haemolytic_anaemia")
    gi_activity = check_flag(gi_activity, "gi_activity")
    immunosuppressants_tolerated = check_flag(
        immunosuppressants_tolerated, "immunosuppressants_tolerated"
    )
    serology_counts_as_new_activity = check_flag(
        serology_counts_as_new_activity, "serology_counts_as_new_activity"
    )
    by = check_option(by, "by", ("day", "visit"))
    cohort = check_optional_text(cohort, "cohort")
    m = _visit_rows(data, cohort, by)
    wide, out = _visit_table(m, by)
    n = len(out)
    warnings_record: list[str] = []
    items, total = _sledai_totals(wide, out, warnings_record)
    for col in ("pga", "prednisone_mg", "immunosuppressants"):
        out[col] = wide[col].to_numpy(dtype=float)
    # inputs go to the scalar rules as Series labelled by visit, so errors name the visit
    labels = pd.Index(
        [f"{s!r} day {d:g}" for s, d in zip(out["subject"], out["day"], strict=True)],
        dtype=object,
    )
    shape = _Shape("series", labels, n)
    for col in ("immunosuppressants", "haemolytic_anaemia", "gi_activity", "new_activity"):
        _flag(pd.Series(wide[col].to_numpy(), index=labels), col, shape)

    def col(name: str) -> pd.Series:
        return pd.Series(out[name].to_numpy(), index=labels)

    doris, doris_reason = doris_remission(
        clinical_sledai=col("clinical_sledai2k"),
        pga=col("pga"),
        prednisone_mg=col("prednisone_mg"),
        return_reasons=True,
    )
    free, free_reason = drug_free_remission(
        clinical_sledai=col("clinical_sledai2k"),
        pga=col("pga"),
        prednisone_mg=col("prednisone_mg"),
        immunosuppressants=col("immunosuppressants"),
        return_reasons=True,
    )

    major, new = _lldas_activity(items, total, wide, out, serology_counts_as_new_activity)

    def fill(param: str, default: bool) -> np.ndarray:
        col = wide[param].to_numpy(dtype=float)
        return np.where(np.isnan(col), float(default), col)

    low, low_reason = lldas(
        sledai=col("sledai2k"),
        major_organ_activity=pd.Series(major, index=labels),
        new_activity=pd.Series(new, index=labels),
        pga=col("pga"),
        prednisone_mg=col("prednisone_mg"),
        haemolytic_anaemia=pd.Series(fill("haemolytic_anaemia", haemolytic_anaemia), index=labels),
        gi_activity=pd.Series(fill("gi_activity", gi_activity), index=labels),
        immunosuppressants_tolerated=immunosuppressants_tolerated,
        return_reasons=True,
    )
    out["doris"] = doris.to_numpy()
    out["doris_reason"] = doris_reason.to_numpy()
    out["drug_free_remission"] = free.to_numpy()
    out["drug_free_reason"] = free_reason.to_numpy()
    out["lldas"] = low.to_numpy()
    out["lldas_reason"] = low_reason.to_numpy()
    out.attrs["warnings"] = warnings_record
    return out


def _visit_rows(data: Any, cohort: str | None, by: str) -> pd.DataFrame:
    """The measurements the per-visit endpoints read: SLE subjects, needed parameters, checked."""
    m = _measurements(data)
    # categorical keys would group over unobserved categories: plain objects give the same result
    categorical = [
        c
        for c in ("subject", "visit", "parameter")
        if c in m.columns and isinstance(m[c].dtype, pd.CategoricalDtype)
    ]
    if categorical:
        m = m.astype(dict.fromkeys(categorical, object))
    table = getattr(data, "subjects", None)
    if cohort is not None and isinstance(table, pd.DataFrame) and "cohort" in table.columns:
        members = table.loc[table["cohort"] == cohort, "subject"]
        if len(members) == 0:
            raise SmallTrialError(
                f"cohort {cohort!r} has no subjects; cohorts present: "
                f"{_show(table['cohort'].dropna().unique())} (cohort=None for all subjects)"
            )
        m = m[m["subject"].isin(set(members))]
    m = m[m["parameter"].isin(_VISIT_PARAMS)]
    if m.empty:
        raise SmallTrialError(
            "measurements hold none of the parameters needed for the endpoints "
            f"({', '.join(('sledai2k', 'sledai_<item>', 'pga', 'prednisone_mg', 'immunosuppressants'))})"
        )
    # a subject never assessed with an SLE instrument (SLEDAI-2K, its descriptors or the PGA)
    # is not an SLE patient (e.g. myositis / systemic sclerosis on prednisone): no endpoints
    assessed = m.loc[m["parameter"].isin(_SLE_ACTIVITY_PARAMS), "subject"]
    m = m[m["subject"].isin(set(assessed))]
    if m.empty:
        raise SmallTrialError(
            "no subject has an SLE disease-activity measurement (parameter 'sledai2k', "
            "'sledai_<item>' or 'pga'); DORIS, drug-free remission and LLDAS are SLE endpoints"
        )
    if by == "visit":
        check_columns(m, ("visit",), "measurements")
        if m["visit"].isna().any():
            raise SmallTrialError(
                "column 'visit' of measurements has missing labels "
                f"({describe_rows(m, m['visit'].isna(), 'subject')}); use by='day'"
            )
    check_unique_rows(m, ["subject", by, "parameter"], subject="subject", name="measurements")
    values = pd.to_numeric(m["value"], errors="coerce")
    bad = values.isna() & m["value"].notna()
    if bad.any():
        raise SmallTrialError(
            f"column 'value' of measurements must be numeric; got {_show(m.loc[bad, 'value'])} "
            f"({describe_rows(m, bad, 'subject')})"
        )
    m = m.assign(value=values)
    return m


def _visit_table(m: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per subject x ``by`` (sorted by subject and day): wide values and the keys."""
    wide = m.pivot(index=["subject", by], columns="parameter", values="value")
    wide = wide.reindex(columns=list(_VISIT_PARAMS))
    groups = m.groupby(["subject", by], sort=False)
    if by == "visit":
        day = groups["day"].min().reindex(wide.index)
        visit = pd.Series(wide.index.get_level_values("visit"), index=wide.index)
    else:
        day = pd.Series(wide.index.get_level_values("day"), index=wide.index)
        visit = (
            groups["visit"].first().reindex(wide.index)
            if "visit" in m.columns
            else pd.Series(None, index=wide.index, dtype=object)
        )
    keys = pd.DataFrame(
        {"subject": wide.index.get_level_values("subject"), "day": day.to_numpy(dtype=float)}
    )
    order = keys.sort_values(["subject", "day"], kind="mergesort").index.to_numpy()
    wide, day, visit = wide.iloc[order], day.iloc[order], visit.iloc[order]
    out = pd.DataFrame(
        {
            "subject": wide.index.get_level_values("subject").to_numpy(),
            "day": day.to_numpy(),
            "visit": visit.to_numpy(),
        }
    )
    return wide, out


def _sledai_totals(wide: pd.DataFrame, out: pd.DataFrame, record: list[str]):
    """SLEDAI-2K (descriptors, else recorded) and clinical SLEDAI-2K into ``out``; -> items, total."""
    items = wide[list(_ITEM_PARAMS)].rename(columns=_ITEM_PARAMS).reset_index(drop=True)
    for key in SLEDAI2K_WEIGHTS:
        items[key] = _item_values(items[key], f"sledai_{key}", "measurements")
    recorded = wide["sledai2k"].to_numpy(dtype=float)
    from_items = sledai2k(items).to_numpy()
    disagrees = ~np.isnan(recorded) & ~np.isnan(from_items) & (recorded != from_items)
    if disagrees.any():
        where = [
            f"{s} day {d:g}"
            for s, d in zip(out["subject"][disagrees], out["day"][disagrees], strict=True)
        ]
        warn(
            "recorded SLEDAI-2K differs from the sum of its descriptors at "
            f"{_show(where)}; the sum of the descriptors is used",
            record,
            stacklevel=4,  # the caller of derive_visit_endpoints
        )
    total = np.where(np.isnan(from_items), recorded, from_items)
    clinical = sledai2k(items, clinical=True).to_numpy()
    serology = (
        SLEDAI2K_WEIGHTS["low_complement"] * items["low_complement"].to_numpy()
        + SLEDAI2K_WEIGHTS["increased_dna_binding"] * items["increased_dna_binding"].to_numpy()
    )
    clinical = np.where(np.isnan(clinical), total - serology, clinical)
    clinical = np.where(np.isnan(clinical) & (total == 0), 0.0, clinical)

    out["sledai2k"] = total
    out["sledai2k_recorded"] = recorded
    out["sledai2k_from_items"] = from_items
    out["sledai2k_disagrees"] = disagrees
    out["clinical_sledai2k"] = clinical
    return items, total


def _lldas_activity(items, total, wide, out, serology_counts_as_new_activity: bool):
    """LLDAS major-organ activity and new activity per visit (float 1/0/NaN)."""
    item_arr = items[list(SLEDAI2K_WEIGHTS)].to_numpy(dtype=float)
    major_cols = [list(SLEDAI2K_WEIGHTS).index(k) for k in MAJOR_ORGAN_ITEMS]
    major = _kleene_or(*(item_arr[:, j] for j in major_cols))
    major = np.where(total == 0, 0.0, major)
    compared = [
        j
        for j, k in enumerate(SLEDAI2K_WEIGHTS)
        if serology_counts_as_new_activity or k not in SEROLOGICAL_ITEMS
    ]
    new = _new_activity(out["subject"].to_numpy(), item_arr[:, compared])
    recorded_new = wide["new_activity"].to_numpy(dtype=float)
    new = np.where(np.isnan(recorded_new), new, recorded_new)
    new = np.where(np.isnan(recorded_new) & (total == 0), 0.0, new)

    return major, new


def _new_activity(subjects: np.ndarray, items: np.ndarray) -> np.ndarray:
    """1 if a descriptor is present now and was absent at the previous visit (rows sorted)."""
    n = len(subjects)
    out = np.full(n, np.nan)
    for i in range(1, n):
        if subjects[i] != subjects[i - 1]:
            continue
        now, before = items[i], items[i - 1]
        new = (now == 1.0) & (before == 0.0)
        unknown = np.isnan(now) | np.isnan(before)
        maybe = unknown & (now != 0.0)
        out[i] = 1.0 if new.any() else (np.nan if maybe.any() else 0.0)
    return out


_DERIVED_UNITS_LABELS = {
    "sledai2k": ("points", "SLEDAI-2K"),
    "clinical_sledai2k": ("points", "Clinical SLEDAI-2K"),
    "doris": ("0/1", "DORIS 2021 remission"),
    "drug_free_remission": ("0/1", "Drug-free DORIS remission"),
    "lldas": ("0/1", "LLDAS"),
}


_DERIVE_OPTIONS = (
    "haemolytic_anaemia",
    "gi_activity",
    "immunosuppressants_tolerated",
    "serology_counts_as_new_activity",
    "by",
    "cohort",
)


def add_endpoints(trial: Trial | pd.DataFrame, **options: Any) -> Trial | pd.DataFrame:
    """Return a copy of ``trial`` with the per-visit endpoints added as measurement parameters.

    Parameters
    ----------
    trial
        a :class:`smalltrial.Trial` or its long ``measurements`` DataFrame.
    **options
        passed on to :func:`derive_visit_endpoints` (e.g. ``cohort``: only the SLE cohort of a
        Trial by default; ``by``; the LLDAS assumptions).

    Adds ``clinical_sledai2k`` (points), ``doris``, ``drug_free_remission`` and ``lldas``
    (0/1) from :func:`derive_visit_endpoints`, and ``sledai2k`` where it was not recorded but
    its descriptors were. The rules and their citations are those of :func:`doris_remission`
    (van Vollenhoven 2021), :func:`drug_free_remission` and :func:`lldas` (Franklyn 2016).
    Not-evaluable visits get no row, and neither do subjects of other cohorts or subjects
    never assessed with SLEDAI-2K/PGA (DORIS is SLE-only); earlier rows of the derived
    parameters are replaced; a Trial's ``parameters`` table gets a row (label, unit) for each
    added parameter. The input is not modified. A measurements DataFrame in gives a
    measurements DataFrame out.

    Examples
    --------
    >>> import smalltrial as st
    >>> trial = add_endpoints(st.datasets.load("mackensen2022"))  # SYNTHETIC example data
    >>> int(trial.parameter("doris")["month 3"].sum())
    5
    """
    unknown = [k for k in options if k not in _DERIVE_OPTIONS]
    if unknown:
        raise SmallTrialError(
            f"add_endpoints has no option {unknown[0]!r}; options: {', '.join(_DERIVE_OPTIONS)}"
        )
    derived = derive_visit_endpoints(trial, **options)
    m = _measurements(trial)
    rows = []
    for param, (unit, _) in _DERIVED_UNITS_LABELS.items():
        value = derived[param].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        keep = ~np.isnan(value)
        if param == "sledai2k":
            keep &= np.isnan(derived["sledai2k_recorded"].to_numpy())
        part = pd.DataFrame(
            {
                "subject": derived["subject"][keep].to_numpy(),
                "day": derived["day"][keep].to_numpy(),
                "visit": derived["visit"][keep].to_numpy(),
                "parameter": param,
                "value": value[keep],
                "unit": unit,
            }
        )
        if "blq" in m.columns:
            part["blq"] = False
        rows.append(part)
    kept = m[~m["parameter"].isin(_DERIVED_PARAMS)]
    new = pd.concat([kept, *[r for r in rows if len(r)]], ignore_index=True)
    new = new[list(dict.fromkeys([*m.columns, *rows[0].columns]))]
    if isinstance(trial, pd.DataFrame):
        return new
    changes: dict[str, Any] = {"measurements": new}
    params = getattr(trial, "parameters", None)
    if isinstance(params, pd.DataFrame) and "parameter" in params.columns:
        added = [p for p in _DERIVED_UNITS_LABELS if p in set(new["parameter"])]
        missing = [p for p in added if p not in set(params["parameter"])]
        extra = pd.DataFrame(
            {
                "parameter": missing,
                "label": [_DERIVED_UNITS_LABELS[p][1] for p in missing],
                "unit": [_DERIVED_UNITS_LABELS[p][0] for p in missing],
            }
        )
        if len(extra):
            changes["parameters"] = pd.concat([params, extra], ignore_index=True)
    if dataclasses.is_dataclass(trial):
        return dataclasses.replace(trial, **changes)
    import copy

    clone = copy.copy(trial)
    for key, value in changes.items():
        setattr(clone, key, value)
    return clone


def remission_summary(
    data: Any,
    *,
    endpoint: str = "doris",
    post_infusion_only: bool = True,
    cohort: str | None = "SLE",
) -> pd.DataFrame:
    """Per-subject remission summary over visits.

    Parameters
    ----------
    data
        a Trial (every subject of ``cohort`` gets a row), a measurements DataFrame
        (endpoints are derived first), or the output of :func:`derive_visit_endpoints`.
    endpoint
        ``"doris"``, ``"drug_free_remission"`` or ``"lldas"``.
    post_infusion_only
        only visits after the infusion (day > 0) count (default).
    cohort
        for a Trial: only subjects of this cohort (default ``"SLE"``; ``None`` for all), as in
        :func:`derive_visit_endpoints`.

    Returns
    -------
    DataFrame ``subject, first_remission_day, sustained, proportion_of_visits_in_remission,
    n_visits_evaluable``: the first day in remission (NaN if never), whether the subject is in
    remission at that and every later evaluable visit (False if never in remission, <NA> if no
    visit is evaluable), the share of evaluable visits in remission (NaN if none), and the
    number of evaluable visits. Not-evaluable visits are left out, never counted as remission.

    Method: "sustained" is the reading of the CAR-T reports (Mackensen et al., Nat Med
    2022;28:2124; Müller et al., NEJM 2024;390:687: remission from the first DORIS visit on, no
    relapse); the per-visit rules are DORIS 2021 (van Vollenhoven et al., Lupus Sci Med
    2021;8:e000538) and LLDAS (Franklyn et al., Ann Rheum Dis 2016;75:1615).

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"subject": ["a", "a", "a"], "day": [30, 90, 180],
    ...                   "doris": pd.array([False, True, True], dtype="boolean")})
    >>> remission_summary(v).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'subject': 'a', 'first_remission_day': 90.0, 'sustained': True,
      'proportion_of_visits_in_remission': 0.6666666666666666, 'n_visits_evaluable': 3}]
    """
    endpoint = check_option(endpoint, "endpoint", ("doris", "drug_free_remission", "lldas"))
    post_infusion_only = check_flag(post_infusion_only, "post_infusion_only")
    cohort = check_optional_text(cohort, "cohort")
    if isinstance(data, pd.DataFrame) and endpoint in data.columns:
        visits = data
        check_columns(visits, ("subject", "day"), "data")
    else:
        visits = derive_visit_endpoints(data, cohort=cohort)
    subjects_all = list(dict.fromkeys(visits["subject"]))
    table = getattr(data, "subjects", None)
    if isinstance(table, pd.DataFrame) and "subject" in table.columns:
        # every subject of a Trial (of the cohort) gets a row, also one without evaluable visits
        if cohort is not None and "cohort" in table.columns:
            table = table[table["cohort"] == cohort]
        subjects_all = list(dict.fromkeys([*table["subject"], *subjects_all]))
    if post_infusion_only:
        visits = visits[visits["day"] > 0]
    records = []
    for subj in subjects_all:
        v = visits[visits["subject"] == subj].sort_values("day")
        status = pd.array(v[endpoint], dtype="boolean")
        evaluable = ~status.isna()
        days = v["day"].to_numpy(dtype=float)[evaluable]
        flags = status[evaluable].to_numpy(dtype=bool)
        n_eval = int(evaluable.sum())
        if n_eval == 0:
            records.append((subj, np.nan, pd.NA, np.nan, 0))
            continue
        if flags.any():
            first = int(np.argmax(flags))
            records.append((subj, days[first], bool(flags[first:].all()), flags.mean(), n_eval))
        else:
            records.append((subj, np.nan, False, 0.0, n_eval))
    out = pd.DataFrame(
        records,
        columns=[
            "subject",
            "first_remission_day",
            "sustained",
            "proportion_of_visits_in_remission",
            "n_visits_evaluable",
        ],
    )
    out["first_remission_day"] = out["first_remission_day"].astype(float)
    out["sustained"] = out["sustained"].astype("boolean")
    out["proportion_of_visits_in_remission"] = out["proportion_of_visits_in_remission"].astype(
        float
    )
    out["n_visits_evaluable"] = out["n_visits_evaluable"].astype(int)
    return out
