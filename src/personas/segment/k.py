"""The one validation of ``k``, the number of segments, for the CLI and the library.

``personas run --k`` hands its text to :func:`parse_k`; :func:`personas.segment.segment`
checks its ``k`` with :func:`k_problem`. Both refuse the same values with the same message.

One segment is refused, not handled: with ``k = 1`` every respondent is in the same group,
there is nothing to compare the hand-made personas against (each would be "confirmed" or
"unsupported" by the overall average), and neither the silhouette nor bootstrap stability is
defined. The smallest segmentation is ``k = 2``.
"""

from __future__ import annotations

from numbers import Integral

from personas.errors import InputError, Problem

__all__ = ["K_EXPECTED", "MIN_K", "parse_k", "k_problem"]

#: The smallest number of segments (one segment is no segmentation).
MIN_K = 2
#: What ``k`` may be, as the error message says it.
K_EXPECTED = (
    "'auto', a number of segments of at least 2 (e.g. 5), or a range of them such as 2..10 "
    "(one segment is no segmentation)"
)


def _whole(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def k_problem(k) -> Problem | None:
    """The problem with a ``k`` given to :func:`~personas.segment.segment`, or ``None``.

    ``k`` is ``"auto"``, an int >= 2, or a non-empty range / sequence of ints >= 2.

    Examples
    --------
    >>> k_problem(5) is None and k_problem(range(2, 9)) is None and k_problem("auto") is None
    True
    >>> print(k_problem(1).message)  # doctest: +ELLIPSIS
    The 'k' option must be 'auto', a number of segments of at least 2 ... Got 1 instead.
    """
    if isinstance(k, str) and k == "auto":
        return None
    if _whole(k):
        values = [k]
    elif isinstance(k, (range, tuple, list)) and all(_whole(v) for v in k):
        values = list(k)
    else:
        values = []
    if values and min(values) >= MIN_K:
        return None
    return _problem(k)


def _problem(shown) -> Problem:
    message = f"The 'k' option must be {K_EXPECTED}. Got {shown!r} instead."
    return Problem(message, code="bad-option")


def parse_k(text: str | int | range) -> str | int | range:
    """``--k`` text (``auto``, ``5``, ``2..10``) as ``segment``'s ``k``; refused as ``segment``
    refuses it.

    Parameters
    ----------
    text
        What the user wrote. Values that are not text (an int, a range) are checked as they
        are, so the library can call this too.

    Returns
    -------
    str, int or range
        ``"auto"``, the number of segments, or the range of them to try (both ends included
        in the text, as in ``2..10``).

    Raises
    ------
    InputError
        For anything :func:`k_problem` refuses: ``0``, ``1``, ``-3``, ``x``, ``5..3``,
        ``1..4``.

    Examples
    --------
    >>> parse_k("auto"), parse_k(" 5 "), parse_k("2..10")
    ('auto', 5, range(2, 11))
    >>> parse_k("1")
    Traceback (most recent call last):
    ...
    personas.errors.InputError: ...The 'k' option must be 'auto', a number of segments ...
    """
    value = _from_text(text) if isinstance(text, str) else text
    problem = k_problem(value)
    if problem is not None:
        raise InputError(_problem(text.strip() if isinstance(text, str) else text))
    return value


def _from_text(text: str):
    """``"5"`` → 5, ``"2..10"`` → range(2, 11), ``"auto"`` → "auto"; anything else unchanged."""
    word = text.strip()
    if word.lower() == "auto":
        return "auto"
    try:
        if ".." in word:
            lo, hi = (int(part) for part in word.split("..", 1))
            return range(lo, hi + 1) if hi >= lo else word
        return int(word)
    except ValueError:
        return word
