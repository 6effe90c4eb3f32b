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

import contextlib
import dataclasses
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from .checkpoint import Checkpoint, Every, Progress, save_checkpoint
from .config import TrainConfig
from .corpus import CHUNK_IDS, CorpusStats, EncodedCorpus
from .errors import CorpusError, TrainingDiverged, TrainingInterrupted
from .formats import VectorFile
from .memory import unmap_large_buffers
from .tokenize import Tokenizer
from .vocab import Vocabulary, WordCounter, huffman_tree


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
    """A trained model: vocabulary, input vectors (syn0), output weights (syn1neg and, with
    hierarchical softmax, syn1), settings and report."""

    vocab: Vocabulary
    vectors: np.ndarray  # float32 (V, dim): the word vectors
    output: np.ndarray  # float32 (V, dim), negative-sampling output weights; (0, dim) if unused
    config: TrainConfig
    report: TrainingReport | None = None
    output_hs: np.ndarray | None = None  # float32 (V-1, dim), hierarchical softmax, if used


def train(corpus_paths: list[str], config: TrainConfig | None = None, *,
          progress: bool = True, checkpoint_path: str | None = None,
          checkpoint_every: Every | None = None, resume: Checkpoint | None = None,
          init: VectorFile | None = None, output_path: str | None = None,
          given_vocab: tuple[list[str], np.ndarray] | None = None,
          on_vocabulary: Callable[[Vocabulary], None] | None = None) -> Model:
    """Train word vectors on the files in `corpus_paths` ('-' is stdin).

    With `checkpoint_path`, an interrupt (Ctrl-C, SIGTERM) saves the run there and raises
    TrainingInterrupted, and `checkpoint_every` saves it periodically too. `resume` continues a
    checkpoint on the same corpus; `init` continues training a native model on a new corpus.
    `given_vocab` (words, counts) replaces counting; `on_vocabulary` sees the vocabulary
    before training starts.
    """
    config = (config or TrainConfig()).resolved()
    config.validate()
    unmap_large_buffers()
    started = time.perf_counter()
    counter = WordCounter(None if given_vocab else config.max_vocab_size)
    if given_vocab:
        try:
            counter.seed(given_vocab[0])
        except ValueError as exc:
            raise CorpusError(f"the given vocabulary: {exc}") from None
    tokenizer = Tokenizer(config.lowercase, config.strip_punctuation)
    with _reading_bar(progress) as bar:
        corpus = EncodedCorpus.encode(corpus_paths, tokenizer, counter, on_words=bar.update)
    if given_vocab:
        counter.use_counts(given_vocab[1])
    with corpus:
        if init is not None:
            vocab, remap = _extend_vocabulary(init, counter, config)
        else:
            vocab, remap = Vocabulary.from_counter(counter, config.min_count,
                                                   config.max_final_vocab, config.sorted_vocab)
        _check_vocabulary(corpus.stats, counter, vocab, config)
        del counter  # its hash table and word bytes are not needed while training
        if on_vocabulary:
            on_vocabulary(vocab)
        report = TrainingReport(corpus.stats, len(vocab),
                                read_seconds=time.perf_counter() - started)
        _log(progress, f"read {corpus.stats.words:,} words in {corpus.stats.lines:,} lines "
             f"in {report.read_seconds:.2f} s; "
             f"vocabulary {len(vocab):,} words with count >= {config.min_count}"
             + (f"; {corpus.stats.invalid_utf8:,} invalid UTF-8 sequences replaced"
                if corpus.stats.invalid_utf8 else ""))
        if resume is not None:
            model = _resumed_model(resume, vocab, config, report)
        else:
            model = _initial_model(vocab, config, report, init)
        save = None
        if checkpoint_path:
            def save(state: Progress) -> None:
                save_checkpoint(checkpoint_path, model.vocab.words, model.vocab.counts,
                                model.vectors, model.output, config.to_dict(),
                                dataclasses.asdict(corpus.stats), output_path, state,
                                output_hs=model.output_hs)
        trainer = _Trainer(model, corpus, remap, progress,
                           start=resume.progress if resume else None,
                           checkpoint=(checkpoint_every, save) if checkpoint_every and save
                           else None)
        with _terminate_as_exception():
            try:
                trainer.run()
            except _AbortNow:
                raise
            except (KeyboardInterrupt, _Terminated) as exc:
                code = 143 if isinstance(exc, _Terminated) else 130
                raise _interrupted(trainer, save, checkpoint_path, code) from None
    return model


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so training stops as for Ctrl-C."""


class _AbortNow(KeyboardInterrupt):
    """A second interrupt while stopping: exit without a checkpoint."""


@contextlib.contextmanager
def _terminate_as_exception():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(trainer, save, checkpoint_path, code) -> TrainingInterrupted:
    done = trainer.words_done / max(trainer.total_words, 1)
    if save is None:
        return TrainingInterrupted(f"interrupted at {done:.0%}; nothing was saved", code)
    save(trainer.state())  # a second Ctrl-C here aborts the write and leaves no partial file
    return TrainingInterrupted(
        f"interrupted at {done:.0%}; checkpoint saved to {checkpoint_path}; resume with: "
        f"w2v train --resume {shlex.quote(checkpoint_path)}", code)


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


def _initial_model(vocab: Vocabulary, config: TrainConfig, report: TrainingReport,
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


def _extend_vocabulary(init: VectorFile, counter: WordCounter,
                       config: TrainConfig) -> tuple[Vocabulary, np.ndarray]:
    if init.counts is None or (init.output is None and init.output_hs is None):
        raise CorpusError("--init needs a native model (.w2v) with its output weights and "
                          "counts; word2vec .bin/.txt files hold only the word vectors")
    if init.vectors.shape[1] != config.dim:
        raise CorpusError(f"--init model has dimension {init.vectors.shape[1]}, not "
                          f"{config.dim}")
    return Vocabulary.extend(init.words, init.counts, counter, config.min_count)


def _resumed_model(resume: Checkpoint, vocab: Vocabulary, config: TrainConfig,
                   report: TrainingReport) -> Model:
    if vocab.words != resume.words or not np.array_equal(vocab.counts, resume.counts):
        raise CorpusError("the corpus is not the one this checkpoint was trained on (its "
                          "vocabulary differs); give the same files in the same order")
    empty = np.zeros((0, config.dim), dtype=np.float32)
    output = resume.output if resume.output is not None else empty
    output_hs = resume.output_hs if resume.output_hs is not None else empty
    return Model(vocab, resume.vectors.astype(np.float32), output.astype(np.float32), config,
                 report, output_hs.astype(np.float32))


def _padded(values: list, length: int, dtype) -> np.ndarray:
    out = np.zeros(length, dtype=dtype)
    out[:len(values)] = values
    return out


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr)


class _Trainer:
    """Runs the epochs: a shared schedule of (epoch, chunk) jobs pulled by worker threads.

    The main thread only watches: it updates the progress bar, pauses the workers between jobs
    to take a checkpoint when one is due, and on an interrupt stops them after their current
    job (a chunk: a fraction of a second), so the state it then saves is exact.
    """

    def __init__(self, model: Model, corpus: EncodedCorpus, remap: np.ndarray, progress: bool,
                 start: Progress | None = None, checkpoint=None):
        from . import kernels  # numba loads only when training

        self.model, self.corpus, self.progress = model, corpus, progress
        self.checkpoint = checkpoint  # (every: Every, save: callable(Progress)) or None
        cfg = model.config
        self.kernel = (kernels.train_cbow_chunk if cfg.arch == "cbow"
                       else kernels.train_skipgram_chunk)
        self.chunk_seed = kernels.chunk_seed
        neg_threshold, neg_alias = model.vocab.negative_table(cfg.ns_exponent)
        if cfg.hs:
            points, labels, lengths = huffman_tree(model.vocab.counts)
        else:
            points, labels, lengths = (np.zeros((1, 1), np.int32), np.zeros((1, 1), np.float32),
                                       np.zeros(1, np.int32))
        self.vocab_tables = (remap, model.vocab.keep_thresholds(cfg.sample), neg_threshold,
                             neg_alias, points, labels, lengths)
        self.tables = kernels.sigmoid_tables()
        self.jobs = [(e, k) for e in range(cfg.epochs) for k in range(corpus.n_chunks)]
        words = np.array(corpus.chunk_words, dtype=np.int64)
        self.words_before = np.concatenate([[0], np.cumsum(words)[:-1]])  # within an epoch
        self.epoch_words_total = int(words.sum())
        self.total_words = self.epoch_words_total * cfg.epochs
        start = start or Progress()
        self._next_job = self._done_jobs = start.next_job
        self._in_flight = 0
        self._running = 0  # worker threads not yet exited
        self._hold_at = len(self.jobs)  # workers take no job at or past this index
        self._cond = threading.Condition()
        self._stop = False
        self._error: BaseException | None = None
        self.prior_seconds = start.train_seconds
        self.epoch_loss = _padded(start.epoch_loss, cfg.epochs, np.float64)
        self.epoch_predictions = _padded(start.epoch_predictions, cfg.epochs, np.int64)
        self.epoch_words = _padded(start.epoch_words, cfg.epochs, np.int64)
        self.words_done = self._words_at_start = int(self.epoch_words.sum())
        self.epoch_seconds = np.zeros(cfg.epochs, dtype=np.float64)
        # epochs a resumed run had finished are not logged again
        self._logged = int(np.count_nonzero(self.epoch_words >= self.epoch_words_total))
        self.recent_loss = 0.0

    def alpha_at(self, words_done: float) -> float:
        cfg = self.model.config
        share = min(words_done / max(self.total_words, 1), 1.0)
        return cfg.alpha - (cfg.alpha - cfg.min_alpha) * share

    def state(self) -> Progress:
        """The exact progress so far; call only while no job is in flight."""
        return Progress(self._next_job, self.epoch_loss.tolist(),
                        self.epoch_predictions.tolist(), self.epoch_words.tolist(),
                        self.prior_seconds + time.perf_counter() - self._started)

    def run(self) -> None:
        cfg = self.model.config
        self._started = time.perf_counter()
        threads = [threading.Thread(target=self._work, daemon=True, name=f"w2v-train-{i}")
                   for i in range(min(cfg.threads, len(self.jobs)))]
        bar = tqdm(total=self.total_words, initial=self.words_done, desc=f"training {cfg.arch}",
                   unit=" words", unit_scale=True, file=sys.stderr, smoothing=0.1,
                   disable=None if self.progress else True,  # None: only on a terminal
                   mininterval=0.5)
        next_checkpoint = self._first_checkpoint()
        self._hold_at = self._hold_for(next_checkpoint)
        self._running = len(threads)
        try:
            for t in threads:
                t.start()
            while self._running:
                # not Thread.join: a Ctrl-C inside join can leave the thread looking finished
                with self._cond:
                    self._cond.wait(0.2)
                bar.update(self.words_done - bar.n)
                bar.set_postfix_str(f"lr={self.alpha_at(self.words_done):.6f} "
                                    f"loss={self.recent_loss:.4f}", refresh=False)
                next_checkpoint = self._maybe_checkpoint(next_checkpoint)
                self._log_finished_epochs(bar)
        except BaseException:  # KeyboardInterrupt, or SIGTERM turned into an exception
            try:
                self._halt()
            except BaseException:  # a second Ctrl-C while waiting: give up at once
                raise _AbortNow() from None
            raise
        finally:
            bar.close()
        if self._error is not None:
            raise self._error
        self._log_finished_epochs(bar)
        self._finish_report(time.perf_counter() - self._started)
        self._check_finite()

    def _halt(self) -> None:
        """Stop the workers after their current job and wait until all have exited."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
            while self._running:
                self._cond.wait(0.05)

    def _hold_for(self, due) -> int:
        """Workers stop taking jobs at an epoch checkpoint until it is saved."""
        if due is not None and self.checkpoint[0].epochs:
            return min(due, len(self.jobs))
        return len(self.jobs)

    def _first_checkpoint(self):
        if self.checkpoint is None:
            return None
        every = self.checkpoint[0]
        if every.epochs:
            per_epoch = self.corpus.n_chunks
            return (self._next_job // per_epoch + every.epochs) * per_epoch
        return time.perf_counter() + every.seconds

    def _maybe_checkpoint(self, due):
        """Pause the workers between jobs and save, when a checkpoint is due."""
        if due is None or self._next_job >= len(self.jobs):
            return due
        every, save = self.checkpoint
        with self._cond:
            if every.epochs:
                if not (self._next_job >= self._hold_at and self._in_flight == 0):
                    return due
            elif time.perf_counter() < due:
                return due
            else:
                self._hold_at = self._next_job + 0  # take no further job
                while self._in_flight and self._error is None:
                    self._cond.wait(0.05)
            save(self.state())
            due = self._first_checkpoint()
            self._hold_at = self._hold_for(due)
            self._cond.notify_all()
        return due

    def _take_job(self) -> int | None:
        with self._cond:
            while not self._stop and self._next_job >= self._hold_at < len(self.jobs):
                self._cond.wait(0.05)
            if self._stop or self._next_job >= len(self.jobs):
                return None
            self._next_job += 1
            self._in_flight += 1
            return self._next_job - 1

    def _work(self) -> None:
        cfg = self.model.config
        weights = (self.model.vectors, self.model.output, self.model.output_hs)
        settings = (cfg.window, cfg.negative, int(cfg.hs), int(cfg.cbow_mean),
                    int(cfg.shrink_windows), cfg.max_sentence_length)
        buffer = np.empty(CHUNK_IDS, dtype=np.int32)
        try:
            while (job := self._take_job()) is not None:
                epoch, k = self.jobs[job]
                tokens = self.corpus.read_chunk(k, buffer)
                done_before = epoch * self.epoch_words_total + self.words_before[k]
                loss, predictions, _ = self.kernel(
                    tokens, self.vocab_tables, weights, settings, self.alpha_at(done_before),
                    self.alpha_at(done_before + self.corpus.chunk_words[k]),
                    np.uint64(self.chunk_seed(cfg.seed, epoch, k)), self.tables)
                with self._cond:
                    self._in_flight -= 1
                    self.words_done += self.corpus.chunk_words[k]
                    self.epoch_loss[epoch] += loss
                    self.epoch_predictions[epoch] += predictions
                    self.epoch_words[epoch] += self.corpus.chunk_words[k]
                    if predictions:
                        mean = loss / predictions
                        self.recent_loss = (0.9 * self.recent_loss + 0.1 * mean
                                            if self.recent_loss else mean)
                    self._cond.notify_all()
        except BaseException as exc:  # surfaced in the main thread
            with self._cond:
                self._error = exc
                self._stop = True
                self._in_flight = 0
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()

    def _log_finished_epochs(self, bar) -> None:
        """Report each epoch as soon as all its chunks are done (so logs show progress even
        where no progress bar is drawn)."""
        while (self._logged < len(self.epoch_words)
               and self.epoch_words[self._logged] >= self.epoch_words_total):
            e = self._logged
            ended = time.perf_counter() - self._started
            self.epoch_seconds[e] = ended - self.epoch_seconds[:e].sum() if e else ended
            mean = self.epoch_loss[e] / max(self.epoch_predictions[e], 1)
            speed = self.epoch_words[e] / max(self.epoch_seconds[e], 1e-9)
            if self.progress:
                bar.write(f"epoch {e + 1}: loss {self.epoch_loss[e]:.6g} ({mean:.4f} per "
                          f"prediction), {speed:,.0f} words/s", file=sys.stderr)
            self._logged += 1

    def _finish_report(self, seconds: float) -> None:
        report = self.model.report
        report.train_seconds = self.prior_seconds + seconds
        for e in range(self.model.config.epochs):
            report.epochs.append(EpochReport(e + 1, float(self.epoch_loss[e]),
                                             int(self.epoch_predictions[e]),
                                             int(self.epoch_words[e]),
                                             float(self.epoch_seconds[e])))
        _log(self.progress, f"trained {self.words_done:,} words in {seconds:.1f} s "
             f"({(self.words_done - self._words_at_start) / max(seconds, 1e-9):,.0f} words/s)")

    def _check_finite(self) -> None:
        for name, weights in (("input", self.model.vectors), ("output", self.model.output),
                              ("hierarchical-softmax", self.model.output_hs)):
            # a float64 sum is non-finite exactly when some value is (it cannot overflow from
            # float32 values) and, unlike np.isfinite, allocates no array the size of weights
            if not np.isfinite(weights.sum(dtype=np.float64)):
                raise TrainingDiverged(f"training diverged: the {name} weights hold NaN or "
                                       f"infinite values; try a smaller --alpha")
