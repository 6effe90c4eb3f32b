"""JIT word hashing for the counting pass: normalised bytes in, provisional word ids out.

A block of normalised text (tokens separated by b' ', lines ended by b'\\n', see
`tokenize.Tokenizer.normalize`) is scanned once. Each token is hashed (FNV-1a, 64 bits) into an
open-addressing table of word ids; a new word takes a freed id if there is one (see `counting`:
pruning frees ids) or the next unused id, and its bytes are appended to a byte arena. Each
token's id, or LINE_BREAK (-1) for a line end, goes to `out`; the word's count grows by one, and
a new word's `birth` is its token's ordinal (words seen before it), which tells later which
tokens of an id belong to its current word (`mark_stale`).

When a table, the per-word arrays or the arena are full, `encode` stops before the token that
did not fit (FULL); when a new word makes more words held than the limit, it stops just after
that token (OVER_LIMIT). Either way the caller acts and calls again from there. Only `@njit`
functions of arrays and scalars live here, like `training_kernels`.

Does not: decode or normalise text, decide the vocabulary, or choose what to prune (see
`counting.WordCounter`).
"""

from __future__ import annotations

import numba
import numpy as np

from .jit import JIT_OPTIONS as _JIT

EMPTY = -1
DONE = 0
FULL = 1  # status: grow the arrays, then call again from the returned position
OVER_LIMIT = 2  # status: more words held than the limit; prune, then call again
NO_OWNER = np.iinfo(np.int64).max  # birth of a freed id: every token with it is stale
# the fields of the `sizes` array encode() keeps up to date
IDS, ARENA_USED, WORDS_SEEN, FREE, HELD, LIMIT, REUSED = range(7)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_SPACE, _NEWLINE = 32, 10


@numba.njit(inline="always", **_JIT)
def token_end(data, pos):
    """The index just past the token starting at data[pos] (at a space, a line break or the end)."""
    end = len(data)
    while pos < end and data[pos] != _SPACE and data[pos] != _NEWLINE:
        pos += 1
    return pos


@numba.njit(inline="always", **_JIT)
def fnv1a(data, start, end):
    """64-bit FNV-1a of data[start:end]: the one word hash of counting and phrases."""
    h = _FNV_OFFSET
    for k in range(start, end):
        h = (h ^ np.uint64(data[k])) * _FNV_PRIME
    return h


@numba.njit(**_JIT)
def find(h, data, start, length, slots, hashes, starts, lengths, arena):
    """(slot, word id or EMPTY) for the token data[start:start + length] with hash h."""
    mask = len(slots) - 1
    slot = np.int64(h & np.uint64(mask))
    while True:
        i = slots[slot]
        if i == EMPTY:
            return slot, EMPTY
        if hashes[i] == h and lengths[i] == length:
            a = starts[i]
            same = True
            for k in range(length):
                if arena[a + k] != data[start + k]:
                    same = False
                    break
            if same:
                return slot, i
        slot = (slot + 1) & mask


@numba.njit(**_JIT)
def encode(data, pos, out, n_out, table, words, sizes):
    """Encode data[pos:] into out[n_out:]; returns (position, n_out, DONE, FULL or OVER_LIMIT).

    table = (slots, hashes, starts, lengths, arena); words = (counts, births, alive, free);
    sizes holds the fields IDS, ARENA_USED, ... named above.
    """
    slots, hashes, starts, lengths, arena = table
    counts, births, alive, free = words
    n_ids, used, seen = sizes[IDS], sizes[ARENA_USED], sizes[WORDS_SEEN]
    n_free, held, limit, reused = sizes[FREE], sizes[HELD], sizes[LIMIT], sizes[REUSED]
    end = len(data)
    status = DONE
    while pos < end:
        b = data[pos]
        if b == _NEWLINE:
            out[n_out] = -1
            n_out += 1
            pos += 1
            continue
        if b == _SPACE:
            pos += 1
            continue
        start = pos
        pos = token_end(data, pos)
        h = fnv1a(data, start, pos)
        length = pos - start
        slot, i = find(h, data, start, length, slots, hashes, starts, lengths, arena)
        if i == EMPTY:
            if ((n_free == 0 and n_ids == len(hashes)) or used + length > len(arena)
                    or 2 * (held + 1) > len(slots)):
                pos = start
                status = FULL
                break
            if n_free > 0:
                n_free -= 1
                i = free[n_free]
                reused += 1
            else:
                i = n_ids
                n_ids += 1
            slots[slot] = i
            hashes[i] = h
            starts[i] = used
            lengths[i] = length
            arena[used:used + length] = data[start:pos]
            used += length
            counts[i] = 0
            births[i] = seen
            alive[i] = True
            held += 1
        counts[i] += 1
        seen += 1
        out[n_out] = i
        n_out += 1
        if held > limit:
            status = OVER_LIMIT
            break
    sizes[IDS], sizes[ARENA_USED], sizes[WORDS_SEEN] = n_ids, used, seen
    sizes[FREE], sizes[HELD], sizes[REUSED] = n_free, held, reused
    return pos, n_out, status


@numba.njit(**_JIT)
def mark_stale(tokens, ordinal, births, replacement):
    """Replace each word token whose id its current word got only after it (ordinal < birth)
    by `replacement`; `ordinal` is the number of words before tokens[0]. Returns (the ordinal
    after the last token, tokens replaced)."""
    replaced = 0
    for k in range(len(tokens)):
        t = tokens[k]
        if t < 0:  # a line break
            continue
        if ordinal < births[t]:
            tokens[k] = replacement
            replaced += 1
        ordinal += 1
    return ordinal, replaced


@numba.njit(**_JIT)
def rebuild(slots, hashes, alive):
    """Refill the slot table with the ids marked alive (after growing it or pruning)."""
    slots[:] = EMPTY
    mask = len(slots) - 1
    for i in range(len(alive)):
        if alive[i]:
            slot = np.int64(hashes[i] & np.uint64(mask))
            while slots[slot] != EMPTY:
                slot = (slot + 1) & mask
            slots[slot] = i


@numba.njit(**_JIT)
def compact(arena, starts, lengths, alive):
    """Move the bytes of alive words to the front of the arena; returns the bytes used.

    Bytes move in order of their place in the arena, so no word overwrites one not yet moved
    even though reused ids no longer follow the arena's order."""
    order = np.argsort(starts[alive])
    ids = np.flatnonzero(alive)[order]
    used = 0
    for i in ids:
        s, n = starts[i], lengths[i]
        for k in range(n):
            arena[used + k] = arena[s + k]
        starts[i] = used
        used += n
    return used
