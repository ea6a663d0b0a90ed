"""Small helpers shared by the bench scripts: the course's MIDI, medians, a header line."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METHENY = Path(
    os.environ.get("JAZZCORE_METHENY", ROOT.parent / "shared" / "data" / "original_metheny.mid")
)


def header(title: str) -> None:
    print(
        f"# {title} — Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}"
    )


def median_time(fn, runs: int = 5, setup=None) -> tuple[float, list[float]]:
    """Median wall time (s) of ``fn()`` over ``runs`` runs, ``setup()`` before each (not timed)."""
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times
