"""What the command modules share: options, output helpers, stdin batches, loading and paths.

Does not: define commands (see `train`, `query`, `tools`) or register them (see the package).
"""

from __future__ import annotations

import io
import json
import os
import select
import sys

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

model_option = click.option(
    "-m", "--model", envvar="W2V_MODEL", default="vectors.w2v", show_default=True,
    help="Vector file (native, word2vec .bin/.txt, fastText .vec, GloVe); default $W2V_MODEL.")
json_option = click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
unicode_errors_option = click.option(
    "--unicode-errors", type=click.Choice(["strict", "replace"]), default="strict",
    show_default=True,
    help="A word in the model that is not valid UTF-8: refuse the file, or replace the bad "
         "bytes with U+FFFD (two words may then become one; a warning says how many).")


def load_file(path: str, unicode_errors: str = "strict"):
    """The model file at `path` (formats.VectorFile); a missing one gets a hint, and words
    whose invalid UTF-8 was replaced a warning on stderr."""
    from ..errors import ModelFormatError
    from ..formats import load

    if not os.path.exists(path):
        raise ModelFormatError(f"{path}: no such file; train one with 'w2v train CORPUS', "
                               f"or name one with -m or $W2V_MODEL")
    f = load(path, unicode_errors)
    if f.replaced_words:
        merged = (f"; {f.colliding_words} of them now equal another word, and queries use the "
                  f"first of those" if f.colliding_words else "")
        were = "words were" if f.replaced_words > 1 else "word was"
        click.echo(f"warning: {path}: {f.replaced_words} {were} not valid UTF-8 and had the bad "
                   f"bytes replaced{merged}", err=True)
    return f


def load_vectors(path: str, unicode_errors: str = "strict"):
    """The model at `path`, ready for queries."""
    from ..vectors import WordVectors

    return WordVectors.from_file(load_file(path, unicode_errors))


def emit(as_json: bool, record: dict, columns: list) -> None:
    """One result: a JSON object, or tab-separated columns."""
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
    else:
        click.echo("\t".join(cell(c) for c in columns))


def cell(value) -> str:
    """A value as a TSV cell: floats with six decimals, booleans as true/false."""
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def stdin_batches(size: int = 256):
    """Non-empty stdin lines as (line number, tokens), in batches for one matrix product each.

    A batch ends early when no more input is waiting, so `tail -f queries | w2v similar`
    answers each line as it comes instead of waiting for 256 of them; output is flushed per
    batch for the same reason.
    """
    batch = []
    for number, line in enumerate(sys.stdin, 1):
        if line.strip():
            batch.append((number, line.split()))
        if batch and (len(batch) >= size or not _input_waiting()):
            yield batch
            batch = []
            sys.stdout.flush()
    if batch:
        yield batch


def _input_waiting() -> bool:
    try:
        return bool(select.select([sys.stdin], [], [], 0)[0])
    except (ValueError, OSError, io.UnsupportedOperation):  # no real descriptor (tests)
        return True


def check_readable(path: str) -> None:
    """Raise W2VError unless `path` is a file."""
    from ..errors import W2VError

    if not os.path.isfile(path):
        raise W2VError(f"{path}: no such file")


def corpus_files(paths) -> list[str]:
    """The files to read: a directory stands for every file below it, in sorted order."""
    from ..errors import CorpusError

    if list(paths).count("-") > 1:
        raise CorpusError("stdin ('-') can be read only once")
    files = []
    for path in paths:
        if path == "-":
            files.append(path)
            continue
        if not os.path.exists(path):
            raise CorpusError(f"{path}: no such file")
        if os.path.isdir(path):
            below = sorted(os.path.join(root, name) for root, dirs, names in os.walk(path)
                           for name in names)
            if not below:
                raise CorpusError(f"{path}: the directory holds no files")
            files.extend(below)
            continue
        files.append(path)
    for path in files:
        if path != "-" and not os.access(path, os.R_OK):
            raise CorpusError(f"{path}: permission denied")
    return files
