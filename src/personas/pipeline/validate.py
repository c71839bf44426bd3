"""``personas validate``: the instrument and every wave file, all problems at once."""

from __future__ import annotations

from pathlib import Path

from personas.errors import InputError
from personas.io.locate import wave_files


def validate_study(study_dir: Path, *, waves: bool = True) -> str:
    """Check a study; return its one-line summary or raise InputError with every problem.

    The instrument is checked first (a broken instrument cannot read waves); then each wave
    file is read with it, and the problems of all waves are reported together.
    """
    from personas.instrument import describe, load_instrument

    instrument = load_instrument(study_dir)
    lines = [describe(instrument)]
    if waves:
        from personas.io import read_responses

        problems = []
        for path in wave_files(study_dir):
            try:
                responses = read_responses(path, instrument)
            except InputError as err:
                problems.extend(err.problems)
            else:
                lines.append(f"  {path.name}: {len(responses):,} respondents — OK")
        if problems:
            raise InputError(problems)
    return "\n".join(lines)
