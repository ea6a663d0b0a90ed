"""Logic the Streamlit pages need, kept here so it is importable and testable without Streamlit.

* :class:`TrainingSlots` — at most N trainings run at once on the server; the others wait
  in a first-come queue and can show their position.
* :class:`TrainingJob` — one user's training run in a background thread: the page polls its
  progress to draw the live chart, Stop asks it to finish early, and the weights trained so
  far are kept whatever the page does meanwhile (rerun, page switch, Stop).
* :func:`save_upload` — an uploaded file checked and stored under its SHA-256.
* :func:`vocabulary_rows` — the vocabulary as table rows with a human reading of each value.
* :func:`training_run` — the quick (or chosen) training a TrainingJob runs on a corpus.
* :class:`GenerationSettings` and :func:`generate` — the Generate page's settings and the
  whole path sampled values → notes → MIDI → WAV, metrics and piano-roll rows
  (:func:`token_rows`, :func:`metrics_rows`, :func:`piano_roll_figure` lay them out).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from pathlib import Path

from .errors import InputFileError, JazzcoreError, ParameterError
from .grammar import TOKEN_TYPES, GrammarToken, describe_duration


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
        self._running: set = set()
        self._waiting: deque = deque()

    def position(self, ticket) -> int | None:
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

    def acquire(self, ticket, cancelled: Callable[[], bool] = lambda: False, poll_s: float = 0.1) -> bool:
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

    def release(self, ticket) -> None:
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()


@dataclass
class EpochRecord:
    """One epoch of a training run: epoch (1-based), total loss (sum over the Tx steps),
    per-step losses (Tx floats), accuracy (share of non-empty steps predicted right)."""

    epoch: int
    loss: float
    per_step_loss: list[float]
    accuracy: float


_ticket_numbers = itertools.count(1)


class SessionToken:
    """Lives in one user's ``st.session_state`` for as long as the session does: a
    :class:`TrainingJob` owned by it notices when the user has gone."""


@dataclass
class TrainingJob:
    """A training run in a background thread that never touches Streamlit.

    ``run`` is called with ``on_epoch`` and ``should_stop`` and returns the trained model;
    everything else (state, history, the model, the error) is read by the page.
    status: 'queued', 'running', 'done', 'stopped' or 'failed'.
    owner: an object living in the user's session (a :class:`SessionToken`); the job holds
    it weakly, and once the session is gone (the user left) a queued job leaves the queue
    and a running one stops after its epoch, freeing the trainer for the others.
    """

    run: Callable[..., object]
    slots: TrainingSlots
    epochs: int
    status: str = "queued"
    history: list[EpochRecord] = field(default_factory=list)
    model: object | None = None
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    ticket: int = field(default_factory=lambda: next(_ticket_numbers))
    owner: InitVar[object | None] = None

    def __post_init__(self, owner):
        self._owner = weakref.ref(owner) if owner is not None else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"training-{self.ticket}", daemon=True)

    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to end after the current epoch; the weights so far are kept."""
        self._stop.set()

    def _cancelled(self) -> bool:
        """Stop was pressed, or the session that started the job is gone."""
        return self._stop.is_set() or (self._owner is not None and self._owner() is None)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def queue_position(self) -> int | None:
        return self.slots.position(self.ticket)

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _on_epoch(self, info: dict) -> None:
        self.history.append(
            EpochRecord(int(info["epoch"]), float(info["loss"]), [float(x) for x in info["per_step_loss"]],
                        float(info["accuracy"]))
        )

    def _work(self) -> None:
        # The page polls from another thread: ``status`` leaves 'queued'/'running' last, once
        # the model, the error and finished_at it will read are in place.
        if not self.slots.acquire(self.ticket, cancelled=self._cancelled):
            self.finished_at = time.time()
            self.status = "stopped"
            return
        self.started_at = time.time()
        self.status = "running"
        status = "failed"
        try:
            self.model = self.run(on_epoch=self._on_epoch, should_stop=self._cancelled)
            status = "stopped" if self._cancelled() and len(self.history) < self.epochs else "done"
        except JazzcoreError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug must not kill the server thread silently
            self.error = f"Training failed: {type(exc).__name__}: {exc}"
        finally:
            self.finished_at = time.time()
            self.slots.release(self.ticket)
            self.status = status


# ---------------------------------------------------------------------------------------
# Uploads


def save_upload(data: bytes, filename: str, directory: str | Path | None = None) -> Path:
    """Check an uploaded music file and store it as ``uploads/<sha256[:16]><suffix>``.

    Raises InputFileError (empty, too big, not MIDI/MusicXML, corrupt MIDI) with the
    one-line message the app shows; nothing is stored then.
    """
    from . import sources

    if len(data) > sources.MAX_FILE_BYTES:
        raise InputFileError(
            f"{filename} is {len(data) / 1e6:.1f} MB, more than the "
            f"{sources.MAX_FILE_BYTES // (1024 * 1024)} MB accepted: cut the file to the solo."
        )
    kind = sources.file_kind(data, filename)
    if kind == "midi":
        sources.scan_midi(data, filename)
        suffix = ".mid"
    else:
        suffix = ".mxl" if data[:4] == b"PK\x03\x04" else ".musicxml"
    folder = Path(directory) if directory is not None else sources.cache_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sources.sha256_of(data)[:16]}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------------------
# Tables


def vocabulary_rows(vocabulary) -> list[dict]:
    """One row per value: index, value, type, duration (quarter lengths), bracket, reading, count."""
    rows = []
    for index, (value, count) in enumerate(zip(vocabulary.tokens, vocabulary.counts, strict=True)):
        token = GrammarToken.parse(value)
        rows.append(
            {
                "index": index,
                "value": value,
                "type": TOKEN_TYPES[token.kind],
                "duration": token.duration,
                "note value": describe_duration(token.duration),
                "bracket": f"<{token.upper},{token.lower}>" if token.has_bracket else "",
                "reading": token.describe(),
                "count": count,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------
# The network, in numbers and pictures


def parameter_counts(n_values: int, n_a: int) -> dict[str, int]:
    """Trainable parameters of the seed's network: one LSTM cell and one Dense softmax layer.

    LSTM: four gates, each with a kernel (n_values × n_a), a recurrent kernel (n_a × n_a) and
    a bias (n_a); Dense: a kernel (n_a × n_values) and a bias (n_values). The seed's summary
    for n_values = 78, n_a = 64 prints 41,678 in all.
    """
    lstm = 4 * (n_values * n_a + n_a * n_a + n_a)
    dense = n_a * n_values + n_values
    return {"LSTM": lstm, "Dense": dense, "total": lstm + dense}


def unrolled_graph_dot(Tx: int, shown: int = 3, inference: bool = False) -> str:
    """Graphviz DOT of the shared cell unrolled over time (the first ``shown`` steps and the last).

    Training (inference=False): x⟨t⟩ from X, a and c carried from step to step, ŷ⟨t⟩ per step.
    Inference: ŷ⟨t⟩ → argmax → one-hot → x⟨t+1⟩, the loop of ``music_inference_model``.
    """
    steps = list(range(1, min(shown, Tx) + 1))
    lines = [
        "digraph G {",
        "rankdir=LR; node [shape=box, style=rounded, fontname=Helvetica];",
        'a0 [label="a⟨0⟩, c⟨0⟩\\n(zeros)", shape=ellipse];',
    ]
    previous = "a0"
    labels = [(t, str(t)) for t in steps]
    if Tx > shown:
        labels.append((None, "…"))
        labels.append((Tx, "Tx" if not inference else "Ty"))
    for t, label in labels:
        if t is None:
            lines.append('dots [label="…", shape=plaintext];')
            lines.append(f"{previous} -> dots;")
            previous = "dots"
            continue
        cell = f"cell{label}"
        lines.append(f'{cell} [label="LSTM cell\\n(shared)"];')
        lines.append(f'dense{label} [label="Dense softmax\\n(shared)"];')
        lines.append(f'y{label} [label="ŷ⟨{label}⟩", shape=ellipse];')
        if inference and t != 1:
            lines.append(f'x{label} [label="one_hot(argmax ŷ⟨{label}-1⟩)", shape=ellipse];')
        else:
            lines.append(f'x{label} [label="x⟨{label}⟩", shape=ellipse];')
        lines.append(f"x{label} -> {cell}; {previous} -> {cell} [label=\"a, c\"]; {cell} -> dense{label}; dense{label} -> y{label};")
        previous = cell
    if inference:
        for (t, label), (t2, label2) in zip(labels, labels[1:], strict=False):
            if t is not None and t2 is not None:
                # constraint=false: the feedback does not push the next step a rank further right
                lines.append(f"y{label} -> x{label2} [style=dashed, color=firebrick, constraint=false];")
    lines.append("}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Quick training: the newcomer's model

QUICK_EPOCHS = 100
"""Epochs of the Home page's and Generate page's quick training (NumPy: about 1–2 s)."""


def training_run(corpus, *, epochs: int = QUICK_EPOCHS, n_a: int = 64, learning_rate: float = 0.01,
                 m: int = 60, Tx: int = 30, seed: int = 0) -> Callable[..., object]:
    """The call a :class:`TrainingJob` runs: ``jazzcore.train`` on the corpus's X/Y.

    The settings are checked and X (m, Tx, n_values) and Y (Tx, m, n_values) drawn here, so
    a bad setting or a window too long for the corpus raises its one-line error at once,
    before the job waits in the queue. The model records the corpus's source.
    """
    import functools

    from .training import check_settings, train

    check_settings(epochs=epochs, n_a=n_a, learning_rate=learning_rate, seed=seed, m=m, Tx=Tx)

    X, Y = corpus.xy(int(m), int(Tx), int(seed))
    return functools.partial(train, X, Y, epochs=int(epochs), n_a=int(n_a),
                             learning_rate=float(learning_rate), seed=int(seed), vocabulary=corpus.vocabulary,
                             source=corpus.source)


# ---------------------------------------------------------------------------------------
# Generation: sampled values → notes → MIDI → audio, metrics and a piano roll

SAMPLING_MODES = ("greedy", "temperature", "top-k")
CHORD_SOURCES = ("corpus", "progression")
DEFAULT_PROGRESSION = "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Em7b5 A7 | Dm7"
MAX_APP_TY = 500
DEFAULT_SETS = 5  # the seed's five chord sets of the Metheny solo
MAX_APP_SETS = 16  # Ty = 500 over 16 sets is about two minutes of audio (10 MB of WAV)
AUDIO_SAMPLE_RATE = 22050  # half the bytes of 44.1 kHz for the browser; FluidSynth still renders at 44.1


def corpus_chord_sets(n_measures: int, count: int = DEFAULT_SETS) -> list[int]:
    """The first ``count`` of the seed's chord sets (1, 2, … n//3 − 1) of a corpus with
    ``n_measures`` measures: sets 1–5 of Metheny's 18, the seed's choice; 1–count of the
    lead sheets' 146 measures instead of all 47, so the piece stays short."""
    from .postprocess import seed_chord_sets

    sets = seed_chord_sets(n_measures)
    return sets[: max(1, int(count))]


@dataclass(frozen=True)
class GenerationSettings:
    """What the Generate page asks for; equal settings give the same piece (with a seed).

    Ty: values sampled per chord set (1–500). sampling: 'greedy' (the seed's argmax),
    'temperature' or 'top-k' (a draw from the softmax / among the k likeliest).
    chord_source: 'corpus' (the first ``chord_sets`` of the seed's sets) or 'progression'.
    postprocess: 'full' (the seed) or 'raw'.
    """

    Ty: int = 50
    sampling: str = "greedy"
    temperature: float = 1.0
    top_k: int = 5
    seed: int = 1
    chord_source: str = "corpus"
    progression: str = DEFAULT_PROGRESSION
    chord_sets: int = DEFAULT_SETS
    postprocess: str = "full"
    first_value_rule: bool = False

    def generate_kwargs(self, corpus) -> dict:
        """Keyword arguments of ``jazzcore.generate_music`` for these settings on ``corpus``."""
        if self.sampling not in SAMPLING_MODES:
            raise ParameterError(f"sampling = '{self.sampling}': use {', '.join(SAMPLING_MODES)}.")
        if self.chord_source not in CHORD_SOURCES:
            raise ParameterError(f"chord source = '{self.chord_source}': use 'corpus' or 'progression'.")
        if isinstance(self.Ty, bool) or not 1 <= int(self.Ty) <= MAX_APP_TY:
            raise ParameterError(f"Ty = {self.Ty!r} is out of range: choose 1 to {MAX_APP_TY} values per chord set.")
        kwargs = {
            "Ty": int(self.Ty),
            "temperature": float(self.temperature) if self.sampling == "temperature" else None,
            "top_k": int(self.top_k) if self.sampling == "top-k" else None,
            "seed": int(self.seed),
            "postprocess": self.postprocess,
            "first_value_rule": bool(self.first_value_rule),
            "out_path": None,
            "return_stream": False,
        }
        if self.chord_source == "progression":
            kwargs["progression"] = self.progression
        else:
            kwargs["chords"] = corpus
            kwargs["chord_sets"] = corpus_chord_sets(len(corpus.chords), self.chord_sets)
        return kwargs


@dataclass
class Generation:
    """One generated piece and everything a page shows of it.

    report: the GenerationReport (sampled values per set, notes, MIDI bytes).
    audio: the RenderedAudio (WAV bytes, which synth). metrics / reference: SoloMetrics of
    the piece and of the training corpus. rows: piano-roll rows (jazzcore.pianoroll).
    timings: seconds per stage ('generate', 'audio', 'metrics', 'total').
    """

    settings: GenerationSettings
    model_key: tuple
    report: object
    audio: object
    metrics: object
    reference: object
    rows: list[dict]
    timings: dict[str, float]

    @property
    def n_values(self) -> int:
        """Sampled values in all chord sets (Ty per set)."""
        return sum(len(s.values) for s in self.report.sets)


def model_key(model):
    """Tells one trained model from another in a session: the model object itself, which
    compares by identity (a retrained or reloaded model is a new one). Holding it, unlike
    its ``id()``, keeps that identity from being reused by a later model."""
    return model


def generate(model, corpus, settings: GenerationSettings, *, synth: str = "auto",
             sample_rate: int = AUDIO_SAMPLE_RATE) -> Generation:
    """Sample, post-process, write MIDI, render audio and measure: the Generate button.

    A typed progression that music21 cannot read, an out-of-range Ty or top_k raise the
    jazzcore error with its one-line message; nothing is kept then.
    """
    from .audio import render_audio
    from .pianoroll import piano_roll
    from .postprocess import generate_music
    from .quality import metrics

    timings = {}
    start = time.perf_counter()
    _, report = generate_music(model, **settings.generate_kwargs(corpus))
    timings["generate"] = time.perf_counter() - start
    t = time.perf_counter()
    audio = render_audio(report, synth=synth, sample_rate=sample_rate)
    timings["audio"] = time.perf_counter() - t
    t = time.perf_counter()
    reference = metrics(corpus)
    measured = metrics(report, reference=reference)
    rows = piano_roll(report)
    timings["metrics"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    return Generation(settings, model_key(model), report, audio, measured, reference, rows, timings)


def token_rows(report) -> list[dict]:
    """The sampled values, one row each: chord set, step (1-based), value, human reading."""
    rows = []
    for s in report.sets:
        for step, value in enumerate(s.values, start=1):
            rows.append({"chord set": s.index, "step": step, "value": value,
                         "reading": GrammarToken.parse(value).describe()})
    return rows


METRIC_LABELS = {
    "n_notes": "melody notes",
    "chord_tone_share": "chord tones (share)",
    "scale_tone_share": "scale tones (share)",
    "approach_tone_share": "approach tones (share)",
    "other_tone_share": "other tones (share)",
    "pitch_range": "range (semitones)",
    "mean_abs_interval": "mean |interval| (semitones)",
    "repeated_pitch_share": "repeated pitches (share)",
    "pitch_class_distance": "pitch-class distance to the training solo (0–1)",
    "duration_distance": "duration distance to the training solo (0–1)",
}


def metrics_rows(generated, reference) -> list[dict]:
    """The figures of the generated piece beside the training solo's, one row per figure."""
    ours, theirs = generated.summary(), reference.summary()
    rows = []
    for name, label in METRIC_LABELS.items():
        value, ref = ours.get(name), theirs.get(name)
        rows.append({"figure": label, "generated": _rounded(value),
                     "training solo": "—" if name.endswith("distance") else _rounded(ref)})
    return rows


def _rounded(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


ROLE_COLOURS = {"melody": "#b5562c", "chord": "#4c78a8"}


def piano_roll_figure(rows: list[dict], title: str = "Piano roll"):
    """A plotly figure of piano-roll rows: one horizontal bar per note (x in beats, y the
    MIDI pitch), the melody and the chords as two traces in two colours."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for role, colour in ROLE_COLOURS.items():
        notes = [r for r in rows if r["role"] == role]
        figure.add_trace(go.Bar(
            name=role, orientation="h", marker_color=colour, opacity=0.85 if role == "melody" else 0.5,
            base=[r["start_beat"] for r in notes], x=[r["end_beat"] - r["start_beat"] for r in notes],
            y=[r["pitch"] for r in notes], customdata=[[r["name"], r["kind"]] for r in notes], width=0.8,
            hovertemplate="%{customdata[0]} (MIDI %{y}) beat %{base:.2f}, %{x:.2f} beats %{customdata[1]}"
                          "<extra>" + role + "</extra>",
        ))
    figure.update_layout(barmode="overlay", title=title, height=420, xaxis_title="beat (quarter notes)",
                         yaxis_title="MIDI pitch", legend={"orientation": "h", "y": 1.08})
    return figure
