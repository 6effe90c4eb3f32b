"""Count words as they stream past: provisional ids and counts from normalised bytes.

`WordCounter` gives every distinct word a provisional id in order of first appearance and counts
it; the hashing runs in a JIT kernel (`counting_kernels.encode`) that releases the GIL, so counting
overlaps with decompression in another thread.

Pruning rule (word2vec.c's ReduceVocab and gensim's prune_vocab): whenever more than
`max_vocab_size` distinct words are held, every word seen at most `threshold` times so far is
dropped and `threshold` grows by one (it starts at 1). A dropped word that appears again starts a
fresh count under a new provisional id; its earlier occurrences train as unknown words.

Does not: read files or tokenize (see `reading`, `tokenize`), or decide the vocabulary
(see `vocab`).
"""

from __future__ import annotations

import numpy as np

UNKNOWN = -2  # provisional id remapped for a word outside the vocabulary
LINE_BREAK = -1  # provisional id marking the end of a line in an encoded corpus


class WordCounter:
    """Provisional ids and counts for every word seen so far, from normalised bytes (about
    20 ns a token)."""

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
        from . import counting_kernels

        buf = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(len(buf) + 1, dtype=np.int32)
        pos = n_out = 0
        while True:
            pos, n_out, status = counting_kernels.encode(buf, pos, out, n_out, self.lookup_table(),
                                                self._counts, self._sizes)
            if status == counting_kernels.DONE:
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
        from . import counting_kernels

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
            counting_kernels.rebuild(self._slots, self._hashes[:n], self._alive[:n])
        if used + pending_bytes > len(self._arena):
            grown = np.zeros(max(2 * len(self._arena), used + pending_bytes), dtype=np.uint8)
            grown[:used] = self._arena[:used]
            self._arena = grown

    def _prune(self) -> None:
        from . import counting_kernels

        n = self.provisional_size
        doomed = self._alive[:n] & (self._counts[:n] <= self.prune_threshold)
        self.pruned_words += int(doomed.sum())
        self._alive[:n] &= ~doomed
        self._counts[:n][doomed] = 0
        counting_kernels.rebuild(self._slots, self._hashes[:n], self._alive[:n])
        self._sizes[1] = counting_kernels.compact(self._arena, self._starts[:n], self._lengths[:n],
                                         self._alive[:n])
        self.prune_threshold += 1

    def lookup_table(self) -> tuple:
        """The hash table arrays, for JIT loops that look words up (see counting_kernels.encode)."""
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
