"""Sampled grammar values → notes over one chord set: the post-processor, in three modes.

* ``'faithful'`` (the default, :mod:`.faithful`) keeps what each value records: its tone
  type, its step from the previous note (the centre of its bracket), its duration on the
  16th/triplet grid; the line stays in the training solo's register and goes on from one
  set to the next;
* ``'course'`` (:mod:`.course`) is the course's five stages: ``C,0.250`` in front, A and X
  read as C, durations rounded to 16ths at random, a pitch drawn uniformly in the bracket,
  repeats and crowded notes pruned, zero lengths cleaned up (``'full'``, its name before,
  is read as ``'course'``);
* ``'raw'`` is the course's unparse alone (``C,0.250`` in front), to hear what the course's
  stages add.

Two layouts place a set's notes: ``'measure'`` (the default) keeps what starts inside the
set's span and cuts it there; ``'course'`` keeps every note, running on past the measure
as in the course. :mod:`jazzcore.generate` runs this over every chord set of a piece.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError
from ..grammar import GrammarToken
from ..solo import MEASURE_LENGTH, ChordEvent
from .course import (
    BRACKET_HIGHEST,
    BRACKET_LOWEST,
    FREE_NOTE_LOWEST,
    MIN_SPACING,
    clean_up_notes,
    prune_grammar,
    prune_notes,
    read_values,
    unparse_grammar,
)
from .faithful import snap_duration, snap_durations, unparse_faithfully
from .sounds import (
    DEFAULT_REGISTER,
    GRID,
    TRIPLET_GRID,
    Sound,
    StageReport,
    as_tokens,
    check_register,
    count_notes,
    fit_to_measure,
)

FAITHFUL, COURSE, RAW = "faithful", "course", "raw"
MODES = (FAITHFUL, COURSE, RAW)
"""Post-processing modes: the grammar's information kept, the course's five stages, unparse alone."""

MEASURE_LAYOUT, COURSE_LAYOUT = "measure", "course"
LAYOUTS = (MEASURE_LAYOUT, COURSE_LAYOUT)
"""Layouts of a set's notes: inside the set's span, or all of them from its start (the course)."""


def check_mode(mode: str) -> str:
    """The mode's name ('full' is read as 'course'); a one-line ParameterError for another."""
    if mode == "full":
        return COURSE
    if mode not in MODES:
        raise ParameterError(
            f"postprocess = '{mode}': use 'faithful', 'course' (the course's five stages) or "
            "'raw' (the course's unparse only)."
        )
    return mode


def check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise ParameterError(
            f"layout = '{layout}': use 'measure' (each set inside its measure) or 'course'."
        )
    return layout


def _moved(before: Sequence[Sound], after: Sequence[Sound]) -> int:
    old = {(s.offset, s.pitch): s.duration for s in before}
    return sum(
        1 for s in after if abs(old.get((s.offset, s.pitch), s.duration) - s.duration) > 1e-9
    )


def postprocess_values(
    values: Sequence[str | GrammarToken],
    chords: Sequence[ChordEvent],
    rng: np.random.Generator,
    *,
    mode: str = FAITHFUL,
    layout: str = MEASURE_LAYOUT,
    span: float = MEASURE_LENGTH,
    previous: int | None = None,
    register: tuple[int, int] = DEFAULT_REGISTER,
) -> tuple[list[Sound], list[StageReport]]:
    """One chord set's values → its sounds (offsets from the set's start), and what each
    stage did.

    mode: 'faithful', 'course' or 'raw' (see the module). layout: 'measure' keeps what
    starts before ``span`` quarter lengths (the set's length), cut there; 'course' keeps
    every note. previous, register: the faithful mode's line — the MIDI pitch of the last
    note before the set (None at the start) and (lowest, highest) MIDI pitches; the course's
    modes have their own rules and ignore them.
    """
    mode, layout = check_mode(mode), check_layout(layout)
    sampled = as_tokens(values)
    stages = []
    if mode == FAITHFUL:
        tokens, moved = snap_durations(sampled)
        stages.append(
            StageReport(
                "durations (kept on the 16th/triplet grid)", len(sampled), len(tokens), moved
            )
        )
        sounds = unparse_faithfully(tokens, chords, rng, previous=previous, register=register)
        stages.append(
            StageReport("unparse (bracket centre, register)", len(tokens), count_notes(sounds))
        )
    elif mode == COURSE:
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
        sounds = unparse_grammar(pruned, chords, rng)
        stages.append(StageReport("unparse (values → pitches)", len(pruned), count_notes(sounds)))
    else:
        tokens = [GrammarToken("C", GRID)] + sampled
        sounds = unparse_grammar(tokens, chords, rng)
        stages.append(StageReport("unparse (values → pitches)", len(tokens), count_notes(sounds)))

    def note_stage(name: str, step, *, report_moved: bool = True) -> None:
        """Apply a stage on sounding notes and report what it did."""
        nonlocal sounds
        after = step(sounds)
        moved = _moved(sounds, after) if report_moved else 0
        stages.append(StageReport(name, count_notes(sounds), count_notes(after), moved))
        sounds = after

    if mode == COURSE:
        note_stage("prune_notes (repeats, too close)", prune_notes, report_moved=False)
        note_stage("clean_up (zero lengths, one note per offset)", clean_up_notes)
    if layout == MEASURE_LAYOUT:
        note_stage("fit to the set's span", lambda s: fit_to_measure(s, span))
    return sounds, stages


__all__ = [
    "BRACKET_HIGHEST",
    "BRACKET_LOWEST",
    "COURSE",
    "COURSE_LAYOUT",
    "DEFAULT_REGISTER",
    "FAITHFUL",
    "FREE_NOTE_LOWEST",
    "GRID",
    "LAYOUTS",
    "MEASURE_LAYOUT",
    "MIN_SPACING",
    "MODES",
    "RAW",
    "TRIPLET_GRID",
    "Sound",
    "StageReport",
    "as_tokens",
    "check_layout",
    "check_mode",
    "check_register",
    "clean_up_notes",
    "count_notes",
    "fit_to_measure",
    "postprocess_values",
    "prune_grammar",
    "prune_notes",
    "read_values",
    "snap_duration",
    "snap_durations",
    "unparse_faithfully",
    "unparse_grammar",
]
