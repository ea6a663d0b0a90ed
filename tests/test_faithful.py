"""The faithful post-processor (the default mode), by music theory and hand-made solos.

Over C7 (C E G B♭, a major-quality chord) the grammar's types are, as theory.py ranks them:
chord tones C E G B♭ {0, 4, 7, 10}, scale tones of the derived F major D F A {2, 5, 9},
approach tones {1, 3, 6, 8, 11}, and no 'other' tone at all.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzcore import ParameterError
from jazzcore.dataset import Corpus, Vocabulary
from jazzcore.generate import round_trip
from jazzcore.grammar import GrammarToken, tokenize_solo
from jazzcore.postprocess import (
    check_register,
    postprocess_values,
    snap_duration,
    unparse_faithfully,
)
from jazzcore.solo import ChordEvent, Measure, MelodyNote, Solo

C7 = ChordEvent(0.0, 4.0, (48, 52, 55, 58), ("C", "E", "G", "B-"), "C7")
C7_TONES = {"C": {0, 4, 7, 10}, "S": {2, 5, 9}, "A": {1, 3, 6, 8, 11}, "X": set()}
REGISTER = (55, 84)


def pitches(values, *, previous=None, register=REGISTER, chords=(C7,), seed=0):
    sounds = unparse_faithfully(
        values, list(chords), np.random.default_rng(seed), previous=previous, register=register
    )
    return [s.pitch for s in sounds]


# ---------------------------------------------------------------------------------------
# The bracket's centre is the step the solo took


def test_a_brackets_centre_over_c7_gives_the_nearest_tone_of_the_type():
    # 'S,0.250,<P4,m-2>' is the bracket of a whole tone up (P4 = +5, m-2 = -1: centre +2).
    # From E4 (64) the solo went to F#4 (66); over C7 the scale tones are D F A, and the
    # nearest to 66 is F4 (65): one answer, whatever the seed.
    for seed in range(10):
        assert pitches(["S,0.250,<P4,m-2>"], previous=64, seed=seed) == [65]
    # A chord tone a whole tone up from E: F# is no chord tone; G (+3 from the centre 66:
    # 1 away) is; so G4, always.
    assert pitches(["C,0.250,<P4,m-2>"], previous=64) == [67]


def test_a_unison_repeats_and_a_step_never_does():
    # <m3,m-3> is the bracket of a repeated note (centre 0): E stays E.
    assert pitches(["C,0.250,<m3,m-3>"], previous=64) == [64]
    # <d4,M-2> is a semitone up (centre +1, E → F). The nearest chord tone to 65 is E itself,
    # but a step is not a repeat: G (67) is next nearest.
    assert pitches(["C,0.250,<d4,M-2>"], previous=64) == [67]


def test_two_tones_at_the_same_distance_go_to_the_phrases_line_or_to_chance():
    # From F4 (65) a minor third down (<P1,d-5>: centre -3) aims at D4 (62): the chord tones
    # C4 (60) and E4 (64) are both 2 away, and nothing else decides: the rng does.
    seen = {pitches(["C,0.250,<P1,d-5>"], previous=65, seed=s)[0] for s in range(30)}
    assert seen == {60, 64}
    # The same step after a bent note: from E4, a whole tone up as a scale tone gives F4 (65,
    # not the 66 the solo played), so the phrase's line stands a semitone higher (66); a minor
    # third down from there aims at 63, and of 60 and 64 the nearer to the line is 64.
    for seed in range(10):
        assert pitches(["S,0.250,<P4,m-2>", "C,0.250,<P1,d-5>"], previous=64, seed=seed) == [65, 64]


def test_a_type_the_chord_lacks_takes_the_nearest_type_that_exists():
    # C7 has no 'other' tone: an X is played as an approach tone (a semitone from a chord tone).
    for seed in range(10):
        (pitch,) = pitches(["X,0.250,<M3,d-3>"], previous=60, seed=seed)  # centre +1 → C#
        assert pitch == 61 and pitch % 12 in C7_TONES["A"]


# ---------------------------------------------------------------------------------------
# Phrases: where they start, where the line stays


def test_a_phrase_goes_on_from_the_previous_sets_last_note():
    # No bracket: the first note of a set. After A4 (69) the nearest chord tone of C7 is
    # B♭4 (70); after B4 (71), B♭4 and C5 are as near: either.
    assert pitches(["C,0.500"], previous=69) == [70]
    assert {pitches(["C,0.500"], previous=71, seed=s)[0] for s in range(20)} == {70, 72}
    # At the very start, the middle of the register (55–84: 69.5): B♭4 again.
    assert pitches(["C,0.500"]) == [70]
    # It is never the previous pitch again: after B♭4, the nearest other chord tone (G4 or
    # C5, 3 and 2 away) — C5.
    assert pitches(["C,0.500"], previous=70) == [72]


def test_a_phrase_starts_where_its_steps_fit_the_harmony():
    # A chord tone, then a semitone up as an approach tone ('A,0.250,<M3,d-3>'). From 62 the
    # nearest chord tones are C4 and E4 (both 2 away), but E → F lands on a scale tone while
    # C → C# is an approach tone: the phrase starts on C4, whatever the seed.
    for seed in range(10):
        assert pitches(["C,0.500", "A,0.250,<M3,d-3>"], previous=62, seed=seed) == [60, 61]


def test_in_a_one_octave_register_a_lone_tone_of_the_type_is_repeated_rather_than_lost():
    # Over a one-note "chord" (D) the only chord tone in 60-72 is D4 (62): a phrase opening
    # after D4, and an octave fall aimed back inside the register, can only repeat it.
    d = ChordEvent(0.0, 4.0, (62,), ("D",))
    assert pitches(["C,0.500"], previous=62, register=(60, 72), chords=(d,)) == [62]
    assert pitches(["C,0.500", "C,0.250,<M-6,m-10>"], register=(60, 72), chords=(d,)) == [62, 62]


@given(st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_the_line_stays_in_the_register_and_turns_at_its_edges(seed):
    # thirty falls of an octave ('<M-6,m-10>': centre -12) in a register of 55-72: a fall
    # that would leave it is played as a rise of an octave, and the previous pitch is never
    # played again — so the line goes down and up by octaves, never out
    tokens = ["C,0.250"] + ["C,0.250,<M-6,m-10>"] * 30
    result = pitches(tokens, register=(55, 72), seed=seed)
    assert all(55 <= p <= 72 and p % 12 in C7_TONES["C"] for p in result)
    assert all(a != b for a, b in zip(result, result[1:], strict=False))
    assert all(abs(b - a) == 12 for a, b in zip(result, result[1:], strict=False))


def test_a_phrase_opens_within_a_fifth_of_the_last_note():
    # After G5 (79) a chord tone of C7 opens a phrase; the chord tones nearest G5 (not G5
    # itself) are E5 (76) and B♭5 (82), 3 semitones either side. The phrase goes on a whole
    # tone up ('<M2,M2>': centre +2): from B♭5 to C6 (84), a chord tone, from E5 to F#5, not
    # one — so B♭5, whatever the seed.
    for seed in range(5):
        assert pitches(["C,0.500", "C,0.250,<M2,M2>"], previous=79, seed=seed)[0] == 82
    # After C5 (72), a phrase that rises a major third to a chord tone ('<m2,P5>': +1 to +7,
    # centre +4) fits over C7 only from a C (C → E); the Cs other than C5 itself are an
    # octave away, so it opens on the nearest chord tone instead, B♭4 (70), not an octave leap.
    assert pitches(["C,0.500", "C,0.250,<m2,P5>"], previous=72)[0] == 70
    # Alone, a phrase's first note is the nearest chord tone other than the previous note:
    # C7's chord tones are at most a major third (4) apart.
    for previous in range(60, 80):
        first = pitches(["C,0.500"], previous=previous)[0]
        assert first != previous and abs(first - previous) <= 4


@given(
    st.lists(
        st.tuples(
            st.sampled_from("CSAX"),
            st.sampled_from(["P4,m-2", "P1,d-5", "m3,m-3", "d4,M-2", "M3,d-3", "M-6,m-10"]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(0, 10**6),
)
@settings(max_examples=60, deadline=None)
def test_every_note_is_the_nearest_tone_of_its_type_to_the_recorded_step(tokens, seed):
    values = ["C,0.250"] + [f"{k},0.250,<{b}>" for k, b in tokens]
    result = pitches(values, seed=seed)
    for previous, pitch, value in zip(result, result[1:], values[1:], strict=False):
        token = GrammarToken.parse(value)
        low, high = token.semitone_range
        target = previous + (low + high) / 2
        tones = C7_TONES[token.kind] or C7_TONES["A"]
        assert pitch % 12 in tones and REGISTER[0] <= pitch <= REGISTER[1]
        assert pitch != previous or target == previous  # a step is not a repeat
        allowed = [
            q for q in range(30, 110) if q % 12 in tones and (q != previous or target == previous)
        ]
        inside = [q for q in allowed if REGISTER[0] <= q <= REGISTER[1]]
        # the nearest tone of the type to the step; if that left the register, the line
        # turns: the nearest inside it to the same step the other way
        nearest = min(abs(q - target) for q in allowed)
        turned = previous - (target - previous)
        assert abs(pitch - target) == nearest or abs(pitch - turned) == min(
            abs(q - turned) for q in inside
        )


# ---------------------------------------------------------------------------------------
# Durations, the round trip


@pytest.mark.parametrize(
    "written, kept",
    [
        (0.25, 0.25),
        (0.333, 1 / 3),  # an 8th-note triplet, as the grammar writes it
        (0.667, 2 / 3),
        (0.167, 1 / 6),  # a 16th-note triplet
        (1.333, 4 / 3),
        (0.75, 0.75),
        (0.125, 1 / 6),  # a 32nd is on neither grid: the nearest point is a 16th triplet
        (0.4, 1 / 3),
        (0.0, 0.25),  # no length: a 16th, as in the course
    ],
)
def test_durations_stay_on_the_16th_and_triplet_grids(written, kept):
    assert snap_duration(written) == pytest.approx(kept, abs=1e-12)


def four_bar_solo() -> Solo:
    """Dm7 | G7 | Cmaj7 | A7, one note after another (no gaps, so onsets survive the
    grammar), with 8ths, an 8th-note triplet, 16ths and longer notes."""
    chords = [
        ((50, 53, 57, 60), "Dm7"),
        ((55, 59, 62, 65), "G7"),
        ((48, 52, 55, 59), "Cmaj7"),
        ((57, 61, 64, 67), "A7"),
    ]
    bars = [
        [(62, 0.5), (65, 0.5), (69, 0.5), (72, 0.5), (76, 0.5), (74, 0.5), (72, 0.5), (69, 0.5)],
        [
            (71, 1 / 3),
            (72, 1 / 3),
            (74, 1 / 3),
            (77, 1.0),
            (76, 0.5),
            (74, 0.5),
            (71, 0.5),
            (67, 0.5),
        ],
        [(72, 0.5), (71, 0.25), (69, 0.25), (67, 0.5), (64, 0.5), (63, 0.5), (64, 0.5), (67, 1.0)],
        [(69, 0.5), (73, 0.5), (76, 0.5), (79, 0.5), (77, 0.5), (76, 1.5)],
    ]
    measures = []
    for k, ((chord, symbol), notes) in enumerate(zip(chords, bars, strict=True)):
        offsets = np.cumsum([0.0] + [d for _, d in notes])[:-1]
        melody = [MelodyNote(float(o), d, p) for o, (p, d) in zip(offsets, notes, strict=True)]
        measures.append(Measure(k, melody, [ChordEvent(0.0, 4.0, chord, symbol=symbol)]))
    return Solo(measures, title="four bars")


def corpus_of(solo: Solo) -> Corpus:
    measure_values = [[str(t) for t in measure] for measure in tokenize_solo(solo)]
    values = [v for m in measure_values for v in m]
    return Corpus("four bars", "-", (solo,), measure_values, values, Vocabulary.from_corpus(values))


def test_a_round_trip_of_a_four_bar_solo_keeps_its_intervals_types_and_durations():
    solo = four_bar_solo()
    corpus = corpus_of(solo)
    for seed in range(5):
        report = round_trip(corpus, seed=seed)
        assert report.register == (62, 79)  # the solo's range
        for measure, played, values in zip(
            solo.measures, report.sets, corpus.measure_values, strict=True
        ):
            original = [n.pitch for n in measure.notes]
            got = [s.pitch for s in played.sounds]
            # each bar is a phrase (its first note has no bracket): its steps come back
            assert np.diff(got).tolist() == np.diff(original).tolist()
            assert [s.duration for s in played.sounds] == pytest.approx(
                [n.duration for n in measure.notes], abs=1e-12
            )
            assert [s.kind for s in played.sounds] == [v[0] for v in values]
        melody = [s.pitch for s in report.melody]
        assert all(62 <= p <= 79 for p in melody)


# ---------------------------------------------------------------------------------------
# The modes side by side


def test_the_faithful_mode_reports_its_stages_and_the_course_mode_the_courses():
    values = ["S,0.333", "A,0.250,<M3,d-3>", "X,0.500,<P4,m-2>"]
    rng = np.random.default_rng(0)
    sounds, stages = postprocess_values(values, [C7], rng)
    assert [s.name.split()[0] for s in stages] == ["durations", "unparse", "fit"]
    assert [s.kind for s in sounds] == ["S", "A", "X"]  # the types are kept
    assert [s.offset for s in sounds] == pytest.approx([0, 1 / 3, 1 / 3 + 0.25])
    course, course_stages = postprocess_values(values, [C7], rng, mode="course")
    assert [s.name.split()[0] for s in course_stages] == [
        "read",
        "prune_grammar",
        "unparse",
        "prune_notes",
        "clean_up",
        "fit",
    ]
    assert course_stages[0].kinds_changed == 2 and all(s.kind in "CS" for s in course)
    full, _ = postprocess_values(values, [C7], np.random.default_rng(1), mode="full")
    assert all(s.kind in "CS" for s in full)  # 'full', the course's mode's old name


def test_the_measure_layout_cuts_at_the_sets_span():
    values = ["C,1.000", "C,1.000,<P4,m-2>", "C,1.000,<P4,m-2>"]
    sounds, _ = postprocess_values(values, [C7], np.random.default_rng(0), span=2.5)
    assert [(s.offset, s.duration) for s in sounds] == [(0.0, 1.0), (1.0, 1.0), (2.0, 0.5)]


@pytest.mark.parametrize("register", [(60, 70), (80, 60), (-5, 40), (100, 130), "low", (60.5, 80)])
def test_a_register_must_hold_an_octave_of_midi_pitches(register):
    with pytest.raises(ParameterError) as error:
        check_register(register)
    assert "\n" not in str(error.value)


def test_a_bad_mode_is_a_one_line_error():
    with pytest.raises(ParameterError) as error:
        postprocess_values(["C,0.250"], [C7], np.random.default_rng(0), mode="half")
    assert "faithful" in str(error.value) and "\n" not in str(error.value)
