"""The Python API: train, save and load in a few calls.

    >>> import w2v
    >>> model = w2v.train(["corpus.txt"], dim=50)    # doctest: +SKIP
    >>> w2v.save(model, "vectors.bin")               # doctest: +SKIP

Does not: parse command lines or hold any algorithm itself.
"""

from __future__ import annotations

import json

from .atomic import atomic_write
from .config import TrainConfig
from .formats import output_format, save_native, save_word2vec
from .model import Model
from .report import summary
from .training import train as _train
from .vectors import WordVectors


def train(corpus: str | list[str], *, progress: bool = False, **settings) -> Model:
    """Train on one path or a list of paths ('-' is stdin); settings as in `TrainConfig`."""
    paths = [corpus] if isinstance(corpus, str) else list(corpus)
    return _train(paths, TrainConfig(**settings), progress=progress)


def save_report(model: Model, path: str) -> None:
    """Write `report(model)` as JSON, atomically."""
    with atomic_write(path) as f:
        f.write(json.dumps(report(model), indent=2).encode() + b"\n")


def save(model: Model, path: str) -> None:
    """Write `model` in the format `path`'s extension selects (.bin, .txt/.vec, else native).

    A model with character n-grams keeps them in native files; as .bin it is written as a
    fastText model (which fastText and gensim load), with its word vectors as a .vec beside it.
    """
    fmt = output_format(path)
    if fmt == "native":
        subword = {} if model.ngrams is None else {"input_rows": model.vectors,
                                                   "ngrams": model.ngrams}
        save_native(path, model.vocab.words, model.word_vectors(), model.output,
                    model.vocab.counts, report(model), output_hs=model.output_hs, **subword)
    elif fmt == "word2vec-binary" and model.ngrams is not None:
        from concurrent.futures import ThreadPoolExecutor

        from .fasttext_format import save_fasttext

        def save_vec() -> None:
            save_word2vec(vec_beside(path), model.vocab.words, model.word_vectors(),
                          binary=False)

        # the .vec is composed and written while the .bin is: both run mostly outside the GIL
        # (JIT kernels, unbuffered writes), 1.5 -> 0.9 s for enwiki-t8's subword model
        with ThreadPoolExecutor(max_workers=1) as pool:
            text = pool.submit(save_vec)
            save_fasttext(path, model.vocab.words, model.vocab.counts, model.vectors,
                          model.ngrams, model.output, model.output_hs, model.config.to_dict())
            text.result()
    else:
        save_word2vec(path, model.vocab.words, model.word_vectors(),
                      binary=fmt == "word2vec-binary")


def vec_beside(path: str) -> str:
    """Where the .vec of a fastText model saved to `path` goes: model.bin -> model.vec."""
    return path[:-len(".bin")] + ".vec"


def load(path: str, unicode_errors: str = "strict") -> WordVectors:
    """Read vectors from any supported file (native, word2vec binary/text, .vec, GloVe);
    words that are not valid UTF-8 are refused unless `unicode_errors="replace"`."""
    from .formats import load as read

    return WordVectors.from_file(read(path, unicode_errors))


def report(model: Model) -> dict:
    """Settings, corpus and vocabulary statistics, per-epoch loss, words/s and elapsed time:
    what `w2v train --report` writes and native models keep."""
    return summary(model)
