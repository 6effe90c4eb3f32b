"""`w2v plot` and `w2v plot-report` render real images of the requested size."""

from __future__ import annotations

import json
import struct
import sys

import pytest
from click.testing import CliRunner

from w2v.cli import cli

pytest.importorskip("matplotlib")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


def test_word_map_png_has_the_requested_size(tmp_path, topic_model):
    out = tmp_path / "map.png"
    result = run("plot", "cat", "car", "bread", "-m", topic_model, "--neighbours", "3",
                 "-o", out, "--size", "640x480")
    assert result.exit_code == 0, result.output
    assert _png_size(out) == (640, 480)


@pytest.mark.parametrize("suffix,magic", [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_svg_and_pdf_by_extension(tmp_path, topic_model, suffix, magic):
    out = tmp_path / f"map{suffix}"
    assert run("plot", "cat", "dog", "-m", topic_model, "-o", out).exit_code == 0
    assert out.read_bytes().startswith(magic)


def test_plot_errors(tmp_path, topic_model):
    result = run("plot", "cat", "-m", topic_model, "-o", tmp_path / "map.gif")
    assert result.exit_code == 1 and ".png, .svg or .pdf" in result.stderr
    result = run("plot", "caat", "-m", topic_model, "-o", tmp_path / "map.png")
    assert result.exit_code == 1 and "did you mean" in result.stderr
    result = run("plot", "cat", "-m", topic_model, "--size", "big")
    assert result.exit_code == 2


def test_plot_report(tmp_path, small_corpus):
    report = tmp_path / "run.json"
    run("train", small_corpus, "-o", tmp_path / "v.bin", "--report", report, "--epochs", "3",
        "--min-count", "2", "-q")
    out = tmp_path / "loss.png"
    assert run("plot-report", report, "-o", out, "--size", "500x400").exit_code == 0
    assert _png_size(out) == (500, 400)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"training": {"epochs": []}}))
    result = run("plot-report", bad, "-o", out)
    assert result.exit_code == 1 and "no epochs" in result.stderr


def test_without_matplotlib_says_how_to_get_it(tmp_path, topic_model, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("plot", "cat", "-m", topic_model, "-o", tmp_path / "map.png")
    assert result.exit_code == 1 and "pip install 'w2v[plot]'" in result.stderr
