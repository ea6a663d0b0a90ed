"""The notes between the post-processor's stages, and what every mode shares.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import ParameterError
from ..grammar import GrammarToken
from ..solo import MEASURE_LENGTH, ChordEvent

GRID = 0.25
"""A 16th note, in quarter lengths: the course's duration grid, and the length the course
gives a note of no length."""

TRIPLET_GRID = 1 / 6
"""A 16th-note triplet, in quarter lengths: with GRID, the grid the faithful mode keeps."""

DEFAULT_REGISTER = (55, 84)
"""(lowest, highest) MIDI pitch of a line when no training solo gives one: G3 to C6, the
register of a jazz guitar or tenor saxophone solo."""


@dataclass(frozen=True)
class Sound:
    """One generated melody note or rest.

    offset: quarter lengths from the start of its chord set (or of the piece, once placed).
    duration: quarter lengths.
    pitch: MIDI pitch, or None for a rest.
    kind: the grammar type it was made from ('C', 'S', 'A', 'X' or 'R').
    chord: the chord it was made over (None for a rest).
    """

    offset: float
    duration: float
    pitch: int | None = None
    kind: str = "C"
    chord: ChordEvent | None = None

    @property
    def is_rest(self) -> bool:
        return self.pitch is None

    @property
    def end(self) -> float:
        return self.offset + self.duration


@dataclass(frozen=True)
class StageReport:
    """What one post-processing stage did to one chord set.

    notes_in, notes_out: values (stages before unparse) or sounding notes (after) before
    and after the stage.
    durations_moved: how many durations the stage changed.
    kinds_changed: how many tone types the stage changed (the course's A, X read as C).
    """

    name: str
    notes_in: int
    notes_out: int
    durations_moved: int = 0
    kinds_changed: int = 0

    def describe(self) -> str:
        text = f"{self.name}: {self.notes_in} in, {self.notes_out} out"
        if self.durations_moved:
            text += f", {self.durations_moved} durations moved"
        if self.kinds_changed:
            text += f", {self.kinds_changed} types changed"
        return text


def as_tokens(values: Sequence[str | GrammarToken]) -> list[GrammarToken]:
    """Values ('S,0.250,<m2,P-4>' or GrammarToken, or one string of them) as GrammarTokens."""
    if isinstance(values, str):
        values = values.split()
    return [v if isinstance(v, GrammarToken) else GrammarToken.parse(v) for v in values]


def count_notes(sounds: Sequence[Sound]) -> int:
    """Sounding notes (rests not counted)."""
    return sum(1 for s in sounds if not s.is_rest)


def fit_to_measure(sounds: Sequence[Sound], length: float = MEASURE_LENGTH) -> list[Sound]:
    """Keep what starts before ``length`` quarter lengths (the set's span: one measure, or
    less or more when the set is the last and its chords end elsewhere), cut at that end."""
    fitted = []
    for s in sounds:
        if s.offset >= length - 1e-9:
            continue
        fitted.append(replace(s, duration=min(s.duration, length - s.offset)))
    return fitted


def check_register(register) -> tuple[int, int]:
    """(lowest, highest) MIDI pitches 0–127 at least an octave apart (so that every pitch
    class fits inside); a one-line ParameterError otherwise."""
    try:
        low, high = (int(p) for p in register)
        valid = all(float(p) == int(p) for p in register)
    except (TypeError, ValueError):
        valid = False
    if not valid or not 0 <= low <= high - 12 <= 115:
        raise ParameterError(
            f"register = {register!r}: give (lowest, highest) MIDI pitches 0-127, an octave or "
            "more apart."
        )
    return low, high
