"""The command line as a user meets it: options, inputs, outputs, errors and exit codes."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.formats import load

FAST = ["--dim", "16", "--epochs", "2", "--min-count", "2", "--threads", "1", "-q"]


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, *args, input=None):
    return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def test_every_command_has_help(runner):
    for command in [[], *([name] for name in cli.commands)]:
        result = run(runner, *command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    assert run(runner, "train", "-h").exit_code == 0


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_train_writes_native_model_with_settings(runner, tmp_path, small_corpus, arch):
    out = tmp_path / "model.w2v"
    result = run(runner, "train", small_corpus, "-o", out, "--arch", arch, *FAST)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""  # -q: nothing but errors
    model = load(str(out))
    assert model.vectors.shape[1] == 16
    assert model.metadata["config"]["arch"] == arch
    assert model.metadata["config"]["alpha"] == (0.05 if arch == "cbow" else 0.025)
    assert model.metadata["corpus"]["words"] > 1000
    assert len(model.metadata["training"]["epochs"]) == 2
    assert list(model.counts) == sorted(model.counts, reverse=True)


@pytest.mark.parametrize("suffix,fmt", [(".bin", "word2vec-binary"), (".txt", "word2vec-text"),
                                        (".vec", "word2vec-text")])
def test_output_format_follows_extension(runner, tmp_path, small_corpus, suffix, fmt):
    out = tmp_path / f"vectors{suffix}"
    assert run(runner, "train", small_corpus, "-o", out, *FAST).exit_code == 0
    assert load(str(out)).format == fmt


def test_progress_and_summary_go_to_stderr(runner, tmp_path, small_corpus):
    result = run(runner, "train", small_corpus, "-o", tmp_path / "v.bin", "--epochs", "2",
                 "--min-count", "2")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "epoch 2: loss" in result.stderr and "words/s" in result.stderr
    assert "wrote" in result.stderr


def test_seed_with_one_thread_is_bit_identical(runner, tmp_path, small_corpus):
    outputs = []
    for i in range(2):
        out = tmp_path / f"run{i}.bin"
        run(runner, "train", small_corpus, "-o", out, "--seed", "7", *FAST)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    other = tmp_path / "other.bin"
    run(runner, "train", small_corpus, "-o", other, "--seed", "8", *FAST)
    assert other.read_bytes() != outputs[0]


def test_stdin_and_compressed_input_match_plain_file(runner, tmp_path, small_corpus, gz_corpus):
    results = []
    stdin_bytes = small_corpus.read_bytes()
    for source, stdin in [(small_corpus, None), ("-", stdin_bytes), (gz_corpus, None)]:
        out = tmp_path / "v.bin"
        result = run(runner, "train", source, "-o", out, "--seed", "3", *FAST, input=stdin)
        assert result.exit_code == 0, result.output
        results.append(out.read_bytes())
    assert results[0] == results[1] == results[2]


def test_several_corpus_files(runner, tmp_path, small_corpus, gz_corpus):
    out = tmp_path / "v.w2v"
    assert run(runner, "train", small_corpus, gz_corpus, "-o", out, *FAST).exit_code == 0
    one = tmp_path / "one.w2v"
    run(runner, "train", small_corpus, "-o", one, *FAST)
    words = load(str(one)).metadata["corpus"]["words"]
    assert load(str(out)).metadata["corpus"]["words"] == 2 * words


def test_one_line_corpus_trains_like_many_lines(runner, tmp_path, topic_corpus):
    one_line = tmp_path / "one-line.txt"
    one_line.write_text(topic_corpus.read_text().replace("\n", " "))
    out = tmp_path / "v.w2v"
    result = run(runner, "train", one_line, "-o", out, "--max-sentence-length", "1000", *FAST)
    assert result.exit_code == 0
    model = load(str(out))
    assert model.metadata["corpus"]["lines"] == 1
    assert model.metadata["corpus"]["words"] == len(topic_corpus.read_text().split())
    assert np.isfinite(model.vectors).all() and np.abs(model.vectors).max() > 0.05


def test_invalid_utf8_trains_and_is_reported(runner, tmp_path, small_corpus):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(small_corpus.read_bytes() + b"caf\xe9 \xff\xfe cat dog\n" * 3)
    result = run(runner, "train", corpus, "-o", tmp_path / "v.bin", "--min-count", "2",
                 "--epochs", "1")
    assert result.exit_code == 0
    assert "9 invalid UTF-8 sequences replaced" in result.stderr


@pytest.mark.parametrize("content", [b"", b"  \n\n \t \n"], ids=["empty", "whitespace"])
def test_empty_corpus_is_a_clear_error(runner, tmp_path, content):
    corpus = tmp_path / "empty.txt"
    corpus.write_bytes(content)
    out = tmp_path / "v.bin"
    result = run(runner, "train", corpus, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error:") and "no words" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_no_word_reaching_min_count(runner, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("one two three\n")
    result = run(runner, "train", corpus, "--min-count", "5", "-o", tmp_path / "v.bin")
    assert result.exit_code == 1 and "lower --min-count" in result.stderr


def test_missing_corpus_is_a_clear_error(runner, tmp_path):
    result = run(runner, "train", tmp_path / "nope.txt", "-o", tmp_path / "v.bin")
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_unwritable_output_fails_before_training(runner, tmp_path, small_corpus):
    result = run(runner, "train", small_corpus, "-o", tmp_path / "missing-dir" / "v.bin")
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert "reading" not in result.stderr  # failed before reading the corpus
    result = run(runner, "train", small_corpus, "-o", tmp_path)
    assert result.exit_code == 1 and "is a directory" in result.stderr


@pytest.mark.parametrize("option,value", [("--dim", "0"), ("--window", "-1"), ("--sample", "2"),
                                          ("--threads", "-1"), ("--arch", "glove"),
                                          ("--negative", "0"), ("--alpha", "0")])
def test_impossible_values_are_usage_errors(runner, small_corpus, option, value):
    result = runner.invoke(cli, ["train", str(small_corpus), option, value])
    assert result.exit_code == 2
    assert option in result.stderr


def test_cli_process_shows_no_traceback(tmp_path):
    corpus = tmp_path / "empty.txt.gz"
    corpus.write_bytes(gzip.compress(b""))
    proc = subprocess.run([sys.executable, "-m", "w2v", "train", str(corpus), "-o",
                           str(tmp_path / "v.bin")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("Error:")


def test_vocab_command_and_vocabulary_files(runner, tmp_path, small_corpus):
    result = run(runner, "vocab", small_corpus, "--min-count", "3")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    counts = [int(c) for _, c in rows]
    assert counts == sorted(counts, reverse=True) and min(counts) >= 3
    words = small_corpus.read_text().split()
    assert dict((w, int(c)) for w, c in rows)["the"] == words.count("the")

    saved = tmp_path / "vocab.tsv"
    out = tmp_path / "v.w2v"
    result = run(runner, "train", small_corpus, "-o", out, "--save-vocab", saved, *FAST)
    assert result.exit_code == 0
    model = load(str(out))
    assert [line.split("\t")[0] for line in saved.read_text().splitlines()] == model.words

    c_style = tmp_path / "c-vocab.txt"  # word2vec.c's -save-vocab: "word count", with </s>
    c_style.write_text("</s> 300\nthe 500\ncat 40\ndog 30\n")
    out2 = tmp_path / "v2.w2v"
    result = run(runner, "train", small_corpus, "-o", out2, "--read-vocab", c_style, *FAST)
    assert result.exit_code == 0, result.output
    given = load(str(out2))
    assert given.words == ["the", "cat", "dog"] and given.counts.tolist() == [500, 40, 30]

    bad = tmp_path / "bad.txt"
    bad.write_text("the 5\nthe 3\n")
    result = run(runner, "train", small_corpus, "--read-vocab", bad, "-o", out2)
    assert result.exit_code == 1 and "listed twice" in result.stderr


def test_directories_are_read_file_by_file_in_sorted_order(runner, tmp_path, small_corpus):
    root = tmp_path / "corpus"
    (root / "b").mkdir(parents=True)
    (root / "b" / "2.txt").write_text("zebra zebra\n")
    (root / "a.txt.gz").write_bytes(gzip.compress(small_corpus.read_bytes()))
    out = tmp_path / "v.w2v"
    assert run(runner, "train", root, "-o", out, *FAST).exit_code == 0
    corpus = load(str(out)).metadata["corpus"]
    assert corpus["paths"] == [str(root / "a.txt.gz"), str(root / "b" / "2.txt")]
    (tmp_path / "empty").mkdir()
    result = run(runner, "train", tmp_path / "empty", "-o", out)
    assert result.exit_code == 1 and "holds no files" in result.stderr


def test_option_variants_train(runner, tmp_path, small_corpus):
    for extra in (["--hs", "--negative", "0"], ["--hs"], ["--arch", "cbow", "--cbow-sum"],
                  ["--no-shrink-windows", "--ns-exponent", "0.5"], ["--max-final-vocab", "10"],
                  ["--no-sorted-vocab"], ["--arch", "cbow", "--hs", "--negative", "0"]):
        out = tmp_path / "v.w2v"
        result = run(runner, "train", small_corpus, "-o", out, *FAST, *extra)
        assert result.exit_code == 0, (extra, result.output)
        model = load(str(out))
        assert np.isfinite(model.vectors).all()
        if "--hs" in extra:
            assert model.output_hs.shape == (len(model.words) - 1, 16)
            assert (model.output is None) == ("0" in extra)
        if "--max-final-vocab" in extra:
            assert len(model.words) <= 10
        if "--no-sorted-vocab" in extra:
            assert list(model.counts) != sorted(model.counts, reverse=True)
    result = runner.invoke(cli, ["train", str(small_corpus), "--negative", "0"])
    assert result.exit_code == 2 and "--hs" in result.stderr
