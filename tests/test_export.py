"""`w2v info`, `w2v export`, `--report`, and the Python API."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from w2v.cli import cli
from w2v.formats import load


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_info_tsv_and_json(topic_model):
    result = run("info", "-m", topic_model)
    assert result.exit_code == 0
    rows = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert rows["format"] == "native" and rows["dim"] == "24"
    assert rows["config.arch"] == "skipgram" and "training.epoch5.loss" in rows
    data = json.loads(run("info", "-m", topic_model, "--json").stdout)
    assert data["words"] == len(load(str(topic_model)).words)
    assert data["corpus"]["words"] > 0 and len(data["training"]["epochs"]) == 5


@pytest.mark.parametrize("fmt", ["native", "bin", "txt", "vec", "glove"])
def test_export_converts_between_every_format(tmp_path, topic_model, fmt):
    out = tmp_path / f"v.{fmt}"
    result = run("export", "-m", topic_model, "--format", fmt, "-o", out, "--limit", "10")
    assert result.exit_code == 0, result.output
    original, converted = load(str(topic_model)), load(str(out))
    assert converted.words == original.words[:10]
    np.testing.assert_allclose(converted.vectors, original.vectors[:10], atol=1e-6)
    assert converted.format == {"native": "native", "bin": "word2vec-binary",
                                "glove": "glove"}.get(fmt, "word2vec-text")
    again = tmp_path / f"again.{fmt}"
    assert run("export", "-m", out, "--format", "bin", "-o", again).exit_code == 0


def test_export_projector(tmp_path, topic_model):
    out = tmp_path / "projector"
    assert run("export", "-m", topic_model, "--projector", out, "--limit", "7").exit_code == 0
    vectors = (out / "vectors.tsv").read_text().splitlines()
    metadata = (out / "metadata.tsv").read_text().splitlines()
    assert len(vectors) == len(metadata) == 7
    assert len(vectors[0].split("\t")) == 24
    assert metadata == load(str(topic_model)).words[:7]
    assert run("export", "-m", topic_model).exit_code == 2


def test_training_report(tmp_path, small_corpus):
    report = tmp_path / "run.json"
    result = run("train", small_corpus, "-o", tmp_path / "v.bin", "--report", report,
                 "--epochs", "3", "--min-count", "2", "-q")
    assert result.exit_code == 0
    data = json.loads(report.read_text())
    assert data["config"]["epochs"] == 3 and data["vocab_size"] > 10
    assert [e["epoch"] for e in data["training"]["epochs"]] == [1, 2, 3]
    assert all(e["loss"] > 0 and e["words"] > 0 for e in data["training"]["epochs"])


def test_python_api_round_trip(tmp_path, topic_corpus):
    model = w2v.train(str(topic_corpus), dim=16, epochs=3, min_count=2, seed=3)
    path = str(tmp_path / "v.w2v")
    w2v.save(model, path)
    vectors = w2v.load(path)
    assert "cat" in vectors and "lettuce" not in vectors
    assert vectors["cat"].shape == (16,)
    assert vectors.similarity("cat", "cat") == pytest.approx(1.0, abs=1e-6)
    assert len(vectors.most_similar(["cat"], topn=3)) == 3
    assert vectors.analogy("cat", "dog", "car", topn=2)[0][0] != "car"
    assert vectors.evaluate_word_pairs().oov > 0.9  # few WordSim353 words in this toy corpus
    assert vectors.evaluate_analogies().overall.total == 0
    with pytest.raises(w2v.W2VError, match="not in the vocabulary"):
        vectors.similarity("cat", "kat")
