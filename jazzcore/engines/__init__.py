"""The engines that train the course's network: NumPy (:mod:`jazzcore.training`'s loop, one
core) and TensorFlow (:mod:`~jazzcore.engines.tf_train`: all cores, a GPU, several machines),
and the cost model that picks one (:mod:`~jazzcore.engines.choice`).

Both run the same mathematics from the same initial weights with the same batches and the
same Adam, so a run gives the same losses and weights on either, to float32 rounding.
:func:`jazzcore.training.train` asks :func:`choose_engine` which to use
(``TrainConfig(engine="auto" | "numpy" | "tensorflow")``) and records the one that ran in
``model.engine``. Importing this package does not import TensorFlow.
"""

from __future__ import annotations

from .choice import choose_engine, estimate_seconds
from .tf_train import cluster_workers, default_strategy, train_tensorflow

__all__ = [
    "choose_engine",
    "estimate_seconds",
    "cluster_workers",
    "default_strategy",
    "train_tensorflow",
]
