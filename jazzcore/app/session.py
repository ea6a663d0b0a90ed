"""What every page shares, on the Streamlit side: whose page this is, the navigation, the
corpus picker, the visitor's models and their trainings, the Generate page's piece.

Heavy shared objects are server-wide (``st.cache_resource``): corpora keyed by their
files' hashes, the :class:`~jazzcore.app.trainer.Trainer`, the
:class:`~jazzcore.app.visitors.VisitorStore`, the shared quick models and their solos.
A visitor's own work lives in ``st.session_state`` for the page's session and in their
:class:`~jazzcore.app.visitors.Visitor` on the server for reloads (the ``?v=`` token);
no visitor reaches another's. Computation stays in jazzcore and the app's other modules.

Why this module is long: it is the app's one Streamlit module, and the session keys the
pages share are written here, and only here:

    _visitor           this page's visitor (their token is in the address: ?v=…)
    _corpus, _problem  the corpus picked in the sidebar (None: none usable) and why not
    models, model      the visitor's models, one per corpus (the last MODELS_KEPT); the latest
    job, job_collected the visitor's own training (a TrainingJob) and the number of the last
                       one whose model was kept
    home_solo, …       Home's last solo; the Generate page's piece, its error, what was asked
    share              a share link's solo, until it is heard
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from threadpoolctl import threadpool_limits

from jazzcore import sources
from jazzcore.dataset import Corpus, load_corpus
from jazzcore.errors import InputFileError, JazzcoreError
from jazzcore.model import JazzModel
from jazzcore.persist import load_model
from jazzcore.readers import PartInfo, read_music
from jazzcore.runtime import keep_freed_memory

from .generation import QUICK_TRAINING, Generation, GenerationSettings, generate, training_run
from .jobs import RunSpec, TrainingJob, describe_seconds, duration_text
from .links import SharedSolo, read_share, share_keys, share_url, widget_values
from .scheduler import ADMITTED
from .trainer import GONE_AFTER_S, Trainer
from .uploads import (
    Upload,
    automatic_choice,
    keep_upload,
    named,
    named_error,
    part_label,
    solo_rows,
)
from .views import CLOSE_SIDEBAR_ON_NARROW_SCREENS, HIDE_HEADER_STOP
from .visitors import Visitor, VisitorStore

DURABLE = (
    "models",
    "model",
    "job",
    "job_collected",
    "home_solo",
    "home_plays",
    "generation",
    "generation_error",
    "gen_attempted",
    "gen_auto",
    "upload",
    "share",
    "home_solo_requested",
    "gen_quick_requested",
    "gen_share_requested",
)
"""Session keys kept for the visitor across reloads (a press waiting for the quick model
too: after a reload the solo still comes)."""
_KEPT_WIDGETS = {"corpus_choice", "melody_part", "chord_part"}

LIVE_VIEW_SECONDS = 1.0
"""How often a running training's status line is redrawn."""
LIVE_CHART_SECONDS = 3.0
"""How often a running training's loss chart is redrawn (the browser's dearest drawing: five
students' charts every second took most of a core of this machine)."""
QUICK_VIEW_SECONDS = 1.0
"""How often a long shared run's progress is redrawn (a share link's model)."""
WAIT_IN_PAGE_S = 20.0
"""A shared run is waited for inside the page's run this long (the quick model: about a
second); a longer one is followed by a live view."""
PAGES = Path(__file__).resolve().parents[2] / "pages"


@st.cache_resource
def server_setup() -> None:
    """Once per server process: glibc keeps freed pages mapped (faster solos), and NumPy's
    products on one BLAS thread — the pages' matrices are small, and spinning BLAS threads
    would take the core the trainer process trains on."""
    keep_freed_memory()
    threadpool_limits(limits=1, user_api="blas")


def kept(key: str) -> dict:
    """A widget's ``key`` and what keeps its value: for the session across pages, and for
    the visitor across reloads. Pass ``**kept("train_epochs")`` to the widget."""
    _KEPT_WIDGETS.add(key)
    return {"key": key, "persist_state": "session"}


# ---------------------------------------------------------------------------------------
# Whose page this is


def _connected(session_id: str) -> bool:
    """Whether a session's page is connected (without a server, as in tests: yes)."""
    return not Runtime.exists() or bool(Runtime.instance().is_active_session(session_id))


def _open_pages() -> list[str]:
    """The session ids of the connected pages. Streamlit has no public list of them: read
    from its session manager, and none if that ever changes (a visitor is then gone
    GONE_AFTER_S after their last page closed, however busy the server)."""
    try:
        infos = Runtime.instance()._session_mgr.list_active_sessions()
        return [info.session.id for info in infos]
    except Exception:
        return []


@st.cache_resource
def visitors() -> VisitorStore:
    """Every visitor's kept work, server-wide."""
    return VisitorStore(_connected, _open_pages, grace_s=GONE_AFTER_S)


@st.cache_resource(on_release=Trainer.close)  # a cleared cache ends its trainer process
def trainer() -> Trainer:
    """The server's one trainer ($JAZZCORE_TRAINER: 'process', the default, or 'thread';
    $JAZZCORE_TRAINING_PLACES: long runs sharing it at once, default 8). The shared models
    are kept in the download cache's shared-models folder for the next start."""
    return Trainer(
        os.environ.get("JAZZCORE_TRAINER", "process"),
        admitted=int(os.environ.get("JAZZCORE_TRAINING_PLACES", ADMITTED)),
        models_dir=sources.cache_dir() / "shared-models",
    )


def begin() -> Visitor:
    """First thing on every page run: find the visitor by the address's token (their work
    comes back after a reload), or make a new one; open a share link once."""
    visitor = st.session_state.get("_visitor")
    store = visitors()
    trainer()  # started with the first page, so the first solo does not wait for it
    if visitor is None:
        visitor = store.find(st.query_params.get("v"))
        if visitor is None:
            visitor = store.new()
        for key in DURABLE:  # set before the first run (a test's model): the visitor's
            if key in st.session_state and key not in visitor.state:
                visitor.state[key] = st.session_state[key]
        for key, value in {**visitor.state, **visitor.widgets}.items():
            if key not in st.session_state:
                st.session_state[key] = value
        st.session_state["_visitor"] = visitor
        _open_share_link()
    ctx = get_script_run_ctx()
    store.seen(visitor, ctx.session_id if ctx is not None else None)
    for key in _KEPT_WIDGETS & set(st.session_state.keys()):
        visitor.widgets[key] = st.session_state[key]
    if st.query_params.get("v") != visitor.token:
        st.query_params["v"] = visitor.token
    if time.time() - st.session_state.get("_pruned", 0) > 30:
        st.session_state["_pruned"] = time.time()
        store.prune()
    return visitor


def remember(key: str, value) -> None:
    """Set a session key the visitor keeps across reloads (one of DURABLE): every change of
    those keys goes through here (or :func:`forget`)."""
    st.session_state[key] = value
    visitor = st.session_state.get("_visitor")
    if visitor is not None:
        visitor.state[key] = value


def forget(key: str) -> None:
    """Drop a session key the visitor keeps (one of DURABLE)."""
    st.session_state.pop(key, None)
    visitor = st.session_state.get("_visitor")
    if visitor is not None:
        visitor.state.pop(key, None)


def _open_share_link() -> None:
    """A share link's settings become the widgets' values; its solo waits for the Generate
    page. The link's parameters leave the address (the token stays)."""
    params = st.query_params.to_dict()
    try:
        shared = read_share(params)
    except JazzcoreError as exc:
        st.session_state["_share_error"] = str(exc)
        shared = None
    for key in share_keys(params):
        del st.query_params[key]
    if shared is None:
        return
    values = widget_values(shared)
    for key, value in values.items():
        st.session_state[key] = value
    remember("share", shared)


# ---------------------------------------------------------------------------------------
# Navigation


def app_pages(home: Callable[[], None]) -> list[st.Page]:
    """The app's pages: Home (``home``, in streamlit_app.py) and the five in pages/."""
    return [
        st.Page(home, title="Home", icon="🏠", default=True, url_path="home"),
        st.Page(PAGES / "data.py", title="Data", icon="📊"),
        st.Page(PAGES / "train.py", title="Train", icon="🏋️"),
        st.Page(PAGES / "generate.py", title="Generate", icon="🎼"),
        st.Page(PAGES / "model.py", title="Model", icon="🧠"),
        st.Page(PAGES / "course.py", title="Course lab", icon="🎓"),
    ]


def _home_stand_in() -> None:
    """Home's place in the navigation :func:`page_corpus` registers for a deep link."""


def page_corpus(*, required: bool = True) -> Corpus | None:
    """The corpus chosen in the sidebar (streamlit_app.py's :func:`corpus_picker` runs before
    the page), for a page to call first. If none is usable and ``required``, the page says
    why in one line and stops.

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
    begin()
    corpus = st.session_state.get("_corpus")
    if corpus is None and required:
        corpus_problem()
        st.stop()
    return corpus


def corpus_problem() -> None:
    """Why no corpus is usable, in one line: the error reading the chosen one, or what to
    do in the sidebar."""
    kind, text = st.session_state.get("_problem") or ("info", "Choose a corpus in the sidebar.")
    if kind == "error":
        st.error(text, icon="⚠️")
    else:
        st.info(text)


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
    source: str,
    melody_part: int | None = None,
    chord_part: int | None = None,
    whole_song: bool = False,
    upload: Upload | None = None,
) -> Corpus:
    """A source's Corpus, shared by every session (it is frozen), keyed by path/name, parts
    and reading; an ``upload``'s is named as the visitor named their file."""
    options = {"melody_part": melody_part, "chord_part": chord_part, "whole_song": whole_song}
    try:
        corpus = load_corpus(source, **{k: v for k, v in options.items() if v is not None})
    except JazzcoreError as exc:
        if upload is None:
            raise
        raise named_error(exc, upload) from None
    return corpus if upload is None else named(corpus, upload)


@st.cache_data(max_entries=32, show_spinner="Reading the file…")
def cached_parts(path: str, name: str, course_recipe: bool = False) -> tuple[list[PartInfo], str]:
    """The parts of an uploaded file (``name``: as its visitor named it), for the melody and
    chord pickers, and the automatic choice in words ('' when no part can be the melody:
    the corpus says why). The file is parsed once (in the sandbox, kept by its SHA-256):
    the corpus of any choice of parts reuses that parse."""
    music = read_music(path, name)
    try:
        automatic = automatic_choice(music, course_recipe=course_recipe)
    except JazzcoreError:
        automatic = ""
    return music.infos, automatic


def _metheny_source() -> str | None:
    if sources.metheny_cached():
        return "metheny"
    if sources.offline():
        st.sidebar.warning(
            "JAZZCORE_OFFLINE=1 forbids downloading the Metheny file: upload "
            "original_metheny.mid under “Your own MIDI / MusicXML”, or use the lead sheets."
        )
        st.session_state["_problem"] = (
            "info",
            "The Metheny solo is not on this server and may not be downloaded: see the sidebar.",
        )
        return None
    st.sidebar.caption(
        "The file (92 KB) is downloaded once from the deepjazz repository and checked."
    )
    return "metheny"


UPLOAD_TYPES = ["mid", "midi", "xml", "musicxml", "mxl", "zip"]


def _once(key: tuple, read: Callable[[], object]):
    """``read()``, unless it failed before for this ``key`` in this session: then its
    JazzcoreError again, without reading (a hostile file costs the sandbox's budget once,
    not at every click). Forgotten at the next upload."""
    failed = st.session_state.setdefault("_upload_failures", {})
    if key in failed:
        raise failed[key]
    try:
        return read()
    except JazzcoreError as exc:
        failed[key] = exc
        raise


def _take_upload(files: list) -> None:
    """Keep the files just put in the uploader (once per set of files): the visitor's upload
    from now on, with the part pickers back on automatic; a refusal is the problem shown."""
    ids = tuple(f.file_id for f in files)
    if not ids or st.session_state.get("_upload_ids") == ids:
        return
    st.session_state["_upload_ids"] = ids
    st.session_state["_upload_failures"] = {}
    st.session_state.pop("_upload_error", None)
    for key in ("melody_part", "chord_part"):
        st.session_state[key] = None
    st.session_state["upload_whole_song"] = False
    try:
        remember("upload", keep_upload([(f.name, f.getvalue()) for f in files]))
    except JazzcoreError as exc:
        forget("upload")
        st.session_state["_upload_error"] = str(exc)


def _upload_source() -> tuple[str | None, dict]:
    # One file per upload (Streamlit bounds each file, not how many a visitor picks: many
    # at once would all sit in the server's memory before any check); several solos come
    # as one .zip, which is checked before it is unpacked.
    uploaded = st.sidebar.file_uploader(
        "A MIDI or MusicXML file, or a .zip of several",
        type=UPLOAD_TYPES,
        key="upload_file",
        help="One file is a solo; a .zip of files is one corpus of several solos.",
    )
    files = [uploaded] if uploaded is not None else []
    _take_upload(files or [])
    if not files:
        st.session_state.pop("_upload_ids", None)  # the same file again is a new upload
        st.session_state.pop("_upload_error", None)
    if "_upload_error" in st.session_state:
        raise InputFileError(st.session_state["_upload_error"])
    upload = st.session_state.get("upload")
    if not isinstance(upload, Upload) or not Path(upload.path).is_file():
        st.sidebar.info("Upload a solo: the melody part is found automatically, or pick it below.")
        st.session_state["_problem"] = ("info", "Upload a solo in the sidebar to begin.")
        return None, {}
    if not files:
        st.sidebar.caption(
            f"Your upload: {upload.name} (uploaded earlier; upload another to replace it)."
        )
    if upload.is_archive:
        return upload.path, {"upload": upload}
    return upload.path, {"upload": upload, **_part_pickers(upload)}


def _part_pickers(upload: Upload) -> dict:
    """The sidebar's choice of parts for one uploaded file (and of the whole-song reading,
    for the course's Metheny file): the options of its corpus."""
    whole_song = False
    if upload.metheny:
        whole_song = st.sidebar.checkbox(
            "Read the whole song",
            help="This is the course's Metheny file: by default it is read the course's way "
            "(18 measures, 78 values). Ticked, the general reader reads the whole song.",
            **kept("upload_whole_song"),
        )
    chosen = any(st.session_state.get(k) is not None for k in ("melody_part", "chord_part"))
    recipe = upload.metheny and not whole_song and not chosen
    infos, automatic = _once(
        (upload.path, recipe), lambda: cached_parts(upload.path, upload.name, recipe)
    )
    labels = {None: "automatic"} | {p.index: part_label(p) for p in infos}
    for key in ("melody_part", "chord_part"):
        if st.session_state.get(key) not in labels:
            st.session_state[key] = None  # a part of another file
    melody = st.sidebar.selectbox(
        "Melody part",
        list(labels),
        format_func=labels.get,
        key="melody_part",
        help="The automatic choice takes the part a musician would: a high line that plays "
        "most of the time, one note at a time (a piano's top line), never the bass or drums.",
    )
    chords = st.sidebar.selectbox(
        "Chords from", list(labels), format_func=labels.get, key="chord_part"
    )
    if automatic and melody is None and chords is None:
        st.sidebar.caption(automatic)
    return {"melody_part": melody, "chord_part": chords, "whole_song": whole_song}


def corpus_picker(page: st.Page | None = None) -> None:
    """The sidebar's corpus choice, drawn before the ``page`` runs: the page gets the
    chosen Corpus (or None, and why: :func:`corpus_problem`) from :func:`page_corpus`."""
    begin()
    st.session_state["_problem"] = None
    st.session_state["_corpus"] = _chosen_corpus()
    _sidebar_training(on_train_page=page is not None and page.title == "Train")
    st.sidebar.html(CLOSE_SIDEBAR_ON_NARROW_SCREENS, unsafe_allow_javascript=True)


def _chosen_corpus() -> Corpus | None:
    st.sidebar.header("Corpus")
    choice = st.sidebar.radio(
        "Train on", list(CORPUS_CHOICES), format_func=CORPUS_CHOICES.get, **kept("corpus_choice")
    )
    try:
        if choice == "leadsheets":
            source, options = "leadsheets", {}
        elif choice == "metheny":
            source, options = _metheny_source(), {}
        else:
            source, options = _upload_source()
        if source is None:
            return None
        if "upload" in options:  # a user's file: a refusal is remembered, not read again
            key = (source, *sorted((k, str(v)) for k, v in options.items() if k != "upload"))
            corpus = _once(key, lambda: cached_corpus(source, **options))
        else:
            corpus = cached_corpus(source, **options)
    except JazzcoreError as exc:  # shown once, by the page (corpus_problem)
        st.session_state["_problem"] = ("error", str(exc))
        return None
    st.sidebar.caption(f"{corpus.name}: {len(corpus.values)} values, {corpus.n_values} unique.")
    if choice == "upload":
        _corpus_files(corpus)
    return corpus


def _corpus_files(corpus: Corpus) -> None:
    """What each uploaded file gave (its melody and chords), and the files left out, why."""
    rows = solo_rows(corpus)
    if len(rows) == 1 and not corpus.skipped:
        st.sidebar.caption(f"Melody: {rows[0]['melody']}; chords: {rows[0]['chords']}.")
        return
    with st.sidebar.expander(f"{len(rows)} solos, {len(corpus.skipped)} files skipped"):
        lines = [f"{r['file']}: melody {r['melody']}; chords: {r['chords']}" for r in rows]
        st.markdown("\n".join(f"- {line}" for line in lines + list(corpus.skipped[:20])))


def _sidebar_training(on_train_page: bool) -> None:
    """The visitor's training, in the sidebar of the other pages while it runs. Streamlit's
    own Stop (in the page's header) would stop only the page's live view, leaving the page
    frozen while the run goes on: it is hidden then, and the Train page's ■ Stop stops the
    run."""
    job = st.session_state.get("job")
    if job is None or not job.active:
        return
    st.html(HIDE_HEADER_STOP)
    if not on_train_page:
        left = f", {describe_seconds(job.left_s)} left" if job.left_s is not None else ""
        st.sidebar.caption(
            f"🏋️ Your run: {len(job.history):,} of {job.epochs:,} epochs{left} (on **Train**)."
        )


def clamp_widget_value(key: str, low, high) -> None:
    """Bring a kept value into a widget's range, which may have changed (another corpus)."""
    value = st.session_state.get(key)
    if isinstance(value, int | float) and not low <= value <= high:
        st.session_state[key] = min(max(value, low), high)


# ---------------------------------------------------------------------------------------
# The visitor's models

MODELS_KEPT = 4
"""Models a visitor keeps, one per corpus (vocabulary): the most recently trained or loaded."""


def keep_model(model: JazzModel) -> None:
    """Make ``model`` the visitor's model for its corpus. Models of other corpora are kept, so
    a quick run on one corpus never throws away a long training on another."""
    models = dict(st.session_state.get("models", {}))
    key = model.vocabulary.fingerprint()
    models.pop(key, None)
    models[key] = model
    while len(models) > MODELS_KEPT:
        models.pop(next(iter(models)))
    remember("models", models)
    remember("model", model)  # the latest, whatever its corpus


def current_model(corpus: Corpus | None) -> JazzModel | None:
    """The visitor's model for the corpus (same vocabulary), else None.

    A run that finished while the visitor was on another page is collected first."""
    job = st.session_state.get("job")
    if job is not None:
        collect_model(job)
    if corpus is None:
        return None
    return st.session_state.get("models", {}).get(corpus.vocabulary.fingerprint())


def is_shared(model: JazzModel | None) -> bool:
    """Whether the model is one the server trained once for everyone (read-only)."""
    return model is not None and trainer().shared_key(model) is not None


def model_status(corpus: Corpus | None) -> str:
    """One line about the visitor's model for the corpus (or why there is none)."""
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
        text += f", final loss {model.history[-1]['loss']:.2f}"
    if is_shared(model):
        text += " (shared: everyone gets this model for these settings)"
    return text + "."


def load_uploaded_model(uploaded, corpus: Corpus) -> None:
    """Make an uploaded model file the visitor's model for the corpus, and say how it went
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


def start_training(spec: RunSpec) -> TrainingJob:
    """Start the visitor's own training (replacing a running one: one run per visitor).
    Over the budget: the one-line ParameterError, before anything is queued."""
    trainer().check(spec)
    old = st.session_state.get("job")
    if old is not None and old.active:
        old.stop()
    job = trainer().submit(spec, owner=begin())
    remember("job", job)
    return job


def run_limit_text() -> str:
    """This server's budget of one run, in words ('3 min')."""
    return duration_text(trainer().run_limit_s)


def collect_model(job: TrainingJob) -> None:
    """Put a finished job's model in the visitor's models (once: a later upload is not
    overwritten)."""
    if (
        job.model is not None
        and not job.active
        and st.session_state.get("job_collected") != job.number
    ):
        keep_model(job.model)
        remember("job_collected", job.number)


def live_job(
    job: TrainingJob,
    draw: Callable[[TrainingJob], None],
    every: float,
    *,
    rerun_at_end: bool = True,
) -> None:
    """``draw(job)`` now and, while the job is queued or running, again every ``every``
    seconds (a fragment: only it is redrawn, the rest of the page stays).

    When the job ends, the whole page reruns once (``rerun_at_end``: one view of the page
    does it), so that it shows the new model; after that the view is drawn once per page
    run and no longer re-runs by itself."""
    following = job.active

    def view() -> None:
        draw(job)
        if following and not job.active and rerun_at_end:
            if not job.shared:  # a shared model is taken by the request that waits for it
                collect_model(job)
            st.rerun()

    st.fragment(view, run_every=every if following else None)()


def _wait_in_page(job: TrainingJob) -> None:
    """Wait for a shared run inside this page run (up to WAIT_IN_PAGE_S), its progress
    redrawn as it goes: a waiting page costs the server nothing, where a live view would
    rerun it twice a second (a class of thirty waiting for the quick model: sixty reruns
    a second). A click elsewhere on the page still interrupts the wait at once."""
    slot = st.empty()
    st.html(HIDE_HEADER_STOP)  # Streamlit's Stop would freeze the wait, not stop the run
    deadline = time.monotonic() + WAIT_IN_PAGE_S
    shown = None
    while job.active and time.monotonic() < deadline:
        now = (job.status, len(job.history) * 50 // max(1, job.epochs), job.starts_in_s)
        if now != shown:
            with slot.container():
                _shared_progress(job)
            shown = now
        job.wait(0.25)
    slot.empty()


def _shared_progress(job: TrainingJob) -> None:
    if job.status == "queued":
        st.info(job.status_text())
    elif job.active:
        st.progress(job.progress, text=f"Training the model on the corpus. {job.status_text()}")


def prefetch_quick_model(corpus: Corpus) -> None:
    """Start the corpus's quick model now, if the server has not got it yet (once per
    corpus: about a second of the trainer, kept on disk), so that ▶ Hear a solo finds it
    ready: called by Home, where the button is."""
    try:
        trainer().shared(quick_run(corpus), owner=begin())
    except JazzcoreError:
        pass  # said when the button is pressed


def quick_run(corpus: Corpus) -> RunSpec:
    """The quick model's run of a corpus: QUICK_TRAINING on it, the same for everyone."""
    return _quick_run(corpus.sha256, corpus)


@st.cache_resource(max_entries=16, show_spinner=False)
def _quick_run(corpus_sha: str, _corpus: Corpus) -> RunSpec:
    return training_run(_corpus, QUICK_TRAINING)  # made once per corpus


def requested_model(
    corpus: Corpus, request: str, pressed: bool, shared: SharedSolo | None = None
) -> JazzModel | None:
    """The model a press of the page's button (``pressed``) asked for, on the page run
    where the press can be answered; else None.

    Without ``shared``: the visitor's model for the corpus, or else the quick model
    (QUICK_TRAINING), which the server trains once per corpus and shares: the first
    visitor to ask waits for its training (about a second, shown live), the others join
    that run or get the model at once. With ``shared``: the model of a share link's
    settings, the same way. The request (``st.session_state[request]``) waits for it.
    """
    if pressed:
        remember(request, "asked")
    pending = st.session_state.get(request)
    if pending is None:
        return None
    if shared is None:
        model = current_model(corpus)
        if model is not None:
            forget(request)
            return model
    job = pending if isinstance(pending, TrainingJob) else None
    if job is None:  # the press: the shared run, started or joined
        try:
            if shared is None:
                spec = quick_run(corpus)
            else:
                spec = training_run(corpus, shared.config, m=shared.m, Tx=shared.Tx)
            job = trainer().shared(spec, owner=begin(), quick=shared is None)
        except JazzcoreError as exc:  # e.g. a corpus too short for the course's windows
            forget(request)
            st.error(str(exc), icon="⚠️")
            return None
        remember(request, job)
    if job.active:
        _wait_in_page(job)
    if job.status == "done":
        forget(request)
        keep_model(job.model)
        return job.model
    if job.active:  # a long shared run (a share link's): followed live
        live_job(job, _shared_progress, QUICK_VIEW_SECONDS)
        return None
    forget(request)  # it failed or was stopped: said once
    st.error(job.status_text(), icon="⚠️")
    return None


# ---------------------------------------------------------------------------------------
# Generation


@st.cache_resource(max_entries=64, show_spinner=False)
def _shared_solo(
    model_key: str, model_id: int, corpus_sha: str, settings: GenerationSettings, _model, _corpus
) -> Generation:
    """A solo of a shared model: the same for everyone who asks (computed once). The
    model's id is in the key: a model trained again is another object (the cached solo
    holds its model, so an id is never reused while its solo is cached)."""
    return generate(_model, _corpus, settings)


def solo(model: JazzModel, corpus: Corpus, settings: GenerationSettings) -> Generation:
    """``generate``, once for everyone when the model is a shared one (same model, same
    settings and seed: the same solo)."""
    key = trainer().shared_key(model)
    if key is None:
        return generate(model, corpus, settings)
    return _shared_solo(key, id(model), corpus.sha256, settings, model, corpus)


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
        remember("gen_auto", True)  # from now on a changed setting regenerates
        remember("gen_attempted", (settings, model))
        forget("generation")
        forget("generation_error")
        try:
            with st.spinner("Improvising…"):
                remember("generation", solo(model, corpus, settings))
        except JazzcoreError as exc:
            remember("generation_error", str(exc))
    if "generation_error" in st.session_state:
        st.error(st.session_state["generation_error"], icon="⚠️")
        return None
    if "generation" not in st.session_state:
        st.info(
            "Press **Generate**: after that, every change of a setting generates again at once."
        )
        return None
    return st.session_state["generation"]


def share_link(corpus: Corpus, generation_: Generation) -> str:
    """The address of a link to this solo (:func:`.links.share_url`), or a ParameterError
    saying why there is none (an uploaded corpus)."""
    return share_url(st.context.url or "", corpus, generation_)


def pending_share() -> SharedSolo | None:
    """The solo of a share link this visitor opened and has not heard yet."""
    if "_share_error" in st.session_state:
        st.error(st.session_state.pop("_share_error"), icon="⚠️")
    return st.session_state.get("share")


def share_heard() -> None:
    """The share link's solo is the page's now: the link is answered (a reload does not
    ask again), and the page names it for the rest of the session."""
    st.session_state["_shared_from"] = st.session_state.get("share")
    forget("share")


def shared_from(settings: GenerationSettings) -> SharedSolo | None:
    """The share link whose solo these settings still are, if the page came from one."""
    shared = st.session_state.get("_shared_from")
    return shared if shared is not None and shared.settings == settings else None
