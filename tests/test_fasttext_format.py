"""fastText .bin and .ftz models: read as gensim and fastText read them, or refused clearly."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from w2v.errors import ModelFormatError
from w2v.formats import load

MAGIC = 793712314


def _fnv(data: bytes) -> int:
    """Plain 32-bit FNV-1a: fastText's hash for ASCII n-grams."""
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def _quantizer(dim: int, dsub: int, centroids: np.ndarray) -> bytes:
    nsubq = -(-dim // dsub)
    lastdsub = dim - (nsubq - 1) * dsub
    return struct.pack("<4i", dim, nsubq, dsub, lastdsub) + centroids.astype("<f4").tobytes()


def _quantized(rows: int, dim: int, dsub: int, codes: np.ndarray, centroids: np.ndarray,
               norm_codes: np.ndarray | None = None, norms: np.ndarray | None = None) -> bytes:
    """QuantMatrix::save: qnorm, m, n, codesize, codes, quantizer[, norm codes, norm quantizer]."""
    out = struct.pack("<?qqi", norm_codes is not None, rows, dim, codes.size)
    out += codes.astype(np.uint8).tobytes() + _quantizer(dim, dsub, centroids)
    if norm_codes is not None:
        out += norm_codes.astype(np.uint8).tobytes() + _quantizer(1, 1, norms)
    return out


def fasttext_bin(words: list[str | bytes], rows: np.ndarray, *, minn: int, maxn: int, bucket: int,
                 version: int = 12, labels: tuple[str, ...] = (), model: int = 2,
                 pruneidx: dict[int, int] | None = None, quantized_input: bytes | None = None,
                 output: bytes | None = None) -> bytes:
    """A fastText model file as fastText's saveModel writes it; `rows` is the dense input
    matrix unless `quantized_input` replaces it."""
    dim = rows.shape[1]
    out = struct.pack("<ii", MAGIC, version)
    out += struct.pack("<12id", dim, 5, 5, 1, 5, 1, 2, model, bucket, minn, maxn, 100, 1e-4)
    size = len(words) + len(labels)
    out += struct.pack("<iiiqq", size, len(words), len(labels), 1000,
                       -1 if pruneidx is None else len(pruneidx))
    for i, entry in enumerate([*words, *labels]):
        raw = entry if isinstance(entry, bytes) else entry.encode()
        out += raw + b"\0" + struct.pack("<qb", 100 - i, int(i >= len(words)))
    for pair in (pruneidx or {}).items():
        out += struct.pack("<ii", *pair)
    if quantized_input is None:
        out += struct.pack("<?qq", False, *rows.shape) + rows.astype("<f4").tobytes()
    else:
        out += struct.pack("<?", True) + quantized_input
    if output is None:
        output_rows = len(labels) if model == 3 else len(words)
        output = struct.pack("<qq", output_rows, dim) + bytes(4 * output_rows * dim)
    return out + struct.pack("<?", False) + output


def _hand_model(tmp_path, **kwargs):
    """Words '</s>', 'ab', 'c' in 2 dimensions, n-grams of 3 to 4 characters in 7 buckets."""
    words = ["</s>", "ab", "c"]
    rows = np.arange(2 * (3 + 7), dtype=np.float32).reshape(10, 2) * 0.5 - 3
    path = tmp_path / "hand.bin"
    path.write_bytes(fasttext_bin(words, rows, minn=3, maxn=4, bucket=7, **kwargs))
    return path, rows


def _row(rows, ngram: str) -> np.ndarray:
    return rows[3 + _fnv(ngram.encode()) % 7]


def test_hand_made_bin_gives_fasttexts_word_vectors(tmp_path):
    path, rows = _hand_model(tmp_path)
    f = load(str(path))
    assert f.format == "fasttext-bin" and f.words == ["</s>", "ab", "c"]
    assert f.counts.tolist() == [100, 99, 98]
    assert f.metadata["fasttext"]["minn"] == 3 and f.metadata["fasttext"]["model"] == "skipgram"
    expected = {
        "</s>": rows[0],  # no n-grams: its own row only
        "ab": (rows[1] + _row(rows, "<ab") + _row(rows, "<ab>") + _row(rows, "ab>")) / 4,
        "c": (rows[2] + _row(rows, "<c>")) / 2,  # one character: the 3-gram '<c>' only
    }
    for i, word in enumerate(f.words):
        np.testing.assert_allclose(f.vectors[i], expected[word], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(f.subwords.word_vector(word), expected[word], rtol=1e-6)
    unseen = (_row(rows, "<xy") + _row(rows, "<xy>") + _row(rows, "xy>")) / 3
    np.testing.assert_allclose(f.subwords.word_vector("xy"), unseen, rtol=1e-6)


def test_blocks_of_words_give_the_same_vectors(tmp_path, monkeypatch):
    path, _ = _hand_model(tmp_path)
    whole = load(str(path)).vectors
    monkeypatch.setattr("w2v.fasttext_format._GATHER_ROWS", 2)  # blocks split every word
    np.testing.assert_array_equal(load(str(path)).vectors, whole)


def test_invalid_utf8_word_is_refused_or_replaced(tmp_path):
    rows = np.arange(2 * (2 + 3), dtype=np.float32).reshape(5, 2)
    path = tmp_path / "latin1.bin"
    path.write_bytes(fasttext_bin(["ok", b"caf\xe9"], rows, minn=3, maxn=3, bucket=3))
    with pytest.raises(ModelFormatError, match=r"latin1\.bin: dictionary entry 2: .*UTF-8"):
        load(str(path))
    f = load(str(path), unicode_errors="replace")
    assert f.words == ["ok", "caf\ufffd"] and f.replaced_words == 1


def test_word_shorter_than_minn_has_only_its_own_row(tmp_path):
    words = ["c", "abcd"]
    rows = np.arange(2 * (2 + 5), dtype=np.float32).reshape(7, 2)
    path = tmp_path / "short.bin"
    path.write_bytes(fasttext_bin(words, rows, minn=4, maxn=4, bucket=5))
    f = load(str(path))
    np.testing.assert_array_equal(f.vectors[0], rows[0])  # '<c>' is shorter than minn
    assert f.subwords.word_vector("q") is None  # unseen, and no n-gram: the caller says so
    grams = ["<abc", "abcd", "bcd>"]
    expected = (rows[1] + sum(rows[2 + _fnv(g.encode()) % 5] for g in grams)) / 4
    np.testing.assert_allclose(f.vectors[1], expected, rtol=1e-6)


def test_labels_are_left_out_and_version_11_supervised_has_no_ngrams(tmp_path):
    rows = np.arange(2 * (1 + 3), dtype=np.float32).reshape(4, 2)
    path = tmp_path / "sup.bin"
    path.write_bytes(fasttext_bin(["word"], rows, minn=3, maxn=6, bucket=3, version=11,
                                  labels=("__label__a", "__label__b"), model=3))
    f = load(str(path))
    assert f.words == ["word"] and f.metadata["fasttext"]["labels"] == 2
    np.testing.assert_array_equal(f.vectors[0], rows[0])
    assert f.subwords.word_vector("other") is None


def test_gensim_model_reads_back_the_same_vectors(tmp_path):
    models = pytest.importorskip("gensim.models")
    sentences = [["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"],
                 ["café", "naïve", "über", "straße", "ça", "va"],
                 ["москва", "город", "東京", "大阪", "über", "café"]] * 5
    model = models.FastText(sentences, vector_size=8, window=2, min_count=1, min_n=2, max_n=4,
                            bucket=97, epochs=3, seed=1, workers=1)
    path = tmp_path / "gensim.bin"
    models.fasttext.save_facebook_model(model, str(path))
    f = load(str(path))
    assert f.format == "fasttext-bin" and f.words == list(model.wv.index_to_key)
    for i, word in enumerate(f.words):
        np.testing.assert_allclose(f.vectors[i], model.wv[word], atol=1e-5)
    for word in ["quikc", "foxes", "zzzzqq", "cafés", "strasse", "é", "москвы", "東京都"]:
        np.testing.assert_allclose(f.subwords.word_vector(word), model.wv[word], atol=1e-5)


def _product_quantized(dim: int, qnorm: bool, rows: int = 4):
    """Codes and centroids for `rows` rows with dsub 2, and the rows they decode to."""
    rng = np.random.default_rng(7)
    dsub, nsubq = 2, -(-dim // 2)
    lastdsub = dim - (nsubq - 1) * dsub
    centroids = rng.standard_normal(dim * 256).astype(np.float32)
    codes = rng.integers(0, 256, size=(rows, nsubq), dtype=np.uint8)
    norm_codes = rng.integers(0, 256, size=rows, dtype=np.uint8) if qnorm else None
    norms = rng.uniform(0.5, 2, 256).astype(np.float32) if qnorm else None
    decoded = np.zeros((rows, dim), dtype=np.float32)
    for t in range(rows):
        for k in range(nsubq):
            c = int(codes[t, k])
            if k == nsubq - 1:  # the last sub-quantizer's centroids are lastdsub wide
                start = k * 256 * dsub + c * lastdsub
                decoded[t, k * dsub:] = centroids[start:start + lastdsub]
            else:
                start = (k * 256 + c) * dsub
                decoded[t, k * dsub:(k + 1) * dsub] = centroids[start:start + dsub]
        if qnorm:
            decoded[t] *= norms[norm_codes[t]]
    blob = _quantized(rows, dim, dsub, codes, centroids, norm_codes, norms)
    return blob, decoded


@pytest.mark.parametrize("qnorm", [False, True])
@pytest.mark.parametrize("dim", [2, 4, 5])  # one sub-quantizer; all dsub wide; last narrower
def test_quantized_ftz_rows_decode_to_the_written_centroids(tmp_path, qnorm, dim):
    blob, decoded = _product_quantized(dim, qnorm)  # 2 words, then 2 n-gram rows
    pruneidx = {_fnv(b"<ab") % 50: 1, _fnv(b"ab>") % 50: 0}  # '<ab>' and '<x>' were pruned
    assert len({*pruneidx, _fnv(b"<ab>") % 50, _fnv(b"<x>") % 50}) == 4  # no collision
    path = tmp_path / "model.ftz"
    path.write_bytes(fasttext_bin(["ab", "x"], np.zeros((0, dim)), minn=3, maxn=4, bucket=50,
                                  pruneidx=pruneidx, quantized_input=blob))
    f = load(str(path))
    assert f.format == "fasttext-ftz"
    np.testing.assert_allclose(f.subwords.rows[np.arange(4)], decoded, rtol=1e-6)
    np.testing.assert_allclose(f.vectors[0], (decoded[0] + decoded[3] + decoded[2]) / 3,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f.vectors[1], decoded[1], rtol=1e-6)  # all its n-grams pruned
    kept = [2 + pruneidx[b] for g in ["<xa", "<xab", "xab", "xab>", "ab>"]
            if (b := _fnv(g.encode()) % 50) in pruneidx]  # unseen: only its kept n-grams
    assert kept  # 'ab>' at least
    np.testing.assert_allclose(f.subwords.word_vector("xab"), decoded[kept].mean(axis=0),
                               rtol=1e-5, atol=1e-6)


def test_quantized_output_matrix_is_checked_and_skipped(tmp_path):
    blob, _ = _product_quantized(4, qnorm=True, rows=3)
    output, _ = _product_quantized(4, qnorm=False, rows=2)
    data = fasttext_bin(["a", "b"], np.zeros((0, 4)), minn=0, maxn=0, bucket=1,
                        quantized_input=blob, output=output)
    path = tmp_path / "qout.ftz"
    path.write_bytes(data.replace(b"\0" + output, b"\1" + output))  # qout set
    assert len(load(str(path)).vectors) == 2


def test_truncated_bin_is_refused_at_every_cut(tmp_path):
    path, _ = _hand_model(tmp_path)
    whole = path.read_bytes()
    cut_path = tmp_path / "cut.bin"
    for cut in sorted({*range(4, 160), *range(160, len(whole), 7), len(whole) - 1}):
        cut_path.write_bytes(whole[:cut])
        with pytest.raises(ModelFormatError, match=r"cut\.bin: "):
            load(str(cut_path))


def test_truncated_ftz_is_refused_at_every_cut(tmp_path):
    blob, _ = _product_quantized(3, qnorm=True, rows=3)
    whole = fasttext_bin(["a", "b"], np.zeros((0, 3)), minn=3, maxn=3, bucket=1,
                         quantized_input=blob)
    path = tmp_path / "cut.ftz"
    for cut in range(4, len(whole), 11):
        path.write_bytes(whole[:cut])
        with pytest.raises(ModelFormatError, match=r"cut\.ftz: "):
            load(str(path))


def test_trailing_bytes_are_refused(tmp_path):
    path, _ = _hand_model(tmp_path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelFormatError, match=r"hand\.bin: the file continues past"):
        load(str(path))


@pytest.mark.parametrize("version", [10, 13, -1])
def test_unknown_version_is_refused(tmp_path, version):
    path, _ = _hand_model(tmp_path, version=version)
    with pytest.raises(ModelFormatError, match=rf"hand\.bin: fastText model version {version};"):
        load(str(path))


def test_inconsistent_sizes_are_refused_before_allocating(tmp_path):
    path, rows = _hand_model(tmp_path)
    data = path.read_bytes()
    header_at = data.index(struct.pack("<?qq", False, 10, 2))
    huge = data[:header_at] + struct.pack("<?qq", False, 10, 2**40) + data[header_at + 17:]
    path.write_bytes(huge)
    with pytest.raises(ModelFormatError, match=r"input matrix is 10 x 1099511627776 where"):
        load(str(path))
    dictionary_at = 8 + struct.calcsize("<12id")
    path.write_bytes(data[:dictionary_at] + struct.pack("<iiiqq", 2**31 - 1, 2**31 - 1, 0, 0, -1)
                     + data[dictionary_at + 28:])
    with pytest.raises(ModelFormatError, match=r"dictionary promises 2147483647 entries"):
        load(str(path))
