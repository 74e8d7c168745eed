"""A notebook-style tour of smalltrial (every cell runs as a test: tests/test_examples.py).

Paste the cells into Jupyter: results and tables render as HTML there (``_repr_html_``).
The bundled trials are SYNTHETIC data built from the published summaries.
"""

# %% Load a bundled trial (SYNTHETIC data re-creating Mackensen et al., Nat Med 2022)
import tempfile
from pathlib import Path

import smalltrial as st

trial = st.datasets.load("mackensen2022")
print(trial)

# %% DORIS remission at month 3 with an exact Clopper-Pearson interval
visits = st.endpoints.derive_visit_endpoints(trial)
month3 = visits[visits["visit"] == "month 3"]
ci = st.rates.proportion_ci(int(month3["doris"].sum()), len(month3))
print(f"DORIS remission at month 3: {ci.x}/{ci.n}, 95% CI {ci.lower:.3f}-{ci.upper:.3f}")
assert (ci.x, ci.n) == (5, 5) and round(ci.lower, 3) == 0.478  # published: 5/5, 47.8-100 %

# %% Time to B-cell reconstitution (Kaplan-Meier, months)
bcells = st.survival.b_cell_reconstitution(trial, threshold=10)
bcells["months"] = bcells["time"] / 30.4375
km = st.survival.kaplan_meier(bcells, time="months", event="event")
print("median months to B-cell reconstitution:", round(km.median.estimate, 1))

# %% SLEDAI-2K over time: a mixed model with Kenward-Roger degrees of freedom
sledai = trial.parameter("sledai2k", wide=False)
sledai = sledai[sledai["visit"].isin(["baseline", "day 28", "month 2", "month 3"])]
fit = st.longitudinal.mixed_model("value ~ C(visit)", sledai, subject="subject")
print(fit.change_from_baseline("visit").round(2))

# %% A manuscript table from those results, exported to Word, LaTeX and Markdown
table = st.tables.efficacy_table(
    st.rates.proportion_ci([2, 5], [5, 5]).to_frame().assign(
        visit=["month 2", "month 3"], group="SLE"),
)
print(table.to_markdown())
out = Path(tempfile.mkdtemp())
table.save(out / "efficacy", formats=["docx", "tex", "md"])

# %% The whole analysis in one call: tables, figures and a manifest (same as `smalltrial run`)
result = st.pipeline.run("mackensen2022", out=out / "mackensen2022-output", progress=False)
print(result)
print(sorted(result.tables))
print(result.tables["efficacy"].to_markdown())
