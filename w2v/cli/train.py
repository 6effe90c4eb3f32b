"""`w2v train`, `w2v vocab` and `w2v phrases`: the commands that read corpora.

Training options are generated from `config.TrainConfig`, so the CLI, the Python API and the
saved settings share one list of names, defaults, ranges and help texts.

Does not: train or count anything itself (see `training`, `vocab`, `phrases`).
"""

from __future__ import annotations

import os
import sys

import click

from ..config import TRAIN_OPTIONS, TrainConfig
from .common import CONTEXT, corpus_files

FLAG_NAMES = {"lowercase": "--lowercase/--keep-case",
               "strip_punctuation": "--strip-punctuation/--keep-punctuation",
               "hs": "--hs/--no-hs", "cbow_mean": "--cbow-mean/--cbow-sum",
               "shrink_windows": "--shrink-windows/--no-shrink-windows",
               "sorted_vocab": "--sorted-vocab/--no-sorted-vocab",
               "subwords": "--subwords/--no-subwords"}
_TYPES = {"alpha": float, "min_alpha": float, "max_vocab_size": int, "threads": int,
          "max_final_vocab": int}


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
            command = click.option(FLAG_NAMES[name], name, default=field.default,
                                   show_default=True, help=help_text)(command)
        else:
            flag = "--" + name.replace("_", "-")
            command = click.option(flag, name, type=_click_type(name, field),
                                   default=field.default, show_default=field.default is not None,
                                   help=help_text)(command)
    return command


def _every(ctx, param, value):
    from ..checkpoint import parse_every

    try:
        return parse_every(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(context_settings=CONTEXT)
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", default="vectors.w2v", show_default=True,
              help="Output file: .bin word2vec binary, .txt/.vec word2vec text, else native.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--checkpoint", "checkpoint_path", metavar="FILE",
              help="Where interrupts and --checkpoint-every save the run [default: OUTPUT"
                   ".checkpoint]; removed once the output is written.")
@click.option("--checkpoint-every", callback=_every, metavar="EVERY",
              help="Also save the run periodically: 30s, 10m, 2h, 1epoch...")
@click.option("--resume", "resume_path", type=click.Path(dir_okay=False), metavar="CHECKPOINT",
              help="Continue an interrupted run with its settings (CORPUS defaults to its "
                   "files).")
@click.option("--init", "init_path", type=click.Path(dir_okay=False), metavar="MODEL",
              help="Continue training a native model on CORPUS; new words reaching "
                   "--min-count are added, the learning rate restarts at --alpha.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write settings, corpus statistics and per-epoch loss and speed as JSON.")
@click.option("--save-vocab", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the vocabulary (word<TAB>count) before training [-save-vocab].")
@click.option("--read-vocab", type=click.Path(dir_okay=False), metavar="FILE",
              help="Use this vocabulary and its counts instead of counting (word count or "
                   "word<TAB>count lines, as word2vec.c's) [-read-vocab].")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              metavar="[ADDRESS]",
              help="Train on a Ray cluster (pip install 'w2v[ray]'): alone, an embedded local "
                   "one; 'auto' or host:port joins one `ray start` runs; ray://host:port as Ray "
                   "Client.")
@click.option("--workers", type=click.IntRange(1, 4096), default=None,
              help="Ray workers, each with --threads threads [default: 2].")
@click.option("--sync-every", "sync_words", type=click.IntRange(1), default=None,
              metavar="WORDS", help="With --ray: words the cluster trains between merges of the "
              "workers' weights, each worker its share (at least 4096 per thread) "
              "[default: 524288, fewer for a run of under 84M words (160 merges at least), "
              "halved for each doubling of workers past 2, 8192 per worker at least].")
@_training_options
def train(corpus, output, quiet, checkpoint_path, checkpoint_every, resume_path, init_path,
          report_path, save_vocab, read_vocab, ray_address, workers, sync_words, **settings):
    """Learn word vectors from CORPUS (files, '-' for stdin; .gz/.bz2/.xz are decompressed).

    Each line is a sentence; text is lowercased and punctuation dropped unless you say
    otherwise, so raw text and pre-tokenised corpora both work. Ctrl-C saves a checkpoint
    that --resume continues.

    \b
      w2v train corpus.txt.gz --epochs 10
      w2v train --arch cbow --dim 300 -o vectors.bin part1.txt part2.txt
      zcat big.gz | w2v train - -o vectors.txt
      w2v train --resume vectors.w2v.checkpoint
    """
    from ..api import save
    from ..atomic import check_writable
    from ..training import train as run_training

    ctx = click.get_current_context()
    given = {k for k in settings
             if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT}
    if given & {"minn", "maxn", "buckets"} and "subwords" not in given:
        settings["subwords"] = True  # asking for n-gram lengths asks for n-grams
        given.add("subwords")
    if ray_address not in (None, "local", "auto") and os.path.exists(ray_address):
        raise click.UsageError(f"--ray took the file '{ray_address}' as a cluster address: put "
                               f"--ray after the corpus files")
    resume = init = None
    if resume_path:
        resume, corpus, output, settings = _resume_plan(resume_path, corpus, output, settings,
                                                        given, ctx)
    elif init_path:
        init, settings = _init_plan(init_path, settings, given)
    if not corpus:
        raise click.UsageError("give at least one CORPUS file ('-' for stdin)")
    config = TrainConfig(**settings)
    try:
        config.resolved().validate()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    corpus = corpus_files(corpus)
    check_writable(output)
    if config.uses_subwords and output.lower().endswith(".bin"):
        from ..api import vec_beside

        check_writable(vec_beside(output))
    given_vocab = _read_vocab(read_vocab) if read_vocab else None
    for extra in (save_vocab, report_path):
        if extra:
            check_writable(extra)
    checkpoint_path = checkpoint_path or f"{output}.checkpoint"
    check_writable(checkpoint_path)
    made_by_cluster = resume is not None and "workers" in resume.corpus
    if (workers is not None or sync_words is not None) and ray_address is None:
        raise click.UsageError("--workers and --sync-every are for Ray workers: add --ray "
                               "(threads: --threads)")
    if made_by_cluster and ray_address is None:
        raise click.UsageError(f"this checkpoint comes from a Ray run: resume it with --ray "
                               f"--workers {resume.corpus['workers']}")
    if ray_address is not None:
        from ..training_cluster import train_on_cluster

        if resume is not None and not made_by_cluster:
            raise click.UsageError("this checkpoint comes from a single-process run: resume "
                                   "it without --ray")
        model = train_on_cluster(list(corpus), config, address=ray_address,
                                 workers=workers or 2, progress=not quiet,
                                 checkpoint_path=checkpoint_path, resume=resume,
                                 output_path=output, checkpoint_every=checkpoint_every,
                                 on_vocabulary=_vocab_saver(save_vocab) if save_vocab else None,
                                 given_vocab=given_vocab, init=init,
                                 **({"sync_words": sync_words} if sync_words else {}))
    else:
        model = run_training(list(corpus), config, progress=not quiet,
                             checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every,
                             resume=resume, init=init, output_path=output,
                             given_vocab=given_vocab,
                             on_vocabulary=_vocab_saver(save_vocab) if save_vocab else None)
    save(model, output)
    if report_path:
        from ..api import save_report

        save_report(model, report_path)
    for done in {checkpoint_path, resume_path} - {None}:
        if os.path.exists(done):  # the finished output supersedes it
            os.unlink(done)
    if not quiet:
        from ..api import vec_beside
        from ..formats import output_format

        also = (f" (a fastText model; word vectors also in {vec_beside(output)})"
                if model.ngrams is not None and output_format(output) == "word2vec-binary"
                else "")
        click.echo(f"wrote {len(model.vocab):,} vectors of dimension {model.config.dim} "
                   f"to {output}{also}", err=True)


def _read_vocab(path: str):
    from ..errors import CorpusError
    from ..vocab_files import read_vocab_file

    try:
        words, counts = read_vocab_file(path)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise CorpusError(str(exc)) from None
    if not words:
        raise CorpusError(f"{path}: the vocabulary file lists no words")
    if len(set(words)) != len(words):
        twice = next(w for i, w in enumerate(words) if w in words[:i])
        raise CorpusError(f"{path}: '{twice}' is listed twice")
    return words, counts


def _vocab_saver(path: str):
    from ..atomic import atomic_write
    from ..vocab_files import format_vocab

    def save(vocab) -> None:
        with atomic_write(path) as f:
            f.write(format_vocab(vocab))

    return save


def _resume_plan(path, corpus, output, settings, given, ctx):
    from ..checkpoint import load_checkpoint

    extra = given - {"threads"}
    if extra:
        names = ", ".join("--" + k.replace("_", "-") for k in sorted(extra))
        raise click.UsageError(f"--resume continues with the checkpoint's settings; drop {names}")
    resume = load_checkpoint(path)
    stored = TrainConfig.from_dict(resume.config).to_dict()
    if "threads" in given:
        stored["threads"] = settings["threads"]
    paths = list(corpus) or list(resume.corpus.get("paths", []))
    if "-" in paths and not corpus:
        raise click.UsageError("this run read its corpus from stdin: pipe it in again and "
                               f"give '-', as in: w2v train --resume {path} - < corpus")
    output_given = ctx.get_parameter_source("output") is not click.core.ParameterSource.DEFAULT
    if not output_given and resume.output_path:
        output = resume.output_path
    return resume, paths, output, stored


def _init_plan(path, settings, given):
    from ..formats import load

    init = load(path)
    stored = dict(init.metadata.get("config", {}))
    if "dim" in given and init.vectors.shape[1] != settings["dim"]:
        raise click.UsageError(f"--init model has dimension {init.vectors.shape[1]}; "
                               f"drop --dim {settings['dim']}")
    merged = {**TrainConfig.from_dict(stored).to_dict(), "dim": int(init.vectors.shape[1])}
    merged.update({k: settings[k] for k in given})
    if "alpha" not in given:  # the learning rate restarts at the architecture's default
        merged["alpha"] = merged["min_alpha"] = None
    if "threads" not in given:
        merged["threads"] = None
    return init, merged


# `vocab` and `phrases` normalise text as `train` does: the same option, help and choices
_normalization_option = click.option(
    "--normalization", type=click.Choice(TRAIN_OPTIONS["normalization"].metadata["choices"]),
    default=TRAIN_OPTIONS["normalization"].default, show_default=True,
    help=TRAIN_OPTIONS["normalization"].metadata["help"])


@click.command(context_settings=CONTEXT)
@click.argument("corpus", nargs=-1, required=True)
@click.option("--min-count", default=1, show_default=True, type=click.IntRange(1),
              help="Leave out words seen fewer times.")
@click.option("--max-vocab-size", type=click.IntRange(1),
              help="Cap on distinct words held while counting (pruning rule as for train).")
@click.option("--lowercase/--keep-case", default=True, show_default=True)
@click.option("--strip-punctuation/--keep-punctuation", default=True, show_default=True)
@_normalization_option
def vocab(corpus, min_count, max_vocab_size, lowercase, strip_punctuation, normalization):
    """Count the words of CORPUS: prints word<TAB>count by descending count.

    Words are normalised as `w2v train` does, so the list can be edited and given back
    with `w2v train --read-vocab`.

    \b
      w2v vocab corpus.txt.gz | head
      w2v vocab --min-count 5 corpus.txt > vocab.tsv
    """
    from ..corpus import count_words
    from ..counting import WordCounter
    from ..tokenize import Tokenizer
    from ..vocab import Vocabulary
    from ..vocab_files import format_vocab

    counter = WordCounter(max_vocab_size)
    count_words(corpus_files(corpus), Tokenizer(lowercase, strip_punctuation, normalization),
                counter)
    words, _ = Vocabulary.from_counter(counter, min_count)
    out = sys.stdout.buffer
    text = format_vocab(words)
    for start in range(0, len(text), 1 << 20):
        out.write(text[start:start + (1 << 20)])
    out.flush()


@click.command(context_settings=CONTEXT)
@click.argument("corpus", nargs=-1, required=True)
@click.option("--threshold", type=float, default=None,
              help="Join pairs scoring above this [default: 100 for word2phrase, 0.5 for "
                   "npmi] [-threshold].")
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(1),
              help="Ignore words and pairs seen fewer times [-min-count].")
@click.option("--scoring", type=click.Choice(["word2phrase", "npmi"]), default="word2phrase",
              show_default=True, help="word2phrase.c's score, or gensim's normalised PMI.")
@click.option("--passes", default=1, show_default=True, type=click.IntRange(1, 10),
              help="Passes; each can join pairs of phrases from the one before.")
@click.option("--max-vocab-size", default=40_000_000, show_default=True,
              type=click.IntRange(1), help="Cap on distinct words and pairs held.")
@click.option("--lowercase/--keep-case", default=True, show_default=True)
@click.option("--strip-punctuation/--keep-punctuation", default=True, show_default=True)
@_normalization_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def phrases(corpus, threshold, min_count, scoring, passes, max_vocab_size, lowercase,
            strip_punctuation, normalization, quiet):
    """Write CORPUS to stdout with frequent word pairs joined by '_' (new_york).

    The text comes out normalised as `w2v train` reads it, one line per input line.

    \b
      w2v phrases corpus.txt | w2v train - -o vectors.bin
      w2v phrases --passes 2 --scoring npmi corpus.txt.gz > phrased.txt
    """
    from ..phrases import PhraseSettings, write_phrases

    if threshold is None:
        threshold = 0.5 if scoring == "npmi" else 100.0
    settings = PhraseSettings(threshold, min_count, scoring, passes, max_vocab_size, lowercase,
                              strip_punctuation, normalization)
    log = None if quiet else (lambda message: click.echo(message, err=True))
    write_phrases(corpus_files(corpus), settings, sys.stdout.buffer, log)
