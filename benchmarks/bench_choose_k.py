"""Benchmark: how often is the true number of segments recovered? (not a unit test; prints rates)

    python benchmarks/bench_choose_k.py --quick          # a few minutes on one core
    python benchmarks/bench_choose_k.py --grid issue --rows /tmp/ck --chunk 0/2   # and 1/2
    python benchmarks/bench_choose_k.py --grid issue --rows /tmp/ck --aggregate   # the tables
    python benchmarks/bench_choose_k.py                  # the full grid (hours)
    python benchmarks/bench_choose_k.py --seeds tune     # the seeds the rule was tuned on

Every dataset is one *task*; each finished task is one CSV row under ``--rows`` (default: a
new temporary folder), so a long run can be split into parallel-safe chunks (``--chunk I/N``
does every N-th task, each chunk writes its own file), stopped and resumed (tasks already in
the folder are skipped), and aggregated later (``--aggregate`` prints the tables from the rows
without fitting anything). ``--only`` picks sections: ``recovery`` (the grid), ``nulls``,
``diffuse``. Grids (``--grid``): ``quick``, ``medium``, ``issue`` (k 2, 3, 4, 6, 8 x equal or
8% shares x noise 10%, 20% x boolean, likert, mixed at n = 800, about 20 CPU-minutes with 20
seeds), ``mixed8`` (k-prototypes at k = 4 and 8), ``kmeans01`` (its boolean cells with k-means
on 0/1), ``extremes`` (a 6% segment at noise 5% and 25%), ``large`` (n = 5,000 and 20,000),
``huge`` (n = 100,000: the starts are screened on a sample there),
``full`` (the issue's whole grid, days on 2 cores) and ``full-small`` (the full grid at n = 500
and 2,000).

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
import functools
import itertools
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _bench_rows import Chunk, parse_chunk, read_rows, run_tasks

from personas.cleaning.model import CleanResponses, Ledger
from personas.instrument.model import Instrument, Question, Scale
from personas.io.responses import Source

REPO = Path(__file__).resolve().parents[1]
D = 24
SEED_RANGES = {"tune": 0, "report": 1000}
SECTIONS = ["recovery", "nulls", "diffuse"]


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
CELLS = ["items", "method", "n", "k", "shares", "noise"]


def one(task: dict) -> dict:
    """One planted study through the sweep: what each criterion and the tool chose."""
    from personas.segment import segment

    items, n, k, noise, seed = (task[c] for c in ("items", "n", "k", "noise", "seed"))
    clean, _ = plant(items, n, k, shares_for(k, task["shares"]), noise, seed)
    t0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment(clean, method=task["method"], random_state=seed)
    row = rules(seg.selection.table, seg.selection.knee)
    row["tool"] = seg.k
    row["clear"] = seg.selection.structure.get("clear")
    row["cpu_s"] = round(time.process_time() - t0, 3)
    table = seg.selection.table[["k", "cost", "silhouette", "stability", "min_jaccard"]]
    row["sweep"] = json.dumps(table.round(5).to_dict("list"), default=float)
    return row


def recovery(df: pd.DataFrame, first_seed: int) -> pd.DataFrame:
    """Print the recovery tables of the rows (one per seed and cell)."""
    df = df.copy()
    for c in CRITERIA:
        df[c] = pd.to_numeric(df[c], errors="coerce") == df["k"]
    seeds = df.groupby(CELLS)["seed"].nunique()
    kind = "held-out" if first_seed else "TUNING"
    print(
        f"\nRecovery of the planted k (% of seeds; {kind} seeds from {first_seed}; "
        f"{seeds.min()}..{seeds.max()} seeds per cell; {len(df)} sweeps, "
        f"{df['cpu_s'].sum() / 60:.1f} CPU-min)"
    )
    table = df.groupby(CELLS)[CRITERIA].mean().mul(100).round(0).astype(int)
    table["seeds"] = seeds
    print(table.to_string())
    for method, part in df.groupby("method"):
        print(
            f"\noverall ({method}, {len(part)} sweeps):",
            ", ".join(f"{c} {part[c].mean():.0%}" for c in CRITERIA),
        )
    target = df[(df["shares"] != "small6") & (df["noise"] <= 0.20)]
    for method, part in target.groupby("method"):
        cell = part.groupby(CELLS)["tool"].mean()
        short = cell[cell < 0.8]
        print(
            f"{method}: cells with every segment >= 8% at noise <= 20%: tool "
            f"{part['tool'].mean():.0%} overall; {len(short)} of {len(cell)} cells below 80%"
            + "".join(f"\n  short: {ix} {v:.0%}" for ix, v in short.items())
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


NULL_KINDS = ("independent", "acquiescence", "uniform")


def null_one(task: dict) -> dict:
    """One null dataset on the example study: the structure test and the verdicts."""
    from personas.compare import compare
    from personas.segment import segment

    inst = _jobsite()
    rates = np.random.default_rng(7).uniform(0.25, 0.75, len(inst.items))
    X = null_answers(task["kind"], task["n"], rates, np.random.default_rng([task["seed"], 99]))
    t0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment(clean_from(inst, X), random_state=task["seed"])
        c = compare(seg, inst)
    st = seg.selection.structure
    return {
        "chosen_k": seg.k,
        "clear": st.get("clear"),
        "gap": st.get("gap"),
        "z": st.get("z"),
        "confirmed": c.count("confirmed"),
        "new": len(c.new_segments),
        "unstable": len(c.unstable_segments),
        "cpu_s": round(time.process_time() - t0, 3),
    }


@functools.cache
def _jobsite():
    from personas.instrument import load_instrument

    return load_instrument(REPO / "surveys" / "jobsite")


def null_report(df: pd.DataFrame) -> None:
    """Per null kind: share with no persona confirmed, share reported as no clear segments."""
    print(
        f"\nNull data (the example study's {int(df['n'].iloc[0])} respondents x its True/False "
        f"items and personas; seeds from {int(df['seed'].min())}; "
        f"{df['cpu_s'].sum() / 60:.1f} CPU-min)"
    )
    for kind, part in df.groupby("kind", sort=False):
        clear = part["clear"].astype(str)
        none = (part["confirmed"] == 0).mean()
        print(
            f"  {kind:13s} {len(part):4d} datasets: no persona confirmed {none:5.1%} (target >= "
            f"95%); 'no clear segments' {(clear == 'False').mean():5.1%}; any new segment "
            f"{(part['new'] > 0).mean():5.1%}; median gap {part['gap'].median():.3f}, "
            f"chosen k {part['chosen_k'].mode().iloc[0]}"
        )


DIFFUSE_METHODS = {
    "boolean": ("kmodes", "kmeans", "ward"),
    "likert": ("kmeans", "kmodes", "ward"),
    "mixed": ("kprototypes", "kmeans", "kmodes", "ward"),
}


def diffuse_one(task: dict) -> dict:
    """A planted diffuse segment (the last 25%: 60% of answers at random, others 10%): how
    well each method recovers it at k = 4, and which k its sweep chooses."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score

    from personas.segment import segment

    clean, truth = plant(
        task["items"], task["n"], 4, np.full(4, 0.25), 0.1, task["seed"], diffuse=0.6
    )
    t0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task["method"] == "ward":  # the alternative: Ward's linkage on the rescaled answers
            X = clean.answers.to_numpy()
            X = np.where(X > 1, (X - 1) / 4, X)
            labels, chosen = AgglomerativeClustering(4, linkage="ward").fit_predict(X), None
        else:
            at4 = segment(clean, method=task["method"], k=4, n_boot=0, random_state=task["seed"])
            auto = segment(clean, method=task["method"], random_state=task["seed"])
            labels, chosen = at4.labels.to_numpy(), auto.k
    members = pd.Series(labels[truth == 3])
    return {
        "ari": round(adjusted_rand_score(truth, labels), 4),
        "diffuse_kept": round(members.value_counts(normalize=True).iloc[0], 4),
        "chosen_k": chosen,
        "cpu_s": round(time.process_time() - t0, 3),
    }


def diffuse_report(df: pd.DataFrame) -> None:
    print(
        f"\nA diffuse segment (k = 4 equal shares; the last segment answers 60% of items at "
        f"random, the others 10%; n = {int(df['n'].iloc[0])}; {df['seed'].nunique()} seeds; "
        f"{df['cpu_s'].sum() / 60:.1f} CPU-min)"
    )
    for (items, method), part in df.groupby(["items", "method"], sort=False):
        ks = pd.to_numeric(part["chosen_k"], errors="coerce")
        chose = "" if ks.isna().all() else f"; sweep chooses k = 4 in {(ks == 4).mean():4.0%}"
        print(
            f"  {items:8s} {method:12s} ARI at k = 4 median {part['ari'].median():.2f} (min "
            f"{part['ari'].min():.2f}); diffuse members kept together median "
            f"{part['diffuse_kept'].median():.0%}{chose}"
        )


GRIDS = {
    # (items, method, n, k, shares, noise)
    "quick": [(["boolean", "likert"], ["auto"], [800], [3, 6], ["equal", "small8"], [0.1, 0.2])],
    "medium": [
        (["boolean", "likert", "mixed"], ["auto"], [800], [2, 4, 6, 8], ["equal", "small8"],
         [0.1, 0.2])
    ],
    "issue": [  # the grid of the README's table: <= 60 CPU-minutes on the 2-core machine
        (["boolean", "likert", "mixed"], ["auto"], [800], [2, 3, 4, 6, 8], ["equal", "small8"],
         [0.1, 0.2]),
    ],
    "mixed8": [  # k-prototypes at k = 4 and 8: where its seeding decides recovery
        (["mixed"], ["auto"], [800], [4, 8], ["equal", "small8"], [0.1, 0.2]),
    ],
    "kmeans01": [  # the boolean cells of "issue" with k-means on 0/1 answers (method choice)
        (["boolean"], ["kmeans"], [800], [2, 3, 4, 6, 8], ["equal", "small8"], [0.1, 0.2]),
    ],
    "extremes": [  # the grid's corners the issue names: 6% segment, noise 5% and 25%
        (["boolean", "likert", "mixed"], ["auto"], [800], [3, 6], ["small6"], [0.05, 0.25])
    ],
    "large": [
        (["boolean", "likert", "mixed"], ["auto"], [5000], [4, 8], ["small8"], [0.2]),
        (["boolean", "likert"], ["auto"], [20000], [6], ["small8"], [0.2]),
    ],
    "huge": [  # above SCREEN_ROWS: the starts of the fit on all respondents are screened
        (["boolean", "likert"], ["auto"], [100000], [6, 8], ["small8"], [0.2]),
    ],
    "full": [
        (["boolean", "likert", "mixed"], ["auto"], [500, 2000, 20000], range(2, 9),
         ["equal", "small8", "small6"], [0.05, 0.15, 0.25])
    ],
    "full-small": [  # the full grid without n = 20,000 (about 16 CPU-minutes a seed)
        (["boolean", "likert", "mixed"], ["auto"], [500, 2000], range(2, 9),
         ["equal", "small8", "small6"], [0.05, 0.15, 0.25])
    ],
}  # fmt: skip


def recovery_tasks(grid: str, first: int, n_seeds: int) -> list[dict]:
    """Seed-major: a run stopped early leaves every cell with the same number of seeds (+-1)."""
    return [
        dict(zip(CELLS, cell, strict=True), seed=seed)
        for seed in range(first, first + n_seeds)
        for block in GRIDS[grid]
        for cell in itertools.product(*block)
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick grid, 3 seeds, 10 nulls")
    ap.add_argument("--grid", choices=sorted(GRIDS), help="the recovery grid (default: full)")
    ap.add_argument("--seeds", choices=sorted(SEED_RANGES), default="report")
    ap.add_argument("--n-seeds", type=int, help="seeds per recovery cell (default 20)")
    ap.add_argument("--null-sets", type=int, help="null datasets per kind (default 100)")
    ap.add_argument("--null-n", type=int, default=500, help="respondents per null dataset")
    ap.add_argument("--diffuse-seeds", type=int, help="seeds of the diffuse study (default 20)")
    ap.add_argument("--diffuse-n", type=int, default=800)
    ap.add_argument("--rows", type=Path, help="folder of per-seed CSV rows (resumable)")
    ap.add_argument("--chunk", type=parse_chunk, default=Chunk((0, 1)), help="I/N: every N-th")
    ap.add_argument("--aggregate", action="store_true", help="only print tables from --rows")
    ap.add_argument("--only", nargs="*", default=SECTIONS, choices=SECTIONS)
    args = ap.parse_args(argv)
    first = SEED_RANGES[args.seeds]
    quick = args.quick
    rows = args.rows or Path(tempfile.mkdtemp(prefix="bench-choose-k-"))
    plan = {
        "recovery": (
            recovery_tasks(args.grid or ("quick" if quick else "full"), first,
                           args.n_seeds or (3 if quick else 20)),
            one, CELLS + ["seed"], lambda df: recovery(df, first),
        ),
        "nulls": (
            [{"kind": kind, "n": 600 if quick else args.null_n, "seed": s}
             for s in range(first, first + (args.null_sets or (10 if quick else 100)))
             for kind in NULL_KINDS],
            null_one, ["kind", "n", "seed"], null_report,
        ),
        "diffuse": (
            [{"items": items, "method": m, "n": 800 if quick else args.diffuse_n, "seed": s}
             for s in range(first, first + (args.diffuse_seeds or (3 if quick else 20)))
             for items, methods in DIFFUSE_METHODS.items() for m in methods],
            diffuse_one, ["items", "method", "n", "seed"], diffuse_report,
        ),
    }  # fmt: skip
    t0 = time.perf_counter()
    for section in args.only:
        tasks, work, keys, report = plan[section]
        if not args.aggregate:
            tag = (args.grid or "") if section == "recovery" else ""
            run_tasks(rows, section, tasks, work, chunk=args.chunk, keys=keys, tag=tag)
        df = read_rows(rows, section)
        wanted = {tuple(str(t[k]) for k in keys) for t in tasks}
        if len(df):
            df = df[[tuple(r) in wanted for r in df[keys].astype(str).itertuples(index=False)]]
        if len(df):
            report(df.drop_duplicates(keys))
    print(f"\nrows in {rows}; {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
