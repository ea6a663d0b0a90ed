"""Tokenization of measures into grammar values, checked against music theory.

Every expected type and bracket below is worked out by hand:

* a chord's scale is music21's MajorScale (chords of 'major' quality) or DorianScale
  (all others) "derived" from it, i.e. a major-scale collection holding the chord's tones;
* a bracket is the interval from the previous note plus and minus a minor third
  (3 semitones, two letter names), named as music21 names directed intervals.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jazzcore.errors import ParameterError
from jazzcore.grammar import (
    GrammarToken,
    approach_tone_names,
    chord_quality,
    chord_tone_names,
    classify_tone,
    interval_bracket,
    interval_semitones,
    scale_tone_names,
    tokenize_measure,
    tokenize_solo,
)
from jazzcore.solo import ChordEvent, Measure, MelodyNote, Solo

C7 = ChordEvent(0.0, 4.0, (60, 64, 67, 70))  # C E G B-
CLUSTER = ChordEvent(0.0, 4.0, (60, 62, 64))  # C D E
F_MAJOR = {"F", "G", "A", "B-", "C", "D", "E"}


def note(offset, duration, midi=None, name=None):
    return MelodyNote(offset, duration, midi, name)


def values(measure, **kwargs):
    return [str(t) for t in tokenize_measure(measure, **kwargs)]


# --- chord, scale and approach tones ---------------------------------------------------


def test_c7_is_major_quality_and_derives_f_major():
    # music21's quality is that of the chord's triad: C-E-G has a major third and a
    # perfect fifth, so C7 is 'major' and gets a major scale. The only major scale that
    # holds C, E, G and B- is F major (B- needs one flat, E forbids a second one).
    assert chord_tone_names(C7) == {"C", "E", "G", "B-"}
    assert chord_quality(C7) == "major"
    assert scale_tone_names(C7) == F_MAJOR


@pytest.mark.parametrize(
    "pitch, expected",
    [
        ("E", "C"),  # the chord's third
        ("B-", "C"),  # its seventh
        (60, "C"),  # MIDI 60 = C
        ("D", "S"),  # in F major, not in the chord
        ("F", "S"),
        ("A", "S"),
        ("F#", "A"),  # a semitone below G
        ("D#", "A"),  # a semitone below E
        ("C#", "A"),  # a semitone above C
        (63, "A"),  # MIDI 63 is spelled E- by MIDI import: a semitone below E
        ("E-4", "A"),  # an octave number is ignored
        ("B", "A"),  # a semitone below C (and above B-)
    ],
)
def test_classify_over_c7(pitch, expected):
    assert classify_tone(pitch, C7) == expected


def test_other_tone_over_a_cluster():
    # C-D-E lies in exactly three major-scale collections (C, F and G major). G and A are
    # in all three: scale tones whichever music21 ranks first. G# is in none of them and
    # is a major third or a tritone from every chord tone: an other tone.
    assert classify_tone("G", CLUSTER) == "S"
    assert classify_tone("A", CLUSTER) == "S"
    assert classify_tone("G#", CLUSTER) == "X"
    assert classify_tone("F", CLUSTER) == "A"  # a semitone above E
    assert classify_tone("D", CLUSTER) == "C"


def test_approach_names_cover_both_spellings():
    names = approach_tone_names(C7)
    # a semitone from C, E, G or B-: B, C#, D#, F, F#, G#, A, B (pitch classes 11, 1, 3,
    # 5, 6, 8, 9) in the spelling MIDI import gives them and the enharmonic one
    for name in ("B", "C#", "D-", "D#", "E-", "F", "F#", "G-", "G#", "A-", "A"):
        assert name in names


def test_classify_tone_rejects_non_pitches():
    with pytest.raises(ParameterError):
        classify_tone("H", C7)
    with pytest.raises(ParameterError):
        classify_tone(True, C7)


# --- brackets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ((60, "C"), (62, "D"), ("P4", "m-2")),  # M2 up: M2 + m3 = P4, M2 - m3 = m2 down
        ((60, "C"), (60, "C"), ("m3", "m-3")),  # unison
        ((60, "C"), (64, "E"), ("P5", "A1")),  # M3 + m3 = P5, M3 - m3 = augmented unison
        ((60, "C"), (59, "B"), ("M2", "d-4")),  # m2 down: +3 semitones = M2 up; -4 over a 4th = d4 down
        ((67, "G"), (72, "C"), ("m6", "M2")),  # P4 up: 8 semitones over a 6th, 2 over a 2nd
        ((60, "C"), (72, "C"), ("m10", "M6")),  # octave: 15 semitones over a 10th, 9 over a 6th
        ((60, "C"), (63, "E-"), ("d5", "P1")),  # m3 up: 6 semitones over a 5th, unison
        ((60, "C"), (63, "D#"), ("A4", "d-2")),  # A2 up (spelling counts): A4, and B#3 = d2 down
    ],
)
def test_bracket_by_theory(start, end, expected):
    previous = note(0.0, 1.0, *start)
    current = note(1.0, 1.0, *end)
    assert interval_bracket(previous, current) == expected


# --- measures -----------------------------------------------------------------------------


def test_measure_types_durations_and_brackets():
    measure = Measure(
        0,
        [
            note(0.0, 1.0, 64),  # E: chord tone, first note: no bracket
            note(1.0, 0.5),  # a rest: no bracket, not a "previous" note
            note(1.5, 0.5, 62),  # D: scale tone, a M2 down from E
            note(2.0, 1 / 3, 66),  # F#: approach tone, M3 up from D, a triplet 8th
            note(7 / 3, 2 / 3, 66),  # F# again: unison
        ],
        [C7],
    )
    assert values(measure) == [
        "C,1.000",
        "R,0.500",
        "S,0.500,<m2,P-4>",  # M-2: -2 + 3 = 1 semitone up over a 2nd; -2 - 3 = P4 down
        "A,0.333,<P5,A1>",
        "A,0.667,<m3,m-3>",
    ]


def test_first_sounding_note_has_no_bracket_after_a_rest():
    measure = Measure(0, [note(0.0, 1.0), note(1.0, 1.0, 60), note(2.0, 1.0, 62)], [C7])
    assert values(measure) == ["R,1.000", "C,1.000", "S,1.000,<P4,m-2>"]


def test_notes_take_the_last_chord_that_started():
    f_major = ChordEvent(2.0, 2.0, (65, 69, 72))  # F A C
    # before the first chord (at 1.0), the first chord counts (the seed moves it to 0)
    c_major = ChordEvent(1.0, 1.0, (60, 64, 67))
    measure = Measure(0, [note(0.0, 1.0, 64), note(2.5, 1.0, 64), note(3.0, 1.0, 69)], [f_major, c_major])
    kinds = [t.kind for t in tokenize_measure(measure)]
    # E over C major: chord tone; E over F major: not a chord tone, a semitone below F;
    # A over F major: chord tone
    assert kinds == ["C", "A", "C"]


def test_solo_carries_the_chord_into_a_measure_without_chords():
    first = Measure(0, [note(0.0, 4.0, 64)], [C7])
    second = Measure(1, [note(0.0, 4.0, 70)], [])  # B- over the carried C7: chord tone
    tokens = tokenize_solo(Solo([first, second]))
    assert [[str(t) for t in m] for m in tokens] == [["C,4.000"], ["C,4.000"]]


def test_notes_without_any_chord_are_other_tones():
    measure = Measure(0, [note(0.0, 1.0, 60), note(1.0, 1.0)], [])
    assert values(measure) == ["X,1.000", "R,1.000"]


# --- property: every token parses back ---------------------------------------------------

CHORD_POOL = [
    C7,
    CLUSTER,
    ChordEvent(0.0, 4.0, (62, 65, 69, 72)),  # Dm7
    ChordEvent(0.0, 4.0, (55, 59, 62, 65)),  # G7
    ChordEvent(0.0, 4.0, (43, 50)),  # G5, no third
]
GRID = [k / 12 for k in range(48)]  # offsets on the 16th and triplet grids
DURATIONS = [0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0, 1.5, 2.0]
notes_strategy = st.lists(
    st.tuples(st.sampled_from(GRID), st.sampled_from(DURATIONS), st.one_of(st.none(), st.integers(40, 90))),
    min_size=1,
    max_size=10,
)
chords_strategy = st.lists(
    st.tuples(st.sampled_from(GRID), st.sampled_from(CHORD_POOL)), min_size=1, max_size=3
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(measures=st.lists(st.tuples(notes_strategy, chords_strategy), min_size=1, max_size=3))
def test_every_token_parses_back(measures):
    solo = Solo(
        [
            Measure(
                k,
                [note(o, d, p) for o, d, p in sorted(notes, key=lambda x: x[0])],
                [ChordEvent(o, 1.0, c.pitches) for o, c in chords],
            )
            for k, (notes, chords) in enumerate(measures)
        ]
    )
    for measure, tokens in zip(solo.measures, tokenize_solo(solo), strict=True):
        assert len(tokens) == len(measure.notes)
        previous = None
        for source, token in zip(sorted(measure.notes, key=lambda n: n.offset), tokens, strict=True):
            text = str(token)
            parsed = GrammarToken.parse(text)
            assert parsed == token and str(parsed) == text
            assert token.duration == float(f"{source.duration:.3f}")
            if source.is_rest:
                assert token.kind == "R" and not token.has_bracket
                continue
            assert token.kind in "CSAX"
            if previous is None:
                assert not token.has_bracket
            else:
                # the bracket is the step from the previous note, plus and minus 3 semitones
                step = source.pitch - previous.pitch
                assert interval_semitones(token.upper) == step + 3
                assert interval_semitones(token.lower) == step - 3
            previous = source


def test_measure_chords_carry_the_last_chord_and_start_from_the_first():
    c7 = ChordEvent(0.0, 4.0, (48, 52, 55, 58))
    f7 = ChordEvent(0.0, 2.0, (53, 57, 60, 63))
    g7 = ChordEvent(2.0, 2.0, (55, 59, 62, 65))
    solo = Solo([Measure(0), Measure(1, chords=[c7]), Measure(2), Measure(3, chords=[g7, f7]), Measure(4)])
    # before any chord: the solo's first; a bare measure: the last chord of the one before
    assert solo.measure_chords() == [[c7], [c7], [c7], [f7, g7], [g7]]
    assert Solo([Measure(0), Measure(1)]).measure_chords() == [[], []]


def test_a_note_before_the_first_chord_is_read_over_it_everywhere():
    from jazzcore.pianoroll import piano_roll

    c7 = ChordEvent(0.0, 4.0, (48, 52, 55, 58))
    e4 = MelodyNote(0.0, 1.0, 64)  # E: the third of C7
    solo = Solo([Measure(0, notes=[e4]), Measure(1, notes=[e4], chords=[c7])])
    assert [str(t) for m in tokenize_solo(solo) for t in m] == ["C,1.000", "C,1.000"]
    melody_rows = [r for r in piano_roll(solo) if r["role"] == "melody"]
    assert [r["kind"] for r in melody_rows] == ["C", "C"]
