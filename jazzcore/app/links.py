"""Share links: a solo as query parameters, so a whole class hears the same one. No Streamlit.

A link names the corpus (a built-in one: every server has it), the training settings and
the generation settings, e.g. ``…/generate?share=1&corpus=leadsheets&t_epochs=100&seed=3``.
Training is deterministic (same data and settings → same weights) and so is generating
with a seed, so everyone who opens the link trains the same model — in fact the server
trains it once and shares it — and hears the same solo. A link never holds a visitor's
token: it gives the settings, not the sender's work.

Only the settings that differ from the defaults are written; training settings start
with ``t_`` (``t_n_a``, ``t_epochs``, ``t_learning_rate``, ``t_seed``, ``t_m``, ``t_Tx``…).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from jazzcore.dataset import Corpus
from jazzcore.errors import ParameterError
from jazzcore.model import JazzModel, TrainConfig

from .generation import (
    APP_ENGINE,
    TRAINING_STEPS,
    TRAINING_WINDOWS,
    Generation,
    GenerationSettings,
)

SHARED_CORPORA = ("leadsheets", "metheny")
"""Corpora a link can name: every server has them (an upload stays its visitor's)."""
TRAIN_PREFIX = "t_"


@dataclass(frozen=True)
class SharedSolo:
    """What a share link asks for: corpus ('leadsheets' or 'metheny'), the training
    (config, m windows of Tx steps) and the GenerationSettings (with their seed)."""

    corpus: str
    config: TrainConfig
    m: int
    Tx: int
    settings: GenerationSettings

    def describe(self) -> str:
        """One line for the page: what everyone who opens the link hears."""
        c = self.config
        way = "the course's way" if self.settings.is_the_course else "the app's defaults"
        return (
            f"a model of n_a = {c.n_a} trained {c.epochs:,} epochs (seed {c.seed}) on "
            f"{'the lead sheets' if self.corpus == 'leadsheets' else 'the Metheny solo'}, "
            f"improvising with seed {self.settings.seed} ({way})"
        )


NOT_SHARED = {"engine"}
"""Settings a link leaves out: the app trains every run the same way (the NumPy engine)."""


def _changed(obj, prefix: str = "") -> dict[str, str]:
    defaults = type(obj)()
    params = {}
    for f in dataclasses.fields(obj):
        if f.name in NOT_SHARED:
            continue
        value = getattr(obj, f.name)
        if value != getattr(defaults, f.name):
            params[prefix + f.name] = _text(value)
    return params


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    return str(value)


def share_params(corpus: str, model: JazzModel, settings: GenerationSettings) -> dict[str, str]:
    """The query parameters of a link to this solo: ``model``'s training (the epochs it
    trained, its settings, its windows) on the built-in ``corpus``, and ``settings``.
    A ParameterError if the corpus cannot be shared."""
    if corpus not in SHARED_CORPORA:
        raise ParameterError(
            "A share link names a built-in corpus (the lead sheets or the Metheny solo): "
            "an uploaded solo stays yours."
        )
    epochs = len(model.history) or model.config.epochs
    config = dataclasses.replace(model.config, epochs=epochs)
    params = {"share": "1", "corpus": corpus}
    params.update(_changed(config, TRAIN_PREFIX))
    if model.data_shape.m != TRAINING_WINDOWS:
        params[TRAIN_PREFIX + "m"] = str(model.data_shape.m)
    if model.Tx != TRAINING_STEPS:
        params[TRAIN_PREFIX + "Tx"] = str(model.Tx)
    params.update(_changed(settings))
    return params


def _parse(name: str, text: str, default):
    """A query parameter's text as the type of the setting's default."""
    try:
        if isinstance(default, bool):
            if text not in ("0", "1", "true", "false", "True", "False"):
                raise ValueError
            return text in ("1", "true", "True")
        if text == "" and name in ("Ty", "batch_size"):
            return None
        if isinstance(default, int) or name in ("Ty", "batch_size"):
            return int(text)
        if isinstance(default, float):
            return float(text)
        return text
    except ValueError:
        raise ParameterError(f"The link's {name} = '{text}' is not a setting I can read.") from None


def _fields(cls, params: Mapping[str, str], prefix: str = "") -> dict:
    defaults = cls()
    values = {}
    for f in dataclasses.fields(cls):
        if prefix + f.name in params and f.name not in NOT_SHARED:
            values[f.name] = _parse(f.name, params[prefix + f.name], getattr(defaults, f.name))
    return values


def read_share(params: Mapping[str, str]) -> SharedSolo | None:
    """The solo a link's query parameters ask for; None without ``share``. A setting out of
    range is the one-line ParameterError the library or the app gives for it."""
    if "share" not in params:
        return None
    corpus = params.get("corpus", "leadsheets")
    if corpus not in SHARED_CORPORA:
        raise ParameterError(
            f"The link names the corpus '{corpus}': a link can name {' or '.join(SHARED_CORPORA)}."
        )
    config = TrainConfig(**_fields(TrainConfig, params, TRAIN_PREFIX), engine=APP_ENGINE)
    m = _parse("m", params.get(TRAIN_PREFIX + "m", str(TRAINING_WINDOWS)), 0)
    Tx = _parse("Tx", params.get(TRAIN_PREFIX + "Tx", str(TRAINING_STEPS)), 0)
    settings = GenerationSettings(**_fields(GenerationSettings, params))
    return SharedSolo(corpus, config, m, Tx, settings)


def widget_values(shared: SharedSolo) -> dict:
    """The pages' widget values (by key) that show a share link's settings."""
    s, c = shared.settings, shared.config
    values = {
        "corpus_choice": shared.corpus,
        "train_n_a": c.n_a,
        "train_epochs": c.epochs,
        "train_lr": c.learning_rate,
        "train_m": shared.m,
        "train_tx": shared.Tx,
        "train_seed": c.seed,
        "train_carry": c.carry_state,
        "gen_course": s.is_the_course,
        "gen_seed": s.seed,
        "gen_chord_source": s.chord_source,
        "gen_progression": s.progression,
        "gen_chord_sets": s.chord_sets,
        "gen_first_value": s.first_value_rule,
    }
    if not s.is_the_course:
        values |= {
            "gen_ty": s.Ty,
            "gen_sampling": s.sampling,
            "gen_temperature": s.temperature,
            "gen_top_k": s.top_k,
            "gen_postprocess": s.postprocess,
            "gen_layout": s.layout,
        }
    return values


def share_url(page_url: str, corpus: Corpus, generation: Generation) -> str:
    """The address of a link to ``generation`` on ``corpus``, on the app the page at
    ``page_url`` belongs to (its Generate page); a ParameterError for an uploaded corpus."""
    source = corpus.source if isinstance(corpus.source, str) else "upload"
    params = share_params(source, generation.model, generation.settings)
    base = page_url.split("?")[0].rstrip("/")
    if not base.endswith("/generate"):
        base = base.rsplit("/", 1)[0] + "/generate" if base else "/generate"
    return f"{base}?{urlencode(params, quote_via=quote)}"


def share_keys(params: Mapping[str, str]) -> list[str]:
    """The query parameters that belong to a share link (to clear once it is read)."""
    names = {"share", "corpus"}
    names |= {TRAIN_PREFIX + f.name for f in dataclasses.fields(TrainConfig)}
    names |= {TRAIN_PREFIX + "m", TRAIN_PREFIX + "Tx"}
    names |= {f.name for f in dataclasses.fields(GenerationSettings)}
    return [k for k in params if k in names]
