"""The README documents every training option and every command."""

from __future__ import annotations

from pathlib import Path

from w2v.cli import cli
from w2v.cli.train import FLAG_NAMES
from w2v.config import TRAIN_OPTIONS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_every_training_option_is_in_the_readme_table():
    for name in TRAIN_OPTIONS:
        flag = FLAG_NAMES.get(name, "--" + name.replace("_", "-")).split("/")[0]
        assert f"`{flag}" in README, flag


def test_every_command_is_in_the_readme():
    for name in cli.commands:
        assert f"w2v {name}" in README, name


def test_readme_python_example_runs(tmp_path, monkeypatch):
    example = README.split("```python\n")[1].split("```")[0]
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").symlink_to(root / "data")
    exec(compile(example, "README.md", "exec"), {})
    assert (tmp_path / "demo.bin").exists()
