"""Bench: the app's waits a user feels — Home's first render, Generate → audio ready — and
how fast the app trains beside the CLI.

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
3. Training speed: 100 epochs (the quick model) on the Train page of a `streamlit run`
   server in Chromium, each run beside a CLI run made just before it (a shared machine's
   load changes by the minute), with the server idle and with eight other visitors pressing
   ▶ Hear a solo over and over; and the old way, a thread of the server's process, idle,
   next to the live chart redrawn every 0.25 s, next to another visitor's page. Target:
   the CLI's speed.

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


# 3. Training speed: the CLI, the old way (a thread of the web server's process), the app.
#
# The app trained in a thread of the server's process. NumPy on the course's small matrices
# holds the GIL most of the time and gives it up at every matrix product; whenever another
# thread of the process runs Python (the live chart redrawn four times a second, another
# visitor's page), the training thread waits for the GIL back at every product. Now the
# app trains in a process of its own (jazzcore.app.worker): measured here the CLI, that
# old way with the two kinds of neighbour, and the app's Train page in Chromium with the
# server idle and with eight other visitors pressing ▶ Hear a solo again and again.
import asyncio  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402

from load import ProtocolClient, start_server  # noqa: E402

from jazzcore.app.generation import QUICK_TRAINING  # noqa: E402
from jazzcore.app.jobs import EpochRecord  # noqa: E402
from jazzcore.app.views import progress_chart  # noqa: E402

CLI = [sys.executable, "-m", "jazzcore", "train", "--source", "leadsheets", "--epochs", "100"]


def cli_seconds() -> float:
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [*CLI, "--out", f"{folder}/m.npz", "--quiet"],
            cwd=ROOT, capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    return float(re.search(r"trained 100 epochs in ([\d.]+) s", out.stdout + out.stderr)[1])


def thread_seconds(neighbour) -> float:
    """100 epochs in a thread of this process while ``neighbour(stop)`` runs in another."""
    corpus = load_corpus("leadsheets")
    run = training_run(corpus, QUICK_TRAINING)
    stop = threading.Event()
    other = threading.Thread(target=neighbour, args=(stop,))
    other.start()
    seconds = []
    trainer = threading.Thread(target=lambda: seconds.append(median_time(lambda: run(), runs=1)[0]))
    trainer.start()
    trainer.join()
    stop.set()
    other.join()
    return seconds[0]


CHART = [
    EpochRecord.from_info(info)
    for info in training_run(load_corpus("leadsheets"), QUICK_TRAINING)().history
]


def live_chart(stop) -> None:  # the old Train page: the chart rebuilt every 0.25 s
    while not stop.wait(0.25):
        progress_chart(CHART)


def busy_page(stop) -> None:  # another visitor's page run: Python without a pause
    while not stop.is_set():
        sum(i * i for i in range(1000))


def idle(stop) -> None:
    stop.wait()


async def app_seconds(url: str, others: int, runs: int) -> list[float]:
    """Train 100 epochs on the Train page in Chromium, ``runs`` times, while ``others``
    visitors press ▶ Hear a solo over and over; the seconds the page reports for each run,
    each beside a CLI run made just before it (the same moment of a shared machine)."""
    from playwright.async_api import async_playwright

    stop = asyncio.Event()

    async def keep_pressing() -> None:
        page = ProtocolClient(url)
        await page.connect()
        while not stop.is_set():
            await page.press_until_audio("▶ Hear a solo")

    pressing = [asyncio.create_task(keep_pressing()) for _ in range(others)]
    await asyncio.sleep(3 if others else 0)
    pairs = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=os.environ.get("JAZZCORE_CHROMIUM", "/usr/bin/chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        page = await browser.new_page()
        await page.goto(f"{url}/train", timeout=120_000)
        await page.get_by_role("button", name="▶ Train").wait_for(timeout=120_000)
        for _ in range(runs):
            cli = await asyncio.to_thread(cli_seconds)
            await page.get_by_role("button", name="▶ Train").click(timeout=120_000)
            done = page.get_by_text(re.compile(r"Trained 100 epochs in [\d.]+ s"))
            await done.wait_for(timeout=120_000)
            text = await done.inner_text()
            pairs.append((cli, float(re.search(r"in ([\d.]+) s", text)[1])))
            await page.reload()
            await page.get_by_role("button", name="▶ Train").wait_for(timeout=120_000)
        await browser.close()
    stop.set()
    for task in pressing:
        task.cancel()
    return pairs


def app_runs(others: int, runs: int = 3) -> list[tuple[float, float]]:
    cache = tempfile.mkdtemp(prefix="jazzcore-bench-")
    server, url = start_server(cache)
    try:
        return asyncio.run(app_seconds(url, others, runs))
    finally:
        server.terminate()
        server.wait(15)


idle_pairs, busy_pairs = app_runs(0), app_runs(8)
speeds = {
    "the CLI (python -m jazzcore train), beside the idle-server runs": [c for c, _ in idle_pairs],
    "the app now (its trainer process), server idle": [a for _, a in idle_pairs],
    "the CLI, beside the busy-server runs": [c for c, _ in busy_pairs],
    "the app now, 8 other visitors pressing ▶ Hear a solo": [a for _, a in busy_pairs],
    "old: a thread of the server's process, idle": [thread_seconds(idle) for _ in range(3)],
    "old: … with the live chart redrawn every 0.25 s": [
        thread_seconds(live_chart) for _ in range(3)
    ],
    "old: … with another visitor's page running": [thread_seconds(busy_page) for _ in range(3)],
}
print()
print("| 100 epochs, lead sheets, n_a = 64 (the quick model) | median | runs |")
print("|---|---|---|")
for label, values in speeds.items():
    shown = ", ".join(f"{v:.2f}" for v in values)
    print(f"| {label} | {statistics.median(values):.2f} s | {shown} |")
ratios = [a / c for c, a in idle_pairs + busy_pairs]
cli = statistics.median(c for c, _ in idle_pairs + busy_pairs)
old = statistics.median(speeds["old: … with another visitor's page running"])
print(
    f"app training / CLI, run beside run: median {statistics.median(ratios):.2f}×, at most "
    f"{max(ratios):.2f}× (target: the CLI's speed); the old way beside a busy page {old / cli:.1f}×"
)
