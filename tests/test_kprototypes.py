"""k-prototypes seeding: greedy k-means++ starts a centre in every planted group, small ones too."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from _factories import boolean_instrument, clean_from, planted
from personas.segment import _kmodes_data, segment
from personas.segment._kprototypes import _seed, kprototypes, mixed_cost
from test_segment import _mixed


def _planted(shares, *, n=1000, d_num=6, d_cat=6, seed=0):
    """Well-separated mixed groups: numeric answers near a group mean, categorical ones copied
    from the group's pattern with 10% noise; returns (num, enc, truth)."""
    rng = np.random.RandomState(seed)
    k = len(shares)
    truth = np.repeat(np.arange(k), np.round(np.asarray(shares) * n).astype(int))
    means = rng.uniform(0, 1, size=(k, d_num)) * 4
    num = means[truth] + rng.normal(0, 0.1, size=(truth.size, d_num))
    patterns = rng.randint(0, 3, size=(k, d_cat))
    cat = patterns[truth].copy()
    noisy = rng.uniform(size=cat.shape) < 0.1
    cat[noisy] = rng.randint(0, 3, size=int(noisy.sum()))
    return num, _kmodes_data.prepare(cat, np.full(d_cat, 3)), truth


def _groups_hit(num, enc, truth, k, rng_seed, w=None, trials=None) -> int:
    centres_num, _ = _seed(num, enc, k, 1.0, np.random.RandomState(rng_seed), w, trials)
    return len({int(truth[np.argmin(((num - c) ** 2).sum(axis=1))]) for c in centres_num})


def test_greedy_seeding_finds_every_group_far_more_often_than_one_candidate_draws():
    num, enc, truth = _planted([0.2, 0.2, 0.2, 0.16, 0.16, 0.08])
    greedy = np.array([_groups_hit(num, enc, truth, 6, s) for s in range(50)])
    plain = np.array([_groups_hit(num, enc, truth, 6, s, trials=1) for s in range(50)])
    assert greedy.min() >= 5  # never two groups left without a centre
    assert (greedy == 6).mean() >= 0.75
    assert (greedy == 6).mean() >= (plain == 6).mean() + 0.3


def test_seeding_returns_distinct_respondents_and_their_answers():
    num, enc, _ = _planted([0.5, 0.5], n=200)
    centres_num, centres_cat = _seed(num, enc, 2, 1.0, np.random.RandomState(3))
    rows = [int(np.argmin(((num - c) ** 2).sum(axis=1))) for c in centres_num]
    assert rows[0] != rows[1]
    assert np.array_equal(centres_cat, enc.codes[rows].astype(np.intp))


def test_seeding_gives_up_with_fewer_distinct_respondents_than_centres():
    num = np.zeros((10, 2))
    enc = _kmodes_data.prepare(np.zeros((10, 2), dtype=int), np.array([2, 2]))
    assert _seed(num, enc, 3, 1.0, np.random.RandomState(0)) is None


def test_weighted_seeding_never_starts_a_centre_on_a_weightless_respondent():
    num, enc, truth = _planted([0.5, 0.3, 0.2], n=300)
    w = np.where(truth == 2, 0.0, 1.0)
    for s in range(10):
        centres_num, _ = _seed(num, enc, 3, 1.0, np.random.RandomState(s), w)
        rows = [int(np.argmin(((num - c) ** 2).sum(axis=1))) for c in centres_num]
        assert (w[rows] > 0).all()


@pytest.mark.parametrize("weights", [None, "ones"])
def test_fit_recovers_planted_groups_and_reports_its_cost(weights):
    num, enc, truth = _planted([0.4, 0.3, 0.2, 0.1], n=600, seed=4)
    w = None if weights is None else np.ones(truth.size)
    labels, centres_num, centres_cat, cost = kprototypes(
        num, enc, 4, gamma=1.0, n_init=2, random_state=0, weights=w
    )
    contingency = np.zeros((4, 4), int)
    np.add.at(contingency, (truth, labels), 1)
    assert (contingency.max(axis=1) / contingency.sum(axis=1) > 0.95).all()
    recomputed = mixed_cost(num, enc, centres_num, centres_cat, 1.0).min(axis=1).sum()
    assert cost == pytest.approx(recomputed)


def test_the_fit_on_all_respondents_restarts_four_times_as_often_as_a_refit():
    mixed = segment(_mixed()[0], method="kprototypes", k=3, n_boot=0, n_init=3)
    assert "best of 12 restarts for the fit on all respondents and of 3 per bootstrap refit" in (
        "\n".join(mixed.journal)
    )
    answers, _ = planted(300, 12, 2, noise=0.1, random_state=0)
    boolean = segment(clean_from(boolean_instrument(12), answers), method="kmodes", k=2, n_boot=0)
    line = next(x for x in boolean.journal if "restarts for the fit" in x)
    assert "best of 16 restarts for the fit on all respondents and of 4 per bootstrap refit" in line


def test_above_screen_rows_the_starts_are_screened_on_a_sample_and_the_journal_says_so(
    monkeypatch,
):
    from personas.segment import _fit

    monkeypatch.setattr(_fit, "SCREEN_ROWS", 100)  # as if 300 respondents were 3x the sample
    answers, _ = planted(300, 12, 2, noise=0.1, random_state=0)
    boolean = segment(clean_from(boolean_instrument(12), answers), method="kmodes", k=2, n_boot=0)
    line = next(x for x in boolean.journal if "restarts for the fit" in x)
    assert "best of 16 restarts for the fit on all respondents (screened on a sample of 100: " in (
        line
    )
    assert "the 4 best run again on all) and of 4 per bootstrap refit" in line


@pytest.mark.parametrize("method", ["kmodes", "kmeans", "kprototypes"])
def test_a_screened_fit_finds_a_small_segment_a_single_start_can_miss(method, monkeypatch):
    """Six segments, one of 5%: screened starts on a sample of 400 find all six on 2,400."""
    from personas.segment import _fit
    from personas.segment._space import build_space

    monkeypatch.setattr(_fit, "SCREEN_ROWS", 400)
    answers, truth = planted(2400, 24, 6, noise=0.05, random_state=3,
                             shares=[0.25, 0.2, 0.2, 0.15, 0.15, 0.05])  # fmt: skip
    clean = clean_from(boolean_instrument(24), answers)
    space = build_space(clean, method)
    screened = _fit.full_fit(space, 6, random_state=0, n_init=4)
    assert adjusted_rand_score(truth, screened.labels) > 0.95
    again = _fit.fit(space, 6, random_state=0, n_init=1, start=screened.centers)
    assert np.array_equal(again.labels, screened.labels)  # a fit from its own centres stays
    assert again.cost == pytest.approx(screened.cost)
