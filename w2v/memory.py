"""Keep the C heap from holding on to freed buffers, so peak memory stays what training needs.

glibc serves a large allocation with its own mapping and unmaps it when freed, but after the first
such free it raises that threshold (up to 32 MiB) and later large buffers come from the heap, where
freed space stays resident. Reading passes 4 MiB blocks and their token ids through the heap, and
each thread keeps its own heap: on enwiki-t8 that held 25-35 MB nobody used during training.
Both functions are glibc-specific and do nothing elsewhere.

Does not: decide what is allocated; callers still free what they no longer need.
"""

from __future__ import annotations

import ctypes
import functools

_M_MMAP_THRESHOLD = -3  # mallopt parameter, from glibc's malloc.h
_LARGE = 1 << 20  # bytes: reading blocks and id buffers are larger, per-chunk scratch smaller


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - both exist only in glibc
        return libc
    except (OSError, AttributeError):
        return None


def unmap_large_buffers() -> None:
    """Serve buffers of 1 MiB and more from their own mappings, returned to the OS when freed
    (a fixed threshold: glibc then stops raising it). Process-wide and lasting: a program that
    calls w2v.train keeps this setting afterwards."""
    if libc := _libc():
        libc.mallopt(_M_MMAP_THRESHOLD, _LARGE)


def return_free_memory() -> None:
    """Give freed heap memory of every thread back to the OS."""
    if libc := _libc():
        libc.malloc_trim(0)
