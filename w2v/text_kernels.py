"""JIT formatting of float32 rows as word2vec text ("%f " per value), for large text files.

printf's "%f" rounds the exact binary value to 6 decimals, ties to even. For a float32 x that
is rint(x * 1e6) computed in float64: x has a 24-bit significand and 1e6 = 2**6 x 15625 a
14-bit one, so the product is exact and rint (ties to even) rounds it as printf does. The sign
comes from the sign bit, so -0.0 and small negatives print "-0.000000", as printf does. Values
of magnitude 1e9 or more, and NaN or infinity, are not handled here: `rows_fit` says whether a
block can be formatted by `format_rows` (else the caller uses Python's formatting).

Does not: write files or know about words (see `formats._write_text_rows`).
"""

from __future__ import annotations

import numba
import numpy as np

from .jit import JIT_OPTIONS as _JIT

LIMIT = 1e9  # |x| below this: at most 10 integer digits
ROW_BYTES_PER_VALUE = 19  # sign, 10 digits, '.', 6 decimals, ' '


@numba.njit(**_JIT)
def rows_fit(values):
    """Whether every value is finite and below LIMIT in magnitude."""
    for x in values.ravel():
        if not (-LIMIT < x < LIMIT):  # False for NaN too
            return False
    return True


@numba.njit(**_JIT)
def format_rows(values, bits, out, ends):
    """Write row i of `values` (float32, (n, dim); `bits` the same memory as uint32) as "%f "
    per value and a newline into `out`, ending at ends[i]; returns the bytes written."""
    digits = np.empty(12, dtype=np.uint8)
    at = 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            q = np.int64(np.rint(np.float64(values[i, j]) * 1e6))
            if bits[i, j] >> np.uint32(31):
                out[at] = 45  # '-'
                at += 1
                q = -q
            whole, frac = q // 1000000, q % 1000000
            n = 0
            while True:
                digits[n] = 48 + whole % 10
                n += 1
                whole //= 10
                if whole == 0:
                    break
            for k in range(n - 1, -1, -1):
                out[at] = digits[k]
                at += 1
            out[at] = 46  # '.'
            at += 1
            for k in range(5, -1, -1):
                out[at + k] = 48 + frac % 10
                frac //= 10
            at += 6
            out[at] = 32  # ' '
            at += 1
        out[at] = 10  # '\n'
        at += 1
        ends[i] = at
    return at
