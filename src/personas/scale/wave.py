"""A whole wave in Parquet partitions, cleaned and fitted on Dask at a given k.

The library half of ``personas run --engine dask`` (the CLI is not wired yet). Steps:

1. cleaning, partition by partition, with the rules that need the whole dataset computed in a
   reduce pass first, exactly as ``personas assign --engine dask`` does
   (:mod:`personas.scale.assign`): the speeder threshold (a third of the dataset's median
   duration, from summed duration counts) and the fill values (from summed answer counts);
   every row-local rule (attention checks, straight-lining, too many missing answers) runs
   per file. Duplicate respondent ids are found within a file, not across files. Every
   excluded row is counted by reason (:attr:`WaveFit.excluded`), none dropped silently;
2. a seeded random sample of the rows (each row of file ``i`` drawn with probability
   ``sample / rows`` by ``numpy.random.default_rng([random_state, i])``), read and cleaned in
   memory by the same rules (the dataset-wide speeder threshold, no imputation, then the
   dataset-wide fill values), segmented in memory by :func:`personas.segment.segment` with
   k-modes: the existing k sweep (elbow, silhouette, stability) when ``k`` is ``"auto"`` or
   a range, a fixed-k fit otherwise. Its centres are the starting centroids; silhouette,
   stability and the map are those of this sample (:attr:`WaveFit.segmentation`);
3. the batch k-modes over *all* kept rows from those centroids
   (:func:`personas.scale.fit_distributed`), identical to the in-memory batch fit of the same
   rows from the same start.

Nothing is persisted on the cluster: every pass reads and cleans the files again, so the wave
need not fit in the cluster's memory. Not covered yet: survey weights (the fit is unweighted
whatever ``data.weight_column`` says) and k-means for numeric items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personas.instrument.model import Instrument
from personas.scale.fit import DistributedFit, fit_distributed

__all__ = ["WaveFit", "fit_wave", "summary_lines"]


@dataclass
class WaveFit:
    """What :func:`fit_wave` did: ``fit`` on all kept rows, ``segmentation`` on the sample.

    ``segmentation``: :func:`personas.segment.segment` of the sample's kept rows
    (``sample_rows`` of them, seed ``random_state``), k chosen there; ``rows``: rows read;
    ``kept``; ``excluded``: excluded rows per reason;
    ``speeder`` and ``imputation``: the dataset-wide decisions of the cleaning;
    ``kept_rows``: the kept rows as a lazy Dask DataFrame (``respondent``, ``file``, ``row``,
    the items, filled), for :func:`personas.scale.labels_distributed`.
    """

    fit: DistributedFit
    segmentation: object
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
    client,
    k="auto",
    sample: int = 100_000,
    random_state: int = 0,
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
    k
        ``"auto"``, a range or an int, as for :func:`personas.segment.segment` (on the sample).
    sample, random_state, max_iter
        About how many rows the sample has (before cleaning); its seed (also the segment
        seed); most batch updates over all rows.
    client
        A ``distributed.Client``.

    Raises
    ------
    InputError
        No file matches, a bad cell (unless lenient), an item left with missing answers.
    """
    from personas.scale.assign import _cleaned, _files, _fills, _speeder_threshold

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
    seg = _segment_sample(
        files, instrument, rules, fills, imputation, k, min(1.0, sample / max(rows, 1)),
        random_state, lenient, client,
    )  # fmt: skip
    start = seg.centers[items].to_numpy()
    fit = fit_distributed(kept, items, start, max_iter=max_iter, client=client)
    return WaveFit(
        fit=fit,
        segmentation=seg,
        sample_rows=len(seg.labels),
        random_state=random_state,
        rows=rows,
        kept=kept_n,
        excluded=excluded,
        speeder=speeder,
        imputation=imputation,
        kept_rows=kept_rows,
    )


def _draw(path: str, index: int, frac: float, seed: int):
    """Row ``r`` of file ``index`` is in the sample when its seeded uniform draw is < frac."""
    import pandas as pd

    frame = pd.read_parquet(path)
    picked = np.random.default_rng([seed, index]).random(len(frame)) < frac
    return frame[picked]


def _segment_sample(
    files, instrument, rules, fills, imputation, k, frac, seed, lenient, client
):  # fmt: skip
    """The seeded sample read, cleaned and segmented in memory (k-modes; k chosen there)."""
    import tempfile
    from dataclasses import replace
    from pathlib import Path

    import dask
    import pandas as pd

    from personas.cleaning import clean
    from personas.io import read_responses
    from personas.segment import segment

    tasks = [dask.delayed(_draw)(f, i, frac, seed) for i, f in enumerate(files)]
    parts = client.gather(client.compute(tasks)) if client is not None else dask.compute(*tasks)
    with tempfile.TemporaryDirectory(prefix="personas-sample-") as tmp:
        path = Path(tmp) / "sample.parquet"
        pd.concat(parts, ignore_index=True).to_parquet(path, index=False)
        responses = read_responses(path, instrument, format="parquet", lenient=lenient)
        cleaned = clean(responses, rules=replace(rules, impute="none"))
    answers = cleaned.answers.fillna(fills) if fills else cleaned.answers
    cleaned = replace(cleaned, answers=answers, imputation=imputation)
    return segment(cleaned, method="kmodes", k=k, random_state=seed)


def summary_lines(result: WaveFit) -> list[str]:
    """What was fitted on the sample and what on all rows, in plain words (for a journal)."""
    fit = result.fit
    return [
        f"Read {result.rows:,} rows; kept {result.kept:,}; excluded "
        + (", ".join(f"{n:,} {r}" for r, n in result.excluded.items()) or "none")
        + ".",
        f"k={fit.centroids.shape[0]} chosen, and the starting centroids fitted, by k-modes on "
        f"a seeded sample of {result.sample_rows:,} kept rows (seed {result.random_state}); "
        "silhouette, stability and the map are the sample's.",
        f"Fit: batch k-modes over all {fit.rows:,} kept rows from the sample's centroids, "
        f"{fit.n_iter} updates in {len(fit.passes)} passes, cost {fit.cost:,.0f}.",
    ]
