"""The Streamlit app through streamlit.testing's AppTest: pages render, errors are one line,
Home's one-click solo (the shared quick model, then a solo), the models a visitor keeps, and
a visitor's work found again after a reload (the ?v= token), never another visitor's."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pretty_midi
import pytest
from app_steps import run_until
from streamlit.testing.v1 import AppTest

from jazzcore.app import session
from jazzcore.app.generation import QUICK_TRAINING, training_run
from jazzcore.dataset import Vocabulary, data_processing, load_corpus
from jazzcore.errors import SourceError
from jazzcore.model import TrainConfig
from jazzcore.training import train

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"


@pytest.fixture(autouse=True)
def fresh_shared_models():
    """Each test starts without the server's shared quick models (another test's)."""
    session.trainer().forget_shared()


def hear_a_solo(at) -> None:
    at.button(key="hear_solo").click().run()
    run_until(at, lambda at: at.get("audio") or at.exception or at.error)
    assert not at.exception and not at.error


def finish_training(at, timeout: float = 60) -> None:
    """Let the visitor's training end, then rerun the page as its live view does then."""
    assert at.session_state["job"].wait(timeout)
    at.run()


def reopen(at, page: str | None = None) -> AppTest:
    """The visitor reloads the page: a new session with the address's token."""
    again = AppTest.from_file(str(APP), default_timeout=120)
    again.query_params["v"] = at.query_params["v"]
    again.run()
    if page is not None:
        again.switch_page(page).run()
    return again


@pytest.fixture
def app(open_app):
    return open_app()  # no Metheny copy in the cache: the offline default


def test_home_shows_the_offline_corpus_figures(app):
    assert not app.exception
    assert app.sidebar.radio[0].value == "leadsheets"
    metrics = {m.label: m.value for m in app.metric}
    n_values = int(metrics["Unique values (n_values)"])
    assert n_values > 20
    assert metrics["X shape (m, Tx, n_values)"] == str((60, 30, n_values))
    assert metrics["Y shape (Ty, m, n_values)"] == str((30, 60, n_values))


def test_hear_a_solo_gets_the_shared_quick_model_and_plays_it(app):
    assert app.button(key="hear_solo").label == "▶ Hear a solo"
    assert "model" not in app.session_state and not app.get("audio")
    app.button(key="hear_solo").click().run()
    assert not app.exception and not app.error
    job = session.trainer().shared(training_run(load_corpus("leadsheets")))
    assert job.shared and job.quick and job.epochs == 100 and job.lane == "short"
    run_until(app, lambda at: at.get("audio"))  # the solo follows without another press
    assert not app.exception and not app.error
    model = app.session_state["model"]
    corpus = load_corpus("leadsheets")
    assert model is job.model and len(model.history) == 100
    assert model.vocabulary.fingerprint() == corpus.vocabulary.fingerprint()
    solo = app.session_state["home_solo"]
    assert solo.audio.wav[:4] == b"RIFF" and solo.audio.seconds > 5 and solo.audio.peak > 0.01
    # The defaults: one line inside the chords of the course's five sets, which end at
    # 5 measures × 4 quarters × 60/130 s = 9.23 s (read back from the MIDI).
    assert [s.number for s in solo.report.sets] == [1, 2, 3, 4, 5]  # measures 0–4
    tracks = {
        i.name: sorted(i.notes, key=lambda n: n.start)
        for i in pretty_midi.PrettyMIDI(io.BytesIO(solo.report.midi_bytes)).instruments
    }
    melody, chords = tracks["Melody (Electric Guitar)"], tracks["Chords (Piano)"]
    assert max(n.end for n in chords) == pytest.approx(5 * 4 * 60 / 130, abs=1e-3)
    assert max(n.end for n in melody) <= 5 * 4 * 60 / 130 + 1e-3
    assert all(b.start >= a.end - 1e-3 for a, b in zip(melody, melody[1:], strict=False))
    assert any("Model ready" in m.value and "shared" in m.value for m in app.markdown)
    # A second press plays another solo with the same model (no retraining).
    app.button(key="hear_solo").click().run()
    assert app.session_state["model"] is model
    assert app.session_state["home_solo"].report.sets[0].values != solo.report.sets[0].values
    app.run()  # a rerun plays nothing new
    assert app.session_state["home_plays"] == 2


def test_the_class_shares_one_quick_model_and_hears_the_same_first_solo(open_app):
    first, second = open_app(), open_app()
    hear_a_solo(first)
    second.button(key="hear_solo").click().run()  # the model is there: no wait at all
    assert not second.exception and len(second.get("audio")) == 1
    assert second.session_state["model"] is first.session_state["model"]
    assert second.session_state["home_solo"].audio.wav == first.session_state["home_solo"].audio.wav
    assert first.query_params["v"] != second.query_params["v"]  # two visitors
    # Same settings, same weights: the shared model is what training the course's way gives.
    corpus = load_corpus("leadsheets")
    here = train(*corpus.xy(60, 30, 0), corpus.vocabulary, QUICK_TRAINING)
    for shared, ours in zip(first.session_state["model"].weights, here.weights, strict=True):
        assert (shared == ours).all()


def test_hear_a_solo_never_stops_the_visitors_own_training(app):
    app.switch_page("pages/train.py").run()
    app.number_input(key="train_epochs").set_value(5000)
    app.button[0].click().run()
    job = app.session_state["job"]
    assert job.active and not job.shared
    app.switch_page("streamlit_app.py").run()
    assert any("Your run: " in c.value for c in app.sidebar.caption)  # on the other pages
    hear_a_solo(app)  # the quick model plays meanwhile
    assert job.active and not job.stop_requested  # the visitor's run goes on
    assert app.session_state["model"] is not job.model
    job.stop()
    finish_training(app)
    assert app.session_state["model"] is job.model  # their run's model takes over
    assert len(job.model.history) < 5000


def test_a_reload_keeps_the_visitors_model_solo_and_settings(app):
    hear_a_solo(app)
    app.switch_page("pages/generate.py").run()
    app.number_input(key="gen_seed").set_value(7)
    app.button(key="generate").click().run()
    token = app.query_params["v"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)  # 128 random bits
    again = reopen(app)  # a reload of Home
    assert again.query_params["v"] == token
    assert again.session_state["model"] is app.session_state["model"]
    assert len(again.get("audio")) == 1  # the last solo is there
    assert any("Model ready" in m.value for m in again.markdown)
    on_generate = reopen(app, "pages/generate.py")  # the Generate page's address directly
    assert not on_generate.exception and not on_generate.warning  # no "No model yet"
    assert on_generate.number_input(key="gen_seed").value == 7
    assert on_generate.session_state["generation"] is app.session_state["generation"]


def test_a_reload_during_a_training_follows_the_same_run(app):
    app.switch_page("pages/train.py").run()
    app.number_input(key="train_epochs").set_value(5000)
    app.button[0].click().run()
    job = app.session_state["job"]
    while not job.history:
        job.wait(0.01)
    again = reopen(app, "pages/train.py")
    assert again.session_state["job"] is job and job.active  # the run went on
    assert again.number_input(key="train_epochs").value == 5000
    again.button(key="train_stop").click().run()
    finish_training(again)
    assert job.status == "stopped" and again.session_state["model"] is job.model


def test_an_unknown_or_malformed_token_is_a_new_visitor_with_nothing(app):
    hear_a_solo(app)
    for token in ("A" * 22, "../../etc/passwd", ""):
        stranger = AppTest.from_file(str(APP), default_timeout=120)
        stranger.query_params["v"] = token
        stranger.run()
        assert not stranger.exception
        assert stranger.query_params["v"] not in (token, app.query_params["v"])
        assert "model" not in stranger.session_state and not stranger.get("audio")


def test_every_page_is_in_the_navigation_and_renders(app):
    for page in ("pages/data.py", "pages/train.py", "pages/generate.py", "pages/model.py"):
        app.switch_page(page).run()
        assert not app.exception, page
        assert app.title, page


@pytest.mark.slow
def test_home_does_not_import_tensorflow(tmp_path):
    code = "\n".join(
        [
            "import sys, time",
            "from streamlit.testing.v1 import AppTest",
            f"at = AppTest.from_file({str(APP)!r}, default_timeout=120); at.run()",
            "assert not at.exception; print('home tf', 'tensorflow' in sys.modules)",
            "at.button(key='hear_solo').click().run(); start = time.time()",
            "while not at.get('audio') and time.time() - start < 60:",
            "    time.sleep(0.1); at.run()",
            "assert at.get('audio'); print('solo tf', 'tensorflow' in sys.modules)",
        ]
    )
    env = {**os.environ, "JAZZCORE_OFFLINE": "1", "JAZZCORE_CACHE": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-500:]
    # Neither rendering Home nor its quick training and solo load TensorFlow.
    # (Libraries may print their own lines, e.g. pyfluidsynth when $CI is set: read ours.)
    ours = [line for line in out.stdout.splitlines() if line.startswith(("home tf", "solo tf"))]
    assert ours == ["home tf False", "solo tf False"]


def test_metheny_offline_without_a_copy_explains_itself_once(app):
    app.sidebar.radio[0].set_value("metheny").run()
    assert not app.exception and not app.error
    assert any("JAZZCORE_OFFLINE" in w.value for w in app.sidebar.warning)
    assert [i.value for i in app.main.info] == [
        "The Metheny solo is not on this server and may not be downloaded: see the sidebar."
    ]
    app.switch_page("pages/train.py").run()
    assert not app.exception and len(app.main.info) == 1 and "Metheny" in app.main.info[0].value


def test_a_corpus_that_fails_to_load_is_one_error_line_and_nothing_else(open_app, monkeypatch):
    def failing(source, melody_part=None, chord_part=None):
        raise SourceError("The download from https://example.org failed: timed out.")

    monkeypatch.setattr(session, "cached_corpus", failing)
    at = open_app()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The download from https://example.org failed: timed out."
    ]
    assert not at.main.info  # no "Choose a corpus …" under it: a corpus is chosen
    assert at.title[0].value.startswith("🎷")  # the page is still there


def test_metheny_from_the_cache_gives_the_courses_figures(metheny_cache, open_app):
    at = open_app()
    at.sidebar.radio[0].set_value("metheny").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Unique values (n_values)"] == "78"
    assert metrics["X shape (m, Tx, n_values)"] == "(60, 30, 78)"
    assert metrics["Y shape (Ty, m, n_values)"] == "(30, 60, 78)"


@pytest.mark.slow  # a quick training on the Metheny solo, through the page
def test_a_quick_solo_on_another_corpus_keeps_the_visitors_model(metheny_cache, open_app):
    # The visitor's long training on the lead sheets (here a short stand-in) ...
    leadsheets = load_corpus("leadsheets")
    theirs = train(*leadsheets.xy(60, 30, 0), leadsheets.vocabulary, TrainConfig(n_a=8, epochs=2))
    at = open_app(model=theirs)
    # ... then a quick solo over Metheny: a Metheny model is trained and theirs is kept.
    at.sidebar.radio[0].set_value("metheny").run()
    hear_a_solo(at)
    assert at.session_state["model"].n_values == 78 and at.session_state["model"] is not theirs
    at.sidebar.radio[0].set_value("leadsheets").run()
    assert not at.exception and not at.get("audio")  # the Metheny solo is not theirs
    assert any("Model ready: n_a = 8" in m.value for m in at.markdown)  # theirs, back again


def keep_models(models) -> dict:
    """The session's models after keep_model(m) for each of ``models``, in a Streamlit run."""

    def keeper():  # AppTest runs its source on its own: the imports go inside
        import streamlit as st

        from jazzcore.app.session import keep_model

        for model in st.session_state["to_keep"]:
            keep_model(model)

    at = AppTest.from_function(keeper)
    at.session_state["to_keep"] = models
    at.run()
    assert not at.exception and at.session_state["model"] is models[-1]
    return at.session_state["models"]


def tiny_model(k: int):
    """A 1-epoch model of a corpus of its own (a vocabulary of 3 values that only it has)."""
    values = ["C,0.250", "S,0.500", f"R,{k}.000"] * 4
    vocabulary = Vocabulary.from_corpus(values)
    X, Y, _ = data_processing(values, vocabulary.values_indices, 4, 3, 0)
    return train(X, Y, vocabulary, TrainConfig(n_a=2, epochs=1))


def test_a_visitor_keeps_one_model_per_corpus_the_last_four():
    models = [tiny_model(k) for k in range(1, 6)]
    kept = keep_models(models)
    assert list(kept.values()) == models[1:]  # four corpora: the oldest model went
    retrained = tiny_model(3)  # the corpus of models[2] again
    kept = keep_models([*models, retrained])
    assert list(kept.values()) == [models[1], models[3], models[4], retrained]


def test_an_uploaded_solo_is_the_corpus_and_survives_a_reload(app, metheny_file):
    app.sidebar.radio[0].set_value("upload").run()
    assert [i.value for i in app.sidebar.info] == [
        "Upload a solo: the melody part is found automatically, or pick it below."
    ]
    assert [i.value for i in app.main.info] == ["Upload a solo in the sidebar to begin."]
    upload = ("my solo.mid", metheny_file.read_bytes(), "audio/midi")
    app.sidebar.file_uploader(key="upload_file").set_value(upload).run()
    assert not app.exception and not app.error
    melody = app.sidebar.selectbox(key="melody_part")
    assert melody.value is None and melody.options[0] == "automatic"
    # the tracks of the file, by index and name, with their note counts
    assert [o.split(" — ")[0] for o in melody.options[1:4]] == ["0: Piano", "1: Bass", "2: Organ"]
    assert all(re.fullmatch(r"\d+: .+ — \d+ notes, (drums|\S+–\S+)", o) for o in melody.options[1:])
    # the automatic choice reads the course's solo: 78 unique values
    assert {m.label: m.value for m in app.metric}["Unique values (n_values)"] == "78"
    melody.set_value(2).run()  # another part is another corpus
    assert not app.exception and not app.error
    assert {m.label: m.value for m in app.metric}["Unique values (n_values)"] != "78"
    again = reopen(app)  # no need to upload again: the choice, the file and the part
    assert again.sidebar.radio[0].value == "upload"
    assert any("my solo.mid" in c.value for c in again.sidebar.caption)
    assert again.sidebar.selectbox(key="melody_part").value == 2
    assert {m.label: m.value for m in again.metric}["Unique values (n_values)"] != "78"


def test_data_page_table_search_and_heatmap(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert app.title[0].value.startswith("📊")
    vocabulary = app.dataframe[0].value
    app.text_input(key="vocab_query").set_value("rest").run()
    assert not app.exception
    found = app.dataframe[0].value
    rests = vocabulary[vocabulary["value"].str.startswith("R,")]
    assert 0 < len(found) == len(rests) < len(vocabulary) and set(found["type"]) == {"rest"}
    # Tx too long for the corpus: a one-line error, and the page keeps working.
    app.number_input(key="data_tx").set_value(2000).run()
    assert not app.exception and len(app.error) == 1 and "Tx = 2000" in app.error[0].value


def test_model_page_shows_the_courses_parameter_count(metheny_cache, open_app, metheny_model):
    at = open_app(model=metheny_model)
    at.sidebar.radio[0].set_value("metheny").run()
    at.switch_page("pages/model.py").run()
    assert not at.exception
    # The course's model.summary() for n_values = 78, n_a = 64: 36,608 + 5,070 = 41,678.
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"LSTM cell": "36,608", "Dense softmax": "5,070", "Total": "41,678"}
    assert "Tx = 30" in at.code[0].value and "41,678" in at.code[0].value  # the visitor's model


def test_settings_survive_a_visit_to_another_page(app):
    app.switch_page("pages/train.py").run()
    app.number_input(key="train_epochs").set_value(2)
    app.button[0].click().run()  # form values count once submitted
    finish_training(app)
    app.switch_page("pages/generate.py").run()
    app.number_input(key="gen_ty").set_value(12)
    app.button(key="generate").click().run()
    generation = app.session_state["generation"]
    assert generation.settings.Ty == 12
    for page in ("pages/model.py", "pages/train.py"):
        app.switch_page(page).run()
    assert app.number_input(key="train_epochs").value == 2
    app.switch_page("pages/generate.py").run()
    assert not app.exception
    assert app.number_input(key="gen_ty").value == 12
    assert app.session_state["generation"] is generation  # the same solo, not generated again


def test_data_page_with_a_single_window(app):
    app.switch_page("pages/data.py").run()
    app.slider(key="data_example").set_value(59).run()
    app.number_input(key="data_m").set_value(10).run()  # the kept example 59 is brought into 0–9
    assert not app.exception and app.slider(key="data_example").value == 9
    app.number_input(key="data_m").set_value(1).run()
    assert not app.exception and not app.error
