"""Corpus shards: byte ranges that split a corpus exactly, whatever the cut, and word counts
of the parts merged into the very vocabulary a single process builds (cluster groundwork)."""

from __future__ import annotations

import bz2
import gzip
import lzma
import random
import re

import numpy as np
import pytest

from conftest import DATA
from w2v.corpus import CHUNK_IDS, EncodedCorpus, count_words
from w2v.counting import LINE_BREAK, WordCounter
from w2v.distributed import piece_words
from w2v.errors import ConfigError
from w2v.reading import decompressed_size, planned_size, read_blocks
from w2v.shards import Shard, counter_tallies, merge_counts, merged_counter, plan_shards
from w2v.tokenize import Tokenizer
from w2v.training_cluster import BALANCE_PARTS, TAIL_PARTS, _split_tail
from w2v.vocab import Vocabulary

_WORD = re.compile(rb"[^ \n\t\r\x00]+")  # a word as reading sees it: between whitespace bytes
_PIECES = ["a", "bb", "café", "日本語", "x\u0301", "👨\u200d👩\u200d👧", "Zürich", "word", "ю",
           "Ω."]
_GAPS = [" ", "  ", "\n", "\t", "\r\n", "\n\n", " \n", "\x00", "\n "]


def _text(rng: random.Random, n_words: int) -> bytes:
    """Words with multi-byte characters between every kind of whitespace run, sometimes with
    whitespace first and sometimes without a final line break."""
    out = [rng.choice(_GAPS)] if rng.random() < 0.3 else []
    for _ in range(n_words):
        out += [rng.choice(_PIECES), rng.choice(_GAPS)]
    if rng.random() < 0.5:
        out.pop()
    return "".join(out).encode("utf-8")


def _write(path, data: bytes) -> str:
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    with opener(path, "wb") as f:
        f.write(data)
    return str(path)


def _read(path: str, start: int = 0, stop: int | None = None, block_size: int = 4) -> bytes:
    return b"".join(read_blocks(path, block_size, start=start, stop=stop))


def _encoded(sources) -> tuple[list[str], list[int], EncodedCorpus]:
    """(words in order, ids with line breaks as -1 and words as 0, corpus) of `sources`."""
    counter = WordCounter()
    with EncodedCorpus.encode(sources, Tokenizer(), counter) as corpus:
        buffer = np.empty(CHUNK_IDS, dtype=np.int32)
        ids = [int(i) for k in range(corpus.n_chunks) for i in corpus.read_chunk(k, buffer)]
    words = [counter.word(i) for i in ids if i != LINE_BREAK]
    return words, [min(i, 0) for i in ids], corpus


@pytest.mark.parametrize("suffix", [".txt", ".gz"])
def test_a_byte_range_reads_the_words_that_begin_in_it(tmp_path, suffix):
    data = _text(random.Random(1), 8)
    path = _write(tmp_path / f"c{suffix}", data)
    ends = list(range(len(data) + 3)) + [None]  # past the end, and to the end
    for start in range(len(data) + 2):
        for stop in (e for e in ends if e is None or e >= start):
            limit = len(data) if stop is None else stop
            expected = [m.group() for m in _WORD.finditer(data) if start <= m.start() < limit]
            for block_size in (2, 64):
                assert _WORD.findall(_read(path, start, stop, block_size)) == expected, \
                    (start, stop, block_size)


@pytest.mark.parametrize("seed", range(6))
def test_the_ranges_of_a_partition_give_back_every_byte(tmp_path, seed):
    rng = random.Random(seed)
    data = _text(rng, rng.randint(1, 60))
    for suffix in (".txt", ".gz", ".bz2", ".xz"):
        path = _write(tmp_path / f"c{seed}{suffix}", data)
        for _ in range(20):
            cuts = sorted(rng.sample(range(1, len(data) + 4), rng.randint(1, 6)))
            bounds = [0, *cuts, None]
            block_size = rng.choice([1, 2, 7, 1 << 20])
            pieces = [_read(path, a, b, block_size) for a, b in zip(bounds, bounds[1:])]
            assert b"".join(pieces) == data, (suffix, bounds)


def test_a_range_ends_after_the_line_break_that_ends_its_last_word(tmp_path):
    path = _write(tmp_path / "c.txt", b"ab cd\nef\n")
    assert _read(path, 0, 1) == b"ab "  # stop inside 'ab': on to its end and the space
    assert _read(path, 0, 3) == b"ab "  # 'cd' begins at 3: the next range's
    assert _read(path, 3, 5) == b"cd\n"
    assert _read(path, 4, 6) == b""  # inside 'cd', and nothing begins before 6
    assert _read(path, 6, None) == b"ef\n"
    assert _read(path, 2, 2) == b""


def test_a_line_split_between_shards_is_two_sentences_and_two_lines(tmp_path):
    path = _write(tmp_path / "c.txt", b"a b c\nd e\n")
    whole_words, whole_ids, whole = _encoded([path])
    split_words, split_ids, split = _encoded([Shard(path, 0, 2), Shard(path, 2)])
    assert split_words == whole_words == ["a", "b", "c", "d", "e"]
    assert whole_ids == [0, 0, 0, -1, 0, 0, -1]
    assert split_ids == [0, -1, 0, 0, -1, 0, 0, -1]
    assert (whole.stats.lines, split.stats.lines) == (2, 3)
    assert (whole.stats.words, split.stats.words) == (5, 5)
    assert split.stats.files == 2 and split.stats.paths == [path, path]
    # cut at the line break: the same sentences and lines as the whole file
    at_break = _encoded([Shard(path, 0, 6), Shard(path, 6)])
    assert at_break[1] == whole_ids and at_break[2].stats.lines == 2


def _corpus_files(tmp_path, rng: random.Random) -> list[str]:
    """Plain and compressed files, one empty, one without a final line break."""
    paths = [_write(tmp_path / "one.txt", _text(rng, 40) + b"\n"),
             _write(tmp_path / "empty.txt", b""),
             _write(tmp_path / "two.txt.gz", _text(rng, 70)),
             _write(tmp_path / "three.txt", b"tail without break")]
    return paths


@pytest.mark.parametrize("n", [1, 2, 3, 5, 16, 200, 2000])
def test_a_plan_gives_back_the_whole_corpus_in_order(tmp_path, n):
    paths = _corpus_files(tmp_path, random.Random(n))
    sizes = [decompressed_size(p) for p in paths]
    total = sum(sizes)
    plan = plan_shards(paths, n)
    assert len(plan) == n
    part_bytes = [sum((s.stop if s.stop is not None else sizes[paths.index(s.path)]) - s.start
                      for s in part) for part in plan]
    assert sum(part_bytes) == total and max(part_bytes) - min(part_bytes) <= 1
    shards = [shard for part in plan for shard in part]
    assert [s.path for s in shards if s.start == 0] == paths  # every file, in order, once
    for before, after in zip(shards, shards[1:]):  # and no byte left out
        assert after.start == (0 if after.path != before.path else before.stop)
        assert before.stop is None or after.path == before.path
    whole_words, _, whole = _encoded(paths)
    words, corpus_words = [], 0
    for part in plan:
        part_words, _, corpus = _encoded(part)
        words += part_words
        corpus_words += corpus.stats.words
    assert words == whole_words and corpus_words == whole.stats.words


def test_sizes_are_those_of_the_decompressed_streams(tmp_path):
    data = _text(random.Random(3), 500)
    for suffix in (".txt", ".gz", ".bz2", ".xz"):
        assert decompressed_size(_write(tmp_path / f"c{suffix}", data)) == len(data)


def test_a_gzip_size_comes_from_its_trailer_and_a_short_guess_still_covers_the_file(tmp_path):
    rng = random.Random(5)
    first, second = _text(rng, 3000), _text(rng, 9000)
    single = _write(tmp_path / "one.txt.gz", first + second)
    assert planned_size(single) == decompressed_size(single) == len(first + second)
    # two gzip members, as `cat a.gz b.gz` makes: the trailer holds the second one's size
    members = tmp_path / "two.txt.gz"
    members.write_bytes(gzip.compress(first) + gzip.compress(second))
    assert planned_size(str(members)) == len(second) < decompressed_size(str(members))
    whole_words, _, _ = _encoded([str(members)])
    for n in (2, 3, 7):
        plan = plan_shards([str(members)], n)
        assert plan[-1][-1].stop is None  # the last part reads to the end
        assert [w for part in plan for w in _encoded(part)[0]] == whole_words
    # a trailer too small to be the size (an empty last member, as bgzip ends): decompressed
    bgzip_like = tmp_path / "three.txt.gz"
    bgzip_like.write_bytes(gzip.compress(first) + gzip.compress(b""))
    assert planned_size(str(bgzip_like)) == len(first)


def test_stdin_cannot_be_sharded(tmp_path):
    path = _write(tmp_path / "c.txt", b"a b\n")
    with pytest.raises(ConfigError, match="stdin cannot be split"):
        plan_shards([path, "-"], 2)
    with pytest.raises(ConfigError, match="stdin"):
        Shard("-", 0, 10)
    with pytest.raises(ConfigError, match="stdin"):
        list(read_blocks("-", start=3))
    with pytest.raises(ConfigError, match="stdin"):
        decompressed_size("-")
    with pytest.raises(ConfigError, match="at least 1"):
        plan_shards([path], 0)
    with pytest.raises(ConfigError, match="not a byte range"):
        Shard(path, 5, 2)


def _counters(paths: list[str], plan: list[list]) -> tuple[WordCounter, WordCounter]:
    """One counter over `paths`, and the counter merged from the counts of `plan`'s parts."""
    whole = WordCounter()
    count_words(paths, Tokenizer(), whole)
    parts = []
    for k, part in enumerate(plan):
        counter = WordCounter()
        count_words(part, Tokenizer(), counter)
        parts.append(counter if k % 2 else counter_tallies(counter))  # both kinds of part
    return whole, merged_counter(*merge_counts(parts))


def _same_vocabulary(counters: tuple[WordCounter, WordCounter], **options) -> int:
    whole, merged = (Vocabulary.from_counter(c, **options)[0] for c in counters)
    assert merged.words == whole.words, options
    assert merged.counts.tolist() == whole.counts.tolist(), options
    return len(whole)


@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_merged_counts_give_the_single_process_vocabulary_on_the_demo_corpus(tmp_path, n):
    with gzip.open(DATA / "demo-wiki.txt.gz", "rb") as f:
        data = f.read(2_000_000)
    paths = [_write(tmp_path / "a.txt", data[:1_300_000]),
             _write(tmp_path / "b.txt.gz", data[1_300_000:])]
    counters = _counters(paths, plan_shards(paths, n))
    for options in (dict(min_count=5), dict(min_count=1), dict(min_count=1, sorted_vocab=False),
                    dict(min_count=2, max_final_vocab=3000)):
        assert _same_vocabulary(counters, **options) > 1000


@pytest.mark.parametrize("seed", range(5))
def test_merged_counts_keep_the_order_of_many_ties(tmp_path, seed):
    rng = random.Random(seed)
    vocabulary = [f"w{k}" for k in range(300)]
    tokens = [w for w in vocabulary for _ in range(rng.randint(1, 3))]
    rng.shuffle(tokens)
    breaks = sorted(rng.sample(range(1, len(tokens)), len(tokens) // 6))
    lines = [" ".join(tokens[a:b]) for a, b in zip([0, *breaks], [*breaks, None])]
    path = _write(tmp_path / "ties.txt", "\n".join(lines).encode())
    size = decompressed_size(path)
    for _ in range(5):
        cuts = sorted(rng.sample(range(1, size), rng.randint(1, 40)))
        plan = [[Shard(path, a, b)] for a, b in zip([0, *cuts], [*cuts, None])]
        assert _same_vocabulary(_counters([path], plan), min_count=1) == 300
    assert _same_vocabulary(_counters([path], plan_shards([path], 37)), min_count=2) > 0


def test_tallies_list_each_counted_word_with_its_count_and_birth():
    counter = WordCounter()
    counter.encode("b café b\n日本 a café b".encode())
    words, counts, births = counter_tallies(counter)
    assert words == ["b", "café", "日本", "a"]
    assert counts.tolist() == [3, 2, 1, 1] and births.tolist() == [0, 1, 3, 4]
    assert counter_tallies(WordCounter())[0] == []
    words, counts = merge_counts([])
    assert words == [] and len(counts) == 0


def test_merge_orders_words_by_first_appearance_across_parts():
    first, second = WordCounter(), WordCounter()
    first.encode(b"x y x")
    second.encode(b"z y w z")
    words, counts = merge_counts([first, second])
    assert words == ["x", "y", "z", "w"] and counts.tolist() == [2, 2, 2, 1]
    vocab, _ = Vocabulary.from_counter(merged_counter(words, counts), min_count=1)
    assert vocab.words == ["x", "y", "z", "w"]


def test_counts_pruned_under_max_vocab_size_are_refused():
    counter = WordCounter(max_vocab_size=10)
    counter.encode(b"a b c")
    with pytest.raises(ConfigError, match="max_vocab_size"):
        merge_counts([counter])


@pytest.mark.parametrize("block_size", [1, 3, 1 << 20])
def test_reading_a_whole_file_is_unchanged(tmp_path, block_size):
    data = _text(random.Random(block_size), 80)
    path = _write(tmp_path / "c.gz", data)
    blocks = list(read_blocks(path, block_size))
    assert b"".join(blocks) == data
    assert all(_WORD.fullmatch(block[-1:]) is None for block in blocks[:-1])


def test_one_part_is_every_file_whole_each_checked_to_read(tmp_path):
    from w2v.errors import CorpusError

    plain, packed, fake = tmp_path / "a.txt", tmp_path / "b.txt.gz", tmp_path / "c.txt.gz"
    plain.write_text("one two\n")
    packed.write_bytes(gzip.compress(b"three four\n"))
    fake.write_bytes(b"not gzip at all")
    assert plan_shards([str(plain), str(packed)], 1) == [[Shard(str(plain)), Shard(str(packed))]]
    with pytest.raises(CorpusError, match="c.txt.gz: cannot read"):
        plan_shards([str(plain), str(fake)], 1)
    with pytest.raises(CorpusError, match="no such file"):
        plan_shards([str(tmp_path / "missing.txt")], 1)


@pytest.mark.parametrize("parts", [1, 3, 4, 32])
def test_the_slices_of_a_chunk_read_back_the_chunk(tmp_path, parts):
    """A cluster worker's round can be a slice of a chunk: it reads that slice alone."""
    words = " ".join(str(i % 5000) for i in range(CHUNK_IDS + 777))
    counter = WordCounter()
    path = _write(tmp_path / "c.txt", words.encode())
    with EncodedCorpus.encode([path], Tokenizer(), counter) as corpus:
        whole, part = np.empty(CHUNK_IDS, np.int32), np.empty(CHUNK_IDS, np.int32)
        for k in range(corpus.n_chunks):
            chunk = corpus.read_chunk(k, whole).copy()
            slices = [corpus.read_chunk(k, part, p, parts).copy() for p in range(parts)]
            assert np.array_equal(np.concatenate(slices), chunk)
            assert max(len(s) for s in slices) - min(len(s) for s in slices) <= 1


@pytest.mark.parametrize("threads, parts", [(2, 1), (3, 1), (2, 4), (4, 32), (1, 1)])
def test_the_last_pieces_of_a_round_are_sliced_and_read_the_same_ids(tmp_path, threads, parts):
    """A round's last piece on each thread is cut smaller, so the threads end together."""
    words = " ".join(str(i % 5000) for i in range(3 * CHUNK_IDS + 777))
    path = _write(tmp_path / "c.txt", words.encode())
    with EncodedCorpus.encode([path], Tokenizer(), WordCounter()) as corpus:
        pieces = [(n // parts, n % parts, parts) for n in range(corpus.n_chunks * parts)]
        split = _split_tail(pieces, threads)
        buffer = np.empty(CHUNK_IDS, np.int32)

        def ids(of):
            return np.concatenate([corpus.read_chunk(k, buffer, part, n).copy()
                                   for k, part, n in of])

        assert np.array_equal(ids(split), ids(pieces))
        assert (sum(piece_words(corpus.chunk_words, *p) for p in split)
                == sum(corpus.chunk_words))
        sliced = len(pieces) > threads > 1 and parts <= BALANCE_PARTS
        assert len(split) == len(pieces) + (threads * (TAIL_PARTS - 1) if sliced else 0)
