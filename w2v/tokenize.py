"""Turn blocks of corpus bytes into normalised tokens separated by spaces, lines by b'\\n'.

Normalisation (the default, see `TrainConfig.lowercase` and `strip_punctuation`): text is
lowercased and every punctuation or symbol character except '_' becomes a space, so raw text like
"Paris, the capital." gives `paris the capital`, close to the text8 convention that the
pre-tokenised benchmark corpora follow (and those pass through unchanged). '_' is kept so joined
phrases such as `new_york` stay one token. NUL and other control characters always count as spaces.

Invalid UTF-8 never stops reading: each invalid sequence becomes U+FFFD and is counted; U+FFFD is
a symbol, so with punctuation stripping it separates words rather than joining into them.

Does not: open or read files (see `reading`), build vocabularies, or map words to ids.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from .reading import read_blocks

_ASCII_WHITESPACE = b" \t\n\r\x0b\x0c"


def _byte_table(lowercase: bool, strip_punctuation: bool) -> bytes:
    """A bytes.translate table for the ASCII part of normalisation (fast: no decoding needed)."""
    table = bytearray(range(256))
    for b in range(32):  # control characters are separators, except the line break itself
        if b != ord("\n"):
            table[b] = ord(" ")
    table[127] = ord(" ")
    if lowercase:
        for b in range(ord("A"), ord("Z") + 1):
            table[b] = b + 32
    if strip_punctuation:
        for b in range(33, 127):
            ch = chr(b)
            if not ch.isalnum() and ch != "_":
                table[b] = ord(" ")
    return bytes(table)


@functools.cache
def _unicode_table(strip_punctuation: bool) -> dict[int, int]:
    """Map non-ASCII spaces and controls (and punctuation and symbols, if stripping) to ' '.

    Format characters (Cf, such as the zero-width non-joiner inside Persian words) are kept.
    Unicode line and paragraph separators count as spaces: only '\\n' ends a line.
    """
    space = ord(" ")
    table = {}
    for cp in range(128, 0x30000):
        ch = chr(cp)
        category = unicodedata.category(ch)
        if ch.isspace() or category == "Cc" or (strip_punctuation and category[0] in "PS"):
            table[cp] = space
    return table


_NON_ASCII_RUN = re.compile("[^\\x00-\\x7f]+")


class Tokenizer:
    """Splits blocks of bytes into lines of tokens and counts replaced invalid UTF-8."""

    def __init__(self, lowercase: bool = True, strip_punctuation: bool = True):
        self.lowercase = lowercase
        self.strip_punctuation = strip_punctuation
        self._table = _byte_table(lowercase, strip_punctuation)
        self.invalid_sequences = 0

    def normalize(self, block: bytes) -> bytes:
        """`block` as valid UTF-8 with tokens separated by single-byte spaces or b'\\n'.

        ASCII text needs one bytes.translate (fast); other text is decoded, normalised and
        encoded again, with every Unicode space (no-break space, em space...) made a b' '.
        """
        data = block.translate(self._table)
        if data.isascii():
            return data
        return self._normalise_unicode(self._decode(data)).encode("utf-8")

    def lines(self, block: bytes) -> list[list[str]]:
        """The tokens of each line in `block`; a trailing piece without '\\n' is a partial line.

        The returned list always has one more element than `block` has line breaks: the last
        element continues on the next block.
        """
        return [line.split() for line in self.normalize(block).decode("utf-8").split("\n")]

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            self.invalid_sequences += text.count("\ufffd") - data.count("\ufffd".encode())
            return text

    def _normalise_unicode(self, text: str) -> str:
        if self.lowercase:
            text = text.lower()
        # translate only the non-ASCII runs: str.translate with a dict is slow per character
        table = _unicode_table(self.strip_punctuation)
        return _NON_ASCII_RUN.sub(lambda run: run.group().translate(table), text)


def iter_lines(paths: list[str], lowercase: bool = True, strip_punctuation: bool = True,
               tokenizer: Tokenizer | None = None) -> Iterator[list[str]]:
    """Yield the token list of every line of every file, in order (for small inputs and tests)."""
    tokenizer = tokenizer or Tokenizer(lowercase, strip_punctuation)
    for path in paths:
        carry: list[str] = []
        for block in read_blocks(path):
            lines = tokenizer.lines(block)
            lines[0] = carry + lines[0]
            carry = lines.pop()
            yield from lines
        if carry:
            yield carry


__all__ = ["Tokenizer", "iter_lines"]
