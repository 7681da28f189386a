"""The `policyqa` command line: ingest, items, item, ask, eval, chat, bot.

Core errors become a one-line message on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.basics import Basics, Unsure, read_basics
from index.errors import PolicyQAError

if TYPE_CHECKING:
    from bot.settings import Settings
    from index.corpus import Summary
    from index.corrections import Corrections

# Commands that read more than bot/basics.py's four settings: they (and `policyqa` with no command)
# build the whole Settings, the others only the basics, which a cold `policyqa ask` needs fast.
WHOLE_SETTINGS = frozenset({"bot", "web"})


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --db PATH to a command, overriding the POLICYQA_DB setting."""

    @click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help="index database file")
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx: click.Context, db_path: Path | None, **kwargs: Any) -> Any:
        from index.store import DatabaseError, explain

        settings: Basics = ctx.obj
        if db_path is not None:
            ctx.obj = settings = settings.model_copy(update={"db": db_path})
        try:
            return ctx.invoke(command, settings, **kwargs)
        except (PolicyQAError, DatabaseError) as exc:
            problem = explain(settings.db, exc) if isinstance(exc, DatabaseError) else exc
            click.echo(f"error: {problem}", err=True)
            ctx.exit(2)

    return wrapper


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """政策问答: who is responsible for each item of a 政务公开 plan, and by when.

    With no command: the Telegram bot when a token is configured, otherwise the terminal chat.
    """
    if ctx.invoked_subcommand is None or ctx.invoked_subcommand in WHOLE_SETTINGS:
        ctx.obj = whole_settings()
    else:
        try:
            ctx.obj = read_basics()
        except Unsure:  # a value only Settings reads right (or rejects): let it
            ctx.obj = whole_settings()
    if ctx.invoked_subcommand is None:
        ctx.invoke(bot_command if ctx.obj.token else chat_command)


def whole_settings() -> Settings:
    """Every setting, checked (pydantic-settings); a bad one is a one-line error."""
    from bot.settings import Settings

    try:
        return Settings()
    except ValueError as exc:
        raise click.ClickException(f"bad setting: {exc}".splitlines()[0]) from None


def main() -> None:
    """Console entry point."""
    cli(prog_name="policyqa")


def _progress(message: str) -> None:
    """Show how ingestion goes."""
    click.echo(message, err=True)


def ensure_index(settings: Basics) -> None:
    """Build the index on first use, and again when the word lists changed, so a user can just ask."""
    from index.lexicon import fingerprint
    from index.store import Store

    store = Store(settings.db)
    if store.readonly:
        return  # served as it is: the engine says when it is empty or stale
    if not store.documents():
        click.echo(f"no index at {settings.db} yet: ingesting {settings.corpus}/ …", err=True)
        _run_ingest(settings, [settings.corpus], everything=True)
    elif store.meta().get("fingerprint") != fingerprint():
        click.echo(f"the word lists in index/data changed: re-indexing {settings.db} …", err=True)
        _run_ingest(settings, [], everything=False)


def _run_ingest(
    settings: Basics, paths: list[Path], everything: bool, overrides: dict | None = None, rebuild: bool = False
) -> int:
    """Ingest (or rebuild into a new file and swap in) and report; returns the number of files that failed."""
    from index.corrections import CORRECTIONS, load_corrections
    from index.engine import build_index
    from index.repair import rebuild_index

    start = time.perf_counter()
    corrections = load_corrections(settings.corpus / CORRECTIONS)
    if rebuild:
        result = rebuild_index(settings.db, settings.corpus, _progress, settings.lock_wait, corrections)
    else:
        result = build_index(_writer(settings), paths, everything, _progress, overrides, corrections=corrections)
    for summary in result.summaries:
        document, without = summary.document, summary.without_unit
        click.echo(
            f"{document.id} ({summary.layout}): {summary.items} items, "
            f"{len(without)} without a unit, {summary.deadlines} with a deadline",
            err=True,
        )
        if without:
            click.echo(f"  no unit named for items: {', '.join(without)}", err=True)
        if summary.guessed:
            shown = ", ".join(f"{k}={getattr(document, k)}" for k in summary.guessed)
            click.echo(f"  guessed from the text: {shown} (set with --title/--region/--year or the catalog)", err=True)
        _report_corrections(corrections, summary)
    if everything or rebuild:
        _report_unknown_corrections(settings, corrections)
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    elapsed = f"in {time.perf_counter() - start:.2f} s"
    _report_held(settings, elapsed, result.summaries, len(result.errors), retokenized=not paths and not rebuild)
    return len(result.errors)


def _report_corrections(corrections: Corrections, summary: Summary) -> None:
    """Which items of a plan staff corrected, and each correction naming an item it does not have."""
    if summary.corrected:
        click.echo(f"  corrected by {corrections.path}: items {', '.join(summary.corrected)}", err=True)
    for number in summary.stale:
        click.echo(f"warning: {corrections.path} [{summary.document.id}.{number}]: the plan has no item {number}; "
                   "the correction is not applied", err=True)


def _report_unknown_corrections(settings: Basics, corrections: Corrections) -> None:
    """Each document the corrections name that a full rebuild did not index."""
    from index.store import Store

    stored = {d.id for d in Store(settings.db).documents()}
    for doc, _ in corrections.by_doc:
        if doc not in stored:
            click.echo(f"warning: {corrections.path} [{doc}]: no document {doc!r} in the index", err=True)


def _report_held(settings: Basics, elapsed: str, summaries: list, failed: int, retokenized: bool = False) -> None:
    """The closing line of a write: what was stored, what failed, what the index now holds."""
    from index.store import Store

    held = len(Store(settings.db).documents())
    failures = f" ({failed} failed)" if failed else ""
    if retokenized:
        click.echo(f"re-indexed the {held} documents of {settings.db} {elapsed}", err=True)
        return
    if not summaries:
        click.echo(f"nothing indexed {elapsed}{failures}; {settings.db} is unchanged and holds {held} documents", err=True)
        return
    stored = f"indexed {len(summaries)} document{'s' * (len(summaries) != 1)}, {sum(s.items for s in summaries)} items"
    click.echo(f"{stored} {elapsed}{failures}; {settings.db} now holds {held} documents", err=True)


def _writer(settings: Basics):  # noqa: ANN202 - index.store is imported late for a fast start
    """The index opened for writing: a write waits this long for another writer."""
    from index.store import Store

    return Store(settings.db, timeout=settings.lock_wait)


@cli.command("ingest")
@click.argument("sources", nargs=-1)
@click.option("--replace-all", is_flag=True, help="rebuild the index from SOURCES alone")
@click.option("--rebuild", is_flag=True, help="rebuild from the corpus folder into a new file and swap it in (repairs a damaged index)")
@click.option("--doc-id", help="document id (one file or address only; default: catalog, file or page name)")
@click.option("--title", help="document title (one file or address only)")
@click.option("--region", help="region, e.g. 湛江市 (one file or address only)")
@click.option("--year", type=int, help="year of the plan (one file or address only)")
@click.option("--layout", help="read the file as this layout (pipe rows, cell per line, blank-line cells, tab rows, wrapped cells, key/value blocks, text table, prose, table rows)")
@db_option
def ingest_command(
    settings: Basics, sources: tuple[str, ...], replace_all: bool, rebuild: bool,
    doc_id: str | None, title: str | None, region: str | None, year: int | None, layout: str | None,
) -> None:
    """Build the index from plan files or web addresses (default: the whole corpus folder, replacing the index).

    Naming SOURCES (.txt .md .docx .doc .xlsx .xls .html .pdf … files, or http(s):// addresses) adds
    those plans, replacing documents with the same id and keeping the rest. An address is fetched with
    its plan attachments into the corpus folder (recorded in its catalog.toml, so a rebuild needs no
    network). Metadata comes from these options, then catalog.toml beside the file, then the text
    itself (shown). A source that cannot be read is reported and skipped; the exit code is then 1.
    --rebuild builds the corpus folder's index into a new file and swaps it in; a damaged index is
    kept aside under another name.
    """
    from index.fetch import is_address

    overrides = {k: v for k, v in {"id": doc_id, "title": title, "region": region, "year": year,
                                   "layout": layout}.items() if v}
    addresses = [s for s in sources if is_address(s)]
    paths = [Path(s) for s in sources if not is_address(s)]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    if overrides and (len(sources) != 1 or (paths and paths[0].is_dir())):
        raise click.UsageError("--doc-id/--title/--region/--year/--layout describe one file or address: name exactly one")
    if rebuild and sources:
        raise click.UsageError("--rebuild reads the corpus folder (POLICYQA_CORPUS): name no files")
    failed = 0
    for address in addresses:
        fetched, errors = _fetch(settings, address, overrides)
        paths += fetched
        failed += errors
    if addresses and not paths:
        sys.exit(1)
    everything = replace_all or not sources
    failed += _run_ingest(settings, paths or [settings.corpus], everything, {} if addresses else overrides, rebuild)
    if failed:
        sys.exit(1)


def _fetch(settings: Basics, address: str, overrides: dict) -> tuple[list[Path], int]:
    """Fetch the plans at an address into the corpus folder and report where each came from."""
    from index.errors import FetchError
    from index.fetch import fetch_plans

    try:
        result = fetch_plans(address, settings.corpus, overrides.get("id"), given=overrides, progress=_progress)
    except FetchError as exc:
        click.echo(f"error: {exc}", err=True)
        return [], 1
    for plan in result.plans:
        taken = {}
        for key, where in plan.taken.items():
            taken.setdefault(where, []).append(key)
        sources = "; ".join(f"{', '.join(keys)} from {where}" for where, keys in taken.items())
        click.echo(f"{plan.entry['id']} <- {plan.origin} ({plan.entry['url']}), kept as {plan.path}; {sources}",
                   err=True)
    for note in result.notes:
        click.echo(f"  note: {note}", err=True)
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    return [plan.path for plan in result.plans], len(result.errors)


@cli.command("remove")
@click.argument("docs", nargs=-1, required=True)
@db_option
def remove_command(settings: Basics, docs: tuple[str, ...]) -> None:
    """Remove plans by document id, in one transaction (the other plans are kept as they are)."""
    from index.engine import remove_documents

    start = time.perf_counter()
    remove_documents(_writer(settings), docs, _progress)
    click.echo(f"removed {', '.join(docs)} in {time.perf_counter() - start:.2f} s; "
               f"{settings.db} now holds {len(_writer(settings).documents())} documents", err=True)


@cli.command("items")
@click.option("--doc", "doc", help="only this document id")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@db_option
def items_command(settings: Basics, doc: str | None, as_json: bool) -> None:
    """List items: number, units (lead first) and deadline, one line each."""
    from bot.render import item_json
    from index.store import Store

    ensure_index(settings)
    store = Store(settings.db)
    if doc and doc not in {d.id for d in store.documents()}:
        raise click.ClickException(f"no document {doc!r} (see `policyqa items`)")
    items = store.items(doc)
    if as_json:
        click.echo(json.dumps([item_json(i) for i in items], ensure_ascii=False, indent=1))
        return
    for item in items:
        lead = "、".join(f"{n}（牵头）" for n in item.units.lead)
        units = "、".join(filter(None, [lead, "、".join(item.units.others)])) or "（未写明）"
        deadline = f"  时限：{item.deadline}" if item.deadline else ""
        click.echo(f"{item.doc} {item.number}  {units}{deadline}")


DOUBTS = {"no-unit": "未写明责任单位", "not-a-body": "「{}」不像单位名称", "long-cell": "单位格过长（{}字）"}


@cli.command("review")
@click.argument("doc")
@db_option
def review_command(settings: Basics, doc: str) -> None:
    """Every item of a plan, one line each with units and deadline, the doubtful ones marked "?".

    Fix what the reader got wrong in corpus/corrections.toml (see README), then ingest again.
    """
    from bot.render import unit_line
    from index.corrections import CORRECTIONS, doubts
    from index.store import Store

    ensure_index(settings)
    store = Store(settings.db)
    if doc not in {d.id for d in store.documents()}:
        raise click.ClickException(f"no document {doc!r} (see `policyqa items`)")
    reviewed = doubts(store.items(doc))
    for item, found in reviewed:
        deadline = f"  时限：{item.deadline}" if item.deadline else ""
        flags = "  ← " + "；".join(DOUBTS[d.kind].format(d.detail) for d in found) if found else ""
        click.echo(f"{'?' if found else ' '} {item.number:>4}  {unit_line(item)}{deadline}{flags}")
    doubtful = [item for item, found in reviewed if found]
    click.echo(f"{doc}: {len(reviewed)} items, {len(doubtful)} doubtful", err=True)
    if doubtful:
        example = doubtful[0]
        click.echo(f"correct one in {settings.corpus / CORRECTIONS}, then run `policyqa ingest`:\n"
                   f'[{doc}."{example.number}"]\nunits = "{example.units.raw or "某某局牵头，某某局"}"', err=True)


@cli.command("item")
@click.argument("doc")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@db_option
def item_command(settings: Basics, doc: str, number: str, as_json: bool) -> None:
    """Show one item whole, with its source."""
    from bot.render import item_json, render_item
    from index.store import Store

    ensure_index(settings)
    store = Store(settings.db)
    found = store.item(doc, number)
    if found is None:
        raise click.ClickException(f"no item {number!r} in document {doc!r}")
    if as_json:
        click.echo(json.dumps(item_json(found), ensure_ascii=False, indent=1))
        return
    document = next(d for d in store.documents() if d.id == doc)
    click.echo(render_item(found, document))


def load_answerer(settings: Basics, check: bool = False):  # noqa: ANN201 - bot.answer is imported late
    """The engine and answerer over the configured index (built on first use).

    check: run SQLite's quick_check first, as a long-running front end does once at start.
    """
    from bot.answer import Answerer
    from index.engine import Engine

    ensure_index(settings)
    engine = Engine.open(settings.db, settings.ranker)
    if check:
        engine.store.check()
    return Answerer(engine)


@cli.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="print the answer as JSON")
@click.option("--doc", "doc", help="only this document id")
@click.option("--region", "region", help="only this region (as named in the catalog or a question)")
@db_option
def ask_command(settings: Basics, question: str, as_json: bool, doc: str | None, region: str | None) -> None:
    """Answer one question; QUESTION '-' reads one question per line from standard input."""
    from bot.dialogue import Dialogue
    from bot.render import answer_json, render_answer

    answerer = load_answerer(settings)
    try:
        scope = answerer.scope(region or "", doc or "") if (region or doc) else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    questions = (line.strip() for line in sys.stdin) if question == "-" else iter([question])
    for text in questions:
        if question == "-" and not text:
            continue
        answer = Dialogue(answerer, scope=scope).reply(text)  # each question on its own
        if as_json:
            click.echo(json.dumps(answer_json(answer, answerer.engine.documents), ensure_ascii=False))
        else:
            click.echo(render_answer(answer, answerer.engine.documents))


@cli.command("due")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), help="only items due on or before this date (YYYY-MM-DD)")
@click.option("--unit", help="only this unit's items (a name or alias)")
@click.option("--region", help="only this region's plans")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@db_option
def due_command(settings: Basics, before: Any, unit: str | None, region: str | None, as_json: bool) -> None:
    """List the items with a due date, the earliest first: date, item, units, the deadline as written."""
    from bot.due import falling_due
    from bot.render import item_json

    answerer = load_answerer(settings)
    try:
        due = falling_due(answerer, before.date().isoformat() if before else "", unit or "", region or "")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([item_json(item) for _, item in due], ensure_ascii=False, indent=1))
        return
    for day, item in due:
        units = "、".join([*(f"{n}（牵头）" for n in item.units.lead), *item.units.others]) or "（未写明）"
        click.echo(f"{day}  {item.doc} {item.number}  {units}  时限：{item.deadline or '（见原文）'}")


@cli.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def eval_command(settings: Basics, path: Path) -> None:
    """Score the answers to a question set (JSON lines: q, kind, expect) and list every miss."""
    from bot.evaluate import evaluate

    records = _question_set(path)
    answerer = load_answerer(settings)
    report = evaluate(records, answerer.ask)
    for miss in report.misses:
        click.echo(f"miss  {miss}")
    metrics = report.metrics()
    click.echo(f"questions            {len(records)}")
    for name in ("top1", "cross_region_recall", "unit_recall", "unit_precision", "no_answer"):
        click.echo(f"{name:<20} {metrics[name]:.1%}")
    click.echo(f"wrongly_not_covered  {report.wrongly_none} of {report.answerable} answerable")


def _question_set(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file; a bad line is a one-line error naming file and line."""
    from index.text import lines

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason})") from None
    records = []
    for number, line in enumerate(lines(text), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{path}:{number}: not a JSON object ({exc.msg}, column {exc.colno})") from None
        if not isinstance(record, dict) or not {"q", "kind"} <= record.keys():
            raise click.ClickException(f"{path}:{number}: not a question (a JSON object with q and kind)")
        records.append(record)
    return records


@cli.command("chat")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per message (the ask --json fields and context)")
@db_option
def chat_command(settings: Basics, as_json: bool) -> None:
    """A dialogue in the terminal (the same answers as the bot), follow-ups included.

    With standard input from a pipe or a file, one message per line and one answer per message.
    """
    from bot.chat import TerminalInput, run_chat

    answerer = load_answerer(settings, check=True)
    if sys.stdin.isatty() and not as_json:
        run_chat(answerer, TerminalInput("问> "), sys.stdout, prompt="")
    else:
        run_chat(answerer, sys.stdin, sys.stdout, prompt="", as_json=as_json, banner=False)


@cli.command("bot")
@db_option
def bot_command(settings: Settings) -> None:
    """Run the Telegram bot (needs POLICYQA_TOKEN)."""
    import logging

    from telegram.error import InvalidToken

    from bot.answer import Answerer
    from bot.telegram_bot import run_bot
    from index.engine import Engine

    if settings.token is None:
        raise click.ClickException("no Telegram token: set POLICYQA_TOKEN in .env (see .env.example)")
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the token

    def reload() -> Answerer:
        """Re-ingest the corpus folder and load the new index."""
        _run_ingest(settings, [settings.corpus], everything=True)
        return Answerer(Engine.open(settings.db, settings.ranker))

    try:
        run_bot(settings, load_answerer(settings, check=True), reload)
    except (ValueError, InvalidToken) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None


@cli.command("stats")
@db_option
def stats_command(settings: Basics) -> None:
    """Questions per day, most-asked and unanswered questions, and the share of 👎."""
    from bot.render import stats_text
    from index.store import Store

    click.echo(stats_text(Store(settings.db).stats()))


@cli.command("web")
@click.option("--host", help="address to listen on (default: POLICYQA_HOST, else 127.0.0.1)")
@click.option("--port", type=click.IntRange(1, 65535), help="port (default: POLICYQA_PORT, else 8000)")
@click.option("--workers", type=click.IntRange(1, 64), help="worker processes (default: POLICYQA_WEB_WORKERS, else 1)")
@click.option("--hash-password", is_flag=True, help="ask for a staff password and print its setting line")
@db_option
def web_command(settings: Settings, host: str | None, port: int | None, workers: int | None,
                hash_password: bool) -> None:
    """Serve the web chat (/), the staff page (/admin) and the HTTP API (/api/…)."""
    import logging

    from bot.web import run_web
    from bot.web_guard import hash_password as password_hash

    if hash_password:
        password = click.prompt("staff password", hide_input=True, confirmation_prompt=True, err=True)
        click.echo(f"POLICYQA_ADMIN_PASSWORD_HASH={password_hash(password)}")
        return
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    answerer = load_answerer(settings, check=True)
    host, port, workers = host or settings.host, port or settings.port, workers or settings.web_workers
    click.echo(f"政策问答 web chat on http://{host}:{port}/ (staff: /admin, API: /openapi.json)", err=True)
    run_web(settings, answerer, host, port, workers)
