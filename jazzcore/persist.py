"""Save and load a trained model as one .npz file: five weight arrays and a JSON header.

The file holds nothing but numbers and text: the LSTM and Dense weights (float32 arrays)
and ``header``, a JSON document (stored as a NumPy unicode scalar) with the format, the
vocabulary, the training settings (``config``), the data's shape (``data``: m, Tx,
n_values), the loss history and the corpus's source. (Files written before ``data`` was a
header entry carry m and Tx inside ``config``; they load the same. ``config`` records
``carry_state`` too, so a model samples as it was trained; files without it carried the
state.) It is read with
``allow_pickle=False`` and every entry is checked before use, so loading a file never
executes code from it: a pickle, a Keras archive with a Lambda, or any other file is
refused with a :class:`~jazzcore.errors.ModelFileError`.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .dataset import Vocabulary, describe_source
from .errors import (
    ModelFileError,
    ParameterError,
    VocabularyMismatchError,
    write_output,
)
from .model import DataShape, JazzModel, TrainConfig
from .network import LSTMWeights

FORMAT = "jazzcore-lstm"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # n_a = 1024 with 1000 values is about 25 MB
WEIGHT_NAMES = ("kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias")


def model_bytes(model: JazzModel) -> bytes:
    """The model as the bytes of an .npz file (see :func:`save_model`)."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "n_values": model.n_values,
        "n_a": model.n_a,
        "vocabulary": model.vocabulary.to_dict(),
        "vocabulary_sha256": model.vocabulary.fingerprint(),
        "config": dataclasses.asdict(model.config),
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
        return source.read(MAX_FILE_BYTES + 1)
    path = Path(source)
    if not path.is_file():
        raise ModelFileError(f"There is no model file at {path}.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ModelFileError(
            f"{path.name} is {path.stat().st_size / 2**20:.0f} MB: a model file is at most 64 MB."
        )
    return path.read_bytes()


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
    data = _read_bytes(source)
    _refuse_kind(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {info.filename: info.file_size for info in archive.infolist()}
    except zipfile.BadZipFile:
        raise ModelFileError(
            "The model file is damaged: it is not a readable .npz archive."
        ) from None
    if "config.json" in names or "model.weights.h5" in names:
        raise ModelFileError(
            "This is a Keras .keras archive: it is refused (it may hold Lambda code); load .npz models saved by jazzcore."
        )
    expected = {f"{name}.npy" for name in ("header", *WEIGHT_NAMES)}
    if set(names) != expected:
        raise ModelFileError(
            f"This .npz is not a jazzcore model: it holds {', '.join(sorted(names)) or 'nothing'}."
        )
    if sum(names.values()) > 4 * MAX_FILE_BYTES:
        raise ModelFileError(
            "The model file unpacks to more than 256 MB: it is not a model saved by jazzcore."
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            header_array = npz["header"]
            arrays = [npz[name] for name in WEIGHT_NAMES]
        header = json.loads(str(header_array[()]))
    except ValueError as error:  # pickled object arrays, bad headers, bad JSON
        reason = (
            "it holds pickled objects" if "pickle" in str(error) else "its contents are malformed"
        )
        raise ModelFileError(f"The model file is refused: {reason}.") from None
    except (OSError, zipfile.BadZipFile, EOFError):
        raise ModelFileError("The model file is damaged: an entry cannot be read.") from None

    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(
            "This .npz is not a jazzcore model (its header names no jazzcore format)."
        )
    if header.get("version") != VERSION:
        raise ModelFileError(
            f"The model file has format version {header.get('version')!r}; this jazzcore reads version {VERSION}."
        )
    try:
        vocab = Vocabulary.from_dict(header["vocabulary"])
        n_values, n_a = len(vocab), int(header["n_a"])
    except (KeyError, TypeError, ValueError, ParameterError):
        raise ModelFileError("The model file's vocabulary is malformed.") from None
    shapes = LSTMWeights.shapes(n_values, n_a)
    for name, array, shape in zip(WEIGHT_NAMES, arrays, shapes, strict=True):
        if array.dtype.kind != "f" or array.shape != shape:
            raise ModelFileError(
                f"The model file's {name} has shape {array.shape} ({array.dtype}); {n_values} values and n_a = {n_a} need {shape}."
            )
        if not np.isfinite(array).all():
            raise ModelFileError(f"The model file's {name} holds NaN or infinite numbers.")
    if vocabulary is not None and vocabulary.fingerprint() != vocab.fingerprint():
        shared = len(set(vocabulary.tokens) & set(vocab.tokens))
        raise VocabularyMismatchError(
            f"This model was trained on {n_values} values ({describe_source(header.get('source'))}); the chosen "
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
    history_data = header.get("history") if isinstance(header.get("history"), list) else []
    history = [
        h for h in history_data if isinstance(h, dict) and isinstance(h.get("loss"), int | float)
    ]
    source = header.get("source") if isinstance(header.get("source"), str) else None
    weights = LSTMWeights(*(np.ascontiguousarray(a, dtype=np.float32) for a in arrays))
    return JazzModel(weights, vocab, config, data_shape, tuple(history), source)


__all__ = ["save_model", "load_model", "model_bytes", "FORMAT", "VERSION"]
