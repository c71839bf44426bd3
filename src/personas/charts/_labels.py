"""Where to print the map's labels: beside their mark, off the dots, never on each other.

Private to :mod:`personas.charts`. A greedy placement in pixel space, the classic simple
answer to label overlap: labels are placed one by one (the first in the given order wins),
each at the first of a ring of candidate spots around its anchor, at growing distances,
whose box stays inside the plot and overlaps no label already placed; among the free spots
of one ring the one covering the fewest dots wins. Vega-Lite has no label-collision layout
for text marks that keeps every label, so it is computed here and the chart gets each
label's position as data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Plot", "place_labels", "text_width"]

#: Directions tried around an anchor, nearest to the reading habit first: above, below,
#: right, left, then the diagonals.
_DIRECTIONS = ((0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1))


@dataclass(frozen=True)
class Plot:
    """A plot's size in pixels and the data range its axes show (y grows upwards)."""

    width: float
    height: float
    x_domain: tuple[float, float]
    y_domain: tuple[float, float]
    padding: float = 0.0

    def to_pixels(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Data coordinates to pixels from the top-left corner."""
        (x0, x1), (y0, y1) = self.x_domain, self.y_domain
        inner_w, inner_h = self.width - 2 * self.padding, self.height - 2 * self.padding
        px = self.padding + (np.asarray(x, float) - x0) / max(x1 - x0, 1e-12) * inner_w
        py = (
            self.height - self.padding - (np.asarray(y, float) - y0) / max(y1 - y0, 1e-12) * inner_h
        )
        return px, py

    def to_data(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        """Pixels from the top-left corner back to data coordinates."""
        (x0, x1), (y0, y1) = self.x_domain, self.y_domain
        inner_w, inner_h = self.width - 2 * self.padding, self.height - 2 * self.padding
        x = x0 + (np.asarray(px, float) - self.padding) / inner_w * (x1 - x0)
        y = y0 + (self.height - self.padding - np.asarray(py, float)) / inner_h * (y1 - y0)
        return x, y


def text_width(text: str, font_size: float) -> float:
    """A generous estimate of a label's width in pixels (0.62 em a character, bold sans)."""
    return 0.62 * font_size * len(str(text)) + 4


def _overlaps(box: np.ndarray, boxes: list[np.ndarray], gap: float) -> bool:
    return any(
        box[0] < b[2] + gap and b[0] < box[2] + gap and box[1] < b[3] + gap and b[1] < box[3] + gap
        for b in boxes
    )


def _inside(box: np.ndarray, plot: Plot) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= plot.width and box[3] <= plot.height


def place_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    plot: Plot,
    *,
    dots: np.ndarray | None = None,
    gap: float = 4.0,
    clearance: float = 12.0,
    rings: int = 12,
) -> np.ndarray:
    """Centres (in pixels) for labels of the given sizes, beside their anchors, not overlapping.

    Parameters
    ----------
    anchors : array (n, 2)
        Each label's mark, in pixels.
    sizes : array (n, 2)
        Each label's width and height, in pixels.
    plot : Plot
        The plot the labels must stay inside.
    dots : array (m, 2), optional
        Pixels of the dots a label should rather not cover.
    gap, clearance, rings
        Minimum space between two labels; distance from the anchor to the nearest label edge
        of the first ring; how many rings (each ``clearance`` further out) to try.

    Returns
    -------
    array (n, 2)
        Label centres. A label that finds no free spot on any ring (a crowded plot) takes the
        spot of the outermost ring covering the fewest placed labels, so it may touch one.
    """
    anchors = np.asarray(anchors, float).reshape(-1, 2)
    sizes = np.asarray(sizes, float).reshape(-1, 2)
    dots = np.empty((0, 2)) if dots is None else np.asarray(dots, float).reshape(-1, 2)
    placed: list[np.ndarray] = []
    centres = np.empty_like(anchors)
    for i, ((ax, ay), (w, h)) in enumerate(zip(anchors, sizes, strict=True)):
        best = None
        for ring in range(rings):
            reach = clearance * (ring + 1)
            free = []
            for dx, dy in _DIRECTIONS:
                cx = ax + dx * (reach + w / 2)
                cy = ay + dy * (reach + h / 2)
                box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                if not _inside(box, plot):
                    continue
                if best is None:
                    best = box
                if not _overlaps(box, placed, gap):
                    covered = np.sum(
                        (dots[:, 0] >= box[0]) & (dots[:, 0] <= box[2])
                        & (dots[:, 1] >= box[1]) & (dots[:, 1] <= box[3])
                    )  # fmt: skip
                    free.append((int(covered), len(free), box))
            if free:
                best = min(free, key=lambda item: item[:2])[2]
                break
        if best is None:  # nowhere inside the plot: centre it on the anchor
            best = np.array([ax - w / 2, ay - h / 2, ax + w / 2, ay + h / 2])
        placed.append(best)
        centres[i] = ((best[0] + best[2]) / 2, (best[1] + best[3]) / 2)
    return centres
