"""Interrupts, checkpoints, resume, --init, and bad input met at the command line."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import topic_sentences
from w2v.checkpoint import Every, load_checkpoint, parse_every
from w2v.cli import cli
from w2v.config import TrainConfig
from w2v.errors import TrainingDiverged
from w2v.formats import load
from w2v.training import train

FAST = ["--dim", "16", "--epochs", "2", "--min-count", "2", "--threads", "1", "-q"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def long_corpus(tmp_path_factory):
    """Enough text that a 20-epoch run without down-sampling lasts a few seconds."""
    path = tmp_path_factory.mktemp("long") / "long.txt"
    path.write_text("\n".join(topic_sentences(40_000, seed=3)) + "\n")
    return path


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_signal_mid_training_saves_a_checkpoint_that_resumes(tmp_path, long_corpus, sig, code):
    out = tmp_path / "v.w2v"
    proc = subprocess.Popen([sys.executable, "-m", "w2v", "train", str(long_corpus), "-o",
                             str(out), "--epochs", "20", "--dim", "16", "--min-count", "2",
                             "--sample", "0"],
                            stderr=subprocess.PIPE, text=True)
    _wait_for_line(proc, "epoch 1:")  # training is under way, with epochs still to go
    proc.send_signal(sig)
    stderr = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=30) == code
    assert "Traceback" not in stderr
    assert f"resume with: w2v train --resume {out}.checkpoint" in stderr
    assert not out.exists()
    state = load_checkpoint(f"{out}.checkpoint")
    assert 0 < sum(state.progress.epoch_words) < 20 * 400_000  # somewhere inside the run
    if sig == signal.SIGTERM:
        return
    result = run("train", "--resume", f"{out}.checkpoint", "-q")
    assert result.exit_code == 0, result.output
    model = load(str(out))
    assert model.metadata["config"]["epochs"] == 20
    assert not os.path.exists(f"{out}.checkpoint")  # the finished model supersedes it
    words = [e["words"] for e in model.metadata["training"]["epochs"]]
    assert len(set(words)) == 1 and len(words) == 20  # every epoch saw the whole corpus once


def test_resumed_run_is_bit_identical_with_one_thread(tmp_path, topic_corpus):
    config = TrainConfig(dim=12, epochs=3, min_count=2, threads=1, seed=4)
    whole = train([str(topic_corpus)], config, progress=False)
    ckpt = str(tmp_path / "run.checkpoint")
    train([str(topic_corpus)], config, progress=False, checkpoint_path=ckpt,
          checkpoint_every=Every(epochs=1))
    state = load_checkpoint(ckpt)  # the last one: after epoch 2 of 3
    assert state.progress.next_job == 2 * (state.progress.next_job // 2) > 0
    resumed = train([str(topic_corpus)], config, progress=False, resume=state)
    assert np.array_equal(whole.vectors, resumed.vectors)
    assert np.array_equal(whole.output, resumed.output)
    assert [e.loss for e in whole.report.epochs] == [e.loss for e in resumed.report.epochs]


def test_resume_refuses_a_different_corpus(tmp_path, topic_corpus, small_corpus):
    ckpt = str(tmp_path / "run.checkpoint")
    config = TrainConfig(dim=8, epochs=2, min_count=2, threads=1)
    train([str(topic_corpus)], config, progress=False, checkpoint_path=ckpt,
          checkpoint_every=Every(epochs=1))
    result = run("train", "--resume", ckpt, small_corpus, "-o", tmp_path / "v.w2v")
    assert result.exit_code == 1 and "not the one this checkpoint was trained on" in result.stderr
    result = run("train", "--resume", ckpt, "--dim", "50")
    assert result.exit_code == 2 and "drop --dim" in result.stderr


def test_checkpoint_every_epoch_is_written_then_removed(tmp_path, topic_corpus, monkeypatch):
    out = tmp_path / "v.w2v"
    seen = []
    import w2v.training as training

    original = training.save_checkpoint

    def spy(path, *args, **kwargs):
        original(path, *args, **kwargs)
        seen.append(load_checkpoint(path).progress.next_job)

    monkeypatch.setattr(training, "save_checkpoint", spy)
    result = run("train", topic_corpus, "-o", out, "--checkpoint-every", "1epoch", *FAST)
    assert result.exit_code == 0
    assert len(seen) == 1 and seen[0] > 0  # after epoch 1 of 2
    assert not os.path.exists(f"{out}.checkpoint") and out.exists()


def test_checkpoint_every_parses_durations():
    assert parse_every("10m").seconds == 600 and parse_every("90s").seconds == 90
    assert parse_every("2h").seconds == 7200 and parse_every("3epochs").epochs == 3
    for bad in ["", "10", "5 parsecs", "0m", "1.5epochs"]:
        with pytest.raises(ValueError):
            parse_every(bad)
    result = run("train", "x.txt", "--checkpoint-every", "soon")
    assert result.exit_code == 2 and "--checkpoint-every" in result.stderr


def test_init_continues_a_model_and_adds_new_words(tmp_path, topic_corpus):
    first = tmp_path / "first.w2v"
    assert run("train", topic_corpus, "-o", first, *FAST).exit_code == 0
    more = tmp_path / "more.txt"
    more.write_text("zebra giraffe cat dog\n" * 50 + "rareword\n")
    second = tmp_path / "second.w2v"
    result = run("train", "--init", first, more, "-o", second, "--epochs", "1", "-q")
    assert result.exit_code == 0, result.output
    a, b = load(str(first)), load(str(second))
    assert b.words[:len(a.words)] == a.words
    assert set(b.words[len(a.words):]) == {"zebra", "giraffe"}  # rareword is below min-count
    cat = a.words.index("cat")
    assert b.counts[cat] == a.counts[cat] + 50
    assert not np.array_equal(a.vectors[cat], b.vectors[cat])
    assert b.metadata["config"]["dim"] == 16
    result = run("train", "--init", first, more, "--dim", "32", "-o", second)
    assert result.exit_code == 2
    binary = tmp_path / "first.bin"
    run("train", topic_corpus, "-o", binary, *FAST)
    result = run("train", "--init", binary, more, "-o", second)
    assert result.exit_code == 1 and "native model" in result.stderr


def test_an_init_run_resumes_from_its_checkpoint_without_the_model(tmp_path, topic_corpus):
    """The checkpoint of an --init run holds a vocabulary the corpus alone would not give."""
    first = tmp_path / "first.w2v"
    assert run("train", topic_corpus, "-o", first, *FAST).exit_code == 0
    more = tmp_path / "more.txt"
    more.write_text("zebra giraffe cat dog\n" * 50 + "cat bus\n" * 30)
    config = TrainConfig(dim=16, epochs=3, min_count=2, threads=1, seed=4)
    init = load(str(first))
    whole = train([str(more)], config, progress=False, init=init)
    ckpt = str(tmp_path / "run.checkpoint")
    train([str(more)], config, progress=False, init=init, checkpoint_path=ckpt,
          checkpoint_every=Every(epochs=1))
    state = load_checkpoint(ckpt)  # after epoch 2 of 3
    assert state.corpus["init_words"] == len(init.words)
    resumed = train([str(more)], config, progress=False, resume=state)
    assert resumed.vocab.words == whole.vocab.words
    assert np.array_equal(whole.vectors, resumed.vectors)
    result = run("train", "--resume", ckpt, topic_corpus, "-o", tmp_path / "v.w2v")
    assert result.exit_code == 1 and "not the one this checkpoint was trained on" in result.stderr


def test_divergence_writes_nothing(tmp_path, topic_corpus):
    out = tmp_path / "v.bin"
    result = run("train", topic_corpus, "-o", out, "--alpha", "10", "--min-alpha", "10",
                 "--sample", "0", "--min-count", "1", "--epochs", "1", "--dim", "8")
    assert result.exit_code == 1 and "diverged" in result.stderr
    assert not out.exists()
    with pytest.raises(TrainingDiverged):
        train([str(topic_corpus)], TrainConfig(alpha=10, min_alpha=10, sample=0, dim=8,
                                               epochs=1), progress=False)


@pytest.mark.parametrize("option,value", [("--threads", "0"), ("--epochs", "0"),
                                          ("--min-count", "0"), ("--max-vocab-size", "0")])
def test_more_impossible_values(small_corpus, option, value):
    result = CliRunner().invoke(cli, ["train", str(small_corpus), option, value])
    assert result.exit_code == 2 and option in result.stderr and "range" in result.stderr


def test_hostile_corpora_train_or_fail_cleanly(tmp_path, small_corpus):
    text = small_corpus.read_bytes()
    cases = {
        "nul.txt": text.replace(b" ", b"\0", 50),
        "crlf.txt": text.replace(b"\n", b"\r\n"),
        "bigword.txt": text + b"x" * 1_000_000 + b"\n",
        "oneline.txt": text.replace(b"\n", b" ") * 40,
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = run("train", path, "-o", tmp_path / "v.bin", *FAST)
        assert result.exit_code == 0, (name, result.output)
    crlf = load(str(tmp_path / "v.bin"))
    assert not any("\r" in w for w in crlf.words)
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(gzip.compress(text * 20)[:3000])
    result = run("train", bad, "-o", tmp_path / "v.bin", *FAST)
    assert result.exit_code == 1 and "truncated" in result.stderr
    result = run("train", tmp_path, "-o", tmp_path / "v.bin")  # a directory: every file in it
    assert result.exit_code == 1 and "bad.txt.gz: cannot read" in result.stderr


def _wait_for_line(proc: subprocess.Popen, start: str) -> list[str]:
    """Read the process's stderr until a line starting with `start`; the lines read."""
    lines = []
    while not (lines and lines[-1].startswith(start)):
        line = proc.stderr.readline()
        assert line, f"the process ended before printing {start!r}: {lines}"
        lines.append(line)
    return lines


def _slow_training(tmp_path, out) -> subprocess.Popen:
    """A run whose every chunk takes minutes (huge dimension, window and negatives), started
    and past its first log line of training."""
    corpus = tmp_path / "slow.txt"  # about one full chunk of 2**17 words
    corpus.write_text("\n".join(topic_sentences(13_000, seed=4)) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out),
                             "--dim", "4000", "--window", "80", "--negative", "80",
                             "--sample", "0", "--min-count", "1", "--threads", "2"],
                            stderr=subprocess.PIPE, text=True)
    _wait_for_line(proc, "training ")
    time.sleep(1.0)  # position the signal inside the first chunks (each takes minutes)
    return proc


def test_sigterm_ends_a_run_whose_chunks_take_minutes(tmp_path):
    out = tmp_path / "v.w2v"
    proc = _slow_training(tmp_path, out)
    proc.send_signal(signal.SIGTERM)
    stderr = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 143, stderr  # the kernels were told to return early
    assert "Traceback" not in stderr and "checkpoint saved" in stderr
    assert "cut short" in stderr  # the checkpoint is honest about the unfinished chunks
    assert load_checkpoint(f"{out}.checkpoint").progress.next_job == 0


def test_second_interrupt_exits_at_once_without_a_checkpoint(tmp_path):
    out = tmp_path / "v.w2v"
    proc = _slow_training(tmp_path, out)
    proc.send_signal(signal.SIGINT)  # the first waits for the running chunks...
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)  # ...the second gives up without saving anything
    stderr = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 130
    assert "Traceback" not in stderr and "checkpoint saved" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slow.txt"]  # no partial files


def test_a_one_word_vocabulary_is_refused_not_trained_forever(tmp_path):
    corpus = tmp_path / "one.txt"
    corpus.write_text("hello " * 250 + "\n")
    proc = subprocess.run([sys.executable, "-m", "w2v", "train", str(corpus), "-o",
                           str(tmp_path / "v.bin"), "--min-count", "1"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "at least two distinct words" in proc.stderr


@pytest.mark.parametrize("exponent", ["10", "-10"])
def test_a_starved_negative_table_does_not_hang(tmp_path, exponent):
    corpus = tmp_path / "two.txt"  # with --ns-exponent 10 'hello' takes all the negatives' mass
    corpus.write_text("hello " * 249 + "world\n")
    proc = subprocess.run([sys.executable, "-m", "w2v", "train", str(corpus), "-o",
                           str(tmp_path / "v.bin"), "--min-count", "1", "--threads", "1",
                           "--ns-exponent", exponent, "-q"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert np.isfinite(load(str(tmp_path / "v.bin")).vectors).all()


def test_divergence_stops_in_the_first_chunk_not_after_the_last_epoch(tmp_path, topic_corpus):
    out = tmp_path / "v.bin"
    proc = subprocess.run([sys.executable, "-m", "w2v", "train", str(topic_corpus), "-o",
                           str(out), "--alpha", "10", "--min-alpha", "10", "--sample", "0",
                           "--min-count", "1", "--dim", "8", "--threads", "1",
                           "--epochs", "10000"],  # hours of training if it did not stop
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "diverged in epoch 1 " in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.slow
def test_a_200_megabyte_line_trains_in_bounded_memory(tmp_path):
    words = " ".join(f"w{i % 5000}" for i in range(200_000)) + " "
    path = tmp_path / "line.txt"
    with open(path, "w") as f:
        for _ in range(200_000_000 // len(words)):
            f.write(words)
    code = ("import runpy, sys\nsys.argv = ['w2v', 'train', sys.argv[1], '-o', "
            "sys.argv[2], '--dim', '4', '--epochs', '1', '--sample', '1e-5', '-q']\n"
            "try:\n    runpy.run_module('w2v', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            # VmHWM, not ru_maxrss: the latter starts from the forking parent's (pytest's) size
            "print(int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) // 1024)")
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "v.w2v")],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.split()[-1]) < 400  # MB, for a 200 MB line
    assert load(str(tmp_path / "v.w2v")).metadata["corpus"]["lines"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_corpus(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("a b c\n")
    path.chmod(0)
    result = run("train", path, "-o", tmp_path / "v.bin")
    assert result.exit_code == 1 and "permission denied" in result.stderr
