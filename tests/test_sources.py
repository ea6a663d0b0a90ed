"""Sources: the Metheny download (on loopback), the offline switch, and bad files."""

from __future__ import annotations

import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import mido
import pytest

from jazzcore import checks, sources
from jazzcore.errors import (
    ChecksumError,
    InputFileError,
    JazzcoreError,
    ParameterError,
    SourceError,
)


@pytest.fixture
def loopback_server(metheny_file):
    """An HTTP server on 127.0.0.1: /good serves the real file, /bad other bytes, /gone 404s."""
    good = metheny_file.read_bytes()
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            hits.append(self.path)
            body = {"/good": good, "/bad": good[:-10] + b"0123456789"}.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # a short poll interval: shutdown() waits for the next poll (0.5 s by default)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_download_verifies_and_caches(tmp_path, loopback_server, monkeypatch):
    monkeypatch.delenv("JAZZCORE_OFFLINE", raising=False)
    base, hits = loopback_server
    path = sources.metheny_path(url=base + "/good", directory=tmp_path)
    assert path == tmp_path / "original_metheny.mid"
    assert path.stat().st_size == sources.METHENY_SIZE == 92_549
    assert sources.sha256_of(path) == sources.METHENY_SHA256
    # A second call is served from the cache: no second request.
    sources.metheny_path(url=base + "/good", directory=tmp_path)
    assert hits == ["/good"]
    assert sources.metheny_cached(tmp_path)


def test_download_with_wrong_bytes_is_refused_and_not_cached(
    tmp_path, loopback_server, monkeypatch
):
    monkeypatch.delenv("JAZZCORE_OFFLINE", raising=False)
    base, _ = loopback_server
    with pytest.raises(ChecksumError, match="SHA-256"):
        sources.metheny_path(url=base + "/bad", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing poisoned, no partial file left
    # ...and a later good download still works.
    assert sources.metheny_path(url=base + "/good", directory=tmp_path).is_file()


def test_damaged_cached_copy_is_replaced(tmp_path, loopback_server, monkeypatch):
    monkeypatch.delenv("JAZZCORE_OFFLINE", raising=False)
    base, hits = loopback_server
    (tmp_path / "original_metheny.mid").write_bytes(b"MThd not really")
    path = sources.metheny_path(url=base + "/good", directory=tmp_path)
    assert sources.sha256_of(path) == sources.METHENY_SHA256
    assert hits == ["/good"]


def test_http_error_is_a_source_error(tmp_path, loopback_server, monkeypatch):
    monkeypatch.delenv("JAZZCORE_OFFLINE", raising=False)
    base, _ = loopback_server
    with pytest.raises(SourceError, match="Could not download"):
        sources.metheny_path(url=base + "/gone", directory=tmp_path)


def test_offline_forbids_download(tmp_path, loopback_server, monkeypatch):
    base, hits = loopback_server
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    with pytest.raises(SourceError, match="JAZZCORE_OFFLINE"):
        sources.metheny_path(url=base + "/good", directory=tmp_path)
    assert hits == []


def test_offline_uses_a_verified_cached_copy(metheny_cache, monkeypatch):
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    spec = sources.resolve_source("metheny")
    assert spec.kind == "metheny" and spec.path == metheny_cache / "original_metheny.mid"


def test_resolve_source_names_and_paths(metheny_file, tmp_path):
    assert sources.resolve_source("leadsheets").kind == "leadsheets"
    assert sources.resolve_source(str(metheny_file)).kind == "metheny"  # recognised by its hash
    other = tmp_path / "mine.mid"
    other.write_bytes(b"MThd")
    assert sources.resolve_source(other).kind == "file"
    with pytest.raises(SourceError, match="Unknown source 'jazzz'"):
        sources.resolve_source("jazzz")
    with pytest.raises(SourceError, match="There is no file"):
        sources.resolve_source(tmp_path / "missing.mid")


def _midi_bytes(notes: bool = True, last_tick: int = 480) -> bytes:
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    if notes:
        track.append(mido.Message("note_on", note=60, velocity=80, time=0))
        track.append(mido.Message("note_off", note=60, velocity=0, time=last_tick))
    else:
        track.append(mido.MetaMessage("set_tempo", tempo=500000, time=last_tick))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.mid", b"", "is empty"),
        ("text.mid", b"hello, I am a text file\n" * 10, "neither MIDI nor MusicXML"),
        ("picture.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "neither MIDI nor MusicXML"),
        ("truncated.mid", _midi_bytes()[:30], "not a readable MIDI file"),
        ("silent.mid", _midi_bytes(notes=False), "has no notes"),
        ("endless.mid", _midi_bytes(last_tick=480 * 60_000), "more than the 50000 quarter notes"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFileError, match=message) as info:
        sources.check_music_file(path)
    assert "\n" not in str(info.value)


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.mid"
    with open(path, "wb") as f:
        f.write(b"MThd")
        f.truncate(50 * 1024 * 1024)  # 50 MB, sparse
    with pytest.raises(InputFileError, match="50.0 MB|52.4 MB"):
        sources.check_music_file(path)


def test_load_corpus_refuses_a_huge_file_before_hashing_it(tmp_path, monkeypatch):
    from jazzcore.dataset import load_corpus

    path = tmp_path / "huge.mid"
    with open(path, "wb") as f:
        f.write(b"MThd")
        f.truncate(50 * 1024 * 1024)

    def must_not_read(_):
        raise AssertionError("the file was read before its size was checked")

    monkeypatch.setattr(sources, "sha256_of", must_not_read)
    with pytest.raises(InputFileError, match="MB"):
        load_corpus(path)


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(SourceError, match="There is no file"):
        sources.check_music_file(tmp_path / "nothing.mid")
    with pytest.raises(SourceError, match="is a folder"):
        sources.check_music_file(tmp_path)


def test_read_midi_file_checks_then_parses(tmp_path, metheny_file):
    midi = sources.read_midi_file(metheny_file)
    assert midi.ticks_per_beat > 0 and len(midi.tracks) > 1
    xml = tmp_path / "song.musicxml"
    xml.write_bytes(b'<?xml version="1.0"?>\n<score-partwise version="3.1"></score-partwise>')
    with pytest.raises(InputFileError, match="not MIDI"):
        sources.read_midi_file(xml)
    silent = tmp_path / "silent.mid"
    silent.write_bytes(_midi_bytes(notes=False))
    with pytest.raises(InputFileError, match="has no notes"):
        sources.read_midi_file(silent)


def test_musicxml_is_recognised():
    xml = b'<?xml version="1.0"?>\n<!DOCTYPE score-partwise>\n<score-partwise version="3.1"></score-partwise>'
    assert sources.file_kind(xml, "song.xml") == "musicxml"


def test_errors_are_jazzcore_errors():
    assert issubclass(ChecksumError, SourceError) and issubclass(SourceError, JazzcoreError)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_is_told_from_a_compressed_musicxml():
    mxl = _zip({"META-INF/container.xml": b"<container/>", "score.xml": b"<score-partwise/>"})
    assert sources.file_kind(mxl, "upload.bin") == "musicxml"  # by its contents, not its name
    assert sources.file_kind(_zip({"a.mid": _midi_bytes()}), "tunes.mxl") == "zip"


def test_archive_members_are_the_music_files_by_name():
    data = _zip(
        {
            "b.mid": _midi_bytes(),
            "a/tune.musicxml": b"<score-partwise/>",
            "__MACOSX/._b.mid": b"fork",
            ".DS_Store": b"x",
            "notes.txt": b"hello",
        }
    )
    assert [name for name, _ in sources.archive_members(data)] == ["a/tune.musicxml", "b.mid"]
    with pytest.raises(InputFileError, match="holds no MIDI or MusicXML file"):
        sources.archive_members(_zip({"notes.txt": b"hello"}), "notes.zip")
    with pytest.raises(InputFileError, match="not a readable zip"):
        sources.archive_members(data[:40], "cut.zip")


def test_an_archive_that_unpacks_too_big_is_refused_unpacked(monkeypatch):
    monkeypatch.setattr(sources, "MAX_ARCHIVE_BYTES", 1000)
    data = _zip({"a.mid": bytes(600), "b.mid": bytes(600)})  # 1.2 KB unpacked, tiny packed
    with pytest.raises(InputFileError, match="unpacks to more than"):
        sources.archive_members(data, "bomb.zip")
    monkeypatch.setattr(sources, "MAX_CORPUS_FILES", 1)
    with pytest.raises(InputFileError, match="2 music files, more than the 1"):
        sources.archive_members(data, "many.zip")


def test_folder_files_and_source_kinds(tmp_path, metheny_file):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.mid").write_bytes(_midi_bytes())
    (tmp_path / "a.mxl").write_bytes(b"PK")
    (tmp_path / ".c.mid").write_bytes(_midi_bytes())
    (tmp_path / "readme.txt").write_text("hi")
    assert [p.name for p in sources.folder_files(tmp_path)] == ["a.mxl", "b.mid"]
    assert sources.resolve_source(tmp_path).kind == "folder"
    (tmp_path / "solos.zip").write_bytes(_zip({"a.mid": _midi_bytes()}))
    assert sources.resolve_source(tmp_path / "solos.zip").kind == "archive"
    renamed = tmp_path / "3f9a1c0b.mid"  # the course's bytes under an upload's name
    renamed.write_bytes(metheny_file.read_bytes())
    assert sources.resolve_source(renamed).kind == "metheny"
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="holds no MIDI or MusicXML"):
        sources.folder_files(tmp_path / "empty")


def test_out_of_range_data_bytes_are_clipped_not_refused():
    data = bytearray(_midi_bytes())
    data[data.index(bytes([0x90, 60])) + 2] = 200  # the note-on's velocity: 200 > 127
    midi = sources.scan_midi(bytes(data), "wild.mid")
    assert [m.velocity for m in midi.tracks[0] if m.type == "note_on"] == [127]


# --- the store, paths, zip guards and the MIDI census (issue 12) ----------------------------


def test_the_store_keeps_a_music_file_once_by_its_hash_and_kind(tmp_path, monkeypatch):
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path))
    data = _midi_bytes()
    path = sources.store_file(data, "mine.mid")
    assert path == tmp_path / "uploads" / f"{sources.sha256_of(data)[:16]}.mid"
    assert path.read_bytes() == data and sources.store_file(data, "again.mid") == path
    assert sources.stored_files(sources.sha256_of(data)) == [path]
    assert sources.stored_files("../" * 20 + "x") == []  # a hash is 64 hex digits, or nothing
    xml = b'<?xml version="1.0"?><score-partwise version="3.1"></score-partwise>'
    assert sources.store_file(xml).suffix == ".musicxml"
    with pytest.raises(InputFileError, match="not.txt: .*neither MIDI nor MusicXML"):
        sources.store_file(b"hello", "not.txt")
    archive = _zip({"a.mid": _midi_bytes()})  # an upload of several files: kept as it came
    assert sources.store_file(archive).name == f"{sources.sha256_of(archive)[:16]}.zip"
    with pytest.raises(InputFileError, match="cut.zip: .*not a readable zip"):
        sources.store_file(archive[:-10], "cut.zip")
    assert [p.name for p in (tmp_path / "uploads").iterdir() if p.suffix == ".part"] == []


@pytest.mark.parametrize(
    "path, error, words",
    [
        ("x" * 5000 + ".mid", SourceError, "not usable"),
        ("a\0b.mid", SourceError, "not usable"),
        (b"bytes.mid", ParameterError, "not bytes"),
        (42, ParameterError, "not int"),
    ],
)
def test_odd_paths_are_one_line_errors(path, error, words):
    with pytest.raises(error, match=words) as info:
        sources.resolve_source(path)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


def test_a_path_the_system_cannot_look_at_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="Cannot look at") as info:
        sources.read_checked(tmp_path / ("n" * 300 + ".mid"))  # a name over 255 bytes
    assert "\n" not in str(info.value)


def test_the_midi_census_counts_what_mido_reads(metheny_file):
    data = metheny_file.read_bytes()
    census = checks.midi_census(data)
    midi = mido.MidiFile(file=io.BytesIO(data))
    assert census.tracks == len(midi.tracks) and census.ticks_per_beat == midi.ticks_per_beat
    assert census.events == sum(len(track) for track in midi.tracks)
    notes = sum(m.type == "note_on" and m.velocity > 0 for track in midi.tracks for m in track)
    assert census.notes == notes
    assert census.longest_ticks == max(sum(m.time for m in track) for track in midi.tracks)


def test_a_zip_is_opened_only_when_its_end_record_fits():
    data = _zip({f"{k}.txt": b"" for k in range(20)})
    assert len(checks.open_zip(data, "ok.zip").infolist()) == 20
    with pytest.raises(InputFileError, match="lists 20 entries .* more than the 5"):
        checks.open_zip(data, "many.zip", max_entries=5)
    with pytest.raises(InputFileError, match="not a readable zip"):
        checks.open_zip(b"PK\x03\x04" + bytes(100), "cut.zip")
    with checks.open_zip(_zip({"a.mid": bytes(5000)}), "a.zip") as archive:
        with pytest.raises(InputFileError, match="unpacks to 5000 bytes, more than the 4096"):
            checks.read_member(archive, "a.mid", 4096, "a.zip")
        assert checks.read_member(archive, "a.mid", 5000, "a.zip") == bytes(5000)
