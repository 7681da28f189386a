"""The command line on bad input: one line naming what and where, and nothing stored is lost."""

from __future__ import annotations

import json

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli

CORPUS = Path(__file__).parent.parent / "corpus"


def run(*args: str | Path) -> Result:
    """Invoke the policyqa CLI in-process."""
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def db(hermetic: Path, index_db: Path) -> Path:
    """A private copy of the session's corpus index."""
    copy = hermetic / "copy.db"
    source, target = sqlite3.connect(index_db), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    return copy


def test_eval_names_the_bad_line(db: Path, hermetic: Path) -> None:
    """A question set with a broken line: one error naming the file and the line, no traceback."""
    questions = hermetic / "questions.jsonl"
    questions.write_text('{"q": "谁负责规章集中公开？", "kind": "who", "expect": []}\n\n{"q": "x", kind}\n', encoding="utf-8")
    result = run("eval", questions, "--db", db)
    assert result.exit_code == 1
    assert result.output == (f"Error: {questions}:3: not a JSON object (Expecting property name enclosed in "
                             "double quotes, column 12)\n")


def test_eval_names_a_line_that_is_no_question(db: Path, hermetic: Path) -> None:
    """Valid JSON that is not a question (no q or kind) is named too."""
    questions = hermetic / "questions.jsonl"
    questions.write_text('["谁负责规章集中公开？"]\n', encoding="utf-8")
    result = run("eval", questions, "--db", db)
    assert result.output == f"Error: {questions}:1: not a question (a JSON object with q and kind)\n"


def test_a_file_that_fails_leaves_the_index_unchanged(db: Path, hermetic: Path) -> None:
    """`ingest FILE` of a bad file says nothing was indexed and re-indexes nothing."""
    bad = hermetic / "bad.txt"
    bad.write_text("这不是一个分工方案。\n", encoding="utf-8")
    result = run("ingest", "--db", db, bad)
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert last.startswith("nothing indexed in ")
    assert last.endswith(f" s (1 failed); {db} is unchanged and holds 5 documents")
    assert "indexed kaiping-2021" not in result.output


def test_remove_one_plan(db: Path) -> None:
    """`policyqa remove DOC` takes that plan out and keeps the four others; an unknown id is exit 2."""
    result = run("remove", "--db", db, "kaiping-2021")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith(f"s; {db} now holds 4 documents")
    listed = run("items", "--db", db).output
    assert "kaiping-2021" not in listed
    assert "zhanjiang-2021 26  " in listed
    unknown = run("remove", "--db", db, "kaiping-2021")
    assert (unknown.exit_code, unknown.output) == (2, f"error: {db} holds no document kaiping-2021 (see `policyqa items`)\n")


def test_removing_the_last_plan_is_refused(hermetic: Path) -> None:
    """Removing every plan would leave an empty index, which the next question rebuilds: refused."""
    db = hermetic / "one.db"
    assert run("ingest", "--db", db, CORPUS / "kaiping-2021.txt").exit_code == 0
    result = run("remove", "--db", db, "kaiping-2021")
    assert (result.exit_code, result.output) == (2, (
        f"error: removing kaiping-2021 would leave {db} empty (rebuild it from the corpus with `policyqa ingest` instead)\n"))


def numbered_plan(path: Path, count: int) -> Path:
    """A text-table plan numbered 1..count, as in the stress test of issue 14."""
    rows = "".join(f"{n}.做好第{n}项政府信息公开工作，加强政策解读和回应关切。 市财政局\n" for n in range(1, count + 1))
    path.write_text(f"工作任务 具体要求 落实单位\n做好财政信\n息公开\n{rows}", encoding="utf-8")
    return path


def test_items_past_999_are_items_of_their_own(db: Path, hermetic: Path) -> None:
    """A 1,600-item numbered plan (the stress test of issue 14) ingests every item, 1000 on included."""
    plan = numbered_plan(hermetic / "long.txt", 1600)
    result = run("ingest", "--db", db, plan)
    assert result.exit_code == 0, result.output
    items = json.loads(run("items", "--db", db, "--doc", "long", "--json").output)
    assert len(items) == 1600
    last = items[-1]
    assert (last["item"], last["text"], last["other_units"]) == (
        "1600", "做好第1600项政府信息公开工作，加强政策解读和回应关切。", ["市财政局"])


def test_a_file_past_the_size_limit_is_refused_unread(db: Path, hermetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan file larger than the limit is refused before it is read."""
    monkeypatch.setattr("index.corpus.MAX_FILE_BYTES", 2**20)
    plan = hermetic / "big.txt"
    plan.write_bytes(b"1." + "\u653f".encode() * (2**19))
    result = run("ingest", "--db", db, plan)
    assert f"error: {plan}: 2 MB, more than the 1 MB a plan file may have (split it into plans)\n" in result.output
