"""Bench: the app's two waits a user feels — Home's first render, and Generate → audio ready.

1. Home, cold: a fresh Python process per run (nothing imported, nothing cached) runs
   streamlit_app.py once through AppTest, offline, on the default corpus (the lead sheets);
   timed is the script run (jazzcore, music21, the corpus parse, the page), the same work a
   freshly started server does for its first visitor. Target < 3 s.
2. Generate → audio ready: AppTest on the Generate page with a model (100 epochs) in the
   session; timed is the rerun that a press of Generate starts, up to the page with its
   st.audio (sampling, post-processing, MIDI, audio rendering, the quality table with its
   random-values pieces, piano roll, page). The default settings (5 chord sets, each
   measure filled, one line) and the course's way (5 × Ty = 50, greedy, sets stacked past
   the chords). Target < 1.5 s.

Run: .venv/bin/python bench/app.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _util import METHENY, ROOT, header, median_time

APP = str(ROOT / "streamlit_app.py")
RUNS = 5

header("app: Home cold render, Generate → audio")
cache = tempfile.mkdtemp(prefix="jazzcore-bench-")
os.environ.update(JAZZCORE_OFFLINE="1", JAZZCORE_CACHE=cache)

# 1. Home in a fresh process each time.
code = (
    "import time; from streamlit.testing.v1 import AppTest; "
    f"at = AppTest.from_file({APP!r}, default_timeout=120); "
    "t = time.perf_counter(); at.run(); seconds = time.perf_counter() - t; "
    "assert not at.exception, at.exception; import sys; "
    "print(round(seconds, 3), 'tensorflow' in sys.modules)"
)
cold, whole = [], []
for _ in range(RUNS):
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    whole.append(round(time.perf_counter() - start, 3))
    seconds, tensorflow = out.stdout.split()[-2:]
    cold.append(float(seconds))
    assert tensorflow == "False", "Home imported TensorFlow"
home = statistics.median(cold)
print(
    f"Home cold render (fresh process, AppTest run): median {home:.2f} s of {cold}; TensorFlow not imported"
)
print(
    f"  the whole process (Python + Streamlit start-up + render): median {statistics.median(whole):.2f} s"
)

# 2. Generate → audio ready, in this process.
from streamlit.testing.v1 import AppTest  # noqa: E402

from jazzcore.app.generation import training_run  # noqa: E402
from jazzcore.dataset import load_corpus  # noqa: E402
from jazzcore.runtime import keep_freed_memory  # noqa: E402

keep_freed_memory()  # as the app does at start-up


def generate_page(source: str, corpus_choice: str):
    corpus = load_corpus(source)
    model = training_run(corpus)()  # the app's quick training
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["models"] = {
        model.vocabulary.fingerprint(): model
    }  # the user's model for this corpus
    at.run()
    at.sidebar.radio[0].set_value(corpus_choice).run()
    at.switch_page("pages/generate.py").run()
    assert not at.exception and at.session_state["_corpus"].sha256 == corpus.sha256
    return at


def press(at):
    at.button(key="generate").click().run()
    assert not at.exception and not at.error and len(at.get("audio")) == 1


figures = {}
corpora = [("leadsheets", "leadsheets", "lead sheets")]
if METHENY.is_file():
    shutil.copy(METHENY, Path(cache) / "original_metheny.mid")
    corpora.append(("metheny", "metheny", "Metheny"))
for source, choice, label in corpora:
    at = generate_page(source, choice)
    first, _ = median_time(lambda at=at: press(at), runs=1)  # the first render loads the SoundFont
    for way in ("defaults", "the course's way"):
        at.toggle(key="gen_course").set_value(way != "defaults")
        seconds, runs = median_time(lambda at=at: press(at), runs=7)
        generation = at.session_state["generation"]
        stages = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in generation.timings.items())
        print(
            f"Generate → audio ready, {label}, {way}: median {seconds:.2f} s over {len(runs)} "
            f"presses ({generation.audio.seconds:.0f} s of audio by {generation.audio.synth}; "
            f"last press: {stages}); first press in the process {first:.2f} s"
        )
        figures[f"{label}, {way}"] = seconds

shutil.rmtree(cache, ignore_errors=True)
worst = max(figures.values())
print(f"app home cold {home:.2f}s (target 3s) generate→audio {worst:.2f}s (target 1.5s)")
