"""Queries on trained vectors: nearest neighbours, analogies, similarities.

`WordVectors` holds words and a float32 matrix (possibly a read-only memory map) and answers
queries with cosine similarity on unit-normalised rows, computed once on first use. Many queries
are answered with one matrix product. Semantics follow gensim's KeyedVectors: `most_similar`
averages the unit vectors of positive words and subtracts those of negative words, and never
returns a query word; `analogy(a, b, c)` answers a:b :: c:? with b - a + c (3CosAdd) or 3CosMul.

Does not: import numba (queries must start fast) or read files itself (see `formats`).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

import numpy as np

from .errors import UnknownWordError
from .tokenize import fold_case, normalize_word

_BATCH = 256  # queries per matrix product: bounds the (batch x V) score matrix
_SUGGESTION_POOL = 100_000  # spelling suggestions come from the most frequent words
_NUMBERS = {2: "two", 3: "three", 4: "four"}


class WordVectors:
    """Words, their vectors, and the queries people run on them."""

    def __init__(self, words: list[str], vectors: np.ndarray, counts: np.ndarray | None = None,
                 metadata: dict | None = None, subwords=None):
        self.words = words
        self.vectors = vectors
        self.counts = counts
        self.metadata = metadata or {}
        self.subwords = subwords  # fasttext_format.SubwordModel or NativeSubwordModel
        self._index: dict[str, int] | None = None
        self._unit: np.ndarray | None = None
        self._by_initial: dict[str, list[str]] | None = None

    @classmethod
    def load(cls, path: str, unicode_errors: str = "strict") -> WordVectors:
        """Read any supported file (native, word2vec binary/text, fastText .vec, GloVe);
        `unicode_errors="replace"` loads words that are not valid UTF-8 (see formats.load)."""
        from .formats import load

        return cls.from_file(load(path, unicode_errors))

    @classmethod
    def from_file(cls, f) -> WordVectors:
        """From a formats.VectorFile already read."""
        return cls(f.words, f.vectors, f.counts, f.metadata, f.subwords)

    # ------------------------------------------------------------ lookups

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {}
            for i, w in enumerate(self.words):
                self._index.setdefault(w, i)  # duplicates: the most frequent wins
        return self._index

    @property
    def unit(self) -> np.ndarray:
        """Unit-length rows (zero rows stay zero)."""
        if self._unit is None:
            vectors = np.asarray(self.vectors, dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self._unit = vectors / np.where(norms > 0, norms, 1.0)
        return self._unit

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> np.ndarray:
        """The vector of `word`; with subwords, also of a word the vocabulary lacks."""
        if self.knows(word) or self.subwords is None:
            return np.asarray(self.vectors[self.id(word)])
        return self._subword_vector(word)

    def knows(self, word: str) -> bool:
        """Whether `word` (or its normalised form) is in the vocabulary."""
        try:
            self.id(word)
        except UnknownWordError:
            return False
        return True

    def resolve(self, word: str) -> tuple[int | None, np.ndarray]:
        """A query word's row and unit vector; for a word the vocabulary lacks, in a model with
        subwords, no row and the unit vector of its character n-grams (fastText's rule)."""
        try:
            i = self.id(word)
            return i, self.unit[i]
        except UnknownWordError:
            if self.subwords is None:
                raise
        vector = self._subword_vector(word)
        norm = np.linalg.norm(vector)
        return None, (vector / norm if norm > 0 else vector).astype(np.float32)

    def _subword_vector(self, word: str) -> np.ndarray:
        forms = self.query_forms(word)
        form = forms[0] if len(forms) == 1 else word
        vector = self.subwords.word_vector(form)
        if vector is None:
            raise UnknownWordError(word, reason="is not in the vocabulary and has no character "
                                   "n-gram this model knows")
        return vector

    def id(self, word: str) -> int:
        """The row of `word`, else of the word as training normalised it (see `query_forms`),
        else UnknownWordError with close spellings as suggestions."""
        index = self.index
        if word in index:
            return index[word]
        forms = self.query_forms(word)
        if not forms:
            raise UnknownWordError(word, reason="is no word at all as this model was trained")
        if len(forms) > 1:
            count = _NUMBERS.get(len(forms), str(len(forms)))
            raise UnknownWordError(word, self.suggest(word), f"is {count} words as this model "
                                   f"was trained: {' '.join(forms)}")
        # then case-folded: models are mostly lowercased, and a keep-case model's words may
        # still be found when typed with other capitals, as before normalisation existed
        for form in (forms[0], fold_case(forms[0])):
            if form in index:
                return index[form]
        raise UnknownWordError(word, self.suggest(forms[0]))

    def query_forms(self, word: str) -> list[str]:
        """`word` normalised as this model's training text was (`tokenize.normalize_word`):
        usually one token, none for stripped punctuation, several for 'new-york' (`new york`).

        Native models store their settings (those saved before `normalization` existed
        count as "nfc"); other files (word2vec, GloVe) get NFC only.
        """
        config = self.metadata.get("config")
        if not isinstance(config, dict):
            return [unicodedata.normalize("NFC", word)]
        return normalize_word(word, lowercase=bool(config.get("lowercase", True)),
                              strip_punctuation=bool(config.get("strip_punctuation", True)),
                              normalization=config.get("normalization", "nfc"))

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Frequent vocabulary words spelled like `word` (same first letter, similar length).

        Looking only at words that share the first letter keeps this to milliseconds, so a
        thousand misspelt queries from stdin do not stall; most typos keep the first letter.
        """
        if self._by_initial is None:
            self._by_initial = {}
            for w in self.words[:_SUGGESTION_POOL]:
                self._by_initial.setdefault(fold_case(w[:1]), []).append(w)
        pool = self._by_initial.get(fold_case(word[:1]), [])
        candidates = [w for w in pool if abs(len(w) - len(word)) <= 2]
        return difflib.get_close_matches(word, candidates, n=n, cutoff=0.75)

    def evaluate_analogies(self, path: str | None = None, restrict: int | None = 30_000):
        """Accuracy on an analogy file (default: the bundled Google set), as gensim scores it."""
        from . import evaluate

        return evaluate.evaluate_analogies(self, path or evaluate.DEFAULT_ANALOGIES, restrict)

    def evaluate_word_pairs(self, path: str | None = None):
        """Spearman and Pearson on a word-pair file (default: the bundled WordSim353)."""
        from . import evaluate

        return evaluate.evaluate_pairs(self, path or evaluate.DEFAULT_PAIRS[0])

    # ------------------------------------------------------------ queries

    def sentence_vector(self, words: Sequence[str]) -> np.ndarray:
        """fastText's sentence vector: the mean of the unit vectors of `words` (a zero vector
        adds nothing); UnknownWordError for a word not in the vocabulary."""
        unit = np.array([self.resolve(w)[1] for w in words], dtype=np.float64)
        kept = int(np.count_nonzero(np.linalg.norm(unit, axis=1) > 0))
        return (unit.sum(axis=0) / max(kept, 1)).astype(np.float32)

    def similarity(self, a: str, b: str) -> float:
        return float(self.resolve(a)[1] @ self.resolve(b)[1])

    def most_similar(self, positive: Sequence[str], negative: Sequence[str] = (), topn: int = 10,
                     restrict: int | None = None) -> list[tuple[str, float]]:
        """Words closest to the mean of the positive minus the negative unit vectors."""
        return self.most_similar_batch([(positive, negative)], topn, restrict)[0]

    def most_similar_batch(self, queries: Sequence[tuple[Sequence[str], Sequence[str]]],
                           topn: int = 10, restrict: int | None = None,
                           ) -> list[list[tuple[str, float]]]:
        """`most_similar` for many (positive, negative) queries, one matrix product per batch."""
        results = []
        for start in range(0, len(queries), _BATCH):
            batch = queries[start:start + _BATCH]
            resolved = [([self.resolve(w) for w in pos], [self.resolve(w) for w in neg])
                        for pos, neg in batch]
            targets = np.stack([self._mean([v for _, v in pos], [v for _, v in neg])
                                for pos, neg in resolved])
            scores = self._scores(targets, restrict)
            for row, (pos, neg) in zip(scores, resolved):
                results.append(self._top(row, topn, exclude=[i for i, _ in pos + neg]))
        return results

    def analogy(self, a: str, b: str, c: str, topn: int = 1, method: str = "add",
                restrict: int | None = None) -> list[tuple[str, float]]:
        """Answers a:b :: c:? (`man king woman` -> queen), excluding a, b and c."""
        return self.analogy_batch([(a, b, c)], topn, method, restrict)[0]

    def analogy_batch(self, questions: Sequence[tuple[str, str, str]], topn: int = 1,
                      method: str = "add", restrict: int | None = None,
                      ) -> list[list[tuple[str, float]]]:
        if method not in ("add", "mul"):
            raise ValueError(f"unknown analogy method {method!r}: use 'add' or 'mul'")
        results = []
        for start in range(0, len(questions), _BATCH):
            batch = [[self.resolve(w) for w in q] for q in questions[start:start + _BATCH]]
            if method == "add":
                targets = np.stack([self._mean([b[1], c[1]], [a[1]]) for a, b, c in batch])
                scores = self._scores(targets, restrict)
            else:  # 3CosMul (Levy and Goldberg 2014), similarities shifted to [0, 1] as gensim
                unit = self.unit[:restrict] if restrict else self.unit
                sim = [(unit @ np.stack([q[k][1] for q in batch]).T).T for k in range(3)]
                sim = [(s + 1.0) / 2.0 for s in sim]
                scores = sim[1] * sim[2] / (sim[0] + 1e-6)
            for row, q in zip(scores, batch):
                results.append(self._top(row, topn, exclude=[i for i, _ in q]))
        return results

    def _mean(self, positive: list[np.ndarray], negative: list[np.ndarray]) -> np.ndarray:
        """The unit mean of unit vectors, the negative ones subtracted."""
        mean = np.zeros(self.dim, dtype=np.float64)
        for v in positive:
            mean += v
        for v in negative:
            mean -= v
        mean /= max(len(positive) + len(negative), 1)
        norm = np.linalg.norm(mean)
        return mean / norm if norm > 0 else mean

    def _scores(self, targets: np.ndarray, restrict: int | None) -> np.ndarray:
        unit = self.unit[:restrict] if restrict else self.unit
        return targets.astype(np.float32) @ unit.T

    def _top(self, scores: np.ndarray, topn: int, exclude: list[int]) -> list[tuple[str, float]]:
        scores = scores.copy()
        excluded = [i for i in exclude if i is not None and i < len(scores)]
        scores[excluded] = -np.inf
        n = min(topn, len(scores) - len(set(excluded)))
        if n <= 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]
