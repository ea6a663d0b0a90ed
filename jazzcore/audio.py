"""MIDI → audio a browser can play: a General MIDI SoundFont through FluidSynth, or NumPy.

Two synthesizers, the better one used when it is installed:

* **FluidSynth** (``pyfluidsynth`` + the ``fluidsynth`` library) with a GM SoundFont such
  as Debian's ``fluid-soundfont-gm`` (/usr/share/sounds/sf2/FluidR3_GM.sf2). Every
  instrument plays its own General MIDI program — the melody the Electric Guitar, the
  chords the Piano. The SoundFont (150 MB) is loaded once per process and kept, in one
  synth at 44.1 kHz (22.05 kHz audio is decimated from it).
* **NumPy**, which needs nothing installed: each note a few harmonics under an envelope —
  a plucked decay for guitars and other melody programs, a slower hammer decay for pianos.

:func:`render_audio` returns a :class:`RenderedAudio`: 16-bit PCM WAV bytes and the name
of the synth that made them.

Units: times in seconds, sample rates in Hz, pitches as MIDI numbers.
"""

from __future__ import annotations

import io
import os
import threading
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import JazzcoreError, ParameterError
from .generate import GenerationReport
from .midi import NoteEvent, import_quietly, read_midi_notes

SOUNDFONT_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
)
"""Where GM SoundFonts are installed (Debian/Ubuntu, Fedora/Arch, Homebrew); ``$JAZZCORE_SOUNDFONT`` first."""

SAMPLE_RATES = (22050, 44100)
TAIL_SECONDS = 1.0
"""Silence rendered after the last note ends, for its release and the reverb."""
MAX_SECONDS = 600.0
"""Longest piece rendered, seconds (a guard for uploaded files)."""
FLUIDSYNTH_GAIN = 0.6

SYNTHS = ("auto", "fluidsynth", "numpy")


class AudioError(JazzcoreError):
    """Audio cannot be rendered as asked (synth not installed, unreadable SoundFont)."""


@dataclass(frozen=True)
class RenderedAudio:
    """Rendered audio.

    wav: a complete 16-bit PCM WAV file. synth: 'fluidsynth' or 'numpy'.
    detail: what made it ('FluidSynth 2.3.1, FluidR3_GM.sf2' or 'NumPy harmonic synth').
    sample_rate: Hz. channels: 2 (FluidSynth) or 1 (NumPy). seconds: length of the audio.
    peak: the largest absolute sample, 0–1 (0 means silence).
    """

    wav: bytes
    synth: str
    detail: str
    sample_rate: int
    channels: int
    seconds: float
    peak: float

    def samples(self) -> np.ndarray:
        """The audio as float32 in −1 … 1, shape (frames, channels)."""
        with wave.open(io.BytesIO(self.wav)) as w:
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return (data.astype(np.float32) / 32768.0).reshape(-1, self.channels)


# ---------------------------------------------------------------------------------------
# Notes to play


def _notes(midi: GenerationReport | str | Path | bytes) -> tuple[list[NoteEvent], float]:
    """The notes of a MIDI file (path or bytes) or generated piece, drums included, and its
    end in seconds."""
    if isinstance(midi, GenerationReport):
        midi = midi.midi_bytes
    notes = read_midi_notes(midi, include_drums=True)
    end = max((n.end for n in notes), default=0.0)
    if end > MAX_SECONDS:
        raise ParameterError(
            f"The music is {end:.0f} s long; at most {MAX_SECONDS:.0f} s are rendered."
        )
    return notes, end


def _wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """16-bit PCM WAV of int16 samples shaped (frames, channels)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# FluidSynth


def find_soundfont() -> Path | None:
    """The GM SoundFont to use: ``$JAZZCORE_SOUNDFONT`` if set, else the first installed one."""
    candidates = [os.environ.get("JAZZCORE_SOUNDFONT", "")] + list(SOUNDFONT_PATHS)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None


@lru_cache(maxsize=1)
def _fluidsynth_module():
    """pyfluidsynth, or None when it or the FluidSynth library is missing."""
    try:
        fluidsynth = import_quietly("fluidsynth")
    except Exception:  # ImportError, or OSError when libfluidsynth is not installed
        return None
    return fluidsynth if hasattr(fluidsynth, "Synth") else None


def fluidsynth_available(soundfont: str | Path | None = None) -> bool:
    """True when FluidSynth and a SoundFont are installed (the SoundFont path is rendered)."""
    return _fluidsynth_module() is not None and (
        soundfont is not None or find_soundfont() is not None
    )


def _fluidsynth_version(fluidsynth) -> str:
    """'2.3.1', the version of the FluidSynth library pyfluidsynth loaded ('' if unknown)."""
    import ctypes

    try:
        parts = [ctypes.c_int(), ctypes.c_int(), ctypes.c_int()]
        fluidsynth.fluid_version(*(ctypes.byref(p) for p in parts))
        return ".".join(str(p.value) for p in parts)
    except Exception:
        return ""


class _FluidSynth:
    """One FluidSynth with a SoundFont loaded, kept for the process; one render at a time."""

    def __init__(self, soundfont: Path, sample_rate: int):
        fluidsynth = _fluidsynth_module()
        self.synth = fluidsynth.Synth(gain=FLUIDSYNTH_GAIN, samplerate=float(sample_rate))
        self.sfid = self.synth.sfload(str(soundfont))
        if self.sfid < 0:
            self.synth.delete()
            raise AudioError(f"FluidSynth cannot read the SoundFont {soundfont}.")
        self.sample_rate = sample_rate
        self.soundfont = soundfont
        self.lock = threading.Lock()
        self.detail = f"FluidSynth {_fluidsynth_version(fluidsynth)}, {soundfont.name}"

    def render(self, notes: list[NoteEvent], end: float) -> np.ndarray:
        """int16 stereo samples, shape (frames, 2), of ``notes`` plus the tail."""
        synth, rate = self.synth, self.sample_rate
        with self.lock:
            for channel in range(16):
                synth.cc(channel, 123, 0)  # all notes off
                synth.cc(channel, 120, 0)  # all sound off
            synth.system_reset()
            synth.get_samples(rate // 2)  # let the reverb of a previous render die away
            channels = _channels(notes)
            for channel, program, is_drum in channels.values():
                synth.program_select(
                    channel, self.sfid, 128 if is_drum else 0, 0 if is_drum else program
                )
            events = []
            for n in notes:
                channel = channels[n.instrument][0]
                events.append((int(round(n.start * rate)), 1, channel, n.pitch, n.velocity))
                events.append((int(round(n.end * rate)), 0, channel, n.pitch, 0))
            events.sort(key=lambda e: (e[0], e[1]))  # at one frame, offs before ons
            total = int(round((end + TAIL_SECONDS) * rate))
            chunks, now = [], 0
            for frame, is_on, channel, pitch, velocity in events:
                if frame > now:
                    chunks.append(synth.get_samples(frame - now))
                    now = frame
                if is_on:
                    synth.noteon(channel, pitch, velocity)
                else:
                    synth.noteoff(channel, pitch)
            if total > now:
                chunks.append(synth.get_samples(total - now))
        data = np.concatenate(chunks) if chunks else np.zeros(2 * total, dtype=np.int16)
        return data.astype(np.int16, copy=False).reshape(-1, 2)


def _channels(notes: list[NoteEvent]) -> dict[int, tuple[int, int, bool]]:
    """instrument index → (MIDI channel, program, is_drum); drums on channel 9, the rest 0–15 but 9."""
    programs = {}
    for n in notes:
        programs.setdefault(n.instrument, (n.program, n.is_drum))
    melodic = [c for c in range(16) if c != 9]
    result, used = {}, 0
    for instrument in sorted(programs):
        program, is_drum = programs[instrument]
        if is_drum:
            result[instrument] = (9, program, True)
        else:
            result[instrument] = (melodic[used % len(melodic)], program, False)
            used += 1
    return result


FLUIDSYNTH_RATE = 44100
"""FluidSynth always runs at 44.1 kHz (one synth, one SoundFont in memory: ~150 MB for
FluidR3); 22.05 kHz audio is filtered and decimated from it."""

_SYNTH_CACHE: dict[str, _FluidSynth] = {}
_SYNTH_CACHE_LOCK = threading.Lock()


def _fluidsynth(soundfont: Path) -> _FluidSynth:
    """The process's FluidSynth with ``soundfont`` loaded (made on first use, then kept)."""
    with _SYNTH_CACHE_LOCK:
        synth = _SYNTH_CACHE.get(str(soundfont))
        if synth is None:
            synth = _SYNTH_CACHE[str(soundfont)] = _FluidSynth(soundfont, FLUIDSYNTH_RATE)
        return synth


@lru_cache(maxsize=1)
def _half_band_filter(taps: int = 63) -> np.ndarray:
    """A windowed-sinc low-pass at 10 kHz for 44.1 kHz audio (Blackman window), unit gain."""
    n = np.arange(taps) - (taps - 1) / 2
    cutoff = 10_000 / FLUIDSYNTH_RATE  # cycles per sample
    kernel = np.sinc(2 * cutoff * n) * np.blackman(taps)
    return (kernel / kernel.sum()).astype(np.float32)


def _halve_rate(samples: np.ndarray) -> np.ndarray:
    """int16 (frames, channels) at 44.1 kHz → 22.05 kHz: low-pass, then every other frame."""
    kernel = _half_band_filter()
    channels = [
        np.convolve(samples[:, c].astype(np.float32), kernel, mode="same")[::2]
        for c in range(samples.shape[1])
    ]
    return np.clip(np.round(np.stack(channels, axis=1)), -32768, 32767).astype(np.int16)


# ---------------------------------------------------------------------------------------
# NumPy fallback


@dataclass(frozen=True)
class _Voice:
    """A synthesized timbre: harmonic amplitudes, decay per second, attack and release (s)."""

    harmonics: tuple[float, ...]
    decay: float  # 1/s of the fundamental; harmonic h decays h ** 0.7 times faster
    attack: float
    release: float
    level: float


_PLUCK = _Voice(
    (1.0, 0.55, 0.35, 0.22, 0.14, 0.08), decay=2.2, attack=0.004, release=0.06, level=0.5
)
_PIANO = _Voice((1.0, 0.35, 0.18, 0.08), decay=0.9, attack=0.006, release=0.12, level=0.22)


def _voice_for(program: int) -> _Voice:
    """Pianos, organs and other keyboards (GM 0–23) get the piano voice; the rest a pluck."""
    return _PIANO if program < 24 else _PLUCK


def _tone(pitch: int, seconds: float, voice: _Voice, sample_rate: int) -> np.ndarray:
    """One note of ``seconds`` (plus the release) at MIDI ``pitch``, float32, peak ≈ level."""
    frequency = 440.0 * 2.0 ** ((pitch - 69) / 12.0)
    n = int(round((seconds + voice.release) * sample_rate))
    t = np.arange(n, dtype=np.float32) / np.float32(sample_rate)
    signal = np.zeros(n, dtype=np.float32)
    for h, amplitude in enumerate(voice.harmonics, start=1):
        if frequency * h >= sample_rate / 2:
            break
        decay = np.exp(-t * np.float32(voice.decay * h**0.7))
        signal += np.float32(amplitude) * decay * np.sin(np.float32(2 * np.pi * frequency * h) * t)
    envelope = np.minimum(t / np.float32(voice.attack), np.float32(1.0))
    held = int(round(seconds * sample_rate))
    if n > held:  # release: a linear fade after the note ends
        envelope[held:] *= np.linspace(1.0, 0.0, n - held, dtype=np.float32)
    return signal * envelope * np.float32(voice.level / sum(voice.harmonics) * 2.0)


def _render_numpy(notes: list[NoteEvent], end: float, sample_rate: int) -> np.ndarray:
    """int16 mono samples, shape (frames, 1): every note synthesized and mixed."""
    total = int(round((end + TAIL_SECONDS) * sample_rate))
    mix = np.zeros(total, dtype=np.float32)
    cache: dict[tuple[int, int, int], np.ndarray] = {}
    for n in notes:
        if n.is_drum:
            continue
        voice = _voice_for(n.program)
        frames = int(round((n.end - n.start) * sample_rate))
        key = (n.pitch, frames, id(voice))
        tone = cache.get(key)
        if tone is None:
            tone = cache[key] = _tone(n.pitch, frames / sample_rate, voice, sample_rate)
        start = int(round(n.start * sample_rate))
        stop = min(total, start + len(tone))
        mix[start:stop] += tone[: stop - start] * np.float32(n.velocity / 127.0)
    peak = float(np.max(np.abs(mix))) if total else 0.0
    if peak > 0.95:  # never clip: scale the whole piece down
        mix *= np.float32(0.95 / peak)
    return np.round(mix * 32767.0).astype(np.int16).reshape(-1, 1)


# ---------------------------------------------------------------------------------------
# The entry point


def render_audio(
    midi: GenerationReport | str | Path | bytes,
    *,
    synth: str = "auto",
    sample_rate: int = 44100,
    soundfont: str | Path | None = None,
) -> RenderedAudio:
    """Render a MIDI file to WAV with FluidSynth and a GM SoundFont, or the NumPy synth.

    midi: a MIDI file (path or bytes) or a GenerationReport.
    synth: 'auto' (FluidSynth when installed, else NumPy), 'fluidsynth' (an AudioError if
        it is not installed) or 'numpy' (the fallback, forced).
    sample_rate: 44100 or 22050 Hz. soundfont: a .sf2 file (default: :func:`find_soundfont`).
    The audio runs to the last note's end plus TAIL_SECONDS.
    """
    if synth not in SYNTHS:
        raise ParameterError(f"synth = '{synth}': use 'auto', 'fluidsynth' or 'numpy'.")
    if sample_rate not in SAMPLE_RATES:
        raise ParameterError(f"sample_rate = {sample_rate}: use 44100 or 22050 Hz.")
    notes, end = _notes(midi)
    font = Path(soundfont) if soundfont is not None else find_soundfont()
    if soundfont is not None and not font.is_file():
        raise AudioError(f"There is no SoundFont at {font}.")
    use_fluidsynth = synth == "fluidsynth" or (synth == "auto" and fluidsynth_available(font))
    if use_fluidsynth:
        if _fluidsynth_module() is None:
            raise AudioError(
                "FluidSynth is not installed: apt-get install fluidsynth (see packages.txt)."
            )
        if font is None:
            raise AudioError(
                "No General MIDI SoundFont is installed: apt-get install fluid-soundfont-gm."
            )
        engine = _fluidsynth(font)
        samples, name, detail = engine.render(notes, end), "fluidsynth", engine.detail
        if sample_rate != FLUIDSYNTH_RATE:
            samples = _halve_rate(samples)
    else:
        samples, name, detail = (
            _render_numpy(notes, end, sample_rate),
            "numpy",
            "NumPy harmonic synth",
        )
    peak = float(np.max(np.abs(samples.astype(np.int32)))) / 32768.0 if samples.size else 0.0
    return RenderedAudio(
        _wav_bytes(samples, sample_rate),
        name,
        detail,
        sample_rate,
        samples.shape[1],
        samples.shape[0] / sample_rate,
        peak,
    )
