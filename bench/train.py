"""Bench: 100 epochs of the course's model, the notebook's Keras graph against the fast path.

Both train the same network from the same initial weights on the same X/Y (Metheny,
60 × 30 × 78), full batch, Adam 0.01 with the course's decay: the notebook's ``djmodel``
(30 shared-layer calls, compiled and ``fit`` by Keras 3 on TensorFlow) and
``jazzcore.training.train`` (the whole sequence; ``engine="auto"`` picks NumPy for this size,
and the line says which ran). Wall time from building the model to trained weights.
Targets (issues 3 and 15): fast ≤ 2 s, ≥ 25× the course's graph, final loss no worse.
Last line: ``speedup R.Rx fast F.FFs course S.SSs``.
Run: .venv/bin/python bench/train.py
"""

from __future__ import annotations

import os

# Before TensorFlow is imported: no C++ start-up chatter, the same sums in the same order.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _util import METHENY, header  # noqa: E402

import jazzcore  # noqa: E402
from jazzcore.model import TrainConfig  # noqa: E402
from jazzcore.network import init_weights  # noqa: E402
from jazzcore.runtime import keep_freed_memory  # noqa: E402
from jazzcore.training import train  # noqa: E402

CONFIG = TrainConfig(epochs=100, n_a=64, seed=0)  # the course's settings

header(f"train: {CONFIG.epochs} epochs, Metheny X (60, 30, 78), n_a = {CONFIG.n_a}, full batch")
X, Y, n_values, indices_values, _ = jazzcore.load_music_utils(str(METHENY))
keep_freed_memory()  # what the CLI and the app do once at start

# The fast path, median of 3 runs.
runs, fast_model = [], None
for _ in range(3):
    start = time.perf_counter()
    fast_model = train(X, Y, indices_values, CONFIG)
    runs.append(time.perf_counter() - start)
fast = statistics.median(runs)
fast_loss = fast_model.history[-1]["loss"]
print(
    f"fast path (jazzcore.train, engine {fast_model.engine}): {fast:.2f} s "
    f"(median of {[round(r, 2) for r in runs]}), "
    f"loss {fast_model.history[0]['loss']:.2f} → {fast_loss:.3f}"
)

# The notebook's graph, once (it takes a while).
start = time.perf_counter()
from jazzcore import keras_model  # noqa: E402  (TensorFlow's import is part of its cost)

imported = time.perf_counter()
dj = keras_model.djmodel(30, CONFIG.n_a, n_values)
keras_model.set_weights(
    init_weights(n_values, CONFIG.n_a, CONFIG.seed),
    dj.get_layer("LSTM_cell"),
    dj.get_layer("densor"),
)
keras_model.compile_djmodel(dj, CONFIG)
a0 = np.zeros((60, CONFIG.n_a), np.float32)
first_epoch = {}


class FirstEpoch:
    """Times the first epoch (tracing the graph) apart from the rest."""

    def __call__(self, epoch, logs):
        first_epoch.setdefault("at", time.perf_counter())


import keras  # noqa: E402

history = dj.fit(
    [X, a0, a0],
    list(Y),
    epochs=CONFIG.epochs,
    batch_size=60,
    shuffle=False,
    verbose=0,
    callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=FirstEpoch())],
)
done = time.perf_counter()
course_time = done - imported
course_loss = history.history["loss"][-1]
print(
    f"the notebook's djmodel (Keras {keras.__version__}): {course_time:.2f} s "
    f"(first epoch with tracing {first_epoch['at'] - imported:.1f} s, "
    f"{CONFIG.epochs - 1} more {done - first_epoch['at']:.1f} s; "
    f"importing TensorFlow {imported - start:.1f} s not counted), "
    f"loss {history.history['loss'][0]:.2f} → {course_loss:.3f}"
)
print(
    f"final loss: fast {fast_loss:.3f}, course {course_loss:.3f} "
    f"({'no worse' if fast_loss <= course_loss * 1.01 else 'WORSE'}; TensorFlow's fused softmax "
    "cross-entropy also pushes a gradient through the empty last step, so the two runs differ "
    "slightly)"
)
print(f"speedup {course_time / fast:.1f}x fast {fast:.2f}s course {course_time:.2f}s")
