"""Word counts, the vocabulary kept for training, and the sampling tables derived from it.

`WordCounter` assigns every distinct word a provisional id in order of first appearance and counts
it, pruning rare words when `max_vocab_size` is exceeded. `Vocabulary` keeps the words reaching
`min_count`, sorted by descending count; among equal counts the word first seen last comes first,
exactly as gensim 4 orders them, so the order is deterministic and matches gensim's.

Pruning rule (word2vec.c's ReduceVocab and gensim's prune_vocab): whenever more than
`max_vocab_size` distinct words are held, every word seen at most `threshold` times so far is
dropped and `threshold` grows by one (it starts at 1). A dropped word that appears again starts a
fresh count under a new provisional id; its earlier occurrences train as unknown words.

Does not: read files or tokenize (see `tokenize`), or touch model weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNKNOWN = -2  # provisional id remapped for a word outside the vocabulary
LINE_BREAK = -1  # provisional id marking the end of a line in an encoded corpus


class WordCounter:
    """Provisional ids and counts for every word seen so far, from normalised bytes.

    The hashing runs in a JIT kernel (`hashing.encode`, about 20 ns a token) that releases the
    GIL, so counting overlaps with decompression in another thread.
    """

    def __init__(self, max_vocab_size: int | None = None):
        self.max_vocab_size = max_vocab_size
        self.prune_threshold = 1
        self.pruned_words = 0
        self._slots = np.full(1 << 16, -1, dtype=np.int32)
        self._hashes = np.zeros(1 << 15, dtype=np.uint64)
        self._starts = np.zeros(1 << 15, dtype=np.int64)
        self._lengths = np.zeros(1 << 15, dtype=np.int32)
        self._counts = np.zeros(1 << 15, dtype=np.int64)
        self._arena = np.zeros(1 << 20, dtype=np.uint8)
        self._alive = np.zeros(1 << 15, dtype=np.bool_)
        self._sizes = np.zeros(2, dtype=np.int64)  # words, arena bytes used

    def encode(self, data: bytes) -> np.ndarray:
        """Provisional ids (int32, LINE_BREAK for each b'\\n') of the tokens in `data`."""
        from . import hashing

        buf = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(len(buf) + 1, dtype=np.int32)
        pos = n_out = 0
        while True:
            pos, n_out, status = hashing.encode(buf, pos, out, n_out, self.lookup_table(),
                                                self._counts, self._sizes)
            if status == hashing.DONE:
                break
            self._grow(len(buf) - pos)
        n = self.provisional_size
        self._alive[:n] |= self._counts[:n] > 0
        if self.max_vocab_size is not None:
            while self.distinct_words > self.max_vocab_size:
                self._prune()
        return out[:n_out]

    def seed(self, words: list[str]) -> None:
        """Give `words` the provisional ids 0, 1, ... (with no count yet), as a given
        vocabulary; ValueError names a word listed twice or one with whitespace."""
        for word in words:
            if not word or any(ch.isspace() for ch in word):
                raise ValueError(f"{word!r} is not a single word")
        ids = self.encode(" ".join(words).encode("utf-8"))
        if len(ids) != len(words) or (ids != np.arange(len(words))).any():
            first = next(i for i, k in enumerate(ids) if k != i)
            raise ValueError(f"'{words[first]}' is listed twice")
        self._counts[:len(words)] = 0

    def use_counts(self, counts: np.ndarray) -> None:
        """Replace the counts by those of a given vocabulary (the seeded words); every other
        word gets count 0 and so stays out of the vocabulary."""
        n = self.provisional_size
        self._counts[:len(counts)] = counts
        self._counts[len(counts):n] = 0

    def _grow(self, pending_bytes: int) -> None:
        from . import hashing

        n, used = (int(x) for x in self._sizes)
        self._alive[:n] |= self._counts[:n] > 0  # words new in this block are alive too
        if n + 1 > len(self._hashes) or 2 * (n + 1) > len(self._slots):
            size = 2 * len(self._hashes)
            for name in ("_hashes", "_starts", "_lengths", "_counts", "_alive"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[:len(old)] = old
                setattr(self, name, grown)
            self._slots = np.full(2 * size, -1, dtype=np.int32)
            hashing.rebuild(self._slots, self._hashes[:n], self._alive[:n])
        if used + pending_bytes > len(self._arena):
            grown = np.zeros(max(2 * len(self._arena), used + pending_bytes), dtype=np.uint8)
            grown[:used] = self._arena[:used]
            self._arena = grown

    def _prune(self) -> None:
        from . import hashing

        n = self.provisional_size
        doomed = self._alive[:n] & (self._counts[:n] <= self.prune_threshold)
        self.pruned_words += int(doomed.sum())
        self._alive[:n] &= ~doomed
        self._counts[:n][doomed] = 0
        hashing.rebuild(self._slots, self._hashes[:n], self._alive[:n])
        self._sizes[1] = hashing.compact(self._arena, self._starts[:n], self._lengths[:n],
                                         self._alive[:n])
        self.prune_threshold += 1

    def lookup_table(self) -> tuple:
        """The hash table arrays, for JIT loops that look words up (see hashing.encode)."""
        return (self._slots, self._hashes, self._starts, self._lengths, self._arena)

    @property
    def provisional_size(self) -> int:
        return int(self._sizes[0])

    @property
    def distinct_words(self) -> int:
        """Words currently counted (pruned ones excluded)."""
        return int(self._alive[:self.provisional_size].sum())

    @property
    def counts(self) -> np.ndarray:
        """Count by provisional id (0 for pruned words)."""
        return self._counts[:self.provisional_size]

    def word(self, i: int) -> str:
        start = int(self._starts[i])
        return bytes(self._arena[start:start + int(self._lengths[i])]).decode("utf-8",
                                                                            errors="replace")


@dataclass
class Vocabulary:
    """The training vocabulary: words by descending count, and their counts."""

    words: list[str]
    counts: np.ndarray  # int64, same order as words

    def __len__(self) -> int:
        return len(self.words)

    @property
    def total(self) -> int:
        """Occurrences of vocabulary words in the corpus."""
        return int(self.counts.sum())

    @classmethod
    def from_counter(cls, counter: WordCounter, min_count: int,
                     max_final_vocab: int | None = None,
                     sorted_vocab: bool = True) -> tuple[Vocabulary, np.ndarray]:
        """Keep the words reaching `min_count`; return the vocabulary and the id remap array.

        `remap[provisional_id]` is the final id or UNKNOWN; its last element is LINE_BREAK so
        that indexing it with an encoded corpus (where LINE_BREAK is -1) keeps line breaks.
        With `max_final_vocab`, min_count rises to one more than the count of the first word
        past that many (gensim's rule, so ties at the cut all go).
        """
        n = counter.provisional_size
        counts = counter.counts[:n]
        if max_final_vocab is not None and max_final_vocab < np.count_nonzero(counts):
            nth = np.partition(counts, n - 1 - max_final_vocab)[n - 1 - max_final_vocab]
            min_count = max(min_count, int(nth) + 1)
        kept = np.flatnonzero(counts >= min_count)
        order = _by_count(kept, counts) if sorted_vocab else kept
        remap = _unknown_remap(n)
        remap[order] = np.arange(len(order), dtype=np.int32)
        words = [counter.word(i) for i in order]
        return cls(words, counts[order].copy()), remap

    @classmethod
    def extend(cls, words: list[str], counts: np.ndarray, counter: WordCounter,
               min_count: int) -> tuple[Vocabulary, np.ndarray]:
        """An existing vocabulary plus the new words of `counter` reaching `min_count`.

        Existing words keep their ids and add their new counts, whatever those are; new words
        follow, in the usual order. Returns the vocabulary and the remap array as from_counter.
        """
        index = {w: i for i, w in enumerate(words)}
        merged = np.array(counts, dtype=np.int64)
        new_counts = counter.counts
        remap = _unknown_remap(len(new_counts))
        fresh = []
        for pid in np.flatnonzero(new_counts):
            word = counter.word(pid)
            if word in index:
                remap[pid] = index[word]
                merged[index[word]] += new_counts[pid]
            elif new_counts[pid] >= min_count:
                fresh.append(pid)
        fresh = _by_count(np.array(fresh, dtype=np.int64), new_counts)
        remap[fresh] = np.arange(len(words), len(words) + len(fresh), dtype=np.int32)
        vocab = cls(list(words) + [counter.word(i) for i in fresh],
                    np.concatenate([merged, new_counts[fresh]]))
        return vocab, remap

    def keep_thresholds(self, sample: float) -> np.ndarray:
        """Per word, the probability of keeping one occurrence, scaled to uint32 (2**32 - 1 = 1).

        word2vec.c's formula: keep = (sqrt(f / (s * T)) + 1) * (s * T) / f, with f the word's
        count and T the total count; values above 1 mean always keep.
        """
        if sample <= 0:
            return np.full(len(self), np.iinfo(np.uint32).max, dtype=np.uint32)
        f = self.counts.astype(np.float64)
        threshold = sample * self.total
        keep = (np.sqrt(f / threshold) + 1.0) * threshold / f
        return np.round(np.minimum(keep, 1.0) * np.iinfo(np.uint32).max).astype(np.uint32)

    def negative_table(self, exponent: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
        """Alias tables (Walker/Vose) for drawing negatives with probability ~ count**exponent.

        Returns (threshold uint32, alias int32): draw a uniform slot i and a uniform 32-bit r;
        the sample is i if r < threshold[i] else alias[i]. O(1) per draw and exact, unlike
        word2vec.c's 1e8-entry table that rounds rare words' shares.
        """
        return alias_table(self.counts.astype(np.float64) ** exponent)


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias method over `weights` (not necessarily normalised)."""
    n = len(weights)
    scaled = weights * (n / weights.sum())
    alias = np.arange(n, dtype=np.int32)
    prob = np.ones(n, dtype=np.float64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    top = np.iinfo(np.uint32).max
    threshold = np.minimum(np.round(prob * 2.0**32), top).astype(np.uint32)
    threshold[prob >= 1.0] = top
    return threshold, alias


def _by_count(ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Provisional `ids` (in order of first appearance) by descending count.

    Ties: the word first seen last comes first, which is the order gensim 4 produces (argsort of
    the counts, reversed), so vocabularies, truncations and evaluations restricted to the N most
    frequent words match gensim's word for word.
    """
    reversed_ids = ids[::-1]
    return reversed_ids[np.argsort(-counts[reversed_ids], kind="stable")]


def _unknown_remap(n: int) -> np.ndarray:
    """A remap array for n provisional ids, all UNKNOWN, whose last element is LINE_BREAK."""
    remap = np.full(n + 1, UNKNOWN, dtype=np.int32)
    remap[-1] = LINE_BREAK
    return remap


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """word2vec.c's Huffman tree over `counts`, for hierarchical softmax.

    Returns (points, labels, lengths): for word w, points[w, :lengths[w]] are the inner nodes
    (rows of the hierarchical-softmax output matrix, root first) on its path and
    labels[w, :lengths[w]] are 1 - code bit, the targets of the sigmoid at each node.
    """
    n = len(counts)
    order = np.argsort(-np.asarray(counts), kind="stable")  # the construction needs it sorted
    # plain lists: this loop is sequential, and list indexing is far faster than numpy's
    count = np.asarray(counts, dtype=np.float64)[order].tolist() + [float("inf")] * max(n - 1, 0)
    parent_list = [0] * (2 * n)
    bit_list = [0] * (2 * n)
    low, high = n - 1, n  # rarest leaf not yet merged; oldest inner node not yet merged
    for a in range(n - 1):  # merge the two rarest nodes, as word2vec.c's CreateBinaryTree
        if low >= 0 and count[low] < count[high]:
            first, low = low, low - 1
        else:
            first, high = high, high + 1
        if low >= 0 and count[low] < count[high]:
            second, low = low, low - 1
        else:
            second, high = high, high + 1
        count[n + a] = count[first] + count[second]
        parent_list[first] = parent_list[second] = n + a
        bit_list[second] = 1
    parent = np.array(parent_list, dtype=np.int64)
    bit = np.array(bit_list, dtype=np.uint8)
    root = 2 * n - 2
    nodes = np.arange(n)
    paths_bits, paths_nodes = [], []
    while n > 1 and (nodes != root).any():  # walk all leaves up one level at a time
        active = nodes != root
        paths_bits.append(np.where(active, bit[nodes], 255))
        nodes = np.where(active, parent[nodes], root)
        paths_nodes.append(np.where(active, nodes - n, -1))  # inner node above, as a row
    depth = len(paths_bits)
    lengths_sorted = np.zeros(n, dtype=np.int32)
    points = np.zeros((n, max(depth, 1)), dtype=np.int32)
    labels = np.zeros((n, max(depth, 1)), dtype=np.float32)
    if depth:
        bits = np.stack(paths_bits, axis=1)  # leaf to root
        inner = np.stack(paths_nodes, axis=1)
        lengths_sorted = (bits != 255).sum(axis=1).astype(np.int32)
        # reverse each path so the root comes first, as word2vec.c stores it
        source = lengths_sorted[:, None] - 1 - np.arange(depth)[None, :]
        valid = source >= 0
        rows = np.broadcast_to(np.arange(n)[:, None], source.shape)
        points[valid] = inner[rows[valid], source[valid]]
        labels[valid] = 1.0 - bits[rows[valid], source[valid]]
    result_points = np.empty_like(points)
    result_labels = np.empty_like(labels)
    result_lengths = np.empty_like(lengths_sorted)
    result_points[order], result_labels[order], result_lengths[order] = (
        points, labels, lengths_sorted)
    return result_points, result_labels, result_lengths


def read_vocab_file(path: str) -> tuple[list[str], np.ndarray]:
    """Words and counts from `word<TAB>count` lines (ours) or `word count` (word2vec.c's
    -save-vocab; its `</s>` line-break entry is skipped). ValueError names a bad line."""
    words, counts = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise ValueError(f"{path}: line {number}: expected 'word count'")
            if fields[0] != "</s>":
                words.append(fields[0])
                counts.append(int(fields[1]))
    return words, np.array(counts, dtype=np.int64)


def format_vocab(vocab: Vocabulary) -> bytes:
    """`word<TAB>count` lines, the format `w2v vocab` prints and --save-vocab writes."""
    return "".join(f"{w}\t{c}\n" for w, c in zip(vocab.words, vocab.counts.tolist())).encode()
