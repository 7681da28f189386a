"""The Telegram bot: `build_application(settings, answerer)` returns an Application that tests
drive offline; only `run_bot` starts polling. Handlers are thin: they call the same Answerer as
the command line and differ only in rendering (bot/render.py).

Each answer message keeps its state server-side (a View under a short key), so callback_data
stays a few bytes: "m:<key>:<page>" more results, "o:<key>" other regions, "b:<key>" back,
"v:<key>:+|-" feedback, "x:<n>" an example question, "r:<n>|all" a region.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.ext import (
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.answer import Answer, Answerer
from bot.dialogue import Dialogue, Dialogues
from bot.render import (
    clip,
    context_line,
    escape_html,
    follow_up_hint,
    item_html,
    listing_header_html,
    listing_html,
    not_covered_html,
    others_html,
    pack_html,
    stats_text,
)
from bot.settings import Settings
from index.engine import remove_documents
from index.errors import NoSuchDocument, PolicyQAError
from index.store import DatabaseError, Store, explain

log = logging.getLogger("policyqa.bot")
Context = ContextTypes.DEFAULT_TYPE
LOG_WAIT = 120.0  # seconds a log write waits for a rebuild to commit
MAX_VIEWS = 2000  # answer messages whose buttons still work
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")

INTRO = (
    "您好！这里是<b>政策问答</b>：问政务公开工作要点里的任何一项由谁负责、何时完成。\n"
    "直接输入问题即可，也可以点下面的例子。输入 /help 查看全部用法。"
)
REFUSED = "抱歉，此命令仅限管理员使用。"
TOO_FAST = "您提问太快了，请稍候一分钟再问。"
FAILED = "抱歉，处理您的消息时出了点问题，请稍后再试。"


@dataclass
class View:
    """What one answer message shows and can switch to."""

    answer: Answer
    pages: list[str]
    others: str = ""
    question_id: int | None = None
    page: int = 0
    showing_others: bool = False
    voted: bool = False
    chat_id: int | None = None  # the chat whose message this is; other chats' taps are refused

    def text(self) -> str:
        """The HTML the message shows now."""
        return self.others if self.showing_others else self.pages[self.page]

    def markup(self, key: str) -> InlineKeyboardMarkup | None:
        """The buttons under the message now."""
        row = []
        if self.others:
            row.append(InlineKeyboardButton("⬅ 返回" if self.showing_others else "其他地区", callback_data=f"{'b' if self.showing_others else 'o'}:{key}"))
        if len(self.pages) > 1 and not self.showing_others:
            following = (self.page + 1) % len(self.pages)
            row.append(InlineKeyboardButton(f"更多结果 {following + 1}/{len(self.pages)}", callback_data=f"m:{key}:{following}"))
        rows = [row] if row else []
        if self.question_id is not None and not self.voted:
            rows.append([InlineKeyboardButton("👍", callback_data=f"v:{key}:+"), InlineKeyboardButton("👎", callback_data=f"v:{key}:-")])
        return InlineKeyboardMarkup(rows) if rows else None


@dataclass
class Views:
    """Answer views by short key, the oldest forgotten first."""

    items: OrderedDict[str, View] = field(default_factory=OrderedDict)
    def add(self, view: View) -> str:
        """Keep a view; returns its key (random, so a restarted bot never reuses an old key)."""
        key = secrets.token_urlsafe(6)
        self.items[key] = view
        while len(self.items) > MAX_VIEWS:
            self.items.popitem(last=False)
        return key

    def get(self, key: str) -> View | None:
        """A view by key, or None when forgotten."""
        return self.items.get(key)


def make_view(answer: Answer, answerer: Answerer, page_size: int, question_id: int | None) -> View:
    """The pages of an answer: the 一号答 first, more results after, other regions aside."""
    documents = answerer.engine.documents
    if follow_up_hint(answer):
        return View(answer, [escape_html(follow_up_hint(answer))])
    if answer.no_answer:
        return View(answer, [not_covered_html(answer)], question_id=question_id)
    understood = f"<i>{escape_html(context_line(answer))}</i>" if context_line(answer) else ""
    if answer.listing:
        blocks = [b for group in answer.listing for b in listing_html(group, documents, answer.query.intent)]
        header = listing_header_html(answer) if answer.query.intent in ("unit", "due") or len(answer.listing) > 1 else ""
        return View(answer, pack_html(blocks, page_size, "\n".join(filter(None, [understood, header]))),
                    question_id=question_id)
    assert answer.best is not None
    best = item_html(answer.best.item, documents[answer.best.item.doc], answer.query.intent)
    more = [item_html(h.item, documents[h.item.doc], answer.query.intent) for h in answer.hits[1:]]
    pages = pack_html([best], 1, understood) + (pack_html(more, page_size) if more else [])
    others = others_html(answer.elsewhere, documents) if answer.elsewhere else ""
    return View(answer, pages, others, question_id)


def build_application(
    settings: Settings,
    answerer: Answerer,
    *,
    rate_limiter: BaseRateLimiter | None = None,
    reload: Callable[[], Answerer] | None = None,
) -> Application:
    """The bot's Application, handlers registered; nothing is started."""
    if settings.token is None:
        raise ValueError("no Telegram token: set POLICYQA_TOKEN")
    builder = Application.builder().token(settings.token.get_secret_value()).base_url(settings.api_base_url)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.post_init(_post_init).build()
    app.bot_data.update(answerer=answerer.warm(), settings=settings, views=Views(), reload=reload,
                        dialogues=Dialogues())
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("help", on_help))
    app.add_handler(CommandHandler("region", on_region))
    app.add_handler(CommandHandler("unit", on_unit))
    app.add_handler(CommandHandler("item", on_item))
    app.add_handler(CommandHandler("reload", on_reload))
    app.add_handler(CommandHandler("stats", on_stats))
    app.add_handler(CommandHandler("remove", on_remove))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_question))
    app.add_error_handler(on_error)
    return app


async def _post_init(app: Application) -> None:
    """Tell Telegram the command list (runs under run_polling)."""
    await app.bot.set_my_commands([
        BotCommand("start", "开始"), BotCommand("help", "用法"), BotCommand("region", "选定地区"),
        BotCommand("unit", "某单位负责的条目"), BotCommand("item", "查看一个条目"),
    ])


# --- handlers ----------------------------------------------------------------------------------


async def on_start(update: Update, context: Context) -> None:
    """Say what the bot answers, with example questions as buttons."""
    answerer: Answerer = context.bot_data["answerer"]
    buttons = [[InlineKeyboardButton(q, callback_data=f"x:{i}")] for i, q in enumerate(answerer.examples)]
    await _reply(update, INTRO, InlineKeyboardMarkup(buttons))


async def on_help(update: Update, context: Context) -> None:
    """List the ways to ask."""
    examples = "".join(f"• {escape_html(q)}\n" for q in context.bot_data["answerer"].examples)
    await _reply(update, (
        f"<b>怎么问</b>\n{examples}<b>命令</b>\n"
        "/region 选定地区（/region all 取消）\n/unit 单位名 — 该单位负责的全部条目\n"
        f"/item 文档 编号 — 一个条目的全文，如 /item {escape_html(context.bot_data['answerer'].item_example)}\n/help — 本说明"
    ))


async def on_region(update: Update, context: Context) -> None:
    """Show the region picker, set a region, or clear it with /region all."""
    answerer: Answerer = context.bot_data["answerer"]
    argument = " ".join(context.args or []).strip()
    regions = answerer.regions()
    if not argument:
        current = context.chat_data.get("region") or "不限"
        buttons = [[InlineKeyboardButton(r, callback_data=f"r:{i}")] for i, r in enumerate(regions)]
        buttons.append([InlineKeyboardButton("不限地区", callback_data="r:all")])
        await _reply(update, f"当前地区：{escape_html(current)}。请选择：", InlineKeyboardMarkup(buttons))
        return
    await _reply(update, _set_region(context, argument, regions))


def _set_region(context: Context, argument: str, regions: list[str]) -> str:
    """Remember (or clear) the chat's region; returns the reply."""
    match = context.bot_data["answerer"].pick_region(argument)
    if match is None:
        return f"没有 {escape_html(clip(argument, 40))} 的方案。可选：{escape_html('、'.join(regions))}"
    context.chat_data["region"] = match
    if match == "":
        return "已取消地区限制。"
    return f"已选定地区：<b>{escape_html(match)}</b>。之后的问题只看该地区的方案（/region all 取消）。"


async def on_unit(update: Update, context: Context) -> None:
    """List a unit's items."""
    name = " ".join(context.args or []).strip()
    if not name:
        await _reply(update, "用法：/unit 单位名，如 /unit 市司法局")
        return
    answer = _dialogue(context, update.effective_chat.id).unit(name)
    if answer.no_answer and answer.suggestions:
        await _reply(update, f"没有找到单位 {escape_html(clip(name, 40))}。您是不是要找：{escape_html('、'.join(answer.suggestions))}")
        return
    await _send_answer(update, context, answer)


async def on_item(update: Update, context: Context) -> None:
    """Show one item by document id and number."""
    answerer: Answerer = context.bot_data["answerer"]
    args = context.args or []
    dialogue = _dialogue(context, update.effective_chat.id)
    item = dialogue.item(args[0], " ".join(args[1:])) if len(args) >= 2 else None  # prose numbers hold a space
    if item is None:
        docs = "、".join(sorted(answerer.engine.documents))
        await _reply(update, f"用法：/item 文档 编号，如 /item {escape_html(answerer.item_example)}\n文档：{escape_html(docs)}")
        return
    await _reply(update, item_html(item, answerer.document(item)))


async def on_question(update: Update, context: Context) -> None:
    """Answer a question (in groups only when the bot is addressed)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = _addressed_text(message, context.bot.username, context.bot.id)
    if text is None:
        return
    if _too_fast(context):
        await _reply(update, TOO_FAST)
        return
    await _answer_question(update, context, message.chat_id, text)


async def _answer_question(update: Update, context: Context, chat_id: int, text: str) -> None:
    """Answer, log and send one question (typed, or from an example button)."""
    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    start = time.perf_counter()
    answer = _dialogue(context, chat_id).reply(text)
    latency = (time.perf_counter() - start) * 1000
    items = [f"{h.item.doc} {h.item.number}" for h in answer.hits]
    log = _log(context, "record_question", chat_id, text, answer.query.intent, items, latency, answer.no_answer)
    await _send_answer(update, context, answer, await log)


def _dialogue(context: Context, chat_id: int) -> Dialogue:
    """The chat's dialogue, on the current answerer and with the chat's chosen region."""
    dialogue = context.bot_data["dialogues"].get(chat_id, context.bot_data["answerer"])
    region = context.chat_data.get("region", "")
    if dialogue.region != region:  # chosen with /region since this chat's last message
        dialogue.set_region(region)
    return dialogue


async def _log(context: Context, method: str, *args: object) -> int | None:
    """Write to the question log off the event loop, on a connection of its own.

    A rebuild (another process's ingest, or /reload) holds the write lock until it commits; the
    write waits for it in a thread while the bot goes on answering others. A log that cannot be
    written (read-only, locked past the wait, disk full) is a warning: the answer still goes out.
    """
    path = context.bot_data["answerer"].engine.store.path

    def write() -> int | None:
        """The write, with its own connection."""
        try:
            store = Store(path, timeout=LOG_WAIT)
        except PolicyQAError as exc:
            log.warning("question log not written: %s", exc)
            return None
        try:
            return getattr(store, method)(*args)
        except PolicyQAError as exc:
            log.warning("question log not written: %s", exc)
            return None
        finally:
            store.close()

    return await asyncio.to_thread(write)


def _addressed_text(message: Message, username: str, bot_id: int) -> str | None:
    """The question in a message, or None in a group when the bot is not addressed."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{username}"
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
        and message.reply_to_message.from_user.id == bot_id
    if mention.lower() not in text.lower() and not replied:
        return None
    return re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE).strip()


def _too_fast(context: Context) -> bool:
    """True when this chat asked more than the rate limit in the last minute."""
    limit: int = context.bot_data["settings"].rate_limit
    stamps: deque[float] = context.chat_data.setdefault("asked", deque())
    now = time.monotonic()
    while stamps and now - stamps[0] > 60:
        stamps.popleft()
    if len(stamps) >= limit:
        return True
    stamps.append(now)
    return False


async def _send_answer(update: Update, context: Context, answer: Answer, question_id: int | None = None) -> None:
    """Send an answer as a new message with its buttons."""
    settings: Settings = context.bot_data["settings"]
    view = make_view(answer, context.bot_data["answerer"], settings.page_size, question_id)
    view.chat_id = update.effective_chat.id if update.effective_chat else None
    key = context.bot_data["views"].add(view)
    await _reply(update, view.text(), view.markup(key))


async def on_button(update: Update, context: Context) -> None:
    """Handle a button: switch the view in place, record feedback, or answer an example."""
    query = update.callback_query
    if query is None or not query.data:
        return
    kind, _, rest = query.data.partition(":")
    if kind == "x":
        await query.answer()
        answerer: Answerer = context.bot_data["answerer"]
        example = answerer.examples[int(rest)] if rest.isdigit() and int(rest) < len(answerer.examples) else ""
        if example and query.message is not None:
            await _answer_question(update, context, query.message.chat_id, example)
        return
    if kind == "r":
        await query.answer()
        regions = context.bot_data["answerer"].regions()
        choice = "all" if rest == "all" else regions[int(rest)] if rest.isdigit() and int(rest) < len(regions) else ""
        await query.edit_message_text(_set_region(context, choice or "all", regions), parse_mode=ParseMode.HTML)
        return
    key, _, argument = rest.partition(":")
    view = context.bot_data["views"].get(key)
    chat = query.message.chat_id if query.message else None
    if view is None or view.chat_id != chat:
        await query.answer("这条回答已过期，请重新提问。", show_alert=False)
        return
    if kind == "v":
        await _vote(update, context, view, key, argument)
        return
    before = (view.showing_others, view.page)
    view.showing_others = kind == "o"
    if kind == "m" and argument.isdigit():
        view.page = int(argument) % len(view.pages)
    await query.answer()
    if (view.showing_others, view.page) != before:  # a second tap on the same button changes nothing
        await query.edit_message_text(view.text(), parse_mode=ParseMode.HTML, reply_markup=view.markup(key))


async def _vote(update: Update, context: Context, view: View, key: str, sign: str) -> None:
    """Record a 👍/👎, thank with a toast, and drop the feedback row."""
    query = update.callback_query
    if view.voted or view.question_id is None:
        await query.answer("已收到您的反馈。")
        return
    view.voted = True
    chat = query.message.chat_id if query.message else 0
    await _log(context, "record_feedback", view.question_id, chat, 1 if sign == "+" else -1)
    await query.answer("谢谢您的反馈！")
    await query.edit_message_reply_markup(view.markup(key))


async def on_reload(update: Update, context: Context) -> None:
    """Admin: re-ingest the corpus; questions keep being answered by the old index meanwhile."""
    if not _is_admin(update, context):
        await _reply(update, REFUSED)
        return
    reload: Callable[[], Answerer] | None = context.bot_data.get("reload")
    if reload is None:
        await _reply(update, "此部署未配置重新载入。")
        return
    if context.bot_data.get("reloading"):
        await _reply(update, "已在重新载入中，请稍候。")
        return
    context.bot_data["reloading"] = True
    await _reply(update, "正在重新载入方案……")
    context.application.create_task(_reload_in_background(update, context, reload), update=update)


async def _reload_in_background(update: Update, context: Context, reload: Callable[[], Answerer]) -> None:
    """Build the new index in a thread, then swap it in; the old one answers until then."""
    try:
        answerer = await asyncio.to_thread(lambda: reload().warm())
    finally:
        context.bot_data["reloading"] = False
    context.bot_data["answerer"] = answerer
    docs = answerer.engine.documents
    await _reply(update, f"已重新载入：{len(docs)} 份方案，{answerer.engine.size} 个条目。")


async def on_remove(update: Update, context: Context) -> None:
    """Admin: remove one plan by document id, in one transaction; the old index answers meanwhile."""
    if not _is_admin(update, context):
        await _reply(update, REFUSED)
        return
    answerer: Answerer = context.bot_data["answerer"]
    answerer.sync()
    engine = answerer.engine
    doc = " ".join(context.args or []).strip()
    held = "、".join(sorted(engine.documents))
    if not doc:
        await _reply(update, escape_html(f"用法：/remove 文档编号（现有：{held}）"))
        return
    settings: Settings = context.bot_data["settings"]

    def remove() -> int:
        """Remove the plan; how many plans the index then holds."""
        store = Store(engine.store.path, timeout=settings.lock_wait)
        try:
            remove_documents(store, [doc])
            return len(store.documents())
        finally:
            store.close()

    try:
        left = await asyncio.to_thread(remove)
    except NoSuchDocument:
        await _reply(update, escape_html(f"没有文档 {doc}（现有：{held}）"))
        return
    except PolicyQAError as exc:
        log.warning("/remove %s failed: %s", doc, exc)
        await _reply(update, escape_html(f"未能删除 {doc}：{exc}"))
        return
    await _reply(update, escape_html(f"已删除 {doc}，现有 {left} 份方案。"))


async def on_stats(update: Update, context: Context) -> None:
    """Admin: questions per day, most asked, unanswered, share of 👎."""
    if not _is_admin(update, context):
        await _reply(update, REFUSED)
        return
    stats = context.bot_data["answerer"].engine.store.stats()
    await _reply(update, f"<pre>{escape_html(stats_text(stats))}</pre>")


def _is_admin(update: Update, context: Context) -> bool:
    """True when the sender is a configured admin."""
    user = update.effective_user
    return user is not None and user.id in context.bot_data["settings"].admin_ids


async def on_error(update: object, context: Context) -> None:
    """Log the exception and tell the user politely."""
    if isinstance(context.error, DatabaseError):  # name the file and the way out, not just SQLite's words
        log.error("%s", explain(context.bot_data["answerer"].engine.store.path, context.error))
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(FAILED)
        except Exception:  # noqa: BLE001 - the apology itself failing must not loop
            log.warning("could not send the apology", exc_info=True)


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply in HTML; in a group, quoting the asker's message."""
    message = update.effective_message
    if message is None:
        return
    group = message.chat.type != ChatType.PRIVATE
    await message.reply_html(text, reply_markup=markup, do_quote=group and not update.callback_query)


def run_bot(settings: Settings, answerer: Answerer, reload: Callable[[], Answerer]) -> None:
    """Start polling until interrupted (the only place that does)."""
    from telegram.ext import AIORateLimiter

    token = settings.token.get_secret_value() if settings.token else ""
    if not TOKEN_SHAPE.match(token):
        raise ValueError("POLICYQA_TOKEN does not look like a bot token (digits:letters, from @BotFather)")
    app = build_application(settings, answerer, rate_limiter=AIORateLimiter(), reload=reload)
    log.info("polling Telegram at %s", settings.api_base_url)
    app.run_polling()
