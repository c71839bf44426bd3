"""Stage 6, embed: a 2-D UMAP map of the respondents, with the hand-made personas on it.

Takes :class:`~personas.cleaning.CleanResponses` (and, once known, the segment labels); gives a
frozen :class:`Embedding`: one point per embedded respondent and one landmark per hand-made
persona. ``start_embedding`` draws the map in a background process while the k sweep runs;
UMAP (and its numba compile) is imported only there. ``_prepare`` encodes the answers,
``_sample`` draws the stratified sample of large waves, ``_umap`` runs UMAP.
"""

from personas.embed.core import (
    DEFAULT_SAMPLE_SIZE,
    Embedding,
    cache_dir,
    choose_metric,
    embed,
    start_embedding,
    warm_up,
)

__all__ = [
    "Embedding",
    "embed",
    "start_embedding",
    "warm_up",
    "choose_metric",
    "cache_dir",
    "DEFAULT_SAMPLE_SIZE",
]
