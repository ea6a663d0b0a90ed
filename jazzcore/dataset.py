"""Source → corpus → vocabulary → training tensors X and Y, as the course builds them.

The corpus is the list of grammar values (strings such as ``'C,0.250'``) of a solo in
order. The vocabulary is its unique values in sorted order (the course used a Python set,
whose order changes from run to run). X and Y follow the course's ``data_processing``:

* ``X`` has shape (m, Tx, n_values): m windows of Tx values taken at random (seeded) start
  positions, one-hot; ``X[i, 0]`` is all zeros (the "start" input);
* ``Y`` has shape (Ty = Tx, m, n_values): ``Y[t-1, i] = X[i, t]``, the value that follows,
  and ``Y[Tx-1]`` is all zeros (nothing follows the window).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import sources
from .errors import MelodyError, ParameterError
from .grammar import tokenize_solo
from .readers import LEADSHEET_WORKS, leadsheet_solo, load_solo, metheny_solo
from .solo import ChordTimeline, Solo


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
        return token in self._index

    def index(self, token: str) -> int:
        try:
            return self._index[token]
        except KeyError:
            raise ParameterError(
                f"'{token}' is not in this vocabulary of {len(self)} values."
            ) from None

    def encode(self, corpus: Sequence[str]) -> np.ndarray:
        """Indices of ``corpus``'s values: int array of shape (len(corpus),)."""
        return np.array([self.index(t) for t in corpus], dtype=np.int64)

    def decode(self, indices: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in np.asarray(indices).reshape(-1)]

    @cached_property
    def _index(self) -> dict[str, int]:
        # value → index, built once; never handed out (a caller could change it)
        return {t: i for i, t in enumerate(self.tokens)}

    @property
    def values_indices(self) -> dict[str, int]:
        """The course's ``values_indices``: value → index (a new dict at each call)."""
        return dict(self._index)

    @property
    def indices_values(self) -> dict[int, str]:
        """The course's ``indices_values``: index → value (a new dict at each call)."""
        return dict(enumerate(self.tokens))

    def fingerprint(self) -> str:
        """SHA-256 of the ordered values: two vocabularies match iff their fingerprints do."""
        return hashlib.sha256("\n".join(self.tokens).encode()).hexdigest()

    def to_dict(self) -> dict:
        return {"tokens": list(self.tokens), "counts": list(self.counts)}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        tokens = tuple(str(t) for t in data["tokens"])
        counts = tuple(int(c) for c in data.get("counts", [1] * len(tokens)))
        if len(counts) != len(tokens) or len(set(tokens)) != len(tokens):
            raise ParameterError("A vocabulary needs unique values with one count each.")
        return cls(tokens, counts)

    @classmethod
    def from_indices_values(cls, indices_values) -> Vocabulary:
        """A Vocabulary from a Vocabulary (returned as is), the course's ``indices_values``
        (index → value) or a list of values in index order.

        The course has both dictionaries: its ``values_indices`` (value → index) in this place
        is a ParameterError that names the mix-up.
        """
        if isinstance(indices_values, Vocabulary):
            return indices_values
        if isinstance(indices_values, Mapping):
            n = len(indices_values)
            if set(indices_values) != set(range(n)):
                raise ParameterError(
                    "indices_values must map the indices 0 to n-1 to values (the course's "
                    "indices_values, not values_indices)."
                )
            return cls.from_dict({"tokens": [indices_values[i] for i in range(n)]})
        if isinstance(indices_values, Sequence) and not isinstance(indices_values, str):
            return cls.from_dict({"tokens": list(indices_values)})
        raise ParameterError(
            f"{type(indices_values).__name__} is not a vocabulary: give a Vocabulary or the "
            "course's indices_values (index → value)."
        )


def data_processing(
    corpus: Sequence[str],
    values_indices: Mapping[str, int],
    m: int = 60,
    Tx: int = 30,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The course's ``data_processing``: windows of the corpus as one-hot X and shifted Y.

    corpus: grammar values in order. values_indices: value → index (n_values entries).
    m: number of windows (training examples). Tx: window length (time steps).
    seed: the NumPy seed of the window start positions (the course uses 0).

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
        raise ParameterError(
            f"{len(missing)} corpus values are not in values_indices, e.g. '{missing[0]}'."
        )
    indices = np.array([values_indices[t] for t in corpus], dtype=np.int64)
    # The course seeds NumPy's global generator with 0 and draws one start per window with
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


# ---------------------------------------------------------------------------------------
# A source's corpus: solo(s) → grammar values → vocabulary, cached by the file's hash


@dataclass(frozen=True)
class Corpus:
    """The grammar values of one source, ready to train on. Nothing in it can be changed
    (tuples throughout), so one Corpus can be shared by every caller and app visitor.

    name: the source's label. sha256: hash of the file(s) read (the cache key).
    solos: the parsed solos (one, or several for the lead sheets).
    measure_values: the values of each measure, in order (all solos' measures in turn).
    values: the flat corpus (all measures' values in order): what the course calls corpus.
    vocabulary: its unique values, sorted.
    source: what :func:`load_corpus` was given ('metheny', 'leadsheets' or the file's
        path), recorded in models trained on it so that ``generate`` finds its chords.
    """

    name: str
    sha256: str
    solos: tuple[Solo, ...]
    measure_values: tuple[tuple[str, ...], ...]
    values: tuple[str, ...]
    vocabulary: Vocabulary
    source: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "solos", tuple(self.solos))
        object.__setattr__(self, "measure_values", tuple(tuple(m) for m in self.measure_values))
        object.__setattr__(self, "values", tuple(self.values))

    @property
    def chords(self) -> ChordTimeline:
        """The chords of every measure, one set per measure (a new ChordTimeline each call)."""
        return ChordTimeline([chords for solo in self.solos for chords in solo.chords])

    @property
    def n_values(self) -> int:
        return len(self.vocabulary)

    def xy(self, m: int = 60, Tx: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """X (m, Tx, n_values) and Y (Tx, m, n_values) by the course's data_processing."""
        X, Y, _ = data_processing(self.values, self.vocabulary.values_indices, m, Tx, seed)
        return X, Y


# Corpora already read, keyed by the source's contents (SHA-256 of the file, or music21's
# version for its lead sheets) and the options. Sharing them is safe: a Corpus is frozen
# and holds tuples, so no caller (nor app visitor) can change what another one gets.
_CORPUS_CACHE: dict[tuple, Corpus] = {}
_CORPUS_CACHE_SIZE = 16


def clear_corpus_cache() -> None:
    """Forget every corpus read so far: the next :func:`load_corpus` reads its source again."""
    _CORPUS_CACHE.clear()


def _corpus_from_solos(
    name: str, key_hash: str, solos: list[Solo], source: str | None = None
) -> Corpus:
    measure_values = tuple(
        tuple(str(t) for t in measure) for solo in solos for measure in tokenize_solo(solo)
    )
    values = tuple(v for measure in measure_values for v in measure)
    if not values:
        raise MelodyError(
            f"{name} gives no grammar values: choose other measures or another melody part."
        )
    vocabulary = Vocabulary.from_corpus(values)
    return Corpus(name, key_hash, tuple(solos), measure_values, values, vocabulary, source)


def load_corpus(
    source: str | Path | None = None,
    *,
    melody_part: int | str | None = None,
    chord_part: int | str | None = None,
    measures: tuple[int, int] | None = None,
) -> Corpus:
    """Read a source ('metheny', 'leadsheets' or a path) into a :class:`Corpus`.

    melody_part, chord_part: override the automatic choice of parts (index or name) for
    a user's file; measures: (first, last) measure numbers to keep, inclusive.
    A second call with the same file contents and options is served from memory.
    """
    spec = sources.resolve_source(source)
    # the source as models record it: a name stays a name, a file is its path (part of the
    # key, so a corpus read from a path never claims to come from a name, or back)
    named = spec.kind == "leadsheets" or source is None or str(source).strip().lower() == "metheny"
    recorded = spec.kind if named else str(spec.path)
    options = (melody_part, chord_part, tuple(measures) if measures else None, recorded)
    if spec.kind == "leadsheets":
        import music21

        key = ("leadsheets", music21.__version__, LEADSHEET_WORKS, options)
    elif spec.kind == "metheny":  # resolve_source has verified these bytes' SHA-256
        key = (spec.kind, sources.METHENY_SHA256, options)
    else:
        # Key on the bytes' hash: a file already parsed skips the parse (which checks the file).
        key = (spec.kind, sources.music_file_sha256(spec.path), options)
    cached = _CORPUS_CACHE.get(key)
    if cached is not None:
        return cached

    if spec.kind == "leadsheets":
        solos = [leadsheet_solo(work) for work in LEADSHEET_WORKS]
        key_hash = hashlib.sha256(repr(key).encode()).hexdigest()
    elif spec.kind == "metheny" and options[:3] == (None, None, None):
        solos = [metheny_solo(spec.path)]
        key_hash = key[1]
    else:
        solos = [
            load_solo(spec.path, melody_part=melody_part, chord_part=chord_part, measures=measures)
        ]
        key_hash = key[1]
    corpus = _corpus_from_solos(spec.label, key_hash, solos, recorded)

    if len(_CORPUS_CACHE) >= _CORPUS_CACHE_SIZE:
        _CORPUS_CACHE.pop(next(iter(_CORPUS_CACHE)))
    _CORPUS_CACHE[key] = corpus
    return corpus


def load_music_utils(
    source: str | Path | None = None, m: int = 60, Tx: int = 30
) -> tuple[np.ndarray, np.ndarray, int, dict[int, str], ChordTimeline]:
    """The course's ``load_music_utils``: ``(X, Y, n_values, indices_values, chords)``.

    source: None or 'metheny' (the course's solo, downloaded on first use), 'leadsheets'
    (offline), or the path of a MIDI/MusicXML file. X has shape (m, Tx, n_values), Y has
    shape (Tx, m, n_values); on the Metheny file the course prints n_values = 78.
    """
    corpus = load_corpus(source)
    X, Y = corpus.xy(m, Tx)
    return X, Y, corpus.n_values, corpus.vocabulary.indices_values, corpus.chords
