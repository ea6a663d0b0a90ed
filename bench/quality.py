"""Bench: does a generated solo follow the chords and sound like its training solo?

Issue 10's figures, measured on the WRITTEN MIDI with code of its own (pretty_midi reads the
notes, music21 derives each chord's scale; nothing of jazzcore.quality), for three corpora —
the course's Metheny solo, music21's lead sheets and a user-style MIDI file this bench
composes (a 32-bar tenor-sax line over a piano in B-flat) — and five pieces:

* training solo: the corpus's melody and chords as the bench writes them to MIDI;
* trained: a model trained 100 epochs (TrainConfig(seed=s), windows drawn with seed s), then
  generate_music with the library's defaults (what the CLI and the app play), seed s;
* random values: uniformly random values of the vocabulary through the same post-processor
  over the same chords (jazzcore.generate.RandomValues), seed s;
* round trip: the corpus's own values over their own chords (every measure), seed s;
* the course's way: Ty = 50, greedy argmax, the course's post-processor and layout.

Ten seeds each. Histograms (intervals between consecutive melody notes by onset, signed,
beyond an octave counted at ±12; note lengths in MIDI ticks) are compared with the training
solo's by total variation: "pooled" is the distance of the ten pieces' notes together,
"per piece" the mean of the ten distances, and "floor" the mean distance of runs of the
training solo itself as long as a piece (a short piece's histogram is rough however good).

Run: .venv/bin/python bench/quality.py        (about a minute; --seeds N for fewer)
"""

from __future__ import annotations

import argparse
import io
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from _util import METHENY, header

from jazzcore.dataset import Corpus, load_corpus
from jazzcore.generate import RandomValues, generate_music, round_trip
from jazzcore.model import TrainConfig
from jazzcore.runtime import keep_freed_memory
from jazzcore.training import train

TEMPO = 130.0
CLIP = 12  # interval histogram: leaps beyond an octave at ±12


# ---------------------------------------------------------------------------------------
# A user's file: a tenor-sax line over piano chords, composed by rule (seeded)

USER_CHORDS = "Cm7 F7 Bbmaj7 Bbmaj7 Ebmaj7 Ab7 Dm7 G7 Cm7 F7 Dm7,G7 Cm7,F7 Bbmaj7 G7 Cm7 F7"
QUALITIES = {
    "m7": ((0, 3, 7, 10), (0, 2, 3, 5, 7, 9, 10)),
    "7": ((0, 4, 7, 10), (0, 2, 4, 5, 7, 9, 10)),
    "maj7": ((0, 4, 7, 11), (0, 2, 4, 5, 7, 9, 11)),
}  # (chord, scale) from the root
ROOTS = {name: pc for pc, name in enumerate("C Db D Eb E F Gb G Ab A Bb B".split())}


def _chord(symbol: str) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    root = symbol[:2] if symbol[1:2] in ("b", "#") else symbol[:1]
    tones, scale = QUALITIES[symbol[len(root) :]]
    return ROOTS[root], tones, scale


def user_style_midi(path: Path, choruses: int = 2, seed: int = 7) -> Path:
    """Write the user-style file: 16 bars × choruses, tenor sax (program 66) over piano."""
    import pretty_midi

    rng = np.random.default_rng(seed)
    spb = 60.0 / 140.0
    pm = pretty_midi.PrettyMIDI(initial_tempo=140.0, resolution=480)
    sax, piano = (
        pretty_midi.Instrument(66, name="Tenor Sax"),
        pretty_midi.Instrument(0, name="Piano"),
    )
    changes = []  # (beat, root, chord tones, scale)
    for bar, cell in enumerate(USER_CHORDS.split() * choruses):
        symbols = cell.split(",")
        for i, symbol in enumerate(symbols):
            beat = 4 * bar + i * 4 / len(symbols)
            root, tones, scale = _chord(symbol)
            changes.append((beat, root, tones, scale))
            for t in tones:  # a root-position voicing from C3 up
                pitch = 48 + (root + t) % 12 + (12 if (root + t) % 12 < 5 and t else 0)
                piano.notes.append(
                    pretty_midi.Note(70, pitch, beat * spb, (beat + 4 / len(symbols)) * spb)
                )

    def harmony(beat: float):
        return [c for c in changes if c[0] <= beat + 1e-9][-1]

    pitch, direction = 65, 1
    total = 16 * choruses * 4
    beat = 0.0
    while beat < total - 1e-9:
        phrase_end = beat % 16 >= 14  # breathe at the end of every four bars
        if phrase_end and rng.random() < 0.6:
            beat += 1.0
            continue
        cell = rng.choice(["8ths", "8ths", "8ths", "quarter", "triplet"])
        lengths = {"8ths": [0.5, 0.5], "quarter": [1.0], "triplet": [1 / 3] * 3}[cell]
        for length in lengths:
            _, root, tones, scale = harmony(beat)
            nxt = harmony(beat + length)
            if rng.random() < 0.2:
                direction = -direction
            if pitch > 77:
                direction = -1
            elif pitch < 58:
                direction = 1
            on_beat = abs(beat - round(beat)) < 1e-6
            allowed = {(root + t) % 12 for t in (tones if on_beat else scale)}
            if not on_beat and nxt is not harmony(beat) and rng.random() < 0.7:
                target = min(
                    (q for q in range(pitch - 6, pitch + 7) if (q - nxt[1]) % 12 in nxt[2]),
                    key=lambda q: abs(q - pitch - direction),
                )
                pitch = target - direction  # a chromatic approach into the next chord
            else:
                step = direction * int(rng.choice([1, 2, 2, 3, 4]))
                pitch = min(
                    (q for q in range(pitch + step - 3, pitch + step + 4) if q % 12 in allowed),
                    key=lambda q: (abs(q - pitch - step), q == pitch),
                )
            sax.notes.append(pretty_midi.Note(96, pitch, beat * spb, (beat + length * 0.95) * spb))
            beat += length
    pm.instruments += [sax, piano]
    pm.write(str(path))
    return path


# ---------------------------------------------------------------------------------------
# Independent measurement of a written MIDI file


@dataclass
class Measured:
    """One piece read back from its MIDI file. Beats are quarter notes; lengths in ticks."""

    n: int
    after: int  # notes starting at or after the last chord's end
    polyphony: int
    chord_tones: int
    outside: int
    intervals: list[int]
    lengths: list[int]
    pitches: list[int]
    copy: int | None = None


@lru_cache(maxsize=4096)
def scale_of(chord_pitches: tuple[int, ...]) -> frozenset[int]:
    """Pitch classes of the scale music21 derives from a chord: major for a major-quality
    chord, dorian otherwise (the course's rule, asked of music21 directly)."""
    from music21 import chord, scale

    c = chord.Chord(list(chord_pitches))
    kind = scale.MajorScale() if c.quality == "major" else scale.DorianScale()
    return frozenset(p.pitchClass for p in kind.derive(c).getPitches())


def measure_midi(data: bytes) -> Measured:
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    tick = pm.time_to_tick
    melody = [i for i in pm.instruments if i.name.lower().startswith("melody")][0]
    chords = [i for i in pm.instruments if i.name.lower().startswith("chord")][0]
    notes = sorted((tick(n.start), tick(n.end), n.pitch) for n in melody.notes if n.end > n.start)
    chord_notes = [(tick(n.start), tick(n.end), n.pitch) for n in chords.notes if n.end > n.start]
    onsets = sorted({s for s, _, _ in chord_notes})
    by_onset = {t: tuple(sorted(p for s, _, p in chord_notes if s == t)) for t in onsets}
    chords_end = max(e for _, e, _ in chord_notes)
    chord_tones = outside = 0
    for start, _, pitch in notes:
        # the chord sounding: the last one struck at or before the note (else the first)
        i = max(0, np.searchsorted(onsets, start, side="right") - 1)
        voicing = by_onset[onsets[i]]
        pcs = {p % 12 for p in voicing}
        chord_tones += pitch % 12 in pcs
        outside += pitch % 12 not in pcs and pitch % 12 not in scale_of(voicing)
    events = sorted([(e, -1) for _, e, _ in notes] + [(s, 1) for s, _, _ in notes])
    polyphony = max(np.cumsum([c for _, c in events]))
    pitches = [p for _, _, p in notes]
    return Measured(
        n=len(notes),
        after=sum(1 for s, _, _ in notes if s >= chords_end),
        polyphony=int(polyphony),
        chord_tones=chord_tones,
        outside=outside,
        intervals=[
            int(np.clip(b - a, -CLIP, CLIP)) for a, b in zip(pitches, pitches[1:], strict=False)
        ],
        lengths=[e - s for s, e, _ in notes],
        pitches=pitches,
    )


def solo_midi(corpus: Corpus) -> bytes:
    """The training solo(s) as a MIDI file: melody and the chords as written, measure k at beat 4k."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=TEMPO, resolution=480)
    melody, chords = (
        pretty_midi.Instrument(26, name="Melody"),
        pretty_midi.Instrument(0, name="Chords"),
    )
    spb, k = 60.0 / TEMPO, 0
    for solo in corpus.solos:
        for measure in solo.measures:
            for n in measure.notes:
                if not n.is_rest and n.duration > 0:
                    start = 4 * k + n.offset
                    melody.notes.append(
                        pretty_midi.Note(100, n.pitch, start * spb, (start + n.duration) * spb)
                    )
            for c in measure.chords:
                if c.duration > 0:
                    start = 4 * k + c.offset
                    chords.notes += [
                        pretty_midi.Note(70, p, start * spb, (start + c.duration) * spb)
                        for p in c.pitches
                    ]
            k += 1
    pm.instruments += [melody, chords]
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


def copied(values: list[str], corpus_values: tuple[str, ...]) -> int:
    """Longest common run of consecutive values (dynamic programming)."""
    best, previous = 0, [0] * (len(corpus_values) + 1)
    for v in values:
        row = [0] * (len(corpus_values) + 1)
        for j, w in enumerate(corpus_values, 1):
            if v == w:
                row[j] = previous[j - 1] + 1
                best = max(best, row[j])
        previous = row
    return best


def tv(a: list, b: list) -> float:
    ca, cb = Counter(a), Counter(b)
    return 0.5 * sum(abs(ca[k] / len(a) - cb[k] / len(b)) for k in set(ca) | set(cb))


# ---------------------------------------------------------------------------------------
# The pieces


def pieces(corpus: Corpus, seeds: range) -> dict[str, list[Measured]]:
    out = {"trained": [], "random values": [], "round trip": [], "the course's way": []}
    for s in seeds:
        X, Y = corpus.xy(60, 30, s)
        model = train(X, Y, corpus.vocabulary, TrainConfig(seed=s), source=corpus.source)
        _, report = generate_music(model, chords=corpus, seed=s, return_stream=False)
        _, chance = generate_music(
            RandomValues(corpus.vocabulary), chords=corpus, seed=s, return_stream=False
        )
        _, course = generate_music(
            model,
            chords=corpus,
            seed=s,
            Ty=50,
            temperature=None,
            postprocess="course",
            layout="course",
            return_stream=False,
        )
        trip = round_trip(corpus, seed=s)
        for name, piece in (
            ("trained", report),
            ("random values", chance),
            ("round trip", trip),
            ("the course's way", course),
        ):
            measured = measure_midi(piece.midi_bytes)
            if name != "round trip":
                measured.copy = copied(piece.values, corpus.values)
            out[name].append(measured)
    return out


@dataclass
class Row:
    name: str
    notes: float
    after: float
    polyphony: int
    chord_tones: float
    outside: float
    mean_interval: float
    interval_pooled: float
    interval_piece: float
    length_pooled: float
    length_piece: float
    range_: str
    copy: str


def summarize(name: str, runs: list[Measured], solo: Measured) -> Row:
    n = sum(r.n for r in runs)
    intervals = [i for r in runs for i in r.intervals]
    lengths = [x for r in runs for x in r.lengths]
    copies = [r.copy for r in runs if r.copy is not None]
    return Row(
        name,
        n / len(runs),
        sum(r.after for r in runs) / n,
        max(r.polyphony for r in runs),
        sum(r.chord_tones for r in runs) / n,
        sum(r.outside for r in runs) / n,
        float(np.mean(np.abs(intervals))),
        tv(intervals, solo.intervals),
        float(np.mean([tv(r.intervals, solo.intervals) for r in runs])),
        tv(lengths, solo.lengths),
        float(np.mean([tv(r.lengths, solo.lengths) for r in runs])),
        f"{min(min(r.pitches) for r in runs)}–{max(max(r.pitches) for r in runs)}",
        f"{max(copies)} (mean {np.mean(copies):.1f})" if copies else "—",
    )


def floor(solo: Measured, n_notes: int) -> tuple[float, float]:
    """Mean (interval, length) distance of runs of n_notes notes of the solo to the whole."""
    starts = range(0, max(1, solo.n - n_notes + 1), max(1, (solo.n - n_notes) // 40 or 1))
    runs = [(solo.intervals[s : s + n_notes - 1], solo.lengths[s : s + n_notes]) for s in starts]
    return (
        float(np.mean([tv(i, solo.intervals) for i, _ in runs])),
        float(np.mean([tv(x, solo.lengths) for _, x in runs])),
    )


def table(corpus_name: str, solo: Measured, rows: list[Row], floors: tuple[float, float]) -> str:
    head = (
        "| piece | notes | after the chords end | most at once | chord tones | outside the scale "
        "| mean abs interval | interval TV pooled (per piece) | length TV pooled (per piece) "
        "| range | longest copy |"
    )
    lines = [
        f"**{corpus_name}** (per-piece floor: interval {floors[0]:.2f}, length {floors[1]:.2f})",
        "",
        head,
        "|" + " --- |" * 11,
    ]
    solo_row = (
        f"| training solo | {solo.n} | {solo.after / solo.n:.1%} | {solo.polyphony} "
        f"| {solo.chord_tones / solo.n:.2f} | {solo.outside / solo.n:.2f} "
        f"| {np.mean(np.abs(solo.intervals)):.2f} | 0 | 0 | {min(solo.pitches)}–{max(solo.pitches)} | — |"
    )
    lines.append(solo_row)
    for r in rows:
        lines.append(
            f"| {r.name} | {r.notes:.0f} | {r.after:.1%} | {r.polyphony} | {r.chord_tones:.2f} "
            f"| {r.outside:.2f} | {r.mean_interval:.2f} | {r.interval_pooled:.2f} ({r.interval_piece:.2f}) "
            f"| {r.length_pooled:.2f} ({r.length_piece:.2f}) | {r.range_} | {r.copy} |"
        )
    return "\n".join(lines)


def targets(
    solo: Measured, rows: dict[str, Row], runs: dict[str, list[Measured]]
) -> list[tuple[str, str, bool]]:
    t, rnd, trip = rows["trained"], rows["random values"], rows["round trip"]
    solo_mean = float(np.mean(np.abs(solo.intervals)))
    solo_outside = solo.outside / solo.n
    gain = max(rnd.interval_pooled - t.interval_pooled, rnd.length_pooled - t.length_pooled)
    copy = max(r.copy for r in runs["trained"])
    return [
        ("notes after the chords end ≤ 1 %", f"{t.after:.1%}", t.after <= 0.01),
        ("one note at a time", f"{t.polyphony}", t.polyphony == 1),
        (
            "interval-histogram distance ≤ 0.15 (pooled)",
            f"{t.interval_pooled:.3f}",
            t.interval_pooled <= 0.15,
        ),
        (
            "mean interval within 25 % of the solo's",
            f"{t.mean_interval:.2f} vs {solo_mean:.2f} ({t.mean_interval / solo_mean - 1:+.0%})",
            abs(t.mean_interval / solo_mean - 1) <= 0.25,
        ),
        (
            "outside-scale share within 0.08 of the solo's",
            f"{t.outside:.3f} vs {solo_outside:.3f}",
            abs(t.outside - solo_outside) <= 0.08,
        ),
        (
            "trained closer than random by ≥ 0.05 (interval or length, pooled)",
            f"interval {rnd.interval_pooled - t.interval_pooled:+.3f}, length {rnd.length_pooled - t.length_pooled:+.3f}",
            gain >= 0.05,
        ),
        (
            "round-trip interval distance ≤ 0.10",
            f"{trip.interval_pooled:.3f}",
            trip.interval_pooled <= 0.10,
        ),
        ("longest verbatim copy ≤ 16 values", f"{copy}", copy <= 16),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    header(
        f"quality: trained vs random vs round trip, {args.seeds} seeds, measured on the written MIDI"
    )
    keep_freed_memory()
    folder = Path(tempfile.mkdtemp(prefix="jazzcore-bench-"))
    corpora = [
        ("Metheny", load_corpus(str(METHENY))),
        ("lead sheets", load_corpus("leadsheets")),
        (
            "user-style file (tenor sax over piano)",
            load_corpus(str(user_style_midi(folder / "user_tune.mid"))),
        ),
    ]
    for name, corpus in corpora:
        solo = measure_midi(solo_midi(corpus))
        runs = pieces(corpus, range(args.seeds))
        rows = {k: summarize(k, v, solo) for k, v in runs.items()}
        floors = floor(solo, round(rows["trained"].notes))
        print()
        print(
            table(
                f"{name}: {len(corpus.values)} values, {corpus.n_values} unique",
                solo,
                list(rows.values()),
                floors,
            )
        )
        print()
        print("| target (issue 10) | measured | met |")
        print("| --- | --- | --- |")
        for target, value, ok in targets(solo, rows, runs):
            print(f"| {target} | {value} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
