"""Read a plan file of any format into running text and tables of cell strings.

Merged cells are resolved here, so every reader gives one cell per logical column:
a cell merged across columns appears once; a cell merged down rows repeats in each row.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

from index.errors import InputError
from index.text import clean_line, decode, lines, one_break

Table = list[list[str]]


@dataclass(frozen=True)
class Source:
    """What a plan file holds: running text outside tables, and every table's rows of cells."""

    text: str
    tables: list[Table]
    layout: str  # "docx-table" | "html-table" | "pdf-table" | "xlsx-table" | "doc-table" | … | "text"


def read_source(path: Path) -> Source:
    """Read a plan file by its suffix; a file that cannot be read as that format is an InputError."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        return Source(one_break(decode(data, path)), [], "text")
    content = decode_html(data, path) if suffix in (".html", ".htm") else data
    try:
        source = reader(content)
        return replace(source, text=one_break(source.text))
    except InputError as exc:  # readers that know no path leave it to be named here
        raise exc if exc.path else type(exc)(exc.reason, path, exc.line) from None
    except Exception as exc:  # the libraries raise anything from zip to XML to PDF syntax errors
        raise InputError(f"cannot read as {suffix}: {str(exc) or type(exc).__name__}", path) from exc


def clean_cell(text: str) -> str:
    """Normalize a cell: repair extraction artefacts, strip each line, drop empty lines."""
    return "\n".join(filter(None, map(clean_line, lines(text))))


# --- .docx -----------------------------------------------------------------------------------


def _read_docx(data: bytes) -> Source:
    """Paragraphs and top-level tables of a Word document."""
    from docx import Document

    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    return Source(text.replace("\r", ""), [_docx_rows(t) for t in document.tables], "docx-table")


def _docx_rows(table: Any) -> Table:
    """Rows of a Word table, one cell per logical column."""
    return [
        [""] * row.grid_cols_before + [clean_cell(_docx_text(cell)) for cell in _docx_cells(row)]
        for row in table.rows
    ]


def _docx_cells(row: Any) -> list[Any]:
    """The cells of a Word row, a cell merged across columns once."""
    # row.cells yields a cell once per grid column it spans and, for a vMerge
    # continuation, the cell that starts the span, so its text repeats down the rows.
    cells: list[Any] = []
    for cell in row.cells:
        if not cells or cell._tc is not cells[-1]._tc:
            cells.append(cell)
    return cells


def _docx_text(cell: Any) -> str:
    """Text of a Word cell, a nested table flattened into it one cell per line."""
    from docx.table import Table as WordTable

    parts = []
    for block in cell.iter_inner_content():
        if isinstance(block, WordTable):
            parts += [_docx_text(inner) for row in block.rows for inner in _docx_cells(row)]
        else:
            parts.append(block.text)
    return "\n".join(parts)


# --- .pdf ------------------------------------------------------------------------------------


SCANNED_PDF = "scanned PDF: no text layer (only its pictures hold the text; ingest the plan as .docx, .xlsx or text)"


def _read_pdf(data: bytes) -> Source:
    """Text of every page and the ruled tables found on them, in page order."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        if not any(page.chars for page in pdf.pages):
            raise InputError(SCANNED_PDF)
        tables = [_pdf_rows(t) for page in pdf.pages for t in page.find_tables()]
    return Source(text.replace("\r", ""), tables, "pdf-table")


def _pdf_rows(table: Any) -> Table:
    """Rows of a pdfplumber table, with the None holes left by merged cells resolved."""
    grid = table.extract()
    rows: Table = []
    for r, raw in enumerate(grid):
        row: list[str] = []
        for c, value in enumerate(raw):
            origin = (r, c) if value is not None else _merge_origin(table.cells, r, c)
            if origin is None:
                row.append("")  # a hole in the ruling: keep the column, nothing is there
            elif origin[1] == c:  # the cell itself, or the rows under a vertical merge
                row.append(clean_cell(grid[origin[0]][c] or ""))
            # else: right of where a horizontal merge starts, so the cell is already in the row
        rows.append(row)
    return rows


def _merge_origin(cells: list[tuple[float, ...]], r: int, c: int) -> tuple[int, int] | None:
    """Grid (row, column) where the merged cell covering grid position (r, c) starts, or None."""
    # pdfplumber indexes rows and columns by the distinct tops and x0s of its cells.
    xs = sorted({cell[0] for cell in cells}) + [max(cell[2] for cell in cells)]
    ys = sorted({cell[1] for cell in cells}) + [max(cell[3] for cell in cells)]
    x, y = (xs[c] + xs[c + 1]) / 2, (ys[r] + ys[r + 1]) / 2
    for x0, top, x1, bottom in cells:
        if x0 <= x < x1 and top <= y < bottom:
            return ys.index(top), xs.index(x0)
    return None


# --- .html -----------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936"}
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt footer h1 h2 h3 h4 h5 h6 header hr li "
    "main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_HIDDEN = frozenset({"script", "style", "title", "template"})
_SOURCE_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML source whitespace, not U+3000


def decode_html(data: bytes, path: Path) -> str:
    """Decode HTML by its <meta charset> (GB2312/GBK read as GB18030), else UTF-8, else GB18030."""
    match = None if data.startswith(b"\xef\xbb\xbf") else _META_CHARSET.search(data[:4096])
    if match:
        charset = match.group(1).decode("ascii").lower()
        try:
            return data.decode("gb18030" if charset in _GB_FAMILY else charset)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: fall back to sniffing
    return decode(data, path)


class _HtmlCell(NamedTuple):
    """A table cell as written: its text and how many rows and grid columns it covers."""

    text: str
    rowspan: int
    colspan: int


class _HtmlReader(HTMLParser):
    """Collect the running text and the top-level tables of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tables: list[list[list[_HtmlCell]]] = []
        self._depth = 0  # open <table> elements; nested ones are flattened into their cell
        self._hidden = 0
        self._pre = 0  # open <pre> elements: their line breaks and spaces are the text's own
        self._cell: list[str] | None = None
        self._span = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open tables, rows and cells of the outer table; other blocks become line breaks."""
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "pre":
            self._pre += 1
        elif tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif self._depth == 1 and tag == "tr":
            self._close_cell()
            self.tables[-1].append([])
        elif self._depth == 1 and tag in ("td", "th"):
            self._close_cell()
            self._cell = []
            self._span = (_span(attrs, "rowspan"), _span(attrs, "colspan"))
        if tag in _BLOCKS:
            self._write("\n")

    def handle_endtag(self, tag: str) -> None:
        """Close what the tag ends; a missing </td> or </tr> is closed by the next one."""
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag == "table" and self._depth:
            if self._depth == 1:
                self._close_cell()
            self._depth -= 1
        elif self._depth == 1 and tag in ("td", "th", "tr"):
            self._close_cell()
        if tag in _BLOCKS:
            self._write("\n")

    def handle_data(self, data: str) -> None:
        """Add visible text to the open cell, or to the running text outside tables."""
        if not self._hidden:
            self._write(data if self._pre else _SOURCE_SPACE.sub(" ", data))

    def close(self) -> None:
        """Finish parsing, closing a cell left open at the end of the page."""
        super().close()
        self._close_cell()

    def _write(self, text: str) -> None:
        """Send text where it belongs: the open cell, nowhere (between cells), or the page text."""
        if self._cell is not None:
            self._cell.append(text)
        elif not self._depth:
            self.text.append(text)

    def _close_cell(self) -> None:
        """Finish the open cell, if any, into the last row of the current table."""
        if self._cell is None:
            return
        table = self.tables[-1]
        if not table:
            table.append([])  # a cell before any <tr>
        table[-1].append(_HtmlCell(clean_cell("".join(self._cell)), *self._span))
        self._cell = None


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    """A rowspan/colspan attribute as a count of at least one."""
    value = dict(attrs).get(name) or "1"
    digits = re.match(r"\s*(\d+)", value)
    return max(1, int(digits.group(1))) if digits else 1


def _read_html(page: str) -> Source:
    """Running text and tables of an HTML page."""
    reader = _HtmlReader()
    reader.feed(page)
    reader.close()
    tables = [_html_rows(t) for t in reader.tables if t]
    return Source(clean_cell("".join(reader.text)), tables, "html-table")


def _html_rows(rows: list[list[_HtmlCell]]) -> Table:
    """Rows of an HTML table: a rowspan cell repeats down its rows, a colspan cell appears once."""
    above: dict[int, _HtmlCell] = {}  # grid column -> cell still covering it (rowspan = rows left)
    grid: Table = []
    for written in rows:
        queue, line, column = deque(written), [], 0
        below: dict[int, _HtmlCell] = {}
        while queue or any(c >= column for c in above):
            if column in above:
                cell = above[column]
            elif queue:
                cell = queue.popleft()
            else:  # a short row with a spanning cell further right: keep the columns aligned
                line.append("")
                column += 1
                continue
            line.append(cell.text)
            if cell.rowspan > 1:
                below[column] = cell._replace(rowspan=cell.rowspan - 1)
            column += cell.colspan
        grid.append(line)
        above = below
    return grid


# --- spreadsheets: .xlsx .xls .ods .et ------------------------------------------------------


def _read_sheets(data: bytes, suffix: str) -> Source:
    """Every visible worksheet as a table; the running text is their rows, one line each."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    ods_spans = _ods_spans(data) if data.startswith(b"PK") and b"opendocument.spreadsheet" in data[:200] else {}
    tables = []
    for meta in book.sheets_metadata:
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
            sheet = book.get_sheet_by_name(meta.name)
            merges = sheet.merged_cell_ranges or ods_spans.get(meta.name, [])
            rows = _sheet_rows(sheet.to_python(skip_empty_area=False), merges)
            tables += [rows] if rows else []
    text = "\n".join(" ".join(row) for table in tables for row in table)
    return Source(text, tables, f"{suffix[1:]}-table")


Span = tuple[tuple[int, int], tuple[int, int]]


def _sheet_rows(values: list[list[Any]], merges: list[Span]) -> Table:
    """Rows of a sheet: a merged range's value repeats down its rows and appears once across."""
    grid: list[list[str | None]] = [[clean_cell(_sheet_value(v)) for v in row] for row in values]
    for (r0, c0), (r1, c1) in merges:
        for r in range(r0, min(r1 + 1, len(grid))):
            for c in range(c0, min(c1 + 1, len(grid[r]))):
                grid[r][c] = grid[r0][c0] if c == c0 else None  # None: covered, dropped below
    used = {c for row in grid for c, cell in enumerate(row) if cell}
    rows = [[cell for c, cell in enumerate(row) if c in used and cell is not None] for row in grid]
    return [row for row in rows if any(row)]


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_spans(data: bytes) -> dict[str, list[Span]]:
    """Merged ranges of each sheet of an OpenDocument spreadsheet (calamine reports none for it)."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("content.xml"))
    spans: dict[str, list[Span]] = {}
    for table in root.iter(f"{_ODS_TABLE}table"):
        found = spans.setdefault(table.get(f"{_ODS_TABLE}name", ""), [])
        r = 0
        for row in table.iter(f"{_ODS_TABLE}table-row"):
            c = 0
            for cell in row:
                down = int(cell.get(f"{_ODS_TABLE}number-rows-spanned", "1"))
                across = int(cell.get(f"{_ODS_TABLE}number-columns-spanned", "1"))
                if down > 1 or across > 1:
                    found.append(((r, c), (r + down - 1, c + across - 1)))
                c += int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
            r += int(row.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
    return spans


def _sheet_value(value: Any) -> str:
    """A cell value as printed: whole numbers without ".0", dates as 2021年9月30日."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


# --- .doc .wps .rtf, through LibreOffice -----------------------------------------------------

NO_LIBREOFFICE = (
    "{suffix} files are converted by LibreOffice, which is not installed: "
    "apt-get install libreoffice-writer-nogui (or save the file as .docx)"
)
CONVERT_TIMEOUT = 120  # seconds; a first start of LibreOffice takes a few


def _read_converted(data: bytes, suffix: str) -> Source:
    """A word-processor file LibreOffice can open, converted to .docx and read as such."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise InputError(NO_LIBREOFFICE.format(suffix=suffix))
    with tempfile.TemporaryDirectory(prefix="policyqa-") as folder:
        work = Path(folder)
        original = work / f"plan{suffix}"
        original.write_bytes(data)
        # A profile of its own, so a LibreOffice the user has open does not swallow the request.
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                   "--convert-to", "docx", "--outdir", str(work), str(original)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise InputError(f"LibreOffice did not convert it within {CONVERT_TIMEOUT} s") from None
        converted = work / "plan.docx"
        if not converted.is_file():
            said = (done.stderr or done.stdout).strip().splitlines()
            raise InputError(f"LibreOffice could not convert it: {said[-1] if said else 'no output'}")
        return replace(_read_docx(converted.read_bytes()), layout=f"{suffix[1:]}-table")


_READERS: dict[str, Callable[[Any], Source]] = {
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
    **{suffix: partial(_read_sheets, suffix=suffix) for suffix in (".xlsx", ".xls", ".ods", ".et")},
    **{suffix: partial(_read_converted, suffix=suffix) for suffix in (".doc", ".wps", ".rtf")},
}
PLAN_SUFFIXES = (".txt", ".md", *_READERS)
