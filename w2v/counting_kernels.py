"""JIT word hashing for the counting pass: normalised bytes in, provisional word ids out.

A block of normalised text (tokens separated by b' ', lines ended by b'\\n', see
`tokenize.Tokenizer.normalize`) is scanned once. Each token is hashed (FNV-1a, 64 bits) into an
open-addressing table of word ids; a new word's bytes are appended to a byte arena. Each token's
id, or LINE_BREAK (-1) for a line end, goes to `out`, and the word's count grows by one.

When a table, the per-word arrays or the arena are full, `encode` stops before the token that
did not fit and says so; the caller grows the arrays and calls again from there. Only `@njit`
functions of arrays and scalars live here, like `kernels`.

Does not: decode or normalise text, decide the vocabulary, or prune (see `counting.WordCounter`).
"""

from __future__ import annotations

import numba
import numpy as np

from .jit import JIT_OPTIONS as _JIT

EMPTY = -1
FULL = 1  # status: grow the arrays, then call again from the returned position
DONE = 0
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
def encode(data, pos, out, n_out, table, counts, sizes):
    """Encode data[pos:] into out[n_out:]; returns (position, n_out, DONE or FULL).

    table = (slots, hashes, starts, lengths, arena); sizes = [words, arena bytes used].
    """
    slots, hashes, starts, lengths, arena = table
    n_words, used = sizes[0], sizes[1]
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
            if (n_words == len(hashes) or used + length > len(arena)
                    or 2 * (n_words + 1) > len(slots)):
                pos = start
                status = FULL
                break
            i = n_words
            n_words += 1
            slots[slot] = i
            hashes[i] = h
            starts[i] = used
            lengths[i] = length
            arena[used:used + length] = data[start:pos]
            used += length
            counts[i] = 0
        counts[i] += 1
        out[n_out] = i
        n_out += 1
    sizes[0], sizes[1] = n_words, used
    return pos, n_out, status


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
    """Move the bytes of alive words to the front of the arena; returns the bytes used."""
    used = 0
    for i in range(len(alive)):
        if alive[i]:
            s, n = starts[i], lengths[i]
            for k in range(n):
                arena[used + k] = arena[s + k]
            starts[i] = used
            used += n
    return used
