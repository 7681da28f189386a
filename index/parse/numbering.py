"""How plans number their chapters and items, shared by the layout parsers."""

from __future__ import annotations

import re

NUMERAL = "一二三四五六七八九十百"  # Chinese numerals of chapters: 一、 十一、
BULLETS = "●•◆■▪"
ARABIC_ITEM = r"\d{1,3}\s*[.．、](?!\d)"  # 1. 2、
PAREN_ARABIC = r"[（(]\d{1,3}[）)]"  # （1）
PAREN_CHINESE = rf"[（(][{NUMERAL}]+[）)]"  # （一）

# A chapter number opening a task or section cell: 一、做好… (group 1 is the numeral).
SECTION = re.compile(rf"^\s*([{NUMERAL}]+)\s*[、.．]")
