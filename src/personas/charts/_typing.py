"""The typing tool's chart: accuracy against the number of screener questions.

Private to :mod:`personas.charts`. Reads only the content of a run's ``typing.json``.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from personas.charts._style import INK, MUTED, finish, pct

__all__ = ["typing_accuracy_chart"]


def typing_accuracy_chart(typing: Mapping):
    """Line chart of the cross-validated accuracy after each question added, target marked."""
    frame = pd.DataFrame(
        [
            {"n": int(s["questions"]), "question": str(s["question"]), "accuracy": s["accuracy"]}
            for s in typing["steps"]
        ]
    )
    target = float(typing["target"])
    x = alt.X("n:O", title="Number of screener questions", axis=alt.Axis(labelAngle=0))
    line = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=70, filled=True), color=INK, strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y(
                "accuracy:Q",
                title="Cross-validated accuracy",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("n:O", title="Questions"),
                alt.Tooltip("question:N", title="Added"),
                alt.Tooltip("accuracy:Q", title="Accuracy", format=".1%"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target]}))
        .mark_rule(strokeDash=[5, 4], color=MUTED)
        .encode(y="target:Q")
    )
    steps = "; ".join(f"{r.n}: {pct(r.accuracy, digits=1)}" for r in frame.itertuples())
    description = (
        f"Line chart of the screener's cross-validated accuracy by number of questions "
        f"({steps}); the dashed line is the target, {pct(target)}."
    )
    return finish(
        (line + rule).properties(width="container", height=240),
        title="How many questions it takes",
        subtitle=f"Accuracy of typing people from the first questions; target {pct(target)}",
        description=description,
    )
