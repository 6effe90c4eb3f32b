"""What a training run reports: per-epoch loss and speed, corpus statistics, and the summary
that `w2v train --report` writes and native models keep.

Does not: measure anything itself (see `training`) or write files (see `api`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .corpus import CorpusStats

if TYPE_CHECKING:
    from .model import Model


def plural(n: int, noun: str) -> str:
    """`n` and `noun`, plural unless n is 1, for the run's log: '1 thread', '2 threads'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass
class EpochReport:
    epoch: int
    loss: float  # summed -log sigmoid over all predictions, float64
    predictions: int
    words: int  # raw corpus words processed
    seconds: float

    @property
    def mean_loss(self) -> float:
        return self.loss / max(self.predictions, 1)


@dataclass
class TrainingReport:
    corpus: CorpusStats
    vocab_size: int
    read_seconds: float = 0.0
    train_seconds: float = 0.0
    epochs: list[EpochReport] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        return sum(e.words for e in self.epochs) / max(self.train_seconds, 1e-9)


def summary(model: Model) -> dict:
    """Settings, corpus and vocabulary statistics, per-epoch loss, words/s and elapsed time."""
    from . import __version__

    meta = {"w2v_version": __version__, "config": model.config.to_dict(),
            "vocab_size": len(model.vocab), "vocab_total": model.vocab.total}
    if model.report is not None:
        run = model.report
        meta["corpus"] = dataclasses.asdict(run.corpus)
        meta["training"] = {
            "read_seconds": run.read_seconds,
            "train_seconds": run.train_seconds,
            "words_per_second": run.words_per_second,
            "epochs": [dataclasses.asdict(e) for e in run.epochs],
        }
    return meta
