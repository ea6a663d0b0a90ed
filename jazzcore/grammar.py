"""The jazz grammar of Gillick, Tang & Keller (2009) as deepjazz and the course use it.

Every melody note becomes a :class:`GrammarToken` written ``TYPE,DURATION[,<UPPER,LOWER>]``:

* TYPE: ``C`` chord tone, ``S`` scale tone, ``A`` approach tone, ``X`` other, ``R`` rest;
* DURATION: quarter lengths with three decimals (``0.250`` is a 16th);
* ``<UPPER,LOWER>``: the interval from the previous note plus and minus a minor third, as
  music21 directed interval names (``m2`` a minor 2nd up, ``P-4`` a perfect 4th down). The
  first sounding note of a measure, and every rest, has no bracket.

``S,0.250,<m2,P-4>`` therefore reads "a scale tone, a 16th long, between a minor 2nd up
and a perfect 4th down from the last note".

:func:`tokenize_solo` turns a :class:`~jazzcore.solo.Solo` into these tokens, measure by
measure; what makes a note a chord, scale or approach tone is :mod:`jazzcore.theory`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ParameterError
from .solo import ChordEvent, Measure, Solo, sounding_chord
from .theory import classify_tone, describe_interval, interval_bracket, interval_semitones

TOKEN_TYPES = {
    "C": "chord tone",
    "S": "scale tone",
    "A": "approach tone",
    "X": "other tone",
    "R": "rest",
}

_TOKEN_RE = re.compile(r"^([CSAXR]),(\d+(?:\.\d+)?)(?:,<([^,<>]+),([^,<>]+)>)?$")
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
            text += f", between {describe_interval(self.upper)} and {describe_interval(self.lower)}"
        return text


# ---------------------------------------------------------------------------------------
# Tokenization: a Measure of melody notes over chords → its grammar tokens


def _token_duration(quarter_length: float) -> float:
    # three decimals, as the course writes "%.3f": the token then equals its own parse
    return float(f"{quarter_length:.3f}")


def tokenize_measure(
    measure: Measure, chords: list[ChordEvent] | None = None
) -> list[GrammarToken]:
    """The grammar tokens of one Measure, in the order of its notes.

    chords: the chords the measure's notes sound over (:meth:`ChordTimeline.sounding`,
    which carries a chord into a measure without one); by default the measure's own. Each
    note is typed against the chord sounding at its offset (:func:`~jazzcore.solo.sounding_chord`)
    by :func:`~jazzcore.theory.classify_tone`; with no chord at all it is 'X' (nothing to
    relate it to). Its duration is its own length in quarter lengths (not the gap to the
    next note); every sounding note but the first of the measure gets the bracket of its
    step from the previous sounding note (rests get none and are not "previous" notes).
    """
    notes = sorted(measure.notes, key=lambda n: n.offset)  # stable: keeps same-offset order
    if chords is None:
        chords = sorted(measure.chords, key=lambda c: c.offset)
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
            upper, lower = interval_bracket(previous.name, previous.pitch, note.name, note.pitch)
            tokens.append(GrammarToken(kind, duration, upper, lower))
        previous = note
    return tokens


def tokenize_solo(solo: Solo) -> list[list[GrammarToken]]:
    """The grammar tokens of every measure of a Solo: one list per measure, in order.

    A measure without chords of its own is read over the last chord of the measure before
    it (or, at the very start, over the first chord of the solo). The course's corpus is
    ``[str(t) for measure in tokenize_solo(solo) for t in measure]``.
    """
    return [
        tokenize_measure(measure, chords)
        for measure, chords in zip(solo.measures, solo.measure_chords(), strict=True)
    ]
