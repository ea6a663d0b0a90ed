"""The course's network in TensorFlow: the mathematics of :mod:`jazzcore.network`, op for op.

The same cell (gates i, f, c, o; one tanh for all four gates, σ(z) = (1 + tanh(z/2))/2), the
same softmax cross-entropy (the sum over the steps of the mean over the windows; an empty
target adds nothing and pushes no gradient — TensorFlow's fused softmax cross-entropy alone
would push one through an all-zero target, so each step's loss and gradient is masked), the
same back-propagation through time, written out rather than left to ``GradientTape``: the
derivatives that do not depend on the running gradient are made during the forward pass, off
its critical path, and the weights' gradients are three large products at the end (the
kernel's from the inputs' indices, with the recurrent kernel's, in one product). The loop
over the Tx steps is unrolled in the graph (a ``tf.function`` traces it once per run).

The data are index arrays (:mod:`jazzcore.windows`): x⟨t⟩ W is a row of the kernel (n_values
is the zero input), the loss reads the target's log-probability (n_values: no target).

TensorFlow is imported by the functions that need it, never by importing this module.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..network import LSTMWeights, gate_scale


def tensorflow():
    """The ``tensorflow`` module, imported on first use (a few seconds)."""
    try:
        import tensorflow as tf
    except ImportError:
        raise ParameterError(
            "The TensorFlow engine needs TensorFlow (pip install tensorflow): "
            "or choose engine='numpy'."
        ) from None
    return tf


def logits_and_cache(weights, x, *, carry_state: bool = True):
    """The forward pass: weights, five tensors in :class:`~jazzcore.network.LSTMWeights`
    order; x (Tx, b) int32 input indices. Returns the logits (Tx · b, n_values), step-major
    (row t · b + i is window i at step t), and what :func:`loss_and_grads` needs."""
    tf = tensorflow()
    kernel, recurrent, bias, dense_kernel, dense_bias = weights
    n_values, n_a = kernel.shape[0], recurrent.shape[0]
    Tx = x.shape[0]
    b = tf.shape(x)[1]
    s = tf.constant(gate_scale(n_a, np.float32))
    shift = 1 - s
    rows = tf.concat([kernel + bias, bias[None]], axis=0) * s  # row n_values: x = 0, bias alone
    G = tf.unstack(tf.gather(rows, x), Tx)  # the input part of every gate, pre-scaled by s
    inputs = tf.unstack(tf.one_hot(x, n_values + 1), Tx)
    U = recurrent * s
    a = c = None  # a0 = c0 = 0
    zeros = tf.zeros(tf.stack([b, n_a]))
    states, outputs, local, forget, a_to_c = [], [], [], [], []
    for t in range(Tx):
        states.append(tf.concat([zeros if a is None else a, inputs[t]], axis=1))
        z = G[t] if a is None or not carry_state else G[t] + tf.matmul(a, U)
        g = tf.tanh(z) * s + shift  # i, f, o = σ(z); g = tanh(z)
        i, f, gg, o = tf.split(g, 4, axis=1)
        carried = carry_state and c is not None
        c_prev = c
        c = f * c + i * gg if carried else i * gg
        tc = tf.tanh(c)
        a = o * tc
        outputs.append(a)
        # ∂c/∂z_i, ∂c/∂z_f, ∂c/∂z_g and ∂a/∂z_o, for the backward pass
        df = c_prev * f * (1 - f) if carried else tf.zeros_like(f)
        local.append(tf.concat([gg * i * (1 - i), df, i * (1 - gg * gg), tc * o * (1 - o)], 1))
        forget.append(f)
        a_to_c.append(o * (1 - tc * tc))
    H = tf.reshape(tf.stack(outputs), (-1, n_a))
    logits = tf.matmul(H, dense_kernel) + dense_bias
    return logits, (H, states, local, forget, a_to_c)


def probabilities(weights, x, *, carry_state: bool = True):
    """The softmax output of every step, (Tx, b, n_values): :func:`jazzcore.network.forward`'s
    probabilities."""
    tf = tensorflow()
    logits, _ = logits_and_cache(weights, x, carry_state=carry_state)
    return tf.reshape(tf.nn.softmax(logits), (x.shape[0], -1, weights[0].shape[0]))


def loss_and_grads(weights, x, y, total, *, carry_state: bool = True):
    """:func:`jazzcore.network.loss_and_grads_indices` in TensorFlow.

    x, y: (Tx, b) int32 index arrays; total: the number of windows the mean is over (float32,
    the batch's size when x and y are a chunk or one replica's share of it). Returns
    ``(per_step (Tx,), hits, targets, grads)`` with hits and targets as float32 counts and
    grads the five gradients in :class:`~jazzcore.network.LSTMWeights` order.
    """
    tf = tensorflow()
    kernel, recurrent, _, dense_kernel, _ = weights
    n_values, n_a = kernel.shape[0], recurrent.shape[0]
    Tx = x.shape[0]
    b = tf.shape(x)[1]
    logits, (H, states, local, forget, a_to_c) = logits_and_cache(
        weights, x, carry_state=carry_state
    )
    targets = tf.reshape(y, [-1])
    present = targets < n_values
    # fused softmax cross-entropy; rows with no target are masked out of loss and gradient
    nll, dlogits = tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits(
        features=logits, labels=tf.where(present, targets, 0)
    )
    mask = tf.cast(present, logits.dtype)
    per_step = tf.reduce_sum(tf.reshape(nll * mask, tf.stack([Tx, b])), axis=1) / total
    hit = tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), targets)
    hits = tf.reduce_sum(tf.cast(hit, logits.dtype) * mask)
    D = dlogits * (mask / total)[:, None]
    dA = tf.unstack(tf.reshape(tf.matmul(D, dense_kernel, transpose_b=True), (Tx, -1, n_a)), Tx)
    da = dc = None
    dZ = [None] * Tx
    for t in reversed(range(Tx)):
        da = dA[t] if da is None else dA[t] + da
        dc = da * a_to_c[t] if dc is None else dc + da * a_to_c[t]
        dZ[t] = local[t] * tf.concat([dc, dc, dc, da], axis=1)
        if not carry_state:  # step t started from a0 = c0 = 0: nothing flows back
            da = dc = None
        elif t:
            dc = dc * forget[t]
            da = tf.matmul(dZ[t], recurrent, transpose_b=True)
    dZ = tf.reshape(tf.stack(dZ), (-1, 4 * n_a))
    # [a⟨t-1⟩, one-hot x⟨t⟩]ᵀ dZ: the recurrent kernel's gradient and the kernel's at once
    both = tf.matmul(tf.reshape(tf.stack(states), (-1, n_a + n_values + 1)), dZ, transpose_a=True)
    ones = tf.ones(tf.stack([1, tf.shape(D)[0]]), D.dtype)
    grads = [
        both[n_a : n_a + n_values],
        both[:n_a] if carry_state else tf.zeros_like(recurrent),
        tf.reduce_sum(both[n_a:], axis=0),  # every row of dZ has one input, x = 0 included
        tf.matmul(H, D, transpose_a=True),
        tf.matmul(ones, D)[0],
    ]
    return per_step, hits, tf.reduce_sum(mask), grads


class TFAdam:
    """:class:`jazzcore.training.Adam` on TensorFlow variables (the same formulas: Keras 3's
    Adam with the course's decay as ``InverseTimeDecay(lr, 1, decay)``). Made inside the
    strategy's scope, so that its moments are mirrored like the weights."""

    def __init__(self, variables, config):
        tf = tensorflow()
        self.config = config
        self.variables = list(variables)
        self.m = [tf.Variable(tf.zeros_like(v), trainable=False) for v in self.variables]
        self.v = [tf.Variable(tf.zeros_like(v), trainable=False) for v in self.variables]
        self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False)

    def step(self, grads) -> None:
        """One update with grads (in the variables' order); inside a ``tf.function``."""
        tf = tensorflow()
        cfg = self.config
        k = tf.cast(self.iterations, tf.float64)
        lr = cfg.learning_rate / (1 + cfg.decay * k)
        t = k + 1
        beta_1, beta_2 = (tf.constant(b, tf.float64) for b in (cfg.beta_1, cfg.beta_2))
        alpha = lr * tf.sqrt(1 - tf.pow(beta_2, t)) / (1 - tf.pow(beta_1, t))
        alpha = tf.cast(alpha, tf.float32)
        for w, g, m, v in zip(self.variables, grads, self.m, self.v, strict=True):
            m.assign_add((g - m) * (1 - cfg.beta_1))
            v.assign_add((g * g - v) * (1 - cfg.beta_2))
            w.assign_sub(alpha * m / (tf.sqrt(v) + cfg.epsilon))
        self.iterations.assign_add(1)


def as_weights(variables) -> LSTMWeights:
    """The variables' values as an :class:`~jazzcore.network.LSTMWeights` of float32 arrays."""
    return LSTMWeights(*(np.asarray(v.numpy(), dtype=np.float32) for v in variables))


__all__ = [
    "tensorflow",
    "logits_and_cache",
    "probabilities",
    "loss_and_grads",
    "TFAdam",
    "as_weights",
]
