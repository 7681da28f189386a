"""Answers and items as text for people: plain text for the terminal, HTML for Telegram."""

from __future__ import annotations

from index.models import Document, Item


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
