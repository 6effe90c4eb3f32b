"""Standard benchmarks: analogy accuracy (questions-words.txt) and word-pair correlations.

Scoring follows gensim's `evaluate_word_analogies` and `evaluate_word_pairs` so figures compare:
with `restrict`, only the N most frequent words are candidates and questions using other words
are skipped as out of vocabulary; matching is case-insensitive (the first, most frequent, spelling
wins); an answer is the best candidate other than the three question words. Pair files give
Spearman and Pearson correlations over the pairs found, and the share of pairs not found.
Case is folded by `tokenize.fold_case`, as training and queries fold it; gensim compares upper()
forms, which differs only outside English ('ß' is 'SS', so gensim matches it with 'ss').

Does not: load models or print (see `cli`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .errors import W2VError
from .tokenize import fold_case
from .vectors import WordVectors

BENCHMARKS = os.path.join(os.path.dirname(__file__), "benchmarks")
DEFAULT_ANALOGIES = os.path.join(BENCHMARKS, "questions-words.txt")
DEFAULT_PAIRS = [os.path.join(BENCHMARKS, "wordsim353.tsv"),
                 os.path.join(BENCHMARKS, "simlex999.txt")]
ANALOGY_RESTRICT = 30_000  # gensim's defaults: the most frequent words that answer and are asked
PAIRS_RESTRICT = 300_000


@dataclass
class Section:
    name: str
    correct: int = 0
    total: int = 0  # questions answered (all four words known)
    skipped: int = 0  # questions with an out-of-vocabulary word

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def semantic(self) -> bool:
        return not self.name.startswith("gram")


@dataclass
class AnalogyResult:
    sections: list[Section] = field(default_factory=list)

    def _sum(self, sections) -> Section:
        s = Section("")
        for sec in sections:
            s.correct += sec.correct
            s.total += sec.total
            s.skipped += sec.skipped
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
                "syntactic": self.syntactic.accuracy, "correct": total.correct,
                "total": total.total, "skipped": total.skipped,
                "sections": {s.name: {"accuracy": s.accuracy, "correct": s.correct,
                                      "total": s.total, "skipped": s.skipped}
                             for s in self.sections}}


@dataclass
class PairsResult:
    path: str
    spearman: float
    pearson: float
    pairs: int  # pairs with both words known
    oov: float  # share of pairs skipped, 0..1

    def to_dict(self) -> dict:
        return {"spearman": self.spearman, "pearson": self.pearson, "pairs": self.pairs,
                "oov": self.oov}


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
        for start in range(0, len(known), 512):
            batch = np.array(known[start:start + 512], dtype=np.int64)
            a, b, c, d = (unit[batch[:, k]] for k in range(4))
            targets = b - a + c
            targets /= np.maximum(np.linalg.norm(targets, axis=1, keepdims=True), 1e-12)
            scores = targets @ unit.T
            rows = np.arange(len(batch))
            for k in range(3):
                scores[rows, batch[:, k]] = -np.inf
            predicted = np.argmax(scores, axis=1)
            section.correct += sum(fold_case(wv.words[p]) == fold_case(wv.words[e])
                                   for p, e in zip(predicted, batch[:, 3]))
            section.total += len(batch)
        result.sections.append(section)
    return result


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
