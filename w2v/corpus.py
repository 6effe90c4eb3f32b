"""Encode corpus files into provisional token ids kept on disk, and read them back in chunks.

One streaming pass tokenizes every file, gives each word a provisional id (`counting.WordCounter`),
and appends the ids, with LINE_BREAK after every line, to an anonymous temporary file. Training
then reads fixed-size chunks of that file, epoch after epoch, so memory does not grow with the
corpus and stdin or compressed input is read only once. Chunk boundaries act as line breaks,
which at 2**17 ids a chunk changes nothing measurable. When pruning gave a word's id to another
word, one more pass over the file rewrites the tokens written under the old owner to the
counter's `stale_id`, which trains as an unknown word (see `counting`). A source may also be a
shard, a byte range of a file (see `shards`): a worker encodes its part of a corpus so.

Does not: read files (see `reading`), decide what is in the vocabulary (see `vocab`) or train
anything.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .counting import LINE_BREAK, WordCounter
from .errors import CorpusError
from .memory import return_free_memory
from .reading import prefetched, read_blocks
from .shards import Shard
from .tokenize import Tokenizer

CHUNK_IDS = 1 << 17  # ids per training chunk: ~0.1 s of work, so threads finish together
_ITEM = np.dtype(np.int32).itemsize


@dataclass
class CorpusStats:
    """What the encoding pass saw."""

    files: int = 0
    lines: int = 0
    words: int = 0  # raw tokens, before min-count and down-sampling
    invalid_utf8: int = 0  # invalid byte sequences replaced by U+FFFD
    paths: list[str] = field(default_factory=list)


def encoded_blocks(paths: list[str | Shard], tokenizer: Tokenizer,
                   counter: WordCounter) -> Iterator[tuple[int, np.ndarray]]:
    """(source index, provisional ids with LINE_BREAKs) for each block of each file or shard,
    counting the words in `counter` on the way: the one reading loop every pass over a corpus
    uses."""
    for index, source in enumerate(paths):
        for block in prefetched(_source_blocks(source)):
            yield index, counter.encode(tokenizer.normalize(block))


def _source_blocks(source: str | Shard) -> Iterator[bytes]:
    if isinstance(source, Shard):
        return read_blocks(source.path, start=source.start, stop=source.stop)
    return read_blocks(source)


def word_count(ids: np.ndarray) -> int:
    """Words among encoded ids (line breaks excluded)."""
    return len(ids) - int(np.count_nonzero(ids == LINE_BREAK))


def count_words(paths: list[str | Shard], tokenizer: Tokenizer, counter: WordCounter) -> int:
    """Count the words of `paths` in `counter` without keeping the token ids; returns how
    many words were read."""
    return sum(word_count(ids) for _, ids in encoded_blocks(paths, tokenizer, counter))


class EncodedCorpus:
    """Provisional token ids of a corpus in a temporary file, in chunks of CHUNK_IDS ids."""

    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix="w2v-ids-")
        self.chunk_words: list[int] = []  # raw words in each chunk
        self.stats = CorpusStats()
        self._size = 0  # ids written

    @classmethod
    def encode(cls, paths: list[str | Shard], tokenizer: Tokenizer, counter: WordCounter,
               on_words: Callable[[int], None] | None = None) -> EncodedCorpus:
        """Tokenize `paths` in order, counting words in `counter`; `on_words(n)` gets progress.

        A path may be a `shards.Shard`, a byte range of a file: it reads as a file of its own,
        so its last line ends where it ends and a line split between two shards is two
        sentences. The stats count each source as a file (`paths` lists a shard's file) and
        each sentence as a line: over the shards of a plan, words add up to the whole
        corpus's, and lines to its lines plus at most one for each shard boundary inside a line.
        """
        corpus = cls()
        try:
            corpus._encode(paths, tokenizer, counter, on_words)
        except BaseException:
            corpus.close()
            raise
        return corpus

    def _encode(self, paths, tokenizer, counter, on_words):
        pending = np.empty(0, dtype=np.int32)
        first_ordinal = counter.words_seen  # words a given vocabulary was seeded with
        self.stats.files = len(paths)
        self.stats.paths = [p.path if isinstance(p, Shard) else p for p in paths]
        current = 0
        for index, ids in encoded_blocks(paths, tokenizer, counter):
            if index != current:  # a new file: the previous file's last line ends here
                pending = self._end_line(pending)
                current = index
            self.stats.lines += len(ids) - word_count(ids)
            pending = self._flush(np.concatenate([pending, ids]), on_words)
        last = paths[-1] if paths else None
        # a shard that stops inside its file leaves its last line to the next shard to count
        continued = isinstance(last, Shard) and last.stop is not None
        self._flush(self._end_line(pending, count=not continued), on_words, final=True)
        self.stats.invalid_utf8 = tokenizer.invalid_sequences
        return_free_memory()  # the reading pass's buffers, before training allocates
        try:
            self._file.flush()
            if counter.reused_ids:  # only runs that pruned and reused ids pay for this pass
                self._forget_stale_tokens(counter, first_ordinal)
        except OSError as exc:
            raise CorpusError(f"cannot write the temporary token file: {exc.strerror}") from None

    def _forget_stale_tokens(self, counter: WordCounter, ordinal: int) -> None:
        """Rewrite, chunk by chunk, the tokens whose id went to another word after them."""
        buffer = np.empty(CHUNK_IDS, dtype=np.int32)
        for k in range(self.n_chunks):
            ids = self.read_chunk(k, buffer)
            ordinal, rewritten = counter.mark_stale(ids, ordinal, counter.stale_id)
            if rewritten:
                data = memoryview(ids).cast("B")
                done = 0
                while done < len(data):
                    done += os.pwrite(self._file.fileno(), data[done:],
                                      k * CHUNK_IDS * _ITEM + done)

    def _end_line(self, pending: np.ndarray, count: bool = True) -> np.ndarray:
        """End an unfinished last line of a file (files never share a line)."""
        if len(pending) and pending[-1] != LINE_BREAK:
            if count:
                self.stats.lines += 1
            return np.append(pending, np.int32(LINE_BREAK))
        return pending

    def _flush(self, pending: np.ndarray, on_words, final: bool = False) -> np.ndarray:
        """Write whole chunks of `pending` (all of it when `final`); return what is left."""
        start = 0
        while len(pending) - start >= CHUNK_IDS or (final and start < len(pending)):
            chunk = pending[start:start + CHUNK_IDS]
            words = word_count(chunk)
            try:
                self._file.write(chunk.tobytes())
            except OSError as exc:
                raise CorpusError(f"cannot write the temporary token file in "
                                  f"{tempfile.gettempdir()}: {exc.strerror}") from None
            self.chunk_words.append(words)
            self.stats.words += words
            self._size += len(chunk)
            start += len(chunk)
            if on_words:
                on_words(words)
        return pending[start:]

    @property
    def n_chunks(self) -> int:
        return len(self.chunk_words)

    def read_chunk(self, k: int, buffer: np.ndarray, part: int = 0, parts: int = 1
                   ) -> np.ndarray:
        """The provisional ids of chunk `k`, or of its `part` of `parts` equal slices, read
        into the start of `buffer` (int32, at least CHUNK_IDS long: a thread reuses one and
        allocates nothing). Safe from several threads at once."""
        whole = min(CHUNK_IDS, self._size - k * CHUNK_IDS)
        first, end = whole * part // parts, whole * (part + 1) // parts
        offset = k * CHUNK_IDS + first
        ids = buffer[:end - first]
        view = memoryview(ids).cast("B")
        done = 0
        while done < len(view):
            got = os.preadv(self._file.fileno(), [view[done:]], offset * _ITEM + done)
            if got == 0:
                raise CorpusError("the temporary token file was truncated while training")
            done += got
        return ids

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EncodedCorpus:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
