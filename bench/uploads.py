"""Uploads: one visitor uploads every malicious file of bench/fuzz.py to a real server.

One `streamlit run streamlit_app.py` server (JAZZCORE_OFFLINE=1, a fresh JAZZCORE_CACHE),
one visitor in Debian's Chromium under Playwright. The visitor chooses “Your own MIDI /
MusicXML” and puts each crafted music file of bench/fuzz.py in the sidebar's uploader in
turn (zip bombs, a planted music21 cache pickle, crafted and huge MIDI and MusicXML files),
then a few corpus uploads (a .zip holding a bomb, a .zip of damaged files); then, on Train
with the lead sheets, each crafted model file in the model uploader. After each file the
visitor removes it from the uploader, as a person would before the next.

Recorded per file: the line the page shows (an error, the corpus's caption or the model's
line; Streamlit's own refusal of a file over its upload limit), any exception box, the
seconds from the upload to that line, the largest resident memory of the server's process
tree (the server, the trainer, the parser's zygote and its children; sampled every 0.1 s,
shared pages counted once per process: an upper bound) while the file was handled, and
whether a planted pickle ran. The issue's target: the server stays under 1.5 GB.

Run: .venv/bin/python bench/uploads.py [--quick] [--no-models] [--out table.md]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fuzz
import psutil
from _util import header
from load import start_server, tree

CHROMIUM = os.environ.get("JAZZCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_S = 180.0
TARGET_BYTES = int(1.5 * 2**30)
SUFFIX = {"midi": ".mid", "musicxml": ".musicxml", "mxl": ".mxl", "model": ".npz", "zip": ".zip"}


@dataclass
class Upload:
    """A case of fuzz.py (or one of this bench's), as files a visitor uploads at once."""

    case: fuzz.Case
    files: list[tuple[str, bytes]] | None = None  # several files; None: the case's bytes

    def paths(self, folder: Path, number: int) -> list[Path]:
        made = self.files or [(f"case-{number:02d}{SUFFIX[self.case.kind]}", self.case.bytes())]
        paths = []
        for name, data in made:
            path = folder / f"{number:02d}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            paths.append(path)
        return paths


@dataclass
class Row:
    name: str
    shown: str
    seconds: float
    peak_bytes: int
    exception: str = ""
    code_ran: bool = False
    size: int = 0


class Sampler(threading.Thread):
    """RSS of the server's process tree every 0.1 s: (monotonic time, bytes)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.1):
            processes = tree(self.pid)
            if processes is None:
                continue
            total = 0
            for p in processes:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.samples.append((time.monotonic(), total))

    def peak(self, start: float, end: float) -> int:
        return max((rss for t, rss in self.samples if start <= t <= end + 0.2), default=0)


# ---------------------------------------------------------------------------------------
# The files


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _corpus_bomb() -> bytes:
    """A .zip of two solos and a score.xml of 1 GB of spaces (about 1 MB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.mid", fuzz.trio(4))
        archive.writestr("b.musicxml", fuzz.lead_sheet(4))
        with archive.open("score.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(1024):
                member.write(block)
    return buffer.getvalue()


def _three_broken() -> bytes:
    """A .zip of three damaged MIDI files (the app takes several solos as one zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("flipped.mid", fuzz._flipped_key_signature())
        archive.writestr("tempo0.mid", fuzz._zero_tempo())
        archive.writestr("type2.mid", fuzz.trio(2)[:8] + b"\x00\x02" + fuzz.trio(2)[10:])
    return buffer.getvalue()


def uploads(work: Path, *, quick: bool, models: bool) -> list[Upload]:
    """The crafted music files of fuzz.py, this bench's corpus uploads, then the models."""
    found = [
        Upload(case)
        for case in fuzz.crafted_cases(work, fuzz.seeds_model(), heavy=not quick)
        if case.kind != "model"
    ]
    count = 1_001 if quick else 60_000  # 60,000 entries: 5.6 MB, under the upload limit
    found += [
        Upload(fuzz.Case("zip", "crafted", "zip: two solos and 1 GB of spaces", _corpus_bomb)),
        Upload(
            fuzz.Case("zip", "crafted", f"zip: {count:,} entries", lambda: fuzz.many_entries(count))
        ),
        Upload(
            fuzz.Case("zip", "crafted", "zip: key signature flip, tempo 0, type 2", _three_broken),
        ),
    ]
    if models:
        found += [Upload(case) for case in fuzz.model_cases(fuzz.seeds_model(), work)]
    return found


# ---------------------------------------------------------------------------------------
# The visitor


def wait_for_idle(page) -> None:
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=TIMEOUT_S * 1000)


def _texts(locator) -> list[str]:
    return [" ".join(t.split()) for t in locator.all_inner_texts()]


def outcome(page, uploader, markers: list[str]) -> tuple[str, str] | None:
    """(the line shown for the upload, an exception box's text), once the page shows one;
    None while it does not yet."""
    exception = " / ".join(_texts(page.get_by_test_id("stException")))
    refused = uploader.get_by_test_id("stFileChipIconError")
    if refused.count():
        chips = _texts(uploader.get_by_test_id("stFileChip"))
        return "uploader: " + " ".join(chips), exception
    lines = _texts(page.get_by_test_id("stMain").get_by_test_id("stAlert"))
    lines += _texts(page.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer"))
    for line in lines:
        if any(marker in line for marker in markers):
            return line, exception
    if exception:
        return "(an exception box)", exception
    return None


def handle(page, uploader, upload: Upload, number: int, work: Path, sampler: Sampler) -> Row:
    paths = upload.paths(work / "files", number)
    markers = [p.name for p in paths] if len(paths) == 1 else ["your files", "files are"]
    start = time.monotonic()
    uploader.locator("input[type=file]").set_input_files([str(p) for p in paths])
    shown = None
    while shown is None and time.monotonic() - start < TIMEOUT_S:
        page.wait_for_timeout(100)
        shown = outcome(page, uploader, markers)
    seconds = time.monotonic() - start
    with_exception = ""
    if shown is None:
        shown = (f"(nothing within {TIMEOUT_S:.0f} s)", "")
    else:
        wait_for_idle(page)
        shown = outcome(page, uploader, markers) or shown
    line, with_exception = shown
    ran = list(work.glob("ran-*"))
    for p in ran:
        p.unlink()
    row = Row(
        upload.case.name,
        line,
        seconds,
        sampler.peak(start, time.monotonic()),
        with_exception,
        bool(ran),
        sum(p.stat().st_size for p in paths),
    )
    for button in uploader.get_by_test_id("stFileChipDeleteBtn").all()[::-1]:
        button.click()
    wait_for_idle(page)
    for p in paths:
        p.unlink()
    return row


def visit(url: str, work: Path, all_uploads: list[Upload], sampler: Sampler, progress) -> list[Row]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(url, timeout=TIMEOUT_S * 1000)
        page.get_by_text("Unique values (n_values)").wait_for(timeout=TIMEOUT_S * 1000)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Your own MIDI / MusicXML").click()
        page.get_by_text("Upload a solo in the sidebar to begin.").wait_for()
        wait_for_idle(page)
        on_train = False
        for number, upload in enumerate(all_uploads, 1):
            if upload.case.kind == "model" and not on_train:
                sidebar.get_by_text("Lead sheets (music21 corpus, offline)").click()
                wait_for_idle(page)
                page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
                page.get_by_role("heading", name="🏋️ Train the LSTM").wait_for()
                wait_for_idle(page)
                on_train = True
            area = page.get_by_test_id("stMain" if on_train else "stSidebar")
            uploader = area.get_by_test_id("stFileUploader").first
            rows.append(handle(page, uploader, upload, number, work, sampler))
            progress(number, rows[-1])
        browser.close()
    return rows


# ---------------------------------------------------------------------------------------
# The report


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def table(rows: list[Row]) -> str:
    lines = [
        "| # | file | size | shown message | seconds | max server RSS |",
        "|---:|---|---:|---|---:|---:|",
    ]
    for k, r in enumerate(rows, 1):
        shown = r.shown if len(r.shown) <= 160 else r.shown[:159] + "…"
        if r.exception:
            shown += f" **exception box: {r.exception[:120]}**"
        if r.code_ran:
            shown += " **planted code ran**"
        shown = shown.replace("|", "\\|")
        size = f"{r.size / 1e6:.2f} MB" if r.size >= 100_000 else f"{r.size / 1e3:.1f} KB"
        lines.append(
            f"| {k} | {r.name} | {size} | {shown} | {r.seconds:.1f} | {mb(r.peak_bytes)} |"
        )
    return "\n".join(lines)


def summary(rows: list[Row], start_rss: int, peak: int, seconds: float) -> str:
    exceptions = sum(bool(r.exception) for r in rows)
    ran = sum(r.code_ran for r in rows)
    silent = sum(r.shown.startswith("(nothing") for r in rows)
    multi = sum("\n" in r.shown for r in rows)
    verdict = "under" if peak < TARGET_BYTES else "OVER"
    return (
        f"{len(rows)} uploads in {seconds:.0f} s: {exceptions} exception boxes, {multi} "
        f"messages on several lines, {silent} with nothing shown, planted code ran {ran} times; "
        f"server RSS {mb(start_rss)} at the start, at most {mb(peak)} — {verdict} the 1.5 GB target."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the heavy crafted files")
    parser.add_argument("--no-models", action="store_true", help="music uploads only")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args()
    header("Uploads: every malicious file, one visitor, one server")
    with tempfile.TemporaryDirectory(prefix="jazzcore-uploads-") as folder:
        work = Path(folder)
        cache = work / "cache"
        os.environ["JAZZCORE_CACHE"] = str(
            cache
        )  # the planted pickles go next to the server's store
        os.environ["JAZZCORE_OFFLINE"] = "1"
        all_uploads = uploads(work, quick=args.quick, models=not args.no_models)
        server, url = start_server(str(cache))
        sampler = Sampler(server.pid)
        sampler.start()
        try:
            time.sleep(1.0)
            start_rss = sampler.samples[-1][1] if sampler.samples else 0
            began = time.monotonic()

            def progress(k, row):
                print(
                    f"{k:>3}/{len(all_uploads)} {row.seconds:5.1f} s {mb(row.peak_bytes):>8}  "
                    f"{row.name}: {row.shown[:100]}",
                    flush=True,
                )

            rows = visit(url, work, all_uploads, sampler, progress)
            seconds = time.monotonic() - began
        finally:
            sampler.halt.set()
            server.terminate()
            try:
                server.wait(10)
            except Exception:
                server.kill()
        peak = max((rss for _, rss in sampler.samples), default=0)
    text = table(rows)
    line = summary(rows, start_rss, peak, seconds)
    print()
    print(text)
    print()
    print(line)
    if args.out:
        Path(args.out).write_text(text + "\n\n" + line + "\n")
    if re.search(r"OVER", line) or any(r.exception or r.code_ran for r in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
