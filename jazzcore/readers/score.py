"""MusicXML files and music21 streams → :class:`~.parts.Music` (with music21).

* :func:`read_musicxml` reads a MusicXML file's bytes (.xml, .musicxml, .mxl): its text is
  checked first (:mod:`.xmlcheck`), then music21 parses the text itself — never a file
  path, so music21's parse cache (pickles in ``<tmp>/music21``, found by the path's MD5)
  is neither read nor written for a user's file;
* :func:`music_from_score` reads a music21 Score already in memory (music21's corpus, a
  score a test builds); :func:`solo_from_score` makes a Solo of it at once.

Tied notes become one note, grace notes are left out, chord symbols are realized by
music21 (N.C. is no change), a pickup bar is padded to a full bar so that the
4-quarter measures line up with the bars.

Units: offsets and durations in quarter lengths, pitches as MIDI numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..checks import MAX_BPM, MAX_NAME_CHARS, MAX_PARTS, MIN_BPM
from ..errors import InputFileError
from ..solo import MEASURE_LENGTH, Solo
from .assemble import solo_from_music
from .parts import Music, Note, Part, PartInfo, Symbol, part_info
from .xmlcheck import score_text, xml_census


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


def read_musicxml(data: bytes, name: str = "", sha256: str = "") -> Music:
    """The parts of a MusicXML file's bytes (compressed .mxl or plain XML).

    The text is checked by :func:`~.xmlcheck.xml_census` before music21 sees it, and
    music21 parses the text (no file, no parse cache). Raises InputFileError if the file is
    refused or music21 cannot read it.
    """
    label = name or "The file"
    text = score_text(data, name)
    xml_census(text, name)
    try:
        from music21.musicxml import xmlToM21

        importer = xmlToM21.MusicXMLImporter()
        importer.xmlText = text
        importer.parseXMLText()
        score = importer.stream
        return music_from_score(score, name=name, sha256=sha256, title=score_title(score, ""))
    except (InputFileError, MemoryError):
        raise
    except Exception as exc:  # music21 raises many types; the user needs one message
        raise InputFileError(
            f"{label} could not be read as music ({type(exc).__name__}: "
            f"{str(exc)[:80]}): export it again as MIDI or MusicXML."
        ) from None


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


def _notes(flat, shift: float) -> list[Note]:
    """A flat part's pitched notes, by offset then pitch: tied notes joined, grace notes
    (no duration), chord symbols and unpitched notes left out."""
    from music21 import chord, harmony, note, percussion

    spans: list[list] = []
    tied: dict[int, list] = {}  # MIDI pitch → the open span [offset, duration, pitch, name]
    for element in flat.notes:
        if isinstance(element, harmony.Harmony | note.Unpitched | percussion.PercussionChord):
            continue
        length = float(element.quarterLength)
        if length <= 0:
            continue
        offset = float(element.offset) + shift
        tones = element.notes if isinstance(element, chord.Chord) else [element]
        for tone in tones:
            midi = int(tone.pitch.midi)
            tie = tone.tie if tone.tie is not None else element.tie
            span = tied.get(midi)
            if tie is not None and tie.type in ("continue", "stop") and span is not None:
                span[1] = offset - span[0] + length  # the tie carries the note on
            else:
                span = [offset, length, midi, tone.pitch.name]
                spans.append(span)
            if tie is not None and tie.type in ("start", "continue"):
                tied[midi] = span
            else:
                tied.pop(midi, None)
    return sorted((Note(*span) for span in spans), key=lambda n: (n.offset, n.pitch))


def _symbols(flat, shift: float) -> list[Symbol]:
    """The chord symbols of a flat part, realized by music21 (N.C. is no change)."""
    from music21 import harmony

    symbols = []
    for symbol in flat.getElementsByClass(harmony.ChordSymbol):
        if isinstance(symbol, harmony.NoChord):
            continue
        try:
            pitches = sorted(symbol.pitches, key=lambda p: p.midi)
        except Exception:  # a figure music21 cannot realize: keep the harmony before it
            continue
        if pitches:
            symbols.append(
                Symbol(
                    float(symbol.offset) + shift,
                    tuple(int(p.midi) for p in pitches),
                    tuple(p.name for p in pitches),
                    symbol.figure,
                )
            )
    return sorted(symbols, key=lambda s: s.offset)


def _instrument(flat) -> tuple[str, int | None, int | None]:
    """(instrument name, General MIDI program, MIDI channel 1–16) of a flat part."""
    from music21 import instrument

    found = flat.getElementsByClass(instrument.Instrument).first()
    if found is None:
        return "", None, None
    channel = found.midiChannel + 1 if found.midiChannel is not None else None
    return (found.instrumentName or "").strip(), found.midiProgram, channel


def music_from_score(score, *, name: str = "", sha256: str = "", title: str | None = None) -> Music:
    """The parts of a music21 Score (or a stream music21 gives: an Opus's first score)."""
    from music21 import tempo

    score = as_score(score)
    shift = _pickup_shift(score)
    streams = list(score.parts) or ([score] if score.recurse().notes else [])
    if len(streams) > MAX_PARTS:
        raise InputFileError(f"{name or 'The score'} has more than the {MAX_PARTS} parts accepted.")
    read = []
    for part in streams:
        flat = part.flatten()
        drum = _is_drum(flat)
        notes = [] if drum else _notes(flat, shift)
        hits = len(flat.notes) if drum else 0
        read.append((part, flat, drum, notes, hits))
    last_end = max((n.end for *_, notes, _ in read for n in notes), default=0.0)
    measures = max(1, math.ceil(last_end / MEASURE_LENGTH))
    parts = []
    for index, (part, flat, drum, notes, hits) in enumerate(read):
        symbols = _symbols(flat, shift)
        instrument, program, channel = _instrument(flat)
        part_name = (getattr(part, "partName", None) or "").strip()[:MAX_NAME_CHARS]
        if drum:
            info = PartInfo(
                index, part_name, hits, None, 0.0, True, len(symbols),
                instrument=instrument, program=program, channel=channel,
            )  # fmt: skip
        else:
            info = part_info(
                index,
                part_name,
                notes,
                symbols=len(symbols),
                instrument=instrument,
                program=program,
                channel=channel,
                measures=measures,
            )
        parts.append(Part(info, tuple(notes), tuple(symbols)))
    bpm = next(
        (
            round(float(mark.getQuarterBPM()), 2)
            for mark in score.recurse().getElementsByClass(tempo.MetronomeMark)
            if mark.getQuarterBPM() and MIN_BPM <= float(mark.getQuarterBPM()) <= MAX_BPM
        ),
        120.0,
    )
    title = score_title(score, "") if title is None else title
    return Music(name, sha256, title, bpm, tuple(parts))


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
    title = f"{title} ({composer})" if composer and composer != "Music21" else title
    return title[:MAX_NAME_CHARS]


def solo_from_score(
    score,
    *,
    melody_part: int | str | None = None,
    chord_part: int | str | None = None,
    measures: tuple[int, int] | None = None,
    title: str | None = None,
) -> Solo:
    """A Solo from a music21 Score: :func:`music_from_score`, then
    :func:`~.assemble.solo_from_music` with the same options."""
    return solo_from_music(
        music_from_score(score),
        melody_part=melody_part,
        chord_part=chord_part,
        measures=measures,
        title=title,
    )
