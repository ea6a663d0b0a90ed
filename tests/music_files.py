"""Music files the tests build themselves (mido), shaped like what people have: several
channels in one track, type 0, a pianist's two hands, drums on channel 10 …

A voice is (channel, program or None, notes), a note (start, length, pitch or pitches) in
quarter lengths; a track is (name, voices).
"""

from __future__ import annotations

import io
import struct

import mido

TPQ = 480


def _events(voices) -> list[tuple[int, int, mido.Message]]:
    events = []
    for channel, program, notes in voices:
        if program is not None:
            events.append((0, 0, mido.Message("program_change", channel=channel, program=program)))
        for start, length, pitches in notes:
            for pitch in pitches if isinstance(pitches, tuple | list) else (pitches,):
                on, off = round(start * TPQ), round((start + length) * TPQ)
                events.append(
                    (on, 2, mido.Message("note_on", channel=channel, note=pitch, velocity=80))
                )
                events.append((off, 1, mido.Message("note_off", channel=channel, note=pitch)))
    return sorted(events, key=lambda e: (e[0], e[1]))


def _track(name: str, events) -> mido.MidiTrack:
    track = mido.MidiTrack()
    if name:  # as most editors write it: UTF-8 bytes, which mido reads as latin-1
        text = name.encode("utf-8").decode("latin-1")
        track.append(mido.MetaMessage("track_name", name=text, time=0))
    tick = 0
    for at, _, message in events:
        track.append(message.copy(time=at - tick))
        tick = at
    return track


def midi_bytes(tracks, *, file_type: int = 1, title: str = "", bpm: float = 120.0) -> bytes:
    """A MIDI file: type 1 (a conductor track with the title and tempo, then one track per
    (name, voices)) or type 0 (everything in one track)."""
    midi = mido.MidiFile(type=file_type, ticks_per_beat=TPQ)
    tempo = mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0)
    if file_type == 0:
        track = _track(title, _events([v for _, voices in tracks for v in voices]))
        track.insert(0, tempo)
        midi.tracks.append(track)
    else:
        conductor = _track(title, [])
        conductor.append(tempo)
        midi.tracks.append(conductor)
        for name, voices in tracks:
            midi.tracks.append(_track(name, _events(voices)))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def with_wild_velocities(data: bytes) -> bytes:
    """The same file with every note-on's velocity byte set to 200, out of MIDI's 0 … 127
    range (what some editors write): the bytes are patched, no library would write them."""
    out = bytearray(data)
    position = 14
    while position < len(out):
        length = struct.unpack(">I", out[position + 4 : position + 8])[0]
        k, end = position + 8, position + 8 + length
        status = 0
        while k < end:
            while out[k] & 0x80:  # variable-length delta time
                k += 1
            k += 1
            if out[k] == 0xFF:  # meta: type, length, data
                meta_length = out[k + 2]
                k += 3 + meta_length
                continue
            if out[k] & 0x80:
                status = out[k]
                k += 1
            kind = status & 0xF0
            if kind == 0x90 and out[k + 1]:
                out[k + 1] = 200
            k += 1 if kind in (0xC0, 0xD0) else 2
        position = end
    return bytes(out)


# --- the music ----------------------------------------------------------------------------

# ii–V–I in C, one chord a bar, as a pianist's left hand voices them (MIDI pitches)
DM7, G7, CMAJ7 = (50, 53, 57, 60), (55, 59, 62, 65), (48, 52, 55, 59)
CHANGES = [DM7, G7, CMAJ7, CMAJ7]

# a trumpet line over them: four quarter notes a bar, chord tones on the beats
LINE = [65, 69, 72, 74, 71, 67, 65, 62, 64, 67, 71, 72, 76, 74, 72, 67]
BASS = [38, 45, 43, 38, 43, 50, 47, 43, 36, 43, 40, 36, 36, 40, 43, 36]


def line_notes(pitches=LINE, start: float = 0.0):
    return [(start + k, 1.0, p) for k, p in enumerate(pitches)]


def comping(changes=CHANGES):
    """One voicing struck on beat 1 of each bar, held 3 beats."""
    return [(4.0 * k, 3.0, chord) for k, chord in enumerate(changes)]


def walking_bass():
    return [(float(k), 1.0, p) for k, p in enumerate(BASS)]


def drums():
    """Ride (51), snare (38), kick (36) on channel 10, with a kit change: drums all the same."""
    return [(9, 40, [(float(k), 0.5, (51, 36) if k % 2 == 0 else (51, 38)) for k in range(16)])]
