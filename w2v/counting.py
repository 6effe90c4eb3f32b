"""Count words as they stream past: provisional ids and counts from normalised bytes.

`WordCounter` gives every distinct word a provisional id and counts it; the hashing runs in a JIT
kernel (`counting_kernels.encode`) that releases the GIL, so counting overlaps with decompression
in another thread. It also records each id's birth: the ordinal of the token (words seen before
it) at which the id's current word got it.

Pruning rule (word2vec.c's ReduceVocab and gensim's prune_vocab), applied at the very token that
makes more than `max_vocab_size` distinct words held: every word seen at most `threshold` times
so far is dropped and `threshold` grows by one (it starts at 1), repeated while more than
`max_vocab_size` words are still held. A dropped word that appears again is counted afresh.

Memory follows the limit, not the stream: a dropped word's id and arena bytes go to the next new
words. Tokens already encoded with an id that later went to another word are stale; they, and
every earlier token of a word counted afresh, must train as unknown words. `mark_stale` finds
them from the births: a token is stale when its ordinal is below its id's birth. Rewritten to
`stale_id`, an id past every word's, they map to UNKNOWN (see `vocab`, `corpus`).

Does not: read files or tokenize (see `reading`, `tokenize`), or decide the vocabulary
(see `vocab`).
"""

from __future__ import annotations

import re

import numpy as np

UNKNOWN = -2  # provisional id remapped for a word outside the vocabulary
LINE_BREAK = -1  # provisional id marking the end of a line in an encoded corpus

INITIAL_IDS = 1 << 15
_SPACE = re.compile(r"\s")  # exactly the characters str.isspace() is true for


class WordCounter:
    """Provisional ids and counts for every word seen so far, from normalised bytes (about
    20 ns a token)."""

    def __init__(self, max_vocab_size: int | None = None):
        from . import counting_kernels as ck

        self.max_vocab_size = max_vocab_size
        self.prune_threshold = 1
        self.pruned_words = 0
        self._slots = np.full(2 * INITIAL_IDS, ck.EMPTY, dtype=np.int32)
        self._hashes = np.zeros(INITIAL_IDS, dtype=np.uint64)
        self._starts = np.zeros(INITIAL_IDS, dtype=np.int64)
        self._lengths = np.zeros(INITIAL_IDS, dtype=np.int32)
        self._counts = np.zeros(INITIAL_IDS, dtype=np.int64)
        self._births = np.zeros(INITIAL_IDS, dtype=np.int64)
        self._alive = np.zeros(INITIAL_IDS, dtype=np.bool_)
        self._free = np.zeros(INITIAL_IDS, dtype=np.int32)  # a stack of freed ids
        self._arena = np.zeros(1 << 20, dtype=np.uint8)
        self._sizes = np.zeros(7, dtype=np.int64)  # fields named in counting_kernels
        no_limit = np.iinfo(np.int64).max
        self._sizes[ck.LIMIT] = no_limit if max_vocab_size is None else max_vocab_size

    def encode(self, data: bytes) -> np.ndarray:
        """Provisional ids (int32, LINE_BREAK for each b'\\n') of the tokens in `data`."""
        from . import counting_kernels as ck

        buf = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(len(buf) + 1, dtype=np.int32)
        words = (self._counts, self._births, self._alive, self._free)
        pos = n_out = 0
        while True:
            pos, n_out, status = ck.encode(buf, pos, out, n_out, self.lookup_table(), words,
                                           self._sizes)
            if status == ck.DONE:
                break
            if status == ck.OVER_LIMIT:
                self._prune()
            else:
                self._grow(len(buf) - pos)
                words = (self._counts, self._births, self._alive, self._free)
        return out[:n_out]

    def seed(self, words: list[str]) -> None:
        """Give `words` the provisional ids 0, 1, ... (with no count yet), as a given
        vocabulary; ValueError names a word listed twice or one with whitespace."""
        # one scan of them all (a merged cluster vocabulary: 290k words, 0.6 s word by word)
        if not all(words) or _SPACE.search("\0".join(words)):
            bad = next(w for w in words if not w or _SPACE.search(w))
            raise ValueError(f"{bad!r} is not a single word")
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

    def mark_stale(self, tokens: np.ndarray, ordinal: int, replacement: int) -> tuple[int, int]:
        """Rewrite, in place, the tokens of `tokens` (encoded ids, `ordinal` words after the
        first word this counter saw) that do not belong to their id's current word, to
        `replacement`. Returns (the ordinal after `tokens`, tokens rewritten)."""
        from . import counting_kernels as ck

        ordinal, replaced = ck.mark_stale(tokens, ordinal, self._births, replacement)
        return int(ordinal), int(replaced)

    def _grow(self, pending_bytes: int) -> None:
        from . import counting_kernels as ck

        n, used = self.provisional_size, int(self._sizes[ck.ARENA_USED])
        if self._sizes[ck.FREE] == 0 and n == len(self._hashes):
            size = 2 * len(self._hashes)
            for name in ("_hashes", "_starts", "_lengths", "_counts", "_births", "_alive",
                         "_free"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[:len(old)] = old
                setattr(self, name, grown)
        if 2 * (self._sizes[ck.HELD] + 1) > len(self._slots):
            self._slots = np.full(2 * len(self._slots), ck.EMPTY, dtype=np.int32)
            ck.rebuild(self._slots, self._hashes[:n], self._alive[:n])
        if used + pending_bytes > len(self._arena):
            grown = np.zeros(max(2 * len(self._arena), used + pending_bytes), dtype=np.uint8)
            grown[:used] = self._arena[:used]
            self._arena = grown

    def _prune(self) -> None:
        """Apply the pruning rule until at most max_vocab_size words are held; the dropped
        words' ids go on the free stack, smallest on top, and their bytes leave the arena."""
        from . import counting_kernels as ck

        n = self.provisional_size
        while self._sizes[ck.HELD] > self.max_vocab_size:
            doomed = np.flatnonzero(self._alive[:n] & (self._counts[:n] <= self.prune_threshold))
            self._alive[doomed] = False
            self._counts[doomed] = 0
            self._births[doomed] = ck.NO_OWNER
            n_free = int(self._sizes[ck.FREE])
            self._free[n_free:n_free + len(doomed)] = doomed[::-1]
            self._sizes[ck.FREE] += len(doomed)
            self._sizes[ck.HELD] -= len(doomed)
            self.pruned_words += len(doomed)
            self.prune_threshold += 1
        ck.rebuild(self._slots, self._hashes[:n], self._alive[:n])
        self._sizes[ck.ARENA_USED] = ck.compact(self._arena, self._starts[:n],
                                                self._lengths[:n], self._alive[:n])

    def lookup_table(self) -> tuple:
        """The hash table arrays, for JIT loops that look words up (see counting_kernels.encode)."""
        return (self._slots, self._hashes, self._starts, self._lengths, self._arena)

    @property
    def provisional_size(self) -> int:
        """Ids given out so far: every id is below it."""
        from . import counting_kernels as ck

        return int(self._sizes[ck.IDS])

    @property
    def stale_id(self) -> int:
        """The id `mark_stale` rewrites stale corpus tokens to: one past every word's id."""
        return self.provisional_size

    @property
    def distinct_words(self) -> int:
        """Words currently counted (pruned ones excluded)."""
        from . import counting_kernels as ck

        return int(self._sizes[ck.HELD])

    @property
    def words_seen(self) -> int:
        """Word tokens encoded so far (line breaks excluded): the next token's ordinal."""
        from . import counting_kernels as ck

        return int(self._sizes[ck.WORDS_SEEN])

    @property
    def reused_ids(self) -> int:
        """How many times a freed id went to a new word: when 0, no token is stale except
        those of words pruned for good, whose count is 0 anyway."""
        from . import counting_kernels as ck

        return int(self._sizes[ck.REUSED])

    @property
    def counts(self) -> np.ndarray:
        """Count by provisional id (0 for pruned words)."""
        return self._counts[:self.provisional_size]

    @property
    def births(self) -> np.ndarray:
        """By provisional id, the ordinal of the token at which its current word got it
        (NO_OWNER for a freed id): first appearances, in the order vocabularies break ties."""
        return self._births[:self.provisional_size]

    def word(self, i: int) -> str:
        start = int(self._starts[i])
        return bytes(self._arena[start:start + int(self._lengths[i])]).decode("utf-8",
                                                                            errors="replace")

    def words(self, ids: np.ndarray) -> list[str]:
        """`word` of each of `ids`, decoded at once (82k words: 0.08 s one by one)."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return []
        lengths = self._lengths[ids].astype(np.int64) + 1  # each word and a b"\n" after it
        ends = np.cumsum(lengths)
        # position k of the joined bytes is byte (k - first of its word) of its word's start
        offsets = np.arange(ends[-1]) - np.repeat(ends - lengths, lengths)
        joined = self._arena[np.repeat(self._starts[ids], lengths) + offsets]
        joined[ends - 1] = ord("\n")  # no word holds a b"\n": tokens end at whitespace
        return joined.tobytes().decode("utf-8", errors="replace").split("\n")[:-1]
