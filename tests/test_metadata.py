"""A plan's title, document number, year and region are guessed from its own text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
import index.corpus
from index.corpus import given_metadata
from index.metadata import guess_metadata

CORPUS = Path(__file__).parent.parent / "corpus"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            "zhanjiang-2021",
            {"title": "湛江市人民政府办公室关于印发湛江市2021年政务公开工作要点分工方案的通知",
             "number": "湛府办〔2021〕15号", "year": 2021, "region": "湛江市", "issuer": "湛江市人民政府办公室"},
        ),
        (
            "jinping-2020",
            {"title": "汕头市金平区人民政府办公室转发市2020年政务公开工作要点的通知",
             "number": "汕金府办〔2020〕58号", "year": 2020, "region": "汕头市金平区",
             "issuer": "汕头市金平区人民政府办公室"},
        ),
        ("shantou-2021", {}),  # no title printed: nothing is guessed, the catalog says it
    ],
)
def test_guesses_from_the_corpus(doc: str, expected: dict) -> None:
    """The notice's title (wrapped over two lines in zhanjiang), its 〔YYYY〕 number and place."""
    assert guess_metadata((CORPUS / f"{doc}.txt").read_text(encoding="utf-8")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("某某县2022年政务公开工作要点\n一、做好规划公开", {"title": "某某县2022年政务公开工作要点", "year": 2022, "region": "某某县"}),
        ("附件1\n某某县2022年政务公开工作要点\n", {"title": "某某县2022年政务公开工作要点", "year": 2022, "region": "某某县"}),
        # A number cited inside a requirement is another document's, not the plan's own.
        ("序号 | 工作任务 | 具体要求 |\n1 | 做好年报 | 严格落实国办公开办函〔2019〕60号文件要求 |", {}),
    ],
)
def test_guesses_from_snippets(text: str, expected: dict) -> None:
    """Label lines before a title are skipped; a cited document number is not taken."""
    assert guess_metadata(text) == expected


def test_ingest_shows_what_was_guessed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`policyqa ingest FILE` says which metadata came from the text, and options beat guesses."""
    monkeypatch.chdir(tmp_path)
    for name in ("POLICYQA_DB", "POLICYQA_CORPUS", "POLICYQA_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    plan = tmp_path / "plan.txt"
    plan.write_text(
        "某某县人民政府办公室关于印发某某县2022年政务公开工作要点分工方案的通知\n某府办〔2022〕8号\n"
        "工作任务 | 具体要求 | 责任单位 |\n做好规划公开 | 1.主动公开规划纲要。 | 县发展改革局 |\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["ingest", "--db", str(tmp_path / "x.db"), str(plan), "--region", "某某县城"])
    assert result.exit_code == 0, result.output
    assert "guessed from the text: issuer=某某县人民政府办公室, number=某府办〔2022〕8号" in result.output
    assert "region=" not in result.output.split("guessed from the text:")[1].splitlines()[0]
    shown = CliRunner().invoke(cli, ["item", "--db", str(tmp_path / "x.db"), "plan", "1"])
    assert "《某某县人民政府办公室关于印发某某县2022年政务公开工作要点分工方案的通知》（某府办〔2022〕8号） 第1项" in shown.output


def test_each_folder_catalog_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two folders of 300 plans each: two catalog reads, and every file gets its own entry."""
    loads: list[Path] = []
    load = index.corpus.load_catalog
    monkeypatch.setattr(index.corpus, "load_catalog", lambda folder: loads.append(folder) or load(folder))
    for region in ("甲县", "乙县"):
        folder = tmp_path / region
        folder.mkdir()
        entries = [f'[[document]]\nid = "{region}-{n}"\nfile = "{n:03}.txt"\nregion = "{region}"\n' for n in range(300)]
        (folder / "catalog.toml").write_text("\n".join(entries), encoding="utf-8")
        for n in range(300):
            (folder / f"{n:03}.txt").write_text("", encoding="utf-8")
    given = given_metadata([tmp_path / "甲县", tmp_path / "乙县"], {"year": 2022})
    assert loads == [tmp_path / "甲县", tmp_path / "乙县"]
    assert len(given) == 600
    assert given[299] == (tmp_path / "甲县" / "299.txt", {"id": "甲县-299", "file": "299.txt", "region": "甲县", "year": 2022})
    assert given[300][1]["id"] == "乙县-0"


@pytest.mark.parametrize("width", [10, 400])  # 60 lines within the first 8192 characters, and not
def test_the_title_is_looked_for_in_the_first_60_lines_only(width: int) -> None:
    """A title on line 60 is found, one on line 61 is not, however long the lines before it."""
    filler = "本段落说明工作背景。" * (width // 10)
    body = "\n".join([filler] * 59)
    assert guess_metadata(f"{body}\n某市2022年政务公开工作要点\n" + f"{filler}\n" * 100).get("title") == "某市2022年政务公开工作要点"
    assert "title" not in guess_metadata(f"{body}\n{filler}\n某市2022年政务公开工作要点\n" + f"{filler}\n" * 100)
