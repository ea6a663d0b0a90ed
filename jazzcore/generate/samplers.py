"""What samples the values of a piece: a trained model, the course's Keras inference model,
or chance (:class:`RandomValues`, the quality figures' baseline); and how many values fill
a set's measure.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ..dataset import Vocabulary
from ..errors import ParameterError, VocabularyMismatchError
from ..grammar import GrammarToken
from ..postprocess import TRIPLET_GRID, snap_duration
from ..sample import MAX_TY, check_Ty, predict_and_sample, random_generator


@runtime_checkable
class ValueSampler(Protocol):
    """A trained model as generate_music uses it (a JazzModel is one): its vocabulary, and
    ``sample(Ty, …)`` returning Ty value indices, int array of shape (Ty,)."""

    vocabulary: Vocabulary

    def sample(
        self,
        Ty: int,
        *,
        temperature: float | None = None,
        top_k: int | None = None,
        seed: int | None = None,
        first_value_rule: bool = False,
    ) -> np.ndarray: ...


class RandomValues:
    """The baseline of the quality figures: every value drawn uniformly from the vocabulary,
    independently of the ones before (a ValueSampler that learned nothing)."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = Vocabulary.from_indices_values(vocabulary)

    def sample(self, Ty: int, *, seed=None, **options) -> np.ndarray:
        return random_generator(seed).integers(len(self.vocabulary), size=check_Ty(Ty))


class KerasInference:
    """The course's Keras inference model as a ValueSampler: greedy, its Ty fixed by the graph."""

    def __init__(self, inference_model, vocabulary: Vocabulary):
        n_values = int(inference_model.inputs[0].shape[-1])
        if n_values != len(vocabulary):
            raise VocabularyMismatchError(
                f"The inference model has {n_values} values but indices_values has "
                f"{len(vocabulary)}: use the vocabulary the model was trained on."
            )
        self.model = inference_model
        self.vocabulary = vocabulary
        self.Ty = len(inference_model.outputs)

    def sample(self, Ty: int, **options) -> np.ndarray:
        _, indices = predict_and_sample(self.model)
        return indices.reshape(-1)


def is_keras_model(model) -> bool:
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras is imported
    return keras is not None and isinstance(model, keras.Model)


def as_sampler(model, indices_values) -> ValueSampler:
    """The model as a ValueSampler, checked against indices_values when both are given."""
    given = None if indices_values is None else Vocabulary.from_indices_values(indices_values)
    if isinstance(model, ValueSampler):
        if given is not None and given.tokens != model.vocabulary.tokens:
            raise VocabularyMismatchError(
                f"The model's {len(model.vocabulary)} values are not the {len(given)} values "
                "of indices_values: use the vocabulary the model was trained on."
            )
        return model
    if is_keras_model(model):
        if given is None:
            raise ParameterError("A Keras inference model needs indices_values (index → value).")
        return KerasInference(model, given)
    raise ParameterError(
        "generate_music needs a trained jazzcore model (JazzModel) or the course's Keras "
        "inference model."
    )


def values_to_fill(values: Sequence[str], span: float) -> list[str]:
    """The first values whose notes start inside ``span`` quarter lengths, one after another
    (durations as the faithful post-processor keeps them). A note needs at least a 16th-note
    triplet of the span: a sliver left at the end stays a breath, not a blip."""
    kept, position = [], 0.0
    for value in values:
        if position > span - TRIPLET_GRID + 1e-9:
            break
        kept.append(value)
        position += snap_duration(GrammarToken.parse(value).duration)
    return kept


def fill_length(vocabulary: Vocabulary, span: float) -> int:
    """Values to sample so that even the shortest ones fill ``span`` quarter lengths."""
    shortest = min(snap_duration(GrammarToken.parse(v).duration) for v in vocabulary.tokens)
    return min(MAX_TY, math.ceil(span / shortest - 1e-9))
