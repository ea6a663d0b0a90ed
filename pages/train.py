"""Train: settings, Train/Stop, a live loss chart, the model summary, model download and upload."""

from __future__ import annotations

import functools

import streamlit as st

from jazzcore.app import session, views
from jazzcore.app.generation import training_run
from jazzcore.app.jobs import TrainingJob
from jazzcore.model import MAX_EPOCHS, MAX_N_A, TrainConfig
from jazzcore.persist import model_bytes

st.title("🏋️ Train the LSTM")
corpus = session.page_corpus()

# No bounds on the inputs: a value out of range is refused in words when Train is pressed
# (a bounded input only turns red).
with st.form("train_settings"):
    c1, c2, c3 = st.columns(3)
    n_a = c1.number_input(
        "n_a (LSTM units)",
        value=64,
        step=1,
        help=f"From 1 to {MAX_N_A:,}.",
        **session.kept("train_n_a"),
    )
    epochs = c2.number_input(
        "epochs",
        value=100,
        step=1,
        help=f"From 1 to {MAX_EPOCHS:,}; on this shared server a run may take "
        f"{session.run_limit_text()} of the trainer.",
        **session.kept("train_epochs"),
    )
    learning_rate = c3.number_input(
        "learning rate",
        value=0.01,
        step=0.001,
        format="%.4f",
        help="Above 0, at most 1.",
        **session.kept("train_lr"),
    )
    c4, c5, c6 = st.columns(3)
    m = c4.number_input("m (training windows)", value=60, step=1, **session.kept("train_m"))
    Tx = c5.number_input("Tx (time steps)", value=30, step=1, **session.kept("train_tx"))
    seed = c6.number_input("seed", value=0, step=1, **session.kept("train_seed"))
    carry_state = st.checkbox(
        "carry the LSTM's state from step to step",
        value=True,
        help="As the course's text says. Off: the 2018 notebook's printed listing, which "
        "passes initial_state=[a0, c0] at every step — each prediction then sees only its "
        "own input (compare the loss curves; the Course lab plays both).",
        **session.kept("train_carry"),
    )
    start = st.form_submit_button("▶ Train", type="primary")

if start:
    with session.friendly_errors():
        config = TrainConfig(
            n_a=n_a,
            epochs=epochs,
            learning_rate=learning_rate,
            seed=seed,
            carry_state=bool(carry_state),
        )
        session.start_training(training_run(corpus, config, m=m, Tx=Tx))


def live_status(job: TrainingJob) -> None:
    """Stop (while it runs) and the status line; redrawn every second while it trains."""
    if job.active and not job.stop_requested and st.button("■ Stop", key="train_stop"):
        job.stop()  # the run ends after this epoch and keeps its weights
    text = job.status_text()
    if job.status == "queued":
        st.info(text)
    elif job.active:
        st.progress(job.progress, text=text)
    elif job.status == "failed":
        st.error(text, icon="⚠️")
    else:
        st.success(text + " Go to **Generate** to hear it.")


def live_chart(job: TrainingJob) -> None:
    """The loss chart, redrawn every few seconds while it trains (drawing it costs the
    browser more than anything else on the page)."""
    st.plotly_chart(views.progress_chart(job.history), key="loss_chart")


job = st.session_state.get("job")
if job is not None:
    session.live_job(job, live_status, session.LIVE_VIEW_SECONDS)
    session.live_job(job, live_chart, session.LIVE_CHART_SECONDS, rerun_at_end=False)

st.subheader("Your model")
uploaded = st.file_uploader(
    "Load a trained model (.npz, saved by this app or `python -m jazzcore train`)",
    type=["npz"],
    key="model_upload",
)
session.load_uploaded_model(uploaded, corpus)

model = session.current_model(corpus)
st.write(session.model_status(corpus))
if model is not None:
    with st.expander("Model summary"):
        st.code(model.summary(), language=None)
    # a callable: the model is compressed when the button is pressed, not on every rerun
    st.download_button(
        "⬇ Download the model (.npz)",
        data=functools.partial(model_bytes, model),
        file_name="jazz_lstm_model.npz",
        mime="application/octet-stream",
        key="model_download",
    )
