"""w2v: fast word2vec training and querying from the command line and from Python.

    >>> import w2v
    >>> model = w2v.train("corpus.txt", dim=100)     # doctest: +SKIP
    >>> w2v.save(model, "vectors.bin")               # doctest: +SKIP
    >>> vectors = w2v.load("vectors.bin")            # doctest: +SKIP
    >>> vectors.most_similar(["king"], topn=3)       # doctest: +SKIP
"""

__version__ = "0.3.0"

__all__ = ["train", "save", "load", "TrainConfig", "WordVectors", "W2VError", "__version__"]

_LAZY = {"train": "api", "save": "api", "load": "api", "TrainConfig": "config",
         "WordVectors": "vectors", "W2VError": "errors"}


def __getattr__(name: str):
    # imported on first use so that `w2v similar` never pays for the trainer's imports
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")
