"""The fuzz suite's judge: run one case in-process under a time limit, say what came out.

Allowed outcomes: a clean refusal (exit code 2, every ``error:`` line naming the damaged file
or folder, nothing written, the input unchanged) or a success whose output reads back and
whose ledger holds. Anything else is ``internal`` (exit code 1, an uncaught exception),
``hang`` (the time limit) or ``wrong`` (a refusal naming nothing or writing something, a
ledger that does not add up).
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import signal
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from click.testing import CliRunner


class CaseTimeout(BaseException):
    """The per-case time limit passed (a BaseException: no ``except Exception`` swallows it)."""


@dataclass
class Case:
    target: str
    index: int
    seed: int = 0
    damage: list[str] = field(default_factory=list)
    argv: list[str] = field(default_factory=list)
    needles: tuple[str, ...] = ()  # one of them must be on every error line
    inputs: tuple[Path, ...] = ()  # must not change
    out: Path | None = None  # must not exist after a refusal
    check: str = ""  # how to check a success: run, clean, assign, report, validate

    @property
    def name(self) -> str:
        return f"{self.target}-{self.index}"

    def __str__(self) -> str:
        return f"{self.name} (seed {self.seed}): {' + '.join(self.damage)} -> {' '.join(self.argv)}"


@dataclass
class Outcome:
    kind: str  # ok | refused | internal | hang | wrong
    detail: str = ""
    seconds: float = 0.0


def invoke(argv):
    from personas.cli import main

    return CliRunner().invoke(main, [str(a) for a in argv])


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CaseTimeout` in this (main) thread after ``seconds``."""

    def expire(signum, frame):
        raise CaseTimeout(f"no outcome after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def snapshot(paths) -> dict[str, bytes]:
    found = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        found.update({str(p): p.read_bytes() for p in files})
    return found


def execute(case: Case, *, timeout: float = 30.0) -> Outcome:
    """Run the case's command and judge the outcome against the two allowed ones."""
    if case.argv[0] == "report":
        _warm_report()
    before = snapshot(case.inputs)
    start = time.perf_counter()
    try:
        with time_limit(timeout):
            code, output = _call(case)
    except CaseTimeout as err:
        return Outcome("hang", str(err), time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if code == 2:
        return Outcome(*_judge_refusal(case, output, before), seconds)
    if code != 0:
        return Outcome("internal", output[-2000:], seconds)
    if case.check != "report" and snapshot(case.inputs) != before:
        return Outcome("wrong", "a successful command changed its input", seconds)
    try:
        problem = _judge_success(case)
    except Exception as err:  # noqa: BLE001 — unreadable output is a wrong outcome too
        problem = f"the written output cannot be read back: {type(err).__name__}: {err}"
    return Outcome("wrong" if problem else "ok", problem or output[-300:], seconds)


def _call(case: Case) -> tuple[int, str]:
    """(exit code, output) of the case's command, in-process."""
    if case.argv[0] == "load":  # the library's one reader of run folders
        from personas.errors import InputError
        from personas.run.files import load_run

        try:
            load_run(case.argv[1])
        except InputError as err:
            return 2, "\n".join(f"error: {p}" for p in err.problems)
        except Exception as err:  # noqa: BLE001 — what the CLI would call an internal error
            return 1, f"internal error: {type(err).__name__}: {err}"
        return 0, ""
    if case.argv[0] == "report":
        with _no_render():
            result = invoke(case.argv)
    else:
        result = invoke(case.argv)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return 1, f"{output}\nuncaught {type(result.exception).__name__}: {result.exception}"
    return result.exit_code, output


WARM_RUN: list[Path] = []  # a good run folder to build one report from before timing any


@functools.cache
def _warm_report() -> None:
    """Build one report of a good run, untimed: the first in a process loads vl-convert's
    JavaScript bundle and compiles Altair's schemas (5-30 s on a busy machine), which is
    start-up, not the case's own time."""
    if not WARM_RUN:
        return
    copy = Path(tempfile.mkdtemp(prefix="fuzz-warm-"))
    shutil.copytree(WARM_RUN[0], copy / "run")
    with _no_render():
        invoke(["report", copy / "run"])
    shutil.rmtree(copy, ignore_errors=True)


@contextlib.contextmanager
def _no_render():
    """``personas report`` without pandoc: the build (qmd + charts) is what reads the run."""
    import personas.report.render as render

    real = render.render_report

    def render_report(folder, *, to=("html",), engine="auto"):
        qmd = Path(folder) / "index.qmd"
        assert qmd.is_file(), "build_report wrote no index.qmd"
        return {fmt: Path(folder) / f"index.{fmt}" for fmt in to}

    render.render_report = render_report
    try:
        yield
    finally:
        render.render_report = real


def _judge_refusal(case: Case, output: str, before: dict) -> tuple[str, str]:
    if "internal error" in output or "This is a bug" in output or "Traceback" in output:
        return "internal", output[-2000:]
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    if not errors:
        return "wrong", f"exit code 2 without an error line:\n{output[-1000:]}"
    unlocated = [e for e in errors if not any(n in e for n in case.needles)]
    if unlocated:
        return "wrong", f"error not naming {case.needles}:\n" + "\n".join(unlocated[:5])
    if case.out is not None and case.out.exists():
        return "wrong", f"refused but wrote {case.out}"
    leftovers = [p.name for p in case.out.parent.glob(".*")] if case.out is not None else []
    if leftovers:
        return "wrong", f"refused but left {leftovers}"
    if snapshot(case.inputs) != before:
        return "wrong", "refused but changed its input"
    return "refused", "\n".join(errors[:3])


def _judge_success(case: Case) -> str | None:
    """``None`` when the written output is whole and its ledger holds, else what is wrong."""
    if case.check == "run":
        return _ledger_of_run(case.out, Path(case.argv[case.argv.index("--data") + 1]),
                              Path(case.argv[1]))  # fmt: skip
    if case.check == "clean":
        kept = len(pd.read_parquet(case.out / "clean.parquet"))
        excluded = len(pd.read_csv(case.out / "exclusions.csv"))
        loaded = _loaded(Path(case.argv[case.argv.index("--data") + 1]), Path(case.argv[1]))
        return None if loaded == kept + excluded else f"ledger: {loaded} != {kept} + {excluded}"
    if case.check == "assign":
        assigned = len(pd.read_csv(case.out / "assignments.csv"))
        excluded = len(pd.read_csv(case.out / "exclusions.csv"))
        loaded = _loaded(Path(case.argv[case.argv.index("--data") + 1]), Path(case.argv[1]))
        ok = loaded == assigned + excluded
        return None if ok else f"ledger: {loaded} != {assigned} + {excluded}"
    if case.check == "report":
        return None if (Path(case.argv[1]) / "index.qmd").is_file() else "no index.qmd"
    return None


def _ledger_of_run(out: Path, data: Path, study: Path) -> str | None:
    counts = json.loads((out / "summary.json").read_text("utf-8"))["respondents"]
    excluded = sum(counts["excluded"].values())
    problems = []
    if counts["loaded"] != counts["kept"] + excluded:
        problems.append(f"summary: loaded {counts['loaded']} != {counts['kept']} + {excluded}")
    rows = len(pd.read_csv(out / "exclusions.csv"))
    if rows != excluded:
        problems.append(f"exclusions.csv has {rows} rows, summary.json {excluded} exclusions")
    if len(pd.read_csv(out / "assignments.csv")) != counts["kept"]:
        problems.append("assignments.csv does not hold every kept respondent")
    if counts["loaded"] != _loaded(data, study):
        problems.append(f"summary says {counts['loaded']} loaded, the reader reads more or less")
    return "; ".join(problems) or None


def _loaded(data: Path, study: Path) -> int:
    """Respondents the reader itself reads from ``data`` (the run's own count is checked)."""
    from personas.instrument import load_instrument
    from personas.io import read_responses

    if (study / "instrument.yaml").is_file():
        instrument = load_instrument(study)
    else:  # a run folder
        instrument = load_instrument(study / "instrument.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_responses(data, instrument).n_loaded
