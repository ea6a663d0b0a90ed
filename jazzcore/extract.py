"""Music → :class:`~jazzcore.solo.Solo`: a melody and its chords, cut into 4/4 measures.

Three ways in:

* :func:`metheny_solo` — the seed's own recipe for Pat Metheny's "And Then I Knew": the
  guitar (part 5) over the piano's chords (part 0) in the solo window, quarter-length
  offsets 476–548, read the way music21 read MIDI files in 2016–2018. It gives the seed's
  18 measures, 193 grammar values and 78 unique values.
* :func:`load_solo` / :func:`solo_from_score` — any MIDI or MusicXML file: the melody part
  is guessed (:func:`list_parts` shows the evidence) or chosen by index or name; the chords
  come from chord symbols, a chord part, or the chordified accompaniment.
* :func:`leadsheet_solo` — lead sheets from music21's own corpus (:data:`LEADSHEET_WORKS`),
  the offline default.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers. Measures are
4 quarter lengths long as in the seed: measure k spans offsets 4k … 4k + 4 from the start
of the score (k = 0 first), whatever the time signature.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import groupby
from pathlib import Path

from .errors import InputFileError, MelodyError, ParameterError, SourceError
from .solo import MEASURE_LENGTH, ChordEvent, Measure, MelodyNote, Solo

# ---------------------------------------------------------------------------------------
# The seed's Metheny solo, read as music21 read MIDI files in 2016–2018 (v2 to v5)
#
# What that import did, from music21's history (midi/translate.py, Stream.quantize,
# Stream.makeVoices, Stream.findGaps), re-done here with mido:
#
# 1. A note-on is closed by the next note message of the same pitch and channel (even
#    another note-on, which then starts no note of its own).
# 2. Notes starting within 1/16 of a quarter of each other and ending within the same
#    tolerance become one Chord; a note starting with others but ending elsewhere stays a
#    Note and marks the track as needing voices.
# 3. Offsets and durations are each snapped to the nearer of the 1/4 and 1/3 grids, so a
#    note shorter than 1/8 quarter gets duration 0 (the seed then sets those to 0.25).
# 4. Overlapping notes go to voices, first fit in time order; the seed merges voice 2 into
#    voice 1, so the melody is all notes in time order, voice 1 first at equal offsets.
# 5. Rests: makeVoices asks for gap-filling rests, but the notes it has just moved into a
#    voice have lost their "active site" (Stream.remove clears it), so findGaps, which read
#    ``e.offset``, sees every offset as 0.0 and finds no gap. The seed's melody has no rests
#    inside the solo, hence no 'R' values. music21 6.5 (December 2020) made findGaps read
#    the offsets in the voice; with those rests the same recipe gives 90 values, the
#    figure of the course's later edition and of a straight port to music21 10.

QUANTIZE_DIVISORS = (4, 3)
"""Grids of music21's MIDI import: 16ths (1/4 quarter) and 8th-note triplets (1/3)."""

METHENY_WINDOW = (476.0, 548.0)
"""The seed's solo: elements that begin at quarter-length offsets 476 … 548 (inclusive)."""

METHENY_MELODY_PART = 5
"""Index of the guitar among the MIDI tracks that have notes (the seed's ``midi_data[5]``)."""

METHENY_CHORD_PART = 0
"""Index of the piano, whose chords (not single notes) are the seed's chords."""

METHENY_TITLE = 'Pat Metheny, "And Then I Knew"'


@dataclass(frozen=True)
class _TrackEvent:
    """A note or chord of one MIDI track, as music21 2016–2018 imported it.

    offset, duration: quarter lengths, snapped to the grids (duration may be 0).
    pitches: MIDI pitches (one for a note, in the track's order for a chord).
    order: creation order in the track, the tie-break between equal offsets.
    """

    offset: Fraction
    duration: Fraction
    pitches: tuple[int, ...]
    order: int


def snap_to_grid(quarter_length: float, divisors: tuple[int, ...] = QUANTIZE_DIVISORS) -> Fraction:
    """music21's quantization of one value (offset or duration, quarter lengths).

    For each divisor d the nearest multiple of 1/d is found (exactly halfway goes down);
    the one with the smaller error wins, and on equal errors the smaller value.
    ``snap_to_grid(0.1) == 0``, ``snap_to_grid(0.3) == Fraction(1, 3)``.
    """
    best = None
    for divisor in divisors:
        unit = 1.0 / divisor
        multiple = math.floor(quarter_length / unit)
        low, high = unit * multiple, unit * (multiple + 1)
        if quarter_length <= low + unit / 2:
            candidate = (round(quarter_length - low, 7), low)
        else:
            candidate = (round(high - quarter_length, 7), high)
        if best is None or candidate < best:
            best = candidate
    return Fraction(best[1]).limit_denominator(max(divisors) * min(divisors))


def _note_spans(track) -> list[tuple[int, int, int]]:
    """(start tick, end tick, MIDI pitch) of a mido track's notes, in order of their starts."""
    open_notes: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, pitch) → (index, tick)
    spans: dict[int, tuple[int, int, int]] = {}
    tick = 0
    for index, message in enumerate(track):
        tick += message.time
        if message.type not in ("note_on", "note_off"):
            continue
        key = (message.channel, message.note)
        if key in open_notes:
            # any note message of that pitch closes the open note, as in music21 then
            start_index, start_tick = open_notes.pop(key)
            spans[start_index] = (start_tick, tick, message.note)
        elif message.type == "note_on" and message.velocity > 0:
            open_notes[key] = (index, tick)
    return [spans[i] for i in sorted(spans)]


def _track_events(track, ticks_per_quarter: int) -> tuple[list[_TrackEvent], bool]:
    """A track's notes and chords, snapped and sorted by offset; and whether music21 would
    have made voices (two notes starting together but ending apart)."""
    notes = _note_spans(track)
    tolerance = ticks_per_quarter / 16
    gathered: set[int] = set()
    needs_voices = False
    raw: list[tuple[float, float, tuple[int, ...]]] = []
    for i, (start, end, pitch) in enumerate(notes):
        if i in gathered:
            continue
        chord = [(start, end, pitch)]
        for j in range(i + 1, len(notes)):
            other_start, other_end, other_pitch = notes[j]
            if abs(other_start - start) > tolerance:
                break  # notes are in order of their starts: no later one can join
            if abs(other_end - end) > tolerance:
                needs_voices = True
                continue
            chord.append(notes[j])
            gathered.add(j)
        # a chord lasts from its last start to its first end; a zero length reads as 1.0
        ticks = chord[0][1] - chord[-1][0]
        length = ticks / ticks_per_quarter if ticks != 0 else 1.0
        raw.append((start / ticks_per_quarter, length, tuple(n[2] for n in chord)))
    events = [
        _TrackEvent(snap_to_grid(offset), snap_to_grid(max(length, 0.0)), pitches, order)
        for order, (offset, length, pitches) in enumerate(raw)
    ]
    events.sort(key=lambda e: (e.offset, e.order))
    return events, needs_voices


def _first_fit_voices(events: list[_TrackEvent]) -> list[list[_TrackEvent]]:
    """music21's makeVoices: each event, in time order, goes to the first voice that has
    finished sounding by its offset."""
    voices: list[list[_TrackEvent]] = []
    ends: list[Fraction] = []
    for event in events:
        for k, end in enumerate(ends):
            if end <= event.offset:
                voices[k].append(event)
                ends[k] = max(end, event.offset + event.duration)
                break
        else:
            voices.append([event])
            ends.append(event.offset + event.duration)
    return voices


def _group_by_measure(events: list[_TrackEvent]) -> list[tuple[int, list[_TrackEvent]]]:
    """The seed's grouping: consecutive events with the same int(offset / 4)."""
    return [
        (number, list(group))
        for number, group in groupby(events, key=lambda e: int(e.offset / 4))
    ]


def _read_midi(path: str | Path):
    import mido

    try:
        return mido.MidiFile(str(path))
    except FileNotFoundError:
        raise SourceError(f"There is no file at {path}: check the path.") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise InputFileError(
            f"{Path(path).name} is not a readable MIDI file ({type(exc).__name__}): "
            "it may be truncated or corrupt."
        ) from None


def _midi_tempo_bpm(midi, default: float = 120.0) -> float:
    for track in midi.tracks:
        for message in track:
            if message.type == "set_tempo":
                return round(60_000_000 / message.tempo, 2)
    return default


def metheny_solo(path: str | Path) -> Solo:
    """The seed's solo from Pat Metheny's "And Then I Knew" (``original_metheny.mid``).

    The guitar (track with notes no. 5) over the chords of the piano (no. 0), elements that
    begin in the window of quarter-length offsets 476–548, grouped into measures by
    ``int(offset / 4)`` and paired in order, as deepjazz's ``preprocess.py`` did on the
    music21 of 2016–2018. Returns 18 measures (numbers 119–136) with 193 notes and no rests;
    chords keep the piano's voicings (pitches ascending) and its snapped durations, some
    of which are 0. Chords of the guitar are dropped, as the seed drops them.
    """
    midi = _read_midi(path)
    tracks = [t for t in midi.tracks if any(m.type == "note_on" and m.velocity > 0 for m in t)]
    if len(tracks) <= max(METHENY_MELODY_PART, METHENY_CHORD_PART):
        raise MelodyError(
            f"{Path(path).name} has {len(tracks)} tracks with notes, not the Metheny file's 19: "
            "read other files with load_solo."
        )
    tpq = midi.ticks_per_beat
    guitar, needs_voices = _track_events(tracks[METHENY_MELODY_PART], tpq)
    voices = _first_fit_voices(guitar) if needs_voices else [guitar]
    # voice 1, then the merged voice 2, in time order (sorted() is stable)
    melody = sorted((e for voice in voices for e in voice), key=lambda e: e.offset)
    piano, _ = _track_events(tracks[METHENY_CHORD_PART], tpq)
    chords = [e for e in piano if len(e.pitches) > 1]

    first, last = (Fraction(x) for x in METHENY_WINDOW)
    melody = [e for e in melody if first <= e.offset <= last]
    chords = [e for e in chords if first <= e.offset <= last]
    if not melody or not chords:
        raise MelodyError(
            f"{Path(path).name} has no guitar solo over piano chords at offsets 476–548: "
            "it is not the seed's Metheny file; read it with load_solo."
        )

    measures = []
    # zip pairs the groups in order and drops the piano's extra last group, as the seed does
    for (number, notes), (_, chord_events) in zip(
        _group_by_measure(melody), _group_by_measure(chords), strict=False
    ):
        start = 4 * number
        measure_notes = [
            MelodyNote(
                offset=float(e.offset - start),
                duration=float(e.duration) if e.duration else 0.25,  # the seed's fix
                pitch=e.pitches[0],
            )
            for e in notes
            if len(e.pitches) == 1
        ]
        measure_chords = [
            ChordEvent(offset=float(c.offset - start), duration=float(c.duration), pitches=tuple(sorted(c.pitches)))
            for c in chord_events
        ]
        measures.append(Measure(number, measure_notes, measure_chords))
    return Solo(
        measures,
        title=METHENY_TITLE,
        melody_part=f"part {METHENY_MELODY_PART} (Guitar)",
        chord_source=f"part {METHENY_CHORD_PART} (Piano), chords only",
        tempo_bpm=_midi_tempo_bpm(midi),
    )


# ---------------------------------------------------------------------------------------
# Any MIDI or MusicXML file: which part is the melody, where the chords come from

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

    from .sources import check_music_file

    path = Path(path)
    check_music_file(path)
    try:
        score = converter.parse(str(path))
    except Exception as exc:  # music21 raises many types; the user needs one message
        raise InputFileError(
            f"{path.name} could not be read as music ({type(exc).__name__}: {str(exc)[:80]}): "
            "export it again as MIDI or MusicXML."
        ) from None
    return _as_score(score)


def _as_score(music):
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
            first_measure=int(onsets[0][0].offset // 4) if onsets else None,
            last_measure=int(onsets[-1][0].offset // 4) if onsets else None,
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
        score = _as_score(score_or_path)
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
    candidates = [i for i in pitched if i.note_count >= MIN_NOTE_SHARE * busiest and not i.is_chordal]
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
        raise ParameterError(f"{role}={spec!r} is neither a part index nor a part name: parts are {names}.")
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
        raise ParameterError(f"{role}='{spec}' matches several parts: choose one by index: {names}.")
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
    spans = sorted((s for part in parts for onset in part.onsets for s in onset), key=lambda s: s.offset)
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


def _score_title(score, default: str) -> str:
    """'Title (Composer)' from a score's metadata, or ``default`` (file names do not count)."""
    metadata = getattr(score, "metadata", None)
    if metadata is None:
        return default
    title = (metadata.bestTitle or "").strip()
    if (
        not title
        or title == "Music21 Fragment"  # what music21 writes when a score has no title
        or Path(title).suffix.lower() in (".mid", ".midi", ".xml", ".musicxml", ".mxl", ".abc", ".krn")
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
        raise ParameterError(f"measures={measures!r} must be a pair (first, last) of measure numbers.") from None
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (first, last)):
        raise ParameterError(f"measures={measures!r} must be two whole measure numbers (first, last).")
    if first < 0 or last < first:
        raise ParameterError(
            f"measures={measures!r} is not a range: need 0 <= first <= last "
            "(measure k spans quarter lengths 4k to 4k + 4)."
        )
    return first, last


def _part_label(info: PartInfo) -> str:
    return f"part {info.index}" + (f" ({info.name})" if info.name else "")


def _harmonies(parts: list[_Part], melody_index: int, chord_part, shift: float) -> tuple[list[_Harmony], str]:
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
        raise ParameterError(f"chord_part: {label} is a drum part: choose a pitched part (see list_parts).")
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
    score = _as_score(score)
    selection = _check_measure_range(measures)
    shift = _pickup_shift(score)
    parts = _read_parts(score)
    infos = [p.info for p in parts]
    if not any(i.note_count for i in infos if not i.is_drum):
        raise MelodyError("The score has no pitched notes (drums are no melody): choose a file with a melody in it.")

    if melody_part is None:
        melody_index = guess_melody_part(infos)
    else:
        melody_index = _resolve_part(melody_part, infos, "melody_part")
    melody = parts[melody_index]
    label = _part_label(melody.info)
    if melody.info.is_drum:
        raise MelodyError(f"The melody part, {label}, is a drum part: choose a pitched part (see list_parts).")
    if not melody.onsets:
        raise MelodyError(f"The melody part, {label}, has no notes: choose another part (see list_parts).")

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
        title=title or _score_title(score, "Untitled"),
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
        title=_score_title(score, Path(path).stem),
    )


# ---------------------------------------------------------------------------------------
# Lead sheets from music21's corpus: the offline default

LEADSHEET_WORKS = (
    "leadSheet/berlinAlexandersRagtime",
    "leadSheet/fosterBrownHair",
    "joplin/maple_leaf_rag",
    "nottingham-dataset/reelsa-c",
)
"""music21 corpus works with a melody and harmony (chord symbols, or an accompaniment to
chordify) that make the offline "leadsheets" corpus. No network is needed: they ship
inside the music21 package."""

_LEADSHEET_OPTIONS: dict[str, dict] = {
    # a piano rag: the right hand's top notes over the chordified left hand
    "joplin/maple_leaf_rag": {"melody_part": 0, "chord_part": 1, "title": "Maple Leaf Rag (Scott Joplin)"},
}


def leadsheet_solo(corpus_name: str) -> Solo:
    """A Solo from a work of music21's corpus, e.g. ``'leadSheet/berlinAlexandersRagtime'``.

    Chord symbols are realized as chords (music21's close voicing); a work holding several
    tunes (an ABC collection) gives one Solo of all its tunes' measures in turn.
    Raises SourceError if music21's corpus has no such work.
    """
    from music21 import corpus, stream

    try:
        work = corpus.parse(corpus_name)
    except Exception as exc:  # corpus.parse raises CorpusException, or parser errors
        raise SourceError(
            f"'{corpus_name}' is not a readable work of music21's corpus ({type(exc).__name__}): "
            f"use one of {', '.join(LEADSHEET_WORKS)}."
        ) from None
    scores = list(work.scores) if isinstance(work, stream.Opus) else [_as_score(work)]
    options = _LEADSHEET_OPTIONS.get(corpus_name, {})
    measures: list[Measure] = []
    first = None
    for score in scores:
        solo = solo_from_score(score, **options)
        first = first or solo
        # the tunes follow each other: number their measures on from the last one
        base = measures[-1].number + 1 - solo.measures[0].number if measures else 0
        measures += [Measure(m.number + base, m.notes, m.chords) for m in solo.measures]
    title = options.get("title") or "; ".join(_score_title(score, corpus_name) for score in scores)
    return Solo(
        measures,
        title=title,
        melody_part=first.melody_part,
        chord_source=first.chord_source,
        tempo_bpm=first.tempo_bpm,
    )
