"""The Streamlit app through streamlit.testing's AppTest: pages render, errors are one line."""

from __future__ import annotations

import pytest

APP = "../streamlit_app.py"


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


def test_home_hear_a_solo_trains_a_quick_model_and_plays_it(app):
    assert app.button(key="hear_solo").label == "▶ Hear a solo"
    assert "model" not in app.session_state and not app.get("audio")
    app.button(key="hear_solo").click().run()
    assert not app.exception and not app.error
    model = app.session_state["model"]
    assert len(model.history) == 100 and model.vocabulary.fingerprint() == app.session_state["_corpus"].vocabulary.fingerprint()
    assert len(app.get("audio")) == 1
    solo = app.session_state["home_solo"]
    assert solo.audio.wav[:4] == b"RIFF" and solo.audio.seconds > 5 and solo.audio.peak > 0.01
    assert any("Model ready" in m.value for m in app.markdown)
    # A second press plays another solo with the same model (no retraining).
    app.button(key="hear_solo").click().run()
    assert app.session_state["model"] is model
    assert app.session_state["home_solo"].report.sets[0].values != solo.report.sets[0].values


def test_hear_a_solo_never_stops_a_training_in_progress(app):
    import threading

    import jazzcore
    from jazzcore import app_support

    corpus = app.session_state["_corpus"]
    release = threading.Event()

    def long_run(on_epoch, should_stop):
        """A user's training on the Train page: one real epoch, then it goes on until released."""
        model = jazzcore.train(*corpus.xy(60, 30, 0), vocabulary=corpus.vocabulary, epochs=1, n_a=8)
        release.wait(30)
        return model

    job = app_support.TrainingJob(long_run, app_support.TrainingSlots(1), epochs=5000).start()
    app.session_state["job"] = job
    app.button(key="hear_solo").click().run()
    assert not app.exception and not app.error
    assert job.active and not job._stop.is_set()  # the user's run goes on
    assert any("still going" in i.value for i in app.info)
    assert "home_solo" not in app.session_state and "model" not in app.session_state

    release.set()
    assert job.wait(30)
    app.button(key="hear_solo").click().run()  # the finished run's model plays, nothing retrains
    assert not app.exception and app.session_state["model"] is job.model
    assert app.session_state["model"].n_a == 8 and len(app.get("audio")) == 1


def test_every_page_is_in_the_navigation_and_renders(app):
    for page in ("pages/data.py", "pages/train.py", "pages/generate.py", "pages/model.py", "streamlit_app.py"):
        app.switch_page(page).run()
        assert not app.exception, page
        assert app.title, page


def test_home_does_not_import_tensorflow(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"at = AppTest.from_file({str(Path(__file__).parent / APP)!r}, default_timeout=120); at.run(); "
        "assert not at.exception; print('home tf', 'tensorflow' in sys.modules); "
        "at.button(key='hear_solo').click().run(); assert at.get('audio'); "
        "print('solo tf', 'tensorflow' in sys.modules)"
    )
    env = {**__import__("os").environ, "JAZZCORE_OFFLINE": "1", "JAZZCORE_CACHE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-500:]
    # Neither rendering Home nor its quick training and solo load TensorFlow.
    # (Libraries may print their own lines, e.g. pyfluidsynth when $CI is set: read ours.)
    ours = [line for line in out.stdout.splitlines() if line.startswith(("home tf", "solo tf"))]
    assert ours == ["home tf False", "solo tf False"]


def test_metheny_offline_without_a_copy_explains_itself(app):
    app.sidebar.radio[0].set_value("metheny").run()
    assert not app.exception
    assert any("JAZZCORE_OFFLINE" in w.value for w in app.sidebar.warning)


def test_metheny_from_the_cache_gives_the_seeds_figures(metheny_cache, open_app):
    at = open_app()
    at.sidebar.radio[0].set_value("metheny").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Unique values (n_values)"] == "78"
    assert metrics["X shape (m, Tx, n_values)"] == "(60, 30, 78)"
    assert metrics["Y shape (Ty, m, n_values)"] == "(30, 60, 78)"


def test_a_quick_solo_on_another_corpus_keeps_the_users_model(metheny_cache, open_app):
    import jazzcore

    # The user's long training on the lead sheets (here a short stand-in) ...
    leadsheets = jazzcore.load_corpus("leadsheets")
    theirs = jazzcore.train(*leadsheets.xy(60, 30, 0), epochs=2, n_a=8, vocabulary=leadsheets.vocabulary)
    at = open_app(model=theirs)
    # ... then a quick solo over Metheny: a Metheny model is trained and theirs is kept.
    at.sidebar.radio[0].set_value("metheny").run()
    at.button(key="hear_solo").click().run()
    assert not at.exception and not at.error
    assert at.session_state["model"].n_values == 78 and at.session_state["model"] is not theirs
    at.sidebar.radio[0].set_value("leadsheets").run()
    assert not at.exception
    assert any("Model ready: n_a = 8" in m.value for m in at.markdown)  # theirs, back again


def test_data_page_table_search_and_heatmap(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert app.title[0].value.startswith("📊")
    app.text_input(key="vocab_query").set_value("R,").run()
    assert not app.exception
    # Tx too long for the corpus: a one-line error, and the page keeps working.
    app.number_input(key="data_tx").set_value(200).run()
    assert not app.exception


def test_model_page_shows_the_seeds_parameter_count(app):
    app.switch_page("pages/model.py").run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["LSTM cell"] != "" and "Total" in metrics


def test_settings_survive_a_visit_to_another_page(app):
    app.switch_page("pages/train.py").run()
    app.number_input(key="train_epochs").set_value(2)
    app.button[0].click().run()  # form values count once submitted
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
