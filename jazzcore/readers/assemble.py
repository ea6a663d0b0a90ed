"""A :class:`~jazzcore.solo.Solo` from a :class:`~.parts.Music`: the melody's line over the
harmony of everything else, cut into 4-quarter measures.

* The melody: the top line of the melody part (:func:`~.parts.top_line`), with rests where
  it is silent.
* The harmony (``chord_part``): the chord symbols when the music has any; otherwise the
  accompaniment — every other pitched note, the melody part's own lower notes included
  (a pianist's left hand), chordified where it strikes chords (:func:`_harmonies_of`);
  or one part's symbols or notes, when asked. The melody's own notes never count as
  harmony.

Units: offsets and durations in quarter lengths; measure k spans offsets 4k … 4k + 4.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from ..errors import MelodyError, ParameterError
from ..solo import MEASURE_LENGTH, ChordEvent, Measure, MelodyNote, Solo
from .parts import Music, Note, Part, guess_melody_part, resolve_part, top_line

CHORD_SYMBOLS = "symbols"
"""``chord_part`` value: the chord symbols of the music, realized as chords."""

ACCOMPANIMENT = "accompaniment"
"""``chord_part`` value: every pitched note but the melody's, chordified."""

MIN_REST = 0.25
"""Quarter lengths: a silence of the melody at least this long (a 16th) is a rest."""


@dataclass(frozen=True)
class _Harmony:
    """A change of harmony: from ``offset`` (absolute quarter lengths) these pitches sound."""

    offset: float
    pitches: tuple[int, ...]
    names: tuple[str, ...]
    symbol: str | None = None


def _symbol_harmonies(parts: list[Part]) -> list[_Harmony]:
    changes = [
        _Harmony(s.offset, s.pitches, s.names, s.figure) for part in parts for s in part.symbols
    ]
    return sorted(changes, key=lambda h: h.offset)


def _harmonies_of(notes: list[Note], lone_notes: bool = False) -> list[_Harmony]:
    """Chordify an accompaniment as a musician hears it: a chord where two or more pitch
    classes start together (a pianist's voicing, a section's hit); it is every pitch the
    accompaniment sounds at that instant (held notes and the bass included) and lasts
    until the next one. A note starting alone (a walking bass, a fill) changes nothing;
    the same pitch classes again are no change. With ``lone_notes`` (a chord part chosen
    by name that is a single line, such as a bass), a part that never plays two pitch
    classes at once changes harmony at each of its notes instead.
    """
    notes = sorted(notes, key=lambda n: n.offset)
    starts = [
        (time, len({n.pitch % 12 for n in group}))
        for time, group in groupby(notes, key=lambda n: n.offset)
    ]
    strikes = [time for time, classes in starts if classes >= 2]
    times = strikes or ([time for time, _ in starts] if lone_notes else [])
    changes: list[_Harmony] = []
    sounding: list[Note] = []
    k = 0
    for time in times:
        while k < len(notes) and notes[k].offset <= time:
            sounding.append(notes[k])
            k += 1
        sounding = [n for n in sounding if n.end > time]
        names = {n.pitch: n.name for n in sounding}
        if not names or (
            changes and {p % 12 for p in changes[-1].pitches} == {p % 12 for p in names}
        ):
            continue
        pitches = tuple(sorted(names))
        changes.append(_Harmony(time, pitches, tuple(names[p] for p in pitches)))
    return changes


def _measure_chords(
    changes: list[_Harmony], number: int, offsets: list[float] | None = None
) -> list[ChordEvent]:
    """The ChordEvents of measure ``number``: the harmony sounding at its start (offset 0),
    then every change inside it, each lasting until the next change or the measure's end.
    changes: by offset; offsets: their offsets (found by bisection: a long piece's
    measures cost no more each than a short one's)."""
    start, end = number * MEASURE_LENGTH, (number + 1) * MEASURE_LENGTH
    offsets = [h.offset for h in changes] if offsets is None else offsets
    first, stop = bisect_left(offsets, start), bisect_left(offsets, end)
    inside = changes[first:stop]
    if first > 0 and (not inside or inside[0].offset > start):
        inside.insert(0, changes[first - 1])
    events = []
    for k, h in enumerate(inside):
        offset = max(h.offset, start) - start
        until = inside[k + 1].offset - start if k + 1 < len(inside) else MEASURE_LENGTH
        events.append(ChordEvent(offset, until - offset, h.pitches, h.names, h.symbol))
    return events


def check_measure_range(measures) -> tuple[int, int] | None:
    """``measures`` as (first, last) measure numbers, or None; ParameterError if it is not
    a range of whole numbers 0 <= first <= last."""
    if measures is None:
        return None
    try:
        first, last = measures
    except (TypeError, ValueError):
        raise ParameterError(
            f"measures={measures!r} must be a pair (first, last) of measure numbers."
        ) from None
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (first, last)):
        raise ParameterError(
            f"measures={measures!r} must be two whole measure numbers (first, last)."
        )
    if first < 0 or last < first:
        raise ParameterError(
            f"measures={measures!r} is not a range: need 0 <= first <= last "
            "(measure k spans quarter lengths 4k to 4k + 4)."
        )
    return first, last


@dataclass(frozen=True)
class PartPlan:
    """Which parts a Solo is made of, before any note is read.

    melody: the melody part's index. chords: the indices of the parts the harmony comes
    from (the melody's own part among them when its lower notes accompany it).
    chord_source: how the harmony is read, for people: 'chord symbols', 'the
    accompaniment, chordified', 'part 1 (Piano), chordified' …
    reading: 'symbols' (chord symbols), 'accompaniment' (every other pitched note) or
    'part' (one part's symbols or notes).
    """

    melody: int
    chords: tuple[int, ...]
    chord_source: str
    reading: str


def _no_melody(music: Music, reason: str) -> MelodyError:
    what = music.name or "The music"
    if reason == "no pitched notes":
        return MelodyError(
            f"{what} has no pitched notes (drums are no melody): choose a file with a melody in it."
        )
    return MelodyError(
        f"{what} has only chords or repeated notes, no tune (no part plays at least 3 "
        "different pitches): choose a file with a melody, or the melody part with melody_part=."
    )


def plan_parts(
    music: Music, melody_part: int | str | None = None, chord_part: int | str | None = None
) -> PartPlan:
    """The melody part (given by index or name, or the one a musician would pick) and
    where the chords come from (see :func:`solo_from_music`). Raises MelodyError (no part
    can be the melody, a drum part chosen) or ParameterError (no such part)."""
    infos = music.infos
    if melody_part is None:
        try:
            melody = guess_melody_part(infos)
        except ParameterError as reason:
            raise _no_melody(music, str(reason)) from None
    else:
        melody = resolve_part(melody_part, infos, "melody_part")
    info = infos[melody]
    if info.is_drum:
        raise MelodyError(
            f"The melody part, {info.label}, is a drum part: choose a pitched part (see list_parts)."
        )
    if info.note_count == 0:
        raise MelodyError(
            f"The melody part, {info.label}, has no notes: choose another part (see list_parts)."
        )
    wanted = chord_part.strip().lower() if isinstance(chord_part, str) else None
    with_symbols = tuple(i.index for i in infos if i.chord_symbols)
    if wanted == CHORD_SYMBOLS or (chord_part is None and with_symbols):
        return PartPlan(melody, with_symbols, "chord symbols", CHORD_SYMBOLS)
    if chord_part is None or wanted == ACCOMPANIMENT:
        others = tuple(
            i.index
            for i in infos
            if not i.is_drum and i.note_count and (i.index != melody or not i.is_melody_like)
        )
        return PartPlan(melody, others, "the accompaniment, chordified", ACCOMPANIMENT)
    index = resolve_part(chord_part, infos, "chord_part")
    chosen = infos[index]
    if chosen.is_drum:
        raise ParameterError(
            f"chord_part: {chosen.label} is a drum part: choose a pitched part (see list_parts)."
        )
    if chosen.chord_symbols:
        return PartPlan(melody, (index,), f"{chosen.label}, chord symbols", "part")
    below = " below the melody" if index == melody else ""
    return PartPlan(melody, (index,), f"{chosen.label}{below}, chordified", "part")


def _harmonies(music: Music, plan: PartPlan, rest: list[Note]) -> list[_Harmony]:
    """The changes of harmony a plan reads; ``rest``: the melody part's notes below its
    line (a chordal part's accompaniment of itself)."""
    parts = [music.parts[k] for k in plan.chords]
    if any(p.symbols for p in parts):
        return _symbol_harmonies(parts)
    notes = [n for p in parts if p.info.index != plan.melody for n in p.notes]
    if plan.melody in plan.chords:
        notes += rest
    # a part chosen by name may be a single line (a bass): then its notes are the harmony
    return _harmonies_of(notes, lone_notes=plan.reading == "part")


def _rests(start: float, end: float) -> list[tuple[float, MelodyNote]]:
    """Rests filling start … end (absolute quarter lengths), cut at the barlines; pieces
    shorter than MIN_REST are left out."""
    rests = []
    while end - start > 1e-9:
        barline = (int(start // MEASURE_LENGTH) + 1) * MEASURE_LENGTH
        stop = min(end, barline)
        if stop - start >= MIN_REST - 1e-9:
            rests.append((start, MelodyNote(0.0, stop - start)))
        start = stop
    return rests


def _melody_elements(line: list[Note]) -> list[tuple[float, MelodyNote]]:
    """(absolute offset, note or rest) of a line: its notes, and rests where it is silent
    from the first barline before it to the first barline after it."""
    elements: list[tuple[float, MelodyNote]] = []
    cursor = (line[0].offset // MEASURE_LENGTH) * MEASURE_LENGTH
    for n in line:
        if n.offset - cursor >= MIN_REST - 1e-9:
            elements += _rests(cursor, n.offset)
        elements.append((n.offset, MelodyNote(0.0, n.duration, n.pitch, n.name)))
        cursor = max(cursor, n.end)
    end = -(-cursor // MEASURE_LENGTH) * MEASURE_LENGTH
    return elements + _rests(cursor, end)


def solo_from_music(
    music: Music,
    *,
    melody_part: int | str | None = None,
    chord_part: int | str | None = None,
    measures: tuple[int, int] | None = None,
    title: str | None = None,
) -> Solo:
    """A Solo from a Music: its melody over its chords, in 4-quarter measures.

    melody_part: index or name of the melody's part; None takes the part a musician would
    (:func:`~.parts.guess_melody_part`). The melody is that part's top line
    (:func:`~.parts.top_line`): one note at a time, each lasting until the next at most.
    chord_part: None — the chord symbols if the music has any, else the accompaniment;
    ``"symbols"``; ``"accompaniment"`` (every pitched note not in the melody, chordified:
    a new chord wherever it strikes two or more pitch classes at once, made of all it
    sounds then; a note starting alone keeps the chord before it); or a part's index or name (its chord symbols, or its notes chordified;
    the melody's own part gives the notes below the melody).
    measures: (first, last) measure numbers to keep, inclusive.

    Measures in which the melody sounds are kept, with its rests (silences of at least
    MIN_REST, cut at the barlines); each measure's chords start with the harmony sounding
    at its offset 0. Raises MelodyError (no notes, no tune, no chords, nothing in
    ``measures``) or ParameterError (no such part, a bad range).
    """
    selection = check_measure_range(measures)
    plan = plan_parts(music, melody_part, chord_part)
    part = music.parts[plan.melody]
    label = part.info.label
    line, rest = top_line(list(part.notes), not part.info.is_melody_like)
    changes = _harmonies(music, plan, rest)
    if not changes:
        others = [
            p for p in music.parts if p.notes and p.info.index != plan.melody and not p.info.is_drum
        ]
        why = "its other parts only double the melody" if others else "it is a melody alone"
        raise MelodyError(
            f"{music.name or 'The music'} has a melody ({label}) but no chords ({why}): "
            "add chord symbols or an accompaniment part to the file."
        )

    solo_measures = []
    offsets = [h.offset for h in changes]
    elements = _melody_elements(line)
    for number, group in groupby(elements, key=lambda item: int(item[0] // MEASURE_LENGTH)):
        if selection and not selection[0] <= number <= selection[1]:
            continue
        start = number * MEASURE_LENGTH
        notes = [MelodyNote(offset - start, n.duration, n.pitch, n.name) for offset, n in group]
        if all(n.is_rest for n in notes):
            continue  # a measure of silence says nothing about the melody
        solo_measures.append(Measure(number, notes, _measure_chords(changes, number, offsets)))
    if not solo_measures:
        where = f" in measures {selection[0]}–{selection[1]}" if selection else ""
        raise MelodyError(
            f"The melody ({label}) has no notes{where}: choose measures between "
            f"{part.info.first_measure} and {part.info.last_measure}."
        )
    return Solo(
        solo_measures,
        title=title or music.title or Path(music.name).stem or "Untitled",
        melody_part=label,
        chord_source=plan.chord_source,
        tempo_bpm=music.tempo_bpm,
    )
