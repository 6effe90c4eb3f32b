"""Counting, pruning, ordering and the sampling tables."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.vocab import LINE_BREAK, UNKNOWN, Vocabulary, WordCounter, alias_table


def _count(text: str, max_vocab_size=None) -> WordCounter:
    counter = WordCounter(max_vocab_size)
    ids: list[int] = []
    counter.encode(text.split(), ids)
    counter.add_counts(np.array(ids, dtype=np.int32))
    return counter


def test_sorted_by_count_with_ties_in_gensim_order():
    vocab, remap = Vocabulary.from_counter(_count("b a c a b d d e"), min_count=1)
    assert vocab.words == ["d", "a", "b", "e", "c"]
    assert vocab.counts.tolist() == [2, 2, 2, 1, 1]
    assert remap[-1] == LINE_BREAK


def test_vocabulary_order_matches_gensim():
    gensim = pytest.importorskip("gensim.models")
    text = " ".join(f"w{(i * 7919) % 97 % (1 + i % 13)}" for i in range(3000))
    vocab, _ = Vocabulary.from_counter(_count(text), min_count=1)
    model = gensim.Word2Vec(vector_size=4, min_count=1)
    model.build_vocab([text.split()])
    assert vocab.words == model.wv.index_to_key


def test_min_count_maps_rare_words_to_unknown():
    counter = _count("a a a b b c")
    vocab, remap = Vocabulary.from_counter(counter, min_count=2)
    assert vocab.words == ["a", "b"]
    assert remap[counter.ids["c"]] == UNKNOWN


def test_pruning_drops_rare_words_and_raises_the_threshold():
    counter = WordCounter(max_vocab_size=3)
    ids: list[int] = []
    counter.encode("a a a b b c d".split(), ids)
    counter.add_counts(np.array(ids, dtype=np.int32))
    assert set(counter.ids) == {"a", "b"}  # c and d (count 1) pruned
    assert counter.prune_threshold == 2
    vocab, _ = Vocabulary.from_counter(counter, min_count=1)
    assert vocab.words == ["a", "b"]


def test_keep_thresholds_follow_word2vec_formula():
    vocab = Vocabulary(["a", "b"], np.array([9000, 1000]))
    keep = vocab.keep_thresholds(1e-3) / (2**32 - 1)
    t = 1e-3 * 10000
    expected = [(np.sqrt(f / t) + 1) * t / f for f in (9000, 1000)]
    assert keep == pytest.approx(np.minimum(expected, 1.0), rel=1e-6)
    assert (vocab.keep_thresholds(0) == 2**32 - 1).all()


def test_alias_table_is_exact():
    weights = np.array([5.0, 1.0, 3.0, 1.0])
    threshold, alias = alias_table(weights)
    share = threshold.astype(np.float64) / 2**32
    prob = np.zeros(4)
    for i in range(4):
        prob[i] += share[i] / 4
        prob[alias[i]] += (1 - share[i]) / 4
    assert prob == pytest.approx(weights / weights.sum(), abs=1e-9)
