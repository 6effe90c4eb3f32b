"""Benchmark scores: our evaluator against gensim's on the same vectors, and the helpers."""

from __future__ import annotations

import numpy as np
import pytest

from w2v import evaluate as ev
from w2v.vectors import WordVectors


def test_bundled_benchmarks_are_complete():
    sections = ev.read_analogies(ev.DEFAULT_ANALOGIES)
    assert len(sections) == 14 and sum(len(q) for _, q in sections) == 19544
    assert [len(ev.read_pairs(p)) for p in ev.DEFAULT_PAIRS] == [353, 999]


def test_spearman_handles_ties_like_scipy():
    x = np.array([1.0, 2.0, 2.0, 3.0, 5.0, 4.0])
    y = np.array([2.0, 1.0, 3.0, 3.0, 6.0, 5.0])
    assert ev._ranks(x).tolist() == [1.0, 2.5, 2.5, 4.0, 6.0, 5.0]
    scipy_stats = pytest.importorskip("scipy.stats")
    assert ev._pearson(ev._ranks(x), ev._ranks(y)) == pytest.approx(
        scipy_stats.spearmanr(x, y).statistic)


@pytest.fixture(scope="module")
def both(demo_vectors):
    """The same demo vectors as our WordVectors and as gensim KeyedVectors."""
    gensim = pytest.importorskip("gensim.models")
    kv = gensim.KeyedVectors.load_word2vec_format(str(demo_vectors), binary=True)
    return WordVectors.load(str(demo_vectors)), kv


class TestAgreementWithGensim:
    def test_analogies_agree(self, both):
        ours, kv = both
        result = ev.evaluate_analogies(ours, restrict=30_000)
        score, sections = kv.evaluate_word_analogies(ev.DEFAULT_ANALOGIES, restrict_vocab=30_000,
                                                     case_insensitive=True)
        assert result.overall.total > 1000  # enough questions for the comparison to mean much
        assert result.overall.accuracy == pytest.approx(score, abs=0.001)
        theirs = {s["section"]: len(s["correct"]) for s in sections}
        for section in result.sections:
            assert section.correct == pytest.approx(theirs[section.name], abs=2)

    @pytest.mark.parametrize("which", [0, 1])
    def test_pairs_agree(self, both, which):
        ours, kv = both
        path = ev.DEFAULT_PAIRS[which]
        result = ev.evaluate_pairs(ours, path)
        pearson, spearman, oov = kv.evaluate_word_pairs(path)
        assert result.spearman == pytest.approx(spearman.statistic, abs=0.001)
        assert result.pearson == pytest.approx(pearson.statistic, abs=0.001)
        assert result.oov * 100 == pytest.approx(oov, abs=0.1)
