"""The course's Keras graphs, for Keras 3: ``djmodel`` (training) and ``music_inference_model``.

Both are built from the same three shared layers, created once and called at every step
(the weights are shared over time, as in the notebook)::

    reshaper  = Reshape((1, n_values))             # x⟨t⟩ (m, n_values) → (m, 1, n_values)
    LSTM_cell = LSTM(n_a, return_state=True)       # one step: a⟨t⟩, c⟨t⟩ from x⟨t⟩, a⟨t-1⟩, c⟨t-1⟩
    densor    = Dense(n_values, activation="softmax")  # ŷ⟨t⟩ from a⟨t⟩

The state ``[a, c]`` returned by one step is the initial state of the next. (The notebook's
printed listing passed ``initial_state=[a0, c0]`` at every step, which restarts the
recurrence at each step; carrying the state is what the text describes.)

Training these graphs is slow — 30 shared-layer calls per step of the optimizer — so the
app trains the same mathematics with :mod:`jazzcore.training` and moves the weights here with
:func:`set_weights` (``bench/train.py`` compares the two).

TensorFlow is imported when this module is (a few seconds). This module sets no environment
variables: a program that wants TensorFlow quiet and repeatable sets
``TF_CPP_MIN_LOG_LEVEL=2`` and ``TF_ENABLE_ONEDNN_OPTS=0`` before importing it.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from .errors import check_int
from .model import MAX_N_A, MAX_N_VALUES, JazzModel, TrainConfig
from .network import LSTMWeights
from .sample import MAX_TY, check_Ty


@keras.saving.register_keras_serializable(package="jazzcore")
class TimeStep(layers.Layer):
    """x⟨t⟩ = X[:, t, :]: one time step of a (m, Tx, n_values) input.

    The notebook uses ``Lambda(lambda x: X[:, t, :])``; a named layer with ``t`` in its config
    saves and loads without running any stored code.
    """

    def __init__(self, t: int, **kwargs):
        super().__init__(**kwargs)
        self.t = int(t)

    def call(self, x):
        return x[:, self.t, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "t": self.t}


def one_hot(x):
    """The argmax of each row of x (m, n_values) as a one-hot (m, 1, n_values): the next input.

    Usable inside ``keras.layers.Lambda`` for any vocabulary size (n_values is read from x).
    """
    n_values = x.shape[-1]
    return ops.expand_dims(ops.one_hot(ops.argmax(x, axis=-1), n_values), axis=1)


def shared_layers(n_a: int = 64, n_values: int = 78):
    """The three layers the course shares over time: (reshaper, LSTM_cell, densor)."""
    reshaper = layers.Reshape((1, n_values), name="reshaper")
    LSTM_cell = layers.LSTM(n_a, return_state=True, name="LSTM_cell")
    densor = layers.Dense(n_values, activation="softmax", name="densor")
    return reshaper, LSTM_cell, densor


def djmodel(
    Tx: int = 30, n_a: int = 64, n_values: int = 78, *, LSTM_cell=None, densor=None, reshaper=None
):
    """The course's training model: inputs X (m, Tx, n_values), a0 (m, n_a), c0 (m, n_a);
    Tx outputs ŷ⟨t⟩ (m, n_values), the softmax over the next value after step t.

    The shared layers are created unless given; they are the model's layers
    ``reshaper``, ``LSTM_cell`` and ``densor`` (``model.get_layer("LSTM_cell")``).
    """
    check_int("Tx", Tx, 1, MAX_TY)  # the same range of steps as the inference graph's Ty
    check_int("n_a", n_a, 1, MAX_N_A)
    check_int("n_values", n_values, 1, MAX_N_VALUES)
    if LSTM_cell is None or densor is None or reshaper is None:
        default_reshaper, default_cell, default_densor = shared_layers(n_a, n_values)
        reshaper = reshaper or default_reshaper
        LSTM_cell = LSTM_cell or default_cell
        densor = densor or default_densor

    X = keras.Input(shape=(Tx, n_values), name="X")
    a0 = keras.Input(shape=(n_a,), name="a0")
    c0 = keras.Input(shape=(n_a,), name="c0")
    a, c = a0, c0
    outputs = []
    for t in range(Tx):
        x = TimeStep(t, name=f"x_{t}")(X)  # the input at step t
        x = reshaper(x)  # (m, 1, n_values): one time step for the LSTM
        a, _, c = LSTM_cell(x, initial_state=[a, c])  # carry the state to the next step
        out = densor(a)  # the prediction of the value after step t
        outputs.append(out)
    return keras.Model(inputs=[X, a0, c0], outputs=outputs, name="djmodel")


def music_inference_model(LSTM_cell, densor, n_values: int = 78, n_a: int = 64, Ty: int = 100):
    """The course's inference graph: from x0 (1, 1, n_values), a0, c0, Ty steps of the trained
    cell, each step's argmax fed back as the next input (one-hot). Ty outputs (1, n_values)."""
    check_Ty(Ty)
    x0 = keras.Input(shape=(1, n_values), name="x0")
    a0 = keras.Input(shape=(n_a,), name="a0")
    c0 = keras.Input(shape=(n_a,), name="c0")
    x, a, c = x0, a0, c0
    outputs = []
    for t in range(Ty):
        a, _, c = LSTM_cell(x, initial_state=[a, c])
        out = densor(a)
        outputs.append(out)
        x = layers.Lambda(one_hot, name=f"one_hot_{t}")(out)  # argmax → the next input
    return keras.Model(inputs=[x0, a0, c0], outputs=outputs, name="music_inference_model")


def set_weights(weights: LSTMWeights, LSTM_cell, densor) -> None:
    """Give Keras's layers the arrays of an :class:`~jazzcore.network.LSTMWeights` (same gate order)."""
    LSTM_cell.set_weights([weights.kernel, weights.recurrent_kernel, weights.bias])
    densor.set_weights([weights.dense_kernel, weights.dense_bias])


def get_weights(LSTM_cell, densor) -> LSTMWeights:
    """An :class:`~jazzcore.network.LSTMWeights` of Keras's layers' arrays."""
    kernel, recurrent, bias = LSTM_cell.get_weights()
    dense_kernel, dense_bias = densor.get_weights()
    return LSTMWeights(kernel, recurrent, bias, dense_kernel, dense_bias)


def inference_model_for(model: JazzModel, Ty: int = 50):
    """The course's inference graph holding a trained :class:`~jazzcore.model.JazzModel`'s weights."""
    _, LSTM_cell, densor = shared_layers(model.n_a, model.n_values)
    # Build the layers on their input shapes before setting weights.
    LSTM_cell.build((None, 1, model.n_values))
    densor.build((None, model.n_a))
    set_weights(model.weights, LSTM_cell, densor)
    return music_inference_model(LSTM_cell, densor, model.n_values, model.n_a, Ty)


def course_optimizer(config: TrainConfig | None = None):
    """The course's ``Adam(lr=0.01, beta_1=0.9, beta_2=0.999, decay=0.01)`` in Keras 3, with the
    settings of ``config`` (None: the course's). The old ``decay`` argument is an inverse-time
    decay of the learning rate at every step — the schedule :class:`jazzcore.training.Adam`
    follows."""
    config = TrainConfig() if config is None else config
    schedule = keras.optimizers.schedules.InverseTimeDecay(
        config.learning_rate, decay_steps=1, decay_rate=config.decay
    )
    return keras.optimizers.Adam(
        learning_rate=schedule,
        beta_1=config.beta_1,
        beta_2=config.beta_2,
        epsilon=config.epsilon,
    )


def compile_djmodel(model, config: TrainConfig | None = None):
    """Compile as the course: categorical cross-entropy at each output (Keras sums them) and
    :func:`course_optimizer` with ``config``'s settings (None: the course's)."""
    loss = ["categorical_crossentropy"] * len(model.outputs)
    model.compile(optimizer=course_optimizer(config), loss=loss)
    return model


__all__ = [
    "djmodel",
    "music_inference_model",
    "one_hot",
    "TimeStep",
    "shared_layers",
    "set_weights",
    "get_weights",
    "inference_model_for",
    "course_optimizer",
    "compile_djmodel",
]
