"""Musical-quality metrics, checked on hand-made solos whose figures follow from theory."""

from __future__ import annotations

import numpy as np
import pytest

import jazzcore
from jazzcore import ParameterError
from jazzcore.dataset import load_corpus
from jazzcore.generate import GenerationReport, SetReport, generate_music
from jazzcore.midi import write_midi
from jazzcore.postprocess import Sound
from jazzcore.quality import (
    COLUMNS,
    FIGURES,
    RANDOM_PIECES,
    SoloMetrics,
    excerpts,
    longest_copy,
    max_polyphony,
    metrics,
    quality_table,
    total_variation,
)
from jazzcore.readers import load_solo
from jazzcore.solo import ChordEvent, Measure, MelodyNote, Solo

# C7 = C E G B♭; its scale tones (F major, not chord tones) are D F A; C# is an approach tone.
C7 = ChordEvent(0.0, 4.0, (48, 52, 55, 58), ("C", "E", "G", "B-"), "C7")
PITCHES = [64, 62, 61, 64, 64, 67]  # E D C# E E G: C S A C C C
DURATIONS = [0.5, 0.5, 0.5, 0.5, 1.0, 1.0]


def solo_over_c7(pitches=PITCHES) -> Solo:
    notes, offset = [], 0.0
    for p, d in zip(pitches, DURATIONS, strict=True):
        notes.append(MelodyNote(offset % 4, d, p))
        offset += d
    first = [n for n in notes[:4]]
    second = [n for n in notes[4:]]
    return Solo([Measure(0, first, [C7]), Measure(1, second, [])], title="test")


def test_shares_range_intervals_and_repeats_of_a_hand_made_solo():
    m = metrics(solo_over_c7())
    assert m.n_notes == 6
    assert (
        m.chord_tone_share,
        m.scale_tone_share,
        m.approach_tone_share,
        m.other_tone_share,
    ) == pytest.approx(
        (4 / 6, 1 / 6, 1 / 6, 0.0)
    )  # the second measure has no chord of its own: C7 carries on
    assert m.outside_scale_share == pytest.approx(1 / 6)  # C#: neither chord nor scale tone
    assert (m.lowest, m.highest, m.pitch_range) == (61, 67, 6)
    # steps: -2, -1, +3, 0, +3 → mean |step| = 9/5; one repeat in five steps
    assert m.mean_abs_interval == pytest.approx(9 / 5)
    assert m.repeated_pitch_share == pytest.approx(1 / 5)
    assert m.interval_histogram == pytest.approx({-2: 0.2, -1: 0.2, 0: 0.2, 3: 0.4})
    # C7 is written in the first measure only: it ends at beat 4, and the two notes of the
    # second measure (carried over C7 for their types) start after the chords end
    assert m.notes_after_chords == pytest.approx(2 / 6)
    assert m.max_polyphony == 1
    histogram = np.zeros(12)
    histogram[[4, 2, 1, 7]] = [3 / 6, 1 / 6, 1 / 6, 1 / 6]
    assert m.pitch_class_histogram == pytest.approx(tuple(histogram))
    assert m.duration_histogram == pytest.approx({0.5: 4 / 6, 1.0: 2 / 6})
    assert m.pitch_class_distance is None and m.duration_distance is None


def test_distances_to_the_reference_are_total_variation():
    same = metrics(solo_over_c7(), reference=solo_over_c7())
    assert same.pitch_class_distance == 0.0 and same.duration_distance == 0.0
    assert same.interval_distance == 0.0
    # a tritone up: E D C# G become B- A- G C#, so only C# and G (1/6 each) are shared
    moved = metrics(solo_over_c7([p + 6 for p in PITCHES]), reference=solo_over_c7())
    # original: E 3/6, D 1/6, C# 1/6, G 1/6; moved: B- 3/6, A- 1/6, G 1/6, C# 1/6 → overlap 2/6
    assert moved.pitch_class_distance == pytest.approx(1 - 2 / 6)
    assert moved.duration_distance == 0.0 and moved.interval_distance == 0.0  # same steps
    # the reference measured once and passed as its SoloMetrics gives the same distances
    measured_once = metrics(
        solo_over_c7([p + 6 for p in PITCHES]), reference=metrics(solo_over_c7())
    )
    assert measured_once.pitch_class_distance == pytest.approx(1 - 2 / 6)
    assert measured_once.duration_distance == 0.0
    assert total_variation({0.25: 1.0}, {0.5: 1.0}) == 1.0


def test_generated_sounds_are_typed_against_the_chord_they_were_made_over():
    sounds = [
        Sound(0.0, 0.25, 64, "C", C7),
        Sound(0.25, 0.25, None, "R"),
        Sound(0.5, 0.25, 66, "A", C7),  # F# over C7: a semitone below G
    ]
    report = GenerationReport(
        [SetReport(1, 0.0, [C7], [], sounds)], "full", "course", 130.0, 3, 1, sounds, [C7]
    )
    m = metrics(report)
    assert m.n_notes == 2 and m.chord_tone_share == 0.5 and m.approach_tone_share == 0.5
    assert m.mean_abs_interval == 2.0


def test_the_training_solo_is_typed_as_the_tokenizer_typed_it(metheny_file):
    # One theory: the metrics of the Metheny solo give the tone types of its grammar values
    # (the course's corpus: 117 C, 44 S, 25 A, 7 X among 193 values; 153 of them 16ths).
    corpus = load_corpus(metheny_file)
    kinds = [v[0] for v in corpus.values]
    assert [kinds.count(k) for k in "CSAX"] == [117, 44, 25, 7]
    by_solo = metrics(corpus, reference=corpus)
    assert by_solo.n_notes == 193 and by_solo.pitch_class_distance == 0.0
    shares = (
        by_solo.chord_tone_share,
        by_solo.scale_tone_share,
        by_solo.approach_tone_share,
        by_solo.other_tone_share,
    )
    assert shares == pytest.approx((117 / 193, 44 / 193, 25 / 193, 7 / 193))
    assert by_solo.duration_histogram[0.25] == pytest.approx(153 / 193)
    assert (by_solo.lowest, by_solo.highest) == (49, 82)


def test_jazzcore_metrics_is_the_function():
    assert jazzcore.metrics is metrics
    assert isinstance(jazzcore.metrics(solo_over_c7()), SoloMetrics)


def test_summary_has_the_scalar_figures():
    summary = metrics(solo_over_c7()).summary()
    assert "chord_tone_share" in summary and "pitch_class_histogram" not in summary


@pytest.mark.parametrize("bad", [[], ["C,0.250"], Solo([Measure(0, [], [C7])]), 42])
def test_nothing_to_measure(bad):
    with pytest.raises(ParameterError):
        metrics(bad)


# ---------------------------------------------------------------------------------------
# The figures that tell a model from noise


def test_polyphony_counts_notes_sounding_together():
    assert max_polyphony([]) == 0
    assert max_polyphony([(0, 1), (1, 2), (2, 2.5)]) == 1  # one after another: a line
    assert max_polyphony([(0, 2), (1, 3), (1.5, 2.5), (2.5, 4)]) == 3
    # a third of a quarter three times ends where the next note starts
    assert (
        max_polyphony([(0, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1.0), (1 / 3 + 1 / 3 + 1 / 3, 2)]) == 1
    )


def test_a_leap_beyond_an_octave_is_counted_at_an_octave():
    solo = solo_over_c7([64, 62, 61, 64, 80, 67])  # E5 + an octave and a fourth, then down
    m = metrics(solo)
    assert m.interval_histogram == pytest.approx({-2: 0.2, -1: 0.2, 3: 0.2, 12: 0.2, -12: 0.2})


def test_the_longest_verbatim_copy():
    corpus = ["z", "a", "b", "c", "a", "b"]
    assert longest_copy(["a", "b", "c", "x"], corpus) == 3
    assert longest_copy(["c", "a", "b", "a"], corpus) == 3
    assert longest_copy(["x", "y"], corpus) == 0 and longest_copy([], corpus) == 0
    assert longest_copy(corpus, corpus) == 6


def test_the_figures_read_back_from_a_tiny_midi_file(tmp_path):
    # A two-bar line over C7 | F7, written as MIDI and read back by the general reader:
    # E G B♭ D♭ over C7 (three chord tones, D♭ a semitone from C: an approach tone) and
    # A C E♭ F♯ over F7 (three chord tones, F♯ a semitone above F: an approach tone).
    f7 = ChordEvent(4.0, 4.0, (53, 57, 60, 63), ("F", "A", "C", "E-"), "F7")
    melody = [Sound(i, 1.0, p, "C") for i, p in enumerate([64, 67, 70, 73, 69, 72, 75, 66])]
    path = tmp_path / "two_bars.mid"
    path.write_bytes(write_midi(melody, [C7, f7], tempo_bpm=120))
    m = metrics(load_solo(path))
    assert m.n_notes == 8 and m.max_polyphony == 1 and m.notes_after_chords == 0.0
    assert m.chord_tone_share == pytest.approx(6 / 8)
    assert m.outside_scale_share == pytest.approx(2 / 8)
    steps = [3, 3, 3, -4, 3, 3, -9]
    assert m.mean_abs_interval == pytest.approx(sum(map(abs, steps)) / 7)
    assert m.duration_histogram == {1.0: 1.0}


@pytest.fixture(scope="module")
def metheny(metheny_file):
    return load_corpus(metheny_file)


class Replay:
    """A stand-in model that replays the corpus from a seeded start."""

    def __init__(self, corpus):
        self.vocabulary = corpus.vocabulary
        self.indices = corpus.vocabulary.encode(corpus.values)

    def sample(self, Ty, *, seed=None, **options):
        start = np.random.default_rng(seed).integers(len(self.indices))
        return np.resize(np.roll(self.indices, -start), Ty)


def test_the_table_sets_a_piece_beside_the_training_solo_and_random_values(metheny):
    _, report = generate_music(Replay(metheny), chords=metheny, seed=3, return_stream=False)
    table = quality_table(report, metheny)
    assert len(table.random) == RANDOM_PIECES
    rows = table.rows()
    assert [r["figure"] for r in rows] == [label for _, label in FIGURES]
    assert all(tuple(r) == COLUMNS for r in rows)
    by_figure = {name: row for (name, _), row in zip(FIGURES, rows, strict=True)}
    # the replayed corpus copies long runs; uniformly random values almost never do
    assert int(by_figure["longest_copy"]["generated"]) >= 10
    assert float(by_figure["longest_copy"]["random values"]) < 4
    assert by_figure["longest_copy"]["training solo"] == "—"
    assert by_figure["n_notes"]["training solo"] == "193"
    assert by_figure["notes_after_chords"]["generated"] == "0.00"
    # the training column's distances are those of its own runs as long as the piece
    floor = np.mean([m.interval_distance for m in table.excerpts])
    assert by_figure["interval_distance"]["training solo"] == f"{floor:.2f}"
    assert 0 < floor < 0.5
    assert table.markdown().count("\n") == len(FIGURES) + 2


def test_excerpts_of_the_whole_solo_are_the_solo():
    (whole,) = excerpts(solo_over_c7(), 6)
    assert whole.interval_distance == 0.0 and whole.n_notes == 6
    runs = excerpts(solo_over_c7(), 3)
    assert [m.n_notes for m in runs] == [3, 3, 3, 3]
    # E D C# | D C# E | C# E E | E E G: steps (-2,-1), (-1,3), (3,0), (0,3) against the whole's
    assert runs[0].interval_distance == pytest.approx(
        total_variation({-2: 0.5, -1: 0.5}, {-2: 0.2, -1: 0.2, 0: 0.2, 3: 0.4})
    )
