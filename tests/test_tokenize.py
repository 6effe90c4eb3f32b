"""Streaming tokenization: normalisation, block boundaries, invalid UTF-8, long lines."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pytest

from w2v.errors import CorpusError
from w2v.reading import read_blocks
from w2v.tokenize import Tokenizer, iter_lines


def test_default_normalisation_lowercases_and_drops_punctuation():
    text = "Paris, the Capital (of France) isn't \u201cbig\u201d; new_york!\n"
    lines = Tokenizer().lines(text.encode())
    assert lines == [["paris", "the", "capital", "of", "france", "isn", "t", "big", "new_york"], []]


def test_non_ascii_letters_are_kept_and_lowercased():
    assert Tokenizer().lines("Ärger über Zürich — ça va… 東京\n".encode())[0] == [
        "ärger", "über", "zürich", "ça", "va", "東京"]


def test_raw_mode_keeps_tokens_as_they_are():
    tok = Tokenizer(lowercase=False, strip_punctuation=False)
    assert tok.lines(b"Hello, World !\n")[0] == ["Hello,", "World", "!"]


def test_pretokenised_text_passes_unchanged():
    text = b"anarchism originated as a term of abuse first used against early"
    assert Tokenizer().lines(text) == [text.decode().split()]


def test_invalid_utf8_is_replaced_and_counted():
    tok = Tokenizer()
    lines = tok.lines(b"caf\xc3\xa9 bad\xff\xfe word \xe2\x82\n")
    assert lines[0] == ["café", "bad", "word"]  # U+FFFD is a symbol: a separator by default
    assert tok.invalid_sequences == 3
    raw = Tokenizer(lowercase=False, strip_punctuation=False)
    assert raw.lines(b"bad\xff ok\n")[0] == ["bad\ufffd", "ok"]
    assert raw.invalid_sequences == 1


def test_control_characters_and_nul_separate_words():
    assert Tokenizer(strip_punctuation=False).lines(b"a\x00b\tc\rd\x0be\n")[0] == list("abcde")


def test_blocks_end_at_whitespace_and_never_split_words(tmp_path):
    words = [f"w{i}\u00e9" for i in range(5000)]
    path = tmp_path / "c.txt"
    path.write_text(" ".join(words), encoding="utf-8")
    blocks = list(read_blocks(str(path), block_size=1000))
    assert len(blocks) > 20
    assert b"".join(blocks).decode().split() == words
    assert all(b[-1:].isspace() for b in blocks[:-1])


def test_a_word_longer_than_a_block_is_kept_whole(tmp_path):
    long_word = "x" * 10_000
    path = tmp_path / "c.txt"
    path.write_text(f"a {long_word} b\n")
    assert list(iter_lines([str(path)])) == [["a", long_word, "b"]]


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"),
                                           (lzma.open, ".xz")])
def test_compressed_files_are_decompressed_by_extension(tmp_path, opener, suffix):
    path = tmp_path / f"c.txt{suffix}"
    with opener(path, "wb") as f:
        f.write(b"one two\nthree\n")
    assert list(iter_lines([str(path)])) == [["one", "two"], ["three"]]


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "c.txt.gz"
    text = " ".join(str(i * 7919 % 100_003) for i in range(100_000)).encode()
    path.write_bytes(gzip.compress(text)[:20_000])
    with pytest.raises(CorpusError, match="truncated"):
        list(iter_lines([str(path)]))


def test_missing_file_and_directory_are_clear_errors(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        list(read_blocks(str(tmp_path / "nope.txt")))
    with pytest.raises(CorpusError, match="directory"):
        list(read_blocks(str(tmp_path)))
