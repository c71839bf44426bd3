"""Fuzz suite: random damage to a good wave, instrument or run folder never gives a bug.

Each case (``tests/_fuzz.py``) damages one good input at random (a byte flipped, a file cut
short, a column dropped, renamed or typed wrong, huge or NaN values, empty rows, another
encoding, header rows shuffled; a key deleted or retyped in the instrument, unicode, duplicate
ids, deep nesting; a run file damaged or removed), runs one command in-process and asserts
the outcome is a clean refusal (exit code 2, the file named, nothing written) or a run whose
ledger holds. Never an internal error, never a hang.

Short mode (``make test``): 100 seeded cases. Long mode: ``PERSONAS_FUZZ_CASES=2000`` (and
``PERSONAS_FUZZ_SEED``) here, or ``python benchmarks/fuzz_long.py`` for a tally.

Findings fixed on another branch are *known issues*: a random case that hits one is an
expected failure (``pytest.xfail``), and each has a pinned case below marked
``xfail(strict=True)``, so the fix shows up as an unexpected pass.
"""

from __future__ import annotations

import os
import random
import re

import pytest

import _fuzz
import _fuzz_mutate as m

N_CASES = int(os.environ.get("PERSONAS_FUZZ_CASES", "100"))
SEED = int(os.environ.get("PERSONAS_FUZZ_SEED", "0"))
TIMEOUT = float(os.environ.get("PERSONAS_FUZZ_TIMEOUT", "30"))

# Internal errors fixed on branch i19 (issue #19, item 1): (reason, test on the outcome).
KNOWN = {
    "xlsx of junk XML (openpyxl ParseError)": lambda case, out: "ParseError" in out.detail,
    "too few respondents to segment (NaN to integer in select)": (
        lambda case, out: "cannot convert float NaN to integer" in out.detail
    ),
    "parquet list column (unhashable ndarray)": lambda case, out: "unhashable" in out.detail,
    "deeply nested YAML (RecursionError)": lambda case, out: "RecursionError" in out.detail,
    "damaged summary.json given to report or --baseline": (
        lambda case, out: (
            case.target == "run"
            and case.argv[0] in ("report", "run")
            and any(d.startswith("summary.json") for d in case.damage)
            and out.kind == "internal"
        )
    ),
}


def known_issue(case, outcome) -> str | None:
    """The known issue this failed outcome is, or ``None`` for a new finding."""
    for reason, matches in KNOWN.items():
        if matches(case, outcome):
            return reason
    return None


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    return _fuzz.build_bases(tmp_path_factory.mktemp("fuzz-bases"))


def _assert_clean(case, outcome) -> None:
    if outcome.kind in ("ok", "refused"):
        return
    reason = known_issue(case, outcome)
    if reason:
        pytest.xfail(f"known issue: {reason}")
    pytest.fail(f"{outcome.kind} after {outcome.seconds:.1f} s: {case}\n{outcome.detail}")


@pytest.mark.parametrize(
    ("target", "index"), _fuzz.plan(N_CASES), ids=[f"{t}-{i}" for t, i in _fuzz.plan(N_CASES)]
)
def test_fuzz_case(bases, tmp_path, target, index):
    case = _fuzz.make_case(bases, target, index, tmp_path / "case", seed=SEED)
    _assert_clean(case, _fuzz.execute(case, timeout=TIMEOUT))


def test_the_short_mode_reaches_both_outcomes_and_every_target(bases, tmp_path):
    """The mutations are neither all harmless nor all fatal: both outcomes occur per target."""
    seen = {}
    for target, index in _fuzz.plan(16):
        case = _fuzz.make_case(bases, target, index, tmp_path / f"{target}-{index}", seed=SEED)
        seen.setdefault(target, set()).add(_fuzz.execute(case, timeout=TIMEOUT).kind)
    for target in ("wave", "instrument", "run"):
        assert "refused" in seen[target], (target, seen)
    assert "ok" in seen["wave"], seen


def test_cases_are_deterministic(bases, tmp_path):
    one = _fuzz.make_case(bases, "wave", 7, tmp_path / "a", seed=SEED)
    two = _fuzz.make_case(bases, "wave", 7, tmp_path / "b", seed=SEED)
    assert one.damage == two.damage
    data = re.sub(r"/a/", "/b/", " ".join(one.argv))
    assert data == " ".join(two.argv)
    assert (tmp_path / "a" / "wave-1.csv").exists() == (tmp_path / "b" / "wave-1.csv").exists()


def test_the_time_limit_stops_a_hang():
    import time

    with pytest.raises(_fuzz.CaseTimeout), _fuzz.time_limit(0.2):
        time.sleep(5)


def test_a_mutation_changes_its_input():
    rng = random.Random(0)
    data = b"a,b\n1,2\n" * 20
    assert any(m.mutate_bytes(rng, data)[0] != data for _ in range(5))
