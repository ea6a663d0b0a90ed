"""The server's trainer: every visitor's training runs, in a process of its own. No Streamlit.

Why a process: training is NumPy on small matrices, so most of its time holds Python's
GIL. In the web server's process it competed with every visitor's page runs for the GIL
(each matrix product gives the GIL up and waits to get it back): with a busy second
Python thread an epoch took 4× as long, with the live chart redrawn as fast as it could
20× (bench/app.py). In a process of its own it trains at the CLI's speed on the second
core while the server keeps the first.

* :class:`Trainer` — what the app holds (one per server): submits runs, shares one run
  between everyone asking for the same settings (the quick model of a corpus is the same
  weights for everyone), refuses runs over the budget, cancels the runs whose visitors
  have gone, and keeps each waiting run's estimate up to date.
* :mod:`.worker` — the trainer process (or, ``backend="thread"``, threads here) running a
  :class:`~jazzcore.app.scheduler.FairScheduler`: quick runs first, long runs in turns.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from jazzcore.errors import JazzcoreError, ParameterError
from jazzcore.persist import load_model, model_bytes

from .jobs import (
    EpochRecord,
    RunSpec,
    TrainingJob,
    describe_seconds,
    duration_text,
    finish_times,
)
from .scheduler import ADMITTED, QUANTUM_S, SHORT_S
from .worker import ProcessBackend, ThreadBackend

RUN_LIMIT_S = float(os.environ.get("JAZZCORE_RUN_SECONDS", "180"))
"""A visitor's budget: the trainer's seconds one run may take (predicted before it queues,
measured while it runs: it stops there, its weights kept). $JAZZCORE_RUN_SECONDS."""
MAX_RUNS = 64
"""Runs queued or running at once on the server."""
GONE_AFTER_S = 15.0
"""A visitor with no open page for this long has gone: their runs are cancelled. Long
enough for a reload on a busy server (a reload closes the page's connection and opens
another once the browser has loaded the page again: 1–2 s, on a server loaded by thirty
browsers up to about 10 s), short enough to free the trainer within seconds, not the
minute a departed visitor's run used to take."""
SHARED_FILES_KEPT = 64
"""Shared models kept on disk (about 250 KB each for the course's sizes)."""
SHARED_MODELS_KEPT = 16
"""Finished shared models kept (the quick model of each corpus, the share links' models)."""


class Owner(Protocol):
    """Whoever waits for a run: the run is cancelled when no owner is present."""

    def present(self, now: float) -> bool: ...


def _check_budget(spec: RunSpec, calibration: float, limit_s: float) -> None:
    spec.check_memory()
    seconds = spec.epochs * spec.epoch_seconds() * calibration
    if seconds > limit_s:
        raise ParameterError(
            f"{spec.epochs:,} epochs of these settings take {describe_seconds(seconds)} of the "
            f"trainer: on this shared server a run may take {duration_text(limit_s)} "
            "— choose fewer epochs, windows (m), time steps (Tx) or units (n_a)."
        )


class Trainer:
    """Every visitor's training runs (see the module's docstring).

    backend: 'process' (a trainer process, the app's) or 'thread' (in this process: runs
    that cannot travel to a process, e.g. a test's stand-in). A run whose owners are all
    absent (``owner.present(now)`` False for each) is cancelled within 0.25 s; a visitor
    counts as present for GONE_AFTER_S after their last page closed (a reload).
    run_limit_s: the budget of one run. models_dir: where finished shared models are kept
    as .npz files (the last SHARED_FILES_KEPT), so a restarted server does not train them
    again (None: memory only).
    quantum, short_s, admitted: the scheduler's (:mod:`.scheduler`).
    """

    def __init__(
        self,
        backend: str = "process",
        *,
        run_limit_s: float = RUN_LIMIT_S,
        quantum: float = QUANTUM_S,
        short_s: float = SHORT_S,
        admitted: int = ADMITTED,
        max_runs: int = MAX_RUNS,
        models_dir: str | os.PathLike | None = None,
    ):
        self.run_limit_s = run_limit_s
        self.short_s = short_s
        self.admitted = admitted
        self.max_runs = max_runs
        self.models_dir = Path(models_dir) if models_dir is not None else None
        self.calibration = 1.0  # measured / predicted seconds per epoch, from finished runs
        self._lock = threading.RLock()
        self._jobs: dict[int, TrainingJob] = {}
        self._owners: dict[int, list[Owner]] = {}
        self._shared: OrderedDict[str, TrainingJob] = OrderedDict()
        settings = {"quantum": quantum, "short_s": short_s, "admitted": admitted}
        if backend == "process":
            self._backend: ProcessBackend | ThreadBackend = ProcessBackend(self._event, settings)
        else:
            self._backend = ThreadBackend(self._event, settings)
        self._closed = threading.Event()
        threading.Thread(target=self._watch, name="trainer-watch", daemon=True).start()

    # -- submitting --------------------------------------------------------------------

    def check(self, spec: RunSpec) -> None:
        """A one-line ParameterError if the run is over this server's budget."""
        _check_budget(spec, self.calibration, self.run_limit_s)

    def submit(
        self, run: RunSpec | Callable, epochs: int | None = None, *, owner=None, quick=False
    ) -> TrainingJob:
        """Queue a visitor's own run (checked against the budget if it is a RunSpec)."""
        if isinstance(run, RunSpec):
            self.check(run)
            epochs = run.epochs
        job = TrainingJob(run, int(epochs), quick=quick)
        return self._start(job, [owner] if owner is not None else [])

    def shared(self, spec: RunSpec, *, owner=None, quick: bool = True) -> TrainingJob:
        """The one run of ``spec`` for everyone: a finished model at once, a run in progress
        joined (the owner waits for it too), or a new run. Same settings, same weights."""
        key = spec.key
        with self._lock:
            job = self._shared.get(key) or self._from_disk(spec, key, quick)
            if job is not None and (job.active or job.status == "done"):
                self._shared.move_to_end(key)
                owners = self._owners.get(job.number)
                if owners is not None and owner is not None and owner not in owners:
                    owners.append(owner)
                return job
            self.check(spec)
            job = TrainingJob(spec, spec.epochs, quick=quick, shared=True)
            self._shared[key] = job
            while len(self._shared) > SHARED_MODELS_KEPT:
                self._shared.popitem(last=False)
            return self._start(job, [owner] if owner is not None else [])

    def _from_disk(self, spec: RunSpec, key: str, quick: bool) -> TrainingJob | None:
        """A shared model a run of an earlier server left on disk, as a finished job."""
        path = self.models_dir / f"{key}.npz" if self.models_dir is not None else None
        if path is None or not path.is_file():
            return None
        try:
            model = load_model(path, vocabulary=spec.vocabulary)
        except JazzcoreError:
            return None
        job = TrainingJob(spec, spec.epochs, quick=quick, shared=True)
        job.history = [EpochRecord.from_info(info) for info in model.history]
        job._finished("done", model, None)
        self._shared[key] = job
        return job

    def _to_disk(self, job: TrainingJob) -> None:
        if self.models_dir is None or not isinstance(job.run, RunSpec) or job.model is None:
            return
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
            path = self.models_dir / f"{job.run.key}.npz"
            part = path.with_suffix(".part")
            part.write_bytes(model_bytes(job.model))
            os.replace(part, path)
            files = sorted(self.models_dir.glob("*.npz"), key=lambda f: f.stat().st_mtime)
            for old in files[:-SHARED_FILES_KEPT]:
                old.unlink(missing_ok=True)
        except (OSError, JazzcoreError):
            logging.getLogger(__name__).warning("Could not keep the shared model on disk")

    def shared_key(self, model) -> str | None:
        """The key of a shared run whose model this is (None: a visitor's own model)."""
        with self._lock:
            for key, job in self._shared.items():
                if job.model is not None and job.model is model:
                    return key
        return None

    def forget_shared(self) -> None:
        """Forget the finished shared models, in memory and on disk (the next request
        trains again)."""
        with self._lock:
            for key, job in list(self._shared.items()):
                if not job.active:
                    del self._shared[key]
            if self.models_dir is not None:
                for path in self.models_dir.glob("*.npz"):
                    path.unlink(missing_ok=True)

    def _start(self, job: TrainingJob, owners: list) -> TrainingJob:
        with self._lock:
            if sum(j.active for j in self._jobs.values()) >= self.max_runs:
                raise ParameterError(
                    f"The trainer already has {self.max_runs} runs: try again in a minute."
                )
            if isinstance(job.run, RunSpec):
                job.predicted_epoch_s = job.run.epoch_seconds() * self.calibration
                short = job.predicted_epoch_s * job.epochs <= self.short_s
            else:  # a cost the trainer cannot predict: a long run until measured
                job.predicted_epoch_s, short = 0.0, False
            job.lane = "short" if short else "long"
            job._cancel = self._cancel
            self._jobs[job.number] = job
            self._owners[job.number] = owners
        self._backend.submit(job)
        self._estimate()
        return job

    def _cancel(self, job: TrainingJob, reason: str) -> None:
        self._backend.cancel(job)

    # -- what the trainer reports --------------------------------------------------------

    def _event(self, kind: str, number: int, payload: dict) -> None:
        job = self._jobs.get(number)
        if job is None:
            return
        if kind == "admitted":
            job.admitted = True
        elif kind == "lane":
            job.lane = payload["lane"]
        elif kind == "started":
            job._started(payload["at"])
        elif kind == "epoch":
            job._started(time.time())
            job._epoch(EpochRecord.from_info(payload["info"], payload["seconds"]))
        elif kind == "finished":
            self._learn(job)
            job._finished(payload["status"], payload["model"], payload["error"], payload.get("at"))
            if job.shared and job.status == "done":
                self._to_disk(job)
            with self._lock:
                self._jobs.pop(number, None)
                self._owners.pop(number, None)
                if job.shared and job.status != "done":
                    for key, shared in list(self._shared.items()):
                        if shared is job:
                            del self._shared[key]
            self._estimate()

    def _learn(self, job: TrainingJob) -> None:
        """Correct the cost model by what a run measured (at least 5 epochs)."""
        if len(job.history) >= 5 and isinstance(job.run, RunSpec) and job.run.epoch_seconds():
            measured = job.epoch_seconds() / job.run.epoch_seconds()
            ratio = min(3.0, max(0.5, measured))
            self.calibration = 0.7 * self.calibration + 0.3 * ratio

    # -- watching: visitors gone, time limits, estimates ---------------------------------

    def _watch(self) -> None:
        while not self._closed.wait(0.25):
            try:
                self._check_runs()
            except Exception:  # the watch must go on: log it and look again
                logging.getLogger(__name__).exception("The trainer's watch failed")

    def _check_runs(self) -> None:
        """Cancel the runs whose visitors have all gone or that reached the time limit."""
        now = time.time()
        with self._lock:
            jobs = [(j, list(self._owners.get(n, ()))) for n, j in self._jobs.items()]
        for job, owners in jobs:
            if not job.active or job.stop_requested:
                continue
            if owners and not any(o.present(now) for o in owners):
                job.stop("gone")
            elif job.busy_seconds > self.run_limit_s:
                job.stop("limit")
        self._estimate()

    def _estimate(self) -> None:
        """Each active run's seconds left (and, waiting, until it starts)."""
        with self._lock:
            active = [j for j in self._jobs.values() if j.active]
        short = sorted((j for j in active if j.lane == "short"), key=lambda j: j.number)
        long = sorted((j for j in active if j.lane == "long"), key=lambda j: j.number)
        long.sort(key=lambda j: not j.admitted)  # admitted first, then in arrival
        ahead = 0.0
        for job in short:
            job.starts_in_s = ahead if job.status == "queued" else None
            ahead += job.remaining_seconds()
            job.left_s = ahead
            job.sharing = 1
        ends = finish_times(
            [j.remaining_seconds() for j in long], ahead=ahead, admitted=self.admitted
        )
        sharing = min(len(long), self.admitted)
        for job, end in zip(long, ends, strict=True):
            job.left_s = end
            job.sharing = sharing if job.admitted else 1
            if job.status == "queued":
                job.starts_in_s = self._start_estimate(job, long, ends, ahead)
            else:
                job.starts_in_s = None

    def _start_estimate(self, job, long, ends, ahead) -> float:
        if job.admitted:
            return ahead
        waiting_before = [j for j in long if not j.admitted and j.number < job.number]
        running_ends = sorted(e for j, e in zip(long, ends, strict=True) if j.admitted)
        index = len(waiting_before)
        return running_ends[index] if index < len(running_ends) else ahead

    # -- the end -------------------------------------------------------------------------

    @property
    def active_jobs(self) -> list[TrainingJob]:
        with self._lock:
            return [j for j in self._jobs.values() if j.active]

    def close(self) -> None:
        """Cancel every run and stop the trainer process."""
        self._closed.set()
        for job in self.active_jobs:
            job.stop("shutdown")
        self._backend.close()
