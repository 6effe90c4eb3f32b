"""Training learns: planted topic structure is recovered by both architectures."""

from __future__ import annotations

import numpy as np
import pytest

import w2v
from conftest import TOPICS
from w2v.errors import TrainingDiverged


def _nearest_same_topic_share(model) -> float:
    index = {w: i for i, w in enumerate(model.vocab.words)}
    unit = model.vectors / np.linalg.norm(model.vectors, axis=1, keepdims=True)
    hits = total = 0
    for words in TOPICS.values():
        for word in words:
            sims = unit @ unit[index[word]]
            sims[index[word]] = -np.inf
            nearest = model.vocab.words[int(np.argmax(sims))]
            hits += nearest in words
            total += 1
    return hits / total


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_topic_words_are_nearest_neighbours(topic_corpus, arch):
    # one thread and a seed: the same weights every run, so the threshold cannot flicker
    model = w2v.train(str(topic_corpus), arch=arch, dim=24, window=3, epochs=5, min_count=2,
                      threads=1, sample=0, seed=1)
    assert _nearest_same_topic_share(model) >= 0.9
    losses = [e.mean_loss for e in model.report.epochs]
    assert losses[-1] < losses[0]  # the loss goes down


def test_epoch_report_counts_every_raw_word(topic_corpus):
    model = w2v.train(str(topic_corpus), dim=8, epochs=3, min_count=50, threads=2)
    words = len(topic_corpus.read_text().split())
    assert model.report.corpus.words == words
    assert [e.words for e in model.report.epochs] == [words] * 3


def test_divergence_raises_instead_of_saving(topic_corpus):
    with pytest.raises(TrainingDiverged, match="smaller --alpha"):
        w2v.train(str(topic_corpus), dim=8, epochs=1, alpha=10.0, min_alpha=10.0, threads=1,
                  sample=0, min_count=1)
