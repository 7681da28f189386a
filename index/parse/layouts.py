"""Layout adapters: each turns a plan's text (or its tables) into Grids for the one rows back-end.

How cells are delimited is read from the text itself: pipes between the cells of a line; one cell
per line between pipes; one cell per paragraph between blank lines; tabs or wide spaces; labelled
lines ("责任单位：…") in blocks. An adapter returns [] when its shape is not there. Header names help
find where a table starts in a cell stream (a stream has no other clue to its width) and nothing else:
a row table without a header is read from its cells alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from index.parse.columns import header_role, is_header
from index.parse.kinds import is_deadline
from index.parse.rows import Cell, Grid
from index.text import clean_line, squash
from index.units import reads_as_units


class _Delimiter(NamedTuple):
    """How the cells of a line are delimited: whether a text holds a delimiter, and a line cut at each.
    str's own search and split where they find what a regex would: they scan a line many times faster."""

    found: Callable[[str], bool]
    split: Callable[[str], list[str]]


def _pipe_split(line: str) -> list[str]:
    """A line cut at every pipe, ASCII or full-width."""
    return line.replace("｜", "|").split("|")


# Runs of tabs, or of two spaces or more (\t+| {2,} took 6 µs a line); a line without tabs is cut with
# the spaces alone, a pattern opening with one literal, which the regex engine scans for fast.
_WIDE_RUN = re.compile(r"\t\t*|  +")
_SPACE_RUN = re.compile(r"  +")


def _wide_split(line: str) -> list[str]:
    """A line cut at each run of tabs and each run of two spaces or more."""
    return (_WIDE_RUN if "\t" in line else _SPACE_RUN).split(line)


_PIPE = _Delimiter(lambda text: "|" in text or "｜" in text, _pipe_split)
_TABS = _Delimiter(lambda text: "\t" in text, lambda line: line.split("\t"))  # two tabs in a row hold an empty cell
_WIDE = _Delimiter(lambda text: "\t" in text or "  " in text, _wide_split)
_SPACES = " \r\n\u3000\xa0"
_RULE = re.compile(r"[-:=\s]*[-=][-:=\s]*")
_LABELLED = re.compile(r"^\s*([^：:，,。；;]{2,14})[：:]\s*(.*)$")
MIN_ROWS = 2  # body rows a headerless row table needs
MIN_STREAM = 3  # cells after the header a cell stream needs


def lines(text: str) -> list[str]:
    """The text's lines as an editor counts them (\\n or \\r\\n; U+2028/U+2029 are not breaks)."""
    return [line.rstrip("\r") for line in text.split("\n")]


def from_tables(tables: list[list[list[str]]]) -> list[Grid]:
    """Tables read from .docx/.html/.pdf/.xlsx: rows known, merged cells already spread by the reader."""
    return [Grid([[Cell(text, r) for text in row] for r, row in enumerate(t, 1)]) for t in tables if t]


def pipe_rows(text: str) -> list[Grid]:
    """A table copied one row per line, cells between pipes."""
    return _delimited_rows(text, _PIPE)


def tab_rows(text: str) -> list[Grid]:
    """A table copied from a spreadsheet: one row per line, cells between tabs (or runs of spaces)."""
    return _delimited_rows(text, _TABS) or _delimited_rows(text, _WIDE, need_header=True)


def _split_row(inner: str, delimiter: _Delimiter) -> list[str]:
    """The cells of one line stripped of its spaces, an outer delimiter at either end dropped."""
    if delimiter is _PIPE:
        inner = inner[1:] if inner[:1] in ("|", "｜") else inner
        inner = inner[:-1] if inner[-1:] in ("|", "｜") else inner
    return [c.strip() for c in delimiter.split(inner)]


def _delimited_rows(text: str, delimiter: _Delimiter, need_header: bool = False) -> list[Grid]:
    """Runs of lines with two or more cells: from a header row, else runs of enough rows."""
    if not delimiter.found(text):
        return []  # no line has cells
    rows: list[tuple[int, list[str] | None]] = []
    for number, line in enumerate(lines(text), 1):
        inner = line.strip(_SPACES)  # not tabs: trailing tabs hold empty cells
        cells = _split_row(inner, delimiter) if delimiter.found(inner) else []
        if cells and _opens_rule(inner) and all(_RULE.fullmatch(c) for c in cells if c):  # (cells are stripped)
            continue  # a markdown rule under the header: |---|:---:|
        enough = len(cells) >= 2 or (cells and delimiter is _PIPE)
        rows.append((number, cells if enough else (None if not line.strip() else [])))
    grids = []
    for run in _runs(rows):
        at = next((i for i, (_, cells) in enumerate(run) if is_header(cells)), None)
        if at is None and (need_header or len(run) < MIN_ROWS + 1):
            continue
        body = run[at or 0:]
        grids.append(Grid([[Cell(c, n) for c in cells] for n, cells in body]))
    return grids


def _opens_rule(inner: str) -> bool:
    """Whether a line can be a markdown rule by its first character (a rule line holds only -:= between
    its delimiters and spaces): most lines are spared the test of each cell."""
    return inner[:1] in ("-", ":", "=", "|", "｜") or inner[:1].isspace()


def _runs(rows: list[tuple[int, list[str] | None]]) -> Iterator[list[tuple[int, list[str]]]]:
    """Consecutive lines with cells; a blank line (None) inside a table does not end it, text does."""
    run: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        if cells:
            run.append((number, cells))
        elif cells is not None and run:
            yield run
            run = []
    if run:
        yield run


def cell_lines(text: str) -> list[Grid]:
    """A table copied one cell per line: each cell ends at a pipe (" |" endings or lone "|" lines)."""
    all_lines = lines(text)
    piped = [line for line in all_lines if _PIPE.found(line)]
    if len(piped) < MIN_STREAM:
        return []
    several = 0  # lines holding several cells: more than half are rows of cells, not a cell per line
    for line in piped:
        several += sum(map(bool, map(str.strip, _PIPE.split(line)))) >= 2  # cells that hold text
        if several > len(piped) / 2:
            return []
    cells = _pipe_cells(all_lines)
    start = _stream_start(cells)
    if start is None or len(cells) - start < MIN_STREAM:
        return []
    return [Grid([cells[start:]], stream=True)]


def _pipe_cells(all_lines: list[str]) -> list[Cell]:
    """Every cell of the text: the lines between two pipes, pipes inside a line splitting it too."""
    cells: list[Cell] = []
    buffer: list[str] = []
    first = 0
    for number, line in enumerate(all_lines, 1):
        pieces = _PIPE.split(line)
        for k, piece in enumerate(pieces):
            if piece.strip():
                first = first or number
                buffer.append(clean_line(piece))
            if k < len(pieces) - 1:  # a pipe closes the cell
                cells.append(Cell("\n".join(buffer), first or number))
                buffer, first = [], 0
    if buffer:
        cells.append(Cell("\n".join(buffer), first))
    # a cell holding several lines before its pipe may start with text outside the table
    return [Cell(c.text.split("\n")[-1], c.line + c.text.count("\n")) if _ends_with_header(c.text) else c
            for c in cells]


def _ends_with_header(text: str) -> bool:
    """True for a multi-line cell whose last line is a header name (notice text, then the header)."""
    return "\n" in text and bool(header_role(text.split("\n")[-1])) and not header_role(text.replace("\n", ""))


def _stream_start(cells: list[Cell]) -> int | None:
    """Index of the first of two or more header names in a row (empty cells between allowed)."""
    names = [i for i, c in enumerate(cells) if squash(c.text)]
    for k, i in enumerate(names[:-1]):
        if header_role(cells[i].text) and header_role(cells[names[k + 1]].text):
            return i
    return None


def blank_line_cells(text: str) -> list[Grid]:
    """A table copied one cell per paragraph: paragraphs between blank lines, from a header run on."""
    paragraphs: list[Cell] = []
    buffer: list[str] = []
    first = 0
    for number, line in enumerate([*lines(text), ""], 1):
        cleaned = clean_line(line)
        if cleaned:
            buffer.append(cleaned)
            first = first or number
        elif buffer:
            paragraphs.append(Cell("\n".join(buffer), first))
            buffer, first = [], 0
    start = _stream_start(paragraphs)
    if start is None or not _blank_separated(text) or len(paragraphs) - start < MIN_STREAM:
        return []
    return [Grid([paragraphs[start:]], stream=True)]


def _blank_separated(text: str) -> bool:
    """True when most non-empty lines stand alone between blank lines (cells, not wrapped text)."""
    all_lines = [clean_line(line) for line in lines(text)]
    filled = [i for i, line in enumerate(all_lines) if line]
    alone = sum(1 for i in filled if (i == 0 or not all_lines[i - 1]) and (i + 1 >= len(all_lines) or not all_lines[i + 1]))
    return bool(filled) and alone >= 0.6 * len(filled)


def key_values(text: str) -> list[Grid]:
    """Items written as labelled lines, one block per item: 工作任务：… / 责任单位：… / 完成时限：…."""
    if text.count("：") + text.count(":") < 2 * MIN_ROWS:
        return []  # each labelled line holds a colon, and MIN_ROWS blocks of two lines at least are needed
    blocks: list[list[tuple[str, Cell]]] = []
    current: list[tuple[str, Cell]] = []
    for number, line in enumerate(lines(text), 1):
        cleaned = clean_line(line)
        found = _LABELLED.match(cleaned)
        label = found.group(1) if found and header_role(found.group(1)) else ""
        if label and any(squash(name) == squash(label) for name, _ in current):
            blocks.append(current)
            current = []
        if label:
            current.append((label, Cell(found.group(2), number)))
        elif cleaned and current:
            name, cell = current[-1]
            current[-1] = (name, Cell(f"{cell.text}\n{cleaned}", cell.line))
        elif not cleaned and current:
            blocks.append(current)
            current = []
    blocks = [b for b in [*blocks, current] if len(b) >= 2]
    if len(blocks) < MIN_ROWS:
        return []
    header = list(dict.fromkeys(squash(name) for block in blocks for name, _ in block))
    rows = [[Cell(name, blocks[0][0][1].line) for name in header]]
    for block in blocks:
        by = {squash(name): cell for name, cell in block}
        rows.append([by.get(name, Cell("", block[0][1].line)) for name in header])
    return [Grid(rows)]


def strip_cell_pipes(text: str) -> str:
    """Text with cell-ending pipes and lone pipe lines removed, line numbers kept (for the text flow)."""
    return "\n".join("" if re.fullmatch(r"\s*[|｜]\s*", line) else re.sub(r"\s*[|｜]\s*$", "", line)
                     for line in lines(text))


_PAGE_MARK = re.compile(r"[—–\-－·•]+\s*\d{1,4}\s*[—–\-－·•]+")  # — 2 —, - 1 -, ·12·


def wrapped_cells(text: str) -> list[Grid]:
    """A PDF table copied cell after cell with each cell wrapped over short lines, rows opened by a bare 序号.

    The header names stand one per line (序号 / 工作任务 / 具体内容 / 责任单位 / 完成时限). Each row runs from
    its number to the next: the longest lines are the requirement, the lines before it the columns before
    it, and the lines after it are cut where each part reads as its column (units, then a deadline).
    Page numbers and repeated headers between rows are left out.
    """
    all_lines = [(n, clean_line(line)) for n, line in enumerate(lines(text), 1)]
    filled = [(n, line) for n, line in all_lines if line]
    start = next((i for i in range(len(filled) - 1)
                  if header_role(filled[i][1]) == "seq" and header_role(filled[i + 1][1])), None)
    if start is None:
        return []
    end = start
    while end < len(filled) and header_role(filled[end][1]):
        end += 1
    header = [line for _, line in filled[start:end]]
    roles = [header_role(name) for name in header]
    body = [(n, line) for n, line in filled[end:] if line not in header and not _PAGE_MARK.fullmatch(line)]
    rows = _numbered_runs(body)
    if len(rows) < MIN_ROWS:
        return []
    grid = [[Cell(name, filled[start][0]) for name in header]]
    grid += [_wrapped_row(number, run, roles) for number, run in rows]
    return [Grid(grid)]


def _numbered_runs(body: list[tuple[int, str]]) -> list[tuple[tuple[int, str], list[tuple[int, str]]]]:
    """The body cut at bare numbers that count up from 1: (number line, the lines after it)."""
    runs: list[tuple[tuple[int, str], list[tuple[int, str]]]] = []
    expected = 1
    for n, line in body:
        if line.isdigit() and int(line) == expected:
            runs.append(((n, line), []))
            expected += 1
        elif runs:
            runs[-1][1].append((n, line))
    return runs


def _wrapped_row(number: tuple[int, str], run: list[tuple[int, str]], roles: list[str]) -> list[Cell]:
    """One row's cells from its wrapped lines, in header order (columns left empty when absent)."""
    line = number[0]
    cells = {0: number[1]} if roles and roles[0] == "seq" else {}
    if not run:
        return [Cell(cells.get(j, ""), line) for j in range(len(roles))]
    widest = max(len(text) for _, text in run)
    long = [i for i, (_, text) in enumerate(run) if len(text) >= 0.7 * widest]
    first, last = long[0], long[-1]
    while last + 1 < len(run) and not run[last][1].endswith(("。", "；")) and len(run[last + 1][1]) < 0.7 * widest:
        last += 1  # the requirement's last, shorter line
    text_at = roles.index("text") if "text" in roles else 2
    before = [j for j in range(len(roles)) if j < text_at and roles[j] != "seq"]
    after = [j for j in range(len(roles)) if j > text_at]
    if before and first:
        cells[before[-1]] = "".join(t for _, t in run[:first])
    cells[text_at] = "".join(t for _, t in run[first:last + 1])
    tail = [t for _, t in run[last + 1:]]
    unit_j = next((j for j in after if roles[j] in ("unit", "lead_unit", "other_unit")), None)
    deadline_j = next((j for j in after if roles[j] == "deadline"), None)
    split = len(tail)
    if deadline_j is not None:
        split = next((k for k in range(len(tail)) if is_deadline("".join(tail[k:]))
                      and reads_as_units("".join(tail[:k]))), len(tail))
        if split < len(tail):
            cells[deadline_j] = "".join(tail[split:])
    if unit_j is not None:
        cells[unit_j] = "".join(tail[:split])
    return [Cell(cells.get(j, ""), line) for j in range(len(roles))]
