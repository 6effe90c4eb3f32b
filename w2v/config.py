"""Every training setting with its default and valid range, in one typed place.

The CLI builds its options from `TRAIN_OPTIONS`, the Python API takes the same names as keyword
arguments, and the native model format stores `TrainConfig.to_dict()`. Nothing here touches data.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from .errors import ConfigError

ARCHITECTURES = ("skipgram", "cbow")
NORMALIZATIONS = ("nfc", "nfkc", "none")  # Unicode forms the tokenizer applies


def _opt(default, help: str, *, min=None, max=None, min_open=False, max_open=False, **extra):
    """A dataclass field carrying its CLI help text and valid range."""
    meta = dict(help=help, min=min, max=max, min_open=min_open, max_open=max_open, **extra)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run (word2vec.c names in brackets)."""

    arch: str = _opt("skipgram", "Model architecture [-cbow 0/1].", choices=ARCHITECTURES)
    dim: int = _opt(100, "Dimension of the word vectors [-size].", min=1, max=10_000)
    window: int = _opt(5, "Maximum distance between a word and its context [-window].",
                       min=1, max=1_000)
    negative: int = _opt(5, "Negative samples per positive example; 0: none [-negative].",
                         min=0, max=100)
    hs: bool = _opt(False, "Hierarchical softmax over a Huffman tree, alone (--negative 0) or "
                    "with negative sampling [-hs].")
    ns_exponent: float = _opt(0.75, "Negatives are drawn with probability ~ count**this.",
                              min=-10.0, max=10.0)
    cbow_mean: bool = _opt(True, "CBOW input: the mean (default) or the sum of the context "
                           "vectors.")
    shrink_windows: bool = _opt(True, "Shrink each window to a random size in [1, --window], "
                                "as word2vec.c (off: always the full window).")
    min_count: int = _opt(5, "Ignore words seen fewer times than this [-min-count].", min=1)
    sample: float = _opt(1e-3, "Down-sampling threshold for frequent words; 0 disables [-sample].",
                         min=0.0, max=1.0, max_open=True)
    epochs: int = _opt(5, "Passes over the corpus [-iter].", min=1, max=10_000)
    alpha: float | None = _opt(None, "Initial learning rate [-alpha]; default 0.025 for skipgram, "
                               "0.05 for cbow.", min=0.0, max=10.0, min_open=True)
    min_alpha: float | None = _opt(None, "Final learning rate; default alpha * 1e-4.",
                                   min=0.0, max=10.0)
    threads: int | None = _opt(None, "Worker threads; default: all available cores [-threads].",
                               min=1, max=1024)
    seed: int = _opt(1, "Random seed; with --threads 1 the output is bit-identical per seed.",
                     min=0, max=2**63 - 1)
    max_final_vocab: int | None = _opt(
        None, "Keep at most this many words, raising --min-count as needed (gensim's rule).",
        min=1)
    sorted_vocab: bool = _opt(True, "Sort the vocabulary by descending count (off: order of "
                              "first appearance).")
    max_vocab_size: int | None = _opt(
        None, "Cap on distinct words held while counting: past it, the rarest are pruned "
        "(word2vec.c's and gensim's rule).", min=1)
    lowercase: bool = _opt(True, "Lowercase text before counting (off: keep case).")
    strip_punctuation: bool = _opt(
        True, "Treat punctuation (all but '_') as spaces, so 'Paris,' is 'paris'.")
    normalization: str = _opt(
        "nfc", "Unicode normalisation: nfc ('café' typed either way is one word), nfkc (also "
        "folds full-width letters, ligatures, superscripts) or none.", choices=NORMALIZATIONS)
    max_sentence_length: int = _opt(10_000, "Longer lines are split into pieces of this many "
                                    "words (never truncated).", min=1, max=1_000_000)
    subwords: bool = _opt(False, "Character n-grams as fastText: every word, seen or not, gets "
                          "a vector; writes fastText .bin files.")
    minn: int = _opt(3, "Shortest character n-gram [fastText -minn].", min=1, max=100)
    maxn: int = _opt(6, "Longest character n-gram; 0: none, plain word2vec [fastText -maxn].",
                     min=0, max=100)
    buckets: int = _opt(2_000_000, "Hash buckets for n-grams: their matrix holds at most this "
                        "many rows of --dim floats [fastText -bucket].", min=1, max=2**31 - 1)

    def resolved(self) -> TrainConfig:
        """A copy with the architecture-dependent defaults and the thread count filled in."""
        alpha = self.alpha if self.alpha is not None else (0.05 if self.arch == "cbow" else 0.025)
        min_alpha = self.min_alpha if self.min_alpha is not None else alpha * 1e-4
        threads = self.threads or available_cores()
        return dataclasses.replace(self, alpha=alpha, min_alpha=min_alpha, threads=threads)

    def validate(self) -> None:
        """Raise ConfigError naming the first setting outside its valid range."""
        for f in dataclasses.fields(self):
            problem = check_value(f, getattr(self, f.name))
            if problem:
                raise ConfigError(f"{f.name}: {problem}")
        if self.subwords and self.maxn and self.maxn < self.minn:
            raise ConfigError(f"maxn={self.maxn} is below minn={self.minn}: no n-gram would "
                              f"fit (--maxn 0 turns them off)")
        if not self.hs and self.negative == 0:
            raise ConfigError("--negative 0 needs --hs, or nothing would be trained")

    @property
    def uses_subwords(self) -> bool:
        """Whether words get character n-grams (--subwords, with --maxn above 0)."""
        return self.subwords and self.maxn > 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build from stored settings, ignoring keys this version does not know."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def check_value(f: dataclasses.Field, value) -> str | None:
    """Why `value` is invalid for field `f`, or None when it is fine."""
    meta = f.metadata
    if value is None:
        return None
    if "choices" in meta and value not in meta["choices"]:
        return f"must be one of {', '.join(meta['choices'])}"
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and (value < lo or (meta["min_open"] and value == lo)):
        return f"must be {'>' if meta['min_open'] else '>='} {lo}"
    if hi is not None and (value > hi or (meta["max_open"] and value == hi)):
        return f"must be {'<' if meta['max_open'] else '<='} {hi}"
    return None


def available_cores() -> int:
    """Cores this process may run on (respects taskset and cgroup affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


TRAIN_OPTIONS = {f.name: f for f in dataclasses.fields(TrainConfig)}
