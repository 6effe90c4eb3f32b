"""Turn blocks of corpus bytes into normalised tokens separated by spaces, lines by b'\\n'.

The rules, in the order they apply (the defaults; see `TrainConfig.normalization`, `lowercase`
and `strip_punctuation`):

1. Decoding: invalid UTF-8 never stops reading; each invalid sequence becomes U+FFFD and is
   counted. U+FFFD is a symbol, so with punctuation stripping it separates words.
2. Unicode normalisation: NFC by default, so 'café' typed with a precomposed 'é' or with 'e' and
   a combining accent (NFD) is one word. NFKC also folds compatibility characters: full-width
   letters ('Ｐａｒｉｓ' is 'Paris'), ligatures ('ﬁ' is 'fi'), superscripts ('²' is '2').
   'none' keeps the text as it is.
3. Lowercasing: `fold_case`, which is `str.lower()` except that 'İ' (U+0130) becomes a plain
   'i', not 'i' + U+0307. Queries and evaluation fold case with the same function.
4. Separators: controls (NUL included), every Unicode space and U+200B ZERO WIDTH SPACE separate
   words; Unicode line and paragraph separators too, as only '\\n' ends a line.
5. Format characters (category Cf: soft hyphen, bidi marks, word joiner, BOM, tags...) are
   deleted, not made spaces ('co\\u00admpany' is 'company'), except U+200C ZWNJ and U+200D ZWJ,
   which Persian, Indic scripts and emoji sequences need inside a word.
6. Punctuation and symbols (categories P and S) except '_' become spaces, so raw text like
   "Paris, the capital." gives `paris the capital`, close to the text8 convention that the
   pre-tokenised benchmark corpora follow (and those pass through unchanged). '_' is kept so
   joined phrases such as `new_york` stay one token.
7. Stray marks: combining marks (Mn, Mc, Me, variation selectors included) at the start of a
   token, and ZWJ/ZWNJ at its start or end, are deleted; a token made only of them vanishes.
   So 'I ❤️ it 👨‍👩‍👧' gives `i it`, and with --keep-punctuation the emoji stay whole tokens.

Pure ASCII needs only rules 3, 4 and 6: one bytes.translate does them (fast). In other blocks
only the stretches around non-ASCII characters are decoded and go through every rule (see
`_unicode_segments`); tests/test_tokenize.py checks this against the rules applied to the whole
text, character by character. Scripts written without spaces (Chinese, Japanese, Thai) are not
segmented: each run of their letters is one token.

Does not: open or read files (see `reading`), segment words of scripts written without spaces,
build vocabularies, or map words to ids.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator

import numpy as np

from .config import NORMALIZATIONS
from .errors import ConfigError
from .reading import read_blocks

_ZWNJ, _ZWJ, _ZWSP = 0x200C, 0x200D, 0x200B
_DOTTED_CAPITAL_I = "\u0130"
_FEW = 16  # translate fewer distinct characters with str.replace: far faster
_GAP = 32  # non-ASCII runs this close share one segment: fewer, longer Python calls
# planes 3 to 13 and 15 to 16 hold only letters, unassigned and private-use code points
_NON_ASCII = (range(128, 0x30000), range(0xE0000, 0xE1000))


def fold_case(text: str) -> str:
    """`text` lowercased as training lowercases it: str.lower(), but 'İ' is 'i'.

    str.lower() turns 'İ' (U+0130) into 'i' + U+0307 COMBINING DOT ABOVE, so 'İstanbul' would
    not match 'istanbul'; the Turkish dotless 'ı' and 'I' still follow the non-Turkish rule.
    """
    if _DOTTED_CAPITAL_I in text:
        text = text.replace(_DOTTED_CAPITAL_I, "i")
    return text.lower()


@functools.cache
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


class _Characters:
    """How rules 4 to 7 treat non-ASCII characters, found once per process (a few hundredths
    of a second, on the first non-ASCII text)."""

    def __init__(self):
        marks = {chr(_ZWNJ), chr(_ZWJ)}
        separators: dict[int, str] = {}  # rules 4 and 5: spaces, controls, U+200B; Cf
        punctuation: dict[int, str] = {}  # rule 6
        for cp in itertools.chain(*_NON_ASCII):
            ch = chr(cp)
            category = unicodedata.category(ch)
            if ch.isspace() or category == "Cc" or cp == _ZWSP:
                separators[cp] = " "
            elif category == "Cf" and cp not in (_ZWNJ, _ZWJ):
                separators[cp] = ""
            elif category[0] in "PS":
                punctuation[cp] = " "
            elif category[0] == "M":
                marks.add(ch)
        self.marks_and_joiners = frozenset(marks)
        # by strip_punctuation: the characters to translate, and their replacements
        self.tables = {False: separators, True: separators | punctuation}
        self.translated = {strip: frozenset(map(chr, table))
                           for strip, table in self.tables.items()}


@functools.cache
def _characters() -> _Characters:
    return _Characters()


@functools.lru_cache(maxsize=256)
def _stray_mark_patterns(present: str) -> tuple[re.Pattern, ...]:
    """Patterns for the marks and joiners in `present` opening the text, following a space,
    following a line break; and for joiners ending a token.

    A class of only the characters present keeps each regular expression fast, and literal
    replacements keep `sub` in C.
    """
    stray = "[" + "".join(f"\\U{ord(ch):08x}" for ch in present) + "]+"
    return (re.compile("\\A" + stray), re.compile(" " + stray), re.compile("\n" + stray),
            re.compile("[\u200c\u200d]+(?=[ \n]|\\Z)"))


def _drop_stray_marks(text: str, marks: set[str]) -> str:
    opening, after_space, after_line_break, closing_joiners = _stray_mark_patterns(
        "".join(sorted(marks)))
    text = opening.sub("", text, count=1)
    text = after_line_break.sub("\n", after_space.sub(" ", text))
    if chr(_ZWNJ) in marks or chr(_ZWJ) in marks:
        text = closing_joiners.sub("", text)
    return text


def _unicode_segments(block: bytes) -> list[tuple[int, int]]:
    """(start, end) byte ranges holding every non-ASCII character of `block`, each with the
    ASCII byte before and after it: the character a combining mark composes with, the
    separator that makes a mark stand at the start of a token. Close runs share a range.

    Normalising these ranges alone equals normalising the block: ASCII characters never
    compose with the character before them and are never changed by NFC, NFKC or the other
    rules, and a range boundary never splits a UTF-8 sequence.
    """
    high = np.frombuffer(block, dtype=np.uint8) >= 0x80
    edges = np.flatnonzero(high[1:] != high[:-1]) + 1
    if high[0]:
        edges = np.concatenate(([0], edges))
    if high[-1]:
        edges = np.concatenate((edges, [len(block)]))
    starts, ends = edges[0::2], edges[1::2]
    apart = starts[1:] - ends[:-1] > _GAP
    starts = np.concatenate((starts[:1], starts[1:][apart])) - 1
    ends = np.concatenate((ends[:-1][apart], ends[-1:])) + 1
    return list(zip(np.maximum(starts, 0).tolist(), np.minimum(ends, len(block)).tolist()))


class Tokenizer:
    """Splits blocks of bytes into lines of tokens and counts replaced invalid UTF-8."""

    def __init__(self, lowercase: bool = True, strip_punctuation: bool = True,
                 normalization: str = "nfc"):
        if normalization not in NORMALIZATIONS:
            raise ConfigError(f"normalization: must be one of {', '.join(NORMALIZATIONS)}, "
                              f"not {normalization!r}")
        self.lowercase = lowercase
        self.strip_punctuation = strip_punctuation
        self.normalization = normalization
        self._table = _byte_table(lowercase, strip_punctuation)
        # non-ASCII text is lowercased after Unicode normalisation: see `_normalise_segment`
        self._case_kept_table = _byte_table(False, strip_punctuation)
        self.invalid_sequences = 0

    def normalize(self, block: bytes) -> bytes:
        """`block` as valid UTF-8 with tokens separated by single-byte spaces or b'\\n'.

        ASCII text needs one bytes.translate (fast); only the stretches around non-ASCII
        characters are decoded, normalised and encoded again.
        """
        data = block.translate(self._table)
        if data.isascii():
            return data
        pieces = []
        done = 0
        for start, end in _unicode_segments(block):
            pieces.append(data[done:start])
            pieces.append(self._normalise_segment(block[start:end]))
            done = end
        pieces.append(data[done:])
        return b"".join(pieces)

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

    def _normalise_segment(self, raw: bytes) -> bytes:
        """The module docstring's rules 1 to 7, in that order, on raw (untranslated) bytes."""
        known = _characters()
        # ASCII letters keep their case until normalisation has run: NFD 'İ' is 'I' + U+0307,
        # which composes to 'İ' and folds to 'i', while 'i' + U+0307 stays as it is
        text = self._decode(raw.translate(self._case_kept_table))
        if self.normalization != "none":
            normalised = unicodedata.normalize(self.normalization.upper(), text)
            if normalised is not text and normalised != text:
                # NFKC folds full-width letters and punctuation to ASCII, and even NFC maps a
                # few characters there (U+037E GREEK QUESTION MARK is ';'): apply ASCII rules
                text = normalised.encode("utf-8").translate(self._case_kept_table).decode()
        if self.lowercase:
            text = fold_case(text)
        chars = set(text)
        table = known.tables[self.strip_punctuation]
        translated = chars & known.translated[self.strip_punctuation]
        if len(translated) <= _FEW:
            for ch in translated:
                text = text.replace(ch, table[ord(ch)])
        else:  # every character present gets an entry: str.translate raises and clears a
            # KeyError for each character missing from its table, which is slow
            text = text.translate({ord(ch): table.get(ord(ch), ch) for ch in chars})
        marks = chars & known.marks_and_joiners
        if marks:
            text = _drop_stray_marks(text, marks)
        return text.encode("utf-8")


def normalize_word(word: str, lowercase: bool = True, strip_punctuation: bool = True,
                   normalization: str = "nfc") -> list[str]:
    """The tokens `word` becomes under these training settings: usually one, perhaps none
    ('--') or several ('new-york' is `new york` when punctuation is stripped).

    Queries use this, so they match words exactly as training normalised them.
    """
    tokenizer = Tokenizer(lowercase, strip_punctuation, normalization)
    return tokenizer.normalize(word.encode("utf-8", errors="surrogatepass")).decode().split()


def iter_lines(paths: list[str], lowercase: bool = True, strip_punctuation: bool = True,
               tokenizer: Tokenizer | None = None, normalization: str = "nfc",
               ) -> Iterator[list[str]]:
    """Yield the token list of every line of every file, in order (for small inputs and tests)."""
    tokenizer = tokenizer or Tokenizer(lowercase, strip_punctuation, normalization)
    for path in paths:
        carry: list[str] = []
        for block in read_blocks(path):
            lines = tokenizer.lines(block)
            lines[0] = carry + lines[0]
            carry = lines.pop()
            yield from lines
        if carry:
            yield carry


__all__ = ["NORMALIZATIONS", "Tokenizer", "fold_case", "iter_lines", "normalize_word"]
