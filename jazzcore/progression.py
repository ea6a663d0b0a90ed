"""Typed chord progressions → :class:`~jazzcore.solo.ChordTimeline`.

A progression is written the way a lead sheet reads, bars separated by ``|`` and the
chords of a bar by spaces::

    Dm7 G7 | Cmaj7 | A7 | Dm7 G7

Every bar is one 4/4 measure (4 quarter lengths, as the course's measures); the chords of a
bar share it equally (two chords: 2 quarter lengths each). ``%`` repeats the bar before.
Symbols are read by music21's :class:`~music21.harmony.ChordSymbol`, after the spellings
a jazz musician types are translated into music21's: ``Bb7`` → ``B-7`` (music21 writes a
flat as ``-``), ``F#m7b5`` stays, ``C/Bb`` → ``C/B-``, ``♭``/``♯`` → ``-``/``#``, ``Δ`` →
``maj7``, ``ø`` → ``m7b5``, ``°`` → ``dim``.

The chords are voiced for the piano as music21 spells them, moved by octaves so that the
lowest tone lies in octave 3 (MIDI 48–59), the register of the course's Metheny chords.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import ChordSymbolError
from .solo import MEASURE_LENGTH, ChordEvent, ChordTimeline

BASS_LOW = 48
"""MIDI pitch of C3: a voiced chord's lowest tone lies in BASS_LOW … BASS_LOW + 11."""

MAX_BARS = 256
"""Longest progression accepted, in bars (each bar becomes one chord set)."""

_ROOT_RE = re.compile(r"^([A-Ga-g])(b+|#+|-+)?(.*)$")
_UNICODE = {"♭": "b", "♯": "#", "Δ": "maj7", "ø": "m7b5", "°": "dim", "–": "-"}


def _music21_figure(symbol: str) -> str:
    """A jazz chord symbol in music21's spelling: 'Bb7' → 'B-7', 'Ebmaj7/Bb' → 'E-maj7/B-'."""
    text = symbol
    for char, replacement in _UNICODE.items():
        text = text.replace(char, replacement)
    head, slash, bass = text.partition("/")

    def spell_root(part: str) -> str:
        match = _ROOT_RE.match(part)
        if not match:
            return part
        letter, accidental, rest = match.groups()
        accidental = (accidental or "").replace("b", "-")
        return letter.upper() + accidental + rest

    return spell_root(head) + (slash + spell_root(bass) if slash else "")


@lru_cache(maxsize=512)
def _voicing(symbol: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """(MIDI pitches ascending, spelled names) of one chord symbol; ChordSymbolError if unreadable."""
    from music21 import harmony

    figure = _music21_figure(symbol)
    try:
        chord_symbol = harmony.ChordSymbol(figure)
        pitches = list(chord_symbol.pitches)
    except Exception:  # music21 raises ValueError, and others for odd figures
        pitches = []
    if not pitches:
        raise ChordSymbolError(
            f"'{symbol}' is not a chord symbol music21 can read: write e.g. Dm7, G7, Cmaj7, Bb7, F#m7b5."
        )
    midis = [int(round(p.ps)) for p in pitches]
    lowest = min(midis)
    shift = BASS_LOW - lowest + ((lowest - BASS_LOW) % 12)  # octaves that bring it to octave 3
    pairs = sorted((m + shift, p.name) for m, p in zip(midis, pitches, strict=True))
    return tuple(m for m, _ in pairs), tuple(n for _, n in pairs)


def chord_event(symbol: str, offset: float = 0.0, duration: float = MEASURE_LENGTH) -> ChordEvent:
    """One chord symbol as a ChordEvent: offset and duration in quarter lengths."""
    pitches, names = _voicing(symbol)
    return ChordEvent(float(offset), float(duration), pitches, names, symbol)


def parse_progression(text: str) -> ChordTimeline:
    """Read ``'Dm7 G7 | Cmaj7 | A7 | Dm7 G7'`` into a ChordTimeline, one measure per bar.

    Bars are separated by ``|`` (opening and closing bar lines, single or double, are allowed), chords in a
    bar by spaces or commas and share the bar's 4 quarter lengths equally; ``%`` repeats
    the previous bar. An empty progression, an empty bar between bar lines or a symbol
    music21 cannot read raises :class:`~jazzcore.errors.ChordSymbolError` naming it.
    """
    if not isinstance(text, str) or not text.strip():
        raise ChordSymbolError(
            "The chord progression is empty: type bars such as 'Dm7 G7 | Cmaj7'."
        )
    # opening and closing bar lines, single or double ('|| Dm7 | G7 ||'), frame the bars
    inner = text.strip().strip("|").strip()
    bars = inner.split("|") if inner.strip("| ") else []
    if not bars:
        raise ChordSymbolError(
            "The chord progression is empty: type bars such as 'Dm7 G7 | Cmaj7'."
        )
    if len(bars) > MAX_BARS:
        raise ChordSymbolError(
            f"The progression has {len(bars)} bars; at most {MAX_BARS} are allowed."
        )
    measures: list[list[ChordEvent]] = []
    for number, bar in enumerate(bars, start=1):
        symbols = bar.replace(",", " ").split()
        if not symbols:
            raise ChordSymbolError(
                f"Bar {number} of the progression is empty: put a chord (or %) in it."
            )
        if symbols == ["%"]:
            if not measures:
                raise ChordSymbolError("'%' repeats the bar before, but bar 1 has none before it.")
            measures.append(list(measures[-1]))
            continue
        share = MEASURE_LENGTH / len(symbols)
        measures.append([chord_event(s, i * share, share) for i, s in enumerate(symbols)])
    return ChordTimeline(measures)
