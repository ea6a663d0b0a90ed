"""The one exception hierarchy of jazzcore.

Every error a user can cause (a bad file, a bad parameter, an unknown chord, a model
file that does not fit) is raised as a subclass of :class:`JazzcoreError` with a
one-line message that says what is wrong and what to do. The app shows that message
with ``st.error`` and the CLI prints it, so no caller ever needs to show a traceback.
"""

from __future__ import annotations

import os

MAX_MESSAGE_CHARS = 400
"""Longest message an error carries: a message quoting a file's contents (a part name, the
entries of a zip) is cut there, so no file can make an error long."""


def one_line(message, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` on one line (runs of white space become one space), cut to ``limit``
    characters with '…' at the cut."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class JazzcoreError(Exception):
    """Base class of every error jazzcore raises on purpose."""

    def __init__(self, message: str):
        # One short line, always: the app and the CLI print it as it is.
        super().__init__(one_line(message))


class SourceError(JazzcoreError):
    """A corpus source cannot be had: unknown name, missing path, failed download."""


class ChecksumError(SourceError):
    """A downloaded or cached file does not have the expected SHA-256."""


class InputFileError(JazzcoreError):
    """A file is not readable music: wrong type, truncated, corrupt, too big, too slow."""


class MelodyError(JazzcoreError):
    """A score has no usable melody (no notes, only chords, nothing in the chosen measures)."""


class ParameterError(JazzcoreError, ValueError):
    """A parameter is out of its range (Ty, epochs, n_a, temperature, top_k, ...)."""


class ChordSymbolError(JazzcoreError, ValueError):
    """A chord progression is empty or names a chord symbol that cannot be read."""


class ModelFileError(JazzcoreError):
    """A model file is corrupt, unsafe (would execute code) or of an unknown format."""


class VocabularyMismatchError(ModelFileError):
    """A model was trained on another vocabulary than the corpus it is used with."""


class OutputError(JazzcoreError):
    """An output file (MIDI, WAV, model) cannot be written where it was asked for."""


def check_int(name: str, value, low: int, high: int) -> int:
    """``value`` as an int when it is a whole number (not a bool) from low to high, else a
    one-line ParameterError naming ``name`` and the range."""
    import numbers

    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not low <= value <= high
    ):
        raise ParameterError(
            f"{name} = {value!r} is out of range: choose a whole number from {low} to {high}."
        )
    return int(value)


def write_output(path, data: bytes, what: str):
    """Write ``data`` to ``path`` (its folders are made) and return the path as a Path.

    what: the kind of file for the message ('MIDI', 'WAV', 'model'). A folder given as the
    path, or any OSError, becomes a one-line OutputError.
    """
    from pathlib import Path

    if not isinstance(path, str | os.PathLike):
        raise ParameterError(f"The {what} path must be a file name, not {type(path).__name__}.")
    try:
        path = Path(path).expanduser()
        if path.is_dir():
            raise OutputError(
                f"Cannot write the {what} to {path}: it is a folder; give a file name."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except (OSError, ValueError) as error:  # a name too long, a NUL byte, no permission …
        reason = getattr(error, "strerror", None) or error
        raise OutputError(f"Cannot write the {what} to {path}: {reason}.") from None
    return path


__all__ = [
    "JazzcoreError",
    "SourceError",
    "ChecksumError",
    "InputFileError",
    "MelodyError",
    "ParameterError",
    "ChordSymbolError",
    "ModelFileError",
    "VocabularyMismatchError",
    "OutputError",
]
