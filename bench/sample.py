"""Bench: sampling Ty values from a trained model, against the course's inference graph.

Targets (issue 3): Ty = 50 in ≤ 5 ms, Ty = 1000 in ≤ 50 ms (greedy, the course's argmax).
The baseline in the same process is the notebook's way: build ``music_inference_model`` for
the Ty and run ``predict_and_sample`` once (a new graph for every Ty).
Run: .venv/bin/python bench/sample.py [--no-keras]
"""

from __future__ import annotations

import os

# Before TensorFlow is imported: no C++ start-up chatter, the same sums in the same order.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import sys  # noqa: E402

from _util import METHENY, header, median_time  # noqa: E402

import jazzcore  # noqa: E402
from jazzcore.runtime import keep_freed_memory  # noqa: E402
from jazzcore.training import train  # noqa: E402

header("sample: Ty values from the trained cell")
X, Y, n_values, indices_values, _ = jazzcore.load_music_utils(str(METHENY))
keep_freed_memory()  # what the CLI and the app do once at start
model = train(X, Y, indices_values)

figures = {}
for Ty in (50, 1000):
    greedy, _ = median_time(lambda Ty=Ty: model.sample(Ty), runs=15)
    drawn, _ = median_time(
        lambda Ty=Ty: model.sample(Ty, temperature=1.0, top_k=10, seed=1), runs=15
    )
    figures[Ty] = greedy
    print(
        f"Ty = {Ty:4d}: greedy {greedy * 1000:6.2f} ms, "
        f"temperature 1 + top-10 {drawn * 1000:6.2f} ms (median of 15)"
    )

if "--no-keras" not in sys.argv:
    from jazzcore import keras_model
    from jazzcore.sample import predict_and_sample

    def notebooks_way():
        inference = keras_model.inference_model_for(model, Ty=50)
        return predict_and_sample(inference)

    keras_time, _ = median_time(notebooks_way, runs=3)
    print(
        f"the notebook's way, Ty = 50 (build the inference graph + predict): {keras_time:.2f} s "
        f"(median of 3) — {keras_time / figures[50]:.0f}x the NumPy sampler"
    )

print(
    f"sample Ty50 {figures[50] * 1000:.2f}ms (target 5ms) "
    f"Ty1000 {figures[1000] * 1000:.1f}ms (target 50ms)"
)
