"""The fuzz harness: good inputs and seeded cases that damage them (the verdict on each case
is :mod:`_fuzz_judge`'s, the damage :mod:`_fuzz_mutate`'s).

A *case* is a target (``wave``, ``instrument`` or ``run``), a seed, and the damage done; it
runs one personas command in-process (``click.testing.CliRunner``, no subprocess, no UMAP:
``run --no-report --k 2..3``; ``report`` builds ``index.qmd`` and its charts but skips the
pandoc render) under a per-case time limit. Each outcome must be one of two things:

* a clean refusal: exit code 2, every ``error:`` line naming the damaged file (or folder),
  nothing written, the input unchanged;
* a success whose ledger holds: ``loaded == kept + excluded`` in ``summary.json``, one row of
  ``exclusions.csv`` per exclusion, one row of ``assignments.csv`` per kept respondent, and
  ``loaded`` equal to what the reader itself counts.

Anything else (exit code 1, "This is a bug", a traceback, the time limit) is a finding.
``python benchmarks/fuzz_long.py`` runs the same cases in bulk.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyreadstat

import _fuzz_mutate as m
from _fuzz_judge import WARM_RUN, Case, CaseTimeout, Outcome, execute, invoke, time_limit
from conftest import JOBSITE, REPO

__all__ = [
    "Case",
    "CaseTimeout",
    "Outcome",
    "execute",
    "time_limit",
    "build_bases",
    "make_case",
    "plan",
]

FORMATS = ("csv", "tsv", "xlsx", "sav", "dta", "parquet", "qualtrics")
EXTENSION = {"qualtrics": "csv"}
RUN_FILES = (
    "summary.json", "model.json", "assignments.csv", "exclusions.csv", "instrument.yaml",
)  # fmt: skip
N_RESPONDENTS = 120


@dataclass
class Bases:
    """The good inputs every case starts from, built once."""

    root: Path
    studies: dict[str, Path] = field(default_factory=dict)
    frames: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    labels: dict[tuple[str, str], dict] = field(default_factory=dict)
    files: dict[tuple[str, str], Path] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    run: Path | None = None


# --- good inputs ---------------------------------------------------------------------------


def build_bases(root: Path) -> Bases:
    """Two studies (jobsite: all True/False; mixed: every question type), one simulated wave
    of each in every format, and one good run folder of jobsite."""
    from personas.pipeline.study import simulate_study

    bases = Bases(root)
    jobsite = root / "surveys" / "jobsite"
    shutil.copytree(JOBSITE, jobsite, ignore=shutil.ignore_patterns("*.csv", "*.xlsx", "*.sav"))
    mixed = root / "surveys" / "mixed"
    (mixed / "waves").mkdir(parents=True)
    small = (REPO / "tests" / "fixtures" / "instruments" / "small.yaml").read_text("utf-8")
    (mixed / "instrument.yaml").write_text(_mixed_yaml(small), "utf-8")
    bases.studies = {"jobsite": jobsite, "mixed": mixed}
    bases.ids = {"jobsite": "respondent_id", "mixed": "ResponseId"}
    for name, study in bases.studies.items():
        (study / "waves").mkdir(exist_ok=True)
        folder = root / "base" / name
        folder.mkdir(parents=True)
        for fmt in ("csv", "xlsx", "sav", "parquet"):
            path, sim = simulate_study(study, n=N_RESPONDENTS, random_state=0, format=fmt)
            bases.files[name, fmt] = shutil.move(path, folder / f"wave.{fmt}")
        _derived_bases(bases, name, sim.data, folder)
        shutil.copy(folder / "wave.csv", study / "waves" / "wave-1.csv")
    bases.run = root / "base" / "run"
    result = invoke(["run", jobsite, "--data", bases.files["jobsite", "csv"], "--out", bases.run,
                     "--no-report", "--k", "2..3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    WARM_RUN[:] = [bases.run]
    return bases


def _mixed_yaml(small: str) -> str:
    """tests' small instrument, imputing (so it segments) and with an SPSS-valid duration."""
    small = small.replace("impute: none", "impute: auto")
    return small.replace('duration_column: "Duration (in seconds)"', "duration_column: duration")


def _derived_bases(bases: Bases, name: str, data: pd.DataFrame, folder: Path) -> None:
    files = bases.files
    bases.frames[name, "csv"] = bases.frames[name, "tsv"] = data
    bases.frames[name, "qualtrics"] = data
    data.to_csv(folder / "wave.tsv", sep="\t", index=False)
    files[name, "tsv"] = folder / "wave.tsv"
    files[name, "qualtrics"] = folder / "qualtrics.csv"
    files[name, "qualtrics"].write_text(qualtrics_text(data, bases.ids[name]), "utf-8")
    bases.frames[name, "xlsx"] = pd.read_excel(files[name, "xlsx"], dtype=object)
    bases.frames[name, "parquet"] = pd.read_parquet(files[name, "parquet"])
    frame, meta = pyreadstat.read_sav(files[name, "sav"])
    bases.frames[name, "sav"] = bases.frames[name, "dta"] = frame
    labels = {c: v for c, v in meta.variable_value_labels.items()}
    bases.labels[name, "sav"] = labels
    bases.labels[name, "dta"] = {c: {int(k): v for k, v in v.items()} for c, v in labels.items()}
    files[name, "dta"] = folder / "wave.dta"
    write_table(frame, "dta", files[name, "dta"], bases.labels[name, "dta"])


def qualtrics_text(frame: pd.DataFrame, id_column: str) -> str:
    """A wave as Qualtrics exports it: field names, question texts, ImportIds, then answers."""
    frame = frame.rename(columns={id_column: "ResponseId"})
    durations = {d: "Duration (in seconds)" for d in ("duration_seconds", "duration")}
    frame = frame.rename(columns=durations)
    meta = pd.DataFrame({"StartDate": "2024-05-02 10:00:00", "Status": "IP Address"},
                        index=frame.index)  # fmt: skip
    frame = pd.concat([meta, frame], axis=1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerow([f"Text of {c}" for c in frame.columns])
    writer.writerow([json.dumps({"ImportId": str(c)}) for c in frame.columns])
    writer.writerows(frame.astype(object).where(frame.notna(), "").itertuples(index=False))
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, fmt: str, path: Path, labels: dict | None = None) -> None:
    """Save a (possibly damaged) wave table the way its format's own tools would."""
    if fmt in ("csv", "tsv"):
        frame.to_csv(path, sep="\t" if fmt == "tsv" else ",", index=False)
    elif fmt == "qualtrics":
        first = frame.columns[0] if len(frame.columns) else "ResponseId"
        path.write_text(qualtrics_text(frame, str(first)), "utf-8")
    elif fmt == "xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        keep = {c: v for c, v in (labels or {}).items() if c in frame.columns}
        write = pyreadstat.write_sav if fmt == "sav" else pyreadstat.write_dta
        write(frame, str(path), variable_value_labels=keep)


# --- cases ---------------------------------------------------------------------------------


def make_case(bases: Bases, target: str, index: int, folder: Path, *, seed: int = 0) -> Case:
    """The ``index``-th case of ``target``: deterministic from (seed, target, index)."""
    rng = random.Random(f"{seed}:{target}:{index}")
    case = Case(target, index, seed)
    folder.mkdir(parents=True, exist_ok=True)
    {"wave": _wave_case, "instrument": _instrument_case, "run": _run_case}[target](
        rng, bases, case, folder
    )
    return case


def _wave_case(rng: random.Random, bases: Bases, case: Case, folder: Path) -> None:
    study = m.pick(rng, sorted(bases.studies))
    fmt = m.pick(rng, FORMATS)
    path = folder / f"wave-1.{EXTENSION.get(fmt, fmt)}"
    case.damage.append(f"{study}/{fmt}")
    data = _damaged_wave(rng, bases, study, fmt, path, case)
    path.write_bytes(data)
    case.out = folder / "out"
    command = "clean" if rng.random() < 0.25 else "run"
    case.argv = [command, str(bases.studies[study]), "--data", str(path), "--out", str(case.out)]
    if command == "run":
        case.argv += ["--no-report", "--k", "2..3"]
    case.needles, case.inputs, case.check = (path.name,), (path,), command


def _damaged_wave(rng, bases: Bases, study: str, fmt: str, path: Path, case: Case) -> bytes:
    mode = rng.random()
    if mode < 0.55:  # structural damage, written by the format's own writer
        for _ in range(5):
            frame = bases.frames[study, fmt]
            labels = []
            for _ in range(rng.randint(1, 3)):
                try:
                    frame, label = m.mutate_frame(rng, frame, id_column=bases.ids[study])
                except (KeyError, ValueError, TypeError):  # e.g. on duplicated column names
                    continue
                labels.append(label)
            if fmt == "parquet" and rng.random() < 0.1:
                frame, label = m.list_column(rng, frame)
                labels.append(label)
            try:
                write_table(frame, fmt, path, bases.labels.get((study, fmt)))
            except Exception:  # noqa: BLE001 — the writer refuses this table: draw another
                continue
            case.damage += labels
            data = path.read_bytes()
            break
        else:
            data = bases.files[study, fmt].read_bytes()
        if rng.random() > 0.3:
            return data
    else:
        data = bases.files[study, fmt].read_bytes()
    if fmt in ("csv", "tsv", "qualtrics") and rng.random() < 0.6:
        text = data.decode("utf-8", errors="replace")
        data, label = m.mutate_text(rng, text, header_rows=3 if fmt == "qualtrics" else 1)
    elif fmt == "xlsx" and rng.random() < 0.5:
        data, label = m.mutate_zip(rng, data)
    else:
        data, label = m.mutate_bytes(rng, data)
    case.damage.append(label)
    return data


def _instrument_case(rng: random.Random, bases: Bases, case: Case, folder: Path) -> None:
    import yaml

    name = m.pick(rng, sorted(bases.studies))
    study = folder / name
    shutil.copytree(bases.studies[name], study)
    target = study / "instrument.yaml"
    text = target.read_text("utf-8")
    case.damage.append(name)
    if rng.random() < 0.65:
        doc = yaml.safe_load(text)
        for _ in range(m.pick(rng, [1, 1, 1, 2, 3])):
            doc, label = m.mutate_document(rng, doc, id_lists=("tensions", "questions", "personas"))
            case.damage.append(label)
        text = m.dump_yaml(doc)
        data = text.encode("utf-8")
    else:
        data, label = m.mutate_yaml_text(rng, text)
        case.damage.append(label)
    target.write_bytes(data)
    case.out = folder / "out"
    if rng.random() < 0.4:
        case.argv, case.check = ["validate", str(study)], "validate"
    else:
        wave = study / "waves" / "wave-1.csv"
        case.argv = ["run", str(study), "--data", str(wave), "--out", str(case.out),
                     "--no-report", "--k", "2..3"]  # fmt: skip
        case.check = "run"
    case.needles, case.inputs = ("instrument.yaml", "wave-1.csv", str(study)), (study,)


def _run_case(rng: random.Random, bases: Bases, case: Case, folder: Path) -> None:
    run = folder / "run"
    shutil.copytree(bases.run, run)
    for _ in range(rng.randint(1, 2)):
        case.damage.append(_damage_run_file(rng, run))
    entry = m.pick(rng, ["load"] * 2 + ["assign"] * 3 + ["baseline"] * 4 + ["report"])
    case.out = folder / "out"
    wave = str(bases.files["jobsite", "csv"])
    case.argv = {
        "load": ["load", str(run)],
        "assign": ["assign", str(run), "--data", wave, "--out", str(case.out)],
        "baseline": ["run", str(bases.studies["jobsite"]), "--data", wave, "--out",
                     str(case.out), "--no-report", "--k", "2..3", "--baseline", str(run)],
        "report": ["report", str(run)],
    }[entry]  # fmt: skip
    case.needles, case.inputs = (str(run),), (run,)
    case.check = {"baseline": "run"}.get(entry, entry)


def _damage_run_file(rng: random.Random, run: Path) -> str:
    name = m.pick(rng, RUN_FILES)
    path = run / name
    if not path.is_file():
        return f"{name}:already-damaged"
    kind = rng.random()
    if kind < 0.15:
        path.unlink()
        return f"{name}:removed"
    if kind < 0.2:
        path.unlink()
        path.mkdir()
        return f"{name}:a-folder"
    raw = path.read_bytes()
    try:
        data, label = _damage_structure(rng, name, path, raw) if kind < 0.75 else (None, "")
    except Exception:  # noqa: BLE001 — already damaged past parsing: damage its bytes
        data = None
    if data is None:
        data, label = m.mutate_bytes(rng, raw)
    path.write_bytes(data)
    return f"{name}:{label}"


def plan(n_cases: int) -> list[tuple[str, int]]:
    """``n_cases`` (target, index) pairs: half waves, a quarter instruments, a quarter runs."""
    share = {"wave": 0.5, "instrument": 0.25, "run": 0.25}
    counts = {t: int(round(n_cases * s)) for t, s in share.items()}
    counts["wave"] += n_cases - sum(counts.values())
    return [(t, i) for t, n in counts.items() for i in range(n)]


def _damage_structure(rng: random.Random, name: str, path: Path, raw: bytes):
    if name.endswith(".json"):
        doc, label = m.mutate_document(rng, json.loads(raw), id_lists=("segments", "personas"))
        return m.dump_json(rng, doc), label
    if name.endswith(".csv"):
        frame, label = m.mutate_frame(rng, pd.read_csv(path, dtype=str), id_column="respondent")
        return frame.to_csv(index=False).encode("utf-8"), label
    return m.mutate_yaml_text(rng, raw.decode("utf-8", errors="replace"))
