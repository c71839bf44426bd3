"""Seeded mutations for the fuzz suite: damage a good wave, instrument or run file at random.

Every function takes a :class:`random.Random` and returns the damaged thing plus a short
label of what it did, so that a failing case can be read and replayed from its seed. Nothing
here knows about personas' readers: these are the mistakes and accidents a real file meets
(a column renamed, a cell typed wrong, a file cut short, saved in another encoding).
"""

from __future__ import annotations

import io
import json
import math
import random
import zipfile

import numpy as np
import pandas as pd
import yaml

# values a cell can hold that no question allows, or that break naive parsing
JUNK = [
    "",
    " ",
    "abc",
    "1e309",
    "-1",
    "9" * 30,
    "3.5",
    "TRUE ",
    "NaN",
    "None",
    "null",
    "-0",
    "1,5",
    "0x1F",
    "2024-13-45",
    "日本語",
    "😀",
    "\u202eevil",
    "e\u0301",
    "a\x00b",
    "'",
    '"',
    "=1+1",
    "<script>x</script>",
    "x" * 5000,
    "\t",
    "\r\n",
]
EXTREME = [math.inf, -math.inf, math.nan, 1e308, -1e308, 2.0**63, -(2.0**31), 5e-324, -0.0]
UNICODE = ["Ünïcødé", "😀🎉", "\u202eRTL", "e\u0301\u0301", "\ufeffbom", "日本語テキスト", "ℌ𝔢𝔩𝔩𝔬"]
ENCODINGS = ["utf-16", "utf-16-le", "utf-8-sig", "cp1252", "latin-1", "mac_roman", "shift_jis"]


def pick(rng: random.Random, seq):
    return seq[rng.randrange(len(seq))]


# --- bytes ---------------------------------------------------------------------------------


def mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Flip bits, cut short, insert, overwrite or duplicate a chunk of raw bytes."""
    n = len(data)
    kind = pick(rng, ["flip", "truncate", "insert", "overwrite", "duplicate", "empty", "append"])
    buf = bytearray(data)
    if kind == "flip" and n:
        for _ in range(rng.randint(1, 20)):
            buf[rng.randrange(n)] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        buf = buf[: rng.randrange(max(n, 1))]
    elif kind == "insert":
        at = rng.randrange(n + 1)
        buf[at:at] = rng.randbytes(rng.randint(1, 64))
    elif kind == "overwrite" and n:
        at, size = rng.randrange(n), rng.randint(1, 256)
        buf[at : at + size] = rng.randbytes(min(size, n - at))
    elif kind == "duplicate" and n:
        at, size = rng.randrange(n), rng.randint(1, 512)
        buf[at:at] = buf[at : at + size]
    elif kind == "empty":
        buf = bytearray()
    else:
        buf += rng.randbytes(rng.randint(1, 128))
    return bytes(buf), f"bytes:{kind}"


def mutate_zip(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """An .xlsx damaged inside its zip: a part dropped, cut short, garbled or made junk XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = pick(rng, names)
    kind = pick(rng, ["drop", "truncate", "garble", "junk-xml", "not-xml"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            body = source.read(name)
            if name == victim:
                if kind == "drop":
                    continue
                if kind == "truncate":
                    body = body[: rng.randrange(max(len(body), 1))]
                elif kind == "garble":
                    body, _ = mutate_bytes(rng, body)
                elif kind == "junk-xml":
                    body = b"<?xml version='1.0'?><junk><a>" + rng.randbytes(40) + b"</junk>"
                else:
                    body = b"this is not xml at all"
            target.writestr(name, body)
    return out.getvalue(), f"zip:{kind}:{victim}"


# --- text ----------------------------------------------------------------------------------


def mutate_text(rng: random.Random, text: str, *, header_rows: int = 1) -> tuple[bytes, str]:
    """Damage a delimited text export line-wise, then encode it (sometimes not as UTF-8)."""
    lines = text.splitlines()
    kind = pick(
        rng,
        [
            "swap-header", "drop-header", "dup-header", "blank-lines", "drop-lines", "quote",
            "delimiter", "crlf", "cr", "nul", "ragged", "long-line", "unicode", "encoding",
            "shuffle-header-rows",
        ],
    )  # fmt: skip
    body = range(header_rows, len(lines))
    if kind == "swap-header" and len(lines) > header_rows:
        j = rng.choice(body)
        lines[0], lines[j] = lines[j], lines[0]
    elif kind == "shuffle-header-rows":
        head = lines[:header_rows]
        rng.shuffle(head)
        lines[:header_rows] = head if header_rows > 1 else [lines[0]]
        if header_rows == 1 and len(lines) > 2:  # move the header down among the data
            lines.insert(rng.randint(1, len(lines) - 1), lines.pop(0))
    elif kind == "drop-header":
        del lines[rng.randrange(max(header_rows, 1))]
    elif kind == "dup-header":
        lines.insert(rng.randint(1, len(lines)), lines[0])
    elif kind == "blank-lines":
        for _ in range(rng.randint(1, 10)):
            lines.insert(rng.randint(0, len(lines)), pick(rng, ["", " ", ",,,,", "\t"]))
    elif kind == "drop-lines" and lines:
        keep = sorted(rng.sample(range(len(lines)), rng.randint(0, len(lines))))
        lines = [lines[i] for i in keep]
    elif kind == "quote" and lines:
        j = rng.randrange(len(lines))
        at = rng.randint(0, len(lines[j]))
        lines[j] = lines[j][:at] + '"' + lines[j][at:]
    elif kind == "delimiter":
        new = pick(rng, [";", "|", "\t", " "])
        chosen = range(len(lines)) if rng.random() < 0.5 else [rng.randrange(len(lines))]
        for j in chosen:
            lines[j] = lines[j].replace(",", new)
    elif kind == "nul" and lines:
        j = rng.randrange(len(lines))
        lines[j] = lines[j] + "\x00" * rng.randint(1, 5)
    elif kind == "ragged" and lines:
        for j in rng.sample(range(len(lines)), min(len(lines), rng.randint(1, 5))):
            lines[j] = (
                lines[j] + "," * rng.randint(1, 4)
                if rng.random() < 0.5
                else lines[j].rsplit(",", rng.randint(1, 3))[0]
            )
    elif kind == "long-line" and lines:
        lines.insert(rng.randint(0, len(lines)), ",".join(["x" * 2000] * 50))
    elif kind == "unicode" and lines:
        j = rng.randrange(len(lines))
        lines[j] = lines[j].replace(",", "," + pick(rng, UNICODE), 1)
    newline = {"crlf": "\r\n", "cr": "\r"}.get(kind, "\n")
    out = newline.join(lines) + newline
    if kind == "encoding":
        enc = pick(rng, ENCODINGS)
        return out.replace("R0", "Rø", 3).encode(enc, errors="replace"), f"text:encoding:{enc}"
    return out.encode("utf-8"), f"text:{kind}"


# --- tables --------------------------------------------------------------------------------


def mutate_frame(rng: random.Random, frame: pd.DataFrame, *, id_column: str):
    """One structural change to a wave as a table: columns, cells, rows."""
    frame = frame.copy()
    cols = list(frame.columns)
    col = pick(rng, cols)
    kind = pick(
        rng,
        [
            "drop-column", "dup-column", "rename-column", "wrong-type", "extreme", "empty-rows",
            "few-rows", "dup-rows", "dup-ids", "blank-ids", "constant", "all-missing",
            "shuffle-columns", "shuffle-rows", "swap-names",
        ],
    )  # fmt: skip
    n = len(frame)
    if kind == "drop-column":
        frame = frame.drop(columns=[col])
    elif kind == "dup-column":
        frame = pd.concat([frame, frame[[col]]], axis=1)
    elif kind == "rename-column":
        new = pick(rng, [col.upper(), f" {col}", col + "\u200b", "ö" + col, "", col[:-1], "1"])
        frame = frame.rename(columns={col: new})
    elif kind == "swap-names":
        other = pick(rng, cols)
        frame = frame.rename(columns={col: other, other: col})
    elif kind in ("wrong-type", "extreme") and n:
        pool = JUNK + [3.5, -7, True] if kind == "wrong-type" else EXTREME
        frame[col] = frame[col].astype(object)
        rows = rng.sample(range(n), rng.randint(1, n))
        frame.iloc[rows, cols.index(col)] = [pick(rng, pool) for _ in rows]
    elif kind == "empty-rows":
        blank = pd.DataFrame([[None] * len(cols)] * rng.randint(1, 5), columns=cols)
        at = rng.randint(0, n)
        frame = pd.concat([frame.iloc[:at], blank, frame.iloc[at:]], ignore_index=True)
    elif kind == "few-rows":
        frame = frame.iloc[: pick(rng, [0, 1, 2, 3, 4, 5, 8, 15])]
    elif kind == "dup-rows" and n:
        rows = [rng.randrange(n) for _ in range(rng.randint(1, n))]
        frame = pd.concat([frame, frame.iloc[rows]], ignore_index=True)
    elif kind in ("dup-ids", "blank-ids") and id_column in frame and n:
        rows = rng.sample(range(n), rng.randint(1, n))
        frame[id_column] = frame[id_column].astype(object)
        value = frame[id_column].iloc[0] if kind == "dup-ids" else None
        frame.iloc[rows, list(frame.columns).index(id_column)] = value
    elif kind == "constant" and n:
        frame[col] = frame[col].iloc[0]
    elif kind == "all-missing":
        frame[col] = None
    elif kind == "shuffle-columns":
        rng.shuffle(cols)
        frame = frame[cols]
    elif kind == "shuffle-rows":
        frame = frame.sample(frac=1.0, random_state=rng.randrange(2**31)).reset_index(drop=True)
    return frame, f"frame:{kind}:{col}"


def list_column(rng: random.Random, frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A column whose cells are lists (Parquet can hold them; survey tools never write them)."""
    frame = frame.copy()
    col = pick(rng, list(frame.columns))
    frame[col] = [np.array([rng.random(), 1.0]) for _ in range(len(frame))]
    return frame, f"frame:list-column:{col}"


# --- YAML / JSON documents -----------------------------------------------------------------


def _paths(doc, prefix=()):
    """Every (path, value) in a nested dict/list document."""
    yield prefix, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, (*prefix, i))


def _set(doc, path, value):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value


def _delete(doc, path):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]


WRONG = [None, 0, -1, 1.5, math.nan, math.inf, True, "", "x" * 3000, [], {}, [1, 2], {"a": 1}]


def mutate_document(rng: random.Random, doc, *, id_lists=()):
    """Delete a key, change a type, inject unicode, duplicate an id or nest deeply, anywhere."""
    doc = json.loads(json.dumps(doc))  # a private copy
    paths = [p for p, _ in _paths(doc) if p]
    if not paths:
        return doc, "doc:empty"
    path = pick(rng, paths)
    kind = pick(rng, ["delete", "wrong-type", "unicode", "dup-id", "nest", "shuffle"])
    if kind == "delete":
        _delete(doc, path)
    elif kind == "wrong-type":
        _set(doc, path, pick(rng, WRONG))
    elif kind == "unicode":
        strings = [p for p, v in _paths(doc) if p and isinstance(v, str)]
        path = pick(rng, strings) if strings else path
        _set(doc, path, pick(rng, UNICODE))
    elif kind == "dup-id":
        lists = [k for k in id_lists if isinstance(doc.get(k), list) and doc[k]]
        if lists:
            key = pick(rng, lists)
            doc[key].append(json.loads(json.dumps(pick(rng, doc[key]))))
            path = (key,)
    elif kind == "nest":
        value = _get(doc, path)
        for _ in range(rng.choice([3, 20, 60])):
            value = [value] if rng.random() < 0.5 else {"k": value}
        _set(doc, path, value)
    else:
        lists = [p for p, v in _paths(doc) if isinstance(v, list) and p]
        if lists:
            path = pick(rng, lists)
            value = _get(doc, path)
            rng.shuffle(value)
    return doc, f"doc:{kind}:{'.'.join(map(str, path))}"


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def dump_yaml(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def mutate_yaml_text(rng: random.Random, text: str) -> tuple[bytes, str]:
    """Damage YAML as text: tabs, duplicate keys, tags, aliases, encodings, bytes."""
    kinds = ["tabs", "dup-key", "tag", "aliases", "encoding", "bytes", "not-a-map", "deep"]
    kind = pick(rng, kinds)
    if kind == "tabs":
        text = text.replace("  ", "\t", rng.randint(1, 20))
    elif kind == "dup-key":
        text += "\nstudy: {id: again, title: again}\n"
    elif kind == "tag":
        text = text.replace("study:", "study: !!python/object:os.system", 1)
    elif kind == "aliases":
        bomb = "a: &a [x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcd", "bcde", strict=True)
        )
        text = bomb + text.replace("personas:", "personas_: *e\npersonas:", 1)
    elif kind == "encoding":
        enc = pick(rng, ["utf-16", "cp1252", "latin-1"])
        return text.replace("title:", "title: Ünïcødé", 1).encode(enc, "replace"), f"yaml:{enc}"
    elif kind == "deep":
        depth = pick(rng, [30, 300, 3000])
        nested = "[" * depth + "x" + "]" * depth
        text = text.replace("title:", f"title: {nested}\n  old_title:", 1)
        return text.encode("utf-8"), f"yaml:deep:{depth}"
    elif kind == "bytes":
        data, label = mutate_bytes(rng, text.encode("utf-8"))
        return data, f"yaml:{label}"
    else:
        text = pick(rng, ["- a\n- b\n", "just a string\n", "null\n", "42\n", ""])
    return text.encode("utf-8"), f"yaml:{kind}"


def dump_json(rng: random.Random, doc) -> bytes:
    """JSON as a damaged run file might hold it: NaN/Infinity literals allowed."""
    return json.dumps(doc, allow_nan=True, ensure_ascii=rng.random() < 0.5).encode("utf-8")
