"""The ingest segmenter: rjieba, when installed, must cut plan text into exactly jieba's words."""

from __future__ import annotations

from pathlib import Path

from index.corpus import ingest
from index.engine import harvest, search_text
from index.segment import Segmenter

ROOT = Path(__file__).parent.parent
PLANS = (ROOT / "corpus", ROOT / "tests" / "data" / "plans" / "docs", ROOT / "tests" / "data" / "plans-extra" / "docs")


def test_rjieba_cuts_every_plan_item_as_jieba_does() -> None:
    """Every item of the bundled and test plans, with their unit names added as words: same cut, same tokens."""
    read = ingest(PLANS)
    assert read.errors == []
    items = [item for parsed in read.parsed for item in parsed.items]
    assert len(items) == 389
    names = sorted(harvest(items))
    fast, plain = Segmenter(names), Segmenter(names, fast=False)
    assert (fast.fast, plain.fast) == (True, False)
    differing = [(item.doc, item.number) for item in items
                 if fast.words(search_text(item)) != plain.words(search_text(item))]
    assert differing == []
    first = search_text(items[0])
    assert fast.tokens(first) == plain.tokens(first) != []


def test_mixed_text_cuts_the_same() -> None:
    """Latin, digits, full-width forms and punctuation between the Chinese runs cut alike (rjieba alone
    would cut 平台v2.0升级 into v2 and v2.0: such runs stay with jieba)."""
    text = "2024年Q3前，市政府办公室（牵头）会同ＡＢＣ局完成“互联网+政务服务”平台v2.0升级；12345热线"
    fast, plain = Segmenter(), Segmenter(fast=False)
    assert fast.words(text) == plain.words(text)
    assert {"v2.0", "政务服务便民热线"} <= set(fast.tokens(text))  # 12345热线 is rewritten by the synonyms
