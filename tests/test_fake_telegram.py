"""Proves tests/fake_telegram.py behaves like Telegram for a real PTB Application."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from fake_telegram import (
    BOT_USERNAME,
    TOKEN,
    AnyApp,
    FakeTelegram,
    collect_errors,
    incoming_entities,
    parse_html,
    run_app,
)
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, RetryAfter
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

T = TypeVar("T")
JSON = dict[str, Any]


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A running fake Telegram server."""
    with FakeTelegram() as fake:
        yield fake


# ---------------------------------------------------------------------------------------------
# A tiny bot: echoes text as HTML with a button; the button edits the message.


def keyboard(data: str) -> InlineKeyboardMarkup:
    """One-button inline keyboard."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data=data)]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the escaped text in bold and a button."""
    assert update.message is not None and update.message.text is not None
    body = f"You said: <b>{html.escape(update.message.text)}</b>"
    await update.message.reply_html(body, reply_markup=keyboard("again"))


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edit the pressed message and answer the callback."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.edit_message_text(f"Pressed <i>{html.escape(query.data)}</i>", ParseMode.HTML)
    await query.answer("Done")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet."""
    assert update.message is not None
    await update.message.reply_text("Hello!")


async def too_long(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with one character more than Telegram allows."""
    assert update.message is not None
    await update.message.reply_text("x" * 4097)


def build_app(tg: FakeTelegram) -> tuple[AnyApp, list[BaseException]]:
    """The tiny bot pointed at the fake, plus the list its error handler fills."""
    app = tg.app_builder().build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("long", too_long))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_press))
    return app, collect_errors(app)


def with_bot(tg: FakeTelegram, scenario: Callable[[Bot], Awaitable[T]]) -> T:
    """Run ``scenario`` with a plain initialized Bot talking to the fake."""

    async def main() -> T:
        """Open the bot and run the scenario."""
        async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def api(tg: FakeTelegram, method: str, **params: Any) -> JSON:
    """Raw JSON POST to the fake, bypassing PTB."""
    response = httpx.post(f"{tg.base_url}{TOKEN}/{method}", json=params, timeout=5)
    body: JSON = response.json()
    return body


# ---------------------------------------------------------------------------------------------
# With a real Application.


def test_text_message_gets_html_reply_with_keyboard(tg: FakeTelegram) -> None:
    """A text message is answered once, with parsed HTML entities and the keyboard echoed."""
    app, errors = build_app(tg)

    async def scenario(app: AnyApp) -> None:
        """Send one message and wait for the answer."""
        tg.send_text(1, "a < b & c")
        await tg.wait_for(lambda: tg.sent(1))
        await tg.wait_idle()

    run_app(app, scenario)
    assert errors == []
    [reply] = tg.sent(1)
    assert reply["text"] == "You said: a < b & c"
    assert reply["entities"] == [{"type": "bold", "offset": 10, "length": 9}]
    assert reply["reply_markup"] == keyboard("again").to_dict()
    assert reply["from"]["username"] == BOT_USERNAME
    assert tg.calls("sendMessage")[0].params["parse_mode"] == "HTML"


def test_button_press_edits_same_message_and_answers(tg: FakeTelegram) -> None:
    """Pressing the button edits that very message and answers the callback query."""
    app, errors = build_app(tg)

    async def scenario(app: AnyApp) -> str:
        """Get a reply, press its button, wait for the answer."""
        tg.send_text(7, "hi")
        [reply] = await tg.wait_for(lambda: tg.sent(7))
        query_id = tg.press_button(7, reply["message_id"], "again")
        await tg.wait_for(lambda: tg.callback_answer(query_id))
        return query_id

    query_id = run_app(app, scenario)
    assert errors == []
    [message] = tg.sent(7)
    assert message["text"] == "Pressed again"
    assert message["entities"] == [{"type": "italic", "offset": 8, "length": 5}]
    assert "edit_date" in message and "reply_markup" not in message
    assert tg.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Done"}


def test_group_command_addressed_to_the_bot(tg: FakeTelegram) -> None:
    """/start@policyqa_test_bot in a group reaches CommandHandler (getMe gave the username)."""
    app, errors = build_app(tg)

    async def scenario(app: AnyApp) -> None:
        """Send the command in a group."""
        tg.send_text(-100, f"/start@{BOT_USERNAME}", chat_type="group", user_id=5)
        await tg.wait_for(lambda: tg.sent(-100))

    run_app(app, scenario)
    assert errors == []
    assert tg.texts(-100) == ["Hello!"]
    assert tg.sent(-100)[0]["reply_to_message"]["from"]["id"] == 5


def test_too_long_reply_reaches_error_handler_as_bad_request(tg: FakeTelegram) -> None:
    """A 4097-character reply is refused and PTB reports BadRequest to the error handler."""
    app, errors = build_app(tg)

    async def scenario(app: AnyApp) -> None:
        """Ask for the over-long reply."""
        tg.send_text(3, "/long")
        await tg.wait_for(lambda: errors)

    run_app(app, scenario)
    [error] = errors
    assert isinstance(error, BadRequest) and "too long" in str(error).lower()
    assert tg.sent(3) == []
    assert [c.error for c in tg.errors()] == ["Bad Request: message is too long"]


def test_updates_below_offset_are_not_redelivered() -> None:
    """Each update reaches PTB once: no duplicate replies after further (short) long polls."""
    with FakeTelegram(max_poll_wait=0.2) as tg:
        app, errors = build_app(tg)

        async def scenario(app: AnyApp) -> None:
            """Send three messages, wait for three replies and two more polls."""
            for text in ("one", "two", "three"):
                tg.send_text(9, text)
            await tg.wait_for(lambda: len(tg.sent(9)) == 3)
            polls = len(tg.calls("getUpdates"))
            await tg.wait_for(lambda: len(tg.calls("getUpdates")) >= polls + 2)

        run_app(app, scenario)
        delivered = [u["update_id"] for c in tg.calls("getUpdates") for u in c.result or []]
        assert errors == []
        assert len(tg.calls("sendMessage")) == 3
        assert sorted(delivered) == [1, 2, 3]
        assert tg.pending_updates() == []


def test_shutdown_asks_for_updates_without_waiting(tg: FakeTelegram) -> None:
    """Stopping mid long-poll cancels it and ends with getUpdates(timeout=0), which the fake answers."""
    app, errors = build_app(tg)

    async def scenario(app: AnyApp) -> None:
        """Get one reply, so a fresh long poll is running, then leave."""
        tg.send_text(1, "hi")
        await tg.wait_for(lambda: tg.sent(1))

    run_app(app, scenario)
    assert errors == []
    assert any(c.params.get("timeout") == 0 for c in tg.calls("getUpdates"))


# ---------------------------------------------------------------------------------------------
# Telegram's validation, through a plain PTB Bot.


BAD_HTML = [
    "<b>x",
    "a < b",
    "a & b",
    "a > b",
    "<br>",
    "<b><i>x</b></i>",
    "<span>x</span>",
    "x</b>",
    "&nbsp;",
    "<b>",
]
GOOD_HTML = [
    html.escape("a < b & c > d \"q\" 'x'"),
    '<a href="https://e.x/?a=1&amp;b=2">link</a>',
    '<pre><code class="language-python">x = 1</code></pre>',
    "<blockquote expandable>q</blockquote> <tg-spoiler>s</tg-spoiler>",
    '<span class="tg-spoiler">s</span> <b>bold <i>both</i></b> &#128512;&#x1F600;',
]


async def html_errors(bot: Bot, texts: list[str]) -> dict[str, str | None]:
    """Send each text as HTML; map it to the BadRequest message, or None if accepted."""
    outcome: dict[str, str | None] = {}
    for text in texts:
        try:
            await bot.send_message(1, text, parse_mode=ParseMode.HTML)
            outcome[text] = None
        except BadRequest as exc:
            outcome[text] = str(exc)
    return outcome


def test_bad_html_is_rejected(tg: FakeTelegram) -> None:
    """Unclosed, misnested, unsupported tags and bare <, >, & are "can't parse entities"."""
    tg.add_chat(1)
    outcome = with_bot(tg, lambda bot: html_errors(bot, BAD_HTML))
    accepted = [text for text, error in outcome.items() if error is None]
    assert accepted == []
    assert all("can't parse entities" in str(error).lower() for error in outcome.values())
    assert tg.sent(1) == []


def test_escaped_html_is_accepted(tg: FakeTelegram) -> None:
    """Properly escaped text and all of Telegram's tags go through; plain text needs no escaping."""
    tg.add_chat(1)
    outcome = with_bot(tg, lambda bot: html_errors(bot, GOOD_HTML))
    assert {text: error for text, error in outcome.items() if error} == {}
    with_bot(tg, lambda bot: bot.send_message(1, "a < b & c"))
    assert tg.texts(1)[0] == "a < b & c > d \"q\" 'x'"
    assert tg.texts(1)[-1] == "a < b & c"


def test_length_is_counted_in_utf16_after_html(tg: FakeTelegram) -> None:
    """4096 visible characters pass despite tags/entities; 2049 emoji (4098 units) fail."""
    tg.add_chat(1)

    async def scenario(bot: Bot) -> None:
        """Send texts at and over the limit."""
        for text in ("<b>" + "x" * 4096 + "</b>", "&amp;" * 4096, "😀" * 2048):
            await bot.send_message(1, text, parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="(?i)too long"):
            await bot.send_message(1, "😀" * 2049)
        with pytest.raises(BadRequest, match="(?i)text is empty"):
            await bot.send_message(1, "<b> </b>", parse_mode=ParseMode.HTML)

    with_bot(tg, scenario)
    assert len(tg.sent(1)) == 3


def test_callback_data_over_64_bytes_is_rejected(tg: FakeTelegram) -> None:
    """callback_data is limited to 64 UTF-8 bytes in any button."""
    tg.add_chat(1)

    async def scenario(bot: Bot) -> None:
        """Send buttons at and over the limit, in ASCII and in Chinese (3 bytes a character)."""
        for data in ("x" * 64, "政" * 21):
            await bot.send_message(1, "ok", reply_markup=keyboard(data))
        for data in ("x" * 65, "政" * 22):
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(1, "no", reply_markup=keyboard(data))

    with_bot(tg, scenario)
    assert tg.texts(1) == ["ok", "ok"]


def test_edit_rules(tg: FakeTelegram) -> None:
    """Edits need an existing message and a change; deletes need an existing message."""
    tg.add_chat(1)

    async def scenario(bot: Bot) -> None:
        """Exercise edit and delete errors."""
        sent = await bot.send_message(1, "same", reply_markup=keyboard("k"))
        with pytest.raises(BadRequest, match="(?i)not modified"):
            await bot.edit_message_text("same", 1, sent.message_id, reply_markup=keyboard("k"))
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("new", 1, 99)
        with pytest.raises(BadRequest, match="(?i)not modified"):
            await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard("k"))
        await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard("k2"))
        assert await bot.delete_message(1, sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message to delete not found"):
            await bot.delete_message(1, sent.message_id)
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message(2, "who?")

    with_bot(tg, scenario)
    assert tg.sent(1) == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_commands_chat_action_unknown_method_and_injected_errors(tg: FakeTelegram) -> None:
    """setMyCommands/getMyCommands round-trip, unknown methods 404, fail_next raises."""
    tg.add_chat(1)
    flood = "Too Many Requests: retry after 3"
    tg.fail_next("sendChatAction", flood, error_code=429, retry_after=3)

    async def scenario(bot: Bot) -> None:
        """Call the methods."""
        assert await bot.set_my_commands([("region", "选择地区"), ("start", "Start")])
        assert [c.command for c in await bot.get_my_commands()] == ["region", "start"]
        with pytest.raises(RetryAfter):
            await bot.send_chat_action(1, "typing")
        assert await bot.send_chat_action(1, "typing")
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendFoo", api_kwargs={"chat_id": 1})

    with_bot(tg, scenario)
    assert tg.commands()[0] == {"command": "region", "description": "选择地区"}
    assert [(c.method, c.error_code) for c in tg.errors()] == [
        ("sendChatAction", 429),
        ("sendFoo", 404),
    ]


# ---------------------------------------------------------------------------------------------
# The wire protocol and the pure helpers.


def test_get_updates_offset_and_long_poll(tg: FakeTelegram) -> None:
    """Offsets drop older updates for good; long polls cap at ~1 s; timeout=0 is immediate."""
    first, second = tg.send_text(1, "a"), tg.send_text(1, "b")
    assert (first, second) == (1, 2)
    assert [u["update_id"] for u in api(tg, "getUpdates")["result"]] == [1, 2]
    assert [u["update_id"] for u in api(tg, "getUpdates", offset=2)["result"]] == [2]
    assert [u["update_id"] for u in api(tg, "getUpdates", offset=1)["result"]] == [2]
    assert api(tg, "getUpdates", offset=3, timeout=0)["result"] == []
    assert api(tg, "getUpdates", offset=3, timeout=30)["result"] == []  # returns at the fake's cap


def test_form_json_and_multipart_bodies(tg: FakeTelegram) -> None:
    """The same sendMessage works as JSON, form-encoded and multipart; params are typed."""
    tg.add_chat(1)
    markup = '{"inline_keyboard": [[{"text": "t", "callback_data": "d"}]]}'
    url = f"{tg.base_url}{TOKEN}/sendMessage"
    fields = {"chat_id": "1", "text": "123", "reply_markup": markup}
    httpx.post(url, data=fields, timeout=5)
    httpx.post(url, data=fields, files={"doc": ("a.txt", b"abc")}, timeout=5)
    api(tg, "sendMessage", chat_id=1, text="123", reply_markup=markup)
    assert [c.params["chat_id"] for c in tg.calls("sendMessage")] == [1, 1, 1]
    assert {c.params["text"] for c in tg.calls("sendMessage")} == {"123"}
    assert all(c.params["reply_markup"]["inline_keyboard"] for c in tg.calls("sendMessage"))
    assert [m["message_id"] for m in tg.sent(1)] == [1, 2, 3]


def test_parse_html_entities() -> None:
    """Entities carry UTF-16 offsets; <pre><code class=language-x> becomes one pre entity."""
    source = '😀 <b>&lt;b&gt;</b><pre><code class="language-py">x</code></pre>'
    text, entities = parse_html(source)
    assert text == "😀 <b>x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "pre", "language": "py", "offset": 6, "length": 1},
    ]


def test_incoming_entities() -> None:
    """A leading command and @mentions get entities measured in UTF-16 code units."""
    assert incoming_entities(f"/region@{BOT_USERNAME} 北京") == [
        {"type": "bot_command", "offset": 0, "length": 25}
    ]
    assert incoming_entities(f"😀 @{BOT_USERNAME} hi") == [
        {"type": "mention", "offset": 3, "length": 18}
    ]
