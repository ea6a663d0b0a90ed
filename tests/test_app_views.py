"""The app's tables and figures (jazzcore.app.views); uploads are in test_app_uploads.py."""

from __future__ import annotations

from jazzcore.app.jobs import EpochRecord
from jazzcore.app.views import (
    CHART_POINTS,
    ROLE_COLOURS,
    chart_epochs,
    frequency_chart,
    piano_roll_figure,
    progress_chart,
    unrolled_graph_dot,
    vocabulary_rows,
    xy_heatmap,
)
from jazzcore.dataset import Vocabulary, data_processing


def test_vocabulary_rows_read_the_tokens():
    vocab = Vocabulary.from_corpus(["S,0.250,<m2,P-4>", "R,1.000", "S,0.250,<m2,P-4>"])
    rows = vocabulary_rows(vocab)
    assert [r["value"] for r in rows] == ["R,1.000", "S,0.250,<m2,P-4>"]
    rest, scale = rows
    assert rest["type"] == "rest" and rest["bracket"] == "" and rest["note value"] == "a quarter"
    assert scale["count"] == 2 and scale["bracket"] == "<m2,P-4>" and scale["duration"] == 0.25
    assert scale["reading"] == "scale tone, a 16th, between a minor 2nd up and a perfect 4th down"


def test_frequency_chart_puts_the_most_frequent_value_first():
    vocab = Vocabulary.from_corpus(["C,0.500", "R,1.000", "R,1.000", "S,0.250", "R,1.000"])
    figure = frequency_chart(vocabulary_rows(vocab))
    bars = {trace.name: (list(trace.x), list(trace.y)) for trace in figure.data}  # one per type
    assert bars == {
        "rest": (["R,1.000"], [3]),
        "chord tone": (["C,0.500"], [1]),
        "scale tone": (["S,0.250"], [1]),
    }
    assert figure.data[0].name == "rest"


def test_xy_heatmap_shows_an_example_and_its_target_one_step_ahead():
    values = ["C,0.500", "R,1.000", "S,0.250", "C,0.500", "R,1.000", "S,0.250"] * 4
    vocab = Vocabulary.from_corpus(values)
    X, Y, _ = data_processing(values, vocab.values_indices, 3, 5, 0)
    figure = xy_heatmap(X, Y, 2)
    x, y = (trace.z for trace in figure.data)
    assert x.shape == y.shape == (3, 5)  # (n_values, Tx)
    assert (x[:, 1:] == y[:, :-1] / 0.6).all()  # Y[t-1] = X[t]
    assert not x[:, 0].any() and not y[:, -1].any()  # x⟨0⟩ = 0, nothing after the last step


def test_progress_chart_has_loss_accuracy_and_the_last_epochs_steps():
    history = [EpochRecord(1, 9.0, (5.0, 4.0), 0.1), EpochRecord(2, 6.0, (4.0, 2.0), 0.3)]
    traces = {t.name: t for t in progress_chart(history).data}
    assert list(traces["loss (sum over steps)"].y) == [9.0, 6.0]
    assert list(traces["accuracy"].x) == [1, 2] and list(traces["accuracy"].y) == [0.1, 0.3]
    assert list(traces["loss at step t"].x) == [1, 2] and list(traces["loss at step t"].y) == [
        4.0,
        2.0,
    ]
    assert {t.name for t in progress_chart([]).data} == {"loss (sum over steps)", "accuracy"}


def test_the_live_chart_draws_a_long_run_in_a_few_hundred_points():
    history = [EpochRecord(i, 100 / i, (1.0, 2.0), 0.5) for i in range(1, 5001)]
    shown = chart_epochs(history)
    assert len(shown) <= CHART_POINTS and shown[0].epoch == 1 and shown[-1].epoch == 5000
    steps = {b.epoch - a.epoch for a, b in zip(shown, shown[1:-1], strict=False)}
    assert steps == {17}  # every 17th epoch: evenly spread
    loss = {t.name: t for t in progress_chart(history).data}["loss (sum over steps)"]
    assert list(loss.x) == [r.epoch for r in shown]
    assert chart_epochs(history[:40]) == history[:40]


def test_piano_roll_figure_has_melody_and_chords_in_two_colours():
    rows = [
        {
            "start_beat": 0.0,
            "end_beat": 0.5,
            "pitch": 64,
            "name": "E4",
            "kind": "C",
            "role": "melody",
        },
        {
            "start_beat": 0.5,
            "end_beat": 1.0,
            "pitch": 65,
            "name": "F4",
            "kind": "S",
            "role": "melody",
        },
        {
            "start_beat": 0.0,
            "end_beat": 4.0,
            "pitch": 48,
            "name": "C3",
            "kind": "",
            "role": "chord",
        },
    ]
    melody, chord = piano_roll_figure(rows).data
    assert (melody.name, chord.name) == ("melody", "chord")
    assert melody.marker.color != chord.marker.color and chord.marker.color == ROLE_COLOURS["chord"]
    assert list(melody.base) == [0.0, 0.5] and list(melody.x) == [0.5, 0.5]
    assert list(melody.y) == [64, 65]
    assert list(chord.x) == [4.0] and list(chord.y) == [48]


def test_unrolled_graph_shows_shared_cells_and_feedback():
    training = unrolled_graph_dot(30, shown=3)
    # steps 1, 2, 3, then "…" and the last step Tx: four cells, all the one shared cell
    assert training.count("LSTM cell") == 4 and "dots" in training and "ŷ⟨Tx⟩" in training
    assert "dashed" not in training  # training feeds X, not the predictions
    inference = unrolled_graph_dot(50, shown=2, inference=True)
    assert "argmax" in inference and "ŷ⟨Ty⟩" in inference
    # each input names the step it comes from: ŷ⟨1⟩ feeds step 2, ŷ⟨Ty-1⟩ the last
    assert "one_hot(argmax\\nŷ⟨1⟩)" in inference and "one_hot(argmax\\nŷ⟨Ty-1⟩)" in inference
    assert "2-1" not in inference
    # time runs along one row of cells, the inputs below and the outputs above: a graph
    # as wide as its steps, with labels large enough to read at the page's width
    assert (
        "rankdir=BT" in inference and "{rank=same; a0; cells1; cells2; dots; cellsTy;}" in inference
    )
    assert "fontsize=16" in inference
    short = unrolled_graph_dot(2, shown=3)
    assert short.count("LSTM cell") == 2 and "dots" not in short
