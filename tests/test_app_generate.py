"""The Generate page through AppTest: settings, audio, downloads, regeneration, errors."""

from __future__ import annotations

import json

import pytest

from jazzcore.app import session
from jazzcore.app.generation import MAX_APP_SETS
from jazzcore.dataset import load_corpus
from jazzcore.errors import ParameterError
from jazzcore.model import TrainConfig
from jazzcore.quality import metrics
from jazzcore.training import train


@pytest.fixture(scope="module")
def leadsheet_model():
    """A small model trained on the offline lead sheets (the app's default corpus)."""
    corpus = load_corpus("leadsheets")
    return train(*corpus.xy(60, 30, 0), corpus.vocabulary, TrainConfig(n_a=32, epochs=20))


@pytest.fixture
def generate_page(open_app, leadsheet_model):
    at = open_app("pages/generate.py", model=leadsheet_model)
    assert not at.exception
    return at


def table(at, first_column: str):
    """The st.dataframe whose first column is ``first_column`` (AppTest has no keys for them)."""
    found = [d.value for d in at.dataframe if list(d.value.columns)[:1] == [first_column]]
    assert len(found) == 1
    return found[0]


def tokens(at) -> list[str]:
    return list(table(at, "chord set")["value"])


def test_generate_page_widgets_render(generate_page):
    at = generate_page
    assert at.number_input(key="gen_ty").value == 50
    assert at.number_input(key="gen_seed").value == 1
    assert at.radio(key="gen_sampling").options == [
        "greedy (argmax, the course)",
        "temperature",
        "top-k",
    ]
    assert at.radio(key="gen_chord_source").value == "corpus"
    assert at.radio(key="gen_postprocess").value == "full"
    assert at.checkbox(key="gen_first_value").value is False
    assert at.button(key="generate").label == "🎵 Generate"
    assert not at.get("audio")  # nothing generated before the first press
    at.radio(key="gen_sampling").set_value("temperature").run()
    assert at.slider(key="gen_temperature").value == 1.0
    at.radio(key="gen_sampling").set_value("top-k").run()
    assert at.number_input(key="gen_top_k").value == 5
    at.radio(key="gen_chord_source").set_value("progression").run()
    assert "|" in at.text_input(key="gen_progression").value


def test_generating_gives_audio_a_midi_download_and_the_figures(generate_page):
    at = generate_page
    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    audio = at.get("audio")
    assert len(audio) == 1
    downloads = {b.label for b in at.get("download_button")}
    assert downloads == {"⬇ MIDI", "⬇ WAV"}
    generation = at.session_state["generation"]
    assert generation.report.midi_bytes[:4] == b"MThd" and generation.audio.wav[:4] == b"RIFF"
    assert generation.audio.peak > 0.01  # something is heard
    assert any(generation.audio.detail in c.value for c in at.caption)  # which synth rendered it
    # The course's five chord sets, Ty = 50 values each.
    assert len(generation.report.sets) == 5 and len(tokens(at)) == 250
    assert at.metric[0].value == "250"
    # Piano roll: melody and chords as two traces.
    roll = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in roll["data"]] == ["melody", "chord"]
    assert len(roll["data"][0]["y"]) == sum(1 for r in generation.rows if r["role"] == "melody") > 0
    # Metrics beside the training solo's.
    figures = table(at, "figure")
    assert list(figures.columns) == ["figure", "generated", "training solo"]
    reference = metrics(load_corpus("leadsheets"))
    assert figures.set_index("figure").loc["melody notes", "training solo"] == str(
        reference.n_notes
    )


def test_changing_ty_or_the_seed_regenerates_at_once(generate_page):
    at = generate_page
    at.radio(key="gen_sampling").set_value("temperature")
    at.button(key="generate").click().run()
    first = tokens(at)
    assert len(first) == 5 * 50
    at.number_input(key="gen_ty").set_value(12).run()  # no button press
    assert not at.exception and len(tokens(at)) == 5 * 12
    assert at.session_state["generation"].settings.Ty == 12
    same_seed = tokens(at)
    at.number_input(key="gen_seed").set_value(7).run()
    assert len(tokens(at)) == 5 * 12 and tokens(at) != same_seed
    at.number_input(key="gen_seed").set_value(1).run()
    assert tokens(at) == same_seed  # a seed gives the same solo again


def test_fewer_chord_sets_raw_postprocessing_and_first_value_rule(generate_page):
    at = generate_page
    at.number_input(key="gen_chord_sets").set_value(2)
    at.radio(key="gen_postprocess").set_value("raw")
    at.checkbox(key="gen_first_value").check()
    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    generation = at.session_state["generation"]
    assert generation.report.postprocess == "raw" and len(generation.report.sets) == 2
    for s in generation.report.sets:  # the course's rule: no rest, no bracket first
        first = s.values[0].split(",")
        assert first[0] != "R" and len(first) == 2


def test_a_bad_progression_is_an_error_and_a_good_one_recovers(generate_page):
    at = generate_page
    at.button(key="generate").click().run()
    at.radio(key="gen_chord_source").set_value("progression").run()
    at.text_input(key="gen_progression").set_value("Dm7 Hx7").run()
    assert not at.exception
    assert len(at.error) == 1 and "Hx7" in at.error[0].value
    assert not at.get("audio")  # no stale solo under the error
    at.text_input(key="gen_progression").set_value("Dm7 G7 | Cmaj7").run()
    assert not at.exception and not at.error
    assert len(at.get("audio")) == 1
    assert len(at.session_state["generation"].report.sets) == 2  # one set per bar
    assert len(tokens(at)) == 2 * 50


def test_without_a_model_quick_train_then_generate(open_app):
    at = open_app("pages/generate.py")
    assert not at.exception
    assert any("No model yet" in w.value for w in at.warning)
    assert at.button(key="quick_train").label.startswith("⚡ Quick train (100 epochs")
    at.button(key="quick_train").click().run()
    assert not at.exception and not at.error
    job = at.session_state["job"]
    assert job.quick and job.epochs == 100  # followed live on the page
    assert not at.get("audio") and not at.number_input  # the settings come with the model
    assert job.wait(60)
    at.run()  # what the live view does once the training is over
    assert not at.exception and not at.error
    model = at.session_state["model"]
    assert model is job.model and len(model.history) == 100
    assert model.history[-1]["loss"] < model.history[0]["loss"]
    assert len(at.get("audio")) == 1  # quick training goes straight on to a solo
    at.run()
    assert "quick_train" not in [b.key for b in at.button]  # the model is there now


def test_a_quick_training_that_fails_says_why_and_offers_the_button_again(open_app, monkeypatch):
    def failing(corpus, config):
        def run(on_epoch, should_stop):
            raise ParameterError("The trainer is out of order.")

        return run

    monkeypatch.setattr(session, "training_run", failing)
    at = open_app("pages/generate.py")
    at.button(key="quick_train").click().run()
    assert at.session_state["job"].wait(10)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The trainer is out of order."]
    at.run()  # said once; the button is there to try again
    assert not at.error and at.button(key="quick_train")


def test_chord_sets_are_bounded_for_a_long_corpus(generate_page):
    widget = generate_page.number_input(key="gen_chord_sets")
    assert (widget.min, widget.max, widget.value) == (1, MAX_APP_SETS, 5)


def test_metheny_improvises_over_the_courses_five_sets(metheny_cache, open_app, metheny_model):
    at = open_app(model=metheny_model)
    at.sidebar.radio[0].set_value("metheny").run()
    at.switch_page("pages/generate.py").run()
    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    generation = at.session_state["generation"]
    assert generation.model is metheny_model
    # The course: sets 1–5 of the 18 measures, Ty = 50 values each, greedy.
    assert [s.index for s in generation.report.sets] == [1, 2, 3, 4, 5]
    assert len(tokens(at)) == 250
    assert at.number_input(key="gen_chord_sets").max == 5
