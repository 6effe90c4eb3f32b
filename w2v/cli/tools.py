"""`w2v info`, `w2v export`, `w2v plot` and `w2v plot-report`: looking at models and runs.

Does not: draw or convert anything itself (see `plot`, `formats`).
"""

from __future__ import annotations

import json
import os

import click

from .common import (
    CONTEXT,
    cell,
    json_option,
    load_file,
    load_vectors,
    model_option,
    unicode_errors_option,
)


@click.command(context_settings=CONTEXT)
@model_option
@json_option
@unicode_errors_option
def info(model, as_json, unicode_errors):
    """Describe a model: format, size, dimension, and the settings and corpus statistics a
    native model keeps.

    \b
      w2v info -m vectors.w2v
      w2v info --json | jq .config
    """
    import numpy as np

    path = model
    f = load_file(path, unicode_errors)
    meta = f.metadata
    facts = {"file": path, "format": f.format, "bytes": os.path.getsize(path),
             "words": len(f.words), "dim": int(f.vectors.shape[1])}
    if f.counts is not None:
        facts["corpus_words_in_vocabulary"] = int(np.asarray(f.counts).sum())
    if f.ngrams is not None:  # rows held: the reached buckets (native) or all (fastText .bin)
        facts["ngram_rows"] = len(f.ngrams.buckets)
    if as_json:
        click.echo(json.dumps({**facts, **{k: v for k, v in meta.items()}}))
        return
    rows = list(facts.items())
    for section in ("subwords", "fasttext"):  # n-gram settings; a fastText model's arguments
        rows += [(f"{section}.{k}", v) for k, v in meta.get(section, {}).items()]
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
        click.echo(f"{key}\t{cell(value)}")


@click.command(context_settings=CONTEXT)
@model_option
@click.option("--projector", type=click.Path(file_okay=False), metavar="DIR",
              help="Write vectors.tsv and metadata.tsv for TensorBoard's Embedding Projector.")
@click.option("--format", "fmt", type=click.Choice(["native", "bin", "txt", "vec", "glove"]),
              help="Convert to this format (write it with -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Converted file.")
@click.option("--limit", type=click.IntRange(1), help="Only the N most frequent words.")
@unicode_errors_option
def export(model, projector, fmt, output, limit, unicode_errors):
    """Convert a model between formats, or export it for the Embedding Projector.

    \b
      w2v export -m vectors.w2v --format bin -o vectors.bin
      w2v export -m vectors.bin --format glove --limit 50000 -o glove.txt
      w2v export -m vectors.w2v --projector projector/ --limit 10000
    """
    import numpy as np

    from ..atomic import check_writable
    from ..formats import save_glove, save_native, save_projector, save_word2vec

    if not projector and not fmt:
        raise click.UsageError("say what to write: --projector DIR, or --format FMT -o FILE")
    if fmt and not output:
        raise click.UsageError("--format needs -o FILE")
    if output:
        check_writable(output)
    f = load_file(model, unicode_errors)
    words, vectors = f.words[:limit], np.asarray(f.vectors[:limit])
    if fmt == "native":
        counts = None if f.counts is None else np.asarray(f.counts[:limit])
        save_native(output, words, vectors, None, counts, {**f.metadata, "exported_from": model})
    elif fmt in ("bin", "txt", "vec"):
        save_word2vec(output, words, vectors, binary=fmt == "bin")
    elif fmt == "glove":
        save_glove(output, words, vectors)
    if projector:
        save_projector(projector, words, vectors)


def _size(ctx, param, value):
    try:
        width, height = (int(x) for x in value.lower().split("x"))
        if not (50 <= width <= 10_000 and 50 <= height <= 10_000):
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"'{value}' is not WIDTHxHEIGHT in pixels, "
                                 f"each 50 to 10000") from None
    return width, height


@click.command(context_settings=CONTEXT)
@click.argument("words", nargs=-1, required=True)
@model_option
@click.option("-o", "--output", default="map.png", show_default=True,
              type=click.Path(dir_okay=False), help="Image: .png, .svg or .pdf.")
@click.option("--neighbours", default=0, show_default=True, type=click.IntRange(0, 100),
              help="Also draw each word's N nearest neighbours.")
@click.option("--size", default="1000x800", show_default=True, callback=_size,
              help="Image size in pixels, WIDTHxHEIGHT.")
@unicode_errors_option
def plot(words, model, output, neighbours, size, unicode_errors):
    """Draw WORDS on a 2-D map (PCA of their vectors), coloured by query word.

    Needs matplotlib: pip install 'w2v[plot]'.

    \b
      w2v plot king queen man woman -o map.png
      w2v plot france guitar physics --neighbours 8 -o map.svg
    """
    from ..atomic import check_writable
    from ..plot import image_format, word_map

    image_format(output)
    check_writable(output)
    word_map(load_vectors(model, unicode_errors), list(words), output, neighbours, size)


@click.command("plot-report", context_settings=CONTEXT)
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
    from ..atomic import check_writable
    from ..errors import W2VError
    from ..plot import image_format, report_chart

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
