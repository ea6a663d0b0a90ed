"""Bench: the course's Metheny MIDI → grammar values → X/Y, cold and from the cache.

Targets (issue 2): a cold load ≤ 3 s on a 2-core machine, a second load ≤ 50 ms.
Run: .venv/bin/python bench/data.py
"""

from __future__ import annotations

import subprocess
import sys

from _util import METHENY, ROOT, header, median_time

header("data: Metheny MIDI → X/Y")

# 1. A fresh process: imports + parse + grammar + X/Y, as a user's first call.
code = (
    "import time; t = time.perf_counter(); import jazzcore; "
    f"X, Y, n, iv, ch = jazzcore.load_music_utils({str(METHENY)!r}); "
    "print(n, X.shape, Y.shape, round(time.perf_counter() - t, 3))"
)
fresh = []
for _ in range(3):
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    n, *_, seconds = out.stdout.split()
    fresh.append(float(seconds))
print(
    f"fresh process (imports included): median {sorted(fresh)[1]:.3f} s of {fresh}; values = {out.stdout.strip()}"
)

# 2. In this process: music21 imported and warm, the corpus cache emptied before each run.
from jazzcore import dataset  # noqa: E402

dataset.load_music_utils(str(METHENY))  # warm the imports
cold, cold_runs = median_time(
    lambda: dataset.load_music_utils(str(METHENY)), runs=5, setup=dataset.clear_corpus_cache
)
print(f"cold load (corpus cache empty): median {cold:.3f} s over {len(cold_runs)} runs")

# 3. A second load of the same file: served from the cache keyed by the file's SHA-256.
warm, _ = median_time(lambda: dataset.load_music_utils(str(METHENY)), runs=9)
print(f"second load (cached by hash):   median {warm * 1000:.1f} ms")
print(f"data cold {cold:.3f}s (target 3s) warm {warm * 1000:.1f}ms (target 50ms)")
