"""The ``personas`` command line: a thin layer that parses, calls one library function, prints.

Every command is documented in README.md ("Command reference"); ``tests/test_docs.py`` fails
when a command or option is missing there. User mistakes (:class:`~personas.errors.InputError`)
print one line per problem and exit with code 2; anything unexpected exits with code 1 and,
with ``--debug``, a traceback.
"""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path

import click

from personas import __version__
from personas._cli_output import (
    console,
    print_ledger,
    print_reports,
    print_run,
    print_segments,
    print_verdicts,
    progress,
)
from personas._paths import default_out, resolve_run, resolve_study
from personas.errors import InputError, PersonasError
from personas.io.formats import cli_names, writable_names
from personas.io.locate import resolve_data

FORMATS = click.Choice(cli_names())  # the registry in personas.io.formats


def _cluster_options(command):
    """``--scheduler`` and ``--workers``: where an ``--engine dask`` command runs."""
    command = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=2,
        show_default=True,
        help="--engine dask without --scheduler: worker processes of the local cluster.",
    )(command)
    return click.option(
        "--scheduler", metavar="ADDRESS", help="--engine dask: an existing cluster's address."
    )(command)


def _need_dask() -> None:
    """Refuse ``--engine dask`` at once, with the fix, when Dask is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        from personas.errors import InputError, Problem

        raise InputError(
            Problem("--engine dask needs Dask", hint="pip install 'personas[dask]'")
        ) from None


def _handle_errors(command):
    """Turn library errors into exit codes: 2 for bad input, 1 for everything else."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return command(*args, **kwargs)
        except InputError as err:
            if debug:
                raise
            for problem in err.problems:
                click.echo(f"error: {problem}", err=True)
            n = len(err.problems)
            if n > 1:
                click.echo(f"{n} problems; nothing was written.", err=True)
            sys.exit(2)
        except PersonasError as err:
            if debug:
                raise
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as err:  # noqa: BLE001 — the CLI's last line of defence
            if debug:
                raise
            click.echo(
                f"internal error: {type(err).__name__}: {err}\n"
                "This is a bug in personas; rerun with --debug for a traceback and report it.",
                err=True,
            )
            sys.exit(1)

    return wrapper


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line on standard error, without Python's source line."""
    click.echo(f"warning: {message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="personas")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Mixed-methods persona research: from tension model to report."""
    if not debug:  # --debug keeps Python's own format, with the line that warned
        previous = warnings.showwarning
        warnings.showwarning = _show_warning
        ctx.call_on_close(lambda: setattr(warnings, "showwarning", previous))


@main.command()
@click.option("--n", "n", default=2000, show_default=True, help="Respondents to simulate.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--pdf", is_flag=True, help="Also render the PDF report.")
@_handle_errors
def demo(n: int, seed: int, pdf: bool) -> None:
    """Run the whole pipeline on the bundled example study and print the report path."""
    from personas.pipeline.demo import run_demo

    run = run_demo(n=n, seed=seed, pdf=pdf, progress=progress(), echo=console.print)
    print_segments(run)
    print_verdicts(run)
    click.echo(f"Report: {run.reports['html']}")


@main.command()
@click.argument("study")
@click.option(
    "--waves/--no-waves",
    default=True,
    show_default=True,
    help="Also read every wave file of the study and report its problems.",
)
@_handle_errors
def validate(study: str, waves: bool) -> None:
    """Check a study's instrument (and waves); report every problem at once."""
    from personas.pipeline.validate import validate_study

    target = Path(study) if Path(study).suffix in (".yaml", ".yml") else resolve_study(study)
    click.echo(validate_study(target, waves=waves))


@main.command("init")
@click.argument("study")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The survey file to draft from: .sav, .dta, a Qualtrics export or .qsf.",
)
@click.option("--force", is_flag=True, help="Replace an existing instrument.yaml.")
@_handle_errors
def init_command(study: str, source: Path, force: bool) -> None:
    """Draft STUDY/instrument.yaml from a survey file's own metadata."""
    from personas.draft import init_study

    result = init_study(study, source, force=force)
    for line in result.lines(study):
        click.echo(line)


@main.command()
@click.argument("study")
@click.option(
    "--to",
    "to",
    type=click.Choice(["md", "html", "qualtrics", "csv"]),
    default="md",
    show_default=True,
    help="Preview, Qualtrics import file or codebook.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the question order.")
@click.option(
    "--typing",
    "typing_run",
    type=click.Path(file_okay=False, path_type=Path),
    help="Export only the screener of this run (its typing.json).",
)
@_handle_errors
def instrument(study: str, to: str, out: Path | None, seed: int, typing_run) -> None:
    """Write the survey to field: preview, Qualtrics Advanced Format TXT, or CSV codebook."""
    from personas.instrument import export, load_instrument

    inst = load_instrument(resolve_study(study))
    if typing_run is not None:
        from personas.typing import load_typing, screener_instrument

        inst = screener_instrument(inst, load_typing(resolve_run(typing_run)))
    text = export.render_survey(inst, to=to, random_state=seed)
    if out is None:
        click.echo(text, nl=False)
    else:
        from personas._atomic import write_text_atomic

        write_text_atomic(out, text)
        click.echo(f"Wrote {out}")


@main.command()
@click.argument("study")
@click.option("--n", "n", default=2000, show_default=True, help="Respondents to simulate.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--wave", default="wave-1", show_default=True, help="Name of the wave file.")
@click.option(
    "--truth",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Truth file of planted segments (default: the study's truth.yaml if any).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(writable_names()),
    default="csv",
    show_default=True,
    help="File format of the wave.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing wave file.")
@_handle_errors
def simulate(study, n, seed, wave, truth, fmt, overwrite) -> None:
    """Write a synthetic wave with planted segments and real-world dirt."""
    from personas.pipeline.study import simulate_study

    path, sim = simulate_study(
        resolve_study(study),
        n=n,
        random_state=seed,
        wave=wave,
        truth=truth,
        format=fmt,
        overwrite=overwrite,
    )
    click.echo(f"Wrote {path} ({len(sim.data):,} rows, {len(sim.segments)} planted segments)")


def _data_options(command, *, partitioned: bool = False):
    command = click.option(
        "--lenient",
        is_flag=True,
        help="Turn answers a question does not allow into missing answers "
        "(recorded) instead of refusing the file.",
    )(command)
    command = click.option(
        "--format", "fmt", type=FORMATS, help="File format, when the extension does not tell."
    )(command)
    command = click.option("--wave", help="Wave name under surveys/STUDY/waves/.")(command)
    command = click.option(
        "--data",
        type=click.Path(path_type=Path)
        if partitioned
        else click.Path(exists=True, dir_okay=False, path_type=Path),
        help="The wave file to read (with --engine dask: Parquet files, 'folder/*.parquet')."
        if partitioned
        else "The wave file to read.",
    )(command)
    return command


@main.command()
@click.argument("study")
@_data_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: reports/STUDY/WAVE/clean).",
)
@_handle_errors
def clean(study, data, wave, fmt, lenient, out) -> None:
    """Read and clean a wave: print the ledger, write clean.parquet and exclusions.csv."""
    from personas.pipeline.study import clean_wave

    study_dir = resolve_study(study)
    data_path, wave_name = resolve_data(study_dir, data=data, wave=wave)
    out = out or default_out(study_dir, wave_name) / "clean"
    cleaned = clean_wave(study_dir, data_path, out=out, format=fmt, lenient=lenient)
    print_ledger(cleaned.ledger)
    click.echo(f"Wrote {out}/clean.parquet and {out}/exclusions.csv")


@main.command()
@click.argument("study")
@_data_options
@click.option(
    "--margins",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Population shares to rake to (margins.yaml).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The weighted wave to write (default: surveys/STUDY/waves/WAVE-weighted.csv).",
)
@click.option("--column", default="weight", show_default=True, help="Name of the weight column.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@_handle_errors
def weight(study, data, wave, fmt, lenient, margins, out, column, overwrite) -> None:
    """Rake a wave to population margins and write a copy with a weight column."""
    from personas._cli_output import print_weighting
    from personas.pipeline.study import weight_study

    study_dir = resolve_study(study)
    data_path, wave_name = resolve_data(study_dir, data=data, wave=wave)
    result = weight_study(
        study_dir,
        data_path,
        wave=wave_name,
        margins=margins,
        out=out,
        column=column,
        format=fmt,
        lenient=lenient,
        overwrite=overwrite,
    )
    print_weighting(result)
    click.echo(f"Wrote {result.path}; run it with --weights {column}")


@main.command()
@click.argument("study")
@functools.partial(_data_options, partitioned=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default: reports/STUDY/WAVE).",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "kmeans", "kmodes", "kprototypes", "lca"]),
    default="auto",
    show_default=True,
    help="Clustering algorithm.",
)
@click.option(
    "--k",
    "k",
    default="auto",
    show_default=True,
    help="Number of segments: auto, N, or a range A..B to choose from.",
)
@click.option("--seed", default=0, show_default=True, help="Random seed, recorded in the run.")
@click.option(
    "--baseline",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="An earlier run to compare this wave with (shares, drift).",
)
@click.option(
    "--report/--no-report", default=True, show_default=True, help="Render the report after the run."
)
@click.option(
    "--to",
    "to",
    default="html",
    show_default=True,
    help="Report formats, comma-separated: html, pdf.",
)
@click.option(
    "--weights",
    "weights",
    metavar="COLUMN",
    help="Column of respondent weights (overrides data.weight_column).",
)
@click.option(
    "--engine",
    type=click.Choice(["memory", "dask"]),
    default="memory",
    show_default=True,
    help="dask: a wave of partitioned Parquet larger than memory (fit on a sample, all rows "
    "scored on a Dask cluster).",
)
@_cluster_options
@_handle_errors
def run(
    study, data, wave, fmt, lenient, out, method, k, seed, baseline, report, to, weights,
    engine, scheduler, workers,
):  # fmt: skip
    """Load, clean, segment, compare, embed and report one wave."""
    from personas.pipeline.study import run_study
    from personas.segment.k import parse_k

    k = parse_k(k)  # before any file is looked at: a bad --k is refused at once
    study_dir = resolve_study(study)
    data_path, wave_name = resolve_data(study_dir, data=data, wave=wave)
    if engine == "dask" or scheduler is not None:
        _run_on_dask(study_dir, data_path, wave_name, k, click.get_current_context().params)
        return
    _check_exists(data_path)
    saved = run_study(
        study_dir,
        data_path,
        wave=wave_name,
        out=out or default_out(study_dir, wave_name),
        format=fmt,
        lenient=lenient,
        method=method,
        k=k,
        random_state=seed,
        baseline=baseline,
        report=_parse_formats(to) if report else (),
        progress=progress(),
        echo=console.print,
        weights=weights,
    )
    print_run(saved)


@main.command()
@click.argument("run_dir", metavar="RUN")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    required=True,
    help="The file of new respondents (with --engine dask: Parquet files, 'folder/*.parquet').",
)
@click.option(
    "--format", "fmt", type=FORMATS, help="File format, when the extension does not tell."
)
@click.option("--lenient", is_flag=True, help="Turn disallowed answers into missing answers.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: RUN/assigned/DATA-NAME).",
)
@click.option(
    "--typing",
    "screener",
    is_flag=True,
    help="Type people from the run's screener questions only (see `personas typing`).",
)
@click.option(
    "--engine",
    type=click.Choice(["memory", "dask"]),
    default="memory",
    show_default=True,
    help="dask: score partitioned Parquet larger than memory on a Dask cluster.",
)
@_cluster_options
@_handle_errors
def assign(run_dir, data, fmt, lenient, out, screener, engine, scheduler, workers) -> None:
    """Put new respondents into an existing run's segments."""
    from personas._cli_output import print_shares
    from personas.waves import assign_file, assign_screener_file

    if engine == "dask" or scheduler is not None:
        _assign_on_dask(run_dir, data, out, lenient, scheduler, workers, fmt, screener)
        return
    assign_with = assign_screener_file if screener else assign_file
    result = assign_with(resolve_run(run_dir), data, out=out, format=fmt, lenient=lenient)
    print_shares(result, echo=console.print)
    click.echo(f"Wrote {result.path}")


def _check_exists(path: Path) -> None:
    """A missing wave or a folder is refused here; anything else that exists (a device, a
    FIFO) is left to the reader, which says it is not a regular file."""
    if path.is_dir() or not path.exists():
        from personas.errors import InputError, Problem

        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise InputError(Problem(what, file=str(path), hint="give the wave file with --data"))


def _run_on_dask(study_dir, data_path, wave_name, k, given) -> None:
    """``run --engine dask``: fit on a sample, every row scored (pipeline/partitioned.py)."""
    from personas.pipeline.partitioned import refuse_options

    refuse_options(weights=given["weights"], baseline=given["baseline"], format=given["fmt"])
    from personas.pipeline.partitioned import run_partitioned, wave_of

    _need_dask()
    wave_name = wave_of(data_path, wave_name)
    saved = run_partitioned(
        study_dir, data_path, wave=wave_name,
        out=given["out"] or default_out(study_dir, wave_name), k=k, method=given["method"],
        random_state=given["seed"],
        report=_parse_formats(given["to"]) if given["report"] else (),
        scheduler=given["scheduler"], workers=given["workers"], lenient=given["lenient"],
        progress=progress(), echo=click.echo,
    )  # fmt: skip
    print_segments(saved)
    click.echo(f"Run (fitted on a sample): {saved.path}")
    click.echo(f"Every row scored: {saved.path / 'assigned' / 'all'} (see engine.json)")
    print_reports(saved)


def _assign_on_dask(run_dir, data, out, lenient, scheduler, workers, fmt, screener) -> None:
    """``assign --engine dask``: partitioned Parquet in, partitioned Parquet out."""
    from personas._cli_output import print_partitioned_shares
    from personas.errors import InputError, Problem

    if screener or fmt not in (None, "parquet"):
        option = "--typing" if screener else "--format"
        raise InputError(
            Problem(f"{option} does not work with --engine dask", hint="it reads Parquet only")
        )
    _need_dask()
    from personas.scale import assign_partitioned

    result = assign_partitioned(
        resolve_run(run_dir),
        data,
        out=out,
        scheduler=scheduler,
        workers=workers,
        lenient=lenient,
    )
    print_partitioned_shares(result, echo=console.print)
    click.echo(f"Wrote {result.path}")


@main.command()
@click.argument("run_dir", metavar="RUN")
@click.option(
    "--to", "to", default="html", show_default=True, help="Formats, comma-separated: html, pdf."
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "quarto", "pandoc"]),
    default="auto",
    show_default=True,
    help="Quarto CLI when installed, else the bundled pandoc.",
)
@_handle_errors
def report(run_dir, to, engine) -> None:
    """(Re)build and render a run's report."""
    from personas.pipeline.study import report_run

    for fmt_name, path in report_run(
        resolve_run(run_dir), to=_parse_formats(to), engine=engine
    ).items():
        click.echo(f"Report ({fmt_name}): {path}")


@main.command("typing")
@click.argument("run_dir", metavar="RUN")
@click.option("--max-questions", default=8, show_default=True, help="At most this many questions.")
@click.option("--target", default=0.9, show_default=True, help="Cross-validated accuracy to reach.")
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The run's wave file, when it is no longer where the run read it.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the cross-validation folds.")
@_handle_errors
def typing_command(run_dir, max_questions, target, data, seed) -> None:
    """Find the few questions that type people into a run's segments (writes typing.json)."""
    from personas._cli_output import print_screener
    from personas.typing import type_run

    run_path = resolve_run(run_dir)
    result = type_run(
        run_path, data=data, max_questions=max_questions, target=target, random_state=seed
    )
    print_screener(result, echo=console.print)
    click.echo(f"Wrote {run_path / 'typing.json'}")


@main.command()
@click.argument("study")
@click.option(
    "--n",
    "sizes",
    default="200,500,1000,2000,5000",
    show_default=True,
    help="Sample sizes, comma-separated (each at least 50).",
)
@click.option(
    "--noise",
    default="0.1,0.2",
    show_default=True,
    help="Answer noise levels, comma-separated (0 to 0.5).",
)
@click.option("--runs", default=20, show_default=True, help="Simulated waves per grid cell.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--jobs", default=-1, show_default=True, help="Worker processes (-1: every core).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: reports/STUDY/plan).",
)
@_handle_errors
def plan(study, sizes, noise, runs, seed, jobs, out) -> None:
    """Simulate waves at each sample size: how many respondents each persona needs."""
    from personas._cli_output import print_plan
    from personas.plan import plan_study

    study_dir = resolve_study(study)
    out = out or default_out(study_dir, "plan")
    result = plan_study(
        study_dir, out=out, n=_parse_list(sizes, "--n", int),
        noise=_parse_list(noise, "--noise", float), runs=runs, random_state=seed, n_jobs=jobs,
    )  # fmt: skip
    print_plan(result, echo=console.print)
    click.echo(f"Wrote {out / 'plan.json'} and {out / 'index.html'}")


def _parse_list(text: str, option: str, kind):
    """``"200,500"`` → ``[200, 500]``, or an :class:`InputError` naming ``option``."""
    try:
        values = [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values:
        raise InputError(f"{option} takes comma-separated numbers such as 200,500; got {text!r}")
    return values


def _parse_k(text: str):
    """``auto`` | ``5`` | ``2..10`` → "auto" | int | range, with a clear error otherwise."""
    text = text.strip()
    if text == "auto":
        return "auto"
    try:
        if ".." in text:
            lo, hi = (int(part) for part in text.split("..", 1))
            if lo < 2 or hi < lo:
                raise ValueError
            return range(lo, hi + 1)
        value = int(text)
        if value < 1:
            raise ValueError
        return value
    except ValueError:
        raise InputError(
            f"--k must be auto, a number of segments (e.g. 5) or a range "
            f"such as 2..10; got {text!r}"
        ) from None


def _parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [f for f in formats if f not in ("html", "pdf")]
    if bad or not formats:
        raise InputError(f"--to takes html, pdf or html,pdf; got {text!r}")
    return formats


if __name__ == "__main__":  # pragma: no cover
    main()
