"""``personas.scale.fit_distributed``: batch k-modes as map-reduce passes over Dask partitions
gives the in-memory batch fit's centroids, labels, cost and iterations from the same start."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask.dataframe as dd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from personas import KModes  # noqa: E402
from personas.errors import InputError  # noqa: E402
from personas.scale import fit_distributed, labels_distributed  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _wave(n: int, seed: int) -> pd.DataFrame:
    """Three planted profiles over 8 items with 2..5 answers each, plus noise."""
    rng = np.random.default_rng(seed)
    n_cats = [2, 3, 5, 2, 4, 3, 2, 5]
    profiles = np.array([[rng.integers(c) for c in n_cats] for _ in range(3)])
    X = profiles[rng.integers(3, size=n)]
    noise = rng.random(X.shape) < 0.3
    random = np.column_stack([rng.integers(c, size=n) for c in n_cats])
    X = np.where(noise, random, X) + 1  # answer codes 1..m
    return pd.DataFrame(X.astype(float), columns=[f"q{j}" for j in range(len(n_cats))])


def _start(frame: pd.DataFrame, k: int, seed: int) -> np.ndarray:
    """k rows of the wave as initial centroids (a poor start, so several passes run)."""
    rows = np.random.default_rng(seed).choice(len(frame), k, replace=False)
    return frame.to_numpy()[rows]


@pytest.mark.parametrize(("k", "seed"), [(3, 0), (5, 1), (7, 2)])
def test_identical_to_the_in_memory_batch_fit(client, tmp_path, k, seed):
    wave = _wave(3000, seed)
    for i, chunk in enumerate(np.array_split(np.arange(len(wave)), 6)):
        wave.iloc[chunk].to_parquet(tmp_path / f"part-{i}.parquet")
    start = _start(wave, k, seed)
    items = list(wave.columns)
    fit = fit_distributed(str(tmp_path / "*.parquet"), items, start, client=client)
    memory = KModes(n_clusters=k, init=start, max_iter=100).fit(
        wave.to_numpy(), sample_weight=np.ones(len(wave))
    )
    np.testing.assert_array_equal(fit.centroids, memory.cluster_centroids_)
    assert fit.cost == memory.cost_
    assert fit.n_iter == memory.n_iter_
    assert fit.n_iter >= 2  # the start was poor: the test exercises several updates
    assert fit.rows == len(wave)
    assert len(fit.passes) == fit.n_iter + 2  # the encoding pass, the start, one per update
    labels = labels_distributed(str(tmp_path / "*.parquet"), fit).compute(scheduler=client.get)
    np.testing.assert_array_equal(labels["cluster"].to_numpy(), memory.labels_)


def test_partitioning_does_not_change_the_fit(client):
    wave = _wave(2000, 5)
    start = _start(wave, 4, 5)
    items = list(wave.columns)
    fits = [
        fit_distributed(dd.from_pandas(wave, npartitions=n), items, start, client=client)
        for n in (1, 3, 11)
    ]
    for other in fits[1:]:
        np.testing.assert_array_equal(other.centroids, fits[0].centroids)
        assert other.cost == fits[0].cost
        assert [p["cost"] for p in other.passes] == [p["cost"] for p in fits[0].passes]


def test_an_emptied_cluster_is_refilled_as_in_memory(client):
    """Two identical starting centroids: the second cluster gets no row (ties go to the lowest
    index) and takes the first row at the largest distance, as the in-memory batch fit does."""
    wave = _wave(1500, 3)
    start = _start(wave, 3, 3)
    start[1] = start[0]
    fit = fit_distributed(dd.from_pandas(wave, npartitions=4), list(wave.columns), start,
                          client=client)  # fmt: skip
    memory = KModes(n_clusters=3, init=start).fit(wave.to_numpy(), sample_weight=np.ones(1500))
    np.testing.assert_array_equal(fit.centroids, memory.cluster_centroids_)
    assert fit.cost == memory.cost_
    assert len({tuple(c) for c in fit.centroids}) == 3


def test_missing_answers_are_named(client):
    wave = _wave(300, 4)
    wave.loc[[5, 17], "q2"] = np.nan
    wave.loc[[8], "q4"] = np.nan
    with pytest.raises(InputError) as info:
        fit_distributed(dd.from_pandas(wave, npartitions=2), list(wave.columns),
                        _start(wave.fillna(1), 2, 0), client=client)  # fmt: skip
    assert "2 missing answers in item 'q2'" in str(info.value)
    assert "1 missing answers in item 'q4'" in str(info.value)  # every item at once
