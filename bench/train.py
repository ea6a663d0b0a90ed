"""Bench: 100 epochs of the seed's model, the seed's Keras graph against the fast path.

Both train the same network from the same initial weights on the same X/Y (Metheny,
60 × 30 × 78), full batch, Adam 0.01 with the seed's decay: the seed-faithful ``djmodel``
(30 shared-layer calls, compiled and ``fit`` by Keras 3 on TensorFlow) and
``jazzcore.train`` (the whole sequence in NumPy). Wall time from building the model to
trained weights. Targets (issue 3): fast ≤ 2 s, ≥ 25× the seed's graph, final loss no worse.
Last line: ``speedup R.Rx fast F.FFs seed S.SSs``.
Run: .venv/bin/python bench/train.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from _util import METHENY, header

import jazzcore
from jazzcore.training import init_weights

EPOCHS, SEED, N_A = 100, 0, 64

header(f"train: {EPOCHS} epochs, Metheny X (60, 30, 78), n_a = {N_A}, full batch")
X, Y, n_values, indices_values, _ = jazzcore.load_music_utils(str(METHENY))

# The fast path, median of 3 runs.
runs, fast_model = [], None
for _ in range(3):
    start = time.perf_counter()
    fast_model = jazzcore.train(X, Y, vocabulary=indices_values, epochs=EPOCHS, n_a=N_A, seed=SEED)
    runs.append(time.perf_counter() - start)
fast = statistics.median(runs)
fast_loss = fast_model.history[-1]["loss"]
print(f"fast path (jazzcore.train, NumPy): {fast:.2f} s (median of {[round(r, 2) for r in runs]}), "
      f"loss {fast_model.history[0]['loss']:.2f} → {fast_loss:.3f}")

# The seed's graph, once (it takes about a minute).
start = time.perf_counter()
from jazzcore import model as seed_graphs  # noqa: E402  (TensorFlow's import is part of its cost)

imported = time.perf_counter()
dj = seed_graphs.djmodel(30, N_A, n_values)
seed_graphs.set_weights(init_weights(n_values, N_A, SEED), dj.get_layer("LSTM_cell"), dj.get_layer("densor"))
seed_graphs.compile_djmodel(dj, 0.01)
a0 = np.zeros((60, N_A), np.float32)
first_epoch = {}


class FirstEpoch:
    """Times the first epoch (tracing the graph) apart from the rest."""

    def __call__(self, epoch, logs):
        first_epoch.setdefault("at", time.perf_counter())


import keras  # noqa: E402

history = dj.fit([X, a0, a0], list(Y), epochs=EPOCHS, batch_size=60, shuffle=False, verbose=0,
                 callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=FirstEpoch())])
done = time.perf_counter()
seed_time = done - imported
seed_loss = history.history["loss"][-1]
print(f"seed-faithful djmodel (Keras {keras.__version__}): {seed_time:.2f} s "
      f"(first epoch with tracing {first_epoch['at'] - imported:.1f} s, {EPOCHS - 1} more {done - first_epoch['at']:.1f} s; "
      f"importing TensorFlow {imported - start:.1f} s not counted), loss {history.history['loss'][0]:.2f} → {seed_loss:.3f}")
print(f"final loss: fast {fast_loss:.3f}, seed {seed_loss:.3f} "
      f"({'no worse' if fast_loss <= seed_loss * 1.01 else 'WORSE'}; TensorFlow's fused softmax cross-entropy also "
      "pushes a gradient through the empty last step, so the two runs differ slightly)")
print(f"speedup {seed_time / fast:.1f}x fast {fast:.2f}s seed {seed_time:.2f}s")
