"""Answers and items as text for people: plain text for the terminal, HTML for Telegram."""

from __future__ import annotations

import html

from bot.answer import Answer
from index.models import Document, Hit, Item


def unit_line(item: Item) -> str:
    """Units lead first, lead marked 牵头; a plain note when the plan names none."""
    lead = [f"{name}（牵头）" for name in item.units.lead]
    names = lead + list(item.units.others)
    return "、".join(names) if names else "（方案未写明责任单位）"


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
    }


def answer_json(answer: Answer, documents: dict[str, Document]) -> dict:
    """An answer as the JSON `policyqa ask --json` prints."""
    return {
        "query": answer.query.text,
        "intent": answer.query.intent,
        "filters": answer.filters,
        "no_answer": answer.no_answer,
        "answers": [_hit_json(hit, documents[hit.item.doc]) for hit in answer.hits],
    }


def _hit_json(hit: Hit, document: Document) -> dict:
    """One answer entry."""
    item = hit.item
    return {
        "doc": item.doc, "title": document.title, "region": document.region, "year": document.year,
        "item": item.number, "task": item.task, "text": item.text, "units": item.units.raw,
        "lead_units": list(item.units.lead), "other_units": list(item.units.others),
        "deadline": item.deadline, "score": round(hit.score, 3), "matched_terms": list(hit.matched_terms),
    }


NOT_COVERED = "没有找到相关内容：已收录的政务公开工作要点分工方案里没有涉及这个问题。"


def render_answer(answer: Answer, documents: dict[str, Document]) -> str:
    """The 一号答 as plain text: best item whole, then one line per other item."""
    if answer.no_answer:
        hints = "\n".join(f"· {q}" for q in answer.suggestions)
        return f"{NOT_COVERED}\n可以这样问：\n{hints}"
    if answer.query.intent == "unit":
        return _render_unit(answer, documents)
    top, *rest = answer.hits
    lines = [_best_block(answer.query.intent, top.item, documents[top.item.doc])]
    if rest:
        lines.append("其他地区 / 相关条目：")
        lines.extend(f"· {item_label(h.item, documents[h.item.doc])}：{unit_line(h.item)}"
                     + (f"；时限：{h.item.deadline}" if h.item.deadline else "") for h in rest)
    return "\n".join(lines)


def _best_block(intent: str, item: Item, document: Document) -> str:
    """The best item, ordered by what the question asks first."""
    units = f"责任单位：{unit_line(item)}"
    deadline = f"完成时限：{item.deadline or '方案未写明'}"
    text = f"原文：{item.text}"
    order = {"when": [deadline, units, text], "what": [text, units, deadline]}.get(intent, [units, deadline, text])
    return "\n".join([item_label(item, document), f"工作任务：{item.task}", *order])


def _render_unit(answer: Answer, documents: dict[str, Document]) -> str:
    """Every item of one unit, one line each."""
    lines = [f"{answer.query.unit} 负责以下 {len(answer.hits)} 项："]
    for hit in answer.hits:
        item = hit.item
        role = "牵头" if answer.query.unit in item.units.lead else "负责"
        lines.append(f"· {item_label(item, documents[item.doc])}（{role}）{item.text[:60]}")
    return "\n".join(lines)


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
    first = [deadline, units] if intent == "when" else [units, deadline]
    text = item.text if len(item.text) <= QUOTE_LIMIT else item.text[:QUOTE_LIMIT] + "…"
    return "\n".join([
        *first,
        f"<b>出处</b>：{escape_html(item_label(item, document))}",
        f"<b>工作任务</b>：{escape_html(item.task)}",
        f"<blockquote expandable>{escape_html(text)}</blockquote>",
    ])


def others_html(hits: list[Hit], documents: dict[str, Document]) -> str:
    """The same task in other regions, one line each."""
    lines = ["<b>其他地区的同类任务</b>"]
    for hit in hits:
        item, document = hit.item, documents[hit.item.doc]
        deadline = f"（时限：{escape_html(item.deadline)}）" if item.deadline else ""
        lines.append(f"• <b>{escape_html(document.region or document.title)}</b> {escape_html(item_label(item, document))}："
                     f"{escape_html(unit_line(item))}{deadline}")
    return "\n".join(lines)


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


def unit_header_html(answer: Answer) -> str:
    """The heading of a unit's item list."""
    return f"<b>{escape_html(answer.query.unit)}</b> 负责以下 {len(answer.hits)} 项："


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
