"""Batch k-modes as map-reduce passes over Dask partitions (waves too big for one machine).

Which in-memory fit this reproduces, exactly: the **batch** (Lloyd) k-modes of
:func:`personas.segment._kmodes_weighted.run_weighted` with every weight 1, i.e.
``personas.KModes(n_clusters=k, init=C0).fit(X, sample_weight=np.ones(n))``: every row goes to
its nearest centroid (lowest index on ties), every centroid becomes its cluster's mode (smallest
answer on ties), an emptied cluster takes the first row at the largest distance, and a run stops
when no row changes cluster, the cost rises (the previous centroids are kept) or after
``max_iter`` updates. From the same ``C0`` the centroids, labels, cost and number of iterations
are identical, because each pass only sums integers over partitions (answer counts per cluster,
sizes, cost, moves).

It does **not** reproduce the default unweighted ``KModes.fit(X)``: that is Huang's online
k-modes (one respondent moved at a time, modes updated after each move, as the kmodes package),
which depends on the order of all rows and cannot be split into partitions. From the same
start both reach a local minimum of the same cost, not necessarily the same one.

A pass costs one read of every partition: nothing is kept in cluster memory, so the dataset
need not fit anywhere; each partition must fit in one worker. Pass 0 finds the answers of each
item across the dataset (the encoding); then pass ``t`` maps every partition to its answer
counts per cluster per item, cluster sizes, cost, moves since the previous centroids and its
costliest row, and reduces them to the next centroids.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from personas.errors import InputError, Problem
from personas.scale import _reduce as red
from personas.segment.kmodes import _decode

__all__ = ["DistributedFit", "fit_distributed", "labels_distributed"]


@dataclass
class DistributedFit:
    """What :func:`fit_distributed` found.

    ``centroids``: (k, d) answers; ``centroid_codes``: the same as codes of ``categories``
    (per item, sorted); ``cost``: sum of matching dissimilarities; ``n_iter``: centroid updates
    (as ``KModes.n_iter_`` of the batch fit); ``rows``; ``passes``: one dict per pass over the
    data (``pass``, ``seconds``, ``cost``, ``moved``).
    """

    items: list[str]
    categories: list[np.ndarray]
    centroid_codes: np.ndarray
    centroids: np.ndarray
    cost: float
    n_iter: int
    rows: int
    passes: list[dict] = field(default_factory=list)


def _frame(data, items):
    """A Dask DataFrame of the item columns: ``data`` itself, or Parquet files (one partition
    per file) from a glob pattern, a folder or a list of paths."""
    import dask.dataframe as dd

    if isinstance(data, dd.DataFrame):
        return data[items]
    if isinstance(data, pd.DataFrame):
        return dd.from_pandas(data[items], npartitions=1)
    from personas.scale.assign import _files

    files = list(map(str, data)) if isinstance(data, list | tuple) else _files(data)
    return dd.read_parquet(files, columns=items, split_row_groups=False)


def _compute(client, tasks):
    if client is None:
        import dask

        return list(dask.compute(*tasks))
    return client.gather(client.compute(tasks))


def _pass(client, parts, items, categories, centroids, previous):
    import dask

    step = dask.delayed(red.pass_map, pure=True)
    tasks = [step(p, items, categories, centroids, previous) for p in parts]
    return red.pass_reduce(_compute(client, tasks))


def _encoding(client, parts, items):
    import dask

    step = dask.delayed(red.categories_map, pure=True)
    categories, missing, rows = red.categories_reduce(
        _compute(client, [step(p, items) for p in parts]), items
    )
    gaps = [
        Problem(
            f"{n} missing answers in item {item!r}",
            column=item,
            hint="clean and impute before the fit",
        )
        for item, n in missing.items()
        if n
    ]
    if gaps:
        raise InputError(gaps)
    return categories, rows


def _start(init, items, categories) -> np.ndarray:
    from personas.segment import _kmodes_data as data

    init = np.asarray(init)
    if init.ndim != 2 or init.shape[1] != len(items):
        raise ValueError(f"init must have shape (k, {len(items)}); got {init.shape}")
    codes = data.encode_with(init, categories)
    if (codes < 0).any():
        row, col = np.argwhere(codes < 0)[0]
        raise ValueError(
            f"init holds {init[row, col]!r} for {items[col]}, which no row of the data answers"
        )
    return codes.astype(np.intp)


def fit_distributed(
    data, items: list[str], init, *, max_iter: int = 100, client=None
) -> DistributedFit:
    """Batch k-modes over partitions from the initial centroids ``init`` (k x d answers).

    Parameters
    ----------
    data
        A ``dask.dataframe.DataFrame``, a pandas DataFrame (one partition), or Parquet files:
        a glob pattern (``'folder/*.parquet'``), a folder or a list of paths. The ``items``
        columns must have no missing cells (clean and impute first).
    items
        The columns clustered, in the order of ``init``'s columns.
    init
        Initial centroids as answers, e.g. the centroids of a fit on a sample.
    max_iter
        Most centroid updates.
    client
        A ``distributed.Client`` to run on; ``None``: Dask's current scheduler.

    Returns
    -------
    DistributedFit
        Identical to ``KModes(n_clusters=k, init=init).fit(X, sample_weight=np.ones(n))`` on
        the same rows in the same order (the batch k-modes; see the module docstring).

    Raises
    ------
    InputError
        Missing answers in an item column (each column named with its count).
    """
    frame = _frame(data, items)
    parts = frame.to_delayed()
    clock = time.perf_counter()
    categories, rows = _encoding(client, parts, items)
    passes = [{"pass": 0, "seconds": time.perf_counter() - clock, "cost": None, "moved": None}]
    n_cats = np.array([len(c) for c in categories])
    centroids = _start(init, items, categories)

    def timed(cur, prev):
        clock = time.perf_counter()
        stats = _pass(client, parts, items, categories, cur, prev)
        passes.append(
            {
                "pass": len(passes),
                "seconds": time.perf_counter() - clock,
                "cost": stats["cost"],
                "moved": stats["moved"] if prev is not None else None,
            }
        )
        return stats

    stats = timed(centroids, None)
    cost, n_iter = stats["cost"], 0
    while n_iter < max_iter:
        n_iter += 1
        new = red.new_modes(stats, n_cats)
        nxt = timed(new, centroids)
        if nxt["cost"] > cost:  # no better: keep the previous centroids
            break
        centroids, cost, stats = new, nxt["cost"], nxt
        if nxt["moved"] == 0:
            break
    return DistributedFit(
        items=list(items),
        categories=categories,
        centroid_codes=centroids,
        centroids=_decode(centroids, categories),
        cost=cost,
        n_iter=n_iter,
        rows=rows,
        passes=passes,
    )


def labels_distributed(data, fit: DistributedFit, *, keep=("respondent", "file", "row")):
    """A lazy Dask DataFrame of ``cluster`` (0-based) and ``distance`` per row of ``data``,
    after the columns of ``keep`` that ``data`` has (a Dask DataFrame; the respondent keys of
    :attr:`personas.scale.WaveFit.kept_rows`)."""
    import dask.dataframe as dd

    kept = [c for c in keep if isinstance(data, dd.DataFrame) and c in data.columns]
    frame = data[kept + fit.items] if kept else _frame(data, fit.items)
    meta = pd.DataFrame(
        {
            **{c: frame._meta[c] for c in kept},
            "cluster": pd.Series(dtype="int64"),
            "distance": pd.Series(dtype="f8"),
        }
    )
    return frame.map_partitions(
        red.assign_map, fit.items, fit.categories, fit.centroid_codes, kept, meta=meta
    )
