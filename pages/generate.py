"""Generate: sample values from the trained model, turn them into a solo over chords, hear it.

Every result belongs to this user: the last generation lives in ``st.session_state``. After
the first Generate, changing Ty, the seed or any other setting generates again at once (the
NumPy sampler steps the trained cell: no graph to rebuild, nothing to retrain).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import jazzcore
from jazzcore import app_support
from pages import common

SAMPLING_LABELS = {
    "greedy": "greedy (argmax, the seed)",
    "temperature": "temperature",
    "top-k": "top-k",
}
CHORD_LABELS = {"corpus": "the corpus's chords", "progression": "a progression I type"}
POSTPROCESS_LABELS = {"full": "full (the seed's clean-up)", "raw": "raw (values → notes only)"}

st.title("🎼 Generate a solo")
corpus = st.session_state.get("_corpus")
if corpus is None:
    st.info("Choose a corpus in the sidebar first.")
    st.stop()

model = common.current_model(corpus)
quick_trained = False
if model is None:
    st.warning(common.model_status(corpus))
    if st.button(f"⚡ Quick train ({app_support.QUICK_EPOCHS} epochs, ~2 s)", key="quick_train", type="primary"):
        model = common.quick_train(corpus)
        quick_trained = model is not None
    if model is None:
        st.stop()

st.caption(common.model_status(corpus))
c1, c2, c3 = st.columns(3)
Ty = c1.number_input("Ty (values per chord set)", 1, app_support.MAX_APP_TY, 50, key="gen_ty", **common.KEEP)
seed = c2.number_input("seed", 0, 2**31 - 1, 1, key="gen_seed",
                     help="The same seed gives the same solo.", **common.KEEP)
sampling = c3.radio("Sampling", list(SAMPLING_LABELS), format_func=SAMPLING_LABELS.get, key="gen_sampling", **common.KEEP)
temperature, top_k = 1.0, 5
if sampling == "temperature":
    temperature = c3.slider("temperature", 0.1, 3.0, 1.0, step=0.1, key="gen_temperature",
                            help="Below 1 sharper (closer to greedy), above 1 flatter (more surprising).",
                            **common.KEEP)
elif sampling == "top-k":
    common.clamp_widget_value("gen_top_k", 1, model.n_values)
    top_k = c3.number_input("k (likeliest values to draw from)", 1, model.n_values, min(5, model.n_values),
                            key="gen_top_k", **common.KEEP)

c4, c5, c6 = st.columns(3)
chord_source = c4.radio("Chords", list(CHORD_LABELS), format_func=CHORD_LABELS.get, key="gen_chord_source", **common.KEEP)
progression, chord_sets = app_support.DEFAULT_PROGRESSION, app_support.DEFAULT_SETS
if chord_source == "progression":
    progression = c4.text_input("Progression (bars separated by |)", app_support.DEFAULT_PROGRESSION,
                                key="gen_progression",
                                help="e.g. Dm7 G7 | Cmaj7 — each bar is one chord set.", **common.KEEP)
else:
    available = len(app_support.corpus_chord_sets(len(corpus.chords), app_support.MAX_APP_SETS))
    common.clamp_widget_value("gen_chord_sets", 1, available)
    chord_sets = c4.number_input("Chord sets (measures) to improvise over", 1, available,
                                 min(app_support.DEFAULT_SETS, available), key="gen_chord_sets",
                                 help="The seed improvises over sets 1–5 of the solo's measures.", **common.KEEP)
postprocess = c5.radio("Post-processing", list(POSTPROCESS_LABELS), format_func=POSTPROCESS_LABELS.get,
                       key="gen_postprocess", **common.KEEP)
first_value_rule = c6.checkbox("First-value rule (no rest, no interval bracket first)", key="gen_first_value", **common.KEEP)

settings = app_support.GenerationSettings(
    Ty=int(Ty), sampling=sampling, temperature=float(temperature), top_k=int(top_k), seed=int(seed),
    chord_source=chord_source, progression=progression, chord_sets=int(chord_sets), postprocess=postprocess,
    first_value_rule=bool(first_value_rule),
)
wanted = (settings, app_support.model_key(model))
pressed = st.button("🎵 Generate", type="primary", key="generate") or quick_trained
if pressed or (st.session_state.get("gen_auto") and st.session_state.get("gen_attempted") != wanted):
    st.session_state["gen_auto"] = True  # from now on a changed setting regenerates at once
    st.session_state["gen_attempted"] = wanted
    st.session_state.pop("generation", None)
    st.session_state.pop("generation_error", None)
    try:
        with st.spinner("Improvising…"):
            st.session_state["generation"] = app_support.generate(model, corpus, settings)
    except jazzcore.JazzcoreError as exc:
        st.session_state["generation_error"] = str(exc)

if "generation_error" in st.session_state:
    st.error(st.session_state["generation_error"], icon="⚠️")
generation: app_support.Generation | None = st.session_state.get("generation")
if generation is None:
    if "generation_error" not in st.session_state:
        st.info("Press **Generate**: after that, every change of a setting generates again at once.")
    st.stop()

report, audio = generation.report, generation.audio
st.success(
    f"{generation.n_values} values sampled over {len(report.sets)} chord sets → {report.n_sounds} notes, "
    f"{audio.seconds:.1f} s of audio in {generation.timings['total']:.2f} s."
)
st.audio(audio.wav, format="audio/wav")
st.caption(f"Rendered by {audio.detail} ({audio.synth}, {audio.sample_rate} Hz).")
d1, d2 = st.columns(2)
d1.download_button("⬇ MIDI", report.midi_bytes, file_name="jazz_solo.mid", mime="audio/midi", key="download_midi")
d2.download_button("⬇ WAV", audio.wav, file_name="jazz_solo.wav", mime="audio/wav", key="download_wav")

st.plotly_chart(app_support.piano_roll_figure(generation.rows, "Piano roll: melody and chords"),
                key="piano_roll")

left, right = st.columns([2, 3])
with left:
    st.subheader("Quality metrics")
    st.dataframe(pd.DataFrame(app_support.metrics_rows(generation.metrics, generation.reference)),
                 hide_index=True, width="stretch", key="metrics_table")
with right:
    st.subheader("Sampled values")
    st.metric("Values sampled", generation.n_values, help="Ty values for each chord set.")
    st.dataframe(pd.DataFrame(app_support.token_rows(report)), hide_index=True, width="stretch",
                 height=320, key="tokens_table")
with st.expander("The seed's report"):
    st.text("\n".join(report.lines))
