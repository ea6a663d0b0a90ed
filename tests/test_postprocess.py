"""The post-processor: the course's stages (mode 'course') and the faithful mode, by theory.

(generate_music, which runs them over a whole piece, is tested in test_generate.py; the
faithful mode's own tests are in test_faithful.py.)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzcore.dataset import load_corpus
from jazzcore.grammar import GrammarToken
from jazzcore.postprocess import (
    Sound,
    clean_up_notes,
    postprocess_values,
    prune_grammar,
    prune_notes,
    unparse_grammar,
)
from jazzcore.solo import ChordEvent
from jazzcore.theory import tone_classes

# C7 = C E G B♭. It is a major-quality chord, so its scale is the major scale holding
# C, E, G and B♭: F major (F G A B♭ C D E). By theory, as the grammar ranks the types:
C7 = ChordEvent(0.0, 4.0, (48, 52, 55, 58), ("C", "E", "G", "B-"), "C7")
C7_TONES = {"C": {0, 4, 7, 10}, "S": {2, 5, 9}, "A": {1, 3, 6, 8, 11}, "X": set()}
# Dm7 (D F A C) and G7 (G B D F), for the chord that sounds at each offset.
DM7 = ChordEvent(0.0, 2.0, (50, 53, 57, 60), ("D", "F", "A", "C"), "Dm7")
G7 = ChordEvent(2.0, 2.0, (55, 59, 62, 65), ("G", "B", "D", "F"), "G7")


@pytest.fixture(scope="module")
def corpus(metheny_file):
    return load_corpus(metheny_file)


# ---------------------------------------------------------------------------------------
# unparse, by theory


def test_tone_classes_of_c7_are_those_of_theory():
    classes = tone_classes(C7)
    assert {k: set(classes.of(k)) for k in "CSAX"} == C7_TONES
    dm7 = tone_classes(DM7)
    assert set(dm7.C) == {2, 5, 9, 0}
    # two dorian scales hold D F A C: D dorian (adds E G B) and G dorian (adds E G B♭);
    # music21's derive, which the course uses, ranks G dorian first
    assert set(dm7.S) in ({4, 7, 11}, {4, 7, 10})


def test_a_measure_starts_on_a_chord_tone_in_octave_4_or_above():
    for seed in range(20):
        (first,) = unparse_grammar(["C,0.250"], [C7], np.random.default_rng(seed))
        assert first.pitch in {60, 64, 67, 70}  # C7's pitches raised to octave 4
        assert (first.offset, first.duration, first.kind) == (0.0, 0.25, "C")


@pytest.mark.parametrize("kind", ["S", "A"])
def test_a_first_note_of_another_type_has_that_type(kind):
    for seed in range(20):
        (first,) = unparse_grammar([f"{kind},0.500"], [C7], np.random.default_rng(seed))
        assert first.pitch % 12 in C7_TONES[kind] and first.pitch >= 60


def test_a_scale_tone_inside_the_bracket_is_exactly_one_theory_allows():
    # 'S,0.250,<M3,m-3>': a scale tone from a minor third down to a major third up,
    # i.e. -3 … +4 semitones. Over C7 the scale tones (not chord tones) are D, F, A, so
    # from each possible first note the candidates are (not the previous pitch itself):
    expected = {60: {57, 62}, 64: {62, 65}, 67: {65, 69}, 70: {69, 74}}
    seen: dict[int, set[int]] = {p: set() for p in expected}
    for seed in range(200):
        first, second = unparse_grammar(
            ["C,0.250", "S,0.250,<M3,m-3>"], [C7], np.random.default_rng(seed)
        )
        assert second.pitch in expected[first.pitch]
        assert second.offset == 0.25 and second.kind == "S"
        seen[first.pitch].add(second.pitch)
    assert seen == expected  # every allowed pitch does come up


@given(
    st.lists(st.sampled_from(["C", "S", "A"]), min_size=1, max_size=30), st.integers(0, 2**31 - 1)
)
@settings(max_examples=60, deadline=None)
def test_every_bracketed_note_has_its_type_and_lies_in_its_bracket(kinds, seed):
    brackets = [("P5", "P-4"), ("M3", "m-3"), ("P4", "M-2"), ("M6", "m-6")]
    rng = np.random.default_rng(seed)
    tokens = ["C,0.250"] + [
        f"{k},0.250,<{brackets[i % 4][0]},{brackets[i % 4][1]}>" for i, k in enumerate(kinds)
    ]
    sounds = unparse_grammar(tokens, [C7], rng)
    for previous, sound, token in zip(sounds, sounds[1:], tokens[1:], strict=False):
        low, high = GrammarToken.parse(token).semitone_range
        tones = C7_TONES[sound.kind]
        # a 7-semitone bracket always holds a C, an S and an A tone of C7
        candidates = {
            p for p in range(previous.pitch + low, previous.pitch + high + 1) if p % 12 in tones
        }
        allowed = candidates - {previous.pitch} if len(candidates) > 1 else candidates
        if sound.pitch not in allowed:  # only a pitch outside octaves 3–6 is moved by octaves
            assert sound.pitch % 12 in tones and 48 <= sound.pitch <= 95
            assert any(p < 48 or p > 95 for p in allowed)


def test_with_no_tone_of_the_type_in_the_bracket_the_note_moves_a_whole_tone():
    # no 'X' tone exists over C7 (every pitch class is C, S or A), so from E4 = 64 …
    seen = set()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        first, second = unparse_grammar(["C,0.250", "X,0.250,<m3,m-3>"], [C7], rng)
        seen.add(second.pitch - first.pitch)
    assert seen == {-2, 2}


def test_each_note_takes_the_chord_sounding_at_its_offset_and_rests_keep_their_place():
    tokens = ["C,1.000", "R,1.000", "C,1.000,<P5,P-5>", "C,1.000,<P5,P-5>"]
    for seed in range(20):
        sounds = unparse_grammar(tokens, [DM7, G7], np.random.default_rng(seed))
        assert [s.offset for s in sounds] == [0.0, 1.0, 2.0, 3.0]
        assert sounds[1].is_rest and sounds[1].duration == 1.0
        assert sounds[0].pitch % 12 in {2, 5, 9, 0}  # Dm7
        assert sounds[2].pitch % 12 in {7, 11, 2, 5} and sounds[3].pitch % 12 in {7, 11, 2, 5}  # G7
        assert sounds[2].chord is G7
        assert abs(sounds[2].pitch - sounds[0].pitch) <= 7  # the rest is not a previous note


def test_long_falls_stay_at_or_above_octave_3():
    tokens = ["C,0.250"] + ["C,0.250,<m-6,P-8>"] * 30  # always 8 to 12 semitones down
    sounds = unparse_grammar(tokens, [C7], np.random.default_rng(0))
    assert min(s.pitch for s in sounds) >= 48


# ---------------------------------------------------------------------------------------
# prune_grammar, prune_notes, clean_up: theory and properties


def test_prune_grammar_rounds_off_grid_durations_up_or_down_and_keeps_grid_ones():
    outcomes = {"0.250": set(), "0.333": set(), "0.667": set(), "0.125": set(), "1.000": set()}
    for seed in range(40):
        rng = np.random.default_rng(seed)
        pruned = prune_grammar([f"C,{d}" for d in outcomes], rng)
        for d, token in zip(outcomes, pruned, strict=True):
            outcomes[d].add(token.duration)
    assert outcomes == {
        "0.250": {0.25},
        "0.333": {0.25, 0.5},
        "0.667": {0.5, 0.75},
        "0.125": {0.0, 0.25},
        "1.000": {1.0},
    }


@given(
    st.lists(
        st.sampled_from([0.125, 0.167, 0.25, 0.333, 0.5, 0.667, 0.75, 1.0, 1.333, 2.0]), max_size=40
    ),
    st.integers(0, 10**9),
)
@settings(max_examples=80, deadline=None)
def test_pruned_durations_lie_on_the_16th_grid_within_one_step(durations, seed):
    pruned = prune_grammar([f"S,{d:.3f},<m3,m-3>" for d in durations], np.random.default_rng(seed))
    for d, token in zip(durations, pruned, strict=True):
        assert abs(token.duration / 0.25 - round(token.duration / 0.25)) < 1e-9
        assert abs(token.duration - d) < 0.25
        assert (token.kind, token.upper, token.lower) == ("S", "m3", "m-3")


def test_prune_notes_drops_repeats_and_crowded_notes_but_not_a_repeat_after_a_rest():
    sounds = [
        Sound(0.0, 0.25, 60),
        Sound(0.25, 0.25, 60),  # repeats 60
        Sound(0.5, 0.25, None, "R"),
        Sound(0.75, 0.25, 60),  # after a rest: kept
        Sound(1.0, 0.0, 62),
        Sound(1.0, 0.25, 64),  # starts with the one before: too close
    ]
    kept = prune_notes(sounds)
    assert [(s.offset, s.pitch) for s in kept] == [(0.0, 60), (0.5, None), (0.75, 60), (1.0, 62)]


def test_clean_up_fixes_zero_lengths_and_keeps_one_note_per_offset():
    sounds = [Sound(0.0, 0.0, 60), Sound(0.0, 0.5, 64), Sound(0.5, 0.25, 65)]
    cleaned = clean_up_notes(sounds)
    assert [(s.offset, s.duration, s.pitch) for s in cleaned] == [(0.0, 0.25, 60), (0.5, 0.25, 65)]


grid_durations = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, 1.5])
sound_lists = st.lists(
    st.tuples(grid_durations, st.one_of(st.none(), st.integers(48, 84))), max_size=40
).map(
    lambda items: [
        Sound(float(sum(d for d, _ in items[:i])), d, p, "R" if p is None else "C")
        for i, (d, p) in enumerate(items)
    ]
)


@given(sound_lists)
@settings(max_examples=150, deadline=None)
def test_after_prune_and_clean_up_no_zero_lengths_no_shared_offsets_all_on_the_grid(sounds):
    result = clean_up_notes(prune_notes(sounds))
    notes = [s for s in result if not s.is_rest]
    assert all(s.duration > 0 for s in result)
    assert len({s.offset for s in notes}) == len(notes)
    assert all(
        abs(x / 0.25 - round(x / 0.25)) < 1e-9 for s in result for x in (s.offset, s.duration)
    )
    assert [s.offset for s in result] == sorted(s.offset for s in result)
    for a, b in zip(result, result[1:], strict=False):
        assert a.is_rest or b.is_rest or a.pitch != b.pitch


@given(st.lists(st.integers(0, 77), min_size=1, max_size=60), st.integers(0, 10**9))
@settings(max_examples=40, deadline=None)
def test_the_full_pipeline_on_corpus_values_keeps_its_promises(corpus, indices, seed):
    values = [corpus.vocabulary.tokens[i] for i in indices]
    chords = corpus.chords[1]
    sounds, stages = postprocess_values(
        values, chords, np.random.default_rng(seed), mode="course", layout="course"
    )
    notes = [s for s in sounds if not s.is_rest]
    assert stages[0].notes_in == len(values) and stages[0].notes_out == len(values) + 1
    assert stages[-1].notes_out == len(notes)
    assert all(s.duration > 0 for s in sounds)
    assert len({s.offset for s in notes}) == len(notes)
    assert all(abs(s.duration / 0.25 - round(s.duration / 0.25)) < 1e-9 for s in sounds)
    assert all(s.kind in "CSR" for s in sounds)  # A and X were read as C
    assert all(48 <= s.pitch <= 95 for s in notes[1:])
