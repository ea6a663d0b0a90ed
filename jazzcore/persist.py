"""Save and load a trained model as one .npz file: five weight arrays and a JSON header.

The file holds nothing but numbers and text: the LSTM and Dense weights (float32 arrays) and
``header``, a JSON document (stored as a NumPy unicode scalar) with the format, the vocabulary, the
training settings (``config``), the data's shape (``data``: m, Tx, n_values), the loss history and
the corpus's source. (Files written before ``data`` was a header entry carry m and Tx inside
``config``; they load the same. ``config`` records ``carry_state`` too, so a model samples as it
was trained, and as ``engine`` the trainer that ran ('numpy' or 'tensorflow',
:attr:`JazzModel.engine`); files without them: the state carried, 'numpy'.) It is read with
``allow_pickle=False`` and every entry is checked before use, so loading a file never executes code
from it: a pickle, a Keras archive with a Lambda, or any other file is refused with a
:class:`~jazzcore.errors.ModelFileError`.

Nothing is unpacked before it is known to fit: the zip's entry count is read from its end
record; the header entry's size is capped (:data:`MAX_HEADER_CHARS`) and its JSON's
brackets are counted and its nesting measured before ``json.loads``; each weight entry's
``.npy`` header (shape, dtype) is read and compared with what the header's vocabulary and
``n_a`` need before its data is inflated, and the whole may unpack to at most
:data:`MAX_UNPACKED_BYTES` and :data:`MAX_PACKING_RATIO` times the file's size (trained
weights hardly compress: a file of zeros that would unpack to 240 MB is refused unread).
The history is at most MAX_EPOCHS entries, the vocabulary's values must be grammar values,
and the corpus's ``source`` is kept only as 'metheny', 'leadsheets' or a corpus record
(names and hashes), never a path.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import re
import zipfile
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .checks import open_zip, read_member
from .dataset import CorpusSource, Vocabulary, describe_source
from .errors import (
    InputFileError,
    JazzcoreError,
    ModelFileError,
    ParameterError,
    SourceError,
    VocabularyMismatchError,
    check_int,
    write_output,
)
from .grammar import GrammarToken
from .model import ENGINES, MAX_EPOCHS, MAX_N_A, MAX_N_VALUES, DataShape, JazzModel, TrainConfig
from .network import LSTMWeights

FORMAT = "jazzcore-lstm"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # n_a = 1024 with 1000 values is about 25 MB
WEIGHT_NAMES = ("kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias")
MAX_UNPACKED_BYTES = 4 * MAX_FILE_BYTES
"""Most bytes a model file may unpack to (its weights and header)."""
MAX_PACKING_RATIO = 16
"""A model unpacking to more than this many times its size (and 16 MB) is refused: trained
float32 weights compress by about 1.1, a file of zeros by 1,000."""
MAX_HEADER_CHARS = 4_000_000
"""Longest JSON header (100,000 values and 5,000 epochs of history take about 2.5 M)."""
MAX_HEADER_BRACKETS = MAX_EPOCHS + 1_000
"""Most JSON objects and arrays in a header (one per epoch of history, a few others)."""
MAX_HEADER_NESTING = 8
"""Deepest nesting of the header's JSON (jazzcore writes 3)."""
MAX_VALUE_CHARS = 64
"""Longest grammar value in a vocabulary ('S,0.250,<m2,P-4>' has 16 characters)."""
MAX_VALUE_QUARTERS = 1024.0
"""Longest duration of a vocabulary's value, in quarter notes."""
_NPY_HEADER_BYTES = 4096  # an .npy entry's own header: jazzcore's are 128 bytes
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def model_bytes(model: JazzModel) -> bytes:
    """The model as the bytes of an .npz file (see :func:`save_model`)."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "n_values": model.n_values,
        "n_a": model.n_a,
        "vocabulary": model.vocabulary.to_dict(),
        "vocabulary_sha256": model.vocabulary.fingerprint(),
        "config": dataclasses.asdict(model.config) | {"engine": model.engine},  # the one that ran
        "data": dataclasses.asdict(model.data_shape),
        "history": [
            {"epoch": h["epoch"], "loss": h["loss"], "accuracy": h.get("accuracy")}
            for h in model.history
        ],
        "source": model.source,
    }
    buffer = io.BytesIO()
    arrays = {
        name: np.asarray(w, dtype=np.float32)
        for name, w in zip(WEIGHT_NAMES, model.weights, strict=True)
    }
    np.savez_compressed(buffer, header=np.array(json.dumps(header)), **arrays)
    return buffer.getvalue()


def save_model(model: JazzModel, path: str | os.PathLike) -> Path:
    """Write the model to ``path`` (an .npz file; folders are made). Returns the path."""
    return write_output(path, model_bytes(model), "model")


def _read_bytes(source: str | os.PathLike | bytes | BinaryIO) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, io.IOBase):  # an open binary file, an upload (a BytesIO)
        try:
            data = source.read(MAX_FILE_BYTES + 1)
        except (OSError, ValueError) as error:
            raise ModelFileError(f"The model file cannot be read: {error}.") from None
        if not isinstance(data, bytes):
            raise ParameterError("load_model needs a file opened in binary mode ('rb').")
        return data
    if not isinstance(source, str | os.PathLike):
        raise ParameterError(
            f"load_model needs a path, the file's bytes or a binary file, not {type(source).__name__}."
        )
    try:
        path = Path(source)
        if not path.is_file():
            raise ModelFileError(f"There is no model file at {path}.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ModelFileError(
                f"{path.name} is {path.stat().st_size / 2**20:.0f} MB: a model file is at most 64 MB."
            )
        return path.read_bytes()
    except (OSError, ValueError) as error:  # a name too long, a NUL byte, no permission …
        reason = getattr(error, "strerror", None) or error
        raise ModelFileError(f"Cannot read the model file at {source}: {reason}.") from None


def _refuse_kind(data: bytes) -> None:
    """Say what a file that is not one of ours is, without unpickling or running anything."""
    if not data:
        raise ModelFileError("The model file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise ModelFileError(
            "The model file is larger than 64 MB: it is not a model saved by jazzcore."
        )
    if data[:1] == b"\x80" or data[:2] in (b"(d", b"(l", b"cc"):
        raise ModelFileError(
            "This is a Python pickle: it is refused, because loading it could run code."
        )
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        raise ModelFileError(
            "This is a Keras HDF5 (.h5) file: load only .npz models saved by jazzcore."
        )
    if not data.startswith(b"PK"):
        raise ModelFileError("This is not a jazzcore model file (.npz).")


def load_model(
    source: str | os.PathLike | bytes | BinaryIO, vocabulary: Vocabulary | None = None
) -> JazzModel:
    """A :class:`~jazzcore.model.JazzModel` from an .npz file saved by :func:`save_model`.

    source: a path, the file's bytes, or a binary file object. vocabulary: the chosen
    corpus's :class:`~jazzcore.dataset.Vocabulary`; if given, a model trained on other
    values raises :class:`~jazzcore.errors.VocabularyMismatchError`.
    """
    if vocabulary is not None and not isinstance(vocabulary, Vocabulary):
        raise ParameterError("vocabulary must be a corpus's Vocabulary (or None).")
    data = _read_bytes(source)
    _refuse_kind(data)
    header, vocab, arrays = _read_entries(data)
    n_values, n_a = len(vocab), arrays[1].shape[0]
    if vocabulary is not None and vocabulary.fingerprint() != vocab.fingerprint():
        shared = len(set(vocabulary.tokens) & set(vocab.tokens))
        raise VocabularyMismatchError(
            f"This model was trained on {n_values} values ({describe_source(_source(header))}); the chosen "
            f"corpus has {len(vocabulary)} values, {shared} in common: choose the model's corpus or train on this one."
        )
    config_data = header.get("config") if isinstance(header.get("config"), dict) else {}
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    settings = {k: v for k, v in config_data.items() if k in fields and isinstance(v, int | float)}
    # The data's shape; files written before it was a header entry keep m and Tx in config.
    shape_data = header.get("data") if isinstance(header.get("data"), dict) else config_data
    try:
        config = TrainConfig(**{**settings, "n_a": n_a})
        data_shape = DataShape(m=shape_data.get("m"), Tx=shape_data.get("Tx"), n_values=n_values)
    except ParameterError as error:
        raise ModelFileError(f"The model file's training settings are refused: {error}") from None
    weights = LSTMWeights(*(np.ascontiguousarray(a, dtype=np.float32) for a in arrays))
    engine = config_data.get("engine") if config_data.get("engine") in ENGINES[1:] else "numpy"
    return JazzModel(
        weights, vocab, config, data_shape, tuple(_history(header)), _source(header), engine
    )


# ---------------------------------------------------------------------------------------
# Reading the entries, each checked before it is unpacked


def _open(data: bytes) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    try:
        archive = open_zip(data, "The model file", max_entries=16)
    except InputFileError as error:
        if "not a readable zip" in str(error):
            raise ModelFileError(
                "The model file is damaged: it is not a readable .npz archive."
            ) from None
        raise ModelFileError(str(error)) from None
    infos = {info.filename: info for info in archive.infolist()}
    if "config.json" in infos or "model.weights.h5" in infos:
        archive.close()
        raise ModelFileError(
            "This is a Keras .keras archive: it is refused (it may hold Lambda code); load .npz models saved by jazzcore."
        )
    expected = {f"{name}.npy" for name in ("header", *WEIGHT_NAMES)}
    if set(infos) != expected:
        archive.close()
        listed = ", ".join(sorted(name[:40] for name in infos)) or "nothing"
        raise ModelFileError(f"This .npz is not a jazzcore model: it holds {listed}.")
    return archive, infos


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple, np.dtype]:
    """(shape, dtype) an entry's .npy header states, read before any of its data."""
    try:
        with archive.open(info) as stream:
            head = io.BytesIO(stream.read(_NPY_HEADER_BYTES))
        version = np.lib.format.read_magic(head)
        reader = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }[version]
        shape, _, dtype = reader(head)
    except Exception:  # a bad magic string, a header that is not a dict, a damaged zip …
        raise ModelFileError(f"The model file's {info.filename} is not a readable array.") from None
    return shape, dtype


def _load_npy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> np.ndarray:
    try:
        entry = read_member(archive, info, cap, "The model file")
        return np.lib.format.read_array(io.BytesIO(entry), allow_pickle=False)
    except InputFileError as error:
        raise ModelFileError(str(error)) from None
    except ValueError as error:
        reason = "it holds pickled objects" if "pickle" in str(error) else "it is malformed"
        raise ModelFileError(f"The model file's {info.filename} is refused: {reason}.") from None
    except Exception:
        raise ModelFileError(f"The model file's {info.filename} cannot be read.") from None


def _parse_header(text: str) -> dict:
    """The header's JSON, once its size, its brackets and their nesting are known to fit."""
    if len(text) > MAX_HEADER_CHARS:
        raise ModelFileError(
            f"The model file's header is longer than {MAX_HEADER_CHARS} characters."
        )
    brackets = "".join(re.findall(r"[\[\]{}]", _STRINGS.sub("", text)))
    if len(brackets) > 2 * MAX_HEADER_BRACKETS:
        raise ModelFileError(
            f"The model file's header holds more than {MAX_HEADER_BRACKETS} lists and records "
            f"(a history of at most {MAX_EPOCHS} epochs has fewer)."
        )
    depth = max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)
    if depth > MAX_HEADER_NESTING:
        raise ModelFileError(
            f"The model file's header nests {depth} deep (at most {MAX_HEADER_NESTING})."
        )
    try:
        header = json.loads(text)
    except (ValueError, RecursionError):
        raise ModelFileError(
            "The model file is refused: its header is not readable JSON."
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(
            "This .npz is not a jazzcore model (its header names no jazzcore format)."
        )
    if header.get("version") != VERSION:
        raise ModelFileError(
            f"The model file has format version {repr(header.get('version'))[:20]}; this jazzcore reads version {VERSION}."
        )
    return header


def _vocabulary(header: dict) -> Vocabulary:
    """The header's vocabulary: 1 to MAX_N_VALUES unique grammar values."""
    try:
        tokens = header["vocabulary"]["tokens"]
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise TypeError
        vocab = Vocabulary.from_dict(header["vocabulary"])
    except (KeyError, TypeError, ValueError, ParameterError):
        raise ModelFileError("The model file's vocabulary is malformed.") from None
    if not 1 <= len(vocab) <= MAX_N_VALUES:
        raise ModelFileError(
            f"The model file's vocabulary has {len(vocab)} values: a model has 1 to {MAX_N_VALUES}."
        )
    for token in vocab.tokens:
        try:
            if len(token) > MAX_VALUE_CHARS:
                raise ParameterError("too long")
            duration = GrammarToken.parse(token).duration
        except JazzcoreError:
            raise ModelFileError(
                f"The model file's vocabulary holds {token[:40]!r}, which is no grammar value."
            ) from None
        if not math.isfinite(duration) or duration > MAX_VALUE_QUARTERS:
            raise ModelFileError(f"The model file's value {token[:40]!r} lasts too long.")
    return vocab


def _read_entries(data: bytes) -> tuple[dict, Vocabulary, list[np.ndarray]]:
    """(header, vocabulary, the five weight arrays) of a model file's bytes, each entry
    checked before it is unpacked (see the module's docstring)."""
    archive, infos = _open(data)
    with archive:
        header_info = infos["header.npy"]
        shape, dtype = _npy_header(archive, header_info)
        if dtype.kind != "U" or shape != ():
            raise ModelFileError("The model file's header is not one JSON text.")
        if dtype.itemsize > 4 * MAX_HEADER_CHARS:
            raise ModelFileError(
                f"The model file's header is longer than {MAX_HEADER_CHARS} characters "
                f"(a history of at most {MAX_EPOCHS} epochs is shorter)."
            )
        header_array = _load_npy(archive, header_info, _NPY_HEADER_BYTES + dtype.itemsize)
        header = _parse_header(str(header_array[()]))
        vocab = _vocabulary(header)
        try:
            n_a = check_int("n_a", header.get("n_a"), 1, MAX_N_A)
        except ParameterError as error:
            raise ModelFileError(f"The model file's {error}") from None
        needs = []
        for name, wanted in zip(WEIGHT_NAMES, LSTMWeights.shapes(len(vocab), n_a), strict=True):
            info = infos[f"{name}.npy"]
            shape, dtype = _npy_header(archive, info)
            if dtype.hasobject:
                raise ModelFileError(
                    f"The model file is refused: its {name} holds pickled objects, which could run code."
                )
            if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8) or shape != wanted:
                raise ModelFileError(
                    f"The model file's {name} has shape {shape} ({dtype}); {len(vocab)} values and n_a = {n_a} need {wanted}."
                )
            needs.append((info, _NPY_HEADER_BYTES + math.prod(shape) * dtype.itemsize))
        unpacked = header_info.file_size + sum(size for _, size in needs)
        if unpacked > MAX_UNPACKED_BYTES or (
            unpacked > 16 * 2**20 and unpacked > MAX_PACKING_RATIO * len(data)
        ):
            raise ModelFileError(
                f"The model file would unpack to {unpacked / 2**20:.0f} MB, "
                f"{unpacked / len(data):.0f} times its size: it is not a trained model."
            )
        arrays = []
        for info, size in needs:
            array = _load_npy(archive, info, size)
            if not np.isfinite(array).all():
                raise ModelFileError(
                    f"The model file's {info.filename[:-4]} holds NaN or infinite numbers."
                )
            arrays.append(array)
    return header, vocab, arrays


def _history(header: dict) -> list[dict]:
    """The header's history: at most MAX_EPOCHS entries of epoch, loss and accuracy."""
    found = header.get("history") if isinstance(header.get("history"), list) else []
    kept = [h for h in found[:MAX_EPOCHS] if isinstance(h, dict) and _real(h.get("loss"))]
    return [
        {
            "epoch": h["epoch"] if isinstance(h.get("epoch"), int) else k + 1,
            "loss": float(h["loss"]),
            "accuracy": float(h["accuracy"]) if _real(h.get("accuracy")) else None,
        }
        for k, h in enumerate(kept)
    ]


def _real(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _source(header: dict) -> str | None:
    """The corpus a header records, as 'metheny', 'leadsheets' or a corpus record (names and
    hashes); None for anything else — a path is never handed on."""
    text = header.get("source")
    if not isinstance(text, str):
        return None
    if text.strip().lower() in ("metheny", "leadsheets"):
        return text.strip().lower()
    try:
        return CorpusSource.from_record(text).record()
    except SourceError:
        return None


__all__ = ["save_model", "load_model", "model_bytes", "FORMAT", "VERSION"]
