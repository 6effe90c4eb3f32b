"""Sampling tables derived from word counts: down-sampling, negatives, and the Huffman tree.

`keep_thresholds` gives word2vec.c's probability of keeping each occurrence of a word,
`negative_table` an exact alias table for drawing negatives with probability ~ count**0.75, and
`huffman_tree` word2vec.c's tree for hierarchical softmax. All are arrays the training kernels read.

Does not: decide the vocabulary (see `vocab`) or draw anything (see `training_kernels`).
"""

from __future__ import annotations

import numpy as np


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """Per word, the probability of keeping one occurrence, scaled to uint32 (2**32 - 1 = 1).

    word2vec.c's formula: keep = (sqrt(f / (s * T)) + 1) * (s * T) / f, with f the word's
    count and T the total count; values above 1 mean always keep.
    """
    if sample <= 0:
        return np.full(len(counts), np.iinfo(np.uint32).max, dtype=np.uint32)
    f = counts.astype(np.float64)
    threshold = sample * f.sum()
    keep = (np.sqrt(f / threshold) + 1.0) * threshold / f
    return np.round(np.minimum(keep, 1.0) * np.iinfo(np.uint32).max).astype(np.uint32)


def negative_table(counts: np.ndarray, exponent: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """Alias tables (Walker/Vose) for drawing negatives with probability ~ count**exponent.

    Returns (threshold uint32, alias int32): draw a uniform slot i and a uniform 32-bit r;
    the sample is i if r < threshold[i] else alias[i]. O(1) per draw and exact, unlike
    word2vec.c's 1e8-entry table that rounds rare words' shares.
    """
    return alias_table(counts.astype(np.float64) ** exponent)


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias table over `weights` (not necessarily normalised), by the JIT loop in
    `sampling_kernels` (milliseconds for millions of words), as (threshold uint32, alias int32).

    The same table as w2v's earlier Python loop, column for column. An exact numpy
    construction from cumulative sums was tried: it realises the same distribution (200M draws:
    chi^2/dof 1.0), but a different layout gives each seed other negatives, and keeping the
    layout keeps runs comparable with earlier versions bit for bit.
    """
    from . import sampling_kernels

    n = len(weights)
    top = np.iinfo(np.uint32).max
    alias = np.arange(n, dtype=np.int32)
    prob = np.ones(n, dtype=np.float64)
    if n:
        weights = np.asarray(weights, dtype=np.float64)
        sampling_kernels.vose(weights * (n / weights.sum()), prob, alias)
    threshold = np.minimum(np.round(prob * 2.0**32), top).astype(np.uint32)
    threshold[prob >= 1.0] = top
    return threshold, alias


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """word2vec.c's Huffman tree over `counts`, for hierarchical softmax.

    Returns (points, labels, lengths): for word w, points[w, :lengths[w]] are the inner nodes
    (rows of the hierarchical-softmax output matrix, root first) on its path and
    labels[w, :lengths[w]] are 1 - code bit, the targets of the sigmoid at each node.
    """
    n = len(counts)
    order = np.argsort(-np.asarray(counts), kind="stable")  # the construction needs it sorted
    # plain lists: this loop is sequential, and list indexing is far faster than numpy's
    count = np.asarray(counts, dtype=np.float64)[order].tolist() + [float("inf")] * max(n - 1, 0)
    parent_list = [0] * (2 * n)
    bit_list = [0] * (2 * n)
    low, high = n - 1, n  # rarest leaf not yet merged; oldest inner node not yet merged
    for a in range(n - 1):  # merge the two rarest nodes, as word2vec.c's CreateBinaryTree
        if low >= 0 and count[low] < count[high]:
            first, low = low, low - 1
        else:
            first, high = high, high + 1
        if low >= 0 and count[low] < count[high]:
            second, low = low, low - 1
        else:
            second, high = high, high + 1
        count[n + a] = count[first] + count[second]
        parent_list[first] = parent_list[second] = n + a
        bit_list[second] = 1
    parent = np.array(parent_list, dtype=np.int64)
    bit = np.array(bit_list, dtype=np.uint8)
    root = 2 * n - 2
    nodes = np.arange(n)
    paths_bits, paths_nodes = [], []
    while n > 1 and (nodes != root).any():  # walk all leaves up one level at a time
        active = nodes != root
        paths_bits.append(np.where(active, bit[nodes], 255))
        nodes = np.where(active, parent[nodes], root)
        paths_nodes.append(np.where(active, nodes - n, -1))  # inner node above, as a row
    depth = len(paths_bits)
    lengths_sorted = np.zeros(n, dtype=np.int32)
    points = np.zeros((n, max(depth, 1)), dtype=np.int32)
    labels = np.zeros((n, max(depth, 1)), dtype=np.float32)
    if depth:
        bits = np.stack(paths_bits, axis=1)  # leaf to root
        inner = np.stack(paths_nodes, axis=1)
        lengths_sorted = (bits != 255).sum(axis=1).astype(np.int32)
        # reverse each path so the root comes first, as word2vec.c stores it
        source = lengths_sorted[:, None] - 1 - np.arange(depth)[None, :]
        valid = source >= 0
        rows = np.broadcast_to(np.arange(n)[:, None], source.shape)
        points[valid] = inner[rows[valid], source[valid]]
        labels[valid] = 1.0 - bits[rows[valid], source[valid]]
    result_points = np.empty_like(points)
    result_labels = np.empty_like(labels)
    result_lengths = np.empty_like(lengths_sorted)
    result_points[order], result_labels[order], result_lengths[order] = (
        points, labels, lengths_sorted)
    return result_points, result_labels, result_lengths
