"""Lead sheets from music21's own corpus: the offline default source.

:data:`LEADSHEET_WORKS` names the works; :func:`leadsheet_solo` reads one with the general
score reader (:func:`jazzcore.readers.score.solo_from_score`). No network is needed: the
works ship inside the music21 package.
"""

from __future__ import annotations

from ..errors import SourceError
from ..solo import Measure, Solo
from .score import as_score, score_title, solo_from_score

LEADSHEET_WORKS = (
    "leadSheet/berlinAlexandersRagtime",
    "leadSheet/fosterBrownHair",
    "joplin/maple_leaf_rag",
    "nottingham-dataset/reelsa-c",
)
"""music21 corpus works with a melody and harmony (chord symbols, or an accompaniment to
chordify) that make the offline "leadsheets" corpus."""

_LEADSHEET_OPTIONS: dict[str, dict] = {
    # a piano rag: the right hand's top notes over the chordified left hand
    "joplin/maple_leaf_rag": {
        "melody_part": 0,
        "chord_part": 1,
        "title": "Maple Leaf Rag (Scott Joplin)",
    },
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
    scores = list(work.scores) if isinstance(work, stream.Opus) else [as_score(work)]
    options = _LEADSHEET_OPTIONS.get(corpus_name, {})
    measures: list[Measure] = []
    first = None
    for score in scores:
        solo = solo_from_score(score, **options)
        first = first or solo
        # the tunes follow each other: number their measures on from the last one
        base = measures[-1].number + 1 - solo.measures[0].number if measures else 0
        measures += [Measure(m.number + base, m.notes, m.chords) for m in solo.measures]
    title = options.get("title") or "; ".join(score_title(score, corpus_name) for score in scores)
    return Solo(
        measures,
        title=title,
        melody_part=first.melody_part,
        chord_source=first.chord_source,
        tempo_bpm=first.tempo_bpm,
    )
