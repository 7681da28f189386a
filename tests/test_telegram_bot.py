"""The Telegram bot end to end: the real Application polling tests/fake_telegram.py, offline.

Every test drives build_application(...) over the whole corpus through the fake Bot API, which
rejects what Telegram rejects (over-long texts, bad HTML, callback_data over 64 bytes). Each test
ends with `assert_clean`: no exception reached the error handlers, no Bot API call was refused,
and every text and button sent is within Telegram's limits. Expected units, deadlines, titles and
item numbers are literals from tests/data/items.jsonl and corpus/catalog.toml.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram, collect_errors, parse_html, run_app, utf16_len
from telegram.ext import Application

from bot.answer import Answerer
from bot.settings import Settings
from bot.telegram_bot import build_application
from index.engine import Engine
from index.store import Store

T = TypeVar("T")
JSON = dict[str, Any]

ADMIN = 7
STRANGER = 8
GROUP = -100
ASKER = 5

REGULATIONS = "谁负责规章集中公开？"
IPV6 = "政府网站支持IPv6要在什么时候前完成？"
HONGHAIWAN = "汕尾市红海湾经济开发区2021年政务公开工作要点分工方案"
SHANTOU = "汕头市2021年政务公开工作要点分工方案"
ZHANJIANG = "湛江市2021年政务公开工作要点分工方案"
KAIPING = "开平市2021年政务公开工作要点分工"
INTRO_START = "您好！这里是政策问答"
FAILED = "抱歉，处理您的消息时出了点问题，请稍后再试。"
TOO_FAST = "您提问太快了，请稍候一分钟再问。"
REFUSED = "抱歉，此命令仅限管理员使用。"
NOT_COVERED = "没有找到相关内容：已收录的政务公开工作要点分工方案里没有涉及这个问题。"
ITEM_USAGE = "用法：/item 文档 编号，如 /item zhanjiang-2021 26"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bot_db(index_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session index: the bot writes its question log into it."""
    copy = tmp_path_factory.mktemp("bot") / "bot.db"
    source, target = sqlite3.connect(index_db), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    return copy


@pytest.fixture(scope="module")
def bot_answerer(bot_db: Path) -> Answerer:
    """One answerer over the copy, warmed once for the module."""
    answerer = Answerer(Engine.open(bot_db))
    answerer.ask(REGULATIONS)
    return answerer


@dataclass
class Bot:
    """The real Application wired to a running fake Telegram, with its error collector."""

    tg: FakeTelegram
    app: Application
    errors: list[BaseException]
    store: Store

    def run(self, scenario: Callable[[], Awaitable[T]]) -> T:
        """Run the scenario while the application polls the fake."""

        async def main(app: Application) -> T:
            """The scenario, ignoring the app argument."""
            return await scenario()

        return run_app(self.app, main, poll_timeout=1)

    async def say(self, chat: int, text: str, expect: int = 1, **kwargs: Any) -> list[JSON]:
        """Send a user's text; returns the bot's new messages in that chat once it is idle."""
        before = {m["message_id"] for m in self.tg.sent(chat)}
        self.tg.send_text(chat, text, **kwargs)

        def new() -> list[JSON]:
            return [m for m in self.tg.sent(chat) if m["message_id"] not in before]

        if expect:
            await self.tg.wait_for(lambda: len(new()) >= expect)
        await self.tg.wait_idle(quiet=0.05 if expect else 0.1)
        return new()

    async def press(self, chat: int, message_id: int, data: str, expect: int = 0, *, strict: bool = True) -> JSON:
        """Press a button; returns the answerCallbackQuery params once the bot is idle."""
        before = len(self.tg.sent(chat))
        query_id = self.tg.press_button(chat, message_id, data, strict=strict)
        answered = await self.tg.wait_for(lambda: self.tg.callback_answer(query_id))
        await self.tg.wait_for(lambda: len(self.tg.sent(chat)) >= before + expect)
        await self.tg.wait_idle(quiet=0.05)
        return answered

    def questions(self) -> list[JSON]:
        """The question log, oldest first."""
        return list(self.store.db["questions"].rows_where(order_by="id"))

    def feedback(self) -> list[JSON]:
        """The feedback log."""
        return list(self.store.db["feedback"].rows)


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A fake Telegram with short long-polls, so shutdown is quick."""
    with FakeTelegram(max_poll_wait=0.2) as fake:
        yield fake


@pytest.fixture
def make_bot(tg: FakeTelegram, bot_answerer: Answerer) -> Callable[..., Bot]:
    """Build the bot with settings overrides; the question log starts empty."""
    store = bot_answerer.engine.store
    with store.db.conn:
        store.db.execute("DELETE FROM questions")
        store.db.execute("DELETE FROM feedback")

    def make(reload: Callable[[], Answerer] | None = None, **overrides: Any) -> Bot:
        settings = Settings(
            _env_file=None, token=TOKEN, api_base_url=tg.base_url, admin_ids=[ADMIN], **overrides
        )
        app = build_application(settings, bot_answerer, reload=reload)
        return Bot(tg, app, collect_errors(app), store)

    return make


def markup_datas(markup: Any) -> list[str]:
    """Every callback_data in a reply_markup (as sent: a dict or a JSON string)."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = (markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def buttons(message: JSON) -> dict[str, str]:
    """Button text -> callback_data of a message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def assert_within_limits(tg: FakeTelegram) -> None:
    """Every text the bot sent or edited fits 4096 UTF-16 units; every callback_data 64 bytes."""
    for call in tg.calls("sendMessage") + tg.calls("editMessageText"):
        text = call.params["text"]
        visible = parse_html(text)[0] if call.params.get("parse_mode") == "HTML" else text
        assert utf16_len(visible) <= 4096, (call.method, len(visible))
    for call in tg.calls("sendMessage") + tg.calls("editMessageText") + tg.calls("editMessageReplyMarkup"):
        for data in markup_datas(call.params.get("reply_markup")):
            assert len(data.encode()) <= 64, data


def assert_clean(bot: Bot) -> None:
    """No handler error, no refused Bot API call, everything within Telegram's limits."""
    assert bot.errors == []
    assert [(c.method, c.error) for c in bot.tg.errors()] == []
    assert_within_limits(bot.tg)


# --- a question and its answer ---------------------------------------------------------------


def test_question_is_answered_in_html_after_typing_and_logged(make_bot: Callable[..., Bot]) -> None:
    """One HTML reply naming the units, the source and the plan; typing first; the log hashed."""
    bot = make_bot()
    [reply] = bot.run(lambda: bot.say(424242, REGULATIONS))
    assert_clean(bot)
    text = reply["text"]
    assert "责任单位：各街道办事处、区党工委综合办公室、区司法局" in text
    assert "出处：《" + HONGHAIWAN + "》 第26项" in text
    assert {"type": "bold", "offset": 0, "length": 4} in reply["entities"]
    assert bot.tg.calls("sendMessage")[0].params["parse_mode"] == "HTML"
    methods = [c.method for c in bot.tg.calls() if c.method in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"]
    assert bot.tg.calls("sendChatAction")[0].params["action"] == "typing"
    [row] = bot.questions()
    assert (row["question"], row["intent"], row["no_answer"]) == (REGULATIONS, "who", 0)
    items = json.loads(row["items"])
    assert items[0] == "honghaiwan-2021 26"
    assert {"shantou-2021 25", "zhanjiang-2021 26", "kaiping-2021 32"} <= set(items)
    assert re.fullmatch(r"[0-9a-f]{16}", row["chat"]) and "424242" not in row["chat"]


def test_unanswerable_question_is_logged_as_no_answer(make_bot: Callable[..., Bot]) -> None:
    """A question the plans do not cover gets the plain reply and no_answer 1 in the log."""
    bot = make_bot()
    [reply] = bot.run(lambda: bot.say(1, "火星基地的氧气由谁供应？"))
    assert_clean(bot)
    assert reply["text"].startswith(NOT_COVERED)
    [row] = bot.questions()
    assert (row["no_answer"], json.loads(row["items"])) == (1, [])


# --- buttons under an answer -----------------------------------------------------------------


def test_other_regions_edits_the_same_message_and_back_returns(make_bot: Callable[..., Bot]) -> None:
    """其他地区 swaps the text in place to the other plans; 返回 restores the answer."""
    bot = make_bot()

    async def scenario() -> tuple[JSON, JSON, JSON]:
        [answer] = await bot.say(1, REGULATIONS)
        await bot.press(1, answer["message_id"], buttons(answer)["其他地区"])
        others = bot.tg.message(1, answer["message_id"])
        await bot.press(1, answer["message_id"], buttons(others)["⬅ 返回"])
        return answer, others, bot.tg.message(1, answer["message_id"])

    answer, others, back = bot.run(scenario)
    assert_clean(bot)
    assert len(bot.tg.sent(1)) == 1
    assert others["message_id"] == answer["message_id"]
    assert others["text"].startswith("其他地区的同类任务\n")
    assert f"• 汕头市 《{SHANTOU}》 第25项：市政府办公室、市司法局" in others["text"]
    assert "• 湛江市 《" + ZHANJIANG + "》（湛府办〔2021〕15号） 第26项" in others["text"]
    assert "（时限：2021年9月前）" in others["text"]
    assert HONGHAIWAN not in others["text"]
    assert "更多结果 2/3" not in buttons(others)
    assert (back["text"], back["reply_markup"]) == (answer["text"], answer["reply_markup"])


def test_more_results_cycles_through_the_pages(make_bot: Callable[..., Bot]) -> None:
    """更多结果 2/3 → 3/3 → 1/3, in place, and the last press comes back to the first page."""
    bot = make_bot()

    async def scenario() -> tuple[JSON, list[JSON]]:
        [answer] = await bot.say(1, REGULATIONS)
        seen = []
        for label in ("更多结果 2/3", "更多结果 3/3", "更多结果 1/3"):
            current = bot.tg.message(1, answer["message_id"])
            await bot.press(1, answer["message_id"], buttons(current)[label])
            seen.append(bot.tg.message(1, answer["message_id"]))
        return answer, seen

    answer, (second, third, first) = bot.run(scenario)
    assert_clean(bot)
    assert len(bot.tg.sent(1)) == 1
    assert "更多结果 2/3" in buttons(answer)
    assert f"出处：《{SHANTOU}》 第25项" in second["text"]
    assert "出处：《" + ZHANJIANG + "》（湛府办〔2021〕15号） 第26项" in second["text"]
    assert "更多结果 3/3" in buttons(second)
    assert f"出处：《{KAIPING}》 第32项" in third["text"]
    assert "责任单位：党政办" in third["text"]
    assert "更多结果 1/3" in buttons(third)
    assert (first["text"], first["reply_markup"]) == (answer["text"], answer["reply_markup"])


@pytest.mark.parametrize(("label", "vote"), [("👍", 1), ("👎", -1)], ids=["up", "down"])
def test_feedback_toast_row_removed_and_vote_logged(make_bot: Callable[..., Bot], label: str, vote: int) -> None:
    """A vote is thanked with a toast, its row leaves the keyboard and lands in `feedback`."""
    bot = make_bot()

    async def scenario() -> tuple[JSON, JSON, JSON]:
        [answer] = await bot.say(1, REGULATIONS)
        toast = await bot.press(1, answer["message_id"], buttons(answer)[label])
        return answer, toast, bot.tg.message(1, answer["message_id"])

    answer, toast, after = bot.run(scenario)
    assert_clean(bot)
    assert toast["text"] == "谢谢您的反馈！"
    assert set(buttons(answer)) == {"其他地区", "更多结果 2/3", "👍", "👎"}
    assert set(buttons(after)) == {"其他地区", "更多结果 2/3"}
    assert after["text"] == answer["text"]
    [question] = bot.questions()
    [row] = bot.feedback()
    assert (row["question_id"], row["vote"], row["chat"]) == (question["id"], vote, question["chat"])


def test_double_tap_on_a_button_is_harmless(make_bot: Callable[..., Bot]) -> None:
    """Two taps on 其他地区 before the edit lands (same keyboard) give one edit and no apology."""
    bot = make_bot()

    async def scenario() -> JSON:
        [answer] = await bot.say(1, REGULATIONS)
        data = buttons(answer)["其他地区"]
        await bot.press(1, answer["message_id"], data)
        await bot.press(1, answer["message_id"], data, strict=False)  # the stale keyboard's button
        return answer

    answer = bot.run(scenario)
    assert [m["message_id"] for m in bot.tg.sent(1)] == [answer["message_id"]]
    assert bot.tg.texts(1)[0].startswith("其他地区的同类任务")
    assert_clean(bot)


def test_button_of_a_forgotten_answer_says_expired(make_bot: Callable[..., Bot]) -> None:
    """A button whose view is gone (e.g. after a restart) answers with a toast, nothing else."""
    bot = make_bot()

    async def scenario() -> tuple[JSON, JSON]:
        [answer] = await bot.say(1, REGULATIONS)
        toast = await bot.press(1, answer["message_id"], "o:zz", strict=False)
        return answer, toast

    answer, toast = bot.run(scenario)
    assert_clean(bot)
    assert toast["text"] == "这条回答已过期，请重新提问。"
    assert bot.tg.sent(1) == [answer]


# --- /start, /help, /region ------------------------------------------------------------------


def test_start_shows_three_examples_and_help_lists_commands(make_bot: Callable[..., Bot]) -> None:
    """/start greets with the three example questions as buttons; /help lists the commands."""
    bot = make_bot()

    async def scenario() -> tuple[JSON, JSON]:
        [start] = await bot.say(1, "/start")
        [help_] = await bot.say(1, "/help")
        return start, help_

    start, help_ = bot.run(scenario)
    assert_clean(bot)
    assert start["text"].startswith(INTRO_START)
    assert buttons(start) == {
        "谁负责规章集中公开？": "x:0",
        "湛江政府网站支持IPv6要在什么时候前完成？": "x:1",
        "湛江市司法局负责哪些工作？": "x:2",
    }
    assert help_["text"].startswith("怎么问\n")
    for line in ("/region 选定地区（/region all 取消）", "/unit 单位名 — 该单位负责的全部条目",
                 "/item 文档 编号 — 一个条目的全文，如 /item zhanjiang-2021 26"):
        assert line in help_["text"]


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("谁负责规章集中公开？", f"责任单位：各街道办事处、区党工委综合办公室、区司法局\n完成时限：方案未写明\n出处：《{HONGHAIWAN}》 第26项"),
        ("湛江政府网站支持IPv6要在什么时候前完成？", f"完成时限：2021年12月前\n责任单位：各县（市、区）政府（管委会）、市政务服务数据管理局\n出处：《{ZHANJIANG}》"),
        ("湛江市司法局负责哪些工作？", "市司法局 负责以下 4 项："),
    ],
    ids=["who", "when", "unit"],
)
def test_example_button_sends_its_answer(make_bot: Callable[..., Bot], example: str, expected: str) -> None:
    """Pressing an example under /start sends the answer to that example as a new message."""
    bot = make_bot()

    async def scenario() -> JSON:
        [start] = await bot.say(1, "/start")
        await bot.press(1, start["message_id"], buttons(start)[example], expect=1)
        return start

    start = bot.run(scenario)
    assert_clean(bot)
    [kept, answer] = bot.tg.sent(1)
    assert kept == start
    assert expected in answer["text"]


@pytest.mark.parametrize(
    ("region", "deadline", "title"),
    [
        ("湛江市", "完成时限：2021年12月前", ZHANJIANG),
        ("汕头市", "完成时限：方案未写明", SHANTOU),
        ("不限地区", "完成时限：方案未写明", HONGHAIWAN),
    ],
    ids=["zhanjiang", "shantou", "any"],
)
def test_region_button_is_remembered(make_bot: Callable[..., Bot], region: str, deadline: str, title: str) -> None:
    """/region shows the regions as buttons; the one pressed restricts the next question."""
    bot = make_bot()

    async def scenario() -> tuple[JSON, JSON, JSON, JSON]:
        [picker] = await bot.say(1, "/region")
        await bot.press(1, picker["message_id"], buttons(picker)[region])
        chosen = bot.tg.message(1, picker["message_id"])
        [answer] = await bot.say(1, IPV6)
        [again] = await bot.say(1, "/region")
        return picker, chosen, answer, again

    picker, chosen, answer, again = bot.run(scenario)
    assert_clean(bot)
    assert picker["text"] == "当前地区：不限。请选择："
    assert list(buttons(picker)) == ["开平市", "汕头市", "汕头市金平区", "汕尾市红海湾经济开发区", "湛江市", "不限地区"]
    if region == "不限地区":
        assert chosen["text"] == "已取消地区限制。"
        assert again["text"] == "当前地区：不限。请选择："
    else:
        assert chosen["text"] == f"已选定地区：{region}。之后的问题只看该地区的方案（/region all 取消）。"
        assert again["text"] == f"当前地区：{region}。请选择："
    assert deadline in answer["text"]
    assert f"出处：《{title}》" in answer["text"]


def test_region_command_is_per_chat_and_all_clears(make_bot: Callable[..., Bot]) -> None:
    """/region 开平 restricts chat 1 only; /region all lifts it."""
    bot = make_bot()

    async def scenario() -> list[list[JSON]]:
        return [
            await bot.say(1, "/region 开平"),
            await bot.say(1, REGULATIONS),
            await bot.say(2, REGULATIONS),
            await bot.say(1, "/region all"),
            await bot.say(1, REGULATIONS),
        ]

    [set_], [kaiping], [other_chat], [cleared], [anywhere] = bot.run(scenario)
    assert_clean(bot)
    assert set_["text"] == "已选定地区：开平市。之后的问题只看该地区的方案（/region all 取消）。"
    assert f"责任单位：党政办\n完成时限：方案未写明\n出处：《{KAIPING}》 第32项" in kaiping["text"]
    assert f"出处：《{HONGHAIWAN}》 第26项" in other_chat["text"]
    assert cleared["text"] == "已取消地区限制。"
    assert f"出处：《{HONGHAIWAN}》 第26项" in anywhere["text"]


# --- /unit and /item -------------------------------------------------------------------------


def test_unit_in_a_region_lists_its_items(make_bot: Callable[..., Bot]) -> None:
    """/unit 市司法局 in 湛江: 4 items, three on the first page and the fourth on the next."""
    bot = make_bot()

    async def scenario() -> tuple[JSON, JSON]:
        await bot.say(1, "/region 湛江")
        [listing] = await bot.say(1, "/unit 市司法局")
        first = dict(listing)
        await bot.press(1, listing["message_id"], buttons(listing)["更多结果 2/2"])
        return first, bot.tg.message(1, listing["message_id"])

    first, second = bot.run(scenario)
    assert_clean(bot)
    assert first["text"].startswith("市司法局 负责以下 4 项：\n\n")
    numbers = re.findall(r"第(\d+)项", first["text"]), re.findall(r"第(\d+)项", second["text"])
    assert numbers == (["26", "34", "39"], ["40"])
    assert "（湛府办〔2021〕15号）" in second["text"]


def test_unknown_unit_suggests_similar_names(make_bot: Callable[..., Bot]) -> None:
    """/unit with a name no plan uses answers with names sharing its characters."""
    bot = make_bot()
    [reply] = bot.run(lambda: bot.say(1, "/unit 司法所"))
    assert_clean(bot)
    assert reply["text"].startswith("没有找到单位 司法所。您是不是要找：")
    suggested = reply["text"].split("：", 1)[1].split("、")
    assert {"区司法局", "市司法局", "省司法厅"} <= set(suggested)


def test_item_command_shows_the_item(make_bot: Callable[..., Bot]) -> None:
    """/item zhanjiang-2021 26 shows the whole item with its units and deadline."""
    bot = make_bot()
    [reply] = bot.run(lambda: bot.say(1, "/item zhanjiang-2021 26"))
    assert_clean(bot)
    assert reply["text"].startswith(
        "责任单位：各县（市、区）政府（管委会）、市政府办公室、市政务服务数据管理局、市司法局\n完成时限：2021年9月前\n"
        f"出处：《{ZHANJIANG}》（湛府办〔2021〕15号） 第26项\n工作任务：做好政务信息管理工作\n全面推进规章集中统一公开"
    )


@pytest.mark.parametrize(
    "command",
    ["/item", "/item zhanjiang-2021", "/item zhanjiang-2021 999", "/item nowhere-2021 26", "/item zhanjiang-2021 26 27"],
)
def test_item_with_bad_arguments_shows_usage(make_bot: Callable[..., Bot], command: str) -> None:
    """/item without a document and an existing number shows how to use it and the documents."""
    bot = make_bot()
    [reply] = bot.run(lambda: bot.say(1, command))
    assert_clean(bot)
    assert reply["text"] == (
        f"{ITEM_USAGE}\n文档：honghaiwan-2021、jinping-2020、kaiping-2021、shantou-2021、zhanjiang-2021"
    )


# --- groups ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(REGULATIONS, id="plain"),
        pytest.param(f"@other_helper_bot {REGULATIONS}", id="other-bot-mentioned"),
        pytest.param(f"{BOT_USERNAME} {REGULATIONS}", id="name-without-at"),
    ],
)
def test_group_message_not_addressed_to_the_bot_is_ignored(make_bot: Callable[..., Bot], text: str) -> None:
    """In a group the bot stays silent unless mentioned or replied to."""
    bot = make_bot()
    bot.run(lambda: bot.say(GROUP, text, expect=0, chat_type="group", user_id=ASKER))
    assert_clean(bot)
    assert bot.tg.sent(GROUP) == []
    assert bot.tg.calls("sendChatAction") == []
    assert bot.questions() == []


@pytest.mark.parametrize("how", ["mention", "reply"])
def test_group_question_addressed_to_the_bot_is_answered_quoting_the_asker(
    make_bot: Callable[..., Bot], how: str
) -> None:
    """A mention, or a reply to the bot's message, is answered as a reply to the asker."""
    bot = make_bot()

    async def scenario() -> tuple[int, list[JSON]]:
        [help_] = await bot.say(GROUP, f"/help@{BOT_USERNAME}", chat_type="group", user_id=ASKER)
        if how == "mention":
            text, reply_to = f"@{BOT_USERNAME} {REGULATIONS}", None
        else:
            text, reply_to = REGULATIONS, help_["message_id"]
        before = {m["message_id"] for m in bot.tg.sent(GROUP)}
        asked = bot.tg.send_text(GROUP, text, chat_type="group", user_id=ASKER, reply_to_message_id=reply_to)
        await bot.tg.wait_for(lambda: len(bot.tg.sent(GROUP)) > len(before))
        await bot.tg.wait_idle()
        return asked, [m for m in bot.tg.sent(GROUP) if m["message_id"] not in before]

    asked, [answer] = bot.run(scenario)
    assert_clean(bot)
    assert f"出处：《{HONGHAIWAN}》 第26项" in answer["text"]
    assert answer["reply_to_message"]["message_id"] == asked
    assert answer["reply_to_message"]["from"]["id"] == ASKER
    assert bot.tg.calls("sendMessage")[-1].params["reply_parameters"]["message_id"] == asked
    [row] = bot.questions()
    assert row["question"] == REGULATIONS


def test_group_command_with_the_bot_name_works(make_bot: Callable[..., Bot]) -> None:
    """/help@policyqa_test_bot in a group gets the help, quoting the command."""
    bot = make_bot()

    async def scenario() -> tuple[int, JSON]:
        asked = bot.tg.send_text(GROUP, f"/help@{BOT_USERNAME}", chat_type="group", user_id=ASKER)
        [reply] = await bot.tg.wait_for(lambda: bot.tg.sent(GROUP))
        await bot.tg.wait_idle()
        return asked, reply

    asked, reply = bot.run(scenario)
    assert_clean(bot)
    assert reply["text"].startswith("怎么问\n• 谁负责规章集中公开？")
    assert reply["reply_to_message"]["message_id"] == asked


# --- admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/stats", "/reload", "/remove honghaiwan-2021"])
def test_admin_commands_refused_for_a_stranger(make_bot: Callable[..., Bot], command: str) -> None:
    """A user not in admin_ids gets a polite refusal and the reload callable is not called."""
    called: list[int] = []
    bot = make_bot(reload=lambda: called.append(1))  # type: ignore[arg-type, return-value]
    [reply] = bot.run(lambda: bot.say(STRANGER, command))
    assert_clean(bot)
    assert reply["text"] == REFUSED
    assert called == []


def test_stats_for_an_admin(make_bot: Callable[..., Bot]) -> None:
    """/stats shows questions per day, the most asked, the unanswered and the share of 👎."""
    bot = make_bot()

    async def scenario() -> JSON:
        [answer] = await bot.say(ADMIN, REGULATIONS)
        await bot.say(STRANGER, REGULATIONS)
        await bot.say(STRANGER, "火星基地的氧气由谁供应？")
        await bot.press(ADMIN, answer["message_id"], buttons(answer)["👎"])
        [stats] = await bot.say(ADMIN, "/stats")
        return stats

    stats = bot.run(scenario)
    assert_clean(bot)
    text = stats["text"]
    assert re.search(r"^每日提问：\n  \d{4}-\d{2}-\d{2}  3\n最常问：\n", text)
    assert "最常问：\n     2  谁负责规章集中公开？\n     1  火星基地的氧气由谁供应？\n" in text
    assert "未能回答：\n     1  火星基地的氧气由谁供应？\n" in text
    assert text.endswith("反馈：1 次，👎 占 100%")
    assert stats["entities"] == [{"type": "pre", "offset": 0, "length": utf16_len(text)}]


def test_stats_fit_after_a_long_question(make_bot: Callable[..., Bot]) -> None:
    """/stats stays one valid message after a long question nothing answers (it is listed twice)."""
    bot = make_bot()
    long_question = "火星" * 1500  # 3000 characters: Telegram lets a user send up to 4096

    async def scenario() -> list[JSON]:
        await bot.say(STRANGER, long_question)
        return await bot.say(ADMIN, "/stats")

    [stats] = bot.run(scenario)
    assert_clean(bot)
    assert stats["text"].startswith("每日提问：")


def test_reload_for_an_admin_swaps_the_answerer(make_bot: Callable[..., Bot], bot_db: Path) -> None:
    """/reload calls the injected callable once, says 已重新载入, and the new answerer answers."""
    fresh: list[Answerer] = []

    def reload() -> Answerer:
        fresh.append(Answerer(Engine.open(bot_db)))
        return fresh[-1]

    bot = make_bot(reload=reload)

    async def scenario() -> tuple[list[JSON], list[JSON]]:
        replies = await bot.say(ADMIN, "/reload", expect=2)
        return replies, await bot.say(ADMIN, REGULATIONS)

    replies, [answer] = bot.run(scenario)
    assert_clean(bot)
    assert [m["text"] for m in replies] == ["正在重新载入方案……", "已重新载入：5 份方案，242 个条目。"]
    assert len(fresh) == 1
    assert bot.app.bot_data["answerer"] is fresh[0]
    assert f"出处：《{HONGHAIWAN}》 第26项" in answer["text"]
    [row] = bot.questions()
    assert row["question"] == REGULATIONS


def test_remove_for_an_admin(tg: FakeTelegram, index_db: Path, tmp_path: Path) -> None:
    """/remove takes one plan out of the index; the next question is answered without it."""
    db = tmp_path / "remove.db"
    source, target = sqlite3.connect(index_db), sqlite3.connect(db)
    source.backup(target)
    source.close()
    target.close()
    settings = Settings(_env_file=None, token=TOKEN, api_base_url=tg.base_url, admin_ids=[ADMIN])
    app = build_application(settings, Answerer(Engine.open(db)))
    bot = Bot(tg, app, collect_errors(app), Store(db))

    async def slow(text: str) -> list[JSON]:
        """A command that re-indexes the other plans: its reply may take longer than say() waits."""
        before = len(bot.tg.sent(ADMIN))
        bot.tg.send_text(ADMIN, text)
        await bot.tg.wait_for(lambda: len(bot.tg.sent(ADMIN)) > before, timeout=120)
        return bot.tg.sent(ADMIN)[before:]

    async def scenario() -> list[list[JSON]]:
        replies = [await bot.say(ADMIN, "/remove"), await slow("/remove honghaiwan-2021")]
        return [*replies, await bot.say(ADMIN, "/remove honghaiwan-2021"), await bot.say(ASKER, REGULATIONS)]

    usage, removed, again, [answer] = bot.run(scenario)
    assert_clean(bot)
    held = "jinping-2020、kaiping-2021、shantou-2021、zhanjiang-2021"
    assert usage[0]["text"] == f"用法：/remove 文档编号（现有：honghaiwan-2021、{held}）"
    assert removed[0]["text"] == "已删除 honghaiwan-2021，现有 4 份方案。"
    assert again[0]["text"] == f"没有文档 honghaiwan-2021（现有：{held}）"
    assert HONGHAIWAN not in answer["text"]
    assert sorted(d.id for d in Store(db).documents()) == held.split("、")


def test_questions_are_answered_while_reloading(make_bot: Callable[..., Bot], bot_answerer: Answerer) -> None:
    """While /reload re-ingests, a question from another chat is answered by the old index."""
    release = threading.Event()

    def slow_reload() -> Answerer:
        release.wait(timeout=10)
        return bot_answerer

    bot = make_bot(reload=slow_reload)

    async def scenario() -> tuple[bool, list[str]]:
        await bot.say(ADMIN, "/reload")  # 正在重新载入方案……
        bot.tg.send_text(1, REGULATIONS)
        try:
            await bot.tg.wait_for(lambda: bot.tg.sent(1))
            answered = not release.is_set()  # the answer came while the reload was still held
        finally:
            release.set()
        await bot.tg.wait_for(lambda: len(bot.tg.sent(ADMIN)) == 2)
        await bot.tg.wait_for(lambda: bot.tg.sent(1))
        await bot.tg.wait_idle()
        return answered, bot.tg.texts(ADMIN)

    answered, admin_texts = bot.run(scenario)
    assert_clean(bot)
    assert admin_texts == ["正在重新载入方案……", "已重新载入：5 份方案，242 个条目。"]
    assert answered, "the question waited for the reload to finish"


# --- a conversation: follow-ups per chat --------------------------------------------------------


def test_follow_ups_are_answered_per_chat(make_bot: Callable[..., Bot]) -> None:
    """那湛江呢？ then 它什么时候完成？ land on 湛江's item 26; another chat has nothing to follow."""
    bot = make_bot()

    async def scenario() -> list[JSON]:
        await bot.say(1, REGULATIONS)
        [place] = await bot.say(1, "那湛江呢？")
        [when] = await bot.say(1, "它什么时候完成？")
        [stranger] = await bot.say(2, "它什么时候完成？")
        return [place, when, stranger]

    place, when, stranger = bot.run(scenario)
    assert_clean(bot)
    assert place["text"].startswith("按上一问理解为：湛江 · 规章集中公开\n\n责任单位：")
    assert f"出处：《{ZHANJIANG}》（湛府办〔2021〕15号） 第26项" in place["text"]
    assert "其他地区" not in buttons(place)
    assert when["text"].startswith("按上一问理解为：湛江 · 规章集中公开\n\n完成时限：2021年9月前\n责任单位：")
    assert stranger["text"].startswith("这句话像是接着上一问的追问")
    logged = [(r["question"], json.loads(r["items"])[:1]) for r in bot.questions()]
    assert logged[1:] == [("那湛江呢？", ["zhanjiang-2021 26"]), ("它什么时候完成？", ["zhanjiang-2021 26"]),
                          ("它什么时候完成？", [])]


def test_a_chat_keeps_its_dialogue_across_a_reload(make_bot: Callable[..., Bot], bot_db: Path) -> None:
    """After /reload the admin's 那湛江呢？ still follows the question asked before it."""
    bot = make_bot(reload=lambda: Answerer(Engine.open(bot_db)))

    async def scenario() -> JSON:
        await bot.say(ADMIN, REGULATIONS)
        await bot.say(ADMIN, "/reload", expect=2)
        [place] = await bot.say(ADMIN, "那湛江呢？")
        return place

    place = bot.run(scenario)
    assert_clean(bot)
    assert place["text"].startswith("按上一问理解为：湛江 · 规章集中公开")
    assert f"出处：《{ZHANJIANG}》（湛府办〔2021〕15号） 第26项" in place["text"]


# --- hostile input and Telegram's limits -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("<b>谁负责</b><script>x</script>", NOT_COVERED, id="html-tags"),
        pytest.param("<i>谁负责规章集中公开？</i>", "责任单位：各街道办事处", id="html-around-a-question"),
        pytest.param("谁负责<规章集中公开>&", "责任单位：各街道办事处", id="html-specials"),
        pytest.param("规" * 5000, NOT_COVERED, id="5000-chars"),
        pytest.param("😀🎉🙈", NOT_COVERED, id="emoji-only"),
        pytest.param("/unit <b>局</b>&", "没有找到单位 <b>局</b>&。", id="unit-html"),
        pytest.param("/region <i>x</i> & y", "没有 <i>x</i> & y 的方案。", id="region-html"),
        pytest.param("/region " + "x" * 4088, "没有 xxx", id="region-4096-chars"),
        pytest.param("/unit " + "局" * 4090, "没有找到单位 局局局", id="unit-4096-chars"),
    ],
)
def test_hostile_input_gets_one_reply(make_bot: Callable[..., Bot], text: str, expected: str) -> None:
    """Tags, specials, very long text and emoji each get one reply that Telegram accepts."""
    bot = make_bot()
    replies = bot.run(lambda: bot.say(1, text))
    assert_clean(bot)
    assert len(replies) == 1
    assert replies[0]["text"].startswith(expected)


def test_long_unit_listing_is_paged_within_the_limit(make_bot: Callable[..., Bot]) -> None:
    """/unit 党政办 in 开平: 41 items over 14 pages, every item once, cycling back to page 1."""
    bot = make_bot()

    async def scenario() -> list[JSON]:
        await bot.say(1, "/region 开平")
        [listing] = await bot.say(1, "/unit 党政办")
        pages = [listing]
        for _ in range(14):
            await bot.press(1, listing["message_id"], markup_datas(pages[-1]["reply_markup"])[0])
            # the callback is answered before the edit lands: wait for the page to change
            await bot.tg.wait_for(lambda: bot.tg.message(1, listing["message_id"])["text"] != pages[-1]["text"])
            pages.append(bot.tg.message(1, listing["message_id"]))
        return pages

    pages = bot.run(scenario)
    assert_clean(bot)
    assert [list(buttons(p)) for p in pages[:2]] == [["更多结果 2/14"], ["更多结果 3/14"]]
    assert all(p["text"].startswith("党政办 负责以下 41 项：") for p in pages)
    shown = [n for p in pages[:14] for n in re.findall(rf"《{KAIPING}》 第(\d+)项", p["text"])]
    assert len(shown) == 41 and len(set(shown)) == 41
    assert shown[:3] == ["5", "6", "11"]
    assert pages[14]["text"] == pages[0]["text"]
    assert max(utf16_len(p["text"]) for p in pages) <= 4096


# --- rate limit and the error handler --------------------------------------------------------


def test_third_question_within_a_minute_is_asked_to_wait(make_bot: Callable[..., Bot]) -> None:
    """With rate_limit=2 the third question in a minute gets 请稍候; other chats are unaffected."""
    bot = make_bot(rate_limit=2)

    async def scenario() -> list[list[JSON]]:
        return [
            await bot.say(1, REGULATIONS),
            await bot.say(1, IPV6),
            await bot.say(1, REGULATIONS),
            await bot.say(2, REGULATIONS),
        ]

    [first], [second], [third], [other] = bot.run(scenario)
    assert_clean(bot)
    assert "责任单位" in first["text"] and "完成时限" in second["text"]
    assert third["text"] == TOO_FAST
    assert f"出处：《{HONGHAIWAN}》 第26项" in other["text"]
    assert len(bot.questions()) == 3
    assert len(bot.tg.calls("sendChatAction")) == 3


def test_failing_handler_apologizes_and_logs(
    make_bot: Callable[..., Bot], bot_answerer: Answerer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception in a handler reaches the error handler: logged, and the user gets 出了点问题."""
    broken = RuntimeError("index unreadable")

    def ask(question: str, region: str = "", scope: object = None, read: object = None) -> None:
        raise broken

    monkeypatch.setattr(bot_answerer, "ask", ask)
    bot = make_bot()
    with caplog.at_level(logging.ERROR, logger="policyqa.bot"):
        [reply] = bot.run(lambda: bot.say(1, REGULATIONS))
    assert reply["text"] == FAILED
    assert bot.errors == [broken]
    assert bot.tg.errors() == []
    [record] = [r for r in caplog.records if r.name == "policyqa.bot"]
    assert (record.levelname, record.getMessage()) == ("ERROR", "error while handling an update")
    assert record.exc_info is not None and record.exc_info[1] is broken
    assert bot.questions() == []


# --- throughput (printed, never asserted) ----------------------------------------------------


def test_throughput_is_printed(make_bot: Callable[..., Bot]) -> None:
    """N questions from ten chats through the fake; prints updates per second (pytest -s)."""
    bot = make_bot()
    chats, per_chat = 10, 5
    questions = [REGULATIONS, IPV6, "湛江的政府网站集约化建设谁牵头？", "汕头的预决算公开由谁落实？", "开平疫情防控专栏每月至少更新几条信息？"]

    async def scenario() -> float:
        start = time.perf_counter()
        for chat in range(1, chats + 1):
            for question in questions[:per_chat]:
                bot.tg.send_text(chat, question)
        await bot.tg.wait_for(lambda: sum(len(bot.tg.sent(c)) for c in range(1, chats + 1)) == chats * per_chat, timeout=60)
        return time.perf_counter() - start

    elapsed = bot.run(scenario)
    total = chats * per_chat
    print(f"\ntelegram bot throughput: {total} questions in {elapsed:.2f} s = {total / elapsed:.1f} updates/s")
    assert_clean(bot)
    assert len(bot.questions()) == total
    assert all("责任单位" in text for c in range(1, chats + 1) for text in bot.tg.texts(c))
