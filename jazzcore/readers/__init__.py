"""Music → :class:`~jazzcore.solo.Solo`: a melody and its chords, cut into 4/4 measures.

* :func:`read_music` — any MIDI (type 0 or 1, with mido) or MusicXML (with music21) file,
  parsed once per content into a :class:`Music`: its parts, each with a
  :class:`PartInfo` (name, instrument, channel, note count, range, polyphony …).
  :func:`list_parts` gives those; :func:`plan_parts` says which parts a Solo takes
  (a :class:`PartPlan`); :func:`load_solo` (or :func:`solo_from_music` on a Music already
  read) makes the Solo: the melody part a musician would pick (or the one chosen by index
  or name), its top line over the chords of the chord symbols, of a chord part, or of
  everything else that sounds.
* :func:`metheny_solo` — the course's own recipe for Pat Metheny's "And Then I Knew", read
  the way music21 read MIDI files in 2016–2018: 18 measures, 193 grammar values, 78 unique.
* :func:`leadsheet_solo` — the lead sheets of music21's own corpus
  (:data:`LEADSHEET_WORKS`), the offline default.

A user's file is parsed in the sandbox (:mod:`jazzcore.sandbox`: a worker process with a
time and memory budget), after its contents were counted against limits while reading
(:mod:`jazzcore.checks` for MIDI, :mod:`.xmlcheck` for MusicXML); music21 parses MusicXML
from its text, never from a path, so its parse cache is never read.

Modules: :mod:`.parts` (the parts and the melody choice), :mod:`.assemble` (the Solo),
:mod:`.midifile` (mido), :mod:`.score` (music21), :mod:`.xmlcheck` (MusicXML's limits),
:mod:`.load` (parse once, in the sandbox), :mod:`.leadsheets`, :mod:`.metheny`.
"""

from __future__ import annotations

from .assemble import ACCOMPANIMENT, CHORD_SYMBOLS, PartPlan, plan_parts, solo_from_music
from .leadsheets import LEADSHEET_WORKS, leadsheet_solo
from .load import clear_music_cache, list_parts, load_solo, read_music
from .metheny import metheny_solo
from .parts import Music, Part, PartInfo, guess_melody_part

__all__ = [
    "ACCOMPANIMENT",
    "CHORD_SYMBOLS",
    "LEADSHEET_WORKS",
    "Music",
    "Part",
    "PartInfo",
    "PartPlan",
    "clear_music_cache",
    "guess_melody_part",
    "leadsheet_solo",
    "list_parts",
    "load_solo",
    "metheny_solo",
    "plan_parts",
    "read_music",
    "solo_from_music",
]
