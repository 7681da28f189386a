"""Property-based tests (hypothesis): what must hold for any input, not just the examples.

Readers and parsers raise nothing but the project's own InputError on arbitrary text, bytes and
shuffled real plan lines; the answerer answers any string; a unit cell's names split again the
same way once joined; and random sequences of add / remove / rebuild keep the store's counts and
postings consistent. Example counts are small and bounded so the suite stays quick.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer import Answerer
from index.corpus import read_plan
from index.engine import Engine, build_index, remove_documents, search_text
from index.errors import EmptyCorpus, InputError
from index.models import LEAD, Item
from index.parse import parse_layout
from index.store import Store
from index.units import split_units

CORPUS = Path(__file__).parent.parent / "corpus"
GOLD = [json.loads(line) for line in (Path(__file__).parent / "data" / "items.jsonl").read_text(encoding="utf-8").split("\n")
        if line.strip()]
PLAN_LINES = [line for doc in ("shantou-2021", "kaiping-2021") for line in
              (CORPUS / f"{doc}.txt").read_text(encoding="utf-8").split("\n")]
QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

plan_text = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(PLAN_LINES), max_size=60),
    st.permutations(PLAN_LINES[:80]).map(lambda lines: lines[:40]),
).map(lambda value: value if isinstance(value, str) else "\n".join(value))


@QUICK
@given(text=plan_text)
def test_parsers_raise_only_input_errors(text: str) -> None:
    """Any text, shuffled real lines included, parses into items or raises an InputError."""
    try:
        _, items = parse_layout(text, [], "doc")
    except InputError:
        return
    assert all(item.doc == "doc" and item.number for item in items)


@QUICK
@given(data=st.one_of(st.binary(max_size=600), plan_text.map(lambda t: t.encode("gb18030"))),
       suffix=st.sampled_from([".txt", ".md", ".html", ".docx", ".pdf"]))
def test_readers_raise_only_input_errors(data: bytes, suffix: str) -> None:
    """Any bytes under any plan suffix are read into a plan or refused with an InputError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"plan{suffix}")
        path.write_bytes(data)
        try:
            read_plan(path, {})
        except InputError as exc:
            assert exc.path == str(path)


@QUICK
@given(question=st.text(max_size=200))
def test_the_answerer_answers_any_string(answerer: Answerer, question: str) -> None:
    """Any string gets an answer: hits, or suggestions of what can be asked."""
    answer = answerer.ask(question)
    assert answer.hits or answer.suggestions


@QUICK
@given(cell=st.sampled_from([g["units"] for g in GOLD if g["units"]]))
def test_unit_names_split_again_the_same_once_joined(cell: str) -> None:
    """The names of a real unit cell, joined with 、, split back into the same names."""
    names = [u.name for u in split_units(cell).members]
    assert [u.name for u in split_units("、".join(names)).members] == names


# --- the store under random sequences of writes ----------------------------------------------

DOCS = ["honghaiwan-2021", "jinping-2020", "kaiping-2021", "shantou-2021", "zhanjiang-2021"]
operation = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(DOCS)),
    st.tuples(st.just("remove"), st.sampled_from(DOCS)),
    st.tuples(st.just("rebuild"), st.lists(st.sampled_from(DOCS), min_size=1, max_size=2, unique=True)),
)


def check_invariants(db: Path, expected: set[str]) -> None:
    """Documents as expected; items, meta size and id ranges agree; postings count the terms of every
    item's text once, as the index's own segmenter cuts it."""
    store = Store(db)
    assert {d.id for d in store.documents()} == expected
    conn = sqlite3.connect(db)
    items = conn.execute("SELECT doc, count(*) FROM items GROUP BY doc").fetchall()
    assert {doc for doc, _ in items} == expected
    meta = store.meta()
    assert int(meta["size"]) == sum(n for _, n in items)
    ranges = json.loads(meta["doc_ranges"])
    assert {doc: hi - lo + 1 for doc, (lo, hi) in ranges.items()} == dict(items)
    segmenter = Engine(store).segmenter
    ids = [i for (i,) in conn.execute("SELECT id FROM items")]
    stored = store.items_by_id(ids)
    terms = Counter(t for item in stored.values() for t in set(segmenter.tokens(search_text(item), normalized=True)))
    postings = dict(conn.execute("SELECT term, df FROM postings").fetchall())
    assert postings == dict(terms)
    check_units(store, stored)
    conn.close()
    store.close()


def check_units(store: Store, items: dict[int, Item]) -> None:
    """Each unit's items, its counts and the meta's unit names are those the items' own units give."""
    naming: dict[str, set[int]] = {}
    counted: dict[str, tuple[set[int], set[int]]] = {}
    for item_id, item in items.items():
        for unit in item.units.members:
            naming.setdefault(unit.name, set()).add(item_id)
            naming.setdefault(unit.normalized, set()).add(item_id)
            if not unit.collective:
                held, led = counted.setdefault(unit.normalized, (set(), set()))
                held.add(item_id)
                if unit.role == LEAD:
                    led.add(item_id)
    for spelling, held in naming.items():
        assert store.items_of_unit(spelling) == [items[i] for i in sorted(held)], spelling
    assert store.unit_counts() == sorted(({"unit": u, "items": len(h), "lead": len(led)} for u, (h, led) in counted.items()),
                                         key=lambda c: (-c["items"], c["unit"]))
    assert json.loads(store.meta()["unit_names"]) == sorted({u.normalized for i in items.values() for u in i.units.members})


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=3))
def test_random_writes_keep_the_store_consistent(operations: list[tuple]) -> None:
    """add / remove / rebuild in any order: the store's counts and postings stay consistent."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder, "x.db")
        build_index(Store(db), [CORPUS / "jinping-2020.txt"])
        held = {"jinping-2020"}
        for kind, what in operations:
            if kind == "add":
                build_index(Store(db), [CORPUS / f"{what}.txt"], everything=False)
                held.add(what)
            elif kind == "remove" and what in held:
                try:
                    remove_documents(Store(db), [what])
                    held.discard(what)
                except EmptyCorpus:
                    assert held == {what}
            elif kind == "rebuild":
                build_index(Store(db), [CORPUS / f"{doc}.txt" for doc in what])
                held = set(what)
            check_invariants(db, held)


def test_unit_lookups_follow_replaced_and_removed_plans(tmp_path: Path) -> None:
    """The last plan replaced (its ids given again to its new reading), a plan in the middle removed, one
    added: after each, every unit's items and counts are those its items name (check_units)."""
    db = tmp_path / "x.db"
    build_index(Store(db), [CORPUS / f"{doc}.txt" for doc in ("jinping-2020", "kaiping-2021", "zhanjiang-2021")])
    assert json.loads(Store(db).meta()["doc_ranges"])["zhanjiang-2021"] == [95, 144]
    check_invariants(db, {"jinping-2020", "kaiping-2021", "zhanjiang-2021"})
    build_index(Store(db), [CORPUS / "zhanjiang-2021.txt"], everything=False)
    assert json.loads(Store(db).meta()["doc_ranges"])["zhanjiang-2021"] == [95, 144]
    check_invariants(db, {"jinping-2020", "kaiping-2021", "zhanjiang-2021"})
    remove_documents(Store(db), ["kaiping-2021"])
    check_invariants(db, {"jinping-2020", "zhanjiang-2021"})
    build_index(Store(db), [CORPUS / "shantou-2021.txt"], everything=False)
    check_invariants(db, {"jinping-2020", "zhanjiang-2021", "shantou-2021"})
    assert [(i.doc, i.number) for i in Store(db).items_of_unit("市司法局")] == [
        ("zhanjiang-2021", "26"), ("zhanjiang-2021", "34"), ("zhanjiang-2021", "39"), ("zhanjiang-2021", "40"),
        ("shantou-2021", "25"), ("shantou-2021", "33"), ("shantou-2021", "38"), ("shantou-2021", "39")]
