"""Sample-size planning: how often would a wave of n respondents give each persona its verdict?

For every sample size and noise level of a grid, ``runs`` waves are simulated from the study's
planted truth (its ``truth.yaml``, or one segment per hand-made persona), written and read
back as a survey export, cleaned, segmented and compared, exactly as ``personas run`` does
(no map, no report), on the machine's cores (joblib processes). The right verdict of each
persona and the right k follow from what was planted (see :func:`expected_outcome`).

One shortcut, which changes no result: the bootstrap stability of the k sweep is measured
only for the k values the choice of k depends on (``segment(..., stability="needed")``), not
for every k as ``personas run`` does for its report. The chosen k, its segments, its refits
and so the verdicts are exactly those ``personas run`` would get on the same wave and seed.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from personas.errors import InputError, PersonasWarning, Problem

__all__ = [
    "PlanWarning",
    "Plan",
    "check_grid",
    "indistinguishable",
    "expected_outcome",
    "simulate_plan",
]

MIN_N = 50
SHORTCUT = (
    "bootstrap stability measured only for the k values the choice of k depends on; the "
    "chosen k, its refits and the verdicts are those `personas run` gets on the same wave"
)


class PlanWarning(PersonasWarning):
    """Some personas cannot be told apart on the study's questions: their verdict is merged."""


@dataclass(frozen=True, repr=False)
class Plan:
    """Per grid cell (noise, n) and persona: how often the simulated waves got it right.

    ``rows``: one dict per noise, n and persona: ``persona``, ``name``, ``noise``, ``n``,
    ``right`` (waves with the expected verdict), ``p``, ``low``, ``high`` (Wilson 95%),
    ``both`` (expected verdict and right k). ``k_rows``: per noise and n, the same for k.
    ``expected``: persona → expected verdict; ``right_k``; ``needed``: per persona and noise,
    the smallest n of the grid from which on ``p`` stays at or above 0.8 and 0.9.
    """

    study: str
    grid: dict
    expected: dict
    right_k: int
    rows: tuple[dict, ...]
    k_rows: tuple[dict, ...]
    needed: tuple[dict, ...]
    groups: tuple[tuple[str, ...], ...]
    random_state: int

    def __repr__(self) -> str:
        g = self.grid
        return f"Plan({self.study!r}, n={g['n']}, noise={g['noise']}, runs={g['runs']})"

    def to_dict(self) -> dict:
        return {
            "schema": "personas/plan@1",
            "study": self.study,
            "grid": dict(self.grid),
            "seed": self.random_state,
            "pipeline": {"steps": "read, clean, segment, compare", "stability": SHORTCUT},
            "expected": {"verdicts": dict(self.expected), "k": self.right_k},
            "indistinguishable": [list(g) for g in self.groups],
            "personas": list(self.rows),
            "k": list(self.k_rows),
            "needed": list(self.needed),
        }


def check_grid(n: Sequence[int], noise: Sequence[float], runs: int) -> None:
    """Refuse a bad grid, every problem at once, each naming its option."""
    problems = []
    small = [v for v in n if v < MIN_N]
    if not n or small:
        problems.append(
            Problem(
                f"The 'n' option (--n) must list sample sizes of at least {MIN_N}. "
                f"Got {small or list(n)} instead.",
                value=str(small or n),
                hint="e.g. --n 200,500,1000",
            )
        )
    bad = [v for v in noise if not 0 <= v <= 0.5]
    if not noise or bad:
        problems.append(
            Problem(
                f"The 'noise' option (--noise) must list noise levels between 0 and 0.5. "
                f"Got {bad or list(noise)} instead.",
                value=str(bad or noise),
                hint="e.g. --noise 0.1,0.2",
            )
        )
    if runs < 1:
        problems.append(
            Problem(
                f"The 'runs' option (--runs) must be at least 1. Got {runs} instead.",
                value=str(runs),
                hint="e.g. --runs 20",
            )
        )
    if problems:
        raise InputError(problems)


def indistinguishable(instrument) -> list[tuple[str, ...]]:
    """Groups (2 or more) of personas expecting the same answer on every question they share."""
    from personas.instrument.expectations import expected_answers

    frame = expected_answers(instrument.personas, instrument.items)
    values = frame.to_numpy()
    ids = list(frame.index)
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            both = ~np.isnan(values[i]) & ~np.isnan(values[j])
            if both.any() and np.allclose(values[i, both], values[j, both]):
                parent[root(j)] = root(i)
    groups: dict[int, list[str]] = {}
    for i, pid in enumerate(ids):
        groups.setdefault(root(i), []).append(pid)
    return [tuple(g) for g in groups.values() if len(g) > 1]


def expected_outcome(instrument, truth, groups, *, from_file: bool) -> tuple[dict, int]:
    """The verdict each persona should get, and the right k, from what is planted.

    A persona planted in no segment should be *unsupported*, in several *split*; sharing its
    segment with another persona, or indistinguishable from another planted persona,
    *merged*; otherwise *confirmed*. The right k is the number of planted segments (without a
    truth file, indistinguishable personas plant one segment between them).
    """
    group_of = {p: i for i, g in enumerate(groups) for p in g}
    planted = {p.id: [s for s in truth.segments if p.id in s.personas] for p in instrument.personas}
    verdicts = {}
    for pid, segs in planted.items():
        if not segs:
            verdicts[pid] = "unsupported"
        elif len(segs) > 1:
            verdicts[pid] = "split"
        else:
            twins = [
                q
                for q in planted
                if q != pid
                and planted[q]
                and (q in segs[0].personas or group_of.get(q, -1) == group_of.get(pid, -2))
            ]
            verdicts[pid] = "merged" if twins else "confirmed"
    if from_file:
        right_k = len(truth.segments)
    else:
        right_k = len({group_of.get(s.personas[0], s.personas[0]) for s in truth.segments})
    return verdicts, right_k


@lru_cache(maxsize=4)
def _study(study_dir: str, truth_path: str | None):
    from personas.instrument import load_instrument
    from personas.simulate import Truth, load_truth

    instrument = load_instrument(Path(study_dir))
    truth = (
        load_truth(Path(truth_path), instrument) if truth_path else Truth.from_personas(instrument)
    )
    return instrument, truth


def _one_wave(study_dir: str, truth_path: str | None, n: int, noise: float, seed: int) -> dict:
    """One simulated wave through read → clean → segment → compare: k and the verdicts."""
    from personas.cleaning import clean
    from personas.compare import compare
    from personas.io import read_responses
    from personas.segment import segment
    from personas.simulate import simulate, write_wave

    instrument, truth = _study(study_dir, truth_path)
    truth = replace(
        truth, noise=noise, segments=tuple(replace(s, noise=None) for s in truth.segments)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate sweeps are part of what is measured
        sim = simulate(instrument, n=n, random_state=seed, truth=truth)
        with tempfile.TemporaryDirectory(prefix="personas-plan-") as tmp:
            path = write_wave(sim, Path(tmp) / "wave.csv")
            responses = read_responses(path, instrument)
        seg = segment(clean(responses), random_state=seed, stability="needed", n_jobs=1)
        comparison = compare(seg, instrument)
    return {"k": int(seg.k), "verdicts": {v.persona: v.verdict for v in comparison.verdicts}}


def _seed(random_state: int, *cell: int) -> int:
    return int(np.random.SeedSequence([random_state, *cell]).generate_state(1)[0])


def simulate_plan(
    study_dir: str | Path,
    *,
    n: Sequence[int] = (200, 500, 1000, 2000, 5000),
    noise: Sequence[float] = (0.1, 0.2),
    runs: int = 20,
    truth: str | Path | None = None,
    random_state: int = 0,
    n_jobs: int = -1,
) -> Plan:
    """Simulate the grid and count how often each persona gets its expected verdict.

    Raises
    ------
    InputError
        A bad grid (each option named), or personas that cannot be told apart at all (every
        persona expects the same answers): said before any simulation.

    Warns
    -----
    PlanWarning
        Some personas cannot be told apart: their expected verdict is *merged*.
    """
    from joblib import Parallel, delayed

    n, noise = [int(v) for v in n], [float(v) for v in noise]
    check_grid(n, noise, runs)
    study_dir = Path(study_dir)
    default = study_dir / "truth.yaml"
    truth_path = Path(truth) if truth is not None else (default if default.is_file() else None)
    instrument, planted = _study(str(study_dir), str(truth_path) if truth_path else None)
    groups = indistinguishable(instrument)
    _refuse_or_warn(instrument, groups)
    expected, right_k = expected_outcome(
        instrument, planted, groups, from_file=truth_path is not None
    )
    cells = [(i, j, r) for j in range(len(noise)) for i in range(len(n)) for r in range(runs)]
    results = Parallel(n_jobs=n_jobs)(
        delayed(_one_wave)(
            str(study_dir),
            str(truth_path) if truth_path else None,
            n[i],
            noise[j],
            _seed(random_state, i, j, r),
        )
        for i, j, r in cells
    )
    return _aggregate(
        instrument, n, noise, runs, cells, results, expected, right_k, groups, random_state
    )


def _refuse_or_warn(instrument, groups) -> None:
    names = {p.id: p.name for p in instrument.personas}
    if len(instrument.personas) >= 2 and groups and len(groups[0]) == len(instrument.personas):
        raise InputError(
            Problem(
                "the study's personas cannot be told apart on its questions: they all expect the "
                "same answers",
                file=str(instrument.path) if instrument.path else None,
                hint="give the personas different tension positions or answers before planning",
            )
        )
    for g in groups:
        warnings.warn(
            f"{' and '.join(names[p] for p in g)} expect the same answers on every question "
            "they share: no sample size tells them apart; their right verdict is 'merged'",
            PlanWarning,
            stacklevel=3,
        )


def _aggregate(instrument, n, noise, runs, cells, results, expected, right_k, groups, seed) -> Plan:
    from personas.segment import wilson_interval

    names = {p.id: p.name for p in instrument.personas}
    rows, k_rows, needed = [], [], []
    for j, level in enumerate(noise):
        for i, size in enumerate(n):
            here = [res for (a, b, _), res in zip(cells, results, strict=True) if a == i and b == j]
            k_ok = np.array([res["k"] == right_k for res in here])
            low, high = wilson_interval(k_ok.sum(), len(here))
            k_rows.append(
                {
                    "noise": level,
                    "n": size,
                    "right": int(k_ok.sum()),
                    "runs": len(here),
                    "p": float(k_ok.mean()),
                    "low": float(low),
                    "high": float(high),
                    "k": [int(res["k"]) for res in here],
                }
            )
            for pid, verdict in expected.items():
                ok = np.array([res["verdicts"].get(pid) == verdict for res in here])
                low, high = wilson_interval(ok.sum(), len(here))
                rows.append(
                    {
                        "persona": pid,
                        "name": names[pid],
                        "noise": level,
                        "n": size,
                        "expected": verdict,
                        "right": int(ok.sum()),
                        "runs": len(here),
                        "p": float(ok.mean()),
                        "low": float(low),
                        "high": float(high),
                        "both": float((ok & k_ok).mean()),
                    }
                )
        for pid in expected:
            curve = [r["p"] for r in rows if r["persona"] == pid and r["noise"] == level]
            needed.append(
                {
                    "persona": pid,
                    "name": names[pid],
                    "noise": level,
                    "80": _smallest(n, curve, 0.8),
                    "90": _smallest(n, curve, 0.9),
                }
            )
    grid = {"n": list(n), "noise": list(noise), "runs": runs}
    return Plan(
        study=instrument.study_id,
        grid=grid,
        expected=expected,
        right_k=right_k,
        rows=tuple(rows),
        k_rows=tuple(k_rows),
        needed=tuple(needed),
        groups=tuple(groups),
        random_state=seed,
    )


def _smallest(sizes: Sequence[int], curve: Sequence[float], level: float) -> int | None:
    """The smallest size from which on the curve stays at or above ``level`` (None: never)."""
    found = None
    for size, p in zip(reversed(list(sizes)), reversed(list(curve)), strict=True):
        if p < level:
            break
        found = size
    return found
