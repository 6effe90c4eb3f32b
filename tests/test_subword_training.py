"""Training with character n-grams (--subwords): what it learns, and that every option of a plain
run keeps working with it (seeds, checkpoints, --resume, --init, output formats)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import w2v
from conftest import TOPICS
from w2v.checkpoint import Every, load_checkpoint
from w2v.config import TrainConfig
from w2v.formats import load
from w2v.sampling import keep_thresholds
from w2v.subwords import ngram_ids
from w2v.training import train

SMALL = dict(dim=16, window=3, epochs=3, min_count=2, threads=1, seed=3, subwords=True,
             minn=2, maxn=4, buckets=5000)


def w2v_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "w2v", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_word_vectors_are_the_mean_of_their_bags(topic_corpus):
    model = w2v.train(str(topic_corpus), **SMALL)
    assert model.ngrams is not None and len(model.ngrams.buckets) > 0
    index = {w: i for i, w in enumerate(model.vocab.words)}
    word = TOPICS["animal"][0]
    ids = ngram_ids(word, 2, 4, 5000)
    rows = model.ngrams.rows_of(ids)
    assert (rows >= 0).all()  # every n-gram of a vocabulary word has a row
    expected = (model.vectors[index[word]] + model.ngrams.vectors[rows].sum(axis=0)) / (
        1 + len(ids))
    np.testing.assert_allclose(model.word_vectors()[index[word]], expected, rtol=1e-5,
                               atol=1e-7)
    # only reached buckets are held: far fewer rows than buckets on a small vocabulary
    assert len(model.ngrams.buckets) < 5000
    assert model.inputs.shape == (len(model.vocab) + len(model.ngrams.buckets), 16)


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_topic_words_are_nearest_neighbours_with_subwords(topic_corpus, arch):
    model = w2v.train(str(topic_corpus), arch=arch, dim=24, window=3, epochs=5, min_count=2,
                      threads=1, sample=0, seed=1, subwords=True, buckets=20000)
    vectors = model.word_vectors()
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    index = {w: i for i, w in enumerate(model.vocab.words)}
    hits = total = 0
    for words in TOPICS.values():
        for word in words:
            sims = unit @ unit[index[word]]
            sims[index[word]] = -np.inf
            hits += model.vocab.words[int(np.argmax(sims))] in words
            total += 1
    assert hits / total >= 0.8
    losses = [e.mean_loss for e in model.report.epochs]
    assert losses[-1] < losses[0]


def test_one_thread_and_a_seed_give_the_same_weights(topic_corpus):
    first, second = (w2v.train(str(topic_corpus), **SMALL) for _ in range(2))
    assert np.array_equal(first.inputs, second.inputs)
    assert np.array_equal(first.output, second.output)


def test_maxn_zero_is_plain_word2vec(topic_corpus):
    settings = {**SMALL, "maxn": 0}
    plain = w2v.train(str(topic_corpus), **{**settings, "subwords": False})
    no_ngrams = w2v.train(str(topic_corpus), **settings)
    assert no_ngrams.ngrams is None
    assert np.array_equal(plain.vectors, no_ngrams.vectors)


def test_resumed_subword_run_is_bit_identical_with_one_thread(tmp_path, topic_corpus):
    config = TrainConfig(**SMALL)
    whole = train([str(topic_corpus)], config, progress=False)
    ckpt = str(tmp_path / "run.checkpoint")
    train([str(topic_corpus)], config, progress=False, checkpoint_path=ckpt,
          checkpoint_every=Every(epochs=1))
    state = load_checkpoint(ckpt)
    assert state.ngrams is not None and state.progress.next_job > 0
    resumed = train([str(topic_corpus)], config, progress=False, resume=state)
    assert np.array_equal(whole.inputs, resumed.inputs)
    assert np.array_equal(whole.output, resumed.output)


def test_native_model_keeps_the_ngrams_and_continues_with_init(tmp_path, topic_corpus,
                                                               small_corpus):
    model = w2v.train(str(topic_corpus), **SMALL)
    path = tmp_path / "m.w2v"
    w2v.save(model, str(path))
    read = load(str(path))
    np.testing.assert_array_equal(read.vectors, model.word_vectors())
    np.testing.assert_array_equal(read.ngrams.buckets, model.ngrams.buckets)
    np.testing.assert_array_equal(read.ngrams.vectors, model.ngrams.vectors)
    more = train([str(small_corpus)], TrainConfig(**{**SMALL, "epochs": 1}), progress=False,
                 init=read)
    assert more.ngrams is not None and len(more.vocab) >= len(model.vocab)
    old = {w: i for i, w in enumerate(model.vocab.words)}
    assert all(w in old for w in model.vocab.words[:5])


def test_cli_writes_a_fasttext_bin_and_a_vec_and_answers_unseen_words(tmp_path, topic_corpus):
    out = tmp_path / "m.bin"
    result = w2v_cli("train", topic_corpus, "-o", out, "--subwords", "--buckets", "5000",
                     "--dim", "16", "--epochs", "2", "--min-count", "2", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert "fastText" in result.stderr and (tmp_path / "m.vec").exists()
    vec = load(str(tmp_path / "m.vec"))
    assert len(vec.words) > 10
    word = TOPICS["animal"][0]
    unseen = word + "zz"  # a misspelling: not a vocabulary word, most n-grams known
    result = w2v_cli("similar", "-m", out, unseen)
    assert result.returncode == 0, result.stderr
    assert "character n-grams" in result.stderr and result.stdout.strip()


def test_ngram_options_alone_turn_subwords_on_and_bad_lengths_are_usage_errors(tmp_path,
                                                                              topic_corpus):
    out = tmp_path / "m.w2v"
    result = w2v_cli("train", topic_corpus, "-o", out, "--maxn", "4", "--buckets", "5000",
                     "--dim", "8", "--epochs", "1", "--min-count", "2", "-q")
    assert result.returncode == 0, result.stderr
    assert load(str(out)).ngrams is not None
    result = w2v_cli("train", topic_corpus, "-o", out, "--subwords", "--minn", "5", "--maxn",
                     "3")
    assert result.returncode == 2 and "maxn=3 is below minn=5" in result.stderr


def test_rows_in_use_order_give_the_same_files_as_rows_in_bucket_order(tmp_path, topic_corpus):
    model = w2v.train(str(topic_corpus), **SMALL)
    buckets = model.ngrams.buckets
    assert not (np.diff(buckets) > 0).all()  # laid out by use, not by bucket
    kept = model.vocab.counts * keep_thresholds(model.vocab.counts, 1e-3) / 2.0**32
    top = int(np.argmax(kept))  # the word training reads most: its n-grams come first, in order
    first_rows = model.ngrams.rows_of(model.table.of(top))
    distinct = list(dict.fromkeys(first_rows.tolist()))
    assert distinct == list(range(len(distinct)))
    w2v.save(model, str(tmp_path / "m.bin"))
    w2v.save(model, str(tmp_path / "m.w2v"))
    fasttext_bin, native = load(str(tmp_path / "m.bin")), load(str(tmp_path / "m.w2v"))
    np.testing.assert_allclose(fasttext_bin.vectors, model.word_vectors(), atol=1e-6)
    for word in ("horsse", "xcatx", "breadd"):
        np.testing.assert_allclose(fasttext_bin.subwords.word_vector(word),
                                   native.subwords.word_vector(word), atol=1e-6)
