"""A music file → :class:`~.parts.Music`, parsed once; → its parts; → a Solo.

:func:`read_music` is the one entry for a file's bytes: it checks their size and kind
here (:mod:`jazzcore.checks`), then reads them in the sandbox (:mod:`jazzcore.sandbox`: a
worker process with a time and memory budget) — MIDI with mido (:mod:`.midifile`),
MusicXML with music21 (:mod:`.score`), each after counting what the file holds — and
keeps the result by the bytes' SHA-256, so the same bytes are parsed once whatever the
file is called and however many times the parts are changed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from .. import sandbox, sources
from ..checks import check_size, file_kind
from ..errors import InputFileError, ParameterError
from ..solo import Solo
from .assemble import solo_from_music
from .midifile import read_midi
from .parts import Music, Note, Part, PartInfo, Symbol
from .score import music_from_score, read_musicxml

MUSIC_CACHE_SIZE = 32
"""Files kept parsed in memory (a parsed file of 2,000 notes is a few hundred KB)."""
MUSIC_CACHE_NOTES = 400_000
"""Notes kept parsed in memory in all (about 100 MB): big files push out the oldest."""

_MUSIC: OrderedDict[str, Music] = OrderedDict()

RESULT_TYPES = (Music, Part, PartInfo, Note, Symbol)
"""The classes a parse's result is made of: all the sandbox builds from a worker's reply."""
MUSICXML_MODULES = ("music21.musicxml.xmlToM21",)
"""Imported once in the sandbox's zygote before it forks a MusicXML reader."""


def clear_music_cache() -> None:
    """Forget every parsed file: the next :func:`read_music` parses again."""
    _MUSIC.clear()


def parse_music(kind: str, data: bytes, name: str, sha256: str) -> Music:
    """Parse checked bytes of a kind ('midi' or 'musicxml') here, in this process: what
    the sandbox's worker runs. Call :func:`read_music`, which runs it in the worker."""
    reader = read_midi if kind == "midi" else read_musicxml
    return reader(data, name, sha256)


def read_music(source: str | Path | bytes, name: str = "") -> Music:
    """A music file's parts, parsed once per content, in the sandbox.

    source: a path, or the file's bytes (an upload; ``name`` then gives its file name,
    which only words the messages). MIDI (.mid, .midi) and MusicXML (.xml, .musicxml,
    .mxl) are recognised by their bytes. The parse runs in a worker process with
    :data:`jazzcore.sandbox.DEFAULT_BUDGET` (8 s, 512 MB), except for the course's Metheny
    bytes (known by their SHA-256), read here. Raises SourceError (no such file),
    ParameterError (a source of another type) or InputFileError (empty, too big, not
    music, unreadable, too slow or too big to read, a zip of several files).
    """
    if isinstance(source, bytes | bytearray):
        data = check_size(bytes(source), name)
    else:
        path, data = sources.read_checked(source)
        name = name or path.name
    if not isinstance(name, str):
        name = ""
    sha = sources.sha256_of(data)
    music = _MUSIC.get(sha)
    if music is None:
        kind = file_kind(data, name)
        if kind == "zip":
            raise InputFileError(
                f"{name or 'The file'} is a zip archive of several files: read it as a "
                "corpus with load_corpus."
            )
        if sha == sources.METHENY_SHA256:  # the course's file, verified: no worker needed
            music = parse_music(kind, data, name, sha)
        else:
            music = sandbox.run(
                parse_music,
                kind,
                data,
                name,
                sha,
                label=name or "The file",
                result_types=RESULT_TYPES,
                preload=MUSICXML_MODULES if kind == "musicxml" else (),
            )
        _MUSIC[sha] = music
        while len(_MUSIC) > 1 and (
            len(_MUSIC) > MUSIC_CACHE_SIZE
            or sum(_note_count(m) for m in _MUSIC.values()) > MUSIC_CACHE_NOTES
        ):
            _MUSIC.popitem(last=False)
    _MUSIC.move_to_end(sha)
    return music if music.name == name else replace(music, name=name)


def _note_count(music: Music) -> int:
    return sum(len(part.notes) for part in music.parts)


def list_parts(source) -> list[PartInfo]:
    """One :class:`~.parts.PartInfo` per part of a file (a path or bytes, see
    :func:`read_music`), of a :class:`~.parts.Music`, or of a music21 Score."""
    if isinstance(source, Music):
        return source.infos
    if isinstance(source, str | Path | bytes | bytearray):
        return read_music(source).infos
    from music21 import stream

    if not isinstance(source, stream.Stream):
        raise ParameterError(
            f"list_parts needs a file's path or bytes, a Music or a music21 stream, "
            f"not {type(source).__name__}."
        )
    return music_from_score(source).infos


def load_solo(
    source: str | Path | bytes | Music,
    *,
    melody_part: int | str | None = None,
    chord_part: int | str | None = None,
    measures: tuple[int, int] | None = None,
) -> Solo:
    """A Solo from a MIDI or MusicXML file (a path or its bytes) or a parsed Music.

    The options are those of :func:`~.assemble.solo_from_music`. Raises SourceError (no
    such file), InputFileError (not readable music), MelodyError or ParameterError.
    """
    if not isinstance(source, Music | str | Path | bytes | bytearray):
        raise ParameterError(
            f"load_solo needs a file's path or bytes or a Music, not {type(source).__name__}."
        )
    music = source if isinstance(source, Music) else read_music(source)
    return solo_from_music(music, melody_part=melody_part, chord_part=chord_part, measures=measures)
