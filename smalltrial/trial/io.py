"""Reading and writing trial folders: one file per table, as CSV (comma-separated, or
semicolon-separated with decimal commas as European spreadsheets export it), Parquet, Excel
``.xlsx`` or SAS (XPORT v5/v8, ``.sas7bdat``); :func:`read_trial` and ``Trial.to_folder``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smalltrial._errors import SmallTrialError
from smalltrial.trial.model import Trial

_TABLES = ("subjects", "measurements", "events", "parameters", "adverse_events")
_FORMATS = (".csv", ".parquet", ".pq", ".xpt", ".sas7bdat", ".xlsx")


# ----------------------------------------------------------------------------- reading
def _need_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        try:
            import fastparquet  # noqa: F401
        except ImportError:
            raise SmallTrialError(
                "reading or writing Parquet needs pyarrow (pip install pyarrow); "
                "or use CSV files"
            ) from None


def _find(folder: Path, stem: str) -> Path | None:
    """The file ``stem.<csv|parquet|pq|xpt|sas7bdat|xlsx>`` in ``folder`` (case-insensitive)."""
    hits = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.stem.lower() == stem and p.suffix.lower() in _FORMATS
    )
    if len(hits) > 1:
        raise SmallTrialError(
            f"{folder}: more than one file for table {stem!r}: {', '.join(p.name for p in hits)}"
        )
    return hits[0] if hits else None


_TEXT_IDS = {"subject": str, "USUBJID": str, "term": str, "soc": str, "visit": str}


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file: comma-separated, or semicolon-separated with decimal commas (European Excel).

    The separator is read off the header line: more ``;`` than ``,`` means the European export
    (``sep=";"``, ``decimal=","``); equally many of both is refused (the message says so).
    """
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            header = next((line for line in fh if line.strip()), "")
    except UnicodeDecodeError:
        raise SmallTrialError(
            f"cannot read {path}: the file is not UTF-8 text; save it as 'CSV UTF-8' "
            "(comma or semicolon separated)"
        ) from None
    semi, comma = header.count(";"), header.count(",")
    if semi and semi == comma:
        raise SmallTrialError(
            f"cannot read {path}: the header line has as many ';' as ',' so the separator is "
            "ambiguous; save the table as comma-separated CSV (or semicolon-separated with "
            "decimal commas, as European spreadsheets export it)"
        )
    if semi > comma:
        return pd.read_csv(path, sep=";", decimal=",", dtype=_TEXT_IDS, encoding="utf-8-sig")
    return pd.read_csv(path, dtype=_TEXT_IDS, encoding="utf-8-sig")


def _read_sas(path: Path, suffix: str) -> pd.DataFrame:
    """SAS XPORT (v5 or v8) or .sas7bdat through pyreadstat; empty strings are missing."""
    try:
        import pyreadstat
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise SmallTrialError(f"cannot read {path}: SAS files need pyreadstat "
                              "(pip install pyreadstat)") from None
    reader = pyreadstat.read_xport if suffix == ".xpt" else pyreadstat.read_sas7bdat
    try:
        frame, _meta = reader(str(path), dates_as_pandas_datetime=True)
    except Exception as exc:  # pyreadstat raises its own exception types
        raise SmallTrialError(f"cannot read {path}: {exc}") from None
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object:
            frame[col] = series.where(~series.map(lambda v: isinstance(v, str) and v.strip() == ""),
                                      np.nan)
        elif pd.api.types.is_float_dtype(series):
            # IBM-float zero can come back as 16**-65 (~5.4e-79), the smallest IBM magnitude
            tiny = series.abs() < 1e-70
            if tiny.any():
                frame.loc[tiny, col] = 0.0
    return frame


def _read_table(path: Path) -> pd.DataFrame:
    """One table file: CSV (comma, or European semicolon/decimal comma), Parquet, Excel .xlsx
    (first sheet, through openpyxl), SAS XPORT v5/v8 or .sas7bdat (through pyreadstat)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix in (".parquet", ".pq"):
            _need_parquet()
            return pd.read_parquet(path)
        if suffix == ".xlsx":
            return pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=_TEXT_IDS)
        return _read_sas(path, suffix)
    except SmallTrialError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, KeyError) as exc:
        raise SmallTrialError(f"cannot read {path}: {exc}") from None
    except Exception as exc:  # openpyxl's own errors (a corrupt .xlsx)
        raise SmallTrialError(f"cannot read {path}: {type(exc).__name__}: {exc}") from None


def _ids_as_str(frame: pd.DataFrame | None) -> None:
    if frame is not None and "subject" in frame.columns:
        ids = frame["subject"]
        frame["subject"] = ids.where(ids.isna(), ids.astype(str))


def _normalise(subjects: pd.DataFrame, measurements: pd.DataFrame, events: pd.DataFrame,
               parameters: pd.DataFrame | None) -> tuple:
    """Types the loaders agree on: ids as str, integer days as int64, bool blq, float grade."""
    for frame in (subjects, measurements, events):
        _ids_as_str(frame)
    for frame in (measurements, events):
        if "day" in frame.columns and pd.api.types.is_float_dtype(frame["day"]):
            d = frame["day"]
            if d.notna().all() and np.isfinite(d).all() and (d == np.floor(d)).all():
                frame["day"] = d.astype(np.int64)
    if "blq" in measurements.columns and not pd.api.types.is_bool_dtype(measurements["blq"]):
        measurements["blq"] = _to_bool(measurements["blq"], strict=True)
    if "grade" in events.columns and pd.api.types.is_numeric_dtype(events["grade"]):
        events["grade"] = events["grade"].astype(float)
    value = measurements.get("value")
    if value is not None and pd.api.types.is_numeric_dtype(value) and not pd.api.types.is_bool_dtype(value):
        measurements["value"] = value.astype(float)  # Excel stores 16.0 as 16
    return subjects, measurements, events, parameters


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _to_bool(values: pd.Series, *, strict: bool = False) -> pd.Series:
    """True/False/yes/no/Y/N/1/0 (any case) as bool; other values kept (strict) or NaN."""
    def one(v: Any) -> Any:
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return np.nan
        text = str(v).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return v if strict else np.nan

    mapped = values.map(one)
    if mapped.isin([True, False]).all():
        return mapped.astype(bool)
    return mapped


def _normalise_adverse_events(ae: pd.DataFrame) -> pd.DataFrame:
    """Loader types for adverse events: str ids, whole grades as int64, bool flags."""
    _ids_as_str(ae)
    for col in ("grade", "day", "end_day"):
        if col in ae.columns and pd.api.types.is_float_dtype(ae[col]):
            v = ae[col]
            if v.notna().all() and np.isfinite(v).all() and (v == np.floor(v)).all():
                ae[col] = v.astype(np.int64)
    for col in ("serious", "related"):
        if col in ae.columns and not pd.api.types.is_bool_dtype(ae[col]):
            ae[col] = _to_bool(ae[col], strict=True)
    return ae


def _check_folder(path: str | Path) -> Path:
    folder = Path(path)
    if not folder.exists():
        raise SmallTrialError(f"trial folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise SmallTrialError(f"{str(folder)!r} is not a folder (a trial is a folder of tables)")
    return folder


def read_trial(path: str | Path) -> Trial:
    """Read a trial from a folder of tables (CSV, Parquet, Excel, SAS), or of ADaM tables.

    The folder holds ``subjects``, ``measurements``, ``events`` and optionally ``parameters`` and
    ``adverse_events`` (file names case-insensitive) and ``description.md``. A folder with
    ``adsl`` (and ``adlb`` / ``adtte`` / ``adae`` / ``adrs``) instead is read by :func:`read_adam`.
    Reading does not validate: call :meth:`Trial.validate` (which reports every problem at once).

    Formats: ``.csv`` (comma-separated; or semicolon-separated with decimal commas as European
    spreadsheets export it, recognised from the header line; an ambiguous header is refused with
    a message saying so), ``.parquet`` (needs pyarrow), ``.xlsx`` (first sheet, via openpyxl),
    ``.xpt`` (SAS XPORT v5 or v8) and ``.sas7bdat`` (both via pyreadstat: pandas alone reads
    only XPORT v5). SAS character blanks are read as missing.

    Parameters
    ----------
    path : str or Path
        The folder.

    Raises
    ------
    SmallTrialError
        If the folder or a required table is missing or unreadable (the message names the path).

    Examples
    --------
    >>> import tempfile, smalltrial as st
    >>> folder = st.datasets.load("mackensen2022").to_folder(tempfile.mkdtemp())
    >>> st.trial.read_trial(folder).n_subjects
    5
    """
    folder = _check_folder(path)
    found = {t: _find(folder, t) for t in _TABLES}
    if found["subjects"] is None and _find(folder, "adsl") is not None:
        from smalltrial.trial.adam import read_adam

        return read_adam(folder)
    missing = [t for t in ("subjects", "measurements", "events") if found[t] is None]
    if missing:
        raise SmallTrialError(
            f"{folder}: no {', '.join(missing)} table (expected {', '.join(m + '.csv' for m in missing)} "
            f"or .parquet/.xlsx/.xpt, or ADaM adsl/adlb/adtte files)"
        )
    subjects = _read_table(found["subjects"])
    measurements = _read_table(found["measurements"])
    events = _read_table(found["events"])
    parameters = _read_table(found["parameters"]) if found["parameters"] is not None else None
    adverse = None
    if found["adverse_events"] is not None:
        adverse = _normalise_adverse_events(_read_table(found["adverse_events"]))
    desc_path = folder / "description.md"
    description = desc_path.read_text(encoding="utf-8") if desc_path.is_file() else ""
    subjects, measurements, events, parameters = _normalise(subjects, measurements, events, parameters)
    return Trial(subjects, measurements, events, parameters, description, name=folder.name,
                 adverse_events=adverse)


# ----------------------------------------------------------------------------- writing
def _to_folder(trial: Trial, path: str | Path, *, format: str = "csv") -> Path:
    """:meth:`Trial.to_folder` (the tables as CSV/Parquet files and description.md)."""
    if format not in ("csv", "parquet"):
        raise SmallTrialError(f"format must be 'csv' or 'parquet'; got {format!r}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for table in _TABLES:
        frame = getattr(trial, table)
        if frame is None or (table == "adverse_events" and len(frame) == 0):
            continue
        if format == "csv":
            frame.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")
        else:
            _need_parquet()
            frame.to_parquet(folder / f"{table}.parquet", index=False)
    if trial.description:
        (folder / "description.md").write_text(trial.description, encoding="utf-8")
    return folder
