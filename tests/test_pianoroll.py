"""Piano-roll rows: seconds and beats at the tempo, roles, and the same rows from the MIDI."""

from __future__ import annotations

import io

import pretty_midi
import pytest

from jazzcore.generate import GenerationReport, SetReport
from jazzcore.midi import write_midi
from jazzcore.pianoroll import COLUMNS, piano_roll
from jazzcore.postprocess import Sound
from jazzcore.solo import ChordEvent, Measure, MelodyNote, Solo
from jazzcore.theory import pitch_name

C7 = ChordEvent(0.0, 4.0, (48, 52, 55, 58), ("C", "E", "G", "B-"), "C7")
F7 = ChordEvent(4.0, 4.0, (53, 57, 60, 63), ("F", "A", "C", "E-"), "F7")


@pytest.fixture
def report() -> GenerationReport:
    melody = [
        Sound(0.0, 0.5, 64, "C", C7),
        Sound(0.5, 0.5, None, "R"),
        Sound(1.0, 1.0, 62, "S", C7),
    ]
    melody += [Sound(4.0, 2.0, 66, "A", F7)]  # F# over F7 (F A C E-): a semitone above F
    chords = [C7, F7]
    sets = [SetReport(1, 0.0, [C7], [], melody[:3]), SetReport(2, 4.0, [C7], [], melody[3:])]
    midi = write_midi(melody, chords, tempo_bpm=120.0)
    return GenerationReport(sets, "full", "course", 120.0, 50, 1, melody, chords, midi)


def test_rows_have_seconds_and_beats_at_the_tempo_and_roles(report):
    rows = piano_roll(report)
    assert len(rows) == 3 + 8  # three melody notes (the rest is not drawn) and 2 × 4 chord tones
    first = rows[0]
    assert set(first) == set(COLUMNS)
    assert (first["role"], first["pitch"], first["name"], first["kind"]) == (
        "melody",
        64,
        "E4",
        "C",
    )
    at_120 = 0.5  # seconds per beat at 120 bpm
    d = rows[[r["pitch"] for r in rows].index(62)]
    assert (d["start_beat"], d["end_beat"], d["start"], d["end"]) == (
        1.0,
        2.0,
        1.0 * at_120,
        2.0 * at_120,
    )
    assert d["kind"] == "S"
    chord_rows = [r for r in rows if r["role"] == "chord"]
    assert {r["pitch"] for r in chord_rows if r["start_beat"] == 4.0} == {53, 57, 60, 63}
    assert all(r["end_beat"] - r["start_beat"] == 4.0 for r in chord_rows)
    assert [r["start_beat"] for r in rows] == sorted(r["start_beat"] for r in rows)


def test_the_midi_file_gives_the_same_notes(report):
    from_report = piano_roll(report)
    from_midi = piano_roll(report.midi_bytes)
    assert len(from_midi) == len(from_report)
    for a, b in zip(from_report, from_midi, strict=True):
        assert (a["pitch"], a["role"], a["velocity"]) == (b["pitch"], b["role"], b["velocity"])
        assert a["start"] == pytest.approx(b["start"], abs=1e-3) and a["end"] == pytest.approx(
            b["end"], abs=1e-3
        )
        assert a["start_beat"] == pytest.approx(b["start_beat"], abs=1e-3)


def test_another_midi_file_gets_roles_from_its_programs():
    pm = pretty_midi.PrettyMIDI(initial_tempo=100.0)
    flute, piano = pretty_midi.Instrument(73), pretty_midi.Instrument(0)
    flute.notes.append(pretty_midi.Note(90, 72, 0.0, 0.6))
    piano.notes.append(pretty_midi.Note(60, 48, 0.0, 1.2))
    pm.instruments += [piano, flute]
    buffer = io.BytesIO()
    pm.write(buffer)
    rows = piano_roll(buffer.getvalue())
    assert [(r["pitch"], r["role"]) for r in rows] == [(72, "melody"), (48, "chord")]
    assert rows[0]["end_beat"] == pytest.approx(1.0)  # 0.6 s at 100 bpm


def test_a_solo_places_measure_k_at_beat_4k():
    solo = Solo(
        [Measure(0, [MelodyNote(0.0, 1.0, 64)], [C7]), Measure(1, [MelodyNote(2.0, 1.0, 69)], [])],
        tempo_bpm=60.0,
    )
    rows = piano_roll(solo)
    melody = [r for r in rows if r["role"] == "melody"]
    assert [(r["start_beat"], r["start"], r["kind"]) for r in melody] == [
        (0.0, 0.0, "C"),
        (6.0, 6.0, "S"),
    ]


def test_pitch_names_follow_music21():
    assert [pitch_name(p) for p in (60, 63, 70, 21)] == ["C4", "E-4", "B-4", "A0"]


def test_midi_notes_keep_drums_apart():
    # A saxophone (GM 66, a melody instrument) over a ride cymbal on the drum channel, at 120 bpm.
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    sax = pretty_midi.Instrument(program=65)
    sax.notes += [
        pretty_midi.Note(90, 67, 0.0, 0.5),
        pretty_midi.Note(90, 69, 1.0, 1.0),
    ]  # last: no length
    ride = pretty_midi.Instrument(program=0, is_drum=True)
    ride.notes.append(pretty_midi.Note(70, 51, 0.25, 0.5))
    pm.instruments += [sax, ride]
    buffer = io.BytesIO()
    pm.write(buffer)

    from jazzcore.midi import read_midi_notes

    pitched = read_midi_notes(buffer.getvalue())
    assert [(n.pitch, n.role, n.instrument) for n in pitched] == [(67, "melody", 0)]
    assert pitched[0].end_beat == pytest.approx(1.0)  # 0.5 s at 120 bpm is one quarter note
    everything = read_midi_notes(buffer.getvalue(), include_drums=True)
    assert [(n.pitch, n.role, n.is_drum, n.instrument) for n in everything] == [
        (67, "melody", False, 0),
        (51, "drums", True, 1),
    ]
