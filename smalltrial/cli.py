"""The ``smalltrial`` command line.

Commands::

    smalltrial datasets            list the bundled (synthetic) example trials
    smalltrial validate PATH       validate a trial data folder; exit 2 with a report on problems
    smalltrial run [SPEC] [--out DIR]
                                   run an analysis spec (default: the bundled mackensen2022
                                   analysis) and write DIR/tables, DIR/figures, DIR/manifest.json
    smalltrial compare A B [--tolerance T]
                                   compare two runs' analysis results data (folders or ard.csv
                                   files): exit 0 when all agree, 1 when any statistic differs

Bad input exits with status 2 and one readable line on stderr, never a traceback. ``run``
prints each statistical warning once on stderr (``smalltrial: warning: ...``). SIGTERM and
Ctrl-C stop a run cleanly: its temporary folder is removed and the previous output kept.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from smalltrial._errors import SmallTrialError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_DIFFERENT = 1
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` (clean-up) runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse path
        self.exit(EXIT_BAD_INPUT, f"smalltrial: error: {message}\n")


def _cmd_datasets(args: argparse.Namespace) -> int:
    from smalltrial import datasets

    for name in datasets.names():
        trial = datasets.load(name)
        summary = trial.description.strip().splitlines()[0] if trial.description else ""
        print(f"{name:<16} {summary}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from smalltrial.trial import read_trial

    trial = read_trial(args.path)
    problems = trial.validate(raise_on_error=False)
    if problems:
        print(f"smalltrial: {args.path}: {len(problems)} problem(s) found", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    n_subj = len(trial.subjects)
    print(f"{args.path}: OK ({n_subj} subjects, {len(trial.measurements)} measurements, "
          f"{len(trial.events)} events)")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")  # figures are files: never open a window
    from smalltrial.pipeline import run

    result = run(args.spec, out=args.out, progress=False if args.quiet else None)
    if result.statistical_warnings:  # the caveats of the whole run, summarised once at the end
        n = len(result.statistical_warnings)
        print(f"smalltrial: {n} statistical warning{'s' if n > 1 else ''} "
              "(also in report.md and the tables' footnotes):", file=sys.stderr)
        for warning in result.statistical_warnings:
            where = ", ".join(result.warned_in.get(warning, ()))
            print(f"smalltrial: warning: {warning}" + (f" [{where}]" if where else ""),
                  file=sys.stderr)
    print(f"{result.out}: {len(result.outputs) + 1} files "
          f"({len(result.tables)} tables, {len(result.figures)} figure files)")
    for skipped in result.skipped:
        print(f"  skipped (optional): {skipped}")
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    import math

    from smalltrial.ard import compare_ard, read_ard

    try:
        tolerance = float(args.tolerance)
    except ValueError:
        raise SmallTrialError(f"--tolerance: {args.tolerance!r} is not a number") from None
    if not math.isfinite(tolerance) or tolerance < 0:
        raise SmallTrialError(f"--tolerance must be a non-negative number, got {args.tolerance!r}")
    a, b = read_ard(args.a), read_ard(args.b)
    diff = compare_ard(a, b, tolerance=tolerance)
    n_shared = len(a.merge(b, on=["id", "group", "group_level", "variable", "variable_level",
                                  "statistic"]))
    if diff.empty:
        print(f"smalltrial: {n_shared} statistics agree (tolerance {tolerance:g})")
        return EXIT_OK
    print(f"smalltrial: {len(diff)} statistic(s) differ (tolerance {tolerance:g}):")
    for rec in diff.to_dict("records"):
        parts = [rec["id"]] + [f"{c}={rec[c]}" for c in ("group_level", "variable",
                                                         "variable_level") if rec[c] != ""]
        a = "(absent)" if rec["status"] == "only in B" else repr(rec["value_a"])
        b = "(absent)" if rec["status"] == "only in A" else repr(rec["value_b"])
        print(f"  {' '.join(parts)} {rec['statistic']}: A={a} B={b} ({rec['status']})")
    return EXIT_DIFFERENT


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-parser per command)."""
    from smalltrial import __version__

    parser = _Parser(prog="smalltrial", description="smalltrial: analyse small single-arm clinical trials and write them up.")
    parser.add_argument("--version", action="version", version=f"smalltrial {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("datasets", help="list the bundled synthetic example trials")
    p.set_defaults(func=_cmd_datasets)

    p = sub.add_parser("validate", help="validate a trial data folder (CSV/Parquet or ADaM)")
    p.add_argument("path", help="folder with subjects/measurements/events or ADSL/ADLB/ADTTE")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("run", help="run an analysis spec: data -> manuscript tables and figures")
    p.add_argument("spec", nargs="?", default=None,
                   help="analysis spec (TOML); default: the bundled mackensen2022 analysis")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: the spec's 'output', else smalltrial-output); "
                        "replaced only when the run succeeds")
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines (by default one line per step when stderr is a terminal)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="compare two runs' analysis results data (ard.csv)")
    p.add_argument("a", metavar="A", help="a run's output folder, its ard.csv or ard.parquet")
    p.add_argument("b", metavar="B", help="the other run's output folder, ard.csv or ard.parquet")
    p.add_argument("--tolerance", default="1e-8", metavar="T",
                   help="values agree when |A - B| <= T * max(1, |A|, |B|) (default 1e-8)")
    p.set_defaults(func=_cmd_compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    previous = None
    if hasattr(signal, "SIGTERM"):
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # pragma: no cover - not the main thread
            previous = None
    try:
        return args.func(args)
    except SmallTrialError as exc:
        message = " ".join(str(exc).split())
        print(f"smalltrial: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # unreadable/unwritable files, names the system refuses, a full disk
        where = f": {exc.filename}" if exc.filename else ""
        message = " ".join(f"{exc.strerror or exc}{where}".split())
        print(f"smalltrial: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnicodeDecodeError as exc:  # an input file in another encoding
        print(f"smalltrial: error: an input file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
              f"at position {exc.start}); save it as UTF-8", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("smalltrial: interrupted; the previous output is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print("smalltrial: terminated; the previous output is unchanged", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as exc:  # a bug, not bad input: still one line, unless debugging
        if os.environ.get("SMALLTRIAL_DEBUG"):
            raise
        message = " ".join(str(exc).split())
        print(f"smalltrial: internal error ({type(exc).__name__}): {message} "
              "(set SMALLTRIAL_DEBUG=1 for the traceback; please report it)", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
