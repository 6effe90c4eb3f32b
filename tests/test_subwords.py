"""fastText's character n-grams and hashing: hand-checked values, agreement with gensim's port
(and with fastText's own Python module where installed), and the JIT vocabulary table against
the pure-Python reference."""

from __future__ import annotations

import random

import numpy as np
import pytest

from w2v import subwords_kernels as sk
from w2v.errors import ConfigError
from w2v.subwords import (
    MAX_BUCKETS,
    NgramRows,
    NgramTable,
    ft_hash,
    ngram_ids,
    ngram_table,
    ngrams,
)

BUCKETS = 2_000_000  # fastText's default
SETTINGS = [(3, 6), (1, 1), (1, 3), (0, 2), (2, 2), (4, 3), (0, 0), (5, 5)]
WORDS = ["where", "hello", "café", "naïve", "привет", "東京都", "👨\u200d👩\u200d👧", "❤️",
         "a", "", "ab", "<>", "x>y"]


def _random_word(rng: random.Random) -> str:
    """A word of 0 to 12 code points from scripts that stress UTF-8: up to 4 bytes a character,
    combining marks, zero-width joiners, variation selectors, any non-surrogate code point."""
    pools = [(0x61, 0x7A), (0xC0, 0x24F), (0x300, 0x36F), (0x400, 0x4FF), (0x4E00, 0x9FFF),
             (0x1F300, 0x1FAFF), (0x200D, 0x200D), (0xFE0F, 0xFE0F), (0x80, 0x10FFFF)]
    chars = []
    for _ in range(rng.randint(0, 12)):
        low, high = rng.choice(pools)
        code = rng.randint(low, high)
        chars.append(chr(code) if not 0xD800 <= code <= 0xDFFF else "s")
    return "".join(chars)


def _random_words(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [_random_word(rng) for _ in range(n)]


def _fasttext_byte_walk(word: bytes, minn: int, maxn: int, buckets: int) -> list[int]:
    """fastText's computeSubwords and hash, ported line by line over raw bytes (valid UTF-8
    or not), to check the kernel where no str can reach it."""
    full = b"<" + word + b">"
    out = []
    for i in range(len(full)):
        if full[i] & 0xC0 == 0x80:
            continue
        j, n, gram = i, 1, b""
        while j < len(full) and n <= maxn:
            gram += full[j:j + 1]
            j += 1
            while j < len(full) and full[j] & 0xC0 == 0x80:
                gram += full[j:j + 1]
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(full))):
                h = 2166136261
                for b in gram:
                    h = ((h ^ (b - 256 if b >= 128 else b) % 2**32) * 16777619) % 2**32
                out.append(h % buckets)
            n += 1
    return out


def test_ft_hash_matches_published_fnv1a_values_on_ascii():
    # FNV-1a 32-bit test vectors (Fowler/Noll/Vo); below 0x80 fastText's hash is plain FNV-1a
    assert ft_hash(b"") == 2166136261
    assert ft_hash(b"a") == 0xE40C292C
    assert ft_hash(b"foobar") == 0xBF9CF968


def test_ft_hash_sign_extends_bytes_from_0x80():
    # by hand: 0xC3 is XORed in as 0xFFFFFFC3, as a signed char cast to uint32
    assert ft_hash(b"\xc3") == ((2166136261 ^ 0xFFFFFFC3) * 16777619) % 2**32 == 3321057138
    plain = ((2166136261 ^ 0xC3) * 16777619) % 2**32
    assert ft_hash(b"\xc3") != plain
    two = ((3321057138 ^ 0xFFFFFFA9) * 16777619) % 2**32  # then 0xA9: "é" is C3 A9
    assert ft_hash("é".encode()) == two


def test_ngrams_hand_checked():
    assert ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]  # fastText's paper
    assert ngrams("ab", 2, 3) == ["<a", "<ab", "ab", "ab>", "b>"]  # by start, then length
    assert ngrams("東京都", 3, 3) == ["<東京", "東京都", "京都>"]  # n counts characters
    assert ngrams("a", 3, 6) == ["<a>"]
    assert ngrams("", 3, 6) == []
    assert ngrams("", 1, 2) == ["<>"]
    assert ngrams("ab", 1, 1) == ["a", "b"]  # '<' and '>' alone are never 1-grams
    assert ngrams("where", 4, 3) == [] and ngrams("where", 0, 0) == []
    # the whole word is an n-gram like any other; its own vocabulary row is not in the list
    assert "where" in ngrams("where", 3, 6) and "<where>" not in ngrams("where", 3, 6)
    assert ngrams("where", 3, 7)[3] == "<where" and ngrams("where", 3, 7)[4] == "<where>"
    assert ngram_ids("where", 3, 3, BUCKETS) == [ft_hash(g.encode()) % BUCKETS
                                                  for g in ["<wh", "whe", "her", "ere", "re>"]]


def test_bad_settings_and_words_are_refused_with_the_setting_named():
    with pytest.raises(ConfigError, match="minn=-1"):
        ngrams("word", -1, 3)
    with pytest.raises(ConfigError, match="buckets=0"):
        ngram_ids("word", 3, 6, 0)
    with pytest.raises(ConfigError, match="buckets="):
        ngram_table(["word"], 3, 6, MAX_BUCKETS + 1)
    with pytest.raises(ConfigError, match="word 1 "):
        ngram_table(["ok", "bad\ud800"], 3, 6, BUCKETS)


@pytest.mark.parametrize("minn,maxn", SETTINGS)
def test_agrees_with_gensim_on_chosen_words(minn, maxn):
    fasttext = pytest.importorskip("gensim.models.fasttext")
    for word in WORDS:
        expected = fasttext.compute_ngrams_bytes(word, minn, maxn)
        assert [g.encode() for g in ngrams(word, minn, maxn)] == expected, word
        assert [ft_hash(g) for g in expected] == [fasttext.ft_hash_bytes(g) for g in expected]
        assert (ngram_ids(word, minn, maxn, BUCKETS)
                == fasttext.ft_ngram_hashes(word, minn, maxn, BUCKETS)), word


def test_agrees_with_gensim_on_random_unicode_words():
    fasttext = pytest.importorskip("gensim.models.fasttext")
    for minn, maxn in [(3, 6), (1, 4)]:
        for word in _random_words(2000, seed=minn):
            assert [g.encode() for g in ngrams(word, minn, maxn)] == (
                fasttext.compute_ngrams_bytes(word, minn, maxn)), repr(word)
            assert (ngram_ids(word, minn, maxn, 1009)
                    == fasttext.ft_ngram_hashes(word, minn, maxn, 1009)), repr(word)


def test_agrees_with_fasttext_itself(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\n" * 20, encoding="utf-8")
    # ten threads and dim 10: fastText 0.9.3 initialises only thread/10 of the input matrix,
    # and the rest may hold garbage from freed memory (NaN during training)
    model = fasttext.train_unsupervised(str(corpus), dim=10, epoch=1, minCount=1, minn=2,
                                        maxn=5, bucket=1009, thread=10)
    nwords = len(model.words)
    for word in ["café", "привет", "東京都", "👨\u200d👩\u200d👧", "zz"]:  # not in its vocabulary
        grams, ids = model.get_subwords(word)
        assert list(grams) == ngrams(word, 2, 5)
        assert [int(i) - nwords for i in ids] == ngram_ids(word, 2, 5, 1009)


@pytest.mark.parametrize("minn,maxn,buckets", [(3, 6, BUCKETS), (1, 1, 7), (0, 3, 1),
                                               (2, 5, MAX_BUCKETS), (4, 3, 10), (0, 0, 10)])
def test_table_equals_the_reference_on_random_vocabularies(minn, maxn, buckets):
    words = _random_words(1500, seed=maxn) + WORDS
    table = ngram_table(words, minn, maxn, buckets)
    assert table.offsets.dtype == np.int64 and table.ids.dtype == np.int32
    assert len(table.offsets) == len(words) + 1 and table.offsets[0] == 0
    assert table.offsets[-1] == len(table.ids)
    for i, word in enumerate(words):
        assert table.of(i).tolist() == ngram_ids(word, minn, maxn, buckets), repr(word)


def test_table_of_no_words_and_of_empty_words():
    empty = ngram_table([], 3, 6, BUCKETS)
    assert empty.offsets.tolist() == [0] and len(empty.ids) == 0
    table = ngram_table(["", "", "ab", ""], 1, 2, 13)
    assert isinstance(table, NgramTable)
    assert [table.of(i).tolist() for i in range(4)] == [
        ngram_ids(w, 1, 2, 13) for w in ["", "", "ab", ""]]


def test_kernel_walks_invalid_utf8_as_fasttext_does():
    # stray continuation bytes, a truncated sequence, a lone lead byte: bytes no str encodes to
    rng = random.Random(3)
    words = [b"\x80abc", b"ab\xbf\xbfc", b"\xe6\x9d", b"\xc3", b"\xff\xfe", b""]
    words += [bytes(rng.randrange(256) for _ in range(rng.randint(0, 10))) for _ in range(300)]
    data = np.frombuffer(b"".join(words), dtype=np.uint8)
    starts = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=starts[1:])
    for minn, maxn in [(3, 6), (1, 3)]:
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        sk.count_ngrams(data, starts, minn, maxn, offsets[1:])
        np.cumsum(offsets, out=offsets)
        ids = np.empty(offsets[-1], dtype=np.int32)
        sk.fill_ngram_ids(data, starts, minn, maxn, 101, offsets, ids)
        for i, word in enumerate(words):
            assert (ids[offsets[i]:offsets[i + 1]].tolist()
                    == _fasttext_byte_walk(word, minn, maxn, 101)), word


def test_kernel_refuses_rows_of_the_wrong_size():
    data = np.frombuffer(b"abcd", dtype=np.uint8)
    starts = np.array([0, 4], dtype=np.int64)
    ids = np.empty(100, dtype=np.int32)
    with pytest.raises(ValueError, match="more n-grams"):
        sk.fill_ngram_ids(data, starts, 3, 6, 101, np.array([0, 2], dtype=np.int64), ids)
    with pytest.raises(ValueError, match="fewer n-grams"):
        sk.fill_ngram_ids(data, starts, 3, 6, 101, np.array([0, 50], dtype=np.int64), ids)


def test_rows_by_use_follow_the_words_in_order_of_use():
    """Each bucket's row is its place in the walk over the words, most used first (ties by
    id), each word's n-grams in order: the rule, written out in Python."""
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdeé") for _ in range(rng.randint(1, 9))) for _ in range(300)]
    table = ngram_table(words, 2, 4, 97)  # few buckets: many words share each
    uses = np.array([rng.choice([0.0, 1.0, 2.5, 40.0]) for _ in words])
    buckets, rows = NgramRows.by_use(table, uses)
    expected: dict[int, int] = {}
    for w in sorted(range(len(words)), key=lambda w: (-uses[w], w)):
        for b in table.of(w).tolist():
            expected.setdefault(b, len(expected))
    assert buckets.tolist() == list(expected)
    assert rows.tolist() == [expected[b] for b in table.ids.tolist()]
    assert buckets.dtype == rows.dtype == np.int64
