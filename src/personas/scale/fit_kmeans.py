"""Lloyd k-means as map-reduce passes over Dask partitions (numeric items too big for one machine).

Which in-memory fit this reproduces: scikit-learn's
``KMeans(n_clusters=k, init=C0, n_init=1, algorithm="lloyd", max_iter=.., tol=..).fit(X)`` on
float64 ``X`` (the k-means of :mod:`personas.segment._fit`, from a given start). Step by step
as ``sklearn.cluster._kmeans._kmeans_single_lloyd``: the data and ``C0`` are centred on the
data's mean; each iteration assigns every row to its nearest centre (lowest index on ties),
relocates an emptied cluster to the row farthest from its centre and averages each cluster's
rows; it stops when no row changed cluster since the previous iteration ("strict"), else when
the summed squared centre shift is at most ``tol`` times the mean per-item variance of the data
("tol"), else after ``max_iter`` iterations; without strict convergence the labels and inertia
are taken once more against the final centres. From the same ``C0`` the labels and the number
of iterations are identical and the centroids and inertia agree to rounding (float sums over
partitions add in a different order: ~1e-15 relative, well inside 1e-8). One exception, in
degenerate data only: with more clusters than distinct rows, which rows count as "farthest"
from centres they sit on can hang on distances of rounding size, and the two fits may then
refill an emptied cluster from different (equally far) rows.

A pass costs one read of every partition: nothing is kept in cluster memory, so the dataset
need not fit anywhere; each partition must fit in one worker (about 6 times its float64 size
at a time). Pass 0 counts the rows, checks every cell and finds each item's mean and variance;
then pass ``t`` maps every partition to per-cluster sums, sizes, inertia, moves since the
previous centres and its farthest rows, and reduces them to the next centres.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from personas.errors import InputError, Problem
from personas.scale import _reduce_kmeans as red
from personas.scale.fit import _compute

__all__ = ["DistributedKMeans", "fit_kmeans_distributed", "labels_kmeans_distributed"]


@dataclass(frozen=True)
class DistributedKMeans:
    """What :func:`fit_kmeans_distributed` found.

    ``centroids``: (k, d) in the items' units (``cluster_centers_``); ``inertia``: sum of
    squared distances of the rows to their centroid (``inertia_``); ``n_iter``: Lloyd
    iterations (``n_iter_``); ``converged``: ``"strict"`` (no row moved), ``"tol"`` (centre
    shift within the tolerance) or ``"max_iter"``; ``tol``: the tolerance in squared units
    (``tol`` x the mean item variance); ``mean``: each item's mean (the centring);
    ``centered``: the centred centres each row's cluster is taken from (the last assignment's);
    ``rows``; ``passes``: one dict per pass over the data (``pass``, ``seconds``, ``inertia``,
    ``moved``, ``shift``, ``relocated``).
    """

    items: list[str]
    centroids: np.ndarray
    inertia: float
    n_iter: int
    converged: str
    tol: float
    mean: np.ndarray
    centered: np.ndarray
    rows: int
    passes: list[dict] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"DistributedKMeans(k={len(self.centroids)}, items={len(self.items)}, "
            f"rows={self.rows}, inertia={self.inertia:.6g}, n_iter={self.n_iter}, "
            f"converged={self.converged!r})"
        )


def _frame(data, items):
    """A Dask DataFrame of ``data`` (a Dask or pandas DataFrame, or Parquet files: a glob
    pattern, a folder or a list of paths) restricted to ``items``, after checking them."""
    import dask.dataframe as dd

    if isinstance(data, pd.DataFrame):
        data = dd.from_pandas(data, npartitions=1)
    elif not isinstance(data, dd.DataFrame):
        from personas.scale.assign import _files

        files = list(map(str, data)) if isinstance(data, list | tuple) else _files(data)
        data = dd.read_parquet(files, split_row_groups=False)
    problems = [
        Problem(
            f"no column {item!r} in the data",
            column=item,
            code="missing-item",
            hint=f"the data has {', '.join(map(str, data.columns))}",
        )
        for item in items
        if item not in data.columns
    ]
    problems += [
        Problem(
            f"item {item!r} is not numeric ({data._meta[item].dtype})",
            column=item,
            code="not-numeric",
            hint="k-means needs numbers; recode the answers first",
        )
        for item in items
        if item in data.columns
        and not (
            pd.api.types.is_numeric_dtype(data._meta[item])
            or pd.api.types.is_bool_dtype(data._meta[item])
        )
    ]
    return data, problems


def _options(items, k, init, max_iter, tol) -> tuple[np.ndarray | None, list[Problem]]:
    problems = []
    if not items:
        problems.append(Problem("no items to cluster", hint="give one column name or more"))
    if not isinstance(k, int | np.integer) or k < 1:
        problems.append(
            Problem(f"The 'k' option must be a whole number of at least 1. Got {k!r} instead.")
        )
    if not isinstance(max_iter, int | np.integer) or max_iter < 1:
        problems.append(
            Problem(f"The 'max_iter' option must be at least 1. Got {max_iter!r} instead.")
        )
    if not np.isfinite(tol) or tol < 0:
        problems.append(Problem(f"The 'tol' option must be 0 or more. Got {tol!r} instead."))
    try:
        start = np.array(init, dtype=np.float64)
    except (TypeError, ValueError):
        return None, [*problems, Problem("init must be numbers", value=init)]
    if start.ndim != 2 or start.shape != (k, len(items)):
        shape = f"({k}, {len(items)})"
        problems.append(Problem(f"init must have shape {shape} (k x items); got {start.shape}"))
    elif not np.isfinite(start).all():
        problems.append(Problem("init holds a missing or infinite value"))
    return start, problems


def _moments(client, parts, items, k) -> dict:
    import dask

    step = dask.delayed(red.moments_map, pure=True)
    stats = red.moments_reduce(_compute(client, [step(p, items) for p in parts]))
    problems = [
        Problem(
            f"{n} {what} cells in item {item!r}",
            column=item,
            hint="clean and impute before the fit",
        )
        for what, key in (("missing", "missing"), ("infinite", "infinite"))
        for item, n in zip(items, np.atleast_1d(stats[key]), strict=False)
        if n
    ]
    if stats["rows"] < k:
        problems.append(
            Problem(
                f"k={k} clusters but the data has only {stats['rows']} rows",
                code="too-few-rows",
                hint="choose a smaller k",
            )
        )
    if problems:
        raise InputError(problems)
    return stats


def _pass(client, parts, items, mean, centers, previous, against=None) -> dict:
    import dask

    step = dask.delayed(red.pass_map, pure=True)
    tasks = [step(p, items, mean, centers, previous, i, against) for i, p in enumerate(parts)]
    return red.pass_reduce(_compute(client, tasks))


def _lloyd(timed, passes, start, max_iter, scaled):
    """Lloyd iterations from the centred ``start``, stopping as ``_kmeans_single_lloyd``:
    the final centres, the centres of the last assignment, how it stopped, the iterations and
    the last pass's reduced statistics (``passes``: the records, each pass's shift added)."""
    centers, previous, converged = start, None, "max_iter"
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        out = timed(centers, previous)
        new, passes[-1]["relocated"] = red.new_centers(out)
        if previous is not None and out["moved"] == 0:
            previous, centers, converged = centers, new, "strict"
            break
        shift = float((np.sqrt(((new - centers) ** 2).sum(axis=1)) ** 2).sum())
        passes[-1]["shift"] = shift
        previous, centers = centers, new
        if shift <= scaled:
            converged = "tol"
            break
    return centers, previous, converged, n_iter, out


def fit_kmeans_distributed(
    data, items: list[str], *, k: int, init, client=None, max_iter: int = 300, tol: float = 1e-4
) -> DistributedKMeans:
    """Lloyd k-means over partitions from the initial centroids ``init`` (k x d).

    Parameters
    ----------
    data
        A ``dask.dataframe.DataFrame``, a pandas DataFrame (one partition), or Parquet files:
        a glob pattern (``'folder/*.parquet'``), a folder or a list of paths. The ``items``
        columns must be numeric (booleans count as 0/1) with no missing or infinite cell.
    items
        The columns clustered, in the order of ``init``'s columns.
    k
        The number of clusters (``init``'s rows).
    init
        Initial centroids in the items' units, e.g. the centroids of a fit on a sample.
    client
        A ``distributed.Client`` to run on; ``None``: Dask's current scheduler.
    max_iter, tol
        As scikit-learn's ``KMeans``: most iterations, and the relative tolerance on the
        centre shift (scaled by the mean item variance of the data).

    Returns
    -------
    DistributedKMeans
        The fit of ``KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd",
        max_iter=max_iter, tol=tol).fit(X)`` on the same rows (see the module docstring).

    Raises
    ------
    InputError
        Every problem at once: an item not in the data or not numeric, a bad option or
        ``init`` shape; then missing or infinite cells (each item with its count) or fewer
        rows than ``k``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(c, 0.3, (100, 2)) for c in (0.0, 5.0)])
    >>> frame = dd.from_pandas(pd.DataFrame(X, columns=["a", "b"]), npartitions=3)
    >>> fit = fit_kmeans_distributed(frame, ["a", "b"], k=2, init=X[[0, 150]])
    >>> np.abs(np.round(fit.centroids)).tolist(), fit.converged
    ([[0.0, 0.0], [5.0, 5.0]], 'strict')
    """
    items = list(items)
    frame, problems = _frame(data, items)
    start, more = _options(items, k, init, max_iter, tol)
    if problems or more:
        raise InputError([*problems, *more])
    parts = frame[items].to_delayed()
    clock = time.perf_counter()
    stats = _moments(client, parts, items, k)
    mean = stats["mean"]
    scaled = float(np.mean(stats["var"]) * tol) if tol else 0.0
    passes = [
        {
            "pass": 0,
            "seconds": time.perf_counter() - clock,
            "inertia": None,
            "moved": None,
            "shift": None,
            "relocated": None,
        }
    ]

    def timed(centers, previous, against=None):
        clock = time.perf_counter()
        out = _pass(client, parts, items, mean, centers, previous, against)
        passes.append(
            {
                "pass": len(passes),
                "seconds": time.perf_counter() - clock,
                "inertia": out["inertia"],
                "moved": None if previous is None else out["moved"],
                "shift": None,
                "relocated": None,
            }
        )
        return out

    centers, previous, converged, n_iter, out = _lloyd(
        timed, passes, start - mean, max_iter, scaled
    )
    if converged == "strict":
        labelled = previous  # the labels of the last assignment, as scikit-learn keeps them
        if not np.array_equal(centers, previous):
            out = timed(previous, None, against=centers)
    else:
        labelled = centers
        out = timed(centers, None)
    if (out["sizes"] == 0).any():
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(
            f"Number of distinct clusters ({int((out['sizes'] > 0).sum())}) found smaller than "
            f"n_clusters ({k}). Possibly due to duplicate points in X.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return DistributedKMeans(
        items=items,
        centroids=centers + mean,
        inertia=out["inertia"],
        n_iter=n_iter,
        converged=converged,
        tol=scaled,
        mean=mean,
        centered=labelled,
        rows=stats["rows"],
        passes=passes,
    )


def labels_kmeans_distributed(data, fit: DistributedKMeans, *, keep=("respondent", "file", "row")):
    """A lazy Dask DataFrame of ``cluster`` (0-based, scikit-learn's ``labels_`` on the fitted
    rows) and ``sq_distance`` per row of ``data``, after the columns of ``keep`` it has."""
    import dask.dataframe as dd

    frame, problems = _frame(data, fit.items)
    if problems:
        raise InputError(problems)
    kept = [c for c in keep if isinstance(data, dd.DataFrame) and c in data.columns]
    frame = frame[kept + fit.items]
    meta = pd.DataFrame(
        {
            **{c: frame._meta[c] for c in kept},
            "cluster": pd.Series(dtype="int64"),
            "sq_distance": pd.Series(dtype="f8"),
        }
    )
    return frame.map_partitions(red.assign_map, fit.items, fit.mean, fit.centered, kept, meta=meta)
