"""Vocabulary, X/Y and the seed's load_music_utils on the real Metheny solo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jazzcore
from jazzcore import dataset
from jazzcore.errors import ParameterError


def test_load_music_utils_gives_the_seeds_figures(metheny_file):
    X, Y, n_values, indices_values, chords = jazzcore.load_music_utils(str(metheny_file))
    assert n_values == 78
    assert X.shape == (60, 30, 78) and Y.shape == (30, 60, 78)
    assert len(indices_values) == 78 and len(chords) == 18  # the seed's 18 sets of chords


def test_metheny_by_name_from_the_cache(metheny_cache, monkeypatch):
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    X, Y, n_values, _, _ = jazzcore.load_music_utils("metheny")
    assert (n_values, X.shape, Y.shape) == (78, (60, 30, 78), (30, 60, 78))


def test_same_file_same_seed_same_vocabulary_and_xy(metheny_file):
    first = dataset.load_corpus(str(metheny_file))
    dataset._CORPUS_CACHE.clear()
    second = dataset.load_corpus(str(metheny_file))
    assert first is not second
    assert first.vocabulary.tokens == second.vocabulary.tokens
    assert list(first.vocabulary.tokens) == sorted(first.vocabulary.tokens)
    X1, Y1 = first.xy()
    X2, Y2 = second.xy()
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)
    X3, _ = first.xy(seed=1)
    assert not np.array_equal(X1, X3)


def test_xy_obey_the_shift_rule_on_the_real_corpus(metheny_file):
    corpus = dataset.load_corpus(str(metheny_file))
    X, Y = corpus.xy()
    assert not X[:, 0].any() and not Y[-1].any()
    assert np.array_equal(Y[:-1], np.swapaxes(X[:, 1:], 0, 1))
    assert (X[:, 1:].sum(axis=2) == 1).all()  # one-hot from step 1 on
    # Each window is consecutive corpus values: decode example 0 and find it in the corpus.
    window = corpus.vocabulary.decode(X[0, 1:].argmax(axis=1))
    text = " ".join(corpus.values)
    assert " ".join(window) in text


def test_seed_window_starts_match_numpy_global_seed_zero():
    # The seed draws starts with np.random.seed(0); np.random.choice(len(corpus) - Tx) per window.
    corpus = [f"C,{d:.3f}" for d in np.linspace(0.25, 4, 40)]
    vocab = dataset.Vocabulary.from_corpus(corpus)
    X, _, _ = dataset.data_processing(corpus, vocab.values_indices, m=3, Tx=5)
    state = np.random.get_state()
    np.random.seed(0)
    starts = [np.random.choice(len(corpus) - 5) for _ in range(3)]
    np.random.set_state(state)
    for i, s in enumerate(starts):
        assert vocab.decode(X[i, 1:].argmax(axis=1)) == corpus[s + 1 : s + 5]


@given(st.lists(st.sampled_from(["C,0.250", "S,0.500,<m2,P-4>", "R,1.000", "A,0.333,<M3,m-2>"]), min_size=12, max_size=60),
       st.integers(2, 10), st.integers(1, 8))
def test_shift_rule_property(values, Tx, m):
    vocab = dataset.Vocabulary.from_corpus(values)
    if len(values) <= Tx:
        with pytest.raises(ParameterError):
            dataset.data_processing(values, vocab.values_indices, m, Tx)
        return
    X, Y, n = dataset.data_processing(values, vocab.values_indices, m, Tx)
    assert X.shape == (m, Tx, n) and Y.shape == (Tx, m, n)
    assert np.array_equal(Y[:-1], np.swapaxes(X[:, 1:], 0, 1)) and not Y[-1].any() and not X[:, 0].any()


def test_bad_parameters_are_one_line_errors():
    vocab = dataset.Vocabulary.from_corpus(["C,0.250"] * 40)
    with pytest.raises(ParameterError, match="m = 0"):
        dataset.data_processing(["C,0.250"] * 40, vocab.values_indices, m=0)
    with pytest.raises(ParameterError, match="too few"):
        dataset.data_processing(["C,0.250"] * 40, vocab.values_indices, Tx=50)
