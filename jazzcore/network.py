"""The course's network as NumPy mathematics: weights, forward, backward — no training loop.

This is the mathematics of :func:`jazzcore.keras_model.djmodel`, written out so that one
pass over the data is a few dozen NumPy calls instead of a graph of 30 shared-layer calls:

* the LSTM cell of Keras (gates in the order i, f, c, o; sigmoid and tanh):
  ``z = x W + a U + b``, ``c' = f c + i g``, ``a' = o tanh(c')``;
* the Dense softmax layer at every step: ``ŷ = softmax(a' Wd + bd)``;
* categorical cross-entropy at each of the Tx outputs, averaged over the m examples and
  summed over the steps (Keras's sum of the per-output losses), and its gradients by
  back-propagation through time;
* Keras's initializers (Glorot-uniform kernels, an orthogonal recurrent kernel, forget-gate
  bias 1).

``carry_state`` (default True) passes the state ``[a, c]`` of each step to the next, as the
course's text describes. False restarts every step from ``a0 = c0 = 0``, as the 2018 edition's
printed listing did (``LSTM_cell(x, initial_state=[a0, c0])`` at every step): each prediction
then depends on its own input alone, the LSTM is a one-layer network of x⟨t⟩, and the recurrent
kernel and the forget gate get no gradient.

The data comes as dense arrays (``Xt``, ``Yt``: :func:`loss_and_grads`) or as the indices of
their one-hot rows (:func:`loss_and_grads_indices`: what the trainer uses, see
:mod:`jazzcore.windows`); the two are the same mathematics. The index form never makes
X or Y: ``x W`` is a row of the kernel, the loss one log-probability per step, and the
kernel's gradient a sum of rows.

The weights are the Keras layers' own arrays (:class:`LSTMWeights`), so they move between
the trainers (:mod:`jazzcore.training`, :mod:`jazzcore.engines`), ``djmodel``, the Keras
inference model and the sampler (:mod:`jazzcore.sample`). No TensorFlow is imported here.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class LSTMWeights(NamedTuple):
    """The trainable arrays of the course's network, with Keras's shapes and gate order
    i, f, c, o (see :meth:`shapes`).

    kernel: (n_values, 4 n_a); recurrent_kernel: (n_a, 4 n_a); bias: (4 n_a,) — the LSTM.
    dense_kernel: (n_a, n_values); dense_bias: (n_values,) — the Dense softmax layer.
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    dense_kernel: np.ndarray
    dense_bias: np.ndarray

    @property
    def n_values(self) -> int:
        return self.kernel.shape[0]

    @property
    def n_a(self) -> int:
        return self.recurrent_kernel.shape[0]

    @staticmethod
    def shapes(n_values: int, n_a: int) -> tuple[tuple[int, ...], ...]:
        """The five arrays' shapes for a vocabulary of n_values and n_a LSTM units, in field
        order: the one statement of the network's shape (files, models, parameter counts)."""
        return ((n_values, 4 * n_a), (n_a, 4 * n_a), (4 * n_a,), (n_a, n_values), (n_values,))


# ---------------------------------------------------------------------------------------
# Initial weights: Keras's initializers, drawn with NumPy


def init_weights(n_values: int, n_a: int, seed: int = 0, dtype=np.float32) -> LSTMWeights:
    """Keras's defaults: Glorot-uniform kernels, orthogonal recurrent kernel, zero biases
    except the LSTM's forget gate (``unit_forget_bias``: 1)."""
    rng = np.random.default_rng(seed)

    def glorot_uniform(fan_in, fan_out):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, (fan_in, fan_out))

    # Orthogonal (n_a, 4 n_a): QR of a Gaussian (4 n_a, n_a), signs fixed by R's diagonal.
    q, r = np.linalg.qr(rng.normal(size=(4 * n_a, n_a)))
    recurrent = (q * np.sign(np.diag(r))).T
    bias = np.zeros(4 * n_a)
    bias[n_a : 2 * n_a] = 1.0
    arrays = (
        glorot_uniform(n_values, 4 * n_a),
        recurrent,
        bias,
        glorot_uniform(n_a, n_values),
        np.zeros(n_values),
    )
    return LSTMWeights(*(np.ascontiguousarray(w, dtype=dtype) for w in arrays))


# ---------------------------------------------------------------------------------------
# Forward and backward through the whole sequence


def gate_scale(n_a: int, dtype) -> np.ndarray:
    """0.5 on the sigmoid gates (i, f, o), 1 on the tanh candidate g: σ(z) = (1 + tanh(z/2))/2,
    so one tanh computes all four gates."""
    s = np.full(4 * n_a, 0.5, dtype=dtype)
    s[2 * n_a : 3 * n_a] = 1.0
    return s


def one_hot_indices(Xt: np.ndarray) -> np.ndarray | None:
    """(Tx, m) int: the index of each one-hot row of Xt, n_values for an all-zero row (the
    course's x⟨0⟩); None if Xt is not one-hot. With it, ``x W`` is a row lookup, not a product."""
    n_values = Xt.shape[-1]
    sums = Xt.sum(axis=-1)
    if not (np.isin(Xt, (0.0, 1.0)).all() and np.isin(sums, (0.0, 1.0)).all()):
        return None
    return np.where(sums > 0, Xt.argmax(axis=-1), n_values)


def forward(
    w: LSTMWeights,
    Xt: np.ndarray | None,
    indices: np.ndarray | None = None,
    *,
    carry_state: bool = True,
):
    """Run the network over time-major inputs.

    Xt: (Tx, m, n_values), the input of each step (X swapped to time-major); indices:
    its :func:`one_hot_indices`, if known (faster; with indices Xt may be None). carry_state:
    False starts every step from a = c = 0 (see the module). Returns probabilities
    (Tx, m, n_values) — the softmax output of every step — and the cache that
    :func:`backward` needs.
    """
    Tx, m = indices.shape if Xt is None else Xt.shape[:2]
    n_a = w.n_a
    s = gate_scale(n_a, w.kernel.dtype)
    shift = 1 - s
    # (Tx, m, 4 n_a): the input part of every gate for all steps at once, pre-scaled by s
    if indices is not None:  # a row of the kernel per one-hot input; the bias alone for x = 0
        rows = np.concatenate([w.kernel + w.bias, w.bias[None]]) * s
        G = rows[indices]
    else:
        G = (Xt.reshape(Tx * m, -1) @ w.kernel).reshape(Tx, m, 4 * n_a) + w.bias
        G *= s
    U = w.recurrent_kernel * s
    A = np.zeros((Tx + 1, m, n_a), G.dtype)  # A[t + 1] is a⟨t+1⟩; A[0] = a0 = 0
    C = np.zeros((Tx + 1, m, n_a), G.dtype)
    TC = np.empty((Tx, m, n_a), G.dtype)  # tanh(c⟨t+1⟩)
    product = np.empty((m, 4 * n_a), G.dtype)
    for t in range(Tx):
        g = G[t]  # becomes the gate activations i, f, g, o of step t, in place
        if carry_state:  # else a⟨t⟩ = a0 = 0: a U adds nothing
            g += np.matmul(A[t], U, out=product)
        np.tanh(g, out=g)
        g *= s
        g += shift  # now i, f, o = σ(z), g = tanh(z)
        c = C[t + 1]
        if carry_state:
            np.multiply(g[:, n_a : 2 * n_a], C[t], out=c)
            c += g[:, :n_a] * g[:, 2 * n_a : 3 * n_a]
        else:  # c⟨t⟩ = c0 = 0: the forget gate has nothing to keep
            np.multiply(g[:, :n_a], g[:, 2 * n_a : 3 * n_a], out=c)
        np.tanh(c, out=TC[t])
        np.multiply(g[:, 3 * n_a :], TC[t], out=A[t + 1])
    logits = (A[1:].reshape(Tx * m, n_a) @ w.dense_kernel + w.dense_bias).reshape(Tx, m, -1)
    logits -= logits.max(axis=-1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    return np.exp(log_probs), (Xt, indices, G, A, C, TC, carry_state, log_probs)


def backward(w: LSTMWeights, cache, dlogits: np.ndarray) -> LSTMWeights:
    """Gradients of the loss with respect to every weight (back-propagation through time).

    dlogits: (Tx, m, n_values), the gradient of the loss with respect to the Dense
    layer's pre-softmax outputs. Returns an :class:`LSTMWeights` of gradients.
    """
    Xt, indices, G, A, C, TC, carry_state, _ = cache
    Tx, m, n_a = TC.shape
    n_values = w.n_values
    i, f, g, o = (G[..., k * n_a : (k + 1) * n_a] for k in range(4))
    # Everything that does not depend on the running gradients, for all steps at once:
    # ∂c/∂z for z_i, z_f, z_g and ∂a/∂z_o (σ' = σ(1 − σ), tanh' = 1 − tanh²), so that at each
    # step dz = local · (dc, dc, dc, da) is one product.
    local = np.empty((Tx, m, 4, n_a), G.dtype)
    np.multiply(g, i * (1 - i), out=local[:, :, 0])
    if carry_state:
        np.multiply(C[:-1], f * (1 - f), out=local[:, :, 1])
    else:  # c⟨t-1⟩ = c0 = 0: the forget gate changes nothing
        local[:, :, 1] = 0
    np.multiply(i, 1 - g * g, out=local[:, :, 2])
    np.multiply(TC, o * (1 - o), out=local[:, :, 3])
    da_to_c = o * (1 - TC * TC)  # ∂a/∂c

    H = A[1:].reshape(-1, n_a)
    D = dlogits.reshape(-1, n_values)
    dA = (D @ w.dense_kernel.T).reshape(Tx, m, n_a)  # from each step's output
    dZ = np.empty((Tx, m, 4, n_a), G.dtype)
    running = np.zeros((m, 4, n_a), G.dtype)  # (dc, dc, dc, da): the gradient in c⟨t⟩ and a⟨t⟩
    dc, da = running[:, 0], running[:, 3]
    UT = w.recurrent_kernel.T
    for t in reversed(range(Tx)):
        da += dA[t]
        dc += da * da_to_c[t]
        running[:, 1:3] = dc[:, None, :]
        np.multiply(local[t], running, out=dZ[t])
        if carry_state:
            dc *= f[t]
            np.matmul(dZ[t].reshape(m, 4 * n_a), UT, out=da)
        else:  # step t started from a0 = c0 = 0: nothing flows back to step t - 1
            running[:] = 0
    dZ = dZ.reshape(-1, 4 * n_a)
    if carry_state:
        recurrent = A[:-1].reshape(-1, n_a).T @ dZ
    else:  # a U with a = a0 = 0 at every step
        recurrent = np.zeros_like(w.recurrent_kernel, dtype=dZ.dtype)
    if indices is not None:  # Σ of the rows of dZ with each input; the last row: x = 0
        one_hot = np.eye(n_values + 1, dtype=dZ.dtype)[indices.reshape(-1)]
        rows = one_hot.T @ dZ  # (n_values + 1, 4 n_a): faster than a scatter-add
        kernel, bias = rows[:n_values], rows.sum(axis=0)
    else:
        kernel, bias = Xt.reshape(-1, n_values).T @ dZ, dZ.sum(axis=0)
    return LSTMWeights(
        kernel=kernel,
        recurrent_kernel=recurrent,
        bias=bias,
        dense_kernel=H.T @ D,
        dense_bias=D.sum(axis=0),
    )


def loss_and_grads(
    w: LSTMWeights,
    Xt: np.ndarray,
    Yt: np.ndarray,
    indices: np.ndarray | None = None,
    *,
    carry_state: bool = True,
):
    """Cross-entropy at every step, summed over the steps, and its gradients.

    Xt: (Tx, m, n_values) inputs; Yt: (Tx, m, n_values) one-hot targets (the course's Y;
    a step of zeros, like Y's last, adds nothing). Returns ``(per_step_loss (Tx,),
    accuracy, grads)``; the loss is ``per_step_loss.sum()``. indices, carry_state: see
    :func:`forward`. Accuracy: the share of non-empty targets whose value has the highest
    probability.
    """
    probs, cache = forward(w, Xt, indices, carry_state=carry_state)
    m = Xt.shape[1]
    log_probs = cache[-1]
    per_step = (Yt * -log_probs).sum(axis=-1).mean(axis=1)
    # softmax + cross-entropy: ∂loss/∂logits = (ŷ · Σy − y) / m  (zero where y is empty)
    dlogits = (probs * Yt.sum(axis=-1, keepdims=True) - Yt) / m
    present = Yt.sum(axis=-1) > 0
    hits = probs.argmax(-1) == Yt.argmax(-1)
    accuracy = float(hits[present].mean()) if present.any() else 0.0
    return per_step, accuracy, backward(w, cache, dlogits)


def loss_and_grads_indices(
    w: LSTMWeights,
    x: np.ndarray,
    y: np.ndarray,
    *,
    carry_state: bool = True,
    total: int | None = None,
):
    """:func:`loss_and_grads` on index arrays: the same loss and gradients, no one-hot arrays.

    x, y: (Tx, b) ints, the index of each step's one-hot input and target (as
    :class:`~jazzcore.windows.Windows` makes them); n_values is the zero input (x⟨0⟩) or an
    empty target (adds nothing). total: the number of windows the mean is over (None: b);
    a chunk of a batch passes the batch's size, so that the chunks' losses and gradients
    add up to the batch's. Returns ``(per_step_loss (Tx,), hits, targets, grads)``: hits is
    the number of non-empty targets whose value has the highest probability, targets the
    number of non-empty targets (accuracy = hits / targets).
    """
    n_values = w.n_values
    probs, cache = forward(w, None, x, carry_state=carry_state)
    total = x.shape[1] if total is None else total
    present = y < n_values
    target = np.where(present, y, 0)[..., None]
    nll = -np.take_along_axis(cache[-1], target, axis=-1)[..., 0]
    per_step = np.where(present, nll, 0).sum(axis=1) / total
    hits = int((present & (probs.argmax(axis=-1) == target[..., 0])).sum())
    # softmax + cross-entropy: ∂loss/∂logits = (ŷ − y) / total, zero where y is empty
    dlogits = probs
    np.put_along_axis(dlogits, target, np.take_along_axis(dlogits, target, axis=-1) - 1, -1)
    dlogits *= (present.astype(dlogits.dtype) / total)[..., None]
    return per_step, hits, int(present.sum()), backward(w, cache, dlogits)


__all__ = [
    "LSTMWeights",
    "init_weights",
    "gate_scale",
    "one_hot_indices",
    "forward",
    "backward",
    "loss_and_grads",
    "loss_and_grads_indices",
]
