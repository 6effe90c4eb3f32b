"""Benchmark w2v against gensim 4 on the same corpus, settings and cores, side by side.

Runs alternate (w2v, gensim, w2v, gensim, ...) so that machine noise hits both alike. Each run is a
whole process: reading, vocabulary, training, writing word2vec binary. Each tool gets its best
input: w2v the compressed corpus as it is, gensim a plain-text copy in lines of 1,000 words (as
ANCHORS.md's runs), since its corpus_file mode fails on one long line and its iterable mode holds a
whole line as a Python list. Every setting whose default differs between the tools is passed.
Reports wall time, raw corpus words per second (words in the corpus x epochs / time), the
w2v/gensim throughput ratio, peak resident memory, the share of w2v's time spent reading and
counting, and the quality of each result by one shared evaluator (w2v.evaluate, which agrees with
gensim's). Also reports the JIT compile time of a cold start and the start-up cost with a warm
cache; with several runs, the median throughputs; with --scaling, a 1-thread run right after each
w2v run, the speed-up per pair and the parallel capacity the machine gave a plain loop just before
(shared machines often give two threads well under two cores).

    python scripts/bench.py                                   # ANCHORS.md settings, both archs
    python scripts/bench.py --scaling --runs 3                # what the README reports
    python scripts/bench.py --arch cbow --runs 2
    python scripts/bench.py --corpus big.txt --epochs 1 --no-gensim --scaling
    python scripts/bench.py --subwords --arch skipgram        # against fastText, gensim FastText
    python scripts/bench.py --subwords --reuse-anchors        # fastText's figures from the cache

With --subwords, scripts/bench_subwords.py runs instead (its docstring says how).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "enwiki-t8.txt.gz"


@dataclass
class Run:
    tool: str
    arch: str
    seconds: float
    peak_mb: float
    words: int
    epochs: int
    read_seconds: float | None = None
    train_seconds: float | None = None  # w2v's own figure for training alone
    analogy: float = float("nan")
    ws353: float = float("nan")
    simlex: float = float("nan")

    @property
    def words_per_second(self) -> float:
        return self.words * self.epochs / self.seconds


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and stderr of one child process."""
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stderr


def w2v_command(corpus: str, output: str, settings: dict, threads: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "w2v", "train", corpus, "-o", output]
    for key, value in settings.items():
        if key == "threads" and threads is not None:
            value = threads
        if isinstance(value, bool):
            cmd += [f"--{'' if value else 'no-'}{key.replace('_', '-')}"]
        else:
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    return cmd


def run_w2v(corpus: str, out: str, settings: dict, threads: int | None = None) -> Run:
    seconds, peak, stderr = timed(w2v_command(corpus, out, settings, threads))
    words = int(re.search(r"read ([\d,]+) words", stderr).group(1).replace(",", ""))
    read = float(re.search(r"lines in ([\d.]+) s", stderr).group(1))
    trained = float(re.search(r"trained [\d,]+ words in ([\d.]+) s", stderr).group(1))
    return Run("w2v", settings["arch"], seconds, peak, words, settings["epochs"], read, trained)


def run_gensim(mode: str, corpus: str, out: str, settings: dict, words: int) -> Run:
    helper = str(ROOT / "scripts" / "gensim_train.py")
    seconds, peak, _ = timed([sys.executable, helper, mode, corpus, out, json.dumps(settings)])
    return Run(f"gensim {mode}", settings["arch"], seconds, peak, words, settings["epochs"])


# The benchmark process stays small: on Linux a child's peak RSS (ru_maxrss) starts from its
# parent's size at fork, so scoring and corpus preparation run in child processes too.
_SCORE = """
import json, sys
from w2v import evaluate as ev
from w2v.vectors import WordVectors
wv = WordVectors.load(sys.argv[1])
print(json.dumps([ev.evaluate_analogies(wv, restrict=30_000).overall.accuracy,
                  ev.evaluate_pairs(wv, ev.DEFAULT_PAIRS[0]).spearman,
                  ev.evaluate_pairs(wv, ev.DEFAULT_PAIRS[1]).spearman]))
"""

_RESPLIT = """
import sys
from w2v.reading import read_blocks
corpus, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
carry = []
with open(path, "wb") as out:
    for block in read_blocks(corpus):
        for k, line in enumerate(block.split(b"\\n")):
            if k:
                carry.append(None)
            carry.extend(line.split())
        rows, start = [], 0
        for i, word in enumerate(carry):
            if word is None or i - start == n:
                rows.append(b" ".join(w for w in carry[start:i] if w is not None))
                start = i + (word is None)
        carry = carry[start:]
        out.write(b"".join(r + b"\\n" for r in rows if r))
    out.write(b" ".join(w for w in carry if w is not None) + b"\\n")
"""


def score(run: Run, path: str) -> Run:
    out = subprocess.run([sys.executable, "-c", _SCORE, path], capture_output=True, text=True,
                         check=True).stdout
    run.analogy, run.ws353, run.simlex = json.loads(out)
    return run


def resplit(corpus: str, directory: str, words_per_line: int = 1000) -> str:
    """Plain-text copy in lines of `words_per_line` words, gensim's best input."""
    path = os.path.join(directory, "corpus-lines.txt")
    subprocess.run([sys.executable, "-c", _RESPLIT, corpus, path, str(words_per_line)],
                   check=True)
    return path


def jit_costs(directory: str) -> tuple[float, float]:
    """Seconds of a cold start (compiling the kernels) and of a warm one, on a tiny corpus."""
    corpus = os.path.join(directory, "tiny.txt")
    Path(corpus).write_text("a b c d e f g h\n" * 200)
    env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(directory, "numba-cache"))
    cmd = [sys.executable, "-m", "w2v", "train", corpus, "-o", os.path.join(directory, "t.bin"),
           "--min-count", "1", "--epochs", "1", "-q"]
    cold, _, _ = timed(cmd, env)
    warm, _, _ = timed(cmd, env)
    for arch in ("skipgram", "cbow"):  # compile into the regular cache too: no timed run does
        timed(cmd + ["--arch", arch])
    return cold, warm


def print_table(runs: list[Run]) -> None:
    base = {r.arch: [g for g in runs if g.arch == r.arch and g.tool.startswith("gensim")]
            for r in runs}
    header = ("tool", "arch", "time s", "words/s", "vs gensim", "peak MB", "read %", "analogy",
              "WS353", "SimLex")
    rows = []
    for r in runs:
        ref = base[r.arch]
        ratio = (r.words_per_second / (sum(g.words_per_second for g in ref) / len(ref))
                 if ref else float("nan"))
        read = f"{100 * r.read_seconds / r.seconds:.1f}" if r.read_seconds else "-"
        rows.append((r.tool, r.arch, f"{r.seconds:.1f}", f"{r.words_per_second / 1e6:.2f}M",
                     f"{ratio:.2f}x", f"{r.peak_mb:.0f}", read, f"{100 * r.analogy:.1f}%",
                     f"{r.ws353:.3f}", f"{r.simlex:.3f}"))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header, *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--arch", choices=["skipgram", "cbow", "both"], default="both")
    parser.add_argument("--runs", type=int, default=1, help="alternating runs per tool")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-4)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gensim-mode", choices=["iterable", "corpus_file", "auto"],
                        default="auto", help="auto: iterable for skip-gram, corpus_file for CBOW")
    parser.add_argument("--hs", action="store_true", help="hierarchical softmax (with "
                        "--negative 0: alone)")
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--scaling", action="store_true",
                        help="also time w2v with 1 thread, right after each w2v run")
    subwords = parser.add_argument_group("subword vectors (--subwords)")
    subwords.add_argument("--subwords", action="store_true",
                          help="w2v train --subwords against fastText 0.9 and gensim FastText")
    subwords.add_argument("--minn", type=int, default=3)
    subwords.add_argument("--maxn", type=int, default=6)
    subwords.add_argument("--buckets", type=int, default=2_000_000)
    subwords.add_argument("--no-fasttext", action="store_true")
    subwords.add_argument("--anchor-cache", default=str(ROOT / ".bench-cache" / "anchors.json"),
                          metavar="PATH", help="fastText and gensim figures, kept per tool, "
                          "version, corpus and settings [default: .bench-cache/anchors.json]")
    subwords.add_argument("--reuse-anchors", action="store_true",
                          help="take fastText's and gensim's figures from the cache where it "
                          "has them for these settings, instead of running them again")
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"{args.corpus}: no such file (pass --corpus)")
    # find_spec, not import: this process stays small (see _SCORE)
    for package, flag in (("gensim", "no_gensim"), ("fasttext", "no_fasttext")):
        if (package == "gensim" or args.subwords) and not getattr(args, flag) \
                and importlib.util.find_spec(package) is None:
            setattr(args, flag, True)
            print(f"{package} is not installed (pip install -e '.[bench]'): leaving it out",
                  file=sys.stderr)

    archs = ["skipgram", "cbow"] if args.arch == "both" else [args.arch]
    if args.subwords:
        import bench_subwords

        bench_subwords.run(args, archs, lambda arch: settings_for(args, arch))
        return
    runs: list[Run] = []
    pairs: list[tuple[Run, Run, float]] = []  # (threads, one thread, machine) back to back
    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as tmp:
        cold, warm = jit_costs(tmp)
        print(f"JIT: cold start with compilation {cold:.1f} s, warm start {warm:.2f} s "
              f"(tiny corpus, whole process)", file=sys.stderr)
        corpus_lines = None
        for arch in archs:
            settings = settings_for(args, arch)
            mode = args.gensim_mode if args.gensim_mode != "auto" else (
                "corpus_file" if arch == "cbow" else "iterable")
            if not args.no_gensim and corpus_lines is None:
                corpus_lines = resplit(args.corpus, tmp)
            for i in range(args.runs):
                out = os.path.join(tmp, f"w2v-{arch}-{i}.bin")
                capacity = parallel_capacity(args.threads) if args.scaling else None
                run = run_w2v(args.corpus, out, settings)
                runs.append(score(run, out))
                print_progress(runs[-1])
                if args.scaling:  # right after its pair, so both see the same machine
                    out = os.path.join(tmp, f"w2v-{arch}-{i}-1thread.bin")
                    one = score(run_w2v(args.corpus, out, settings, threads=1), out)
                    one.tool = "w2v 1 thread"
                    runs.append(one)
                    print_progress(one)
                    pairs.append((run, one, capacity))
                if not args.no_gensim:
                    out = os.path.join(tmp, f"gensim-{arch}-{i}.bin")
                    runs.append(score(run_gensim(mode, corpus_lines, out, settings, run.words),
                                      out))
                    print_progress(runs[-1])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"corpus {args.corpus}, settings: dim {args.dim} window {args.window} negative "
          f"{args.negative} sample {args.sample} min-count {args.min_count} epochs {args.epochs} "
          f"threads {args.threads}{' hs' if args.hs else ''}")
    print_table(runs)
    for arch in archs:
        print_medians(arch, [r for r in runs if r.arch == arch])
        print_scaling(arch, args.threads, [p for p in pairs if p[0].arch == arch])


def settings_for(args, arch: str) -> dict:
    """Every setting passed to every tool: those whose defaults differ between them too."""
    alpha = 0.05 if arch == "cbow" else 0.025
    return {"arch": arch, "dim": args.dim, "window": args.window, "negative": args.negative,
            "sample": args.sample, "min_count": args.min_count, "epochs": args.epochs,
            "threads": args.threads, "seed": args.seed, "hs": args.hs, "alpha": alpha,
            "min_alpha": alpha * 1e-4, "ns_exponent": 0.75, "cbow_mean": True,
            "shrink_windows": True}


def print_medians(arch: str, runs: list[Run]) -> None:
    """With several runs, the medians: single runs on a shared machine move by a third."""
    ours = [r.words_per_second for r in runs if r.tool == "w2v"]
    theirs = [r.words_per_second for r in runs if r.tool.startswith("gensim")]
    if len(ours) < 2:
        return
    line = f"median {arch}: w2v {statistics.median(ours) / 1e6:.2f}M words/s"
    if theirs:
        line += (f", gensim {statistics.median(theirs) / 1e6:.2f}M words/s, ratio "
                 f"{statistics.median(ours) / statistics.median(theirs):.2f}x")
    print(line)


def print_scaling(arch: str, threads: int, pairs: list[tuple[Run, Run, float]]) -> None:
    """Speed-up of `threads` threads over one, per adjacent pair of runs, and the median,
    beside what the machine itself gave `threads` copies of a plain loop just before."""
    if not pairs:
        return

    def listed(values):
        return ", ".join(f"{x:.2f}" for x in values)

    whole = [many.words_per_second / one.words_per_second for many, one, _ in pairs]
    alone = [one.train_seconds / many.train_seconds for many, one, _ in pairs]
    print(f"scaling {arch}: {threads} threads = {statistics.median(whole):.2f}x one thread, "
          f"whole process (runs: {listed(whole)}); training alone "
          f"{statistics.median(alone):.2f}x (runs: {listed(alone)}); machine: "
          f"{listed(c for _, _, c in pairs)} cores' worth for {threads} plain loops")


_PROBE = """
import time
start = time.perf_counter()
x = 0
for i in range(10_000_000):
    x += i * i % 7
print(time.perf_counter() - start)
"""


def parallel_capacity(n: int) -> float:
    """How many cores' worth of work n concurrent copies of a fixed CPU loop get done right
    now: n on a machine with n free cores, less when neighbours or the host take a share."""
    def loop_seconds(copies: int) -> list[float]:
        procs = [subprocess.Popen([sys.executable, "-c", _PROBE], stdout=subprocess.PIPE,
                                  text=True) for _ in range(copies)]
        return [float(p.communicate()[0]) for p in procs]

    one = loop_seconds(1)[0]
    return n * one / max(loop_seconds(n))


def print_progress(run: Run) -> None:
    print(f"{run.tool} {run.arch}: {run.seconds:.1f} s, {run.words_per_second:,.0f} words/s, "
          f"analogy {100 * run.analogy:.1f}%", file=sys.stderr)


if __name__ == "__main__":
    main()
