"""Saving and loading models: a faithful round trip, and no code ever runs from a file."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from jazzcore.dataset import Vocabulary
from jazzcore.errors import ModelFileError, OutputError, VocabularyMismatchError
from jazzcore.model import DataShape, TrainConfig
from jazzcore.persist import load_model, model_bytes, save_model
from jazzcore.training import train


@pytest.fixture(scope="module")
def model(metheny_xy):
    X, Y, indices_values = metheny_xy
    config = TrainConfig(epochs=20, n_a=16, seed=4, learning_rate=0.02, batch_size=32)
    return train(X, Y, indices_values, config, source="metheny")


def rewritten(file_bytes: bytes, /, **changes) -> bytes:
    """The model file ``file_bytes`` with its arrays or its header's entries changed (a value of
    None removes a header entry)."""
    good = np.load(io.BytesIO(file_bytes))
    arrays = {name: good[name] for name in good.files}
    header = json.loads(str(arrays.pop("header")[()]))
    for key, value in changes.items():
        if key in arrays:
            arrays[key] = value
        elif value is None:
            header.pop(key, None)
        else:
            header[key] = value
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array(json.dumps(header)), **arrays)
    return buffer.getvalue()


def test_round_trip_keeps_weights_vocabulary_settings_history(model, tmp_path):
    path = save_model(model, tmp_path / "sub" / "model.npz")
    loaded = load_model(path, vocabulary=model.vocabulary)
    assert all(np.array_equal(a, b) for a, b in zip(model.weights, loaded.weights, strict=True))
    assert loaded.vocabulary == model.vocabulary and loaded.n_a == 16 and loaded.n_values == 78
    assert (
        loaded.config
        == model.config
        == TrainConfig(epochs=20, n_a=16, seed=4, learning_rate=0.02, batch_size=32)
    )
    assert loaded.data_shape == model.data_shape == DataShape(m=60, Tx=30, n_values=78)
    assert [h["loss"] for h in loaded.history] == [h["loss"] for h in model.history]
    assert loaded.source == "metheny"
    assert np.array_equal(
        loaded.sample(50, temperature=1.0, seed=2), model.sample(50, temperature=1.0, seed=2)
    )


def test_bytes_and_file_objects_load_too(model):
    data = model_bytes(model)
    assert len(data) < 300_000  # the course's 64-unit model is ~160 KB; this 16-unit one far less
    assert load_model(data).n_a == 16
    assert load_model(io.BytesIO(data)).n_a == 16


def test_another_corpus_is_a_vocabulary_mismatch(model):
    other = Vocabulary(("C,0.250", "R,0.500"), (1, 1))
    with pytest.raises(VocabularyMismatchError, match="78 values") as error:
        load_model(model_bytes(model), vocabulary=other)
    assert "\n" not in str(error.value)


class _Trap:
    """Unpickling this would create a file: the test checks that it never happens."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_a_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps(_Trap(marker))
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(data)
    assert not marker.exists()


def test_an_npz_with_a_pickled_object_array_is_refused(model, tmp_path):
    marker = tmp_path / "pwned"
    buffer = io.BytesIO()
    good = np.load(io.BytesIO(model_bytes(model)))
    arrays = {name: good[name] for name in good.files}
    arrays["kernel"] = np.array([_Trap(marker)], dtype=object)
    np.savez(buffer, **arrays)
    with pytest.raises(ModelFileError, match="pickled"):
        load_model(buffer.getvalue())
    assert not marker.exists()


def test_a_keras_archive_with_a_lambda_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        config = {"class_name": "Lambda", "config": {"function": "exec('import os')"}}
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    with pytest.raises(ModelFileError, match="Keras"):
        load_model(buffer.getvalue())


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"MThd\x00\x00\x00\x06", "not a jazzcore model"),
        (b"\x89HDF\r\n\x1a\n" + b"\0" * 64, "HDF5"),
        (b"PK\x03\x04 broken zip", "damaged"),
    ],
)
def test_files_that_are_not_models_are_refused(data, words):
    with pytest.raises(ModelFileError, match=words) as error:
        load_model(data)
    assert "\n" not in str(error.value)


def test_wrong_shapes_and_foreign_npz_are_refused(model):
    data = model_bytes(model)
    with pytest.raises(ModelFileError, match="dense_bias has shape"):
        load_model(rewritten(data, dense_bias=np.zeros(77, np.float32)))
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a jazzcore model"):
        load_model(buffer.getvalue())
    kernel = np.load(io.BytesIO(data))["kernel"]
    with pytest.raises(ModelFileError, match="NaN"):
        load_model(rewritten(data, kernel=np.full_like(kernel, np.nan)))
    with pytest.raises(ModelFileError, match="version 2"):
        load_model(rewritten(data, version=2))


def test_settings_out_of_range_in_a_file_are_refused(model):
    data = model_bytes(model)
    config = {**json.loads(str(np.load(io.BytesIO(data))["header"][()]))["config"]}
    with pytest.raises(ModelFileError, match="learning_rate") as error:
        load_model(rewritten(data, config={**config, "learning_rate": -1}))
    assert "\n" not in str(error.value)
    with pytest.raises(ModelFileError, match="Tx"):
        load_model(rewritten(data, data={"m": 60, "Tx": 0, "n_values": 78}))


def test_a_file_from_before_the_data_entry_loads(model):
    # Earlier files kept m, Tx and n_values among the settings and had no "data" entry.
    data = model_bytes(model)
    config = json.loads(str(np.load(io.BytesIO(data))["header"][()]))["config"]
    old = rewritten(data, data=None, config={**config, "m": 50, "Tx": 20, "n_values": 78})
    loaded = load_model(old)
    assert loaded.data_shape == DataShape(m=50, Tx=20, n_values=78) and loaded.Tx == 20
    assert loaded.config == model.config


def test_missing_file_and_unwritable_path(model, tmp_path):
    with pytest.raises(ModelFileError, match="no model file"):
        load_model(tmp_path / "absent.npz")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        save_model(model, blocker / "model.npz")


def test_a_source_is_kept_as_names_and_hashes_never_a_path(model):
    data = model_bytes(model)
    assert load_model(rewritten(data, source="/etc/passwd")).source is None  # an older model
    assert load_model(rewritten(data, source="leadsheets")).source == "leadsheets"
    sha = "ab" * 32
    record = {
        "format": "jazzcore-corpus",
        "version": 1,
        "kind": "files",
        "files": [{"name": "tune.mid", "sha256": sha, "path": "/home/someone/tune.mid"}],
    }
    kept = load_model(rewritten(data, source=json.dumps(record))).source
    assert sha in kept and "/home/someone" not in kept
    bad = {**record, "files": [{"name": "tune.mid", "sha256": "../../etc/passwd"}]}
    assert load_model(rewritten(data, source=json.dumps(bad))).source is None


def test_the_history_is_numbers_only_and_at_most_max_epochs(model):
    from jazzcore.model import MAX_EPOCHS

    data = model_bytes(model)
    history = [
        {"epoch": 1, "loss": 2.5, "accuracy": [1, 2]},
        {"loss": "x"},
        {"epoch": 3, "loss": 1},
    ]
    loaded = load_model(rewritten(data, history=history))
    assert loaded.history == (
        {"epoch": 1, "loss": 2.5, "accuracy": None},
        {"epoch": 3, "loss": 1.0, "accuracy": None},
    )
    many = [{"epoch": k, "loss": 1.0} for k in range(MAX_EPOCHS + 10)]
    assert len(load_model(rewritten(data, history=many)).history) == MAX_EPOCHS


def test_a_text_mode_file_or_an_odd_type_is_a_parameter_error(model, tmp_path):
    from jazzcore.errors import ParameterError

    path = save_model(model, tmp_path / "m.npz")
    with open(path, encoding="latin-1") as text, pytest.raises(ParameterError, match="binary"):
        load_model(text)
    for odd in (None, 3, ["m.npz"]):
        with pytest.raises(ParameterError):
            load_model(odd)


def test_weights_stored_as_float64_still_load(model):
    data = model_bytes(model)
    good = np.load(io.BytesIO(data))
    as64 = rewritten(data, kernel=good["kernel"].astype(np.float64))
    assert load_model(as64).weights.kernel.dtype == np.float32
