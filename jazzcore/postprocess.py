"""Sampled grammar values → notes over one chord set: the course's post-processor, in stages.

For one set of chords (one measure of the chord timeline) five stages turn the sampled
values into notes (the course's and deepjazz's post-processor, written anew):

1. **read** — put ``C,0.250`` in front (the first note comes from the chord) and read the
   approach (``A``) and other (``X``) tones as chord tones, as the course does;
2. **prune_grammar** — move every duration onto the 16th grid (0.25 quarter lengths),
   rounding up or down at random;
3. **unparse** — give each value a concrete MIDI pitch of its type (chord, scale, approach
   or other tone of the chord sounding at its offset, :mod:`jazzcore.theory`) inside its
   interval bracket from the previous note (:func:`unparse_grammar`);
4. **prune_notes** — drop repeated pitches and notes too close to the one before;
5. **clean_up** — no zero lengths, no two melody notes at one offset.

``mode="raw"`` keeps only stage 3 (with the leading ``C,0.250``), so a student can hear
what the post-processor adds. Every stage is counted in a :class:`StageReport`.
:mod:`jazzcore.generate` runs these stages over every chord set of a piece.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .errors import ChordSymbolError
from .grammar import GrammarToken
from .solo import MEASURE_LENGTH, ChordEvent, sounding_chord
from .theory import ToneClasses, tone_classes

GRID = 0.25
"""The duration grid of prune_grammar, in quarter lengths (a 16th note)."""

MIN_SPACING = 0.125
"""prune_notes drops a note starting less than this many quarter lengths after the one before."""

FREE_NOTE_LOWEST = 60
"""A note without a bracket (a measure's first) is raised to octave 4 (MIDI 60) or above."""

BRACKET_LOWEST = 48
"""A note found from a bracket is raised to octave 3 (MIDI 48) or above, as in the course."""

BRACKET_HIGHEST = 95
"""… and lowered to octave 6 (MIDI 84–95) if it climbs above B6 (the course had no ceiling)."""

FULL, RAW = "full", "raw"
"""Post-processing modes: the course's five stages, or unparse alone."""
COURSE_LAYOUT, MEASURE_LAYOUT = "course", "measure"
"""Layouts of a set's notes: all of them, running past the set's measure as in the course,
or only what starts inside the measure."""


# ---------------------------------------------------------------------------------------
# The notes between the stages


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

    notes_in, notes_out: values (stages 1–2) or sounding notes (stages 3–5) before and after.
    durations_moved: how many durations the stage changed.
    kinds_changed: how many tone types the stage changed (A/X read as C).
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


# ---------------------------------------------------------------------------------------
# The stages


def _tokens(values: Sequence[str | GrammarToken]) -> list[GrammarToken]:
    if isinstance(values, str):
        values = values.split()
    return [v if isinstance(v, GrammarToken) else GrammarToken.parse(v) for v in values]


def read_values(values: Sequence[str | GrammarToken]) -> list[GrammarToken]:
    """The course's reading of sampled values: ``C,0.250`` in front, ``A`` and ``X`` read as ``C``."""
    tokens = [GrammarToken("C", GRID)] + _tokens(values)
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
    for token in _tokens(values):
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
    inside ``previous + semitone_range``; one without (a measure's first note, or a note
    after nothing but rests) gets a pitch of its type from the chord (:func:`_free_pitch`).
    Rests ('R') keep their place and are not a "previous" note.
    """
    if not chords:
        raise ChordSymbolError(
            "A set of chords is empty: there is no chord to write the notes over."
        )
    chords = sorted(chords, key=lambda c: c.offset)
    sounds: list[Sound] = []
    offset = 0.0
    previous: int | None = None
    for token in _tokens(values):
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


def fit_to_measure(sounds: Sequence[Sound], length: float = MEASURE_LENGTH) -> list[Sound]:
    """Keep what starts inside the set's measure, cut at its end (deepjazz's one-measure sets)."""
    fitted = []
    for s in sounds:
        if s.offset >= length - 1e-9:
            continue
        fitted.append(replace(s, duration=min(s.duration, length - s.offset)))
    return fitted


def _count_notes(sounds: Sequence[Sound]) -> int:
    return sum(1 for s in sounds if not s.is_rest)


def _moved(before: Sequence, after: Sequence) -> int:
    old = {(s.offset, s.pitch): s.duration for s in before}
    return sum(
        1 for s in after if abs(old.get((s.offset, s.pitch), s.duration) - s.duration) > 1e-9
    )


def postprocess_values(
    values: Sequence[str],
    chords: Sequence[ChordEvent],
    rng: np.random.Generator,
    *,
    mode: str = FULL,
    layout: str = COURSE_LAYOUT,
) -> tuple[list[Sound], list[StageReport]]:
    """One chord set's sampled values → its sounds, and what each stage did.

    mode: 'full' (the course's five stages) or 'raw' (``C,0.250`` in front, then unparse only).
    layout: 'course' keeps every note (Ty values run past the 4-quarter measure, as in the
    course); 'measure' keeps only what starts inside the measure.
    """
    stages = []
    if mode == FULL:
        sampled = _tokens(values)
        tokens = read_values(sampled)
        changed = sum(1 for a, b in zip(sampled, tokens[1:], strict=True) if a.kind != b.kind)
        stages.append(
            StageReport("read (C,0.250 in front; A, X as C)", len(sampled), len(tokens), 0, changed)
        )
        pruned = prune_grammar(tokens, rng)
        moved = sum(1 for a, b in zip(tokens, pruned, strict=True) if a.duration != b.duration)
        stages.append(
            StageReport(
                "prune_grammar (durations to the 16th grid)", len(tokens), len(pruned), moved
            )
        )
        tokens = pruned
    else:
        tokens = [GrammarToken("C", GRID)] + _tokens(values)
    sounds = unparse_grammar(tokens, chords, rng)
    stages.append(StageReport("unparse (values → pitches)", len(tokens), _count_notes(sounds)))

    def note_stage(name: str, step, *, report_moved: bool = True) -> None:
        """Apply a stage on sounding notes and report what it did."""
        nonlocal sounds
        after = step(sounds)
        moved = _moved(sounds, after) if report_moved else 0
        stages.append(StageReport(name, _count_notes(sounds), _count_notes(after), moved))
        sounds = after

    if mode == FULL:
        note_stage("prune_notes (repeats, too close)", prune_notes, report_moved=False)
        note_stage("clean_up (zero lengths, one note per offset)", clean_up_notes)
    if layout == MEASURE_LAYOUT:
        note_stage("fit to the measure", fit_to_measure)
    return sounds, stages
