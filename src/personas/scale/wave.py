"""A whole wave in Parquet partitions, cleaned and fitted on Dask at a given k.

The library half of ``personas run --engine dask`` (the CLI is not wired yet). Steps:

1. cleaning, partition by partition, with the rules that need the whole dataset computed in a
   reduce pass first, exactly as ``personas assign --engine dask`` does
   (:mod:`personas.scale.assign`): the speeder threshold (a third of the dataset's median
   duration, from summed duration counts) and the fill values (from summed answer counts);
   every row-local rule (attention checks, straight-lining, too many missing answers) runs
   per file. Duplicate respondent ids are found within a file, not across files. Every
   excluded row is counted by reason (:attr:`WaveFit.excluded`), none dropped silently;
2. a seeded random sample of the kept rows (``sample`` rows at most, ``dask`` ``sample`` with
   ``random_state``) fitted in memory by ``KModes`` (k-modes++, ``n_init`` starts): the
   starting centroids. Silhouette, stability and the map belong on this sample;
3. the batch k-modes over *all* kept rows from those centroids
   (:func:`personas.scale.fit_distributed`), identical to the in-memory batch fit of the same
   rows from the same start.

Nothing is persisted on the cluster: every pass reads and cleans the files again, so the wave
need not fit in the cluster's memory. Not covered yet: survey weights (the fit is unweighted
whatever ``data.weight_column`` says), k-means for numeric items, and choosing k (the caller
gives ``k``; the sweep with silhouette and stability would run on the same sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personas.instrument.model import Instrument
from personas.scale.fit import DistributedFit, fit_distributed

__all__ = ["WaveFit", "fit_wave", "summary_lines"]


@dataclass
class WaveFit:
    """What :func:`fit_wave` did: ``fit`` on all kept rows, ``start`` on the sample.

    ``start``: the in-memory ``KModes`` fitted on the sample (``sample_rows`` rows, seed
    ``random_state``); ``rows``: rows read; ``kept``; ``excluded``: excluded rows per reason;
    ``speeder`` and ``imputation``: the dataset-wide decisions of the cleaning;
    ``kept_rows``: the kept rows as a lazy Dask DataFrame (``respondent``, ``file``, ``row``,
    the items, filled), for :func:`personas.scale.labels_distributed`.
    """

    fit: DistributedFit
    start: object
    sample_rows: int
    random_state: int
    rows: int
    kept: int
    excluded: dict
    speeder: dict
    imputation: dict
    kept_rows: object = None


def fit_wave(
    instrument: Instrument,
    data,
    *,
    k: int,
    client,
    sample: int = 100_000,
    random_state: int = 0,
    n_init: int = 4,
    max_iter: int = 100,
    lenient: bool | None = None,
) -> WaveFit:
    """Clean the Parquet files of ``data`` per partition and fit k-modes at ``k`` on Dask.

    Parameters
    ----------
    instrument
        The study (its items and cleaning rules).
    data
        A glob pattern (``'folder/*.parquet'``), a folder of Parquet files, one partition each.
    k, sample, random_state, n_init, max_iter
        Segments; most rows of the seeded sample the start is fitted on; its seed; its
        k-modes++ starts; most batch updates over all rows.
    client
        A ``distributed.Client``.

    Raises
    ------
    InputError
        No file matches, a bad cell (unless lenient), an item left with missing answers.
    """
    from personas.scale.assign import _cleaned, _files, _fills, _speeder_threshold
    from personas.segment import KModes

    files = _files(data)
    items = [q.id for q in instrument.items]
    rules, speeder = _speeder_threshold(files, instrument, instrument.cleaning, lenient)
    cleaned = _cleaned(files, instrument, rules, lenient)
    fills, imputation = _fills(cleaned, instrument, rules)
    reasons = cleaned["reason"].value_counts().compute()
    rows = int(reasons.sum())
    excluded = {str(r): int(n) for r, n in sorted(reasons.items()) if r != ""}
    kept_n = rows - sum(excluded.values())
    kept_rows = cleaned[cleaned["reason"] == ""][["respondent", "file", "row", *items]]
    if fills:
        kept_rows = kept_rows.fillna(fills)
    kept = kept_rows[items]
    frac = min(1.0, sample / max(kept_n, 1))
    drawn = kept.sample(frac=frac, random_state=random_state) if frac < 1 else kept
    X = drawn.compute().to_numpy()
    start = KModes(n_clusters=k, init="k-modes++", n_init=n_init, random_state=random_state)
    start.fit(X)
    fit = fit_distributed(kept, items, start.cluster_centroids_, max_iter=max_iter, client=client)
    return WaveFit(
        fit=fit,
        start=start,
        sample_rows=int(np.shape(X)[0]),
        random_state=random_state,
        rows=rows,
        kept=kept_n,
        excluded=excluded,
        speeder=speeder,
        imputation=imputation,
        kept_rows=kept_rows,
    )


def summary_lines(result: WaveFit) -> list[str]:
    """What was fitted on the sample and what on all rows, in plain words (for a journal)."""
    fit = result.fit
    return [
        f"Read {result.rows:,} rows; kept {result.kept:,}; excluded "
        + (", ".join(f"{n:,} {r}" for r, n in result.excluded.items()) or "none")
        + ".",
        f"Start: k-modes (k={fit.centroids.shape[0]}) on a seeded sample of "
        f"{result.sample_rows:,} kept rows (seed {result.random_state}).",
        f"Fit: batch k-modes over all {fit.rows:,} kept rows from the sample's centroids, "
        f"{fit.n_iter} updates in {len(fit.passes)} passes, cost {fit.cost:,.0f}.",
    ]
