"""The work of a k sweep as independent tasks, run here or in worker processes.

For every k: one *fit* task (all respondents, then the silhouette) and ``n_boot`` *refit*
tasks (one bootstrap resample each). Resamples and seeds are drawn up front from
``(random_state, k)``, so the results do not depend on how many processes run them or in which
order. With ``n_jobs > 1`` results come back in task order from worker processes that share the
answers without copying them:

- on Linux, when this process runs no other Python thread (the command line), the workers
  are forked from this process: they inherit the encoded answers and every imported module,
  so a sweep starts computing at once (a fresh worker spends ~1.6 s importing scikit-learn
  and pandas, a quarter of a 100,000-row sweep);
- elsewhere (macOS, whose system libraries are not fork-safe; Windows; a process with other
  threads, where a fork can deadlock) the answers are written once to a temporary file that
  joblib's workers memory-map.

``n_jobs=None`` (the default of :func:`personas.segment.segment`) is one process per core from
:data:`PARALLEL_ROWS` respondents up, none below: a small sweep's tasks take milliseconds.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

import joblib
from threadpoolctl import threadpool_limits

from personas.segment._fit import FitFailed, full_fit
from personas.segment._silhouette import silhouette
from personas.segment._space import Space
from personas.segment._stability import refit, resamples


def sweep_tasks(space: Space, ks, *, n_boot: int, boot_size: int, random_state: int):
    """(tasks in order, resamples per k)."""
    tasks, draws = [], {}
    for k in ks:
        draws[k] = resamples(
            space.n,
            k,
            n_boot=n_boot,
            boot_size=boot_size,
            random_state=random_state,
            weights=space.weights,
        )
        tasks.append(("fit", k, None, random_state))
        tasks += [("refit", k, index, seed) for index, seed in draws[k]]
    return tasks, draws


#: From this many respondents up, ``n_jobs=None`` runs a sweep on every core (at most
#: :data:`MOST_AUTO_JOBS`): at 100,000 x 30 booleans two forked workers take the k = 2..10
#: sweep from 6.9 s to 3.6 s (``benchmarks/bench_scale.py --only sweep``, 2 cores).
PARALLEL_ROWS = 20_000
MOST_AUTO_JOBS = 8


def processes(n_jobs: int | None, n: int) -> int:
    """The worker processes a sweep over ``n`` respondents runs on: ``None`` chooses (see
    :data:`PARALLEL_ROWS`), a negative count is joblib's (-1: every core), 1 is none."""
    cores = joblib.cpu_count()
    if n_jobs is None:
        return min(cores, MOST_AUTO_JOBS) if n >= PARALLEL_ROWS else 1
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return int(n_jobs)


def run_tasks(space: Space, tasks, *, n_init: int, n_jobs: int | None) -> Iterator:
    """Yield ``(task, result)`` in task order. A fit task's result is ``(Fit, silhouette,
    sample size)`` or the :class:`FitFailed` it raised; a refit's is its labels or None."""
    n_jobs = min(processes(n_jobs, space.n), max(len(tasks), 1))
    if n_jobs == 1:
        for task in tasks:
            yield task, run_task(space, task, n_init=n_init)
        return
    if _can_fork():
        yield from _run_forked(space, tasks, n_init=n_init, n_jobs=n_jobs)
        return
    with tempfile.TemporaryDirectory(prefix="personas-") as folder:
        path = os.path.join(folder, "space.joblib")
        joblib.dump(space, path)
        results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
            joblib.delayed(_run_in_worker)(path, task, n_init) for task in tasks
        )
        yield from zip(tasks, results, strict=True)


def run_task(space: Space, task, *, n_init: int):
    kind, k, index, seed = task
    if kind == "refit":
        return refit(space, index, k, seed=seed, n_init=n_init)
    try:
        result = full_fit(space, k, random_state=seed, n_init=n_init)
    except FitFailed as why:
        return why
    score, sample = silhouette(space, result.labels, k, random_state=seed)
    return result, score, sample


def _can_fork() -> bool:
    """Forking is safe: Linux (macOS has fork, but its system libraries, Accelerate among them,
    are not safe in a forked child) and no other Python thread that could hold a lock."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


#: The answers a forked worker inherits (set in the parent just before the workers fork).
_FORKED: dict = {}


def _run_forked(space: Space, tasks, *, n_init: int, n_jobs: int) -> Iterator:
    _FORKED["space"] = space
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(n_jobs, mp_context=context, initializer=_one_thread) as pool:
            with warnings.catch_warnings():
                # Python 3.12+ counts the BLAS library's own threads too; OpenBLAS makes
                # itself safe to fork (pthread_atfork), and no other Python thread runs here.
                warnings.filterwarnings("ignore", "This process .* is multi-threaded")
                results = pool.map(_run_inherited, tasks, [n_init] * len(tasks))
            yield from zip(tasks, results, strict=True)
    finally:
        _FORKED.clear()


def _one_thread() -> None:
    """Each worker computes on one core: the workers are the parallelism."""
    threadpool_limits(limits=1)


def _run_inherited(task, n_init: int):
    return run_task(_FORKED["space"], task, n_init=n_init)


@lru_cache(maxsize=1)
def _load(path: str) -> Space:
    return joblib.load(path, mmap_mode="r")


def _run_in_worker(path: str, task, n_init: int):
    with threadpool_limits(limits=1):
        return run_task(_load(path), task, n_init=n_init)
