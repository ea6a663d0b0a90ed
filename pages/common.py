"""What every page shares: the corpus picker in the sidebar, cached loaders, the user's model.

Heavy shared objects go through ``st.cache_resource`` (keyed by the file's SHA-256);
everything that belongs to one user (the chosen corpus, the trained model, the last
generation) lives in ``st.session_state``, so no user sees or changes another's work.
Computation stays in jazzcore: this module only lays out widgets and calls it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

import jazzcore
from jazzcore import app_support, sources

CORPUS_CHOICES = {
    "leadsheets": "Lead sheets (music21 corpus, offline)",
    "metheny": "Pat Metheny — the seed's solo",
    "upload": "Your own MIDI / MusicXML",
}
AUTO = "automatic"


@contextlib.contextmanager
def friendly_errors():
    """Show a jazzcore error as one ``st.error`` line and let the page go on."""
    try:
        yield
    except jazzcore.JazzcoreError as exc:
        st.error(str(exc), icon="⚠️")


@st.cache_resource(max_entries=16, show_spinner="Reading the solo and building its grammar…")
def cached_corpus(source: str, melody_part=None, chord_part=None, measures=None):
    """A source's Corpus, shared by every session (read-only), keyed by path/name and options."""
    return jazzcore.load_corpus(source, melody_part=melody_part, chord_part=chord_part, measures=measures)


@st.cache_resource
def training_slots() -> app_support.TrainingSlots:
    """One queue for the whole server: at most JAZZCORE_MAX_TRAININGS trainings at once."""
    return app_support.TrainingSlots(app_support.max_concurrent_trainings())


@st.cache_data(max_entries=32, show_spinner=False)
def cached_parts(path: str):
    import dataclasses

    from jazzcore import extract

    return [dataclasses.asdict(p) for p in extract.list_parts(path)]


def _metheny_source() -> str | None:
    if sources.metheny_cached():
        return "metheny"
    if sources.offline():
        st.sidebar.warning(
            "JAZZCORE_OFFLINE=1 forbids downloading the Metheny file: upload "
            "original_metheny.mid under “Your own MIDI / MusicXML”, or use the lead sheets."
        )
        return None
    st.sidebar.caption("The file (92 KB) is downloaded once from the deepjazz repository and checked.")
    return "metheny"


def _upload_source() -> tuple[str | None, dict]:
    uploaded = st.sidebar.file_uploader(
        "MIDI or MusicXML file", type=["mid", "midi", "xml", "musicxml", "mxl"], key="upload_file"
    )
    if uploaded is None:
        st.sidebar.info("Upload a solo: the melody part is found automatically, or pick it below.")
        return None, {}
    path = app_support.save_upload(uploaded.getvalue(), uploaded.name)
    parts = cached_parts(str(path))
    labels = [AUTO] + [f"{p['index']}: {p['name'] or 'unnamed'} ({p['note_count']} notes{', drums' if p['is_drum'] else ''})" for p in parts]
    melody = st.sidebar.selectbox("Melody part", labels, key="melody_part", help="How do I find the melody? "
                                  "The automatic choice prefers a monophonic, high, busy part that is not drums.")
    chords = st.sidebar.selectbox("Chords from", [AUTO] + labels[1:], key="chord_part")
    options = {
        "melody_part": None if melody == AUTO else int(melody.split(":")[0]),
        "chord_part": None if chords == AUTO else int(chords.split(":")[0]),
    }
    return str(path), options


def corpus_picker():
    """The sidebar's corpus choice; returns the chosen Corpus, or None (with the reason shown)."""
    st.sidebar.header("Corpus")
    choice = st.sidebar.radio(
        "Train on", list(CORPUS_CHOICES), format_func=CORPUS_CHOICES.get, key="corpus_choice"
    )
    source, options = None, {}
    with friendly_errors():
        if choice == "leadsheets":
            source = "leadsheets"
        elif choice == "metheny":
            source = _metheny_source()
        else:
            source, options = _upload_source()
        if source is None:
            return None
        corpus = cached_corpus(source, **options)
        st.session_state["corpus_id"] = corpus.sha256
        st.sidebar.caption(f"{corpus.name}: {len(corpus.values)} values, {corpus.n_values} unique.")
        return corpus
    return None


def current_model(corpus):
    """The user's trained model if it fits the corpus (same vocabulary), else None."""
    model = st.session_state.get("model")
    if model is None or corpus is None:
        return None
    if model.vocabulary.fingerprint() != corpus.vocabulary.fingerprint():
        return None
    return model


def model_status(corpus) -> str:
    model = st.session_state.get("model")
    if model is None:
        return "No model yet: train one on the Train page."
    if current_model(corpus) is None:
        return "Your model was trained on another corpus: train again or switch back to its corpus."
    epochs = len(model.history)
    loss = model.history[-1]["loss"] if model.history and isinstance(model.history[-1], dict) else None
    text = f"Model ready: n_a = {model.n_a}, {model.n_values} values, {epochs} epochs"
    return text + (f", final loss {loss:.2f}." if loss is not None else ".")


def page_path(name: str) -> str:
    return str(Path(__file__).with_name(name))
