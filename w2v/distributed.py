"""Data-parallel training over corpus shards: each worker trains its own shard with the usual
kernels and threads, and the workers exchange what they changed every round (Ray-free; the
transport is `ray_backend`).

A run: the corpus is cut into one shard per worker (`shards.plan_shards`: byte ranges of the
decompressed text, read where it lies); each worker counts its shard and the counts are merged
into the vocabulary one process would build (`shards.merge_counts`); every worker then sets up
the same initial model from the same seed. Training goes in rounds: in each, every worker
trains its next chunks with the learning rate of its place in the global schedule and reports
its own changes to the rows (`own_changes`: its weights minus a base copy that also receives
what the others sent). The driver adds them up (`Merger`) and sends each worker the merged
change minus its own; with two workers, the other's result itself, untouched. The driver
queues each worker's next round before it merges the current one, so workers never wait for
a merge: a worker's round starts without the others' changes of the round before (Hogwild
threads in one process see each other's within microseconds).

Merging, measured on enwiki-t8 (skip-gram, ANCHORS.md settings, 5 epochs; one process with one
thread: analogy 36.4%, WordSim353 0.617; `scripts/bench_ray.py` has the current figures):
- The sum of the workers' changes is what Hogwild threads apply. With 2 workers and 262k words
  each per round it keeps single-process quality (36.2%, 0.618). With 4 it diverges (loss per
  prediction past 7 in the first epoch, at 131k or 262k words each): the rows every worker
  trains thousands of times a round (frequent words, and the output rows the negatives hit) are
  settled by each worker's own updates, so k settled changes summed overshoot k-fold. Capping a
  row's move at 3 times the workers' mean still diverges; at 2 times it does not.
- The issue's reference, averaging weighted by use, moves a row k workers share by 1/k of
  their progress: on the demo corpus (2 workers) analogy 1.5% and WordSim353 0.161 against 3.4%
  and 0.268 for the sum; with 4 workers, averaging the settled rows: 28.4%, 0.584.
- So a row's merge follows how settled it is (`Merger`, `saturation`): 4 workers of 131k words
  each, settled rows at 2 times the mean: 34.2% and 0.605 (at 1.5 times: 8 workers 17.2%, 0.518,
  against 23.7%, 0.559 at 2 times); a flat cap at 2 times the mean for every row: 34.1%, 0.594.
  Rounds matter more than the rule (4 workers, flat cap: 31.2% at 262k words each), and what
  counts is the words the whole cluster trains between merges, so `--sync-every` (default:
  `training_cluster.default_sync_words`) is split among the workers, a round being a slice of a
  chunk when a worker's share is smaller than a chunk per thread. 16 workers: 8.7% and 0.443 at
  131k words each (2M between merges), 19.4% and 0.539 at 32k each (524k). 4 workers at 65k each:
  35.0%, 0.604; at 32k: 35.4%, 0.602, but 102 s instead of 71. With 2 workers at 1M words each:
  34.1%.
- N-gram rows (subword models) are shared by many words, so every worker trains them all the
  time: summed, as the sum serves word rows for 2 workers, they oscillate (demo corpus, 2
  workers, 3 epochs: the loss rose in the third epoch; analogy 20.8%, WordSim353 0.089 against
  one process's 31.4%, 0.319). Capped at 1.0, 1.25, 1.5, 1.75 times the mean: 24.3% / 0.243,
  25.9% / 0.261, 26.9% / 0.271, 27.0% / 0.220; `NGRAM_OVERSHOOT` is 1.5.
- Neither the queueing nor the held-back small changes cost the 4 workers' quality: with a
  barrier per round, 34.1% and 0.609; sending every changed row, 34.2% and 0.602 (and 41 GB
  exchanged instead of 10).
- The rule's constants, 4 workers (34.3%, 0.596 as they are): `SETTLE_TOUCHES` 50: 33.7%,
  0.594; 12: 34.1%, 0.605; 6: 34.6%, 0.606. `OVERSHOOT` 1.5: 33.1%, 0.591; 2.5, or 3 for the
  input rows or the output rows alone: diverges; 1 with settling at 200 touches: 32.6%, 0.591.
  Settling scaled by the learning rate (rows settle slower as it falls): 32.9%, 0.579; by its
  inverse: 33.9%, 0.593. Halving `--sync-every`: 34.8%, 0.612 (35.2%, 0.603 at a quarter).
- With the kernels of 0.3 (draw-ahead; one process with one thread, seeds 1-3: 37.2%, 35.8%,
  36.4%), 4 workers scored 35.2%, 34.9%, 35.4%: 1.3 points under, a gap none of these closed.
  Merging every 16k words of each worker instead of 65k: 34.8% (seed 1). One epoch as a quick
  proxy (one process 11.1% / 11.8% with seeds 1 / 2, 4 workers 9.3% / 9.9%): sending every
  changed row, 9.2% / 9.8%; a barrier per round instead of the queued round, 9.6% / 10.1%,
  and with it settled rows at 2.5 or 3 times the mean 10.5% or 10.7% (4 times, or the sum:
  diverges); the mean alone (`OVERSHOOT` 1) 6.9%. Over 5 epochs the proxy misled: barrier and
  2.5 times, 34.1%; 3 times diverged in the first epoch. The sum diverges at 16k words too.
  An outer momentum on the mean (as SlowMo: settled rows move by the mean plus beta times
  their last merged move), beta 0.5 / 0.7: 34.0% / 34.0%; settled rows past the 1,000 most
  frequent words at 3 times the mean: 35.1%; past the 300 most frequent at 4 times:
  diverged (seed 1; 35.2% as it is).
- Where the 4 workers' gap lies (seed 1, 35.2% as it is): settled output rows at 1 or 1.5
  times the mean, 31.2% / 34.0% (past 2 they diverge); input rows at 1.5 times, 35.2%;
  output rows settling by their context alone (negatives not counted), 35.2%. A gain per row
  adapted at each merge as Rprop adapts its steps (times 1.2 while the row's merged changes
  keep their direction, times 0.5 when they turn; or 1.1 / 0.7): 19.6% / 20.4%, as many rows'
  merged changes turn from one merge to the next and slowing them costs far more than it
  steadies. The ten nearest neighbours (among 30k words) of words of every frequency, from
  the 300 most frequent to those ranked 10,000-30,000, share 0.03-0.07 fewer with one
  process's than two other seeds of one process do: no band of words holds the gap alone.

Only rows whose change reached `LEAST_CHANGE` (10%) of the row's norm travel; smaller ones stay
in the worker's weights minus its base and go in a later round, all of them in its last. With 2
workers this cut the rows exchanged from 22.9 to 5.1 GB and the run from 69.8 to 56.7 s, at
36.0% against 36.2% and the same WordSim353 (at 3%: 10.5 GB, 36.1%). A change travels as
bfloat16 (the top 16 bits of each float32, rounded): the base takes the rounded change, so what
rounding left out (at most 2**-8 of it) stays in live - base and goes later, and nothing drifts;
a worker's last round sends float32, so the driver ends with all of every worker's changes (to
float32 rounding: one worker with one thread ends within 3e-8 of the single-process result on
the demo corpus). With 2 workers (single runs, same machine, same hour): 5,112 -> 2,583 MiB
exchanged, training 49.0 -> 46.1 s, peak memory 721 -> 584 MB, 35.9% / 0.617 -> 36.1% / 0.618.
The `RoundResult.nbytes` of each round is rows x (2 x dim + 4) bytes up, and about the union of
the others' rows down.

A round scans only the input rows of the words its pieces hold (and their n-grams), the others
cannot have changed; any output row can be a negative, so those are all scanned. A worker's
last round scans everything.

Faults: the driver keeps the weights as of the last merge, so a worker that dies is replaced by
a fresh one that counts its shard again, receives those weights (which hold everything it had
been sent) and redoes its rounds in flight. Its changes not yet sent are lost, as are the small
ones each worker holds back when an interrupt saves a checkpoint.

Does not: import Ray, open network connections, or save files (see `training_cluster`).
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import distributed_kernels as kernels
from .checkpoint import Checkpoint
from .config import TrainConfig
from .corpus import EncodedCorpus
from .counting import INITIAL_IDS, LINE_BREAK, UNKNOWN
from .formats import VectorFile
from .model import Model, initial_model, vocabulary_for
from .sampling import keep_thresholds
from .shards import Shard, counter_tallies, merged_counter
from .tokenize import Tokenizer
from .training import ChunkTrainer
from .vocab import Vocabulary

LEAST_CHANGE = 0.1  # a row's change is sent once it reaches this share of the row's norm
SETTLE_TOUCHES = 25.0  # updates in a round that settle a row (see saturation)
MERGED_RATE = 2.0  # the learning rate, times the one asked, of workers whose merge averages
OVERSHOOT = 2.0  # a settled row moves by at most this many times the workers' mean (Merger)
NGRAM_OVERSHOOT = 1.5  # the same for n-gram rows, which many words share (merge_limits)
DIVERGED_LOSS = 5.0  # loss per prediction: log 2 = 0.69 at the start, far below when learning


@dataclasses.dataclass
class RoundResult:
    """What one worker's round changed: per matrix (ids, changes as bfloat16 bits; float32 in
    its last round), and its tallies."""

    changed: dict[str, tuple[np.ndarray, np.ndarray]]
    loss: float
    predictions: int
    words: int  # raw corpus words of the chunks trained

    @property
    def nbytes(self) -> int:
        return sum(ids.nbytes + rows.nbytes for ids, rows in self.changed.values())


Rows = dict  # matrix name -> (ids, rows to add): what a worker sends or is sent


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
        self.base: dict[str, np.ndarray] = {}  # the weights as of the last report (own_changes)
        self._warming = None  # warm_up_worker, while the driver merges the vocabulary
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
        # Numba's loading (warm_up_worker) competes with the reading for the cores; after it,
        # it fills the time the driver spends merging the vocabulary
        self._warming = self._pool.submit(warm_up_worker, self.config)
        return self.tallies, self.corpus.stats

    def setup(self, words: list[str], counts: np.ndarray) -> list[int]:
        """Take the merged vocabulary, build the same initial model as every other worker and
        the driver, and return the raw words of each of this shard's chunks."""
        if self._warming is not None:
            self._warming.result()
        vocab = Vocabulary(list(words), np.asarray(counts, dtype=np.int64))
        index = {w: i for i, w in enumerate(vocab.words)}
        remap = np.full(self.counter.provisional_size + 2, UNKNOWN, dtype=np.int32)
        remap[-1] = LINE_BREAK
        counted = np.flatnonzero(self.counter.counts > 0)  # the ids of self.tallies' words
        remap[counted] = [index.get(w, UNKNOWN) for w in self.tallies[0]]
        self.model = initial_model(vocab, self.config, None)
        self.chunks = ChunkTrainer(self.model, remap)
        self.base = {name: m.copy() for name, m in model_matrices(self.model).items()}
        return list(self.corpus.chunk_words)

    def load(self, matrices: dict[str, np.ndarray]) -> None:
        """Take the driver's weights (a replacement worker joining mid-run, or a resumed run)."""
        for name, mine in model_matrices(self.model).items():
            np.copyto(mine, matrices[name])
            np.copyto(self.base[name], matrices[name])

    def train_round(self, epoch: int, pieces: list[tuple[int, int, int]],
                    alphas: list[tuple[float, float]], news: list[Rows], last: bool = False,
                    *forwarded: RoundResult) -> RoundResult:
        """Add the rows the driver sent (`news`: the other workers' merged changes, or with two
        workers the other's own results, `forwarded` as they are), train `pieces` of this
        shard ((chunk, part, parts): a chunk or a slice of one; alphas: the learning rate at
        each one's start and end), and return this round's own changes: those large enough to
        be worth sending (`LEAST_CHANGE`), and in this worker's `last` round all that are
        left."""
        for rows in [*news, *(other.changed for other in forwarded)]:
            self.add(rows)
        seen = np.zeros(len(self.model.vocab), np.uint8)  # the words of this round's pieces
        jobs = [self._pool.submit(self._piece, epoch, piece, a, seen)
                for piece, a in zip(pieces, alphas)]
        results = [job.result() for job in jobs]
        least = 0.0 if last else LEAST_CHANGE
        # input rows change only for the words trained (and their n-grams): only those are
        # scanned, except in the last round; output rows are all scanned, since any can be a
        # negative. The last round's changes go exactly, so the driver ends with all of them.
        scan = {"inputs": None if last else self._input_rows(seen)}
        changed = {name: self._changes(m, self.base[name], least, scan.get(name), last)
                   for name, m in model_matrices(self.model).items() if len(m)}
        return RoundResult(changed, sum(r[0] for r in results), sum(r[1] for r in results),
                           sum(piece_words(self.corpus.chunk_words, *p) for p in pieces))

    def _piece(self, epoch: int, piece: tuple[int, int, int], alphas: tuple[float, float],
               seen: np.ndarray):
        k, part, parts = piece
        loss, predictions, _, _ = self.chunks.train(self.corpus, epoch, k, alphas[0], alphas[1],
                                                    np.zeros(1, np.uint8), part, parts, seen)
        return loss, predictions

    def _changes(self, live: np.ndarray, base: np.ndarray, least: float,
                 rows: np.ndarray | None, exact: bool) -> tuple[np.ndarray, np.ndarray]:
        """`own_changes`, the rows split among this worker's threads: the scan is serial
        between rounds and grows with the vocabulary (all 82k rows of a matrix: 12.4 ms on one
        thread, 7.9 ms on two)."""
        rows = np.arange(len(live), dtype=np.int64) if rows is None else rows
        parts = np.array_split(rows, self.config.threads)
        found = list(self._pool.map(lambda part: own_changes(live, base, least, part, exact),
                                    parts))
        if len(found) == 1:
            return found[0]
        return (np.concatenate([ids for ids, _ in found]),
                np.concatenate([changes for _, changes in found]))

    def _input_rows(self, seen: np.ndarray) -> np.ndarray:
        """The input rows of the words marked in `seen`: their own and their n-grams'."""
        words = np.flatnonzero(seen)
        if self.model.bags is None:
            return words
        offsets, bag_rows = self.model.bags
        rows = np.zeros(len(self.model.input_weights), np.uint8)
        kernels.mark_bags(words, offsets, bag_rows, rows)
        return np.flatnonzero(rows)

    def add(self, news: Rows) -> None:
        """Add rows of changes to the weights, and to the base: they are not this worker's."""
        matrices = model_matrices(self.model)
        for name, (ids, rows) in news.items():
            kernels.add_rows(matrices[name], ids, rows)
            kernels.add_rows(self.base[name], ids, rows)


def piece_words(chunk_words: list[int], k: int, part: int, parts: int) -> int:
    """The raw corpus words of part `part` of `parts` of chunk k (the parts add up)."""
    words = chunk_words[k]
    return words * (part + 1) // parts - words * part // parts


def own_changes(live: np.ndarray, base: np.ndarray, least: float = 0.0,
                rows: np.ndarray | None = None, exact: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """The rows (of `rows`, ascending; default all) where `live` moved away from `base` by at
    least `least` times the row's norm, and by how much: as bfloat16 bits (see
    `distributed_kernels`), or `exact`ly as float32. `base` catches up on those rows by what is
    sent, so what rounding left out stays in live - base and goes in a later round (as do
    changes below `least`)."""
    rows = np.arange(len(live), dtype=np.int64) if rows is None else np.asarray(rows, np.int64)
    ids = np.empty(len(rows), np.int32)
    changes = np.empty((len(rows), live.shape[1]), np.float32 if exact else np.uint16)
    n = kernels.take_changes(live, base, rows, ids, changes, least, exact)
    return ids[:n], changes[:n]  # fresh arrays: views are safe


class Merger:
    """The driver's side of a round: the weights as of the last merge, and what each worker must
    add to its own copy to hold them too.

    k workers changed a row, each from the same stale copy. If one worker's updates in a round
    cover a share s of the way to where the row settles (its `saturation`), the same updates
    applied one after another would cover 1 - (1 - s)^k, while their sum covers k s: the merge
    scales the sum by OVERSHOOT (1 - (1 - s)^k) / (k s), at most 1. A rarely trained row
    (s near 0) gets the sum, as Hogwild threads apply theirs; a settled one (s = 1) OVERSHOOT
    times the mean: past 2 times, settled rows oscillate and grow; at 2 they learn faster than
    at 1.5 (see the module doc). Two workers always get the sum: 2 (1 - (1 - s)^2) / (2 s) =
    2 - s. A worker has already applied its own change, so it is sent the merged change minus
    its own."""

    def __init__(self, current: dict[str, np.ndarray], saturated: dict[str, np.ndarray] | None
                 = None, limits: dict[str, np.ndarray] | None = None):
        self.current = current
        self.saturated = {name: np.zeros(len(m), np.float32) for name, m in current.items()}
        self.saturated.update(saturated or {})
        self.limits = {name: np.full(len(m), OVERSHOOT, np.float32)
                       for name, m in current.items()}
        self.limits.update(limits or {})
        # merge's scratch space, made on first use: `add` needs none
        self._total: dict[str, np.ndarray] = {}
        self._touched: dict[str, np.ndarray] = {}

    @property
    def sums_pairs(self) -> bool:
        """Whether a row two workers changed gets their sum (limits of 2 or more), so that with
        two workers `add` is the whole merge."""
        return all(float(lim.min(initial=2.0)) >= 2.0 for lim in self.limits.values())

    def add(self, results: list[RoundResult | None]) -> None:
        """The merge when it is the sum (`sums_pairs`, two workers: each worker can be sent the
        other's changes as they are) or when a lone worker has nothing to merge with."""
        for r in results:
            for name, (ids, rows) in (r.changed.items() if r is not None else ()):
                kernels.add_rows(self.current[name], ids, rows)

    def merge(self, results: list[RoundResult | None]) -> list[Rows]:
        """Add the round's changes (None: a worker without chunks this round) to the current
        weights; return each worker's news."""
        news: list[Rows] = [{} for _ in results]
        for name, current in self.current.items():
            parts = {w: (r.changed[name][0], kernels.as_float32(r.changed[name][1]))
                     for w, r in enumerate(results)
                     if r is not None and len(r.changed.get(name, ((), ()))[0])}
            if not parts:
                continue
            if name not in self._total:
                self._total[name] = np.zeros_like(current)
                self._touched[name] = np.zeros(len(current), np.int32)
            total, touched = self._total[name], self._touched[name]
            for ids, rows in parts.values():
                kernels.accumulate(ids, rows, total, touched)
            union = np.flatnonzero(touched).astype(np.int32)
            kernels.commit(union, touched, total, current, self.saturated[name], self.limits[name])
            for w in range(len(results)):
                ids, rows = kernels.news(union, touched, total, *parts.get(w, _NOTHING))
                if len(ids):
                    news[w][name] = (ids, rows)
            kernels.clear(union, touched, total)
        return news


_NOTHING = (np.zeros(0, np.int32), np.zeros((0, 0), np.float32))


def rate_scale(workers: int) -> float:
    """How many times the asked learning rate the workers train at: MERGED_RATE with more than
    two workers, whose merge moves the rows they all settle by a few times their mean change
    rather than the sum (see Merger), else 1. Measured, enwiki-t8, 5 epochs (one process 36.5%,
    0.599, the mean of seeds 1-3): 4 workers at the rate asked 35.1%, 0.605 (seeds 1-3); at
    1.4 / 1.8 / 2.2 times it 37.0 / 38.1 / 38.4% (seed 1; one process at 1.4 / 1.8 times:
    39.2 / 38.5%); at 2 times, settling at half the touches, 38.8%, 0.639 (seeds 1-3,
    `scripts/bench_ray.py` at 40e3e2a). 8 workers: 33.6%, 0.580 as asked; 1.4 times 34.7%; 2
    times diverges in the first epoch unless rows settle at half the touches (a touch moves a
    row twice as far): 36.2%, 0.602."""
    return MERGED_RATE if workers > 2 else 1.0


def saturation(model: Model, config: TrainConfig, round_words: int,
               settle: float = None, rate: float = 1.0) -> dict[str, np.ndarray]:
    """Per row, how far one worker's updates in a round of `round_words` corpus words settle it:
    1 - exp(-t rate / settle), with t the times the row is expected to be trained in the round
    (a word's kept occurrences times its window for its input row; those plus its share of the
    negatives for its output row) and `rate` the workers' learning rate over the one asked
    (`rate_scale`). Rows the counts cannot tell (n-gram rows, the hierarchical softmax's inner
    nodes) count as settled."""
    settle = (SETTLE_TOUCHES if settle is None else settle) / rate
    counts = model.vocab.counts.astype(np.float64)
    kept = counts * keep_thresholds(model.vocab.counts, config.sample) / 2.0**32
    occurrences = kept * round_words / max(counts.sum(), 1.0)
    context = occurrences * (config.window + 1)  # a reduced window averages (window + 1) / 2
    noise = counts ** 0.75
    negatives = occurrences.sum() * (config.window + 1) * config.negative * noise / noise.sum()
    out = {name: np.ones(len(m), np.float32) for name, m in model_matrices(model).items()}
    out["inputs"][:len(counts)] = 1.0 - np.exp(-context / settle)
    if config.negative:
        out["output"][:] = 1.0 - np.exp(-(context + negatives) / settle)
    return out


def merge_limits(model: Model) -> dict[str, np.ndarray]:
    """Per row, how many times the workers' mean change a settled row may move (see Merger):
    OVERSHOOT, but NGRAM_OVERSHOOT for n-gram rows, which many words share."""
    limits = {name: np.full(len(m), OVERSHOOT, np.float32)
              for name, m in model_matrices(model).items()}
    limits["inputs"][len(model.vocab):] = NGRAM_OVERSHOOT
    return limits


def warm_up_worker(config: TrainConfig) -> None:
    """A round of a worker on two words: Numba loads the compiled loops of training, reporting
    and taking in changes from its cache (0.3-0.6 s) while the driver merges the workers'
    counts, not in `setup` and the first round, while the others wait. (Started with the
    reading, it slowed the reading more than it saved: 2 workers on enwiki-t8, from Ray's start
    to the end of setup, 2.41-3.28 s with a median of 2.64 in 7 runs; 2.21-2.64, median 2.41,
    as it is. One worker, which has a core to spare while it reads: no change seen.)"""
    vocab = Vocabulary(["a", "b"], np.array([2, 1], np.int64))
    model = initial_model(vocab, dataclasses.replace(config, buckets=min(config.buckets, 8)),
                          None)
    trainer = ChunkTrainer(model, np.array([0, 1, LINE_BREAK], np.int32))  # as setup's remap
    seen = np.zeros(len(vocab), np.uint8)
    trainer.train(_FewIds(np.array([0, 1, 0, 1, LINE_BREAK], np.int32)), 0, 0, config.alpha,
                  config.alpha, np.zeros(1, np.uint8), 0, 1, seen)
    for live in model_matrices(model).values():
        base = np.zeros_like(live)
        for exact in (False, True):  # an earlier round, the last
            ids, changes = own_changes(live, base, LEAST_CHANGE, None, exact)
            for writable in (True, False):  # from a thread, from Ray
                ids.setflags(write=writable)
                changes.setflags(write=writable)
                kernels.add_rows(base, ids, changes)
    if model.bags is not None:
        kernels.mark_bags(np.flatnonzero(seen), *model.bags, np.zeros(len(model.input_weights),
                                                                     np.uint8))


class _FewIds:
    """A corpus of one short chunk, for warm_up_worker."""

    def __init__(self, ids: np.ndarray):
        self.ids = ids

    def read_chunk(self, k: int, buffer: np.ndarray, part: int = 0, parts: int = 1):
        buffer[:len(self.ids)] = self.ids
        return buffer[:len(self.ids)]


def warm_up(workers: int) -> None:
    """Call the driver's compiled loops once on a few numbers: Numba loads them from its cache
    (0.45 s in all, Numba's own start most of it) while the workers count, rather than
    between their counting and their setup."""
    words = [str(i) for i in range(INITIAL_IDS + 1)]  # as every vocabulary, outgrow the table
    merged_counter(words, np.ones(len(words), np.int64))
    results = []
    for writable in (True, False):  # results arrive read-only from Ray, writable from a thread
        ids, rows = np.zeros(1, np.int32), np.ones((1, 4), np.float32)
        for changes in (rows, kernels.to_bfloat16(rows)):  # a last round, an earlier one
            for array in (ids, changes):
                array.setflags(write=writable)
            results.append(RoundResult({"inputs": (ids, changes)}, 0.0, 0, 0))
    merger = Merger({"inputs": np.zeros((2, 4), np.float32)})
    merger.add(results)
    if workers > 2:  # the merge proper
        merger.merge(results)


def merged_vocabulary(tallies, config: TrainConfig,
                      given: tuple[list[str], np.ndarray] | None = None,
                      init: VectorFile | None = None, resume: Checkpoint | None = None):
    """The vocabulary and the counter behind it, from the workers' tallies in shard order, or
    from a `given` (words, counts) as a single process takes it (`--read-vocab`); with `init`
    or an --init run's `resume`, as `model.vocabulary_for` makes it."""
    from .shards import merge_counts

    words, counts = given if given is not None else merge_counts(tallies)
    counter = merged_counter(words, counts)
    vocab, _ = vocabulary_for(counter, config, init, resume)
    return vocab, counter
