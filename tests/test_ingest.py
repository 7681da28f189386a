"""Reading plan files (encodings, bad input), storing them atomically, and the CLI over the index."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from index.corpus import ingest
from index.engine import build_index
from index.errors import BadEncoding, DuplicateDocument, EmptyDocument, InputError, UnknownLayout
from index.models import LEAD, OTHER, Document, Item, Unit, Units
from index.rank import PostingsBuilder
from index.store import ItemRows, Store, item_rows
from index.text import decode

CORPUS = Path(__file__).parent.parent / "corpus"

# A small two-item plan in the style of the corpus tables.
PLAN = """\
工作任务 具体要求 落实单位
做好财政信
息公开
1.积极推进部门所属单位预算、决算及相关报表公开。 各区县人民政府；市直各单位
2.持续深化地方政府债务信息公开，通过集中统一平台定期公开
地方政府债务限额、余额、发行、品种、期限等信息。
市财政局牵头，市直其他单位按
职责分工落实
"""
PLAN_ROWS = [
    ("1", "积极推进部门所属单位预算、决算及相关报表公开。", "各区县人民政府；市直各单位"),
    ("2", "持续深化地方政府债务信息公开，通过集中统一平台定期公开地方政府债务限额、余额、发行、品种、期限等信息。",
     "市财政局牵头，市直其他单位按职责分工落实"),
]
OTHER_PLAN = """\
工作任务 具体要求 落实单位
完善政务公
开平台建设
1.推进市政府门户网站政府信息公开专栏与省政府门户网站的数据联通工作。 市政府办公室
2.2021年底前各区县政府门户网站全部支持互联网协议第六版。 各区县人民政府
"""


def rows(items: list[Item]) -> list[tuple[str, str, str]]:
    """Number, text and raw unit cell of each item."""
    return [(i.number, i.text, i.units.raw) for i in items]


def write(path: Path, data: bytes | str) -> Path:
    """Write a plan file (text as UTF-8), creating its folder; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def run(*args: str) -> Result:
    """Invoke the policyqa CLI in-process."""
    return CliRunner().invoke(cli, list(args))


# --- encodings and bad files -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [PLAN.encode("gb18030"), PLAN.encode("gbk"), b"\xef\xbb\xbf" + PLAN.encode("utf-8")],
    ids=["gb18030", "gbk", "utf-8-bom"],
)
def test_encodings_are_decoded(tmp_path: Path, data: bytes) -> None:
    """GB18030, GBK and BOM-prefixed UTF-8 files read as the same plan."""
    assert decode(data) == PLAN
    path = write(tmp_path / "plan.txt", data)
    result = ingest([path])
    assert result.errors == []
    assert [p.document.id for p in result.parsed] == ["plan"]
    assert rows(result.parsed[0].items) == PLAN_ROWS


@pytest.mark.parametrize(
    ("name", "data", "error", "line"),
    [
        ("latin.txt", b"plan\nlist\n\xff\xfe\x80\n", BadEncoding, 3),
        ("empty.txt", b"", EmptyDocument, None),
        ("blank.txt", " \n\t\n\n".encode("utf-8"), EmptyDocument, None),
        ("minutes.txt", "会议纪要\n请各单位认真落实。\n".encode("utf-8"), UnknownLayout, None),
        ("header-only.txt", "工作任务 具体要求 落实单位\n做好财政信息公开\n".encode("utf-8"), UnknownLayout, 1),
    ],
    ids=["not-utf8-or-gb18030", "empty", "whitespace-only", "no-items", "header-without-items"],
)
def test_bad_file_is_reported_and_good_ones_kept(
    tmp_path: Path, name: str, data: bytes, error: type[InputError], line: int | None
) -> None:
    """A bad file gives one specific error naming it; the good plan beside it is still read."""
    good = write(tmp_path / "good.txt", PLAN)
    bad = write(tmp_path / name, data)
    result = ingest([good, bad])
    assert [p.document.id for p in result.parsed] == ["good"]
    assert rows(result.parsed[0].items) == PLAN_ROWS
    assert len(result.errors) == 1
    assert type(result.errors[0]) is error
    assert result.errors[0].path == str(bad)
    assert result.errors[0].line == line
    assert str(bad) in str(result.errors[0])


def test_duplicate_document_id(tmp_path: Path) -> None:
    """The same file name in two folders is one document id: the second file is refused."""
    first = write(tmp_path / "a" / "plan.txt", PLAN)
    second = write(tmp_path / "b" / "plan.txt", OTHER_PLAN)
    result = ingest([first, second])
    assert [(p.document.id, p.document.source) for p in result.parsed] == [("plan", str(first))]
    assert rows(result.parsed[0].items) == PLAN_ROWS
    assert [type(e) for e in result.errors] == [DuplicateDocument]
    assert result.errors[0].path == str(second)


def test_cli_ingest_reports_bad_file(hermetic: Path) -> None:
    """`policyqa ingest` exits non-zero with a one-line error naming the bad file; the good plan is listed."""
    good = write(hermetic / "good.txt", PLAN)
    bad = write(hermetic / "bad.txt", b"\xff\xfe\x80\x80")
    db = str(hermetic / "index.db")
    result = run("ingest", "--db", db, str(good), str(bad))
    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert str(bad) in errors[0]
    listed = run("items", "--db", db)
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == [
        "good 1  各区县人民政府、市直各单位",
        "good 2  市财政局（牵头）、市直其他单位",
    ]


# --- storage -------------------------------------------------------------------------------------


def test_failed_rebuild_keeps_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild that fails midway leaves the previous index whole and readable."""
    write(tmp_path / "plans" / "a.txt", PLAN)
    write(tmp_path / "plans" / "b.txt", OTHER_PLAN)
    db = tmp_path / "index.db"
    build_index(Store(db), [tmp_path / "plans"])
    before = Store(db).items()
    assert [(i.doc, i.number) for i in before] == [("a", "1"), ("a", "2"), ("b", "1"), ("b", "2")]

    calls: list[Document] = []
    original = Store.add_plan

    def failing_insert(self: Store, document: Document, rows: ItemRows) -> int:
        """Insert the first plan's items, then fail on the second plan."""
        calls.append(document)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, document, rows)

    monkeypatch.setattr(Store, "add_plan", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(Store(db), [tmp_path / "plans"])
    monkeypatch.undo()
    after = Store(db)
    assert after.items() == before
    assert [d.id for d in after.documents()] == ["a", "b"]


def test_a_build_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest pauses the cycle collector; a long-running front end gets it back on, after a failed build too,
    and a process that had it off keeps it off."""
    import gc

    write(tmp_path / "plans" / "a.txt", PLAN)
    db = tmp_path / "index.db"
    seen: list[bool] = []
    original = Store.add_plan

    def watching(self: Store, document: Document, rows: ItemRows) -> int:
        seen.append(gc.isenabled())
        return original(self, document, rows)

    monkeypatch.setattr(Store, "add_plan", watching)
    assert gc.isenabled()
    build_index(Store(db), [tmp_path / "plans"])
    assert (seen, gc.isenabled()) == ([False], True)
    monkeypatch.setattr(Store, "add_plan", lambda *_: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(Store(db), [tmp_path / "plans"])
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(Store, "add_plan", original)
        build_index(Store(db), [tmp_path / "plans"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_sql_indexes_thread_fails_the_build_and_ends_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SQL indexes of a rebuild are made in a thread of their own: when they cannot be made the
    build fails with one line and the previous index stays; the thread never outlives its build."""
    import sqlite3
    import threading

    from index.errors import IndexProblem

    write(tmp_path / "plans" / "a.txt", PLAN)
    write(tmp_path / "plans" / "b.txt", OTHER_PLAN)
    db = tmp_path / "index.db"
    build_index(Store(db), [tmp_path / "plans"])
    assert [t.name for t in threading.enumerate() if t.name.startswith("policyqa-index")] == []
    before = Store(db).items()

    def full(self: Store) -> dict[str, str]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_index_items", full)
    with pytest.raises(IndexProblem, match="index.db failed: database or disk is full"):
        build_index(Store(db), [tmp_path / "plans"])
    assert [t.name for t in threading.enumerate() if t.name.startswith("policyqa-index")] == []
    monkeypatch.undo()
    assert Store(db).items() == before


def test_reingest_one_file_replaces_only_that_document(hermetic: Path) -> None:
    """`policyqa ingest PATH` replaces that document and keeps the others."""
    a = write(hermetic / "plans" / "a.txt", PLAN)
    write(hermetic / "plans" / "b.txt", OTHER_PLAN)
    db = str(hermetic / "index.db")
    assert run("ingest", "--db", db, str(hermetic / "plans")).exit_code == 0
    write(a, "工作任务 具体要求 落实单位\n做好财政信\n息公开\n1.积极推进部门所属单位预算、决算及相关报表公开。 市政府办公室\n")
    assert run("ingest", "--db", db, str(a)).exit_code == 0
    assert run("items", "--db", db).stdout.splitlines() == [
        "a 1  市政府办公室",
        "b 1  市政府办公室",
        "b 2  各区县人民政府",
    ]


def test_store_round_trips_an_item(tmp_path: Path) -> None:
    """An item with lead, other and collective units, a deadline and a line comes back equal."""
    document = Document(
        id="zhanjiang-2021", title="湛江市2021年政务公开工作要点分工方案", region="湛江市", level="地级市",
        year=2021, issuer="湛江市人民政府办公室", number="湛府办〔2021〕15号", date="2021-07-01",
        source="corpus/zhanjiang-2021.txt",
    )
    item = Item(
        doc="zhanjiang-2021", number="29", task="完善政务公开平台建设",
        text="不断完善政务新媒体监管机制，针对一哄而上、重复建设、“娱乐化”、“空壳”等问题有序开展清理整合。",
        units=Units(
            "各县（市、区）政府（管委会）;市政府办公室牵头，市直各单位按职责分工落实",
            (
                Unit("各县（市、区）政府（管委会）", "各县（市、区）政府（管委会）", OTHER, True),
                Unit("市政府办公室", "市政府办公室", LEAD, False),
                Unit("市直各单位", "市直各单位", OTHER, True),
            ),
        ),
        deadline="长期工作", line=612, position=29,
    )
    store = Store(tmp_path / "index.db")
    builder = PostingsBuilder()
    with store.rebuilding():
        builder.add(store.add_plan(document, item_rows([item])), ["政务", "新媒体", "政务"])
        store.finish_index(builder, {"dictionary": ""})
    reopened = Store(tmp_path / "index.db")
    assert reopened.item("zhanjiang-2021", "29") == item
    assert reopened.item("zhanjiang-2021", "30") is None
    assert reopened.items("zhanjiang-2021") == [item]
    assert reopened.all_tokens() == {1: ["政务", "政务", "新媒体"]}
    assert reopened.documents() == [document]


# --- the CLI over the real corpus ------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An index of the real corpus, built once by `policyqa ingest` (the default corpus folder)."""
    folder = tmp_path_factory.mktemp("corpus-index")
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("POLICYQA_")]:
            patch.delenv(name)
        patch.setenv("POLICYQA_CORPUS", str(CORPUS))
        patch.chdir(folder)
        result = run("ingest", "--db", str(folder / "index.db"))
        assert result.exit_code == 0, result.output
    yield str(folder / "index.db")


def test_items_json_zhanjiang_26(hermetic: Path, corpus_db: str) -> None:
    """`policyqa items --doc zhanjiang-2021 --json` lists item 26 with the gold fields."""
    result = run("items", "--db", corpus_db, "--doc", "zhanjiang-2021", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert len(listed) == 50
    assert next(entry for entry in listed if entry["item"] == "26") == {
        "doc": "zhanjiang-2021",
        "item": "26",
        "task": "做好政务信息管理工作",
        "text": "全面推进规章集中统一公开，2021年底前将本地区现行有效规章通过政府门户网站的政府信息公开专栏集中公开。"
        "市政府门户网站设立专题专栏，集中展示全市现行有效规章，方便公众查询使用。",
        "units": "各县（市、区）政府（管委会）;市政府办公室、市政务服务数据管理局、市司法局",
        "lead_units": [],
        "other_units": ["各县（市、区）政府（管委会）", "市政府办公室", "市政务服务数据管理局", "市司法局"],
        "deadline": "2021年9月前",
        "due": "2021-09-30",
        "due_dates": ["2021-09-30"],
        "ongoing": False,
        "corrected": False,
    }


def test_item_shows_source_and_deadline(hermetic: Path, corpus_db: str) -> None:
    """`policyqa item zhanjiang-2021 26` names the document, its number and the deadline."""
    result = run("item", "--db", corpus_db, "zhanjiang-2021", "26")
    assert result.exit_code == 0
    assert "湛江市2021年政务公开工作要点分工方案" in result.stdout
    assert "湛府办〔2021〕15号" in result.stdout
    assert "2021年9月前" in result.stdout


def test_missing_item_is_an_error(hermetic: Path, corpus_db: str) -> None:
    """`policyqa item zhanjiang-2021 999` exits non-zero and says the item is missing."""
    result = run("item", "--db", corpus_db, "zhanjiang-2021", "999")
    assert result.exit_code != 0
    assert "999" in result.stderr
    assert "zhanjiang-2021" in result.stderr


def test_ingest_spools_plans_and_clears_spools_of_killed_ingests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pass one's parsed plans go to a spool that is gone afterwards; a spool whose ingest was killed is removed."""
    import subprocess
    import sys
    import tempfile

    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = spools / f"policyqa-ingest-{gone.stdout.strip()}-abc"
    alive = spools / f"policyqa-ingest-{os.getpid()}-def"
    for folder in (stale, alive):
        folder.mkdir()
        (folder / "0.pickle").write_bytes(b"x")
    write(tmp_path / "plans" / "a.txt", PLAN)
    result = build_index(Store(tmp_path / "index.db"), [tmp_path / "plans"])
    assert [s.items for s in result.summaries] == [2]
    assert sorted(p.name for p in spools.glob("policyqa-ingest-*")) == [alive.name]


def test_an_index_of_an_older_schema_is_emptied_for_a_rebuild_and_keeps_its_log(tmp_path: Path) -> None:
    """Opening an index written by an earlier version drops its index tables (not the question log); ingest refills it."""
    db = tmp_path / "old.db"
    build_index(Store(db), [CORPUS / "shantou-2021.txt"])
    old = Store(db)
    old.record_question(1, "谁负责规章集中公开？", "谁负责规章集中公开？", ["shantou-2021 25"], 3.0, False)
    old.conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema'")
    old.conn.execute("CREATE TABLE item_units (item_id INTEGER, position INTEGER, name TEXT)")  # schema 8's
    old.conn.commit()
    old.close()
    reopened = Store(db)
    assert reopened.size() == 0 and reopened.documents() == []
    tables = {name for (name,) in reopened.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "item_units" not in tables and "unit_items" in tables
    assert reopened.stats()["most_asked"] == [{"question": "谁负责规章集中公开？", "n": 1}]
    build_index(reopened, [CORPUS / "shantou-2021.txt"])
    assert [d.id for d in Store(db).documents()] == ["shantou-2021"]
