"""The app's trainer without Streamlit: the fair scheduler (jazzcore.app.scheduler), the
Trainer with its budget, shared runs and departed visitors (jazzcore.app.trainer), the
trainer process (jazzcore.app.worker) and the estimates (jazzcore.app.jobs)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from jazzcore.app.generation import training_run
from jazzcore.app.jobs import (
    EpochRecord,
    RunSpec,
    TrainingJob,
    describe_seconds,
    finish_times,
    predicted_epoch_seconds,
)
from jazzcore.app.scheduler import FairScheduler
from jazzcore.app.trainer import Trainer
from jazzcore.dataset import load_corpus
from jazzcore.errors import ParameterError
from jazzcore.model import TrainConfig
from jazzcore.training import train


def fake_run(epochs: int, step_s: float = 0.0, fail: Exception | None = None, log=None, name=""):
    """A stand-in for jazzcore.training.train: `epochs` epochs of `step_s` seconds each (a
    busy wait: it holds the trainer as an epoch does), honouring should_stop; `log` gets
    (name, epoch) after every epoch."""

    def run(on_epoch, should_stop):
        done = 0
        for epoch in range(1, epochs + 1):
            if should_stop():
                break
            if fail is not None and epoch == 2:
                raise fail
            end = time.perf_counter() + step_s
            while time.perf_counter() < end:
                pass
            on_epoch({"epoch": epoch, "loss": 100.0 / epoch, "per_step_loss": [1.0, 0.0],
                      "accuracy": 0.5})  # fmt: skip
            if log is not None:
                log.append((name, epoch))
            done = epoch
        return {"epochs_trained": done}

    return run


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


class Recorder:
    """The scheduler's events, by job: 'finished' payloads and every kind seen."""

    def __init__(self):
        self.finished: dict = {}
        self.kinds: list = []
        self.done = threading.Event()

    def __call__(self, kind, job_id, payload):
        self.kinds.append((kind, job_id))
        if kind == "finished":
            self.finished[job_id] = payload


# ---------------------------------------------------------------------------------------
# The scheduler: one run computes at a time; quick runs first; long runs take turns


def test_a_quick_run_goes_before_a_long_run_at_its_next_epoch():
    log, events = [], Recorder()
    scheduler = FairScheduler(events, quantum=0.05, short_s=0.5)
    scheduler.submit("long", fake_run(200, 0.005, log=log, name="long"), 200, 0.005)
    wait_until(lambda: len(log) >= 5)
    scheduler.submit("quick", fake_run(20, 0.001, log=log, name="quick"), 20, 0.001)
    wait_until(lambda: "quick" in events.finished)
    first = next(i for i, (name, _) in enumerate(log) if name == "quick")
    quick = [name for name, _ in log[first : first + 20]]
    assert quick == ["quick"] * 20  # its 20 epochs in a row: the long run waited
    assert first - 5 <= 2  # it started within an epoch or two of arriving
    scheduler.cancel("long")
    wait_until(lambda: "long" in events.finished)
    assert events.finished["long"]["status"] == "stopped"


def test_long_runs_take_turns_so_every_one_progresses():
    log, events = [], Recorder()
    scheduler = FairScheduler(events, quantum=0.02, short_s=0.0)
    for name in "abc":
        scheduler.submit(name, fake_run(1000, 0.002, log=log, name=name), 1000, 0.002)
    wait_until(lambda: len(log) >= 300)
    done = {name: sum(1 for n, _ in log[:300] if n == name) for name in "abc"}
    assert all(count >= 50 for count in done.values()), done  # each had its slices
    for name in "abc":
        scheduler.cancel(name)
    wait_until(lambda: len(events.finished) == 3)


def test_one_run_computes_at_a_time():
    running, most = [0], [0]
    lock = threading.Lock()

    def run(on_epoch, should_stop):
        for epoch in range(1, 40):
            if should_stop():
                break
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.001)
            with lock:
                running[0] -= 1
            on_epoch({"epoch": epoch, "loss": 1.0, "per_step_loss": [1.0], "accuracy": 0.0})
        return None

    events = Recorder()
    scheduler = FairScheduler(events, quantum=0.005, short_s=0.0)
    for name in range(4):
        scheduler.submit(name, run, 39, 0.001)
    wait_until(lambda: len(events.finished) == 4)
    assert most[0] == 1


def test_admitted_runs_share_the_trainer_and_the_others_wait():
    events = Recorder()
    scheduler = FairScheduler(events, quantum=0.01, short_s=0.0, admitted=1)
    scheduler.submit("first", fake_run(30, 0.002), 30, 0.002)
    scheduler.submit("second", fake_run(5, 0.001), 5, 0.001)
    wait_until(lambda: len(events.finished) == 2)
    order = [job for kind, job in events.kinds if kind == "started"]
    assert order == ["first", "second"]  # with one place, the second waits for the first
    assert events.kinds.index(("finished", "first")) < events.kinds.index(("started", "second"))


def test_a_queued_run_cancelled_ends_without_a_model():
    events = Recorder()
    scheduler = FairScheduler(events, short_s=0.0, admitted=1)
    scheduler.submit("blocker", fake_run(10_000, 0.001), 10_000, 0.001)
    scheduler.submit("queued", fake_run(5), 5, 0.001)
    time.sleep(0.05)
    scheduler.cancel("queued")
    wait_until(lambda: "queued" in events.finished)
    finished = events.finished["queued"]
    assert (finished["status"], finished["model"], finished["error"]) == ("stopped", None, None)
    scheduler.cancel("blocker")
    wait_until(lambda: "blocker" in events.finished)
    assert events.finished["blocker"]["model"]["epochs_trained"] >= 1  # the weights so far


def test_a_failing_run_reports_its_error_and_a_bug_is_a_failure():
    events = Recorder()
    scheduler = FairScheduler(events)
    scheduler.submit("bad", fake_run(5, fail=ParameterError("n_a = 0 is out of range.")), 5, 0)
    scheduler.submit("bug", fake_run(5, fail=KeyError("loss")), 5, 0)
    wait_until(lambda: len(events.finished) == 2)
    assert events.finished["bad"]["error"] == "n_a = 0 is out of range."
    assert events.finished["bug"]["error"] == "Training failed: KeyError: 'loss'"
    assert not scheduler.busy


def test_a_quick_run_that_turns_out_long_joins_the_long_runs():
    log, events = [], Recorder()
    scheduler = FairScheduler(events, quantum=0.01, short_s=0.02)
    # predicted 10 × 0.001 s = 0.01 s, but each epoch takes 0.01 s
    scheduler.submit("liar", fake_run(400, 0.01, log=log, name="liar"), 10, 0.001)
    wait_until(lambda: ("lane", "liar") in events.kinds)
    scheduler.submit("quick", fake_run(3, 0.001, log=log, name="quick"), 3, 0.001)
    wait_until(lambda: "quick" in events.finished)
    assert log[-1][0] == "quick" or ("liar", 400) not in log  # the quick run did not wait
    scheduler.cancel("liar")
    wait_until(lambda: "liar" in events.finished)


# ---------------------------------------------------------------------------------------
# Estimates and the cost model


def test_finish_times_share_the_trainer_equally():
    # Two runs of 1 s and 2 s sharing one trainer: the first ends after 2 s (half the
    # trainer each), the second after 3 s.
    assert finish_times([1.0, 2.0]) == [2.0, 3.0]
    # One place: the second starts when the first ends.
    assert finish_times([1.0, 2.0], admitted=1) == [1.0, 3.0]
    # Quick runs go first: everything moves back by their work.
    assert finish_times([1.0, 2.0], ahead=0.5) == [2.5, 3.5]
    assert finish_times([]) == []


def test_describe_seconds_reads_as_a_person_would():
    assert describe_seconds(0.2) == "about 1 s"
    assert describe_seconds(41.2) == "about 42 s"
    assert describe_seconds(125) == "about 3 min"


def test_the_cost_model_is_within_a_factor_of_the_measured_run():
    corpus = load_corpus("leadsheets")
    spec = training_run(corpus, TrainConfig(epochs=10))
    runs = []
    for _ in range(3):  # the fastest of three: a busy machine's pauses are not the cost
        start = time.perf_counter()
        spec()
        runs.append((time.perf_counter() - start) / 10)
    assert spec.epoch_seconds() == predicted_epoch_seconds(60, 30, 64, corpus.n_values)
    assert 0.2 < min(runs) / spec.epoch_seconds() < 5


def test_a_waiting_job_says_when_it_starts_and_ends():
    job = TrainingJob(fake_run(1), 300)
    job.starts_in_s, job.left_s = 12.0, 40.0
    assert job.status_text() == (
        "Waiting for the trainer: it starts in about 12 s and ends in about 40 s."
    )
    job._started(time.time())
    job._epoch(EpochRecord(1, 9.0, (9.0,), 0.1, 0.01))
    job.sharing, job.left_s = 3, 30.0
    assert job.status_text() == (
        "Training: epoch 1 of 300 · the trainer is shared by 3 runs · about 30 s left."
    )


# ---------------------------------------------------------------------------------------
# The Trainer: budget, shared runs, departed visitors


class Visitor:
    """An owner that is present until told otherwise."""

    def __init__(self):
        self.here = True

    def present(self, now):
        return self.here


@pytest.fixture(scope="module")
def leadsheets():
    return load_corpus("leadsheets")


@pytest.fixture
def thread_trainer():
    trainer = Trainer("thread")
    yield trainer
    trainer.close()


def test_a_run_over_the_budget_is_refused_in_words(leadsheets, thread_trainer):
    trainer = Trainer("thread", run_limit_s=10)
    try:
        with pytest.raises(ParameterError, match="a run may take 10 s"):
            trainer.submit(training_run(leadsheets, TrainConfig(n_a=256, epochs=5000)))
    finally:
        trainer.close()
    with pytest.raises(ParameterError, match="more than this shared server trains at once"):
        training_run(leadsheets, TrainConfig(n_a=1024, epochs=1), m=100, Tx=50)


def test_a_run_stops_at_the_time_limit_and_keeps_its_weights():
    trainer = Trainer("thread", run_limit_s=0.3)
    try:
        job = trainer.submit(fake_run(100_000, 0.005), 100_000)
        assert job.wait(10)
        assert job.status == "stopped" and job.stop_reason == "limit"
        assert job.model["epochs_trained"] == len(job.history) > 10
        assert "time limit" in job.status_text()
    finally:
        trainer.close()


def test_identical_quick_requests_share_one_run(leadsheets, thread_trainer):
    a, b = Visitor(), Visitor()
    first = thread_trainer.shared(training_run(leadsheets), owner=a)
    again = thread_trainer.shared(training_run(leadsheets), owner=b)  # built anew: same key
    assert again is first and first.shared and first.lane == "short"
    assert first.wait(30) and first.status == "done"
    assert thread_trainer.shared(training_run(leadsheets)) is first  # done: at once
    assert thread_trainer.shared_key(first.model) == training_run(leadsheets).key
    other = thread_trainer.shared(training_run(leadsheets, TrainConfig(seed=1)), owner=a)
    assert other is not first
    other.stop()
    other.wait(30)


def test_the_runs_of_a_visitor_who_left_are_cancelled_within_seconds(thread_trainer):
    stays, leaves = Visitor(), Visitor()
    running = thread_trainer.submit(fake_run(100_000, 0.002), 100_000, owner=leaves)
    other = thread_trainer.submit(fake_run(100_000, 0.002), 100_000, owner=stays)
    wait_until(lambda: len(running.history) >= 2 and len(other.history) >= 2)
    leaves.here = False
    left = time.monotonic()
    assert running.wait(5) and running.status == "stopped" and running.stop_reason == "gone"
    assert time.monotonic() - left < 1  # checked every 0.25 s
    assert running.model["epochs_trained"] == len(running.history)
    assert other.active  # the visitor still here trains on
    other.stop()
    assert other.wait(5)


def test_a_shared_run_goes_on_while_one_of_its_visitors_is_here(leadsheets, thread_trainer):
    a, b = Visitor(), Visitor()
    spec = training_run(leadsheets, TrainConfig(n_a=8, epochs=3000, seed=7))
    job = thread_trainer.shared(spec, owner=a)
    assert thread_trainer.shared(spec, owner=b) is job
    wait_until(lambda: len(job.history) >= 2)
    a.here = False
    time.sleep(1.0)
    assert job.active  # b still waits for it
    b.here = False
    assert job.wait(5) and job.stop_reason == "gone"
    assert thread_trainer.shared(spec, owner=Visitor()) is not job  # a stopped run is not shared
    thread_trainer.close()


@pytest.mark.slow  # starts the trainer process (about 1 s) and trains in it
def test_the_trainer_process_trains_the_same_weights_as_this_process(leadsheets):
    spec = training_run(leadsheets, TrainConfig(n_a=16, epochs=30))
    trainer = Trainer("process")
    try:
        job = trainer.submit(spec)
        assert job.wait(60) and job.status == "done", job.status_text()
        assert [r.epoch for r in job.history] == list(range(1, 31))
        assert all(r.seconds > 0 for r in job.history)
        here = train(*leadsheets.xy(60, 30, 0), leadsheets.vocabulary, spec.config)
        for theirs, ours in zip(job.model.weights, here.weights, strict=True):
            np.testing.assert_array_equal(theirs, ours)  # deterministic: a link replays it
        assert job.model.source == "leadsheets"
        long = trainer.submit(training_run(leadsheets, TrainConfig(epochs=5000)))
        wait_until(lambda: len(long.history) >= 3)
        long.stop()
        assert long.wait(10) and long.status == "stopped" and long.model is not None
    finally:
        trainer.close()


def test_a_run_spec_names_its_data_and_settings(leadsheets):
    spec = training_run(leadsheets, TrainConfig(n_a=8, epochs=3, seed=4), m=20, Tx=12)
    assert isinstance(spec, RunSpec) and spec.epochs == 3 and spec.activations == 20 * 12 * 8
    assert (
        spec.key == training_run(leadsheets, TrainConfig(n_a=8, epochs=3, seed=4), m=20, Tx=12).key
    )
    assert (
        spec.key != training_run(leadsheets, TrainConfig(n_a=8, epochs=4, seed=4), m=20, Tx=12).key
    )
    seen = []
    model = spec(on_epoch=seen.append)
    assert [info["epoch"] for info in seen] == [1, 2, 3] and model.n_a == 8
