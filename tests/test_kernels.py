"""The JIT kernels against the pure-Python reference in naive.py, and one step by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

import naive
from naive import train_chunk as reference_chunk
from w2v import training_kernels as kernels
from w2v.counting import LINE_BREAK
from w2v.sampling import alias_table, huffman_tree

SIG, LOGSIG = kernels.sigmoid_tables()


def _setup(vocab_size=12, dim=8, seed=3):
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((vocab_size, dim)) - 0.5) / dim).astype(np.float32)
    syn1 = ((rng.random((vocab_size, dim)) - 0.5) / dim).astype(np.float32)
    syn1hs = ((rng.random((vocab_size - 1, dim)) - 0.5) / dim).astype(np.float32)
    counts = np.arange(vocab_size, 0, -1, dtype=np.float64) * 10
    threshold, alias = alias_table(counts ** 0.75)
    points, labels, lengths = huffman_tree(counts)
    # provisional ids: 0..V-1 map to themselves, V maps to unknown
    remap = np.append(np.arange(vocab_size, dtype=np.int32), np.int32(-2))
    remap = np.append(remap, np.int32(LINE_BREAK))
    keep = np.full(vocab_size, 2**32 - 1, dtype=np.uint32)
    keep[0] = 2**31  # the most frequent word is kept half the time
    tokens = rng.integers(0, vocab_size + 1, 400).astype(np.int32)
    tokens[[50, 51, 200]] = LINE_BREAK
    tables = (remap, keep, threshold, alias, points, labels, lengths)
    return (syn0, syn1, syn1hs), tables, tokens


VARIANTS = {  # name: (cbow, window, negative, hs, cbow_mean, shrink_windows)
    "skipgram": (False, 3, 4, 0, 1, 1),
    "cbow": (True, 3, 4, 0, 1, 1),
    "skipgram-hs": (False, 3, 0, 1, 1, 1),
    "cbow-hs": (True, 3, 0, 1, 1, 1),
    "skipgram-hs-ns": (False, 2, 3, 1, 1, 1),
    "cbow-sum-full-window": (True, 3, 4, 0, 0, 0),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_kernel_matches_reference(variant):
    cbow, window, negative, hs, cbow_mean, shrink = VARIANTS[variant]
    weights, vocab_tables, tokens = _setup()
    reference = tuple(w.astype(np.float64) for w in weights)
    settings = (window, negative, hs, cbow_mean, shrink, 40)
    kernel = kernels.train_cbow_chunk if cbow else kernels.train_skipgram_chunk
    loss, predictions, kept, finished = kernel(tokens, vocab_tables, weights, settings, 0.05,
                                               0.01, np.uint64(12345), (SIG, LOGSIG),
                                               np.zeros(1, np.uint8))
    assert finished
    reference_chunk(cbow, tokens, vocab_tables, reference, settings, 0.05, 0.01, 12345, SIG)
    assert predictions > 0 and 0 < kept < len(tokens)
    assert 0.1 < loss / predictions < 1.0
    for ours, theirs in zip(weights, reference):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6)  # float32 against float64
        assert np.abs(ours - theirs).max() < 1e-3 * np.abs(theirs).max()


def test_huffman_tree_matches_word2vec_c_by_hand():
    points, labels, lengths = huffman_tree(np.array([5, 3, 2, 1]))
    # merges: (1, 2) -> node 0; (node 0, 3) -> node 1; (5, node 1) -> root, node 2
    assert lengths.tolist() == [1, 2, 3, 3]
    assert points[3, :3].tolist() == [2, 1, 0]  # root first
    assert labels[0, :1].tolist() == [1.0]  # code 0
    assert labels[2, :3].tolist() == [0.0, 1.0, 0.0]  # codes 1, 0, 1
    probabilities = []
    for w in range(4):  # with all inner vectors zero every branch is 1/2: 2**-depth sums to 1
        probabilities.append(0.5 ** lengths[w])
    assert sum(probabilities) == pytest.approx(1.0)


def test_one_step_by_hand():
    """One input vector, one positive and one negative row, exact sigmoid within table error."""
    h = np.array([[0.5, -0.5]], dtype=np.float32)
    syn1 = np.array([[0, 0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    grad = np.zeros((1, 2), dtype=np.float32)
    scores = np.zeros(1, dtype=np.float32)
    alpha = 0.1
    labels = np.array([1.0, 0.0], dtype=np.float32)
    loss = kernels._update_block(h, 1, np.array([1, 2]), labels, 2, syn1, alpha, grad, scores,
                                 SIG, LOGSIG, False)

    def sigmoid(x):
        return 1 / (1 + math.exp(-x))

    g_pos = (1 - sigmoid(0.5)) * alpha  # positive row 1: f = 0.5
    g_neg = (0 - sigmoid(-0.5)) * alpha  # negative row 2: f = -0.5
    tol = 0.01 * alpha  # table resolution
    assert grad[0] == pytest.approx([g_pos * 1 + g_neg * 0, g_pos * 0 + g_neg * 1], abs=tol)
    assert syn1[1] == pytest.approx([1 + g_pos * 0.5, -g_pos * 0.5], abs=tol)
    assert syn1[2] == pytest.approx([g_neg * 0.5, 1 - g_neg * 0.5], abs=tol)
    expected_loss = -math.log(sigmoid(0.5)) - math.log(1 - sigmoid(-0.5))
    assert loss == pytest.approx(expected_loss, abs=0.01)
    assert syn1[0].tolist() == [0, 0]  # untouched


def test_sigmoid_tables_are_symmetric():
    assert SIG[0] == pytest.approx(1 - SIG[-1], abs=1e-6)
    assert np.all(np.diff(SIG) > 0)
    assert np.allclose(LOGSIG, np.log(SIG), atol=1e-5)


def test_chunk_seed_is_nonzero_and_distinct():
    seeds = {kernels.chunk_seed(s, e, k) for s in range(3) for e in range(3) for k in range(50)}
    assert len(seeds) == 450 and 0 not in seeds


def _run(variant, weights, vocab_tables, tokens, stop=None):
    cbow, window, negative, hs, cbow_mean, shrink = VARIANTS[variant]
    kernel = kernels.train_cbow_chunk if cbow else kernels.train_skipgram_chunk
    return kernel(tokens, vocab_tables, weights, (window, negative, hs, cbow_mean, shrink, 40),
                  0.05, 0.01, np.uint64(12345), (SIG, LOGSIG),
                  np.zeros(1, np.uint8) if stop is None else stop)


@pytest.mark.parametrize("variant", ["skipgram", "cbow"])
def test_a_starved_negative_table_skips_negatives_instead_of_looping(variant):
    """Word 0 holds all the negatives' mass: for it, every redraw gives it again."""
    weights, vocab_tables, tokens = _setup()
    threshold, alias = alias_table(np.array([1.0] + [1e-60] * 11))
    vocab_tables = (*vocab_tables[:2], threshold, alias, *vocab_tables[4:])
    reference = tuple(w.astype(np.float64) for w in weights)
    loss, predictions, _, finished = _run(variant, weights, vocab_tables, tokens)
    cbow, window, negative, hs, cbow_mean, shrink = VARIANTS[variant]
    reference_chunk(cbow, tokens, vocab_tables, reference, (window, negative, hs, cbow_mean,
                                                            shrink, 40), 0.05, 0.01, 12345, SIG)
    assert finished and np.isfinite(loss)
    for ours, theirs in zip(weights, reference):  # float32 against float64: relative error
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=5e-5)


def test_nan_weights_give_a_nan_loss_without_reading_past_the_tables():
    weights, vocab_tables, tokens = _setup()
    weights[0][:] = np.nan  # a NaN score would index the sigmoid table with int(NaN)
    loss, _, _, finished = _run("skipgram", weights, vocab_tables, tokens)
    assert finished and np.isnan(loss)  # the driver stops on it


def test_the_stop_flag_makes_a_chunk_return_early():
    weights, vocab_tables, tokens = _setup()
    loss, predictions, _, finished = _run("skipgram", weights, vocab_tables, tokens,
                                          stop=np.ones(1, np.uint8))
    assert not finished and predictions == 0


def _bags(vocab_size, ngram_rows, seed=5):
    """Bags of rows as the model builds them: own row first, then 0-5 n-gram rows (repeats
    allowed, as a word can hash two n-grams to one bucket)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 6, vocab_size) + 1
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    rows = np.empty(offsets[-1], dtype=np.int32)
    for w in range(vocab_size):
        rows[offsets[w]] = w
        rows[offsets[w] + 1:offsets[w + 1]] = vocab_size + rng.integers(0, ngram_rows,
                                                                       sizes[w] - 1)
    return offsets, rows


def _subword_chunk(variant, dtype):
    """One chunk through the subword kernel with `dtype` weights and through naive.py in
    float64: (the kernel's result, its weights, the reference's, the n-gram rows before)."""
    cbow, window, negative, hs, cbow_mean, shrink = VARIANTS[variant]
    (syn0, syn1, syn1hs), vocab_tables, tokens = _setup()
    rng = np.random.default_rng(7)
    ngram_rows = ((rng.random((9, syn0.shape[1])) - 0.5) / syn0.shape[1]).astype(dtype)
    weights = tuple(w.astype(dtype) for w in (np.concatenate([syn0, ngram_rows]), syn1, syn1hs))
    reference = tuple(w.astype(np.float64) for w in weights)
    bags = _bags(len(syn0), len(ngram_rows))
    settings = (window, negative, hs, cbow_mean, shrink, 40)
    kernel = kernels.train_subword_cbow_chunk if cbow else kernels.train_subword_skipgram_chunk
    result = kernel(tokens, vocab_tables, bags, weights, settings, 0.05, 0.01, np.uint64(12345),
                    (SIG, LOGSIG), np.zeros(1, np.uint8))
    naive.train_subword_chunk(cbow, tokens, vocab_tables, bags, reference, settings, 0.05, 0.01,
                              12345, SIG)
    return result, weights, reference, ngram_rows


@pytest.mark.parametrize("variant", VARIANTS)
def test_subword_kernel_matches_reference(variant):
    (loss, predictions, kept, finished), weights, reference, ngram_rows = _subword_chunk(
        variant, np.float32)
    assert finished
    assert predictions > 0 and 0 < kept < 400  # _setup's tokens
    assert 0.1 < loss / predictions < 1.0
    assert not np.allclose(weights[0][-len(ngram_rows):], ngram_rows)  # the n-gram rows trained
    for ours, theirs in zip(weights, reference):
        # float32 against float64: a rounding difference can move a score to the next sigmoid
        # table bin, and shared n-gram rows carry it on (the float64 test below checks the
        # arithmetic itself)
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=5e-5)
        assert np.abs(ours - theirs).max() < 1e-3 * np.abs(theirs).max()


@pytest.mark.parametrize("variant", ["skipgram", "cbow-sum-full-window", "skipgram-hs-ns"])
def test_subword_kernel_in_float64_matches_the_reference_to_rounding(variant):
    """The same kernel compiled for float64 weights: only the float32 sigmoid table and
    learning rate separate it from the reference."""
    _, weights, reference, _ = _subword_chunk(variant, np.float64)
    for ours, theirs in zip(weights, reference):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
