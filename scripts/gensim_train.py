"""Train gensim 4 Word2Vec with w2v's settings and write word2vec binary (benchmark helper).

Usage: gensim_train.py MODE CORPUS OUTPUT JSON_SETTINGS, MODE being 'iterable' (LineSentence
over the file) or 'corpus_file'. CORPUS is plain text with short lines in both modes: gensim's
corpus_file mode fails on long lines, and LineSentence holds a whole line as a Python list.
"""

import json
import sys

from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence


def main() -> None:
    mode, corpus, output, settings = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    # every setting whose default differs between the tools is passed (gensim's min_alpha
    # is 1e-4 absolute, w2v's and word2vec.c's alpha * 1e-4)
    params = dict(vector_size=settings["dim"], window=settings["window"],
                  negative=settings["negative"], hs=int(settings.get("hs", False)),
                  sample=settings["sample"],
                  min_count=settings["min_count"], epochs=settings["epochs"],
                  workers=settings["threads"], sg=int(settings["arch"] == "skipgram"),
                  alpha=settings["alpha"], min_alpha=settings["min_alpha"],
                  ns_exponent=settings["ns_exponent"], cbow_mean=int(settings["cbow_mean"]),
                  shrink_windows=settings["shrink_windows"], seed=settings["seed"])
    if mode == "corpus_file":
        model = Word2Vec(corpus_file=corpus, **params)
    else:
        model = Word2Vec(LineSentence(corpus), **params)
    model.wv.save_word2vec_format(output, binary=True)


if __name__ == "__main__":
    main()
