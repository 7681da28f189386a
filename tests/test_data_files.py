"""A malformed word list under index/data/ is an error naming the file and line, not a traceback."""

from __future__ import annotations

import pytest

from index import lexicon
from index.errors import DataError


@pytest.fixture
def data_file(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - returns a setter
    """Replace one data file's text for the test (caches cleared before and after)."""
    real = lexicon._data_text

    def use(name: str, text: str) -> None:
        monkeypatch.setattr(lexicon, "_data_text", lambda n: text if n == name else real(n))
        for cached in (lexicon.words, lexicon.pairs, lexicon.table):
            cached.cache_clear()

    yield use
    for cached in (lexicon.words, lexicon.pairs, lexicon.table):
        cached.cache_clear()


def test_a_pair_without_its_separator_names_file_and_line(data_file) -> None:  # noqa: ANN001
    """t2s_chars.txt line 3 lacks its tab."""
    data_file("t2s_chars.txt", "# comment\n誰\t谁\n負责\n")
    with pytest.raises(DataError, match=r"index/data/t2s_chars.txt:3: expected key'\\t'value, got '負责'"):
        lexicon.pairs("t2s_chars.txt")


def test_a_broken_toml_file_names_the_file(data_file) -> None:  # noqa: ANN001
    """query_cues.toml with a syntax error."""
    data_file("query_cues.toml", "when = [\"什么时候\"\nwhat = ")
    with pytest.raises(DataError, match=r"index/data/query_cues.toml: .*line"):
        lexicon.table("query_cues.toml")


def test_good_pairs_are_read() -> None:
    """The shipped character table reads as pairs."""
    assert ("誰", "谁") in lexicon.pairs("t2s_chars.txt")


def test_the_character_table_maps_ideographs_one_for_one() -> None:
    """simplified() changes CJK ideographs only, each into one: the parsers measure and cut text before
    converting it (index/parse/kinds.py is_deadline, index/units.py reads_as_units and _as_written)."""
    import unicodedata

    entries = lexicon.pairs("t2s_chars.txt")
    assert len(entries) > 4000
    odd = [(t, s) for t, s in entries
           if not all(len(c) == 1 and unicodedata.name(c, "").startswith("CJK") for c in (t, s))]
    assert odd == []
