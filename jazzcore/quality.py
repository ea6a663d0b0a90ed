"""Musical-quality figures of a solo over its chords, and how far it is from the training solo.

(The module is ``quality`` so that ``jazzcore.metrics`` stays the function.)

``jazzcore.metrics(piece, reference=corpus)`` returns a :class:`SoloMetrics`:

* the share of melody notes that are chord, scale, approach and other tones of the chord
  they sound over (types ranked as the grammar ranks them: a chord tone is not also
  counted as a scale tone);
* the lowest and highest pitch and the range between them (semitones);
* the mean absolute interval between consecutive notes (semitones) and the share of
  consecutive notes that repeat the pitch;
* the pitch-class histogram (12 shares, C first) and the duration histogram (quarter
  lengths → share of notes), and — given a reference such as the training corpus — the
  total-variation distance of each from the reference's (0 the same, 1 nothing in common).

A generated piece (GenerationReport), a :class:`~jazzcore.solo.Solo` and a Corpus (all its
solos) are measured the same way, each note typed by :mod:`jazzcore.theory` over the chord
sounding under it, so the training solo is the reference to read the generated figures
against.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from .dataset import Corpus
from .errors import ParameterError
from .generate import GenerationReport
from .solo import Solo, sounding_chord
from .theory import TONE_KINDS, tone_classes


@dataclass(frozen=True)
class _Note:
    pitch: int  # MIDI
    duration: float  # quarter lengths
    kind: str  # 'C', 'S', 'A', 'X' over the chord sounding under it


@dataclass(frozen=True)
class SoloMetrics:
    """Figures of one piece. Shares are 0–1; intervals and ranges in semitones; pitches MIDI.

    n_notes: sounding melody notes measured.
    chord_tone_share, scale_tone_share, approach_tone_share, other_tone_share: sum to 1.
    lowest, highest, pitch_range: the melody's register.
    mean_abs_interval, repeated_pitch_share: over consecutive notes of a phrase.
    pitch_class_histogram: 12 shares, C, C#, …, B. duration_histogram: quarter length →
        share of notes.
    pitch_class_distance, duration_distance: total-variation distance to the reference's
        histograms (None without a reference).
    """

    n_notes: int
    chord_tone_share: float
    scale_tone_share: float
    approach_tone_share: float
    other_tone_share: float
    lowest: int
    highest: int
    pitch_range: int
    mean_abs_interval: float
    repeated_pitch_share: float
    pitch_class_histogram: tuple[float, ...]
    duration_histogram: dict[float, float]
    pitch_class_distance: float | None = None
    duration_distance: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> dict[str, float | int | None]:
        """The scalar figures (no histograms), e.g. for a table next to the reference's."""
        return {k: v for k, v in self.as_dict().items() if not k.endswith("histogram")}


def _phrases_of_solo(solo: Solo) -> list[_Note]:
    notes = []
    for measure, chords in zip(solo.measures, solo.measure_chords(), strict=True):
        for n in sorted(measure.notes, key=lambda n: n.offset):
            if n.is_rest:
                continue
            chord = sounding_chord(chords, n.offset) if chords else None
            kind = tone_classes(chord).kind_of(n.pitch) if chord is not None else "X"
            notes.append(_Note(n.pitch, n.duration, kind))
    return notes


def _phrases(piece: GenerationReport | Solo | Corpus) -> list[list[_Note]]:
    """The melody of a piece as phrases of notes in playing order.

    A generated piece gives one phrase per chord set (with the course's layout, sets
    overlap, so the interval from one set's last note to the next set's first is not a
    step of the melody); a Solo one phrase; a Corpus one per solo.
    """
    if isinstance(piece, GenerationReport):
        return [
            [
                _Note(
                    s.pitch, s.duration, tone_classes(s.chord).kind_of(s.pitch) if s.chord else "X"
                )
                for s in report.sounds
                if not s.is_rest
            ]
            for report in piece.sets
        ]
    if isinstance(piece, Corpus):
        return [_phrases_of_solo(solo) for solo in piece.solos]
    if isinstance(piece, Solo):
        return [_phrases_of_solo(piece)]
    raise ParameterError(
        f"metrics measures a generated piece, a Solo or a Corpus, not a {type(piece).__name__}."
    )


def _pitch_class_histogram(notes: list[_Note]) -> tuple[float, ...]:
    counts = np.bincount(np.asarray([n.pitch for n in notes]) % 12, minlength=12).astype(float)
    return tuple(float(x) for x in counts / counts.sum())


def _duration_histogram(notes: list[_Note]) -> dict[float, float]:
    counts = Counter(round(n.duration, 3) for n in notes)
    total = sum(counts.values())
    return {d: c / total for d, c in sorted(counts.items())}


def total_variation(p, q) -> float:
    """½ Σ |p − q| of two distributions: given as equal-length sequences or as dicts."""
    if isinstance(p, dict):
        keys = set(p) | set(q)
        return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)
    return 0.5 * float(np.abs(np.asarray(p, dtype=float) - np.asarray(q, dtype=float)).sum())


def metrics(
    piece: GenerationReport | Solo | Corpus,
    *,
    reference: GenerationReport | Solo | Corpus | SoloMetrics | None = None,
) -> SoloMetrics:
    """Measure a piece: tone-type shares, range, intervals, repeats, histograms (see the module).

    piece: a generated piece (GenerationReport), a Solo or a Corpus (all its solos).
    reference: anything ``piece`` can be (usually the training Corpus), or its SoloMetrics
        already measured; the histogram distances are measured against it.
    """
    phrases = _phrases(piece)
    notes = [n for phrase in phrases for n in phrase]
    if not notes:
        raise ParameterError("There are no melody notes to measure.")
    kinds = Counter(n.kind for n in notes)
    shares = [kinds.get(k, 0) / len(notes) for k in TONE_KINDS]

    pitches = [n.pitch for n in notes]
    steps = [
        b.pitch - a.pitch for phrase in phrases for a, b in zip(phrase, phrase[1:], strict=False)
    ]
    pc_histogram = _pitch_class_histogram(notes)
    durations = _duration_histogram(notes)
    pc_distance = duration_distance = None
    if reference is not None:
        if not isinstance(reference, SoloMetrics):
            reference = metrics(reference)
        pc_distance = total_variation(pc_histogram, reference.pitch_class_histogram)
        duration_distance = total_variation(durations, reference.duration_histogram)
    return SoloMetrics(
        n_notes=len(notes),
        chord_tone_share=shares[0],
        scale_tone_share=shares[1],
        approach_tone_share=shares[2],
        other_tone_share=shares[3],
        lowest=min(pitches),
        highest=max(pitches),
        pitch_range=max(pitches) - min(pitches),
        mean_abs_interval=float(np.mean(np.abs(steps))) if steps else 0.0,
        repeated_pitch_share=sum(1 for s in steps if s == 0) / len(steps) if steps else 0.0,
        pitch_class_histogram=pc_histogram,
        duration_histogram=durations,
        pitch_class_distance=pc_distance,
        duration_distance=duration_distance,
    )
