"""`w2v phrases`: word2phrase scoring, npmi, passes, stdin, and the pipeline into training."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.formats import load


def _text(seed=0, lines=2000):
    rng = random.Random(seed)
    filler = "the a of to in and is was for on that with by it".split()
    out = []
    for _ in range(lines):
        words = [rng.choice(filler) for _ in range(8)]
        if rng.random() < 0.5:
            words.insert(rng.randrange(8), "new york city" if rng.random() < 0.5 else "new york")
        if rng.random() < 0.3:
            words.insert(rng.randrange(8), "san francisco")
        out.append(" ".join(words))
    return "\n".join(out) + "\n"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(_text())
    return path


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def test_frequent_pairs_are_joined_and_lines_kept(corpus):
    result = run("phrases", corpus, "--threshold", "10", "-q")  # a small corpus: low scores
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 2000
    tokens = result.stdout.split()
    assert "new_york" in tokens and "san_francisco" in tokens
    assert "the_a" not in tokens and "of_the" not in tokens  # chance pairs stay apart
    assert "new" not in tokens  # every 'new' here starts 'new york'
    original = corpus.read_text().split()
    assert sum(t.count("_") + 1 for t in tokens) == len(original)  # no word lost or added


def test_two_passes_make_longer_phrases(corpus):
    tokens = run("phrases", corpus, "--passes", "2", "--threshold", "10", "-q").stdout.split()
    assert "new_york_city" in tokens


def test_npmi_and_stdin(corpus):
    result = run("phrases", "-", "--scoring", "npmi", "--threshold", "0.5",
                 input=corpus.read_bytes())
    assert result.exit_code == 0
    assert "san_francisco" in result.stdout.split()
    assert "pass 1:" in result.stderr and "joined" in result.stderr


def test_high_threshold_joins_nothing(corpus):
    out = run("phrases", corpus, "--threshold", "1e12", "-q").stdout
    assert "_" not in out


def test_pipeline_into_training_gives_phrase_vectors(tmp_path, corpus):
    vectors = tmp_path / "v.bin"
    w2v = f"{sys.executable} -m w2v"
    command = (f"{w2v} phrases {corpus} --threshold 10 -q | {w2v} train - -o {vectors} "
               f"--dim 8 --epochs 1 --min-count 2 -q")
    proc = subprocess.run(command, shell=True, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "new_york" in load(str(vectors)).words
