"""Map labels: placed beside their mark, inside the plot, never on each other."""

from __future__ import annotations

import numpy as np
import pandas as pd

from personas.charts._labels import Plot, place_labels
from personas.charts._map import label_positions

PLOT = Plot(640, 460, (0.0, 10.0), (0.0, 10.0))


def _boxes(centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    half = sizes / 2
    return np.hstack([centres - half, centres + half])


def _overlapping_pairs(boxes: np.ndarray) -> list[tuple[int, int]]:
    pairs = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                pairs.append((i, j))
    return pairs


def test_labels_of_coinciding_landmarks_do_not_overlap():
    anchors = np.tile([[320.0, 230.0]], (5, 1))  # five marks on one spot
    sizes = np.array([[150, 18], [120, 18], [170, 18], [90, 18], [140, 18]], float)
    centres = place_labels(anchors, sizes, PLOT)
    boxes = _boxes(centres, sizes)
    assert _overlapping_pairs(boxes) == []
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 640).all() and (boxes[:, 3] <= 460).all()
    # beside the mark: no label covers its own anchor, and each stays near it
    for (x0, y0, x1, y1), (ax, ay) in zip(boxes, anchors, strict=True):
        assert not (x0 <= ax <= x1 and y0 <= ay <= y1)
    assert np.linalg.norm(centres - anchors, axis=1).max() < 200


def test_a_label_at_the_edge_stays_inside_the_plot():
    anchors = np.array([[636.0, 4.0], [2.0, 455.0]])
    sizes = np.array([[200, 18], [200, 18]], float)
    boxes = _boxes(place_labels(anchors, sizes, PLOT), sizes)
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 2] <= 640).all()
    assert (boxes[:, 1] >= 0).all() and (boxes[:, 3] <= 460).all()


def test_labels_avoid_covering_dots():
    anchor = np.array([[320.0, 230.0]])
    size = np.array([[100.0, 18.0]])
    rng = np.random.default_rng(0)
    above = np.column_stack([rng.uniform(250, 390, 300), rng.uniform(150, 228, 300)])
    centre = place_labels(anchor, size, PLOT, dots=above)[0]
    assert centre[1] > 230  # the free side (below), not the crowded one above


def test_map_label_positions_are_in_data_units_and_apart():
    marks = pd.DataFrame(
        {"persona": list("abc"), "name": ["The Survivor", "The Quick Win", "The Returner"],
         "x": [5.0, 5.0, 5.01], "y": [5.0, 5.0, 5.0]}
    )  # fmt: skip
    points = pd.DataFrame({"x": [0.0, 10.0], "y": [0.0, 10.0]})
    placed = label_positions(marks, points, PLOT)
    px, py = PLOT.to_pixels(placed["lx"], placed["ly"])
    assert len({(round(a), round(b)) for a, b in zip(px, py, strict=True)}) == 3
    assert np.allclose(PLOT.to_data(*PLOT.to_pixels([1.0], [2.0])), [[1.0], [2.0]])


def test_tension_dots_on_one_spot_are_spread_apart_in_order():
    from personas.charts._tensions import spread_apart

    values = pd.Series([0.9, 0.92, 0.91, -0.2, 1.0])
    shown = spread_apart(values, gap=0.05)
    ordered = np.sort(shown)
    assert np.diff(ordered).min() >= 0.05 - 1e-9
    assert shown.max() <= 1.0 and shown.min() >= -1.0
    assert list(np.argsort(shown, kind="stable")) == list(np.argsort(values, kind="stable"))
    assert shown[3] == -0.2  # a dot with room is not moved
