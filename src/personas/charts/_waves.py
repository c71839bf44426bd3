"""The study page's chart: each segment's share over the waves. Private to personas.charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from personas.charts._style import PALETTE, finish, pct

__all__ = ["shares_over_waves_chart"]


def shares_over_waves_chart(rows: Sequence[Mapping]):
    """Line chart of each segment's share per wave, with its 95% interval as a band.

    ``rows``: one mapping per segment and wave with ``wave``, ``order`` (the wave's position),
    ``segment`` (name), ``share``, ``low``, ``high`` and ``color`` (palette index). Segments are
    followed by name: names carry over when a wave is aligned with its baseline.
    """
    frame = pd.DataFrame(
        list(rows), columns=["wave", "order", "segment", "share", "low", "high", "color"]
    )
    firsts = frame.sort_values("order").drop_duplicates("segment")
    scale = alt.Scale(
        domain=firsts["segment"].tolist(),
        range=[PALETTE[int(c) % len(PALETTE)] for c in firsts["color"]],
    )
    waves = frame.sort_values("order")["wave"].drop_duplicates().tolist()
    x = alt.X("wave:N", sort=waves, title=None, axis=alt.Axis(labelAngle=0))
    color = alt.Color(
        "segment:N", scale=scale, title=None, legend=alt.Legend(orient="bottom", columns=2)
    )
    band = (
        alt.Chart(frame)
        .mark_rule(strokeWidth=3, opacity=0.35)
        .encode(
            x=x,
            y=alt.Y("low:Q", title="Share of respondents", axis=alt.Axis(format="%")),
            y2="high:Q",
            color=color,
        )
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=x,
            y="share:Q",
            color=color,
            tooltip=[
                alt.Tooltip("segment:N", title="Segment"),
                alt.Tooltip("wave:N", title="Wave"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
    )
    last = frame[frame["order"] == frame["order"].max()].sort_values("share", ascending=False)
    parts = [f"{r.segment} {pct(r.share)}" for r in last.itertuples(index=False)]
    description = (
        f"Line chart of each segment's share of respondents over {len(waves)} "
        f"waves ({', '.join(waves)}), with 95% intervals. In the latest wave: "
        f"{'; '.join(parts)}."
    )
    return finish(
        (band + line).properties(width="container", height=280),
        title="Segments over the waves",
        subtitle="Share of respondents per wave; bars are 95% intervals",
        description=description,
    )
