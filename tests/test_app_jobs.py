"""The app's training jobs and queue, without Streamlit (jazzcore.app.jobs)."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from jazzcore.app.jobs import EpochRecord, SessionToken, TrainingJob, TrainingSlots
from jazzcore.errors import ParameterError


def fake_run(epochs: int, step_s: float = 0.0, fail: Exception | None = None):
    """A stand-in for jazzcore.training.train: reports `epochs` epochs, honours should_stop."""

    def run(on_epoch, should_stop):
        done = 0
        for epoch in range(1, epochs + 1):
            if should_stop():
                break
            if fail is not None and epoch == 2:
                raise fail
            time.sleep(step_s)
            on_epoch(
                {
                    "epoch": epoch,
                    "loss": 100.0 / epoch,
                    "per_step_loss": [1.0, 0.0],
                    "accuracy": 0.5,
                }
            )
            done = epoch
        return {"epochs_trained": done}

    return run


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def test_job_records_every_epoch_and_keeps_the_model():
    job = TrainingJob(fake_run(3), TrainingSlots(1), epochs=3).start()
    assert job.wait(5)
    assert job.status == "done" and not job.active
    assert job.history == [
        EpochRecord(1, 100.0, (1.0, 0.0), 0.5),
        EpochRecord(2, 50.0, (1.0, 0.0), 0.5),
        EpochRecord(3, pytest.approx(100 / 3), (1.0, 0.0), 0.5),
    ]
    assert job.model == {"epochs_trained": 3} and job.progress == 1.0
    assert job.status_text().startswith("Trained 3 epochs in ")


def test_stop_keeps_the_weights_so_far():
    job = TrainingJob(fake_run(1000, step_s=0.005), TrainingSlots(1), epochs=1000).start()
    wait_until(lambda: len(job.history) >= 3)
    assert job.status_text().startswith("Training: epoch ") and job.status_text().endswith(
        " of 1000"
    )
    job.stop()
    assert job.stop_requested
    assert job.wait(5)
    assert job.status == "stopped"
    assert 3 <= job.model["epochs_trained"] < 1000
    assert job.model["epochs_trained"] == len(job.history)
    assert job.status_text().startswith(f"Stopped after {len(job.history)} epochs")


def test_queue_runs_one_at_a_time_and_shows_positions():
    slots = TrainingSlots(capacity=1)
    first = TrainingJob(fake_run(1000, step_s=0.002), slots, epochs=1000).start()
    wait_until(lambda: first.status == "running")
    second = TrainingJob(fake_run(2), slots, epochs=2).start()
    third = TrainingJob(fake_run(2), slots, epochs=2).start()
    wait_until(lambda: slots.waiting == 2)
    assert (first.queue_position, second.queue_position, third.queue_position) == (0, 1, 2)
    assert second.status == third.status == "queued"
    assert third.status_text() == "Waiting for a free trainer: you are number 2 in the queue."
    first.stop()
    assert second.wait(5) and third.wait(5)
    assert second.status == third.status == "done"
    assert second.finished_at <= third.started_at  # never two at once with one slot
    assert slots.running == 0 and slots.waiting == 0


def test_two_slots_run_two_at_once():
    slots = TrainingSlots(capacity=2)
    jobs = [TrainingJob(fake_run(1000, step_s=0.002), slots, epochs=1000).start() for _ in range(3)]
    wait_until(lambda: slots.running == 2 and slots.waiting == 1)
    assert sorted(j.queue_position for j in jobs) == [0, 0, 1]
    for job in jobs:
        job.stop()
    assert all(job.wait(5) for job in jobs)


def test_a_queued_job_can_be_cancelled():
    slots = TrainingSlots(capacity=1)
    blocker = threading.Event()
    other = "someone else"
    threading.Thread(
        target=lambda: (slots.acquire(other), blocker.wait(5), slots.release(other))
    ).start()
    wait_until(lambda: slots.running == 1)
    job = TrainingJob(fake_run(5), slots, epochs=5).start()
    job.stop()
    assert job.wait(5)
    assert job.status == "stopped" and job.history == [] and job.model is None
    blocker.set()


def test_a_job_whose_session_is_gone_stops_and_frees_the_trainer():
    slots = TrainingSlots(capacity=1)
    token, other = SessionToken(), SessionToken()
    running = TrainingJob(
        fake_run(100_000, step_s=0.002), slots, epochs=100_000, owner=token
    ).start()
    wait_until(lambda: len(running.history) >= 2)
    queued = TrainingJob(
        fake_run(100_000, step_s=0.002), slots, epochs=100_000, owner=other
    ).start()
    wait_until(lambda: slots.waiting == 1)
    del other  # the queued user closed the tab: their job leaves the queue
    gc.collect()
    assert queued.wait(5) and queued.status == "stopped" and queued.history == []
    del token  # then the running user: the run ends after its epoch, the trainer is free
    gc.collect()
    assert running.wait(5) and running.status == "stopped"
    assert running.model["epochs_trained"] == len(running.history) >= 2
    assert slots.running == 0 and slots.waiting == 0


def test_a_failing_run_reports_its_error_and_frees_the_slot():
    slots = TrainingSlots(1)
    error = ParameterError("n_a = 0 is out of range.")
    job = TrainingJob(fake_run(5, fail=error), slots, epochs=5).start()
    assert job.wait(5)
    assert job.status == "failed" and job.error == "n_a = 0 is out of range."
    assert job.status_text() == "n_a = 0 is out of range."
    assert len(job.history) == 1 and slots.running == 0


def test_a_bug_in_the_run_is_a_failure_not_a_dead_thread():
    job = TrainingJob(fake_run(5, fail=KeyError("loss")), TrainingSlots(1), epochs=5).start()
    assert job.wait(5)
    assert job.status == "failed" and job.error == "Training failed: KeyError: 'loss'"
