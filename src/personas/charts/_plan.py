"""The plan's chart: the power curve, one line per persona and noise level.

Private to :mod:`personas.charts`. Reads only the rows of a ``plan.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from personas.charts._style import PALETTE, finish, pct

__all__ = ["power_chart"]


def power_chart(rows: Sequence[Mapping], *, levels: Sequence[float] = (0.8, 0.9)):
    """Probability of the right verdict against sample size (log scale), with 95% intervals.

    ``rows``: ``persona`` (name), ``noise``, ``n``, ``p``, ``low``, ``high``.
    """
    frame = pd.DataFrame(list(rows), columns=["persona", "noise", "n", "p", "low", "high"])
    frame["noise"] = frame["noise"].map(lambda v: f"noise {v:g}")
    personas = frame["persona"].drop_duplicates().tolist()
    color = alt.Color(
        "persona:N",
        title=None,
        scale=alt.Scale(
            domain=personas, range=[PALETTE[i % len(PALETTE)] for i in range(len(personas))]
        ),
    )
    x = alt.X("n:Q", title="Respondents", scale=alt.Scale(type="log"))
    y = alt.Y(
        "p:Q", title="Right verdict", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
    )
    base = alt.Chart(frame)
    band = base.mark_rule(strokeWidth=3, opacity=0.3).encode(
        x=x, y="low:Q", y2="high:Q", color=color
    )
    line = base.mark_line(point=True).encode(
        x=x,
        y=y,
        color=color,
        strokeDash=alt.StrokeDash("noise:N", title=None),
        tooltip=[
            alt.Tooltip("persona:N", title="Persona"),
            alt.Tooltip("noise:N", title="Noise"),
            alt.Tooltip("n:Q", title="Respondents", format=","),
            alt.Tooltip("p:Q", title="Right verdict", format=".0%"),
        ],
    )
    rules = (
        alt.Chart(pd.DataFrame({"level": list(levels)}))
        .mark_rule(strokeDash=[4, 4], color="#999999")
        .encode(y="level:Q")
    )
    largest = frame[frame["n"] == frame["n"].max()]
    parts = [f"{r.persona} ({r.noise}) {pct(r.p)}" for r in largest.itertuples(index=False)]
    description = (
        f"Line chart of the probability that each persona gets its right verdict against the "
        f"number of respondents ({', '.join(f'{v:,}' for v in sorted(frame['n'].unique()))}), "
        f"one line per persona and noise level, with 95% intervals; dashed lines at "
        f"{' and '.join(pct(v) for v in levels)}. At the largest sample: {'; '.join(parts)}."
    )
    return finish(
        (band + line + rules).properties(width="container", height=320),
        title="How many respondents it takes",
        subtitle="Share of simulated waves giving each persona its right verdict",
        description=description,
    )
