"""The TensorFlow engine: the training loop of :func:`jazzcore.training.train` on all cores, a
GPU, several GPUs or several machines, under a ``tf.distribute`` strategy.

One run, whatever the strategy:

* the weights and Adam's moments are variables made in the strategy's scope, from the same
  initial arrays as the NumPy engine (:func:`jazzcore.network.init_weights`);
* the data come from ``tf.data``: every input pipeline (one per machine) runs the same
  generator over the same windows (:mod:`jazzcore.windows`) — the same batches in the same
  order as the NumPy engine (:func:`~jazzcore.windows.epoch_batches`), each cut into chunks
  of at most :func:`~jazzcore.model.chunk_windows` windows, each chunk shared out among the
  replicas (replica r of R takes windows r, r + R, …); only index arrays travel;
* each replica computes its share's loss and gradients, weighted by 1 / (the batch's size)
  so that the shares add up to the batch's mean (:func:`~jazzcore.engines.tf_math.loss_and_grads`);
  one all-reduce sums them, and every replica makes the same Adam update. A batch of
  several chunks adds their gradients up before its one update.

The strategy (:func:`default_strategy`): several machines when ``TF_CONFIG`` names a cluster
of several workers (``MultiWorkerMirroredStrategy``: start the same program on every machine,
each with its own task index), several GPUs (``MirroredStrategy``), else TensorFlow's default
(all cores of the CPU, or the GPU). On a CPU each time step, forward and back, is a small
XLA-compiled function (:mod:`~jazzcore.engines.tf_math`), and a replica's windows are cut in
two independent chains that the executor runs side by side on the cores
(:func:`chains_for`); compiling the whole unrolled step with XLA (``xla=True``, the default on
a GPU) was measured on this 2-core CPU at 2.1 s of compiling for 15 % faster epochs (m = 600,
n_a = 256): it pays only for runs of more than about a hundred epochs.

TensorFlow is imported by the functions that need it, never by importing this module.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable

import numpy as np

from ..errors import ParameterError
from ..model import TrainConfig, chunk_windows
from ..network import LSTMWeights, init_weights
from ..runtime import one_blas_thread
from ..windows import TrainingWindows, chunks, epoch_batches
from .tf_math import TFAdam, as_weights, clear_cells, loss_and_grads, tensorflow

_MULTI_WORKER = None  # a process makes one MultiWorkerMirroredStrategy, before any other op
_TRACED: dict[tuple, Callable] = {}  # the loss-and-gradient graph per shape: traced once
MIN_CHAIN_WINDOWS = 64  # fewer windows a chain: its small operations cost more than they share
# Step 0 without the zero state's products saves 8 m n_a² multiply-adds an epoch (about
# 8e-11 s each · m n_a² on 2 cores) for two more steps to compile (about 0.2 s): worth it
# from epochs · m · n_a² of 2.5e9 (m = 3,000, n_a = 512, 20 epochs: 0.65 s saved).
ZERO_START_WORK = 2.5e9


def cluster_workers() -> int:
    """The number of tasks (chief and workers) in ``TF_CONFIG``'s cluster; 0 without one."""
    text = os.environ.get("TF_CONFIG", "")
    if not text.strip():
        return 0
    try:
        cluster = json.loads(text).get("cluster", {})
        return sum(len(cluster.get(kind, ())) for kind in ("chief", "worker"))
    except (ValueError, AttributeError, TypeError):
        raise ParameterError("TF_CONFIG is not the JSON of a TensorFlow cluster.") from None


def gpu_count() -> int:
    """GPUs TensorFlow sees (0 on a CPU-only machine)."""
    return len(tensorflow().config.list_physical_devices("GPU"))


def default_strategy():
    """The strategy a run uses when none is given: ``MultiWorkerMirroredStrategy`` when
    ``TF_CONFIG`` names several workers (made once per process, before any other TensorFlow
    op, as TensorFlow requires), ``MirroredStrategy`` with several GPUs, else the default
    strategy (one device: the GPU if any, else all cores of the CPU)."""
    global _MULTI_WORKER
    tf = tensorflow()
    if cluster_workers() > 1:
        if _MULTI_WORKER is None:
            _MULTI_WORKER = tf.distribute.MultiWorkerMirroredStrategy()
        return _MULTI_WORKER
    if gpu_count() > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def describe(strategy) -> str:
    """'1 replica on CPU', '2 replicas (MultiWorkerMirroredStrategy, 2 workers)', …"""
    replicas = strategy.num_replicas_in_sync
    device = "GPU" if gpu_count() else "CPU"
    text = f"{replicas} replica{'s' if replicas > 1 else ''}"
    name = type(strategy).__name__
    if name.startswith("_Default"):
        return f"{text} on {device}"
    workers = cluster_workers()
    where = f", {workers} workers" if workers > 1 else ""
    return f"{text} ({name}{where}) on {device}"


def _dataset_function(windows: TrainingWindows, config: TrainConfig, chunk: int):
    """The function ``distribute_datasets_from_function`` calls once per input pipeline: a
    dataset of (x, y, batch size) for each chunk of each batch of each epoch, one element per
    replica this pipeline feeds (its share of the chunk's windows)."""
    tf = tensorflow()
    Tx = windows.Tx

    def dataset(context):
        replicas = context.num_replicas_in_sync
        local = replicas // context.num_input_pipelines
        first = context.input_pipeline_id * local

        def pieces():
            rng = np.random.default_rng([config.seed, 1])  # the NumPy engine's order stream
            for _ in range(config.epochs):
                for rows in epoch_batches(windows.m, config.batch_size, rng):
                    total = np.float32(rows.size)
                    for piece in chunks(rows, chunk):
                        for replica in range(first, first + local):
                            x, y = windows.batch(piece[replica::replicas])
                            yield x, y, total

        spec = (
            tf.TensorSpec((Tx, None), tf.int32),
            tf.TensorSpec((Tx, None), tf.int32),
            tf.TensorSpec((), tf.float32),
        )
        # No autotuning: its thread made deleting the iterator at the end of a run wait
        # 9.3–9.5 s one run in two (m = 3,000, n_a = 256: as long as its twenty epochs);
        # a fixed prefetch of two pieces is all this pipeline needs.
        options = tf.data.Options()
        options.autotune.enabled = False
        dataset = tf.data.Dataset.from_generator(pieces, output_signature=spec)
        return dataset.prefetch(2).with_options(options)

    return dataset


def _traced(
    Tx: int,
    n_values: int,
    n_a: int,
    carry_state: bool,
    xla: bool,
    chains: int = 1,
    live: int | None = None,
    zero_start: bool = True,
) -> Callable:
    """:func:`~jazzcore.engines.tf_math.loss_and_grads` as a ``tf.function`` of (weights, x, y,
    total), one per shape and setting in a process: a second run of the same shape does not
    trace and compile its graph again (half a second for Tx = 30). live: the steps computed
    (:attr:`~jazzcore.windows.TrainingWindows.live_steps`; the others have no target and add
    nothing)."""
    tf = tensorflow()
    live = Tx if live is None else live
    key = (Tx, n_values, n_a, carry_state, xla, chains, live, zero_start)

    def grads_of(weights, x, y, total):
        per_step, hits, targets, grads = loss_and_grads(
            weights,
            x[:live],
            y[:live],
            total,
            carry_state=carry_state,
            chains=chains,
            zero_start=zero_start,
        )
        if live < Tx:
            per_step = tf.concat([per_step, tf.zeros([Tx - live], per_step.dtype)], 0)
        return per_step, hits, targets, grads

    if key not in _TRACED:
        _TRACED[key] = tf.function(
            grads_of,
            jit_compile=xla,
            reduce_retracing=True,
            autograph=False,  # plain Python loops, unrolled: no conversion (a second saved)
        )
    return _TRACED[key]


def clear_traced() -> None:
    """Forget the traced graphs and compiled steps: the next run traces and compiles again, as
    a process's first does."""
    _TRACED.clear()
    clear_cells()


def chains_for(windows_per_replica: int) -> int:
    """How many independent chains a replica's pass is cut into
    (:func:`~jazzcore.engines.tf_math.loss_and_grads`): two on a CPU of several cores when
    each has enough windows (MIN_CHAIN_WINDOWS) to be worth its own chain, else one; on a
    GPU one (its kernels fill the device)."""
    if gpu_count() or (os.cpu_count() or 1) < 2 or windows_per_replica < 2 * MIN_CHAIN_WINDOWS:
        return 1
    return 2


def train_tensorflow(
    windows: TrainingWindows,
    config: TrainConfig,
    *,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    strategy=None,
    xla: bool | None = None,
) -> tuple[LSTMWeights, list[dict], str]:
    """Train on windows with TensorFlow; returns (weights, history, what ran).

    The same arguments, epochs, batches and history as :func:`jazzcore.training.train`'s
    NumPy loop (on_epoch gets the same dict, with ``engine`` 'tensorflow'). strategy: a
    ``tf.distribute.Strategy`` (None: :func:`default_strategy`). xla: compile each step with
    XLA (None: on a GPU). With several workers every worker runs this with the same
    arguments, and should_stop must answer the same on all of them.
    """
    tf = tensorflow()
    strategy = default_strategy() if strategy is None else strategy
    xla = gpu_count() > 0 if xla is None else bool(xla)
    n_values, Tx, m = windows.n_values, windows.Tx, windows.m
    chunk = chunk_windows(Tx, config.n_a, n_values)
    with one_blas_thread():  # as the NumPy engine: BLAS threads racing TensorFlow's for 2 cores
        initial = init_weights(n_values, config.n_a, config.seed)
    with strategy.scope():
        variables = [
            tf.Variable(a, name=name) for a, name in zip(initial, LSTMWeights._fields, strict=True)
        ]
        adam = TFAdam(variables, config)
        sums = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]

    batch = m if config.batch_size is None else min(config.batch_size, m)
    share = math.ceil(batch / math.ceil(batch / chunk)) // strategy.num_replicas_in_sync
    chains = 1 if xla else chains_for(share)
    zero_start = config.epochs * m * config.n_a**2 >= ZERO_START_WORK
    grads_of = _traced(
        Tx, n_values, config.n_a, config.carry_state, xla, chains, windows.live_steps, zero_start
    )

    def replica_step(x, y, total):
        per_step, hits, targets, grads = grads_of([tf.identity(v) for v in variables], x, y, total)
        context = tf.distribute.get_replica_context()
        return context.all_reduce(tf.distribute.ReduceOp.SUM, [per_step, hits, targets, *grads])

    def make_step(accumulate: bool, apply: bool):
        @tf.function(autograph=False)
        def step(iterator):
            reduced = strategy.run(replica_step, args=next(iterator))
            per_step, hits, targets, *grads = [
                strategy.experimental_local_results(value)[0] for value in reduced
            ]
            if accumulate:
                for total, g in zip(sums, grads, strict=True):
                    total.assign_add(g)
                grads = [total.read_value() for total in sums]
            if apply:
                adam.step(grads)
                if accumulate:
                    for total in sums:
                        total.assign(tf.zeros_like(total))
            return per_step, hits, targets

        return step

    steps: dict[tuple[bool, bool], Callable] = {}
    dataset_of = _dataset_function(windows, config, chunk)
    if strategy is tf.distribute.get_strategy():  # one replica: the dataset as it is (handed
        # out through distribute_datasets_from_function, each step took 6 % longer: 0.69 s
        # against 0.65 for m = 600, n_a = 512)
        data = dataset_of(tf.distribute.InputContext())
    else:
        data = strategy.distribute_datasets_from_function(dataset_of)
    iterator = iter(data)
    sizes = [rows.size for rows in epoch_batches(m, config.batch_size, np.random.default_rng(0))]
    history: list[dict] = []
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        if should_stop is not None and should_stop():
            break
        per_step, accuracy = np.zeros(Tx), 0.0
        for size in sizes:
            pieces = math.ceil(size / chunk)
            batch_loss, hits, targets = np.zeros(Tx), 0.0, 0.0
            for k in range(pieces):
                key = (pieces > 1, k == pieces - 1)
                if key not in steps:
                    steps[key] = make_step(*key)
                step_loss, step_hits, step_targets = steps[key](iterator)
                batch_loss += step_loss.numpy()
                hits += float(step_hits)
                targets += float(step_targets)
            share = size / m
            per_step += batch_loss * share
            accuracy += (hits / targets if targets else 0.0) * share
        info = {
            "epoch": epoch,
            "loss": float(per_step.sum()),
            "per_step_loss": [float(v) for v in per_step],
            "accuracy": accuracy,
            "seconds": time.perf_counter() - start,
            "engine": "tensorflow",
        }
        history.append(info)
        if on_epoch is not None:
            on_epoch(info)
    return as_weights(variables), history, describe(strategy)


__all__ = [
    "cluster_workers",
    "gpu_count",
    "default_strategy",
    "describe",
    "clear_traced",
    "train_tensorflow",
]
