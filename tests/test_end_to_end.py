"""The whole path with a real trained model: Metheny → train → sample → post-process → MIDI → audio."""

from __future__ import annotations

import io

import numpy as np
import pretty_midi
import pytest

import jazzcore
from jazzcore.cli import main
from jazzcore.dataset import load_corpus
from jazzcore.generate import generate_music
from jazzcore.persist import load_model, model_bytes, save_model
from jazzcore.quality import longest_copy


@pytest.fixture(scope="module")
def corpus(metheny_file):
    return load_corpus(metheny_file)


@pytest.fixture(scope="module")
def model(corpus):
    X, Y = corpus.xy(60, 30, 0)
    return jazzcore.train(X, Y, corpus.vocabulary)  # the course's 100 epochs


def test_a_trained_model_improvises_one_line_over_the_five_chord_sets(model, corpus):
    for seed in range(3):
        _, report = generate_music(model, chords=corpus, seed=seed, return_stream=False)
        assert [s.index for s in report.sets] == [0, 1, 2, 3, 4]  # measures 119–123
        assert set(report.values) <= set(corpus.vocabulary.tokens)
        midi = pretty_midi.PrettyMIDI(io.BytesIO(report.midi_bytes))
        melody, chords = midi.instruments
        assert melody.program == 26 and chords.program == 0  # electric guitar over piano
        notes = sorted(melody.notes, key=lambda n: n.start)
        assert len(notes) == report.n_sounds > 40
        # one note at a time, and none after the chords end
        assert all(a.end <= b.start + 1e-6 for a, b in zip(notes, notes[1:], strict=False))
        assert notes[-1].start < max(n.end for n in chords.notes)
        # sampled, not replayed: no run of more than a measure's 16 values from the solo
        assert longest_copy(report.values, corpus.values) <= 16


def test_the_courses_way_replays_the_solo_and_stacks_the_sets(model, corpus):
    _, report = generate_music(
        model,
        chords=corpus,
        Ty=50,
        temperature=None,
        postprocess="course",
        layout="course",
        seed=3,
        return_stream=False,
    )
    greedy = model.sample_values(50)
    assert [s.values for s in report.sets] == [greedy] * 5  # argmax from zeros every set
    assert longest_copy(greedy, corpus.values) >= 30  # the trained model replays the solo
    midi = pretty_midi.PrettyMIDI(io.BytesIO(report.midi_bytes))
    starts = sorted(n.start for n in midi.instruments[0].notes)
    # every set runs on past its measure, over the next sets: several notes sound at once
    assert len(starts) == report.n_sounds > 150
    assert max(n.end for n in midi.instruments[0].notes) > max(
        n.end for n in midi.instruments[1].notes
    )


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


@pytest.mark.slow  # builds the Keras graph: seconds
def test_the_courses_keras_inference_model_drives_generate_music(model, corpus):
    keras_graphs = pytest.importorskip("jazzcore.keras_model")
    inference = keras_graphs.inference_model_for(model, Ty=30)
    _, report = generate_music(
        inference,
        corpus.vocabulary.indices_values,
        corpus,
        postprocess="course",
        layout="course",
        out_path=None,
        seed=1,
        return_stream=False,
    )
    greedy = model.sample_values(30)
    assert [s.values for s in report.sets] == [greedy] * 5  # argmax from zeros: the same every set
    assert np.isfinite(report.seconds) and report.n_sounds > 0


def test_the_cli_prints_the_quality_table_beside_the_solo_and_random_values(
    model, metheny_file, tmp_path, capsys
):
    path = save_model(model, tmp_path / "model.npz")
    out = tmp_path / "solo.mid"
    for extra in ([], ["--course"]):
        argv = ["generate", "--model", str(path), "--source", str(metheny_file), "--seed", "2"]
        assert main([*argv, "--out", str(out), *extra]) == 0
        printed = capsys.readouterr().out
        assert "| figure | generated | training solo | random values |" in printed
        after = next(line for line in printed.splitlines() if "after the chords end" in line)
        generated = float(after.split("|")[2])
        assert (generated == 0.0) if not extra else (generated > 0.1)  # the course's sets run on
