"""Piano-roll data: one row per note, ready for a plotly timeline or a pandas DataFrame.

:func:`piano_roll` reads a generated piece (a GenerationReport), a training
:class:`~jazzcore.solo.Solo`, or any MIDI file, and returns rows with

* ``start``, ``end`` — seconds from the beginning;
* ``start_beat``, ``end_beat`` — quarter notes (beats) from the beginning;
* ``pitch`` (MIDI), ``name`` ('C4', 'E-5'), ``velocity`` (1–127);
* ``role`` — 'melody' or 'chord';
* ``kind`` — for melody notes whose chord is known, the grammar type over it ('C', 'S',
  'A', 'X'), else ''.
"""

from __future__ import annotations

from pathlib import Path

from .generate import GenerationReport
from .midi import CHORD_VELOCITY, MELODY_VELOCITY, read_midi_notes
from .solo import MEASURE_LENGTH, Solo, sounding_chord
from .theory import pitch_name, tone_classes

COLUMNS = ("start", "end", "start_beat", "end_beat", "pitch", "name", "velocity", "role", "kind")


def _row(start_beat, end_beat, pitch, velocity, role, kind, seconds_per_beat) -> dict:
    return {
        "start": start_beat * seconds_per_beat,
        "end": end_beat * seconds_per_beat,
        "start_beat": float(start_beat),
        "end_beat": float(end_beat),
        "pitch": int(pitch),
        "name": pitch_name(int(pitch)),
        "velocity": int(velocity),
        "role": role,
        "kind": kind,
    }


def _rows_from_report(report: GenerationReport) -> list[dict]:
    spb = 60.0 / report.tempo_bpm
    rows = [
        _row(
            s.offset,
            s.end,
            s.pitch,
            MELODY_VELOCITY,
            "melody",
            tone_classes(s.chord).kind_of(s.pitch) if s.chord else "",
            spb,
        )
        for s in report.melody
        if not s.is_rest and s.duration > 0
    ]
    rows += [
        _row(c.offset, c.offset + c.duration, p, CHORD_VELOCITY, "chord", "", spb)
        for c in report.chords
        for p in c.pitches
    ]
    return rows


def _rows_from_solo(solo: Solo) -> list[dict]:
    spb = 60.0 / solo.tempo_bpm
    rows = []
    for k, (measure, chords) in enumerate(zip(solo.measures, solo.measure_chords(), strict=True)):
        start = k * MEASURE_LENGTH
        for n in measure.notes:
            if n.is_rest or n.duration <= 0:
                continue
            kind = tone_classes(sounding_chord(chords, n.offset)).kind_of(n.pitch) if chords else ""
            rows.append(
                _row(
                    start + n.offset,
                    start + n.offset + n.duration,
                    n.pitch,
                    MELODY_VELOCITY,
                    "melody",
                    kind,
                    spb,
                )
            )
        for c in measure.chords:
            rows += [
                _row(
                    start + c.offset,
                    start + c.offset + c.duration,
                    p,
                    CHORD_VELOCITY,
                    "chord",
                    "",
                    spb,
                )
                for p in c.pitches
            ]
    return rows


def _rows_from_midi(midi: str | Path | bytes) -> list[dict]:
    events = read_midi_notes(midi)
    return [
        {
            "start": e.start,
            "end": e.end,
            "start_beat": e.start_beat,
            "end_beat": e.end_beat,
            "pitch": e.pitch,
            "name": pitch_name(e.pitch),
            "velocity": e.velocity,
            "role": e.role,
            "kind": "",
        }
        for e in events
    ]


def piano_roll(source: GenerationReport | Solo | str | Path | bytes) -> list[dict]:
    """Rows of the notes of ``source`` (see the module docstring), sorted by start, melody first.

    source: a GenerationReport (its melody and chords at its tempo), a Solo (measure k
    starts at beat 4k; seconds at ``solo.tempo_bpm``), or a MIDI file (path or bytes; roles
    from the track names jazzcore writes, else from the General MIDI programs).
    """
    if isinstance(source, GenerationReport):
        rows = _rows_from_report(source)
    elif isinstance(source, Solo):
        rows = _rows_from_solo(source)
    else:
        rows = _rows_from_midi(source)
    rows.sort(key=lambda r: (r["start_beat"], r["role"] != "melody", r["pitch"]))
    return rows
