"""The package surface: lazy imports, error classes, the validation layer."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import smalltrial as st
from smalltrial import _validate as v
from smalltrial._format import fmt_ci, fmt_num, fmt_pct, fmt_pvalue


def test_import_is_light():
    code = (
        "import sys, smalltrial\n"
        "heavy = [m for m in ('statsmodels', 'lifelines', 'seaborn', 'matplotlib', 'pandas', 'scipy')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_error_classes():
    assert issubclass(st.SmallTrialError, ValueError)
    assert issubclass(st.SmallTrialWarning, UserWarning)
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        st.nonsense  # noqa: B018


def test_check_level_and_choice():
    assert v.check_level(0.9) == 0.9
    for bad in (0, 1, 1.5, -0.1, float("nan"), "0.95", True):
        with pytest.raises(st.SmallTrialError, match="level"):
            v.check_level(bad)
    with pytest.raises(st.SmallTrialError, match=r"method must be one of 'a', 'b'; got 'c'"):
        v.check_choice("c", "method", ["a", "b"])


def test_check_count():
    assert v.check_count(3.0, "x") == 3
    for bad in (-1, 2.5, float("nan"), float("inf"), True, "3"):
        with pytest.raises(st.SmallTrialError, match="x must"):
            v.check_count(bad, "x")
    arr = v.check_counts([1, 2, 3], "n")
    assert arr.tolist() == [1, 2, 3]
    with pytest.raises(st.SmallTrialError, match=r"n must be whole numbers, got 1.5"):
        v.check_counts([1, 1.5], "n")
    with pytest.raises(st.SmallTrialError, match=r"n must be whole numbers, got inf"):
        v.check_counts([1, float("inf")], "n")


def test_frame_checks_name_column_and_subject():
    df = pd.DataFrame({"subject": ["P1", "P2", "P3"], "day": [0, -3, 5], "value": [1.0, None, 2]})
    with pytest.raises(st.SmallTrialError, match=r"no column 'time'"):
        v.check_columns(df, ["subject", "time"])
    with pytest.raises(st.SmallTrialError, match=r"'day'.*-3.*subject 'P2'"):
        v.check_nonnegative_column(df, "day", subject="subject")
    with pytest.raises(st.SmallTrialError, match=r"'value'.*1 missing.*subject 'P2'"):
        v.check_no_missing(df, "value", subject="subject")
    dup = pd.DataFrame({"subject": ["A", "A"], "day": [1, 1]})
    with pytest.raises(st.SmallTrialError, match="duplicated"):
        v.check_unique_rows(dup, ["subject", "day"])
    text = pd.DataFrame({"y": ["1", "x"]})
    with pytest.raises(st.SmallTrialError, match=r"'y'.*numeric.*'x'"):
        v.check_numeric_column(text, "y")


def test_formatting():
    assert fmt_num(float("nan")) == "NR"
    assert fmt_num(-0.04) == "0.0"
    assert fmt_pct(1.0) == "100"
    assert fmt_pct(0.4781762) == "47.8"
    assert fmt_ci(0.478, float("nan")) == "0.5\u2013NR"
    assert fmt_pvalue(0.0004) == "<0.001"
    assert fmt_pvalue(0.0625) == "0.063"  # half away from zero (SAS ROUND)
    assert fmt_num(0.25000000000000355) == fmt_num(0.249999999999996) == "0.3"
    assert fmt_num(-0.25) == "-0.3" and fmt_num(2.675, 2) == "2.68"


def test_cli_reports_an_internal_error_in_one_line(monkeypatch, capsys):
    from smalltrial import cli

    def boom(args):
        raise RuntimeError("unexpected\nstate")

    monkeypatch.setattr(cli, "_cmd_datasets", boom)
    monkeypatch.delenv("SMALLTRIAL_DEBUG", raising=False)
    assert cli.main(["datasets"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (RuntimeError): unexpected state" in err
    monkeypatch.setenv("SMALLTRIAL_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["datasets"])
