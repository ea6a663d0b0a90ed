"""What every page shares, on the Streamlit side: the navigation, the corpus picker in the
sidebar, cached loaders, the user's models and their trainings.

Heavy shared objects go through ``st.cache_resource`` (keyed by the file's SHA-256);
everything that belongs to one user lives in ``st.session_state``, so no user sees or
changes another's work. Computation stays in jazzcore and the app's other modules.
Why this module is long: a little over 400 lines, because the session keys the pages share
are written here, and only here:

    _corpus            the corpus picked in the sidebar (None: none usable)
    models, model      the user's models, one per corpus (the last MODELS_KEPT); the latest
    job, job_collected the user's training (a TrainingJob; pages may read it) and the
                       ticket of the last one whose model was kept
    session_token      what tells a job that the user has left
    generation, …      the Generate page's piece, its error, what was last asked for
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from jazzcore import sources
from jazzcore.dataset import Corpus, load_corpus
from jazzcore.errors import JazzcoreError
from jazzcore.model import JazzModel
from jazzcore.persist import load_model
from jazzcore.readers import PartInfo, list_parts

from .generation import (
    QUICK_EPOCHS,
    QUICK_TRAINING,
    Generation,
    GenerationSettings,
    generate,
    training_run,
)
from .jobs import SessionToken, TrainingJob, TrainingSlots, max_concurrent_trainings
from .uploads import part_label, save_upload

KEEP = {"persist_state": "session"}
"""Widget settings a user expects to find again after visiting another page: pass
``**KEEP`` to a widget to keep its value for the whole session."""

LIVE_VIEW_SECONDS = 0.25
"""How often a running training's live view is redrawn."""

PAGES = Path(__file__).resolve().parents[2] / "pages"


# ---------------------------------------------------------------------------------------
# Navigation


def app_pages(home: Callable[[], None]) -> list[st.Page]:
    """The app's pages: Home (``home``, in streamlit_app.py) and the four in pages/."""
    return [
        st.Page(home, title="Home", icon="🏠", default=True, url_path="home"),
        st.Page(PAGES / "data.py", title="Data", icon="📊"),
        st.Page(PAGES / "train.py", title="Train", icon="🏋️"),
        st.Page(PAGES / "generate.py", title="Generate", icon="🎼"),
        st.Page(PAGES / "model.py", title="Model", icon="🧠"),
    ]


def _home_stand_in() -> None:
    """Home's place in the navigation :func:`page_corpus` registers for a deep link."""


def page_corpus(*, required: bool = True) -> Corpus | None:
    """The corpus chosen in the sidebar (streamlit_app.py's :func:`corpus_picker` runs before
    the page), for a page to call first. If none is chosen and ``required``, the page says
    so and stops.

    A deep link (…/train) that is the first request of a freshly started server runs the
    page file on its own: Streamlit sees the pages/ folder and, until some run calls
    st.navigation, serves the folder as an automatic page list, without the app's
    navigation and corpus picker. Such a run is the first of its session, with no corpus
    picked yet: it calls st.navigation, which ends the folder mode for the server, and
    reruns; the rerun goes through streamlit_app.py to the same page. (AppTest's
    switch_page also runs a page file on its own, after a first run of the app: the page
    then uses the corpus picked in that run.)
    """
    if "_corpus" not in st.session_state and "_handed_over" not in st.session_state:
        st.session_state["_handed_over"] = True  # once: never a loop of reruns
        st.navigation(app_pages(_home_stand_in), position="hidden")
        st.rerun()
    corpus = st.session_state.get("_corpus")
    if corpus is None and required:
        st.info("Choose a corpus in the sidebar first.")
        st.stop()
    return corpus


# ---------------------------------------------------------------------------------------
# The corpus

CORPUS_CHOICES = {
    "leadsheets": "Lead sheets (music21 corpus, offline)",
    "metheny": "Pat Metheny — the course's solo",
    "upload": "Your own MIDI / MusicXML",
}


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Show a jazzcore error as one ``st.error`` line and let the page go on."""
    try:
        yield
    except JazzcoreError as exc:
        st.error(str(exc), icon="⚠️")


@st.cache_resource(max_entries=16, show_spinner="Reading the solo and building its grammar…")
def cached_corpus(
    source: str, melody_part: int | None = None, chord_part: int | None = None
) -> Corpus:
    """A source's Corpus, shared by every session (it is frozen), keyed by path/name and parts."""
    return load_corpus(source, melody_part=melody_part, chord_part=chord_part)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_parts(path: str) -> list[PartInfo]:
    """The parts of an uploaded file, for the melody and chord pickers."""
    return list_parts(path)


@st.cache_resource
def training_slots() -> TrainingSlots:
    """One queue for the whole server: at most JAZZCORE_MAX_TRAININGS trainings at once."""
    return TrainingSlots(max_concurrent_trainings())


def _metheny_source() -> str | None:
    if sources.metheny_cached():
        return "metheny"
    if sources.offline():
        st.sidebar.warning(
            "JAZZCORE_OFFLINE=1 forbids downloading the Metheny file: upload "
            "original_metheny.mid under “Your own MIDI / MusicXML”, or use the lead sheets."
        )
        return None
    st.sidebar.caption(
        "The file (92 KB) is downloaded once from the deepjazz repository and checked."
    )
    return "metheny"


def _upload_source() -> tuple[str | None, dict]:
    uploaded = st.sidebar.file_uploader(
        "MIDI or MusicXML file", type=["mid", "midi", "xml", "musicxml", "mxl"], key="upload_file"
    )
    if uploaded is None:
        st.sidebar.info("Upload a solo: the melody part is found automatically, or pick it below.")
        return None, {}
    path = save_upload(uploaded.getvalue(), uploaded.name)
    labels = {None: "automatic"} | {p.index: part_label(p) for p in cached_parts(str(path))}
    melody = st.sidebar.selectbox(
        "Melody part",
        list(labels),
        format_func=labels.get,
        key="melody_part",
        help="How do I find the melody? The automatic choice prefers a monophonic, high, "
        "busy part that is not drums.",
    )
    chords = st.sidebar.selectbox(
        "Chords from", list(labels), format_func=labels.get, key="chord_part"
    )
    return str(path), {"melody_part": melody, "chord_part": chords}


def corpus_picker() -> None:
    """The sidebar's corpus choice, drawn before the page runs: the page gets the chosen
    Corpus (or None, the reason shown in the sidebar) from :func:`page_corpus`."""
    st.session_state["_corpus"] = _chosen_corpus()


def _chosen_corpus() -> Corpus | None:
    st.sidebar.header("Corpus")
    choice = st.sidebar.radio(
        "Train on", list(CORPUS_CHOICES), format_func=CORPUS_CHOICES.get, key="corpus_choice"
    )
    with friendly_errors():
        if choice == "leadsheets":
            source, options = "leadsheets", {}
        elif choice == "metheny":
            source, options = _metheny_source(), {}
        else:
            source, options = _upload_source()
        if source is None:
            return None
        corpus = cached_corpus(source, **options)
        st.sidebar.caption(f"{corpus.name}: {len(corpus.values)} values, {corpus.n_values} unique.")
        return corpus
    return None


def clamp_widget_value(key: str, low, high) -> None:
    """Bring a kept value into a widget's range, which may have changed (another corpus)."""
    if key in st.session_state and not low <= st.session_state[key] <= high:
        st.session_state[key] = min(max(st.session_state[key], low), high)


# ---------------------------------------------------------------------------------------
# The user's models

MODELS_KEPT = 4
"""Models a session keeps, one per corpus (vocabulary): the most recently trained or loaded."""


def keep_model(model: JazzModel) -> None:
    """Make ``model`` the user's model for its corpus. Models of other corpora are kept, so
    a quick run on one corpus never throws away a long training on another."""
    models = st.session_state.setdefault("models", {})
    key = model.vocabulary.fingerprint()
    models.pop(key, None)
    models[key] = model
    while len(models) > MODELS_KEPT:
        models.pop(next(iter(models)))
    st.session_state["model"] = model  # the latest, whatever its corpus


def current_model(corpus: Corpus | None) -> JazzModel | None:
    """The user's model for the corpus (same vocabulary), else None.

    A run that finished while the user was on another page is collected first."""
    job = st.session_state.get("job")
    if job is not None:
        collect_model(job)
    if corpus is None:
        return None
    return st.session_state.get("models", {}).get(corpus.vocabulary.fingerprint())


def model_status(corpus: Corpus | None) -> str:
    """One line about the user's model for the corpus (or why there is none)."""
    model = current_model(corpus)
    if model is None:
        if st.session_state.get("models"):
            return (
                "Your model was trained on another corpus (it is kept: switch back to use it): "
                "train one for this corpus on the Train page."
            )
        return "No model yet: train one on the Train page."
    text = f"Model ready: n_a = {model.n_a}, {model.n_values} values, {len(model.history)} epochs"
    if model.history:
        return text + f", final loss {model.history[-1]['loss']:.2f}."
    return text + "."


def load_uploaded_model(uploaded: UploadedFile | None, corpus: Corpus) -> None:
    """Make an uploaded model file the user's model for the corpus, and say how it went
    (an error line or a success line, shown while the file stays in the uploader).

    Each upload is read once per corpus, not on every rerun; after switching to the
    corpus the model belongs to, the same file is read again (and loads)."""
    if uploaded is None:
        st.session_state.pop("model_upload_result", None)
        return
    upload_id = (uploaded.file_id, corpus.sha256)
    if st.session_state.get("model_upload_id") != upload_id:
        st.session_state["model_upload_id"] = upload_id
        try:
            loaded = load_model(uploaded.getvalue(), vocabulary=corpus.vocabulary)
        except JazzcoreError as exc:
            st.session_state["model_upload_result"] = ("error", f"{uploaded.name}: {exc}")
        else:
            keep_model(loaded)
            st.session_state["model_upload_result"] = (
                "success",
                f"Loaded {uploaded.name}: n_a = {loaded.n_a}, {loaded.n_values} values.",
            )
    kind, text = st.session_state.get("model_upload_result", ("success", ""))
    if kind == "error":
        st.error(text, icon="⚠️")
    elif text:
        st.success(text)


# ---------------------------------------------------------------------------------------
# Trainings


def start_training(
    run: Callable[..., JazzModel], epochs: int, *, quick: bool = False
) -> TrainingJob:
    """Start the user's training job (replacing a running one: one run per user)."""
    old = st.session_state.get("job")
    if old is not None and old.active:
        old.stop()
    # the job stops by itself once this session (and so its token) is gone
    owner = st.session_state.setdefault("session_token", SessionToken())
    job = TrainingJob(run, training_slots(), epochs=int(epochs), quick=quick, owner=owner).start()
    st.session_state["job"] = job
    return job


def collect_model(job: TrainingJob) -> None:
    """Put a finished job's model in the session (once: a later upload is not overwritten)."""
    if (
        job.model is not None
        and not job.active
        and st.session_state.get("job_collected") != job.ticket
    ):
        keep_model(job.model)
        st.session_state["job_collected"] = job.ticket


def live_job(job: TrainingJob, draw: Callable[[TrainingJob], None]) -> None:
    """``draw(job)`` now and, while the job is queued or running, again every
    LIVE_VIEW_SECONDS (a fragment: only it is redrawn, the rest of the page stays).

    When the job ends, the whole page reruns once, so that it shows the new model; after
    that the view is drawn once per page run and no longer re-runs by itself."""
    following = job.active

    def view() -> None:
        draw(job)
        if following and not job.active:
            collect_model(job)
            st.rerun()

    st.fragment(view, run_every=LIVE_VIEW_SECONDS if following else None)()


def _quick_progress(job: TrainingJob) -> None:
    if job.status == "queued":
        st.info(job.status_text())
    elif job.active:
        st.progress(job.progress, text=f"Quick training on the corpus. {job.status_text()}")


def requested_model(corpus: Corpus, request: str, pressed: bool) -> JazzModel | None:
    """The user's model for the corpus, on the page run where a press of the page's button
    (``pressed``) can be answered; else None.

    With a model, that is the run of the press. Without one, the press starts a quick
    training (QUICK_EPOCHS, the course's settings) in the shared queue, shown live; the
    request (``st.session_state[request]``) waits for it, and the model comes on the run
    after it ends. A training the user started on the Train page is never stopped for it:
    that would lose their work. They are told to wait for it or stop it there.
    """
    if pressed:
        st.session_state[request] = True
    if not st.session_state.get(request):
        return None
    model = current_model(corpus)
    job = st.session_state.get("job")
    if model is not None:
        del st.session_state[request]
        return model
    if job is not None and job.active and job.quick:  # started by this request: follow it
        live_job(job, _quick_progress)
        return None
    del st.session_state[request]  # answered below, one way or another
    if job is not None and job.active:
        st.info(
            f"Your training on the Train page is still going ({job.status_text()}): its model "
            "will be used when it ends. Wait for it, or stop it on **Train** to keep what it "
            "has learnt.",
            icon="⏳",
        )
    elif pressed:
        with friendly_errors():  # e.g. a corpus too short for the course's windows
            run = training_run(corpus, QUICK_TRAINING)
            live_job(start_training(run, QUICK_EPOCHS, quick=True), _quick_progress)
            st.session_state[request] = True
    elif job is not None and job.status == "failed":  # the quick run ended without a model
        st.error(job.status_text(), icon="⚠️")
    return None


# ---------------------------------------------------------------------------------------
# Generation


def generation(
    model: JazzModel, corpus: Corpus, settings: GenerationSettings, pressed: bool
) -> Generation | None:
    """The Generate page's piece: made when Generate is ``pressed`` and, after the first
    press, again at once whenever a setting or the model changes; else the last one.

    An error (a progression that cannot be read, …) is one line, with no stale piece under
    it; before the first press the page says what the button does. None then.
    """
    attempted = st.session_state.get("gen_attempted")
    changed = attempted is None or attempted[0] != settings or attempted[1] is not model
    if pressed or (st.session_state.get("gen_auto") and changed):
        st.session_state["gen_auto"] = True  # from now on a changed setting regenerates
        st.session_state["gen_attempted"] = (settings, model)
        st.session_state.pop("generation", None)
        st.session_state.pop("generation_error", None)
        try:
            with st.spinner("Improvising…"):
                st.session_state["generation"] = generate(model, corpus, settings)
        except JazzcoreError as exc:
            st.session_state["generation_error"] = str(exc)
    if "generation_error" in st.session_state:
        st.error(st.session_state["generation_error"], icon="⚠️")
        return None
    if "generation" not in st.session_state:
        st.info(
            "Press **Generate**: after that, every change of a setting generates again at once."
        )
        return None
    return st.session_state["generation"]
