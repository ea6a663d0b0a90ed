"""Bench: jazzcore's engines against the Keras fused fit a user would pick, as the work grows.

For each row (m windows of Tx = 30 steps of the Metheny corpus, n_a units), in one process per
row: 20 epochs of full-batch Adam (0.01, the course's decay) from the same initial weights by
jazzcore's NumPy engine, its TensorFlow engine, and the peer — a fused ``keras.layers.LSTM(n_a,
return_sequences=True)`` + ``Dense(softmax)`` compiled with the course's Adam and ``fit(X, Y,
batch_size=m)``, Keras's defaults otherwise (no XLA on a CPU). Wall time from building the model
to trained weights; importing TensorFlow is not counted (done before any timing); the best of
three rounds (each trainer in turn) when a round takes under 30 s, else one. Peak memory: the
process's resident high-water mark during the first run of each (VmHWM, reset before each run;
NumPy, TensorFlow, then Keras), TensorFlow's runtime (about 600 MB) included. 'auto' is the
engine ``TrainConfig(engine="auto")`` picks for the row (:func:`jazzcore.engines.choose_engine`,
with TensorFlow already imported, as here); its time is that engine's. The corpus has 193
values, so many windows repeat; neither trainer exploits that, so the times are those of m
distinct windows.

Then: m = 10,000, n_a = 256, 10 epochs with the auto engine from windows (``train_windows``)
in a fresh process (peak memory, target < 2 GB); two workers on loopback
(``MultiWorkerMirroredStrategy``, TF_CONFIG) against one (same loss within 1 %).

Run: .venv/bin/python bench/scale.py            (the README table; about 20 minutes)
     .venv/bin/python bench/scale.py --quick    (m ≤ 600, n_a ≤ 256)
     .venv/bin/python bench/scale.py --calibrate   (refit the cost model's constants)
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time

from _util import METHENY, ROOT, header

from jazzcore.engines.tf_train import clear_traced

EPOCHS = 20
TX = 30
ROWS = [(m, n_a) for n_a in (64, 256, 512) for m in (60, 600, 3_000, 10_000)]
SKIP = {
    (10_000, 512): "skipped: about 5 minutes a trainer for 20 epochs and ~8 GB for Keras's fit",
}
SLOW_NUMPY = {(10_000, 256), (3_000, 512)}  # NumPy on one core: minutes; timed for 2 epochs
QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


# ---------------------------------------------------------------------------------------
# In the child process: one row


def peak_reset() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM (Linux ≥ 4.0)


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    return float("nan")


def windows_of(m: int):
    from jazzcore.dataset import load_corpus
    from jazzcore.windows import Windows

    return Windows.from_corpus(load_corpus(str(METHENY)), m, TX, 0)


def timed(run) -> tuple[float, float, object]:
    """(seconds, peak MB, result) of one run(), which pays TensorFlow's tracing as a first
    run in a process does."""
    clear_traced()
    peak_reset()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, peak_mb(), result


def keras_fit(windows, n_a: int, epochs: int):
    import keras

    from jazzcore.keras_model import course_optimizer
    from jazzcore.model import TrainConfig
    from jazzcore.network import init_weights

    arrays = []  # X and Y, made at the first call (after jazzcore's runs: see row)

    def run():
        if not arrays:
            X, Y = windows.xy()
            arrays.extend([X, Y.swapaxes(0, 1)])  # Y (m, Tx, n_values), as return_sequences
        X, Y = arrays
        inputs = keras.Input((windows.Tx, windows.n_values))
        lstm = keras.layers.LSTM(n_a, return_sequences=True)
        dense = keras.layers.Dense(windows.n_values, activation="softmax")
        model = keras.Model(inputs, dense(lstm(inputs)))
        w = init_weights(windows.n_values, n_a, 0)
        lstm.set_weights(list(w[:3]))
        dense.set_weights(list(w[3:]))
        model.compile(optimizer=course_optimizer(TrainConfig()), loss="categorical_crossentropy")
        history = model.fit(X, Y, batch_size=windows.m, epochs=epochs, shuffle=False, verbose=0)
        return history.history["loss"][-1] * windows.Tx  # Keras averages over the steps

    return run


def row(m: int, n_a: int, epochs: int) -> dict:
    import tensorflow  # noqa: F401  (imported before any timing, for every trainer)

    from jazzcore.engines import choose_engine
    from jazzcore.model import TrainConfig
    from jazzcore.runtime import keep_freed_memory
    from jazzcore.training import train_windows

    keep_freed_memory(large=True)
    windows = windows_of(m)
    out = {"m": m, "n_a": n_a, "epochs": epochs}
    config = TrainConfig(n_a=n_a, epochs=epochs)
    out["auto"] = choose_engine(config, m, TX, windows.n_values, one_hot=True)
    runs = {}
    for name, engine in (("numpy", "numpy"), ("tensorflow", "tensorflow"), ("keras", None)):
        if name == "keras":
            runs[name] = keras_fit(windows, n_a, epochs)
            continue
        run_epochs = 2 if (name == "numpy" and (m, n_a) in SLOW_NUMPY) else epochs
        cfg = TrainConfig(n_a=n_a, epochs=run_epochs, engine=engine)
        runs[name] = lambda cfg=cfg: train_windows(windows, cfg).history[-1]["loss"]
    # rounds of all three in turn, the best time of each: other work on the machine comes and
    # goes, and this way it slows every trainer alike (three rounds when they are short). The
    # peak memory is the first round's: NumPy, then TensorFlow, then Keras, so that neither
    # Keras's X and Y nor the heap TensorFlow keeps count in jazzcore's figures.
    best: dict[str, tuple] = {}
    for round_ in range(3):
        start = time.perf_counter()
        for name, run in runs.items():
            seconds, peak, loss = timed(run)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, best[name][1] if name in best else peak, loss)
        if round_ == 0 and time.perf_counter() - start > 30:
            break
    for name, (seconds, peak, loss) in best.items():
        if name == "numpy" and (m, n_a) in SLOW_NUMPY:  # 2 epochs, scaled to 20
            seconds *= epochs / 2
            out["numpy_note"] = "timed for 2 epochs ×10"
        out[name] = {"seconds": seconds, "peak_mb": peak, "loss": loss}
    return out


def memory_run(m: int, n_a: int, epochs: int) -> dict:
    """A fresh process: train_windows with the auto engine; the process's peak memory."""
    from jazzcore.model import TrainConfig
    from jazzcore.runtime import keep_freed_memory
    from jazzcore.training import train_windows

    keep_freed_memory(large=True)
    windows = windows_of(m)
    start = time.perf_counter()
    model = train_windows(windows, TrainConfig(n_a=n_a, epochs=epochs))
    return {
        "m": m,
        "n_a": n_a,
        "epochs": epochs,
        "engine": model.engine,
        "seconds": time.perf_counter() - start,
        "peak_mb": peak_mb(),
        "loss": model.history[-1]["loss"],
    }


def worker(epochs: int) -> dict:
    """One worker of the loopback cluster (TF_CONFIG set by the parent), or the lone one."""
    from jazzcore.model import TrainConfig
    from jazzcore.training import train_windows

    model = train_windows(windows_of(600), TrainConfig(epochs=epochs, engine="tensorflow"))
    return {"loss": [h["loss"] for h in model.history], "engine": model.engine}


def calibrate_point(m: int, n_a: int, engine: str) -> dict:
    """Per-epoch seconds of a few epochs (the first, with TensorFlow's tracing, apart)."""
    import tensorflow  # noqa: F401

    from jazzcore.model import TrainConfig
    from jazzcore.runtime import keep_freed_memory
    from jazzcore.training import train_windows

    keep_freed_memory(large=True)
    windows = windows_of(m)
    model = train_windows(windows, TrainConfig(n_a=n_a, epochs=6, engine=engine))
    seconds = [h["seconds"] for h in model.history]
    epochs = [b - a for a, b in zip(seconds, seconds[1:], strict=False)]
    return {"m": m, "n_a": n_a, "engine": engine, "epoch": min(epochs), "first": seconds[0]}


# ---------------------------------------------------------------------------------------
# In the parent: one child per row, the table


def child(*args: str, env=None, timeout: float = 3600) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        env=env or QUIET,
        timeout=timeout,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def two_workers(epochs: int) -> tuple[dict, dict]:
    cluster = {"worker": [f"127.0.0.1:{free_port()}" for _ in range(2)]}
    procs = []
    for index in range(2):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = {**QUIET, "TF_CONFIG": json.dumps(config)}
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--worker", str(epochs)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
                cwd=ROOT,
            )
        )
    outs = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
    lone = child("--worker", str(epochs), env={k: v for k, v in QUIET.items() if k != "TF_CONFIG"})
    return outs[0], lone


def calibrate() -> None:
    import numpy as np

    from jazzcore.engines.choice import epoch_work

    points = [(m, n_a) for m in (60, 300, 1_000, 3_000) for n_a in (32, 64, 128, 256, 512)]
    for engine in ("numpy", "tensorflow"):
        rows, seconds, firsts = [], [], []
        for m, n_a in points:
            if engine == "numpy" and m * n_a > 800_000:
                continue
            r = child("--calibrate-point", str(m), str(n_a), engine)
            rows.append(epoch_work(m, TX, n_a, 78, None))
            seconds.append(r["epoch"])
            firsts.append(r["first"] - r["epoch"])
            print(f"{engine:>10} m={m:>5} n_a={n_a:>4}: {r['epoch'] * 1e3:8.1f} ms an epoch")
        A, t = np.array(rows, float), np.array(seconds)
        # relative least squares, constants kept positive
        fit, *_ = np.linalg.lstsq(A / t[:, None], np.ones_like(t), rcond=None)
        fit = np.maximum(fit, 0)
        print(
            f"{engine}: step={fit[0]:.2e}, flop={fit[1]:.2e}, value={fit[2]:.2e}; "
            f"start-up (first epoch − an epoch) median {statistics.median(firsts):.2f} s"
        )


def table(results: list[dict]) -> None:
    print()
    print(
        "| m | n_a | auto engine | jazzcore (auto) | NumPy engine | TensorFlow engine "
        "| Keras fused fit | lead | peak MB (auto / Keras) |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        if "skipped" in r:
            print(f"| {r['m']:,} | {r['n_a']} | — | — | — | — | — | — | {r['skipped']} |")
            continue
        auto = r[r["auto"]]
        lead = r["keras"]["seconds"] / auto["seconds"]
        note = " ¹" if "numpy_note" in r else ""
        print(
            f"| {r['m']:,} | {r['n_a']} | {r['auto']} | {auto['seconds']:.2f} s "
            f"| {r['numpy']['seconds']:.2f} s{note} | {r['tensorflow']['seconds']:.2f} s "
            f"| {r['keras']['seconds']:.2f} s | {lead:.1f}× "
            f"| {auto['peak_mb']:,.0f} / {r['keras']['peak_mb']:,.0f} |"
        )
    if any("numpy_note" in r for r in results):
        print("\n¹ NumPy on one core: timed for 2 epochs, ×10.")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--row"]:
        print(json.dumps(row(int(argv[1]), int(argv[2]), EPOCHS)))
        return
    if argv[:1] == ["--memory"]:
        print(json.dumps(memory_run(10_000, 256, 10)))
        return
    if argv[:1] == ["--worker"]:
        print(json.dumps(worker(int(argv[1]))))
        return
    if argv[:1] == ["--calibrate-point"]:
        print(json.dumps(calibrate_point(int(argv[1]), int(argv[2]), argv[3])))
        return
    header(f"scale: {EPOCHS} epochs, full-batch Adam, Tx = {TX}, Metheny windows")
    if argv[:1] == ["--calibrate"]:
        calibrate()
        return
    rows = ROWS
    if argv[:1] == ["--quick"]:
        rows = [(m, n_a) for m, n_a in ROWS if m <= 600 and n_a <= 256]
    results = []
    for m, n_a in rows:
        if (m, n_a) in SKIP:
            results.append({"m": m, "n_a": n_a, "skipped": SKIP[(m, n_a)]})
            continue
        r = child("--row", str(m), str(n_a))
        results.append(r)
        auto = r[r["auto"]]
        print(
            f"m={m:>6,} n_a={n_a:>4}: numpy {r['numpy']['seconds']:7.2f} s  "
            f"tensorflow {r['tensorflow']['seconds']:7.2f} s  keras {r['keras']['seconds']:7.2f} s"
            f"  auto={r['auto']}: {r['keras']['seconds'] / auto['seconds']:.1f}× the Keras fit",
            flush=True,
        )
    table(results)
    if argv[:1] == ["--quick"]:
        return
    memory = child("--memory")
    print(
        f"\nm = 10,000, n_a = 256, {memory['epochs']} epochs from windows "
        f"(engine {memory['engine']}): {memory['seconds']:.1f} s, "
        f"peak {memory['peak_mb']:,.0f} MB (target < 2,048 MB)"
    )
    one_of_two, lone = two_workers(5)
    gap = abs(one_of_two["loss"][-1] - lone["loss"][-1]) / lone["loss"][-1]
    print(
        f"two workers on loopback vs one (m = 600, 5 epochs): loss "
        f"{one_of_two['loss'][-1]:.5f} vs {lone['loss'][-1]:.5f} ({gap:.2e} apart; "
        f"target < 1 %)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
