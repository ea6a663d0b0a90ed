"""Bench: music files → grammar values → X/Y, cold and from the cache.

1. The course's Metheny MIDI (the course's recipe): fresh process, cold, cached.
2. A band file built here with mido: 20 parts, 2,000 notes (a 32-bar tune with a trumpet
   lead, a pianist's two hands, a walking bass, three drum tracks and a dozen section,
   pad and comping parts): fresh process, then each stage in a warm process.

The band is a user's file, so it is parsed in the sandbox (a worker process forked from a
helper started at the first parse, :mod:`jazzcore.sandbox`); the course's Metheny bytes are
known by their hash and read in this process. Its stage line compares the two.

Targets (issues 2 and 11): the Metheny file cold ≤ 3 s on a 2-core machine, a second load
≤ 50 ms; the 20-part, 2,000-note file into a corpus ≤ 3 s cold.
Run: .venv/bin/python bench/data.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mido
from _util import METHENY, ROOT, header, median_time

header("data: music files → X/Y")

# ii–V–I turnarounds of a 32-bar AABA tune: root, and a four-note voicing (MIDI pitches)
CHANGES = [
    (50, (53, 57, 60, 64)),  # Dm9
    (43, (53, 57, 59, 64)),  # G13
    (48, (52, 55, 59, 62)),  # Cmaj9
    (45, (55, 58, 61, 64)),  # A7b9
] * 8
TPQ = 480


def band_file(path: Path) -> tuple[int, int]:
    """Write the band; returns (parts, notes)."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TPQ)
    conductor = mido.MidiTrack([mido.MetaMessage("track_name", name="Bench Tune", time=0)])
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(160), time=0))
    midi.tracks.append(conductor)
    count = 0

    def track(name, channel, program, notes):
        nonlocal count
        events = (
            []
            if program is None
            else [(0, 0, mido.Message("program_change", channel=channel, program=program))]
        )
        for start, length, pitches in notes:
            for pitch in pitches:
                on, off = round(start * TPQ), round((start + length) * TPQ)
                events.append(
                    (on, 2, mido.Message("note_on", channel=channel, note=pitch, velocity=80))
                )
                events.append((off, 1, mido.Message("note_off", channel=channel, note=pitch)))
                count += 1
        events.sort(key=lambda e: (e[0], e[1]))
        result, tick = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)]), 0
        for at, _, message in events:
            result.append(message.copy(time=at - tick))
            tick = at
        midi.tracks.append(result)

    bars = range(len(CHANGES))
    scale = [0, 2, 4, 5, 7, 9, 11]
    lead = []
    for bar in bars:  # eight eighths a bar: up the voicing, down the scale
        voicing = CHANGES[bar][1]
        tones = [p + 12 for p in voicing] + [79 - scale[(bar + k) % 7] for k in range(4)]
        lead += [(4.0 * bar + 0.5 * k, 0.5, (p,)) for k, p in enumerate(tones)]
    track("Trumpet", 0, 56, lead)
    track("Piano", 1, 0, [(4.0 * b + off, 1.5, CHANGES[b][1]) for b in bars for off in (0.0, 2.5)])
    walk = [
        (4.0 * b + k, 1.0, (CHANGES[b][0] - 12 + (0, 4, 7, 5)[k],)) for b in bars for k in range(4)
    ]
    track("Bass", 2, 32, walk)
    track("Ride", 9, None, [(k * 0.5, 0.5, (51,)) for k in range(256)])
    track("Snare", 9, None, [(k * 2.0 + 1, 0.5, (38,)) for k in range(64)])
    track("Kick", 9, None, [(k * 4.0, 0.5, (36,)) for k in range(32)])
    channels = iter([3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 3, 4])  # not 10 (drums)
    sections = [("Strings", 48), ("Pad", 89), ("Vibes", 11), ("Guitar", 26), ("Organ", 16)]
    sections += [("Choir", 52), ("Horns", 61)]
    for k, (name, program) in enumerate(sections):  # whole notes, every other bar
        held = [(4.0 * b, 4.0, CHANGES[b][1][k % 2 :: 2]) for b in bars if b % 2 == k % 2]
        track(name, next(channels), program, held)
    horns = [("Alto Sax", 65), ("Tenor Sax", 66), ("Trombone", 57), ("Flute", 73)]
    horns += [("Clarinet", 71), ("Bari Sax", 67)]
    for k, (name, program) in enumerate(horns):  # backing figures on beats 2, 3 and 4
        figure = [
            (4.0 * b + beat, 1.0, (CHANGES[b][1][k % 4],)) for b in bars for beat in (1, 2, 3)
        ]
        track(name, next(channels), program, figure)
    comp = [(4.0 * b + beat, 0.5, CHANGES[b][1]) for b in bars for beat in (1, 3)]
    track("Guitar comp", next(channels), 27, comp)
    path.write_bytes(_bytes(midi))
    return len(midi.tracks) - 1, count


def _bytes(midi) -> bytes:
    import io

    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def fresh(code: str) -> tuple[float, str]:
    """Median of 3 fresh processes: (seconds, the process's output)."""
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append((float(out.stdout.split()[-1]), out.stdout.strip()))
    runs.sort()
    return runs[1]


# 1. The course's Metheny file
code = (
    "import time; t = time.perf_counter(); import jazzcore; "
    f"X, Y, n, iv, ch = jazzcore.load_music_utils({str(METHENY)!r}); "
    "print(n, X.shape, Y.shape, round(time.perf_counter() - t, 3))"
)
seconds, out = fresh(code)
print(f"Metheny, fresh process (imports included): median {seconds:.3f} s; {out}")

from jazzcore import dataset, readers  # noqa: E402
from jazzcore.grammar import tokenize_solo  # noqa: E402
from jazzcore.readers.load import parse_music  # noqa: E402

dataset.load_music_utils(str(METHENY))  # warm the imports
cold, runs = median_time(
    lambda: dataset.load_music_utils(str(METHENY)), runs=5, setup=dataset.clear_corpus_cache
)
warm, _ = median_time(lambda: dataset.load_music_utils(str(METHENY)), runs=9)
print(
    f"Metheny cold (caches empty): median {cold:.3f} s; second load (cached): {warm * 1000:.1f} ms"
)

# 2. The 20-part, 2,000-note band
with tempfile.TemporaryDirectory() as folder:
    band = Path(folder) / "band.mid"
    parts, notes = band_file(band)
    code = (
        "import time; t = time.perf_counter(); import jazzcore; "
        f"c = jazzcore.load_corpus({str(band)!r}); X, Y = c.xy(); "
        "print(len(c.values), c.n_values, c.solos[0].melody_part.replace(' ', '_'), round(time.perf_counter() - t, 3))"
    )
    band_fresh, out = fresh(code)
    print(
        f"band ({parts} parts, {notes} notes), fresh process (imports included): median {band_fresh:.3f} s; {out}"
    )

    dataset.clear_corpus_cache()
    data = band.read_bytes()
    here, _ = median_time(lambda: parse_music("midi", data, "band.mid", ""), runs=5)
    isolated, _ = median_time(
        lambda: readers.read_music(data, "band.mid"), runs=5, setup=readers.clear_music_cache
    )
    print(
        f"band parse: in this process {here:.3f} s, in the sandbox {isolated:.3f} s "
        f"(fork, limits and the result's way back: {1000 * (isolated - here):+.0f} ms)"
    )
    readers.clear_music_cache()
    start = time.perf_counter()
    music = readers.read_music(band)
    parsed = time.perf_counter()
    solo = readers.solo_from_music(music)
    assembled = time.perf_counter()
    tokenize_solo(solo)
    tokenized = time.perf_counter()
    print(
        f"band stages, warm process: read {parsed - start:.3f} s (mido in the sandbox, "
        f"{len(music.parts)} parts), "
        f"solo {assembled - parsed:.3f} s, grammar {tokenized - assembled:.3f} s"
    )
    band_cold, _ = median_time(
        lambda: dataset.load_corpus(band).xy(), runs=5, setup=dataset.clear_corpus_cache
    )
    band_warm, _ = median_time(lambda: dataset.load_corpus(band).xy(), runs=9)
    print(
        f"band cold (caches empty): median {band_cold:.3f} s; second load (cached): {band_warm * 1000:.1f} ms"
    )

print(
    f"data Metheny cold {cold:.3f}s (target 3s) warm {warm * 1000:.1f}ms (target 50ms); "
    f"band 20 parts/2000 notes fresh {band_fresh:.3f}s (target 3s)"
)
