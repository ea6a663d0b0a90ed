"""What every page shares: the corpus picker in the sidebar, cached loaders, the user's model.

Heavy shared objects go through ``st.cache_resource`` (keyed by the file's SHA-256);
everything that belongs to one user (the chosen corpus, the trained model, the last
generation) lives in ``st.session_state``, so no user sees or changes another's work.
Computation stays in jazzcore: this module only lays out widgets and calls it.
"""

from __future__ import annotations

import contextlib
import inspect
import time
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
        st.sidebar.caption(f"{corpus.name}: {len(corpus.values)} values, {corpus.n_values} unique.")
        return corpus
    return None


MODELS_KEPT = 4
"""Models a session keeps, one per corpus (vocabulary): the most recently trained or loaded."""


def keep_model(model) -> None:
    """Make ``model`` the user's model for its corpus. Models of other corpora are kept, so
    a quick run on one corpus never throws away a long training on another."""
    models = st.session_state.setdefault("models", {})
    models.pop(model.vocabulary.fingerprint(), None)
    models[model.vocabulary.fingerprint()] = model
    while len(models) > MODELS_KEPT:
        models.pop(next(iter(models)))
    st.session_state["model"] = model  # the latest, whatever its corpus


def current_model(corpus):
    """The user's model for the corpus (same vocabulary), else None.

    A run that finished while the user was on another page is collected first."""
    job = st.session_state.get("job")
    if job is not None:
        collect_model(job)
    if corpus is None:
        return None
    return st.session_state.get("models", {}).get(corpus.vocabulary.fingerprint())


def model_status(corpus) -> str:
    model = current_model(corpus)
    if model is None:
        if st.session_state.get("models"):
            return ("Your model was trained on another corpus (it is kept: switch back to use it): "
                    "train one for this corpus on the Train page.")
        return "No model yet: train one on the Train page."
    epochs = len(model.history)
    loss = model.history[-1]["loss"] if model.history and isinstance(model.history[-1], dict) else None
    text = f"Model ready: n_a = {model.n_a}, {model.n_values} values, {epochs} epochs"
    return text + (f", final loss {loss:.2f}." if loss is not None else ".")


# Widget settings a user expects to find again after visiting another page: Streamlit
# 1.67+ keeps a widget's value for the whole session with persist_state="session". On an
# older Streamlit the keyword is left out and a page's settings reset when the user leaves it.
KEEP = (
    {"persist_state": "session"}
    if "persist_state" in inspect.signature(st.number_input).parameters
    else {}
)


def clamp_widget_value(key: str, low, high) -> None:
    """Bring a kept value into a widget's range, which may have changed (another corpus)."""
    if key in st.session_state and not low <= st.session_state[key] <= high:
        st.session_state[key] = min(max(st.session_state[key], low), high)


def page_path(name: str) -> str:
    return str(Path(__file__).with_name(name))


def start_training(run, epochs: int) -> app_support.TrainingJob:
    """Start the user's training job (replacing a running one: one run per user)."""
    old = st.session_state.get("job")
    if old is not None and old.active:
        old.stop()
    # the job stops by itself once this session (and so its token) is gone
    owner = st.session_state.setdefault("session_token", app_support.SessionToken())
    job = app_support.TrainingJob(run, training_slots(), epochs=int(epochs), owner=owner).start()
    st.session_state["job"] = job
    st.session_state.pop("job_collected", None)
    return job


def collect_model(job: app_support.TrainingJob) -> None:
    """Put a finished job's model in the session (once: a later upload is not overwritten)."""
    if job.model is not None and not job.active and st.session_state.get("job_collected") != job.ticket:
        keep_model(job.model)
        st.session_state["job_collected"] = job.ticket


def job_status_text(job: app_support.TrainingJob) -> str:
    if job.status == "queued":
        return f"Waiting for a free trainer: you are number {job.queue_position or 1} in the queue."
    if job.status == "running":
        return f"Training: epoch {len(job.history)} of {job.epochs}"
    if job.status == "failed":
        return job.error or "Training failed."
    seconds = (job.finished_at or 0) - (job.started_at or job.finished_at or 0)
    verb = "Stopped after" if job.status == "stopped" else "Trained"
    return f"{verb} {len(job.history)} epochs in {seconds:.1f} s."


def quick_train(corpus):
    """Train a quick model (QUICK_EPOCHS epochs, NumPy) on the corpus through the shared queue,
    showing the queue position or progress; returns the model (also put in the session).

    A training the user started on the Train page is never stopped for it: that would lose
    their work. They are told to wait for it or stop it there, and None is returned."""
    running = st.session_state.get("job")
    if running is not None and running.active:
        st.info(f"Your training on the Train page is still going ({job_status_text(running)}): its model "
                "will be used when it ends. Wait for it, or stop it on **Train** to keep what it has learnt.",
                icon="⏳")
        return None
    with friendly_errors():
        job = start_training(app_support.training_run(corpus), app_support.QUICK_EPOCHS)
        status = st.empty()
        while job.active:
            if job.status == "queued":
                status.info(job_status_text(job))
            else:
                status.progress(len(job.history) / job.epochs, text=job_status_text(job))
            time.sleep(0.1)
        status.empty()
        if job.status == "failed":
            st.error(job_status_text(job), icon="⚠️")
            return None
        collect_model(job)
        return current_model(corpus)
    return None
