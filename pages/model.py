"""Model: the network the playground trains, and where the course's functions live in jazzcore."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jazzcore.app import session, views
from jazzcore.model import parameter_counts

st.title("🧠 The model")
corpus = session.page_corpus(required=False)
model = session.current_model(corpus)
n_values = corpus.n_values if corpus is not None else 78
n_a = model.n_a if model is not None else 64
Tx = model.Tx if model is not None else 30

st.markdown(
    f"""
**Training — `djmodel(Tx={Tx}, n_a={n_a}, n_values={n_values})`.** One LSTM cell and one Dense
softmax layer are *shared*: the same weights are applied at each of the Tx time steps. At step
t the cell reads the one-hot value x⟨t⟩ and the state (a⟨t-1⟩, c⟨t-1⟩) of the step before, and the
Dense layer turns a⟨t⟩ into ŷ⟨t⟩, a probability for each of the {n_values} values. The loss is the
categorical cross-entropy of ŷ⟨t⟩ against y⟨t⟩ = x⟨t+1⟩, summed over the steps; Adam, learning rate
0.01 with the course's decay.
"""
)
st.graphviz_chart(views.unrolled_graph_dot(Tx, shown=3))

st.markdown(
    """
**Generating — `music_inference_model(LSTM_cell, densor, n_values, n_a, Ty)`.** The same trained
cell and Dense layer, unrolled for Ty steps; the most likely value at each step (argmax, or a
sample with a temperature / among the top k) is turned into a one-hot vector and fed back as the
next input: step t+1 reads one_hot(argmax ŷ⟨t⟩).
"""
)
st.graphviz_chart(views.unrolled_graph_dot(50, shown=3, inference=True))

counts = parameter_counts(n_values, n_a)
st.subheader("Parameters")
c1, c2, c3 = st.columns(3)
c1.metric(
    "LSTM cell", f"{counts['LSTM']:,}", help=f"4 gates × ({n_values}×{n_a} + {n_a}×{n_a} + {n_a})"
)
c2.metric("Dense softmax", f"{counts['Dense']:,}", help=f"{n_a}×{n_values} + {n_values}")
c3.metric(
    "Total",
    f"{counts['total']:,}",
    help="The course's summary prints 41,678 for n_values = 78, n_a = 64.",
)
if model is not None:
    st.subheader("Your trained model")
    st.code(model.summary(), language=None)

st.subheader("Where the course's functions live")
st.dataframe(
    pd.DataFrame(
        [
            ("Data", "load_music_utils, data_processing", "jazzcore.dataset"),
            ("Train", "djmodel, model.fit", "jazzcore.keras_model (the course's graph)"),
            ("Train", "— (a fast NumPy trainer of the same network)", "jazzcore.training"),
            ("Generate", "music_inference_model", "jazzcore.keras_model"),
            ("Generate", "predict_and_sample", "jazzcore.sample"),
            ("Generate", "generate_music (prune, unparse, clean up)", "jazzcore.generate"),
            ("Generate", "— (the course says: use an online MIDI-to-mp3 tool)", "jazzcore.audio"),
        ],
        columns=["page", "course function", "jazzcore module"],
    ),
    hide_index=True,
    width="stretch",
)
