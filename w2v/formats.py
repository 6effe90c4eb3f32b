"""Read and write word-vector files: word2vec binary and text, fastText .vec, GloVe, native.

Writers produce what word2vec.c writes: a header "V D\\n", then per word the word, a space, and
either D float32 values followed by "\\n" (binary) or D values as "%f " (text, so each row ends
in " \\n"). Binary values are always little-endian (word2vec.c writes the machine's order, which
is little-endian wherever it runs today; readers assume it). GloVe files are text rows without
the header; the Embedding Projector gets vectors.tsv and metadata.tsv. The native format
(`.w2v`) keeps what training knows:

    bytes 0-7    magic b"\\x93W2VMDL\\n"
    bytes 8-15   header length H, little-endian uint64
    bytes 16..   H bytes of UTF-8 JSON: format version, vocabulary size, dimension, settings,
                 corpus and training report, and for each array its dtype, shape and offset
    then         64-byte aligned little-endian arrays: vectors (V x D float32), output weights
                 (V x D float32, negative sampling; V-1 x D, hierarchical softmax, when
                 trained), counts (V int64), and the words as UTF-8 joined by "\\n"

A model with character n-grams (fastText's subwords) adds input_rows (V x D float32: each word's
own input row), ngram_buckets (U int64: the bucket id of each n-gram row, unique) and
ngram_vectors (U x D float32), and metadata["subwords"] = {"minn", "maxn", "bucket"}; buckets
without a row are zero (see `subwords.NgramRows`). "vectors" stays the composed word vectors
(own row and n-gram rows averaged), so every reader and query works on it unchanged, and
`VectorFile.subwords` gives unseen words fastText's vector: the mean over all their n-grams.

How a file's format is decided, first rule that applies: the native magic; fastText's .bin magic
(a .bin or quantized .ftz model, read by `fasttext_format`); an extension that names a format
(`.txt`, `.vec`: text only, with a "V D" header or, GloVe, without; `.bin`: binary only); else
the content (text when the first rows parse as text, else binary). Every reader is strict: a
file that is not what it claims is refused with the line or row where it stops being so, never
read as garbage. Words must be valid UTF-8 unless the caller asks for unicode_errors="replace"
(gensim's option), which counts the replaced words and those that then equal another word.

Deliberate differences from gensim's reader: a text row's word may contain spaces (gensim writes
such words; the D values are split off from the right), each row's value count is checked, and a
binary file must hold exactly the rows its header promises, back to back.

Native files load by memory-mapping, the n-gram rows too. No reader ever unpickles or evaluates
file content, and every size a file claims is checked against the file's real size (in Python
integers, which cannot overflow) before anything is allocated.

Does not: train, query, or decide output paths (see `cli`); read or write fastText .bin models
(see `fasttext_format`, which also holds the unseen-word lookups).
"""

from __future__ import annotations

import itertools
import json
import math
import mmap
import operator
import os
import re
import struct
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from .atomic import atomic_write
from .errors import ConfigError, ModelFormatError

if TYPE_CHECKING:
    from .fasttext_format import NativeSubwordModel, SubwordModel
    from .subwords import NgramRows

NATIVE_MAGIC = b"\x93W2VMDL\n"
NATIVE_VERSION = 1
FASTTEXT_MAGIC = struct.pack("<i", 793712314)  # the int32 that begins a fastText .bin model
UNICODE_ERRORS = ("strict", "replace")
_ALIGN = 64
_HEADER_LIMIT = 1 << 26  # a JSON header larger than 64 MiB is not one of ours
_SNIFF = 1 << 20  # bytes read to decide the format: many text rows even at 1,000 dimensions
# read-only map, pre-faulted in one go where the platform allows (much faster than page by page)
_MAP_READ = ({"prot": mmap.PROT_READ, "flags": mmap.MAP_SHARED | mmap.MAP_POPULATE}
             if hasattr(mmap, "MAP_POPULATE") else {"access": mmap.ACCESS_READ})


@dataclass
class VectorFile:
    """Words and their vectors as read from a file, with whatever else the format keeps."""

    words: list[str]
    vectors: np.ndarray  # float32 (V, D); a read-only memory map for native files
    format: str  # "native", "word2vec-binary", "word2vec-text", "glove", "fasttext-bin"/"-ftz"
    counts: np.ndarray | None = None
    output: np.ndarray | None = None  # negative-sampling output weights (V x D)
    metadata: dict = field(default_factory=dict)
    output_hs: np.ndarray | None = None  # hierarchical-softmax inner nodes (V-1 x D)
    replaced_words: int = 0  # words whose invalid UTF-8 became U+FFFD (unicode_errors="replace")
    colliding_words: int = 0  # of those, how many now equal another word (queries use the first)
    # models with character n-grams: vectors for unseen words too
    subwords: SubwordModel | NativeSubwordModel | None = None
    input_rows: np.ndarray | None = None  # with n-grams: each word's own input row (V x D)
    ngrams: NgramRows | None = None  # with n-grams: the n-gram rows (native, fastText .bin)


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
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    with atomic_write(path, direct=True) as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        if binary:
            _write_binary_rows(f, words, vectors)
        else:
            _write_text_rows(f, words, vectors)


def _write_binary_rows(f: BinaryIO, words: list[str], vectors: np.ndarray) -> None:
    little = np.ascontiguousarray(vectors, dtype="<f4")  # what every reader expects, on any host
    for word, row in zip(words, little):
        f.write(word.encode("utf-8") + b" ")
        f.write(row.tobytes())
        f.write(b"\n")


def _write_text_rows(f: BinaryIO, words: list[str], vectors: np.ndarray,
                     row_format: str | None = None) -> None:
    if row_format is None and vectors.size >= _JIT_TEXT_VALUES:
        _write_text_rows_fast(f, words, vectors)
        return
    row_format = row_format or "%f " * vectors.shape[1] + "\n"  # word2vec.c: "%lf " per value
    for start in range(0, len(words), _TEXT_ROWS):
        # a block at a time: tolist() of the whole matrix is 24 bytes per value (200 MB for
        # 82k x 100) on top of the matrix
        rows = np.asarray(vectors[start:start + _TEXT_ROWS]).tolist()
        f.write("".join(word + " " + row_format % tuple(row)
                        for word, row in zip(words[start:start + _TEXT_ROWS], rows)
                        ).encode("utf-8"))


_TEXT_ROWS = 4096
_JIT_TEXT_VALUES = 1 << 20  # from a million values on, the compiled formatter is worth loading


def _write_text_rows_fast(f: BinaryIO, words: list[str], vectors: np.ndarray) -> None:
    """`_write_text_rows` with "%f " formatting compiled (`text_kernels`), the same bytes; a
    block with values it cannot format goes through Python's."""
    from . import text_kernels as tk

    dim = vectors.shape[1]
    out = np.empty(_TEXT_ROWS * (dim * tk.ROW_BYTES_PER_VALUE + 1), dtype=np.uint8)
    ends = np.empty(_TEXT_ROWS, dtype=np.int64)
    row_format = "%f " * dim + "\n"
    for start in range(0, len(words), _TEXT_ROWS):
        block = np.ascontiguousarray(vectors[start:start + _TEXT_ROWS], dtype=np.float32)
        names = words[start:start + _TEXT_ROWS]
        if not tk.rows_fit(block):
            f.write("".join(w + " " + row_format % tuple(r)
                            for w, r in zip(names, block.tolist())).encode("utf-8"))
            continue
        tk.format_rows(block, block.view(np.uint32), out, ends)
        text = out.tobytes()
        begins = [0, *ends[:len(names) - 1].tolist()]
        f.write(b"".join(w.encode("utf-8") + b" " + text[b:e]
                         for w, b, e in zip(names, begins, ends[:len(names)].tolist())))


def save_glove(path: str, words: list[str], vectors: np.ndarray) -> None:
    """Write GloVe's text format (word2vec text without the header or trailing spaces),
    atomically."""
    vectors = np.asarray(vectors, dtype=np.float32)
    row_format = " ".join(["%f"] * vectors.shape[1]) + "\n"
    with atomic_write(path) as f:
        _write_text_rows(f, words, vectors, row_format)


def save_projector(directory: str, words: list[str], vectors: np.ndarray) -> None:
    """Write vectors.tsv and metadata.tsv (one word per line, no header) into `directory` for
    TensorBoard's Embedding Projector, each atomically."""
    os.makedirs(directory, exist_ok=True)
    with atomic_write(os.path.join(directory, "vectors.tsv")) as out:
        out.write("".join("\t".join(f"{x:.6g}" for x in v) + "\n"
                          for v in np.asarray(vectors).tolist()).encode())
    with atomic_write(os.path.join(directory, "metadata.tsv")) as out:
        out.write("".join(w + "\n" for w in words).encode())


def save_native(path: str, words: list[str], vectors: np.ndarray, output: np.ndarray | None,
                counts: np.ndarray | None, metadata: dict,
                output_hs: np.ndarray | None = None, *, input_rows: np.ndarray | None = None,
                ngrams: NgramRows | None = None) -> None:
    """Write the native format (see module docstring), atomically. A model with character
    n-grams gives `input_rows` (the words' own rows) and `ngrams`; `vectors` are then the
    composed word vectors, and metadata["subwords"] is set from `ngrams`."""
    arrays = {"vectors": np.ascontiguousarray(vectors, dtype="<f4")}
    if output is not None and len(output):
        arrays["output"] = np.ascontiguousarray(output, dtype="<f4")
    if output_hs is not None and len(output_hs):
        arrays["output_hs"] = np.ascontiguousarray(output_hs, dtype="<f4")
    if counts is not None:
        arrays["counts"] = np.ascontiguousarray(counts, dtype="<i8")
    if (input_rows is None) != (ngrams is None):
        raise ConfigError(f"{path}: a subword model needs both input_rows and ngrams")
    if ngrams is not None:
        arrays.update(_subword_arrays(path, len(words), arrays["vectors"].shape[1], input_rows,
                                      ngrams))
        metadata = {**metadata, "subwords": {"minn": int(ngrams.minn), "maxn": int(ngrams.maxn),
                                             "bucket": int(ngrams.bucket)}}
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
    with atomic_write(path, direct=True) as f:
        f.write(NATIVE_MAGIC + struct.pack("<Q", len(blob)) + blob)
        for name, arr in arrays.items():
            f.write(b"\0" * (header["arrays"][name]["offset"] - f.tell()))
            if arr.nbytes:  # memoryview cannot cast an empty array
                f.write(memoryview(arr).cast("B"))  # no copy of the largest arrays


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def _subword_arrays(path: str, vocab_size: int, dim: int, input_rows: np.ndarray,
                    ngrams: NgramRows) -> dict[str, np.ndarray]:
    """The native arrays of a subword model, checked as the reader will check them, so that
    w2v never writes a file it would refuse."""
    arrays = {"input_rows": np.ascontiguousarray(input_rows, dtype="<f4"),
              "ngram_buckets": np.ascontiguousarray(ngrams.buckets, dtype="<i8"),
              "ngram_vectors": np.ascontiguousarray(ngrams.vectors, dtype="<f4")}
    if arrays["input_rows"].shape != (vocab_size, dim):
        raise ConfigError(f"{path}: input_rows has shape {arrays['input_rows'].shape}, not "
                          f"{(vocab_size, dim)}")
    buckets = arrays["ngram_buckets"]
    if buckets.ndim != 1 or arrays["ngram_vectors"].shape != (len(buckets), dim):
        raise ConfigError(f"{path}: ngram vectors of shape {arrays['ngram_vectors'].shape} for "
                          f"{len(buckets)} buckets of dimension {dim}")
    problem = _bucket_problem(buckets, ngrams.bucket)
    if problem:
        raise ConfigError(f"{path}: ngram buckets {problem}")
    return arrays


def _bucket_problem(buckets: np.ndarray, bucket: int) -> str | None:
    """Why `buckets` is not a list of unique ids in [0, bucket), or None."""
    if not len(buckets):
        return None
    low, high = int(buckets.min()), int(buckets.max())
    if low < 0 or high >= bucket:
        return f"hold bucket {low if low < 0 else high} outside [0, {bucket})"
    ordered = np.sort(buckets)
    repeats = np.flatnonzero(np.diff(ordered) == 0)
    if len(repeats):
        return f"are not unique: bucket {ordered[repeats[0]]} has two rows"
    return None


# ---------------------------------------------------------------- reading: format detection


class _Refused(Exception):
    """Why a reader refuses a file, without the path: `load` adds it (or joins two reasons)."""


def load(path: str, unicode_errors: str = "strict") -> VectorFile:
    """Read any supported vector file; the module docstring says how its format is decided.

    `unicode_errors`: "strict" refuses a word that is not valid UTF-8, naming its row;
    "replace" loads it with U+FFFD in place of the bad bytes and counts such words in
    `replaced_words` and `colliding_words`.
    """
    if unicode_errors not in UNICODE_ERRORS:
        raise ConfigError(f"unicode_errors must be 'strict' or 'replace', not {unicode_errors!r}")
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(_SNIFF)
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ModelFormatError(f"{path}: is a directory, not a vector file") from None
    except OSError as exc:
        raise ModelFormatError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return _load(path, head, size, unicode_errors)
    except _Refused as exc:
        raise ModelFormatError(f"{path}: {exc}") from None


def load_native(path: str, unicode_errors: str = "strict") -> VectorFile:
    """Open a native model by memory-mapping its arrays (read-only)."""
    try:
        return _load_native(path, os.path.getsize(path), unicode_errors)
    except _Refused as exc:
        raise ModelFormatError(f"{path}: {exc}") from None


def _load(path: str, head: bytes, size: int, unicode_errors: str) -> VectorFile:
    if head.startswith(NATIVE_MAGIC):
        return _load_native(path, size, unicode_errors)
    if head.startswith(FASTTEXT_MAGIC):
        from .fasttext_format import read_fasttext  # it imports this module

        return read_fasttext(path, unicode_errors)
    if not head:
        raise _Refused("the file is empty")
    lower = path.lower()
    if lower.endswith((".txt", ".vec")):
        try:
            return _read_text_file(path, unicode_errors)
        except _Refused as exc:
            if _looks_like_text(head):
                raise
            raise _Refused(f"{exc} (the content looks binary: a word2vec binary file should be "
                           f"named .bin)") from None
    if lower.endswith(".bin"):
        try:
            return _read_binary_file(path, head, unicode_errors)
        except _Refused as exc:
            if not _looks_like_text(head):
                raise
            raise _Refused(f"{exc} (the file looks like text: name it .txt)") from None
    try:  # no telling extension: text if its first rows parse as text, else binary
        _read_text(_complete_lines(head, size), unicode_errors, whole_file=False)
    except _Refused as exc:
        as_text = str(exc)
    else:
        return _read_text_file(path, unicode_errors)
    try:
        return _read_binary_file(path, head, unicode_errors)
    except _Refused as exc:
        raise _Refused(f"not a vector file: as text, {as_text}; as word2vec binary, {exc} "
                       f"(a .txt, .vec or .bin name reads it as that format only)") from None


_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")  # control bytes text does not hold


def _looks_like_text(head: bytes) -> bool:
    """Whether the sample holds no control bytes; float32 data nearly always does."""
    return _BINARY_BYTES.search(head) is None


def _complete_lines(head: bytes, size: int) -> list[bytes]:
    """The sample's lines, without a last one the sample cut short."""
    if len(head) < size:
        cut = head.rfind(b"\n")
        if cut < 0:
            raise _Refused(f"no line ends within the first {_SNIFF} bytes")
        head = head[:cut]
    return head.split(b"\n")


def _word2vec_header(line: bytes) -> tuple[int, int] | None:
    """(rows, dim) if `line` is a word2vec header "V D" with D > 0, else None."""
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 18 for p in parts):
        return None
    rows, dim = int(parts[0]), int(parts[1])
    return (rows, dim) if dim > 0 else None


def _decode_words(joined: bytes, sep: bytes, unicode_errors: str,
                  where: Callable[[int], str]) -> tuple[list[str], list[int]]:
    """The words in `joined` (separated by `sep`), and the indices of those whose invalid
    UTF-8 was replaced; in strict mode the first such word is an error, named by `where(i)`."""
    if not joined:
        return [], []
    try:
        return joined.decode("utf-8").split(sep.decode()), []
    except UnicodeDecodeError:
        pass  # rare: find the bad words one by one
    words, replaced = [], []
    for i, raw in enumerate(joined.split(sep)):
        try:
            words.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            if unicode_errors == "strict":
                raise _Refused(f"{where(i)}: the word is not valid UTF-8; --unicode-errors "
                               f"replace loads it anyway") from None
            words.append(raw.decode("utf-8", errors="replace"))
            replaced.append(i)
    return words, replaced


def _collisions(words: list[str], replaced: list[int]) -> int:
    """How many replaced words now equal another word."""
    if not replaced:
        return 0
    seen = Counter(words)
    return sum(seen[words[i]] > 1 for i in replaced)


def _shown(word: bytes) -> str:
    return repr(word.decode("utf-8", errors="replace"))


# ---------------------------------------------------------------- reading: text


_TEXT_BATCH_ROWS = 20_000  # rows parsed per numpy call: C speed, memory bounded by the batch
_TEXT_BATCH_BYTES = 1 << 23
_NUMBER = re.compile(rb"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|(?i:nan|inf|infinity))")
_ROW_END = b" 1e999 "  # parses as +inf: marks where each row's values end
_split_word = operator.methodcaller("split", None, 1)  # the first token, and the rest


def _read_text_file(path: str, unicode_errors: str) -> VectorFile:
    with open(path, "rb") as f:
        return _read_text(f, unicode_errors, whole_file=True)


def _read_text(lines: Iterable[bytes], unicode_errors: str, whole_file: bool) -> VectorFile:
    """Rows "word v1 ... vD" after a word2vec "V D" header or, GloVe, none; blank lines are
    skipped. With `whole_file` false (a sample of the first lines) the row count is not checked.
    """
    numbered = ((number, line.strip()) for number, line in enumerate(lines, 1))
    rows = ((number, line) for number, line in numbered if line)
    first = next(rows, None)
    if first is None:
        raise _Refused("the file holds no vectors")
    header, dim = _text_shape(*first)
    if header is None:
        rows = itertools.chain([first], rows)
    promised = header[0] if header and whole_file else None
    words: list[str] = []
    parts: list[np.ndarray] = []
    replaced: list[int] = []
    batch: list[tuple[int, bytes]] = []
    batch_bytes = 0

    def flush() -> None:
        batch_words, batch_replaced, vectors = _parse_text_rows(batch, dim, unicode_errors)
        replaced.extend(len(words) + i for i in batch_replaced)
        words.extend(batch_words)
        parts.append(vectors)
        batch.clear()

    for row in rows:
        batch.append(row)
        batch_bytes += len(row[1])
        if len(batch) == _TEXT_BATCH_ROWS or batch_bytes >= _TEXT_BATCH_BYTES:
            flush()
            batch_bytes = 0
            if promised is not None and len(words) > promised:
                break
    if batch:
        flush()
    if promised is not None and len(words) != promised:
        raise _Refused(f"header says {promised} rows but the file has "
                       f"{'more' if len(words) > promised else len(words)}")
    vectors = np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)
    return VectorFile(words, vectors, "word2vec-text" if header else "glove",
                      replaced_words=len(replaced), colliding_words=_collisions(words, replaced))


def _text_shape(number: int, line: bytes) -> tuple[tuple[int, int] | None, int]:
    """The header (None for GloVe) and the dimension that the first non-blank line sets.

    Without a header the dimension is the count of numbers that end the line after its first
    token, so a first word with spaces ("new york 0.1 0.2") is read right.
    """
    header = _word2vec_header(line)
    if header is not None:
        return header, header[1]
    dim = 0
    for token in reversed(line.split()[1:]):
        if not _NUMBER.fullmatch(token):
            break
        dim += 1
    if not dim:
        raise _Refused(f"line {number} is neither a 'V D' header nor a row 'word value...'")
    return None, dim


def _parse_text_rows(batch: list[tuple[int, bytes]], dim: int,
                     unicode_errors: str) -> tuple[list[str], list[int], np.ndarray]:
    """One batch of stripped rows: words, replaced word indices, and a (rows, dim) array."""
    pairs = [p if len(p) == 2 else [p[0], b""] for p in map(_split_word, (r for _, r in batch))]
    vectors = _values_fast(pairs, dim)
    if vectors is None:
        vectors = _values_checked(batch, pairs, dim)
    words, replaced = _decode_words(b"\n".join(word for word, _ in pairs), b"\n", unicode_errors,
                                    lambda i: f"line {batch[i][0]}")
    return words, replaced, vectors


def _values_fast(pairs: list[list[bytes]], dim: int) -> np.ndarray | None:
    """All rows' values in one numpy call, or None where any row needs a closer look.

    Each row's values are followed by a +inf marker. If the only infinities parsed are the
    markers, one per row, and every row's marker comes right after its D values, then every row
    held exactly D values: a row with one value too many cannot make up for one with one too few.
    """
    flat = _parse_floats(_ROW_END.join(values for _, values in pairs) + _ROW_END)
    if flat is None or len(flat) != len(pairs) * (dim + 1):
        return None
    table = flat.reshape(len(pairs), dim + 1)
    if np.count_nonzero(np.isposinf(flat)) != len(pairs) or not np.isposinf(table[:, dim]).all():
        return None
    return table[:, :dim]


def _values_checked(batch: list[tuple[int, bytes]], pairs: list[list[bytes]],
                    dim: int) -> np.ndarray:
    """The slow path: each row's values counted, words with spaces found, bad rows named.

    A row with more tokens than D + 1 has a word with spaces: its D values are split off from
    the right, and `pairs` is corrected in place. A word whose last token is a number would as
    well be a row with values to spare: that is refused as ambiguous.
    """
    for i, (number, line) in enumerate(batch):
        count = len(line.split()) - 1
        if count < dim:
            raise _Refused(f"line {number}: {count} values where {dim} were expected")
        if count > dim:
            word = line.rsplit(None, dim)[0]
            if _NUMBER.fullmatch(word.split()[-1]):
                raise _Refused(f"line {number}: {count} values where {dim} were expected, or "
                               f"a word ending in a number")
            pairs[i] = [word, line[len(word):]]
    flat = _parse_floats(b" ".join(values for _, values in pairs))
    if flat is None or len(flat) != len(batch) * dim:  # rows hold D tokens each: one is bad
        for (number, _), (word, values) in zip(batch, pairs):
            row = _parse_floats(values)
            if row is None or len(row) != dim:
                raise _Refused(f"line {number}: non-numeric value in the vector of "
                               f"{_shown(word)}")
        raise _Refused(f"lines {batch[0][0]} to {batch[-1][0]}: malformed vector rows")
    return flat.reshape(len(batch), dim)


def _parse_floats(text: bytes) -> np.ndarray | None:
    """The whitespace-separated numbers in `text` as float32, or None if any is not one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # older numpy warns, newer raises, on a non-number
            return np.fromstring(text, dtype=np.float32, sep=" ")
    except (ValueError, DeprecationWarning):
        return None


# ---------------------------------------------------------------- reading: binary


_ROW_START = re.compile(rb"(\n?[^ \n]+) ")  # the newline ending the previous row, word, space
_WORD_BYTES = re.compile(rb"[^ \n]*")
_SPACES = re.compile(rb"\s*")
_WINDOW_SLACK = 1 << 20
_MAX_REPEAT = 1 << 31  # below the regular-expression engine's repeat limit


def _read_binary_file(path: str, head: bytes, unicode_errors: str) -> VectorFile:
    """word2vec.c binary: "V D\\n", then V rows of optional "\\n", word, " ", D float32.

    The file is memory-mapped; `_binary_rows` finds every row's word in C, the words' lengths
    give the vectors' offsets, and all vectors are gathered in one copy through a sliding-window
    view. No Python loop runs per row.
    """
    line_end = head.find(b"\n")
    header = _word2vec_header(head[:line_end]) if line_end >= 0 else None
    if header is None:
        raise _Refused("the first line is not a word2vec header 'V D'")
    rows, dim = header
    row_bytes = 4 * dim
    first = line_end + 1
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, **_MAP_READ) as data:
        need = rows * (row_bytes + 2)  # a row is at least a one-byte word, a space, D float32
        if need > len(data) - first or (rows and row_bytes >= _MAX_REPEAT):
            raise _Refused(f"header claims {rows} x {dim} vectors (at least {need} bytes) but "
                           f"only {len(data) - first} bytes follow it")
        raw, end = _binary_rows(data, first, rows, dim)
        if not _SPACES.fullmatch(data, end):
            raise _Refused(f"the file continues past the {rows} rows its header promises "
                           f"(at byte {end} of {len(data)}): the header or the file is damaged")
        if rows:
            lengths = np.fromiter(map(len, raw), dtype=np.int64, count=rows)
            vector_starts = first + np.cumsum(lengths + 1 + row_bytes) - row_bytes
            buf = np.frombuffer(data, dtype=np.uint8)
            vectors = np.lib.stride_tricks.sliding_window_view(buf, row_bytes)[vector_starts]
            del buf  # release the buffer export so the map can close
        else:
            vectors = np.zeros((0, row_bytes), dtype=np.uint8)
    # words hold no spaces or newlines: drop the rows' newlines, split on the joining spaces
    words, replaced = _decode_words(b" ".join(raw).replace(b"\n", b""), b" ", unicode_errors,
                                    lambda i: f"row {i + 1}")
    return VectorFile(words, vectors.view("<f4").astype(np.float32, copy=False),
                      "word2vec-binary", replaced_words=len(replaced),
                      colliding_words=_collisions(words, replaced))


def _binary_rows(data: mmap.mmap, first: int, rows: int, dim: int) -> tuple[list[bytes], int]:
    """The words of `rows` binary rows from byte `first`, each with the newline that ended the
    previous row if there is one, and the byte after the last row.

    One regular-expression scan (in C) per window returns each row's word and skips its vector
    in O(1). The second alternative swallows the rest of the window as soon as a row does not
    parse there, so rows are only ever found back to back: no byte between them is skipped.
    A window spans about the rows still promised; a row that does not parse in one is examined
    on its own, which either continues past a window's end or names the first bad row.
    """
    row_bytes = 4 * dim
    pattern = re.compile(rb"(\n?[^ \n]+) (?s:.{%d})|(?s:.+)" % row_bytes)
    raw: list[bytes] = []
    pos = first
    while len(raw) < rows:
        remaining = rows - len(raw)
        window_end = min(len(data), pos + remaining * (row_bytes + 2) + _WINDOW_SLACK)
        found = pattern.findall(data, pos, window_end)
        if found and not found[-1]:
            found.pop()  # the swallowed rest: a row cut by the window's end, or a bad row
        del found[remaining:]
        if not found:
            found = [_binary_row_at(data, pos, len(raw), rows, dim)]
        raw.extend(found)
        pos += sum(map(len, found)) + len(found) * (row_bytes + 1)
    return raw, pos


def _binary_row_at(data: mmap.mmap, pos: int, complete: int, rows: int, dim: int) -> bytes:
    """Row `complete + 1`, starting at byte `pos`, checked alone: its word, or why it is bad."""
    if _SPACES.fullmatch(data, pos):
        raise _Refused(f"truncated: the header promises {rows} rows of dimension {dim} but "
                       f"only {complete} are complete")
    row = complete + 1
    match = _ROW_START.match(data, pos)
    if match is None:
        at = pos + (data[pos:pos + 1] == b"\n")
        word_end = _WORD_BYTES.match(data, at).end()
        if word_end == len(data):
            raise _Refused(f"truncated: the file ends inside the word of row {row} of {rows}")
        reason = ("its word is empty" if word_end == at
                  else "its word runs into a newline before the space that ends a word")
        raise _Refused(f"row {row} (byte {pos}): {reason}: not word2vec binary from here on")
    if match.end() + 4 * dim > len(data):
        raise _Refused(f"truncated: row {row} of {rows} needs {4 * dim} bytes of vector but only "
                       f"{len(data) - match.end()} remain")
    return match.group(1)


# ---------------------------------------------------------------- reading: native


_NATIVE_DTYPES = {"vectors": "<f4", "output": "<f4", "output_hs": "<f4", "counts": "<i8",
                  "words": "|u1", "input_rows": "<f4", "ngram_buckets": "<i8",
                  "ngram_vectors": "<f4"}
_SUBWORD_ARRAYS = ("input_rows", "ngram_buckets", "ngram_vectors")
_COUNT_LIMIT = 1 << 40  # a vocabulary size or dimension above this is a damaged header


def _native_shapes(vocab_size: int, dim: int) -> dict[str, tuple[int | None, ...]]:
    """The shape each array must have (None: any length); words (UTF-8 bytes) and
    ngram_buckets are any 1-D length."""
    return {"vectors": (vocab_size, dim), "output": (vocab_size, dim),
            "output_hs": (vocab_size - 1, dim), "counts": (vocab_size,),
            "input_rows": (vocab_size, dim), "ngram_vectors": (None, dim)}


def _load_native(path: str, size: int, unicode_errors: str) -> VectorFile:
    with open(path, "rb") as f:
        prefix = f.read(16)
        if len(prefix) < 16 or not prefix.startswith(NATIVE_MAGIC):
            raise _Refused("not a w2v native model (bad magic)")
        (length,) = struct.unpack("<Q", prefix[8:])
        if length > min(size - 16, _HEADER_LIMIT):
            raise _Refused(f"header length {length} exceeds the file size")
        header = _native_header(f.read(length))
    vocab_size, dim = header["vocab_size"], header["dim"]
    shapes = _native_shapes(vocab_size, dim)
    arrays, extents = {}, []
    for name, spec in header["arrays"].items():
        arrays[name], offset, nbytes = _map_array(path, size, 16 + length, name, spec,
                                                  shapes.get(name))
        if nbytes:
            extents.append((offset, offset + nbytes, name))
    extents.sort()
    for (_, end, before), (start, _, after) in zip(extents, extents[1:]):
        if start < end:
            raise _Refused(f"arrays {before!r} and {after!r} overlap: the header is damaged")
    if "vectors" not in arrays or "words" not in arrays:
        raise _Refused("damaged header (no 'vectors' or no 'words' array)")
    words, replaced = _decode_words(bytes(arrays["words"]), b"\n", unicode_errors,
                                    lambda i: f"word {i + 1}")
    if len(words) != vocab_size:
        raise _Refused(f"{len(words)} words where the header promises {vocab_size}")
    if "" in words:
        raise _Refused(f"word {words.index('') + 1} is empty: the word list is damaged")
    metadata = header.get("metadata", {})
    ngrams = _native_ngrams(arrays, metadata)
    subwords = None
    if ngrams is not None:
        from .fasttext_format import NativeSubwordModel  # it imports this module

        subwords = NativeSubwordModel(words, arrays["vectors"], ngrams)
    return VectorFile(words, arrays["vectors"], "native", counts=arrays.get("counts"),
                      output=arrays.get("output"), metadata=metadata,
                      output_hs=arrays.get("output_hs"), replaced_words=len(replaced),
                      colliding_words=_collisions(words, replaced), subwords=subwords,
                      input_rows=arrays.get("input_rows"), ngrams=ngrams)


def _native_ngrams(arrays: dict[str, np.ndarray], metadata: dict) -> NgramRows | None:
    """The n-gram rows over the mapped arrays, after checking that the subword arrays and
    settings come together and agree; None for a model without n-grams."""
    present = [name for name in _SUBWORD_ARRAYS if name in arrays]
    if not present and "subwords" not in metadata:
        return None
    missing = [repr(name) for name in _SUBWORD_ARRAYS if name not in arrays]
    if "subwords" not in metadata:
        missing.append("metadata 'subwords'")
    if missing:
        raise _Refused(f"a model with character n-grams but no {', '.join(missing)}: the file "
                       f"is damaged")
    settings = metadata["subwords"]
    values = [settings.get(key) if isinstance(settings, dict) else None
              for key in ("minn", "maxn", "bucket")]
    if not all(type(v) is int for v in values):
        raise _Refused(f"damaged header (metadata 'subwords' is {settings!r}, not its minn, "
                       f"maxn and bucket)")
    from .subwords import NgramRows

    buckets, vectors = arrays["ngram_buckets"], arrays["ngram_vectors"]
    if len(vectors) != len(buckets):
        raise _Refused(f"array 'ngram_vectors' has {len(vectors)} rows for the "
                       f"{len(buckets)} buckets of 'ngram_buckets': the file is damaged")
    try:
        ngrams = NgramRows(*values, buckets, vectors)
    except ConfigError as exc:
        raise _Refused(f"damaged header (metadata 'subwords': {exc})") from None
    problem = _bucket_problem(buckets, ngrams.bucket)
    if problem:
        raise _Refused(f"array 'ngram_buckets' {problem}: the file is damaged")
    return ngrams


def _native_header(blob: bytes) -> dict:
    """The JSON header, checked to be the object the writer makes (arrays checked apart)."""
    try:
        header = json.loads(blob.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _Refused(f"damaged header ({exc})") from None
    if (not isinstance(header, dict) or not isinstance(header.get("arrays"), dict)
            or not isinstance(header.get("metadata", {}), dict)):
        raise _Refused("damaged header (not the JSON object w2v writes)")
    version = header.get("version")
    if header.get("format") != "w2v-native" or type(version) is not int:
        raise _Refused("damaged header (no format name or version)")
    if version != NATIVE_VERSION:
        raise _Refused(f"native format version {version}; this w2v reads version "
                       f"{NATIVE_VERSION}: upgrade w2v")
    for key in ("vocab_size", "dim"):
        if type(header.get(key)) is not int or not 0 <= header[key] < _COUNT_LIMIT:
            raise _Refused(f"damaged header ({key} is not a size)")
    return header


def _map_array(path: str, size: int, data_start: int, name: str, spec,
               shape_wanted: tuple[int, ...] | None) -> tuple[np.ndarray, int, int]:
    """Array `name` memory-mapped after checking its type, extent and shape; with its offset
    and byte count."""
    if name not in _NATIVE_DTYPES:
        raise _Refused(f"unknown array {name!r} in the header (written by a newer w2v?)")
    if not isinstance(spec, dict):
        raise _Refused(f"damaged header (array {name!r} has no description)")
    dtype, shape, offset = spec.get("dtype"), spec.get("shape"), spec.get("offset")
    if dtype != _NATIVE_DTYPES[name]:
        raise _Refused(f"array {name!r} has type {dtype!r} where {_NATIVE_DTYPES[name]!r} was "
                       f"expected")
    if (type(offset) is not int or not isinstance(shape, list)
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise _Refused(f"damaged header (array {name!r} has no valid shape or offset)")
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize  # Python ints: no overflow
    if offset < data_start:
        raise _Refused(f"array {name!r} at byte {offset} overlaps the header, which ends at "
                       f"byte {data_start}")
    if offset + nbytes > size:
        raise _Refused(f"array {name!r} at byte {offset} runs past the end of the file "
                       f"({size} bytes); the file is truncated")
    if (len(shape) != 1) if shape_wanted is None else (
            len(shape) != len(shape_wanted)
            or any(want is not None and n != want for n, want in zip(shape, shape_wanted))):
        wanted = "1-D" if shape_wanted is None else str(tuple(
            "any" if n is None else n for n in shape_wanted)).replace("'", "")
        raise _Refused(f"array {name!r} has shape {tuple(shape)} where the header's vocabulary "
                       f"size and dimension ask for {wanted}")
    if nbytes == 0:
        return np.zeros(shape, dtype=dtype), offset, 0
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=tuple(shape)), offset, nbytes
