"""Data-parallel training over corpus shards: each worker trains its own shard with the usual
kernels and threads, and the workers' weights are merged every round (Ray-free; the transport is
`ray_backend`).

A run: the corpus is cut into one shard per worker (`shards.plan_shards`: byte ranges of the
decompressed text, read where it lies); each worker counts its shard and the counts are merged
into the vocabulary one process would build (`shards.merge_counts`); every worker then sets up
the same initial model from the same seed. Training goes in rounds: in each, every worker
trains its next chunks (`sync_words` words, a whole number of 131k-word chunks per thread) with
the learning rate of its place in the global schedule, and reports the rows it changed. The
driver merges them into the weights of the last round: each changed row gets the sum of all
workers' changes to it, as if their updates had been applied one after another, which is what
Hogwild threads in one process do (with more staleness). The merged rows go back to every
worker, so after each round all hold the same weights as the driver.

The issue's reference scheme, averaging the workers' versions of a row weighted by how often
each used it (this module's first version), measured worse: on the demo corpus (2 workers,
dim 50, 4 epochs, 524k words between merges) analogy 1.5% and WordSim353 0.161 against 3.4%
and 0.268 for the sum, and 4.2% / 0.316 for one process. An average moves a row shared by N workers
by 1/N of their progress: frequent words, which every worker trains, learn N times slower.
Spark's old bug was the other extreme, summing the weights themselves (SPARK-24666).

Neither scales past two workers yet. With 4 workers the sum diverges: on enwiki-t8 (262k
words between merges) the loss per prediction was 7e9 after the first epoch; on the demo
corpus also at 131k words. The rows of frequent words (every worker's negatives hit them
thousands of times a round) get N large changes computed from the same stale row, and their
sum overshoots. Averaging stays finite but learns little (demo, 4 workers: analogy 0.3%);
dividing the sum by the square root of the number of workers that changed a row: 1.0%. The
driver therefore stops a run whose loss per prediction passes `DIVERGED_LOSS` with a message
that says so, instead of training on.

Only changed rows travel: per worker and round, about (rows changed) x (4 x dim + 8) bytes up
and the union of those rows down (`RoundResult.nbytes`).

Faults: the driver keeps the weights as of the last merged round, so a worker that dies is
replaced by a fresh one that counts its shard again, receives those weights and redoes its part
of the round; the round's merge then goes on as if nothing happened.

Does not: import Ray, open network connections, or save files (see `training_cluster`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .config import TrainConfig
from .corpus import EncodedCorpus
from .counting import LINE_BREAK, UNKNOWN
from .model import Model, initial_model
from .shards import Shard, counter_tallies, merged_counter
from .tokenize import Tokenizer
from .training import ChunkTrainer
from .vocab import Vocabulary

MATRICES = ("inputs", "output", "output_hs")
DIVERGED_LOSS = 5.0  # loss per prediction: log 2 = 0.69 at the start, far below when learning


@dataclass
class RoundResult:
    """What one worker's round changed: per matrix (ids, rows), and its tallies."""

    changed: dict[str, tuple[np.ndarray, np.ndarray]]
    loss: float
    predictions: int
    words: int  # raw corpus words of the chunks trained

    @property
    def nbytes(self) -> int:
        return sum(ids.nbytes + rows.nbytes for ids, rows in self.changed.values())


def model_matrices(model: Model) -> dict[str, np.ndarray]:
    """The weight matrices a round can change, by name."""
    return {"inputs": model.input_weights, "output": model.output, "output_hs": model.output_hs}


class ShardTrainer:
    """One worker's part: its shard encoded once, a full copy of the weights, and rounds of
    training on its chunks with `config.threads` threads (the kernels release the GIL)."""

    def __init__(self, shard: list[Shard], config: TrainConfig):
        self.shard, self.config = shard, config
        self.corpus: EncodedCorpus | None = None
        self.counter = None
        self.model: Model | None = None
        self._pool = ThreadPoolExecutor(max_workers=config.threads)

    def pid(self) -> int:
        return os.getpid()

    def close(self) -> None:
        """Remove the shard's token file and stop the threads."""
        if self.corpus is not None:
            self.corpus.close()
        self._pool.shutdown()

    def count(self):
        """Encode the shard and return its word tallies (for `shards.merge_counts`)."""
        from .counting import WordCounter

        self.counter = WordCounter()
        tokenizer = Tokenizer(self.config.lowercase, self.config.strip_punctuation,
                              self.config.normalization)
        self.corpus = EncodedCorpus.encode(self.shard, tokenizer, self.counter)
        self.tallies = counter_tallies(self.counter)
        return self.tallies, self.corpus.stats

    def setup(self, words: list[str], counts: np.ndarray) -> list[int]:
        """Take the merged vocabulary, build the same initial model as every other worker and
        the driver, and return the raw words of each of this shard's chunks."""
        vocab = Vocabulary(list(words), np.asarray(counts, dtype=np.int64))
        index = {w: i for i, w in enumerate(vocab.words)}
        remap = np.full(self.counter.provisional_size + 2, UNKNOWN, dtype=np.int32)
        remap[-1] = LINE_BREAK
        counted = np.flatnonzero(self.counter.counts > 0)  # the ids of self.tallies' words
        remap[counted] = [index.get(w, UNKNOWN) for w in self.tallies[0]]
        self.model = initial_model(vocab, self.config, None)
        self.chunks = ChunkTrainer(self.model, remap)
        return list(self.corpus.chunk_words)

    def load(self, matrices: dict[str, np.ndarray]) -> None:
        """Take the driver's weights (a replacement worker joining mid-run)."""
        for name, mine in model_matrices(self.model).items():
            np.copyto(mine, matrices[name])

    def train_round(self, epoch: int, chunks: list[int], alphas: list[tuple[float, float]],
                    merged: dict) -> RoundResult:
        """Take the previous round's `merged` rows, train `chunks` of this shard (alphas: the
        learning rate at each one's start and end), and return the rows that changed."""
        self.apply(merged)
        matrices = model_matrices(self.model)
        before = {name: m.copy() for name, m in matrices.items() if len(m)}
        jobs = [self._pool.submit(self._chunk, epoch, k, a) for k, a in zip(chunks, alphas)]
        results = [job.result() for job in jobs]
        changed = {}
        for name, old in before.items():
            new = matrices[name]
            ids = np.flatnonzero((new != old).any(axis=1)).astype(np.int32)
            changed[name] = (ids, new[ids])
        return RoundResult(changed, sum(r[0] for r in results), sum(r[1] for r in results),
                           sum(self.corpus.chunk_words[k] for k in chunks))

    def _chunk(self, epoch: int, k: int, alphas: tuple[float, float]):
        loss, predictions, _, _ = self.chunks.train(self.corpus, epoch, k, alphas[0], alphas[1],
                                                    np.zeros(1, np.uint8))
        return loss, predictions

    def apply(self, merged: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Take the merged rows of the round."""
        matrices = model_matrices(self.model)
        for name, (ids, rows) in merged.items():
            matrices[name][ids] = rows


def merge(results: list[RoundResult], current: dict[str, np.ndarray]
          ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each changed row as it was (`current`, the weights of the last merge) plus the sum of
    every worker's change to it, as if their updates had been applied one after another (as
    Hogwild threads apply theirs)."""
    merged = {}
    for name in MATRICES:
        parts = [r.changed[name] for r in results if name in r.changed and len(r.changed[name][0])]
        if len(parts) == 1:  # one worker changed these rows: its values
            merged[name] = parts[0]
            continue
        if not parts:
            continue
        ids = np.concatenate([p[0] for p in parts])
        rows = np.concatenate([p[1] for p in parts])
        order = np.argsort(ids, kind="stable")
        ids, rows = ids[order], rows[order]
        starts = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))
        rows -= current[name][ids]  # each worker's change to its rows...
        summed = np.add.reduceat(rows, starts)
        summed += current[name][ids[starts]]  # ...added to the row as it was
        merged[name] = (ids[starts], summed)
    return merged


def merged_vocabulary(tallies, config: TrainConfig):
    """The vocabulary and the counter behind it, from the workers' tallies in shard order."""
    from .shards import merge_counts

    words, counts = merge_counts(tallies)
    counter = merged_counter(words, counts)
    vocab, _ = Vocabulary.from_counter(counter, config.min_count, config.max_final_vocab,
                                       config.sorted_vocab)
    return vocab, counter
