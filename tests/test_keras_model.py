"""The course's Keras graphs, and weights moving between them, the NumPy trainer and the sampler.

TensorFlow is imported by the first test that needs it (a few seconds), never at collection.
"""

from __future__ import annotations

import os

# Before TensorFlow is imported: no C++ start-up chatter, the same sums in the same order.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from jazzcore.errors import ParameterError  # noqa: E402
from jazzcore.model import TrainConfig  # noqa: E402
from jazzcore.network import forward, init_weights, loss_and_grads, one_hot_indices  # noqa: E402
from jazzcore.sample import predict_and_sample  # noqa: E402
from jazzcore.training import Adam, check_data  # noqa: E402

# Every test here needs TensorFlow: importing it and building the 30-step graph take seconds,
# so the whole module is slow (the fast target leaves it out).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")  # installed by requirements.txt


@pytest.fixture(scope="module")
def jm(keras):
    from jazzcore import keras_model

    return keras_model


@pytest.fixture(scope="module")
def course_model(jm):
    return jm.djmodel(30, 64, 78)


def zeros(m, n_a=64):
    return np.zeros((m, n_a), np.float32)


def test_djmodel_is_the_course_graph(course_model):
    assert len(course_model.outputs) == 30
    assert all(tuple(o.shape) == (None, 78) for o in course_model.outputs)
    assert [tuple(i.shape) for i in course_model.inputs] == [(None, 30, 78), (None, 64), (None, 64)]
    # one LSTM and one Dense object, shared by all 30 steps: the course's 41,678 parameters
    kinds = [type(layer).__name__ for layer in course_model.layers]
    assert kinds.count("LSTM") == 1 and kinds.count("Dense") == 1 and kinds.count("Reshape") == 1
    assert "Lambda" not in kinds
    assert course_model.count_params() == 41_678


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_djmodel_saves_and_loads_in_keras_safe_mode(keras, course_model, tmp_path):
    path = tmp_path / "djmodel.keras"
    course_model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)  # refuses any stored lambda
    assert len(loaded.outputs) == 30 and loaded.count_params() == 41_678


def test_weights_move_to_djmodel_and_outputs_agree(jm, metheny_xy, metheny_model, course_model):
    X, _, _ = metheny_xy
    jm.set_weights(
        metheny_model.weights, course_model.get_layer("LSTM_cell"), course_model.get_layer("densor")
    )
    keras_out = np.stack(course_model.predict([X, zeros(60), zeros(60)], verbose=0))  # (30, 60, 78)
    numpy_out, _ = forward(metheny_model.weights, np.ascontiguousarray(X.swapaxes(0, 1)))
    np.testing.assert_allclose(keras_out, numpy_out, atol=1e-5)
    back = jm.get_weights(course_model.get_layer("LSTM_cell"), course_model.get_layer("densor"))
    assert all(np.array_equal(a, b) for a, b in zip(back, metheny_model.weights, strict=True))


def test_the_state_is_carried_from_step_to_step(jm, metheny_xy, metheny_model, course_model):
    # The notebook's printed listing reset the state to a0, c0 at every step; carried, the
    # prediction at step 10 depends on the input at step 1 (step 0's input is the course's zeros).
    X, _, _ = metheny_xy
    jm.set_weights(
        metheny_model.weights, course_model.get_layer("LSTM_cell"), course_model.get_layer("densor")
    )
    changed = X[:1].copy()
    assert changed[0, 1].sum() == 1
    changed[0, 1] = np.roll(changed[0, 1], 1)
    a = course_model.predict([X[:1], zeros(1), zeros(1)], verbose=0)[10]
    b = course_model.predict([changed, zeros(1), zeros(1)], verbose=0)[10]
    assert np.abs(a - b).max() > 1e-4


def test_one_training_step_equals_keras(keras, jm, metheny_xy, course_model):
    """Same initial weights → the same loss, gradients and Adam update as Keras (eager)."""
    import tensorflow as tf

    X, Y, _ = metheny_xy
    Xt, Yt = check_data(X, Y)
    weights = init_weights(78, 64, seed=11)
    cell, densor = course_model.get_layer("LSTM_cell"), course_model.get_layer("densor")
    jm.set_weights(weights, cell, densor)
    variables = cell.trainable_variables + densor.trainable_variables
    with tf.GradientTape() as tape:
        outputs = course_model([X, zeros(60), zeros(60)], training=True)
        # the course's loss: categorical cross-entropy at each output, averaged over m, summed
        # over the steps. The last step's target is empty and adds 0 to the loss; it is left
        # out because TensorFlow's fused softmax cross-entropy assumes targets that sum to 1
        # and would push a gradient through it (the course's 2017 Keras did not).
        loss = sum(
            tf.reduce_mean(keras.losses.categorical_crossentropy(Y[t], outputs[t]))
            for t in range(29)
        )
    keras_grads = tape.gradient(loss, variables)
    per_step, _, grads = loss_and_grads(weights, Xt, Yt)
    assert float(loss) == pytest.approx(per_step.sum(), rel=1e-5)
    for ours, theirs in zip(grads, keras_grads, strict=True):
        # float32 sums over 1800 rows in another order: equal to 1e-5 of the array's scale
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-5 * np.abs(ours).max())

    jm.course_optimizer(TrainConfig()).apply_gradients(zip(keras_grads, variables, strict=True))
    Adam(weights, TrainConfig()).step(weights, grads)
    after = jm.get_weights(cell, densor)
    # Adam's first step is about ±lr = 0.01 per weight (g/|g|). Where a gradient is within
    # rounding of zero its sign, and so its step, is a coin toss in either implementation;
    # everywhere else the steps agree to 1e-5.
    for ours, theirs, before in zip(weights, after, init_weights(78, 64, seed=11), strict=True):
        differs = np.abs(ours - theirs) > 1e-5
        assert differs.mean() < 1e-3 and np.abs(ours - theirs).max() <= 0.02
        assert np.abs(ours - before).max() == pytest.approx(0.01, rel=1e-3)


def test_the_tensorflow_engine_outputs_every_step_as_djmodel(
    jm, metheny_xy, metheny_model, course_model
):
    """The TensorFlow engine's graph (jazzcore.engines.tf_math), on the indices of X's rows,
    gives the course's graph's 30 outputs."""
    from jazzcore.engines import tf_math

    X, _, _ = metheny_xy
    jm.set_weights(
        metheny_model.weights, course_model.get_layer("LSTM_cell"), course_model.get_layer("densor")
    )
    keras_out = np.stack(course_model.predict([X, zeros(60), zeros(60)], verbose=0))
    x = one_hot_indices(np.ascontiguousarray(X.swapaxes(0, 1))).astype(np.int32)
    ours = tf_math.probabilities(list(metheny_model.weights), x).numpy()
    np.testing.assert_allclose(ours, keras_out, atol=1e-5)


def test_one_tensorflow_engine_step_equals_keras(keras, jm, metheny_xy, course_model):
    """Same initial weights → the TensorFlow engine's loss, gradients and Adam update are
    Keras's (the course's loss without the empty last step, as above)."""
    import tensorflow as tf

    from jazzcore.engines import tf_math

    X, Y, _ = metheny_xy
    Xt, Yt = check_data(X, Y)
    x, y = (one_hot_indices(a).astype(np.int32) for a in (Xt, Yt))
    weights = init_weights(78, 64, seed=11)
    cell, densor = course_model.get_layer("LSTM_cell"), course_model.get_layer("densor")
    jm.set_weights(weights, cell, densor)
    variables = cell.trainable_variables + densor.trainable_variables
    with tf.GradientTape() as tape:
        outputs = course_model([X, zeros(60), zeros(60)], training=True)
        loss = sum(
            tf.reduce_mean(keras.losses.categorical_crossentropy(Y[t], outputs[t]))
            for t in range(29)
        )
    keras_grads = tape.gradient(loss, variables)
    per_step, _, _, grads = tf_math.loss_and_grads(list(weights), x, y, np.float32(60))
    assert float(loss) == pytest.approx(float(tf.reduce_sum(per_step)), rel=1e-5)
    for ours, theirs in zip(grads, keras_grads, strict=True):
        ours = ours.numpy()
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-5 * np.abs(ours).max())

    jm.course_optimizer(TrainConfig()).apply_gradients(zip(keras_grads, variables, strict=True))
    ours = [tf.Variable(w) for w in weights]
    tf_math.TFAdam(ours, TrainConfig()).step(grads)
    after = jm.get_weights(cell, densor)
    # as for NumPy above: a gradient within rounding of zero moves by ±lr either way
    for mine, theirs in zip(tf_math.as_weights(ours), after, strict=True):
        differs = np.abs(mine - theirs) > 1e-5
        assert differs.mean() < 1e-3 and np.abs(mine - theirs).max() <= 0.02


def test_inference_model_greedy_equals_the_sampler(jm, metheny_model):
    inference = jm.inference_model_for(metheny_model, Ty=25)
    assert len(inference.outputs) == 25
    results, indices = predict_and_sample(
        inference, np.zeros((1, 1, 78), np.float32), zeros(1), zeros(1)
    )
    assert results.shape == (25, 78) and indices.shape == (25, 1)
    assert (
        np.array_equal(results.argmax(axis=1), indices[:, 0]) and (results.sum(axis=1) == 1).all()
    )
    assert np.array_equal(indices[:, 0], metheny_model.sample(25))


@pytest.mark.parametrize("n_values", [5, 78, 161])
def test_one_hot_is_the_argmax_for_any_vocabulary(keras, jm, n_values):
    x = np.random.default_rng(n_values).random((3, n_values)).astype(np.float32)
    out = keras.ops.convert_to_numpy(jm.one_hot(keras.ops.convert_to_tensor(x)))
    assert out.shape == (3, 1, n_values)
    assert (
        np.array_equal(out[:, 0].argmax(axis=1), x.argmax(axis=1))
        and (out.sum(axis=(1, 2)) == 1).all()
    )


def test_graph_settings_out_of_range(jm):
    with pytest.raises(ParameterError, match="n_a"):
        jm.djmodel(30, 0, 78)
    _, cell, densor = jm.shared_layers(4, 5)
    with pytest.raises(ParameterError, match="Ty"):
        jm.music_inference_model(cell, densor, 5, 4, Ty=1001)
