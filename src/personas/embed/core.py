"""The embedding stage: a 2-D UMAP map of the respondents, with the hand-made personas on it.

:func:`embed` takes the :class:`~personas.cleaning.model.CleanResponses` and returns a frozen
:class:`Embedding`: one point per embedded respondent (coloured by segment once
:meth:`Embedding.with_labels` or ``labels=`` gives the segments) and one landmark per
hand-made persona. :func:`start_embedding` does the same in a background process, so the map
is drawn while segmentation runs; :func:`warm_up` compiles UMAP's numba code ahead of time.

How the map is drawn
--------------------
* **Distance** (:func:`choose_metric`): hamming, the share of items answered differently,
  when every item is boolean or choice; euclidean on items scaled to [0, 1] for likert and
  number items, and for mixed data (booleans 0/1, choice options one-hot / sqrt(2)).
* **Missing answers** (cleaning with ``impute: none``) are filled, for the map only, with the
  wave's most common answer to the item (the median for number items); the count is in
  ``params["filled_cells"]``.
* **Large waves**: at most ``sample_size`` respondents (default 20,000) are embedded, a
  proportional stratified sample (by segment when ``labels`` are given, else by a provisional
  k-means of the answers; see :mod:`personas.embed._sample`). The rest are left off the map;
  ``n`` and ``sample_size`` record both numbers.
* **Landmarks**: each persona's expected answers (its tension positions through each
  question's pole, and its explicit answers) are placed with the fitted model's
  ``transform``. Items a persona says nothing about get the wave's most common answer, so
  they do not pull it anywhere in particular (``params["fill"]`` lists the values).
* **Speed and determinism**: neighbours are computed exactly by scikit-learn, numba's
  compiled code is cached on disk (see :mod:`personas.embed._umap`), and UMAP runs seeded
  (single-threaded), so the same inputs and ``random_state`` give identical coordinates.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from personas.cleaning.model import CleanResponses
from personas.embed._prepare import Job, choose_metric, encode_job, make_job
from personas.embed._sample import draw
from personas.embed._umap import MIN_DIST, cache_dir, layout
from personas.errors import InputError, PersonasError, Problem

__all__ = [
    "Embedding",
    "embed",
    "start_embedding",
    "warm_up",
    "choose_metric",
    "cache_dir",
    "DEFAULT_SAMPLE_SIZE",
]

#: The most respondents a map shows; larger waves are sampled.
DEFAULT_SAMPLE_SIZE = 20_000


@dataclass(frozen=True, repr=False)
class Embedding:
    """A 2-D map of respondents and hand-made personas.

    ``coords``: index = respondent id (embedded respondents only, file order), columns ``x``,
    ``y`` and, once segments are known, ``segment``. ``landmarks``: index = persona id,
    columns ``name``, ``x``, ``y``. ``n``: respondents in the clean answers; ``sample_size``:
    how many of them are on the map. ``params``: everything the map was drawn with.
    """

    coords: pd.DataFrame
    landmarks: pd.DataFrame
    metric: str
    n: int
    sample_size: int
    random_state: int
    params: dict = field(default_factory=dict)

    def with_labels(self, labels: pd.Series) -> Embedding:
        """A copy whose ``coords`` carry each respondent's ``segment`` from ``labels``.

        ``labels`` is indexed by respondent id (e.g. ``Segmentation.labels``) and must cover
        every embedded respondent.
        """
        segment = labels.reindex(self.coords.index)
        if segment.isna().any():
            ids = list(self.coords.index[segment.isna().to_numpy()])
            raise InputError(
                Problem(
                    f"{len(ids)} respondents on the map have no segment label, e.g. "
                    f"{', '.join(map(str, ids[:5]))}.",
                    hint="Pass the labels of the segmentation of the same clean answers.",
                )
            )
        return replace(self, coords=self.coords.assign(segment=segment.to_numpy()))

    def to_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(embedding.csv, landmarks.csv)`` frames: ``respondent, x, y, segment`` (segment
        empty when unknown) and ``persona, name, x, y``."""
        coords = self.coords
        if "segment" not in coords:
            coords = coords.assign(segment=pd.array([pd.NA] * len(coords), dtype="Int64"))
        points = coords[["x", "y", "segment"]].rename_axis("respondent").reset_index()
        marks = self.landmarks[["name", "x", "y"]].rename_axis("persona").reset_index()
        return points, marks

    def summary(self) -> dict:
        """The ``embedding`` block of ``summary.json`` (plus how the sample was drawn)."""
        return {
            "method": "umap",
            "metric": self.metric,
            "n": int(self.n),
            "sample_size": int(self.sample_size),
            "random_state": int(self.random_state),
            "sampling": self.params.get("sampling"),
        }

    def __repr__(self) -> str:
        shown = (
            f"{self.sample_size:,}"
            if self.sample_size == self.n
            else (f"{self.sample_size:,} of {self.n:,}")
        )
        return (
            f"Embedding(umap, {self.metric}, {shown} respondents, "
            f"{len(self.landmarks)} landmarks, random_state={self.random_state})"
        )


def embed(
    clean: CleanResponses,
    *,
    labels: pd.Series | None = None,
    random_state: int = 0,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    n_neighbors: int = 15,
    min_dist: float = MIN_DIST,
) -> Embedding:
    """Draw the UMAP map of ``clean``'s respondents, with the hand-made personas as landmarks.

    Parameters
    ----------
    clean
        The clean answers (one row per kept respondent, one column per item).
    labels
        Segment per respondent id (``Segmentation.labels``); stratifies the sample of a large
        wave and colours the map. Can also be added later with :meth:`Embedding.with_labels`.
    random_state
        Seed of the sample and of UMAP: the same seed gives identical coordinates.
    sample_size
        The most respondents to embed; larger waves are sampled (proportional, stratified).
    n_neighbors, min_dist
        UMAP's neighbourhood size (capped at the number of respondents - 1) and how tightly
        points may pack. The default ``min_dist`` (0.5, with UMAP's ``spread`` at
        :data:`~personas.embed._umap.SPREAD`) spreads each segment into a cloud with an area
        rather than a tight blob whose dots hide each other.

    Returns
    -------
    Embedding
        Frozen: 2-D coordinates per sampled respondent, the personas' landmark positions, the
        metric, the seed and which respondents were sampled.

    Raises
    ------
    InputError
        For bad options, fewer than 5 respondents, or labels missing respondents.

    Examples
    --------
    UMAP takes seconds, so the example is not run by the doctests:

    >>> from personas import clean, load_instrument, read_responses  # doctest: +SKIP
    >>> inst = load_instrument("surveys/jobsite")  # doctest: +SKIP
    >>> wave = read_responses("surveys/jobsite/waves/wave-1.csv", inst)  # doctest: +SKIP
    >>> emb = embed(clean(wave), random_state=0)  # doctest: +SKIP
    >>> emb.metric, emb.coords.columns.tolist(), emb.landmarks.index[0]  # doctest: +SKIP
    ('hamming', ['x', 'y'], 'survivor')
    """
    job = make_job(
        clean,
        labels,
        random_state=random_state,
        sample_size=sample_size,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
    )
    return _run(job)


def start_embedding(
    clean: CleanResponses,
    *,
    labels: pd.Series | None = None,
    random_state: int = 0,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    n_neighbors: int = 15,
    min_dist: float = MIN_DIST,
) -> Future[Embedding]:
    """Start :func:`embed` in a background process; the future's result is the Embedding.

    Options are checked at once (an :class:`InputError` is raised here, not later). The fit
    runs in a fresh ``spawn`` process: numba compiles and UMAP's layout runs while holding
    the GIL, so a thread would stall the caller; a process overlaps with segmentation on
    another core. The result equals ``embed(clean, ...)`` with the same arguments.
    ``future.cancel()`` stops the worker. Scripts that call this at import time need the
    usual ``if __name__ == "__main__":`` guard of ``multiprocessing``.

    Typical use: start it without labels as soon as the clean answers exist, then
    ``future.result().with_labels(segmentation.labels)``.
    """
    job = make_job(
        clean,
        labels,
        random_state=random_state,
        sample_size=sample_size,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
    )
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_work, args=(job, send), daemon=True, name="personas-embedding"
    )
    process.start()
    send.close()
    future = _WorkerFuture(process)
    threading.Thread(
        target=_collect,
        args=(future, receive, process),
        daemon=True,
        name="personas-embedding-result",
    ).start()
    return future


def warm_up() -> float:
    """Compile (or load from the on-disk cache) UMAP's numba code on a tiny map.

    Returns the seconds it took: about 25-45 s the first time on a small machine, a few
    seconds (mostly importing umap) once the cache at :func:`cache_dir` is warm.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    data = (rng.random((60, 6)) < 0.5).astype(np.float32)
    layout(
        data,
        data[:2] * 0.5,
        metric="hamming",
        n_items=6,
        n_neighbors=5,
        min_dist=0.1,
        random_state=0,
    )
    return time.perf_counter() - start


class _WorkerFuture(Future):
    """A future whose :meth:`cancel` also stops the worker process.

    It stays pending until the worker answers, so ``cancel()`` succeeds while the map is
    being drawn and the program does not wait for a map nobody will read.
    """

    def __init__(self, process) -> None:
        super().__init__()
        self._process = process

    def cancel(self) -> bool:
        cancelled = super().cancel()
        if cancelled and self._process.is_alive():
            self._process.terminate()
        return cancelled


def _work(job: Job, send) -> None:
    """Worker process: fit and send back ``(True, Embedding)`` or ``(False, exception)``."""
    try:
        message = (True, _run(job))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's future
        message = (False, exc)
    send.send(message)
    send.close()


def _collect(future: _WorkerFuture, receive, process) -> None:
    try:
        ok, value = receive.recv()
    except EOFError:
        ok, value = False, None
    process.join()
    if not future.set_running_or_notify_cancel():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(
            value
            or PersonasError(
                f"The embedding worker stopped unexpectedly (exit code {process.exitcode})."
            )
        )


def _run(job: Job) -> Embedding:
    """Encode, sample, fit and project: the whole stage, in this process."""
    enc = encode_job(job)
    positions, sampling = draw(
        enc.features, job.labels, sample_size=job.sample_size, random_state=job.random_state
    )
    xy, marks_xy, used = layout(
        enc.features[positions],
        enc.landmarks,
        metric=job.metric,
        n_items=len(job.items),
        n_neighbors=job.n_neighbors,
        min_dist=job.min_dist,
        random_state=job.random_state,
    )
    coords = pd.DataFrame(xy, index=job.answers.index[positions], columns=["x", "y"])
    if job.labels is not None:
        coords["segment"] = job.labels.to_numpy()[positions]
    landmarks = pd.DataFrame(
        {"name": list(job.names), "x": marks_xy[:, 0], "y": marks_xy[:, 1]},
        index=job.profiles.index,
    )
    params = {
        "method": "umap",
        **used,
        "min_dist": job.min_dist,
        "max_sample_size": job.sample_size,
        "sampling": sampling,
        **enc.params,
    }
    return Embedding(
        coords=coords.rename_axis("respondent"),
        landmarks=landmarks.rename_axis("persona"),
        metric=job.metric,
        n=len(job.answers),
        sample_size=len(positions),
        random_state=job.random_state,
        params=params,
    )
