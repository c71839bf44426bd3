"""The segmentation stage's objects: the k sweep (:class:`Selection`), one
:class:`SegmentProfile` per segment, and the :class:`Segmentation` that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from personas.cleaning.model import CleanResponses

__all__ = ["Selection", "SegmentProfile", "Segmentation"]


@dataclass(frozen=True, repr=False)
class Selection:
    """How k was chosen.

    ``table`` has one row per k tried: ``k, cost, silhouette, stability`` (mean adjusted Rand
    index of refits), ``min_jaccard`` (the least stable segment's clusterboot Jaccard),
    ``status`` (``"ok"`` or ``"failed: <why>"``; the measures are NaN for a failed k).
    ``knee`` is the kneedle elbow (None when the curve has none), ``best_silhouette`` /
    ``most_stable`` the k each criterion prefers, ``chosen`` the recommendation, ``reasons``
    plain-words sentences for the decision journal (disagreements explained), ``warnings``
    degenerate cases met, ``silhouette_sample`` the sample size when the silhouette was sampled
    (None = all respondents), ``params`` everything the sweep ran with (ks, seed, n_boot,
    boot_size, n_init). ``structure`` is the permutation test of whether there are segments at
    all (``personas.segment._structure``: ``gap, z, p_value, clear, ...``; empty when not run).
    """

    table: pd.DataFrame
    chosen: int
    knee: int | None = None
    best_silhouette: int | None = None
    most_stable: int | None = None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    silhouette_sample: int | None = None
    params: dict = field(default_factory=dict)
    structure: dict = field(default_factory=dict)

    @property
    def clear(self) -> bool:
        """False when the structure test found no clear segments (True when not run)."""
        return self.structure.get("clear") is not False

    def __repr__(self) -> str:
        ks = self.table["k"].tolist() if len(self.table) else []
        return f"Selection(chosen={self.chosen}, knee={self.knee}, k in {ks})"


@dataclass(frozen=True, repr=False)
class SegmentProfile:
    """What one segment looks like.

    ``id`` is 1-based; segments are numbered by size, largest first (ties broken by centre),
    so labels do not depend on the algorithm's arbitrary numbering.
    ``profile``: question id -> typical answer code (mode for boolean/choice, mean for
    likert/number). ``means``: question id -> mean code (share of True for booleans).
    ``frequencies``: rows = question ids, columns = answer codes, values = share of the
    segment giving that answer (NaN where the code does not apply; number items are all NaN).
    ``distinctive``: the answers most over- and under-represented vs everyone, columns
    ``question, answer (code), label, share, overall, difference, lift``, sorted by
    ``|difference|`` descending (boolean items list only the True answer: the False share is its
    complement; number items have no answers to list). ``tensions``: tension id -> position in
    [-1 (pole a), +1 (pole b)], NaN for a tension without boolean/likert items. ``medoid``: id of
    the respondent nearest the centre under the model's dissimilarity (smallest id on ties).
    ``stability``: clusterboot Jaccard averaged over the bootstrap refits (None if not computed).
    """

    id: int
    size: int
    share: float
    share_ci: tuple[float, float]
    profile: pd.Series
    means: pd.Series
    frequencies: pd.DataFrame
    distinctive: pd.DataFrame
    tensions: pd.Series
    medoid: str
    stability: float | None = None

    def __repr__(self) -> str:
        return f"SegmentProfile(id={self.id}, size={self.size}, share={self.share:.1%})"


@dataclass(frozen=True, repr=False)
class Segmentation:
    """Respondents grouped into ``k`` segments.

    ``labels`` / ``distances``: indexed by respondent id (same order as ``clean.answers``),
    segment id 1..k and the dissimilarity to that segment's centre. ``centers``: rows = segment
    ids, columns = item ids, codes (modes for k-modes, means for k-means, both for
    k-prototypes). ``model``: everything ``assign_codes`` needs, JSON-serialisable (method,
    dissimilarity, items, centres as codes, [0, 1] scaling of numeric items, k-prototypes' gamma
    and which items are categorical, 50th/95th distance percentiles overall and per segment).
    ``journal``: the decisions taken, in plain words. ``refits``: the bootstrap refits of the
    chosen k, as ``(rows drawn, labels of the refit)`` pairs (labels in the refit's own
    numbering, None when the refit failed), for the stability of the verdicts.
    ``posteriors``: latent class analysis only (``method="lca"``): each respondent's posterior
    class probabilities, columns ``p1..pk`` (None for the other methods). ``alternative``: the
    k-modes segmentation of the same answers that an LCA run is set beside (None otherwise).
    """

    clean: CleanResponses
    method: str
    k: int
    random_state: int
    labels: pd.Series
    distances: pd.Series
    centers: pd.DataFrame
    profiles: tuple[SegmentProfile, ...]
    selection: Selection | None
    model: dict
    journal: tuple[str, ...] = ()
    refits: tuple = ()
    posteriors: pd.DataFrame | None = None
    alternative: Segmentation | None = None

    @property
    def instrument(self):
        return self.clean.instrument

    def profile(self, segment_id: int) -> SegmentProfile:
        for p in self.profiles:
            if p.id == segment_id:
                return p
        raise KeyError(segment_id)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{p.id}: {p.share:.0%}" for p in self.profiles)
        return f"Segmentation({self.method}, k={self.k}, {len(self.labels)} respondents; {sizes})"
