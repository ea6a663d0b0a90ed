"""Music → :class:`~jazzcore.solo.Solo`: a melody and its chords, cut into 4/4 measures.

Three readers, one module each:

* :mod:`.metheny` — :func:`metheny_solo`, the course's own recipe for Pat Metheny's "And
  Then I Knew", read the way music21 read MIDI files in 2016–2018: 18 measures, 193
  grammar values, 78 unique values.
* :mod:`.score` — :func:`load_solo` for any MIDI or MusicXML file: the melody part is
  guessed (:func:`list_parts` shows the evidence, one :class:`PartInfo` per part) or
  chosen by index or name; the chords come from chord symbols, a chord part, or the
  chordified accompaniment.
* :mod:`.leadsheets` — :func:`leadsheet_solo` for the lead sheets of music21's own corpus
  (:data:`LEADSHEET_WORKS`), the offline default.
"""

from __future__ import annotations

from .leadsheets import LEADSHEET_WORKS, leadsheet_solo
from .metheny import metheny_solo
from .score import PartInfo, list_parts, load_solo

__all__ = [
    "LEADSHEET_WORKS",
    "PartInfo",
    "leadsheet_solo",
    "list_parts",
    "load_solo",
    "metheny_solo",
]
