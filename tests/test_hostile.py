"""Hostile files (issue 12): every finding has a test here (or in test_cli, test_dataset).

Each test builds its hostile input itself, shows the load ends in a one-line jazzcore error
(or a success), quickly and without running code; the heavy cases run through the fuzz
harness (bench/fuzz.py) in the slow test at the end.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from music_files import comping, line_notes, midi_bytes

from jazzcore import checks, dataset, persist, readers, sandbox, sources
from jazzcore.errors import (
    MAX_MESSAGE_CHARS,
    InputFileError,
    JazzcoreError,
    ModelFileError,
    ParameterError,
    SourceError,
)
from jazzcore.readers import xmlcheck

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import fuzz  # noqa: E402


def _one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and len(text) <= MAX_MESSAGE_CHARS
    return text


def _trio() -> bytes:
    return midi_bytes(
        [("Trumpet", [(0, 56, line_notes())]), ("Piano", [(1, 0, comping())])], title="Trio"
    )


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A private cache (the store is its uploads folder), offline."""
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    dataset.clear_corpus_cache()
    return tmp_path / "cache" / "uploads"


# --- 1. parsing in a sandbox with budgets ---------------------------------------------------


def test_a_user_file_is_parsed_in_another_process_and_the_result_comes_back(store):
    music = readers.read_music(_trio(), "trio.mid")
    stats = sandbox.last_stats()
    assert stats.isolated and stats.outcome == "ok" and stats.peak_rss_bytes < 600 * 2**20
    assert [p.info.name for p in music.parts] == ["Trumpet", "Piano"]


def test_a_parse_over_its_time_is_killed_with_a_one_line_error():
    start = time.monotonic()
    with pytest.raises(InputFileError, match="took longer than the 0.5 s") as info:
        sandbox.run(time.sleep, 30, label="slow.mid", budget=sandbox.Budget(seconds=0.5))
    assert time.monotonic() - start < 3 and sandbox.last_stats().outcome == "timeout"
    _one_line(info.value)


def test_a_parse_over_its_memory_is_stopped_with_a_one_line_error():
    budget = sandbox.Budget(seconds=10, memory_bytes=128 * 2**20)
    with pytest.raises(InputFileError, match="more than the 128 MB") as info:
        sandbox.run(bytearray, 2 * 2**30, label="big.mid", budget=budget)  # 2 GB asked
    assert sandbox.last_stats().outcome == "memory"
    _one_line(info.value)


def test_a_crashing_parser_is_a_one_line_error_and_the_next_parse_works(store):
    with pytest.raises(InputFileError, match="could not be read: the reader stopped"):
        sandbox.run(os.abort, label="crash.mid")
    assert readers.read_music(_trio() + b"", "again.mid").parts  # the zygote is still there


def test_files_read_at_once_by_several_visitors_all_come_back(store):
    import threading

    files = [
        midi_bytes([("Lead", [(0, 56, [(s, d, p + k) for s, d, p in line_notes()])])])
        for k in range(6)
    ]
    found = {}

    def read(k):
        found[k] = readers.read_music(files[k], f"{k}.mid").parts[0].notes[0].pitch

    threads = [threading.Thread(target=read, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [found[k] - found[0] for k in range(6)] == list(range(6))


def test_a_result_can_only_be_made_of_the_classes_asked_for():
    with pytest.raises(InputFileError, match="reader stopped"):
        sandbox.run(Path.home, label="x", result_types=())  # a PosixPath is not expected


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: fuzz.raw_midi(100, tracks=2_000), "2000 tracks"),
        (lambda: fuzz.raw_midi(104_000), "more than the 100000 notes"),
        (fuzz._controllers, "more than the 400000 events"),
    ],
)
def test_midi_limits_are_counted_while_walking_the_bytes_before_mido(monkeypatch, build, words):
    data = build()

    def mido_must_not_parse(*args, **kwargs):
        raise AssertionError("mido parsed a file the census should have refused")

    monkeypatch.setattr(checks.mido, "MidiFile", mido_must_not_parse)
    start = time.monotonic()
    with pytest.raises(InputFileError, match=words) as info:
        checks.scan_midi(data, "many.mid")
    assert time.monotonic() - start < 1.0
    _one_line(info.value)


def test_parts_beyond_the_limit_are_refused(store):
    with pytest.raises(InputFileError, match="more than the 256 accepted") as info:
        readers.read_music(fuzz._many_programs(), "programs.mid")
    _one_line(info.value)


@pytest.mark.parametrize(
    "data, words",
    [
        (fuzz.lead_sheet(40, beats="100000"), "time signature of '100000' beats"),
        (fuzz.lead_sheet(1260, 8), "more than the 10000 notes"),
        (fuzz.lead_sheet(2, beats="3+2"), None),  # an additive meter is fine
        (fuzz._deep_xml(), "more than 64 deep"),
        (
            b"<score-partwise><part>" + b"<measure/>" * 20_001 + b"</part></score-partwise>",
            "measures",
        ),
        (fuzz._laughs(), "declares XML entities"),
        (fuzz._external_entity(), "declares XML entities"),
        (fuzz.lead_sheet(2).replace(b"<duration>3<", b"<duration>9999999<"), "quarter notes"),
        (fuzz.lead_sheet(2).replace(b"<fifths>-1<", b"<fifths>1000000<"), "fifths"),
    ],
)
def test_musicxml_limits_and_values_are_checked_while_reading(data, words):
    text = xmlcheck.score_text(data, "score.musicxml")
    start = time.monotonic()
    if words is None:
        assert xmlcheck.xml_census(text)["note"] == 16
        return
    with pytest.raises(InputFileError, match=words) as info:
        xmlcheck.xml_census(text, "score.musicxml")
    assert time.monotonic() - start < 1.0
    _one_line(info.value)


def _bomb(size: int, lie: int | None = None) -> bytes:
    """An .mxl whose score is ``size`` bytes of spaces; ``lie``: the size its directory
    states instead."""
    data = fuzz.zip_bomb(size)
    if lie is None:
        return data
    data = bytearray(data)
    at = data.rindex(b"PK\x01\x02")  # the last directory entry: score.xml
    struct.pack_into("<I", data, at + 24, lie)
    return bytes(data)


def test_an_mxl_zip_bomb_is_refused_from_its_directory_without_inflating():
    data = _bomb(64 * 2**20)  # 64 KB holding 64 MB
    assert len(data) < 200_000
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(InputFileError, match="unpacks to 67") as info:
            xmlcheck.score_text(data, "bomb.mxl")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # nothing was inflated
    _one_line(info.value)


def test_an_mxl_whose_directory_lies_stops_inflating_where_the_directory_said():
    import tracemalloc

    data = _bomb(64 * 2**20, lie=1000)  # says 1,000 bytes, holds 64 MB
    tracemalloc.start()
    try:
        with pytest.raises(InputFileError, match="score.xml cannot be unpacked") as info:
            xmlcheck.score_text(data, "liar.mxl")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20
    _one_line(info.value)


def test_a_zip_listing_600000_entries_is_refused_from_its_end_record():
    data = fuzz.many_entries(70_000)  # past 65,535: a ZIP64 end record, as with 600,000
    start = time.monotonic()
    with pytest.raises(InputFileError, match="lists 70000 entries") as info:
        checks.open_zip(data, "many.zip")
    assert time.monotonic() - start < 0.2
    _one_line(info.value)
    with pytest.raises(ModelFileError, match="lists 70000 entries") as info:
        persist.load_model(data)
    _one_line(info.value)


# --- 2. no music21 parse cache for user files -------------------------------------------------


def test_a_planted_music21_cache_pickle_never_runs(store, tmp_path):
    from music21 import converter, environment

    marker = tmp_path / "ran"
    data = fuzz.mxl(fuzz.lead_sheet(4))
    path = sources.store_file(data, "song.mxl")
    planted = converter.PickleFilter(path).getPickleFp(
        environment.Environment().getRootTempDir(), zipType="gz"
    )
    planted.parent.mkdir(parents=True, exist_ok=True)
    before = set(planted.parent.glob("m21-*.p.gz"))
    planted.write_bytes(zlib.compress(fuzz.trap_pickle(marker)))
    future = time.time() + 3600
    os.utime(planted, (future, future))  # newer than the upload: music21 would trust it
    try:
        readers.clear_music_cache()
        assert readers.list_parts(path) and dataset.load_corpus(path).values
        assert not marker.exists()
        assert set(planted.parent.glob("m21-*.p.gz")) == before | {planted}  # none written
        # the plant is live: music21's own parse of that path runs it
        try:
            converter.parse(path)
        except Exception:
            pass
        assert marker.exists()
    finally:
        planted.unlink(missing_ok=True)


# --- 3. only jazzcore errors, short ones ------------------------------------------------------


def test_a_flipped_key_signature_bit_is_an_input_file_error(store):
    data = fuzz._flipped_key_signature()
    with pytest.raises(InputFileError, match="KeySignatureError") as info:
        readers.read_music(data, "flipped.mid")
    _one_line(info.value)


def test_alter_nan_is_an_input_file_error(store):
    with pytest.raises(InputFileError, match="alter") as info:
        readers.read_music(fuzz.lead_sheet(4, alter="nan"), "nan.musicxml")
    _one_line(info.value)


def test_a_tempo_of_zero_reads_as_the_default(store):
    assert readers.read_music(fuzz._zero_tempo(), "zero.mid").tempo_bpm == 120.0


def test_error_messages_are_cut_to_a_few_hundred_characters():
    error = ParameterError("x " * 1_000_000)
    assert len(str(error)) == MAX_MESSAGE_CHARS and str(error).endswith("…")


def _model_bytes() -> bytes:
    return fuzz.seeds_model()


def _entries(data: bytes) -> dict[str, bytes]:
    return fuzz._entries(data)


def test_an_npy_header_claiming_a_huge_shape_is_refused_before_allocating():
    data = fuzz.npz({**_entries(_model_bytes()), "kernel.npy": fuzz._npy_claiming((10**7, 10**7))})
    with pytest.raises(ModelFileError, match=r"kernel has shape \(10000000, 10000000\)") as info:
        persist.load_model(data)
    _one_line(info.value)


@pytest.mark.parametrize(
    "header, words",
    [
        ("[" * 100_000 + "]" * 100_000, "lists and records|nests"),
        ('{"a":' * 20 + "1" + "}" * 20, "nests 20 deep"),
        ("not json", "not readable JSON"),
    ],
)
def test_a_bad_json_header_is_a_model_file_error(header, words):
    with pytest.raises(ModelFileError, match=words) as info:
        persist.load_model(fuzz.with_header(_model_bytes(), header))
    _one_line(info.value)


def test_a_model_with_an_empty_or_foreign_vocabulary_is_refused_at_load():
    data = _model_bytes()
    header = fuzz.header_of(data)
    empty = {**header, "vocabulary": {"tokens": [], "counts": []}}
    with pytest.raises(ModelFileError, match="0 values"):
        persist.load_model(fuzz.with_header(data, json.dumps(empty)))
    tokens = header["vocabulary"]["tokens"]
    foreign = {
        **header,
        "vocabulary": {"tokens": ["hello", *tokens[1:]], "counts": [1] * len(tokens)},
    }
    with pytest.raises(ModelFileError, match="no grammar value"):
        persist.load_model(fuzz.with_header(data, json.dumps(foreign)))


@pytest.mark.parametrize("bad", [None, 123, 4.5, object()])
def test_sources_of_the_wrong_type_are_parameter_errors(bad):
    with pytest.raises(ParameterError):
        persist.load_model(bad)
    with pytest.raises(ParameterError):
        dataset.load_music_utils(bad if bad is not None else 123)
    with pytest.raises(ParameterError):
        readers.load_solo(bad)
    with pytest.raises(ParameterError):
        dataset.load_corpus("leadsheets", search=bad if bad is not None else 5)
    with pytest.raises(ParameterError):
        persist.load_model(_model_bytes(), vocabulary=bad if bad is not None else "abc")


def test_a_5000_character_path_is_a_one_line_error_everywhere(tmp_path):
    long = str(tmp_path / ("x" * 5000 + ".mid"))
    for call, kind in [
        (lambda: dataset.load_corpus(long), SourceError),
        (lambda: readers.read_music(long), SourceError),
        (lambda: readers.list_parts(long), SourceError),
        (lambda: persist.load_model(long[:-4] + ".npz"), ModelFileError),
        (lambda: sources.resolve_source(long), SourceError),
        (lambda: dataset.load_corpus(str(tmp_path / ("y" * 300 + ".mid"))), SourceError),
    ]:
        with pytest.raises(kind) as info:
            call()
        _one_line(info.value)


def test_a_tiny_temperature_is_refused_rather_than_sampling_nan(metheny_model):
    with pytest.raises(ParameterError, match="temperature") as info:
        metheny_model.sample(10, temperature=5e-324, seed=0)
    _one_line(info.value)
    assert len(metheny_model.sample(10, temperature=1e-3, seed=0)) == 10  # the floor samples


# --- 5. amplification ---------------------------------------------------------------------------


def test_a_model_of_zeros_that_unpacks_far_beyond_its_size_is_refused_unread():
    data = _model_bytes()
    header = fuzz.header_of(data)
    tokens = [f"C,{k / 1000 + 0.001:.3f}" for k in range(1_000)]
    big = {**header, "n_a": 1024, "vocabulary": {"tokens": tokens, "counts": [1] * len(tokens)}}
    shapes = persist.LSTMWeights.shapes(len(tokens), 1024)
    arrays = {n: np.zeros(s, np.float32) for n, s in zip(persist.WEIGHT_NAMES, shapes, strict=True)}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, header=np.array(json.dumps(big)), **arrays)
    bomb = buffer.getvalue()
    assert len(bomb) < 200_000
    with pytest.raises(ModelFileError, match="times its size") as info:
        persist.load_model(bomb)
    _one_line(info.value)


def test_a_weight_entry_larger_than_its_header_needs_is_refused_unread():
    entries = _entries(_model_bytes())
    entries["kernel.npy"] += bytes(64 * 2**20)
    with pytest.raises(ModelFileError, match="kernel.npy unpacks to") as info:
        persist.load_model(fuzz.npz(entries))
    _one_line(info.value)


def test_a_huge_history_is_refused_before_json_reads_it():
    data = _model_bytes()
    history = [{"epoch": k, "loss": 1.0} for k in range(200_000)]
    header = json.dumps({**fuzz.header_of(data), "history": history})
    with pytest.raises(ModelFileError, match="lists and records|longer than") as info:
        persist.load_model(fuzz.with_header(data, header))
    _one_line(info.value)
    ok = {**fuzz.header_of(data), "history": history[:50]}
    assert len(persist.load_model(fuzz.with_header(data, json.dumps(ok))).history) == 50


def test_xy_too_big_for_memory_is_refused_before_allocating():
    values_indices = {f"C,{k + 1}.000": k for k in range(78)}  # the course's 78 values
    corpus = list(values_indices) * 10
    with pytest.raises(ParameterError, match="too big to hold") as info:
        dataset.data_processing(corpus, values_indices, m=10_000, Tx=500)  # was 6.3 GB
    _one_line(info.value)
    X, _, _ = dataset.data_processing(corpus, values_indices, m=60, Tx=30)
    assert X.shape == (60, 30, 78)


def test_the_music_cache_is_bounded_by_notes(store, monkeypatch):
    from jazzcore.readers import load

    files = [
        midi_bytes([("Trumpet", [(0, 56, [(s, d, p + shift) for s, d, p in line_notes()])])])
        for shift in range(4)
    ]
    readers.clear_music_cache()
    notes = len(readers.read_music(files[0], "0.mid").parts[0].notes)
    monkeypatch.setattr(load, "MUSIC_CACHE_NOTES", notes * 2 + 1)
    for data in files[1:]:
        readers.read_music(data, "x.mid")
    assert len(load._MUSIC) == 2  # the two newest: the oldest went out for their notes


# --- the harness, quick: ~50 files -------------------------------------------------------------


def over_a_gigabyte(results, baseline: int) -> list[str]:
    """The loads whose parser process, or the growth of this process over ``baseline`` (its
    resident memory before the run: pytest may already hold TensorFlow), passed 1 GB."""
    return [
        r.case.name
        for r in results
        if (r.parser_peak or 0) > fuzz.BIG_BYTES or r.peak_bytes - baseline > fuzz.BIG_BYTES
    ]


def resident_bytes() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def test_fifty_fuzzed_files_load_as_the_app_loads_them(store, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    quick = {
        "midi: a flipped key signature (mido KeySignatureError)",
        "musicxml: <alter>nan</alter>",
        "musicxml: <beats>100000</beats>",
        "model: kernel .npy header claiming (10^7, 10^7)",
        "model: JSON header nested 100,000 deep",
        "model: source naming /etc/passwd",
        "model: a pickle that runs code",
        "mxl: planted music21 cache pickle",
    }
    crafted = [c for c in fuzz.crafted_cases(work, _model_bytes(), heavy=False) if c.name in quick]
    mutated = fuzz.mutated_cases(seed=7, count=42, include_metheny=False)
    baseline = resident_bytes()
    results = fuzz.run(crafted + mutated, work)
    counts = fuzz.summary(results)
    assert counts["files"] == 50
    bad = [f"{r.case.name}: {r.message}" for r in results if r.outcome == "other exception"]
    assert not bad
    assert not over_a_gigabyte(results, baseline)
    assert counts["over 10 s"] == counts["code ran"] == 0
    assert counts["long message"] == counts["reader crash"] == 0
    assert counts["jazzcore error"] and counts["success"]  # both kinds of outcome are met


@pytest.mark.slow
def test_the_heavy_crafted_cases_meet_the_targets(store, tmp_path):
    """Bombs, 50,000 notes, 2,000 tracks, ticks per beat 1 …: each under 10 s and 1 GB."""
    work = tmp_path / "work"
    work.mkdir()
    cases = fuzz.crafted_cases(work, _model_bytes(), heavy=True)
    baseline = resident_bytes()
    results = fuzz.run(cases, work)
    counts = fuzz.summary(results)
    slow = [f"{r.case.name}: {r.seconds:.1f} s" for r in results if r.seconds > 10]
    assert not slow and counts["other exception"] == 0
    assert not over_a_gigabyte(results, baseline)
    assert counts["code ran"] == 0 and counts["long message"] == 0


def test_pickle_is_not_how_a_result_could_run_code():
    """The sandbox's reader of a child's reply builds nothing but the classes asked for."""
    reply = pickle.dumps(("ok", fuzz._Exec("raise SystemExit('ran')"), 0))
    with pytest.raises(InputFileError, match="reader stopped"):
        sandbox._outcome(reply, "done", "x", (), sandbox.DEFAULT_BUDGET, 0.1, 0.1)


def test_every_error_of_the_package_is_a_jazzcore_error():
    assert issubclass(InputFileError, JazzcoreError) and issubclass(ModelFileError, JazzcoreError)
