"""Source → corpus → vocabulary → training tensors X and Y, as the course builds them.

The corpus is the list of grammar values (strings such as ``'C,0.250'``) of one solo, or
of several (a folder or zip of files, music21's lead sheets) one after the other, in
order. The vocabulary is its unique values in sorted order (the course used a Python set,
whose order changes from run to run). X and Y follow the course's ``data_processing``:

* ``X`` has shape (m, Tx, n_values): m windows of Tx values taken at random (seeded) start
  positions, one-hot; ``X[i, 0]`` is all zeros (the "start" input);
* ``Y`` has shape (Ty = Tx, m, n_values): ``Y[t-1, i] = X[i, t]``, the value that follows,
  and ``Y[Tx-1]`` is all zeros (nothing follows the window).

A window never runs from the end of one solo into the start of the next: a phrase that
joins two tunes is none a musician plays. With one solo the windows are the course's.

A :class:`CorpusSource` records what a corpus was read from — the files' names and SHA-256,
the parts and measures read, never a path — and a trained model keeps it
(``JazzModel.source``), so that ``load_corpus(model.source)`` finds its chords again.

Where a recorded file is looked for (the rule): a model file is data, not a pointer. Its
record names each file by content, and the bytes are looked for only in

1. jazzcore's store, ``<cache>/uploads/<sha256[:16]>.<ext>`` (:func:`jazzcore.sources.store_file`):
   the app keeps its uploads there, and :func:`load_corpus` keeps there a copy of each
   file a corpus is read from, so a model trained from the CLI finds its files again;
2. the course's Metheny download (its SHA-256 is known);
3. the files, folders and archives the caller names now (``load_corpus(record,
   search=[...])``; the CLI's ``generate --source``).

A file found there is used only if its bytes have the recorded SHA-256, and they are read
like any upload (checked, then parsed in the sandbox). No path written in a model file is
ever opened: a record that names one (older models) has it ignored; a model whose source is
a bare path records no corpus (``persist.load_model`` drops it).

Why this module is long: it is the one place where a source becomes training data — the
vocabulary, the windows, the record of the source and its reading belong together, and
the record must be read back by the same code that wrote it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import sources
from .errors import (
    InputFileError,
    JazzcoreError,
    MelodyError,
    OutputError,
    ParameterError,
    SourceError,
    check_int,
)
from .grammar import tokenize_solo
from .readers import (
    LEADSHEET_WORKS,
    clear_music_cache,
    leadsheet_solo,
    load_solo,
    metheny_solo,
    read_music,
)
from .readers.assemble import check_measure_range
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


MAX_M = 10_000
"""Most training windows (m) data_processing makes."""
MAX_TX = 1_000
"""Most time steps per window (Tx)."""
MAX_SEED = 2**32 - 1
"""Largest seed NumPy's RandomState takes."""
MAX_XY_CELLS = 25_000_000
"""Most cells of X (m × Tx × n_values, float32, and as many in Y): 100 MB each."""


def window_starts(lengths: Sequence[int], m: int, Tx: int, seed: int = 0) -> np.ndarray:
    """Start positions (in the whole corpus) of m windows of Tx values, none of which
    crosses from one solo into the next: int array of shape (m,).

    lengths: the number of values of each solo, in corpus order. Every start whose window
    lies inside one solo is equally likely: the k-th draw of ``RandomState(seed).choice(n)``
    picks the k-th such start (n of them). With one solo this is the course's draw,
    ``np.random.seed(0); np.random.choice(len(corpus) - Tx)`` per window.
    """
    valid = [max(0, length - Tx) for length in lengths]
    total = sum(valid)
    if total == 0:
        longest = max(lengths, default=0)
        what = "The corpus has" if len(lengths) == 1 else "Its longest solo has"
        raise ParameterError(
            f"{what} {longest} values, too few for windows of Tx = {Tx}: "
            "choose a smaller Tx or a longer solo."
        )
    rng = np.random.RandomState(seed)
    draws = np.array([rng.choice(total) for _ in range(m)], dtype=np.int64)
    # draw d falls in the solo whose valid starts cover it; shift it to that solo's start
    firsts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    covered = np.cumsum(valid)
    solo = np.searchsorted(covered, draws, side="right")
    before = covered - np.asarray(valid)
    return firsts[solo] + (draws - before[solo])


def data_processing(
    corpus: Sequence[str],
    values_indices: Mapping[str, int],
    m: int = 60,
    Tx: int = 30,
    seed: int = 0,
    *,
    lengths: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The course's ``data_processing``: windows of the corpus as one-hot X and shifted Y.

    corpus: grammar values in order. values_indices: value → index (n_values entries).
    m: number of windows (training examples). Tx: window length (time steps).
    seed: the NumPy seed of the window start positions (the course uses 0).
    lengths: the values of each solo of the corpus, in order (None: one solo); no
    window crosses from one solo into the next (:func:`window_starts`).

    Returns X of shape (m, Tx, n_values), Y of shape (Tx, m, n_values), both float32 0/1,
    and n_values. X[i, 0] is zero; X[i, t] is the one-hot of the window's value t;
    Y[t - 1, i] = X[i, t]; Y[Tx - 1] is zero.
    """
    if not isinstance(values_indices, Mapping):
        raise ParameterError("values_indices must map each value to its index.")
    n_values = len(values_indices)
    m = check_int("m", m, 1, MAX_M)
    Tx = check_int("Tx", Tx, 2, MAX_TX)
    seed = check_int("seed", seed, 0, MAX_SEED)
    if m * Tx * n_values > MAX_XY_CELLS:
        raise ParameterError(
            f"m · Tx · n_values = {m} · {Tx} · {n_values} one-hot cells is too big to hold in "
            f"memory (at most {MAX_XY_CELLS:,}, {4 * MAX_XY_CELLS // 2**20} MB for X and as "
            "much for Y): choose fewer windows or fewer time steps."
        )
    lengths = [len(corpus)] if lengths is None else list(lengths)
    if sum(lengths) != len(corpus):
        raise ParameterError(
            f"The solos' lengths add up to {sum(lengths)}, not the corpus's {len(corpus)} values."
        )
    missing = [t for t in set(corpus) if t not in values_indices]
    if missing:
        raise ParameterError(
            f"{len(missing)} corpus values are not in values_indices, e.g. '{missing[0]}'."
        )
    starts = window_starts(lengths, m, Tx, seed)
    indices = np.array([values_indices[t] for t in corpus], dtype=np.int64)
    windows = indices[starts[:, None] + np.arange(Tx)[None, :]]  # (m, Tx)
    X = np.zeros((m, Tx, n_values), dtype=np.float32)
    rows, steps = np.meshgrid(np.arange(m), np.arange(1, Tx), indexing="ij")
    X[rows, steps, windows[:, 1:]] = 1.0
    Y = np.zeros((Tx, m, n_values), dtype=np.float32)
    Y[: Tx - 1] = np.swapaxes(X[:, 1:, :], 0, 1)
    return X, Y, n_values


# ---------------------------------------------------------------------------------------
# Where a corpus comes from: a record a model keeps, to find its chords again


@dataclass(frozen=True)
class SourceFile:
    """One file a corpus was read from, named by content.

    name: its file name (for a zip member, its path inside the archive), for people.
    sha256: hash of its bytes: how it is found again. member: its path inside the zip
    archive it came from, '' for a plain file (for people too).
    """

    name: str
    sha256: str
    member: str = ""

    @classmethod
    def from_dict(cls, data) -> SourceFile:
        """A SourceFile from a record's entry (a 'path' an older record has is ignored)."""
        sha = data["sha256"]
        if not isinstance(sha, str) or len(sha) != 64 or sha.strip("0123456789abcdef"):
            raise ValueError("not a SHA-256")
        return cls(str(data["name"])[:255], sha, str(data.get("member", ""))[:255])


@dataclass(frozen=True)
class CorpusSource:
    """Everything needed to read a corpus again, as a model records it (``JazzModel.source``).

    kind: 'metheny' (the course's 18 measures of the Metheny file), 'leadsheets' (music21's
    lead sheets) or 'files' (files, a folder, zip archives; the Metheny file read as a whole
    song is 'files' too). files: the files read, in corpus order (a folder or archive
    listed file by file). melody_part, chord_part, measures: the reading's options (None:
    automatic, everything). whole_song: the course's Metheny file read as a whole song by
    the general reader instead of the course's recipe.
    """

    kind: str
    files: tuple[SourceFile, ...] = ()
    melody_part: int | str | None = None
    chord_part: int | str | None = None
    measures: tuple[int, int] | None = None
    whole_song: bool = False

    FORMAT = "jazzcore-corpus"

    def record(self) -> str:
        """The text a model keeps: 'metheny' or 'leadsheets', else a JSON document."""
        if self.kind in ("metheny", "leadsheets"):
            return self.kind
        return json.dumps(
            {
                "format": self.FORMAT,
                "version": 1,
                "kind": self.kind,
                "files": [dataclasses.asdict(f) for f in self.files],
                "melody_part": self.melody_part,
                "chord_part": self.chord_part,
                "measures": list(self.measures) if self.measures else None,
                "whole_song": self.whole_song,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_record(cls, text: str) -> CorpusSource:
        """The CorpusSource a model's ``source`` records ('metheny', 'leadsheets' or JSON).
        SourceError if it is none of these (a path: give it to :func:`load_corpus`)."""
        if text.strip().lower() in ("metheny", "leadsheets"):
            return cls(text.strip().lower())
        try:
            if len(text) > MAX_RECORD_CHARS:
                raise ValueError("too long")
            data = json.loads(text)
            if data.get("format") != cls.FORMAT or data.get("kind") != "files":
                raise ValueError
            files = data["files"]
            if not isinstance(files, list) or not 1 <= len(files) <= sources.MAX_CORPUS_FILES:
                raise ValueError
            parts = (data.get("melody_part"), data.get("chord_part"))
            if any(
                p is not None and (isinstance(p, bool) or not isinstance(p, int | str))
                for p in parts
            ):
                raise ValueError
            measures = data.get("measures")
            return cls(
                "files",
                tuple(SourceFile.from_dict(f) for f in files),
                *parts,
                check_measure_range(tuple(measures)) if measures else None,
                bool(data.get("whole_song", False)),
            )
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            raise SourceError(
                "The corpus record is not one jazzcore wrote: give the source again."
            ) from None

    def describe(self) -> str:
        """A line for people: 'Just Friends.mid; melody part Flute; measures 4–20'."""
        if self.kind == "metheny":
            return sources.METHENY_LABEL
        if self.kind == "leadsheets":
            return LEADSHEETS_LABEL
        names = [f.name for f in self.files]
        text = names[0] if len(names) == 1 else f"{len(names)} files ({', '.join(names[:3])}"
        text += "" if len(names) == 1 else (", …)" if len(names) > 3 else ")")
        if self.whole_song:
            text += ", the whole song"
        if self.melody_part is not None:
            text += f"; melody part {self.melody_part}"
        if self.chord_part is not None:
            text += f"; chords from {self.chord_part}"
        if self.measures:
            text += f"; measures {self.measures[0]}–{self.measures[1]}"
        return text


LEADSHEETS_LABEL = "Lead sheets from music21's corpus (offline)"
MAX_RECORD_CHARS = 1_000_000
"""Longest corpus record read (200 files of long names are about 100,000 characters)."""


def describe_source(record: str | None) -> str:
    """A line for people about what a model's ``source`` records: 'metheny', 'leadsheets',
    a JSON record or (older models) a path; 'an unknown corpus' for None."""
    if not record:
        return "an unknown corpus"
    try:
        return CorpusSource.from_record(record).describe()
    except SourceError:
        return record  # a path, as older models kept it


_Document = tuple[SourceFile, bytes]


def _documents_at(path: Path) -> list[_Document]:
    """The music files at a path the caller gave: a file, a folder's files, a zip's members."""
    path = sources.as_path(path)
    if path.is_dir():
        return [doc for file in sources.folder_files(path) for doc in _documents_at(file)]
    path, data = sources.read_checked(path)
    if sources.file_kind(data, path.name) == "zip":
        return [
            (SourceFile(member, sources.sha256_of(member_data), member), member_data)
            for member, member_data in sources.archive_members(data, path.name)
        ]
    return [(SourceFile(path.name, sources.sha256_of(data)), data)]


def _stored(candidate: Path, sha256: str) -> bytes | None:
    """The bytes of a file in the store if they have this SHA-256 (None otherwise)."""
    try:
        _, data = sources.read_checked(candidate)
    except JazzcoreError:
        return None
    return data if sources.sha256_of(data) == sha256 else None


def find_file(file: SourceFile, search: Sequence[str | Path] = ()) -> bytes:
    """A recorded file's bytes, by its SHA-256: from the store, the course's download (the
    Metheny bytes) or the places the caller names (``search``) — see the module's rule.
    SourceError if it is in none of them."""
    for candidate in sources.stored_files(file.sha256):
        data = _stored(candidate, file.sha256)
        if data is not None:
            return data
    if file.sha256 == sources.METHENY_SHA256:
        return sources.metheny_path().read_bytes()
    for place in search:
        for found, data in _documents_at(place):
            if found.sha256 == file.sha256:
                return data
    raise SourceError(
        f"{file.name}, a file of this corpus (SHA-256 {file.sha256[:12]}…), is not in "
        f"jazzcore's store ({sources.store_dir()}) nor where you pointed: give its file, "
        "folder or archive (generate --source PATH, or load_corpus(…, search=[PATH]))."
    )


def _keep(docs: list[_Document]) -> None:
    """Keep the files a corpus was read from in the store (best effort: a read-only cache
    only means the files must be named again later)."""
    for _, data in docs:
        try:
            sources.store_file(data)
        except (OutputError, JazzcoreError):
            pass


# ---------------------------------------------------------------------------------------
# A source's corpus: solo(s) → grammar values → vocabulary


@dataclass(frozen=True)
class Corpus:
    """The grammar values of one source, ready to train on. Nothing in it can be changed
    (tuples throughout), so one Corpus can be shared by every caller and app visitor.

    name: the source's label. sha256: hash of the file read (of the files' hashes, for
    several). solos: the parsed solos, one per file (four for the lead sheets).
    measure_values: the values of each measure, in order (all solos' measures in turn).
    values: the flat corpus (all measures' values in order): what the course calls corpus.
    vocabulary: its unique values, sorted. source: the record of :class:`CorpusSource`
    (``CorpusSource.record()``), kept in models trained on it so that ``generate`` finds
    its chords again: ``load_corpus(model.source)``. skipped: 'file: reason' for each file
    of a folder or archive that gave no solo.
    """

    name: str
    sha256: str
    solos: tuple[Solo, ...]
    measure_values: tuple[tuple[str, ...], ...]
    values: tuple[str, ...]
    vocabulary: Vocabulary
    source: str | None = None
    skipped: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "solos", tuple(self.solos))
        object.__setattr__(self, "measure_values", tuple(tuple(m) for m in self.measure_values))
        object.__setattr__(self, "values", tuple(self.values))
        object.__setattr__(self, "skipped", tuple(self.skipped))

    @property
    def chords(self) -> ChordTimeline:
        """The chords of every measure, one set per measure (a new ChordTimeline each call)."""
        return ChordTimeline([chords for solo in self.solos for chords in solo.chords])

    @property
    def n_values(self) -> int:
        return len(self.vocabulary)

    @property
    def solo_lengths(self) -> tuple[int, ...]:
        """The number of values of each solo, in order."""
        lengths, k = [], 0
        for solo in self.solos:
            count = len(solo.measures)
            lengths.append(sum(len(m) for m in self.measure_values[k : k + count]))
            k += count
        return tuple(lengths)

    def xy(self, m: int = 60, Tx: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """X (m, Tx, n_values) and Y (Tx, m, n_values) by the course's data_processing; no
        window runs from the end of one solo into the start of the next."""
        X, Y, _ = data_processing(
            self.values, self.vocabulary.values_indices, m, Tx, seed, lengths=self.solo_lengths
        )
        return X, Y


# Corpora already read, keyed by their CorpusSource (which names the files' hashes and
# the options). Sharing them is safe: a Corpus is frozen and holds tuples. The parsing of
# each file is shared further down, by its bytes (jazzcore.readers.read_music).
_CORPUS_CACHE: dict[tuple, Corpus] = {}
MAX_READ_SECONDS = 90.0
"""The longest the files of one corpus are read for: each file has the sandbox's budget
(seconds), and a folder or archive of files that each use it up must not hold a parser
(and, in the app, a shared server's sandbox) for minutes."""
_CORPUS_CACHE_SIZE = 16
_CORPUS_CACHE_VALUES = 1_000_000  # grammar values kept in all (a value costs ~0.5 KB)


def clear_corpus_cache() -> None:
    """Forget every corpus and file read so far: the next :func:`load_corpus` reads again."""
    _CORPUS_CACHE.clear()
    clear_music_cache()


def _corpus_from_solos(
    name: str, key_hash: str, solos: list[Solo], source: str, skipped=()
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
    return Corpus(name, key_hash, tuple(solos), measure_values, values, vocabulary, source, skipped)


def _course_recipe(record: CorpusSource, file: SourceFile) -> bool:
    """The course's Metheny bytes, read with no option: the course's 18 measures."""
    options = (record.melody_part, record.chord_part, record.measures)
    return (
        file.sha256 == sources.METHENY_SHA256
        and not record.whole_song
        and options
        == (
            None,
            None,
            None,
        )
    )


def _solo_of(record: CorpusSource, file: SourceFile, data: bytes) -> Solo:
    if _course_recipe(record, file):
        return metheny_solo(data)
    return load_solo(
        read_music(data, file.name),
        melody_part=record.melody_part,
        chord_part=record.chord_part,
        measures=record.measures,
    )


def _check_source(source) -> None:
    """ParameterError unless ``source`` is one of the types load_corpus takes."""
    paths = source if isinstance(source, list | tuple) else [source]
    if len(paths) > sources.MAX_CORPUS_FILES:
        raise ParameterError(
            f"{len(paths)} sources: at most {sources.MAX_CORPUS_FILES} make one corpus."
        )
    for path in paths:
        if path is not None and not isinstance(path, str | os.PathLike | CorpusSource):
            raise ParameterError(
                f"A source is 'metheny', 'leadsheets', a path or a model's record, not "
                f"{type(path).__name__}."
            )


def _check_options(options: dict) -> None:
    for role in ("melody_part", "chord_part"):
        part = options[role]
        if part is not None and (isinstance(part, bool) or not isinstance(part, int | str)):
            raise ParameterError(f"{role}={part!r} is neither a part index nor a part name.")
        if isinstance(part, str) and len(part) > 200:
            raise ParameterError(f"{role} is a name of {len(part)} characters: no part has it.")
    options["measures"] = check_measure_range(options["measures"])
    if not isinstance(options["whole_song"], bool):
        raise ParameterError(f"whole_song={options['whole_song']!r} must be True or False.")


def _gather(
    source, options: dict, search: Sequence[str | Path] = ()
) -> tuple[CorpusSource, list[_Document], str]:
    """(the record, the files' bytes, a label) of what :func:`load_corpus` was given; in
    the label, "{n}" stands for the number of files that give a solo."""
    if isinstance(source, CorpusSource) or (
        isinstance(source, str) and source.lstrip().startswith("{")
    ):
        record = source if isinstance(source, CorpusSource) else CorpusSource.from_record(source)
        if any(value not in (None, False) for value in options.values()):
            raise ParameterError(
                "A recorded corpus source already says how it is read: give no part or "
                "measure options with it."
            )
        if record.kind in ("metheny", "leadsheets"):
            return _gather(record.kind, options)
        docs = [(file, find_file(file, search)) for file in record.files]
        return record, docs, record.files[0].name if len(docs) == 1 else "{n} files"
    paths = list(source) if isinstance(source, list | tuple) else [source]
    if not paths:
        raise SourceError("No source given: name at least one file, folder or archive.")
    chosen = any(value not in (None, False) for value in options.values())
    spec = None
    if len(paths) == 1:
        spec = sources.resolve_source(paths[0])
        if spec.kind == "leadsheets":
            return CorpusSource("leadsheets"), [], spec.label
        named = paths[0] is None or str(paths[0]).strip().lower() == "metheny"
        if named and not chosen:  # the course's file by its name: the course's reading
            file = SourceFile(spec.path.name, sources.METHENY_SHA256)
            return CorpusSource("metheny"), [(file, spec.path.read_bytes())], spec.label
        paths = [spec.path]
    docs = [doc for path in paths for doc in _documents_at(Path(path).expanduser())]
    if spec is None:
        label = "{n} files"
    elif spec.kind in ("folder", "archive"):
        label = spec.label + " ({n} files)"
    else:
        whole = spec.kind == "metheny" and chosen
        label = sources.METHENY_WHOLE_LABEL if whole else spec.label
    return CorpusSource("files", tuple(file for file, _ in docs), **options), docs, label


def load_corpus(
    source: str | Path | Sequence[str | Path] | CorpusSource | None = None,
    *,
    melody_part: int | str | None = None,
    chord_part: int | str | None = None,
    measures: tuple[int, int] | None = None,
    whole_song: bool = False,
    search: Sequence[str | Path] = (),
) -> Corpus:
    """Read a source into a :class:`Corpus`.

    source: 'metheny' (or None: the course's file, downloaded on first use), 'leadsheets',
    the path of a MIDI/MusicXML file, of a folder of them or of a .zip of them, a list of
    such paths (one corpus of all their files), or what a model recorded (its ``source``:
    a :class:`CorpusSource` record, or the path older models kept).
    melody_part, chord_part: the parts to read (index or name), for every file; None
    chooses them as a musician would. measures: (first, last) measure numbers to keep.
    whole_song: read the course's Metheny file as a whole song with the general reader.
    search: files, folders or archives where a recorded corpus's files may be (see the
    module's rule: a record is found by content, in the store and there only).

    The course's Metheny file is known by its bytes (SHA-256), whatever it is called:
    read with no option, it gives the course's 18 measures. In a folder or archive, a
    file that gives no solo is left out and named in ``Corpus.skipped``. The same files
    with the same options are served from memory. Each user file read is kept in the
    store (see :func:`jazzcore.sources.store_file`). Every file but the course's verified
    Metheny bytes is parsed in the sandbox (:func:`jazzcore.readers.read_music`).
    """
    _check_source(source)
    search = [search] if isinstance(search, str | os.PathLike) else search
    if not isinstance(search, list | tuple):
        raise ParameterError("search must be a list of files, folders or archives.")
    _check_source(search)
    options = {
        "melody_part": melody_part,
        "chord_part": chord_part,
        "measures": measures,
        "whole_song": whole_song,
    }
    _check_options(options)
    record, docs, label = _gather(source, options, search)
    key = (record.record(),)
    cached = _CORPUS_CACHE.get(key)
    if cached is not None:
        return cached

    skipped = []
    if record.kind == "leadsheets":
        import music21

        solos = [leadsheet_solo(work) for work in LEADSHEET_WORKS]
        key_hash = hashlib.sha256(f"{music21.__version__} {LEADSHEET_WORKS}".encode()).hexdigest()
    else:
        solos, kept = [], []
        started = time.monotonic()
        for done, (file, data) in enumerate(docs):
            if done and time.monotonic() - started > MAX_READ_SECONDS:
                what = label.replace("{n}", str(len(docs)))
                raise InputFileError(
                    f"Reading {what} took over {MAX_READ_SECONDS:.0f} s ({done} of "
                    f"{len(docs)} files read, {len(skipped)} refused): split it into smaller "
                    "corpora or leave out the files that are not solos."
                )
            try:
                solos.append(_solo_of(record, file, data))
                kept.append(file)
            except JazzcoreError as error:
                if len(docs) == 1:
                    raise
                skipped.append(f"{file.name}: {error}")
        if not solos:
            what = label.replace("{n}", str(len(docs)))
            raise MelodyError(f"No file of {what} gives a solo; the first says: {skipped[0]}")
        if record.kind == "files":
            record = dataclasses.replace(record, files=tuple(kept))
            _keep([doc for doc in docs if doc[0] in kept])
        shas = [file.sha256 for file in kept]
        key_hash = (
            shas[0] if len(shas) == 1 else hashlib.sha256(" ".join(shas).encode()).hexdigest()
        )
    name = label.replace("{n}", str(len(solos)))
    if skipped:
        name = (
            name[:-1] + f", {len(skipped)} skipped)"
            if name.endswith(")")
            else f"{name}, {len(skipped)} skipped"
        )
    corpus = _corpus_from_solos(name, key_hash, solos, record.record(), skipped)

    _CORPUS_CACHE[key] = corpus
    while len(_CORPUS_CACHE) > 1 and (
        len(_CORPUS_CACHE) > _CORPUS_CACHE_SIZE
        or sum(len(c.values) for c in _CORPUS_CACHE.values()) > _CORPUS_CACHE_VALUES
    ):
        _CORPUS_CACHE.pop(next(iter(_CORPUS_CACHE)))
    return corpus


def load_music_utils(
    source: str | Path | None = None, m: int = 60, Tx: int = 30
) -> tuple[np.ndarray, np.ndarray, int, dict[int, str], ChordTimeline]:
    """The course's ``load_music_utils``: ``(X, Y, n_values, indices_values, chords)``.

    source: None or 'metheny' (the course's solo, downloaded on first use), 'leadsheets'
    (offline), or any source :func:`load_corpus` reads. X has shape (m, Tx, n_values), Y
    has shape (Tx, m, n_values); on the Metheny file the course prints n_values = 78.
    """
    corpus = load_corpus(source)
    X, Y = corpus.xy(m, Tx)
    return X, Y, corpus.n_values, corpus.vocabulary.indices_values, corpus.chords
