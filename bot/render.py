"""Answers and items as text for people: plain text for the terminal, HTML for Telegram."""

from __future__ import annotations

import html

from bot.answer import Answer, Listed, RegionGroup, Task
from index.models import Document, Hit, Item


CORRECTED = "（经人工校对）"


def unit_line(item: Item) -> str:
    """Units lead first, lead marked 牵头; a plain note when the plan names none; staff corrections marked."""
    lead = [f"{name}（牵头）" for name in item.units.lead]
    names = lead + list(item.units.others)
    return ("、".join(names) if names else "（方案未写明责任单位）") + (CORRECTED if item.corrected else "")


def item_label(item: Item, document: Document) -> str:
    """Where an item comes from: document title, number as printed, document number."""
    number = f"第{item.number}项" if item.number.isdigit() else item.number
    issued = f"（{document.number}）" if document.number else ""
    return f"《{document.title}》{issued} {number}"


def render_item(item: Item, document: Document) -> str:
    """One item whole, with its source, as plain text."""
    lines = [
        item_label(item, document),
        f"工作任务：{item.task}",
        f"责任单位：{unit_line(item)}",
    ]
    if item.units.raw:
        lines.append(f"单位原文：{item.units.raw}")
    if item.deadline:
        lines.append(f"完成时限：{item.deadline}")
    lines.append(f"原文：{item.text}")
    if document.source:
        lines.append(f"出处：{document.source} 第{item.line}行")
    return "\n".join(lines)


def item_json(item: Item) -> dict:
    """An item as the JSON the staff views print."""
    return {
        "doc": item.doc,
        "item": item.number,
        "task": item.task,
        "text": item.text,
        "units": item.units.raw,
        "lead_units": list(item.units.lead),
        "other_units": list(item.units.others),
        "deadline": item.deadline,
        "due": item.due[0] if item.due else None,
        "due_dates": list(item.due),
        "ongoing": item.ongoing,
        "corrected": item.corrected,
    }


def answer_json(answer: Answer, documents: dict[str, Document]) -> dict:
    """An answer as the JSON `policyqa ask --json` prints: every item, and the groups they form."""
    entry = lambda hit: _hit_json(hit, documents[hit.item.doc])  # noqa: E731
    return {
        "query": answer.query.text,
        "intent": answer.query.intent,
        "filters": answer.filters,
        "no_answer": answer.no_answer,
        "answers": [entry(hit) for hit in answer.hits],
        "best": entry(answer.best) if answer.best else None,
        "same_plan": [entry(hit) for hit in answer.same_plan],
        "elsewhere": [{"regions": list(t.regions), "items": [entry(h) for h in t.hits]} for t in answer.elsewhere],
        "listing": [
            {"region": g.region, "doc": g.doc,
             "items": [entry(e.hit) | {"unit": e.unit, "lead": e.lead} for e in g.items]}
            for g in answer.listing
        ],
    }


def context_json(answer: Answer) -> dict | None:
    """What a chat message carried over from the ones before, as `chat --json` prints it."""
    context = answer.context
    if context is None:
        return None
    fields = {"kind": context.kind, "place": context.place, "topic": context.topic, "unit": context.unit,
              "item": context.item}
    return {**{k: v for k, v in fields.items() if v}, "text": context_line(answer) or follow_up_hint(answer)}


def _hit_json(hit: Hit, document: Document) -> dict:
    """One answer entry."""
    item = hit.item
    return {
        "doc": item.doc, "title": document.title, "region": document.region, "year": document.year,
        "item": item.number, "task": item.task, "text": item.text, "units": item.units.raw,
        "lead_units": list(item.units.lead), "other_units": list(item.units.others),
        "deadline": item.deadline, "due": item.due[0] if item.due else None, "due_dates": list(item.due),
        "ongoing": item.ongoing, "corrected": item.corrected, "score": round(hit.score, 3),
        "matched_terms": list(hit.matched_terms),
    }


NOT_COVERED = "没有找到相关内容：已收录的政务公开工作要点分工方案里没有涉及这个问题。"
NOTHING_DUE = "已收录的方案里没有在所问时间前到期的条目（没有写明时限的、长期工作不计在内）。"
FOLLOW_UP_HINTS = {  # a follow-up that had nothing to follow (Context.kind)
    "followup": "这句话像是接着上一问的追问，但前面还没有可以接着的问题。请先完整地问一句，例如“谁负责规章集中公开？”",
    "more": "没有更多相关条目了。可以换个说法，或者问别的地区（如“那湛江呢？”）。",
    "pick": "上一个回答里没有这么多条。",
}


def context_line(answer: Answer) -> str:
    """What a follow-up was understood as ('按上一问理解为：湛江 · 规章集中公开'), or ''."""
    context = answer.context
    if context is None or not answer.hits or not context.parts:
        return ""
    return f"按上一问理解为：{' · '.join(context.parts)}"


def follow_up_hint(answer: Answer) -> str:
    """The short reply to a follow-up with nothing to follow, or to a time with nothing due; else ''."""
    if answer.hits:
        return ""
    if answer.query.intent == "due":
        return NOTHING_DUE
    return FOLLOW_UP_HINTS.get(answer.context.kind, "") if answer.context else ""


def render_answer(answer: Answer, documents: dict[str, Document]) -> str:
    """The 一号答 as plain text, after what a follow-up was understood as."""
    body = _render_body(answer, documents)
    return "\n".join(filter(None, [context_line(answer), body]))


def _render_body(answer: Answer, documents: dict[str, Document]) -> str:
    """The 一号答 as plain text: best item whole, then one line per other item (or the listing)."""
    if follow_up_hint(answer):
        return follow_up_hint(answer)
    if answer.no_answer:
        hints = "\n".join(f"· {q}" for q in answer.suggestions)
        return f"{NOT_COVERED}\n可以这样问：\n{hints}"
    if answer.listing:
        return _render_listing(answer, documents)
    assert answer.best is not None
    lines = [_best_block(answer.query.intent, answer.best.item, documents[answer.best.item.doc])]
    if answer.same_plan:
        lines.append("同一方案的相关条目：")
        lines.extend(f"· {_summary_line(h.item, documents[h.item.doc])}" for h in answer.same_plan)
    if answer.elsewhere:
        lines.append("其他地区的同一任务：")
        lines.extend(f"· {region}：{_summary_line(h.item, documents[h.item.doc])}"
                     for task in answer.elsewhere for region, h in zip(task.regions, task.hits))
    return "\n".join(lines)


def _summary_line(item: Item, document: Document) -> str:
    """One item in a line: where it comes from, its units and its deadline."""
    deadline = f"；时限：{item.deadline}" if item.deadline else ""
    return f"{item_label(item, document)}：{unit_line(item)}{deadline}"


def _best_block(intent: str, item: Item, document: Document) -> str:
    """The best item, ordered by what the question asks first."""
    units = f"责任单位：{unit_line(item)}"
    deadline = f"完成时限：{item.deadline or '方案未写明'}"
    text = f"原文：{item.text}"
    order = {"when": [deadline, units, text], "what": [text, units, deadline]}.get(intent, [units, deadline, text])
    return "\n".join([item_label(item, document), f"工作任务：{item.task}", *order])


def listing_header(answer: Answer) -> str:
    """The first line of a listing: the unit and its number of items, or the item number asked."""
    if answer.query.intent == "unit":
        regions = f"（{len(answer.listing)} 个地区）" if len(answer.listing) > 1 else ""
        return f"{answer.query.unit} 负责以下 {len(answer.hits)} 项{regions}："
    if answer.query.intent == "due":
        who = answer.query.unit or answer.query.place
        return f"{who}按期限要完成的条目共 {len(answer.hits)} 项（时限先到的在前）："
    if answer.query.intent == "more":
        return f"更多相关条目，共 {len(answer.hits)} 项："
    return f"第{answer.query.number}项，共 {len(answer.hits)} 份方案："


def _render_listing(answer: Answer, documents: dict[str, Document]) -> str:
    """A unit's items (or the items with a number), one line each, under each region when several."""
    several = len(answer.listing) > 1
    if answer.query.intent == "due":
        return "\n".join([listing_header(answer), *(f"· {group.region}：{_summary_line(e.hit.item, documents[group.doc])}"
                                                     for group in answer.listing for e in group.items)])
    if answer.query.intent != "unit":  # items asked by number are shown whole
        blocks = [(f"【{group.region}】\n" if several else "") + _best_block("what", e.hit.item, documents[group.doc])
                  for group in answer.listing for e in group.items]
        return "\n\n".join(blocks)
    lines = [listing_header(answer)]
    for group in answer.listing:
        if several:
            lines.append(f"【{group.region}】")
        lines.extend(f"· {_listed_line(entry, documents[group.doc])}" for entry in group.items)
    return "\n".join(lines)


def _listed_line(entry: Listed, document: Document) -> str:
    """One listed item: its source, the unit's role, the start of its text."""
    item = entry.hit.item
    role = ("（牵头）" if entry.lead else "（负责）") if entry.unit else ""
    return f"{item_label(item, document)}{role}{item.text[:60]}"


# --- Telegram HTML ---------------------------------------------------------------------------

TELEGRAM_LIMIT = 4096
QUOTE_LIMIT = 1500  # characters of verbatim text quoted per item


def escape_html(text: str) -> str:
    """Escape corpus text for Telegram HTML."""
    return html.escape(text, quote=False)


def item_html(item: Item, document: Document, intent: str = "who") -> str:
    """One item as a Telegram HTML block: units, deadline, source, then the text quoted."""
    units = f"<b>责任单位</b>：{escape_html(unit_line(item))}"
    deadline = f"<b>完成时限</b>：{escape_html(item.deadline or '方案未写明')}"
    first = [deadline, units] if intent in ("when", "due") else [units, deadline]
    text = item.text if len(item.text) <= QUOTE_LIMIT else item.text[:QUOTE_LIMIT] + "…"
    return "\n".join([
        *first,
        f"<b>出处</b>：{escape_html(item_label(item, document))}",
        f"<b>工作任务</b>：{escape_html(item.task)}",
        f"<blockquote expandable>{escape_html(text)}</blockquote>",
    ])


def others_html(tasks: tuple[Task, ...], documents: dict[str, Document]) -> str:
    """The same task in other regions, one line per region."""
    lines = ["<b>其他地区的同类任务</b>"]
    for task in tasks:
        for region, hit in zip(task.regions, task.hits):
            item, document = hit.item, documents[hit.item.doc]
            deadline = f"（时限：{escape_html(item.deadline)}）" if item.deadline else ""
            lines.append(f"• <b>{escape_html(region)}</b> {escape_html(item_label(item, document))}："
                         f"{escape_html(unit_line(item))}{deadline}")
    return "\n".join(lines)


def listing_html(group: RegionGroup, documents: dict[str, Document], intent: str) -> list[str]:
    """A listing's blocks for one plan: each item whole, the unit's role first."""
    document = documents[group.doc]
    return [(f"<b>{escape_html(group.region)}</b>·{'牵头' if e.lead else '负责'}\n" if e.unit else "")
            + item_html(e.hit.item, document, intent) for e in group.items]


def pack_html(blocks: list[str], per_page: int, header: str = "", limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Group whole blocks into pages of at most per_page blocks and limit characters each."""
    pages: list[list[str]] = []
    for block in blocks:
        block = block if len(block) + len(header) + 2 <= limit else _shorten_block(block, limit - len(header) - 2)
        page = pages[-1] if pages else None
        if page is None or len(page) >= per_page or len("\n\n".join([header, *page, block])) > limit:
            pages.append([block])
        else:
            page.append(block)
    return ["\n\n".join(filter(None, [header, *page])) for page in pages] or [header]


def _shorten_block(block: str, limit: int) -> str:
    """Cut a block's quote so the block fits, keeping every tag closed."""
    head, sep, quote = block.partition("<blockquote expandable>")
    if not sep:
        return block[:limit]
    room = max(0, limit - len(head) - len(sep) - len("…</blockquote>"))
    body = html.unescape(quote.removesuffix("</blockquote>"))
    return f"{head}{sep}{escape_html(body[: room // 2])}…</blockquote>"


def not_covered_html(answer: Answer) -> str:
    """The plain 'not covered' reply with what can be asked."""
    hints = "\n".join(f"• {escape_html(q)}" for q in answer.suggestions)
    return f"{escape_html(NOT_COVERED)}\n可以这样问：\n{hints}"


def listing_header_html(answer: Answer) -> str:
    """The heading of a listing."""
    return f"<b>{escape_html(listing_header(answer))}</b>"


def clip(text: str, limit: int = 60) -> str:
    """User text shortened (whitespace folded) for a summary line or an echo."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def stats_text(stats: dict) -> str:
    """The question log summarized for staff."""
    lines = ["每日提问："]
    lines += [f"  {r['day']}  {r['n']}" for r in stats["per_day"]] or ["  （暂无）"]
    lines.append("最常问：")
    lines += [f"  {r['n']:>4}  {clip(r['question'])}" for r in stats["most_asked"]] or ["  （暂无）"]
    lines.append("未能回答：")
    lines += [f"  {r['n']:>4}  {clip(r['question'])}" for r in stats["unanswered"]] or ["  （暂无）"]
    lines.append(f"反馈：{stats['votes']} 次，👎 占 {stats['down_share']:.0%}")
    return "\n".join(lines)
