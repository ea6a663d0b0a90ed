"""What a training run is, what it costs, and how a page follows it. No Streamlit here.

* :class:`RunSpec` — a run described by its data and settings (the corpus's values, m, Tx,
  the TrainConfig): small, picklable (it travels to the trainer process), callable (it
  trains), with a :attr:`~RunSpec.key` shared by every identical run (same settings → same
  weights, so the class can share one).
* :func:`predicted_epoch_seconds` — the cost model the budget and the estimates use.
* :class:`TrainingJob` — a page's handle on a run the :mod:`.trainer` runs: status, the
  epochs so far (the live chart), the model, the estimate of the time left, Stop.
* :func:`finish_times` — when each run ends if the trainer shares itself between them.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jazzcore.dataset import Vocabulary, data_processing
from jazzcore.errors import ParameterError
from jazzcore.model import JazzModel, TrainConfig
from jazzcore.training import train


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of a training run: epoch (1-based), loss (the sum over the Tx steps of the
    mean cross-entropy, nats), per-step losses (Tx floats, nats), accuracy (share, 0–1, of
    the non-empty steps whose likeliest value is the right one), seconds (the trainer's
    time spent on this epoch, s; 0 when unknown)."""

    epoch: int
    loss: float
    per_step_loss: tuple[float, ...]
    accuracy: float
    seconds: float = 0.0

    @classmethod
    def from_info(cls, info: dict, seconds: float = 0.0) -> EpochRecord:
        """From the dict ``jazzcore.training.train`` passes to ``on_epoch`` (or a model's
        history read from a file, which may not keep the per-step losses)."""
        return cls(
            int(info["epoch"]),
            float(info["loss"]),
            tuple(float(x) for x in info.get("per_step_loss", ())),
            float(info.get("accuracy", 0.0)),
            float(seconds),
        )


# ---------------------------------------------------------------------------------------
# What a run costs

STEP_SECONDS = 45e-6
"""Seconds of Python and NumPy overhead per time step of an epoch (measured, 2-core VM)."""
REFERENCE_STEP = (1_582_080, 343e-6)
"""(m · n_a · (4 n_a + n_values), seconds per step beyond the overhead) of the course's run
(60 windows, n_a = 64, 156 values): 11.7 ms an epoch of 30 steps."""
MAX_ACTIVATIONS = 4_000_000
"""m · Tx · n_a a run may have on this shared server (about 160 MB while an epoch runs)."""
MAX_ONE_HOT = 4_000_000
"""m · Tx · n_values a run may have (X and Y: 32 MB)."""
SCALING = 0.8
"""Bigger products use the CPU better: the seconds grow as the 0.8 power of the work."""


def predicted_epoch_seconds(m: int, Tx: int, n_a: int, n_values: int) -> float:
    """Seconds one epoch takes on one free core, from the products of a time step:
    the gates (m × n_a by n_a × 4 n_a) and the softmax (m × n_a by n_a × n_values),
    forward and back. Within 1.5× of measured runs from n_a = 8 to 1024 (bench/app.py
    measures the real time; the trainer corrects its predictions by what it measures)."""
    work, seconds = REFERENCE_STEP
    flops = m * n_a * (4 * n_a + n_values)
    return Tx * (STEP_SECONDS + seconds * (flops / work) ** SCALING)


@dataclass(frozen=True, eq=False)
class RunSpec:
    """A training run: ``jazzcore.training.train`` on windows of a corpus.

    values, lengths: the corpus's grammar values and the length of each of its solos (no
    window crosses from one solo into the next); vocabulary: the corpus's Vocabulary.
    m, Tx: windows and time steps (the course: 60 and 30), drawn with ``config.seed``.
    config: the TrainConfig. source: the corpus's source record, kept in the model.
    Calling it trains: ``spec(on_epoch=…, should_stop=…)`` returns the JazzModel.
    """

    values: tuple[str, ...]
    lengths: tuple[int, ...]
    vocabulary: Vocabulary
    m: int
    Tx: int
    config: TrainConfig
    source: object = None

    @property
    def epochs(self) -> int:
        return self.config.epochs

    @property
    def key(self) -> str:
        """The same for two runs that train the same weights (SHA-256 of data and settings)."""
        text = "\n".join(
            [
                self.vocabulary.fingerprint(),
                ",".join(map(str, self.lengths)),
                "\x1f".join(self.values),
                f"m={self.m} Tx={self.Tx} {self.config!r}",
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def activations(self) -> int:
        """m · Tx · n_a: the states and gates an epoch stores (about 40 bytes each)."""
        return self.m * self.Tx * self.config.n_a

    @property
    def one_hot_values(self) -> int:
        """m · Tx · n_values: the size of X (and of Y), 4 bytes each."""
        return self.m * self.Tx * len(self.vocabulary)

    def check_memory(self) -> None:
        """A one-line ParameterError if the run is too big for this shared server's memory."""
        if self.activations > MAX_ACTIVATIONS:
            raise ParameterError(
                f"m · Tx · n_a = {self.m:,} · {self.Tx:,} · {self.config.n_a:,} = "
                f"{self.activations:,} is more than this shared server trains at once "
                f"({MAX_ACTIVATIONS:,}): choose fewer windows, time steps or units."
            )
        if self.one_hot_values > MAX_ONE_HOT:
            raise ParameterError(
                f"m · Tx · n_values = {self.one_hot_values:,} is more than this shared server "
                f"holds for one run ({MAX_ONE_HOT:,}): choose fewer windows or time steps."
            )

    def epoch_seconds(self) -> float:
        """Predicted seconds per epoch on a free core (:func:`predicted_epoch_seconds`)."""
        return predicted_epoch_seconds(self.m, self.Tx, self.config.n_a, len(self.vocabulary))

    def __call__(
        self,
        on_epoch: Callable[[dict], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> JazzModel:
        X, Y, _ = data_processing(
            self.values,
            self.vocabulary.values_indices,
            self.m,
            self.Tx,
            self.config.seed,
            lengths=self.lengths,
        )
        return train(
            X,
            Y,
            self.vocabulary,
            self.config,
            on_epoch=on_epoch,
            should_stop=should_stop,
            source=self.source,
        )


# ---------------------------------------------------------------------------------------
# Estimates


def finish_times(
    remaining: Sequence[float], *, ahead: float = 0.0, admitted: int | None = None
) -> list[float]:
    """Seconds until each run ends when the trainer shares itself equally between the
    runs it has admitted (round-robin time slices), the runs in order of arrival.

    remaining: each run's seconds of work left, running runs first, then waiting ones.
    ahead: seconds of work that goes before all of them (quick runs have their own lane).
    admitted: how many runs share the trainer at once (None: all); a waiting run starts
    when an admitted one ends.
    """
    left = [max(0.0, r) for r in remaining]
    done = [0.0] * len(left)
    capacity = len(left) if admitted is None else max(1, admitted)
    active = list(range(min(capacity, len(left))))
    waiting = list(range(len(active), len(left)))
    now = ahead
    while active:
        step = min(left[i] for i in active)
        now += step * len(active)
        for i in active:
            left[i] -= step
        for i in [i for i in active if left[i] <= 1e-12]:
            active.remove(i)
            done[i] = now
            if waiting:
                active.append(waiting.pop(0))
    return done


def duration_text(seconds: float) -> str:
    """'4 s', '40 s', '3 min': seconds rounded up to what a person reads."""
    if seconds < 60:
        return f"{max(1, math.ceil(seconds))} s"
    return f"{math.ceil(seconds / 60)} min"


def describe_seconds(seconds: float) -> str:
    """'about 4 s', 'about 3 min'."""
    return "about " + duration_text(seconds)


# ---------------------------------------------------------------------------------------
# A page's handle on a run

_job_numbers = itertools.count(1)


@dataclass(eq=False)
class TrainingJob:
    """A training run as the pages see it; the :class:`~jazzcore.app.trainer.Trainer` runs
    it and writes here (from its own threads), the pages only read and call :meth:`stop`.

    run: a :class:`RunSpec` (or, in tests, any ``run(on_epoch=…, should_stop=…)``).
    epochs: how many the run is asked for. quick: the app started it for a newcomer (Hear a
    solo, Quick train). shared: one run for everyone who asks for the same settings.
    status: 'queued', 'running', 'done', 'stopped' or 'failed'. history: EpochRecords.
    model, error, started_at, finished_at (``time.time()``). stop_reason: why it stopped
    early ('stop', 'gone', 'limit', 'shutdown'). lane: 'short' (runs before the long runs)
    or 'long' (sharing the trainer in time slices). admitted: a long run the trainer is
    sharing itself with (others wait for a place). left_s, starts_in_s: the estimate.
    sharing: runs sharing the trainer now.
    """

    run: Callable[..., JazzModel]
    epochs: int
    quick: bool = False
    shared: bool = False
    status: str = "queued"
    history: list[EpochRecord] = field(default_factory=list)
    model: JazzModel | None = None
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    stop_reason: str | None = None
    lane: str = "long"
    admitted: bool = False
    left_s: float | None = None
    starts_in_s: float | None = None
    sharing: int = 1
    number: int = field(default_factory=lambda: next(_job_numbers))
    predicted_epoch_s: float = 0.0
    submitted_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self._ended = threading.Event()
        self._cancel: Callable[[TrainingJob, str], None] | None = None

    @property
    def ticket(self) -> int:
        return self.number

    # -- the pages ---------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Queued or running: the model is not there yet."""
        return self.status in ("queued", "running")

    @property
    def stop_requested(self) -> bool:
        return self.stop_reason is not None

    @property
    def progress(self) -> float:
        """Share of the asked epochs done, 0–1."""
        return min(1.0, len(self.history) / self.epochs)

    @property
    def busy_seconds(self) -> float:
        """The trainer's time spent on this run so far (s)."""
        return sum(r.seconds for r in self.history)

    def epoch_seconds(self) -> float:
        """Seconds per epoch: measured over the last epochs once there are some, else
        the prediction."""
        recent = [r.seconds for r in self.history[-20:] if r.seconds > 0]
        if len(recent) >= 3:
            return sum(recent) / len(recent)
        return self.predicted_epoch_s

    def remaining_seconds(self) -> float:
        """The trainer's time this run still needs (s)."""
        return max(0, self.epochs - len(self.history)) * self.epoch_seconds()

    def stop(self, reason: str = "stop") -> None:
        """End the run after the current epoch (a waiting run leaves the queue); the
        weights trained so far are kept."""
        if self.stop_reason is None:
            self.stop_reason = reason
        if self._cancel is not None and self.active:
            self._cancel(self, reason)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended (True) or the timeout (seconds) passed (False)."""
        return self._ended.wait(timeout)

    def status_text(self) -> str:
        """One line for the page: the wait and its estimate, the epoch, the error or the
        result."""
        if self.status == "queued":
            return self._waiting_text()
        if self.status == "running":
            text = f"Training: epoch {len(self.history):,} of {self.epochs:,}"
            if self.stop_requested:
                return text + " — stopping after this epoch."
            if self.sharing > 1:
                text += f" · the trainer is shared by {self.sharing} runs"
            if self.left_s is not None and len(self.history) < self.epochs:
                text += f" · {describe_seconds(self.left_s)} left"
            return text + "."
        if self.status == "failed":
            return self.error or "Training failed."
        seconds = (self.finished_at or 0) - (self.started_at or self.finished_at or 0)
        if self.status == "stopped":
            if not self.history:
                return "Stopped before it started."
            why = {
                "limit": " at this server's time limit per run",
                "gone": ": its page was closed",
            }.get(self.stop_reason or "", "")
            return f"Stopped after {len(self.history):,} epochs{why} ({seconds:.1f} s)."
        engine = f" on the {self.model.engine} engine" if self.model is not None else ""
        return f"Trained {len(self.history):,} epochs in {seconds:.1f} s{engine}."

    def _waiting_text(self) -> str:
        when = ""
        if self.starts_in_s is not None:
            when = f": it starts in {describe_seconds(self.starts_in_s)}"
            if self.left_s is not None:
                when += f" and ends in {describe_seconds(self.left_s)}"
        return f"Waiting for the trainer{when}."

    # -- the trainer -------------------------------------------------------------------

    def _started(self, at: float) -> None:
        if self.started_at is None:
            self.started_at = at
        if self.status == "queued":
            self.status = "running"

    def _epoch(self, record: EpochRecord) -> None:
        self.history.append(record)

    def _finished(
        self, status: str, model: JazzModel | None, error: str | None, at: float | None = None
    ) -> None:
        """The run ended (``at``: when, by the trainer's clock; else now)."""
        # A page reads from another thread: the status leaves 'queued'/'running' last.
        self.model = model
        self.error = error
        self.finished_at = time.time() if at is None else at
        if self.started_at is None:
            self.started_at = self.finished_at
        self.left_s = self.starts_in_s = None
        self.status = status
        self._ended.set()
