"""`w2v similar`, `w2v analogy`, `w2v evaluate` and `w2v vectors`: queries on trained vectors.

Output is tab-separated text, or JSON lines with --json; with no words on the command line,
`similar`, `analogy` and `vectors` answer one query per stdin line. This path never imports
numba.

Does not: compute similarities itself (see `vectors`, `evaluate`).
"""

from __future__ import annotations

import json
import os

import click

from .common import (
    CONTEXT,
    cell,
    check_readable,
    emit,
    json_option,
    load_vectors,
    model_option,
    stdin_batches,
    unicode_errors_option,
)


@click.command(context_settings=CONTEXT)
@click.argument("words", nargs=-1)
@model_option
@click.option("-n", "--topn", default=10, show_default=True, type=click.IntRange(1),
              help="How many neighbours.")
@click.option("--minus", multiple=True, help="A word counted negatively (repeatable).")
@json_option
@unicode_errors_option
def similar(words, model, topn, minus, as_json, unicode_errors):
    """Nearest neighbours of WORDS (the mean of their unit vectors) by cosine similarity.

    With no WORDS, each stdin line is one query, where '-word' counts negatively; the
    answers then name their query.

    \b
      w2v similar lettuce
      w2v similar king woman --minus man -n 3
      printf 'paris\\nking -man woman\\n' | w2v similar --json
    """
    wv = load_vectors(model, unicode_errors)
    if words:
        missing = _first_unknown(wv, list(words) + list(minus))
        if missing:
            raise click.ClickException(missing)
        (answers,) = wv.most_similar_batch([(list(words), list(minus))], topn)
        query = _query_text(words, minus)
        for word, sim in answers:
            emit(as_json, {"query": query, "word": word, "similarity": sim}, [word, sim])
        return
    failed = 0
    for batch in stdin_batches():
        queries = []
        for number, tokens in batch:
            positive = [t for t in tokens if not (t.startswith("-") and len(t) > 1)]
            negative = [t[1:] for t in tokens if t.startswith("-") and len(t) > 1]
            missing = _first_unknown(wv, positive + negative, f"line {number}: ")
            if missing:
                click.echo(f"line {number}: {missing}", err=True)
                failed += 1
            else:
                queries.append((positive, negative))
        for (positive, negative), answers in zip(queries, wv.most_similar_batch(queries, topn)):
            query = _query_text(positive, negative)
            for word, sim in answers:
                emit(as_json, {"query": query, "word": word, "similarity": sim},
                      [query, word, sim])
    if failed:
        raise click.exceptions.Exit(1)


@click.command(context_settings=CONTEXT)
@click.argument("words", nargs=-1)
@model_option
@click.option("--sentences", is_flag=True,
              help="One vector per line (per WORDS given), the mean of its words' unit vectors "
                   "(fastText's print-sentence-vectors).")
@click.option("--skip-unknown", is_flag=True,
              help="Leave out words not in the vocabulary instead of failing on them.")
@json_option
@unicode_errors_option
def vectors(words, model, sentences, skip_unknown, as_json, unicode_errors):
    """Print the vectors of WORDS, or of the words on stdin, one per line (fastText's
    print-word-vectors): the word, then its values, tab-separated.

    \b
      w2v vectors king queen
      cut -f1 pairs.tsv | w2v vectors --json > vectors.jsonl
      w2v vectors --sentences < sentences.txt
    """
    import numpy as np

    wv = load_vectors(model, unicode_errors)
    queries = [(0, list(words))] if sentences else [(0, [w]) for w in words]
    batches = [queries] if words else (
        stdin_batches() if sentences
        else ([(n, [t]) for n, tokens in batch for t in tokens] for batch in stdin_batches()))
    failed = 0
    for batch in batches:
        for number, tokens in batch:
            where = f"line {number}: " if number else ""
            if skip_unknown:
                tokens = [t for t in tokens if _first_unknown(wv, [t], where) is None]
                if not tokens:
                    continue
            else:
                missing = _first_unknown(wv, tokens, where)
                if missing and not number:
                    raise click.ClickException(missing)
                if missing:
                    click.echo(f"{where}{missing}", err=True)
                    failed += 1
                    continue
            vector = (wv.sentence_vector(tokens) if sentences
                      else np.asarray(wv[tokens[0]], dtype=np.float32))
            text = " ".join(tokens)
            values = [float(f"{x:.9g}") for x in vector]  # 9 digits round-trip float32
            if as_json:
                click.echo(json.dumps({"sentence" if sentences else "word": text,
                                       "vector": values}, ensure_ascii=False))
            else:
                click.echo(text + "\t" + "\t".join(f"{x:.6g}" for x in values))
    if failed:
        raise click.exceptions.Exit(1)


def _query_text(positive, negative) -> str:
    return " ".join(list(positive) + [f"-{w}" for w in negative])


def _first_unknown(wv, words, where: str = "") -> str | None:
    """Why the first of `words` has no vector, or None; a word of a subword model found only
    through its character n-grams gets a note on stderr."""
    from ..errors import UnknownWordError

    for word in words:
        try:
            wv.resolve(word)
        except UnknownWordError as exc:
            return str(exc)
        if wv.subwords is not None and not wv.knows(word):
            click.echo(f"{where}note: '{word}' is not in the vocabulary; its vector comes from "
                       f"its character n-grams", err=True)
    return None


@click.command(context_settings=CONTEXT)
@click.argument("words", nargs=-1)
@model_option
@click.option("-n", "--topn", default=1, show_default=True, type=click.IntRange(1),
              help="How many answers per question.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="3CosAdd (b - a + c) or 3CosMul (Levy and Goldberg 2014).")
@json_option
@unicode_errors_option
def analogy(words, model, topn, method, as_json, unicode_errors):
    """Answer A:B :: C:? -- the word D with W(A) - W(B) ~ W(C) - W(D).

    \b
      w2v analogy man king woman        # queen
    With no arguments, each stdin line 'A B C' (or 'A B C D', then also whether D was
    found) is one question:
    \b
      grep -v '^:' questions-words.txt | w2v analogy --json
    """
    wv = load_vectors(model, unicode_errors)
    if words:
        if len(words) != 3:
            raise click.UsageError(f"analogy takes three words A B C, got {len(words)}")
        a, b, c = words
        missing = _first_unknown(wv, words)
        if missing:
            raise click.ClickException(missing)
        for answer, sim in wv.analogy(a, b, c, topn, method):
            emit(as_json, {"a": a, "b": b, "c": c, "answer": answer, "similarity": sim},
                  [answer, sim])
        return
    failed = correct = scored = 0
    for batch in stdin_batches():
        questions = []
        for number, tokens in batch:
            if len(tokens) not in (3, 4):
                click.echo(f"line {number}: expected 'A B C' or 'A B C D', got {len(tokens)} "
                           f"words", err=True)
                failed += 1
                continue
            missing = _first_unknown(wv, tokens[:3], f"line {number}: ")
            if missing:
                click.echo(f"line {number}: {missing}", err=True)
                failed += 1
                continue
            questions.append(tokens)
        answers = wv.analogy_batch([tuple(q[:3]) for q in questions], topn, method)
        for q, ranked in zip(questions, answers):
            a, b, c = q[:3]
            hit = len(q) == 4 and any(w.lower() == q[3].lower() for w, _ in ranked)
            for answer, sim in ranked:
                record = {"a": a, "b": b, "c": c, "answer": answer, "similarity": sim}
                columns = [a, b, c, answer, sim]
                if len(q) == 4:
                    record.update(expected=q[3], correct=hit)
                    columns += [q[3], hit]
                emit(as_json, record, columns)
            scored += len(q) == 4
            correct += hit
    if scored:
        click.echo(f"correct: {correct}/{scored} ({correct / scored:.2%})", err=True)
    if failed:
        raise click.exceptions.Exit(1)


@click.command(context_settings=CONTEXT)
@model_option
@click.option("--analogies", type=click.Path(dir_okay=False),
              help="Analogy questions (questions-words.txt format); default: the bundled set.")
@click.option("--pairs", multiple=True, type=click.Path(dir_okay=False),
              help="Word pairs with scores, tab-separated (repeatable); default: the bundled "
                   "WordSim353 and SimLex-999.")
@click.option("--restrict", type=click.IntRange(0), metavar="N",
              help="Only the N most frequent words answer and are asked (0: all) [default: "
                   "30000 for analogies, 300000 for word pairs, as gensim's defaults].")
@json_option
@unicode_errors_option
def evaluate(model, analogies, pairs, restrict, as_json, unicode_errors):
    """Score vectors on analogy and word-similarity benchmarks (as gensim scores them).

    Without --analogies or --pairs, runs the bundled Google analogies, WordSim353 and
    SimLex-999. A model with subwords (fastText .bin) also gets a score over all questions
    and pairs, unseen words included (rows 'all:...', JSON 'all_words'), as fastText's
    evaluation gives; stderr says how many had unseen words.

    \b
      w2v evaluate -m vectors.bin
      w2v evaluate --pairs my-pairs.tsv --json | jq .pairs
    """
    from .. import evaluate as ev

    wv = load_vectors(model, unicode_errors)
    if not analogies and not pairs:
        analogies, pairs = ev.DEFAULT_ANALOGIES, ev.DEFAULT_PAIRS
    analogy_restrict = _restriction(restrict, ev.ANALOGY_RESTRICT)
    pairs_restrict = _restriction(restrict, ev.PAIRS_RESTRICT)
    result: dict = {}
    rows = []
    all_words = wv.subwords is not None  # every word has a vector: score every question too
    if analogies:
        check_readable(analogies)
        res = ev.evaluate_analogies(wv, analogies, analogy_restrict)
        result["analogies"] = res.to_dict()
        name = os.path.basename(analogies)
        for sec in res.sections + [_named(res.semantic, "semantic"),
                                   _named(res.syntactic, "syntactic"),
                                   _named(res.overall, "total")]:
            rows.append([name, sec.name, sec.accuracy, sec.correct, sec.total, sec.skipped])
        if all_words:
            res = ev.evaluate_analogies_all_words(wv, analogies, analogy_restrict)
            result["analogies"]["all_words"] = res.to_dict()
            for sec in [_named(res.semantic, "all:semantic"),
                        _named(res.syntactic, "all:syntactic"), _named(res.overall, "all:total")]:
                rows.append([name, sec.name, sec.accuracy, sec.correct, sec.total, 0])
            _note_unseen(name, "questions", res.overall.total, res.overall.outside,
                         res.overall.unseen, res.overall.no_ngram, analogy_restrict,
                         "counted wrong")
    if pairs:
        result["pairs"] = {}
        for path in pairs:
            check_readable(path)
            res = ev.evaluate_pairs(wv, path, pairs_restrict)
            result["pairs"][os.path.basename(path)] = res.to_dict()
            name = os.path.basename(path)
            rows += [[name, "spearman", res.spearman], [name, "pearson", res.pearson],
                     [name, "oov", res.oov]]
            if all_words:
                res = ev.evaluate_pairs_all_words(wv, path, pairs_restrict)
                result["pairs"][name]["all_words"] = res.to_dict()
                rows += [[name, "all:spearman", res.spearman], [name, "all:pearson", res.pearson],
                         [name, "all:oov", res.oov]]
                _note_unseen(name, "pairs", res.pairs + res.left_out, res.outside, res.unseen,
                             res.left_out, pairs_restrict, "left out")
    if as_json:
        click.echo(json.dumps(result))
    else:
        for row in rows:
            click.echo("\t".join(cell(c) for c in row))


def _restriction(given: int | None, default: int) -> int | None:
    """The vocabulary restriction in force: the given N (0: none), else the default."""
    if given is None:
        return default
    return given or None


def _named(section, name):
    section.name = name
    return section


def _note_unseen(name: str, items: str, total: int, outside: int, unseen: int, no_ngram: int,
                 restrict: int | None, fate: str) -> None:
    """Say on stderr how many items the all-words score added, and how many it could not score."""
    within = f"the {restrict:,} most frequent words" if restrict else "the vocabulary"
    note = (f"{name}, all words: {outside:,} of {total:,} {items} have a word outside {within}, "
            f"{unseen:,} a word not in the vocabulary (vector from its character n-grams)")
    if no_ngram:
        note += f"; {no_ngram:,} with a word without any known n-gram, {fate}"
    click.echo(note, err=True)
