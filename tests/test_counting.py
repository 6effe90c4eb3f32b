"""Counting under --max-vocab-size: pruning at the exact token, freed ids going to new words,
stale tokens training as unknown words, phrase pairs dying with their words, and memory that
follows the limit rather than the stream."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from w2v.corpus import CHUNK_IDS, EncodedCorpus
from w2v.counting import LINE_BREAK, UNKNOWN, WordCounter
from w2v.tokenize import Tokenizer
from w2v.vocab import Vocabulary


def _reference(tokens: list[str], limit: int, min_count: int):
    """gensim's prune_vocab run after every token, in plain Python: the vocabulary (words,
    counts) and, per token, the vocabulary id it trains as (UNKNOWN if none)."""
    counts: dict[str, int] = {}
    births: dict[str, int] = {}
    threshold = 1
    tenure = []  # per token: (word, the ordinal at which this run of its counting began)
    for ordinal, word in enumerate(tokens):
        if word not in counts:
            counts[word], births[word] = 0, ordinal
        counts[word] += 1
        tenure.append((word, births[word]))
        while len(counts) > limit:
            for doomed in [w for w, c in counts.items() if c <= threshold]:
                del counts[doomed], births[doomed]
            threshold += 1
    kept = sorted((w for w in counts if counts[w] >= min_count),
                  key=lambda w: (-counts[w], births[w]))
    ids = {w: i for i, w in enumerate(kept)}
    trained = [ids[w] if w in ids and births[w] == born else UNKNOWN for w, born in tenure]
    return kept, [counts[w] for w in kept], trained


def _encoded(tmp_path, text: str, limit: int) -> tuple[WordCounter, np.ndarray]:
    path = tmp_path / "c.txt"
    path.write_text(text)
    counter = WordCounter(limit)
    with EncodedCorpus.encode([str(path)], Tokenizer(), counter) as corpus:
        buffer = np.empty(CHUNK_IDS, dtype=np.int32)
        ids = np.concatenate([corpus.read_chunk(k, buffer).copy()
                              for k in range(corpus.n_chunks)])
    return counter, ids


def test_pruning_happens_at_the_token_that_passes_the_limit():
    counter = WordCounter(max_vocab_size=3)
    counter.encode(b"a a a b b c d e")
    # d made four words: c and d (seen once) went and the threshold became 2; e then fits
    assert counter.pruned_words == 2 and counter.prune_threshold == 2
    assert counter.distinct_words == 3
    vocab, _ = Vocabulary.from_counter(counter, min_count=1)
    assert vocab.words == ["a", "b", "e"] and vocab.counts.tolist() == [3, 2, 1]


def test_a_reused_id_trains_only_its_current_word(tmp_path):
    # c passes the limit of 2: a, b and c go; d takes a's id, and a comes back under b's
    counter, ids = _encoded(tmp_path, "a b c\nd d a\n", limit=2)
    stale = counter.stale_id
    assert ids.tolist() == [stale, stale, stale, LINE_BREAK, 0, 0, 1, LINE_BREAK]
    assert counter.reused_ids == 2 and counter.provisional_size == 3
    vocab, remap = Vocabulary.from_counter(counter, min_count=1)
    assert vocab.words == ["d", "a"]
    assert remap[ids].tolist() == [UNKNOWN] * 3 + [LINE_BREAK, 0, 0, 1, LINE_BREAK]


def test_pruned_runs_train_like_gensims_pruning_token_by_token(tmp_path):
    rng = np.random.default_rng(5)
    tokens = [f"w{k}" for k in rng.zipf(1.2, 300_000) % 5000]  # more than two chunks
    lines = [" ".join(tokens[i:i + 25]) for i in range(0, len(tokens), 25)]
    counter, ids = _encoded(tmp_path, "\n".join(lines) + "\n", limit=300)
    vocab, remap = Vocabulary.from_counter(counter, min_count=2)
    words, counts, trained = _reference(tokens, 300, 2)
    assert vocab.words == words and vocab.counts.tolist() == counts
    assert remap[ids[ids != LINE_BREAK]].tolist() == trained
    assert counter.reused_ids > 0 and counter.provisional_size <= 301  # ids bounded by the limit


def test_pairs_of_a_pruned_word_are_not_counted_for_the_next_owner_of_its_id():
    from w2v.phrases import _PairCounter
    from w2v.phrases_kernels import _slot

    def pair_count(pairs, words, first, second):
        ids = [words.encode(w.encode())[0] for w in (first, second)]
        key = np.uint64(ids[0]) << np.uint64(32) | np.uint64(ids[1])
        slot = _slot(pairs.keys, key)
        return int(pairs.counts[slot]) if pairs.keys[slot] == key else 0

    for blocks in (["a b\n", "c\nd e\n"], ["a b\nc\nd e\n"]):  # pruned in a later block or its own
        words = WordCounter(max_vocab_size=2)
        pairs = _PairCounter(words, 1000)
        for block in blocks:
            pairs.add(words.encode(block.encode()))
        # c passed the limit: a, b and c went; d and e took a's and b's ids
        assert words.reused_ids == 2
        assert pair_count(pairs, words, "d", "e") == 1  # not 2: a b was another pair


def test_memory_follows_the_limit_not_the_distinct_words(tmp_path):
    code = ("import runpy, sys\nsys.argv = ['w2v', 'vocab', sys.argv[1], '--max-vocab-size', "
            "'100000']\ntry:\n    runpy.run_module('w2v', run_name='__main__')\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print(int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) // 1024, "
            "file=sys.stderr)")
    peaks = {}
    for every in (3, 1):  # 1M or 3M distinct words in files of 3M words, so reading costs alike
        path = tmp_path / f"every{every}.txt"
        with open(path, "w") as f:
            for start in range(0, 3_000_000, 1000):
                f.write(" ".join(f"w{i // every}" if i % every == 0 else "x123456"
                                 for i in range(start, start + 1000)) + "\n")
        proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert len(proc.stdout.splitlines()) <= 100_000
        peaks[every] = int(proc.stderr.split()[-1])
    # before ids were reused, the 3M file peaked about 95 MB above the 1M one
    assert peaks[1] < peaks[3] + 25, peaks


def test_words_are_decoded_at_once_as_one_by_one_after_pruning_and_bad_bytes():
    counter = WordCounter(max_vocab_size=40)
    rng = np.random.default_rng(4)
    words = [f"w{k}".encode() for k in range(120)] + ["café".encode(), b"bad\xc3", b"\xff"]
    tokens = [words[k] for k in rng.integers(0, len(words), 3000)]
    counter.encode(b" ".join(tokens) + b"\n")  # pruned many times: ids reused, arena compacted
    ids = np.flatnonzero(counter.counts > 0)
    assert len(ids) > 5
    for order in (ids, ids[::-1], ids[:1]):
        assert counter.words(order) == [counter.word(i) for i in order]
    assert counter.words(np.zeros(0, np.int64)) == []
