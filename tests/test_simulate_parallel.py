"""smalltrial.simulate: the parallel path (batches of chunks) gives the serial numbers, and small
runs stay in-process (tests/test_simulate.py uses runs below the parallel threshold)."""

from __future__ import annotations

import pytest

import smalltrial.simulate as sim
from smalltrial.simulate import MultiStageDesign, operating_characteristics, single_stage

SIMON = MultiStageDesign(n=(10, 29), futility=(1,), r=5)


@pytest.fixture
def force_parallel(monkeypatch):
    # every run goes to the workers, in batches of 2 chunks of 1,500 trials
    monkeypatch.setattr(sim, "_PARALLEL_MIN_TRIALS", 0)
    monkeypatch.setattr(sim, "_BATCH_TRIALS", 3_000)


def test_batched_workers_give_the_serial_numbers(force_parallel):
    kwargs = dict(n_sim=10_000, seed=5, chunk_size=1_500)  # 7 chunks per p: batches 2+2+2+1
    serial = operating_characteristics(SIMON, [0.1, 0.3], **kwargs)
    threads = operating_characteristics(SIMON, [0.1, 0.3], n_jobs=2, backend="threading",
                                        **kwargs)
    procs = operating_characteristics(SIMON, [0.1, 0.3], n_jobs=2, **kwargs)
    assert serial.equals(threads) and serial.equals(procs)


def test_batched_dask_gives_the_serial_numbers(force_parallel):
    distributed = pytest.importorskip("distributed")
    kwargs = dict(n_sim=6_000, seed=2, chunk_size=1_500)
    serial = operating_characteristics(single_stage(12, 3), [0.15, 0.35], **kwargs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = operating_characteristics(single_stage(12, 3), [0.15, 0.35],
                                            backend="dask", n_jobs=-1, **kwargs)
    assert serial.equals(on_dask)


def test_small_runs_stay_in_process(monkeypatch):
    import joblib

    def no_workers(*args, **kwargs):
        raise AssertionError("joblib.Parallel used for a small run")

    monkeypatch.setattr(joblib, "Parallel", no_workers)
    small = operating_characteristics(SIMON, [0.1], n_sim=50_000, seed=3, n_jobs=2)
    assert small.loc[0, "n_sim"] == 50_000
    with pytest.raises(AssertionError, match="joblib.Parallel used"):
        operating_characteristics(SIMON, [0.1], n_sim=sim._PARALLEL_MIN_TRIALS, seed=3,
                                  n_jobs=2)
