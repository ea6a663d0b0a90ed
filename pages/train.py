"""Train: settings, Train/Stop, a live loss chart, the model summary, model download and upload."""

from __future__ import annotations

import functools
import time

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

import jazzcore
from jazzcore import app_support, persist, training
from pages import common

POLL_S = 0.25

st.title("🏋️ Train the LSTM")
corpus = st.session_state.get("_corpus")
if corpus is None:
    st.info("Choose a corpus in the sidebar first.")
    st.stop()

with st.form("train_settings"):
    c1, c2, c3 = st.columns(3)
    n_a = c1.number_input("n_a (LSTM units)", 1, training.MAX_N_A, 64, key="train_n_a", **common.KEEP)
    epochs = c2.number_input("epochs", 1, training.MAX_EPOCHS, 100, key="train_epochs", **common.KEEP)
    learning_rate = c3.number_input("learning rate", 0.0001, 0.5, 0.01, step=0.001, format="%.4f", key="train_lr", **common.KEEP)
    c4, c5, c6 = st.columns(3)
    m = c4.number_input("m (training windows)", 1, 1000, 60, key="train_m", **common.KEEP)
    Tx = c5.number_input("Tx (time steps)", 2, 200, 30, key="train_tx", **common.KEEP)
    seed = c6.number_input("seed", 0, 1_000_000, 0, key="train_seed", **common.KEEP)
    start = st.form_submit_button("▶ Train", type="primary")

if start:
    with common.friendly_errors():
        run = app_support.training_run(corpus, epochs=int(epochs), n_a=int(n_a), learning_rate=float(learning_rate),
                                       m=int(m), Tx=int(Tx), seed=int(seed))
        common.start_training(run, int(epochs))

job: app_support.TrainingJob | None = st.session_state.get("job")
stop_slot = st.empty()  # the Stop button exists only while a run is active
if job is not None and job.active and stop_slot.button("■ Stop", key="train_stop"):
    job.stop()  # the run ends after this epoch and keeps its weights


def progress_chart(history: list[app_support.EpochRecord]) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], specs=[[{"secondary_y": True}, {}]],
                           subplot_titles=("loss and accuracy per epoch", "loss per time step (last epoch)"))
    epochs_axis = [r.epoch for r in history]
    figure.add_trace(go.Scatter(x=epochs_axis, y=[r.loss for r in history], name="loss (sum over steps)",
                                mode="lines+markers"), row=1, col=1)
    figure.add_trace(go.Scatter(x=epochs_axis, y=[r.accuracy for r in history], name="accuracy",
                                mode="lines", line={"dash": "dot"}), row=1, col=1, secondary_y=True)
    if history:
        steps = history[-1].per_step_loss
        figure.add_trace(go.Bar(x=list(range(1, len(steps) + 1)), y=steps, name="loss at step t"), row=1, col=2)
    figure.update_xaxes(title_text="epoch", row=1, col=1)
    figure.update_xaxes(title_text="time step t", row=1, col=2)
    figure.update_yaxes(range=[0, 1], secondary_y=True, row=1, col=1)
    figure.update_layout(height=380, legend={"orientation": "h", "y": -0.25})
    return figure


status = st.empty()
chart = st.empty()


def show(job: app_support.TrainingJob, frame: int) -> None:
    text = common.job_status_text(job)
    if job.status == "queued":
        status.info(text)
    elif job.status == "running":
        status.progress(len(job.history) / job.epochs, text=text)
    elif job.status == "failed":
        status.error(text, icon="⚠️")
    else:
        status.success(text + " Go to **Generate** to hear it.")
    chart.plotly_chart(progress_chart(job.history), key=f"loss_chart_{job.ticket}_{frame}")


if job is not None:
    frame = 0
    while job.active:  # the training runs in its own thread; this loop only redraws
        show(job, frame)
        frame += 1
        time.sleep(POLL_S)
    stop_slot.empty()
    show(job, frame)
    common.collect_model(job)

st.subheader("Your model")
uploaded = st.file_uploader("Load a trained model (.npz, saved by this app or `python -m jazzcore train`)",
                            type=["npz"], key="model_upload")
# Load each upload once per corpus, not on every rerun: after switching to the corpus the
# model belongs to, the same file loads.
upload_id = None if uploaded is None else (uploaded.file_id, corpus.sha256)
if uploaded is not None and st.session_state.get("model_upload_id") != upload_id:
    st.session_state["model_upload_id"] = upload_id
    try:
        loaded = jazzcore.load_model(uploaded.getvalue(), vocabulary=corpus.vocabulary)
    except jazzcore.JazzcoreError as exc:
        st.session_state["model_upload_result"] = ("error", f"{uploaded.name}: {exc}")
    else:
        common.keep_model(loaded)
        st.session_state["model_upload_result"] = (
            "success", f"Loaded {uploaded.name}: n_a = {loaded.n_a}, {loaded.n_values} values.")
if uploaded is None:
    st.session_state.pop("model_upload_result", None)
elif "model_upload_result" in st.session_state:
    kind, text = st.session_state["model_upload_result"]
    if kind == "error":
        st.error(text, icon="⚠️")
    else:
        st.success(text)

model = common.current_model(corpus)
st.write(common.model_status(corpus))
if model is not None:
    with st.expander("Model summary"):
        st.code(model.summary(), language=None)
    # a callable: the model is compressed when the button is pressed, not on every rerun
    st.download_button("⬇ Download the model (.npz)", data=functools.partial(persist.model_bytes, model),
                       file_name="jazz_lstm_model.npz", mime="application/octet-stream", key="model_download")
