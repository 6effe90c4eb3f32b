"""The `w2v` command line: parses options, calls the library, reports errors in one line.

Exit status: 0 success, 1 an error w2v reports (bad corpus, unreadable model, unknown word...),
2 a usage error (click), 130/143 interrupted. Results go to stdout, everything else to stderr.

Does not: contain training, file-format or query logic; each command is a thin wrapper.
"""

from __future__ import annotations

import json
import os
import sys

import click

from . import __version__
from .config import TRAIN_OPTIONS, TrainConfig
from .errors import TrainingInterrupted, W2VError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# boolean settings get an on/off pair of flags
_FLAG_NAMES = {"lowercase": "--lowercase/--keep-case",
               "strip_punctuation": "--strip-punctuation/--keep-punctuation",
               "hs": "--hs/--no-hs", "cbow_mean": "--cbow-mean/--cbow-sum",
               "shrink_windows": "--shrink-windows/--no-shrink-windows",
               "sorted_vocab": "--sorted-vocab/--no-sorted-vocab"}
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
    """


def _every(ctx, param, value):
    from .checkpoint import parse_every

    try:
        return parse_every(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command(context_settings=CONTEXT)
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
@_training_options
def train(corpus, output, quiet, checkpoint_path, checkpoint_every, resume_path, init_path,
          report_path, save_vocab, read_vocab, **settings):
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
    from .api import save
    from .atomic import check_writable
    from .training import train as run_training

    ctx = click.get_current_context()
    given = {k for k in settings
             if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT}
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
    corpus = _corpus_files(corpus)
    check_writable(output)
    given_vocab = _read_vocab(read_vocab) if read_vocab else None
    for extra in (save_vocab, report_path):
        if extra:
            check_writable(extra)
    checkpoint_path = checkpoint_path or f"{output}.checkpoint"
    check_writable(checkpoint_path)
    model = run_training(list(corpus), config, progress=not quiet,
                         checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every,
                         resume=resume, init=init, output_path=output, given_vocab=given_vocab,
                         on_vocabulary=_vocab_saver(save_vocab) if save_vocab else None)
    save(model, output)
    if report_path:
        from .api import save_report

        save_report(model, report_path)
    for done in {checkpoint_path, resume_path} - {None}:
        if os.path.exists(done):  # the finished output supersedes it
            os.unlink(done)
    if not quiet:
        click.echo(f"wrote {len(model.vocab):,} vectors of dimension {model.config.dim} "
                   f"to {output}", err=True)


def _read_vocab(path: str):
    from .errors import CorpusError
    from .vocab import read_vocab_file

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
    from .atomic import atomic_write
    from .vocab import format_vocab

    def save(vocab) -> None:
        with atomic_write(path) as f:
            f.write(format_vocab(vocab))

    return save


def _resume_plan(path, corpus, output, settings, given, ctx):
    from .checkpoint import load_checkpoint

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
    from .formats import load

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


@cli.command(context_settings=CONTEXT)
@click.argument("corpus", nargs=-1, required=True)
@click.option("--min-count", default=1, show_default=True, type=click.IntRange(1),
              help="Leave out words seen fewer times.")
@click.option("--max-vocab-size", type=click.IntRange(1),
              help="Cap on distinct words held while counting (pruning rule as for train).")
@click.option("--lowercase/--keep-case", default=True, show_default=True)
@click.option("--strip-punctuation/--keep-punctuation", default=True, show_default=True)
def vocab(corpus, min_count, max_vocab_size, lowercase, strip_punctuation):
    """Count the words of CORPUS: prints word<TAB>count by descending count.

    Words are normalised as `w2v train` does, so the list can be edited and given back
    with `w2v train --read-vocab`.

    \b
      w2v vocab corpus.txt.gz | head
      w2v vocab --min-count 5 corpus.txt > vocab.tsv
    """
    from .corpus import count_words
    from .tokenize import Tokenizer
    from .vocab import Vocabulary, WordCounter, format_vocab

    counter = WordCounter(max_vocab_size)
    count_words(_corpus_files(corpus), Tokenizer(lowercase, strip_punctuation), counter)
    words, _ = Vocabulary.from_counter(counter, min_count)
    out = sys.stdout.buffer
    text = format_vocab(words)
    for start in range(0, len(text), 1 << 20):
        out.write(text[start:start + (1 << 20)])
    out.flush()


@cli.command(context_settings=CONTEXT)
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
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def phrases(corpus, threshold, min_count, scoring, passes, max_vocab_size, lowercase,
            strip_punctuation, quiet):
    """Write CORPUS to stdout with frequent word pairs joined by '_' (new_york).

    The text comes out normalised as `w2v train` reads it, one line per input line.

    \b
      w2v phrases corpus.txt | w2v train - -o vectors.bin
      w2v phrases --passes 2 --scoring npmi corpus.txt.gz > phrased.txt
    """
    from .phrases import PhraseSettings, write_phrases

    if threshold is None:
        threshold = 0.5 if scoring == "npmi" else 100.0
    settings = PhraseSettings(threshold, min_count, scoring, passes, max_vocab_size, lowercase,
                              strip_punctuation)
    log = None if quiet else (lambda message: click.echo(message, err=True))
    write_phrases(_corpus_files(corpus), settings, sys.stdout.buffer, log)


# ---------------------------------------------------------------- queries

_model_option = click.option(
    "-m", "--model", envvar="W2V_MODEL", default="vectors.w2v", show_default=True,
    help="Vector file (native, word2vec .bin/.txt, fastText .vec, GloVe); default $W2V_MODEL.")
_json_option = click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")


def _load_vectors(path: str):
    from .errors import ModelFormatError
    from .vectors import WordVectors

    try:
        return WordVectors.load(path)
    except ModelFormatError as exc:
        if not os.path.exists(path):
            raise ModelFormatError(f"{path}: no such file; train one with 'w2v train CORPUS', "
                                   f"or name one with -m or $W2V_MODEL") from None
        raise exc


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


def _stdin_lines():
    """Non-empty stdin lines with their line numbers."""
    for number, line in enumerate(sys.stdin, 1):
        if line.strip():
            yield number, line.split()


@cli.command(context_settings=CONTEXT)
@click.argument("words", nargs=-1)
@_model_option
@click.option("-n", "--topn", default=10, show_default=True, type=click.IntRange(1),
              help="How many neighbours.")
@click.option("--minus", multiple=True, help="A word counted negatively (repeatable).")
@_json_option
def similar(words, model, topn, minus, as_json):
    """Nearest neighbours of WORDS (the mean of their unit vectors) by cosine similarity.

    With no WORDS, each stdin line is one query, where '-word' counts negatively; the
    answers then name their query.

    \b
      w2v similar lettuce
      w2v similar king woman --minus man -n 3
      printf 'paris\\nking -man woman\\n' | w2v similar --json
    """
    wv = _load_vectors(model)
    if words:
        (answers,) = wv.most_similar_batch([(list(words), list(minus))], topn)
        query = _query_text(words, minus)
        for word, sim in answers:
            _emit(as_json, {"query": query, "word": word, "similarity": sim}, [word, sim])
        return
    failed = 0
    pending: list[tuple[int, list[str], list[str]]] = []
    for number, tokens in _stdin_lines():
        positive = [t for t in tokens if not (t.startswith("-") and len(t) > 1)]
        negative = [t[1:] for t in tokens if t.startswith("-") and len(t) > 1]
        pending.append((number, positive, negative))
    queries = []
    for number, positive, negative in pending:
        missing = _first_unknown(wv, positive + negative)
        if missing:
            click.echo(f"line {number}: {missing}", err=True)
            failed += 1
        else:
            queries.append((positive, negative))
    for (positive, negative), answers in zip(queries, wv.most_similar_batch(queries, topn)):
        query = _query_text(positive, negative)
        for word, sim in answers:
            _emit(as_json, {"query": query, "word": word, "similarity": sim}, [query, word, sim])
    if failed:
        raise click.exceptions.Exit(1)


def _query_text(positive, negative) -> str:
    return " ".join(list(positive) + [f"-{w}" for w in negative])


def _first_unknown(wv, words) -> str | None:
    from .errors import UnknownWordError

    for word in words:
        try:
            wv.id(word)
        except UnknownWordError as exc:
            return str(exc)
    return None


@cli.command(context_settings=CONTEXT)
@click.argument("words", nargs=-1)
@_model_option
@click.option("-n", "--topn", default=1, show_default=True, type=click.IntRange(1),
              help="How many answers per question.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="3CosAdd (b - a + c) or 3CosMul (Levy and Goldberg 2014).")
@_json_option
def analogy(words, model, topn, method, as_json):
    """Answer A:B :: C:? -- the word D with W(A) - W(B) ~ W(C) - W(D).

    \b
      w2v analogy man king woman        # queen
    With no arguments, each stdin line 'A B C' (or 'A B C D', then also whether D was
    found) is one question:
    \b
      grep -v '^:' questions-words.txt | w2v analogy --json
    """
    wv = _load_vectors(model)
    if words:
        if len(words) != 3:
            raise click.UsageError(f"analogy takes three words A B C, got {len(words)}")
        a, b, c = words
        for answer, sim in wv.analogy(a, b, c, topn, method):
            _emit(as_json, {"a": a, "b": b, "c": c, "answer": answer, "similarity": sim},
                  [answer, sim])
        return
    questions, failed = [], 0
    for number, tokens in _stdin_lines():
        if len(tokens) not in (3, 4):
            click.echo(f"line {number}: expected 'A B C' or 'A B C D', got {len(tokens)} words",
                       err=True)
            failed += 1
            continue
        missing = _first_unknown(wv, tokens[:3])
        if missing:
            click.echo(f"line {number}: {missing}", err=True)
            failed += 1
            continue
        questions.append(tokens)
    correct = 0
    answers = wv.analogy_batch([tuple(q[:3]) for q in questions], topn, method)
    for q, ranked in zip(questions, answers):
        a, b, c = q[:3]
        for answer, sim in ranked:
            record = {"a": a, "b": b, "c": c, "answer": answer, "similarity": sim}
            columns = [a, b, c, answer, sim]
            if len(q) == 4:
                hit = any(w.lower() == q[3].lower() for w, _ in ranked)
                record.update(expected=q[3], correct=hit)
                columns += [q[3], hit]
            _emit(as_json, record, columns)
        if len(q) == 4:
            correct += any(w.lower() == q[3].lower() for w, _ in ranked)
    scored = sum(len(q) == 4 for q in questions)
    if scored:
        click.echo(f"correct: {correct}/{scored} ({correct / scored:.2%})", err=True)
    if failed:
        raise click.exceptions.Exit(1)


@cli.command(context_settings=CONTEXT)
@_model_option
@click.option("--analogies", type=click.Path(dir_okay=False),
              help="Analogy questions (questions-words.txt format); default: the bundled set.")
@click.option("--pairs", multiple=True, type=click.Path(dir_okay=False),
              help="Word pairs with scores, tab-separated (repeatable); default: the bundled "
                   "WordSim353 and SimLex-999.")
@click.option("--restrict", default=30_000, show_default=True, type=click.IntRange(0),
              help="Only the N most frequent words answer and are asked (0: all).")
@_json_option
def evaluate(model, analogies, pairs, restrict, as_json):
    """Score vectors on analogy and word-similarity benchmarks (as gensim scores them).

    Without --analogies or --pairs, runs the bundled Google analogies, WordSim353 and
    SimLex-999.

    \b
      w2v evaluate -m vectors.bin
      w2v evaluate --pairs my-pairs.tsv --json | jq .pairs
    """
    from . import evaluate as ev

    wv = _load_vectors(model)
    if not analogies and not pairs:
        analogies, pairs = ev.DEFAULT_ANALOGIES, ev.DEFAULT_PAIRS
    restrict = restrict or None
    result: dict = {}
    rows = []
    if analogies:
        _check_readable(analogies)
        res = ev.evaluate_analogies(wv, analogies, restrict)
        result["analogies"] = res.to_dict()
        name = os.path.basename(analogies)
        for sec in res.sections + [_named(res.semantic, "semantic"),
                                   _named(res.syntactic, "syntactic"),
                                   _named(res.overall, "total")]:
            rows.append([name, sec.name, sec.accuracy, sec.correct, sec.total, sec.skipped])
    if pairs:
        result["pairs"] = {}
        for path in pairs:
            _check_readable(path)
            res = ev.evaluate_pairs(wv, path)
            result["pairs"][os.path.basename(path)] = res.to_dict()
            name = os.path.basename(path)
            rows += [[name, "spearman", res.spearman], [name, "pearson", res.pearson],
                     [name, "oov", res.oov]]
    if as_json:
        click.echo(json.dumps(result))
    else:
        for row in rows:
            click.echo("\t".join(_cell(c) for c in row))


@cli.command(context_settings=CONTEXT)
@_model_option
@_json_option
def info(model, as_json):
    """Describe a model: format, size, dimension, and the settings and corpus statistics a
    native model keeps.

    \b
      w2v info -m vectors.w2v
      w2v info --json | jq .config
    """
    import numpy as np

    from .formats import load

    path = model
    if not os.path.exists(path):
        _load_vectors(path)  # the usual error, with its hint
    f = load(path)
    meta = f.metadata
    facts = {"file": path, "format": f.format, "bytes": os.path.getsize(path),
             "words": len(f.words), "dim": int(f.vectors.shape[1])}
    if f.counts is not None:
        facts["corpus_words_in_vocabulary"] = int(np.asarray(f.counts).sum())
    if as_json:
        click.echo(json.dumps({**facts, **{k: v for k, v in meta.items()}}))
        return
    rows = list(facts.items())
    rows += [(f"config.{k}", v) for k, v in meta.get("config", {}).items()]
    corpus = meta.get("corpus", {})
    rows += [(f"corpus.{k}", v) for k, v in corpus.items() if k != "paths"]
    if corpus.get("paths"):
        rows.append(("corpus.paths", " ".join(corpus["paths"])))
    training = meta.get("training", {})
    rows += [(f"training.{k}", v) for k, v in training.items() if k != "epochs"]
    for e in training.get("epochs", []):
        rows.append((f"training.epoch{e['epoch']}.loss", e["loss"] / max(e["predictions"], 1)))
    for key, value in rows:
        click.echo(f"{key}\t{_cell(value)}")


@cli.command(context_settings=CONTEXT)
@_model_option
@click.option("--projector", type=click.Path(file_okay=False), metavar="DIR",
              help="Write vectors.tsv and metadata.tsv for TensorBoard's Embedding Projector.")
@click.option("--format", "fmt", type=click.Choice(["native", "bin", "txt", "vec", "glove"]),
              help="Convert to this format (write it with -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Converted file.")
@click.option("--limit", type=click.IntRange(1), help="Only the N most frequent words.")
def export(model, projector, fmt, output, limit):
    """Convert a model between formats, or export it for the Embedding Projector.

    \b
      w2v export -m vectors.w2v --format bin -o vectors.bin
      w2v export -m vectors.bin --format glove --limit 50000 -o glove.txt
      w2v export -m vectors.w2v --projector projector/ --limit 10000
    """
    import numpy as np

    from .atomic import atomic_write, check_writable
    from .formats import load, save_native, save_word2vec

    if not projector and not fmt:
        raise click.UsageError("say what to write: --projector DIR, or --format FMT -o FILE")
    if fmt and not output:
        raise click.UsageError("--format needs -o FILE")
    if output:
        check_writable(output)
    if not os.path.exists(model):
        _load_vectors(model)
    f = load(model)
    words, vectors = f.words[:limit], np.asarray(f.vectors[:limit])
    if fmt == "native":
        counts = None if f.counts is None else np.asarray(f.counts[:limit])
        save_native(output, words, vectors, None, counts, {**f.metadata, "exported_from": model})
    elif fmt in ("bin", "txt", "vec"):
        save_word2vec(output, words, vectors, binary=fmt == "bin")
    elif fmt == "glove":
        with atomic_write(output) as out:
            row = "%f " * vectors.shape[1]
            out.write("".join(f"{w} {(row % tuple(v)).rstrip()}\n"
                              for w, v in zip(words, vectors.tolist())).encode())
    if projector:
        os.makedirs(projector, exist_ok=True)
        with atomic_write(os.path.join(projector, "vectors.tsv")) as out:
            out.write("".join("\t".join(f"{x:.6g}" for x in v) + "\n"
                              for v in vectors.tolist()).encode())
        with atomic_write(os.path.join(projector, "metadata.tsv")) as out:
            out.write("".join(w + "\n" for w in words).encode())


def _size(ctx, param, value):
    try:
        width, height = (int(x) for x in value.lower().split("x"))
        if not (50 <= width <= 10_000 and 50 <= height <= 10_000):
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"'{value}' is not WIDTHxHEIGHT in pixels, "
                                 f"each 50 to 10000") from None
    return width, height


@cli.command(context_settings=CONTEXT)
@click.argument("words", nargs=-1, required=True)
@_model_option
@click.option("-o", "--output", default="map.png", show_default=True,
              type=click.Path(dir_okay=False), help="Image: .png, .svg or .pdf.")
@click.option("--neighbours", default=0, show_default=True, type=click.IntRange(0, 100),
              help="Also draw each word's N nearest neighbours.")
@click.option("--size", default="1000x800", show_default=True, callback=_size,
              help="Image size in pixels, WIDTHxHEIGHT.")
def plot(words, model, output, neighbours, size):
    """Draw WORDS on a 2-D map (PCA of their vectors), coloured by query word.

    Needs matplotlib: pip install 'w2v[plot]'.

    \b
      w2v plot king queen man woman -o map.png
      w2v plot france guitar physics --neighbours 8 -o map.svg
    """
    from .atomic import check_writable
    from .plot import image_format, word_map

    image_format(output)
    check_writable(output)
    word_map(_load_vectors(model), list(words), output, neighbours, size)


@cli.command("plot-report", context_settings=CONTEXT)
@click.argument("report", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", default="report.png", show_default=True,
              type=click.Path(dir_okay=False), help="Image: .png, .svg or .pdf.")
@click.option("--size", default="1000x600", show_default=True, callback=_size,
              help="Image size in pixels, WIDTHxHEIGHT.")
def plot_report(report, output, size):
    """Draw loss and throughput per epoch from a `w2v train --report` file.

    \b
      w2v train corpus.txt --report run.json && w2v plot-report run.json -o loss.png
    """
    from .atomic import check_writable
    from .errors import W2VError
    from .plot import image_format, report_chart

    image_format(output)
    check_writable(output)
    try:
        with open(report, encoding="utf-8") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError):
        raise W2VError(f"{report}: not a JSON training report") from None
    if not isinstance(data, dict):
        raise W2VError(f"{report}: not a JSON training report")
    report_chart(data, output, size)


def _named(section, name):
    section.name = name
    return section


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
