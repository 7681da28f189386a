"""One chat's dialogue: follow-ups resolved against what was asked and shown before.

Every front end (the terminal chat, the Telegram bot, the web chat) keeps one Dialogue per chat
and only renders what `reply` returns. A message is first read on its own; it is taken as a
follow-up only when, once its place, unit and the cue words of index/data/dialogue_cues.toml are
taken out, no topic of its own is left (那湛江呢？ 它什么时候完成？ 还有吗 第二个), or when it opens
with a follow-up cue and names no place (那政务新媒体呢？ keeps the last place). What was carried
over travels with the answer as its `context`.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

from bot.answer import Answer, Answerer, Context, Listed, Query, RegionGroup, _chinese_number
from bot.due import due_answer
from index.engine import Engine
from index.lexicon import table
from index.models import Hit, Item
from index.rank import Ranges
from index.segment import normalize

MORE_PAGE = 5  # items a "还有吗" adds
MAX_DIALOGUES = 5000  # chats whose dialogue a front end keeps (the least recently used go first)
DIALOGUE_IDLE = 3600.0  # seconds of silence after which a chat's dialogue is forgotten
_PUNCTUATION = re.compile(r"[\s,.!?;:，。！？；：、…~～\"'“”‘’()（）]+")


def _cues() -> dict:
    """The follow-up cue words (index/data/dialogue_cues.toml)."""
    return table("dialogue_cues.toml")


@dataclass
class State:
    """What a chat has asked and been shown, for the next message to follow up on."""

    question: str = ""  # the last full question, its place taken out (re-asked elsewhere)
    topic: str = ""  # that question's topic, for people: 规章集中公开
    place: str = ""  # the place last named or carried over
    unit: str = ""  # the unit last named
    query: Query | None = None  # the last searched query, for more results
    focus: Hit | None = None  # the item a pronoun points at
    shown: tuple[Hit, ...] = ()  # the items of the last answer, in order, for 第二个
    seen: frozenset[tuple[str, str]] = frozenset()  # (doc, number) of every item shown on this topic


@dataclass
class Dialogue:
    """One chat with the answerer: `reply(text)` answers a message in the light of the ones before."""

    answerer: Answerer
    region: str = ""  # the chat's chosen region (/region), a default for questions naming none
    scope: tuple[str, Ranges] | None = None  # a hard restriction (ask --doc/--region), from Answerer.scope
    state: State = field(default_factory=State)

    def reply(self, text: str) -> Answer:
        """The answer to one message, with what it carried over from the chat as its context."""
        message = normalize(text.strip())
        bare = _PUNCTUATION.sub("", message)
        if bare in _cues()["more"]:
            return self._more(text)
        pick = _pick_number(bare)
        if pick:
            return self._pick(text, pick)
        engine, query = self.answerer.engine, self.answerer.understand(text)
        refers = any(p in message for p in _cues()["pronouns"])
        topic = self._topic_tokens(message, query)
        asked = None  # the answer in this chat's region, when a pronoun made it worth trying first
        if refers and self.state.focus is not None and not query.place:
            asked = self.answerer.ask(text, self.region, self.scope, self._as_read(engine, query)) if topic else None
            if asked is None or asked.no_answer:
                return self._about_focus(text, query)
        if topic or query.number or (query.intent == "unit" and query.place):
            follows = _opens_follow_up(message) and not query.place and not query.unit
            if (follows or query.number) and not query.place and self.state.place:
                return self._new_topic_here(text)
            return self._ask(text, read=self._as_read(engine, query), asked=asked)
        if query.place and self.state.question and not query.unit:
            return self._elsewhere(text, query.place)
        if query.unit:
            return self._unit_here(text, query.unit, query.place)
        if _strip_cues(message) != _PUNCTUATION.sub(" ", message).strip():
            return self._about_focus(text, query) if self.state.focus is not None else _hint(text, "followup")
        return self._ask(text, read=self._as_read(engine, query))  # no topic and no follow-up cue either: nothing to carry over

    def set_region(self, region: str) -> None:
        """Choose (or with '' clear) the chat's region; the conversation's place follows it."""
        self.region = region
        self.state.place = region

    def unit(self, name: str) -> Answer:
        """Every item of a unit (/unit 市司法局), in the chat's region; 第二个 picks from them."""
        answer = self.answerer.unit(name, self.region)
        self.state = State(topic=answer.query.unit, place=self.region, unit=answer.query.unit, query=answer.query)
        self._show(answer)
        return answer

    def item(self, doc: str, number: str) -> Item | None:
        """One item by document and number (/item), which 它 then points at; None when absent."""
        found = self.answerer.engine.item(doc, number)
        if found is not None:
            self.state.focus = Hit(found, 1.0, ())
            self.state.shown = (self.state.focus,)
        return found

    # --- full questions --------------------------------------------------------------------

    def _ask(self, text: str, region: str = "", read: tuple[Engine, Query] | None = None,
             asked: Answer | None = None) -> Answer:
        """Ask the answerer and remember the question as the chat's new topic.

        read: the message as `reply` read it (with no region and no scope), so as not to read it twice;
        asked: the answerer's answer to it in the chat's region, given already, so as not to rank it twice.
        """
        region = region or self.region
        answer = due_answer(self.answerer, text, region, self.scope) or asked or self.answerer.ask(
            text, region, self.scope, None if region else read)
        query = answer.query
        place = query.place or region
        question = normalize(text.strip())
        if query.place:
            question = question.replace(query.place, " ", 1).strip()
        label = {"unit": query.unit, "due": _PUNCTUATION.sub("", question.replace(query.unit, ""))}.get(
            query.intent) or _topic_label(question, query.unit)
        last = self.state
        self.state = State(question, label, place, query.unit, query, last.focus, last.shown)
        self._show(answer)
        return answer

    def _as_read(self, engine: Engine, query: Query) -> tuple[Engine, Query] | None:
        """reply's reading of a message (region and scope left out) with its engine, when asking in this
        chat reads it alike: no chat region and no scope; else None (the answerer reads it with them)."""
        return (engine, query) if not self.region and self.scope is None else None

    def _new_topic_here(self, text: str) -> Answer:
        """A new topic in the last place: 那政务新媒体呢？"""
        place = self.state.place
        answer = self._ask(text, place)
        topic = self.state.topic
        return replace(answer, context=Context("topic", place=place, topic=topic))

    def _elsewhere(self, text: str, place: str) -> Answer:
        """The last topic in a new place: 那湛江呢？"""
        question, topic, unit = self.state.question, self.state.topic, self.state.unit
        answer = self._ask(question, place)
        self.state.topic, self.state.place = topic, place
        return replace(answer, query=replace(answer.query, text=text),
                       context=Context("place", place=place, topic=topic, unit=unit))

    def _unit_here(self, text: str, unit: str, place: str) -> Answer:
        """A unit named alone (那市财政局呢？): its items, in the place named or else the last place."""
        place = place or self.state.place
        answer = self._ask(_cues()["unit_question"].format(unit=unit), place)
        return replace(answer, query=replace(answer.query, text=text),
                       context=Context("unit", place=place, unit=unit) if place else None)

    # --- about what was shown ---------------------------------------------------------------

    def _about_focus(self, text: str, query: Query) -> Answer:
        """The item in focus, ordered by what the message asks: 它什么时候完成？ 谁牵头？"""
        focus = self.state.focus
        assert focus is not None
        intent = query.intent if query.intent in ("when", "what") else "who"
        asked = Query(text, intent, self.state.place, None, self.state.unit, "", ())
        item = f"{focus.item.doc} {focus.item.number}"
        context = Context("item", place=self.state.place, topic=self.state.topic, item=item)
        return Answer(asked, focus, context=context)

    def _pick(self, text: str, number: int) -> Answer:
        """The n-th item of the last answer: 第二个."""
        if not self.state.shown:
            return _hint(text, "followup")
        if number > len(self.state.shown):
            return _hint(text, "pick")
        chosen = self.state.shown[number - 1]
        self.state.focus = chosen
        item = f"{chosen.item.doc} {chosen.item.number}"
        asked = Query(text, "who", self.state.place, None, self.state.unit, "", ())
        context = Context("pick", place=self.state.place, topic=self.state.topic, item=item)
        return Answer(asked, chosen, context=context)

    def _more(self, text: str) -> Answer:
        """Items past those shown for the last searched question: 还有吗."""
        last = self.state.query
        if last is None:
            return _hint(text, "followup")
        seen = self.state.seen
        found = self.answerer.engine.search(list(last.tokens), k=len(seen) + MORE_PAGE, scope=last.allowed) \
            if last.intent not in ("unit", "item") and last.tokens else []
        fresh = tuple(h for h in found if (h.item.doc, h.item.number) not in seen)[:MORE_PAGE]
        if not fresh:
            return _hint(text, "more")
        context = Context("more", place=self.state.place, topic=self.state.topic)
        answer = Answer(replace(last, text=text, intent="more"), listing=self._per_plan(fresh), context=context)
        self._show(answer)
        return answer

    def _per_plan(self, hits: tuple[Hit, ...]) -> tuple[RegionGroup, ...]:
        """Hits grouped by plan, in the order of their best hit."""
        groups: dict[str, list[Listed]] = {}
        for hit in hits:
            groups.setdefault(hit.item.doc, []).append(Listed(hit))
        return tuple(RegionGroup(self.answerer.region_of(doc), doc, tuple(found)) for doc, found in groups.items())

    def _show(self, answer: Answer) -> None:
        """Remember what an answer shows: its items, and the one a pronoun would mean.

        An answer that shows nothing leaves them: 它 still means the last item shown.
        """
        if not answer.hits:
            return
        self.state.shown = answer.hits
        self.state.seen |= {(h.item.doc, h.item.number) for h in answer.hits}
        listing = bool(answer.listing) and len(answer.hits) > 1
        self.state.focus = None if listing else answer.hits[0]

    def _topic_tokens(self, message: str, query: Query) -> list[str]:
        """The words of a message that name a topic: not its place, unit or follow-up cues."""
        return self.answerer.topic_tokens(_strip_cues(message), query)


@lru_cache(maxsize=8)
def _longest_first(extra: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The cue words to take out (with extra words), the lead-ins and the tails, each longest first (sorted once)."""
    cues = _cues()

    def longest_first(group: list[str]) -> tuple[str, ...]:
        return tuple(sorted(group, key=len, reverse=True))

    return (longest_first([*cues["pronouns"], *cues["aspect"], *cues["more"], *extra]),
            longest_first(cues["lead_in"]), longest_first(cues["tail"]))


def _strip_cues(text: str, extra: tuple[str, ...] = ()) -> str:
    """Text without the follow-up cue words (and extra words); lead-ins only at the start, tails at the end."""
    inside, lead_ins, tails = _longest_first(extra)
    text = _PUNCTUATION.sub(" ", text).strip()
    for word in inside:
        text = text.replace(word, " ")
    text = text.strip()
    for word in lead_ins:
        if text.startswith(word):
            text = text[len(word):]
            break
    while ending := next((w for w in tails if text.endswith(w)), ""):  # 那边 + 呢
        text = text[: -len(ending)].strip()
    return text.strip()


def _opens_follow_up(message: str) -> bool:
    """True when a message opens or ends like a follow-up (那…呢, 换成…)."""
    bare = _PUNCTUATION.sub("", message)
    cues = _cues()
    return any(bare.startswith(w) for w in cues["lead_in"]) or bare.endswith(tuple(cues["ending"]))


def _topic_label(question: str, unit: str) -> str:
    """A question's topic for people: its words without question cues (谁负责规章集中公开 -> 规章集中公开)."""
    asks = table("query_cues.toml")
    text = _strip_cues(question.replace(unit, " ") if unit else question, (*asks["when"], *asks["what"], *asks["unit_list"]))
    label = "".join(text.split())
    return f"{unit} {label}".strip() if unit else label


@cache
def _pick_pattern() -> re.Pattern[str]:
    """第n个 and its variants, from the cue words (built once)."""
    cues = _cues()
    before, words, after = ("|".join(map(re.escape, sorted(cues[k], key=len, reverse=True)))
                            for k in ("pick_before", "pick_words", "pick_after"))
    return re.compile(rf"(?:{before})?第([0-9]+|[一二三四五六七八九十]+)(?:{words})(?:{after})?")


def _pick_number(bare: str) -> int:
    """n for 第n个 (第二个, 第2个结果), else 0."""
    match = _pick_pattern().fullmatch(bare)
    if not match:
        return 0
    value = match.group(1)
    return int(value) if value.isdigit() else _chinese_number(value)


def _hint(text: str, why: str) -> Answer:
    """No answer, and why: nothing to follow up on (followup), no more (more), no such pick (pick)."""
    return Answer(Query(text, why), context=Context(why))


class Dialogues:
    """One Dialogue per chat for a front end that serves many: bounded, and forgotten when idle.

    Each `get` hands the dialogue the current answerer, so a chat's dialogue outlives a reload.
    """

    def __init__(self, limit: int = MAX_DIALOGUES, idle: float = DIALOGUE_IDLE) -> None:
        self.limit, self.idle = limit, idle
        self._chats: OrderedDict[Hashable, tuple[float, Dialogue]] = OrderedDict()

    def get(self, chat: Hashable, answerer: Answerer) -> Dialogue:
        """The chat's dialogue (a new one if none, or if it was idle too long), on this answerer."""
        now = time.monotonic()
        while self._chats and now - next(iter(self._chats.values()))[0] > self.idle:
            self._chats.popitem(last=False)  # the least recently used first: stop at a fresh one
        _, dialogue = self._chats.pop(chat, (now, None))
        if dialogue is None:
            dialogue = Dialogue(answerer)
        elif dialogue.answerer is not answerer:
            dialogue.answerer, dialogue.state.query = answerer, None  # id ranges belong to the old index
        self._chats[chat] = (now, dialogue)
        while len(self._chats) > self.limit:
            self._chats.popitem(last=False)
        return dialogue

    def __len__(self) -> int:
        """How many chats have a dialogue now."""
        return len(self._chats)
