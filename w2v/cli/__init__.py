"""The `w2v` command line: parses options, calls the library, reports errors in one line.

Exit status: 0 success, 1 an error w2v reports (bad corpus, unreadable model, unknown word...),
2 a usage error, 130/143 interrupted, 141 when the reader of stdout went away (`| head`).
Results go to stdout, everything else to stderr.

The group and the entry point live here; the commands live in `train` (train, vocab, phrases),
`query` (similar, analogy, evaluate, vectors) and `tools` (info, export, plot, plot-report), and the
helpers they share in `common`. Each command module only defines commands; this module registers
them, so nothing imports this package back.

Does not: contain training, file-format or query logic; each command is a thin wrapper.
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import ConfigError, TrainingInterrupted, W2VError
from . import query, tools, train
from .common import CONTEXT

PIPE_CLOSED = 141  # as a shell reports a process ended by SIGPIPE: the reader went away
INTERRUPTED = 130


class _Group(click.Group):
    """Turns every W2VError raised by a command into click's one-line error, and a closed
    stdout into PIPE_CLOSED before click's own handler makes it a plain exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TrainingInterrupted as exc:
            raise _Interrupted(str(exc), exc.exit_code) from None
        except ConfigError as exc:
            raise click.UsageError(str(exc), ctx) from None
        except W2VError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            raise click.exceptions.Exit(PIPE_CLOSED) from None


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


for _command in (train.train, train.vocab, train.phrases, query.similar, query.analogy,
                 query.evaluate, query.vectors, tools.info, tools.export, tools.plot,
                 tools.plot_report):
    cli.add_command(_command)


def main() -> None:
    """Console entry point: every outcome becomes one exit status (see the module docstring).

    click's main runs with standalone_mode=False so that errors are ours to report; it then
    returns a command's exit status instead of exiting, which must be passed on.
    """
    try:
        status = cli.main(standalone_mode=False, prog_name="w2v")
        sys.stdout.flush()  # a reader that went away is noticed here at the latest
    except click.ClickException as exc:
        exc.show()
        status = exc.exit_code
    except click.Abort:  # click's form of Ctrl-C outside training
        click.echo("Interrupted.", err=True)
        status = INTERRUPTED
    except BrokenPipeError:
        status = PIPE_CLOSED
    if status == PIPE_CLOSED:
        # output still buffered would fail again at exit, with an "Exception ignored" message
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(status if isinstance(status, int) else 0)
