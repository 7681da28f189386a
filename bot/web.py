"""The web chat and the HTTP API: one FastAPI app over the Dialogue every front end shares.

`build_app(settings, answerer)` returns the app, which tests drive through httpx; only `run_web`
starts uvicorn. The pages are static files (bot/static/) that fetch JSON and set text, never HTML,
so nothing typed or read from a plan is ever markup. Each browser session has its own Dialogue,
kept here under a random id (a cookie, or the `session` field). The staff page is in web_admin.py,
the safety measures (errors, caps, rate limit, headers, passwords) in web_guard.py.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.answer import MAX_QUESTION, Answer, Answerer
from bot.dialogue import Dialogue
from bot.due import falling_due
from bot.render import answer_json, context_json, follow_up_hint, item_json, item_label, listing_header
from bot.settings import Settings
from bot.web_admin import add_admin_routes
from bot.web_guard import ApiError, BodyLimit, Guard, add_error_handlers, errors, replaying
from index.engine import Engine
from index.errors import IndexLocked, PolicyQAError
from index.rank import Ranges
from index.store import Store

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "policyqa_session"
MAX_SESSIONS = 10_000  # browser sessions kept; the least recently used is forgotten first
SESSION_IDLE = 2 * 3600  # seconds a chat session lives without a question
LOG_WAIT = 30.0  # seconds a question-log write waits for a rebuild's write lock
LOG_QUICK = 0.02  # seconds a log write on the event loop waits for another worker's write, before a thread waits
WORKER_DB, WORKER_RANKER = "POLICYQA_DB", "POLICYQA_RANKER"  # what run_web hands its worker processes
FORGET_EVERY = 256  # chats a worker saves between two sweeps of the idle ones

log = logging.getLogger("policyqa.web")
T = TypeVar("T")


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
    """Chats by random session id in this process, bounded, forgotten after SESSION_IDLE (locked: routes
    run in threads). What a read-only index is served with (one worker process)."""

    chats: OrderedDict[str, Chat] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str | None, answerer: Answerer) -> Chat | None:
        """The live chat under key, or None (a forgotten or made-up id never comes back to life)."""
        with self.lock:
            chat = self.chats.get(key or "")
            if chat is None or time.monotonic() - chat.seen > SESSION_IDLE:
                self.chats.pop(key or "", None)
                return None
            chat.seen = time.monotonic()
            self.chats.move_to_end(key or "")
            return chat

    def new(self, answerer: Answerer) -> tuple[str, Chat]:
        """A new chat under a new random id."""
        key = secrets.token_urlsafe(18)
        with self.lock:
            self.chats[key] = chat = Chat(Dialogue(answerer))
            while len(self.chats) > MAX_SESSIONS:
                self.chats.popitem(last=False)
        return key, chat

    def save(self, key: str, chat: Chat) -> None:
        """Nothing to do: the chat lives here."""


@dataclass
class SharedSessions:
    """Chats kept in the index file (table chats), so that every worker process serves every chat.

    A chat is its dialogue's state and region and the question ids asked and voted on, pickled: data
    this server wrote into the file it already trusts for its answers, never anything a client sent.
    """

    log: Store
    lock: threading.RLock
    saved: int = 0

    def get(self, key: str | None, answerer: Answerer) -> Chat | None:
        """The chat saved under key and seen within SESSION_IDLE, or None."""
        if not key:
            return None
        with self.lock:
            found = self.log.load_chat(key, time.time() - SESSION_IDLE)
        if found is None:
            return None
        state, region, asked, voted = pickle.loads(found)  # noqa: S301 - written by save() below only
        return Chat(Dialogue(answerer, region=region, state=state), set(asked), set(voted))

    def new(self, answerer: Answerer) -> tuple[str, Chat]:
        """A new chat under a new random id (saved with its first answer)."""
        return secrets.token_urlsafe(18), Chat(Dialogue(answerer))

    def save(self, key: str, chat: Chat) -> None:
        """Save a chat's state; now and then forget the idle ones and the oldest past MAX_SESSIONS."""
        state = pickle.dumps((chat.dialogue.state, chat.dialogue.region, sorted(chat.asked), sorted(chat.voted)))
        with self.lock:
            self.log.save_chat(key, state, time.time())
            self.saved += 1
            if self.saved % FORGET_EVERY == 0:
                self.log.forget_chats(time.time() - SESSION_IDLE, MAX_SESSIONS)


@dataclass
class Logins:
    """Staff logins by token: in the index file when it can be written (every worker sees them)."""

    log: Store
    lock: threading.RLock
    here: dict[str, float] = field(default_factory=dict)  # token -> expiry, for a read-only index

    def add(self, token: str, lasts: float) -> None:
        """A login that lasts this many seconds."""
        with self.lock:
            if self.log.readonly:
                self.here[token] = time.time() + lasts
            else:
                self.log.add_login(token, time.time() + lasts, time.time())

    def live(self, token: str) -> bool:
        """True when the token is a login that has not expired."""
        with self.lock:
            expiry = self.here.get(token) if self.log.readonly else self.log.login_expiry(token)
        return expiry is not None and expiry >= time.time()

    def drop(self, token: str) -> None:
        """End a login."""
        with self.lock:
            self.here.pop(token, None)
            if not self.log.readonly:
                self.log.drop_login(token)


@dataclass
class Web:
    """What the app's routes share: the answerer, the question log, chats and staff logins."""

    settings: Settings
    answerer: Answerer
    lock: threading.Lock = field(default_factory=threading.Lock)  # one answer at a time (one engine connection)
    log_lock: threading.RLock = field(default_factory=threading.RLock)  # one use of the log's connection at a time
    static: Path = STATIC

    def __post_init__(self) -> None:
        self.log = Store(self.answerer.engine.store.path, timeout=LOG_WAIT)  # its own connection
        self.sessions: Sessions | SharedSessions = (
            Sessions() if self.log.readonly else SharedSessions(self.log, self.log_lock))
        self.logins = Logins(self.log, self.log_lock)

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        """The engine, caught up with a rebuild made elsewhere, for one user at a time."""
        with self.lock:
            self.answerer.sync()
            yield self.answerer.engine

    def live(self, given: str | None, cookie: str | None) -> tuple[str, Chat] | None:
        """The live chat named in the body, else in the cookie, with its id; None when neither is live."""
        for key in (given, cookie):
            if key and not _is_text(key):
                continue  # a made-up id (with a lone surrogate, which SQLite cannot take): not live
            chat = self.sessions.get(key, self.answerer)
            if key and chat is not None:
                return key, chat
        return None

    def find(self, given: str | None, cookie: str | None) -> tuple[str, Chat]:
        """The live chat named in the body, else in the cookie, with its id; else a new one."""
        return self.live(given, cookie) or self.sessions.new(self.answerer)

    def reply(self, chat: Chat, text: str) -> tuple[Answer, dict[str, Any], float]:
        """A chat's answer to one question (call with the engine's lock held), its JSON and how long it took in ms."""
        start = time.perf_counter()
        answer = chat.dialogue.reply(text)
        latency = (time.perf_counter() - start) * 1000
        body = answer_json(answer, self.answerer.engine.documents) | {
            "context": context_json(answer),
            "heading": listing_header(answer) if answer.listing else None,  # the listing's first line
            "hint": follow_up_hint(answer) or None,  # the reply in place of "not covered"
            "suggestions": list(answer.suggestions),
        }
        return answer, body, latency

    def record(self, session: str, chat: Chat, text: str, answer: Answer, latency: float,
               wait: float | None = None) -> int | None:
        """Log a question and save the chat's new state, in one write (call with log_lock held); the question id.

        wait: seconds to wait for another process's write; past it IndexLocked is raised. Without it the
        log waits LOG_WAIT, then the question goes unlogged (with a warning) and None is returned.
        """
        items = [f"{h.item.doc} {h.item.number}" for h in answer.hits]
        try:
            with nullcontext() if self.log.readonly else self.log.writing(wait):
                question_id = self.log.record_question(session, text, answer.query.intent, items, latency,
                                                       answer.no_answer)
                if question_id is not None:
                    chat.asked.add(question_id)
                self.sessions.save(session, chat)
        except PolicyQAError as exc:  # a rebuild held the log too long: answer all the same
            if wait is not None and isinstance(exc, IndexLocked):
                raise
            log.warning("question not logged: %s", exc)
            return None
        return question_id

    async def ask(self, given: str | None, cookie: str | None, text: str) -> dict[str, Any]:
        """Answer one question in its chat (found or new) and log it; the answer JSON with session and question id.

        Each step runs right on the event loop when its lock is free: an answer is a millisecond or two
        of CPU work, and handing it to a thread (and the GIL back and forth) cost about as much again.
        A step whose lock is held (a staff export, an index reload) and a log write that must wait for
        another process (a rebuild) go to a thread, as every route did before.
        """
        session, chat = await _locked(self.log_lock, self.find, given, cookie)
        answer, body, latency = await _locked(self.lock, self.reply, chat, text)
        try:
            question_id = await _locked(self.log_lock, self.record, session, chat, text, answer, latency, LOG_QUICK)
        except IndexLocked:
            question_id = await run_in_threadpool(_held, self.log_lock, self.record, session, chat, text, answer,
                                                  latency)
        return {**body, "session": session, "question_id": question_id}


async def _locked(lock: threading.Lock | threading.RLock, step: Callable[..., T], *args: Any) -> T:
    """step(*args) under lock: here on the event loop when the lock is free, else in a thread that waits for it."""
    if lock.acquire(blocking=False):
        try:
            return step(*args)
        finally:
            lock.release()
    return await run_in_threadpool(_held, lock, step, *args)


def _held(lock: threading.Lock | threading.RLock, step: Callable[..., T], *args: Any) -> T:
    """step(*args) once lock is ours (in a thread)."""
    with lock:
        return step(*args)


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


# --- the app -----------------------------------------------------------------------------------


def build_app(settings: Settings, answerer: Answerer) -> FastAPI:
    """The web app over an answerer; nothing is started."""
    web = Web(settings, answerer.warm())
    app = FastAPI(title="政策问答 API", docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  responses=errors(400, 404, 413, 422, 429, 500))
    app.state.web = web
    add_error_handlers(app)
    add_page_routes(app, web)
    add_api_routes(app, web)
    add_admin_routes(app, web)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(FastAsk, web=web)
    app.add_middleware(BodyLimit, limit=settings.max_body)
    if settings.allowed_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"])
    app.add_middleware(Guard, settings=settings)
    return app


def add_page_routes(app: FastAPI, web: Web) -> None:
    """The chat page, the embed script and the health check."""

    @app.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> FileResponse:
        """The API reference, drawn from /openapi.json by a script of ours (no CDN)."""
        return FileResponse(STATIC / "apidocs.html")

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Alive, with what the index holds."""
        with web.engine() as engine:
            return {"status": "ok", "documents": len(engine.documents), "items": engine.size}


def _set_session_cookie(web: Web, response: Response, session: str) -> None:
    """The chat's session id, for the browser to send back (HttpOnly: the page's script never reads it)."""
    response.set_cookie(SESSION_COOKIE, session, max_age=SESSION_IDLE, httponly=True, samesite="lax",
                        secure=web.settings.secure_cookies)


def add_api_routes(app: FastAPI, web: Web) -> None:
    """The JSON API for the page and the systems around it."""

    @app.post("/api/ask", response_model=dict[str, Any])
    async def ask(body: AskBody, request: Request) -> Response:
        """The same JSON as `policyqa ask --json`, plus the session id and the question id for feedback."""
        text = _question(body.q)
        if not text:
            raise ApiError(400, "q: the question is empty")
        if not _is_text(text):
            raise ApiError(400, "q: not Unicode text (a lone surrogate escape)")
        return await _answer(web, body, request.cookies.get(SESSION_COOKIE), text)

    @app.get("/api/examples")
    def examples() -> list[str]:
        """Example questions (index/data/examples.txt)."""
        return list(web.answerer.examples)

    @app.get("/api/docs")
    def documents() -> list[dict[str, Any]]:
        """Every indexed plan with its item count."""
        with web.engine() as engine:
            counts = {doc: hi - lo + 1 for doc, (lo, hi) in engine.doc_ranges.items()}
            return [{**vars(d), "items": counts.get(d.id, 0)} for d in engine.documents.values()]

    @app.get("/api/items")
    def items(doc: str) -> list[dict[str, Any]]:
        """Every item of one plan, in order."""
        with web.engine() as engine:
            if doc not in engine.documents:
                raise ApiError(404, f"no document {doc!r} (see /api/docs)")
            return [item_json(item) for item in engine.store.items(doc)]

    @app.get("/api/item/{doc}/{number:path}")
    def item(doc: str, number: str) -> dict[str, Any]:
        """One item whole, with its source."""
        with web.engine() as engine:
            found = engine.item(doc, number)
            if found is None:
                raise ApiError(404, f"no item {number!r} in document {doc!r}")
            document = engine.documents[doc]
        return {**item_json(found), "title": document.title, "region": document.region,
                "source": item_label(found, document), "line": found.line}

    @app.get("/api/units")
    def units(region: str = "") -> list[dict[str, Any]]:
        """Every body named in the plans (of one region) with how many items it has, and leads."""
        with web.engine() as engine:
            return engine.store.unit_counts(_region_scope(web.answerer, region))

    @app.get("/api/due")
    def due(before: str = "", unit: str = "", region: str = "") -> list[dict[str, Any]]:
        """Items due on or before a date (YYYY-MM-DD), of one unit or region, the earliest first."""
        last = _parse_date(before, "before").isoformat() if before else ""
        with web.engine():
            try:
                found = falling_due(web.answerer, last, unit, region)
            except ValueError as exc:
                raise ApiError(404, str(exc)) from None
        return [item_json(item) for _, item in found]

    @app.post("/api/feedback", status_code=204, responses=errors(409, 503))
    def feedback(body: FeedbackBody, request: Request) -> Response:
        """Record 👍/👎 on an answer given in this session."""
        session, chat = web.live(body.session, request.cookies.get(SESSION_COOKIE)) or ("", None)
        if chat is None or body.question_id not in chat.asked:
            raise ApiError(404, f"no question {body.question_id} in this session")
        if body.question_id in chat.voted:
            raise ApiError(409, "this answer has feedback already")
        try:
            with web.log_lock, nullcontext() if web.log.readonly else web.log.writing():
                web.log.record_feedback(body.question_id, session, 1 if body.vote == "up" else -1)
                chat.voted.add(body.question_id)
                web.sessions.save(session, chat)
        except PolicyQAError as exc:
            log.warning("feedback not logged: %s", exc)
            raise ApiError(503, "the question log is busy: please try again") from None
        return Response(status_code=204)


def _question(q: str) -> str:
    """The question as answered: whitespace runs made one space, cut at MAX_QUESTION characters as in the CLI."""
    return " ".join(q.split())[:MAX_QUESTION]


def _is_text(value: str) -> bool:
    """True when value is Unicode text (JSON's \\ud800 escapes decode to lone surrogates, which are not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _answer(web: Web, body: AskBody, cookie: str | None, text: str) -> Response:
    """POST /api/ask's response: the answer JSON, and the chat's session cookie."""
    answered = await web.ask(body.session, cookie, text)
    response = JSONResponse(answered)  # plain data already: no response model to validate it against
    _set_session_cookie(web, response, answered["session"])
    return response


class FastAsk:
    """POST /api/ask straight to the answer, past FastAPI's router, dependency solving and body reading
    (a fifth of a request's time when it is answered on the event loop).

    Inside Guard and BodyLimit (rate limit, headers, size cap), so only the route's own layers are left
    out. Takes only a JSON object that AskBody accepts, with a question left once spaces are folded;
    every other request goes on, its body replayed, to the app, whose /api/ask route answers through
    the same `_answer` and gives the errors (400, 422) and the OpenAPI description.
    """

    def __init__(self, app: ASGIApp, web: Web) -> None:
        self.app = app
        self.web = web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/api/ask" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        message = await receive()  # the whole body: BodyLimit has read it
        body = _ask_body(request.headers.get("content-type", ""), message)
        text = _question(body.q) if body is not None else ""
        if not text or not _is_text(text):
            await self.app(scope, replaying(message, receive), send)
            return
        assert body is not None
        response = await _answer(self.web, body, request.cookies.get(SESSION_COOKIE), text)
        await response(scope, receive, send)


def _ask_body(content_type: str, message: Message) -> AskBody | None:
    """The body of a whole JSON request that AskBody accepts, else None (the route will say what is wrong)."""
    if message["type"] != "http.request" or message.get("more_body"):
        return None
    if content_type.split(";")[0].strip().lower() != "application/json":
        return None
    try:
        return AskBody.model_validate(json.loads(message.get("body", b"")))
    except (ValueError, ValidationError):  # not JSON (JSONDecodeError, UnicodeDecodeError), or not an AskBody
        return None


def _region_scope(answerer: Answerer, region: str) -> Ranges | None:
    """The item ranges of a region ('' for everywhere); 404 when no plan has it."""
    if not region:
        return None
    try:
        return answerer.scope(region)[1]
    except ValueError as exc:
        raise ApiError(404, str(exc)) from None


def _parse_date(value: str, name: str) -> date:
    """An ISO date from a query parameter; 400 otherwise."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name}: not a date as YYYY-MM-DD: {value[:40]!r}") from None


def run_web(settings: Settings, answerer: Answerer, host: str, port: int, workers: int = 1) -> None:
    """Serve the web app until interrupted (uvicorn's access log off: it would hold client addresses).

    With several workers, uvicorn starts that many processes, each opening the index (SQLite readers
    do not block one another in WAL mode) and building the app with worker_app(); they share chats,
    staff logins and the question log through the index file. A read-only index is served by one.
    """
    import uvicorn

    options: dict[str, Any] = {"host": host, "port": port, "access_log": False,
                               "log_level": settings.log_level.lower(), "server_header": False}
    if workers > 1 and answerer.engine.store.readonly:
        log.warning("%s is read-only: chats cannot be shared, so one worker serves it", answerer.engine.store.path)
        workers = 1
    if workers == 1:
        uvicorn.run(build_app(settings, answerer), **options)
        return
    os.environ[WORKER_DB] = str(answerer.engine.store.path.resolve())  # the --db given, for every worker
    os.environ[WORKER_RANKER] = answerer.engine.ranker
    uvicorn.run("bot.web:worker_app", factory=True, workers=workers, **options)


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn calls this in each): settings as the parent read them."""
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return build_app(settings, Answerer(Engine.open(settings.db, settings.ranker)))
