"""Study-level workflows behind the CLI: read a study's files, call the stages, write a run.

Each function here is what one CLI command does, minus the printing: ``clean_wave`` for
``personas clean``, ``run_study`` for ``personas run``, ``report_run`` for ``personas report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from personas.run.files import Run, atomic_folder, load_run


@dataclass(frozen=True)
class RunOutcome:
    """A written run and the report files rendered for it."""

    run: Run
    reports: dict[str, Path] = field(default_factory=dict)


def _instrument(study_dir: Path):
    from personas.instrument import load_instrument

    return load_instrument(study_dir)


def _names(study_dir: Path, instrument):
    path = study_dir / "names.yaml"
    if not path.is_file():
        return None
    from personas.compare.names import load_names

    return load_names(path, instrument)


def clean_wave(study_dir: Path, data: Path, *, out: Path, format=None, lenient=None):
    """Read and clean one wave; write ``clean.parquet`` and ``exclusions.csv`` into ``out``."""
    from personas._atomic import check_out_folder
    from personas.cleaning import clean
    from personas.io import read_responses

    check_out_folder(out, kind="clean")
    instrument = _instrument(study_dir)
    cleaned = clean(read_responses(data, instrument, format=format, lenient=lenient))
    with atomic_folder(out, kind="clean") as tmp:
        cleaned.answers.to_parquet(tmp / "clean.parquet")
        cleaned.ledger.exclusions().to_csv(tmp / "exclusions.csv", index=False, lineterminator="\n")
    return cleaned


def _report_writer(formats, engine: str = "auto") -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        from personas.report.build import build_report
        from personas.report.render import render_report

        build_report(load_run(folder))
        render_report(folder, to=tuple(formats), engine=engine)

    return write


def run_study(
    study_dir: Path,
    data: Path,
    *,
    wave: str,
    out: Path,
    format=None,
    lenient=None,
    method="auto",
    k="auto",
    random_state=0,
    baseline: Path | None = None,
    report=("html",),
    progress=None,
    echo=None,
    weights: str | None = None,
) -> RunOutcome:
    """``personas run``: analyse one wave and write its run folder (and report) atomically."""
    from personas._atomic import check_out_folder
    from personas.run.analysis import analyze, save_run

    check_out_folder(out, kind="run")
    instrument = _instrument(study_dir)
    baseline_run = None if baseline is None else load_run(baseline)  # refused before the work
    analysis = analyze(
        instrument,
        data,
        wave=wave,
        format=format,
        lenient=lenient,
        method=method,
        k=k,
        random_state=random_state,
        names=_names(study_dir, instrument),
        embedding=bool(report),
        progress=progress,
        weights=weights,
    )
    baseline_summary = None
    if baseline_run is not None:
        from personas.waves.core import compare_with_baseline

        baseline_summary = compare_with_baseline(analysis, baseline_run)
    run = save_run(
        analysis,
        out,
        baseline=baseline_summary,
        write_extra=_report_writer(report) if report else None,
    )
    reports = {fmt: run.path / f"index.{fmt}" for fmt in report}
    if report and run.path.parent.name == instrument.study_id:
        reports["study"] = update_study_page(run.path.parent)
    return RunOutcome(run=run, reports=reports)


def update_study_page(folder: Path) -> Path | None:
    """Rebuild and render ``reports/<study>/index.html``: shares over waves, every wave linked."""
    from personas.report.render import render_report
    from personas.report.study_page import build_study_page

    if build_study_page(folder) is None:
        return None
    return render_report(folder, to=("html",))["html"]


def report_run(run_dir: Path, *, to=("html",), engine="auto") -> dict[str, Path]:
    """``personas report``: rebuild ``index.qmd`` from the saved run and render it."""
    from personas.report.build import build_report
    from personas.report.render import render_report

    build_report(load_run(run_dir))
    return render_report(run_dir, to=tuple(to), engine=engine)


def simulate_study(
    study_dir: Path,
    *,
    n: int = 2000,
    random_state: int = 0,
    wave: str = "wave-1",
    truth: Path | None = None,
    format: str = "csv",
    overwrite: bool = False,
):
    """``personas simulate``: write ``surveys/<study>/waves/<wave>.<format>``.

    The truth file defaults to the study's ``truth.yaml`` when there is one; without any, each
    hand-made persona is planted as one segment of equal share. When the truth file has a
    ``drift`` entry for ``wave``, it applies (shares shift, segments appear).
    """
    from personas.simulate.core import load_truth, simulate, write_wave

    _check_wave_name(wave)
    instrument = _instrument(study_dir)
    default = study_dir / "truth.yaml"
    if truth is not None:
        planted = load_truth(truth, instrument)
    else:
        planted = load_truth(default, instrument) if default.is_file() else None
    sim = simulate(instrument, n=n, random_state=random_state, truth=planted, wave=wave)
    path = study_dir / "waves" / f"{wave}.{format}"
    write_wave(sim, path, overwrite=overwrite)
    return path, sim


def weight_study(
    study_dir: Path,
    data: Path,
    *,
    wave: str,
    margins: Path,
    out: Path | None = None,
    column: str = "weight",
    format=None,
    lenient=None,
    overwrite: bool = False,
):
    """``personas weight``: rake a wave to ``margins.yaml`` and write a weighted copy.

    The copy goes to ``surveys/<study>/waves/<wave>-weighted.csv`` unless ``out`` says
    otherwise; run it with ``personas run STUDY --wave <wave>-weighted --weights <column>``.
    """
    from personas.weights import load_margins, weight_wave

    instrument = _instrument(study_dir)
    targets = load_margins(margins)
    out = out if out is not None else study_dir / "waves" / f"{wave}-weighted.csv"
    return weight_wave(
        instrument,
        data,
        targets,
        out=out,
        column=column,
        format=format,
        lenient=lenient,
        overwrite=overwrite,
    )


def _check_wave_name(wave: str) -> None:
    """A wave name is a plain file name: it must not point outside the study's waves folder."""
    if not wave.strip() or wave.startswith(".") or any(c in wave for c in "/\\:"):
        from personas.errors import InputError, Problem

        raise InputError(
            Problem(
                f"The 'wave' option must be a plain name (no folders, not hidden). "
                f"Got {wave!r} instead.",
                hint="use a name such as wave-2: the file goes to the study's waves/ folder",
                code="bad-wave-name",
            )
        )
