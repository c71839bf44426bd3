"""Write a simulated wave to disk the way survey tools export it: csv, xlsx, sav or parquet.

Writes are atomic (a temporary file in the same folder, renamed into place), so a failed
write never leaves half a file, and an existing file is only replaced with ``overwrite=True``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from personas._atomic import write_atomic
from personas.errors import InputError, Problem
from personas.io.formats import by_extension, lookup, writable_names

if TYPE_CHECKING:  # pragma: no cover
    from personas.simulate.model import Simulation

__all__ = ["write_wave"]

_SPSS_NAME = re.compile(r"^[A-Za-z@][A-Za-z0-9_.@#$]{0,63}$")


def write_wave(
    simulation: Simulation,
    path: str | Path,
    *,
    format: str | None = None,  # noqa: A002 - the CLI option is --format
    overwrite: bool = False,
) -> Path:
    """Save ``simulation.data`` as a survey export.

    Parameters
    ----------
    simulation
        What :func:`personas.simulate.core.simulate` returned.
    path
        Where to write; its folder is created if needed.
    format
        ``"csv"``, ``"xlsx"``, ``"sav"`` or ``"parquet"``; default: from the file extension.
        csv (UTF-8), xlsx and parquet keep every answer as text, exactly as in ``data``
        (True/False spelled as they are); sav stores answers as numbers with SPSS value labels
        (boolean ``{1: "True", 0: "False"}``, likert points with their labels, choice options
        as 1, 2, … labelled with the option text), missing answers as system-missing, and the
        question text as the variable label.
    overwrite
        Replace an existing file. Without it, an existing file is an error.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        Naming the path when the file exists, the format is unknown, or a column name is not a
        valid SPSS variable name.
    """
    path = Path(path)
    kind = _format(path, format)
    if path.exists() and not overwrite:
        raise InputError(
            Problem(
                "file already exists; not overwriting it",
                file=str(path),
                hint="Choose another name or pass overwrite=True (--overwrite)",
                code="file-exists",
            )
        )
    if kind == "sav":
        _check_spss_names(simulation.data.columns, path)
    return write_atomic(path, lambda temporary: _WRITERS[kind](simulation, temporary))


def _format(path: Path, format: str | None) -> str:  # noqa: A002
    """The writer's name (``csv``, ``xlsx``, ``sav``, ``parquet``): the registry's writable
    formats, by name or by the file's extension."""
    found = lookup(format) if format else by_extension(path)
    if not format and found is not None and path.suffix.lower() not in found.writes:
        found = None  # e.g. wave.txt: read as csv, but not a name simulate writes
    if found is None or not found.writable:
        shown = format if format else path.suffix or "(no extension)"
        names = writable_names()
        raise InputError(
            Problem(
                f"unknown wave format {shown!r}",
                file=str(path),
                hint=f"Use a {', '.join('.' + n for n in names)} file, or format='csv' etc.",
                code="unknown-format",
            )
        )
    return found.names[0]


def _check_spss_names(columns: pd.Index, path: Path) -> None:
    problems = [
        Problem(
            f"column {name!r} is not a valid SPSS variable name",
            file=str(path),
            hint="Map it to a name of letters, digits and '_' in the instrument's data.columns, "
            "or write csv/xlsx/parquet",
            code="spss-name",
        )
        for name in columns
        if not _SPSS_NAME.match(str(name))
    ]
    if problems:
        raise InputError(problems)


def _csv(simulation: Simulation, path: Path) -> None:
    simulation.data.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _xlsx(simulation: Simulation, path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        simulation.data.to_excel(writer, index=False, sheet_name="responses")


def _parquet(simulation: Simulation, path: Path) -> None:
    simulation.data.to_parquet(path, index=False, engine="pyarrow")


def _sav(simulation: Simulation, path: Path) -> None:
    import pyreadstat

    frame, value_labels, labels = _spss_frame(simulation)
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
    )


def _spss_frame(simulation: Simulation) -> tuple[pd.DataFrame, dict, dict]:
    """Numbers with value labels: what an SPSS export of the same answers holds."""
    data = simulation.data
    frame = pd.DataFrame(
        {
            data.columns[0]: data.iloc[:, 0].to_numpy(dtype=object),
            data.columns[1]: data.iloc[:, 1].to_numpy(dtype=float),
        }
    )
    value_labels: dict[str, dict] = {}
    labels = {name: name for name in frame.columns}
    for name, question in zip(data.columns[2:], simulation.instrument.questions, strict=True):
        code = simulation.codes[question.id].to_numpy(dtype=float)
        if question.type == "boolean":
            value_labels[name] = {1: "True", 0: "False"}
        elif question.type == "likert":
            value_labels[name] = {
                p: question.scale.labels.get(p, str(p)) for p in question.scale.points
            }
        elif question.type == "choice":
            code = code + 1
            value_labels[name] = {i + 1: o for i, o in enumerate(question.options)}
        frame[name] = np.asarray(code, dtype=float)
        labels[name] = question.text
    return frame, value_labels, labels


_WRITERS = {"csv": _csv, "xlsx": _xlsx, "parquet": _parquet, "sav": _sav}
