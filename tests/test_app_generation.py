"""What the app trains and generates (jazzcore.app.generation), and the Generate page's
tables of a piece (jazzcore.app.views), without Streamlit."""

from __future__ import annotations

import pytest

from jazzcore.app.generation import (
    QUICK_EPOCHS,
    QUICK_TRAINING,
    GenerationSettings,
    corpus_chord_sets,
    generate,
    training_run,
)
from jazzcore.app.links import read_share, share_keys, share_params
from jazzcore.app.views import token_rows
from jazzcore.dataset import load_corpus
from jazzcore.errors import ChordSymbolError, ParameterError
from jazzcore.model import TrainConfig
from jazzcore.persist import load_model, model_bytes


@pytest.fixture(scope="module")
def leadsheets():
    return load_corpus("leadsheets")


@pytest.fixture(scope="module")
def small_model(leadsheets):
    return training_run(leadsheets, TrainConfig(n_a=16, epochs=5))()


def test_the_quick_training_is_the_courses_settings():
    assert QUICK_TRAINING.epochs == QUICK_EPOCHS == 100
    assert (QUICK_TRAINING.n_a, QUICK_TRAINING.learning_rate, QUICK_TRAINING.seed) == (64, 0.01, 0)


def test_training_run_refuses_a_run_too_big_before_it_queues(leadsheets):
    # 1000 windows of 200 steps with 1024 units: over the library's bound or the app's
    # (4 M activations: a shared server trains one at a time)
    with pytest.raises(ParameterError, match="too big to train in memory|shared server"):
        training_run(leadsheets, TrainConfig(n_a=1024, epochs=10), m=1000, Tx=200)
    # 1000 windows of 200 steps of 156 values: X would be 31 M one-hot cells
    with pytest.raises(ParameterError, match="m · Tx · n_values = 31,200,000"):
        training_run(leadsheets, TrainConfig(n_a=4, epochs=10), m=1000, Tx=200)
    with pytest.raises(ParameterError, match="too few for windows"):
        training_run(leadsheets, m=1, Tx=len(leadsheets.values))


def test_training_run_trains_the_corpus_with_the_chosen_settings(leadsheets):
    seen = []
    run = training_run(leadsheets, TrainConfig(n_a=8, epochs=3, seed=4), m=20, Tx=12)
    model = run(on_epoch=seen.append, should_stop=lambda: False)
    assert [info["epoch"] for info in seen] == [1, 2, 3]
    assert len(seen[0]["per_step_loss"]) == 12
    assert (model.n_a, model.data_shape.m, model.Tx, model.config.seed) == (8, 20, 12, 4)
    assert model.vocabulary.fingerprint() == leadsheets.vocabulary.fingerprint()
    stopped = run(should_stop=lambda: len(seen) >= 4, on_epoch=seen.append)
    assert len(stopped.history) == 1  # Stop ends the run with the epochs done so far


def test_a_model_trained_in_the_app_records_its_corpus(small_model):
    # so that `python -m jazzcore generate --model` finds the lead sheets' chords
    assert small_model.source == "leadsheets"
    assert load_model(model_bytes(small_model)).source == "leadsheets"


def test_corpus_chord_sets_start_with_the_courses_sets():
    # The course improvises over its chords[i] for i in range(1, len(chords) // 3), where
    # chords[0] is not a measure: Metheny's 18 measures give 19 entries, sets 1–5, which are
    # the timeline's measures 0–4.
    assert corpus_chord_sets(18) == [0, 1, 2, 3, 4]
    assert corpus_chord_sets(18, count=99) == [0, 1, 2, 3, 4]
    assert corpus_chord_sets(146, count=3) == [0, 1, 2]
    assert corpus_chord_sets(4, count=5) == [0, 1, 2, 3]  # too short for the course's rule


def test_generation_settings_default_to_one_line_inside_the_chords(leadsheets):
    kwargs = GenerationSettings().generate_kwargs(leadsheets)
    assert kwargs["Ty"] is None  # sample until each measure is filled
    assert kwargs["temperature"] == 1.0 and kwargs["top_k"] is None  # the model's softmax
    assert (kwargs["postprocess"], kwargs["layout"]) == ("faithful", "measure")
    assert kwargs["chords"] is leadsheets and kwargs["chord_sets"] == [0, 1, 2, 3, 4]
    assert kwargs["first_value_rule"] is False and kwargs["return_stream"] is False
    # The training solo's register: the lowest and highest notes of the lead sheets.
    pitches = [n.pitch for s in leadsheets.solos for m in s.measures for n in m.notes]
    pitches = [p for p in pitches if p is not None]
    assert kwargs["register"] == (min(pitches), max(pitches))


def test_the_courses_way_is_ty_50_greedy_and_the_courses_stages_and_layout(leadsheets):
    course = GenerationSettings.the_course(seed=4, chord_sets=2)
    assert course.is_the_course and not GenerationSettings().is_the_course
    kwargs = course.generate_kwargs(leadsheets)
    assert (kwargs["Ty"], kwargs["temperature"], kwargs["top_k"]) == (50, None, None)
    assert (kwargs["postprocess"], kwargs["layout"]) == ("course", "course")
    assert kwargs["seed"] == 4 and kwargs["chord_sets"] == [0, 1]


def test_generation_settings_map_to_generate_music(leadsheets):
    greedy = GenerationSettings(sampling="greedy").generate_kwargs(leadsheets)
    assert greedy["temperature"] is None and greedy["top_k"] is None
    hot = GenerationSettings(sampling="temperature", temperature=0.5, top_k=9)
    assert hot.generate_kwargs(leadsheets)["temperature"] == 0.5
    assert hot.generate_kwargs(leadsheets)["top_k"] is None
    top = GenerationSettings(sampling="top-k", top_k=9).generate_kwargs(leadsheets)
    assert top["temperature"] is None and top["top_k"] == 9
    assert GenerationSettings(Ty=12).generate_kwargs(leadsheets)["Ty"] == 12
    typed = GenerationSettings(chord_source="progression", progression="C7 | F7")
    kwargs = typed.generate_kwargs(leadsheets)
    assert kwargs["progression"] == "C7 | F7" and "chords" not in kwargs
    assert kwargs["register"] == GenerationSettings().generate_kwargs(leadsheets)["register"]
    assert GenerationSettings(Ty=3) != GenerationSettings(Ty=4)  # the page regenerates


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"seed": -1}, "seed = -1 .* from 0 to 4294967295"),
        ({"chord_sets": 0}, "chord sets = 0 .* from 1 to 16"),
        ({"Ty": 0}, "Ty = 0 .* from 1 to 1000"),
        ({"Ty": 1001}, "Ty = 1001"),  # the library's and the CLI's limit
        ({"Ty": True}, "Ty = True"),
        ({"sampling": "beam"}, "sampling"),
        ({"chord_source": "radio"}, "chord source"),
        ({"postprocess": "full"}, "postprocess = 'full'"),  # the old name is not offered
        ({"layout": "page"}, "layout"),
    ],
)
def test_generation_settings_refuse_what_the_page_cannot_offer(bad, match):
    with pytest.raises(ParameterError, match=match):
        GenerationSettings(**bad)


def test_generate_gives_midi_audio_the_quality_table_and_a_piano_roll(leadsheets, small_model):
    settings = GenerationSettings(seed=3, chord_sets=2)
    g = generate(small_model, leadsheets, settings, synth="numpy")
    assert [s.number for s in g.report.sets] == [1, 2]  # the course's sets 1 and 2
    assert g.report.midi_bytes[:4] == b"MThd"
    assert g.audio.synth == "numpy" and g.audio.wav[:4] == b"RIFF" and g.audio.sample_rate == 22050
    assert g.audio.seconds >= g.report.seconds  # the whole piece plus the release tail
    rows = {r["figure"]: r for r in g.quality.rows()}
    assert rows["melody notes"]["generated"] == str(g.report.n_sounds)
    assert set(rows["melody notes"]) == {"figure", "generated", "training solo", "random values"}
    assert {r["role"] for r in g.rows} == {"melody", "chord"}
    assert g.model is small_model and set(g.timings) >= {"generate", "audio", "metrics", "total"}
    again = generate(small_model, leadsheets, settings, synth="numpy")
    assert [s.values for s in again.report.sets] == [s.values for s in g.report.sets]  # seeded
    assert again.quality.rows() == g.quality.rows()  # the random column too


def test_generate_reports_a_bad_progression(leadsheets, small_model):
    settings = GenerationSettings(chord_source="progression", progression="Dm7 Hx7")
    with pytest.raises(ChordSymbolError, match="Hx7"):
        generate(small_model, leadsheets, settings)


def test_token_rows(leadsheets, small_model):
    g = generate(small_model, leadsheets, GenerationSettings(Ty=4, chord_sets=2), synth="numpy")
    rows = token_rows(g.report)
    assert [(r["chord set"], r["step"]) for r in rows] == [
        (1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4),
    ]  # fmt: skip
    assert rows[0]["value"] == g.report.sets[0].values[0] and rows[0]["reading"]


# ---------------------------------------------------------------------------------------
# Share links (jazzcore.app.links)


def test_a_share_link_names_only_what_differs_and_reads_back(small_model):
    settings = GenerationSettings(seed=3, sampling="top-k", top_k=9, chord_sets=2)
    params = share_params("leadsheets", small_model, settings)
    assert params == {
        "share": "1",
        "corpus": "leadsheets",
        "t_n_a": "16",
        "t_epochs": "5",
        "seed": "3",
        "sampling": "top-k",
        "top_k": "9",
        "chord_sets": "2",
    }
    shared = read_share(params)
    assert shared.corpus == "leadsheets" and shared.settings == settings
    assert shared.config == small_model.config and (shared.m, shared.Tx) == (60, 30)
    assert "n_a = 16 trained 5 epochs" in shared.describe()
    assert read_share({"v": "token"}) is None  # not a share link
    assert set(share_keys({**params, "v": "token"})) == set(params)  # the token stays


def test_a_share_link_of_a_stopped_run_names_the_epochs_it_trained(leadsheets):
    stopped = training_run(leadsheets, TrainConfig(n_a=8, epochs=50))(
        should_stop=lambda: False, on_epoch=None
    )
    assert share_params("leadsheets", stopped, GenerationSettings())["t_epochs"] == "50"
    calls = []
    short = training_run(leadsheets, TrainConfig(n_a=8, epochs=50))(
        should_stop=lambda: len(calls) >= 7, on_epoch=calls.append
    )
    params = share_params("leadsheets", short, GenerationSettings())
    assert params["t_epochs"] == "7"  # the same weights: 7 epochs of the same run
    again = training_run(leadsheets, read_share(params).config)()
    for a, b in zip(again.weights, short.weights, strict=True):
        assert (a == b).all()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"share": "1", "corpus": "mine.mid"}, "names the corpus 'mine.mid'"),
        ({"share": "1", "seed": "three"}, "seed = 'three' is not a setting I can read"),
        ({"share": "1", "t_epochs": "0"}, "epochs = 0 is out of range"),
        ({"share": "1", "Ty": "5000"}, "Ty = 5000 is out of range"),
        ({"share": "1", "first_value_rule": "maybe"}, "first_value_rule = 'maybe'"),
    ],
)
def test_a_bad_share_link_is_a_one_line_error(params, match):
    with pytest.raises(ParameterError, match=match):
        read_share(params)


def test_an_uploaded_corpus_cannot_be_shared(small_model):
    with pytest.raises(ParameterError, match="an uploaded solo stays yours"):
        share_params("upload", small_model, GenerationSettings())
