"""Time smalltrial's mixed_model against statsmodels MixedLM on the same data, by size.

Standalone (writes nothing): ``python benchmarks/mixed_scaling.py [--repeat 3]``.

Data: the kind the package exists for (issue #17): ``y ~ month`` with a correlated random
intercept and slope per subject, months 0, 1, 3, 6, 12, intercept SD 2, slope SD 0.5,
residual SD 2, seeded; 10 to 1000 subjects. smalltrial: ``mixed_model(..., random="1 + month")``
with its default Kenward-Roger df (the full fit a user gets). statsmodels:
``MixedLM.from_formula("y ~ month", groups=subject, re_formula="~month").fit(reml=True)``
(estimates only: no small-sample df). Best of ``--repeat`` wall-clock times per size. Prints
per size the ratio smalltrial / statsmodels, the difference of the REML criteria
(smalltrial - statsmodels; negative: ours is lower) and the number of optimiser runs
smalltrial needed (1: the first start converged, no restart), then the log-log growth
exponent of each (least
squares slope of log time on log subjects over the sizes >= 40, where fixed overheads no
longer dominate).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import pandas as pd

SIZES = (10, 20, 40, 80, 160, 320, 640, 1000)
MONTHS = np.array([0.0, 1.0, 3.0, 6.0, 12.0])


def make_data(subjects: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u0 = rng.normal(0, 2, subjects)
    u1 = rng.normal(0, 0.5, subjects)
    sid = np.repeat(np.arange(subjects), MONTHS.size)
    month = np.tile(MONTHS, subjects)
    y = 10 - 0.4 * month + u0[sid] + u1[sid] * month + rng.normal(0, 2, sid.size)
    return pd.DataFrame({"subject": [f"S{i:04d}" for i in sid], "month": month, "y": y})


def optimiser_runs(d: pd.DataFrame) -> int:
    """Optimiser runs mixed_model's optimiser needs on d (1: no restart, no fallback)."""
    from smalltrial.longitudinal import _mixed

    prep = _mixed._prepare("y ~ month", d, "subject", "1 + month", None)
    dev = _mixed._Deviance(prep, True)
    _mixed._optimise(dev, _mixed._starts(dev, _mixed._re_scale(prep)))
    return dev.runs


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def exponent(sizes, times) -> float:
    x = np.log(np.asarray(sizes, float))
    y = np.log(np.asarray(times, float))
    return float(np.polyfit(x, y, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from statsmodels.regression.mixed_linear_model import MixedLM

    from smalltrial.longitudinal import mixed_model

    def ours(d):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mixed_model("y ~ month", d, subject="subject", random="1 + month")

    def statsmodels_fit(d):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return MixedLM.from_formula("y ~ month", d, groups=d["subject"],
                                        re_formula="~month").fit(reml=True)

    ours(make_data(10, 0))  # imports and first-call overheads out of the timings
    statsmodels_fit(make_data(10, 0))
    rows = []
    print(f"{'subjects':>8} {'smalltrial s':>13} {'statsmodels s':>14} {'ratio':>7} "
          f"{'REML crit diff':>15} {'optimiser runs':>15}")
    for m in SIZES:
        d = make_data(m, seed=m)
        t_ours = best_time(lambda d=d: ours(d), args.repeat)
        t_sm = best_time(lambda d=d: statsmodels_fit(d), args.repeat)
        fit, sm = ours(d), statsmodels_fit(d)
        # statsmodels' llf of a REML fit is the restricted log-likelihood: criterion -2 llf
        diff = fit.reml_criterion - (-2 * float(sm.llf))
        rows.append((m, t_ours, t_sm))
        runs = optimiser_runs(d)
        print(f"{m:>8} {t_ours:>13.4f} {t_sm:>14.4f} {t_ours / t_sm:>7.2f} {diff:>15.2e} "
              f"{runs:>15}"
              + ("" if fit.converged else "  (smalltrial: not converged)"))
    big = [r for r in rows if r[0] >= 40]
    e_ours = exponent([r[0] for r in big], [r[1] for r in big])
    e_sm = exponent([r[0] for r in big], [r[2] for r in big])
    worst = max(r[1] / r[2] for r in rows)
    print(f"growth exponent (sizes >= 40): smalltrial {e_ours:.2f}, statsmodels {e_sm:.2f}")
    print(f"largest ratio smalltrial / statsmodels: {worst:.2f}")
    if not math.isfinite(worst):
        raise SystemExit("a timing was not finite")


if __name__ == "__main__":
    main()
