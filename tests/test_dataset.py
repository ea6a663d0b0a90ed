"""Vocabulary, X/Y and the course's load_music_utils on the real Metheny solo; corpora of
several files, and the record of a corpus's source a model keeps."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from music_files import comping, line_notes, midi_bytes

from jazzcore import dataset, sources
from jazzcore.errors import InputFileError, MelodyError, ParameterError, SourceError
from jazzcore.solo import ChordTimeline


def test_load_music_utils_gives_the_courses_figures(metheny_file):
    X, Y, n_values, indices_values, chords = dataset.load_music_utils(str(metheny_file))
    assert n_values == 78
    assert X.shape == (60, 30, 78) and Y.shape == (30, 60, 78)
    assert len(indices_values) == 78 and len(chords) == 18  # the course's 18 sets of chords
    assert isinstance(chords, ChordTimeline)
    assert all(len(c.pitches) >= 2 for measure in chords for c in measure)  # the piano's chords


def test_metheny_by_name_from_the_cache(metheny_cache, monkeypatch):
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    X, Y, n_values, _, _ = dataset.load_music_utils("metheny")
    assert (n_values, X.shape, Y.shape) == (78, (60, 30, 78), (30, 60, 78))


def test_same_file_same_seed_same_vocabulary_and_xy(metheny_file):
    first = dataset.load_corpus(str(metheny_file))
    dataset.clear_corpus_cache()
    second = dataset.load_corpus(str(metheny_file))
    assert first is not second
    assert dataset.load_corpus(str(metheny_file)) is second  # the same bytes: from memory
    assert first.vocabulary.tokens == second.vocabulary.tokens
    assert list(first.vocabulary.tokens) == sorted(first.vocabulary.tokens)
    X1, Y1 = first.xy()
    X2, Y2 = second.xy()
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)
    X3, _ = first.xy(seed=1)
    assert not np.array_equal(X1, X3)


def test_a_shared_corpus_cannot_be_changed_by_its_users(metheny_file):
    corpus = dataset.load_corpus(str(metheny_file))
    with pytest.raises(dataclasses.FrozenInstanceError):
        corpus.values = ()
    assert isinstance(corpus.values, tuple) and isinstance(corpus.solos, tuple)
    assert all(isinstance(m, tuple) for m in corpus.measure_values)
    assert sum(len(m) for m in corpus.measure_values) == len(corpus.values) == 193
    # the course's dictionaries are the caller's own copies
    corpus.vocabulary.values_indices["C,0.250"] = 999
    corpus.vocabulary.indices_values[0] = "X,9.000"
    corpus.chords.measures.clear()
    again = dataset.load_corpus(str(metheny_file))
    assert again is corpus
    assert again.vocabulary.values_indices == {t: i for i, t in enumerate(again.vocabulary.tokens)}
    assert again.vocabulary.indices_values[0] == again.vocabulary.tokens[0]
    assert len(again.chords) == 18


def test_vocabulary_is_sorted_and_counts_the_corpus():
    vocab = dataset.Vocabulary.from_corpus(["S,0.500", "C,0.250", "S,0.500", "R,1.000"])
    assert vocab.tokens == ("C,0.250", "R,1.000", "S,0.500") and vocab.counts == (1, 1, 2)
    assert vocab.index("S,0.500") == 2 and "R,1.000" in vocab and "X,1.000" not in vocab
    assert vocab.decode(vocab.encode(["S,0.500", "C,0.250"])) == ["S,0.500", "C,0.250"]
    with pytest.raises(ParameterError, match="not in this vocabulary"):
        vocab.index("X,1.000")
    # the course's values_indices in place of indices_values names the mix-up
    with pytest.raises(ParameterError, match="not values_indices"):
        dataset.Vocabulary.from_indices_values(vocab.values_indices)
    assert dataset.Vocabulary.from_indices_values(vocab.indices_values).tokens == vocab.tokens


def test_xy_obey_the_shift_rule_on_the_real_corpus(metheny_file):
    corpus = dataset.load_corpus(str(metheny_file))
    X, Y = corpus.xy()
    assert not X[:, 0].any() and not Y[-1].any()
    assert np.array_equal(Y[:-1], np.swapaxes(X[:, 1:], 0, 1))
    assert (X[:, 1:].sum(axis=2) == 1).all()  # one-hot from step 1 on
    # Each window is consecutive corpus values: decode example 0 and find it in the corpus.
    window = corpus.vocabulary.decode(X[0, 1:].argmax(axis=1))
    text = " ".join(corpus.values)
    assert " ".join(window) in text


def test_window_starts_match_numpy_global_seed_zero():
    # The course draws starts with np.random.seed(0); np.random.choice(len(corpus) - Tx) per window.
    corpus = [f"C,{d:.3f}" for d in np.linspace(0.25, 4, 40)]
    vocab = dataset.Vocabulary.from_corpus(corpus)
    X, _, _ = dataset.data_processing(corpus, vocab.values_indices, m=3, Tx=5)
    state = np.random.get_state()
    np.random.seed(0)
    starts = [np.random.choice(len(corpus) - 5) for _ in range(3)]
    np.random.set_state(state)
    for i, s in enumerate(starts):
        assert vocab.decode(X[i, 1:].argmax(axis=1)) == corpus[s + 1 : s + 5]


@given(
    st.lists(
        st.sampled_from(["C,0.250", "S,0.500,<m2,P-4>", "R,1.000", "A,0.333,<M3,m-2>"]),
        min_size=12,
        max_size=60,
    ),
    st.integers(2, 10),
    st.integers(1, 8),
)
def test_shift_rule_property(values, Tx, m):
    vocab = dataset.Vocabulary.from_corpus(values)
    if len(values) <= Tx:
        with pytest.raises(ParameterError):
            dataset.data_processing(values, vocab.values_indices, m, Tx)
        return
    X, Y, n = dataset.data_processing(values, vocab.values_indices, m, Tx)
    assert X.shape == (m, Tx, n) and Y.shape == (Tx, m, n)
    assert (
        np.array_equal(Y[:-1], np.swapaxes(X[:, 1:], 0, 1))
        and not Y[-1].any()
        and not X[:, 0].any()
    )


def test_bad_parameters_are_one_line_errors():
    vocab = dataset.Vocabulary.from_corpus(["C,0.250"] * 40)
    with pytest.raises(ParameterError, match="m = 0"):
        dataset.data_processing(["C,0.250"] * 40, vocab.values_indices, m=0)
    with pytest.raises(ParameterError, match="too few"):
        dataset.data_processing(["C,0.250"] * 40, vocab.values_indices, Tx=50)


# --- corpora of several files, and the record a model keeps ----------------------------------


def _band(transpose: int, with_chords: bool = True) -> bytes:
    """A trio (trumpet, piano voicings, walking bass) of the ii-V-I, moved by some semitones."""
    voices = [(0, 56, [(s, d, p + transpose) for s, d, p in line_notes()])]
    if with_chords:
        voices.append((2, 0, [(s, d, tuple(p + transpose for p in c)) for s, d, c in comping()]))
    return midi_bytes([("Band", voices)])


@pytest.fixture
def solos(tmp_path):
    """A folder of three solos (the band in C, F and B-) and a melody without chords."""
    folder = tmp_path / "solos"
    folder.mkdir()
    for name, shift in [("a in C.mid", 0), ("b in F.mid", 5), ("c in B-.mid", -2)]:
        (folder / name).write_bytes(_band(shift))
    (folder / "d alone.mid").write_bytes(_band(0, with_chords=False))
    (folder / ".hidden.mid").write_bytes(b"not music")
    return folder


def test_a_folder_of_solos_is_one_corpus(solos):
    dataset.clear_corpus_cache()
    corpus = dataset.load_corpus(solos)
    assert corpus.name == "solos (3 files, 1 skipped)" and len(corpus.solos) == 3
    assert corpus.skipped == (f"d alone.mid: {_alone_message()}",)
    # the same tune in three keys: the grammar (chord, scale … and intervals) is the same
    singles = [dataset.load_corpus(solos / n) for n in ("a in C.mid", "b in F.mid", "c in B-.mid")]
    assert corpus.values == sum((c.values for c in singles), ())
    assert corpus.solo_lengths == tuple(len(c.values) for c in singles)
    assert set(corpus.vocabulary.tokens) == set().union(*(c.vocabulary.tokens for c in singles))
    assert len(corpus.chords) == sum(len(c.chords) for c in singles)
    record = dataset.CorpusSource.from_record(corpus.source)
    assert [f.name for f in record.files] == ["a in C.mid", "b in F.mid", "c in B-.mid"]


def test_a_folder_whose_files_take_too_long_is_refused_in_one_line(solos, monkeypatch):
    # A budget of 0 s: after the first file, the rest is not read (a zip of files that each
    # use up the sandbox's seconds must not hold the parser for minutes).
    dataset.clear_corpus_cache()
    monkeypatch.setattr(dataset, "MAX_READ_SECONDS", 0.0)
    with pytest.raises(InputFileError) as info:
        dataset.load_corpus(solos)
    message = str(info.value)
    assert "1 of 4 files read" in message and "\n" not in message and len(message) < 300


def _alone_message() -> str:
    from jazzcore.readers import load_solo

    with pytest.raises(MelodyError) as info:
        load_solo(_band(0, with_chords=False))
    return str(info.value).replace("The music", "d alone.mid")


def test_windows_never_run_from_one_solo_into_the_next(solos):
    corpus = dataset.load_corpus(solos)
    lengths = corpus.solo_lengths
    X, Y = corpus.xy(m=200, Tx=8, seed=3)
    bounds = np.cumsum((0,) + lengths)
    starts = dataset.window_starts(lengths, 200, 8, seed=3)
    assert all(
        any(b <= s and s + 8 <= e for b, e in zip(bounds, bounds[1:], strict=False)) for s in starts
    )
    for i, s in enumerate(starts):  # each window is those values, in order
        assert corpus.vocabulary.decode(X[i, 1:].argmax(axis=1)) == list(
            corpus.values[s + 1 : s + 8]
        )
    # every start inside a solo can be drawn: with one solo, the course's draws
    assert set(dataset.window_starts([40], 400, 5)) == set(range(35))


def test_a_zip_of_solos_is_the_same_corpus(solos, tmp_path):
    archive = tmp_path / "solos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(solos.iterdir()):
            z.write(path, f"tunes/{path.name}")
        z.writestr("__MACOSX/._a in C.mid", b"resource fork")
    corpus = dataset.load_corpus(archive)
    assert corpus.values == dataset.load_corpus(solos).values
    assert corpus.name == "solos.zip (3 files, 1 skipped)"
    assert [f.member for f in dataset.CorpusSource.from_record(corpus.source).files] == [
        "tunes/a in C.mid",
        "tunes/b in F.mid",
        "tunes/c in B-.mid",
    ]
    # a list of paths: one corpus of all their files
    both = dataset.load_corpus([solos / "a in C.mid", archive])
    assert len(both.solos) == 4 and both.name == "4 files, 1 skipped"


def test_the_same_bytes_give_the_same_corpus_whatever_the_name(tmp_path, metheny_file):
    data = _band(0)
    (tmp_path / "mine.mid").write_bytes(data)
    (tmp_path / "3f9a1c0b7d2e4a51.mid").write_bytes(data)
    first = dataset.load_corpus(tmp_path / "mine.mid")
    second = dataset.load_corpus(tmp_path / "3f9a1c0b7d2e4a51.mid")
    assert first.values == second.values and first.vocabulary == second.vocabulary
    assert first.chords == second.chords and first.sha256 == second.sha256
    pairs = zip(first.xy(m=20, Tx=8), second.xy(m=20, Tx=8), strict=True)
    assert all(np.array_equal(a, b) for a, b in pairs)
    # the course's file under an upload's name is still the course's 78 values
    upload = tmp_path / "0da8322ceab36b03.mid"
    upload.write_bytes(metheny_file.read_bytes())
    corpus = dataset.load_corpus(upload)
    assert corpus.n_values == 78 and len(corpus.values) == 193
    # the whole song, when asked for: the general reader, the guitar as the melody
    whole = dataset.load_corpus(upload, whole_song=True)
    assert whole.solos[0].melody_part == "part 5 (Guitar)" and len(whole.values) > 1000
    assert dataset.CorpusSource.from_record(whole.source).whole_song


def test_a_model_records_its_corpus_by_content_not_by_path(tmp_path, monkeypatch):
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "songs").mkdir()
    (tmp_path / "songs" / "band.mid").write_bytes(_band(0))
    monkeypatch.chdir(tmp_path)
    corpus = dataset.load_corpus("songs/band.mid", melody_part="Band (Trumpet)", measures=(1, 3))
    assert (
        str(tmp_path) not in corpus.source and "path" not in json.loads(corpus.source)["files"][0]
    )
    record = dataset.CorpusSource.from_record(corpus.source)
    assert record.files[0] == dataset.SourceFile("band.mid", corpus.sha256)
    assert (record.melody_part, record.measures) == ("Band (Trumpet)", (1, 3))
    assert "band.mid; melody part Band (Trumpet); measures 1–3" == record.describe()
    # read back from elsewhere, with no option repeated: found in the store by its hash
    monkeypatch.chdir("/")
    dataset.clear_corpus_cache()
    again = dataset.load_corpus(corpus.source)
    assert again.values == corpus.values and again.source == corpus.source
    with pytest.raises(ParameterError, match="already says"):
        dataset.load_corpus(corpus.source, measures=(0, 1))


def test_a_recorded_file_is_found_by_its_hash_in_the_store_or_where_the_caller_says(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "band.mid"
    path.write_bytes(_band(0))
    corpus = dataset.load_corpus(path)
    stored = tmp_path / "cache" / "uploads" / f"{corpus.sha256[:16]}.mid"
    assert stored.read_bytes() == path.read_bytes()  # kept by its hash when it was read
    path.unlink()
    dataset.clear_corpus_cache()
    assert dataset.load_corpus(corpus.source).values == corpus.values
    # out of the store: named by the caller, or an error that says how to name it
    stored.unlink()
    dataset.clear_corpus_cache()
    with pytest.raises(SourceError, match="band.mid, a file of this corpus .* --source") as info:
        dataset.load_corpus(corpus.source)
    assert "\n" not in str(info.value)
    elsewhere = tmp_path / "moved"
    elsewhere.mkdir()
    (elsewhere / "renamed.mid").write_bytes(_band(0))
    (elsewhere / "other.mid").write_bytes(_band(3))
    assert dataset.load_corpus(corpus.source, search=[elsewhere]).values == corpus.values
    # a file of the same name with other bytes is not the model's corpus
    stored.unlink()
    (elsewhere / "renamed.mid").unlink()
    dataset.clear_corpus_cache()
    with pytest.raises(SourceError, match="not in jazzcore's store"):
        dataset.load_corpus(corpus.source, search=[elsewhere])


def test_a_path_in_a_record_is_never_opened(tmp_path, monkeypatch):
    """An older record's (or a forged model's) path is ignored: the bytes at it, even the
    right ones, are used only when they are in the store or the caller names them."""
    monkeypatch.setenv("JAZZCORE_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "band.mid"
    path.write_bytes(_band(0))
    sha = sources.sha256_of(path)
    record = json.dumps(
        {
            "format": "jazzcore-corpus",
            "version": 1,
            "kind": "files",
            "files": [{"name": "band.mid", "sha256": sha, "path": str(path), "member": ""}],
        }
    )
    opened = []
    real = sources.read_checked
    monkeypatch.setattr(sources, "read_checked", lambda p: opened.append(str(p)) or real(p))
    with pytest.raises(SourceError, match="not in jazzcore's store"):
        dataset.load_corpus(record)
    assert str(path) not in opened
    assert dataset.load_corpus(record, search=[path]).sha256 == sha  # named by the caller


def test_older_records_still_load(metheny_cache, monkeypatch):
    monkeypatch.setenv("JAZZCORE_OFFLINE", "1")
    assert dataset.load_corpus("metheny").source == "metheny"
    path = str(metheny_cache / "original_metheny.mid")
    assert dataset.load_corpus(path).n_values == 78  # models once kept the path as given
    with pytest.raises(SourceError, match="not one jazzcore wrote"):
        dataset.CorpusSource.from_record('{"format": "something else"}')
