"""Where a solo comes from: the course's Metheny file, music21's lead sheets, or the user's file.

* ``"metheny"`` — Pat Metheny, "And Then I Knew", the MIDI the course and deepjazz train on.
  It is not shipped: like a Keras dataset it is downloaded on first use, checked against
  its SHA-256 and kept in the cache folder (``data/`` of the project, or ``$JAZZCORE_CACHE``).
* ``"leadsheets"`` — lead sheets with chord symbols from music21's own corpus: the offline
  default, needs no network.
* a path to a MIDI (``.mid``/``.midi``) or MusicXML (``.xml``/``.musicxml``/``.mxl``) file,
  a folder of them, or a ``.zip`` archive of them (a corpus of several files).

The course's file is recognised by its bytes (SHA-256), never by its name. ``JAZZCORE_OFFLINE=1``
forbids every network access. Every file is checked before any parser sees it (size, type by
its first bytes, counts of its contents: :mod:`jazzcore.checks`), so a wrong, truncated,
empty or huge file gives a one-line :class:`~jazzcore.errors.InputFileError` instead of a
parser traceback or a hang. MIDI data bytes out of 0 … 127 are clipped rather than refused.

The *store* (:func:`store_file`, ``<cache>/uploads/``) keeps music files by their SHA-256:
the app's uploads (a zip archive of several as it came, ``.zip``), and each file a corpus was read from, so that a model's record of its
corpus (names and hashes, never paths) finds the bytes again.

Why this module is long: every way a file reaches jazzcore — the download, a path, a
folder, an archive, the store — is here, so that each is checked the same way.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import mido

from .checks import (
    MAX_FILE_BYTES,
    check_size,
    file_kind,
    open_zip,
    read_member,
    scan_midi,
    zip_names,
)
from .errors import ChecksumError, InputFileError, OutputError, ParameterError, SourceError

METHENY_URL = "https://raw.githubusercontent.com/jisungk/deepjazz/master/midi/original_metheny.mid"
METHENY_SHA256 = "0da8322ceab36b036682b5ece0c315193f7b701a3340a0ca5a523b107c6f428d"
METHENY_SIZE = 92_549
METHENY_FILENAME = "original_metheny.mid"
METHENY_LABEL = 'Pat Metheny, "And Then I Knew" (the course\'s solo)'
"""The Metheny source's name in the app and the CLI (a corpus's ``name``)."""
METHENY_WHOLE_LABEL = 'Pat Metheny, "And Then I Knew" (the whole song)'
"""Its name when read as a whole song by the general reader, or with parts chosen."""

MIDI_SUFFIXES = (".mid", ".midi")
MUSICXML_SUFFIXES = (".xml", ".musicxml", ".mxl")
ARCHIVE_SUFFIXES = (".zip",)

MAX_CORPUS_FILES = 200
"""Most music files a folder or a zip archive may hold to be read as one corpus."""
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
"""Largest total size of a zip archive's music files once unpacked (bytes)."""

MAX_PATH_CHARS = 4096
"""Longest path accepted (Linux's PATH_MAX); a longer one is a one-line error."""

STORE_FOLDER = "uploads"
"""The store's folder in the cache: music files named ``<sha256[:16]>.<ext>``."""

DOWNLOAD_TIMEOUT_S = 30


def offline() -> bool:
    """True when ``JAZZCORE_OFFLINE`` forbids network access (any value but '', '0', 'false')."""
    return os.environ.get("JAZZCORE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def cache_dir() -> Path:
    """The download cache: ``$JAZZCORE_CACHE`` or the project's ``data/`` folder."""
    env = os.environ.get("JAZZCORE_CACHE")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


def sha256_of(data_or_path: bytes | str | Path) -> str:
    """SHA-256 (hex) of bytes or of a file's contents."""
    if isinstance(data_or_path, bytes | bytearray):
        return hashlib.sha256(data_or_path).hexdigest()
    digest = hashlib.sha256()
    with open(data_or_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def download_file(url: str, target: Path, sha256: str, *, max_bytes: int = MAX_FILE_BYTES) -> Path:
    """Download ``url`` to ``target`` if ``target`` is not already there with the right SHA-256.

    The bytes go to a temporary file beside the target and are renamed into place only
    after their SHA-256 matched, so a failed or wrong download never poisons the cache.
    Raises SourceError (offline, network failure) or ChecksumError (wrong bytes).
    """
    target = Path(target)
    if target.is_file():
        if sha256_of(target) == sha256:
            return target
        target.unlink()  # a stale or damaged copy: fetch it again rather than trust it
    if offline():
        raise SourceError(
            f"{target.name} is not in the cache and JAZZCORE_OFFLINE=1 forbids downloading it: "
            f"put a copy at {target} or choose the 'leadsheets' source."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            data = response.read(max_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(
            f"Could not download {target.name} from {url} ({reason}): check the network, "
            f"or put a copy at {target}."
        ) from None
    if len(data) > max_bytes:
        raise SourceError(f"The download from {url} is larger than {max_bytes} bytes: refused.")
    got = sha256_of(data)
    if got != sha256:
        raise ChecksumError(
            f"The file downloaded from {url} has SHA-256 {got[:12]}…, not the expected "
            f"{sha256[:12]}…: it was not saved; try again later or put a verified copy at {target}."
        )
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def metheny_path(*, url: str = METHENY_URL, directory: str | Path | None = None) -> Path:
    """The course's Metheny MIDI in the cache, downloaded and verified on first use."""
    folder = Path(directory) if directory is not None else cache_dir()
    return download_file(url, folder / METHENY_FILENAME, METHENY_SHA256)


def metheny_cached(directory: str | Path | None = None) -> bool:
    """True if a verified copy of the Metheny file is in the cache (no network needed)."""
    path = (Path(directory) if directory is not None else cache_dir()) / METHENY_FILENAME
    return path.is_file() and sha256_of(path) == METHENY_SHA256


# ---------------------------------------------------------------------------------------
# A user's path, and the file at it


def as_path(path, what: str = "file") -> Path:
    """``path`` (a str or os.PathLike) as a Path, its ``~`` expanded: a ParameterError for
    another type, SourceError for a path too long or with a NUL byte."""
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise ParameterError(f"A {what} path must be a str or a Path, not {type(path).__name__}.")
    text = os.fspath(path)
    if not isinstance(text, str) or "\0" in text or len(text) > MAX_PATH_CHARS:
        raise SourceError(
            f"This {what} path is not usable (too long, or a NUL byte in it): check the path."
        )
    try:
        return Path(text).expanduser()
    except RuntimeError:  # '~someone' for an unknown user
        return Path(text)


def _stat(path: Path):
    """os.stat_result of ``path``, or None if nothing is there; SourceError when the
    system cannot look (a name too long, no permission …)."""
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise SourceError(f"Cannot look at {path}: {reason}.") from None


def _checked_path(path: str | Path) -> Path:
    """The path, once it names an existing file of at most MAX_FILE_BYTES (nothing is read)."""
    path = as_path(path)
    found = _stat(path)
    if found is None:
        raise SourceError(f"There is no file at {path}: check the path.")
    if not path.is_file():
        raise SourceError(f"{path} is a folder, not a file: give the path of a .mid or .xml file.")
    size = found.st_size
    if size > MAX_FILE_BYTES:
        raise InputFileError(
            f"{path.name} is {size / 1e6:.1f} MB, more than the {MAX_FILE_BYTES // (1024 * 1024)} MB "
            "accepted: a solo's MIDI is usually under 100 KB; cut the file to the solo."
        )
    return path


def _unreadable(path: Path, error: OSError) -> InputFileError:
    return InputFileError(f"Cannot read {path.name}: {error.strerror or error}.")


def read_checked(path: str | Path) -> tuple[Path, bytes]:
    """The path and the bytes of an existing file of at most MAX_FILE_BYTES (checked
    before reading); SourceError (no such file, a folder) or InputFileError (too big)."""
    path = _checked_path(path)
    try:
        return path, path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error) from None


def check_music_file(path: str | Path) -> tuple[str, bytes]:
    """Check a file is a MIDI, MusicXML or zip file of acceptable size: returns (kind, bytes).

    Raises SourceError if the path does not exist, InputFileError if the file is empty,
    too big, of another type, or a corrupt MIDI.
    """
    path, data = read_checked(path)
    kind = file_kind(data, path.name)
    if kind == "midi":
        scan_midi(data, path.name)
    return kind, data


def read_midi_file(path: str | Path) -> mido.MidiFile:
    """The MIDI file at ``path`` as mido reads it, after the checks of :func:`check_music_file`.

    Raises SourceError if the path does not exist, InputFileError if the file is not a MIDI
    file (a MusicXML file included) or is empty, too big or corrupt.
    """
    path, data = read_checked(path)
    if file_kind(data, path.name) != "midi":
        raise InputFileError(f"{path.name} is not MIDI: read it with load_solo.")
    return scan_midi(data, path.name)


# ---------------------------------------------------------------------------------------
# Several files: a folder or a zip archive


def _is_music_name(name: str) -> bool:
    hidden = any(p.startswith((".", "__MACOSX")) for p in PurePosixPath(name).parts)
    return not hidden and PurePosixPath(name).suffix.lower() in MIDI_SUFFIXES + MUSICXML_SUFFIXES


def archive_members(data: bytes, name: str = "") -> list[tuple[str, bytes]]:
    """(member name, bytes) of the music files in a zip archive, by name.

    Hidden files and folders (``.x``, ``__MACOSX``) are skipped. InputFileError if the
    archive is damaged, lists too many entries (:func:`jazzcore.checks.open_zip`), holds
    no music file, more than MAX_CORPUS_FILES of them, a file over MAX_FILE_BYTES or more
    than MAX_ARCHIVE_BYTES in all (checked in its directory before unpacking, and again
    while unpacking).
    """
    label = name or "The archive"
    with open_zip(data, label) as archive:
        infos = sorted(
            (i for i in archive.infolist() if not i.is_dir() and _is_music_name(i.filename)),
            key=lambda i: i.filename,
        )
        if not infos:
            raise InputFileError(
                f"{label} holds no MIDI or MusicXML file: put .mid, .midi, .xml, .musicxml "
                "or .mxl files in it."
            )
        if len(infos) > MAX_CORPUS_FILES:
            raise InputFileError(
                f"{label} holds {len(infos)} music files, more than the {MAX_CORPUS_FILES} "
                "a corpus may have: split it."
            )
        big = next((i for i in infos if i.file_size > MAX_FILE_BYTES), None)
        if big is not None or sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
            raise InputFileError(
                f"{label} unpacks to more than {MAX_ARCHIVE_BYTES // (1024 * 1024)} MB "
                f"or holds a file over {MAX_FILE_BYTES // (1024 * 1024)} MB: refused."
            )
        members, total = [], 0
        for info in infos:
            member = read_member(
                archive, info, min(MAX_FILE_BYTES, MAX_ARCHIVE_BYTES - total), label
            )
            total += len(member)
            members.append((info.filename, member))
        return members


def folder_files(folder: str | Path) -> list[Path]:
    """The music files of a folder and its subfolders, by relative path (hidden ones left
    out). SourceError if there is none, InputFileError for more than MAX_CORPUS_FILES."""
    folder = as_path(folder, "folder")
    try:
        files = sorted(
            (
                p
                for p in folder.rglob("*")
                if _is_music_name(p.relative_to(folder).as_posix()) and p.is_file()
            ),
            key=lambda p: p.relative_to(folder).as_posix(),
        )
    except OSError as error:
        raise SourceError(f"Cannot list {folder}: {error.strerror or error}.") from None
    if not files:
        raise SourceError(
            f"{folder} holds no MIDI or MusicXML file: put .mid, .midi, .xml, .musicxml or "
            ".mxl files in it."
        )
    if len(files) > MAX_CORPUS_FILES:
        raise InputFileError(
            f"{folder} holds {len(files)} music files, more than the {MAX_CORPUS_FILES} a "
            "corpus may have: choose a smaller folder."
        )
    return files


def is_metheny(path: str | Path) -> bool:
    """True if the file holds the course's Metheny bytes, whatever its name (its size is
    checked before its hash, so a large file is never read for this)."""
    path = as_path(path)
    found = _stat(path)
    return (
        found is not None
        and path.is_file()
        and found.st_size == METHENY_SIZE
        and sha256_of(path) == METHENY_SHA256
    )


@dataclass(frozen=True)
class SourceSpec:
    """A resolved corpus source.

    kind: 'metheny' (the course's file, named or recognised by its SHA-256), 'leadsheets',
    'file', 'folder' or 'archive' (a zip of music files).
    path: the file or folder to read (None for 'leadsheets').
    label: a human name for the app and the README.
    """

    kind: str
    path: Path | None
    label: str


def resolve_source(source: str | Path | None = None) -> SourceSpec:
    """Turn ``None``/'metheny'/'leadsheets'/a path into a :class:`SourceSpec`.

    'metheny' (and None, the course's default) downloads the file on first use; a file
    holding the same bytes is 'metheny' too, whatever it is called.
    Raises SourceError for an unknown name or a missing path.
    """
    if source is None or (isinstance(source, str) and source.strip().lower() == "metheny"):
        return SourceSpec("metheny", metheny_path(), METHENY_LABEL)
    if isinstance(source, str) and source.strip().lower() == "leadsheets":
        return SourceSpec("leadsheets", None, "Lead sheets from music21's corpus (offline)")
    path = as_path(source, "source")
    suffixes = MIDI_SUFFIXES + MUSICXML_SUFFIXES + ARCHIVE_SUFFIXES
    found = _stat(path)
    if path.suffix.lower() in suffixes or found is not None:
        if found is None:
            raise SourceError(f"There is no file at {path}: check the path.")
        if path.is_dir():
            return SourceSpec("folder", path, path.name or str(path))
        if is_metheny(path):
            return SourceSpec("metheny", path, METHENY_LABEL)
        if path.suffix.lower() in ARCHIVE_SUFFIXES:
            return SourceSpec("archive", path, path.name)
        return SourceSpec("file", path, path.name)
    raise SourceError(
        f"Unknown source '{source}': use 'metheny', 'leadsheets' or the path of a "
        ".mid, .midi, .xml, .musicxml or .mxl file, a folder of them or a .zip of them."
    )


# ---------------------------------------------------------------------------------------
# The store: music files kept by their hash


def store_dir() -> Path:
    """The store: ``<cache>/uploads`` (see :func:`cache_dir`)."""
    return cache_dir() / STORE_FOLDER


def store_name(data: bytes) -> str:
    """A file's name in the store: ``<sha256[:16]>`` and the suffix of its kind
    (.mid, .mxl, .musicxml, or .zip for an archive of music files, whose directory is
    checked: :func:`jazzcore.checks.open_zip`). InputFileError if the bytes are no music
    file or a damaged zip."""
    kind = file_kind(check_size(data))
    if kind == "zip":
        zip_names(data)  # a damaged or overlong directory: refused before it is kept
        return sha256_of(data)[:16] + ".zip"
    suffix = ".mid" if kind == "midi" else ".mxl" if data[:4] == b"PK\x03\x04" else ".musicxml"
    return sha256_of(data)[:16] + suffix


def store_file(data: bytes, name: str = "", directory: str | Path | None = None) -> Path:
    """Keep a music file in the store (``directory``, by default :func:`store_dir`) under
    :func:`store_name`; the same bytes are kept once. Only its size and kind are checked
    here (nothing parses it: :func:`jazzcore.readers.read_music` does, in the sandbox).
    InputFileError if it is too big or no music file; OutputError if it cannot be written.
    """
    try:
        file_name = store_name(data)
    except InputFileError as error:
        raise InputFileError(f"{name}: {error}" if name else str(error)) from None
    folder = Path(directory) if directory is not None else store_dir()
    path = folder / file_name
    try:
        if path.is_file() and path.stat().st_size == len(data):
            return path
        folder.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(prefix=file_name, suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(part, path)  # whole or not at all, whoever writes the same bytes
        finally:
            if os.path.exists(part):
                os.unlink(part)
    except OSError as error:
        raise OutputError(
            f"Cannot keep {name or 'the file'} in {folder}: {error.strerror or error}."
        ) from None
    return path


def stored_files(sha256: str) -> list[Path]:
    """The files in the store that may hold the bytes with this SHA-256 (by the name; the
    caller checks the bytes)."""
    if not isinstance(sha256, str) or len(sha256) != 64 or sha256.strip("0123456789abcdef"):
        return []
    try:
        return sorted(store_dir().glob(f"{sha256[:16]}.*"))
    except OSError:
        return []
