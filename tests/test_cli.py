"""python -m jazzcore train / generate: files written, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pretty_midi
import pytest

from jazzcore.cli import main
from jazzcore.dataset import CorpusSource
from jazzcore.persist import load_model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, metheny_file):
    out = tmp_path_factory.mktemp("cli") / "model.npz"
    assert (
        main(
            ["train", "--source", str(metheny_file), "--epochs", "30", "--out", str(out), "--quiet"]
        )
        == 0
    )
    return out


def test_train_writes_a_model_of_the_metheny_vocabulary(model_file, metheny_file, capsys):
    model = load_model(model_file)
    # the model records its corpus: the file's absolute path and content hash, where
    # generate finds the chords again from any folder
    recorded = CorpusSource.from_record(model.source)
    assert recorded.files[0].path == str(metheny_file.resolve())
    assert model.n_values == 78 and model.n_a == 64 and len(model.history) == 30
    assert model.history[0]["loss"] > model.history[-1]["loss"]


def test_generate_writes_midi_and_wav(model_file, tmp_path, capsys):
    midi_path, wav_path = tmp_path / "solo.mid", tmp_path / "out" / "solo.wav"
    code = main(
        [
            "generate",
            "--model",
            str(model_file),
            "--ty",
            "20",
            "--seed",
            "1",
            "--out",
            str(midi_path),
            "--wav",
            str(wav_path),
            "--synth",
            "numpy",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.count("Generated") == 5  # the course's 5 chord sets of the Metheny solo
    midi = pretty_midi.PrettyMIDI(str(midi_path))
    assert len(midi.instruments) == 2 and all(i.notes for i in midi.instruments)
    assert wav_path.read_bytes()[:4] == b"RIFF"


def test_generate_over_a_typed_progression(model_file, tmp_path, capsys):
    out = tmp_path / "prog.mid"
    assert (
        main(
            [
                "generate",
                "--model",
                str(model_file),
                "--ty",
                "10",
                "--seed",
                "2",
                "--out",
                str(out),
                "--progression",
                "Dm7 G7 | Cmaj7",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.count("Generated") == 2  # one set per bar


@pytest.mark.parametrize(
    "argv, words",
    [
        (["generate", "--ty", "0"], "Ty"),
        (["generate", "--progression", "Dm7 Hx7"], "Hx7"),
        (["generate", "--temperature", "-1"], "temperature"),
    ],
)
def test_bad_arguments_are_one_line_errors(model_file, tmp_path, capsys, argv, words):
    code = main([*argv, "--model", str(model_file), "--out", str(tmp_path / "x.mid")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and words in err and err.count("\n") == 1


def test_a_file_that_is_not_a_model(tmp_path, capsys):
    bogus = tmp_path / "model.npz"
    bogus.write_bytes(b"not a model at all")
    assert main(["generate", "--model", str(bogus), "--out", str(tmp_path / "x.mid")]) == 2
    assert "not a jazzcore model" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jazzcore",
            "train",
            "--source",
            "nowhere.mid",
            "--out",
            str(tmp_path / "m.npz"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "There is no file at nowhere.mid" in result.stderr


def test_stdout_is_ours_on_a_ci_runner(model_file, tmp_path):
    # pyfluidsynth prints the library it found on import when $CI is set (pretty_midi imports
    # it too); a script that parses `generate`'s output must not see that line.
    env = {**__import__("os").environ, "CI": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jazzcore",
            "generate",
            "--model",
            str(model_file),
            "--ty",
            "10",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "s.mid"),
            "--wav",
            str(tmp_path / "s.wav"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert "was found" not in result.stdout
    assert result.stdout.count("Generated") == 5
