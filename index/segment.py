"""Text -> search tokens: our own jieba.Tokenizer with the domain dictionary, plus normalization.

Normalization (traditional -> simplified, full-width -> half-width, lower case, synonyms
rewritten to one canonical form) is applied to plans and questions alike, so both meet on
the same tokens. Word lists live in index/data/ (terms, synonyms, stopwords, t2s_chars).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

from index.errors import DataError
from index.lexicon import words
from index.text import simplified, t2s_table


def _import_jieba():  # noqa: ANN202 - returns the module
    """jieba, imported without pkg_resources.

    jieba only uses pkg_resources to open its own data files and falls back to plain paths
    without it; importing it would cost every cold query about 0.1 s.
    """
    if "pkg_resources" in sys.modules:
        import jieba
    else:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
        try:
            import jieba
        finally:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


jieba = _import_jieba()
_WORD = re.compile(r"[\w]", re.UNICODE)
_HAN = re.compile("[\u4e00-\u9fd5]+")  # the characters jieba's own HMM reads (jieba.finalseg.re_han)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # characters beyond _fold_table
TERM_FREQ = 50_000  # high enough that jieba keeps a domain term whole
BLOCK_CACHE = 200_000  # runs of word characters whose cut is remembered (plans repeat phrases)
NORMALIZED_KEPT = 1 << 13  # texts whose normalized form is remembered (more than a plan's items, as a rule)
FILLER = "\ue000\ue001"  # a private-use "word" no text contains, carrying the rest of the total


@cache
def _synonyms() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex over every variant and canonical form, and the rewrite of each."""
    rewrite: dict[str, str] = {}
    for line in words("synonyms.txt"):
        canonical, _, variants = line.partition(":")
        canonical = canonical.strip()
        rewrite.setdefault(canonical, canonical)  # a canonical form is never rewritten inside
        for variant in variants.split(","):
            if variant.strip():
                rewrite[_fold(variant.strip())] = canonical
    ordered = sorted(rewrite, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))), rewrite


def _fold(text: str) -> str:
    """Simplified, half-width, lower-case form of text: NFKC(simplified(text)).lower(), the first two
    steps done mostly by one str.translate (see _fold_table) unless the text holds a character
    beyond the Basic Multilingual Plane."""
    if _ASTRAL.search(text):
        return unicodedata.normalize("NFKC", simplified(text)).lower()
    return unicodedata.normalize("NFKC", text.translate(_fold_table())).lower()


@cache
def _fold_table() -> list[int | str]:
    """The translate table of _fold, by code point over the Basic Multilingual Plane (a dict would
    raise and catch KeyError for every character it leaves alone): each traditional character
    simplified, and each full-width one in its NFKC form already, so that NFKC finds almost every
    text normalized and returns at once. A character is put in NFKC form only where its
    decomposition holds no combining mark: the NFKC of the whole text is then the same as without
    the step (tests/test_segment.py checks every character).
    """
    table: list[int | str] = list(range(0x10000))
    for code, plain in t2s_table().items():
        if code < 0x10000:
            table[code] = plain
    for code in (0x3000, *range(0xFF01, 0xFFEF)):
        plain = simplified(chr(code))
        starters = all(unicodedata.combining(c) == 0 for c in unicodedata.normalize("NFKD", plain))
        table[code] = unicodedata.normalize("NFKC", plain) if starters else plain
    return table


@lru_cache(maxsize=NORMALIZED_KEPT)
def normalize(text: str) -> str:
    """The form both plans and questions are searched in.

    Remembered for the last texts: ingest normalizes an item's requirement to read its deadline
    dates, then again to spool its searched form (engine.search_text), a few hundred items later.
    """
    pattern, rewrite = _synonyms()
    return pattern.sub(lambda m: rewrite[m.group(0)], _fold(text))


def canonical_terms() -> list[str]:
    """Canonical synonym forms, which the tokenizer must keep whole."""
    return [w for c in _synonyms()[1].values() for w in c.split()]


class Segmenter:
    """Our own jieba instance, loaded with the domain dictionary and any harvested words.

    Built with jieba's full dictionary at ingest time; a query process instead loads the small
    vocabulary of the indexed plans (`from_vocabulary`), which segments plan text the same
    way and costs milliseconds instead of a second to load.
    """

    def __init__(self, extra_words: Iterable[str] = (), dictionary: str | None = None, fast: bool = True) -> None:
        """fast: cut with rjieba when it is installed and the full dictionary is used (ingest)."""
        self._jieba = jieba.Tokenizer(dictionary) if dictionary else jieba.Tokenizer()
        self._jieba.initialize()
        self._fast = _rjieba() if fast and dictionary is None else None
        if dictionary is None:
            for term in [*words("terms.txt"), *canonical_terms(), *extra_words]:
                word, _, freq = term.partition(" ")
                if freq and not freq.strip().isdigit():
                    raise DataError(f"index/data/terms.txt: the frequency of {word!r} is not a number: {freq!r}")
                if word:
                    self._jieba.add_word(_fold(word), int(freq) if freq else TERM_FREQ)
                    if self._fast is not None:
                        self._fast.add_word(_fold(word), int(freq) if freq else TERM_FREQ, None)
        self._stop = frozenset(_fold(w) for w in words("stopwords.txt"))
        self._piece = lru_cache(maxsize=BLOCK_CACHE)(self._cut_piece)
        self.terms: list[str] = []  # the search tokens index() has met, numbered in the order met
        self._numbers: dict[str, int] = {}
        self._numbered = lru_cache(maxsize=BLOCK_CACHE)(self._number_piece)

    @property
    def fast(self) -> bool:
        """True when text is cut by rjieba rather than jieba (the same words, ten times faster)."""
        return self._fast is not None

    def _cut(self, text: str) -> list[str]:
        """jieba's cut_for_search (with HMM) of text, by rjieba when there is one and the text is
        Chinese characters alone (rjieba cuts some mixed runs otherwise: 平台v2.0 gives v2 and v2.0)."""
        if self._fast is not None and _HAN.fullmatch(text):
            return self._fast.cut_for_search(text, True)
        return list(self._jieba.cut_for_search(text))

    @classmethod
    def from_vocabulary(cls, vocabulary: str) -> Segmenter:
        """A segmenter over a stored vocabulary ("word freq" lines), cached as a file by its hash."""
        digest = hashlib.sha1(vocabulary.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"policyqa-{digest}.dict"
        if not path.exists():
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(vocabulary, encoding="utf-8")
            os.replace(partial, path)
        return cls(dictionary=str(path))

    def words(self, text: str, normalized: bool = False) -> list[str]:
        """Every word jieba cuts from the normalized text (sub-words included, nothing dropped);
        normalized: the text is so already.

        jieba cuts each run of word characters, and each run between them, on its own, so the runs
        are cut one by one and remembered: plans repeat the same phrases across regions and years.
        """
        return [word for block in _blocks(text, normalized) for word in self._piece(block).words]

    def tokens(self, text: str, normalized: bool = False) -> list[str]:
        """Search tokens of text: sub-words included, stopwords and punctuation dropped;
        normalized: the text is so already."""
        return [token for block in _blocks(text, normalized) for token in self._piece(block).tokens]

    def index(self, texts: Iterable[str]) -> tuple[list[list[int]], set[str]]:
        """The search tokens of each normalized text, as numbers into `terms`, and the words a query process must
        know to cut them all the same way: the words cut, and each run of single characters jieba left
        alone because the run is itself a dictionary word (it would otherwise guess new words in it).

        Each block is worked out once (_Piece, numbered once); a text only joins its blocks' token
        numbers and the runs of single characters that cross from one block into the next.
        """
        out: list[list[int]] = []
        pieces: dict[str, _Piece] = {}  # by block: a string's hash is kept, a piece's is worked out each time
        runs: set[tuple[str, ...]] = set()
        for text in texts:
            numbers: list[int] = []
            run: tuple[str, ...] = ()
            for block in _blocks(text, normalized=True):
                piece, numbered = self._numbered(block)
                numbers += numbered
                if piece.single:
                    run += piece.words
                    continue
                pieces[block] = piece
                if run or piece.lead:
                    runs.add(run + piece.lead)
                run = piece.trail
            runs.add(run)
            out.append(numbers)
        seen = set().union(*(p.inner for p in pieces.values()))
        for run in runs:
            seen |= self._run_words(run)
        return out, seen

    def _number_piece(self, block: str) -> tuple[_Piece, tuple[int, ...]]:
        """A block's piece and its tokens' numbers (new tokens numbered as they are met)."""
        piece = self._piece(block)
        return piece, tuple(map(self._number, piece.tokens))

    def _number(self, token: str) -> int:
        """A token's number, given it when first met."""
        if token not in self._numbers:
            self._numbers[token] = len(self.terms)
            self.terms.append(token)
        return self._numbers[token]

    def _cut_piece(self, block: str) -> _Piece:
        """A block cut, its tokens, and its runs of single characters."""
        cut = tuple(self._cut(block))
        longer = [i for i, word in enumerate(cut) if len(word) != 1]
        if not longer:
            return _Piece(cut, tuple(self.search_tokens(cut)), True, cut, (), frozenset())
        inner = set(cut)
        for start, end in zip(longer, longer[1:]):
            inner |= self._run_words(cut[start + 1 : end])
        return _Piece(cut, tuple(self.search_tokens(cut)), False, cut[: longer[0]], cut[longer[-1] + 1 :],
                      frozenset(inner))

    def _run_words(self, run: tuple[str, ...]) -> set[str]:
        """The words of a run of single characters, and every stretch of two or more of them that
        is a dictionary word."""
        found = set(run)
        for i in range(len(run)):
            for j in range(i + 2, len(run) + 1):
                if self._jieba.FREQ.get("".join(run[i:j]), 0) > 0:
                    found.add("".join(run[i:j]))
        return found

    def search_tokens(self, cut: Iterable[str]) -> list[str]:
        """The cut words that count for ranking."""
        out = []
        for token in cut:
            token = token.strip()
            if token and token not in self._stop and _WORD.search(token) and not _lone_char(token):
                out.append(token)
        return out

    @property
    def total(self) -> int:
        """jieba's total word frequency (the denominator of every word's probability)."""
        return self._jieba.total

    def frequencies(self, seen: Iterable[str]) -> dict[str, int]:
        """Dictionary frequencies of these words (those with one)."""
        freq = self._jieba.FREQ
        return {w: freq[w] for w in seen if freq.get(w, 0) > 0 and " " not in w}

    @cached_property
    def listed(self) -> set[str]:
        """Every listed word (terms, stopwords, canonical synonyms), as text is cut."""
        return {_fold(t.partition(" ")[0]) for t in [*words("terms.txt"), *words("stopwords.txt"), *canonical_terms()]}


class _Piece(NamedTuple):
    """A block of text as Segmenter.index needs it, worked out once per distinct block."""

    words: tuple[str, ...]  # the cut
    tokens: tuple[str, ...]  # its search tokens
    single: bool  # every word one character long: the block only lengthens the run it is in
    lead: tuple[str, ...]  # the single characters before the first longer word: they end the run before
    trail: tuple[str, ...]  # the single characters after the last longer word: they start the next run
    inner: frozenset[str]  # the words, and the dictionary words in the runs between longer words


def _blocks(text: str, normalized: bool = False) -> Iterator[str]:
    """The normalized text split as jieba cuts it: runs of word characters and the runs between them."""
    return filter(None, jieba.re_han_default.split(text if normalized else normalize(text)))


def _rjieba():  # noqa: ANN202 - an rjieba.Jieba, or None
    """rjieba (jieba-rs, the same dictionary and HMM) over jieba's default dictionary, if installed.

    It cuts plan text into exactly jieba's words (tests/test_segment.py checks every item of the
    bundled and test plans) about ten times faster; the dictionary lookups (FREQ, total) and the
    query processes' small vocabulary stay with jieba, which is the fallback.
    """
    try:
        import rjieba
    except ImportError:
        return None
    return rjieba.Jieba()


def vocabulary_text(frequencies: dict[str, int], total: int) -> str:
    """A jieba dictionary of these words whose total frequency equals the full dictionary's.

    The last, filler entry carries the difference, so each word keeps its probability and plan
    text is cut by the small dictionary exactly as by the full one.
    """
    lines = [f"{w} {f}" for w, f in sorted(frequencies.items())]
    filler = max(total - sum(frequencies.values()), 1)
    return "\n".join([*lines, f"{FILLER} {filler}"]) + "\n"


def _lone_char(token: str) -> bool:
    """True for a single Chinese character, too common to help ranking."""
    return len(token) == 1 and not token.isascii()
