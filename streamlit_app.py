"""Jazz LSTM playground — the Streamlit entry point and its Home page.

Run with ``make run`` (or ``streamlit run streamlit_app.py``). The pages lay out widgets
and call ``jazzcore`` (the music and the model) and ``jazzcore.app`` (the app's machinery).
"""

from __future__ import annotations

import streamlit as st

from jazzcore.app import session
from jazzcore.app.generation import DEFAULT_SETS, QUICK_EPOCHS, GenerationSettings

st.set_page_config(
    page_title="Jazz LSTM playground",
    page_icon="🎷",
    layout="wide",
    initial_sidebar_state="auto",  # collapsed on a phone
)
session.server_setup()  # process-wide and once: the allocator and BLAS threads


def home():
    st.title("🎷 Improvise a jazz solo with an LSTM")
    st.markdown(
        "A playground for the classic assignment (Coursera *Sequence Models*, after "
        "[deepjazz](https://github.com/jisungk/deepjazz) and the jazz grammar of Gillick, Tang & "
        "Keller, 2009). A solo becomes a sequence of grammar **values** such as `S,0.250,<m2,P-4>` "
        "(a scale tone, a 16th long, between a minor 2nd up and a perfect 4th down from the last "
        "note); an LSTM learns which value comes next; sampling it and turning the values back "
        "into notes over the chords gives a new solo."
    )
    corpus = session.page_corpus(required=False)
    if corpus is None:
        session.corpus_problem()
        return
    session.prefetch_quick_model(corpus)
    hear_a_solo(corpus)
    st.subheader("Your corpus and model")
    cols = st.columns(4)
    cols[0].metric("Values in the corpus", len(corpus.values))
    cols[1].metric("Unique values (n_values)", corpus.n_values)
    cols[2].metric("X shape (m, Tx, n_values)", str((60, 30, corpus.n_values)))
    cols[3].metric("Y shape (Ty, m, n_values)", str((30, 60, corpus.n_values)))
    st.caption(
        f"{corpus.name}: {sum(len(s.measures) for s in corpus.solos)} measures of 4/4. "
        "The course's Metheny solo gives 78 unique values, X (60, 30, 78) and Y (30, 60, 78)."
    )
    st.markdown(session.model_status(corpus))
    st.markdown(
        "**Next:** look at the values on **Data**, train on **Train** (a live loss chart), "
        "then **Generate** a solo and listen to it. **Model** shows the network."
    )


def hear_a_solo(corpus):
    """One click to music: the quick model (trained once per corpus on the server and
    shared) if the visitor has no model of their own, then a solo."""
    st.markdown(
        f"**New here? Press the button.** Nothing to set up: without a model for this corpus "
        f"you get the quick one ({QUICK_EPOCHS} epochs, the course's settings; the server "
        "trains it once for everyone, in about a second), and it improvises one melody line "
        f"over {DEFAULT_SETS} of the corpus's chord sets, drawing each value from the model's "
        "softmax."
    )
    pressed = st.button("▶ Hear a solo", type="primary", key="hear_solo")
    # One slot: while the model trains it holds the progress, then the player alone, so
    # nothing of the wait stays on the page (an element replacing a block clears it).
    slot = st.empty()
    with slot.container():
        model = session.requested_model(corpus, "home_solo_requested", pressed)
    if model is not None:
        plays = st.session_state.get("home_plays", 0) + 1
        session.remember("home_plays", plays)
        settings = GenerationSettings(seed=plays)  # the defaults: one line inside the chords
        with session.friendly_errors(), st.spinner("Improvising…"):
            session.remember("home_solo", session.solo(model, corpus, settings))
    solo = st.session_state.get("home_solo")
    if solo is not None and solo.model is session.current_model(corpus):
        slot.audio(solo.audio.wav, format="audio/wav")
        st.caption(
            f"{solo.report.n_sounds} notes over {len(solo.report.sets)} chord sets, "
            f"{solo.audio.seconds:.0f} s, rendered by {solo.audio.detail}. Press again for "
            "another solo; shape it on **Generate**."
        )


navigation = st.navigation(session.app_pages(home))
session.corpus_picker(navigation)
navigation.run()
