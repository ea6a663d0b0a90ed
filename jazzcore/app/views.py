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


CHART_POINTS = 300
"""Epochs drawn at most on the live chart (every k-th and the last): a 5,000-epoch run's
chart stays as light for the browser as a 300-epoch one's."""


def chart_epochs(history: Sequence[EpochRecord], points: int = CHART_POINTS) -> list[EpochRecord]:
    """At most ``points`` records of ``history``: every k-th epoch from the first, and the last."""
    if len(history) <= points:
        return list(history)
    step = -(-len(history) // (points - 1))
    shown = list(history[::step])
    if shown[-1] is not history[-1]:
        shown.append(history[-1])
    return shown


def add_epoch_traces(figure, history: Sequence[EpochRecord], *, row: int, col: int, loss_name: str):
    """The loss (nats, left axis) and the accuracy (0–1, the cell's secondary axis) of each
    epoch of ``history``, as traces of ``figure``'s cell (row, col)."""
    import plotly.graph_objects as go

    epochs = [r.epoch for r in history]
    loss = go.Scatter(x=epochs, y=[r.loss for r in history], name=loss_name, mode="lines+markers")
    figure.add_trace(loss, row=row, col=col)
    accuracy = go.Scatter(
        x=epochs,
        y=[r.accuracy for r in history],
        name="accuracy",
        mode="lines",
        line={"dash": "dot"},
    )
    figure.add_trace(accuracy, row=row, col=col, secondary_y=True)


def add_step_bars(figure, steps: Sequence[float], *, row: int, col: int) -> None:
    """The loss at each time step t (from 1), as bars in ``figure``'s cell (row, col)."""
    import plotly.graph_objects as go

    bars = go.Bar(
        x=list(range(1, len(steps) + 1)), y=[float(x) for x in steps], name="loss at step t"
    )
    figure.add_trace(bars, row=row, col=col)


def progress_chart(history: Sequence[EpochRecord]):
    """Loss and accuracy per epoch (left; at most CHART_POINTS epochs), the last epoch's loss
    per time step (right)."""
    from plotly.subplots import make_subplots

    last = history[-1] if history else None
    history = chart_epochs(history)

    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        specs=[[{"secondary_y": True}, {}]],
        subplot_titles=("loss and accuracy per epoch", "loss per time step (last epoch)"),
    )
    add_epoch_traces(figure, history, row=1, col=1, loss_name="loss (sum over steps)")
    if last is not None:
        add_step_bars(figure, last.per_step_loss, row=1, col=2)
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
    """Graphviz DOT of the shared cell unrolled over time (the first ``shown`` steps and the
    last), drawn as the course draws it: time runs left to right along the row of cells,
    each step's input x⟨t⟩ below its cell and its output ŷ⟨t⟩ above, so the graph stays
    narrow enough to read at the page's width.

    Training (inference=False): x⟨t⟩ from X, a and c carried from step to step, ŷ⟨t⟩ per step.
    Inference: step t+1's input is one_hot(argmax ŷ⟨t⟩), the loop of
    ``music_inference_model`` (written in the input's label: an arrow from each output back
    down to the next input would cross the graph).
    """
    steps = list(range(1, min(shown, Tx) + 1))
    last = "Ty" if inference else "Tx"
    labels: list[tuple[int | None, str]] = [(t, str(t)) for t in steps]
    if Tx > shown:
        labels += [(None, "…"), (Tx, last)]
    lines = [
        "digraph G {",
        "rankdir=BT; nodesep=0.3; ranksep=0.35;",
        "node [shape=box, style=rounded, fontname=Helvetica, fontsize=16];",
        "edge [fontname=Helvetica, fontsize=13];",
        'a0 [label="a⟨0⟩, c⟨0⟩\\n(zeros)", shape=ellipse];',
    ]
    cells = ["a0"]
    for t, label in labels:
        if t is None:
            lines.append('dots [label="…", shape=plaintext];')
            cells.append("dots")
            continue
        name = f"s{label}"
        if inference and t != 1:
            before = "Ty-1" if label == "Ty" else str(t - 1)
            x_label = f"one_hot(argmax\\nŷ⟨{before}⟩)"
        else:
            x_label = f"x⟨{label}⟩"
        lines += [
            f'x{name} [label="{x_label}", shape=ellipse];',
            f'cell{name} [label="LSTM cell\\n(shared)"];',
            f'dense{name} [label="Dense softmax\\n(shared)"];',
            f'y{name} [label="ŷ⟨{label}⟩", shape=ellipse];',
            f"x{name} -> cell{name} -> dense{name} -> y{name};",
        ]
        cells.append(f"cell{name}")
    for a, b in zip(cells, cells[1:], strict=False):
        lines.append(
            f'{a} -> {b} [label="a, c"];' if b != "dots" and a != "dots" else f"{a} -> {b};"
        )
    lines.append("{rank=same; " + "; ".join(cells) + ";}")
    lines.append("}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Page furniture (HTML for st.html)

CLOSE_SIDEBAR_ON_NARROW_SCREENS = """<script>
(() => {
  if (window.jazzcoreNavHook) return;
  window.jazzcoreNavHook = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest('[data-testid="stSidebarNav"] a');
    if (!link || !window.matchMedia("(max-width: 768px)").matches) return;
    setTimeout(() => {
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 50);
  }, true);
})();
</script>"""
"""On a narrow screen the sidebar covers the page: Streamlit closes it after a page is
chosen only when the browser says it is a phone (not a tablet, nor a narrow window), so
the app closes it after a click on a page link whenever the screen is narrow."""


HIDE_HEADER_STOP = "<style>[data-testid='stStatusWidget'] button {display: none;}</style>"
"""Hides Streamlit's own Stop (in the page's header) while a run of the visitor's is going:
it would stop only the page's live view, leaving the page frozen while the run goes on."""
