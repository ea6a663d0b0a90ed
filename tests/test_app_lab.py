"""The Course lab (pages/course.py over jazzcore/app/lab.py): each of the course's choices
beside the other way, with their loss curves and solos, and a model taken home as a notebook.

The lab's trainings go through the server's trainer (its thread backend here, one for the
module: the lab's shared runs are trained once and found at once by the next test). The
expected figures come from what each switch means: argmax from the same zero state plays the
same values in every chord set; the course's layout starts 50 values at every set's start; a
barely trained model's values match the solo only by chance.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import streamlit

from jazzcore.app import lab, session
from jazzcore.app.generation import QUICK_TRAINING, GenerationSettings, generate, training_run
from jazzcore.app.jobs import EpochRecord, RunSpec
from jazzcore.app.trainer import Trainer
from jazzcore.dataset import load_corpus
from jazzcore.errors import ParameterError
from jazzcore.model import TrainConfig
from jazzcore.training import train

# ---------------------------------------------------------------------------------------
# jazzcore/app/lab.py


def changed(a, b) -> set[str]:
    """The fields in which two frozen dataclasses differ."""
    return {f.name for f in dataclasses.fields(a) if getattr(a, f.name) != getattr(b, f.name)}


@pytest.mark.parametrize(
    "key, config_fields, settings_fields",
    [
        ("state", {"carry_state"}, set()),
        ("sampling", set(), {"sampling"}),
        ("epochs", {"epochs"}, set()),
        ("postprocess", set(), {"postprocess", "layout"}),
    ],
)
def test_a_switch_changes_one_thing_between_its_sides(key, config_fields, settings_fields):
    chosen = lab.switch(key, seed=9)
    assert chosen.key == key and len(chosen.sides) == (3 if key == "epochs" else 2)
    first = chosen.sides[0]
    for side in chosen.sides[1:]:
        assert changed(first.config, side.config) == config_fields
        assert changed(first.settings, side.settings) == settings_fields
    assert all(side.settings.seed == 9 for side in chosen.sides)
    assert sum(side.course for side in chosen.sides) == 1  # one side is the course's way
    assert chosen.one_model == (not config_fields)


def test_the_switches_are_the_courses_choices():
    state = lab.switch("state")
    assert [s.config.carry_state for s in state.sides] == [False, True]  # 2018 listing first
    sampling = lab.switch("sampling")
    assert [s.settings.sampling for s in sampling.sides] == ["greedy", "temperature"]
    assert [s.settings.Ty for s in sampling.sides] == [50, 50]  # the course's Ty on both sides
    assert sampling.sides[1].settings.temperature == 1.0
    epochs = lab.switch("epochs")
    assert [s.config.epochs for s in epochs.sides] == [1, 100, 300]
    assert [s.course for s in epochs.sides] == [False, True, False]  # the notebook's 100
    post = lab.switch("postprocess")
    course, improved = (s.settings for s in post.sides)
    assert (course.postprocess, course.layout) == ("course", "course")
    assert improved == GenerationSettings()  # the Generate page's defaults
    # every side trains the course's settings but for the switch: n_a = 64, seed 0
    for key in lab.SWITCH_KEYS:
        for side in lab.switch(key).sides:
            assert (side.config.n_a, side.config.seed, side.config.learning_rate) == (64, 0, 0.01)
    with pytest.raises(ParameterError, match="switch = 'colour'"):
        lab.switch("colour")
    with pytest.raises(ParameterError, match="seed"):
        lab.switch("state", seed=-1)


def test_the_labs_100_epoch_run_is_the_quick_model_everyone_shares():
    corpus = load_corpus("leadsheets")
    specs = lab.runs(corpus, lab.switch("epochs"))
    quick = training_run(corpus, QUICK_TRAINING)
    assert [s.key == quick.key for s in specs] == [False, True, False]
    assert [(s.m, s.Tx) for s in specs] == [(60, 30)] * 3  # the course's windows
    one_model = lab.runs(corpus, lab.switch("sampling"))
    assert one_model[0].key == one_model[1].key == quick.key


class FakeJob:
    def __init__(self, status: str):
        self.status = status
        self.number = id(self)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


def test_follow_starts_each_run_once_and_never_restarts_a_failure_by_itself():
    corpus = load_corpus("leadsheets")
    a, b = lab.runs(corpus, lab.switch("state"))
    started, made = {}, []

    def start(spec: RunSpec) -> FakeJob:
        made.append(spec.key)
        return FakeJob("failed" if spec is a else "running")

    first = lab.follow([a, b, b], started, start)
    assert made == [a.key, b.key] and first[1] is first[2]  # equal runs: one job
    again = lab.follow([a, b], started, start)
    assert again == first[:2] and len(made) == 2  # the failed run is said, not restarted
    first[1].status = "done"
    lab.follow([a, b], started, start, retry=True)
    assert made == [a.key, b.key, a.key]  # retry: the failed one only
    lab.follow([b], started, start)
    assert list(started) == [b.key]  # only the runs on the page are held


def records(losses: list[float]) -> list[EpochRecord]:
    return [EpochRecord(i + 1, loss, (), 0.5) for i, loss in enumerate(losses)]


def test_loss_charts_share_their_axes():
    charts = lab.loss_charts(
        [records([120.0]), records([140.0, 60.0, 20.0])], [[5.0, 4.0], [2.0, 1.0]]
    )
    assert len(charts) == 2
    for chart in charts:
        layout = chart.layout
        assert tuple(layout.yaxis.range) == pytest.approx((0, 1.05 * 140))  # the highest loss
        assert tuple(layout.xaxis.range) == (0.5, 3.5)  # epochs 1–3 of the longer run
        assert tuple(layout.yaxis3.range) == pytest.approx((0, 1.05 * 5))  # per-step loss
    loss, accuracy, steps = charts[0].data
    assert list(loss.y) == [120.0] and list(accuracy.y) == [0.5]
    assert list(steps.x) == [1, 2] and list(steps.y) == [5.0, 4.0]


def test_an_untrained_models_step_losses_are_ln_n_values_but_the_empty_last_step():
    corpus = load_corpus("leadsheets")
    config = TrainConfig(epochs=1, engine="numpy")
    model = train(*corpus.xy(60, 30, 0), corpus.vocabulary, config, source=corpus.source)
    steps = lab.step_losses(model, corpus)
    # Near-uniform softmax: ln(n_values) nats at each of the 29 steps with a target; the
    # course's Y has no target at the last step (its X has no input at the first).
    assert steps.shape == (30,) and steps[-1] == 0
    assert steps[:-1] == pytest.approx([math.log(corpus.n_values)] * 29, rel=0.02)


def test_a_model_goes_home_as_a_notebook_of_its_settings():
    corpus = load_corpus("leadsheets")
    config = TrainConfig(n_a=12, epochs=2, seed=3, engine="numpy")
    X, Y = corpus.xy(50, 20, 3)
    model = train(X, Y, corpus.vocabulary, config, source=corpus.source)
    settings, which = lab.notebook_settings(model, None)
    assert settings == GenerationSettings() and "defaults, seed 1" in which
    notebook = json.loads(lab.notebook(corpus, model, GenerationSettings(seed=5)))
    assert notebook["nbformat"] == 4
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "TrainConfig(n_a=12, epochs=2," in code and "seed=3," in code
    assert "corpus.xy(m=50, Tx=20, seed=3)" in code  # the windows the model was trained on
    assert "seed=5," in code and "jazzcore.load_corpus('leadsheets')" in code


# ---------------------------------------------------------------------------------------
# The page


@pytest.fixture(scope="module")
def lab_trainer():
    trainer = Trainer("thread")
    yield trainer
    trainer.close()


@pytest.fixture
def open_lab(open_app, monkeypatch, lab_trainer):
    """Open a page with the module's trainer in place of the server's."""
    monkeypatch.setattr(session, "trainer", lambda: lab_trainer)
    return open_app


def settle(at, timeout: float = 120) -> None:
    """Let the lab's runs end, then rerun the page as its live view does then."""
    for job in at.session_state["lab_jobs"].values():
        assert job.wait(timeout)
    at.run()
    assert not at.exception and not at.error


def sides(at) -> list:
    """The page's columns that hold a side (a heading and a solo)."""
    return [c for c in at.columns if c.get("audio")]


def figure(column, label: str) -> str:
    return next(m.value for m in column.metric if m.label == label)


@pytest.mark.slow  # trains through the page
def test_every_switch_shows_its_sides_side_by_side(open_lab):
    at = open_lab("pages/course.py")
    assert not at.exception
    assert at.radio(key="lab_switch").options == [
        lab.switch(k).title for k in ("state", "sampling", "epochs", "postprocess")
    ]
    for key in lab.SWITCH_KEYS:
        at.radio(key="lab_switch").set_value(key).run()
        settle(at)
        chosen = lab.switch(key)
        columns = sides(at)
        assert len(columns) == len(chosen.sides), key
        for column, side in zip(columns, chosen.sides, strict=True):
            [heading] = column.subheader
            assert heading.value == ("🎓 " if side.course else "") + side.label
            assert len(column.get("audio")) == 1
            assert len(column.table) == 1  # the quality table
            charts = column.get("plotly_chart")  # the loss curve (per side) and the piano roll
            assert len(charts) == (1 if chosen.one_model else 2), key
            assert figure(column, "Longest copy").isdigit()
        # one model for both sides: its loss curve once, above them
        n = len(chosen.sides)
        assert len(at.get("plotly_chart")) == (1 + n if chosen.one_model else 2 * n), key


@pytest.mark.slow  # trains through the page
def test_greedy_replays_the_solo_and_sampling_does_not(open_lab):
    at = open_lab("pages/course.py")
    at.radio(key="lab_switch").set_value("sampling").run()
    settle(at)
    greedy, sampled = sides(at)
    longest = [int(figure(c, "Longest copy")) for c in (greedy, sampled)]
    assert longest[0] > longest[1], longest
    # argmax from the same zero state: the same 50 values in every chord set
    corpus = load_corpus("leadsheets")
    [spec, _] = lab.runs(corpus, lab.switch("sampling"))
    model = at.session_state["lab_jobs"][spec.key].model
    solo = generate(model, corpus, lab.switch("sampling").sides[0].settings)
    assert [len(s.values) for s in solo.report.sets] == [50] * 5
    assert len({tuple(s.values) for s in solo.report.sets}) == 1
    assert longest[0] == solo.quality.generated.longest_copy


@pytest.mark.slow  # trains through the page
def test_the_carried_state_learns_more_and_longer_training_copies_more(open_lab):
    at = open_lab("pages/course.py")
    at.radio(key="lab_switch").set_value("state").run()
    settle(at)
    jobs = at.session_state["lab_jobs"]
    corpus = load_corpus("leadsheets")
    reset, carried = (jobs[s.key].model for s in lab.runs(corpus, lab.switch("state")))
    assert not reset.config.carry_state and carried.config.carry_state
    # Reset at every step, a step's prediction depends on its own input only: it cannot do
    # better than the values' conditional entropy; the carried state sees the context.
    assert reset.history[-1]["loss"] > carried.history[-1]["loss"]
    at.radio(key="lab_switch").set_value("epochs").run()
    settle(at)
    one, hundred, three_hundred = sides(at)
    copies = [int(figure(c, "Longest copy")) for c in (one, hundred, three_hundred)]
    # One epoch is nearly uniform over the lead sheets' 156 values: a pair of the piece's
    # ~30 values turns up in the 879-value corpus by chance (30 · 879 / 156² ≈ 1 pair), a
    # run of three almost never (30 · 879 / 156³ ≈ 0.007).
    assert copies[0] <= 3 and copies[2] > copies[0], copies
    first_loss = 29 * math.log(corpus.n_values)  # an untrained softmax, Tx − 1 steps
    jobs = at.session_state["lab_jobs"]
    models = [jobs[s.key].model for s in lab.runs(corpus, lab.switch("epochs"))]
    assert [len(m.history) for m in models] == [1, 100, 300]
    assert models[0].history[0]["loss"] == pytest.approx(first_loss, rel=0.05)


@pytest.mark.slow  # trains through the page
def test_the_courses_post_processor_stacks_its_sets_past_the_chords(open_lab):
    at = open_lab("pages/course.py")
    at.radio(key="lab_switch").set_value("postprocess").run()
    settle(at)
    course, faithful = sides(at)
    # each set's 50 values start at the set's start: they run into the next sets and on
    # after the last chord; the faithful line stays inside each measure
    assert int(figure(course, "Most at once")) >= 2
    assert figure(course, "After the chords") != "0%"
    assert figure(faithful, "Most at once") == "1"
    assert figure(faithful, "After the chords") == "0%"


@pytest.fixture
def downloads(monkeypatch):
    """What each st.download_button would serve, by key (a callable is called, as a click
    does)."""
    served = {}
    button = streamlit.download_button

    def spy(label, data, *args, **kwargs):
        served[kwargs.get("key")] = data() if callable(data) else data
        return button(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    return served


@pytest.mark.slow  # trains through the page
def test_the_visitors_model_downloads_as_a_notebook_that_makes_the_same_solo(
    open_lab, downloads, tmp_path, monkeypatch
):
    at = open_lab("pages/course.py")
    assert not at.get("download_button")  # no model of the visitor's yet
    assert any("Train a model on **Train**" in c.value for c in at.caption)
    # The visitor trains on Train (n_a = 16, 3 epochs) and generates with seed 7.
    at.switch_page("pages/train.py").run()
    at.number_input(key="train_n_a").set_value(16)
    at.number_input(key="train_epochs").set_value(3)
    at.button[0].click().run()
    assert at.session_state["job"].wait(60)
    at.run()
    at.switch_page("pages/generate.py").run()
    at.number_input(key="gen_seed").set_value(7)
    at.button(key="generate").click().run()
    played = at.session_state["generation"]
    assert played.settings.seed == 7 and played.model.n_a == 16
    at.switch_page("pages/course.py").run()
    assert not at.exception
    [button] = at.get("download_button")
    assert button.proto.label == "📓 Download as a notebook (.ipynb)"
    text = downloads["lab_notebook"]
    notebook = json.loads(text)
    assert notebook["nbformat"] == 4
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    joined = "\n".join(code)
    assert "TrainConfig(n_a=16, epochs=3," in joined
    assert "corpus.xy(m=60, Tx=30, seed=0)" in joined and "seed=7," in joined
    # Run it, cell for cell: the same MIDI bytes as the solo the visitor heard.
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for cell in code:
        exec(compile(cell, "notebook", "exec"), namespace)
    assert (tmp_path / "my_solo.mid").read_bytes() == played.report.midi_bytes


@pytest.mark.slow  # trains through the page
def test_a_run_that_fails_is_said_and_trained_again_only_on_request(open_lab, monkeypatch):
    def too_short(corpus, lab_switch):
        """A run the trainer refuses when it starts: 10 values, windows of 30."""
        values = tuple(corpus.values[:10])
        config = TrainConfig(n_a=8, epochs=1, engine="numpy")
        return [RunSpec(values, (10,), corpus.vocabulary, 60, 30, config, corpus.source)]

    monkeypatch.setattr(lab, "runs", too_short)
    at = open_lab("pages/course.py")
    [failed] = at.session_state["lab_jobs"].values()
    assert failed.wait(60)
    at.run()
    assert not at.exception
    [error] = at.error
    assert "too few for windows of Tx = 30" in error.value
    assert not at.get("audio")
    at.run()  # said again, not trained again
    assert list(at.session_state["lab_jobs"].values()) == [failed] and len(at.error) == 1
    at.button(key="lab_retry_button").click().run()
    [again] = at.session_state["lab_jobs"].values()
    assert again is not failed  # a new run of the same settings
