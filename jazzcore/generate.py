"""Improvise over chords: sample values for every chord set, post-process, write MIDI.

:func:`generate_music` is the course's function of that name: for each chosen set of
chords (one measure of the chord timeline) it samples Ty grammar values from a trained
model, turns them into notes with :mod:`jazzcore.postprocess`, places the sets one
measure apart and writes the piece as MIDI (:mod:`jazzcore.midi`). What happened to every
set is kept in a :class:`GenerationReport`; a music21 Score of the piece is built at the end.

The model is a trained :class:`~jazzcore.model.JazzModel` (sampled in NumPy) — anything
with its ``vocabulary`` and ``sample`` (a :class:`ValueSampler`) — or the course's Keras
inference model (``music_inference_model``), read with ``predict_and_sample``.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers, tempo in
quarter notes per minute.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .dataset import Corpus, Vocabulary
from .errors import ChordSymbolError, ParameterError, VocabularyMismatchError, write_output
from .midi import music21_score, write_midi
from .postprocess import (
    COURSE_LAYOUT,
    FULL,
    MEASURE_LAYOUT,
    RAW,
    Sound,
    StageReport,
    postprocess_values,
)
from .progression import parse_progression
from .sample import check_Ty, predict_and_sample, random_generator
from .solo import MEASURE_LENGTH, ChordEvent, ChordTimeline

TEMPO_BPM = 130.0
"""The course's tempo: quarter notes per minute."""


@dataclass
class SetReport:
    """One set of chords and the notes generated over it.

    index: the set's position in the chord timeline (the course's "set of chords" number).
    offset: where the set starts in the piece, quarter lengths.
    chords: its chords, offsets relative to the set. values: the sampled values.
    sounds: the notes and rests that came out, offsets relative to the set.
    """

    index: int
    offset: float
    chords: list[ChordEvent]
    values: list[str]
    sounds: list[Sound]
    stages: list[StageReport] = field(default_factory=list)

    @property
    def n_sounds(self) -> int:
        """Sounding notes (rests not counted), as the course counts them."""
        return sum(1 for s in self.sounds if not s.is_rest)

    @property
    def line(self) -> str:
        return (
            f"Generated {self.n_sounds} sounds using the predicted values for the set of chords "
            f'("{self.index}") and after pruning'
        )


@dataclass
class GenerationReport:
    """Everything generate_music did: one :class:`SetReport` per chord set, and the result.

    melody: every sound of the piece, offsets in quarter lengths from its start.
    chords: every chord of the piece, offsets from its start.
    midi_bytes: the MIDI file; midi_path: where it was written (None if not written).
    """

    sets: list[SetReport]
    postprocess: str
    layout: str
    tempo_bpm: float
    Ty: int
    seed: int | None
    melody: list[Sound]
    chords: list[ChordEvent]
    midi_bytes: bytes = b""
    midi_path: Path | None = None

    @property
    def lines(self) -> list[str]:
        lines = [s.line for s in self.sets]
        if self.midi_path is not None:
            lines.append(f"Your generated music is saved in {self.midi_path}")
        return lines

    @property
    def n_sounds(self) -> int:
        return sum(s.n_sounds for s in self.sets)

    @property
    def quarter_lengths(self) -> float:
        """Length of the piece: the last note or chord end, quarter lengths."""
        ends = [s.end for s in self.melody] + [c.offset + c.duration for c in self.chords]
        return max(ends, default=0.0)

    @property
    def seconds(self) -> float:
        return self.quarter_lengths * 60.0 / self.tempo_bpm

    def stage_totals(self) -> list[StageReport]:
        """Each stage summed over all chord sets."""
        totals: dict[str, list[int]] = {}
        for s in self.sets:
            for st in s.stages:
                t = totals.setdefault(st.name, [0, 0, 0, 0])
                t[0] += st.notes_in
                t[1] += st.notes_out
                t[2] += st.durations_moved
                t[3] += st.kinds_changed
        return [StageReport(name, *t) for name, t in totals.items()]

    def __str__(self) -> str:
        return "\n".join(self.lines)


# ---------------------------------------------------------------------------------------
# What samples the values: a trained model, or the course's Keras inference model


@runtime_checkable
class ValueSampler(Protocol):
    """A trained model as generate_music uses it (a JazzModel is one): its vocabulary, and
    ``sample(Ty, …)`` returning Ty value indices, int array of shape (Ty,)."""

    vocabulary: Vocabulary

    def sample(
        self,
        Ty: int,
        *,
        temperature: float | None = None,
        top_k: int | None = None,
        seed: int | None = None,
        first_value_rule: bool = False,
    ) -> np.ndarray: ...


class _KerasInference:
    """The course's Keras inference model as a ValueSampler: greedy, its Ty fixed by the graph."""

    def __init__(self, inference_model, vocabulary: Vocabulary):
        n_values = int(inference_model.inputs[0].shape[-1])
        if n_values != len(vocabulary):
            raise VocabularyMismatchError(
                f"The inference model has {n_values} values but indices_values has "
                f"{len(vocabulary)}: use the vocabulary the model was trained on."
            )
        self.model = inference_model
        self.vocabulary = vocabulary
        self.Ty = len(inference_model.outputs)

    def sample(self, Ty: int, **options) -> np.ndarray:
        _, indices = predict_and_sample(self.model)
        return indices.reshape(-1)


def _is_keras_model(model) -> bool:
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras is imported
    return keras is not None and isinstance(model, keras.Model)


def _sampler(model, indices_values) -> ValueSampler:
    """The model as a ValueSampler, checked against indices_values when both are given."""
    given = None if indices_values is None else Vocabulary.from_indices_values(indices_values)
    if isinstance(model, ValueSampler):
        if given is not None and given.tokens != model.vocabulary.tokens:
            raise VocabularyMismatchError(
                f"The model's {len(model.vocabulary)} values are not the {len(given)} values "
                "of indices_values: use the vocabulary the model was trained on."
            )
        return model
    if _is_keras_model(model):
        if given is None:
            raise ParameterError("A Keras inference model needs indices_values (index → value).")
        return _KerasInference(model, given)
    raise ParameterError(
        "generate_music needs a trained jazzcore model (JazzModel) or the course's Keras "
        "inference model."
    )


# ---------------------------------------------------------------------------------------
# Chord sets


def _timeline(chords, progression, sampler: ValueSampler) -> tuple[ChordTimeline, bool]:
    """(the chord timeline to improvise over, whether it is a typed progression)."""
    if progression is not None:
        return parse_progression(progression), True
    if isinstance(chords, Corpus):
        if chords.vocabulary.tokens != sampler.vocabulary.tokens:
            raise VocabularyMismatchError(
                f"The model knows {len(sampler.vocabulary)} values but the chords' corpus has "
                f"{chords.n_values} other ones: train on this corpus or choose the model's corpus."
            )
        return chords.chords, False
    if isinstance(chords, ChordTimeline):
        return chords, False
    raise ParameterError(
        "generate_music needs chords to improvise over: a ChordTimeline (load_music_utils's "
        "chords), a Corpus, or a progression such as 'Dm7 G7 | Cmaj7'."
    )


def course_chord_sets(n_measures: int) -> list[int]:
    """The course's choice of chord sets: ``range(1, n // 3)`` (sets 1–5 of Metheny's 18
    measures); every set when that is empty (fewer than 6 measures)."""
    chosen = list(range(1, n_measures // 3))
    return chosen or list(range(n_measures))


def _chosen_sets(timeline: ChordTimeline, chord_sets, from_progression: bool) -> list[int]:
    n = len(timeline)
    if n == 0:
        raise ChordSymbolError(
            "There are no chords to write a solo over: the chord timeline is empty."
        )
    if chord_sets is None:
        return list(range(n)) if from_progression else course_chord_sets(n)
    if isinstance(chord_sets, str):
        if chord_sets == "all":
            return list(range(n))
        if chord_sets == "course":
            return course_chord_sets(n)
        raise ParameterError(
            f"chord_sets = '{chord_sets}': use 'course', 'all' or a list of set numbers."
        )
    try:
        chosen = [int(k) for k in chord_sets]
    except (TypeError, ValueError):
        raise ParameterError(
            f"chord_sets = {chord_sets!r}: use 'course', 'all' or a list of set numbers such as [0, 1]."
        ) from None
    bad = [k for k in chosen if not 0 <= k < n]
    if bad or not chosen:
        raise ParameterError(f"chord_sets {chosen} must name sets 0 to {n - 1}.")
    return chosen


# ---------------------------------------------------------------------------------------
# The piece


def generate_music(
    model,
    indices_values=None,
    chords: ChordTimeline | Corpus | None = None,
    *,
    Ty: int = 50,
    temperature: float | None = None,
    top_k: int | None = None,
    seed: int | None = None,
    progression: str | None = None,
    chord_sets: Sequence[int] | str | None = None,
    postprocess: str = FULL,
    layout: str = COURSE_LAYOUT,
    first_value_rule: bool = False,
    tempo_bpm: float = TEMPO_BPM,
    out_path: str | Path | None = None,
    verbose: bool = False,
    return_stream: bool = True,
):
    """Improvise over chords with a trained model: the course's ``generate_music``.

    model: a trained :class:`~jazzcore.model.JazzModel` (any :class:`ValueSampler`) or the
        course's Keras inference model (then sampled greedily with ``predict_and_sample``;
        its Ty is fixed by the graph and it needs ``indices_values``).
    indices_values: index → value (the course's ``indices_values``), checked against the
        model's vocabulary when both are given.
    chords: a ChordTimeline (one list of ChordEvent per measure, as ``load_music_utils``
        returns it) or a Corpus (its vocabulary must be the model's, else
        VocabularyMismatchError). progression: a typed progression (``'Dm7 G7 | Cmaj7'``)
        used instead of ``chords``.
    chord_sets: which sets (measures) to improvise over: None — the course's sets
        1 … n//3 − 1 of a corpus (5 sets of Metheny's 18 measures), every bar of a
        progression; 'course'; 'all'; or a list of set numbers.
    Ty: values sampled per set (1 … 1000). temperature, top_k, first_value_rule: passed to
        ``model.sample``. seed: an int makes everything reproducible: one NumPy Generator,
        split into a sampling and a post-processing stream per set, draws the model's
        seeds and every choice of the post-processor (so 'full' and 'raw' post-process the
        same sampled values).
    postprocess: 'full' (the course's five stages) or 'raw' (unparse only). layout:
        'course' (every set's notes from the set's start, running on past its measure as in
        the course) or 'measure' (only what fits the set's 4 quarter lengths).
    tempo_bpm: quarter notes per minute (the course's 130). out_path: a MIDI file to write
        (folders are made), or None (the default: the bytes are in the report).
    verbose: print the course's report lines. return_stream: build the music21 Score.

    Returns ``(stream, report)``: a music21 Score (melody part, chord part, tempo) or None,
    and a :class:`GenerationReport`.
    """
    if postprocess not in (FULL, RAW):
        raise ParameterError(
            f"postprocess = '{postprocess}': use 'full' (the course) or 'raw' (unparse only)."
        )
    if layout not in (COURSE_LAYOUT, MEASURE_LAYOUT):
        raise ParameterError(f"layout = '{layout}': use 'course' or 'measure'.")
    if isinstance(tempo_bpm, bool) or not (
        isinstance(tempo_bpm, int | float) and 20 <= tempo_bpm <= 400
    ):
        raise ParameterError(f"tempo_bpm = {tempo_bpm!r} is out of range: choose 20 to 400.")
    rng = random_generator(seed)
    sampler = _sampler(model, indices_values)
    Ty = sampler.Ty if isinstance(sampler, _KerasInference) else check_Ty(Ty)
    options = {"temperature": temperature, "top_k": top_k}
    if first_value_rule:
        options["first_value_rule"] = True
    timeline, from_progression = _timeline(chords, progression, sampler)
    chosen = _chosen_sets(timeline, chord_sets, from_progression)
    sounding = timeline.sounding()
    if not any(sounding):
        raise ChordSymbolError("There are no chords to write a solo over: every measure is empty.")

    # One Generator from ``seed``; each set gets its own child stream for sampling and
    # one for the post-processor, so 'full' and 'raw' hear the same sampled values.
    streams = rng.spawn(2 * len(chosen))
    sets, melody, placed_chords = [], [], []
    for position, k in enumerate(chosen):
        set_chords = sounding[k]
        draw_seed = int(streams[2 * position].integers(2**31))
        indices = sampler.sample(Ty, seed=draw_seed, **options)
        values = sampler.vocabulary.decode(indices)
        sounds, stages = postprocess_values(
            values, set_chords, streams[2 * position + 1], mode=postprocess, layout=layout
        )
        offset = MEASURE_LENGTH * position
        report = SetReport(k, offset, set_chords, values, sounds, stages)
        sets.append(report)
        if verbose:
            print(report.line)
        melody += [replace(s, offset=offset + s.offset) for s in sounds]
        placed_chords += [replace(c, offset=offset + c.offset) for c in set_chords]

    melody.sort(key=lambda s: s.offset)  # sets overlap in the course's layout
    midi_bytes = write_midi(melody, placed_chords, tempo_bpm=tempo_bpm)
    path = None if out_path is None else write_output(out_path, midi_bytes, "MIDI")
    report = GenerationReport(
        sets,
        postprocess,
        layout,
        float(tempo_bpm),
        Ty,
        seed if isinstance(seed, int) else None,
        melody,
        placed_chords,
        midi_bytes,
        path,
    )
    if verbose and path is not None:
        print(report.lines[-1])
    score = music21_score(melody, placed_chords, tempo_bpm) if return_stream else None
    return score, report
