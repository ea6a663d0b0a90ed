"""What the app trains and generates: the run a training job does, and the Generate page's
settings and result (sampled values → notes → MIDI → audio, metrics and a piano roll).

No Streamlit here: :mod:`jazzcore.app.session` and the pages call these.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from jazzcore.audio import RenderedAudio, render_audio
from jazzcore.dataset import Corpus
from jazzcore.errors import ParameterError
from jazzcore.generate import GenerationReport, course_chord_sets, generate_music
from jazzcore.model import JazzModel, TrainConfig
from jazzcore.pianoroll import piano_roll
from jazzcore.quality import SoloMetrics, metrics
from jazzcore.training import train

# ---------------------------------------------------------------------------------------
# Training

QUICK_EPOCHS = 100
"""Epochs of the Home page's and Generate page's quick training (NumPy: about 1–2 s)."""

QUICK_TRAINING = TrainConfig(epochs=QUICK_EPOCHS)
"""The quick training: the course's settings (n_a = 64, learning rate 0.01, seed 0)."""

TRAINING_WINDOWS = 60
"""m: training windows drawn from the corpus, the course's 60."""

TRAINING_STEPS = 30
"""Tx: time steps per window, the course's 30."""


def training_run(
    corpus: Corpus,
    config: TrainConfig = QUICK_TRAINING,
    *,
    m: int = TRAINING_WINDOWS,
    Tx: int = TRAINING_STEPS,
) -> Callable[..., JazzModel]:
    """The call a :class:`~jazzcore.app.jobs.TrainingJob` runs: ``jazzcore.training.train``
    on the corpus's X (m, Tx, n_values) and Y (Tx, m, n_values), windows drawn with the
    config's seed.

    The size is checked and X, Y are drawn here, so a run too big for memory or a window
    too long for the corpus raises its one-line error at once, before the job waits in
    the queue (a bad setting already failed when the TrainConfig was made). The model
    records the corpus's source.
    """
    config.check_size(m, Tx)
    X, Y = corpus.xy(m, Tx, config.seed)
    return functools.partial(train, X, Y, corpus.vocabulary, config, source=corpus.source)


# ---------------------------------------------------------------------------------------
# Generation

SAMPLING_MODES = ("greedy", "temperature", "top-k")
CHORD_SOURCES = ("corpus", "progression")
POSTPROCESS_MODES = ("full", "raw")
DEFAULT_PROGRESSION = "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Em7b5 A7 | Dm7"
MAX_APP_TY = 500
"""Values per chord set the app samples at most (the library allows more)."""
DEFAULT_SETS = 5
"""The course's five chord sets of the Metheny solo."""
MAX_APP_SETS = 16
"""Ty = 500 over 16 sets is about two minutes of audio (10 MB of WAV)."""
AUDIO_SAMPLE_RATE = 22050
"""Hz sent to the browser: half the bytes of 44.1 kHz (FluidSynth still renders at 44.1)."""


def corpus_chord_sets(n_measures: int, count: int = DEFAULT_SETS) -> list[int]:
    """The first ``count`` of the course's chord sets (1, 2, … n//3 − 1) of a corpus with
    ``n_measures`` measures: sets 1–5 of Metheny's 18, the course's choice; 1–count of
    the lead sheets' 146 measures instead of all 47, so the piece stays short."""
    return course_chord_sets(n_measures)[: max(1, int(count))]


@dataclass(frozen=True)
class GenerationSettings:
    """What the Generate page asks for; equal settings give the same piece (with a seed).
    Checked when made: a setting out of range is a one-line ParameterError.

    Ty: values sampled per chord set (1–MAX_APP_TY). sampling: 'greedy' (the course's
    argmax), 'temperature' or 'top-k' (a draw from the softmax / among the k likeliest).
    chord_source: 'corpus' (the first ``chord_sets`` of the course's sets) or 'progression'
    (``progression``, one chord set per bar). postprocess: 'full' (the course's clean-up)
    or 'raw'. first_value_rule: the first value is a note without an interval bracket.
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

    def __post_init__(self) -> None:
        if self.sampling not in SAMPLING_MODES:
            raise ParameterError(f"sampling = '{self.sampling}': use {', '.join(SAMPLING_MODES)}.")
        if self.chord_source not in CHORD_SOURCES:
            raise ParameterError(
                f"chord source = '{self.chord_source}': use 'corpus' or 'progression'."
            )
        if self.postprocess not in POSTPROCESS_MODES:
            raise ParameterError(f"postprocess = '{self.postprocess}': use 'full' or 'raw'.")
        if isinstance(self.Ty, bool) or not 1 <= int(self.Ty) <= MAX_APP_TY:
            raise ParameterError(
                f"Ty = {self.Ty!r} is out of range: choose 1 to {MAX_APP_TY} values per chord set."
            )

    def generate_kwargs(self, corpus: Corpus) -> dict:
        """Keyword arguments of ``jazzcore.generate.generate_music`` for these settings on
        ``corpus`` (its chords, unless a progression is typed)."""
        kwargs = {
            "Ty": int(self.Ty),
            "temperature": float(self.temperature) if self.sampling == "temperature" else None,
            "top_k": int(self.top_k) if self.sampling == "top-k" else None,
            "seed": int(self.seed),
            "postprocess": self.postprocess,
            "first_value_rule": bool(self.first_value_rule),
            "return_stream": False,
        }
        if self.chord_source == "progression":
            kwargs["progression"] = self.progression
        else:
            kwargs["chords"] = corpus
            kwargs["chord_sets"] = corpus_chord_sets(len(corpus.chords), self.chord_sets)
        return kwargs


@dataclass(frozen=True)
class Generation:
    """One generated piece and everything a page shows of it.

    settings: what was asked. model: the model that made it (compared by identity: a
    retrained or reloaded model is another one, and its pieces are not shown for it).
    report: the GenerationReport (sampled values per set, notes, MIDI bytes). audio: the
    RenderedAudio (WAV bytes, which synth). metrics / reference: SoloMetrics of the piece
    and of the training corpus. rows: piano-roll rows (``jazzcore.pianoroll.piano_roll``).
    timings: seconds per stage ('generate', 'audio', 'metrics', 'total').
    """

    settings: GenerationSettings
    model: JazzModel
    report: GenerationReport
    audio: RenderedAudio
    metrics: SoloMetrics
    reference: SoloMetrics
    rows: list[dict]
    timings: dict[str, float]

    @property
    def n_values(self) -> int:
        """Sampled values in all chord sets (Ty per set)."""
        return sum(len(s.values) for s in self.report.sets)


def generate(
    model: JazzModel,
    corpus: Corpus,
    settings: GenerationSettings,
    *,
    synth: str = "auto",
    sample_rate: int = AUDIO_SAMPLE_RATE,
) -> Generation:
    """Sample, post-process, write MIDI, render audio and measure: the Generate button.

    A typed progression that cannot be read, an out-of-range top_k, a model of another
    corpus raise the jazzcore error with its one-line message; nothing is kept then.
    """
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
    return Generation(settings, model, report, audio, measured, reference, rows, timings)
