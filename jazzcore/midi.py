"""Writing and reading the generated MIDI: melody on Electric Guitar, chords on Piano.

The file is written with mido directly (music21's writer is many times slower): a type-1
MIDI file at 480 ticks per quarter note with three tracks — the tempo (the course's 130 bpm)
and 4/4, the melody on channel 0 and the chords on channel 1. The same notes always give
the same bytes.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers, velocities 1–127.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InputFileError

TICKS_PER_QUARTER = 480
MELODY_PROGRAM = 26
"""General MIDI program 27, Electric Guitar (jazz), counted from 0 — music21's ElectricGuitar."""
CHORD_PROGRAM = 0
"""General MIDI program 1, Acoustic Grand Piano, counted from 0."""
MELODY_CHANNEL, CHORD_CHANNEL = 0, 1
MELODY_VELOCITY, CHORD_VELOCITY = 100, 70
MELODY_TRACK_NAME, CHORD_TRACK_NAME = "Melody (Electric Guitar)", "Chords (Piano)"


def _ticks(quarter_length: float) -> int:
    return int(round(quarter_length * TICKS_PER_QUARTER))


def _track(name: str, channel: int, program: int, notes: list[tuple[int, int, int, int]]):
    """A mido track from (start tick, end tick, pitch, velocity); at equal ticks note-offs come first."""
    import mido

    events = []
    for start, end, pitch, velocity in notes:
        if end <= start:  # zero length: nothing to hear, and its off would precede its on
            continue
        events.append((start, 1, pitch, velocity))
        events.append((end, 0, pitch, 0))
    events.sort()
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    track.append(mido.Message("program_change", channel=channel, program=program, time=0))
    now = 0
    for tick, is_on, pitch, velocity in events:
        kind = "note_on" if is_on else "note_off"
        track.append(
            mido.Message(kind, channel=channel, note=pitch, velocity=velocity, time=tick - now)
        )
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def write_midi(
    melody: Iterable,
    chords: Iterable,
    *,
    tempo_bpm: float = 130.0,
    melody_program: int = MELODY_PROGRAM,
    chord_program: int = CHORD_PROGRAM,
) -> bytes:
    """The bytes of a type-1 MIDI file of a melody over chords.

    melody: notes with ``offset``, ``duration`` (quarter lengths) and ``pitch`` (MIDI, None
        for a rest — rests are skipped), e.g. :class:`~jazzcore.postprocess.Sound`.
    chords: :class:`~jazzcore.solo.ChordEvent` with offsets from the start of the piece.
    tempo_bpm: quarter notes per minute. Returns the file's bytes.
    """
    import mido

    tempo_track = mido.MidiTrack()
    tempo_track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
    tempo_track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    tempo_track.append(mido.MetaMessage("end_of_track", time=0))
    melody_notes = [
        (_ticks(n.offset), _ticks(n.offset + n.duration), int(n.pitch), MELODY_VELOCITY)
        for n in melody
        if n.pitch is not None
    ]
    chord_notes = [
        (_ticks(c.offset), _ticks(c.offset + c.duration), int(p), CHORD_VELOCITY)
        for c in chords
        for p in c.pitches
    ]
    midi_file = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    midi_file.tracks += [
        tempo_track,
        _track(MELODY_TRACK_NAME, MELODY_CHANNEL, melody_program, melody_notes),
        _track(CHORD_TRACK_NAME, CHORD_CHANNEL, chord_program, chord_notes),
    ]
    buffer = io.BytesIO()
    midi_file.save(file=buffer)
    return buffer.getvalue()


def music21_score(melody: Iterable, chords: Iterable, tempo_bpm: float = 130.0):
    """The same piece as a music21 Score (what the course's generate_music returned): a
    melody Part (Electric Guitar), a chord Part (Piano) and the tempo. melody and chords as
    for :func:`write_midi` (offsets and durations in quarter lengths)."""
    from music21 import chord as m21chord
    from music21 import instrument, note, stream, tempo

    melody_part, chord_part = stream.Part(id="melody"), stream.Part(id="chords")
    melody_part.insert(0.0, instrument.ElectricGuitar())
    chord_part.insert(0.0, instrument.Piano())
    items = []
    for s in melody:
        element = (
            note.Rest(quarterLength=s.duration)
            if s.is_rest
            else note.Note(s.pitch, quarterLength=s.duration)
        )
        items += [s.offset, element]
    melody_part.insert(items)
    items = []
    for c in chords:
        items += [c.offset, m21chord.Chord(list(c.pitches), quarterLength=c.duration)]
    chord_part.insert(items)
    score = stream.Score(id="generated")
    score.insert(0.0, tempo.MetronomeMark(number=tempo_bpm))
    score.insert(0.0, melody_part)
    score.insert(0.0, chord_part)
    return score


@dataclass(frozen=True)
class NoteEvent:
    """One note of a MIDI file, as the piano roll shows it and the synthesizers play it.

    start, end: seconds. start_beat, end_beat: quarter notes from the start.
    pitch: MIDI pitch. velocity: 1–127. role: 'melody', 'chord' or 'drums'.
    program: GM program (0-based). is_drum: on the GM drum channel.
    instrument: the index of its instrument (track) in the file.
    """

    start: float
    end: float
    start_beat: float
    end_beat: float
    pitch: int
    velocity: int
    role: str
    program: int
    is_drum: bool = False
    instrument: int = 0


def _role(instrument, n_instruments: int) -> str:
    if instrument.is_drum:
        return "drums"
    name = (instrument.name or "").lower()
    if name.startswith("melody"):
        return "melody"
    if name.startswith("chord"):
        return "chord"
    # another file: guitars, reeds, brass, pipes and leads carry melodies; the rest accompany
    if 24 <= instrument.program <= 31 or 56 <= instrument.program <= 87:
        return "melody"
    return "melody" if n_instruments == 1 else "chord"


def read_midi_notes(midi, *, include_drums: bool = False) -> list[NoteEvent]:
    """The sounding notes of a MIDI file (path, bytes or pretty_midi.PrettyMIDI), by start time.

    Drums are skipped unless include_drums; notes of zero length are skipped. Beats are
    quarter notes, converted with the file's tempo changes.
    """
    pm = _pretty_midi(midi)
    n_pitched = sum(not i.is_drum for i in pm.instruments)
    events = []
    for index, instrument in enumerate(pm.instruments):
        if instrument.is_drum and not include_drums:
            continue
        role = _role(instrument, n_pitched)
        for n in instrument.notes:
            if n.end <= n.start:
                continue
            events.append(
                NoteEvent(
                    float(n.start),
                    float(n.end),
                    float(pm.time_to_tick(n.start)) / pm.resolution,
                    float(pm.time_to_tick(n.end)) / pm.resolution,
                    int(n.pitch),
                    int(n.velocity),
                    role,
                    int(instrument.program),
                    bool(instrument.is_drum),
                    index,
                )
            )
    events.sort(key=lambda e: (e.start, e.role != "melody", e.pitch))
    return events


def import_quietly(name: str):
    """Import a module whose import writes to stdout, keeping stdout for our own output.

    pyfluidsynth (imported by pretty_midi too) prints "'fluidsynth' was found at ..." when
    the environment variable CI is set, which corrupts the CLI's output on CI runners.
    Only a first import swaps sys.stdout: the swap is process-wide, and the app's other
    threads may be printing.
    """
    if name in sys.modules:
        return sys.modules[name]
    with contextlib.redirect_stdout(io.StringIO()):
        return importlib.import_module(name)


def _pretty_midi(midi):
    """A pretty_midi.PrettyMIDI from a path, bytes or a PrettyMIDI (returned as is)."""
    pretty_midi = import_quietly("pretty_midi")
    if isinstance(midi, pretty_midi.PrettyMIDI):
        return midi
    try:
        if isinstance(midi, bytes | bytearray):
            return pretty_midi.PrettyMIDI(io.BytesIO(bytes(midi)))
        return pretty_midi.PrettyMIDI(str(midi))
    except Exception as error:  # mido/pretty_midi raise many kinds on a bad file
        raise InputFileError(f"Cannot read the MIDI file: {error}") from None
