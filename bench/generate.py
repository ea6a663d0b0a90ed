"""Bench: generate_music on the Metheny chords — 5 chord sets × Ty = 50, sample + post-process + MIDI.

Target (issue 4): ≤ 1 s, median of 5 runs; also with the music21 Score the course's
generate_music returned.
Run: .venv/bin/python bench/generate.py
"""

from __future__ import annotations

from _util import METHENY, header, median_time

from jazzcore.dataset import load_corpus
from jazzcore.generate import generate_music
from jazzcore.training import train

header("generate: 5 chord sets × Ty = 50 → MIDI")

corpus = load_corpus(str(METHENY))

# A trained model (100 epochs, ~1 s): sampling costs the same however well it learned.
X, Y = corpus.xy(60, 30, 0)
model = train(X, Y, corpus.vocabulary)
print(
    f"model: {type(model).__name__} ({len(model.vocabulary)} values, {len(model.history)} epochs)"
)

seeds = iter(range(1000))


def run(stream: bool):
    _, report = generate_music(model, chords=corpus, Ty=50, seed=next(seeds), return_stream=stream)
    return report


report = run(False)  # warm: imports and the per-chord scale cache
print(f"{len(report.sets)} chord sets, {report.n_sounds} sounds")
median, runs = median_time(lambda: run(False), runs=5)
with_stream, _ = median_time(lambda: run(True), runs=5)
print(f"with the music21 Score too: median {with_stream:.3f} s")
print(
    f"generate 5×50: median {median:.3f} s over {len(runs)} runs (target 1 s) "
    f"{'OK' if median <= 1.0 else 'OVER'}"
)
