"""Analysis results data (ARD): every number behind a run's tables and figures, one row each.

The layout follows R's cards package and the CDISC Analysis Results Standard: one long table,
one row per statistic, with the columns

``id``               the table or figure (``tables/efficacy``, ``figures/km_b_cell_reconstitution``)
``group``            the grouping variable (``cohort``, ``endpoint``, ``parameter``), or empty;
                     several are joined by ", " (``endpoint, cohort``)
``group_level``      its level (``SLE``, ``relapse``, ``sledai2k``), several joined alike
                     (``relapse, SLE``); a level with a comma is double-quoted
                     (:func:`join_levels`, :func:`split_levels`)
``variable``         what the statistic describes (``visit``, ``landmark``, ``fixed_effect``)
``variable_level``   its level (``month 3``, ``6``, ``C(visit)[T.month 3]``)
``statistic``        ``n``, ``x``, ``estimate``, ``lower``, ``upper``, ``df``, ``p_value``, ...
``value``            the number at full precision (a float; NaN for "not reached"), never a
                     formatted string
``method``           the method (``clopper-pearson``, ``log-log``, ``kenward-roger``)
``level``            the confidence level (NaN where none applies)
``footnote``         the footnotes (method text) of the table that shows the statistic

``ard.csv`` writes floats with Python's shortest round-trip representation, so reading the file
back gives exactly the numbers that were computed. :func:`compare_ard` compares two ARDs (double
programming, or a rerun after a data update); ``smalltrial compare A B`` is its command line.

>>> from smalltrial.rates import proportion_ci
>>> ard = proportion_ci(6, 8).to_ard()
>>> check_ard(ard) is ard
True
>>> float(ard.loc[ard["statistic"] == "lower", "value"].iloc[0])  # R binom.test(6, 8)$conf.int
0.3491442055871...
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smalltrial._errors import SmallTrialError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ARD_COLUMNS", "KEY_COLUMNS", "ard_frame", "table_rows", "check_ard", "read_ard", "write_ard",
           "ard_csv_bytes", "ard_parquet_bytes", "has_parquet", "compare_ard", "collect",
           "join_levels", "split_levels"]

#: the columns of an ARD, in this order
ARD_COLUMNS = ("id", "group", "group_level", "variable", "variable_level", "statistic", "value",
               "method", "level", "footnote")
#: the columns that identify one statistic (unique within an ARD)
KEY_COLUMNS = ("id", "group", "group_level", "variable", "variable_level", "statistic")
_TEXT_COLUMNS = tuple(c for c in ARD_COLUMNS if c not in ("value", "level"))


def ard_frame(rows: Iterable[Mapping[str, Any]], **defaults: Any) -> pd.DataFrame:
    """An ARD DataFrame from row dicts; missing columns come from ``defaults`` or are empty.

    Parameters
    ----------
    rows : iterable of dict
        Each with at least ``statistic`` and ``value``.
    **defaults
        Values for columns a row does not set (e.g. ``method=``, ``level=``, ``id=``).

    >>> ard_frame([{"statistic": "n", "value": 5}], id="tables/efficacy")[["id", "value"]]
                    id  value
    0  tables/efficacy    5.0
    """
    import pandas as pd

    records = []
    for row in rows:
        rec = {}
        for col in ARD_COLUMNS:
            value = row.get(col, defaults.get(col))
            if col in ("value", "level"):
                rec[col] = float("nan") if value is None else float(value)
            else:
                rec[col] = "" if value is None else str(value)
        records.append(rec)
    frame = pd.DataFrame(records, columns=list(ARD_COLUMNS))
    frame["value"] = frame["value"].astype(float)
    frame["level"] = frame["level"].astype(float)
    return frame


def table_rows(frame: pd.DataFrame, variable: str, level_column: str | None,
               statistics: Iterable[str]) -> list[dict[str, Any]]:
    """ARD rows of a tabular result: one row per (row of ``frame``, statistic).

    ``variable_level`` is the row's ``level_column`` value (the index when None), numbers
    written with ``repr`` (full precision, e.g. a time ``3.0``).
    """
    rows = []
    labels = frame.index if level_column is None else frame[level_column]
    for label, (_, rec) in zip(labels, frame.iterrows(), strict=True):
        text = repr(float(label)) if isinstance(label, float) else str(label)
        for stat in statistics:
            rows.append({"variable": variable, "variable_level": text, "statistic": stat,
                         "value": float(rec[stat])})
    return rows


def check_ard(frame: Any) -> pd.DataFrame:
    """Check that ``frame`` is an ARD; return it unchanged, else raise SmallTrialError.

    An ARD has the columns of :data:`ARD_COLUMNS`, a float ``value`` and ``level`` (never a
    formatted string where a number belongs), a non-empty ``statistic`` in every row (``id`` is
    empty in the ARD of a single result), and each statistic once (the :data:`KEY_COLUMNS` are unique).

    >>> check_ard(ard_frame([{"id": "t", "statistic": "n", "value": 1}])).shape
    (1, 10)
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise SmallTrialError(f"ard: expected a DataFrame, got {type(frame).__name__}")
    missing = [c for c in ARD_COLUMNS if c not in frame.columns]
    if missing:
        raise SmallTrialError(f"ard: missing column(s) {', '.join(map(repr, missing))}")
    for col in ("value", "level"):
        if not pd.api.types.is_float_dtype(frame[col]):
            bad = [v for v in frame[col] if not isinstance(v, (int, float))][:1]
            raise SmallTrialError(f"ard: column {col!r} must hold numbers (float), "
                                  f"found {bad[0]!r}" if bad else f"ard: column {col!r} must be float")
    empty = frame["statistic"].astype(str).str.len() == 0
    if empty.any():
        raise SmallTrialError(f"ard: empty 'statistic' in row {int(empty.to_numpy().argmax()) + 1}")
    dup = frame.duplicated(list(KEY_COLUMNS))
    if dup.any():
        row = frame[dup].iloc[0]
        raise SmallTrialError("ard: statistic listed twice: " +
                              ", ".join(f"{c}={row[c]!r}" for c in KEY_COLUMNS if row[c] != ""))
    return frame


def _number_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(float(value))


def ard_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The ARD as CSV bytes: UTF-8, ``\\n`` line ends, floats at full (round-trip) precision.

    >>> ard_csv_bytes(ard_frame([{"id": "t", "statistic": "p", "value": 0.1}])).decode().splitlines()[1]
    't,,,,,p,0.1,,NaN,'
    """
    import io

    check_ard(frame)
    out = frame.loc[:, list(ARD_COLUMNS)].copy()
    out["value"] = [_number_text(v) for v in out["value"]]
    out["level"] = [_number_text(v) for v in out["level"]]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def write_ard(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write an ARD to ``path`` as CSV (see :func:`ard_csv_bytes`); return the path."""
    path = Path(path)
    path.write_bytes(ard_csv_bytes(frame))
    return path


def has_parquet() -> bool:
    """Whether this installation can write Parquet (pyarrow is installed; not a dependency)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def ard_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The ARD as Parquet bytes (needs pyarrow): the same columns and values as ``ard.csv``,
    ``value`` and ``level`` as float64, written without the pandas index, uncompressed, with
    no creation time, so the same ARD always gives the same bytes.
    """
    import io

    if not has_parquet():
        raise SmallTrialError("ard: writing Parquet needs pyarrow (pip install pyarrow); "
                              "ard.csv holds the same numbers")
    import pyarrow as pa
    import pyarrow.parquet as pq

    check_ard(frame)
    table = pa.Table.from_pandas(frame.loc[:, list(ARD_COLUMNS)].reset_index(drop=True),
                                 preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas/pyarrow version metadata
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="NONE", write_statistics=False)
    return buf.getvalue()


def _read_parquet(path: Path) -> pd.DataFrame:
    if not has_parquet():
        raise SmallTrialError(f"ard: reading {str(path)!r} needs pyarrow (pip install pyarrow); "
                              "or compare the ard.csv beside it")
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as exc:
        first = " ".join(str(exc).split())[:200]
        raise SmallTrialError(f"ard: {str(path)!r} is not a readable Parquet file ({first})") from None
    missing = [c for c in ARD_COLUMNS if c not in frame.columns]
    if missing:
        raise SmallTrialError(f"ard: {str(path)!r} lacks column(s) {', '.join(map(repr, missing))}")
    frame = frame.loc[:, list(ARD_COLUMNS)].copy()
    for col in _TEXT_COLUMNS:
        frame[col] = frame[col].fillna("").astype(str)
    for col in ("value", "level"):
        if not pd.api.types.is_float_dtype(frame[col]):
            raise SmallTrialError(f"ard: {str(path)!r} column {col!r} must hold numbers (float), "
                                  f"found {frame[col].dtype}")
    try:
        return check_ard(frame)
    except SmallTrialError as exc:
        raise SmallTrialError(f"{exc} (in {str(path)!r})") from None


def _check_manifest(folder: Path) -> None:
    """A run folder's ard.csv must be the one its manifest.json lists (not edited or cut)."""
    import hashlib
    import json

    manifest, ard = folder / "manifest.json", folder / "ard.csv"
    if not (manifest.is_file() and ard.is_file()):
        return
    try:
        outputs = {o["path"]: o["sha256"] for o in json.loads(manifest.read_text("utf-8"))["outputs"]}
    except (OSError, ValueError, KeyError, TypeError):
        return  # not a smalltrial manifest: read the file as it is
    want = outputs.get("ard.csv")
    if want is not None and hashlib.sha256(ard.read_bytes()).hexdigest() != want:
        raise SmallTrialError(f"ard: {str(ard)!r} is not the file its run wrote (its sha256 differs "
                              "from manifest.json: edited or truncated); pass the file itself to "
                              "compare it anyway")


def _check_complete(path: Path) -> None:
    """Every row of an ARD CSV has all columns, and the file ends with a line end (a file cut
    short, e.g. by a full disk or an interrupted copy, is not read as fewer statistics)."""
    import csv
    import io

    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SmallTrialError(f"ard: cannot read {str(path)!r} as UTF-8 text "
                              f"({type(exc).__name__})") from None
    if data and not data.endswith(b"\n"):
        raise SmallTrialError(f"ard: {str(path)!r} does not end with a line end: the file looks "
                              "cut short (truncated)")
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None:
        return
    for i, row in enumerate(rows, start=2):
        if row and len(row) != len(header):
            raise SmallTrialError(f"ard: {str(path)!r} row {i} has {len(row)} fields, the header "
                                  f"{len(header)}: the file is damaged or cut short")


def read_ard(path: str | Path) -> pd.DataFrame:
    """Read an ARD from ``ard.csv`` (or ``ard.parquet``) or from a run folder holding one.

    Raises :class:`~smalltrial.SmallTrialError` (naming the file, row and column) when the file
    is missing, is not an ARD, or holds a non-number in ``value`` or ``level``.

    Parameters
    ----------
    path : path
        An ``ard.csv`` file, or a ``smalltrial run`` output folder.

    >>> import tempfile, pathlib
    >>> p = write_ard(ard_frame([{"id": "t", "statistic": "n", "value": 3}]),
    ...               pathlib.Path(tempfile.mkdtemp()) / "ard.csv")
    >>> float(read_ard(p)["value"].iloc[0])
    3.0
    """
    import pandas as pd

    path = Path(path)
    if path.is_dir():
        _check_manifest(path)
        path = path / "ard.csv"
    if path.suffix.lower() == ".parquet" and path.is_file():
        return _read_parquet(path)
    if not path.is_file():
        raise SmallTrialError(f"ard: {str(path)!r} is not an ard.csv file or a folder holding one")
    _check_complete(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = " ".join(str(exc).split())
        raise SmallTrialError(f"ard: {str(path)!r} is not a readable CSV file ({first})") from None
    missing = [c for c in ARD_COLUMNS if c not in raw.columns]
    if missing:
        raise SmallTrialError(f"ard: {str(path)!r} lacks column(s) {', '.join(map(repr, missing))}")
    frame = raw.loc[:, list(ARD_COLUMNS)].copy()
    for col in ("value", "level"):
        numbers = []
        for i, text in enumerate(frame[col]):
            t = text.strip()
            if t in ("", "NaN", "nan", "NA"):
                numbers.append(float("nan"))
                continue
            try:
                numbers.append(float(t))
            except ValueError:
                raise SmallTrialError(f"ard: {str(path)!r} row {i + 2}, column {col!r}: {text!r} "
                                      "is not a number") from None
        frame[col] = pd.Series(numbers, index=frame.index, dtype=float)
    try:
        return check_ard(frame)
    except SmallTrialError as exc:
        raise SmallTrialError(f"{exc} (in {str(path)!r})") from None


def _differs(a: float, b: float, tolerance: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return not (math.isnan(a) and math.isnan(b))
    if math.isinf(a) or math.isinf(b):
        return a != b
    return abs(a - b) > tolerance * max(1.0, abs(a), abs(b))


def compare_ard(a: pd.DataFrame, b: pd.DataFrame, *, tolerance: float = 1e-8) -> pd.DataFrame:
    """Compare two ARDs statistic by statistic; return the statistics that differ.

    Two values agree when ``|a - b| <= tolerance * max(1, |a|, |b|)`` (absolute below 1,
    relative above), or both are NaN ("not reached" in both). A statistic present in only one
    ARD differs too (its missing value is NaN and ``status`` says where it is).

    Parameters
    ----------
    a, b : DataFrame
        ARDs (:func:`read_ard`, ``to_ard()``); they must share at least one ``id``.
    tolerance : float
        Non-negative tolerance (default 1e-8).

    Returns
    -------
    DataFrame
        The key columns, ``value_a``, ``value_b``, ``difference`` (b - a) and ``status``
        (``differs``, ``only in A``, ``only in B``), in the order of ``a`` then ``b``;
        empty when the ARDs agree.

    >>> from smalltrial.rates import proportion_ci
    >>> a, b = proportion_ci(6, 8).to_ard(), proportion_ci(6, 8, method="wilson").to_ard()
    >>> compare_ard(a, b)["statistic"].tolist()
    ['lower', 'upper']
    """
    import pandas as pd

    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or \
            not math.isfinite(tolerance) or tolerance < 0:
        raise SmallTrialError(f"tolerance must be a non-negative number, got {tolerance!r}")
    check_ard(a)
    check_ard(b)
    shared = set(a["id"]) & set(b["id"])
    if not shared:
        raise SmallTrialError(
            "ard: the two ARDs share no table or figure id (different analyses?): "
            f"A has {', '.join(sorted(set(a['id']))[:3]) or 'none'}; "
            f"B has {', '.join(sorted(set(b['id']))[:3]) or 'none'}")
    keys = list(KEY_COLUMNS)
    left = a[keys + ["value"]].assign(_pos_a=range(len(a)))
    right = b[keys + ["value"]].assign(_pos_b=range(len(b)))
    merged = left.merge(right, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    merged = merged.sort_values(["_pos_a", "_pos_b"], na_position="last", kind="stable")
    merged = merged.drop(columns=["_pos_a", "_pos_b"])
    rows = []
    for d in merged.to_dict("records"):
        where = d.pop("_merge")
        va, vb = float(d["value_a"]), float(d["value_b"])
        if where == "left_only":
            status = "only in A"
        elif where == "right_only":
            status = "only in B"
        elif _differs(va, vb, float(tolerance)):
            status = "differs"
        else:
            continue
        d["difference"] = vb - va
        d["status"] = status
        rows.append(d)
    return pd.DataFrame(rows, columns=keys + ["value_a", "value_b", "difference", "status"])


# --------------------------------------------------------------------------------------------
# a run's ARD: the statistics each table and figure used (recorded by builders.Analysis.once)
# --------------------------------------------------------------------------------------------
def _frame_rows(frame: pd.DataFrame, group: str, variable: str, stats: tuple[str, ...],
                group_col: str = "group") -> list[dict[str, Any]]:
    rows = []
    for rec in frame.to_dict("records"):
        for stat in stats:
            if stat in rec:
                rows.append({"group": group, "group_level": rec.get(group_col, ""),
                             "variable": variable, "variable_level": rec.get(variable, ""),
                             "statistic": stat, "value": float(rec[stat]),
                             "method": rec.get("method", ""), "level": rec.get("level")})
    return rows


_CONTINUOUS_STATS = ("n", "n_missing", "mean", "sd", "median", "q1", "q3", "minimum", "maximum")


def _describe_rows(frame: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    """Rows of a :func:`smalltrial.summaries.describe` result: continuous variables give
    n, n_missing, mean, sd, median, q1, q3, minimum, maximum; categorical ones count and total
    per level, and once per group (``variable_level`` empty) the patients without a value,
    ``n_missing``."""
    rows = []
    missing_done = set()
    for rec in frame.to_dict("records"):
        base = {"group": by if "group" in rec else "", "group_level": rec.get("group", ""),
                "variable": rec["variable"]}
        if rec.get("kind") == "continuous":
            rows += [{**base, "statistic": s, "value": float(rec[s])} for s in _CONTINUOUS_STATS]
        else:
            rows += [{**base, "variable_level": rec["level"], "statistic": s, "value": float(rec[s])}
                     for s in ("count", "total")]
            # taba (#15): the patients without a value, once per variable and group
            if "n_missing" in rec and (base["variable"], str(base["group_level"])) not in missing_done:
                missing_done.add((base["variable"], str(base["group_level"])))
                rows.append({**base, "statistic": "n_missing", "value": float(rec["n_missing"])})
    return rows


def _ae_summary_rows(frame: pd.DataFrame, by: Any) -> list[dict[str, Any]]:
    """Rows of a :func:`smalltrial.summaries.adverse_events` result: per row (``variable``
    ``overall``, ``soc`` or ``term``; ``variable_level`` the class, or ``class / term``) the
    patients with the event ``n``, the group's ``N``, ``percent`` and the patients whose worst
    grade is g or worse, ``n_grade_ge_2`` .. ``n_grade_ge_5`` (the grade-band counts)."""
    rows = []
    for rec in frame.to_dict("records"):
        kind = str(rec["level"])
        name = {"overall": "any adverse event", "soc": str(rec["soc"]),
                "term": f"{rec['soc']} / {rec['term']}"}.get(kind, kind)
        base = {"group": str(by) if by else "", "group_level": str(rec.get(by, "")) if by else "",
                "variable": kind, "variable_level": name}
        rows += [{**base, "statistic": s, "value": float(rec[s])} for s in ("n", "N", "percent")]
        grades = [float(rec.get(f"grade_{g}", 0)) for g in range(1, 6)]
        rows += [{**base, "statistic": f"n_grade_ge_{g}", "value": float(sum(grades[g - 1:]))}
                 for g in range(2, 6)]
    return rows


# --- taba (#15): ARD rows of the baseline, adverse-event and longitudinal tables' own keys ---
def _observed_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of observed values per visit (``summaries.describe(data, "value", by="visit")``):
    ``variable`` ``observed``, ``variable_level`` the visit, the continuous statistics."""
    return [{"variable": "observed", "variable_level": str(rec["group"]), "statistic": s,
             "value": float(rec[s])} for rec in frame.to_dict("records") for s in _CONTINUOUS_STATS]


def _any_grade_rows(frame: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    """Rows of the patients with an event of any grade (worst grade >= 1), per event and group,
    from ``summaries.describe`` of the 0/1 indicators: ``variable_level`` ``any grade``,
    statistic ``count``."""
    return [{**r, "variable_level": "any grade"} for r in _describe_rows(frame, by)
            if r["statistic"] == "count" and str(r.get("variable_level")) in ("1", "1.0", "True")]
# --- end taba


def join_levels(*levels: Any) -> str:
    """Several grouping variables or levels in one ``group``/``group_level`` cell: joined by
    ``", "``; a part that holds a comma or a double quote is double-quoted (quotes doubled), so
    :func:`split_levels` always gives the parts back.

    >>> join_levels("relapse", "SLE"), join_levels("pfs", "low, 2e13")
    ('relapse, SLE', 'pfs, "low, 2e13"')
    """
    out = []
    for level in map(str, levels):
        out.append('"' + level.replace('"', '""') + '"' if ("," in level or '"' in level) else level)
    return ", ".join(out)


def split_levels(text: str) -> list[str]:
    """The parts of a ``group``/``group_level`` cell (see :func:`join_levels`).

    >>> split_levels('pfs, "low, 2e13"')
    ['pfs', 'low, 2e13']
    """
    import csv

    if text == "":
        return []
    return next(csv.reader([text], skipinitialspace=True))


def _grouped(ctx: Any, kind: str, name: Any, group: Any) -> tuple[str, str]:
    """``group``/``group_level`` of a statistic of one endpoint or parameter, for all patients
    (``group`` None) or for one level of the run's ``by`` column: ``("endpoint, cohort",
    "relapse, SLE")``, so that the statistics of every group keep rows of their own (parts
    joined by :func:`join_levels`)."""
    if group is None:
        return kind, str(name)
    return join_levels(kind, ctx.by), join_levels(name, group)


def _record_ard(ctx: Any, key: Any, value: Any) -> pd.DataFrame | None:
    """The ARD rows of one cached statistic (``key`` as in ``Analysis.once``), or None for
    derived data (data frames of subjects) that are not statistics."""
    from smalltrial._results import Result

    kind = key[0] if isinstance(key, tuple) else key
    if kind in _TTE_KINDS:  # time-to-event and interval-censored tables: see _tte_record
        return _tte_record(ctx, key, value)
    if kind == "describe":  # summaries.describe output, when a builder caches it under this key
        return ard_frame(_describe_rows(value, ctx.by))
    if kind == "waterfall":  # per patient: baseline, value at the visit, change (key: parameter, visit, kind)
        return ard_frame([{"group": "parameter", "group_level": str(key[1]), "variable": "subject",
                           "variable_level": str(rec["subject"]), "statistic": stat,
                           "value": float(rec[col]),
                           "method": "percent change" if key[3] == "percent" else "change"}
                          for rec in value.to_dict("records")
                          for stat, col in (("baseline", "baseline"), (f"value at {key[2]}", "at"),
                                            ("change", "change"))])
    if kind == "ae_summary":  # summaries.adverse_events output, key ("ae_summary", by, ...)
        return ard_frame(_ae_summary_rows(value, key[1]))
    # --- taba (#15): observed values of the longitudinal table, any-grade counts of the AE table
    if kind == "observed":  # key ("observed", parameter, group, visits, min_n)
        ard = ard_frame(_observed_rows(value))
        ard["group"], ard["group_level"] = _grouped(ctx, "parameter", key[1], key[2])
        return ard
    if kind == "any_grade":  # key ("any_grade", events)
        return ard_frame(_any_grade_rows(value, ctx.by))
    if kind == "group_sizes":  # key ("group_sizes",): patients per level of the by column (and All)
        return ard_frame([{"variable": ctx.by, "variable_level": str(g), "statistic": "N",
                           "value": float(n)} for g, n in value.items()])
    # --- end taba
    if kind == "efficacy":
        return ard_frame(_frame_rows(value, ctx.by, "visit", ("x", "n", "estimate", "lower", "upper")))
    if not isinstance(value, Result):
        return None
    if kind == "km":
        ard = value.to_ard(times=_landmarks_in(ctx, key[2]))  # the fit's time unit
        ard["group"], ard["group_level"] = _grouped(ctx, "endpoint", key[1], key[3])
    elif kind == "rate":
        ard = value.to_ard()
        ard["group"], ard["group_level"] = _grouped(ctx, "endpoint", key[1], key[2])
        ard["variable"] = "event_rate"
    elif kind == "mixed":
        scale = "response" if key[2] == "log" else "link"
        ard = value.to_ard(by="visit", scale=scale)
        ard["group"], ard["group_level"] = _grouped(ctx, "parameter", key[1], key[5])
    elif kind == "paired":
        ard = value.to_ard()
        # taba (#15): key ("paired", parameter, baseline, at, group, ...): one group's rows apart
        ard["group"], ard["group_level"] = _grouped(ctx, "parameter", key[1],
                                                    key[4] if len(key) > 4 else None)
        ard["variable"], ard["variable_level"] = "paired_change", f"{key[2]} to {key[3]}"
    elif kind == "ci":
        ard = value.to_ard()
        ard["variable"], ard["variable_level"] = "proportion", f"{key[1]}/{key[2]}"
    elif kind == "follow_up":
        ard = value.to_ard()
        ard["variable"] = "median_follow_up"
    else:
        ard = value.to_ard()
        ard["variable"] = ard["variable"].where(ard["variable"] != "", str(kind))
    return ard


# ---- time-to-event and interval-censored tables (keys: rmst, cif, cif_table, interval) ----
_TTE_KINDS = ("rmst", "cif", "cif_table", "interval")


def _landmarks_in(ctx: Any, unit: str) -> list[float]:
    """The spec's landmarks (``endpoints.landmarks``, in ``endpoints.time_unit``) in ``unit``,
    as the time-to-event builders convert them."""
    from smalltrial.builders.time_to_event import _landmarks

    return _landmarks(ctx, unit)


def _tte_record(ctx: Any, key: tuple, value: Any) -> pd.DataFrame:
    """ARD rows of the time-to-event and interval-censored statistics.

    * ``("rmst", endpoint, tau, unit, group, subjects)``: the :class:`~smalltrial.survival.RMST`
      fields, ``variable`` ``rmst``, ``variable_level`` tau, per endpoint (and group);
    * ``("cif", endpoint, unit, group)``: the Aalen-Johansen fit's ``n``, ``events`` (cause 1),
      ``competing`` and its curve (``variable`` ``curve``, level the time);
    * ``("cif_table", endpoint, unit, group, landmarks)``: what the time-to-event table shows
      of it: the median (the first time the incidence reaches 50%, no CI) and the cumulative
      incidence with CI at the landmarks (``variable`` ``landmark``);
    * ``("interval", parameter, threshold, direction, unit, landmarks)``: per method (``group``
      ``parameter, method``; ``turnbull``, ``midpoint``, ``right``) the patients ``n`` and
      ``events``; for the Turnbull NPMLE its intervals (``variable`` ``turnbull_interval``:
      ``lower, upper, probability, survival``), the interval where the cumulative probability
      reaches 50% (``variable`` ``median``: ``lower``, ``upper``; NaN = not reached) and at each
      landmark the bounds of the cumulative probability (``variable`` ``landmark``:
      ``cumulative_low``, ``cumulative_high``); for the imputed Kaplan-Meier fits their
      :meth:`~smalltrial.survival.KaplanMeier.to_ard` rows.
    """
    kind = key[0]
    if kind == "rmst":
        ard = value.to_ard()
        ard["group"], ard["group_level"] = _grouped(ctx, "endpoint", key[1], key[4])
        ard["variable"], ard["variable_level"] = "rmst", repr(float(key[2]))
        return ard
    if kind == "cif":
        rows = [{"statistic": s, "value": getattr(value, s)} for s in ("n", "events", "competing")]
        rows += table_rows(value.table, "curve", "time", ("n_risk", "n_event", "n_competing",
                                                           "n_censored", "estimate", "std_error",
                                                           "lower", "upper"))
        ard = ard_frame(rows, method=value.conf_type, level=value.level)
        ard["group"], ard["group_level"] = _grouped(ctx, "endpoint", key[1], key[3])
        return ard
    if kind == "cif_table":
        median, at, fit = value["median"], value["landmarks"], value["fit"]
        rows = [{"variable": "median", "statistic": s, "value": median[s]}
                for s in ("estimate", "lower", "upper")]
        rows += table_rows(at, "landmark", "time", ("estimate", "lower", "upper"))
        ard = ard_frame(rows, method=fit.conf_type, level=fit.level)
        ard["group"], ard["group_level"] = _grouped(ctx, "endpoint", key[1], key[3])
        return ard
    # interval
    parameter = str(key[1])
    parts = []
    counts = [{"statistic": "n", "value": value["n"]},
              {"statistic": "events", "value": value["events"]}]
    lo, hi = value["median"]
    rows = counts + [{"variable": "median", "statistic": "lower", "value": lo},
                     {"variable": "median", "statistic": "upper", "value": hi}]
    for t, (low, high) in zip(value["landmarks"], value["bounds"], strict=True):
        rows += [{"variable": "landmark", "variable_level": repr(float(t)),
                  "statistic": "cumulative_low", "value": low},
                 {"variable": "landmark", "variable_level": repr(float(t)),
                  "statistic": "cumulative_high", "value": high}]
    fit = value["turnbull"].reset_index(drop=True)
    rows += table_rows(fit.set_axis([str(i + 1) for i in range(len(fit))]), "turnbull_interval",
                       None, ("lower", "upper", "probability", "survival"))
    parts.append(ard_frame(rows, group_level=join_levels(parameter, "turnbull"), method="turnbull"))
    for method, km in value["km"].items():
        ard = km.to_ard(times=value["landmarks"])
        ard["group_level"] = join_levels(parameter, method)
        parts.append(ard)
    import pandas as pd

    ard = pd.concat(parts, ignore_index=True)
    ard["group"] = "parameter, method"
    return ard
# ---- end of the time-to-event and interval-censored tables ----


def collect(ctx: Any, used: Mapping[str, list[tuple[Any, Any]]],
            footnotes: Mapping[str, tuple[str, ...]] | None = None,
            done: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The ARD of a run: for each table or figure id, the rows of the statistics it used.

    Parameters
    ----------
    ctx : smalltrial.builders.Analysis
        The run's analysis context (for the grouping column and the landmarks).
    used : mapping
        id -> list of ``(cache key, value)`` that the item's builder fetched
        (``Analysis.used``).
    footnotes : mapping, optional
        id -> footnotes of the table, copied into the ``footnote`` column.
    done : mapping, optional
        id -> the rows ``collect`` already gave for that id alone (a run lays each table out
        from its own rows first); reused instead of computed again.
    """
    import pandas as pd

    footnotes = footnotes or {}
    done = done or {}
    parts = []
    for item_id, records in used.items():
        note = " ".join(footnotes.get(item_id, ()))
        if item_id in done:
            if len(done[item_id]):
                parts.append(done[item_id].assign(footnote=note))
            continue
        for key, value in records:
            ard = _record_ard(ctx, key, value)
            if ard is None or ard.empty:
                continue
            ard = ard.copy()
            ard["id"] = item_id
            ard["footnote"] = note
            parts.append(ard)
    if not parts:
        return ard_frame([])
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(list(KEY_COLUMNS), keep="first").reset_index(drop=True)
    return check_ard(out.loc[:, list(ARD_COLUMNS)])
