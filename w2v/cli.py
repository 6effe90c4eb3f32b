"""The `w2v` command line: parses options, calls the library, reports errors in one line.

Exit status: 0 success, 1 an error w2v reports (bad corpus, unreadable model, unknown word...),
2 a usage error (click), 130/143 interrupted. Results go to stdout, everything else to stderr.

Does not: contain training, file-format or query logic; each command is a thin wrapper.
"""

from __future__ import annotations

import os
import sys

import click

from . import __version__
from .config import TRAIN_OPTIONS, TrainConfig
from .errors import W2VError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# boolean settings get an on/off pair of flags
_FLAG_NAMES = {"lowercase": "--lowercase/--keep-case",
               "strip_punctuation": "--strip-punctuation/--keep-punctuation"}
_TYPES = {"alpha": float, "min_alpha": float, "max_vocab_size": int}


def _click_type(name: str, field):
    meta = field.metadata
    if "choices" in meta:
        return click.Choice(meta["choices"])
    kind = _TYPES.get(name) or type(field.default)
    if kind is int:
        return click.IntRange(meta["min"], meta["max"], min_open=meta["min_open"],
                              max_open=meta["max_open"])
    return click.FloatRange(meta["min"], meta["max"], min_open=meta["min_open"],
                            max_open=meta["max_open"])


def _training_options(command):
    """Add one click option per TrainConfig field, with its help and range from config.py."""
    for name, field in reversed(TRAIN_OPTIONS.items()):
        help_text = field.metadata["help"]
        if isinstance(field.default, bool):
            command = click.option(_FLAG_NAMES[name], name, default=field.default,
                                   show_default=True, help=help_text)(command)
        else:
            flag = "--" + name.replace("_", "-")
            command = click.option(flag, name, type=_click_type(name, field),
                                   default=field.default, show_default=field.default is not None,
                                   help=help_text)(command)
    return command


class _Group(click.Group):
    """Turns every W2VError raised by a command into click's one-line error (exit 1)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except W2VError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version")
def cli():
    """Train word vectors and query them.

    \b
      w2v train corpus.txt               # writes vectors.w2v
      w2v train - -o vectors.bin < text  # stdin in, word2vec binary out
    """


@cli.command(context_settings=CONTEXT)
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", default="vectors.w2v", show_default=True,
              help="Output file: .bin word2vec binary, .txt/.vec word2vec text, else native.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_training_options
def train(corpus, output, quiet, **settings):
    """Learn word vectors from CORPUS (files, '-' for stdin; .gz/.bz2/.xz are decompressed).

    Each line is a sentence; text is lowercased and punctuation dropped unless you say
    otherwise, so raw text and pre-tokenised corpora both work.

    \b
      w2v train corpus.txt.gz --epochs 10
      w2v train --arch cbow --dim 300 -o vectors.bin part1.txt part2.txt
      zcat big.gz | w2v train - -o vectors.txt
    """
    from .api import save
    from .atomic import check_writable
    from .train import train as run_training

    config = TrainConfig(**settings)
    _check_corpus_paths(corpus)
    check_writable(output)
    model = run_training(list(corpus), config, progress=not quiet)
    save(model, output)
    if not quiet:
        click.echo(f"wrote {len(model.vocab):,} vectors of dimension {model.config.dim} "
                   f"to {output}", err=True)


def _check_corpus_paths(paths) -> None:
    from .errors import CorpusError

    if list(paths).count("-") > 1:
        raise CorpusError("stdin ('-') can be read only once")
    for path in paths:
        if path == "-":
            continue
        if not os.path.exists(path):
            raise CorpusError(f"{path}: no such file")
        if os.path.isdir(path):
            raise CorpusError(f"{path}: is a directory, not a corpus file")
        if not os.access(path, os.R_OK):
            raise CorpusError(f"{path}: permission denied")


def main() -> None:
    """Console entry point: maps w2v errors, interrupts and closed pipes to exit codes."""
    try:
        cli.main(standalone_mode=False, prog_name="w2v")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # the reader went away (`w2v similar king | head -1`): not an error worth a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
