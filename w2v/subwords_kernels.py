"""JIT n-gram ids for a whole vocabulary: the words' UTF-8 bytes in, CSR arrays of ids out.

The words are joined in one uint8 array; word i is data[starts[i]:starts[i + 1]] (`byte_starts`
finds those bounds from the words' lengths in code points). Three steps: `count_ngrams` sizes
each word's row from its number of characters, the caller turns the counts into offsets, and
`fill_ngram_ids` walks '<' + word + '>' as fastText's `computeSubwords` does and writes the
ids. Each n-gram's hash grows one byte at a time while its end moves right, so a start's
n-grams cost one pass over at most maxn characters. The rules, the hash and its sign-extension
quirk are described in `subwords`, whose pure-Python functions are the reference these kernels
are tested against. `rows_by_first_use` lays the n-gram rows out for training (see
`subwords.NgramRows.by_use`). Only `@njit` functions of arrays and scalars live here.

Does not: validate minn, maxn or buckets (see `subwords.ngram_table`), or decode UTF-8:
invalid bytes are walked exactly as fastText walks them.
"""

from __future__ import annotations

import numba
import numpy as np

from .jit import JIT_OPTIONS as _JIT

_BOW, _EOW = 60, 62  # '<' and '>'
_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_MASK32 = 0xFFFFFFFF


@numba.njit(inline="always", **_JIT)
def _is_continuation(b):
    return (b & 0xC0) == 0x80


@numba.njit(inline="always", **_JIT)
def _mix(h, b):
    """One step of fastText's hash: the byte is a signed char cast to uint32 (sign-extended)."""
    if b >= 0x80:
        b = b | 0xFFFFFF00
    return ((h ^ b) * _FNV_PRIME) & _MASK32


@numba.njit(inline="always", **_JIT)
def _bracketed(data, start, end, buf):
    """Copy '<' + data[start:end] + '>' into buf; returns its length."""
    buf[0] = _BOW
    size = end - start
    buf[1:size + 1] = data[start:end]
    buf[size + 1] = _EOW
    return size + 2


@numba.njit(**_JIT)
def byte_starts(data, char_starts):
    """The byte offsets in UTF-8 `data` of the code point offsets `char_starts` (ascending)."""
    starts = np.empty_like(char_starts)
    w = 0
    chars = 0
    for k in range(len(data)):
        if not _is_continuation(data[k]):
            while w < len(char_starts) and char_starts[w] == chars:
                starts[w] = k
                w += 1
            chars += 1
    starts[w:] = len(data)
    return starts


@numba.njit(**_JIT)
def count_ngrams(data, starts, minn, maxn, counts):
    """counts[i] = how many n-grams word i has: with c characters in '<' + word + '>', one
    for each start and n <= c - start, but no 1-gram of a bracket."""
    shortest = max(minn, 1)
    for w in range(len(starts) - 1):
        chars = 2
        for k in range(starts[w], starts[w + 1]):
            if not _is_continuation(data[k]):
                chars += 1
        found = 0
        for n in range(shortest, min(maxn, chars) + 1):
            found += chars - n + 1
        if shortest == 1 and maxn >= 1:
            found -= 2
        counts[w] = found


@numba.njit(**_JIT)
def fill_ngram_ids(data, starts, minn, maxn, buckets, offsets, ids):
    """Write word i's n-gram ids to ids[offsets[i]:offsets[i + 1]] (sized by count_ngrams);
    raises if a word has another number of n-grams, before writing past its row."""
    longest = 0
    for w in range(len(starts) - 1):
        longest = max(longest, starts[w + 1] - starts[w])
    buf = np.empty(longest + 2, dtype=np.int64)
    for w in range(len(starts) - 1):
        size = _bracketed(data, starts[w], starts[w + 1], buf)
        at, stop = offsets[w], offsets[w + 1]
        for i in range(size):
            if _is_continuation(buf[i]):
                continue
            h = np.int64(_FNV_OFFSET)
            j = i
            n = 1
            while j < size and n <= maxn:
                h = _mix(h, buf[j])
                j += 1
                while j < size and _is_continuation(buf[j]):
                    h = _mix(h, buf[j])
                    j += 1
                if n >= minn and not (n == 1 and (i == 0 or j == size)):
                    if at == stop:
                        raise ValueError("a word has more n-grams than count_ngrams gave it")
                    ids[at] = h % buckets
                    at += 1
                n += 1
        if at != stop:
            raise ValueError("a word has fewer n-grams than count_ngrams gave it")


@numba.njit(**_JIT)
def compose_word_vectors(word_rows, ngram_vectors, offsets, rows, out):
    """out[w] = (word_rows[w] + the ngram_vectors rows of rows[offsets[w]:offsets[w + 1]]) /
    (1 + that many), a row of -1 counting as zero; summed in float64 (fastText sums in float32:
    this is within its rounding)."""
    dim = word_rows.shape[1]
    acc = np.empty(dim, dtype=np.float64)
    for w in range(len(word_rows)):
        for d in range(dim):
            acc[d] = word_rows[w, d]
        for k in range(offsets[w], offsets[w + 1]):
            r = rows[k]
            if r >= 0:
                for d in range(dim):
                    acc[d] += ngram_vectors[r, d]
        scale = 1.0 / (1 + offsets[w + 1] - offsets[w])
        for d in range(dim):
            out[w, d] = acc[d] * scale


@numba.njit(**_JIT)
def rows_by_first_use(offsets, ids, word_order, row_of_bucket, buckets):
    """Give each bucket a row in the order the words in `word_order` first reach it, each
    word's n-grams in their own order: row_of_bucket[b] (int32, all -1 on entry) is bucket b's
    row and buckets[row] its bucket; returns how many rows were given."""
    rows = 0
    for w in word_order:
        for k in range(offsets[w], offsets[w + 1]):
            b = ids[k]
            if row_of_bucket[b] < 0:
                row_of_bucket[b] = rows
                buckets[rows] = b
                rows += 1
    return rows
