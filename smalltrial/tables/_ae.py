"""Adverse events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._tableformat import (
    fmt_count_pct,
)
from smalltrial._validate import check_count
from smalltrial.tables._model import Row, Table, _check_notes, _check_result_frame, _label

if TYPE_CHECKING:
    import pandas as pd


def adverse_event_table(
    counts: pd.DataFrame,
    *,
    events: Mapping[str, str] | None = None,
    grades: Sequence[int] = (1, 2, 3, 4, 5),
    title: str = "Adverse events of special interest by worst grade",
    grading: str = "ASTCT consensus grading (Lee et al. 2019)",
    group_labels: Mapping[Any, str] | None = None,
    name: str = "adverse_events",
) -> Table:
    """CRS and ICANS by worst grade, n (%), from :func:`smalltrial.summaries.describe` counts.

    ``counts``: ``describe(worst, list(events), by=..., kind categorical)`` output where each
    variable holds one patient's worst grade (0 = none). Rows: "Any grade" (grade >= 1) and one
    row per grade in ``grades``; columns: the groups of ``counts``.

    Parameters
    ----------
    counts : DataFrame
        As above (columns ``variable, group, level, count, total, n_missing``).
    events : mapping, optional
        Variable -> row heading (default CRS and ICANS).
    grades : sequence of int
        Grades shown (each in 1..5).
    grading, title, name : str
        Grading system footnote, table title and file stem.

    >>> import pandas as pd
    >>> from smalltrial.summaries import describe
    >>> worst = pd.DataFrame({"crs": [1, 1, 0, 1, 0], "icans": [0, 0, 0, 0, 0]})
    >>> grades = {v: [0, 1, 2, 3, 4, 5] for v in worst}
    >>> counts = describe(worst, ["crs", "icans"], kinds=dict.fromkeys(worst, "categorical"),
    ...                   levels=grades)
    >>> t = adverse_event_table(counts)
    >>> t.columns, t.rows[1].cells
    (('Event', 'All (n = 5)'), ('Any grade', '3 (60%)'))
    """
    _check_result_frame(counts, "counts", ("variable", "group", "level", "count", "total",
                                           "n_missing"))
    if isinstance(grades, (str, bytes)) or not isinstance(grades, Iterable):
        raise SmallTrialError(f"grades must be a sequence of grades 1..5, got {grades!r}")
    grades = list(grades)
    for grade in grades:
        if check_count(grade, "grades") not in (1, 2, 3, 4, 5):
            raise SmallTrialError(f"grades must be grades 1..5, got {grade!r}")
    events = dict(events or {"crs": "Cytokine release syndrome", "icans": "ICANS"})
    groups = list(dict.fromkeys(counts["group"].tolist()))
    sizes = {g: int((counts.loc[counts["group"] == g, "total"]
                     + counts.loc[counts["group"] == g, "n_missing"]).max()) for g in groups}
    columns = ["Event"] + [f"{_label(g, group_labels)} (n = {sizes[g]})" for g in groups]
    rows = []
    for var, label in events.items():
        sub = counts[counts["variable"] == var]
        if sub.empty:
            continue
        rows.append(Row((label,), section=True))
        any_cells = ["Any grade"]
        for g in groups:
            s = sub[sub["group"] == g]
            n_any = int(s.loc[s["level"].astype(float) >= 1, "count"].sum())
            any_cells.append(fmt_count_pct(n_any, int(s["total"].max())))
        rows.append(Row(tuple(any_cells), indent=1))
        for grade in grades:
            cells = [f"Grade {grade}"]
            for g in groups:
                s = sub[sub["group"] == g]
                hit = s[s["level"].astype(float) == grade]
                cells.append(fmt_count_pct(int(hit["count"].sum()) if not hit.empty else 0, int(s["total"].max())))
            rows.append(Row(tuple(cells), indent=1))
    notes = [
        "Each patient counted once, at the worst grade; n (%).",
    ]
    for var, label in events.items():
        sub = counts[counts["variable"] == var]
        if sub.empty:
            continue
        unknown = int(sub.loc[sub["group"] == groups[-1], "n_missing"].max())
        if unknown:
            notes.append(f"{label}: {unknown} patient(s) with an event of unknown grade, "
                         "not counted (percentages of patients with a known worst grade).")
    notes += [
        f"Grading: {grading}.",
        "ICANS: immune effector cell-associated neurotoxicity syndrome.",
    ]
    return Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)


def adverse_event_soc_table(
    summary: pd.DataFrame,
    *,
    by: str | None = None,
    bands: Sequence[int] = (1, 3),
    group_order: Sequence[Any] | None = None,
    group_labels: Mapping[Any, str] | None = None,
    title: str = "Adverse events by system organ class and preferred term",
    grading: str | None = "CTCAE; CRS and ICANS: ASTCT consensus grading (Lee et al. 2019)",
    notes: Sequence[str] = (),
    name: str = "adverse_events_by_soc",
) -> Table:
    """Patients with adverse events by system organ class and preferred term, n (%) per grade band.

    Lays out :func:`smalltrial.summaries.adverse_events` (one row per overall / class / term
    with ``n``, ``N`` and the patients at each worst grade ``grade_1`` .. ``grade_5``): a first
    row "Any adverse event", then each system organ class (a bold row with its counts) with its
    preferred terms indented below, in the order of the summary (most frequent first). Columns:
    for each group (``by``) and each grade band, n (%) of the group's N patients.

    Parameters
    ----------
    summary : DataFrame
        ``summaries.adverse_events(...)`` output (columns ``level, soc, term, n, N,
        grade_1..grade_5`` and ``by`` when given).
    by : str, optional
        The group column of ``summary`` (one set of band columns per group).
    bands : sequence of int
        Lowest grade of each band column (1..5): ``1`` = any grade, ``3`` = grade >= 3. A band
        counts the patients whose worst grade in that row is at least its lowest grade.
    group_order, group_labels : optional
        Order (and selection) and display names of the groups.
    grading : str or None
        The grading system, in a footnote.
    notes : sequence of str
        More footnotes, printed last.
    title, name : str
        Table title and file stem.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"level": ["overall", "soc", "term"], "soc": ["", "Infections", "Infections"],
    ...                   "term": ["", "", "Pneumonia"], "n": [2, 2, 2], "N": [5, 5, 5],
    ...                   "grade_1": [0, 0, 0], "grade_2": [1, 1, 1], "grade_3": [1, 1, 1],
    ...                   "grade_4": [0, 0, 0], "grade_5": [0, 0, 0]})
    >>> t = adverse_event_soc_table(s)
    >>> t.columns
    ('Adverse event', 'Any grade (N = 5)', 'Grade ≥3 (N = 5)')
    >>> [r.cells for r in t.rows]
    [('Any adverse event', '2 (40%)', '1 (20%)'), ('Infections', '2 (40%)', '1 (20%)'), ('Pneumonia', '2 (40%)', '1 (20%)')]
    """
    grade_cols = [f"grade_{g}" for g in range(1, 6)]
    need = ["level", "soc", "term", "n", "N", *grade_cols] + ([by] if by is not None else [])
    if by is not None and not isinstance(by, str):
        raise SmallTrialError(f"by must be a column name, got {by!r}")
    _check_result_frame(summary, "summary", need)
    if isinstance(bands, (str, bytes)) or not isinstance(bands, Iterable):
        raise SmallTrialError(f"bands must be a sequence of grades 1..5, got {bands!r}")
    bands = list(bands)
    if not bands:
        raise SmallTrialError("bands is empty: give at least one grade band (1 = any grade)")
    for b in bands:
        if check_count(b, "bands") not in (1, 2, 3, 4, 5):
            raise SmallTrialError(f"bands must be grades 1..5, got {b!r}")
    if len(set(bands)) < len(bands):
        raise SmallTrialError(f"bands lists a grade twice: {bands!r}")
    more_notes = _check_notes(notes)
    levels = set(summary["level"])
    if not levels <= {"overall", "soc", "term"}:
        raise SmallTrialError(f"column 'level' of summary must hold overall, soc or term; got "
                              f"{sorted(map(str, levels - {'overall', 'soc', 'term'}))}")
    if by is None:
        groups: list[Any] = [None]
    else:
        present = list(dict.fromkeys(summary[by].tolist()))
        groups = list(group_order) if group_order is not None else present
        missing = [g for g in groups if g not in present]
        if missing:
            raise SmallTrialError(f"group_order: {missing!r} not in column {by!r} of summary")

    def band_label(b: int) -> str:
        return "Any grade" if b == 1 else f"Grade \u2265{b}" if b < 5 else "Grade 5"

    def block(g):
        return summary if g is None else summary[summary[by] == g]

    columns = ["Adverse event"]
    for g in groups:
        sub = block(g)
        n_total = int(sub["N"].max()) if len(sub) else 0
        prefix = "" if g is None else f"{_label(g, group_labels)}: "
        columns += [f"{prefix}{band_label(b)} (N = {n_total})" for b in bands]
    # rows in the order of the first group's block (every group lists the same rows)
    first = block(groups[0]).reset_index(drop=True)
    rows = []
    for i, r in first.iterrows():
        if r["level"] == "overall":
            label, indent, section = "Any adverse event", 0, False
        elif r["level"] == "soc":
            label, indent, section = str(r["soc"]), 0, False
        else:
            label, indent, section = str(r["term"]), 1, False
        cells = [label]
        for g in groups:
            sub = block(g).reset_index(drop=True)
            row = sub.iloc[i]
            if (row["level"], row["soc"], row["term"]) != (r["level"], r["soc"], r["term"]):
                raise SmallTrialError(f"summary: group {g!r} lists other rows than {groups[0]!r} "
                                      f"(row {i}: {row['soc']!r}/{row['term']!r})")
            total = int(row["N"])
            for b in bands:
                count = int(sum(int(row[f"grade_{k}"]) for k in range(b, 6)))
                cells.append(fmt_count_pct(count, total))
        rows.append(Row(tuple(cells), indent=indent, section=section))
    notes_out = [
        "Patients with at least one adverse event, n (%) of N patients of the column; a patient "
        "counts once per row, at the worst grade. Classes and terms by decreasing frequency.",
    ]
    if any(b > 1 for b in bands):
        notes_out.append("Grade \u2265k: patients whose worst grade in the row is k or higher.")
    if grading:
        notes_out.append(f"Grading: {grading}.")
    notes_out.extend(more_notes)
    return Table(title, tuple(columns), tuple(rows), tuple(notes_out), name=name)
