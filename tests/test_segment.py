"""The ingest segmenter: rjieba, when installed, must cut plan text into exactly jieba's words."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from index.corpus import ingest
from index.engine import harvest, search_text
from index.lexicon import pairs
from index.models import Item, Units
from index.segment import Segmenter, _fold, normalize
from index.text import simplified

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
                 if fast.words(search_text(item), normalized=True) != plain.words(search_text(item), normalized=True)]
    assert differing == []
    first = search_text(items[0])
    assert fast.tokens(first, normalized=True) == plain.tokens(first, normalized=True) != []


def test_an_items_searched_form_normalizes_task_and_requirement_apart() -> None:
    """Each field normalized on its own (one of them already, when its deadline was read): a synonym
    variant holding a space (ip v6) is rewritten inside a field, never across the two."""
    item = Item(doc="d", number="1", task="推進IP", text="V6改造，開展互聯網協議第六版升級", units=Units("", ()))
    assert search_text(item) == "推进ip v6改造,开展ipv6升级"
    assert normalize("推進IP V6改造") == "推进ipv6改造"


def test_mixed_text_cuts_the_same() -> None:
    """Latin, digits, full-width forms and punctuation between the Chinese runs cut alike (rjieba alone
    would cut 平台v2.0升级 into v2 and v2.0: such runs stay with jieba)."""
    text = "2024年Q3前，市政府办公室（牵头）会同ＡＢＣ局完成“互联网+政务服务”平台v2.0升级；12345热线"
    fast, plain = Segmenter(), Segmenter(fast=False)
    assert fast.words(text) == plain.words(text)
    assert {"v2.0", "政务服务便民热线"} <= set(fast.tokens(text))  # 12345热线 is rewritten by the synonyms


def test_fold_is_nfkc_of_the_simplified_text() -> None:
    """The one-translate fold gives NFKC(simplified(text)).lower() for every character and for mixed text."""
    codes = [*range(0xD800), *range(0xE000, 0x10000), *(ord(t) for t, _ in pairs("t2s_chars.txt") if len(t) == 1)]
    differing = [hex(c) for c in codes if _fold(chr(c)) != unicodedata.normalize("NFKC", simplified(chr(c))).lower()]
    assert differing == []
    text = "２０２４年Ｑ３前，市政府辦公室（牽頭）ＡＢＣ\u3000e\u0301　㈠ｶﾞ"
    assert _fold(text) == unicodedata.normalize("NFKC", simplified(text)).lower() == "2024年q3前,市政府办公室(牵头)abc é (一)ガ"


def test_index_gives_each_texts_tokens_and_the_words_a_query_needs() -> None:
    """Segmenter.index: per text the same tokens as tokens(); the words seen are every word cut and the
    dictionary words jieba left in single characters (更多 in 更/多, 负起 in 负/起)."""
    segmenter = Segmenter()
    texts = ["要切实负起主体责任，更多发布", "", "原则上不以第三方评估结果"]
    numbers, seen = segmenter.index([normalize(text) for text in texts])
    assert [[segmenter.terms[n] for n in item] for item in numbers] == [segmenter.tokens(text) for text in texts]
    assert numbers[1] == []
    assert segmenter.words(texts[0]) == ["要", "切实", "负", "起", "主体", "责任", ",", "更", "多", "发布"]
    assert seen - {word for text in texts for word in segmenter.words(text)} == {"负起", "更多", "不以"}
