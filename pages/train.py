"""Train: settings, Train/Stop, a live loss chart, the model summary, model download and upload."""

from __future__ import annotations

import functools

import streamlit as st

from jazzcore.app import session, views
from jazzcore.app.generation import training_run
from jazzcore.app.jobs import TrainingJob
from jazzcore.app.session import KEEP
from jazzcore.model import MAX_EPOCHS, MAX_N_A, TrainConfig
from jazzcore.persist import model_bytes

st.title("🏋️ Train the LSTM")
corpus = session.page_corpus()

with st.form("train_settings"):
    c1, c2, c3 = st.columns(3)
    n_a = c1.number_input("n_a (LSTM units)", 1, MAX_N_A, 64, key="train_n_a", **KEEP)
    epochs = c2.number_input("epochs", 1, MAX_EPOCHS, 100, key="train_epochs", **KEEP)
    learning_rate = c3.number_input(
        "learning rate", 0.0001, 0.5, 0.01, step=0.001, format="%.4f", key="train_lr", **KEEP
    )
    c4, c5, c6 = st.columns(3)
    m = c4.number_input("m (training windows)", 1, 1000, 60, key="train_m", **KEEP)
    Tx = c5.number_input("Tx (time steps)", 2, 200, 30, key="train_tx", **KEEP)
    seed = c6.number_input("seed", 0, 1_000_000, 0, key="train_seed", **KEEP)
    start = st.form_submit_button("▶ Train", type="primary")

if start:
    with session.friendly_errors():
        config = TrainConfig(n_a=n_a, epochs=epochs, learning_rate=learning_rate, seed=seed)
        session.start_training(training_run(corpus, config, m=m, Tx=Tx), epochs)


def live_training(job: TrainingJob) -> None:
    """Stop (while it runs), the status line and the loss chart; redrawn while it trains."""
    if job.active and not job.stop_requested and st.button("■ Stop", key="train_stop"):
        job.stop()  # the run ends after this epoch and keeps its weights
    text = job.status_text()
    if job.status == "queued":
        st.info(text)
    elif job.active:
        stopping = " — stopping after this epoch." if job.stop_requested else ""
        st.progress(job.progress, text=text + stopping)
    elif job.status == "failed":
        st.error(text, icon="⚠️")
    else:
        st.success(text + " Go to **Generate** to hear it.")
    st.plotly_chart(views.progress_chart(job.history), key="loss_chart")


job = st.session_state.get("job")
if job is not None:
    session.live_job(job, live_training)

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
