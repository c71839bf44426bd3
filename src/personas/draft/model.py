"""The draft of an instrument, as frozen objects, before it is written as commented YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = ["DraftQuestion", "Draft", "InitResult"]


@dataclass(frozen=True)
class DraftQuestion:
    """One question drafted from one column of a survey file.

    ``id`` is the question id (the column name when it is a valid id, else a cleaned copy),
    ``column`` the raw column the wave file holds it in, ``why`` the plain-words reason for
    the type (written as a comment above the question), ``check`` a TODO a researcher should
    look at (``""`` when there is none).
    """

    id: str
    column: str
    text: str
    type: str
    scale: tuple[int, int] | None = None
    labels: Mapping[int, str] = field(default_factory=dict)
    options: tuple[str, ...] = ()
    why: str = ""
    check: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))


@dataclass(frozen=True)
class Draft:
    """Everything ``personas init`` read from a survey file's own metadata.

    ``skipped`` lists ``(column, reason)`` for columns that became no question (free text,
    metadata, dates ...); ``missing`` the codes that mean "no answer" (``data.missing``);
    ``notes`` what else the researcher should know, written at the top of the draft.
    """

    study_id: str
    title: str
    source: Path
    format: str
    questions: tuple[DraftQuestion, ...]
    id_column: str | None = None
    duration_column: str | None = None
    missing: tuple = ()
    skipped: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"Draft({self.study_id!r} from {self.source.name} [{self.format}]: "
            f"{len(self.questions)} questions, {len(self.skipped)} columns skipped)"
        )


@dataclass(frozen=True)
class InitResult:
    """What ``personas init`` wrote: the instrument file, the draft, and whether it replaced one."""

    path: Path
    draft: Draft
    replaced: bool = False

    def lines(self, study: str) -> list[str]:
        """What was written and what to do next, for the command line."""
        draft = self.draft
        counts: dict[str, int] = {}
        for q in draft.questions:
            counts[q.type] = counts.get(q.type, 0) + 1
        kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        verb = "Replaced" if self.replaced else "Drafted"
        skipped = f"; {_columns(len(draft.skipped))} not drafted" if draft.skipped else ""
        out = [
            f"{verb} {self.path} from {draft.source.name}: {len(draft.questions)} questions "
            f"({kinds}){skipped}"
        ]
        out.append(f"Next: fill in the TODOs there, then `personas validate {study}`")
        if draft.format != "qsf":
            out.append(f"Run it now: `personas run {study} --data {draft.source}`")
        return out


def _columns(n: int) -> str:
    return f"{n} column" + ("" if n == 1 else "s")
