"""Spreadsheets (.xlsx .xls .ods .et), word-processor files through LibreOffice (.doc .wps .rtf),
and scanned PDFs: gold rows written in each format, read back and ingested.

.xls, .ods and .doc are made from the .xlsx/.docx by LibreOffice, which `make test` installs
(tests/system-packages.txt); without it those tests fail saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import index.readers
from index.corpus import ingest
from index.errors import InputError
from index.readers import read_source
from make_fixtures import convert, make_docx, make_xlsx
from test_readers import EXPECTED, GRID, HEADER, MERGES, TASK_7, TEXT_7, TITLE
from test_roundtrip import GOLD, gold_rows
from test_roundtrip import GRID as GOLD_GRID
from test_roundtrip import MERGES as GOLD_MERGES
from test_roundtrip import TITLE as GOLD_TITLE


def test_xlsx_rows_with_merges_resolved(tmp_path: Path) -> None:
    """Merged down: repeated in each row; merged across (the title row): once."""
    source = read_source(make_xlsx(GRID, tmp_path / "plan.xlsx", MERGES))
    assert source.layout == "xlsx-table"
    assert source.tables == [EXPECTED]
    assert source.text.splitlines()[0] == TITLE


def test_hidden_sheet_skipped_and_each_visible_sheet_a_table(tmp_path: Path) -> None:
    extra = [("草稿", [["工作任务", "具体要求"], ["旧任务", "不应读出"]], True),
             ("续表", [HEADER, [TASK_7, TEXT_7, "市财政局", "2021年12月前"]], False)]
    source = read_source(make_xlsx(GRID, tmp_path / "plan.xlsx", MERGES, extra_sheets=extra))
    assert source.tables == [EXPECTED, [HEADER, [TASK_7, TEXT_7, "市财政局", "2021年12月前"]]]
    assert "不应读出" not in source.text


def test_numbers_and_dates_read_as_printed(tmp_path: Path) -> None:
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "具体要求", "责任单位", "完成时限"])
    book.active.append([1, TEXT_7, "市财政局", date(2021, 12, 31)])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    assert read_source(path).tables == [[["序号", "具体要求", "责任单位", "完成时限"],
                                        ["1", TEXT_7, "市财政局", "2021年12月31日"]]]


def test_xlsx_plan_ingests_with_its_units(tmp_path: Path) -> None:
    path = make_xlsx(GOLD_GRID, tmp_path / "test-plan.xlsx", GOLD_MERGES, title=GOLD_TITLE)
    result = ingest([path])
    assert result.errors == []
    [parsed] = result.parsed
    assert (parsed.document.id, parsed.document.title, parsed.layout) == ("test-plan", GOLD_TITLE, "xlsx-table: table rows")
    assert gold_rows(parsed.items) == GOLD


def test_wps_spreadsheet_is_read_by_its_content(tmp_path: Path) -> None:
    """A WPS .et file is an Excel workbook under another name."""
    path = make_xlsx(GOLD_GRID, tmp_path / "test-plan.xlsx", GOLD_MERGES, title=GOLD_TITLE)
    et = path.rename(tmp_path / "test-plan.et")
    [parsed] = ingest([et]).parsed
    assert parsed.layout == "et-table: table rows"
    assert gold_rows(parsed.items) == GOLD


@pytest.mark.parametrize(("maker", "suffix"), [
    (make_xlsx, ".xls"), (make_xlsx, ".ods"), (make_docx, ".doc"), (make_docx, ".rtf"),
])
def test_files_made_by_libreoffice_ingest_with_their_units(maker: Callable[..., Path], suffix: str, tmp_path: Path) -> None:
    """Older spreadsheets are read by calamine; word-processor files are converted by LibreOffice."""
    original = maker(GOLD_GRID, tmp_path / f"test-plan{'.xlsx' if maker is make_xlsx else '.docx'}", GOLD_MERGES,
                     title=GOLD_TITLE)
    result = ingest([convert(original, suffix)])
    assert result.errors == []
    [parsed] = result.parsed
    assert (parsed.document.title, parsed.layout) == (GOLD_TITLE, f"{suffix[1:]}-table: table rows")
    assert gold_rows(parsed.items) == GOLD


def test_doc_without_libreoffice_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index.readers.shutil, "which", lambda _name: None)
    path = tmp_path / "去年方案.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(InputError) as caught:
        read_source(path)
    assert str(caught.value) == (
        f"{path}: .doc files are converted by LibreOffice, which is not installed: "
        "apt-get install libreoffice-writer-nogui (or save the file as .docx)"
    )


def test_broken_spreadsheet_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "方案.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match=r"cannot read as \.xlsx") as caught:
        read_source(path)
    assert caught.value.path == str(path)


def test_scanned_pdf_is_reported_as_such(tmp_path: Path) -> None:
    """A PDF whose pages are pictures only (a scan) has no text to read."""
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "扫描件.pdf"
    canvas = Canvas(str(path))
    canvas.rect(50, 50, 400, 600, fill=1)  # ink, but no characters
    canvas.showPage()
    canvas.save()
    with pytest.raises(InputError) as caught:
        read_source(path)
    assert str(caught.value).startswith(f"{path}: scanned PDF: no text layer")
