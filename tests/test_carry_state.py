"""The teaching switch ``TrainConfig(carry_state=False)``: the 2018 listing's graph, which
passed ``initial_state=[a0, c0]`` at every step, so every step starts again from a = c = 0.

What follows from that, by hand: a step's prediction is a function of its own input alone;
the recurrent kernel and the forget gate get no gradient; the best such model can do on the
training windows is the conditional entropy of the next value given the current one (a
lower bound on its loss, which the carried state goes far below); and greedy sampling is a
chain in which each value fixes the next.
"""

from __future__ import annotations

import math
import os
from collections import Counter

import numpy as np
import pytest

from jazzcore.errors import ParameterError
from jazzcore.model import TrainConfig
from jazzcore.network import forward, init_weights, loss_and_grads
from jazzcore.persist import load_model, model_bytes
from jazzcore.training import check_data, train


@pytest.fixture(scope="module")
def reset_model(metheny_xy):
    X, Y, iv = metheny_xy
    return train(X, Y, iv, TrainConfig(carry_state=False))


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


def _small_problem(seed=3, n_values=5, n_a=3, Tx=4, m=2):
    rng = np.random.default_rng(seed)
    w = init_weights(n_values, n_a, seed=1, dtype=np.float64)
    w = type(w)(*(a + rng.normal(scale=0.3, size=a.shape) for a in w))
    Xt = np.eye(n_values)[rng.integers(n_values, size=(Tx, m))]
    Yt = np.eye(n_values)[rng.integers(n_values, size=(Tx, m))]
    Yt[-1] = 0  # an empty last step, as in the course's Y
    return w, Xt, Yt


def test_reset_gradients_match_finite_differences():
    w, Xt, Yt = _small_problem()

    def loss():
        return loss_and_grads(w, Xt, Yt, carry_state=False)[0].sum()

    _, _, grads = loss_and_grads(w, Xt, Yt, carry_state=False)
    for name, array, grad in zip(w._fields, w, grads, strict=True):
        np.testing.assert_allclose(
            grad, _numeric_gradient(loss, array), rtol=1e-5, atol=1e-8, err_msg=name
        )
    # a U with a = a0 = 0 at every step: the recurrent kernel cannot matter
    assert not grads.recurrent_kernel.any()


def test_reset_step_sees_only_its_own_input():
    w, Xt, _ = _small_problem()
    changed = Xt.copy()
    changed[1] = np.roll(changed[1], 1, axis=-1)  # another value at step 1
    for carry, later_steps_change in ((False, False), (True, True)):
        before, _ = forward(w, Xt, carry_state=carry)
        after, _ = forward(w, changed, carry_state=carry)
        assert not np.allclose(before[1], after[1])
        assert (not np.allclose(before[2:], after[2:])) == later_steps_change


def test_reset_step_is_the_cell_from_zero_state_by_hand():
    # One step from a = c = 0: c = i·g (the forget gate has nothing to keep), a = o·tanh(c).
    w, Xt, _ = _small_problem()
    n_a = w.n_a
    z = Xt[2] @ w.kernel + w.bias
    i, f, g, o = (z[:, k * n_a : (k + 1) * n_a] for k in range(4))
    sigmoid = 1 / (1 + np.exp(-np.stack([i, o])))
    a = sigmoid[1] * np.tanh(sigmoid[0] * np.tanh(g))
    logits = a @ w.dense_kernel + w.dense_bias
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    probs, _ = forward(w, Xt, carry_state=False)
    np.testing.assert_allclose(probs[2], expected, rtol=1e-10)


def test_the_loss_curves_differ_and_the_reset_one_stays_above_the_markov_bound(
    metheny_xy, metheny_model, reset_model
):
    X, Y, _ = metheny_xy
    carried = [h["loss"] for h in metheny_model.history]
    reset = [h["loss"] for h in reset_model.history]
    assert len(reset) == len(carried) == 100 and carried != reset
    # The best function of the current value alone: the empirical conditional entropy of the
    # next value given the current one over the 29 · 60 (input, target) pairs, times 29 steps.
    Xt, Yt = check_data(X, Y)
    inputs = np.where(Xt.sum(-1) > 0, Xt.argmax(-1), -1)[:29].ravel()  # -1: x⟨1⟩ = 0
    targets = Yt.argmax(-1)[:29].ravel()
    pairs = Counter(zip(inputs.tolist(), targets.tolist(), strict=True))
    given = Counter(inputs.tolist())
    bound = -sum(c * math.log(c / given[x]) for (x, _), c in pairs.items()) / X.shape[0]
    assert 25 < bound < 40
    assert min(reset) >= bound - 1e-3  # the reset network cannot beat it …
    assert carried[-1] < bound / 2  # … the carried state goes far below it


def test_reset_model_samples_a_chain_and_records_the_setting(reset_model):
    assert reset_model.config.carry_state is False
    indices = reset_model.sample(200)
    # greedy, each value fixes the next: equal values are followed by equal values
    following = {}
    for value, after in zip(indices[:-1], indices[1:], strict=True):
        assert following.setdefault(int(value), int(after)) == after
    # sampled with the state carried (as the 2018 notebook's inference graph did), it differs
    assert not np.array_equal(reset_model.sample(200, carry_state=True), indices)
    loaded = load_model(model_bytes(reset_model))
    assert loaded.config.carry_state is False
    assert np.array_equal(loaded.sample(50), indices[:50])


@pytest.mark.parametrize("value", ["no", 0, None])
def test_carry_state_must_be_true_or_false(value):
    with pytest.raises(ParameterError, match="carry_state") as error:
        TrainConfig(carry_state=value)
    assert "\n" not in str(error.value)


@pytest.mark.slow
def test_reset_equals_the_2018_listing_in_keras(metheny_xy):
    """The 2018 listing's djmodel (``initial_state=[a0, c0]`` at every step), in Keras 3: the
    same outputs and gradients as the NumPy network with carry_state=False."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    keras = pytest.importorskip("keras")
    import tensorflow as tf

    from jazzcore.keras_model import get_weights, set_weights

    X, Y, _ = metheny_xy
    Tx, n_a, n_values = 30, 64, 78
    reshapor = keras.layers.Reshape((1, n_values))
    LSTM_cell = keras.layers.LSTM(n_a, return_state=True)
    densor = keras.layers.Dense(n_values, activation="softmax")
    inputs = keras.Input(shape=(Tx, n_values))
    a0 = keras.Input(shape=(n_a,))
    c0 = keras.Input(shape=(n_a,))
    outputs = []
    for t in range(Tx):
        x = reshapor(inputs[:, t, :])
        a, _, c = LSTM_cell(x, initial_state=[a0, c0])
        outputs.append(densor(a))
    graph = keras.Model(inputs=[inputs, a0, c0], outputs=outputs)

    weights = init_weights(n_values, n_a, seed=4)
    set_weights(weights, LSTM_cell, densor)
    zeros = np.zeros((60, n_a), np.float32)
    Xt, Yt = check_data(X, Y)
    ours, _ = forward(weights, Xt, carry_state=False)
    np.testing.assert_allclose(
        np.stack(graph.predict([X, zeros, zeros], verbose=0)), ours, atol=1e-5
    )

    variables = LSTM_cell.trainable_variables + densor.trainable_variables
    with tf.GradientTape() as tape:
        out = graph([X, zeros, zeros], training=True)
        loss = sum(
            tf.reduce_mean(keras.losses.categorical_crossentropy(Y[t], out[t])) for t in range(29)
        )
    theirs = tape.gradient(loss, variables)
    per_step, _, grads = loss_and_grads(weights, Xt, Yt, carry_state=False)
    assert float(loss) == pytest.approx(per_step.sum(), rel=1e-5)
    for name, mine, other in zip(weights._fields, grads, theirs, strict=True):
        other = np.zeros_like(mine) if other is None else other.numpy()
        np.testing.assert_allclose(
            mine, other, atol=1e-5 * max(np.abs(mine).max(), 1e-3), err_msg=name
        )
    assert all(
        np.array_equal(a, b) for a, b in zip(get_weights(LSTM_cell, densor), weights, strict=True)
    )
