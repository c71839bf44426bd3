"""Read a ``tensions:`` mapping of positions, the same way in every YAML file kind.

Personas in ``instrument.yaml``, planted segments in a truth file and entries of a names
file all place something on the tensions with ``{tension id: position}``. This is the one
reader of that mapping, so a bad position gives the same message and reason code
(``bad-position``) whichever file it is in.
"""

from __future__ import annotations

from collections.abc import Iterable

from personas.instrument._answers import position_code
from personas.instrument._check import Checker
from personas.instrument._yaml import Node

__all__ = ["read_positions", "POSITION_HINT"]

POSITION_HINT = "Write a, b, mid, or a number from -1 (pole a) to 1 (pole b)"


def read_positions(
    check: Checker,
    node: Node | None,
    where: str,
    tensions: Iterable[str],
    *,
    non_empty: bool = False,
) -> dict[str, float]:
    """Positions in [-1, 1] by tension id, from the ``tensions`` mapping at ``node``.

    Parameters
    ----------
    check
        The file's problem collector; every bad key or value is added to it.
    node
        The ``tensions:`` value, or ``None`` when the key is absent (then: no positions).
    where
        How the owner is named in messages, e.g. ``"persona 'survivor'"``.
    tensions
        The tension ids the instrument defines; any other key is an unknown tension.
    non_empty
        Report a null or empty mapping (names files, where ``tensions`` is the point).

    Returns
    -------
    dict
        Tension id → position code, for the valid pairs only.
    """
    known = list(tensions)
    out = {}
    for tid, key, value in check.pairs(
        node, f"tensions of {where}", example="tensions: {speed: a}", non_empty=non_empty
    ):
        if not check.reference(key, tid, known, what="tension", where=where):
            continue
        code = position_code(value)
        if code is None:
            check.add(
                value,
                f"{where} has position '{value.text or value.kind}' on tension '{tid}'",
                code="bad-position",
                hint=POSITION_HINT,
            )
            continue
        out[tid] = code
    return out
