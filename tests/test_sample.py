"""The NumPy sampler: greedy, temperature, top-k, seeds, the first-value rule, bad settings."""

from __future__ import annotations

import numpy as np
import pytest

from jazzcore.dataset import Vocabulary
from jazzcore.errors import ParameterError
from jazzcore.model import DataShape, JazzModel, TrainConfig
from jazzcore.network import LSTMWeights, init_weights
from jazzcore.sample import sample_indices


def fixed_distribution(p: np.ndarray, n_a: int = 4) -> LSTMWeights:
    """Weights whose every step's softmax is p: the Dense layer ignores a (zero kernel)
    and its bias is log p."""
    w = init_weights(len(p), n_a, seed=0, dtype=np.float64)
    return w._replace(dense_kernel=np.zeros_like(w.dense_kernel), dense_bias=np.log(p))


def test_greedy_is_deterministic_and_ignores_the_seed(metheny_model):
    first = metheny_model.sample(50)
    assert first.shape == (50,) and first.dtype == np.int64
    assert np.array_equal(first, metheny_model.sample(50, seed=1))
    assert np.array_equal(metheny_model.sample(20), first[:20])  # a shorter Ty is a prefix


def test_greedy_follows_the_argmax_of_each_step(metheny_model):
    indices, probabilities = sample_indices(metheny_model.weights, 30, return_probabilities=True)
    assert np.array_equal(indices, probabilities.argmax(axis=1))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def test_top_1_and_a_tiny_temperature_are_greedy(metheny_model):
    greedy = metheny_model.sample(40)
    assert np.array_equal(metheny_model.sample(40, temperature=1.0, top_k=1, seed=3), greedy)
    assert np.array_equal(metheny_model.sample(40, temperature=1e-4, seed=3), greedy)


def test_a_seed_reproduces_a_sample_and_another_seed_changes_it(metheny_model):
    a = metheny_model.sample(100, temperature=1.5, seed=7)
    assert np.array_equal(a, metheny_model.sample(100, temperature=1.5, seed=7))
    assert not np.array_equal(a, metheny_model.sample(100, temperature=1.5, seed=8))


def test_top_k_draws_only_among_the_k_most_likely(metheny_model):
    indices, probabilities = sample_indices(
        metheny_model.weights, 200, temperature=2.0, top_k=3, seed=0, return_probabilities=True
    )
    assert ((probabilities > 0).sum(axis=1) == 3).all()
    assert (probabilities[np.arange(200), indices] > 0).all()


def test_draws_follow_the_softmax_and_temperature_flattens_it():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    w = fixed_distribution(p)
    counts = np.bincount(sample_indices(w, 1000, temperature=1.0, seed=0), minlength=4) / 1000
    np.testing.assert_allclose(counts, p, atol=0.05)  # 1000 draws: σ ≤ 0.016
    # temperature 2 → p^(1/2), normalised: √.5, √.25, √.125, √.125
    flat = np.sqrt(p) / np.sqrt(p).sum()
    counts = np.bincount(sample_indices(w, 1000, temperature=2.0, seed=1), minlength=4) / 1000
    np.testing.assert_allclose(counts, flat, atol=0.05)


def test_first_value_rule_opens_with_a_note_without_bracket(metheny_model):
    allowed = metheny_model.first_values_allowed()
    tokens = metheny_model.vocabulary.tokens
    assert not any(allowed[i] for i, t in enumerate(tokens) if t.startswith("R,") or "<" in t)
    for seed in range(10):
        first = tokens[
            metheny_model.sample(5, temperature=3.0, seed=seed, first_value_rule=True)[0]
        ]
        assert not first.startswith("R,") and "<" not in first


def test_sample_values_decodes_with_the_vocabulary():
    vocabulary = Vocabulary(("C,0.250", "R,0.500", "S,0.250,<m2,P-4>"), (1, 1, 1))
    p = np.array([0.1, 0.8, 0.1])
    model = JazzModel(fixed_distribution(p), vocabulary, TrainConfig(n_a=4), DataShape(1, 3, 3))
    assert model.sample_values(3) == ["R,0.500"] * 3  # greedy picks the most likely, every step


@pytest.mark.parametrize(
    "options, word",
    [
        ({"Ty": 0}, "Ty"),
        ({"Ty": 1001}, "Ty"),
        ({"Ty": 5.0}, "Ty"),
        ({"Ty": 10, "temperature": 0}, "temperature"),
        ({"Ty": 10, "temperature": -1.0}, "temperature"),
        ({"Ty": 10, "top_k": 0}, "top_k"),
        ({"Ty": 10, "top_k": 79}, "top_k"),
        ({"Ty": 10, "temperature": 1.0, "seed": -3}, "seed"),
    ],
)
def test_bad_sampling_settings_are_one_line_errors(metheny_model, options, word):
    with pytest.raises(ParameterError) as error:
        metheny_model.sample(**options)
    assert word in str(error.value) and "\n" not in str(error.value)
