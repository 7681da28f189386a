"""Near-identical items grouped into tasks (bot/tasks.py)."""

from __future__ import annotations

from bot.tasks import cluster, near_identical, similarity
from index.models import Hit, Item


def hit(text: str, doc: str = "a") -> Hit:
    """A hit on an item with this text."""
    return Hit(Item(doc=doc, number=text, task="", text=text), 1.0)


def test_similarity_is_the_jaccard_of_character_bigrams() -> None:
    assert similarity("abcde", "abcdf") == 0.6  # {ab bc cd} shared of 5
    assert similarity("abcdefgh", "abcd") == 3 / 7
    assert similarity("ab cd", "abcd") == 1.0  # whitespace ignored
    assert similarity("a", "b") == 1.0  # no bigrams on either side


def test_near_identical_at_the_threshold_and_across_sizes() -> None:
    assert near_identical(hit("abcde"), hit("abcdf"))  # exactly 0.6
    assert near_identical(hit("abcd"), hit("abcdef"))  # 3 and 5 bigrams: sizes alone allow 0.6, and it is
    assert not near_identical(hit("abcd"), hit("abcdefg"))  # 3 of 6 bigrams
    assert not near_identical(hit("abcde"), hit("vwxyz"))


def test_cluster_groups_in_rank_order_and_stops_at_the_limit() -> None:
    hits = [hit("abcde", "a"), hit("xyzuv", "a"), hit("pqrst", "a"), hit("abcdf", "b"), hit("a b c d e", "c")]
    texts = [[h.item.text for h in task] for task in cluster(hits)]
    assert texts == [["abcde", "abcdf", "a b c d e"], ["xyzuv"], ["pqrst"]]
    limited = [[h.item.text for h in task] for task in cluster(hits, limit=2)]
    assert limited == [["abcde"], ["xyzuv"]]
    assert [[h.item.text for h in task] for task in cluster(hits, limit=3)] == texts
