"""Read plan files and their catalog into documents and items; bad files are reported, not fatal."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from index.deadline import read_due
from index.errors import CatalogError, DuplicateDocument, InputError
from index.metadata import guess_metadata
from index.models import Document, Item

CATALOG = "catalog.toml"
# Limits far above any real plan (the largest item of the bundled and test plans has under 500
# characters, its unit cell under 150), so a file that goes past one is misread, not large.
MAX_FILE_BYTES = 50 * 2**20  # ingest holds a plan in memory: about 50 MB per MB of text (benchmarks/ingest_memory.py)
MAX_CELL_CHARS = 20_000
MAX_ITEM_CHARS = 20_000
MAX_UNITS_CHARS = 2_000


@dataclass(frozen=True)
class Parsed:
    """One plan read successfully, with how it was read."""

    document: Document
    items: list[Item]
    layout: str = ""
    guessed: tuple[str, ...] = ()  # metadata fields taken from the text, not the catalog
    stale: tuple[str, ...] = ()  # item numbers staff corrections name that the plan does not have

    @property
    def without_unit(self) -> list[str]:
        """Numbers of the items that name no responsible unit."""
        return [i.number for i in self.items if not i.units.members]

    def summary(self) -> Summary:
        """What the ingestion report says about this plan, without its items."""
        deadlines = sum(1 for i in self.items if i.deadline)
        corrected = tuple(i.number for i in self.items if i.corrected)
        return Summary(self.document, self.layout, self.guessed, len(self.items), tuple(self.without_unit), deadlines,
                       corrected, self.stale)


@dataclass(frozen=True)
class Summary:
    """One plan's line in the ingestion report."""

    document: Document
    layout: str
    guessed: tuple[str, ...]
    items: int
    without_unit: tuple[str, ...]
    deadlines: int
    corrected: tuple[str, ...] = ()  # items whose units or deadline staff corrected
    stale: tuple[str, ...] = ()  # corrections naming items the plan does not have

    def report(self) -> dict:
        """The report as stored with the index, for the staff page."""
        return {"layout": self.layout, "items": self.items, "without_unit": list(self.without_unit),
                "deadlines": self.deadlines, "guessed": list(self.guessed)}


@dataclass
class BuildResult:
    """What building the index did: one summary per plan stored, one error per bad file."""

    summaries: list[Summary] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


@dataclass
class IngestResult:
    """What a batch of files gave: the good plans and one error per bad file."""

    parsed: list[Parsed] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def load_catalog(folder: Path) -> dict[str, dict]:
    """Catalog entries of a folder, by file name (empty when there is no catalog)."""
    path = folder / CATALOG
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None
    entries = data.get("document", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "id" in e for e in entries):
        raise CatalogError(f"{path}: every [[document]] needs an id")
    return {e.get("file", f"{e['id']}.txt"): e for e in entries}


def plan_files(paths: Iterable[Path]) -> list[Path]:
    """The plan files named, folders expanded to the plans they hold (sorted)."""
    from index.readers import PLAN_SUFFIXES  # the readers load only to ingest, as in read_plan

    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in PLAN_SUFFIXES))
        else:
            found.append(path)
    return found


def document_for(path: Path, given: dict, text: str) -> tuple[Document, tuple[str, ...]]:
    """The document a file holds: given values (catalog, command line) first, then guesses."""
    known = {f.name for f in fields(Document)}
    values = {k: v for k, v in given.items() if k in known and v not in (None, "")}
    guessed = {k: v for k, v in guess_metadata(text).items() if k in known and k not in values}
    values = {**guessed, **values}
    values.setdefault("id", path.stem)
    values.setdefault("title", path.stem)
    values["source"] = str(path)
    return Document(**values), tuple(sorted(guessed))


def read_plan(path: Path, given: dict, taken: dict[str, Path] | None = None) -> Parsed:
    """Read and parse one plan file; given: catalog entry and overrides. Raises InputError.

    given["corrections"] (a Corrections, from build_index) is applied to the items read;
    given["layout"] forces one of the named layouts (index.parse.LAYOUTS).
    """
    from index.corrections import apply_corrections
    from index.parse import parse_layout  # here, not above: a query process never loads the parsers
    from index.readers import read_source

    try:
        _check_file_size(path)
        source = read_source(path)
        _check_cells(source.tables, path)
        document, guessed = document_for(path, given, source.text)
        if taken and document.id in taken:
            raise DuplicateDocument(f"document id {document.id!r} already read from {taken[document.id]}", path)
        layout, items = parse_layout(source.text, source.tables, document.id, str(path), given.get("layout"))
        _check_items(items, path)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path) from None
    stale: tuple[str, ...] = ()
    if given.get("corrections"):  # first: a corrected deadline is the one read into due dates
        items, stale = apply_corrections(items, given["corrections"].of(document.id))
    year = int(document.year) if str(document.year or "").isdigit() else None  # as the metadata gives it
    items = [with_due(item, year) for item in items]
    return Parsed(document, items, f"{source.layout}: {layout}", guessed, stale)


def _check_file_size(path: Path) -> None:
    """Refuse a file larger than a plan can be, before reading it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{size / 2**20:.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MB a plan file may have "
                         "(split it into plans)", path)


def _check_cells(tables: list[list[list[str]]], path: Path) -> None:
    """Refuse a table cell longer than any plan's (a whole document pasted into one cell)."""
    for t, table in enumerate(tables, 1):
        for r, row in enumerate(table, 1):
            longest = max(map(len, row), default=0)
            if longest > MAX_CELL_CHARS:
                raise InputError(f"table {t}, row {r}: a cell of {longest} characters, more than the "
                                 f"{MAX_CELL_CHARS} a cell may have", path)


def _check_items(items: list[Item], path: Path) -> None:
    """Refuse an item or unit cell longer than any plan's: its numbering was not understood."""
    for item in items:
        size, units = len(item.task) + len(item.text), len(item.units.raw)
        if size > MAX_ITEM_CHARS or units > MAX_UNITS_CHARS:
            what = f"{size} characters of text" if size > MAX_ITEM_CHARS else f"a unit cell of {units} characters"
            limit = MAX_ITEM_CHARS if size > MAX_ITEM_CHARS else MAX_UNITS_CHARS
            raise InputError(f"item {item.number} has {what}, more than the {limit} an item may have: are the "
                             "items after it numbered in a way not read? (split the file)", path, item.line)


def with_due(item: Item, year: int | None) -> Item:
    """The item with its deadline read into due dates (index/deadline.py) in the plan's year."""
    due = read_due(item.deadline, item.text, year)
    if (due.dates, due.ongoing) == (item.due, item.ongoing):
        return item  # most items name no date: a copy would be the same
    # made from the item's fields as they are: dataclasses.replace checks each field's kind first, at
    # twice the cost, and a quarter of a plan's items are copied here
    return Item(**{**vars(item), "due": due.dates, "ongoing": due.ongoing})


def given_metadata(paths: Iterable[Path], overrides: dict | None = None) -> list[tuple[Path, dict]]:
    """Each plan file with what its folder's catalog and the overrides say about it."""
    catalogs: dict[Path, dict[str, dict]] = {}
    out = []
    for path in plan_files(paths):
        if path.parent not in catalogs:  # once per folder: setdefault would read it for every file
            catalogs[path.parent] = load_catalog(path.parent)
        out.append((path, {**catalogs[path.parent].get(path.name, {}), **(overrides or {})}))
    return out


def ingest(
    paths: Iterable[Path],
    progress: Callable[[Path], None] | None = None,
    overrides: dict | None = None,
) -> IngestResult:
    """Read and parse every plan; a file that fails is recorded and the rest go on.

    overrides (id, title, region, year …) beat the catalog and the guesses; for one file.
    """
    result = IngestResult()
    taken: dict[str, Path] = {}
    for path, given in given_metadata(paths, overrides):
        if progress:
            progress(path)
        try:
            parsed = read_plan(path, given, taken)
        except InputError as exc:
            result.errors.append(exc)
            continue
        taken[parsed.document.id] = path
        result.parsed.append(parsed)
    return result
