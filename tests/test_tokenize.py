"""Streaming tokenization: normalisation, block boundaries, invalid UTF-8, long lines, and the
Unicode rules that queries and evaluation share with training."""

from __future__ import annotations

import bz2
import gzip
import lzma
import unicodedata

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v.errors import CorpusError, UnknownWordError
from w2v.reading import read_blocks
from w2v.tokenize import Tokenizer, fold_case, iter_lines, normalize_word
from w2v.vectors import WordVectors


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


# ---------------------------------------------------------------- Unicode

def tokens(text: str, **settings) -> list[str]:
    return Tokenizer(**settings).lines(text.encode("utf-8"))[0]


def test_nfc_and_nfd_spellings_are_one_word():
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    assert tokens(f"{nfc} {nfd} CAFE\u0301\n") == [nfc, nfc, nfc]
    assert tokens(f"{nfd}\n", normalization="none") == [nfd]


def test_nfkc_folds_full_width_letters_and_the_default_does_not():
    text = "\uff30\uff41\uff52\uff49\uff53\uff0c \ufb01ne x\u00b2\n"  # Ｐａｒｉｓ， ﬁne x²
    assert tokens(text, normalization="nfkc") == ["paris", "fine", "x2"]
    assert tokens(text) == ["\uff50\uff41\uff52\uff49\uff53", "\ufb01ne", "x\u00b2"]


def test_emoji_leave_no_invisible_tokens():
    text = "I \u2764\ufe0f it \U0001f468\u200d\U0001f469\u200d\U0001f467\n"
    assert tokens(text) == ["i", "it"]


def test_keep_punctuation_keeps_emoji_whole():
    heart, family = "\u2764\ufe0f", "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert tokens(f"I {heart} it {family}\n", strip_punctuation=False) == [
        "i", heart, "it", family]


def test_soft_hyphen_bidi_marks_and_bom_are_deleted_and_zero_width_space_separates():
    text = "\ufeffco\u00admpany \u200fabc\u200e x\u2060y one\u200btwo\n"
    assert tokens(text) == ["company", "abc", "xy", "one", "two"]


def test_zero_width_non_joiner_inside_a_persian_word_is_kept():
    word = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # می‌خواهم, "I want"
    assert tokens(f"{word} \u200c{word}\u200c\n") == [word, word]


def test_dotted_capital_i_folds_to_plain_i():
    assert fold_case("\u0130stanbul") == "istanbul"
    assert tokens("\u0130stanbul I\u0307stanbul ISTANBUL\n") == ["istanbul"] * 3


def test_lone_combining_marks_vanish():
    assert tokens("a \u0301 \u0301b (\u0308c\n") == ["a", "b", "c"]


def _reference(data: bytes, lowercase: bool, strip: bool, normalization: str) -> list[list[str]]:
    """The rules of the tokenize docstring, applied character by character to the whole text."""
    text = data.decode("utf-8", errors="replace")
    if normalization != "none":
        text = unicodedata.normalize(normalization.upper(), text)
    if lowercase:
        text = text.replace("\u0130", "i").lower()
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n":
            kept.append(ch)
        elif ch.isspace() or category == "Cc" or ch == "\u200b":
            kept.append(" ")
        elif category == "Cf" and ch not in "\u200c\u200d":
            continue
        elif strip and category[0] in "PS" and ch != "_":
            kept.append(" ")
        else:
            kept.append(ch)
    lines = []
    for line in "".join(kept).split("\n"):
        words = []
        for word in line.split(" "):
            while word and (unicodedata.category(word[0])[0] == "M" or word[0] in "\u200c\u200d"):
                word = word[1:]
            word = word.rstrip("\u200c\u200d")
            if word:
                words.append(word)
        lines.append(words)
    return lines


_PIECES = st.one_of(
    st.characters(), st.sampled_from(list(
        " \n\t.,-_'I\u0130\u00e9\u0301\u0308\u0323\u0338\u00ad\u200b\u200c\u200d\u200e\u2060"
        "\ufeff\ufe0f\u2764\U0001f468\uff30\uff0c\ufb01\u00b2\u037e\u212a\u00a0\u3000\u0928"
        "\u093c\u0915\u093f\u1100\u1161\u11a8\ufffd") + ["x" * 40, " " * 40, "Word " * 9]))


@settings(max_examples=300, deadline=None)
@given(text=st.lists(_PIECES, max_size=40).map("".join), lowercase=st.booleans(),
       strip=st.booleans(), normalization=st.sampled_from(["nfc", "nfkc", "none"]))
def test_blocks_tokenize_as_the_whole_text_rules_say(text, lowercase, strip, normalization):
    """Only the stretches around non-ASCII characters are normalised: that equals the rules."""
    data = text.encode("utf-8", errors="surrogatepass")  # lone surrogates: invalid UTF-8
    tokenizer = Tokenizer(lowercase, strip, normalization)
    assert tokenizer.lines(data) == _reference(data, lowercase, strip, normalization)


def test_normalize_word_gives_the_tokens_training_would():
    assert normalize_word("New-York") == ["new", "york"]
    assert normalize_word("New-York", lowercase=False, strip_punctuation=False) == ["New-York"]
    assert normalize_word("--") == []


def test_a_query_typed_nfd_finds_the_word_training_saw(tmp_path):
    import w2v

    corpus = tmp_path / "c.txt"
    corpus.write_text("le caf\u00e9 est ouvert le cafe\u0301 est ferm\u00e9\n" * 50,
                      encoding="utf-8")
    model = w2v.train(str(corpus), dim=8, epochs=1, min_count=1, threads=1, sample=0)
    path = tmp_path / "m.w2v"
    w2v.save(model, str(path))
    wv = WordVectors.load(str(path))
    assert wv.words.count("caf\u00e9") == 1 and "cafe\u0301" not in wv.words
    assert wv.id("cafe\u0301") == wv.id("CAFE\u0301") == wv.words.index("caf\u00e9")


def test_query_forms_follow_the_model_settings():
    vectors = np.eye(4, dtype=np.float32)
    words = ["caf\u00e9", "new", "york", "new_york"]
    older = WordVectors(words, vectors, metadata={"config": {"lowercase": True,
                                                             "strip_punctuation": True}})
    assert older.id("Cafe\u0301") == 0  # saved before `normalization` existed: NFC
    with pytest.raises(UnknownWordError, match="'New-York' is two words as this model was "
                                               "trained: new york"):
        older.id("New-York")
    raw = WordVectors(words, vectors)  # a word2vec file: no settings, NFC then case folding
    assert raw.id("CAFE\u0301") == 0
    with pytest.raises(UnknownWordError, match="did you mean: new_york"):
        raw.id("new-york")


def test_evaluation_and_queries_fold_case_with_one_function(tmp_path):
    from w2v import evaluate, vectors

    assert evaluate.fold_case is vectors.fold_case is fold_case
    rng = np.random.default_rng(0)
    wv = WordVectors(["istanbul", "paris", "city"], rng.normal(size=(3, 4)).astype(np.float32))
    assert wv.id("\u0130stanbul") == 0
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("\u0130stanbul\tParis\t5\n\u0130STANBUL\tcity\t3\nparis\tCITY\t4\n",
                     encoding="utf-8")
    assert evaluate.evaluate_pairs(wv, str(pairs)).pairs == 3


def test_vocab_command_takes_the_normalization_option(tmp_path):
    from w2v.cli import cli

    corpus = tmp_path / "c.txt"
    corpus.write_text("\uff30\uff41\uff52\uff49\uff53 paris\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["vocab", str(corpus), "--normalization", "nfkc"])
    assert result.exit_code == 0 and result.stdout == "paris\t2\n"
    result = runner.invoke(cli, ["vocab", str(corpus)])
    assert sorted(result.stdout.splitlines()) == ["paris\t1", "\uff50\uff41\uff52\uff49\uff53\t1"]
