"""The chords a piece is improvised over: the timeline, the chosen sets, the span each set
may fill, and the register of the training solo.

Units: quarter lengths, MIDI pitches.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..dataset import Corpus
from ..errors import ChordSymbolError, ParameterError, VocabularyMismatchError
from ..postprocess import DEFAULT_REGISTER, MEASURE_LAYOUT
from ..progression import parse_progression
from ..solo import MEASURE_LENGTH, ChordEvent, ChordTimeline, Solo
from .samplers import ValueSampler


def chord_timeline(chords, progression, sampler: ValueSampler) -> tuple[ChordTimeline, bool]:
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
    """The course's choice of chord sets, as indices of a timeline of ``n_measures`` measures.

    The course's ``chords`` list holds a non-chord entry first (what its reader grouped at
    offset 0: time signature, tempo, instrument) and then the n measures, and it improvises
    over ``chords[i]`` for i in ``range(1, len(chords) // 3)``: its sets 1–5 of Metheny's 18
    measures are the measures 119–123, indices 0–4 here (``SetReport.number`` is the course's
    i). Every measure when that is empty (fewer than 5 measures)."""
    chosen = list(range((n_measures + 1) // 3 - 1))
    return chosen or list(range(n_measures))


def chosen_sets(timeline: ChordTimeline, chord_sets, from_progression: bool) -> list[int]:
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


def register_of(source: Corpus | Solo) -> tuple[int, int]:
    """(lowest, highest) MIDI pitch of the melody of a Corpus (all its solos) or a Solo,
    widened around its middle to an octave if narrower; DEFAULT_REGISTER with no notes."""
    solos = source.solos if isinstance(source, Corpus) else (source,)
    pitches = [n.pitch for s in solos for m in s.measures for n in m.notes if not n.is_rest]
    if not pitches:
        return DEFAULT_REGISTER
    low, high = min(pitches), max(pitches)
    if high - low < 12:
        low = max(0, (low + high) // 2 - 6)
        high = low + 12
    return low, high


def set_spans(set_chords: Sequence[Sequence[ChordEvent]], layout: str) -> list[float]:
    """Quarter lengths each set may fill: a measure; the last set ends with its chords."""
    spans = [MEASURE_LENGTH] * len(set_chords)
    if layout == MEASURE_LAYOUT and set_chords:
        end = max(c.offset + c.duration for c in set_chords[-1])
        spans[-1] = end if end > 0 else MEASURE_LENGTH
    return spans
