"""Fetch a plan by its web address: the page's own plan and the plan files attached to it.

A government page holds its plan in its main content (a table or numbered text) and/or links to it
as attachments (附件：…分工方案.xls). `fetch_plans` downloads the page and its attachment links
(bounded: http/https only, a timeout, a size cap, few redirects), keeps every plan it finds as a
file in the corpus folder and records its address in catalog.toml, so a rebuild needs no network.
What a page is made of (metadata names, attachment words, the site's chrome) is index/data/web_page.toml.
"""

from __future__ import annotations

import re
from html import escape
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import httpx

from index.corpus import CATALOG, Parsed, read_plan
from index.errors import FetchError, InputError
from index.lexicon import table
from index.metadata import guess_metadata
from index.readers import PLAN_SUFFIXES, decode_html
from index.text import squash

TIMEOUT = 30.0  # seconds without an answer before giving up on an address
MAX_BYTES = 50 * 2**20  # the largest file fetched
MAX_REDIRECTS = 5
TOTAL_TIME = 300.0  # seconds for one file, however steadily a slow server trickles it
SAME_PLAN = 0.8  # share of the smaller plan's item texts found in the other: the same plan twice
MAIN_SHARE = 0.8  # a child holding this share of an element's text is the content, not the element
SECOND_TABLE = 0.05  # … unless tables beside it hold this share (a plan in two tables), not an info box
_PAGE_SUFFIXES = (".html", ".htm")
_TYPES = {
    "text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls", "application/rtf": ".rtf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}


@dataclass(frozen=True)
class Download:
    """What an address gave: its final address after redirects, its bytes and the file type."""

    url: str
    content: bytes
    suffix: str  # ".html" for a page, ".xlsx" … for a file, "" when nothing tells


@dataclass(frozen=True)
class Link:
    """A link on a page: its absolute address and its text."""

    url: str
    text: str


@dataclass(frozen=True)
class Page:
    """A plan's web page as read: its metadata, main content and attachment links."""

    title: str
    date: str
    number: str
    content: str  # an HTML page of its own, or plain text when the content is preformatted text
    attachments: tuple[Link, ...]
    suffix: str = ".html"  # what content is: ".html" or ".txt"


@dataclass(frozen=True)
class Fetched:
    """One plan kept in the corpus folder: its file, its catalog entry and where each part came from."""

    path: Path
    entry: dict
    origin: str  # e.g. 'attachment "附件1：…分工方案.xlsx" of http://…'
    taken: dict[str, str]  # metadata field -> where it was taken from


@dataclass
class FetchResult:
    """What fetching an address gave: the plans kept, notes on what was skipped, and errors."""

    plans: list[Fetched] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


# --- downloading -----------------------------------------------------------------------------------


def is_address(text: str) -> bool:
    """Whether a command-line argument is a web address rather than a file (scheme://…)."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text))


def make_client(timeout: float = TIMEOUT, max_redirects: int = MAX_REDIRECTS) -> httpx.Client:
    """An HTTP client with the limits every fetch uses."""
    return httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=max_redirects,
                        headers={"User-Agent": "policyqa (plan reader)"})


def download(client: httpx.Client, url: str, max_bytes: int = MAX_BYTES, total_time: float = TOTAL_TIME) -> Download:
    """GET an http(s) address within the client's limits; any failure is a one-line FetchError."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise FetchError("only http:// and https:// addresses can be fetched", url)
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}", url)
            if int(response.headers.get("content-length") or 0) > max_bytes:
                raise FetchError(f"larger than {max_bytes // 2**20} MB", url)
            content, started = bytearray(), time.monotonic()
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > max_bytes:
                    raise FetchError(f"larger than {max_bytes // 2**20} MB", url)
                if time.monotonic() - started > total_time:
                    raise FetchError(f"still arriving after {total_time:g} s", url)
            suffix = _suffix(bytes(content[:2048]), response)
            return Download(str(response.url), bytes(content), suffix)
    except httpx.TooManyRedirects:
        raise FetchError(f"more than {client.max_redirects} redirects", url) from None
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {client.timeout.read:g} s", url) from None
    except httpx.UnsupportedProtocol:
        raise FetchError("redirected to an address that is not http:// or https://", url) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch: {exc or type(exc).__name__}", url) from None


def _suffix(head: bytes, response: httpx.Response) -> str:
    """The file type: by content for PDF and zip formats, else by file name, else by content type."""
    if head.startswith(b"%PDF"):
        return ".pdf"
    if head.startswith(b"PK"):
        for marker, suffix in ((b"word/", ".docx"), (b"xl/", ".xlsx"), (b"opendocument.spreadsheet", ".ods")):
            if marker in head:
                return suffix
    disposition = response.headers.get("content-disposition", "")
    named = re.search(r"filename\*?=(?:[\w-]+'[\w-]*')?\"?([^\";]+)", disposition)
    for name in (unquote(named.group(1)) if named else "", urlsplit(str(response.url)).path):
        suffix = Path(name.strip()).suffix.lower()
        if suffix in PLAN_SUFFIXES:
            return suffix
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return _TYPES.get(kind, ".txt" if kind == "text/plain" else "")


# --- reading a page --------------------------------------------------------------------------------


def read_page(page: str, url: str) -> Page:
    """Title, date, number, main content and attachment links of an HTML page found at url."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.document_fromstring(page)
    except ParserError:  # nothing but whitespace or comments
        root = lxml.html.document_fromstring("<html><body></body></html>")
    root.make_links_absolute(url, resolve_base_href=True, handle_failures="ignore")
    rules = table("web_page.toml")
    text = root.text_content()
    title = _meta(root, rules["title"]["meta"]) or _page_title(root, rules["title"]["separators"])
    date = _date(_meta(root, rules["date"]["meta"])) or _labelled_date(text, rules["date"]["labels"])
    number = _labelled_number(text, rules["number"]["labels"])
    attachments = _attachments(root, url, rules["attachments"])
    content = _main_content(root, rules["chrome"])
    preformatted = [pre for pre in content.iter("pre") if _text_size(pre) >= MAIN_SHARE * _text_size(content)]
    if preformatted:  # text kept as written, blank lines and all: the text reader's, not HTML's
        return Page(title, date, number, f"{title}\n\n{preformatted[0].text_content()}", attachments, ".txt")
    heading = f"<h1>{escape(title)}</h1>" if title else ""
    body = lxml.html.tostring(content, encoding="unicode")
    head = f'<head><meta charset="utf-8"><title>{escape(title)}</title></head>'
    document = f"<html>{head}<body>{heading}{body}</body></html>"
    return Page(title, date, number, document, attachments)


def _meta(root, names: list[str]) -> str:  # noqa: ANN001 - an lxml element
    """Content of the first <meta name|property=…> among names (any case) that has one."""
    found = {(m.get("name") or m.get("property") or "").lower(): (m.get("content") or "").strip()
             for m in root.iter("meta")}
    return next((found[n.lower()] for n in names if found.get(n.lower())), "")


def _page_title(root, separators: list[str]) -> str:  # noqa: ANN001
    """The <title> up to the first separator (the site's name usually follows it)."""
    title = " ".join((root.findtext(".//title") or "").split())
    cut = min((title.find(s) for s in separators if title.find(s) > 0), default=len(title))
    return title[:cut].strip()


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def _date(text: str) -> str:
    """The first date in text as YYYY-MM-DD, or ""."""
    found = _DATE.search(text)
    return f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}" if found else ""


def _labelled_date(text: str, labels: list[str]) -> str:
    """The date written after the first label found (发布日期：2021-07-01), or ""."""
    for label in labels:
        found = re.search(rf"{re.escape(label)}\s*[:：]?\s*({_DATE.pattern})", text)
        if found:
            return _date(found.group(1))
    return ""


def _labelled_number(text: str, labels: list[str]) -> str:
    """The document number written after a label (文号：湛府办〔2021〕15号), or ""."""
    for label in labels:
        found = re.search(rf"{re.escape(label)}\s*[:：]\s*(\S{{1,12}}[〔\[［（(]\d{{4}}[〕\]］）)]\s*\d+\s*号)", text)
        if found:
            return re.sub(r"\s+", "", found.group(1)).translate(str.maketrans("[]［］", "〔〕〔〕"))
    return ""


def _attachments(root, url: str, rules: dict) -> tuple[Link, ...]:  # noqa: ANN001
    """Links to plan files: by the address's suffix, or by words in the link's text."""
    found: dict[str, Link] = {}
    for anchor in root.iter("a"):
        href, text = anchor.get("href") or "", " ".join(anchor.text_content().split())
        target = urldefrag(href)[0]
        if urlsplit(target).scheme not in ("http", "https") or target == urldefrag(url)[0]:
            continue
        by_suffix = Path(unquote(urlsplit(target).path)).suffix.lower() in rules["suffixes"]
        if by_suffix or any(word in text for word in rules["words"]):
            found.setdefault(target, Link(target, text))
    return tuple(found.values())[: rules["most"]]


def _main_content(root, rules: dict):  # noqa: ANN001, ANN202 - lxml elements
    """The element holding the page's plan: down from <body> while one child holds most of the text."""
    body = root.find("body")
    node = body if body is not None else root
    words = set(rules["words"])
    for element in list(node.iter()):
        marks = re.split(r"[-_\s]+", f"{element.get('id') or ''} {element.get('class') or ''}".lower())
        if element is not node and element.getparent() is not None and (
            element.tag in rules["tags"] or words.intersection(marks)
        ):
            element.drop_tree()
    while node.tag != "table":
        children = [c for c in node if isinstance(c.tag, str)]
        if not children:
            break
        best, size = max(children, key=_text_size), _text_size(node)
        # Another table of some size beside it may be the plan's second part: keep both.
        tables_elsewhere = sum(_text_size(t) for c in children if c is not best for t in c.iter("table"))
        if _text_size(best) < MAIN_SHARE * size or tables_elsewhere >= SECOND_TABLE * size:
            break
        node = best
    return node


def _text_size(element) -> int:  # noqa: ANN001
    """Characters of text in an element, links' text left out (menus and lists of links)."""
    links = sum(len(squash(a.text_content())) for a in element.iter("a"))
    return len(squash(element.text_content())) - links


# --- fetching a plan -------------------------------------------------------------------------------


PAGE = "the page's main content"


@dataclass
class _Candidate:
    """A file fetched into the work folder that read as a plan, with its metadata and their sources."""

    path: Path
    parsed: Parsed
    url: str
    origin: str
    values: dict[str, str]  # title, date, number
    taken: dict[str, str]  # field -> where its value came from


def fetch_plans(
    url: str,
    folder: Path,
    doc_id: str | None = None,
    given: dict | None = None,
    client: httpx.Client | None = None,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[str], None] | None = None,
) -> FetchResult:
    """Fetch the plan(s) at a web address into folder (files + catalog.toml entries).

    given: title, region, year … that the caller knows, written into every entry (id aside).
    The page's own plan and each attachment's are separate plans, unless two hold the same items
    (then the one with more units is kept). Raises FetchError when the address itself fails.
    """
    say = progress or (lambda _: None)
    result = FetchResult()
    with tempfile.TemporaryDirectory(prefix="policyqa-fetch-") as folder_name, client or make_client() as http:
        work = Path(folder_name)
        say(f"fetching {url}")
        first = download(http, url, max_bytes)
        found: list[_Candidate] = []
        if first.suffix in _PAGE_SUFFIXES:
            page = read_page(decode_html(first.content, Path(url)), first.url)
            own = _candidate(work / f"page{page.suffix}", page.content.encode("utf-8"), first.url, PAGE, page, result)
            if own is None:
                result.notes.append(f"{first.url}: no plan in the page itself (no table or numbered items)")
            found += [own] if own else []
            for n, link in enumerate(page.attachments, 1):
                say(f"fetching attachment {link.url}")
                found += _attachment(http, link, work / f"attachment-{n}", page, first.url, max_bytes, result)
        elif first.suffix not in PLAN_SUFFIXES:
            raise FetchError("neither a web page nor a plan file", url)
        else:
            file = work / f"file{first.suffix}"
            found += filter(None, [_candidate(file, first.content, first.url, "the file itself", _NO_PAGE, result)])
        plans = _distinct(found, result.notes)
        if not plans and not result.errors:
            raise FetchError("no plan found: no table or numbered items on the page, and no plan attachment", url)
        base = doc_id or _slug(first.url)
        numbered = 0 if plans and plans[0].origin == PAGE else 1  # the page's plan takes the bare id
        for n, plan in enumerate(plans):
            plan_id = base if len(plans) == 1 or n + numbered == 0 else f"{base}-{n + numbered}"
            result.plans.append(_keep(plan, plan_id, folder, given or {}))
    record(folder, [p.entry for p in result.plans])
    return result


_NO_PAGE = Page("", "", "", "", ())


def _attachment(
    http: httpx.Client, link: Link, stem: Path, page: Page, page_url: str, max_bytes: int, result: FetchResult
) -> list[_Candidate]:
    """An attachment link fetched and read; what is not a plan file is noted, what fails is an error."""
    try:
        got = download(http, link.url, max_bytes)
    except FetchError as exc:
        result.errors.append(FetchError(f"attachment {link.text!r}: {exc.reason}", link.url))
        return []
    if got.suffix in _PAGE_SUFFIXES or got.suffix not in PLAN_SUFFIXES:
        result.notes.append(f"{link.url}: link {link.text!r} skipped, not a plan file ({got.suffix or 'unknown type'})")
        return []
    origin = f"attachment {link.text!r} of {page_url}"
    path = stem.with_suffix(got.suffix)
    return list(filter(None, [_candidate(path, got.content, got.url, origin, page, result, link.text)]))


def _candidate(
    path: Path, content: bytes, url: str, origin: str, page: Page, result: FetchResult, link_text: str = ""
) -> _Candidate | None:
    """Read a fetched file as a plan, with a title and the page's date and number; None if it is none."""
    path.write_bytes(content)
    try:
        parsed = read_plan(path, {"id": path.stem})
    except InputError as exc:
        if origin != PAGE:  # a file offered as a plan that cannot be read is an error, not a note
            result.errors.append(FetchError(f"{origin}: {exc.reason}", url))
        return None
    # The page's kept content opens with the page's title: its own title line is the page's.
    own_title = parsed.document.title if "title" in parsed.guessed and origin != PAGE else ""
    titles = ((own_title, "the file's own title line"), (_link_title(link_text), "the link text"),
              (page.title, "the page's title"), (Path(unquote(urlsplit(url).path)).stem or path.stem, "the file name"))
    title, title_from = next((t, where) for t, where in titles if t)
    values = {"title": title} | {k: getattr(page, k) for k in ("date", "number") if getattr(page, k)}
    taken = {"title": title_from} | {k: "the page" for k in values if k != "title"}
    return _Candidate(path, parsed, url, origin, values, taken)


def _link_title(text: str) -> str:
    """A link text as a title: "附件1：" and the file extension removed; "" when little is left."""
    title = re.sub(r"^附件\s*\d*\s*[:：.、]?\s*", "", text.strip())
    title = re.sub(r"\.(" + "|".join(s[1:] for s in PLAN_SUFFIXES) + r")$", "", title, flags=re.IGNORECASE)
    return title if len(title) >= 6 else ""


def _distinct(found: list[_Candidate], notes: list[str]) -> list[_Candidate]:
    """The plans found, a plan found twice (page and attachment) kept once: the one with more units."""
    kept: list[_Candidate] = []
    for candidate in found:
        twin = next((k for k in kept if _same_plan(k.parsed, candidate.parsed)), None)
        if twin is None:
            kept.append(candidate)
            continue
        better = max((candidate, twin), key=lambda c: len(c.parsed.items) - len(c.parsed.without_unit))
        notes.append(f"{twin.origin} and {candidate.origin} are the same plan "
                     f"({len(candidate.parsed.items)} items): kept {better.origin}")
        kept[kept.index(twin)] = better
    return kept


def _same_plan(a: Parsed, b: Parsed) -> bool:
    """Whether two plans hold (mostly) the same item texts."""
    texts_a, texts_b = ({squash(i.text) for i in p.items} for p in (a, b))
    smaller = min(len(texts_a), len(texts_b))
    return smaller > 0 and len(texts_a & texts_b) >= SAME_PLAN * smaller


def _slug(url: str) -> str:
    """A document id from an address: its last path segment's name (post_123 of …/post_123.html)."""
    parts = urlsplit(url)
    names = [Path(unquote(s)).stem for s in parts.path.split("/") if s]
    name = next((n for n in reversed(names) if n.lower() not in ("index", "default", "content")), parts.hostname or "")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.").lower() or "page"


def _keep(plan: _Candidate, plan_id: str, folder: Path, given: dict) -> Fetched:
    """Move a plan file into the corpus folder under its id, with its catalog entry."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{plan_id}{plan.path.suffix}"
    shutil.move(plan.path, target)
    guessed = guess_metadata(plan.values["title"])
    entry = {"id": plan_id, "file": target.name, **plan.values, "url": plan.url}
    entry |= {k: guessed[k] for k in ("region", "year") if k in guessed}
    entry |= {k: v for k, v in given.items() if k != "id"}
    taken = plan.taken | {k: "the command line" for k in given if k != "id"}
    return Fetched(target, entry, plan.origin, taken)


# --- the catalog -----------------------------------------------------------------------------------


def record(folder: Path, entries: list[dict]) -> None:
    """Write entries into folder's catalog.toml, replacing those with the same id or file.

    A fetched file an entry no longer names (the plan came as .xlsx, now as .html) is removed,
    so a rebuild does not read it twice. Comments and other entries are kept as they are.
    """
    import tomlkit

    if not entries:
        return
    path = folder / CATALOG
    catalog = tomlkit.parse(path.read_text(encoding="utf-8")) if path.is_file() else tomlkit.document()
    documents = catalog.setdefault("document", tomlkit.aot())
    ids, files = {e["id"] for e in entries}, {e["file"] for e in entries}
    for n in reversed(range(len(documents))):
        old = documents[n]
        if old.get("id") in ids or old.get("file") in files:
            if old.get("url") and old.get("file") and old["file"] not in files:
                (folder / old["file"]).unlink(missing_ok=True)
            del documents[n]
    for entry in entries:
        documents.append(tomlkit.item(entry))
    path.write_text(tomlkit.dumps(catalog), encoding="utf-8")
