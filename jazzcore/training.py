"""Train the course's network: the whole sequence at once, forward and back, with Adam.

The notebook builds ``djmodel``, compiles it with ``Adam(lr=0.01, beta_1=0.9, beta_2=0.999,
decay=0.01)`` and calls ``model.fit([X, a0, c0], list(Y), epochs=100)``. :func:`train` does the
same, step by step, on the mathematics of :mod:`jazzcore.network`:

* Keras's initial weights (:func:`~jazzcore.network.init_weights`);
* every epoch: the loss and its gradients over the m examples
  (:func:`~jazzcore.network.loss_and_grads_indices`), then one :class:`Adam` update — the
  full batch by default, or shuffled mini-batches as Keras's ``fit`` makes them
  (``batch_size=32`` is the course's: Keras's default; :func:`~jazzcore.windows.epoch_batches`);
  a batch larger than :func:`~jazzcore.model.chunk_windows` is computed in chunks whose
  gradients add up, so memory stays flat as m grows;
* the state carried from step to step, or (``carry_state=False``) reset to a0 = c0 = 0 at
  every step as the 2018 listing's ``initial_state=[a0, c0]`` did;
* the course's ``decay=0.01`` as Keras 3's ``InverseTimeDecay(lr, 1, 0.01)``.

This loop is the NumPy engine (one core). The same run on TensorFlow — all cores, a GPU,
several machines — is :func:`jazzcore.engines.train_tensorflow`; ``TrainConfig.engine``
chooses, and 'auto' asks the cost model (:func:`jazzcore.engines.choose_engine`). The data
are the indices of X's and Y's one-hot rows (:class:`~jazzcore.windows.ArrayWindows`), or a
corpus's windows made batch by batch (:func:`train_windows`). No TensorFlow is imported here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .dataset import Vocabulary
from .engines import choose_engine, train_tensorflow
from .errors import ParameterError
from .model import DataShape, JazzModel, TrainConfig, chunk_windows
from .network import (
    LSTMWeights,
    init_weights,
    loss_and_grads,
    loss_and_grads_indices,
    one_hot_indices,
)
from .runtime import one_blas_thread
from .windows import ArrayWindows, TrainingWindows, chunks, epoch_batches


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
    strategy=None,
) -> JazzModel:
    """Train the course's network on X and Y and return a :class:`~jazzcore.model.JazzModel`.

    X: (m, Tx, n_values) one-hot inputs and Y: (Tx, m, n_values) targets, as
    ``load_music_utils`` or ``Corpus.xy`` returns them. vocabulary: what each of the
    n_values indices stands for — a :class:`~jazzcore.dataset.Vocabulary` or the course's
    ``indices_values`` (index → value). config: the settings (:class:`TrainConfig`; None is
    its defaults: the course's 100 epochs, n_a = 64, Adam 0.01 with decay 0.01, seed 0, but
    one full-batch update per epoch where the course's ``fit`` made two of 32 and 28).
    on_epoch(info): called after every epoch with a dict — epoch (1-based), loss (sum over
    the steps), per_step_loss (Tx floats), accuracy, seconds (since the start), engine.
    should_stop(): checked before every epoch; True ends the run with the weights so far.
    source: the corpus's source record (``Corpus.source``: 'metheny', 'leadsheets' or a
    :class:`~jazzcore.dataset.CorpusSource` record), kept in the model and its file so that
    ``generate`` finds the chords again with ``load_corpus(model.source)``. With mini-batches
    the epoch's figures are the batches' means weighted by their sizes, as Keras reports
    them. strategy: a ``tf.distribute.Strategy`` for the TensorFlow engine (None: the one
    ``TF_CONFIG`` and the GPUs call for, :func:`jazzcore.engines.default_strategy`).

    ``config.engine`` picks the engine; ``model.engine`` says which ran. Deterministic: the
    same arguments on the same engine give the same weights (the two engines agree to
    float32 rounding). The NumPy engine runs on one BLAS thread
    (:func:`~jazzcore.runtime.one_blas_thread`); call
    :func:`~jazzcore.runtime.keep_freed_memory` once beforehand for the fastest runs.
    """
    config = _check_config(config)
    vocabulary = _vocabulary(vocabulary)
    Xt, Yt = check_data(X, Y)
    Tx, m, n_values = Xt.shape
    if len(vocabulary) != n_values:
        raise ParameterError(f"The vocabulary has {len(vocabulary)} values but X has {n_values}.")
    config.check_size(m, Tx)
    x, y = one_hot_indices(Xt), one_hot_indices(Yt)
    if x is not None and y is not None:  # the course's data: train on the rows' indices
        windows = ArrayWindows(x.astype(np.int32), y.astype(np.int32), vocabulary)
        del Xt, Yt
        return train_windows(
            windows,
            config,
            on_epoch=on_epoch,
            should_stop=should_stop,
            source=source,
            strategy=strategy,
        )
    if choose_engine(config, m, Tx, n_values, one_hot=False) != "numpy" or strategy is not None:
        raise ParameterError(
            "The TensorFlow engine trains on one-hot X and Y (as data_processing makes "
            "them): choose engine='numpy' for other arrays."
        )

    def dense_batch(weights, rows):  # X or Y not one-hot: the arrays themselves
        per_step, accuracy, grads = loss_and_grads(
            weights, Xt[:, rows], Yt[:, rows], carry_state=config.carry_state
        )
        return per_step, accuracy, grads

    weights, history = _numpy_epochs(dense_batch, m, Tx, n_values, config, on_epoch, should_stop)
    return JazzModel(
        weights, vocabulary, config, DataShape(m, Tx, n_values), tuple(history), source, "numpy"
    )


def train_windows(
    windows: TrainingWindows,
    config: TrainConfig | None = None,
    *,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    source: str | None = None,
    strategy=None,
) -> JazzModel:
    """:func:`train` on windows made batch by batch: a large corpus without its one-hot X
    and Y (``Windows.from_corpus(corpus, m, Tx, seed)`` are the windows of
    ``corpus.xy(m, Tx, seed)``, and train the same model). Memory: the windows' starts and
    one chunk's activations, whatever m is. The other arguments are :func:`train`'s."""
    config = _check_config(config)
    if not isinstance(windows, TrainingWindows):
        raise ParameterError(
            f"train_windows needs Windows (Windows.from_corpus), not {type(windows).__name__}."
        )
    m, Tx, n_values = windows.m, windows.Tx, windows.n_values
    config.check_size(m, Tx)
    data_shape = DataShape(m=m, Tx=Tx, n_values=n_values)
    engine = choose_engine(config, m, Tx, n_values, one_hot=True)
    if strategy is not None and engine != "tensorflow":
        if config.engine == "numpy":
            raise ParameterError("A tf.distribute strategy needs engine='tensorflow' or 'auto'.")
        engine = "tensorflow"
    if engine == "tensorflow":
        weights, history, _ = train_tensorflow(
            windows, config, on_epoch=on_epoch, should_stop=should_stop, strategy=strategy
        )
    else:
        chunk = chunk_windows(Tx, config.n_a, n_values)
        live = windows.live_steps  # an empty last step (the course's) is not computed

        def window_batch(weights, rows):  # in chunks whose gradients add up to the batch's
            per_step, hits, targets, grads = np.zeros(Tx), 0, 0, None
            for piece in chunks(rows, chunk):
                x, y = windows.batch(piece)
                piece_loss, piece_hits, piece_targets, piece_grads = loss_and_grads_indices(
                    weights, x[:live], y[:live], carry_state=config.carry_state, total=rows.size
                )
                per_step[:live] += piece_loss
                hits, targets = hits + piece_hits, targets + piece_targets
                grads = piece_grads if grads is None else _add(grads, piece_grads)
            return per_step, hits / targets if targets else 0.0, grads

        weights, history = _numpy_epochs(
            window_batch, m, Tx, n_values, config, on_epoch, should_stop
        )
    return JazzModel(
        weights, windows.vocabulary, config, data_shape, tuple(history), source, engine
    )


def _numpy_epochs(batch_grads, m, Tx, n_values, config, on_epoch, should_stop):
    """The NumPy engine's epochs: batch_grads(weights, rows) gives a batch's per-step loss,
    accuracy and gradients; one Adam update per batch. Returns (weights, history)."""
    # The notebook: model = djmodel(Tx, n_a, n_values); model.compile(Adam(...)); model.fit(...)
    history: list[dict] = []
    with one_blas_thread():
        weights = init_weights(n_values, config.n_a, config.seed)
        optimizer = Adam(weights, config)
        shuffle = np.random.default_rng([config.seed, 1])  # its own stream: the weights' stay
        start = time.perf_counter()
        for epoch in range(1, config.epochs + 1):
            if should_stop is not None and should_stop():
                break
            per_step, accuracy = np.zeros(Tx), 0.0
            for rows in epoch_batches(m, config.batch_size, shuffle):
                batch_per_step, batch_accuracy, grads = batch_grads(weights, rows)
                optimizer.step(weights, grads)
                share = rows.size / m
                per_step += batch_per_step * share
                accuracy += batch_accuracy * share
            info = {
                "epoch": epoch,
                "loss": float(per_step.sum()),
                "per_step_loss": [float(x) for x in per_step],
                "accuracy": accuracy,
                "seconds": time.perf_counter() - start,
                "engine": "numpy",
            }
            history.append(info)
            if on_epoch is not None:
                on_epoch(info)
    return weights, history


def _add(a: LSTMWeights, b: LSTMWeights) -> LSTMWeights:
    for x, y in zip(a, b, strict=True):
        x += y
    return a


def _check_config(config: TrainConfig | None) -> TrainConfig:
    if config is None:
        return TrainConfig()
    if not isinstance(config, TrainConfig):
        raise ParameterError(f"config must be a TrainConfig, not {type(config).__name__}.")
    return config


def _vocabulary(vocabulary) -> Vocabulary:
    if vocabulary is None:
        raise ParameterError(
            "train needs the vocabulary of X (a Vocabulary or the course's indices_values): "
            "the model has to know which value each index stands for."
        )
    return Vocabulary.from_indices_values(vocabulary)


__all__ = ["Adam", "check_data", "train", "train_windows"]
