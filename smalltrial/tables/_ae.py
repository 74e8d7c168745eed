"""Adverse events."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError
from smalltrial._tableformat import (
    fmt_count_pct,
)
from smalltrial._validate import check_count
from smalltrial.tables._baseline import _group_sizes_from_ard, _size
from smalltrial.tables._model import Row, Table, _check_notes, _check_result_frame, _label
from smalltrial.tables.display import register_layout

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

    Footnote marks: the n (%) note on each group's header, the grading note on the grade rows'
    labels, a note on an event (unknown grades, the ICANS abbreviation) on its heading.

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
    return _adverse_event_table(counts, None, None, events=events, grades=grades, title=title,
                                grading=grading, group_labels=group_labels, name=name)


def _adverse_event_table(
    counts: pd.DataFrame,
    any_grade: Mapping[tuple[str, Any], float] | None,
    sizes: Mapping[Any, float] | None,
    *,
    events: Mapping[str, str] | None,
    grades: Sequence[int],
    title: str,
    grading: str,
    group_labels: Mapping[Any, str] | None,
    name: str,
) -> Table:
    """:func:`adverse_event_table`; ``any_grade`` maps (variable, group) to the patients with
    any grade and ``sizes`` each group to its patients (from the ARD), else they are the sum
    of the grade counts and the largest ``total + n_missing`` of the group."""
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
    if sizes is None:
        sizes = {g: int((counts.loc[counts["group"] == g, "total"]
                         + counts.loc[counts["group"] == g, "n_missing"]).max()) for g in groups}
    else:
        sizes = {g: _size(sizes, g) for g in groups}
    columns = ["Event"] + [f"{_label(g, group_labels)} (n = {sizes[g]})" for g in groups]
    rows = []
    headings: dict[str, int] = {}
    grade_rows: list[int] = []
    for var, label in events.items():
        sub = counts[counts["variable"] == var]
        if sub.empty:
            continue
        headings[var] = len(rows)
        rows.append(Row((label,), section=True))
        any_cells = ["Any grade"]
        for g in groups:
            s = sub[sub["group"] == g]
            if any_grade is None:
                n_any = s.loc[s["level"].astype(float) >= 1, "count"].sum()
            elif (var, g) in any_grade:
                n_any = any_grade[(var, g)]
            else:
                raise SmallTrialError(f"ard: no 'any grade' count of {var!r} in group {g!r}")
            any_cells.append(fmt_count_pct(int(n_any), int(s["total"].max())))
        rows.append(Row(tuple(any_cells), indent=1))
        for grade in grades:
            grade_rows.append(len(rows))
            cells = [f"Grade {grade}"]
            for g in groups:
                s = sub[sub["group"] == g]
                hit = s[s["level"].astype(float) == grade]
                cells.append(fmt_count_pct(int(hit["count"].sum()) if not hit.empty else 0, int(s["total"].max())))
            rows.append(Row(tuple(cells), indent=1))
    notes = [
        "Each patient counted once, at the worst grade; n (%).",
    ]
    event_notes = {}
    for var, label in events.items():
        sub = counts[counts["variable"] == var]
        if sub.empty:
            continue
        unknown = int(sub.loc[sub["group"] == groups[-1], "n_missing"].max())
        if unknown:
            event_notes[var] = (f"{label}: {unknown} patient(s) with an event of unknown grade, "
                                "not counted (percentages of patients with a known worst grade).")
            notes.append(event_notes[var])
    grading_note = f"Grading: {grading}."
    icans_note = "ICANS: immune effector cell-associated neurotoxicity syndrome."
    notes += [grading_note, icans_note]
    table = Table(title, tuple(columns), tuple(rows), tuple(notes), name=name)
    for j in range(1, len(columns)):
        table = table.mark(notes[0], column=j)
    for i in grade_rows:
        table = table.mark(grading_note, row=i)
    for var, i in headings.items():
        if var in event_notes:
            table = table.mark(event_notes[var], row=i)
        if var == "icans" or "ICANS" in events[var]:
            table = table.mark(icans_note, row=i)
    return table


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

    Footnote marks: the n (%) note on every band header, the "Grade ≥k" and grading notes on
    the headers of the bands above grade 1.

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
    # the patients whose worst grade in the row is k or higher (what a band column shows)
    summary = summary.assign(**{f"n_grade_ge_{k}": [sum(int(r[f"grade_{j}"]) for j in range(k, 6))
                                                   for r in summary.to_dict("records")]
                                for k in range(1, 6)})
    return _adverse_event_soc_table(summary, by=by, bands=bands, group_order=group_order,
                                    group_labels=group_labels, title=title, grading=grading,
                                    notes=notes, name=name)


def _adverse_event_soc_table(
    summary: pd.DataFrame,
    *,
    by: str | None,
    bands: Sequence[int],
    group_order: Sequence[Any] | None,
    group_labels: Mapping[Any, str] | None,
    title: str,
    grading: str | None,
    notes: Sequence[str],
    name: str,
) -> Table:
    """:func:`adverse_event_soc_table` from band counts: ``summary`` has the columns ``level,
    soc, term, N`` and ``n_grade_ge_1`` .. ``n_grade_ge_5`` (patients whose worst grade in the
    row is at least k), and ``by``."""
    need = ["level", "soc", "term", "N", *(f"n_grade_ge_{k}" for k in range(1, 6))]
    _check_result_frame(summary, "summary", need + ([by] if by is not None else []))
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
                cells.append(fmt_count_pct(int(row[f"n_grade_ge_{b}"]), total))
        rows.append(Row(tuple(cells), indent=indent, section=section))
    notes_out = [
        "Patients with at least one adverse event, n (%) of N patients of the column; a patient "
        "counts once per row, at the worst grade. Classes and terms by decreasing frequency.",
    ]
    band_note = "Grade \u2265k: patients whose worst grade in the row is k or higher."
    grading_note = f"Grading: {grading}." if grading else None
    if any(b > 1 for b in bands):
        notes_out.append(band_note)
    if grading_note:
        notes_out.append(grading_note)
    notes_out.extend(more_notes)
    table = Table(title, tuple(columns), tuple(rows), tuple(notes_out), name=name)
    for j in range(1, len(columns)):
        table = table.mark(0, column=j)
        if bands[(j - 1) % len(bands)] > 1:
            table = table.mark(band_note, column=j)
            if grading_note:
                table = table.mark(grading_note, column=j)
    return table


def _ard_int(value: float) -> Any:
    return int(value) if value == value else value


@register_layout("adverse_events")
def adverse_events_from_ard(ard: pd.DataFrame, **options: Any) -> Table:
    """:func:`adverse_event_table` from ARD rows of ``summaries.describe`` of the worst grades
    (``variable`` the event, ``variable_level`` the grade 0..5, statistics ``count`` and
    ``total``; ``n_missing`` per group) and of the patients with any grade (``variable_level``
    ``any grade``, statistic ``count``); ``group_level`` the group. ``options`` as
    :func:`adverse_event_table`'s keywords."""
    import pandas as pd

    sizes, ard = _group_sizes_from_ard(ard)
    records = []
    any_grade: dict[tuple[str, Any], float] = {}
    missing: dict[tuple[str, Any], float] = {}
    cells: dict[tuple[str, str, str], dict[str, float]] = {}
    for rec in ard.to_dict("records"):
        key = (rec["variable"], rec["group_level"])
        if rec["variable_level"] == "any grade" and rec["statistic"] == "count":
            any_grade[key] = float(rec["value"])
        elif rec["variable_level"] == "" and rec["statistic"] == "n_missing":
            missing[key] = float(rec["value"])
        elif rec["variable_level"] not in ("", "any grade"):
            cells.setdefault((*key, rec["variable_level"]), {})[rec["statistic"]] = float(rec["value"])
    for (var, group, level), stats in cells.items():
        records.append({"variable": var, "group": group, "level": level,
                        "count": _ard_int(stats.get("count", math.nan)),
                        "total": _ard_int(stats.get("total", math.nan)),
                        "n_missing": _ard_int(missing.get((var, group), math.nan))})
    counts = pd.DataFrame(records, columns=["variable", "group", "level", "count", "total",
                                            "n_missing"])
    opts = {"events": None, "grades": (1, 2, 3, 4, 5),
            "grading": "ASTCT consensus grading (Lee et al. 2019)", "group_labels": None,
            "title": "Adverse events of special interest by worst grade",
            "name": "adverse_events", **options}
    return _adverse_event_table(counts, any_grade, sizes, **opts)


@register_layout("adverse_events_by_soc")
def adverse_events_by_soc_from_ard(ard: pd.DataFrame, *, by: str | None = None,
                                   overall: str = "All", **options: Any) -> Table:
    """:func:`adverse_event_soc_table` from ARD rows of ``summaries.adverse_events``
    (:func:`smalltrial.ard._ae_summary_rows`): ``variable`` ``overall``, ``soc`` or ``term``,
    ``variable_level`` the row (``class / term`` for a term), statistics ``n``, ``N`` and
    ``n_grade_ge_2`` .. ``n_grade_ge_5``. With ``by`` the rows of ``group`` = ``by`` give one
    block per ``group_level`` and the rows without a group the block ``overall``.
    ``options`` as :func:`adverse_event_soc_table`'s other keywords."""
    import pandas as pd

    blocks: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rec in ard.to_dict("records"):
        if by is None and rec["group"] != "":
            continue
        group = (rec["group_level"] if rec["group"] == by else overall) if by is not None else ""
        row = blocks.setdefault((group, rec["variable"], rec["variable_level"]),
                                {"group": group, "level": rec["variable"], "name": rec["variable_level"]})
        row[rec["statistic"]] = float(rec["value"])
    socs = sorted({row["name"] for row in blocks.values() if row["level"] == "soc"}, key=len,
                  reverse=True)
    records = []
    for row in blocks.values():
        level, name = row["level"], row["name"]
        soc, term = (name, "") if level == "soc" else ("", "")
        if level == "term":  # "class / term": the longest class that the name starts with
            soc = next((c for c in socs if name.startswith(f"{c} / ")), "")
            term = name[len(soc) + 3:] if soc else name
        records.append({"level": level, "soc": soc, "term": term, "N": row.get("N", math.nan),
                        "n_grade_ge_1": row.get("n", math.nan),
                        **{f"n_grade_ge_{k}": row.get(f"n_grade_ge_{k}", math.nan) for k in range(2, 6)},
                        **({by: row["group"]} if by is not None else {})})
    summary = pd.DataFrame(records)
    opts = {"bands": (1, 3), "group_order": None, "group_labels": None,
            "title": "Adverse events by system organ class and preferred term",
            "grading": "CTCAE; CRS and ICANS: ASTCT consensus grading (Lee et al. 2019)",
            "notes": (), "name": "adverse_events_by_soc", **options}
    return _adverse_event_soc_table(summary, by=by, **opts)
