"""Benchmark `w2v train --ray` on a local Ray runtime against single-process runs, side by side.

Runs, in this order, each a whole process scored by one evaluator (bench.py's): plain `w2v
train` with 1 and 2 threads, then `--ray --workers W --threads T` for each W x T asked for
(default 1x1, 1x2, 2x1, 4x1), and, with --scale, 8 and 16 workers of one thread each (on a
2-core machine they share the cores: their speed means nothing, their quality is the point). The
runs whose times the targets compare (plain x1 and x2, 1x1, 1x2, 2x1) go --repeat times (default
2), interleaved, and each counts its fastest run: on this shared machine the same run varied by
5% from one hour to the next, and the fastest of a few is the least disturbed (as timeit takes
the minimum); the targets' ratios are also printed pass by pass, with their median. The runs
whose quality the targets compare (plain x1, 2x1, 4x1) go with --seeds seeds (default 3: 1, 2,
3) and each counts the mean of their scores: one process scored 37.2%, 35.8% and 36.4% on the
analogies with seeds 1 to 3, so one seed against one seed would judge the seeds as much as the
workers. Every run is scored (bench.py's evaluator). Prints the table, the rows exchanged per
run (from w2v's own log), and issue 13's targets: 2 and 4 workers within 1 point of analogy and
0.01 of WordSim353 of the single process; 2 x 1 at least 1.6x the throughput of 1 x 1; 1 x 2
within 15% of plain --threads 2.

    python scripts/bench_ray.py                          # enwiki-t8, ANCHORS.md settings
    python scripts/bench_ray.py --scale --epochs 5
    python scripts/bench_ray.py --corpus ../shared/data/demo-wiki.txt.gz --configs 2x1
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile

import bench

SETTINGS = dict(arch="skipgram", dim=100, window=5, negative=5, sample=1e-4, min_count=5,
                epochs=5, seed=1)


TIMED = {"plain x1", "plain x2", "ray 1x1", "ray 1x2", "ray 2x1"}  # in the targets' ratios
QUALITY = {"plain x1", "ray 2x1", "ray 4x1"}  # in the targets' quality checks


def timed_run(corpus: str, out: str, settings: dict, label: str, extra: list[str]) -> dict:
    """One whole-process run: its time and peak memory, or why it failed."""
    cmd = bench.w2v_command(corpus, out, settings) + extra
    try:
        seconds, peak, stderr = bench.timed(cmd)
    except SystemExit as failed:  # a run that stops (diverged) is a result too
        why = str(failed).strip().splitlines()[-1]
        print(f"{label}: failed: {why}", file=sys.stderr)
        return dict(label=label, failed=why)
    exchanged = re.search(r"([\d,]+) MiB of rows exchanged", stderr)
    print(f"{label}: {seconds:.1f} s", file=sys.stderr)
    return dict(label=label, out=out, seconds=seconds, peak=peak, epochs=settings["epochs"],
                arch=settings["arch"],
                words=int(re.search(r"read ([\d,]+) words", stderr).group(1).replace(",", "")),
                exchanged_mib=int(exchanged.group(1).replace(",", "")) if exchanged else 0)


def scored(row: dict) -> dict:
    """The run's vectors scored by bench.py's evaluator."""
    if "failed" in row:
        return row
    result = bench.score(bench.Run("w2v", row["arch"], row["seconds"], row["peak"],
                                   row["words"], row["epochs"]), row["out"])
    row = dict(row, words_per_second=result.words_per_second, analogy=result.analogy,
               ws353=result.ws353, simlex=result.simlex)
    print(f"{row['label']}: {row['seconds']:.1f} s, {row['words_per_second']:,.0f} words/s, "
          f"analogy {100 * row['analogy']:.1f}%, WS353 {row['ws353']:.3f}, "
          f"{row['exchanged_mib']:,} MiB exchanged", file=sys.stderr)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(bench.DEFAULT_CORPUS))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--configs", default="1x1,1x2,2x1,4x1",
                        help="WORKERSxTHREADS,... [default: 1x1,1x2,2x1,4x1]")
    parser.add_argument("--scale", action="store_true", help="also 8x1 and 16x1 (quality)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each configuration the targets time; the fastest counts "
                             "[default: 2]")
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds of each configuration the targets score; the mean counts "
                             "[default: 3]")
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"{args.corpus}: no such file (pass --corpus)")
    settings = dict(SETTINGS, epochs=args.epochs)
    configs = [tuple(map(int, c.split("x"))) for c in args.configs.split(",")]
    if args.scale:
        configs += [(8, 1), (16, 1)]
    plan = {f"plain x{threads}": (dict(settings, threads=threads), [])  # label: settings, extra
            for threads in (1, 2)}
    for workers, threads in configs:
        plan[f"ray {workers}x{threads}"] = (dict(settings, threads=threads),
                                            ["--ray", "--workers", str(workers)])
    runs: dict[str, list[dict]] = {}  # label -> its runs, in order
    with tempfile.TemporaryDirectory(prefix="w2v-bench-ray-") as tmp:
        bench.jit_costs(tmp)  # compile the kernels before anything is timed
        for n in range(max(args.repeat, args.seeds, 1)):  # interleaved: noise hits every one
            for label, (run_settings, extra) in plan.items():
                wanted = max(args.repeat if label in TIMED else 1,
                             args.seeds if label in QUALITY else 1)
                if n >= wanted or "failed" in runs.get(label, [{}])[0]:
                    continue
                seed = n + 1 if label in QUALITY else SETTINGS["seed"]
                out = os.path.join(tmp, f"{label.replace(' ', '-')}-{n}.bin")
                row = timed_run(args.corpus, out, dict(run_settings, seed=seed), label, extra)
                runs.setdefault(label, []).append(scored(row))
                if os.path.exists(out):
                    os.remove(out)
    rows = {label: summary(label_runs, args.repeat) for label, label_runs in runs.items()}
    timed = ", ".join(label for label in plan if label in TIMED)
    seeded = ", ".join(label for label in plan if label in QUALITY)
    print(f"corpus {args.corpus}, skip-gram, dim 100, window 5, negative 5, sample 1e-4, "
          f"min-count 5, epochs {args.epochs}; local Ray runtime on {os.cpu_count()} cores; "
          f"times: {timed} the fastest of {max(1, args.repeat)} runs; scores: {seeded} the "
          f"means of seeds 1-{max(1, args.seeds)}, the others seed {SETTINGS['seed']}")
    header = ("run", "time s", "words/s", "peak MB", "analogy", "WS353", "SimLex", "MiB sent")
    table = [(k, f"{r['seconds']:.1f}", f"{r['words_per_second'] / 1e3:,.0f}k",
              f"{r['peak']:.0f}", f"{100 * r['analogy']:.1f}%", f"{r['ws353']:.3f}",
              f"{r['simlex']:.3f}", f"{r['exchanged_mib']:,}")
             for k, r in rows.items() if "failed" not in r]
    widths = [max(len(x) for x in col) for col in zip(header, *table)]
    for line in [header, *table]:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip())
    for label, r in rows.items():
        if "failed" in r:
            print(f"{label}: failed: {r['failed']}")
    for label, r in rows.items():
        if len(r.get("analogies", ())) > 1:
            print(f"{label} by run: analogy "
                  f"{' / '.join(f'{100 * a:.1f}%' for a in r['analogies'])}, WS353 "
                  f"{' / '.join(f'{w:.3f}' for w in r['ws353s'])}")
    for label, label_runs in runs.items():
        for n, r in enumerate(label_runs[1:], 2):
            if "failed" in r:
                print(f"{label}: run {n} failed: {r['failed']}")
    print_targets(rows, runs)


def summary(label_runs: list[dict], repeat: int) -> dict:
    """A configuration's row: the time of its fastest run among the first `repeat` (those every
    timed configuration has, so none gets more tries), the mean scores of all that finished (a
    first run that failed stands for them all)."""
    if "failed" in label_runs[0]:
        return label_runs[0]
    done = [r for r in label_runs if "failed" not in r]
    timed = [r for r in label_runs[:max(repeat, 1)] if "failed" not in r] or done
    row = dict(min(timed, key=lambda r: r["seconds"]))
    row["analogies"] = [r["analogy"] for r in done]
    row["ws353s"] = [r["ws353"] for r in done]
    for key in ("analogy", "ws353", "simlex"):
        row[key] = sum(r[key] for r in done) / len(done)
    return row


def by_pass(runs: dict, faster: str, slower: str) -> str:
    """The throughput ratio of two configurations within each pass, side by side, and their
    median: the fastest runs may come from different passes, and the machine's speed drifts
    between them (by a third within one benchmark, once: a fastest-run ratio of 1.338x, pass by
    pass 1.286x / 1.600x / 1.751x)."""
    pairs = zip(runs.get(faster, []), runs.get(slower, []))
    ratios = [a["words_per_second"] / b["words_per_second"] for a, b in pairs
              if "failed" not in a and "failed" not in b]
    if len(ratios) < 2:
        return ""
    return (f" (by pass: {' / '.join(f'{x:.3f}x' for x in ratios)}; "
            f"median {statistics.median(ratios):.3f}x)")


def print_targets(rows: dict, runs: dict) -> None:
    single = rows["plain x1"]
    checks = []
    for workers in (2, 4):  # 8 and 16 workers: reported above, the issue sets no floor
        r = rows.get(f"ray {workers}x1")
        if r and "failed" in r:
            checks.append((f"{workers} workers: quality of one process", False, r["failed"]))
        elif r:
            checks.append((f"{workers} workers: analogy within 1 point of one process",
                           r["analogy"] >= single["analogy"] - 0.01,
                           f"{100 * r['analogy']:.1f}% against {100 * single['analogy']:.1f}%"))
            checks.append((f"{workers} workers: WS353 within 0.01 of one process",
                           r["ws353"] >= single["ws353"] - 0.01,
                           f"{r['ws353']:.3f} against {single['ws353']:.3f}"))
    if all(k in rows and "failed" not in rows[k] for k in ("ray 2x1", "ray 1x1")):
        ratio = rows["ray 2x1"]["words_per_second"] / rows["ray 1x1"]["words_per_second"]
        checks.append(("2 x 1 at least 1.6x the throughput of 1 x 1", ratio >= 1.6,
                       f"{ratio:.3f}x" + by_pass(runs, "ray 2x1", "ray 1x1")))
    if "ray 1x2" in rows and "failed" not in rows["ray 1x2"]:
        ratio = rows["ray 1x2"]["words_per_second"] / rows["plain x2"]["words_per_second"]
        checks.append(("1 x 2 within 15% of plain --threads 2", ratio >= 0.85,
                       f"{ratio:.3f}x" + by_pass(runs, "ray 1x2", "plain x2")))
    print("issue 13 targets:")
    for what, met, detail in checks:
        print(f"  [{'PASS' if met else 'FAIL'}] {what}: {detail}")


if __name__ == "__main__":
    main()
