"""``personas.scale.fit_kmeans_distributed``: Lloyd k-means as map-reduce passes over Dask
partitions gives scikit-learn's ``KMeans(algorithm="lloyd", n_init=1)`` fit from the same start:
the same labels and iterations, centroids and inertia to rounding."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from personas.errors import InputError  # noqa: E402
from personas.scale import fit_kmeans_distributed, labels_kmeans_distributed  # noqa: E402

ITEMS = [f"x{j}" for j in range(6)]


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _wave(n: int, seed: int, k: int = 4) -> pd.DataFrame:
    """``k`` planted Gaussian groups over 6 items, overlapping enough that Lloyd takes a few
    iterations, shuffled."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (k, len(ITEMS)))
    X = centres[rng.integers(k, size=n)] + rng.normal(0, 1.5, (n, len(ITEMS)))
    return pd.DataFrame(X * 10 + 50, columns=ITEMS)


def _reference(X, init, **options):
    return KMeans(n_clusters=len(init), init=init, n_init=1, algorithm="lloyd", **options).fit(X)


def _same(fit, km, labels=None):
    np.testing.assert_allclose(fit.centroids, km.cluster_centers_, rtol=1e-8, atol=1e-10)
    assert fit.inertia == pytest.approx(km.inertia_, rel=1e-8)
    assert fit.n_iter == km.n_iter_
    if labels is not None:
        np.testing.assert_array_equal(labels, km.labels_)


def _labels(data, fit):
    return labels_kmeans_distributed(data, fit).compute()["cluster"].to_numpy()


@pytest.mark.parametrize(("k", "seed"), [(3, 0), (4, 1), (6, 2)])
def test_identical_to_scikit_learn_lloyd(tmp_path, k, seed):
    wave = _wave(4000, seed)
    for i, chunk in enumerate(np.array_split(np.arange(len(wave)), 4)):
        wave.iloc[chunk].to_parquet(tmp_path / f"part-{i}.parquet")
    init = wave.to_numpy()[np.random.default_rng(seed).choice(len(wave), k, replace=False)]
    files = str(tmp_path / "*.parquet")
    fit = fit_kmeans_distributed(files, ITEMS, k=k, init=init)
    km = _reference(wave.to_numpy(), init)
    _same(fit, km, _labels(files, fit))
    assert fit.n_iter >= 3  # a poor start: several updates are exercised
    assert fit.rows == len(wave)
    assert fit.tol == pytest.approx(1e-4 * np.var(wave.to_numpy(), axis=0).mean(), rel=1e-12)
    assert [p["pass"] for p in fit.passes] == list(range(len(fit.passes)))


def test_the_tolerance_and_max_iter_stop_where_scikit_learn_stops():
    wave = _wave(3000, 7)
    init = wave.to_numpy()[:5]
    data = dd.from_pandas(wave, npartitions=3)
    runs = [{"tol": 1e-2}, {"tol": 0.0}, {"max_iter": 2}]
    for options in runs:
        fit = fit_kmeans_distributed(data, ITEMS, k=5, init=init, **options)
        _same(fit, _reference(wave.to_numpy(), init, **options), _labels(data, fit))
    assert fit.converged == "max_iter" and fit.n_iter == 2


def test_partition_order_and_count_do_not_change_the_fit():
    wave = _wave(3000, 3)
    init = wave.to_numpy()[10:14]
    fits, labels = [], []
    order = np.random.default_rng(0).permutation(len(wave))
    for frame, n in ((wave, 3), (wave, 4), (wave.iloc[order], 4)):
        data = dd.from_pandas(frame, npartitions=n, sort=False)
        fits.append(fit_kmeans_distributed(data, ITEMS, k=4, init=init))
        labels.append(pd.Series(_labels(data, fits[-1]), index=frame.index).sort_index())
    for fit, lab in zip(fits[1:], labels[1:], strict=True):
        np.testing.assert_allclose(fit.centroids, fits[0].centroids, rtol=1e-12)
        assert fit.inertia == pytest.approx(fits[0].inertia, rel=1e-12)
        assert fit.n_iter == fits[0].n_iter
        pd.testing.assert_series_equal(lab, labels[0])


def test_emptied_clusters_take_the_farthest_rows_as_in_memory():
    """Two starting centres far from every row get no row: each takes one of the rows farthest
    from its centre (the farthest first), as scikit-learn relocates them."""
    wave = _wave(2000, 4)
    init = np.vstack([wave.to_numpy()[:3], np.full((2, 6), 1e4), np.full((1, 6), -1e4)])
    data = dd.from_pandas(wave, npartitions=4)
    fit = fit_kmeans_distributed(data, ITEMS, k=6, init=init)
    assert fit.passes[1]["relocated"] == 3
    _same(fit, _reference(wave.to_numpy(), init), _labels(data, fit))


def test_a_cluster_left_empty_copies_the_heaviest_as_scikit_learn():
    """Three distinct points repeated and a fourth centre far away: no row can move (all sit
    exactly on their centre: counts of powers of two keep every mean exact), so the empty
    cluster 0 copies the heaviest one as scikit-learn's loop leaves it (its sum, not its mean,
    since that cluster comes later) and a warning says so."""
    points = np.array([[0.0, 1.0], [5.0, 5.0], [9.0, 0.0]])
    X = points[np.repeat([0, 1, 2], [32, 64, 32])]
    frame = pd.DataFrame(X, columns=["a", "b"])
    init = np.vstack([[100.0, 100.0], points])
    with pytest.warns(ConvergenceWarning):
        fit = fit_kmeans_distributed(dd.from_pandas(frame, npartitions=3), ["a", "b"], k=4,
                                     init=init)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        km = _reference(X, init)
    _same(fit, km, _labels(dd.from_pandas(frame, npartitions=3), fit))
    centred = 64 * (points[1] - X.mean(axis=0)) + X.mean(axis=0)
    np.testing.assert_array_equal(fit.centroids[0], centred)


def test_bad_input_names_each_problem(tmp_path):
    wave = _wave(50, 5)
    data = dd.from_pandas(wave, npartitions=2)
    with pytest.raises(InputError) as info:
        fit_kmeans_distributed(data, ITEMS, k=60, init=wave.to_numpy()[:1].repeat(60, 0))
    assert "k=60" in str(info.value) and "only 50 rows" in str(info.value)
    with pytest.raises(InputError) as info:
        fit_kmeans_distributed(data, [*ITEMS, "age"], k=2, init=np.zeros((2, 7)))
    assert "no column 'age'" in str(info.value)
    wave.to_parquet(tmp_path / "w.parquet")
    with pytest.raises(InputError, match="no column 'age'"):
        fit_kmeans_distributed(str(tmp_path), [*ITEMS, "age"], k=2, init=np.zeros((2, 7)))
    with pytest.raises(InputError, match=r"shape \(2, 6\)"):
        fit_kmeans_distributed(data, ITEMS, k=2, init=np.zeros((3, 6)))
    holes = wave.copy()
    holes.loc[[3, 9], "x2"] = np.nan
    with pytest.raises(InputError) as info:
        fit_kmeans_distributed(dd.from_pandas(holes, npartitions=2), ITEMS, k=2,
                               init=np.zeros((2, 6)))  # fmt: skip
    assert "2 missing cells in item 'x2'" in str(info.value)
    nullable = wave.round().astype("Int64")
    nullable.loc[[4], "x5"] = pd.NA
    nullable.loc[[7], "x0"] = pd.NA
    with pytest.raises(InputError) as info:
        fit_kmeans_distributed(dd.from_pandas(nullable, npartitions=2), ITEMS, k=2,
                               init=np.zeros((2, 6)))  # fmt: skip
    assert "1 missing cells in item 'x5'" in str(info.value)
    assert "1 missing cells in item 'x0'" in str(info.value)  # every problem at once
    infinite = wave.copy()
    infinite.loc[[1], "x3"] = np.inf
    with pytest.raises(InputError, match="1 infinite cells in item 'x3'"):
        fit_kmeans_distributed(dd.from_pandas(infinite, npartitions=2), ITEMS, k=2,
                               init=np.zeros((2, 6)))  # fmt: skip
    text = wave.assign(x1=wave["x1"].astype(str))
    with pytest.raises(InputError, match="'x1' is not numeric"):
        fit_kmeans_distributed(dd.from_pandas(text, npartitions=2), ITEMS, k=2,
                               init=np.zeros((2, 6)))  # fmt: skip


def test_runs_on_a_distributed_client():
    from distributed import Client, LocalCluster

    wave = _wave(1500, 6)
    init = wave.to_numpy()[:3]
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                     dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        fit = fit_kmeans_distributed(dd.from_pandas(wave, npartitions=3), ITEMS, k=3, init=init,
                                     client=client)  # fmt: skip
    _same(fit, _reference(wave.to_numpy(), init))
