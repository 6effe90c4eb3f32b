"""Atomic writes, through the page cache and around it (O_DIRECT)."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from w2v import atomic
from w2v.atomic import DirectWriter, atomic_write
from w2v.errors import OutputError


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 8 KiB, so that a few writes cross several of them."""
    monkeypatch.setattr(DirectWriter, "BLOCK", 8192)


def _pieces(rng):
    """Bytes and float32 arrays of awkward sizes, and the bytes they make together."""
    pieces = [b"header\n", rng.random((37, 100), dtype=np.float32), b"", b"x" * 8192,
              rng.random(3, dtype=np.float32), rng.random((300, 25), dtype=np.float32), b"end"]
    whole = b"".join(p if isinstance(p, bytes) else p.tobytes() for p in pieces)
    return pieces, whole


@pytest.mark.parametrize("direct", [False, True])
def test_written_bytes_and_positions_are_exact(tmp_path, small_blocks, direct):
    pieces, whole = _pieces(np.random.default_rng(0))
    path = tmp_path / "out.bin"
    positions = []
    with atomic_write(str(path), direct=direct) as f:
        for piece in pieces:
            f.write(piece if isinstance(piece, bytes) else memoryview(piece))
            positions.append(f.tell())
    assert path.read_bytes() == whole  # the padding of the last block is cut off
    assert positions[-1] == len(whole)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_a_length_of_whole_blocks_needs_no_padding(tmp_path, small_blocks):
    data = bytes(range(256)) * 64  # 16384 bytes: two blocks exactly
    with atomic_write(str(tmp_path / "out.bin"), direct=True) as f:
        f.write(data)
    assert (tmp_path / "out.bin").read_bytes() == data


def test_a_file_system_refusing_direct_io_gets_ordinary_writes(tmp_path, small_blocks,
                                                               monkeypatch):
    """Some file systems take the O_DIRECT flag and refuse the first write with EINVAL."""
    real_write, refused = os.write, []

    def write(fd, data):
        if not refused:
            refused.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(atomic.os, "write", write)
    pieces, whole = _pieces(np.random.default_rng(1))
    with atomic_write(str(tmp_path / "out.bin"), direct=True) as f:
        for piece in pieces:
            f.write(piece)
    assert refused and (tmp_path / "out.bin").read_bytes() == whole


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, small_blocks,
                                                              monkeypatch):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", full)
    with pytest.raises(OutputError, match="No space left.*previous file there is unchanged"):
        with atomic_write(str(path), direct=True) as f:
            f.write(b"y" * 20000)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_an_error_inside_the_block_leaves_the_old_file(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(str(path), direct=True) as f:
            f.write(b"new")
            raise KeyboardInterrupt
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]
