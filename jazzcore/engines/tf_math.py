"""The course's network in TensorFlow: the mathematics of :mod:`jazzcore.network`, op for op.

The same cell (gates i, f, c, o; one tanh for all four gates, σ(z) = (1 + tanh(z/2))/2), the
same softmax cross-entropy (the sum over the steps of the mean over the windows; an empty
target adds nothing and pushes no gradient), the same back-propagation through time, written
out rather than left to ``GradientTape``: the derivatives that do not depend on the running
gradient are made during the forward pass, and the weights' gradients come at the end: two
large products (the recurrent kernel's, the Dense layer's) and a segment sum by input value
(the kernel's: x is one-hot). The loop over the Tx steps is unrolled in the graph (a ``tf.function`` traces
it once per run); each time step, forward and back, is one small XLA-compiled function (its
product and its element-wise arithmetic fused), compiled once and called Tx times.

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


# ---------------------------------------------------------------------------------------
# The step's pieces, compiled by XLA: one time step forward (its product and the gates), one
# back. Each is traced and compiled once per shape and called Tx times in the unrolled graph:
# its element-wise arithmetic becomes one loop over memory instead of a dozen TensorFlow ops
# (each a pass over memory and a dispatch). Measured (m = 600, n_a = 256, 2 cores): a forward
# step 1.9 → 1.5 ms; about 0.2 s of compiling a run.

_CELLS: dict[tuple, tuple] = {}


def clear_cells() -> None:
    """Forget the compiled steps (the next run traces and compiles them again)."""
    _CELLS.clear()


def _cells(n_a: int, n_values: int, Tx: int) -> tuple:
    """(first, step, back, back_first, per_input): the XLA-compiled pieces for n_a units,
    each compiled at its first call. Step 0 starts from a = c = 0: it is ``first`` forward
    and ``back_first`` back (no product with a zero state, none for a step before it);
    per_input sums dZ's rows by input value (the kernel's gradient: a one-hot product as a
    segment sum, 4–5× faster than the product, measured for 18,000 rows of 2,048)."""
    key = (n_a, n_values, Tx)
    if key in _CELLS:
        return _CELLS[key]
    tf = tensorflow()
    s = gate_scale(n_a, np.float32)  # σ(z) = (1 + tanh(z/2))/2: one tanh for the four gates
    s2, shift = s * s, 1 - s

    def gates(z, c_prev):
        """Step t from z = (x W + a U + b) · s: a⟨t+1⟩, c⟨t+1⟩ and what the backward pass
        needs — local = ∂c/∂z for z_i, z_f, z_g and ∂a/∂z_o, ∂a/∂c, the forget gate."""
        q = tf.tanh(z)  # σ' = (1 − q²)/4 on the sigmoid gates, tanh' = 1 − q² on g: (1 − q²) s²
        i, f, g, o = tf.split(q * s + shift, 4, axis=1)
        c = i * g if c_prev is None else f * c_prev + i * g
        tc = tf.tanh(c)
        before = tf.zeros_like(c) if c_prev is None else c_prev
        local = (1 - q * q) * s2 * tf.concat([g, before, i, tc], 1)
        return o * tc, c, local, f, o * (1 - tc * tc)

    def first(z):  # a⟨t⟩ = c⟨t⟩ = 0 (step 0, or every step without the carried state)
        return gates(z, None)

    def step(z_input, a, c, U):
        return gates(z_input + tf.matmul(a, U), c)

    def back_first(dA_t, da, dc, a_to_c, local):  # dZ of a step that nothing precedes
        da = dA_t + da
        dc = dc + da * a_to_c
        return local * tf.concat([dc, dc, dc, da], axis=1)

    def back(dA_t, da, dc, a_to_c, local, forget, UT):  # dZ, and dc, da for the step before
        dZ = back_first(dA_t, da, dc, a_to_c, local)
        dc = (dc + (dA_t + da) * a_to_c) * forget
        return dZ, dc, tf.matmul(dZ, UT)

    def per_input(dZ, inputs):  # Σ of dZ's rows whose input is v, for v = 0 … n_values
        return tf.math.unsorted_segment_sum(dZ, inputs, n_values + 1)

    options = {"jit_compile": True, "autograph": False, "reduce_retracing": True}
    pieces = (first, step, back, back_first, per_input)
    _CELLS[key] = tuple(tf.function(f, **options) for f in pieces)
    return _CELLS[key]


def logits_and_cache(weights, x, *, carry_state: bool = True, zero_start: bool = True):
    """The forward pass: weights, five tensors in :class:`~jazzcore.network.LSTMWeights`
    order; x (Tx, b) int32 input indices. Returns the logits (Tx · b, n_values), step-major
    (row t · b + i is window i at step t), and what :func:`loss_and_grads` needs.

    zero_start: step 0 by ``first`` (no product with the zero state); else, with the carried
    state, by ``step`` from a = c = 0 — the same numbers, one function fewer to compile
    (about 0.1 s each), which is what a short run of small products prefers."""
    tf = tensorflow()
    kernel, recurrent, bias, dense_kernel, dense_bias = weights
    n_values, n_a = kernel.shape[0], recurrent.shape[0]
    Tx = x.shape[0]
    first, step, *_ = _cells(n_a, n_values, Tx)
    s = gate_scale(n_a, np.float32)
    rows = tf.concat([kernel + bias, bias[None]], axis=0) * s  # row n_values: x = 0, bias alone
    G = tf.unstack(tf.gather(rows, x), Tx)  # the input part of every gate, pre-scaled by s
    U = recurrent * s
    outputs, local, forget, a_to_c = [], [], [], []
    if carry_state and not zero_start:
        a = c = tf.zeros(tf.stack([tf.shape(x)[1], n_a]))
    for t in range(Tx):
        if not carry_state or (t == 0 and zero_start):
            a, c, dz, f, da_dc = first(G[t])
        else:
            a, c, dz, f, da_dc = step(G[t], a, c, U)
        outputs.append(a)
        local.append(dz)
        forget.append(f)
        a_to_c.append(da_dc)
    H = tf.reshape(tf.stack(outputs), (-1, n_a))
    logits = tf.matmul(H, dense_kernel) + dense_bias
    return logits, (H, local, forget, a_to_c)


def probabilities(weights, x, *, carry_state: bool = True):
    """The softmax output of every step, (Tx, b, n_values): :func:`jazzcore.network.forward`'s
    probabilities."""
    tf = tensorflow()
    logits, _ = logits_and_cache(weights, x, carry_state=carry_state)
    return tf.reshape(tf.nn.softmax(logits), (x.shape[0], -1, weights[0].shape[0]))


def loss_and_grads(
    weights, x, y, total, *, carry_state: bool = True, chains: int = 1, zero_start: bool = True
):
    """:func:`jazzcore.network.loss_and_grads_indices` in TensorFlow.

    x, y: (Tx, b) int32 index arrays; total: the number of windows the mean is over (float32,
    the batch's size when x and y are a chunk or one replica's share of it). Returns
    ``(per_step (Tx,), hits, targets, grads)`` with hits and targets as float32 counts and
    grads the five gradients in :class:`~jazzcore.network.LSTMWeights` order.

    chains: the windows cut into that many groups whose passes are independent chains of
    operations, which TensorFlow's executor runs side by side — on a CPU of several cores
    that keeps every core busy through the small operations between the products, where one
    chain leaves them waiting (measured on 2 cores: 2 chains, 20 % less time a step).
    zero_start: step 0 without the products of the zero state, forward and back
    (:func:`logits_and_cache`).
    """
    if chains > 1:
        tf = tensorflow()
        b = tf.shape(x)[1]
        parts = [
            _loss_and_grads(
                weights,
                x[:, k * b // chains : (k + 1) * b // chains],
                y[:, k * b // chains : (k + 1) * b // chains],
                total,
                carry_state,
                zero_start,
            )
            for k in range(chains)
        ]
        per_step, hits, targets, grads = zip(*parts, strict=True)
        return (
            tf.add_n(per_step),
            tf.add_n(hits),
            tf.add_n(targets),
            [tf.add_n(list(g)) for g in zip(*grads, strict=True)],
        )
    return _loss_and_grads(weights, x, y, total, carry_state, zero_start)


def _loss_and_grads(weights, x, y, total, carry_state, zero_start):
    tf = tensorflow()
    kernel, recurrent, _, dense_kernel, _ = weights
    n_values, n_a = kernel.shape[0], recurrent.shape[0]
    Tx = x.shape[0]
    b = tf.shape(x)[1]
    _, _, back, back_first, per_input = _cells(n_a, n_values, Tx)
    logits, (H, local, forget, a_to_c) = logits_and_cache(
        weights, x, carry_state=carry_state, zero_start=zero_start
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
    UT = tf.transpose(recurrent)
    zeros = tf.zeros_like(dA[0])
    da = dc = zeros
    dZ = [None] * Tx
    for t in reversed(range(Tx)):
        if carry_state and (t > 0 or not zero_start):  # (at t = 0: da, dc go nowhere)
            dZ[t], dc, da = back(dA[t], da, dc, a_to_c[t], local[t], forget[t], UT)
        else:  # step t started from a0 = c0 = 0: nothing flows back
            dZ[t] = back_first(dA[t], da, dc, a_to_c[t], local[t])
            da = dc = zeros
    dZ = tf.reshape(tf.stack(dZ), (-1, 4 * n_a))
    # a⟨t-1⟩ᵀ dZ⟨t⟩ summed over t in one product, from t = 1 (a⟨0⟩ = 0); x⟨t⟩ is one-hot, so
    # the kernel's gradient is dZ's rows summed by input value (n_values: x = 0, no row)
    inputs = per_input(dZ, tf.reshape(x, [-1]))
    grads = [
        inputs[:n_values],
        tf.matmul(H[: (Tx - 1) * b], dZ[b:], transpose_a=True)
        if carry_state and Tx > 1
        else tf.zeros_like(recurrent),
        tf.reduce_sum(inputs, axis=0),  # every row of dZ has one input, x = 0 included
        tf.matmul(H, D, transpose_a=True),
        tf.reduce_sum(D, axis=0),
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
    "clear_cells",
    "TFAdam",
    "as_weights",
]
