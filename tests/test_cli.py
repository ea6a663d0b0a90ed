"""python -m jazzcore train / generate: files written, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pretty_midi
import pytest

from jazzcore import sources
from jazzcore.cli import main
from jazzcore.dataset import CorpusSource, load_corpus
from jazzcore.model import TrainConfig
from jazzcore.persist import load_model
from jazzcore.training import train

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
    # the model records its corpus by content (name and hash, no path): generate finds the
    # chords again in jazzcore's store from any folder
    recorded = CorpusSource.from_record(model.source)
    assert recorded.files[0].sha256 == sources.METHENY_SHA256
    assert str(metheny_file.parent) not in model.source
    assert model.n_values == 78 and model.n_a == 64 and len(model.history) == 30
    assert model.history[0]["loss"] > model.history[-1]["loss"]


def test_train_says_which_engine_ran_and_trains_the_same_windows_as_the_library(
    metheny_file, tmp_path, capsys
):
    out = tmp_path / "m.npz"
    argv = ["train", "--source", str(metheny_file), "--epochs", "3", "--engine", "numpy"]
    assert main([*argv, "--batch-size", "32", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    # the seed's shapes, though the CLI never builds X and Y whole
    assert "X (60, 30, 78), Y (30, 60, 78)" in printed and "(engine: numpy)" in printed
    model = load_model(out)
    assert model.engine == "numpy" and model.config.batch_size == 32
    # the library on the dense X and Y of the same windows trains the same model
    corpus = load_corpus(str(metheny_file))
    X, Y = corpus.xy(60, 30, 0)
    config = TrainConfig(epochs=3, batch_size=32, engine="numpy")
    dense = train(X, Y, corpus.vocabulary, config)
    losses = [h["loss"] for h in model.history]
    assert losses == pytest.approx([h["loss"] for h in dense.history], rel=1e-5)


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
        (["generate", "--temperature", "5e-324"], "temperature"),  # was NaN probabilities
        (["generate", "--seed", "-1"], "seed"),
        (["generate", "--source", "x" * 5000 + ".mid"], "path"),
        (["generate", "--wav", "/" + "w" * 5000 + ".wav", "--ty", "5"], "WAV"),
    ],
)
def test_bad_arguments_are_one_line_errors(model_file, tmp_path, capsys, argv, words):
    code = main([*argv, "--model", str(model_file), "--out", str(tmp_path / "x.mid")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and words in err and err.count("\n") == 1
    assert len(err) < 500


@pytest.mark.parametrize(
    "argv, words",
    [
        (["train", "--seed", "-1"], "seed"),  # was NumPy's ValueError
        (["train", "--batch-size", "0"], "batch_size"),
        (["train", "--epochs", "0"], "epochs"),
        (["train", "--m", "10000", "--tx", "500"], "too few"),  # was 6.3 GB of X and Y
        (["train", "--m", "10000000", "--tx", "30", "--n-a", "1024"], "too big"),
        (["train", "--source", "y" * 5000 + ".mid"], "path"),
        (["parts", "z" * 5000 + ".mid"], "path"),
        (["generate", "--model", "m" * 5000 + ".npz"], "model file"),
    ],
)
def test_bad_training_and_paths_are_one_line_errors(tmp_path, metheny_cache, capsys, argv, words):
    if argv[0] == "train":
        argv = [*argv, "--out", str(tmp_path / "m.npz"), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and err.count("\n") == 1 and len(err) < 500


def test_generate_never_opens_a_path_a_model_names(model_file, tmp_path, capsys, monkeypatch):
    """A model file is data: a source naming a path (an old model, or a forged one) is
    dropped at load, so generate asks for --source instead of opening the path."""
    import io
    import json
    import zipfile

    import numpy as np

    secret = tmp_path / "secret.mid"
    secret.write_bytes(b"MThd private")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(model_file.read_bytes())) as archive,
        zipfile.ZipFile(out, "w") as rewritten,
    ):
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == "header.npy":
                header = json.loads(str(np.load(io.BytesIO(data))[()]))
                header["source"] = str(secret)
                buffer = io.BytesIO()
                np.save(buffer, np.array(json.dumps(header)))
                data = buffer.getvalue()
            rewritten.writestr(info.filename, data)
    forged = tmp_path / "forged.npz"
    forged.write_bytes(out.getvalue())
    assert load_model(forged).source is None
    opened = []
    real = sources.read_checked
    monkeypatch.setattr(sources, "read_checked", lambda p: opened.append(str(p)) or real(p))
    assert main(["generate", "--model", str(forged), "--out", str(tmp_path / "x.mid")]) == 2
    assert "give --source" in capsys.readouterr().err
    assert str(secret) not in opened


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
