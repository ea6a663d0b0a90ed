"""The jazz grammar of Gillick, Tang & Keller (2009) as deepjazz and the seed use it.

Every melody note becomes a :class:`GrammarToken` written ``TYPE,DURATION[,<UPPER,LOWER>]``:

* TYPE: ``C`` chord tone, ``S`` scale tone, ``A`` approach tone, ``X`` other, ``R`` rest;
* DURATION: quarter lengths with three decimals (``0.250`` is a 16th);
* ``<UPPER,LOWER>``: the interval from the previous note plus and minus a minor third, as
  music21 directed interval names (``m2`` a minor 2nd up, ``P-4`` a perfect 4th down). The
  first sounding note of a measure, and every rest, has no bracket.

``S,0.250,<m2,P-4>`` therefore reads "a scale tone, a 16th long, between a minor 2nd up
and a perfect 4th down from the last note".

:func:`tokenize_solo` turns a :class:`~jazzcore.solo.Solo` into these tokens, measure by
measure; :func:`classify_tone` and the ``*_tone_names`` helpers answer the chord, scale
and approach questions for the post-processor too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import ParameterError
from .solo import default_pitch_name, sounding_chord

TOKEN_TYPES = {
    "C": "chord tone",
    "S": "scale tone",
    "A": "approach tone",
    "X": "other tone",
    "R": "rest",
}

_TOKEN_RE = re.compile(r"^([CSAXR]),(\d+(?:\.\d+)?)(?:,<([^,<>]+),([^,<>]+)>)?$")
_INTERVAL_RE = re.compile(r"^(dd|d|m|P|M|A|AA)(-?)(\d+)$")

# Semitones of the major or perfect interval of each simple number (1 = unison ... 7 = seventh).
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
_DURATION_WORDS = {
    0.125: "a 32nd",
    0.167: "a 16th triplet",
    0.25: "a 16th",
    0.333: "an 8th triplet",
    0.375: "a dotted 16th",
    0.5: "an 8th",
    0.667: "a quarter triplet",
    0.75: "a dotted 8th",
    1.0: "a quarter",
    1.333: "a half triplet",
    1.5: "a dotted quarter",
    2.0: "a half",
    3.0: "a dotted half",
    4.0: "a whole note",
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


def describe_duration(quarter_length: float) -> str:
    """'a 16th', 'an 8th triplet', ... or 'N quarter lengths' for other values."""
    key = round(quarter_length, 3)
    if key in _DURATION_WORDS:
        return _DURATION_WORDS[key]
    return f"{quarter_length:.3f} quarter lengths"


@dataclass(frozen=True)
class GrammarToken:
    """One value of the grammar: a tone type, a duration and an optional interval bracket.

    kind: 'C', 'S', 'A', 'X' or 'R' (see ``TOKEN_TYPES``).
    duration: quarter lengths, as written with three decimals.
    upper, lower: music21 directed interval names bounding the step from the previous
        note (None when the token has no bracket).
    """

    kind: str
    duration: float
    upper: str | None = None
    lower: str | None = None

    @classmethod
    def parse(cls, text: str) -> GrammarToken:
        """Read a token such as ``'S,0.250,<m2,P-4>'``; a ParameterError says what is wrong."""
        match = _TOKEN_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ParameterError(
                f"'{text}' is not a grammar value: expected TYPE,DURATION[,<UPPER,LOWER>] "
                "such as 'S,0.250,<m2,P-4>'."
            )
        kind, duration, upper, lower = match.groups()
        return cls(kind, float(duration), upper, lower)

    def __str__(self) -> str:
        text = f"{self.kind},{self.duration:.3f}"
        if self.upper is not None:
            text += f",<{self.upper},{self.lower}>"
        return text

    @property
    def has_bracket(self) -> bool:
        return self.upper is not None

    @property
    def semitone_range(self) -> tuple[int, int] | None:
        """(lowest, highest) signed semitone step from the previous note, or None."""
        if self.upper is None:
            return None
        a, b = interval_semitones(self.upper), interval_semitones(self.lower)
        return (min(a, b), max(a, b))

    def describe(self) -> str:
        """A human reading: 'scale tone, a 16th, between a minor 2nd up and a perfect 4th down'."""
        text = f"{TOKEN_TYPES[self.kind]}, {describe_duration(self.duration)}"
        if self.upper is not None:
            text += (
                f", between {describe_interval(self.upper)} and {describe_interval(self.lower)}"
            )
        return text


# ---------------------------------------------------------------------------------------
# Tokenization: a Measure of melody notes over chords → its grammar tokens
#
# The seed (deepjazz's grammar.parse_melody) asks music21 three questions about a chord:
# its pitch names, the scale "derived" from it, and its tones a semitone away. music21's
# scale derivation takes milliseconds, so every answer is cached per chord spelling.

def _pitch_class_name(pitch_name_or_midi: int | str) -> str:
    """'E-' from 63, 'E-', 'E-4' or 'e-' (music21 spelling: '#' sharp, '-' flat)."""
    if isinstance(pitch_name_or_midi, bool):
        raise ParameterError(f"{pitch_name_or_midi!r} is not a pitch: give a MIDI number or a name.")
    if isinstance(pitch_name_or_midi, int):
        return default_pitch_name(pitch_name_or_midi)
    # strip an octave number, but not the '-' of a flat ('E-' stays, 'E-4' → 'E-')
    name = re.sub(r"\d+$", "", str(pitch_name_or_midi).strip())
    if not re.fullmatch(r"[A-Ga-g](#{1,2}|-{1,2})?", name):
        raise ParameterError(f"'{pitch_name_or_midi}' is not a pitch name such as 'C', 'F#' or 'E-'.")
    return name[0].upper() + name[1:]


def _music21_pitch(name: str, midi: int):
    """A music21 Pitch spelled ``name`` ('E-', 'D#') that sounds MIDI pitch ``midi``."""
    from music21 import pitch

    p = pitch.Pitch(name)
    p.octave = 4
    if (p.midi - midi) % 12:  # the name does not fit the MIDI pitch: trust the number
        return pitch.Pitch(midi=midi)
    p.octave = 4 + round((midi - p.midi) / 12)
    return p


def _chord_key(chord) -> tuple[tuple[str, int], ...]:
    """A hashable spelling of a ChordEvent: its (name, MIDI pitch) pairs, low to high."""
    return tuple(sorted(zip(chord.names, chord.pitches, strict=True), key=lambda pair: pair[1]))


@lru_cache(maxsize=4096)
def _chord_analysis(key: tuple[tuple[str, int], ...]) -> tuple[str, frozenset[str], frozenset[str]]:
    """(music21 quality, scale tone names, approach tone names) of a spelled chord."""
    from music21 import chord as m21chord

    m21 = m21chord.Chord([_music21_pitch(name, midi) for name, midi in key])
    quality = m21.quality
    scale_names = _derived_scale_names(quality == "major", frozenset(midi % 12 for _, midi in key))
    approach = set()
    for p in m21.pitches:
        # The seed compares names with the pitch a minor second up and down and with
        # their enharmonics; the default MIDI spelling of the two neighbouring pitch
        # classes is added so that no spelling of a neighbour is ever missed.
        for step in (1, -1):
            neighbour = p.transpose(step)
            approach.update((neighbour.name, neighbour.getEnharmonic().name))
            approach.add(default_pitch_name(p.pitchClass + step))
    return quality, scale_names, frozenset(approach)


@lru_cache(maxsize=1024)
def _derived_scale_names(is_major: bool, pitch_classes: frozenset[int]) -> frozenset[str]:
    """Pitch names of music21's MajorScale (major chords) or DorianScale (others) derived
    from a chord: the scale music21 ranks best among those holding most of its pitch
    classes (the ranking looks at pitch classes only, so they are the cache key)."""
    from music21 import chord as m21chord
    from music21 import pitch, scale

    kind = scale.MajorScale() if is_major else scale.DorianScale()
    derived = kind.derive(m21chord.Chord([pitch.Pitch(midi=60 + pc) for pc in sorted(pitch_classes)]))
    return frozenset(p.name for p in derived.getPitches())


def chord_quality(chord) -> str:
    """music21's quality of a ChordEvent: 'major', 'minor', 'diminished', 'augmented' or
    'other' (the quality of its triad: C7 is 'major', Cm7 is 'minor')."""
    return _chord_analysis(_chord_key(chord))[0]


def chord_tone_names(chord) -> frozenset[str]:
    """Pitch-class names of a ChordEvent's tones as spelled: C7 → {'C', 'E', 'G', 'B-'}."""
    return frozenset(chord.names)


def scale_tone_names(chord) -> frozenset[str]:
    """Pitch-class names of the seed's scale for a ChordEvent.

    A chord of 'major' quality gets music21's ``MajorScale().derive(chord)``, any other a
    ``DorianScale().derive(chord)``: the first scale, in music21's ranking, that holds the
    chord's pitch classes. C7 (C E G B-) is 'major' and derives F major
    {F G A B- C D E}; Cm7 (C E- G B-) is 'minor' and derives B- dorian {B- C D- E- F G A-}.
    """
    return _chord_analysis(_chord_key(chord))[1]


def approach_tone_names(chord) -> frozenset[str]:
    """Pitch-class names a semitone above or below a tone of the chord, in every spelling
    the seed accepts: C7 → B, C#, D-, D#, E-, F, F#, G-, G#, A-, A, plus music21's
    enharmonics of them (C- for B, G-- for F …)."""
    return _chord_analysis(_chord_key(chord))[2]


def classify_tone(pitch_name_or_midi: int | str, chord) -> str:
    """The grammar type of a pitch over a ChordEvent: 'C', 'S', 'A' or 'X'.

    pitch_name_or_midi: a MIDI pitch (spelled as music21 spells MIDI: 63 → 'E-') or a
    spelled name ('D#', 'E-4'). As in the seed the tests go in order and compare spelled
    names: C if the name is a chord tone, else S if it is in the derived scale, else A if
    it is a semitone from a chord tone, else X. Over C7: E → C, D → S, D# → A, C# → A.
    """
    name = _pitch_class_name(pitch_name_or_midi)
    _, scale_names, approach = _chord_analysis(_chord_key(chord))
    if name in chord.names:
        return "C"
    if name in scale_names:
        return "S"
    if name in approach:
        return "A"
    return "X"


@lru_cache(maxsize=8192)
def _bracket(prev_name: str, prev_midi: int, name: str, midi: int) -> tuple[str, str]:
    from music21 import interval

    step = interval.Interval(
        pitchStart=_music21_pitch(prev_name, prev_midi), pitchEnd=_music21_pitch(name, midi)
    )
    return interval.add([step, "m3"]).directedName, interval.subtract([step, "m3"]).directedName


def interval_bracket(previous, note) -> tuple[str, str]:
    """(upper, lower): the step from ``previous`` to ``note`` (MelodyNotes) plus and minus a
    minor third, as music21 directed interval names. A major 2nd up gives ('P4', 'm-2'):
    M2 + m3 = P4 and M2 − m3 = a minor 2nd down."""
    return _bracket(previous.name, previous.pitch, note.name, note.pitch)


def _token_duration(quarter_length: float) -> float:
    # three decimals, as the seed writes "%.3f": the token then equals its own parse
    return float(f"{quarter_length:.3f}")


def tokenize_measure(measure, *, carried_chord=None) -> list[GrammarToken]:
    """The grammar tokens of one Measure, in the order of its notes.

    Each note is typed against the chord sounding at its offset (see :func:`~jazzcore.solo.sounding_chord`);
    its duration is its own length in quarter lengths (not the gap to the next note); every
    sounding note but the first of the measure gets the bracket of its step from the
    previous sounding note (rests get none and are not "previous" notes).

    carried_chord: the chord to use when the measure has no chord of its own (the last
    chord of the measure before); with neither, sounding notes are 'X' (nothing to relate
    them to).
    """
    notes = sorted(measure.notes, key=lambda n: n.offset)  # stable: keeps same-offset order
    chords = sorted(measure.chords, key=lambda c: c.offset)
    if not chords and carried_chord is not None:
        chords = [carried_chord]
    tokens = []
    previous = None
    for note in notes:
        duration = _token_duration(note.duration)
        if note.is_rest:
            tokens.append(GrammarToken("R", duration))
            continue
        kind = classify_tone(note.name, sounding_chord(chords, note.offset)) if chords else "X"
        if previous is None:
            tokens.append(GrammarToken(kind, duration))
        else:
            upper, lower = interval_bracket(previous, note)
            tokens.append(GrammarToken(kind, duration, upper, lower))
        previous = note
    return tokens


def tokenize_solo(solo) -> list[list[GrammarToken]]:
    """The grammar tokens of every measure of a Solo: one list per measure, in order.

    A measure without chords of its own is read over the last chord of the measure before
    it (or, at the very start, over the first chord of the solo). The seed's corpus is
    ``[str(t) for measure in tokenize_solo(solo) for t in measure]``.
    """
    return [
        tokenize_measure(measure, carried_chord=chords[0] if chords else None)
        for measure, chords in zip(solo.measures, solo.measure_chords(), strict=True)
    ]
