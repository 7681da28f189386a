"""The web chat, the staff page and the HTTP API: one FastAPI app over the answers every front end shares.

`build_app(settings, answerer)` returns the app, which tests drive through httpx; only `run_web`
starts uvicorn. The pages are static files (bot/static/) that fetch JSON and set text, never HTML,
so nothing typed or read from a plan is ever markup. Errors are JSON {"error": "..."}.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.answer import MAX_QUESTION, Answerer
from bot.dialogue import Dialogue
from bot.due import falling_due
from bot.render import answer_json, context_json, follow_up_hint, item_json, item_label, listing_header
from bot.settings import Settings
from index.errors import PolicyQAError
from index.store import Store

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "policyqa_session"
ADMIN_COOKIE = "policyqa_admin"
MAX_SESSIONS = 10_000  # browser sessions kept; the least recently used is forgotten first
SESSION_IDLE = 2 * 3600  # seconds a chat session lives without a question
ADMIN_IDLE = 8 * 3600  # seconds a staff login lasts
MAX_CLIENTS = 50_000  # clients whose request times the rate limit remembers
LOG_WAIT = 30.0  # seconds a question-log write waits for a rebuild's write lock
RATE_LIMITED = ("/api/", "/admin/login")  # paths counted by the per-client rate limit
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # the stored hash's cost (about 50 ms per login)

log = logging.getLogger("policyqa.web")


class ApiError(Exception):
    """A request the API refuses: an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """A salted scrypt hash of password, as POLICYQA_ADMIN_PASSWORD_HASH stores it."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt:{SCRYPT['n']}:{SCRYPT['r']}:{SCRYPT['p']}:{salt.hex()}:{digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True when password matches the stored hash (compared in constant time); False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split(":")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


# --- state -------------------------------------------------------------------------------------


@dataclass
class Chat:
    """One browser session's conversation, kept server-side."""

    dialogue: Dialogue
    asked: set[int] = field(default_factory=set)  # question ids answered here (their votes are ours)
    voted: set[int] = field(default_factory=set)
    seen: float = field(default_factory=time.monotonic)


@dataclass
class Sessions:
    """Chats by random session id, bounded, forgotten after SESSION_IDLE."""

    chats: OrderedDict[str, Chat] = field(default_factory=OrderedDict)

    def get(self, key: str | None) -> Chat | None:
        """The live chat under key, or None (a forgotten or made-up id never comes back to life)."""
        chat = self.chats.get(key or "")
        if chat is None or time.monotonic() - chat.seen > SESSION_IDLE:
            return None
        chat.seen = time.monotonic()
        self.chats.move_to_end(key)
        return chat

    def new(self, answerer: Answerer) -> tuple[str, Chat]:
        """A new chat under a new random id."""
        key = secrets.token_urlsafe(18)
        self.chats[key] = chat = Chat(Dialogue(answerer))
        while len(self.chats) > MAX_SESSIONS:
            self.chats.popitem(last=False)
        return key, chat


@dataclass
class RateLimit:
    """Requests per client per minute, over a sliding window; clients are kept in memory only."""

    per_minute: int
    stamps: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    def allow(self, client: str) -> bool:
        """Count a request; False when the client has used up its minute."""
        now = time.monotonic()
        window = self.stamps.pop(client, None) or deque()
        self.stamps[client] = window
        while window and now - window[0] > 60:
            window.popleft()
        while len(self.stamps) > MAX_CLIENTS:
            self.stamps.popitem(last=False)
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True


@dataclass
class Web:
    """What the app's routes share: the answerer, the question log, chats and staff logins."""

    settings: Settings
    answerer: Answerer
    lock: threading.Lock = field(default_factory=threading.Lock)  # one answer at a time (one engine connection)
    log_lock: threading.Lock = field(default_factory=threading.Lock)  # one use of the log's connection at a time
    sessions: Sessions = field(default_factory=Sessions)
    admins: dict[str, float] = field(default_factory=dict)  # staff login token -> expiry (monotonic)
    salt: str = field(default_factory=lambda: secrets.token_hex(8))  # for client hashes in the server log

    def __post_init__(self) -> None:
        self.limit = RateLimit(self.settings.web_rate_limit)
        self.log = Store(self.answerer.engine.store.path, timeout=LOG_WAIT)  # its own connection

    def client_tag(self, request: Request) -> str:
        """A short hash of the client address, for the server log (raw addresses are never logged)."""
        host = request.client.host if request.client else "-"
        return hashlib.sha256(f"{self.salt}:{host}".encode()).hexdigest()[:10]

    def ask(self, session: str, chat: Chat, text: str) -> dict[str, Any]:
        """Answer one question in a chat and log it; the answer JSON with its question id."""
        with self.lock:
            start = time.perf_counter()
            answer = chat.dialogue.reply(text)
            latency = (time.perf_counter() - start) * 1000
            body = answer_json(answer, self.answerer.engine.documents) | {
                "context": context_json(answer),
                "heading": listing_header(answer) if answer.listing else None,  # the listing's first line
                "hint": follow_up_hint(answer) or None,  # the reply in place of "not covered"
            }
        items = [f"{h.item.doc} {h.item.number}" for h in answer.hits]
        try:
            with self.log_lock:
                question_id = self.log.record_question(session, text, answer.query.intent, items, latency,
                                                       answer.no_answer)
        except PolicyQAError as exc:  # a rebuild held the log too long: answer all the same
            log.warning("question not logged: %s", exc)
            question_id = None
        if question_id is not None:
            chat.asked.add(question_id)
        return {**body, "suggestions": list(answer.suggestions), "session": session, "question_id": question_id}

    def logged_in(self, request: Request) -> None:
        """Raise 403 when no staff password is set, 401 without a live staff session."""
        if self.settings.admin_password_hash is None:
            raise ApiError(403, "the staff page is off: set POLICYQA_ADMIN_PASSWORD_HASH")
        token = request.cookies.get(ADMIN_COOKIE, "")
        expiry = self.admins.get(token)
        if expiry is None or expiry < time.monotonic():
            self.admins.pop(token, None)
            raise ApiError(401, "log in at /admin first")


# --- request bodies ----------------------------------------------------------------------------


class AskBody(BaseModel):
    """POST /api/ask."""

    q: str = Field(description="the question; longer than MAX_QUESTION characters is cut, as in the CLI")
    session: str | None = Field(None, description="the session id an earlier answer returned (follow-ups)")


class FeedbackBody(BaseModel):
    """POST /api/feedback."""

    question_id: int
    vote: Literal["up", "down"]
    session: str | None = None


class LoginBody(BaseModel):
    """POST /admin/login."""

    password: str = Field(max_length=1024)


# --- middleware --------------------------------------------------------------------------------


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The API's one error shape."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class BodyLimit:
    """Refuse request bodies over the cap with 413, whether declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        too_big = error(413, f"request body over {self.limit} bytes")
        if not declared.isdigit() or int(declared) > self.limit:
            await too_big(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await too_big(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            """The buffered body once, then whatever the client sends next (a disconnect)."""
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def security_headers(settings: Settings, path: str) -> dict[str, str]:
    """CSP without inline script, and the page may be framed only by the allowed origins."""
    ancestors = "'none'" if path.startswith("/admin") else " ".join(["'self'", *settings.allowed_origins])
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store" if path.startswith(("/api/", "/admin")) else "no-cache",
    }


def guard(web: Web) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """The outer middleware: per-client rate limit, security headers, one log line without the address."""

    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        path = request.url.path
        client = request.client.host if request.client else "-"
        if path.startswith(RATE_LIMITED) and not web.limit.allow(client):
            response: Response = error(429, "too many requests: please wait a minute", {"Retry-After": "60"})
        else:
            response = await call_next(request)
        response.headers.update(security_headers(web.settings, path))
        log.info("%s %s %s %.0fms client=%s", request.method, path, response.status_code,
                 (time.perf_counter() - start) * 1000, web.client_tag(request))
        return response

    return middleware


def add_error_handlers(app: FastAPI) -> None:
    """Every error as JSON {"error": ...} with its status, never a traceback."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        message = {404: "no such page", 405: "method not allowed"}.get(exc.status_code, str(exc.detail))
        return error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p["type"] == "json_invalid" for p in problems):
            return error(400, "the request body is not valid JSON")
        first = problems[0]
        where = ".".join(str(part) for part in first["loc"] if part != "body") or "body"
        return error(422, f"{where}: {first['msg']}")

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error(500, "internal error")


# --- the app -----------------------------------------------------------------------------------


def build_app(settings: Settings, answerer: Answerer) -> FastAPI:
    """The web app over an answerer; nothing is started."""
    web = Web(settings, answerer.warm())
    app = FastAPI(title="政策问答 API", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.web = web
    add_error_handlers(app)
    add_page_routes(app, web)
    add_api_routes(app, web)
    add_admin_routes(app, web)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, limit=settings.max_body)
    if settings.allowed_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"])
    app.middleware("http")(guard(web))
    return app


def add_page_routes(app: FastAPI, web: Web) -> None:
    """The chat page, the embed script and the health check."""

    @app.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Alive, with what the index holds."""
        engine = web.answerer.engine
        return {"status": "ok", "documents": len(engine.documents), "items": engine.size}


def _find_session(web: Web, request: Request, given: str | None) -> tuple[str, Chat] | None:
    """The live chat named in the body, else in the cookie, with its id; None when neither is live."""
    for key in (given, request.cookies.get(SESSION_COOKIE)):
        chat = web.sessions.get(key)
        if key and chat is not None:
            return key, chat
    return None


def _set_session_cookie(web: Web, response: Response, session: str) -> None:
    """The chat's session id, for the browser to send back (HttpOnly: the page's script never reads it)."""
    response.set_cookie(SESSION_COOKIE, session, max_age=SESSION_IDLE, httponly=True, samesite="lax",
                        secure=web.settings.secure_cookies)


def add_api_routes(app: FastAPI, web: Web) -> None:
    """The JSON API for the page and the systems around it."""

    @app.post("/api/ask")
    def ask(body: AskBody, request: Request, response: Response) -> dict[str, Any]:
        """The same JSON as `policyqa ask --json`, plus the session id and the question id for feedback."""
        text = " ".join(body.q.split())[:MAX_QUESTION]
        if not text:
            raise ApiError(400, "q: the question is empty")
        session, chat = _find_session(web, request, body.session) or web.sessions.new(web.answerer)
        _set_session_cookie(web, response, session)
        return web.ask(session, chat, text)

    @app.get("/api/examples")
    def examples() -> list[str]:
        """Example questions (index/data/examples.txt)."""
        return list(web.answerer.examples)

    @app.get("/api/docs")
    def documents() -> list[dict[str, Any]]:
        """Every indexed plan with its item count."""
        engine = web.answerer.engine
        counts = {doc: hi - lo + 1 for doc, (lo, hi) in engine.doc_ranges.items()}
        return [{**vars(d), "items": counts.get(d.id, 0)} for d in engine.documents.values()]

    @app.get("/api/items")
    def items(doc: str) -> list[dict[str, Any]]:
        """Every item of one plan, in order."""
        if doc not in web.answerer.engine.documents:
            raise ApiError(404, f"no document {doc!r} (see /api/docs)")
        with web.lock:
            return [item_json(item) for item, _ in web.answerer.engine.store.items(doc)]

    @app.get("/api/item/{doc}/{number:path}")
    def item(doc: str, number: str) -> dict[str, Any]:
        """One item whole, with its source."""
        with web.lock:
            found = web.answerer.engine.item(doc, number)
        if found is None:
            raise ApiError(404, f"no item {number!r} in document {doc!r}")
        document = web.answerer.engine.documents[doc]
        return {**item_json(found), "title": document.title, "region": document.region,
                "source": item_label(found, document), "line": found.line}

    @app.get("/api/units")
    def units(region: str = "") -> list[dict[str, Any]]:
        """Every body named in the plans (of one region) with how many items it has, and leads."""
        with web.lock:
            ranges = _region_scope(web, region)
            return web.answerer.engine.store.unit_counts(ranges)

    @app.get("/api/due")
    def due(before: str = "", unit: str = "", region: str = "") -> list[dict[str, Any]]:
        """Items due on or before a date (YYYY-MM-DD), of one unit or region, the earliest first."""
        last = _parse_date(before, "before").isoformat() if before else ""
        with web.lock:
            try:
                found = falling_due(web.answerer, last, unit, region)
            except ValueError as exc:
                raise ApiError(404, str(exc)) from None
        return [item_json(item) for _, item in found]

    @app.post("/api/feedback", status_code=204)
    def feedback(body: FeedbackBody, request: Request) -> Response:
        """Record 👍/👎 on an answer given in this session."""
        session, chat = _find_session(web, request, body.session) or ("", None)
        if chat is None or body.question_id not in chat.asked:
            raise ApiError(404, f"no question {body.question_id} in this session")
        if body.question_id in chat.voted:
            raise ApiError(409, "this answer has feedback already")
        try:
            with web.log_lock:
                web.log.record_feedback(body.question_id, session, 1 if body.vote == "up" else -1)
        except PolicyQAError as exc:
            log.warning("feedback not logged: %s", exc)
            raise ApiError(503, "the question log is busy: please try again") from None
        chat.voted.add(body.question_id)
        return Response(status_code=204)


def _region_scope(web: Web, region: str) -> Any:
    """The item ranges of a region ('' for everywhere); 404 when no plan has it."""
    if not region:
        return None
    try:
        return web.answerer.scope(region)[1]
    except ValueError as exc:
        raise ApiError(404, str(exc)) from None


def _parse_date(value: str, name: str) -> date:
    """An ISO date from a query parameter; 400 otherwise."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name}: not a date as YYYY-MM-DD: {value[:40]!r}") from None


# --- staff -------------------------------------------------------------------------------------


def add_admin_routes(app: FastAPI, web: Web) -> None:
    """The staff page: login, the log summarized, the plans' ingest reports, a CSV export."""

    @app.get("/admin", include_in_schema=False)
    def admin_page(request: Request) -> FileResponse:
        """The staff page, or the login form (401) without a staff session."""
        try:
            web.logged_in(request)
        except ApiError as exc:
            if exc.status == 403:
                raise
            return FileResponse(STATIC / "login.html", status_code=401)
        return FileResponse(STATIC / "admin.html")

    @app.post("/admin/login", status_code=204)
    def login(body: LoginBody) -> Response:
        """Check the password; a staff session cookie when it matches."""
        stored = web.settings.admin_password_hash
        if stored is None:
            raise ApiError(403, "the staff page is off: set POLICYQA_ADMIN_PASSWORD_HASH")
        if not check_password(body.password, stored.get_secret_value()):
            raise ApiError(401, "wrong password")
        token = secrets.token_urlsafe(32)
        web.admins[token] = time.monotonic() + ADMIN_IDLE
        response = Response(status_code=204)
        response.set_cookie(ADMIN_COOKIE, token, max_age=ADMIN_IDLE, httponly=True, samesite="strict",
                            path="/admin", secure=web.settings.secure_cookies)
        return response

    @app.post("/admin/logout", status_code=204)
    def logout(request: Request) -> Response:
        """End the staff session."""
        web.admins.pop(request.cookies.get(ADMIN_COOKIE, ""), None)
        response = Response(status_code=204)
        response.delete_cookie(ADMIN_COOKIE, path="/admin")
        return response

    @app.get("/admin/stats")
    def stats(request: Request) -> dict[str, Any]:
        """Questions per day, most asked, not covered, 👎 answers, and the plans with their ingest reports."""
        web.logged_in(request)
        with web.log_lock:
            summary = web.log.stats()
            reports = web.log.reports()
            down = web.log.down_voted()
        plans = [{"id": d.id, "title": d.title, "region": d.region, "year": d.year, "report": reports.get(d.id)}
                 for d in web.answerer.engine.documents.values()]
        return {**summary, "down_voted": down, "plans": plans}

    @app.get("/admin/questions.csv")
    def export(request: Request) -> StreamingResponse:
        """The whole question log as CSV (chat ids hashed)."""
        web.logged_in(request)
        with web.log_lock:
            rows = list(web.log.question_log())
        headers = {"Content-Disposition": 'attachment; filename="questions.csv"'}
        return StreamingResponse(_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


def _csv(rows: list[dict[str, Any]]) -> Iterator[str]:
    """Rows as CSV with a BOM (spreadsheets then read UTF-8); cells that a spreadsheet would run as a formula are quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    yield "\ufeff"
    for index, row in enumerate(rows):
        if index == 0:
            writer.writerow(row)
        writer.writerow([_inert(value) for value in row.values()])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _inert(value: object) -> object:
    """A cell value that cannot start a spreadsheet formula (=, +, -, @, tab, CR)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def run_web(settings: Settings, answerer: Answerer, host: str, port: int) -> None:
    """Serve the web app until interrupted (uvicorn's access log off: it would hold client addresses)."""
    import uvicorn

    app = build_app(settings, answerer)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level=settings.log_level.lower(),
                server_header=False)
