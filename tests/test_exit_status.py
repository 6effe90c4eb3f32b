"""Exit statuses as a shell sees them: every command run as a real process, stdin mode included.

CliRunner hides what the console entry point does with a status (it once dropped the status of
stdin queries), so these tests start `python -m w2v` and read the process's own exit code.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

W2V = [sys.executable, "-m", "w2v"]


def w2v(*args, stdin: str | bytes | None = None, cwd=None) -> subprocess.CompletedProcess:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([*W2V, *map(str, args)], input=data, capture_output=True, cwd=cwd,
                          timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory, topic_model, small_corpus):
    root = tmp_path_factory.mktemp("exit")
    report = root / "run.json"
    w2v("train", small_corpus, "-o", root / "v.bin", "--dim", "8", "--epochs", "1",
        "--min-count", "2", "--threads", "1", "-q", "--report", report)
    return {"model": topic_model, "corpus": small_corpus, "root": root, "report": report,
            "missing": root / "missing.txt"}


CASES = [  # (name, arguments, stdin, expected status); {x} names a file from the fixture
    ("version", ["--version"], None, 0),
    ("no such command", ["bogus"], None, 2),
    ("train", ["train", "{corpus}", "-o", "{root}/t.w2v", "--dim", "8", "--epochs", "1",
               "--min-count", "2", "-q"], None, 0),
    ("train stdin", ["train", "-", "-o", "{root}/t.bin", "--dim", "8", "--epochs", "1",
                     "--min-count", "2", "-q"], "a b c a b c\n" * 50, 0),
    ("train empty stdin", ["train", "-", "-o", "{root}/t.bin", "-q"], "", 1),
    ("train missing corpus", ["train", "{missing}", "-o", "{root}/t.bin"], None, 1),
    ("train bad option", ["train", "{corpus}", "--dim", "0"], None, 2),
    ("train bad combination", ["train", "{corpus}", "--negative", "0"], None, 2),
    ("vocab", ["vocab", "{corpus}"], None, 0),
    ("vocab stdin", ["vocab", "-"], "a b c\n", 0),
    ("vocab missing", ["vocab", "{missing}"], None, 1),
    ("phrases stdin", ["phrases", "-", "-q"], "new york is new york\n" * 20, 0),
    ("phrases missing", ["phrases", "{missing}"], None, 1),
    ("similar", ["similar", "-m", "{model}", "cat"], None, 0),
    ("similar unknown", ["similar", "-m", "{model}", "zzzz"], None, 1),
    ("similar stdin", ["similar", "-m", "{model}"], "cat\ndog -bus\n", 0),
    ("similar stdin unknown", ["similar", "-m", "{model}"], "zzzz\n", 1),
    ("similar stdin one unknown", ["similar", "-m", "{model}"], "cat\nzzzz\ndog\n", 1),
    ("similar missing model", ["similar", "-m", "{missing}", "cat"], None, 1),
    ("similar bad topn", ["similar", "-m", "{model}", "-n", "0", "cat"], None, 2),
    ("analogy", ["analogy", "-m", "{model}", "cat", "dog", "car"], None, 0),
    ("analogy two words", ["analogy", "-m", "{model}", "cat", "dog"], None, 2),
    ("analogy unknown", ["analogy", "-m", "{model}", "cat", "dog", "zzzz"], None, 1),
    ("analogy stdin", ["analogy", "-m", "{model}"], "cat dog car bus\n", 0),
    ("analogy stdin bad line", ["analogy", "-m", "{model}"], "cat dog\n", 1),
    ("vectors", ["vectors", "-m", "{model}", "cat"], None, 0),
    ("vectors unknown", ["vectors", "-m", "{model}", "zzzz"], None, 1),
    ("vectors stdin", ["vectors", "-m", "{model}"], "cat\ndog\n", 0),
    ("vectors stdin unknown", ["vectors", "-m", "{model}"], "cat\nzzzz\n", 1),
    ("vectors sentences", ["vectors", "--sentences", "-m", "{model}"], "cat dog\n", 0),
    ("evaluate", ["evaluate", "-m", "{model}"], None, 0),
    ("evaluate missing set", ["evaluate", "-m", "{model}", "--analogies", "{missing}"], None, 1),
    ("info", ["info", "-m", "{model}"], None, 0),
    ("info missing", ["info", "-m", "{missing}"], None, 1),
    ("export", ["export", "-m", "{model}", "--format", "txt", "-o", "{root}/e.txt"], None, 0),
    ("export nothing asked", ["export", "-m", "{model}"], None, 2),
    ("plot-report missing", ["plot-report", "{missing}"], None, 2),
    ("plot bad size", ["plot", "cat", "-m", "{model}", "--size", "big"], None, 2),
]


@pytest.mark.parametrize("name,args,stdin,status", CASES, ids=[c[0] for c in CASES])
def test_exit_status_of_a_real_process(files, name, args, stdin, status):
    proc = w2v(*(a.format(**files) for a in args), stdin=stdin)
    assert proc.returncode == status, proc.stderr.decode()
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    if status:
        assert stderr.strip(), "a failure says why on stderr"


def _through_head(command: str, stdin_file) -> tuple[int, str]:
    """Run `command < stdin_file | head -1`; the command's exit status and its stderr."""
    script = f"{command} < {stdin_file} 2> err.txt | head -1 > /dev/null; echo ${{PIPESTATUS[0]}}"
    directory = stdin_file.parent
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                          cwd=directory, timeout=120)
    return int(proc.stdout.strip()), (directory / "err.txt").read_text()


@pytest.mark.parametrize("command,line", [("similar", "cat"), ("analogy", "cat dog car")])
def test_head_closing_the_pipe_on_many_stdin_queries_ends_quietly(files, command, line):
    queries = files["root"] / f"{command}-queries.txt"
    queries.write_text(f"{line}\n" * 20_000)
    cmd = " ".join([*W2V, command, "-m", str(files["model"])])
    status, stderr = _through_head(cmd, queries)
    assert status == 141  # as a shell reports a process ended by SIGPIPE
    assert stderr == ""  # no traceback, no "Exception ignored" message


def test_head_closing_the_pipe_on_a_long_listing_ends_quietly(tmp_path):
    corpus = tmp_path / "many.txt"
    corpus.write_text(" ".join(f"w{i}" for i in range(200_000)) + "\n")
    status, stderr = _through_head(" ".join([*W2V, "vocab", "-"]), corpus)
    assert status == 141 and stderr == ""
