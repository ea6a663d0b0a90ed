"""Uploads in the app (issues 11 and 12): the library's store, the part picker with what
each part holds and why the automatic choice took its melody, a zip or several files as one
corpus, the course's Metheny file under any name, and one line for any file that is no
solo. The music is built here (tests/music_files.py); expected figures are worked out by
hand from that music.

The tune below: a trumpet plays LINE (16 quarter notes, D4 … E5, mean pitch 69.25 ≈ A4),
a piano strikes one four-note voicing a bar (4 onsets, C3 … F4, each held three beats), a
bass walks (16 quarter notes, C2 … D3): four bars of 4/4, all three parts playing in each.
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from music_files import BASS, CHANGES, LINE, comping, line_notes, midi_bytes, walking_bass

from jazzcore import sandbox, sources
from jazzcore.app.uploads import (
    SEVERAL_FILES,
    Upload,
    in_words,
    keep_upload,
    pack,
    part_label,
)
from jazzcore.dataset import clear_corpus_cache
from jazzcore.errors import InputFileError, ParameterError
from jazzcore.readers import PartInfo

TRIO = [
    ("Trumpet", [(0, 56, line_notes())]),
    ("Piano", [(1, 0, comping())]),
    ("Bass", [(2, 32, walking_bass())]),
]


def tune(shift: int = 0, repeats: int = 1) -> bytes:
    """The trio, its trumpet line moved by ``shift`` semitones (another solo, same length),
    all of it played ``repeats`` times."""
    return midi_bytes(
        [
            ("Trumpet", [(0, 56, line_notes([p + shift for p in LINE] * repeats))]),
            ("Piano", [(1, 0, comping(CHANGES * repeats))]),
            ("Bass", [(2, 32, line_notes(BASS * repeats))]),  # the walking bass
        ]
    )


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def upload_page(open_app):
    """Home with “Your own MIDI / MusicXML” chosen; ``upload(files)`` puts files in the
    sidebar's uploader (a (name, bytes) pair or a list of them) and runs the page."""
    at = open_app()
    at.sidebar.radio[0].set_value("upload").run()

    def upload(file):
        name, data = file
        value = (name, data, "application/octet-stream")
        at.sidebar.file_uploader(key="upload_file").set_value(value).run()
        return at

    upload.at = at
    return upload


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at) -> list[str]:
    return [c.value for c in at.sidebar.caption]


# --- in the page -------------------------------------------------------------------------


def test_a_multi_part_upload_lists_its_parts_and_why_the_melody_was_picked(upload_page):
    at = upload_page(("my tune.mid", tune()))
    assert not at.exception and not at.error
    melody = at.sidebar.selectbox(key="melody_part")
    assert melody.value is None
    assert melody.options == [
        "automatic",
        "0: Trumpet — 16 notes, D4–E5",
        "1: Piano — 4 notes, C3–F4",  # a voicing a bar: 4 onsets
        "2: Bass — 16 notes, C2–D3",
    ]
    assert at.sidebar.selectbox(key="chord_part").options == melody.options
    # the trumpet: above the piano's top line (C4, F4, B3, B3) and busier; the bass is
    # never the melody while a higher line plays
    assert (
        "Automatic: melody part 0 (Trumpet) — the highest line, the most notes, 16 notes "
        "around A4, in 100% of the measures, one note at a time, not the bass; chords: the "
        "accompaniment, chordified."
    ) in captions(at)
    assert "my tune.mid: 16 values" in " ".join(captions(at))  # a value per note, no rest
    assert metrics(at)["Values in the corpus"] == "16"


def test_choosing_another_melody_part_reads_another_corpus(upload_page):
    at = upload_page(("my tune.mid", tune()))
    at.sidebar.selectbox(key="melody_part").set_value(1).run()  # the piano
    assert not at.exception and not at.error
    # its top line: a chord's top note for three beats, then a beat of rest, each bar
    assert metrics(at)["Values in the corpus"] == "8"
    assert "Melody: part 1 (Piano); chords: the accompaniment, chordified." in captions(at)
    assert not any(c.startswith("Automatic:") for c in captions(at))  # a choice was made
    at.sidebar.selectbox(key="melody_part").set_value(None).run()
    assert metrics(at)["Values in the corpus"] == "16"


def test_a_file_is_parsed_once_whatever_parts_are_chosen(upload_page, monkeypatch):
    clear_corpus_cache()  # no parse of these bytes kept from another test
    parses = []

    def counted(*args, **kwargs):
        parses.append(kwargs.get("label"))
        return real_run(*args, **kwargs)

    real_run = sandbox.run
    monkeypatch.setattr(sandbox, "run", counted)
    at = upload_page(("once.mid", tune(5)))
    assert parses == ["once.mid"]  # the part list and the corpus share one parse
    for part in (1, 2, None):
        at.sidebar.selectbox(key="melody_part").set_value(part).run()
        assert not at.exception and not at.error
    at.sidebar.selectbox(key="chord_part").set_value(1).run()
    assert not at.exception and not at.error
    assert parses == ["once.mid"]


def test_the_metheny_file_under_another_name_is_the_courses_corpus(upload_page, metheny_file):
    at = upload_page(("renamed.mid", metheny_file.read_bytes()))
    assert not at.exception and not at.error
    assert metrics(at)["Unique values (n_values)"] == "78"  # the course's 78 values
    assert metrics(at)["X shape (m, Tx, n_values)"] == "(60, 30, 78)"
    assert any(c.startswith(sources.METHENY_LABEL) for c in captions(at))
    whole = at.sidebar.checkbox(key="upload_whole_song")
    assert whole.label == "Read the whole song" and whole.value is False
    whole.check().run()
    assert not at.exception and not at.error
    assert any(c.startswith(sources.METHENY_WHOLE_LABEL) for c in captions(at))
    assert metrics(at)["Unique values (n_values)"] != "78"


def test_a_zip_of_two_solos_is_a_corpus_of_two_files(upload_page):
    at = upload_page(("solos.zip", zipped({"a.mid": tune(), "b.mid": tune(2)})))
    assert not at.exception and not at.error
    assert not at.sidebar.selectbox  # parts are chosen file by file, automatically
    assert metrics(at)["Values in the corpus"] == "32"  # 16 notes in each
    assert any(c.startswith("solos.zip (2 files): 32 values") for c in captions(at))
    assert [e.label for e in at.sidebar.expander] == ["2 solos, 0 files skipped"]
    at.switch_page("pages/data.py").run()
    assert not at.exception
    solos = at.table[0].value
    assert list(solos.index) == ["a.mid", "b.mid"]
    assert list(solos["measures"]) == [4, 4] and list(solos["values"]) == [16, 16]


def test_a_zip_with_unusable_files_is_a_corpus_of_the_others_naming_them(upload_page):
    alone = midi_bytes([TRIO[0]])  # a melody with nothing under it
    members = {"a.mid": tune(), "b.mid": tune(-3), "c.mid": alone, "d.mid": b"not music"}
    at = upload_page(("four.zip", zipped(members)))
    assert not at.exception and not at.error
    assert metrics(at)["Values in the corpus"] == "32"
    assert any(c.startswith("four.zip (2 files, 2 skipped)") for c in captions(at))
    listed = at.sidebar.expander[0].markdown[0].value.splitlines()
    assert listed[2].startswith("- c.mid: c.mid has a melody (part 0 (Trumpet)) but no chords")
    assert listed[3].startswith("- d.mid: d.mid is neither MIDI nor MusicXML")


def test_a_zip_corpus_trains_and_plays_like_any_corpus(upload_page):
    long_solos = {f"{k}.mid": tune(k, repeats=3) for k in (0, 4)}  # 48 values each
    at = upload_page(("long solos.zip", zipped(long_solos)))
    assert metrics(at)["Values in the corpus"] == "96"
    at.button(key="hear_solo").click().run()  # the quick model, trained on this corpus
    deadline = time.monotonic() + 120
    while not (at.get("audio") or at.exception or at.error):
        assert time.monotonic() < deadline, "no solo within 120 s"
        time.sleep(0.1)
        at.run()
    assert not at.exception and not at.error
    model = at.session_state["model"]
    assert model.n_values == int(metrics(at)["Unique values (n_values)"])


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("broken.mid", b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x00\x40\x00\x90", "broken.mid is not a readable MIDI file"),
        ("letter.mid", b"Dear friend, ...", "letter.mid: The file is neither MIDI nor MusicXML"),
        ("empty.mid", b"", "empty.mid: The file is empty"),
        ("cut.zip", zipped({"a.mid": b"x"})[:-30], "cut.zip: The archive is not a readable zip"),
    ],
)  # fmt: skip
def test_a_corrupt_upload_is_one_error_line_and_no_exception(upload_page, name, data, words):
    at = upload_page((name, data))
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(words)
    assert "\n" not in at.error[0].value
    assert not at.metric  # no corpus: nothing to show under the line
    at.run()  # a rerun (any click) says it again without reading the file again
    assert [e.value for e in at.error] and not at.exception


def test_after_a_refused_upload_a_good_one_is_read(upload_page):
    upload_page(("letter.mid", b"Dear friend"))
    at = upload_page(("my tune.mid", tune()))
    assert not at.exception and not at.error and metrics(at)["Values in the corpus"] == "16"


# --- the helpers ---------------------------------------------------------------------------


def test_one_file_is_kept_in_the_store_by_its_hash(tmp_path, metheny_file):
    data = metheny_file.read_bytes()
    upload = keep_upload([("my solo.mid", data)], tmp_path)
    assert upload == Upload(str(tmp_path / "0da8322ceab36b03.mid"), "my solo.mid", 1, True)
    assert keep_upload([("again.mid", data)], tmp_path).path == upload.path  # kept once
    with pytest.raises(InputFileError, match="score.pdf: .*neither MIDI nor MusicXML"):
        keep_upload([("score.pdf", b"%PDF-1.4 not music")], tmp_path)
    with pytest.raises(InputFileError, match="MB accepted"):
        keep_upload([("huge.mid", b"MThd" + bytes(6 * 1024 * 1024))], tmp_path)
    with pytest.raises(ParameterError, match="No file"):
        keep_upload([], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0da8322ceab36b03.mid"]


def test_several_files_are_packed_into_one_archive_under_their_names(tmp_path):
    inner = zipped({"x.mid": tune(1), "__MACOSX/._x.mid": b"junk"})
    upload = keep_upload([("a.mid", tune()), ("dir/a.mid", tune(2)), ("more.zip", inner)], tmp_path)
    assert upload.name == SEVERAL_FILES and upload.files == 3 and upload.is_archive
    with zipfile.ZipFile(upload.path) as archive:
        assert archive.namelist() == ["a.mid", "a (2).mid", "more/x.mid"]
        assert archive.read("a (2).mid") == tune(2)
    # the same files, the same archive: uploaded again, they are the same corpus
    assert pack([("a.mid", tune()), ("b.mid", tune(2))]) == pack(
        [("a.mid", tune()), ("b.mid", tune(2))]
    )


def test_stored_names_read_as_people_named_their_files():
    upload = Upload("/cache/uploads/0da8322ceab36b03.zip", "solos.zip")
    assert in_words("0da8322ceab36b03.zip (2 files, 1 skipped)", upload) == (
        "solos.zip (2 files, 1 skipped)"
    )
    assert in_words("The melody of 0da8322ceab36b03 is …", upload) == "The melody of solos is …"


def test_part_labels_name_the_part_its_notes_range_and_drums():
    guitar = PartInfo(
        index=2, name="Guitar", note_count=312, mean_pitch=67.0, polyphony=0.0,
        is_drum=False, lowest=64, highest=84,
    )  # fmt: skip
    drums = PartInfo(index=9, name="", note_count=40, mean_pitch=None, polyphony=0.5, is_drum=True)
    chart = PartInfo(
        index=0, name="Chords", note_count=0, mean_pitch=None, polyphony=0.0, is_drum=False,
        chord_symbols=12,
    )  # fmt: skip
    assert part_label(guitar) == "2: Guitar — 312 notes, E4–C6"  # MIDI 64 and 84
    assert part_label(drums) == "9: unnamed — 40 notes, drums"
    assert part_label(chart) == "0: Chords — 12 chord symbols"
