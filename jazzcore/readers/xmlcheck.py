"""A MusicXML file's text, checked while it is read, before music21 builds anything.

* :func:`score_text` — the score's XML as text: a plain file decoded, a compressed ``.mxl``
  opened with :func:`jazzcore.checks.open_zip` and its root file inflated with a cap of
  :data:`MAX_XML_BYTES` (checked in the zip's directory, and again while inflating).
* :func:`xml_census` — one streaming pass of expat over the text, stopping at the first
  limit passed or value that no score holds: elements and nesting, parts, measures, notes,
  a time signature's beats, divisions and durations (a note longer than
  :data:`MAX_NOTE_QUARTERS`), alterations (``<alter>nan</alter>``), octaves, key
  signatures, tuplets, staves, harmony degrees, tempi. Entity declarations (the
  "billion laughs") are refused outright.

So a 52 KB file asking for measures of 100,000 beats, or a score of a million notes, is
refused in well under a second instead of keeping music21 busy for minutes.
"""

from __future__ import annotations

import math
import re
import xml.parsers.expat

from ..checks import MAX_ZIP_ENTRIES, open_zip, read_member
from ..errors import InputFileError

MAX_XML_BYTES = 16 * 1024 * 1024
"""Largest score text read (bytes, an .mxl's root file once inflated)."""
MAX_XML_ELEMENTS = 2_000_000
"""Most XML elements a score may hold (a note is about 10)."""
MAX_XML_DEPTH = 64
"""Deepest nesting of elements (MusicXML needs about 8)."""
MAX_XML_PARTS = 128
"""Most parts a score may hold."""
MAX_XML_MEASURES = 20_000
"""Most measures, counted over all parts (400 bars for 50 instruments)."""
MAX_XML_NOTES = 10_000
"""Most notes and rests, counted over all parts: music21 reads 2,000 to 5,000 a second, so
the most accepted take about 5 s of the sandbox's 8 (a 200-bar solo has about 1,600)."""
MAX_BEATS = 64
"""Most beats a time signature may state (``<beats>``, summed for '3+2')."""
MAX_BEAT_TYPE = 128
"""Largest beat unit (``<beat-type>``)."""
MAX_DIVISIONS = 1_000_000
"""Largest ``<divisions>`` (steps per quarter note)."""
MAX_NOTE_QUARTERS = 256
"""Longest ``<duration>`` of a note, a backup or a forward, in quarter notes."""
MAX_TUPLET = 64
"""Largest number in a tuplet ratio (``<actual-notes>``, ``<normal-notes>``)."""
MAX_TEXT = 256
"""Longest text of an element whose value is a number or a name."""

_NUMBERS = {  # element → (lowest, highest): its text must be a finite number in the range
    "alter": (-4, 4),
    "root-alter": (-4, 4),
    "bass-alter": (-4, 4),
    "degree-alter": (-4, 4),
    "octave": (-1, 10),
    "fifths": (-15, 15),
    "degree-value": (1, 24),
    "actual-notes": (1, MAX_TUPLET),
    "normal-notes": (1, MAX_TUPLET),
    "staves": (1, 16),
    "staff": (1, 16),
    "beat-type": (1, MAX_BEAT_TYPE),
    "midi-channel": (1, 16),
    "midi-program": (1, 128),
    "midi-unpitched": (1, 128),
    "per-minute": (1, 2000),
    "divisions": (1e-6, MAX_DIVISIONS),
}
_WORDS_ALLOWED = frozenset(["per-minute"])  # may be words; checked only when a number
_DURATIONS = ("duration",)  # in quarter notes once divided by the part's divisions
_CHECKED = frozenset([*_NUMBERS, *_DURATIONS, "beats", "step", "root-step", "bass-step"])
_COUNTED = {"part": MAX_XML_PARTS, "measure": MAX_XML_MEASURES, "note": MAX_XML_NOTES}
_BEATS = re.compile(r"^\s*\d{1,4}(\s*\+\s*\d{1,4})*\s*$")
_ROOTFILE = re.compile(rb"<rootfile\b[^>]*\bfull-path\s*=\s*[\"']([^\"']+)[\"']")


def score_text(data: bytes, name: str = "") -> str:
    """The score's XML text from a MusicXML file's bytes (plain, or a compressed .mxl whose
    root file is inflated with a cap). InputFileError if it is too big or not readable."""
    label = name or "The file"
    if data[:4] == b"PK\x03\x04":
        with open_zip(data, label, MAX_ZIP_ENTRIES) as archive:
            container = read_member(archive, "META-INF/container.xml", 64 * 1024, label)
            found = _ROOTFILE.search(container)
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
            if found is not None:
                root = found.group(1).decode("utf-8", "replace")
            else:  # as music21 does: the first score file outside META-INF
                scores = [
                    n
                    for n in names
                    if not n.startswith("META-INF/") and n.lower().endswith((".xml", ".musicxml"))
                ]
                if not scores:
                    raise InputFileError(f"{label} is a compressed MusicXML file with no score.")
                root = scores[0]
            data = read_member(archive, root, MAX_XML_BYTES, label)
    elif len(data) > MAX_XML_BYTES:
        raise InputFileError(f"{label} is longer than the {MAX_XML_BYTES} bytes accepted.")
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(
            f"{label} is not UTF-8 or UTF-16 text: export it again as MusicXML."
        ) from None


class _Refused(Exception):
    """Raised inside expat's handlers to stop the pass; carries the reason."""


def xml_census(text: str, name: str = "") -> dict[str, int]:
    """Walk a score's XML once with expat and refuse it at the first limit passed or value
    out of range (see the module's list); returns the counts of parts, measures and notes.
    InputFileError with the reason otherwise (or if the XML is not well formed)."""
    label = name or "The file"
    counts = {"part": 0, "measure": 0, "note": 0}
    state = {"depth": 0, "elements": 0, "divisions": 1.0, "tag": None, "text": []}

    def start(tag, attributes):
        state["depth"] += 1
        state["elements"] += 1
        if state["depth"] > MAX_XML_DEPTH:
            raise _Refused(f"nests elements more than {MAX_XML_DEPTH} deep")
        if state["elements"] > MAX_XML_ELEMENTS:
            raise _Refused(f"has more than the {MAX_XML_ELEMENTS} elements accepted")
        limit = _COUNTED.get(tag)
        if limit is not None:
            counts[tag] += 1
            if counts[tag] > limit:
                raise _Refused(f"has more than the {limit} {tag}s accepted")
            if tag == "part":
                state["divisions"] = 1.0
        if tag == "sound" and "tempo" in attributes:
            _number(attributes["tempo"], "sound tempo", 1, 2000)
        if tag in _CHECKED:
            state["tag"], state["text"] = tag, []

    def end(tag):
        state["depth"] -= 1
        if tag != state["tag"]:
            return
        text = "".join(state["text"]).strip()
        state["tag"] = None
        if tag in _NUMBERS:
            if tag in _WORDS_ALLOWED and not _is_number(text):
                return  # 'c. 120' is a tempo in words: music21 keeps it as text
            value = _number(text, tag, *_NUMBERS[tag])
            if tag == "divisions":
                state["divisions"] = value
        elif tag in _DURATIONS:
            quarters = _number(text, tag, 0, math.inf) / state["divisions"]
            if quarters > MAX_NOTE_QUARTERS:
                raise _Refused(
                    f"has a duration of {quarters:.0f} quarter notes, more than the "
                    f"{MAX_NOTE_QUARTERS} accepted"
                )
        elif tag == "beats":
            if not _BEATS.match(text) or sum(int(b) for b in text.split("+")) > MAX_BEATS:
                raise _Refused(f"has a time signature of {text[:20]!r} beats (at most {MAX_BEATS})")
        elif text not in ("A", "B", "C", "D", "E", "F", "G"):
            raise _Refused(f"has a <{tag}> of {text[:20]!r} (a letter from A to G is expected)")

    def characters(data):
        if state["tag"] is not None:
            state["text"].append(data)
            if sum(len(t) for t in state["text"]) > MAX_TEXT:
                raise _Refused(f"has a <{state['tag']}> longer than {MAX_TEXT} characters")

    def entity(*_):
        raise _Refused("declares XML entities (no score needs them)")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    try:
        parser.Parse(text, True)
    except _Refused as reason:
        raise InputFileError(f"{label} is refused: it {reason}.") from None
    except xml.parsers.expat.ExpatError as error:
        raise InputFileError(
            f"{label} is not well-formed XML ({xml.parsers.expat.ErrorString(error.code)} at "
            f"line {error.lineno}): export it again as MusicXML."
        ) from None
    return counts


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Refused(f"has a <{what}> of {text[:20]!r}, which is no number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise _Refused(f"has a <{what}> of {text[:20]!r}, out of {low:g} … {high:g}")
    return value


__all__ = ["MAX_XML_BYTES", "MAX_XML_NOTES", "score_text", "xml_census"]
