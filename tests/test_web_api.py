"""The web app's HTTP API and pages through httpx (Starlette's TestClient), over a copy of the session's index."""

from __future__ import annotations

import csv
import io
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bot.answer import Answerer
from bot.cli import cli
from bot.render import answer_json
from bot.settings import Settings
from bot.web import build_app
from bot.web_guard import check_password, hash_password
from index.engine import Engine
from index.errors import IndexLocked
from index.store import Store

def copy_index(source: Path, target: Path) -> Path:
    """A consistent copy of an index in WAL mode (its -wal file included), through SQLite's backup."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


PASSWORD = "工作人员的密码 2021"
XSS = "<img src=x onerror=alert(1)>"
DOCS = {"honghaiwan-2021", "jinping-2020", "kaiping-2021", "shantou-2021", "zhanjiang-2021"}
PASSWORD_HASH = hash_password(PASSWORD)


@pytest.fixture(scope="module")
def db(index_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's index: the web app writes its question log into it."""
    return copy_index(index_db, tmp_path_factory.mktemp("web") / "policyqa.db")


@pytest.fixture(scope="module")
def web_answerer(db: Path) -> Answerer:
    """One answerer over the copy, shared by the module's apps."""
    return Answerer(Engine.open(db))


@pytest.fixture
def make_client(db: Path, web_answerer: Answerer) -> Iterator[Callable[..., TestClient]]:
    """A client of a fresh app (fresh rate limits; chats and logins are kept in the index file) with the given settings."""
    clients: list[TestClient] = []

    def make(**settings: object) -> TestClient:
        values = {"db": db, "admin_password_hash": PASSWORD_HASH, **settings}
        client = TestClient(build_app(Settings(_env_file=None, **values), web_answerer), raise_server_exceptions=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the app with default settings (the staff password set)."""
    return make_client()


def ask(client: TestClient, question: str, **extra: object) -> dict:
    """POST /api/ask, asserting success; the JSON."""
    response = client.post("/api/ask", json={"q": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def login(client: TestClient, password: str = PASSWORD) -> int:
    """POST /admin/login; the status."""
    return client.post("/admin/login", json={"password": password}).status_code


# --- asking ---------------------------------------------------------------------------------------


def test_ask_answers_with_the_json_of_ask_json(client: TestClient, web_answerer: Answerer) -> None:
    """POST /api/ask returns what `ask --json` prints, plus the session and the question id."""
    data = ask(client, "谁负责规章集中公开？")
    expected = answer_json(web_answerer.ask("谁负责规章集中公开？"), web_answerer.engine.documents)
    assert {k: data[k] for k in expected} == expected
    assert set(data) - set(expected) == {"session", "question_id", "suggestions", "context", "heading", "hint"}
    found = {(a["doc"], a["item"]) for a in data["answers"]}
    assert {("zhanjiang-2021", "26"), ("shantou-2021", "25"), ("kaiping-2021", "32")} <= found
    zhanjiang = next(a for a in data["answers"] if a["doc"] == "zhanjiang-2021")
    assert "市司法局" in zhanjiang["other_units"]
    assert zhanjiang["deadline"] == "2021年9月前"


def test_ask_marks_the_lead_unit(client: TestClient) -> None:
    """The lead (牵头) unit travels as its own field."""
    data = ask(client, "湛江谁负责规划主动公开？")
    best = data["answers"][0]
    assert (best["doc"], best["item"]) == ("zhanjiang-2021", "1")
    assert best["lead_units"] == ["市政府办公室"]


def test_not_covered_comes_with_examples(client: TestClient) -> None:
    """A question no plan covers: no answers, the example questions as suggestions."""
    data = ask(client, "今天天气怎么样？")
    assert data["no_answer"] is True
    assert data["answers"] == []
    assert data["suggestions"][0] == "谁负责规章集中公开？"


def test_session_is_a_cookie_and_a_field(client: TestClient) -> None:
    """The first answer opens a session (HttpOnly, SameSite cookie); the id comes back in the body too."""
    response = client.post("/api/ask", json={"q": "谁负责规章集中公开？"})
    session = response.json()["session"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"policyqa_session={session};")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert ask(client, "湛江市司法局负责哪些工作？")["session"] == session  # by cookie
    other = TestClient(client.app)
    assert ask(other, "湛江市司法局负责哪些工作？", session=session)["session"] == session  # by field


def test_follow_ups_through_the_session(client: TestClient) -> None:
    """A follow-up sent with the session id is read against the question before it."""
    first = ask(client, "谁负责规章集中公开？")
    there = ask(TestClient(client.app), "那湛江呢？", session=first["session"])
    assert (there["best"]["doc"], there["best"]["item"]) == ("zhanjiang-2021", "26")
    assert there["context"] == {"kind": "place", "place": "湛江", "topic": "规章集中公开",
                                "text": "按上一问理解为：湛江 · 规章集中公开"}
    alone = ask(TestClient(client.app), "那湛江呢？")  # a new session: nothing to follow
    assert (alone["no_answer"], alone["context"]["kind"]) == (True, "followup")


def test_listing_heading_and_hints(client: TestClient) -> None:
    """A listing comes with its first line; a follow-up with nothing to follow with its short reply."""
    unit = ask(client, "湛江市司法局负责哪些工作？")
    assert unit["heading"] == "市司法局 负责以下 4 项："
    assert [e["item"] for e in unit["listing"][0]["items"]] == ["26", "34", "39", "40"]
    lost = ask(TestClient(client.app), "还有吗？")
    assert lost["no_answer"] is True and lost["heading"] is None
    assert lost["hint"] == "这句话像是接着上一问的追问，但前面还没有可以接着的问题。请先完整地问一句，例如“谁负责规章集中公开？”"


def test_made_up_session_gets_a_new_one(client: TestClient) -> None:
    """A session id the server never gave out is not adopted."""
    data = ask(client, "谁负责规章集中公开？", session="chosen-by-the-client")
    assert data["session"] != "chosen-by-the-client"
    assert len(data["session"]) >= 20


def test_long_question_is_cut_as_in_the_cli(client: TestClient) -> None:
    """A question longer than 500 characters is answered on its first 500."""
    data = ask(client, "规章集中公开" * 200)
    assert len(data["query"]) == 500


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"q": ""}, 400, "q: the question is empty"),
        ({"q": " \n\t "}, 400, "q: the question is empty"),
        ({}, 422, "q: Field required"),
        ({"q": 12}, 422, "q: Input should be a valid string"),
        ({"q": ["谁负责"]}, 422, "q: Input should be a valid string"),
        ([], 422, "body: Input should be a valid dictionary or object to extract fields from"),
    ],
)
def test_ask_refuses_bad_bodies(client: TestClient, body: object, status: int, message: str) -> None:
    """Bad requests are JSON errors with their status, never a traceback."""
    response = client.post("/api/ask", json=body)
    assert (response.status_code, response.json()) == (status, {"error": message})


def test_ask_refuses_broken_json(client: TestClient) -> None:
    """A body that is not JSON is 400."""
    response = client.post("/api/ask", content='{"q": "谁'.encode(), headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, {"error": "the request body is not valid JSON"})


def test_body_over_the_cap_is_413(make_client: Callable[..., TestClient]) -> None:
    """A body over max_body is refused with 413, whether its length is declared or streamed."""
    client = make_client(max_body=1024)
    big = '{"q": "' + "规" * 2000 + '"}'
    declared = client.post("/api/ask", content=big.encode(), headers={"Content-Type": "application/json"})
    assert (declared.status_code, declared.json()) == (413, {"error": "request body over 1024 bytes"})
    streamed = client.post("/api/ask", content=iter([big.encode()[:600], big.encode()[600:]]),
                           headers={"Content-Type": "application/json"})
    assert "content-length" not in streamed.request.headers
    assert (streamed.status_code, streamed.json()) == (413, {"error": "request body over 1024 bytes"})
    assert ask(client, "谁负责规章集中公开？")["no_answer"] is False  # a body under the cap passes


def test_hostile_question_is_data_not_markup(client: TestClient) -> None:
    """The XSS question is answered as JSON (never HTML) and logged as typed."""
    response = client.post("/api/ask", json={"q": XSS})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["query"] == XSS
    assert response.json()["no_answer"] is True


# --- the plans ------------------------------------------------------------------------------------


def test_docs_lists_the_plans(client: TestClient) -> None:
    """GET /api/docs: every plan with its metadata and item count."""
    docs = {d["id"]: d for d in client.get("/api/docs").json()}
    assert set(docs) == DOCS
    assert docs["zhanjiang-2021"]["title"] == "湛江市2021年政务公开工作要点分工方案"
    assert docs["zhanjiang-2021"]["number"] == "湛府办〔2021〕15号"
    assert docs["zhanjiang-2021"]["region"] == "湛江市"
    health = client.get("/healthz").json()
    assert health == {"status": "ok", "documents": 5, "items": sum(d["items"] for d in docs.values())}


def test_items_of_a_plan(client: TestClient) -> None:
    """GET /api/items?doc=: every item of one plan, in order."""
    items = client.get("/api/items", params={"doc": "zhanjiang-2021"}).json()
    assert items[0]["item"] == "1"
    assert items[0]["lead_units"] == ["市政府办公室"]
    assert items[25]["item"] == "26"
    assert items[25]["deadline"] == "2021年9月前"


def test_one_item_with_its_source(client: TestClient) -> None:
    """GET /api/item/{doc}/{number}, prose numbers (with a space) included."""
    item = client.get("/api/item/zhanjiang-2021/26").json()
    assert item["source"] == "《湛江市2021年政务公开工作要点分工方案》（湛府办〔2021〕15号） 第26项"
    assert item["other_units"] == ["各县（市、区）政府（管委会）", "市政府办公室", "市政务服务数据管理局", "市司法局"]
    assert item["text"].startswith("全面推进规章集中统一公开，2021年底前将本地区现行有效规章")
    prose = client.get("/api/item/jinping-2020/汕头市 一").json()
    assert prose["task"] == "抓紧推进基层政务公开标准化规范化工作。"
    assert prose["other_units"] == ["各区县政府", "市直相关部门"]


def test_units_with_their_counts(client: TestClient) -> None:
    """GET /api/units?region=: every body with its item and lead counts."""
    units = {u["unit"]: u for u in client.get("/api/units", params={"region": "湛江"}).json()}
    assert units["市司法局"]["items"] == 4
    assert units["市政府办公室"] == {"unit": "市政府办公室", "items": 13, "lead": 6}
    assert "市直各单位" not in units  # a collective name is no body
    everywhere = {u["unit"]: u for u in client.get("/api/units").json()}
    assert everywhere["市政府办公室"]["items"] > 13


def test_due_by_date_region_and_unit(client: TestClient) -> None:
    """GET /api/due: items due by a date, of a region or a unit, the earliest first."""
    due = client.get("/api/due", params={"before": "2021-09-30", "region": "湛江"}).json()
    assert [(i["doc"], i["item"], i["due"]) for i in due[:3]] == [
        ("zhanjiang-2021", "1", "2021-09-30"), ("zhanjiang-2021", "2", "2021-09-30"), ("zhanjiang-2021", "15", "2021-09-30")]
    assert {i["doc"] for i in due} == {"zhanjiang-2021"}
    unit = client.get("/api/due", params={"unit": "市司法局", "region": "湛江"}).json()
    assert [(i["item"], i["deadline"]) for i in unit] == [("26", "2021年9月前")]
    early = client.get("/api/due", params={"before": "2020-12-31"}).json()
    assert early and all(i["due"] <= "2020-12-31" for i in early)
    assert early[0]["doc"] == "jinping-2020"


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"before": "2021-13-01"}, 400, "before: not a date as YYYY-MM-DD: '2021-13-01'"),
        ({"before": "9月前"}, 400, "before: not a date as YYYY-MM-DD: '9月前'"),
        ({"region": "火星"}, 404, "no plan for region '火星' (known: 开平市、汕头市、汕头市金平区、汕尾市红海湾经济开发区、湛江市)"),
    ],
)
def test_due_refuses_bad_filters(client: TestClient, params: dict, status: int, message: str) -> None:
    """A date that is no date is 400; an unknown region is 404."""
    response = client.get("/api/due", params=params)
    assert (response.status_code, response.json()) == (status, {"error": message})


def test_due_names_units_it_may_mean(client: TestClient) -> None:
    """An unknown unit is 404 with the units it may have meant."""
    response = client.get("/api/due", params={"unit": "火星局"})
    assert response.status_code == 404
    assert response.json()["error"].startswith("no unit '火星局' (did you mean: ")


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/items", {"doc": "nowhere-2021"}, 404, "no document 'nowhere-2021' (see /api/docs)"),
        ("/api/items", {}, 422, "query.doc: Field required"),
        ("/api/item/zhanjiang-2021/999", {}, 404, "no item '999' in document 'zhanjiang-2021'"),
        ("/api/item/nowhere/1", {}, 404, "no item '1' in document 'nowhere'"),
        ("/api/units", {"region": "火星"}, 404, "no plan for region '火星' (known: 开平市、汕头市、汕头市金平区、汕尾市红海湾经济开发区、湛江市)"),
        ("/api/nothing", {}, 404, "no such page"),
        ("/api/ask", {}, 405, "method not allowed"),
    ],
)
def test_lookups_refuse_unknowns(client: TestClient, path: str, params: dict, status: int, message: str) -> None:
    """Unknown plans, items, regions and routes are JSON errors."""
    response = client.get(path, params=params)
    assert (response.status_code, response.json()) == (status, {"error": message})


# --- feedback -------------------------------------------------------------------------------------


def test_feedback_is_logged_once(client: TestClient, db: Path) -> None:
    """👍 on an answer of this session is logged with the question; a second vote is 409."""
    data = ask(client, "湛江市司法局负责哪些工作？")
    vote = {"question_id": data["question_id"], "vote": "up", "session": data["session"]}
    assert client.post("/api/feedback", json=vote).status_code == 204
    logged = next(r for r in Store(db).question_log() if r["id"] == data["question_id"])
    assert (logged["question"], logged["up"], logged["down"]) == ("湛江市司法局负责哪些工作？", 1, 0)
    again = client.post("/api/feedback", json=vote)
    assert (again.status_code, again.json()) == (409, {"error": "this answer has feedback already"})


def test_feedback_refuses_other_sessions_questions(client: TestClient) -> None:
    """A question id not answered in this session, or a bad vote, is refused."""
    data = ask(client, "谁负责规章集中公开？")
    stranger = TestClient(client.app)
    response = stranger.post("/api/feedback", json={"question_id": data["question_id"], "vote": "down"})
    assert (response.status_code, response.json()) == (404, {"error": f"no question {data['question_id']} in this session"})
    bad = client.post("/api/feedback", json={"question_id": data["question_id"], "vote": "sideways"})
    assert (bad.status_code, bad.json()) == (422, {"error": "vote: Input should be 'up' or 'down'"})


# --- pages and safety -----------------------------------------------------------------------------


def test_chat_page_has_no_inline_script(client: TestClient) -> None:
    """The page loads its script from a file, and the CSP forbids inline script."""
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert re.findall(r"<script[^>]*>", response.text) == ['<script src="/static/chat.js" defer>']
    assert 'aria-live="polite"' in response.text and '<label for="q">' in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert client.get("/static/chat.js").headers["content-type"].startswith("text/javascript")


def test_openapi_lists_every_route_with_its_errors(client: TestClient) -> None:
    """/openapi.json names every API route, errors in the {"error"} shape; /docs is our own page."""
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/healthz", "/api/ask", "/api/examples", "/api/docs", "/api/items", "/api/item/{doc}/{number}",
        "/api/units", "/api/due", "/api/feedback", "/admin/login", "/admin/logout", "/admin/stats", "/admin/questions.csv"}
    feedback = spec["paths"]["/api/feedback"]["post"]["responses"]
    assert feedback["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    docs = client.get("/docs")
    assert docs.status_code == 200 and '<script src="/static/apidocs.js" defer>' in docs.text


def test_embedding_origins_are_a_setting(make_client: Callable[..., TestClient]) -> None:
    """The allowed origins may frame the chat and call the API; the staff page is never framed."""
    client = make_client(allowed_origins=["https://www.example.gov.cn"])
    assert "frame-ancestors 'self' https://www.example.gov.cn" in client.get("/").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in client.get("/admin").headers["content-security-policy"]
    widget = client.get("/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "政策问答" in widget.text
    allowed = client.get("/api/docs", headers={"Origin": "https://www.example.gov.cn"})
    assert allowed.headers["access-control-allow-origin"] == "https://www.example.gov.cn"
    other = client.get("/api/docs", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


def test_bad_origin_setting_is_refused() -> None:
    """An origin that would change the CSP header is not accepted as a setting."""
    with pytest.raises(ValueError, match="allowed origin 'https://a.cn; script-src \\*' is not scheme://host"):
        Settings(_env_file=None, allowed_origins=["https://a.cn; script-src *"])


def test_rate_limit_per_client(make_client: Callable[..., TestClient]) -> None:
    """Over web_rate_limit API requests a minute, a client gets 429 with Retry-After."""
    client = make_client(web_rate_limit=3)
    assert [client.get("/api/examples").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/examples")
    assert (refused.status_code, refused.json()) == (429, {"error": "too many requests: please wait a minute"})
    assert refused.headers["retry-after"] == "60"
    assert client.get("/").status_code == 200  # the page itself is not counted


def test_unexpected_error_is_json_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash inside a route is a JSON 500 without the traceback."""
    web = client.app.state.web

    def broken(*_: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(web.answerer, "ask", broken)
    response = client.post("/api/ask", json={"q": "谁负责规章集中公开？"})
    assert (response.status_code, response.json()) == (500, {"error": "internal error"})


def test_busy_log_costs_no_answer(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A question log held by a rebuild: the answer comes anyway (without a question id); a vote is 503."""
    asked = ask(client, "谁负责规章集中公开？")
    web = client.app.state.web

    def locked(*_: object) -> None:
        raise IndexLocked("policyqa.db is being rebuilt")

    monkeypatch.setattr(web.log, "record_question", locked)
    monkeypatch.setattr(web.log, "record_feedback", locked)
    data = ask(client, "湛江市司法局负责哪些工作？")
    assert (data["question_id"], data["heading"]) == (None, "市司法局 负责以下 4 项：")
    vote = client.post("/api/feedback", json={"question_id": asked["question_id"], "vote": "up"})
    assert (vote.status_code, vote.json()) == (503, {"error": "the question log is busy: please try again"})


# --- staff ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/stats", "/admin/questions.csv"])
def test_staff_routes_refuse_without_a_session(client: TestClient, path: str) -> None:
    """Without logging in: 401; with no password configured: 403."""
    response = client.get(path)
    assert (response.status_code, response.json()) == (401, {"error": "log in at /admin first"})
    client.cookies.set("policyqa_admin", "guessed-token", path="/admin")
    assert client.get(path).status_code == 401


def test_staff_page_is_off_without_a_password(make_client: Callable[..., TestClient]) -> None:
    """No POLICYQA_ADMIN_PASSWORD_HASH: every staff route is 403."""
    client = make_client(admin_password_hash=None)
    off = {"error": "the staff page is off: set POLICYQA_ADMIN_PASSWORD_HASH"}
    for response in (client.get("/admin"), client.get("/admin/stats"), client.post("/admin/login", json={"password": ""})):
        assert (response.status_code, response.json()) == (403, off)


def test_wrong_password_is_401(client: TestClient) -> None:
    """A wrong password gets no session; the login form is what /admin shows."""
    assert login(client, "guess") == 401
    assert "set-cookie" not in client.post("/admin/login", json={"password": "guess"}).headers
    page = client.get("/admin")
    assert page.status_code == 401
    assert '<input id="password" name="password" type="password"' in page.text


def test_staff_page_after_login(client: TestClient) -> None:
    """Login sets an HttpOnly, SameSite=strict cookie; the page and stats follow; logout ends it."""
    response = client.post("/admin/login", json={"password": PASSWORD})
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert client.get("/admin").status_code == 200
    assert "每日提问数" in client.get("/admin").text
    assert client.post("/admin/logout").status_code == 204
    assert client.get("/admin/stats").status_code == 401


def test_stats_show_what_staff_need(client: TestClient) -> None:
    """Per day, most asked, not covered, 👎 answers with their question, plans with ingest reports."""
    ask(client, "谁负责规章集中公开？")
    missing = ask(client, "公共厕所谁来打扫？")
    disliked = ask(client, "汕头市政府公报电子化是谁牵头？")
    client.post("/api/feedback", json={"question_id": disliked["question_id"], "vote": "down"})
    assert login(client) == 204
    stats = client.get("/admin/stats").json()
    assert stats["per_day"][-1]["n"] >= 3
    assert "谁负责规章集中公开？" in [r["question"] for r in stats["most_asked"]]
    assert missing["no_answer"] and "公共厕所谁来打扫？" in [r["question"] for r in stats["unanswered"]]
    down = next(r for r in stats["down_voted"] if r["id"] == disliked["question_id"])
    assert (down["question"], down["items"][0], down["n"]) == ("汕头市政府公报电子化是谁牵头？", "shantou-2021 32", 1)
    plans = {p["id"]: p for p in stats["plans"]}
    assert set(plans) == DOCS
    assert plans["zhanjiang-2021"]["report"]["items"] == 50
    assert plans["zhanjiang-2021"]["report"]["layout"].startswith("text: ")  # the reader names the layout


def test_csv_export_of_the_log(client: TestClient) -> None:
    """The question log as CSV; a cell a spreadsheet would run as a formula is made inert."""
    formula = "=HYPERLINK(\"http://x\",\"点我\")"
    ask(client, formula)
    ask(client, "湛江市司法局负责哪些工作？")
    assert login(client) == 204
    response = client.get("/admin/questions.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert list(rows[0]) == ["id", "at", "chat", "question", "intent", "items", "latency_ms", "no_answer", "up", "down"]
    questions = [r["question"] for r in rows]
    assert "'" + formula in questions and formula not in questions
    assert "湛江市司法局负责哪些工作？" in questions
    assert all(re.fullmatch(r"[0-9a-f]{16}", r["chat"]) for r in rows)


def test_logs_hold_no_password_and_no_address(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """The server log and the question log hold neither the password nor the client's address."""
    caplog.set_level(logging.DEBUG)
    login(client, "a wrong password")
    login(client)
    data = ask(client, "谁负责规章集中公开？")
    assert "/admin/login 204" in caplog.text and "/api/ask 200" in caplog.text
    assert PASSWORD not in caplog.text and "a wrong password" not in caplog.text
    assert "testclient" not in caplog.text  # TestClient's client address
    stats = client.get("/admin/questions.csv").text
    assert "testclient" not in stats and data["session"] not in stats and PASSWORD not in stats


# --- passwords and the command ------------------------------------------------------------------


def test_password_hash_round_trip() -> None:
    """The stored hash is salted and checks only the right password; a malformed hash checks nothing."""
    stored = hash_password("对的")
    assert stored.startswith("scrypt:16384:8:1:") and "对的" not in stored
    assert stored != hash_password("对的")
    assert check_password("对的", stored) is True
    assert check_password("错的", stored) is False
    assert check_password("对的", "md5:abc") is False
    assert check_password("对的", "scrypt:x:8:1:00:00") is False


def test_cli_prints_a_password_hash(clean_env: Path) -> None:
    """`policyqa web --hash-password` asks twice and prints the setting line."""
    result = CliRunner().invoke(cli, ["web", "--hash-password"], input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    name, _, stored = line.partition("=")
    assert name == "POLICYQA_ADMIN_PASSWORD_HASH"
    assert check_password("s3cret", stored)
