"""What keeps the web app safe: errors as JSON, a body cap, a per-client rate limit, security headers,
client addresses never logged, and the staff password stored hashed and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import Settings

MAX_CLIENTS = 50_000  # clients whose request times the rate limit remembers
RATE_LIMITED = ("/api/", "/admin/login")  # paths counted by the per-client rate limit
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # the stored hash's cost (about 50 ms per login)

log = logging.getLogger("policyqa.web")


class ApiError(Exception):
    """A request the API refuses: an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ErrorBody(BaseModel):
    """Every error the API returns."""

    error: str = Field(description="what was wrong, in one line")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route may return."""
    return {code: {"model": ErrorBody, "description": ERRORS[code]} for code in codes}


ERRORS = {
    400: "an empty question, a body that is not JSON, or a date that is none",
    401: "no staff session (log in at /admin), or a wrong password",
    403: "the staff page is off: no password configured",
    404: "no such plan, item, region, unit, route, or question in this session",
    409: "this answer has feedback already",
    413: "request body over the cap (POLICYQA_MAX_BODY)",
    422: "a field missing or of the wrong type",
    429: "over the per-client rate limit (POLICYQA_WEB_RATE_LIMIT a minute); see Retry-After",
    500: "an unexpected error (logged on the server)",
    503: "the question log is busy (an index rebuild): try again",
}


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
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, replaying(body, receive), send)


def replaying(message: Message, receive: Receive) -> Receive:
    """A receive that gives a message already read once, then whatever the client sends next (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return message

    return replay


def path_kind(path: str) -> tuple[bool, bool]:
    """What the security headers depend on: (a staff page, a page never to be cached)."""
    return path.startswith("/admin"), path.startswith(("/api/", "/admin"))


def security_headers(settings: Settings, path: str) -> dict[str, str]:
    """CSP without inline script, and the page may be framed only by the allowed origins."""
    staff, private = path_kind(path)
    ancestors = "'none'" if staff else " ".join(["'self'", *settings.allowed_origins])
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store" if private else "no-cache",
    }


class Guard:
    """The outer middleware: per-client rate limit, security headers, one log line without the address.

    Plain ASGI (not Starlette's BaseHTTPMiddleware, which runs each request through a task and a
    stream of its own: a tenth of an answer's time). Each worker process counts its own clients.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limit = RateLimit(settings.web_rate_limit)
        self.salt = secrets.token_hex(8)  # client tags in the log cannot be matched across restarts
        self._headers: dict[tuple[bool, bool], tuple[list[tuple[bytes, bytes]], set[bytes]]] = {}

    def tag(self, host: str) -> str:
        """A short hash of the client address, for the server log (raw addresses are never logged)."""
        return hashlib.sha256(f"{self.salt}:{host}".encode()).hexdigest()[:10]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = scope["path"]
        host = scope["client"][0] if scope.get("client") else "-"
        added, names = self.headers(path)
        status = 500

        async def send_guarded(message: Message) -> None:
            """The response with the security headers in place of any of the same name."""
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [h for h in message.get("headers", []) if h[0].lower() not in names] + added}
            await send(message)

        if path.startswith(RATE_LIMITED) and not self.limit.allow(host):
            refused = error(429, "too many requests: please wait a minute", {"Retry-After": "60"})
            await refused(scope, receive, send_guarded)
        else:
            await self.app(scope, receive, send_guarded)
        if log.isEnabledFor(logging.INFO):  # the client's tag is a hash: made only for a line that is written
            log.info("%s %s %s %.0fms client=%s", scope["method"], path, status, (time.perf_counter() - start) * 1000,
                     self.tag(host))

    def headers(self, path: str) -> tuple[list[tuple[bytes, bytes]], set[bytes]]:
        """The security headers for a path as ASGI pairs, and their names (one set per kind of path, made once)."""
        kind = path_kind(path)
        if kind not in self._headers:
            added = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                     for k, v in security_headers(self.settings, path).items()]
            self._headers[kind] = added, {name for name, _ in added}
        return self._headers[kind]


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
