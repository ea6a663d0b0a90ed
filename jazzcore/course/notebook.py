"""Take it home: what a student did in the playground as a runnable Jupyter notebook.

:func:`export_notebook` writes the corpus, the training settings, the generation settings
and their seeds as a notebook of plain jazzcore calls — ``load_corpus``, ``Corpus.xy``,
``train``, ``generate_music`` — that makes the same solo again: the same seeds give the same
MIDI bytes (training, sampling and post-processing are deterministic given their seeds). The
files of an uploaded corpus travel inside the notebook (base64), so it runs on another
machine; the Metheny solo is downloaded there as jazzcore always does.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import PurePosixPath

import numpy as np

from ..dataset import Corpus, CorpusSource, find_file, load_corpus
from ..errors import ParameterError, write_output
from ..model import TrainConfig
from ..sources import MAX_ARCHIVE_BYTES

GENERATION_KEYS = (
    "Ty",
    "temperature",
    "top_k",
    "seed",
    "progression",
    "chord_sets",
    "postprocess",
    "layout",
    "register",
    "first_value_rule",
    "tempo_bpm",
)
"""The settings of :func:`jazzcore.generate.generate_music` a notebook records."""

IGNORED_KEYS = ("chords", "return_stream", "out_path", "verbose")
"""Arguments of generate_music the notebook sets itself (the corpus is its chords)."""

FILES_FOLDER = "corpus_files"
"""Where the notebook writes the corpus's files, next to itself."""


def _literal(name: str, value):
    """value as a plain Python literal (numbers, text, None, lists/tuples of them)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, list | tuple):
        value = type(value)(_literal(name, v) for v in value)
    try:
        same = ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ParameterError(f"The setting {name} = {value!r} cannot be written in a notebook.")
    return value


def _generation_settings(generation: Mapping | None) -> dict:
    settings = {}
    for key, value in (generation or {}).items():
        if key in IGNORED_KEYS:
            if key == "chords" and not isinstance(value, Corpus | None):
                raise ParameterError("The exported notebook improvises over its corpus's chords.")
            continue
        if key not in GENERATION_KEYS:
            raise ParameterError(f"generate_music has no setting '{key}' a notebook can record.")
        settings[key] = _literal(key, value)
    return settings


def _embedded_files(record: CorpusSource) -> list[tuple[str, bytes]]:
    """(name in FILES_FOLDER, bytes) of every file of a 'files' record, found by its
    recorded hash (a zip's members travel as separate files, in order)."""
    found = []
    for file in record.files:  # by content hash, from jazzcore's store (see dataset.find_file)
        found.append((f"{len(found):02d}_{PurePosixPath(file.name).name}", find_file(file)))
    if sum(len(data) for _, data in found) > MAX_ARCHIVE_BYTES:
        raise ParameterError("The corpus's files are too big to travel inside a notebook.")
    return found


def _corpus_cells(record: str, embed_files: bool) -> list[tuple[str, str]]:
    """The notebook's cells that load the corpus: ('code' | 'markdown', source)."""
    source = CorpusSource.from_record(record)
    if source.kind in ("metheny", "leadsheets"):
        return [("code", f"corpus = jazzcore.load_corpus({source.kind!r})")]
    if not embed_files:
        return [("code", f"RECORD = {record!r}\ncorpus = jazzcore.load_corpus(RECORD)")]
    files = _embedded_files(source)
    table = ",\n".join(
        f"    {name!r}: {base64.b64encode(data).decode('ascii')!r}" for name, data in files
    )
    write = (
        "import base64\nfrom pathlib import Path\n\n"
        f"FILES = {{\n{table},\n}}\n"
        f"folder = Path({FILES_FOLDER!r})\nfolder.mkdir(exist_ok=True)\n"
        "for name, text in FILES.items():\n"
        "    (folder / name).write_bytes(base64.b64decode(text))"
    )
    options = {
        "melody_part": source.melody_part,
        "chord_part": source.chord_part,
        "measures": tuple(source.measures) if source.measures else None,
        "whole_song": source.whole_song,
    }
    given = "".join(f", {k}={v!r}" for k, v in options.items() if v not in (None, False))
    load = f"corpus = jazzcore.load_corpus([str(folder / name) for name in FILES]{given})"
    return [
        ("markdown", "The corpus's files, as they were read (written next to this notebook):"),
        ("code", write),
        ("code", load),
    ]


def export_notebook(
    source,
    config: TrainConfig | None = None,
    generation: Mapping | None = None,
    *,
    m: int = 60,
    Tx: int = 30,
    data_seed: int = 0,
    midi_name: str = "my_solo.mid",
    embed_files: bool = True,
    path: str | os.PathLike | None = None,
) -> str:
    """A Jupyter notebook (nbformat 4, as JSON text) that makes the same solo with jazzcore.

    source: a :class:`~jazzcore.dataset.Corpus`, its ``source`` record, or anything
    :func:`~jazzcore.dataset.load_corpus` reads. config: the :class:`~jazzcore.model.TrainConfig`
    (None: its defaults). generation: keyword arguments of
    :func:`jazzcore.generate.generate_music` (GENERATION_KEYS; a ``chords`` that is the corpus,
    ``return_stream``, ``out_path`` and ``verbose`` are left to the notebook) — give a
    ``seed`` for the same solo. m, Tx, data_seed: the windows X and Y were drawn with
    (``Corpus.xy``). midi_name: the MIDI file the notebook writes next to itself.
    embed_files: the files of an uploaded corpus travel inside the notebook (False: it reads
    them again from where they were, by its record). path: also write the notebook there.
    """
    import nbformat

    corpus = source if isinstance(source, Corpus) else load_corpus(source)
    if not corpus.source:
        raise ParameterError("This corpus records no source: load it with load_corpus.")
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise ParameterError(f"config must be a TrainConfig, not {type(config).__name__}.")
    settings = _generation_settings(generation)
    xy = {k: _literal(k, v) for k, v in {"m": m, "Tx": Tx, "seed": data_seed}.items()}
    config_args = ", ".join(f"{k}={v!r}" for k, v in dataclasses.asdict(config).items())
    generate_args = "".join(f"    {k}={v!r},\n" for k, v in settings.items())
    summary = json.dumps({"config": dataclasses.asdict(config), "generation": settings})

    cells = [
        (
            "markdown",
            "# A jazz solo from the jazz LSTM playground\n\n"
            f"Corpus: {corpus.name} ({corpus.n_values} values). Run all cells from the "
            "playground's folder (or with `jazzcore` importable): the same seeds make the "
            f"same solo, written to `{midi_name}`.\n\nSettings: `{summary}`",
        ),
        ("code", "import hashlib\n\nimport jazzcore\nfrom jazzcore.model import TrainConfig"),
        *_corpus_cells(corpus.source, embed_files),
        (
            "code",
            f"assert corpus.vocabulary.fingerprint() == {corpus.vocabulary.fingerprint()!r}, "
            '"not the corpus the solo was made from"\n'
            'print(corpus.name, "—", corpus.n_values, "values")',
        ),
        (
            "code",
            f"X, Y = corpus.xy(m={xy['m']}, Tx={xy['Tx']}, seed={xy['seed']})\n"
            'print("X", X.shape, "Y", Y.shape)',
        ),
        (
            "code",
            f"config = TrainConfig({config_args})\n"
            "model = jazzcore.train(X, Y, corpus.vocabulary, config, source=corpus.source)\n"
            "print(f\"loss {model.history[0]['loss']:.2f} → {model.history[-1]['loss']:.2f}\")",
        ),
        (
            "code",
            "_, report = jazzcore.generate_music(\n"
            "    model,\n"
            "    chords=corpus,\n"
            f"{generate_args}"
            f"    out_path={midi_name!r},\n"
            "    return_stream=False,\n"
            ")\n"
            "print(report)\n"
            'print("SHA-256 of the MIDI:", hashlib.sha256(report.midi_bytes).hexdigest())',
        ),
        (
            "markdown",
            "Listen: `jazzcore.render_audio(report)` gives WAV bytes "
            "(`IPython.display.Audio(data=...)` plays them).",
        ),
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell(text) if kind == "code" else nbformat.v4.new_markdown_cell(text)
        for kind, text in cells
    ]
    nbformat.validate(notebook)
    text = nbformat.writes(notebook)
    if path is not None:
        write_output(path, text.encode(), "notebook")
    return text


__all__ = ["GENERATION_KEYS", "export_notebook"]
