"""Study-level workflows behind the CLI: read a study's files, call the stages, write a run.

Each function here is what one CLI command does, minus the printing: ``clean_wave`` for
``personas clean``, ``run_study`` for ``personas run``, ``report_run`` for ``personas report``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from personas.run.files import Run, atomic_folder, load_run


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
        from personas.report.write import write_report

        write_report(load_run(folder), to=tuple(formats), engine=engine)

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
) -> Run:
    """``personas run``: analyse one wave and write its run folder (and report) atomically.

    The report files rendered for it, and the study page, are in ``run.reports``.
    """
    from personas._atomic import check_out_folder
    from personas.io import read_responses
    from personas.run.analysis import analyze, save_run

    check_out_folder(out, kind="run")
    instrument = _instrument(study_dir)
    baseline_run = None if baseline is None else load_run(baseline)  # refused before the work
    responses = read_responses(
        Path(data), instrument, format=format, lenient=lenient, weights=weights
    )
    analysis = analyze(
        instrument,
        responses,
        wave=wave,
        method=method,
        k=k,
        random_state=random_state,
        names=_names(study_dir, instrument),
        embedding=bool(report),
        progress=progress,
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
    if report and run.path.parent.name == instrument.study_id:
        update_study_page(run.path.parent)
    return run


def update_study_page(folder: Path) -> Path | None:
    """Rebuild and render ``reports/<study>/index.html``: shares over waves, every wave linked.

    Holds the lock on ``folder`` meanwhile (runs of other waves wait for it before they swap
    their folder in), so the ``.index.*.tmp`` files found there are a killed writer's, and go.
    """
    from personas._atomic import hold_lock, release, remove_stale
    from personas.report.render import render_report
    from personas.report.study_page import build_study_page

    lock = hold_lock(folder)
    try:
        if lock is not None:
            remove_stale(folder, ".index.*.tmp")
        if build_study_page(folder) is None:
            return None
        return render_report(folder, to=("html",))["html"]
    finally:
        release(lock)


def report_run(run_dir: Path, *, to=("html",), engine="auto") -> dict[str, Path]:
    """``personas report``: rebuild ``index.qmd`` from the saved run and render it.

    The report is built in a copy of the run folder (hard links; ``charts/`` copied) that
    replaces the folder only when the render succeeded, so a failed or killed render leaves
    the run and its previous report whole. A run that changed meanwhile (a new
    ``personas run`` into the folder) is kept, and the render refused.
    """
    from personas._atomic import link_tree
    from personas.report.write import write_report

    run_dir = Path(run_dir)
    load_run(run_dir)  # a damaged run is refused before anything is copied
    stamp = _stamp(run_dir)

    def unchanged() -> None:
        if _stamp(run_dir) != stamp:
            from personas.errors import InputError, Problem

            raise InputError(
                Problem(
                    "the run was replaced while its report was rendered (another "
                    "`personas run` into this folder); the new run was kept",
                    file=str(run_dir),
                    hint="run `personas report` again",
                    code="run-changed",
                )
            )

    with atomic_folder(run_dir, kind="run", before_swap=unchanged) as tmp:
        link_tree(run_dir, tmp, copy=("charts",))
        written = write_report(load_run(tmp), to=tuple(to), engine=engine)
    return {fmt: run_dir / path.name for fmt, path in written.items()}


def _stamp(run_dir: Path) -> tuple[int, int] | None:
    """Which ``summary.json`` a run folder holds (inode and change time)."""
    try:
        info = (run_dir / "summary.json").stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


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
