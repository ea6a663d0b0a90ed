"""Musical-quality figures of a solo over its chords, beside the training solo and chance.

``jazzcore.metrics(piece, reference=corpus)`` returns a :class:`SoloMetrics` (the module is
``quality`` so that ``jazzcore.metrics`` stays the function):

* the share of melody notes that are chord, scale, approach and other tones of the chord
  sounding under them (:mod:`jazzcore.theory`, the grammar's ranking: a chord tone is not
  also a scale tone), and the **outside-scale share** — neither a chord tone nor in the
  scale derived from the chord, i.e. an approach or other tone;
* the register, the mean absolute interval of consecutive notes of a phrase and the share
  that repeat the pitch (semitones); **notes after the chords end** (share of notes starting
  at or after the last chord's end); the **most notes sounding at once** (1 for a line);
* the pitch-class, duration (quarter lengths) and interval (signed semitones, ±12 beyond an
  octave) histograms and, given a reference (the training corpus), the total-variation
  distance of each from the reference's (0 the same, 1 nothing in common);
* given the training Corpus as reference, the **longest verbatim copy**: the longest run of
  consecutive values of a generated piece found, in that order, in the corpus's values.

:func:`quality_table` sets a generated piece beside the training solo and uniformly random
values through the same post-processor (:func:`jazzcore.generate.random_baseline`): a figure
means something only next to those two. A GenerationReport, a Solo and a Corpus are measured
the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from .dataset import Corpus
from .errors import ParameterError
from .generate import GenerationReport, random_baseline
from .postprocess import COURSE_LAYOUT
from .solo import MEASURE_LENGTH, Solo, sounding_chord
from .theory import TONE_KINDS, pitch_name, tone_classes

INTERVAL_CLIP = 12
"""The interval histogram counts a leap beyond an octave at ±12 semitones."""


@dataclass(frozen=True)
class _Note:
    onset: float  # quarter lengths from the start of the piece
    duration: float  # quarter lengths
    pitch: int  # MIDI
    kind: str  # 'C', 'S', 'A', 'X' over the chord sounding under it


@dataclass(frozen=True)
class _Line:
    """A piece as the metrics read it: phrases of notes in playing order, and where its
    chords end (quarter lengths; None without chords)."""

    phrases: list[list[_Note]]
    chords_end: float | None


@dataclass(frozen=True)
class SoloMetrics:
    """Figures of one piece. Shares are 0–1; intervals and ranges in semitones; pitches MIDI;
    durations in quarter lengths.

    n_notes: sounding melody notes measured.
    chord_tone_share, scale_tone_share, approach_tone_share, other_tone_share: sum to 1.
    outside_scale_share: approach + other tones (neither chord tone nor scale tone).
    lowest, highest, pitch_range: the melody's register.
    mean_abs_interval, repeated_pitch_share: over consecutive notes of a phrase.
    notes_after_chords: share of notes starting at or after the last chord's end.
    max_polyphony: most melody notes sounding at once.
    pitch_class_histogram: 12 shares, C, C#, …, B. duration_histogram: quarter length →
        share of notes. interval_histogram: signed semitones (−12 … 12) → share of steps.
    pitch_class_distance, duration_distance, interval_distance: total-variation distance to
        the reference's histograms (None without a reference).
    longest_copy: longest run of the piece's values found verbatim in the reference corpus
        (None unless a generated piece is measured against a Corpus).
    """

    n_notes: int
    chord_tone_share: float
    scale_tone_share: float
    approach_tone_share: float
    other_tone_share: float
    outside_scale_share: float
    lowest: int
    highest: int
    pitch_range: int
    mean_abs_interval: float
    repeated_pitch_share: float
    notes_after_chords: float
    max_polyphony: int
    pitch_class_histogram: tuple[float, ...]
    duration_histogram: dict[float, float]
    interval_histogram: dict[int, float]
    pitch_class_distance: float | None = None
    duration_distance: float | None = None
    interval_distance: float | None = None
    longest_copy: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> dict[str, float | int | None]:
        """The scalar figures (no histograms), e.g. for a table next to the reference's."""
        return {k: v for k, v in self.as_dict().items() if not k.endswith("histogram")}


# ---------------------------------------------------------------------------------------
# Reading a piece


def _kind(sound) -> str:
    return tone_classes(sound.chord).kind_of(sound.pitch) if sound.chord else "X"


def _line_of_solo(solo: Solo) -> _Line:
    notes, ends = [], []
    for k, (measure, chords) in enumerate(zip(solo.measures, solo.measure_chords(), strict=True)):
        start = k * MEASURE_LENGTH
        ends += [start + c.offset + c.duration for c in measure.chords]
        for n in sorted(measure.notes, key=lambda n: n.offset):
            if not n.is_rest:
                chord = sounding_chord(chords, n.offset) if chords else None
                kind = tone_classes(chord).kind_of(n.pitch) if chord else "X"
                notes.append(_Note(start + n.offset, n.duration, n.pitch, kind))
    return _Line([notes], max(ends, default=None))


def _read(piece: GenerationReport | Solo | Corpus) -> list[_Line]:
    """The piece as lines (one per solo of a Corpus). A generated piece in the measure
    layout is one phrase; in the course's layout the sets overlap, so each set is a phrase
    of its own (the step from one set's last note to the next set's first is not a step)."""
    if isinstance(piece, GenerationReport):
        notes = [[s for s in r.sounds if not s.is_rest] for r in piece.sets]
        phrases = [
            [_Note(r.offset + s.offset, s.duration, s.pitch, _kind(s)) for s in sounds]
            for r, sounds in zip(piece.sets, notes, strict=True)
        ]
        if piece.layout != COURSE_LAYOUT:
            phrases = [[n for phrase in phrases for n in phrase]]
        ends = [c.offset + c.duration for c in piece.chords]
        return [_Line(phrases, max(ends, default=None))]
    if isinstance(piece, Corpus):
        return [_line_of_solo(solo) for solo in piece.solos]
    if isinstance(piece, Solo):
        return [_line_of_solo(piece)]
    raise ParameterError(
        f"metrics measures a generated piece, a Solo or a Corpus, not a {type(piece).__name__}."
    )


# ---------------------------------------------------------------------------------------
# The figures


def total_variation(p, q) -> float:
    """½ Σ |p − q| of two distributions: given as equal-length sequences or as dicts."""
    if isinstance(p, dict):
        keys = set(p) | set(q)
        return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)
    return 0.5 * float(np.abs(np.asarray(p, dtype=float) - np.asarray(q, dtype=float)).sum())


def _shares(items) -> dict:
    counts = Counter(items)
    total = sum(counts.values())
    return {k: c / total for k, c in sorted(counts.items())} if total else {}


def max_polyphony(spans: Sequence[tuple[float, float]]) -> int:
    """Most (start, end) spans open at one time (quarter lengths); a span ending where the
    next starts does not overlap it (times are compared to a millionth of a quarter, far
    below a MIDI tick, so sums of triplets meet exactly)."""
    events = sorted(
        [(round(end, 6), -1) for _, end in spans] + [(round(start, 6), 1) for start, _ in spans]
    )
    most = now = 0
    for _, change in events:  # at equal times the ends (-1) come first
        now += change
        most = max(most, now)
    return most


def longest_copy(values: Sequence[str], corpus_values: Sequence[str]) -> int:
    """The longest run of consecutive ``values`` that appears, in that order, in
    ``corpus_values`` (0 when no value does)."""
    values, corpus_values = tuple(values), tuple(corpus_values)
    longest = 0
    while longest < len(values):
        n = longest + 1
        runs = {corpus_values[i : i + n] for i in range(len(corpus_values) - n + 1)}
        if not any(values[i : i + n] in runs for i in range(len(values) - n + 1)):
            break
        longest = n
    return longest


def metrics(
    piece: GenerationReport | Solo | Corpus,
    *,
    reference: GenerationReport | Solo | Corpus | SoloMetrics | None = None,
) -> SoloMetrics:
    """Measure a piece (see the module).

    piece: a generated piece (GenerationReport), a Solo or a Corpus (all its solos).
    reference: anything ``piece`` can be (usually the training Corpus), or its SoloMetrics
        already measured; the histogram distances are measured against it, and a generated
        piece's longest verbatim copy against a Corpus's values.
    """
    copy = None
    if isinstance(reference, Corpus) and isinstance(piece, GenerationReport):
        copy = longest_copy(piece.values, reference.values)
    if reference is not None and not isinstance(reference, SoloMetrics):
        reference = metrics(reference)
    return replace(_measure(_read(piece), reference), longest_copy=copy)


def _measure(lines: Sequence[_Line], reference: SoloMetrics | None) -> SoloMetrics:
    notes = [n for line in lines for phrase in line.phrases for n in phrase]
    if not notes:
        raise ParameterError("There are no melody notes to measure.")
    kinds = Counter(n.kind for n in notes)
    shares = [kinds.get(k, 0) / len(notes) for k in TONE_KINDS]
    pitches = [n.pitch for n in notes]
    steps = [
        b.pitch - a.pitch
        for line in lines
        for phrase in line.phrases
        for a, b in zip(phrase, phrase[1:], strict=False)
    ]
    after = sum(
        1
        for line in lines
        if line.chords_end is not None
        for phrase in line.phrases
        for n in phrase
        if n.onset >= line.chords_end - 1e-9
    )
    polyphony = max(
        max_polyphony([(n.onset, n.onset + n.duration) for p in line.phrases for n in p])
        for line in lines
    )
    counts = np.bincount(np.asarray(pitches) % 12, minlength=12).astype(float)
    pc_histogram = tuple(float(x) for x in counts / counts.sum())
    durations = _shares(round(n.duration, 3) for n in notes)
    intervals = _shares(int(np.clip(s, -INTERVAL_CLIP, INTERVAL_CLIP)) for s in steps)
    distances = (None, None, None)
    if reference is not None:
        distances = (
            total_variation(pc_histogram, reference.pitch_class_histogram),
            total_variation(durations, reference.duration_histogram),
            total_variation(intervals, reference.interval_histogram),
        )
    return SoloMetrics(
        n_notes=len(notes),
        chord_tone_share=shares[0],
        scale_tone_share=shares[1],
        approach_tone_share=shares[2],
        other_tone_share=shares[3],
        outside_scale_share=shares[2] + shares[3],
        lowest=min(pitches),
        highest=max(pitches),
        pitch_range=max(pitches) - min(pitches),
        mean_abs_interval=float(np.mean(np.abs(steps))) if steps else 0.0,
        repeated_pitch_share=sum(1 for s in steps if s == 0) / len(steps) if steps else 0.0,
        notes_after_chords=after / len(notes),
        max_polyphony=polyphony,
        pitch_class_histogram=pc_histogram,
        duration_histogram=durations,
        interval_histogram=intervals,
        pitch_class_distance=distances[0],
        duration_distance=distances[1],
        interval_distance=distances[2],
    )


def excerpts(corpus: Corpus | Solo, n_notes: int, *, most: int = 40) -> list[SoloMetrics]:
    """Figures of at most ``most`` evenly spread runs of ``n_notes`` consecutive notes of the
    training solo(s), distances to the whole: how close a piece that long can come (a short
    piece's histograms are rough, even drawn from the solo). The whole once if shorter."""
    whole = _read(corpus)
    reference = _measure(whole, None)
    windows = [
        _Line([notes[i : i + n_notes]], line.chords_end)
        for line in whole
        for notes in line.phrases
        for i in range(len(notes) - n_notes + 1)
    ]
    if not windows:
        return [_measure(whole, reference)]
    picks = np.linspace(0, len(windows) - 1, min(most, len(windows))).round().astype(int)
    return [_measure([windows[i]], reference) for i in sorted(set(picks))]


# ---------------------------------------------------------------------------------------
# The table: generated vs training solo vs random values

FIGURES = (
    ("n_notes", "melody notes"),
    ("chord_tone_share", "chord tones against the sounding chord (share)"),
    ("outside_scale_share", "outside the chord's scale (share)"),
    ("interval_distance", "interval-histogram distance to the training solo (0-1)"),
    ("duration_distance", "duration-histogram distance to the training solo (0-1)"),
    ("mean_abs_interval", "mean absolute interval (semitones)"),
    ("repeated_pitch_share", "repeated pitches (share)"),
    ("notes_after_chords", "notes after the chords end (share)"),
    ("max_polyphony", "most notes sounding at once"),
    ("pitch_range", "range (semitones)"),
    ("longest_copy", "longest verbatim copy from the corpus (values)"),
)
"""(SoloMetrics field, label) of each row of a :class:`QualityTable`, in order."""

DISTANCES = ("pitch_class_distance", "duration_distance", "interval_distance")
COUNTS = ("n_notes", "pitch_range", "max_polyphony", "longest_copy")
COLUMNS = ("figure", "generated", "training solo", "random values")
RANDOM_PIECES = 8
"""Random-values pieces the table's random column averages."""


def _mean(pieces: Sequence[SoloMetrics], name: str) -> float | None:
    values = [getattr(m, name) for m in pieces]
    return None if any(v is None for v in values) else float(np.mean(values))


def _format(value, name: str, m: SoloMetrics | None = None) -> str:
    if value is None:
        return "—"
    if name == "pitch_range" and m is not None:
        return f"{value} ({pitch_name(m.lowest)}–{pitch_name(m.highest)})"
    if isinstance(value, float):
        return f"{value:.1f}" if name in COUNTS else f"{value:.2f}"  # a mean count: 1 decimal
    return str(value)


@dataclass(frozen=True)
class QualityTable:
    """A generated piece's figures beside the training solo's and those of uniformly random
    values through the same post-processor over the same chords.

    generated: the piece. training: the training corpus (its distances to itself are 0).
    excerpts: runs of the training solo as long as the piece (:func:`excerpts`): the
    training column shows their mean distances, the floor a piece of this length can reach.
    random: :data:`RANDOM_PIECES` random-values pieces; the random column is their mean.
    """

    generated: SoloMetrics
    training: SoloMetrics
    excerpts: tuple[SoloMetrics, ...]
    random: tuple[SoloMetrics, ...]

    def rows(self) -> list[dict[str, str]]:
        """One dict per figure, keys :data:`COLUMNS`, values formatted (two decimals)."""
        rows = []
        for name, label in FIGURES:
            generated = _format(getattr(self.generated, name), name, self.generated)
            if name in DISTANCES:
                training = _format(_mean(self.excerpts, name), name)
            else:
                training = _format(getattr(self.training, name), name, self.training)
            random = _format(_mean(self.random, name), name)
            rows.append(dict(zip(COLUMNS, (label, generated, training, random), strict=True)))
        return rows

    @property
    def note(self) -> str:
        """How to read the table (a caption under it)."""
        return (
            f"Distances in the training-solo column: its own runs of {self.generated.n_notes} "
            "notes against the whole (the floor for a piece this long); random values: the "
            f"mean of {len(self.random)} pieces."
        )

    def markdown(self) -> str:
        """The table as Markdown (what the CLI prints), with its note under it."""
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
        lines += ["| " + " | ".join(row.values()) + " |" for row in self.rows()]
        return "\n".join([*lines, self.note])


def quality_table(
    report: GenerationReport, corpus: Corpus, *, seed: int | None = None
) -> QualityTable:
    """Measure a generated piece beside its training corpus and the random-values baseline
    (:func:`jazzcore.generate.random_baseline`, RANDOM_PIECES pieces from ``seed``; None —
    the report's seed). Distances are to the corpus; copies are from the corpus's values."""
    reference = metrics(corpus)

    def measured(piece: GenerationReport) -> SoloMetrics:
        copy = longest_copy(piece.values, corpus.values)
        return replace(_measure(_read(piece), reference), longest_copy=copy)

    generated = measured(report)
    seeds = np.random.default_rng(report.seed if seed is None else seed).integers(
        2**31, size=RANDOM_PIECES
    )
    random = tuple(measured(random_baseline(report, corpus.vocabulary, seed=int(s))) for s in seeds)
    training = _measure(_read(corpus), reference)
    return QualityTable(generated, training, tuple(excerpts(corpus, generated.n_notes)), random)
