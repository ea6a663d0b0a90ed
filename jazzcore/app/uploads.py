"""A user's uploaded music file: checked, then stored under its hash. No Streamlit here."""

from __future__ import annotations

import os
from pathlib import Path

from jazzcore import sources
from jazzcore.errors import InputFileError
from jazzcore.readers import PartInfo


def save_upload(data: bytes, filename: str, directory: str | Path | None = None) -> Path:
    """Check an uploaded music file and store it as ``<directory>/<sha256[:16]><suffix>``
    (by default the download cache's ``uploads`` folder); the same bytes are stored once.

    Raises InputFileError (empty, too big, not MIDI/MusicXML, corrupt MIDI) with the
    one-line message the app shows; nothing is stored then.
    """
    if len(data) > sources.MAX_FILE_BYTES:
        raise InputFileError(
            f"{filename} is {len(data) / 1e6:.1f} MB, more than the "
            f"{sources.MAX_FILE_BYTES // (1024 * 1024)} MB accepted: cut the file to the solo."
        )
    if sources.file_kind(data, filename) == "midi":
        sources.scan_midi(data, filename)
        suffix = ".mid"
    else:
        suffix = ".mxl" if data[:4] == b"PK\x03\x04" else ".musicxml"
    folder = Path(directory) if directory is not None else sources.cache_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sources.sha256_of(data)[:16]}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


def part_label(part: PartInfo) -> str:
    """How the part pickers name a part: '2: Guitar (312 notes)', ', drums' for drums."""
    drums = ", drums" if part.is_drum else ""
    return f"{part.index}: {part.name or 'unnamed'} ({part.note_count} notes{drums})"
