"""Faults with real processes: two writers at once, kill -9 mid-write, a full disk, broken and
read-only indexes. Nothing stored may be lost, and every failure is one line with exit code 2.

Each command runs `python -m bot` in a subprocess, as a user would. The read-only and full-disk
cases mount a small tmpfs when run as root (as CI is), else they use chmod and SQLite's page limit.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answer import Answerer
from index.engine import Engine, build_index
from index.errors import DiskFull, IndexCorrupt
from index.store import Store

CORPUS = Path(__file__).parent.parent / "corpus"
ALL = ["honghaiwan-2021", "jinping-2020", "kaiping-2021", "shantou-2021", "zhanjiang-2021"]
FIRST_THREE = ALL[1:4]  # jinping, kaiping, shantou
REGULATIONS = "谁负责规章集中公开？"
ROOT = os.geteuid() == 0


def policyqa(*args: str | Path, env: dict[str, str] | None = None, bound: bool = False) -> subprocess.CompletedProcess:
    """Run the command line in a process of its own; bound: as root without its power to override file modes.

    Still root, so it reads the checkout wherever it lies (another user could not read a private
    folder such as `mktemp -d` makes), but a file's read-only mode holds for it as for anyone.
    """
    command = [sys.executable, "-m", "bot", *map(str, args)]
    if bound and ROOT:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", *command]
    return subprocess.run(command, env=env or clean_env(), capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parent.parent)


def start(*args: str | Path) -> subprocess.Popen:
    """Start the command line without waiting; its progress lines come on stderr."""
    return subprocess.Popen([sys.executable, "-m", "bot", *map(str, args)], env=clean_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without POLICYQA_* settings, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    return {**env, "POLICYQA_CORPUS": str(CORPUS), **extra}


def corpus_of(folder: Path, ids: list[str]) -> Path:
    """A corpus folder holding these plans and the catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "catalog.toml", folder)
    for doc in ids:
        shutil.copy(CORPUS / f"{doc}.txt", folder)
    return folder


def indexed(db: Path, ids: list[str]) -> Path:
    """An index of these plans, built here and closed (so the WAL is folded into the file)."""
    store = Store(db)
    build_index(store, [corpus_of(db.parent / "plans", ids)])
    store.close()
    return db


def held(db: Path) -> list[str]:
    """The document ids an index holds."""
    store = Store(db)
    try:
        return [d.id for d in store.documents()]
    finally:
        store.close()


def integrity(db: Path) -> str:
    """SQLite's full integrity check of the file."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def answers(db: Path) -> str:
    """The plan of the best answer to the regulations question."""
    engine = Engine.open(db)
    try:
        return Answerer(engine).ask(REGULATIONS).hits[0].item.doc
    finally:
        engine.store.close()


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single error line of a failed command (exit code 2, no traceback)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# --- writers ---------------------------------------------------------------------------------


def test_two_writers_at_once_keep_both_plans(tmp_path: Path) -> None:
    """Two `ingest FILE` processes started together: both succeed and both plans are there."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    writers = [start("ingest", "--db", db, CORPUS / f"{doc}.txt") for doc in ("zhanjiang-2021", "honghaiwan-2021")]
    outcomes = [w.communicate(timeout=300) for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outcomes
    assert sorted(held(db)) == ALL
    assert integrity(db) == "ok"


def test_a_writer_waiting_past_the_limit_fails_with_a_message(tmp_path: Path) -> None:
    """While another connection holds the write lock, ingest gives up after POLICYQA_LOCK_WAIT."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    holder = Store(db)
    with holder.writing():
        result = policyqa("ingest", "--db", db, CORPUS / "zhanjiang-2021.txt", env=clean_env(POLICYQA_LOCK_WAIT="0.5"))
    line = one_line_error(result)
    assert line == f"error: {db} is being written by another policyqa process (waited for 0.5 s); try again later"
    assert held(db) == FIRST_THREE


# --- kill -9 ---------------------------------------------------------------------------------


def kill_at(marker: str, *args: str | Path) -> str:
    """Run a command and kill -9 it when a progress line starts with marker; returns its stderr so far."""
    process = start(*args)
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(marker):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    return "".join(seen)


@pytest.mark.parametrize("marker", ["reading", "indexed jinping-2020 (1/4", "indexed zhanjiang-2021 (4/4"])
def test_kill_during_an_add_leaves_the_old_index(tmp_path: Path, marker: str) -> None:
    """kill -9 while adding a plan: the old index answers, whole and sound."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    kill_at(marker, "ingest", "--db", db, CORPUS / "zhanjiang-2021.txt")
    assert integrity(db) == "ok"
    assert held(db) in (FIRST_THREE, sorted([*FIRST_THREE, "zhanjiang-2021"]))
    if not marker.startswith("indexed zhanjiang"):  # the last point may come after the commit
        assert held(db) == FIRST_THREE
    assert answers(db) in FIRST_THREE + ["zhanjiang-2021"]


@pytest.mark.parametrize("marker", ["indexed jinping-2020 (1/2", "indexed shantou-2021 (2/2"])
def test_kill_during_a_remove_leaves_the_old_index(tmp_path: Path, marker: str) -> None:
    """kill -9 while removing a plan: all three plans or the two left, never a half-removed one."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    kill_at(marker, "remove", "--db", db, "kaiping-2021")
    assert integrity(db) == "ok"
    assert held(db) in (FIRST_THREE, ["jinping-2020", "shantou-2021"])
    assert answers(db) in FIRST_THREE


@pytest.mark.parametrize("marker", ["reading", "indexed kaiping-2021 (3/5", "swapping"])
def test_kill_during_a_rebuild_leaves_the_old_index(tmp_path: Path, marker: str) -> None:
    """kill -9 during `ingest --rebuild`: the old index (three plans) still answers, or the new one (five)."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    kill_at(marker, "ingest", "--db", db, "--rebuild")
    assert integrity(db) == "ok"
    assert held(db) in (FIRST_THREE, ALL)
    if marker != "swapping":
        assert held(db) == FIRST_THREE
    assert answers(db) in ALL


# --- broken indexes --------------------------------------------------------------------------


def truncated(db: Path) -> None:
    """Cut the file to a third."""
    os.truncate(db, db.stat().st_size // 3)


def garbage(db: Path) -> None:
    """Replace the file by bytes that are no database."""
    db.write_bytes(bytes(range(256)) * 400)


@pytest.mark.parametrize("damage", [truncated, garbage])
def test_a_broken_index_is_named_and_rebuilt(tmp_path: Path, damage) -> None:  # noqa: ANN001
    """ask/items/ingest on a broken index: one line naming the file and the fix; --rebuild repairs it."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    damage(db)
    for command in (["ask", REGULATIONS], ["items"], ["ingest", CORPUS / "zhanjiang-2021.txt"]):
        line = one_line_error(policyqa(*command, "--db", db))
        assert line.startswith(f"error: the index {db} is damaged ("), line
        assert line.endswith("rebuild it from the corpus with `policyqa ingest --rebuild`")
    rebuilt = policyqa("ingest", "--db", db, "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert held(db) == ALL
    assert integrity(db) == "ok"
    assert len(list(tmp_path.glob("x.db.damaged-*"))) == 1  # the broken file is kept aside
    assert not list(tmp_path.glob("x.db.rebuild-*"))


def test_a_page_overwritten_mid_file_is_found_by_the_check(tmp_path: Path) -> None:
    """Store.check (run when the bot starts) finds a page of zeros that some queries would not touch."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    with db.open("r+b") as file:
        page = int.from_bytes(file.read(18)[16:18], "big")  # the page size, from the file's header
        pages = db.stat().st_size // page
        assert pages >= 4
        file.seek(page * (pages // 2))
        file.write(b"\xff" * page)
    with pytest.raises(IndexCorrupt, match=r"is damaged \(.*\); rebuild it from the corpus"):
        Store(db).check()


def test_rebuild_keeps_the_question_log(tmp_path: Path) -> None:
    """`ingest --rebuild` over a sound index swaps the plans in and keeps the logged questions."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    Store(db).record_question(1, REGULATIONS, "who", ["shantou-2021 25"], 3.0, False)
    result = policyqa("ingest", "--db", db, "--rebuild")
    assert result.returncode == 0, result.stderr
    assert held(db) == ALL
    assert Store(db).stats()["most_asked"] == [{"question": REGULATIONS, "n": 1}]


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    """An SQLite file of something else is named, not written into."""
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.commit()
    conn.close()
    line = one_line_error(policyqa("ask", REGULATIONS, "--db", db))
    assert line == (f"error: {db} is not a policyqa index (it holds customers): name another file with --db, "
                    "or rebuild it with `policyqa ingest --rebuild`")


# --- read-only -------------------------------------------------------------------------------


@pytest.fixture
def readonly_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder holding an index of three plans that cannot be written: a read-only tmpfs as root, else chmod."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if not ROOT:
        indexed(folder / "x.db", FIRST_THREE)
        folder.chmod(0o555)
        (folder / "x.db").chmod(0o444)
        yield folder
        folder.chmod(0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", folder], check=True)
    try:
        indexed(folder / "x.db", FIRST_THREE)
        subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", folder], check=True)


def test_a_readonly_folder_is_served_readonly(readonly_dir: Path) -> None:
    """An index in a read-only folder answers (no WAL files needed) and refuses writes in one line."""
    db = readonly_dir / "x.db"
    asked = policyqa("ask", REGULATIONS, "--db", db)
    assert asked.returncode == 0, asked.stderr
    assert "《汕头市2021年政务公开工作要点分工方案》 第25项" in asked.stdout
    assert one_line_error(policyqa("ingest", "--db", db, CORPUS / "zhanjiang-2021.txt")) == (
        f"error: {db} is read-only: it can be queried but not changed")
    assert one_line_error(policyqa("remove", "--db", db, "kaiping-2021")) == (
        f"error: {db} is read-only: it can be queried but not changed")
    assert one_line_error(policyqa("ask", REGULATIONS, "--db", readonly_dir / "none.db")) == (
        f"error: no index at {readonly_dir / 'none.db'}, and it cannot be created there (read-only)")
    assert sorted(p.name for p in readonly_dir.iterdir()) == ["plans", "x.db"]


def test_the_log_of_a_readonly_index_goes_nowhere(readonly_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Logging a question to a read-only index is a warning, not a crash."""
    store = Store(readonly_dir / "x.db")
    assert store.readonly
    assert store.record_question(1, REGULATIONS, "who", [], 1.0, False) is None
    store.close()
    assert f"{readonly_dir / 'x.db'} is read-only: the question log is not kept" in caplog.text


def test_a_readonly_file_is_served_readonly(tmp_path: Path) -> None:
    """A read-only index file in a writable folder: answered in mode=ro, writes refused in one line."""
    db = indexed(tmp_path / "x.db", FIRST_THREE)
    db.chmod(0o444)
    env = clean_env()
    asked = policyqa("ask", REGULATIONS, "--db", db, env=env, bound=True)
    assert asked.returncode == 0, asked.stderr
    assert "第25项" in asked.stdout
    assert one_line_error(policyqa("remove", "--db", db, "kaiping-2021", env=env, bound=True)) == (
        f"error: {db} is read-only: it can be queried but not changed")
    assert held(db) == FIRST_THREE


# --- a full disk -----------------------------------------------------------------------------


def test_a_full_disk_keeps_the_old_index(tmp_path: Path) -> None:
    """The disk fills while a plan is added: the message says so and the old index answers."""
    folder = tmp_path / "small"
    folder.mkdir()
    if ROOT:
        # room for the index of one small plan (its tables, the log's and the web's chats), not two more
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=360k", "tmpfs", folder], check=True)
    try:
        db = indexed(folder / "x.db", ["jinping-2020"])
        if ROOT:
            result = policyqa("ingest", "--db", db, CORPUS / "zhanjiang-2021.txt", CORPUS / "kaiping-2021.txt")
            assert one_line_error(result) == (
                f"error: the disk holding {db} is full: nothing was changed (free some space and try again)")
        else:  # no mount without root: SQLite's own page limit fails the same way
            store = Store(db)
            store.conn.execute("PRAGMA max_page_count = 50")
            with pytest.raises(DiskFull):
                build_index(store, [CORPUS / "zhanjiang-2021.txt"], everything=False)
            store.close()
        assert held(db) == ["jinping-2020"]
        assert integrity(db) == "ok"
    finally:
        if ROOT:
            subprocess.run(["umount", "--lazy", folder], check=True)
