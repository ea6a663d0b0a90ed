"""A fair trainer: one training at a time, the others waiting between epochs. No Streamlit.

Each run trains in its own thread, but only the thread holding the trainer (the baton)
computes; the others wait in ``should_stop``, which ``jazzcore.training.train`` calls
before every epoch. So a run can be paused and resumed at any epoch boundary without
the library knowing, and the runs never fight over the GIL or the core:

* short runs (a quick model, predicted at most ``short_s`` of work) have a lane of their
  own: they go first, in order of arrival, and a long run hands over the trainer after
  its current epoch (a few milliseconds) when one arrives;
* long runs share the trainer in round-robin slices of ``quantum`` seconds, so every
  waiting student's run progresses; at most ``admitted`` of them share at once (memory),
  the later ones wait for a place in order of arrival;
* a short run that turns out long (twice its prediction) joins the long runs.

Runs in one process: the trainer process (:mod:`.trainer`) runs one of these, tests run
one in-process. Events go to ``emit(kind, job_id, payload)``: 'admitted', 'started',
'epoch' (the train() info dict and the epoch's seconds), 'finished' (status, model,
error message, when: ``time.time()``).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from jazzcore.errors import JazzcoreError

QUANTUM_S = 0.25
"""Seconds a long run trains before the next long run's turn (when one is waiting)."""
SHORT_S = 2.0
"""Runs predicted to need at most this many seconds go in the short lane."""
ADMITTED = 8
"""Long runs sharing the trainer at once; later ones wait for a place."""

_order = itertools.count()


@dataclass(eq=False)
class _Run:
    job_id: Hashable
    run: Callable
    epochs: int
    predicted_s: float
    short: bool
    seq: int = field(default_factory=lambda: next(_order))
    cancelled: bool = False
    admitted: bool = False
    started: bool = False
    epochs_done: int = 0
    busy_s: float = 0.0
    slice_start: float = 0.0
    epoch_start: float = 0.0


class FairScheduler:
    """The fair trainer's policy (see the module's docstring)."""

    def __init__(
        self,
        emit: Callable[[str, Hashable, dict], None],
        *,
        quantum: float = QUANTUM_S,
        short_s: float = SHORT_S,
        admitted: int = ADMITTED,
    ):
        self.emit = emit
        self.quantum = quantum
        self.short_s = short_s
        self.admitted = max(1, admitted)
        self._cond = threading.Condition()
        self._runs: dict[Hashable, _Run] = {}
        self._short: deque[_Run] = deque()  # waiting and running short runs, in order
        self._ring: deque[_Run] = deque()  # admitted long runs, the next turn first
        self._waiting: deque[_Run] = deque()  # long runs waiting for a place
        self._current: _Run | None = None

    # -- the outside ---------------------------------------------------------------------

    def submit(
        self, job_id: Hashable, run: Callable, epochs: int, epoch_s: float, lane: str | None = None
    ) -> None:
        """Train ``run`` (``run(on_epoch=…, should_stop=…)``) for ``epochs`` epochs of about
        ``epoch_s`` seconds each, in the lane its predicted work puts it in (or ``lane``:
        'short' or 'long', as the caller decided)."""
        entry = _Run(job_id, run, int(epochs), float(epoch_s) * int(epochs), False)
        entry.short = entry.predicted_s <= self.short_s if lane is None else lane == "short"
        with self._cond:
            self._runs[job_id] = entry
            if entry.short:
                self._short.append(entry)
            else:
                self._waiting.append(entry)
                self._admit()
            if self._current is None:
                self._current = self._pick()
            self._cond.notify_all()
        threading.Thread(
            target=self._work, args=(entry,), name=f"train-{job_id}", daemon=True
        ).start()

    def cancel(self, job_id: Hashable) -> None:
        """End the run after its current epoch (a waiting run ends at once)."""
        with self._cond:
            entry = self._runs.get(job_id)
            if entry is not None:
                entry.cancelled = True
                self._cond.notify_all()

    @property
    def busy(self) -> bool:
        with self._cond:
            return bool(self._runs)

    # -- the runs' threads ---------------------------------------------------------------

    def _work(self, entry: _Run) -> None:
        status, model, error = "failed", None, None
        try:
            if not self._turn(entry):
                model = entry.run(
                    on_epoch=lambda info: self._epoch_done(entry, info),
                    should_stop=lambda: self._turn(entry),
                )
            stopped = entry.cancelled and entry.epochs_done < entry.epochs
            status = "stopped" if stopped else "done"
            if entry.epochs_done == 0:
                model = None  # nothing trained: no model to keep
        except JazzcoreError as exc:
            error = str(exc)
        except Exception as exc:  # a bug must not kill the trainer silently
            error = f"Training failed: {type(exc).__name__}: {exc}"
        finally:
            with self._cond:
                self._remove(entry)
                self._cond.notify_all()
            self.emit(
                "finished",
                entry.job_id,
                {"status": status, "model": model, "error": error, "at": time.time()},
            )

    def _turn(self, entry: _Run) -> bool:
        """Before each epoch: wait for the trainer; True if the run is to end now."""
        with self._cond:
            if self._current is entry and self._should_yield(entry):
                self._hand_over(entry)
            waited = self._current is not entry
            while self._current is not entry and not entry.cancelled:
                self._cond.wait(0.5)
            if entry.cancelled:
                return True
            now = time.perf_counter()
            if waited or entry.slice_start == 0.0:
                entry.slice_start = now
            entry.epoch_start = now
            first, entry.started = not entry.started, True
        if first:
            self.emit("started", entry.job_id, {"at": time.time()})
        return False

    def _epoch_done(self, entry: _Run, info: dict) -> None:
        seconds = time.perf_counter() - entry.epoch_start
        with self._cond:
            entry.epochs_done += 1
            entry.busy_s += seconds
            if entry.short and entry.busy_s > 2 * max(entry.predicted_s, self.short_s):
                self._demote(entry)
        self.emit("epoch", entry.job_id, {"info": info, "seconds": seconds})

    # -- the policy (called holding the lock) ---------------------------------------------

    def _should_yield(self, entry: _Run) -> bool:
        if entry.cancelled or entry.short:
            return False  # quick runs run to their end, in order of arrival
        if self._short:
            return True  # a quick run goes first
        used = time.perf_counter() - entry.slice_start
        return used >= self.quantum and len(self._ring) > 1

    def _hand_over(self, entry: _Run) -> None:
        """End ``entry``'s turn; after a whole slice it goes to the back of the ring."""
        if entry in self._ring and time.perf_counter() - entry.slice_start >= self.quantum:
            self._ring.remove(entry)
            self._ring.append(entry)
        entry.slice_start = 0.0
        self._current = self._pick()
        self._cond.notify_all()

    def _pick(self) -> _Run | None:
        if self._short:
            return self._short[0]
        if self._ring:
            return self._ring[0]
        return None

    def _admit(self) -> None:
        while self._waiting and len(self._ring) < self.admitted:
            entry = self._waiting.popleft()
            entry.admitted = True
            self._ring.append(entry)
            self.emit("admitted", entry.job_id, {})

    def _demote(self, entry: _Run) -> None:
        if entry in self._short:
            self._short.remove(entry)
            entry.short = False
            self._waiting.appendleft(entry)
            self._admit()
            if not entry.admitted:  # no place: it waits like any long run
                self._current = self._pick()
            self.emit("lane", entry.job_id, {"lane": "long"})

    def _remove(self, entry: _Run) -> None:
        self._runs.pop(entry.job_id, None)
        for lane in (self._short, self._ring, self._waiting):
            if entry in lane:
                lane.remove(entry)
        self._admit()
        if self._current is entry or self._current is None:
            self._current = self._pick()
