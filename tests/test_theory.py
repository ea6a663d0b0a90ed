"""The one music theory (jazzcore.theory), checked against music theory worked out by hand.

* a chord's scale is music21's MajorScale (chords of 'major' quality) or DorianScale
  (all others) "derived" from it, i.e. a major-scale collection holding the chord's tones;
* a bracket is the interval from the previous note plus and minus a minor third
  (3 semitones, two letter names), named as music21 names directed intervals.
"""

from __future__ import annotations

import pytest

from jazzcore.errors import ParameterError
from jazzcore.solo import ChordEvent
from jazzcore.theory import (
    approach_tone_names,
    chord_quality,
    classify_tone,
    interval_bracket,
    scale_tone_names,
    tone_classes,
)

C7 = ChordEvent(0.0, 4.0, (60, 64, 67, 70))  # C E G B-
CLUSTER = ChordEvent(0.0, 4.0, (60, 62, 64))  # C D E
F_MAJOR = {"F", "G", "A", "B-", "C", "D", "E"}


# --- chord, scale and approach tones ---------------------------------------------------


def test_c7_is_major_quality_and_derives_f_major():
    # music21's quality is that of the chord's triad: C-E-G has a major third and a
    # perfect fifth, so C7 is 'major' and gets a major scale. The only major scale that
    # holds C, E, G and B- is F major (B- needs one flat, E forbids a second one).
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
        (
            (60, "C"),
            (59, "B"),
            ("M2", "d-4"),
        ),  # m2 down: +3 semitones = M2 up; -4 over a 4th = d4 down
        ((67, "G"), (72, "C"), ("m6", "M2")),  # P4 up: 8 semitones over a 6th, 2 over a 2nd
        ((60, "C"), (72, "C"), ("m10", "M6")),  # octave: 15 semitones over a 10th, 9 over a 6th
        ((60, "C"), (63, "E-"), ("d5", "P1")),  # m3 up: 6 semitones over a 5th, unison
        ((60, "C"), (63, "D#"), ("A4", "d-2")),  # A2 up (spelling counts): A4, and B#3 = d2 down
    ],
)
def test_bracket_by_theory(start, end, expected):
    (previous_midi, previous_name), (midi, name) = start, end
    assert interval_bracket(previous_name, previous_midi, name, midi) == expected


def test_a_midi_pitch_and_its_default_name_are_typed_alike_everywhere():
    # The tokenizer types spelled names, the post-processor and the metrics MIDI pitches:
    # over any chord, ToneClasses.kind_of(p) must be classify_tone(p) for all 12 classes.
    chords = [
        C7,
        CLUSTER,
        ChordEvent(0.0, 4.0, (62, 65, 69, 72)),  # Dm7
        ChordEvent(0.0, 4.0, (54, 58, 61, 64), ("F#", "A#", "C#", "E")),  # F#7 spelled with A#
    ]
    for chord in chords:
        classes = tone_classes(chord)
        for midi in range(60, 72):
            assert classes.kind_of(midi) == classify_tone(midi, chord)
        assert set().union(*(classes.of(k) for k in "CSAX")) == set(range(12))


def test_a_chord_tone_is_a_chord_tone_in_any_spelling():
    # F#7 spelled F# A# C# E: MIDI 70 reads 'B-' from a MIDI file, and is still its third.
    f_sharp_7 = ChordEvent(0.0, 4.0, (54, 58, 61, 64), ("F#", "A#", "C#", "E"))
    assert classify_tone(70, f_sharp_7) == "C"
    assert classify_tone("B-", f_sharp_7) == "C"


def test_a_scale_music21_spells_in_a_theoretical_key_is_respelled():
    # A-flat major (A- C E-) derives the A-flat major scale; music21 spells it as G# major
    # (G# A# B# C# D# E# F##), where no MIDI-spelled F, G or B- would match. Respelled:
    a_flat = ChordEvent(0.0, 4.0, (56, 60, 63), ("A-", "C", "E-"))
    assert scale_tone_names(a_flat) == {"A-", "B-", "C", "D-", "E-", "F", "G"}
    assert [classify_tone(p, a_flat) for p in (65, 67, 70)] == ["S", "S", "S"]  # F G B-
    # F# A# C# lies in B, F# and C# major, all spelled with sharps and at most two
    # theoretical names (E#, B#): no flat key is better, so it stays in sharps
    f_sharp = ChordEvent(0.0, 4.0, (54, 58, 61), ("F#", "A#", "C#"))
    names = scale_tone_names(f_sharp)
    assert {"F#", "G#", "A#", "C#", "D#"} <= names and not any("-" in n for n in names)
