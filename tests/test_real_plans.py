"""The reader's main test: real published plans (and plans written in their style) against hand-checked gold.

tests/data/plans holds excerpts of real published plans with gold for every visible item;
tests/data/plans-extra holds plans written in the style of real text for layouts the real set lacks.
Both READMEs give the conventions. The per-document table is printed (pytest -s shows it).
"""

from __future__ import annotations

import pytest

from plan_score import DATA, gold_of, score, table

SETS = [DATA / "plans", DATA / "plans-extra"]
BAR = 0.95  # share of gold items whose bodies, lead/others and deadline must come out right
COUNT_BAR = 0.9  # share of documents whose item count (up to the excerpt's cut) must be exact


@pytest.mark.parametrize("folder", SETS, ids=[f.name for f in SETS])
def test_every_plan_ingests_and_matches_its_gold(folder) -> None:  # noqa: ANN001
    """Every document ingests; bodies, lead/others and deadlines right for ≥95 % of items; counts exact."""
    scores = [score(folder, row, gold) for row, gold in gold_of(folder)]
    report = table(scores)
    print(report)
    assert [s.doc for s in scores if s.error] == [], report
    total = sum(s.gold for s in scores)
    for name in ("found", "bodies", "lead", "deadline"):
        assert sum(s.hits[name] for s in scores) >= BAR * total, f"{name} below {BAR}\n{report}"
    assert sum(s.count_exact for s in scores) >= COUNT_BAR * len(scores), report


@pytest.mark.parametrize(("folder", "doc", "number", "lead", "others", "deadline"), [
    (DATA / "plans", "05-chongqing-wenlvwei-2021", "（三）", ("市财政局", "财务处"), (), "每年度"),
    (DATA / "plans", "10-zhongshan-yibaoju-2021", "4", (), ("法规和基金监管科", "医药服务管理科", "医疗保障事业管理中心"), None),
    (DATA / "plans", "14-ziranziyuanju-nd", "3", ("辦公室",), ("各科室", "局屬各單位"), "全年"),
    (DATA / "plans", "11-huaiyuan-yibaoju-2025", "3", ("办公室",), ("局各股室", "局属各中心"), None),
], ids=["lead-column-and-labelled-cell", "unit-cell-printed-after-its-group", "traditional-cell-per-line",
        "partial-header-seq-column"])
def test_items_read_as_printed(folder, doc, number, lead, others, deadline) -> None:  # noqa: ANN001
    """Single items of real plans, as the gold has them: number, lead, others, deadline."""
    from index.corpus import read_plan

    row = next(r for r, _ in gold_of(folder) if r["doc"] == doc)
    items = read_plan(folder / "docs" / row["file"], {"id": doc}).items
    item = next(i for i in items if i.number == number)
    assert (item.units.lead, item.units.others, item.deadline) == (lead, others, deadline)


def test_forced_layout_reads_the_numbered_list_instead_of_the_table(tmp_path, clean_env) -> None:  # noqa: ANN001
    """`ingest --layout prose` reads 12's numbered list (一1 … 一6) instead of the table below it (five rows)."""
    import json

    from click.testing import CliRunner

    from bot.cli import cli

    plan = DATA / "plans" / "docs" / "12-xian-ju-nd.txt"
    db = str(tmp_path / "index.db")
    runner = CliRunner()
    for layout, numbers in (("prose", ["一1", "一2", "一3", "一4", "一5", "一6"]), (None, ["1", "2", "3", "4", "5"])):
        args = ["ingest", "--db", db, str(plan), "--doc-id", "xian"] + (["--layout", layout] if layout else [])
        assert runner.invoke(cli, args).exit_code == 0
        items = json.loads(runner.invoke(cli, ["items", "--db", db, "--doc", "xian", "--json"]).output)
        assert [i["item"] for i in items][: len(numbers)] == numbers
    bad = runner.invoke(cli, ["ingest", "--db", db, str(plan), "--layout", "columns"])
    assert bad.exit_code == 1 and "no layout 'columns'" in bad.output
