"""The fuzz suite's long mode: many seeded cases, a tally of outcomes, every finding listed.

    python benchmarks/fuzz_long.py                     # 2,000 cases, seed 0
    python benchmarks/fuzz_long.py --cases 300 --seed 7
    python benchmarks/fuzz_long.py --only wave         # one target: wave, instrument, run

Runs the cases of ``tests/_fuzz.py`` (the same ones ``tests/test_fuzz.py`` runs: half of them
damage a wave, a quarter an instrument, a quarter a run folder; the test suite's short mode,
100 cases of seed 0, is the first of each) in this process and prints, per target, how
many ended in a clean refusal (exit code 2), a good run, an internal error, a wrong outcome
(a refusal that names no file or wrote something, a run whose ledger does not add up) or a
hang (the per-case time limit), the median and slowest case time, and each finding with its
case name and damage, to replay with ``PERSONAS_FUZZ_CASES`` / ``PERSONAS_FUZZ_SEED`` and
``pytest tests/test_fuzz.py -k NAME``. Known findings (fixed on another branch, see
``tests/test_fuzz.py``) are counted apart. Exit code 1 when there is any unknown finding.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import _fuzz  # noqa: E402
from test_fuzz import known_issue  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--only", choices=["wave", "instrument", "run"])
    args = parser.parse_args()
    tally: dict[str, Counter] = {}
    seconds: list[float] = []
    findings = []
    slowest: list = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="personas-fuzz-") as tmp:
        root = Path(tmp)
        bases = _fuzz.build_bases(root / "bases")
        for target, index in _fuzz.plan(args.cases):
            if args.only and target != args.only:
                continue
            folder = root / "cases" / f"{target}-{index}"
            case = _fuzz.make_case(bases, target, index, folder, seed=args.seed)
            outcome = _fuzz.execute(case, timeout=args.timeout)
            kind = outcome.kind
            if kind not in ("ok", "refused"):
                reason = known_issue(case, outcome)
                kind = "known" if reason else kind
                findings.append((case, outcome, reason))
            tally.setdefault(target, Counter())[kind] += 1
            seconds.append(outcome.seconds)
            slowest = sorted([*slowest, (outcome.seconds, case.name, case.damage)])[-5:]
            _fuzz.shutil.rmtree(folder, ignore_errors=True)
    kinds = ["refused", "ok", "known", "internal", "wrong", "hang"]
    print(f"{'target':<12}" + "".join(f"{k:>10}" for k in kinds))
    for target, counts in tally.items():
        print(f"{target:<12}" + "".join(f"{counts[k]:>10}" for k in kinds))
    print(
        f"{len(seconds)} cases in {time.perf_counter() - started:.1f} s; per case median "
        f"{statistics.median(seconds):.3f} s, slowest {max(seconds):.2f} s"
    )
    for took, name, damage in reversed(slowest):
        print(f"  slow: {name} {took:.2f} s ({' + '.join(damage)})")
    unknown = 0
    for case, outcome, reason in findings:
        label = f"known ({reason})" if reason else outcome.kind.upper()
        unknown += reason is None
        lines = outcome.detail.strip().splitlines() or [""]
        line = next((x for x in lines if x.startswith(("internal", "uncaught"))), lines[-1])
        print(f"\n{label}: {case}\n  {line[:300]}")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
