"""The one registry of wave file formats: extensions, reader, label, what simulate can write.

Every place that needs to know the formats asks this table: :func:`personas.io.read_responses`
(dispatch by extension or ``format=``), the CLI's ``--format`` choices (``personas clean``,
``run`` and ``simulate``), the wave files found in a study's ``waves/`` folder, the writer of
simulated waves, and the hints given for a file that cannot be read.

=============  ======================  ====================  =====================
format         extensions              ``--format`` names    simulate writes
=============  ======================  ====================  =====================
``csv``        ``.csv``, ``.txt``      ``csv``               ``.csv``
``tsv``        ``.tsv``, ``.tab``      ``tsv``               no
``excel``      ``.xlsx``, ``.xlsm``    ``xlsx``              ``.xlsx``
``spss``       ``.sav``, ``.zsav``     ``sav``, ``zsav``     ``.sav``
``stata``      ``.dta``                ``dta``               no
``parquet``    ``.parquet``, ``.pq``   ``parquet``           ``.parquet``, ``.pq``
``qualtrics``  (detected in csv/xlsx)  ``qualtrics``         no
=============  ======================  ====================  =====================

A test (``tests/test_formats.py``) checks this table, README's ``--format`` lists and the
CLI's choices against :data:`FILE_FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from personas.io._table import RawTable
from personas.io.csv import read_csv_table
from personas.io.excel import read_excel_table
from personas.io.parquet import read_parquet_table
from personas.io.spss import read_spss_table
from personas.io.stata import read_stata_table

__all__ = [
    "FileFormat",
    "FILE_FORMATS",
    "lookup",
    "by_extension",
    "cli_names",
    "writable_names",
    "wave_extensions",
    "sniff",
    "unreadable_hint",
    "binary_hint",
]

Reader = Callable[..., RawTable]


@dataclass(frozen=True)
class FileFormat:
    """One wave file format.

    Attributes
    ----------
    name
        The format's own name, as ``format=`` takes it and ``Responses.source.format`` gives.
    extensions
        File extensions (lower case, with the dot) that mean this format.
    label
        What such a file is, for messages ("an SPSS file").
    reader
        ``reader(path, *, file, encoding)`` returning the raw table; ``None`` for Qualtrics,
        whose exports are read as csv or xlsx and then recognised.
    names
        The names ``--format`` offers for it (the first is the preferred one).
    magic
        First bytes that identify a file of this format.
    writes
        The extensions ``personas simulate`` / :func:`personas.simulate.write_wave` writes
        it under; empty when simulate cannot write it.
    """

    name: str
    extensions: tuple[str, ...]
    label: str
    reader: Reader | None
    names: tuple[str, ...]
    magic: tuple[bytes, ...] = ()
    writes: tuple[str, ...] = ()

    @property
    def writable(self) -> bool:
        """Whether simulate can write this format."""
        return bool(self.writes)


def _csv(path: Path, *, file: str, encoding: str | None) -> RawTable:
    return read_csv_table(path, file=file, format="csv", encoding=encoding)


def _tsv(path: Path, *, file: str, encoding: str | None) -> RawTable:
    return read_csv_table(path, file=file, format="tsv", encoding=encoding)


def _binary(read: Callable[..., RawTable]) -> Reader:
    def reader(path: Path, *, file: str, encoding: str | None) -> RawTable:
        return read(path, file=file)

    return reader


FILE_FORMATS: tuple[FileFormat, ...] = (
    FileFormat("csv", (".csv", ".txt"), "text (CSV)", _csv, ("csv",), writes=(".csv",)),
    FileFormat("tsv", (".tsv", ".tab"), "text (TSV)", _tsv, ("tsv",)),
    FileFormat(
        "excel",
        (".xlsx", ".xlsm"),
        "an Excel workbook (or another zip file)",
        _binary(read_excel_table),
        ("xlsx",),
        magic=(b"PK\x03\x04",),
        writes=(".xlsx",),
    ),
    FileFormat(
        "spss",
        (".sav", ".zsav"),
        "an SPSS file",
        _binary(read_spss_table),
        ("sav", "zsav"),
        magic=(b"$FL2", b"$FL3"),
        writes=(".sav",),
    ),
    FileFormat(
        "stata", (".dta",), "a Stata file", _binary(read_stata_table), ("dta",), (b"<stata_dta>",)
    ),
    FileFormat(
        "parquet",
        (".parquet", ".pq"),
        "a Parquet file",
        _binary(read_parquet_table),
        ("parquet",),
        magic=(b"PAR1",),
        writes=(".parquet", ".pq"),
    ),
    FileFormat("qualtrics", (), "a Qualtrics export", None, ("qualtrics",)),
)


def lookup(name: str) -> FileFormat | None:
    """The format called ``name`` (its own name or a ``--format`` name, any case, a leading
    dot allowed: ``"xlsx"``, ``".pq"``), or ``None``.

    Examples
    --------
    >>> lookup("xlsx").name, lookup("SPSS").name, lookup(".pq").name
    ('excel', 'spss', 'parquet')
    >>> lookup("docx") is None
    True
    """
    wanted = name.strip().lower()
    for fmt in FILE_FORMATS:
        if wanted in (fmt.name, *fmt.names) or wanted in fmt.extensions:
            return fmt
    return None


def by_extension(path: str | Path) -> FileFormat | None:
    """The format a file's extension means, or ``None`` when it is not known."""
    suffix = Path(path).suffix.lower()
    return next((f for f in FILE_FORMATS if suffix in f.extensions), None)


def cli_names() -> tuple[str, ...]:
    """Every name ``--format`` accepts for reading, in table order."""
    return tuple(name for fmt in FILE_FORMATS for name in fmt.names)


def writable_names() -> tuple[str, ...]:
    """The preferred ``--format`` name of each format simulate can write."""
    return tuple(fmt.names[0] for fmt in FILE_FORMATS if fmt.writable)


def wave_extensions() -> tuple[str, ...]:
    """Every extension a wave file may have (what counts as a wave in ``waves/``)."""
    return tuple(ext for fmt in FILE_FORMATS for ext in fmt.extensions)


def sniff(path: Path) -> FileFormat | None:
    """The format a file's first bytes say it is; text counts as CSV; ``None`` if unknown."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return None
    for fmt in FILE_FORMATS:
        if any(head.startswith(magic) for magic in fmt.magic):
            return fmt
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # not just a character cut at the end
                return None
        return FILE_FORMATS[0]
    return None


def unreadable_hint(path: Path, fmt: FileFormat) -> str:
    """What to do about a file ``fmt``'s reader refused: name what its first bytes say it is."""
    sniffed = sniff(path)
    if sniffed is None:
        return (
            "check that the file is complete, or pass --format with its real format "
            f"({', '.join(cli_names())})"
        )
    if sniffed.reader is fmt.reader or {sniffed.name, fmt.name} <= {"csv", "tsv"}:
        return (
            f"the file looks like {sniffed.label} but cannot be read: "
            "it may be cut short or damaged"
        )
    return (
        f"the file looks like {sniffed.label}: pass --format {sniffed.names[0]} "
        "(or give it that extension)"
    )


def binary_hint(path: Path) -> str:
    """What to do about a "text" file whose header row is binary data."""
    sniffed = sniff(path)
    if sniffed is not None and sniffed.magic:
        return f"it looks like {sniffed.label}: pass --format {sniffed.names[0]}"
    others = ", ".join(f.names[0] for f in FILE_FORMATS if f.magic)
    return (
        "export the survey again as CSV (UTF-8), or pass --format with the file's "
        f"real format ({others})"
    )
