"""Standard benchmarks: analogy accuracy (questions-words.txt) and word-pair correlations.

Scoring follows gensim's `evaluate_word_analogies` and `evaluate_word_pairs` so figures compare:
with `restrict`, only the N most frequent words are candidates and questions using other words
are skipped as out of vocabulary; matching is case-insensitive (the first, most frequent, spelling
wins); an answer is the best candidate other than the three question words. Pair files give
Spearman and Pearson correlations over the pairs found, and the share of pairs not found.
Case is folded by `tokenize.fold_case`, as training and queries fold it; gensim compares upper()
forms, which differs only outside English ('ß' is 'SS', so gensim matches it with 'ss').

Models with subwords (fastText .bin/.ftz) also get an "all words" score, as fastText's own
evaluation gives, where every word has a vector (`*_all_words`): nothing is skipped. A question's
a, b and c are taken from the restricted vocabulary when there, else from the whole vocabulary,
else from their character n-grams; the answer is still searched among the restricted words, so a
question whose expected answer lies outside them, or with a word that has no known n-gram,
counts as wrong. Word pairs are correlated over every pair; a pair with a word that has no known
n-gram is left out (and counted, as the in-vocabulary score counts the pairs it skips).

Does not: load models or print (see `cli`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .errors import UnknownWordError, W2VError
from .tokenize import fold_case
from .vectors import WordVectors

BENCHMARKS = os.path.join(os.path.dirname(__file__), "benchmarks")
DEFAULT_ANALOGIES = os.path.join(BENCHMARKS, "questions-words.txt")
DEFAULT_PAIRS = [os.path.join(BENCHMARKS, "wordsim353.tsv"),
                 os.path.join(BENCHMARKS, "simlex999.txt")]
ANALOGY_RESTRICT = 30_000  # gensim's defaults: the most frequent words that answer and are asked
PAIRS_RESTRICT = 300_000
_BATCH = 512  # questions per matrix product: bounds the (batch x restrict) score matrix


@dataclass
class Section:
    name: str
    correct: int = 0
    total: int = 0  # questions answered (all four words known)
    skipped: int = 0  # questions with an out-of-vocabulary word
    # all-words scope only (nothing is skipped there): questions with a word
    outside: int = 0  # outside the restricted vocabulary (those the in-vocabulary score skips)
    unseen: int = 0  # not in the vocabulary at all: its vector from its character n-grams
    no_ngram: int = 0  # without any known n-gram: counted wrong

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def semantic(self) -> bool:
        return not self.name.startswith("gram")


    def counts(self, all_words: bool) -> dict:
        if all_words:
            return {"correct": self.correct, "total": self.total, "outside": self.outside,
                    "unseen": self.unseen, "no_ngram": self.no_ngram}
        return {"correct": self.correct, "total": self.total, "skipped": self.skipped}


@dataclass
class AnalogyResult:
    sections: list[Section] = field(default_factory=list)
    all_words: bool = False  # scope: every question (subword models), else in-vocabulary only

    def _sum(self, sections) -> Section:
        s = Section("")
        for sec in sections:
            s.correct += sec.correct
            s.total += sec.total
            s.skipped += sec.skipped
            s.outside += sec.outside
            s.unseen += sec.unseen
            s.no_ngram += sec.no_ngram
        return s

    @property
    def overall(self) -> Section:
        return self._sum(self.sections)

    @property
    def semantic(self) -> Section:
        return self._sum(s for s in self.sections if s.semantic)

    @property
    def syntactic(self) -> Section:
        return self._sum(s for s in self.sections if not s.semantic)

    def to_dict(self) -> dict:
        total = self.overall
        return {"accuracy": total.accuracy, "semantic": self.semantic.accuracy,
                "syntactic": self.syntactic.accuracy, **total.counts(self.all_words),
                "sections": {s.name: {"accuracy": s.accuracy, **s.counts(self.all_words)}
                             for s in self.sections}}


@dataclass
class PairsResult:
    path: str
    spearman: float
    pearson: float
    pairs: int  # pairs with both words known (all words: with both words given a vector)
    oov: float  # share of pairs skipped, 0..1 (all words: left out for want of any n-gram)
    all_words: bool = False  # scope: every pair (subword models), else in-vocabulary only
    outside: int = 0  # all words: pairs with a word outside the restricted vocabulary
    unseen: int = 0  # all words: pairs with a word not in the vocabulary (vector from n-grams)
    left_out: int = 0  # all words: pairs with a word without any known n-gram

    def to_dict(self) -> dict:
        extra = ({"outside": self.outside, "unseen": self.unseen, "left_out": self.left_out}
                 if self.all_words else {})
        return {"spearman": self.spearman, "pearson": self.pearson, "pairs": self.pairs,
                "oov": self.oov, **extra}


def _case_insensitive_vocab(wv: WordVectors, restrict: int | None) -> dict[str, int]:
    vocab: dict[str, int] = {}
    for i, w in enumerate(wv.words[:restrict] if restrict else wv.words):
        vocab.setdefault(fold_case(w), i)
    return vocab


def read_analogies(path: str) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Sections of (a, b, c, d) questions from a questions-words.txt style file."""
    sections: list[tuple[str, list]] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if line.startswith(":"):
                    sections.append((line[1:].strip(), []))
                    continue
                words = line.split()
                if not words:
                    continue
                if len(words) != 4:
                    raise W2VError(f"{path}: line {number}: expected 4 words, got {len(words)}")
                if not sections:
                    sections.append(("questions", []))
                sections[-1][1].append(tuple(words))
    except OSError as exc:
        raise W2VError(f"{path}: cannot read ({exc.strerror})") from None
    return sections


def evaluate_analogies(wv: WordVectors, path: str = DEFAULT_ANALOGIES,
                       restrict: int | None = ANALOGY_RESTRICT) -> AnalogyResult:
    """Accuracy on an analogy file, as gensim's evaluate_word_analogies(case_insensitive=True)."""
    vocab = _case_insensitive_vocab(wv, restrict)
    result = AnalogyResult()
    unit = wv.unit[:restrict] if restrict else wv.unit
    for name, questions in read_analogies(path):
        section = Section(name)
        known = []
        for q in questions:
            ids = [vocab.get(fold_case(w)) for w in q]
            if None in ids:
                section.skipped += 1
            else:
                known.append(ids)
        for start in range(0, len(known), _BATCH):
            batch = np.array(known[start:start + _BATCH], dtype=np.int64)
            a, b, c = (unit[batch[:, k]] for k in range(3))
            predicted = _predict(unit, a, b, c, batch[:, :3])
            section.correct += sum(fold_case(wv.words[p]) == fold_case(wv.words[e])
                                   for p, e in zip(predicted, batch[:, 3]))
            section.total += len(batch)
        result.sections.append(section)
    return result


def evaluate_analogies_all_words(wv: WordVectors, path: str = DEFAULT_ANALOGIES,
                                 restrict: int | None = ANALOGY_RESTRICT) -> AnalogyResult:
    """Accuracy over every question, unseen words given vectors from their character n-grams
    (models with subwords; fastText's evaluation): see the module's docstring for the rules."""
    lookup = _AllWords(wv, restrict)
    unit = lookup.unit
    result = AnalogyResult(all_words=True)
    for name, questions in read_analogies(path):
        section = Section(name, total=len(questions))
        scored = []
        for q in questions:
            found = [lookup(w) for w in q]
            section.outside += any(row is None or row >= len(unit) for row, _ in found)
            section.unseen += any(row is None and v is not None for row, v in found)
            if any(v is None for _, v in found):
                section.no_ngram += 1  # counted wrong
            else:
                scored.append((q[3], found[:3]))
        for start in range(0, len(scored), _BATCH):
            batch = scored[start:start + _BATCH]
            a, b, c = (np.stack([found[k][1] for _, found in batch]) for k in range(3))
            exclude = np.array([[-1 if row is None or row >= len(unit) else row
                                 for row, _ in found] for _, found in batch], dtype=np.int64)
            predicted = _predict(unit, a, b, c, exclude)
            section.correct += sum(fold_case(wv.words[p]) == fold_case(expected)
                                   for p, (expected, _) in zip(predicted, batch))
        result.sections.append(section)
    return result


def _predict(unit: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
             exclude: np.ndarray) -> np.ndarray:
    """The candidate rows closest to b - a + c, never one of the `exclude` rows (-1: none)."""
    targets = b - a + c
    targets /= np.maximum(np.linalg.norm(targets, axis=1, keepdims=True), 1e-12)
    scores = targets @ unit.T
    rows = np.arange(len(exclude))
    for k in range(exclude.shape[1]):
        banned = exclude[:, k] >= 0
        scores[rows[banned], exclude[banned, k]] = -np.inf
    return np.argmax(scores, axis=1)


class _AllWords:
    """A question word's row and unit vector: from the restricted vocabulary, else the whole
    vocabulary, else its character n-grams (row None); (None, None) without any known n-gram."""

    def __init__(self, wv: WordVectors, restrict: int | None):
        self.wv = wv
        self.unit = wv.unit[:restrict] if restrict else wv.unit
        self.restricted = _case_insensitive_vocab(wv, restrict)
        self.vocab = _case_insensitive_vocab(wv, None) if restrict else self.restricted
        self._cache: dict[str, tuple[int | None, np.ndarray | None]] = {}

    def __call__(self, word: str) -> tuple[int | None, np.ndarray | None]:
        if word not in self._cache:
            folded = fold_case(word)
            row = self.restricted.get(folded, self.vocab.get(folded))
            if row is not None:
                self._cache[word] = row, self.wv.unit[row]
            else:
                try:
                    self._cache[word] = self.wv.resolve(word)
                except UnknownWordError:
                    self._cache[word] = None, None
        return self._cache[word]


def read_pairs(path: str) -> list[tuple[str, str, float]]:
    """(word, word, score) rows of a tab-separated pair file; '#' lines are comments."""
    pairs = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 3:
                    fields = line.split()
                try:
                    pairs.append((fields[0], fields[1], float(fields[2])))
                except (ValueError, IndexError):
                    continue  # gensim skips malformed lines too
    except OSError as exc:
        raise W2VError(f"{path}: cannot read ({exc.strerror})") from None
    return pairs


def evaluate_pairs(wv: WordVectors, path: str,
                   restrict: int | None = PAIRS_RESTRICT) -> PairsResult:
    """Spearman and Pearson correlation of cosine similarity with human scores."""
    vocab = _case_insensitive_vocab(wv, restrict)
    gold, predicted = [], []
    pairs = read_pairs(path)
    for a, b, score in pairs:
        ia, ib = vocab.get(fold_case(a)), vocab.get(fold_case(b))
        if ia is None or ib is None:
            continue
        gold.append(score)
        predicted.append(float(wv.unit[ia] @ wv.unit[ib]))
    oov = 1 - len(gold) / len(pairs) if pairs else 0.0
    return _correlate(path, gold, predicted, oov)


def evaluate_pairs_all_words(wv: WordVectors, path: str,
                             restrict: int | None = PAIRS_RESTRICT) -> PairsResult:
    """Correlations over every pair, unseen words given vectors from their character n-grams
    (models with subwords); a pair with a word without any known n-gram is left out."""
    lookup = _AllWords(wv, restrict)
    gold, predicted = [], []
    outside = unseen = 0
    pairs = read_pairs(path)
    for a, b, score in pairs:
        found = [lookup(a), lookup(b)]
        outside += any(row is None or row >= len(lookup.unit) for row, _ in found)
        unseen += any(row is None and v is not None for row, v in found)
        if any(v is None for _, v in found):
            continue
        gold.append(score)
        predicted.append(float(found[0][1] @ found[1][1]))
    oov = 1 - len(gold) / len(pairs) if pairs else 0.0
    result = _correlate(path, gold, predicted, oov)
    result.all_words, result.outside, result.unseen = True, outside, unseen
    result.left_out = len(pairs) - len(gold)
    return result


def _correlate(path: str, gold: list[float], predicted: list[float], oov: float) -> PairsResult:
    if len(gold) < 2:
        return PairsResult(path, float("nan"), float("nan"), len(gold), oov)
    gold_a, pred_a = np.array(gold), np.array(predicted)
    return PairsResult(path, _pearson(_ranks(gold_a), _ranks(pred_a)), _pearson(gold_a, pred_a),
                       len(gold), oov)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties given their average rank (as scipy.stats.rankdata)."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float("nan")
