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

from collections.abc import Sequence

from .solo import MEASURE_LENGTH, default_pitch_name, sounding_chord

COLUMNS = ("start", "end", "start_beat", "end_beat", "pitch", "name", "velocity", "role", "kind")


def pitch_name(midi_pitch: int) -> str:
    """'C4' for 60, 'E-5' for 75: music21's spelling of MIDI pitches, with the octave."""
    return f"{default_pitch_name(midi_pitch)}{midi_pitch // 12 - 1}"


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


def _rows_from_report(report) -> list[dict]:
    from .midi import CHORD_VELOCITY, MELODY_VELOCITY
    from .postprocess import tone_classes

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


def _rows_from_solo(solo) -> list[dict]:
    from .midi import CHORD_VELOCITY, MELODY_VELOCITY
    from .postprocess import tone_classes

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


def _rows_from_midi(midi) -> list[dict]:
    from .midi import read_midi_notes

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


def piano_roll(source) -> list[dict]:
    """Rows of the notes of ``source`` (see the module docstring), sorted by start, melody first.

    source: a GenerationReport (its melody and chords at its tempo), a Solo (measure k
    starts at beat 4k; seconds at ``solo.tempo_bpm``), or a MIDI file (path, bytes,
    pretty_midi.PrettyMIDI; roles from the track names jazzcore writes, else from the
    General MIDI programs).
    """
    if hasattr(source, "melody") and hasattr(source, "sets"):
        rows = _rows_from_report(source)
    elif hasattr(source, "measures") and hasattr(source, "tempo_bpm"):
        rows = _rows_from_solo(source)
    else:
        rows = _rows_from_midi(source)
    rows.sort(key=lambda r: (r["start_beat"], r["role"] != "melody", r["pitch"]))
    return rows


def piano_roll_frame(source):
    """:func:`piano_roll` as a pandas DataFrame with the columns of ``COLUMNS``."""
    import pandas as pd

    return pd.DataFrame(piano_roll(source), columns=list(COLUMNS))


def rows_between(rows: Sequence[dict], start_beat: float, end_beat: float) -> list[dict]:
    """The rows sounding between two beats (quarter notes): to zoom into a few measures."""
    return [r for r in rows if r["end_beat"] > start_beat and r["start_beat"] < end_beat]
