"""Subword models across formats: the .bin w2v writes, read by fastText and gensim; fastText's own
.bin and .ftz, read by w2v; the native format's n-gram rows, memory-mapped and checked.

Every comparison is of word vectors, for vocabulary words and for unseen ones (misspellings,
accents, Cyrillic, CJK), to 1e-5 as the issue asks.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from w2v.errors import ConfigError, ModelFormatError, UnknownWordError
from w2v.fasttext_format import MAGIC, save_fasttext, save_fasttext_vec
from w2v.formats import load, save_native
from w2v.subwords import NgramRows, ngram_ids, ngram_table
from w2v.vectors import WordVectors

WORDS = ["the", "quick", "brown", "café", "naïve", "über", "москва", "東京", "ab", "z"]
UNSEEN = ["quikc", "browns", "cafés", "naive", "москвы", "東京都", "xyzzyq", "naïveté", "Über",
          "zz"]
NO_NGRAM = "ñ"  # its one n-gram '<ñ>' hashes to a bucket no vocabulary word reaches
DIM, MINN, MAXN, BUCKET = 8, 3, 6, 5000
SETTINGS = {"arch": "skipgram", "dim": DIM, "window": 3, "negative": 4, "hs": False,
            "epochs": 7, "min_count": 2, "sample": 1e-3, "alpha": 0.025, "subwords": True,
            "minn": MINN, "maxn": MAXN, "buckets": BUCKET}
TOLERANCE = 1e-5


class Hand:
    """A subword model made by hand: random own rows and n-gram rows, no training."""

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.words = list(WORDS)
        self.counts = np.arange(len(WORDS), 0, -1, dtype=np.int64) * 10
        table = ngram_table(self.words, MINN, MAXN, BUCKET)
        self.ngrams = NgramRows.for_table(table, MINN, MAXN, BUCKET, DIM)
        self.ngrams.vectors[:] = rng.normal(size=self.ngrams.vectors.shape)
        self.input_rows = rng.normal(size=(len(WORDS), DIM)).astype(np.float32)
        self.vectors = self.ngrams.word_vectors(self.input_rows, table)
        self.output = rng.normal(size=(len(WORDS), DIM)).astype(np.float32)

    def native(self, path) -> str:
        save_native(str(path), self.words, self.vectors, self.output, self.counts,
                    {"config": SETTINGS}, input_rows=self.input_rows, ngrams=self.ngrams)
        return str(path)

    def bin(self, path, settings: dict = SETTINGS, output_hs=None) -> str:
        save_fasttext(str(path), self.words, self.counts, self.input_rows, self.ngrams,
                      self.output, output_hs, settings)
        return str(path)

    def expected(self, word: str) -> np.ndarray | None:
        """fastText's vector of an unseen word, from the rows: absent buckets are zero."""
        ids = ngram_ids(word, MINN, MAXN, BUCKET)
        rows = self.ngrams.rows_of(ids)
        if not (rows >= 0).any():
            return None
        return self.ngrams.vectors[rows[rows >= 0]].astype(np.float64).sum(axis=0) / len(ids)


@pytest.fixture
def hand():
    model = Hand()
    assert (model.ngrams.rows_of(ngram_ids(NO_NGRAM, MINN, MAXN, BUCKET)) < 0).all()
    assert all(model.expected(w) is not None for w in UNSEEN)  # each shares an n-gram
    return model


def _vector_or_zeros(vector: np.ndarray | None, dim: int = DIM) -> np.ndarray:
    return np.zeros(dim, dtype=np.float32) if vector is None else vector


# ---------------------------------------------------------------- native format


def test_native_round_trip_keeps_the_ngram_rows_memory_mapped(tmp_path, hand):
    metadata = {"config": SETTINGS}
    path = str(tmp_path / "m.w2v")
    save_native(path, hand.words, hand.vectors, hand.output, hand.counts, metadata,
                input_rows=hand.input_rows, ngrams=hand.ngrams)
    assert "subwords" not in metadata  # the caller's dictionary is left alone
    f = load(path)
    assert f.words == WORDS and f.metadata["subwords"] == {"minn": MINN, "maxn": MAXN,
                                                           "bucket": BUCKET}
    for array in (f.vectors, f.input_rows, f.ngrams.buckets, f.ngrams.vectors):
        assert isinstance(array, np.memmap)
    np.testing.assert_array_equal(f.vectors, hand.vectors)
    np.testing.assert_array_equal(f.input_rows, hand.input_rows)
    np.testing.assert_array_equal(f.ngrams.buckets, hand.ngrams.buckets)
    np.testing.assert_array_equal(f.ngrams.vectors, hand.ngrams.vectors)
    assert (f.ngrams.minn, f.ngrams.maxn, f.ngrams.bucket) == (MINN, MAXN, BUCKET)


def test_native_unseen_word_is_the_mean_over_all_its_ngrams(tmp_path, hand):
    f = load(hand.native(tmp_path / "m.w2v"))
    for i, word in enumerate(WORDS):
        np.testing.assert_array_equal(f.subwords.word_vector(word), hand.vectors[i])
    for word in UNSEEN:
        np.testing.assert_allclose(f.subwords.word_vector(word), hand.expected(word),
                                   rtol=1e-6, atol=1e-7)
    assert f.subwords.word_vector(NO_NGRAM) is None
    wv = WordVectors.from_file(f)
    np.testing.assert_allclose(wv["quikc"], hand.expected("quikc"), rtol=1e-6, atol=1e-7)
    with pytest.raises(UnknownWordError, match="has no character n-gram this model knows"):
        wv.resolve(NO_NGRAM)


def test_native_model_without_ngrams_is_unchanged(tmp_path, hand):
    path = str(tmp_path / "plain.w2v")
    save_native(path, hand.words, hand.vectors, hand.output, hand.counts, {})
    f = load(path)
    assert f.subwords is None and f.input_rows is None and f.ngrams is None
    assert "subwords" not in f.metadata


def _rewrite_native(path, change_header=None, change_arrays=None):
    """Rewrite a native file's header (in place: the writer leaves room) or array bytes."""
    data = bytearray(Path(path).read_bytes())
    (length,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16:16 + length])
    if change_arrays:
        change_arrays(header, data)
    if change_header:
        first_array = min(spec["offset"] for spec in header["arrays"].values())
        change_header(header)
        blob = json.dumps(header).encode()
        assert 16 + len(blob) <= first_array
        data[8:16 + len(blob)] = struct.pack("<Q", len(blob)) + blob
    Path(path).write_bytes(bytes(data))


def _repeat_first_bucket(header, data):
    at = header["arrays"]["ngram_buckets"]["offset"]
    data[at + 8:at + 16] = data[at:at + 8]


def _set_last_bucket(value):
    def change(header, data):
        spec = header["arrays"]["ngram_buckets"]
        at = spec["offset"] + 8 * (spec["shape"][0] - 1)
        data[at:at + 8] = struct.pack("<q", value)
    return change


def _drop(name):
    def change(header):
        del header["arrays"][name]
    return change


def _set_subwords(value):
    def change(header):
        header["metadata"]["subwords"] = value
    return change


def _shape(name, shape):
    def change(header):
        header["arrays"][name]["shape"] = shape
    return change


@pytest.mark.parametrize("change_header,change_arrays,message", [
    (None, _repeat_first_bucket, r"'ngram_buckets' are not unique: bucket \d+ has two rows"),
    (None, _set_last_bucket(BUCKET), rf"'ngram_buckets' hold bucket {BUCKET} outside"),
    (None, _set_last_bucket(-1), r"'ngram_buckets' hold bucket -1 outside"),
    (_set_subwords({"minn": MINN, "maxn": MAXN, "bucket": 10}), None,
     r"'ngram_buckets' hold bucket \d+ outside \[0, 10\)"),
    (_drop("input_rows"), None, r"character n-grams but no 'input_rows': the file is damaged"),
    (_drop("ngram_vectors"), None, r"no 'ngram_vectors'"),
    (_set_subwords(None), None, r"metadata 'subwords' is None"),
    (_set_subwords({"minn": 3, "maxn": 6}), None, r"not its minn, maxn and bucket"),
    (_set_subwords({"minn": 3, "maxn": 6, "bucket": 0}), None, r"buckets=0: must be between"),
    (_shape("ngram_vectors", [3, DIM]), None, r"'ngram_vectors' has 3 rows for the \d+ buckets"),
    (_shape("ngram_vectors", [3, DIM - 1]), None, rf"ask for \(any, {DIM}\)"),
    (_shape("input_rows", [len(WORDS), DIM + 1]), None, rf"ask for \({len(WORDS)}, {DIM}\)"),
    (_shape("ngram_buckets", [3, 1]), None, r"'ngram_buckets' has shape \(3, 1\) .* 1-D"),
], ids=["repeated", "past-bucket", "negative", "bucket-shrunk", "no-input-rows",
        "no-ngram-vectors", "no-settings", "settings-incomplete", "bucket-zero",
        "rows-for-buckets", "ngram-dim", "input-rows-dim", "buckets-2d"])
def test_damaged_native_subword_arrays_are_refused(tmp_path, hand, change_header, change_arrays,
                                                   message):
    path = hand.native(tmp_path / "m.w2v")
    _rewrite_native(path, change_header, change_arrays)
    with pytest.raises(ModelFormatError, match=r"m\.w2v: .*" + message):
        load(path)


def test_metadata_subwords_without_arrays_is_refused(tmp_path, hand):
    path = str(tmp_path / "m.w2v")
    save_native(path, hand.words, hand.vectors, None, None, {"subwords": {"minn": 3}})
    with pytest.raises(ModelFormatError, match="no 'input_rows', 'ngram_buckets', "
                                               "'ngram_vectors'"):
        load(path)


def test_save_native_refuses_subword_arrays_that_disagree(tmp_path, hand):
    path = str(tmp_path / "m.w2v")
    with pytest.raises(ConfigError, match="needs both input_rows and ngrams"):
        save_native(path, hand.words, hand.vectors, None, None, {}, ngrams=hand.ngrams)
    with pytest.raises(ConfigError, match="input_rows has shape"):
        save_native(path, hand.words, hand.vectors, None, None, {},
                    input_rows=hand.input_rows[1:], ngrams=hand.ngrams)
    repeated = hand.ngrams.buckets.copy()
    repeated[1] = repeated[0]
    twice = NgramRows(MINN, MAXN, BUCKET, repeated, hand.ngrams.vectors)
    with pytest.raises(ConfigError, match="not unique"):
        save_native(path, hand.words, hand.vectors, None, None, {},
                    input_rows=hand.input_rows, ngrams=twice)
    assert not (tmp_path / "m.w2v").exists()


# ---------------------------------------------------------------- the .bin writer's layout


def _tiny(output_hs=None, **settings):
    """Words 'ab', 'c' in 2 dimensions, n-grams of 2 to 3 characters in 5 buckets, of which
    buckets 1 and 3 have rows."""
    words, counts = ["ab", "c"], np.array([5, 3])
    rows = np.array([[1, 2], [3, 4]], dtype=np.float32)
    ngrams = NgramRows(2, 3, 5, np.array([1, 3]), np.array([[5, 6], [7, 8]], np.float32))
    output = np.array([[-1, -2], [-3, -4]], dtype=np.float32)
    merged = {"arch": "skipgram", "window": 4, "epochs": 3, "min_count": 2, "negative": 6,
              "hs": False, "sample": 1e-3, **settings}
    return words, counts, rows, ngrams, output, output_hs, merged


def _parse_bin(data: bytes) -> dict:
    """The fields of a dense fastText .bin with unpruned dictionary, read one by one."""
    pos = 0

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return values

    fields = {"magic_version": take("<ii"), "args": take("<12id"), "dictionary": take("<iiiqq")}
    entries = []
    for _ in range(fields["dictionary"][0]):
        end = data.index(b"\0", pos)
        word = data[pos:end]
        pos = end + 1
        entries.append((word, *take("<qb")))
    fields["entries"] = entries
    fields["quant_input"], m, n = take("<?qq")
    fields["input"] = np.frombuffer(data, "<f4", m * n, pos).reshape(m, n)
    pos += 4 * m * n
    fields["qout"], m, n = take("<?qq")
    fields["output"] = np.frombuffer(data, "<f4", m * n, pos).reshape(m, n)
    fields["trailing"] = len(data) - pos - 4 * m * n
    return fields


def test_bin_layout_field_by_field(tmp_path):
    path = tmp_path / "tiny.bin"
    words, counts, rows, ngrams, output, output_hs, settings = _tiny()
    save_fasttext(str(path), words, counts, rows, ngrams, output, output_hs, settings)
    fields = _parse_bin(path.read_bytes())
    assert fields["magic_version"] == (MAGIC, 12)
    # dim, ws, epoch, minCount, neg, wordNgrams, loss ns, model sg, bucket, minn, maxn,
    # lrUpdateRate, t
    assert fields["args"] == (2, 4, 3, 2, 6, 1, 2, 2, 5, 2, 3, 100, 1e-3)
    assert fields["dictionary"] == (2, 2, 0, 8, -1)  # size, nwords, nlabels, ntokens, pruneidx
    assert fields["entries"] == [(b"ab", 5, 0), (b"c", 3, 0)]
    assert fields["quant_input"] is False and fields["qout"] is False
    expected_input = np.zeros((2 + 5, 2), dtype=np.float32)
    expected_input[:2] = rows
    expected_input[2 + 1], expected_input[2 + 3] = [5, 6], [7, 8]
    np.testing.assert_array_equal(fields["input"], expected_input)
    np.testing.assert_array_equal(fields["output"], output)
    assert fields["trailing"] == 0


def test_bin_hs_only_cbow_writes_negated_inner_nodes_padded(tmp_path):
    path = tmp_path / "hs.bin"
    inner = np.array([[0.5, -0.25]], dtype=np.float32)  # V - 1 = 1 inner node
    words, counts, rows, ngrams, _, output_hs, settings = _tiny(inner, arch="cbow", hs=True,
                                                                negative=0)
    save_fasttext(str(path), words, counts, rows, ngrams, np.zeros((0, 2)), output_hs, settings)
    fields = _parse_bin(path.read_bytes())
    assert fields["args"][6:8] == (1, 1)  # loss hs, model cbow
    # fastText's sigmoid target is the code bit where word2vec.c's is 1 - bit: rows negated
    np.testing.assert_array_equal(fields["output"], [[-0.5, 0.25], [0, 0]])


def test_bin_without_ngrams_is_fasttexts_plain_model(tmp_path):
    path = tmp_path / "plain.bin"
    words, counts, rows, _, output, _, settings = _tiny()
    save_fasttext(str(path), words, counts, rows, None, output, None, settings)
    fields = _parse_bin(path.read_bytes())
    assert fields["args"][8:11] == (0, 0, 0)  # bucket, minn, maxn: fastText's for maxn 0
    np.testing.assert_array_equal(fields["input"], rows)
    f = load(str(path))
    np.testing.assert_array_equal(f.vectors, rows)
    assert f.subwords.word_vector("abc") is None


def test_bin_rows_written_in_small_blocks_are_the_same(tmp_path, hand, monkeypatch):
    whole = Path(hand.bin(tmp_path / "whole.bin")).read_bytes()
    monkeypatch.setattr("w2v.fasttext_format._WRITE_BYTES", 3 * 4 * DIM)  # 3 rows a block
    assert Path(hand.bin(tmp_path / "blocks.bin")).read_bytes() == whole


def test_bin_writer_refuses_words_fasttext_cannot_hold(tmp_path):
    words, counts, rows, ngrams, output, _, settings = _tiny()
    path = tmp_path / "bad.bin"
    with pytest.raises(ConfigError, match=r"bad\.bin: word 2 .* NUL byte"):
        save_fasttext(str(path), ["ab", "c\0d"], counts, rows, ngrams, output, None, settings)
    with pytest.raises(ConfigError, match="do not agree"):
        save_fasttext(str(path), words, counts[:1], rows, ngrams, output, None, settings)
    assert not path.exists()


def test_vec_beside_the_bin_holds_each_float32_exactly(tmp_path, hand):
    path = tmp_path / "m.vec"
    save_fasttext_vec(str(path), hand.words, hand.vectors)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{len(WORDS)} {DIM}" and lines[1].startswith("the ")
    assert lines[1].endswith(" ")  # fastText ends every value with a space
    f = load(str(path))
    assert f.words == WORDS
    np.testing.assert_array_equal(f.vectors, hand.vectors)


# ---------------------------------------------------------------- w2v's .bin, read back


def test_w2v_reads_its_bin_as_its_native_file(tmp_path, hand):
    native = load(hand.native(tmp_path / "m.w2v"))
    binary = load(hand.bin(tmp_path / "m.bin"))
    assert binary.format == "fasttext-bin" and binary.words == WORDS
    assert binary.counts.tolist() == hand.counts.tolist()
    np.testing.assert_allclose(binary.vectors, native.vectors, atol=TOLERANCE)
    for word in UNSEEN:
        np.testing.assert_allclose(binary.subwords.word_vector(word),
                                   native.subwords.word_vector(word), atol=TOLERANCE)
    # the unreached buckets are zero rows in the .bin: a zero mean is no n-gram known
    assert binary.subwords.word_vector(NO_NGRAM) is None
    with pytest.raises(UnknownWordError, match="no character n-gram this model knows"):
        WordVectors.from_file(binary)[NO_NGRAM]


def test_fasttext_reads_the_bin_w2v_writes(tmp_path, hand):
    fasttext = pytest.importorskip("fasttext")
    native = load(hand.native(tmp_path / "m.w2v"))
    path = hand.bin(tmp_path / "m.bin")
    binary = load(path)
    model = fasttext.load_model(path)
    assert model.words == WORDS and model.get_dimension() == DIM
    assert model.get_input_matrix().shape == (len(WORDS) + BUCKET, DIM)
    np.testing.assert_array_equal(model.get_output_matrix(), hand.output)
    for i, word in enumerate(WORDS):
        theirs = model.get_word_vector(word)
        np.testing.assert_allclose(theirs, native.vectors[i], atol=TOLERANCE)
        np.testing.assert_allclose(theirs, binary.vectors[i], atol=TOLERANCE)
    for word in [*UNSEEN, NO_NGRAM]:
        theirs = model.get_word_vector(word)
        for ours in (native.subwords.word_vector(word), binary.subwords.word_vector(word)):
            np.testing.assert_allclose(theirs, _vector_or_zeros(ours), atol=TOLERANCE)


def test_gensim_reads_the_bin_w2v_writes(tmp_path, hand):
    fasttext = pytest.importorskip("gensim.models.fasttext")
    native = load(hand.native(tmp_path / "m.w2v"))
    path = hand.bin(tmp_path / "m.bin")
    binary = load(path)
    model = fasttext.load_facebook_model(path)
    assert list(model.wv.index_to_key) == WORDS
    for i, word in enumerate(WORDS):
        np.testing.assert_allclose(model.wv[word], native.vectors[i], atol=TOLERANCE)
    for word in [*UNSEEN, NO_NGRAM]:
        for ours in (native.subwords.word_vector(word), binary.subwords.word_vector(word)):
            np.testing.assert_allclose(model.wv[word], _vector_or_zeros(ours), atol=TOLERANCE)


# ---------------------------------------------------------------- fastText's files, read by w2v


STEMS = ["walk", "talk", "jump", "play", "кот", "собак", "東京", "café", "naïv", "straß"]
ENDINGS = ["", "s", "ed", "ing", "er", "а", "у", "都"]
# fastText initialises block k of its input matrix's ten blocks in thread k, and leaves the rest
# as the allocator returned it (zeros in a fresh process, garbage from earlier models in a test
# run): ten threads and a dimension that divides the matrix into ten exact blocks avoid that
FT_DIM, FT_THREADS = 10, 10
FT_UNSEEN = ["walkings", "talkked", "кошка", "собака", "東京タワー", "cafés", "naïve", "qqq",
             "z", "straße"]


def _corpus(path, lines: int, seed: int, labels: bool = False) -> str:
    """Sentences each drawn from one of three groups of inflected words (structure enough that
    fastText's training stays finite on so small a corpus)."""
    rng = np.random.default_rng(seed)
    vocab = [stem + ending for stem in STEMS for ending in ENDINGS]
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(lines):
            group = int(rng.integers(3))
            words = rng.choice(vocab[group::3], 8)
            out.write((f"__label__{group} " if labels else "") + " ".join(words) + "\n")
    return str(path)


def _assert_same_as_fasttext(model, f, unseen=FT_UNSEEN):
    """`f` (a VectorFile) gives fastText's `model` vectors, known and unseen words."""
    assert f.words == model.words
    for i, word in enumerate(f.words):
        np.testing.assert_allclose(f.vectors[i], model.get_word_vector(word), atol=TOLERANCE)
    for word in unseen:
        np.testing.assert_allclose(_vector_or_zeros(f.subwords.word_vector(word), FT_DIM),
                                   model.get_word_vector(word), atol=TOLERANCE)


def test_w2v_reads_a_fasttext_trained_bin_and_writes_it_back(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    corpus = _corpus(tmp_path / "corpus.txt", 1000, seed=1)
    model = fasttext.train_unsupervised(corpus, model="skipgram", dim=FT_DIM, minn=3, maxn=6,
                                        bucket=20_000, thread=FT_THREADS, epoch=2, minCount=1,
                                        verbose=0)
    path = str(tmp_path / "ft.bin")
    model.save_model(path)
    f = load(path)
    assert f.format == "fasttext-bin" and f.words[0] == "</s>"
    _assert_same_as_fasttext(model, f)
    assert any(f.subwords.word_vector(w) is not None for w in FT_UNSEEN)
    # dense: every bucket has its row, so the model converts to native and back to .bin
    save_native(str(tmp_path / "ft.w2v"), f.words, f.vectors, None, f.counts, {},
                input_rows=f.input_rows, ngrams=f.ngrams)
    native = load(str(tmp_path / "ft.w2v"))
    _assert_same_as_fasttext(model, native)
    save_fasttext(str(tmp_path / "again.bin"), native.words, native.counts, native.input_rows,
                  native.ngrams, None, None, {"arch": "skipgram", "min_count": 1})
    again = fasttext.load_model(str(tmp_path / "again.bin"))
    for word in [*f.words, *FT_UNSEEN]:
        np.testing.assert_allclose(again.get_word_vector(word), model.get_word_vector(word),
                                   atol=TOLERANCE)


def test_w2v_reads_a_fasttext_quantized_ftz(tmp_path):
    """fastText quantizes supervised models only; the cutoff prunes words and n-grams."""
    fasttext = pytest.importorskip("fasttext")
    corpus = _corpus(tmp_path / "labelled.txt", 300, seed=1, labels=True)
    model = fasttext.train_supervised(corpus, dim=FT_DIM, minn=2, maxn=4, bucket=20_000,
                                      thread=FT_THREADS, epoch=5, verbose=0)
    model.quantize(qnorm=True, cutoff=400, retrain=False, dsub=2, thread=1, verbose=0)
    path = str(tmp_path / "sup.ftz")
    model.save_model(path)
    f = load(path)
    assert f.format == "fasttext-ftz" and f.metadata["fasttext"]["labels"] == 3
    assert f.subwords.pruneidx  # pruned: n-grams whose bucket was cut are dropped
    unseen = [*FT_UNSEEN, *(w + "x" for w in f.words[1:20])]
    _assert_same_as_fasttext(model, f, unseen)
    assert any(f.subwords.word_vector(w) is not None for w in unseen)
