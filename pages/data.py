"""Data: the corpus's solos, the vocabulary of grammar values, their frequencies, and what X
and Y hold."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jazzcore.app import session, uploads, views
from jazzcore.errors import JazzcoreError

st.title("📊 Data: from a solo to X and Y")
corpus = session.page_corpus()

st.markdown(
    f"**{corpus.name}** gives a corpus of **{len(corpus.values)}** values, "
    f"**{corpus.n_values}** of them unique: the vocabulary, sorted. Each value is "
    "`TYPE,DURATION[,<UPPER,LOWER>]` — C chord tone, S scale tone, A approach tone, X other, "
    "R rest; the duration in quarter lengths; the bracket bounds the step from the previous note."
)

if len(corpus.solos) > 1:  # a folder, a zip or several files (or the lead sheets)
    st.subheader("The solos")
    st.table(pd.DataFrame(uploads.solo_rows(corpus)).set_index("file"))
    if corpus.skipped:
        st.caption(f"{len(corpus.skipped)} files gave no solo: " + " · ".join(corpus.skipped[:5]))

st.subheader("Vocabulary")
rows = views.vocabulary_rows(corpus.vocabulary)
table = pd.DataFrame(rows)
query = st.text_input(
    "Search the values",
    placeholder="e.g. S,0.250 or 'chord tone' or m2",
    **session.kept("vocab_query"),
)
if query:
    table = table[
        table["value"].str.contains(query, regex=False)
        | table["reading"].str.contains(query, case=False, regex=False)
    ]
st.dataframe(table, hide_index=True, width="stretch", key="vocab_table")

st.subheader("How often each value occurs")
st.plotly_chart(views.frequency_chart(rows), key="frequency_chart")  # the whole vocabulary

st.subheader("X and Y")
c1, c2, c3 = st.columns(3)
# No bounds on the inputs: a value out of range is refused in words (not a red border).
m = c1.number_input("m (training windows)", value=60, step=1, **session.kept("data_m"))
Tx = c2.number_input("Tx (time steps)", value=30, step=1, **session.kept("data_tx"))
seed = c3.number_input("window seed", value=0, step=1, **session.kept("data_seed"))
try:
    X, Y = corpus.xy(int(m), int(Tx), int(seed))
except JazzcoreError as exc:  # e.g. too few values for this Tx
    st.error(str(exc), icon="⚠️")
    st.stop()
st.markdown(
    f"- **X** {X.shape} = (m windows, Tx time steps, n_values): window *i* holds Tx consecutive "
    "values of the corpus from a random start, one-hot; `X[i, 0]` is all zeros (the start input).\n"
    f"- **Y** {Y.shape} = (Ty = Tx time steps, m, n_values): `Y[t-1, i] = X[i, t]`, the value the "
    "model must predict after seeing steps 0…t-1; `Y[Tx-1]` is all zeros (nothing follows).\n"
    "The course builds them exactly so (`data_processing`, NumPy seed 0); on the Metheny solo: "
    "X (60, 30, 78), Y (30, 60, 78)."
)
example = 0
if m > 1:
    session.clamp_widget_value("data_example", 0, int(m) - 1)
    example = st.slider("Training example i", 0, int(m) - 1, 0, **session.kept("data_example"))
st.plotly_chart(views.xy_heatmap(X, Y, example), key="xy_heatmap")
values = corpus.vocabulary.decode(X[example, 1:].argmax(axis=1))
st.caption("Values of this window (t = 1…): " + "  ".join(values))
