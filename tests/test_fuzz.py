"""Fuzz suite: random damage to a good wave, instrument or run folder never gives a bug.

Each case (``tests/_fuzz.py``) damages one good input at random (a byte flipped, a file cut
short, a column dropped, renamed or typed wrong, huge or NaN values, empty rows, another
encoding, header rows shuffled; a key deleted or retyped in the instrument, unicode, duplicate
ids, deep nesting; a run file damaged or removed), runs one command in-process and asserts
the outcome is a clean refusal (exit code 2, the file named, nothing written) or a run whose
ledger holds. Never an internal error, never a hang.

Short mode (``make test``): 100 seeded cases. Long mode: ``PERSONAS_FUZZ_CASES=2000`` (and
``PERSONAS_FUZZ_SEED``) here, or ``python benchmarks/fuzz_long.py`` for a tally.

Every crash the suite has found is fixed and has a pinned case below. ``KNOWN`` is where a
finding not fixed yet would be listed (a random case that hits it is then an expected failure);
it is empty.
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

# Internal errors known but not fixed yet: (reason, test on the outcome). Empty: every crash the
# fuzzer found is fixed and pinned below; a new entry turns a finding into an expected failure.
KNOWN: dict = {}


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
@pytest.mark.slow
def test_fuzz_case(bases, tmp_path, target, index):
    case = _fuzz.make_case(bases, target, index, tmp_path / "case", seed=SEED)
    _assert_clean(case, _fuzz.execute(case, timeout=TIMEOUT))


@pytest.mark.slow
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


def test_the_judge_rejects_a_refusal_that_names_no_file(bases, tmp_path):
    case = _wave(bases, tmp_path, "wave-1.csv", b"")
    assert _fuzz.execute(case).kind == "refused"
    case.needles = ("some-other-file.csv",)
    outcome = _fuzz.execute(case)
    assert outcome.kind == "wrong" and "not naming" in outcome.detail


def test_the_judge_rejects_a_run_whose_ledger_does_not_add_up(bases, tmp_path):
    from _fuzz_judge import _judge_success

    case = _wave(bases, tmp_path, "wave-1.csv", bases.files["jobsite", "csv"].read_bytes())
    assert _fuzz.execute(case).kind == "ok"
    exclusions = case.out / "exclusions.csv"
    lines = exclusions.read_text("utf-8").splitlines()
    exclusions.write_text("\n".join(lines[:-1]) + "\n", "utf-8")
    assert "exclusions.csv has" in _judge_success(case)


def test_a_mutation_changes_its_input():
    rng = random.Random(0)
    data = b"a,b\n1,2\n" * 20
    assert any(m.mutate_bytes(rng, data)[0] != data for _ in range(5))


# --- pinned cases: the findings, one fixed input each --------------------------------------


def _wave(bases, tmp_path, name: str, data: bytes, *, command: str = "run", study="jobsite"):
    """A case running ``command`` on a wave file holding ``data``."""
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    argv = [command, str(bases.studies[study]), "--data", str(path), "--out", str(out)]
    if command == "run":
        argv += ["--no-report", "--k", "2..3"]
    return _fuzz.Case("wave", -1, damage=[name], argv=argv, needles=(path.name,),
                      inputs=(path,), out=out, check=command)  # fmt: skip


def _baseline(bases, tmp_path, damage) -> _fuzz.Case:
    """A case running ``run --baseline`` against a copy of the good run damaged by ``damage``."""
    run = tmp_path / "run"
    _fuzz.shutil.copytree(bases.run, run)
    damage(run)
    out = tmp_path / "out"
    argv = ["run", str(bases.studies["jobsite"]), "--data", str(bases.files["jobsite", "csv"]),
            "--out", str(out), "--no-report", "--k", "2..3", "--baseline", str(run)]  # fmt: skip
    return _fuzz.Case("run", -1, damage=["pinned"], argv=argv, needles=(str(run),),
                      inputs=(run,), out=out, check="run")  # fmt: skip


def _refused(case, *needles: str) -> None:
    outcome = _fuzz.execute(case, timeout=TIMEOUT)
    assert outcome.kind == "refused", f"{outcome.kind}: {outcome.detail}"
    for needle in needles:
        assert needle in outcome.detail, (needle, outcome.detail)


def _zip_with(data: bytes, member: str, body: bytes) -> bytes:
    import io
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, body if name == member else source.read(name))
    return out.getvalue()


def test_a_workbook_whose_compressed_sheet_is_damaged_is_refused(bases, tmp_path):
    """Found by this suite (wave-44): a bit flip inside a deflate stream (zlib.error)."""
    import zipfile

    data = bases.files["jobsite", "xlsx"].read_bytes()
    info = zipfile.ZipFile(bases.files["jobsite", "xlsx"]).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    damaged = bytearray(data)
    for offset in range(start + 10, start + info.compress_size - 10, 7):
        damaged[offset] ^= 0x5A
    _refused(_wave(bases, tmp_path, "wave-1.xlsx", bytes(damaged)), "wave-1.xlsx", "excel")


def test_a_baseline_without_its_model_is_refused(bases, tmp_path):
    """Found by this suite (run-42 of seed 1): KeyError 'items' once the wave was analysed."""
    case = _baseline(bases, tmp_path, lambda run: (run / "model.json").unlink())
    _refused(case, "model.json", "--baseline")


def test_a_baseline_segment_without_mean_answers_is_refused(bases, tmp_path):
    """tests/fixtures/run_jobsite as --baseline: NaN similarities reached the Hungarian method."""
    import json

    def drop_means(run):
        summary = json.loads((run / "summary.json").read_text("utf-8"))
        del summary["segments"][0]["means"]
        (run / "summary.json").write_text(json.dumps(summary), "utf-8")

    _refused(_baseline(bases, tmp_path, drop_means), "summary.json", "segments[0].means")


def _ragged_centers(run):
    import json

    model = json.loads((run / "model.json").read_text("utf-8"))
    del model["centers"][1][6]
    (run / "model.json").write_text(json.dumps(model), "utf-8")


def test_a_baseline_with_a_ragged_model_is_refused(bases, tmp_path):
    """Found by this suite (run-45 of seed 2): numpy's "inhomogeneous shape", exit code 1."""
    _refused(_baseline(bases, tmp_path, _ragged_centers), "model.json", "centers")


def test_assign_with_a_ragged_model_is_refused(bases, tmp_path):
    run = tmp_path / "run"
    _fuzz.shutil.copytree(bases.run, run)
    _ragged_centers(run)
    out = tmp_path / "out"
    argv = ["assign", str(run), "--data", str(bases.files["jobsite", "csv"]), "--out", str(out)]
    case = _fuzz.Case("run", -1, damage=["ragged"], argv=argv, needles=(str(run),),
                      inputs=(run,), out=out, check="assign")  # fmt: skip
    _refused(case, "model.json", "centers")


def test_a_control_character_in_an_instrument_is_refused_at_its_place(bases, tmp_path):
    """Found by this suite (run-151 of seed 5): yaml's ReaderError escaped, exit code 1."""
    study = tmp_path / "jobsite"
    _fuzz.shutil.copytree(bases.studies["jobsite"], study)
    text = (study / "instrument.yaml").read_text("utf-8")
    line = text[: text.index("title:")].count("\n") + 1
    (study / "instrument.yaml").write_text(text.replace("title:", "title:\x0b", 1), "utf-8")
    case = _fuzz.Case("instrument", -1, damage=["vt"], argv=["validate", str(study)],
                      needles=("instrument.yaml",), inputs=(study,), check="validate")  # fmt: skip
    _refused(case, f"instrument.yaml:{line}:", "U+000B")


def test_pinned_a_workbook_of_junk_xml_is_refused(bases, tmp_path):
    junk = b"<?xml version='1.0'?><junk><a>\x01\x02</junk>"
    data = _zip_with(bases.files["jobsite", "xlsx"].read_bytes(), "[Content_Types].xml", junk)
    _refused(_wave(bases, tmp_path, "wave-1.xlsx", data, command="clean"), "wave-1.xlsx")


def test_pinned_a_parquet_list_column_is_refused(bases, tmp_path):
    frame, _ = m.list_column(random.Random(0), bases.frames["jobsite", "parquet"])
    frame.to_parquet(tmp_path / "frame.parquet", index=False)
    data = (tmp_path / "frame.parquet").read_bytes()
    _refused(_wave(bases, tmp_path, "wave-1.parquet", data), "wave-1.parquet")


def test_pinned_a_wave_of_two_respondents_is_refused(bases, tmp_path):
    lines = bases.files["jobsite", "csv"].read_text("utf-8").splitlines()
    data = ("\n".join(lines[:3]) + "\n").encode("utf-8")
    _refused(_wave(bases, tmp_path, "wave-1.csv", data), "wave-1.csv", "respondent", "at least")


def test_pinned_a_deeply_nested_instrument_is_refused(bases, tmp_path):
    study = tmp_path / "jobsite"
    _fuzz.shutil.copytree(bases.studies["jobsite"], study)
    text = (study / "instrument.yaml").read_text("utf-8")
    nested = "[" * 3000 + "x" + "]" * 3000
    (study / "instrument.yaml").write_text(text.replace("title:", f"title: {nested}\n  t:", 1))
    case = _fuzz.Case("instrument", -1, damage=["deep"], argv=["validate", str(study)],
                      needles=("instrument.yaml",), inputs=(study,), check="validate")  # fmt: skip
    _refused(case, "instrument.yaml")


def test_pinned_a_wave_of_one_respondent_is_refused_naming_the_file(bases, tmp_path):
    """Found by this suite (wave-163 of seed 5): exit code 2, but "no k could be fitted: there
    are only 1 respondents" names neither the file nor how many respondents are needed."""
    header = bases.files["jobsite", "csv"].read_text("utf-8").splitlines()[0]
    answers = ["True" if j % 3 else "False" for j in range(24)]  # complete, not straight
    row = ",".join(["R1", "300", *answers, "False", "True"])  # both attention checks passed
    data = f"{header}\n{row}\n".encode()
    _refused(_wave(bases, tmp_path, "wave-1.csv", data), "wave-1.csv")
