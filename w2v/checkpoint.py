"""Checkpoints: a training run's full state in one native model file, and reading it back.

A checkpoint is a native model (`formats.save_native`) whose metadata also holds the corpus it
was trained on (paths, word and line counts) and where the run stood: the next job of the shared
(epoch, chunk) schedule and the loss and word tallies so far. Jobs are whole chunks and the
trainer pauses between them to checkpoint, so resuming replays exactly the jobs not yet done: with
one thread a resumed run is bit-identical to an uninterrupted one.

Also parses `--checkpoint-every` values: "90s", "10m", "2h" or "1epoch"/"3epochs".

Does not: decide when to checkpoint (see `training`) or re-read the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import ModelFormatError
from .formats import load, save_native
from .subwords import NgramRows

if TYPE_CHECKING:
    from .model import Model

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|epochs?)\s*$")


@dataclass(frozen=True)
class Every:
    """How often to checkpoint: a number of seconds, or of epochs."""

    seconds: float | None = None
    epochs: int | None = None


def parse_every(text: str) -> Every:
    """'90s', '10m', '2h', '1epoch' or '3epochs' -> Every; ValueError otherwise."""
    match = _EVERY.match(text.lower())
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"'{text}' is not a duration like 30s, 10m, 2h or 1epoch")
    number, unit = float(match.group(1)), match.group(2)
    if unit.startswith("epoch"):
        if number != int(number):
            raise ValueError(f"'{text}': give a whole number of epochs")
        return Every(epochs=int(number))
    return Every(seconds=number * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit])


@dataclass
class Progress:
    """Where a run stands in its (epoch, chunk) schedule, and what it has tallied."""

    next_job: int = 0
    epoch_loss: list[float] = field(default_factory=list)
    epoch_predictions: list[int] = field(default_factory=list)
    epoch_words: list[int] = field(default_factory=list)
    train_seconds: float = 0.0


@dataclass
class Checkpoint:
    words: list[str]
    counts: np.ndarray
    vectors: np.ndarray  # the words' own input rows
    output: np.ndarray
    config: dict
    corpus: dict
    output_path: str | None
    progress: Progress
    output_hs: np.ndarray | None = None
    input_rows: np.ndarray | None = None  # with character n-grams: the words' own rows
    ngrams: NgramRows | None = None  # and the n-gram rows


def save_checkpoint(path: str, model: Model, config: dict, corpus: dict,
                    output_path: str | None, progress: Progress) -> None:
    meta = {"config": config, "corpus": corpus, "checkpoint": {
        "output": output_path, "next_job": progress.next_job,
        "epoch_loss": list(map(float, progress.epoch_loss)),
        "epoch_predictions": list(map(int, progress.epoch_predictions)),
        "epoch_words": list(map(int, progress.epoch_words)),
        "train_seconds": progress.train_seconds}}
    subword = {} if model.ngrams is None else {"input_rows": model.vectors,
                                               "ngrams": model.ngrams}
    save_native(path, model.vocab.words, model.word_vectors(), model.output, model.vocab.counts,
                meta, output_hs=model.output_hs, **subword)


def load_checkpoint(path: str) -> Checkpoint:
    model = load(path)
    state = model.metadata.get("checkpoint") if model.format == "native" else None
    if not state or model.counts is None:
        raise ModelFormatError(f"{path}: not a w2v checkpoint (no training state in it)")
    try:
        progress = Progress(int(state["next_job"]), [float(x) for x in state["epoch_loss"]],
                            [int(x) for x in state["epoch_predictions"]],
                            [int(x) for x in state["epoch_words"]], float(state["train_seconds"]))
        return Checkpoint(model.words, np.array(model.counts), np.array(model.vectors),
                          _array_or_none(model.output), dict(model.metadata["config"]),
                          dict(model.metadata["corpus"]), state.get("output"), progress,
                          _array_or_none(model.output_hs),
                          _array_or_none(model.input_rows), model.ngrams)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{path}: damaged checkpoint state ({exc})") from None


def _array_or_none(array):
    return None if array is None else np.array(array)
