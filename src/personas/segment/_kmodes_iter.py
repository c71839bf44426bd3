"""One k-modes run (kmodes 0.12.2's ``_k_modes_single``), exact and without a loop over
respondents.

kmodes visits respondents one by one; a respondent whose nearest centroid is not its cluster
moves at once, and the answer counts and modes of the two clusters involved are updated before
the next respondent is looked at. Here, window by window of respondents (in order):

* the distances of the window to the current centroids come from one matrix product, and the
  respondents that want to move are found with one comparison;
* those moves are applied in bulk up to the first one that would change a mode or empty a
  cluster (:func:`_first_event`). A mode of cluster ``c`` in column ``j`` can only change when
  another answer's count comes within one of the mode's count, and every move touching ``c``
  changes that gap by at most one: a cheap bound clears most moves at once, and past it the
  (cluster, column) pairs whose gap could close are followed move by move with cumulative sums;
* that one move is applied exactly as kmodes does it (its tie rules, its refill of an emptied
  cluster from the largest one, the same random draws); if a mode changed, each changed
  (cluster, column) adds or removes one mismatch for the rest of the window (updated in place)
  and later windows are computed from the new centroids.

Python loops run over windows, batches of moves and mode changes, never over respondents. The
outcome (labels, centroids, cost, iterations, random numbers drawn) is kmodes'.
"""

from __future__ import annotations

import numpy as np

from personas.segment._kmodes_data import Encoded, counts, distances

_WINDOW = 2048  # respondents whose distances are computed together
_BATCH = 2048  # moves examined together for the next mode change
_DENSE = 4_000_000  # cap on moves x pairs x categories followed exactly at once
_EXACT = 512  # most moves followed exactly past the first one the cheap bound cannot clear


class _State:
    """Mutable state of one run: centroids, membership, answer counts, cluster sizes."""

    def __init__(self, enc: Encoded, centroids: np.ndarray, rng: np.random.RandomState):
        self.enc, self.rng = enc, rng
        self.C = np.array(centroids, dtype=np.intp)
        self.k = self.C.shape[0]
        self.labels = np.empty(enc.n, dtype=np.intp)
        self.counts = np.zeros((self.k, enc.d, enc.m), dtype=np.int64)
        self.sizes = np.zeros(self.k, dtype=np.int64)
        self.valid = np.arange(enc.m)[None, :] < enc.n_cats[:, None]  # (d, m)
        self.invalid = ~self.valid[None]  # (1, d, m)
        self.grid_c, self.grid_j = np.indices((self.k, enc.d))
        self.stretch = _EXACT  # moves followed exactly past the bound, adapted as we go

    def move(self, point: int, to: int, origin: int) -> bool:
        """kmodes' ``_move_point_cat`` for one respondent; True if a centroid changed."""
        x = self.enc.codes[point].astype(np.intp)
        cols = np.arange(self.enc.d)
        before = self.C[[to, origin]].copy()
        self.labels[point] = to
        self.sizes[to] += 1
        self.sizes[origin] -= 1
        into = self.counts[to]
        into[cols, x] += 1
        up = into[cols, self.C[to]] < into[cols, x]  # strictly more: the answer takes over
        self.C[to, up] = x[up]
        out = self.counts[origin]
        out[cols, x] -= 1
        redo = self.C[origin] == x  # the mode lost a count: recompute (smallest key on ties)
        self.C[origin, redo] = out[redo].argmax(axis=1)
        return not np.array_equal(before, self.C[[to, origin]])

    def move_and_refill(self, point: int, to: int) -> bool:
        """Move ``point``; if that empties its cluster, refill it as kmodes does."""
        origin = int(self.labels[point])
        changed = self.move(point, to, origin)
        if self.sizes[origin] == 0:
            largest = int(self.sizes.argmax())
            pick = int(self.rng.choice(np.flatnonzero(self.labels == largest)))
            self.move(pick, origin, largest)
            changed = True
        return changed

    def apply_bulk(self, points: np.ndarray, to: np.ndarray) -> None:
        """Apply moves that change no mode and empty no cluster, all at once."""
        enc, k, d, m = self.enc, self.k, self.enc.d, self.enc.m
        origin = self.labels[points]
        base = np.arange(d) * m
        x = enc.codes[points]
        add = (to[:, None] * (d * m) + base + x).ravel()
        sub = (origin[:, None] * (d * m) + base + x).ravel()
        flat = self.counts.reshape(-1)
        flat += np.bincount(add, minlength=k * d * m) - np.bincount(sub, minlength=k * d * m)
        self.sizes += np.bincount(to, minlength=k) - np.bincount(origin, minlength=k)
        self.labels[points] = to


def initial_update(state: _State) -> None:
    """The first assignment to the initial centroids and kmodes' initial centroid update."""
    enc = state.enc
    state.labels[:] = distances(enc, state.C).argmin(axis=1)
    state.counts[:] = counts(enc, state.labels, state.k)
    state.sizes[:] = np.bincount(state.labels, minlength=state.k)
    for c in range(state.k):
        if state.sizes[c] == 0:  # empty: a random answer per column, drawn as kmodes draws it
            state.C[c] = [state.rng.choice(enc.codes[:, j]) for j in range(enc.d)]
        else:
            state.C[c] = state.counts[c].argmax(axis=1)


def _gaps(state: _State) -> np.ndarray:
    """Smallest ``h[c, j] = min_v count(mode) - count(v) - [v < mode]`` over the other
    categories ``v`` of column ``j``. A mode of ``c`` can only change at a move touching ``c``
    while this is <= 0; each move changes it by at most one."""
    cnt, mode = state.counts, state.C[:, :, None]
    values = np.arange(state.enc.m)
    at_mode = cnt[state.grid_c, state.grid_j, state.C][:, :, None]
    h = at_mode - cnt - (values < mode)
    h[(values == mode) | state.invalid] = np.iinfo(np.int64).max // 4
    return h.min(axis=2)


def _first_event(state: _State, points: np.ndarray, to: np.ndarray) -> tuple[int, bool]:
    """How many of these moves (in order) can be applied in bulk because none of them changes a
    mode or empties a cluster, and whether the move after them does (an *event*).

    Returning fewer than possible is always correct: the caller comes back for the rest.
    """
    k, n_moves = state.k, points.size
    origin = state.labels[points]
    rows = np.arange(n_moves)
    step = np.zeros((n_moves, k), dtype=np.int64)
    step[rows, to] = 1
    step[rows, origin] = -1
    size_before = (state.sizes + np.cumsum(step, axis=0) - step)[rows, origin]
    emptying = int(np.argmax(size_before == 1)) if (size_before == 1).any() else n_moves
    # Cheap bound: the r-th move touching cluster c cannot change a mode of c while r <= the
    # smallest gap of c.
    h = _gaps(state)  # (k, d)
    bound = h.min(axis=1)
    touched = np.cumsum(np.abs(step), axis=0)
    unsafe = (touched[rows, to] > bound[to]) | (touched[rows, origin] > bound[origin])
    first_unsafe = int(np.argmax(unsafe)) if unsafe.any() else n_moves
    if emptying <= first_unsafe:
        return emptying, emptying < n_moves
    # Follow exactly, past the bound, the (cluster, column) pairs whose gap could reach 0.
    stretch = min(n_moves, first_unsafe + state.stretch)
    pair_c, pair_j = np.nonzero(h <= touched[stretch - 1][:, None])
    found, event = stretch, False
    if pair_c.size:
        found, event = _exact_events(
            state, points[:stretch], to[:stretch], origin[:stretch], pair_c, pair_j
        )
    # adapt how far to look: events come in bursts (small clusters near a tie)
    state.stretch = max(16, min(_EXACT, 2 * (found - first_unsafe) if event else 2 * state.stretch))
    if emptying < n_moves and emptying <= found:
        return emptying, True
    return found, event


def _exact_events(state, points, to, origin, pair_c, pair_j) -> tuple[int, bool]:
    """First mode change among ``points``' moves, followed exactly for the given (cluster,
    column) pairs: (its index, True), or (moves followed, False) when there is none."""
    m = state.enc.m
    n_moves = min(points.size, max(1, _DENSE // (pair_c.size * m)))
    if n_moves < points.size:  # follow a prefix; stopping early is always exact
        points, to, origin = points[:n_moves], to[:n_moves], origin[:n_moves]
    x = state.enc.codes[points][:, pair_j].astype(np.intp)  # (moves, pairs)
    into = to[:, None] == pair_c[None, :]
    out = origin[:, None] == pair_c[None, :]
    sign = into.astype(np.int64) - out
    delta = sign[:, :, None] * (x[:, :, None] == np.arange(m))
    before = state.counts[pair_c, pair_j][None] + np.cumsum(delta, axis=0) - delta
    mode = state.C[pair_c, pair_j]
    moves_i, pairs_i = np.indices((n_moves, mode.size))
    at_mode = before[moves_i, pairs_i, mode[None, :]]
    at_x = before[moves_i, pairs_i, x]
    to_event = into & (x != mode) & (at_x >= at_mode)
    values = np.arange(m)[None, None, :]
    rival = (values != mode[None, :, None]) & state.valid[pair_j][None]
    threat = (before + (values < mode[None, :, None]) >= at_mode[:, :, None]) & rival
    from_event = out & (x == mode) & threat.any(axis=2)
    hit = (to_event | from_event).any(axis=1)
    return (int(hit.argmax()), True) if hit.any() else (n_moves, False)


def _window_pass(
    state: _State, start: int, stop: int, dist: np.ndarray, nearest: np.ndarray
) -> tuple[int, bool]:
    """Visit respondents ``start:stop`` in order, given their distances and nearest centroids
    (both updated in place); returns (moves, whether a centroid changed)."""
    moves, changed, pos = 0, False, 0
    while pos < stop - start:
        wants = np.flatnonzero(nearest[pos:] != state.labels[start + pos : stop]) + pos
        if wants.size == 0:
            break
        batch = wants[:_BATCH]
        n_ok, event = _first_event(state, batch + start, nearest[batch])
        if n_ok:
            state.apply_bulk(batch[:n_ok] + start, nearest[batch[:n_ok]])
            moves += n_ok
            pos = int(batch[n_ok - 1]) + 1
        if not event:
            continue
        p = int(batch[n_ok])
        moves += 1
        pos = p + 1
        before = state.C.copy()
        if state.move_and_refill(start + p, int(nearest[p])):
            changed = True
            if pos < stop - start:
                _update_distances(state, before, start + pos, stop, dist[pos:])
                nearest[pos:] = dist[pos:].argmin(axis=1)
    return moves, changed


def _update_distances(state: _State, before: np.ndarray, start: int, stop: int, dist) -> None:
    """Distances of rows ``start:stop`` after centroids changed from ``before`` (in place):
    each changed (cluster, column) adds or removes one mismatch."""
    cs, js = np.nonzero(before != state.C)
    if cs.size > 8:
        dist[:] = distances(state.enc, state.C, start, stop)
        return
    codes = state.enc.codes
    for c, j in zip(cs, js, strict=True):
        column = codes[start:stop, j]
        dist[:, c] += (column == before[c, j]).astype(np.float32) - (column == state.C[c, j])


def iterate(state: _State, dist: np.ndarray, nearest: np.ndarray) -> int:
    """One pass over all respondents (kmodes' ``_k_modes_iter``); ``dist`` holds the distances
    to the centroids at the start of the pass and ``nearest`` their argmin. Returns the number
    of moves."""
    moves, stale = 0, False
    for start in range(0, state.enc.n, _WINDOW):
        stop = min(state.enc.n, start + _WINDOW)
        if stale:  # a centroid changed earlier in this pass
            window = distances(state.enc, state.C, start, stop)
            near = window.argmin(axis=1)
        else:
            window, near = dist[start:stop].copy(), nearest[start:stop].copy()
        n, changed = _window_pass(state, start, stop, window, near)
        moves += n
        stale = stale or changed
    return moves


def _nearest(dist: np.ndarray) -> tuple[np.ndarray, float]:
    """Each row's nearest centroid and the summed distance to it (the cost). The distances are
    read back through the labels: ``dist.min(axis=1)`` over a handful of columns is several
    times slower than ``argmin`` plus a gather, and gives the same values."""
    labels = dist.argmin(axis=1)
    nearest = dist[np.arange(dist.shape[0]), labels]
    return labels, float(nearest.sum(dtype=np.float64))


def run(enc: Encoded, centroids: np.ndarray, max_iter: int, rng: np.random.RandomState):
    """One k-modes run from initial ``centroids``: (centroids, labels, cost, n_iter)."""
    state = _State(enc, centroids, rng)
    initial_update(state)
    dist = distances(enc, state.C)
    labels, cost = _nearest(dist)
    itr, converged = 0, False
    while itr < max_iter and not converged:
        itr += 1
        moves = iterate(state, dist, labels)
        dist = distances(enc, state.C)
        labels, new_cost = _nearest(dist)
        converged = moves == 0 or new_cost >= cost
        cost = new_cost
    return state.C, labels, cost, itr
