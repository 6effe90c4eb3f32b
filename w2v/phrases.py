"""`w2v phrases`: rewrite a corpus with frequent word pairs joined by '_' (new_york).

Each pass reads the text twice: first it counts words and adjacent pairs within lines, then it
writes the text again, normalised like `w2v train` does, joining a pair (a, b) when

    word2phrase (default): (count(ab) - min_count) / count(a) / count(b) * words > threshold
    npmi (gensim's option): ln(p(ab) / (p(a) p(b))) / -ln p(ab) > threshold, in [-1, 1]

with a, b and ab each seen at least min_count times, as word2phrase.c and gensim's Phrases
score them. Pass k reads pass k-1's output, so two passes can make up to four-word phrases.
Standard input is spooled to a temporary file, as it must be read twice. Memory is bounded
as for the vocabulary: past --max-vocab-size words or pairs, the rarest are pruned, and a
pruned word's pairs go with it (its id may go to another word).

Does not: train, or keep anything once the corpus is written.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from .corpus import encoded_blocks, word_count
from .counting import WordCounter
from .reading import prefetched, read_blocks
from .tokenize import Tokenizer

SCORERS = ("word2phrase", "npmi")


@dataclass(frozen=True)
class PhraseSettings:
    threshold: float = 100.0
    min_count: int = 5
    scoring: str = "word2phrase"
    passes: int = 1
    max_vocab_size: int = 40_000_000
    lowercase: bool = True
    strip_punctuation: bool = True
    normalization: str = "nfc"


@dataclass
class PassReport:
    words: int
    pairs: int  # distinct pairs counted
    joined: int  # pairs joined in the output


class _PairCounter:
    """Adjacent pairs of a `WordCounter`'s provisional word ids, with the vocabulary's pruning
    rule; a pair dies with either of its words, whose id may then go to another word."""

    def __init__(self, words: WordCounter, max_pairs: int):
        from . import phrases_kernels as pk

        self.pk = pk
        self.words = words
        self.max_pairs = max_pairs
        self.keys = np.full(1 << 16, pk.NO_KEY, dtype=np.uint64)
        self.counts = np.zeros(1 << 16, dtype=np.int64)
        self.sizes = np.zeros(1, dtype=np.int64)
        self.previous = -1
        self.prune_threshold = 1
        self._pruned_words = 0

    def add(self, ids: np.ndarray) -> None:
        """Count the pairs of `ids`, the block the word counter encoded last."""
        if self.words.pruned_words != self._pruned_words:
            self._forget_pruned_words(ids)
        pos = 0
        while True:
            pos, self.previous, status = self.pk.count_pairs(ids, pos, self.previous, self.keys,
                                                             self.counts, self.sizes)
            if status == self.pk.DONE:
                break
            self._rebuild(2 * len(self.keys), 1)
        while self.sizes[0] > self.max_pairs:
            self._rebuild(len(self.keys), self.prune_threshold + 1)
            self.prune_threshold += 1

    def end_line(self) -> None:
        self.previous = -1

    def _forget_pruned_words(self, ids: np.ndarray) -> None:
        """The word counter pruned while encoding `ids`: drop the pairs of every word pruned
        in this block (dead, or reborn under a reused id: birth at or past the block's first
        word), then blank this block's tokens of such words, as if pairs were counted token by
        token and purged at the prune. Blanked tokens break pairs like unknown words."""
        from .counting import UNKNOWN

        self._pruned_words = self.words.pruned_words
        since = self.words.words_seen - word_count(ids)
        births = self.words.births
        if self.previous >= 0 and births[self.previous] >= since:
            self.previous = -1  # the block before ended with a word pruned since
        self._rebuild(len(self.keys), 1, since)
        self.words.mark_stale(ids, since, UNKNOWN)

    def _rebuild(self, size: int, min_count: int, since: int | None = None) -> None:
        keys = np.full(size, self.pk.NO_KEY, dtype=np.uint64)
        counts = np.zeros(size, dtype=np.int64)
        since = np.iinfo(np.int64).max if since is None else since
        self.sizes[0] = self.pk.rehash(self.keys, self.counts, keys, counts, min_count,
                                       self.words.births, since)
        self.keys, self.counts = keys, counts


def write_phrases(paths: list[str], settings: PhraseSettings, out: BinaryIO,
                  log=None) -> list[PassReport]:
    """Run every pass over `paths` ('-' is stdin) and write the last pass's text to `out`."""
    reports = []
    with tempfile.TemporaryDirectory(prefix="w2v-phrases-") as tmp:
        if "-" in paths:
            spooled = os.path.join(tmp, "stdin.txt")
            with open(spooled, "wb") as f:
                shutil.copyfileobj(sys.stdin.buffer, f, 1 << 20)
            paths = [spooled if p == "-" else p for p in paths]
        for number in range(settings.passes):
            last = number == settings.passes - 1
            target = out if last else open(os.path.join(tmp, f"pass{number}.txt"), "wb")
            try:
                report = _one_pass(paths, settings, target)
            finally:
                if not last:
                    target.close()
            reports.append(report)
            if log:
                log(f"pass {number + 1}: {report.words:,} words, {report.pairs:,} distinct "
                    f"pairs, {report.joined:,} joined")
            if not last:
                paths = [target.name]
    return reports


def _one_pass(paths: list[str], settings: PhraseSettings, out: BinaryIO) -> PassReport:
    from . import phrases_kernels as pk

    tokenizer = Tokenizer(settings.lowercase, settings.strip_punctuation,
                          settings.normalization)
    words = WordCounter(settings.max_vocab_size)
    pairs = _PairCounter(words, settings.max_vocab_size)
    total = 0
    current = 0
    for index, ids in encoded_blocks(paths, tokenizer, words):
        if index != current:  # files never share a line
            pairs.end_line()
            current = index
        total += word_count(ids)
        pairs.add(ids)
    scorer = pk.NPMI if settings.scoring == "npmi" else pk.WORD2PHRASE
    joined = 0
    for path in paths:
        state = np.array([0, -1], dtype=np.int64)
        for block in prefetched(read_blocks(path)):
            data = np.frombuffer(tokenizer.normalize(block), dtype=np.uint8)
            buffer = np.empty(len(data) + 1, dtype=np.uint8)
            n = pk.join_block(data, words.lookup_table(), words.counts, pairs.keys,
                              pairs.counts, float(max(total, 1)), settings.min_count,
                              settings.threshold, scorer, state, buffer)
            text = buffer[:n]
            joined += int(np.count_nonzero(text == ord("_"))) - int(
                np.count_nonzero(data == ord("_")))
            out.write(text.tobytes())
        if state[0]:
            out.write(b"\n")
    out.flush()
    return PassReport(total, int(pairs.sizes[0]), joined)
