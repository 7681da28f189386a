"""The SQLite index (the only module that imports sqlite_utils, and only to write).

Tables: documents; items (with their units, so a hit is one row read);
unit_items, per unit (as written and normalized, role, collective) the ids of the items naming it,
which finds a unit's items; postings, per term the
items containing it and how often (index/rank.py), so a query reads only its own terms; lengths, the tokens of every item; meta (vocabulary, sizes, id
ranges per document and part); questions and feedback, the bot's log (chat ids hashed), which a
rebuild leaves alone; chats and logins, what the web's worker processes share (a chat's state,
staff logins by token hash).
Writes happen in one transaction: if a rebuild fails midway the previous index still answers.
Reads use the standard library's sqlite3 alone, so a query process starts fast.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sqlite3
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, fields
from datetime import datetime, timezone
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import (
    DiskFull, IndexCorrupt, IndexLocked, IndexMissing, IndexProblem, IndexReadOnly, PolicyQAError, StaleIndex,
)
from index.models import LEAD, Document, Item, Unit, Units
from index.rank import Postings, PostingsBuilder, Ranges

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

DatabaseError = sqlite3.Error  # what an edge catches to pass to explain()
log = logging.getLogger(__name__)

SCHEMA_VERSION = "9"
_JSON = json.JSONEncoder(ensure_ascii=False)  # the members column; one encoder (json.dumps with options builds one per call)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, title TEXT, region TEXT, level TEXT,
    year INTEGER, issuer TEXT, number TEXT, date TEXT, source TEXT);
CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, doc TEXT, number TEXT, part TEXT,
    position INTEGER, task TEXT, text TEXT, units_raw TEXT, deadline TEXT, line INTEGER,
    due TEXT, ongoing INTEGER, corrected INTEGER, members TEXT);
CREATE TABLE IF NOT EXISTS unit_items (name TEXT, normalized TEXT, role TEXT, collective INTEGER, ids BLOB,
    PRIMARY KEY (name, normalized, role, collective)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings (term TEXT PRIMARY KEY, df INTEGER, dense INTEGER, wide INTEGER, ids BLOB,
    counts BLOB, top REAL);
CREATE TABLE IF NOT EXISTS lengths (lengths BLOB, average REAL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS questions (id INTEGER PRIMARY KEY, at TEXT, chat TEXT, question TEXT,
    intent TEXT, items TEXT, latency_ms REAL, no_answer INTEGER);
CREATE TABLE IF NOT EXISTS feedback (question_id INTEGER, at TEXT, chat TEXT, vote INTEGER);
CREATE TABLE IF NOT EXISTS chats (key TEXT PRIMARY KEY, seen REAL, state BLOB);
CREATE TABLE IF NOT EXISTS logins (token TEXT PRIMARY KEY, expiry REAL);
"""
_INDEXES = (  # (name, table, columns)
    ("chats_seen", "chats", "seen"),
    ("items_doc_number", "items", "doc, number"),
    ("items_number", "items", "number"),
    ("unit_items_normalized", "unit_items", "normalized"),
)
_SCHEMA += "".join(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns});\n" for name, table, columns in _INDEXES)
_INSERT_DOCUMENT = (f"INSERT INTO documents ({', '.join(f.name for f in fields(Document))})"
                    f" VALUES ({', '.join(f':{f.name}' for f in fields(Document))})")
_ITEM_COLUMNS = "id, doc, number, position, task, text, units_raw, deadline, line, due, ongoing, corrected, members"
_INDEX_TABLES = ("unit_items", "items", "documents", "postings", "lengths")
_OUTDATED_TABLES = ("item_units",)  # index tables of earlier schemas, dropped with the others
# A full rebuild drops these and makes them again once every item is in, from sorted keys, rather than adding
# every row to them in no order (SQLite's part of storing 100k items: 3.5 s with them, 2.4 s so).
_REBUILT_INDEXES = [index for index in _INDEXES if index[1] in _INDEX_TABLES]
ITEM_CACHE = 2_000  # items a connection keeps read (items_by_id): a few MB at most
ID_CHUNK = 10_000  # item ids read in one statement


def part_of(item: Item) -> str:
    """The embedded notice a prose item belongs to ('国务院2020年…要点' of '国务院2020年…要点 一（三）')."""
    return item.number.rsplit(" ", 1)[0] if " " in item.number else ""


UnitKey = tuple[str, str, str, int]  # a unit as an item names it: name, normalized, role, collective
ItemRows = tuple[list[tuple], dict[UnitKey, list[int]]]  # a plan's item rows and its units' items, as item_rows makes them


def item_rows(items: list[Item]) -> ItemRows:
    """A plan's items as rows: every items column but the id (SQLite gives it), in the order of
    add_plan; and each unit the plan names with its items, counted from 0 within the plan.

    Made where the plan is read (a worker process at ingest), so that the one process writing the
    index only inserts them. An item's units are in its row (members, JSON), so that reading a hit is
    one row; unit_items is what finds the items of a unit."""
    units = [tuple((u.name, u.normalized, u.role, int(u.collective)) for u in item.units.members) for item in items]
    encoded: dict[tuple, str] = {}  # a plan names the same units for many of its items: each encoded once
    named: dict[UnitKey, list[int]] = {}
    for n, members in enumerate(units):
        for unit in members:
            held = named.setdefault(unit, [])
            if not held or held[-1] != n:  # a unit named twice in one item
                held.append(n)
    return (
        [(item.doc, item.number, part_of(item), item.position, item.task, item.text, item.units.raw,
          item.deadline, item.line, ",".join(item.due), int(item.ongoing), int(item.corrected),
          encoded.get(members) or encoded.setdefault(members, _JSON.encode(members)))
         for item, members in zip(items, units)],
        named,
    )


class Store:
    """Read and write the index in one SQLite file.

    Every write takes SQLite's own write lock first (BEGIN IMMEDIATE), so writers run one after
    another while readers go on reading the last committed index (WAL). A file or folder that
    cannot be written is opened read-only (no WAL files needed) and refuses writes.
    """

    def __init__(self, path: str | Path, timeout: float = 5.0) -> None:
        """timeout: seconds a write waits for another writer before IndexLocked."""
        self.path = Path(path)
        self.timeout = timeout
        self.readonly = not _writable(self.path)
        self._waits = timeout  # the connection's busy timeout now (seconds); writing() may change it
        try:
            self.conn = self._connect()
            if not self.readonly:
                self.conn.execute("PRAGMA journal_mode=WAL")
                # No fsync per commit (5 ms each here, one per logged question): in WAL mode a commit
                # still survives the process crashing, and a power loss can only drop the last commits.
                self.conn.execute("PRAGMA synchronous=NORMAL")
            # 16 MB of pages; no memory map: mapped pages would count in a query process's memory.
            self.conn.execute("PRAGMA cache_size=-16384")
            self._check_schema()
        except sqlite3.Error as exc:
            raise explain(self.path, exc) from None
        self._ino = _inode(self.path)
        self._salt: str | None = None  # the log's salt once read (it is written once per file)
        self._items: dict[int, Item] = {}  # items_by_id's, read from the index built as _items_version
        self._items_version: str | None = None
        self._indexing: tuple[ThreadPoolExecutor, Future[dict[str, str]]] | None = None  # items_stored's thread
        self._named: dict[UnitKey, array] = {}  # the units of the plans added by the build under way, with their items
        self._removed: list[tuple[int, int]] = []  # the id ranges of the documents it removed

    def _connect(self) -> sqlite3.Connection:
        """A connection: read-write, or read-only (immutable when even the folder is read-only)."""
        if not self.readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout, check_same_thread=False)
        elif not self.path.is_file():
            raise IndexMissing(f"no index at {self.path}, and it cannot be created there (read-only)")
        else:
            # Without a writable folder SQLite cannot make the -shm file a WAL reader needs.
            immutable = "&immutable=1" if not os.access(self.path.parent, os.W_OK) else ""
            uri = f"{self.path.resolve().as_uri()}?mode=ro{immutable}"
            conn = sqlite3.connect(uri, uri=True, timeout=self.timeout, check_same_thread=False)
        # The bot's /reload builds a new engine in a worker thread and uses it from the event loop.
        conn.row_factory = sqlite3.Row
        return conn

    def _check_schema(self) -> None:
        """Create missing tables, drop outdated index tables, and refuse a file that is something else."""
        tables = {r[0] for r in self._rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
        expected = _expected_columns()
        if tables and not tables & expected.keys():
            raise IndexCorrupt(f"{self.path} is not a policyqa index (it holds {', '.join(sorted(tables))}): "
                               "name another file with --db, or rebuild it with `policyqa ingest --rebuild`")
        if self.readonly:
            if "items" in tables and self._stored_version() != SCHEMA_VERSION:
                raise StaleIndex(f"{self.path} was built by another version and is read-only: rebuild it elsewhere")
        else:
            self._drop_outdated()
            self.conn.executescript(_SCHEMA)
            tables = expected.keys()
        for table in tables & expected.keys():
            missing = set(expected[table]) - {r[1] for r in self._rows(f"PRAGMA table_info({table})")}
            if missing:
                raise IndexCorrupt(f"{self.path}: table {table} lacks {', '.join(sorted(missing))} "
                                   "(rebuild it with `policyqa ingest --rebuild`)")

    def _stored_version(self) -> str | None:
        """The schema version the index was written with (None before any)."""
        if not self._rows("PRAGMA table_info(meta)"):
            return None
        found = self._rows("SELECT value FROM meta WHERE key = 'schema'")
        return found[0][0] if found else None

    def _drop_outdated(self) -> None:
        """Drop index tables written by another schema version (they are rebuilt; the log is kept)."""
        if self._rows("PRAGMA table_info(items)") and self._stored_version() != SCHEMA_VERSION:
            with self.writing():
                for table in (*_INDEX_TABLES, *_OUTDATED_TABLES):
                    self.conn.execute(f"DROP TABLE IF EXISTS {table}")

    @contextmanager
    def writing(self, wait: float | None = None) -> Iterator[None]:
        """One write transaction under the index-wide write lock; nested calls join the open one.

        Waits up to `wait` seconds (default `timeout`) for another writer, then raises IndexLocked;
        any failure rolls the whole transaction back, so the last committed index keeps answering.
        """
        if self.conn.in_transaction:
            yield
            return
        if self.readonly:
            raise IndexReadOnly(f"{self.path} is read-only: it can be queried but not changed")
        waited = self.timeout if wait is None else wait
        try:
            if waited != self._waits:  # set only when it changes: a web worker's log waits alike for each question
                self.conn.execute(f"PRAGMA busy_timeout = {int(waited * 1000)}")
                self._waits = waited
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise explain(self.path, exc, waited) from None
        self._items = {}  # read again after any write of this connection's
        try:
            yield
            self.conn.commit()
        except BaseException as exc:
            self.conn.rollback()
            if isinstance(exc, sqlite3.Error):
                raise explain(self.path, exc, self.timeout) from None
            raise

    def check(self) -> None:
        """Raise IndexCorrupt unless SQLite's quick_check finds the file sound (seconds on a large index)."""
        try:
            verdict = self._rows("PRAGMA quick_check(1)")[0][0]
        except sqlite3.Error as exc:
            raise explain(self.path, exc) from None
        if verdict != "ok":
            raise IndexCorrupt(_damaged(self.path, verdict))

    def replaced(self) -> bool:
        """True when another file was swapped in at this path since it was opened (a repair)."""
        return _inode(self.path) != self._ino

    @cached_property
    def db(self) -> Any:
        """sqlite-utils over the same connection, for writing."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def _rows(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a query."""
        return self.conn.execute(sql, list(args)).fetchall()

    # --- writing ---------------------------------------------------------------------------

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """The write transaction of an ingest (writing()), set up for writing much at once.

        An index with no items yet (a new file) is written through a rollback journal rather than
        the WAL: nobody can be reading it, a crash still rolls it back, and a million items are not
        written twice (to the WAL, then into the file). SQLite may sort on every core when it makes
        the SQL indexes (items_stored).
        """
        journal = not self.readonly and not self.conn.in_transaction and not self._rows("SELECT 1 FROM items LIMIT 1")
        journal = journal and self._journal("delete")
        try:
            self.conn.execute(f"PRAGMA threads = {os.cpu_count() or 1}")
            with self.writing():
                try:
                    yield
                except BaseException:
                    with suppress(Exception):
                        self._indexed()  # before the rollback; the error that stopped the build is the one raised
                    raise
        finally:
            self._named, self._removed = {}, []  # what the build collected for unit_items, stored or rolled back
            if journal:
                self._journal("wal")

    def _journal(self, mode: str) -> bool:
        """Switch the journal mode, if no other connection is open; True when it was switched."""
        try:
            self.conn.execute("PRAGMA busy_timeout = 0")
            return self.conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0] == mode
        except sqlite3.OperationalError:  # another connection is open: keep the mode
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(self._waits * 1000)}")

    def clear_index(self) -> None:
        """Empty every index table (inside rebuilding()); their SQL indexes are made again, from sorted
        keys, once the items are in (items_stored)."""
        for name, _, _ in _REBUILT_INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")
        for table in _INDEX_TABLES:
            self.conn.execute(f"DELETE FROM {table}")

    def add_plan(self, document: Document, rows: ItemRows) -> int:
        """Insert a document and its items' rows; returns the first item's id.

        SQLite numbers the items one above the largest id, one insert after another: first, first + 1 …
        """
        items, units = rows
        self.conn.execute(_INSERT_DOCUMENT, asdict(document))
        first = self._rows("SELECT coalesce(max(id), 0) + 1 FROM items")[0][0]
        self.conn.executemany(
            "INSERT INTO items (doc, number, part, position, task, text, units_raw, deadline, line, due, ongoing,"
            " corrected, members) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
        for unit, offsets in units.items():
            held = self._named.get(unit)
            if held is None:
                held = self._named[unit] = array("I")
            held.extend([first + n for n in offsets])  # in id order: every plan's ids are above the last one's
        return first

    def remove_document(self, doc: str) -> None:
        """Remove one document and everything under it (inside rebuilding()): its items' ids leave
        unit_items when the build stores the units (items_stored)."""
        lo, hi = self._rows("SELECT min(id), max(id) FROM items WHERE doc = ?", [doc])[0]
        if lo is not None:
            self._removed.append((lo, hi))
            for held in self._named.values():  # a plan added earlier in the build (ids of a removed plan are used again)
                _cut(held, lo, hi)
        self.conn.execute("DELETE FROM items WHERE doc = ?", [doc])
        self.conn.execute("DELETE FROM documents WHERE id = ?", [doc])

    def items_stored(self) -> None:
        """Every item is in (inside rebuilding()): make the SQL indexes clear_index dropped, and read
        the items' summary for the meta, in a thread of its own. SQLite works without holding Python's
        lock, so the caller goes on counting postings meanwhile; it must not use this connection
        until finish_index, which waits for the thread."""
        from concurrent.futures import ThreadPoolExecutor  # here: only ingest starts a thread

        pool = ThreadPoolExecutor(1, thread_name_prefix="policyqa-index")
        self._indexing = pool, pool.submit(self._index_items)

    def _index_items(self) -> dict[str, str]:
        """Store the units' item ids, make the SQL indexes clear_index dropped; the items' summary."""
        self._store_units()
        for name, table, columns in _REBUILT_INDEXES:
            self.conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
        return self._summary()

    def _store_units(self) -> None:
        """Each unit's item ids: the stored ones but those of the documents removed, and those of the
        plans added (ids of a removed plan may be given to an added one)."""
        named = self._named
        for *unit, blob in self._rows("SELECT * FROM unit_items"):
            kept = _ids(blob)
            for lo, hi in self._removed:
                _cut(kept, lo, hi)
            added = named.get(tuple(unit))
            if added and kept and added[0] <= kept[-1]:
                kept = array("I", sorted({*kept, *added}))
            elif added:
                kept.extend(added)
            named[tuple(unit)] = kept
        self.conn.execute("DELETE FROM unit_items")
        self.conn.executemany("INSERT INTO unit_items VALUES (?, ?, ?, ?, ?)",
                              ((*unit, ids.tobytes()) for unit, ids in named.items() if ids))

    def _indexed(self) -> dict[str, str] | None:
        """Wait for items_stored's thread to end; its summary (None when there is none)."""
        if self._indexing is None:
            return None
        (pool, summary), self._indexing = self._indexing, None
        try:
            return summary.result()
        finally:
            pool.shutdown()  # the thread gone before anything else forks this process

    def finish_index(self, builder: PostingsBuilder, meta: dict[str, str]) -> None:
        """Write every term's postings, the items' lengths and the meta (inside rebuilding()), once
        the SQL indexes are made (items_stored's thread, or here)."""
        items = self._indexed() or self._index_items()
        self.conn.execute("DELETE FROM postings")
        self.conn.executemany("INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)", (
            (term, p.df, int(p.dense), int(p.wide), p.ids, p.counts, p.top) for term, p in builder.rows()))
        self.conn.execute("DELETE FROM lengths")
        self.conn.execute("INSERT INTO lengths VALUES (?, ?)", [builder.lengths.tobytes(), builder.average_length])
        summary = {**meta, **items, "schema": SCHEMA_VERSION, "built": secrets.token_hex(8)}
        self.conn.executemany("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                              summary.items())

    def _summary(self) -> dict[str, str]:
        """Sizes, id ranges per document and per part, and unit names, for the meta table."""
        size, length = self._rows("SELECT count(*), max(id) FROM items")[0]
        docs = {doc: list(span) for doc, span in self.document_ranges().items()}
        parts = [[r[0], r[1], r[2], r[3]] for r in self._rows(
            "SELECT doc, part, min(id), max(id) FROM items WHERE part != '' GROUP BY doc, part")]
        units = [r[0] for r in self._rows("SELECT DISTINCT normalized FROM unit_items ORDER BY normalized")]
        return {
            "size": str(size), "max_id": str(length or 0),
            "doc_ranges": json.dumps(docs, ensure_ascii=False),
            "part_ranges": json.dumps(parts, ensure_ascii=False),
            "unit_names": json.dumps(units, ensure_ascii=False),
        }

    def adopt(self, fresh: Path) -> None:
        """Take every index table from a freshly built file, in one transaction (the log stays)."""
        self.conn.execute("ATTACH DATABASE ? AS fresh", [str(fresh)])
        try:
            with self.writing():
                for table in _INDEX_TABLES:
                    self.conn.execute(f"DELETE FROM main.{table}")
                    self.conn.execute(f"INSERT INTO main.{table} SELECT * FROM fresh.{table}")
                self.conn.execute("INSERT OR REPLACE INTO main.meta SELECT * FROM fresh.meta WHERE key != 'salt'")
        finally:
            self.conn.execute("DETACH DATABASE fresh")

    def salvage_log(self, damaged: Path) -> None:
        """Copy what can still be read of a damaged index's question log into this one."""
        self._salt = None  # the damaged file's salt may be taken
        try:
            self.conn.execute("ATTACH DATABASE ? AS damaged", [str(damaged)])
        except sqlite3.Error:
            log.warning("the question log of %s could not be read: it is not kept", damaged)
            return
        try:
            for table, where in (("questions", ""), ("feedback", ""), ("meta", " WHERE key = 'salt'")):
                try:
                    with self.writing():
                        self.conn.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM damaged.{table}{where}")
                except PolicyQAError:
                    log.warning("the %s of %s could not be read: not kept", table, damaged)
        finally:
            self.conn.execute("DETACH DATABASE damaged")

    def seal(self) -> None:
        """Close, leaving the whole index in the main file (no WAL beside it), ready to be renamed."""
        self.conn.execute("PRAGMA journal_mode=DELETE")
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # --- state shared by a front end's worker processes ------------------------------------

    def load_chat(self, key: str, since: float) -> bytes | None:
        """The saved state of a chat last seen at or after `since` (seconds since the epoch), else None."""
        found = self._rows("SELECT state FROM chats WHERE key = ? AND seen >= ?", [key, since])
        return found[0][0] if found else None

    def save_chat(self, key: str, state: bytes, seen: float) -> None:
        """Save (or replace) a chat's state, seen now."""
        with self.writing():
            self.conn.execute("INSERT OR REPLACE INTO chats VALUES (?, ?, ?)", [key, seen, state])

    def forget_chats(self, since: float, keep: int) -> None:
        """Drop the chats last seen before `since`, and the least recently seen beyond `keep`."""
        with self.writing():
            self.conn.execute("DELETE FROM chats WHERE seen < ?", [since])
            self.conn.execute("DELETE FROM chats WHERE key IN (SELECT key FROM chats ORDER BY seen DESC"
                              " LIMIT -1 OFFSET ?)", [keep])

    def add_login(self, token: str, expiry: float, now: float) -> None:
        """Keep a staff login (by the token's hash) until expiry; the expired ones are dropped."""
        with self.writing():
            self.conn.execute("DELETE FROM logins WHERE expiry < ?", [now])
            self.conn.execute("INSERT OR REPLACE INTO logins VALUES (?, ?)", [_token_hash(token), expiry])

    def login_expiry(self, token: str) -> float | None:
        """When a staff login ends (seconds since the epoch), or None when there is none."""
        found = self._rows("SELECT expiry FROM logins WHERE token = ?", [_token_hash(token)])
        return found[0][0] if found else None

    def drop_login(self, token: str) -> None:
        """End a staff login."""
        with self.writing():
            self.conn.execute("DELETE FROM logins WHERE token = ?", [_token_hash(token)])

    # --- the question log ------------------------------------------------------------------

    def _chat_hash(self, chat_id: int | str) -> str:
        """A chat id hashed with this database's own salt (chat ids are never stored)."""
        salt = self._salt
        if salt is None:  # kept once read: a salt made here is kept only after it is read back committed
            found = self._rows("SELECT value FROM meta WHERE key = 'salt'")
            if found:
                salt = self._salt = found[0][0]
            else:
                salt = secrets.token_hex(16)
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('salt', ?)", [salt])
        return hashlib.sha256(f"{salt}:{chat_id}".encode()).hexdigest()[:16]

    def record_question(
        self, chat_id: int | str, question: str, intent: str, items: list[str], latency_ms: float, no_answer: bool
    ) -> int | None:
        """Log one question and what was answered; returns its id (None when the index is read-only)."""
        if self._log_closed():
            return None
        with self.writing():
            cursor = self.conn.execute(
                "INSERT INTO questions (at, chat, question, intent, items, latency_ms, no_answer)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [_now(), self._chat_hash(chat_id), question, intent, json.dumps(items, ensure_ascii=False),
                 round(latency_ms, 2), int(no_answer)],
            )
        return cursor.lastrowid

    def record_feedback(self, question_id: int, chat_id: int | str, vote: int) -> None:
        """Log a 👍 (+1) or 👎 (-1) on an answered question."""
        if self._log_closed():
            return
        with self.writing():
            self.conn.execute("INSERT INTO feedback VALUES (?, ?, ?, ?)",
                              [question_id, _now(), self._chat_hash(chat_id), vote])

    def _log_closed(self) -> bool:
        """True (with a warning) when the log cannot be written: the index is served read-only."""
        if self.readonly:
            log.warning("%s is read-only: the question log is not kept", self.path)
        return self.readonly

    def stats(self, top: int = 10) -> dict:
        """Questions per day, most-asked and unanswered questions, and the share of 👎."""
        per_day = self._rows("SELECT substr(at, 1, 10) AS day, count(*) AS n FROM questions GROUP BY day ORDER BY day")
        asked = self._rows("SELECT question, count(*) AS n FROM questions GROUP BY question ORDER BY n DESC, question LIMIT ?", [top])
        unanswered = self._rows("SELECT question, count(*) AS n FROM questions WHERE no_answer GROUP BY question ORDER BY n DESC, question LIMIT ?", [top])
        votes = self._rows("SELECT count(*) AS n, sum(vote < 0) AS down FROM feedback")[0]
        return {"per_day": [dict(r) for r in per_day], "most_asked": [dict(r) for r in asked],
                "unanswered": [dict(r) for r in unanswered],
                "votes": votes["n"], "down_share": (votes["down"] or 0) / votes["n"] if votes["n"] else 0.0}

    def down_voted(self, top: int = 50) -> list[dict]:
        """Answers voted 👎, newest first: the question, what was answered, when."""
        rows = self._rows(
            "SELECT q.id, q.at, q.question, q.items, q.no_answer, count(*) AS n FROM feedback f"
            " JOIN questions q ON q.id = f.question_id WHERE f.vote < 0 GROUP BY q.id ORDER BY max(f.at) DESC, q.id DESC LIMIT ?",
            [top],
        )
        return [{**dict(r), "items": json.loads(r["items"])} for r in rows]

    def question_log(self) -> Iterator[dict]:
        """Every logged question, oldest first, with its 👍 and 👎 counts (chat ids are hashes)."""
        rows = self.conn.execute(
            "SELECT q.id, q.at, q.chat, q.question, q.intent, q.items, q.latency_ms, q.no_answer,"
            " count(f.vote) FILTER (WHERE f.vote > 0) AS up, count(f.vote) FILTER (WHERE f.vote < 0) AS down"
            " FROM questions q LEFT JOIN feedback f ON f.question_id = q.id GROUP BY q.id ORDER BY q.id"
        )
        for row in rows:
            yield dict(row)

    # --- reading ---------------------------------------------------------------------------

    def reports(self) -> dict[str, dict]:
        """The ingest report of each stored document, by id (layout, items, without_unit, deadlines, guessed)."""
        return json.loads(self.meta().get("reports", "{}"))

    def unit_counts(self, ranges: Ranges | None = None) -> list[dict]:
        """Every named body (collective names aside) with its item count and lead count, most items first."""
        items: dict[str, set[int]] = {}
        lead: dict[str, set[int]] = {}
        for normalized, role, blob in self._rows("SELECT normalized, role, ids FROM unit_items WHERE NOT collective"):
            ids = _within(_ids(blob), ranges)
            if ids:
                items.setdefault(normalized, set()).update(ids)
                if role == LEAD:
                    lead.setdefault(normalized, set()).update(ids)
        counts = [{"unit": unit, "items": len(ids), "lead": len(lead.get(unit, ()))} for unit, ids in items.items()]
        return sorted(counts, key=lambda c: (-c["items"], c["unit"]))

    def built(self) -> str:
        """A token that changes with every rebuild (engines opened before it are stale)."""
        found = self._rows("SELECT value FROM meta WHERE key = 'built'")
        return found[0][0] if found else ""

    def size(self) -> int:
        """How many items the index holds."""
        return self._rows("SELECT count(*) FROM items")[0][0]

    def document_ranges(self) -> dict[str, tuple[int, int]]:
        """The first and last item id of each document (its items are numbered one after another)."""
        return {r[0]: (r[1], r[2]) for r in self._rows("SELECT doc, min(id), max(id) FROM items GROUP BY doc")}

    def all_tokens(self) -> dict[int, list[str]]:
        """Every item's search tokens by id, in id order, as the postings hold them: each term as often
        as the item holds it, the terms in the postings' order (BM25 reads counts, not order)."""
        bags: dict[int, list[str]] = {r[0]: [] for r in self._rows("SELECT id FROM items ORDER BY id")}
        for row in self.conn.execute("SELECT * FROM postings ORDER BY term"):
            for item_id, count in _postings(row).pairs():
                bags[item_id] += [row["term"]] * count
        return bags

    def meta(self) -> dict[str, str]:
        """The meta key/value pairs."""
        return {r["key"]: r["value"] for r in self._rows("SELECT key, value FROM meta")}

    def documents(self) -> list[Document]:
        """Every document, in id order."""
        return [Document(**dict(r)) for r in self._rows("SELECT * FROM documents ORDER BY id")]

    def items(self, doc: str | None = None) -> list[Item]:
        """Items (of one document, or all) in document order."""
        where, args = ("WHERE doc = ?", [doc]) if doc else ("", [])
        return [self._item(r) for r in self._rows(f"SELECT {_ITEM_COLUMNS} FROM items {where} ORDER BY doc, position", args)]

    def items_of(self, doc: str) -> list[tuple[int, Item]]:
        """(id, item) of one document's items, in id order."""
        return self._items_where("doc = ?", [doc])

    def item(self, doc: str, number: str) -> Item | None:
        """One item by document id and number as printed, or None."""
        found = self._items_where("doc = ? AND number = ?", [doc, number])
        return found[0][1] if found else None

    def _items_where(self, where: str, args: list[Any], ranges: Ranges | None = None) -> list[tuple[int, Item]]:
        """(id, item) pairs matching an SQL condition on items, inside the id ranges, in id order."""
        if ranges is not None:
            where = f"({where}) AND ({' OR '.join(['id BETWEEN ? AND ?'] * len(ranges)) or '0'})"
            args = [*args, *(bound for pair in ranges for bound in pair)]
        rows = self._rows(f"SELECT {_ITEM_COLUMNS} FROM items WHERE {where} ORDER BY id", args)
        return [(r["id"], self._item(r)) for r in rows]

    def items_numbered(self, number: str, ranges: Ranges | None = None) -> list[Item]:
        """Items numbered so (in any document), inside the id ranges, in id order."""
        return [item for _, item in self._items_where("number = ?", [number], ranges)]

    def items_of_unit(self, name: str, ranges: Ranges | None = None) -> list[Item]:
        """Items naming the unit (as written or normalized), inside the id ranges, in id order."""
        found: set[int] = set()
        for (blob,) in self._rows("SELECT ids FROM unit_items WHERE normalized = ? OR name = ?", [name, name]):
            found.update(_within(_ids(blob), ranges))
        ids = sorted(found)
        return [item for at in range(0, len(ids), ID_CHUNK)  # ids are numbers: written into the statement
                for _, item in self._items_where(f"id IN ({','.join(map(str, ids[at:at + ID_CHUNK]))})", [])]

    def items_due(self, ranges: Ranges | None = None) -> list[Item]:
        """Items with a due date, inside the id ranges, in id order."""
        return [item for _, item in self._items_where("due != ''", [], ranges)]

    def items_by_id(self, ids: list[int]) -> dict[int, Item]:
        """Items by id, in id order; the ones read lately are kept (until this file is written)."""
        if not ids:
            return {}
        version = self.built()  # every write to the index tables changes it (the question log does not)
        if version != self._items_version or len(self._items) > ITEM_CACHE:
            self._items, self._items_version = {}, version
        missing = [i for i in set(ids) if i not in self._items]
        if missing:
            self._items.update(self._items_where(f"id IN ({','.join('?' * len(missing))})", missing))
        return {i: self._items[i] for i in sorted(set(ids)) if i in self._items}

    def postings(self, terms: Iterable[str]) -> dict[str, Postings]:
        """The postings of each known term."""
        terms = list(set(terms))
        if not terms:
            return {}
        rows = self._rows(f"SELECT * FROM postings WHERE term IN ({','.join('?' * len(terms))})", terms)
        return {r["term"]: _postings(r) for r in rows}

    def lengths(self) -> tuple[bytes, float]:
        """Tokens per item id (uint32, 0 where no item) and the mean over the items."""
        found = self._rows("SELECT lengths, average FROM lengths")
        return (found[0][0], found[0][1]) if found else (b"", 1.0)

    def unit_spellings(self, docs: list[str]) -> set[str]:
        """Every unit name of these documents' items, as written and as normalized."""
        spans = self.document_ranges()
        ranges = _merged([spans[doc] for doc in docs if doc in spans])
        found: set[str] = set()
        for name, normalized, blob in self._rows("SELECT name, normalized, ids FROM unit_items"):
            if _touches(_ids(blob), ranges):
                found.update((name, normalized))
        return found

    def unit_names(self) -> list[str]:
        """Every distinct unit name, as normalized."""
        return json.loads(self.meta().get("unit_names", "[]"))

    @staticmethod
    def _item(row: sqlite3.Row) -> Item:
        """An Item from its row."""
        members = tuple(Unit(name, normalized, role, bool(collective))
                        for name, normalized, role, collective in json.loads(row["members"]))
        return Item(
            doc=row["doc"], number=row["number"], task=row["task"], text=row["text"],
            units=Units(row["units_raw"], members), deadline=row["deadline"],
            line=row["line"], position=row["position"],
            due=tuple(filter(None, (row["due"] or "").split(","))), ongoing=bool(row["ongoing"]),
            corrected=bool(row["corrected"]),
        )


def _ids(blob: bytes) -> array:
    """Item ids as unit_items stores them (uint32, ascending)."""
    ids = array("I")
    ids.frombytes(blob)
    return ids


def _within(ids: array, ranges: Ranges | None) -> Sequence[int]:
    """The ids (ascending) inside the id ranges."""
    if ranges is None:
        return ids
    out = array("I")
    for lo, hi in ranges:
        out.extend(ids[bisect_left(ids, lo):bisect_right(ids, hi)])
    return out


def _touches(ids: array, ranges: Ranges) -> bool:
    """True when one of the ids (ascending) lies inside one of the ranges."""
    return any(bisect_left(ids, lo) < bisect_right(ids, hi) for lo, hi in ranges)


def _cut(ids: array, lo: int, hi: int) -> None:
    """Take the ids from lo to hi out of ids (ascending)."""
    del ids[bisect_left(ids, lo):bisect_right(ids, hi)]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Id ranges with those that touch or overlap joined (the documents kept lie mostly side by side)."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _postings(row: sqlite3.Row) -> Postings:
    """A term's Postings from its row."""
    return Postings(row["df"], bool(row["dense"]), bool(row["wide"]), row["ids"], row["counts"], row["top"])


def explain(path: Path, exc: sqlite3.Error, waited: float | None = None) -> PolicyQAError:
    """The project's error for an SQLite failure on the index at path: what, where, and the way out."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary result code
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        wait = f" for {waited:g} s" if waited is not None else ""
        return IndexLocked(f"{path} is being written by another policyqa process (waited{wait}); try again later")
    if code == sqlite3.SQLITE_FULL:
        return DiskFull(f"the disk holding {path} is full: nothing was changed (free some space and try again)")
    if code == sqlite3.SQLITE_READONLY:
        return IndexReadOnly(f"{path} is read-only: it can be queried but not changed")
    if code == sqlite3.SQLITE_CANTOPEN:
        return IndexMissing(f"cannot open the index {path} (is the folder there and readable?)")
    problem = _quick_check(path)
    if problem is None and code not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return IndexProblem(f"the index {path} failed: {exc}")
    return IndexCorrupt(_damaged(path, problem or str(exc)))


def _quick_check(path: Path) -> str | None:
    """The first problem SQLite's quick_check finds in the file, or None when it finds none."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None if verdict == "ok" else verdict


def _damaged(path: Path, problem: str) -> str:
    """The message for a damaged index file, on one line."""
    problem = "; ".join(filter(None, (p.strip() for p in problem.replace("*** in database main ***", "").split("\n"))))
    return f"the index {path} is damaged ({problem}); rebuild it from the corpus with `policyqa ingest --rebuild`"


@cache
def _expected_columns() -> dict[str, list[str]]:
    """Each table of the schema with its columns, as this version writes them."""
    memory = sqlite3.connect(":memory:")
    memory.executescript(_SCHEMA)
    tables = [r[0] for r in memory.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: [r[1] for r in memory.execute(f"PRAGMA table_info({t})")] for t in tables}


def _writable(path: Path) -> bool:
    """True when the index file can be written (or created), with its WAL files beside it."""
    folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), path.parent)
    if not os.access(folder, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def _inode(path: Path) -> int | None:
    """The file's inode number, which changes when another file is swapped in."""
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _token_hash(token: str) -> str:
    """What is stored of a login token: its hash (a copy of the file holds no live token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    """The current UTC time, ISO formatted to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
