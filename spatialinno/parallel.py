"""Run independent tasks serially, in local processes or on a Dask cluster, with results in task order.

Every Monte Carlo loop of spatialinno (simulation studies, bootstrap covariances, distance-decay sweeps)
is a list of independent fits. :func:`run_tasks` runs ``func(shared, task)`` for each task

- serially (``n_jobs=1``, ``client=None``),
- in ``n_jobs`` local processes: this one and a pool of ``n_jobs - 1`` workers
  (:class:`concurrent.futures.ProcessPoolExecutor`, forkserver start where available, else spawn), or
- on a ``dask.distributed.Client`` (``client=``), a ``LocalCluster`` or any Dask cluster,

and returns the results in the order of ``tasks`` whatever the order in which they complete. Every task runs
with one BLAS thread (threadpoolctl) in every executor, serial included, so that floating-point reductions are
done in the same order everywhere: with per-task seeds from :func:`spawn_seeds` the results are bit-identical
serial, with processes and on Dask (on machines with the same numpy/BLAS build).

``shared`` (e.g. the weights, the model and the data generator) is sent once per worker rather than once per
task: to processes through the pool initialiser (serialised with cloudpickle, so closures and lambdas work), to
Dask through ``client.scatter(..., broadcast=True)``.

Local processes cost a start-up: 1.6 s for the first pool of a session (fork server started, spatialinno
imported), 0.1 s for later pools (the fork server keeps spatialinno imported), measured on an idle 2-core
machine; far more under load. Hence (1) ``n_jobs > 1`` first runs two tasks in the calling process and times them,
and continues serially if the remaining work is below :data:`~spatialinno.constants.PROCESS_POOL_MIN_SECONDS`;
(2) otherwise the pool is started from a helper thread and the calling process keeps working meanwhile: pool
workers take chunks of tasks from the front of one queue (one chunk each at a time) and this process from the
back until the queue is empty. So ``n_jobs > 1`` is never much slower than ``n_jobs=1``. Tasks go in chunks
(about eight per worker) to amortise the inter-process traffic.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

import cloudpickle
import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from .constants import PROCESS_POOL_MIN_SECONDS
from .errors import SpatialInnoError

#: Chunks per worker: enough for load balancing, few enough to amortise the per-chunk overhead.
CHUNKS_PER_WORKER = 8

# the (func, shared) pair of a pool worker process, set once by the pool initialiser
_WORKER_STATE: tuple[Callable, Any] | None = None


def spawn_seeds(seed: int | np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """Independent child seeds ``numpy.random.SeedSequence(seed).spawn(n)``, one per task.

    Child i depends only on ``seed`` and i (its spawn key), never on the executor, the number of workers or
    the completion order; ``numpy.random.default_rng(child)`` gives the task's generator.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        Root seed of the study.
    n : int
        Number of tasks.

    Returns
    -------
    list of numpy.random.SeedSequence
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(int(n))


def resolve_n_jobs(n_jobs: int) -> int:
    """Number of worker processes: ``n_jobs`` itself, or ``os.cpu_count() + 1 + n_jobs`` when negative (-1 = all).

    Parameters
    ----------
    n_jobs : int
        Requested processes; negative counts back from the number of cores.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    SpatialInnoError
        ``n_jobs`` is 0, a bool or not an integer.
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise SpatialInnoError(f"n_jobs must be a positive integer, or -1 for all cores (got {n_jobs!r})")
    if n_jobs > 0:
        return int(n_jobs)
    return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))


def require_distributed():
    """Import ``dask.distributed`` or raise :class:`~spatialinno.errors.SpatialInnoError` with the pip command.

    Returns
    -------
    module
        The ``distributed`` package.
    """
    try:
        import distributed
    except ImportError:
        raise SpatialInnoError("client= needs Dask: install it with  pip install 'spatialinno[dask]'  "
                               "(or  pip install 'dask[distributed]')") from None
    return distributed


def run_chunk(func: Callable, shared: Any, chunk: Sequence) -> list:
    """``[func(shared, task) for task in chunk]`` with one BLAS thread (the unit of work of every executor).

    Parameters
    ----------
    func : callable
        ``func(shared, task) -> result``.
    shared : object
        Context common to all tasks.
    chunk : sequence
        Tasks to run in order.

    Returns
    -------
    list
        The results in the order of ``chunk``.
    """
    with threadpool_limits(limits=1):
        return [func(shared, task) for task in chunk]


def _init_worker(payload: bytes) -> None:
    """Pool initialiser: unpickle (func, shared) once per worker process and pin BLAS to one thread."""
    global _WORKER_STATE
    threadpool_limits(limits=1)
    _WORKER_STATE = pickle.loads(payload)


def _run_worker_chunk(chunk: Sequence) -> list:
    if _WORKER_STATE is None:
        raise RuntimeError("worker process started without the pool initialiser")
    func, shared = _WORKER_STATE
    return run_chunk(func, shared, chunk)


def chunked(items: Sequence, workers: int, per_worker: int = CHUNKS_PER_WORKER) -> list[list]:
    """Split ``items`` into consecutive chunks, about ``per_worker`` per worker (order kept).

    Parameters
    ----------
    items : sequence
        Tasks.
    workers : int
        Number of workers.
    per_worker : int, default ``CHUNKS_PER_WORKER``
        Chunks per worker.

    Returns
    -------
    list of list
        Chunks of ceil(len(items) / (workers * per_worker)) items (the last may be shorter).
    """
    size = max(1, math.ceil(len(items) / (workers * per_worker)))
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def _pool_context():
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # the fork server imports spatialinno once; every later pool forks workers that have it already
    context.set_forkserver_preload([__name__])
    return context


def _run_processes(func: Callable, shared: Any, tasks: Sequence, workers: int, bar) -> list:
    """``workers`` processes in all: this one and a pool of ``workers - 1``.

    Chunks wait in one queue. A helper thread starts the pool (starting the fork server blocks) and keeps one
    chunk from the front of the queue in each pool worker; this process takes chunks from the back meanwhile: the
    pool's start-up is never time lost (with a slow start this process simply does more of the work) and both
    ends finish within a chunk of each other.
    """
    chunks = chunked(tasks, workers)
    payload = cloudpickle.dumps((func, shared))
    out: list = [None] * len(chunks)
    queue = deque(range(len(chunks)))
    cond = threading.Condition()
    state: dict[str, Any] = {"left": len(chunks), "tasks_done": 0, "error": None}
    n_pool = max(1, min(workers - 1, len(chunks)))
    pool = ProcessPoolExecutor(max_workers=n_pool, mp_context=_pool_context(), initializer=_init_worker,
                               initargs=(payload,))

    def record(i: int, result: list) -> None:
        with cond:
            out[i] = result
            state["left"] -= 1
            state["tasks_done"] += len(chunks[i])
            cond.notify_all()

    def pool_side() -> None:
        """Keep one chunk from the front of the queue in each pool worker; record what the pool finishes."""
        inflight: dict = {}

        def submit_next() -> None:
            with cond:
                if not queue or state["error"] is not None:
                    return
                j = queue.popleft()
            try:
                inflight[pool.submit(_run_worker_chunk, chunks[j])] = j  # blocks while the pool starts
            except RuntimeError:  # the pool was shut down (an error elsewhere)
                return

        for _ in range(n_pool):
            submit_next()
        while inflight:
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                j = inflight.pop(fut)
                if fut.cancelled():
                    continue
                if fut.exception() is not None:
                    with cond:
                        state["error"] = fut.exception()
                        cond.notify_all()
                    return
                record(j, fut.result())
                submit_next()

    def show_progress() -> None:
        bar.update(state["tasks_done"] - bar.n + start_count)

    start_count = bar.n
    feeder = threading.Thread(target=pool_side, daemon=True)
    try:
        feeder.start()
        while True:
            with cond:
                if not queue or state["error"] is not None:
                    break
                i = queue.pop()
            record(i, run_chunk(func, shared, chunks[i]))
            show_progress()
        with cond:
            while state["left"] and state["error"] is None:
                cond.wait(timeout=0.5)
                show_progress()
        if state["error"] is not None:
            raise state["error"]
    finally:
        with cond:
            queue.clear()
        pool.shutdown(wait=True, cancel_futures=True)
        feeder.join()
    return [r for part in out for r in part]


def _run_dask(func: Callable, shared: Any, tasks: Sequence, client, bar) -> list:
    distributed = require_distributed()
    if not isinstance(client, distributed.Client):
        raise SpatialInnoError(f"client must be a dask.distributed.Client (got {type(client).__name__})")
    workers = max(1, sum(client.nthreads().values()))
    chunks = chunked(tasks, workers)
    [shared_future] = client.scatter([shared], broadcast=True, hash=False)  # one object, even if a list
    futures = [client.submit(run_chunk, func, shared_future, c, pure=False) for c in chunks]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list = [None] * len(chunks)
    try:
        for fut in distributed.as_completed(futures):
            i = index[fut.key]
            out[i] = fut.result()  # re-raises a task's exception here
            bar.update(len(chunks[i]))
    finally:
        client.cancel(futures + [shared_future])
    return [r for part in out for r in part]


def run_tasks(func: Callable[[Any, Any], Any], tasks: Sequence, *, shared: Any = None, n_jobs: int = 1,
              client=None, progress: bool = False, desc: str | None = None) -> list:
    """Run ``func(shared, task)`` for every task and return the results in task order.

    Parameters
    ----------
    func : callable
        A module-level (picklable) function ``func(shared, task) -> result``; it must be deterministic given
        its arguments (draw randomness from a per-task seed, see :func:`spawn_seeds`).
    tasks : sequence
        Picklable task descriptions (e.g. child seeds).
    shared : object, optional
        Read-only context common to all tasks, sent once per worker.
    n_jobs : int, default 1
        Local processes in all, this one included (-1: one per core). Below
        :data:`~spatialinno.constants.PROCESS_POOL_MIN_SECONDS` of estimated serial work the tasks run serially
        (two tasks are timed in the calling process).
    client : dask.distributed.Client, optional
        Run the tasks on this Dask cluster instead (exclusive with ``n_jobs > 1``).
    progress : bool, default False
        Show a tqdm progress bar over tasks.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    list
        ``[func(shared, t) for t in tasks]``, identical whichever executor ran them.

    Raises
    ------
    SpatialInnoError
        Bad ``n_jobs``, ``client`` together with ``n_jobs > 1``, or ``client`` without Dask installed. An
        exception raised by a task is re-raised unchanged (remaining tasks are cancelled).
    """
    workers = resolve_n_jobs(n_jobs)
    if client is not None and workers > 1:
        raise SpatialInnoError(f"give either client= (Dask) or n_jobs= (local processes), not both (n_jobs={n_jobs})")
    tasks = list(tasks)
    with tqdm(total=len(tasks), disable=not progress, desc=desc) as bar:
        if client is not None:
            return _run_dask(func, shared, tasks, client, bar) if tasks else []
        results: list = []
        if workers > 1 and len(tasks) > 2:
            # time two tasks here (the first may pay one-off costs such as caching an eigen-decomposition on W)
            cost = math.inf
            for task in tasks[:2]:
                start = time.perf_counter()
                results.extend(run_chunk(func, shared, [task]))
                cost = min(cost, time.perf_counter() - start)
                bar.update(1)
            if cost * (len(tasks) - 2) >= PROCESS_POOL_MIN_SECONDS:
                return results + _run_processes(func, shared, tasks[2:], workers, bar)
        for task in tasks[len(results):]:
            results.extend(run_chunk(func, shared, [task]))
            bar.update(1)
        return results
