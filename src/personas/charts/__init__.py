"""Charts of a saved run, as Altair objects.

Every builder takes parts of a run: its typed :class:`~personas.run.schema.Summary` (a saved
run's ``run.typed``, or ``analysis.summary()`` in memory; a ``summary.json`` dict is read as
one), one of its records or DataFrames, and returns a finished ``alt.Chart`` /
``alt.LayerChart``: nothing is saved or shown, and nothing is computed that the run did not
already record. Each chart has a title
and a plain-words ``description`` (read it back with :func:`alt_text`) that the report uses as
the chart's alt text.

Colours: one fixed Okabe–Ito colour per segment id (:func:`segment_colors`), the same in every
chart. The map never embeds more than 5,000 points (Altair's default limit): larger maps are
drawn from a seeded sample stratified by segment, and the description says so
(:func:`sample_points`).

Examples
--------
>>> from personas.run.files import load_run
>>> from personas import charts
>>> run = load_run("tests/fixtures/run_jobsite")  # doctest: +SKIP
>>> chart = charts.shares_chart(run.typed)  # doctest: +SKIP
>>> charts.alt_text(chart)[:40]  # doctest: +SKIP
'Bar chart of the share of respondents in'
"""

from __future__ import annotations

from personas.charts._lca import bic_chart
from personas.charts._map import MAX_POINTS, map_chart, sample_points
from personas.charts._method import (
    HENNIG_DOUBTFUL,
    HENNIG_STABLE,
    elbow_chart,
    exclusions_chart,
    silhouette_chart,
    stability_chart,
)
from personas.charts._personas import (
    answer_label,
    persona_card_chart,
    shares_chart,
    similarity_heatmap,
)
from personas.charts._plan import power_chart
from personas.charts._style import PALETTE, alt_text, segment_colors
from personas.charts._tensions import pole_value, tension_chart
from personas.charts._typing import typing_accuracy_chart
from personas.charts._waves import shares_over_waves_chart

__all__ = [
    "PALETTE",
    "MAX_POINTS",
    "HENNIG_STABLE",
    "HENNIG_DOUBTFUL",
    "segment_colors",
    "alt_text",
    "answer_label",
    "pole_value",
    "sample_points",
    "elbow_chart",
    "silhouette_chart",
    "stability_chart",
    "map_chart",
    "similarity_heatmap",
    "tension_chart",
    "shares_chart",
    "persona_card_chart",
    "exclusions_chart",
    "shares_over_waves_chart",
    "typing_accuracy_chart",
    "power_chart",
    "bic_chart",
]
