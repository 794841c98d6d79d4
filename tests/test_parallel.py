"""The task executor: results in task order, identical serial / local processes / Dask, seeds per task."""

from __future__ import annotations

import operator
import os
import subprocess
import sys
import time

import cloudpickle
import numpy as np
import pytest
from threadpoolctl import threadpool_info

from spatialinno import parallel
from spatialinno.errors import SpatialInnoError

# the task functions below live in this test module, which worker processes cannot import: ship them by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

distributed = pytest.importorskip("distributed")


def draw(shared, seed):
    """A task whose result depends only on its seed (and the shared offset)."""
    return shared + np.random.default_rng(seed).standard_normal(3)


def slow_first(shared, i):
    """Early tasks finish last: task i sleeps (n - i) * step."""
    time.sleep((shared - i) * 0.05)
    return i, os.getpid()


def slow_here(shared, i):
    """Slow in the calling process (pid ``shared``), instant in a worker: the pool must take part of the work."""
    if os.getpid() == shared:
        time.sleep(0.5)
    return i, os.getpid()


def blas_threads(shared, i):
    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


def echo_shared(shared, i):
    return shared, i


def fails_on_three(shared, i):
    if i == 3:
        raise ValueError("task 3 failed")
    return i


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  death_timeout=120) as cluster, distributed.Client(cluster, timeout=120) as c:
        yield c


@pytest.fixture
def always_pool(monkeypatch):
    """Make n_jobs > 1 use worker processes even for tiny tasks (the serial fallback threshold set to 0)."""
    monkeypatch.setattr(parallel, "PROCESS_POOL_MIN_SECONDS", 0.0)


def test_spawned_seeds_depend_only_on_seed_and_position():
    five = [np.random.default_rng(s).integers(0, 2**62) for s in parallel.spawn_seeds(7, 5)]
    ten = [np.random.default_rng(s).integers(0, 2**62) for s in parallel.spawn_seeds(7, 10)]
    other = [np.random.default_rng(s).integers(0, 2**62) for s in parallel.spawn_seeds(8, 5)]
    assert five == ten[:5]
    assert len(set(ten)) == 10
    assert five != other


# Dask workers get task functions from importable modules (operator): functions of this test module cannot
# be unpickled by the workers when the whole suite runs from an installed (non-editable) package.
def test_results_identical_serial_processes_dask(client, always_pool):
    seeds = parallel.spawn_seeds(2024, 13)
    serial = parallel.run_tasks(draw, seeds, shared=10.0)
    procs = parallel.run_tasks(draw, seeds, shared=10.0, n_jobs=2)
    assert np.array_equal(np.array(serial), np.array(procs))
    assert np.array(serial).shape == (13, 3)
    values = list(np.random.default_rng(7).standard_normal(13))
    local = parallel.run_tasks(operator.mul, values, shared=3.0)
    assert parallel.run_tasks(operator.mul, values, shared=3.0, client=client) == local


def test_results_in_task_order_not_completion_order(client, always_pool):
    n = 8
    procs = parallel.run_tasks(slow_first, range(n), shared=n, n_jobs=2)
    assert [i for i, _ in procs] == list(range(n))
    assert parallel.run_tasks(operator.add, list(range(n)), shared=100, client=client) == list(range(100, 100 + n))


def test_pool_and_calling_process_share_the_work(always_pool):
    """48 tasks: 0.5 s each here (24 s alone), instant in the pool, which must therefore run some of them."""
    out = parallel.run_tasks(slow_here, range(48), shared=os.getpid(), n_jobs=2)
    assert [i for i, _ in out] == list(range(48))
    pids = [pid for _, pid in out]
    assert pids[:2] == [os.getpid()] * 2  # the two timed tasks
    assert set(pids) - {os.getpid()}


def test_shared_container_arrives_whole(client, always_pool):
    shared = [1, {"a": 2}]
    expected = [(shared, i) for i in range(5)]
    assert parallel.run_tasks(echo_shared, range(5), shared=shared, n_jobs=2) == expected
    container = {"a": [1, 2], "b": {"c": 3}}
    assert parallel.run_tasks(operator.getitem, ["a", "b"], shared=container, client=client) == [[1, 2], {"c": 3}]


def test_cheap_tasks_stay_in_this_process():
    out = parallel.run_tasks(slow_first, range(6), shared=6.2, n_jobs=2)  # 6 tasks of <= 0.3 s: below threshold
    assert {pid for _, pid in out} == {os.getpid()}


def test_every_executor_runs_tasks_with_one_blas_thread(always_pool):
    assert parallel.run_tasks(blas_threads, range(3)) == [1, 1, 1]
    assert parallel.run_tasks(blas_threads, range(5), n_jobs=2) == [1] * 5


def test_task_exception_propagates(client, always_pool):
    for kwargs in ({}, {"n_jobs": 2}):
        with pytest.raises(ValueError, match="task 3 failed"):
            parallel.run_tasks(fails_on_three, range(8), **kwargs)
    with pytest.raises(ZeroDivisionError):
        parallel.run_tasks(operator.truediv, [1.0, 0.0, 2.0], shared=1.0, client=client)


def test_chunks_keep_order_and_cover_all():
    items = list(range(23))
    chunks = parallel.chunked(items, workers=2)
    assert [i for c in chunks for i in c] == items
    assert len(chunks) == 12 and all(len(c) == 2 for c in chunks[:-1])


@pytest.mark.parametrize("n_jobs", [0, 1.5, True, "2"])
def test_bad_n_jobs(n_jobs):
    with pytest.raises(SpatialInnoError, match="n_jobs"):
        parallel.run_tasks(draw, [1], n_jobs=n_jobs)


def test_client_and_n_jobs_are_exclusive(client):
    with pytest.raises(SpatialInnoError, match="not both"):
        parallel.run_tasks(draw, [1], client=client, n_jobs=2)


def test_client_must_be_a_dask_client():
    with pytest.raises(SpatialInnoError, match="dask.distributed.Client"):
        parallel.run_tasks(draw, [1], shared=0.0, client="localhost:8786")


def test_client_without_dask_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(SpatialInnoError, match=r"pip install 'spatialinno\[dask\]'"):
        parallel.run_tasks(draw, [1], shared=0.0, client=object())


def test_import_does_not_need_dask():
    code = "import sys, spatialinno; print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))"
    root = os.path.dirname(os.path.dirname(parallel.__file__))  # this checkout, not another installed copy
    env = {**os.environ, "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"
