"""Several worker processes over one index: chats, feedback and staff logins are kept in the index file,
so whichever process a request reaches answers it as the one before would have."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.answer import Answerer
from bot.settings import Settings
from bot.web import build_app
from bot.web_guard import hash_password
from index.engine import Engine
from index.store import Store
from tests.test_web_api import copy_index
from tests.web_server import free_port, wait_until_up

PASSWORD = "两个进程的密码"


@pytest.fixture
def db(index_db: Path, tmp_path: Path) -> Path:
    """A copy of the session's index."""
    return copy_index(index_db, tmp_path / "policyqa.db")


@pytest.fixture
def workers(db: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps over the same file, each with its own engine and connections, as two worker processes have."""
    settings = Settings(_env_file=None, db=db, admin_password_hash=hash_password(PASSWORD))
    first = TestClient(build_app(settings, Answerer(Engine.open(db))))
    second = TestClient(build_app(settings, Answerer(Engine.open(db))))
    yield first, second
    first.close()
    second.close()


def items(answer: dict) -> list[str]:
    """The answer's items as "doc number"."""
    return [f"{a['doc']} {a['item']}" for a in answer["answers"]]


def test_a_follow_up_reaching_another_worker_follows_up(workers: tuple[TestClient, TestClient]) -> None:
    first, second = workers
    asked = first.post("/api/ask", json={"q": "谁负责规章集中公开？"}).json()
    there = second.post("/api/ask", json={"q": "那湛江呢？", "session": asked["session"]}).json()
    assert items(there)[:1] == ["zhanjiang-2021 26"]
    assert there["context"]["kind"] == "place"
    when = first.post("/api/ask", json={"q": "它什么时候完成？", "session": asked["session"]}).json()
    assert items(when)[:1] == ["zhanjiang-2021 26"]
    assert {there["session"], when["session"]} == {asked["session"]}


def test_feedback_and_staff_logins_reach_every_worker(workers: tuple[TestClient, TestClient], db: Path) -> None:
    first, second = workers
    asked = first.post("/api/ask", json={"q": "谁负责规章集中公开？"}).json()
    vote = {"question_id": asked["question_id"], "vote": "down", "session": asked["session"]}
    assert second.post("/api/feedback", json=vote).status_code == 204
    assert first.post("/api/feedback", json=vote).status_code == 409  # voted already, on the other worker
    assert first.post("/admin/login", json={"password": PASSWORD}).status_code == 204
    second.cookies.update(first.cookies)
    stats = second.get("/admin/stats")
    assert stats.status_code == 200
    assert stats.json()["down_voted"][0]["question"] == "谁负责规章集中公开？"
    assert second.post("/admin/logout").status_code == 204
    first.cookies.clear()
    first.cookies.update(second.cookies)
    assert first.get("/admin/stats").status_code == 401
    assert Store(db).login_expiry("no such token") is None


def test_idle_and_surplus_chats_are_forgotten(tmp_path: Path) -> None:
    store = Store(tmp_path / "log.db")
    for key, seen in (("a", 100.0), ("b", 200.0), ("c", 300.0), ("d", 400.0)):
        store.save_chat(key, key.encode(), seen)
    store.forget_chats(since=150.0, keep=2)
    assert [store.load_chat(k, 0.0) for k in "abcd"] == [None, None, b"c", b"d"]
    assert store.load_chat("c", 301.0) is None  # idle since before 301


def test_an_expired_login_is_not_live(tmp_path: Path) -> None:
    store = Store(tmp_path / "log.db")
    store.add_login("old", expiry=50.0, now=10.0)
    store.add_login("new", expiry=500.0, now=100.0)  # drops logins expired by then
    assert (store.login_expiry("old"), store.login_expiry("new")) == (None, 500.0)


def test_policyqa_web_serves_with_worker_processes(db: Path) -> None:
    """`policyqa web --workers 2` starts two processes, and a chat spread over fresh connections holds."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    command = [str(Path(sys.executable).parent / "policyqa"), "web", "--port", str(port), "--db", str(db),
               "--workers", "2"]
    server = subprocess.Popen(command, env=env, cwd=db.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server)
        assert len(children(server.pid)) == 2
        session = None
        for question, expected in (("谁负责规章集中公开？", "zhanjiang-2021 26"), ("那汕头呢？", "shantou-2021 25"),
                                   ("谁牵头？", "shantou-2021 25"), ("那湛江呢？", "zhanjiang-2021 26")):
            answer = httpx.post(f"{url}/api/ask", json={"q": question, "session": session}, timeout=30).json()
            session = answer["session"]
            assert expected in items(answer)[:3], question
    finally:
        server.terminate()
        server.wait(timeout=30)


def children(pid: int) -> list[int]:
    """The worker processes of a server: its children running multiprocessing's spawn."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found
