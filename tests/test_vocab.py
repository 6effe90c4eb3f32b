"""Counting, pruning, ordering and the sampling tables."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.counting import LINE_BREAK, UNKNOWN, WordCounter
from w2v.sampling import alias_table, keep_thresholds
from w2v.vocab import Vocabulary


def _count(text: str, max_vocab_size=None) -> WordCounter:
    counter = WordCounter(max_vocab_size)
    counter.encode(text.encode())
    return counter


def test_ids_counts_and_line_breaks_match_a_dictionary():
    rng = np.random.default_rng(0)
    words = [f"w{i}\u00e9" for i in range(100_000)]  # more than the initial table holds
    tokens = [words[i] for i in rng.zipf(1.3, 300_000) % len(words)]
    text = "\n".join(" ".join(tokens[i:i + 50]) for i in range(0, len(tokens), 50)) + "\n"
    counter = WordCounter()
    ids = counter.encode(text.encode())
    expected: dict[str, int] = {}
    expected_ids = []
    for line in text.split("\n")[:-1]:
        expected_ids += [expected.setdefault(t, len(expected)) for t in line.split()]
        expected_ids.append(LINE_BREAK)
    assert ids.tolist() == expected_ids
    assert [counter.word(i) for i in range(counter.provisional_size)] == list(expected)
    assert counter.counts.sum() == len(tokens)


def test_a_huge_word_and_blocks_accumulate():
    counter = WordCounter()
    long_word = "x" * 2_000_000
    first = counter.encode(f"a {long_word} b\n".encode())
    second = counter.encode(f"b {long_word}".encode())
    assert first.tolist() == [0, 1, 2, LINE_BREAK] and second.tolist() == [2, 1]
    assert counter.word(1) == long_word and counter.counts.tolist() == [1, 2, 2]


def test_sorted_by_count_with_ties_in_first_appearance_order():
    vocab, remap = Vocabulary.from_counter(_count("b a c a b d d e"), min_count=1)
    assert vocab.words == ["b", "a", "d", "c", "e"]
    assert vocab.counts.tolist() == [2, 2, 2, 1, 1]
    assert remap[-1] == LINE_BREAK


def test_thousands_of_ties_match_gensim_by_count_and_keep_first_appearance_order():
    gensim = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(6000)]
    tokens = [w for w in words for _ in range(int(rng.integers(1, 5)))]
    rng.shuffle(tokens)
    lines = [tokens[i:i + 40] for i in range(0, len(tokens), 40)]
    vocab, _ = Vocabulary.from_counter(_count("\n".join(" ".join(line) for line in lines)),
                                       min_count=1)
    model = gensim.Word2Vec(vector_size=4, min_count=1)
    model.build_vocab(lines)
    theirs = model.wv.index_to_key
    their_counts = [model.wv.get_vecattr(w, "count") for w in theirs]
    assert sorted(vocab.words) == sorted(theirs)
    assert vocab.counts.tolist() == their_counts  # the same count at every rank
    for count in set(their_counts):  # the same words at every count
        assert ({w for w, c in zip(vocab.words, vocab.counts) if c == count}
                == {w for w, c in zip(theirs, their_counts) if c == count})
    first_seen = {w: i for i, w in reversed(list(enumerate(tokens)))}
    assert [(-c, first_seen[w]) for w, c in zip(vocab.words, vocab.counts)] == sorted(
        (-c, first_seen[w]) for w, c in zip(vocab.words, vocab.counts))


def test_a_saved_vocabulary_read_back_trains_the_same_vectors(tmp_path):
    from click.testing import CliRunner

    from w2v.cli import cli

    rng = np.random.default_rng(3)
    tokens = [f"w{i}" for i in range(3000) for _ in range(int(rng.integers(2, 5)))]
    rng.shuffle(tokens)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(tokens[i:i + 12]) for i in range(0, len(tokens), 12)))
    common = ["--dim", "8", "--epochs", "1", "--min-count", "2", "--threads", "1", "--seed", "3",
              "-q"]
    saved, first, second = tmp_path / "v.txt", tmp_path / "a.bin", tmp_path / "b.bin"
    runner = CliRunner()
    result = runner.invoke(cli, ["train", str(corpus), "-o", str(first), "--save-vocab",
                                 str(saved), *common])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["train", str(corpus), "-o", str(second), "--read-vocab",
                                 str(saved), *common])
    assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()


def test_min_count_maps_rare_words_to_unknown():
    counter = _count("a a a b b c")
    vocab, remap = Vocabulary.from_counter(counter, min_count=2)
    assert vocab.words == ["a", "b"]
    assert remap[2] == UNKNOWN  # c, the third word seen


def test_pruning_drops_rare_words_and_raises_the_threshold():
    counter = WordCounter(max_vocab_size=3)
    counter.encode(b"a a a b b c d")
    assert counter.distinct_words == 2  # c and d (count 1) pruned
    assert counter.prune_threshold == 2 and counter.pruned_words == 2
    vocab, _ = Vocabulary.from_counter(counter, min_count=1)
    assert vocab.words == ["a", "b"]
    ids = counter.encode(b"c e a")  # c comes back, under the freed id 2, counted afresh
    assert ids.tolist() == [2, 3, 0] and counter.provisional_size == 4
    # four words again: everything seen at most twice goes (b, c, e), as word2vec.c would
    vocab, remap = Vocabulary.from_counter(counter, min_count=1)
    assert vocab.words == ["a"] and counter.prune_threshold == 3
    assert (remap[:counter.provisional_size] >= 0).sum() == 1


def test_keep_thresholds_follow_word2vec_formula():
    counts = np.array([9000, 1000])
    keep = keep_thresholds(counts, 1e-3) / (2**32 - 1)
    t = 1e-3 * 10000
    expected = [(np.sqrt(f / t) + 1) * t / f for f in (9000, 1000)]
    assert keep == pytest.approx(np.minimum(expected, 1.0), rel=1e-6)
    assert (keep_thresholds(counts, 0) == 2**32 - 1).all()


def test_alias_table_is_exact():
    weights = np.array([5.0, 1.0, 3.0, 1.0])
    threshold, alias = alias_table(weights)
    share = threshold.astype(np.float64) / 2**32
    prob = np.zeros(4)
    for i in range(4):
        prob[i] += share[i] / 4
        prob[alias[i]] += (1 - share[i]) / 4
    assert prob == pytest.approx(weights / weights.sum(), abs=1e-9)


def _realised(weights: np.ndarray) -> np.ndarray:
    """The probability of each word under the alias table of `weights`, as the kernel draws."""
    threshold, alias = alias_table(weights)
    n = len(weights)
    share = threshold.astype(np.float64) / 2**32
    share[threshold == 2**32 - 1] = 1.0
    prob = share / n
    np.add.at(prob, alias, (1 - share) / n)
    return prob


@pytest.mark.parametrize("kind", ["random", "huge range", "zeros", "single", "integers"])
def test_alias_table_is_exact_for_any_weights(kind):
    rng = np.random.default_rng(1)
    weights = {
        "random": rng.random(10_000),
        "huge range": 10.0 ** rng.uniform(-60, 60, 10_000),  # --ns-exponent 10 can give this
        "zeros": np.where(rng.random(10_000) < 0.3, 0.0, rng.random(10_000)),
        "single": np.array([7.0]),
        "integers": rng.integers(1, 4, 10_000).astype(np.float64),  # exact ties in the sums
    }[kind]
    threshold, alias = alias_table(weights)
    assert threshold.dtype == np.uint32 and alias.dtype == np.int32
    assert ((alias >= 0) & (alias < len(weights))).all()
    assert _realised(weights) == pytest.approx(weights / weights.sum(), abs=1e-12)
    assert (_realised(weights)[weights == 0] == 0).all()
