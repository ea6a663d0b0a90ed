"""The faithful post-processor (mode 'faithful', the default): values → notes, keeping
what the grammar recorded of each note.

A value such as ``S,0.250,<m2,P-4>`` records three things of a note of the solo: its type
over the chord (a scale tone), its length (a 16th) and its step from the previous note. The
bracket is that step plus and minus a minor third (:func:`jazzcore.theory.interval_bracket`),
so its centre *is* the step: (m2 + P-4) / 2 = (+1 − 5) / 2 = −2, a whole tone down. The
course drew a pitch uniformly inside the bracket, read approach and other tones as chord
tones and moved durations onto the 16th grid; here the information is kept:

1. **durations** (:func:`snap_durations`) — a duration on the 16th or the 16th-triplet grid
   stays (0.333 is 1/3 written with three decimals); any other goes to the nearest point of
   those grids; a value of no length becomes a 16th, as in the course;
2. **unparse** (:func:`unparse_faithfully`) — a value with a bracket takes the pitch of its
   type nearest the previous note plus the centre, and never the previous pitch again
   unless the step is a unison; of two at the same distance, the one nearer the phrase's
   line (its first note plus the steps since: a bent note does not shift the rest of the
   phrase), and if that ties too, one drawn by the rng. A value without one opens a
   phrase: it takes, among the pitches of its type in the register, one where the phrase's
   contour (the centres of the values up to the next value without a bracket) stays
   inside the register; of those, one within a fifth of the previous note (the last note
   of the set before, so the line goes on) other than that note; of those, one where most
   of the phrase's notes land on a tone of their own type (so the steps and the types
   agree, as they did in the solo); of those, the nearest the previous note — or, at the
   very start, anywhere, the nearest the middle of the register. A step that would leave
   the register (the training solo's range) is taken the other way: at the edge of the
   range the line turns, as a player's does; nothing drifts to a ceiling or leaps octaves.

The type is the one sampled; over a chord that has no pitch class of that type (C7 has no
'other' tone: each of the twelve is a chord, scale or approach tone) the closest type that
exists stands in (X → A, A → X, then S, then C).

Units: offsets and durations in quarter lengths, pitches as MIDI numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..errors import ChordSymbolError
from ..grammar import GrammarToken
from ..solo import ChordEvent, sounding_chord
from ..theory import ToneClasses, tone_classes
from .sounds import DEFAULT_REGISTER, GRID, TRIPLET_GRID, Sound, as_tokens, check_register

STAND_INS = {"C": "C", "S": "SC", "A": "AXSC", "X": "XASC"}
"""For each type, the types that stand in when a chord has no pitch class of it, in order."""

NEAR_OPENING = 7
"""Semitones (a fifth) from the previous note within which a phrase's opening is chosen for
how well its phrase fits; beyond, the nearer the better. The solo's phrases open within a
fifth of where the last one ended (13 of its 17 within a major third); an opening that
leapt an octave to fit one more note (the previous pitch class, which a new phrase may not
repeat) was the commonest big leap of the generated lines."""
_WRITTEN = 0.002  # durations are written with three decimals: 0.333 is 1/3


def snap_duration(quarter_length: float) -> float:
    """A duration on the 16th or 16th-triplet grid (quarter lengths): itself, exact (0.333 →
    1/3, 0.667 → 2/3); another → the nearest positive point of those grids, the 16th grid's
    at equal distances (a 32nd, 0.125 → 1/6; 0.4 → 1/3); none or negative → a 16th (0.25)."""
    if quarter_length <= 0:
        return GRID
    candidates = []
    for step in (GRID, TRIPLET_GRID):
        n = max(1, round(quarter_length / step))
        candidates.append((abs(n * step - quarter_length), step != GRID, n * step))
    return min(candidates)[2]


def snap_durations(tokens: Sequence[GrammarToken]) -> tuple[list[GrammarToken], int]:
    """(the tokens with snapped durations, how many moved by more than their writing)."""
    snapped, moved = [], 0
    for token in tokens:
        duration = snap_duration(token.duration)
        moved += abs(duration - token.duration) > _WRITTEN
        snapped.append(replace(token, duration=duration))
    return snapped, moved


def pitch_classes_for(kind: str, classes: ToneClasses) -> frozenset[int]:
    """The pitch classes of ``kind`` over a chord, or of the first stand-in type it has."""
    return next(pcs for k in STAND_INS[kind] if (pcs := classes.of(k)))


def nearest_pitch(
    pitch_classes: frozenset[int],
    target: float,
    rng: np.random.Generator,
    *,
    avoid: int | None = None,
    prefer: float | None = None,
    within: tuple[int, int] | None = None,
) -> int:
    """The MIDI pitch of one of ``pitch_classes`` nearest ``target``, other than ``avoid``
    (unless it is the only one), inside ``within`` (lowest, highest) if given. Of two at the
    same distance the one nearer ``prefer``; if that ties too, the rng draws one."""
    centre = int(round(target))
    low, high = within if within is not None else (centre - 12, centre + 12)
    of_type = [p for p in range(low, high + 1) if p % 12 in pitch_classes]
    candidates = [p for p in of_type if p != avoid] or of_type

    def cost(p: int) -> tuple[float, float]:
        return abs(p - target), 0.0 if prefer is None else abs(p - prefer)

    best = min(cost(p) for p in candidates)
    ties = [p for p in candidates if cost(p) == best]  # semitones and halves: exact in floats
    return int(ties[rng.integers(len(ties))]) if len(ties) > 1 else ties[0]


def fold_into(pitch: int, register: tuple[int, int]) -> int:
    """``pitch`` moved by whole octaves into register (lowest, highest), an octave or more wide."""
    low, high = register
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


@dataclass(frozen=True)
class ContourNote:
    """A later note of a phrase as its values foresee it: ``height`` semitones from the
    phrase's first note (the running sum of the bracket centres), the pitch classes its type
    has over the chord sounding where it starts."""

    height: float
    pitch_classes: frozenset[int]


def phrase_contour(
    tokens: Sequence[GrammarToken], start: int, chords: Sequence[ChordEvent]
) -> list[ContourNote]:
    """The later notes of the phrase that ``tokens[start]`` opens, up to the next note
    without a bracket (rests skipped). chords: the set's chords, sorted by offset."""
    contour, height = [], 0.0
    onset = sum(t.duration for t in tokens[: start + 1])
    for token in tokens[start + 1 :]:
        token_onset, onset = onset, onset + token.duration
        if token.kind == "R":
            continue
        if not token.has_bracket:
            break
        low, high = token.semitone_range
        height += (low + high) / 2
        classes = tone_classes(sounding_chord(chords, token_onset))
        contour.append(ContourNote(height, pitch_classes_for(token.kind, classes)))
    return contour


def opening_pitch(
    pitch_classes: frozenset[int],
    contour: Sequence[ContourNote],
    anchor: float,
    register: tuple[int, int],
    rng: np.random.Generator,
    *,
    avoid: int | None = None,
    near: float = float("inf"),
) -> int:
    """The first pitch of a phrase, of ``pitch_classes`` inside the register (other than
    ``avoid``, unless it is the only one): where the fewest notes of the contour leave the
    register; of those, the ones within ``near`` semitones of ``anchor`` (if none, the
    nearest); of those, where the most land on a pitch class of their type (the phrase's
    steps and types agree, as they did in the solo); of those, the nearest ``anchor``.
    Ties are drawn by the rng."""
    low, high = register

    def cost(p: int) -> tuple[int, float, int, float]:
        landed = [round(p + c.height) for c in contour]
        outside = sum(1 for q in landed if not low <= q <= high)
        fits = sum(1 for q, c in zip(landed, contour, strict=True) if q % 12 in c.pitch_classes)
        leap = abs(p - anchor)
        return outside, max(0.0, leap - near), -fits, leap

    of_type = [p for p in range(low, high + 1) if p % 12 in pitch_classes]
    candidates = [p for p in of_type if p != avoid] or of_type  # one left: it, even repeated
    costs = {p: cost(p) for p in candidates}
    best = min(costs.values())
    ties = [p for p in candidates if costs[p] == best]
    return int(ties[rng.integers(len(ties))]) if len(ties) > 1 else ties[0]


def unparse_faithfully(
    values: Sequence[str | GrammarToken],
    chords: Sequence[ChordEvent],
    rng: np.random.Generator,
    *,
    previous: int | None = None,
    register: tuple[int, int] = DEFAULT_REGISTER,
) -> list[Sound]:
    """Grammar values over a set's chords → notes and rests, by the rules of the module.

    values: tokens in order (durations as they are: :func:`snap_durations` comes first).
    chords: the set's chords, offsets in quarter lengths from its start; each note takes the
    chord sounding where it starts, and notes follow one another (a note starts where the one
    before ends; a rest keeps its place and is not a "previous" note). previous: the MIDI
    pitch of the line's last note before this set (None at the start of a piece).
    register: (lowest, highest) MIDI pitches of the line, an octave or more apart.
    """
    if not chords:
        raise ChordSymbolError(
            "A set of chords is empty: there is no chord to write the notes over."
        )
    register = check_register(register)
    chords = sorted(chords, key=lambda c: c.offset)
    tokens = as_tokens(values)
    sounds: list[Sound] = []
    offset = 0.0
    line = previous  # where the phrase's shape puts the note: its opening + the steps since
    for i, token in enumerate(tokens):
        start, offset = offset, offset + token.duration
        if token.kind == "R":
            sounds.append(Sound(start, token.duration, None, "R", None))
            continue
        chord = sounding_chord(chords, start)
        pitch_classes = pitch_classes_for(token.kind, tone_classes(chord))
        if token.has_bracket and previous is not None:
            low, high = token.semitone_range
            step = (low + high) / 2
            avoid = None if step == 0 else previous  # a step is not a repeated note
            line = (previous if line is None else line) + step
            pitch = nearest_pitch(pitch_classes, previous + step, rng, avoid=avoid, prefer=line)
            if fold_into(pitch, register) != pitch:
                # at the edge of the register the line turns: the same step the other way
                # (a player at the top of the horn goes down; an octave leap would not)
                target = previous - step
                if fold_into(int(round(target)), register) != int(round(target)):
                    target = fold_into(int(round(previous + step)), register)
                line = target
                pitch = nearest_pitch(
                    pitch_classes, target, rng, avoid=avoid, prefer=line, within=register
                )
        else:
            contour = phrase_contour(tokens, i, chords)
            if previous is None:  # the piece's first note: anywhere the phrase fits
                anchor, near = sum(register) / 2, float("inf")
            else:  # the line goes on: near where it was
                anchor, near = previous, NEAR_OPENING
            pitch = opening_pitch(
                pitch_classes, contour, anchor, register, rng, avoid=previous, near=near
            )
            line = pitch
        sounds.append(Sound(start, token.duration, pitch, token.kind, chord))
        previous = pitch
    return sounds
