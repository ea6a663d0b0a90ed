"""Musical-quality figures of a solo over its chords, and how far it is from the training solo.

(The module is ``quality`` so that ``jazzcore.metrics`` stays the function.)

``jazzcore.metrics(solo, reference=corpus)`` returns a :class:`SoloMetrics`:

* the share of melody notes that are chord, scale, approach and other tones of the chord
  they sound over (types ranked as the grammar ranks them: a chord tone is not also
  counted as a scale tone);
* the lowest and highest pitch and the range between them (semitones);
* the mean absolute interval between consecutive notes (semitones) and the share of
  consecutive notes that repeat the pitch;
* the pitch-class histogram (12 shares, C first) and the duration histogram (quarter
  lengths → share of notes), and — given a reference such as the training corpus — the
  total-variation distance of each from the reference's (0 the same, 1 nothing in common).

A generated piece (GenerationReport), a :class:`~jazzcore.solo.Solo`, a Corpus (all its
solos) and a list of grammar values (tone types and durations only: pitch figures are None)
are all measured the same way, so the training solo is the reference to read the generated
figures against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .errors import ParameterError

KINDS = ("C", "S", "A", "X")


@dataclass(frozen=True)
class _Note:
    pitch: int | None  # None when only the grammar value is known
    duration: float  # quarter lengths
    kind: str  # 'C', 'S', 'A', 'X'


@dataclass(frozen=True)
class SoloMetrics:
    """Figures of one solo. Shares are 0–1; intervals and ranges in semitones; pitches MIDI.

    n_notes: sounding melody notes measured.
    chord_tone_share, scale_tone_share, approach_tone_share, other_tone_share: sum to 1.
    lowest, highest, pitch_range, mean_abs_interval, repeated_pitch_share: None without pitches.
    pitch_class_histogram: 12 shares, C, C#, …, B (None without pitches).
    duration_histogram: quarter length → share of notes.
    pitch_class_distance, duration_distance: total-variation distance to the reference's
        histograms (None without a reference or without pitches).
    """

    n_notes: int
    chord_tone_share: float
    scale_tone_share: float
    approach_tone_share: float
    other_tone_share: float
    lowest: int | None
    highest: int | None
    pitch_range: int | None
    mean_abs_interval: float | None
    repeated_pitch_share: float | None
    pitch_class_histogram: tuple[float, ...] | None
    duration_histogram: dict[float, float]
    pitch_class_distance: float | None = None
    duration_distance: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> dict[str, float | int | None]:
        """The scalar figures (no histograms), e.g. for a table next to the reference's."""
        return {k: v for k, v in self.as_dict().items() if not k.endswith("histogram")}


def _phrases_of_solo(solo) -> list[list[_Note]]:
    from .postprocess import tone_classes
    from .solo import sounding_chord

    notes = []
    for measure, chords in zip(solo.measures, solo.measure_chords(), strict=True):
        for n in sorted(measure.notes, key=lambda n: n.offset):
            if n.is_rest:
                continue
            kind = (
                tone_classes(sounding_chord(chords, n.offset)).kind_of(n.pitch) if chords else "X"
            )
            notes.append(_Note(n.pitch, n.duration, kind))
    return [notes]


def _phrases_of_sounds(sounds) -> list[_Note]:
    from .postprocess import tone_classes

    return [
        _Note(
            s.pitch,
            s.duration,
            tone_classes(s.chord).kind_of(s.pitch) if s.chord is not None else "X",
        )
        for s in sounds
        if not s.is_rest
    ]


def _phrases_of_tokens(values) -> list[list[_Note]]:
    from .grammar import GrammarToken

    tokens = [v if isinstance(v, GrammarToken) else GrammarToken.parse(v) for v in values]
    return [[_Note(None, t.duration, t.kind) for t in tokens if t.kind != "R"]]


def _phrases(solo) -> list[list[_Note]]:
    """The melody of anything measurable, as phrases of notes in playing order.

    A generated piece gives one phrase per chord set (with the seed's layout, sets overlap,
    so the interval from one set's last note to the next set's first is not a step of the
    melody); a Solo one phrase; a Corpus one per solo.
    """
    if hasattr(solo, "sets") and hasattr(solo, "melody"):  # GenerationReport
        return [_phrases_of_sounds(s.sounds) for s in solo.sets]
    if hasattr(solo, "solos") and hasattr(solo, "vocabulary"):  # Corpus
        return [p for s in solo.solos for p in _phrases_of_solo(s)]
    if hasattr(solo, "measures"):  # Solo
        return _phrases_of_solo(solo)
    if isinstance(solo, str):
        return _phrases_of_tokens(solo.split())
    if isinstance(solo, Sequence) and solo:
        first = solo[0]
        if hasattr(first, "pitch") and hasattr(first, "chord"):  # Sounds
            return [_phrases_of_sounds(solo)]
        if isinstance(first, Sequence) and not isinstance(first, str):  # tokens per measure
            return _phrases_of_tokens([t for measure in solo for t in measure])
        return _phrases_of_tokens(solo)
    raise ParameterError(
        "metrics needs a generated piece, a Solo, a Corpus or a list of grammar values with notes in it."
    )


def _pitch_class_histogram(notes: list[_Note]) -> tuple[float, ...] | None:
    pitches = [n.pitch for n in notes if n.pitch is not None]
    if not pitches:
        return None
    counts = np.bincount(np.asarray(pitches) % 12, minlength=12).astype(float)
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


def metrics(solo, chords=None, *, reference=None) -> SoloMetrics:
    """Measure a solo: tone-type shares, range, intervals, repeats, histograms (see the module).

    solo: a GenerationReport, a Solo, a Corpus, a list of Sounds (each with its chord), or
        grammar values (a list, or one list per measure).
    chords: unused for the kinds above (each note's chord travels with it); accepted for
        the seed-style call ``metrics(solo, chords)``.
    reference: anything ``solo`` can be (usually the training Corpus or Solo), or its
        SoloMetrics already measured; the histogram distances are measured against it.
    """
    del chords
    phrases = _phrases(solo)
    notes = [n for phrase in phrases for n in phrase]
    if not notes:
        raise ParameterError("There are no melody notes to measure.")
    kinds = Counter(n.kind for n in notes)
    shares = [kinds.get(k, 0) / len(notes) for k in KINDS]

    pitches = [n.pitch for n in notes if n.pitch is not None]
    steps = [
        b.pitch - a.pitch
        for phrase in phrases
        for a, b in zip(phrase, phrase[1:], strict=False)
        if a.pitch is not None and b.pitch is not None
    ]
    pc_histogram = _pitch_class_histogram(notes)
    durations = _duration_histogram(notes)
    pc_distance = duration_distance = None
    if reference is not None:
        if isinstance(reference, SoloMetrics):
            reference_pcs, reference_durations = reference.pitch_class_histogram, reference.duration_histogram
        else:
            reference_notes = [n for phrase in _phrases(reference) for n in phrase]
            if not reference_notes:
                raise ParameterError("The reference has no melody notes to compare with.")
            reference_pcs = _pitch_class_histogram(reference_notes)
            reference_durations = _duration_histogram(reference_notes)
        if pc_histogram is not None and reference_pcs is not None:
            pc_distance = total_variation(pc_histogram, reference_pcs)
        duration_distance = total_variation(durations, reference_durations)
    return SoloMetrics(
        n_notes=len(notes),
        chord_tone_share=shares[0],
        scale_tone_share=shares[1],
        approach_tone_share=shares[2],
        other_tone_share=shares[3],
        lowest=min(pitches) if pitches else None,
        highest=max(pitches) if pitches else None,
        pitch_range=(max(pitches) - min(pitches)) if pitches else None,
        mean_abs_interval=float(np.mean(np.abs(steps))) if steps else (0.0 if pitches else None),
        repeated_pitch_share=(sum(1 for s in steps if s == 0) / len(steps))
        if steps
        else (0.0 if pitches else None),
        pitch_class_histogram=pc_histogram,
        duration_histogram=durations,
        pitch_class_distance=pc_distance,
        duration_distance=duration_distance,
    )

