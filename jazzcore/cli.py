"""Command line: train a model for a class, generate solos in batch.

    python -m jazzcore train --source metheny --epochs 100 --out model.npz
    python -m jazzcore generate --model model.npz --ty 50 --seed 1 --out solo.mid --wav solo.wav

A jazzcore error is printed as one line (``error: …``) with exit status 2; nothing else
is caught, so a real bug still shows its traceback.
"""

from __future__ import annotations

import argparse
import sys
import time

from .audio import render_audio
from .dataset import load_corpus
from .errors import JazzcoreError, write_output
from .generate import generate_music
from .model import TrainConfig
from .persist import load_model, save_model
from .runtime import keep_freed_memory
from .training import train


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jazzcore",
        description="Improvise a jazz solo with an LSTM (the Coursera / deepjazz model).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train the LSTM on a solo and save it (.npz)")
    train.add_argument(
        "--source",
        default="metheny",
        help="'metheny' (downloaded on first use), 'leadsheets' (offline) or a MIDI/MusicXML path",
    )
    train.add_argument("--epochs", type=int, default=100)
    train.add_argument("--n-a", type=int, default=64, help="LSTM units (the course's 64)")
    train.add_argument("--learning-rate", type=float, default=0.01)
    train.add_argument("--m", type=int, default=60, help="training windows")
    train.add_argument("--tx", type=int, default=30, help="time steps per window")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--melody-part", help="index or name of the melody part (default: found automatically)"
    )
    train.add_argument("--out", required=True, help="the model file to write (.npz)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    generate = commands.add_parser("generate", help="improvise over chords with a trained model")
    generate.add_argument("--model", required=True, help="a model file saved by 'train' or the app")
    generate.add_argument(
        "--ty", type=int, default=50, help="values sampled per chord set (1-1000)"
    )
    generate.add_argument("--seed", type=int, default=None, help="makes the solo reproducible")
    generate.add_argument(
        "--temperature", type=float, default=None, help="sample instead of argmax (> 0)"
    )
    generate.add_argument(
        "--top-k", type=int, default=None, help="sample among the k most likely values"
    )
    generate.add_argument(
        "--progression",
        default=None,
        help="chords such as 'Dm7 G7 | Cmaj7' instead of the corpus's",
    )
    generate.add_argument(
        "--source",
        default=None,
        help="the corpus whose chords to play over (default: the one the model was trained on)",
    )
    generate.add_argument("--postprocess", choices=("full", "raw"), default="full")
    generate.add_argument("--out", default="output/my_music.midi", help="the MIDI file to write")
    generate.add_argument("--wav", default=None, help="also render audio to this WAV file")
    generate.add_argument("--synth", choices=("auto", "fluidsynth", "numpy"), default="auto")
    return parser


def _train(args) -> None:
    from tqdm import tqdm

    melody_part = args.melody_part
    if melody_part is not None and melody_part.isdigit():
        melody_part = int(melody_part)
    corpus = load_corpus(args.source, melody_part=melody_part)
    X, Y = corpus.xy(args.m, args.tx, args.seed)
    print(
        f"{corpus.name}: {len(corpus.values)} values, {corpus.n_values} unique; X {X.shape}, Y {Y.shape}"
    )
    bar = tqdm(total=args.epochs, unit="epoch", disable=args.quiet, file=sys.stdout)

    def on_epoch(info):
        bar.update(1)
        bar.set_postfix(loss=f"{info['loss']:.3f}", acc=f"{info['accuracy']:.2f}", refresh=False)

    config = TrainConfig(
        n_a=args.n_a, epochs=args.epochs, learning_rate=args.learning_rate, seed=args.seed
    )
    keep_freed_memory()
    start = time.perf_counter()
    try:
        model = train(X, Y, corpus.vocabulary, config, on_epoch=on_epoch, source=corpus.source)
    finally:
        bar.close()
    path = save_model(model, args.out)
    first, last = model.history[0]["loss"], model.history[-1]["loss"]
    print(
        f"trained {len(model.history)} epochs in {time.perf_counter() - start:.2f} s: "
        f"loss {first:.2f} → {last:.2f}; saved {path} ({path.stat().st_size / 1024:.0f} KB)"
    )


def _generate(args) -> None:
    model = load_model(args.model)
    chords = None
    if args.progression is None:
        chords = load_corpus(args.source if args.source is not None else model.source)
    _, report = generate_music(
        model,
        chords=chords,
        progression=args.progression,
        Ty=args.ty,
        seed=args.seed,
        temperature=args.temperature,
        top_k=args.top_k,
        postprocess=args.postprocess,
        out_path=args.out,
        return_stream=False,
    )
    for line in report.lines:
        print(line)
    if args.wav is not None:
        audio = render_audio(report.midi_bytes, synth=args.synth)
        path = write_output(args.wav, audio.wav, "WAV")
        print(f"{audio.seconds:.1f} s of audio ({audio.detail}) written to {path}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        {"train": _train, "generate": _generate}[args.command](args)
    except JazzcoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
