"""The NumPy trainer and the model it makes: the course's figures, gradients by finite
differences, Adam by hand, the settings' ranges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jazzcore.dataset import Vocabulary
from jazzcore.errors import ParameterError
from jazzcore.model import (
    MAX_WINDOW_STEPS,
    DataShape,
    JazzModel,
    TrainConfig,
    parameter_counts,
)
from jazzcore.network import forward, init_weights, loss_and_grads
from jazzcore.runtime import one_blas_thread
from jazzcore.training import Adam, check_data, train


def test_first_epoch_loss_is_29_ln_78(metheny_model):
    # Untrained, every softmax is close to uniform over 78 values: −ln(1/78) at each of the
    # 29 non-empty steps; one full-batch update per epoch scores all of them before it. (The
    # notebook's 126.02 is the mean of two batches of 32 and 28, the second scored after one
    # update: tests/test_course.py.)
    first = metheny_model.history[0]["loss"]
    assert first == pytest.approx(29 * math.log(78), abs=0.05)


def test_last_step_loss_is_zero_because_y_ends_empty(metheny_xy, metheny_model):
    X, Y, _ = metheny_xy
    assert not Y[-1].any()  # the course's Y has nothing to predict after the last input
    for epoch in (metheny_model.history[0], metheny_model.history[-1]):
        assert len(epoch["per_step_loss"]) == 30
        assert epoch["per_step_loss"][-1] == 0.0
        assert epoch["loss"] == pytest.approx(sum(epoch["per_step_loss"]), rel=1e-6)


def test_hundred_epochs_learn_the_solo(metheny_model):
    losses = [h["loss"] for h in metheny_model.history]
    assert len(losses) == 100
    assert losses[-1] < losses[0] / 5  # the notebook's run falls by an order of magnitude
    assert metheny_model.history[-1]["accuracy"] > 0.8
    assert [h["epoch"] for h in metheny_model.history] == list(range(1, 101))


def test_model_knows_its_vocabulary_data_and_size(metheny_xy, metheny_model):
    _, _, indices_values = metheny_xy
    assert metheny_model.n_values == 78 and metheny_model.n_a == 64 and metheny_model.Tx == 30
    assert metheny_model.data_shape == DataShape(m=60, Tx=30, n_values=78)
    assert metheny_model.config == TrainConfig()  # the course's settings
    assert list(metheny_model.vocabulary.tokens) == [indices_values[i] for i in range(78)]
    # LSTM: 4 gates × (78 inputs + 64 recurrent + 1 bias) × 64; Dense: (64 + 1) × 78
    assert metheny_model.parameter_count == 4 * (78 + 64 + 1) * 64 + (64 + 1) * 78 == 41_678
    assert "41,678" in metheny_model.summary() and "36,608" in metheny_model.summary()


@pytest.mark.parametrize("n_values, n_a", [(78, 64), (5, 3), (161, 1)])
def test_parameter_counts_are_the_sizes_of_the_arrays(n_values, n_a):
    weights = init_weights(n_values, n_a)
    counts = parameter_counts(n_values, n_a)
    assert counts["LSTM"] == sum(w.size for w in weights[:3]) == 4 * (n_values + n_a + 1) * n_a
    assert counts["Dense"] == sum(w.size for w in weights[3:]) == (n_a + 1) * n_values
    assert counts["total"] == counts["LSTM"] + counts["Dense"]


def test_a_model_refuses_parts_that_disagree(metheny_model):
    parts = (metheny_model.weights, metheny_model.vocabulary, metheny_model.config)
    with pytest.raises(ParameterError, match="need"):  # 64 units of weights, config says 32
        JazzModel(parts[0], parts[1], TrainConfig(n_a=32), metheny_model.data_shape)
    with pytest.raises(ParameterError, match="need"):  # 78 values of weights, 3 in the vocabulary
        JazzModel(
            parts[0], Vocabulary(("a", "b", "c"), (1, 1, 1)), *parts[2:], DataShape(60, 30, 3)
        )
    with pytest.raises(ParameterError, match="data has 77 values"):
        JazzModel(*parts, DataShape(60, 30, 77))


def test_same_seed_same_weights_other_seed_other_weights(metheny_xy):
    X, Y, iv = metheny_xy
    a = train(X, Y, iv, TrainConfig(epochs=3, seed=5))
    b = train(X, Y, iv, TrainConfig(epochs=3, seed=5))
    c = train(X, Y, iv, TrainConfig(epochs=3, seed=6))
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights, strict=True))
    assert not np.array_equal(a.weights.kernel, c.weights.kernel)


def test_on_epoch_and_should_stop_keep_the_weights_so_far(metheny_xy):
    X, Y, iv = metheny_xy
    seen = []
    model = train(
        X, Y, iv, TrainConfig(epochs=50), on_epoch=seen.append, should_stop=lambda: len(seen) >= 3
    )
    assert [info["epoch"] for info in seen] == [1, 2, 3]
    assert len(model.history) == 3
    assert all(0.0 <= info["accuracy"] <= 1.0 and len(info["per_step_loss"]) == 30 for info in seen)
    untrained = init_weights(78, 64, seed=0)
    assert not np.array_equal(model.weights.kernel, untrained.kernel)  # 3 updates were kept


def test_a_source_name_or_a_corpus_is_not_data(metheny_xy):
    # train takes arrays; a corpus gives them with Corpus.xy(m, Tx, seed).
    _, Y, iv = metheny_xy
    with pytest.raises(ParameterError, match="arrays of numbers"):
        train("metheny", Y, iv)
    with pytest.raises(ParameterError, match="vocabulary of X"):
        train(np.zeros((2, 3, 4)), np.zeros((3, 2, 4)), None)
    with pytest.raises(ParameterError, match="TrainConfig"):
        train(np.zeros((2, 3, 4)), np.zeros((3, 2, 4)), list("abcd"), {"epochs": 1})


def test_initial_weights_are_keras_defaults():
    w = init_weights(78, 64, seed=0)
    # orthogonal recurrent kernel: its 64 rows are orthonormal
    np.testing.assert_allclose(w.recurrent_kernel @ w.recurrent_kernel.T, np.eye(64), atol=1e-5)
    # unit forget bias: gates are ordered i, f, c, o
    assert (
        np.array_equal(w.bias[64:128], np.ones(64))
        and not w.bias[:64].any()
        and not w.bias[128:].any()
    )
    limit = math.sqrt(6 / (78 + 256))  # Glorot uniform
    assert np.abs(w.kernel).max() <= limit and np.abs(w.kernel).max() > 0.9 * limit


def _numeric_gradient(f, array, eps=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        keep = array[index]
        array[index] = keep + eps
        up = f()
        array[index] = keep - eps
        down = f()
        array[index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


def test_backpropagation_matches_finite_differences():
    rng = np.random.default_rng(3)
    n_values, n_a, Tx, m = 5, 3, 4, 2
    w = init_weights(n_values, n_a, seed=1, dtype=np.float64)
    w = type(w)(*(a + rng.normal(scale=0.3, size=a.shape) for a in w))  # no special structure
    Xt = np.eye(n_values)[rng.integers(n_values, size=(Tx, m))]
    Yt = np.eye(n_values)[rng.integers(n_values, size=(Tx, m))]
    Yt[-1] = 0  # an empty last step, as in the course's Y

    def loss():
        return loss_and_grads(w, Xt, Yt)[0].sum()

    _, _, grads = loss_and_grads(w, Xt, Yt)
    for name, array, grad in zip(w._fields, w, grads, strict=True):
        np.testing.assert_allclose(
            grad, _numeric_gradient(loss, array), rtol=1e-5, atol=1e-8, err_msg=name
        )


def test_first_adam_step_moves_each_weight_by_the_learning_rate():
    # At step 1 Adam's bias-corrected m/√v is g/|g|: every weight moves by lr against its
    # gradient's sign, whatever the gradient's size (the decay has not acted yet). Keras adds
    # ε = 1e-7 to the uncorrected √v = √(1 − β2)·|g|, which shrinks a tiny gradient's step.
    w = init_weights(4, 2, seed=0, dtype=np.float64)
    before = [a.copy() for a in w]
    grads = type(w)(
        *(np.full_like(a, 3.0) if i % 2 else np.full_like(a, -0.002) for i, a in enumerate(w))
    )
    Adam(w, TrainConfig(learning_rate=0.01)).step(w, grads)
    for i, (old, new) in enumerate(zip(before, w, strict=True)):
        g = 3.0 if i % 2 else 0.002
        expected = 0.01 * math.sqrt(0.001) * g / (math.sqrt(0.001) * g + 1e-7)
        expected = -expected if i % 2 else expected
        np.testing.assert_allclose(new - old, expected, rtol=1e-4)


def test_decay_shrinks_the_learning_rate_as_inverse_time():
    # With a constant gradient m̂/√v̂ stays 1, so step k moves lr / (1 + 0.01 k).
    w = init_weights(3, 2, seed=0, dtype=np.float64)
    grads = type(w)(*(np.ones_like(a) for a in w))
    adam = Adam(w, TrainConfig(learning_rate=0.01, decay=0.01))
    for _ in range(100):
        adam.step(w, grads)
    before = w.dense_bias.copy()
    adam.step(w, grads)  # the 101st step, k = 100
    np.testing.assert_allclose(before - w.dense_bias, 0.01 / (1 + 0.01 * 100), rtol=1e-4)


def test_forward_probabilities_sum_to_one():
    w = init_weights(6, 4, seed=2)
    Xt = np.eye(6, dtype=np.float32)[np.random.default_rng(0).integers(6, size=(5, 3))]
    probs, _ = forward(w, Xt)
    assert probs.shape == (5, 3, 6)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "options, word",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 5001}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"n_a": 0}, "n_a"),
        ({"n_a": 1025}, "n_a"),
        ({"n_a": True}, "n_a"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"learning_rate": "0.01"}, "learning_rate"),
        ({"decay": -0.01}, "decay"),
        ({"beta_1": 1.0}, "beta_1"),
        ({"beta_2": -0.1}, "beta_2"),
        ({"epsilon": 0}, "epsilon"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_out_of_range_settings_are_one_line_errors(options, word):
    with pytest.raises(ParameterError) as error:
        TrainConfig(**options)
    assert word in str(error.value) and "\n" not in str(error.value)


def test_settings_keep_python_numbers():
    config = TrainConfig(n_a=np.int64(8), learning_rate=1, seed=np.uint32(3))
    assert (config.n_a, config.learning_rate, config.seed) == (8, 1.0, 3)
    assert type(config.n_a) is int and type(config.learning_rate) is float


def test_a_run_too_big_for_memory_is_refused_before_it_starts():
    # A batch trains in chunks of chunk_windows (tests/test_engines.py), so m grows only the
    # windows' index arrays: m · Tx ≤ MAX_WINDOW_STEPS (800 MB of int32 x and y).
    config = TrainConfig(n_a=1024, epochs=1)
    config.check_size(1000, 25)  # 25.6 million activations: chunks of 10 windows
    config.check_size(MAX_WINDOW_STEPS // 25, 25)
    with pytest.raises(ParameterError, match="too big"):
        config.check_size(MAX_WINDOW_STEPS // 25 + 1, 25)


def test_mismatched_x_and_y_are_refused(metheny_xy):
    X, Y, iv = metheny_xy
    with pytest.raises(ParameterError, match="Y has shape"):
        train(X, Y[:, :30], iv)
    with pytest.raises(ParameterError, match="vocabulary has 77"):
        train(X, Y, {i: iv[i] for i in range(77)})
    with pytest.raises(ParameterError, match="X has shape"):
        check_data(X[0], Y)
    with pytest.raises(ParameterError, match="NaN"):
        check_data(np.full_like(X, np.nan), Y)
    # the course's other dictionary (value → index) in indices_values' place is named
    with pytest.raises(ParameterError, match="values_indices"):
        train(X, Y, {v: i for i, v in iv.items()}, TrainConfig(epochs=1))


def test_y_as_the_notebooks_list_of_arrays(metheny_xy):
    X, Y, iv = metheny_xy
    a = train(X, Y, iv, TrainConfig(epochs=1))
    b = train(X, list(Y), Vocabulary.from_indices_values(iv), TrainConfig(epochs=1))
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights, strict=True))


def test_mini_batches_as_keras_fit(metheny_xy):
    X, Y, iv = metheny_xy
    full = train(X, Y, iv, TrainConfig(epochs=2))
    for whole in (60, 100):  # one batch of all 60 examples
        same = train(X, Y, iv, TrainConfig(epochs=2, batch_size=whole))
        assert all(np.array_equal(a, b) for a, b in zip(full.weights, same.weights, strict=True))
    # Keras's default of 32: two updates per epoch (32 + 28 examples), so more progress in
    # the same epochs, and the first epoch's figure is the batches' size-weighted mean —
    # below the untrained loss, because the second batch is scored after one update.
    batched = train(X, Y, iv, TrainConfig(epochs=2, batch_size=32))
    assert batched.history[0]["loss"] < full.history[0]["loss"]
    assert batched.history[0]["loss"] == pytest.approx(29 * math.log(78), abs=2.0)
    again = train(X, Y, iv, TrainConfig(epochs=2, batch_size=32))
    assert all(np.array_equal(a, b) for a, b in zip(batched.weights, again.weights, strict=True))


def test_overlapping_runs_share_one_blas_limit_and_restore_it():
    # Two app users train at once: runs end in any order, and the process's BLAS threads
    # must be 1 while either trains and back to the original after both.
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):  # a known baseline of two threads
        first, second = one_blas_thread(), one_blas_thread()
        first.__enter__()
        second.__enter__()
        assert blas_threads() == {1}
        first.__exit__(None, None, None)  # the first run ends while the second goes on
        assert blas_threads() == {1}
        second.__exit__(None, None, None)
        assert blas_threads() == {2}
