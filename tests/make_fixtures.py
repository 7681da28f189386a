"""Write a table of plan rows as .docx, .html or .pdf, for round trips through index.readers.

`rows` is the full grid: one string per grid column, "\\n" for a line break inside a cell.
`merges` are inclusive (first_row, first_col, last_row, last_col) spans; the text of a merged
span is the text of its top-left cell, the grid positions it covers should hold "".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

Merge = tuple[int, int, int, int]

_FONT = "STSong-Light"


def _covered(merges: Sequence[Merge]) -> set[tuple[int, int]]:
    """Grid positions hidden under a merge (every one but the top-left)."""
    return {
        (r, c)
        for r0, c0, r1, c1 in merges
        for r in range(r0, r1 + 1)
        for c in range(c0, c1 + 1)
        if (r, c) != (r0, c0)
    }


def make_docx(
    rows: list[list[str]], path: Path, merges: Sequence[Merge] = (), title: str | None = None
) -> Path:
    """Write the rows as a Word table (merged with cell.merge), after an optional title paragraph."""
    from docx import Document

    document = Document()
    if title:
        document.add_paragraph(title)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r0, c0, r1, c1 in merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    hidden = _covered(merges)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) not in hidden:
                table.cell(r, c).text = text  # "\n" becomes a <w:br/>
    document.save(str(path))
    return path


def make_html(
    rows: list[list[str]],
    path: Path,
    merges: Sequence[Merge] = (),
    title: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write the rows as an HTML table with rowspan/colspan, declaring `encoding` in a <meta>."""
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
    hidden = _covered(merges)
    lines = [f'<html><head><meta charset="{encoding}"><title>plan</title>',
             "<style>td { border: 1px solid }</style></head><body>"]
    if title:
        lines.append(f"<p>{html.escape(title)}</p>")
    lines.append("<table>")
    for r, row in enumerate(rows):
        cells = []
        for c, text in enumerate(row):
            if (r, c) in hidden:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (
                f' colspan="{colspan}"' if colspan > 1 else ""
            )
            cells.append(f"<td{attrs}>{html.escape(text).replace(chr(10), '<br>')}</td>")
        lines.append("  <tr>" + "".join(cells) + "</tr>")
    lines.append("</table></body></html>")
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def make_pdf(
    rows: list[list[str]],
    path: Path,
    merges: Sequence[Merge] = (),
    title: str | None = None,
    col_widths: Sequence[float] = (),
    page_height: float = 0,
    header_rows: int = 0,
) -> Path:
    """Write the rows as a ruled reportlab table (SPAN for merges) in a CJK font, text wrapped."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    style = ParagraphStyle("cell", fontName=_FONT, fontSize=10, leading=14, wordWrap="CJK")
    widths = list(col_widths) or [(A4[0] - 80) / len(rows[0])] * len(rows[0])
    cells = [
        [Paragraph(html.escape(text).replace("\n", "<br/>"), style) for text in row] for row in rows
    ]
    table = Table(cells, colWidths=widths, repeatRows=header_rows)
    commands = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    commands += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in merges]
    table.setStyle(TableStyle(commands))
    story = [Paragraph(html.escape(title), style)] if title else []
    size = (A4[0], page_height or A4[1])
    SimpleDocTemplate(str(path), pagesize=size, leftMargin=40, rightMargin=40).build(story + [table])
    return path


def make_xlsx(
    rows: list[list[str]],
    path: Path,
    merges: Sequence[Merge] = (),
    title: str | None = None,
    extra_sheets: Sequence[tuple[str, list[list[str]], bool]] = (),
) -> Path:
    """Write the rows as an Excel sheet (openpyxl merges), an optional title row merged across on top.

    extra_sheets: (name, rows, hidden) written after the first sheet.
    """
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "分工方案"
    shift = 1 if title else 0
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    hidden = _covered(merges)
    for r, row in enumerate(rows):
        sheet.append([None if (r, c) in hidden or not text else text for c, text in enumerate(row)])
    for r0, c0, r1, c1 in merges:
        sheet.merge_cells(start_row=r0 + 1 + shift, start_column=c0 + 1, end_row=r1 + 1 + shift, end_column=c1 + 1)
    for name, extra, is_hidden in extra_sheets:
        other = book.create_sheet(name)
        for row in extra:
            other.append(row)
        other.sheet_state = "hidden" if is_hidden else "visible"
    book.save(str(path))
    return path


def convert(path: Path, suffix: str) -> Path:
    """The file converted by LibreOffice to another format (.doc, .xls, .ods …), beside it.

    Fails the test, in one line, when LibreOffice is missing: CI installs it (tests/system-packages.txt).
    """
    import shutil
    import subprocess

    import pytest

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: run `make test`, or apt-get install "
                    "libreoffice-writer-nogui libreoffice-calc-nogui", pytrace=False)
    profile = (path.parent / "lo-profile").as_uri()
    # LibreOffice drops python-docx's tables when it writes .doc straight from .docx; through .odt it keeps them.
    steps = [".odt", suffix] if path.suffix == ".docx" else [suffix]
    for step in steps:
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", step[1:],
                        "--outdir", str(path.parent / "converted"), str(path)], check=True, capture_output=True,
                       timeout=180)
        path = path.parent / "converted" / f"{path.stem}{step}"
    return path
