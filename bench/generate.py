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


def trained_model():
    """A JazzModel trained for a few epochs on the corpus (the timing does not depend on
    how well it is trained: sampling costs the same)."""
    try:
        train = jazzcore.train
    except (AttributeError, ImportError, ModuleNotFoundError):
        return None
    return train(str(METHENY), epochs=2, seed=0)


model = trained_model()
if model is None:
    import numpy as np

    class Replay:
        """Stand-in until jazzcore.train lands: replays corpus windows (sampling cost ~0)."""

        vocabulary = corpus.vocabulary
        indices = corpus.vocabulary.encode(corpus.values)

        def sample(self, Ty, *, temperature=None, top_k=None, seed=None, first_value_rule=False):
            start = np.random.default_rng(seed).integers(len(self.indices))
            return np.resize(np.roll(self.indices, -start), Ty)

    model = Replay()
    print("model: no jazzcore.train yet — a replay stand-in (the sample time is not the model's)")
else:
    print(f"model: {type(model).__name__} ({len(model.vocabulary)} values)")

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
