"""The `w2v` command line: parses options, calls the library, reports errors in one line.

Exit status: 0 success, 1 an error w2v reports (bad corpus, unreadable model, unknown word...),
2 a usage error (click), 130/143 interrupted. Results go to stdout, everything else to stderr.

The group, shared options and helpers live here; the commands in cli_train (train, vocab,
phrases), cli_query (similar, analogy, evaluate) and cli_tools (info, export, plot,
plot-report), each registering itself on `cli`.

Does not: contain training, file-format or query logic; each command is a thin wrapper.
"""

from __future__ import annotations

import io
import json
import os
import select
import sys

import click

from . import __version__
from .errors import TrainingInterrupted, W2VError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Group(click.Group):
    """Turns every W2VError raised by a command into click's one-line error (exit 1)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TrainingInterrupted as exc:
            raise _Interrupted(str(exc), exc.exit_code) from None
        except W2VError as exc:
            raise click.ClickException(str(exc)) from None


class _Interrupted(click.ClickException):
    """A one-line message with the interrupt's exit status (130 SIGINT, 143 SIGTERM)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version")
def cli():
    """Train word vectors and query them.

    \b
      w2v train corpus.txt               # writes vectors.w2v
      w2v train - -o vectors.bin < text  # stdin in, word2vec binary out
      w2v similar lettuce                # nearest neighbours, tab-separated
      w2v analogy man king woman         # queen
      w2v evaluate --json                # analogies, WordSim353, SimLex-999
    """


_model_option = click.option(
    "-m", "--model", envvar="W2V_MODEL", default="vectors.w2v", show_default=True,
    help="Vector file (native, word2vec .bin/.txt, fastText .vec, GloVe); default $W2V_MODEL.")
_json_option = click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")


def _load_file(path: str):
    """The model file at `path` (formats.VectorFile); a missing one gets a hint."""
    from .errors import ModelFormatError
    from .formats import load

    if not os.path.exists(path):
        raise ModelFormatError(f"{path}: no such file; train one with 'w2v train CORPUS', "
                               f"or name one with -m or $W2V_MODEL")
    return load(path)


def _load_vectors(path: str):
    """The model at `path`, ready for queries."""
    from .vectors import WordVectors

    return WordVectors.from_file(_load_file(path))


def _emit(as_json: bool, record: dict, columns: list) -> None:
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
    else:
        click.echo("\t".join(_cell(c) for c in columns))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stdin_batches(size: int = 256):
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


def _check_readable(path: str) -> None:
    from .errors import W2VError

    if not os.path.isfile(path):
        raise W2VError(f"{path}: no such file")


def _corpus_files(paths) -> list[str]:
    """The files to read: a directory stands for every file below it, in sorted order."""
    from .errors import CorpusError

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


def main() -> None:
    """Console entry point: maps w2v errors, interrupts and closed pipes to exit codes."""
    try:
        cli.main(standalone_mode=False, prog_name="w2v")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:  # click's form of KeyboardInterrupt (Ctrl-C outside training)
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except _Interrupted as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # the reader went away (`w2v similar king | head -1`): not an error worth a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)


# the command modules register themselves on `cli` as they are imported
from . import cli_query, cli_tools, cli_train  # noqa: E402, F401
