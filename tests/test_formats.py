"""Round trips through every format, and agreement with gensim where it is installed."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.errors import ConfigError, ModelFormatError
from w2v.formats import (
    load,
    output_format,
    save_glove,
    save_native,
    save_projector,
    save_word2vec,
)

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


# ---------------------------------------------------------------- detection (issue item 3)

TEXT_WITH_A_BAD_VALUE = b"2 2\na 0.1 zz\nb 0.3 0.4\n"


def test_txt_is_read_as_text_only(tmp_path):
    path = tmp_path / "m.txt"
    path.write_bytes(TEXT_WITH_A_BAD_VALUE)  # once loaded as binary garbage with an empty word
    with pytest.raises(ModelFormatError, match=r"m\.txt: line 2: non-numeric value .*'a'"):
        load(str(path))


def test_text_without_extension_that_fits_no_format_is_refused_with_both_reasons(tmp_path):
    path = tmp_path / "m"
    path.write_bytes(TEXT_WITH_A_BAD_VALUE)
    with pytest.raises(ModelFormatError) as info:
        load(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: not a vector file")
    assert "as text, line 2: non-numeric" in message and "as word2vec binary, header" in message


def test_text_named_bin_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(TEXT_WITH_A_BAD_VALUE)
    with pytest.raises(ModelFormatError, match=r"looks like text: name it \.txt"):
        load(str(path))


def test_text_without_extension_is_read_as_text(tmp_path, vectors):
    path = tmp_path / "v.txt"
    save_word2vec(str(path), WORDS, vectors, binary=False)
    plain = tmp_path / "vectors"
    plain.write_bytes(path.read_bytes())
    loaded = load(str(plain))
    assert loaded.format == "word2vec-text" and loaded.words == WORDS


def test_binary_without_extension_is_read_as_binary(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec(str(path), WORDS, vectors, binary=True)
    plain = tmp_path / "vectors"
    plain.write_bytes(path.read_bytes())
    loaded = load(str(plain))
    assert loaded.format == "word2vec-binary" and np.array_equal(loaded.vectors, vectors)


def test_binary_named_txt_is_refused_with_a_hint(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec(str(path), WORDS, vectors, binary=True)
    wrong = tmp_path / "v.txt"
    wrong.write_bytes(path.read_bytes())
    with pytest.raises(ModelFormatError, match=r"v\.txt: line 2: .*should be named \.bin"):
        load(str(wrong))


def test_damaged_fasttext_bin_is_refused_clearly(tmp_path):
    path = tmp_path / "cc.en.300.bin"  # full coverage: tests/test_fasttext_format.py
    path.write_bytes(struct.pack("<ii", 793712314, 12) + bytes(200))
    with pytest.raises(ModelFormatError, match=r"300\.bin: the arguments give dimension 0"):
        load(str(path))


def _binary_rows(words, vectors):
    return [w + b" " + v.astype("<f4").tobytes() + b"\n" for w, v in zip(words, vectors)]


@pytest.mark.parametrize("junk", [b"zz", b" ", b"\0\0\0", b"\n"])
def test_binary_rows_must_follow_each_other(tmp_path, junk):
    rows = _binary_rows([b"a", b"b", b"c"], np.arange(6, dtype=np.float32).reshape(3, 2))
    path = tmp_path / "v.bin"  # junk between the first row's vector and its newline
    path.write_bytes(b"3 2\n" + rows[0][:-1] + junk + b"\n" + rows[1] + rows[2])
    with pytest.raises(ModelFormatError, match=r"v\.bin: row 2 \(byte 14\)"):
        load(str(path))


def test_binary_trailing_garbage_is_refused(tmp_path):
    rows = _binary_rows([b"a", b"b"], np.arange(4, dtype=np.float32).reshape(2, 2))
    path = tmp_path / "v.bin"
    path.write_bytes(b"2 2\n" + b"".join(rows) + b"\n \t\n")  # whitespace may follow
    assert load(str(path)).words == ["a", "b"]
    path.write_bytes(b"2 2\n" + b"".join(rows) + b"c " + bytes(8))
    with pytest.raises(ModelFormatError, match="continues past the 2 rows its header promises"):
        load(str(path))


def test_binary_empty_word_is_refused(tmp_path):
    rows = _binary_rows([b"a", b""], np.arange(4, dtype=np.float32).reshape(2, 2))
    path = tmp_path / "v.bin"
    path.write_bytes(b"2 2\n" + b"".join(rows))
    with pytest.raises(ModelFormatError, match="row 2 .*word is empty"):
        load(str(path))


def test_binary_with_many_rows_crosses_scan_windows(tmp_path, monkeypatch):
    monkeypatch.setattr("w2v.formats._WINDOW_SLACK", 7)  # windows end inside rows
    words = [f"w{i}" * (i % 5 + 1) for i in range(300)]
    vectors = np.random.default_rng(1).normal(size=(300, 3)).astype(np.float32)
    path = tmp_path / "v.bin"
    save_word2vec(str(path), words, vectors, binary=True)
    loaded = load(str(path))
    assert loaded.words == words and np.array_equal(loaded.vectors, vectors)


# ---------------------------------------------------------------- vector files (issue item 8)


def test_binary_writer_is_little_endian_whatever_the_host(tmp_path, vectors):
    """word2vec.c's readers everywhere assume little-endian; a big-endian host's native
    float32 (simulated by a big-endian input array) must still be written as '<f4'."""
    path = tmp_path / "v.bin"
    save_word2vec(str(path), WORDS[:1], vectors[:1].astype(">f4"), binary=True)
    assert path.read_bytes() == b"1 7\nthe " + vectors[0].astype("<f4").tobytes() + b"\n"
    with open(path, "r+b") as f:
        f.seek(len(b"1 7\n"))
        from w2v.formats import _write_binary_rows

        _write_binary_rows(f, WORDS[:1], vectors[:1].astype(">f4"))
    assert path.read_bytes() == b"1 7\nthe " + vectors[0].astype("<f4").tobytes() + b"\n"


def _invalid_utf8_files(tmp_path):
    """The same three words, the first two invalid UTF-8 that both become 'caf\\ufffd'."""
    words = [b"caf\xe9", b"caf\xea", b"ok"]
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    binary = tmp_path / "v.bin"
    binary.write_bytes(b"3 2\n" + b"".join(_binary_rows(words, vectors)))
    text = tmp_path / "v.txt"
    text.write_bytes(b"3 2\n" + b"".join(w + b" %d %d\n" % tuple(v) for w, v in
                                         zip(words, vectors.astype(int))))
    glove = tmp_path / "glove.txt"
    glove.write_bytes(b"".join(text.read_bytes().splitlines(keepends=True)[1:]))
    native = tmp_path / "v.w2v"
    save_native(str(native), ["cafX", "cafY", "ok"], vectors, None, None, {})
    raw = native.read_bytes()
    assert raw.count(b"cafX\ncafY\nok") == 1
    native.write_bytes(raw.replace(b"cafX\ncafY\nok", b"caf\xe9\ncaf\xea\nok"))
    return {"row 1": binary, "line 2": text, "line 1": glove, "word 1": native}


def test_invalid_utf8_words_are_refused_by_default(tmp_path):
    for where, path in _invalid_utf8_files(tmp_path).items():
        with pytest.raises(ModelFormatError) as info:
            load(str(path))
        assert str(info.value) == (f"{path}: {where}: the word is not valid UTF-8; "
                                   f"--unicode-errors replace loads it anyway")


def test_invalid_utf8_words_replaced_on_request_and_collisions_counted(tmp_path):
    for path in _invalid_utf8_files(tmp_path).values():
        loaded = load(str(path), unicode_errors="replace")
        assert loaded.words == ["caf\ufffd", "caf\ufffd", "ok"], path
        assert (loaded.replaced_words, loaded.colliding_words) == (2, 2)
        assert loaded.vectors.tolist() == [[0, 1], [2, 3], [4, 5]]


def test_unicode_errors_must_be_strict_or_replace(tmp_path):
    with pytest.raises(ConfigError, match="unicode_errors"):
        load(str(tmp_path / "v.bin"), unicode_errors="ignore")


def test_cli_reports_invalid_utf8_and_replaces_on_request(tmp_path):
    path = _invalid_utf8_files(tmp_path)["row 1"]
    runner = CliRunner()
    refused = runner.invoke(cli, ["info", "-m", str(path)])
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "row 1: the word is not valid UTF-8" in refused.stderr
    loaded = runner.invoke(cli, ["info", "-m", str(path), "--unicode-errors", "replace"])
    assert loaded.exit_code == 0, loaded.output
    assert "words\t3" in loaded.stdout
    assert "2 words were not valid UTF-8" in loaded.stderr
    assert "2 of them now equal another word" in loaded.stderr


@pytest.mark.parametrize("header", [b"2 3\n", b""])
def test_words_with_spaces_load(tmp_path, header):
    """gensim writes a word with spaces as it is; the values are split off from the right."""
    path = tmp_path / "v.txt"
    path.write_bytes(header + b"new york 0.1 0.2 0.3\nparis 0.4 0.5 0.6\n")
    loaded = load(str(path))
    assert loaded.words == ["new york", "paris"]
    np.testing.assert_allclose(loaded.vectors, [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])


@pytest.mark.parametrize("text,message", [
    (b"2 2\na 1 2 3\nb 1 2\n", "line 2: 3 values where 2 were expected, or a word ending in a"),
    (b"2 2\na 1 2\nb 1\n", "line 3: 1 values where 2 were expected"),
    (b"3 2\na 1 2 3\nb 1\nc 5 6\n", "line 2: 3 values"),  # together they once loaded shifted
    (b"3 2\na 1 2\nb 1\nc 5 6 7\n", "line 3: 1 values"),
])
def test_each_text_row_has_its_own_value_count(tmp_path, text, message):
    path = tmp_path / "v.txt"
    path.write_bytes(text)
    with pytest.raises(ModelFormatError, match=message):
        load(str(path))


def test_infinite_values_take_the_careful_path(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na inf 1\nb 2 -inf\n")
    assert load(str(path)).vectors.tolist() == [[np.inf, 1], [2, -np.inf]]
    path.write_bytes(b"2 2\na inf 1 inf\nb 2\n")
    with pytest.raises(ModelFormatError, match="line 2: 3 values"):
        load(str(path))


def _rewrite_native_header(path, change):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16:16 + length])
    first_array = min(spec["offset"] for spec in header["arrays"].values())
    change(header)
    blob = json.dumps(header).encode()
    assert 16 + len(blob) <= first_array  # the writer leaves room: the arrays stay in place
    path.write_bytes(data[:8] + struct.pack("<Q", len(blob)) + blob + data[16 + len(blob):])


@pytest.fixture
def native(tmp_path, vectors):
    path = tmp_path / "v.w2v"
    save_native(str(path), WORDS, vectors, vectors, np.arange(5), {})
    return path


def test_native_shape_whose_size_overflows_int64_is_refused(native):
    def overflow(header):  # 2**62 * 2**2 * 4 bytes wraps to 0 in int64 arithmetic
        header["arrays"]["vectors"]["shape"] = [2**62, 4]

    _rewrite_native_header(native, overflow)
    with pytest.raises(ModelFormatError, match="'vectors' at byte .* runs past the end"):
        load(str(native))


@pytest.mark.parametrize("name,key,value,message", [
    ("vectors", "dtype", "<f8", "'vectors' has type '<f8' where '<f4'"),
    ("vectors", "dtype", ">f4", "'vectors' has type '>f4' where '<f4'"),
    ("counts", "dtype", "<f8", "'counts' has type '<f8' where '<i8'"),
    ("counts", "shape", [4], r"'counts' has shape \(4,\) where .* ask for \(5,\)"),
    ("output", "shape", [7, 5], r"'output' has shape \(7, 5\) where .* ask for \(5, 7\)"),
    ("vectors", "offset", 16, "'vectors' at byte 16 overlaps the header"),
    ("output", "offset", None, "'output' has no valid shape or offset"),
    ("words", "shape", [1, 1], r"'words' has shape \(1, 1\) where .* ask for 1-D"),
])
def test_native_arrays_must_match_the_header(native, name, key, value, message):
    def change(header):
        header["arrays"][name][key] = value

    _rewrite_native_header(native, change)
    with pytest.raises(ModelFormatError, match=message):
        load(str(native))


def test_native_arrays_must_not_overlap(native):
    def overlap(header):
        header["arrays"]["output"]["offset"] = header["arrays"]["vectors"]["offset"] + 4

    _rewrite_native_header(native, overlap)
    with pytest.raises(ModelFormatError, match="'vectors' and 'output' overlap"):
        load(str(native))


def test_native_from_a_newer_version_is_refused(native):
    _rewrite_native_header(native, lambda header: header.update(version=2))
    with pytest.raises(ModelFormatError, match="version 2; this w2v reads version 1"):
        load(str(native))


# ---------------------------------------------------------------- writers


def test_glove_and_projector_writers(tmp_path, vectors):
    path = tmp_path / "glove.txt"
    save_glove(str(path), WORDS, vectors)
    first = path.read_text().splitlines()[0]
    assert first == "the " + " ".join(f"{x:f}" for x in vectors[0].tolist())
    assert load(str(path)).words == WORDS
    save_projector(str(tmp_path / "projector"), WORDS, vectors)
    assert (tmp_path / "projector" / "metadata.tsv").read_text() == "".join(
        w + "\n" for w in WORDS)
    rows = (tmp_path / "projector" / "vectors.tsv").read_text().splitlines()
    assert rows[0] == "\t".join(f"{x:.6g}" for x in vectors[0].tolist())


@pytest.mark.parametrize("name", ["v.bin", "v.txt", "v.w2v"])
def test_empty_vocabulary_round_trips(tmp_path, name):
    path = tmp_path / name
    empty = np.zeros((0, 3), dtype=np.float32)
    if name == "v.w2v":
        save_native(str(path), [], empty, None, np.zeros(0), {})
    else:
        save_word2vec(str(path), [], empty, binary=name == "v.bin")
    loaded = load(str(path))
    assert loaded.words == [] and loaded.vectors.shape == (0, 3)


def test_export_refuses_text_named_bin_and_writes_nothing(tmp_path):
    model = tmp_path / "m.bin"
    model.write_bytes(TEXT_WITH_A_BAD_VALUE)
    out = tmp_path / "out.txt"
    result = CliRunner().invoke(cli, ["export", "-m", str(model), "--format", "txt",
                                      "-o", str(out)])
    assert result.exit_code == 1 and "looks like text: name it .txt" in result.stderr
    assert not out.exists()


def test_compiled_text_writer_gives_printfs_bytes(monkeypatch):
    """The compiled "%f " formatter (large files) against Python's, on ties, signed zeros,
    tiny and large values, and a block it must leave to Python (inf, NaN, 1e12)."""
    import io

    from w2v import formats

    rng = np.random.default_rng(0)
    scale = rng.choice([1e-9, 1e-6, 1e-3, 0.5, 3.0, 1e4, 1e8], size=(9000, 7))
    values = (rng.standard_normal((9000, 7)) * scale).astype(np.float32)
    values[0, :6] = [0.0, -0.0, -1e-7, 5e-7, -5e-7, 2.5e-6]  # signs and ties to even
    values[5000, :3] = [np.inf, np.nan, 1e12]  # its block goes through Python
    words = [f"w{i}" for i in range(len(values))]
    fast, slow = io.BytesIO(), io.BytesIO()
    formats._write_text_rows_fast(fast, words, values)
    monkeypatch.setattr(formats, "_JIT_TEXT_VALUES", 1 << 62)
    formats._write_text_rows(slow, words, values)
    assert fast.getvalue() == slow.getvalue()
