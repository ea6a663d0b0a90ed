"""Sample a sequence of values from the trained cell, one step at a time, in NumPy.

The course builds a Keras graph of Ty unrolled steps for every Ty (``music_inference_model``)
and feeds the argmax of each step back as the next input. Here the same loop runs on the
trained arrays directly, so a new Ty or a new seed costs nothing but the steps themselves:

* step 0 starts from x = 0, a = 0, c = 0 (the course's ``x_initializer``, ``a_initializer``,
  ``c_initializer``);
* each step (from the state the step before left, or from a = c = 0 again with
  ``carry_state=False``, as the 2018 listing's training graph did): the LSTM cell, the Dense
  softmax, then a choice — the argmax (greedy, the
  course), or a draw from the softmax sharpened or flattened by a temperature and cut to the
  top k values — and the chosen value, one-hot, is the next input.

Because the input is one-hot, ``x W`` is a row of the kernel: no product is needed for it.
``predict_and_sample`` is the course's function for a Keras inference model.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError, check_int
from .network import LSTMWeights, gate_scale

MAX_TY = 1000
MIN_TEMPERATURE = 1e-6
"""Lowest sampling temperature. Logits of float32 weights stay below 1e42, so logits / 1e-6
stays finite; 5e-324 overflowed to inf and gave NaN probabilities. Any temperature below
about 1e-3 already samples the argmax."""


def check_Ty(Ty) -> int:
    """Ty as an int from 1 to MAX_TY; a ParameterError with a one-line reason otherwise."""
    return check_int("Ty", Ty, 1, MAX_TY)


def check_sampling(Ty, temperature, top_k, n_values: int) -> tuple[int, float | None, int | None]:
    """Validated (Ty, temperature, top_k); a ParameterError with a one-line reason otherwise."""
    Ty = check_Ty(Ty)
    if temperature is not None:
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, int | float | np.floating)
            or not np.isfinite(temperature)
            or temperature < MIN_TEMPERATURE
        ):
            raise ParameterError(
                f"temperature = {temperature!r} must be a number ≥ {MIN_TEMPERATURE:g} "
                "(or None for greedy argmax)."
            )
        temperature = float(temperature)
    if top_k is not None:
        top_k = check_int("top_k (at most the vocabulary size)", top_k, 1, n_values)
    return Ty, temperature, top_k


def random_generator(seed) -> np.random.Generator:
    """A NumPy Generator from an int seed (≥ 0), a Generator (used as is), or None (fresh)."""
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"seed = {seed!r} must be a whole number ≥ 0 (or None).")
    return np.random.default_rng(int(seed))


def sample_indices(
    weights: LSTMWeights,
    Ty: int,
    *,
    temperature: float | None = None,
    top_k: int | None = None,
    seed=None,
    first_allowed: np.ndarray | None = None,
    return_probabilities: bool = False,
    carry_state: bool = True,
):
    """Ty value indices from the trained network.

    weights: an :class:`~jazzcore.network.LSTMWeights` (kernel (n_values, 4 n_a), recurrent
    kernel (n_a, 4 n_a), bias (4 n_a,), dense kernel (n_a, n_values), dense bias (n_values,)).
    temperature None and top_k None: greedy argmax, the course's inference model. A temperature
    (> 0) or a top_k (1 … n_values) draws from the softmax of logits / temperature restricted
    to the k most likely values (top_k = 1 is greedy again); ``seed`` (int) makes the draw
    reproducible. first_allowed: (n_values,) bool, the values the first step may choose
    (the course's rule: no rest, no interval bracket first). carry_state: False starts every
    step from a = c = 0 (:mod:`jazzcore.network`), so each value depends on the one before
    alone.

    Returns int64 (Ty,); with ``return_probabilities`` also float64 (Ty, n_values), the
    distribution each choice was made from.
    """
    n_values, n_a = weights.n_values, weights.n_a
    Ty, temperature, top_k = check_sampling(Ty, temperature, top_k, n_values)
    greedy = temperature is None and (top_k is None or top_k == 1)
    rng = None if greedy else random_generator(seed)
    if first_allowed is not None:
        first_allowed = np.asarray(first_allowed, dtype=bool)
        if first_allowed.shape != (n_values,) or not first_allowed.any():
            raise ParameterError("first_allowed must mark at least one of the n_values values.")

    # float64 for the steps: the arrays are small and argmax ties then match Keras's float32
    # only where the gap is real; the tests compare with the Keras graph on float32 weights.
    b = weights.bias.astype(np.float64)
    W = weights.kernel.astype(np.float64) + b  # row v: x W + b for x = e_v
    U = weights.recurrent_kernel.astype(np.float64)
    Wd = weights.dense_kernel.astype(np.float64)
    bd = weights.dense_bias.astype(np.float64)
    scale = gate_scale(n_a, np.float64)  # σ(z) = (1 + tanh(z/2)) / 2: one tanh for all four gates
    shift = 1.0 - scale
    a = np.zeros(n_a)
    c = np.zeros(n_a)
    indices = np.empty(Ty, dtype=np.int64)
    distributions = np.empty((Ty, n_values)) if return_probabilities else None
    z_in = b  # x⟨0⟩ = 0, so the input part is the bias alone
    for t in range(Ty):
        if not carry_state:
            a, c = np.zeros(n_a), np.zeros(n_a)
        gates = np.tanh((z_in + a @ U) * scale) * scale + shift
        c = gates[n_a : 2 * n_a] * c + gates[:n_a] * gates[2 * n_a : 3 * n_a]
        a = gates[3 * n_a :] * np.tanh(c)
        logits = a @ Wd + bd
        if t == 0 and first_allowed is not None:
            logits = np.where(first_allowed, logits, -np.inf)
        if greedy and distributions is None:
            index = int(np.argmax(logits))
        else:
            scaled = logits / (temperature or 1.0)
            if top_k is not None and top_k < n_values:
                cut = np.partition(scaled, n_values - top_k)[n_values - top_k]
                scaled = np.where(scaled >= cut, scaled, -np.inf)
            p = np.exp(scaled - scaled.max())
            p /= p.sum()
            if distributions is not None:
                distributions[t] = p
            index = int(np.argmax(logits)) if greedy else int(rng.choice(n_values, p=p))
        indices[t] = index
        z_in = W[index]
    return (indices, distributions) if return_probabilities else indices


def predict_and_sample(inference_model, x_initializer=None, a_initializer=None, c_initializer=None):
    """The course's ``predict_and_sample``: run a Keras inference model once and read its choices.

    inference_model: :func:`jazzcore.keras_model.music_inference_model` (inputs x0 (1, 1, n_values),
    a0 (1, n_a), c0 (1, n_a); Ty outputs (1, n_values)). The initializers default to zeros.
    Returns ``results`` (Ty, n_values) one-hot and ``indices`` (Ty, 1) int, as the notebook's does.
    """
    n_values = int(inference_model.inputs[0].shape[-1])
    n_a = int(inference_model.inputs[1].shape[-1])
    x = np.zeros((1, 1, n_values), np.float32) if x_initializer is None else x_initializer
    a = np.zeros((1, n_a), np.float32) if a_initializer is None else a_initializer
    c = np.zeros((1, n_a), np.float32) if c_initializer is None else c_initializer
    pred = inference_model.predict([x, a, c], verbose=0)
    pred = np.stack(pred) if isinstance(pred, list | tuple) else np.asarray(pred)[:, None, :]
    indices = np.argmax(pred, axis=-1).reshape(-1, 1)  # (Ty, 1)
    results = np.eye(n_values, dtype=np.float32)[indices[:, 0]]  # (Ty, n_values)
    return results, indices


__all__ = [
    "sample_indices",
    "predict_and_sample",
    "check_sampling",
    "check_Ty",
    "random_generator",
    "MAX_TY",
]
