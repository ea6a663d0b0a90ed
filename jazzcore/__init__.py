"""jazzcore: improvise a jazz solo with an LSTM, as in the Coursera assignment and deepjazz.

The flow of data, one module per arrow::

    sources    a MIDI / MusicXML file, the seed's Metheny solo, music21's lead sheets
    extract    → Solo (melody + chords, 4/4 measures)
    grammar    → grammar values ('S,0.250,<m2,P-4>')
    dataset    → Vocabulary, X (m, Tx, n_values), Y (Ty, m, n_values)
    model      → djmodel, music_inference_model (the seed's Keras graphs)
    training   → train(): a trained JazzModel (fast fused training, NumPy)
    sample     → sampled values
    postprocess→ notes over chords (generate_music), MIDI
    audio      → WAV bytes;  metrics → musical-quality figures

Names are imported lazily, so ``import jazzcore`` is cheap and does not load TensorFlow
until a model function is used.
"""

from __future__ import annotations

import importlib

from .errors import (  # noqa: F401  (the exception types are always at hand)
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

__version__ = "0.1.0"

# public name → module that defines it (imported on first use)
_LAZY = {
    "GrammarToken": "grammar",
    "Solo": "solo",
    "Measure": "solo",
    "MelodyNote": "solo",
    "ChordEvent": "solo",
    "ChordTimeline": "solo",
    "Vocabulary": "dataset",
    "data_processing": "dataset",
    "load_music_utils": "dataset",
    "load_corpus": "dataset",
    "Corpus": "dataset",
    "tokenize_solo": "grammar",
    "load_solo": "extract",
    "resolve_source": "sources",
    "metheny_path": "sources",
    # model, training, sampling (TensorFlow is imported only when these are used)
    "djmodel": "model",
    "music_inference_model": "model",
    "one_hot": "model",
    "predict_and_sample": "sample",
    "train": "training",
    "JazzModel": "training",
    "TrainConfig": "training",
    "save_model": "persist",
    "load_model": "persist",
    # music
    "generate_music": "postprocess",
    "parse_progression": "progression",
    "render_audio": "audio",
    "metrics": "quality",
}


# submodules reachable as attributes (``jazzcore.persist.model_bytes``) without an import
_SUBMODULES = {
    "app_support", "audio", "cli", "dataset", "extract", "grammar", "midi", "model", "persist",
    "pianoroll", "postprocess", "progression", "quality", "sample", "solo", "sources", "training",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jazzcore' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
