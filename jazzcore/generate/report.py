"""What generate_music did: one :class:`SetReport` per chord set, and the
:class:`GenerationReport` of the piece.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers, tempo in
quarter notes per minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..postprocess import DEFAULT_REGISTER, Sound, StageReport
from ..solo import ChordEvent


@dataclass
class SetReport:
    """One set of chords and the notes generated over it.

    index: the set's position in the chord timeline, from 0 (the course's "set of chords"
    number is :attr:`number`, index + 1: the course's ``chords`` has a non-chord entry first).
    offset: where the set starts in the piece, quarter lengths.
    chords: its chords, offsets relative to the set. values: the values used (with
    Ty=None, those that fill the set: the sampled ones after them are not played).
    sounds: the notes and rests that came out, offsets relative to the set.
    """

    index: int
    offset: float
    chords: list[ChordEvent]
    values: list[str]
    sounds: list[Sound]
    stages: list[StageReport] = field(default_factory=list)

    @property
    def n_sounds(self) -> int:
        """Sounding notes (rests not counted), as the course counts them."""
        return sum(1 for s in self.sounds if not s.is_rest)

    @property
    def number(self) -> int:
        """The course's number of the set (from 1), which its report line prints."""
        return self.index + 1

    @property
    def line(self) -> str:
        return (
            f"Generated {self.n_sounds} sounds using the predicted values for the set of chords "
            f'("{self.number}") and after pruning'
        )


@dataclass
class GenerationReport:
    """Everything generate_music did: one :class:`SetReport` per chord set, and the result.

    postprocess, layout: the modes used. Ty: values sampled per set, None when each set was
    filled. seed: the random seed (None: fresh). melody: every sound of the piece, offsets
    in quarter lengths from its start. chords: every chord of the piece, offsets from its
    start. midi_bytes: the MIDI file; midi_path: where it was written (None if not written).
    register: (lowest, highest) MIDI pitches of the faithful mode's line.
    """

    sets: list[SetReport]
    postprocess: str
    layout: str
    tempo_bpm: float
    Ty: int | None
    seed: int | None
    melody: list[Sound]
    chords: list[ChordEvent]
    midi_bytes: bytes = b""
    midi_path: Path | None = None
    register: tuple[int, int] = DEFAULT_REGISTER

    @property
    def lines(self) -> list[str]:
        lines = [s.line for s in self.sets]
        if self.midi_path is not None:
            lines.append(f"Your generated music is saved in {self.midi_path}")
        return lines

    @property
    def n_sounds(self) -> int:
        return sum(s.n_sounds for s in self.sets)

    @property
    def values(self) -> list[str]:
        """The values of every set, in the order they were played."""
        return [v for s in self.sets for v in s.values]

    @property
    def quarter_lengths(self) -> float:
        """Length of the piece: the last note or chord end, quarter lengths."""
        ends = [s.end for s in self.melody] + [c.offset + c.duration for c in self.chords]
        return max(ends, default=0.0)

    @property
    def seconds(self) -> float:
        return self.quarter_lengths * 60.0 / self.tempo_bpm

    def stage_totals(self) -> list[StageReport]:
        """Each stage summed over all chord sets."""
        totals: dict[str, list[int]] = {}
        for s in self.sets:
            for st in s.stages:
                t = totals.setdefault(st.name, [0, 0, 0, 0])
                t[0] += st.notes_in
                t[1] += st.notes_out
                t[2] += st.durations_moved
                t[3] += st.kinds_changed
        return [StageReport(name, *t) for name, t in totals.items()]

    def __str__(self) -> str:
        return "\n".join(self.lines)
