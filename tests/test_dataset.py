"""Vocabulary, X/Y and the course's load_music_utils on the real Metheny solo."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jazzcore import dataset
from jazzcore.errors import ParameterError
from jazzcore.solo import ChordTimeline


def test_load_music_utils_gives_the_courses_figures(metheny_file):
    X, Y, n_values, indices_values, chords = dataset.load_music_utils(str(metheny_file))
    assert n_values == 78
    assert X.shape == (60, 30, 78) and Y.shape == (30, 60, 78)
    assert len(indices_values) == 78 and len(chords) == 18  # the course's 18 sets of chords
    assert isinstance(chords, ChordTimeline)
    assert all(len(c.pitches) >= 2 for measure in chords for c in measure)  # the piano's chords


def test_metheny_by_name_from_the_cache(metheny_cache, monkeypatch):
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    X, Y, n_values, _, _ = dataset.load_music_utils("metheny")
    assert (n_values, X.shape, Y.shape) == (78, (60, 30, 78), (30, 60, 78))


def test_same_file_same_seed_same_vocabulary_and_xy(metheny_file):
    first = dataset.load_corpus(str(metheny_file))
    dataset.clear_corpus_cache()
    second = dataset.load_corpus(str(metheny_file))
    assert first is not second
    assert dataset.load_corpus(str(metheny_file)) is second  # the same bytes: from memory
    assert first.vocabulary.tokens == second.vocabulary.tokens
    assert list(first.vocabulary.tokens) == sorted(first.vocabulary.tokens)
    X1, Y1 = first.xy()
    X2, Y2 = second.xy()
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)
    X3, _ = first.xy(seed=1)
    assert not np.array_equal(X1, X3)


def test_a_shared_corpus_cannot_be_changed_by_its_users(metheny_file):
    corpus = dataset.load_corpus(str(metheny_file))
    with pytest.raises(dataclasses.FrozenInstanceError):
        corpus.values = ()
    assert isinstance(corpus.values, tuple) and isinstance(corpus.solos, tuple)
    assert all(isinstance(m, tuple) for m in corpus.measure_values)
    assert sum(len(m) for m in corpus.measure_values) == len(corpus.values) == 193
    # the course's dictionaries are the caller's own copies
    corpus.vocabulary.values_indices["C,0.250"] = 999
    corpus.vocabulary.indices_values[0] = "X,9.000"
    corpus.chords.measures.clear()
    again = dataset.load_corpus(str(metheny_file))
    assert again is corpus
    assert again.vocabulary.values_indices == {t: i for i, t in enumerate(again.vocabulary.tokens)}
    assert again.vocabulary.indices_values[0] == again.vocabulary.tokens[0]
    assert len(again.chords) == 18


def test_vocabulary_is_sorted_and_counts_the_corpus():
    vocab = dataset.Vocabulary.from_corpus(["S,0.500", "C,0.250", "S,0.500", "R,1.000"])
    assert vocab.tokens == ("C,0.250", "R,1.000", "S,0.500") and vocab.counts == (1, 1, 2)
    assert vocab.index("S,0.500") == 2 and "R,1.000" in vocab and "X,1.000" not in vocab
    assert vocab.decode(vocab.encode(["S,0.500", "C,0.250"])) == ["S,0.500", "C,0.250"]
    with pytest.raises(ParameterError, match="not in this vocabulary"):
        vocab.index("X,1.000")
    # the course's values_indices in place of indices_values names the mix-up
    with pytest.raises(ParameterError, match="not values_indices"):
        dataset.Vocabulary.from_indices_values(vocab.values_indices)
    assert dataset.Vocabulary.from_indices_values(vocab.indices_values).tokens == vocab.tokens


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


def test_window_starts_match_numpy_global_seed_zero():
    # The course draws starts with np.random.seed(0); np.random.choice(len(corpus) - Tx) per window.
    corpus = [f"C,{d:.3f}" for d in np.linspace(0.25, 4, 40)]
    vocab = dataset.Vocabulary.from_corpus(corpus)
    X, _, _ = dataset.data_processing(corpus, vocab.values_indices, m=3, Tx=5)
    state = np.random.get_state()
    np.random.seed(0)
    starts = [np.random.choice(len(corpus) - 5) for _ in range(3)]
    np.random.set_state(state)
    for i, s in enumerate(starts):
        assert vocab.decode(X[i, 1:].argmax(axis=1)) == corpus[s + 1 : s + 5]


@given(
    st.lists(
        st.sampled_from(["C,0.250", "S,0.500,<m2,P-4>", "R,1.000", "A,0.333,<M3,m-2>"]),
        min_size=12,
        max_size=60,
    ),
    st.integers(2, 10),
    st.integers(1, 8),
)
def test_shift_rule_property(values, Tx, m):
    vocab = dataset.Vocabulary.from_corpus(values)
    if len(values) <= Tx:
        with pytest.raises(ParameterError):
            dataset.data_processing(values, vocab.values_indices, m, Tx)
        return
    X, Y, n = dataset.data_processing(values, vocab.values_indices, m, Tx)
    assert X.shape == (m, Tx, n) and Y.shape == (Tx, m, n)
    assert (
        np.array_equal(Y[:-1], np.swapaxes(X[:, 1:], 0, 1))
        and not Y[-1].any()
        and not X[:, 0].any()
    )


def test_bad_parameters_are_one_line_errors():
    vocab = dataset.Vocabulary.from_corpus(["C,0.250"] * 40)
    with pytest.raises(ParameterError, match="m = 0"):
        dataset.data_processing(["C,0.250"] * 40, vocab.values_indices, m=0)
    with pytest.raises(ParameterError, match="too few"):
        dataset.data_processing(["C,0.250"] * 40, vocab.values_indices, Tx=50)
