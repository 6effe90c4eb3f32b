"""The vocabulary kept for training: words reaching min-count, by descending count.

`Vocabulary.from_counter` keeps the words of a `counting.WordCounter` that reach `min_count`,
sorted by descending count; equal counts keep the order in which the words first appeared (for
a word pruned and counted afresh, where it reappeared; for a vocabulary read from a file, the
file's order). That order is deterministic. gensim 4 sorts with an unstable argsort, so its
order among equal counts depends on numpy's sort internals; only the words at each count, and
so each rank's count, match gensim's. It also returns the remap array that turns provisional ids
into vocabulary ids.

Does not: count words (see `counting`), build sampling tables (see `sampling`), or read and write
vocabulary files (see `vocab_files`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .counting import LINE_BREAK, UNKNOWN, WordCounter


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

        `remap[provisional_id]` is the final id or UNKNOWN; `remap[counter.stale_id]` is
        UNKNOWN (for stale corpus tokens, see `counting`); its last element is LINE_BREAK so
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
        births = counter.births
        order = (_by_count(kept, counts, births) if sorted_vocab
                 else kept[np.argsort(births[kept], kind="stable")])
        remap = _unknown_remap(n)
        remap[order] = np.arange(len(order), dtype=np.int32)
        words = counter.words(order)
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
        fresh = _by_count(np.array(fresh, dtype=np.int64), new_counts, counter.births)
        remap[fresh] = np.arange(len(words), len(words) + len(fresh), dtype=np.int32)
        vocab = cls(list(words) + [counter.word(i) for i in fresh],
                    np.concatenate([merged, new_counts[fresh]]))
        return vocab, remap


def _by_count(ids: np.ndarray, counts: np.ndarray, births: np.ndarray) -> np.ndarray:
    """Provisional `ids` by descending count, equal counts by first appearance (birth).

    A deliberate difference from gensim 4, whose `np.argsort(counts)[::-1]` is not stable:
    its order among thousands of equal counts varies with numpy's sort, ours never does.
    """
    return ids[np.lexsort((births[ids], -counts[ids]))]


def _unknown_remap(n: int) -> np.ndarray:
    """A remap array for n provisional ids and the stale id n, all UNKNOWN, whose last element
    is LINE_BREAK."""
    remap = np.full(n + 2, UNKNOWN, dtype=np.int32)
    remap[-1] = LINE_BREAK
    return remap
