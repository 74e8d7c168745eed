"""Shared test helpers: reference fixtures computed in R live in tests/reference/<topic>/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "reference"


def load_reference(topic: str, name: str | None = None):
    """Load tests/reference/<topic>/<name or topic>.json (written by the R script beside it)."""
    path = REFERENCE / topic / f"{name or topic}.json"
    with path.open() as fh:
        return json.load(fh)


@pytest.fixture
def reference():
    return load_reference


def table_section(table, title_start: str) -> list[tuple[str, ...]]:
    """The cells of the rows under the section heading of a Table that starts ``title_start``."""
    rows, inside = [], False
    for r in table.rows:
        if r.section:
            inside = r.cells[0].startswith(title_start)
        elif inside:
            rows.append(r.cells)
    return rows
