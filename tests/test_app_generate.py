"""The Generate page through AppTest: the default solo (one line inside the chords), the
course's way, the quality table, audio, downloads, regeneration, errors.

The written MIDI is read back with pretty_midi and checked against times worked out by hand
from the course's tempo (130 quarter notes a minute) and 4/4 measures."""

from __future__ import annotations

import io
import json
import urllib.parse
from pathlib import Path

import pretty_midi
import pytest
from app_steps import run_until
from streamlit.testing.v1 import AppTest

from jazzcore.app import session
from jazzcore.app.generation import MAX_APP_SETS, QUICK_TRAINING
from jazzcore.app.jobs import RunSpec
from jazzcore.dataset import load_corpus
from jazzcore.model import TrainConfig
from jazzcore.training import train

QUARTER = 60 / 130
"""Seconds per quarter note at the course's tempo."""
MEASURE = 4 * QUARTER
"""Seconds per 4/4 measure (one chord set): 1.846 s."""
FIVE_SETS_END = 5 * MEASURE
"""Where the chords of the course's five chord sets (measures 0–4) end: 20 quarters, 9.23 s."""
APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
EPS = 1e-3
"""Seconds: far above the rounding of MIDI ticks (480 a quarter), far below a 16th (0.115 s)."""


@pytest.fixture(scope="module")
def leadsheet_model():
    """A small model trained on the offline lead sheets (the app's default corpus)."""
    corpus = load_corpus("leadsheets")
    return train(*corpus.xy(60, 30, 0), corpus.vocabulary, TrainConfig(n_a=32, epochs=20))


@pytest.fixture
def generate_page(open_app, leadsheet_model):
    at = open_app("pages/generate.py", model=leadsheet_model)
    assert not at.exception
    return at


def table(at, first_column: str):
    """The st.dataframe or st.table whose first column is ``first_column`` (AppTest has no
    keys for them)."""
    shown = [*at.dataframe, *at.table]
    found = [d.value for d in shown if list(d.value.columns)[:1] == [first_column]]
    assert len(found) == 1
    return found[0]


def tokens(at) -> list[str]:
    return list(table(at, "chord set")["value"])


def quality(at) -> dict[str, dict[str, str]]:
    """The quality table: figure → {column: text}."""
    return table(at, "figure").set_index("figure").to_dict("index")


def midi_parts(midi_bytes: bytes):
    """(melody notes, chord notes) of a MIDI file read by pretty_midi, in order of start."""
    parts = {
        instrument.name: sorted(instrument.notes, key=lambda n: (n.start, n.pitch))
        for instrument in pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes)).instruments
    }
    return parts["Melody (Electric Guitar)"], parts["Chords (Piano)"]


def most_at_once(notes) -> int:
    """Most notes sounding at one time (a note ending where the next starts is not two)."""
    events = sorted(
        [(round(n.end, 4), -1) for n in notes] + [(round(n.start, 4), 1) for n in notes]
    )
    most = now = 0
    for _, change in events:
        now += change
        most = max(most, now)
    return most


def assert_one_line_inside_the_chords(midi_bytes: bytes, chords_end: float) -> list:
    """The default solo: chords from 0 to ``chords_end`` seconds; one melody note at a time,
    each inside one measure, none after the chords end. Returns the melody notes."""
    melody, chords = midi_parts(midi_bytes)
    assert melody and chords
    assert min(n.start for n in chords) == pytest.approx(0, abs=EPS)
    assert max(n.end for n in chords) == pytest.approx(chords_end, abs=EPS)
    assert all(n.end <= chords_end + EPS for n in melody)  # nothing after the chords end
    # one at a time
    assert all(b.start >= a.end - EPS for a, b in zip(melody, melody[1:], strict=False))
    for n in melody:  # inside the measure (chord set) it starts in
        measure = int(n.start / MEASURE + EPS)
        assert n.end <= (measure + 1) * MEASURE + EPS, (n, measure)
    return melody


def test_generate_page_widgets_render_with_the_new_defaults(generate_page):
    at = generate_page
    assert at.toggle(key="gen_course").value is False
    assert at.toggle(key="gen_course").label.startswith("🎓 The course's way")
    ty = at.number_input(key="gen_ty")
    assert ty.value is None and "fill" in ty.help  # empty: fill each measure
    assert "from 1 to 1,000" in ty.help  # the limit in words (no bounds that only turn red)
    assert at.number_input(key="gen_seed").value == 1
    sampling = at.radio(key="gen_sampling")
    assert sampling.value == "temperature"
    assert "greedy (argmax, the course's: replays the solo)" in sampling.options
    assert at.slider(key="gen_temperature").value == 1.0
    assert at.radio(key="gen_postprocess").value == "faithful"
    assert at.radio(key="gen_layout").value == "measure"
    assert at.radio(key="gen_chord_source").value == "corpus"
    assert at.checkbox(key="gen_first_value").value is False
    assert at.button(key="generate").label == "🎵 Generate"
    assert not at.get("audio")  # nothing generated before the first press
    at.radio(key="gen_sampling").set_value("top-k").run()
    assert at.number_input(key="gen_top_k").value == 5
    at.radio(key="gen_chord_source").set_value("progression").run()
    assert "|" in at.text_input(key="gen_progression").value


def test_the_default_solo_is_one_line_inside_the_chords(generate_page):
    at = generate_page
    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    assert len(at.get("audio")) == 1
    assert {b.label for b in at.get("download_button")} == {
        "⬇ MIDI",
        "⬇ WAV",
        "⬇ Notebook (.ipynb)",
    }
    generation = at.session_state["generation"]
    report = generation.report
    assert report.midi_bytes[:4] == b"MThd" and generation.audio.wav[:4] == b"RIFF"
    assert generation.audio.peak > 0.01  # something is heard
    assert any(generation.audio.detail in c.value for c in at.caption)  # which synth rendered it
    # The course's five chord sets (its 1–5: measures 0–4): their chords end at 5 measures, 9.23 s.
    assert [s.index for s in report.sets] == [0, 1, 2, 3, 4]
    assert max(c.offset + c.duration for c in report.chords) * QUARTER == pytest.approx(
        FIVE_SETS_END
    )
    melody = assert_one_line_inside_the_chords(report.midi_bytes, FIVE_SETS_END)
    assert len(melody) == report.n_sounds
    # Sampled, not the course's argmax: the sets do not replay one sequence.
    assert len({tuple(s.values) for s in report.sets}) > 1
    assert len(tokens(at)) == generation.n_values == sum(len(s.values) for s in report.sets)
    assert at.metric[0].value == str(generation.n_values)
    # Piano roll: melody and chords as two traces, every melody note drawn.
    roll = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in roll["data"]] == ["melody", "chord"]
    assert len(roll["data"][0]["y"]) == len(melody)


def test_the_quality_table_sets_the_piece_beside_the_solo_and_random_values(generate_page):
    at = generate_page
    at.button(key="generate").click().run()
    assert list(table(at, "figure").columns) == [
        "figure",
        "generated",
        "training solo",
        "random values",
    ]
    figures = quality(at)
    melody, _ = midi_parts(at.session_state["generation"].report.midi_bytes)
    assert figures["melody notes"]["generated"] == str(len(melody))
    assert figures["notes after the chords end (share)"]["generated"] == "0.00"
    assert figures["most notes sounding at once"]["generated"] == "1"
    corpus = load_corpus("leadsheets")  # the training solo: all its notes, none after its chords
    n_notes = sum(1 for s in corpus.solos for m in s.measures for n in m.notes if not n.is_rest)
    assert figures["melody notes"]["training solo"] == str(n_notes)
    assert figures["notes after the chords end (share)"]["training solo"] == "0.00"
    for row in figures.values():  # every figure has a random-values figure beside it
        assert row["random values"] != "—"
    assert any("random values" in c.value for c in at.caption)  # how to read it


def test_the_courses_way_stacks_overlapping_sets_past_the_chords(generate_page):
    at = generate_page
    at.toggle(key="gen_course").set_value(True)
    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    assert not [w for w in at.number_input if w.key == "gen_ty"]  # Ty is the course's 50
    assert not [w for w in at.radio if w.key == "gen_sampling"]
    generation = at.session_state["generation"]
    report = generation.report
    assert generation.settings.is_the_course
    assert (report.postprocess, report.layout, report.Ty) == ("course", "course", 50)
    assert [len(s.values) for s in report.sets] == [50] * 5 and len(tokens(at)) == 250
    # Greedy argmax from the same zero state: every set replays the same 50 values.
    assert len({tuple(s.values) for s in report.sets}) == 1
    melody, chords = midi_parts(report.midi_bytes)
    assert max(n.end for n in chords) == pytest.approx(FIVE_SETS_END, abs=EPS)
    assert most_at_once(melody) >= 2  # the sets overlap
    assert any(n.start >= FIVE_SETS_END - EPS for n in melody)  # and run on after the chords
    figures = quality(at)
    assert figures["most notes sounding at once"]["generated"] == str(most_at_once(melody))
    assert float(figures["notes after the chords end (share)"]["generated"]) > 0
    # Off again: back to one line inside the chords, with the settings kept from before.
    at.toggle(key="gen_course").set_value(False).run()
    assert not at.exception and at.number_input(key="gen_ty").value is None
    report = at.session_state["generation"].report
    assert report.layout == "measure"
    assert_one_line_inside_the_chords(report.midi_bytes, FIVE_SETS_END)


def test_changing_ty_or_the_seed_regenerates_at_once(generate_page):
    at = generate_page
    at.button(key="generate").click().run()
    filled = [len(s.values) for s in at.session_state["generation"].report.sets]
    at.number_input(key="gen_ty").set_value(12).run()  # no button press
    assert not at.exception and len(tokens(at)) == 5 * 12
    assert at.session_state["generation"].settings.Ty == 12
    same_seed = tokens(at)
    at.number_input(key="gen_seed").set_value(7).run()
    assert len(tokens(at)) == 5 * 12 and tokens(at) != same_seed
    at.number_input(key="gen_seed").set_value(1).run()
    assert tokens(at) == same_seed  # a seed gives the same solo again
    at.number_input(key="gen_ty").set_value(None).run()  # emptied: fill each measure again
    assert [len(s.values) for s in at.session_state["generation"].report.sets] == filled


def test_fewer_chord_sets_raw_postprocessing_and_first_value_rule(generate_page):
    at = generate_page
    at.number_input(key="gen_chord_sets").set_value(2)
    at.radio(key="gen_postprocess").set_value("raw")
    at.checkbox(key="gen_first_value").check()
    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    generation = at.session_state["generation"]
    assert generation.report.postprocess == "raw" and len(generation.report.sets) == 2
    for s in generation.report.sets:  # the course's rule: no rest, no bracket first
        first = s.values[0].split(",")
        assert first[0] != "R" and len(first) == 2


def test_a_bad_progression_is_an_error_and_a_good_one_recovers(generate_page):
    at = generate_page
    at.button(key="generate").click().run()
    at.radio(key="gen_chord_source").set_value("progression").run()
    at.text_input(key="gen_progression").set_value("Dm7 Hx7").run()
    assert not at.exception
    assert len(at.error) == 1 and "Hx7" in at.error[0].value
    assert not at.get("audio")  # no stale solo under the error
    at.text_input(key="gen_progression").set_value("Dm7 G7 | Cmaj7").run()
    assert not at.exception and not at.error
    assert len(at.get("audio")) == 1
    report = at.session_state["generation"].report
    assert len(report.sets) == 2  # one set per bar: two measures, 3.69 s
    melody = assert_one_line_inside_the_chords(report.midi_bytes, 2 * MEASURE)
    # In the training solo's register (C4–G#6 for the lead sheets), not the default G3–C6.
    corpus = load_corpus("leadsheets")
    pitches = [n.pitch for s in corpus.solos for m in s.measures for n in m.notes if not n.is_rest]
    assert all(min(pitches) <= n.pitch <= max(pitches) for n in melody)


def test_without_a_model_quick_train_then_generate(open_app):
    session.trainer().forget_shared()
    at = open_app("pages/generate.py")
    assert not at.exception
    assert any("No model yet" in w.value for w in at.warning)
    assert at.button(key="quick_train").label.startswith("⚡ Quick train (100 epochs")
    at.button(key="quick_train").click().run()  # the page waits for the model (a second)
    assert not at.exception and not at.error
    run_until(at, lambda at: at.get("audio"))  # and goes straight on to a solo
    model = at.session_state["model"]
    assert len(model.history) == 100 and model.history[-1]["loss"] < model.history[0]["loss"]
    assert not at.warning and "quick_train" not in [b.key for b in at.button]  # nothing stale
    assert any("Model ready" in c.value for c in at.caption)


def test_a_quick_training_that_fails_says_why_and_offers_the_button_again(open_app, monkeypatch):
    def too_short(corpus):
        """A run the trainer refuses when it starts: 10 values, windows of 30."""
        values = tuple(corpus.values[:10])
        return RunSpec(values, (10,), corpus.vocabulary, 60, 30, QUICK_TRAINING, corpus.source)

    session.trainer().forget_shared()
    monkeypatch.setattr(session, "quick_run", too_short)
    at = open_app("pages/generate.py")
    at.button(key="quick_train").click().run()  # the page waits for the run: it fails
    assert not at.exception
    assert len(at.error) == 1 and "too few for windows of Tx = 30" in at.error[0].value
    at.run()  # said once; the button is there to try again
    assert not at.error and at.button(key="quick_train")


def test_values_out_of_range_are_refused_in_words(generate_page):
    at = generate_page
    at.button(key="generate").click().run()
    at.number_input(key="gen_ty").set_value(1001).run()
    assert not at.exception and not at.get("audio")
    assert [e.value for e in at.error] == [
        "Ty = 1001 is out of range: choose a whole number from 1 to 1000."
    ]
    at.number_input(key="gen_ty").set_value(None).run()
    at.number_input(key="gen_seed").set_value(-1).run()
    assert [e.value for e in at.error] == [
        "seed = -1 is out of range: choose a whole number from 0 to 4294967295."
    ]
    at.number_input(key="gen_seed").set_value(1).run()
    at.number_input(key="gen_chord_sets").set_value(17).run()
    assert [e.value for e in at.error] == [
        "chord sets = 17 is out of range: choose a whole number from 1 to 16."
    ]
    at.number_input(key="gen_chord_sets").set_value(5).run()
    assert not at.error and len(at.get("audio")) == 1  # and back to music


def test_a_share_link_plays_the_teachers_solo_for_a_student(open_app):
    session.trainer().forget_shared()
    teacher = open_app("pages/generate.py")
    teacher.button(key="quick_train").click().run()
    run_until(teacher, lambda at: at.get("audio"))
    teacher.number_input(key="gen_seed").set_value(3).run()
    teacher.radio(key="gen_sampling").set_value("top-k").run()
    played = teacher.session_state["generation"]
    link = next(c.value for c in teacher.code if "share=1" in c.value)
    path, query = link.split("?")
    assert path.endswith("/generate") and "v=" not in query  # no token: not the teacher's work
    params = dict(urllib.parse.parse_qsl(query))
    assert params == {"share": "1", "corpus": "leadsheets", "seed": "3", "sampling": "top-k"}
    student = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        student.query_params[key] = value
    student.run()
    student.switch_page("pages/generate.py")
    run_until(student, lambda at: at.get("audio"))
    assert not student.exception and not student.error
    heard = student.session_state["generation"]
    assert heard.audio.wav == played.audio.wav  # the same solo, byte for byte
    assert heard.settings == played.settings
    assert student.number_input(key="gen_seed").value == 3
    assert student.radio(key="gen_sampling").value == "top-k"
    assert any(
        c.value.startswith("From a share link: a model of n_a = 64") for c in student.caption
    )
    assert student.query_params["v"] != teacher.query_params["v"]
    assert set(student.query_params) == {"v"}  # the link's settings left the address


def test_chord_sets_say_their_limit_for_a_long_corpus(generate_page):
    widget = generate_page.number_input(key="gen_chord_sets")
    assert widget.value == 5 and f"from 1 to {MAX_APP_SETS}" in widget.help


def test_metheny_improvises_over_the_courses_five_sets(metheny_cache, open_app, metheny_model):
    at = open_app(model=metheny_model)
    at.sidebar.radio[0].set_value("metheny").run()
    at.switch_page("pages/generate.py").run()
    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    generation = at.session_state["generation"]
    assert generation.model is metheny_model
    assert "from 1 to 5" in at.number_input(key="gen_chord_sets").help
    # The course's sets 1–5 of the 18 measures (its chords[1:6]: measures 0–4); by default
    # one line inside their chords.
    report = generation.report
    assert [s.index for s in report.sets] == [0, 1, 2, 3, 4]
    chords_end = max(c.offset + c.duration for c in report.chords) * QUARTER
    assert 4 * MEASURE < chords_end <= FIVE_SETS_END  # the last chord ends in the 5th measure
    assert_one_line_inside_the_chords(report.midi_bytes, chords_end)
    # The course's way: Ty = 50 values each, greedy.
    at.toggle(key="gen_course").set_value(True).run()
    assert not at.exception and len(tokens(at)) == 250
    assert len({tuple(s.values) for s in at.session_state["generation"].report.sets}) == 1
