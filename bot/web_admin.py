"""The staff page: login with the password from settings, the question log summarized, the plans'
ingest reports, and the log as CSV. Routes refuse without a staff session (401), or when no
password is configured (403).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field

from bot.web_guard import ApiError, check_password, errors

if TYPE_CHECKING:
    from bot.web import Web

ADMIN_COOKIE = "policyqa_admin"
ADMIN_IDLE = 8 * 3600  # seconds a staff login lasts
LOG_COLUMNS = ("id", "at", "chat", "question", "intent", "items", "latency_ms", "no_answer", "up", "down")
OFF = "the staff page is off: set POLICYQA_ADMIN_PASSWORD_HASH"


class LoginBody(BaseModel):
    """POST /admin/login."""

    password: str = Field(max_length=1024)


def require_staff(web: Web, request: Request) -> None:
    """Raise 403 when no staff password is set, 401 without a live staff session."""
    if web.settings.admin_password_hash is None:
        raise ApiError(403, OFF)
    if not web.logins.live(request.cookies.get(ADMIN_COOKIE, "")):
        raise ApiError(401, "log in at /admin first")


def add_admin_routes(app: FastAPI, web: Web) -> None:
    """The staff page: login, the log summarized, the plans' ingest reports, a CSV export."""

    @app.get("/admin", include_in_schema=False)
    def admin_page(request: Request) -> FileResponse:
        """The staff page, or the login form (401) without a staff session."""
        try:
            require_staff(web, request)
        except ApiError as exc:
            if exc.status == 403:
                raise
            return FileResponse(web.static / "login.html", status_code=401)
        return FileResponse(web.static / "admin.html")

    @app.post("/admin/login", status_code=204, responses=errors(401, 403))
    def login(body: LoginBody) -> Response:
        """Check the password; a staff session cookie when it matches."""
        stored = web.settings.admin_password_hash
        if stored is None:
            raise ApiError(403, OFF)
        if not check_password(body.password, stored.get_secret_value()):
            raise ApiError(401, "wrong password")
        token = secrets.token_urlsafe(32)
        web.logins.add(token, ADMIN_IDLE)
        response = Response(status_code=204)
        response.set_cookie(ADMIN_COOKIE, token, max_age=ADMIN_IDLE, httponly=True, samesite="strict",
                            path="/admin", secure=web.settings.secure_cookies)
        return response

    @app.post("/admin/logout", status_code=204)
    def logout(request: Request) -> Response:
        """End the staff session."""
        web.logins.drop(request.cookies.get(ADMIN_COOKIE, ""))
        response = Response(status_code=204)
        response.delete_cookie(ADMIN_COOKIE, path="/admin")
        return response

    @app.get("/admin/stats", responses=errors(401, 403))
    def stats(request: Request) -> dict[str, Any]:
        """Questions per day, most asked, not covered, 👎 answers, and the plans with their ingest reports."""
        require_staff(web, request)
        with web.log_lock:
            summary = web.log.stats()
            reports = web.log.reports()
            down = web.log.down_voted()
        plans = [{"id": d.id, "title": d.title, "region": d.region, "year": d.year, "report": reports.get(d.id)}
                 for d in web.answerer.engine.documents.values()]
        return {**summary, "down_voted": down, "plans": plans}

    @app.get("/admin/questions.csv", responses=errors(401, 403))
    def export(request: Request) -> StreamingResponse:
        """The whole question log as CSV (chat ids hashed)."""
        require_staff(web, request)
        with web.log_lock:
            rows = list(web.log.question_log())
        headers = {"Content-Disposition": 'attachment; filename="questions.csv"'}
        return StreamingResponse(_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


def _csv(rows: list[dict[str, Any]]) -> Iterator[str]:
    """Rows as CSV with a BOM (spreadsheets then read UTF-8); cells that a spreadsheet would run as a formula are quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(LOG_COLUMNS)
    for row in rows:
        writer.writerow([_inert(row[column]) for column in LOG_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _inert(value: object) -> object:
    """A cell value that cannot start a spreadsheet formula (=, +, -, @, tab, CR)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
