"""A model's weights and how a run gets them: fresh, from a checkpoint, or from a model to extend.

With character n-grams (`config.uses_subwords`) the input weights are one matrix, `inputs`: the
words' own rows, then one row per hash bucket that some vocabulary word's n-grams reach
(`subwords.NgramRows`); `bags` lists each word's rows for the kernels, own row first.

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
from .sampling import keep_thresholds
from .subwords import NgramRows, NgramTable, ngram_table
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
    # with character n-grams: vectors holds the words' own rows, a view of inputs[:V]
    ngrams: NgramRows | None = None  # its vectors a view of inputs[V:]
    table: NgramTable | None = None  # each word's n-gram bucket ids
    inputs: np.ndarray | None = None  # (V + n-gram rows, dim): what the kernels update
    bags: tuple[np.ndarray, np.ndarray] | None = None  # (offsets, rows): word w's input rows
    id_rows: np.ndarray | None = None  # the n-gram row of each of table.ids

    @property
    def input_weights(self) -> np.ndarray:
        """The matrix the kernels' bags index: inputs with n-grams, else the word vectors."""
        return self.vectors if self.inputs is None else self.inputs

    def word_vectors(self) -> np.ndarray:
        """Each word's vector: its own row, or with n-grams fastText's mean of its bag."""
        if self.ngrams is None:
            return self.vectors
        return self.ngrams.word_vectors(self.vectors, self.table, self.id_rows)


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
    """word2vec.c's initialisation: inputs uniform in [-0.5/dim, 0.5/dim), outputs zero; with
    n-grams fastText's, every input row uniform in [-1/dim, 1/dim).

    With `init`, the words (and n-gram buckets) it knows start from its weights; only new ones
    are initialised.
    """
    rng = np.random.default_rng(config.seed)
    table = buckets = None
    rows = len(vocab)
    if config.uses_subwords:
        table, buckets, id_rows = _ngram_layout(vocab, config)
        rows += len(buckets)
    inputs = np.empty((rows, config.dim), dtype=np.float32)
    for start in range(0, rows, _INIT_ROWS):  # float32 draws, no temporary of the whole
        rng.random(out=inputs[start:start + _INIT_ROWS], dtype=np.float32)
    inputs -= 0.5  # in place: no temporary copies of the largest arrays
    inputs /= config.dim / 2 if table is not None else config.dim
    output = np.zeros((len(vocab) if config.negative else 0, config.dim), dtype=np.float32)
    output_hs = np.zeros((max(len(vocab) - 1, 0) if config.hs else 0, config.dim),
                         dtype=np.float32)
    model = Model(vocab, inputs[:len(vocab)], output, config, report, output_hs)
    if table is not None:
        _attach_ngrams(model, inputs, table, buckets, id_rows)
    if init is not None:
        known = len(init.words)
        # a subword model continues from its words' own rows, a plain one from the vectors
        own_rows = table is not None and init.input_rows is not None
        model.vectors[:known] = init.input_rows if own_rows else init.vectors
        old = init.ngrams
        if table is not None and old is not None and len(old.buckets):
            rows_in_old = old.rows_of(model.ngrams.buckets)
            found = rows_in_old >= 0
            model.ngrams.vectors[found] = old.vectors[rows_in_old[found]]
        # the Huffman tree changes with the vocabulary: inner nodes restart from zero
        if config.negative and init.output is not None:
            output[:known] = init.output
    return model


_INIT_ROWS = 1 << 16


def _ngram_layout(vocab: Vocabulary, config: TrainConfig
                  ) -> tuple[NgramTable, np.ndarray, np.ndarray]:
    """The words' n-gram ids, the buckets that get a row, in row order: the rows training reads
    most first (by the words' counts after down-sampling), so that the hot rows share cache
    lines and pages instead of lying scattered over the whole matrix by hash; and the row of
    each n-gram id."""
    table = ngram_table(vocab.words, config.minn, config.maxn, config.buckets)
    kept = keep_thresholds(vocab.counts, config.sample).astype(np.float64) / 2.0**32
    buckets, id_rows = NgramRows.by_use(table, vocab.counts * kept)
    return table, buckets, id_rows


def _attach_ngrams(model: Model, inputs: np.ndarray, table: NgramTable, buckets: np.ndarray,
                   id_rows: np.ndarray) -> None:
    """Give `model` its n-gram rows (inputs[V:]) and the kernels' bags."""
    config, words = model.config, len(model.vocab)
    model.inputs, model.table, model.id_rows = inputs, table, id_rows
    model.ngrams = NgramRows(config.minn, config.maxn, config.buckets, buckets, inputs[words:])
    sizes = np.diff(table.offsets) + 1  # own row first
    offsets = np.zeros(words + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    rows = np.empty(offsets[-1], dtype=np.int32)
    own = offsets[:-1]
    rows[own] = np.arange(words, dtype=np.int32)
    is_ngram = np.ones(len(rows), dtype=bool)
    is_ngram[own] = False
    rows[is_ngram] = words + id_rows
    model.bags = (offsets, rows)


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


def vocabulary_for(counter: WordCounter, config: TrainConfig, init: VectorFile | None = None,
                   resume: Checkpoint | None = None) -> tuple[Vocabulary, np.ndarray]:
    """A run's vocabulary and remap from the corpus's counts: `init`'s extended, the one an
    --init run's checkpoint was trained with, or the counts' own."""
    if init is not None:
        return extended_vocabulary(init, counter, config)
    if resume is not None and "init_words" in resume.corpus:
        return resumed_vocabulary(resume, counter, config)
    return Vocabulary.from_counter(counter, config.min_count, config.max_final_vocab,
                                   config.sorted_vocab)


def init_words_of(init: VectorFile | None, resume: Checkpoint | None) -> dict:
    """What a checkpoint must remember to rebuild an --init run's vocabulary (see
    `resumed_vocabulary`): how many words came from the model."""
    if init is not None:
        return {"init_words": len(init.words)}
    if resume is not None and "init_words" in resume.corpus:
        return {"init_words": int(resume.corpus["init_words"])}
    return {}


def resumed_vocabulary(resume: Checkpoint, counter: WordCounter,
                       config: TrainConfig) -> tuple[Vocabulary, np.ndarray]:
    """The vocabulary an --init run's checkpoint was trained with, rebuilt on its corpus
    without the model: its first `init_words` words are the model's, whose counts were the
    model's plus the corpus's (Vocabulary.extend). `resumed_model` then checks it is the
    checkpoint's."""
    n = int(resume.corpus["init_words"])
    counted = {counter.word(pid): int(counter.counts[pid])
               for pid in np.flatnonzero(counter.counts)}
    words = list(resume.words[:n])
    model_counts = (np.asarray(resume.counts[:n], dtype=np.int64)
                    - np.array([counted.get(w, 0) for w in words], dtype=np.int64))
    return Vocabulary.extend(words, model_counts, counter, config.min_count)


def resumed_model(resume: Checkpoint, vocab: Vocabulary, config: TrainConfig,
                  report: TrainingReport) -> Model:
    """The checkpoint's weights, once its vocabulary is shown to be this corpus's."""
    if vocab.words != resume.words or not np.array_equal(vocab.counts, resume.counts):
        raise CorpusError("the corpus is not the one this checkpoint was trained on (its "
                          "vocabulary differs); give the same files in the same order")
    empty = np.zeros((0, config.dim), dtype=np.float32)
    output = resume.output if resume.output is not None else empty
    output_hs = resume.output_hs if resume.output_hs is not None else empty
    if not config.uses_subwords:
        return Model(vocab, resume.vectors.astype(np.float32), output.astype(np.float32),
                     config, report, output_hs.astype(np.float32))
    table, buckets, id_rows = _ngram_layout(vocab, config)
    if (resume.ngrams is None or resume.input_rows is None
            or not np.array_equal(resume.ngrams.buckets, buckets)):
        raise CorpusError("the checkpoint's character n-grams are not this run's; it is "
                          "damaged or from another version of w2v")
    inputs = np.concatenate([resume.input_rows, resume.ngrams.vectors]).astype(np.float32)
    model = Model(vocab, inputs[:len(vocab)], output.astype(np.float32), config, report,
                  output_hs.astype(np.float32))
    _attach_ngrams(model, inputs, table, buckets, id_rows)
    return model
