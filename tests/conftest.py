"""Shared fixtures: the seed's Metheny MIDI from ../shared/data (never committed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
METHENY = ROOT.parent / "shared" / "data" / "original_metheny.mid"


@pytest.fixture(scope="session")
def metheny_file() -> Path:
    """Path of the seed's training MIDI (../shared/data/original_metheny.mid)."""
    if not METHENY.is_file():
        pytest.fail(
            f"The seed's MIDI is missing at {METHENY}: CI and tests read it from ../shared/data."
        )
    return METHENY


@pytest.fixture
def metheny_cache(tmp_path, monkeypatch, metheny_file) -> Path:
    """A private download cache that already holds a verified copy of the Metheny file."""
    shutil.copy(metheny_file, tmp_path / "original_metheny.mid")
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def metheny_xy(metheny_file):
    """The seed's training data: X (60, 30, 78), Y (30, 60, 78) and indices_values."""
    import jazzcore

    X, Y, _, indices_values, _ = jazzcore.load_music_utils(metheny_file)
    return X, Y, indices_values


@pytest.fixture(scope="session")
def metheny_model(metheny_xy):
    """A model trained as the course trains it: 100 epochs, n_a = 64, seed 0 (about 1 s)."""
    from jazzcore.training import train

    X, Y, indices_values = metheny_xy
    return train(X, Y, indices_values)


@pytest.fixture
def open_app(monkeypatch, tmp_path):
    """Open the app under Streamlit's AppTest, offline, with a private cache (tmp_path; the
    ``metheny_cache`` fixture fills the same folder). ``open_app()`` runs Home;
    ``open_app("pages/train.py", model=m)`` sets session values before the first run, then
    switches to the page (a ``model`` is the user's model for its corpus, as the app keeps it)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path))

    def open_page(page: str | None = None, **session):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        if "model" in session:
            session["models"] = {session["model"].vocabulary.fingerprint(): session["model"]}
        for key, value in session.items():
            at.session_state[key] = value
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at

    return open_page
