"""Train fastText 0.9 (the `fasttext` package) with w2v's settings and save its .bin (benchmark
helper; run in its own process so that its time and peak memory are its own).

Usage: fasttext_train.py CORPUS OUTPUT_BIN JSON_SETTINGS. CORPUS is plain text (fastText cannot
read gzip). Only the .bin is written, no .vec: the Python binding has no fast .vec writer, and a
Python loop over the words would charge fastText for our code. fastText's learning rate falls
linearly to zero, so `min_alpha` has no counterpart; its sampling threshold `t` is `sample`;
`train_unsupervised` takes no seed (fastText's own is 0).
"""

import json
import sys

import fasttext


def main() -> None:
    corpus, output, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    model = fasttext.train_unsupervised(
        input=corpus, model=settings["arch"], dim=settings["dim"], ws=settings["window"],
        epoch=settings["epochs"], minCount=settings["min_count"], neg=settings["negative"],
        loss="hs" if settings.get("hs") and not settings["negative"] else "ns",
        t=settings["sample"], lr=settings["alpha"], thread=settings["threads"],
        minn=settings["minn"], maxn=settings["maxn"], bucket=settings["buckets"],
        wordNgrams=1, verbose=0)  # train_unsupervised takes no seed: fastText's default, 0
    model.save_model(output)


if __name__ == "__main__":
    main()
