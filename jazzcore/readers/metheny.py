"""The course's Metheny solo, read as music21 read MIDI files in 2016–2018 (v2 to v5).

:func:`metheny_solo` gives the course's training solo from Pat Metheny's "And Then I Knew"
(``original_metheny.mid``): the guitar (part 5) over the piano's chords (part 0), offsets
476–548 — 18 measures, 193 grammar values, 78 unique values, hence X (60, 30, 78) and
Y (30, 60, 78).

What that import did, from music21's history (midi/translate.py, Stream.quantize,
Stream.makeVoices, Stream.findGaps), re-done here with mido:

1. A note-on is closed by the next note message of the same pitch and channel (even
   another note-on, which then starts no note of its own).
2. Notes starting within 1/16 of a quarter of each other and ending within the same
   tolerance become one Chord; a note starting with others but ending elsewhere stays a
   Note and marks the track as needing voices.
3. Offsets and durations are each snapped to the nearer of the 1/4 and 1/3 grids, so a
   note shorter than 1/8 quarter gets duration 0 (the course then sets those to 0.25).
4. Overlapping notes go to voices, first fit in time order; the course merges voice 2 into
   voice 1, so the melody is all notes in time order, voice 1 first at equal offsets.
5. Rests: makeVoices asks for gap-filling rests, but the notes it has just moved into a
   voice have lost their "active site" (Stream.remove clears it), so findGaps, which read
   ``e.offset``, sees every offset as 0.0 and finds no gap. The course's melody has no
   rests inside the solo, hence no 'R' values. music21 6.5 (December 2020) made findGaps
   read the offsets in the voice; with those rests the same recipe gives 90 values, the
   figure of the course's later edition and of a straight port to music21 10.

Units: offsets and durations in quarter lengths (exact fractions until the Solo is
built), pitches as MIDI numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import groupby
from pathlib import Path

import mido

from ..checks import scan_midi
from ..errors import MelodyError
from ..solo import MEASURE_LENGTH, ChordEvent, Measure, MelodyNote, Solo
from ..sources import read_midi_file
from .midifile import QUANTIZE_DIVISORS, snap_to_grid  # noqa: F401  (music21's grid, one rule)

METHENY_WINDOW = (476.0, 548.0)
"""The course's solo: elements that begin at quarter-length offsets 476 … 548 (inclusive)."""

METHENY_MELODY_PART = 5
"""Index of the guitar among the MIDI tracks that have notes (the course's ``midi_data[5]``)."""

METHENY_CHORD_PART = 0
"""Index of the piano, whose chords (not single notes) are the course's chords."""

METHENY_TITLE = 'Pat Metheny, "And Then I Knew"'

_MEASURE = Fraction(MEASURE_LENGTH)  # exact, so that offsets in a measure stay exact


@dataclass(frozen=True)
class _TrackEvent:
    """A note or chord of one MIDI track, as music21 2016–2018 imported it.

    offset, duration: quarter lengths, snapped to the grids (duration may be 0).
    pitches: MIDI pitches (one for a note, in the track's order for a chord).
    order: creation order in the track, the tie-break between equal offsets.
    """

    offset: Fraction
    duration: Fraction
    pitches: tuple[int, ...]
    order: int


def _note_spans(track: mido.MidiTrack) -> list[tuple[int, int, int]]:
    """(start tick, end tick, MIDI pitch) of a mido track's notes, in order of their starts."""
    open_notes: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, pitch) → (index, tick)
    spans: dict[int, tuple[int, int, int]] = {}
    tick = 0
    for index, message in enumerate(track):
        tick += message.time
        if message.type not in ("note_on", "note_off"):
            continue
        key = (message.channel, message.note)
        if key in open_notes:
            # any note message of that pitch closes the open note, as in music21 then
            start_index, start_tick = open_notes.pop(key)
            spans[start_index] = (start_tick, tick, message.note)
        elif message.type == "note_on" and message.velocity > 0:
            open_notes[key] = (index, tick)
    return [spans[i] for i in sorted(spans)]


def _track_events(track: mido.MidiTrack, ticks_per_quarter: int) -> tuple[list[_TrackEvent], bool]:
    """A track's notes and chords, snapped and sorted by offset; and whether music21 would
    have made voices (two notes starting together but ending apart)."""
    notes = _note_spans(track)
    tolerance = ticks_per_quarter / 16
    gathered: set[int] = set()
    needs_voices = False
    raw: list[tuple[float, float, tuple[int, ...]]] = []
    for i, (start, end, _pitch) in enumerate(notes):
        if i in gathered:
            continue
        chord = [notes[i]]
        for j in range(i + 1, len(notes)):
            other_start, other_end, _ = notes[j]
            if abs(other_start - start) > tolerance:
                break  # notes are in order of their starts: no later one can join
            if abs(other_end - end) > tolerance:
                needs_voices = True
                continue
            chord.append(notes[j])
            gathered.add(j)
        # a chord lasts from its last start to its first end; a zero length reads as 1.0
        ticks = chord[0][1] - chord[-1][0]
        length = ticks / ticks_per_quarter if ticks != 0 else 1.0
        raw.append((start / ticks_per_quarter, length, tuple(n[2] for n in chord)))
    events = [
        _TrackEvent(snap_to_grid(offset), snap_to_grid(max(length, 0.0)), pitches, order)
        for order, (offset, length, pitches) in enumerate(raw)
    ]
    events.sort(key=lambda e: (e.offset, e.order))
    return events, needs_voices


def _first_fit_voices(events: list[_TrackEvent]) -> list[list[_TrackEvent]]:
    """music21's makeVoices: each event, in time order, goes to the first voice that has
    finished sounding by its offset."""
    voices: list[list[_TrackEvent]] = []
    ends: list[Fraction] = []
    for event in events:
        for k, end in enumerate(ends):
            if end <= event.offset:
                voices[k].append(event)
                ends[k] = max(end, event.offset + event.duration)
                break
        else:
            voices.append([event])
            ends.append(event.offset + event.duration)
    return voices


def _group_by_measure(events: list[_TrackEvent]) -> list[tuple[int, list[_TrackEvent]]]:
    """The course's grouping: consecutive events in the same measure, int(offset / 4)."""
    return [
        (number, list(group))
        for number, group in groupby(events, key=lambda e: int(e.offset // _MEASURE))
    ]


def _midi_tempo_bpm(midi: mido.MidiFile, default: float = 120.0) -> float:
    """Quarter notes per minute of the file's first tempo message, or ``default``."""
    for track in midi.tracks:
        for message in track:
            if message.type == "set_tempo":
                return round(60_000_000 / message.tempo, 2) if message.tempo else default
    return default


def metheny_solo(path: str | Path | bytes) -> Solo:
    """The course's solo from Pat Metheny's "And Then I Knew" (``original_metheny.mid``).

    The guitar (track with notes no. 5) over the chords of the piano (no. 0), elements that
    begin in the window of quarter-length offsets 476–548, grouped into measures by
    ``int(offset / 4)`` and paired in order, as deepjazz's ``preprocess.py`` did on the
    music21 of 2016–2018. Returns 18 measures (numbers 119–136) with 193 notes and no rests;
    chords keep the piano's voicings (pitches ascending) and its snapped durations, some
    of which are 0. Chords of the guitar are dropped, as the course drops them.

    path: the file's path, or its bytes. Raises SourceError (no such file), InputFileError
    (not a readable MIDI file) or MelodyError (a MIDI file without the Metheny file's
    guitar and piano).
    """
    midi = scan_midi(path, "the file") if isinstance(path, bytes) else read_midi_file(path)
    name = "The file" if isinstance(path, bytes) else Path(path).name
    tracks = [t for t in midi.tracks if any(m.type == "note_on" and m.velocity > 0 for m in t)]
    if len(tracks) <= max(METHENY_MELODY_PART, METHENY_CHORD_PART):
        raise MelodyError(
            f"{name} has {len(tracks)} tracks with notes, not the Metheny file's 19: "
            "read other files with load_solo."
        )
    tpq = midi.ticks_per_beat
    guitar, needs_voices = _track_events(tracks[METHENY_MELODY_PART], tpq)
    voices = _first_fit_voices(guitar) if needs_voices else [guitar]
    # voice 1, then the merged voice 2, in time order (sorted() is stable)
    melody = sorted((e for voice in voices for e in voice), key=lambda e: e.offset)
    piano, _ = _track_events(tracks[METHENY_CHORD_PART], tpq)
    chords = [e for e in piano if len(e.pitches) > 1]

    first, last = (Fraction(x) for x in METHENY_WINDOW)
    melody = [e for e in melody if first <= e.offset <= last]
    chords = [e for e in chords if first <= e.offset <= last]
    if not melody or not chords:
        raise MelodyError(
            f"{name} has no guitar solo over piano chords at offsets 476–548: "
            "it is not the course's Metheny file; read it with load_solo."
        )

    measures = []
    # zip pairs the groups in order and drops the piano's extra last group, as the course does
    for (number, notes), (_, chord_events) in zip(
        _group_by_measure(melody), _group_by_measure(chords), strict=False
    ):
        start = number * _MEASURE
        measure_notes = [
            MelodyNote(
                offset=float(e.offset - start),
                duration=float(e.duration) if e.duration else 0.25,  # the course's fix
                pitch=e.pitches[0],
            )
            for e in notes
            if len(e.pitches) == 1
        ]
        measure_chords = [
            ChordEvent(
                offset=float(c.offset - start),
                duration=float(c.duration),
                pitches=tuple(sorted(c.pitches)),
            )
            for c in chord_events
        ]
        measures.append(Measure(number, measure_notes, measure_chords))
    return Solo(
        measures,
        title=METHENY_TITLE,
        melody_part=f"part {METHENY_MELODY_PART} (Guitar)",
        chord_source=f"part {METHENY_CHORD_PART} (Piano), chords only",
        tempo_bpm=_midi_tempo_bpm(midi),
    )
