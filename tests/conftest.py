"""Shared fixtures: small corpora with planted structure, written under tmp_path."""

from __future__ import annotations

import gzip
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# hypothesis keeps caches and examples in ./.hypothesis by default: not in the working tree
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      os.path.join(tempfile.gettempdir(), "w2v-tests-hypothesis"))
settings.register_profile("w2v", database=None)
settings.load_profile("w2v")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

TOPICS = {
    "animal": "cat dog horse cow sheep pig goat mouse".split(),
    "vehicle": "car bus truck train bike plane boat tram".split(),
    "food": "bread cheese apple rice soup cake pasta salad".split(),
}
FILLER = "the a and of with in".split()


def topic_sentences(n: int, seed: int = 0) -> list[str]:
    """Sentences that each mix one topic's words with filler: topic words share contexts."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        words = TOPICS[rng.choice(sorted(TOPICS))]
        lines.append(" ".join(rng.choice(words) if rng.random() < 0.7 else rng.choice(FILLER)
                              for _ in range(rng.randint(6, 14))))
    return lines


@pytest.fixture(scope="session")
def topic_corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "topics.txt"
    path.write_text("\n".join(topic_sentences(3000)) + "\n")
    return path


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """A few hundred lines: enough to train in well under a second."""
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    path.write_text("\n".join(topic_sentences(300, seed=1)) + "\n")
    return path


@pytest.fixture(scope="session")
def demo_corpus() -> Path:
    return DATA / "demo-wiki.txt.gz"


@pytest.fixture
def gz_corpus(tmp_path, small_corpus) -> Path:
    path = tmp_path / "small.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write(small_corpus.read_bytes())
    return path


@pytest.fixture(scope="session")
def topic_model(tmp_path_factory, topic_corpus):
    """A small trained model saved as native; other formats are derived from it."""
    import w2v

    model = w2v.train(str(topic_corpus), dim=24, window=3, epochs=5, min_count=2, threads=1,
                      sample=0, seed=5)
    path = tmp_path_factory.mktemp("model") / "topics.w2v"
    w2v.save(model, str(path))
    return path


@pytest.fixture(scope="session")
def demo_vectors(tmp_path_factory, demo_corpus):
    """Vectors from one quick pass over the demo corpus, saved as word2vec binary."""
    import w2v

    model = w2v.train(str(demo_corpus), dim=32, epochs=1, threads=2, sample=1e-4, seed=2)
    path = tmp_path_factory.mktemp("demo") / "demo.bin"
    w2v.save(model, str(path))
    return path
