"""smalltrial benchmarks: ratios against the natural baseline, measured in one run.

    python benchmarks/run.py            # full sizes, prints a Markdown table
    python benchmarks/run.py --quick    # small sizes: only checks that every benchmark runs
    python benchmarks/run.py --write    # full sizes, and rewrites BENCHMARKS.md

Each case times our code and its baseline in the same process run (best of several repeats) and
reports the ratio ours / baseline, so results compare across machines better than seconds do.
Nothing here asserts a time: targets are printed beside the measured ratios.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    name: str
    ours: float  # seconds
    baseline: float | None  # seconds (None: absolute target)
    baseline_name: str
    target: str

    @property
    def ratio(self) -> float | None:
        return None if self.baseline is None else self.ours / self.baseline


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _python(code: str) -> Callable[[], object]:
    return lambda: subprocess.run([sys.executable, "-c", code], check=True,
                                  capture_output=True)


def bench_import(quick: bool) -> Case:
    repeat = 2 if quick else 7
    ours = best_of(_python("import smalltrial"), repeat)
    base = best_of(_python("import statsmodels.api, lifelines, seaborn"), repeat)
    return Case("import smalltrial", ours, base, "import statsmodels.api + lifelines + seaborn",
                "<= 0.35x")


def bench_run(quick: bool) -> Case:
    exe = shutil.which("smalltrial")
    cmd = [exe] if exe else [sys.executable, "-m", "smalltrial.cli"]
    out = Path(tempfile.mkdtemp()) / "out"

    def run() -> None:
        subprocess.run([*cmd, "run", "--out", str(out)], check=True, capture_output=True)

    repeat = 1 if quick else 3
    ours = best_of(run, repeat)
    base = best_of(_python("import statsmodels.api, lifelines, seaborn"), repeat)
    shutil.rmtree(out.parent, ignore_errors=True)
    return Case("smalltrial run (mackensen2022)", ours, base, "the import floor (same imports)",
                "<= 1.5x")


def bench_exact_ci(quick: bool) -> Case:
    from statsmodels.stats.proportion import proportion_confint

    from smalltrial.rates import proportion_ci

    size = 10_000 if quick else 1_000_000
    rng = np.random.default_rng(0)
    n = rng.integers(1, 200, size)
    x = rng.integers(0, n + 1)
    repeat = 2 if quick else 5
    ours = best_of(lambda: proportion_ci(x, n, method="clopper-pearson"), repeat)
    base = best_of(lambda: proportion_confint(x, n, alpha=0.05, method="beta"), repeat)
    r = proportion_ci(x, n)
    lo, hi = proportion_confint(x, n, alpha=0.05, method="beta")
    assert np.allclose(np.nan_to_num(r.lower), np.nan_to_num(lo), atol=1e-8)
    return Case(f"Clopper-Pearson CIs, {size:,} pairs", ours, base,
                "statsmodels proportion_confint(method='beta')", "<= 1x")


def bench_exact_ci_distinct(quick: bool) -> Case:
    """Every (x, n) pair distinct: no help from computing repeated pairs once."""
    from statsmodels.stats.proportion import proportion_confint

    from smalltrial.rates import proportion_ci

    x, n = _distinct_pairs(quick)
    repeat = 1 if quick else 3
    ours = best_of(lambda: proportion_ci(x, n, method="clopper-pearson"), repeat)
    base = best_of(lambda: proportion_confint(x, n, alpha=0.05, method="beta"), repeat)
    return Case(f"Clopper-Pearson CIs, {x.size:,} distinct pairs", ours, base,
                "statsmodels proportion_confint(method='beta')", "<= 1x")


def _distinct_pairs(quick: bool) -> tuple[np.ndarray, np.ndarray]:
    top = 140 if quick else 1413  # sum of (n + 1) for n <= top: ~10^4 or ~10^6 pairs
    n = np.concatenate([np.full(k + 1, k) for k in range(1, top + 1)])
    x = np.concatenate([np.arange(k + 1) for k in range(1, top + 1)])
    return x, n


def _bench_root_solved(method: str, target: str, quick: bool) -> Case:
    """An interval solved by root finding vs Clopper-Pearson (Beta quantiles) on the same pairs."""
    from smalltrial.rates import proportion_ci

    x, n = _distinct_pairs(quick)
    repeat = 1 if quick else 3
    ours = best_of(lambda: proportion_ci(x, n, method=method), repeat)
    base = best_of(lambda: proportion_ci(x, n, method="clopper-pearson"), repeat)
    return Case(f"{method} CIs, {x.size:,} distinct pairs", ours, base,
                "our Clopper-Pearson CIs, same pairs", target)


def bench_midp_distinct(quick: bool) -> Case:
    return _bench_root_solved("mid-p", "<= 10x", quick)


def bench_blaker_distinct(quick: bool) -> Case:
    return _bench_root_solved("blaker", "<= 15x", quick)


def _kr_data(n_subjects: int, n_visits: int):
    import pandas as pd

    rng = np.random.default_rng(1)
    visits = [f"v{j}" for j in range(n_visits)]
    b = rng.normal(0, 2, n_subjects)
    y = (np.linspace(12, 3, n_visits)[None, :] + b[:, None]
         + rng.normal(0, 2, (n_subjects, n_visits)))
    return pd.DataFrame({
        "subject": np.repeat([f"S{i:02d}" for i in range(n_subjects)], n_visits),
        "visit": pd.Categorical(np.tile(visits, n_subjects), categories=visits),
        "y": y.ravel(),
    })


def bench_kr(quick: bool) -> Case:
    import warnings

    import statsmodels.formula.api as smf

    from smalltrial.longitudinal import mixed_model

    data = _kr_data(30, 8)
    repeat = 1 if quick else 5

    def plain() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            smf.mixedlm("y ~ C(visit)", data, groups=data["subject"]).fit(reml=True)

    ours = best_of(lambda: mixed_model("y ~ C(visit)", data, subject="subject",
                                       df_method="kenward-roger"), repeat)
    base = best_of(plain, repeat)
    return Case("Kenward-Roger mixed model, 30 subjects x 8 visits", ours, base,
                "statsmodels MixedLM fit (z tests)", "<= 3x")


def bench_simon(quick: bool) -> Case:
    from smalltrial.design import simon_two_stage

    nmax = 40 if quick else 100
    ours = best_of(lambda: simon_two_stage(0.1, 0.3, nmax=nmax), 1 if quick else 3)
    return Case(f"Simon optimal design search, nmax = {nmax}", ours, None, "absolute",
                "< 0.5 s")


def bench_simon_scaling(quick: bool) -> Case:
    """Growth of the search with nmax: time at 2 nmax over time at nmax (2^k for growth nmax^k)."""
    from smalltrial.design import simon_two_stage

    small, large = (30, 60) if quick else (100, 200)
    repeat = 1 if quick else 3
    base = best_of(lambda: simon_two_stage(0.1, 0.3, nmax=small), repeat)
    ours = best_of(lambda: simon_two_stage(0.1, 0.3, nmax=large), repeat)
    return Case(f"Simon optimal design search, nmax = {large}", ours, base,
                f"the same search at nmax = {small}", "<= 8x (nmax^3)")


def _bench_parallel(n_sim: int, quick: bool) -> Case:
    """operating_characteristics with n_jobs = 2 (loky) vs serial; workers are started first."""
    from smalltrial.simulate import MultiStageDesign, operating_characteristics

    design = MultiStageDesign(n=(10, 29), futility=(1,), r=5)
    operating_characteristics(design, [0.1], n_sim=2_000_000, seed=0, n_jobs=2)  # warm workers
    repeat = 1 if quick else 3
    ours = best_of(lambda: operating_characteristics(design, [0.1, 0.3], n_sim=n_sim, seed=1,
                                                     n_jobs=2), repeat)
    base = best_of(lambda: operating_characteristics(design, [0.1, 0.3], n_sim=n_sim, seed=1),
                   repeat)
    return Case(f"Simulated operating characteristics, n_jobs = 2, 2 x {n_sim:,} trials", ours,
                base, "the same run serially (n_jobs = 1)", "<= 1.1x")


def bench_parallel_small(quick: bool) -> Case:
    return _bench_parallel(10_000 if quick else 100_000, quick)


def bench_parallel_large(quick: bool) -> Case:
    return _bench_parallel(100_000 if quick else 2_000_000, quick)


def bench_simulate(quick: bool) -> Case:
    from scipy.stats import binom

    from smalltrial.simulate import MultiStageDesign, operating_characteristics

    n_sim = 20_000 if quick else 1_000_000
    design = MultiStageDesign(n=(10, 29), futility=(1,), r=5)
    ours = best_of(lambda: operating_characteristics(design, [0.1, 0.3], n_sim=n_sim, seed=1),
                   1 if quick else 3)
    rng = np.random.default_rng(0)
    base = best_of(lambda: binom.rvs(29, 0.2, size=2 * n_sim, random_state=rng),
                   1 if quick else 3)
    return Case(f"Simon design operating characteristics, 2 x {n_sim:,} simulated trials", ours,
                base, "drawing the same number of binomials with scipy.stats", "(reported)")


CASES = [bench_import, bench_run, bench_exact_ci, bench_exact_ci_distinct, bench_midp_distinct,
         bench_blaker_distinct, bench_kr, bench_simon, bench_simon_scaling, bench_simulate,
         bench_parallel_small, bench_parallel_large]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}, {platform.system()} {platform.release()}")


def render(cases: list[Case], quick: bool) -> str:
    lines = [
        f"Machine: {machine()}" + ("  (quick mode: sizes reduced)" if quick else ""),
        "",
        "| benchmark | ours (s) | baseline | baseline (s) | ratio | target |",
        "|---|---:|---|---:|---:|---|",
    ]
    for c in cases:
        base = "" if c.baseline is None else f"{c.baseline:.4f}"
        ratio = "" if c.ratio is None else f"{c.ratio:.2f}x"
        lines.append(f"| {c.name} | {c.ours:.4f} | {c.baseline_name} | {base} | {ratio} | "
                     f"{c.target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check they run")
    parser.add_argument("--write", action="store_true", help="rewrite BENCHMARKS.md")
    args = parser.parse_args(argv)
    cases = []
    for bench in CASES:
        print(f"running {bench.__name__} ...", file=sys.stderr, flush=True)
        cases.append(bench(args.quick))
    table = render(cases, args.quick)
    print(table)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        text = path.read_text() if path.exists() else ""
        marker = "<!-- results -->"
        head, _, rest = text.partition(marker) if marker in text else ("# Benchmarks\n\n", "", "")
        # sections after the results (a line starting "## ") are kept
        at = rest.find("\n## ")
        tail = "" if at < 0 else "\n" + rest[at + 1:]
        path.write_text(f"{head}{marker}\n{table}\n{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
