"""Read fastText's binary models, .bin (dense) and .ftz (product-quantized), versions 11 and
12; write .bin (version 12, as fastText 0.9 writes it) for models w2v trained with n-grams.

Layout, as fastText's `FastText::saveModel` writes it (native byte order, little-endian on
every machine fastText runs on today; this reader assumes it):

    int32 magic 793712314, int32 version
    Args        int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn,
                maxn, lrUpdateRate; float64 t
    Dictionary  int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; per entry: word
                bytes, NUL, int64 count, int8 type (0 word, 1 label); pruneidx_size pairs of
                int32 (bucket id, n-gram row); pruneidx_size -1: not pruned
    bool quant_input, then the input matrix: nwords word rows, then the n-gram rows (bucket of
                them, or pruneidx_size when pruned)
      dense     int64 m, n; float32 m x n, row-major
      quantized bool qnorm; int64 m, n; int32 codesize; uint8 codes[codesize];
                product quantizer (int32 dim, nsubq, dsub, lastdsub; float32 centroids
                [dim x 256]); if qnorm: uint8 norm_codes[m] and a quantizer of dimension 1
    bool qout, then the output matrix (quantized only when the input is and qout is set)

A word's vector is what fastText's `getWordVector` computes: the mean of its own input row and
the rows of its character n-grams (`subwords`); an unseen word gets the mean of its n-gram rows.
fastText's end-of-sentence word "</s>" has no n-grams: its vector is its own row. With a pruned
dictionary (`pruneidx`, quantized models) n-grams whose bucket was pruned are dropped, as
fastText's `pushHash` drops them. Version 11 supervised models had no character n-grams: maxn
is read as 0 for them, as fastText does.

Every count and size is checked against the file's size (in Python integers) before anything
is allocated; the dense input matrix and the quantized codes are memory-mapped, not copied.
A file that is not what it claims is refused with the field where it stops being so.

Deliberate difference from fastText: with unicode_errors="replace", a word that is not valid
UTF-8 gets the n-grams of its replaced spelling (fastText walks the raw bytes); its own row is
still its own.

An unseen word whose vector comes out exactly zero gets None, as one with no n-gram at all: in a
.bin that w2v wrote, buckets no vocabulary word reached are zero rows, and a string made of such
n-grams is one the model knows nothing about (fastText would print zeros).

Unseen words of native models that keep n-grams (`formats.save_native`) are looked up by
`NativeSubwordModel`: their n-gram rows are sparse (`subwords.NgramRows`), absent buckets count
as zero rows, so it gives what fastText computes from the .bin `save_fasttext` writes.

Does not: use the output matrix when reading (its size is checked, then skipped), or build
vectors for word n-grams (wordNgrams) or labels; labels are left out of the words. Does not
write quantized .ftz files.
"""

from __future__ import annotations

import itertools
import mmap
import re
import struct
from dataclasses import dataclass

import numpy as np

from .atomic import atomic_write
from .errors import ConfigError
from .formats import VectorFile, _collisions, _decode_words, _Refused, _write_text_rows
from .subwords import NgramRows, ngram_ids, ngram_table

MAGIC = 793712314
VERSIONS = (11, 12)
EOS = "</s>"
_KSUB = 256  # centroids per sub-quantizer (fastText's ProductQuantizer::ksub_)
_ARGS = struct.Struct("<12id")
_ARG_NAMES = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket",
              "minn", "maxn", "lr_update_rate")
_LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}  # fastText's args.h enums
_MODELS = {1: "cbow", 2: "skipgram", 3: "supervised"}
_LOSS_IDS = {name: i for i, name in _LOSSES.items()}
_MODEL_IDS = {name: i for i, name in _MODELS.items()}
_WRITE_BYTES = 1 << 23  # n-gram rows are written in blocks of about this many bytes
_ENTRY = re.compile(rb"([^\0]*)\0(?s:.{9})")  # word, NUL, int64 count, int8 type
_ENTRY_MIN_BYTES = 10
_GATHER_ROWS = 1 << 16  # n-gram rows gathered per step when averaging: bounds the memory


class QuantizedRows:
    """The rows of a product-quantized matrix, decoded on indexing: `rows[ids]` is a float32
    (len(ids), dim) array, as fastText's `QuantMatrix::addRowToVector` reconstructs them."""

    def __init__(self, codes: np.ndarray, centroids: np.ndarray, dsub: int,
                 norm_codes: np.ndarray | None = None, norm_centroids: np.ndarray | None = None):
        self.codes = codes  # uint8 (m, nsubq)
        nsubq = codes.shape[1]
        self.dim = len(centroids) // _KSUB
        self._lastdsub = self.dim - (nsubq - 1) * dsub
        split = (nsubq - 1) * _KSUB * dsub  # the last sub-quantizer may be narrower
        self._full = centroids[:split].reshape(nsubq - 1, _KSUB, dsub)
        self._last = centroids[split:].reshape(_KSUB, self._lastdsub)
        self.norm_codes = norm_codes
        self.norm_centroids = norm_centroids

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.codes), self.dim)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, ids) -> np.ndarray:
        ids = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        codes = np.asarray(self.codes[ids])
        nsubq = codes.shape[1]
        full = self._full[np.arange(nsubq - 1), codes[:, :nsubq - 1]]  # (k, nsubq - 1, dsub)
        full = full.reshape(len(ids), self.dim - self._lastdsub)
        rows = np.concatenate([full, self._last[codes[:, -1]]], axis=1)
        if self.norm_codes is not None:
            rows *= self.norm_centroids[np.asarray(self.norm_codes[ids])][:, None]
        return rows


@dataclass
class SubwordModel:
    """What fastText needs to give any word a vector: the input matrix and the n-gram rules."""

    rows: np.ndarray | QuantizedRows  # nwords word rows, then the n-gram rows
    nwords: int
    minn: int
    maxn: int
    bucket: int
    pruneidx: dict[int, int] | None  # bucket id -> n-gram row (after the words); None: all kept
    index: dict[str, int]  # word -> id (the first, where replaced words collide)
    vectors: np.ndarray  # the in-vocabulary word vectors, computed as `word_vector` does

    @property
    def has_ngrams(self) -> bool:
        # fastText's pushHash keeps nothing when the pruned dictionary kept no n-gram
        return self.maxn > 0 and self.bucket > 0 and self.pruneidx != {}

    def ngram_rows(self, word: str) -> list[int]:
        """The input rows of `word`'s character n-grams, in fastText's order, duplicates kept."""
        if not self.has_ngrams:
            return []
        ids = ngram_ids(word, self.minn, self.maxn, self.bucket)
        if self.pruneidx is not None:
            ids = [self.pruneidx[i] for i in ids if i in self.pruneidx]
        return [self.nwords + i for i in ids]

    def word_vector(self, word: str) -> np.ndarray | None:
        """fastText's getWordVector: a known word's vector (its own row and its n-grams'
        averaged), else the mean of its n-gram rows; None when it has no n-gram at all."""
        i = self.index.get(word)
        if i is not None:
            return np.array(self.vectors[i])
        rows = self.ngram_rows(word)
        if not rows:
            return None
        vector = np.asarray(self.rows[np.array(rows)], dtype=np.float64).mean(axis=0).astype(
            np.float32)
        return vector if vector.any() else None  # all zero rows: see the module docstring


class NativeSubwordModel:
    """The same lookups as `SubwordModel` for a native model with n-grams: the vocabulary's
    (composed) vectors and the n-gram rows, sparse: an n-gram whose bucket has no row is a zero
    row that still counts in the mean, as in the .bin `save_fasttext` writes."""

    def __init__(self, words: list[str], vectors: np.ndarray, ngrams: NgramRows):
        self.words = words
        self.vectors = vectors  # the in-vocabulary word vectors
        self.ngrams = ngrams
        self._index: dict[str, int] | None = None

    @property
    def index(self) -> dict[str, int]:
        """word -> id (the first, where replaced words collide), built on first use."""
        if self._index is None:
            self._index = {}
            for i, word in enumerate(self.words):
                self._index.setdefault(word, i)
        return self._index

    @property
    def has_ngrams(self) -> bool:
        return self.ngrams.maxn > 0 and len(self.ngrams.buckets) > 0

    def ngram_rows(self, word: str) -> list[int]:
        """The rows of `ngrams.vectors` of `word`'s character n-grams that have one, in
        fastText's order, duplicates kept."""
        if not self.has_ngrams:
            return []
        rows = self.ngrams.rows_of(self._ids(word))
        return rows[rows >= 0].tolist()

    def word_vector(self, word: str) -> np.ndarray | None:
        """A known word's vector, else the mean over all its n-grams (those without a row
        count as zero); None when none of them has a row, or the mean is zero."""
        i = self.index.get(word)
        if i is not None:
            return np.array(self.vectors[i])
        if not self.has_ngrams:
            return None
        ids = self._ids(word)
        rows = self.ngrams.rows_of(ids)
        rows = rows[rows >= 0]
        if not len(rows):
            return None
        total = np.asarray(self.ngrams.vectors[rows], dtype=np.float64).sum(axis=0)
        vector = (total / len(ids)).astype(np.float32)
        return vector if vector.any() else None

    def _ids(self, word: str) -> list[int]:
        return ngram_ids(word, self.ngrams.minn, self.ngrams.maxn, self.ngrams.bucket)


def read_fasttext(path: str, unicode_errors: str) -> VectorFile:
    """The words of a fastText .bin or .ftz model and their vectors, with a `SubwordModel`
    that gives unseen words theirs; raises `_Refused` (formats.load adds the path)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        cursor = _Cursor(data)
        return _read(path, cursor, unicode_errors)


class _Cursor:
    """Reads fixed-size fields in order, refusing any that the file's end cuts short."""

    def __init__(self, data: mmap.mmap):
        self.data = data
        self.pos = 0
        self.size = len(data)

    def need(self, nbytes: int, field: str) -> int:
        """Where `nbytes` bytes of `field` start; refused unless they all lie in the file."""
        if nbytes > self.size - self.pos:
            raise _Refused(f"truncated in {field}: {nbytes} bytes needed at byte {self.pos}, "
                           f"only {self.size - self.pos} remain")
        start = self.pos
        self.pos += nbytes
        return start

    def unpack(self, fmt: str | struct.Struct, field: str) -> tuple:
        layout = fmt if isinstance(fmt, struct.Struct) else struct.Struct(fmt)
        return layout.unpack_from(self.data, self.need(layout.size, field))

    def flag(self, field: str) -> bool:
        (value,) = self.unpack("<B", field)
        if value > 1:
            raise _Refused(f"{field} at byte {self.pos - 1} is {value}, not a bool: the file is "
                           f"damaged")
        return bool(value)


def _read(path: str, cursor: _Cursor, unicode_errors: str) -> VectorFile:
    magic, version = cursor.unpack("<ii", "the magic number and version")
    if magic != MAGIC:
        raise _Refused("not a fastText model (bad magic number)")
    if version not in VERSIONS:
        raise _Refused(f"fastText model version {version}; this reader knows versions 11 and "
                       f"12: save it again with fastText 0.9 or load its .vec file")
    args = _read_args(cursor, version)
    words, counts, pruneidx, labels, replaced = _read_dictionary(cursor, args, unicode_errors)
    nwords = len(words)
    quantized = cursor.flag("quant_input")
    ngram_rows = args["bucket"] if pruneidx is None else len(pruneidx)
    rows = (_read_quantized if quantized else _read_dense)(
        path, cursor, "input matrix", nwords + ngram_rows, args["dim"])
    qout = cursor.flag("qout")
    output_rows = labels if args["model"] == "supervised" else nwords
    (_read_quantized if quantized and qout else _read_dense)(
        path, cursor, "output matrix", output_rows, args["dim"])
    if cursor.pos != cursor.size:
        raise _Refused(f"the file continues past the output matrix (at byte {cursor.pos} of "
                       f"{cursor.size}): the file is damaged")
    if pruneidx is not None and any(not 0 <= row < ngram_rows for row in pruneidx.values()):
        raise _Refused(f"the dictionary's pruned index maps an n-gram outside the "
                       f"{ngram_rows} n-gram rows: the file is damaged")
    index: dict[str, int] = {}
    for i in reversed(range(nwords)):
        index[words[i]] = i  # the first of colliding replaced words wins
    model = SubwordModel(rows, nwords, args["minn"], args["maxn"], args["bucket"], pruneidx,
                         index, np.zeros((0, args["dim"]), dtype=np.float32))
    model.vectors = _vocabulary_vectors(model, words)
    metadata = {"fasttext": {"version": version, **args, "labels": labels}}
    input_rows = ngrams = None
    if not quantized and pruneidx is None and model.has_ngrams:
        # dense: every bucket has its row, so the rows convert to a native model's as they are
        input_rows = rows[:nwords]
        ngrams = NgramRows(args["minn"], args["maxn"], args["bucket"],
                           np.arange(args["bucket"], dtype=np.int64), rows[nwords:])
    return VectorFile(words, model.vectors, "fasttext-ftz" if quantized else "fasttext-bin",
                      counts=counts, metadata=metadata, replaced_words=len(replaced),
                      colliding_words=_collisions(words, replaced), subwords=model,
                      input_rows=input_rows, ngrams=ngrams)


def _read_args(cursor: _Cursor, version: int) -> dict:
    values = cursor.unpack(_ARGS, "the training arguments")
    args = dict(zip(_ARG_NAMES, values[:-1]))
    args["t"] = values[-1]
    if args["dim"] <= 0:
        raise _Refused(f"the arguments give dimension {args['dim']}: the file is damaged")
    for name in ("bucket", "minn", "maxn"):
        if args[name] < 0:
            raise _Refused(f"the arguments give {name} {args[name]}: the file is damaged")
    for name, names in (("loss", _LOSSES), ("model", _MODELS)):
        if args[name] not in names:
            raise _Refused(f"the arguments give unknown {name} {args[name]}: the file is "
                           f"damaged or from a newer fastText")
        args[name] = names[args[name]]
    if version == 11 and args["model"] == "supervised":
        args["maxn"] = 0  # fastText: old supervised models have no character n-grams
    return args


def _read_dictionary(cursor: _Cursor, args: dict, unicode_errors: str):
    """(words, counts, pruneidx or None, number of labels, indices of replaced words)."""
    size, nwords, nlabels, _ntokens, pruneidx_size = cursor.unpack("<iiiqq", "the dictionary "
                                                                            "header")
    if min(size, nwords, nlabels) < 0 or nwords + nlabels != size or pruneidx_size < -1:
        raise _Refused(f"the dictionary header is inconsistent (size {size}, nwords {nwords}, "
                       f"nlabels {nlabels}, pruneidx_size {pruneidx_size}): the file is damaged")
    start = cursor.pos
    if size * _ENTRY_MIN_BYTES > cursor.size - start:
        raise _Refused(f"truncated: the dictionary promises {size} entries (at least "
                       f"{size * _ENTRY_MIN_BYTES} bytes) but only {cursor.size - start} remain")
    found = list(itertools.islice(_ENTRY.finditer(cursor.data, start), size))
    if len(found) < size:
        raise _Refused(f"truncated: the dictionary promises {size} entries but only "
                       f"{len(found)} are complete")
    raw = [m.group(1) for m in found]
    ends = np.fromiter((m.end() for m in found), dtype=np.int64, count=size)
    cursor.pos = int(ends[-1]) if size else start
    del found
    empty = next((i for i, w in enumerate(raw) if not w), None)
    if empty is not None:
        raise _Refused(f"dictionary entry {empty + 1} has an empty word: the file is damaged")
    buf = np.frombuffer(cursor.data, dtype=np.uint8)
    fields = buf[(ends - 9)[:, None] + np.arange(9)] if size else np.zeros((0, 9), np.uint8)
    del buf  # release the buffer export so the map can close
    counts = fields[:, :8].copy().view("<i8").ravel().astype(np.int64)
    types = fields[:, 8]
    if np.any(types[:nwords] != 0) or np.any(types[nwords:] != 1):
        bad = int(np.flatnonzero(np.concatenate([types[:nwords] != 0,
                                                 types[nwords:] != 1]))[0])
        raise _Refused(f"dictionary entry {bad + 1} has type {types[bad]} where the header's "
                       f"{nwords} words, then {nlabels} labels, ask for "
                       f"{int(bad >= nwords)}: the file is damaged")
    words, replaced = _decode_words(b"\0".join(raw[:nwords]), b"\0", unicode_errors,
                                    lambda i: f"dictionary entry {i + 1}")
    pruneidx = None
    if pruneidx_size >= 0:
        pairs = cursor.unpack(f"<{2 * pruneidx_size}i", "the dictionary's pruned index")
        pruneidx = dict(zip(pairs[::2], pairs[1::2]))
        if len(pruneidx) != pruneidx_size or any(
                not 0 <= b < args["bucket"] for b in pruneidx):
            raise _Refused(f"the dictionary's pruned index holds repeated or out-of-range "
                           f"buckets (bucket {args['bucket']}): the file is damaged")
    return words, counts[:nwords], pruneidx, nlabels, replaced


def _read_dense(path: str, cursor: _Cursor, field: str, rows: int, dim: int) -> np.ndarray:
    m, n = cursor.unpack("<qq", f"the {field}'s shape")
    _check_shape(field, m, n, rows, dim)
    start = cursor.need(4 * m * n, f"the {field} ({m} x {n} float32)")
    if m * n == 0:
        return np.zeros((m, n), dtype=np.float32)
    return np.memmap(path, dtype="<f4", mode="r", offset=start, shape=(m, n))


def _check_shape(field: str, m: int, n: int, rows: int, dim: int) -> None:
    if (m, n) != (rows, dim):
        raise _Refused(f"the {field} is {m} x {n} where the arguments and dictionary ask for "
                       f"{rows} x {dim}: the file is damaged")


def _read_quantized(path: str, cursor: _Cursor, field: str, rows: int,
                    dim: int) -> QuantizedRows:
    qnorm = cursor.flag(f"the {field}'s qnorm")
    m, n, codesize = cursor.unpack("<qqi", f"the {field}'s shape")
    _check_shape(field, m, n, rows, dim)
    codes_at = cursor.need(max(codesize, 0), f"the {field}'s {codesize} codes")
    centroids, dsub, nsubq = _read_quantizer(cursor, f"the {field}'s quantizer", dim)
    if codesize != m * nsubq:
        raise _Refused(f"the {field} has {codesize} codes where {m} rows of {nsubq} "
                       f"sub-quantizers need {m * nsubq}: the file is damaged")
    codes = (np.memmap(path, dtype=np.uint8, mode="r", offset=codes_at, shape=(m, nsubq))
             if codesize else np.zeros((m, nsubq), dtype=np.uint8))
    if not qnorm:
        return QuantizedRows(codes, centroids, dsub)
    norms_at = cursor.need(m, f"the {field}'s {m} norm codes")
    norm_codes = np.frombuffer(cursor.data, dtype=np.uint8, count=m, offset=norms_at).copy()
    norm_centroids, _, _ = _read_quantizer(cursor, f"the {field}'s norm quantizer", 1)
    return QuantizedRows(codes, centroids, dsub, norm_codes, norm_centroids)


def _read_quantizer(cursor: _Cursor, field: str, dim: int) -> tuple[np.ndarray, int, int]:
    """A ProductQuantizer's centroids (float32, dim x 256), dsub and nsubq, checked."""
    pq_dim, nsubq, dsub, lastdsub = cursor.unpack("<iiii", field)
    if (pq_dim != dim or dsub < 1 or nsubq != -(-dim // dsub)
            or lastdsub != dim - (nsubq - 1) * dsub):
        raise _Refused(f"{field} (dim {pq_dim}, nsubq {nsubq}, dsub {dsub}, lastdsub "
                       f"{lastdsub}) does not fit dimension {dim}: the file is damaged")
    at = cursor.need(4 * dim * _KSUB, f"{field}'s centroids")
    centroids = np.frombuffer(cursor.data, dtype="<f4", count=dim * _KSUB, offset=at)
    return centroids.astype(np.float32), dsub, nsubq


def _vocabulary_vectors(model: SubwordModel, words: list[str]) -> np.ndarray:
    """Every word's vector as `SubwordModel.word_vector` computes it, a block of rows at a
    time (fastText's `saveVectors`, the .vec file's content)."""
    nwords, dim = model.nwords, model.rows.shape[1]
    offsets, ids = np.zeros(nwords + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if model.has_ngrams and nwords:
        table = ngram_table(words, model.minn, model.maxn, model.bucket)
        offsets, ids = table.offsets, table.ids.astype(np.int64)
        keep = np.ones(len(ids), dtype=bool)
        if EOS in model.index:  # fastText gives "</s>" no n-grams
            eos = model.index[EOS]
            keep[offsets[eos]:offsets[eos + 1]] = False
        if model.pruneidx is not None:  # not empty: has_ngrams
            buckets = np.fromiter(model.pruneidx, dtype=np.int64, count=len(model.pruneidx))
            targets = np.fromiter(model.pruneidx.values(), dtype=np.int64, count=len(buckets))
            order = np.argsort(buckets)
            buckets, targets = buckets[order], targets[order]
            at = np.minimum(np.searchsorted(buckets, ids), len(buckets) - 1)
            keep &= buckets[at] == ids  # pruned buckets are dropped, as pushHash drops them
            ids = targets[at]
        owner = np.repeat(np.arange(nwords), np.diff(offsets))[keep]
        ids = model.nwords + ids[keep]
        offsets = np.zeros(nwords + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=nwords), out=offsets[1:])
    vectors = np.empty((nwords, dim), dtype=np.float32)
    word = 0
    while word < nwords:
        # a block of words whose n-gram rows fit the gather budget (at least one word)
        last = max(int(np.searchsorted(offsets, offsets[word] + _GATHER_ROWS, "right")) - 1,
                   word + 1)
        last = min(last, nwords, word + _GATHER_ROWS)  # and a bounded number of own rows
        # summed in float64, then rounded: within float32 rounding of fastText's float32 sums
        sums = np.asarray(model.rows[np.arange(word, last)], dtype=np.float64)
        lo, hi = offsets[word], offsets[last]
        if hi > lo:
            gathered = np.asarray(model.rows[ids[lo:hi]], dtype=np.float64)
            sizes = np.diff(offsets[word:last + 1])
            has = np.flatnonzero(sizes)  # reduceat needs non-empty segments
            sums[has] += np.add.reduceat(gathered, offsets[word:last][has] - lo)
            sums /= (sizes + 1)[:, None]
        vectors[word:last] = sums
        word = last
    return vectors


# ---------------------------------------------------------------- writing


def save_fasttext(path: str, words: list[str], counts: np.ndarray, input_rows: np.ndarray,
                  ngrams: NgramRows | None, output: np.ndarray | None,
                  output_hs: np.ndarray | None, settings: dict) -> None:
    """Write a fastText 0.9 .bin (version 12, little-endian), atomically, that
    `fasttext.load_model` and gensim's `load_facebook_model` read.

    `input_rows` are the words' own rows; the input matrix is those, then `ngrams.bucket` rows,
    each the n-gram row of its bucket or zero (written a block at a time: never a whole
    bucket x dim array in memory). `settings` is `TrainConfig.to_dict()`; a missing setting
    takes fastText's default. fastText keeps one loss: negative sampling's output matrix when
    there is one, else hierarchical softmax's inner nodes, negated (fastText's sigmoid target
    is the Huffman code bit, word2vec.c's is 1 - bit) and padded with a zero row to V rows;
    fastText rebuilds the same Huffman tree from the counts when the vocabulary is sorted by
    count. Every word is written with type 0 (word), and the dictionary is not pruned.
    """
    counts = np.asarray(counts, dtype=np.int64)
    input_rows = np.asarray(input_rows)
    vocab_size = len(words)
    if input_rows.ndim != 2 or len(input_rows) != vocab_size or len(counts) != vocab_size:
        raise ConfigError(f"{path}: {vocab_size} words, {len(counts)} counts and input rows of "
                          f"shape {input_rows.shape} do not agree")
    dim = input_rows.shape[1]
    if ngrams is not None and np.shape(ngrams.vectors) != (len(ngrams.buckets), dim):
        raise ConfigError(f"{path}: n-gram rows of shape {np.shape(ngrams.vectors)} for "
                          f"{len(ngrams.buckets)} buckets of dimension {dim}")
    hs_only = bool(settings.get("hs")) and not settings.get("negative", 5)
    out_rows = _output_rows(path, vocab_size, dim, output, output_hs, hs_only)
    minn, maxn, bucket = ((ngrams.minn, ngrams.maxn, ngrams.bucket) if ngrams is not None
                          else (0, 0, 0))  # fastText's own bucket when maxn is 0
    args = _ARGS.pack(dim, settings.get("window", 5), settings.get("epochs", 5),
                      settings.get("min_count", 5), settings.get("negative", 5), 1,
                      _LOSS_IDS["hs" if hs_only else "ns"],
                      _MODEL_IDS[settings.get("arch", "skipgram")], bucket, minn, maxn, 100,
                      float(settings.get("sample", 1e-4)))
    with atomic_write(path, direct=True) as f:
        f.write(struct.pack("<ii", MAGIC, 12) + args)
        f.write(struct.pack("<iiiqq", vocab_size, vocab_size, 0, int(counts.sum()), -1))
        _write_dictionary(f, path, words, counts)
        f.write(struct.pack("<?qq", False, vocab_size + bucket, dim))
        _write_rows(f, input_rows)
        if ngrams is not None:
            _write_ngram_rows(f, ngrams, dim)
        f.write(struct.pack("<?qq", False, vocab_size, dim))
        _write_rows(f, out_rows)


def save_fasttext_vec(path: str, words: list[str], vectors: np.ndarray) -> None:
    """Write the .vec fastText writes beside its .bin ("V D" header, then the word and each
    value followed by a space), atomically. Deliberate difference: fastText prints 5
    significant digits; here each value has the 9 that give back its float32 exactly."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with atomic_write(path, direct=True) as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        _write_text_rows(f, words, vectors, "%.9g " * vectors.shape[1] + "\n")


def _output_rows(path: str, vocab_size: int, dim: int, output: np.ndarray | None,
                 output_hs: np.ndarray | None, hs_only: bool) -> np.ndarray:
    """The V x dim output matrix of the one loss fastText keeps (see `save_fasttext`)."""
    rows = np.zeros((vocab_size, dim), dtype=np.float32)
    source = output_hs if hs_only else output
    if source is not None and len(source):
        source = np.asarray(source, dtype=np.float32)
        if source.shape[1] != dim or len(source) > vocab_size:
            raise ConfigError(f"{path}: output weights of shape {source.shape} for "
                              f"{vocab_size} words of dimension {dim}")
        rows[:len(source)] = -source if hs_only else source
    return rows


def _write_dictionary(f, path: str, words: list[str], counts: np.ndarray) -> None:
    """Each word as fastText's Dictionary::save writes it: UTF-8, NUL, int64 count, int8 type 0."""
    entry = struct.Struct("<qb")
    parts = []
    for i, (word, count) in enumerate(zip(words, counts.tolist())):
        try:
            raw = word.encode("utf-8")
        except UnicodeEncodeError:
            raw = b""
        if not raw or b"\0" in raw:
            raise ConfigError(f"{path}: word {i + 1} ({word!r}) is empty, not valid Unicode or "
                              f"holds a NUL byte, which a fastText dictionary cannot hold")
        parts.append(raw + b"\0" + entry.pack(count, 0))
        if len(parts) >= 1 << 14:
            f.write(b"".join(parts))
            parts.clear()
    f.write(b"".join(parts))


def _write_rows(f, rows: np.ndarray) -> None:
    little = np.ascontiguousarray(rows, dtype="<f4")
    if little.nbytes:  # memoryview cannot cast an empty array
        f.write(memoryview(little).cast("B"))


def _write_ngram_rows(f, ngrams: NgramRows, dim: int) -> None:
    """fastText's `bucket` n-gram rows: the row of each bucket that has one, zeros elsewhere."""
    buckets, rows = ngrams.sorted_buckets()
    block = np.zeros((max(1, _WRITE_BYTES // (4 * dim)), dim), dtype="<f4")
    for lo in range(0, ngrams.bucket, len(block)):
        hi = min(lo + len(block), ngrams.bucket)
        first, last = np.searchsorted(buckets, [lo, hi])
        chunk = block[:hi - lo]
        chunk[:] = 0
        chunk[buckets[first:last] - lo] = ngrams.vectors[
            slice(first, last) if rows is None else rows[first:last]]
        _write_rows(f, chunk)
