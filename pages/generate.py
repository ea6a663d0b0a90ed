"""Generate: sample values from the trained model, turn them into a solo over chords, hear it.

Every result belongs to this user: the last generation lives in ``st.session_state``. After
the first Generate, changing Ty, the seed or any other setting generates again at once (the
NumPy sampler steps the trained cell: no graph to rebuild, nothing to retrain).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jazzcore.app import generation as gen
from jazzcore.app import session, views
from jazzcore.app.session import KEEP

SAMPLING_LABELS = {
    "greedy": "greedy (argmax, the course)",
    "temperature": "temperature",
    "top-k": "top-k",
}
CHORD_LABELS = {"corpus": "the corpus's chords", "progression": "a progression I type"}
POSTPROCESS_LABELS = {"full": "full (the course's clean-up)", "raw": "raw (values → notes only)"}

st.title("🎼 Generate a solo")
corpus = session.page_corpus()

model = session.current_model(corpus)
quick = False
if model is None:
    st.warning(session.model_status(corpus))
    quick = st.button(
        f"⚡ Quick train ({gen.QUICK_EPOCHS} epochs, ~2 s)", key="quick_train", type="primary"
    )
quick_model = session.requested_model(corpus, "gen_quick_requested", quick)
model = model or quick_model
if model is None:
    st.stop()

st.caption(session.model_status(corpus))
c1, c2, c3 = st.columns(3)
Ty = c1.number_input("Ty (values per chord set)", 1, gen.MAX_APP_TY, 50, key="gen_ty", **KEEP)
seed = c2.number_input(
    "seed", 0, 2**31 - 1, 1, key="gen_seed", help="The same seed gives the same solo.", **KEEP
)
sampling = c3.radio(
    "Sampling", list(SAMPLING_LABELS), format_func=SAMPLING_LABELS.get, key="gen_sampling", **KEEP
)
temperature, top_k = 1.0, 5
if sampling == "temperature":
    temperature = c3.slider(
        "temperature",
        0.1,
        3.0,
        1.0,
        step=0.1,
        key="gen_temperature",
        help="Below 1 sharper (closer to greedy), above 1 flatter (more surprising).",
        **KEEP,
    )
elif sampling == "top-k":
    session.clamp_widget_value("gen_top_k", 1, model.n_values)
    top_k = c3.number_input(
        "k (likeliest values to draw from)",
        1,
        model.n_values,
        min(5, model.n_values),
        key="gen_top_k",
        **KEEP,
    )

c4, c5, c6 = st.columns(3)
chord_source = c4.radio(
    "Chords", list(CHORD_LABELS), format_func=CHORD_LABELS.get, key="gen_chord_source", **KEEP
)
progression, chord_sets = gen.DEFAULT_PROGRESSION, gen.DEFAULT_SETS
if chord_source == "progression":
    progression = c4.text_input(
        "Progression (bars separated by |)",
        gen.DEFAULT_PROGRESSION,
        key="gen_progression",
        help="e.g. Dm7 G7 | Cmaj7 — each bar is one chord set.",
        **KEEP,
    )
else:
    available = len(gen.corpus_chord_sets(len(corpus.chords), gen.MAX_APP_SETS))
    session.clamp_widget_value("gen_chord_sets", 1, available)
    chord_sets = c4.number_input(
        "Chord sets (measures) to improvise over",
        1,
        available,
        min(gen.DEFAULT_SETS, available),
        key="gen_chord_sets",
        help="The course improvises over sets 1–5 of the solo's measures.",
        **KEEP,
    )
postprocess = c5.radio(
    "Post-processing",
    list(POSTPROCESS_LABELS),
    format_func=POSTPROCESS_LABELS.get,
    key="gen_postprocess",
    **KEEP,
)
first_value_rule = c6.checkbox(
    "First-value rule (no rest, no interval bracket first)", key="gen_first_value", **KEEP
)

settings = gen.GenerationSettings(
    Ty=Ty,
    sampling=sampling,
    temperature=temperature,
    top_k=top_k,
    seed=seed,
    chord_source=chord_source,
    progression=progression,
    chord_sets=chord_sets,
    postprocess=postprocess,
    first_value_rule=first_value_rule,
)
pressed = st.button("🎵 Generate", type="primary", key="generate") or quick_model is not None
generation = session.generation(model, corpus, settings, pressed)
if generation is None:
    st.stop()

report, audio = generation.report, generation.audio
st.success(
    f"{generation.n_values} values sampled over {len(report.sets)} chord sets → "
    f"{report.n_sounds} notes, {audio.seconds:.1f} s of audio in "
    f"{generation.timings['total']:.2f} s."
)
st.audio(audio.wav, format="audio/wav")
st.caption(f"Rendered by {audio.detail} ({audio.synth}, {audio.sample_rate} Hz).")
d1, d2 = st.columns(2)
d1.download_button(
    "⬇ MIDI", report.midi_bytes, file_name="jazz_solo.mid", mime="audio/midi", key="download_midi"
)
d2.download_button(
    "⬇ WAV", audio.wav, file_name="jazz_solo.wav", mime="audio/wav", key="download_wav"
)

st.plotly_chart(
    views.piano_roll_figure(generation.rows, "Piano roll: melody and chords"), key="piano_roll"
)

left, right = st.columns([2, 3])
with left:
    st.subheader("Quality metrics")
    metrics = views.metrics_rows(generation.metrics, generation.reference)
    st.dataframe(pd.DataFrame(metrics), hide_index=True, width="stretch", key="metrics_table")
with right:
    st.subheader("Sampled values")
    st.metric("Values sampled", generation.n_values, help="Ty values for each chord set.")
    st.dataframe(
        pd.DataFrame(views.token_rows(report)),
        hide_index=True,
        width="stretch",
        height=320,
        key="tokens_table",
    )
with st.expander("The course's report"):
    st.text("\n".join(report.lines))
