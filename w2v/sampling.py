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
    """Walker's alias table over `weights` (not necessarily normalised), built without a loop.

    Scale the weights to mean 1. Lay the deficits (1 - p) of the small columns (p < 1) end to
    end on a line, and the surpluses (p - 1) of the large ones (p >= 1) likewise on another;
    both add up to the same total. Small k keeps p_k and aliases the large whose surplus
    interval holds the start of k's deficit interval. Where a large's surplus ends inside a
    deficit, the rest of that deficit (the overhang) comes out of the large's own column: it
    keeps 1 - overhang and aliases the next large, whose surplus starts by covering it. Every
    column then holds mass 1 and every word gets exactly its weight, as with Vose's loop, in
    O(n log n) numpy operations (a surplus ending exactly where a deficit ends: no overhang).
    """
    n = len(weights)
    top = np.iinfo(np.uint32).max
    alias = np.arange(n, dtype=np.int32)
    if n == 0:
        return np.full(0, top, dtype=np.uint32), alias
    # scaled to mean 1; becomes each column's probability of keeping its own word, in place
    prob = np.asarray(weights, dtype=np.float64) * (n / np.sum(weights, dtype=np.float64))
    small = np.flatnonzero(prob < 1.0)
    large = np.flatnonzero(prob >= 1.0)
    if len(small) and len(large):  # else all are equal (within rounding): no aliases
        deficit_ends = np.cumsum(1.0 - prob[small])
        deficit_starts = np.concatenate([[0.0], deficit_ends[:-1]])
        surplus_ends = np.cumsum(prob[large] - 1.0)
        # small k: the large whose surplus interval [start, end) holds k's deficit start
        payer = np.searchsorted(surplus_ends, deficit_starts, side="right")
        alias[small] = large[np.minimum(payer, len(large) - 1)]
        del deficit_starts, payer
        # large j: the overhang is the end of the first deficit interval reaching its surplus end
        reaching = np.searchsorted(deficit_ends, surplus_ends, side="left")
        overhang = deficit_ends[np.minimum(reaching, len(small) - 1)] - surplus_ends
        overhang[-1] = 0.0  # the last large pays all that is left: only rounding remains
        prob[large] = 1.0 - np.clip(overhang, 0.0, 1.0)
        alias[large[:-1]] = large[1:]
    prob[large] = np.minimum(prob[large], 1.0)  # large columns alone: p is 1 up to rounding
    full = prob >= 1.0
    alias[full] = np.flatnonzero(full)
    prob *= 2.0**32
    np.round(prob, out=prob)
    np.minimum(prob, top, out=prob)
    threshold = prob.astype(np.uint32)
    threshold[full] = top
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
