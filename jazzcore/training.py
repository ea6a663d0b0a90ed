"""Train the course's network in NumPy: the whole sequence at once, forward and back, with Adam.

The notebook builds ``djmodel``, compiles it with ``Adam(lr=0.01, beta_1=0.9, beta_2=0.999,
decay=0.01)`` and calls ``model.fit([X, a0, c0], list(Y), epochs=100)``. :func:`train` does the
same, step by step, on the mathematics of :mod:`jazzcore.network`:

* Keras's initial weights (:func:`~jazzcore.network.init_weights`);
* every epoch: the loss and its gradients over the m examples
  (:func:`~jazzcore.network.loss_and_grads`), then one :class:`Adam` update — the full batch
  by default, or shuffled mini-batches as Keras's ``fit`` makes them (``batch_size=32`` is
  the course's: Keras's default);
* the state carried from step to step, or (``carry_state=False``) reset to a0 = c0 = 0 at
  every step as the 2018 listing's ``initial_state=[a0, c0]`` did;
* the course's ``decay=0.01`` as Keras 3's ``InverseTimeDecay(lr, 1, 0.01)``.

No TensorFlow is imported here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .dataset import Vocabulary
from .errors import ParameterError
from .model import DataShape, JazzModel, TrainConfig
from .network import LSTMWeights, init_weights, loss_and_grads, one_hot_indices
from .runtime import one_blas_thread


class Adam:
    """Keras 3's Adam with the course's decay as an InverseTimeDecay schedule.

    Step k (0-based): lr_k = lr / (1 + decay · k); with t = k + 1,
    α = lr_k · √(1 − β2^t) / (1 − β1^t); m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2);
    w ← w − α m / (√v + ε). lr, decay, β1, β2 and ε are the :class:`TrainConfig`'s.
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


def check_data(X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """X (m, Tx, n_values) and Y (Tx, m, n_values, or a list of Tx arrays (m, n_values)) as
    time-major float32 arrays Xt, Yt (Tx, m, n_values); a ParameterError if they disagree."""
    try:
        X = np.asarray(X, dtype=np.float32)
        Y = np.asarray(Y, dtype=np.float32)
    except (TypeError, ValueError):
        raise ParameterError(
            "X and Y must be arrays of numbers (load_music_utils or Corpus.xy gives them)."
        ) from None
    if X.ndim != 3 or min(X.shape) < 1:
        raise ParameterError(f"X has shape {X.shape}: expected (m, Tx, n_values).")
    m, Tx, n_values = X.shape
    if Y.shape != (Tx, m, n_values):
        raise ParameterError(
            f"Y has shape {Y.shape} but X {X.shape} needs Y of shape {(Tx, m, n_values)}."
        )
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ParameterError("X or Y holds NaN or infinite values.")
    return np.ascontiguousarray(X.swapaxes(0, 1)), np.ascontiguousarray(Y)


def train(
    X: ArrayLike,
    Y: ArrayLike,
    vocabulary: Vocabulary | Mapping[int, str] | Sequence[str],
    config: TrainConfig | None = None,
    *,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    source: str | None = None,
) -> JazzModel:
    """Train the course's network on X and Y and return a :class:`~jazzcore.model.JazzModel`.

    X: (m, Tx, n_values) one-hot inputs and Y: (Tx, m, n_values) targets, as
    ``load_music_utils`` or ``Corpus.xy`` returns them. vocabulary: what each of the
    n_values indices stands for — a :class:`~jazzcore.dataset.Vocabulary` or the course's
    ``indices_values`` (index → value). config: the settings (:class:`TrainConfig`; None is
    its defaults: the course's 100 epochs, n_a = 64, Adam 0.01 with decay 0.01, seed 0, but
    one full-batch update per epoch where the course's ``fit`` made two of 32 and 28).
    on_epoch(info): called after every epoch with a dict — epoch (1-based), loss (sum over
    the steps), per_step_loss (Tx floats), accuracy, seconds (since the start).
    should_stop(): checked before every epoch; True ends the run with the weights so far.
    source: the corpus's source record (``Corpus.source``: 'metheny', 'leadsheets' or a
    :class:`~jazzcore.dataset.CorpusSource` record), kept in the model and its file so that
    ``generate`` finds the chords again with ``load_corpus(model.source)``. With mini-batches the epoch's figures are the
    batches' means weighted by their sizes, as Keras reports them.
    Deterministic: the same arguments give the same weights. NumPy's products run on one
    BLAS thread (:func:`~jazzcore.runtime.one_blas_thread`); call
    :func:`~jazzcore.runtime.keep_freed_memory` once beforehand for the fastest runs.
    """
    if config is None:
        config = TrainConfig()
    if not isinstance(config, TrainConfig):
        raise ParameterError(f"config must be a TrainConfig, not {type(config).__name__}.")
    if vocabulary is None:
        raise ParameterError(
            "train needs the vocabulary of X (a Vocabulary or the course's indices_values): "
            "the model has to know which value each index stands for."
        )
    vocabulary = Vocabulary.from_indices_values(vocabulary)
    Xt, Yt = check_data(X, Y)
    Tx, m, n_values = Xt.shape
    if len(vocabulary) != n_values:
        raise ParameterError(f"The vocabulary has {len(vocabulary)} values but X has {n_values}.")
    config.check_size(m, Tx)
    data_shape = DataShape(m=m, Tx=Tx, n_values=n_values)

    # The notebook: model = djmodel(Tx, n_a, n_values); model.compile(Adam(...)); model.fit(...)
    weights = init_weights(n_values, config.n_a, config.seed)
    optimizer = Adam(weights, config)
    indices = one_hot_indices(Xt)  # x W as a row lookup when X is one-hot (it is)
    full_batch = config.batch_size is None or config.batch_size >= m
    shuffle = np.random.default_rng([config.seed, 1])  # its own stream: the weights' stay put
    history: list[dict] = []
    start = time.perf_counter()
    with one_blas_thread():
        for epoch in range(1, config.epochs + 1):
            if should_stop is not None and should_stop():
                break
            if full_batch:
                batches = [slice(None)]  # all m examples, one update
            else:
                order = shuffle.permutation(m)
                batches = [order[i : i + config.batch_size] for i in range(0, m, config.batch_size)]
            per_step, accuracy = np.zeros(Tx), 0.0
            for batch in batches:
                batch_indices = None if indices is None else indices[:, batch]
                batch_per_step, batch_accuracy, grads = loss_and_grads(
                    weights,
                    Xt[:, batch],
                    Yt[:, batch],
                    batch_indices,
                    carry_state=config.carry_state,
                )
                optimizer.step(weights, grads)
                share = 1.0 if full_batch else len(batch) / m
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
    return JazzModel(weights, vocabulary, config, data_shape, tuple(history), source)


__all__ = ["Adam", "check_data", "train"]
