"""What each segment looks like: size, typical answers, what sets it apart, tension positions.

Everything is computed for all segments at once from answer counts (``bincount`` over
segment x item x answer) and group means; nothing loops over respondents.

With survey weights every count is a summed weight: shares, answer frequencies, means and
tension positions describe the weighted population. ``size`` stays the number of respondents.
The 95% interval of a weighted share is Wilson's with the Kish effective sample size
``n_eff = (sum w)^2 / sum w^2`` in place of n (Kish 1965): unequal weights make a share as
precise as one from ``n_eff`` unweighted respondents, never more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from personas.segment import _kmodes_data
from personas.segment.model import SegmentProfile

__all__ = ["build_profiles", "wilson_interval", "weighted_shares"]

_Z95 = 1.959963984540054


def wilson_interval(successes, n, *, z: float = _Z95):
    """Wilson score interval for a proportion (vectorised): (low, high)."""
    successes = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def kish_n(weights) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``.

    Examples
    --------
    >>> kish_n([1.0, 1.0, 1.0, 1.0]), kish_n([3.0, 1.0])
    (4.0, 1.6)
    """
    w = np.asarray(weights, dtype=np.float64)
    return float(w.sum() ** 2 / (w**2).sum())


def weighted_shares(labels, weights, k: int):
    """Weighted share of each segment 1..k and its 95% interval (Wilson at Kish's n_eff).

    Returns ``(shares, low, high, n_eff)``.

    Examples
    --------
    >>> shares, low, high, n_eff = weighted_shares([1, 1, 2], [1.0, 1.0, 2.0], 2)
    >>> shares.tolist(), n_eff
    ([0.5, 0.5], 2.6666666666666665)
    """
    labels = np.asarray(labels)
    w = np.asarray(weights, dtype=np.float64)
    held = np.bincount(labels, weights=w, minlength=k + 1)[1:]
    shares = held / w.sum()
    n_eff = kish_n(w)
    low, high = wilson_interval(shares * n_eff, n_eff)
    return shares, low, high, n_eff


def build_profiles(
    answers: pd.DataFrame,
    instrument,
    *,
    labels: np.ndarray,
    distances: np.ndarray,
    k: int,
    stability: dict[int, float] | None = None,
    encoded=None,
    weights=None,
) -> tuple[SegmentProfile, ...]:
    """One :class:`SegmentProfile` per segment id 1..k.

    ``answers``: codes (items as columns, respondent ids as index); ``labels``: segment ids;
    ``distances``: each respondent's dissimilarity to its segment's centre (for the medoid);
    ``encoded``: the answers already encoded as ``(categories, codes)`` by
    ``_kmodes_data.encode`` (computed here when not given); ``weights``: survey weights (None:
    unweighted).
    """
    questions = [instrument.question(q) for q in answers.columns]
    n = len(answers)
    sizes = np.bincount(labels, minlength=k + 1)[1:]
    if weights is None:
        shares = sizes / n
        low, high = wilson_interval(sizes, n)
    else:
        weights = np.asarray(weights, dtype=np.float64)
        shares, low, high, _ = weighted_shares(labels, weights, k)
    if encoded is None:
        encoded = _kmodes_data.encode(answers.to_numpy(dtype=np.float64))
    freq, overall, means = _frequencies(questions, answers, encoded, labels, k, weights)
    tensions = _tensions(instrument, questions, means)
    medoids = _medoids(answers.index, labels, distances)
    profiles = []
    for s in range(1, k + 1):
        seg_freq = freq[s - 1]
        profiles.append(
            SegmentProfile(
                id=s,
                size=int(sizes[s - 1]),
                share=float(shares[s - 1]),
                share_ci=(float(low[s - 1]), float(high[s - 1])),
                profile=_typical(questions, seg_freq, means.loc[s]),
                means=means.loc[s].rename(None),
                frequencies=seg_freq,
                distinctive=_distinctive(questions, seg_freq, overall),
                tensions=tensions.loc[s].rename(None),
                medoid=str(medoids.get(s, "")),
                stability=None if stability is None else stability.get(s),
            )
        )
    return tuple(profiles)


def _frequencies(questions, answers: pd.DataFrame, encoded, labels: np.ndarray, k: int, weights):
    """Per segment: the share of each answer code per item (rows items, columns codes, NaN
    where the code neither belongs to the question nor was given), and the mean code per item;
    the shares of everyone too. Counts come from one pass over the encoded answers."""
    categories, item_codes = encoded
    ids = [q.id for q in questions]
    coded = [j for j, q in enumerate(questions) if q.type != "number"]
    union = np.unique(
        np.concatenate([[], *[categories[j] for j in coded], *[questions[j].codes for j in coded]])
    )
    counts = np.zeros((k, len(ids), union.size))
    if coded:
        n_cats = [len(categories[j]) for j in coded]
        enc = _kmodes_data.prepare(item_codes[:, coded], n_cats)
        raw = (
            _kmodes_data.counts(enc, labels - 1, k)  # (k, coded, m)
            if weights is None
            else _kmodes_data.weighted_counts(enc, labels - 1, k, weights)
        )
        for row, j in enumerate(coded):
            counts[:, j, np.searchsorted(union, categories[j])] = raw[:, row, : n_cats[row]]
    applies = np.zeros((len(ids), union.size), dtype=bool)
    for j in coded:
        applies[j] = np.isin(union, questions[j].codes) | (counts[:, j].sum(axis=0) > 0)
    sizes = np.bincount(labels, weights=weights, minlength=k + 1)[1:].astype(np.float64)
    total = len(labels) if weights is None else float(np.sum(weights))
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(applies[None], counts / sizes[:, None, None], np.nan)
        everyone = np.where(applies, counts.sum(axis=0) / total, np.nan)
        mean = (counts * union).sum(axis=2) / sizes[:, None]
    for j, q in enumerate(questions):
        if q.type == "number":
            column = answers.iloc[:, j].to_numpy(dtype=np.float64)
            if weights is not None:
                column = column * weights
            mean[:, j] = np.bincount(labels, weights=column, minlength=k + 1)[1:] / sizes
    means = pd.DataFrame(mean, index=range(1, k + 1), columns=ids)
    frames = [pd.DataFrame(shares[s], index=ids, columns=union) for s in range(k)]
    return frames, pd.DataFrame(everyone, index=ids, columns=union), means


def _typical(questions, freq: pd.DataFrame, means: pd.Series) -> pd.Series:
    """Mode (smallest code on ties) for boolean/choice items, mean for likert/number."""
    values = {}
    for q in questions:
        if q.type in ("boolean", "choice"):
            row = freq.loc[q.id].fillna(-1.0)
            values[q.id] = float(row.index[row.to_numpy().argmax()])
        else:
            values[q.id] = float(means[q.id])
    return pd.Series(values, dtype=np.float64)


def _distinctive(questions, freq: pd.DataFrame, overall: pd.DataFrame) -> pd.DataFrame:
    """Answers over- and under-represented vs everyone, largest |difference| first.

    Boolean items list only the True answer (the False share is its complement); number items
    have no answer codes and are left out."""
    seg = freq.stack().rename("share")
    every = overall.stack().rename("overall")
    table = pd.concat([seg, every], axis=1).reset_index(names=["question", "answer"])
    table = table[table["share"].notna()]  # codes that do not apply to the question
    kind = {q.id: q.type for q in questions}
    pairs = list(zip(table["question"], table["answer"], strict=True))
    keep = [kind[q] != "boolean" or a == 1.0 for q, a in pairs]
    table = table[keep].copy()
    by_id = {q.id: q for q in questions}
    pairs = zip(table["question"], table["answer"], strict=True)
    table["label"] = [by_id[q].label(a) for q, a in pairs]
    table["difference"] = table["share"] - table["overall"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["lift"] = np.where(table["overall"] > 0, table["share"] / table["overall"], np.nan)
    order = np.argsort(-table["difference"].abs().to_numpy(), kind="stable")
    columns = ["question", "answer", "label", "share", "overall", "difference", "lift"]
    return table.iloc[order][columns].reset_index(drop=True)


def _tensions(instrument, questions, means: pd.DataFrame) -> pd.DataFrame:
    """Segment positions on each tension in [-1 (pole a), +1 (pole b)]: the agreement with each
    boolean/likert item of the tension, rescaled to [-1, 1], sign flipped for pole-a items,
    averaged. Tensions without such items are NaN."""
    weights = pd.DataFrame(
        0.0, index=[q.id for q in questions], columns=[t.id for t in instrument.tensions]
    )
    lo = pd.Series(0.0, index=weights.index)
    hi = pd.Series(1.0, index=weights.index)
    for q in questions:
        if (
            q.tension in weights.columns
            and q.pole in ("a", "b")
            and q.type in ("boolean", "likert")
        ):
            weights.loc[q.id, q.tension] = -1.0 if q.pole == "a" else 1.0
            if q.type == "likert":
                lo[q.id], hi[q.id] = q.scale.min, q.scale.max
    agreement = 2 * (means[weights.index] - lo) / (hi - lo) - 1  # (k, items) in [-1, 1]
    n_items = (weights != 0).sum(axis=0).replace(0, np.nan)
    return agreement.fillna(0.0) @ weights / n_items


def _medoids(index: pd.Index, labels: np.ndarray, distances: np.ndarray) -> dict[int, str]:
    """Per segment the respondent nearest its centre; ties go to the smallest id."""
    frame = pd.DataFrame({"segment": labels, "distance": distances, "id": index.astype(str)})
    nearest = frame.groupby("segment")["distance"].transform("min")
    return frame[frame["distance"] == nearest].groupby("segment")["id"].min().to_dict()
