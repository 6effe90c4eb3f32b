"""fastText's character n-grams and their bucket ids, for one word or a whole vocabulary.

The rules are those of fastText's `Dictionary::computeSubwords` and `Dictionary::hash`
(src/dictionary.cc), so that ids computed here index the same rows of a fastText model:

- A word is wrapped as '<' + word + '>' and its n-grams are the runs of n = minn..maxn
  *characters* of that string. fastText works on UTF-8 bytes: an n-gram never starts on a
  continuation byte (10xxxxxx) and always takes a character's continuation bytes with its lead
  byte, so n counts Unicode code points (an emoji with a ZWJ sequence is several). '<' or
  '>' alone is never a 1-gram (only matters with minn 1; older fastText kept them).
  A vocabulary word's own row is not in the list (fastText puts its word id first); '<word>'
  is, as in fastText, when it is at most maxn characters long.
- An n-gram's id is `ft_hash(utf8) % buckets`: 32-bit FNV-1a, with one quirk. fastText casts each
  byte to int8_t and then to uint32_t before the XOR, so a byte >= 0x80 is
  sign-extended: 0xC3 is XORed in as 0xFFFFFFC3, not 0x000000C3. ASCII-only n-grams hash as
  plain FNV-1a; any other differs, and a hash without the quirk finds the wrong rows.

`ngrams`, `ngram_ids` and `ft_hash` are the plain-Python reference, one word at a time;
`ngram_table` does a vocabulary at once with the JIT kernel in `subwords_kernels` (imported
on first use, so queries that only need one word never load Numba).

Does not: train, read or write model files, or add the rows offset (fastText's id of an n-gram
row is nwords + bucket id). Nor does it special-case fastText's end-of-sentence word "</s>",
which has no n-grams there: the caller knows whether its vocabulary holds one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import ConfigError

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
BOW, EOW = "<", ">"
MAX_BUCKETS = 2**31 - 1  # fastText's bucket is an int32, and ids are stored as int32


def ft_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a of `data`, bytes >= 0x80 sign-extended (see the module doc)."""
    h = FNV_OFFSET
    for b in data:
        h ^= b | 0xFFFFFF00 if b >= 0x80 else b
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def _check(minn: int, maxn: int, buckets: int | None = None) -> None:
    if minn < 0 or maxn < 0:
        raise ConfigError(f"minn={minn} and maxn={maxn}: n-gram lengths must be >= 0 "
                          "(maxn 0 turns subwords off)")
    if buckets is not None and not 1 <= buckets <= MAX_BUCKETS:
        raise ConfigError(f"buckets={buckets}: must be between 1 and {MAX_BUCKETS}")


def _utf8(word: str, where: str) -> bytes:
    try:
        return word.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ConfigError(f"{where} {word!r} is not valid Unicode ({e.reason} at character "
                          f"{e.start}); remove lone surrogates from the words") from None


def ngrams(word: str, minn: int, maxn: int) -> list[str]:
    """The character n-grams of '<' + word + '>' for n = minn..maxn, in fastText's order
    (by start, then by length). Empty when maxn < minn or maxn == 0."""
    _check(minn, maxn)
    _utf8(word, "word")
    # a str is a sequence of code points, which is what fastText's byte walk counts
    chars = BOW + word + EOW
    size = len(chars)
    grams = []
    for start in range(size):
        for n in range(1, min(maxn, size - start) + 1):
            if n < minn or (n == 1 and (start == 0 or start + 1 == size)):
                continue
            grams.append(chars[start:start + n])
    return grams


def ngram_ids(word: str, minn: int, maxn: int, buckets: int) -> list[int]:
    """The bucket id of each n-gram of `ngrams(word, minn, maxn)`, in the same order."""
    _check(minn, maxn, buckets)
    return [ft_hash(gram.encode("utf-8")) % buckets for gram in ngrams(word, minn, maxn)]


class NgramTable(NamedTuple):
    """The n-gram ids of every word of a vocabulary, in CSR form: word i's ids are
    ids[offsets[i]:offsets[i + 1]], in the order `ngram_ids` gives them."""

    offsets: np.ndarray  # int64, one more than the words
    ids: np.ndarray  # int32 bucket ids, each in [0, buckets)

    def of(self, word_id: int) -> np.ndarray:
        """The n-gram ids of word `word_id`."""
        return self.ids[self.offsets[word_id]:self.offsets[word_id + 1]]


def ngram_table(words: list[str], minn: int, maxn: int, buckets: int) -> NgramTable:
    """The n-gram ids of each of `words`, computed by the JIT kernel; the same as calling
    `ngram_ids` on each word."""
    _check(minn, maxn, buckets)
    try:
        data = np.frombuffer("".join(words).encode("utf-8"), dtype=np.uint8)
    except UnicodeEncodeError:
        for i, word in enumerate(words):
            _utf8(word, f"word {i}")
        raise
    char_starts = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)),
              out=char_starts[1:])

    from . import subwords_kernels as sk

    # one encode of the joined words is several times faster than one per word; each code
    # point starts with one non-continuation byte, which maps the words' bounds to bytes
    starts = sk.byte_starts(data, char_starts)
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    sk.count_ngrams(data, starts, minn, maxn, offsets[1:])
    np.cumsum(offsets, out=offsets)
    ids = np.empty(offsets[-1], dtype=np.int32)
    sk.fill_ngram_ids(data, starts, minn, maxn, buckets, offsets, ids)
    return NgramTable(offsets, ids)


class NgramRows:
    """The n-gram rows of a model w2v trained: only the buckets some vocabulary word's n-grams
    hash to have a row (`buckets`, unique, in row order), the others are zero.

    fastText keeps all `bucket` rows, and those no vocabulary word reaches stay at their random
    initialisation: noise in every unseen word's vector, and 800 MB at the default 2M buckets.
    Keeping the reached rows only (about a fifth of them on a 80k-word vocabulary) saves that
    memory; zeros instead of noise leave an unseen word's vector the mean over all its n-grams,
    as fastText defines it, with nothing added by n-grams no word taught the model. Writing a
    fastText file fills the other rows with zeros, so fastText computes the same vectors.

    Rows may come in any order: training lays them out word by word, most used words first
    (see `by_use`), so that a frequent word's bag is mostly one run of rows.
    """

    def __init__(self, minn: int, maxn: int, bucket: int, buckets: np.ndarray,
                 vectors: np.ndarray):
        _check(minn, maxn, bucket)
        self.minn, self.maxn, self.bucket = minn, maxn, bucket
        self.buckets = buckets  # int64, unique, each in [0, bucket); row i is bucket buckets[i]
        self.vectors = vectors  # float32 (len(buckets), dim)
        self._lookup: tuple[np.ndarray, np.ndarray | None] | None = None

    @classmethod
    def for_table(cls, table: NgramTable, minn: int, maxn: int, bucket: int,
                  dim: int) -> NgramRows:
        """Rows (uninitialised) for the buckets of `table`'s n-grams, by bucket id."""
        buckets = np.unique(table.ids).astype(np.int64)
        return cls(minn, maxn, bucket, buckets, np.empty((len(buckets), dim), dtype=np.float32))

    @staticmethod
    def by_use(table: NgramTable, uses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The buckets of `table`'s n-grams in row order, and the row of each of `table.ids`.

        Words are taken by how often training reads them (`uses[w]`, ties by id), and each
        word's n-grams not yet placed get the next rows, in its own order: a frequent word's
        bag is then mostly one run of consecutive rows, which the processor streams, and the
        rows used most sit together. Measured on enwiki-t8 (one epoch, 2 threads): skip-gram
        13.5 s, CBOW 9.6 s; rows by total use alone: 14.0 s and 10.5 s; by first appearance
        in count order (frequent words are mostly down-sampled away): 17.5 s and 12.9 s.
        """
        from . import subwords_kernels as sk

        words = np.argsort(-np.asarray(uses, dtype=np.float64), kind="stable")
        bucket = int(table.ids.max(initial=-1)) + 1
        row_of_bucket = np.full(bucket, -1, dtype=np.int32)
        buckets = np.empty(len(table.ids), dtype=np.int64)
        rows = sk.rows_by_first_use(table.offsets, table.ids, words, row_of_bucket, buckets)
        return buckets[:rows].copy(), row_of_bucket[table.ids].astype(np.int64)

    def sorted_buckets(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(the buckets sorted, the row of each) ; None for rows already in bucket order."""
        if self._lookup is None:
            buckets = np.asarray(self.buckets, dtype=np.int64)
            if len(buckets) < 2 or bool((np.diff(buckets) > 0).all()):
                self._lookup = (buckets, None)
            else:
                order = np.argsort(buckets, kind="stable")
                self._lookup = (buckets[order], order)
        return self._lookup

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """The row of each bucket id in `ids`, -1 where that bucket has none."""
        ids = np.asarray(ids, dtype=np.int64)
        ordered, rows = self.sorted_buckets()
        if not len(ordered):
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
        found = ordered[at] == ids
        return np.where(found, at if rows is None else rows[at], -1)

    def word_vectors(self, word_rows: np.ndarray, table: NgramTable,
                     id_rows: np.ndarray | None = None) -> np.ndarray:
        """fastText's vector of each vocabulary word: its own row and its n-grams' rows
        averaged (n-grams without a row count as zero); `id_rows`, when known, is
        `rows_of(table.ids)`."""
        from .subwords_kernels import compose_word_vectors

        vectors = np.empty((len(word_rows), word_rows.shape[1]), dtype=np.float32)
        compose_word_vectors(np.asarray(word_rows), np.asarray(self.vectors), table.offsets,
                             self.rows_of(table.ids) if id_rows is None else id_rows, vectors)
        return vectors


