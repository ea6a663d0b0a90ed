"""Train the seed's LSTM fast: the whole sequence at once in NumPy, forward and back, with Adam.

This is the mathematics of :func:`jazzcore.model.djmodel`, written out so that one epoch
is a few dozen NumPy calls instead of a graph of 30 shared-layer calls:

* the LSTM cell of Keras (gates in the order i, f, c, o; sigmoid and tanh):
  ``z = x W + a U + b``, ``c' = f c + i g``, ``a' = o tanh(c')``;
* the Dense softmax layer at every step: ``ŷ = softmax(a' Wd + bd)``;
* categorical cross-entropy at each of the Tx outputs, averaged over the m examples and
  summed over the steps (Keras's sum of the per-output losses);
* back-propagation through time, then Adam (β1 0.9, β2 0.999, ε 1e-7, Keras's update)
  with the seed's ``decay=0.01`` as Keras 3's ``InverseTimeDecay(lr, 1, 0.01)``;
* the full batch of m examples, one update per epoch; Keras's initializers (Glorot
  uniform kernels, an orthogonal recurrent kernel, forget-gate bias 1).

The weights are the Keras layers' own arrays (:class:`LSTMWeights`), so they move between
this trainer, ``djmodel``, the fused Keras model and the sampler (tests check all four).
No TensorFlow is imported here.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .errors import ParameterError, check_int

MAX_EPOCHS = 5000
MAX_N_A = 1024
MAX_ACTIVATIONS = 25_000_000  # m · Tx · n_a: about 1 GB of stored gates and states


class LSTMWeights(NamedTuple):
    """The trainable arrays of the seed's network, with Keras's shapes and gate order i, f, c, o.

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


@dataclass
class TrainConfig:
    """Settings of a training run; the defaults are the seed's."""

    n_a: int = 64  # LSTM units
    epochs: int = 100
    learning_rate: float = 0.01
    decay: float = 0.01  # the seed's Adam(decay=0.01): lr / (1 + decay · step)
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7  # Keras's default
    seed: int = 0  # initial weights (and, for a source, the training windows)
    m: int = 60  # training examples (filled in from X)
    batch_size: int | None = None  # None: all m examples in one update per epoch
    Tx: int = 30  # time steps (filled in from X)
    n_values: int = 78  # vocabulary size (filled in from X)


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


def _gate_scale(n_a: int, dtype) -> np.ndarray:
    """0.5 on the sigmoid gates (i, f, o), 1 on the tanh candidate g: σ(z) = (1 + tanh(z/2))/2,
    so one tanh computes all four gates."""
    s = np.full(4 * n_a, 0.5, dtype=dtype)
    s[2 * n_a : 3 * n_a] = 1.0
    return s


def one_hot_indices(Xt: np.ndarray) -> np.ndarray | None:
    """(Tx, m) int: the index of each one-hot row of Xt, n_values for an all-zero row (the
    seed's x⟨0⟩); None if Xt is not one-hot. With it, ``x W`` is a row lookup, not a product."""
    n_values = Xt.shape[-1]
    sums = Xt.sum(axis=-1)
    if not (np.isin(Xt, (0.0, 1.0)).all() and np.isin(sums, (0.0, 1.0)).all()):
        return None
    return np.where(sums > 0, Xt.argmax(axis=-1), n_values)


def forward(w: LSTMWeights, Xt: np.ndarray, indices: np.ndarray | None = None):
    """Run the network over time-major inputs.

    Xt: (Tx, m, n_values), the input of each step (X swapped to time-major); indices:
    its :func:`one_hot_indices`, if known (faster). Returns probabilities (Tx, m, n_values)
    — the softmax output of every step — and the cache that :func:`backward` needs.
    """
    Tx, m, n_values = Xt.shape
    n_a = w.n_a
    s = _gate_scale(n_a, w.kernel.dtype)
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
        g += np.matmul(A[t], U, out=product)
        np.tanh(g, out=g)
        g *= s
        g += shift  # now i, f, o = σ(z), g = tanh(z)
        c = C[t + 1]
        np.multiply(g[:, n_a : 2 * n_a], C[t], out=c)
        c += g[:, :n_a] * g[:, 2 * n_a : 3 * n_a]
        np.tanh(c, out=TC[t])
        np.multiply(g[:, 3 * n_a :], TC[t], out=A[t + 1])
    logits = (A[1:].reshape(Tx * m, n_a) @ w.dense_kernel + w.dense_bias).reshape(Tx, m, -1)
    logits -= logits.max(axis=-1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    return np.exp(log_probs), (Xt, G, A, C, TC, log_probs)


def backward(w: LSTMWeights, cache, dlogits: np.ndarray) -> LSTMWeights:
    """Gradients of the loss with respect to every weight (back-propagation through time).

    dlogits: (Tx, m, n_values), the gradient of the loss with respect to the Dense
    layer's pre-softmax outputs. Returns an :class:`LSTMWeights` of gradients.
    """
    Xt, G, A, C, TC, _ = cache
    Tx, m, n_a = TC.shape
    n_values = Xt.shape[-1]
    i, f, g, o = (G[..., k * n_a : (k + 1) * n_a] for k in range(4))
    # Everything that does not depend on the running gradients, for all steps at once:
    # ∂c/∂z for z_i, z_f, z_g and ∂a/∂z_o (σ' = σ(1 − σ), tanh' = 1 − tanh²), so that at each
    # step dz = local · (dc, dc, dc, da) is one product.
    local = np.empty((Tx, m, 4, n_a), Xt.dtype)
    np.multiply(g, i * (1 - i), out=local[:, :, 0])
    np.multiply(C[:-1], f * (1 - f), out=local[:, :, 1])
    np.multiply(i, 1 - g * g, out=local[:, :, 2])
    np.multiply(TC, o * (1 - o), out=local[:, :, 3])
    da_to_c = o * (1 - TC * TC)  # ∂a/∂c

    H = A[1:].reshape(-1, n_a)
    D = dlogits.reshape(-1, n_values)
    dA = (D @ w.dense_kernel.T).reshape(Tx, m, n_a)  # from each step's output
    dZ = np.empty((Tx, m, 4, n_a), Xt.dtype)
    running = np.zeros((m, 4, n_a), Xt.dtype)  # (dc, dc, dc, da): the gradient in c⟨t⟩ and a⟨t⟩
    dc, da = running[:, 0], running[:, 3]
    UT = w.recurrent_kernel.T
    for t in reversed(range(Tx)):
        da += dA[t]
        dc += da * da_to_c[t]
        running[:, 1:3] = dc[:, None, :]
        np.multiply(local[t], running, out=dZ[t])
        dc *= f[t]
        np.matmul(dZ[t].reshape(m, 4 * n_a), UT, out=da)
    dZ = dZ.reshape(-1, 4 * n_a)
    return LSTMWeights(
        kernel=Xt.reshape(-1, n_values).T @ dZ,
        recurrent_kernel=A[:-1].reshape(-1, n_a).T @ dZ,
        bias=dZ.sum(axis=0),
        dense_kernel=H.T @ D,
        dense_bias=D.sum(axis=0),
    )


def loss_and_grads(w: LSTMWeights, Xt: np.ndarray, Yt: np.ndarray, indices: np.ndarray | None = None):
    """Cross-entropy at every step, summed over the steps, and its gradients.

    Xt: (Tx, m, n_values) inputs; Yt: (Tx, m, n_values) one-hot targets (the seed's Y;
    a step of zeros, like Y's last, adds nothing). Returns ``(per_step_loss (Tx,),
    accuracy, grads)``; the loss is ``per_step_loss.sum()``. indices: see :func:`forward`. Accuracy: the share of
    non-empty targets whose value has the highest probability.
    """
    probs, cache = forward(w, Xt, indices)
    m = Xt.shape[1]
    log_probs = cache[-1]
    per_step = (Yt * -log_probs).sum(axis=-1).mean(axis=1)
    # softmax + cross-entropy: ∂loss/∂logits = (ŷ · Σy − y) / m  (zero where y is empty)
    dlogits = (probs * Yt.sum(axis=-1, keepdims=True) - Yt) / m
    present = Yt.sum(axis=-1) > 0
    hits = probs.argmax(-1) == Yt.argmax(-1)
    accuracy = float(hits[present].mean()) if present.any() else 0.0
    return per_step, accuracy, backward(w, cache, dlogits)


class Adam:
    """Keras 3's Adam with the seed's decay as an InverseTimeDecay schedule.

    Step k (0-based): lr_k = lr / (1 + decay · k); with t = k + 1,
    α = lr_k · √(1 − β2^t) / (1 − β1^t); m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2);
    w ← w − α m / (√v + ε).
    """

    def __init__(self, weights: LSTMWeights, config: TrainConfig):
        self.config = config
        self.iterations = 0
        self.m = [np.zeros_like(w) for w in weights]
        self.v = [np.zeros_like(w) for w in weights]

    def step(self, weights: LSTMWeights, grads: LSTMWeights) -> None:
        """Update ``weights`` in place."""
        cfg = self.config
        lr = cfg.learning_rate / (1 + cfg.decay * self.iterations)
        t = self.iterations + 1
        alpha = lr * math.sqrt(1 - cfg.beta_2**t) / (1 - cfg.beta_1**t)
        for w, g, m, v in zip(weights, grads, self.m, self.v, strict=True):
            m += (g - m) * (1 - cfg.beta_1)
            v += (g * g - v) * (1 - cfg.beta_2)
            w -= (alpha * m / (np.sqrt(v) + cfg.epsilon)).astype(w.dtype)
        self.iterations += 1


# ---------------------------------------------------------------------------------------
# The trained model


@dataclass(eq=False)  # two models are the same model only if they are one object
class JazzModel:
    """A trained network with the vocabulary it was trained on.

    weights: the five arrays (:class:`LSTMWeights`); vocabulary: a
    :class:`~jazzcore.dataset.Vocabulary` (index ↔ value); config: the :class:`TrainConfig`;
    history: one dict per epoch (epoch, loss, per_step_loss, accuracy, seconds);
    source: the corpus it was trained on, when known ('metheny', 'leadsheets', a path).
    """

    weights: LSTMWeights
    vocabulary: object
    config: TrainConfig
    history: list[dict] = field(default_factory=list)
    source: str | None = None

    @property
    def n_values(self) -> int:
        return self.weights.n_values

    @property
    def n_a(self) -> int:
        return self.weights.n_a

    @property
    def parameter_count(self) -> int:
        return sum(int(w.size) for w in self.weights)

    def first_values_allowed(self) -> np.ndarray:
        """(n_values,) bool: the values deepjazz lets open a solo — no rest, no interval bracket."""
        from .grammar import GrammarToken

        tokens = [GrammarToken.parse(v) for v in self.vocabulary.tokens]
        return np.array([t.kind != "R" and not t.has_bracket for t in tokens])

    def sample(
        self,
        Ty: int,
        *,
        temperature: float | None = None,
        top_k: int | None = None,
        seed: int | None = None,
        first_value_rule: bool = False,
    ) -> np.ndarray:
        """Ty value indices, int array of shape (Ty,): see :func:`jazzcore.sample.sample_indices`."""
        from .sample import sample_indices

        allowed = self.first_values_allowed() if first_value_rule else None
        return sample_indices(
            self.weights, Ty, temperature=temperature, top_k=top_k, seed=seed, first_allowed=allowed
        )

    def sample_values(self, Ty: int, **options) -> list[str]:
        """Like :meth:`sample`, as grammar values ('C,0.250', …)."""
        return self.vocabulary.decode(self.sample(Ty, **options))

    def summary(self) -> str:
        n_a, n_values = self.n_a, self.n_values
        lstm = sum(w.size for w in self.weights[:3])
        dense = sum(w.size for w in self.weights[3:])
        trained = f"{len(self.history)} epochs"
        if self.history:
            trained += f", final loss {self.history[-1]['loss']:.3f}"
        rows = [
            f"JazzModel: the seed's LSTM, n_a = {n_a}, {n_values} values, Tx = {self.config.Tx} ({trained})",
            f"{'Layer':<18}{'Weights':<48}{'Params':>10}",
            f"{'LSTM_cell (LSTM)':<18}{f'kernel ({n_values}, {4 * n_a}), recurrent ({n_a}, {4 * n_a}), bias ({4 * n_a},)':<48}{lstm:>10,}",
            f"{'densor (Dense)':<18}{f'kernel ({n_a}, {n_values}), bias ({n_values},), softmax':<48}{dense:>10,}",
            f"Total params: {self.parameter_count:,}",
        ]
        return "\n".join(rows)


# ---------------------------------------------------------------------------------------
# Training


def check_settings(*, epochs, n_a, learning_rate, seed, m=None, Tx=None) -> tuple[int, int, float, int]:
    """Check train's settings: (epochs, n_a, learning_rate, seed), or a one-line
    ParameterError. Given m and Tx, also that m · Tx · n_a fits in memory. The app checks a
    run with this before it waits in the training queue."""
    epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
    n_a = check_int("n_a", n_a, 1, MAX_N_A)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    if not (isinstance(learning_rate, int | float) and 0 < learning_rate <= 1):
        raise ParameterError(f"learning_rate = {learning_rate!r} is out of range: choose a number in (0, 1].")
    if m is not None and Tx is not None and m * Tx * n_a > MAX_ACTIVATIONS:
        raise ParameterError(
            f"m · Tx · n_a = {m} · {Tx} · {n_a} is too big to train in memory: "
            "choose fewer windows, fewer time steps or fewer units."
        )
    return epochs, n_a, float(learning_rate), seed


def _as_vocabulary(vocabulary):
    """A Vocabulary from a Vocabulary or the seed's indices_values (index → value)."""
    from .dataset import Vocabulary

    if vocabulary is None:
        raise ParameterError(
            "train needs the vocabulary of X (a Vocabulary or the seed's indices_values): "
            "the model has to know which value each index stands for."
        )
    return Vocabulary.from_indices_values(vocabulary)


def check_data(X, Y) -> tuple[np.ndarray, np.ndarray]:
    """X (m, Tx, n_values) and Y (Tx, m, n_values, or a list of Tx arrays (m, n_values)) as
    time-major float32 arrays Xt, Yt (Tx, m, n_values); a ParameterError if they disagree."""
    X = np.asarray(X, dtype=np.float32)
    Y = np.asarray(Y, dtype=np.float32)
    if X.ndim != 3 or min(X.shape) < 1:
        raise ParameterError(f"X has shape {X.shape}: expected (m, Tx, n_values).")
    m, Tx, n_values = X.shape
    if Y.shape != (Tx, m, n_values):
        raise ParameterError(f"Y has shape {Y.shape} but X {X.shape} needs Y of shape {(Tx, m, n_values)}.")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ParameterError("X or Y holds NaN or infinite values.")
    return np.ascontiguousarray(X.swapaxes(0, 1)), np.ascontiguousarray(Y)


def _batches(m: int, batch_size: int | None, seed: int):
    """A function giving one epoch's batches: the whole set, or shuffled index arrays."""
    if batch_size is None or batch_size >= m:
        return lambda: [slice(None)]
    rng = np.random.default_rng([seed, 1])  # its own stream: the weights' draws stay the same

    def epoch():
        order = rng.permutation(m)
        return [order[i : i + batch_size] for i in range(0, m, batch_size)]

    return epoch


def train(
    X,
    Y=None,
    *,
    epochs: int = 100,
    n_a: int = 64,
    learning_rate: float = 0.01,
    seed: int = 0,
    vocabulary=None,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch_size: int | None = None,
    source: str | None = None,
) -> JazzModel:
    """Train the seed's network and return a :class:`JazzModel`.

    X: (m, Tx, n_values) one-hot inputs and Y: (Tx, m, n_values) targets, as
    ``load_music_utils`` returns them, with ``vocabulary`` (a Vocabulary or the seed's
    indices_values); or X a source ('metheny', 'leadsheets', a path) or a Corpus, then Y
    and vocabulary come from it (m = 60, Tx = 30 windows drawn with ``seed``).
    epochs (1–5000), n_a (1–1024), learning_rate (> 0), seed (≥ 0): see :class:`TrainConfig`.
    on_epoch(info): called after every epoch with a dict — epoch (1-based), loss (sum over
    the steps), per_step_loss (Tx floats), accuracy, seconds (since the start).
    should_stop(): checked before every epoch; True ends the run with the weights so far.
    batch_size: None (default) — every epoch is one update on all m examples; a smaller
    number splits each epoch into shuffled mini-batches as Keras's ``fit`` does (the seed's
    ``fit`` used Keras's default of 32), and the epoch's figures are the batches' means
    weighted by their sizes, as Keras reports them.
    source: the corpus's source, kept in the model (and its file) so that ``generate``
        finds the chords; taken from the corpus when X is one.
    Deterministic: the same arguments give the same weights.
    """
    epochs, n_a, learning_rate, seed = check_settings(epochs=epochs, n_a=n_a, learning_rate=learning_rate, seed=seed)

    if Y is None:
        from .dataset import load_corpus

        corpus = X if hasattr(X, "xy") else load_corpus(X)
        source = source or corpus.source
        X, Y = corpus.xy(60, 30, seed)
        vocabulary = corpus.vocabulary
    vocabulary = _as_vocabulary(vocabulary)
    Xt, Yt = check_data(X, Y)
    Tx, m, n_values = Xt.shape
    if len(vocabulary) != n_values:
        raise ParameterError(f"The vocabulary has {len(vocabulary)} values but X has {n_values}.")
    check_settings(epochs=epochs, n_a=n_a, learning_rate=learning_rate, seed=seed, m=m, Tx=Tx)

    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, 1, m)
    config = TrainConfig(n_a=n_a, epochs=epochs, learning_rate=float(learning_rate), seed=seed,
                         m=m, Tx=Tx, n_values=n_values, batch_size=batch_size)
    batches = _batches(m, batch_size, seed)
    weights = init_weights(n_values, n_a, seed)
    optimizer = Adam(weights, config)
    history: list[dict] = []
    start = time.perf_counter()
    keep_freed_memory()
    with one_blas_thread():
        _run_epochs(weights, optimizer, Xt, Yt, batches, epochs, history, start, on_epoch, should_stop)
    return JazzModel(weights, vocabulary, config, history, source)


_MALLOC_TUNED = False


def keep_freed_memory() -> None:
    """Let glibc keep freed blocks of up to 32 MB for reuse (process-wide, once).

    Every epoch allocates about 15 MB of arrays and temporaries of 0.1–2 MB. glibc serves
    blocks over 128 KB with fresh mmap pages and returns them on free, so each epoch pays
    thousands of page faults — about 12 % of the training time here (measured: 0.88 s →
    0.77 s for 100 epochs). Raising the mmap and trim thresholds, the same knobs as the
    MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ variables, keeps the pages mapped.
    Elsewhere than glibc this does nothing.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
        libc.mallopt(M_MMAP_THRESHOLD, 32 * 2**20)
        libc.mallopt(M_TRIM_THRESHOLD, 128 * 2**20)
    except (OSError, AttributeError):
        pass


_BLAS_LOCK = threading.Lock()
_blas_runs = 0  # training runs inside one_blas_thread, in any thread
_blas_limits = None  # threadpoolctl's limiter, holding the limits to restore


@contextmanager
def one_blas_thread():
    """Run NumPy's products on one thread: the matrices here are small (60 × 64 by 64 × 256),
    so a second BLAS thread only adds synchronisation, and when other work shares the cores
    (another user's training, the web server) spinning BLAS threads slow training down
    five-fold (measured: 1.1 s on one thread, 5.1 s on two, with a busy second core).

    The limit is process-wide, and the app trains in several threads at once: the first
    run to enter sets it and the last to leave restores the original, whatever the order.
    """
    global _blas_runs, _blas_limits
    from threadpoolctl import threadpool_limits

    with _BLAS_LOCK:
        if _blas_runs == 0:
            _blas_limits = threadpool_limits(limits=1, user_api="blas")
        _blas_runs += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_runs -= 1
            if _blas_runs == 0:
                _blas_limits.restore_original_limits()
                _blas_limits = None


def _run_epochs(weights, optimizer, Xt, Yt, batches, epochs, history, start, on_epoch, should_stop):
    Tx, m, _ = Xt.shape
    indices = one_hot_indices(Xt)
    for epoch in range(1, epochs + 1):
        if should_stop is not None and should_stop():
            break
        per_step, accuracy = np.zeros(Tx), 0.0
        for batch in batches():
            batch_indices = None if indices is None else indices[:, batch]
            batch_per_step, batch_accuracy, grads = loss_and_grads(weights, Xt[:, batch], Yt[:, batch], batch_indices)
            optimizer.step(weights, grads)
            share = len(batch) / m if not isinstance(batch, slice) else 1.0
            per_step += batch_per_step * share
            accuracy += batch_accuracy * share
        info = {
            "epoch": epoch,
            "loss": float(per_step.sum()),
            "per_step_loss": [float(x) for x in per_step],
            "accuracy": accuracy,
            "seconds": time.perf_counter() - start,
        }
        history.append(info)
        if on_epoch is not None:
            on_epoch(info)


__all__ = ["JazzModel", "LSTMWeights", "TrainConfig", "train", "init_weights", "forward", "backward",
           "loss_and_grads", "Adam", "check_data"]
