"""Audio: both synth paths are non-silent, as long as the music plus its tail, at the pitch asked.

The FluidSynth tests need FluidSynth and a GM SoundFont (``.ci/run`` installs them); where
they are missing they are skipped, unless ``JAZZCORE_REQUIRE_FLUIDSYNTH=1`` makes that a
failure.
"""

from __future__ import annotations

import io
import os
import wave

import numpy as np
import pytest

from jazzcore import InputFileError, ParameterError, audio
from jazzcore.audio import TAIL_SECONDS, AudioError, render_audio
from jazzcore.generate import GenerationReport
from jazzcore.midi import write_midi
from jazzcore.postprocess import Sound
from jazzcore.solo import ChordEvent

TEMPO = 130.0
BEAT = 60.0 / TEMPO  # seconds per quarter note


def fluidsynth_or_skip():
    if audio.fluidsynth_available():
        return
    if os.environ.get("JAZZCORE_REQUIRE_FLUIDSYNTH"):
        pytest.fail(
            "FluidSynth or a GM SoundFont is missing: apt-get install fluidsynth fluid-soundfont-gm"
        )
    pytest.skip(
        "FluidSynth or a GM SoundFont is not installed (apt-get install fluidsynth fluid-soundfont-gm)"
    )


@pytest.fixture(scope="module")
def phrase() -> bytes:
    """Eight quarter notes of melody over two whole-bar chords: 8 beats = 8 · 60/130 s."""
    melody = [Sound(float(i), 1.0, 60 + 2 * i) for i in range(8)]
    chords = [ChordEvent(0.0, 4.0, (48, 52, 55, 58)), ChordEvent(4.0, 4.0, (53, 57, 60, 63))]
    return write_midi(melody, chords, tempo_bpm=TEMPO)


def a_note(pitch: int, beats: float) -> bytes:
    return write_midi([Sound(0.0, beats, pitch)], [], tempo_bpm=TEMPO)


def wav_info(data: bytes) -> tuple[int, int, int, int]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.mark.parametrize("sample_rate", [44100, 22050])
@pytest.mark.parametrize("synth", ["numpy", "fluidsynth"])
def test_each_synth_renders_the_music_plus_its_tail_and_it_is_not_silent(
    phrase, synth, sample_rate
):
    if synth == "fluidsynth":
        fluidsynth_or_skip()
    rendered = render_audio(phrase, synth=synth, sample_rate=sample_rate)
    assert rendered.synth == synth
    channels, width, rate, frames = wav_info(rendered.wav)
    assert (width, rate, channels) == (2, sample_rate, rendered.channels)
    expected_seconds = 8 * BEAT + TAIL_SECONDS
    assert frames / sample_rate == pytest.approx(expected_seconds, abs=2 / sample_rate)
    assert rendered.seconds == pytest.approx(expected_seconds, abs=2 / sample_rate)
    samples = rendered.samples()
    assert samples.shape == (frames, channels)
    assert 0.05 < rendered.peak <= 1.0
    for beat in range(8):  # sound in every beat of the music …
        window = samples[int((beat + 0.2) * BEAT * rate) : int((beat + 0.8) * BEAT * rate)]
        assert rms(window) > 0.005
    assert rms(samples[-int(0.1 * rate) :]) < rms(
        samples[: int(8 * BEAT * rate)]
    )  # … dying away after


def strongest_frequency(rendered) -> float:
    mono = rendered.samples().mean(axis=1)
    segment = mono[: int(0.5 * rendered.sample_rate)] * np.hanning(int(0.5 * rendered.sample_rate))
    spectrum = np.abs(np.fft.rfft(segment))
    return float(np.argmax(spectrum) * rendered.sample_rate / len(segment))


def test_the_numpy_synth_plays_a4_at_440_hz():
    rendered = render_audio(a_note(69, 2.0), synth="numpy")
    assert strongest_frequency(rendered) == pytest.approx(440.0, abs=4.0)


def test_fluidsynth_plays_a4_with_its_energy_on_the_harmonics_of_440_hz():
    fluidsynth_or_skip()
    rendered = render_audio(a_note(69, 2.0), synth="fluidsynth")
    f = strongest_frequency(rendered)
    assert min(abs(f - 440.0 * k) for k in (1, 2, 3, 4)) < 8.0


def test_fluidsynth_is_used_when_installed_and_the_soundfont_is_loaded_once(phrase):
    fluidsynth_or_skip()
    first = render_audio(phrase)
    assert first.synth == "fluidsynth" and "FluidSynth" in first.detail and first.channels == 2
    font = audio.find_soundfont()
    assert audio._fluidsynth(font) is audio._fluidsynth(font)
    render_audio(phrase, sample_rate=22050)
    assert list(audio._SYNTH_CACHE) == [str(font)]  # one synth for both sample rates


def test_without_fluidsynth_auto_falls_back_to_numpy_and_forcing_it_is_a_clear_error(
    phrase, monkeypatch
):
    monkeypatch.setattr(audio, "_fluidsynth_module", lambda: None)
    rendered = render_audio(phrase)
    assert rendered.synth == "numpy" and rendered.detail == "NumPy harmonic synth"
    with pytest.raises(AudioError) as error:
        render_audio(phrase, synth="fluidsynth")
    assert "fluidsynth" in str(error.value)


def test_without_a_soundfont_auto_falls_back_to_numpy(phrase, monkeypatch):
    monkeypatch.setattr(audio, "find_soundfont", lambda: None)
    assert render_audio(phrase).synth == "numpy"


def test_the_numpy_synth_is_deterministic(phrase):
    assert render_audio(phrase, synth="numpy").wav == render_audio(phrase, synth="numpy").wav


def test_a_generation_report_is_rendered_from_its_midi(phrase):
    report = GenerationReport([], "full", "course", TEMPO, 50, 1, [], [], phrase)
    assert render_audio(report, synth="numpy").wav == render_audio(phrase, synth="numpy").wav


@pytest.mark.parametrize("options", [{"synth": "timidity"}, {"sample_rate": 12345}])
def test_bad_options(phrase, options):
    with pytest.raises(ParameterError):
        render_audio(phrase, **options)


def test_a_file_that_is_not_midi():
    with pytest.raises(InputFileError) as error:
        render_audio(b"not a midi file")
    assert "\n" not in str(error.value)


def test_a_missing_soundfont_file(phrase, tmp_path):
    with pytest.raises(AudioError):
        render_audio(phrase, synth="fluidsynth", soundfont=tmp_path / "none.sf2")
