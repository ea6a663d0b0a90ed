"""Bench: 30 s of generated music (melody + chords) → WAV, with each synth.

Target (issue 4): 30 s of music rendered in ≤ 1 s (median of 5, SoundFont already loaded).
Run: .venv/bin/python bench/audio.py
"""

from __future__ import annotations

import time

from _util import header, median_time

from jazzcore import audio
from jazzcore.midi import write_midi
from jazzcore.postprocess import Sound
from jazzcore.progression import parse_progression

header("audio: 30 s of music → WAV")

# 16 bars at 130 bpm = 64 quarter notes = 29.5 s: a line of 8th notes over a 16-bar blues
# in F (one chord per bar), so the render has as many notes as a busy generated solo.
BLUES = "F7 | Bb7 | F7 | F7 | Bb7 | Bb7 | F7 | D7 | Gm7 | C7 | F7 D7 | Gm7 C7 | F7 | Bb7 | F7 | C7"
timeline = parse_progression(BLUES)
chords = [
    c.__class__(4.0 * k + c.offset, c.duration, c.pitches, c.names)
    for k, bar in enumerate(timeline)
    for c in bar
]
line = [65, 69, 72, 75, 74, 72, 70, 67]
melody = [Sound(0.5 * i, 0.5, line[i % len(line)] + (i // 32) % 2 * 2) for i in range(128)]
midi = write_midi(melody, chords, tempo_bpm=130.0)
music_seconds = 64 * 60 / 130
print(
    f"music: {music_seconds:.1f} s, {len(melody)} melody notes, {sum(len(c.pitches) for c in chords)} chord notes"
)

results = {}
for synth in ("fluidsynth", "numpy"):
    if synth == "fluidsynth" and not audio.fluidsynth_available():
        print("fluidsynth: not installed (apt-get install fluidsynth fluid-soundfont-gm) — skipped")
        continue
    for rate in (44100, 22050):
        start = time.perf_counter()
        first = audio.render_audio(midi, synth=synth, sample_rate=rate)
        first_s = time.perf_counter() - start
        median, runs = median_time(
            lambda s=synth, r=rate: audio.render_audio(midi, synth=s, sample_rate=r), runs=5
        )
        results[(synth, rate)] = median
        loaded = ", SoundFont load included" if synth == "fluidsynth" else ""
        print(
            f"{synth:10s} {rate} Hz: median {median:.3f} s over 5 (first call {first_s:.3f} s{loaded}) "
            f"→ {first.seconds:.1f} s of audio, {len(first.wav) / 1e6:.1f} MB WAV; {first.detail}"
        )

tools = audio.compression_tools()
if tools.get("mp3"):
    wav = audio.render_audio(midi, synth="numpy", sample_rate=44100)
    mp3_s, _ = median_time(lambda: audio.compress_audio(wav, "mp3"), runs=3)
    mp3 = audio.compress_audio(wav, "mp3")
    print(
        f"mp3 via {tools['mp3']}: {mp3_s:.3f} s, {len(mp3) / 1e3:.0f} kB (WAV {len(wav.wav) / 1e3:.0f} kB)"
    )
else:
    print("mp3: no encoder installed (lame or ffmpeg) — the app serves WAV")

worst = max(results.values())
print(f"audio 30 s: worst median {worst:.3f} s (target 1 s) {'OK' if worst <= 1.0 else 'OVER'}")
