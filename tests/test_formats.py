"""Round trips through every format, and agreement with gensim where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ModelFormatError
from w2v.formats import load, output_format, save_native, save_word2vec

WORDS = ["the", "café", "東京", "new_york", "a"]


@pytest.fixture
def vectors():
    return np.random.default_rng(0).normal(size=(len(WORDS), 7)).astype(np.float32)


def test_binary_round_trip_is_exact(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec(str(path), WORDS, vectors, binary=True)
    loaded = load(str(path))
    assert loaded.format == "word2vec-binary"
    assert loaded.words == WORDS
    assert np.array_equal(loaded.vectors, vectors)


def test_binary_layout_is_word2vec_c(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec(str(path), WORDS[:1], vectors[:1], binary=True)
    assert path.read_bytes() == b"1 7\nthe " + vectors[0].tobytes() + b"\n"


def test_text_round_trip_to_six_decimals(tmp_path, vectors):
    path = tmp_path / "v.txt"
    save_word2vec(str(path), WORDS, vectors, binary=False)
    lines = path.read_text().split("\n")
    assert lines[0] == "5 7"
    assert lines[1].startswith("the ") and lines[1].endswith(" ")  # word2vec.c's "%lf " rows
    loaded = load(str(path))
    assert loaded.format == "word2vec-text" and loaded.words == WORDS
    np.testing.assert_allclose(loaded.vectors, vectors, atol=5e-7)


def test_native_round_trip_memory_maps(tmp_path, vectors):
    path = tmp_path / "v.w2v"
    counts = np.array([50, 40, 30, 20, 10])
    save_native(str(path), WORDS, vectors, vectors * 2, counts, {"config": {"dim": 7}})
    loaded = load(str(path))
    assert loaded.format == "native" and loaded.words == WORDS
    assert isinstance(loaded.vectors, np.memmap)
    assert np.array_equal(loaded.vectors, vectors)
    assert np.array_equal(loaded.output, vectors * 2)
    assert loaded.counts.tolist() == counts.tolist()
    assert loaded.metadata == {"config": {"dim": 7}}
    raw = path.read_bytes()
    assert b"pickle" not in raw and raw.startswith(b"\x93W2VMDL\n")


def test_glove_text_without_header_is_detected(tmp_path, vectors):
    path = tmp_path / "glove.txt"
    path.write_text("".join(f"{w} " + " ".join(map(str, v)) + "\n"
                            for w, v in zip(WORDS, vectors.tolist())))
    loaded = load(str(path))
    assert loaded.format == "glove" and loaded.words == WORDS
    np.testing.assert_allclose(loaded.vectors, vectors, rtol=1e-6)


def test_output_format_follows_extension():
    assert output_format("x.bin") == "word2vec-binary"
    assert output_format("x.TXT") == "word2vec-text"
    assert output_format("x.vec") == "word2vec-text"
    assert output_format("x.w2v") == "native"
    assert output_format("model") == "native"


def test_truncated_binary_names_the_file_and_offset(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec(str(path), WORDS, vectors, binary=True)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ModelFormatError, match=r"v\.bin.*(truncated|claims)"):
        load(str(path))


def test_truncated_native_is_rejected(tmp_path, vectors):
    path = tmp_path / "v.w2v"
    save_native(str(path), WORDS, vectors, None, None, {})
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ModelFormatError, match="truncated"):
        load(str(path))


def test_non_numeric_text_row_names_the_line(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("2 3\na 1 2 3\nb 1 x 3\n")
    with pytest.raises(ModelFormatError, match="line 3"):
        load(str(path))


def test_write_failure_leaves_the_old_file(tmp_path, vectors, monkeypatch):
    path = tmp_path / "v.bin"
    path.write_bytes(b"precious")

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("w2v.formats._write_binary_rows", broken)
    with pytest.raises(Exception, match="No space left"):
        save_word2vec(str(path), WORDS, vectors, binary=True)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["v.bin"]


class TestGensimInterop:
    gensim = pytest.importorskip("gensim.models")

    @pytest.mark.parametrize("suffix,binary", [(".bin", True), (".txt", False)])
    def test_gensim_reads_our_files(self, tmp_path, vectors, suffix, binary):
        path = tmp_path / f"v{suffix}"
        save_word2vec(str(path), WORDS, vectors, binary=binary)
        kv = self.gensim.KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert list(kv.index_to_key) == WORDS
        np.testing.assert_allclose(kv.vectors, vectors, atol=0 if binary else 5e-7)

    @pytest.mark.parametrize("suffix,binary", [(".bin", True), (".txt", False)])
    def test_we_read_gensim_files(self, tmp_path, vectors, suffix, binary):
        kv = self.gensim.KeyedVectors(vectors.shape[1])
        kv.add_vectors(WORDS, vectors)
        path = tmp_path / f"g{suffix}"
        kv.save_word2vec_format(str(path), binary=binary)
        loaded = load(str(path))
        assert loaded.words == WORDS
        np.testing.assert_allclose(loaded.vectors, vectors, rtol=1e-6)


def test_binary_without_row_newlines_and_with_odd_words(tmp_path):
    """gensim and word2vec.c also read rows without the trailing newline; so do we."""
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    words = ["a", "naïve", "x\u00ff"]
    body = b"".join(w.encode() + b" " + v.tobytes() for w, v in zip(words, vectors))
    path = tmp_path / "v.bin"
    path.write_bytes(b"3 4\n" + body)
    loaded = load(str(path))
    assert loaded.words == words and np.array_equal(loaded.vectors, vectors)


def test_binary_vector_bytes_may_contain_spaces_and_newlines(tmp_path):
    vectors = np.frombuffer(b" \n  \n\n  " * 6, dtype=np.float32).reshape(3, 4).copy()
    path = tmp_path / "v.bin"
    save_word2vec(str(path), ["a", "b", "c"], vectors, binary=True)
    loaded = load(str(path))
    assert loaded.words == ["a", "b", "c"]
    assert loaded.vectors.tobytes() == vectors.tobytes()
