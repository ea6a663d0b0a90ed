"""The whole path with a real trained model: Metheny → train → sample → post-process → MIDI → audio."""

from __future__ import annotations

import io

import numpy as np
import pretty_midi
import pytest

import jazzcore
from jazzcore.dataset import load_corpus
from jazzcore.generate import generate_music
from jazzcore.persist import load_model, model_bytes


@pytest.fixture(scope="module")
def corpus(metheny_file):
    return load_corpus(metheny_file)


@pytest.fixture(scope="module")
def model(corpus):
    X, Y = corpus.xy(60, 30, 0)
    return jazzcore.train(X, Y, corpus.vocabulary)  # the course's 100 epochs


def test_a_trained_model_improvises_over_the_five_chord_sets(model, corpus):
    _, report = generate_music(
        model, chords=corpus, Ty=50, temperature=1.0, seed=3, out_path=None, return_stream=False
    )
    assert [s.index for s in report.sets] == [1, 2, 3, 4, 5]
    assert all(
        len(s.values) == 50 and set(s.values) <= set(corpus.vocabulary.tokens) for s in report.sets
    )
    midi = pretty_midi.PrettyMIDI(io.BytesIO(report.midi_bytes))
    melody, chords = midi.instruments
    assert melody.program == 26 and chords.program == 0  # electric guitar over piano, as the course
    assert len(melody.notes) == report.n_sounds > 100 and chords.notes
    # within a set the post-processor keeps one melody note per onset (in the course's layout
    # the sets overlap: each starts at its measure and runs on past it)
    for chord_set in report.sets:
        onsets = [s.offset for s in chord_set.sounds if not s.is_rest]
        assert len(onsets) == len(set(onsets))
    _, measured = generate_music(
        model,
        chords=corpus,
        Ty=50,
        temperature=1.0,
        seed=3,
        out_path=None,
        return_stream=False,
        layout="measure",
    )
    onsets = [
        round(n.start, 6)
        for n in pretty_midi.PrettyMIDI(io.BytesIO(measured.midi_bytes)).instruments[0].notes
    ]
    assert len(onsets) == len(set(onsets))  # one melody line when each set keeps to its bar


def test_same_seed_same_bytes_through_a_saved_model(model, corpus):
    reloaded = load_model(model_bytes(model), vocabulary=corpus.vocabulary)
    options = {
        "chords": corpus,
        "Ty": 40,
        "temperature": 1.2,
        "top_k": 8,
        "out_path": None,
        "return_stream": False,
    }
    _, a = generate_music(model, seed=11, **options)
    _, b = generate_music(reloaded, seed=11, **options)
    _, c = generate_music(model, seed=12, **options)
    assert a.midi_bytes == b.midi_bytes and a.midi_bytes != c.midi_bytes


def test_the_audio_of_a_generated_solo_is_music_not_silence(model, corpus):
    _, report = generate_music(
        model, chords=corpus, Ty=50, seed=1, out_path=None, return_stream=False
    )
    audio = jazzcore.render_audio(report.midi_bytes, synth="numpy", sample_rate=22050)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(report.midi_bytes))
    assert audio.seconds >= midi.get_end_time()
    assert 0.05 < audio.peak <= 1.0


def test_the_courses_keras_inference_model_drives_generate_music(model, corpus):
    keras_graphs = pytest.importorskip("jazzcore.keras_model")
    inference = keras_graphs.inference_model_for(model, Ty=30)
    _, report = generate_music(
        inference,
        corpus.vocabulary.indices_values,
        corpus,
        out_path=None,
        seed=1,
        return_stream=False,
    )
    greedy = model.sample_values(30)
    assert [s.values for s in report.sets] == [greedy] * 5  # argmax from zeros: the same every set
    assert np.isfinite(report.seconds) and report.n_sounds > 0
