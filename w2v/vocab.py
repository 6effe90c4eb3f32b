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


class _IdDict(dict):
    """word -> provisional id; a missing word is given the next id on lookup."""

    def __init__(self, words: list):
        super().__init__()
        self.words = words

    def __missing__(self, word: str) -> int:
        i = self[word] = len(self.words)
        self.words.append(word)
        return i


class WordCounter:
    """Provisional ids and counts for every word seen so far."""

    def __init__(self, max_vocab_size: int | None = None):
        self.max_vocab_size = max_vocab_size
        self.words: list[str | None] = []  # by provisional id; None once pruned
        self.ids = _IdDict(self.words)
        self.counts = np.zeros(1024, dtype=np.int64)
        self.prune_threshold = 1
        self.pruned_words = 0

    def encode(self, tokens: list[str], out: list[int]) -> None:
        """Append the provisional id of each token to `out` (new words get new ids)."""
        out.extend(map(self.ids.__getitem__, tokens))  # C-speed loop; misses call __missing__

    def add_counts(self, ids: np.ndarray) -> None:
        """Count a block of provisional ids (line breaks, negative, are ignored)."""
        n = len(self.words)
        if n > len(self.counts):
            grown = np.zeros(max(n, 2 * len(self.counts)), dtype=np.int64)
            grown[: len(self.counts)] = self.counts
            self.counts = grown
        words = ids[ids >= 0]
        if len(words):
            self.counts[:n] += np.bincount(words, minlength=n)
        if self.max_vocab_size is not None:
            while len(self.ids) > self.max_vocab_size:
                self._prune()

    def _prune(self) -> None:
        for word, i in list(self.ids.items()):
            if self.counts[i] <= self.prune_threshold:
                del self.ids[word]
                self.words[i] = None
                self.counts[i] = 0
                self.pruned_words += 1
        self.prune_threshold += 1

    @property
    def provisional_size(self) -> int:
        return len(self.words)


@dataclass
class Vocabulary:
    """The training vocabulary: words by descending count, and their counts."""

    words: list[str]
    counts: np.ndarray  # int64, same order as words

    def __post_init__(self):
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def total(self) -> int:
        """Occurrences of vocabulary words in the corpus."""
        return int(self.counts.sum())

    @classmethod
    def from_counter(cls, counter: WordCounter, min_count: int) -> tuple[Vocabulary, np.ndarray]:
        """Keep the words reaching `min_count`; return the vocabulary and the id remap array.

        `remap[provisional_id]` is the final id or UNKNOWN; its last element is LINE_BREAK so
        that indexing it with an encoded corpus (where LINE_BREAK is -1) keeps line breaks.
        """
        n = counter.provisional_size
        counts = counter.counts[:n]
        kept = np.flatnonzero(counts >= min_count)[::-1]
        # ties: the word first seen last comes first, which is the order gensim 4 produces
        # (argsort of the counts, reversed), so vocabularies, truncations and evaluations
        # restricted to the N most frequent words match gensim's word for word
        order = kept[np.argsort(-counts[kept], kind="stable")]
        remap = np.full(n + 1, UNKNOWN, dtype=np.int32)
        remap[order] = np.arange(len(order), dtype=np.int32)
        remap[-1] = LINE_BREAK
        words = [counter.words[i] for i in order]
        return cls(words, counts[order].copy()), remap

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

    def retained_fraction(self, sample: float) -> float:
        """Expected share of vocabulary words that survive down-sampling."""
        keep = self.keep_thresholds(sample).astype(np.float64) / np.iinfo(np.uint32).max
        return float((keep * self.counts).sum() / max(self.total, 1))

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
