"""``personas demo``: the whole flow on the bundled example study, in one command."""

from __future__ import annotations

from pathlib import Path

from personas._paths import default_out
from personas.io.locate import wave_files

EXAMPLE = "jobsite"


def example_study() -> Path:
    """The example study folder: ``./surveys/jobsite`` in a checkout."""
    from personas._paths import resolve_study

    return resolve_study(EXAMPLE)


def demo_wave(files: list[Path]) -> Path:
    """The wave the demo runs: ``wave-1`` (the story the README tells) when it exists,
    else the first wave in name order, never silently the newest."""
    return next((f for f in files if f.stem == "wave-1"), files[0])


def run_demo(*, n: int = 2000, seed: int = 0, pdf: bool = False, progress=None, echo=None):
    """Simulate a wave if the study has none, run the pipeline, render; return the saved run.

    ``echo`` (a callable taking one message, or ``None`` for silence) hears what happens:
    the study, the wave used or simulated, the run's own notes. The caller prints the result.
    """
    echo = echo or (lambda message: None)
    from personas.instrument import describe, load_instrument
    from personas.pipeline.study import run_study, simulate_study

    study = example_study()
    echo(describe(load_instrument(study)))
    files = wave_files(study)
    if files:
        data = demo_wave(files)
        others = len(files) - 1
        echo(
            f"Using the existing wave {data}"
            + (
                f" (the demo tells the wave-1 story; {others} other wave"
                f"{'s' if others > 1 else ''}: `personas run {EXAMPLE} --wave NAME`)"
                if others
                else ""
            )
        )
    else:
        data, sim = simulate_study(study, n=n, random_state=seed, wave="wave-1")
        echo(f"Simulated {len(sim.data):,} respondents into {data}")
    formats = ("html", "pdf") if pdf else ("html",)
    return run_study(
        study,
        data,
        wave=data.stem,
        out=default_out(study, data.stem),
        random_state=seed,
        report=formats,
        progress=progress,
        echo=echo,
    )
