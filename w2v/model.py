"""A model's weights and how a run gets them: fresh, from a checkpoint, or from a model to extend.

Does not: train (see `training`) or read and write files (see `formats`, `checkpoint`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checkpoint import Checkpoint
from .config import TrainConfig
from .corpus import CorpusStats
from .counting import WordCounter
from .errors import CorpusError
from .formats import VectorFile
from .report import TrainingReport
from .vocab import Vocabulary


@dataclass
class Model:
    """A trained model: vocabulary, input vectors (syn0), output weights (syn1neg and, with
    hierarchical softmax, syn1), settings and report."""

    vocab: Vocabulary
    vectors: np.ndarray  # float32 (V, dim): the word vectors
    output: np.ndarray  # float32 (V, dim), negative-sampling output weights; (0, dim) if unused
    config: TrainConfig
    report: TrainingReport | None = None
    output_hs: np.ndarray | None = None  # float32 (V-1, dim), hierarchical softmax, if used


def check_vocabulary(stats: CorpusStats, counter: WordCounter, vocab: Vocabulary,
                     config: TrainConfig) -> None:
    """Raise CorpusError when the corpus or its vocabulary leaves nothing to train."""
    if stats.words == 0:
        raise CorpusError(f"{', '.join(stats.paths)}: the corpus holds no words")
    if len(vocab) == 0:
        top = int(counter.counts.max()) if counter.provisional_size else 0
        raise CorpusError(f"no word occurs at least {config.min_count} times (the most frequent "
                          f"occurs {top} times); lower --min-count")
    if len(vocab) == 1:  # no context, no negative and no Huffman tree could tell it apart
        raise CorpusError(f"the vocabulary holds one word ('{vocab.words[0]}'); word vectors "
                          f"need at least two distinct words: give more text or lower "
                          f"--min-count")


def initial_model(vocab: Vocabulary, config: TrainConfig, report: TrainingReport,
                  init: VectorFile | None = None) -> Model:
    """word2vec.c's initialisation: inputs uniform in [-0.5/dim, 0.5/dim), outputs zero.

    With `init`, the words it knows start from its weights; only new words are initialised.
    """
    rng = np.random.default_rng(config.seed)
    vectors = rng.random((len(vocab), config.dim), dtype=np.float32)
    vectors -= 0.5  # in place: no temporary copies of the largest arrays
    vectors /= config.dim
    output = np.zeros((len(vocab) if config.negative else 0, config.dim), dtype=np.float32)
    output_hs = np.zeros((max(len(vocab) - 1, 0) if config.hs else 0, config.dim),
                         dtype=np.float32)
    if init is not None:
        known = len(init.words)
        vectors[:known] = init.vectors
        # the Huffman tree changes with the vocabulary: inner nodes restart from zero
        if config.negative and init.output is not None:
            output[:known] = init.output
    return Model(vocab, vectors, output, config, report, output_hs)


def extended_vocabulary(init: VectorFile, counter: WordCounter,
                        config: TrainConfig) -> tuple[Vocabulary, np.ndarray]:
    """`init`'s vocabulary plus the new words of `counter` (see Vocabulary.extend)."""
    if init.counts is None or (init.output is None and init.output_hs is None):
        raise CorpusError("--init needs a native model (.w2v) with its output weights and "
                          "counts; word2vec .bin/.txt files hold only the word vectors")
    if init.vectors.shape[1] != config.dim:
        raise CorpusError(f"--init model has dimension {init.vectors.shape[1]}, not "
                          f"{config.dim}")
    return Vocabulary.extend(init.words, init.counts, counter, config.min_count)


def resumed_model(resume: Checkpoint, vocab: Vocabulary, config: TrainConfig,
                  report: TrainingReport) -> Model:
    """The checkpoint's weights, once its vocabulary is shown to be this corpus's."""
    if vocab.words != resume.words or not np.array_equal(vocab.counts, resume.counts):
        raise CorpusError("the corpus is not the one this checkpoint was trained on (its "
                          "vocabulary differs); give the same files in the same order")
    empty = np.zeros((0, config.dim), dtype=np.float32)
    output = resume.output if resume.output is not None else empty
    output_hs = resume.output_hs if resume.output_hs is not None else empty
    return Model(vocab, resume.vectors.astype(np.float32), output.astype(np.float32), config,
                 report, output_hs.astype(np.float32))
