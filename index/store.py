"""The SQLite index (the only module that imports sqlite_utils).

Tables: documents; items (with their search tokens, so a query never re-segments the corpus);
item_units, one row per (item, unit, role); meta (the dictionary the tokens were made with);
questions and feedback, the bot's log (chat ids hashed), which a rebuild leaves alone.
Writes happen in one transaction: if a rebuild fails midway the previous index still answers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from dataclasses import asdict, fields
from pathlib import Path

import sqlite_utils

from index.models import Document, Item, Unit, Units

SCHEMA_VERSION = "1"


class Store:
    """Read and write the index in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The bot's /reload builds a new engine in a worker thread and uses it from the event loop.
        self.db = sqlite_utils.Database(sqlite3.connect(self.path, check_same_thread=False))
        self.db.enable_wal()
        self._create()

    def _create(self) -> None:
        """Create the index tables when missing."""
        self.db["documents"].create(
            {f.name: (int if f.name == "year" else str) for f in fields(Document)}, pk="id", if_not_exists=True
        )
        self.db["items"].create(
            {"id": int, "doc": str, "number": str, "position": int, "task": str, "text": str,
             "units_raw": str, "deadline": str, "line": int, "tokens": str},
            pk="id", if_not_exists=True,
        )
        self.db["item_units"].create(
            {"item_id": int, "position": int, "name": str, "normalized": str, "role": str, "collective": int},
            if_not_exists=True,
        )
        self.db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        self.db["questions"].create(
            {"id": int, "at": str, "chat": str, "question": str, "intent": str, "items": str,
             "latency_ms": float, "no_answer": int},
            pk="id", if_not_exists=True,
        )
        self.db["feedback"].create({"question_id": int, "at": str, "chat": str, "vote": int}, if_not_exists=True)
        self.db["items"].create_index(["doc", "number"], if_not_exists=True)
        self.db["item_units"].create_index(["item_id"], if_not_exists=True)
        self.db["item_units"].create_index(["normalized"], if_not_exists=True)

    # --- writing ---------------------------------------------------------------------------

    def replace(
        self,
        plans: Iterable[tuple[Document, list[Item]]],
        tokens_of: Callable[[Item], list[str]],
        meta: dict[str, str],
        everything: bool = False,
    ) -> None:
        """Store plans in one transaction, replacing same-id documents (or all, if everything)."""
        with self.db.atomic():
            if everything:
                for table in ("item_units", "items", "documents"):
                    self.db.execute(f"DELETE FROM {table}")
            for document, items in plans:
                self._delete_document(document.id)
                self.db["documents"].insert(asdict(document))
                for item in items:
                    self._insert_item(item, tokens_of(item))
            self.db["meta"].upsert_all(
                [{"key": k, "value": v} for k, v in {**meta, "schema": SCHEMA_VERSION}.items()], pk="key"
            )

    def _delete_document(self, doc: str) -> None:
        """Remove one document and everything under it."""
        self.db.execute("DELETE FROM item_units WHERE item_id IN (SELECT id FROM items WHERE doc = ?)", [doc])
        self.db.execute("DELETE FROM items WHERE doc = ?", [doc])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc])

    def _insert_item(self, item: Item, tokens: list[str]) -> None:
        """Insert one item and its unit rows."""
        row = {"doc": item.doc, "number": item.number, "position": item.position, "task": item.task,
               "text": item.text, "units_raw": item.units.raw, "deadline": item.deadline,
               "line": item.line, "tokens": json.dumps(tokens, ensure_ascii=False)}
        item_id = self.db["items"].insert(row).last_pk
        self.db["item_units"].insert_all(
            {"item_id": item_id, "position": i, "name": u.name, "normalized": u.normalized,
             "role": u.role, "collective": int(u.collective)}
            for i, u in enumerate(item.units.members)
        )

    # --- the question log ------------------------------------------------------------------

    def _chat_hash(self, chat_id: int) -> str:
        """A chat id hashed with this database's own salt (chat ids are never stored)."""
        rows = list(self.db["meta"].rows_where("key = 'salt'"))
        salt = rows[0]["value"] if rows else None
        if salt is None:
            salt = secrets.token_hex(16)
            self.db["meta"].upsert({"key": "salt", "value": salt}, pk="key")
        return hashlib.sha256(f"{salt}:{chat_id}".encode()).hexdigest()[:16]

    def record_question(
        self, chat_id: int, question: str, intent: str, items: list[str], latency_ms: float, no_answer: bool
    ) -> int:
        """Log one question and what was answered; returns its id."""
        row = {"at": _now(), "chat": self._chat_hash(chat_id), "question": question, "intent": intent,
               "items": json.dumps(items, ensure_ascii=False), "latency_ms": round(latency_ms, 2),
               "no_answer": int(no_answer)}
        with self.db.atomic():
            return self.db["questions"].insert(row).last_pk

    def record_feedback(self, question_id: int, chat_id: int, vote: int) -> None:
        """Log a 👍 (+1) or 👎 (-1) on an answered question."""
        with self.db.atomic():
            self.db["feedback"].insert(
                {"question_id": question_id, "at": _now(), "chat": self._chat_hash(chat_id), "vote": vote}
            )

    def stats(self, top: int = 10) -> dict:
        """Questions per day, most-asked and unanswered questions, and the share of 👎."""
        query = self.db.query
        per_day = list(query("SELECT substr(at, 1, 10) AS day, count(*) AS n FROM questions GROUP BY day ORDER BY day"))
        asked = list(query("SELECT question, count(*) AS n FROM questions GROUP BY question ORDER BY n DESC, question LIMIT ?", [top]))
        unanswered = list(query("SELECT question, count(*) AS n FROM questions WHERE no_answer GROUP BY question ORDER BY n DESC, question LIMIT ?", [top]))
        votes = next(query("SELECT count(*) AS n, sum(vote < 0) AS down FROM feedback"))
        return {"per_day": per_day, "most_asked": asked, "unanswered": unanswered,
                "votes": votes["n"], "down_share": (votes["down"] or 0) / votes["n"] if votes["n"] else 0.0}

    # --- reading ---------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """The meta key/value pairs."""
        return {r["key"]: r["value"] for r in self.db["meta"].rows}

    def documents(self) -> list[Document]:
        """Every document, in id order."""
        return [Document(**row) for row in self.db["documents"].rows_where(order_by="id")]

    def items(self, doc: str | None = None) -> list[tuple[Item, list[str]]]:
        """Items (of one document, or all) in document order, each with its stored tokens."""
        where, args = ("doc = ?", [doc]) if doc else (None, [])
        rows = list(self.db["items"].rows_where(where, args, order_by="doc, position"))
        units = self._units_by_item([r["id"] for r in rows])
        return [(self._item(r, units.get(r["id"], ())), json.loads(r["tokens"])) for r in rows]

    def item(self, doc: str, number: str) -> Item | None:
        """One item by document id and number as printed, or None."""
        rows = list(self.db["items"].rows_where("doc = ? AND number = ?", [doc, number]))
        if not rows:
            return None
        return self._item(rows[0], self._units_by_item([rows[0]["id"]]).get(rows[0]["id"], ()))

    def unit_names(self) -> list[str]:
        """Every distinct unit name, as normalized."""
        return [r["normalized"] for r in self.db.query("SELECT DISTINCT normalized FROM item_units")]

    def _units_by_item(self, ids: list[int]) -> dict[int, tuple[Unit, ...]]:
        """Unit rows grouped by item id."""
        wanted = set(ids)
        grouped: dict[int, list[Unit]] = {}
        for r in self.db["item_units"].rows_where(order_by="item_id, position"):
            if r["item_id"] in wanted:
                unit = Unit(r["name"], r["normalized"], r["role"], bool(r["collective"]))
                grouped.setdefault(r["item_id"], []).append(unit)
        return {k: tuple(v) for k, v in grouped.items()}

    @staticmethod
    def _item(row: dict, members: tuple[Unit, ...]) -> Item:
        """An Item from its row and unit rows."""
        return Item(
            doc=row["doc"], number=row["number"], task=row["task"], text=row["text"],
            units=Units(row["units_raw"], members), deadline=row["deadline"],
            line=row["line"], position=row["position"],
        )


def _now() -> str:
    """The current UTC time, ISO formatted to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
