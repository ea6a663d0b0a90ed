"""Improvise over chords: sample values for every chord set, post-process, write MIDI.

:func:`generate_music` is the course's function of that name: for each chosen set of
chords (one measure of the chord timeline) it samples grammar values from a trained model,
turns them into notes with :mod:`jazzcore.postprocess`, places the sets one measure apart
and writes the piece as MIDI (:mod:`jazzcore.midi`). What happened to every set is kept in
a :class:`GenerationReport`; a music21 Score of the piece is built at the end.

The defaults make one melody line that follows the chords: values are drawn from the
softmax (temperature 1) until each set's measure is filled (values are durations), the
faithful post-processor keeps their types, steps and lengths in the training solo's register,
and no note starts after the chords end. The course's way — Ty = 50 values a set, greedy
argmax, its five post-processing stages, sets running on past their measure — is
``Ty=50, temperature=None, postprocess='course', layout='course'``.

:func:`round_trip` puts a corpus's own values through the same post-processor over their
own chords, and :func:`random_baseline` uniformly random values of the vocabulary: what the
post-processor alone makes, for the quality figures (:mod:`jazzcore.quality`).

Units: offsets and durations in quarter lengths, pitches as MIDI numbers, tempo in
quarter notes per minute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..dataset import Corpus, Vocabulary
from ..errors import ChordSymbolError, ParameterError, write_output
from ..midi import music21_score, write_midi
from ..postprocess import (
    COURSE_LAYOUT,
    DEFAULT_REGISTER,
    FAITHFUL,
    MEASURE_LAYOUT,
    check_layout,
    check_mode,
    check_register,
    postprocess_values,
)
from ..sample import check_Ty, random_generator
from ..solo import MEASURE_LENGTH, ChordEvent, ChordTimeline
from .chords import chord_timeline, chosen_sets, course_chord_sets, register_of, set_spans
from .report import GenerationReport, SetReport
from .samplers import (
    KerasInference,
    RandomValues,
    ValueSampler,
    as_sampler,
    fill_length,
    values_to_fill,
)

TEMPO_BPM = 130.0
"""The course's tempo: quarter notes per minute."""

COURSE_TY = 50
"""The course's values per chord set, and Ty=None's in the course's layout."""


# values_for(position, span, rng) → the values of the set at that position
ValuesFor = Callable[[int, float, np.random.Generator], list[str]]


def _piece(
    numbers: Sequence[int],
    set_chords: Sequence[Sequence[ChordEvent]],
    values_for: ValuesFor,
    rng: np.random.Generator,
    *,
    postprocess: str,
    layout: str,
    register: tuple[int, int],
    Ty: int | None,
    seed: int | None,
    tempo_bpm: float,
    verbose: bool = False,
) -> GenerationReport:
    """Values for every set → post-processed, placed one measure apart, written as MIDI.

    Each set gets two child streams of ``rng``: one for its values, one for the
    post-processor (so two modes post-process the same values)."""
    streams = rng.spawn(2 * len(numbers))
    sets, melody, placed_chords = [], [], []
    previous = None
    for position, (k, chords, span) in enumerate(
        zip(numbers, set_chords, set_spans(set_chords, layout), strict=True)
    ):
        values = values_for(position, span, streams[2 * position])
        sounds, stages = postprocess_values(
            values,
            chords,
            streams[2 * position + 1],
            mode=postprocess,
            layout=layout,
            span=span,
            previous=previous,
            register=register,
        )
        previous = next((s.pitch for s in reversed(sounds) if not s.is_rest), previous)
        offset = MEASURE_LENGTH * position
        report = SetReport(k, offset, list(chords), list(values), sounds, stages)
        sets.append(report)
        if verbose:
            print(report.line)
        melody += [replace(s, offset=offset + s.offset) for s in sounds]
        placed_chords += [replace(c, offset=offset + c.offset) for c in chords]
    melody.sort(key=lambda s: s.offset)  # sets overlap in the course's layout
    midi_bytes = write_midi(melody, placed_chords, tempo_bpm=tempo_bpm)
    return GenerationReport(
        sets,
        postprocess,
        layout,
        float(tempo_bpm),
        Ty,
        seed,
        melody,
        placed_chords,
        midi_bytes,
        None,
        register,
    )


def _check_tempo(tempo_bpm) -> float:
    if isinstance(tempo_bpm, bool) or not (
        isinstance(tempo_bpm, int | float) and 20 <= tempo_bpm <= 400
    ):
        raise ParameterError(f"tempo_bpm = {tempo_bpm!r} is out of range: choose 20 to 400.")
    return float(tempo_bpm)


def _sampled_values(sampler: ValueSampler, Ty: int | None, options: dict) -> ValuesFor:
    """values_for drawing from the sampler: Ty values, or (Ty None) enough to fill the span."""

    def values_for(position: int, span: float, rng: np.random.Generator) -> list[str]:
        n = Ty if Ty is not None else fill_length(sampler.vocabulary, span)
        indices = sampler.sample(n, seed=int(rng.integers(2**31)), **options)
        values = sampler.vocabulary.decode(indices)
        return values if Ty is not None else values_to_fill(values, span)

    return values_for


def generate_music(
    model,
    indices_values=None,
    chords: ChordTimeline | Corpus | None = None,
    *,
    Ty: int | None = None,
    temperature: float | None = 1.0,
    top_k: int | None = None,
    seed: int | None = None,
    progression: str | None = None,
    chord_sets: Sequence[int] | str | None = None,
    postprocess: str = FAITHFUL,
    layout: str = MEASURE_LAYOUT,
    register: tuple[int, int] | None = None,
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
    chord_sets: which sets (measures) to improvise over, as timeline indices from 0: None —
        the course's sets of a corpus (:func:`course_chord_sets`: indices 0–4, measures
        119–123 of Metheny's 18, the course's sets 1–5), every bar of a progression;
        'course'; 'all'; or a list of indices.
    Ty: values per set (1 … 1000), or None (the default): sample until the set's measure is
        filled (the course's 50 in the course's layout). temperature (default 1: the
        model's own distribution), top_k, first_value_rule: passed to ``model.sample``;
        temperature and top_k both None is the course's greedy argmax, which replays the
        training solo. seed: an int makes everything reproducible: one NumPy Generator,
        split into a sampling and a post-processing stream per set.
    postprocess: 'faithful' (the default), 'course' (the course's five stages) or 'raw'
        (:mod:`jazzcore.postprocess`). layout: 'measure' (the default: each set's notes
        inside its measure, the last set ending with its chords) or 'course' (every set's
        notes from the set's start, running on past its measure as in the course).
    register: (lowest, highest) MIDI pitches of the faithful line; None — the range of the
        corpus's solos when ``chords`` is a Corpus, else DEFAULT_REGISTER (G3–C6).
    tempo_bpm: quarter notes per minute (the course's 130). out_path: a MIDI file to write
        (folders are made), or None (the default: the bytes are in the report).
    verbose: print the course's report lines. return_stream: build the music21 Score.

    Returns ``(stream, report)``: a music21 Score (melody part, chord part, tempo) or None,
    and a :class:`GenerationReport`.
    """
    postprocess, layout = check_mode(postprocess), check_layout(layout)
    tempo_bpm = _check_tempo(tempo_bpm)
    rng = random_generator(seed)
    sampler = as_sampler(model, indices_values)
    if isinstance(sampler, KerasInference):
        Ty = sampler.Ty
    elif Ty is not None or layout == COURSE_LAYOUT:
        Ty = check_Ty(COURSE_TY if Ty is None else Ty)
    if register is None:
        register = register_of(chords) if isinstance(chords, Corpus) else DEFAULT_REGISTER
    register = check_register(register)
    options = {"temperature": temperature, "top_k": top_k}
    if first_value_rule:
        options["first_value_rule"] = True
    timeline, from_progression = chord_timeline(chords, progression, sampler)
    chosen = chosen_sets(timeline, chord_sets, from_progression)
    sounding = timeline.sounding()
    if not any(sounding):
        raise ChordSymbolError("There are no chords to write a solo over: every measure is empty.")
    report = _piece(
        chosen,
        [sounding[k] for k in chosen],
        _sampled_values(sampler, Ty, options),
        rng,
        postprocess=postprocess,
        layout=layout,
        register=register,
        Ty=Ty,
        seed=seed if isinstance(seed, int) else None,
        tempo_bpm=tempo_bpm,
        verbose=verbose,
    )
    if out_path is not None:
        report.midi_path = write_output(out_path, report.midi_bytes, "MIDI")
        if verbose:
            print(report.lines[-1])
    score = music21_score(report.melody, report.chords, tempo_bpm) if return_stream else None
    return score, report


def random_baseline(
    report: GenerationReport, vocabulary: Vocabulary, *, seed: int | None = None
) -> GenerationReport:
    """The piece that uniformly random values of ``vocabulary`` (:class:`RandomValues`) make
    through the same post-processor over the same chord sets as ``report``: same mode,
    layout, register, Ty (or filling) and tempo. seed: None — the report's seed."""
    sampler = RandomValues(vocabulary)
    return _piece(
        [s.index for s in report.sets],
        [s.chords for s in report.sets],
        _sampled_values(sampler, report.Ty, {}),
        random_generator(report.seed if seed is None else seed),
        postprocess=report.postprocess,
        layout=report.layout,
        register=report.register,
        Ty=report.Ty,
        seed=report.seed if seed is None else seed,
        tempo_bpm=report.tempo_bpm,
    )


def round_trip(
    corpus: Corpus,
    chord_sets: Sequence[int] | str = "all",
    *,
    postprocess: str = FAITHFUL,
    layout: str = MEASURE_LAYOUT,
    register: tuple[int, int] | None = None,
    seed: int | None = 0,
    tempo_bpm: float = TEMPO_BPM,
) -> GenerationReport:
    """A corpus's own values through the post-processor over their own chords: each measure's
    values over that measure's chords (all measures by default; chord_sets as for
    :func:`generate_music`). What it changes of the solo is the post-processor's doing.
    register: None — the corpus's range."""
    postprocess, layout = check_mode(postprocess), check_layout(layout)
    timeline = corpus.chords
    chosen = chosen_sets(timeline, chord_sets, True)
    sounding = timeline.sounding()
    register = check_register(register_of(corpus) if register is None else register)

    def values_for(position: int, span: float, rng: np.random.Generator) -> list[str]:
        return list(corpus.measure_values[chosen[position]])

    return _piece(
        chosen,
        [sounding[k] for k in chosen],
        values_for,
        random_generator(seed),
        postprocess=postprocess,
        layout=layout,
        register=register,
        Ty=None,
        seed=seed,
        tempo_bpm=_check_tempo(tempo_bpm),
    )


__all__ = [
    "COURSE_TY",
    "TEMPO_BPM",
    "GenerationReport",
    "RandomValues",
    "SetReport",
    "ValueSampler",
    "course_chord_sets",
    "generate_music",
    "random_baseline",
    "register_of",
    "round_trip",
    "values_to_fill",
]
