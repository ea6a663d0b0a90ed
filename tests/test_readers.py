"""From music to Solo: the course's Metheny solo, any user's score, music21's lead sheets."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import mido
import pytest
from hypothesis import given
from hypothesis import strategies as st
from music21 import chord, harmony, instrument, note, stream, tie

from jazzcore.errors import InputFileError, MelodyError, ParameterError, SourceError
from jazzcore.grammar import GrammarToken, tokenize_solo
from jazzcore.readers import (
    LEADSHEET_WORKS,
    PartInfo,
    guess_melody_part,
    leadsheet_solo,
    list_parts,
    load_solo,
    metheny_solo,
)
from jazzcore.readers.metheny import snap_to_grid
from jazzcore.readers.parts import melody_score
from jazzcore.readers.score import solo_from_score


def corpus_values(solo):
    return [str(t) for measure in tokenize_solo(solo) for t in measure]


# --- the course's Metheny solo -----------------------------------------------------------


@pytest.fixture(scope="module")
def metheny(metheny_file):
    solo = metheny_solo(metheny_file)
    return solo, corpus_values(solo)


def test_metheny_has_the_courses_78_values(metheny):
    solo, values = metheny
    assert len(set(values)) == 78  # the course prints n_values = 78, X (60, 30, 78)
    # "Loop over all 18 set of chords": the solo window, offsets 476-548, is measures
    # int(476 / 4) = 119 to 136 (the piano's extra group at 548 is dropped)
    assert [m.number for m in solo.measures] == list(range(119, 137))
    # one value per guitar note: music21's MIDI import of the time made no rests there
    assert len(values) == solo.note_count == 193
    assert not any(v.startswith("R") for v in values)
    assert solo.tempo_bpm == pytest.approx(112.0)  # 535714 µs per quarter


def test_metheny_values_parse_and_round_trip(metheny):
    _, values = metheny
    for value in values:
        token = GrammarToken.parse(value)
        assert str(token) == value


def test_metheny_chords_are_the_pianos(metheny):
    solo, _ = metheny
    for measure in solo.measures:
        assert measure.chords, f"measure {measure.number} has no chord"
        for c in measure.chords:
            assert len(c.pitches) >= 2 and list(c.pitches) == sorted(c.pitches)
            assert 0 <= c.offset < 4
        for n in measure.notes:
            assert 0 <= n.offset < 4 and n.duration > 0 and n.pitch is not None


def test_the_heuristic_finds_the_courses_guitar(metheny_file):
    # the course takes part 5, the guitar, as the melody; drums (channel 10) are flagged
    infos = list_parts(metheny_file)
    assert len(infos) == 19 and infos[5].name == "Guitar"
    assert (infos[5].instrument, infos[5].channel, infos[5].program) == (
        "Electric Guitar (jazz)",
        6,
        26,
    )
    assert [i.index for i in infos if i.is_drum] == list(range(10, 19))
    assert infos[1].is_bass and infos[1].name == "Bass"
    assert guess_melody_part(infos) == 5


def info(index, name, line_mean, line_count, polyphony=0.0, *, program=None, coverage=1.0):
    """The evidence of a part, as the melody choice weighs it."""
    return PartInfo(
        index,
        name,
        line_count,
        line_mean,
        polyphony,
        False,
        program=program,
        line_count=line_count,
        line_mean=line_mean,
        pitch_count=12,
        coverage=coverage,
    )


def test_the_melody_is_chosen_as_a_musician_would():
    flute = info(0, "Flute", 78.0, 600, program=73)
    comping = info(1, "Piano comping", 79.0, 375, 0.85, program=0)
    bass = info(2, "Bass", 39.0, 680, 0.1, program=32)
    # flute 78 + 0 + 8 (a lead name) + 3 (a lead program) = 89;
    # piano 79 + 4·log2(375/600) − 12·0.85 − 8 (an accompaniment name) ≈ 58
    assert melody_score(flute, 600) == pytest.approx(89.0)
    assert melody_score(comping, 600) == pytest.approx(79 + 4 * math.log2(375 / 600) - 10.2 - 8)
    assert guess_melody_part([flute, comping, bass]) == 0
    # a piano trio: the piano's top line, never the bass, however busy it is
    piano = info(0, "Piano", 77.0, 600, 0.65)
    assert guess_melody_part([piano, info(1, "Bass", 41.0, 900, program=32)]) == 0
    assert guess_melody_part([info(0, "", 45.0, 300)]) == 0  # a bass line alone is a line
    # a part that plays half the song gives up 8 × 0.5 = 4 points
    assert melody_score(info(0, "", 70.0, 100, coverage=0.5), 100) == pytest.approx(66.0)
    # one pitch repeated is a placeholder, not a tune
    slashes = dataclasses.replace(info(0, "Lead sheet", 71.0, 33), pitch_count=1)
    with pytest.raises(ParameterError, match="no part plays a tune"):
        guess_melody_part([slashes])


def metheny_like_midi(path):
    """A small MIDI file shaped like the Metheny file's band, one track per part:
    a chordal piano, a busy guitar around G4 (32 eighths), a sparse synth 7 semitones
    higher (8 half notes, a quarter of the guitar's notes) and drums on channel 10."""
    midi = mido.MidiFile(ticks_per_beat=480)

    def track(name, channel, notes):  # notes: (start tick, length in ticks, pitches)
        events = []
        for start, length, pitches in notes:
            for p in pitches:
                events.append(
                    (start, 1, mido.Message("note_on", channel=channel, note=p, velocity=80))
                )
                events.append(
                    (start + length, 0, mido.Message("note_off", channel=channel, note=p))
                )
        result = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
        tick = 0
        for at, _, message in sorted(events, key=lambda e: (e[0], e[1])):
            result.append(message.copy(time=at - tick))
            tick = at
        midi.tracks.append(result)

    track("Piano", 0, [(k * 1920, 1920, (60, 64, 67)) for k in range(4)])
    track("Guitar", 1, [(k * 240, 240, (67 + (-2, 0, 2, 0)[k % 4],)) for k in range(32)])
    track("Synth", 2, [(k * 960, 960, (74 + (0, 2)[k % 2] - 1,)) for k in range(8)])
    track("Drums", 9, [(k * 480, 120, (38,)) for k in range(16)])
    midi.save(str(path))
    return path


def test_the_heuristic_prefers_a_busy_line_to_a_sparse_higher_one(tmp_path):
    # the Metheny case in small: the guitar (lower, 4x the notes) is the melody, not the
    # synth above it; the piano is chordal; channel 10 is drums
    piano, guitar, synth, drums = list_parts(metheny_like_midi(tmp_path / "band.mid"))
    assert [p.name for p in (piano, guitar, synth, drums)] == ["Piano", "Guitar", "Synth", "Drums"]
    assert piano.is_chordal and not piano.is_melody_like
    assert (guitar.note_count, guitar.mean_pitch) == (32, 67.0)
    assert (synth.note_count, synth.mean_pitch) == (8, 74.0)
    assert guitar.is_melody_like and synth.is_melody_like
    assert drums.is_drum and drums.mean_pitch is None
    # guitar 67 + 4·log2(1) = 67 beats synth 74 + 4·log2(1/4) = 66
    assert guess_melody_part([piano, guitar, synth, drums]) == 1


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.1, Fraction(0)),  # nearer 0 than 1/4 or 1/3: a note this short gets length 0
        (0.125, Fraction(0)),  # halfway between 0 and 1/4 goes down
        (0.3, Fraction(1, 3)),  # 0.033 from 1/3, 0.05 from 1/4
        (0.29, Fraction(1, 4)),  # 0.04 from 1/4, 0.043 from 1/3
        (7 / 24, Fraction(1, 4)),  # 1/24 from both: the smaller value wins
        (476.49, Fraction(953, 2)),
        (547.7, Fraction(1643, 3)),
    ],
)
def test_snap_to_grid_like_music21s_midi_import(value, expected):
    assert snap_to_grid(value) == expected


# --- a hand-built band: drums, piano chords, bass, melody ---------------------------------


def make_part(name, inst, elements):
    part = stream.Part()
    part.partName = name
    part.insert(0, inst)
    for offset, element in elements:
        part.insert(offset, element)
    return part


def n(pitch, quarter_length=1.0):
    return note.Note(pitch, quarterLength=quarter_length)


MELODY = ["E5", "D5", "C5", "D5", "E5", "E5", "E5", "G5"]  # MIDI 76 74 72 74 76 76 76 79
BASS = ["C2", "E2", "G2", "C2", "F2", "A2", "C3", "F2"]  # MIDI 36 40 43 36 41 45 48 41


def band(with_melody=True, with_chords=True):
    drums = make_part(
        "Drums", instrument.SnareDrum(), [(k, note.Unpitched(quarterLength=1.0)) for k in range(8)]
    )
    piano = make_part(
        "Piano",
        instrument.Piano(),
        [
            (0.0, chord.Chord(["C4", "E4", "G4"], quarterLength=4.0)),
            (4.0, chord.Chord(["F3", "A3", "C4"], quarterLength=4.0)),
        ],
    )
    bass = make_part("Bass", instrument.ElectricBass(), [(k, n(p)) for k, p in enumerate(BASS)])
    melody = make_part("Melody", instrument.Flute(), [(k, n(p)) for k, p in enumerate(MELODY)])
    parts = [drums] + ([piano, bass] if with_chords else []) + ([melody] if with_melody else [])
    return stream.Score(parts)


def test_list_parts_reports_the_evidence():
    drums, piano, bass, melody = list_parts(band())
    assert drums.is_drum and drums.mean_pitch is None
    assert piano.polyphony == 1.0 and piano.note_count == 2 and piano.is_chordal
    assert bass.polyphony == 0.0 and bass.mean_pitch == pytest.approx(
        sum([36, 40, 43, 36, 41, 45, 48, 41]) / 8
    )
    assert melody.polyphony == 0.0 and melody.mean_pitch == pytest.approx(
        sum([76, 74, 72, 74, 76, 76, 76, 79]) / 8
    )
    assert melody.is_melody_like and (melody.first_measure, melody.last_measure) == (0, 1)
    assert [p.name for p in (drums, piano, bass, melody)] == ["Drums", "Piano", "Bass", "Melody"]


def test_the_melody_is_found_and_can_be_overridden():
    score = band()
    assert guess_melody_part(list_parts(score)) == 3
    solo = solo_from_score(score)
    assert solo.melody_part == "part 3 (Melody)"
    assert solo.chord_source == "the accompaniment, chordified"
    assert [n.pitch for m in solo.measures for n in m.notes] == [76, 74, 72, 74, 76, 76, 76, 79]
    # chordified: C E G over the C bass, then F A C over the F bass
    assert [sorted({p % 12 for p in m.chords[0].pitches}) for m in solo.measures] == [
        [0, 4, 7],
        [0, 5, 9],
    ]
    assert solo_from_score(score, melody_part=2).melody_part == "part 2 (Bass)"
    assert solo_from_score(score, melody_part="bass").melody_part == "part 2 (Bass)"
    assert solo_from_score(score, melody_part="2").melody_part == "part 2 (Bass)"


def test_melody_values_by_theory():
    values = [[str(t) for t in m] for m in tokenize_solo(solo_from_score(band()))]
    # over C major: E chord tone; D a scale tone (in every major scale holding C E G);
    # C chord tone; brackets: E→D is a M2 down (<m2,P-4>), D→C too, C→D a M2 up (<P4,m-2>)
    assert values[0] == ["C,1.000", "S,1.000,<m2,P-4>", "C,1.000,<m2,P-4>", "S,1.000,<P4,m-2>"]
    # over F major: E is a semitone below F (approach), E→E a unison (<m3,m-3>)
    assert values[1][:3] == ["A,1.000", "A,1.000,<m3,m-3>", "A,1.000,<m3,m-3>"]


def test_chord_part_override():
    solo = solo_from_score(band(), chord_part="Piano")
    assert solo.chord_source == "part 1 (Piano), chordified"
    assert [m.chords[0].pitches for m in solo.measures] == [(60, 64, 67), (53, 57, 60)]
    # a bass line has no chords of its own: its notes become the harmony
    solo = solo_from_score(band(), chord_part=2)
    assert all(len(c.pitches) == 1 for m in solo.measures for c in m.chords)


@pytest.mark.parametrize(
    "options",
    [
        {"melody_part": 9},
        {"melody_part": "Tuba"},
        {"melody_part": 1.5},
        {"chord_part": 7},
        {"chord_part": 0},  # the drums
        {"measures": (3, 1)},
        {"measures": (0,)},
    ],
)
def test_bad_parameters(options):
    with pytest.raises(ParameterError):
        solo_from_score(band(), **options)


def test_melody_errors():
    with pytest.raises(MelodyError, match="no pitched notes"):
        solo_from_score(stream.Score([make_part("Empty", instrument.Piano(), [])]))
    drums_only = band(with_melody=False, with_chords=False)
    with pytest.raises(MelodyError, match="no pitched notes"):
        solo_from_score(drums_only)
    piano_only = stream.Score(
        [
            make_part(
                "Piano",
                instrument.Piano(),
                [(k * 4.0, chord.Chord(["C4", "E4", "G4"], quarterLength=4)) for k in range(4)],
            )
        ]
    )
    with pytest.raises(MelodyError, match="only chords"):
        solo_from_score(piano_only)
    with pytest.raises(MelodyError, match="no chords"):
        solo_from_score(
            stream.Score(
                [make_part("Melody", instrument.Flute(), [(k, n(p)) for k, p in enumerate(MELODY)])]
            )
        )
    with pytest.raises(MelodyError, match="drum"):
        solo_from_score(band(), melody_part="Drums")
    with pytest.raises(MelodyError, match="measures 40–50"):
        solo_from_score(band(), measures=(40, 50))


def test_measure_selection():
    solo = solo_from_score(band(), measures=(1, 1))
    assert [m.number for m in solo.measures] == [1]
    assert [n.pitch for n in solo.measures[0].notes] == [76, 76, 76, 79]


def lead_sheet():
    """Two bars of melody with chord symbols C7 and F, then a bar without a symbol."""
    part = make_part("Lead", instrument.Trumpet(), [])
    part.insert(0.0, harmony.ChordSymbol("C7"))
    part.insert(4.0, harmony.ChordSymbol("F"))
    for offset, pitch in [(0, "E4"), (1, "D4"), (2, "F#4"), (4, "A4"), (5, "G4")]:
        part.insert(offset, n(pitch))
    part.insert(6.0, note.Rest(quarterLength=2.0))
    part.insert(8.0, n("C5", 2.0))
    part.insert(10.0, note.Rest(quarterLength=2.0))
    part.insert(12.0, note.Rest(quarterLength=4.0))  # a bar of silence: dropped
    return stream.Score([part])


def test_chord_symbols_are_realized_and_carried():
    solo = solo_from_score(lead_sheet())
    assert solo.chord_source == "chord symbols"
    assert [m.number for m in solo.measures] == [0, 1, 2]
    first, second, third = (m.chords for m in solo.measures)
    assert first[0].symbol == "C7" and set(first[0].names) == {"C", "E", "G", "B-"}
    assert second[0].symbol == "F" and set(second[0].names) == {"F", "A", "C"}
    # no symbol in bar 3: F still sounds, from its start to its end
    assert (third[0].symbol, third[0].offset, third[0].duration) == ("F", 0.0, 4.0)
    values = [[str(t) for t in m] for m in tokenize_solo(solo)]
    # E over C7: chord tone; D: in F major, the scale of C7; F#: a semitone below G.
    # A over F: chord tone; G: in every major scale holding F A C; rests keep no bracket.
    # C over F (carried): chord tone.
    # the melody's silences are rests, cut at the barlines: beat 4 of bar 1 is silent too
    assert [[v.split(",")[0] for v in m] for m in values] == [
        ["C", "S", "A", "R"],
        ["C", "S", "R"],
        ["C", "R"],
    ]
    assert values[0][1:] == ["S,1.000,<m2,P-4>", "A,1.000,<P5,A1>", "R,1.000"]  # M2 down, M3 up


def test_tied_notes_are_one_and_grace_notes_are_left_out():
    part = make_part("Lead", instrument.Trumpet(), [])
    part.insert(0.0, harmony.ChordSymbol("C"))
    first, second = n("E4", 2.0), n("E4", 2.0)
    first.tie, second.tie = tie.Tie("start"), tie.Tie("stop")
    part.insert(0.0, n("C4", 2.0))
    part.insert(2.0, first)
    part.insert(4.0, second)
    part.insert(6.0, n("D4", 0.0).getGrace())
    part.insert(6.0, n("G4", 2.0))
    solo = solo_from_score(stream.Score([part.makeMeasures()]))
    notes = [(m.number, x.offset, x.duration, x.name) for m in solo.measures for x in m.notes]
    assert notes == [(0, 0.0, 2.0, "C"), (0, 2.0, 4.0, "E"), (1, 2.0, 2.0, "G")]


# --- files ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix, fmt", [(".mid", "midi"), (".musicxml", "musicxml")])
def test_load_solo_from_a_file(tmp_path, suffix, fmt):
    path = tmp_path / f"band{suffix}"
    band().write(fmt, fp=str(path))
    infos = list_parts(path)
    assert [i.is_drum for i in infos] == [True, False, False, False]
    solo = load_solo(path)
    assert solo.melody_part.startswith("part 3")
    assert [n.pitch for m in solo.measures for n in m.notes] == [76, 74, 72, 74, 76, 76, 76, 79]
    assert corpus_values(solo) == corpus_values(solo_from_score(band()))


def test_load_solo_bad_files(tmp_path):
    with pytest.raises(SourceError):
        load_solo(tmp_path / "missing.mid")
    text = tmp_path / "notes.mid"
    text.write_text("not a MIDI file")
    with pytest.raises(InputFileError):
        load_solo(text)


def test_metheny_solo_refuses_another_file(tmp_path):
    path = tmp_path / "band.mid"
    band().write("midi", fp=str(path))
    with pytest.raises(MelodyError, match="load_solo"):
        metheny_solo(path)
    with pytest.raises(SourceError):
        metheny_solo(tmp_path / "missing.mid")
    text = tmp_path / "notes.mid"
    text.write_text("not a MIDI file")
    with pytest.raises(InputFileError):
        metheny_solo(text)
    xml = tmp_path / "band.musicxml"
    band().write("musicxml", fp=str(xml))
    with pytest.raises(InputFileError, match="not MIDI"):
        metheny_solo(xml)


# --- music21's lead sheets: the offline default --------------------------------------------


@pytest.mark.parametrize("work", LEADSHEET_WORKS)
def test_leadsheet_works(work):
    solo = leadsheet_solo(work)
    values = corpus_values(solo)
    assert len(solo.measures) >= 16
    with_chords = sum(1 for m in solo.measures if m.chords)
    assert with_chords >= 0.8 * len(solo.measures)
    assert len(values) >= 60
    assert all(str(GrammarToken.parse(v)) == v for v in values)


def test_unknown_leadsheet():
    with pytest.raises(SourceError):
        leadsheet_solo("leadSheet/noSuchTune")


@given(st.floats(0, 50_000, allow_nan=False, allow_infinity=False))
def test_snap_to_grid_gives_the_nearest_point_of_the_two_grids_exactly(value):
    snapped = snap_to_grid(value)
    assert (
        isinstance(snapped, Fraction)
        and (snapped * 4).denominator == 1
        or (snapped * 3).denominator == 1
    )
    nearest = min(
        abs(round(value * d) / d - value) for d in (4, 3)
    )  # the closest point of either grid
    assert abs(float(snapped) - value) <= nearest + 1e-6


def test_a_music_file_is_parsed_in_the_sandbox_and_the_metheny_file_here(metheny_file):
    from jazzcore import sandbox
    from jazzcore.readers import clear_music_cache, read_music

    clear_music_cache()
    before = sandbox.last_stats()
    assert len(read_music(metheny_file).parts) == 19  # the verified course file: no worker
    assert sandbox.last_stats() is before
    data = metheny_file.read_bytes() + b"\x00"  # one byte more: a user's file
    assert len(read_music(data, "changed.mid").parts) == 19
    assert sandbox.last_stats() is not before and sandbox.last_stats().isolated
