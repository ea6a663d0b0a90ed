"""Corpus → vocabulary → training tensors X and Y, as the seed builds them.

The corpus is the list of grammar values (strings such as ``'C,0.250'``) of a solo in
order. The vocabulary is its unique values in sorted order (the seed used a Python set,
whose order changes from run to run). X and Y follow the seed's ``data_processing``:

* ``X`` has shape (m, Tx, n_values): m windows of Tx values taken at random (seeded) start
  positions, one-hot; ``X[i, 0]`` is all zeros (the "start" input);
* ``Y`` has shape (Ty = Tx, m, n_values): ``Y[t-1, i] = X[i, t]``, the value that follows,
  and ``Y[Tx-1]`` is all zeros (nothing follows the window).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .grammar import GrammarToken


@dataclass(frozen=True)
class Vocabulary:
    """The unique grammar values of a corpus, in sorted order, with their counts.

    tokens: the values, sorted; a value's index is its position here.
    counts: how often each value occurs in the corpus, aligned with ``tokens``.
    """

    tokens: tuple[str, ...]
    counts: tuple[int, ...]

    @classmethod
    def from_corpus(cls, corpus: Iterable[str]) -> Vocabulary:
        counter = Counter(corpus)
        tokens = tuple(sorted(counter))
        return cls(tokens, tuple(counter[t] for t in tokens))

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.values_indices

    def index(self, token: str) -> int:
        try:
            return self.values_indices[token]
        except KeyError:
            raise ParameterError(f"'{token}' is not in this vocabulary of {len(self)} values.") from None

    def encode(self, corpus: Sequence[str]) -> np.ndarray:
        """Indices of ``corpus``'s values: int array of shape (len(corpus),)."""
        return np.array([self.index(t) for t in corpus], dtype=np.int64)

    def decode(self, indices: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in np.asarray(indices).reshape(-1)]

    @property
    def values_indices(self) -> dict[str, int]:
        """The seed's ``values_indices``: value → index."""
        cached = self.__dict__.get("_values_indices")
        if cached is None:
            cached = {t: i for i, t in enumerate(self.tokens)}
            object.__setattr__(self, "_values_indices", cached)
        return cached

    @property
    def indices_values(self) -> dict[int, str]:
        """The seed's ``indices_values``: index → value."""
        return dict(enumerate(self.tokens))

    def fingerprint(self) -> str:
        """SHA-256 of the ordered values: two vocabularies match iff their fingerprints do."""
        return hashlib.sha256("\n".join(self.tokens).encode()).hexdigest()

    def describe(self, token: str) -> str:
        return GrammarToken.parse(token).describe()

    def to_dict(self) -> dict:
        return {"tokens": list(self.tokens), "counts": list(self.counts)}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        tokens = tuple(str(t) for t in data["tokens"])
        counts = tuple(int(c) for c in data.get("counts", [1] * len(tokens)))
        if len(counts) != len(tokens) or len(set(tokens)) != len(tokens):
            raise ParameterError("A vocabulary needs unique values with one count each.")
        return cls(tokens, counts)


def data_processing(
    corpus: Sequence[str],
    values_indices: dict[str, int],
    m: int = 60,
    Tx: int = 30,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The seed's ``data_processing``: windows of the corpus as one-hot X and shifted Y.

    corpus: grammar values in order. values_indices: value → index (n_values entries).
    m: number of windows (training examples). Tx: window length (time steps).
    seed: the NumPy seed of the window start positions (the seed uses 0).

    Returns X of shape (m, Tx, n_values), Y of shape (Tx, m, n_values), both float32 0/1,
    and n_values. X[i, 0] is zero; X[i, t] is the one-hot of the window's value t;
    Y[t - 1, i] = X[i, t]; Y[Tx - 1] is zero.
    """
    n_values = len(values_indices)
    if not 1 <= m <= 10_000:
        raise ParameterError(f"m = {m} windows is out of range: choose 1 to 10000.")
    if not 2 <= Tx <= 1_000:
        raise ParameterError(f"Tx = {Tx} time steps is out of range: choose 2 to 1000.")
    if len(corpus) <= Tx:
        raise ParameterError(
            f"The corpus has {len(corpus)} values, too few for windows of Tx = {Tx}: "
            "choose a smaller Tx or a longer solo."
        )
    missing = [t for t in set(corpus) if t not in values_indices]
    if missing:
        raise ParameterError(f"{len(missing)} corpus values are not in values_indices, e.g. '{missing[0]}'.")
    indices = np.array([values_indices[t] for t in corpus], dtype=np.int64)
    # The seed seeds NumPy's global generator with 0 and draws one start per window with
    # np.random.choice(len(corpus) - Tx); a RandomState reproduces those draws exactly
    # without touching anybody else's global state.
    rng = np.random.RandomState(seed)
    starts = np.array([rng.choice(len(corpus) - Tx) for _ in range(m)], dtype=np.int64)
    windows = indices[starts[:, None] + np.arange(Tx)[None, :]]  # (m, Tx)
    X = np.zeros((m, Tx, n_values), dtype=np.float32)
    rows, steps = np.meshgrid(np.arange(m), np.arange(1, Tx), indexing="ij")
    X[rows, steps, windows[:, 1:]] = 1.0
    Y = np.zeros((Tx, m, n_values), dtype=np.float32)
    Y[: Tx - 1] = np.swapaxes(X[:, 1:, :], 0, 1)
    return X, Y, n_values
