"""The package's surface: the course's names, no TensorFlow until a Keras graph is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_train_stays_the_function_after_its_module_is_imported():
    out = run(
        "import jazzcore, jazzcore.training; from jazzcore.network import forward; "
        "print(callable(jazzcore.train), jazzcore.train.__module__)"
    )
    assert out == "True jazzcore.training"


def test_training_and_sampling_do_not_import_tensorflow():
    out = run(
        "import sys, numpy as np, jazzcore; "
        "m = jazzcore.train(np.eye(3, dtype='f4')[None].repeat(2, 0), np.eye(3, dtype='f4')[:, None].repeat(2, 1), "
        "{0: 'C,0.250', 1: 'S,0.250', 2: 'R,0.250'}, jazzcore.TrainConfig(epochs=2)); m.sample(5); "
        "jazzcore.persist.model_bytes(m); print('tensorflow' in sys.modules)"
    )
    assert out == "False"


def test_the_courses_names_are_all_there():
    import jazzcore

    for name in (
        "load_music_utils",
        "data_processing",
        "djmodel",
        "music_inference_model",
        "predict_and_sample",
        "one_hot",
        "generate_music",
    ):
        assert callable(getattr(jazzcore, name)), name


def test_a_keras_name_is_imported_on_first_use():
    out = run(
        "import sys, jazzcore; before = 'tensorflow' in sys.modules; "
        "f = jazzcore.djmodel; print(before, 'tensorflow' in sys.modules, f.__module__)"
    )
    assert out == "False True jazzcore.keras_model"


def test_the_app_machinery_is_not_part_of_the_library():
    out = run(
        "import sys, jazzcore; print(any(m.startswith(('jazzcore.app', 'streamlit')) "
        "for m in sys.modules))"
    )
    assert out == "False"
