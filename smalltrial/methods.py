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

_CI_TEXT = {
    "clopper-pearson": ("exact Clopper-Pearson", "Clopper CJ, Pearson ES (1934). The use of "
                        "confidence or fiducial limits illustrated in the case of the binomial. "
                        "Biometrika."),
    "exact": ("exact Clopper-Pearson", "Clopper CJ, Pearson ES (1934). The use of confidence or "
              "fiducial limits illustrated in the case of the binomial. Biometrika."),
    "wilson": ("Wilson score", "Wilson EB (1927). Probable inference, the law of succession, and "
               "statistical inference. Journal of the American Statistical Association."),
    "blaker": ("Blaker", "Blaker H (2000). Confidence curves and improved exact confidence "
               "intervals for discrete distributions. Canadian Journal of Statistics."),
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
_KM_CONF = {"log-log": "log(-log) transformed", "log": "log transformed", "plain": "untransformed"}
_DF_TEXT = {"kenward-roger": ("Kenward-Roger", _KR_REF),
            "satterthwaite": ("Satterthwaite", _SAT_REF),
            "residual": ("residual", None), "between-within": ("between-within", None)}
_CONTINUOUS = {"median-range": "medians (range)", "median-iqr": "medians (interquartile range)",
               "mean-sd": "means (standard deviation)"}


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
    if names & {"efficacy", "forest"}:
        text, ref = _CI_TEXT.get(ep["ci_method"], (ep["ci_method"], None))
        remission = (f"DORIS remission{cite(_DORIS_REF)}" if ep.get("remission") == "doris"
                     else "Remission")
        parts.append(f"{remission} is reported as the number and proportion of patients assessed "
                     f"at each visit, with {text} {level} confidence intervals{cite(ref)}; visits "
                     "where a component was not recorded are not counted.")
    if names & {"time_to_event", "km_plot"}:
        parts.append(f"Time-to-event outcomes were estimated by the Kaplan-Meier method{cite(_KM_REF)} "
                     f"with Greenwood variance and {_KM_CONF.get(ep['conf_type'], ep['conf_type'])} "
                     f"{level} confidence intervals; confidence intervals of the median follow "
                     f"Brookmeyer and Crowley{cite(_BC_REF)}, and a median not reached is reported as NR.")
    if "time_to_event" in names:
        parts.append(f"Median follow-up was estimated by the reverse Kaplan-Meier method"
                     f"{cite(_FU_REF)}; event rates per patient-year have exact Poisson confidence "
                     f"intervals{cite(_POIS_REF)}.")
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
    if "adverse_events" in names:
        parts.append("Adverse events of special interest are reported as the number of patients by "
                     f"worst grade (ASTCT consensus grading{cite(_ASTCT_REF)}).")
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
