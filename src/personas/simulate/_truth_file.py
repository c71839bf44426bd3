"""Read and validate ``truth.yaml``, the answer key of simulated waves.

Every problem is reported at once, located at the line and column of the key or value that
caused it (the instrument loader's position-keeping YAML reader and problem collector are
reused so both files read and complain alike)::

    schema: personas/truth@1
    noise: 0.1                     # per-answer noise (True/False items: flip probability)
    dirt: {attention: 0.03, speeders: 0.03, straightliners: 0.02,
           missing: 0.02, duplicates: 0.01, spellings: 0.1}
    segments:
      - id: quick_money
        name: "Quick money"
        share: 0.28
        persona: [survivor, quick_win]   # one id or a list: two or more = a planted merge
        tensions: {speed: a, pay: a}     # a | b | mid | number in [-1, 1]; omitted = random
        answers: {q05: true}             # optional fixed answers (before noise)
    drift:                               # optional, per later wave
      w2:
        shares: {quick_money: 0.2}       # new shares; all rescaled to sum to 1
        add: [{id: gig, name: "Gig worker", share: 0.1, tensions: {horizon: a}}]
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from pathlib import Path

from personas.errors import InputError
from personas.instrument._answers import answer_code
from personas.instrument._check import Checker, entry_name
from personas.instrument._positions import read_positions
from personas.instrument._yaml import Node, parse, read_text
from personas.instrument.model import Instrument
from personas.simulate._truth import DEFAULT_NOISE, Dirt, Drift, PlantedSegment, Truth

__all__ = ["load_truth", "SCHEMA"]

SCHEMA = "personas/truth@1"
TRUTH_KEYS = ("schema", "noise", "dirt", "segments", "drift")
SEGMENT_KEYS = ("id", "name", "share", "persona", "tensions", "answers", "noise")
DRIFT_KEYS = ("shares", "add", "noise")
_SHARE_TOLERANCE = 0.01


def load_truth(path: str | Path, instrument: Instrument) -> Truth:
    """Read ``truth.yaml`` and check it against the instrument it plants answers for.

    Parameters
    ----------
    path
        The truth file (YAML, schema ``personas/truth@1``).
    instrument
        The study's instrument: segments may only name its tensions, questions and personas.

    Returns
    -------
    Truth
        Segments with shares rescaled to sum exactly to 1.

    Raises
    ------
    InputError
        Listing every problem in the file, each with its line and column.

    Examples
    --------
    >>> from personas.instrument import load_instrument
    >>> inst = load_instrument("surveys/jobsite/instrument.yaml")
    >>> load_truth("surveys/jobsite/truth.yaml", inst)  # doctest: +ELLIPSIS
    Truth(5 segments: ...)
    """
    path = Path(path)
    file = str(path)
    text = read_text(file, what="truth file")
    root = parse(text, file)
    check = Checker(file)
    if root is None:
        check.add(
            None, "the truth file is empty", code="empty", hint=f"Start with 'schema: {SCHEMA}'"
        )
        raise InputError(check.problems)
    truth = _read_truth(check, root, instrument)
    if check.problems:
        raise InputError(check.problems)
    return Truth(
        segments=truth["segments"],
        noise=truth["noise"],
        dirt=truth["dirt"],
        drift=truth["drift"],
        path=path,
    )


def _read_truth(check: Checker, root: Node, instrument: Instrument) -> dict:
    top = check.mapping(root, "the truth file", allowed=TRUTH_KEYS, required=("schema", "segments"))
    if top is None:
        return {}
    schema = check.text(top.get("schema"), "schema")
    if schema is not None and schema != SCHEMA:
        check.add(
            top["schema"],
            f"unknown schema '{schema}'",
            code="schema",
            hint=f"Write 'schema: {SCHEMA}'",
        )
    noise = _rate(check, top.get("noise"), "noise", high=0.5)
    dirt = _dirt(check, top.get("dirt"))
    read = _segments(check, top.get("segments"), instrument, where="segments")
    segments = [s for _, s in read if s is not None]
    if len(segments) == len(read):
        _check_shares(check, top.get("segments"), segments)
    drift = _drift(check, top.get("drift"), instrument, [sid for sid, _ in read if sid])
    return {
        "noise": DEFAULT_NOISE if noise is None else noise,
        "dirt": dirt,
        "segments": tuple(_normalised(segments)),
        "drift": drift,
    }


def _rate(check: Checker, node: Node | None, where: str, *, high: float = 1.0) -> float | None:
    """A number in [0, high) (or [0, 1] when high is 1); ``None`` when absent or wrong."""
    if node is None or node.is_null:
        return None
    ok = node.is_number and not node.is_bool
    value = float(node.value) if ok else math.nan
    if not ok or value < 0 or value > high or (high < 1 and value == high):
        upper = "1" if high == 1 else f"below {high}"
        check.add(
            node, f"{where} must be a number from 0 to {upper}", code="bad-rate", value=node.text
        )
        return None
    return value


def _dirt(check: Checker, node: Node | None) -> Dirt:
    if node is None or node.is_null:
        return Dirt()
    names = tuple(f.name for f in fields(Dirt))
    found = check.mapping(node, "dirt", allowed=names) or {}
    rates = {name: _rate(check, value, f"dirt rate '{name}'") for name, value in found.items()}
    dirt = Dirt().updated({k: v for k, v in rates.items() if v is not None})
    if dirt.attention + dirt.speeders + dirt.straightliners > 1:
        check.add(
            node,
            "dirt rates attention + speeders + straightliners add up to more than 1",
            code="bad-rate",
        )
    return dirt


def _segments(
    check: Checker, node: Node | None, instrument: Instrument, *, where: str
) -> list[tuple[str | None, PlantedSegment | None]]:
    """``(id, segment)`` per list entry; the segment is ``None`` when the entry has problems."""
    out = []
    example = "'- {id: quick_money, name: \"Quick money\", share: 0.3, tensions: {speed: a}}'"
    items = check.sequence(node, where, example=example)
    for index, item in enumerate(items):
        out.append(_segment(check, item, entry_name(item, "segment", index), instrument))
    check.unique([(sid, item) for (sid, _), item in zip(out, items, strict=True) if sid], "segment")
    if node is not None and node.is_sequence and not items:
        check.add(
            node,
            f"{where} is empty",
            code="no-segments",
            hint=f"Add at least one segment, e.g. {example}",
        )
    return out


def _segment(
    check: Checker, item: Node, where: str, instrument: Instrument
) -> tuple[str | None, PlantedSegment | None]:
    before = len(check.problems)
    found = check.mapping(item, where, allowed=SEGMENT_KEYS, required=("id", "share"))
    if found is None:
        return None, None
    sid = check.ident(found.get("id"), f"{where} id")
    share = _share(check, found.get("share"), where)
    personas = _personas(check, found.get("persona"), where, instrument)
    if "tensions" in found:
        positions = read_positions(
            check, found["tensions"], where, [t.id for t in instrument.tensions]
        )
    else:
        positions = _inherited(check, item, where, personas, instrument)
    answers = _answers(check, found.get("answers"), where, instrument)
    noise = _rate(check, found.get("noise"), f"{where} noise", high=0.5)
    names = [instrument.persona(p).name for p in personas]
    name = check.text(found.get("name"), f"{where} name") or " / ".join(names) or sid
    if len(check.problems) > before:
        return sid, None
    return sid, PlantedSegment(sid, name, share, positions, answers, tuple(personas), noise)


def _share(check: Checker, node: Node | None, where: str, *, zero: bool = False) -> float:
    ok = node is not None and node.is_number and not node.is_bool
    value = float(node.value) if ok else math.nan
    if node is not None and not (ok and (0 <= value if zero else 0 < value) and value <= 1):
        low = "0" if zero else "above 0"
        check.add(
            node,
            f"{where} share must be a number {low} and at most 1",
            code="bad-share",
            value=node.text,
        )
    return value


def _personas(check: Checker, node: Node | None, where: str, instrument: Instrument) -> list[str]:
    if node is None or node.is_null:
        return []
    nodes = node.children() if node.is_sequence else [node]
    known = [p.id for p in instrument.personas]
    out = []
    for child in nodes:
        pid = check.text(child, f"{where} persona")
        if pid is not None and check.reference(child, pid, known, what="persona", where=where):
            out.append(pid)
    return out


def _inherited(
    check: Checker, item: Node, where: str, personas: list[str], instrument: Instrument
) -> dict:
    """Positions taken from the segment's personas when it gives no ``tensions`` of its own."""
    out: dict[str, float] = {}
    for pid in personas:
        for tid, pos in instrument.persona(pid).tensions.items():
            if out.setdefault(tid, pos) != pos:
                check.add(
                    item,
                    f"{where} merges personas that disagree on tension '{tid}'",
                    code="segment-position",
                    hint="Give the segment its own 'tensions:'",
                )
                return {}
    return out


def _answers(
    check: Checker, node: Node | None, where: str, instrument: Instrument
) -> dict[str, float]:
    if node is None or node.is_null:
        return {}
    out = {}
    known = [q.id for q in instrument.questions]
    for qid, key, value in check.pairs(node, f"answers of {where}"):
        if not check.reference(key, qid, known, what="question", where=where):
            continue
        question = instrument.question(qid)
        if question.is_attention_check:
            check.add(
                key,
                f"{where} fixes the answer of attention check '{qid}'",
                code="segment-answer",
                hint="Plant attention failures with 'dirt: {attention: ...}' instead",
            )
            continue
        code = answer_code(question, value)
        if code is None:
            allowed = ", ".join(question.allowed_text())
            check.add(
                value,
                f"{where} answers '{value.text or value.kind}' to {question.type} question '{qid}'",
                code="segment-answer",
                hint=f"Write one of: {allowed}",
            )
            continue
        out[qid] = code
    return out


def _check_shares(check: Checker, node: Node | None, segments: list[PlantedSegment]) -> None:
    total = sum(s.share for s in segments)
    if segments and not math.isnan(total) and abs(total - 1) > _SHARE_TOLERANCE:
        check.add(
            node,
            f"segment shares add up to {total:.3g}, not 1",
            code="bad-share",
            hint="Make the shares sum to 1",
        )


def _normalised(segments: list[PlantedSegment]) -> list[PlantedSegment]:
    total = sum(s.share for s in segments)
    return [replace(s, share=s.share / total) for s in segments] if total > 0 else segments


def _drift(
    check: Checker, node: Node | None, instrument: Instrument, known: list[str]
) -> dict[str, Drift]:
    """The ``drift`` section: per later wave, new shares and added segments."""
    if node is None or node.is_null:
        return {}
    out = {}
    for wave, _key, value in check.pairs(node, "drift"):
        where = f"drift of wave '{wave}'"
        found = check.mapping(value, where, allowed=DRIFT_KEYS)
        if found is None:
            continue
        shares = {}
        if "shares" in found:
            for sid, skey, snode in check.pairs(found["shares"], f"shares of wave '{wave}'"):
                if check.reference(skey, sid, known, what="segment", where=where):
                    shares[sid] = _share(
                        check, snode, f"segment '{sid}' in wave '{wave}'", zero=True
                    )
        read = _segments(check, found.get("add"), instrument, where=f"segments added in {where}")
        added = [segment for _, segment in read if segment is not None]
        for segment in added:
            if segment.id in known:
                check.add(
                    found["add"],
                    f"wave '{wave}' adds segment '{segment.id}', which already exists",
                    code="duplicate-id",
                    hint="Give the new segment its own id, or change its share under 'shares:'",
                )
        noise = _rate(check, found.get("noise"), f"noise of wave '{wave}'", high=0.5)
        out[wave] = Drift(shares=shares, add=tuple(added), noise=noise)
    return out
