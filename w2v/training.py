"""The training driver: corpus to vocabulary to weights, with threads, learning rate and progress.

`train()` encodes the corpus once (see `corpus`), builds the vocabulary and sampling tables, then
hands chunks of token ids to the JIT kernels from several Python threads; the kernels release the
GIL and update the shared weights without locks (Hogwild, as word2vec.c). The learning rate falls
linearly from alpha to min_alpha over all epochs: each chunk gets the rate for its place in the
global schedule, which is the progress all threads share. With one thread and a seed the result is
bit-identical from run to run.

Does not: parse options, write files (see `formats`), or contain any inner loop (see `kernels`).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from .config import TrainConfig
from .corpus import CorpusStats, EncodedCorpus
from .errors import CorpusError, TrainingDiverged
from .tokenize import Tokenizer
from .vocab import Vocabulary, WordCounter


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


@dataclass
class Model:
    """A trained model: vocabulary, input vectors (syn0), output vectors (syn1neg), settings."""

    vocab: Vocabulary
    vectors: np.ndarray  # float32 (V, dim): the word vectors
    output: np.ndarray  # float32 (V, dim): negative-sampling output weights
    config: TrainConfig
    report: TrainingReport | None = None


def train(corpus_paths: list[str], config: TrainConfig | None = None, *,
          progress: bool = True) -> Model:
    """Train word vectors on the files in `corpus_paths` ('-' is stdin)."""
    config = (config or TrainConfig()).resolved()
    config.validate()
    started = time.perf_counter()
    counter = WordCounter(config.max_vocab_size)
    tokenizer = Tokenizer(config.lowercase, config.strip_punctuation)
    with _reading_bar(progress) as bar:
        corpus = EncodedCorpus.encode(corpus_paths, tokenizer, counter, on_words=bar.update)
    with corpus:
        vocab, remap = Vocabulary.from_counter(counter, config.min_count)
        _check_vocabulary(corpus.stats, counter, vocab, config)
        report = TrainingReport(corpus.stats, len(vocab),
                                read_seconds=time.perf_counter() - started)
        _log(progress, f"read {corpus.stats.words:,} words in {corpus.stats.lines:,} lines "
             f"in {report.read_seconds:.2f} s; "
             f"vocabulary {len(vocab):,} words with count >= {config.min_count}"
             + (f"; {corpus.stats.invalid_utf8:,} invalid UTF-8 sequences replaced"
                if corpus.stats.invalid_utf8 else ""))
        model = _initial_model(vocab, config, report)
        _Trainer(model, corpus, remap, progress).run()
    return model


def _reading_bar(progress: bool) -> tqdm:
    return tqdm(desc="reading", unit=" words", unit_scale=True, file=sys.stderr,
                disable=None if progress else True, leave=False, mininterval=0.5)


def _check_vocabulary(stats: CorpusStats, counter: WordCounter, vocab: Vocabulary,
                      config: TrainConfig) -> None:
    if stats.words == 0:
        raise CorpusError(f"{', '.join(stats.paths)}: the corpus holds no words")
    if len(vocab) == 0:
        top = int(counter.counts.max()) if counter.provisional_size else 0
        raise CorpusError(f"no word occurs at least {config.min_count} times (the most frequent "
                          f"occurs {top} times); lower --min-count")


def _initial_model(vocab: Vocabulary, config: TrainConfig, report: TrainingReport) -> Model:
    """word2vec.c's initialisation: inputs uniform in [-0.5/dim, 0.5/dim), outputs zero."""
    rng = np.random.default_rng(config.seed)
    vectors = ((rng.random((len(vocab), config.dim), dtype=np.float32) - 0.5) / config.dim)
    output = np.zeros((len(vocab), config.dim), dtype=np.float32)
    return Model(vocab, vectors.astype(np.float32), output, config, report)


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr)


class _Trainer:
    """Runs the epochs: a shared schedule of (epoch, chunk) jobs pulled by worker threads."""

    def __init__(self, model: Model, corpus: EncodedCorpus, remap: np.ndarray, progress: bool):
        from . import kernels  # numba loads only when training

        self.model, self.corpus, self.progress = model, corpus, progress
        cfg = model.config
        self.kernel = (kernels.train_cbow_chunk if cfg.arch == "cbow"
                       else kernels.train_skipgram_chunk)
        self.chunk_seed = kernels.chunk_seed
        neg_threshold, neg_alias = model.vocab.negative_table()
        self.vocab_tables = (remap, model.vocab.keep_thresholds(cfg.sample), neg_threshold,
                             neg_alias)
        self.tables = kernels.sigmoid_tables()
        self.jobs = [(e, k) for e in range(cfg.epochs) for k in range(corpus.n_chunks)]
        words = np.array(corpus.chunk_words, dtype=np.int64)
        self.words_before = np.concatenate([[0], np.cumsum(words)[:-1]])  # within an epoch
        self.total_words = int(words.sum()) * cfg.epochs
        self._next_job = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.words_done = 0
        self.epoch_loss = np.zeros(cfg.epochs, dtype=np.float64)
        self.epoch_predictions = np.zeros(cfg.epochs, dtype=np.int64)
        self.epoch_words = np.zeros(cfg.epochs, dtype=np.int64)
        self.epoch_finished = np.zeros(cfg.epochs, dtype=np.float64)
        self.recent_loss = 0.0

    def alpha_at(self, words_done: float) -> float:
        cfg = self.model.config
        share = min(words_done / max(self.total_words, 1), 1.0)
        return cfg.alpha - (cfg.alpha - cfg.min_alpha) * share

    def run(self) -> None:
        cfg = self.model.config
        start = time.perf_counter()
        threads = [threading.Thread(target=self._work, daemon=True, name=f"w2v-train-{i}")
                   for i in range(min(cfg.threads, len(self.jobs)))]
        bar = tqdm(total=self.total_words, desc=f"training {cfg.arch}", unit=" words",
                   unit_scale=True, file=sys.stderr, smoothing=0.1,
                   disable=None if self.progress else True,  # None: only on a terminal
                   mininterval=0.5)
        try:
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                threads[0].join(timeout=0.25)
                bar.update(self.words_done - bar.n)
                bar.set_postfix_str(f"lr={self.alpha_at(self.words_done):.6f} "
                                    f"loss={self.recent_loss:.4f}", refresh=False)
        except BaseException:
            self._stop.set()
            for t in threads:
                t.join()
            raise
        finally:
            bar.close()
        if self._error is not None:
            raise self._error
        seconds = time.perf_counter() - start
        self._finish_report(seconds)
        self._check_finite()

    def _take_job(self) -> int | None:
        with self._lock:
            if self._stop.is_set() or self._next_job >= len(self.jobs):
                return None
            self._next_job += 1
            return self._next_job - 1

    def _work(self) -> None:
        cfg = self.model.config
        weights = (self.model.vectors, self.model.output)
        epoch_words = self.total_words // cfg.epochs
        try:
            while (job := self._take_job()) is not None:
                epoch, k = self.jobs[job]
                tokens = self.corpus.read_chunk(k)
                done_before = epoch * epoch_words + self.words_before[k]
                loss, predictions, _ = self.kernel(
                    tokens, self.vocab_tables, weights, cfg.window, cfg.negative,
                    cfg.max_sentence_length, self.alpha_at(done_before),
                    self.alpha_at(done_before + self.corpus.chunk_words[k]),
                    np.uint64(self.chunk_seed(cfg.seed, epoch, k)), self.tables)
                with self._lock:
                    self.words_done += self.corpus.chunk_words[k]
                    self.epoch_loss[epoch] += loss
                    self.epoch_predictions[epoch] += predictions
                    self.epoch_words[epoch] += self.corpus.chunk_words[k]
                    self.epoch_finished[epoch] = time.perf_counter()
                    if predictions:
                        self.recent_loss = 0.9 * self.recent_loss + 0.1 * loss / predictions \
                            if self.recent_loss else loss / predictions
        except BaseException as exc:  # surfaced in the main thread
            self._error = exc
            self._stop.set()

    def _finish_report(self, seconds: float) -> None:
        report = self.model.report
        report.train_seconds = seconds
        previous = time.perf_counter() - seconds
        for e in range(self.model.config.epochs):
            finished = self.epoch_finished[e] or previous
            report.epochs.append(EpochReport(e + 1, float(self.epoch_loss[e]),
                                             int(self.epoch_predictions[e]),
                                             int(self.epoch_words[e]), finished - previous))
            previous = finished
        for e in report.epochs:
            speed = e.words / max(e.seconds, 1e-9)
            _log(self.progress, f"epoch {e.epoch}: loss {e.loss:.6g} "
                 f"({e.mean_loss:.4f} per prediction), {speed:,.0f} words/s")
        _log(self.progress, f"trained {sum(e.words for e in report.epochs):,} words in "
             f"{seconds:.1f} s ({report.words_per_second:,.0f} words/s)")

    def _check_finite(self) -> None:
        for name, weights in (("input", self.model.vectors), ("output", self.model.output)):
            if not np.isfinite(weights).all():
                raise TrainingDiverged(f"training diverged: the {name} weights hold NaN or "
                                       f"infinite values; try a smaller --alpha")
