"""Files people have, built here with mido: several channels in one track, type 0, a
pianist's two hands, solo piano, twin part names, wild data bytes, drums on channel 10,
a lead sheet with chord symbols. The melody a musician would pick, note by note."""

from __future__ import annotations

import io

import mido
import pytest
from music21 import harmony, instrument, note, stream
from music_files import (
    CHANGES,
    LINE,
    comping,
    drums,
    line_notes,
    midi_bytes,
    walking_bass,
    with_wild_velocities,
)

from jazzcore import sources
from jazzcore.errors import InputFileError, MelodyError, ParameterError
from jazzcore.grammar import tokenize_solo
from jazzcore.readers import list_parts, load_solo, plan_parts, read_music
from jazzcore.solo import MEASURE_LENGTH


def melody_of(solo):
    return [n.pitch for m in solo.measures for n in m.notes if not n.is_rest]


def kinds(solo):
    return [[str(t).split(",")[0] for t in m] for m in tokenize_solo(solo)]


def chord_classes(solo):
    return [sorted({p % 12 for p in m.chords[0].pitches}) for m in solo.measures]


# Over Dm7, G7 and Cmaj7 the line plays chord tones only, but for D (74) in the last bar:
# the 9th of Cmaj7, a tone of the scales holding C E G B — a scale tone, not a chord tone.
THEORY_KINDS = [["C"] * 4, ["C"] * 4, ["C"] * 4, ["C", "S", "C", "C"]]


def test_several_channels_in_one_track_are_several_parts():
    # a transcription: the trumpet on channel 1 and the piano on channel 3, one track
    data = midi_bytes(
        [("Trumpet in B♭", [(0, 56, line_notes()), (2, 0, comping())])], title="ii-V-I"
    )
    trumpet, piano = list_parts(data)
    assert (trumpet.name, trumpet.channel, trumpet.program) == ("Trumpet in B♭ (Trumpet)", 1, 56)
    assert (piano.instrument, piano.channel, piano.is_chordal) == ("Acoustic Grand Piano", 3, True)
    solo = load_solo(data)
    assert solo.melody_part == "part 0 (Trumpet in B♭ (Trumpet))" and solo.title == "ii-V-I"
    assert melody_of(solo) == LINE
    assert chord_classes(solo) == [sorted({p % 12 for p in c}) for c in CHANGES]
    # the melody is not inside its own chords: the D over Cmaj7 stays a scale tone
    assert kinds(solo) == THEORY_KINDS


def test_type_0_file_with_two_hands_and_a_bass():
    # everything in one track: the piano's two hands on channel 1, the bass on channel 2
    piano = line_notes() + comping()
    data = midi_bytes([("", [(0, 0, piano), (1, 32, walking_bass())])], file_type=0)
    assert mido.MidiFile(file=io.BytesIO(data)).type == 0
    piano_info, bass = list_parts(data)
    assert bass.is_bass and not piano_info.is_bass and piano_info.note_count == 16
    solo = load_solo(data)
    assert solo.melody_part.startswith("part 0") and melody_of(solo) == LINE
    assert kinds(solo) == THEORY_KINDS


def test_piano_trio_takes_the_top_line_never_the_bass():
    data = midi_bytes(
        [
            ("Piano", [(0, 0, line_notes() + comping())]),
            ("Bass", [(1, 32, walking_bass())]),
            ("Drums", drums()),
        ]
    )
    piano, bass, kit = list_parts(data)
    # the voicings ring 3 beats: 3 onsets in 4 sound with another pitch
    assert (piano.lowest, piano.highest) == (48, 76) and piano.polyphony == 0.75
    assert piano.coverage == bass.coverage == 1.0
    assert bass.is_bass and kit.is_drum and kit.mean_pitch is None
    plan = plan_parts(read_music(data))
    assert plan.melody == 0 and plan.chords == (0, 1)  # the left hand and the bass
    solo = load_solo(data)
    assert melody_of(solo) == LINE
    # the melody's own notes never count as harmony: D over Cmaj7 is no chord tone
    assert kinds(solo) == THEORY_KINDS
    # the bass alone, if asked for: one chord a note
    solo = load_solo(data, melody_part="Piano", chord_part="Bass")
    assert solo.chord_source == "part 1 (Bass), chordified"
    assert all(len(c.pitches) == 1 for m in solo.measures for c in m.chords)


def test_solo_piano_left_hand_between_the_melody_notes():
    # the right hand on beats 1 and 3 (high), the left hand alone on beats 2 and 4 (low):
    # the top line is the right hand's, with rests where it is silent
    right = [(2.0 * k, 1.0, p) for k, p in enumerate([74, 77, 76, 79, 72, 76, 74, 72])]
    left = [(2.0 * k + 1, 1.0, (48, 52, 55, 59)) for k in range(8)]
    data = midi_bytes([("Piano solo", [(0, 0, right + left)])])
    solo = load_solo(data)
    assert melody_of(solo) == [74, 77, 76, 79, 72, 76, 74, 72]
    assert [[str(t) for t in m][1] for m in tokenize_solo(solo)] == ["R,1.000"] * 4
    assert all(set(c.pitches) == {48, 52, 55, 59} for m in solo.measures for c in m.chords)


def test_twin_part_names_are_refused_by_name_not_by_index():
    data = midi_bytes([("A.PIANO 1", [(0, 0, line_notes())]), ("A.PIANO 1", [(0, 0, comping())])])
    right, left = list_parts(data)
    assert right.name == left.name == "A.PIANO 1"
    with pytest.raises(ParameterError, match="names parts 0, 1: choose one by its index") as info:
        load_solo(data, melody_part="A.PIANO 1")
    assert "\n" not in str(info.value)
    assert melody_of(load_solo(data)) == LINE  # the right hand: the higher line
    assert melody_of(load_solo(data, melody_part=0)) == LINE


def test_data_bytes_out_of_range_are_clipped():
    clean = midi_bytes([("Trumpet", [(0, 56, line_notes())]), ("Piano", [(1, 0, comping())])])
    wild = with_wild_velocities(clean)
    assert wild != clean
    with pytest.raises((OSError, ValueError), match="data byte"):
        mido.MidiFile(file=io.BytesIO(wild))  # a strict reader refuses the file
    assert melody_of(load_solo(wild)) == melody_of(load_solo(clean)) == LINE


def test_drums_on_channel_10_are_never_melody_nor_harmony():
    # toms in the melody's register, and a kit change: still one drum part
    toms = [(9, 48, [(k * 0.5, 0.5, 72 + (k % 5)) for k in range(32)])]
    data = midi_bytes(
        [("Trumpet", [(0, 56, line_notes())]), ("Toms", toms), ("Piano", [(1, 0, comping())])]
    )
    infos = list_parts(data)
    assert [i.is_drum for i in infos] == [False, True, False]
    assert infos[1].channel == 10 and infos[1].instrument == "Drums"
    solo = load_solo(data)
    assert melody_of(solo) == LINE and kinds(solo) == THEORY_KINDS
    with pytest.raises(MelodyError, match="drum"):
        load_solo(data, melody_part="Toms")


def test_a_melody_alone_is_refused_in_one_line():
    with pytest.raises(MelodyError, match="but no chords \\(it is a melody alone\\)") as info:
        load_solo(midi_bytes([("Melody", [(0, 65, line_notes())])]))
    assert "\n" not in str(info.value)


def test_repeated_placeholder_notes_are_no_tune():
    # a chords-only chart: one pitch repeated as a slash note under the chord symbols
    part = stream.Part([instrument.Piano()])
    for k, figure in enumerate(["Dm7", "G7", "Cmaj7", "Cmaj7"]):
        part.insert(4.0 * k, harmony.ChordSymbol(figure))
        part.insert(4.0 * k, note.Note("B4", quarterLength=4.0))
    with pytest.raises(MelodyError, match="no tune"):
        load_solo(_musicxml_bytes(stream.Score([part])))


def _musicxml_bytes(score) -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "score.musicxml"
        score.write("musicxml", fp=str(path))
        return path.read_bytes()


def test_a_lead_sheet_with_chord_symbols(tmp_path):
    part = stream.Part([instrument.Trumpet()])
    part.partName = "Lead"
    for k, figure in enumerate(["Dm7", "G7", "Cmaj7", "Cmaj7"]):
        part.insert(4.0 * k, harmony.ChordSymbol(figure))
    for offset, length, pitch in line_notes():
        part.insert(offset, note.Note(pitch, quarterLength=length))
    path = tmp_path / "leadsheet.musicxml"
    stream.Score([part]).write("musicxml", fp=str(path))
    solo = load_solo(path)
    assert solo.chord_source == "chord symbols"
    assert [m.chords[0].symbol for m in solo.measures] == ["Dm7", "G7", "Cmaj7", "Cmaj7"]
    assert melody_of(solo) == LINE and kinds(solo) == THEORY_KINDS
    assert list_parts(path)[0].chord_symbols == 4


def test_a_file_is_parsed_once_whatever_its_name(tmp_path):
    data = midi_bytes([("Trumpet", [(0, 56, line_notes())]), ("Piano", [(1, 0, comping())])])
    first, second = tmp_path / "a.mid", tmp_path / "hash-named-upload.mid"
    first.write_bytes(data)
    second.write_bytes(data)
    music = read_music(first)
    again = read_music(second)
    assert again.parts is music.parts  # the same parse, under another name
    assert again.name == "hash-named-upload.mid" and music.sha256 == sources.sha256_of(data)


def test_measures_are_four_quarters_from_the_start():
    data = midi_bytes([("Trumpet", [(0, 56, line_notes())]), ("Piano", [(1, 0, comping())])])
    solo = load_solo(data, measures=(2, 3))
    assert [m.number for m in solo.measures] == [2, 3]
    assert melody_of(solo) == LINE[8:]
    assert all(0 <= n.offset < MEASURE_LENGTH for m in solo.measures for n in m.notes)


def test_type_2_and_broken_files_are_refused_in_one_line():
    midi = mido.MidiFile(type=2, ticks_per_beat=480)
    track = mido.MidiTrack([mido.Message("note_on", note=60, velocity=80, time=0)])
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    for data, words in [(buffer.getvalue(), "type 2"), (b"MThd\x00\x00", "not a readable MIDI")]:
        with pytest.raises(InputFileError, match=words) as info:
            read_music(data, "broken.mid")
        assert "\n" not in str(info.value)
