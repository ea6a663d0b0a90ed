"""The Course lab: one switch of the course's way at a time, its sides side by side, and a
run taken home as a notebook. No Streamlit here: ``pages/course.py`` lays it out.

A :class:`Switch` is one thing the course did one way and the playground does another, with
everything else the same on every :class:`Side`: the training (:class:`TrainConfig`, run by
the server's trainer once for everyone, :func:`training_run`) and the generation
(:class:`GenerationSettings`, same seed). The four switches:

* ``state`` — the 2018 listing passed ``initial_state=[a0, c0]`` at every step, so each step
  starts again from zeros and sees only its own input (``TrainConfig(carry_state=False)``),
  vs the state carried from step to step;
* ``sampling`` — the course's greedy argmax vs a draw from the softmax at temperature 1, both
  the course's Ty = 50 values a chord set (greedy from the same zero state plays the same 50
  values in every set: it replays the training solo);
* ``epochs`` — 1, 100 (the course's) and 300 epochs: the longest run of values copied
  verbatim from the training solo grows as the model learns the solo by heart;
* ``postprocess`` — the course's post-processor and layout (its five stages, each set's
  notes from the set's start on: 50 values, running past its measure) vs the faithful one,
  one line inside the measure; the same model and seed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np

from jazzcore.course import export_notebook
from jazzcore.dataset import Corpus
from jazzcore.errors import ParameterError
from jazzcore.model import JazzModel, TrainConfig
from jazzcore.network import forward

from .generation import (
    COURSE_WAY,
    QUICK_TRAINING,
    Generation,
    GenerationSettings,
    training_run,
)
from .jobs import EpochRecord, RunSpec, TrainingJob
from .views import add_epoch_traces, add_step_bars, chart_epochs


@dataclass(frozen=True)
class Side:
    """One column of a switch: label (its heading), note (one line: what it does),
    config (the training, a TrainConfig), settings (the generation), course (whether this is
    the course's way)."""

    label: str
    note: str
    config: TrainConfig
    settings: GenerationSettings
    course: bool = False


@dataclass(frozen=True)
class Switch:
    """One switch: key, title (the radio's label), listen (what to hear and see), sides (two,
    or three for the epochs)."""

    key: str
    title: str
    listen: str
    sides: tuple[Side, ...]

    @property
    def one_model(self) -> bool:
        """Whether every side uses the same training (the switch is in the generation)."""
        return len({side.config for side in self.sides}) == 1


SWITCH_KEYS = ("state", "sampling", "epochs", "postprocess")
"""The switches, in the page's order."""

LAB_EPOCHS = (1, QUICK_TRAINING.epochs, 300)
"""The epochs switch's runs: barely trained, the course's 100, learned by heart."""


def switch(key: str, seed: int = 1) -> Switch:
    """The switch ``key`` (one of SWITCH_KEYS) with its sides; ``seed``: the generation's
    (the same on every side). The training is the course's quick run (QUICK_TRAINING: 100
    epochs, n_a = 64, seed 0) but for what the switch changes."""
    base = QUICK_TRAINING
    improved = GenerationSettings(seed=seed)
    if key == "state":
        return Switch(
            key,
            "LSTM state: reset at every step (the course's listing) or carried",
            "Reset, each step predicts from its own input value alone: the loss stops high and "
            "stays flat along the time steps, and the solo wanders. Carried, the loss falls "
            "with every step of context.",
            (
                Side(
                    "Reset at every step",
                    "The course's listing: initial_state=[a0, c0] at every step, so each step "
                    "starts again from a = c = 0 (TrainConfig(carry_state=False)).",
                    dataclasses.replace(base, carry_state=False),
                    improved,
                    course=True,
                ),
                Side(
                    "Carried",
                    "Each step starts from the state the step before left: the recurrence the "
                    "course meant (TrainConfig(carry_state=True)).",
                    base,
                    improved,
                ),
            ),
        )
    if key == "sampling":
        ty = COURSE_WAY["Ty"]
        return Switch(
            key,
            "Choosing the values: greedy argmax (the course's) or sampled",
            f"The same model, {ty} values a chord set each. Argmax from the same zero state "
            "picks the same values in every chord set: it replays a stretch of the training "
            "solo (see its longest verbatim copy). Sampled, every set is new.",
            (
                Side(
                    "Greedy argmax",
                    f"The course's inference: the likeliest value at every step, {ty} per "
                    "chord set.",
                    base,
                    GenerationSettings(Ty=ty, sampling="greedy", seed=seed),
                    course=True,
                ),
                Side(
                    "Sampled, temperature 1.0",
                    f"A draw from the model's softmax at every step, {ty} per chord set.",
                    base,
                    GenerationSettings(Ty=ty, sampling="temperature", temperature=1.0, seed=seed),
                ),
            ),
        )
    if key == "epochs":
        notes = {
            LAB_EPOCHS[0]: "Barely trained: close to random values.",
            LAB_EPOCHS[1]: "The course's training (and the app's quick model).",
            LAB_EPOCHS[2]: "Three times the course's training: the solo learned by heart.",
        }
        return Switch(
            key,
            f"Training: {' / '.join(map(str, LAB_EPOCHS))} epochs",
            "Watch the longest verbatim copy: the longer the training, the longer the runs of "
            "the training solo's values the model plays back note for note (memorisation).",
            tuple(
                Side(
                    epochs_text(epochs),
                    notes[epochs],
                    dataclasses.replace(base, epochs=epochs),
                    improved,
                    course=epochs == base.epochs,
                )
                for epochs in LAB_EPOCHS
            ),
        )
    if key == "postprocess":
        course_way = {"postprocess": COURSE_WAY["postprocess"], "layout": COURSE_WAY["layout"]}
        return Switch(
            key,
            "Values → notes: the course's post-processor or the faithful one",
            "The same model and seed. The course's stages turn approach tones into chord tones, "
            "draw a pitch at random in the bracket and start every chord set's notes at the "
            "set's start, running on past its measure (50 values a set): notes pile up and go "
            "on after the chords end. The faithful one keeps each value's tone and step, one "
            "line inside the chords.",
            (
                Side(
                    "The course's post-processor",
                    "Its five stages and its layout: each set's notes from the set's start, "
                    "running on past its measure.",
                    base,
                    GenerationSettings(seed=seed, **course_way),
                    course=True,
                ),
                Side(
                    "Faithful",
                    "The values' own tones and steps, in the solo's register: one line inside "
                    "the chords.",
                    base,
                    improved,
                ),
            ),
        )
    raise ParameterError(f"switch = '{key}': use {', '.join(SWITCH_KEYS)}.")


def epochs_text(epochs: int) -> str:
    """'1 epoch', '100 epochs'."""
    return f"{epochs:,} epoch{'' if epochs == 1 else 's'}"


def runs(corpus: Corpus, lab_switch: Switch) -> list[RunSpec]:
    """The training run of each side (:func:`~jazzcore.app.generation.training_run`: the
    course's m = 60 windows of Tx = 30 steps). Equal settings make equal runs, which the
    server's trainer trains once and shares. A corpus too short for the windows: the
    one-line jazzcore error (a run over the server's budget is refused when started)."""
    return [training_run(corpus, side.config) for side in lab_switch.sides]


def follow(
    specs: Sequence[RunSpec],
    started: MutableMapping[str, TrainingJob],
    start: Callable[[RunSpec], TrainingJob],
    *,
    retry: bool = False,
) -> list[TrainingJob]:
    """Each run's job, for one visitor: the job they were given before for the same settings
    (``started``, by :attr:`RunSpec.key`: a finished model, a run in progress, or a run that
    failed or was stopped — said until ``retry``, never started again by itself, so a run
    that fails cannot fail over and over), else ``start(spec)`` (the trainer's shared run),
    recorded in ``started``. Equal specs share one job. ``started`` keeps only these runs'
    jobs (a visitor trying switch after switch, corpus after corpus, holds a handful of
    models; the trainer gives a finished shared model back at once)."""
    jobs = []
    for spec in specs:
        job = started.get(spec.key)
        if job is None or (retry and not job.active and job.status != "done"):
            job = started[spec.key] = start(spec)
        jobs.append(job)
    for key in set(started) - {spec.key for spec in specs}:
        del started[key]
    return jobs


def history_records(model: JazzModel) -> list[EpochRecord]:
    """A model's history as the charts read it (EpochRecords)."""
    return [EpochRecord.from_info(info) for info in model.history]


def step_losses(model: JazzModel, corpus: Corpus) -> np.ndarray:
    """The trained model's loss at each time step (Tx,), nats, the mean over its training
    windows (the corpus's m windows of Tx steps drawn with the config's seed, as
    :func:`training_run` drew them), its state handled as it was trained. Measured on the
    weights, not read from the history: a model kept on disk keeps no per-step losses."""
    X, Y = corpus.xy(model.data_shape.m, model.data_shape.Tx, model.config.seed)
    # the forward pass only (no gradients: this runs at every rerun of the page)
    _, cache = forward(model.weights, np.swapaxes(X, 0, 1), carry_state=model.config.carry_state)
    log_probs = cache[-1]
    return (Y * -log_probs).sum(axis=-1).mean(axis=1)


def loss_charts(
    histories: Sequence[Sequence[EpochRecord]], steps: Sequence[Sequence[float]]
) -> list:
    """One chart per side, narrow enough for a column: above, the loss (the sum over the
    steps, nats) and the accuracy per epoch of its ``histories``; below, its loss at each
    time step (``steps``, :func:`step_losses`: where the carried state shows, the loss
    falling as the steps see more of the solo). The charts share their axes, so the sides
    compare at a glance: the loss from 0 to the highest of any side, the epochs from 1 to
    the longest run, the step losses from 0 to the highest step's."""
    from plotly.subplots import make_subplots

    top = 1.05 * max((r.loss for h in histories for r in h), default=1.0)
    step_top = 1.05 * max((float(x) for side in steps for x in side), default=1.0)
    longest = max((len(h) for h in histories), default=1)
    figures = []
    for history, side_steps in zip(histories, steps, strict=True):
        shown = chart_epochs(history)
        figure = make_subplots(
            rows=2,
            cols=1,
            row_heights=[0.6, 0.4],
            vertical_spacing=0.2,
            specs=[[{"secondary_y": True}], [{}]],
            subplot_titles=("loss and accuracy per epoch", "loss per time step, trained"),
        )
        add_epoch_traces(figure, shown, row=1, col=1, loss_name="loss")
        add_step_bars(figure, side_steps, row=2, col=1)
        figure.update_xaxes(range=[0.5, longest + 0.5], row=1, col=1)
        figure.update_yaxes(range=[0, top], row=1, col=1, secondary_y=False)
        figure.update_yaxes(range=[0, 1], tickvals=ACCURACY_TICKS, row=1, col=1, secondary_y=True)
        figure.update_yaxes(range=[0, step_top], row=2, col=1)
        figure.update_layout(
            height=440, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h"}
        )
        figures.append(figure)
    return figures


ACCURACY_TICKS = (0, 0.25, 0.5, 0.75, 1)
"""The accuracy axis's ticks (plotly would put them where the loss axis has its own)."""


HEADLINE = (
    (
        "longest_copy",
        "Longest copy",
        "longest run of values copied verbatim from the training solo",
    ),
    ("n_notes", "Notes", "melody notes the post-processor wrote"),
    ("notes_after_chords", "After the chords", "share of notes starting after the last chord ends"),
    ("max_polyphony", "Most at once", "most melody notes sounding together (1: one line)"),
)
"""(SoloMetrics field, label, help) of the figures shown large above each side's table."""


def headline(generation: Generation) -> list[tuple[str, str, str]]:
    """(label, value as text, help) of the HEADLINE figures of a side's solo."""
    figures = generation.quality.generated
    shown = []
    for name, label, help_text in HEADLINE:
        value = getattr(figures, name)
        text = "—" if value is None else f"{value:.0%}" if isinstance(value, float) else str(value)
        shown.append((label, text, help_text))
    return shown


def final_loss(model: JazzModel) -> float | None:
    """The loss of the model's last epoch (nats, summed over the steps), None without one."""
    return float(model.history[-1]["loss"]) if model.history else None


# ---------------------------------------------------------------------------------------
# Take it home

NOTEBOOK_NAME = "jazz_solo.ipynb"
NOTEBOOK_MIME = "application/x-ipynb+json"


def notebook_settings(model: JazzModel, last: Generation | None) -> tuple[GenerationSettings, str]:
    """The generation a notebook of ``model`` records, and which solo that is in words: the
    last solo the visitor made with this very model on the Generate page (``last``), else
    the Generate page's defaults."""
    if last is not None and last.model is model:
        return last.settings, f"the solo you last generated with it (seed {last.settings.seed})"
    settings = GenerationSettings()
    return settings, f"the Generate page's first solo (the defaults, seed {settings.seed})"


def notebook(corpus: Corpus, model: JazzModel, settings: GenerationSettings) -> bytes:
    """A Jupyter notebook (nbformat 4, UTF-8 JSON) that trains ``model`` again on ``corpus``
    — the same TrainConfig, windows (m, Tx, drawn with the config's seed, as
    :func:`training_run` drew them) — and makes the solo of ``settings`` with the same
    seeds: :func:`jazzcore.course.export_notebook`."""
    m, Tx = model.data_shape.m, model.data_shape.Tx
    text = export_notebook(
        corpus,
        model.config,
        settings.generate_kwargs(corpus),
        m=m,
        Tx=Tx,
        data_seed=model.config.seed,
    )
    return text.encode()
