"""The jazz grammar of Gillick, Tang & Keller (2009) as deepjazz and the seed use it.

Every melody note becomes a :class:`GrammarToken` written ``TYPE,DURATION[,<UPPER,LOWER>]``:

* TYPE: ``C`` chord tone, ``S`` scale tone, ``A`` approach tone, ``X`` other, ``R`` rest;
* DURATION: quarter lengths with three decimals (``0.250`` is a 16th);
* ``<UPPER,LOWER>``: the interval from the previous note plus and minus a minor third, as
  music21 directed interval names (``m2`` a minor 2nd up, ``P-4`` a perfect 4th down). The
  first sounding note of a measure, and every rest, has no bracket.

``S,0.250,<m2,P-4>`` therefore reads "a scale tone, a 16th long, between a minor 2nd up
and a perfect 4th down from the last note".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ParameterError

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
