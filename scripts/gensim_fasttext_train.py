"""Train gensim 4 FastText with w2v's settings and save a fastText .bin (benchmark helper, run in
its own process so that its time and peak memory are its own).

Usage: gensim_fasttext_train.py MODE CORPUS OUTPUT_BIN JSON_SETTINGS, MODE being 'iterable'
(LineSentence over the file) or 'corpus_file'; CORPUS is plain text in short lines, as for
gensim_train.py. Writes the .bin with `save_facebook_model` (fastText's format, which w2v reads).
"""

import json
import sys

from gensim.models import FastText
from gensim.models.fasttext import save_facebook_model
from gensim.models.word2vec import LineSentence


def main() -> None:
    mode, corpus, output, settings = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    # every setting whose default differs between the tools is passed, as in gensim_train.py
    params = dict(vector_size=settings["dim"], window=settings["window"],
                  negative=settings["negative"], hs=int(settings.get("hs", False)),
                  sample=settings["sample"], min_count=settings["min_count"],
                  epochs=settings["epochs"], workers=settings["threads"],
                  sg=int(settings["arch"] == "skipgram"), alpha=settings["alpha"],
                  min_alpha=settings["min_alpha"], ns_exponent=settings["ns_exponent"],
                  cbow_mean=int(settings["cbow_mean"]),
                  shrink_windows=settings["shrink_windows"], seed=settings["seed"],
                  min_n=settings["minn"], max_n=settings["maxn"], bucket=settings["buckets"])
    if mode == "corpus_file":
        model = FastText(corpus_file=corpus, **params)
    else:
        model = FastText(LineSentence(corpus), **params)
    save_facebook_model(model, output)


if __name__ == "__main__":
    main()
