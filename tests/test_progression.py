"""Typed chord progressions: bars, shares of a bar, jazz spellings, and every bad input."""

from __future__ import annotations

import pytest

from jazzcore import ChordSymbolError, parse_progression
from jazzcore.solo import ChordTimeline


def pcs(chord) -> set[int]:
    return {p % 12 for p in chord.pitches}


def test_the_issue_example_gives_four_bars_with_shared_bars():
    timeline = parse_progression("Dm7 G7 | Cmaj7 | A7 | Dm7 G7")
    assert isinstance(timeline, ChordTimeline)
    assert len(timeline) == 4
    dm7, g7 = timeline[0]
    assert (dm7.offset, dm7.duration, g7.offset, g7.duration) == (0.0, 2.0, 2.0, 2.0)
    assert [c.symbol for m in timeline for c in m] == ["Dm7", "G7", "Cmaj7", "A7", "Dm7", "G7"]
    # the chord tones by theory: D F A C, G B D F, C E G B, A C# E G
    assert pcs(dm7) == {2, 5, 9, 0}
    assert pcs(g7) == {7, 11, 2, 5}
    assert pcs(timeline[1][0]) == {0, 4, 7, 11}
    assert pcs(timeline[2][0]) == {9, 1, 4, 7}
    assert timeline[2][0].names == ("A", "C#", "E", "G")
    assert timeline[1][0].duration == 4.0


def test_chords_are_voiced_with_the_lowest_tone_in_octave_3():
    for measure in parse_progression("Dm7 G7 | Cmaj7 | A7 | Bb7 | F#m7b5 | Ebmaj7"):
        for chord in measure:
            assert 48 <= min(chord.pitches) <= 59
            assert list(chord.pitches) == sorted(chord.pitches)
            assert max(chord.pitches) - min(chord.pitches) < 24


def test_jazz_flats_and_slash_chords_are_read_as_a_musician_means_them():
    bb7, ebmaj7, slash, bbm9, half_dim = (
        m[0] for m in parse_progression("Bb7 | Ebmaj7 | C/Bb | Bbm9 | F#ø")
    )
    assert pcs(bb7) == {10, 2, 5, 8}  # B♭ D F A♭ (music21 alone reads "Bb7" as B with a flat 7)
    assert bb7.names[0] == "B-"
    assert pcs(ebmaj7) == {3, 7, 10, 2}  # E♭ G B♭ D
    assert min(slash.pitches) % 12 == 10 and pcs(slash) == {0, 4, 7, 10}  # B♭ in the bass
    assert pcs(bbm9) == {10, 1, 5, 8, 0}  # B♭ D♭ F A♭ C
    assert pcs(half_dim) == {6, 9, 0, 4}  # F# A C E


def test_three_chords_share_a_bar_and_percent_repeats_the_bar_before():
    assert len(parse_progression("|| Dm7 G7 | Cmaj7 ||")) == 2  # a final double bar line
    timeline = parse_progression("| C F G | % | Am7 |")
    assert len(timeline) == 3
    offsets = [c.offset for c in timeline[0]]
    assert offsets == pytest.approx([0.0, 4 / 3, 8 / 3])
    assert sum(c.duration for c in timeline[0]) == pytest.approx(4.0)
    assert [c.symbol for c in timeline[1]] == ["C", "F", "G"]


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("|", "empty"),
        (" | | ", "empty"),
        ("Dm7 || G7", "Bar 2"),
        ("Dm7 Hm7", "'Hm7'"),
        ("Cmaj7 | Cfoo", "'Cfoo'"),
        ("N.C.", "'N.C.'"),
        ("% | Dm7", "%"),
        (None, "empty"),
    ],
)
def test_bad_progressions_raise_a_one_line_chord_symbol_error(text, words):
    with pytest.raises(ChordSymbolError) as error:
        parse_progression(text)
    message = str(error.value)
    assert words in message and "\n" not in message
