"""Open corpus files and read them in blocks that never split a word, streaming.

'-' is stdin; .gz, .bz2 and .xz are decompressed by extension; a directory is an error here (the
caller expands it). Reading goes in blocks cut at a whitespace byte, so no word and no UTF-8
character is ever split between blocks; a block only grows past its nominal size while a single
word is longer than it. `prefetched` reads ahead in a helper thread, so decompression overlaps
with whatever consumes the blocks. `read_blocks` can also read the words of a byte range of
the decompressed stream (a corpus shard, see `shards`).

Does not: decode, normalise or split text into tokens (see `tokenize`).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import sys
import threading
import zlib
from collections.abc import Iterator
from queue import Empty, Queue
from typing import BinaryIO

from .errors import ConfigError, CorpusError

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


def read_blocks(path: str, block_size: int = BLOCK_SIZE, start: int = 0,
                stop: int | None = None) -> Iterator[bytes]:
    """Yield the bytes of `path` in blocks that each end at a whitespace byte (or the end).

    With `start` and `stop` (offsets in the decompressed stream; `stop` None is the end), only
    the words whose first byte lies in [start, stop) are read: a range that starts inside a word
    skips past the next whitespace byte, and one that ends inside a word reads on to its end.
    Exactly, the range read runs from just after the first whitespace byte at or after
    start - 1 to just after the first at or after stop - 1 (so a line break ending a range's
    last word belongs to that range). One rule at both ends: the ranges of a partition of a
    file, read in turn, give exactly its bytes. A compressed file cannot seek: its bytes
    before `start` are decompressed and dropped. stdin cannot be read in ranges (ConfigError).
    Decompression errors (a truncated .gz, say) become a CorpusError naming the file.
    """
    if (start or stop is not None) and path == "-":
        raise ConfigError("-: stdin cannot be read in byte ranges; give corpus files instead")
    stream = open_corpus(path)
    pending = b""
    try:
        chunks = (_ranged_chunks(stream, path, block_size, start, stop)
                  if start or stop is not None else _chunks(stream, path, block_size))
        for data in chunks:
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


def decompressed_size(path: str) -> int:
    """Bytes in the decompressed stream of `path`: the file size for a plain file; a compressed
    one is decompressed and counted, streaming (about 0.5 s per 100 MB of gzip text)."""
    if path == "-":
        raise ConfigError("-: the size of stdin is not known in advance; give corpus files "
                          "instead")
    stream = open_corpus(path)
    try:
        if not path.endswith(_COMPRESSED) and stream.seekable():
            return os.fstat(stream.fileno()).st_size
        return sum(len(data) for data in _chunks(stream, path, BLOCK_SIZE))
    finally:
        stream.close()


def planned_size(path: str) -> int:
    """`decompressed_size`, or for a .gz file a guess from its trailer without decompressing
    it (0.5 s saved per 100 MB of gzip text): the size gzip records for its last member, when
    the file is too small for that number (the size modulo 2**32) to have wrapped at a
    plausible ratio and the number is plausible. A file of several gzip members gets the last
    one's size: a plan cut on it is uneven, never wrong (its last range runs to the end)."""
    if path.endswith(".gz") and path != "-":
        check_corpus(path)  # a file that is not gzip fails here, in one line
        try:
            with open(path, "rb") as f:
                compressed = os.fstat(f.fileno()).st_size
                f.seek(-4, os.SEEK_END)
                recorded = int.from_bytes(f.read(4), "little")
        except OSError as exc:
            raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from None
        if compressed // 2 <= recorded and compressed * _MAX_GZIP_RATIO < 1 << 32:
            return recorded
    return decompressed_size(path)


_MAX_GZIP_RATIO = 32  # text gzips 2.5-4x; past 32x the recorded size could have wrapped


def check_corpus(path: str) -> None:
    """Open `path` and read its first block: a file that is missing, unreadable or not what
    its extension says fails here, in one line, without reading the rest."""
    stream = open_corpus(path)
    try:
        _read(stream, path, BLOCK_SIZE)
    finally:
        stream.close()


_COMPRESSED = (".gz", ".bz2", ".xz")
_WHITESPACE = re.compile(rb"[ \n\t\r\x00]")  # the bytes blocks are cut at


def _read(stream: BinaryIO, path: str, size: int) -> bytes:
    try:
        return stream.read(size)
    except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        raise CorpusError(f"{path}: cannot read, the file is damaged or truncated "
                          f"({exc})") from None


def _chunks(stream: BinaryIO, path: str, block_size: int) -> Iterator[bytes]:
    while data := _read(stream, path, block_size):
        yield data


def _ranged_chunks(stream: BinaryIO, path: str, block_size: int, start: int,
                   stop: int | None) -> Iterator[bytes]:
    """The bytes from just after the first whitespace at or after start - 1 (0 when start is
    0) through the first whitespace at or after stop - 1 (the end when stop is None): one
    rule at both ends, so that neighbouring ranges meet exactly."""
    data, position = b"", 0  # `position`: the offset of data[0]
    if start > 0:
        position = start - 1
        if path.endswith(_COMPRESSED) or not stream.seekable():  # decompress and drop
            skipped = 0
            while skipped < start - 1:
                dropped = _read(stream, path, min(BLOCK_SIZE, start - 1 - skipped))
                if not dropped:
                    return
                skipped += len(dropped)
        else:
            stream.seek(start - 1)
        while True:  # drop the word under way at start - 1, up to its whitespace
            data = _read(stream, path, block_size)
            if not data:
                return
            match = _WHITESPACE.search(data)
            if match:
                position += match.end()
                data = data[match.end():]
                break
            position += len(data)
    if stop is None:
        if data:
            yield data
        yield from _chunks(stream, path, block_size)
        return
    if stop <= position:  # the range's words all began before start: none left
        return
    scan_from = stop - 1  # the range ends at the first whitespace at or after this offset
    while True:
        if data and position + len(data) > scan_from:
            match = _WHITESPACE.search(data, scan_from - position)
            if match:
                yield data[:match.end()]
                return
            scan_from = position + len(data)
        if data:
            yield data
            position += len(data)
        data = _read(stream, path, block_size)
        if not data:
            return


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
