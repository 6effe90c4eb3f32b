"""Vocabulary files: `word<TAB>count` lines (ours) and word2vec.c's `word count` files.

Does not: count words or decide the vocabulary (see `counting`, `vocab`).
"""

from __future__ import annotations

import numpy as np

from .vocab import Vocabulary


def read_vocab_file(path: str) -> tuple[list[str], np.ndarray]:
    """Words and counts from `word<TAB>count` lines (ours) or `word count` (word2vec.c's
    -save-vocab; its `</s>` line-break entry is skipped). ValueError names a bad line."""
    words, counts = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise ValueError(f"{path}: line {number}: expected 'word count'")
            if fields[0] != "</s>":
                words.append(fields[0])
                counts.append(int(fields[1]))
    return words, np.array(counts, dtype=np.int64)


def format_vocab(vocab: Vocabulary) -> bytes:
    """`word<TAB>count` lines, the format `w2v vocab` prints and --save-vocab writes."""
    return "".join(f"{w}\t{c}\n" for w, c in zip(vocab.words, vocab.counts.tolist())).encode()
