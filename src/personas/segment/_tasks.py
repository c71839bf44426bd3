"""The work of a k sweep as independent tasks, run here or in worker processes.

For every k: one *fit* task (all respondents, then the silhouette) and ``n_boot`` *refit*
tasks (one bootstrap resample each). Resamples and seeds are drawn up front from
``(random_state, k)``, so the results do not depend on how many processes run them or in which
order. With ``n_jobs > 1`` the answers are written once to a temporary file that the workers
memory-map (read-only, shared), and joblib runs the tasks; results come back in task order.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
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


def run_tasks(space: Space, tasks, *, n_init: int, n_jobs: int) -> Iterator:
    """Yield ``(task, result)`` in task order. A fit task's result is ``(Fit, silhouette,
    sample size)`` or the :class:`FitFailed` it raised; a refit's is its labels or None."""
    if n_jobs == 1:
        for task in tasks:
            yield task, run_task(space, task, n_init=n_init)
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


@lru_cache(maxsize=1)
def _load(path: str) -> Space:
    return joblib.load(path, mmap_mode="r")


def _run_in_worker(path: str, task, n_init: int):
    with threadpool_limits(limits=1):
        return run_task(_load(path), task, n_init=n_init)
