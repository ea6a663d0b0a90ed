"""Where the trainer's runs compute: in a process of its own (the app's) or in threads here
(tests, and runs that cannot be pickled). No Streamlit here.

Both run a :class:`~jazzcore.app.scheduler.FairScheduler` and report its events
('admitted', 'lane', 'started', 'epoch', 'finished') to the
:class:`~jazzcore.app.trainer.Trainer`'s ``on_event(kind, job_number, payload)``.
The trainer process is a plain ``python -c`` child (not multiprocessing: nothing of the
server's main module runs in it) that talks through two pipes; it ends when the server
does, and starts again if it died (its runs then fail with a one-line message).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from jazzcore.runtime import keep_freed_memory

from .jobs import RunSpec, TrainingJob
from .scheduler import FairScheduler

ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
"""The trainer process's BLAS on one thread from the start (not only inside ``train``'s
epochs: the initial weights' QR too): it trains on one core, and a spinning BLAS thread
would take the web server's."""
ROOT = str(Path(__file__).resolve().parents[2])
"""The folder holding the jazzcore package: the trainer process imports it from there."""


class ThreadBackend:
    """The scheduler in this process (runs need not be picklable)."""

    def __init__(self, on_event: Callable, settings: dict):
        self._scheduler = FairScheduler(on_event, **settings)

    def submit(self, job: TrainingJob) -> None:
        self._scheduler.submit(job.number, job.run, job.epochs, job.predicted_epoch_s, job.lane)

    def cancel(self, job: TrainingJob) -> None:
        self._scheduler.cancel(job.number)

    def close(self) -> None:
        pass


class ProcessBackend:
    """The scheduler in a trainer process; events come back through a pipe. The process
    starts with the backend and again if it died (its runs then fail with a message)."""

    def __init__(self, on_event: Callable, settings: dict):
        self._on_event = on_event
        self._settings = settings
        self._lock = threading.Lock()
        self._process = None
        self._conn = None
        self._numbers: set[int] = set()
        self._ensure()

    def _ensure(self):
        if self._process is not None and self._process.poll() is None:
            return self._conn
        child_reads, parent_writes = os.pipe()
        parent_reads, child_writes = os.pipe()
        code = (
            "import sys; from jazzcore.app.worker import worker_process; "
            f"worker_process({child_reads}, {child_writes}, {self._settings!r})"
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]),
        }
        # a process of its own (not multiprocessing): nothing of the server's main module runs
        process = subprocess.Popen(
            [sys.executable, "-c", code], pass_fds=(child_reads, child_writes), env=env
        )
        os.close(child_reads)
        os.close(child_writes)
        parent = _Duplex(parent_reads, parent_writes)
        self._process, self._conn = process, parent
        threading.Thread(
            target=self._read, args=(parent, process), name="trainer-events", daemon=True
        ).start()
        return parent

    def _read(self, conn, process) -> None:
        while True:
            try:
                events = conn.recv()
            except (EOFError, OSError):
                break
            for kind, number, payload in events:
                if kind == "finished":
                    self._numbers.discard(number)
                self._on_event(kind, number, payload)
        with self._lock:  # the process died: its runs end with a message
            lost, self._numbers = set(self._numbers), set()
        for number in lost:
            self._on_event(
                "finished",
                number,
                {
                    "status": "failed",
                    "model": None,
                    "error": "The trainer stopped: train again.",
                    "at": time.time(),
                },
            )

    def submit(self, job: TrainingJob) -> None:
        if not isinstance(job.run, RunSpec):
            raise TypeError("The trainer process trains RunSpecs only.")
        with self._lock:
            conn = self._ensure()
            self._numbers.add(job.number)
            conn.send(("submit", job.number, job.run, job.epochs, job.predicted_epoch_s, job.lane))

    def cancel(self, job: TrainingJob) -> None:
        with self._lock, contextlib.suppress(OSError, AttributeError):
            self._conn.send(("cancel", job.number))

    def close(self) -> None:
        with self._lock, contextlib.suppress(OSError, AttributeError):
            self._conn.send(("exit",))
            self._process.wait(5)
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


class _Duplex:
    """Two one-way pipes as one connection (send, recv, close) of pickled messages."""

    def __init__(self, read_fd: int, write_fd: int):
        self._reader = Connection(read_fd, writable=False)
        self._writer = Connection(write_fd, readable=False)

    def send(self, message) -> None:
        self._writer.send(message)

    def recv(self):
        return self._reader.recv()

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


def _one_arena() -> Callable[[], None]:
    """glibc: one malloc arena for the process (its runs compute one at a time, so they
    never contend for it; with an arena per thread each run's thread would keep its own
    freed pages), and a function that gives the freed pages back to the system."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_ARENA_MAX = -8  # glibc's malloc.h
        libc.mallopt(M_ARENA_MAX, 1)
        return lambda: libc.malloc_trim(0)
    except (OSError, AttributeError):
        return lambda: None


def worker_process(read_fd: int, write_fd: int, settings: dict) -> None:
    """The trainer process's main: a FairScheduler fed by the pipe; events go back in
    batches (at most every 50 ms), so an epoch never waits for the pipe. When a run ends
    its memory goes back to the system. It ends when the server does (its pipe closes)."""
    trim = _one_arena()
    keep_freed_memory()  # fast epochs: freed pages stay mapped while runs go on
    conn = _Duplex(read_fd, write_fd)
    events: queue.Queue = queue.Queue()

    def emit(kind, number, payload) -> None:
        events.put((kind, number, payload))
        if kind == "finished":
            trim()

    def send_events() -> None:
        while True:
            batch = [events.get()]
            time.sleep(0.05)
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(events.get_nowait())
            try:
                conn.send(batch)
            except (OSError, ValueError):
                os._exit(0)

    threading.Thread(target=send_events, name="events", daemon=True).start()
    scheduler = FairScheduler(emit, **settings)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the server has gone
        if message[0] == "submit":
            _, number, spec, epochs, epoch_s, lane = message
            scheduler.submit(number, spec, epochs, epoch_s, lane)
        elif message[0] == "cancel":
            scheduler.cancel(message[1])
        elif message[0] == "exit":
            os._exit(0)
