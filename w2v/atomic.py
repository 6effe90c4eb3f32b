"""Write files so that they appear complete or not at all.

Data goes to a temporary file beside the target, is flushed and fsync'ed, then renamed over the
target in one step; on any error the temporary file is removed and the old target is untouched.

Large model files can skip the page cache (`direct=True`: O_DIRECT on Linux). On the virtual
machines these tools often run on, every page-cache page of a new file is memory the host
faults in: 800 MB took 2.3 s to write and fsync through the cache, 0.44 s direct (dd, this
machine), and a subword model's fastText .bin is 870 MB. Where the file system refuses
O_DIRECT, the same writer falls back to ordinary writes.

Does not: know any file format.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from .errors import OutputError


def check_writable(path: str) -> None:
    """Raise OutputError now, before any long work, if `path` cannot be written."""
    if path == "-":
        return
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a directory; give a file name for the output")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise OutputError(f"{path}: directory {directory} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                     dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write there ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise OutputError(f"{path}: the existing file is read-only")


@contextlib.contextmanager
def atomic_write(path: str, direct: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces `path` only once the block completes without error.

    With `direct`, the file is a `DirectWriter` (write and tell only), for large files
    written front to back."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                   dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        if direct:
            with DirectWriter(fd) as f:
                yield f
        else:
            with os.fdopen(fd, "wb", buffering=1 << 20) as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(f"{path}: writing failed ({exc.strerror or exc}); "
                          f"any previous file there is unchanged") from None
    except BaseException:
        _remove(tmp)
        raise


class DirectWriter:
    """A write-only file on `fd` (which it closes) that sends whole aligned blocks around the
    page cache (O_DIRECT), buffered in memory of its own; `close` writes the padded last
    block, cuts the file to its length and fsyncs it. Without O_DIRECT (another system, or a
    file system that refuses it) it writes the same blocks through the cache."""

    BLOCK = 8 << 20  # a multiple of every block size O_DIRECT asks to align to
    _ALIGN = 4096

    def __init__(self, fd: int):
        self._fd = fd
        self._buffer = mmap.mmap(-1, self.BLOCK)  # page-aligned, as O_DIRECT needs
        self._fill = 0  # bytes waiting in the buffer
        self._sent = 0  # bytes written to the file
        self._direct = _set_direct(fd, True)

    def write(self, data) -> int:
        if not isinstance(data, bytes):
            data = memoryview(data).cast("B")
        size, done = len(data), 0
        while done < size:
            take = min(self.BLOCK - self._fill, size - done)
            self._buffer.write(data if take == size else data[done:done + take])
            self._fill += take
            done += take
            if self._fill == self.BLOCK:
                self._send(self.BLOCK)
        return size

    def tell(self) -> int:
        return self._sent + self._fill

    def close(self) -> None:
        """Write what is buffered, fix the length, fsync; the file is complete after this."""
        length = self.tell()
        padded = -(-self._fill // self._ALIGN) * self._ALIGN
        self._buffer.write(bytes(padded - self._fill))
        self._send(padded)
        if self._sent != length:
            os.ftruncate(self._fd, length)
        os.fsync(self._fd)

    def _send(self, size: int) -> None:
        view = memoryview(self._buffer)[:size]
        try:
            while len(view):
                try:
                    written = os.write(self._fd, view)
                except OSError:
                    if not self._direct:
                        raise
                    # refused at the first write (some file systems accept the flag and not
                    # the I/O): from here on through the page cache
                    self._direct = _set_direct(self._fd, False)
                    continue
                view = view[written:]
                self._sent += written
        finally:
            view.release()  # a view left in a traceback would keep the buffer from closing
        self._fill = 0
        self._buffer.seek(0)

    def __enter__(self) -> DirectWriter:
        return self

    def __exit__(self, kind, *_) -> None:
        try:
            if kind is None:
                self.close()
        finally:
            self._buffer.close()
            os.close(self._fd)


def _set_direct(fd: int, on: bool) -> bool:
    """Turn O_DIRECT on or off for `fd`; whether it is on afterwards."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return False
    import fcntl

    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, (flags | flag) if on else (flags & ~flag))
    except OSError:
        return False
    return on


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
