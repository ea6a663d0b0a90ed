"""A music file read once: its parts, what each part shows, and the melody a musician picks.

Every reader gives a :class:`Music` (MIDI files through mido in :mod:`.midifile`, MusicXML
and music21 streams in :mod:`.score`): its parts, each a :class:`Part` holding its pitched
notes (:class:`Note`), its chord symbols (:class:`Symbol`) and a :class:`PartInfo` — the
evidence :func:`guess_melody_part` weighs and the part pickers show. Building a Solo from
a Music (:mod:`.assemble`) needs nothing else, so changing the melody or chord part never
parses the file again.

The melody is one note at a time: :func:`top_line` takes it from a part, the highest note
of each onset, leaving inner voices and a pianist's left hand to the harmony.

Units: offsets and durations in quarter lengths from the start of the music (a pickup
bar already padded to a full bar), pitches as MIDI numbers.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import groupby

from ..errors import ParameterError
from ..solo import MEASURE_LENGTH
from ..theory import default_pitch_name

MONOPHONIC_MAX = 0.25
"""A part is melody-like if at most this share of its onsets sound with another pitch."""
CHORDAL_MIN = 0.5
"""A part is chordal if more than this share of its onsets sound with another pitch."""

OVERLAP_TOLERANCE = 0.25
"""Quarter lengths a note may ring into the next and still be legato, not two voices."""
LINE_WINDOW = 1.0
"""Quarter lengths before and after an onset in which :func:`top_line` looks for higher notes."""

LINE_DROP = 12
"""Semitones: in a chordal part, a top note more than this below the highest note starting
within LINE_WINDOW of it is the other hand's, not the melody's (an octave: a melody rarely
leaps further within a beat, a pianist's left hand usually sits that low)."""

BASS_MEAN_MAX = 50.0
"""A line whose mean pitch is below D3 (MIDI 50) is a bass line, whatever its name."""

MIN_MELODY_PITCHES = 3
"""A melody uses at least this many different pitches: one repeated pitch is a placeholder
(the slash or diamond notes of a chords-only chart), not a tune."""

NAME_HINT = 8.0
"""Points a part's name adds to (lead words) or takes from (accompaniment words) its score."""
PROGRAM_HINT = 3.0
"""Points a General MIDI program adds (lead instruments) or takes (pads, ensembles)."""

# "theme", "tune" and "head" are no lead words: they name songs, in track names too
LEAD_WORDS = (
    "melody", "lead", "solo", "voice", "vocal", "sing", "flute", "sax", "trumpet",
    "cornet", "flugel", "clarinet", "trombone", "horn", "violin", "vibe",
)  # fmt: skip
ACCOMPANIMENT_WORDS = (
    "accomp", "comp", "chord", "pad", "rhythm", "backing", "harmony", "strings", "guide",
)  # fmt: skip
LEAD_PROGRAMS = frozenset([40, 41, 56, 57, 58, 59, 60, *range(64, 88)])  # solo strings, winds
ACCOMPANIMENT_PROGRAMS = frozenset([*range(48, 56), 61, 62, 63, *range(88, 96)])  # sections, pads
BASS_PROGRAMS = frozenset(range(32, 40))  # General MIDI programs, counted from 0


@dataclass(frozen=True)
class Note:
    """One pitched note of a part.

    offset, duration: quarter lengths (duration > 0). pitch: MIDI number. name: its spelled
    pitch class ('E-', 'C#'), from the score when it has one.
    """

    offset: float
    duration: float
    pitch: int
    name: str = ""

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", default_pitch_name(self.pitch))

    @property
    def end(self) -> float:
        return self.offset + self.duration


@dataclass(frozen=True)
class Symbol:
    """A chord symbol, realized: from ``offset`` (quarter lengths) these pitches sound.

    pitches: MIDI numbers, ascending; names: their spelled pitch classes; figure: 'Dm7'.
    """

    offset: float
    pitches: tuple[int, ...]
    names: tuple[str, ...]
    figure: str | None = None


@dataclass(frozen=True)
class PartInfo:
    """What a part holds, as :func:`list_parts` and the part pickers show it.

    index: the part's position (what ``melody_part=`` takes). name: its name in the file
    ('' if none). note_count: notes it starts (a chord counts once per onset, tied notes
    once). mean_pitch: mean MIDI pitch of its notes, or None (drums, no notes).
    polyphony: share of its onsets, 0 … 1, at which more than one pitch sounds.
    is_drum: a percussion part (MIDI channel 10, an unpitched instrument).
    chord_symbols: how many chord symbols it holds (a lead sheet's part has them).
    first_measure, last_measure: the 4-quarter measures of its first and last note
        (measure k spans offsets 4k … 4k + 4), None without pitched notes.
    instrument: the instrument's name (General MIDI's for a MIDI program), '' if unknown.
    program: General MIDI program, 0–127, or None. channel: MIDI channel, 1–16, or None.
    lowest, highest: its lowest and highest MIDI pitch, None without pitched notes.
    line_count, line_mean: notes and mean MIDI pitch of its :func:`top_line` (the melody
        it would give). pitch_count: different pitches in that line.
    coverage: share, 0 … 1, of the music's measures in which it plays.
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
    instrument: str = ""
    program: int | None = None
    channel: int | None = None
    lowest: int | None = None
    highest: int | None = None
    line_count: int = 0
    line_mean: float | None = None
    pitch_count: int = 0
    coverage: float = 0.0

    @property
    def is_melody_like(self) -> bool:
        """Pitched, with notes, one note at a time (up to MONOPHONIC_MAX of its onsets)."""
        return not self.is_drum and self.note_count > 0 and self.polyphony <= MONOPHONIC_MAX

    @property
    def is_chordal(self) -> bool:
        """Pitched, with notes, several at a time (more than CHORDAL_MIN of its onsets)."""
        return not self.is_drum and self.note_count > 0 and self.polyphony > CHORDAL_MIN

    @property
    def is_bass(self) -> bool:
        """A bass line: a bass program or name, or a line below BASS_MEAN_MAX on average."""
        low = self.line_mean is not None and self.line_mean < BASS_MEAN_MAX
        return not self.is_drum and (
            self.program in BASS_PROGRAMS or "bass" in self.name.lower() or low
        )

    @property
    def label(self) -> str:
        """'part 2 (Guitar)': how messages and a Solo name the part."""
        shown = self.name or self.instrument
        return f"part {self.index}" + (f" ({shown})" if shown else "")


@dataclass(frozen=True)
class Part:
    """A part read once: its :class:`PartInfo`, its pitched notes (by offset, then pitch)
    and its chord symbols (by offset)."""

    info: PartInfo
    notes: tuple[Note, ...] = ()
    symbols: tuple[Symbol, ...] = ()


@dataclass(frozen=True)
class Music:
    """A music file (or music21 stream) read once, ready for any choice of parts.

    name: the file's name ('' for a stream). sha256: hash of its bytes ('' for a stream).
    title: 'Title (Composer)' as the file states it, '' if it does not. tempo_bpm:
    quarter notes per minute. parts: every part, drums and empty ones included.
    """

    name: str
    sha256: str
    title: str
    tempo_bpm: float
    parts: tuple[Part, ...]

    @property
    def infos(self) -> list[PartInfo]:
        return [part.info for part in self.parts]


# ---------------------------------------------------------------------------------------
# A part's evidence


def polyphony(notes: list[Note]) -> float:
    """Share of onset times at which more than one pitch sounds (ringing on for less than
    OVERLAP_TOLERANCE is legato, not polyphony)."""
    times = polyphonic = 0
    ringing_until = -math.inf
    for offset, group in groupby(notes, key=lambda n: n.offset):
        group = list(group)
        times += 1
        if len({n.pitch for n in group}) > 1 or ringing_until > offset + OVERLAP_TOLERANCE:
            polyphonic += 1
        ringing_until = max(ringing_until, max(n.end for n in group))
    return polyphonic / times if times else 0.0


def top_line(notes: list[Note], chordal: bool) -> tuple[list[Note], list[Note]]:
    """A part's melody, one note at a time, and the notes left to the harmony.

    notes: sorted by offset. At each onset the highest note starts a melody note, which
    ends where the next one starts (or at its own end): a one-line instrument plays one
    note at a time, and a note ringing into the next is legato. In a chordal part
    (``chordal``: a piano, a guitar strumming) the highest note is left to the harmony
    when it starts under a higher melody note still ringing (more than
    OVERLAP_TOLERANCE) — an inner voice — or lies more than LINE_DROP semitones below the
    highest note starting within LINE_WINDOW of it — the other hand's.
    Returns (melody notes, the other notes), both by offset.
    """
    if not notes:
        return [], []
    starts = [n.offset for n in notes]
    line: list[Note] = []
    rest: list[Note] = []
    for offset, group in groupby(notes, key=lambda n: n.offset):
        group = sorted(group, key=lambda n: -n.pitch)
        top, below = group[0], group[1:]
        rest.extend(below)
        if chordal:
            if line and line[-1].end > offset + OVERLAP_TOLERANCE and top.pitch < line[-1].pitch:
                rest.append(top)  # an inner voice under a held melody note
                continue
            low = bisect_left(starts, offset - LINE_WINDOW)
            high = bisect_right(starts, offset + LINE_WINDOW)
            nearby = max(n.pitch for n in notes[low:high])
            if top.pitch < nearby - LINE_DROP:
                rest.append(top)  # the left hand, under the melody nearby
                continue
        if line and line[-1].end > offset:
            last = line[-1]
            line[-1] = Note(last.offset, offset - last.offset, last.pitch, last.name)
        line.append(top)
    rest.sort(key=lambda n: (n.offset, n.pitch))
    return line, rest


def measure_of(offset: float) -> int:
    """The number of the 4-quarter measure an offset falls in (measure k: 4k … 4k + 4)."""
    return int(offset // MEASURE_LENGTH)


def part_info(
    index: int,
    name: str,
    notes: list[Note],
    *,
    is_drum: bool = False,
    symbols: int = 0,
    instrument: str = "",
    program: int | None = None,
    channel: int | None = None,
    measures: int = 0,
) -> PartInfo:
    """The :class:`PartInfo` of a part's notes (sorted by offset). measures: how many
    4-quarter measures the whole music spans (for ``coverage``)."""
    if is_drum or not notes:
        onsets = len({n.offset for n in notes})
        return PartInfo(
            index, name, onsets, None, 0.0, is_drum, symbols,
            instrument=instrument, program=program, channel=channel,
        )  # fmt: skip
    poly = polyphony(notes)
    line, _ = top_line(notes, poly > MONOPHONIC_MAX)
    played = {measure_of(n.offset) for n in notes}
    return PartInfo(
        index=index,
        name=name,
        note_count=len({n.offset for n in notes}),
        mean_pitch=statistics.fmean(n.pitch for n in notes),
        polyphony=poly,
        is_drum=False,
        chord_symbols=symbols,
        first_measure=measure_of(notes[0].offset),
        last_measure=measure_of(max(n.offset for n in notes)),
        instrument=instrument,
        program=program,
        channel=channel,
        lowest=min(n.pitch for n in notes),
        highest=max(n.pitch for n in notes),
        line_count=len(line),
        line_mean=statistics.fmean(n.pitch for n in line),
        pitch_count=len({n.pitch for n in line}),
        coverage=len(played) / max(measures, len(played), 1),
    )


# ---------------------------------------------------------------------------------------
# The melody a musician would pick


def _hint(info: PartInfo) -> float:
    """Points for what the part's name and General MIDI program say about its role."""
    name = info.name.lower()
    points = 0.0
    if any(word in name for word in LEAD_WORDS):
        points += NAME_HINT
    elif any(word in name for word in ACCOMPANIMENT_WORDS):
        points -= NAME_HINT
    if info.program in LEAD_PROGRAMS:
        points += PROGRAM_HINT
    elif info.program in ACCOMPANIMENT_PROGRAMS:
        points -= PROGRAM_HINT
    return points


def melody_score(info: PartInfo, busiest: int) -> float:
    """How much a part sounds like the melody, in "semitones of register":

    the mean pitch of its top line; minus 4 per halving of that line's notes against the
    busiest line's; minus 8 × the share of the music's measures it sits out; minus 12 × its
    polyphony (0 … 1); ± NAME_HINT for a lead or accompaniment name (a "Flute", a "Piano
    comping") and ± PROGRAM_HINT for a lead or accompaniment General MIDI program.

    The melody is usually the highest line that plays most of the time, one note at a
    time: on the Metheny file the guitar (1330 notes) beats the synth above it (316); in a
    trio the piano's top line beats the bass; a flute beats the pianist's comping.
    """
    return (
        (info.line_mean or 0.0)
        + 4 * math.log2(info.line_count / busiest)
        - 8 * (1 - info.coverage)
        - 12 * info.polyphony
        + _hint(info)
    )


def melody_candidates(infos: list[PartInfo]) -> list[PartInfo]:
    """The parts that can be a melody: pitched, with a line of at least MIN_MELODY_PITCHES
    different pitches; never the bass when a higher part can be the melody."""
    tunes = [i for i in infos if not i.is_drum and i.pitch_count >= MIN_MELODY_PITCHES]
    above_bass = [i for i in tunes if not i.is_bass]
    return above_bass or tunes


def guess_melody_part(infos: list[PartInfo]) -> int:
    """The index of the part a musician would take for the melody (highest
    :func:`melody_score` among :func:`melody_candidates`).

    Raises ParameterError when no part can be a melody (it names what the parts hold):
    the Solo builder turns it into a MelodyError.
    """
    candidates = melody_candidates(infos)
    if not candidates:
        pitched = [i for i in infos if not i.is_drum and i.note_count]
        if not pitched:
            raise ParameterError("no pitched notes")
        raise ParameterError("no part plays a tune (only repeated placeholder notes)")
    busiest = max(i.line_count for i in candidates)
    return max(candidates, key=lambda i: melody_score(i, busiest)).index


def resolve_part(spec, infos: list[PartInfo], role: str) -> int:
    """A part's index from ``spec``: an index (int or digits), a name (exact, any case) or
    a unique part of a name. A name that several parts share is refused: choose by index."""
    count = len(infos)
    names = ", ".join(f"{i.index} '{i.name}'" if i.name else str(i.index) for i in infos)
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        raise ParameterError(
            f"{role}={spec!r} is neither a part index nor a part name: parts are {names}."
        )
    if isinstance(spec, str) and spec.strip().lstrip("-").isdigit():
        spec = int(spec.strip())
    if isinstance(spec, int):
        if not 0 <= spec < count:
            raise ParameterError(
                f"{role}={spec} is out of range: the music has {count} parts (0–{count - 1}): {names}."
            )
        return spec
    wanted = spec.strip().lower()
    exact = [i.index for i in infos if i.name.strip().lower() == wanted]
    partial = [i.index for i in infos if wanted and wanted in i.name.lower()]
    found = exact or partial
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(str(k) for k in found)
        raise ParameterError(
            f"{role}='{spec}' names parts {listed}: choose one by its index ({role}={found[0]})."
        )
    raise ParameterError(f"{role}='{spec}' is not the name of a part: parts are {names}.")
