"""The app's helpers, without Streamlit: training queue, background jobs, uploads, tables."""

from __future__ import annotations

import threading
import time

import pytest

from jazzcore.app_support import TrainingJob, TrainingSlots, save_upload, vocabulary_rows
from jazzcore.dataset import Vocabulary
from jazzcore.errors import InputFileError, ParameterError


def fake_run(epochs: int, step_s: float = 0.0, fail: Exception | None = None):
    """A stand-in for jazzcore.train: reports `epochs` epochs, honours should_stop."""

    def run(on_epoch, should_stop):
        done = 0
        for epoch in range(1, epochs + 1):
            if should_stop():
                break
            if fail is not None and epoch == 2:
                raise fail
            time.sleep(step_s)
            on_epoch({"epoch": epoch, "loss": 100.0 / epoch, "per_step_loss": [1.0, 0.0], "accuracy": 0.5})
            done = epoch
        return {"epochs_trained": done}

    return run


def test_job_records_every_epoch_and_keeps_the_model():
    job = TrainingJob(fake_run(3), TrainingSlots(1), epochs=3).start()
    assert job.wait(5)
    assert job.status == "done"
    assert [r.epoch for r in job.history] == [1, 2, 3]
    assert job.history[-1].loss == pytest.approx(100 / 3)
    assert job.model == {"epochs_trained": 3}


def test_stop_keeps_the_weights_so_far():
    job = TrainingJob(fake_run(1000, step_s=0.005), TrainingSlots(1), epochs=1000).start()
    while len(job.history) < 3:
        time.sleep(0.005)
    job.stop()
    assert job.wait(5)
    assert job.status == "stopped"
    assert 3 <= job.model["epochs_trained"] < 1000
    assert job.model["epochs_trained"] == len(job.history)


def test_queue_runs_one_at_a_time_and_shows_positions():
    slots = TrainingSlots(capacity=1)
    first = TrainingJob(fake_run(1000, step_s=0.002), slots, epochs=1000).start()
    while first.status != "running":
        time.sleep(0.002)
    second = TrainingJob(fake_run(2), slots, epochs=2).start()
    third = TrainingJob(fake_run(2), slots, epochs=2).start()
    while slots.waiting < 2:
        time.sleep(0.002)
    assert (first.queue_position, second.queue_position, third.queue_position) == (0, 1, 2)
    assert second.status == third.status == "queued"
    first.stop()
    assert second.wait(5) and third.wait(5)
    assert second.status == third.status == "done"
    assert second.finished_at <= third.started_at  # never two at once with one slot
    assert slots.running == 0 and slots.waiting == 0


def test_a_queued_job_can_be_cancelled():
    slots = TrainingSlots(capacity=1)
    blocker = threading.Event()
    slots_ticket = "someone else"
    threading.Thread(target=lambda: (slots.acquire(slots_ticket), blocker.wait(5), slots.release(slots_ticket))).start()
    while slots.running == 0:
        time.sleep(0.002)
    job = TrainingJob(fake_run(5), slots, epochs=5).start()
    job.stop()
    assert job.wait(5)
    assert job.status == "stopped" and job.history == [] and job.model is None
    blocker.set()


def test_a_job_whose_session_is_gone_stops_and_frees_the_trainer():
    import gc

    from jazzcore.app_support import SessionToken

    slots = TrainingSlots(capacity=1)
    token, other = SessionToken(), SessionToken()
    running = TrainingJob(fake_run(100_000, step_s=0.002), slots, epochs=100_000, owner=token).start()
    while len(running.history) < 2:
        time.sleep(0.002)
    queued = TrainingJob(fake_run(100_000, step_s=0.002), slots, epochs=100_000, owner=other).start()
    while slots.waiting < 1:
        time.sleep(0.002)
    del other  # the queued user closed the tab: their job leaves the queue
    gc.collect()
    assert queued.wait(5) and queued.status == "stopped" and queued.history == []
    del token  # then the running user: the run ends after its epoch, the trainer is free
    gc.collect()
    assert running.wait(5) and running.status == "stopped"
    assert running.model["epochs_trained"] == len(running.history) >= 2
    assert slots.running == 0 and slots.waiting == 0


def test_a_failing_run_reports_its_error_and_frees_the_slot():
    slots = TrainingSlots(1)
    job = TrainingJob(fake_run(5, fail=ParameterError("n_a = 0 is out of range.")), slots, epochs=5).start()
    assert job.wait(5)
    assert job.status == "failed" and job.error == "n_a = 0 is out of range."
    assert len(job.history) == 1 and slots.running == 0


def test_save_upload_stores_by_hash_and_refuses_bad_files(tmp_path, metheny_file):
    data = metheny_file.read_bytes()
    path = save_upload(data, "my solo.mid", tmp_path)
    assert path.name == "0da8322ceab36b03.mid" and path.read_bytes() == data
    assert save_upload(data, "again.mid", tmp_path) == path
    with pytest.raises(InputFileError, match="neither MIDI nor MusicXML"):
        save_upload(b"%PDF-1.4 not music", "score.pdf", tmp_path)
    with pytest.raises(InputFileError, match="is empty"):
        save_upload(b"", "nothing.mid", tmp_path)
    with pytest.raises(InputFileError, match="MB accepted"):
        save_upload(b"MThd" + bytes(6 * 1024 * 1024), "huge.mid", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0da8322ceab36b03.mid"]


def test_vocabulary_rows_read_the_tokens():
    vocab = Vocabulary.from_corpus(["S,0.250,<m2,P-4>", "R,1.000", "S,0.250,<m2,P-4>"])
    rows = vocabulary_rows(vocab)
    assert [r["value"] for r in rows] == ["R,1.000", "S,0.250,<m2,P-4>"]
    rest, scale = rows
    assert rest["type"] == "rest" and rest["bracket"] == "" and rest["note value"] == "a quarter"
    assert scale["count"] == 2 and scale["bracket"] == "<m2,P-4>"
    assert scale["reading"] == "scale tone, a 16th, between a minor 2nd up and a perfect 4th down"


def test_parameter_counts_match_the_seeds_summary():
    from jazzcore.app_support import parameter_counts

    # The seed's model.summary() for n_values = 78, n_a = 64: 36,608 + 5,070 = 41,678.
    assert parameter_counts(78, 64) == {"LSTM": 36_608, "Dense": 5_070, "total": 41_678}


def test_unrolled_graph_shows_shared_cells_and_feedback():
    from jazzcore.app_support import unrolled_graph_dot

    training = unrolled_graph_dot(30, shown=3)
    assert training.count("LSTM cell") == 4 and "dots" in training and "ŷ⟨Tx⟩" in training
    inference = unrolled_graph_dot(50, shown=2, inference=True)
    assert "argmax" in inference and "style=dashed" in inference


# ---------------------------------------------------------------------------------------
# Generation helpers


@pytest.fixture(scope="module")
def leadsheets():
    import jazzcore

    return jazzcore.load_corpus("leadsheets")


@pytest.fixture(scope="module")
def small_model(leadsheets):
    from jazzcore.app_support import training_run

    return training_run(leadsheets, epochs=5, n_a=16)()


def test_training_run_refuses_bad_settings_before_it_queues(leadsheets):
    from jazzcore.app_support import training_run

    # 1000 windows of 200 steps with 1024 units: 204.8 M activations, over the 25 M bound
    with pytest.raises(ParameterError, match="too big to train in memory"):
        training_run(leadsheets, epochs=10, n_a=1024, m=1000, Tx=200)
    with pytest.raises(ParameterError, match="epochs"):
        training_run(leadsheets, epochs=0)


def test_a_model_trained_in_the_app_records_its_corpus(small_model, tmp_path):
    from jazzcore.persist import load_model, save_model

    # so that `python -m jazzcore generate --model` finds the lead sheets' chords
    assert small_model.source == "leadsheets"
    assert load_model(save_model(small_model, tmp_path / "m.npz")).source == "leadsheets"


def test_corpus_chord_sets_start_with_the_seeds_sets():
    from jazzcore.app_support import corpus_chord_sets

    # Metheny's 18 measures: the seed improvises over sets 1–5 (range(1, 18 // 3)).
    assert corpus_chord_sets(18) == [1, 2, 3, 4, 5]
    assert corpus_chord_sets(18, count=99) == [1, 2, 3, 4, 5]
    assert corpus_chord_sets(146, count=3) == [1, 2, 3]
    assert corpus_chord_sets(4, count=5) == [0, 1, 2, 3]  # too short for the seed's rule: every set


def test_training_run_trains_the_corpus_with_the_chosen_settings(leadsheets):
    from jazzcore.app_support import training_run

    seen = []
    model = training_run(leadsheets, epochs=3, n_a=8, m=20, Tx=12, seed=4)(on_epoch=seen.append, should_stop=lambda: False)
    assert [info["epoch"] for info in seen] == [1, 2, 3]
    assert len(seen[0]["per_step_loss"]) == 12
    assert (model.n_a, model.config.m, model.config.Tx, model.config.seed) == (8, 20, 12, 4)
    assert model.vocabulary.fingerprint() == leadsheets.vocabulary.fingerprint()
    with pytest.raises(ParameterError, match="too few for windows"):
        training_run(leadsheets, Tx=len(leadsheets.values))


def test_generation_settings_map_to_generate_music(leadsheets):
    from jazzcore.app_support import GenerationSettings

    greedy = GenerationSettings().generate_kwargs(leadsheets)
    assert greedy["temperature"] is None and greedy["top_k"] is None and greedy["chords"] is leadsheets
    assert greedy["chord_sets"] == [1, 2, 3, 4, 5] and greedy["out_path"] is None
    hot = GenerationSettings(sampling="temperature", temperature=0.5, top_k=9).generate_kwargs(leadsheets)
    assert hot["temperature"] == 0.5 and hot["top_k"] is None
    top = GenerationSettings(sampling="top-k", top_k=9).generate_kwargs(leadsheets)
    assert top["temperature"] is None and top["top_k"] == 9
    typed = GenerationSettings(chord_source="progression", progression="C7 | F7").generate_kwargs(leadsheets)
    assert typed["progression"] == "C7 | F7" and "chords" not in typed
    assert GenerationSettings(Ty=3) != GenerationSettings(Ty=4)  # the page regenerates on any change
    for bad, match in [({"Ty": 0}, "Ty = 0"), ({"Ty": 501}, "Ty = 501"), ({"sampling": "beam"}, "sampling"),
                       ({"chord_source": "radio"}, "chord source")]:
        with pytest.raises(ParameterError, match=match):
            GenerationSettings(**bad).generate_kwargs(leadsheets)


def test_generate_gives_midi_audio_metrics_and_a_piano_roll(leadsheets, small_model):
    from jazzcore.app_support import GenerationSettings, generate, model_key

    settings = GenerationSettings(Ty=20, sampling="temperature", seed=3, chord_sets=2)
    g = generate(small_model, leadsheets, settings, synth="numpy")
    assert g.n_values == 40 and [s.index for s in g.report.sets] == [1, 2]
    assert g.report.midi_bytes[:4] == b"MThd"
    assert g.audio.synth == "numpy" and g.audio.wav[:4] == b"RIFF" and g.audio.sample_rate == 22050
    assert g.audio.seconds >= g.report.seconds  # the whole piece plus the release tail
    assert g.metrics.n_notes == g.report.n_sounds
    assert g.reference.n_notes > g.metrics.n_notes and g.metrics.duration_distance is not None
    assert {r["role"] for r in g.rows} == {"melody", "chord"}
    assert g.model_key == model_key(small_model) and set(g.timings) >= {"generate", "audio", "total"}
    again = generate(small_model, leadsheets, settings, synth="numpy")
    assert [s.values for s in again.report.sets] == [s.values for s in g.report.sets]  # seeded


def test_generate_reports_a_bad_progression(leadsheets, small_model):
    from jazzcore.app_support import GenerationSettings, generate
    from jazzcore.errors import ChordSymbolError

    with pytest.raises(ChordSymbolError, match="Hx7"):
        generate(small_model, leadsheets, GenerationSettings(chord_source="progression", progression="Dm7 Hx7"))


def test_model_key_tells_models_apart(leadsheets, small_model):
    from jazzcore.app_support import model_key, training_run

    other = training_run(leadsheets, epochs=1, n_a=4)()
    assert model_key(small_model) == model_key(small_model) != model_key(other)


def test_token_and_metric_rows(leadsheets, small_model):
    from jazzcore.app_support import (
        METRIC_LABELS,
        GenerationSettings,
        generate,
        metrics_rows,
        token_rows,
    )

    g = generate(small_model, leadsheets, GenerationSettings(Ty=4, chord_sets=2), synth="numpy")
    rows = token_rows(g.report)
    assert [(r["chord set"], r["step"]) for r in rows] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4)]
    assert rows[0]["value"] == g.report.sets[0].values[0] and rows[0]["reading"]
    table = {r["figure"]: r for r in metrics_rows(g.metrics, g.reference)}
    assert len(table) == len(METRIC_LABELS)
    assert table["melody notes"]["generated"] == str(g.metrics.n_notes)
    assert table["melody notes"]["training solo"] == str(g.reference.n_notes)
    assert table["pitch-class distance to the training solo (0–1)"]["training solo"] == "—"
    share = table["chord tones (share)"]["generated"]
    assert 0 <= float(share) <= 1 and len(share.split(".")[1]) == 2


def test_piano_roll_figure_has_melody_and_chords_in_two_colours():
    from jazzcore.app_support import ROLE_COLOURS, piano_roll_figure

    rows = [
        {"start_beat": 0.0, "end_beat": 0.5, "pitch": 64, "name": "E4", "kind": "C", "role": "melody"},
        {"start_beat": 0.5, "end_beat": 1.0, "pitch": 65, "name": "F4", "kind": "S", "role": "melody"},
        {"start_beat": 0.0, "end_beat": 4.0, "pitch": 48, "name": "C3", "kind": "", "role": "chord"},
    ]
    figure = piano_roll_figure(rows)
    melody, chord = figure.data
    assert (melody.name, chord.name) == ("melody", "chord")
    assert melody.marker.color != chord.marker.color and chord.marker.color == ROLE_COLOURS["chord"]
    assert list(melody.base) == [0.0, 0.5] and list(melody.x) == [0.5, 0.5] and list(melody.y) == [64, 65]
    assert list(chord.x) == [4.0] and list(chord.y) == [48]
