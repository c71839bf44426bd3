"""Read delimited text (CSV, TSV, semicolon or pipe separated) into a :class:`RawTable`.

Encoding: a UTF-8 or UTF-16 byte-order mark decides; otherwise the whole file is checked as
UTF-8 (streamed, cheap), then cp1252 (Windows Western European, what Excel writes), then
latin-1, which accepts any byte. Pass ``encoding=`` for anything else (e.g. ``cp1251``).

Delimiter: the first records are parsed with each of ``,`` ``;`` tab ``|``; the one that
gives the most columns with the same count on every sampled record wins (ties: tab for
``.tsv`` files, comma otherwise).

Cells are read as text by pyarrow's multi-threaded CSV reader; nothing is converted, so
``007`` stays ``007`` and every value check happens once, in mapping. Blank lines are read
as rows so that row numbers match a spreadsheet's; they are then skipped (not respondents).
A file with a quote character is read with pyarrow's ``newlines_in_values``: without it, a
quoted line break (open-text answers) or an unclosed quote in a file larger than one block
makes pyarrow's chunker drop rows silently. A record larger than a block (a huge cell, or an
unclosed quote running to the end of the file) is read again with one block for the file, so
that it becomes a row the messages can point at.
"""

from __future__ import annotations

import codecs
import csv as _csv
import functools
import io
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from personas.errors import InputError, Problem
from personas.io._table import RawTable, drop_blank_rows, file_error, reading

__all__ = ["read_csv_table", "detect_encoding", "detect_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16
_CHUNK = 1 << 22


def read_csv_table(
    path: Path,
    *,
    file: str,
    format: str = "csv",
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """Read a delimited text file; every cell comes back as a string ('' when empty)."""
    encoding = encoding or detect_encoding(path)
    sample = _sample_text(path, encoding, file=file)
    with reading(file, format, _csv.Error):
        delimiter = delimiter or detect_delimiter(sample, prefer="\t" if format == "tsv" else ",")
        header = _header(sample, delimiter, file=file)
    names, duplicated = _unique_names(header)
    bad_rows: list = []
    options = {"names": names, "encoding": encoding, "delimiter": delimiter}
    read = functools.partial(_read, path, options, bad_rows, quoted=_has_quotes(path))
    with reading(file, format, pa.ArrowException):
        table = read(threads=True)
        if bad_rows:
            bad_rows.clear()  # row numbers are only known single-threaded: read again
            read(threads=False)
    if bad_rows:
        raise InputError([_ragged_problem(row, len(names), file) for row in bad_rows])
    frame = table.to_pandas()
    raw = RawTable(
        frame=frame,
        rows=np.arange(2, len(frame) + 2, dtype=np.int64),
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        duplicated=frozenset(duplicated),
    )
    return drop_blank_rows(raw)


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` / ``utf-16`` by BOM, else ``utf-8`` if valid, else cp1252, else latin-1.

    UTF-16 without a BOM (some Windows tools write it) is recognised by its zero bytes: text
    in a Latin script has a zero as every second byte, which no 8-bit text file has.
    """
    with path.open("rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    for candidate in ("utf-8", "cp1252"):
        if _decodes(path, candidate):
            return candidate
    return "latin-1"


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when zero bytes sit at every second position, else None."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    even_zero, odd_zero = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_zero > 0.3 and even_zero < 0.02:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.02:
        return "utf-16-be"
    return None


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sample_text(path: Path, encoding: str, *, file: str) -> str:
    with path.open("rb") as handle:
        raw = handle.read(_SAMPLE_BYTES)
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw)
    except LookupError as exc:
        raise file_error(file, f"unknown encoding {encoding!r}", code="unknown-encoding") from exc
    if not text.strip():
        raise file_error(
            file, "file has no header row and no data (only blank space)", code="empty-file"
        )
    if _looks_binary(text):
        raise file_error(  # the hint (what it looks like) is added by read_responses
            file,
            "is not a text file: its first line holds binary data, not column names",
            code="binary-file",
        )
    return text


def _looks_binary(text: str) -> bool:
    """Whether the first line holds control characters (a header row never does).

    Only the first line is judged: a stray control character in a cell further down is an
    invalid answer, reported at its row and column like any other.
    """
    first = re.split(r"[\r\n]", text.lstrip("\r\n"), maxsplit=1)[0]
    return any(ord(c) < 32 and c != "\t" for c in first)


def detect_delimiter(sample: str, *, prefer: str = ",") -> str:
    """The delimiter among ``, ; tab |`` that splits the sampled records most consistently."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end in the middle of a record
    text = "".join(lines[:200])
    best, best_score = prefer, (False, 1, False)
    for candidate in DELIMITERS:
        reader = _csv.reader(io.StringIO(text, newline=""), delimiter=candidate)
        records = [r for r in reader if r][:50]
        if not records:
            continue
        width = len(records[0])
        score = (all(len(r) == width for r in records), width, candidate == prefer)
        if width > 1 and score > best_score:
            best, best_score = candidate, score
    return best


def _header(sample: str, delimiter: str, *, file: str) -> list[str]:
    for record in _csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
        if any(cell.strip() for cell in record):
            return [cell.strip() for cell in record]
        raise file_error(
            file,
            "the first row is blank, so the file has no header row",
            hint="put the column names (id and question ids) in row 1",
            code="no-header",
        )
    raise file_error(file, "file has no header row", code="no-header")


def _unique_names(header: list[str]) -> tuple[list[str], set[str]]:
    """Header names made unique the way pandas does (``a``, ``a.1``); blanks become names."""
    seen: dict[str, int] = {}
    names, duplicated = [], set()
    for position, name in enumerate(header, start=1):
        name = name or f"(column {position})"
        if name in seen:
            duplicated.add(name)
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names, duplicated


def _read(path, options, bad_rows, *, quoted: bool, threads: bool) -> pa.Table:
    """Read with pyarrow; a record larger than a block is read again in one block."""
    try:
        return _read_blocks(path, **options, bad_rows=bad_rows, quoted=quoted, threads=threads)
    except pa.ArrowInvalid as exc:
        if "straddl" not in str(exc):
            raise
    bad_rows.clear()
    block = min(max(path.stat().st_size + 1, 1 << 20), 2**31 - 1)
    return _read_blocks(
        path, **options, bad_rows=bad_rows, quoted=quoted, threads=False, block=block
    )


def _read_blocks(path, *, names, encoding, delimiter, bad_rows, quoted, threads, block=None):
    def on_invalid(row) -> str:
        bad_rows.append(row)
        return "skip"

    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        encoding = "utf8"  # pyarrow's native spelling (skips a BOM); others are transcoded

    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=threads,
            encoding=encoding,
            column_names=names,
            skip_rows=1,
            **({"block_size": block} if block else {}),
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
            newlines_in_values=quoted,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.large_string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _has_quotes(path: Path) -> bool:
    """Whether the file holds a ``"`` anywhere (only then can a cell span lines)."""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b'"' in chunk:
                return True
    return False


def _ragged_problem(row, width: int, file: str) -> Problem:
    text = row.text if len(row.text) <= 60 else row.text[:57] + "..."
    if row.text.count('"') % 2:
        hint = 'a quote (") opens a cell here that is never closed: close or remove it'
    else:
        hint = "check for an unquoted delimiter inside a cell, or a missing/extra delimiter"
    return Problem(
        f"row has {row.actual_columns} fields but the header has {width}",
        file=file,
        line=row.number,
        value=text,
        hint=hint,
        code="ragged-row",
    )
