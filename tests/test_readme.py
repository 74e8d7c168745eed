"""The README's set-up commands and the table it shows stay true to the repository."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands():
    lines = [ln for ln in _readme().splitlines() if ln.strip()]
    block = lines[lines.index("```bash") + 1 : lines.index("```bash") + 3]
    assert block[0].startswith("pip install . && smalltrial run")
    assert block[1].startswith('pip install -e ".[test]" && pytest')
    assert lines.index("```bash") <= 2  # right under the title


def test_readme_efficacy_table_equals_the_generated_one():
    text = _readme()
    start = text.index("<!-- efficacy-table")
    start = text.index("\n", start) + 1
    table = text[start : text.index("<!-- /efficacy-table -->")].strip()
    generated = (ROOT / "figures" / "mackensen2022" / "tables.md").read_text(encoding="utf-8")
    assert table in generated
    assert "5/5 (100%) [47.8–100]" in table  # Mackensen 2022: 5/5, exact 95% CI 47.8-100 %


def test_readme_links_and_images_exist():
    import re

    for target in re.findall(r"\]\(([^)#]+)\)", _readme()):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), target


def test_readme_notebook_example_runs():
    import warnings

    import smalltrial as st

    text = _readme()
    start = text.index("```python\n") + len("```python\n")
    code = text[start : text.index("```", start)]
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.SmallTrialWarning)
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
    ci = st.rates.proportion_ci(int(namespace["month3"]["doris"].sum()), len(namespace["month3"]))
    # Clopper-Pearson lower limit for 5/5 is 0.025 ** (1 / 5) in closed form
    assert (ci.x, ci.n) == (5, 5) and abs(ci.lower - 0.025 ** (1 / 5)) < 1e-12
    cfb = namespace["fit"].change_from_baseline("visit")
    assert len(cfb) >= 1 and set(cfb.columns) >= {"estimate", "df", "p_value"}
