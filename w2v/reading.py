"""Open corpus files and read them in blocks that never split a word, streaming.

'-' is stdin; .gz, .bz2 and .xz are decompressed by extension; a directory is an error here (the
caller expands it). Reading goes in blocks cut at a whitespace byte, so no word and no UTF-8
character is ever split between blocks; a block only grows past its nominal size while a single
word is longer than it. `prefetched` reads ahead in a helper thread, so decompression overlaps
with whatever consumes the blocks.

Does not: decode, normalise or split text into tokens (see `tokenize`).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import sys
import threading
import zlib
from collections.abc import Iterator
from queue import Empty, Queue
from typing import BinaryIO

from .errors import CorpusError

BLOCK_SIZE = 1 << 22  # bytes per block: large enough to amortise, small enough to stay cheap


def open_corpus(path: str) -> BinaryIO:
    """Open one corpus path for binary reading, decompressing by extension."""
    if path == "-":
        return sys.stdin.buffer
    if os.path.isdir(path):
        raise CorpusError(f"{path}: is a directory, not a corpus file")
    try:
        if path.endswith(".gz"):
            return gzip.open(path, "rb")
        if path.endswith(".bz2"):
            return bz2.open(path, "rb")
        if path.endswith(".xz"):
            return lzma.open(path, "rb")
        return open(path, "rb")
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except PermissionError:
        raise CorpusError(f"{path}: permission denied") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot open ({exc.strerror or exc})") from None


def read_blocks(path: str, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Yield the bytes of `path` in blocks that each end at a whitespace byte (or the end).

    Decompression errors (a truncated .gz, say) become a CorpusError naming the file.
    """
    stream = open_corpus(path)
    pending = b""
    try:
        while True:
            try:
                data = stream.read(block_size)
            except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
                raise CorpusError(f"{path}: cannot read, the file is damaged or truncated "
                                  f"({exc})") from None
            if not data:
                break
            data = pending + data if pending else data
            cut = _last_whitespace(data)
            if cut < 0:  # one word longer than a block so far: keep accumulating it
                pending = data
                continue
            pending = data[cut + 1:]
            yield data[:cut + 1]
        if pending:
            yield pending
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _last_whitespace(data: bytes) -> int:
    return max(data.rfind(b) for b in (b" ", b"\n", b"\t", b"\r", b"\x00"))


def prefetched(blocks: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """Iterate `blocks` from a helper thread, so decompression (which releases the GIL)
    overlaps with hashing the previous block. Errors surface in the consumer."""
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce():
        try:
            for block in blocks:
                if stop.is_set():
                    return
                queue.put(block)
            queue.put(done)
        except BaseException as exc:  # handed to the consumer
            queue.put(exc)

    thread = threading.Thread(target=produce, daemon=True, name="w2v-reader")
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                thread.join(0.01)
