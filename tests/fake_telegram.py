"""A fake Telegram Bot API server on 127.0.0.1, for offline tests of python-telegram-bot apps.

Usage::

    with FakeTelegram() as tg:
        app = tg.app_builder().build()
        errors = collect_errors(app)

        async def scenario(app: Application) -> None:
            tg.send_text(1, "/start")
            await tg.wait_for(lambda: tg.sent(1))

        run_app(app, scenario)
        assert errors == [] and tg.texts(1) == ["Hello!"]

The server speaks the Bot API's HTTP protocol (``/bot<TOKEN>/<method>``, JSON, form-encoded or
multipart bodies, Telegram-shaped errors) and keeps chats, messages, pending updates and a log of
every call in memory. It is deliberately strict where a lenient fake would hide bugs: texts are
counted in UTF-16 code units after HTML parsing, HTML must use only Telegram's tags and entities
(a bare ``&`` or ``>`` is rejected here although Telegram tolerates it), callback_data is limited
to 64 UTF-8 bytes, editing to identical content is "message is not modified", and sending to a
chat nobody wrote from is "chat not found" (use :meth:`FakeTelegram.add_chat` to pre-register).
"""

from __future__ import annotations

import asyncio
import copy
import email.parser
import email.policy
import html
import json
import os
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl, urlsplit

from telegram.ext import Application, ApplicationBuilder, ContextTypes

T = TypeVar("T")
JSON: TypeAlias = dict[str, Any]
AnyApp: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"
AnyBuilder: TypeAlias = "ApplicationBuilder[Any, Any, Any, Any, Any, Any]"

BOT_ID = 7000000001
BOT_USERNAME = "policyqa_test_bot"
BOT_FIRST_NAME = "PolicyQA Test Bot"
TOKEN = f"{BOT_ID}:AAFakeTokenForOfflineTests_0123456789"
DEFAULT_GROUP_USER_ID = 1001
MAX_TEXT_UTF16 = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_POLL_WAIT = 1.0

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
# Parameters that are strings by definition and must never be JSON-decoded from a form body.
STRING_PARAMS = frozenset(
    "text caption parse_mode callback_query_id url action language_code inline_message_id "
    "business_connection_id message_effect_id description short_description name title query "
    "secret_token emoji custom_emoji_id".split()
)


class ApiError(Exception):
    """A Bot API error, rendered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, description: str, error_code: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.retry_after = retry_after

    def payload(self) -> JSON:
        """Return the Telegram-shaped JSON error body."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """Build a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(f"Bad Request: {reason}")


@dataclass(frozen=True)
class Call:
    """One recorded Bot API request with its parsed params and outcome."""

    method: str
    params: JSON
    ok: bool
    result: Any = None
    error: str | None = None
    error_code: int | None = None
    at: float = field(default_factory=time.monotonic)


# ---------------------------------------------------------------------------------------------
# Text helpers: UTF-16 lengths, the strict HTML checker, entities of injected messages.


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


class HtmlError(ValueError):
    """The HTML is not what Telegram's parse_mode=HTML accepts."""


_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z_][A-Za-z0-9_-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*>"
)
_ATTR_RE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    offset: int
    entity: JSON | None


class _HtmlParser:
    """Strict tokenizer for Telegram HTML producing visible text and MessageEntity dicts."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.chunks: list[str] = []
        self.length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def parse(self) -> tuple[str, list[JSON]]:
        """Parse the whole source or raise HtmlError."""
        i = 0
        while i < len(self.source):
            i = self._step(i)
        if self.stack:
            tag = self.stack[-1].name
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.chunks), self.entities

    def _step(self, i: int) -> int:
        """Consume one token at index ``i`` and return the next index."""
        char = self.source[i]
        if char == "<":
            return self._tag(i)
        if char == "&":
            return self._entity(i)
        if char == ">":
            raise HtmlError(f'Unescaped ">" at byte offset {self._byte(i)}; use &gt;')
        self._emit(char)
        return i + 1

    def _byte(self, i: int) -> int:
        """UTF-8 byte offset of index ``i`` (Telegram reports byte offsets)."""
        return len(self.source[:i].encode())

    def _emit(self, text: str) -> None:
        """Append visible text."""
        self.chunks.append(text)
        self.length += utf16_len(text)

    def _entity(self, i: int) -> int:
        """Decode one character entity."""
        match = _ENTITY_RE.match(self.source, i)
        if match is None or (match[3] is not None and match[3] not in _NAMED_ENTITIES):
            raise HtmlError(f'Unescaped "&" or unsupported entity at byte offset {self._byte(i)}')
        if match[3] is not None:
            self._emit(_NAMED_ENTITIES[match[3]])
        else:
            code = int(match[1]) if match[1] else int(match[2], 16)
            if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise HtmlError(f"Invalid character entity at byte offset {self._byte(i)}")
            self._emit(chr(code))
        return match.end()

    def _tag(self, i: int) -> int:
        """Handle a start or end tag."""
        match = _TAG_RE.match(self.source, i)
        if match is None:
            raise HtmlError(f'Unsupported start tag "" at byte offset {self._byte(i)}')
        name = match[2].lower()
        if match[1]:
            if match[3].strip():
                raise HtmlError(f"Unexpected attributes in end tag at byte offset {self._byte(i)}")
            self._close(name, i)
        else:
            self._open(name, _attributes(match[3]), i)
        return match.end()

    def _open(self, name: str, attrs: dict[str, str], i: int) -> None:
        """Push a start tag after checking it is one Telegram allows."""
        if name not in _TAG_TYPES:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {self._byte(i)}')
        if name == "span" and attrs.get("class") != "tg-spoiler":
            where = f"at byte offset {self._byte(i)}"
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" {where}')
        entity = self._entity_for(name, attrs, i)
        self.stack.append(_OpenTag(name, self.length, entity))

    def _entity_for(self, name: str, attrs: dict[str, str], i: int) -> JSON | None:
        """Build the MessageEntity (sans offset/length) that a start tag opens."""
        kind = _TAG_TYPES[name]
        if name == "a":
            return {"type": kind, "url": attrs["href"]} if attrs.get("href") else None
        if name == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        if name == "tg-emoji":
            if not attrs.get("emoji-id", "").isdigit():
                raise HtmlError(f"Custom emoji must have a valid emoji-id at byte {self._byte(i)}")
            return {"type": kind, "custom_emoji_id": attrs["emoji-id"]}
        if name == "code" and attrs.get("class", "").startswith("language-"):
            return {"type": kind, "language": attrs["class"].removeprefix("language-")}
        return {"type": kind}

    def _close(self, name: str, i: int) -> None:
        """Pop the matching start tag and record its entity."""
        if not self.stack:
            raise HtmlError(f'Unexpected end tag "{name}" at byte offset {self._byte(i)}')
        top = self.stack.pop()
        if top.name != name:
            raise HtmlError(
                f"Unmatched end tag at byte offset {self._byte(i)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        if top.entity is None or self.length == top.offset:
            return
        if self._merge_code_into_pre(top):
            return
        entity = {**top.entity, "offset": top.offset, "length": self.length - top.offset}
        self.entities.append(entity)

    def _merge_code_into_pre(self, top: _OpenTag) -> bool:
        """Turn ``<pre><code class="language-x">`` into one pre entity with a language."""
        assert top.entity is not None
        language = top.entity.get("language")
        parent = self.stack[-1] if self.stack else None
        if language is None or parent is None or parent.name != "pre" or parent.entity is None:
            return False
        parent.entity["language"] = language
        return True


def _attributes(raw: str) -> dict[str, str]:
    """Parse tag attributes into a dict with lowercase names and unescaped values."""
    attrs: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        attrs[match[1].lower()] = html.unescape(value)
    return attrs


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Return (visible text, entities) for Telegram HTML, or raise HtmlError."""
    return _HtmlParser(source).parse()


_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}")


def incoming_entities(text: str) -> list[JSON]:
    """Entities Telegram adds to a user's text: a leading bot_command and @mentions."""
    entities: list[JSON] = []
    command_end = 0
    command = _COMMAND_RE.match(text)
    if command:
        command_end = command.end()
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command[0])})
    for mention in _MENTION_RE.finditer(text, command_end):
        offset = utf16_len(text[: mention.start()])
        entities.append({"type": "mention", "offset": offset, "length": utf16_len(mention[0])})
    return entities


# ---------------------------------------------------------------------------------------------
# Request parsing.


def _coerce(name: str, value: Any) -> Any:
    """JSON-decode a form value unless the parameter is a string by definition."""
    if not isinstance(value, str) or name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _multipart(body: bytes, content_type: str) -> JSON:
    """Parse a multipart/form-data body; file parts become {"filename", "size"} dicts."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: JSON = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (
            {"filename": filename, "size": len(payload)} if filename else payload.decode()
        )
    return fields


def parse_params(body: bytes, content_type: str, query: str = "") -> JSON:
    """Parse query string plus a JSON, form-encoded or multipart body into typed params."""
    raw: JSON = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body.strip():
        raw.update(json.loads(body))
    elif kind == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif kind == "multipart/form-data":
        raw.update(_multipart(body, content_type))
    return {name: _coerce(name, value) for name, value in raw.items()}


def _markup_dict(value: Any) -> JSON | None:
    """Return reply_markup as a dict (it may arrive JSON-encoded twice)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return value


def _check_button(button: Any) -> None:
    """Validate one inline keyboard button like Telegram does."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        reason = 'Field "text" must be of type String'
        raise bad_request(f"can't parse inline keyboard button: {reason}")
    actions = set(button) - {"text", "style", "icon_custom_emoji_id"}
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode())
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")


def inline_markup(value: Any) -> JSON | None:
    """Validate reply_markup; return it if inline (Telegram echoes only inline keyboards)."""
    markup = _markup_dict(value)
    if markup is None or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard: field \"inline_keyboard\" must be an Array")
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _callback_datas(message: JSON) -> list[str]:
    """All callback_data values of a message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


# ---------------------------------------------------------------------------------------------
# The HTTP layer.


class _Server(ThreadingHTTPServer):
    """Threading HTTP server that knows its FakeTelegram and its open connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore connection resets from cancelled client requests."""

    def close_connections(self) -> None:
        """Shut down every open keep-alive connection so handler threads exit."""
        with self.connections_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/bot<TOKEN>/<method>`` requests to the FakeTelegram."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30
    server: _Server

    def setup(self) -> None:
        """Register the connection for shutdown."""
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        """Answer a Bot API request."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        content_type = self.headers.get("Content-Type", "")
        status, payload = self.server.fake.handle(url.path, url.query, content_type, body)
        self._reply(status, payload)

    do_GET = do_POST  # noqa: N815 - Telegram accepts GET too

    def _reply(self, status: int, payload: JSON) -> None:
        """Write a JSON response, ignoring clients that went away."""
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet."""


# ---------------------------------------------------------------------------------------------
# The fake itself.


@dataclass
class _Stored:
    """A message in a chat and whether it was deleted."""

    message: JSON
    deleted: bool = False


class FakeTelegram:
    """In-memory Telegram Bot API on 127.0.0.1; use as ``with FakeTelegram() as tg:``."""

    def __init__(self, *, max_poll_wait: float = MAX_POLL_WAIT) -> None:
        self.max_poll_wait = max_poll_wait
        self.bot_user: JSON = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }
        self._cond = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._saved_env: dict[str, str | None] = {}
        self._closed = False
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._poll_generation = 0
        self._chats: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, _Stored]] = {}
        self._next_message_id: dict[int, int] = {}
        self._queries: dict[str, JSON | None] = {}
        self._next_query_id = 1
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._failures: dict[str, list[ApiError]] = {}
        self._calls: list[Call] = []
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._methods: dict[str, Callable[[JSON], Any]] = {
            name.lower(): getattr(self, f"_api_{name}") for name in _API_METHODS
        }

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Start serving; adds 127.0.0.1,localhost to NO_PROXY/no_proxy (restored by stop)."""
        self._bypass_proxies()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake long polls, stop the server, close connections, restore the environment."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._restore_env()

    def __enter__(self) -> FakeTelegram:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    def _bypass_proxies(self) -> None:
        """Make httpx connect to 127.0.0.1 directly even if a proxy is configured."""
        for name in ("NO_PROXY", "no_proxy"):
            old = os.environ.get(name)
            self._saved_env[name] = old
            os.environ[name] = ",".join(filter(None, [old, "127.0.0.1", "localhost"]))

    def _restore_env(self) -> None:
        """Put NO_PROXY/no_proxy back as they were."""
        for name, old in self._saved_env.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
        self._saved_env.clear()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        assert self._server is not None, "FakeTelegram is not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder.base_url (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder.base_file_url (file downloads answer 404)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def app_builder(self, token: str = TOKEN) -> AnyBuilder:
        """An ApplicationBuilder already pointed at this fake."""
        builder = ApplicationBuilder().token(token).base_url(self.base_url)
        return builder.base_file_url(self.base_file_url)

    # -- HTTP dispatch --------------------------------------------------------------------------

    def handle(self, path: str, query: str, content_type: str, body: bytes) -> tuple[int, JSON]:
        """Answer one HTTP request: returns (status, JSON body)."""
        match = _PATH_RE.fullmatch(path)
        method = match[1] if match else path
        try:
            params = parse_params(body, content_type, query)
        except (TypeError, ValueError) as exc:
            return self._finish(method, {}, bad_request(f"can't parse request: {exc}"))
        busy = method.lower() != "getupdates"
        if busy:
            self._activity(+1)
        try:
            return self._finish(method, params, self._invoke(method, params))
        finally:
            if busy:
                self._activity(-1)

    def _invoke(self, method: str, params: JSON) -> Any:
        """Run the method handler; exceptions become ApiErrors."""
        handler = self._methods.get(method.lower())
        if handler is None:
            return ApiError("Not Found", 404)
        try:
            with self._cond:
                self._raise_injected(method)
                return handler(params)
        except ApiError as exc:
            return exc
        except Exception as exc:  # a bug in the fake or a malformed request
            return ApiError(f"Internal Server Error: {type(exc).__name__}: {exc}", 500)

    def _finish(self, method: str, params: JSON, outcome: Any) -> tuple[int, JSON]:
        """Record the call and build the HTTP response."""
        if isinstance(outcome, ApiError):
            call = Call(method, params, False, None, outcome.description, outcome.error_code)
            status, payload = outcome.error_code, outcome.payload()
        else:
            call = Call(method, params, True, copy.deepcopy(outcome))
            status, payload = 200, {"ok": True, "result": outcome}
        with self._cond:
            self._calls.append(call)
        return status, payload

    def _activity(self, delta: int) -> None:
        """Track in-flight requests and the time of the last activity (for wait_idle)."""
        with self._cond:
            self._inflight += delta
            self._last_activity = time.monotonic()

    def _raise_injected(self, method: str) -> None:
        """Raise the next error queued by fail_next for this method, if any."""
        queue = self._failures.get(method.lower())
        if queue:
            raise queue.pop(0)

    # -- shared model helpers (called with the lock held) ---------------------------------------

    def _now(self) -> int:
        """Unix time as Telegram dates it."""
        return int(time.time())

    def _chat(self, chat_id: Any) -> JSON:
        """The known chat with this id, or Telegram's "chat not found"."""
        try:
            return self._chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise bad_request("chat not found") from None

    def _stored(self, params: JSON, missing: str) -> _Stored:
        """The live message addressed by chat_id + message_id, or a 400 with ``missing``."""
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat = self._chat(params.get("chat_id"))
        stored = self._messages[chat["id"]].get(_int(params.get("message_id")))
        if stored is None or stored.deleted:
            raise bad_request(missing)
        return stored

    def _store(self, chat: JSON, sender: JSON, **fields: Any) -> JSON:
        """Create, store and return a new message in ``chat``."""
        chat_id = chat["id"]
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        message = {"message_id": message_id, "from": sender, "chat": chat, "date": self._now()}
        message.update({key: value for key, value in fields.items() if value})
        self._messages[chat_id][message_id] = _Stored(message)
        self._last_activity = time.monotonic()
        return copy.deepcopy(message)

    def _enqueue(self, kind: str, payload: JSON) -> int:
        """Queue an update for getUpdates and wake long polls."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, kind: copy.deepcopy(payload)})
        self._last_activity = time.monotonic()
        self._cond.notify_all()
        return update_id

    def _confirm(self, offset: int) -> None:
        """Forget updates below ``offset`` (negative: keep only the last -offset)."""
        before = len(self._updates)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        if len(self._updates) != before:
            self._last_activity = time.monotonic()

    def _text(self, params: JSON) -> tuple[str, list[JSON]]:
        """Validate text + parse_mode; return the visible text and its entities."""
        raw = params.get("text")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = str(raw)  # a JSON body may carry numbers; Telegram takes them as text
        if not isinstance(raw, str) or not raw.strip():
            raise bad_request("message text is empty")
        if str(params.get("parse_mode") or "").lower() == "html":
            try:
                text, entities = parse_html(raw)
            except HtmlError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        else:
            text, entities = raw, list(params.get("entities") or [])
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT_UTF16:
            raise bad_request("message is too long")
        return text, entities

    def _reply_to(self, chat: JSON, params: JSON) -> JSON | None:
        """The message being replied to (from reply_parameters or reply_to_message_id)."""
        reply = params.get("reply_parameters") or {}
        if isinstance(reply, str):
            reply = json.loads(reply)
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if not message_id:
            return None
        stored = self._messages[chat["id"]].get(int(message_id))
        if stored is None or stored.deleted:
            lenient = reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            )
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        return _without_reply(stored.message)

    # -- Bot API methods ------------------------------------------------------------------------

    def _api_getMe(self, params: JSON) -> JSON:
        """getMe: the bot's User with the capability flags."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_getUpdates(self, params: JSON) -> list[JSON]:
        """getUpdates: confirm below offset, long-poll up to min(timeout, max_poll_wait)."""
        self._confirm(_int(params.get("offset")))
        limit = min(max(_int(params.get("limit")) or 100, 1), 100)
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        deadline = time.monotonic() + wait
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        while not self._updates and not self._closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or generation != self._poll_generation:
                break
            self._cond.wait(remaining)
        if generation != self._poll_generation:
            return []
        return copy.deepcopy(self._updates[:limit])

    def _api_deleteWebhook(self, params: JSON) -> bool:
        """deleteWebhook: honours drop_pending_updates."""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: JSON) -> JSON:
        """getWebhookInfo: no webhook is ever set."""
        pending = len(self._updates)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    def _api_close(self, params: JSON) -> bool:
        """close: accepted."""
        return True

    def _api_logOut(self, params: JSON) -> bool:
        """logOut: accepted."""
        return True

    def _api_setMyCommands(self, params: JSON) -> bool:
        """setMyCommands: validate and store per scope and language."""
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("parameter \"commands\" must be an Array of at most 100 commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[_command_key(params)] = commands
        return True

    def _api_getMyCommands(self, params: JSON) -> list[JSON]:
        """getMyCommands: what setMyCommands stored for the scope and language."""
        return copy.deepcopy(self._commands.get(_command_key(params), []))

    def _api_deleteMyCommands(self, params: JSON) -> bool:
        """deleteMyCommands: forget the scope's commands."""
        self._commands.pop(_command_key(params), None)
        return True

    def _api_sendMessage(self, params: JSON) -> JSON:
        """sendMessage: validate text/markup, store and return the new Message."""
        chat = self._chat(params.get("chat_id"))
        text, entities = self._text(params)
        markup = inline_markup(params.get("reply_markup"))
        reply = self._reply_to(chat, params)
        return self._store(
            chat,
            self.bot_user,
            reply_to_message=reply,
            text=text,
            entities=entities,
            reply_markup=markup,
        )

    def _api_editMessageText(self, params: JSON) -> JSON:
        """editMessageText: replaces text; a missing reply_markup removes the keyboard."""
        stored = self._stored(params, "message to edit not found")
        text, entities = self._text(params)
        markup = inline_markup(params.get("reply_markup"))
        message = stored.message
        _check_editable(message, self.bot_user["id"])
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        old = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if old == (text, entities, markup):
            raise ApiError(NOT_MODIFIED)
        _set(message, text=text, entities=entities, reply_markup=markup, edit_date=self._now())
        return copy.deepcopy(message)

    def _api_editMessageReplyMarkup(self, params: JSON) -> JSON:
        """editMessageReplyMarkup: replaces (or, if absent, removes) the inline keyboard."""
        stored = self._stored(params, "message to edit not found")
        markup = inline_markup(params.get("reply_markup"))
        message = stored.message
        _check_editable(message, self.bot_user["id"])
        if message.get("reply_markup") == markup:
            raise ApiError(NOT_MODIFIED)
        _set(message, reply_markup=markup, edit_date=self._now())
        return copy.deepcopy(message)

    def _api_deleteMessage(self, params: JSON) -> bool:
        """deleteMessage: marks the message deleted."""
        stored = self._stored(params, "message to delete not found")
        stored.deleted = True
        return True

    def _api_answerCallbackQuery(self, params: JSON) -> bool:
        """answerCallbackQuery: each query injected by press_button can be answered once."""
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._queries or self._queries[query_id] is not None:
            raise bad_request(QUERY_INVALID)
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._queries[query_id] = dict(params)
        return True

    def _api_sendChatAction(self, params: JSON) -> bool:
        """sendChatAction: the chat must exist and the action be a valid one."""
        self._chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # -- helpers for tests: injecting updates ---------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        user_id: int | None = None,
        username: str | None = None,
    ) -> JSON:
        """Register a chat (done implicitly by send_text); returns the Chat dict."""
        user = self._user(_sender_id(chat_id, chat_type, user_id), username)
        with self._cond:
            return copy.deepcopy(self._ensure_chat(chat_id, chat_type, user))

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Inject a user's text message update; returns the new message_id."""
        user_id = _sender_id(chat_id, chat_type, user_id)
        with self._cond:
            user = self._user(user_id, username)
            chat = self._ensure_chat(chat_id, chat_type, user)
            reply = None
            if reply_to_message_id is not None:
                reply = self._existing(chat_id, reply_to_message_id).message
            message = self._store(
                chat,
                user,
                reply_to_message=_without_reply(reply) if reply else None,
                text=text,
                entities=incoming_entities(text),
            )
            self._enqueue("message", message)
            return int(message["message_id"])

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        username: str | None = None,
        strict: bool = True,
    ) -> str:
        """Inject a callback_query for a bot message; returns the callback query id.

        With ``strict`` the message's current inline keyboard must contain ``data``.
        """
        with self._cond:
            message = self._existing(chat_id, message_id).message
            if message["from"]["id"] != self.bot_user["id"]:
                raise ValueError(f"message {message_id} in chat {chat_id} was not sent by the bot")
            if strict and data not in _callback_datas(message):
                raise ValueError(f"no button with callback_data {data!r} on message {message_id}")
            chat = self._chats[chat_id]
            sender_id = _sender_id(chat_id, chat["type"], user_id)
            query_id = str(self._next_query_id)
            self._next_query_id += 1
            self._queries[query_id] = None
            query = {
                "id": query_id,
                "from": self._user(sender_id, username),
                "message": message,
                "chat_instance": f"ci{chat_id}",
                "data": data,
            }
            self._enqueue("callback_query", query)
            return query_id

    def fail_next(
        self,
        method: str,
        description: str = "Bad Request: injected failure",
        *,
        error_code: int = 400,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of ``method`` fail with this Telegram error (e.g. 429 retry_after)."""
        with self._cond:
            error = ApiError(description, error_code, retry_after)
            self._failures.setdefault(method.lower(), []).append(error)

    def _user(self, user_id: int, username: str | None) -> JSON:
        """A human User dict."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if username:
            user["username"] = username
        return user

    def _ensure_chat(self, chat_id: int, chat_type: str, user: JSON) -> JSON:
        """Return the chat, creating it on first sight; checks id sign and type."""
        if chat_type not in ("private", "group", "supergroup"):
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        if (chat_type == "private") != (chat_id > 0):
            raise ValueError("private chats have positive ids, groups negative ones")
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _new_chat(chat_id, chat_type, user)
            self._chats[chat_id] = chat
            self._messages[chat_id] = {}
            self._next_message_id[chat_id] = 1
        if chat["type"] != chat_type:
            raise ValueError(f"chat {chat_id} is a {chat['type']} chat, not {chat_type}")
        return chat

    def _existing(self, chat_id: int, message_id: int) -> _Stored:
        """A live stored message or LookupError (for the test-side helpers)."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.deleted:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        return stored

    # -- helpers for tests: inspecting ----------------------------------------------------------

    def sent(self, chat_id: int) -> list[JSON]:
        """The bot's live messages in a chat, oldest first, as current Message dicts."""
        with self._cond:
            stored = self._messages.get(chat_id, {}).values()
            return [
                copy.deepcopy(s.message)
                for s in stored
                if not s.deleted and s.message["from"]["id"] == self.bot_user["id"]
            ]

    def texts(self, chat_id: int) -> list[str]:
        """Current texts of the bot's live messages in a chat."""
        return [m.get("text", "") for m in self.sent(chat_id)]

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """Any message (user's or bot's, live or deleted) as its current dict, or None."""
        with self._cond:
            stored = self._messages.get(chat_id, {}).get(message_id)
            return copy.deepcopy(stored.message) if stored else None

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, optionally only those of one method (case-insensitive)."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method.lower() == method.lower()]

    def errors(self) -> list[Call]:
        """Recorded calls that were answered with an error."""
        return [c for c in self.calls() if not c.ok]

    def callback_answer(self, query_id: str) -> JSON | None:
        """The params of answerCallbackQuery for this query, or None if not answered."""
        with self._cond:
            answer = self._queries.get(query_id)
            return dict(answer) if answer is not None else None

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands stored by setMyCommands for a scope (default scope if None)."""
        params: JSON = {"scope": scope, "language_code": language_code}
        with self._cond:
            return copy.deepcopy(self._commands.get(_command_key(params), []))

    # -- helpers for tests: waiting -------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01
    ) -> T:
        """Await until ``predicate()`` is truthy and return it; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met in {timeout}s; errors: {self.errors()}")
            await asyncio.sleep(interval)

    async def wait_idle(self, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Await until all updates are confirmed and no API call happened for ``quiet`` s."""
        await self.wait_for(lambda: self._idle(quiet), timeout=timeout)

    def _idle(self, quiet: float) -> bool:
        """Whether the bot has fetched everything and gone quiet."""
        with self._cond:
            calm = time.monotonic() - self._last_activity >= quiet
            return not self._updates and self._inflight == 0 and calm


_PATH_RE = re.compile(r"/bot[^/]+/([A-Za-z]+)/?")
_API_METHODS = (
    "getMe getUpdates deleteWebhook getWebhookInfo close logOut setMyCommands getMyCommands "
    "deleteMyCommands sendMessage editMessageText editMessageReplyMarkup deleteMessage "
    "answerCallbackQuery sendChatAction"
).split()


def _int(value: Any) -> int:
    """Int of a param, 0 when absent or malformed."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _set(message: JSON, **fields: Any) -> None:
    """Set fields on a message, removing those that are empty (Telegram omits them)."""
    for key, value in fields.items():
        if value:
            message[key] = value
        else:
            message.pop(key, None)


def _without_reply(message: JSON) -> JSON:
    """A copy of a message without its own reply_to_message (Telegram nests one level)."""
    return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}


def _check_editable(message: JSON, bot_id: int) -> None:
    """Only the bot's own messages can be edited."""
    if message["from"]["id"] != bot_id:
        raise bad_request("message can't be edited")


def _command_key(params: JSON) -> tuple[str, str]:
    """Storage key of a command list: (scope JSON, language code)."""
    scope = params.get("scope") or {"type": "default"}
    if isinstance(scope, str):
        scope = json.loads(scope)
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _sender_id(chat_id: int, chat_type: str, user_id: int | None) -> int:
    """The sender of an injected update: the chat itself in private chats."""
    if chat_type == "private":
        if user_id not in (None, chat_id):
            raise ValueError("in a private chat user_id must equal chat_id")
        return chat_id
    return user_id if user_id is not None else DEFAULT_GROUP_USER_ID


def _new_chat(chat_id: int, chat_type: str, user: JSON) -> JSON:
    """A Chat dict for a private chat with ``user`` or a group."""
    if chat_type == "private":
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat
    return {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {chat_id}"}


# ---------------------------------------------------------------------------------------------
# Driving a PTB Application against the fake.


def collect_errors(app: AnyApp) -> list[BaseException]:
    """Register an error handler on ``app`` and return the list it appends errors to."""
    errors: list[BaseException] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Keep the error for the test to assert on."""
        if context.error is not None:
            errors.append(context.error)

    app.add_error_handler(on_error)
    return errors


@asynccontextmanager
async def running(
    app: AnyApp,
    *,
    poll_timeout: int = 1,
    hooks: bool = True,
) -> AsyncIterator[AnyApp]:
    """Run ``app`` polling like run_polling does (incl. post_init/post_stop/post_shutdown hooks)."""
    assert app.updater is not None, "the application needs an Updater for polling"
    await app.initialize()
    try:
        if hooks and app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
        await app.start()
        try:
            yield app
        finally:
            await _stop(app, hooks)
    finally:
        await app.shutdown()
        if hooks and app.post_shutdown:
            await app.post_shutdown(app)


async def _stop(app: AnyApp, hooks: bool) -> None:
    """Stop polling and the application, then run post_stop."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
        if hooks and app.post_stop:
            await app.post_stop(app)


def run_app(
    app: AnyApp,
    scenario: Callable[[AnyApp], Awaitable[T]],
    *,
    poll_timeout: int = 1,
) -> T:
    """Run ``scenario(app)`` while ``app`` polls, in a fresh event loop; returns its result."""

    async def main() -> T:
        """Run the scenario inside running(app)."""
        async with running(app, poll_timeout=poll_timeout):
            return await scenario(app)

    return asyncio.run(main())
