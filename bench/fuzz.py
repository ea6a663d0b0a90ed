"""Fuzz: mutated and crafted music and model files, loaded the way the app loads uploads.

Each case is loaded as the app loads it. A music file is kept in the store
(``sources.store_file``, what the upload helper does), its parts are listed and its corpus
read (``readers.list_parts``, ``dataset.load_corpus``: parsed in the sandbox). A model file
is loaded with ``persist.load_model``, and when it loads it is sampled and played over a
progression (``generate_music``), as the Generate page would. Each case is sorted into a
jazzcore error (a one-line message: what the app shows), a success, or another exception
(a bug); and counted apart when it took over 10 s of wall clock, over 1 GB of peak memory
(the larger of this process's resident memory, sampled every 2 ms, and the parser
process's peak), gave a message longer than MAX_MESSAGE_CHARS or on several lines, made
the reader crash (an unexpected exception the sandbox turned into an error), or ran code
from a planted pickle.

Cases, deterministic by --seed:

* mutations of seed files built here (MIDI type 0 and 1 with metas, a MusicXML lead sheet,
  its .mxl, a trained model, the course's Metheny file when it is at hand): bit flips,
  boundary bytes, truncations, insertions, duplicated spans, zeroed spans; inside the
  container for XML and models (an element's value, an .npy header, the JSON header)
  re-packed so that they pass the zip layer;
* the crafted cases of issue 12, built here: .mxl zip bombs (1 GB of whitespace, and one
  whose directory lies about the size), a planted music21 cache pickle, ``<beats>100000``,
  ``<alter>nan``, deep and entity-laden XML, 50,000 notes, 2,000 tracks × 100 notes,
  ticks per beat 1 with 49,000 notes, 12,000 varied durations, a flipped key signature;
  models: pickles, object arrays, a Keras Lambda, .npy headers claiming (10⁷, 10⁷), a JSON
  header nested 100,000 deep, 2 M history entries, a 600,000-entry zip, a 240 MB bomb,
  an empty vocabulary, a source naming /etc/passwd …

Run: .venv/bin/python bench/fuzz.py [--seed 0] [--count 1100] [--quick] [--out table.md]
Targets (issue 12): 0 other exceptions, 0 loads over 10 s, 0 over 1 GB, no code run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pickle
import random
import re
import struct
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import mido  # noqa: E402
import numpy as np  # noqa: E402

from jazzcore import dataset, persist, readers, sandbox, sources  # noqa: E402
from jazzcore.errors import MAX_MESSAGE_CHARS, JazzcoreError  # noqa: E402

SLOW_SECONDS = 10.0
BIG_BYTES = 1 << 30
METHENY = Path(
    os.environ.get("JAZZCORE_METHENY", ROOT.parent / "shared" / "data" / "original_metheny.mid")
)


@dataclass
class Case:
    """kind: 'midi', 'musicxml', 'mxl' or 'model'; group: 'mutated' or 'crafted'; data: the
    bytes, or a function making them (big cases are built just before they load)."""

    kind: str
    group: str
    name: str
    data: bytes | object
    planted: bool = False

    def bytes(self) -> bytes:
        return self.data() if callable(self.data) else self.data


@dataclass
class Result:
    case: Case
    outcome: str  # 'jazzcore error', 'success', 'other exception'
    seconds: float
    peak_bytes: int  # the larger of this process's and the parser process's
    parser_peak: int | None = None  # the parser process's (None: no parse, or it was killed)
    message: str = ""
    reader_crash: bool = False
    code_ran: bool = False
    flags: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Seed files


def _midi(tracks, *, file_type=1, tpq=480) -> bytes:
    """tracks: (name, [(channel, program, [(start, length, pitches)])]), in quarters; a
    conductor track (title, tempo, time and key signatures) first, or all in one (type 0)."""
    metas = [
        mido.MetaMessage("track_name", name="Fuzz Tune"),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140)),
        mido.MetaMessage("time_signature", numerator=4, denominator=4),
        mido.MetaMessage("key_signature", key="Bb"),
    ]
    played = []
    for name, voices in tracks:
        events = []
        for channel, program, notes in voices:
            if program is not None:
                events.append(
                    (0, 0, mido.Message("program_change", channel=channel, program=program))
                )
            for start, length, pitches in notes:
                for pitch in pitches if isinstance(pitches, tuple) else (pitches,):
                    on, off = round(start * tpq), round((start + length) * tpq)
                    events.append(
                        (on, 2, mido.Message("note_on", channel=channel, note=pitch, velocity=80))
                    )
                    events.append((off, 1, mido.Message("note_off", channel=channel, note=pitch)))
        played.append((name, sorted(events, key=lambda e: (e[0], e[1]))))

    def track(head, events):
        result, tick = mido.MidiTrack(head), 0
        for at, _, message in events:
            result.append(message.copy(time=at - tick))
            tick = at
        return result

    midi = mido.MidiFile(type=file_type, ticks_per_beat=tpq)
    if file_type == 0:
        midi.tracks.append(
            track(metas, sorted((e for _, ev in played for e in ev), key=lambda e: (e[0], e[1])))
        )
    else:
        midi.tracks.append(mido.MidiTrack(metas))
        for name, events in played:
            midi.tracks.append(track([mido.MetaMessage("track_name", name=name)], events))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


CHANGES = [
    (50, (53, 57, 60, 64)),
    (43, (53, 57, 59, 64)),
    (48, (52, 55, 59, 62)),
    (45, (55, 58, 61, 64)),
]


def trio(bars: int = 8, file_type: int = 1) -> bytes:
    melody, piano, bass, drums = [], [], [], []
    for bar in range(bars):
        root, voicing = CHANGES[bar % 4]
        melody += [(4.0 * bar + 0.5 * k, 0.5, voicing[k % 4] + 12 - (k // 4) * 2) for k in range(8)]
        piano += [(4.0 * bar, 1.5, voicing), (4.0 * bar + 2.5, 1.0, voicing)]
        bass += [(4.0 * bar + k, 1.0, root - 12 + (0, 4, 7, 5)[k]) for k in range(4)]
        drums += [(4.0 * bar + k, 0.5, 42) for k in range(4)]
    tracks = [
        ("Trumpet", [(0, 56, melody)]),
        ("Piano", [(1, 0, piano)]),
        ("Bass", [(2, 32, bass)]),
        ("Drums", [(9, None, drums)]),
    ]
    return _midi(tracks, file_type=file_type)


def lead_sheet(
    measures: int = 16, notes_per_measure: int = 8, *, beats: str = "4", alter=None, parts: int = 1
) -> bytes:
    """A MusicXML lead sheet: chord symbols, eighths with a tie, a triplet, a pickup."""
    kinds = ["minor-seventh", "dominant", "major-seventh", "dominant"]
    roots = ["D", "G", "C", "A"]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 3.1 Partwise//EN" '
        '"http://www.musicxml.org/dtds/partwise.dtd">',
        '<score-partwise version="3.1"><work><work-title>Fuzz Standard</work-title></work>',
        "<part-list>",
    ]
    out += [
        f'<score-part id="P{p}"><part-name>Part {p}</part-name></score-part>' for p in range(parts)
    ]
    out.append("</part-list>")
    for p in range(parts):
        out.append(f'<part id="P{p}">')
        for m in range(measures):
            out.append(f'<measure number="{m + 1}">')
            if m == 0:
                out.append(
                    "<attributes><divisions>6</divisions><key><fifths>-1</fifths></key>"
                    f"<time><beats>{beats}</beats><beat-type>4</beat-type></time>"
                    "<clef><sign>G</sign><line>2</line></clef></attributes>"
                    '<direction><sound tempo="132"/></direction>'
                )
            out.append(
                f"<harmony><root><root-step>{roots[m % 4]}</root-step></root>"
                f"<kind>{kinds[m % 4]}</kind></harmony>"
            )
            for k in range(notes_per_measure):
                step = "CDEFGAB"[(m * 3 + k) % 7]
                extra = (
                    f"<alter>{alter}</alter>"
                    if alter is not None and k == 0
                    else ("<alter>-1</alter>" if step == "B" else "")
                )
                tie = '<tie type="start"/>' if k == notes_per_measure - 1 and m % 2 == 0 else ""
                if m % 4 == 3 and k < 3:  # a triplet of eighths
                    out.append(
                        f"<note><pitch><step>{step}</step>{extra}<octave>5</octave></pitch>"
                        "<duration>2</duration><type>eighth</type><time-modification>"
                        "<actual-notes>3</actual-notes><normal-notes>2</normal-notes>"
                        "</time-modification></note>"
                    )
                elif m % 4 == 3 and k == 3:
                    out.append("<note><rest/><duration>3</duration><type>eighth</type></note>")
                else:
                    out.append(
                        f"<note><pitch><step>{step}</step>{extra}<octave>4</octave></pitch>"
                        f"<duration>3</duration>{tie}<type>eighth</type></note>"
                    )
            out.append("</measure>")
        out.append("</part>")
    out.append("</score-partwise>")
    return "\n".join(out).encode()


def mxl(xml: bytes, container: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "META-INF/container.xml",
            container
            or b'<?xml version="1.0"?><container><rootfiles><rootfile full-path="score.xml"/>'
            b"</rootfiles></container>",
        )
        archive.writestr("score.xml", xml)
    return buffer.getvalue()


def trained_model() -> bytes:
    """A small model trained here on the trio (a few epochs: its bytes are what matter)."""
    from jazzcore.model import TrainConfig
    from jazzcore.training import train

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trio.mid"
        path.write_bytes(trio(16))
        corpus = dataset.load_corpus(path)
    X, Y = corpus.xy(m=20, Tx=12)
    model = train(X, Y, corpus.vocabulary, TrainConfig(n_a=12, epochs=3), source=corpus.source)
    return persist.model_bytes(model)


def seeds(include_metheny: bool = True) -> dict[str, list[bytes]]:
    found = {
        "midi": [trio(8), trio(4, file_type=0)],
        "musicxml": [lead_sheet(8), lead_sheet(4, parts=2)],
        "model": [seeds_model()],
    }
    found["mxl"] = [mxl(data) for data in found["musicxml"]]
    if include_metheny and METHENY.is_file():
        found["midi"].append(METHENY.read_bytes())
    return found


# ---------------------------------------------------------------------------------------
# Mutations

INTERESTING = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]
XML_VALUES = [
    "0",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "99999999",
    "",
    "x",
    "3.5",
    "-0",
    "100000",
    "1/0",
]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _boundary(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] = rng.choice(INTERESTING)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    span = data[start : start + rng.randint(1, 4096)]
    at = rng.randrange(len(data))
    return data[:at] + span * rng.randint(1, 8) + data[at:]


def _zero(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 256))
    return data[:start] + bytes(end - start) + data[end:]


BYTE_MUTATIONS = [_flip, _boundary, _truncate, _insert, _duplicate, _zero]
_ELEMENT = re.compile(rb"<([a-z-]+)>([^<>]{1,24})</\1>")


def _xml_value(data: bytes, rng: random.Random) -> bytes:
    """An element's value replaced by a boundary value ('nan', '1e308', '' …)."""
    found = list(_ELEMENT.finditer(data))
    if not found:
        return _flip(data, rng)
    out = data
    for match in sorted(
        rng.sample(found, min(len(found), rng.randint(1, 3))), key=lambda m: -m.start()
    ):
        out = out[: match.start(2)] + rng.choice(XML_VALUES).encode() + out[match.end(2) :]
    return out


def mutate(kind: str, data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(how, mutated bytes) of a seed of a kind."""
    if kind == "musicxml" and rng.random() < 0.5:
        return "value", _xml_value(data, rng)
    if kind == "mxl" and rng.random() < 0.6:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("score.xml")
        how, inner = mutate("musicxml", xml, rng)
        return f"inner {how}", mxl(inner)
    if kind == "model" and rng.random() < 0.6:
        return _mutate_model_entry(data, rng)
    operation = rng.choice(BYTE_MUTATIONS)
    return operation.__name__[1:], operation(data, rng)


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def npz(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def header_of(data: bytes) -> dict:
    return json.loads(str(np.load(io.BytesIO(_entries(data)["header.npy"]))[()]))


def with_header(data: bytes, header_text: str) -> bytes:
    entries = _entries(data)
    entries["header.npy"] = npy(np.array(header_text))
    return npz(entries)


def _mutate_model_entry(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    entries = _entries(data)
    name = rng.choice(sorted(entries))
    if name == "header.npy" and rng.random() < 0.7:
        text = json.dumps(header_of(data))
        numbers = list(re.finditer(r"-?\d+(\.\d+)?(e-?\d+)?", text))
        if numbers and rng.random() < 0.5:
            match = rng.choice(numbers)
            value = rng.choice(
                ["0", "-1", "1e308", "NaN", "Infinity", "99999999", "[]", "{}", '"x"', "null"]
            )
            text = text[: match.start()] + value + text[match.end() :]
            how = "header value"
        else:
            raw = bytearray(text.encode())
            for _ in range(rng.randint(1, 4)):
                raw[rng.randrange(len(raw))] = rng.randrange(32, 127)
            text = raw.decode("ascii", "replace")
            how = "header text"
        return how, with_header(data, text)
    entry = bytearray(entries[name])
    if rng.random() < 0.5:  # the .npy header (magic, length, dict)
        for _ in range(rng.randint(1, 3)):
            entry[rng.randrange(min(len(entry), 128))] = rng.randrange(256)
        how = f"npy header of {name}"
    else:
        for _ in range(rng.randint(1, 8)):
            entry[rng.randrange(len(entry))] ^= 1 << rng.randrange(8)
        how = f"data of {name}"
    entries[name] = bytes(entry)
    return how, npz(entries)


def mutated_cases(
    seed: int, count: int, shares: dict[str, float] | None = None, include_metheny: bool = True
) -> list[Case]:
    rng = random.Random(seed)
    found = seeds(include_metheny)
    shares = shares or {"midi": 0.36, "musicxml": 0.22, "mxl": 0.14, "model": 0.28}
    cases = []
    for kind, share in shares.items():
        for k in range(round(count * share)):
            pool = found[kind]
            # the Metheny file (13,000 notes) is a tenth of the MIDI seeds' turns
            index = (
                rng.randrange(len(pool) - 1)
                if kind == "midi" and len(pool) > 2 and rng.random() > 0.1
                else rng.randrange(len(pool))
            )
            how, data = mutate(kind, pool[index], rng)
            cases.append(Case(kind, "mutated", f"{kind} seed {index} {how} #{k}", data))
    return cases


# ---------------------------------------------------------------------------------------
# Crafted cases (issue 12's list)


class _Exec:
    """Pickles as builtins.exec(code): what a hostile pickle would run."""

    def __init__(self, code: str):
        self.code = code

    def __reduce__(self):
        return (exec, (self.code,))


def trap_pickle(marker: Path) -> bytes:
    return pickle.dumps(_Exec(f"open({str(marker)!r}, 'w').write('ran')"))


def notes_midi(
    n: int, *, tracks: int = 1, tpq: int = 480, step=None, varied: bool = False, chords: bool = True
) -> bytes:
    rng = random.Random(n)
    midi = mido.MidiFile(type=1, ticks_per_beat=tpq)
    per = n // tracks
    for t in range(tracks):
        track = mido.MidiTrack()
        midi.tracks.append(track)
        channel = t % 16
        if channel == 9:
            channel = 10
        for k in range(per):
            pitch = 60 + (k * 7 + t) % 24
            length = rng.randint(1, 5 * tpq) if varied else (step or max(1, tpq // 2))
            track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=80, time=0))
            track.append(mido.Message("note_off", channel=channel, note=pitch, time=length))
    if chords:
        track = mido.MidiTrack()
        midi.tracks.append(track)
        for k in range(max(1, n // 16)):
            for pitch in (48, 52, 55):
                track.append(
                    mido.Message("note_on", channel=1, note=pitch + k % 5, velocity=60, time=0)
                )
            for i, pitch in enumerate((48, 52, 55)):
                track.append(
                    mido.Message(
                        "note_off",
                        channel=1,
                        note=pitch + k % 5,
                        time=8 * max(1, tpq // 2) if i == 0 else 0,
                    )
                )
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def raw_midi(notes_per_track: int, tracks: int = 1) -> bytes:
    """A type 1 MIDI file written byte by byte (a thousand times faster than mido): each
    track plays ``notes_per_track`` eighth notes on its own channel (never 10)."""
    body = []
    for t in range(tracks):
        channel = t % 15 + (t % 15 >= 9)
        notes = [
            bytes(
                [
                    0x00,
                    0x90 | channel,
                    60 + k % 24,
                    0x50,
                    0x81,
                    0x70,
                    0x80 | channel,
                    60 + k % 24,
                    0x00,
                ]
            )
            for k in range(24)
        ]
        cycle = b"".join(notes)
        track = cycle * (notes_per_track // 24) + b"".join(notes[: notes_per_track % 24])
        track += b"\x00\xff\x2f\x00"
        body.append(b"MTrk" + struct.pack(">I", len(track)) + track)
    return b"MThd" + struct.pack(">IHHH", 6, 1, tracks, 480) + b"".join(body)


def _flipped_key_signature() -> bytes:
    data = bytearray(trio(4))
    at = data.index(b"\xff\x59\x02")  # key signature: sharps/flats, major/minor
    data[at + 3] ^= 0x40  # one bit: -2 flats becomes 62 sharps (mido: KeySignatureError)
    return bytes(data)


def _zero_tempo() -> bytes:
    data = bytearray(trio(4))
    at = data.index(b"\xff\x51\x03")
    data[at + 3 : at + 6] = b"\x00\x00\x00"
    return bytes(data)


def _many_programs() -> bytes:
    """A note per program change on every channel of 200 tracks: parts explode."""
    midi = mido.MidiFile(type=1)
    for t in range(200):
        track = mido.MidiTrack()
        midi.tracks.append(track)
        for k in range(60):
            channel = k % 16
            track.append(mido.Message("program_change", channel=channel, program=(t + k) % 128))
            track.append(mido.Message("note_on", channel=channel, note=60 + k % 12, velocity=80))
            track.append(mido.Message("note_off", channel=channel, note=60 + k % 12, time=120))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _with_track(data: bytes, track: bytes) -> bytes:
    """A MIDI file with one more track (its header's track count raised)."""
    header = bytearray(data[:14])
    header[10:12] = struct.pack(">H", struct.unpack(">H", data[10:12])[0] + 1)
    return bytes(header) + data[14:] + b"MTrk" + struct.pack(">I", len(track)) + track


def _controllers() -> bytes:
    """400,000 controller events and one note: events, not notes, are the work."""
    body = b"\x00\xb0\x07\x40" * 400_001
    return _with_track(trio(1), b"\x00\x90\x3c\x50" + body + b"\x10\x80\x3c\x00\x00\xff\x2f\x00")


def _long_name() -> bytes:
    name = b"\x00\xff\x03\x83\xff\x7f" + b"N" * 65535  # a track name of 64 KB
    return _with_track(trio(2), name + b"\x00\x90\x3c\x50\x60\x80\x3c\x00\x00\xff\x2f\x00")


def _xml_notes(n: int, **kw) -> bytes:
    return lead_sheet(max(1, n // 8), 8, **kw)


def _compact_notes(n: int) -> bytes:
    """n quarter notes in 4/4, as tersely as MusicXML allows (50,000 fit in 5 MB)."""
    note = "<note><pitch><step>{}</step><octave>4</octave></pitch><duration>1</duration></note>"
    measures = "".join(
        f'<measure number="{m + 1}">'
        + "".join(note.format("CDEFGAB"[(m + k) % 7]) for k in range(4))
        + "</measure>"
        for m in range(n // 4)
    )
    return (
        '<?xml version="1.0"?><score-partwise><part-list><score-part id="P1"><part-name>x'
        '</part-name></score-part></part-list><part id="P1">'
        + measures
        + "</part></score-partwise>"
    ).encode()


def _varied_durations() -> bytes:
    rng = random.Random(12)
    notes = "".join(
        f"<note><pitch><step>{'CDEFGAB'[k % 7]}</step><octave>4</octave></pitch>"
        f"<duration>{rng.randint(1, 10006)}</duration></note>"
        for k in range(9_500)
    )
    return (
        '<?xml version="1.0"?><score-partwise><part-list><score-part id="P1"><part-name>x'
        '</part-name></score-part></part-list><part id="P1"><measure number="1"><attributes>'
        f"<divisions>10007</divisions></attributes>{notes}</measure></part></score-partwise>"
    ).encode()


def _deep_xml() -> bytes:
    return (
        b'<?xml version="1.0"?><score-partwise>'
        + b"<a>" * 100_000
        + b"</a>" * 100_000
        + b"</score-partwise>"
    )


def _laughs() -> bytes:
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{k} "{f"&a{k - 1};" * 10}">' for k in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE s [{entities}]><score-partwise>&a9;</score-partwise>'.encode()


def _external_entity() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<score-partwise><work><work-title>&x;</work-title></work></score-partwise>"
    )


def zip_bomb(size: int = 1 << 30) -> bytes:
    """An .mxl whose score.xml is ``size`` bytes of spaces (about 1 MB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "META-INF/container.xml",
            b'<container><rootfiles><rootfile full-path="score.xml"/></rootfiles></container>',
        )
        with archive.open("score.xml", "w", force_zip64=True) as member:
            member.write(lead_sheet(2)[:-20])
            block = b" " * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)
            member.write(b"</score-partwise>")
    return buffer.getvalue()


def lying_bomb() -> bytes:
    """A zip bomb whose directory says its score unpacks to 4 KB."""
    data = bytearray(zip_bomb(256 << 20))
    at = data.rindex(b"PK\x01\x02", 0, data.rindex(b"PK\x05\x06"))
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == b"score.xml":
            extra = struct.unpack_from("<H", data, at + 30)[0]
            struct.pack_into("<I", data, at + 24, 4096)  # uncompressed size
            if struct.unpack_from("<I", data, at + 20)[0] == 0xFFFFFFFF or extra:
                # ZIP64 extra field: the sizes are there
                x = at + 46 + name_length
                end = x + extra
                while x + 4 <= end:
                    tag, length = struct.unpack_from("<HH", data, x)
                    if tag == 1:
                        struct.pack_into("<Q", data, x + 4, 4096)
                    x += 4 + length
            break
        at = data.rfind(b"PK\x01\x02", 0, at)
    return bytes(data)


def many_entries(count: int = 600_000) -> bytes:
    """A zip of ``count`` empty entries, built record by record (zipfile would take minutes)."""
    local, central, offset = [], [], 0
    for k in range(count):
        name = f"{k}.npy".encode()
        head = (
            struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0)
            + name
        )
        central.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
        local.append(head)
        offset += len(head)
    directory = b"".join(central)
    zip64 = offset + len(directory)
    record = struct.pack(
        "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset
    )
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, zip64, 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return b"".join(local) + directory + record + locator + end


def _npy_claiming(shape, dtype="<f4") -> bytes:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    text = repr(header).encode()
    text += b" " * (63 - (len(text) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + bytes(64)


def model_cases(model: bytes, work: Path) -> list[Case]:
    header = header_of(model)
    entries = _entries(model)
    cases = []

    def add(name, data, planted=False):
        cases.append(Case("model", "crafted", name, data, planted=planted))

    add("model: a pickle that runs code", trap_pickle(work / "ran-pickle"), planted=True)
    add(
        "model: an .npz with a pickled object array",
        npz(
            {
                **entries,
                "kernel.npy": npy(
                    np.array([_Exec(f"open({str(work / 'ran-npz')!r}, 'w')")], dtype=object)
                ),
            }
        ),
        planted=True,
    )
    keras = io.BytesIO()
    with zipfile.ZipFile(keras, "w") as archive:
        archive.writestr(
            "config.json", json.dumps({"class_name": "Lambda", "config": {"function": "exec('x')"}})
        )
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    add("model: a Keras archive with a Lambda", keras.getvalue())
    add(
        "model: kernel .npy header claiming (10^7, 10^7)",
        npz({**entries, "kernel.npy": _npy_claiming((10**7, 10**7))}),
    )
    add(
        "model: .npy header with a negative shape",
        npz({**entries, "bias.npy": _npy_claiming((-5,))}),
    )
    add(
        "model: header .npy claiming 400 MB of text",
        npz({**entries, "header.npy": _npy_claiming((), "<U100000000")}),
    )
    add("model: JSON header nested 100,000 deep", with_header(model, "[" * 100_000 + "]" * 100_000))
    add(
        "model: 2 M history entries",
        lambda: with_header(
            model,
            json.dumps(
                {**header, "history": [{"epoch": k, "loss": 1.0} for k in range(2_000_000)]}
            ),
        ),
    )
    add("model: a 600,000-entry zip", lambda: many_entries(600_000))
    add(
        "model: empty vocabulary",
        with_header(model, json.dumps({**header, "vocabulary": {"tokens": [], "counts": []}})),
    )
    bad_tokens = {
        "tokens": ["x"] * 1 + header["vocabulary"]["tokens"][1:],
        "counts": header["vocabulary"]["counts"],
    }
    add(
        "model: a value that is no grammar value",
        with_header(model, json.dumps({**header, "vocabulary": bad_tokens})),
    )
    long_token = {
        "tokens": ["C," + "9" * 300] + header["vocabulary"]["tokens"][1:],
        "counts": header["vocabulary"]["counts"],
    }
    add(
        "model: a value lasting 10^300 quarters",
        with_header(model, json.dumps({**header, "vocabulary": long_token})),
    )
    add(
        "model: source naming /etc/passwd",
        with_header(model, json.dumps({**header, "source": "/etc/passwd"})),
    )
    add("model: n_a = 10^9", with_header(model, json.dumps({**header, "n_a": 10**9})))
    add(
        "model: epochs = 1e308 in config",
        with_header(model, json.dumps({**header, "config": {**header["config"], "epochs": 1e308}})),
    )

    def bomb():  # all zeros, consistent with its header: 12,000 values, n_a = 1024, 245 MB
        tokens = [f"C,{k / 1000 + 0.001:.3f}" for k in range(12_000)]
        big = {**header, "n_a": 1024, "vocabulary": {"tokens": tokens, "counts": [1] * len(tokens)}}
        shapes = persist.LSTMWeights.shapes(len(tokens), 1024)
        arrays = {
            name: np.zeros(shape, np.float32)
            for name, shape in zip(persist.WEIGHT_NAMES, shapes, strict=True)
        }
        buffer = io.BytesIO()
        np.savez_compressed(buffer, header=np.array(json.dumps(big)), **arrays)
        return buffer.getvalue()

    add("model: 245 MB of zeros packed in 0.3 MB", bomb)
    inflated = dict(entries)
    inflated["kernel.npy"] = entries["kernel.npy"] + bytes(240 << 20)
    add("model: a kernel entry padded to 240 MB", lambda: npz(inflated))
    return cases


def planted_cache_cases(work: Path) -> list[Case]:
    """Uploads whose music21 parse cache (``<tmp>/music21/m21-…-<md5(path)>.p.gz``) holds a
    pickle that would write a marker file: loaded as the app loads them, no code may run."""
    cases = []
    for kind, data, suffix in (
        ("mxl", mxl(lead_sheet(4)), ".mxl"),
        ("musicxml", lead_sheet(3), ".musicxml"),
        ("midi", trio(3), ".mid"),
    ):
        marker = work / f"ran-cache-{suffix[1:]}"

        def plant(data=data, marker=marker):
            from music21 import converter, environment

            path = sources.store_dir() / sources.store_name(data)
            pickle_path = converter.PickleFilter(path).getPickleFp(
                environment.Environment().getRootTempDir(), zipType="gz"
            )
            pickle_path.parent.mkdir(parents=True, exist_ok=True)
            pickle_path.write_bytes(zlib.compress(trap_pickle(marker)))
            future = time.time() + 3600  # newer than the upload: music21 would trust it
            os.utime(pickle_path, (future, future))
            return data

        cases.append(
            Case(kind, "crafted", f"{kind}: planted music21 cache pickle", plant, planted=True)
        )
    return cases


def crafted_cases(work: Path, model: bytes, *, heavy: bool = True) -> list[Case]:
    cases = planted_cache_cases(work)

    def add(kind, name, data):
        cases.append(Case(kind, "crafted", name, data))

    add("midi", "midi: a flipped key signature (mido KeySignatureError)", _flipped_key_signature())
    add("midi", "midi: tempo 0", _zero_tempo())
    add("midi", "midi: SMPTE time division", trio(2)[:12] + b"\xe7\x28" + trio(2)[14:])
    add("midi", "midi: type 2", trio(2)[:8] + b"\x00\x02" + trio(2)[10:])
    add("midi", "midi: a track name of 64 KB", _long_name())
    add("musicxml", "musicxml: <beats>100000</beats>", lead_sheet(40, beats="100000"))
    add("musicxml", "musicxml: <alter>nan</alter>", lead_sheet(4, alter="nan"))
    add("musicxml", "musicxml: nested 100,000 deep", _deep_xml())
    add("musicxml", "musicxml: billion laughs", _laughs())
    add("musicxml", "musicxml: external entity /etc/passwd", _external_entity())
    add(
        "musicxml",
        "musicxml: divisions 0",
        lead_sheet(2).replace(b"<divisions>6</divisions>", b"<divisions>0</divisions>"),
    )
    cases += model_cases(model, work)
    if heavy:
        add("mxl", "mxl: zip bomb, 1 GB of whitespace in 1 MB", zip_bomb)
        add("mxl", "mxl: zip bomb whose directory says 4 KB", lying_bomb)
        add("midi", "midi: 50,000 notes", lambda: notes_midi(50_000))
        add("midi", "midi: 100,000 notes (the most accepted)", lambda: notes_midi(84_000))
        add("midi", "midi: 100,001+ notes", lambda: notes_midi(104_000))
        add(
            "midi",
            "midi: 2,000 tracks x 100 notes",
            lambda: notes_midi(200_000, tracks=2_000, chords=False),
        )
        add(
            "midi",
            "midi: 256 tracks x 390 notes",
            lambda: notes_midi(99_840, tracks=256, chords=False),
        )
        add(
            "midi",
            "midi: ticks per beat 1, 49,000 notes",
            lambda: notes_midi(49_000, tpq=1, step=1),
        )
        add("midi", "midi: 12,000 varied durations", lambda: notes_midi(12_000, varied=True))
        add("midi", "midi: 400,000 controller events", _controllers)
        add("midi", "midi: a part per note (programs x channels x tracks)", _many_programs)
        add("musicxml", "musicxml: 50,000 notes", lambda: _compact_notes(50_000))
        add("musicxml", "musicxml: 10,000 notes (the most accepted)", lambda: _xml_notes(10_000))
        add("musicxml", "musicxml: 9,500 varied durations (divisions 10007)", _varied_durations)
        add("musicxml", "musicxml: 128 parts", lambda: lead_sheet(8, parts=128))
    return cases


# ---------------------------------------------------------------------------------------
# Loading, as the app loads


def _load_music(case: Case, data: bytes) -> str:
    suffix = {"midi": ".mid", "musicxml": ".musicxml", "mxl": ".mxl"}[case.kind]
    path = sources.store_file(data, f"upload{suffix}")  # the app's upload helper
    infos = readers.list_parts(path)  # the part pickers
    corpus = dataset.load_corpus(path)  # the corpus the pages train on
    return f"{len(infos)} parts, {len(corpus.values)} values"


def _load_model(case: Case, data: bytes) -> str:
    from jazzcore.generate import generate_music

    model = persist.load_model(data)
    model.sample(16, temperature=1.0, seed=0)
    _, report = generate_music(model, progression="Dm7 G7 | Cmaj7", seed=0, return_stream=False)
    return f"{model.n_values} values, {len(report.melody)} sounds"


class _Peak:
    """The process's resident memory, sampled every 2 ms while in a ``with`` block."""

    def __enter__(self):
        import psutil

        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.002)

    def __exit__(self, *_):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def load(case: Case, work: Path) -> Result:
    data = case.bytes()
    dataset.clear_corpus_cache()
    before = sandbox.last_stats()
    message, outcome = "", "success"
    start = time.perf_counter()
    with _Peak() as peak:
        try:
            message = (_load_model if case.kind == "model" else _load_music)(case, data)
        except JazzcoreError as error:
            outcome, message = "jazzcore error", str(error)
        except Exception as error:  # the bugs this harness is for
            outcome, message = "other exception", f"{type(error).__name__}: {str(error)[:300]}"
    seconds = time.perf_counter() - start
    del data
    stats = sandbox.last_stats()
    child = stats.peak_rss_bytes if stats is not None and stats is not before else None
    result = Result(
        case,
        outcome,
        seconds,
        max(peak.peak, child or 0),
        child,
        message,
        reader_crash=stats is not None and stats is not before and stats.outcome == "crash",
    )
    if outcome == "jazzcore error" and ("\n" in message or len(message) > MAX_MESSAGE_CHARS):
        result.flags.append("long message")
    if case.planted:
        ran = [p for p in work.glob("ran-*")]
        result.code_ran = bool(ran)
        for p in ran:
            p.unlink()
    return result


def cases(seed: int = 0, count: int = 1100, *, work: Path, heavy: bool = True) -> list[Case]:
    """The run's cases: the crafted ones, then ``count`` mutations (deterministic by seed)."""
    return crafted_cases(work, seeds_model(), heavy=heavy) + mutated_cases(seed, count)


_MODEL: list[bytes] = []


def seeds_model() -> bytes:
    if not _MODEL:
        _MODEL.append(trained_model())
    return _MODEL[0]


def run(all_cases: list[Case], work: Path, *, progress=None) -> list[Result]:
    results = []
    for k, case in enumerate(all_cases):
        results.append(load(case, work))
        if progress is not None:
            progress(k, results[-1])
    return results


# ---------------------------------------------------------------------------------------
# The report


def summary(results: list[Result]) -> dict[str, int]:
    return {
        "files": len(results),
        "jazzcore error": sum(r.outcome == "jazzcore error" for r in results),
        "success": sum(r.outcome == "success" for r in results),
        "other exception": sum(r.outcome == "other exception" for r in results),
        "over 10 s": sum(r.seconds > SLOW_SECONDS for r in results),
        "over 1 GB": sum(r.peak_bytes > BIG_BYTES for r in results),
        "reader crash": sum(r.reader_crash for r in results),
        "long message": sum("long message" in r.flags for r in results),
        "code ran": sum(r.code_ran for r in results),
    }


def table(results: list[Result]) -> str:
    columns = [
        "files",
        "jazzcore error",
        "success",
        "other exception",
        "over 10 s",
        "over 1 GB",
        "reader crash",
        "code ran",
    ]
    lines = [
        "| kind | " + " | ".join(columns) + " | slowest | peak memory | parser's peak |",
        "|---|" + "---:|" * (len(columns) + 3),
    ]
    groups = [
        (f"{kind} ({group})", [r for r in results if r.case.kind == kind and r.case.group == group])
        for group in ("mutated", "crafted")
        for kind in ("midi", "musicxml", "mxl", "model")
    ]
    groups.append(("**all**", results))
    for label, rows in groups:
        if not rows:
            continue
        counts = summary(rows)
        slowest = max(r.seconds for r in rows)
        peak = max(r.peak_bytes for r in rows)
        parser = max((r.parser_peak or 0) for r in rows)
        lines.append(
            f"| {label} | "
            + " | ".join(str(counts[c]) for c in columns)
            + f" | {slowest:.1f} s | {peak / 2**20:.0f} MB | "
            + (f"{parser / 2**20:.0f} MB |" if parser else "— (in process) |")
        )
    return "\n".join(lines)


def crafted_table(results: list[Result]) -> str:
    lines = [
        "| crafted case | outcome | time | peak memory | parser's peak | message |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        if r.case.group != "crafted":
            continue
        text = r.message.replace("|", "/")[:110]
        ran = " **code ran**" if r.code_ran else ""
        parser = "" if r.parser_peak is None else f"{r.parser_peak / 2**20:.0f} MB"
        lines.append(
            f"| {r.case.name} | {r.outcome}{ran} | {r.seconds:.2f} s | "
            f"{r.peak_bytes / 2**20:.0f} MB | {parser} | {text} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--count", type=int, default=1100, help="mutated files (crafted ones come on top)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="no heavy crafted cases (bombs, 50,000 notes …)"
    )
    parser.add_argument("--out", default=None, help="also write the tables (markdown) to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        os.environ["JAZZCORE_CACHE"] = str(work / "cache")
        os.environ["JAZZCORE_OFFLINE"] = "1"
        start = time.perf_counter()
        all_cases = cases(args.seed, args.count, work=work, heavy=not args.quick)

        def progress(k, result):
            if (
                result.outcome == "other exception"
                or result.seconds > SLOW_SECONDS
                or result.code_ran
            ):
                print(
                    f"  ! {result.case.name}: {result.outcome}, {result.seconds:.1f} s: {result.message[:200]}"
                )
            if (k + 1) % 100 == 0:
                print(
                    f"  {k + 1}/{len(all_cases)} files, {time.perf_counter() - start:.0f} s",
                    flush=True,
                )

        results = run(all_cases, work, progress=progress)
        sandbox.stop()
    counts = summary(results)
    report = (
        f"Fuzz run: `python bench/fuzz.py --seed {args.seed} --count {args.count}"
        f"{' --quick' if args.quick else ''}` — {len(results)} files in "
        f"{time.perf_counter() - start:.0f} s (Python {sys.version.split()[0]}, {os.cpu_count()} cores)\n\n"
        + table(results)
        + "\n\n"
        + crafted_table(results)
    )
    print(report)
    bad = [r for r in results if r.outcome == "other exception"]
    for r in bad[:20]:
        print(f"other exception: {r.case.name}: {r.message}")
    if args.out:
        Path(args.out).write_text(report + "\n")
    ok = not (
        counts["other exception"]
        or counts["over 10 s"]
        or counts["over 1 GB"]
        or counts["code ran"]
    )
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
