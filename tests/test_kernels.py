"""The JIT kernels against the pure-Python reference in naive.py, and one step by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from naive import train_chunk as reference_chunk
from w2v import kernels
from w2v.vocab import LINE_BREAK, alias_table

SIG, LOGSIG = kernels.sigmoid_tables()


def _setup(vocab_size=12, dim=8, seed=3):
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((vocab_size, dim)) - 0.5) / dim).astype(np.float32)
    syn1 = ((rng.random((vocab_size, dim)) - 0.5) / dim).astype(np.float32)
    counts = np.arange(vocab_size, 0, -1, dtype=np.float64) * 10
    threshold, alias = alias_table(counts ** 0.75)
    # provisional ids: 0..V-1 map to themselves, V maps to unknown
    remap = np.append(np.arange(vocab_size, dtype=np.int32), np.int32(-2))
    remap = np.append(remap, np.int32(LINE_BREAK))
    keep = np.full(vocab_size, 2**32 - 1, dtype=np.uint32)
    keep[0] = 2**31  # the most frequent word is kept half the time
    tokens = rng.integers(0, vocab_size + 1, 400).astype(np.int32)
    tokens[[50, 51, 200]] = LINE_BREAK
    return syn0, syn1, (remap, keep, threshold, alias), tokens


@pytest.mark.parametrize("cbow", [False, True], ids=["skipgram", "cbow"])
def test_kernel_matches_reference(cbow):
    syn0, syn1, vocab_tables, tokens = _setup()
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    kernel = kernels.train_cbow_chunk if cbow else kernels.train_skipgram_chunk
    loss, predictions, kept = kernel(tokens, vocab_tables, (syn0, syn1), 3, 4, 40, 0.05, 0.01,
                                     np.uint64(12345), (SIG, LOGSIG))
    reference_chunk(cbow, tokens, vocab_tables, ref0, ref1, 3, 4, 40, 0.05, 0.01, 12345, SIG)
    assert predictions > 0 and 0 < kept < len(tokens)
    assert 0.3 < loss / predictions < math.log(2) + 0.01  # starts at log 2, then learns
    np.testing.assert_allclose(syn0, ref0, atol=2e-6)
    np.testing.assert_allclose(syn1, ref1, atol=2e-6)
    assert np.abs(syn0 - ref0).max() < 1e-3 * np.abs(ref0).max()


def test_one_step_by_hand():
    """One input vector, one positive and one negative row, exact sigmoid within table error."""
    h = np.array([[0.5, -0.5]], dtype=np.float32)
    syn1 = np.array([[0, 0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    grad = np.zeros((1, 2), dtype=np.float32)
    scores = np.zeros(1, dtype=np.float32)
    alpha = 0.1
    loss = kernels._negative_sampling_block(h, 1, np.array([1, 2]), 2, syn1, alpha, grad, scores,
                                            SIG, LOGSIG)

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
