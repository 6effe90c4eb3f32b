"""`w2v similar`, `analogy` and `evaluate` as a user runs them, in both output modes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import TOPICS
from w2v.formats import load, save_word2vec
from w2v.vectors import WordVectors


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, *args, input=None, env=None):
    return runner.invoke(__import__("w2v.cli").cli.cli, [str(a) for a in args], input=input,
                         env=env, catch_exceptions=False)


def test_similar_prints_tsv_neighbours_from_the_same_topic(runner, topic_model):
    result = run(runner, "similar", "cat", "-m", topic_model, "-n", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 3
    words = [line.split("\t")[0] for line in lines]
    sims = [float(line.split("\t")[1]) for line in lines]
    assert "cat" not in words and sims == sorted(sims, reverse=True)
    assert sum(w in TOPICS["animal"] for w in words) >= 2
    assert result.stderr == ""


def test_similar_json_lines(runner, topic_model):
    result = run(runner, "similar", "car", "bus", "--minus", "cat", "-m", topic_model, "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 10
    assert {r["query"] for r in records} == {"car bus -cat"}
    assert not {"car", "bus", "cat"} & {r["word"] for r in records}


def test_model_defaults_to_env_variable(runner, topic_model, tmp_path):
    result = run(runner, "similar", "cat", "-n", "1", env={"W2V_MODEL": str(topic_model)})
    assert result.exit_code == 0 and result.stdout.count("\n") == 1


def test_similar_stdin_queries_name_their_query(runner, topic_model):
    result = run(runner, "similar", "-m", topic_model, "-n", "2",
                 input="cat\n\ncar -cat bus\nlettuse\nbread\n")
    assert result.exit_code == 1  # one query failed, the others were answered
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["cat", "cat", "car bus -cat", "car bus -cat", "bread", "bread"]
    assert "line 4: 'lettuse' is not in the vocabulary" in result.stderr


def test_unknown_word_suggests_close_spellings(runner, topic_model):
    result = run(runner, "similar", "chese", "-m", topic_model)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: 'chese' is not in the vocabulary "
                                     "(did you mean: cheese?)")
    assert result.stdout == ""


def test_analogy_args_and_json(runner, tmp_path):
    words = ["man", "king", "woman", "queen", "apple"]
    vectors = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [0.2, -1, 0.3]], np.float32)
    path = tmp_path / "v.bin"
    save_word2vec(str(path), words, vectors, binary=True)
    result = run(runner, "analogy", "man", "king", "woman", "-m", path)
    answer, sim = result.stdout.strip().split("\t")
    assert answer == "queen" and float(sim) > 0.9
    result = run(runner, "analogy", "man", "king", "woman", "-m", path, "--json", "--method", "mul")
    assert json.loads(result.stdout)["answer"] == "queen"
    result = run(runner, "analogy", "-m", path, "--json",
                 input="man king woman queen\nman king woman apple\nking man\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["correct"] for r in records] == [True, False]
    assert records[0] == {"a": "man", "b": "king", "c": "woman", "answer": "queen",
                          "similarity": pytest.approx(float(sim)), "expected": "queen",
                          "correct": True}
    assert "line 3: expected 'A B C'" in result.stderr and "correct: 1/2" in result.stderr
    assert result.exit_code == 1
    assert run(runner, "analogy", "man", "king", "-m", path).exit_code == 2


@pytest.mark.parametrize("fmt", ["bin", "txt", "vec", "glove"])
def test_every_readable_format_gives_the_same_answers(runner, topic_model, tmp_path, fmt):
    native = load(str(topic_model))
    path = tmp_path / f"v.{fmt}"
    if fmt == "glove":
        path.write_text("".join(w + " " + " ".join(f"{x:.7g}" for x in v) + "\n"
                                for w, v in zip(native.words, native.vectors.tolist())))
    else:
        save_word2vec(str(path), native.words, native.vectors, binary=fmt == "bin")
    expected = run(runner, "similar", "cat", "-m", topic_model, "-n", "5").stdout
    got = run(runner, "similar", "cat", "-m", path, "-n", "5").stdout
    assert [line.split("\t")[0] for line in got.splitlines()] == \
        [line.split("\t")[0] for line in expected.splitlines()]


def test_missing_model_says_how_to_get_one(runner, tmp_path):
    result = run(runner, "similar", "cat", "-m", tmp_path / "nope.w2v")
    assert result.exit_code == 1 and "w2v train" in result.stderr


def test_evaluate_tsv_and_json(runner, tmp_path):
    words = ["man", "king", "woman", "queen", "paris", "france", "rome", "italy"]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(8, 4)).astype(np.float32)
    vectors[3] = vectors[1] - vectors[0] + vectors[2]  # queen = king - man + woman
    path = tmp_path / "v.bin"
    save_word2vec(str(path), words, vectors, binary=True)
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nman king woman queen\nman king woman unknownword\n"
                         ": gram-capitals\nparis france rome italy\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# comment\nking\tqueen\t8\nman\twoman\t7\nparis\trome\t3\nfoo\tbar\t1\n")
    result = run(runner, "evaluate", "-m", path, "--analogies", questions, "--pairs", pairs,
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["analogies"]["correct"] + (data["analogies"]["total"] - 2) >= 1
    assert data["analogies"]["skipped"] == 1 and data["analogies"]["total"] == 2
    assert data["analogies"]["sections"]["family"]["accuracy"] == 1.0
    assert data["pairs"]["pairs.tsv"]["oov"] == pytest.approx(0.25)
    tsv = run(runner, "evaluate", "-m", path, "--analogies", questions, "--pairs", pairs).stdout
    rows = [line.split("\t") for line in tsv.splitlines()]
    assert ["q.txt", "family", "1.000000", "1", "1", "1"] in rows
    assert any(r[:2] == ["pairs.tsv", "spearman"] for r in rows)


def test_head_closing_the_pipe_is_not_an_error(topic_model):
    proc = subprocess.run(f"{sys.executable} -m w2v similar cat -n 50 -m {topic_model} | head -1",
                          shell=True, capture_output=True, text=True)
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


def test_query_path_never_imports_numba(topic_model):
    code = ("import sys; from w2v.cli import main; sys.argv = ['w2v', 'similar', 'cat', '-m', "
            f"{str(topic_model)!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'numba' not in sys.modules, 'numba imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


class TestAgreementWithGensim:
    gensim = pytest.importorskip("gensim.models")

    def test_most_similar_and_analogy_match(self, topic_model):
        native = load(str(topic_model))
        kv = self.gensim.KeyedVectors(native.vectors.shape[1])
        kv.add_vectors(native.words, np.asarray(native.vectors))
        wv = WordVectors(native.words, native.vectors)
        ours = wv.most_similar(["cat", "bus"], ["bread"], topn=5)
        theirs = kv.most_similar(positive=["cat", "bus"], negative=["bread"], topn=5)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-5)
        ours = wv.analogy("cat", "dog", "car", topn=3, method="mul")
        theirs = kv.most_similar_cosmul(positive=["dog", "car"], negative=["cat"], topn=3)
        assert [w for w, _ in ours] == [w for w, _ in theirs]


def test_stdin_queries_are_answered_as_they_arrive(topic_model):
    """A query line gets its answer before stdin closes (`tail -f queries | w2v similar`)."""
    import select

    proc = subprocess.Popen([sys.executable, "-m", "w2v", "similar", "-m", str(topic_model),
                             "-n", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        proc.stdin.write("cat\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "no answer while stdin stays open"
        assert proc.stdout.readline().startswith("cat\t")
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait(timeout=30)


def test_evaluate_restrict_applies_to_word_pairs_too(runner, tmp_path):
    words = ["king", "queen", "man", "woman", "apple", "pear"]  # most frequent first
    vectors = np.random.default_rng(1).normal(size=(len(words), 5)).astype(np.float32)
    path = tmp_path / "v.bin"
    save_word2vec(str(path), words, vectors, binary=True)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tqueen\t9\nman\twoman\t8\nking\tman\t5\napple\tpear\t7\n")

    def found(*restrict):
        result = run(runner, "evaluate", "-m", path, "--pairs", pairs, "--json", *restrict)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["pairs"]["pairs.tsv"]["pairs"]

    assert found() == 4  # gensim's default for pairs: the 300,000 most frequent words
    assert found("--restrict", "4") == 3  # apple and pear are past the 4 most frequent
    assert found("--restrict", "0") == 4  # 0: no restriction


def test_vectors_prints_each_words_values(runner, topic_model):
    native = load(str(topic_model))
    result = run(runner, "vectors", "cat", "dog", "-m", topic_model)
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["cat", "dog"]
    for row in rows:
        expected = native.vectors[native.words.index(row[0])]
        np.testing.assert_allclose([float(x) for x in row[1:]], expected, rtol=1e-5, atol=1e-7)
    record = json.loads(run(runner, "vectors", "cat", "-m", topic_model, "--json").stdout)
    assert record["word"] == "cat" and len(record["vector"]) == native.vectors.shape[1]


def test_vectors_from_stdin_report_unknown_words_or_skip_them(runner, topic_model):
    result = run(runner, "vectors", "-m", topic_model, input="cat dog\nzzzz\nbus\n")
    assert result.exit_code == 1
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["cat", "dog", "bus"]
    assert "line 2: 'zzzz' is not in the vocabulary" in result.stderr
    result = run(runner, "vectors", "-m", topic_model, "--skip-unknown", input="zzzz cat\n")
    assert result.exit_code == 0 and result.stdout.startswith("cat\t")
    result = run(runner, "vectors", "zzzz", "-m", topic_model)
    assert result.exit_code == 1 and "not in the vocabulary" in result.stderr


def test_sentence_vectors_are_the_mean_of_unit_vectors(runner, topic_model):
    native = load(str(topic_model))
    result = run(runner, "vectors", "--sentences", "-m", topic_model,
                 input="cat dog\nbread cheese apple\n")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["cat dog", "bread cheese apple"]
    for row in rows:
        unit = [native.vectors[native.words.index(w)] for w in row[0].split()]
        unit = [v / np.linalg.norm(v) for v in unit]
        np.testing.assert_allclose([float(x) for x in row[1:]], np.mean(unit, axis=0),
                                   rtol=1e-5, atol=1e-6)
    args = run(runner, "vectors", "--sentences", "cat", "dog", "-m", topic_model).stdout
    assert args.splitlines()[0] == result.stdout.splitlines()[0]


def test_fasttext_models_answer_for_unseen_words_and_say_so(runner, tmp_path, topic_corpus):
    gensim = pytest.importorskip("gensim.models")
    sentences = [line.split() for line in topic_corpus.read_text().splitlines()]
    model = gensim.FastText(sentences, vector_size=16, window=3, min_count=2, epochs=3,
                            bucket=5000, min_n=4, max_n=5, workers=1, seed=1)
    path = tmp_path / "ft.bin"
    gensim.fasttext.save_facebook_model(model, str(path))

    result = run(runner, "similar", "cheeses", "-m", path, "-n", "3")  # unseen: 'cheese' + 's'
    assert result.exit_code == 0, result.output
    assert "'cheeses' is not in the vocabulary; its vector comes from its character n-grams" \
        in result.stderr
    neighbours = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert sum(w in TOPICS["food"] for w in neighbours) >= 2, neighbours

    result = run(runner, "vectors", "cheeses", "cat", "-m", path)
    rows = {line.split("\t")[0]: [float(x) for x in line.split("\t")[1:]]
            for line in result.stdout.splitlines()}
    np.testing.assert_allclose(rows["cheeses"], model.wv["cheeses"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rows["cat"], model.wv["cat"], rtol=1e-4, atol=1e-5)

    result = run(runner, "analogy", "cat", "cats", "dog", "-m", path)
    assert result.exit_code == 0 and "'cats' is not in the vocabulary" in result.stderr
    result = run(runner, "similar", "-m", path, input="cat\nq\n")  # '<q>': no 4-gram
    assert result.exit_code == 1
    assert "line 2: 'q' is not in the vocabulary and has no character n-gram" in result.stderr
