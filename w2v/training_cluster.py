"""The driver of a training run on a Ray cluster: shards, vocabulary, rounds, progress,
checkpoints (the algorithm is in `distributed`, the transport in `ray_backend`).

The driver holds the weights as of the last merged round: they are what a replacement worker
receives, what an interrupt saves as a checkpoint (which `w2v train --resume ... --ray` continues
with the same number of workers) and what the run returns. Its progress bar and logs are those
of a single-process run, over the words all workers trained.

Does not: train anything itself, import Ray before `--ray` is given, or write the output file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shlex
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from tqdm import tqdm

from .checkpoint import Checkpoint, Every, Progress, save_checkpoint
from .config import TrainConfig
from .corpus import CHUNK_IDS, CorpusStats
from .distributed import (
    DIVERGED_LOSS,
    Merger,
    merge_limits,
    merged_vocabulary,
    model_matrices,
    piece_words,
    rate_scale,
    saturation,
    warm_up,
)
from .errors import ConfigError, TrainingDiverged, TrainingInterrupted
from .formats import VectorFile
from .interrupts import Terminated, exit_status
from .model import Model, check_vocabulary, init_words_of, initial_model, resumed_model
from .ray_backend import WorkerDied
from .report import EpochReport, TrainingReport, plural
from .scheduler import AbortNow
from .shards import plan_shards
from .vocab import Vocabulary

SYNC_WORDS = 524_288  # words the whole cluster trains between merges, at most by default
MIN_MERGES = 160  # merges in a run at least, by default (see default_sync_words)
MIN_WORKER_ROUND = 8_192  # words of a worker's round at least, by default (the same)
SUMMED_UPDATES = 16  # workers x rate past which a worker's least round grows (the same)
SOLO_WORDS = 4_194_304  # words a lone worker trains between reports
MAX_PARTS = 32  # slices of a chunk at most: rounds of at least 4,096 words per thread
MIN_SLICE_WORDS = 1_024  # words of a chunk's slice at least (see round_pieces)
BALANCE_PARTS = 4  # slices of a chunk at most to balance several threads (see _train)
PIECES_PER_THREAD = 8  # in a round, for balance (see _train)
TAIL_PARTS = 4  # slices of each thread's last piece of a round (see _split_tail)


def train_on_cluster(corpus_paths: list[str], config: TrainConfig, *, address: str | None,
                     workers: int, progress: bool = True, checkpoint_path: str | None = None,
                     resume: Checkpoint | None = None, output_path: str | None = None,
                     sync_words: int | None = None, checkpoint_every: Every | None = None,
                     on_vocabulary: Callable[[Vocabulary], None] | None = None,
                     given_vocab: tuple[list[str], np.ndarray] | None = None,
                     init: VectorFile | None = None) -> Model:
    """Train on `workers` Ray workers, each with `config.threads` threads, merging their
    weights every `sync_words` words the cluster trains (see module doc; default:
    `default_sync_words`, or a resumed run's). `checkpoint_every`
    also saves the driver's weights at round ends; `on_vocabulary` sees the merged
    vocabulary before training starts; `given_vocab` (words, counts) replaces the counts;
    `init`, a native model, starts its words from its weights (as `training.train`)."""
    config = config.resolved()
    config.validate()
    if config.max_vocab_size is not None:
        raise ConfigError("--max-vocab-size cannot be used with --ray: each worker would prune "
                          "its own shard differently")
    paths = [os.path.abspath(p) if p != "-" else p for p in corpus_paths]
    plans = plan_shards(paths, workers)  # before Ray starts: a bad path fails fast
    from .ray_backend import Cluster

    started = time.perf_counter()
    cluster = Cluster(address, workers, config.threads)  # replaces the SIGTERM handler: first
    try:
        with _signals_to(cluster):
            try:
                model = _Run(cluster, plans, paths, config, progress, checkpoint_path,
                             output_path, started, sync_words, checkpoint_every,
                             on_vocabulary, given_vocab, init).run(resume)
            except AbortNow:
                raise
            except (KeyboardInterrupt, Terminated) as exc:
                raise TrainingInterrupted("interrupted before training started; nothing was "
                                          "saved", exit_status(exc)) from None
    except BaseException:
        cluster.close()
        raise
    cluster.close(wait=False)  # the weights are the driver's own: Ray stops while they are saved
    return model


@contextlib.contextmanager
def _signals_to(cluster) -> Iterator[None]:
    """Ctrl-C and SIGTERM become exceptions the cluster raises between its waits: raised in a
    signal handler, they would surface inside Ray's compiled code as a SystemError. A second
    signal exits at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if cluster.interrupt is not None:
            raise AbortNow()
        cluster.interrupt = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _warm_up(workers: int) -> None:
    """`distributed.warm_up`, in a thread. It saves time and nothing else: the calls it makes
    are made again when needed, so a failure here would show there."""
    with contextlib.suppress(Exception):
        warm_up(workers)


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr)


class _Run:
    def __init__(self, cluster, plans, paths, config, progress, checkpoint_path, output_path,
                 started, sync_words, checkpoint_every=None, on_vocabulary=None,
                 given_vocab=None, init=None):
        self.sync_words = sync_words
        self.rate = rate_scale(len(plans))  # the workers' learning rate over the one asked
        self.checkpoint_every, self.on_vocabulary = checkpoint_every, on_vocabulary
        self.given_vocab, self.init = given_vocab, init
        self.resume: Checkpoint | None = None
        self.cluster, self.plans, self.paths, self.config = cluster, plans, paths, config
        self.progress, self.checkpoint_path, self.output_path = progress, checkpoint_path, \
            output_path
        self.started = started
        self.bytes_sent = 0

    def run(self, resume: Checkpoint | None) -> Model:
        cfg, cluster = self.config, self.cluster
        cluster.start(self.plans, cfg)
        # while the workers count (during Ray's start, this thread slowed it by a second)
        threading.Thread(target=_warm_up, args=(len(self.plans),), name="w2v-warm-up",
                         daemon=True).start()
        counted = cluster.call("count", [() for _ in self.plans])
        stats = CorpusStats(files=len(self.paths), paths=list(self.paths))
        for _, part in counted:
            stats.lines += part.lines
            stats.words += part.words
            stats.invalid_utf8 += part.invalid_utf8
        vocab, counter = merged_vocabulary([tallies for tallies, _ in counted], cfg,
                                           self.given_vocab, self.init, resume)
        self.resume = resume
        check_vocabulary(stats, counter, vocab, cfg)
        report = TrainingReport(stats, len(vocab), read_seconds=time.perf_counter() - self.started)
        _log(self.progress, f"read {stats.words:,} words in {stats.lines:,} lines in "
             f"{report.read_seconds:.2f} s on {plural(len(self.plans), 'worker')}; vocabulary "
             f"{len(vocab):,} words with count >= {cfg.min_count}")
        if self.on_vocabulary:
            self.on_vocabulary(vocab)
        if resume is not None:
            self._check_resume(resume)
        setup_args = [(vocab.words, vocab.counts) for _ in self.plans]
        with ThreadPoolExecutor(1) as pool:  # the driver's copy while the workers make theirs
            model = (pool.submit(resumed_model, resume, vocab, cfg, report) if resume is not None
                     else pool.submit(initial_model, vocab, cfg, report, self.init))
            self.chunk_words = cluster.call("setup", setup_args, recover=self._recover_counting)
            self.model = model.result()
        if resume is not None or self.init is not None:  # the workers start from the driver's
            cluster.call("load", [(model_matrices(self.model),) for _ in self.plans])
        self.stats = stats
        self._train(resume.progress if resume else Progress())
        return self.model

    # ------------------------------------------------------------ rounds

    def _train(self, start: Progress) -> None:
        cfg = self.config
        if self.sync_words is None:
            self.sync_words = default_sync_words(self.stats.words * cfg.epochs, len(self.plans))
        self.parts, self.per_round = round_pieces(self.sync_words, len(self.plans),
                                                  cfg.threads, self.chunk_words)
        self.rounds = max(math.ceil(len(c) * self.parts / self.per_round)
                          for c in self.chunk_words)
        round_words = min(self.per_round * CHUNK_IDS // self.parts,
                          max(sum(c) for c in self.chunk_words))  # a small shard: all of it
        total = sum(sum(c) for c in self.chunk_words) * cfg.epochs
        self.epoch_loss = _padded(start.epoch_loss, cfg.epochs, np.float64)
        self.epoch_predictions = _padded(start.epoch_predictions, cfg.epochs, np.int64)
        self.epoch_words = _padded(start.epoch_words, cfg.epochs, np.int64)
        self.epoch_words_at_start = self.epoch_words.copy()  # a resumed run's, for speeds
        done = int(self.epoch_words.sum())
        self.epoch_seconds = np.zeros(cfg.epochs, dtype=np.float64)  # of this run's epochs
        _log(self.progress, f"training {cfg.arch}: {cfg.epochs} epochs of {self.stats.words:,} "
             f"words on {plural(len(self.plans), 'worker')} x {plural(cfg.threads, 'thread')}, "
             f"merging every {round_words:,} words of each"
             + (f" at {self.rate:g} times the learning rate" if self.rate != 1 else ""))
        bar = tqdm(total=total, initial=done, desc=f"training {cfg.arch}", unit=" words",
                   unit_scale=True, file=sys.stderr, smoothing=0.1,
                   disable=None if self.progress else True, mininterval=0.5)
        began = time.perf_counter()
        self.catch_up = _CatchUp()
        merger = Merger(model_matrices(self.model),
                        saturation(self.model, cfg, round_words, rate=self.rate),
                        merge_limits(self.model))
        self.news: list[list] = [[] for _ in self.plans]  # merged rows not yet sent, per worker
        self.forward: list[list] = [[] for _ in self.plans]  # the other's results, 2 workers
        self.sent: dict[int, list] = {}  # job -> per worker (args, reference) or None
        job, end = start.next_job, cfg.epochs * self.rounds
        every = self.checkpoint_every if self.checkpoint_path else None
        due = time.perf_counter() + every.seconds if every and every.seconds else None
        try:
            self._send(job)
            while job < end:
                if job + 1 < end:
                    self._send(job + 1)  # queued behind `job`: workers never wait for a merge
                results, refs = self._collect(job)
                epoch, r = divmod(job, self.rounds)
                loss = sum(res.loss for res in results if res is not None)
                predicted = sum(res.predictions for res in results if res is not None)
                predictions = max(predicted, 1)
                if not math.isfinite(loss) or loss / predictions > DIVERGED_LOSS:
                    raise TrainingDiverged(
                        f"training diverged in epoch {epoch + 1}: the loss per prediction "
                        f"became {loss / predictions:.3g}; the merged updates of "
                        f"{len(self.plans)} workers overshoot: use fewer workers, a smaller "
                        f"--sync-every or a smaller --alpha")
                self._merge(merger, results, refs)
                words = sum(res.words for res in results if res is not None)
                self.epoch_loss[epoch] += loss
                self.epoch_predictions[epoch] += predicted
                self.epoch_words[epoch] += words
                job += 1
                bar.update(words)
                bar.set_postfix_str(f"lr={self._alpha(epoch, r + 1, self.rounds):.6f} "
                                    f"loss={loss / predictions:.4f}", refresh=False)
                if r == self.rounds - 1:
                    elapsed = time.perf_counter() - began
                    self.epoch_seconds[epoch] = elapsed - self.epoch_seconds.sum()
                    self._log_epoch(bar, epoch)
                if every and job < end and (
                        (every.epochs and r == self.rounds - 1 and (epoch + 1) % every.epochs == 0)
                        or (due is not None and time.perf_counter() >= due)):
                    self._save_checkpoint(job)  # the driver's weights: every round before job
                    due = time.perf_counter() + every.seconds if every.seconds else None
            self.catch_up.wait()
        except AbortNow:
            raise
        except (KeyboardInterrupt, Terminated) as exc:
            bar.close()
            raise self._interrupted(job, exit_status(exc)) from None
        finally:
            self.catch_up.close()
        bar.close()
        self.sent.clear()  # Ray's references go now, not while Ray stops in the background
        self.forward = [[] for _ in self.plans]
        seconds = time.perf_counter() - began
        report = self.model.report
        report.train_seconds = start.train_seconds + seconds
        for e in range(cfg.epochs):
            report.epochs.append(EpochReport(e + 1, float(self.epoch_loss[e]),
                                             int(self.epoch_predictions[e]),
                                             int(self.epoch_words[e]),
                                             float(self.epoch_seconds[e])))
        trained = int(self.epoch_words.sum() - self.epoch_words_at_start.sum())
        _log(self.progress, f"trained {trained:,} words in {seconds:.1f} s "
             f"({trained / max(seconds, 1e-9):,.0f} words/s); {self.bytes_sent / 2**20:,.0f} MiB "
             f"of rows exchanged"
             + (f"; workers replaced: {self.cluster.replaced}" if self.cluster.replaced else ""))

    def _send(self, job: int) -> None:
        """Queue round `job` on every worker that has chunks in it, with the merged rows it has
        not been sent yet (a worker without chunks keeps them for its next round)."""
        epoch, r = divmod(job, self.rounds)
        sent = []
        parts = self.parts
        for w, words in enumerate(self.chunk_words):
            first, end = r * self.per_round, min((r + 1) * self.per_round, len(words) * parts)
            pieces = _split_tail([(n // parts, n % parts, parts) for n in range(first, end)],
                                 self.config.threads)
            if not pieces:
                sent.append(None)
                continue
            shard_words = sum(words)
            before = np.concatenate([[0], np.cumsum(words)])
            alphas = []
            for k, part, of in pieces:
                start = before[k] + words[k] * part // of
                alphas.append((self._alpha(epoch, start, shard_words),
                               self._alpha(epoch, start + piece_words(words, k, part, of),
                                           shard_words)))
            last = epoch == self.config.epochs - 1 and end == len(words) * parts
            args = (epoch, pieces, alphas, last)
            sent.append((args, self.cluster.submit(w, "train_round", *args[:3], self.news[w],
                                                    args[3], *self.forward[w])))
            self.news[w], self.forward[w] = [], []
        self.sent[job] = sent

    def _merge(self, merger: Merger, results: list, refs: list) -> None:
        """Merge a round into the driver's weights and note what each worker must be sent.
        When two workers' rows get the sum, each is sent the other's result itself:
        a reference, which Ray hands from one worker to the other without the driver copying
        or serializing it."""
        self.bytes_sent += sum(res.nbytes for res in results if res is not None)
        workers = len(self.plans)
        if workers == 1 or (workers == 2 and merger.sums_pairs):  # alone: nothing to merge
            self.catch_up.add(merger, results)
            for w, other in ((0, 1), (1, 0)) if workers == 2 else ():
                if results[other] is not None:
                    self.forward[w].append(refs[other])
                    self.bytes_sent += results[other].nbytes
            return
        for w, rows in enumerate(merger.merge(results)):
            if rows:
                self.news[w].append(rows)
                self.bytes_sent += sum(i.nbytes + v.nbytes for i, v in rows.values())

    def _resubmit(self, w: int, args: tuple):
        """A round again, on a replacement worker that holds every merged row already."""
        return self.cluster.submit(w, "train_round", *args[:3], [], args[3])

    def _collect(self, job: int) -> tuple[list, list]:
        """The results of round `job` and their references, a dead worker replaced: the new one
        takes the weights of the last merge (which hold every row sent to the old one) and
        redoes this round and the next one queued."""
        results, refs = [], []
        for w, sent in enumerate(self.sent.pop(job)):
            tries = 0
            while sent is not None:
                try:
                    results.append(self.cluster.result(w, sent[1], "train_round"))
                    refs.append(sent[1])
                    break
                except WorkerDied:
                    tries += 1
                    self.cluster.replace(w, tries, "train_round")
                    self._recover(w)
                    sent = (sent[0], self._resubmit(w, sent[0]))
                    queued = self.sent.get(job + 1)
                    if queued and queued[w] is not None:
                        queued[w] = (queued[w][0], self._resubmit(w, queued[w][0]))
            else:
                results.append(None)
                refs.append(None)
        return results, refs

    def _alpha(self, epoch: int, words_before: int, shard_words: int) -> float:
        """The learning rate where this worker's shard stands in the global schedule: with
        shards of equal size, every worker is at the same share of the run in each round. It is
        `self.rate` times the one asked (see `rate_scale`)."""
        cfg = self.config
        share = (epoch * shard_words + words_before) / max(cfg.epochs * shard_words, 1)
        return self.rate * (cfg.alpha - (cfg.alpha - cfg.min_alpha) * min(share, 1.0))

    def _log_epoch(self, bar, epoch: int) -> None:
        """The epoch's line, its speed the epoch's own, as a single process reports it."""
        if self.progress:
            mean = self.epoch_loss[epoch] / max(self.epoch_predictions[epoch], 1)
            trained = self.epoch_words[epoch] - self.epoch_words_at_start[epoch]
            speed = trained / max(self.epoch_seconds[epoch], 1e-9)
            bar.write(f"epoch {epoch + 1}: loss {self.epoch_loss[epoch]:.6g} ({mean:.4f} per "
                      f"prediction), {speed:,.0f} words/s", file=sys.stderr)

    # ------------------------------------------------------------ faults and interrupts

    def _recover_counting(self, w: int) -> None:
        self._on_worker(w, "count", ())

    def _recover(self, w: int) -> None:
        """A replacement worker: count its shard again, take the vocabulary and the driver's
        weights (as of the last merged round, which include every row not yet sent)."""
        _log(self.progress, f"worker {w + 1} died; a new one redoes its part of the round")
        vocab = self.model.vocab
        self.catch_up.wait()
        self._on_worker(w, "count", ())
        self._on_worker(w, "setup", (vocab.words, vocab.counts))
        self._on_worker(w, "load", (model_matrices(self.model),))
        self.news[w], self.forward[w] = [], []

    def _on_worker(self, w: int, method: str, args: tuple) -> None:
        self.cluster.call(method, [args if k == w else None for k in range(len(self.plans))])

    def _check_resume(self, resume: Checkpoint) -> None:
        """Refuse a checkpoint made with other workers or another merge interval, and take
        its interval: its rounds number the jobs it saved."""
        saved = resume.corpus.get("workers")
        if saved != len(self.plans):
            raise ConfigError(f"this checkpoint was made with --workers {saved}; resume it with "
                              f"--workers {saved}")
        merged = resume.corpus.get("sync_words")
        if merged is not None and self.sync_words not in (None, merged):
            raise ConfigError(f"this checkpoint merged every {merged:,} words; resume it with "
                              f"--sync-every {merged} or without --sync-every")
        # a checkpoint that does not say was made when the default was always SYNC_WORDS
        self.sync_words = merged if merged is not None else self.sync_words or SYNC_WORDS

    def _save_checkpoint(self, job: int) -> None:
        """The driver's weights, which hold every round before `job`, and the tallies."""
        self.catch_up.wait()
        state = Progress(job, self.epoch_loss.tolist(), self.epoch_predictions.tolist(),
                         self.epoch_words.tolist(), time.perf_counter() - self.started)
        corpus = {**dataclasses.asdict(self.stats), "workers": len(self.plans),
                  "sync_words": self.sync_words,
                  **init_words_of(self.init, self.resume)}
        save_checkpoint(self.checkpoint_path, self.model, self.config.to_dict(), corpus,
                        self.output_path, state)

    def _interrupted(self, job: int, code: int) -> TrainingInterrupted:
        total = self.config.epochs * self.rounds
        if not self.checkpoint_path:
            return TrainingInterrupted(f"interrupted at {job / total:.0%}; nothing was saved", code)
        self._save_checkpoint(job)
        return TrainingInterrupted(
            f"interrupted at {job / total:.0%}; checkpoint saved to {self.checkpoint_path}; "
            f"resume with: w2v train --resume {shlex.quote(self.checkpoint_path)} --ray "
            f"--workers {len(self.plans)}", code)


class _CatchUp:
    """The driver's copy of the weights takes the rounds' results in a thread at the lowest CPU
    priority (on Linux; elsewhere at the driver's), when it is a plain add (one or two
    workers): nothing waits for that copy but a checkpoint, a replacement worker and the end,
    and on the driver's own thread the adds took time from the workers on the same cores (2 x 1
    on 2 cores: 0.5 s of CPU an epoch; trained 3-4% faster with this thread). A merge the
    workers need (3 or more) stays on the driver's own thread."""

    MAX_BEHIND = 8  # rounds it may lag at most (their results stay in Ray's object store)

    def __init__(self):
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="w2v-catch-up",
                                        initializer=_lowest_priority)
        self._pending: deque = deque()  # (future, merger, results), in the order given

    def add(self, merger: Merger, results: list) -> None:
        self._pending.append((self._pool.submit(merger.add, results), merger, results))
        while self._pending and self._pending[0][0].done():
            self._pending.popleft()[0].result()
        if len(self._pending) > self.MAX_BEHIND:
            self.wait()

    def wait(self) -> None:
        """Until every result given is in the driver's weights. The adds not yet started are
        done here, at the caller's priority: waiting on a thread at the lowest one while the
        workers keep the cores busy could take long (a Ctrl-C's checkpoint, say)."""
        taken = deque()
        while self._pending and self._pending[-1][0].cancel():  # one thread runs them in
            taken.appendleft(self._pending.pop())  # order: those not started are the last ones
        while self._pending:
            self._pending.popleft()[0].result()
        for _, merger, results in taken:
            merger.add(results)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()


def _lowest_priority() -> None:
    """This thread gives way to every other (a Linux thread has its own nice value)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def default_sync_words(run_words: int, workers: int) -> int:
    """Words the cluster trains between merges unless told: SYNC_WORDS, fewer when the run would
    merge fewer than MIN_MERGES times, and halved for each doubling of workers past two, but
    not below MIN_WORKER_ROUND words per worker (nor past the first two rules), a floor that
    grows with workers x their learning rate past SUMMED_UPDATES: a row that no worker's round
    settles moves by the sum of the workers' updates, and too many summed diverge.
    Measured (skip-gram, 5 epochs; one process with one thread 36.4% / 0.617 on enwiki-t8,
    5.6% / 0.376 on the 2M-word demo corpus): 2 workers on enwiki-t8 at 524,288 (165 merges)
    36.0% / 0.618, on the demo corpus (20 merges) 3.9% / 0.320, at 65,536 5.7% / 0.372; 4
    workers at 524,288 / 262,144 / 131,072: enwiki-t8 34.3 / 34.8 / 35.2%, demo 1.1 / 2.1 /
    3.2% (5.0% at 32,768). With the kernels of 0.3 (one process 36.5%, mean of seeds 1-3), 16
    workers at 65,536 diverged in the first epoch; at 131,072 they scored 28.8% / 0.587, at
    262,144 25.8% / 0.542 (seed 1). 2 workers at 1,048,576: 35.6 / 35.6 / 35.0% (seeds 1-3;
    36.3 / 36.3 / 35.3% at 524,288), in 37-38 s instead of about 40. At twice the rate
    (`rate_scale`), seed 1: 8 workers at 8,192 words each 36.9% / 0.608, at 16,384 36.2% /
    0.602; 16 workers at 8,192 diverged in the first epoch, at 16,384 30.9% / 0.616."""
    interval = min(SYNC_WORDS, run_words / MIN_MERGES)
    halved = interval * min(1.0, 2 / max(workers, 1))
    least = MIN_WORKER_ROUND * max(1.0, workers * rate_scale(workers) / SUMMED_UPDATES)
    return max(1, int(max(halved, min(interval, least * workers))))


def round_pieces(sync_words: float, workers: int, threads: int,
                 chunk_words: list[list[int]]) -> tuple[int, int]:
    """How a worker's round is cut: (parts, pieces), each chunk trained as `parts` equal slices
    and a round being `pieces` of them, a whole number per thread. A round is the worker's
    share of sync_words (the staleness that matters is what the whole cluster trained since the
    last merge); a piece is a chunk, or a slice of one when the share is less than a chunk per
    thread, but no slice of fewer than MIN_SLICE_WORDS words: a word's window ends at its
    slice's edges, and slices of a 26-word chunk in 32 trained nothing at all. With one worker
    nothing is merged: a round only updates the driver's copy."""
    share = sync_words / workers if workers > 1 else SOLO_WORDS
    parts = min(max(1, round(CHUNK_IDS * threads / share)), MAX_PARTS)
    if threads > 1:  # a round waits for its last piece: many keep the threads busy to its
        # end, but a slice costs more than a whole chunk (1x2: 3% slower in quarters)
        needed = math.ceil(PIECES_PER_THREAD * threads * CHUNK_IDS / share)
        parts = max(parts, min(needed, BALANCE_PARTS))
    largest = max((words for shard in chunk_words for words in shard), default=0)
    parts = max(1, min(parts, largest // MIN_SLICE_WORDS))
    return parts, threads * max(1, round(share * parts / (CHUNK_IDS * threads)))


def _split_tail(pieces: list[tuple[int, int, int]], threads: int) -> list[tuple[int, int, int]]:
    """`pieces` with the last one of each thread cut in TAIL_PARTS slices, when there are more
    pieces than threads: a round ends when its last piece does, and the threads that finish
    first wait (1 x 2, whole chunks: 0.85 thread-seconds of 61 idle in 25 rounds). Pieces
    already smaller than a chunk / BALANCE_PARTS stay whole."""
    if threads < 2 or len(pieces) <= threads:
        return pieces
    tail = []
    for k, part, parts in pieces[-threads:]:
        if parts > BALANCE_PARTS:
            tail.append((k, part, parts))
        else:  # slice i of TAIL_PARTS of the piece: the same ids, read_chunk's rounding
            tail += [(k, part * TAIL_PARTS + i, parts * TAIL_PARTS) for i in range(TAIL_PARTS)]
    return pieces[:-threads] + tail


def _padded(values: list, length: int, dtype) -> np.ndarray:
    out = np.zeros(length, dtype=dtype)
    out[:len(values)] = values
    return out
