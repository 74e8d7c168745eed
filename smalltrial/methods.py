"""The statistical-methods paragraph of a run, from its spec and what was actually computed.

:func:`methods_paragraph` writes one paragraph for the manuscript (the confidence-interval
method of proportions, the Kaplan-Meier confidence transform, the mixed models' degrees of
freedom, ...) naming only the methods of the tables and figures that were made, with numbered
references in the order they are first cited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["methods_paragraph", "methods_docx"]

_CP_REF = ("Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated in "
           "the case of the binomial. Biometrika.")
_WILSON_REF = ("Wilson EB (1927). Probable inference, the law of succession, and statistical "
               "inference. Journal of the American Statistical Association.")
_CI_TEXT = {
    "clopper-pearson": ("exact Clopper-Pearson", _CP_REF),
    "exact": ("exact Clopper-Pearson", _CP_REF),
    "mid-p": ("mid-p exact", "Berry G, Armitage P (1995). Mid-P confidence intervals: a brief "
              "review. The Statistician."),
    "blaker": ("Blaker exact", "Blaker H (2000). Confidence curves and improved exact confidence "
               "intervals for discrete distributions. Canadian Journal of Statistics."),
    "wilson": ("Wilson score", _WILSON_REF),
    "wilson-cc": ("continuity-corrected Wilson score", _WILSON_REF),
    "jeffreys": ("equal-tailed Jeffreys", "Brown LD, Cai TT, DasGupta A (2001). Interval "
                 "estimation for a binomial proportion. Statistical Science."),
    "agresti-coull": ("Agresti-Coull", "Agresti A, Coull BA (1998). Approximate is better than "
                      "'exact' for interval estimation of binomial proportions. The American "
                      "Statistician."),
    "wald": ("Wald", None),
}
_KM_REF = "Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations. JASA 53:457."
_BC_REF = ("Brookmeyer R, Crowley J (1982). A confidence interval for the median survival time. "
           "Biometrics.")
_FU_REF = ("Schemper M, Smith TL (1996). A note on quantifying follow-up in studies of failure "
           "time. Controlled Clinical Trials.")
_POIS_REF = ("Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika.")
_KR_REF = ("Kenward MG, Roger JH (1997). Small sample inference for fixed effects from restricted "
           "maximum likelihood. Biometrics 53:983-997.")
_SAT_REF = ("Satterthwaite FE (1946). An approximate distribution of estimates of variance "
            "components. Biometrics Bulletin.")
_WILCOXON_REF = "Wilcoxon F (1945). Individual comparisons by ranking methods. Biometrics Bulletin."
_ASTCT_REF = ("Lee DW, et al. (2019). ASTCT consensus grading for cytokine release syndrome and "
              "neurologic toxicity associated with immune effector cells. Biology of Blood and "
              "Marrow Transplantation.")
_DORIS_REF = ("van Vollenhoven RF, et al. (2021). 2021 DORIS definition of remission in SLE. "
              "Annals of the Rheumatic Diseases.")
_CTCAE_REF = "National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE)."
_TURNBULL_REF = ("Turnbull BW (1976). The empirical distribution function with arbitrarily "
                 "grouped, censored and truncated data. JRSS B.")
_RMST_REF = ("Royston P, Parmar MKB (2013). Restricted mean survival time: an alternative to the "
             "hazard ratio for the design and analysis of randomized trials with a time-to-event "
             "outcome. BMC Medical Research Methodology.")
_AJ_REF = ("Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous "
           "Markov chains based on censored observations. Scandinavian Journal of Statistics.")
_GLMM_REF = ("Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event outcome "
             "in the framework of the generalized linear mixed model. Statistics in Medicine.")
_FT_REF = ("Freeman MF, Tukey JW (1950). Transformations related to the angular and the square "
           "root. Annals of Mathematical Statistics.")
_SIMON_REF = "Simon R (1989). Optimal two-stage designs for phase II clinical trials. Controlled Clinical Trials."
_KOYAMA_REF = ("Koyama T, Chen H (2008). Proper inference from Simon's two-stage designs. "
               "Statistics in Medicine.")
_JUNG_REF = ("Jung SH, Kim KM (2004). On the estimation of the binomial probability in multistage "
             "clinical trials. Statistics in Medicine.")
_THALL_REF = ("Thall PF, Simon RM, Estey EH (1995). Bayesian sequential monitoring designs for "
              "single-arm clinical trials with multiple outcomes. Statistics in Medicine.")
_BOP2_REF = ("Zhou H, Lee JJ, Yuan Y (2017). BOP2: Bayesian optimal design for phase II clinical "
             "trials with simple and complex endpoints. Statistics in Medicine.")
_PP_REF = ("Lee JJ, Liu DD (2008). A predictive probability design for phase II cancer clinical "
           "trials. Clinical Trials.")
_REMISSION_TEXT = {
    "doris": ("DORIS remission (clinical SLEDAI-2K = 0, physician global assessment < 0.5 and "
              "prednisone \u2264 5 mg/day)", _DORIS_REF),
    "drug_free_remission": ("drug-free DORIS remission (DORIS remission without glucocorticoids or "
                            "immunosuppressants)", _DORIS_REF),
    "lldas": ("the lupus low disease activity state (LLDAS)", "Franklyn K, et al. (2016). "
              "Definition and initial validation of a Lupus Low Disease Activity State (LLDAS). "
              "Annals of the Rheumatic Diseases."),
}
_KM_CONF = {"log-log": "log(-log) transformed", "log": "log transformed", "plain": "untransformed"}
_DF_TEXT = {"kenward-roger": ("Kenward-Roger", _KR_REF),
            "satterthwaite": ("Satterthwaite", _SAT_REF),
            "residual": ("residual", None), "between-within": ("between-within", None)}
_CONTINUOUS = {"median-range": "medians (range)", "median-iqr": "medians (interquartile range)",
               "mean-sd": "means (standard deviation)"}


def _response_text(spec: Any, response: str | None, labels: Mapping[str, str] | None,
                   cite) -> str:
    """How a response is defined, in words, with its reference where it has one."""
    if response is None:  # the spec's lupus remission
        text, ref = _REMISSION_TEXT.get(spec.endpoints.get("remission"), ("remission", None))
        return f"{text}{cite(ref)}"
    if response in _REMISSION_TEXT:
        text, ref = _REMISSION_TEXT[response]
        return f"{text}{cite(ref)}"
    entry = next((e for e in spec.endpoints.get("responses", ()) if e.get("name") == response), None)
    if entry is None:
        return response.replace("_", " ")
    from smalltrial.endpoints.rules import response_rule

    rule = response_rule(entry)
    label = entry.get("label") or rule.label
    if len(label) > 1 and label[1].islower():
        label = label[0].lower() + label[1:]
    return f"{label} ({rule.describe((labels or {}).get)})"


def methods_paragraph(spec: Any, made: Iterable[str] | None = None, *,
                      labels: Mapping[str, str] | None = None,
                      version: str | None = None) -> tuple[str, list[str]]:
    """The statistical-methods paragraph and its numbered references.

    Parameters
    ----------
    spec : smalltrial.spec.Spec
        The run's validated spec (endpoints: ``level``, ``ci_method``, ``conf_type``; the
        tables' and figures' options: ``df_method``, ``transform``, ``test_at``, ...).
    made : iterable of str, optional
        The spec keys (``tables[1]``, ``figures[0]``) of the items that were actually made;
        default all of them. Methods of items not made are not mentioned.
    labels : mapping, optional
        Parameter -> label for the text (``{"sledai2k": "SLEDAI-2K total"}``); default the
        parameter name.
    version : str, optional
        The smalltrial version to cite (default the installed one).

    Returns
    -------
    (str, list of str)
        The paragraph, citing references as ``[1]``, ``[2]``, ... in order of first citation,
        and the references in that order.

    >>> from smalltrial.spec import load_spec
    >>> text, refs = methods_paragraph(load_spec({"data": {"dataset": "mackensen2022"},
    ...                                           "tables": [{"name": "efficacy"}]}))
    >>> "Clopper-Pearson" in text, [r.split(" (")[0] for r in refs]
    (True, ['van Vollenhoven RF, et al.', 'Clopper CJ, Pearson ES'])
    """
    from smalltrial import __version__

    items = [*spec.tables, *spec.figures]
    if made is not None:
        keep = set(made)
        items = [i for i in items if i.key in keep]
    names = {i.name for i in items}
    ep = spec.endpoints
    level = f"{100 * ep['level']:g}%"
    refs: list[str] = []

    def cite(ref: str | None) -> str:
        if ref is None:
            return ""
        if ref not in refs:
            refs.append(ref)
        return f" [{refs.index(ref) + 1}]"

    parts: list[str] = []
    for item in items:
        if item.name == "baseline":
            how = _CONTINUOUS.get(item.options.get("continuous"), "medians (range)")
            parts.append(f"Baseline characteristics are summarised as {how} for continuous "
                         "variables and counts (percentages) for categorical ones.")
            break
    ci_text, ci_ref = _CI_TEXT.get(ep["ci_method"], (ep["ci_method"], None))
    when: dict[str | None, set[str]] = {}  # response -> {"visit", "best"}
    for item in items:
        if item.name in ("efficacy", "forest"):
            seen = when.setdefault(item.options.get("response"), set())
            if item.name == "forest" or item.options.get("visits") != []:
                seen.add("visit")
            if item.options.get("best"):
                seen.add("best")
    for response, seen in when.items():
        what = _response_text(spec, response, labels, cite)
        how = " and ".join(
            {"visit": "at each visit", "best": "over all post-baseline visits (best response; a "
             "patient without any assessable visit counts as not responding)"}[k]
            for k in ("visit", "best") if k in seen)
        parts.append(f"{what[0].upper()}{what[1:]} is reported as the number and proportion of "
                     f"patients {how}, with {ci_text} {level} confidence intervals{cite(ci_ref)}; "
                     "visits where the response could not be assessed are not counted.")
    for item in items:
        if item.name == "forest" and item.options.get("pooled"):
            glmm = item.options.get("pooling_method", "glmm") == "glmm"
            parts.append("The external cohorts shown beside the trial were pooled by a "
                         + ("random-effects logistic model (binomial-normal GLMM)"
                            f"{cite(_GLMM_REF)}" if glmm else
                            f"random-effects model on the Freeman-Tukey double-arcsine scale"
                            f"{cite(_FT_REF)} with REML")
                         + "; the trial itself is not pooled.")
            break
    if names & {"time_to_event", "km_plot"}:
        parts.append(f"Time-to-event outcomes were estimated by the Kaplan-Meier method{cite(_KM_REF)} "
                     f"with Greenwood variance and {_KM_CONF.get(ep['conf_type'], ep['conf_type'])} "
                     f"{level} confidence intervals; confidence intervals of the median follow "
                     f"Brookmeyer and Crowley{cite(_BC_REF)}, and a median not reached is reported as NR.")
    if "time_to_event" in names:
        rates = any(set(i.options.get("endpoints", ())) & {"relapse", "death"}
                    for i in items if i.name == "time_to_event")  # the table's rate column
        parts.append(f"Median follow-up was estimated by the reverse Kaplan-Meier method"
                     f"{cite(_FU_REF)}" + (f"; event rates per patient-year have exact Poisson "
                                           f"confidence intervals{cite(_POIS_REF)}." if rates else "."))
        competing = [e for e in ep.get("time_to_event", ()) if e.get("competing")]
        if competing:
            parts.append("Where a competing event precludes the event of interest, its cumulative "
                         f"incidence was estimated by the Aalen-Johansen method{cite(_AJ_REF)}.")
        for item in items:
            if item.name == "time_to_event" and item.options.get("rmst_tau") is not None:
                unit = item.options.get("time_unit") or ep.get("time_unit", "months")
                parts.append(f"Restricted mean survival time up to {item.options['rmst_tau']:g} "
                             f"{unit}{cite(_RMST_REF)} is reported with its standard error as R "
                             "survival and a Wald confidence interval.")
                break
    if "interval_censored" in names:
        parts.append("Events seen only at scheduled assessments were treated as interval-censored "
                     f"and estimated by the Turnbull nonparametric maximum likelihood estimator"
                     f"{cite(_TURNBULL_REF)}, with Kaplan-Meier estimates on the interval midpoints "
                     "and right endpoints as sensitivity analyses.")
    for item in items:
        if item.name != "longitudinal":
            continue
        o = item.options
        label = (labels or {}).get(o["parameter"], o["parameter"])
        df_text, df_ref = _DF_TEXT.get(o["df_method"], (o["df_method"], None))
        log = o["transform"] == "log"
        parts.append(
            f"{label} was analysed {'on the log scale ' if log else ''}by a linear mixed "
            "model with visit as a categorical fixed effect and a random intercept per patient, "
            f"fitted by restricted maximum likelihood, with {df_text} degrees of freedom"
            f"{cite(df_ref)}; "
            + ("geometric means and ratios to baseline are reported."
               if log else "model-based means and changes from baseline are reported."))
        if o.get("test_at"):
            parts.append(f"The change in {label} from baseline to {o['test_at']} was also "
                         f"tested by the exact Wilcoxon signed-rank test{cite(_WILCOXON_REF)}.")
    special = next((i for i in items if i.name == "adverse_events"), None)
    if special is not None:
        kinds = set(special.options.get("events", ("crs", "icans")))
        parts.append("Adverse events of special interest are reported as the number of patients by "
                     "worst grade" + (f" (ASTCT consensus grading{cite(_ASTCT_REF)})."
                                      if kinds & {"crs", "icans"} else "."))
    by_soc = next((i for i in items if i.name == "adverse_events_by_soc"), None)
    if by_soc is not None:
        cart = set(by_soc.options.get("include_events", ("crs", "icans")))
        parts.append("Adverse events are reported as the number (percentage) of patients with at "
                     "least one event by system organ class and preferred term, each patient "
                     f"counted once at the worst grade (CTCAE{cite(_CTCAE_REF)}"
                     + (f"; CRS and ICANS by ASTCT consensus grading{cite(_ASTCT_REF)})."
                        if cart else ")."))
    for item in items:
        o = item.options
        if item.name == "simon_design":
            parts.append(f"The trial was planned with Simon's {o.get('criterion', 'optimal')} "
                         f"two-stage design{cite(_SIMON_REF)} (p0 = {o['p0']:g}, p1 = {o['p1']:g}, "
                         f"one-sided alpha = {o['alpha']:g}, power = {o['power']:g}); the response "
                         "rate is reported with the uniformly minimum variance unbiased "
                         f"estimator{cite(_JUNG_REF)}, and the P value and confidence interval "
                         f"respect the two-stage sampling (stagewise ordering){cite(_KOYAMA_REF)}.")
        elif item.name == "safety_monitoring":
            a, b = o.get("prior", (1, 1))
            parts.append("Toxicity was monitored by a Bayesian stopping rule"
                         f"{cite(_THALL_REF)}: stop when the posterior probability that the "
                         f"toxicity rate exceeds {o['limit']:g} is above {o['cutoff']:g} "
                         f"(Beta({a:g}, {b:g}) prior, looks after each patient up to "
                         f"{o['n_max']}), with exact operating characteristics.")
        elif item.name == "efficacy_monitoring":
            design = o.get("design")
            if design == "bop2":
                parts.append("Efficacy was monitored by a Bayesian optimal phase II (BOP2) design"
                             f"{cite(_BOP2_REF)}, with exact operating characteristics.")
            elif design is not None:
                parts.append("Efficacy was monitored by a predictive-probability design"
                             f"{cite(_PP_REF)}, with exact operating characteristics.")
    parts.append(f"All analyses were done with smalltrial {version or __version__} (Python) "
                 "from one analysis spec; each statistic is listed at full precision in the "
                 "analysis results dataset (ard.csv).")
    return " ".join(parts), refs


def methods_docx(text: str, references: Iterable[str], *, title: str = "Statistical methods",
                 font: str = "Arial", size: float = 11.0) -> bytes:
    """The methods paragraph and its numbered references as a Word document (bytes).

    Fixed document dates and zip timestamps: the same text gives the same bytes.

    Parameters
    ----------
    text : str
        The paragraph (:func:`methods_paragraph`); ``references`` its references, in order.
    title : str
        The heading.

    >>> import io, docx
    >>> data = methods_docx("Proportions have exact CIs [1].", ["Clopper CJ, Pearson ES (1934)."])
    >>> [p.text for p in docx.Document(io.BytesIO(data)).paragraphs][1:]
    ['Proportions have exact CIs [1].', 'References', '1. Clopper CJ, Pearson ES (1934).']
    """
    import datetime as dt
    import io

    import docx
    from docx.shared import Pt

    from smalltrial.tables import _normalize_zip

    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(size)
    doc.add_heading(title, level=2)
    doc.add_paragraph(text)
    doc.add_heading("References", level=3)
    for i, ref in enumerate(references, start=1):
        doc.add_paragraph(f"{i}. {ref}")
    props = doc.core_properties
    fixed = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    props.created = props.modified = props.last_printed = fixed
    props.revision = 1
    props.author = props.last_modified_by = "smalltrial"
    props.title = title
    raw = io.BytesIO()
    doc.save(raw)
    return _normalize_zip(raw.getvalue())
