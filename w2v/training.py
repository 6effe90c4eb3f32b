"""The training driver: corpus to vocabulary to weights, epoch after epoch, with progress.

`train()` encodes the corpus once (see `corpus`), builds the vocabulary and sampling tables, sets
up the weights (see `model`), then runs every (epoch, chunk) job on worker threads (see
`scheduler`); the JIT kernels release the GIL and update the shared weights without locks
(Hogwild, as word2vec.c). The learning rate falls linearly from alpha to min_alpha over all
epochs: each chunk gets the rate for its place in the global schedule, which is the progress all
threads share. With one thread and a seed the result is bit-identical from run to run.
Checkpoints are taken between jobs, so a resumed run replays exactly the jobs not yet done.

Does not: parse options, write output files (see `formats`), or contain any inner loop (see
`training_kernels`).
"""

from __future__ import annotations

import dataclasses
import math
import shlex
import sys
import threading
import time
from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from .checkpoint import Checkpoint, Every, Progress, save_checkpoint
from .config import TrainConfig
from .corpus import CHUNK_IDS, EncodedCorpus
from .counting import WordCounter
from .errors import CorpusError, TrainingDiverged, TrainingInterrupted
from .formats import VectorFile
from .interrupts import Terminated, exit_status, terminate_as_exception
from .memory import unmap_large_buffers
from .model import (
    Model,
    check_vocabulary,
    init_words_of,
    initial_model,
    resumed_model,
    vocabulary_for,
)
from .report import EpochReport, TrainingReport, plural
from .sampling import huffman_tree, keep_thresholds, negative_table
from .scheduler import AbortNow, JobScheduler
from .tokenize import Tokenizer
from .vocab import Vocabulary

_INTERRUPT_GRACE = 2.0  # seconds an interrupt waits for running chunks before cutting them short


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
    with terminate_as_exception():
        try:
            return _train(corpus_paths, config, progress, checkpoint_path, checkpoint_every,
                          resume, init, output_path, given_vocab, on_vocabulary)
        except AbortNow:
            raise
        except (KeyboardInterrupt, Terminated) as exc:  # while reading or preparing
            raise TrainingInterrupted("interrupted before training started; nothing was saved",
                                      exit_status(exc)) from None


def _train(corpus_paths, config, progress, checkpoint_path, checkpoint_every, resume, init,
           output_path, given_vocab, on_vocabulary) -> Model:
    started = time.perf_counter()
    counter = WordCounter(None if given_vocab else config.max_vocab_size)
    if given_vocab:
        try:
            counter.seed(given_vocab[0])
        except ValueError as exc:
            raise CorpusError(f"the given vocabulary: {exc}") from None
    tokenizer = Tokenizer(config.lowercase, config.strip_punctuation, config.normalization)
    with _reading_bar(progress) as bar:
        corpus = EncodedCorpus.encode(corpus_paths, tokenizer, counter, on_words=bar.update)
    if given_vocab:
        counter.use_counts(given_vocab[1])
    with corpus:
        vocab, remap = vocabulary_for(counter, config, init, resume)
        check_vocabulary(corpus.stats, counter, vocab, config)
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
            model = resumed_model(resume, vocab, config, report)
        else:
            model = initial_model(vocab, config, report, init)
        save = None
        if checkpoint_path:
            def save(state: Progress) -> None:
                save_checkpoint(checkpoint_path, model, config.to_dict(),
                                {**dataclasses.asdict(corpus.stats),
                                 **init_words_of(init, resume)}, output_path, state)
        run = _Epochs(model, corpus, remap, progress,
                      start=resume.progress if resume else None,
                      checkpoint=(checkpoint_every, save) if checkpoint_every and save else None)
        _log(progress, f"training {config.arch}: {config.epochs} epochs of "
             f"{corpus.stats.words:,} words on {plural(config.threads, 'thread')}")
        try:
            run.run()
        except AbortNow:
            raise
        except (KeyboardInterrupt, Terminated) as exc:
            raise _interrupted(run, save, checkpoint_path, exit_status(exc)) from None
    return model


def _interrupted(run: _Epochs, save, checkpoint_path, code) -> TrainingInterrupted:
    done = run.words_done / max(run.total_words, 1)
    if save is None:
        return TrainingInterrupted(f"interrupted at {done:.0%}; nothing was saved", code)
    save(run.state())  # a second Ctrl-C here aborts the write and leaves no partial file
    cut = ("; chunks cut short will be trained again, so the result will differ slightly from "
           "an uninterrupted run" if run.cut_short else "")
    return TrainingInterrupted(
        f"interrupted at {done:.0%}; checkpoint saved to {checkpoint_path}; resume with: "
        f"w2v train --resume {shlex.quote(checkpoint_path)}{cut}", code)


def _reading_bar(progress: bool) -> tqdm:
    return tqdm(desc="reading", unit=" words", unit_scale=True, file=sys.stderr,
                disable=None if progress else True, leave=False, mininterval=0.5)


def _padded(values: list, length: int, dtype) -> np.ndarray:
    out = np.zeros(length, dtype=dtype)
    out[:len(values)] = values
    return out


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr)


class ChunkTrainer:
    """Trains one chunk of an encoded corpus into a model's weights with the right kernel:
    the sampling tables, the sigmoid tables and a token buffer per thread, set up once. The
    single-process run and each cluster worker (`distributed`) train through it."""

    def __init__(self, model: Model, remap: np.ndarray):
        from . import training_kernels as kernels  # numba loads only when training

        cfg = self.config = model.config
        self.model, self.kernels = model, kernels
        counts = model.vocab.counts
        neg_threshold, neg_alias = negative_table(counts, cfg.ns_exponent)
        if cfg.hs:
            points, labels, lengths = huffman_tree(counts)
        else:
            points, labels, lengths = (np.zeros((1, 1), np.int32), np.zeros((1, 1), np.float32),
                                       np.zeros(1, np.int32))
        self.vocab_tables = (remap, keep_thresholds(counts, cfg.sample), neg_threshold,
                             neg_alias, points, labels, lengths)
        self.tables = kernels.sigmoid_tables()
        self.settings = (cfg.window, cfg.negative, int(cfg.hs), int(cfg.cbow_mean),
                         int(cfg.shrink_windows), cfg.max_sentence_length)
        self._buffers: dict[int, np.ndarray] = {}  # one chunk buffer per worker thread

    def train(self, corpus: EncodedCorpus, epoch: int, k: int, alpha_start: float,
              alpha_end: float, stop: np.ndarray, part: int = 0, parts: int = 1,
              seen: np.ndarray | None = None):
        """Chunk k of `corpus` in `epoch`, or its `part` of `parts` equal slices (a cluster
        worker's round can be shorter than a chunk): (loss, predictions, kept words,
        finished). `seen[w]` is set to 1 for every vocabulary word w of the slice."""
        buffer = self._buffers.get(threading.get_ident())
        if buffer is None:
            buffer = self._buffers[threading.get_ident()] = np.empty(CHUNK_IDS, dtype=np.int32)
        tokens = corpus.read_chunk(k, buffer, part, parts)
        model, kernels, cbow = self.model, self.kernels, self.config.arch == "cbow"
        if seen is not None:
            kernels.mark_words(tokens, self.vocab_tables[0], seen)
        weights = (model.input_weights, model.output, model.output_hs)
        seed = (kernels.chunk_seed(self.config.seed, epoch, k) + part) % 2**64
        rest = (self.settings, alpha_start, alpha_end, np.uint64(seed), self.tables, stop)
        if model.bags is None:
            kernel = kernels.train_cbow_chunk if cbow else kernels.train_skipgram_chunk
            return kernel(tokens, self.vocab_tables, weights, *rest)
        kernel = kernels.train_subword_cbow_chunk if cbow else kernels.train_subword_skipgram_chunk
        return kernel(tokens, self.vocab_tables, model.bags, weights, *rest)


class _Epochs:
    """The epochs as a schedule of (epoch, chunk) jobs: what each job computes, the tallies,
    the learning rate, progress, epoch logs and when to checkpoint."""

    def __init__(self, model: Model, corpus: EncodedCorpus, remap: np.ndarray, progress: bool,
                 start: Progress | None = None, checkpoint=None):
        self.model, self.corpus, self.progress = model, corpus, progress
        self.checkpoint = checkpoint  # (every: Every, save: callable(Progress)) or None
        cfg = model.config
        self.chunks = ChunkTrainer(model, remap)
        self.jobs = [(e, k) for e in range(cfg.epochs) for k in range(corpus.n_chunks)]
        words = np.array(corpus.chunk_words, dtype=np.int64)
        self.words_before = np.concatenate([[0], np.cumsum(words)[:-1]])  # within an epoch
        self.epoch_words_total = int(words.sum())
        self.total_words = self.epoch_words_total * cfg.epochs
        start = start or Progress()
        self.scheduler = JobScheduler(len(self.jobs), cfg.threads, self._work, self._record,
                                      first=start.next_job)
        self.prior_seconds = start.train_seconds
        self.epoch_loss = _padded(start.epoch_loss, cfg.epochs, np.float64)
        self.epoch_predictions = _padded(start.epoch_predictions, cfg.epochs, np.int64)
        self.epoch_words = _padded(start.epoch_words, cfg.epochs, np.int64)
        self._epoch_words_at_start = self.epoch_words.copy()  # a resumed run's, for speeds
        self.words_done = int(self.epoch_words.sum())
        self.epoch_seconds = np.zeros(cfg.epochs, dtype=np.float64)
        # epochs a resumed run had finished are not logged again
        self._logged = int(np.count_nonzero(self.epoch_words >= self.epoch_words_total))
        self.recent_loss = 0.0
        # set when an interrupt cannot wait for running chunks: they return early, and are
        # listed in cut_short so that a checkpoint counts them as not done
        self.stop = np.zeros(1, dtype=np.uint8)
        self.cut_short: list[int] = []

    def alpha_at(self, words_done: float) -> float:
        cfg = self.model.config
        share = min(words_done / max(self.total_words, 1), 1.0)
        return cfg.alpha - (cfg.alpha - cfg.min_alpha) * share

    def state(self) -> Progress:
        """The exact progress so far; call only while no job is in flight."""
        return Progress(min([self.scheduler.next_job, *self.cut_short]), self.epoch_loss.tolist(),
                        self.epoch_predictions.tolist(), self.epoch_words.tolist(),
                        self.prior_seconds + time.perf_counter() - self._started)

    def run(self) -> None:
        cfg = self.model.config
        self._started = time.perf_counter()
        bar = tqdm(total=self.total_words, initial=self.words_done, desc=f"training {cfg.arch}",
                   unit=" words", unit_scale=True, file=sys.stderr, smoothing=0.1,
                   disable=None if self.progress else True,  # None: only on a terminal
                   mininterval=0.5)
        self._due = self._next_checkpoint()
        self.scheduler.hold(self._hold_for(self._due))

        def watch() -> None:
            bar.update(self.words_done - bar.n)
            bar.set_postfix_str(f"lr={self.alpha_at(self.words_done):.6f} "
                                f"loss={self.recent_loss:.4f}", refresh=False)
            self._maybe_checkpoint()
            self._log_finished_epochs(bar)

        try:
            self.scheduler.run(watch, grace=_INTERRUPT_GRACE, force=self._cut_short)
        finally:
            bar.close()
        self._log_finished_epochs(bar)
        self._finish_report(time.perf_counter() - self._started)
        self._check_finite()

    # ------------------------------------------------------------ one job

    def _cut_short(self) -> None:
        self.stop[0] = 1

    def _work(self, job: int):
        """Train one chunk of one epoch (in a worker thread); returns (loss, predictions,
        finished)."""
        epoch, k = self.jobs[job]
        done_before = epoch * self.epoch_words_total + self.words_before[k]
        loss, predictions, _, finished = self.chunks.train(
            self.corpus, epoch, k, self.alpha_at(done_before),
            self.alpha_at(done_before + self.corpus.chunk_words[k]), self.stop)
        return loss, predictions, finished

    def _record(self, job: int, result) -> None:
        """Add a finished job's tallies (under the scheduler's lock); a non-finite loss stops
        the run at once, in the chunk where the weights diverged."""
        loss, predictions, finished = result
        epoch, k = self.jobs[job]
        if not finished:
            self.cut_short.append(job)
            return
        if not math.isfinite(loss):
            self.stop[0] = 1  # the other workers need not finish their chunks
            done = (self.words_done + self.corpus.chunk_words[k]) / max(self.total_words, 1)
            raise TrainingDiverged(f"training diverged in epoch {epoch + 1} ({done:.1%} done): "
                                   f"the loss became {loss}; try a smaller --alpha")
        self.words_done += self.corpus.chunk_words[k]
        self.epoch_loss[epoch] += loss
        self.epoch_predictions[epoch] += predictions
        self.epoch_words[epoch] += self.corpus.chunk_words[k]
        if predictions:
            mean = loss / predictions
            self.recent_loss = 0.9 * self.recent_loss + 0.1 * mean if self.recent_loss else mean

    # ------------------------------------------------------------ checkpoints

    def _hold_for(self, due) -> int | None:
        """Workers stop taking jobs at an epoch checkpoint until it is saved."""
        if due is not None and self.checkpoint[0].epochs:
            return due
        return None

    def _next_checkpoint(self):
        """The job index (epoch checkpoints) or the time (timed ones) of the next checkpoint."""
        if self.checkpoint is None:
            return None
        every = self.checkpoint[0]
        if every.epochs:
            per_epoch = self.corpus.n_chunks
            return (self.scheduler.next_job // per_epoch + every.epochs) * per_epoch
        return time.perf_counter() + every.seconds

    def _maybe_checkpoint(self) -> None:
        """Pause the workers between jobs and save, when a checkpoint is due."""
        scheduler = self.scheduler
        if self._due is None or scheduler.next_job >= scheduler.n_jobs:
            return
        every, save = self.checkpoint
        if every.epochs and not scheduler.idle_at_hold:
            return
        if not every.epochs and time.perf_counter() < self._due:
            return
        with scheduler.paused():
            save(self.state())
            self._due = self._next_checkpoint()
        scheduler.hold(self._hold_for(self._due))

    # ------------------------------------------------------------ reporting

    def _log_finished_epochs(self, bar) -> None:
        """Report each epoch as soon as all its chunks are done (so logs show progress even
        where no progress bar is drawn)."""
        while (self._logged < len(self.epoch_words)
               and self.epoch_words[self._logged] >= self.epoch_words_total):
            e = self._logged
            ended = time.perf_counter() - self._started
            self.epoch_seconds[e] = ended - self.epoch_seconds[:e].sum() if e else ended
            mean = self.epoch_loss[e] / max(self.epoch_predictions[e], 1)
            trained = self.epoch_words[e] - self._epoch_words_at_start[e]
            speed = trained / max(self.epoch_seconds[e], 1e-9)
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
        trained = self.words_done - int(self._epoch_words_at_start.sum())  # a resumed run's rest
        _log(self.progress, f"trained {trained:,} words in {seconds:.1f} s "
             f"({trained / max(seconds, 1e-9):,.0f} words/s)")

    def _check_finite(self) -> None:
        for name, weights in (("input", self.model.input_weights),
                              ("output", self.model.output),
                              ("hierarchical-softmax", self.model.output_hs)):
            # a float64 sum is non-finite exactly when some value is (it cannot overflow from
            # float32 values) and, unlike np.isfinite, allocates no array the size of weights
            if not np.isfinite(weights.sum(dtype=np.float64)):
                raise TrainingDiverged(f"training diverged: the {name} weights hold NaN or "
                                       f"infinite values; try a smaller --alpha")
