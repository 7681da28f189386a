"""Text -> search tokens: our own jieba.Tokenizer with the domain dictionary, plus normalization.

Normalization (traditional -> simplified, full-width -> half-width, lower case, synonyms
rewritten to one canonical form) is applied to plans and questions alike, so both meet on
the same tokens. Word lists live in index/data/ (terms, synonyms, stopwords, t2s_chars).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import jieba

from index.lexicon import words

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"[\w]", re.UNICODE)
TERM_FREQ = 50_000  # high enough that jieba keeps a domain term whole


@cache
def _t2s() -> dict[int, str]:
    """Traditional -> simplified character table."""
    pairs = (line.split("\t") for line in words("t2s_chars.txt"))
    return {ord(t): s for t, s in pairs}


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
    """Simplified, half-width, lower-case form of text."""
    return unicodedata.normalize("NFKC", text.translate(_t2s())).lower()


def normalize(text: str) -> str:
    """The form both plans and questions are searched in."""
    pattern, rewrite = _synonyms()
    return pattern.sub(lambda m: rewrite[m.group(0)], _fold(text))


def canonical_terms() -> list[str]:
    """Canonical synonym forms, which the tokenizer must keep whole."""
    return [w for c in _synonyms()[1].values() for w in c.split()]


class Segmenter:
    """Our own jieba instance, loaded with the domain dictionary and any harvested words."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self.extra_words = sorted({_fold(w) for w in extra_words if w})
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for term in [*words("terms.txt"), *canonical_terms(), *self.extra_words]:
            word, _, freq = term.partition(" ")
            self._jieba.add_word(_fold(word), int(freq) if freq else TERM_FREQ)
        self._stop = frozenset(_fold(w) for w in words("stopwords.txt"))

    @property
    def fingerprint(self) -> str:
        """Changes whenever the dictionary, synonyms or stopwords change (stored tokens go stale)."""
        parts = [*words("terms.txt"), *words("synonyms.txt"), *words("stopwords.txt"), *self.extra_words]
        return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:16]

    def tokens(self, text: str) -> list[str]:
        """Search tokens of text: sub-words included, stopwords and punctuation dropped."""
        out = []
        for token in self._jieba.cut_for_search(normalize(text)):
            token = token.strip()
            if token and token not in self._stop and _WORD.search(token) and not _lone_char(token):
                out.append(token)
        return out


def _lone_char(token: str) -> bool:
    """True for a single Chinese character, too common to help ranking."""
    return len(token) == 1 and not token.isascii()
