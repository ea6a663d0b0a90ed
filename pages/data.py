"""Data: the vocabulary of grammar values, their frequencies, and what X and Y hold."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

import jazzcore
from jazzcore import app_support
from pages import common

st.title("📊 Data: from a solo to X and Y")
corpus = st.session_state.get("_corpus")
if corpus is None:
    st.info("Choose a corpus in the sidebar first.")
    st.stop()

vocab = corpus.vocabulary
st.markdown(
    f"**{corpus.name}** gives a corpus of **{len(corpus.values)}** values, "
    f"**{corpus.n_values}** of them unique: the vocabulary, sorted. Each value is "
    "`TYPE,DURATION[,<UPPER,LOWER>]` — C chord tone, S scale tone, A approach tone, X other, "
    "R rest; the duration in quarter lengths; the bracket bounds the step from the previous note."
)

st.subheader("Vocabulary")
vocabulary_table = pd.DataFrame(app_support.vocabulary_rows(vocab))
table = vocabulary_table
query = st.text_input("Search the values", placeholder="e.g. S,0.250 or 'chord tone' or m2", key="vocab_query", **common.KEEP)
if query:
    mask = table["value"].str.contains(query, regex=False) | table["reading"].str.contains(query, case=False, regex=False)
    table = table[mask]
st.dataframe(table, hide_index=True, width="stretch", key="vocab_table")

st.subheader("How often each value occurs")
by_count = vocabulary_table.sort_values("count", ascending=False)  # the whole vocabulary, unfiltered
figure = px.bar(by_count, x="value", y="count", color="type", hover_data=["reading"], height=360)
figure.update_layout(xaxis={"categoryorder": "total descending", "showticklabels": len(by_count) <= 60})
st.plotly_chart(figure, key="frequency_chart")

st.subheader("X and Y")
c1, c2, c3 = st.columns(3)
m = c1.number_input("m (training windows)", 1, 1000, 60, key="data_m", **common.KEEP)
Tx = c2.number_input("Tx (time steps)", 2, 200, 30, key="data_tx", **common.KEEP)
seed = c3.number_input("window seed", 0, 10_000, 0, key="data_seed", **common.KEEP)
try:
    X, Y = corpus.xy(int(m), int(Tx), int(seed))
except jazzcore.JazzcoreError as exc:  # e.g. too few values for this Tx
    st.error(str(exc))
    st.stop()
st.markdown(
    f"- **X** {X.shape} = (m windows, Tx time steps, n_values): window *i* holds Tx consecutive "
    "values of the corpus from a random start, one-hot; `X[i, 0]` is all zeros (the start input).\n"
    f"- **Y** {Y.shape} = (Ty = Tx time steps, m, n_values): `Y[t-1, i] = X[i, t]`, the value the "
    "model must predict after seeing steps 0…t-1; `Y[Tx-1]` is all zeros (nothing follows).\n"
    "The seed builds them exactly so (`data_processing`, NumPy seed 0); on the Metheny solo: "
    "X (60, 30, 78), Y (30, 60, 78)."
)
common.clamp_widget_value("data_example", 0, int(m) - 1)
example = st.slider("Training example i", 0, int(m) - 1, 0, key="data_example", **common.KEEP) if m > 1 else 0
x_rows = X[example].T  # (n_values, Tx)
y_rows = Y[:, example, :].T
heat = go.Figure()
heat.add_trace(go.Heatmap(z=x_rows, colorscale=[[0, "#f7f7f7"], [1, "#1f77b4"]], showscale=False, name="X",
                          hovertemplate="t=%{x} value %{y}<extra>X</extra>"))
heat.add_trace(go.Heatmap(z=y_rows * 0.6, colorscale=[[0, "rgba(0,0,0,0)"], [1, "#d62728"]], showscale=False,
                          opacity=0.6, name="Y", hovertemplate="t=%{x} value %{y}<extra>Y</extra>"))
heat.update_layout(height=420, xaxis_title="time step t", yaxis_title="value index",
                   title=f"Example {example}: X (blue) and its shifted target Y (red)")
st.plotly_chart(heat, key="xy_heatmap")
values = vocab.decode(X[example, 1:].argmax(axis=1))
st.caption("Values of this window (t = 1…): " + "  ".join(values))
