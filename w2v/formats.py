"""Read and write word-vector files: word2vec binary and text, fastText .vec, GloVe, native.

Writers produce exactly what word2vec.c writes: a header "V D\\n", then per word the word, a
space, and either D native float32 values followed by "\\n" (binary) or D values as "%f " (text,
so each row ends in " \\n"). The native format (`.w2v`) keeps what training knows:

    bytes 0-7    magic b"\\x93W2VMDL\\n"
    bytes 8-15   header length H, little-endian uint64
    bytes 16..   H bytes of UTF-8 JSON: format version, vocabulary size, dimension, settings,
                 corpus and training report, and for each array its dtype, shape and offset
    then         64-byte aligned little-endian arrays: vectors (V x D float32), output weights
                 (V x D float32, negative sampling; V-1 x D, hierarchical softmax, when
                 trained), counts (V int64), and the words as UTF-8 joined by "\\n"

Native files load by memory-mapping. No reader ever unpickles or evaluates file content, and
every size a file claims is checked against the file's real size before anything is allocated.
Readers detect the format from the content, not the extension.

Does not: train, query, or decide output paths (see `cli`).
"""

from __future__ import annotations

import json
import mmap
import os
import re
import struct
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from .atomic import atomic_write
from .errors import ModelFormatError

NATIVE_MAGIC = b"\x93W2VMDL\n"
NATIVE_VERSION = 1
_ALIGN = 64
_HEADER_LIMIT = 1 << 26  # a JSON header larger than 64 MiB is not one of ours
# read-only map, pre-faulted in one go where the platform allows (much faster than page by page)
_MAP_READ = ({"prot": mmap.PROT_READ, "flags": mmap.MAP_SHARED | mmap.MAP_POPULATE}
             if hasattr(mmap, "MAP_POPULATE") else {"access": mmap.ACCESS_READ})


@dataclass
class VectorFile:
    """Words and their vectors as read from a file, with whatever else the format keeps."""

    words: list[str]
    vectors: np.ndarray  # float32 (V, D); a read-only memory map for native files
    format: str  # "native", "word2vec-binary", "word2vec-text" or "glove"
    counts: np.ndarray | None = None
    output: np.ndarray | None = None  # negative-sampling output weights (V x D)
    metadata: dict = field(default_factory=dict)
    output_hs: np.ndarray | None = None  # hierarchical-softmax inner nodes (V-1 x D)


def output_format(path: str) -> str:
    """The format `path`'s extension asks for: .bin, .txt/.vec, anything else native."""
    lower = path.lower()
    if lower.endswith(".bin"):
        return "word2vec-binary"
    if lower.endswith((".txt", ".vec")):
        return "word2vec-text"
    return "native"


# ---------------------------------------------------------------- writing


def save_word2vec(path: str, words: list[str], vectors: np.ndarray, binary: bool) -> None:
    """Write word2vec.c's binary or text format, atomically."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    with atomic_write(path) as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        if binary:
            _write_binary_rows(f, words, vectors)
        else:
            _write_text_rows(f, words, vectors)


def _write_binary_rows(f: BinaryIO, words: list[str], vectors: np.ndarray) -> None:
    native = vectors.astype(vectors.dtype.newbyteorder("="), copy=False)
    for word, row in zip(words, native):
        f.write(word.encode("utf-8") + b" ")
        f.write(row.tobytes())
        f.write(b"\n")


def _write_text_rows(f: BinaryIO, words: list[str], vectors: np.ndarray) -> None:
    row_format = "%f " * vectors.shape[1] + "\n"  # word2vec.c: fprintf(fo, "%lf ", ...)
    lines = []
    for word, row in zip(words, vectors.tolist()):
        lines.append(word + " " + row_format % tuple(row))
        if len(lines) >= 4096:
            f.write("".join(lines).encode("utf-8"))
            lines.clear()
    f.write("".join(lines).encode("utf-8"))


def save_native(path: str, words: list[str], vectors: np.ndarray, output: np.ndarray | None,
                counts: np.ndarray | None, metadata: dict,
                output_hs: np.ndarray | None = None) -> None:
    """Write the native format (see module docstring), atomically."""
    arrays = {"vectors": np.ascontiguousarray(vectors, dtype="<f4")}
    if output is not None and len(output):
        arrays["output"] = np.ascontiguousarray(output, dtype="<f4")
    if output_hs is not None and len(output_hs):
        arrays["output_hs"] = np.ascontiguousarray(output_hs, dtype="<f4")
    if counts is not None:
        arrays["counts"] = np.ascontiguousarray(counts, dtype="<i8")
    arrays["words"] = np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)
    header = {"format": "w2v-native", "version": NATIVE_VERSION, "vocab_size": len(words),
              "dim": int(vectors.shape[1]), "metadata": metadata, "arrays": {}}
    # offsets depend on the header length, which depends on the offsets: fix the header size
    # first with placeholder offsets wide enough for any file, then fill them in
    for name, arr in arrays.items():
        header["arrays"][name] = {"dtype": arr.dtype.str, "shape": list(arr.shape),
                                  "offset": 10**15}
    start = _aligned(16 + len(json.dumps(header).encode()))
    offset = start
    for name, arr in arrays.items():
        header["arrays"][name]["offset"] = offset
        offset = _aligned(offset + arr.nbytes)
    blob = json.dumps(header).encode()
    with atomic_write(path) as f:
        f.write(NATIVE_MAGIC + struct.pack("<Q", len(blob)) + blob)
        for name, arr in arrays.items():
            f.write(b"\0" * (header["arrays"][name]["offset"] - f.tell()))
            f.write(memoryview(arr).cast("B"))  # no copy of the largest arrays


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


# ---------------------------------------------------------------- reading


def load(path: str) -> VectorFile:
    """Read any supported vector file, detecting its format from the content."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(4096)
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ModelFormatError(f"{path}: is a directory, not a vector file") from None
    except OSError as exc:
        raise ModelFormatError(f"{path}: cannot read ({exc.strerror})") from None
    if head.startswith(NATIVE_MAGIC):
        return load_native(path)
    if not head:
        raise ModelFormatError(f"{path}: the file is empty")
    header = _word2vec_header(head)
    if header is None:
        return _load_glove(path)
    rows, dim = header
    if rows * dim * 4 > size and not _first_row_is_text(head, dim):
        raise ModelFormatError(f"{path}: header claims {rows} x {dim} vectors but the file has "
                               f"only {size} bytes")
    if _first_row_is_text(head, dim):
        return _load_word2vec_text(path, rows, dim)
    return _load_word2vec_binary(path, rows, dim)


def _word2vec_header(head: bytes) -> tuple[int, int] | None:
    """(rows, dim) if the first line is a word2vec header "V D", else None."""
    line = head.split(b"\n", 1)[0]
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    rows, dim = int(parts[0]), int(parts[1])
    return (rows, dim) if dim > 0 else None


def _first_row_is_text(head: bytes, dim: int) -> bool:
    lines = head.split(b"\n", 2)
    if len(lines) < 3:  # the first row did not fit in the sample: decide on what we have
        return all(b >= 9 for b in head) and _decodes(head)
    parts = lines[1].split()
    if len(parts) != dim + 1:
        return False
    try:
        [float(p) for p in parts[1:]]
    except ValueError:
        return False
    return True


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _load_word2vec_binary(path: str, rows: int, dim: int) -> VectorFile:
    """Rows are `word` + space + dim float32 + optional newline; word lengths vary.

    The file is memory-mapped. One regular-expression scan (in C) returns every row's word,
    skipping each vector in O(1); the words' lengths give the vectors' offsets, and all vectors
    are gathered in one copy through a sliding-window view. No Python loop runs per row.
    """
    row_bytes = dim * 4
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, **_MAP_READ) as data:
        first = data.find(b"\n") + 1
        # a row: optional newline ending the previous row, the word, a space, the vector
        raw = re.compile(rb"(\n?[^ ]*) (?s:.{%d})" % row_bytes).findall(data, first)[:rows]
        if len(raw) < rows:
            raise ModelFormatError(f"{path}: truncated: the header promises {rows} rows of "
                                   f"dimension {dim} but only {len(raw)} are complete")
        lengths = np.fromiter(map(len, raw), dtype=np.int64, count=rows)
        row_starts = first + np.concatenate([[0], np.cumsum(lengths + 1 + row_bytes)[:-1]])
        buf = np.frombuffer(data, dtype=np.uint8)
        vectors = np.lib.stride_tricks.sliding_window_view(buf, row_bytes)[
            row_starts + lengths + 1]
        del buf  # release the buffer export so the map can close
    # words never contain whitespace: drop the row-ending newlines, split on the joining spaces
    words = b" ".join(raw).replace(b"\n", b"").decode("utf-8", errors="replace").split(" ")
    return VectorFile(words if rows else [], vectors.view("<f4").astype(np.float32, copy=False),
                      "word2vec-binary")


def _load_word2vec_text(path: str, rows: int, dim: int) -> VectorFile:
    return _read_text_rows(path, dim, header=True, expected=rows, fmt="word2vec-text")


def _load_glove(path: str) -> VectorFile:
    with open(path, "rb") as f:
        first = next((line for line in f if line.strip()), b"")
    if not first:
        raise ModelFormatError(f"{path}: the file holds no vectors")
    dim = len(first.split()) - 1
    if dim < 1:
        raise ModelFormatError(f"{path}: line 1 is not 'word value...': not a vector file")
    return _read_text_rows(path, dim, header=False, expected=None, fmt="glove")


_TEXT_BATCH = 20_000  # rows parsed per numpy call: C speed, memory bounded by the batch


def _read_text_rows(path: str, dim: int, header: bool, expected: int | None,
                    fmt: str) -> VectorFile:
    """Stream `word v1 ... vD` rows; numbers are parsed a batch at a time by numpy."""
    words: list[str] = []
    parts: list[np.ndarray] = []
    batch: list[tuple[int, str, str]] = []  # (line number, word, values)
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if (header and number == 1) or not line.strip():
                continue
            word, _, rest = line.lstrip().partition(" ")
            batch.append((number, word, rest))
            if len(batch) == _TEXT_BATCH:
                parts.append(_parse_batch(path, batch, dim))
                words.extend(w for _, w, _ in batch)
                batch = []
                if expected is not None and len(words) > expected:
                    break
        if batch:
            parts.append(_parse_batch(path, batch, dim))
            words.extend(w for _, w, _ in batch)
    if expected is not None and len(words) != expected:
        raise ModelFormatError(f"{path}: header says {expected} rows but the file has "
                               f"{'more' if len(words) > expected else len(words)}")
    vectors = np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)
    return VectorFile(words, vectors, fmt)


def _parse_batch(path: str, batch: list[tuple[int, str, str]], dim: int) -> np.ndarray:
    text = " ".join(values for _, _, values in batch)
    try:
        with warnings.catch_warnings():  # numpy only warns when text is not all numbers
            warnings.simplefilter("error")
            flat = np.fromstring(text, dtype=np.float32, sep=" ")
    except (ValueError, DeprecationWarning):
        flat = None
    if flat is not None and len(flat) == len(batch) * dim:
        return flat.reshape(len(batch), dim)
    for number, word, values in batch:  # find the first bad row to name it
        fields = values.split()
        try:
            [float(x) for x in fields]
        except ValueError:
            raise ModelFormatError(f"{path}: line {number}: non-numeric value in the vector "
                                   f"of '{word}'") from None
        if len(fields) != dim:
            raise ModelFormatError(f"{path}: line {number}: {len(fields)} values where {dim} "
                                   f"were expected")
    raise ModelFormatError(f"{path}: malformed vector rows")


def load_native(path: str) -> VectorFile:
    """Open a native model by memory-mapping its arrays (read-only)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = f.read(16)
        if len(prefix) < 16 or not prefix.startswith(NATIVE_MAGIC):
            raise ModelFormatError(f"{path}: not a w2v native model (bad magic)")
        (length,) = struct.unpack("<Q", prefix[8:])
        if length > min(size - 16, _HEADER_LIMIT):
            raise ModelFormatError(f"{path}: header length {length} exceeds the file size")
        try:
            header = json.loads(f.read(length).decode("utf-8"))
            vocab_size, dim = int(header["vocab_size"]), int(header["dim"])
            arrays = {name: _map_array(path, size, spec)
                      for name, spec in header["arrays"].items()}
            words = bytes(arrays["words"]).decode("utf-8").split("\n") if vocab_size else []
            vectors = arrays["vectors"]
        except ModelFormatError:
            raise
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"{path}: damaged header ({exc})") from None
    if vectors.shape != (vocab_size, dim) or len(words) != vocab_size:
        raise ModelFormatError(f"{path}: {len(words)} words and {vectors.shape} vectors do not "
                               f"match the header's {vocab_size} x {dim}")
    return VectorFile(words, vectors, "native", counts=arrays.get("counts"),
                      output=arrays.get("output"), metadata=header.get("metadata", {}),
                      output_hs=arrays.get("output_hs"))


def _map_array(path: str, size: int, spec: dict) -> np.ndarray:
    dtype = np.dtype(spec["dtype"])
    if dtype.kind not in "fiu":
        raise ModelFormatError(f"{path}: unsupported array type {spec['dtype']}")
    shape = tuple(int(n) for n in spec["shape"])
    offset = int(spec["offset"])
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if min(shape, default=0) < 0 or offset < 16 or offset + nbytes > size:
        raise ModelFormatError(f"{path}: an array at byte {offset} runs past the end of the file "
                               f"({size} bytes); the file is truncated")
    if nbytes == 0:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
