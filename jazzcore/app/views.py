"""The pages' tables and figures, built from jazzcore's objects. No Streamlit here.

Tables are lists of dicts (one per row, for ``st.dataframe``); figures are plotly figures
(plotly is imported when a figure is made) or Graphviz DOT text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzcore.dataset import Vocabulary
from jazzcore.generate import GenerationReport
from jazzcore.grammar import TOKEN_TYPES, GrammarToken, describe_duration

from .jobs import EpochRecord

# ---------------------------------------------------------------------------------------
# The data


def vocabulary_rows(vocabulary: Vocabulary) -> list[dict]:
    """One row per value: index, value, type, duration (quarter lengths), note value,
    bracket, reading, count (occurrences in the corpus)."""
    rows = []
    for index, (value, count) in enumerate(zip(vocabulary.tokens, vocabulary.counts, strict=True)):
        token = GrammarToken.parse(value)
        rows.append(
            {
                "index": index,
                "value": value,
                "type": TOKEN_TYPES[token.kind],
                "duration": token.duration,
                "note value": describe_duration(token.duration),
                "bracket": f"<{token.upper},{token.lower}>" if token.has_bracket else "",
                "reading": token.describe(),
                "count": count,
            }
        )
    return rows


def frequency_chart(rows: Sequence[dict]):
    """A bar per value of :func:`vocabulary_rows`, most frequent first, coloured by type."""
    import pandas as pd
    import plotly.express as px

    by_count = pd.DataFrame(list(rows)).sort_values("count", ascending=False)
    figure = px.bar(
        by_count, x="value", y="count", color="type", hover_data=["reading"], height=360
    )
    figure.update_layout(
        xaxis={"categoryorder": "total descending", "showticklabels": len(by_count) <= 60}
    )
    return figure


def xy_heatmap(X: np.ndarray, Y: np.ndarray, example: int):
    """Training example ``example`` as a heatmap over (time step, value index): X[i] (m, Tx,
    n_values) in blue and its target Y[:, i] (Tx, m, n_values), one step ahead, in red."""
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.add_trace(
        go.Heatmap(
            z=X[example].T,
            colorscale=[[0, "#f7f7f7"], [1, "#1f77b4"]],
            showscale=False,
            name="X",
            hovertemplate="t=%{x} value %{y}<extra>X</extra>",
        )
    )
    figure.add_trace(
        go.Heatmap(
            z=Y[:, example, :].T * 0.6,
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "#d62728"]],
            showscale=False,
            opacity=0.6,
            name="Y",
            hovertemplate="t=%{x} value %{y}<extra>Y</extra>",
        )
    )
    figure.update_layout(
        height=420,
        xaxis_title="time step t",
        yaxis_title="value index",
        title=f"Example {example}: X (blue) and its shifted target Y (red)",
    )
    return figure


# ---------------------------------------------------------------------------------------
# Training


def progress_chart(history: Sequence[EpochRecord]):
    """Loss and accuracy per epoch (left), the last epoch's loss per time step (right)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        specs=[[{"secondary_y": True}, {}]],
        subplot_titles=("loss and accuracy per epoch", "loss per time step (last epoch)"),
    )
    epochs = [r.epoch for r in history]
    figure.add_trace(
        go.Scatter(
            x=epochs,
            y=[r.loss for r in history],
            name="loss (sum over steps)",
            mode="lines+markers",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=epochs,
            y=[r.accuracy for r in history],
            name="accuracy",
            mode="lines",
            line={"dash": "dot"},
        ),
        row=1,
        col=1,
        secondary_y=True,
    )
    if history:
        steps = history[-1].per_step_loss
        figure.add_trace(
            go.Bar(x=list(range(1, len(steps) + 1)), y=list(steps), name="loss at step t"),
            row=1,
            col=2,
        )
    figure.update_xaxes(title_text="epoch", row=1, col=1)
    figure.update_xaxes(title_text="time step t", row=1, col=2)
    figure.update_yaxes(range=[0, 1], secondary_y=True, row=1, col=1)
    figure.update_layout(height=380, legend={"orientation": "h", "y": -0.25})
    return figure


# ---------------------------------------------------------------------------------------
# A generated piece


def token_rows(report: GenerationReport) -> list[dict]:
    """The values, one row each: chord set (the course's number, from 1), step (from 1),
    value, human reading."""
    return [
        {
            "chord set": s.number,
            "step": step,
            "value": value,
            "reading": GrammarToken.parse(value).describe(),
        }
        for s in report.sets
        for step, value in enumerate(s.values, start=1)
    ]


ROLE_COLOURS = {"melody": "#b5562c", "chord": "#4c78a8"}


def piano_roll_figure(rows: Sequence[dict], title: str = "Piano roll"):
    """A plotly figure of piano-roll rows: one horizontal bar per note (x in beats, y the
    MIDI pitch), the melody and the chords as two traces in two colours."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for role, colour in ROLE_COLOURS.items():
        notes = [r for r in rows if r["role"] == role]
        figure.add_trace(
            go.Bar(
                name=role,
                orientation="h",
                marker_color=colour,
                opacity=0.85 if role == "melody" else 0.5,
                base=[r["start_beat"] for r in notes],
                x=[r["end_beat"] - r["start_beat"] for r in notes],
                y=[r["pitch"] for r in notes],
                customdata=[[r["name"], r["kind"]] for r in notes],
                width=0.8,
                hovertemplate="%{customdata[0]} (MIDI %{y}) beat %{base:.2f}, %{x:.2f} beats "
                "%{customdata[1]}<extra>" + role + "</extra>",
            )
        )
    figure.update_layout(
        barmode="overlay",
        title=title,
        height=420,
        xaxis_title="beat (quarter notes)",
        yaxis_title="MIDI pitch",
        legend={"orientation": "h", "y": 1.08},
    )
    return figure


# ---------------------------------------------------------------------------------------
# The network


def unrolled_graph_dot(Tx: int, shown: int = 3, inference: bool = False) -> str:
    """Graphviz DOT of the shared cell unrolled over time (the first ``shown`` steps and the last).

    Training (inference=False): x⟨t⟩ from X, a and c carried from step to step, ŷ⟨t⟩ per step.
    Inference: ŷ⟨t⟩ → argmax → one-hot → x⟨t+1⟩, the loop of ``music_inference_model``.
    """
    steps = list(range(1, min(shown, Tx) + 1))
    lines = [
        "digraph G {",
        "rankdir=LR; node [shape=box, style=rounded, fontname=Helvetica];",
        'a0 [label="a⟨0⟩, c⟨0⟩\\n(zeros)", shape=ellipse];',
    ]
    previous = "a0"
    labels: list[tuple[int | None, str]] = [(t, str(t)) for t in steps]
    if Tx > shown:
        labels.append((None, "…"))
        labels.append((Tx, "Ty" if inference else "Tx"))
    for t, label in labels:
        if t is None:
            lines.append('dots [label="…", shape=plaintext];')
            lines.append(f"{previous} -> dots;")
            previous = "dots"
            continue
        cell = f"cell{label}"
        lines.append(f'{cell} [label="LSTM cell\\n(shared)"];')
        lines.append(f'dense{label} [label="Dense softmax\\n(shared)"];')
        lines.append(f'y{label} [label="ŷ⟨{label}⟩", shape=ellipse];')
        if inference and t != 1:
            lines.append(f'x{label} [label="one_hot(argmax ŷ⟨{label}-1⟩)", shape=ellipse];')
        else:
            lines.append(f'x{label} [label="x⟨{label}⟩", shape=ellipse];')
        lines.append(
            f'x{label} -> {cell}; {previous} -> {cell} [label="a, c"]; '
            f"{cell} -> dense{label}; dense{label} -> y{label};"
        )
        previous = cell
    if inference:
        for (t, label), (t2, label2) in zip(labels, labels[1:], strict=False):
            if t is not None and t2 is not None:
                # constraint=false: the feedback does not push the next step a rank further right
                lines.append(
                    f"y{label} -> x{label2} [style=dashed, color=firebrick, constraint=false];"
                )
    lines.append("}")
    return "\n".join(lines)
