"""Bench: generate_music on the Metheny chords — 5 chord sets × Ty = 50, sample + post-process + MIDI.

Target (issue 4): ≤ 1 s, median of 5 runs, with the time of each stage.
Run: .venv/bin/python bench/generate.py
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from _util import METHENY, header, median_time

import jazzcore
from jazzcore.dataset import load_corpus
from jazzcore.postprocess import generate_music

header("generate: 5 chord sets × Ty = 50 → MIDI")

corpus = load_corpus(str(METHENY))


# A trained model (100 epochs, ~1 s): sampling costs the same however well it learned.
X, Y = corpus.xy(60, 30, 0)
model = jazzcore.train(X, Y, vocabulary=corpus.vocabulary)
print(f"model: {type(model).__name__} ({len(model.vocabulary)} values, {len(model.history)} epochs)")

out = Path(tempfile.mkdtemp()) / "my_music.midi"
reports = []


def run(stream: bool):
    _, report = generate_music(
        model, chords=corpus, Ty=50, seed=len(reports), out_path=out, return_stream=stream
    )
    reports.append(report)


run(False)  # warm: imports and the per-chord scale cache
reports.clear()
median, runs = median_time(lambda: run(False), runs=5)
stages = {
    k: statistics.median(r.timings[k] for r in reports) for k in ("sample", "postprocess", "midi")
}
sets = len(reports[-1].sets)
print(
    f"{sets} chord sets, {reports[-1].n_sounds} sounds; per stage (median): "
    + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in stages.items())
)
reports.clear()
with_stream, _ = median_time(lambda: run(True), runs=5)
stream_ms = statistics.median(r.timings["stream"] for r in reports) * 1000
print(
    f"with the music21 Score too (generate_music's default return): median {with_stream:.3f} s (Score {stream_ms:.0f} ms)"
)
print(
    f"generate 5×50: median {median:.3f} s over {len(runs)} runs (target 1 s) {'OK' if median <= 1.0 else 'OVER'}"
)
