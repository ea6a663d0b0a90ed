"""Command line: train a model for a class, generate solos in batch.

    python -m jazzcore train --source metheny --epochs 100 --out model.npz
    python -m jazzcore train --source solos/ --melody-part Trumpet --out model.npz
    python -m jazzcore parts "Just Friends.mid"
    python -m jazzcore generate --model model.npz --seed 1 --out solo.mid --wav solo.wav
    python -m jazzcore generate --model model.npz --course --seed 1   # the course's way

A jazzcore error is printed as one line (``error: …``) with exit status 2; nothing else
is caught, so a real bug still shows its traceback.
"""

from __future__ import annotations

import argparse
import sys
import time

from .audio import render_audio
from .dataset import Corpus, load_corpus
from .errors import JazzcoreError, ParameterError, write_output
from .generate import COURSE_TY, generate_music, register_of
from .model import ENGINES, TrainConfig
from .persist import load_model, save_model
from .quality import quality_table
from .readers import plan_parts, read_music, solo_from_music
from .runtime import keep_freed_memory
from .theory import pitch_name
from .training import train_windows
from .windows import Windows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jazzcore",
        description="Improvise a jazz solo with an LSTM (the Coursera / deepjazz model).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train the LSTM on a solo and save it (.npz)")
    train.add_argument(
        "--source",
        nargs="+",
        action="extend",
        default=None,
        help="'metheny' (the default, downloaded on first use), 'leadsheets' (offline), or "
        "MIDI/MusicXML files, folders or .zip archives of them: several make one corpus",
    )
    train.add_argument("--epochs", type=int, default=100)
    train.add_argument("--n-a", type=int, default=64, help="LSTM units (the course's 64)")
    train.add_argument("--learning-rate", type=float, default=0.01)
    train.add_argument("--m", type=int, default=60, help="training windows")
    train.add_argument("--tx", type=int, default=30, help="time steps per window")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="windows per update (default: all of them, one update per epoch)",
    )
    train.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="numpy (one core), tensorflow (all cores, a GPU, TF_CONFIG's cluster) or auto "
        "(the one expected to finish first)",
    )
    train.add_argument(
        "--melody-part", help="index or name of the melody part (default: found automatically)"
    )
    train.add_argument(
        "--chord-part",
        help="where the chords come from: a part's index or name, 'symbols' or 'accompaniment' "
        "(default: the chord symbols, else everything but the melody)",
    )
    train.add_argument("--measures", help="the measures to keep, FIRST-LAST (measure k: 4k…4k+4)")
    train.add_argument(
        "--whole-song",
        action="store_true",
        help="read the course's Metheny file as a whole song, not the course's 18 measures",
    )
    train.add_argument("--out", required=True, help="the model file to write (.npz)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    parts = commands.add_parser(
        "parts", help="list a MIDI/MusicXML file's parts and the melody and chords chosen"
    )
    parts.add_argument("file", help="a .mid, .midi, .xml, .musicxml or .mxl file")
    parts.add_argument("--melody-part", help="index or name of the melody part to try")
    parts.add_argument("--chord-part", help="index or name of the chord part to try")

    generate = commands.add_parser(
        "generate",
        help="improvise over chords with a trained model",
        description="By default: values sampled at temperature 1 until each chord set's measure "
        "is filled, the faithful post-processor, one line ending with the chords. --course "
        "gives the course's way: Ty = 50, greedy argmax, its post-processor and layout.",
    )
    generate.add_argument("--model", required=True, help="a model file saved by 'train' or the app")
    generate.add_argument(
        "--ty",
        type=int,
        default=None,
        help="values sampled per chord set (1-1000; default: until the set's measure is filled)",
    )
    generate.add_argument("--seed", type=int, default=None, help="makes the solo reproducible")
    generate.add_argument(
        "--temperature", type=float, default=1.0, help="softmax temperature (> 0; default 1)"
    )
    generate.add_argument(
        "--top-k", type=int, default=None, help="sample among the k most likely values"
    )
    generate.add_argument(
        "--greedy", action="store_true", help="argmax at every step (the course; replays the solo)"
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
    generate.add_argument(
        "--postprocess",
        choices=("faithful", "course", "raw"),
        default="faithful",
        help="faithful (default: types, steps and durations kept), course (the course's five "
        "stages) or raw (the course's unparse only)",
    )
    generate.add_argument(
        "--layout",
        choices=("measure", "course"),
        default="measure",
        help="measure (default: each set inside its measure) or course (sets run on and overlap)",
    )
    generate.add_argument(
        "--course",
        action="store_true",
        help="the course's generate_music: --ty 50 (unless given) --greedy --postprocess course "
        "--layout course",
    )
    generate.add_argument("--out", default="output/my_music.midi", help="the MIDI file to write")
    generate.add_argument("--wav", default=None, help="also render audio to this WAV file")
    generate.add_argument("--synth", choices=("auto", "fluidsynth", "numpy"), default="auto")
    return parser


def _train(args) -> None:
    from tqdm import tqdm

    # the settings are checked before any file is read (a --seed of -1 is a one-line error)
    config = TrainConfig(
        n_a=args.n_a,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        seed=args.seed,
        batch_size=args.batch_size,
        engine=args.engine,
    )
    sources = args.source or ["metheny"]
    corpus = load_corpus(
        sources[0] if len(sources) == 1 else sources,
        melody_part=args.melody_part,
        chord_part=args.chord_part,
        measures=_measure_range(args.measures),
        whole_song=args.whole_song,
    )
    for line in corpus.skipped:
        print(f"skipped {line}")
    # the windows of corpus.xy(m, Tx, seed), one-hot batch by batch: a corpus of many solos
    # never becomes one dense (m, Tx, n_values) array
    windows = Windows.from_corpus(corpus, args.m, args.tx, args.seed)
    m, Tx, n = windows.m, windows.Tx, corpus.n_values
    print(
        f"{corpus.name}: {len(corpus.values)} values, {n} unique; X ({m}, {Tx}, {n}), "
        f"Y ({Tx}, {m}, {n})"
    )
    bar = tqdm(total=args.epochs, unit="epoch", disable=args.quiet, file=sys.stdout)

    def on_epoch(info):
        bar.update(1)
        bar.set_postfix(loss=f"{info['loss']:.3f}", acc=f"{info['accuracy']:.2f}", refresh=False)

    keep_freed_memory(large=True)  # a training process: big blocks stay mapped too
    start = time.perf_counter()
    try:
        model = train_windows(windows, config, on_epoch=on_epoch, source=corpus.source)
    finally:
        bar.close()
    path = save_model(model, args.out)
    first, last = model.history[0]["loss"], model.history[-1]["loss"]
    print(
        f"trained {len(model.history)} epochs in {time.perf_counter() - start:.2f} s "
        f"(engine: {model.engine}): "
        f"loss {first:.2f} → {last:.2f}; saved {path} ({path.stat().st_size / 1024:.0f} KB)"
    )


def _measure_range(text: str | None) -> tuple[int, int] | None:
    """'4-20' (or '4:20') → (4, 20); None stays None."""
    if text is None:
        return None
    first, sep, last = text.replace(":", "-").partition("-")
    if not sep or not first.strip().isdigit() or not last.strip().isdigit():
        raise ParameterError(f"--measures {text}: write FIRST-LAST, such as 4-20.")
    return int(first), int(last)


def _parts(args) -> None:
    """A table of a file's parts; the melody and chord parts a Solo would take."""
    music = read_music(args.file)
    try:
        plan = plan_parts(music, args.melody_part, args.chord_part)
        solo, problem = (
            solo_from_music(music, melody_part=plan.melody, chord_part=args.chord_part),
            None,
        )
    except JazzcoreError as error:
        plan, problem = None, error
    print(
        f"{music.name}: {music.title or 'no title'}, {music.tempo_bpm:g} bpm, {len(music.parts)} parts"
    )
    header = f"{'#':>3}  {'name':<30} {'instrument':<22} {'ch':>3} {'notes':>5}  {'range':<9} {'poly':>4}  role"
    print(header)
    for info in music.infos:
        span = (
            "" if info.lowest is None else f"{pitch_name(info.lowest)}–{pitch_name(info.highest)}"
        )
        role = "drums" if info.is_drum else ""
        if plan is not None and info.index == plan.melody:
            role = "melody (top line)" if not info.is_melody_like else "melody"
        if plan is not None and info.index in plan.chords:
            role = f"{role} + chords" if role else "chords"
        if info.chord_symbols:
            role += f" ({info.chord_symbols} chord symbols)"
        print(
            f"{info.index:>3}  {info.name[:30]:<30} {info.instrument[:22]:<22} "
            f"{info.channel or '':>3} {info.note_count:>5}  {span:<9} {info.polyphony:>4.2f}  {role}"
        )
    if plan is not None:
        print(
            f"melody: {music.infos[plan.melody].label}; chords: {plan.chord_source}; "
            f"{len(solo.measures)} measures, {solo.note_count} notes"
        )
    else:
        print(f"no solo: {problem}")


def _corpus_of(args, model) -> Corpus | None:
    """The corpus of the chords, the register and the quality table: --source, else the
    model's. Over a typed progression it is optional: None if it cannot be read."""
    source = args.source if args.source is not None else model.source
    if args.progression is None:
        if source is None:
            raise ParameterError("The model does not record its corpus: give --source.")
        return load_corpus(source)
    try:
        return None if source is None else load_corpus(source)
    except JazzcoreError as error:
        print(f"(no quality table: {error})")
        return None


def _generate(args) -> None:
    model = load_model(args.model)
    corpus = _corpus_of(args, model)
    greedy = args.greedy or args.course
    _, report = generate_music(
        model,
        chords=corpus if args.progression is None else None,
        progression=args.progression,
        Ty=COURSE_TY if args.course and args.ty is None else args.ty,
        seed=args.seed,
        temperature=None if greedy else args.temperature,
        top_k=None if greedy else args.top_k,
        postprocess="course" if args.course else args.postprocess,
        layout="course" if args.course else args.layout,
        register=None if corpus is None else register_of(corpus),
        out_path=args.out,
        return_stream=False,
    )
    for line in report.lines:
        print(line)
    if corpus is not None:
        print(
            f"\nQuality (against {corpus.name}; random: uniformly random values, same post-processor):"
        )
        print(quality_table(report, corpus, seed=args.seed).markdown())
    if args.wav is not None:
        audio = render_audio(report.midi_bytes, synth=args.synth)
        path = write_output(args.wav, audio.wav, "WAV")
        print(f"{audio.seconds:.1f} s of audio ({audio.detail}) written to {path}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        {"train": _train, "generate": _generate, "parts": _parts}[args.command](args)
    except JazzcoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
