"""The course's helper surface (jazzcore.course): the notebook's cells of both editions run on it
and print the course's figures; the course's chord sets; the notebook's batch of 32; the
exported notebook makes the same solo.

The figures are the course's (../shared/seed): 78 values, X (60, 30, 78), Y (30, 60, 78),
five "Generated N sounds … ("i") and after pruning" lines for its sets 1–5, the MIDI at 130 bpm
in output/my_music.midi, and a first-epoch loss of 126.02.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest
from notebook_cells import EDITION_2018, EDITION_LATER, EPILOGUE, KERAS3_LINES_2018

from jazzcore.course import (
    COURSE_BATCH_SIZE,
    CourseChords,
    export_notebook,
    fit,
    generate_music,
    load_music_utils,
)
from jazzcore.dataset import load_corpus
from jazzcore.errors import ParameterError
from jazzcore.generate import course_chord_sets
from jazzcore.generate import generate_music as jazzcore_generate_music
from jazzcore.model import TrainConfig
from jazzcore.training import train

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = ROOT.parent / "shared" / "seed" / "improvise_jazz_solo_lstm.txt"
SET_LINE = re.compile(
    r'^Generated (\d+) sounds using the predicted values for the set of chords \("(\d+)"\) '
    r"and after pruning$"
)
COURSE_LOSS = 126.02  # the 2018 notebook's first epoch (In [24])


# ---------------------------------------------------------------------------------------
# load_music_utils, both editions; the chord sets


def test_load_music_utils_unpacks_as_each_edition(metheny_cache, metheny_file):
    X, Y, n_values, indices_values = load_music_utils()  # 2018: no argument, four values
    assert (n_values, X.shape, Y.shape) == (78, (60, 30, 78), (30, 60, 78))
    assert sorted(indices_values) == list(range(78))
    X2, Y2, n2, iv2, chords = load_music_utils(metheny_file)  # later: a path, five values
    assert n2 == 78 and iv2 == indices_values
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)
    # the course's chords: a non-chord entry, then the 18 measures (its len(chords) is 19)
    assert isinstance(chords, CourseChords) and len(chords) == 19
    assert chords[0] == [] and chords[1] == list(load_corpus(metheny_file).chords[0])
    assert chords[-1] == chords[18] and len(list(chords)) == 19


def test_the_course_sets_are_measures_119_to_123(metheny_file):
    corpus = load_corpus(metheny_file)
    numbers = [m.number for m in corpus.solos[0].measures]
    assert numbers == list(range(119, 137))
    # The course's loop: for i in range(1, len(chords) // 3), over chords[i]; with its
    # non-chord entry first, chords[i] is the measure i − 1 of the timeline.
    chords = CourseChords(corpus.chords)
    course = [i for i in range(1, len(chords) // 3)]
    assert course == [1, 2, 3, 4, 5]
    chosen = course_chord_sets(len(corpus.chords))
    assert [chords[i] for i in course] == [list(corpus.chords[k]) for k in chosen]
    assert [numbers[k] for k in chosen] == [119, 120, 121, 122, 123]
    assert course_chord_sets(4) == [0, 1, 2, 3]  # too short for the course's rule: all


# ---------------------------------------------------------------------------------------
# generate_music as the course's: its lines, its file, its stream


def test_generate_music_prints_the_course_lines_and_writes_my_music(
    metheny_model, metheny_cache, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    stream = generate_music(metheny_model, seed=1)  # the 2018 call: the Metheny data
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Predicting new values for different set of chords."
    matches = [SET_LINE.match(line) for line in lines[1:6]]
    assert all(matches) and [int(m[2]) for m in matches] == [1, 2, 3, 4, 5]
    counts = [int(m[1]) for m in matches]
    assert all(0 < n <= 51 for n in counts)  # 50 values + the C,0.250 in front, some pruned
    assert lines[6:] == ["Your generated music is saved in output/my_music.midi"]
    midi = mido.MidiFile(tmp_path / "output" / "my_music.midi")
    tempo = next(msg.tempo for msg in midi.tracks[0] if msg.type == "set_tempo")
    assert mido.tempo2bpm(tempo) == pytest.approx(130, abs=1e-3)
    melody_notes = sum(1 for msg in midi.tracks[1] if msg.type == "note_on" and msg.velocity)
    assert melody_notes == sum(counts)
    assert type(stream).__module__.startswith("music21") and len(stream.flatten().notes) > 0


def test_generate_music_refuses_chords_it_cannot_read(metheny_model):
    with pytest.raises(ParameterError, match="chords"):
        generate_music(metheny_model, metheny_model.vocabulary, chords=[[]])


# ---------------------------------------------------------------------------------------
# fit: the notebook's batch of 32


def test_fit_uses_the_notebooks_batch_of_32_and_gives_its_figures(metheny_xy, metheny_model):
    X, Y, iv = metheny_xy
    untrained = 29 * math.log(78)  # a near-uniform softmax at the 29 steps with a target
    # The 2018 listing (state reset at every step), two batches of 32 and 28: the epoch's
    # loss is their size-weighted mean, the second scored after one Adam update — the 126.02
    # the notebook printed, below the untrained 126.34.
    listing = fit(X, Y, iv, epochs=1, carry_state=False)
    assert listing.config.batch_size == COURSE_BATCH_SIZE == 32
    assert listing.history[0]["loss"] == pytest.approx(COURSE_LOSS, abs=0.1)
    assert listing.history[0]["loss"] < untrained
    # The state carried (the later edition): about 6 after 100 epochs, where one full-batch
    # update per epoch (TrainConfig's default) is still above 10.
    carried = fit(X, Y, iv)
    assert carried.history[-1]["loss"] == pytest.approx(6.0, abs=1.0)
    assert metheny_model.config.batch_size is None and metheny_model.history[-1]["loss"] > 9


# ---------------------------------------------------------------------------------------
# The 2018 text is the seed's: only the listed Keras 3 lines differ


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\\_", "_").replace("`", ""))


def test_the_2018_script_is_the_seeds_text_in_keras_3_spelling():
    if not SEED_TEXT.is_file():
        pytest.skip(f"the course's text is not at {SEED_TEXT}")
    seed = _bare(SEED_TEXT.read_text())
    lines = [line.strip() for line in EDITION_2018.splitlines()]
    code = [line for line in lines if line and not line.startswith("# In [")]
    changed = [line for line in code if line in KERAS3_LINES_2018]
    assert len(changed) == len(KERAS3_LINES_2018)
    missing = [line for line in code if line not in changed and _bare(line) not in seed]
    assert not missing, f"not the seed's text: {missing}"


# ---------------------------------------------------------------------------------------
# The cells as scripts (TensorFlow, 100 epochs of the Keras graph: slow)


def _run_cells(script: str, cwd: Path, cache: Path) -> list[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JAZZCORE_CACHE": str(cache),
        "JAZZCORE_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }
    (cwd / "cells.py").write_text(script + EPILOGUE)
    done = subprocess.run(
        [sys.executable, "cells.py"], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [line.rstrip() for line in done.stdout.splitlines()]


def _check_generation(lines: list[str], cwd: Path) -> None:
    start = lines.index("Predicting new values for different set of chords.")
    matches = [SET_LINE.match(line) for line in lines[start + 1 : start + 6]]
    assert all(matches), lines[start : start + 7]
    assert [int(m[2]) for m in matches] == [1, 2, 3, 4, 5]
    counts = [int(m[1]) for m in matches]
    assert all(0 < n <= 51 for n in counts)
    assert lines[start + 6] == "Your generated music is saved in output/my_music.midi"
    midi = mido.MidiFile(cwd / "output" / "my_music.midi")
    tempo = next(msg.tempo for msg in midi.tracks[0] if msg.type == "set_tempo")
    assert mido.tempo2bpm(tempo) == pytest.approx(130, abs=1e-3)
    stream = next(line for line in lines if line.startswith("OUT_STREAM"))
    assert stream.split()[1] == "music21" and int(stream.split()[2]) >= sum(counts)
    # the course's expected output: results[12] and results[17] are indices[12] and [17]
    first = int(re.search(r"np\.argmax\(results\[12\]\) = (\d+)", "\n".join(lines))[1])
    last = int(re.search(r"np\.argmax\(results\[17\]\) = (\d+)", "\n".join(lines))[1])
    listed = next(line for line in lines if line.startswith("list(indices[12:18]) ="))
    values = [int(v) for v in re.findall(r"array\(\[(\d+)\]\)", listed)]
    assert len(values) == 6 and (values[0], values[-1]) == (first, last)


@pytest.mark.slow
def test_the_2018_cells_run_and_print_the_course_figures(tmp_path, metheny_cache):
    lines = _run_cells(EDITION_2018, tmp_path, metheny_cache)
    for expected in (
        "shape of X: (60, 30, 78)",
        "number of training examples: 60",
        "Tx (length of sequence): 30",
        "total # of unique values: 78",
        "Shape of Y: (30, 60, 78)",
    ):
        assert expected in lines
    # In [24]'s first epoch: batches of 32 and 28, the state reset at every step
    first = float(next(line for line in lines if line.startswith("FIRST_EPOCH_LOSS")).split()[1])
    assert first == pytest.approx(COURSE_LOSS, abs=0.2)
    _check_generation(lines, tmp_path)


@pytest.mark.slow
def test_the_later_editions_cells_run_and_print_the_course_figures(
    tmp_path, metheny_cache, metheny_file
):
    (tmp_path / "data").mkdir()
    shutil.copy(metheny_file, tmp_path / "data" / "original_metheny.mid")
    lines = _run_cells(EDITION_LATER, tmp_path, metheny_cache)
    for expected in (
        "number of training examples: 60",
        "Tx (length of sequence): 30",
        "total # of unique values: 78",
        "shape of X: (60, 30, 78)",
        "Shape of Y: (30, 60, 78)",
        "Number of chords 19",
    ):
        assert expected in lines
    first = float(next(line for line in lines if line.startswith("loss at epoch 1:")).split()[-1])
    last = float(next(line for line in lines if line.startswith("loss at epoch 100:")).split()[-1])
    assert 124 < first < 29 * math.log(78) and last < first / 5
    _check_generation(lines, tmp_path)


# ---------------------------------------------------------------------------------------
# Take it home: the exported notebook


GENERATION = {"Ty": 24, "temperature": 1.0, "seed": 7, "postprocess": "course"}
CONFIG = TrainConfig(epochs=20, n_a=16, seed=3, batch_size=32, carry_state=False)


def test_an_exported_notebook_holds_the_settings_and_the_corpus(metheny_file):
    text = export_notebook(metheny_file, CONFIG, GENERATION, data_seed=2)
    notebook = json.loads(text)
    assert notebook["nbformat"] == 4
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "TrainConfig(n_a=16, epochs=20," in code and "carry_state=False" in code
    assert "corpus.xy(m=60, Tx=30, seed=2)" in code
    assert "Ty=24," in code and "seed=7," in code and "postprocess='course'," in code
    assert "base64.b64decode" in code  # the file travels inside the notebook
    assert load_corpus(metheny_file).vocabulary.fingerprint() in code
    # without the files: the corpus's record, which names where they were and their hashes
    by_record = export_notebook(metheny_file, CONFIG, GENERATION, embed_files=False)
    assert "base64" not in by_record and "jazzcore.load_corpus(RECORD)" in by_record


@pytest.mark.parametrize(
    "generation, word",
    [({"colour": "blue"}, "colour"), ({"seed": object()}, "seed"), ({"chords": [1]}, "chords")],
)
def test_export_refuses_settings_a_notebook_cannot_hold(metheny_file, generation, word):
    with pytest.raises(ParameterError, match=word):
        export_notebook(metheny_file, CONFIG, generation)


@pytest.mark.slow
def test_the_exported_notebook_makes_the_same_midi_bytes(metheny_file, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    corpus = load_corpus(metheny_file)
    X, Y = corpus.xy(60, 30, 2)
    model = train(X, Y, corpus.vocabulary, CONFIG, source=corpus.source)
    _, report = jazzcore_generate_music(model, chords=corpus, return_stream=False, **GENERATION)

    folder = tmp_path / "home"
    export_notebook(corpus, CONFIG, GENERATION, data_seed=2, path=folder / "solo.ipynb")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this jazzcore
    notebook = nbformat.read(folder / "solo.ipynb", as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}
    ).execute()
    assert (folder / "my_solo.mid").read_bytes() == report.midi_bytes
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert report.lines[0] in printed
    assert mido.MidiFile(file=io.BytesIO(report.midi_bytes)).length > 0
