"""UMAP, fast to start (private to :mod:`personas.embed.core`).

umap-learn compiles its numba code on first use in every process (30-45 s on a 2-core
machine), and most of it is not cached on disk. Three things hide that:

1. **Neighbours from scikit-learn.** The k nearest neighbours are computed exactly (brute
   force, BLAS) and handed to UMAP as ``precomputed_knn``, so pynndescent's index is never
   built or compiled. :class:`Neighbours` answers UMAP's ``transform`` queries the same way.
2. **A persistent numba cache.** ``NUMBA_CACHE_DIR`` is pointed at a user cache folder
   (:func:`cache_dir`) before numba is imported, unless the user set it. pynndescent's
   functions (compiled eagerly when umap is imported) declare ``cache=True`` and land there;
   umap's own do not (umap-learn 0.5: only ``layouts.rdist``), so :func:`load_umap` turns
   caching on for them with numba's ``Dispatcher.enable_caching()`` before their first call.
3. **A background worker.** :func:`personas.embed.core.start_embedding` runs the fit in another
   process while segmentation runs.

Nothing here is imported by ``import personas``: umap is loaded on the first fit.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

__all__ = ["cache_dir", "load_umap", "neighbours", "Neighbours", "layout"]

_APP = "personas"
#: Warnings of umap-learn that are expected with a precomputed neighbour graph.
_EXPECTED = (
    r"precomputed_knn\[2\] \(knn_search_index\) is not an NNDescent object",
    r"n_neighbors is larger than the dataset size",
)


def cache_dir() -> Path:
    """Where compiled numba code is kept between runs.

    ``$NUMBA_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/personas/numba`` (default
    ``~/.cache/personas/numba``). Delete the folder to force a recompile.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / _APP / "numba"


def _configure_cache() -> None:
    """Point numba's cache at :func:`cache_dir` (if writable) before numba loads umap."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba falls back to its own locations
    if not os.access(path, os.W_OK):
        return
    os.environ["NUMBA_CACHE_DIR"] = str(path)  # inherited by worker processes too
    if "numba" in sys.modules:  # imported earlier by someone else: numba reads it lazily
        sys.modules["numba"].config.CACHE_DIR = str(path)


@functools.cache
def load_umap():
    """Import umap with the numba cache configured and caching on for its functions."""
    _configure_cache()
    import umap
    import umap.layouts
    import umap.spectral
    import umap.umap_
    import umap.utils

    _enable_caching([umap.umap_, umap.layouts, umap.utils, umap.spectral])
    return umap


def _enable_caching(modules) -> int:
    """Turn numba's on-disk cache on for the module-level jitted functions of ``modules``.

    numba's cache index is keyed by the Python function and the signature, not by the
    compile flags, so when one function is jitted twice (umap's serial and ``parallel=True``
    layout epoch) only the serial one, which a seeded fit uses, gets a cache: two dispatchers
    sharing one cache could load each other's code. Returns how many were switched on.
    """
    from numba.core.registry import CPUDispatcher

    by_function = defaultdict(dict)
    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, CPUDispatcher):
                by_function[obj.py_func][id(obj)] = obj
    enabled = 0
    for dispatchers in by_function.values():
        candidates = list(dispatchers.values())
        if len(candidates) > 1:
            candidates = [d for d in candidates if not d.targetoptions.get("parallel")]
        if len(candidates) != 1 or type(candidates[0]._cache).__name__ != "NullCache":
            continue
        try:
            candidates[0].enable_caching()
            enabled += 1
        except RuntimeError:  # no writable cache location: compile in memory as before
            pass
    return enabled


def _to_metric(sq_euclidean: np.ndarray, metric: str, n_items: int) -> np.ndarray:
    """Squared euclidean distances of :func:`encode`'d rows -> distances in ``metric``."""
    if metric == "hamming":  # integer counts of differing items, up to rounding
        return (np.rint(sq_euclidean) / n_items).astype(np.float32)
    return np.sqrt(np.maximum(sq_euclidean, 0.0)).astype(np.float32)


class Neighbours:
    """Exact nearest neighbours in ``metric``, shaped the way UMAP uses a search index.

    UMAP's ``transform`` calls ``query(X, k, epsilon=...)`` and reads ``_angular_trees`` on
    the index it was given in ``precomputed_knn``; nothing else.
    """

    _angular_trees = False

    def __init__(self, data: np.ndarray, *, metric: str, n_items: int):
        from sklearn.neighbors import NearestNeighbors

        self.metric, self.n_items = metric, n_items
        self._nn = NearestNeighbors(algorithm="brute", metric="sqeuclidean").fit(data)

    def query(self, X, k: int, epsilon: float | None = None):  # noqa: ARG002 (UMAP's API)
        dists, indices = self._nn.kneighbors(np.asarray(X, dtype=np.float32), n_neighbors=k)
        return indices.astype(np.int32), _to_metric(dists, self.metric, self.n_items)

    def graph(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``k`` nearest rows, itself first at distance 0 (UMAP's convention).

        Asking for the other rows' neighbours (``kneighbors()`` without data) keeps a point
        out of its own list even when it has exact duplicates, which are common in
        True/False data; the point itself is then put in front.
        """
        dists, indices = self._nn.kneighbors(n_neighbors=k - 1)
        n = len(indices)
        indices = np.hstack([np.arange(n)[:, None], indices]).astype(np.int32)
        dists = np.hstack([np.zeros((n, 1)), dists])
        return indices, _to_metric(dists, self.metric, self.n_items)


def neighbours(data: np.ndarray, k: int, *, metric: str, n_items: int):
    """``(indices, distances, index)`` for UMAP's ``precomputed_knn``."""
    index = Neighbours(data, metric=metric, n_items=n_items)
    return (*index.graph(k), index)


#: UMAP's ``spread`` and the default ``min_dist``: survey answers fall into well-separated
#: segments, which UMAP's defaults (1.0, 0.1) draw as tight blobs a few pixels wide; a larger
#: spread and minimum distance give each segment a cloud with an area on the map.
SPREAD = 1.5
MIN_DIST = 0.5


def layout(
    data: np.ndarray,
    landmarks: np.ndarray,
    *,
    metric: str,
    n_items: int,
    n_neighbors: int,
    min_dist: float,
    random_state: int,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Fit a seeded 2-D UMAP on ``data``; project ``landmarks`` with its ``transform``.

    UMAP gets the encoded rows with ``metric="euclidean"``: its own metric is only used to
    place disconnected components apart, where averages of encoded rows make sense in
    euclidean space. The neighbour graph, and so the map, uses ``metric``.
    Returns the coordinates, the landmark coordinates and what was used.
    """
    umap = load_umap()
    k = min(n_neighbors, len(data) - 1)
    knn = neighbours(data, k, metric=metric, n_items=n_items)
    model = umap.UMAP(
        n_components=2,
        n_neighbors=k,
        min_dist=min(min_dist, SPREAD),
        spread=SPREAD,
        metric="euclidean",
        random_state=random_state,
        transform_seed=random_state,
        n_jobs=1,
        precomputed_knn=knn,
    )
    with warnings.catch_warnings():
        for message in _EXPECTED:
            warnings.filterwarnings("ignore", message=message)
        coords = model.fit_transform(data)
        marks = model.transform(landmarks) if len(landmarks) else np.empty((0, 2))
    used = {
        "n_neighbors": k,
        "spread": SPREAD,
        "umap_learn": umap.__version__,
        "neighbours": "exact (scikit-learn)",
    }
    return np.asarray(coords, dtype=float), np.asarray(marks, dtype=float), used
