"""Load: a class on one server — N visitors at once, some of them training long runs.

One `streamlit run` server (offline, a fresh cache: the first solo of the class trains the
quick model). Every visitor opens Home; the trainers first start a long training on Train
(``--epochs`` each, their own n_a so their models are told apart). Then, as when a teacher
says "now press the button", every visitor presses ▶ Hear a solo within a few seconds and
waits for the audio; opens Generate and presses Generate; reloads the page (the trainers
also reload in the middle of their training).

Who drives the visitors: the last ``--browsers`` (default 3) are Chromium contexts under
Playwright, a real browser each (they also check that the page never loses its heading
and shows no exception); the others, the trainers among them, speak the browser's own
protocol to the server: a websocket of protobuf messages — the same sessions, tokens,
script runs, widget values, form submits and live views' timed reruns as a browser, without
drawing the page. Chromium on this 2-core machine costs several times the server's CPU
(``--browsers 30`` measures all thirty in Chromium, as the issue did: the figures are then
the browsers' more than the server's); in a class each student's browser draws on their
own computer.

Measured: the seconds from pressing ▶ Hear a solo to the <audio> element (p50/p95/max),
the same for Generate; the RSS of the server and its trainer process, sampled every
0.5 s; every visitor's reload keeping their model; whether a visitor ever saw a model that
was not theirs (a trainer's n_a on someone else's page); exceptions and page errors in
the browsers; the Home heading never missing while a solo is on its way.

Run: .venv/bin/python bench/load.py [--visitors 30] [--trainers 5] [--epochs 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import psutil
from _util import ROOT, header

CHROMIUM = os.environ.get("JAZZCORE_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 180_000
HEADING_WATCH = """() => {
  window.headingMissing = 0;
  const check = () => {
    if (!document.querySelector('h1')) window.headingMissing += 1;
  };
  new MutationObserver(check).observe(document.body, {childList: true, subtree: true});
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cache: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "JAZZCORE_OFFLINE": "1", "JAZZCORE_CACHE": cache}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def tree(pid: int) -> list[psutil.Process] | None:
    """The process and all its descendants (None if they could not be listed just now)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return None


def cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            times = p.cpu_times()
            total += times.user + times.system  # not children_*: they are counted themselves
        except psutil.Error:
            pass
    return total


class MemorySampler(threading.Thread):
    """RSS of the server and all its children (the trainer process), every 0.5 s; and the
    CPU seconds the server, the browsers and everything else used."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()
        self.start_time = time.monotonic()

        self.machine_start = sum(psutil.cpu_times()[:3])
        self.server_cpu = 0.0
        self.browser_cpu: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self.bench_cpu = 0.0
        self.load: list[float] = []
        self.machine_cpu = 0.0

    def run(self) -> None:
        while not self.stop.wait(0.5):
            total = 0
            server, bench = tree(self.process.pid), tree(os.getpid())
            if server is None or bench is None:
                continue  # a process ended while being listed: the next sample counts
            for p in server:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.samples.append((time.monotonic() - self.start_time, total))
            self.server_cpu = max(self.server_cpu, cpu_seconds(server))
            server_pids = {p.pid for p in server}
            for p in bench[1:]:  # this bench's browsers (its children, the server aside)
                if p.pid not in server_pids:
                    self.browser_cpu[p.pid] = max(self.browser_cpu.get(p.pid, 0), cpu_seconds([p]))
                    with contextlib.suppress(psutil.Error):
                        self.names[p.pid] = p.name()
            self.bench_cpu = cpu_seconds(bench[:1])
            self.machine_cpu = sum(psutil.cpu_times()[:3]) - self.machine_start
            self.load.append(os.getloadavg()[0])


class Visitor:
    def __init__(self, number: int, n_a: int | None):
        self.number = number
        self.n_a = n_a  # a trainer's units (their own model), or None
        self.hear_s: float | None = None
        self.generate_s: float | None = None
        self.kept_after_reload = False
        self.kept_mid_training: bool | None = None
        self.training_done_s: float | None = None
        self.training_end = ""
        self.foreign_models: list[str] = []
        self.exceptions = 0
        self.page_errors: list[str] = []
        self.heading_missing = 0
        self.token = ""
        self.failure = ""


async def appear(locator, timeout_s: float = TIMEOUT_MS / 1000, every: float = 0.1) -> None:
    """Wait for the locator by asking every ``every`` seconds (Playwright's own waiting
    polls at the screen's frame rate: thirty pages polling would cost the machine more
    than the server does)."""
    deadline = time.monotonic() + timeout_s
    while not await locator.count():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f} s for {locator}")
        await asyncio.sleep(every)


def model_lines(text: str) -> list[str]:
    return re.findall(r"Model ready: n_a = (\d+)", text)


class Gate:
    """Every visitor arrives (loaded, or failed on the way); then the teacher says go."""

    def __init__(self, parties: int):
        self.parties = parties
        self.arrived = 0
        self.all = asyncio.Event()
        self.go = asyncio.Event()

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived >= self.parties:
            self.all.set()


async def visitor_flow(browser, url, v: Visitor, gate: Gate, args) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda e: v.page_errors.append(str(e)))
    arrived = False
    try:
        await asyncio.sleep(random.uniform(0, args.arrival))
        await page.goto(url, timeout=TIMEOUT_MS)
        await page.get_by_role("button", name="▶ Hear a solo").wait_for(timeout=TIMEOUT_MS)
        await page.wait_for_timeout(500)
        v.token = page.url.split("v=")[-1]
        if v.n_a is not None:  # a trainer: a long run of their own first
            await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
            await page.get_by_role("heading", name="🏋️ Train the LSTM").wait_for(timeout=TIMEOUT_MS)
            for label, value in (("n_a (LSTM units)", v.n_a), ("epochs", args.epochs)):
                box = page.get_by_label(label, exact=True)
                await box.fill(str(value))
                await box.press("Tab")
            await page.get_by_role("button", name="▶ Train").click()
            await page.get_by_text("Training: epoch").first.wait_for(timeout=TIMEOUT_MS)
            started = time.monotonic()
            await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home").click()
            await page.get_by_role("button", name="▶ Hear a solo").wait_for(timeout=TIMEOUT_MS)
        await page.evaluate(HEADING_WATCH)
        arrived = True
        gate.arrive()
        await gate.go.wait()
        await asyncio.sleep(random.uniform(0, args.spread))
        pressed = time.monotonic()
        await page.get_by_role("button", name="▶ Hear a solo").click()
        await appear(page.locator("audio"))
        v.hear_s = time.monotonic() - pressed
        v.heading_missing = await page.evaluate("window.headingMissing")

        await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Generate").click()
        await page.get_by_role("button", name="🎵 Generate").wait_for(timeout=TIMEOUT_MS)
        pressed = time.monotonic()
        await page.get_by_role("button", name="🎵 Generate").click()
        await appear(page.locator("audio"))  # (a CSS query: asking for a text would search
        # the whole page every time, costing the machine more than the server's work)
        v.generate_s = time.monotonic() - pressed
        await page.wait_for_timeout(300)
        seen = model_lines(await page.locator("body").inner_text())

        await page.reload(timeout=TIMEOUT_MS)
        await page.get_by_role("heading", name="🎼 Generate a solo").wait_for(timeout=TIMEOUT_MS)
        await page.get_by_text("Model ready").first.wait_for(timeout=TIMEOUT_MS)
        v.kept_after_reload = await page.get_by_role("button", name="Quick train").count() == 0
        seen += model_lines(await page.locator("body").inner_text())

        if v.n_a is not None:  # back to Train: the run went on; reload in the middle of it
            await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
            await page.get_by_role("heading", name="🏋️ Train the LSTM").wait_for(timeout=TIMEOUT_MS)
            if await page.get_by_text("Training: epoch").count():
                await page.reload(timeout=TIMEOUT_MS)
                await page.get_by_role("heading", name="🏋️ Train the LSTM").wait_for(
                    timeout=TIMEOUT_MS
                )
                try:
                    await appear(page.get_by_text(re.compile("Training: epoch|Trained")), 60)
                    v.kept_mid_training = True
                except TimeoutError:
                    v.kept_mid_training = False
            end = page.get_by_text(re.compile(f"Trained {args.epochs:,} epochs|Stopped after"))
            await appear(end, 900, every=1.0)
            v.training_end = await end.first.inner_text()
            if v.training_end.startswith("Trained"):
                v.training_done_s = time.monotonic() - started
            await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Generate").click()
            await page.get_by_text(f"Model ready: n_a = {v.n_a}").wait_for(timeout=TIMEOUT_MS)
            seen += model_lines(await page.locator("body").inner_text())
        v.foreign_models = [n for n in seen if int(n) not in (64, v.n_a)]
        v.exceptions = await page.get_by_test_id("stException").count()
    except Exception as exc:  # reported in the table, not a crash of the bench
        v.failure = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        if not arrived:
            gate.arrive()
    finally:
        await context.close()


class ProtocolClient:
    """A page as the server sees it: the websocket, the script runs it asks for (a page, a
    button's press with the form's values, a live view's timed reruns), the elements the
    runs send. Nothing is drawn."""

    def __init__(self, base: str, query: str = "", page_name: str = ""):
        self.base, self.query, self.page_name = base, query, page_name
        self.pages: dict[str, str] = {}
        self.page_hash = ""
        self.elements: dict[tuple, object] = {}
        self.sent: dict[str, int] = {}  # how many elements of each type came
        self.finished = 0
        self.changed = asyncio.Condition()
        self.timers: dict[str, asyncio.Task] = {}

    async def connect(self) -> None:
        import websockets

        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None)
        self.reader = asyncio.create_task(self._read())
        await self.rerun()

    async def rerun(
        self,
        press: str | None = None,
        page: str | None = None,
        values: dict | None = None,
        fragment: str | None = None,
    ) -> None:
        """A script run: the page (or another ``page`` by its address), a button pressed
        (by its label), number inputs set (label → value), or a live view's ``fragment``."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if page is not None:  # a new page: the old page's live views stop
            for timer in self.timers.values():
                timer.cancel()
            self.timers.clear()
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        if page is not None:
            state.page_script_hash = self.pages[page]
        else:
            state.page_script_hash, state.page_name = self.page_hash, self.page_name
        if fragment is not None:
            state.fragment_id, state.is_auto_rerun = fragment, True
        for label, value in (values or {}).items():
            widget = state.widget_states.widgets.add()
            number = self.number_inputs()[label]
            widget.id = number.id
            if number.data_type == number.INT:
                widget.int_value = int(value)
            else:
                widget.double_value = float(value)
        if press is not None:
            widget = state.widget_states.widgets.add()
            widget.id, widget.trigger_value = self.buttons()[press], True
        await self.ws.send(message.SerializeToString())

    async def _every(self, fragment: str, interval: float) -> None:
        while True:  # the browser's timer for a live view (st.fragment's run_every)
            await asyncio.sleep(interval)
            await self.rerun(fragment=fragment)

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for data in self.ws:
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "navigation":
                pages = message.navigation.app_pages
                self.pages = {p.url_pathname: p.page_script_hash for p in pages}
                self.page_hash = message.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = message.page_info_changed.query_string
            elif kind == "auto_rerun":
                fragment = message.auto_rerun.fragment_id
                if fragment not in self.timers:
                    self.timers[fragment] = asyncio.create_task(
                        self._every(fragment, message.auto_rerun.interval)
                    )
            elif kind == "stop_auto_rerun":
                for fragment in message.stop_auto_rerun.fragment_ids:
                    timer = self.timers.pop(fragment, None)
                    if timer is not None:
                        timer.cancel()
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                self.elements[tuple(message.metadata.delta_path)] = element
                kind = element.WhichOneof("type")
                self.sent[kind] = self.sent.get(kind, 0) + 1
            elif kind == "script_finished":
                self.finished += 1
            async with self.changed:
                self.changed.notify_all()

    def _of(self, kind: str) -> list:
        return [
            getattr(e, kind) for e in list(self.elements.values()) if e.WhichOneof("type") == kind
        ]

    def buttons(self) -> dict[str, str]:
        return {b.label: b.id for b in self._of("button")}

    def number_inputs(self) -> dict:
        return {n.label: n for n in self._of("number_input")}

    def text(self) -> str:
        """The page's words: markdown, alerts, progress lines."""
        parts = [m.body for m in self._of("markdown")] + [a.body for a in self._of("alert")]
        return "\n".join(parts + [p.text for p in self._of("progress")])

    async def until(self, condition, timeout: float = TIMEOUT_MS / 1000) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(condition), timeout)

    async def press_until_audio(self, label: str) -> float:
        """Press the button; seconds until the page's run sends an audio element."""
        await self.until(lambda: label in self.buttons())
        before = self.sent.get("audio", 0)
        pressed = time.monotonic()
        await self.rerun(press=label)
        await self.until(lambda: self.sent.get("audio", 0) > before)
        return time.monotonic() - pressed

    async def close(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        await self.ws.close()
        self.reader.cancel()


async def protocol_flow(url: str, v: Visitor, gate: Gate, args) -> None:
    """Home → ▶ Hear a solo → Generate → 🎵 Generate → a reload of Generate; a trainer first
    starts a long run on Train and, after the rest, reloads Train in the middle of it."""
    arrived = False
    try:
        await asyncio.sleep(random.uniform(0, args.arrival))
        page = ProtocolClient(url)
        await page.connect()
        await page.until(lambda: "▶ Hear a solo" in page.buttons() and "v=" in page.query)
        v.token = page.query.split("v=")[-1]
        if v.n_a is not None:  # a trainer: a long run of their own first
            await page.rerun(page="train")
            await page.until(lambda: "▶ Train" in page.buttons())
            settings = {"n_a (LSTM units)": v.n_a, "epochs": args.epochs}
            await page.rerun(press="▶ Train", values=settings)
            await page.until(lambda: "Training: epoch" in page.text() or "Waiting" in page.text())
            started = time.monotonic()
            await page.rerun(page="")
            await page.until(lambda: "▶ Hear a solo" in page.buttons())
        arrived = True
        gate.arrive()
        await gate.go.wait()
        await asyncio.sleep(random.uniform(0, args.spread))
        v.hear_s = await page.press_until_audio("▶ Hear a solo")
        await page.rerun(page="generate")
        v.generate_s = await page.press_until_audio("🎵 Generate")
        seen = model_lines(page.text())
        v.exceptions += page.sent.get("exception", 0)
        await page.close()
        again = ProtocolClient(url, query=page.query, page_name="generate")  # a reload
        await again.connect()
        await again.until(lambda: again.finished >= 1 and "Model ready" in again.text())
        v.kept_after_reload = not any("Quick train" in b for b in again.buttons())
        seen += model_lines(again.text())
        v.exceptions += again.sent.get("exception", 0)
        await again.close()
        if v.n_a is not None:  # a reload of Train in the middle of the run
            train = ProtocolClient(url, query=page.query, page_name="train")
            await train.connect()
            await train.until(lambda: train.finished >= 1)
            v.kept_mid_training = bool(re.search("Training: epoch|Waiting|Trained", train.text()))
            ended = re.compile(f"Trained {args.epochs:,} epochs|Stopped after")
            await train.until(lambda: ended.search(train.text()), timeout=900)
            v.training_end = ended.search(train.text())[0]
            if v.training_end.startswith("Trained"):
                v.training_done_s = time.monotonic() - started
            await train.rerun(page="generate")
            await train.until(lambda: f"Model ready: n_a = {v.n_a}" in train.text())
            seen += model_lines(train.text())
            v.exceptions += train.sent.get("exception", 0)
            await train.close()
        v.foreign_models = [n for n in seen if int(n) not in (64, v.n_a)]
    except Exception as exc:  # reported in the table, not a crash of the bench
        v.failure = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
        if not arrived:
            gate.arrive()


async def run_class(url: str, args) -> list[Visitor]:
    from playwright.async_api import async_playwright

    trainer_units = [60 + i for i in range(args.trainers)]  # 60, 61, …: never the quick 64
    visitors = [
        Visitor(i, trainer_units[i] if i < args.trainers else None) for i in range(args.visitors)
    ]
    gate = Gate(args.visitors)
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        tasks = [asyncio.create_task(visitor_flow(browser, url, v, gate, args)) for v in visitors]
        await gate.all.wait()
        gate.go.set()  # "now press the button"
        await asyncio.gather(*tasks)
        await browser.close()
    return visitors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--trainers", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1500)
    parser.add_argument(
        "--browsers", type=int, default=3, help="visitors in Chromium (the last ones)"
    )
    parser.add_argument("--arrival", type=float, default=20.0, help="s over which pages open")
    parser.add_argument("--spread", type=float, default=3.0, help="s over which they press")
    args = parser.parse_args()
    browsers = min(args.visitors, args.browsers)
    header(
        f"load: {args.visitors} visitors, {args.trainers} of them training {args.epochs:,} "
        f"epochs — one `streamlit run` server; {browsers} visitors in Chromium contexts "
        f"(Playwright), {args.visitors - browsers} speaking the browser's protocol"
    )
    random.seed(1)
    cache = tempfile.mkdtemp(prefix="jazzcore-load-")
    server, url = start_server(cache)
    sampler = MemorySampler(server.pid)
    sampler.start()
    begun = time.monotonic()
    try:
        visitors = asyncio.run(run_class(url, args))
    finally:
        sampler.stop.set()
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    report(visitors, sampler, args, time.monotonic() - begun)


def report(visitors: list[Visitor], sampler: MemorySampler, args, seconds: float) -> None:
    heard = [v.hear_s for v in visitors if v.hear_s is not None]
    generated = [v.generate_s for v in visitors if v.generate_s is not None]
    trainers = [v for v in visitors if v.n_a is not None]
    peak = max((rss for _, rss in sampler.samples), default=0)

    def spread(values):
        if not values:
            return "—"
        return (
            f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f} / "
            f"{max(values):.1f} s"
        )

    rows = [
        ("visitors who heard a solo", f"{len(heard)}/{len(visitors)}", f"{len(visitors)}/{len(visitors)}"),
        ("▶ Hear a solo → audio, p50 / p95 / max", spread(heard), "p95 ≤ 15 s, max ≤ 30 s"),
        ("🎵 Generate → audio, p50 / p95 / max", spread(generated), "—"),
        ("reloads that kept the model", f"{sum(v.kept_after_reload for v in visitors)}/{len(visitors)}", "all"),
        ("trainers' reloads mid-training that kept the run",
         f"{sum(bool(v.kept_mid_training) for v in trainers)}/"
         f"{sum(v.kept_mid_training is not None for v in trainers)}", "all"),
        (f"long trainings ({args.epochs:,} epochs) finished, slowest",
         f"{sum(v.training_done_s is not None for v in trainers)}/{len(trainers)}, "
         + (f"{max(v.training_done_s for v in trainers if v.training_done_s):.0f} s"
            if any(v.training_done_s for v in trainers) else "—"), "all"),
        ("visitors who saw a model not theirs", str(sum(bool(v.foreign_models) for v in visitors)), "0"),
        ("distinct visitor tokens", f"{len({v.token for v in visitors if v.token})}/{len(visitors)}", "all"),
        ("exceptions / page errors in the browsers",
         f"{sum(v.exceptions for v in visitors)} / {sum(len(v.page_errors) for v in visitors)}", "0 / 0"),
        ("Home heading missing while a solo came", str(sum(v.heading_missing > 0 for v in visitors)), "0"),
        ("server memory (streamlit + trainer process), max", f"{peak / 2**20:,.0f} MB", "≤ 2,048 MB"),
        ("visitors whose flow failed", str(sum(bool(v.failure) for v in visitors)), "0"),
    ]  # fmt: skip
    print()
    print("| figure | measured | target |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    timeline = ", ".join(
        f"{t:.0f} s {rss / 2**20:.0f} MB" for t, rss in sampler.samples[:: max(1, len(sampler.samples) // 12)]
    )  # fmt: skip
    print(f"server memory over the run: {timeline}")
    print(
        "▶ Hear a solo → audio, every visitor (s): " + ", ".join(f"{x:.1f}" for x in sorted(heard))
    )
    print(
        "🎵 Generate → audio, every visitor (s): "
        + ", ".join(f"{x:.1f}" for x in sorted(generated))
    )
    browsers = sum(sampler.browser_cpu.values())
    print(
        f"whole run {seconds:.0f} s on {os.cpu_count()} cores ({seconds * os.cpu_count():.0f} "
        f"core-seconds): CPU used by the server and its trainer {sampler.server_cpu:.0f} s, "
        f"by this bench's Chromium and Playwright {browsers:.0f} s, by everything else on the "
        f"machine {max(0.0, sampler.machine_cpu - sampler.server_cpu - browsers):.0f} s "
        f"(load average {statistics.median(sampler.load or [0]):.1f} median, "
        f"{max(sampler.load or [0]):.1f} max)"
    )
    by_name: dict[str, float] = {}
    for pid, seconds_used in sampler.browser_cpu.items():
        name = sampler.names.get(pid, "?")
        by_name[name] = by_name.get(name, 0.0) + seconds_used
    parts = ", ".join(f"{name} {used:.0f} s" for name, used in sorted(by_name.items()))
    print(f"this bench's own CPU: its Python process {sampler.bench_cpu:.0f} s; {parts}")
    ends = [v.training_end for v in trainers if v.training_end]
    print("the long trainings ended: " + "; ".join(ends))
    for v in visitors:
        if v.failure or v.page_errors or v.foreign_models:
            print(f"visitor {v.number}: {v.failure} {v.page_errors[:2]} {v.foreign_models}")
    ok = (
        len(heard) == len(visitors)
        and percentile(heard, 0.95) <= 15
        and max(heard) <= 30
        and peak <= 2 * 2**30
        and all(v.kept_after_reload and not v.foreign_models and not v.failure for v in visitors)
        and not sum(v.exceptions + len(v.page_errors) for v in visitors)
    )
    print(
        f"load {len(visitors)} visitors: hear p95 {percentile(heard, 0.95) if heard else 0:.1f}s "
        f"max {max(heard, default=0):.1f}s memory {peak / 2**20:.0f}MB — "
        + ("targets met" if ok else "TARGETS MISSED")
    )


if __name__ == "__main__":
    main()
