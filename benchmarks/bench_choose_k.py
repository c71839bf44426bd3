"""Benchmark: how often is the true number of segments recovered? (not a unit test; prints rates)

    python benchmarks/bench_choose_k.py --quick          # a few minutes on one core
    python benchmarks/bench_choose_k.py                  # the full grid (hours)
    python benchmarks/bench_choose_k.py --seeds tune     # the seeds the rule was tuned on

Planted studies are drawn directly with numpy: ``k`` prototype answer patterns (distinct, at
least a quarter of the items apart), respondents drawn from them with equal or unequal shares
(the unequal shares include one segment of 8%, or 6% in the full grid), and each answer
replaced by a random one with probability ``noise``. Items are boolean (k-modes), likert 1..5
(k-means) or half and half (k-prototypes), 24 of them. Every dataset goes through the real
``personas.segment`` k sweep over 2..10 with its defaults (the same code path and bootstrap
refits ``personas run`` uses), and the printed tables say, per cell and overall, how often each
criterion alone and the tool's rule recover the planted k:

* ``elbow``: the kneedle elbow of the cost curve;
* ``silhouette``: the k of the highest silhouette;
* ``stability``: the k whose refits agree most (adjusted Rand index);
* ``stable+sil``: the highest silhouette among the k whose segments are all stable;
* ``old rule``: the rule before issue 13 (the elbow if stable, else ``stable+sil``);
* ``gap``: not a separate column; the gap against column-permuted answers is the structure
  test (``personas.segment._structure``) of the null section below;
* ``tool``: what ``segment`` chose (the rule in ``personas.segment._reasons``).

Then null data, where no k is true (independent answers with the example study's answer rates;
one acquiescence factor; uniform random) on the example study's instrument: how often the
structure test says "no clear segments" and how often any hand-made persona is confirmed; and a
planted *diffuse* segment (members answer 60% of the items at random): adjusted Rand index of
k-modes and k-means on 0/1 answers at the planted k.

Seeds: the rule was tuned on seeds 0..99 (``--seeds tune``); the default reports on the
held-out seeds 1000 and up, and the output says which range it used.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from personas.cleaning.model import CleanResponses, Ledger
from personas.instrument.model import Instrument, Question, Scale
from personas.io.responses import Source

REPO = Path(__file__).resolve().parents[1]
D = 24
SEED_RANGES = {"tune": 0, "report": 1000}


def _instrument(kind: str, d: int = D) -> Instrument:
    qs = []
    for j in range(d):
        likert = kind == "likert" or (kind == "mixed" and j % 2)
        scale = Scale(1, 5) if likert else None
        qs.append(Question(f"q{j:02d}", "?", "likert" if likert else "boolean", scale=scale))
    return Instrument("bench", "Bench", (), tuple(qs))


def clean_from(instrument: Instrument, codes: np.ndarray) -> CleanResponses:
    """CleanResponses holding ``codes`` (no reading, no cleaning: the sweep is measured)."""
    n = codes.shape[0]
    ids = [f"r{i:05d}" for i in range(n)]
    answers = pd.DataFrame(
        codes, index=pd.Index(ids, name="respondent"), columns=[q.id for q in instrument.items]
    )
    ledger = Ledger(
        pd.DataFrame(
            {
                "respondent": ids,
                "row": np.arange(2, n + 2),
                "status": "kept",
                "reason": "",
                "other_reasons": "",
            }
        )
    )
    return CleanResponses(
        instrument,
        answers,
        ledger,
        Source(Path("bench.csv"), "csv", "0" * 64),
        {"rule": "auto", "cells": 0},
    )


def shares_for(k: int, kind: str) -> np.ndarray:
    """Equal shares, or unequal ones with one small segment (``small8``: 8%, ``small6``: 6%)
    and the rest falling off geometrically."""
    if kind == "equal":
        return np.full(k, 1 / k)
    small = {"small8": 0.08, "small6": 0.06}[kind]
    rest = 0.75 ** np.arange(k - 1)
    return np.concatenate([(1 - small) * rest / rest.sum(), [small]])


def _prototypes(rng, k: int, levels: list[np.ndarray]) -> np.ndarray:
    """k answer patterns, pairwise at least a quarter of the items apart."""
    d = len(levels)
    while True:
        protos = np.column_stack([rng.choice(lv, size=k) for lv in levels])
        diff = (protos[:, None, :] != protos[None, :, :]).sum(axis=2)
        if k == 1 or diff[np.triu_indices(k, 1)].min() >= d // 4:
            return protos.astype(float)


def plant(
    items: str, n: int, k: int, shares: np.ndarray, noise: float, seed: int, diffuse: float = 0.0
):
    """(codes, truth): respondents from k prototypes; an answer is random with prob. ``noise``
    (the last segment with prob. ``diffuse`` when given)."""
    rng = np.random.default_rng([seed, k, n, int(noise * 100)])
    inst = _instrument(items)
    likert = np.array([q.type == "likert" for q in inst.items])
    levels = [np.array([1, 2, 4, 5]) if lk else np.array([0, 1]) for lk in likert]
    protos = _prototypes(rng, k, levels)
    truth = rng.choice(k, size=n, p=shares)
    X = protos[truth]
    jitter = np.clip(np.rint(X + rng.normal(0, 0.5, X.shape)), 1, 5)
    X = np.where(likert, jitter, X)
    p = np.where(truth == k - 1, diffuse, noise)[:, None] if diffuse else noise
    rand = np.where(likert, rng.integers(1, 6, X.shape), rng.integers(0, 2, X.shape))
    X = np.where(rng.random(X.shape) < p, rand, X)
    return clean_from(inst, X.astype(float)), truth


def rules(table: pd.DataFrame, knee) -> dict[str, int | None]:
    """What each criterion alone, and the rule before issue 13, would choose from a sweep."""
    ok = table[table["status"] == "ok"].set_index("k")
    stable = ok[ok["min_jaccard"] >= 0.75]
    sil = ok["silhouette"].idxmax()
    stable_sil = stable["silhouette"].idxmax() if len(stable) else sil
    old = knee if knee is not None and knee in stable.index else stable_sil
    return {
        "elbow": knee,
        "silhouette": int(sil),
        "stability": int(ok["stability"].idxmax()),
        "stable+sil": int(stable_sil),
        "old rule": None if old is None else int(old),
    }


CRITERIA = ["elbow", "silhouette", "stability", "stable+sil", "old rule", "tool"]


def one(items, n, k, share_kind, noise, seed):
    from personas.segment import segment

    clean, _ = plant(items, n, k, shares_for(k, share_kind), noise, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment(clean, random_state=seed)
    row = rules(seg.selection.table, seg.selection.knee)
    row["tool"] = seg.k
    row.update(items=items, n=n, k=k, shares=share_kind, noise=noise, seed=seed)
    row["table"] = seg.selection.table.to_dict("list")
    row["knee"] = seg.selection.knee
    return row


def recovery(rows: list[dict], quick: bool, first_seed: int, n_seeds: int) -> pd.DataFrame:
    df = pd.DataFrame(rows).drop(columns=["table", "knee"])
    for c in CRITERIA:
        df[c] = df[c] == df["k"]
    cells = ["items", "n", "k", "shares", "noise"]
    table = df.groupby(cells)[CRITERIA].mean().mul(100).round(0).astype(int)
    print(
        f"\nRecovery of the planted k (% of seeds; held-out seeds {first_seed}.."
        f"{first_seed + n_seeds - 1})"
        if first_seed
        else f"\nRecovery of the planted k (% of seeds; TUNING seeds {first_seed}.."
        f"{first_seed + n_seeds - 1})"
    )
    print(table.to_string())
    print("\noverall:", ", ".join(f"{c} {df[c].mean():.0%}" for c in CRITERIA))
    target = df[(df["shares"] != "small6") & (df["noise"] <= 0.20)]
    cell = target.groupby(cells)["tool"].mean()
    short = cell[cell < 0.8]
    print(
        f"cells with every segment >= 8% at noise <= 20%: tool {target['tool'].mean():.0%} "
        f"overall; {len(short)} of {len(cell)} cells below 80%"
        + ("".join(f"\n  short: {ix} {v:.0%}" for ix, v in short.items()))
    )
    return df


def null_answers(kind: str, n: int, rates: np.ndarray, rng) -> np.ndarray:
    d = rates.size
    if kind == "independent":
        return (rng.random((n, d)) < rates).astype(float)
    if kind == "uniform":
        return rng.integers(0, 2, (n, d)).astype(float)
    # one acquiescence factor: each respondent's tendency to say True shifts every item
    logit = np.log(rates / (1 - rates)) + rng.normal(0, 1.0, (n, 1))
    return (rng.random((n, d)) < 1 / (1 + np.exp(-logit))).astype(float)


def nulls(n_sets: int, n: int, first_seed: int) -> None:
    from personas.compare import compare
    from personas.instrument import load_instrument
    from personas.segment import segment
    from personas.segment._space import build_space
    from personas.segment._structure import structure_test

    inst = load_instrument(REPO / "surveys" / "jobsite")
    d = len(inst.items)
    rates = np.random.default_rng(7).uniform(0.25, 0.75, d)
    print(
        f"\nNull data ({n_sets} datasets per kind, n = {n}, {d} True/False items of the example "
        f"study, seeds {first_seed}..{first_seed + n_sets - 1})"
    )
    for kind in ("independent", "acquiescence", "uniform"):
        no_clear = confirmed = new = 0
        costs = []
        for s in range(first_seed, first_seed + n_sets):
            X = null_answers(kind, n, rates, np.random.default_rng([s, 99]))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seg = segment(clean_from(inst, X), random_state=s)
                c = compare(seg, inst)
            st = seg.selection.structure
            no_clear += st.get("clear") is False
            t0 = time.perf_counter()
            structure_test(
                build_space(clean_from(inst, X), "auto"), seg.k, n_init=4, random_state=s
            )
            costs.append(time.perf_counter() - t0)
            confirmed += c.count("confirmed") > 0
            new += len(c.new_segments) > 0
        print(
            f"  {kind:13s} no clear segments {no_clear / n_sets:4.0%}; any persona confirmed "
            f"{confirmed / n_sets:4.0%} (target <= 5%); any new segment {new / n_sets:4.0%}; "
            f"structure test {np.nanmedian(costs):.2f} s median"
        )


def diffuse(n_seeds: int, n: int, first_seed: int) -> None:
    from sklearn.metrics import adjusted_rand_score

    from personas.segment import segment

    print(
        f"\nA diffuse segment (k = 4, the last 25% of respondents answer 60% of items at random, "
        f"others 10% noise; n = {n}; seeds {first_seed}..{first_seed + n_seeds - 1})"
    )
    for method in ("kmodes", "kmeans"):
        aris, ks = [], []
        for s in range(first_seed, first_seed + n_seeds):
            clean, truth = plant("boolean", n, 4, np.full(4, 0.25), 0.1, s, diffuse=0.6)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                at4 = segment(clean, method=method, k=4, n_boot=0, random_state=s)
                auto = segment(clean, method=method, random_state=s)
            aris.append(adjusted_rand_score(truth, at4.labels))
            ks.append(auto.k)
        print(
            f"  {method}: ARI at k = 4 median {np.median(aris):.2f} (min {min(aris):.2f}); "
            f"chosen k = 4 in {np.mean(np.array(ks) == 4):.0%}"
        )


def grid(quick: bool, medium: bool = False):
    if medium:
        return itertools.product(
            ["boolean", "likert", "mixed"], [800], [2, 4, 6, 8], ["equal", "small8"], [0.10, 0.20]
        )
    if quick:
        return itertools.product(
            ["boolean", "likert"], [800], [3, 6], ["equal", "small8"], [0.10, 0.20]
        )
    return itertools.product(
        ["boolean", "likert", "mixed"],
        [500, 2000, 20000],
        range(2, 9),
        ["equal", "small8", "small6"],
        [0.05, 0.15, 0.25],
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", choices=sorted(SEED_RANGES), default="report")
    ap.add_argument("--n-seeds", type=int)
    ap.add_argument("--medium", action="store_true", help="a wider grid at n = 800 (tuning)")
    ap.add_argument("--save", help="write every sweep to this JSON file (for tuning the rule)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["recovery", "nulls", "diffuse"])
    args = ap.parse_args(argv)
    first = SEED_RANGES[args.seeds]
    n_seeds = args.n_seeds or (3 if args.quick else 20)
    t0 = time.perf_counter()
    if "recovery" not in args.skip:
        rows = []
        for items, n, k, shares, noise in grid(args.quick, args.medium):
            for seed in range(first, first + n_seeds):
                rows.append(one(items, n, k, shares, noise, seed))
        if args.save:
            Path(args.save).write_text(json.dumps(rows, default=float))
        recovery(rows, args.quick, first, n_seeds)
    if "nulls" not in args.skip:
        nulls(10 if args.quick else 100, 600 if args.quick else 2000, first)
    if "diffuse" not in args.skip:
        diffuse(3 if args.quick else 20, 800 if args.quick else 2000, first)
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
