"""Course lab: one of the course's choices at a time, its way beside the other, each side with
its loss curve and its solo (audio, piano roll, quality figures); a model taken home as a
notebook.

Every side's model is a run of the server's trainer that everyone asking for the same
settings shares (trained once, 1–4 s); the runs this visitor was given are kept in
``st.session_state["lab_jobs"]`` (by their settings' key) so a failed run is said, not
started again by itself.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from jazzcore.app import lab, session, views
from jazzcore.app.jobs import TrainingJob
from jazzcore.errors import JazzcoreError

st.title("🎓 Course lab")
corpus = session.page_corpus()
st.markdown(
    "The notebook made four choices the playground makes differently. Flip one at a time: "
    "everything else is the same on both sides (the corpus, the course's 60 windows of 30 "
    "steps, n_a = 64, the seeds), so what you hear and see is that one choice."
)

c1, c2 = st.columns([4, 1])
key = c1.radio(
    "The switch",
    lab.SWITCH_KEYS,
    format_func=lambda k: lab.switch(k).title,
    **session.kept("lab_switch"),
)
seed = c2.number_input(
    "seed",
    value=1,
    step=1,
    help="The solos' seed, the same on every side (a whole number from 0 to 4,294,967,295).",
    **session.kept("lab_seed"),
)


def start(spec) -> TrainingJob:
    return session.trainer().shared(spec, owner=session.begin(), quick=False)


def progress(job: TrainingJob) -> None:
    """A run's line while the visitor waits for it (redrawn every second)."""
    if job.status == "queued":
        st.info(job.status_text())
    elif job.active:
        st.progress(job.progress, text=f"{job.epochs:,} epochs: {job.status_text()}")


def comparison() -> None:
    """The chosen switch: its runs (waited for, or why they failed), then its sides."""
    try:
        chosen = lab.switch(key, seed)
        retry = st.session_state.pop("lab_retry", False)
        specs = lab.runs(corpus, chosen)
        jobs = lab.follow(specs, st.session_state.setdefault("lab_jobs", {}), start, retry=retry)
    except JazzcoreError as exc:
        st.error(str(exc), icon="⚠️")
        return
    st.info(chosen.listen, icon="👂")

    waiting = {job.number: job for job in jobs if job.active}
    if waiting:
        st.caption("Training the models (the server trains each once, for everyone)…")
        for job in waiting.values():
            session.live_job(job, progress, session.QUICK_VIEW_SECONDS)
        return
    failed = {job.number: job for job in jobs if job.status != "done"}
    if failed:
        for job in failed.values():
            st.error(job.status_text(), icon="⚠️")
        if st.button("↻ Train again", key="lab_retry_button"):
            st.session_state["lab_retry"] = True
            st.rerun()
        return

    models = [job.model for job in jobs]
    charts = lab.loss_charts(
        [lab.history_records(model) for model in models],
        [lab.step_losses(model, corpus) for model in models],
    )
    if chosen.one_model:
        st.caption(
            f"Both sides play the same model ({lab.epochs_text(len(models[0].history))}, "
            f"final loss {lab.final_loss(models[0]):.2f}): the switch is in the generation."
        )
        st.plotly_chart(charts[0], key="lab_loss")
    columns = st.columns(len(chosen.sides))
    for i, (column, side, model) in enumerate(zip(columns, chosen.sides, models, strict=True)):
        with column:
            st.subheader(("🎓 " if side.course else "") + side.label)
            st.caption(side.note)
            if not chosen.one_model:
                st.plotly_chart(charts[i], key=f"lab_loss_{i}")
                st.caption(
                    f"{lab.epochs_text(len(model.history))}, final loss "
                    f"{lab.final_loss(model):.2f}."
                )
            with session.friendly_errors():
                side_solo(i, model, side.settings)


def side_solo(i: int, model, settings) -> None:
    """A side's solo: audio, its four headline figures, piano roll, the quality table."""
    solo = session.solo(model, corpus, settings)
    st.audio(solo.audio.wav, format="audio/wav")
    cells = [*st.columns(2), *st.columns(2)]  # the four figures, two by two
    for cell, (label, value, help_text) in zip(cells, lab.headline(solo), strict=True):
        cell.metric(label, value, help=help_text)
    st.plotly_chart(
        views.piano_roll_figure(solo.rows, "Piano roll: melody and chords"), key=f"lab_roll_{i}"
    )
    with st.expander("Quality beside the training solo and random values"):
        st.table(pd.DataFrame(solo.quality.rows()), hide_index=True, border="horizontal")
        st.caption(solo.quality.note)


comparison()

st.subheader("📓 Take it home")
model = session.current_model(corpus)
if model is None:
    st.caption(
        "Train a model on **Train** (or press ⚡ Quick train on **Generate**): it downloads "
        "here as a Jupyter notebook that trains it again and plays the same solo."
    )
else:
    settings, which = lab.notebook_settings(model, st.session_state.get("generation"))
    st.caption(
        f"Your model for this corpus (n_a = {model.n_a}, {len(model.history)} epochs) as a "
        "Jupyter notebook of jazzcore calls: the corpus, the same training settings and "
        f"windows, and {which}. The same seeds make the same MIDI, on any machine."
    )
    st.download_button(
        "📓 Download as a notebook (.ipynb)",
        data=functools.partial(lab.notebook, corpus, model, settings),
        file_name=lab.NOTEBOOK_NAME,
        mime=lab.NOTEBOOK_MIME,
        key="lab_notebook",
    )
