"""The Train page through AppTest: settings, a real (NumPy) training run followed live,
Stop, model upload and download."""

from __future__ import annotations

import json
import math
import pickle
import re
import threading
import time

import pytest

from jazzcore import persist
from jazzcore.app import session
from jazzcore.app.trainer import Trainer
from jazzcore.dataset import load_corpus
from jazzcore.model import TrainConfig
from jazzcore.persist import model_bytes
from jazzcore.training import train


def finish_training(at, timeout: float = 60) -> None:
    """Let the session's training end, then rerun the page as its live view does then."""
    assert at.session_state["job"].wait(timeout)
    at.run()


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
    at.button[0].click().run()  # the training runs in its own thread, the page follows it
    assert not at.exception
    finish_training(at)
    assert not at.exception
    job = at.session_state["job"]
    assert job.status == "done" and [r.epoch for r in job.history] == [1, 2]
    traces = loss_chart(at)
    assert traces["loss (sum over steps)"]["x"] == [1, 2]
    assert len(traces["loss (sum over steps)"]["y"]) == 2 and len(traces["accuracy"]["y"]) == 2
    assert len(traces["loss at step t"]["y"]) == 30  # per-step loss of the last epoch, Tx = 30
    # The first epoch's loss is near Tx − 1 = 29 steps of ln(n_values) (an untrained softmax).
    n_values = load_corpus("leadsheets").n_values
    first_loss = traces["loss (sum over steps)"]["y"][0]
    assert first_loss == pytest.approx(29 * math.log(n_values), rel=0.05)
    model = at.session_state["model"]
    assert model.n_a == 16 and len(model.history) == 2
    done = [s.value for s in at.success if s.value.startswith("Trained 2 epochs")]
    assert done and "on the numpy engine" in done[0]  # the app trains on one core
    assert [b.label for b in at.get("download_button")] == ["⬇ Download the model (.npz)"]
    # A rerun (any widget) keeps the model and does not train again.
    at.run()
    assert at.session_state["model"] is model and len(loss_chart(at)["accuracy"]["x"]) == 2


def test_the_courses_state_reset_is_a_switch_of_the_train_page(train_page):
    at = train_page
    assert at.checkbox(key="train_carry").value is True  # the course's text: carried
    at.number_input(key="train_epochs").set_value(2)
    at.number_input(key="train_n_a").set_value(8)
    at.checkbox(key="train_carry").uncheck()
    at.button[0].click().run()
    finish_training(at)
    model = at.session_state["model"]
    assert model.config.carry_state is False and len(model.history) == 2


def test_settings_too_big_to_train_are_one_error_line(train_page):
    at = train_page
    # 100 windows of 50 steps with 1024 units: 5.1 M activations, more than the shared
    # server trains at once (4 M), although the library could hold them
    at.number_input(key="train_n_a").set_value(1024)
    at.number_input(key="train_m").set_value(100)
    at.number_input(key="train_tx").set_value(50)
    at.button[0].click().run()
    assert not at.exception
    assert "job" not in at.session_state  # refused before it could wait in the queue
    assert [e.value for e in at.error] == [
        "m · Tx · n_a = 100 · 50 · 1,024 = 5,120,000 is more than this shared server trains "
        "at once (4,000,000): choose fewer windows, time steps or units."
    ]
    assert "model" not in at.session_state
    # The page keeps working: sensible settings train.
    at.number_input(key="train_n_a").set_value(8)
    at.number_input(key="train_epochs").set_value(1)
    at.button[0].click().run()
    finish_training(at)
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
    finish_training(at)
    assert not at.exception and len(at.session_state["model"].history) == 1
    assert len(at.error) == 1
    at.switch_page("pages/data.py").run()
    assert not at.exception


def test_a_saved_model_uploads_back_and_another_corpus_is_refused(train_page, metheny_file):
    at = train_page
    corpus = load_corpus("leadsheets")
    model = train(*corpus.xy(60, 30, 0), corpus.vocabulary, TrainConfig(n_a=8, epochs=3))
    upload = ("mine.npz", model_bytes(model), "application/octet-stream")
    at.file_uploader(key="model_upload").set_value(upload)
    at.run()
    assert not at.exception and not at.error
    loaded = at.session_state["model"]
    assert loaded.n_a == 8 and len(loaded.history) == 3
    assert any("Loaded mine.npz" in s.value for s in at.success)

    other = load_corpus(str(metheny_file))
    foreign = train(*other.xy(60, 30, 0), other.vocabulary, TrainConfig(n_a=4, epochs=1))
    upload = ("metheny.npz", model_bytes(foreign), "application/octet-stream")
    at.file_uploader(key="model_upload").set_value(upload)
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "metheny.npz" in at.error[0].value
    assert at.session_state["model"] is loaded  # the refused file changed nothing


def held_run(corpus, release: threading.Event):
    """A training that does one real epoch, then waits to be released (or stopped) before
    ending: the test decides when the run moves on."""

    def run(on_epoch, should_stop):
        X, Y = corpus.xy(60, 30, 0)
        model = train(X, Y, corpus.vocabulary, TrainConfig(n_a=8, epochs=1), on_epoch=on_epoch)
        while not (release.is_set() or should_stop()):
            release.wait(0.01)
        return model

    return run


def test_the_live_view_shows_the_run_and_stop_keeps_its_weights(train_page):
    at = train_page
    at.number_input(key="train_epochs").set_value(5000)
    at.button[0].click().run()
    job = at.session_state["job"]
    while len(job.history) < 3:
        job.wait(0.01)
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["▶ Train", "■ Stop"]
    text = at.get("progress")[0].proto.text
    assert re.fullmatch(r"Training: epoch [\d,]+ of 5,000 · about \d+ (s|min) left\.", text), text
    shown = loss_chart(at)["loss (sum over steps)"]["x"]
    assert shown[:3] == [1, 2, 3] and len(shown) <= len(job.history)
    at.button(key="train_stop").click().run()
    assert job.wait(10) and job.status == "stopped" and job.stop_reason == "stop"
    at.run()
    assert "■ Stop" not in [b.label for b in at.button]
    epochs = len(job.history)
    assert any(s.value.startswith(f"Stopped after {epochs:,} epochs") for s in at.success)
    assert at.session_state["model"] is job.model  # the weights so far are the visitor's model
    assert len(job.model.history) == epochs
    assert [b.label for b in at.get("download_button")] == ["⬇ Download the model (.npz)"]


def test_a_waiting_run_says_when_it_starts_and_ends(train_page, monkeypatch):
    at = train_page
    trainer = Trainer("thread", admitted=1)  # one run at a time: the next one waits
    monkeypatch.setattr(session, "trainer", lambda: trainer)
    release = threading.Event()
    try:
        theirs = trainer.submit(held_run(load_corpus("leadsheets"), release), 1)
        while not theirs.history:
            theirs.wait(0.01)
        at.number_input(key="train_n_a").set_value(8)
        at.number_input(key="train_epochs").set_value(3000)  # a long run: it waits its turn
        at.button[0].click().run()
        job = at.session_state["job"]
        time.sleep(0.6)  # the trainer's estimates are refreshed every 0.25 s
        at.run()
        assert job.status == "queued"
        [waiting] = at.main.info
        assert re.fullmatch(
            r"Waiting for the trainer: it starts in about \d+ s and ends in about \d+ s\.",
            waiting.value,
        ), waiting.value
        release.set()  # theirs ends: the visitor's run starts
        while not job.history:
            job.wait(0.01)
        job.stop()
        finish_training(at)
        assert job.status == "stopped" and at.session_state["model"] is job.model
    finally:
        trainer.close()


def test_values_out_of_range_are_refused_in_words_before_anything_queues(train_page):
    at = train_page
    at.number_input(key="train_n_a").set_value(0)
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "n_a = 0 is out of range: choose a whole number from 1 to 1024."
    ]
    at.number_input(key="train_n_a").set_value(1024)
    at.number_input(key="train_epochs").set_value(5000)
    at.button[0].click().run()
    assert len(at.error) == 1 and "on this shared server a run may take" in at.error[0].value
    assert "job" not in at.session_state  # nothing queued


def test_the_model_file_is_made_only_when_downloaded(train_page, monkeypatch):
    made = []
    monkeypatch.setattr(persist, "model_bytes", lambda model: made.append(model) or b"")
    at = train_page
    at.number_input(key="train_epochs").set_value(1)
    at.button[0].click().run()
    finish_training(at)
    at.run()
    assert [b.label for b in at.get("download_button")] == ["⬇ Download the model (.npz)"]
    assert made == []  # rendering the page compresses nothing
