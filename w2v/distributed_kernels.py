"""The JIT-compiled loops of cluster training (`distributed`): finding a worker's own changes,
adding changes to weights, and the driver's merge. Arrays in, arrays out.

Changes travel as bfloat16: the top 16 bits of each float32, rounded to nearest even (at most
2**-8 of the value lost, which `take_changes` keeps for later), NaN kept a NaN.

Does not: know about rounds, workers or Ray (see `distributed`).
"""

from __future__ import annotations

import numba
import numpy as np

from .jit import JIT_OPTIONS as _JIT

_LOW, _HALF, _NAN_BIT = np.uint32(0x7FFF), np.uint32(16), np.uint32(0x40)
_ABS, _INF = np.uint32(0x7FFFFFFF), np.uint32(0x7F800000)


def to_bfloat16(values: np.ndarray) -> np.ndarray:
    """float32 values as bfloat16 bits."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = (bits & 0x7FFFFFFF) > 0x7F800000  # rounding could carry a NaN into inf or zero
    return np.where(nan, (bits >> 16) | 0x40, rounded).astype(np.uint16)


def from_bfloat16(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bits back to float32 values."""
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32)


def as_float32(changes: np.ndarray) -> np.ndarray:
    """Changes as float32 values, whether sent exactly (float32) or as bfloat16 bits."""
    return from_bfloat16(changes) if changes.dtype == np.uint16 else changes


@numba.njit(inline="always", **_JIT)
def _bfloat16(bits):
    if (bits & _ABS) > _INF:
        return (bits >> _HALF) | _NAN_BIT
    return (bits + _LOW + ((bits >> _HALF) & np.uint32(1))) >> _HALF


@numba.njit(**_JIT)
def take_changes(live, base, rows, ids, changes, least, exact):  # pragma: no cover - compiled
    """For each of `rows` where live moved from base by at least `least` times the base row's
    norm: its id into ids, the change into changes (float32 if `exact`, else bfloat16 bits),
    and base moved by what was written. Returns how many rows were taken."""
    n = 0
    least2 = np.float32(least * least)
    dim = live.shape[1]
    delta = np.empty(dim, np.float32)
    bits = delta.view(np.uint32)
    back = np.empty(dim, np.uint32)
    rounded = back.view(np.float32)
    for r in rows:
        moved, size = np.float32(0.0), np.float32(0.0)
        for j in range(dim):
            moved += (live[r, j] - base[r, j]) ** 2
            size += base[r, j] ** 2
        if moved == 0.0 or moved < least2 * size:
            continue
        ids[n] = r
        for j in range(dim):
            delta[j] = live[r, j] - base[r, j]
        if exact:
            for j in range(dim):
                changes[n, j] = delta[j]
                base[r, j] = live[r, j]
        else:
            for j in range(dim):
                b = _bfloat16(bits[j])
                changes[n, j] = b
                back[j] = b << _HALF
            for j in range(dim):
                base[r, j] += rounded[j]
        n += 1
    return n


@numba.njit(**_JIT)
def mark_bags(words, offsets, bag_rows, rows):  # pragma: no cover - compiled
    """rows[r] = 1 for every row in the bags of `words`."""
    for w in words:
        for r in range(offsets[w], offsets[w + 1]):
            rows[bag_rows[r]] = 1


@numba.njit(**_JIT)
def add_float32_rows(matrix, ids, rows):  # pragma: no cover - compiled
    for n in range(len(ids)):
        r = ids[n]  # read once: in the index, it is read again for every j (3x slower)
        for j in range(matrix.shape[1]):
            matrix[r, j] += rows[n, j]


@numba.njit(**_JIT)
def add_bfloat16_rows(matrix, ids, bits):  # pragma: no cover - compiled
    back = np.empty(matrix.shape[1], np.uint32)
    values = back.view(np.float32)
    for n in range(len(ids)):
        for j in range(matrix.shape[1]):
            back[j] = np.uint32(bits[n, j]) << _HALF
        r = ids[n]
        for j in range(matrix.shape[1]):
            matrix[r, j] += values[j]


def add_rows(matrix: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> None:
    """matrix[ids] += rows, given as float32 or as bfloat16 bits."""
    if rows.dtype == np.uint16:
        add_bfloat16_rows(matrix, ids, rows)
    else:
        add_float32_rows(matrix, ids, rows)


@numba.njit(**_JIT)
def accumulate(ids, rows, total, touched):  # pragma: no cover - compiled
    for n in range(len(ids)):
        r = ids[n]
        touched[r] += 1
        for j in range(total.shape[1]):
            total[r, j] += rows[n, j]


@numba.njit(**_JIT)
def commit(union, touched, total, current, saturated, limits):  # pragma: no cover
    """Scale each row's summed change by the merge rule (see `distributed.Merger`) and add it."""
    for r in union:
        k, s = np.float64(touched[r]), max(np.float64(saturated[r]), 1e-6)
        # 1 - (1 - s)^k, written so: a power compiles to calls that fast-math leaves missing
        scale = np.float32(min(1.0, limits[r] * -np.expm1(k * np.log1p(-s)) / (k * s)))
        for j in range(total.shape[1]):
            total[r, j] *= scale
            current[r, j] += total[r, j]


@numba.njit(**_JIT)
def news(union, touched, total, mine, my_rows):  # pragma: no cover - compiled
    """The merged change of every row in `union` minus this worker's own (`mine`, ascending),
    leaving out the rows only this worker changed when they were merged unscaled."""
    ids = np.empty(len(union), np.int32)
    rows = np.empty((len(union), total.shape[1]), np.float32)
    n, k = 0, 0
    for r in union:
        while k < len(mine) and mine[k] < r:
            k += 1
        own = k < len(mine) and mine[k] == r
        if own and touched[r] == 1:
            continue  # merged as this worker left it
        ids[n] = r
        for j in range(total.shape[1]):
            rows[n, j] = total[r, j] - (my_rows[k, j] if own else 0.0)
        n += 1
    return ids[:n], rows[:n]


@numba.njit(**_JIT)
def clear(union, touched, total):  # pragma: no cover - compiled
    for r in union:
        touched[r] = 0
        for j in range(total.shape[1]):  # a slice assignment here crashes LLVM (Numba 0.68)
            total[r, j] = 0.0
