"""The musical objects between a source file and the grammar: a solo, its measures, its chords.

Everything here is plain Python data (no music21 objects), so a parsed solo is cheap to
cache, to pickle and to compare. Units are stated on every field:

* offsets and durations are in **quarter lengths** (a quarter note is 1.0),
  offsets measured from the start of the measure the element belongs to;
* pitches are **MIDI pitch numbers** (middle C = 60);
* a measure is always 4 quarter lengths long, as in the course (4/4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .theory import default_pitch_name

MEASURE_LENGTH = 4.0
"""Quarter lengths per measure: the course and deepjazz group every solo in 4/4."""


@dataclass(frozen=True)
class MelodyNote:
    """One melody note or rest.

    offset: quarter lengths from the start of its measure.
    duration: quarter lengths (> 0 once a solo is built).
    pitch: MIDI pitch, or None for a rest.
    name: the spelled pitch-class name ('C#', 'E-'), or None for a rest.
    """

    offset: float
    duration: float
    pitch: int | None = None
    name: str | None = None

    def __post_init__(self):
        if self.pitch is not None and self.name is None:
            object.__setattr__(self, "name", default_pitch_name(self.pitch))

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


@dataclass(frozen=True)
class ChordEvent:
    """One chord sounding in a measure.

    offset: quarter lengths from the start of its measure.
    duration: quarter lengths.
    pitches: MIDI pitches, ascending.
    names: spelled pitch-class names of ``pitches``, in the same order.
    symbol: the chord symbol it was realized from ('Dm7'), when there was one.
    """

    offset: float
    duration: float
    pitches: tuple[int, ...]
    names: tuple[str, ...] = ()
    symbol: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "pitches", tuple(int(p) for p in self.pitches))
        if not self.names:
            object.__setattr__(self, "names", tuple(default_pitch_name(p) for p in self.pitches))


def sounding_chord(chords: list[ChordEvent], offset: float) -> ChordEvent:
    """The course's "last chord": of a measure's chords sorted by offset (not empty), the
    last one starting at or before ``offset`` (quarter lengths in the measure); a note before
    the first chord takes that first chord, as the course moves it to the start of the
    measure."""
    current = chords[0]
    for chord in chords:
        if chord.offset <= offset + 1e-9:
            current = chord
    return current


@dataclass
class Measure:
    """One 4-quarter-length measure of a solo: its melody and the chords sounding in it.

    number: the measure's index in the source (offset of its start / 4).
    """

    number: int
    notes: list[MelodyNote] = field(default_factory=list)
    chords: list[ChordEvent] = field(default_factory=list)


@dataclass
class ChordTimeline:
    """The chords of a solo, measure by measure.

    ``measures[k]`` lists the :class:`ChordEvent` of the k-th measure, offsets relative to
    that measure's start. This is what the course calls ``chords`` and what the
    post-processor writes the generated melody over: one "set of chords" per measure.
    """

    measures: list[list[ChordEvent]]

    def __len__(self) -> int:
        return len(self.measures)

    def __getitem__(self, k: int) -> list[ChordEvent]:
        return self.measures[k]

    def __iter__(self):
        return iter(self.measures)

    def sounding(self) -> list[list[ChordEvent]]:
        """For each measure, the chords its notes sound over, sorted by offset: the one
        carry rule of the package (the grammar, the post-processor, the metrics and the
        piano roll all read chords through it).

        A measure's own chords; a measure without any keeps the last chord of the measure
        before it, or, before the first chord of the solo, that first chord — a carried
        chord sounds through the whole measure (offset 0, 4 quarter lengths). An empty list
        only when there are no chords at all (the notes relate to nothing).
        """
        own = [sorted(chords, key=lambda c: c.offset) for chords in self.measures]
        carried = next((chords[0] for chords in own if chords), None)
        result = []
        for chords in own:
            if chords:
                carried = chords[-1]
                result.append(chords)
            elif carried is not None:
                result.append([replace(carried, offset=0.0, duration=MEASURE_LENGTH)])
            else:
                result.append([])
        return result


@dataclass
class Solo:
    """A melody with its chords, cut into 4/4 measures: the input of the grammar.

    title: a human name of the source ("Pat Metheny, And Then I Knew").
    melody_part: which part of the score the melody came from (name or index).
    chord_source: where the chords came from ("part 0 (Piano)", "chord symbols", ...).
    tempo_bpm: quarter notes per minute of the source, for playback.
    """

    measures: list[Measure]
    title: str = ""
    melody_part: str = ""
    chord_source: str = ""
    tempo_bpm: float = 130.0

    @property
    def chords(self) -> ChordTimeline:
        return ChordTimeline([list(m.chords) for m in self.measures])

    def measure_chords(self) -> list[list[ChordEvent]]:
        """For each measure, the chords its notes sound over (:meth:`ChordTimeline.sounding`)."""
        return self.chords.sounding()

    @property
    def note_count(self) -> int:
        """Number of sounding melody notes (rests not counted)."""
        return sum(1 for m in self.measures for n in m.notes if not n.is_rest)
