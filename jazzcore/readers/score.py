"""Any MIDI or MusicXML file → :class:`~jazzcore.solo.Solo`: which part is the melody,
where the chords come from (the general reader, with music21).

* :func:`list_parts` shows, part by part, the evidence the melody choice weighs
  (:class:`PartInfo`); :func:`guess_melody_part` makes the choice.
* :func:`solo_from_score` cuts a music21 Score into 4-quarter measures of melody and
  chords: the chords come from chord symbols, a chord part, or the chordified
  accompaniment. :func:`load_solo` does the same for a file, after the checks of
  :mod:`jazzcore.sources`.

Why this module is long: it is one reader (over 400 lines): the part listing, the
melody choice and the chord sources all work on the same parts read once (``_Part``), and
splitting them would make those private types public.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers. Measures are
4 quarter lengths long as in the course: measure k spans offsets 4k … 4k + 4 from the
start of the score (k = 0 first), whatever the time signature.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from ..errors import InputFileError, MelodyError, ParameterError
from ..solo import MEASURE_LENGTH, ChordEvent, Measure, MelodyNote, Solo
from ..sources import check_music_file

MONOPHONIC_MAX = 0.25
"""A part is melody-like if at most this share of its onsets sound with another pitch."""

CHORDAL_MIN = 0.5
"""A part is chordal if more than this share of its onsets sound with another pitch."""

MIN_NOTE_SHARE = 0.1
"""A melody candidate has at least this share of the busiest pitched part's notes."""

OVERLAP_TOLERANCE = 0.25
"""Quarter lengths a note may ring into the next and still be legato, not two voices."""

CHORD_SYMBOLS = "symbols"
"""``chord_part`` value: the chord symbols of the score, realized as chords."""

ACCOMPANIMENT = "accompaniment"
"""``chord_part`` value: every pitched part but the melody, chordified."""


@dataclass(frozen=True)
class PartInfo:
    """What :func:`list_parts` reports about one part, to help choose the melody.

    index: the part's position in the score (what ``melody_part=`` takes).
    name: its name in the file ('' if none).
    note_count: notes and chords it starts (a chord counts once, tied notes once).
    mean_pitch: mean MIDI pitch of its notes, or None (drums, no notes).
    polyphony: share of its onsets, 0 … 1, at which more than one pitch sounds.
    is_drum: a percussion part (MIDI channel 10 or an unpitched instrument).
    chord_symbols: how many chord symbols it holds (a lead sheet's part has them).
    first_measure, last_measure: numbers of the 4-quarter measures of its first and last
        note (measure k spans offsets 4k … 4k + 4), or None when it has no pitched notes.
    """

    index: int
    name: str
    note_count: int
    mean_pitch: float | None
    polyphony: float
    is_drum: bool
    chord_symbols: int = 0
    first_measure: int | None = None
    last_measure: int | None = None

    @property
    def is_melody_like(self) -> bool:
        """Pitched, with notes, one note at a time (up to MONOPHONIC_MAX of its onsets)."""
        return not self.is_drum and self.note_count > 0 and self.polyphony <= MONOPHONIC_MAX

    @property
    def is_chordal(self) -> bool:
        """Pitched, with notes, several at a time (more than CHORDAL_MIN of its onsets)."""
        return not self.is_drum and self.note_count > 0 and self.polyphony > CHORDAL_MIN


@dataclass(frozen=True)
class _Span:
    """One pitched note: absolute offset and duration (quarter lengths), MIDI pitch and
    spelled name. The tones of a chord are spans with the same offset."""

    offset: float
    duration: float
    pitch: int
    name: str

    @property
    def end(self) -> float:
        return self.offset + self.duration


@dataclass
class _Part:
    """A part read once: its flat stream, its pitched onsets (each a list of _Span) and
    what list_parts reports about it."""

    flat: object
    onsets: list[list[_Span]]
    info: PartInfo


def parse_music_file(path: str | Path):
    """A music21 Score from a MIDI or MusicXML file, after the file checks of
    :func:`jazzcore.sources.check_music_file`; InputFileError if music21 cannot read it."""
    from music21 import converter

    path = Path(path)
    check_music_file(path)
    try:
        score = converter.parse(str(path))
    except Exception as exc:  # music21 raises many types; the user needs one message
        raise InputFileError(
            f"{path.name} could not be read as music ({type(exc).__name__}: {str(exc)[:80]}): "
            "export it again as MIDI or MusicXML."
        ) from None
    return as_score(score)


def as_score(music):
    """A Score from what music21 returns (an Opus gives its first score)."""
    from music21 import stream

    if isinstance(music, stream.Opus):
        return music.scores.first() or stream.Score()
    if isinstance(music, stream.Score):
        return music
    score = stream.Score()
    score.insert(0, music)
    return score


def _pickup_shift(score) -> float:
    """Quarter lengths to add so that 4-quarter measures line up with the bars when the
    score starts with a pickup (an incomplete first bar)."""
    from music21 import stream

    for part in score.parts:
        first = part.getElementsByClass(stream.Measure).first()
        if first is not None and first.paddingLeft:
            return float(first.paddingLeft)
    return 0.0


def _is_drum(flat) -> bool:
    from music21 import instrument, note, percussion

    for inst in flat.getElementsByClass(instrument.Instrument):
        if isinstance(inst, instrument.UnpitchedPercussion) or inst.midiChannel == 9:
            return True
    return any(isinstance(n, note.Unpitched | percussion.PercussionChord) for n in flat.notes)


def _onsets(flat, shift: float) -> list[list[_Span]]:
    """A flat part's pitched notes and chords, one list of _Span per onset, in time order.

    Tied notes are joined into one span; grace notes (no duration), chord symbols and
    unpitched notes are left out.
    """
    from music21 import chord, harmony, note, percussion

    onsets: list[list[list]] = []
    tied: dict[int, list] = {}  # MIDI pitch → the open span [offset, duration, pitch, name]
    for element in flat.notes:
        if isinstance(element, harmony.Harmony | note.Unpitched | percussion.PercussionChord):
            continue
        length = float(element.quarterLength)
        if length <= 0:
            continue
        offset = float(element.offset) + shift
        tones = element.notes if isinstance(element, chord.Chord) else [element]
        new = []
        for tone in tones:
            midi = int(tone.pitch.midi)
            tie = tone.tie if tone.tie is not None else element.tie
            span = tied.get(midi)
            if tie is not None and tie.type in ("continue", "stop") and span is not None:
                span[1] = offset - span[0] + length  # the tie carries the note on
            else:
                span = [offset, length, midi, tone.pitch.name]
                new.append(span)
            if tie is not None and tie.type in ("start", "continue"):
                tied[midi] = span
            else:
                tied.pop(midi, None)
        if new:
            onsets.append(new)
    onsets.sort(key=lambda spans: spans[0][0])
    return [[_Span(*span) for span in spans] for spans in onsets]


def _polyphony(onsets: list[list[_Span]]) -> float:
    """Share of onset times at which more than one pitch sounds (ringing on for less than
    OVERLAP_TOLERANCE is legato, not polyphony)."""
    if not onsets:
        return 0.0
    polyphonic = times = 0
    ringing_until = -math.inf
    for offset, group in groupby(onsets, key=lambda spans: spans[0].offset):
        spans = [s for onset in group for s in onset]
        times += 1
        if len({s.pitch for s in spans}) > 1 or ringing_until > offset + OVERLAP_TOLERANCE:
            polyphonic += 1
        ringing_until = max(ringing_until, max(s.end for s in spans))
    return polyphonic / times


def _read_parts(score) -> list[_Part]:
    from music21 import harmony

    shift = _pickup_shift(score)
    parts = list(score.parts) or ([score] if score.recurse().notes else [])
    result = []
    for index, part in enumerate(parts):
        flat = part.flatten()
        name = (part.partName or "").strip() if hasattr(part, "partName") else ""
        symbols = len(flat.getElementsByClass(harmony.ChordSymbol))
        if _is_drum(flat):
            hits = sum(1 for n in flat.notes if not (n.tie is not None and n.tie.type != "start"))
            result.append(_Part(flat, [], PartInfo(index, name, hits, None, 0.0, True, symbols)))
            continue
        onsets = _onsets(flat, shift)
        pitches = [s.pitch for onset in onsets for s in onset]
        info = PartInfo(
            index=index,
            name=name,
            note_count=len(onsets),
            mean_pitch=sum(pitches) / len(pitches) if pitches else None,
            polyphony=_polyphony(onsets),
            is_drum=False,
            chord_symbols=symbols,
            first_measure=int(onsets[0][0].offset // MEASURE_LENGTH) if onsets else None,
            last_measure=int(onsets[-1][0].offset // MEASURE_LENGTH) if onsets else None,
        )
        result.append(_Part(flat, onsets, info))
    return result


def list_parts(score_or_path) -> list[PartInfo]:
    """One :class:`PartInfo` per part of a music21 Score (or of the file at a path).

    This is the evidence the melody heuristic weighs: the app shows it so that a user can
    see why a part was chosen and pick another by its index or name.
    """
    if isinstance(score_or_path, str | Path):
        score = parse_music_file(score_or_path)
    else:
        score = as_score(score_or_path)
    return [part.info for part in _read_parts(score)]


def melody_score(info: PartInfo, busiest: int) -> float:
    """How melody-like a part is: its mean MIDI pitch, minus 4 per halving of its number of
    notes against the busiest part's, minus 20 × its polyphony (0 … 1).

    The melody is usually the highest line that plays most of the time, one note at a
    time: on the Metheny file the guitar (mean pitch 67, 1030 notes, polyphony 0.28) beats
    the synth (74, 254 notes, 0.28); in a song the voice beats the pianist's right hand.
    """
    share = info.note_count / busiest
    return (info.mean_pitch or 0.0) + 4 * math.log2(share) - 20 * info.polyphony


def guess_melody_part(infos: list[PartInfo]) -> int:
    """The index of the part most likely to be the melody (highest :func:`melody_score`).

    Candidates: pitched parts with at least MIN_NOTE_SHARE of the busiest one's notes that
    are not chordal. If all are chordal, the score has only chords: MelodyError.
    """
    pitched = [i for i in infos if not i.is_drum and i.note_count > 0]
    if not pitched:
        raise MelodyError("The score has no pitched notes: choose a file with a melody in it.")
    busiest = max(i.note_count for i in pitched)
    candidates = [
        i for i in pitched if i.note_count >= MIN_NOTE_SHARE * busiest and not i.is_chordal
    ]
    if not candidates:
        raise MelodyError(
            "The score has only chords, no part plays one note at a time: choose the melody "
            "part with melody_part= (its top notes become the melody), or use a file with a melody."
        )
    return max(candidates, key=lambda i: melody_score(i, busiest)).index


def _resolve_part(spec, infos: list[PartInfo], role: str) -> int:
    """A part index from an index or a name (exact, then a unique substring, any case)."""
    count = len(infos)
    names = ", ".join(f"{i.index} '{i.name}'" for i in infos)
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        raise ParameterError(
            f"{role}={spec!r} is neither a part index nor a part name: parts are {names}."
        )
    if isinstance(spec, str) and spec.strip().lstrip("-").isdigit():
        spec = int(spec.strip())
    if isinstance(spec, int):
        if not 0 <= spec < count:
            raise ParameterError(
                f"{role}={spec} is out of range: the score has {count} parts (0–{count - 1}): {names}."
            )
        return spec
    wanted = spec.strip().lower()
    exact = [i.index for i in infos if i.name.lower() == wanted]
    if exact:
        return exact[0]
    partial = [i.index for i in infos if wanted and wanted in i.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise ParameterError(
            f"{role}='{spec}' matches several parts: choose one by index: {names}."
        )
    raise ParameterError(f"{role}='{spec}' is not the name of a part: parts are {names}.")


def _melody_line(onsets: list[list[_Span]]) -> list[_Span]:
    """One note at a time: at each onset its highest pitch (the top of a chord, the upper
    of two voices starting together)."""
    return [
        max((s for onset in group for s in onset), key=lambda s: s.pitch)
        for _, group in groupby(onsets, key=lambda spans: spans[0].offset)
    ]


def _melody_rests(flat, line: list[_Span], shift: float) -> list[tuple[float, float]]:
    """(offset, duration) of the part's written rests during which no melody note sounds
    at the rest's start."""
    starts = [s.offset for s in line]
    ringing_until = list(itertools.accumulate((s.end for s in line), max))
    rests = []
    for rest in flat.getElementsByClass("Rest"):
        offset, length = float(rest.offset) + shift, float(rest.quarterLength)
        if length <= 0:
            continue
        k = bisect.bisect_right(starts, offset) - 1  # the last note starting at or before it
        if k >= 0 and ringing_until[k] > offset + 1e-9:
            continue  # a note (of another voice) sounds here: not a rest of the melody
        rests.append((offset, length))
    return rests


@dataclass(frozen=True)
class _Harmony:
    """A change of harmony: from ``offset`` (absolute quarter lengths) these pitches sound."""

    offset: float
    pitches: tuple[int, ...]
    names: tuple[str, ...]
    symbol: str | None = None


def _symbol_harmonies(parts: list[_Part], shift: float) -> list[_Harmony]:
    """The chord symbols of these parts, realized by music21 (N.C. is no change)."""
    from music21 import harmony

    changes = []
    for part in parts:
        for symbol in part.flat.getElementsByClass(harmony.ChordSymbol):
            if isinstance(symbol, harmony.NoChord):
                continue
            try:
                pitches = sorted(symbol.pitches, key=lambda p: p.midi)
            except Exception:  # a figure music21 cannot realize: keep the harmony before it
                continue
            if pitches:
                changes.append(
                    _Harmony(
                        float(symbol.offset) + shift,
                        tuple(int(p.midi) for p in pitches),
                        tuple(p.name for p in pitches),
                        symbol.figure,
                    )
                )
    changes.sort(key=lambda h: h.offset)
    return changes


def _sliced_harmonies(parts: list[_Part], min_pitch_classes: int) -> list[_Harmony]:
    """Chordify: at each onset in these parts, the pitches sounding together.

    A slice with fewer than ``min_pitch_classes`` pitch classes (a lone bass note) keeps
    the harmony before it, and so does a slice with the same pitch classes.
    """
    spans = sorted(
        (s for part in parts for onset in part.onsets for s in onset), key=lambda s: s.offset
    )
    changes: list[_Harmony] = []
    sounding: list[_Span] = []
    k = 0
    for time in sorted({s.offset for s in spans}):
        while k < len(spans) and spans[k].offset <= time:
            sounding.append(spans[k])
            k += 1
        sounding = [s for s in sounding if s.end > time]
        names = {s.pitch: s.name for s in sounding}
        classes = {p % 12 for p in names}
        if len(classes) < min_pitch_classes:
            continue
        if changes and {p % 12 for p in changes[-1].pitches} == classes:
            continue
        pitches = tuple(sorted(names))
        changes.append(_Harmony(time, pitches, tuple(names[p] for p in pitches)))
    return changes


def _measure_chords(changes: list[_Harmony], number: int) -> list[ChordEvent]:
    """The ChordEvents of measure ``number``: the harmony sounding at its start (offset 0),
    then every change inside it, each lasting until the next change or the measure's end."""
    start, end = number * MEASURE_LENGTH, (number + 1) * MEASURE_LENGTH
    inside = [h for h in changes if start <= h.offset < end]
    before = [h for h in changes if h.offset < start]
    if before and (not inside or inside[0].offset > start):
        inside.insert(0, before[-1])
    events = []
    for k, h in enumerate(inside):
        offset = max(h.offset, start) - start
        until = inside[k + 1].offset - start if k + 1 < len(inside) else MEASURE_LENGTH
        events.append(ChordEvent(offset, until - offset, h.pitches, h.names, h.symbol))
    return events


def score_title(score, default: str) -> str:
    """'Title (Composer)' from a score's metadata, or ``default`` (file names do not count)."""
    metadata = getattr(score, "metadata", None)
    if metadata is None:
        return default
    title = (metadata.bestTitle or "").strip()
    if (
        not title
        or title == "Music21 Fragment"  # what music21 writes when a score has no title
        or Path(title).suffix.lower()
        in (".mid", ".midi", ".xml", ".musicxml", ".mxl", ".abc", ".krn")
    ):
        return default
    composer = (metadata.composer or "").strip()
    return f"{title} ({composer})" if composer and composer != "Music21" else title


def _score_tempo(score, default: float = 120.0) -> float:
    from music21 import tempo

    for mark in score.recurse().getElementsByClass(tempo.MetronomeMark):
        bpm = mark.getQuarterBPM()
        if bpm:
            return round(float(bpm), 2)
    return default


def _check_measure_range(measures) -> tuple[int, int] | None:
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


def _part_label(info: PartInfo) -> str:
    return f"part {info.index}" + (f" ({info.name})" if info.name else "")


def _harmonies(
    parts: list[_Part], melody_index: int, chord_part, shift: float
) -> tuple[list[_Harmony], str]:
    """The changes of harmony of a score and a label of where they come from."""
    others = [p for p in parts if p.info.index != melody_index and not p.info.is_drum]
    wanted = chord_part.strip().lower() if isinstance(chord_part, str) else None
    if wanted == CHORD_SYMBOLS or (chord_part is None and any(p.info.chord_symbols for p in parts)):
        return _symbol_harmonies(parts, shift), "chord symbols"
    if chord_part is None or wanted == ACCOMPANIMENT:
        return _sliced_harmonies(others, min_pitch_classes=2), "the accompaniment, chordified"
    chord_index = _resolve_part(chord_part, [p.info for p in parts], "chord_part")
    chosen = parts[chord_index]
    label = _part_label(chosen.info)
    if chosen.info.is_drum:
        raise ParameterError(
            f"chord_part: {label} is a drum part: choose a pitched part (see list_parts)."
        )
    if chosen.info.chord_symbols:
        return _symbol_harmonies([chosen], shift), f"{label}, chord symbols"
    # a part of single notes (a bass line) has no chords: then its notes are the harmony
    changes = _sliced_harmonies([chosen], min_pitch_classes=2) or _sliced_harmonies([chosen], 1)
    return changes, f"{label}, chordified"


def solo_from_score(
    score,
    *,
    melody_part: int | str | None = None,
    chord_part: int | str | None = None,
    measures: tuple[int, int] | None = None,
    title: str | None = None,
) -> Solo:
    """A Solo from a music21 Score: its melody over its chords, in 4-quarter measures.

    melody_part: index or name of the melody's part; None guesses it (see
        :func:`guess_melody_part`, and :func:`list_parts` for the evidence). Where that
        part plays several notes at once, the top note is the melody; grace notes are
        left out; tied notes are one note.
    chord_part: where the chords come from. None: the chord symbols if the score has any,
        else the accompaniment. ``"symbols"``: the chord symbols. ``"accompaniment"``: all
        other pitched parts, chordified (a new chord wherever the pitch classes sounding
        together change; a lone note keeps the chord before it). A part's index or name:
        that part's chord symbols, or its notes chordified.
    measures: (first, last) measure numbers to keep, inclusive; measure k spans offsets
        4k … 4k + 4 from the start (a pickup bar is padded to a full bar first).

    Measures in which the melody sounds are kept, with the melody's rests; each measure's
    chords start with the harmony sounding at its offset 0 and each lasts until the next.
    Raises MelodyError (no notes, only chords, no chords, nothing in ``measures``) or
    ParameterError (no such part, a bad range).
    """
    score = as_score(score)
    selection = _check_measure_range(measures)
    shift = _pickup_shift(score)
    parts = _read_parts(score)
    infos = [p.info for p in parts]
    if not any(i.note_count for i in infos if not i.is_drum):
        raise MelodyError(
            "The score has no pitched notes (drums are no melody): choose a file with a melody in it."
        )

    if melody_part is None:
        melody_index = guess_melody_part(infos)
    else:
        melody_index = _resolve_part(melody_part, infos, "melody_part")
    melody = parts[melody_index]
    label = _part_label(melody.info)
    if melody.info.is_drum:
        raise MelodyError(
            f"The melody part, {label}, is a drum part: choose a pitched part (see list_parts)."
        )
    if not melody.onsets:
        raise MelodyError(
            f"The melody part, {label}, has no notes: choose another part (see list_parts)."
        )

    changes, chord_source = _harmonies(parts, melody_index, chord_part, shift)
    if not changes:
        raise MelodyError(
            "The score has a melody but no chords: add chord symbols or an accompaniment "
            "part, or choose the chord part with chord_part=."
        )

    line = _melody_line(melody.onsets)
    rests = _melody_rests(melody.flat, line, shift)
    # (absolute offset, notes before rests at equal offsets, note)
    elements = sorted(
        [(s.offset, 0, MelodyNote(0.0, s.duration, s.pitch, s.name)) for s in line]
        + [(offset, 1, MelodyNote(0.0, length)) for offset, length in rests],
        key=lambda item: item[:2],
    )
    solo_measures = []
    for number, group in groupby(elements, key=lambda item: int(item[0] // MEASURE_LENGTH)):
        if selection and not selection[0] <= number <= selection[1]:
            continue
        notes = [
            MelodyNote(offset - number * MEASURE_LENGTH, n.duration, n.pitch, n.name)
            for offset, _, n in group
        ]
        if all(n.is_rest for n in notes):
            continue  # a measure of silence says nothing about the melody
        solo_measures.append(Measure(number, notes, _measure_chords(changes, number)))
    if not solo_measures:
        where = f" in measures {selection[0]}–{selection[1]}" if selection else ""
        raise MelodyError(
            f"The melody ({label}) has no notes{where}: choose measures between "
            f"{melody.info.first_measure} and {melody.info.last_measure}."
        )
    return Solo(
        solo_measures,
        title=title or score_title(score, "Untitled"),
        melody_part=label,
        chord_source=chord_source,
        tempo_bpm=_score_tempo(score),
    )


def load_solo(
    path: str | Path,
    *,
    melody_part: int | str | None = None,
    chord_part: int | str | None = None,
    measures: tuple[int, int] | None = None,
) -> Solo:
    """A Solo from a MIDI (.mid, .midi) or MusicXML (.xml, .musicxml, .mxl) file.

    The file is checked first (size, type, MIDI events: see jazzcore.sources), then read
    with music21; the options are those of :func:`solo_from_score`. Raises SourceError (no
    such file), InputFileError (not readable music), MelodyError or ParameterError.
    """
    score = parse_music_file(path)
    return solo_from_score(
        score,
        melody_part=melody_part,
        chord_part=chord_part,
        measures=measures,
        title=score_title(score, Path(path).stem),
    )
