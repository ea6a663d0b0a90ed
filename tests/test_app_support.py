"""The app's helpers, without Streamlit: training queue, background jobs, uploads, tables."""

from __future__ import annotations

import threading
import time

import pytest

from jazzcore.app_support import TrainingJob, TrainingSlots, save_upload, vocabulary_rows
from jazzcore.dataset import Vocabulary
from jazzcore.errors import InputFileError, ParameterError


def fake_run(epochs: int, step_s: float = 0.0, fail: Exception | None = None):
    """A stand-in for jazzcore.train: reports `epochs` epochs, honours should_stop."""

    def run(on_epoch, should_stop):
        done = 0
        for epoch in range(1, epochs + 1):
            if should_stop():
                break
            if fail is not None and epoch == 2:
                raise fail
            time.sleep(step_s)
            on_epoch({"epoch": epoch, "loss": 100.0 / epoch, "per_step_loss": [1.0, 0.0], "accuracy": 0.5})
            done = epoch
        return {"epochs_trained": done}

    return run


def test_job_records_every_epoch_and_keeps_the_model():
    job = TrainingJob(fake_run(3), TrainingSlots(1), epochs=3).start()
    assert job.wait(5)
    assert job.status == "done"
    assert [r.epoch for r in job.history] == [1, 2, 3]
    assert job.history[-1].loss == pytest.approx(100 / 3)
    assert job.model == {"epochs_trained": 3}


def test_stop_keeps_the_weights_so_far():
    job = TrainingJob(fake_run(1000, step_s=0.005), TrainingSlots(1), epochs=1000).start()
    while len(job.history) < 3:
        time.sleep(0.005)
    job.stop()
    assert job.wait(5)
    assert job.status == "stopped"
    assert 3 <= job.model["epochs_trained"] < 1000
    assert job.model["epochs_trained"] == len(job.history)


def test_queue_runs_one_at_a_time_and_shows_positions():
    slots = TrainingSlots(capacity=1)
    first = TrainingJob(fake_run(1000, step_s=0.002), slots, epochs=1000).start()
    while first.status != "running":
        time.sleep(0.002)
    second = TrainingJob(fake_run(2), slots, epochs=2).start()
    third = TrainingJob(fake_run(2), slots, epochs=2).start()
    while slots.waiting < 2:
        time.sleep(0.002)
    assert (first.queue_position, second.queue_position, third.queue_position) == (0, 1, 2)
    assert second.status == third.status == "queued"
    first.stop()
    assert second.wait(5) and third.wait(5)
    assert second.status == third.status == "done"
    assert second.finished_at <= third.started_at  # never two at once with one slot
    assert slots.running == 0 and slots.waiting == 0


def test_a_queued_job_can_be_cancelled():
    slots = TrainingSlots(capacity=1)
    blocker = threading.Event()
    slots_ticket = "someone else"
    threading.Thread(target=lambda: (slots.acquire(slots_ticket), blocker.wait(5), slots.release(slots_ticket))).start()
    while slots.running == 0:
        time.sleep(0.002)
    job = TrainingJob(fake_run(5), slots, epochs=5).start()
    job.stop()
    assert job.wait(5)
    assert job.status == "stopped" and job.history == [] and job.model is None
    blocker.set()


def test_a_failing_run_reports_its_error_and_frees_the_slot():
    slots = TrainingSlots(1)
    job = TrainingJob(fake_run(5, fail=ParameterError("n_a = 0 is out of range.")), slots, epochs=5).start()
    assert job.wait(5)
    assert job.status == "failed" and job.error == "n_a = 0 is out of range."
    assert len(job.history) == 1 and slots.running == 0


def test_save_upload_stores_by_hash_and_refuses_bad_files(tmp_path, metheny_file):
    data = metheny_file.read_bytes()
    path = save_upload(data, "my solo.mid", tmp_path)
    assert path.name == "0da8322ceab36b03.mid" and path.read_bytes() == data
    assert save_upload(data, "again.mid", tmp_path) == path
    with pytest.raises(InputFileError, match="neither MIDI nor MusicXML"):
        save_upload(b"%PDF-1.4 not music", "score.pdf", tmp_path)
    with pytest.raises(InputFileError, match="is empty"):
        save_upload(b"", "nothing.mid", tmp_path)
    with pytest.raises(InputFileError, match="MB accepted"):
        save_upload(b"MThd" + bytes(6 * 1024 * 1024), "huge.mid", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0da8322ceab36b03.mid"]


def test_vocabulary_rows_read_the_tokens():
    vocab = Vocabulary.from_corpus(["S,0.250,<m2,P-4>", "R,1.000", "S,0.250,<m2,P-4>"])
    rows = vocabulary_rows(vocab)
    assert [r["value"] for r in rows] == ["R,1.000", "S,0.250,<m2,P-4>"]
    rest, scale = rows
    assert rest["type"] == "rest" and rest["bracket"] == "" and rest["note value"] == "a quarter"
    assert scale["count"] == 2 and scale["bracket"] == "<m2,P-4>"
    assert scale["reading"] == "scale tone, a 16th, between a minor 2nd up and a perfect 4th down"


def test_parameter_counts_match_the_seeds_summary():
    from jazzcore.app_support import parameter_counts

    # The seed's model.summary() for n_values = 78, n_a = 64: 36,608 + 5,070 = 41,678.
    assert parameter_counts(78, 64) == {"LSTM": 36_608, "Dense": 5_070, "total": 41_678}


def test_unrolled_graph_shows_shared_cells_and_feedback():
    from jazzcore.app_support import unrolled_graph_dot

    training = unrolled_graph_dot(30, shown=3)
    assert training.count("LSTM cell") == 4 and "dots" in training and "ŷ⟨Tx⟩" in training
    inference = unrolled_graph_dot(50, shown=2, inference=True)
    assert "argmax" in inference and "style=dashed" in inference
