"""The Train page through AppTest: settings, a real (NumPy) training run, model upload and download."""

from __future__ import annotations

import json
import pickle

import pytest

import jazzcore
from jazzcore import persist

APP = "../streamlit_app.py"


@pytest.fixture
def train_page(open_app):
    at = open_app("pages/train.py")
    assert not at.exception
    return at


def loss_chart(at) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return {trace.get("name"): trace for trace in json.loads(charts[0].proto.spec)["data"]}


def test_train_page_widgets_render(train_page):
    at = train_page
    keys = {w.key for w in at.number_input}
    assert {"train_n_a", "train_epochs", "train_lr", "train_m", "train_tx", "train_seed"} <= keys
    assert at.number_input(key="train_n_a").value == 64
    assert at.number_input(key="train_epochs").value == 100
    assert [b.label for b in at.button] == ["▶ Train"]
    assert not at.get("plotly_chart")  # no chart before the first run
    assert "No model yet" in at.markdown[-1].value


def test_training_two_epochs_adds_two_points_and_a_model(train_page):
    at = train_page
    at.number_input(key="train_epochs").set_value(2)
    at.number_input(key="train_n_a").set_value(16)
    at.button[0].click().run()  # the page redraws until its background job is over
    assert not at.exception
    job = at.session_state["job"]
    assert job.status == "done" and [r.epoch for r in job.history] == [1, 2]
    traces = loss_chart(at)
    assert traces["loss (sum over steps)"]["x"] == [1, 2]
    assert len(traces["loss (sum over steps)"]["y"]) == 2 and len(traces["accuracy"]["y"]) == 2
    assert len(traces["loss at step t"]["y"]) == 30  # per-step loss of the last epoch, Tx = 30
    # The first epoch's loss is near Tx − 1 = 29 steps of ln(n_values) (an untrained softmax).
    n_values = at.session_state["_corpus"].n_values
    assert traces["loss (sum over steps)"]["y"][0] == pytest.approx(29 * __import__("math").log(n_values), rel=0.05)
    model = at.session_state["model"]
    assert model.n_a == 16 and len(model.history) == 2
    assert any(s.value.startswith("Trained 2 epochs") for s in at.success)
    assert [b.label for b in at.get("download_button")] == ["⬇ Download the model (.npz)"]
    # A rerun (any widget) keeps the model and does not train again.
    at.run()
    assert at.session_state["model"] is model and len(loss_chart(at)["accuracy"]["x"]) == 2


def test_settings_too_big_to_train_are_one_error_line(train_page):
    at = train_page
    at.number_input(key="train_n_a").set_value(1024)
    at.number_input(key="train_m").set_value(1000)
    at.number_input(key="train_tx").set_value(200)
    at.button[0].click().run()
    assert not at.exception
    assert "job" not in at.session_state  # refused before it could wait in the queue
    assert len(at.error) == 1 and "too big to train in memory" in at.error[0].value
    assert "model" not in at.session_state
    # The page keeps working: sensible settings train.
    at.number_input(key="train_n_a").set_value(8)
    at.number_input(key="train_epochs").set_value(1)
    at.button[0].click().run()
    assert not at.exception and not at.error and len(at.session_state["model"].history) == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("random.npz", bytes(range(256)) * 4, "not a jazzcore model file"),
        ("evil.npz", pickle.dumps({"__reduce__": "os.system"}), "pickle"),
        ("empty.npz", b"", "empty"),
    ],
)
def test_a_bad_model_upload_is_an_error_and_the_app_keeps_working(train_page, name, data, message):
    at = train_page
    at.file_uploader(key="model_upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception
    assert len(at.error) == 1 and name in at.error[0].value and message in at.error[0].value
    assert "model" not in at.session_state
    # The error stays while the file is there; training still works.
    at.number_input(key="train_epochs").set_value(1)
    at.button[0].click().run()
    assert not at.exception and len(at.session_state["model"].history) == 1
    assert len(at.error) == 1
    at.switch_page("pages/data.py").run()
    assert not at.exception


def test_a_saved_model_uploads_back_and_another_corpus_is_refused(train_page, metheny_file):
    at = train_page
    corpus = at.session_state["_corpus"]
    model = jazzcore.train(*corpus.xy(60, 30, 0), epochs=3, n_a=8, vocabulary=corpus.vocabulary)
    at.file_uploader(key="model_upload").set_value(("mine.npz", persist.model_bytes(model), "application/octet-stream"))
    at.run()
    assert not at.exception and not at.error
    loaded = at.session_state["model"]
    assert loaded.n_a == 8 and len(loaded.history) == 3
    assert any("Loaded mine.npz" in s.value for s in at.success)

    other = jazzcore.load_corpus(str(metheny_file))
    foreign = jazzcore.train(*other.xy(60, 30, 0), epochs=1, n_a=4, vocabulary=other.vocabulary)
    at.file_uploader(key="model_upload").set_value(("metheny.npz", persist.model_bytes(foreign), "application/octet-stream"))
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "metheny.npz" in at.error[0].value
    assert at.session_state["model"] is loaded  # the refused file changed nothing
