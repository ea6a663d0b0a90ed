"""The Streamlit app through streamlit.testing's AppTest: pages render, errors are one line."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

APP = "../streamlit_app.py"


@pytest.fixture
def app(monkeypatch, tmp_path):
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path))  # no Metheny copy: the offline default
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


def test_home_shows_the_offline_corpus_figures(app):
    assert not app.exception
    assert app.sidebar.radio[0].value == "leadsheets"
    metrics = {m.label: m.value for m in app.metric}
    n_values = int(metrics["Unique values (n_values)"])
    assert n_values > 20
    assert metrics["X shape (m, Tx, n_values)"] == str((60, 30, n_values))
    assert metrics["Y shape (Ty, m, n_values)"] == str((30, 60, n_values))


def test_home_does_not_import_tensorflow(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"at = AppTest.from_file({str(Path(__file__).parent / APP)!r}, default_timeout=120); at.run(); "
        "assert not at.exception; print('tensorflow' in sys.modules)"
    )
    env = {**__import__("os").environ, "JAZZCORE_OFFLINE": "1", "JAZZCORE_CACHE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_metheny_offline_without_a_copy_explains_itself(app):
    app.sidebar.radio[0].set_value("metheny").run()
    assert not app.exception
    assert any("JAZZCORE_OFFLINE" in w.value for w in app.sidebar.warning)


def test_metheny_from_the_cache_gives_the_seeds_figures(monkeypatch, metheny_cache):
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.radio[0].set_value("metheny").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Unique values (n_values)"] == "78"
    assert metrics["X shape (m, Tx, n_values)"] == "(60, 30, 78)"
    assert metrics["Y shape (Ty, m, n_values)"] == "(30, 60, 78)"


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
