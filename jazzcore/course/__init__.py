"""The course's helper functions, named and called as the notebook's cells call them.

``from jazzcore.course import *`` in place of the notebook's ``from music_utils import *``
(and its other helper modules) lets the cells of both editions of the assignment run in
Keras 3 spelling:

* :func:`load_music_utils` — ``X, Y, n_values, indices_values = load_music_utils()`` (the
  2018 edition: no argument, the Metheny solo, four values) and
  ``X, Y, n_values, indices_values, chords = load_music_utils('data/original_metheny.mid')``
  (the later edition: a path, five values, ``chords`` as the course's list);
* :func:`data_processing`, :func:`predict_and_sample`, and — importing TensorFlow on first
  use, so a star import does — ``djmodel``, ``music_inference_model`` and ``one_hot``
  (:mod:`jazzcore.keras_model`);
* :func:`generate_music` — ``out_stream = generate_music(inference_model)`` (2018) or
  ``generate_music(inference_model, indices_values, chords)`` (later): the course's sets 1–5
  (measures 119–123), Ty values each from the inference model (argmax), the post-processor's
  'course' mode and layout (the course's five stages, less three of its bugs: see
  :mod:`jazzcore.postprocess.course`), the lines it printed, ``output/my_music.midi`` at
  130 bpm; returns the music21 stream.

:func:`fit` is the notebook's ``model.fit([X, a0, c0], list(Y), epochs=100)`` on the NumPy
trainer, with the batch the notebook had: Keras's default of 32, two updates per epoch.
:func:`export_notebook` (:mod:`jazzcore.course.notebook`) writes what a student did as a Jupyter
notebook of jazzcore calls.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..dataset import Corpus, Vocabulary, data_processing, load_corpus
from ..errors import ParameterError
from ..generate import TEMPO_BPM
from ..generate import generate_music as _generate_music
from ..model import JazzModel, TrainConfig
from ..sample import predict_and_sample
from ..solo import ChordEvent, ChordTimeline
from ..training import train
from .notebook import export_notebook

COURSE_M, COURSE_TX = 60, 30
"""The course's training examples and time steps: X (60, 30, 78), Y (30, 60, 78)."""

COURSE_BATCH_SIZE = 32
"""Examples per update of the notebook's ``model.fit`` (Keras's default): 32 and 28."""

COURSE_MIDI = Path("output") / "my_music.midi"
"""Where the course's ``generate_music`` writes, from the working folder."""


@dataclass(frozen=True)
class CourseChords(Sequence):
    """The course's ``chords``: entry 0 is what the course's reader grouped before the first
    measure (the time signature, tempo and instrument at offset 0: no chord, here an empty
    list), entries 1 … n the chords (lists of ChordEvent) of the n measures of ``timeline``.
    Metheny's 18 measures make 19 entries, as the course's ``len(chords)``."""

    timeline: ChordTimeline

    def __len__(self) -> int:
        return len(self.timeline) + 1

    def __getitem__(self, i: int) -> list[ChordEvent]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = i + len(self) if i < 0 else i
        if not 0 <= k < len(self):
            raise IndexError(f"chords has {len(self)} entries, not an entry {i}")
        return [] if k == 0 else list(self.timeline[k - 1])

    def __iter__(self) -> Iterator[list[ChordEvent]]:
        return (self[k] for k in range(len(self)))


def load_music_utils(file: str | Path | None = None):
    """The course's ``load_music_utils``, both editions.

    file None (the 2018 edition's call, no argument): the Metheny solo, and
    ``(X, Y, n_values, indices_values)``. A file (the later edition's
    ``load_music_utils('data/original_metheny.mid')``, or any source :func:`load_corpus`
    reads): ``(X, Y, n_values, indices_values, chords)`` with ``chords`` a
    :class:`CourseChords`. X (60, 30, n_values), Y (30, 60, n_values); the Metheny solo gives
    n_values = 78.
    """
    corpus = load_corpus(file)
    X, Y = corpus.xy(COURSE_M, COURSE_TX)
    loaded = (X, Y, corpus.n_values, corpus.vocabulary.indices_values)
    return loaded if file is None else (*loaded, CourseChords(corpus.chords))


def _timeline(chords) -> ChordTimeline:
    if isinstance(chords, CourseChords):
        return chords.timeline
    if isinstance(chords, Corpus):
        return chords.chords
    if isinstance(chords, ChordTimeline):
        return chords
    raise ParameterError(
        "chords must be what load_music_utils(file) returned (or a ChordTimeline or Corpus)."
    )


def generate_music(inference_model, indices_values=None, chords=None, diversity=0.5, *, seed=None):
    """The course's ``generate_music``: ``generate_music(inference_model)`` (2018) or
    ``generate_music(inference_model, indices_values, chords)`` (later edition).

    inference_model: the notebook's Keras inference model (Ty values a set, argmax; its
    ``predict_and_sample`` is :func:`predict_and_sample`), or a trained
    :class:`~jazzcore.model.JazzModel` (50 values a set, argmax). indices_values, chords:
    None — the Metheny solo's, as the 2018 helpers held them. diversity: accepted and
    unused, as in the course (its sampling is the argmax). seed: the post-processor's random
    draws (None: fresh, as the course's were).

    Prints the course's lines — "Predicting new values for different set of chords.", one
    "Generated N sounds using the predicted values for the set of chords ("i") and after
    pruning" for each of its sets 1–5, "Your generated music is saved in
    output/my_music.midi" — writes that file (130 bpm; the folder is made) and returns the
    music21 stream of the piece (melody and chords).
    """
    del diversity  # the course's argument, unused by its own body too
    metheny = load_corpus("metheny") if indices_values is None or chords is None else None
    vocabulary = (
        metheny.vocabulary
        if indices_values is None
        else Vocabulary.from_indices_values(indices_values)
    )
    timeline = _timeline(metheny if chords is None else chords)
    print("Predicting new values for different set of chords.")
    stream, _ = _generate_music(
        inference_model,
        vocabulary,
        timeline,
        Ty=None,
        temperature=None,
        top_k=None,
        seed=seed,
        chord_sets="course",
        postprocess="course",
        layout="course",
        tempo_bpm=TEMPO_BPM,
        out_path=COURSE_MIDI,
        verbose=True,
    )
    return stream


def course_config(**settings) -> TrainConfig:
    """A :class:`~jazzcore.model.TrainConfig` with the notebook's batch of 32 (and its other
    defaults); ``settings`` change any field (``carry_state=False``: the 2018 listing)."""
    return TrainConfig(**{"batch_size": COURSE_BATCH_SIZE, **settings})


def fit(
    X,
    Y,
    indices_values,
    epochs: int = 100,
    *,
    carry_state: bool = True,
    seed: int = 0,
    on_epoch: Callable[[dict], None] | None = None,
    source: str | None = None,
) -> JazzModel:
    """The notebook's ``model.fit([X, a0, c0], list(Y), epochs=100)`` on the NumPy trainer:
    Adam(0.01, decay 0.01), n_a = 64, batches of 32 (two updates an epoch, the epoch's loss
    their size-weighted mean, as Keras prints it). carry_state False trains the 2018 listing's
    graph (the state reset to a0, c0 at every step). Returns the trained JazzModel."""
    config = course_config(epochs=epochs, carry_state=carry_state, seed=seed)
    return train(X, Y, indices_values, config, on_epoch=on_epoch, source=source)


# The course's Keras names: importing them imports TensorFlow (seconds), so only on use —
# as the package does for the same names.
_KERAS_NAMES = ("djmodel", "music_inference_model", "one_hot")


def __getattr__(name: str):
    if name in _KERAS_NAMES:
        return getattr(importlib.import_module("jazzcore.keras_model"), name)
    raise AttributeError(f"module 'jazzcore.course' has no attribute '{name}'")


__all__ = [
    "COURSE_BATCH_SIZE",
    "CourseChords",
    "course_config",
    "data_processing",
    "djmodel",
    "export_notebook",
    "fit",
    "generate_music",
    "load_music_utils",
    "music_inference_model",
    "one_hot",
    "predict_and_sample",
]
