"""JIT loops for `w2v phrases`: count adjacent word pairs, then join the frequent ones.

`count_pairs` adds each adjacent pair of provisional word ids on a line to an open-addressing
table keyed by (first << 32 | second). `join_block` rewrites a block of normalised text,
joining a pair with '_' when its score passes the threshold, left to right, never joining a
word to a pair just formed (as word2phrase, so one pass makes bigrams, two make up to 4-grams).
Only `@njit` functions of arrays and scalars live here.

Does not: read files, normalise text or decide what to prune (see `phrases`).
"""

from __future__ import annotations

import numba
import numpy as np

from .counting_kernels import EMPTY, find, fnv1a, token_end
from .jit import JIT_OPTIONS as _JIT

_SPACE, _NEWLINE = 32, 10

NO_KEY = np.uint64(0xFFFFFFFFFFFFFFFF)
DONE, FULL = 0, 1
WORD2PHRASE, NPMI = 0, 1
_MIX = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(**_JIT)
def _slot(keys, key):
    """The slot holding `key`, or the empty slot where it would go."""
    mask = np.uint64(len(keys) - 1)
    slot = np.int64(((key * _MIX) >> np.uint64(20)) & mask)
    while keys[slot] != key and keys[slot] != NO_KEY:
        slot = (slot + 1) & (len(keys) - 1)
    return slot


@numba.njit(**_JIT)
def count_pairs(ids, pos, previous, keys, counts, sizes):
    """Count the pairs of ids[pos:] (previous: the id before ids[pos], or -1); returns
    (position, previous, DONE or FULL). sizes[0] is the number of distinct pairs held."""
    while pos < len(ids):
        word = ids[pos]
        if word >= 0 and previous >= 0:
            if 2 * (sizes[0] + 1) > len(keys):
                return pos, previous, FULL
            key = (np.uint64(previous) << np.uint64(32)) | np.uint64(word)
            slot = _slot(keys, key)
            if keys[slot] == NO_KEY:
                keys[slot] = key
                counts[slot] = 0
                sizes[0] += 1
            counts[slot] += 1
        previous = word if word >= 0 else -1
        pos += 1
    return pos, previous, DONE


@numba.njit(**_JIT)
def rehash(keys, counts, new_keys, new_counts, min_count, births, since):
    """Copy the pairs seen at least `min_count` times whose both words got their ids before
    ordinal `since` (births[id] < since) into a fresh table; returns how many."""
    held = 0
    low = np.uint64(0xFFFFFFFF)
    for i in range(len(keys)):
        if keys[i] == NO_KEY or counts[i] < min_count:
            continue
        first, second = keys[i] >> np.uint64(32), keys[i] & low
        if births[first] < since and births[second] < since:
            slot = _slot(new_keys, keys[i])
            new_keys[slot] = keys[i]
            new_counts[slot] = counts[i]
            held += 1
    return held


@numba.njit(**_JIT)
def _lookup(data, start, end, table):
    slots, hashes, starts, lengths, arena = table
    _, i = find(fnv1a(data, start, end), data, start, end - start, slots, hashes, starts,
                lengths, arena)
    return i


@numba.njit(**_JIT)
def _score(a, b, pair, total, min_count, scorer):
    if a < min_count or b < min_count or pair < min_count:
        return -np.inf
    if scorer == WORD2PHRASE:  # word2phrase.c and gensim's default scorer
        return (pair - min_count) / a / b * total
    p_ab = pair / total  # gensim's normalised pointwise mutual information
    return np.log(p_ab / (a / total) / (b / total)) / -np.log(p_ab)


@numba.njit(**_JIT)
def join_block(data, table, word_counts, keys, pair_counts, total, min_count, threshold,
               scorer, state, out):
    """Write `data` (normalised text) to `out` with high-scoring pairs joined by '_';
    returns the bytes written. `out` must hold len(data) + 1 bytes. state = [line open,
    id of the last word if it may still join] carries a line across blocks."""
    n = 0
    pos = 0
    end = len(data)
    line_open, prev_id = state[0], state[1]
    while pos < end:
        b = data[pos]
        if b == _NEWLINE:
            out[n] = _NEWLINE
            n += 1
            pos += 1
            line_open, prev_id = 0, EMPTY
            continue
        if b == _SPACE:
            pos += 1
            continue
        start = pos
        pos = token_end(data, pos)
        word = _lookup(data, start, pos, table)
        joined = False
        if prev_id != EMPTY and word != EMPTY:
            key = (np.uint64(prev_id) << np.uint64(32)) | np.uint64(word)
            slot = _slot(keys, key)
            if keys[slot] == key:
                score = _score(word_counts[prev_id], word_counts[word], pair_counts[slot],
                               total, min_count, scorer)
                joined = score > threshold
        if line_open:
            out[n] = 95 if joined else _SPACE  # '_' joins the pair
            n += 1
        out[n:n + pos - start] = data[start:pos]
        n += pos - start
        line_open = 1
        prev_id = EMPTY if joined else word  # a pair just formed takes no third word
    state[0], state[1] = line_open, prev_id
    return n
