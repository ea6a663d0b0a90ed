"""jazzcore: improvise a jazz solo with an LSTM, as in the Coursera assignment and deepjazz.

The flow of data, one module per arrow (each imports only the modules above it)::

    theory      pitch names, intervals, what a note is over a chord (the one music theory)
    solo        Solo, Measure, MelodyNote, ChordEvent, ChordTimeline (the musical objects)
    sources     a MIDI / MusicXML file, the course's Metheny solo, music21's lead sheets
    readers     → Solo (melody + chords, 4/4 measures)
    grammar     → grammar values ('S,0.250,<m2,P-4>')
    dataset     → Vocabulary, X (m, Tx, n_values), Y (Ty, m, n_values), Corpus
    network     → the LSTM's weights and its mathematics (forward, backward)
    sample      → sampled value indices (NumPy)
    model       → JazzModel: trained weights with their vocabulary; TrainConfig
    training    → train(): the training loop (NumPy, Adam)
    keras_model → djmodel, music_inference_model (the course's Keras graphs)
    persist     → a model as an .npz file
    progression → typed chord progressions
    postprocess → one chord set's values → notes
    midi        → MIDI bytes
    generate    → generate_music: a whole piece over chords
    audio, pianoroll, quality → WAV bytes, piano-roll rows, musical-quality figures
    cli         python -m jazzcore train | generate | …

``jazzcore.app`` is the Streamlit app's machinery (training jobs, sessions, figures): it is
not imported here. TensorFlow is imported only when a Keras name (``djmodel``,
``music_inference_model``, ``one_hot``, ``keras_model``) is first used.
"""

from __future__ import annotations

import importlib

from . import (
    audio,
    dataset,
    errors,
    generate,
    grammar,
    midi,
    model,
    network,
    persist,
    pianoroll,
    postprocess,
    progression,
    quality,
    readers,
    runtime,
    sample,
    solo,
    sources,
    theory,
    training,
)
from .audio import render_audio
from .dataset import Corpus, Vocabulary, data_processing, load_corpus, load_music_utils
from .errors import (
    ChecksumError,
    ChordSymbolError,
    InputFileError,
    JazzcoreError,
    MelodyError,
    ModelFileError,
    OutputError,
    ParameterError,
    SourceError,
    VocabularyMismatchError,
)
from .generate import generate_music
from .grammar import GrammarToken, tokenize_solo
from .model import JazzModel, TrainConfig
from .persist import load_model, save_model
from .pianoroll import piano_roll
from .progression import parse_progression
from .quality import metrics
from .readers import list_parts, load_solo
from .sample import predict_and_sample
from .solo import ChordEvent, ChordTimeline, Measure, MelodyNote, Solo
from .sources import metheny_path, resolve_source
from .training import train

__version__ = "0.2.0"

# The course's Keras names: importing them imports TensorFlow (seconds), so only on use.
_KERAS_NAMES = ("djmodel", "music_inference_model", "one_hot")


def __getattr__(name: str):
    if name == "keras_model":
        return importlib.import_module(".keras_model", __name__)
    if name in _KERAS_NAMES:
        value = getattr(importlib.import_module(".keras_model", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jazzcore' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | {"keras_model", *_KERAS_NAMES})


__all__ = [
    "ChecksumError",
    "ChordEvent",
    "ChordSymbolError",
    "ChordTimeline",
    "Corpus",
    "GrammarToken",
    "InputFileError",
    "JazzModel",
    "JazzcoreError",
    "Measure",
    "MelodyError",
    "MelodyNote",
    "ModelFileError",
    "OutputError",
    "ParameterError",
    "Solo",
    "SourceError",
    "TrainConfig",
    "Vocabulary",
    "VocabularyMismatchError",
    "audio",
    "data_processing",
    "dataset",
    "djmodel",
    "errors",
    "generate",
    "generate_music",
    "grammar",
    "list_parts",
    "load_corpus",
    "load_model",
    "load_music_utils",
    "load_solo",
    "metheny_path",
    "metrics",
    "midi",
    "model",
    "music_inference_model",
    "network",
    "one_hot",
    "parse_progression",
    "persist",
    "piano_roll",
    "pianoroll",
    "postprocess",
    "predict_and_sample",
    "progression",
    "quality",
    "readers",
    "render_audio",
    "resolve_source",
    "runtime",
    "sample",
    "save_model",
    "solo",
    "sources",
    "theory",
    "tokenize_solo",
    "train",
    "training",
]
