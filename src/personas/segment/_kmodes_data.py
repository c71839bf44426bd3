"""Categorical data as k-modes sees it: integer codes, one-hot blocks, matching distances.

Every column is encoded to ``0 .. m_j - 1`` in sorted order of its values (the encoding of the
kmodes package's ``encode_features``). Distances to centroids are computed for a block of rows
at once with one matrix product against a *reduced* one-hot matrix (category 0 of each column is
the reference and has no column), which is exact in float32 for counts below 2**24:

    mismatches(x, c) = sum_j [x_j != c_j]
                     = sum_{j: c_j > 0} (1 - onehot(x)_{j, c_j})
                       + sum_{j: c_j = 0} sum_{v > 0} onehot(x)_{j, v}

so ``D = onehot(X) @ W + const`` with ``W`` and ``const`` built from the centroids. Unknown
categories (code -1, only at predict time) would look like category 0 in that encoding and
get a correction term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A one-hot matrix is kept in memory when it is at most this many bytes; larger data are
# converted block by block.
_ONEHOT_BYTES = 256 * 2**20
_BLOCK = 65536
_ROWS = 16384  # rows per block when converting data


@dataclass
class Encoded:
    """Integer codes of a categorical matrix and what the distance products need."""

    codes: np.ndarray  # (n, d) small ints, C order; -1 = unknown category
    n_cats: np.ndarray  # (d,) number of categories per column (>= 1)
    offsets: np.ndarray  # (d,) first column of each block in the reduced one-hot matrix
    width: int  # columns of the reduced one-hot matrix
    onehot: np.ndarray | None  # (n, width) float32 or None when too big (built per block)
    unknown: bool  # whether any code is -1

    @property
    def n(self) -> int:
        return self.codes.shape[0]

    @property
    def d(self) -> int:
        return self.codes.shape[1]

    @property
    def m(self) -> int:
        """Largest number of categories of any column (the width of the count arrays)."""
        return int(self.n_cats.max()) if self.d else 1

    def take(self, rows: np.ndarray) -> Encoded:
        """The encoded respondents ``rows`` (possibly repeated): a gather of the codes and of
        the one-hot rows when they are kept, cheaper than encoding the rows again."""
        codes = self.codes[rows]
        if self.onehot is None:
            return prepare(codes, self.n_cats)
        unknown = bool((codes < 0).any()) if self.unknown else False
        return Encoded(codes, self.n_cats, self.offsets, self.width, self.onehot[rows], unknown)


def _code_dtype(m: int):
    return np.int8 if m <= 127 else (np.int16 if m <= 32767 else np.int32)


def encode_column(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``column`` and each value's position among them.

    Small non-negative integer-valued columns (0/1 answers, scale points, option indices) take
    an O(n) path through ``bincount``; anything else goes through ``np.unique``.
    """
    if column.dtype.kind in "biuf" and column.size:
        values = column.astype(np.int8) if column.dtype.kind == "b" else column
        lo, hi = values.min(), values.max()
        if hi - lo < 65536 and np.array_equal(values, np.floor(values)):
            shifted = (values - lo).astype(np.intp)
            present = np.bincount(shifted, minlength=int(hi - lo) + 1) > 0
            lookup = np.cumsum(present) - 1
            categories = (np.flatnonzero(present) + lo).astype(column.dtype)
            return categories, lookup[shifted]
    try:
        categories, inverse = np.unique(column, return_inverse=True)
    except TypeError:  # e.g. a dict among strings: not a category
        kinds = (str, int, float, np.number)
        odd = next((type(v).__name__ for v in column if not isinstance(v, kinds)), "mixed types")
        raise TypeError(
            f"argument must be a string or a number to be used as a category, not {odd!r}"
        ) from None
    return categories, inverse.reshape(-1)


def encode(X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Each column's sorted distinct values and the ``(n, d)`` codes of ``X``.

    Integer-valued numeric data with a small range per column (answer codes) takes a fast path
    by blocks of rows (:func:`_encode_small_ints`); anything else goes column by column.
    """
    if X.dtype.kind in "biuf" and X.size:
        fast = _encode_small_ints(X)
        if fast is not None:
            return fast
    pairs = [encode_column(X[:, j]) for j in range(X.shape[1])]
    categories = [p[0] for p in pairs]
    codes = np.column_stack([p[1] for p in pairs]) if pairs else np.empty(X.shape, np.intp)
    return categories, codes


def _encode_small_ints(X: np.ndarray):
    """Encode integer-valued columns whose values span at most 32767; None if they do not.

    Works on blocks of rows so that no temporary of the size of ``X`` is allocated."""
    n, d = X.shape
    lo = np.full(d, np.iinfo(np.int64).max)
    hi = np.full(d, np.iinfo(np.int64).min)
    for a in range(0, n, _ROWS):
        block = X[a : a + _ROWS]
        with np.errstate(invalid="ignore"):
            ints = block.astype(np.int64)
        if block.dtype.kind == "f" and not np.array_equal(ints, block):  # fractions, NaN, inf
            return None
        np.minimum(lo, ints.min(axis=0), out=lo)
        np.maximum(hi, ints.max(axis=0), out=hi)
    span = hi - lo + 1
    if span.max() > 32767:
        return None
    start = np.concatenate([[0], np.cumsum(span)[:-1]])
    codes = np.empty((n, d), dtype=_code_dtype(int(span.max())))
    present = np.zeros(int(span.sum()), dtype=bool)
    for a in range(0, n, _ROWS):
        local = X[a : a + _ROWS].astype(np.int64) - lo
        codes[a : a + _ROWS] = local
        present |= np.bincount((local + start).ravel(), minlength=present.size) > 0
    seen = np.cumsum(present)
    rank = seen - 1 - np.repeat(np.where(start > 0, seen[start - 1], 0), span)
    if not present.all():  # some value inside a column's range never occurs: renumber
        for a in range(0, n, _ROWS):
            codes[a : a + _ROWS] = rank[codes[a : a + _ROWS] + start]
    categories = [
        (np.flatnonzero(present[a : a + w]) + lo[j]).astype(X.dtype)
        for j, (a, w) in enumerate(zip(start, span, strict=True))
    ]
    return categories, codes


def encode_with(X: np.ndarray, categories: list[np.ndarray]) -> np.ndarray:
    """Codes of ``X`` under known ``categories`` (the fitted encoding); unknown values -> -1."""
    codes = np.empty(X.shape, dtype=np.int32)
    for j, cats in enumerate(categories):
        column = X[:, j]
        pos = np.clip(np.searchsorted(cats, column), 0, len(cats) - 1)
        codes[:, j] = np.where(cats[pos] == column, pos, -1)
    return codes


def prepare(codes: np.ndarray, n_cats: np.ndarray) -> Encoded:
    """Wrap integer codes (``-1`` = unknown) with the one-hot layout used by :func:`distances`."""
    n_cats = np.asarray(n_cats, dtype=np.intp)
    codes = np.ascontiguousarray(codes, dtype=_code_dtype(int(n_cats.max(initial=1))))
    sizes = np.maximum(n_cats - 1, 0)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    width = int(sizes.sum())
    enc = Encoded(codes, n_cats, offsets, width, None, bool((codes < 0).any()))
    if codes.shape[0] * (width + 1) * 4 <= _ONEHOT_BYTES:
        enc.onehot = _onehot_block(enc, 0, codes.shape[0])
    return enc


def _onehot_block(enc: Encoded, start: int, stop: int) -> np.ndarray:
    """Reduced one-hot rows ``start:stop`` (category 0 and unknowns have no column), plus a
    last column of ones that carries the constant term of the distances."""
    block = enc.codes[start:stop]
    rows, width = block.shape[0], enc.width + 1
    if enc.width == enc.d and (enc.n_cats == 2).all():  # all binary: the codes themselves
        out = np.ones((rows, width), dtype=np.float32)
        out[:, :-1] = block == 1
        return out
    out = np.zeros(rows * width, dtype=np.float32)
    flat = (
        np.where(block > 0, enc.offsets + block - 1, enc.width) + (np.arange(rows) * width)[:, None]
    )
    out[flat.ravel()] = 1.0
    out = out.reshape(rows, width)
    out[:, -1] = 1.0
    return out


def _weights(enc: Encoded, centroids: np.ndarray) -> np.ndarray:
    """``W`` (width + 1, k) with ``mismatches = onehot @ W`` (last row: the constant term)."""
    k, d = centroids.shape
    W = np.zeros((enc.width + 1, k), dtype=np.float32)
    W[-1] = (centroids > 0).sum(axis=1)
    cs, js = np.nonzero(centroids > 0)
    W[enc.offsets[js] + centroids[cs, js] - 1, cs] = -1.0
    # Columns whose centroid is category 0: every other category of that column is a mismatch.
    col_of = np.repeat(np.arange(d), np.maximum(enc.n_cats - 1, 0))
    W[:-1] += (centroids == 0)[:, col_of].T
    return W


def distances(enc: Encoded, centroids: np.ndarray, start: int = 0, stop: int | None = None):
    """Matching dissimilarity (number of differing columns) of rows ``start:stop`` to each
    centroid, as a float32 ``(rows, k)`` array of exact integers."""
    stop = enc.n if stop is None else stop
    W = _weights(enc, centroids)
    out = np.empty((stop - start, centroids.shape[0]), dtype=np.float32)
    for a in range(start, stop, _BLOCK):
        b = min(stop, a + _BLOCK)
        block = enc.onehot[a:b] if enc.onehot is not None else _onehot_block(enc, a, b)
        np.matmul(block, W, out=out[a - start : b - start])
    if enc.unknown:  # an unknown code looks like category 0: count it as a mismatch there
        unknown = (enc.codes[start:stop] < 0).astype(np.float32)
        out += unknown @ (centroids == 0).T.astype(np.float32)
    return out


def counts(enc: Encoded, labels: np.ndarray, k: int) -> np.ndarray:
    """Answer counts per cluster: ``(k, d, m)`` int64, ``[c, j, v]`` = members of ``c`` with
    code ``v`` in column ``j``."""
    d, m = enc.d, enc.m
    if enc.onehot is not None and enc.n < 2**24 and not enc.unknown:
        # one product of the one-hot answers with the one-hot labels (exact in float32)
        member = np.zeros((enc.n, k), dtype=np.float32)
        member[np.arange(enc.n), labels] = 1.0
        per_code = (enc.onehot.T @ member).T.astype(np.int64)  # (k, width + 1), last: sizes
        out = np.zeros((k, d, m), dtype=np.int64)
        col_of = np.repeat(np.arange(d), np.maximum(enc.n_cats - 1, 0))
        code_of = np.concatenate([np.arange(1, c) for c in enc.n_cats] + [np.array([], int)])
        out[:, col_of, code_of.astype(np.intp)] = per_code[:, :-1]
        out[:, :, 0] = per_code[:, -1:] - out[:, :, 1:].sum(axis=2)
        return out
    flat = np.zeros(k * d * m, dtype=np.int64)
    base = np.arange(d, dtype=np.intp) * m
    for a in range(0, enc.n, _BLOCK):
        b = min(enc.n, a + _BLOCK)
        idx = (labels[a:b, None].astype(np.intp) * (d * m) + base) + enc.codes[a:b]
        flat += np.bincount(idx.ravel(), minlength=k * d * m)
    return flat.reshape(k, d, m)


def weighted_counts(enc: Encoded, labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """Weighted answer counts per cluster: ``(k, d, m)`` float64, ``[c, j, v]`` = the summed
    weight of the members of ``c`` with code ``v`` in column ``j`` (one ``bincount`` with
    weights per block of rows, no loop over respondents)."""
    d, m = enc.d, enc.m
    flat = np.zeros(k * d * m, dtype=np.float64)
    base = np.arange(d, dtype=np.intp) * m
    weights = np.asarray(weights, dtype=np.float64)
    for a in range(0, enc.n, _BLOCK):
        b = min(enc.n, a + _BLOCK)
        idx = (labels[a:b, None].astype(np.intp) * (d * m) + base) + enc.codes[a:b]
        spread = np.broadcast_to(weights[a:b, None], idx.shape)
        flat += np.bincount(idx.ravel(), weights=spread.ravel(), minlength=k * d * m)
    return flat.reshape(k, d, m)
