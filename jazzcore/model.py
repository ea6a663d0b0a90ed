"""The trained model: its settings (:class:`TrainConfig`), the shape of its data
(:class:`DataShape`) and :class:`JazzModel`, which samples values from the trained cell.

The limits of a run live here, in one place: the Train form, the CLI and
:func:`jazzcore.training.train` all read them, and both engines split a batch into chunks
of :func:`chunk_windows` windows, so that the memory of a run does not grow with m. No
TensorFlow is imported here.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .dataset import Vocabulary
from .errors import ParameterError, check_int
from .grammar import GrammarToken
from .network import LSTMWeights
from .sample import sample_indices

MAX_EPOCHS = 5000
MAX_N_A = 1024
MAX_N_VALUES = 100_000  # the vocabulary size a model (or a Keras graph) may have
MAX_SEED = 2**32 - 1
MAX_ACTIVATIONS = 25_000_000  # m · Tx · n_a one pass may store: about 1 GB of gates and states
MAX_WINDOW_STEPS = 200_000_000  # m · Tx: the windows' index arrays (int32) stay under 1 GB
CHUNK_BYTES = 2**30  # the gates, states and softmax one chunk of windows stores (1 GiB)
ENGINES = ("auto", "numpy", "tensorflow")


def chunk_windows(Tx: int, n_a: int, n_values: int) -> int:
    """How many windows one forward-and-backward pass takes at most: CHUNK_BYTES over the
    bytes a window stores (float32 gates, states and their derivatives, about 24 numbers per
    unit and step, and 4 per value and step for the softmax). A batch of more windows is
    split into chunks whose gradients add up to the batch's, so memory stays flat as m grows
    (Tx = 30: 4,841 windows a chunk with n_a = 64, 1,385 with n_a = 256)."""
    per_window = 4 * Tx * (24 * n_a + 4 * n_values)
    return max(1, CHUNK_BYTES // per_window)


def parameter_counts(n_values: int, n_a: int) -> dict[str, int]:
    """Trainable parameters of the course's network: {"LSTM", "Dense", "total"}.

    LSTM: four gates, each with a kernel (n_values × n_a), a recurrent kernel (n_a × n_a)
    and a bias (n_a); Dense: a kernel (n_a × n_values) and a bias (n_values). The course's
    summary for n_values = 78, n_a = 64 prints 41,678 in all (36,608 + 5,070).
    """
    shapes = LSTMWeights.shapes(n_values, n_a)
    lstm = sum(math.prod(shape) for shape in shapes[:3])
    dense = sum(math.prod(shape) for shape in shapes[3:])
    return {"LSTM": lstm, "Dense": dense, "total": lstm + dense}


def _check_number(
    name: str, value, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> float:
    """``value`` as a float when it is a finite real number (not a bool) in the interval
    from low to high (open at either end as asked), else a one-line ParameterError."""
    inside = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (low < value if low_open else low <= value)
        and (value < high if high_open else value <= high)
    )
    if not inside:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ParameterError(f"{name} = {value!r} is out of range: choose a number in {interval}.")
    return float(value)


@dataclass(frozen=True)
class TrainConfig:
    """The settings of a training run; the defaults are the course's. Checked when made:
    a setting out of range is a one-line :class:`~jazzcore.errors.ParameterError`.

    n_a: LSTM units (1 to MAX_N_A). epochs: passes over the data (1 to MAX_EPOCHS).
    learning_rate: Adam's step at the first update, in (0, 1]. decay: the course's
    ``Adam(decay=0.01)``: update k (0-based) steps by learning_rate / (1 + decay · k).
    beta_1, beta_2: Adam's decay rates of its moment estimates, in [0, 1). epsilon: the
    ε added to Adam's √v (Keras's 1e-7). seed: the random seed of the initial weights and
    of the mini-batches' order (0 to 2³² − 1). batch_size: examples per update; None (the
    default) is all m examples in one update per epoch, a number ≥ m the same (the course's
    ``fit`` used Keras's default of 32: two updates per epoch, see :mod:`jazzcore.course`).
    carry_state: True (the default) passes the LSTM's state from each step to the next; False
    restarts every step from a0 = c0 = 0, as the 2018 listing's ``initial_state=[a0, c0]`` did
    (:mod:`jazzcore.network`); the model samples the way it was trained.
    engine: which trainer runs the same mathematics — 'numpy' (one core, no start-up cost:
    the fastest for the course's sizes), 'tensorflow' (all cores, the GPU when there is one,
    several machines under ``TF_CONFIG``: :mod:`jazzcore.engines`) or 'auto' (the default:
    the one the cost model of :func:`jazzcore.engines.choose_engine` expects to finish first).
    """

    n_a: int = 64
    epochs: int = 100
    learning_rate: float = 0.01
    decay: float = 0.01
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    seed: int = 0
    batch_size: int | None = None
    carry_state: bool = True
    engine: str = "auto"

    def __post_init__(self) -> None:
        if not isinstance(self.carry_state, bool | np.bool_):
            raise ParameterError(f"carry_state = {self.carry_state!r} must be True or False.")
        if not isinstance(self.engine, str) or self.engine not in ENGINES:
            raise ParameterError(
                f"engine = {self.engine!r} is not an engine: choose {', '.join(ENGINES)}."
            )
        object.__setattr__(self, "carry_state", bool(self.carry_state))
        checked = {
            "n_a": check_int("n_a", self.n_a, 1, MAX_N_A),
            "epochs": check_int("epochs", self.epochs, 1, MAX_EPOCHS),
            "learning_rate": _check_number(
                "learning_rate", self.learning_rate, 0, 1, low_open=True
            ),
            "decay": _check_number("decay", self.decay, 0, 1),
            "beta_1": _check_number("beta_1", self.beta_1, 0, 1, high_open=True),
            "beta_2": _check_number("beta_2", self.beta_2, 0, 1, high_open=True),
            "epsilon": _check_number("epsilon", self.epsilon, 0, 1, low_open=True),
            "seed": check_int("seed", self.seed, 0, MAX_SEED),
            "batch_size": None
            if self.batch_size is None
            else check_int("batch_size", self.batch_size, 1, MAX_ACTIVATIONS),
        }
        for name, value in checked.items():  # ints and floats, whatever number types came in
            object.__setattr__(self, name, value)

    def check_size(self, m: int, Tx: int) -> None:
        """A one-line ParameterError if m windows of Tx steps would not fit in memory. A batch
        is trained in chunks (:func:`chunk_windows`), so what must fit is one window's pass
        (Tx · n_a ≤ MAX_ACTIVATIONS) and the windows' index arrays (m · Tx ≤
        MAX_WINDOW_STEPS). The app calls it before a run waits in the training queue;
        ``train`` calls it too."""
        if Tx * self.n_a > MAX_ACTIVATIONS or m * Tx > MAX_WINDOW_STEPS:
            raise ParameterError(
                f"m · Tx = {m} · {Tx} windows' steps with n_a = {self.n_a} is too big to train "
                "in memory: choose fewer windows, fewer time steps or fewer units."
            )


@dataclass(frozen=True)
class DataShape:
    """The shape of the data a model was trained on: X (m, Tx, n_values), Y (Tx, m, n_values).

    m: training examples (windows); Tx: time steps per example; n_values: vocabulary size.
    """

    m: int
    Tx: int
    n_values: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "m", check_int("m", self.m, 1, MAX_ACTIVATIONS))
        object.__setattr__(self, "Tx", check_int("Tx", self.Tx, 1, MAX_ACTIVATIONS))
        object.__setattr__(self, "n_values", check_int("n_values", self.n_values, 1, MAX_N_VALUES))


@dataclass(frozen=True, eq=False)  # two models are the same model only if they are one object
class JazzModel:
    """A trained network with the vocabulary it was trained on.

    weights: the five arrays (:class:`~jazzcore.network.LSTMWeights`); vocabulary: the
    :class:`~jazzcore.dataset.Vocabulary` (index ↔ value); config: the
    :class:`TrainConfig`; data_shape: the :class:`DataShape` of X; history: one dict per
    epoch (epoch, loss, per_step_loss, accuracy, seconds); source: the record of the corpus
    it was trained on, when known ('metheny', 'leadsheets' or a
    :class:`~jazzcore.dataset.CorpusSource` record; older files: a path), which
    ``load_corpus(model.source)`` reads again. engine: the trainer that ran, 'numpy' or
    'tensorflow' (``config.engine`` is what was asked for, possibly 'auto'). Made, the parts
    must agree: the weights' shapes are those of len(vocabulary) values and config.n_a units.
    """

    weights: LSTMWeights
    vocabulary: Vocabulary
    config: TrainConfig
    data_shape: DataShape
    history: tuple[dict, ...] = ()
    source: str | None = None
    engine: str = "numpy"

    def __post_init__(self) -> None:
        if not isinstance(self.weights, LSTMWeights):
            raise ParameterError("A JazzModel's weights must be an LSTMWeights of five arrays.")
        if not isinstance(self.vocabulary, Vocabulary):
            raise ParameterError("A JazzModel's vocabulary must be a Vocabulary.")
        if not isinstance(self.config, TrainConfig) or not isinstance(self.data_shape, DataShape):
            raise ParameterError("A JazzModel needs a TrainConfig and a DataShape.")
        n_values, n_a = len(self.vocabulary), self.config.n_a
        shapes = tuple(np.shape(w) for w in self.weights)
        if shapes != LSTMWeights.shapes(n_values, n_a):
            raise ParameterError(
                f"The weights have shapes {shapes}: {n_values} values and n_a = {n_a} "
                f"need {LSTMWeights.shapes(n_values, n_a)}."
            )
        if self.data_shape.n_values != n_values:
            raise ParameterError(
                f"The data has {self.data_shape.n_values} values but the vocabulary {n_values}."
            )
        if self.engine not in ENGINES[1:]:
            raise ParameterError(
                f"A JazzModel's engine is 'numpy' or 'tensorflow', not {self.engine!r}."
            )
        object.__setattr__(self, "history", tuple(self.history))

    @property
    def n_values(self) -> int:
        """The vocabulary size: the LSTM's inputs and the softmax's outputs."""
        return self.weights.n_values

    @property
    def n_a(self) -> int:
        """LSTM units."""
        return self.weights.n_a

    @property
    def Tx(self) -> int:
        """Time steps of the training examples."""
        return self.data_shape.Tx

    @property
    def parameter_count(self) -> int:
        return parameter_counts(self.n_values, self.n_a)["total"]

    def first_values_allowed(self) -> np.ndarray:
        """(n_values,) bool: the values deepjazz lets open a solo — no rest, no interval bracket."""
        tokens = [GrammarToken.parse(v) for v in self.vocabulary.tokens]
        return np.array([t.kind != "R" and not t.has_bracket for t in tokens])

    def sample(
        self,
        Ty: int,
        *,
        temperature: float | None = None,
        top_k: int | None = None,
        seed: int | np.random.Generator | None = None,
        first_value_rule: bool = False,
        carry_state: bool | None = None,
    ) -> np.ndarray:
        """Ty value indices, int array of shape (Ty,): see :func:`jazzcore.sample.sample_indices`.

        first_value_rule: the first value is a note or chord tone without an interval
        bracket (:meth:`first_values_allowed`), as deepjazz opens a solo. carry_state: None
        (the default) samples as the model was trained (``config.carry_state``); True or False
        chooses (the 2018 notebook trained with the state reset and sampled with it carried).
        """
        allowed = self.first_values_allowed() if first_value_rule else None
        return sample_indices(
            self.weights,
            Ty,
            temperature=temperature,
            top_k=top_k,
            seed=seed,
            first_allowed=allowed,
            carry_state=self.config.carry_state if carry_state is None else bool(carry_state),
        )

    def sample_values(
        self,
        Ty: int,
        *,
        temperature: float | None = None,
        top_k: int | None = None,
        seed: int | np.random.Generator | None = None,
        first_value_rule: bool = False,
        carry_state: bool | None = None,
    ) -> list[str]:
        """Like :meth:`sample`, as grammar values ('C,0.250', …)."""
        indices = self.sample(
            Ty,
            temperature=temperature,
            top_k=top_k,
            seed=seed,
            first_value_rule=first_value_rule,
            carry_state=carry_state,
        )
        return self.vocabulary.decode(indices)

    def summary(self) -> str:
        """A table of the layers and their parameters, like the course's ``model.summary()``."""
        n_a, n_values = self.n_a, self.n_values
        counts = parameter_counts(n_values, n_a)
        trained = f"{len(self.history)} epochs by the {self.engine} engine"
        if self.history:
            trained += f", final loss {self.history[-1]['loss']:.3f}"
        lstm_shapes = (
            f"kernel ({n_values}, {4 * n_a}), recurrent ({n_a}, {4 * n_a}), bias ({4 * n_a},)"
        )
        dense_shapes = f"kernel ({n_a}, {n_values}), bias ({n_values},), softmax"
        rows = [
            f"JazzModel: the course's LSTM, n_a = {n_a}, {n_values} values, Tx = {self.Tx} "
            f"({trained})",
            f"{'Layer':<18}{'Weights':<48}{'Params':>10}",
            f"{'LSTM_cell (LSTM)':<18}{lstm_shapes:<48}{counts['LSTM']:>10,}",
            f"{'densor (Dense)':<18}{dense_shapes:<48}{counts['Dense']:>10,}",
            f"Total params: {counts['total']:,}",
        ]
        return "\n".join(rows)


__all__ = [
    "MAX_EPOCHS",
    "MAX_N_A",
    "MAX_N_VALUES",
    "MAX_SEED",
    "MAX_ACTIVATIONS",
    "MAX_WINDOW_STEPS",
    "CHUNK_BYTES",
    "ENGINES",
    "chunk_windows",
    "parameter_counts",
    "TrainConfig",
    "DataShape",
    "JazzModel",
]
