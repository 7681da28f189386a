"""Plans by web address: a local server on 127.0.0.1 serves pages in the shapes government sites use
(plan as a table in the page; a prose notice with .xlsx and .docx attachments; the same plan as page
and attachment; a redirect; a 404; a huge body; a page with no plan), and `policyqa ingest URL` reads them.
"""

from __future__ import annotations

import html
import json
import re
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from index.errors import FetchError
from index.fetch import fetch_plans, make_client, read_page
from make_fixtures import make_docx, make_html, make_xlsx
from test_readers import EXPECTED as ZJ_ROWS
from test_readers import GRID as ZJ_GRID
from test_readers import MERGES as ZJ_MERGES
from test_roundtrip import GOLD, GRID, MERGES, TITLE, gold_rows

REAL_PLANS = sorted((Path(__file__).parent / "data" / "plans" / "docs").glob("*.txt"))
ZJ_TITLE = "湛江市2021年政务公开工作任务分工方案"
XLSX_LINK = f"附件1：{TITLE}.xlsx"
DOCX_LINK = f"附件2：{ZJ_TITLE}.docx"

CHROME_TOP = """<div class="top-nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></div>
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>"""
CHROME_BOTTOM = """<div class="related"><a href="/zwgk/post_1.html">关于印发2020年政务公开工作要点的通知</a>
<a href="/zwgk/post_2.html">2021年政府信息公开工作年度报告</a></div>
<div id="footer">主办：测试市人民政府办公室　地址：测试市人民大道1号　电话：0759-1234567　备案号：粤ICP备00000000号</div>"""
INFO = """<table class="xxgk-info"><tr><td>索引号：007-2021-00123</td><td>发布机构：测试市人民政府办公室</td></tr>
<tr><td>成文日期：2021年6月28日</td><td>文号：测府办〔2021〕15号</td></tr></table>"""


def gov_page(title: str, content: str, info: str = INFO) -> bytes:
    """A page as a government site lays it out: menus, breadcrumbs, the article, related links, footer."""
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="PubDate" content="2021-07-01 09:30">
<title>{html.escape(title)}_测试市人民政府门户网站</title></head><body>{CHROME_TOP}
<div class="article"><h1>{html.escape(title)}</h1>{info}<div id="zoom">{content}</div></div>
{CHROME_BOTTOM}</body></html>""".encode("gb18030")


def table_html(rows: list[list[str]], merges, folder: Path) -> str:
    """The <table> make_html writes for these rows."""
    page = make_html(rows, folder / "table.html", merges).read_text(encoding="utf-8")
    return re.search(r"<table>.*</table>", page, re.DOTALL).group(0)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local web server with the pages and files below; yields its base address."""
    folder = tmp_path_factory.mktemp("site")
    xlsx = make_xlsx(GRID, folder / "P020210701.xlsx", MERGES, title=TITLE).read_bytes()
    docx = make_docx(ZJ_GRID, folder / "P020210702.docx", ZJ_MERGES).read_bytes()
    table = table_html(GRID, MERGES, folder)
    prose = ("<p>各县（市、区）人民政府，市府直属各单位：</p><p>经市人民政府同意，现将《测试市2021年政务公开工作要点分工方案》"
             "印发给你们，请认真贯彻执行。</p><p>测试市人民政府办公室</p><p>2021年6月28日</p>")
    attachments = (f'<p><a href="/fj/P020210701.xlsx">{XLSX_LINK}</a></p>'
                   f'<p><a href="/fj/download.jsp?id=2">{DOCX_LINK}</a></p>')
    about = "<p>测试市位于广东省西南部，是一座美丽的海滨城市。</p><p>欢迎来到测试市人民政府门户网站。</p>"
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/zwgk/post_101.html": (200, {"Content-Type": "text/html"}, gov_page(TITLE, f"<p>{TITLE}</p>{table}")),
        "/zwgk/post_102.html": (200, {"Content-Type": "text/html"}, gov_page(f"关于印发{TITLE}的通知", prose + attachments)),
        "/zwgk/post_103.html": (200, {"Content-Type": "text/html"},
                                gov_page(TITLE, table + f'<p><a href="/fj/P020210701.xlsx">{XLSX_LINK}</a></p>')),
        "/fj/P020210701.xlsx": (200, {"Content-Type": "application/octet-stream"}, xlsx),
        "/fj/download.jsp": (200, {"Content-Type": "application/octet-stream",
                                   "Content-Disposition": 'attachment; filename="P020210702.docx"'}, docx),
        "/old/plan.html": (301, {"Location": "/zwgk/post_101.html"}, b""),
        "/loop.html": (302, {"Location": "/loop.html"}, b""),
        "/about.html": (200, {"Content-Type": "text/html"}, gov_page("测试市概况", about, info="")),
        "/plan.xlsx": (200, {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, xlsx),
    }
    for plan in REAL_PLANS:  # real plans' text as a page shows it: preformatted, in the site's frame
        text = html.escape(plan.read_text(encoding="utf-8"))
        routes[f"/real/{plan.stem}.html"] = (200, {"Content-Type": "text/html"}, gov_page("", f"<pre>{text}</pre>", ""))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            path = self.path.split("?")[0]
            if path == "/huge.html":  # streamed, no Content-Length: the client must count
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(40):
                    self.wfile.write(b"<p>" + "很长的页面".encode() * 2000 + b"</p>")
                return
            status, headers, body = routes.get(path, (404, {"Content-Type": "text/html"}, b"<h1>404</h1>"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()



def test_page_with_the_plan_as_a_table(site: str, tmp_path: Path) -> None:
    result = fetch_plans(f"{site}/zwgk/post_101.html", tmp_path, "ceshi-2021")
    assert (result.errors, result.notes) == ([], [])
    [plan] = result.plans
    assert plan.entry == {"id": "ceshi-2021", "file": "ceshi-2021.html", "title": TITLE, "date": "2021-07-01",
                          "number": "测府办〔2021〕15号", "url": f"{site}/zwgk/post_101.html", "region": "测试市",
                          "year": 2021}
    assert plan.origin == "the page's main content"
    assert plan.taken == {"title": "the page's title", "date": "the page", "number": "the page"}
    kept = plan.path.read_text(encoding="utf-8")
    assert "备案号" not in kept and "当前位置" not in kept and "年度报告" not in kept  # chrome left behind
    catalog = tomllib.loads((tmp_path / "catalog.toml").read_text(encoding="utf-8"))
    assert catalog["document"] == [plan.entry]


def test_prose_page_with_xlsx_and_docx_attachments(site: str, tmp_path: Path) -> None:
    result = fetch_plans(f"{site}/zwgk/post_102.html", tmp_path, "ceshi-2021")
    assert result.errors == []
    assert result.notes == [f"{site}/zwgk/post_102.html: no plan in the page itself (no table or numbered items)"]
    xlsx, docx = result.plans
    assert (xlsx.entry["id"], xlsx.entry["file"], xlsx.entry["title"], xlsx.entry["url"]) == (
        "ceshi-2021-1", "ceshi-2021-1.xlsx", TITLE, f"{site}/fj/P020210701.xlsx")
    assert xlsx.taken["title"] == "the file's own title line"
    assert (docx.entry["id"], docx.entry["file"], docx.entry["title"], docx.entry["url"]) == (
        "ceshi-2021-2", "ceshi-2021-2.docx", ZJ_TITLE, f"{site}/fj/download.jsp?id=2")
    assert docx.taken["title"] == "the link text"
    assert docx.origin == f"attachment {DOCX_LINK!r} of {site}/zwgk/post_102.html"
    assert (docx.entry["number"], docx.entry["date"], docx.entry["region"]) == ("测府办〔2021〕15号", "2021-07-01", "湛江市")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.toml", "ceshi-2021-1.xlsx", "ceshi-2021-2.docx"]


def test_page_and_attachment_holding_the_same_plan_are_one_plan(site: str, tmp_path: Path) -> None:
    result = fetch_plans(f"{site}/zwgk/post_103.html", tmp_path)
    [plan] = result.plans
    assert plan.entry["id"] == "post_103"
    assert result.notes == [f"the page's main content and attachment {XLSX_LINK!r} of {site}/zwgk/post_103.html "
                            "are the same plan (7 items): kept attachment "
                            f"{XLSX_LINK!r} of {site}/zwgk/post_103.html"]


def test_redirect_is_followed_and_the_final_address_recorded(site: str, tmp_path: Path) -> None:
    [plan] = fetch_plans(f"{site}/old/plan.html", tmp_path, "ceshi-2021").plans
    assert plan.entry["url"] == f"{site}/zwgk/post_101.html"


def test_an_address_to_a_file_is_the_plan_itself(site: str, tmp_path: Path) -> None:
    [plan] = fetch_plans(f"{site}/plan.xlsx", tmp_path).plans
    assert (plan.entry["id"], plan.entry["file"], plan.origin) == ("plan", "plan.xlsx", "the file itself")
    assert (plan.entry["title"], plan.taken["title"]) == (TITLE, "the file's own title line")


@pytest.mark.parametrize(("path", "message"), [
    ("/missing.html", "HTTP 404 Not Found"),
    ("/loop.html", "more than 5 redirects"),
    ("/huge.html", "larger than 1 MB"),
    ("/about.html", "no plan found: no table or numbered items on the page, and no plan attachment"),
])
def test_failures_are_one_line_errors_naming_the_address(site: str, tmp_path: Path, path: str, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_plans(f"{site}{path}", tmp_path, max_bytes=2**20)
    assert str(caught.value) == f"{site}{path}: {message}"
    assert not (tmp_path / "catalog.toml").exists()


def test_only_http_addresses(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"^ftp://example\.org/plan\.xls: only http:// and https:// addresses"):
        fetch_plans("ftp://example.org/plan.xls", tmp_path)


def test_timeout_is_a_one_line_error(tmp_path: Path) -> None:
    """A server that accepts and never answers."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    address = f"http://127.0.0.1:{listener.getsockname()[1]}/slow.html"
    try:
        with pytest.raises(FetchError) as caught:
            fetch_plans(address, tmp_path, client=make_client(timeout=0.2))
    finally:
        listener.close()
    assert str(caught.value) == f"{address}: no answer within 0.2 s"


def test_page_metadata_from_labels_when_no_meta() -> None:
    page = read_page("<html><head><title>某县2022年政务公开工作要点分工方案 - 某县政府网</title></head><body>"
                     "<div>发布时间：2022/3/5</div><div>发文字号：某府办[2022]7号</div><p>正文</p></body></html>",
                     "http://127.0.0.1/a.html")
    assert (page.title, page.date, page.number) == ("某县2022年政务公开工作要点分工方案", "2022-03-05", "某府办〔2022〕7号")


# --- the command line ------------------------------------------------------------------------------


def run(*args: str) -> Result:
    """Invoke `policyqa` in-process."""
    return CliRunner().invoke(cli, list(args))


def test_cli_ingest_by_address_then_rebuild_without_network(
    site: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = clean_env / "corpus"
    monkeypatch.setenv("POLICYQA_CORPUS", str(corpus))
    db = str(clean_env / "index.db")
    fetched = run("ingest", f"{site}/zwgk/post_102.html", "--doc-id", "ceshi-2021", "--db", db)
    assert fetched.exit_code == 0, fetched.output
    assert (f"ceshi-2021-1 <- attachment {XLSX_LINK!r} of {site}/zwgk/post_102.html ({site}/fj/P020210701.xlsx), "
            f"kept as {corpus / 'ceshi-2021-1.xlsx'}; title from the file's own title line; date, number from the page"
            ) in fetched.stderr
    assert "ceshi-2021-1 (xlsx-table: table rows): 7 items, 0 without a unit, 7 with a deadline" in fetched.stderr
    assert "ceshi-2021-2 (docx-table: table rows): 6 items" in fetched.stderr

    asked = run("ask", "--db", db, "--json", "在测试市谁负责公开市场准入负面清单？")
    top = json.loads(asked.output)["answers"][0]
    assert (top["doc"], top["item"], top["lead_units"]) == ("ceshi-2021-1", "3", ["市发展改革局", "市商务局", "市市场监管局"])

    rebuilt = run("ingest", "--db", str(clean_env / "offline.db"))  # the corpus folder alone, no address
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "indexed 2 documents, 13 items" in rebuilt.stderr
    items = json.loads(run("items", "--db", str(clean_env / "offline.db"), "--doc", "ceshi-2021-2", "--json").output)
    assert [i["item"] for i in items] == ["7", "8", "9", "26", "27", "31"]
    assert items[0]["units"] == "".join(ZJ_ROWS[2][2].split())


def test_cli_bad_address_is_one_line_and_exit_1(site: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYQA_CORPUS", str(clean_env / "corpus"))
    result = run("ingest", f"{site}/missing.html", "--db", str(clean_env / "index.db"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"error: {site}/missing.html: HTTP 404 Not Found"


def test_gold_items_from_the_fetched_page(site: str, tmp_path: Path) -> None:
    """The page's table, read from the kept main content, gives the gold items."""
    from index.corpus import ingest

    [plan] = fetch_plans(f"{site}/zwgk/post_101.html", tmp_path, "ceshi-2021").plans
    [parsed] = ingest([plan.path]).parsed
    assert parsed.layout == "html-table: table rows"
    assert gold_rows(parsed.items) == GOLD


@pytest.mark.parametrize("plan", REAL_PLANS, ids=[p.stem for p in REAL_PLANS])
def test_real_plan_as_preformatted_page_reads_as_its_text(site: str, tmp_path: Path, plan: Path) -> None:
    """A page showing a plan's text as written gives the same items as the text file."""
    from index.corpus import ingest

    [fetched] = fetch_plans(f"{site}/real/{plan.stem}.html", tmp_path / "corpus", "real").plans
    assert fetched.path.name == "real.txt"
    [from_page] = ingest([fetched.path]).parsed
    [from_file] = ingest([plan], overrides={"id": "real"}).parsed
    assert [(i.number, i.text, i.units, i.deadline) for i in from_page.items] == [
        (i.number, i.text, i.units, i.deadline) for i in from_file.items]


def test_a_file_still_arriving_after_the_total_time_is_an_error(site: str) -> None:
    from index.fetch import download

    with make_client() as client, pytest.raises(FetchError) as caught:
        download(client, f"{site}/huge.html", total_time=0)
    assert str(caught.value) == f"{site}/huge.html: still arriving after 0 s"
