"""Generate: sample values from the trained model, turn them into a solo over chords, hear it.

The defaults make one melody line inside the chords (values sampled at temperature 1 until
each chord set's measure is filled, the faithful post-processor); "the course's way" is one
switch away. Every result belongs to this user: the last generation lives in
``st.session_state``. After the first Generate, changing any setting generates again at once
(the NumPy sampler steps the trained cell: no graph to rebuild, nothing to retrain).
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from jazzcore.app import generation as gen
from jazzcore.app import lab, session, views
from jazzcore.errors import JazzcoreError
from jazzcore.sample import MAX_TY

SAMPLING_LABELS = {
    "temperature": "temperature",
    "top-k": "top-k",
    "greedy": "greedy (argmax, the course's: replays the solo)",
}
CHORD_LABELS = {"corpus": "the corpus's chords", "progression": "a progression I type"}
POSTPROCESS_LABELS = {
    "faithful": "faithful (the values' tones and steps, the solo's register)",
    "course": "the course's five stages (approach tones → chord tones)",
    "raw": "raw (values → notes only)",
}
LAYOUT_LABELS = {
    "measure": "one line inside the chords",
    "course": "the course's: each set runs on past its measure",
}
COURSE_HELP = (
    f"The notebook's generate_music: Ty = {gen.COURSE_WAY['Ty']} values per chord set chosen "
    "by argmax (greedy replays the training solo), its five post-processing stages (approach "
    "and other tones become chord tones, a pitch drawn at random in the bracket), and every "
    "set's notes from the set's start on: the sets overlap and run on after the chords end. "
    "Off: one line inside the chords, sampled at temperature 1, the solo's tones and register."
)
DEFAULTS = gen.GenerationSettings()  # the widgets start here: one line inside the chords

st.title("🎼 Generate a solo")
corpus = session.page_corpus()
shared = session.pending_share()

# One slot for the model: the wait for it (a warning, Quick train, the progress), then one
# line, so nothing of the wait stays above the solo (an element replacing a block clears it).
slot = st.empty()
arrived = None
model = None if shared is not None else session.current_model(corpus)
if model is None:
    with slot.container():
        if shared is not None:
            st.info(
                f"**From a share link:** {shared.describe()}. Everyone who opens the link "
                "hears this solo."
            )
            arrived = session.requested_model(corpus, "gen_share_requested", True, shared)
        else:
            st.warning(session.model_status(corpus))
            quick = st.button(
                f"⚡ Quick train ({gen.QUICK_EPOCHS} epochs, about a second)",
                key="quick_train",
                type="primary",
            )
            arrived = session.requested_model(corpus, "gen_quick_requested", quick)
    model = arrived
if model is None:
    st.stop()
if shared is not None:
    session.share_heard()

slot.caption(session.model_status(corpus))
course = st.toggle(
    f"🎓 The course's way: Ty = {gen.COURSE_WAY['Ty']}, greedy, the course's post-processing "
    "and layout",
    help=COURSE_HELP,
    **session.kept("gen_course"),
)
# No bounds on the number inputs: a value out of range is refused below in words (a
# bounded input only turns red).
c1, c2, c3 = st.columns(3)
seed = c1.number_input(
    "seed",
    value=DEFAULTS.seed,
    step=1,
    help="The same seed gives the same solo (a whole number from 0 to 4,294,967,295).",
    **session.kept("gen_seed"),
)
how = {}
if course:
    c2.info(
        f"**The course's way**: {gen.COURSE_WAY['Ty']} values per chord set by argmax, the "
        "course's five post-processing stages, the sets stacked past the chords. Switch it off "
        "for one line inside the chords."
    )
else:
    how["Ty"] = c1.number_input(
        "Ty (values per chord set)",
        value=DEFAULTS.Ty,
        step=1,
        placeholder="fill each bar",
        help=(
            "Empty (the default): values are sampled until each chord set's measure is filled. "
            f"A number is the course's option (it used 50): that many values per chord set, "
            f"from 1 to {MAX_TY:,}; in the measure layout the notes past the measure are cut."
        ),
        **session.kept("gen_ty"),
    )
    how["sampling"] = c2.radio(
        "Sampling",
        list(SAMPLING_LABELS),
        list(SAMPLING_LABELS).index(DEFAULTS.sampling),
        format_func=SAMPLING_LABELS.get,
        **session.kept("gen_sampling"),
    )
    if how["sampling"] == "temperature":
        how["temperature"] = c2.slider(
            "temperature",
            0.1,
            3.0,
            DEFAULTS.temperature,
            step=0.1,
            help="1 is the model's own distribution; below 1 sharper (closer to greedy), "
            "above 1 flatter (more surprising).",
            **session.kept("gen_temperature"),
        )
    elif how["sampling"] == "top-k":
        how["top_k"] = c2.number_input(
            "k (likeliest values to draw from)",
            value=min(DEFAULTS.top_k, model.n_values),
            step=1,
            help=f"From 1 to the model's {model.n_values} values.",
            **session.kept("gen_top_k"),
        )
    how["postprocess"] = c3.radio(
        "Post-processing",
        list(POSTPROCESS_LABELS),
        list(POSTPROCESS_LABELS).index(DEFAULTS.postprocess),
        format_func=POSTPROCESS_LABELS.get,
        **session.kept("gen_postprocess"),
    )
    how["layout"] = c3.radio(
        "Layout",
        list(LAYOUT_LABELS),
        list(LAYOUT_LABELS).index(DEFAULTS.layout),
        format_func=LAYOUT_LABELS.get,
        **session.kept("gen_layout"),
    )

chord_source = st.radio(
    "Chords",
    list(CHORD_LABELS),
    format_func=CHORD_LABELS.get,
    horizontal=True,
    **session.kept("gen_chord_source"),
)
c4, c5 = st.columns(2)
progression, chord_sets = DEFAULTS.progression, DEFAULTS.chord_sets
if chord_source == "progression":
    progression = c4.text_input(
        "Progression (bars separated by |)",
        DEFAULTS.progression,
        help="e.g. Dm7 G7 | Cmaj7 — each bar is one chord set.",
        **session.kept("gen_progression"),
    )
else:
    available = gen.available_chord_sets(corpus)
    chord_sets = c4.number_input(
        "Chord sets (measures) to improvise over",
        value=min(DEFAULTS.chord_sets, available),
        step=1,
        help=f"The course improvises over sets 1–5 of the solo's measures; from 1 to {available}.",
        **session.kept("gen_chord_sets"),
    )
first_value_rule = c5.checkbox(
    "The course's first-value rule (a note, no bracket, first in each set)",
    help="The course's rule: the first value of each chord set is a note (no rest) without "
    "an interval bracket.",
    wrap=True,
    **session.kept("gen_first_value"),
)

chosen = {
    "seed": seed,
    "chord_source": chord_source,
    "progression": progression,
    "chord_sets": chord_sets,
    "first_value_rule": first_value_rule,
}
try:
    settings = (
        gen.GenerationSettings.the_course(**chosen)
        if course
        else gen.GenerationSettings(**chosen, **how)
    )
except JazzcoreError as exc:
    st.error(str(exc), icon="⚠️")
    st.stop()
pressed = st.button("🎵 Generate", type="primary", key="generate") or arrived is not None
generation = session.generation(model, corpus, settings, pressed)
if generation is None:
    st.stop()

report, audio = generation.report, generation.audio
st.success(
    f"{generation.n_values} values over {len(report.sets)} chord sets → "
    f"{report.n_sounds} notes, {audio.seconds:.1f} s of audio in "
    f"{generation.timings['total']:.2f} s."
)
st.audio(audio.wav, format="audio/wav")
from_link = session.shared_from(generation.settings)
if from_link is not None:
    st.caption(f"From a share link: {from_link.describe()}. Everyone who opens it hears this solo.")
st.caption(f"Rendered by {audio.detail} ({audio.synth}, {audio.sample_rate} Hz).")
d1, d2, d3 = st.columns(3)
d1.download_button(
    "⬇ MIDI", report.midi_bytes, file_name="jazz_solo.mid", mime="audio/midi", key="download_midi"
)
d2.download_button(
    "⬇ WAV", audio.wav, file_name="jazz_solo.wav", mime="audio/wav", key="download_wav"
)
# a callable: the notebook is written when the button is pressed, not on every rerun
d3.download_button(
    "⬇ Notebook (.ipynb)",
    functools.partial(lab.notebook, corpus, generation.model, generation.settings),
    file_name="my_jazz_solo.ipynb",
    mime="application/x-ipynb+json",
    key="download_notebook",
    help="This solo as a Jupyter notebook: it trains the same model on the same corpus and "
    "makes the same solo with jazzcore, cell by cell (the same seeds give the same MIDI).",
)

st.plotly_chart(
    views.piano_roll_figure(generation.rows, "Piano roll: melody and chords"), key="piano_roll"
)

st.subheader("Quality beside the training solo and random values")
# A static table wraps its cells: no header or figure cut however narrow the window.
st.table(pd.DataFrame(generation.quality.rows()), hide_index=True, border="horizontal")
st.caption(generation.quality.note)

st.subheader("The values")
st.metric(
    "Values",
    generation.n_values,
    help="The values that filled each chord set's measure, or Ty per chord set.",
)
st.dataframe(
    pd.DataFrame(views.token_rows(report)),
    hide_index=True,
    width="stretch",
    height=320,
    key="tokens_table",
)
with st.expander("The course's report"):
    st.text("\n".join(report.lines))

st.subheader("Share this solo")
try:
    link = session.share_link(corpus, generation)
except JazzcoreError as exc:
    st.caption(str(exc))
else:
    st.caption(
        "Everyone who opens this link hears this solo: the same corpus, a model trained with "
        "the same settings (the server trains it once) and the same seed. It holds no token: "
        "your own work stays yours."
    )
    st.code(link, language=None, wrap_lines=True)
