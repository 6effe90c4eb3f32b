"""Slow, obviously correct reference of the training kernels, for numerical comparison.

Mirrors `w2v.kernels` step by step in plain Python loops and float64: the same xorshift64*
draws, sentence filtering, shrunk windows, negative sampling and sigmoid tables, so that one
chunk trained here and by the JIT kernel must give the same weights up to float32 rounding.
"""

from __future__ import annotations

import numpy as np

from w2v.training_kernels import MAX_EXP, MAX_REDRAWS, TABLE_SIZE

MASK64 = (1 << 64) - 1


class XorShift:
    def __init__(self, seed: int):
        self.state = seed

    def rand32(self) -> int:
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & MASK64
        x ^= x >> 27
        self.state = x
        return ((x * 0x2545F4914F6CDD1D) & MASK64) >> 32

    def below(self, n: int) -> int:
        return (self.rand32() * n) >> 32

    def negative(self, threshold, alias) -> int:
        slot = self.below(len(threshold))
        return slot if self.rand32() < int(threshold[slot]) else int(alias[slot])


def gradient(f: float, label: int, sig, skip_saturated=False) -> float:
    """label - sigmoid(f), with word2vec.c's clipping at +-MAX_EXP (or, for hierarchical
    softmax, no update at all there) and the kernel's table."""
    if f >= MAX_EXP:
        return 0.0 if skip_saturated else label - 1.0
    if f <= -MAX_EXP:
        return 0.0 if skip_saturated else float(label)
    return label - float(sig[int((f + MAX_EXP) * TABLE_SIZE / (2 * MAX_EXP))])


def block(h: list[np.ndarray], targets, labels, syn1: np.ndarray, alpha: float, sig,
          skip_saturated=False):
    """One SGD step against output rows `targets` with 0/1 `labels`: returns the input
    gradients and updates the syn1 rows."""
    grads = [np.zeros_like(v) for v in h]
    for t, label in zip(targets, labels):
        scores = [gradient(sum(a * b for a, b in zip(v, syn1[t])), label, sig, skip_saturated)
                  * alpha for v in h]
        old_row = syn1[t].copy()
        for i in range(len(h)):
            grads[i] += scores[i] * old_row
        for i, v in enumerate(h):
            syn1[t] += scores[i] * v
    return grads


def read_sentence(rng, tokens, pos, remap, keep, max_sentence):
    """The kernel's `_next_sentence`: (new position, kept vocabulary ids)."""
    sentence: list[int] = []
    while pos < len(tokens):
        raw = int(tokens[pos])
        pos += 1
        if raw < 0:
            if sentence:
                break
            continue
        word = int(remap[raw])
        if word < 0 or rng.rand32() >= int(keep[word]):
            continue
        sentence.append(word)
        if len(sentence) == max_sentence:
            break
    return pos, sentence


def draw_negatives(rng, word, negative, threshold, alias) -> list[int]:
    negatives = []
    for _ in range(negative):
        t = rng.negative(threshold, alias)
        redraws = 0
        while t == word and redraws < MAX_REDRAWS:
            t = rng.negative(threshold, alias)
            redraws += 1
        if t != word:  # still the positive word: this negative is skipped
            negatives.append(t)
    return negatives


def negatives_ahead(rng, sentence, i, negatives, negative, threshold, alias) -> None:
    """The kernels draw a sentence's first centre word's negatives before its loop, and those
    of centre i + 1 at the start of centre i (before its window): negatives[p] for position p."""
    if not negative:
        return
    if i == 0 and sentence:
        negatives[0] = draw_negatives(rng, sentence[0], negative, threshold, alias)
    if i + 1 < len(sentence):
        negatives[i + 1] = draw_negatives(rng, sentence[i + 1], negative, threshold, alias)


def windows(rng, tokens, remap, keep, window, shrink, max_sentence, alpha_start, alpha_end,
            negative, threshold, alias):
    """(alpha, centre word, context words, negatives) for every centre word of a chunk with
    a context, drawing random numbers in the kernels' order."""
    pos, n_tokens = 0, len(tokens)
    while pos < n_tokens:
        alpha = float(np.float32(alpha_start + (alpha_end - alpha_start) * pos / n_tokens))
        pos, sentence = read_sentence(rng, tokens, pos, remap, keep, max_sentence)
        negatives = {}
        for i, word in enumerate(sentence):
            negatives_ahead(rng, sentence, i, negatives, negative, threshold, alias)
            reach = window - rng.below(window) if shrink else window
            lo, hi = max(0, i - reach), min(len(sentence), i + reach + 1)
            context = [sentence[j] for j in range(lo, hi) if j != i]
            if context:
                yield alpha, word, context, negatives.get(i, [])


def train_chunk(cbow, tokens, vocab_tables, weights, settings, alpha_start, alpha_end, seed,
                sig):
    """One chunk, as kernels.train_*_chunk, in float64 with plain loops."""
    remap, keep, threshold, alias, points, hs_labels, lengths = vocab_tables
    syn0, syn1neg, syn1hs = weights
    window, negative, hs, cbow_mean, shrink, max_sentence = settings
    rng = XorShift(seed)
    for alpha, word, context, negatives in windows(rng, tokens, remap, keep, window, shrink,
                                                   max_sentence, alpha_start, alpha_end,
                                                   negative, threshold, alias):
        if cbow:
            total = sum(syn0[c] for c in context)
            inputs = [total / len(context) if cbow_mean else total]
        else:
            inputs = [syn0[c].copy() for c in context]
        grads = [np.zeros_like(v) for v in inputs]
        if hs:  # each input on its own
            k = int(lengths[word])
            for i, v in enumerate(inputs):
                (step,) = block([v], points[word][:k], hs_labels[word][:k], syn1hs, alpha,
                                sig, skip_saturated=True)
                grads[i] = grads[i] + step
        if negative:
            step = block(inputs, [word] + negatives, [1] + [0] * len(negatives), syn1neg,
                         alpha, sig)
            grads = [g + s for g, s in zip(grads, step)]
        if cbow:
            g = grads[0] if cbow_mean else grads[0] / len(context)
            for c in context:
                syn0[c] += g
        else:
            for c, g in zip(context, grads):
                syn0[c] += g


def train_subword_chunk(cbow, tokens, vocab_tables, bags, weights, settings, alpha_start,
                        alpha_end, seed, sig):
    """One chunk with character n-grams, as kernels.train_subword_*_chunk: a word's input is
    the mean of its bag of rows, and the gradient of that mean is added to every row of the bag
    (fastText's rule). Each sentence position's bag is summed when it enters the window
    (centre + window), the sum follows the position's own updates, and the updates reach its
    rows when it leaves (centre - window).

    Skip-gram: each context position's mean predicts the centre word, the window as one block
    against one shared set of negatives (as `train_chunk`). CBOW: the mean of all rows of all
    context bags predicts the centre word (with a sum: the sum of each word's mean).
    """
    remap, keep, threshold, alias, points, hs_labels, lengths = vocab_tables
    offsets, rows = bags
    inputs, syn1neg, syn1hs = weights
    window, negative, hs, cbow_mean, shrink, max_sentence = settings
    rng = XorShift(seed)

    def bag(w):
        return [int(r) for r in rows[offsets[w]:offsets[w + 1]]]

    pos, n_tokens = 0, len(tokens)
    while pos < n_tokens:
        alpha = float(np.float32(alpha_start + (alpha_end - alpha_start) * pos / n_tokens))
        pos, sentence = read_sentence(rng, tokens, pos, remap, keep, max_sentence)
        sums, pending = {}, {}  # per position in the window: its bag's sum, its updates

        def enter(p, sentence=sentence, sums=sums, pending=pending):
            sums[p] = sum(inputs[r] for r in bag(sentence[p]))
            pending[p] = np.zeros(inputs.shape[1])

        def leave(p, sentence=sentence, sums=sums, pending=pending):
            for r in bag(sentence[p]):
                inputs[r] += pending[p]
            del sums[p], pending[p]

        n = len(sentence)
        negatives = {}
        for p in range(min(window, n)):
            enter(p)
        for i, word in enumerate(sentence):
            if i + window < n:
                enter(i + window)
            negatives_ahead(rng, sentence, i, negatives, negative, threshold, alias)
            reach = window - rng.below(window) if shrink else window
            context = [p for p in range(max(0, i - reach), min(n, i + reach + 1)) if p != i]
            if context:
                sizes = {p: len(bag(sentence[p])) for p in context}
                if cbow:
                    if cbow_mean:
                        h = [sum(sums[p] for p in context) / sum(sizes.values())]
                    else:
                        h = [sum(sums[p] / sizes[p] for p in context)]
                else:
                    h = [sums[p] / sizes[p] for p in context]
                grads = [np.zeros(inputs.shape[1]) for _ in h]
                if hs:  # each input on its own
                    k = int(lengths[word])
                    for j, v in enumerate(h):
                        (step,) = block([v], points[word][:k], hs_labels[word][:k], syn1hs,
                                        alpha, sig, skip_saturated=True)
                        grads[j] += step
                if negative:
                    steps = block(h, [word] + negatives[i], [1] + [0] * len(negatives[i]),
                                  syn1neg, alpha, sig)
                    grads = [g + s for g, s in zip(grads, steps)]
                if cbow:
                    share = grads[0] if cbow_mean else grads[0] / len(context)
                    grads = [share] * len(context)
                for p, g in zip(context, grads):
                    pending[p] += g
                    sums[p] += sizes[p] * g
            if i >= window:
                leave(i - window)
        for p in list(sums):
            leave(p)
