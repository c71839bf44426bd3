"""Per-seed result rows for long benchmarks: chunked, resumable, aggregated later.

A benchmark section is a list of *tasks* (dicts of parameters, one per seed and cell). A run
does the tasks of one chunk (``--chunk I/N``: every N-th task, starting at I) and appends one
CSV row per finished task to ``DIR/<section>-[<tag>-]<I>of<N>.csv`` (the tag: which grid),
flushing each row, so that:

* chunks never write the same file (parallel-safe: run ``0/2`` and ``1/2`` at once);
* a run that is stopped loses at most the task in progress; started again, it skips every
  task whose key already appears in any CSV of the section (resume);
* ``--aggregate`` reads every CSV of the section and prints the tables without fitting.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

__all__ = ["Chunk", "parse_chunk", "run_tasks", "read_rows"]


class Chunk(tuple):
    """(index, count) of a chunk; ``Chunk((0, 1))`` is everything."""

    @property
    def label(self) -> str:
        return f"{self[0]}of{self[1]}"


def parse_chunk(text: str) -> Chunk:
    """``"1/4"`` -> Chunk((1, 4)); refuses an index outside 0..N-1."""
    index, count = (int(part) for part in text.split("/", 1))
    if not 0 <= index < count:
        raise ValueError(f"chunk {text!r}: the index must be in 0..{count - 1}")
    return Chunk((index, count))


def _key(task: dict, keys: list[str]) -> tuple[str, ...]:
    return tuple(str(task[k]) for k in keys)


def read_rows(folder: Path, section: str) -> pd.DataFrame:
    """Every row written for ``section`` in ``folder`` (empty frame when none)."""
    files = sorted(Path(folder).glob(f"{section}-*.csv"))
    frames = [pd.read_csv(f) for f in files if f.stat().st_size]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def run_tasks(
    folder: Path,
    section: str,
    tasks: Iterable[dict],
    work: Callable[[dict], dict],
    *,
    chunk: Chunk,
    keys: list[str],
    tag: str = "",
    log: Callable[[str], None] = print,
) -> int:
    """Do this chunk's tasks not yet in ``folder``; append each result row. Returns how many
    were done now."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    old = read_rows(folder, section)
    done = {_key(r, keys) for r in old.astype(str).to_dict("records")} if len(old) else set()
    mine = [t for i, t in enumerate(tasks) if i % chunk[1] == chunk[0]]
    todo = [t for t in mine if _key(t, keys) not in done]
    log(f"{section}: chunk {chunk[0]}/{chunk[1]}: {len(mine)} tasks, {len(todo)} to do")
    path = folder / f"{section}-{tag + '-' if tag else ''}{chunk.label}.csv"
    writer, fh, t0 = None, None, time.perf_counter()
    try:
        for count, task in enumerate(todo, 1):
            row = {**task, **work(task)}
            if writer is None:
                new = not path.exists() or path.stat().st_size == 0
                fh = path.open("a", newline="")
                writer = csv.DictWriter(fh, fieldnames=list(row))
                if new:
                    writer.writeheader()
            writer.writerow(row)
            fh.flush()
            if count % 20 == 0 or count == len(todo):
                log(f"  {section}: {count}/{len(todo)} ({time.perf_counter() - t0:.0f} s)")
    finally:
        if fh is not None:
            fh.close()
    return len(todo)
