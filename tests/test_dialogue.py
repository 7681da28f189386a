"""The dialogue core: multi-turn chats resolved against what was asked and shown before.

Expected items and deadlines are literals from corpus/ (tests/data/items.jsonl has them all).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.dialogue
from bot.answer import Answer, Answerer
from bot.chat import chat_json
from bot.dialogue import Dialogue, Dialogues
from bot.dialogue_eval import score_dialogues
from bot.render import render_answer


def top(answer: Answer) -> tuple[str, str] | None:
    """(doc, item number) of the answer's first item, or None."""
    return (answer.hits[0].item.doc, answer.hits[0].item.number) if answer.hits else None


def talk(answerer: Answerer, *messages: str) -> list[Answer]:
    """The answers to messages sent in turn to one dialogue."""
    dialogue = Dialogue(answerer)
    return [dialogue.reply(m) for m in messages]


def test_the_issue_dialogue_lands_on_zhanjiang_26(answerer: Answerer) -> None:
    """谁负责规章集中公开？ → 那湛江呢？ → 它什么时候完成？: 湛江's item 26 and its deadline."""
    first, place, when = talk(answerer, "谁负责规章集中公开？", "那湛江呢？", "它什么时候完成？")
    assert first.context is None and top(first) == ("honghaiwan-2021", "26")
    assert [top(place), place.context.kind, place.context.parts] == [("zhanjiang-2021", "26"), "place", ("湛江", "规章集中公开")]
    assert [h.item.doc for h in place.hits] == ["zhanjiang-2021"]
    assert top(when) == ("zhanjiang-2021", "26") and len(when.hits) == 1
    assert (when.query.intent, when.hits[0].item.deadline) == ("when", "2021年9月前")
    assert (when.context.kind, when.context.item) == ("item", "zhanjiang-2021 26")
    text = render_answer(when, answerer.engine.documents)
    assert text.startswith("按上一问理解为：湛江 · 规章集中公开\n《湛江市2021年政务公开工作要点分工方案》")
    assert text.index("完成时限：2021年9月前") < text.index("责任单位：")


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (["政务新媒体清理整合谁负责？", "换成开平", "时限呢？"], [("kaiping-2021", "35"), "place", "item"]),
        (["政务新媒体清理整合谁负责？", "那湛江呢？", "截止时间呢"], [("zhanjiang-2021", "29"), "place", "item"]),
        (["湛江政府网站支持IPv6要在什么时候前完成？", "那汕头呢"], [("shantou-2021", "31"), "place"]),
        (["谁负责规章集中公开？", "汕头的呢", "谁牵头？"], [("shantou-2021", "25"), "place", "item"]),
        (["谁负责规章集中公开？", "开平呢", "具体要求是什么"], [("kaiping-2021", "32"), "place", "item"]),
        (["政务新媒体清理整合谁负责？", "那湛江呢？", "那规章集中公开呢？"], [("zhanjiang-2021", "26"), "place", "topic"]),
        (["湛江市司法局负责哪些工作？", "第二个", "它什么时候完成"], [("zhanjiang-2021", "34"), "pick", "item"]),
        (["谁负责规章集中公开？", "第三个", "谁牵头"], [("zhanjiang-2021", "26"), "pick", "item"]),
        (["湛江方案第31条是什么？", "第32条呢"], [("zhanjiang-2021", "32"), "topic"]),
    ],
    ids=["new-place-then-deadline", "zhanjiang-new-media", "ipv6-shantou", "shantou-lead", "kaiping-content",
         "new-topic-old-place", "unit-pick", "search-pick", "item-number-old-place"],
)
def test_follow_ups_land_on_the_item_they_point_to(answerer: Answerer, messages: list[str], expected: list) -> None:
    """Every follow-up answers from the item its carried-over place, topic or item points to."""
    answers = talk(answerer, *messages)
    item, *kinds = expected
    assert top(answers[-1]) == item
    assert [a.context.kind for a in answers[1:]] == kinds


def test_the_aspect_asked_orders_the_item(answerer: Answerer) -> None:
    """时限 puts the deadline first, 具体要求 the text, 谁牵头 the units: always the same one item."""
    _, _, when, what, who = talk(answerer, "谁负责规章集中公开？", "那湛江呢？", "时限呢？", "具体要求是什么", "谁牵头？")
    assert [a.query.intent for a in (when, what, who)] == ["when", "what", "who"]
    assert {top(a) for a in (when, what, who)} == {("zhanjiang-2021", "26")}


def test_a_full_question_is_not_forced_into_the_old_place(answerer: Answerer) -> None:
    """After a 湛江 question, a question of its own is answered from every region, with no context."""
    _, other = talk(answerer, "湛江谁负责规章集中公开？", "谁负责政府信息公开年报？")
    assert other.context is None
    assert top(other) == ("shantou-2021", "41")
    assert {"shantou-2021", "kaiping-2021", "honghaiwan-2021"} <= {h.item.doc for h in other.hits}


def test_more_shows_items_not_shown_yet(answerer: Answerer) -> None:
    """还有吗 adds items the first answer did not show; a second 还有吗 adds others again."""
    first, more, again = talk(answerer, "谁负责规章集中公开？", "还有吗", "还有吗")
    shown = {top(first), *((h.item.doc, h.item.number) for h in first.hits)}
    added = [(h.item.doc, h.item.number) for h in more.hits]
    assert more.context.kind == "more" and added and not set(added) & shown
    assert not {(h.item.doc, h.item.number) for h in again.hits} & {*shown, *added}
    assert ("zhanjiang-2021", "2") in added


@pytest.mark.parametrize("message", ["它什么时候完成？", "那湛江呢？", "还有吗", "第二个", "谁牵头？"])
def test_a_follow_up_with_nothing_to_follow_gets_a_hint(answerer: Answerer, message: str) -> None:
    """A first message that only follows up gets a short hint, not "not covered"."""
    [answer] = talk(answerer, message)
    assert answer.no_answer and answer.context.kind == "followup"
    assert render_answer(answer, answerer.engine.documents).startswith("这句话像是接着上一问的追问")


def test_pick_past_the_list_and_odd_text(answerer: Answerer) -> None:
    """第九个 of a one-item answer says so; an emoji is simply not covered."""
    _, pick, odd = talk(answerer, "湛江谁负责规章集中公开？", "第九个", "😀😀😀")
    assert (pick.no_answer, pick.context.kind) == (True, "pick")
    assert render_answer(pick, answerer.engine.documents) == "上一个回答里没有这么多条。"
    assert odd.no_answer and odd.context is None


def test_a_unit_named_alone_lists_it_in_the_last_place(answerer: Answerer) -> None:
    """那市财政局呢？ after a 湛江 unit question lists 湛江's 市财政局 items."""
    _, unit = talk(answerer, "湛江市司法局负责哪些工作？", "那市财政局呢？")
    assert unit.query.intent == "unit" and unit.context.unit == "市财政局"
    assert [h.item.number for h in unit.hits][:3] == ["7", "8", "9"]
    assert {h.item.doc for h in unit.hits} == {"zhanjiang-2021"}


def test_region_and_item_commands_set_what_follows(answerer: Answerer) -> None:
    """A chosen region is the place a follow-up keeps; an item shown by number is what 它 means."""
    dialogue = Dialogue(answerer)
    dialogue.set_region("开平市")
    assert top(dialogue.reply("谁负责规章集中公开？")) == ("kaiping-2021", "32")
    assert dialogue.item("zhanjiang-2021", "32") is not None
    when = dialogue.reply("它什么时候完成？")
    assert (top(when), when.hits[0].item.deadline) == (("zhanjiang-2021", "32"), "2021年12月前")
    listed = dialogue.unit("党政办")
    assert len(listed.hits) == 41 and {h.item.doc for h in listed.hits} == {"kaiping-2021"}
    more, first = dialogue.reply("还有吗"), dialogue.reply("就第一个吧")
    assert (more.no_answer, more.context.kind) == (True, "more")  # the listing showed them all
    assert (first.context.kind, first.context.item) == ("pick", "kaiping-2021 5")


def test_dialogues_are_bounded_and_forget_idle_chats(answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The least recently used chat goes past the limit; a chat idle too long starts afresh."""
    clock = [100.0]
    monkeypatch.setattr(bot.dialogue.time, "monotonic", lambda: clock[0])
    chats = Dialogues(limit=2, idle=60)
    first = chats.get(1, answerer)
    first.reply("谁负责规章集中公开？")
    chats.get(2, answerer)
    assert chats.get(1, answerer) is first
    chats.get(3, answerer)  # chat 2 was used least recently
    assert len(chats) == 2 and chats.get(1, answerer) is first
    clock[0] += 61
    assert chats.get(1, answerer) is not first


def test_a_dialogue_survives_a_new_answerer(answerer: Answerer) -> None:
    """After a reload the chat keeps its topic and answers on the new answerer."""
    chats = Dialogues()
    chats.get(1, answerer).reply("谁负责规章集中公开？")
    fresh = Answerer(answerer.engine.reopen())
    dialogue = chats.get(1, fresh)
    assert dialogue.answerer is fresh
    assert top(dialogue.reply("那湛江呢？")) == ("zhanjiang-2021", "26")


def test_scripted_dialogues_follow_up_on_the_right_item(answerer: Answerer) -> None:
    """Every scored turn of tests/data/dialogues.jsonl (expected items from the dev gold) is answered right."""
    lines = (Path(__file__).parent / "data" / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()
    dialogues = [json.loads(line) for line in lines if line.strip()]

    def run(messages: list[str]) -> list[dict]:
        """One dialogue, each reply as `chat --json` prints it."""
        dialogue = Dialogue(answerer)
        return [chat_json(answerer, m, dialogue.reply(m)) for m in messages]

    report = score_dialogues(dialogues, run)
    assert (report.scored, report.misses) == (125, [])
