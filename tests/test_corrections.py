"""Staff corrections (corpus/corrections.toml) and `policyqa review`: what is doubtful is flagged,
a correction overrides units and deadline at every ingest, the answer says so, a stale one is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from index.corrections import Correction, Doubt, apply_corrections, doubts, load_corrections
from index.errors import CorrectionsError
from index.models import OTHER, Item, Unit, Units
from index.units import split_units
from make_fixtures import make_docx
from test_roundtrip import CITY_UNITS, COUNTIES, GRID, MERGES, TEXT_6, TITLE, UNITS_6

ITEM_6 = Item("test-plan", "6", "做好财政信息公开", TEXT_6, split_units(UNITS_6), "长期工作", position=6)
CORRECTIONS = """
[test-plan.6]
lead = ["市财政局"]
deadline = "2021年12月前"

[test-plan."99"]
units = "市审计局"
"""


def write(folder: Path, text: str) -> Path:
    """A corrections file in folder."""
    path = folder / "corrections.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lead_named_others_kept_deadline_set_and_a_stale_number_returned(tmp_path: Path) -> None:
    corrections = load_corrections(write(tmp_path, CORRECTIONS))
    [item], stale = apply_corrections([ITEM_6], corrections.of("test-plan"))
    assert (item.units.lead, item.units.others) == (("市财政局",), (COUNTIES, CITY_UNITS))
    assert (item.deadline, item.corrected, item.text) == ("2021年12月前", True, TEXT_6)
    assert stale == ("99",)


def test_a_whole_cell_is_split_as_the_reader_splits_one() -> None:
    [item], stale = apply_corrections([ITEM_6], (Correction("test-plan", "6", units="市财政局牵头，市直各单位"),))
    assert (item.units.raw, item.units.lead, item.units.others, item.deadline) == (
        "市财政局牵头，市直各单位", ("市财政局",), (CITY_UNITS,), "长期工作")
    assert stale == ()


def test_no_file_no_corrections(tmp_path: Path) -> None:
    assert load_corrections(tmp_path / "corrections.toml").of("test-plan") == ()


@pytest.mark.parametrize(("text", "message"), [
    ('[test-plan.6]\nleader = ["市财政局"]\n', "[test-plan.6]: unknown field 'leader' (fields: units, lead, others, deadline, note)"),
    ('[test-plan.6]\nlead = "市财政局"\n', '[test-plan.6]: lead should be a list of names, as lead = ["市财政局"]'),
    ('[test-plan.6]\nunits = "市财政局"\nlead = ["市财政局"]\n', "[test-plan.6]: give units (a whole cell) or lead/others (lists), not both"),
    ('test-plan = "市财政局"\n', "'test-plan' should be a table of items, as [test-plan.26]"),
])
def test_a_malformed_file_is_one_line_naming_file_and_item(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CorrectionsError) as caught:
        load_corrections(path)
    assert str(caught.value) == f"{path}: {message}"


def test_doubts_no_unit_not_a_body_and_a_sentence_in_the_unit_cell() -> None:
    sentence = "各单位要高度重视，认真抓好落实，确保各项任务按时完成并及时报送进展情况"
    items = [
        Item("p", "1", "", "公开预算。", split_units("市财政局")),
        Item("p", "2", "", "公开决算。", split_units("市财政局、市审计局")),
        Item("p", "3", "", "公开规划。", split_units("")),
        Item("p", "4", "", "公开政策。", Units(sentence, (Unit(sentence, sentence, OTHER),))),  # as a reader misread it
        Item("p", "5", "", "公开数据。", split_units("市政务服务数据管理局")),
    ]
    assert [found for _, found in doubts(items)] == [
        (), (), (Doubt("no-unit"),), (Doubt("not-a-body", sentence), Doubt("long-cell", "35")), (),
    ]


# --- through the command line ----------------------------------------------------------------------


def run(*args: str) -> Result:
    """Invoke `policyqa` in-process."""
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def plan(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A corpus folder (POLICYQA_CORPUS) and a plan file outside it."""
    monkeypatch.setenv("POLICYQA_CORPUS", str(clean_env / "corpus"))
    (clean_env / "corpus").mkdir()
    return make_docx(GRID, clean_env / "test-plan.docx", MERGES, title=TITLE)


def test_correction_applied_at_every_ingest_and_shown_in_the_answer(plan: Path, clean_env: Path) -> None:
    db = str(clean_env / "index.db")
    write(clean_env / "corpus", CORRECTIONS)
    question = "在测试市谁负责推进部门所属单位预算决算公开？"
    for _ in range(2):  # the first ingest and a re-ingest of the same file
        ingested = run("ingest", str(plan), "--doc-id", "test-plan", "--region", "测试市", "--db", db)
        assert ingested.exit_code == 0, ingested.output
        assert f"  corrected by {clean_env / 'corpus' / 'corrections.toml'}: items 6" in ingested.stderr
        assert (f"warning: {clean_env / 'corpus' / 'corrections.toml'} [test-plan.99]: the plan has no item 99; "
                "the correction is not applied") in ingested.stderr
        answer = run("ask", "--db", db, question)
        assert answer.output.splitlines()[2] == f"责任单位：市财政局（牵头）、{COUNTIES}、{CITY_UNITS}（经人工校对）"
        top = json.loads(run("ask", "--db", db, "--json", question).output)["answers"][0]
        assert (top["item"], top["lead_units"], top["deadline"], top["corrected"]) == ("6", ["市财政局"], "2021年12月前", True)


def test_review_flags_what_needs_a_look(plan: Path, clean_env: Path) -> None:
    db = str(clean_env / "index.db")
    grid = [row[:] for row in GRID]
    grid[4][2] = ""  # item 6 names no unit
    make_docx(grid, plan, MERGES, title=TITLE)
    assert run("ingest", str(plan), "--doc-id", "test-plan", "--db", db).exit_code == 0
    reviewed = run("review", "test-plan", "--db", db)
    assert reviewed.exit_code == 0, reviewed.output
    lines = reviewed.stdout.splitlines()
    assert lines[5] == "?    6  （方案未写明责任单位）  时限：长期工作  ← 未写明责任单位"
    assert lines[0] == f"     1  市政府办公室（牵头）、{COUNTIES}、{CITY_UNITS}  时限：2021年9月前完成现有规划文件主动公开；长期工作"
    assert "test-plan: 7 items, 1 doubtful" in reviewed.stderr
    assert run("review", "nothing", "--db", db).exit_code == 1


def test_correction_for_a_document_not_in_the_corpus_is_reported(plan: Path, clean_env: Path) -> None:
    write(clean_env / "corpus", '[old-plan.3]\nunits = "市财政局"\n')
    (clean_env / "corpus" / "test-plan.docx").write_bytes(plan.read_bytes())
    rebuilt = run("ingest", "--db", str(clean_env / "index.db"))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (f"warning: {clean_env / 'corpus' / 'corrections.toml'} [old-plan]: no document 'old-plan' in the index"
            in rebuilt.stderr)
