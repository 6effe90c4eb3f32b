"""`bench.py --subwords`: w2v's subword vectors against fastText 0.9 and gensim 4 FastText.

For each arch and run, alternating: plain `w2v train` (the baseline for the subword run's cost),
`w2v train --subwords`, fastText's `train_unsupervised` (scripts/fasttext_train.py) and gensim
`FastText` (scripts/gensim_fasttext_train.py), all with the same settings, each a whole process
timed from the corpus to a fastText .bin (w2v also writes a .vec beside it; the anchors write only
the .bin). fastText and gensim read a plain-text copy of the corpus in lines of 1,000 words.
One evaluator scores every .bin: w2v.evaluate's analogies (30,000 words), WordSim353 and
SimLex-999 in the vocabulary, and Spearman over all pairs, unseen words included (fastText's
rule, `evaluate_pairs_all_words`), the figure issue 12 sets a floor on for the demo corpus.

The anchors' figures (fastText, gensim) are kept in a JSON cache keyed by tool, version, corpus
(path, size, mtime), arch and every setting; `--reuse-anchors` takes them from there instead of
running the tools again (the table shows when they were measured). The final table, the ratios
and the checklist of issue 12's targets come from one invocation.

Does not: run anything unless bench.py is given --subwords; compare tools on different settings.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import bench

W2V, W2V_PLAIN, FASTTEXT, GENSIM = "w2v --subwords", "w2v plain", "fastText", "gensim FastText"


@dataclass
class Measured:
    tool: str
    arch: str
    seconds: float
    peak_mb: float
    words: int  # raw corpus words, as w2v counts them
    epochs: int
    scores: dict = field(default_factory=dict)  # what _SCORE prints
    measured: str | None = None  # date of a reused anchor run; None: measured now

    @property
    def words_per_second(self) -> float:
        return self.words * self.epochs / self.seconds


# run in a child process, as bench.py scores: the benchmark process stays small
_SCORE = """
import json, sys
from w2v import evaluate as ev
from w2v.vectors import WordVectors
wv = WordVectors.load(sys.argv[1])
analogies = ev.evaluate_analogies(wv, restrict=30_000)
scores = {"analogy": analogies.overall.accuracy, "semantic": analogies.semantic.accuracy,
          "syntactic": analogies.syntactic.accuracy}
for name, path in zip(["ws353", "simlex"], ev.DEFAULT_PAIRS):
    scores[name] = ev.evaluate_pairs(wv, path).spearman
    if wv.subwords is not None:
        scores[name + "_all"] = ev.evaluate_pairs_all_words(wv, path).spearman
print(json.dumps(scores))
"""


def score(run: Measured, path: str) -> Measured:
    out = subprocess.run([sys.executable, "-c", _SCORE, path], capture_output=True, text=True,
                         check=True).stdout
    run.scores = json.loads(out)
    for leftover in (path, os.path.splitext(path)[0] + ".vec"):  # 800 MB each with 2M buckets
        if os.path.exists(leftover):
            os.unlink(leftover)
    return run


# ------------------------------------------------------------------ anchor cache

def anchor_key(tool: str, corpus: str, settings: dict, mode: str | None) -> str:
    package = {FASTTEXT: "fasttext", GENSIM: "gensim"}[tool]
    stat = os.stat(corpus)
    return json.dumps({"tool": tool, "version": metadata.version(package),
                       "corpus": {"path": os.path.abspath(corpus), "size": stat.st_size,
                                  "mtime": stat.st_mtime},
                       "gensim_mode": mode, "settings": settings}, sort_keys=True)


def load_cache(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        sys.exit(f"{path}: not a readable anchor cache ({exc}); delete it or pass --anchor-cache")


def store(cache: dict, path: Path, key: str, run: Measured) -> None:
    record = asdict(run) | {"measured": datetime.date.today().isoformat(),
                            "host": platform.node(), "cpus": os.cpu_count()}
    cache.setdefault(key, []).append(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(cache, indent=1))
    os.replace(partial, path)  # a cache cut short by an interrupt is never left behind


def reused(cache: dict, key: str, runs: int) -> list[Measured]:
    """The latest `runs` cached measurements under `key` (fewer when fewer were kept)."""
    fields = Measured.__dataclass_fields__
    return [Measured(**{k: v for k, v in record.items() if k in fields})
            for record in cache.get(key, [])[-runs:]]


# ------------------------------------------------------------------ running

def warm_kernels(directory: str) -> None:
    """Compile the subword kernels into the regular cache: no timed run pays for compiling."""
    corpus = os.path.join(directory, "tiny-subwords.txt")
    Path(corpus).write_text("alpha beta gamma delta epsilon zeta eta theta\n" * 200)
    for arch in ("skipgram", "cbow"):
        bench.timed([sys.executable, "-m", "w2v", "train", corpus, "-o",
                     os.path.join(directory, "tiny.bin"), "--min-count", "1", "--epochs", "1",
                     "--subwords", "--buckets", "1000", "--arch", arch, "-q"])


def run_anchor(tool: str, arch: str, corpus_lines: str, out: str, settings: dict, mode: str,
               words: int) -> Measured:
    if tool == FASTTEXT:
        cmd = [sys.executable, str(bench.ROOT / "scripts" / "fasttext_train.py"), corpus_lines,
               out, json.dumps(settings)]
    else:
        cmd = [sys.executable, str(bench.ROOT / "scripts" / "gensim_fasttext_train.py"), mode,
               corpus_lines, out, json.dumps(settings)]
    seconds, peak, _ = bench.timed(cmd)
    return Measured(tool, arch, seconds, peak, words, settings["epochs"])


def run(args, archs: list[str], base_settings) -> None:
    """The whole --subwords benchmark: runs, table, ratios, checklist."""
    cache_path = Path(args.anchor_cache)
    cache = load_cache(cache_path)
    anchors = [t for t, skip in ((FASTTEXT, args.no_fasttext), (GENSIM, args.no_gensim))
               if not skip]
    runs: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="w2v-bench-subwords-") as tmp:
        cold, warm = bench.jit_costs(tmp)
        warm_kernels(tmp)
        print(f"JIT: cold start with compilation {cold:.1f} s, warm start {warm:.2f} s; subword "
              f"kernels compiled before the timed runs", file=sys.stderr)
        corpus_lines = None
        for arch in archs:
            plain = base_settings(arch)
            subwords = plain | {"subwords": True, "minn": args.minn, "maxn": args.maxn,
                                "buckets": args.buckets}
            mode = args.gensim_mode if args.gensim_mode != "auto" else (
                "corpus_file" if arch == "cbow" else "iterable")
            keys = {t: anchor_key(t, args.corpus, subwords, mode if t == GENSIM else None)
                    for t in anchors}
            cached = {t: reused(cache, keys[t], args.runs) if args.reuse_anchors else []
                      for t in anchors}
            for i in range(args.runs):
                out = os.path.join(tmp, f"plain-{arch}-{i}.bin")
                base = bench.run_w2v(args.corpus, out, plain)
                runs.append(score(Measured(W2V_PLAIN, arch, base.seconds, base.peak_mb,
                                           base.words, base.epochs), out))
                progress(runs[-1])
                out = os.path.join(tmp, f"w2v-{arch}-{i}.bin")
                ours = bench.run_w2v(args.corpus, out, subwords)
                runs.append(score(Measured(W2V, arch, ours.seconds, ours.peak_mb, ours.words,
                                           ours.epochs), out))
                progress(runs[-1])
                for tool in anchors:
                    if i < len(cached[tool]):
                        runs.append(cached[tool][i])
                        continue
                    if corpus_lines is None:
                        corpus_lines = bench.resplit(args.corpus, tmp)
                    out = os.path.join(tmp, f"{tool.split()[0]}-{arch}-{i}.bin")
                    anchor = score(run_anchor(tool, arch, corpus_lines, out, subwords, mode,
                                              base.words), out)
                    store(cache, cache_path, keys[tool], anchor)
                    runs.append(anchor)
                    progress(anchor)
    print(f"corpus {args.corpus}, settings: dim {args.dim} window {args.window} negative "
          f"{args.negative} sample {args.sample} min-count {args.min_count} epochs {args.epochs} "
          f"threads {args.threads}, subwords minn {args.minn} maxn {args.maxn} buckets "
          f"{args.buckets:,}; anchors cached in {cache_path}")
    print_table(runs)
    for arch in archs:
        print_ratios(arch, [r for r in runs if r.arch == arch])
    print_checklist(runs, args.corpus)


def progress(run: Measured) -> None:
    print(f"{run.tool} {run.arch}: {run.seconds:.1f} s, {run.words_per_second:,.0f} words/s, "
          f"{run.peak_mb:.0f} MB, analogy {100 * run.scores.get('analogy', float('nan')):.1f}%",
          file=sys.stderr)


# ------------------------------------------------------------------ reporting

def print_table(runs: list[Measured]) -> None:
    header = ("tool", "arch", "time s", "words/s", "peak MB", "analogy (sem / syn)", "WS353",
              "SimLex", "WS353 all", "SimLex all", "measured")

    def number(run, name, digits=3):
        value = run.scores.get(name)
        return "-" if value is None else f"{value:.{digits}f}"

    rows = []
    for r in runs:
        s = r.scores
        analogy = (f"{100 * s['analogy']:.1f}% ({100 * s['semantic']:.1f} / "
                   f"{100 * s['syntactic']:.1f})")
        rows.append((r.tool, r.arch, f"{r.seconds:.1f}", f"{r.words_per_second / 1e3:,.0f}k",
                     f"{r.peak_mb:.0f}", analogy, number(r, "ws353"), number(r, "simlex"),
                     number(r, "ws353_all"), number(r, "simlex_all"),
                     f"reused, {r.measured}" if r.measured else "now"))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header, *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))


def median(runs: list[Measured], tool: str, arch: str, what) -> float:
    values = [what(r) for r in runs if r.tool == tool and r.arch == arch]
    return statistics.median(values) if values else float("nan")


def _speed(r):
    return r.words_per_second


def print_ratios(arch: str, runs: list[Measured]) -> None:
    ours = median(runs, W2V, arch, _speed)
    parts = [f"{ours / median(runs, tool, arch, _speed):.2f}x {tool}"
             for tool in (FASTTEXT, GENSIM) if any(r.tool == tool for r in runs)]
    cost = (median(runs, W2V, arch, lambda r: r.seconds)
            / median(runs, W2V_PLAIN, arch, lambda r: r.seconds))
    print(f"ratios {arch} (medians): w2v --subwords throughput = {', '.join(parts) or '-'}; "
          f"time, w2v --subwords / plain w2v = {cost:.2f}x")


def checklist(runs: list[Measured]) -> list[tuple[str, str, str, bool | None]]:
    """Issue 12's targets as (what, measured against floor, met; None: not measured here)."""
    def m(tool, arch, what):
        return median(runs, tool, arch, what)

    def scored(name):
        return lambda r: r.scores.get(name, float("nan"))

    def seconds(r):
        return r.seconds

    def peak(r):
        return r.peak_mb

    def item(what, value, bound, text, at_most=False):
        if value != value or bound != bound:  # NaN: that arch or tool did not run
            return what, "not measured", None
        return what, text.format(value, bound), value <= bound if at_most else value >= bound

    sg, cbow = "skipgram", "cbow"
    percent = "{:.1%} against {:.1%}"
    rho = "{:.3f} against {:.3f}"
    speed = "{:,.0f} against {:,.0f} words/s"
    items = [
        item("skip-gram analogy >= fastText's", m(W2V, sg, scored("analogy")),
             m(FASTTEXT, sg, scored("analogy")), percent),
        item("skip-gram analogy >= 50%", m(W2V, sg, scored("analogy")), 0.50, percent),
        item("skip-gram WS353 >= fastText's - 0.01", m(W2V, sg, scored("ws353")),
             m(FASTTEXT, sg, scored("ws353")) - 0.01, rho),
        item("skip-gram SimLex >= fastText's - 0.01", m(W2V, sg, scored("simlex")),
             m(FASTTEXT, sg, scored("simlex")) - 0.01, rho),
        item("skip-gram throughput >= 4x fastText's", m(W2V, sg, _speed),
             4 * m(FASTTEXT, sg, _speed), speed),
        item("skip-gram throughput >= 5x gensim FastText's", m(W2V, sg, _speed),
             5 * m(GENSIM, sg, _speed), speed),
        item("skip-gram --subwords time <= 2x plain w2v skip-gram's", m(W2V, sg, seconds),
             2 * m(W2V_PLAIN, sg, seconds), "{:.1f} against {:.1f} s", at_most=True),
        item("skip-gram peak memory <= fastText's", m(W2V, sg, peak), m(FASTTEXT, sg, peak),
             "{:.0f} against {:.0f} MB", at_most=True),
        item("CBOW analogy >= fastText CBOW's - 0.5 point", m(W2V, cbow, scored("analogy")),
             m(FASTTEXT, cbow, scored("analogy")) - 0.005, percent),
        item("CBOW throughput >= 4x fastText CBOW's", m(W2V, cbow, _speed),
             4 * m(FASTTEXT, cbow, _speed), speed),
    ]
    items = [(ENWIKI, *i) for i in items]
    for arch in (sg, cbow):
        for name, label in (("ws353_all", "WS353"), ("simlex_all", "SimLex")):
            items.append((DEMO, *item(f"{arch} {label} Spearman over all pairs, unseen words "
                                      f"included, >= fastText's", m(W2V, arch, scored(name)),
                                      m(FASTTEXT, arch, scored(name)), rho)))
    return items


ENWIKI, DEMO = "enwiki-t8", "demo-wiki"  # the corpora the issue sets each floor for


def print_checklist(runs: list[Measured], corpus: str) -> None:
    """Each target PASS or FAIL; on enwiki-t8 or the demo corpus, the other corpus's targets
    are shown but marked n/a (any other corpus: all of them, for what they are worth)."""
    name = os.path.basename(corpus)
    this = next((c for c in (ENWIKI, DEMO) if name.startswith(c)), None)
    print(f"issue 12 targets (floors set for {ENWIKI}, the all-pairs ones for {DEMO}; "
          f"this run: {name}):")
    for scope, what, detail, met in checklist(runs):
        other = this is not None and scope != this
        mark = "n/a " if met is None or other else "PASS" if met else "FAIL"
        print(f"  [{mark}] {what}: {detail}" + (f" (set for {scope})" if other else ""))
