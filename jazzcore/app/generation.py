"""What the app trains and generates: the run a training job does, and the Generate page's
settings and result (sampled values → notes → MIDI → audio, the quality table beside the
training solo and random values, a piano roll).

No Streamlit here: :mod:`jazzcore.app.session` and the pages call these.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from types import MappingProxyType

from jazzcore.audio import RenderedAudio, render_audio
from jazzcore.dataset import Corpus
from jazzcore.errors import ParameterError, check_int
from jazzcore.generate import (
    COURSE_TY,
    GenerationReport,
    course_chord_sets,
    generate_music,
    register_of,
)
from jazzcore.model import MAX_SEED, JazzModel, TrainConfig
from jazzcore.pianoroll import piano_roll
from jazzcore.postprocess import COURSE, COURSE_LAYOUT, FAITHFUL, MEASURE_LAYOUT, RAW
from jazzcore.quality import QualityTable, quality_table
from jazzcore.sample import check_Ty

from .jobs import RunSpec

# ---------------------------------------------------------------------------------------
# Training

QUICK_EPOCHS = 100
"""Epochs of the quick model (Hear a solo, Quick train): about 0.7 s of the trainer."""

APP_ENGINE = "numpy"
"""The engine of every run the app trains: one core, no start-up. The server shares its
trainer between the visitors' runs, one epoch at a time (:mod:`jazzcore.app.scheduler`);
an engine that takes every core would take them from the pages and the other runs."""

QUICK_TRAINING = TrainConfig(epochs=QUICK_EPOCHS, engine=APP_ENGINE)
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
) -> RunSpec:
    """The run a training job does: ``jazzcore.training.train`` on the corpus's X (m, Tx,
    n_values) and Y (Tx, m, n_values), windows drawn with the config's seed, as a
    :class:`~jazzcore.app.jobs.RunSpec` (the trainer process rebuilds X and Y from it).

    The run uses the NumPy engine (APP_ENGINE), whatever ``config.engine`` says.
    Checked here, so that a run too big for memory or a window too long for the corpus
    raises its one-line error at once, before the job waits in the queue (a bad setting
    already failed when the TrainConfig was made). The model records the corpus's source.
    """
    config = dataclasses.replace(config, engine=APP_ENGINE)
    config.check_size(m, Tx)
    spec = RunSpec(
        tuple(corpus.values),
        tuple(corpus.solo_lengths),
        corpus.vocabulary,
        int(m),
        int(Tx),
        config,
        corpus.source,
    )
    spec.check_memory()
    corpus.xy(spec.m, spec.Tx, config.seed)  # m, Tx and the windows, as train() will see them
    return spec


# ---------------------------------------------------------------------------------------
# Generation

SAMPLING_MODES = ("temperature", "top-k", "greedy")
"""A draw from the softmax (at a temperature) or among the k likeliest values, or the course's
argmax (greedy), which replays the training solo."""
CHORD_SOURCES = ("corpus", "progression")
POSTPROCESS_MODES = (FAITHFUL, COURSE, RAW)
LAYOUTS = (MEASURE_LAYOUT, COURSE_LAYOUT)
DEFAULT_PROGRESSION = "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Em7b5 A7 | Dm7"
COURSE_WAY = MappingProxyType(
    {"Ty": COURSE_TY, "sampling": "greedy", "postprocess": COURSE, "layout": COURSE_LAYOUT}
)
"""The course's generate_music: Ty = 50 values per set, greedy argmax, its five
post-processing stages, every set's notes from the set's start on past its measure."""
DEFAULT_SETS = 5
"""The course's five chord sets of the Metheny solo."""
MAX_APP_SETS = 16
"""Chord sets the app improvises over at most: 16 measures (about 30 s of audio at the
course's tempo; Ty = 1000 in the course's layout can reach the renderer's 10 minutes)."""
AUDIO_SAMPLE_RATE = 22050
"""Hz sent to the browser: half the bytes of 44.1 kHz (FluidSynth still renders at 44.1)."""


def corpus_chord_sets(n_measures: int, count: int = DEFAULT_SETS) -> list[int]:
    """The first ``count`` of the course's chord sets of a corpus with ``n_measures``
    measures (:func:`jazzcore.generate.course_chord_sets`, timeline indices from 0): the
    course's sets 1–5 of Metheny's 18 measures are indices 0–4; the lead sheets' first
    ``count`` instead of all 47, so the piece stays short."""
    return course_chord_sets(n_measures)[: max(1, int(count))]


def available_chord_sets(corpus: Corpus) -> int:
    """How many chord sets the app offers for the corpus: the course's sets, at most
    MAX_APP_SETS."""
    return len(corpus_chord_sets(len(corpus.chords), MAX_APP_SETS))


@dataclass(frozen=True)
class GenerationSettings:
    """What the Generate page asks for; equal settings give the same piece (with a seed).
    Checked when made: a setting out of range is a one-line ParameterError.

    The defaults make one melody line inside the chords: Ty None (sample until each chord
    set's measure is filled), a draw from the softmax at temperature 1, the faithful
    post-processor in the training solo's register, the measure layout.
    :meth:`the_course` is the course's way (:data:`COURSE_WAY`).

    Ty: None, or values sampled per chord set (1 to jazzcore.sample.MAX_TY, the course's
    option). sampling: 'temperature', 'top-k' (a draw among the k likeliest) or 'greedy'
    (the course's argmax: it replays the training solo). chord_source: 'corpus' (the first
    ``chord_sets`` of the course's sets) or 'progression' (``progression``, one chord set
    per bar). postprocess: 'faithful', 'course' (the course's five stages) or 'raw'
    (values → notes only). layout: 'measure' (each set's notes inside its measure) or
    'course' (every set's notes from its start, running on past its measure).
    first_value_rule: the first value is a note without an interval bracket.
    """

    Ty: int | None = None
    sampling: str = "temperature"
    temperature: float = 1.0
    top_k: int = 5
    seed: int = 1
    chord_source: str = "corpus"
    progression: str = DEFAULT_PROGRESSION
    chord_sets: int = DEFAULT_SETS
    postprocess: str = FAITHFUL
    layout: str = MEASURE_LAYOUT
    first_value_rule: bool = False

    def __post_init__(self) -> None:
        if self.sampling not in SAMPLING_MODES:
            raise ParameterError(f"sampling = '{self.sampling}': use {', '.join(SAMPLING_MODES)}.")
        if self.chord_source not in CHORD_SOURCES:
            raise ParameterError(
                f"chord source = '{self.chord_source}': use 'corpus' or 'progression'."
            )
        if self.postprocess not in POSTPROCESS_MODES:
            raise ParameterError(
                f"postprocess = '{self.postprocess}': use {', '.join(POSTPROCESS_MODES)}."
            )
        if self.layout not in LAYOUTS:
            raise ParameterError(f"layout = '{self.layout}': use {', '.join(LAYOUTS)}.")
        if self.Ty is not None:
            check_Ty(self.Ty)
        check_int("seed", self.seed, 0, MAX_SEED)
        check_int("chord sets", self.chord_sets, 1, MAX_APP_SETS)

    @classmethod
    def the_course(cls, **settings) -> GenerationSettings:
        """The course's way (:data:`COURSE_WAY`) with the other ``settings`` (seed, chords …)."""
        return cls(**{**settings, **COURSE_WAY})

    @property
    def is_the_course(self) -> bool:
        """Whether these are the course's Ty, sampling, post-processing and layout."""
        return all(getattr(self, name) == value for name, value in COURSE_WAY.items())

    def generate_kwargs(self, corpus: Corpus) -> dict:
        """Keyword arguments of ``jazzcore.generate.generate_music`` for these settings on
        ``corpus``: its chords (unless a progression is typed) and its solo's register."""
        kwargs = {
            "Ty": None if self.Ty is None else int(self.Ty),
            "temperature": float(self.temperature) if self.sampling == "temperature" else None,
            "top_k": int(self.top_k) if self.sampling == "top-k" else None,
            "seed": int(self.seed),
            "postprocess": self.postprocess,
            "layout": self.layout,
            "register": register_of(corpus),
            "first_value_rule": bool(self.first_value_rule),
            "return_stream": False,
        }
        if self.chord_source == "progression":
            kwargs["progression"] = self.progression
        else:
            check_int("chord sets", self.chord_sets, 1, available_chord_sets(corpus))
            kwargs["chords"] = corpus
            kwargs["chord_sets"] = corpus_chord_sets(len(corpus.chords), self.chord_sets)
        return kwargs


@dataclass(frozen=True)
class Generation:
    """One generated piece and everything a page shows of it.

    settings: what was asked. model: the model that made it (compared by identity: a
    retrained or reloaded model is another one, and its pieces are not shown for it).
    report: the GenerationReport (values per set, notes, MIDI bytes). audio: the
    RenderedAudio (WAV bytes, which synth). quality: the piece's figures beside the
    training solo's and random values' (:func:`jazzcore.quality.quality_table`).
    rows: piano-roll rows (``jazzcore.pianoroll.piano_roll``).
    timings: seconds per stage ('generate', 'audio', 'metrics', 'total').
    """

    settings: GenerationSettings
    model: JazzModel
    report: GenerationReport
    audio: RenderedAudio
    quality: QualityTable
    rows: list[dict]
    timings: dict[str, float]

    @property
    def n_values(self) -> int:
        """Values in all chord sets: those that fill each set's measure, or Ty per set."""
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
    table = quality_table(report, corpus, seed=settings.seed)
    rows = piano_roll(report)
    timings["metrics"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    return Generation(settings, model, report, audio, table, rows, timings)
