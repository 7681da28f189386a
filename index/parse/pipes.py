"""Text tables copied from web pages, where cells are separated by "|".

Two shapes: one row per line ("工作任务 | 具体要求 | 责任单位 |"), read as rows; and one cell
per line (cells ending in " |" or separated by lone "|" lines), which is the text flow of a
table with the pipes as noise, so the pipes are removed and the text table parser reads it.
"""

from __future__ import annotations

import re

_CELL_END = re.compile(r"\s*[|｜]\s*$")
_LONE_PIPE = re.compile(r"^\s*[|｜]\s*$")
MIN_ROW_LINES = 0.5  # share of non-empty lines that must hold inner pipes for a row-per-line table


def pipe_rows(text: str) -> list[list[str]] | None:
    """Rows of a row-per-line pipe table, or None when the text is not one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    rows = [_cells(line) for line in lines]
    with_pipes = [r for r in rows if len(r) >= 2]
    if not lines or len(with_pipes) < MIN_ROW_LINES * len(lines):
        return None
    return with_pipes


def _cells(line: str) -> list[str]:
    """The cells of one line (outer pipes dropped)."""
    inner = re.sub(r"^[|｜]|[|｜]$", "", line.strip())
    return [c.strip() for c in re.split(r"[|｜]", inner)] if re.search(r"[|｜]", inner) else [inner]


def strip_cell_pipes(text: str) -> str:
    """Text with cell-ending pipes and lone pipe lines removed (line numbers kept)."""
    return "\n".join("" if _LONE_PIPE.match(line) else _CELL_END.sub("", line) for line in text.splitlines())
