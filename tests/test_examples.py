"""The notebook-style example (docs/example_notebook.py, pasted into the README) runs as written."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example_notebook.py"


def test_example_notebook_runs(capsys):
    namespace = runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    # the published numbers the example prints (DOMAIN.md: 5/5 DORIS at month 3, CI 47.8-100 %)
    assert "DORIS remission at month 3: 5/5, 95% CI 0.478-1.000" in out
    assert "| month 3 | 5/5 (100%) [47.8\u2013100] |" in out
    result = namespace["result"]
    assert result.skipped == () and "efficacy" in result.tables
    assert (result.out / "manifest.json").is_file()
    saved = sorted(p.name for p in (result.out.parent).iterdir() if p.is_file())
    assert saved == ["efficacy.docx", "efficacy.md", "efficacy.tex"]
