"""Query latency: `w2v similar` start to finish, 1,000 stdin queries, and loading large files.

    python scripts/bench_queries.py --model vectors.w2v      # a model trained on enwiki-t8
    python scripts/bench_queries.py --model vectors.w2v --big-rows 1000000 --big-dim 300

Reports (median of --repeat runs, whole processes unless said otherwise):
  - `w2v similar WORD` on the model, for the native file and its word2vec binary copy;
  - 1,000 queries read from stdin in one process;
  - loading a random V x D word2vec binary file with w2v and with gensim 4 (in-process, one
    after the other, same file, page cache warm for both), and opening the native copy.
Checks, where the issue sets them: similar <= 0.4 s, 1,000 queries <= 2 s, binary load >= 5x
gensim, native open < 0.1 s. The query path must not import numba: checked too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def wall(cmd: list[str], stdin: bytes | None = None, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a trained model (any readable format)")
    parser.add_argument("--word", default="king")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--big-dim", type=int, default=300)
    args = parser.parse_args()

    from w2v.formats import load, save_native, save_word2vec

    w2v = [sys.executable, "-m", "w2v"]
    results = []
    with tempfile.TemporaryDirectory(prefix="w2v-qbench-") as tmp:
        model = load(args.model)
        native, binary = os.path.join(tmp, "m.w2v"), os.path.join(tmp, "m.bin")
        save_native(native, model.words, model.vectors, None, model.counts, {})
        save_word2vec(binary, model.words, model.vectors, binary=True)
        for name, path in [("native", native), ("word2vec binary", binary)]:
            t = wall(w2v + ["similar", args.word, "-m", path], repeat=args.repeat)
            results.append((f"w2v similar {args.word} ({name}, {len(model.words)} x "
                            f"{model.vectors.shape[1]})", t, "<= 0.4 s", t <= 0.4))
        queries = "\n".join(model.words[i] for i in range(0, 10_000, 10)).encode() + b"\n"
        t = wall(w2v + ["similar", "-m", native], stdin=queries, repeat=args.repeat)
        results.append(("1,000 stdin queries, whole process", t, "<= 2 s", t <= 2.0))
        check = subprocess.run(
            [sys.executable, "-c", "import sys, runpy; sys.argv = ['w2v', 'similar', "
             f"{args.word!r}, '-m', {native!r}]\ntry:\n    runpy.run_module('w2v', "
             "run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('numba' in sys.modules)"], capture_output=True, text=True)
        imported = check.stdout.strip().endswith("True")
        results.append(("query path imports numba", float(imported), "never", not imported))

        rng = np.random.default_rng(0)
        big_words = [f"w{i}" for i in range(args.big_rows)]
        big = rng.standard_normal((args.big_rows, args.big_dim), dtype=np.float32)
        big_bin, big_native = os.path.join(tmp, "big.bin"), os.path.join(tmp, "big.w2v")
        save_word2vec(big_bin, big_words, big, binary=True)
        save_native(big_native, big_words, big, None, None, {})
        del big
        label = f"{args.big_rows} x {args.big_dim}"
        ours = in_process(lambda: load(big_bin))
        results.append((f"w2v load word2vec binary {label}", ours, "", True))
        try:
            from gensim.models import KeyedVectors

            theirs = in_process(lambda: KeyedVectors.load_word2vec_format(big_bin, binary=True),
                                repeat=1)
            results.append((f"gensim load_word2vec_format {label}", theirs,
                            f"w2v is {theirs / ours:.1f}x faster (>= 5x)", theirs / ours >= 5))
        except ImportError:
            print("gensim not installed: no load comparison", file=sys.stderr)
        t = in_process(lambda: load(big_native))
        results.append((f"w2v open native {label} (memory map)", t, "< 0.1 s", t < 0.1))

    width = max(len(r[0]) for r in results)
    for name, seconds, target, ok in results:
        print(f"{name.ljust(width)}  {seconds:8.3f} s  {target:<32} {'ok' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
