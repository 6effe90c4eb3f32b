"""The JIT loop behind `sampling.alias_table`: Vose's alias method over scaled weights.

Only an `@njit` function of arrays lives here. It repeats the float operations of the Python loop
w2v used before (same stacks, same order), compiled without fast-math so that no rewriting of
`a - (1 - b)` changes a rounding: the table, and so every negative a seed draws, stays what it
was for the same vocabulary. A loop in compiled code takes milliseconds for millions of words.

Does not: scale the weights or turn probabilities into thresholds (see `sampling`).
"""

from __future__ import annotations

import numba
import numpy as np

from .jit import JIT_OPTIONS

# exact IEEE arithmetic here: the table must not depend on what fast-math may reassociate
_EXACT = dict(JIT_OPTIONS, fastmath=False)


@numba.njit(**_EXACT)
def vose(scaled, prob, alias):
    """Fill prob (each column's share of its own word) and alias (the other word) from weights
    scaled to mean 1; `scaled` is used up. Columns never touched keep prob 1."""
    n = len(scaled)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        n_large -= 1
        g = large[n_large]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            small[n_small] = g
            n_small += 1
        else:
            large[n_large] = g
            n_large += 1
