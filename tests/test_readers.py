"""Round trips of gold plan rows through .docx, .html and .pdf files, and the readers' errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document

from index.errors import BadEncoding, InputError
from index.readers import Source, read_source
from index.text import squash
from make_fixtures import make_docx, make_html, make_pdf

TITLE = "湛江市2021年政务公开工作要点分工方案"
HEADER = ["工作任务", "具体要求", "落实单位", "完成时限"]
TASK_7 = "做好财政信息公开"
TEXT_7 = "7.持续深化地方政府债务信息公开，通过集中统一平台定期公开地方政府债务限额、余额、发行、品种、期限、利率、偿还计划、偿债资金来源等信息。"
TEXT_8 = "8.加大惠民惠农政策和资金发放信息公开力度，及时公布财政资金直达基层的分配、下达和使用管理信息。"
TEXT_9 = "9.市财政局要有效推动有关业务主管部门，落实补贴信息公开向村和社区延伸，并与村（居）务公开有效衔接。"
UNITS_7 = "各县（市、区）政府（管委会）;\n市财政局牵头，市直各单位按职责分工落实"
TASK_26 = "做好政务信息管理工作"
TEXT_26 = "26.全面推进规章集中统一公开，2021年底前将本地区现行有效规章通过政府门户网站的政府信息公开专栏集中公开。市政府门户网站设立专题专栏，集中展示全市现行有效规章，方便公众查询使用。"
UNITS_26 = "各县（市、区）政府（管委会）;\n市政府办公室、市政务服务数据管理局、市司法局"
TEXT_27 = "27.逐步清理、摸清底数，有步骤推进部门规范性文件统一公开，2021年底前通过政府网站政府信息公开专栏集中公开本部门现行有效规范性文件，并实现动态更新调整。"
TASK_31 = "完善政务公开平台建设"
TEXT_31 = "31.推进市级政府门户网站政府信息公开专栏与中国政府网政府信息公开专栏的数据联通工作。"

# zhanjiang-2021 items 7-9 (one task, unit and deadline cell merged down three rows),
# 26-27 (task merged down two rows) and 31, under a title row merged across the table.
GRID = [
    [TITLE, "", "", ""],
    HEADER,
    [TASK_7, TEXT_7, UNITS_7, "2021年12月前"],
    ["", TEXT_8, "", ""],
    ["", TEXT_9, "", ""],
    [TASK_26, TEXT_26, UNITS_26, "2021年9月前"],
    ["", TEXT_27, "市直各单位", "2021年9月前"],
    [TASK_31, TEXT_31, "市政府办公室、市政务服务数据管理局", "2021年9月前"],
]
MERGES = [(0, 0, 0, 3), (2, 0, 4, 0), (2, 2, 4, 2), (2, 3, 4, 3), (5, 0, 6, 0)]
EXPECTED = [
    [TITLE],
    HEADER,
    [TASK_7, TEXT_7, UNITS_7, "2021年12月前"],
    [TASK_7, TEXT_8, UNITS_7, "2021年12月前"],
    [TASK_7, TEXT_9, UNITS_7, "2021年12月前"],
    [TASK_26, TEXT_26, UNITS_26, "2021年9月前"],
    [TASK_26, TEXT_27, "市直各单位", "2021年9月前"],
    [TASK_31, TEXT_31, "市政府办公室、市政务服务数据管理局", "2021年9月前"],
]

# A section row merged across mid-table, then a cell merged both ways (two rows by two columns).
ODD_GRID = [
    HEADER,
    ["一、做好财政信息公开", "", "", ""],
    [TASK_7, "", "市财政局牵头", "2021年12月前"],
    ["", "", "市直各单位", "长期工作"],
]
ODD_MERGES = [(1, 0, 1, 3), (2, 0, 3, 1)]
ODD_EXPECTED = [
    HEADER,
    ["一、做好财政信息公开"],
    [TASK_7, "市财政局牵头", "2021年12月前"],
    [TASK_7, "市直各单位", "长期工作"],
]

Maker = Callable[..., Path]
FORMATS = [
    pytest.param(make_docx, ".docx", "docx-table", id="docx"),
    pytest.param(make_html, ".html", "html-table", id="html"),
    pytest.param(make_pdf, ".pdf", "pdf-table", id="pdf"),
]


def squashed(tables: list[list[list[str]]]) -> list[list[list[str]]]:
    """Tables with all whitespace removed from every cell (a PDF wraps text at the cell width)."""
    return [[[squash(cell) for cell in row] for row in table] for table in tables]


def read_back(maker: Maker, suffix: str, tmp_path: Path, grid: list[list[str]], merges) -> Source:
    """Write a grid in one format and read it back."""
    return read_source(maker(grid, tmp_path / f"plan{suffix}", merges, title=TITLE))


@pytest.mark.parametrize(("maker", "suffix", "layout"), FORMATS)
def test_gold_rows_round_trip(maker: Maker, suffix: str, layout: str, tmp_path: Path) -> None:
    source = read_back(maker, suffix, tmp_path, GRID, MERGES)
    assert source.layout == layout
    if layout == "pdf-table":
        assert squashed(source.tables) == squashed([EXPECTED])
    else:
        assert source.tables == [EXPECTED]


@pytest.mark.parametrize(("maker", "suffix", "layout"), FORMATS)
def test_merges_across_and_both_ways(maker: Maker, suffix: str, layout: str, tmp_path: Path) -> None:
    source = read_back(maker, suffix, tmp_path, ODD_GRID, ODD_MERGES)
    assert source.tables == [ODD_EXPECTED]


@pytest.mark.parametrize(("maker", "suffix"), [(make_docx, ".docx"), (make_html, ".html")])
def test_title_is_running_text_and_table_text_is_not(maker: Maker, suffix: str, tmp_path: Path) -> None:
    source = read_back(maker, suffix, tmp_path, GRID, MERGES)
    assert source.text == TITLE


def test_pdf_text_is_every_page(tmp_path: Path) -> None:
    source = read_back(make_pdf, ".pdf", tmp_path, GRID, MERGES)
    assert source.text.splitlines()[:3] == [TITLE, TITLE, "工作任务 具体要求 落实单位 完成时限"]


def test_pdf_table_continued_on_next_page_keeps_repeated_header(tmp_path: Path) -> None:
    path = make_pdf(GRID, tmp_path / "plan.pdf", MERGES, page_height=520, header_rows=2)
    source = read_source(path)
    assert squashed(source.tables) == squashed([EXPECTED[:5], EXPECTED[:2] + EXPECTED[5:]])


@pytest.mark.parametrize("encoding", ["gb2312", "gb18030", "utf-8"])
def test_html_decoded_by_meta_charset(encoding: str, tmp_path: Path) -> None:
    source = read_source(make_html(GRID, tmp_path / "plan.html", MERGES, TITLE, encoding=encoding))
    assert (source.text, source.tables) == (TITLE, [EXPECTED])


@pytest.mark.parametrize(
    ("page", "encoding", "text"),
    [
        # declared GB2312 but holding a GBK character, as many government pages do
        ('<meta charset="gb2312"><p>朱镕基</p>', "gb18030", "朱镕基"),
        ("<p>湛江市人民政府办公室</p>", "gb18030", "湛江市人民政府办公室"),
        ('<meta charset="utf-8"><p>湛江市人民政府办公室</p>', "gb18030", "湛江市人民政府办公室"),
    ],
)
def test_html_charset_falls_back_to_gb18030(page: str, encoding: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_bytes(page.encode(encoding))
    assert read_source(path).text == text


def test_html_nested_table_breaks_and_unclosed_cells(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(
        '<html><head><meta charset="utf-8"><title>湛江市人民政府门户网站</title>'
        '<script>var t = "<table><tr><td>x</td></tr></table>";</script></head><body>\n'
        "<h2>湛江市 2021 年\n  政务公开工作要点分工方案</h2>\n"
        "<table><tr><th>工作任务<th>具体要求<th>落实单位<th>完成时限\n"
        "<tr><td>做好政务信息\n管理工作<td>27.逐步清理、摸清底数"
        "<td><table><tr><td>市直</td><td>各单位</td></tr></table>"
        "<td>2021年9月<br>前\n</table>\n"
        "<p>湛江市人民政府办公室&nbsp;</p></body></html>",
        encoding="utf-8",
    )
    source = read_source(path)
    assert source.text == "湛江市 2021 年 政务公开工作要点分工方案\n湛江市人民政府办公室"
    assert source.tables == [
        [
            ["工作任务", "具体要求", "落实单位", "完成时限"],
            ["做好政务信息 管理工作", "27.逐步清理、摸清底数", "市直\n各单位", "2021年9月\n前"],
        ]
    ]


def test_docx_nested_table_flattened_into_its_cell(tmp_path: Path) -> None:
    path = make_docx([HEADER, [TASK_26, TEXT_27, "", "2021年9月前"]], tmp_path / "plan.docx")
    document = Document(str(path))
    inner = document.tables[0].cell(1, 2).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "市直", "各单位"
    document.save(str(path))
    assert read_source(path).tables == [[HEADER, [TASK_26, TEXT_27, "市直\n各单位", "2021年9月前"]]]


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_corrupt_file_is_an_input_error_naming_it(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"湛江市政务公开{suffix}"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match=rf"cannot read as \{suffix}") as caught:
        read_source(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_text_file_has_no_tables(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(f"{TITLE}\n工作任务 具体要求 落实单位 完成时限\n".encode(encoding))
    assert read_source(path) == Source(f"{TITLE}\n工作任务 具体要求 落实单位 完成时限\n", [], "text")


def test_text_file_in_another_encoding_is_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_bytes(TITLE.encode("utf-16"))
    with pytest.raises(BadEncoding) as caught:
        read_source(path)
    assert caught.value.path == str(path)
