"""python -m jazzcore parts, and train on your own files (several, chosen parts, some
measures) then generate from anywhere without repeating a single option."""

from __future__ import annotations

import json

from music_files import comping, drums, line_notes, midi_bytes, walking_bass

from jazzcore.cli import main
from jazzcore.persist import load_model


def _trio(transpose: int = 0) -> bytes:
    """A trumpet over a pianist's voicings, a walking bass and drums."""
    return midi_bytes(
        [
            ("Trumpet", [(0, 56, [(s, d, p + transpose) for s, d, p in line_notes() * 1])]),
            ("Piano", [(1, 0, [(s, d, tuple(p + transpose for p in c)) for s, d, c in comping()])]),
            ("Bass", [(2, 32, [(s, d, p + transpose) for s, d, p in walking_bass()])]),
            ("Drums", drums()),
        ],
        title="ii-V-I",
    )


def test_parts_lists_the_parts_and_the_choice(tmp_path, capsys):
    path = tmp_path / "trio.mid"
    path.write_bytes(_trio())
    assert main(["parts", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "trio.mid: ii-V-I, 120 bpm, 4 parts"
    rows = {line.split()[0]: line for line in lines[2:6]}
    assert rows["0"].split()[1:3] == ["Trumpet", "Trumpet"] and rows["0"].endswith("melody")
    assert "D4–E5" in rows["0"] and " 16 " in rows["0"]  # 16 notes from D4 to E5
    assert rows["1"].endswith("chords") and rows["2"].endswith("chords")
    assert rows["3"].endswith("drums") and " 10 " in rows["3"]  # channel 10
    assert lines[-1] == (
        "melody: part 0 (Trumpet); chords: the accompaniment, chordified; 4 measures, 16 notes"
    )
    # another choice, tried without training anything
    assert main(["parts", str(path), "--melody-part", "Piano", "--chord-part", "Bass"]) == 0
    out = capsys.readouterr().out
    assert "melody: part 1 (Piano); chords: part 2 (Bass), chordified" in out


def test_parts_of_a_file_without_a_solo_says_why(tmp_path, capsys):
    path = tmp_path / "alone.mid"
    path.write_bytes(midi_bytes([("Melody", [(0, 65, line_notes())])]))
    assert main(["parts", str(path)]) == 0
    assert (
        "no solo: alone.mid has a melody (part 0 (Melody)) but no chords" in capsys.readouterr().out
    )


def test_train_on_your_files_then_generate_from_anywhere(tmp_path, monkeypatch, capsys):
    songs = tmp_path / "songs"
    songs.mkdir()
    (songs / "in C.mid").write_bytes(_trio())
    (songs / "in F.mid").write_bytes(_trio(5))
    monkeypatch.chdir(tmp_path)
    argv = ["train", "--source", "songs", "--epochs", "3", "--m", "10", "--tx", "6"]
    argv += ["--chord-part", "Piano", "--measures", "0-2", "--out", "model.npz", "--quiet"]
    assert main(argv) == 0
    assert "songs (2 files):" in capsys.readouterr().out
    model = load_model(tmp_path / "model.npz")
    record = json.loads(model.source)
    assert [f["name"] for f in record["files"]] == ["in C.mid", "in F.mid"]
    assert "path" not in record["files"][0]  # a model names files by content, not by path
    assert (record["chord_part"], record["measures"]) == ("Piano", [0, 2])
    # from another folder, no option repeated: the chords are found again
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "solo.mid"
    assert main(["generate", "--model", str(tmp_path / "model.npz"), "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    # several --source at once, and a measure range that is no range
    argv = ["train", "--source", str(songs / "in C.mid"), str(songs / "in F.mid"), "--epochs", "2"]
    assert main([*argv, "--m", "5", "--tx", "6", "--out", str(tmp_path / "m2.npz"), "--quiet"]) == 0
    assert main([*argv, "--measures", "2", "--out", str(tmp_path / "m3.npz")]) == 2
    assert "error: --measures 2: write FIRST-LAST" in capsys.readouterr().err
