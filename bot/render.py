"""Answers and items as text for people: plain text for the terminal, HTML for Telegram."""

from __future__ import annotations

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
