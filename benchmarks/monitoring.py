"""Benchmark: monitoring boundary searches for N = 100 with a look after every patient.

Run: python benchmarks/monitoring.py

Compares smalltrial.monitoring (vectorised boundaries, patient-by-patient forward recursion)
with a straightforward implementation of the same calculation (per-look, per-count Python loops
with scipy.stats calls, as a first translation of the R code would be). Both must give the same
boundary; the script prints the times and their ratio.

The predictive-probability design search (Lee & Liu 2008; N searched up to 100, a look after
every patient from the 10th) is timed against the same search evaluating every candidate
boundary with its own recursion (``_pp_search(..., batched=False)``, the implementation before
the batched one); the two designs must be equal bit for bit.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.stats import beta, binom, norm

from smalltrial.monitoring import (
    bop2_design,
    predictive_probability_design,
    safety_monitoring,
    toxicity_boundary,
)
from smalltrial.monitoring.efficacy import _pp_search

N = 100


def naive_crossing(looks, stop_at, p):
    alive = {0: 1.0}
    prev = 0
    total = 0.0
    for n, s in zip(looks, stop_at, strict=True):
        d = n - prev
        new: dict[int, float] = {}
        for x, px in alive.items():
            for j in range(d + 1):
                new[x + j] = new.get(x + j, 0.0) + px * binom.pmf(j, d, p)
        for x in list(new):
            if x >= s:
                total += new.pop(x)
        alive, prev = new, n
    return total


def naive_toxbdry(n_max, p0, crossing, delta):
    looks = list(range(1, n_max + 1))

    def bdry(alpha):
        return [int(binom.ppf(1 - norm.cdf(norm.ppf(alpha) / (n / n_max) ** delta), n, p0)) + 1
                for n in looks]

    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if naive_crossing(looks, bdry(mid), p0) <= crossing:
            lo = mid
        else:
            hi = mid
    return bdry(lo)


def naive_bayes(n_max, limit, cutoff):
    out = []
    for n in range(1, n_max + 1):
        s = n + 1
        for x in range(n + 1):
            if beta.sf(limit, 1 + x, 1 + n - x) > cutoff:
                s = x
                break
        out.append(s)
    return out


def timed(fn, *args, repeat=3, **kw):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn(*args, **kw)
        best = min(best, time.perf_counter() - t)
    return best, res


def main() -> None:
    toxicity_boundary(10, p0=0.1)  # warm-up (imports)
    t_fast, rule = timed(toxicity_boundary, N, p0=0.1, crossing=0.1, shape="obrien-fleming")
    t_slow, naive = timed(naive_toxbdry, N, 0.1, 0.1, 0.5, repeat=1)
    fast = [int(s) if s == s else n + 1 for s, n in zip(rule.stop_at, rule.looks, strict=True)]
    print(f"toxicity_boundary OBF N={N}: {t_fast:.3f} s; straightforward {t_slow:.2f} s; "
          f"ratio {t_slow / t_fast:.0f}x; same boundary: {fast == [min(b, n + 1) for b, n in zip(naive, rule.looks, strict=True)]}")
    t_fast, rule = timed(safety_monitoring, N, limit=0.25, cutoff=0.95)
    t_fast_oc, _ = timed(rule.operating_characteristics, np.linspace(0, 1, 101))
    t_slow, naive = timed(naive_bayes, N, 0.25, 0.95, repeat=1)
    fast = [int(s) if s == s else n + 1 for s, n in zip(rule.stop_at, rule.looks, strict=True)]
    print(f"safety_monitoring N={N}: boundary {t_fast:.4f} s (straightforward {t_slow:.2f} s, "
          f"ratio {t_slow / t_fast:.0f}x, same: {fast == naive}); exact OC at 101 rates "
          f"{t_fast_oc:.3f} s")


def pp_search_args(p0, p1, n_max, alpha, power):
    tt = np.unique(np.round(np.arange(80, 100) / 100, 2))
    tl = np.unique(np.round(np.concatenate([np.arange(1, 10) / 1000, np.arange(1, 21) / 100]), 3))
    return (p0, p1, 11, n_max, 10, alpha, power, (1.0, 1.0), tt, tl, 1.0)


def main_designs() -> None:
    predictive_probability_design(0.2, 0.4, n_max=20, alpha=0.1, power=0.5)  # warm-up
    for p0, p1 in ((0.2, 0.35), (0.3, 0.45)):
        t_fast, d = timed(predictive_probability_design, p0, p1, n_max=100, alpha=0.05,
                          power=0.8)
        t_slow, ref = timed(_pp_search, *pp_search_args(p0, p1, 100, 0.05, 0.8),
                            batched=False, repeat=1)
        print(f"predictive_probability_design p0={p0}, p1={p1} (N found {d.n_max}, searched "
              f"from 11): {t_fast:.3f} s; one recursion per candidate {t_slow:.2f} s; ratio "
              f"{t_slow / t_fast:.1f}x; bit-identical: {d == ref}")
    t_fast, d = timed(bop2_design, 0.2, 0.4, n_max=100, looks=list(range(10, 100, 10)),
                      alpha=0.1)
    print(f"bop2_design N=100, 10 looks, 99 x 60 (lambda, gamma) grid: {t_fast:.3f} s")


if __name__ == "__main__":
    main_designs()
    main()
