"""The one set of Numba options every JIT module compiles with.

Kernels release the GIL (so driver threads run them in parallel), are cached on disk (a second
run starts without compiling), skip bounds checks in the inner loops, and use fast-math without
`nnan`/`ninf`, so that NaN and infinity still compare as IEEE says and divergence checks work.

Never compile one Python function twice with `cache=True` under different options (serial and
parallel, say): both versions share one cache entry. Write two small entry points instead.

Does not: import numba for anything but these options' users; queries never load this module.
"""

from __future__ import annotations

FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})

JIT_OPTIONS = dict(nogil=True, cache=True, fastmath=set(FASTMATH), boundscheck=False,
                   error_model="numpy")
