"""generate_music end to end: chord sets, defaults and the course's way, MIDI, bad input.

A stand-in sampler replays windows of the Metheny corpus (same seed → same values), so
these tests are about the piece around the model, not the model; test_end_to_end.py uses
a trained one.
"""

from __future__ import annotations

import io

import numpy as np
import pretty_midi
import pytest

import jazzcore
from jazzcore import ChordSymbolError, OutputError, ParameterError, VocabularyMismatchError
from jazzcore.dataset import Vocabulary, load_corpus
from jazzcore.generate import (
    RandomValues,
    generate_music,
    random_baseline,
    register_of,
    round_trip,
    values_to_fill,
)
from jazzcore.grammar import GrammarToken
from jazzcore.postprocess import snap_duration
from jazzcore.quality import max_polyphony
from jazzcore.solo import ChordEvent, ChordTimeline

COURSE = {"Ty": 50, "temperature": None, "postprocess": "course", "layout": "course"}
"""The course's generate_music: 50 values a set, greedy, its post-processor and layout."""


class ReplaySampler:
    """A stand-in for a trained JazzModel: ``.vocabulary`` and ``.sample`` that replays a
    window of the corpus chosen by the seed."""

    def __init__(self, corpus, vocabulary=None):
        self.vocabulary = vocabulary or corpus.vocabulary
        self.indices = corpus.vocabulary.encode(corpus.values)
        self.calls = []

    def sample(self, Ty, *, temperature=None, top_k=None, seed=None, first_value_rule=False):
        self.calls.append({"Ty": Ty, "temperature": temperature, "top_k": top_k, "seed": seed})
        start = np.random.default_rng(seed).integers(len(self.indices))
        return np.resize(np.roll(self.indices, -start), Ty)


@pytest.fixture(scope="module")
def corpus(metheny_file):
    return load_corpus(metheny_file)


@pytest.fixture
def model(corpus):
    return ReplaySampler(corpus)


# ---------------------------------------------------------------------------------------
# generate_music end to end


def test_the_courses_way_gives_five_chord_sets_and_a_midi_with_melody_and_chords(
    model, corpus, tmp_path, capsys
):
    out = tmp_path / "output" / "my_music.midi"
    score, report = generate_music(
        model, chords=corpus, seed=1, out_path=out, verbose=True, **COURSE
    )
    assert len(corpus.chords) == 18
    # the course's sets 1–5 (its chords list starts with a non-chord entry): measures 119–123
    assert [s.index for s in report.sets] == [0, 1, 2, 3, 4]
    assert [s.number for s in report.sets] == [1, 2, 3, 4, 5]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (
        f'Generated {report.sets[0].n_sounds} sounds using the predicted values for the set of chords ("1") '
        "and after pruning"
    )
    assert printed[-1] == f"Your generated music is saved in {out}"
    assert all(40 <= s.n_sounds <= 51 for s in report.sets)  # 50 values + C,0.250, a few pruned
    assert [c["Ty"] for c in model.calls] == [50] * 5

    midi = pretty_midi.PrettyMIDI(str(out))
    assert out.read_bytes() == report.midi_bytes
    programs = {i.name: i.program for i in midi.instruments}
    assert programs == {"Melody (Electric Guitar)": 26, "Chords (Piano)": 0}
    melody, chords = midi.instruments
    assert len(melody.notes) == report.n_sounds
    assert len(chords.notes) == sum(len(c.pitches) for s in report.sets for c in s.chords)
    assert midi.get_tempo_changes()[1][0] == pytest.approx(130.0, abs=1e-3)  # 461538 µs a beat
    # set k's chords sound from 4 (k - 1) quarter notes, i.e. 4 (k - 1) · 60/130 seconds
    first_chord_starts = sorted({round(n.start, 3) for n in chords.notes})[:1]
    assert first_chord_starts == [0.0]
    assert {round(n.start * 130 / 60, 3) for n in chords.notes} >= {4.0, 8.0, 12.0, 16.0}

    parts = score.parts
    assert len(parts) == 2 and len(parts[0].notes) == report.n_sounds
    assert score.metronomeMarkBoundaries()[0][2].number == 130


def test_the_same_seed_gives_the_same_midi_bytes_and_another_seed_another(model, corpus):
    _, a = generate_music(model, chords=corpus, seed=7, out_path=None, return_stream=False)
    _, b = generate_music(model, chords=corpus, seed=7, out_path=None, return_stream=False)
    _, c = generate_music(model, chords=corpus, seed=8, out_path=None, return_stream=False)
    assert a.midi_bytes == b.midi_bytes and a.midi_bytes != c.midi_bytes
    assert [s.values for s in a.sets] == [s.values for s in b.sets]


def test_raw_keeps_the_sampled_types_and_durations_and_reports_one_stage(model, corpus):
    options = {**COURSE, "out_path": None, "return_stream": False}
    _, full = generate_music(model, chords=corpus, seed=3, **options)
    _, raw = generate_music(model, chords=corpus, seed=3, **{**options, "postprocess": "raw"})
    assert [s.values for s in raw.sets] == [s.values for s in full.sets]  # the same samples
    assert [st.name.split()[0] for st in raw.sets[0].stages] == ["unparse"]
    assert [st.name.split()[0] for st in full.sets[0].stages] == [
        "read",
        "prune_grammar",
        "unparse",
        "prune_notes",
        "clean_up",
    ]
    for s in raw.sets:
        tokens = [GrammarToken.parse(v) for v in ["C,0.250"] + s.values]
        assert [t.duration for t in tokens] == [x.duration for x in s.sounds]
        assert [t.kind for t in tokens] == [x.kind for x in s.sounds]
    totals = {t.name.split()[0]: t for t in full.stage_totals()}
    assert totals["read"].notes_in == 250 and totals["read"].notes_out == 255
    assert totals["read"].kinds_changed == sum(v[0] in "AX" for s in full.sets for v in s.values)


def test_measure_layout_keeps_each_set_inside_its_bar(model, corpus):
    _, report = generate_music(
        model, chords=corpus, seed=2, out_path=None, layout="measure", return_stream=False
    )
    for k, s in enumerate(report.sets):
        assert all(0 <= x.offset and x.end <= 4.0 + 1e-9 for x in s.sounds)
        assert s.offset == 4.0 * k
    assert report.quarter_lengths <= 20.0 + 1e-9


def test_a_typed_progression_gives_one_set_per_bar_over_those_chords(model):
    _, report = generate_music(
        model,
        progression="Dm7 G7 | Cmaj7 | A7 | Dm7 G7",
        seed=5,
        out_path=None,
        Ty=20,
        return_stream=False,
    )
    assert [s.index for s in report.sets] == [0, 1, 2, 3]
    assert [c.symbol for c in report.chords] == ["Dm7", "G7", "Cmaj7", "A7", "Dm7", "G7"]
    assert [c.offset for c in report.chords] == [0.0, 2.0, 4.0, 8.0, 12.0, 14.0]
    first = report.sets[1].sounds[0]  # the first value of bar 2, over Cmaj7
    assert first.chord.symbol == "Cmaj7"
    assert first.kind == GrammarToken.parse(report.sets[1].values[0]).kind


def test_options_reach_the_model(model, corpus):
    generate_music(
        model,
        chords=corpus,
        Ty=12,
        temperature=0.7,
        top_k=5,
        seed=1,
        out_path=None,
        chord_sets=[0, 17],
        return_stream=False,
    )
    assert [(c["Ty"], c["temperature"], c["top_k"]) for c in model.calls] == [(12, 0.7, 5)] * 2
    _, report = generate_music(
        model, chords=corpus, Ty=5, seed=1, out_path=None, chord_sets="all", return_stream=False
    )
    assert len(report.sets) == 18


# ---------------------------------------------------------------------------------------
# The defaults: one melody line that fills each measure and ends with the chords


def test_by_default_values_are_drawn_at_temperature_1_until_each_measure_is_filled(model, corpus):
    _, report = generate_music(model, chords=corpus, seed=6, return_stream=False)
    # the shortest value lasts a 16th: 16 values fill a measure whatever is drawn
    assert model.calls == [
        {"Ty": 16, "temperature": 1.0, "top_k": None, "seed": c["seed"]} for c in model.calls
    ]
    assert len(model.calls) == 5 and report.Ty is None
    for chord_set in report.sets:
        lengths = [snap_duration(GrammarToken.parse(v).duration) for v in chord_set.values]
        # filled: the last value starts at least a 16th triplet before the bar's end (the
        # last set's: where its chords end), and the next would start later
        end = (
            4.0
            if chord_set is not report.sets[-1]
            else max(c.offset + c.duration for c in chord_set.chords)
        )
        assert sum(lengths[:-1]) <= end - 1 / 6 + 1e-9 < sum(lengths)
    assert (report.postprocess, report.layout) == ("faithful", "measure")


def test_by_default_the_piece_is_one_line_inside_the_chords_and_the_solos_register(model, corpus):
    for seed in range(5):
        _, report = generate_music(model, chords=corpus, seed=seed, return_stream=False)
        notes = [s for s in report.melody if not s.is_rest]
        assert max_polyphony([(s.offset, s.end) for s in notes]) == 1
        chords_end = max(c.offset + c.duration for c in report.chords)
        # the fifth set (measure 123) starts at 16; its last chord sounds from 2.5 for 4/3
        assert chords_end == pytest.approx(16 + 2.5 + 4 / 3)
        assert all(s.offset < chords_end for s in notes)
        assert max(s.end for s in notes) <= 20.0 + 1e-9
        assert report.register == register_of(corpus) == (49, 82)  # the solo's range
        assert all(49 <= s.pitch <= 82 for s in notes)


def test_the_last_set_ends_with_its_chords(model, corpus):
    short = ChordEvent(0.0, 2.5, (50, 53, 57, 60), symbol="Dm7")  # the last bar's chord stops early
    timeline = ChordTimeline([[ChordEvent(0.0, 4.0, (55, 59, 62, 65))], [short]])
    _, report = generate_music(
        model, chords=timeline, chord_sets="all", seed=0, return_stream=False
    )
    last = report.sets[-1].sounds
    # the line stops with the chord, leaving at most a sliver (less than a 16th triplet)
    assert 2.5 - 1 / 6 < max(s.end for s in last) <= 2.5 + 1e-9
    assert 4.0 - 1 / 6 < max(s.end for s in report.sets[0].sounds) <= 4.0 + 1e-9


def test_the_values_that_fill_a_measure_leave_no_blip_at_its_end():
    # 1 + 1 + 1 + 1/3 + 1/3 + 1/4 = 3 11/12: a 16th starting a 12th before the bar line
    # would be cut to a blip, so it is not played
    values = ["C,1.000"] * 3 + ["C,0.333"] * 2 + ["C,0.250"] * 2
    assert values_to_fill(values, 4.0) == values[:6]
    assert values_to_fill(["C,1.000"] * 3 + ["C,0.750", "C,0.500"], 4.0) == ["C,1.000"] * 3 + [
        "C,0.750",
        "C,0.500",
    ]  # from 3.75 a 16th of the bar is left: the 8th is played, cut to a 16th


def test_greedy_is_temperature_and_top_k_none(model, corpus):
    generate_music(model, chords=corpus, seed=1, temperature=None, return_stream=False)
    assert {(c["temperature"], c["top_k"]) for c in model.calls} == {(None, None)}


def test_a_round_trip_plays_each_measures_own_values_over_its_own_chords(corpus):
    report = round_trip(corpus)
    assert [s.index for s in report.sets] == list(range(18))
    assert [tuple(s.values) for s in report.sets] == list(corpus.measure_values)
    assert [s.chords for s in report.sets] == corpus.chords.sounding()


def test_random_values_are_uniform_over_the_vocabulary(corpus):
    draws = RandomValues(corpus.vocabulary).sample(1000, seed=0)
    counts = np.bincount(
        np.concatenate([RandomValues(corpus.vocabulary).sample(1000, seed=s) for s in range(78)]),
        minlength=78,
    )
    assert draws.shape == (1000,) and counts.min() > 850 and counts.max() < 1150  # 1000 ± 15 %


def test_the_random_baseline_plays_over_the_same_sets_the_same_way(model, corpus):
    _, report = generate_music(model, chords=corpus, seed=2, return_stream=False)
    baseline = random_baseline(report, corpus.vocabulary, seed=5)
    assert [(s.index, s.chords) for s in baseline.sets] == [
        (s.index, s.chords) for s in report.sets
    ]
    assert (baseline.postprocess, baseline.layout, baseline.register, baseline.Ty) == (
        report.postprocess,
        report.layout,
        report.register,
        report.Ty,
    )
    assert set(baseline.values) <= set(corpus.vocabulary.tokens)
    assert baseline.values != report.values


# ---------------------------------------------------------------------------------------
# bad input: one-line jazzcore errors


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message and isinstance(error.value, jazzcore.JazzcoreError)
    return message


@pytest.mark.parametrize("Ty", [0, -1, 1001, 2.5, True, "50"])
def test_ty_out_of_range(model, corpus, Ty):
    with pytest.raises(ParameterError) as error:
        generate_music(model, chords=corpus, Ty=Ty, out_path=None)
    assert "Ty" in one_line(error)


@pytest.mark.parametrize(
    "progression, words", [("", "empty"), ("  ", "empty"), ("Dm7 Xyz7 | C", "'Xyz7'")]
)
def test_empty_progression_or_unknown_chord(model, progression, words):
    with pytest.raises(ChordSymbolError) as error:
        generate_music(model, progression=progression, out_path=None)
    assert words in one_line(error)


def test_a_model_of_another_vocabulary_does_not_fit_the_corpus(corpus):
    other = Vocabulary.from_corpus(corpus.values[:100])
    with pytest.raises(VocabularyMismatchError) as error:
        generate_music(ReplaySampler(corpus, vocabulary=other), chords=corpus, out_path=None)
    assert "values" in one_line(error)
    indices_values = dict(enumerate(other.tokens))
    with pytest.raises(VocabularyMismatchError):
        generate_music(ReplaySampler(corpus), indices_values, corpus, out_path=None)


def test_an_unwritable_output_path(model, corpus, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    for path in (blocker / "solo.mid", tmp_path):
        with pytest.raises(OutputError) as error:
            generate_music(model, chords=corpus, out_path=path)
        assert str(path) in one_line(error)


@pytest.mark.parametrize(
    "options",
    [
        {"postprocess": "half"},
        {"layout": "spread"},
        {"register": (60, 65)},
        {"seed": -1},
        {"seed": 1.5},
        {"chord_sets": [18]},
        {"chord_sets": "some"},
        {"chord_sets": 5},  # a count, as the app's setting is, instead of set numbers
        {"chord_sets": ["a"]},
    ],
)
def test_other_bad_options(model, corpus, options):
    with pytest.raises(ParameterError) as error:
        generate_music(model, chords=corpus, out_path=None, **options)
    one_line(error)


def test_values_indices_given_for_indices_values(model, corpus):
    # The seed has both dictionaries; value → index in the wrong place must be named.
    values_indices = {token: i for i, token in enumerate(model.vocabulary.tokens)}
    with pytest.raises(ParameterError) as error:
        generate_music(model, values_indices, chords=corpus, out_path=None)
    assert "values_indices" in one_line(error)


def test_bad_input_leaves_no_output_folder(model, corpus, tmp_path):
    out = tmp_path / "output" / "my_music.midi"
    with pytest.raises(ChordSymbolError):
        generate_music(model, out_path=out, progression="Dm7 Hx7")
    assert not out.parent.exists()


def test_something_that_is_not_a_model(corpus):
    with pytest.raises(ParameterError) as error:
        generate_music(object(), chords=corpus, out_path=None)
    assert "model" in one_line(error)


def test_the_midi_bytes_read_back_from_memory(model, corpus):
    _, report = generate_music(model, chords=corpus, seed=4, out_path=None, return_stream=False)
    assert report.midi_path is None
    midi = pretty_midi.PrettyMIDI(io.BytesIO(report.midi_bytes))
    assert midi.get_end_time() == pytest.approx(report.seconds, abs=1e-3)


def test_without_chords_or_a_progression_there_is_nothing_to_play_over(model):
    with pytest.raises(ParameterError) as error:
        generate_music(model)
    assert "chords" in one_line(error)
