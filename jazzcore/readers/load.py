"""A music file → :class:`~.parts.Music`, parsed once; → its parts; → a Solo.

:func:`read_music` is the one entry for a file's bytes: it checks them (see
:mod:`jazzcore.sources`), reads MIDI with mido (:mod:`.midifile`) and MusicXML with music21
(:mod:`.score`), and keeps the result by the bytes' SHA-256, so the same bytes are parsed
once whatever the file is called and however many times the parts are changed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from .. import sources
from ..errors import InputFileError
from ..solo import Solo
from .assemble import solo_from_music
from .midifile import read_midi
from .parts import Music, PartInfo
from .score import music_from_score, read_musicxml

MUSIC_CACHE_SIZE = 32
"""Files kept parsed in memory (a parsed file of 2,000 notes is a few hundred KB)."""

_MUSIC: OrderedDict[str, Music] = OrderedDict()


def clear_music_cache() -> None:
    """Forget every parsed file: the next :func:`read_music` parses again."""
    _MUSIC.clear()


def read_music(source: str | Path | bytes, name: str = "") -> Music:
    """A music file's parts, parsed once per content.

    source: a path, or the file's bytes (an upload; ``name`` then gives its file name,
    which only words the messages). MIDI (.mid, .midi) and MusicXML (.xml, .musicxml,
    .mxl) are recognised by their bytes. Raises SourceError (no such file) or
    InputFileError (empty, too big, not music, unreadable, a zip of several files).
    """
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        if len(data) > sources.MAX_FILE_BYTES:
            raise InputFileError(
                f"{name or 'The file'} is {len(data) / 1e6:.1f} MB, more than the "
                f"{sources.MAX_FILE_BYTES // (1024 * 1024)} MB accepted: cut it to the solo."
            )
    else:
        path, data = sources.read_checked(source)
        name = name or path.name
    sha = sources.sha256_of(data)
    music = _MUSIC.get(sha)
    if music is None:
        kind = sources.file_kind(data, name)
        if kind == "zip":
            raise InputFileError(
                f"{name or 'The file'} is a zip archive of several files: read it as a "
                "corpus with load_corpus."
            )
        reader = read_midi if kind == "midi" else read_musicxml
        music = reader(data, name, sha)
        _MUSIC[sha] = music
        while len(_MUSIC) > MUSIC_CACHE_SIZE:
            _MUSIC.popitem(last=False)
    _MUSIC.move_to_end(sha)
    return music if music.name == name else replace(music, name=name)


def list_parts(source) -> list[PartInfo]:
    """One :class:`~.parts.PartInfo` per part of a file (a path or bytes, see
    :func:`read_music`), of a :class:`~.parts.Music`, or of a music21 Score."""
    if isinstance(source, Music):
        return source.infos
    if isinstance(source, str | Path | bytes | bytearray):
        return read_music(source).infos
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
    music = source if isinstance(source, Music) else read_music(source)
    return solo_from_music(music, melody_part=melody_part, chord_part=chord_part, measures=measures)
