"""Training runs in background threads, and the server's queue of them. No Streamlit here.

* :class:`TrainingSlots` — at most N trainings run at once on the server; the others wait
  in a first-come queue and can show their position.
* :class:`TrainingJob` — one user's training run in its own thread: a page reads its
  progress to draw the live chart, Stop asks it to end after the epoch, and the weights
  trained so far are kept whatever the page does meanwhile (rerun, page switch, Stop).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import InitVar, dataclass, field

from jazzcore.errors import JazzcoreError
from jazzcore.model import JazzModel


def max_concurrent_trainings() -> int:
    """How many trainings may run at once (``$JAZZCORE_MAX_TRAININGS``, default 1 on 2 cores)."""
    try:
        return max(1, int(os.environ.get("JAZZCORE_MAX_TRAININGS", "1")))
    except ValueError:
        return 1


class TrainingSlots:
    """A bounded number of running trainings and a first-come queue for the rest.

    Each caller holds a ticket (any hashable). ``position(ticket)`` is 0 while it runs and
    1, 2, … while it waits; ``acquire`` blocks until the ticket is first in line and a slot
    is free. Shared by all sessions of one server (the app keeps one in ``st.cache_resource``).
    """

    def __init__(self, capacity: int = 1):
        self.capacity = capacity
        self._cond = threading.Condition()
        self._running: set[Hashable] = set()
        self._waiting: deque[Hashable] = deque()

    def position(self, ticket: Hashable) -> int | None:
        """0 while running, 1, 2, … while waiting, None when neither."""
        with self._cond:
            if ticket in self._running:
                return 0
            if ticket in self._waiting:
                return self._waiting.index(ticket) + 1
            return None

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._running)

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def acquire(
        self,
        ticket: Hashable,
        cancelled: Callable[[], bool] = lambda: False,
        poll_s: float = 0.1,
    ) -> bool:
        """Wait for a slot; False if ``cancelled()`` became true while waiting."""
        with self._cond:
            self._waiting.append(ticket)
            try:
                while not (self._waiting[0] == ticket and len(self._running) < self.capacity):
                    if cancelled():
                        return False
                    self._cond.wait(poll_s)
                self._running.add(ticket)
                return True
            finally:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._cond.notify_all()

    def release(self, ticket: Hashable) -> None:
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of a training run: epoch (1-based), loss (the sum over the Tx steps of the
    mean cross-entropy, nats), per-step losses (Tx floats, nats), accuracy (share, 0–1, of
    the non-empty steps whose likeliest value is the right one)."""

    epoch: int
    loss: float
    per_step_loss: tuple[float, ...]
    accuracy: float

    @classmethod
    def from_info(cls, info: dict) -> EpochRecord:
        """From the dict ``jazzcore.training.train`` passes to ``on_epoch``."""
        return cls(
            int(info["epoch"]),
            float(info["loss"]),
            tuple(float(x) for x in info["per_step_loss"]),
            float(info["accuracy"]),
        )


_ticket_numbers = itertools.count(1)


class SessionToken:
    """Lives in one user's ``st.session_state`` for as long as the session does: a
    :class:`TrainingJob` owned by it notices when the user has gone."""


@dataclass
class TrainingJob:
    """A training run in a background thread that never touches Streamlit.

    run: called as ``run(on_epoch=…, should_stop=…)``, returns the trained model.
    epochs: how many the run is asked for (the progress bar's end).
    quick: a quick run the app started for a newcomer (Hear a solo, Quick train), not one
    the user set up on the Train page.
    status: 'queued', 'running', 'done', 'stopped' or 'failed'; history, model, error,
    started_at, finished_at (``time.time()`` seconds) are read by the page.
    owner: an object living in the user's session (a :class:`SessionToken`); the job holds
    it weakly, and once the session is gone (the user left) a queued job leaves the queue
    and a running one stops after its epoch, freeing the trainer for the others.
    """

    run: Callable[..., JazzModel]
    slots: TrainingSlots
    epochs: int
    quick: bool = False
    status: str = "queued"
    history: list[EpochRecord] = field(default_factory=list)
    model: JazzModel | None = None
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    ticket: int = field(default_factory=lambda: next(_ticket_numbers))
    owner: InitVar[object | None] = None

    def __post_init__(self, owner: object | None) -> None:
        self._owner = weakref.ref(owner) if owner is not None else None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._work, name=f"training-{self.ticket}", daemon=True
        )

    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to end after the current epoch; the weights so far are kept."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def _cancelled(self) -> bool:
        """Stop was pressed, or the session that started the job is gone."""
        return self._stop.is_set() or (self._owner is not None and self._owner() is None)

    @property
    def active(self) -> bool:
        """Queued or running: the model is not there yet."""
        return self.status in ("queued", "running")

    @property
    def queue_position(self) -> int | None:
        return self.slots.position(self.ticket)

    @property
    def progress(self) -> float:
        """Share of the asked epochs done, 0–1."""
        return min(1.0, len(self.history) / self.epochs)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended (True) or the timeout (seconds) passed (False)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def status_text(self) -> str:
        """One line for the page: the queue position, the epoch, the error or the result."""
        if self.status == "queued":
            return (
                "Waiting for a free trainer: you are number "
                f"{self.queue_position or 1} in the queue."
            )
        if self.status == "running":
            return f"Training: epoch {len(self.history)} of {self.epochs}"
        if self.status == "failed":
            return self.error or "Training failed."
        seconds = (self.finished_at or 0) - (self.started_at or self.finished_at or 0)
        verb = "Stopped after" if self.status == "stopped" else "Trained"
        return f"{verb} {len(self.history)} epochs in {seconds:.1f} s."

    def _on_epoch(self, info: dict) -> None:
        self.history.append(EpochRecord.from_info(info))

    def _work(self) -> None:
        # The page reads from another thread: ``status`` leaves 'queued'/'running' last,
        # once the model, the error and finished_at it will read are in place.
        if not self.slots.acquire(self.ticket, cancelled=self._cancelled):
            self.finished_at = time.time()
            self.status = "stopped"
            return
        self.started_at = time.time()
        self.status = "running"
        status = "failed"
        try:
            self.model = self.run(on_epoch=self._on_epoch, should_stop=self._cancelled)
            stopped_early = self._cancelled() and len(self.history) < self.epochs
            status = "stopped" if stopped_early else "done"
        except JazzcoreError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug must not kill the server thread silently
            self.error = f"Training failed: {type(exc).__name__}: {exc}"
        finally:
            self.finished_at = time.time()
            self.slots.release(self.ticket)
            self.status = status
