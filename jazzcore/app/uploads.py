"""A visitor's uploaded music: kept in jazzcore's store, named for people, its parts in words.

One file is kept as it came (:func:`jazzcore.sources.store_file`: by the SHA-256 of its
bytes, a .zip archive of solos included); several files dropped at once are packed into
one .zip archive first, under their own names, so that they become one corpus of several
files like any archive (:func:`jazzcore.dataset.load_corpus`). Nothing here parses music:
the pages read a kept upload through the library's sandboxed, cached reader. No Streamlit
here.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from jazzcore import sources
from jazzcore.checks import check_size, file_kind
from jazzcore.dataset import Corpus, CorpusSource
from jazzcore.errors import InputFileError, JazzcoreError, ParameterError
from jazzcore.readers import Music, PartInfo, plan_parts
from jazzcore.readers.parts import melody_candidates
from jazzcore.theory import pitch_name

SEVERAL_FILES = "your files"
"""How a corpus of several uploaded files is named (then '(3 files)')."""
PACKED_AT = (1980, 1, 1, 0, 0, 0)
"""The time stamp of every file packed: the same files give the same archive (one hash)."""


@dataclass(frozen=True)
class Upload:
    """An upload kept in the store.

    path: the stored file (a music file, or a .zip archive of several). name: its name for
    people (the file's own name; SEVERAL_FILES for several files). files: how many files
    were uploaded at once. metheny: it holds the course's Metheny bytes (by SHA-256).
    """

    path: str
    name: str
    files: int = 1
    metheny: bool = False

    @property
    def is_archive(self) -> bool:
        """True for a corpus of several files (a .zip uploaded, or several files packed)."""
        return Path(self.path).suffix == ".zip"


def keep_upload(files: Sequence[tuple[str, bytes]], directory: str | Path | None = None) -> Upload:
    """Keep what a visitor uploaded at once — (file name, bytes) pairs — in the store
    (``directory``, by default :func:`jazzcore.sources.store_dir`).

    One file is stored as it is (a MIDI or MusicXML file, or a .zip archive of them);
    several are packed into one .zip archive, each under its own name (a .zip among them
    adds its music files under a folder of its name). InputFileError (empty, too big, not
    music, a damaged archive, too many files or bytes) or ParameterError (no file), with
    the one-line message the app shows; nothing is stored then.
    """
    if not files:
        raise ParameterError("No file was uploaded: choose a MIDI, MusicXML or .zip file.")
    if len(files) > sources.MAX_CORPUS_FILES:
        raise InputFileError(
            f"{len(files)} files uploaded at once, more than the {sources.MAX_CORPUS_FILES} "
            "a corpus may have: upload fewer."
        )
    if sum(len(data) for _, data in files) > sources.MAX_ARCHIVE_BYTES:
        raise InputFileError(
            f"The {len(files)} files are more than "
            f"{sources.MAX_ARCHIVE_BYTES // (1024 * 1024)} MB together: upload fewer."
        )
    if len(files) == 1:
        name, data = files[0]
        path = sources.store_file(data, name, directory)
        return Upload(str(path), name, 1, sources.is_metheny(path))
    packed = pack(files)
    if len(packed) > sources.MAX_FILE_BYTES:
        raise InputFileError(
            f"The {len(files)} files are {len(packed) / 1e6:.1f} MB packed, more than the "
            f"{sources.MAX_FILE_BYTES // (1024 * 1024)} MB a corpus upload may be: upload fewer."
        )
    path = sources.store_file(packed, SEVERAL_FILES, directory)
    return Upload(str(path), SEVERAL_FILES, len(files))


def pack(files: Sequence[tuple[str, bytes]]) -> bytes:
    """One .zip archive (deflated) of several uploaded files, in the order given, each under
    its base name (a second 'a.mid' becomes 'a (2).mid'); a .zip among them gives its music
    files (:func:`jazzcore.sources.archive_members`) under a folder of its name; the same
    files give the same bytes. A file
    that is no music is packed too: reading the corpus skips it and says why.
    InputFileError for a damaged archive among them."""
    members: list[tuple[str, bytes]] = []
    for name, data in files:
        base = PurePosixPath(name.replace("\\", "/")).name or "file"
        try:
            kind = file_kind(check_size(data, base), base)
        except InputFileError:
            kind = "other"  # packed all the same: the corpus names it among the files skipped
        if kind == "zip":
            folder = PurePosixPath(base).stem or "archive"
            members += [(f"{folder}/{m}", b) for m, b in sources.archive_members(data, base)]
        else:
            members.append((base, data))
    buffer, used = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            unique, k = name, 1
            while unique.lower() in used:
                k += 1
                stem = PurePosixPath(name)
                unique = str(stem.with_name(f"{stem.stem} ({k}){stem.suffix}"))
            used.add(unique.lower())
            entry = zipfile.ZipInfo(unique, date_time=PACKED_AT)  # the same files, the same bytes
            archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def in_words(text: str, upload: Upload) -> str:
    """``text`` (a corpus's name, an error's message) with the stored file's name
    ('0da8322ceab36b03.mid', and its stem, a title of last resort) as people named it."""
    stored = PurePosixPath(Path(upload.path).name)
    text = text.replace(stored.name, upload.name)
    return text.replace(stored.stem, PurePosixPath(upload.name).stem)


def named(corpus: Corpus, upload: Upload) -> Corpus:
    """The corpus under the upload's name: the library names it by the stored file
    ('0da8322ceab36b03.mid (2 files)'), people by theirs ('solos.zip (2 files)'; the
    Metheny file keeps the course's name)."""
    name = in_words(corpus.name, upload).replace("(1 files", "(1 file")
    return corpus if name == corpus.name else replace(corpus, name=name)


def named_error(error: JazzcoreError, upload: Upload) -> JazzcoreError:
    """The same error, of the same class, its message naming the file as people do."""
    return type(error)(in_words(str(error), upload))


def part_label(part: PartInfo) -> str:
    """How the part pickers name a part: '2: Trumpet — 312 notes, E4–C6'; drums and parts
    without pitched notes say so."""
    name = part.name or part.instrument or "unnamed"
    if part.is_drum:
        return f"{part.index}: {name} — {part.note_count} notes, drums"
    if part.lowest is None:
        symbols = f"{part.chord_symbols} chord symbols" if part.chord_symbols else "no notes"
        return f"{part.index}: {name} — {symbols}"
    span = f"{pitch_name(part.lowest)}–{pitch_name(part.highest)}"
    return f"{part.index}: {name} — {part.note_count} notes, {span}"


def automatic_choice(music: Music, *, course_recipe: bool = False) -> str:
    """What the automatic choice of parts takes, and why, in one line for the sidebar.

    course_recipe: the file is the course's Metheny file read the course's way (no part
    chosen, not the whole song). MelodyError or ParameterError (from
    :func:`jazzcore.readers.plan_parts`) when no part can be the melody.
    """
    if course_recipe:
        return (
            "Automatic: the course's own reading of this file — the guitar's 18 measures of "
            "solo over the piano's chords (78 values). Pick parts, or read the whole song, "
            "for the general reader."
        )
    plan = plan_parts(music)
    infos = music.infos
    info = infos[plan.melody]
    return (
        f"Automatic: melody {info.label} — {melody_reasons(info, infos)}; "
        f"chords: {plan.chord_source}."
    )


def melody_reasons(info: PartInfo, infos: list[PartInfo]) -> str:
    """Why the melody part was picked, from what the choice weighs (its top line's
    register and notes, the measures it plays in, one note at a time, its name)."""
    candidates = melody_candidates(infos)
    facts = []
    if len(candidates) == 1:
        facts.append("the only part that plays a tune")
    else:
        if info.line_mean == max(c.line_mean or 0.0 for c in candidates):
            facts.append("the highest line")
        if info.line_count == max(c.line_count for c in candidates):
            facts.append("the most notes")
    around = pitch_name(round(info.line_mean)) if info.line_mean is not None else "?"
    facts.append(f"{info.line_count} notes around {around}")
    facts.append(f"in {info.coverage:.0%} of the measures")
    facts.append("one note at a time" if info.is_melody_like else "its top line")
    if any(c.is_bass for c in infos) and not info.is_bass:
        facts.append("not the bass")
    return ", ".join(facts)


def solo_rows(corpus: Corpus) -> list[dict]:
    """One row per solo of a corpus: the file it came from (a lead sheet's title), its
    measures and grammar values, its melody part and where its chords come from."""
    record = CorpusSource.from_record(corpus.source) if corpus.source else None
    names = [f.name for f in record.files] if record is not None and record.kind == "files" else []
    if len(names) != len(corpus.solos):
        names = [solo.title for solo in corpus.solos]
    return [
        {
            "file": name,
            "measures": len(solo.measures),
            "values": length,
            "melody": solo.melody_part,
            "chords": solo.chord_source,
        }
        for name, solo, length in zip(names, corpus.solos, corpus.solo_lengths, strict=True)
    ]
