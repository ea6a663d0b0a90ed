"""A user's bytes, checked before any parser sees them: their kind, their size, and counts
taken while walking them, never after building them.

* :func:`file_kind` — 'midi', 'musicxml' or 'zip', from the first bytes (and a zip's
  directory), never from the file's name.
* :func:`midi_census` — walks a MIDI file's chunks and events without building any object
  and stops at the first limit passed: tracks (:data:`MAX_MIDI_TRACKS`), events
  (:data:`MAX_MIDI_EVENTS`), notes (:data:`MAX_MIDI_NOTES`), length
  (:data:`MAX_MIDI_QUARTERS`). :func:`scan_midi` runs it, then mido on what passed.
* :func:`open_zip` and :func:`read_member` — a zip's entry count and central directory are
  read from its end record before :mod:`zipfile` lists anything (:data:`MAX_ZIP_ENTRIES`,
  :data:`MAX_ZIP_DIRECTORY_BYTES`); a member is refused when the directory says it is
  larger than asked, and inflated in blocks that stop at the cap whatever the directory
  says — a 1 MB file holding 1 GB is never inflated.

Every refusal is a one-line :class:`~jazzcore.errors.InputFileError` naming the limit.
The limits bound the work of the parsers that follow; the parsers themselves run in a
worker process with a time and memory budget (:mod:`jazzcore.sandbox`).
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

import mido

from .errors import InputFileError

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest music file accepted (bytes). A solo's MIDI is tens of KB; 5 MB is generous."""

MAX_MIDI_TRACKS = 256
"""Most tracks a MIDI file may declare (a big-band arrangement has a few dozen)."""
MAX_MIDI_EVENTS = 400_000
"""Most events (notes on and off, controllers, meta events …) a MIDI file may hold."""
MAX_MIDI_NOTES = 100_000
"""Most note-on events a MIDI file may hold (a whole symphony has about 50,000)."""
MAX_MIDI_QUARTERS = 50_000
"""Longest MIDI file accepted, in quarter notes (about 6 hours at 130 bpm)."""

MAX_PARTS = 256
"""Most parts a Music may hold (tracks × channels × programs of a MIDI file, or a score's
parts): more is refused, so that every later step stays quick."""

MAX_NAME_CHARS = 80
"""Longest part name or title kept (longer ones are cut): names are shown, not read."""

MIN_BPM, MAX_BPM = 10.0, 1000.0
"""Tempi a file may state (quarter notes per minute); another is read as 120."""

MAX_ZIP_ENTRIES = 1_000
"""Most entries (files and folders) a zip archive or .mxl file may list."""
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024
"""Largest central directory (the zip's list of entries) read, in bytes."""
_BLOCK = 1 << 16


# ---------------------------------------------------------------------------------------
# Zip archives: counted from their end record, inflated with a cap


def _end_record(data: bytes) -> tuple[int, int] | None:
    """(entries, central directory bytes) as a zip's end record states them (its ZIP64
    record when it has one), or None when there is no end record."""
    at = len(data) - 22
    if at < 0:
        return None
    if data[at : at + 4] != b"PK\x05\x06":  # a comment follows: search the last 64 KB
        at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535), len(data) - 21)
        if at < 0:
            return None
    _, _, _, _, entries, size, offset, _ = struct.unpack_from("<4sHHHHIIH", data, at)
    if entries == 0xFFFF or 0xFFFFFFFF in (size, offset):
        record = at - 20 - 56  # the ZIP64 end record sits before its locator
        if record < 0 or data[record : record + 4] != b"PK\x06\x06":
            return None
        entries, size = struct.unpack_from("<QQ", data, record + 32)
    return entries, size


def open_zip(data: bytes, label: str, max_entries: int = MAX_ZIP_ENTRIES) -> zipfile.ZipFile:
    """A ZipFile over ``data`` once its end record says it lists at most ``max_entries``
    entries in a central directory of at most MAX_ZIP_DIRECTORY_BYTES (checked before
    :mod:`zipfile` reads the directory). InputFileError otherwise, or if it is damaged."""
    end = _end_record(data)
    if end is None:
        raise InputFileError(f"{label} is not a readable zip archive: pack it again.")
    entries, size = end
    if entries > max_entries or size > MAX_ZIP_DIRECTORY_BYTES:
        raise InputFileError(
            f"{label} lists {entries} entries in a {size}-byte directory, more than the "
            f"{max_entries} entries accepted: refused unread."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # zipfile raises many types on damaged bytes; MemoryError cannot come
        raise InputFileError(f"{label} is not a readable zip archive: pack it again.") from None
    if len(archive.infolist()) > max_entries:  # a directory longer than its end record said
        archive.close()
        raise InputFileError(
            f"{label} lists more than the {max_entries} entries accepted: refused unread."
        )
    return archive


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo | str, cap: int, label: str):
    """The bytes of one member, at most ``cap`` of them: refused when the central directory
    says it is larger, and inflated block by block so that it stops at the cap whatever the
    directory says. InputFileError if it is too big, encrypted or damaged."""
    try:
        info = member if isinstance(member, zipfile.ZipInfo) else archive.getinfo(member)
    except KeyError:
        raise InputFileError(f"{label} has no entry {str(member)[:80]!r}.") from None
    name = info.filename[:80]
    if info.file_size > cap:
        raise InputFileError(
            f"{label}: {name} unpacks to {info.file_size} bytes, more than the {cap} accepted."
        )
    chunks, total = [], 0
    try:
        with archive.open(info) as stream:
            while block := stream.read(_BLOCK):
                total += len(block)
                if total > cap:
                    raise InputFileError(
                        f"{label}: {name} unpacks to more than the {cap} bytes accepted."
                    )
                chunks.append(block)
    except InputFileError:
        raise
    except Exception as error:  # BadZipFile, zlib.error, an encrypted or unknown method …
        raise InputFileError(
            f"{label}: {name} cannot be unpacked ({type(error).__name__}): pack it again."
        ) from None
    return b"".join(chunks)


def zip_names(data: bytes, label: str = "The archive") -> list[str]:
    """The entry names of a zip (after :func:`open_zip`'s checks)."""
    with open_zip(data, label) as archive:
        return archive.namelist()


# ---------------------------------------------------------------------------------------
# The kind of a file


def _is_mxl(data: bytes) -> bool:
    """True for a compressed MusicXML file (a zip holding META-INF/container.xml)."""
    try:
        return "META-INF/container.xml" in zip_names(data)
    except InputFileError:
        return False


def file_kind(data: bytes, name: str = "") -> str:
    """'midi', 'musicxml' or 'zip' (an archive of music files) from a file's first bytes
    (and, for a zip, its contents); InputFileError otherwise."""
    label = name or "The file"
    if not data:
        raise InputFileError(
            f"{label} is empty: choose a MIDI (.mid) or MusicXML (.xml, .mxl) file."
        )
    if data[:4] == b"MThd":
        return "midi"
    if data[:4] == b"PK\x03\x04":
        return "musicxml" if _is_mxl(data) else "zip"
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") and (
        b"<score-partwise" in data[:20000] or b"<score-timewise" in data[:20000]
    ):
        return "musicxml"
    raise InputFileError(
        f"{label} is neither MIDI nor MusicXML (it does not start like either): "
        "choose a .mid, .midi, .xml, .musicxml or .mxl file, or a .zip of them."
    )


def check_size(data: bytes, name: str = "") -> bytes:
    """``data`` if it is at most MAX_FILE_BYTES long, else InputFileError."""
    if len(data) > MAX_FILE_BYTES:
        raise InputFileError(
            f"{name or 'The file'} is {len(data) / 1e6:.1f} MB, more than the "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB accepted: cut it to the solo."
        )
    return data


# ---------------------------------------------------------------------------------------
# MIDI: counted while walking the bytes, then read by mido

_DATA_BYTES = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_SYSTEM_BYTES = {0xF1: 1, 0xF2: 2, 0xF3: 1}  # other system messages have no data byte


@dataclass(frozen=True)
class MidiCensus:
    """What walking a MIDI file found: tracks read, events, note-ons (velocity > 0), the
    longest track in ticks, and the ticks per quarter note its header states."""

    tracks: int
    events: int
    notes: int
    longest_ticks: int
    ticks_per_beat: int


def _too_many(label: str, limit: int, what: str, count: int | None = None) -> InputFileError:
    has = (
        f"has {count} {what}, more than the {limit}"
        if count
        else f"has more than the {limit} {what}"
    )
    return InputFileError(f"{label} {has} accepted: cut it to the solo.")


def midi_census(data: bytes, name: str = "") -> MidiCensus:
    """Walk a MIDI file's track chunks event by event, building nothing, and refuse it at
    the first limit it passes: more than MAX_MIDI_TRACKS tracks, MAX_MIDI_EVENTS events,
    MAX_MIDI_NOTES notes or MAX_MIDI_QUARTERS quarter notes in a track; an SMPTE time base
    or a type 2 file. Damage (a truncated event, a foreign chunk) only ends the walk: mido
    then says what is wrong. The work is one pass over at most MAX_FILE_BYTES."""
    label = name or "The MIDI file"
    if len(data) < 14 or data[:4] != b"MThd":
        raise InputFileError(f"{label} is not a readable MIDI file: it has no MIDI header.")
    header_size = int.from_bytes(data[4:8], "big")
    file_type, declared, division = struct.unpack_from(">HHH", data, 8)
    if file_type == 2:
        raise InputFileError(
            f"{label} is a type 2 MIDI file (independent patterns): save it as type 0 or 1."
        )
    if division & 0x8000:
        raise InputFileError(
            f"{label} counts time in SMPTE frames, not beats: save it with ticks per quarter."
        )
    if declared > MAX_MIDI_TRACKS:
        raise _too_many(label, MAX_MIDI_TRACKS, "tracks", declared)
    tpq = division or 480
    quarters_limit = MAX_MIDI_QUARTERS * tpq
    events = notes = longest = tracks = 0
    size = len(data)
    position = 8 + header_size
    while tracks < declared and position + 8 <= size and data[position : position + 4] == b"MTrk":
        end = min(position + 8 + int.from_bytes(data[position + 4 : position + 8], "big"), size)
        k, ticks, running = position + 8, 0, 0
        tracks += 1
        try:
            while k < end:
                byte = data[k]
                k += 1
                delta = byte & 0x7F
                while byte & 0x80:
                    byte = data[k]
                    k += 1
                    delta = (delta << 7) | (byte & 0x7F)
                ticks += delta
                status = data[k]
                if status & 0x80:
                    k += 1
                elif running:
                    status = running
                else:
                    break  # running status without a status before it: mido says so
                if status == 0xFF or status in (0xF0, 0xF7):
                    if status == 0xFF:
                        k += 1  # the meta event's type
                    length = 0
                    while True:
                        byte = data[k]
                        k += 1
                        length = (length << 7) | (byte & 0x7F)
                        if byte < 0x80:
                            break
                    k += length
                    if status != 0xFF:
                        running = status
                elif status >= 0xF0:
                    k += _SYSTEM_BYTES.get(status, 0)
                    running = status
                else:
                    high = status & 0xF0
                    if high == 0x90 and data[k + 1] > 0:
                        notes += 1
                        if notes > MAX_MIDI_NOTES:
                            raise _too_many(label, MAX_MIDI_NOTES, "notes")
                    k += _DATA_BYTES[high]
                    running = status
                events += 1
                if events > MAX_MIDI_EVENTS:
                    raise _too_many(label, MAX_MIDI_EVENTS, "events")
                if ticks > quarters_limit:
                    raise InputFileError(
                        f"{label} lasts more than the {MAX_MIDI_QUARTERS} quarter notes "
                        "accepted: cut it to the solo."
                    )
        except IndexError:
            pass  # a truncated event: mido reports the damage
        longest = max(longest, ticks)
        position = end
    return MidiCensus(tracks, events, notes, longest, tpq)


def scan_midi(data: bytes, name: str = "") -> mido.MidiFile:
    """Check a MIDI file with :func:`midi_census`, then read its events with mido.

    Data bytes out of 0 … 127 are clipped (mido's ``clip=True``), as most players do.
    Returns the file as mido read it; InputFileError if it is refused, empty of notes or
    unreadable (whatever mido raises: a key signature out of range, a truncated track …).
    """
    label = name or "The MIDI file"
    midi_census(data, name)
    try:
        midi = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except MemoryError:
        raise
    except Exception as exc:  # mido raises OSError, EOFError, KeySignatureError, ValueError …
        raise InputFileError(
            f"{label} is not a readable MIDI file ({type(exc).__name__}: {str(exc)[:80]}): "
            "it may be truncated or corrupt; export it again from your editor."
        ) from None
    if not any(m.type == "note_on" and m.velocity > 0 for track in midi.tracks for m in track):
        raise InputFileError(f"{label} has no notes: choose a MIDI file with a melody in it.")
    return midi


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_MIDI_TRACKS",
    "MAX_MIDI_EVENTS",
    "MAX_MIDI_NOTES",
    "MAX_MIDI_QUARTERS",
    "MAX_ZIP_ENTRIES",
    "MAX_PARTS",
    "MAX_NAME_CHARS",
    "MIN_BPM",
    "MAX_BPM",
    "MAX_ZIP_DIRECTORY_BYTES",
    "MidiCensus",
    "check_size",
    "file_kind",
    "midi_census",
    "open_zip",
    "read_member",
    "scan_midi",
    "zip_names",
]
