"""``read_responses``: one survey wave file -> :class:`Responses`, whatever its format.

The format comes from the file extension (``format=`` / ``--format`` overrides it), as listed
in the one registry of formats, :mod:`personas.io.formats`. Text files have their encoding
and delimiter (``,`` ``;`` tab ``|``) detected; Excel reads the first sheet; SPSS and Stata
keep value labels (SPSS also its user-missing codes); a Qualtrics CSV/TSV/XLSX export is
recognised by its three header rows.

Input files are only ever opened for reading.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from os import PathLike
from pathlib import Path

from personas._paths import input_file_problem
from personas.errors import InputError
from personas.instrument.model import Instrument
from personas.io._mapping import map_table
from personas.io._table import RawTable, describe_path, file_error
from personas.io.formats import (
    FILE_FORMATS,
    FileFormat,
    binary_hint,
    by_extension,
    cli_names,
    lookup,
    unreadable_hint,
)
from personas.io.qualtrics import is_qualtrics, strip_qualtrics
from personas.io.responses import Responses, Source

__all__ = ["read_responses", "read_raw", "FORMATS", "detect_format"]

FORMATS = tuple(fmt.name for fmt in FILE_FORMATS)


def read_responses(
    path: str | PathLike,
    instrument: Instrument,
    *,
    format: str | None = None,
    lenient: bool | None = None,
    encoding: str | None = None,
    weights: str | None = None,
) -> Responses:
    """Read one wave of survey answers and map it onto ``instrument``.

    Parameters
    ----------
    path
        The data file. It is opened read-only and hashed (SHA-256, in ``Responses.source``).
    instrument
        The study; its ``data`` section says how columns map onto questions and which codes
        mean "missing".
    format
        Override the format guessed from the extension: one of ``FORMATS``.
    lenient
        ``True`` turns values a question does not allow into missing answers, recorded in
        ``Responses.invalid``; ``False`` refuses them. ``None`` follows the instrument's
        ``cleaning.invalid`` (``"error"`` by default).
    encoding
        Text files only: skip encoding detection (UTF-8 / BOM / cp1252 / latin-1).
    weights
        The column of respondent weights, overriding the instrument's ``data.weight_column``
        (``--weights``); the returned ``Responses.instrument`` records it.

    Returns
    -------
    Responses
        One row per respondent (file order), answers as codes; see :class:`Responses`.

    Raises
    ------
    InputError
        Unreadable, empty or header-less file; missing question columns (with a
        did-you-mean); and, unless lenient, every cell whose value its question does not
        allow, each with file, row (header = row 1), column and value; every negative,
        missing or non-numeric weight (and weights that are zero for everyone).

    Notes
    -----
    Columns: a question reads the raw column ``data.columns`` maps onto it, else the column
    named like its id; an exact name wins, otherwise one column whose name matches ignoring
    case and surrounding spaces is accepted. Other columns go to ``Responses.extra``.

    Values: empty cells and ``data.missing`` codes are missing. Booleans accept
    True/False, Yes/No, Y/N, T/F, 1/0 (1.0/0.0) in any case, real booleans and SPSS/Stata
    value labels; likert its scale numbers and labels; choice its options (case-insensitive);
    number any finite number. Details: :mod:`personas.io._coerce`. Qualtrics exports also
    accept the choice texts and numeric recodes of ``personas instrument --to qualtrics``
    (boolean 1 = True, 2 = False; the k-th option or scale point), and fall back to
    ``ResponseId`` / ``Duration (in seconds)`` when the configured id / duration column is
    missing: see :mod:`personas.io.qualtrics`.

    Rows are numbered as a spreadsheet shows them (header = 1, first answer = 2; Qualtrics
    exports: first answer = 4). Blank rows are skipped but still counted.

    Examples
    --------
    >>> from personas.instrument.model import Instrument, Question
    >>> import tempfile, pathlib
    >>> inst = Instrument("demo", "Demo", (), (Question("q1", "Q?", "boolean"),))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wave.csv"
    >>> _ = path.write_text("q1\\nYes\\nfalse\\n")
    >>> read_responses(path, inst).answers["q1"].tolist()
    [1.0, 0.0]
    """
    file = str(path)
    path = Path(path)
    refused = input_file_problem(path, kind="data")  # before reading a byte
    if refused is not None:
        message, hint, code = refused
        raise file_error(file, message, hint=hint, code=code)
    if weights is not None:
        instrument = replace(instrument, data=replace(instrument.data, weight_column=weights))
    fmt = _resolve_format(path, format, file=file)
    reason = describe_path(path)
    if reason is not None:
        code = "empty-file" if reason == "file is empty" else "unreadable-file"
        raise file_error(file, reason, code=code)
    digest = _sha256(path)
    table = _read_table(
        path, fmt, file=file, encoding=encoding, id_column=instrument.data.id_column
    )
    if lenient is None:
        lenient = instrument.cleaning.invalid == "missing"
    source = Source(
        path=path,
        format=table.format,
        sha256=digest,
        encoding=table.encoding,
        delimiter=table.delimiter,
    )
    return map_table(table, instrument, file=file, lenient=bool(lenient), source=source)


def read_raw(
    path: str | PathLike, *, format: str | None = None, id_column: str | None = None
) -> RawTable:
    """The cells of a wave file as read, before any mapping onto questions.

    Its ``frame`` rows are the rows of :func:`read_responses` (Qualtrics previews and tests
    already set aside in ``dropped``), in the same order; ``personas weight`` adds a weight
    column to it. The file is only opened for reading. ``id_column``: the instrument's
    ``data.id_column`` (it names Qualtrics previews and tests as :func:`read_responses` does).
    """
    file = str(path)
    path = Path(path)
    refused = input_file_problem(path, kind="data")  # before reading a byte
    if refused is not None:
        message, hint, code = refused
        raise file_error(file, message, hint=hint, code=code)
    fmt = _resolve_format(path, format, file=file)
    reason = describe_path(path)
    if reason is not None:
        code = "empty-file" if reason == "file is empty" else "unreadable-file"
        raise file_error(file, reason, code=code)
    return _read_table(path, fmt, file=file, encoding=None, id_column=id_column)


def detect_format(path: str | PathLike) -> str | None:
    """The format name for a file extension, or ``None`` when it is not known.

    Examples
    --------
    >>> detect_format("wave-1.XLSX"), detect_format("wave.pq"), detect_format("notes.docx")
    ('excel', 'parquet', None)
    """
    found = by_extension(path)
    return found.name if found else None


def _resolve_format(path: Path, format: str | None, *, file: str) -> FileFormat:
    if format is not None:
        found = lookup(format)
        if found is None:
            raise file_error(
                file,
                f"unknown format {format!r}",
                hint=f"use one of {', '.join(cli_names())}",
                code="unknown-format",
            )
        return found
    found = by_extension(path)
    if found is None:
        raise file_error(
            file,
            f"cannot tell the format from the extension {path.suffix or '(none)'!r}",
            hint=f"pass format= (--format) with one of {', '.join(cli_names())}",
            code="unknown-format",
        )
    return found


def _read_table(
    path: Path, fmt: FileFormat, *, file: str, encoding: str | None, id_column: str | None
) -> RawTable:
    """Read with the format's reader, undo Qualtrics extras, refuse a file with no rows."""
    base = fmt
    if fmt.reader is None:  # qualtrics: an export in csv or xlsx
        base = lookup("excel" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    table = _read_base(path, base, file=file, encoding=encoding)
    if base.name in ("csv", "tsv", "excel") and is_qualtrics(table):
        table = strip_qualtrics(table, id_column=id_column)
    elif fmt.name == "qualtrics":
        raise file_error(
            file,
            'does not look like a Qualtrics export: row 3 should hold {"ImportId": ...} cells',
            hint="export with the default three header rows, or read it as csv",
            code="not-qualtrics",
        )
    if len(table.frame) == 0 and table.dropped is None:
        raise file_error(file, "the file has a header row but no data rows", code="no-rows")
    return table


def _read_base(path: Path, fmt: FileFormat, *, file: str, encoding: str | None) -> RawTable:
    """The format's reader; a refused file gets a hint naming what its bytes say it is."""
    try:
        return fmt.reader(path, file=file, encoding=encoding)
    except InputError as exc:
        hints = {"unreadable-file": unreadable_hint, "binary-file": lambda p, _: binary_hint(p)}
        problems = [
            replace(p, hint=hints[p.code](path, fmt)) if p.hint is None and p.code in hints else p
            for p in exc.problems
        ]
        raise InputError(problems) from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
