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
from collections.abc import Iterator

import numpy as np
from tqdm import tqdm

from .checkpoint import Checkpoint, Progress, save_checkpoint
from .config import TrainConfig
from .corpus import CHUNK_IDS, CorpusStats
from .distributed import DIVERGED_LOSS, merge, merged_vocabulary, model_matrices
from .errors import ConfigError, TrainingDiverged, TrainingInterrupted
from .interrupts import Terminated, exit_status
from .model import Model, check_vocabulary, initial_model, resumed_model
from .report import EpochReport, TrainingReport
from .scheduler import AbortNow
from .shards import plan_shards

SYNC_WORDS = 262_144  # words each worker trains between merges, by default


def train_on_cluster(corpus_paths: list[str], config: TrainConfig, *, address: str | None,
                     workers: int, progress: bool = True, checkpoint_path: str | None = None,
                     resume: Checkpoint | None = None, output_path: str | None = None,
                     sync_words: int = SYNC_WORDS) -> Model:
    """Train on `workers` Ray workers, each with `config.threads` threads, merging their
    weights every `sync_words` words of each (see module doc)."""
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
                return _Run(cluster, plans, paths, config, progress, checkpoint_path,
                            output_path, started, sync_words).run(resume)
            except AbortNow:
                raise
            except (KeyboardInterrupt, Terminated) as exc:
                raise TrainingInterrupted("interrupted before training started; nothing was "
                                          "saved", exit_status(exc)) from None
    finally:
        cluster.close()


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


def _log(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr)


class _Run:
    def __init__(self, cluster, plans, paths, config, progress, checkpoint_path, output_path,
                 started, sync_words):
        self.sync_words = sync_words
        self.cluster, self.plans, self.paths, self.config = cluster, plans, paths, config
        self.progress, self.checkpoint_path, self.output_path = progress, checkpoint_path, \
            output_path
        self.started = started
        self.bytes_sent = 0

    def run(self, resume: Checkpoint | None) -> Model:
        cfg, cluster = self.config, self.cluster
        cluster.start(self.plans, cfg)
        counted = cluster.call("count", [() for _ in self.plans])
        stats = CorpusStats(files=len(self.paths), paths=list(self.paths))
        for _, part in counted:
            stats.lines += part.lines
            stats.words += part.words
            stats.invalid_utf8 += part.invalid_utf8
        vocab, counter = merged_vocabulary([tallies for tallies, _ in counted], cfg)
        check_vocabulary(stats, counter, vocab, cfg)
        report = TrainingReport(stats, len(vocab), read_seconds=time.perf_counter() - self.started)
        _log(self.progress, f"read {stats.words:,} words in {stats.lines:,} lines in "
             f"{report.read_seconds:.2f} s on {len(self.plans)} workers; vocabulary "
             f"{len(vocab):,} words with count >= {cfg.min_count}")
        if resume is not None:
            self._check_resume(resume)
            self.model = resumed_model(resume, vocab, cfg, report)
        else:
            self.model = initial_model(vocab, cfg, report)
        setup_args = [(vocab.words, vocab.counts) for _ in self.plans]
        self.chunk_words = cluster.call("setup", setup_args, recover=self._recover_counting)
        if resume is not None:
            cluster.call("load", [(model_matrices(self.model),) for _ in self.plans])
        self.stats = stats
        self._train(resume.progress if resume else Progress())
        return self.model

    # ------------------------------------------------------------ rounds

    def _train(self, start: Progress) -> None:
        cfg = self.config
        # chunks per worker and round: a whole number per thread, about sync_words words
        per_round = cfg.threads * max(1, round(self.sync_words / (CHUNK_IDS * cfg.threads)))
        self.per_round = per_round
        self.rounds = max(math.ceil(len(c) / per_round) for c in self.chunk_words)
        shard_words = [sum(c) for c in self.chunk_words]
        total = sum(shard_words) * cfg.epochs
        self.epoch_loss = _padded(start.epoch_loss, cfg.epochs, np.float64)
        self.epoch_predictions = _padded(start.epoch_predictions, cfg.epochs, np.int64)
        self.epoch_words = _padded(start.epoch_words, cfg.epochs, np.int64)
        done = int(self.epoch_words.sum())
        self.epoch_seconds = np.zeros(cfg.epochs, dtype=np.float64)  # of this run's epochs
        _log(self.progress, f"training {cfg.arch}: {cfg.epochs} epochs of {self.stats.words:,} "
             f"words on {len(self.plans)} workers x {cfg.threads} threads, merging every "
             f"{per_round * CHUNK_IDS:,} words of each")
        bar = tqdm(total=total, initial=done, desc=f"training {cfg.arch}", unit=" words",
                   unit_scale=True, file=sys.stderr, smoothing=0.1,
                   disable=None if self.progress else True, mininterval=0.5)
        began = time.perf_counter()
        for_worker: list[dict] = [{} for _ in self.plans]
        job = start.next_job
        try:
            while job < cfg.epochs * self.rounds:
                epoch, r = divmod(job, self.rounds)
                args = []
                for w, words in enumerate(self.chunk_words):
                    chunks = list(range(r * per_round, min((r + 1) * per_round, len(words))))
                    if not chunks:
                        args.append(None)
                        continue
                    before = np.concatenate([[0], np.cumsum(words)])
                    alphas = [(self._alpha(epoch, before[k], shard_words[w]),
                               self._alpha(epoch, before[k + 1], shard_words[w]))
                              for k in chunks]
                    args.append((epoch, chunks, alphas, for_worker[w]))
                answered = self.cluster.call("train_round", args, recover=self._recover)
                results = [res for res in answered if res is not None]
                loss = sum(res.loss for res in results)
                per = loss / max(sum(res.predictions for res in results), 1)
                if not math.isfinite(loss) or per > DIVERGED_LOSS:
                    raise TrainingDiverged(
                        f"training diverged in epoch {epoch + 1}: the loss per prediction "
                        f"became {per:.3g}; the merged updates of {len(self.plans)} workers "
                        f"overshoot (more than 2 do, see w2v/distributed.py): use fewer "
                        f"workers, a smaller --sync-every or a smaller --alpha")
                matrices = model_matrices(self.model)
                merged = merge(results, matrices)  # the sum of the workers' changes
                for name, (ids, rows) in merged.items():
                    matrices[name][ids] = rows
                for_worker = [_news_for(res, answered, merged) if res is not None
                              else _later(for_worker[w], merged)  # not called: keep it all
                              for w, res in enumerate(answered)]
                self.bytes_sent += sum(res.nbytes for res in results) + sum(
                    ids.nbytes + rows.nbytes for news in for_worker for ids, rows in news.values())
                words = sum(res.words for res in results)
                self.epoch_loss[epoch] += loss
                self.epoch_predictions[epoch] += sum(res.predictions for res in results)
                self.epoch_words[epoch] += words
                job += 1
                bar.update(words)
                predictions = max(sum(res.predictions for res in results), 1)
                bar.set_postfix_str(f"lr={self._alpha(epoch, r + 1, self.rounds):.6f} "
                                    f"loss={loss / predictions:.4f}", refresh=False)
                if r == self.rounds - 1:
                    elapsed = time.perf_counter() - began
                    self.epoch_seconds[epoch] = elapsed - self.epoch_seconds.sum()
                    self._log_epoch(bar, epoch, elapsed)
        except AbortNow:
            raise
        except (KeyboardInterrupt, Terminated) as exc:
            bar.close()
            raise self._interrupted(job, exit_status(exc)) from None
        bar.close()
        seconds = time.perf_counter() - began
        report = self.model.report
        report.train_seconds = start.train_seconds + seconds
        for e in range(cfg.epochs):
            report.epochs.append(EpochReport(e + 1, float(self.epoch_loss[e]),
                                             int(self.epoch_predictions[e]),
                                             int(self.epoch_words[e]),
                                             float(self.epoch_seconds[e])))
        trained = int(self.epoch_words.sum()) - sum(start.epoch_words)
        _log(self.progress, f"trained {trained:,} words in {seconds:.1f} s "
             f"({trained / max(seconds, 1e-9):,.0f} words/s); {self.bytes_sent / 2**20:,.0f} MiB "
             f"of rows exchanged"
             + (f"; workers replaced: {self.cluster.replaced}" if self.cluster.replaced else ""))

    def _alpha(self, epoch: int, words_before: int, shard_words: int) -> float:
        """The learning rate where this worker's shard stands in the global schedule: with
        shards of equal size, every worker is at the same share of the run in each round."""
        cfg = self.config
        share = (epoch * shard_words + words_before) / max(cfg.epochs * shard_words, 1)
        return cfg.alpha - (cfg.alpha - cfg.min_alpha) * min(share, 1.0)

    def _log_epoch(self, bar, epoch: int, elapsed: float) -> None:
        if self.progress:
            mean = self.epoch_loss[epoch] / max(self.epoch_predictions[epoch], 1)
            speed = self.epoch_words[:epoch + 1].sum() / max(elapsed, 1e-9)
            bar.write(f"epoch {epoch + 1}: loss {self.epoch_loss[epoch]:.6g} ({mean:.4f} per "
                      f"prediction), {speed:,.0f} words/s", file=sys.stderr)

    # ------------------------------------------------------------ faults and interrupts

    def _recover_counting(self, w: int) -> None:
        self._on_worker(w, "count", ())

    def _recover(self, w: int) -> None:
        """A replacement worker: count its shard again, take the vocabulary and the driver's
        weights (as of the last merged round)."""
        _log(self.progress, f"worker {w + 1} died; a new one redoes its part of the round")
        vocab = self.model.vocab
        self._on_worker(w, "count", ())
        self._on_worker(w, "setup", (vocab.words, vocab.counts))
        self._on_worker(w, "load", (model_matrices(self.model),))

    def _on_worker(self, w: int, method: str, args: tuple) -> None:
        self.cluster.call(method, [args if k == w else None for k in range(len(self.plans))])

    def _check_resume(self, resume: Checkpoint) -> None:
        saved = resume.corpus.get("workers")
        if saved != len(self.plans):
            raise ConfigError(f"this checkpoint was made with --workers {saved}; resume it with "
                              f"--workers {saved}")

    def _interrupted(self, job: int, code: int) -> TrainingInterrupted:
        total = self.config.epochs * self.rounds
        if not self.checkpoint_path:
            return TrainingInterrupted(f"interrupted at {job / total:.0%}; nothing was saved", code)
        state = Progress(job, self.epoch_loss.tolist(), self.epoch_predictions.tolist(),
                         self.epoch_words.tolist(), time.perf_counter() - self.started)
        corpus = {**dataclasses.asdict(self.stats), "workers": len(self.plans)}
        save_checkpoint(self.checkpoint_path, self.model, self.config.to_dict(), corpus,
                        self.output_path, state)
        return TrainingInterrupted(
            f"interrupted at {job / total:.0%}; checkpoint saved to {self.checkpoint_path}; "
            f"resume with: w2v train --resume {shlex.quote(self.checkpoint_path)} --ray "
            f"--workers {len(self.plans)}", code)


def _news_for(mine, answered: list, merged: dict) -> dict:
    """The merged rows worker `mine` does not already hold: those another worker changed too
    (a row only it changed is merged to its own value)."""
    news = {}
    for name, (ids, rows) in merged.items():
        others = [r.changed[name][0] for r in answered
                  if r is not None and r is not mine and name in r.changed]
        if mine is None or name not in mine.changed:
            news[name] = (ids, rows)
            continue
        keep = ~np.isin(ids, mine.changed[name][0], assume_unique=True)
        if others:
            keep |= np.isin(ids, np.concatenate(others))
        news[name] = (ids[keep], rows[keep])
    return news


def _later(earlier: dict, later: dict) -> dict:
    """Two sets of merged rows as one, the later value of a row winning."""
    combined = dict(earlier)
    for name, (ids, rows) in later.items():
        if name not in combined:
            combined[name] = (ids, rows)
            continue
        all_ids = np.concatenate([combined[name][0], ids])
        all_rows = np.concatenate([combined[name][1], rows])
        # the last occurrence of each id: unique over the reversed order
        _, first = np.unique(all_ids[::-1], return_index=True)
        pick = len(all_ids) - 1 - first
        combined[name] = (all_ids[pick], all_rows[pick])
    return combined


def _padded(values: list, length: int, dtype) -> np.ndarray:
    out = np.zeros(length, dtype=dtype)
    out[:len(values)] = values
    return out
