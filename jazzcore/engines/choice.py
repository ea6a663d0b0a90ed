"""Which engine trains a run fastest: a cost model measured on the project's 2-core machine.

Both engines do the same work (:mod:`jazzcore.network`, :mod:`jazzcore.engines.tf_math`);
what differs is what a step costs. An epoch of m windows of Tx steps, in chunks of at most
:func:`~jazzcore.model.chunk_windows` windows (one chunk for the course's sizes), takes

    seconds = step · Tx · chunks  +  flop · products  +  value · Tx · m · (n_a + n_values)

where ``products`` counts the multiply-adds of the products (the gates forward and back,
the recurrent kernel's and the kernel's gradients, the softmax layer forward and back:
2 · Tx · m · (12 n_a² + 7 n_a · n_values)) and the last term is the element-wise work.
``step`` is the fixed cost of one time step (NumPy: Python's calls; TensorFlow: the
executor's), ``flop`` and ``value`` the machine's speed at products and at element-wise
arithmetic. TensorFlow also pays once for importing itself (when not yet imported: 2.5 s)
and for tracing its graph and compiling its steps (about 0.54 s for Tx = 30, in proportion
to Tx). The constants are
least-squares fits of ``bench/scale.py --calibrate`` (m = 60 to 3,000, n_a = 32 to 512) on
the project's 2-core machine (AMD EPYC, AVX-512), within about 25 % of each measured epoch;
on a GPU the TensorFlow epoch is divided by GPU_SPEEDUP, a guess (no GPU here to measure).

NumPy runs on one core, TensorFlow on all of them: NumPy wins while the run is small (its
start-up is nothing), TensorFlow when the products grow. A ``TF_CONFIG`` naming several
workers always means TensorFlow: the run is one of several machines'.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from ..model import TrainConfig, chunk_windows
from .tf_train import cluster_workers


@dataclass(frozen=True)
class EngineCosts:
    """One engine's fitted constants (seconds): per time step of a chunk, per multiply-add
    of the products, per value of the element-wise work; tracing, once per run and time step
    of a window; importing, once per process."""

    step: float
    flop: float
    value: float
    trace: float = 0.0
    import_seconds: float = 0.0


NUMPY_COSTS = EngineCosts(step=0.0, flop=8.75e-12, value=8.1e-9)
TENSORFLOW_COSTS = EngineCosts(
    step=9.6e-5, flop=2.59e-12, value=3.54e-9, trace=0.018, import_seconds=2.5
)
GPU_SPEEDUP = 10.0  # not measured here: TensorFlow's per-epoch figures on a GPU


def epoch_work(m: int, Tx: int, n_a: int, n_values: int, batch_size: int | None):
    """(time steps of chunks, multiply-adds, element-wise values) of one epoch."""
    chunk = chunk_windows(Tx, n_a, n_values)
    batch = m if batch_size is None else min(batch_size, m)
    full, rest = divmod(m, batch)
    pieces = full * math.ceil(batch / chunk) + (math.ceil(rest / chunk) if rest else 0)
    products = 2 * Tx * m * (12 * n_a * n_a + 7 * n_a * n_values)
    return Tx * pieces, products, Tx * m * (n_a + n_values)


def estimate_seconds(
    engine: str, m: int, Tx: int, n_values: int, config: TrainConfig, *, gpu: bool = False
) -> float:
    """Predicted seconds of a whole run on ``engine`` ('numpy' or 'tensorflow'), start-up
    included (TensorFlow's import only if it is not imported yet)."""
    steps, products, values = epoch_work(m, Tx, config.n_a, n_values, config.batch_size)
    costs = NUMPY_COSTS if engine == "numpy" else TENSORFLOW_COSTS
    epoch = costs.step * steps + costs.flop * products + costs.value * values
    once = costs.trace * Tx
    if engine == "tensorflow":
        epoch /= GPU_SPEEDUP if gpu else 1.0
        once += 0.0 if "tensorflow" in sys.modules else costs.import_seconds
    return once + config.epochs * epoch


def choose_engine(config: TrainConfig, m: int, Tx: int, n_values: int, *, one_hot: bool) -> str:
    """The engine a run uses: ``config.engine`` unless it is 'auto', then 'tensorflow' when
    ``TF_CONFIG`` names several workers, 'numpy' when X and Y are not one-hot (only NumPy
    trains on dense arrays) or TensorFlow is not installed, else the one
    :func:`estimate_seconds` expects to finish first."""
    if config.engine != "auto":
        return config.engine
    if cluster_workers() > 1:
        return "tensorflow"
    if not one_hot or importlib.util.find_spec("tensorflow") is None:
        return "numpy"
    gpu = _gpu_present()
    numpy_seconds = estimate_seconds("numpy", m, Tx, n_values, config)
    tf_seconds = estimate_seconds("tensorflow", m, Tx, n_values, config, gpu=gpu)
    return "tensorflow" if tf_seconds < numpy_seconds else "numpy"


def _gpu_present() -> bool:
    """A GPU TensorFlow would use, asked of TensorFlow only when it is already imported (asking
    would import it); else a CUDA device file is the sign."""
    if "tensorflow" in sys.modules:
        return len(sys.modules["tensorflow"].config.list_physical_devices("GPU")) > 0
    return Path("/dev/nvidia0").exists()


__all__ = [
    "EngineCosts",
    "NUMPY_COSTS",
    "TENSORFLOW_COSTS",
    "GPU_SPEEDUP",
    "epoch_work",
    "estimate_seconds",
    "choose_engine",
]
