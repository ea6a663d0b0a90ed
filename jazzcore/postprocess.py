"""Sampled grammar values → notes over chords → MIDI: the seed's ``generate_music``.

For every set of chords (one measure of the chord timeline) the model samples Ty grammar
values, and five stages turn them into notes (the seed's and deepjazz's post-processor,
written anew):

1. **read** — put ``C,0.250`` in front (the first note comes from the chord) and read the
   approach (``A``) and other (``X``) tones as chord tones, as the seed does;
2. **prune_grammar** — move every duration onto the 16th grid (0.25 quarter lengths),
   rounding up or down at random;
3. **unparse** — give each value a concrete MIDI pitch of its type (chord, scale, approach
   or other tone of the chord sounding at its offset) inside its interval bracket from the
   previous note (:func:`unparse_grammar`);
4. **prune_notes** — drop repeated pitches and notes too close to the one before;
5. **clean_up** — no zero lengths, no two melody notes at one offset.

``postprocess="raw"`` keeps only stage 3 (with the leading ``C,0.250``), so a student can
hear what the post-processor adds. Every stage is counted in a :class:`StageReport`.

Everything between the sampled values and the MIDI file is plain data (:class:`Sound`);
music21 objects are made once, at the end, for the returned stream. Units: offsets and
durations in quarter lengths, pitches as MIDI numbers, tempo in quarter notes per minute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ChordSymbolError, ParameterError, VocabularyMismatchError, write_output
from .grammar import GrammarToken, approach_tone_names, scale_tone_names
from .sample import check_Ty, random_generator
from .solo import MEASURE_LENGTH, ChordEvent, ChordTimeline, sounding_chord

GRID = 0.25
"""The duration grid of prune_grammar, in quarter lengths (a 16th note)."""

MIN_SPACING = 0.125
"""prune_notes drops a note starting less than this many quarter lengths after the one before."""

TEMPO_BPM = 130.0
"""The seed's tempo: quarter notes per minute."""

FREE_NOTE_LOWEST = 60
"""A note without a bracket (a measure's first) is raised to octave 4 (MIDI 60) or above."""

BRACKET_LOWEST = 48
"""A note found from a bracket is raised to octave 3 (MIDI 48) or above, as in the seed."""

BRACKET_HIGHEST = 95
"""… and lowered to octave 6 (MIDI 84–95) if it climbs above B6 (the seed had no ceiling)."""

FULL, RAW = "full", "raw"
SEED_LAYOUT, MEASURE_LAYOUT = "seed", "measure"


# ---------------------------------------------------------------------------------------
# Tone classes of a chord as pitch classes


_LETTER_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def name_pitch_class(name: str) -> int:
    """Pitch class 0–11 of a music21 pitch-class name: 'E-' → 3, 'B#' → 0, 'G--' → 5."""
    return (_LETTER_PITCH_CLASS[name[0].upper()] + name.count("#") - name.count("-")) % 12


@dataclass(frozen=True)
class ToneClasses:
    """The pitch classes (0–11) of each grammar type over one chord, as the tokenizer ranks
    them: chord tones first, then scale tones that are not chord tones, then approach tones
    (a semitone from a chord tone) that are neither, then the rest ("other")."""

    C: frozenset[int]
    S: frozenset[int]
    A: frozenset[int]
    X: frozenset[int]

    def of(self, kind: str) -> frozenset[int]:
        return getattr(self, kind)

    def kind_of(self, midi_pitch: int) -> str:
        """'C', 'S', 'A' or 'X': the type of a MIDI pitch over this chord."""
        pc = midi_pitch % 12
        for kind in "CSA":
            if pc in getattr(self, kind):
                return kind
        return "X"


@lru_cache(maxsize=4096)
def tone_classes(chord: ChordEvent) -> ToneClasses:
    """The :class:`ToneClasses` of a ChordEvent (cached: music21's scale derivation is slow).

    The sets come from :mod:`jazzcore.grammar` — the chord's own pitch classes, the seed's
    derived major (major chords) or dorian (others) scale, and the approach tones — so the
    post-processor and the tokenizer agree on what a 'C', 'S' or 'A' is. They are compared
    as pitch classes, so a chord spelled ``B-`` and a note read as ``A#`` still match.
    """
    chord_pcs = frozenset(p % 12 for p in chord.pitches)
    scale_pcs = frozenset(name_pitch_class(n) for n in scale_tone_names(chord)) - chord_pcs
    approach_pcs = (
        frozenset(name_pitch_class(n) for n in approach_tone_names(chord)) - chord_pcs - scale_pcs
    )
    other = frozenset(range(12)) - chord_pcs - scale_pcs - approach_pcs
    return ToneClasses(chord_pcs, scale_pcs, approach_pcs, other)


# ---------------------------------------------------------------------------------------
# The notes between the stages


@dataclass(frozen=True)
class Sound:
    """One generated melody note or rest.

    offset: quarter lengths from the start of its chord set (or of the piece, once placed).
    duration: quarter lengths.
    pitch: MIDI pitch, or None for a rest.
    kind: the grammar type it was made from ('C', 'S', 'A', 'X' or 'R').
    chord: the chord it was made over (None for a rest).
    """

    offset: float
    duration: float
    pitch: int | None = None
    kind: str = "C"
    chord: ChordEvent | None = None

    @property
    def is_rest(self) -> bool:
        return self.pitch is None

    @property
    def end(self) -> float:
        return self.offset + self.duration


@dataclass(frozen=True)
class StageReport:
    """What one post-processing stage did to one chord set.

    notes_in, notes_out: values (stages 1–2) or sounding notes (stages 3–5) before and after.
    durations_moved: how many durations the stage changed.
    kinds_changed: how many tone types the stage changed (A/X read as C).
    """

    name: str
    notes_in: int
    notes_out: int
    durations_moved: int = 0
    kinds_changed: int = 0

    def describe(self) -> str:
        text = f"{self.name}: {self.notes_in} in, {self.notes_out} out"
        if self.durations_moved:
            text += f", {self.durations_moved} durations moved"
        if self.kinds_changed:
            text += f", {self.kinds_changed} types changed"
        return text


@dataclass
class SetReport:
    """One set of chords and the notes generated over it.

    index: the set's position in the chord timeline (the seed's "set of chords" number).
    offset: where the set starts in the piece, quarter lengths.
    chords: its chords, offsets relative to the set. values: the sampled values.
    sounds: the notes and rests that came out, offsets relative to the set.
    """

    index: int
    offset: float
    chords: list[ChordEvent]
    values: list[str]
    sounds: list[Sound]
    stages: list[StageReport] = field(default_factory=list)

    @property
    def n_sounds(self) -> int:
        """Sounding notes (rests not counted), as the seed counts them."""
        return sum(1 for s in self.sounds if not s.is_rest)

    @property
    def line(self) -> str:
        return (
            f"Generated {self.n_sounds} sounds using the predicted values for the set of chords "
            f'("{self.index}") and after pruning'
        )


@dataclass
class GenerationReport:
    """Everything generate_music did: one :class:`SetReport` per chord set, and the result.

    melody: every sound of the piece, offsets in quarter lengths from its start.
    chords: every chord of the piece, offsets from its start.
    midi_bytes: the MIDI file; midi_path: where it was written (None if not written).
    """

    sets: list[SetReport]
    postprocess: str
    layout: str
    tempo_bpm: float
    Ty: int
    seed: int | None
    melody: list[Sound]
    chords: list[ChordEvent]
    midi_bytes: bytes = b""
    midi_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        lines = [s.line for s in self.sets]
        if self.midi_path is not None:
            lines.append(f"Your generated music is saved in {self.midi_path}")
        return lines

    @property
    def n_sounds(self) -> int:
        return sum(s.n_sounds for s in self.sets)

    @property
    def quarter_lengths(self) -> float:
        """Length of the piece: the last note or chord end, quarter lengths."""
        ends = [s.end for s in self.melody] + [c.offset + c.duration for c in self.chords]
        return max(ends, default=0.0)

    @property
    def seconds(self) -> float:
        return self.quarter_lengths * 60.0 / self.tempo_bpm

    def stage_totals(self) -> list[StageReport]:
        """Each stage summed over all chord sets."""
        totals: dict[str, list[int]] = {}
        for s in self.sets:
            for st in s.stages:
                t = totals.setdefault(st.name, [0, 0, 0, 0])
                t[0] += st.notes_in
                t[1] += st.notes_out
                t[2] += st.durations_moved
                t[3] += st.kinds_changed
        return [StageReport(name, *t) for name, t in totals.items()]

    def __str__(self) -> str:
        return "\n".join(self.lines)


# ---------------------------------------------------------------------------------------
# The stages


def _tokens(values: Sequence[str | GrammarToken]) -> list[GrammarToken]:
    if isinstance(values, str):
        values = values.split()
    return [v if isinstance(v, GrammarToken) else GrammarToken.parse(v) for v in values]


def read_values(values: Sequence[str | GrammarToken]) -> list[GrammarToken]:
    """The seed's reading of sampled values: ``C,0.250`` in front, ``A`` and ``X`` read as ``C``."""
    tokens = [GrammarToken("C", GRID)] + _tokens(values)
    return [replace(t, kind="C") if t.kind in "AX" else t for t in tokens]


def _on_grid(quarter_length: float, grid: float) -> bool:
    steps = quarter_length / grid
    return abs(steps - round(steps)) < 1e-6


def prune_grammar(
    values: Sequence[str | GrammarToken], rng: np.random.Generator, grid: float = GRID
) -> list[GrammarToken]:
    """Move every duration onto the grid (quarter lengths), rounding up or down at random.

    A duration already on the grid stays (the seed's helper also pushed those up by one
    step half of the time); 0.333 becomes 0.25 or 0.5, 0.125 becomes 0.0 or 0.25 (a zero
    length that clean_up_notes later fixes, as in the seed). Returns new tokens.
    """
    pruned = []
    for token in _tokens(values):
        if _on_grid(token.duration, grid):
            pruned.append(token)
            continue
        down = math.floor(token.duration / grid + 1e-9) * grid
        duration = down + grid if rng.integers(2) else down
        pruned.append(replace(token, duration=float(f"{duration:.3f}")))
    return pruned


def _free_pitch(
    kind: str, chord: ChordEvent, classes: ToneClasses, rng: np.random.Generator
) -> int:
    """A pitch with no previous note to step from: of the type ``kind`` over ``chord``.

    'C': one of the chord's own pitches; 'S', 'A', 'X': a pitch class of that type in the
    octave of a chord tone chosen at random (the seed did so for 'S'; for 'A'/'X' it moved
    a scale tone a semitone, which need not be of the type). Raised to octave 4 or above.
    """
    if kind == "C":
        pitch = int(rng.choice(chord.pitches))
    else:
        pcs = sorted(classes.of(kind)) or sorted(classes.C)
        octave_start = 12 * (int(rng.choice(chord.pitches)) // 12)
        pitch = octave_start + int(rng.choice(pcs))
    while pitch < FREE_NOTE_LOWEST:
        pitch += 12
    return pitch


def _bracket_pitch(
    token: GrammarToken, previous: int, classes: ToneClasses, rng: np.random.Generator
) -> int:
    """A pitch of the token's type inside its bracket from ``previous`` (MIDI), as deepjazz:
    several candidates → one at random that is not the previous pitch; one → it; none →
    the previous pitch a whole tone up or down. Kept within octaves 3 to 6."""
    low, high = token.semitone_range
    pcs = classes.of(token.kind)
    candidates = [p for p in range(previous + low, previous + high + 1) if p % 12 in pcs]
    if len(candidates) > 1:
        choices = [p for p in candidates if p != previous]
        pitch = int(choices[rng.integers(len(choices))])
    elif candidates:
        pitch = candidates[0]
    else:
        pitch = previous + (2 if rng.integers(2) else -2)
    if pitch < BRACKET_LOWEST:
        pitch = BRACKET_LOWEST + pitch % 12
    elif pitch > BRACKET_HIGHEST:
        pitch = BRACKET_HIGHEST - 11 + (pitch - BRACKET_HIGHEST + 11) % 12
    return pitch


def unparse_grammar(
    values: Sequence[str | GrammarToken], chords: Sequence[ChordEvent], rng: np.random.Generator
) -> list[Sound]:
    """Grammar values over a measure's chords → concrete notes and rests (deepjazz's unparse).

    values: tokens such as ``'S,0.250,<m2,P-4>'`` in order. chords: the set's chords,
    offsets in quarter lengths from its start. Each note starts where the one before ends
    (the seed started each note one duration late, so a long note overlapped the next) and
    takes the chord sounding at its offset. A value with a bracket gets a pitch of its type
    inside ``previous + semitone_range``; one without (a measure's first note, or a note
    after nothing but rests) gets a pitch of its type from the chord (:func:`_free_pitch`).
    Rests ('R') keep their place and are not a "previous" note.
    """
    if not chords:
        raise ChordSymbolError(
            "A set of chords is empty: there is no chord to write the notes over."
        )
    chords = sorted(chords, key=lambda c: c.offset)
    sounds: list[Sound] = []
    offset = 0.0
    previous: int | None = None
    for token in _tokens(values):
        start, offset = offset, offset + token.duration
        if token.kind == "R":
            sounds.append(Sound(start, token.duration, None, "R", None))
            continue
        chord = sounding_chord(chords, start)
        classes = tone_classes(chord)
        if token.has_bracket and previous is not None:
            pitch = _bracket_pitch(token, previous, classes, rng)
        else:
            pitch = _free_pitch(token.kind, chord, classes, rng)
        sounds.append(Sound(start, token.duration, pitch, token.kind, chord))
        previous = pitch
    return sounds


def prune_notes(sounds: Sequence[Sound], min_spacing: float = MIN_SPACING) -> list[Sound]:
    """Drop repeated and crowded notes (the seed's prune_notes, done for every pair).

    A note is dropped if the element right before it (after earlier drops) is a note of the
    same MIDI pitch, or if it starts less than ``min_spacing`` quarter lengths after the
    previous note's start. Rests are kept. Order is by offset.
    """
    kept: list[Sound] = []
    last_note: Sound | None = None
    for sound in sorted(sounds, key=lambda s: s.offset):
        if not sound.is_rest:
            if kept and not kept[-1].is_rest and kept[-1].pitch == sound.pitch:
                continue
            if last_note is not None and sound.offset - last_note.offset < min_spacing:
                continue
            last_note = sound
        kept.append(sound)
    return kept


def clean_up_notes(sounds: Sequence[Sound], grid: float = GRID) -> list[Sound]:
    """The seed's quality assurance: a zero (or negative) length becomes one grid step
    (0.25 quarter lengths), and of two melody notes at one offset only the first stays."""
    cleaned: list[Sound] = []
    last_note_offset: float | None = None
    for sound in sorted(sounds, key=lambda s: s.offset):
        if sound.duration <= 0:
            sound = replace(sound, duration=grid)
        if not sound.is_rest:
            if last_note_offset is not None and abs(sound.offset - last_note_offset) < 1e-9:
                continue
            last_note_offset = sound.offset
        cleaned.append(sound)
    return cleaned


def fit_to_measure(sounds: Sequence[Sound], length: float = MEASURE_LENGTH) -> list[Sound]:
    """Keep what starts inside the set's measure, cut at its end (deepjazz's one-measure sets)."""
    fitted = []
    for s in sounds:
        if s.offset >= length - 1e-9:
            continue
        fitted.append(replace(s, duration=min(s.duration, length - s.offset)))
    return fitted


def _count_notes(sounds: Sequence[Sound]) -> int:
    return sum(1 for s in sounds if not s.is_rest)


def _moved(before: Sequence, after: Sequence) -> int:
    old = {(s.offset, s.pitch): s.duration for s in before}
    return sum(
        1 for s in after if abs(old.get((s.offset, s.pitch), s.duration) - s.duration) > 1e-9
    )


def postprocess_values(
    values: Sequence[str],
    chords: Sequence[ChordEvent],
    rng: np.random.Generator,
    *,
    mode: str = FULL,
    layout: str = SEED_LAYOUT,
) -> tuple[list[Sound], list[StageReport]]:
    """One chord set's sampled values → its sounds, and what each stage did.

    mode: 'full' (the seed's five stages) or 'raw' (``C,0.250`` in front, then unparse only).
    layout: 'seed' keeps every note (Ty values run past the 4-quarter measure, as in the
    seed); 'measure' keeps only what starts inside the measure.
    """
    stages = []
    if mode == FULL:
        sampled = _tokens(values)
        tokens = read_values(sampled)
        changed = sum(1 for a, b in zip(sampled, tokens[1:], strict=True) if a.kind != b.kind)
        stages.append(
            StageReport("read (C,0.250 in front; A, X as C)", len(sampled), len(tokens), 0, changed)
        )
        pruned = prune_grammar(tokens, rng)
        moved = sum(1 for a, b in zip(tokens, pruned, strict=True) if a.duration != b.duration)
        stages.append(
            StageReport(
                "prune_grammar (durations to the 16th grid)", len(tokens), len(pruned), moved
            )
        )
        tokens = pruned
    else:
        tokens = [GrammarToken("C", GRID)] + _tokens(values)
    sounds = unparse_grammar(tokens, chords, rng)
    stages.append(StageReport("unparse (values → pitches)", len(tokens), _count_notes(sounds)))

    def note_stage(name: str, step, *, report_moved: bool = True) -> None:
        """Apply a stage on sounding notes and report what it did."""
        nonlocal sounds
        after = step(sounds)
        moved = _moved(sounds, after) if report_moved else 0
        stages.append(StageReport(name, _count_notes(sounds), _count_notes(after), moved))
        sounds = after

    if mode == FULL:
        note_stage("prune_notes (repeats, too close)", prune_notes, report_moved=False)
        note_stage("clean_up (zero lengths, one note per offset)", clean_up_notes)
    if layout == MEASURE_LAYOUT:
        note_stage("fit to the measure", fit_to_measure)
    return sounds, stages


# ---------------------------------------------------------------------------------------
# Sampling: a jazzcore model or the seed's Keras inference model


def _vocabulary_tokens(indices_values) -> list[str]:
    """The values in index order, from a Vocabulary, the seed's {index: value} or a list."""
    from .dataset import Vocabulary

    return list(Vocabulary.from_indices_values(indices_values).tokens)


class _Sampler:
    """Draws the values of one chord set from a model; the same for both kinds of model."""

    def __init__(self, model, indices_values, Ty, temperature, top_k, first_value_rule):
        self.model = model
        if hasattr(model, "sample") and hasattr(model, "vocabulary"):
            self.kind = "jazzcore"
            self.tokens = list(model.vocabulary.tokens)
            if indices_values is not None and _vocabulary_tokens(indices_values) != self.tokens:
                raise VocabularyMismatchError(
                    f"The model's {len(self.tokens)} values are not the {len(indices_values)} values "
                    "of indices_values: use the vocabulary the model was trained on."
                )
            self.Ty = check_Ty(Ty)
            self.options = {"temperature": temperature, "top_k": top_k}
            if first_value_rule:
                self.options["first_value_rule"] = True
        elif hasattr(model, "predict") and hasattr(model, "inputs"):
            self.kind = "keras"
            if indices_values is None:
                raise ParameterError(
                    "A Keras inference model needs indices_values (index → value)."
                )
            self.tokens = _vocabulary_tokens(indices_values)
            n_values = int(model.inputs[0].shape[-1])
            if n_values != len(self.tokens):
                raise VocabularyMismatchError(
                    f"The inference model has {n_values} values but indices_values has "
                    f"{len(self.tokens)}: use the vocabulary the model was trained on."
                )
            self.n_values, self.n_a = n_values, int(model.inputs[1].shape[-1])
            self.Ty = len(model.outputs)  # fixed by the graph, as in the seed
        else:
            raise ParameterError(
                "generate_music needs a trained jazzcore model (JazzModel) or the seed's Keras inference model."
            )

    def draw(self, rng: np.random.Generator) -> list[str]:
        if self.kind == "jazzcore":
            indices = self.model.sample(self.Ty, seed=int(rng.integers(2**31)), **self.options)
        else:
            from .sample import predict_and_sample

            x0 = np.zeros((1, 1, self.n_values), dtype=np.float32)
            a0 = np.zeros((1, self.n_a), dtype=np.float32)
            _, indices = predict_and_sample(self.model, x0, a0, a0.copy())
        return [self.tokens[int(i)] for i in np.asarray(indices).reshape(-1)]


# ---------------------------------------------------------------------------------------
# Chord sets


def _timeline_and_corpus(chords, progression, model):
    """(ChordTimeline, corpus vocabulary tokens or None, from_progression)."""
    if progression is not None:
        from .progression import parse_progression

        return parse_progression(progression), None, True
    if chords is None:
        from .dataset import load_corpus

        chords = load_corpus(getattr(model, "source", None))
    if hasattr(chords, "vocabulary") and hasattr(chords, "chords"):  # a Corpus
        return chords.chords, list(chords.vocabulary.tokens), False
    if isinstance(chords, ChordTimeline):
        return chords, None, False
    if isinstance(chords, list | tuple) and all(isinstance(m, list | tuple) for m in chords):
        return ChordTimeline([list(m) for m in chords]), None, False
    raise ParameterError(
        "chords must be a ChordTimeline, a Corpus or a list of chord lists per measure."
    )


def seed_chord_sets(n_measures: int) -> list[int]:
    """The seed's choice of chord sets: ``range(1, n // 3)`` (sets 1–5 of Metheny's 18
    measures); every set when that is empty (fewer than 6 measures)."""
    chosen = list(range(1, n_measures // 3))
    return chosen or list(range(n_measures))


def _chosen_sets(timeline: ChordTimeline, chord_sets, from_progression: bool) -> list[int]:
    n = len(timeline)
    if n == 0:
        raise ChordSymbolError(
            "There are no chords to write a solo over: the chord timeline is empty."
        )
    if chord_sets is None:
        return list(range(n)) if from_progression else seed_chord_sets(n)
    if isinstance(chord_sets, str):
        if chord_sets == "all":
            return list(range(n))
        if chord_sets == "seed":
            return seed_chord_sets(n)
        raise ParameterError(
            f"chord_sets = '{chord_sets}': use 'seed', 'all' or a list of set numbers."
        )
    try:
        chosen = [int(k) for k in chord_sets]
    except (TypeError, ValueError):
        raise ParameterError(
            f"chord_sets = {chord_sets!r}: use 'seed', 'all' or a list of set numbers such as [0, 1]."
        ) from None
    bad = [k for k in chosen if not 0 <= k < n]
    if bad or not chosen:
        raise ParameterError(f"chord_sets {chosen} must name sets 0 to {n - 1}.")
    return chosen


def _set_chords(timeline: ChordTimeline, k: int) -> list[ChordEvent]:
    """The chords of set k; a measure without chords keeps the last chord before it."""
    if timeline[k]:
        return sorted(timeline[k], key=lambda c: c.offset)
    for j in range(k - 1, -1, -1):
        if timeline[j]:
            last = max(timeline[j], key=lambda c: c.offset)
            return [replace(last, offset=0.0, duration=MEASURE_LENGTH)]
    for j in range(k + 1, len(timeline)):
        if timeline[j]:
            first = min(timeline[j], key=lambda c: c.offset)
            return [replace(first, offset=0.0, duration=MEASURE_LENGTH)]
    raise ChordSymbolError("There are no chords to write a solo over: every measure is empty.")


# ---------------------------------------------------------------------------------------
# The result: a music21 stream and a MIDI file


def to_stream(melody: Sequence[Sound], chords: Sequence[ChordEvent], tempo_bpm: float = TEMPO_BPM):
    """A music21 Score of the piece: a melody Part (Electric Guitar), a chord Part (Piano)
    and the tempo. Offsets are the sounds' and chords' (quarter lengths)."""
    from music21 import chord as m21chord
    from music21 import instrument, note, stream, tempo

    melody_part, chord_part = stream.Part(id="melody"), stream.Part(id="chords")
    melody_part.insert(0.0, instrument.ElectricGuitar())
    chord_part.insert(0.0, instrument.Piano())
    items = []
    for s in melody:
        element = (
            note.Rest(quarterLength=s.duration)
            if s.is_rest
            else note.Note(s.pitch, quarterLength=s.duration)
        )
        items += [s.offset, element]
    melody_part.insert(items)
    items = []
    for c in chords:
        items += [c.offset, m21chord.Chord(list(c.pitches), quarterLength=c.duration)]
    chord_part.insert(items)
    score = stream.Score(id="generated")
    score.insert(0.0, tempo.MetronomeMark(number=tempo_bpm))
    score.insert(0.0, melody_part)
    score.insert(0.0, chord_part)
    return score


def generate_music(
    model,
    indices_values=None,
    chords=None,
    *,
    Ty: int = 50,
    temperature: float | None = None,
    top_k: int | None = None,
    seed: int | None = None,
    out_path: str | Path | None = "output/my_music.midi",
    postprocess: str = FULL,
    progression: str | None = None,
    chord_sets: Sequence[int] | str | None = None,
    layout: str = SEED_LAYOUT,
    tempo_bpm: float = TEMPO_BPM,
    first_value_rule: bool = False,
    verbose: bool = False,
    return_stream: bool = True,
):
    """Improvise over chords with a trained model: the seed's ``generate_music``.

    model: a trained :class:`~jazzcore.training.JazzModel` (``.vocabulary``, ``.sample``) or the
        seed's Keras inference model (then sampled with ``predict_and_sample``; its Ty is
        fixed by the graph and it needs ``indices_values``).
    indices_values: index → value (the seed's ``indices_values``), checked against the
        model's vocabulary when both are given.
    chords: a ChordTimeline (one list of ChordEvent per measure), a Corpus, or None for the
        corpus the model was trained on (``model.source``, else the Metheny solo). Its
        vocabulary must be the model's (else VocabularyMismatchError).
    progression: a typed progression (``'Dm7 G7 | Cmaj7'``) used instead of ``chords``.
    chord_sets: which sets (measures) to improvise over: None — the seed's sets 1 … n//3 − 1
        of a corpus (5 sets of Metheny's 18 measures), every bar of a progression; 'all';
        or a list of set numbers.
    Ty: values sampled per set (1 … 1000). temperature, top_k, first_value_rule: passed to
        ``model.sample``. seed: an int makes everything reproducible: one NumPy Generator,
        split into a sampling and a post-processing stream per set, draws the model's
        seeds and every choice of the post-processor (so 'full' and 'raw' post-process the
        same sampled values).
    postprocess: 'full' (the seed) or 'raw' (unparse only). layout: 'seed' (every set's notes
        from the set's start, running on past its measure as in the seed) or 'measure'
        (only what fits the set's 4 quarter lengths: one melody line).
    out_path: the MIDI file to write (folders are made), or None. tempo_bpm: quarter notes
        per minute (the seed's 130). verbose: print the seed's report lines.
    return_stream: build the music21 Score (set False to skip its cost).

    Returns ``(stream, report)``: a music21 Score (melody part, chord part, tempo) or None,
    and a :class:`GenerationReport`.
    """
    import time

    from .midi import write_midi

    timings = {"sample": 0.0, "postprocess": 0.0}
    if postprocess not in (FULL, RAW):
        raise ParameterError(
            f"postprocess = '{postprocess}': use 'full' (the seed) or 'raw' (unparse only)."
        )
    if layout not in (SEED_LAYOUT, MEASURE_LAYOUT):
        raise ParameterError(f"layout = '{layout}': use 'seed' or 'measure'.")
    if not (isinstance(tempo_bpm, int | float) and 20 <= tempo_bpm <= 400):
        raise ParameterError(f"tempo_bpm = {tempo_bpm!r} is out of range: choose 20 to 400.")
    rng = random_generator(seed)
    sampler = _Sampler(model, indices_values, Ty, temperature, top_k, first_value_rule)
    timeline, corpus_tokens, from_progression = _timeline_and_corpus(chords, progression, model)
    if corpus_tokens is not None and corpus_tokens != sampler.tokens:
        raise VocabularyMismatchError(
            f"The model knows {len(sampler.tokens)} values but the chords' corpus has "
            f"{len(corpus_tokens)} other ones: train on this corpus or choose the model's corpus."
        )
    chosen = _chosen_sets(timeline, chord_sets, from_progression)

    # One Generator from the seed; each set gets its own child stream for sampling and
    # one for the post-processor, so 'full' and 'raw' hear the same sampled values.
    streams = rng.spawn(2 * len(chosen))
    sets, melody, placed_chords = [], [], []
    for position, k in enumerate(chosen):
        set_chords = _set_chords(timeline, k)
        start = time.perf_counter()
        values = sampler.draw(streams[2 * position])
        middle = time.perf_counter()
        sounds, stages = postprocess_values(
            values, set_chords, streams[2 * position + 1], mode=postprocess, layout=layout
        )
        timings["sample"] += middle - start
        timings["postprocess"] += time.perf_counter() - middle
        offset = MEASURE_LENGTH * position
        report = SetReport(k, offset, set_chords, values, sounds, stages)
        sets.append(report)
        if verbose:
            print(report.line)
        melody += [replace(s, offset=offset + s.offset) for s in sounds]
        placed_chords += [replace(c, offset=offset + c.offset) for c in set_chords]

    melody.sort(key=lambda s: s.offset)  # sets overlap in the seed's layout
    start = time.perf_counter()
    midi_bytes = write_midi(melody, placed_chords, tempo_bpm=tempo_bpm)
    path = None if out_path is None else write_output(out_path, midi_bytes, "MIDI")
    timings["midi"] = time.perf_counter() - start
    report = GenerationReport(
        sets,
        postprocess,
        layout,
        float(tempo_bpm),
        sampler.Ty,
        seed if isinstance(seed, int) else None,
        melody,
        placed_chords,
        midi_bytes,
        path,
        timings,
    )
    if verbose and path is not None:
        print(report.lines[-1])
    start = time.perf_counter()
    score = to_stream(melody, placed_chords, tempo_bpm) if return_stream else None
    timings["stream"] = time.perf_counter() - start
    return score, report
