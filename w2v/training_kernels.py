"""The JIT-compiled inner loops: one chunk of token ids in, updated weight matrices out.

Only `@njit` functions of arrays and scalars live here: no files, no progress bars, no model
objects, no state that changes at run time, so a GPU or distributed driver can call the same
kernels. Both entry points release the GIL and are cached on disk after the first compilation.

Training follows word2vec.c (sentence filtering, down-sampling, randomly shrunk windows, skip-gram
predicting the centre word from each context word's input vector) with these deliberate changes:

* Skip-gram updates a whole window at once against one shared set of negatives per centre word
  ("HogBatch", Ji et al. 2016, as in IntelLabs/pWord2Vec): all context rows are scored against
  the centre word and its negatives in one dense block, then updated together. Far fewer random
  memory reads, same accuracy.
* Negatives are drawn with an alias table (exact count**0.75 shares, O(1) per draw); a negative
  equal to the positive word is drawn again instead of skipped, at most MAX_REDRAWS times (then
  that negative is skipped, as word2vec.c skips every one): no vocabulary can make it loop forever.
* Random numbers come from xorshift64* seeded per chunk, so with one thread a run is a pure
  function of its seed, whatever the thread scheduling.
* A centre word's negatives are drawn while the word before it is trained, and their output
  rows are hinted into the cache (`_draw_ahead`): waiting for those random rows was the
  largest cost. One epoch of enwiki-t8 on 2 threads, skip-gram 7.0-7.5 -> 5.5-5.8 s, CBOW
  3.4 -> 2.6 s, with subwords 11.5-12.2 -> 10.5-10.9 s and 8.4 -> 7.3 s, the same loss.
* The learning rate decays linearly inside a chunk between the two values the driver passes.
* Sigmoid and log-sigmoid come from 1024-entry tables sampled at bin centres over [-6, 6]; the
  loss (-log sigmoid per prediction) is summed in float64. A NaN score never indexes the tables:
  it makes the loss NaN, which the driver sees at the end of the chunk and stops on.
* The driver can make a chunk return early by setting `stop[0]` (checked before each centre
  word), so an interrupt never waits for a long chunk to finish.

Hierarchical softmax (word2vec.c's Huffman tree, see `sampling.huffman_tree`) and negative sampling
are the same step with different output rows and labels. Skip-gram and CBOW are thin loops around
that one shared update, `_update_block`. CBOW with a sum instead of a mean divides the error
among the context words before applying it, as gensim does.
"""

from __future__ import annotations

import numba
import numpy as np

from .cache_hints import prefetch_row
from .jit import JIT_OPTIONS as _JIT

MAX_EXP = 6.0
TABLE_SIZE = 1024
MAX_REDRAWS = 16  # draws of a negative equal to the positive word before it is skipped
_TABLE_SCALE = TABLE_SIZE / (2.0 * MAX_EXP)

_U12, _U25, _U27, _U32 = np.uint64(12), np.uint64(25), np.uint64(27), np.uint64(32)
_XORSHIFT_MUL = np.uint64(0x2545F4914F6CDD1D)


def sigmoid_tables() -> tuple[np.ndarray, np.ndarray]:
    """(sigmoid, log-sigmoid) sampled at the centres of TABLE_SIZE bins over [-MAX_EXP, MAX_EXP]."""
    x = -MAX_EXP + (np.arange(TABLE_SIZE) + 0.5) / _TABLE_SCALE
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32), (-np.logaddexp(0.0, -x)).astype(
        np.float32)


def chunk_seed(seed: int, epoch: int, chunk: int) -> int:
    """A well-mixed, non-zero 64-bit generator state for one chunk of one epoch (splitmix64)."""
    mask = (1 << 64) - 1
    z = (seed * 0x9E3779B97F4A7C15 + epoch * 0xBF58476D1CE4E5B9 + chunk * 0x94D049BB133111EB
         + 0x632BE59BD9B4E019) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return (z ^ (z >> 31)) or 1


@numba.njit(inline="always", **_JIT)
def _rand32(state):
    """Next 32 random bits from the xorshift64* generator whose state is state[0]."""
    x = state[0]
    x ^= x >> _U12
    x ^= x << _U25
    x ^= x >> _U27
    state[0] = x
    return (x * _XORSHIFT_MUL) >> _U32


@numba.njit(inline="always", **_JIT)
def _below(state, n):
    """A uniform integer in [0, n) from 32 random bits (multiply-shift, no division)."""
    return np.int64((_rand32(state) * np.uint64(n)) >> _U32)


@numba.njit(inline="always", **_JIT)
def _draw_negative(state, neg_threshold, neg_alias):
    slot = _below(state, len(neg_threshold))
    if _rand32(state) < neg_threshold[slot]:
        return slot
    return np.int64(neg_alias[slot])


@numba.njit(**_JIT)
def _next_sentence(tokens, pos, remap, keep, state, sentence):
    """Fill `sentence` with the kept vocabulary ids from tokens[pos:], up to a line break or
    until it is full; return (new position, length). Unknown words are dropped, frequent words
    down-sampled, before windows are formed (as word2vec.c)."""
    n = 0
    end = len(tokens)
    cap = len(sentence)
    while pos < end:
        raw = tokens[pos]
        pos += 1
        if raw < 0:  # line break
            if n > 0:
                break
            continue
        word = remap[raw]
        if word < 0:  # unknown: below min-count or pruned
            continue
        if _rand32(state) >= keep[word]:
            continue
        sentence[n] = word
        n += 1
        if n == cap:
            break
    return pos, n


@numba.njit(**_JIT)
def mark_words(tokens, remap, seen):
    """seen[w] = 1 for every vocabulary word w among the provisional ids in `tokens`."""
    for raw in tokens:
        if raw >= 0 and remap[raw] >= 0:
            seen[remap[raw]] = 1


@numba.njit(**_JIT)
def _hs_each_input(h, n_in, points, labels, length, syn1hs, alpha, grad, scores, sig, logsig):
    """Hierarchical softmax for each of n_in input vectors in turn along one word's path."""
    loss = 0.0
    for k in range(n_in):
        loss += _update_block(h[k:k + 1], 1, points, labels, length, syn1hs, alpha,
                              grad[k:k + 1], scores, sig, logsig, True)
    return loss


@numba.njit(**_JIT)
def _update_block(h, n_in, targets, labels, n_out, syn1, alpha, grad, scores, sig, logsig,
                  skip_saturated):
    """One SGD step for n_in input vectors against n_out output rows with 0/1 labels.

    Negative sampling passes the positive word (label 1) and the negatives (label 0);
    hierarchical softmax passes the inner nodes on the word's Huffman path with labels
    1 - code. Updates the syn1 rows in place, adds each input's gradient (already scaled by
    alpha) to grad[:n_in], and returns the summed loss -log sigmoid(+-h . syn1[t]).
    Beyond +-MAX_EXP the gradient is clipped (negative sampling) or, with skip_saturated,
    zero (hierarchical softmax), as word2vec.c and gensim do for each.
    """
    dim = h.shape[1]
    loss = 0.0
    for j in range(n_out):
        row = syn1[targets[j]]
        label = labels[j]
        for i in range(n_in):
            f = np.float32(0.0)
            for d in range(dim):
                f += h[i, d] * row[d]
            if -MAX_EXP < f < MAX_EXP:  # false for NaN too: it never reaches the table index
                k = int((f + MAX_EXP) * _TABLE_SCALE)
                g = label - sig[k]
                loss -= logsig[k] if label > 0.5 else logsig[TABLE_SIZE - 1 - k]
            elif f >= MAX_EXP:
                g = 0.0 if skip_saturated else label - 1.0
                loss += 0.0 if label > 0.5 else f
            elif f <= -MAX_EXP:
                g = 0.0 if skip_saturated else label
                loss += -f if label > 0.5 else 0.0
            else:  # NaN: the weights diverged; a NaN loss tells the driver
                g = 0.0
                loss += f
            scores[i] = g * alpha
        for i in range(n_in):  # input gradients see the output row before its update
            s = scores[i]
            for d in range(dim):
                grad[i, d] += s * row[d]
        for i in range(n_in):
            s = scores[i]
            for d in range(dim):
                row[d] += s * h[i, d]
    return loss


@numba.njit(**_JIT)
def _sample_targets(state, word, negative, targets, neg_threshold, neg_alias):
    """The positive word then up to `negative` negatives in targets; returns how many."""
    targets[0] = word
    n = 1
    for _ in range(negative):
        t = _draw_negative(state, neg_threshold, neg_alias)
        redraws = 0
        while t == word and redraws < MAX_REDRAWS:
            t = _draw_negative(state, neg_threshold, neg_alias)
            redraws += 1
        if t != word:
            targets[n] = t
            n += 1
    return n


@numba.njit(inline="always", **_JIT)
def _draw_ahead(state, sentence, n, i, negative, targets, drawn, neg_threshold, neg_alias,
                syn1neg):
    """Draw the negatives of centre i + 1 (if any) into targets[(i + 1) % 2] while centre i is
    trained with targets[i % 2], and start loading their output rows. Random output rows are
    the misses the kernels wait for most: drawn and hinted a step early, their loads overlap
    the current word's work (enwiki-t8, skip-gram with subwords: 11.3 -> 9.7 s an epoch)."""
    if negative and i + 1 < n:
        slot = (i + 1) % 2
        drawn[slot] = _sample_targets(state, sentence[i + 1], negative, targets[slot],
                                      neg_threshold, neg_alias)
        for t in range(drawn[slot]):
            prefetch_row(syn1neg, targets[slot, t])


@numba.njit(**_JIT)
def _first_targets(state, sentence, n, negative, targets, drawn, neg_threshold, neg_alias):
    """The negatives of a sentence's first centre word, in targets[0] (see _draw_ahead)."""
    if negative and n > 0:
        drawn[0] = _sample_targets(state, sentence[0], negative, targets[0], neg_threshold,
                                   neg_alias)


@numba.njit(**_JIT)
def _gather_context(sentence, n, i, reach, context):
    """Positions within `reach` of i, excluding i; returns how many were written to context."""
    c = 0
    for j in range(max(0, i - reach), min(n, i + reach + 1)):
        if j != i:
            context[c] = sentence[j]
            c += 1
    return c


@numba.njit(**_JIT)
def _train_chunk(cbow, tokens, vocab_tables, weights, settings, alpha_start, alpha_end, seed,
                 tables, stop):
    remap, keep, neg_threshold, neg_alias, points, hs_labels, code_lengths = vocab_tables
    syn0, syn1neg, syn1hs = weights
    window, negative, hs, cbow_mean, shrink_windows, max_sentence = settings
    sig, logsig = tables
    dim = syn0.shape[1]
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    sentence = np.empty(max_sentence, dtype=np.int64)
    context = np.empty(2 * window, dtype=np.int64)
    targets = np.empty((2, negative + 1), dtype=np.int64)  # this centre's and the next's
    drawn = np.zeros(2, dtype=np.int64)
    ns_labels = np.zeros(negative + 1, dtype=np.float32)
    ns_labels[0] = 1.0
    h = np.empty((2 * window, dim), dtype=np.float32)
    grad = np.empty((2 * window, dim), dtype=np.float32)
    scores = np.empty(2 * window, dtype=np.float32)
    loss = 0.0
    predictions = 0
    kept = 0
    pos = 0
    n_tokens = len(tokens)
    while pos < n_tokens:
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * pos / n_tokens)
        pos, n = _next_sentence(tokens, pos, remap, keep, state, sentence)
        kept += n
        _first_targets(state, sentence, n, negative, targets, drawn, neg_threshold, neg_alias)
        for i in range(n):
            if stop[0]:
                return loss, predictions, kept, False
            word = sentence[i]
            _draw_ahead(state, sentence, n, i, negative, targets, drawn, neg_threshold,
                        neg_alias, syn1neg)
            reach = window - _below(state, window) if shrink_windows else window
            c = _gather_context(sentence, n, i, reach, context)
            if c == 0:
                continue
            n_in = 1 if cbow else c
            if cbow:  # the mean (or sum) of the context vectors predicts the centre word
                for d in range(dim):
                    h[0, d] = 0.0
                for k in range(c):
                    row = syn0[context[k]]
                    for d in range(dim):
                        h[0, d] += row[d]
                if cbow_mean:
                    inv = np.float32(1.0 / c)
                    for d in range(dim):
                        h[0, d] *= inv
            else:  # each context vector predicts the centre word, as one dense block
                for k in range(c):
                    row = syn0[context[k]]
                    for d in range(dim):
                        h[k, d] = row[d]
            for k in range(n_in):
                for d in range(dim):
                    grad[k, d] = 0.0
            if hs:
                # one input at a time, as word2vec.c: every context shares the centre word's
                # path anyway, so a dense block saves nothing and only makes the rows stale
                loss += _hs_each_input(h, n_in, points[word], hs_labels[word],
                                       code_lengths[word], syn1hs, alpha, grad, scores, sig,
                                       logsig)
                predictions += n_in * code_lengths[word]
            if negative:
                now = i % 2
                loss += _update_block(h, n_in, targets[now], ns_labels, drawn[now], syn1neg,
                                      alpha, grad, scores, sig, logsig, False)
                predictions += n_in * drawn[now]
            if cbow:
                if not cbow_mean:  # gensim: a sum's error is shared among its terms
                    inv = np.float32(1.0 / c)
                    for d in range(dim):
                        grad[0, d] *= inv
                for k in range(c):
                    row = syn0[context[k]]
                    for d in range(dim):
                        row[d] += grad[0, d]
            else:
                for k in range(c):
                    row = syn0[context[k]]
                    for d in range(dim):
                        row[d] += grad[k, d]
    return loss, predictions, kept, True


@numba.njit(**_JIT)
def train_skipgram_chunk(tokens, vocab_tables, weights, settings, alpha_start, alpha_end, seed,
                         tables, stop):
    """Skip-gram over one chunk of provisional ids; returns (loss, predictions, kept words,
    finished), finished being False when `stop[0]` made the chunk return early.

    vocab_tables = (remap, keep, neg_threshold, neg_alias, hs_points, hs_labels, code_lengths),
    weights = (syn0, syn1neg, syn1hs), settings = (window, negative, hs, cbow_mean,
    shrink_windows, max_sentence_length), tables = sigmoid_tables(), stop = uint8[1]. An unused
    output matrix (syn1neg without negatives, syn1hs without hs) may have zero rows.
    """
    return _train_chunk(False, tokens, vocab_tables, weights, settings, alpha_start, alpha_end,
                        seed, tables, stop)


@numba.njit(**_JIT)
def train_cbow_chunk(tokens, vocab_tables, weights, settings, alpha_start, alpha_end, seed,
                     tables, stop):
    """CBOW over one chunk; same arguments and result as train_skipgram_chunk."""
    return _train_chunk(True, tokens, vocab_tables, weights, settings, alpha_start, alpha_end,
                        seed, tables, stop)


# ---------------------------------------------------------------- character n-grams (fastText)
#
# A word's input vector is the mean of its bag of input rows: its own row and the rows of its
# character n-grams (bag_rows[bag_offsets[w]:bag_offsets[w + 1]], own row first). As in
# fastText, the gradient of that mean is added in full to every row of the bag, so the mean moves
# as one word vector would.
#
# A word's bag (some 20 rows) is in some 2 x window windows, and fastText reads and updates all
# of it for each: for each (centre, context) pair in skip-gram, for each centre word in CBOW.
# Here each position of the sentence is summed over its bag once, when it enters the window,
# its gradients are summed while it is in the window, and they are added to its rows once, when
# it leaves. Its cached sum follows its own pending updates exactly (sum += bag size x step), so
# the only staleness is that of rows it shares with another word of the same window, as between
# Hogwild threads. That leaves skip-gram free to use the plain kernel's dense block: each
# context word's mean predicts the centre word against one shared set of negatives (word2vec.c's
# orientation; fastText's, the centre's bag predicting each context word with its own
# negatives, reads six times as many output rows). CBOW predicts the centre word from the mean
# of all rows of all context bags, as fastText.
#
# The two kernels repeat their sentence and window loop on purpose: one shared loop calling a
# per-centre function for each architecture measured 20-30% slower on enwiki-t8 (one epoch,
# skip-gram 17.8 s against 14.6 s, CBOW 13.9 s against 10.8 s).


@numba.njit(inline="always", **_JIT)
def _add_bag(inputs, bag_rows, lo, hi, out, dim):
    r = lo
    while r + 4 <= hi:  # four rows a pass: the sum is loaded and stored a quarter as often
        a, b = inputs[bag_rows[r]], inputs[bag_rows[r + 1]]
        c, e = inputs[bag_rows[r + 2]], inputs[bag_rows[r + 3]]
        for d in range(dim):
            out[d] += (a[d] + b[d]) + (c[d] + e[d])
        r += 4
    for rest in range(r, hi):
        row = inputs[bag_rows[rest]]
        for d in range(dim):
            out[d] += row[d]


@numba.njit(inline="always", **_JIT)
def _update_bag(inputs, bag_rows, lo, hi, step, dim):
    for r in range(lo, hi):
        row = inputs[bag_rows[r]]
        for d in range(dim):
            row[d] += step[d]


@numba.njit(**_JIT)
def _predict(h, target, targets, n_targets, vocab_tables, syn1neg, syn1hs, negative, hs, alpha,
             grad, work, tables):
    """One input vector h predicts `target` (its Huffman path and/or it against the negatives
    drawn for it: targets[:n_targets], `target` first); adds h's gradient to grad[0]; returns
    (loss, predictions)."""
    points, hs_labels, code_lengths = vocab_tables[4], vocab_tables[5], vocab_tables[6]
    ns_labels, scores = work
    sig, logsig = tables
    loss = 0.0
    predictions = 0
    if hs:
        length = code_lengths[target]
        loss += _update_block(h, 1, points[target], hs_labels[target], length, syn1hs, alpha,
                              grad, scores, sig, logsig, True)
        predictions += length
    if negative:
        loss += _update_block(h, 1, targets, ns_labels, n_targets, syn1neg, alpha, grad, scores,
                              sig, logsig, False)
        predictions += n_targets
    return loss, predictions


@numba.njit(**_JIT)
def _predict_work(negative):
    """Scratch arrays of `_predict`: (negative-sampling labels, scores)."""
    ns_labels = np.zeros(negative + 1, dtype=np.float32)
    ns_labels[0] = 1.0
    return ns_labels, np.empty(1, dtype=np.float32)


@numba.njit(**_JIT)
def train_subword_skipgram_chunk(tokens, vocab_tables, bags, weights, settings, alpha_start,
                                 alpha_end, seed, tables, stop):
    """Skip-gram with character n-grams over one chunk; as train_skipgram_chunk, with
    bags = (bag_offsets int64 (V + 1), bag_rows int32) and weights = (inputs (V + n-gram rows,
    dim), syn1neg, syn1hs): word w's input vector is the mean of inputs[bag_rows[bag_offsets[w]:
    bag_offsets[w + 1]]]. Each context word's mean (from its slot, see
    train_subword_cbow_chunk) predicts the centre word, the window as one dense block against
    one shared set of negatives, as train_skipgram_chunk does with plain rows."""
    remap, keep, neg_threshold, neg_alias, points, hs_labels, code_lengths = vocab_tables
    bag_offsets, bag_rows = bags
    inputs, syn1neg, syn1hs = weights
    window, negative, hs, _, shrink_windows, max_sentence = settings
    sig, logsig = tables
    dim = inputs.shape[1]
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    sentence = np.empty(max_sentence, dtype=np.int64)
    targets = np.empty((2, negative + 1), dtype=np.int64)  # this centre's and the next's
    drawn = np.zeros(2, dtype=np.int64)
    ns_labels = np.zeros(negative + 1, dtype=np.float32)
    ns_labels[0] = 1.0
    slots = 2 * window + 1
    sums = np.empty((slots, dim), dtype=np.float32)
    pending = np.empty((slots, dim), dtype=np.float32)
    h = np.empty((2 * window, dim), dtype=np.float32)
    grad = np.empty((2 * window, dim), dtype=np.float32)
    scores = np.empty(2 * window, dtype=np.float32)
    context_slots = np.empty(2 * window, dtype=np.int64)
    sizes = np.empty(2 * window, dtype=np.float32)
    loss = 0.0
    predictions = 0
    kept = 0
    pos = 0
    n_tokens = len(tokens)
    while pos < n_tokens:
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * pos / n_tokens)
        pos, n = _next_sentence(tokens, pos, remap, keep, state, sentence)
        kept += n
        _first_targets(state, sentence, n, negative, targets, drawn, neg_threshold, neg_alias)
        for p in range(min(window, n)):
            _enter(p, sentence, bag_offsets, bag_rows, inputs, sums, pending, slots, dim)
        for i in range(n):
            if i + window < n:
                _enter(i + window, sentence, bag_offsets, bag_rows, inputs, sums, pending,
                       slots, dim)
            _prefetch_bag(i + window + 1, sentence, n, bag_offsets, bag_rows, inputs)
            if stop[0]:
                for p in range(max(0, i - window), min(n, i + window + 1)):
                    _leave(p, sentence, bag_offsets, bag_rows, inputs, pending, slots, dim)
                return loss, predictions, kept, False
            word = sentence[i]
            _draw_ahead(state, sentence, n, i, negative, targets, drawn, neg_threshold,
                        neg_alias, syn1neg)
            reach = window - _below(state, window) if shrink_windows else window
            c = 0
            for p in range(max(0, i - reach), min(n, i + reach + 1)):
                if p == i:
                    continue
                slot = p % slots
                size = bag_offsets[sentence[p] + 1] - bag_offsets[sentence[p]]
                inv = np.float32(1.0 / size)
                for d in range(dim):
                    h[c, d] = sums[slot, d] * inv
                    grad[c, d] = 0.0
                context_slots[c] = slot
                sizes[c] = size
                c += 1
            if c > 0:
                if hs:  # one input at a time, as train_skipgram_chunk
                    loss += _hs_each_input(h, c, points[word], hs_labels[word],
                                           code_lengths[word], syn1hs, alpha, grad, scores, sig,
                                           logsig)
                    predictions += c * code_lengths[word]
                if negative:
                    now = i % 2
                    loss += _update_block(h, c, targets[now], ns_labels, drawn[now], syn1neg,
                                          alpha, grad, scores, sig, logsig, False)
                    predictions += c * drawn[now]
                for k in range(c):  # every row of a bag moves with its mean (fastText's rule)
                    slot = context_slots[k]
                    for d in range(dim):
                        pending[slot, d] += grad[k, d]
                        sums[slot, d] += sizes[k] * grad[k, d]
            if i >= window:
                _leave(i - window, sentence, bag_offsets, bag_rows, inputs, pending, slots, dim)
        for p in range(max(0, n - window), n):
            _leave(p, sentence, bag_offsets, bag_rows, inputs, pending, slots, dim)
    return loss, predictions, kept, True


@numba.njit(**_JIT)
def train_subword_cbow_chunk(tokens, vocab_tables, bags, weights, settings, alpha_start,
                             alpha_end, seed, tables, stop):
    """CBOW with character n-grams over one chunk; arguments as train_subword_skipgram_chunk.

    Each sentence position p has a slot p % (2 window + 1) while it can be in a window: the
    sum of its bag's rows (`sums`), kept current with its own pending updates, and those
    pending updates (`pending`), added to its rows when it leaves (`_enter`, `_leave`).
    """
    remap, keep, neg_threshold, neg_alias = vocab_tables[:4]
    bag_offsets, bag_rows = bags
    inputs, syn1neg, syn1hs = weights
    window, negative, hs, cbow_mean, shrink_windows, max_sentence = settings
    dim = inputs.shape[1]
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    sentence = np.empty(max_sentence, dtype=np.int64)
    work = _predict_work(negative)
    targets = np.empty((2, negative + 1), dtype=np.int64)  # this centre's and the next's
    drawn = np.zeros(2, dtype=np.int64)
    slots = 2 * window + 1
    sums = np.empty((slots, dim), dtype=np.float32)
    pending = np.empty((slots, dim), dtype=np.float32)
    h = np.empty((1, dim), dtype=np.float32)
    grad = np.empty((1, dim), dtype=np.float32)
    step = np.empty(dim, dtype=np.float32)
    loss = 0.0
    predictions = 0
    kept = 0
    pos = 0
    n_tokens = len(tokens)
    while pos < n_tokens:
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * pos / n_tokens)
        pos, n = _next_sentence(tokens, pos, remap, keep, state, sentence)
        kept += n
        _first_targets(state, sentence, n, negative, targets, drawn, neg_threshold, neg_alias)
        for p in range(min(window, n)):
            _enter(p, sentence, bag_offsets, bag_rows, inputs, sums, pending, slots, dim)
        for i in range(n):
            if i + window < n:
                _enter(i + window, sentence, bag_offsets, bag_rows, inputs, sums, pending,
                       slots, dim)
            if stop[0]:
                for p in range(max(0, i - window), min(n, i + window + 1)):
                    _leave(p, sentence, bag_offsets, bag_rows, inputs, pending, slots, dim)
                return loss, predictions, kept, False
            word = sentence[i]
            _draw_ahead(state, sentence, n, i, negative, targets, drawn, neg_threshold,
                        neg_alias, syn1neg)
            reach = window - _below(state, window) if shrink_windows else window
            first, last = max(0, i - reach), min(n, i + reach + 1)
            c = last - first - 1
            if c > 0:
                for d in range(dim):
                    h[0, d] = 0.0
                    grad[0, d] = 0.0
                rows = 0
                for p in range(first, last):
                    if p == i:
                        continue
                    size = bag_offsets[sentence[p] + 1] - bag_offsets[sentence[p]]
                    # the mean of all rows (fastText), or the sum of each word's mean
                    weight = np.float32(1.0) if cbow_mean else np.float32(1.0 / size)
                    for d in range(dim):
                        h[0, d] += sums[p % slots, d] * weight
                    rows += size
                inv = np.float32(1.0 / rows) if cbow_mean else np.float32(1.0)
                for d in range(dim):
                    h[0, d] *= inv
                now = i % 2
                step_loss, step_predictions = _predict(h, word, targets[now], drawn[now],
                                                       vocab_tables, syn1neg, syn1hs, negative,
                                                       hs, alpha, grad, work, tables)
                loss += step_loss
                predictions += step_predictions
                # fastText adds the mean's gradient to every row; a sum's error is shared
                # among its words, as gensim does without subwords
                share = np.float32(1.0) if cbow_mean else np.float32(1.0 / c)
                for d in range(dim):
                    step[d] = grad[0, d] * share
                for p in range(first, last):
                    if p == i:
                        continue
                    size = np.float32(bag_offsets[sentence[p] + 1] - bag_offsets[sentence[p]])
                    slot = p % slots
                    for d in range(dim):
                        pending[slot, d] += step[d]
                        sums[slot, d] += size * step[d]
            if i >= window:
                _leave(i - window, sentence, bag_offsets, bag_rows, inputs, pending, slots, dim)
        for p in range(max(0, n - window), n):
            _leave(p, sentence, bag_offsets, bag_rows, inputs, pending, slots, dim)
    return loss, predictions, kept, True


@numba.njit(inline="always", **_JIT)
def _enter(p, sentence, bag_offsets, bag_rows, inputs, sums, pending, slots, dim):
    """Position p enters the window: its bag summed, nothing pending."""
    slot = p % slots
    for d in range(dim):
        sums[slot, d] = 0.0
        pending[slot, d] = 0.0
    word = sentence[p]
    _add_bag(inputs, bag_rows, bag_offsets[word], bag_offsets[word + 1], sums[slot], dim)


@numba.njit(inline="always", **_JIT)
def _prefetch_bag(p, sentence, n, bag_offsets, bag_rows, inputs):
    """Start loading the rows of the bag that enters the window next (position p), if any:
    one centre word's work ahead. Skip-gram with subwords, enwiki-t8: 10.0-10.3 -> 9.7-9.8 s
    an epoch on top of the negatives drawn ahead; CBOW, whose centre words take less work,
    no difference (7.1-7.4 s either way), so it does not."""
    if p < n:
        word = sentence[p]
        for r in range(bag_offsets[word], bag_offsets[word + 1]):
            prefetch_row(inputs, bag_rows[r])


@numba.njit(inline="always", **_JIT)
def _leave(p, sentence, bag_offsets, bag_rows, inputs, pending, slots, dim):
    """Position p leaves the window: its pending updates reach its rows."""
    word = sentence[p]
    _update_bag(inputs, bag_rows, bag_offsets[word], bag_offsets[word + 1], pending[p % slots],
                dim)
