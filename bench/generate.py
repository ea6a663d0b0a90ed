"""Bench: generate_music on the Metheny chords, 5 chord sets: sample + post-process + MIDI.

Target (issue 4): ≤ 1 s, median of 5 runs, for the defaults (values until each measure is
filled, the faithful post-processor) and the course's way (Ty = 50, greedy, the course's
stages and layout, and the music21 Score the course's generate_music returned).
Run: .venv/bin/python bench/generate.py
"""

from __future__ import annotations

from _util import METHENY, header, median_time

from jazzcore.dataset import load_corpus
from jazzcore.generate import generate_music
from jazzcore.training import train

header("generate: 5 chord sets → MIDI")

corpus = load_corpus(str(METHENY))

# A trained model (100 epochs, ~1 s): sampling costs the same however well it learned.
X, Y = corpus.xy(60, 30, 0)
model = train(X, Y, corpus.vocabulary)
print(
    f"model: {type(model).__name__} ({len(model.vocabulary)} values, {len(model.history)} epochs)"
)

seeds = iter(range(1000))


COURSE = {"Ty": 50, "temperature": None, "postprocess": "course", "layout": "course"}


def run(course: bool):
    options = COURSE if course else {}
    _, report = generate_music(
        model, chords=corpus, seed=next(seeds), return_stream=course, **options
    )
    return report


for course, label in ((False, "defaults"), (True, "the course's way + music21 Score")):
    report = run(course)  # warm: imports and the per-chord scale cache
    median, runs = median_time(lambda course=course: run(course), runs=5)
    print(
        f"{label}: {len(report.sets)} chord sets, {report.n_sounds} sounds; median "
        f"{median:.3f} s over {len(runs)} runs (target 1 s) {'OK' if median <= 1.0 else 'OVER'}"
    )
