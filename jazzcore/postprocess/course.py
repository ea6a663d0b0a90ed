"""The course's post-processor (deepjazz's), stage by stage: mode 'course' (and 'raw').

1. **read** — put ``C,0.250`` in front (the first note comes from the chord) and read the
   approach (``A``) and other (``X``) tones as chord tones, as the course does;
2. **prune_grammar** — move every duration onto the 16th grid (0.25 quarter lengths),
   rounding up or down at random;
3. **unparse** — give each value a concrete MIDI pitch of its type (chord, scale, approach
   or other tone of the chord sounding at its offset, :mod:`jazzcore.theory`) drawn
   uniformly inside its interval bracket from the previous note (:func:`unparse_grammar`);
4. **prune_notes** — drop repeated pitches and notes too close to the one before;
5. **clean_up** — no zero lengths, no two melody notes at one offset.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..errors import ChordSymbolError
from ..grammar import GrammarToken
from ..solo import ChordEvent, sounding_chord
from ..theory import ToneClasses, tone_classes
from .sounds import GRID, Sound, as_tokens

MIN_SPACING = 0.125
"""prune_notes drops a note starting less than this many quarter lengths after the one before."""

FREE_NOTE_LOWEST = 60
"""A note without a bracket (a measure's first) is raised to octave 4 (MIDI 60) or above."""

BRACKET_LOWEST = 48
"""A note found from a bracket is raised to octave 3 (MIDI 48) or above, as in the course."""

BRACKET_HIGHEST = 95
"""… and lowered to octave 6 (MIDI 84–95) if it climbs above B6 (the course had no ceiling)."""


def read_values(values: Sequence[str | GrammarToken]) -> list[GrammarToken]:
    """The course's reading of sampled values: ``C,0.250`` in front, ``A`` and ``X`` read as ``C``."""
    tokens = [GrammarToken("C", GRID)] + as_tokens(values)
    return [replace(t, kind="C") if t.kind in "AX" else t for t in tokens]


def _on_grid(quarter_length: float, grid: float) -> bool:
    steps = quarter_length / grid
    return abs(steps - round(steps)) < 1e-6


def prune_grammar(
    values: Sequence[str | GrammarToken], rng: np.random.Generator, grid: float = GRID
) -> list[GrammarToken]:
    """Move every duration onto the grid (quarter lengths), rounding up or down at random.

    A duration already on the grid stays (the course's helper also pushed those up by one
    step half of the time); 0.333 becomes 0.25 or 0.5, 0.125 becomes 0.0 or 0.25 (a zero
    length that clean_up_notes later fixes, as in the course). Returns new tokens.
    """
    pruned = []
    for token in as_tokens(values):
        if _on_grid(token.duration, grid):
            pruned.append(token)
            continue
        down = math.floor(token.duration / grid + 1e-9) * grid
        duration = down + grid if rng.integers(2) else down
        pruned.append(replace(token, duration=float(f"{duration:.3f}")))
    return pruned


def _free_pitch(
    kind: str, chord: ChordEvent, classes: ToneClasses, rng: np.random.Generator
) -> int:
    """A pitch with no previous note to step from: of the type ``kind`` over ``chord``.

    'C': one of the chord's own pitches; 'S', 'A', 'X': a pitch class of that type in the
    octave of a chord tone chosen at random (the course did so for 'S'; for 'A'/'X' it moved
    a scale tone a semitone, which need not be of the type). Raised to octave 4 or above.
    """
    if kind == "C":
        pitch = int(rng.choice(chord.pitches))
    else:
        pcs = sorted(classes.of(kind)) or sorted(classes.C)
        octave_start = 12 * (int(rng.choice(chord.pitches)) // 12)
        pitch = octave_start + int(rng.choice(pcs))
    while pitch < FREE_NOTE_LOWEST:
        pitch += 12
    return pitch


def _bracket_pitch(
    token: GrammarToken, previous: int, classes: ToneClasses, rng: np.random.Generator
) -> int:
    """A pitch of the token's type inside its bracket from ``previous`` (MIDI), as deepjazz does:
    several candidates → one at random that is not the previous pitch; one → it; none →
    the previous pitch a whole tone up or down. Kept within octaves 3 to 6."""
    low, high = token.semitone_range
    pcs = classes.of(token.kind)
    candidates = [p for p in range(previous + low, previous + high + 1) if p % 12 in pcs]
    if len(candidates) > 1:
        choices = [p for p in candidates if p != previous]
        pitch = int(choices[rng.integers(len(choices))])
    elif candidates:
        pitch = candidates[0]
    else:
        pitch = previous + (2 if rng.integers(2) else -2)
    if pitch < BRACKET_LOWEST:
        pitch = BRACKET_LOWEST + pitch % 12
    elif pitch > BRACKET_HIGHEST:
        pitch = BRACKET_HIGHEST - 11 + (pitch - BRACKET_HIGHEST + 11) % 12
    return pitch


def unparse_grammar(
    values: Sequence[str | GrammarToken], chords: Sequence[ChordEvent], rng: np.random.Generator
) -> list[Sound]:
    """Grammar values over a measure's chords → concrete notes and rests (deepjazz's unparse).

    values: tokens such as ``'S,0.250,<m2,P-4>'`` in order. chords: the set's chords,
    offsets in quarter lengths from its start. Each note starts where the one before ends
    (the course started each note one duration late, so a long note overlapped the next) and
    takes the chord sounding at its offset. A value with a bracket gets a pitch of its type
    drawn uniformly inside ``previous + semitone_range``; one without (a measure's first
    note, or a note after nothing but rests) gets a pitch of its type from the chord
    (:func:`_free_pitch`). Rests ('R') keep their place and are not a "previous" note.
    """
    if not chords:
        raise ChordSymbolError(
            "A set of chords is empty: there is no chord to write the notes over."
        )
    chords = sorted(chords, key=lambda c: c.offset)
    sounds: list[Sound] = []
    offset = 0.0
    previous: int | None = None
    for token in as_tokens(values):
        start, offset = offset, offset + token.duration
        if token.kind == "R":
            sounds.append(Sound(start, token.duration, None, "R", None))
            continue
        chord = sounding_chord(chords, start)
        classes = tone_classes(chord)
        if token.has_bracket and previous is not None:
            pitch = _bracket_pitch(token, previous, classes, rng)
        else:
            pitch = _free_pitch(token.kind, chord, classes, rng)
        sounds.append(Sound(start, token.duration, pitch, token.kind, chord))
        previous = pitch
    return sounds


def prune_notes(sounds: Sequence[Sound], min_spacing: float = MIN_SPACING) -> list[Sound]:
    """Drop repeated and crowded notes (the course's prune_notes, done for every pair).

    A note is dropped if the element right before it (after earlier drops) is a note of the
    same MIDI pitch, or if it starts less than ``min_spacing`` quarter lengths after the
    previous note's start. Rests are kept. Order is by offset.
    """
    kept: list[Sound] = []
    last_note: Sound | None = None
    for sound in sorted(sounds, key=lambda s: s.offset):
        if not sound.is_rest:
            if kept and not kept[-1].is_rest and kept[-1].pitch == sound.pitch:
                continue
            if last_note is not None and sound.offset - last_note.offset < min_spacing:
                continue
            last_note = sound
        kept.append(sound)
    return kept


def clean_up_notes(sounds: Sequence[Sound], grid: float = GRID) -> list[Sound]:
    """The course's quality assurance: a zero (or negative) length becomes one grid step
    (0.25 quarter lengths), and of two melody notes at one offset only the first stays."""
    cleaned: list[Sound] = []
    last_note_offset: float | None = None
    for sound in sorted(sounds, key=lambda s: s.offset):
        if sound.duration <= 0:
            sound = replace(sound, duration=grid)
        if not sound.is_rest:
            if last_note_offset is not None and abs(sound.offset - last_note_offset) < 1e-9:
                continue
            last_note_offset = sound.offset
        cleaned.append(sound)
    return cleaned
