"""Training windows as value indices, made batch by batch: what a large corpus trains on.

The course's ``data_processing`` makes X (m, Tx, n_values) and Y (Tx, m, n_values), one-hot
float32 arrays of 4 · m · Tx · n_values bytes each (10,000 windows of 30 steps over 78 values:
94 MB each; a research corpus with a larger vocabulary, much more). The network never needs
them: x W is a row of the LSTM's kernel for a one-hot x, and the loss reads one
log-probability per step. A :class:`Windows` keeps the corpus as value indices and where each
window starts, and makes the index arrays of one batch when a trainer asks for it::

    x[t, i] = values[starts[i] + t]      for t ≥ 1;  n_values (the course's x⟨0⟩ = 0) at t = 0
    y[t, i] = values[starts[i] + t + 1]  for t < Tx − 1;  n_values (nothing to predict) last

— the indices of the one-hot rows of ``data_processing``'s X[i, t] and Y[t, i]
(:meth:`Windows.xy` makes those arrays, for the course's cells and the tests). The memory of
m windows is their starts, 8 bytes each. :class:`ArrayWindows` holds the same index arrays for
all m windows at once, read from X and Y by :func:`jazzcore.training.train` (4 · 2 · Tx bytes
a window). Both trainers take either.

:func:`epoch_batches` is the one batching rule of both engines: Keras's ``fit`` with
``shuffle=True`` — a new permutation of the m windows every epoch, cut into batches of
batch_size, the last one smaller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dataset import Corpus, Vocabulary, window_starts
from .errors import ParameterError, check_int


class TrainingWindows:
    """What the trainers read: m windows of Tx steps over a vocabulary, as index arrays one
    batch at a time (:meth:`batch`). :class:`Windows` and :class:`ArrayWindows` are the two
    kinds."""

    Tx: int
    vocabulary: Vocabulary

    @property
    def m(self) -> int:
        """The number of windows (training examples)."""
        raise NotImplementedError

    @property
    def n_values(self) -> int:
        return len(self.vocabulary)

    def batch(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The inputs and targets of the windows ``rows`` (None: all) as time-major int32
        index arrays x, y of shape (Tx, len(rows)); n_values marks the zero input of step 0
        and the empty target of the last step (see the module)."""
        raise NotImplementedError

    @property
    def live_steps(self) -> int:
        """The steps a pass must compute: Tx, or Tx − 1 when no window has a target at the
        last step (the course's Y: its last step is empty) — that step's output then adds
        nothing to the loss and pushes no gradient, so neither engine computes it."""
        return self.Tx

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """The course's dense X (m, Tx, n_values) and Y (Tx, m, n_values) of these windows
        (what ``data_processing`` returns): for the notebook's cells and for checks, not
        for training."""
        x, y = self.batch()
        eye = np.eye(self.n_values + 1, self.n_values, dtype=np.float32)  # last row: zeros
        return np.ascontiguousarray(eye[x].swapaxes(0, 1)), eye[y]


@dataclass(frozen=True, eq=False)
class Windows(TrainingWindows):
    """m windows of Tx steps over a corpus of value indices, made batch by batch (see the
    module).

    values: (N,) int32, the corpus as indices into vocabulary; starts: (m,) int64, where each
    window starts in values (its Tx values are values[start : start + Tx]); Tx: steps per
    window; vocabulary: the :class:`~jazzcore.dataset.Vocabulary` the indices refer to.
    Made with :meth:`from_corpus` or :meth:`sample` (the course's random starts), or directly
    with any starts (all windows of a corpus: ``np.arange(len(values) - Tx)``).
    """

    values: np.ndarray
    starts: np.ndarray
    Tx: int
    vocabulary: Vocabulary

    def __post_init__(self) -> None:
        if not isinstance(self.vocabulary, Vocabulary):
            raise ParameterError("Windows need a Vocabulary for their value indices.")
        Tx = check_int("Tx", self.Tx, 2, 1_000)
        values = np.asarray(self.values)
        starts = np.asarray(self.starts)
        if values.ndim != 1 or values.dtype.kind not in "iu":
            raise ParameterError("Windows' values must be a 1-D array of value indices.")
        if starts.ndim != 1 or starts.dtype.kind not in "iu" or starts.size < 1:
            raise ParameterError("Windows' starts must be a 1-D array of at least one position.")
        if values.size and (values.min() < 0 or values.max() >= len(self.vocabulary)):
            raise ParameterError(
                f"Windows' values must be indices of the vocabulary's {len(self.vocabulary)} "
                "values."
            )
        if starts.min() < 0 or starts.max() + Tx > values.size:
            raise ParameterError(
                f"A window of Tx = {Tx} steps starts outside the corpus's {values.size} values."
            )
        object.__setattr__(self, "Tx", Tx)
        object.__setattr__(self, "values", np.ascontiguousarray(values, dtype=np.int32))
        object.__setattr__(self, "starts", np.ascontiguousarray(starts, dtype=np.int64))

    @property
    def live_steps(self) -> int:  # y's last step is n_values (nothing to predict) everywhere
        return self.Tx - 1

    @classmethod
    def sample(
        cls,
        values: Sequence[int] | np.ndarray,
        vocabulary: Vocabulary,
        m: int = 60,
        Tx: int = 30,
        seed: int = 0,
        *,
        lengths: Sequence[int] | None = None,
    ) -> Windows:
        """m windows at the course's random starts (:func:`~jazzcore.dataset.window_starts`:
        the same starts as ``data_processing`` with the same seed), none crossing from one
        solo into the next. values: the corpus as value indices; lengths: the values of each
        solo (None: one solo)."""
        values = np.asarray(values)
        m = check_int("m", m, 1, 100_000_000)
        lengths = [values.size] if lengths is None else list(lengths)
        if sum(lengths) != values.size:
            raise ParameterError(
                f"The solos' lengths add up to {sum(lengths)}, not the corpus's {values.size}."
            )
        return cls(values, window_starts(lengths, m, Tx, seed), Tx, vocabulary)

    @classmethod
    def from_corpus(cls, corpus: Corpus, m: int = 60, Tx: int = 30, seed: int = 0) -> Windows:
        """The windows ``corpus.xy(m, Tx, seed)`` makes into X and Y, as indices."""
        indices = corpus.vocabulary.encode(corpus.values)
        return cls.sample(indices, corpus.vocabulary, m, Tx, seed, lengths=corpus.solo_lengths)

    @property
    def m(self) -> int:
        return int(self.starts.size)

    def batch(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        starts = self.starts if rows is None else self.starts[rows]
        steps = self.values[starts[None, :] + np.arange(self.Tx)[:, None]]  # (Tx, b)
        x = np.empty_like(steps)
        x[0] = self.n_values
        x[1:] = steps[1:]
        y = np.empty_like(steps)
        y[:-1] = steps[1:]
        y[-1] = self.n_values
        return x, y


@dataclass(frozen=True, eq=False)
class ArrayWindows(TrainingWindows):
    """The windows of one-hot arrays X and Y, kept as their index arrays.

    x, y: (Tx, m) int32, the index of each one-hot row of X swapped to time-major and of Y,
    n_values for an all-zero row (the zero input, an empty target); vocabulary: what the
    indices stand for. :func:`jazzcore.training.train` makes it from X and Y.
    """

    x: np.ndarray
    y: np.ndarray
    vocabulary: Vocabulary

    def __post_init__(self) -> None:
        if not isinstance(self.vocabulary, Vocabulary):
            raise ParameterError("Windows need a Vocabulary for their value indices.")
        x, y = np.asarray(self.x), np.asarray(self.y)
        if x.ndim != 2 or x.shape != y.shape or min(x.shape) < 1:
            raise ParameterError(f"x {x.shape} and y {y.shape} must both be (Tx, m).")
        for name, a in (("x", x), ("y", y)):
            if a.dtype.kind not in "iu" or a.min() < 0 or a.max() > len(self.vocabulary):
                raise ParameterError(f"{name} must hold indices from 0 to n_values.")
        object.__setattr__(self, "x", np.ascontiguousarray(x, dtype=np.int32))
        object.__setattr__(self, "y", np.ascontiguousarray(y, dtype=np.int32))

    @property
    def Tx(self) -> int:  # noqa: N802 (the course's name)
        return int(self.x.shape[0])

    @property
    def m(self) -> int:
        return int(self.x.shape[1])

    @property
    def live_steps(self) -> int:
        empty = self.Tx > 1 and bool((self.y[-1] == self.n_values).all())
        return self.Tx - 1 if empty else self.Tx

    def batch(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if rows is None:
            return self.x, self.y
        return np.ascontiguousarray(self.x[:, rows]), np.ascontiguousarray(self.y[:, rows])


def epoch_batches(m: int, batch_size: int | None, rng: np.random.Generator) -> list[np.ndarray]:
    """The batches of one epoch, as arrays of window numbers: Keras's ``fit`` with shuffling —
    a permutation of range(m) from rng cut into batch_size pieces (the last smaller) — or one
    batch of all m windows in order when batch_size is None or at least m (no draw from rng)."""
    if batch_size is None or batch_size >= m:
        return [np.arange(m)]
    order = rng.permutation(m)
    return [order[i : i + batch_size] for i in range(0, m, batch_size)]


def chunks(rows: np.ndarray, size: int) -> list[np.ndarray]:
    """rows cut into as few consecutive pieces of at most size as can be, of equal sizes (to
    one window: one piece if it fits) — no small last piece, whose products are the least
    efficient, and at most two shapes for a traced or compiled step."""
    pieces = max(1, -(-rows.size // size))
    bounds = [k * rows.size // pieces for k in range(pieces + 1)]
    return [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


__all__ = ["TrainingWindows", "Windows", "ArrayWindows", "epoch_batches", "chunks"]
