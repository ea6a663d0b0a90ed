"""Tokenization of measures into grammar values, checked against music theory.

Every expected type and bracket below is worked out by hand:

(the theory the tokenizer uses — chord, scale and approach tones, brackets — is tested in
test_theory.py).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jazzcore.grammar import GrammarToken, tokenize_measure, tokenize_solo
from jazzcore.solo import ChordEvent, Measure, MelodyNote, Solo
from jazzcore.theory import interval_semitones

C7 = ChordEvent(0.0, 4.0, (60, 64, 67, 70))  # C E G B-
CLUSTER = ChordEvent(0.0, 4.0, (60, 62, 64))  # C D E


def note(offset, duration, midi=None, name=None):
    return MelodyNote(offset, duration, midi, name)


def values(measure, **kwargs):
    return [str(t) for t in tokenize_measure(measure, **kwargs)]


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
    measure = Measure(
        0, [note(0.0, 1.0, 64), note(2.5, 1.0, 64), note(3.0, 1.0, 69)], [f_major, c_major]
    )
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
    st.tuples(
        st.sampled_from(GRID), st.sampled_from(DURATIONS), st.one_of(st.none(), st.integers(40, 90))
    ),
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
        for source, token in zip(
            sorted(measure.notes, key=lambda n: n.offset), tokens, strict=True
        ):
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
    solo = Solo(
        [Measure(0), Measure(1, chords=[c7]), Measure(2), Measure(3, chords=[g7, f7]), Measure(4)]
    )
    # before any chord: the solo's first; a bare measure: the last chord of the one before,
    # sounding through the whole measure
    g7_whole = ChordEvent(0.0, 4.0, g7.pitches)
    assert solo.measure_chords() == [[c7], [c7], [c7], [f7, g7], [g7_whole]]
    assert Solo([Measure(0), Measure(1)]).measure_chords() == [[], []]


def test_a_note_before_the_first_chord_is_read_over_it_everywhere():
    from jazzcore.pianoroll import piano_roll

    c7 = ChordEvent(0.0, 4.0, (48, 52, 55, 58))
    e4 = MelodyNote(0.0, 1.0, 64)  # E: the third of C7
    solo = Solo([Measure(0, notes=[e4]), Measure(1, notes=[e4], chords=[c7])])
    assert [str(t) for m in tokenize_solo(solo) for t in m] == ["C,1.000", "C,1.000"]
    melody_rows = [r for r in piano_roll(solo) if r["role"] == "melody"]
    assert [r["kind"] for r in melody_rows] == ["C", "C"]
