"""Runs for tests/test_engines.py that need a process of their own (TensorFlow's devices and
cluster are set before anything else runs). Prints one JSON line.

    python tests/tf_workers.py mirrored METHENY   three logical CPUs, MirroredStrategy
    python tests/tf_workers.py worker METHENY     one worker (TF_CONFIG set by the test) or alone
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def mirrored(metheny: str) -> dict:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 3)

    from jazzcore.dataset import load_corpus
    from jazzcore.model import TrainConfig
    from jazzcore.training import train_windows
    from jazzcore.windows import Windows

    strategy = tf.distribute.MirroredStrategy([f"/cpu:{k}" for k in range(3)])
    windows = Windows.from_corpus(load_corpus(metheny), 60, 30, 0)
    batches = []
    for batch_size in (None, 32):  # 60 = 20 each; 32 and 28 shared unevenly
        curves = {"replicas": strategy.num_replicas_in_sync}
        for engine in ("numpy", "tensorflow"):
            config = TrainConfig(epochs=4, batch_size=batch_size, engine=engine)
            run = train_windows(windows, config, strategy=strategy if engine != "numpy" else None)
            curves[engine] = [h["loss"] for h in run.history]
        batches.append(curves)
    return {"batches": batches}


def worker(metheny: str) -> dict:
    from jazzcore.dataset import load_corpus
    from jazzcore.engines import default_strategy
    from jazzcore.model import TrainConfig
    from jazzcore.training import train_windows
    from jazzcore.windows import Windows

    windows = Windows.from_corpus(load_corpus(metheny), 60, 30, 0)
    config = TrainConfig(epochs=5, batch_size=32, engine="tensorflow")
    model = train_windows(windows, config)
    return {
        "loss": [h["loss"] for h in model.history],
        "replicas": default_strategy().num_replicas_in_sync,
        "engine": model.engine,
    }


if __name__ == "__main__":
    print(json.dumps({"mirrored": mirrored, "worker": worker}[sys.argv[1]](sys.argv[2])))
