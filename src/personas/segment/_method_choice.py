"""Why ``method="auto"`` uses the algorithm it uses for these items, with the measured figures.

The figures come from ``benchmarks/bench_choose_k.py`` (held-out seeds from 1000; see the
paragraphs on diffuse segments and on choosing k in README: "How it decides"): on planted
studies of n = 800 with crisp segments, how often the tool's rule recovers the planted k
with each algorithm; on a planted *diffuse* segment (k = 4 equal shares, the diffuse members
answer 60% of the items at random, the others 10%; n = 800; 10 seeds), the median adjusted
Rand index of each algorithm at the planted k. The journal quotes them so that a reader can
see the trade-off that was made.
"""

from __future__ import annotations

__all__ = ["MEASURED", "method_choice"]

#: item kind -> (the default, its figures, the alternatives' figures). Each figure is
#: (algorithm, k recovered on crisp segments or None when not measured, diffuse median ARI).
MEASURED: dict[str, tuple[str, tuple, tuple]] = {
    "boolean": ("kmodes", ("k-modes", 0.97, 0.87), (("k-means on 0/1", 0.99, 0.99),)),
    "likert": ("kmeans", ("k-means", 0.97, 0.98), (("k-modes", None, 0.92),)),
    "mixed": ("kprototypes", ("k-prototypes", 0.92, 0.95), (("k-means", None, 0.97),)),
}


def _figures(name: str, k_rate: float | None, ari: float) -> str:
    rate = "" if k_rate is None else f"the planted number of segments in {k_rate:.0%} of studies, "
    return f"{name} {rate}a diffuse segment at adjusted Rand {ari:.2f}"


def method_choice(method: str, types: tuple[str, ...]) -> str | None:
    """The journal sentence saying why ``auto`` chose ``method`` for items of ``types``."""
    if "choice" in types and method in ("kmodes", "kprototypes"):
        return (
            "choice answers have no order, so they are compared by matching (k-means would "
            "treat option numbers as distances)"
        )
    kinds = set(types)
    kind = (
        "boolean"
        if kinds == {"boolean"}
        else "likert"
        if kinds <= {"likert", "number"}
        else "mixed"
    )
    default, own, others = MEASURED[kind]
    if default != method:
        return None
    text = "measured in benchmarks/bench_choose_k.py: " + "; ".join(
        _figures(*f) for f in (own, *others)
    )
    if kind == "boolean":
        text += (
            ". On these figures k-means on 0/1 answers does at least as well; k-modes is still "
            "the default for True/False items (its distance reads as 'questions answered "
            "differently'), and --method kmeans is the choice when a segment answers loosely "
            "(many items at random), which k-modes may split"
        )
    return text
