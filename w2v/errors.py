"""Every error w2v raises on purpose, so callers can catch one family.

Hierarchy::

    W2VError                    anything w2v reports as a user-facing problem
    ├── ConfigError             a setting is out of range or contradicts another (also a ValueError)
    ├── CorpusError             the training text cannot be read or holds nothing to learn
    ├── ModelFormatError        a vector or model file is malformed (names the file and where)
    ├── OutputError             the output path cannot be written
    ├── TrainingDiverged        weights became NaN or infinite; nothing was saved
    ├── TrainingInterrupted     Ctrl-C or SIGTERM stopped training (carries the exit status)
    └── UnknownWordError        a query word is not in the vocabulary (carries suggestions)

The CLI turns each into a one-line message and exit status 1 (2 for a ConfigError, a usage
error; 130 or 143 for an interrupt); anything else is a bug.
"""

from __future__ import annotations


class W2VError(Exception):
    """Base class of every error w2v raises for a problem the user can fix."""


class ConfigError(W2VError, ValueError):
    """A training setting is outside its valid range or contradicts another one."""


class CorpusError(W2VError):
    """The corpus cannot be read, or yields no word to train on."""


class ModelFormatError(W2VError):
    """A vector or model file is truncated, malformed or of an unknown format."""


class OutputError(W2VError):
    """The output file cannot be created or written."""


class TrainingDiverged(W2VError):
    """Training produced NaN or infinite weights; lower the learning rate."""


class TrainingInterrupted(W2VError):
    """Training was stopped by a signal; the message says where the checkpoint went."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class UnknownWordError(W2VError, KeyError):
    """A word is not in the vocabulary; `suggestions` holds close spellings that are."""

    def __init__(self, word: str, suggestions: list[str] | None = None,
                 reason: str = "is not in the vocabulary"):
        self.word = word
        self.suggestions = suggestions or []
        hint = f" (did you mean: {', '.join(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"'{word}' {reason}{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]
