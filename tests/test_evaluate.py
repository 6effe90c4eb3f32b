"""Benchmark scores: our evaluator against gensim's on the same vectors, and the helpers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from w2v import evaluate as ev
from w2v.vectors import WordVectors


def test_bundled_benchmarks_are_complete():
    sections = ev.read_analogies(ev.DEFAULT_ANALOGIES)
    assert len(sections) == 14 and sum(len(q) for _, q in sections) == 19544
    assert [len(ev.read_pairs(p)) for p in ev.DEFAULT_PAIRS] == [353, 999]


def test_spearman_handles_ties_like_scipy():
    x = np.array([1.0, 2.0, 2.0, 3.0, 5.0, 4.0])
    y = np.array([2.0, 1.0, 3.0, 3.0, 6.0, 5.0])
    assert ev._ranks(x).tolist() == [1.0, 2.5, 2.5, 4.0, 6.0, 5.0]
    scipy_stats = pytest.importorskip("scipy.stats")
    assert ev._pearson(ev._ranks(x), ev._ranks(y)) == pytest.approx(
        scipy_stats.spearmanr(x, y).statistic)


@pytest.fixture(scope="module")
def both(demo_vectors):
    """The same demo vectors as our WordVectors and as gensim KeyedVectors."""
    gensim = pytest.importorskip("gensim.models")
    kv = gensim.KeyedVectors.load_word2vec_format(str(demo_vectors), binary=True)
    return WordVectors.load(str(demo_vectors)), kv


class TestAgreementWithGensim:
    def test_analogies_agree(self, both):
        ours, kv = both
        result = ev.evaluate_analogies(ours, restrict=30_000)
        score, sections = kv.evaluate_word_analogies(ev.DEFAULT_ANALOGIES, restrict_vocab=30_000,
                                                     case_insensitive=True)
        assert result.overall.total > 1000  # enough questions for the comparison to mean much
        assert result.overall.accuracy == pytest.approx(score, abs=0.001)
        theirs = {s["section"]: len(s["correct"]) for s in sections}
        for section in result.sections:
            assert section.correct == pytest.approx(theirs[section.name], abs=2)

    @pytest.mark.parametrize("which", [0, 1])
    def test_pairs_agree(self, both, which):
        ours, kv = both
        path = ev.DEFAULT_PAIRS[which]
        result = ev.evaluate_pairs(ours, path)
        pearson, spearman, oov = kv.evaluate_word_pairs(path)
        assert result.spearman == pytest.approx(spearman.statistic, abs=0.001)
        assert result.pearson == pytest.approx(pearson.statistic, abs=0.001)
        assert result.oov * 100 == pytest.approx(oov, abs=0.1)


# ---------------------------------------------------------------- all words (subword models)

@pytest.fixture(scope="module")
def fasttext_model(tmp_path_factory, topic_corpus):
    """A tiny gensim FastText model saved as fastText .bin: (gensim model, its path)."""
    gensim = pytest.importorskip("gensim.models")
    sentences = [line.split() for line in topic_corpus.read_text().splitlines()]
    model = gensim.FastText(sentences, vector_size=16, window=3, min_count=2, epochs=3,
                            bucket=5000, min_n=4, max_n=5, workers=1, seed=1)
    path = tmp_path_factory.mktemp("ft") / "ft.bin"
    gensim.fasttext.save_facebook_model(model, str(path))
    return model, path


RESTRICT = 20  # the 20 most frequent words answer: the rest of the vocabulary is outside


def _by_hand(model, restrict, a, b, c):
    """gensim's vectors (fastText's rule for unseen words): the answer to a:b :: c:? among the
    `restrict` most frequent words, and its margin over the runner-up."""
    def unit(w):
        v = np.asarray(model.wv[w], dtype=np.float64)
        return v / np.linalg.norm(v)

    candidates = model.wv.index_to_key[:restrict]
    target = unit(b) - unit(a) + unit(c)
    scores = sorted(((float(unit(w) @ target) / np.linalg.norm(target), w) for w in candidates
                     if w not in (a, b, c)), reverse=True)
    return scores[0][1], scores[0][0] - scores[1][0]


def _questions(model):
    """Questions with unseen words ('cats', 'cheeses'), answers outside the restricted words and
    a word with no 4-gram ('q': '<q>'); each expected answer right or wrong by construction."""
    vocab = model.wv.index_to_key
    wrong = vocab[RESTRICT - 1]
    triples = [("cat", "dog", "car"), ("bread", "cheese", "bus"), ("cats", "dog", "car"),
               ("cat", "dogs", "cheeses"), ("cow", "buses", "apple"), ("soup", "cake", "trams")]
    right, lines = 0, [": animals"]
    for i, (a, b, c) in enumerate(triples):
        answer, margin = _by_hand(model, RESTRICT, a, b, c)
        assert margin > 1e-5, "a near tie: pick other words"  # both read the same floats
        expected = answer if i % 2 == 0 else (wrong if wrong != answer else vocab[0])
        right += expected == answer
        lines.append(f"{a} {b} {c} {expected}")
    lines += [": gram-plural", "cat cats dog dogs",  # 'dogs' is unseen: never a candidate
              f"cat dog {vocab[0]} {vocab[-1]}",  # the answer lies outside the 20 words
              "cat q dog horse"]  # 'q' has no 4-gram: wrong
    return "\n".join(lines) + "\n", right


def test_all_words_analogies_score_every_question_by_hand(fasttext_model, tmp_path):
    model, path = fasttext_model
    wv = WordVectors.load(str(path))
    assert wv.subwords is not None and wv.words[:RESTRICT] == model.wv.index_to_key[:RESTRICT]
    text, right = _questions(model)
    questions = tmp_path / "q.txt"
    questions.write_text(text)
    result = ev.evaluate_analogies_all_words(wv, str(questions), restrict=RESTRICT)
    total = result.overall
    assert (total.correct, total.total, total.no_ngram) == (right, 9, 1) and right >= 2
    words = [line.split() for line in text.splitlines() if not line.startswith(":")]
    vocab, restricted = set(model.wv.index_to_key), set(model.wv.index_to_key[:RESTRICT])
    vocab.add("q")  # without any n-gram: counted in no_ngram, not as unseen
    assert total.unseen == sum(not set(q) <= vocab for q in words) == 5
    assert total.outside == sum(not set(q) <= restricted for q in words)
    vocab_only = ev.evaluate_analogies(wv, str(questions), restrict=RESTRICT)
    assert total.outside == vocab_only.overall.skipped  # what the in-vocabulary score skips
    assert result.to_dict()["sections"]["gram-plural"] == {
        "accuracy": 0.0, "correct": 0, "total": 3, "outside": 3, "unseen": 1, "no_ngram": 1}


def test_all_words_pairs_spearman_matches_a_hand_computation(fasttext_model, tmp_path):
    scipy_stats = pytest.importorskip("scipy.stats")
    model, path = fasttext_model
    wv = WordVectors.load(str(path))
    rows = [("cat", "dog", 8.0), ("cats", "dogs", 7.5), ("cheeses", "bread", 6.0),
            ("car", "buses", 5.0), ("cat", "cheese", 1.5), ("trams", "soup", 1.0),
            ("horse", "cake", 2.0), ("q", "cat", 3.0)]  # 'q': no 4-gram, left out
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{a}\t{b}\t{s}\n" for a, b, s in rows))
    result = ev.evaluate_pairs_all_words(wv, str(pairs), restrict=RESTRICT)

    def cosine(a, b):
        va, vb = np.asarray(model.wv[a], np.float64), np.asarray(model.wv[b], np.float64)
        return va @ vb / np.linalg.norm(va) / np.linalg.norm(vb)

    scored = rows[:-1]
    expected = scipy_stats.spearmanr([s for *_, s in scored],
                                     [cosine(a, b) for a, b, _ in scored]).statistic
    assert result.spearman == pytest.approx(expected, abs=1e-9)
    assert (result.pairs, result.left_out, result.unseen) == (7, 1, 4)
    restricted = set(model.wv.index_to_key[:RESTRICT])
    assert result.outside == sum(not {a, b} <= restricted for a, b, _ in rows)
    assert result.oov == pytest.approx(1 / 8)
    assert ev.evaluate_pairs(wv, str(pairs), restrict=RESTRICT).pairs < result.pairs


def _cli(*args):
    from click.testing import CliRunner

    from w2v.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_evaluate_command_adds_the_all_words_scope_for_subword_models(fasttext_model,
                                                                      tmp_path):
    model, path = fasttext_model
    questions = tmp_path / "q.txt"
    questions.write_text(_questions(model)[0])
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cheese\tcake\t8\ncats\tdogs\t7\ncar\tbus\t6\nq\tcat\t1\n")
    args = ["evaluate", "-m", path, "--analogies", questions, "--pairs", pairs,
            "--restrict", RESTRICT]
    result = _cli(*args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["analogies"]["all_words"]["total"] == 9
    assert data["analogies"]["total"] + data["analogies"]["skipped"] == 9
    assert data["pairs"]["pairs.tsv"]["all_words"]["left_out"] == 1
    assert "q.txt, all words: " in result.stderr and "9 questions" in result.stderr
    assert "1 with a word without any known n-gram, counted wrong" in result.stderr
    assert "pairs.tsv, all words: 2 of 4 pairs" in result.stderr
    rows = [line.split("\t") for line in _cli(*args).stdout.splitlines()]
    assert [r[1] for r in rows if r[1].startswith("all:")] == [
        "all:semantic", "all:syntactic", "all:total", "all:spearman", "all:pearson", "all:oov"]
    assert [r for r in rows if r[1] == "all:total"][0][4] == "9"


def test_evaluate_output_of_plain_models_is_unchanged(demo_vectors):
    result = _cli("evaluate", "-m", demo_vectors, "--json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert set(data["analogies"]) == {"accuracy", "semantic", "syntactic", "correct", "total",
                                      "skipped", "sections"}
    assert set(data["pairs"]["wordsim353.tsv"]) == {"spearman", "pearson", "pairs", "oov"}
    rows = [line.split("\t") for line in _cli("evaluate", "-m", demo_vectors).stdout.splitlines()]
    assert len(rows) == 14 + 3 + 2 * 3 and not any(r[1].startswith("all:") for r in rows)
