"""Write files so that they appear complete or not at all.

Data goes to a temporary file beside the target, is flushed and fsync'ed, then renamed over the
target in one step; on any error the temporary file is removed and the old target is untouched.

Does not: know any file format.
"""

from __future__ import annotations

import contextlib
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
def atomic_write(path: str) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces `path` only once the block completes without error."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                   dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
