"""MIDI files → :class:`~.parts.Music`, with mido: fast, lenient, one part per instrument.

* Type 0 and type 1 files (type 2, independent patterns, is refused by
  :func:`jazzcore.sources.scan_midi`). Data bytes out of 0 … 127 are clipped, as mido's
  ``clip=True`` does, so slightly malformed files still read.
* One part per instrument: a track that plays on several channels, or changes program,
  is split into one part per (track, channel, program) — a trumpet on channel 1 and a
  piano on channel 3 in one track are two parts. Notes played before a channel's first
  program change belong to its first program. Channel 10 is drums, one part per track
  whatever kits its program changes choose.
* A note ends at its note-off (or velocity-0 note-on), at the next note-on of the same
  pitch in the same track and channel, or at the end of its track.
* Offsets and durations are snapped to the nearer of the 16th and 8th-note-triplet grids,
  as music21's MIDI import does (:func:`snap_to_grid`): a performance played in real time
  gives the grammar readable rhythms. A note snapped to no length gets a 16th.

Units: quarter lengths (ticks / ticks per quarter), MIDI pitch numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from fractions import Fraction

import mido

from ..checks import MAX_BPM, MAX_NAME_CHARS, MAX_PARTS, MIN_BPM, scan_midi
from ..errors import InputFileError
from .parts import Music, Note, Part, part_info

QUANTIZE_DIVISORS = (4, 3)
"""Grids of music21's MIDI import: 16ths (1/4 quarter) and 8th-note triplets (1/3)."""

SHORTEST_NOTE = 0.25
"""Quarter lengths given to a note the grid snaps to no length (the course's fix)."""

DRUM_CHANNEL = 9
"""MIDI channel 10 (9 counted from 0): General MIDI's percussion."""

_GENERIC_NAME = re.compile(
    r"^(track|midi|untitled|tempo track|new instrument|instrument|seq(uence)?|part)?\s*\d*$",
    re.IGNORECASE,
)


def snap_to_grid(quarter_length: float, divisors: tuple[int, ...] = QUANTIZE_DIVISORS) -> Fraction:
    """music21's quantization of one value (offset or duration, quarter lengths).

    For each divisor d the nearest multiple of 1/d is found (exactly halfway goes down);
    the one with the smaller error wins, and on equal errors the smaller value.
    ``snap_to_grid(0.1) == 0``, ``snap_to_grid(0.3) == Fraction(1, 3)``.
    """
    best = None
    for divisor in divisors:
        unit = 1.0 / divisor
        multiple = math.floor(quarter_length / unit)
        low, high = unit * multiple, unit * (multiple + 1)
        if quarter_length <= low + unit / 2:
            candidate = (round(quarter_length - low, 7), low, multiple, divisor)
        else:
            candidate = (round(high - quarter_length, 7), high, multiple + 1, divisor)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    return Fraction(best[2], best[3])  # the grid point itself, exact


def _text(value: str) -> str:
    """A meta text as its author wrote it: mido reads bytes as latin-1, most editors write
    UTF-8: 'Trumpet in B♭' comes back as it was written, not as 'Trumpet in Bâ\x99\xad'."""
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return "".join(c for c in value[: 4 * MAX_NAME_CHARS] if c.isprintable()).strip()[
        :MAX_NAME_CHARS
    ]


def instrument_name(program: int | None, channel: int) -> str:
    """General MIDI's name of a program ('Trumpet'), 'Drums' on channel 10, '' if unknown."""
    if channel == DRUM_CHANNEL:
        return "Drums"
    if program is None:
        return ""
    from pretty_midi.constants import INSTRUMENT_MAP

    return INSTRUMENT_MAP[program]


def _timeline(midi: mido.MidiFile) -> list[tuple[int, int, int, int, mido.Message]]:
    """Every program change and note message of every track, in time order:
    (tick, priority, track, position, message); at one tick program changes come first,
    then note-offs, then note-ons."""
    events = []
    for track_index, track in enumerate(midi.tracks):
        tick = 0
        for position, message in enumerate(track):
            tick += message.time
            if message.type == "program_change":
                events.append((tick, 0, track_index, position, message))
            elif message.type in ("note_on", "note_off"):
                on = message.type == "note_on" and message.velocity > 0
                events.append((tick, 2 if on else 1, track_index, position, message))
    events.sort(key=lambda e: e[:4])
    return events


def _notes_by_part(midi: mido.MidiFile) -> dict[tuple[int, int, int | None], list[tuple]]:
    """(track, channel, program) → [(start tick, end tick, pitch)] of every note."""
    ends = [sum(m.time for m in track) for track in midi.tracks]
    programs: dict[int, int] = {}
    open_notes: dict[tuple[int, int, int], tuple[int, int | None]] = {}
    found: dict[tuple[int, int, int | None], list[tuple]] = {}

    def close(key, tick):
        start, program = open_notes.pop(key)
        if tick > start:
            found.setdefault((key[0], key[1], program), []).append((start, tick, key[2]))

    for tick, priority, track, _, message in _timeline(midi):
        if priority == 0:
            programs[message.channel] = message.program
            continue
        key = (track, message.channel, message.note)
        if key in open_notes:
            close(key, tick)
        if priority == 2:  # on channel 10 a program chooses a drum kit: still the drums
            program = None if message.channel == DRUM_CHANNEL else programs.get(message.channel)
            open_notes[key] = (tick, program)
    for key in list(open_notes):
        close(key, ends[key[0]])
    # notes before a channel's first program change belong to its first program
    programmed: dict[tuple[int, int], tuple] = {}
    for key in found:
        if key[2] is not None:
            programmed.setdefault(key[:2], key)
    for key in [k for k in found if k[2] is None]:
        first = programmed.get(key[:2])
        if first is not None:
            found[first] = found.pop(key) + found[first]
    return found


def _track_names(midi: mido.MidiFile) -> list[str]:
    names = []
    for track in midi.tracks:
        texts = [m.name for m in track if m.type in ("track_name", "instrument_name")]
        names.append(next((_text(t) for t in texts if _text(t)), ""))
    return names


def _title(midi: mido.MidiFile, names: list[str], default: str) -> str:
    """The name of a note-less track before the first track with notes (type 1 files keep
    the song's title there), unless it is a generic 'Track 1'; else ``default``. The file's
    name never counts: the same bytes read the same under any name."""
    for track, name in zip(midi.tracks, names, strict=True):
        if any(m.type == "note_on" for m in track):
            break
        if name and not _GENERIC_NAME.match(name):
            return name
    return default


def _tempo_bpm(midi: mido.MidiFile, default: float = 120.0) -> float:
    """Quarter notes per minute of the first tempo message (``default`` if it has none or
    states a tempo out of MIN_BPM … MAX_BPM)."""
    for track in midi.tracks:
        for message in track:
            if message.type == "set_tempo":
                bpm = round(60_000_000 / message.tempo, 2) if message.tempo else 0.0
                return bpm if MIN_BPM <= bpm <= MAX_BPM else default
    return default


def read_midi(data: bytes, name: str = "", sha256: str = "") -> Music:
    """The parts of a MIDI file's bytes (checked by :func:`jazzcore.sources.scan_midi`),
    one per (track, channel, program), in the order of their tracks and channels.

    A part is named after its track; a track split into several parts adds each part's
    instrument ('Trumpet in B♭ (Acoustic Grand Piano)'); a nameless part is named after its
    instrument. Raises InputFileError (unreadable, empty, type 2, too long).
    """
    midi = scan_midi(data, name)
    tpq = midi.ticks_per_beat or 480
    names = _track_names(midi)
    found = _notes_by_part(midi)
    if len(found) > MAX_PARTS:
        raise InputFileError(
            f"{name or 'The MIDI file'} has {len(found)} parts (tracks × channels × programs), "
            f"more than the {MAX_PARTS} accepted: cut it to the solo."
        )
    keys = sorted(found, key=lambda k: (k[0], k[1], min(s for s, _, _ in found[k])))
    per_track = Counter(k[0] for k in keys)

    snapped: dict[tuple, list[Note]] = {}
    for key in keys:
        notes: dict[tuple[float, int], Note] = {}
        for start, end, pitch in found[key]:
            offset = float(snap_to_grid(start / tpq))
            duration = float(snap_to_grid((end - start) / tpq)) or SHORTEST_NOTE
            same = notes.get((offset, pitch))
            if same is None or same.duration < duration:  # a doubled note sounds once
                notes[(offset, pitch)] = Note(offset, duration, pitch)
        snapped[key] = sorted(notes.values(), key=lambda n: (n.offset, n.pitch))
    last_end = max((n.end for notes in snapped.values() for n in notes), default=0.0)
    measures = max(1, math.ceil(last_end / 4))

    parts = []
    for index, key in enumerate(keys):
        track, channel, program = key
        instrument = instrument_name(program, channel)
        part_name = names[track] or instrument
        if per_track[track] > 1 and names[track] and instrument:
            part_name = f"{names[track]} ({instrument})"
        elif per_track[track] > 1 and not instrument:
            part_name = f"{names[track] or 'Channel'} (channel {channel + 1})"
        notes = snapped[key]
        info = part_info(
            index,
            part_name,
            notes,
            is_drum=channel == DRUM_CHANNEL,
            instrument=instrument,
            program=program,
            channel=channel + 1,
            measures=measures,
        )
        parts.append(Part(info, tuple(notes)))
    return Music(name, sha256, _title(midi, names, ""), _tempo_bpm(midi), tuple(parts))
