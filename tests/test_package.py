"""The package's surface: the seed's names, lazy imports, no TensorFlow until a Keras graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_train_stays_the_function_after_its_module_is_imported():
    out = run("import jazzcore, jazzcore.training; from jazzcore.training import forward; "
              "print(callable(jazzcore.train), jazzcore.train.__module__)")
    assert out == "True jazzcore.training"


def test_training_and_sampling_do_not_import_tensorflow():
    out = run("import sys, numpy as np, jazzcore; "
              "m = jazzcore.train(np.eye(3, dtype='f4')[None].repeat(2, 0), np.eye(3, dtype='f4')[:, None].repeat(2, 1), "
              "vocabulary={0: 'C,0.250', 1: 'S,0.250', 2: 'R,0.250'}, epochs=2); m.sample(5); "
              "jazzcore.persist.model_bytes(m); print('tensorflow' in sys.modules)")
    assert out == "False"


def test_the_seeds_names_are_all_there():
    import jazzcore

    for name in ("load_music_utils", "data_processing", "djmodel", "music_inference_model",
                 "predict_and_sample", "one_hot", "generate_music"):
        assert callable(getattr(jazzcore, name)), name
