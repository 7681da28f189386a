"""The web chat in a real Chromium (Debian's package, driven by Playwright) against `policyqa web` on 127.0.0.1.

Each test leaves a screenshot of the page as it ended in its tmp dir (screenshot.png).
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect, sync_playwright

from bot.web_guard import hash_password
from index.store import Store
from tests.test_web_api import XSS, copy_index
from tests.web_server import free_port, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "后台密码-2021"


@dataclass
class Server:
    """`policyqa web` running on 127.0.0.1, and the embedding site allowed to frame it."""

    url: str
    db: Path
    embedder: str  # origin of a page allowed to embed the chat
    process: subprocess.Popen = field(repr=False)


@pytest.fixture(scope="module")
def server(index_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`policyqa web --port P` over a copy of the session's index, with a staff password and one embedder."""
    db = copy_index(index_db, tmp_path_factory.mktemp("web-browser") / "policyqa.db")
    port, embed_port = free_port(), free_port()
    embedder = f"http://127.0.0.1:{embed_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env |= {"POLICYQA_ADMIN_PASSWORD_HASH": hash_password(PASSWORD), "POLICYQA_ALLOWED_ORIGINS": json.dumps([embedder])}
    command = [str(Path(sys.executable).parent / "policyqa"), "web", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)]
    process = subprocess.Popen(command, env=env, cwd=db.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield Server(url, db, embedder, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's Chromium: apt-get install -y chromium (make test does it as root)",
                    pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@dataclass
class Chat:
    """A browser tab on the chat page, with what the page reported."""

    page: Page
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt the page opened

    def ask(self, question: str) -> Locator:
        """Type a question, press Enter, and return the answer that appears."""
        before = self.page.locator(".answer").count()
        self.page.get_by_label("您的问题").fill(question)
        self.page.get_by_label("您的问题").press("Enter")
        expect(self.page.locator(".answer")).to_have_count(before + 1)
        return self.page.locator(".answer").last


@pytest.fixture
def chat(server: Server, browser: Browser, tmp_path: Path) -> Iterator[Chat]:
    """A fresh browser context on the chat page; its screenshot is saved after the test."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    found = Chat(page)
    page.on("console", lambda message: found.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: found.errors.append(str(exc)))

    def dismiss(dialog: Dialog) -> None:
        found.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(server.url + "/")
    yield found
    page.screenshot(path=str(tmp_path / "screenshot.png"), full_page=True)
    context.close()


def test_question_shows_units_deadline_and_source(chat: Chat) -> None:
    """Typed and sent with Enter: the item, its units, its deadline and its source."""
    answer = chat.ask("湛江谁负责规章集中公开？")
    expect(answer.locator("h3").first).to_have_text("湛江市《湛江市2021年政务公开工作要点分工方案》 第26项")
    expect(answer).to_contain_text("责任单位：各县（市、区）政府（管委会）、市政府办公室、市政务服务数据管理局、市司法局")
    expect(answer).to_contain_text("完成时限：2021年9月前")
    expect(answer.locator("blockquote").first).to_contain_text("全面推进规章集中统一公开")
    assert chat.errors == []


def test_lead_unit_is_marked(chat: Chat) -> None:
    """The lead unit carries a 牵头 mark."""
    answer = chat.ask("湛江谁负责规划主动公开？")
    expect(answer.locator(".units").first).to_have_text("市政府办公室牵头、各县（市、区）政府（管委会）、市直各单位")
    expect(answer.locator("mark.lead-tag").first).to_have_text("牵头")
    assert chat.errors == []


def test_other_regions_are_folded(chat: Chat) -> None:
    """The same task elsewhere is listed folded, and opens on a click."""
    answer = chat.ask("谁负责规章集中公开？")
    others = answer.locator("details.others").last
    expect(others.locator(":scope > summary")).to_contain_text("其他地区的同一任务")
    shantou = others.locator("li").filter(has_text="《汕头市2021年政务公开工作要点分工方案》 第25项")
    expect(shantou).to_be_hidden()
    others.locator(":scope > summary").click()
    expect(shantou).to_be_visible()
    assert chat.errors == []


def test_follow_ups(chat: Chat) -> None:
    """A follow-up keeps the topic in a new place, then asks about the item shown."""
    chat.ask("谁负责规章集中公开？")
    there = chat.ask("那湛江呢？")
    expect(there.locator(".context")).to_have_text("按上一问理解为：湛江 · 规章集中公开")
    expect(there).to_contain_text("市司法局")
    when = chat.ask("它什么时候完成？")
    expect(when.locator("p").nth(2)).to_have_text("完成时限：2021年9月前")
    assert chat.errors == []


def test_thumbs_up_is_logged(chat: Chat, server: Server) -> None:
    """👍 thanks the user and lands in the question log with its question."""
    answer = chat.ask("湛江政府网站支持IPv6要在什么时候前完成？")
    answer.get_by_role("button", name="有帮助", exact=True).click()
    expect(answer.locator(".feedback")).to_have_text("谢谢您的反馈！")
    logged = [r for r in Store(server.db).question_log() if r["question"] == "湛江政府网站支持IPv6要在什么时候前完成？"]
    assert [(r["up"], r["down"]) for r in logged] == [(1, 0)]
    assert chat.errors == []


def test_hostile_question_is_shown_as_text(chat: Chat) -> None:
    """The XSS question shows as typed, adds no element and opens no dialog."""
    answer = chat.ask(XSS)
    expect(chat.page.locator(".question").last).to_have_text(XSS)
    expect(answer).to_contain_text("没有找到相关内容")
    assert chat.page.locator("#log img").count() == 0
    chat.page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert chat.dialogs == []
    assert chat.errors == []


def test_what_falls_due(chat: Chat) -> None:
    """A question about a time lists what falls due, under its first line."""
    answer = chat.ask("湛江9月前要完成哪些？")
    expect(answer.locator("p.label").first).to_contain_text("按期限要完成的条目共 8 项")
    expect(answer.locator("li").first).to_contain_text("完成时限：2021年9月前")
    assert chat.errors == []


def test_example_buttons_ask(chat: Chat) -> None:
    """The example questions (index/data/examples.txt) are buttons that ask."""
    chat.page.get_by_role("button", name="湛江市司法局负责哪些工作？").click()
    answer = chat.page.locator(".answer").last
    expect(answer.locator("p.label").first).to_have_text("市司法局 负责以下 4 项：")
    assert chat.errors == []


def test_large_text_switch(chat: Chat) -> None:
    """The large-text switch scales the page's text, says it is on, and is remembered."""
    page = chat.page
    switch = page.get_by_role("button", name="大字模式")
    size = "getComputedStyle(document.getElementById('q')).fontSize"
    assert page.evaluate(size) == "16px"
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(size) == "22px"
    page.reload()
    expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(size) == "22px"
    assert chat.errors == []


def test_page_fits_a_phone_and_speaks_to_screen_readers(chat: Chat) -> None:
    """No sideways scrolling at phone width; the answers are a live region; the input is labelled."""
    chat.ask("湛江市司法局负责哪些工作？")
    assert chat.page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(chat.page.locator("#log")).to_have_attribute("aria-live", "polite")
    expect(chat.page.get_by_label("您的问题")).to_be_focused()
    assert chat.errors == []


def test_staff_page(chat: Chat) -> None:
    """Staff log in with the password and see the chart and the log's tables."""
    chat.ask("公共厕所谁来打扫？")
    page = chat.page
    page.goto(page.url + "admin")
    page.get_by_label("管理员密码").fill("not it")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("密码不正确。")
    page.get_by_label("管理员密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#chart svg rect.bar").first).to_be_visible()
    expect(page.locator("#unanswered")).to_contain_text("公共厕所谁来打扫？")
    expect(page.locator("#plans")).to_contain_text("湛江市2021年政务公开工作要点分工方案")
    # the login form comes with 401 and the wrong password got 401: Chromium logs both loads, nothing else
    assert [e for e in chat.errors if "status of 401 (Unauthorized)" not in e] == []
    assert len(chat.errors) == 2


def test_api_reference_page(chat: Chat, server: Server) -> None:
    """/docs draws the API from /openapi.json without a CDN."""
    chat.page.goto(server.url + "/docs")
    expect(chat.page.get_by_role("heading", name="POST /api/ask")).to_be_visible()
    expect(chat.page.locator("section").filter(has_text="GET /api/due")).to_contain_text("before")
    assert chat.errors == []


@pytest.fixture
def embedding_site(server: Server) -> Iterator[str]:
    """A page on another origin that embeds the chat with /widget.js."""
    page = f'<!doctype html><html lang="zh-CN"><body><h1>某某市人民政府</h1><script src="{server.url}/widget.js"></script></body></html>'

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            """Quiet."""

    port = int(server.embedder.rsplit(":", 1)[1])
    site = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield server.embedder
    site.shutdown()
    site.server_close()


def test_widget_embeds_the_chat(chat: Chat, embedding_site: str) -> None:
    """On an allowed site, the floating 政策问答 button opens the chat in a frame that answers."""
    page = chat.page
    page.goto(embedding_site + "/")
    page.get_by_role("button", name="政策问答").click()
    frame = page.frame_locator("iframe[title='政策问答']")
    frame.get_by_label("您的问题").fill("湛江谁负责规章集中公开？")
    frame.get_by_label("您的问题").press("Enter")
    expect(frame.locator(".answer").last).to_contain_text("市司法局")
    assert chat.errors == []
