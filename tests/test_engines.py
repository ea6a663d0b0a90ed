"""The two engines and the streaming windows: the same mathematics on NumPy and TensorFlow,
windows that are the course's X and Y, chunks whose gradients add up to the batch's, memory
that stays flat as m grows, the engine a run picks and records.

TensorFlow is imported only by the tests marked slow (and by the subprocesses they start).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import socket
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from jazzcore import model as model_module
from jazzcore.dataset import Vocabulary, data_processing, load_corpus
from jazzcore.engines import choose_engine, estimate_seconds
from jazzcore.engines.choice import epoch_work
from jazzcore.errors import ParameterError
from jazzcore.model import MAX_WINDOW_STEPS, TrainConfig, chunk_windows
from jazzcore.network import init_weights, loss_and_grads, loss_and_grads_indices
from jazzcore.persist import load_model, model_bytes
from jazzcore.training import train, train_windows
from jazzcore.windows import ArrayWindows, Windows, chunks, epoch_batches

HERE = Path(__file__).resolve().parent
QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


@pytest.fixture(scope="module")
def corpus(metheny_file):
    return load_corpus(str(metheny_file))


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def random_windows(n_values=5, Tx=4, m=3, seed=3):
    """Index arrays with a zero first input and an empty last target, as the course's."""
    rng = np.random.default_rng(seed)
    x = rng.integers(n_values, size=(Tx, m))
    x[0] = n_values
    y = rng.integers(n_values, size=(Tx, m))
    y[-1] = n_values
    return x, y


# ---------------------------------------------------------------------------------------
# Windows: the course's X and Y, one batch at a time


def test_windows_are_the_courses_x_and_y(corpus):
    for m, Tx, seed in ((60, 30, 0), (17, 12, 4)):
        windows = Windows.from_corpus(corpus, m, Tx, seed)
        X, Y = corpus.xy(m, Tx, seed)
        dense_X, dense_Y = windows.xy()
        assert np.array_equal(dense_X, X) and np.array_equal(dense_Y, Y)
        assert windows.m == m and windows.Tx == Tx and windows.n_values == corpus.n_values


def test_windows_never_cross_from_one_solo_into_the_next():
    # three solos of 9, 4 and 12 values; Tx = 5: only the first and last have windows
    vocabulary = Vocabulary.from_corpus([f"C,0.{k}" for k in range(6)])
    tokens = [vocabulary.tokens[k % 6] for k in range(25)]
    lengths = [9, 4, 12]
    X, Y, _ = data_processing(tokens, vocabulary.values_indices, 40, 5, 2, lengths=lengths)
    windows = Windows.sample(vocabulary.encode(tokens), vocabulary, 40, 5, 2, lengths=lengths)
    assert all(np.array_equal(a, b) for a, b in zip(windows.xy(), (X, Y), strict=True))
    inside = [(0, 9 - 5), (13, 13 + 12 - 5)]  # valid starts of solo 1 and solo 3
    assert all(any(lo <= s < hi for lo, hi in inside) for s in windows.starts)


def test_a_batch_is_the_index_of_every_one_hot_row(corpus):
    windows = Windows.from_corpus(corpus, 60, 30, 0)
    X, Y = windows.xy()
    rows = np.array([5, 0, 59])
    x, y = windows.batch(rows)
    assert x.shape == y.shape == (30, 3) and x.dtype == np.int32
    n = windows.n_values
    assert (x[0] == n).all() and (y[-1] == n).all()  # the zero x⟨0⟩, the empty last target
    assert np.array_equal(x[1:], X[rows, 1:].argmax(-1).T)
    assert np.array_equal(y[:-1], Y[:-1, rows].argmax(-1))
    assert np.array_equal(y[:-1], x[1:])  # the target of step t is the input of step t + 1


@pytest.mark.parametrize(
    "make, word",
    [
        (lambda v: Windows(np.array([0, 1, 9]), np.array([0]), 2, v), "indices"),
        (lambda v: Windows(np.array([0, 1, 2]), np.array([2]), 2, v), "outside"),
        (lambda v: Windows(np.array([0, 1, 2]), np.array([], int), 2, v), "at least one"),
        (lambda v: Windows(np.array([0, 1, 2]), np.array([0]), 1, v), "Tx"),
        (lambda v: ArrayWindows(np.zeros((3, 2), int), np.zeros((2, 3), int), v), "(Tx, m)"),
    ],
)
def test_windows_that_cannot_be_are_one_line_errors(make, word):
    vocabulary = Vocabulary.from_corpus(["C,0.250", "S,0.250", "R,0.250"])
    with pytest.raises(ParameterError) as error:
        make(vocabulary)
    assert word in str(error.value) and "\n" not in str(error.value)


def test_epoch_batches_are_kerass_shuffled_batches():
    full = epoch_batches(60, None, np.random.default_rng(0))
    assert len(full) == 1 and np.array_equal(full[0], np.arange(60))
    assert np.array_equal(epoch_batches(60, 60, np.random.default_rng(0))[0], np.arange(60))
    batches = epoch_batches(60, 32, np.random.default_rng(0))
    assert [b.size for b in batches] == [32, 28]
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(60))  # each window once
    assert [c.size for c in chunks(np.arange(10), 4)] == [3, 3, 4]


# ---------------------------------------------------------------------------------------
# The index form of the mathematics, and chunks


def test_the_index_loss_is_the_dense_loss():
    n_values, n_a, Tx, m = 5, 3, 4, 3
    rng = np.random.default_rng(1)
    w = init_weights(n_values, n_a, seed=1, dtype=np.float64)
    w = type(w)(*(a + rng.normal(scale=0.3, size=a.shape) for a in w))
    x, y = random_windows(n_values, Tx, m)
    eye = np.eye(n_values + 1, n_values)  # index n_values: the all-zero row
    for carry in (True, False):
        per_step, accuracy, grads = loss_and_grads(w, eye[x], eye[y], carry_state=carry)
        ours, hits, targets, our_grads = loss_and_grads_indices(w, x, y, carry_state=carry)
        np.testing.assert_allclose(ours, per_step, rtol=1e-12)
        assert ours[-1] == 0 and targets == (Tx - 1) * m and hits / targets == accuracy
        for a, b in zip(our_grads, grads, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_chunks_add_up_to_the_batch():
    # the batch's mean is a sum over windows / m: chunks that divide by m add up to it
    w = init_weights(6, 4, seed=2, dtype=np.float64)
    x, y = random_windows(6, 5, 7, seed=4)
    whole, hits, targets, grads = loss_and_grads_indices(w, x, y)
    parts = [loss_and_grads_indices(w, x[:, p], y[:, p], total=7) for p in chunks(np.arange(7), 3)]
    np.testing.assert_allclose(sum(p[0] for p in parts), whole, rtol=1e-12)
    assert sum(p[1] for p in parts) == hits and sum(p[2] for p in parts) == targets
    for k, g in enumerate(grads):
        np.testing.assert_allclose(sum(p[3][k] for p in parts), g, rtol=1e-10, atol=1e-14)


def test_a_chunk_holds_the_bytes_it_may_hold():
    # 4 bytes × Tx × (24 n_a + 4 n_values) a window: the course's 60 windows are one chunk
    assert chunk_windows(30, 64, 78) > 60
    per_window = 4 * 30 * (24 * 256 + 4 * 78)
    assert chunk_windows(30, 256, 78) == model_module.CHUNK_BYTES // per_window
    assert chunk_windows(1000, 1024, 100_000) == 1  # never less than one window


def test_training_on_windows_is_training_on_their_arrays(corpus):
    windows = Windows.from_corpus(corpus, 60, 30, 0)
    X, Y = corpus.xy(60, 30, 0)
    for batch_size in (None, 32):
        config = TrainConfig(epochs=3, batch_size=batch_size, engine="numpy")
        a = train(X, Y, corpus.vocabulary, config)
        b = train_windows(windows, config)
        assert same(a.weights, b.weights)
        assert [(h["loss"], h["accuracy"]) for h in a.history] == [
            (h["loss"], h["accuracy"]) for h in b.history
        ]
        assert b.data_shape == a.data_shape and b.engine == "numpy"


def test_a_batch_larger_than_a_chunk_trains_the_same(corpus, monkeypatch):
    windows = Windows.from_corpus(corpus, 60, 30, 0)
    config = TrainConfig(epochs=3, n_a=16, engine="numpy")
    whole = train_windows(windows, config)
    monkeypatch.setattr(model_module, "CHUNK_BYTES", 4 * 30 * (24 * 16 + 4 * 78) * 25)
    assert chunk_windows(30, 16, 78) == 25  # 60 windows: three chunks of 20
    chunked = train_windows(windows, config)
    for a, b in zip(whole.weights, chunked.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert [h["loss"] for h in chunked.history] == pytest.approx(
        [h["loss"] for h in whole.history], rel=1e-6
    )


def test_memory_stays_flat_as_m_grows(corpus, monkeypatch):
    # chunks of 500 windows: an epoch of 20,000 windows needs no more than one of 2,000,
    # and far less than the one-hot X alone would (20,000 · 30 · 78 · 4 bytes = 187 MB)
    monkeypatch.setattr(model_module, "CHUNK_BYTES", 4 * 30 * (24 * 8 + 4 * 78) * 500)
    config = TrainConfig(epochs=1, n_a=8, engine="numpy")
    peaks = {}
    for m in (2_000, 20_000):
        windows = Windows.from_corpus(corpus, m, 30, 0)
        tracemalloc.start()
        train_windows(windows, config)
        peaks[m] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[20_000] < 1.25 * peaks[2_000]
    assert peaks[20_000] < 20_000 * 30 * 78 * 4 / 4


# ---------------------------------------------------------------------------------------
# Which engine runs, and the record of it


def test_the_courses_run_is_numpy_and_a_large_one_tensorflow(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    course = TrainConfig()
    assert choose_engine(course, 60, 30, 78, one_hot=True) == "numpy"
    big = TrainConfig(n_a=256, epochs=20)
    assert choose_engine(big, 10_000, 30, 78, one_hot=True) == "tensorflow"
    assert choose_engine(dataclasses.replace(big, engine="numpy"), 10_000, 30, 78, one_hot=True)
    assert choose_engine(big, 10_000, 30, 78, one_hot=False) == "numpy"  # dense arrays
    for m in (60, 600, 3_000):  # the estimates grow with the work
        small, large = (estimate_seconds("numpy", k, 30, 78, big) for k in (m, 2 * m))
        assert large > small


def test_a_cluster_in_tf_config_means_tensorflow(monkeypatch):
    cluster = {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"index": 0}}))
    assert choose_engine(TrainConfig(), 60, 30, 78, one_hot=True) == "tensorflow"
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ParameterError, match="TF_CONFIG"):
        choose_engine(TrainConfig(), 60, 30, 78, one_hot=True)


def test_an_epochs_work_counts_chunks_and_products():
    steps, products, values = epoch_work(60, 30, 64, 78, 32)  # batches of 32 and 28
    assert steps == 30 * 2
    assert products == 2 * 30 * 60 * (12 * 64 * 64 + 7 * 64 * 78)
    assert values == 30 * 60 * (64 + 78)
    assert epoch_work(60, 30, 64, 78, None)[0] == 30  # one batch, one chunk


def test_engine_settings_out_of_range():
    with pytest.raises(ParameterError) as error:
        TrainConfig(engine="torch")
    assert "engine" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ParameterError, match="engine"):
        TrainConfig(engine=None)
    with pytest.raises(ParameterError, match="too big"):
        TrainConfig().check_size(MAX_WINDOW_STEPS // 30 + 1, 30)


def test_the_model_records_its_engine_and_its_file_keeps_it(metheny_model):
    assert metheny_model.engine == "numpy"
    assert "numpy engine" in metheny_model.summary()
    loaded = load_model(model_bytes(metheny_model))
    assert loaded.engine == "numpy" and loaded.config.engine == "auto"
    by_tf = dataclasses.replace(
        metheny_model, engine="tensorflow", config=TrainConfig(engine="tensorflow")
    )
    again = load_model(model_bytes(by_tf))  # the file keeps the engine that ran
    assert again.engine == "tensorflow" and again.config == TrainConfig()
    with pytest.raises(ParameterError, match="engine"):
        dataclasses.replace(metheny_model, engine="auto")  # a model records what ran


def test_tensorflow_needs_one_hot_data_and_numpy_no_strategy(metheny_xy, corpus):
    X, Y, iv = metheny_xy
    soft = np.full_like(X, 0.5)
    with pytest.raises(ParameterError, match="one-hot"):
        train(soft, Y, iv, TrainConfig(epochs=1, engine="tensorflow"))
    assert train(soft, Y, iv, TrainConfig(epochs=1)).engine == "numpy"  # auto: NumPy
    windows = Windows.from_corpus(corpus, 60, 30, 0)
    with pytest.raises(ParameterError, match="strategy"):
        train_windows(windows, TrainConfig(epochs=1, engine="numpy"), strategy=object())
    with pytest.raises(ParameterError, match="Windows"):
        train_windows((X, Y), TrainConfig(epochs=1))


# ---------------------------------------------------------------------------------------
# TensorFlow: the same numbers (slow: importing TensorFlow and tracing take seconds)


@pytest.fixture(scope="module")
def tf_math():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    pytest.importorskip("tensorflow")
    from jazzcore.engines import tf_math

    return tf_math


@pytest.mark.slow
@pytest.mark.parametrize("carry", [True, False])
def test_tensorflow_outputs_every_step_as_numpy(tf_math, corpus, metheny_model, carry):
    from jazzcore.network import forward

    x, _ = Windows.from_corpus(corpus, 60, 30, 0).batch()
    ours = tf_math.probabilities(list(metheny_model.weights), x, carry_state=carry).numpy()
    numpy_out, _ = forward(metheny_model.weights, None, x, carry_state=carry)
    assert ours.shape == (30, 60, 78)
    np.testing.assert_allclose(ours, numpy_out, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("carry", [True, False])
@pytest.mark.parametrize("chains", [1, 2, 3])
def test_tensorflow_loss_and_gradients_are_numpys(tf_math, corpus, carry, chains):
    # chains: the windows in independent groups (two on a CPU of several cores; three: groups
    # of unequal sizes), whose losses and gradients add up to the batch's
    x, y = Windows.from_corpus(corpus, 61, 30, 0).batch()
    weights = init_weights(78, 64, seed=11)
    per_step, hits, targets, grads = loss_and_grads_indices(weights, x, y, carry_state=carry)
    tf_per_step, tf_hits, tf_targets, tf_grads = tf_math.loss_and_grads(
        list(weights), x, y, np.float32(61), carry_state=carry, chains=chains
    )
    np.testing.assert_allclose(tf_per_step.numpy(), per_step, rtol=1e-5, atol=1e-6)
    assert (float(tf_hits), float(tf_targets)) == (hits, targets)
    for ours, theirs in zip(grads, tf_grads, strict=True):
        # float32 sums over 1,800 rows in another order: equal to 1e-5 of the array's scale
        np.testing.assert_allclose(theirs.numpy(), ours, atol=1e-5 * max(np.abs(ours).max(), 1))


@pytest.mark.slow
def test_one_adam_update_is_numpys(tf_math):
    import tensorflow as tf

    from jazzcore.training import Adam

    weights = init_weights(78, 64, seed=11)
    rng = np.random.default_rng(0)
    grads = type(weights)(*(rng.normal(size=w.shape).astype(np.float32) for w in weights))
    variables = [tf.Variable(w) for w in weights]
    adam = tf_math.TFAdam(variables, TrainConfig())
    numpy_adam = Adam(weights, TrainConfig())
    for _ in range(3):  # three updates: the decay and both moments at work
        tf.function(adam.step)([tf.constant(g) for g in grads])
        numpy_adam.step(weights, grads)
    for ours, theirs in zip(weights, tf_math.as_weights(variables), strict=True):
        np.testing.assert_allclose(theirs, ours, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings",
    [{}, {"batch_size": 32}, {"carry_state": False}, {"batch_size": 25, "n_a": 16}],
)
def test_both_engines_give_the_same_loss_curve(tf_math, corpus, settings):
    windows = Windows.from_corpus(corpus, 60, 30, 0)
    runs = {
        engine: train_windows(windows, TrainConfig(epochs=8, engine=engine, **settings))
        for engine in ("numpy", "tensorflow")
    }
    assert runs["tensorflow"].engine == "tensorflow" and runs["numpy"].engine == "numpy"
    curves = {e: [h["loss"] for h in r.history] for e, r in runs.items()}
    assert curves["tensorflow"] == pytest.approx(curves["numpy"], rel=1e-5)
    accuracy = {e: [h["accuracy"] for h in r.history] for e, r in runs.items()}
    assert accuracy["tensorflow"] == pytest.approx(accuracy["numpy"], abs=2 / 1740)
    for a, b in zip(runs["numpy"].weights, runs["tensorflow"].weights, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_an_empty_last_step_is_not_computed(corpus):
    # the course's Y has no target at the last step: its output adds nothing, so neither
    # engine computes it; a target there (other data) makes it a step like the others
    windows = Windows.from_corpus(corpus, 60, 30, 0)
    x, y = windows.batch()
    assert windows.live_steps == 29 and ArrayWindows(x, y, windows.vocabulary).live_steps == 29
    y = y.copy()
    y[-1, :7] = x[-1, :7]
    full = ArrayWindows(x, y, windows.vocabulary)
    assert full.live_steps == 30
    per_step = train_windows(full, TrainConfig(epochs=1, engine="numpy")).history[0]
    assert per_step["per_step_loss"][-1] > 0
    assert train_windows(windows, TrainConfig(epochs=1)).history[0]["per_step_loss"][-1] == 0


@pytest.mark.slow
def test_a_target_at_the_last_step_trains_alike_on_both_engines(tf_math, corpus):
    x, y = Windows.from_corpus(corpus, 60, 30, 0).batch()
    y = y.copy()
    y[-1, :7] = x[-1, :7]
    full = ArrayWindows(x, y, Windows.from_corpus(corpus, 60, 30, 0).vocabulary)
    curves = {
        engine: [
            h["loss"] for h in train_windows(full, TrainConfig(epochs=4, engine=engine)).history
        ]
        for engine in ("numpy", "tensorflow")
    }
    assert curves["tensorflow"] == pytest.approx(curves["numpy"], rel=1e-5)


@pytest.mark.slow
def test_tensorflow_chunks_and_xla_train_the_same(tf_math, corpus, monkeypatch):
    from jazzcore.engines import tf_train
    from jazzcore.engines.tf_train import train_tensorflow

    windows = Windows.from_corpus(corpus, 60, 30, 0)
    config = TrainConfig(epochs=3, n_a=16, engine="tensorflow")
    whole = train_windows(windows, config)
    xla, _, _ = train_tensorflow(windows, config, xla=True)
    monkeypatch.setattr(tf_train, "MIN_CHAIN_WINDOWS", 8)
    assert tf_train.chains_for(60) == (1 if tf_train.gpu_count() else 2)
    chained = train_windows(windows, config)  # two chains of 30 windows (on a CPU)
    monkeypatch.setattr(model_module, "CHUNK_BYTES", 4 * 30 * (24 * 16 + 4 * 78) * 25)
    chunked = train_windows(windows, config)  # 60 windows in three chunks of 20
    for a, b, c, d in zip(whole.weights, chunked.weights, xla, chained.weights, strict=True):
        np.testing.assert_allclose(b, a, atol=1e-5)
        np.testing.assert_allclose(c, a, atol=1e-5)
        np.testing.assert_allclose(d, a, atol=1e-5)


def _run(*args: str, env=None) -> dict:
    done = subprocess.run(
        [sys.executable, str(HERE / "tf_workers.py"), *args],
        capture_output=True,
        text=True,
        env=env or QUIET,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_mirrored_replicas_train_as_one_device(metheny_file):
    # three replicas (three logical CPUs) share every batch: the same run as NumPy's
    out = _run("mirrored", str(metheny_file))
    for curve in out["batches"]:
        assert curve["tensorflow"] == pytest.approx(curve["numpy"], rel=1e-5)
        assert curve["replicas"] == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_workers_on_loopback_give_one_workers_loss(metheny_file):
    cluster = {"worker": [f"127.0.0.1:{_free_port()}" for _ in range(2)]}
    workers = []
    for index in range(2):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        workers.append(
            subprocess.Popen(
                [sys.executable, str(HERE / "tf_workers.py"), "worker", str(metheny_file)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**QUIET, "TF_CONFIG": json.dumps(config)},
            )
        )
    outs = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=600)
        assert worker.returncode == 0, stderr[-3000:]
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    lone = _run(
        "worker", str(metheny_file), env={k: v for k, v in QUIET.items() if k != "TF_CONFIG"}
    )
    assert outs[0]["replicas"] == outs[1]["replicas"] == 2 and lone["replicas"] == 1
    assert outs[0]["loss"] == outs[1]["loss"]  # one model, on both machines
    for ours, one in zip(outs[0]["loss"], lone["loss"], strict=True):
        assert math.isclose(ours, one, rel_tol=0.01)  # the 1 %; in fact ~1e-7
    assert outs[0]["loss"] == pytest.approx(lone["loss"], rel=1e-5)
