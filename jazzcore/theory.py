"""The music theory of jazzcore: pitch names, intervals, and what a note is over a chord.

Every part of the package that asks "is this a chord tone?" asks it here — the tokenizer
that writes the grammar, the post-processor that turns values back into pitches, the
quality metrics and the piano roll — so they can never disagree.

Units: pitches are MIDI numbers (middle C = 60), pitch classes 0–11 (C = 0), names are
music21 spellings ('C#', 'E-' for E flat, 'G--' for G double flat).

The rule of the grammar (Gillick, Tang & Keller 2009, as deepjazz and the course apply it)
types a note over the chord sounding under it, in this order:

* ``C`` chord tone — its pitch class is one of the chord's;
* ``S`` scale tone — its name is in the scale music21 derives from the chord (a major
  scale for a chord of major quality, a dorian scale for any other);
* ``A`` approach tone — its name is a semitone from a chord tone (in any spelling);
* ``X`` any other tone.

The scale test compares spelled names, as the course did: music21's derived scale may spell
a tone 'D#' where a MIDI file's note reads 'E-', and then the note is not a scale tone. This
is what gives the course's 78 values (comparing pitch classes instead gives 79), so the rule
is kept, and a MIDI pitch is always named as music21 names MIDI pitches
(:func:`default_pitch_name`). A pitch given as a number and the same pitch given by its
default name are typed the same, whoever asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from .errors import ParameterError


class ChordEvent(Protocol):
    """What the theory reads of a chord (a :class:`jazzcore.solo.ChordEvent` is one): its
    MIDI pitches, ascending, and their spelled names in the same order."""

    pitches: tuple[int, ...]
    names: tuple[str, ...]


# ---------------------------------------------------------------------------------------
# Pitch names

# music21's spelling of each pitch class when it reads a MIDI file
_DEFAULT_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B")
_LETTER_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_NAME_RE = re.compile(r"[A-Ga-g](#{1,2}|-{1,2})?")


def default_pitch_name(midi_pitch: int) -> str:
    """The pitch-class name music21 gives a MIDI pitch read from a MIDI file: 63 → 'E-'."""
    return _DEFAULT_NAMES[int(midi_pitch) % 12]


def pitch_name(midi_pitch: int) -> str:
    """The name with its octave, music21's spelling of a MIDI pitch: 60 → 'C4', 75 → 'E-5'."""
    return f"{default_pitch_name(midi_pitch)}{int(midi_pitch) // 12 - 1}"


def pitch_class_of_name(name: str) -> int:
    """Pitch class 0–11 of a music21 pitch-class name: 'E-' → 3, 'B#' → 0, 'G--' → 5."""
    return (_LETTER_PITCH_CLASS[name[0].upper()] + name.count("#") - name.count("-")) % 12


def pitch_class_name(pitch: int | str) -> str:
    """The pitch-class name of a MIDI pitch (63 → 'E-') or of a spelled name ('E-4' → 'E-',
    'e-' → 'E-'); a ParameterError for anything else."""
    if isinstance(pitch, bool):
        raise ParameterError(f"{pitch!r} is not a pitch: give a MIDI number or a name.")
    if isinstance(pitch, int):
        return default_pitch_name(pitch)
    # strip an octave number, but not the '-' of a flat ('E-' stays, 'E-4' → 'E-')
    name = re.sub(r"\d+$", "", str(pitch).strip())
    if not _NAME_RE.fullmatch(name):
        raise ParameterError(f"'{pitch}' is not a pitch name such as 'C', 'F#' or 'E-'.")
    return name[0].upper() + name[1:]


def music21_pitch(name: str, midi: int):
    """A music21 Pitch spelled ``name`` ('E-', 'D#') that sounds MIDI pitch ``midi``."""
    from music21 import pitch

    p = pitch.Pitch(name)
    p.octave = 4
    if (p.midi - midi) % 12:  # the name does not fit the MIDI pitch: trust the number
        return pitch.Pitch(midi=midi)
    p.octave = 4 + round((midi - p.midi) / 12)
    return p


# ---------------------------------------------------------------------------------------
# Intervals, as music21 names them ('m2' a minor 2nd up, 'P-4' a perfect 4th down)

_INTERVAL_RE = re.compile(r"^(dd|d|m|P|M|A|AA)(-?)(\d+)$")
# Semitones of the major or perfect interval of each simple number (1 = unison … 7 = seventh).
_BASE_SEMITONES = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11}
_PERFECT_NUMBERS = {1, 4, 5}
_QUALITY_SHIFT_PERFECT = {"P": 0, "A": 1, "AA": 2, "d": -1, "dd": -2}
_QUALITY_SHIFT_MAJOR = {"M": 0, "m": -1, "A": 1, "AA": 2, "d": -2, "dd": -3}
_QUALITY_WORDS = {
    "P": "perfect",
    "M": "major",
    "m": "minor",
    "A": "augmented",
    "AA": "doubly augmented",
    "d": "diminished",
    "dd": "doubly diminished",
}


def _ordinal(n: int) -> str:
    if n == 1:
        return "unison"
    if n == 8:
        return "octave"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def interval_semitones(name: str) -> int:
    """Signed semitones of a music21 directed interval name: 'm2' → 1, 'P-4' → -5, 'M9' → 14.

    Follows music21's convention that a diminished unison ('d1') is one semitone down.
    """
    match = _INTERVAL_RE.match(name)
    if not match:
        raise ParameterError(f"'{name}' is not an interval name such as 'm2', 'P-4' or 'M9'.")
    quality, minus, number_text = match.groups()
    number = int(number_text)
    if number < 1:
        raise ParameterError(f"'{name}' is not an interval name: the number must be 1 or more.")
    simple = (number - 1) % 7 + 1
    octaves = (number - 1) // 7
    shifts = _QUALITY_SHIFT_PERFECT if simple in _PERFECT_NUMBERS else _QUALITY_SHIFT_MAJOR
    if quality not in shifts:
        raise ParameterError(f"'{name}' is not an interval: a {simple} cannot be '{quality}'.")
    size = _BASE_SEMITONES[simple] + shifts[quality] + 12 * octaves
    return -size if minus else size


def describe_interval(name: str) -> str:
    """'m2' → 'a minor 2nd up', 'P-4' → 'a perfect 4th down', 'P1' → 'a perfect unison'."""
    match = _INTERVAL_RE.match(name)
    if not match:
        return name
    quality, minus, number_text = match.groups()
    number = int(number_text)
    words = f"a {_QUALITY_WORDS[quality]} {_ordinal(number)}"
    if number == 1 and quality == "P":
        return words
    return f"{words} {'down' if minus else 'up'}"


@lru_cache(maxsize=8192)
def interval_bracket(
    previous_name: str, previous_midi: int, name: str, midi: int
) -> tuple[str, str]:
    """(upper, lower): the step from one spelled pitch to the next plus and minus a minor
    third, as music21 directed interval names. A major 2nd up gives ('P4', 'm-2'):
    M2 + m3 = P4 and M2 − m3 = a minor 2nd down."""
    from music21 import interval

    step = interval.Interval(
        pitchStart=music21_pitch(previous_name, previous_midi), pitchEnd=music21_pitch(name, midi)
    )
    upper = interval.add([step, "m3"]).directedName
    lower = interval.subtract([step, "m3"]).directedName
    return upper, lower


# ---------------------------------------------------------------------------------------
# A note over a chord
#
# music21's scale derivation takes milliseconds, so every answer is cached per chord
# spelling: the (name, MIDI pitch) pairs of its tones, low to high.

TONE_KINDS = ("C", "S", "A", "X")


def _chord_key(chord: ChordEvent) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(zip(chord.names, chord.pitches, strict=True), key=lambda pair: pair[1]))


@dataclass(frozen=True)
class _ChordAnalysis:
    quality: str  # music21's quality of the chord's triad
    pitch_classes: frozenset[int]  # of the chord's tones
    scale_names: frozenset[str]  # the derived scale, as music21 spells it
    approach_names: frozenset[str]  # a semitone from a chord tone, every spelling


@lru_cache(maxsize=4096)
def _analysis(key: tuple[tuple[str, int], ...]) -> _ChordAnalysis:
    from music21 import chord as m21chord

    m21 = m21chord.Chord([music21_pitch(name, midi) for name, midi in key])
    pitch_classes = frozenset(midi % 12 for _, midi in key)
    approach = set()
    for p in m21.pitches:
        # The course compares names with the pitch a minor second up and down and with
        # their enharmonics; the default MIDI spelling of both neighbours is added so that
        # no spelling of a neighbour is ever missed.
        for step in (1, -1):
            neighbour = p.transpose(step)
            approach.update((neighbour.name, neighbour.getEnharmonic().name))
            approach.add(default_pitch_name(p.pitchClass + step))
    quality = m21.quality
    scale = _derived_scale_names(quality == "major", pitch_classes)
    return _ChordAnalysis(quality, pitch_classes, scale, frozenset(approach))


@lru_cache(maxsize=1024)
def _derived_scale_names(is_major: bool, pitch_classes: frozenset[int]) -> frozenset[str]:
    """Names of music21's MajorScale (major chords) or DorianScale (others) derived from a
    chord: the scale music21 ranks best among those holding most of its pitch classes (the
    ranking looks at pitch classes only, so they are the cache key)."""
    from music21 import chord as m21chord
    from music21 import pitch, scale

    kind = scale.MajorScale() if is_major else scale.DorianScale()
    tones = m21chord.Chord([pitch.Pitch(midi=60 + pc) for pc in sorted(pitch_classes)])
    pitches = kind.derive(tones).getPitches()[:7]
    # music21 may derive a scale spelled in a theoretical key (A-flat major as G# major:
    # G# A# B# C# D# E# F##), and then no MIDI-spelled note of it would match. Such a scale
    # is respelled as its enharmonic key when that has fewer theoretical names; the course's
    # 78 values are the same either way.
    enharmonic = [p.getEnharmonic() for p in pitches]
    if _theoretical(enharmonic) < _theoretical(pitches):
        pitches = enharmonic
    return frozenset(p.name for p in pitches)


def _theoretical(pitches) -> int:
    """How many names a key signature would not use: double accidentals, B#, E#, C-, F-."""
    return sum(
        abs(p.accidental.alter if p.accidental else 0) > 1 or p.name in ("B#", "E#", "C-", "F-")
        for p in pitches
    )


def _kind(pitch_class: int, name: str, analysis: _ChordAnalysis) -> str:
    if pitch_class in analysis.pitch_classes:
        return "C"
    if name in analysis.scale_names:
        return "S"
    if name in analysis.approach_names:
        return "A"
    return "X"


def chord_quality(chord: ChordEvent) -> str:
    """music21's quality of a chord: 'major', 'minor', 'diminished', 'augmented' or 'other'
    (the quality of its triad: C7 is 'major', Cm7 is 'minor')."""
    return _analysis(_chord_key(chord)).quality


def scale_tone_names(chord: ChordEvent) -> frozenset[str]:
    """Names of the course's scale for a chord: music21's ``MajorScale().derive(chord)`` for
    a chord of major quality, ``DorianScale().derive(chord)`` for any other. C7 (C E G B-)
    is major and derives F major {F G A B- C D E}; Cm7 (C E- G B-) is minor and derives
    B- dorian {B- C D- E- F G A-}."""
    return _analysis(_chord_key(chord)).scale_names


def approach_tone_names(chord: ChordEvent) -> frozenset[str]:
    """Names a semitone above or below a chord tone, in every spelling: over C7 B, C#, D-,
    D#, E-, F, F#, G-, G#, A-, A, plus music21's enharmonics of them (C- for B …)."""
    return _analysis(_chord_key(chord)).approach_names


def classify_tone(pitch: int | str, chord: ChordEvent) -> str:
    """The grammar type of a pitch over a chord: 'C', 'S', 'A' or 'X' (see the module).

    pitch: a MIDI pitch (named as music21 names MIDI pitches: 63 → 'E-') or a spelled name
    ('D#', 'E-4'). Over C7: E → C, D → S, D# → A, C# → A.
    """
    name = pitch_class_name(pitch)
    return _kind(pitch_class_of_name(name), name, _analysis(_chord_key(chord)))


@dataclass(frozen=True)
class ToneClasses:
    """The pitch classes (0–11) of each grammar type over one chord, for MIDI pitches.

    C, S, A, X are disjoint and cover all twelve; ``kind_of(p)`` is exactly
    ``classify_tone(p, chord)``.
    """

    C: frozenset[int]
    S: frozenset[int]
    A: frozenset[int]
    X: frozenset[int]

    def of(self, kind: str) -> frozenset[int]:
        """The pitch classes of a type: 'C', 'S', 'A' or 'X'."""
        return getattr(self, kind)

    def kind_of(self, midi_pitch: int) -> str:
        """'C', 'S', 'A' or 'X': the type of a MIDI pitch over this chord."""
        pc = int(midi_pitch) % 12
        return next(kind for kind in TONE_KINDS if pc in getattr(self, kind))


@lru_cache(maxsize=4096)
def tone_classes(chord: ChordEvent) -> ToneClasses:
    """The :class:`ToneClasses` of a chord: each pitch class typed by :func:`classify_tone`."""
    analysis = _analysis(_chord_key(chord))
    kinds = {k: set() for k in TONE_KINDS}
    for pc in range(12):
        kinds[_kind(pc, default_pitch_name(pc), analysis)].add(pc)
    return ToneClasses(*(frozenset(kinds[k]) for k in TONE_KINDS))
